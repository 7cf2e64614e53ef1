/* One HTTP/1.1 connection: parsing (http-parser), limits and timeouts,
 * keep-alive, and pipelining answered in order.
 *
 * One request at a time is dispatched: when a request is complete the parser
 * pauses; bytes behind it (pipelined requests) wait until it is answered. They
 * are copied out of the loop-wide read buffer only when the request is held
 * (long-polling); reading goes on meanwhile, so a client that drops a held
 * request is noticed (abort callback), up to MAX_PIPELINED buffered bytes,
 * past which reading pauses until the held request is answered.
 *
 * Lifetime: the connection owns its stream until the stream reports closed or
 * an upgrade takes it; it is freed then, unless a parse/dispatch is still on
 * the stack (busy), in which case the outermost frame frees it. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "http/http_internal.h"
#include "http/http_util.h"

#define LINGER_MS 2000
#define SHUTDOWN_LINGER_MS 500
#define MAX_PIPELINED (64 * 1024)

static const sio__stream_cbs_t k_conn_cbs;

static int stopped(const sio__http_conn_t *c) {
  return c->active || c->ending || c->detached || !c->stream ||
         sio__stream_is_closing(c->stream);
}

static void conn_free(sio__http_conn_t *c) {
  sio__http_req_drop(c->req, 0);
  sio__free(c->in);
  sio__free(c);
}

void sio__http_req_free(sio_http_req_t *r) {
  if (!r) return;
  sio__free(r->hdr);
  sio__free(r->headers);
  sio__free(r->body);
  sio__free(r);
}

void sio__http_req_drop(sio_http_req_t *r, int dispatched) {
  if (!r) return;
  r->conn = NULL;
  r->srv = NULL;
  if (r->abort_cb) {
    sio__http_abort_cb cb = r->abort_cb;
    r->abort_cb = NULL;
    r->aborting = 1;
    cb(r, r->abort_ud);
    sio__http_req_free(r);
    return;
  }
  /* Without an abort callback a dispatched request stays its holder's:
   * answering it frees it. */
  if (!dispatched) sio__http_req_free(r);
}

/* ---- errors made by HTTP itself ---- */

/* Answers status with an empty body and ends the connection. The partly
 * parsed request (if any) gives the Origin for the CORS headers. */
static void send_error(sio__http_conn_t *c, int status) {
  if (c->ending || !c->stream) return;
  sio__sb_t sb;
  sio__sb_init(&sb, 256);
  sio__http_build_head(&sb, c->srv, c->req, status, NULL, NULL, 0, 1);
  sio__rbuf_t *b = sio__sb_finish(&sb);
  if (b) {
    sio__stream_write(c->stream, b, 0, b->len);
    sio__rbuf_unref(b);
  }
  sio_http_req_t *r = c->req;
  c->req = NULL;
  c->ending = 1;
  sio__stream_end(c->stream, LINGER_MS);
  sio__http_req_drop(r, 0);
}

/* ---- parser callbacks: copy the request as it arrives, enforce limits ---- */

static int grow_hdr(sio_http_req_t *r, size_t more) {
  if (r->hdr_len + more + 1 <= r->hdr_cap) return 0;
  size_t cap = r->hdr_cap ? r->hdr_cap : 256;
  while (cap < r->hdr_len + more + 1) cap *= 2;
  char *n = sio__realloc(r->hdr, cap);
  if (!n) return SIO_ENOMEM;
  r->hdr = n;
  r->hdr_cap = cap;
  return 0;
}

