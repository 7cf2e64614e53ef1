/* The wire forms of shared messages (eio_msg.h) for Engine.IO v3 sessions
 * (eio_v3.h). Text messages leave a WebSocket as in v4, so v3 and v4
 * sessions share their cached frame; a v3 binary frame (type byte + data)
 * is cached on the msg beside the v4 one. */
#ifndef SIO_EIO_V3_SEND_H
#define SIO_EIO_V3_SEND_H

#include <stddef.h>

#include "eio/eio_msg.h"

/* A polling answer holding msgs[0..n) in order: the text format, or the
 * binary format when b64 is 0 and one of them is binary (*binary_out is
 * then 1: answer with application/octet-stream). A new rbuf (the caller
 * unrefs it), or NULL if out of memory. */
sio__rbuf_t *sio__eio_v3_polling_body(sio__eio_msg_t *const *msgs, size_t n, int b64,
                                      int *binary_out);

/* The WebSocket frame of m for a v3 session (b64: the WebSocket's request
 * asked for base64 binary) as *off and *len bytes of the returned buffer, a
 * new reference the caller unrefs; NULL if out of memory. */
sio__rbuf_t *sio__eio_v3_ws_slice(sio__eio_msg_t *m, int b64, size_t *off, size_t *len);

#endif
