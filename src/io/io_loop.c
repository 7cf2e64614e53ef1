#include "io/io_loop.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "io/stream_internal.h"
#include "io/timer_internal.h"

struct sio__io {
  uv_loop_t *loop;
  uint32_t refs;
  sio__io_t *next; /* registry */
  /* Active while streams wait for service: an active idle handle also makes
   * the loop poll without blocking, so nothing waits behind a sleeping loop. */
  uv_idle_t idle;
  sio__timers_t timers; /* every sio__timer_t of the loop (timer.c) */
  int open_handles;     /* idle and the timers' handle, until both closed */
  sio__stream_t *shead, *stail;
  int buf_lent;
  uint8_t *buf;  /* SIO__IO_READ_BUF_SIZE bytes, allocated on first read */
  void *spare_q; /* a write-queue array no stream uses, or NULL */
  uint32_t spare_cap;
  struct sio__pool *pools[SIO__IO_POOLS]; /* by block size, made on first use */
};

/* Largest write-queue array kept as the spare (in slices, 16 B each). */
#define SPARE_MAX 256

static uv_once_t g_once = UV_ONCE_INIT;
static uv_mutex_t g_lock;
static sio__io_t *g_head;

/* libuv writes to sockets with write(2): a peer that reset the connection
 * would kill the whole process with SIGPIPE (Node ignores it for its users;
 * libuv does not). Ignored once per process, unless the application already
 * chose a disposition of its own. */
static void ignore_sigpipe(void) {
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
      !(old.sa_flags & SA_SIGINFO))
    signal(SIGPIPE, SIG_IGN);
}

static void init_lock(void) {
  if (uv_mutex_init(&g_lock) != 0) abort();
  ignore_sigpipe();
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
    sio__timers_init(&io->timers, loop);
    io->open_handles = 2;
    io->next = g_head;
    g_head = io;
  }
  uv_mutex_unlock(&g_lock);
  return io;
}

static void on_closed(sio__io_t *io) {
  if (--io->open_handles > 0) return;
  for (int i = 0; i < SIO__IO_POOLS; i++) sio__pool_close(io->pools[i]);
  sio__free(io->buf);
  sio__free(io->spare_q);
  sio__free(io);
}

static void on_idle_closed(uv_handle_t *h) {
  on_closed(h->data);
}

static void on_timers_closed(uv_handle_t *h) {
  /* The set's handle data is the set, embedded in io. */
  on_closed((sio__io_t *)(void *)((char *)h->data - offsetof(sio__io_t, timers)));
}

void *sio__io_take_slices(sio__io_t *io, uint32_t n, uint32_t *cap) {
  if (!io->spare_q || io->spare_cap < n) return NULL;
  void *q = io->spare_q;
  *cap = io->spare_cap;
  io->spare_q = NULL;
  io->spare_cap = 0;
  return q;
}

void sio__io_give_slices(sio__io_t *io, void *q, uint32_t cap) {
  if (!io->spare_q && cap <= SPARE_MAX) {
    io->spare_q = q;
    io->spare_cap = cap;
    return;
  }
  if (io->spare_q && cap > io->spare_cap && cap <= SPARE_MAX) {
    /* Keep the larger one: the next burst needs no growth. */
    sio__free(io->spare_q);
    io->spare_q = q;
    io->spare_cap = cap;
    return;
  }
  sio__free(q);
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
  sio__timers_close(&io->timers, on_timers_closed);
}

sio__timers_t *sio__io_timers(sio__io_t *io) {
  return &io->timers;
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

struct sio__pool *sio__io_pool(sio__io_t *io, size_t size) {
  size_t block = (size + 7) & ~(size_t)7;
  for (int i = 0; i < SIO__IO_POOLS; i++) {
    if (!io->pools[i]) return io->pools[i] = sio__pool_new(size, SIO__POOL_AUTO);
    if (sio__pool_block_size(io->pools[i]) == block) return io->pools[i];
  }
  return NULL;
}
