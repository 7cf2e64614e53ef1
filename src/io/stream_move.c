/* Moving a connection from one loop to another (stream.h): the old stream's
 * poll is closed (which takes the socket out of the old loop's epoll at
 * once) without closing the socket, and the socket is opened as a new
 * stream on the other loop. The TLS state moves as it is: OpenSSL's memory
 * BIOs belong to no loop. */
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "io/stream_internal.h"
#include "io/tls.h"
#include "sio/common.h"

struct sio__stream_export {
  uv_os_sock_t fd;
  struct sio__tls *tls;
  sio__close_hook_t *close_hook;
  uint32_t max_queue;
  uint8_t addr_family;
  uint8_t addr[16];
  size_t outlen; /* bytes queued on the old stream the socket did not take */
  uint8_t out[];
};

static void gone_read(sio__stream_t *s, void *a, uint8_t *d, size_t n) {
  (void)s, (void)a, (void)d, (void)n;
}
static void gone_err(sio__stream_t *s, void *a, int e) {
  (void)s, (void)a, (void)e;
}
/* The old stream's owner has let go: nothing may reach it. */
static const sio__stream_cbs_t k_exported = {gone_read, gone_err, NULL, NULL, NULL};

int sio__stream_export(sio__stream_t *s, sio__stream_export_t **out) {
  *out = NULL;
  if (s->closing || s->err || s->ending || s->looking_up || s->connecting || !s->opened)
    return SIO_ECLOSED;
  if (sio__stream_try_write(s) != 0) return SIO_ECLOSED;
  size_t outlen = s->qbytes;
  sio__stream_export_t *e = sio__malloc(sizeof(*e) + outlen);
  if (!e) return SIO_ENOMEM;
  size_t at = 0;
  for (uint32_t i = 0; i < s->qlen; i++) {
    const sio__slice_t *sl = &s->q[s->qhead + i];
    memcpy(e->out + at, sl->buf->data + sl->off, sl->len);
    at += sl->len;
  }
  e->outlen = at;
  e->fd = sio__stream_fd(s);
  e->tls = s->tls;
  e->close_hook = s->close_hook;
  e->max_queue = s->max_queue;
  e->addr_family = s->addr_family;
  memcpy(e->addr, s->peer.addr, sizeof(e->addr));
  /* Nothing of the connection stays with the old stream. */
  s->tls = NULL;
  s->close_hook = NULL;
  s->fd_gone = 1;
  sio__stream_set_cbs(s, &k_exported, NULL);
  sio__stream_close(s, 0);
  *out = e;
  return 0;
}

sio__stream_t *sio__stream_adopt(uv_loop_t *loop, sio__stream_export_t *e) {
  sio__io_t *io = sio__io_acquire(loop);
  sio__stream_t *s = io ? sio__stream_new_io(io) : NULL;
  if (!s) {
    sio__io_release(io);
    return NULL;
  }
  if (sio__stream_open(s, e->fd) != 0) {
    /* The stream holds no socket: closing it leaves e's alone. */
    sio__stream_close(s, 0);
    return NULL;
  }
  if (e->outlen > 0) {
    sio__rbuf_t *b = sio__rbuf_from(e->out, e->outlen);
    if (!b || sio__stream_push_raw(s, b, 0, e->outlen) != 0) {
      sio__rbuf_unref(b);
      /* The socket stays e's: closing the stream leaves it open. */
      s->fd_gone = 1;
      sio__stream_close(s, 0);
      return NULL;
    }
    sio__rbuf_unref(b);
  }
  s->tls = e->tls;
  s->close_hook = e->close_hook;
  s->max_queue = e->max_queue;
  s->addr_family = e->addr_family;
  memcpy(s->peer.addr, e->addr, sizeof(s->peer.addr));
  sio__free(e);
  return s;
}

void sio__stream_resume(sio__stream_t *s) {
  if (!s->tls || s->closing || s->err || s->ending) return;
  uv_buf_t buf;
  sio__io_read_buf_get(s->io, &buf);
  s->in_read = 1;
  /* No new ciphertext: SSL hands out the records it already holds. */
  sio__tls_feed(s, (uint8_t *)buf.base, 0, buf.len);
  s->in_read = 0;
  sio__io_read_buf_put(s->io, &buf);
  sio__io_schedule(s->io, s);
}

void sio__stream_export_drop(sio__stream_export_t *e) {
  if (!e) return;
  if (e->fd >= 0) close(e->fd);
  if (e->tls) sio__tls_free(e->tls);
  if (e->close_hook) e->close_hook->fn(e->close_hook);
  sio__free(e);
}
