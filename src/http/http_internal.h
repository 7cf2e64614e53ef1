/* The HTTP server's private structures, shared by the files of src/http. */
#ifndef SIO_HTTP_INTERNAL_H
#define SIO_HTTP_INTERNAL_H

#include <http_parser.h>

#include "core/rbuf.h"
#include "http/http_compress.h"
#include "http/http_parse.h"
#include "http/http_req.h"
#include "http/http_server.h"
#include "io/stream.h"
#include "sio/http.h"

struct sio_http_opts {
  size_t max_header_bytes;
  size_t max_headers;
  size_t max_body;
  size_t max_write_queue;
  size_t max_conns_per_ip;  /* 0: unlimited */
  unsigned ipv6_prefix_len; /* IPv6 addresses counted together per prefix */
  uint32_t request_timeout;
  uint32_t keepalive_timeout;
  char *static_root;
  char *cors_origins; /* NULL: CORS off */
  int cors_credentials;
  sio_http_cors_cb cors_cb;
  void *cors_ud;
  char *tls_cert; /* NULL: plain HTTP */
  char *tls_key;
  char *tls_client_ca; /* NULL: no client certificate asked for */
  int compression;     /* gzip/deflate of polling responses and static files */
  size_t compression_threshold;
  int compression_level; /* zlib's 0-9, -1 its default */
};

typedef struct {
  char *prefix;
  size_t len;
  size_t max_body;
  sio_http_handler_cb cb;
  void *ud;
  sio_http_handler_cb headers_cb; /* optional early notice */
} sio__http_mount_t;

typedef struct sio__http_conn sio__http_conn_t;
struct sio__listener;

struct sio_http_server {
  uv_loop_t *loop;
  sio_http_opts_t opts; /* own copies of the strings */
  char *static_real;    /* realpath() of the static root, NULL if none */
  struct sio__listener **listeners;
  size_t nlisteners;
  sio__http_mount_t *mounts; /* longest prefix first */
  size_t nmounts;
  sio_http_handler_cb app_cb;
  void *app_ud;
  sio__http_conn_t *conns; /* doubly linked */
  size_t nconns;
  struct sio__iplimit *iplimit; /* NULL: no per-IP cap */
  struct sio__tls_ctx *tls;     /* NULL: plain HTTP */
  sio__http_spread_cb spread;   /* one acceptor for a group: NULL */
  uint32_t drain_ms;            /* how long a connection ended by the close may write */
  void *spread_arg;
  void *data;
  /* Closing: the server is freed once every handle reported closed. */
  struct sio__soon *close_soon; /* only to make the close callback asynchronous */
  int closing;
  size_t pending_closes;
  sio_http_close_cb close_cb;
  void *close_ud;
};

struct sio__http_conn {
  sio_http_server_t *srv;
  sio__stream_t *stream; /* NULL once taken by an upgrade or closed */
  sio__http_conn_t *next, *prev;
  sio__http_parse_t ps;   /* ps.req: the request being parsed */
  sio_http_req_t *active; /* dispatched and not answered yet */
  /* Bytes read but not parsed (behind a held request): owned copy. */
  uint8_t *in;
  size_t inlen, incap;
  /* While parsing: the unparsed bytes after the current request. */
  const uint8_t *rest;
  size_t rest_len;
  int busy; /* depth of parsing/dispatching on the stack */
  /* A hand-off waiting for a write in flight (sio__http_req_handoff). */
  sio__http_handoff_cb handoff_cb;
  void *handoff_arg;
  uint32_t handoff_tries;
  unsigned ending : 1;
  unsigned paused : 1;   /* reading stopped: too much pipelined input */
  unsigned detached : 1; /* stream taken or closed: free when not busy */
};

/* http_conn.c */
void sio__http_conn_accept(sio_http_server_t *srv, sio__stream_t *stream);
/* The same for a connection moved from another server: r, parsed there,
 * is dispatched at once as a request that came by hand-off (the connection
 * takes it; freed if the connection cannot be made), then rest (len) is
 * parsed as if just read. */
void sio__http_conn_adopt(sio_http_server_t *srv, sio__stream_t *stream,
                          sio_http_req_t *r, const uint8_t *rest, size_t len);

/* http_handoff.c: a new record (job fields zeroed, no request yet) holding a
 * copy of rest; NULL if out of memory. */
sio__http_handoff_t *sio__http_handoff_new(const uint8_t *rest, size_t rest_len);
/* Closes the connection at once (server close). */
void sio__http_conn_close(sio__http_conn_t *c);
/* The request was answered (its bytes are queued): continues the connection
 * (next pipelined request, keep-alive) or ends it when close is set. */
void sio__http_conn_answered(sio__http_conn_t *c, sio_http_req_t *r, int close);

/* http_server.c */
void sio__http_server_conn_gone(sio_http_server_t *s, sio__http_conn_t *c);
/* The mount whose prefix starts path, or NULL. */
const sio__http_mount_t *sio__http_server_find_mount(const sio_http_server_t *s,
                                                     const char *path, size_t len);

/* http_respond.c: the response head with everything the server adds (CORS,
 * Content-Length, Connection) into sb. r may be a partly parsed request (its
 * headers so far) or NULL. */
void sio__http_build_head(sio__sb_t *sb, sio_http_server_t *srv, const sio_http_req_t *r,
                          int status, const char *content_type, const char *extra,
                          uint64_t content_length, int close);
/* Answers a request with all options: body either copied (copy) or as an rbuf
 * slice; no_body: send Content-Length len but no bytes (HEAD, 304). close:
 * end the connection afterwards. */
int sio__http_respond_ex(sio_http_req_t *r, int status, const char *content_type,
                         const char *extra, const void *copy, sio__rbuf_t *body,
                         size_t off, size_t len, int close);

/* http_compress_respond.c: the encoding of a len-byte answer to r under the
 * server's compression options: identity when off, under the threshold, or
 * not accepted. *vary is set to 1 when the choice depended on the request's
 * Accept-Encoding (the answer then needs Vary: Accept-Encoding). */
sio__http_enc_t sio__http_pick_encoding(const sio_http_req_t *r, size_t len, int *vary);

/* http_cors.c */
/* SIO_EINVAL (logged) for "*" with credentials, else 0. */
int sio__http_cors_check(const sio_http_opts_t *o);
int sio__http_cors_enabled(const sio_http_server_t *s);
/* Appends the CORS headers for a response to r (r may be NULL). */
void sio__http_cors_headers(sio__sb_t *sb, const sio_http_server_t *s,
                            const sio_http_req_t *r);
/* Answers an OPTIONS preflight (204). */
void sio__http_cors_preflight(sio_http_req_t *r);

/* http_static.c: answers r from the static root if a file matches (or the
 * path is refused), returns 1; 0 when there is no such file. */
int sio__http_static_serve(sio_http_req_t *r);

#endif
