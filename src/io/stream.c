#include "io/stream.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "io/stream_internal.h"
#include "io/timer_internal.h"
#include "io/tls.h"
#include "sio/common.h"

_Static_assert(SIO__STREAM_EOF == UV_EOF, "SIO__STREAM_EOF is libuv's UV_EOF");
/* libuv's errors are negative errnos on the systems we run on: the stream
 * reports a failed system call as -errno, the codes owners always saw. */
_Static_assert(UV_ECONNRESET == -ECONNRESET && UV_EPIPE == -EPIPE,
               "libuv errors are negative errnos");

#define DEFAULT_MAX_QUEUE (4u * 1024 * 1024)
/* Most slices one sendmsg takes; its iovec array is on the stack. */
#define TRY_BATCH 64
/* Most reads per wake of one stream when each fills the buffer: a fast peer
 * does not starve the others of the loop. */
#define READ_BATCH 32

static void on_handle_closed(uv_handle_t *h);
static void on_poll(uv_poll_t *h, int status, int events);
static void flush(sio__stream_t *s);
static void update_poll(sio__stream_t *s);
static void finish_close(sio__stream_t *s);

/* ---- creation ---- */

int sio__stream_fd(const sio__stream_t *s) {
  uv_os_fd_t fd;
  if (!s->opened || uv_fileno((const uv_handle_t *)&s->poll, &fd) != 0) return -1;
  return fd;
}

/* The peer's address in binary (formatted on demand: 17 bytes a stream,
 * not a 64-byte string). */
static void fill_addr(sio__stream_t *s) {
  struct sockaddr_storage ss;
  socklen_t n = sizeof(ss);
  s->addr_family = 0;
  if (getpeername(sio__stream_fd(s), (struct sockaddr *)&ss, &n) != 0) return;
  if (ss.ss_family == AF_INET) {
    memcpy(s->peer.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    s->addr_family = AF_INET;
  } else if (ss.ss_family == AF_INET6) {
    memcpy(s->peer.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    s->addr_family = AF_INET6;
  }
}

/* Small writes leave at once (a message is one write already). */
static void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The socket's pending error as a negative errno, 0 if none. */
static int socket_error(int fd) {
  int e = 0;
  socklen_t n = sizeof(e);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) != 0) return -errno;
  return -e;
}

static void on_timer(sio__timer_t *t, void *arg);

/* Callbacks of a stream nobody owns yet. */
static const sio__stream_cbs_t k_no_cbs;

/* A stream on io with no socket yet; it takes over the caller's reference of
 * io only on success. */
