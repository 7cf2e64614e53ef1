/* One HTTP/1.1 connection: feeding the request parser (http_parse.c, which
 * also enforces the size limits), timeouts, keep-alive, and pipelining
 * answered in order.
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
#define MAX_PIPELINED (64 * 1024)
/* A hand-off waiting for a write in flight looks again this often, at most
 * HANDOFF_TRIES times (the peer is not reading: the connection ends). */
#define HANDOFF_RETRY_MS 2
#define HANDOFF_TRIES 5000

static const sio__stream_cbs_t k_conn_cbs;

static int stopped(const sio__http_conn_t *c) {
  return c->active || c->ending || c->detached || !c->stream ||
         sio__stream_is_closing(c->stream);
}

static void conn_free(sio__http_conn_t *c) {
  sio__http_req_drop(sio__http_parse_take(&c->ps), 0);
  sio__free(c->in);
  sio__free(c);
}

/* ---- errors made by HTTP itself ---- */

/* Answers status with an empty body and ends the connection. The partly
 * parsed request (if any) gives the Origin for the CORS headers. */
static void send_error(sio__http_conn_t *c, int status) {
  if (c->ending || !c->stream) return;
  sio__sb_t sb;
  sio__sb_init(&sb, 256);
  sio__http_build_head(&sb, c->srv, c->ps.req, status, NULL, NULL, 0, 1);
  sio__rbuf_t *b = sio__sb_finish(&sb);
  if (b) {
    sio__stream_write(c->stream, b, 0, b->len);
    sio__rbuf_unref(b);
  }
  sio_http_req_t *r = sio__http_parse_take(&c->ps);
  c->ending = 1;
  sio__stream_end(c->stream, LINGER_MS);
  sio__http_req_drop(r, 0);
}

/* ---- what the parser (http_parse.c) leaves to the connection ---- */

static void on_begin(void *ud, sio_http_req_t *r) {
  sio__http_conn_t *c = ud;
  r->conn = c;
  r->srv = c->srv;
  memcpy(r->addr, sio__stream_remote_addr(c->stream), sizeof(r->addr));
  r->addr[sizeof(r->addr) - 1] = '\0';
  if (c->srv->opts.request_timeout)
    sio__stream_timer_start(c->stream, c->srv->opts.request_timeout);
}

static void on_route(void *ud, sio_http_req_t *r) {
  sio__http_conn_t *c = ud;
  const sio__http_mount_t *m =
      sio__http_server_find_mount(c->srv, r->hdr + r->path_off, r->path_len);
  if (m) {
    r->cb = m->cb;
    r->cb_ud = m->ud;
    if (m->max_body) r->max_body = m->max_body;
  }
}

static int on_accepted(void *ud, sio_http_req_t *r, int expect_continue) {
  sio__http_conn_t *c = ud;
  if (expect_continue) {
    static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    sio__stream_write_copy(c->stream, k_continue, sizeof(k_continue) - 1);
  }
  const sio__http_mount_t *m =
      sio__http_server_find_mount(c->srv, r->hdr + r->path_off, r->path_len);
  if (m && m->headers_cb) {
    m->headers_cb(r, m->ud);
    /* The callback closed the server or the connection: stop here. */
    if (stopped(c) && c->ps.req == r) return 503;
  }
  return 0;
}

static const sio__http_parse_cbs_t k_parse_cbs = {
    .begin = on_begin,
    .route = on_route,
    .accepted = on_accepted,
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
    sio__http_parse_ev_t ev;
    off += sio__http_parse_feed(&c->ps, data + off, len - off, &ev);
    if (ev.kind == SIO__HTTP_PARSE_REQUEST) {
      /* The request is dispatched before anything behind it. */
      c->active = ev.req;
      sio__stream_timer_stop(c->stream);
      c->rest = data + off;
      c->rest_len = len - off;
      dispatch(c);
      c->rest = NULL;
      c->rest_len = 0;
      if (c->detached) return len;
      continue;
    }
    if (ev.kind == SIO__HTTP_PARSE_ERROR) {
      SIO_LOGD("http %s: %s -> %d", sio__stream_remote_addr(c->stream), ev.reason,
               ev.status);
      send_error(c, ev.status);
      return len;
    }
    break;
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
  if (stopped(c) || c->ps.req) return;
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
  if (c->handoff_cb) { /* held by HTTP itself while it waits to move */
    c->handoff_cb = NULL;
    sio__http_req_free(r);
    return;
  }
  sio__http_req_drop(r, 1);
}

static void conn_on_error(sio__stream_t *st, void *arg, int err) {
  sio__http_conn_t *c = arg;
  c->busy++;
  abort_active(c);
  sio__http_req_drop(sio__http_parse_take(&c->ps), 0);
  c->ending = 1;
  /* At EOF the answers already queued still go out. */
  if (err == SIO__STREAM_EOF)
    sio__stream_end(st, LINGER_MS);
  else
    sio__stream_close(st, 0);
  c->busy--;
}

static void try_handoff(sio__http_conn_t *c);

