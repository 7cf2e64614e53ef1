/* A shared Engine.IO packet for sending: the payload lives in one rbuf, and
 * its two wire forms (the WebSocket frame, the polling text) are built lazily,
 * once, and cached. A broadcast builds one msg and queues a reference on every
 * session, so N recipients cost one encoding per transport, not N.
 *
 * Single-threaded, like rbufs. A msg must not change once built. */
#ifndef SIO_EIO_MSG_H
#define SIO_EIO_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "eio/eio_packet.h"
#include "ws/ws_deflate.h"

/* Scratch bytes in front of a payload that let its WebSocket frame be built
 * where the payload lies: the longest server frame header (10) and the type
 * digit. See sio__eio_msg_new_framable. */
#define SIO__EIO_WS_HEADROOM 11

typedef struct sio__eio_msg {
  uint32_t refs;
  uint8_t type;          /* sio__eio_type_t */
  uint8_t binary;        /* 1: binary message data (type MESSAGE) */
  uint8_t headroom;      /* data[off - headroom .. off) is the msg's scratch */
  uint8_t nocompress;    /* 1: never sent compressed (the per-emit flag) */
  sio__rbuf_t *data;     /* payload after the type digit; NULL when len is 0 */
  size_t off, len;       /* the payload is data->data[off..off+len) */
  sio__rbuf_t *polling;  /* cached polling form ("4hello", "bAQID"), or NULL */
  sio__rbuf_t *frame;    /* cached WebSocket frame, or NULL: */
  size_t frame_off;      /* the frame is frame->data[frame_off..): up to the
                            payload's end when built in the headroom (frame is
                            data), else to frame->len (a buffer of its own) */
  sio__rbuf_t *zframe;   /* cached permessage-deflate frame (all of it), or NULL */
  sio__rbuf_t *v3_frame; /* cached Engine.IO v3 binary frame (eio_v3_send.h) */
} sio__eio_msg_t;

/* A packet whose payload is data[off..off+len): takes a reference of data
 * (the caller keeps its own). data may be NULL when len is 0. binary is only
 * meaningful for SIO__EIO_MESSAGE. refs 1; NULL if out of memory. */
sio__eio_msg_t *sio__eio_msg_new(sio__eio_type_t type, int binary, sio__rbuf_t *data,
                                 size_t off, size_t len);
/* Same, for a payload preceded by SIO__EIO_WS_HEADROOM bytes (off >= that)
 * that belong to the msg: nobody reads them and no other msg is given them.
 * The WebSocket frame is then written there, in front of the payload,
 * instead of into a copy (one allocation and one copy less per message).
 * Readers of the payload bytes are not disturbed (they do not change). */
sio__eio_msg_t *sio__eio_msg_new_framable(sio__eio_type_t type, int binary,
                                          sio__rbuf_t *data, size_t off, size_t len);
/* Same as sio__eio_msg_new, copying p[0..len) (borrowed for the call). */
sio__eio_msg_t *sio__eio_msg_copy(sio__eio_type_t type, int binary, const void *p,
                                  size_t len);
sio__eio_msg_t *sio__eio_msg_ref(sio__eio_msg_t *m);
/* Drops a reference; frees the msg and its caches at zero. NULL is ignored. */
void sio__eio_msg_unref(sio__eio_msg_t *m);

/* The payload bytes (borrowed; valid as long as m). */
static inline const uint8_t *sio__eio_msg_bytes(const sio__eio_msg_t *m) {
  return m->data ? m->data->data + m->off : (const uint8_t *)"";
}
/* Size of the polling form, without building it. */
size_t sio__eio_msg_polling_len(const sio__eio_msg_t *m);
/* Appends the polling form to sb (separator first unless first). Uses the
 * cache when it exists, without creating it. */
void sio__eio_msg_polling_append(sio__eio_msg_t *m, sio__sb_t *sb, int first);
/* The polling form as a whole rbuf (cached; borrowed: ref it to keep it), or
 * NULL if out of memory. */
sio__rbuf_t *sio__eio_msg_polling(sio__eio_msg_t *m);
/* The WebSocket frame: a text frame of the type digit + payload, or a binary
 * frame of the bare data for binary messages, as *off and *len bytes of the
 * returned buffer (cached; borrowed: ref it to keep it), or NULL if out of
 * memory. */
sio__rbuf_t *sio__eio_msg_ws_slice(sio__eio_msg_t *m, size_t *off, size_t *len);
/* The permessage-deflate frame (RSV1, compressed with a fresh context and
 * cfg's level, memLevel and window) as *off and *len bytes of the returned
 * buffer: built once and cached, so every deflate recipient of a broadcast
 * shares it (borrowed: ref it to keep it); NULL if out of memory. */
sio__rbuf_t *sio__eio_msg_ws_zslice(sio__eio_msg_t *m, const sio__ws_deflate_cfg_t *cfg,
                                    size_t *off, size_t *len);
/* The frame when it is a buffer of its own (always, unless the msg was made
 * with sio__eio_msg_new_framable: then NULL); cached, borrowed. */
sio__rbuf_t *sio__eio_msg_ws_frame(sio__eio_msg_t *m);

#endif
