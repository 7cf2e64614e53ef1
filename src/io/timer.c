#include "io/timer.h"

#include "core/alloc.h"

struct sio__timer {
  uv_timer_t h;
  sio__timer_cb cb;
  void *arg;
};

static void on_fire(uv_timer_t *h) {
  sio__timer_t *t = h->data;
  t->cb(t, t->arg);
}

sio__timer_t *sio__timer_new(uv_loop_t *loop, sio__timer_cb cb, void *arg) {
  sio__timer_t *t = sio__malloc(sizeof(*t));
  if (!t) return NULL;
  uv_timer_init(loop, &t->h);
  t->h.data = t;
  t->cb = cb;
  t->arg = arg;
  return t;
}

void sio__timer_start(sio__timer_t *t, uint64_t ms) {
  uv_timer_start(&t->h, on_fire, ms, 0);
}

void sio__timer_stop(sio__timer_t *t) {
  if (t) uv_timer_stop(&t->h);
}

int sio__timer_is_active(const sio__timer_t *t) {
  return uv_is_active((const uv_handle_t *)&t->h);
}

static void on_closed(uv_handle_t *h) {
  sio__free(h->data);
}

void sio__timer_free(sio__timer_t *t) {
  if (!t) return;
  /* uv_close stops the timer; the memory goes once libuv is done with it. */
  uv_close((uv_handle_t *)&t->h, on_closed);
}

uint64_t sio__now_ms(uv_loop_t *loop) {
  (void)loop;
  return uv_hrtime() / 1000000u;
}
