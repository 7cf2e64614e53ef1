#include "io/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/stream_internal.h"
#include "sio/common.h"

/* Connections taken per wake at most: the loop's other work is not starved
 * by a flood of connects (the poll is level-triggered: the rest wait for
 * the next turn). */
#define ACCEPT_BATCH 128
/* How long accepting pauses when the system refuses descriptors and the
 * spare one is gone, instead of waking in a loop. */
#define PAUSE_MS 100

struct sio__listener {
  uv_poll_t poll; /* readable: connections wait */
  uv_timer_t pause;
  int fd;
  /* Kept open for the day descriptors run out: closed to accept (and close
   * at once) the connection at the head of the backlog, so the peer hears
   * "no" instead of waiting, and the listener is not woken for it again. */
  int spare_fd;
  int open_handles; /* poll and pause, until both closed */
  sio__io_t *io;
  sio__listener_cb cb;
  void *arg;
  void (*close_cb)(void *arg);
  void *close_arg;
  int closing;
};

static void on_acceptable(uv_poll_t *h, int status, int events);

static void on_resume(uv_timer_t *t) {
  sio__listener_t *l = t->data;
  if (!l->closing) uv_poll_start(&l->poll, UV_READABLE, on_acceptable);
}

static void pause_accepting(sio__listener_t *l) {
  uv_poll_stop(&l->poll);
  uv_timer_start(&l->pause, on_resume, PAUSE_MS, 0);
}

/* Out of descriptors: drops the connection at the head of the backlog with
 * the spare descriptor's slot. 1 if one went (try the next), 0 if the
 * backlog is empty (accept reports EMFILE before it looks), -1 if there is
 * no spare. */
static int shed_one(sio__listener_t *l) {
  if (l->spare_fd < 0) return -1;
  close(l->spare_fd);
  int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
  int e = errno;
  if (fd >= 0) close(fd);
  l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return 1;
  return e == EAGAIN || e == EWOULDBLOCK ? 0 : -1;
}

static void on_acceptable(uv_poll_t *h, int status, int events) {
  (void)events;
  sio__listener_t *l = h->data;
  if (l->closing) return;
  if (status < 0) {
    /* libuv stopped the poll: try again a little later. */
    SIO_LOGW("accept failed: %s", uv_strerror(status));
    pause_accepting(l);
    return;
  }
  int shed = 0;
  for (int i = 0; i < ACCEPT_BATCH && !l->closing; i++) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      /* A connection that went away before we took it, or a signal. */
      if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;
      if (e == EMFILE || e == ENFILE) {
        int r = shed_one(l);
        if (r == 0) break;
        if (r > 0) {
          shed++;
          continue;
        }
      }
      SIO_LOGW("accept failed: %s", uv_strerror(-e));
      pause_accepting(l);
      break;
    }
    sio__stream_t *s = sio__stream_accept(l->io, fd);
    if (!s) {
      SIO_LOGW("could not accept a connection (out of memory?)");
      continue;
    }
    l->cb(l, l->arg, s);
  }
  if (shed)
    SIO_LOGW("accept failed: %s (%d connections dropped)", uv_strerror(UV_EMFILE), shed);
}

static int resolve(uv_loop_t *loop, const char *host, int port,
                   struct sockaddr_storage *ss) {
  if (!host || !*host) host = "0.0.0.0";
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) return 0;
  if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0) return 0;
  /* A name: resolved synchronously, once, when the server starts. */
  uv_getaddrinfo_t req;
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int r = uv_getaddrinfo(loop, &req, NULL, host, NULL, &hints);
  if (r != 0) return r;
  r = UV_EAI_NONAME;
  for (struct addrinfo *ai = req.addrinfo; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET)
      ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
      ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    r = 0;
    break;
  }
  uv_freeaddrinfo(req.addrinfo);
  return r;
}

static void on_closed(uv_handle_t *h) {
  sio__listener_t *l = h->data;
  if (--l->open_handles > 0) return;
  if (l->close_cb) l->close_cb(l->close_arg);
  sio__io_release(l->io);
  sio__free(l);
}

/* A bound, listening nonblocking socket for ss (SO_REUSEPORT too when
 * reuseport is 1), or a negative errno. */
static int listen_socket(const struct sockaddr_storage *ss, int reuseport) {
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                            : sizeof(struct sockaddr_in);
  /* SO_REUSEADDR: a restarted server binds while old connections linger. */
  int r = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (r == 0 && reuseport)
    r = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (r == 0) r = bind(fd, (const struct sockaddr *)ss, len);
  if (r == 0) r = listen(fd, 511);
  if (r != 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

int sio__listener_new(uv_loop_t *loop, const char *host, int port, sio__listener_cb cb,
                      void *arg, sio__listener_t **out) {
  return sio__listener_new_ex(loop, host, port, 0, cb, arg, out);
}

int sio__listener_new_ex(uv_loop_t *loop, const char *host, int port, int reuseport,
                         sio__listener_cb cb, void *arg, sio__listener_t **out) {
  if (port < 0 || port > 65535 || !cb) return SIO_EINVAL;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  int r = resolve(loop, host, port, &ss);
  if (r != 0) return r;
  int fd = listen_socket(&ss, reuseport);
  if (fd < 0) return fd;
  sio__listener_t *l = sio__calloc(1, sizeof(*l));
  if (l) l->io = sio__io_acquire(loop);
  r = l && l->io ? uv_poll_init(loop, &l->poll, fd) : SIO_ENOMEM;
  if (r != 0) {
    close(fd);
    if (l) sio__io_release(l->io);
    sio__free(l);
    return r;
  }
  l->fd = fd;
  l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  l->cb = cb;
  l->arg = arg;
  l->poll.data = l;
  uv_timer_init(loop, &l->pause);
  l->pause.data = l;
  l->open_handles = 2;
  r = uv_poll_start(&l->poll, UV_READABLE, on_acceptable);
  if (r != 0) {
    sio__listener_close(l, NULL, NULL);
    return r;
  }
  *out = l;
  return 0;
}

int sio__listener_port(const sio__listener_t *l) {
  struct sockaddr_storage ss;
  socklen_t n = sizeof(ss);
  if (getsockname(l->fd, (struct sockaddr *)&ss, &n) != 0) return -errno;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return SIO_EINVAL;
}

void sio__listener_close(sio__listener_t *l, void (*cb)(void *arg), void *arg) {
  if (l->closing) return;
  l->closing = 1;
  l->close_cb = cb;
  l->close_arg = arg;
  /* The poll leaves epoll before the socket is closed. */
  uv_close((uv_handle_t *)&l->poll, on_closed);
  uv_close((uv_handle_t *)&l->pause, on_closed);
  close(l->fd);
  if (l->spare_fd >= 0) close(l->spare_fd);
}
