#include "io/stream.h"

#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/stream_internal.h"
#include "io/timer_internal.h"
#include "io/tls.h"
#include "sio/common.h"

_Static_assert(SIO__STREAM_EOF == UV_EOF, "SIO__STREAM_EOF is libuv's UV_EOF");

#define DEFAULT_MAX_QUEUE (4u * 1024 * 1024)
/* Most slices one uv_write takes (writev's usual IOV_MAX). */
#define MAX_BATCH 1024
/* Most slices one uv_try_write takes; its iovec array is on the stack. */
#define TRY_BATCH 64

typedef struct sio__wreq {
  uv_write_t req;
  sio__stream_t *s;
  size_t n;
  size_t bytes;
  sio__slice_t *slices; /* n slices, right after bufs */
  uv_buf_t bufs[];
} sio__wreq_t;

static void on_handle_closed(uv_handle_t *h);
static void flush(sio__stream_t *s);
static void start_shutdown(sio__stream_t *s);

/* ---- creation ---- */

/* The peer's address in binary (formatted on demand: 17 bytes a stream,
 * not a 64-byte string). */
static void fill_addr(sio__stream_t *s) {
  struct sockaddr_storage ss;
  int n = sizeof(ss);
  s->addr_family = 0;
  if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &n) != 0) return;
  if (ss.ss_family == AF_INET) {
    memcpy(s->peer.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    s->addr_family = AF_INET;
  } else if (ss.ss_family == AF_INET6) {
    memcpy(s->peer.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    s->addr_family = AF_INET6;
  }
}

static void on_timer(sio__timer_t *t, void *arg);

/* Callbacks of a stream nobody owns yet. */
static const sio__stream_cbs_t k_no_cbs;

/* A stream with its handle and timer initialised on io, not connected; it
 * takes over the caller's reference of io only on success. */
static sio__stream_t *stream_new(sio__io_t *io) {
  sio__stream_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return NULL;
  if (uv_tcp_init(sio__io_loop(io), &s->tcp) != 0) {
    sio__free(s);
    return NULL;
  }
  s->tcp.data = s;
  s->io = io;
  s->cbs = &k_no_cbs;
  s->max_queue = DEFAULT_MAX_QUEUE;
  s->q = s->qinline;
  s->qcap = SIO__STREAM_QINLINE;
  return s;
}

sio__stream_t *sio__stream_new_io(sio__io_t *io) {
  return stream_new(io);
}

typedef struct {
  uv_connect_t req;
  sio__stream_connect_cb cb;
  void *arg;
} connect_req_t;

static void on_connect(uv_connect_t *req, int status) {
  connect_req_t *cr = (connect_req_t *)req;
  sio__stream_t *s = req->handle->data;
  sio__stream_connect_cb cb = cr->cb;
  void *arg = cr->arg;
  sio__free(cr);
  if (s->closing) return; /* closed while connecting: nobody to tell */
  if (status == 0) {
    uv_tcp_nodelay(&s->tcp, 1);
    fill_addr(s);
  }
  cb(s, arg, status);
}

/* Starts the TCP connect of s with cr (taken: freed here on failure, else
 * by on_connect). 0 or a libuv error. */
static int begin_connect(sio__stream_t *s, connect_req_t *cr, const struct sockaddr *sa,
                         sio__stream_connect_cb cb, void *arg) {
  cr->cb = cb;
  cr->arg = arg;
  int rc = uv_tcp_connect(&cr->req, &s->tcp, sa, on_connect);
  if (rc != 0) sio__free(cr);
  return rc;
}

sio__stream_t *sio__stream_connect(uv_loop_t *loop, const char *ip, int port,
                                   sio__stream_connect_cb cb, void *arg) {
  struct sockaddr_storage ss;
  if (port < 0 || port > 65535 || !ip) return NULL;
  if (uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss) != 0 &&
      uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss) != 0)
    return NULL;
  connect_req_t *cr = sio__malloc(sizeof(*cr));
  sio__io_t *io = cr ? sio__io_acquire(loop) : NULL;
  sio__stream_t *s = io ? stream_new(io) : NULL;
  if (!s) {
    sio__io_release(io);
    sio__free(cr);
    return NULL;
  }
  if (begin_connect(s, cr, (const struct sockaddr *)&ss, cb, arg) != 0) {
    sio__stream_close(s, 0);
    return NULL;
  }
  return s;
}

