/* The HTTP request record: what the parser (http_parse.c) fills in as bytes
 * arrive, and what the connection (http_conn.c) and the handlers read. Kept
 * apart from the connection's structures so the parser needs neither I/O nor
 * libuv: the connection and server appear only as pointers. */
#ifndef SIO_HTTP_REQ_H
#define SIO_HTTP_REQ_H

#include <stddef.h>
#include <stdint.h>

struct sio__http_conn;
struct sio_http_server;
/* The same type sio/http.h names (C11 allows the repeat), without its libuv. */
typedef struct sio_http_req sio_http_req_t;

typedef struct {
  uint32_t name_off, name_len;
  uint32_t val_off, val_len;
} sio__http_hdr_t;

struct sio_http_req {
  struct sio__http_conn *conn; /* NULL once the connection is gone */
  struct sio_http_server *srv; /* NULL once the connection is gone */
  /* Request line and headers, copied as they arrive: every string is
   * NUL-terminated in hdr (method and header names/values). */
  char *hdr;
  size_t hdr_len, hdr_cap;
  sio__http_hdr_t *headers;
  size_t nheaders, headers_cap;
  int last_was_value; /* parser state: last callback was a header value */
  uint32_t url_off, url_len;
  uint32_t path_off, path_len;
  uint32_t query_off, query_len;
  const char *method;
  uint8_t *body;
  size_t body_len, body_cap;
  size_t max_body;
  /* The mount that claims it (a sio_http_handler_cb), or NULL. */
  void (*cb)(sio_http_req_t *r, void *arg);
  void *cb_ud;
  unsigned keep_alive : 1;
  unsigned upgrade : 1; /* the parser stopped: the rest is another protocol */
  unsigned head : 1;
  unsigned http10 : 1;
  unsigned complete : 1; /* headers done */
  unsigned aborting : 1; /* its abort callback is running */
  unsigned handed : 1;   /* brought its connection from another server */
  void (*abort_cb)(sio_http_req_t *r, void *arg); /* sio__http_abort_cb */
  void *abort_ud;
  void *data;
  char addr[64];
};

/* http_req.c */
/* Frees a request and what it holds. */
void sio__http_req_free(sio_http_req_t *r);
/* Forgets a request that will not be answered (connection gone, or refused
 * by HTTP itself): runs its abort callback if it has one, else leaves it to
 * its holder (answering it frees it) if it was dispatched, else frees it. */
void sio__http_req_drop(sio_http_req_t *r, int dispatched);
const char *sio__http_req_header_n(const sio_http_req_t *r, const char *name,
                                   size_t *len);

#endif
