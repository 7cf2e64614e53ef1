/* Internal side of the HTTP server: what the Engine.IO layer (and later the
 * Socket.IO server) needs beyond the public API in sio/http.h. */
#ifndef SIO_HTTP_SERVER_H
#define SIO_HTTP_SERVER_H

#include "core/rbuf.h"
#include "io/post.h"
#include "sio/http.h"

struct sio__stream;
struct sio__stream_export;

/* A mount claims every request whose path starts with prefix (copied; e.g.
 * "/engine.io/"), before static files and the application handler.
 * max_body: this mount's body limit (a larger body gets 413 and the
 * connection is closed before the handler runs); 0 = the server's.
 * Returns 0, SIO_EEXIST (prefix taken) or SIO_ENOMEM. */
int sio__http_server_mount(sio_http_server_t *s, const char *prefix, size_t max_body,
                           sio_http_handler_cb cb, void *arg);
void sio__http_server_unmount(sio_http_server_t *s, const char *prefix);

/* Optional early notice for the mount at prefix: cb (with the mount's
 * arg) runs as soon as a claimed request's headers are complete and
 * accepted (within limits), before its body is read (the body is empty then).
 * It may set the abort callback and data of the request, which then also
 * cover a connection that closes (or a body that fails: 413, 408, 400) before
 * the request is complete; it must not answer the request: the mount's handler
 * gets the same request once its body is complete. NULL clears. Returns 0 or
 * SIO_ENOENT (no such mount). Used to see a POST in progress (Engine.IO refuses
 * an overlapping one). */
int sio__http_server_mount_on_headers(sio_http_server_t *s, const char *prefix,
                                      sio_http_handler_cb cb);
uv_loop_t *sio__http_server_loop(const sio_http_server_t *s);

/* Called at most once if the connection of a held (unanswered) request closes
 * or fails before the answer; after it returns the request is gone and must not
 * be answered. Set NULL to clear. */
typedef void (*sio__http_abort_cb)(sio_http_req_t *r, void *arg);
void sio__http_req_set_abort_cb(sio_http_req_t *r, sio__http_abort_cb cb, void *arg);
/* A pointer the request carries for its handler (never touched by HTTP). */
void sio__http_req_set_data(sio_http_req_t *r, void *data);
void *sio__http_req_get_data(const sio_http_req_t *r);

/* Like sio_http_req_respond, with the body given as an rbuf slice: takes a
 * reference of body (the caller keeps its own); no copy. body may be NULL. */
int sio__http_req_respond_rbuf(sio_http_req_t *r, int status, const char *content_type,
                               const char *extra_headers, sio__rbuf_t *body, size_t off,
                               size_t len);

/* Like sio__http_req_respond_rbuf, but the body goes out gzip- or
 * deflate-compressed (Content-Encoding, Vary: Accept-Encoding, the compressed
 * Content-Length) when the server's compression options, len and the
 * request's Accept-Encoding allow it (sio_http_opts_set_compression). The
 * compressed copy is freed once written; out of memory while compressing
 * sends the body as it is. */
int sio__http_respond_compressed(sio_http_req_t *r, int status, const char *content_type,
                                 const char *extra_headers, sio__rbuf_t *body, size_t off,
                                 size_t len);

/* CORS as configured on the server, for a request: 1 if its Origin (if any) is
 * allowed, 0 if it is not. A request without Origin is allowed. The WebSocket
 * upgrade check: when no CORS origins are configured, the Origin must match
 * the Host (same origin); with "*" or a list/callback, the same rule as HTTP. */
int sio__http_req_origin_allowed(const sio_http_req_t *r);
/* 1 if the Origin header has characters that are not valid in a header value
 * (Engine.IO answers such requests with code 3). */
int sio__http_req_origin_invalid(const sio_http_req_t *r);

/* Takes the TCP connection of an upgrade request away from HTTP: after the
 * call the request is finished (not answered by HTTP), the connection belongs
 * to the returned stream, and any bytes the client sent after the request's
 * headers are in *leftover (owned by the caller, free with sio__rbuf_unref;
 * NULL when there are none). Used by sio__ws_accept. NULL on error (the
 * request was answered 500). */
struct sio__stream *sio__http_req_take_stream(sio_http_req_t *r, sio__rbuf_t **leftover);

/* ---- servers of one group (one per worker loop) ----
 *
 * A connection moves from one server to another of the group (on another
 * loop, another thread) as a hand-off record: the connection itself
 * (io/stream.h's export) and the bytes the new server parses first, as if
 * they had just arrived there. The record is plain memory that belongs to
 * whoever holds it. */
