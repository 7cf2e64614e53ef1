/* libsio-redis: drives a hiredis async context from a uv_poll_t.
 *
 * Why not hiredis's own adapters/libuv.h: in 0.14 its poll callback drops
 * events that come with an error status, and libuv reports POLLERR (a
 * refused connect, a reset) as status UV_EBADF with the poll stopped, so a
 * refused connection would never complete or fail. Here an error status is
 * handed to hiredis as the events it waits for, so that its read / write /
 * connect check finds the socket error itself. The poll handle also counts
 * in conn->handles, so the conn outlives it. */
#include <stdlib.h>
#include <uv.h>

#include "core/alloc.h"
#include "redis/redis_conn_internal.h"

typedef struct {
  uv_poll_t poll;
  redisAsyncContext *ac; /* NULL once hiredis cleaned up */
  sio__redis_link_t *link;
  int events;
  int closing;
} uvev_t;

static void poll_closed(uv_handle_t *h) {
  uvev_t *p = h->data;
  sio__redis_conn_t *c = p->link->conn;
  sio__free(p);
  c->handles--;
  sio__redis_conn_ref(c);
  sio__redis_conn_unref(c); /* frees c if this was the last thing */
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  uvev_t *p = h->data;
  int ev = status < 0 ? p->events : events;
  if (p->ac && (ev & UV_READABLE)) redisAsyncHandleRead(p->ac);
  if (p->ac && (ev & UV_WRITABLE)) redisAsyncHandleWrite(p->ac);
  /* libuv stopped the poll; if hiredis saw nothing wrong, give up anyway
   * rather than wait on a dead socket. */
  if (status < 0 && p->ac) sio__redis_link_fail(p->link, uv_strerror(status));
}

static void update(uvev_t *p) {
  if (p->closing) return;
  if (p->events)
    uv_poll_start(&p->poll, p->events, poll_cb);
  else
    uv_poll_stop(&p->poll);
}

static void add_read(void *data) {
  uvev_t *p = data;
  p->events |= UV_READABLE;
  update(p);
}

static void del_read(void *data) {
  uvev_t *p = data;
  p->events &= ~UV_READABLE;
  update(p);
}

static void add_write(void *data) {
  uvev_t *p = data;
  p->events |= UV_WRITABLE;
  update(p);
}

static void del_write(void *data) {
  uvev_t *p = data;
  p->events &= ~UV_WRITABLE;
  update(p);
}

/* hiredis calls this while freeing the context; the fd is closed right
 * after, and uv_close stops polling synchronously. */
static void cleanup(void *data) {
  uvev_t *p = data;
  if (p->closing) return;
  p->closing = 1;
  p->ac = NULL;
  uv_close((uv_handle_t *)&p->poll, poll_closed);
}

int sio__redis_uv_attach(sio__redis_link_t *l, redisAsyncContext *ac) {
  sio__redis_conn_t *c = l->conn;
  uvev_t *p;
  if (ac->ev.data || !(p = sio__calloc(1, sizeof(*p)))) return -1;
  if (uv_poll_init(c->loop, &p->poll, ac->c.fd) != 0) {
    sio__free(p);
    return -1;
  }
  p->poll.data = p;
  p->ac = ac;
  p->link = l;
  c->handles++;
  ac->ev.data = p;
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  return 0;
}

/* ---- timers, clock and random bytes (redis_loop.h) ---- */

struct sio__redis_timer {
  uv_timer_t handle;
  sio__redis_timer_cb cb;
  void *data;
  sio__redis_timer_cb closed;
  void *closed_arg;
};

sio__redis_timer_t *sio__redis_timer_new(sio__redis_loop_t *loop, void *data) {
  sio__redis_timer_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return NULL;
  uv_timer_init(loop, &t->handle); /* cannot fail */
  t->handle.data = t;
  t->data = data;
  return t;
}

static void timer_fired(uv_timer_t *h) {
  sio__redis_timer_t *t = h->data;
  t->cb(t->data);
}

void sio__redis_timer_start(sio__redis_timer_t *t, sio__redis_timer_cb cb, uint64_t ms,
                            uint64_t repeat) {
  if (!t) return;
  t->cb = cb;
  uv_timer_start(&t->handle, timer_fired, ms, repeat);
}

void sio__redis_timer_stop(sio__redis_timer_t *t) {
  if (t) uv_timer_stop(&t->handle);
}

static void timer_closed(uv_handle_t *h) {
  sio__redis_timer_t *t = h->data;
  sio__redis_timer_cb closed = t->closed;
  void *arg = t->closed_arg;
  sio__free(t);
  if (closed) closed(arg);
}

void sio__redis_timer_close(sio__redis_timer_t *t, sio__redis_timer_cb closed,
                            void *arg) {
  if (!t) return;
  t->closed = closed;
  t->closed_arg = arg;
  uv_timer_stop(&t->handle);
  uv_close((uv_handle_t *)&t->handle, timer_closed);
}

uint64_t sio__redis_now(sio__redis_loop_t *loop) {
  return uv_now(loop);
}

uint64_t sio__redis_hrtime(void) {
  return uv_hrtime();
}

int sio__redis_random(void *buf, size_t n) {
  return uv_random(NULL, NULL, buf, n, 0, NULL) == 0 ? 0 : -1;
}