/* A name lookup in flight for a connecting stream. s is NULL once the
 * stream closed: the lookup then only frees itself. */
typedef struct sio__resolve {
  uv_getaddrinfo_t req;
  sio__stream_t *s;
  int port;
  sio__stream_connect_cb cb;
  void *arg;
} resolve_req_t;

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  resolve_req_t *r = (resolve_req_t *)req;
  sio__stream_t *s = r->s;
  sio__stream_connect_cb cb = r->cb;
  void *arg = r->arg;
  int port = r->port;
  sio__free(r);
  if (!s) {
    uv_freeaddrinfo(res);
    return;
  }
  s->looking_up = 0;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  int ok = 0;
  for (struct addrinfo *ai = status == 0 ? res : NULL; ai && !ok; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      memcpy(&ss, ai->ai_addr, sizeof(struct sockaddr_in));
      ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
      ok = 1;
    } else if (ai->ai_family == AF_INET6) {
      memcpy(&ss, ai->ai_addr, sizeof(struct sockaddr_in6));
      ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
      ok = 1;
    }
  }
  uv_freeaddrinfo(res);
  if (!ok) {
    SIO_LOGW("stream: name lookup failed: %s",
             status ? uv_strerror(status) : "no address");
    cb(s, arg, SIO_ENOENT);
    return;
  }
  connect_req_t *cr = sio__malloc(sizeof(*cr));
  int rc = cr ? begin_connect(s, cr, (const struct sockaddr *)&ss, cb, arg) : SIO_ENOMEM;
  if (rc != 0) cb(s, arg, rc);
}

int sio__stream_is_ip_literal(const char *host) {
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  return uv_ip4_addr(host, 0, &a4) == 0 || uv_ip6_addr(host, 0, &a6) == 0;
}

sio__stream_t *sio__stream_connect_host(uv_loop_t *loop, const char *host, int port,
                                        sio__stream_connect_cb cb, void *arg) {
  if (!host || port < 0 || port > 65535) return NULL;
  if (sio__stream_is_ip_literal(host))
    return sio__stream_connect(loop, host, port, cb, arg);
  resolve_req_t *r = sio__malloc(sizeof(*r));
  sio__io_t *io = r ? sio__io_acquire(loop) : NULL;
  sio__stream_t *s = io ? stream_new(io) : NULL;
  if (!s) {
    sio__io_release(io);
    sio__free(r);
    return NULL;
  }
  r->s = s;
  r->port = port;
  r->cb = cb;
  r->arg = arg;
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (uv_getaddrinfo(loop, &r->req, on_resolved, host, NULL, &hints) != 0) {
    sio__free(r);
    sio__stream_close(s, 0);
    return NULL;
  }
  s->peer.resolving = r;
  s->looking_up = 1;
  return s;
}

sio__stream_t *sio__stream_accept(sio__io_t *io, uv_stream_t *server) {
  uv_loop_t *loop = sio__io_loop(io);
  if (!sio__io_acquire(loop)) return NULL;
  sio__stream_t *s = stream_new(io);
  if (!s) {
    sio__io_release(io);
    return NULL;
  }
  if (uv_accept(server, (uv_stream_t *)&s->tcp) != 0) {
    /* Nothing to report to an owner: close quietly. */
    s->closing = 1;
    uv_close((uv_handle_t *)&s->tcp, on_handle_closed);
    return NULL;
  }
  uv_tcp_nodelay(&s->tcp, 1);
  fill_addr(s);
  return s;
}

static void timer_free(sio__stream_t *s) {
  if (!s->timer) return;
  sio__timer_clear(s->timer);
  sio__free(s->timer);
  s->timer = NULL;
}

/* The stream's timer, made on first use; NULL if out of memory. */
static sio__timer_t *timer_get(sio__stream_t *s) {
  if (s->timer) return s->timer;
  sio__timer_t *t = sio__malloc(sizeof(*t));
  if (t && sio__timer_init_io(t, s->io, on_timer, s) != 0) {
    sio__free(t);
    t = NULL;
  }
  return s->timer = t;
}