static sio__stream_t *stream_new(sio__io_t *io) {
  /* From the loop's pool: packed in slabs, not between the short-lived
   * blocks of handshakes (core/pool.h). */
  sio__pool_t *pool = sio__io_pool(io, sizeof(sio__stream_t));
  sio__stream_t *s = pool ? sio__pool_calloc(pool) : NULL;
  if (!s) return NULL;
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

int sio__stream_open(sio__stream_t *s, int fd) {
  int r = uv_poll_init(sio__io_loop(s->io), &s->poll, fd);
  if (r != 0) return r;
  s->poll.data = s;
  s->opened = 1;
  return 0;
}

/* A connect on its way: the name lookup first when the host is a name, then
 * the connect itself. Freed when the connect's result is delivered or the
 * stream closes; a lookup in flight frees it itself once the stream let go
 * (s NULL). */
typedef struct sio__dial {
  uv_getaddrinfo_t req;
  sio__stream_t *s;
  sio__stream_connect_cb cb;
  void *arg;
  int port;
  int status; /* the result when ready: known before the loop ran */
  int ready;
} dial_t;

/* The connect's result reaches the caller's callback (from the loop). */
static void connect_done(sio__stream_t *s, int status) {
  dial_t *d = s->peer.dial;
  sio__stream_connect_cb cb = d->cb;
  void *arg = d->arg;
  sio__free(d);
  memset(&s->peer, 0, sizeof(s->peer));
  s->connecting = 0;
  if (status == 0) {
    set_nodelay(sio__stream_fd(s));
    fill_addr(s);
    /* What the owner queued while connecting leaves now. */
    if (s->qlen > 0) sio__io_schedule(s->io, s);
  }
  update_poll(s);
  cb(s, arg, status);
}

/* Starts the TCP connect of s to sa with d (taken: freed by connect_done, by
 * closing, or here on failure). 0, or a negative errno (s has no socket
 * then). */
static int begin_connect(sio__stream_t *s, dial_t *d, const struct sockaddr *sa) {
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int r = fd < 0 ? -errno : sio__stream_open(s, fd);
  if (r != 0) {
    if (fd >= 0) close(fd);
    sio__free(d);
    return r;
  }
  socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                            : sizeof(struct sockaddr_in);
  d->ready = 0;
  s->peer.dial = d;
  s->connecting = 1;
  int rc = connect(fd, sa, len);
  if (rc != 0 && errno == EINPROGRESS) {
    update_poll(s); /* writable once connected (or refused) */
    return 0;
  }
  /* Done at once (a refusal, or a local peer): told from the loop. */
  d->status = rc == 0 ? 0 : -errno;
  d->ready = 1;
  sio__io_schedule(s->io, s);
  return 0;
}

sio__stream_t *sio__stream_connect(uv_loop_t *loop, const char *ip, int port,
                                   sio__stream_connect_cb cb, void *arg) {
  struct sockaddr_storage ss;
  if (port < 0 || port > 65535 || !ip) return NULL;
  if (uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss) != 0 &&
      uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss) != 0)
    return NULL;
  dial_t *d = sio__malloc(sizeof(*d));
  sio__io_t *io = d ? sio__io_acquire(loop) : NULL;
  sio__stream_t *s = io ? stream_new(io) : NULL;
  if (!s) {
    sio__io_release(io);
    sio__free(d);
    return NULL;
  }
  d->cb = cb;
  d->arg = arg;
  d->s = s;
  if (begin_connect(s, d, (const struct sockaddr *)&ss) != 0) {
    sio__stream_close(s, 0);
    return NULL;
  }
  return s;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  dial_t *d = (dial_t *)req;
  sio__stream_t *s = d->s;
  if (!s) {
    uv_freeaddrinfo(res);
    sio__free(d);
    return;
  }
  s->looking_up = 0;
  memset(&s->peer, 0, sizeof(s->peer));
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  int ok = 0;
  for (struct addrinfo *ai = status == 0 ? res : NULL; ai && !ok; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      memcpy(&ss, ai->ai_addr, sizeof(struct sockaddr_in));
      ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)d->port);
      ok = 1;
    } else if (ai->ai_family == AF_INET6) {
      memcpy(&ss, ai->ai_addr, sizeof(struct sockaddr_in6));
      ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)d->port);
      ok = 1;
    }
  }
  uv_freeaddrinfo(res);
  sio__stream_connect_cb cb = d->cb;
  void *arg = d->arg;
  if (!ok) {
    sio__free(d);
    SIO_LOGW("stream: name lookup failed: %s",
             status ? uv_strerror(status) : "no address");
    cb(s, arg, SIO_ENOENT);
    return;
  }
  int rc = begin_connect(s, d, (const struct sockaddr *)&ss);
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
  dial_t *d = sio__malloc(sizeof(*d));
  sio__io_t *io = d ? sio__io_acquire(loop) : NULL;
  sio__stream_t *s = io ? stream_new(io) : NULL;
  if (!s) {
    sio__io_release(io);
    sio__free(d);
    return NULL;
  }
  d->s = s;
  d->port = port;
  d->cb = cb;
  d->arg = arg;
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (uv_getaddrinfo(loop, &d->req, on_resolved, host, NULL, &hints) != 0) {
    sio__free(d);
    sio__stream_close(s, 0);
    return NULL;
  }
  s->peer.dial = d;
  s->looking_up = 1;
  return s;
}