/* Appends bytes (kept NUL-terminated, so a partial request can be read). */
static int hdr_put(sio__http_conn_t *c, const char *at, size_t len) {
  sio_http_req_t *r = c->req;
  if (grow_hdr(r, len) != 0) {
    c->err_status = 500;
    return -1;
  }
  memcpy(r->hdr + r->hdr_len, at, len);
  r->hdr_len += len;
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

/* Ends the current string: the NUL becomes part of the buffer. */
static int hdr_end(sio__http_conn_t *c) {
  sio_http_req_t *r = c->req;
  if (grow_hdr(r, 1) != 0) {
    c->err_status = 500;
    return -1;
  }
  r->hdr[r->hdr_len++] = '\0';
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

static int count_bytes(sio__http_conn_t *c, size_t len) {
  c->hdr_bytes += len;
  if (c->hdr_bytes > c->srv->opts.max_header_bytes) {
    c->err_status = 431;
    return -1;
  }
  return 0;
}

enum { ST_URL = 0, ST_FIELD, ST_VALUE };

static int on_message_begin(http_parser *p) {
  sio__http_conn_t *c = p->data;
  sio__http_req_drop(c->req, 0);
  sio_http_req_t *r = sio__calloc(1, sizeof(*r));
  c->req = r;
  if (!r || grow_hdr(r, 255) != 0) {
    c->err_status = 500;
    return -1;
  }
  r->hdr[0] = '\0';
  r->conn = c;
  r->srv = c->srv;
  memcpy(r->addr, sio__stream_remote_addr(c->stream), sizeof(r->addr));
  r->addr[sizeof(r->addr) - 1] = '\0';
  c->hdr_bytes = 0;
  c->err_status = 0;
  if (c->srv->opts.request_timeout)
    sio__stream_timer_start(c->stream, c->srv->opts.request_timeout);
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  sio__http_conn_t *c = p->data;
  if (count_bytes(c, len) != 0 || hdr_put(c, at, len) != 0) return -1;
  c->req->url_len += (uint32_t)len;
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  sio__http_conn_t *c = p->data;
  sio_http_req_t *r = c->req;
  if (count_bytes(c, len) != 0) return -1;
  if (r->last_was_value != ST_FIELD) {
    /* A new header line: close what came before it. */
    if (hdr_end(c) != 0) return -1;
    if (r->nheaders >= c->srv->opts.max_headers || count_bytes(c, 4) != 0) {
      c->err_status = 431;
      return -1;
    }
    if (r->nheaders == r->headers_cap) {
      size_t cap = r->headers_cap ? r->headers_cap * 2 : 16;
      sio__http_hdr_t *n = sio__realloc(r->headers, cap * sizeof(*n));
      if (!n) {
        c->err_status = 500;
        return -1;
      }
      r->headers = n;
      r->headers_cap = cap;
    }
    r->headers[r->nheaders++] = (sio__http_hdr_t){(uint32_t)r->hdr_len, 0, 0, 0};
    r->last_was_value = ST_FIELD;
  }
  if (hdr_put(c, at, len) != 0) return -1;
  r->headers[r->nheaders - 1].name_len += (uint32_t)len;
  /* An empty value still points at a NUL: the name's. */
  r->headers[r->nheaders - 1].val_off = (uint32_t)r->hdr_len;
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  sio__http_conn_t *c = p->data;
  sio_http_req_t *r = c->req;
  if (count_bytes(c, len) != 0) return -1;
  sio__http_hdr_t *h = &r->headers[r->nheaders - 1];
  if (r->last_was_value == ST_FIELD) {
    if (hdr_end(c) != 0) return -1;
    h->val_off = (uint32_t)r->hdr_len;
    r->last_was_value = ST_VALUE;
  }
  if (hdr_put(c, at, len) != 0) return -1;
  h->val_len += (uint32_t)len;
  return 0;
}

/* Splits the target into path and query, each copied as a C string. */
static int split_url(sio__http_conn_t *c) {
  sio_http_req_t *r = c->req;
  const char *u = r->hdr + r->url_off;
  size_t n = r->url_len;
  size_t st = 0;
  /* absolute-form ("http://host/p?q"): keep the path. */
  if ((n > 7 && !memcmp(u, "http://", 7)) || (n > 8 && !memcmp(u, "https://", 8))) {
    st = (u[4] == 's') ? 8 : 7;
    while (st < n && u[st] != '/' && u[st] != '?') st++;
  }
  size_t q = st;
  while (q < n && u[q] != '?' && u[q] != '#') q++;
  size_t qe = q;
  if (q < n && u[q] == '?') {
    qe = q + 1;
    while (qe < n && u[qe] != '#') qe++;
  }
  size_t path_len = q - st;
  size_t qs = (q < n && u[q] == '?') ? q + 1 : q;
  size_t query_len = qe > qs ? qe - qs : 0;
  uint32_t url_off = r->url_off;
  if (grow_hdr(r, path_len + query_len + 4) != 0) return -1;
  u = r->hdr + url_off; /* may have moved */
  r->path_off = (uint32_t)r->hdr_len;
  if (path_len == 0) {
    r->hdr[r->hdr_len++] = '/';
    r->path_len = 1;
  } else {
    memcpy(r->hdr + r->hdr_len, u + st, path_len);
    r->hdr_len += path_len;
    r->path_len = (uint32_t)path_len;
  }
  r->hdr[r->hdr_len++] = '\0';
  r->query_off = (uint32_t)r->hdr_len;
  memcpy(r->hdr + r->hdr_len, u + qs, query_len);
  r->hdr_len += query_len;
  r->query_len = (uint32_t)query_len;
  r->hdr[r->hdr_len++] = '\0';
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

static int on_headers_complete(http_parser *p) {
  sio__http_conn_t *c = p->data;
  sio_http_req_t *r = c->req;
  sio_http_server_t *s = c->srv;
  if (hdr_end(c) != 0) return -1;
  /* Optional whitespace after a value is not part of it. */
  for (size_t i = 0; i < r->nheaders; i++) {
    sio__http_hdr_t *h = &r->headers[i];
    while (h->val_len > 0 && (r->hdr[h->val_off + h->val_len - 1] == ' ' ||
                              r->hdr[h->val_off + h->val_len - 1] == '\t'))
      r->hdr[h->val_off + --h->val_len] = '\0';
  }
  if (split_url(c) != 0) {
    c->err_status = 500;
    return -1;
  }
  r->method = http_method_str((enum http_method)p->method);
  r->keep_alive = http_should_keep_alive(p) != 0;
  r->http10 = p->http_major < 1 || (p->http_major == 1 && p->http_minor == 0);
  r->head = p->method == HTTP_HEAD;
  r->complete = 1;
  const sio__http_mount_t *m =
      sio__http_server_find_mount(s, r->hdr + r->path_off, r->path_len);
  r->max_body = s->opts.max_body;
  if (m) {
    r->cb = m->cb;
    r->cb_ud = m->ud;
    if (m->max_body) r->max_body = m->max_body;
  }
  int chunked = (p->flags & F_CHUNKED) != 0;
  uint64_t cl = (p->flags & F_CONTENTLENGTH) ? p->content_length : 0;
  if (!chunked && cl > r->max_body) {
    c->err_status = 413;
    return -1;
  }
  size_t elen;
  const char *expect = sio__http_req_header_n(r, "expect", &elen);
  if (expect && !r->http10 && sio__http_ieq(expect, elen, "100-continue") &&
      (chunked || cl > 0)) {
    static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    sio__stream_write_copy(c->stream, k_continue, sizeof(k_continue) - 1);
  }
  if (m && m->headers_cb) {
    sio_http_handler_cb hcb = m->headers_cb;
    hcb(r, m->ud);
    if (stopped(c) && c->req == r) {
      /* The callback closed the server or the connection: stop here. */
      c->err_status = 503;
      return -1;
    }
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  sio__http_conn_t *c = p->data;
  sio_http_req_t *r = c->req;
  if (len > r->max_body - r->body_len) {
    c->err_status = 413;
    return -1;
  }
  if (r->body_len + len > r->body_cap) {
    /* Content-Length: its exact size once; chunked: doubling, bounded. */
    size_t cap = r->body_cap ? r->body_cap * 2 : 1024;
    if (p->flags & F_CONTENTLENGTH) cap = r->body_len + len + (size_t)p->content_length;
    if (cap < r->body_len + len) cap = r->body_len + len;
    if (cap > r->max_body) cap = r->max_body;
    uint8_t *n = sio__realloc(r->body, cap);
    if (!n) {
      c->err_status = 500;
      return -1;
    }
    r->body = n;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, at, len);
  r->body_len += len;
  return 0;
}

static int on_message_complete(http_parser *p) {
  sio__http_conn_t *c = p->data;
  c->active = c->req;
  c->req = NULL;
  c->active->upgrade = p->upgrade;
  /* Stop here: the request is dispatched before anything behind it. */
  http_parser_pause(p, 1);
  sio__stream_timer_stop(c->stream);
  return 0;
}

static const http_parser_settings k_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- dispatch ---- */

static void dispatch(sio__http_conn_t *c) {
  sio_http_req_t *r = c->active;
  sio_http_server_t *s = c->srv;
  if (sio__http_cors_enabled(s) && strcmp(r->method, "OPTIONS") == 0) {
    sio__http_cors_preflight(r);
    return;
  }
  if (r->cb) {
    r->cb(r, r->cb_ud);
    return;
  }
  if (sio__http_static_serve(r)) return;
  if (s->app_cb) {
    s->app_cb(r, s->app_ud);
    return;
  }
  static const char k_nf[] = "Not Found";
  sio_http_req_respond(r, 404, "text/plain; charset=utf-8", NULL, k_nf, sizeof(k_nf) - 1);
}

/* Parses data; returns the bytes consumed. Stops at a held request, an ending
 * connection or a taken stream. */
static size_t parse(sio__http_conn_t *c, const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len && !stopped(c)) {
    size_t n =
        http_parser_execute(&c->parser, &k_settings, (const char *)data + off, len - off);
    off += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_PAUSED) {
      http_parser_pause(&c->parser, 0);
      c->rest = data + off;
      c->rest_len = len - off;
      dispatch(c);
      c->rest = NULL;
      c->rest_len = 0;
      if (c->detached) return len;
      continue;
    }
    if (e != HPE_OK) {
      int status = c->err_status ? c->err_status : e == HPE_HEADER_OVERFLOW ? 431 : 400;
      SIO_LOGD("http %s: %s -> %d", sio__stream_remote_addr(c->stream),
               http_errno_name(e), status);
      send_error(c, status);
      return len;
    }
    if (n == 0) break;
  }
  return off;
}

/* Keeps bytes that cannot be parsed yet; pauses reading past the bound. */
static void keep(sio__http_conn_t *c, const uint8_t *data, size_t len) {
  if (c->inlen + len > c->incap) {
    size_t cap = c->incap ? c->incap : 1024;
    while (cap < c->inlen + len) cap *= 2;
    uint8_t *n = sio__realloc(c->in, cap);
    if (!n) {
      sio__stream_close(c->stream, 0);
      return;
    }
    c->in = n;
    c->incap = cap;
  }
  memcpy(c->in + c->inlen, data, len);
  c->inlen += len;
  if (c->inlen >= MAX_PIPELINED && !c->paused) {
    c->paused = 1;
    sio__stream_read_stop(c->stream);
  }
}

static void run_buffer(sio__http_conn_t *c) {
  while (c->inlen > 0 && !stopped(c)) {
    size_t used = parse(c, c->in, c->inlen);
    if (c->detached || c->ending) return;
    memmove(c->in, c->in + used, c->inlen - used);
    c->inlen -= used;
    if (used == 0) break;
  }
  if (c->inlen == 0) {
    sio__free(c->in);
    c->in = NULL;
    c->incap = 0;
  }
  if (c->paused && !stopped(c) && c->inlen < MAX_PIPELINED) {
    c->paused = 0;
    sio__stream_read_start(c->stream);
  }
}

/* After parsing: frees a detached connection, or arms the idle timer. */
static void after(sio__http_conn_t *c) {
  if (c->busy) return;
  if (c->detached) {
    conn_free(c);
    return;
  }
  if (stopped(c) || c->req) return;
  if (c->srv->opts.keepalive_timeout)
    sio__stream_timer_start(c->stream, c->srv->opts.keepalive_timeout);
}

/* ---- stream callbacks ---- */

static void conn_on_read(sio__stream_t *st, void *arg, uint8_t *data, size_t len) {
  sio__http_conn_t *c = arg;
  c->busy++;
  if (c->inlen > 0 || stopped(c)) {
    keep(c, data, len);
    if (!stopped(c)) run_buffer(c);
  } else {
    size_t used = parse(c, data, len);
    /* Only what waits behind a held request is copied out of the shared buffer. */
    if (used < len && !c->detached && !c->ending) keep(c, data + used, len - used);
  }
  c->busy--;
  after(c);
}

static void abort_active(sio__http_conn_t *c) {
  sio_http_req_t *r = c->active;
  c->active = NULL;
  sio__http_req_drop(r, 1);
}

static void conn_on_error(sio__stream_t *st, void *arg, int err) {
  sio__http_conn_t *c = arg;
  c->busy++;
  abort_active(c);
  sio_http_req_t *r = c->req;
  c->req = NULL;
  sio__http_req_drop(r, 0);
  c->ending = 1;
  /* At EOF the answers already queued still go out. */
  if (err == UV_EOF)
    sio__stream_end(st, LINGER_MS);
  else
    sio__stream_close(st, 0);
  c->busy--;
}

static void conn_on_timer(sio__stream_t *st, void *arg) {
  sio__http_conn_t *c = arg;
  if (c->active || c->ending) return;
  if (c->req) {
    send_error(c, 408); /* slow request: headers or body late */
    return;
  }
  /* Idle keep-alive connection: close quietly. */
  c->ending = 1;
  sio__stream_end(st, LINGER_MS);
}

static void conn_on_defer(sio__stream_t *st, void *arg) {
  sio__http_conn_t *c = arg;
  c->busy++;
  run_buffer(c);
  c->busy--;
  after(c);
}

static void conn_on_close(sio__stream_t *st, void *arg) {
  sio__http_conn_t *c = arg;
  sio_http_server_t *s = c->srv;
  c->busy++;
  c->stream = NULL;
  abort_active(c);
  sio_http_req_t *r = c->req;
  c->req = NULL;
  sio__http_req_drop(r, 0);
  c->detached = 1;
  c->busy--;
  sio__http_server_conn_gone(s, c); /* may finish the server's close */
  after(c);
}

static const sio__stream_cbs_t k_conn_cbs = {
    .on_read = conn_on_read,
    .on_error = conn_on_error,
    .on_timer = conn_on_timer,
    .on_defer = conn_on_defer,
    .on_close = conn_on_close,
};

void sio__http_conn_accept(sio_http_server_t *s, sio__stream_t *stream) {
  sio__http_conn_t *c = sio__calloc(1, sizeof(*c));
  if (!c) {
    sio__stream_close(stream, 0);
    return;
  }
  c->srv = s;
  c->stream = stream;
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  sio__stream_set_cbs(stream, &k_conn_cbs, c);
  sio__stream_set_max_queue(stream, s->opts.max_write_queue);
  if (sio__stream_read_start(stream) != 0) {
    sio__stream_close(stream, 0);
    return;
  }
  /* A new connection gets request_timeout to send its first request. */
  if (s->opts.request_timeout) sio__stream_timer_start(stream, s->opts.request_timeout);
}

/* Server shutdown: answers already queued (a held GET answered with the
 * close packet just before) still reach the peer, so end gracefully, with a
 * shorter linger than a normal close. */
void sio__http_conn_close(sio__http_conn_t *c) {
  if (!c->stream) return;
  c->ending = 1;
  sio__stream_end(c->stream, SHUTDOWN_LINGER_MS);
}

void sio__http_conn_answered(sio__http_conn_t *c, sio_http_req_t *r, int close) {
  if (c->active == r) c->active = NULL;
  if (!c->stream || c->ending) return;
  if (close) {
    c->ending = 1;
    sio__stream_end(c->stream, LINGER_MS);
    return;
  }
  if (c->busy) return; /* the parse loop on the stack goes on */
  /* Answered later (long-polling): resume from the loop, not from inside the
   * caller, which may be in the middle of its own work. */
  if (c->inlen > 0 || c->paused)
    sio__stream_defer(c->stream);
  else
    after(c);
}

/* ---- upgrade: hand the connection over ---- */

static void detached_on_read(sio__stream_t *st, void *arg, uint8_t *d, size_t n) {}

static void detached_on_error(sio__stream_t *st, void *arg, int err) {
  sio__stream_close(st, 0);
}

static void detached_on_close(sio__stream_t *st, void *arg) {}

static const sio__stream_cbs_t k_detached_cbs = {
    .on_read = detached_on_read,
    .on_error = detached_on_error,
    .on_close = detached_on_close,
};

struct sio__stream *sio__http_req_take_stream(sio_http_req_t *r, sio__rbuf_t **leftover) {
  *leftover = NULL;
  sio__http_conn_t *c = r->conn;
  if (c && c->req == r) return NULL; /* still being read */
  if (!c || !c->stream || c->ending || c->active != r || c->srv->closing) {
    if (!r->aborting) sio_http_req_respond(r, 500, NULL, NULL, NULL, 0);
    return NULL;
  }
  /* Whatever the client sent after the request's headers. While parsing, that
   * is the unparsed rest (which includes the kept copy when parsing from it). */
  const uint8_t *p = c->rest ? c->rest : c->in;
  size_t n = c->rest ? c->rest_len : c->inlen;
  if (n > 0) {
    *leftover = sio__rbuf_from(p, n);
    if (!*leftover) {
      sio_http_req_respond(r, 500, NULL, NULL, NULL, 0);
      return NULL;
    }
  }
  sio__stream_t *st = c->stream;
  sio__stream_timer_stop(st);
  sio__stream_set_cbs(st, &k_detached_cbs, NULL);
  c->stream = NULL;
  c->active = NULL;
  c->detached = 1;
  c->rest = NULL;
  c->rest_len = 0;
  c->inlen = 0;
  sio__http_server_conn_gone(c->srv, c);
  sio__http_req_free(r);
  after(c);
  return st;
}
