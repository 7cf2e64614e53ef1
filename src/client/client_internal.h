/* The client's layers: a minimal keep-alive HTTP/1.1 requester for polling
 * (http_client.c), the WebSocket opening handshake (ws_open.c), the
 * Engine.IO client session (eio_client.c), and the Socket.IO manager and
 * sockets (client_manager.c, client_socket.c). Everything runs on one loop thread. */
#ifndef SIO_CLIENT_INTERNAL_H
#define SIO_CLIENT_INTERNAL_H

#include <uv.h>

#include "core/rbuf.h"
#include "eio/eio_packet.h"
#include "io/stream.h"
#include "sio/client.h"
#include "ws/ws_conn.h"

/* Largest HTTP response body / WebSocket message the client accepts. */
#define SIO__CLIENT_MAX_BODY (64u * 1024 * 1024)

struct sio__tls_ctx;

/* Where to connect, and what goes in every request. */
typedef struct {
  uv_loop_t *loop;
  char ip[64];     /* an IP literal, or "" when conn_host is a name */
  char *conn_host; /* NULL, or the name looked up at every connection */
  int port;
  struct sio__tls_ctx *tls; /* NULL: plain TCP (io/tls.h) */
  char *tls_host;           /* the URL's host: SNI and certificate check */
  char *host;               /* Host header value ("host:port") */
  char *path;               /* "/socket.io/" */
  char *query;              /* extra "&k=v..." (percent-encoded), may be "" */
  char *headers;            /* extra "Name: value\r\n" lines, may be "" */
} sio__target_t;

/* Opens a connection to t (TLS when t->tls): sio__stream_connect's contract;
 * with TLS, cb's status 0 means the handshake is done, SIO_ETLS that it
 * failed (target.c). */
sio__stream_t *sio__target_connect(const sio__target_t *t, sio__stream_connect_cb cb,
                                   void *arg);

/* ---- one keep-alive HTTP connection, one request at a time ---- */
typedef struct sio__hc sio__hc_t;
/* status: the HTTP status (> 0) with the body (borrowed for the call,
 * mutable), or a negative error (connect, timeout, bad response); body NULL. */
typedef void (*sio__hc_cb)(void *arg, int status, uint8_t *body, size_t len);
sio__hc_t *sio__hc_new(const sio__target_t *t);
/* Starts a request (method "GET"/"POST", target borrowed for the call,
 * body copied). SIO_EBUSY if one is in flight. cb runs once from the loop
 * unless the hc is freed first. */
int sio__hc_request(sio__hc_t *hc, const char *method, const char *target,
                    const void *body, size_t len, uint64_t timeout_ms, sio__hc_cb cb,
                    void *arg);
int sio__hc_busy(const sio__hc_t *hc);
/* Frees at once; a request in flight is dropped and its cb never runs. */
void sio__hc_free(sio__hc_t *hc);

/* ---- the WebSocket opening handshake ---- */
typedef struct sio__wsopen sio__wsopen_t;
/* err 0 and the open connection (its callbacks are cbs/cbarg given to
 * start), or a negative error and NULL. The wsopen is freed after the cb. */
typedef void (*sio__wsopen_cb)(void *arg, int err, sio__ws_conn_t *conn);
sio__wsopen_t *sio__wsopen_start(const sio__target_t *t, const char *target,
                                 uint64_t timeout_ms, const sio__ws_conn_cbs_t *cbs,
                                 void *cbarg, sio__wsopen_cb cb, void *arg);
/* Cancels; cb never runs. */
void sio__wsopen_cancel(sio__wsopen_t *o);

/* ---- the Engine.IO client session ---- */
typedef struct sio__eioc sio__eioc_t;
typedef struct {
  void (*on_open)(sio__eioc_t *e, void *arg);
  /* A message: text (binary 0) or binary. data borrowed for the call. */
  void (*on_message)(sio__eioc_t *e, void *arg, int binary, const uint8_t *data,
                     size_t len);
  void (*on_upgrade)(sio__eioc_t *e, void *arg);
  /* The session is over (or never opened: err != 0 and was_open 0). reason
   * static. The eioc must be freed by the owner (it may be inside this cb). */
  void (*on_close)(sio__eioc_t *e, void *arg, int was_open, int err, const char *reason);
} sio__eioc_cbs_t;

sio__eioc_t *sio__eioc_new(const sio__target_t *t, sio_transport_mode_t mode,
                           uint32_t open_timeout, const sio__eioc_cbs_t *cbs, void *arg);
int sio__eioc_open(sio__eioc_t *e);
/* Queues one message (text or binary; data copied). SIO_ENOTCONN. */
int sio__eioc_send(sio__eioc_t *e, int binary, const void *data, size_t len);
/* Closes gracefully (sends a close packet) and calls on_close with
 * "io client disconnect" once done (soon, from the loop). */
void sio__eioc_close(sio__eioc_t *e);
/* Frees at once; no callback after. */
void sio__eioc_free(sio__eioc_t *e);
const char *sio__eioc_transport(const sio__eioc_t *e);
const char *sio__eioc_sid(const sio__eioc_t *e);

#endif