static void conn_on_timer(sio__stream_t *st, void *arg) {
  sio__http_conn_t *c = arg;
  if (c->handoff_cb) {
    c->busy++;
    try_handoff(c);
    c->busy--;
    after(c);
    return;
  }
  if (c->active || c->ending) return;
  if (c->ps.req) {
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
  sio__http_req_drop(sio__http_parse_take(&c->ps), 0);
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

static sio__http_conn_t *conn_new(sio_http_server_t *s, sio__stream_t *stream) {
  sio__http_conn_t *c = sio__calloc(1, sizeof(*c));
  if (!c) {
    sio__stream_close(stream, 0);
    return NULL;
  }
  c->srv = s;
  c->stream = stream;
  sio__http_limits_t lim = {s->opts.max_header_bytes, s->opts.max_headers,
                            s->opts.max_body};
  sio__http_parse_init(&c->ps, &lim, &k_parse_cbs, c);
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  sio__stream_set_cbs(stream, &k_conn_cbs, c);
  sio__stream_set_max_queue(stream, s->opts.max_write_queue);
  if (sio__stream_read_start(stream) != 0) {
    sio__stream_close(stream, 0);
    return NULL;
  }
  /* A new connection gets request_timeout to send its first request. */
  if (s->opts.request_timeout) sio__stream_timer_start(stream, s->opts.request_timeout);
  return c;
}

void sio__http_conn_accept(sio_http_server_t *s, sio__stream_t *stream) {
  conn_new(s, stream);
}

void sio__http_conn_adopt(sio_http_server_t *s, sio__stream_t *stream, sio_http_req_t *r,
                          const uint8_t *rest, size_t len) {
  sio__http_conn_t *c = conn_new(s, stream);
  if (!c) {
    sio__http_req_free(r);
    return;
  }
  sio__stream_timer_stop(stream); /* the request is whole: no request timeout */
  r->conn = c;
  r->srv = s;
  r->handed = 1;
  r->cb = NULL; /* the first server's mount: this server routes it anew */
  r->cb_ud = NULL;
  on_route(c, r);
  c->busy++;
  /* As parse() dispatches: what follows the request is in view meanwhile
   * (an upgrade takes it), then kept and parsed as if just read. */
  c->active = r;
  c->rest = rest;
  c->rest_len = len;
  dispatch(c);
  c->rest = NULL;
  c->rest_len = 0;
  if (len > 0 && !c->detached && !c->ending && c->stream) {
    keep(c, rest, len);
    if (!stopped(c)) run_buffer(c);
  }
  c->busy--;
  after(c);
}

/* Server shutdown: answers already queued (a held GET answered with the
 * close packet just before) still reach the peer, so end gracefully, within
 * the server's drain bound (shorter than a normal close's linger). */
void sio__http_conn_close(sio__http_conn_t *c) {
  if (!c->stream) return;
  c->ending = 1;
  sio__stream_end(c->stream, c->srv->drain_ms);
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

/* The connection lets go of its stream (an upgrade or a move takes it) and
 * of the request that took it (freed unless NULL: a move carries it on);
 * the stream itself stays open. */
static void detach(sio__http_conn_t *c, sio_http_req_t *r) {
  c->stream = NULL;
  c->active = NULL;
  c->detached = 1;
  c->rest = NULL;
  c->rest_len = 0;
  c->inlen = 0;
  sio__http_server_conn_gone(c->srv, c);
  sio__http_req_free(r);
}

struct sio__stream *sio__http_req_take_stream(sio_http_req_t *r, sio__rbuf_t **leftover) {
  *leftover = NULL;
  sio__http_conn_t *c = r->conn;
  if (c && c->ps.req == r) return NULL; /* still being read */
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
  detach(c, r);
  after(c);
  return st;
}

/* ---- hand-off: move the connection to another server of the group ---- */

static void try_handoff(sio__http_conn_t *c) {
  sio_http_req_t *r = c->active;
  sio__http_handoff_cb cb = c->handoff_cb;
  void *arg = c->handoff_arg;
  const uint8_t *p = c->rest ? c->rest : c->in;
  size_t n = c->rest ? c->rest_len : c->inlen;
  sio__http_handoff_t *h = c->srv->closing ? NULL : sio__http_handoff_new(p, n);
  int rc = h ? sio__stream_export(c->stream, &h->conn) : SIO_ENOMEM;
  if (rc == SIO_EAGAIN && c->handoff_tries++ < HANDOFF_TRIES) {
    sio__free(h);
    sio__stream_timer_start(c->stream, HANDOFF_RETRY_MS);
    return;
  }
  c->handoff_cb = NULL;
  if (rc != 0) {
    sio__free(h);
    sio__http_respond_ex(r, 503, NULL, NULL, NULL, NULL, 0, 0, 1);
    return;
  }
  detach(c, NULL);
  /* The request goes as it is: it belongs to no server until adopted. */
  r->conn = NULL;
  r->srv = NULL;
  h->req = r;
  cb(h, arg);
}

void sio__http_req_handoff(sio_http_req_t *r, sio__http_handoff_cb cb, void *arg) {
  sio__http_conn_t *c = r->conn;
  if (!c || !c->stream || c->ending || c->active != r || c->ps.req == r) {
    if (!r->aborting) sio_http_req_respond(r, 503, NULL, NULL, NULL, 0);
    return;
  }
  sio__stream_timer_stop(c->stream);
  c->handoff_cb = cb;
  c->handoff_arg = arg;
  c->handoff_tries = 0;
  c->busy++;
  try_handoff(c);
  c->busy--;
  after(c);
}
