#include "io/io_loop.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/stream_impl.h"

struct sio__io {
  uv_loop_t *loop;
  uint32_t refs;
  sio__io_t *next; /* registry */
  /* Active while streams wait for service: an active idle handle also makes
   * the loop poll without blocking, so nothing waits behind a sleeping loop. */
  uv_idle_t idle;
  sio__stream_t *shead, *stail;
  int buf_lent;
  uint8_t *buf; /* SIO__IO_READ_BUF_SIZE bytes, allocated on first read */
};

static uv_once_t g_once = UV_ONCE_INIT;
static uv_mutex_t g_lock;
static sio__io_t *g_head;

static void init_lock(void) {
  if (uv_mutex_init(&g_lock) != 0) abort();
}

static void on_idle(uv_idle_t *h) {
  sio__io_t *io = h->data;
  /* Streams scheduled while servicing are serviced in this same pass (their
   * writes belong to this loop iteration); the bound only guards against an
   * owner that re-schedules itself forever, the idle handle then finishes the
   * work on the next iteration without blocking. */
  for (int i = 0; io->shead && i < 100000; i++) {
    sio__stream_t *s = io->shead;
    sio__io_unschedule(io, s);
    sio__stream_service(s);
  }
  if (!io->shead) uv_idle_stop(&io->idle);
}

sio__io_t *sio__io_acquire(uv_loop_t *loop) {
  uv_once(&g_once, init_lock);
  uv_mutex_lock(&g_lock);
  sio__io_t *io = g_head;
  while (io && io->loop != loop) io = io->next;
  if (io) {
    io->refs++;
    uv_mutex_unlock(&g_lock);
    return io;
  }
  io = sio__calloc(1, sizeof(*io));
  if (io) {
    io->loop = loop;
    io->refs = 1;
    uv_idle_init(loop, &io->idle);
    io->idle.data = io;
    io->next = g_head;
    g_head = io;
  }
  uv_mutex_unlock(&g_lock);
  return io;
}

static void on_idle_closed(uv_handle_t *h) {
  sio__io_t *io = h->data;
  sio__free(io->buf);
  sio__free(io);
}

void sio__io_release(sio__io_t *io) {
  if (!io) return;
  uv_mutex_lock(&g_lock);
  if (--io->refs > 0) {
    uv_mutex_unlock(&g_lock);
    return;
  }
  sio__io_t **pp = &g_head;
  while (*pp != io) pp = &(*pp)->next;
  *pp = io->next;
  uv_mutex_unlock(&g_lock);
  uv_close((uv_handle_t *)&io->idle, on_idle_closed);
}

uv_loop_t *sio__io_loop(const sio__io_t *io) {
  return io->loop;
}

void sio__io_read_buf_get(sio__io_t *io, uv_buf_t *buf) {
  if (!io->buf_lent) {
    if (!io->buf) io->buf = sio__malloc(SIO__IO_READ_BUF_SIZE);
    if (io->buf) {
      io->buf_lent = 1;
      *buf = uv_buf_init((char *)io->buf, SIO__IO_READ_BUF_SIZE);
      return;
    }
  }
  char *p = sio__malloc(SIO__IO_READ_BUF_SIZE);
  *buf = uv_buf_init(p, p ? SIO__IO_READ_BUF_SIZE : 0);
}

void sio__io_read_buf_put(sio__io_t *io, const uv_buf_t *buf) {
  if (!buf->base) return;
  if ((uint8_t *)buf->base == io->buf)
    io->buf_lent = 0;
  else
    sio__free(buf->base);
}

void sio__io_schedule(sio__io_t *io, sio__stream_t *s) {
  if (s->scheduled) return;
  s->scheduled = 1;
  s->snext = NULL;
  s->sprev = io->stail;
  if (io->stail)
    io->stail->snext = s;
  else
    io->shead = s;
  io->stail = s;
  if (!uv_is_active((uv_handle_t *)&io->idle)) uv_idle_start(&io->idle, on_idle);
}

void sio__io_unschedule(sio__io_t *io, sio__stream_t *s) {
  if (!s->scheduled) return;
  s->scheduled = 0;
  if (s->sprev)
    s->sprev->snext = s->snext;
  else
    io->shead = s->snext;
  if (s->snext)
    s->snext->sprev = s->sprev;
  else
    io->stail = s->sprev;
  s->snext = s->sprev = NULL;
}