sio__stream_t *sio__stream_accept(sio__io_t *io, int fd) {
  uv_loop_t *loop = sio__io_loop(io);
  if (!sio__io_acquire(loop)) {
    close(fd);
    return NULL;
  }
  sio__stream_t *s = stream_new(io);
  if (!s || sio__stream_open(s, fd) != 0) {
    /* Nothing to report to an owner: the peer sees the connection close. */
    close(fd);
    if (s) sio__pool_free(sio__io_pool(io, sizeof(*s)), s);
    sio__io_release(io);
    return NULL;
  }
  set_nodelay(fd);
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

/* ---- the poll ---- */

/* 1 while the socket should be read: the owner reads, or a graceful close
 * discards what the peer still sends until its EOF. */
static int wants_read(const sio__stream_t *s) {
  if (s->closing || s->err || s->connecting) return 0;
  if (s->ending) return s->shut;
  return s->reading && !s->eof;
}

/* Watches what the stream waits for: readable while it reads, writable
 * while the socket refused queued bytes (level-triggered: nothing is
 * watched for an idle writer), writable alone while connecting. The poll
 * changes only when that set does (each change costs epoll calls). */
static void update_poll(sio__stream_t *s) {
  if (!s->opened || s->closing) return;
  unsigned ev = 0;
  if (s->connecting) {
    if (!s->peer.dial->ready) ev = UV_WRITABLE;
  } else if (!s->err) {
    if (wants_read(s)) ev |= UV_READABLE | UV_DISCONNECT;
    if (s->blocked && s->qlen > 0) ev |= UV_WRITABLE;
  }
  if (ev == s->events) return;
  s->events = ev & 7u;
  int r = ev ? uv_poll_start(&s->poll, (int)ev, on_poll) : uv_poll_stop(&s->poll);
  if (r != 0) {
    s->events = 0;
    sio__stream_fail(s, r);
  }
}

/* ---- failure ---- */

/* Records the first failure; the owner hears of it from the loop. */
static void fail(sio__stream_t *s, int err) {
  if (s->err || s->closing) return;
  s->err = err;
  update_poll(s);
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
  update_poll(s);
}

void sio__stream_service(sio__stream_t *s) {
  if (s->closing) {
    if (!s->opened) finish_close(s); /* a stream that never had a socket */
    return;
  }
  if (s->err) {
    if (!s->err_reported && !s->ending) {
      s->err_reported = 1;
      s->cbs->on_error(s, s->arg, s->err);
    }
    return;
  }
  if (s->connecting) {
    if (s->peer.dial->ready) connect_done(s, s->peer.dial->status);
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

/* What one read gave: nread bytes in buf (> 0), nothing for now (0), or a
 * negative error (UV_EOF when the peer closed its side). buf is given back
 * to the loop here. */
static void handle_read(sio__stream_t *s, ssize_t nread, const uv_buf_t *buf) {
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
    update_poll(s);
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

/* Reads while the socket has bytes and the stream wants them, into the
 * loop's read buffer: one read when it does not fill the buffer (the usual
 * message), a few more when it does. */
static void read_socket(sio__stream_t *s) {
  for (int i = 0; i < READ_BATCH && wants_read(s); i++) {
    uv_buf_t buf;
    sio__io_read_buf_get(s->io, &buf);
    if (!buf.base) {
      handle_read(s, UV_ENOBUFS, &buf);
      return;
    }
    ssize_t n;
    do n = read(sio__stream_fd(s), buf.base, buf.len);
    while (n < 0 && errno == EINTR);
    size_t cap = buf.len;
    if (n < 0)
      n = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    else if (n == 0)
      n = UV_EOF;
    handle_read(s, n, &buf);
    if (n <= 0 || (size_t)n < cap) return;
  }
}

static void write_socket(sio__stream_t *s);

static void on_poll(uv_poll_t *h, int status, int events) {
  sio__stream_t *s = h->data;
  if (s->closing) return;
  if (status < 0) {
    /* libuv stops the poll on a socket error (a reset, a refused connect)
     * and reports EBADF; the socket tells the real error. */
    s->events = 0;
    int fd = sio__stream_fd(s);
    if (s->connecting) {
      int e = socket_error(fd);
      connect_done(s, e ? e : status);
      return;
    }
    if (wants_read(s)) {
      read_socket(s); /* bytes that came before the error first */
    } else {
      int e = socket_error(fd);
      fail(s, e ? e : status);
    }
    update_poll(s);
    return;
  }
  if (s->connecting) {
    if (events & UV_WRITABLE) connect_done(s, socket_error(sio__stream_fd(s)));
    return;
  }
  if (events & (UV_READABLE | UV_DISCONNECT)) read_socket(s);
  if ((events & UV_WRITABLE) && !s->closing && !s->err) write_socket(s);
}

int sio__stream_read_start(sio__stream_t *s) {
  if (s->closing || s->err) return SIO_ECLOSED;
  s->reading = 1;
  update_poll(s);
  return 0;
}

void sio__stream_read_stop(sio__stream_t *s) {
  s->reading = 0;
  update_poll(s);
}

/* ---- writing ---- */

void sio__stream_set_max_queue(sio__stream_t *s, size_t max) {
  s->max_queue = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}

size_t sio__stream_queued(const sio__stream_t *s) {
  return s->qbytes;
}

/* Appends one slice to the queue. 0, SIO_EMSGSIZE or SIO_ENOMEM. */
static int push_slice(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t n) {
  /* Slices hold 32-bit offsets and lengths: bytes past 4 GiB into a buffer
   * cannot be written. */
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

/* Sends n buffers with MSG_NOSIGNAL (a reset peer is an EPIPE error, never
 * a signal): one (the usual message) with send, the kernel's shorter path,
 * several with sendmsg. Retried on EINTR. */
static ssize_t send_iov(int fd, struct iovec *iov, size_t n) {
  struct msghdr msg;
  if (n > 1) {
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
  }
  for (;;) {
    ssize_t r = n == 1 ? send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                       : sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (r >= 0 || errno != EINTR) return r;
  }
}

/* Writes the queue while the socket takes it, a gather write of up to
 * TRY_BATCH slices at a time; what the socket refuses stays queued and the
 * stream waits for writable (blocked). Returns 0 or a negative errno. */
static int try_write(sio__stream_t *s) {
  int fd = sio__stream_fd(s);
  while (s->qlen > 0) {
    struct iovec iov[TRY_BATCH];
    size_t n = s->qlen < TRY_BATCH ? s->qlen : TRY_BATCH;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
      sio__slice_t *sl = &s->q[s->qhead + i];
      iov[i].iov_base = sl->buf->data + sl->off;
      iov[i].iov_len = sl->len;
      total += sl->len;
    }
    ssize_t r = send_iov(fd, iov, n);
    if (r < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
      s->blocked = 1;
      return 0;
    }
    queue_consume(s, (size_t)r);
    /* Taken in part: the socket is full now. */
    if ((size_t)r < total) {
      s->blocked = 1;
      return 0;
    }
  }
  return 0;
}

int sio__stream_try_write(sio__stream_t *s) {
  if (!s->opened || s->connecting) return 0;
  return try_write(s);
}

/* Writes what the socket takes now; the rest waits for writable. */
static void write_socket(sio__stream_t *s) {
  int r = try_write(s);
  if (r != 0) {
    fail(s, r);
    return;
  }
  if (s->qlen == 0) {
    s->blocked = 0;
    queue_reset(s);
    if (s->ending && !s->shut) {
      /* Everything written: the peer reads EOF after the last byte. */
      s->shut = 1;
      if (shutdown(sio__stream_fd(s), SHUT_WR) != 0) {
        sio__stream_close(s, 0);
        return;
      }
    }
  }
  update_poll(s);
}

static void flush(sio__stream_t *s) {
  /* Blocked: the poll writes when the socket takes bytes again. */
  if (s->closing || s->err || s->connecting || !s->opened || s->blocked) return;
  write_socket(s);
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

/* The last step: the owner's on_close, the hook, then the memory. */
static void finish_close(sio__stream_t *s) {
  release_slices(s->q + s->qhead, s->qlen);
  if (s->q != s->qinline) sio__io_give_slices(s->io, s->q, s->qcap);
  if (s->cbs->on_close) s->cbs->on_close(s, s->arg);
  timer_free(s);
  if (s->close_hook) s->close_hook->fn(s->close_hook);
  if (s->tls) sio__tls_free(s->tls);
  sio__io_t *io = s->io;
  sio__pool_free(sio__io_pool(io, sizeof(*s)), s);
  sio__io_release(io);
}

struct sio__pool *sio__stream_pool(sio__stream_t *s, size_t size) {
  return sio__io_pool(s->io, size);
}

static void on_handle_closed(uv_handle_t *h) {
  finish_close(h->data);
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
  if (s->looking_up) { /* the lookup finishes on its own, without us */
    s->peer.dial->s = NULL;
    uv_cancel((uv_req_t *)&s->peer.dial->req);
    s->looking_up = 0;
  }
  if (s->connecting) {
    sio__free(s->peer.dial);
    s->connecting = 0;
    memset(&s->peer, 0, sizeof(s->peer));
  }
  int fd = sio__stream_fd(s);
  s->closing = 1;
  sio__io_unschedule(s->io, s);
  sio__timer_stop(s->timer);
  if (!s->opened) {
    /* No socket, no handle: the loop finishes the close (never from inside
     * this call). */
    sio__io_schedule(s->io, s);
    return;
  }
  /* The poll leaves epoll before its socket is closed (or handed over). */
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
  if (s->fd_gone) return;
  if (reset && !s->shut) {
    /* Linger 0: the close sends an RST and drops what is unsent. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  close(fd);
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
  update_poll(s); /* reads stop until the sending side is shut down */
  sio__timer_t *t = timer_get(s);
  if (!t) { /* no linger deadline to keep: close now */
    sio__stream_close(s, 0);
    return;
  }
  sio__timer_start(t, linger_ms);
  /* From the loop, not from inside the caller: flush, then shut down. */
  sio__io_schedule(s->io, s);
}