typedef struct sio__http_handoff {
  sio__post_job_t job; /* for the mover: a post takes no allocation */
  void *to;            /* the mover's: where the record goes */
  struct sio__stream_export *conn;
  /* The request, parsed by the first server, dispatched as it is by the new
   * one (not parsed twice); NULL for a fresh connection. */
  sio_http_req_t *req;
  unsigned fresh : 1; /* just accepted, nothing read: the new server accepts it */
  size_t len;
  uint8_t bytes[]; /* what the client sent after the request */
} sio__http_handoff_t;

/* Called with the record of a connection leaving its server; it owns h. */
typedef void (*sio__http_handoff_cb)(sio__http_handoff_t *h, void *arg);

/* Moves the connection of r (dispatched, not answered) away from HTTP: r
 * itself goes in the record, parsed (line, headers, decoded body), with
 * every byte read after it (pipelined requests, WebSocket frames), and the
 * connection is exported; cb then gets the record, from
 * inside this call, or later when a write of an earlier answer was still in
 * flight (the connection holds r meanwhile, and nothing behind it is
 * parsed). If the connection goes first, r is dropped and cb never runs. On
 * failure (no memory, server closing) r is answered 503 and the connection
 * ends. Either way the caller must not touch r after the call. */
void sio__http_req_handoff(sio_http_req_t *r, sio__http_handoff_cb cb, void *arg);
/* The server takes the connection of h (from another server of its group),
 * dispatches h's request to its own handler for that path (its headers
 * notice, sio__http_server_mount_on_headers, ran on the first server), then
 * parses h's bytes; h is freed. That request says it came by hand-off
 * (sio__http_req_was_handed). Loop thread of s. A closing server drops it
 * (the connection is closed, the request freed). */
void sio__http_server_adopt(sio_http_server_t *s, sio__http_handoff_t *h);
/* Frees h and its request and closes its connection. Any thread. NULL is
 * ignored. */
void sio__http_handoff_drop(sio__http_handoff_t *h);
/* 1 if r is the request that brought its connection from another server. */
int sio__http_req_was_handed(const sio_http_req_t *r);

/* Listens like sio_http_server_listen; reuseport 1 sets SO_REUSEPORT, so
 * the servers of a group can listen on one port (see io/listener.h). */
int sio__http_server_listen_ex(sio_http_server_t *s, const char *host, int port,
                               int reuseport);
/* Closes the listening sockets (connections stay). Loop thread. */
void sio__http_server_stop_listening(sio_http_server_t *s);
/* Makes s count connections per IP in from's table (shared by the group),
 * instead of its own. No-op when from has no per-IP cap. 0. */
int sio__http_server_share_iplimit(sio_http_server_t *s, const sio_http_server_t *from);
/* A hook on every accepted connection (after the per-IP count, before TLS):
 * it returns 1 when it took the stream (to send to another server of the
 * group as a fresh hand-off: sio__http_handoff_fresh), 0 to keep it here.
 * NULL clears. */
typedef int (*sio__http_spread_cb)(sio_http_server_t *s, struct sio__stream *st,
                                   void *arg);
void sio__http_server_set_spread(sio_http_server_t *s, sio__http_spread_cb cb, void *arg);
/* A record for st, just accepted and not read (its stream is exported and
 * closed); NULL on failure (st is then closed). */
sio__http_handoff_t *sio__http_handoff_fresh(struct sio__stream *st);

/* How long each connection may take, once the server closes, to write what
 * is queued (the last answers, close packets) before it is closed anyway:
 * ms (0: the default, SIO__HTTP_DRAIN_MS). */
#define SIO__HTTP_DRAIN_MS 500
void sio__http_server_set_drain_ms(sio_http_server_t *s, uint32_t ms);

/* The server-wide write-queue cap (see sio_http_opts_set_max_write_queue). */
size_t sio__http_server_max_write_queue(const sio_http_server_t *s);
/* Open connections (for tests that watch them come back to a baseline). */
size_t sio__http_server_connections(const sio_http_server_t *s);

/* The server a request arrived on; NULL once its connection is gone. */
sio_http_server_t *sio__http_req_server(const sio_http_req_t *r);
/* 1 if the request line said HTTP/1.1 (or later), 0 for HTTP/1.0 and older. */
int sio__http_req_is_http11(const sio_http_req_t *r);

#endif
