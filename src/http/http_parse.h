/* Reading HTTP/1.1 requests from bytes, without I/O: http-parser plus the
 * copying of each request as it arrives (request line, headers, body) and the
 * server's limits. A connection (http_conn.c) feeds it what it reads and acts
 * on what comes out; the fuzz target fuzz/fuzz_http_request.c feeds it the
 * same way, so both run this code.
 *
 * One request at a time comes out: feeding stops right after a complete
 * request, so the bytes behind it (pipelined requests) wait until the caller
 * has dealt with it and feeds them again. An error is final: the caller
 * answers it and ends the connection. Trailer fields after a chunked body
 * count against the limits but are dropped. The framing is strict (RFC 9112:
 * CRLF line ends only, no obs-fold, HTTP/1.0 or HTTP/1.1 only): see
 * http_strict.h. Everything is on the caller's thread. */
#ifndef SIO_HTTP_PARSE_H
#define SIO_HTTP_PARSE_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_strict.h"

struct sio_http_req;

typedef struct {
  size_t max_header_bytes; /* request line + header names and values, +4 a line */
  size_t max_headers;      /* header lines */
  size_t max_body;         /* the body limit unless route sets another */
} sio__http_limits_t;

/* What the owner of the parser decides. Each may be NULL; each gets the
 * request being parsed (owned by the parser: borrowed for the call). */
typedef struct {
  /* A request's first byte arrived; r is new and empty. */
  void (*begin)(void *ud, struct sio_http_req *r);
  /* Headers are in: may claim the request (r->cb, r->cb_ud) and give it its
   * own body limit (r->max_body, preset to the limits' max_body). */
  void (*route)(void *ud, struct sio_http_req *r);
  /* Headers are in and within limits (the body is not read yet).
   * expect_continue: the client waits for "100 Continue" before sending its
   * body. Returns 0 to read the body, or an HTTP status to fail with. */
  int (*accepted)(void *ud, struct sio_http_req *r, int expect_continue);
} sio__http_parse_cbs_t;

typedef struct {
  http_parser parser;
  sio__http_limits_t limits;
  const sio__http_parse_cbs_t *cbs; /* borrowed: must outlive the parser */
  void *ud;
  struct sio_http_req *req;  /* being parsed (owned), NULL between requests */
  struct sio_http_req *done; /* just completed, until feed hands it out */
  size_t hdr_bytes;          /* of the request being parsed, trailers included */
  size_t trailers;           /* trailer lines so far (read, counted, not kept) */
  int err_status;            /* set by a callback that stopped parsing */
  sio__http_strict_t strict; /* the framing checks ahead of http-parser */
  unsigned upgraded : 1;     /* an upgrade request came out: the rest is not HTTP */
} sio__http_parse_t;

enum {
  SIO__HTTP_PARSE_MORE = 0, /* every byte used; no request complete yet */
  SIO__HTTP_PARSE_REQUEST,  /* a request is complete (ev->req) */
  SIO__HTTP_PARSE_ERROR,    /* the input is refused (ev->status); final */
  SIO__HTTP_PARSE_UPGRADED  /* an upgrade request came out before: no byte used */
};

typedef struct {
  int kind;                 /* SIO__HTTP_PARSE_* */
  struct sio_http_req *req; /* REQUEST: the request, now the caller's */
  int status;               /* ERROR: 400, 413, 431, 500, 505 or accepted's status */
  const char *reason;       /* ERROR: http-parser's error name (static), for logs */
} sio__http_parse_ev_t;

/* Sets up ps (no allocation). limits are copied; cbs and ud are borrowed. */
void sio__http_parse_init(sio__http_parse_t *ps, const sio__http_limits_t *limits,
                          const sio__http_parse_cbs_t *cbs, void *ud);
/* Parses data (borrowed for the call) up to the end of the first complete
 * request, an error or the end of data, and says which in *ev. Returns the
 * bytes used: after REQUEST the bytes behind the request were not looked at;
 * after MORE all were used. After ERROR, and after an upgrade request, feeding
 * again uses nothing and says the same again. */
size_t sio__http_parse_feed(sio__http_parse_t *ps, const uint8_t *data, size_t len,
                            sio__http_parse_ev_t *ev);
/* Takes the request being parsed (its headers so far), or NULL: the caller
 * then owns it. */
struct sio_http_req *sio__http_parse_take(sio__http_parse_t *ps);

#endif