void sio__stream_set_cbs(sio__stream_t *s, const sio__stream_cbs_t *cbs, void *arg) {
  s->cbs = cbs;
  s->arg = arg;
  /* The new owner starts its own deadlines when it needs one. */
  if (s->timer && !sio__timer_is_active(s->timer)) timer_free(s);
}

void sio__stream_set_close_hook(sio__stream_t *s, sio__close_hook_t *hook) {
  s->close_hook = hook;
}

const char *sio__stream_remote_addr(const sio__stream_t *s) {
  static _Thread_local char text[64];
  text[0] = '\0';
  if (s->addr_family &&
      uv_inet_ntop(s->addr_family, s->peer.addr, text, sizeof(text)) != 0)
    text[0] = '\0';
  return text;
}

int sio__stream_is_closing(const sio__stream_t *s) {
  return s->closing || s->ending || s->err;
}

/* ---- failure ---- */

/* Records the first failure; the owner hears of it from the loop. */
static void fail(sio__stream_t *s, int err) {
  if (s->err || s->closing) return;
  s->err = err;
  uv_read_stop((uv_stream_t *)&s->tcp);
  if (s->ending) {
    sio__stream_close(s, 0);
    return;
  }
  sio__io_schedule(s->io, s);
}

void sio__stream_fail(sio__stream_t *s, int err) {
  fail(s, err);
}

void sio__stream_fail_quiet(sio__stream_t *s, int err) {
  if (s->err || s->closing) return;
  s->err = err;
  s->err_reported = 1;
  uv_read_stop((uv_stream_t *)&s->tcp);
}

void sio__stream_service(sio__stream_t *s) {
  if (s->closing) return;
  if (s->err) {
    if (!s->err_reported && !s->ending) {
      s->err_reported = 1;
      s->cbs->on_error(s, s->arg, s->err);
    }
    return;
  }
  if (s->defer && !s->ending) {
    s->defer = 0;
    if (s->cbs->on_defer) {
      s->cbs->on_defer(s, s->arg);
    }
    if (s->closing || s->err) return;
  }
  flush(s);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  sio__stream_t *s = h->data;
  sio__io_read_buf_get(s->io, buf);
}

static void on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf) {
  sio__stream_t *s = h->data;
  if (nread > 0 && !s->ending && !s->err) {
    s->in_read = 1;
    if (s->tls)
      sio__tls_feed(s, (uint8_t *)buf->base, (size_t)nread, buf->len);
    else
      s->cbs->on_read(s, s->arg, (uint8_t *)buf->base, (size_t)nread);
    s->in_read = 0;
    sio__io_read_buf_put(s->io, buf);
    /* What the callback queued leaves now, in one write. */
    if (s->scheduled) sio__io_unschedule(s->io, s);
    sio__stream_service(s);
    return;
  }
  sio__io_read_buf_put(s->io, buf);
  if (nread == 0) return;
  /* Before the TLS handshake is done, the connect callback hears it. */
  if (nread < 0 && s->tls && !s->ending && !s->err && sio__tls_read_failed(s, (int)nread))
    return;
  if (s->ending) {
    /* Discarding while closing gracefully: the peer's EOF ends it. */
    if (nread < 0) sio__stream_close(s, 0);
    return;
  }
  if (nread == UV_EOF) {
    /* The peer will send no more, but may still read: the stream stays
     * writable, so the owner can finish answering before it ends. */
    if (s->eof || s->err) return;
    s->eof = 1;
    s->err_reported = 1; /* on_error runs once: this is it */
    uv_read_stop((uv_stream_t *)&s->tcp);
    s->cbs->on_error(s, s->arg, UV_EOF);
    if (s->scheduled) sio__io_unschedule(s->io, s);
    sio__stream_service(s);
    return;
  }
  if (nread < 0) {
    fail(s, (int)nread);
    if (s->scheduled) sio__io_unschedule(s->io, s);
    sio__stream_service(s);
  }
}

int sio__stream_read_start(sio__stream_t *s) {
  if (s->closing || s->err) return SIO_ECLOSED;
  s->reading = 1;
  if (s->ending || s->eof) return 0;
  int r = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
  return r == UV_EALREADY ? 0 : r;
}

void sio__stream_read_stop(sio__stream_t *s) {
  s->reading = 0;
  if (!s->closing && !s->ending) uv_read_stop((uv_stream_t *)&s->tcp);
}

