/* The client role's connection target: where to connect (an IP literal or
 * a name looked up at every connection, TLS or not) and what goes in every
 * request. Shared by the HTTP requester (http_client.h), the WebSocket
 * opening handshake (ws/ws_opening.h) and the Engine.IO client session
 * (eio/eio_client.h). */
#ifndef SIO_HTTP_TARGET_H
#define SIO_HTTP_TARGET_H

#include <stddef.h>

#include "io/stream.h"

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
  size_t max_write_queue;   /* bytes unsent per WebSocket / polling queue */
} sio__http_target_t;

/* Opens a connection to t (TLS when t->tls): sio__stream_connect's contract;
 * with TLS, cb's status 0 means the handshake is done, SIO_ETLS that it
 * failed (http_target.c). */
sio__stream_t *sio__http_target_connect(const sio__http_target_t *t,
                                        sio__stream_connect_cb cb, void *arg);

#endif
