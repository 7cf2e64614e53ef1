/* A WebSocket connection on a stream (RFC 6455), server side here; the client
 * side reuses the same state with ROLE_CLIENT. Frames are encoded by
 * ws/ws_frame.h; writes go through the stream's queue of rbufs, so one frame
 * built once can be queued on many connections. */
#ifndef SIO_WS_CONN_H
#define SIO_WS_CONN_H

#include "core/rbuf.h"
#include "sio/http.h"
#include "ws/ws_deflate.h"
#include "ws/ws_frame.h"

typedef struct sio__ws_conn sio__ws_conn_t;

/* Callbacks of a connection: every function taking them borrows the struct
 * for the connection's whole life (make it static const). */
typedef struct {
  /* A complete text or binary message. data is valid only during the call
   * (mutable in place). The callback may send, close, or change callbacks. */
  void (*on_message)(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data, size_t len);
  /* Runs exactly once when the connection is gone (peer close, error, local
   * close finished, write queue over its cap). code: the close code sent or
   * received (1006 when the TCP connection just dropped); err: 0 for a clean
   * close handshake, else a negative SIO_E* / libuv code (SIO_ELIMIT: write
   * queue over the cap). The conn is freed right after the callback returns. */
  void (*on_close)(sio__ws_conn_t *c, void *arg, uint16_t code, int err);
} sio__ws_conn_cbs_t;

/* Server side: checks the upgrade request (GET, HTTP/1.1, Upgrade: websocket,
 * Connection: upgrade, Sec-WebSocket-Version: 13, a valid Sec-WebSocket-Key),
 * answers 101 with Sec-WebSocket-Accept and no extension, and turns the
 * connection into a WebSocket. A bad request is answered 400 (426 with
 * Sec-WebSocket-Version: 13 for another version) and an error is returned; the
 * request is finished either way. max_message: largest message accepted
 * (a larger one closes with 1009). Bytes the client sent after the request
 * are processed as frames. Returns 0 and *out, or a negative code. */
int sio__ws_accept(sio_http_req_t *req, const sio__ws_conn_cbs_t *cbs, void *arg,
                   size_t max_message, sio__ws_conn_t **out);
/* Same, adding extra_headers (NULL, or complete lines each ending in "\r\n",
 * borrowed for the call; e.g. a Set-Cookie) to the 101 answer, and
 * negotiating permessage-deflate with deflate's settings (NULL or disabled:
 * never; borrowed for the call). */
int sio__ws_accept_ex(sio_http_req_t *req, const sio__ws_conn_cbs_t *cbs, void *arg,
                      size_t max_message, const char *extra_headers,
                      const sio__ws_deflate_cfg_t *deflate, sio__ws_conn_t **out);

/* Changes the callbacks and their argument (e.g. when a probe socket becomes
 * a session's transport). */
void sio__ws_conn_set_cbs(sio__ws_conn_t *c, const sio__ws_conn_cbs_t *cbs, void *arg);

/* Turns permessage-deflate on with the negotiated pmd (pmd->on 0: nothing)
 * and cfg's level, memLevel and threshold (borrowed for the call). Call right
 * after the connection started. 0 or SIO_ENOMEM. */
int sio__ws_conn_set_deflate(sio__ws_conn_t *c, const sio__ws_pmd_t *pmd,
                             const sio__ws_deflate_cfg_t *cfg);
/* The window compressed frames sent on c may use (9..15), or 0 when c takes
 * only plain frames (no permessage-deflate, or a window too small for the
 * frames built once for all). */
int sio__ws_conn_deflate_bits(const sio__ws_conn_t *c);
/* Bytes c's permessage-deflate state holds now (0 without it). */
size_t sio__ws_conn_deflate_held(const sio__ws_conn_t *c);

/* Sends one message (text or binary), copying data into a new frame
 * (compressed when permessage-deflate is on and len is at least the
 * threshold). */
int sio__ws_conn_send(sio__ws_conn_t *c, int binary, const void *data, size_t len);
/* Queues the frame frame->data[off..off+len) of a buffer built by
 * sio__ws_frame_new (server frames are unmasked, so one frame can go to many
 * connections): takes a reference of frame. */
int sio__ws_conn_send_slice(sio__ws_conn_t *c, sio__rbuf_t *frame, size_t off,
                            size_t len);
/* Starts the closing handshake with code and reason (NULL for none): sends a
 * close frame, waits briefly for the peer's, then closes TCP. on_close runs
 * when the connection is gone. Idempotent. */
void sio__ws_conn_close(sio__ws_conn_t *c, uint16_t code, const char *reason);
/* Bytes queued and not yet written (for volatile packets and back-pressure). */
size_t sio__ws_conn_queued(const sio__ws_conn_t *c);

struct sio__stream;
/* Turns an open stream whose opening handshake is done into a WebSocket
 * connection (sio__ws_accept uses it; the client side calls it with
 * SIO__WS_ROLE_CLIENT after reading the 101). Takes the stream (and closes it
 * on failure); leftover (may be NULL) are bytes already read after the
 * handshake, taken over (unref'd by the connection) and decoded as frames from
 * the loop, before any later read. max_queue: the write-queue cap (0 = none).
 * A client-role connection masks what sio__ws_conn_send sends;
 * sio__ws_conn_send_slice then needs frames masked by the caller. Returns 0
 * and *out, or SIO_ENOMEM. */
int sio__ws_conn_start(struct sio__stream *stream, sio__ws_role_t role,
                       const sio__ws_conn_cbs_t *cbs, void *arg, size_t max_message,
                       size_t max_queue, sio__rbuf_t *leftover, sio__ws_conn_t **out);

#endif
