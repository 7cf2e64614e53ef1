/* The repeating loop-neutral timer and thread-pool work of background.h. */
#include "io/background.h"

#include <uv.h>

#include "core/alloc.h"
#include "sio/common.h"

struct sio__interval {
  uv_timer_t handle;
  void (*cb)(void *arg);
  void *arg;
  void (*closed)(void *arg);
};

static void on_tick(uv_timer_t *h) {
  sio__interval_t *t = h->data;
  t->cb(t->arg);
}

int sio__interval_start(uv_loop_t *loop, uint64_t every_ms, void (*cb)(void *arg),
                        void *arg, sio__interval_t **out) {
  if (!loop || !cb || !out || every_ms == 0) return SIO_EINVAL;
  sio__interval_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return SIO_ENOMEM;
  int rc = uv_timer_init(loop, &t->handle);
  if (rc != 0) {
    sio__free(t);
    return rc;
  }
  t->cb = cb;
  t->arg = arg;
  t->handle.data = t;
  uv_timer_start(&t->handle, on_tick, every_ms, every_ms);
  uv_unref((uv_handle_t *)&t->handle);
  *out = t;
  return 0;
}

static void on_closed(uv_handle_t *h) {
  sio__interval_t *t = h->data;
  void (*closed)(void *) = t->closed;
  void *arg = t->arg;
  sio__free(t);
  if (closed) closed(arg);
}

void sio__interval_close(sio__interval_t *t, void (*closed)(void *arg)) {
  if (!t) return;
  t->closed = closed;
  uv_timer_stop(&t->handle);
  uv_close((uv_handle_t *)&t->handle, on_closed);
}

typedef struct {
  uv_work_t req;
  void (*work)(void *arg);
  void (*done)(void *arg, int ok);
  void *arg;
} work_t;

static void run_work(uv_work_t *req) {
  work_t *w = req->data;
  w->work(w->arg);
}

static void after_work(uv_work_t *req, int status) {
  work_t *w = req->data;
  void (*done)(void *, int) = w->done;
  void *arg = w->arg;
  sio__free(w);
  done(arg, status == 0);
}

int sio__work_queue(uv_loop_t *loop, void (*work)(void *arg),
                    void (*done)(void *arg, int ok), void *arg) {
  if (!loop || !work || !done) return SIO_EINVAL;
  work_t *w = sio__calloc(1, sizeof(*w));
  if (!w) return SIO_ENOMEM;
  w->work = work;
  w->done = done;
  w->arg = arg;
  w->req.data = w;
  int rc = uv_queue_work(loop, &w->req, run_work, after_work);
  if (rc != 0) sio__free(w);
  return rc;
}