/* ---- writing ---- */

void sio__stream_set_max_queue(sio__stream_t *s, size_t max) {
  s->max_queue = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}

size_t sio__stream_queued(const sio__stream_t *s) {
  size_t n = s->qbytes;
  if (s->inflight) n += uv_stream_get_write_queue_size((const uv_stream_t *)&s->tcp);
  return n;
}

/* Appends one slice to the queue. 0, SIO_EMSGSIZE or SIO_ENOMEM. */
static int push_slice(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t n) {
  /* Slices hold 32-bit offsets and lengths (a uv_buf_t takes 32-bit lengths
   * anyway): bytes past 4 GiB into a buffer cannot be written. */
  if (off > UINT32_MAX || n > UINT32_MAX - off) return SIO_EMSGSIZE;
  if (s->qhead + s->qlen == s->qcap) {
    if (s->qhead > 0) {
      memmove(s->q, s->q + s->qhead, s->qlen * sizeof(*s->q));
      s->qhead = 0;
    } else {
      /* Past the inline slices: a heap array, kept until the queue empties. */
      if (s->qcap > UINT32_MAX / 2) return SIO_ENOMEM;
      uint32_t ncap = s->qcap * 2;
      sio__slice_t *nq;
      if (s->q == s->qinline) {
        /* The loop's spare array first: a burst of replies to one read
         * then allocates nothing. */
        uint32_t scap;
        nq = sio__io_take_slices(s->io, ncap, &scap);
        if (nq)
          ncap = scap;
        else if (ncap < 8)
          ncap = 8;
        if (!nq) nq = sio__malloc(ncap * sizeof(*nq));
        if (nq) memcpy(nq, s->q, s->qlen * sizeof(*nq));
      } else {
        nq = sio__realloc(s->q, ncap * sizeof(*nq));
      }
      if (!nq) return SIO_ENOMEM;
      s->q = nq;
      s->qcap = ncap;
    }
  }
  sio__slice_t *sl = &s->q[s->qhead + s->qlen++];
  sl->buf = sio__rbuf_ref(b);
  sl->off = (uint32_t)off;
  sl->len = (uint32_t)n;
  s->qbytes += n;
  return 0;
}

int sio__stream_write(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t len) {
  if (s->closing || s->err || s->ending) return SIO_ECLOSED;
  if (len == 0) return 0;
  /* Refused once the queue already holds the cap: one write may overshoot it
   * (a large file or message on an idle stream goes out), a peer that does
   * not read is caught at its next write. */
  if (s->max_queue && sio__stream_queued(s) >= s->max_queue) {
    SIO_LOGI("stream %s: write queue over %u bytes, dropping", sio__stream_remote_addr(s),
             (unsigned)s->max_queue);
    fail(s, SIO_ELIMIT);
    return SIO_ELIMIT;
  }
  int r = s->tls ? sio__tls_write(s, b->data + off, len) : push_slice(s, b, off, len);
  if (r != 0) return r;
  /* A reply written from the stream's own read callback leaves when the
   * callback returns (on_read flushes): no need to schedule the stream. */
  if (!s->in_read) sio__io_schedule(s->io, s);
  return 0;
}

int sio__stream_push_raw(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t len) {
  int r = push_slice(s, b, off, len);
  if (r == 0 && !s->in_read) sio__io_schedule(s->io, s);
  return r;
}

int sio__stream_write_copy(sio__stream_t *s, const void *p, size_t len) {
  if (s->closing || s->err || s->ending) return SIO_ECLOSED;
  if (len == 0) return 0;
  sio__rbuf_t *b = sio__rbuf_from(p, len);
  if (!b) return SIO_ENOMEM;
  int r = sio__stream_write(s, b, 0, len);
  sio__rbuf_unref(b);
  return r;
}

static void release_slices(sio__slice_t *sl, size_t n) {
  for (size_t i = 0; i < n; i++) sio__rbuf_unref(sl[i].buf);
}

static void on_write(uv_write_t *req, int status) {
  sio__wreq_t *w = (sio__wreq_t *)req;
  sio__stream_t *s = w->s;
  release_slices(w->slices, w->n);
  sio__free(w);
  s->inflight = NULL;
  if (s->closing) return;
  if (status < 0) {
    fail(s, status);
    return;
  }
  flush(s);
}

