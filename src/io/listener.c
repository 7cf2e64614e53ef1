#include "io/listener.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/stream_internal.h"
#include "sio/common.h"

struct sio__listener {
  uv_tcp_t tcp;
  sio__io_t *io;
  sio__listener_cb cb;
  void *arg;
  void (*close_cb)(void *arg);
  void *close_arg;
  int closing;
};

static void on_connection(uv_stream_t *server, int status) {
  sio__listener_t *l = server->data;
  if (l->closing) return;
  if (status < 0) {
    SIO_LOGW("accept failed: %s", uv_strerror(status));
    return;
  }
  sio__stream_t *s = sio__stream_accept(l->io, server);
  if (!s) {
    SIO_LOGW("could not accept a connection (out of memory?)");
    return;
  }
  l->cb(l, l->arg, s);
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
  if (l->close_cb) l->close_cb(l->close_arg);
  sio__io_release(l->io);
  sio__free(l);
}

/* A socket of ss's family with SO_REUSEPORT, opened as l's handle. */
static int open_reuseport(sio__listener_t *l, const struct sockaddr_storage *ss) {
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return uv_translate_sys_error(errno);
  int one = 1;
  int r = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
    r = uv_translate_sys_error(errno);
  if (r == 0) r = uv_tcp_open(&l->tcp, fd);
  if (r != 0) close(fd);
  return r;
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
  sio__listener_t *l = sio__calloc(1, sizeof(*l));
  if (!l) return SIO_ENOMEM;
  l->io = sio__io_acquire(loop);
  if (!l->io) {
    sio__free(l);
    return SIO_ENOMEM;
  }
  l->cb = cb;
  l->arg = arg;
  uv_tcp_init(loop, &l->tcp);
  l->tcp.data = l;
  r = reuseport ? open_reuseport(l, &ss) : 0;
  if (r == 0) r = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
  if (r == 0) r = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
  if (r != 0) {
    l->closing = 1;
    uv_close((uv_handle_t *)&l->tcp, on_closed);
    return r;
  }
  *out = l;
  return 0;
}

int sio__listener_port(const sio__listener_t *l) {
  struct sockaddr_storage ss;
  int n = sizeof(ss);
  int r = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &n);
  if (r != 0) return r;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return SIO_EINVAL;
}

void sio__listener_close(sio__listener_t *l, void (*cb)(void *arg), void *arg) {
  if (l->closing) return;
  l->closing = 1;
  l->close_cb = cb;
  l->close_arg = arg;
  uv_close((uv_handle_t *)&l->tcp, on_closed);
}
