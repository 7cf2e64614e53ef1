/* libsio-admin's libuv glue, the one file of src/admin that names libuv:
 * the stats timer, password checks on the thread pool, and the process's
 * host name, pid and monotonic clock. */
#include <stdio.h>

#include <uv.h>

#include "admin/admin_internal.h"

struct admin_timer {
  uv_timer_t handle;
  sio_admin_t *a;
  void (*fn)(sio_admin_t *a);
};

static void on_tick(uv_timer_t *h) {
  admin_timer_t *t = h->data;
  t->fn(t->a);
}

int admin_timer_start(sio_admin_t *a, uint32_t every_ms, void (*fn)(sio_admin_t *a)) {
  admin_timer_t *t = sio_calloc(1, sizeof(*t));
  if (!t) return SIO_ENOMEM;
  int rc = uv_timer_init(sio_server_loop(a->srv), &t->handle);
  if (rc != 0) {
    sio_free(t);
    return rc;
  }
  t->a = a;
  t->fn = fn;
  t->handle.data = t;
  uv_timer_start(&t->handle, on_tick, every_ms, every_ms);
  /* A process whose only handle is this timer may still exit. */
  uv_unref((uv_handle_t *)&t->handle);
  a->timer = t;
  return 0;
}

static void on_timer_closed(uv_handle_t *h) {
  admin_timer_t *t = h->data;
  sio_admin_t *a = t->a;
  sio_free(t);
  a->timer = NULL;
  admin_maybe_release(a);
}

void admin_timer_close(sio_admin_t *a) {
  if (!a->timer) return;
  uv_timer_stop(&a->timer->handle);
  uv_close((uv_handle_t *)&a->timer->handle, on_timer_closed);
}

typedef struct {
  uv_work_t req;
  void *job;
  void (*work)(void *job);
  void (*done)(void *job, int ok);
} admin_work_t;

static void run_work(uv_work_t *req) {
  admin_work_t *w = req->data;
  w->work(w->job);
}

static void after_work(uv_work_t *req, int status) {
  admin_work_t *w = req->data;
  void *job = w->job;
  void (*done)(void *, int) = w->done;
  sio_free(w);
  done(job, status == 0);
}

int admin_queue_work(sio_admin_t *a, void *job, void (*work)(void *job),
                     void (*done)(void *job, int ok)) {
  admin_work_t *w = sio_calloc(1, sizeof(*w));
  if (!w) return SIO_ENOMEM;
  w->job = job;
  w->work = work;
  w->done = done;
  w->req.data = w;
  int rc = uv_queue_work(sio_server_loop(a->srv), &w->req, run_work, after_work);
  if (rc != 0) sio_free(w);
  return rc;
}

void admin_hostname(char *out, size_t cap) {
  size_t n = cap;
  if (uv_os_gethostname(out, &n) != 0) snprintf(out, cap, "localhost");
}

long admin_pid(void) {
  return (long)uv_os_getpid();
}

uint64_t admin_clock_ns(void) {
  return uv_hrtime();
}