/* The queue is empty: back to the inline slices (a burst's heap array goes,
 * so an idle stream holds no queue memory beyond the inline slices). */
static void queue_reset(sio__stream_t *s) {
  if (s->q != s->qinline) {
    sio__io_give_slices(s->io, s->q, s->qcap);
    s->q = s->qinline;
    s->qcap = SIO__STREAM_QINLINE;
  }
  s->qhead = 0;
}

/* Drops n written bytes from the head of the queue: each slice's reference
 * goes as soon as its last byte is written; a partly written slice stays
 * with what is left of it. */
static void queue_consume(sio__stream_t *s, size_t n) {
  s->qbytes -= n;
  while (n > 0) {
    sio__slice_t *sl = &s->q[s->qhead];
    if (n < sl->len) {
      sl->off += n;
      sl->len -= n;
      return;
    }
    n -= sl->len;
    sio__rbuf_unref(sl->buf);
    s->qhead++;
    s->qlen--;
  }
}

/* Writes the queue with no request when the socket takes it all. A
 * completed uv_write makes libuv change the fd's epoll interest (one
 * epoll_ctl per message) and costs a request: uv_try_write does neither.
 * Returns 0, or a libuv error (the stream is then failed). */
static int try_write(sio__stream_t *s) {
  while (s->qlen > 0) {
    uv_buf_t bufs[TRY_BATCH];
    size_t n = s->qlen < TRY_BATCH ? s->qlen : TRY_BATCH;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
      sio__slice_t *sl = &s->q[s->qhead + i];
      bufs[i] = uv_buf_init((char *)sl->buf->data + sl->off, (unsigned)sl->len);
      total += sl->len;
    }
    int r = uv_try_write((uv_stream_t *)&s->tcp, bufs, (unsigned)n);
    /* EAGAIN: the socket is full, or still connecting; uv_write waits. */
    if (r == UV_EAGAIN || r == UV_ENOSYS) return 0;
    if (r < 0) return r;
    queue_consume(s, (size_t)r);
    /* Taken in part: the socket is full now; uv_write waits for the rest. */
    if ((size_t)r < total) return 0;
  }
  return 0;
}

int sio__stream_try_write(sio__stream_t *s) {
  return try_write(s);
}

static void flush(sio__stream_t *s) {
  if (s->inflight || s->closing || s->err) return;
  int r = try_write(s);
  if (r != 0) {
    fail(s, r);
    return;
  }
  if (s->qlen == 0) {
    queue_reset(s);
    if (s->ending && !s->shut) start_shutdown(s);
    return;
  }
  /* What the socket did not take goes to libuv, which writes it when the
   * socket is writable again; the queue collects later writes meanwhile. */
  size_t n = s->qlen < MAX_BATCH ? s->qlen : MAX_BATCH;
  sio__wreq_t *w =
      sio__malloc(sizeof(*w) + n * (sizeof(uv_buf_t) + sizeof(sio__slice_t)));
  if (!w) {
    fail(s, SIO_ENOMEM);
    return;
  }
  w->s = s;
  w->n = n;
  w->bytes = 0;
  w->slices = (sio__slice_t *)(void *)(w->bufs + n);
  for (size_t i = 0; i < n; i++) {
    sio__slice_t *sl = &s->q[s->qhead + i];
    w->slices[i] = *sl;
    w->bufs[i] = uv_buf_init((char *)sl->buf->data + sl->off, (unsigned)sl->len);
    w->bytes += sl->len;
  }
  s->qhead += n;
  s->qlen -= n;
  s->qbytes -= w->bytes;
  if (s->qlen == 0) queue_reset(s);
  r = uv_write(&w->req, (uv_stream_t *)&s->tcp, w->bufs, (unsigned)n, on_write);
  if (r != 0) {
    release_slices(w->slices, w->n);
    sio__free(w);
    fail(s, r);
    return;
  }
  s->inflight = w;
}

/* ---- timer and defer ---- */

static void on_timer(sio__timer_t *t, void *arg) {
  (void)t;
  sio__stream_t *s = arg;
  if (s->closing) return;
  if (s->ending) {
    /* The linger deadline: the peer never finished; close anyway. */
    sio__stream_close(s, 0);
    return;
  }
  if (s->cbs->on_timer) {
    s->cbs->on_timer(s, s->arg);
  }
}

void sio__stream_timer_start(sio__stream_t *s, uint64_t ms) {
  if (s->closing || s->ending) return;
  sio__timer_t *t = timer_get(s);
  if (t)
    sio__timer_start(t, ms);
  else
    sio__stream_fail(s, SIO_ENOMEM); /* a deadline we cannot keep: give up */
}

void sio__stream_timer_stop(sio__stream_t *s) {
  if (s->closing || s->ending) return;
  sio__timer_stop(s->timer);
}

void sio__stream_defer(sio__stream_t *s) {
  if (s->closing) return;
  s->defer = 1;
  sio__io_schedule(s->io, s);
}

/* ---- closing ---- */

static void on_handle_closed(uv_handle_t *h) {
  sio__stream_t *s = h->data;
  release_slices(s->q + s->qhead, s->qlen);
  if (s->q != s->qinline) sio__io_give_slices(s->io, s->q, s->qcap);
  if (s->cbs->on_close) s->cbs->on_close(s, s->arg);
  timer_free(s);
  if (s->close_hook) s->close_hook->fn(s->close_hook);
  if (s->tls) sio__tls_free(s->tls);
  sio__io_release(s->io);
  sio__free(s);
}

static void on_reset_closed(uv_handle_t *h) {
  on_handle_closed(h);
}

static void abandoned_read(sio__stream_t *s, void *a, uint8_t *d, size_t n) {
  (void)s, (void)a, (void)d, (void)n;
}
static void abandoned_err(sio__stream_t *s, void *a, int e) {
  (void)a, (void)e;
  sio__stream_close(s, 0);
}
static void abandoned_event(sio__stream_t *s, void *a) {
  (void)s, (void)a;
}
static const sio__stream_cbs_t k_abandoned = {
    abandoned_read, abandoned_err, abandoned_event, abandoned_event, abandoned_event};

void sio__stream_abandon(sio__stream_t *s) {
  sio__stream_set_cbs(s, &k_abandoned, NULL);
  sio__stream_close(s, 0);
}

void sio__stream_close(sio__stream_t *s, int reset) {
  if (s->closing) return;
  s->closing = 1;
  if (s->looking_up) { /* the lookup finishes on its own, without us */
    s->peer.resolving->s = NULL;
    uv_cancel((uv_req_t *)&s->peer.resolving->req);
    s->looking_up = 0;
  }
  sio__io_unschedule(s->io, s);
  sio__timer_stop(s->timer);
  /* A reset is refused while a shutdown is pending; a plain close then. */
  if (!reset || s->shut || uv_tcp_close_reset(&s->tcp, on_reset_closed) != 0)
    uv_close((uv_handle_t *)&s->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  sio__stream_t *s = req->data;
  sio__free(req);
  if (s->closing) return;
  if (status < 0) {
    sio__stream_close(s, 0);
    return;
  }
  /* Keep reading (and discarding) until the peer's EOF or the deadline. */
  if (uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) != 0)
    sio__stream_close(s, 0);
}

static void start_shutdown(sio__stream_t *s) {
  uv_shutdown_t *req = sio__malloc(sizeof(*req));
  s->shut = 1;
  if (!req) {
    sio__stream_close(s, 0);
    return;
  }
  req->data = s;
  if (uv_shutdown(req, (uv_stream_t *)&s->tcp, on_shutdown) != 0) {
    sio__free(req);
    sio__stream_close(s, 0);
  }
}

void sio__stream_end(sio__stream_t *s, uint64_t linger_ms) {
  if (s->closing || s->ending) return;
  if (s->err) {
    sio__stream_close(s, 0);
    return;
  }
  if (s->tls) sio__tls_close_notify(s);
  s->ending = 1;
  s->defer = 0;
  uv_read_stop((uv_stream_t *)&s->tcp);
  sio__timer_t *t = timer_get(s);
  if (!t) { /* no linger deadline to keep: close now */
    sio__stream_close(s, 0);
    return;
  }
  sio__timer_start(t, linger_ms);
  /* From the loop, not from inside the caller: flush, then shut down. */
  sio__io_schedule(s->io, s);
}
