/* libsio-admin's services from outside the protocol: the stats timer and
 * password checks through the server's background services (sio/server.h),
 * and the process's host name, pid and monotonic clock. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "admin/admin_internal.h"

static void on_tick(void *arg) {
  sio_admin_t *a = arg;
  a->tick(a);
}

int admin_timer_start(sio_admin_t *a, uint32_t every_ms, void (*fn)(sio_admin_t *a)) {
  a->tick = fn;
  return sio_server_every(a->srv, every_ms, on_tick, a, &a->timer);
}

static void on_timer_closed(void *arg) {
  sio_admin_t *a = arg;
  a->timer = NULL;
  admin_maybe_release(a);
}

void admin_timer_close(sio_admin_t *a) {
  if (a->timer) sio_interval_close(a->timer, on_timer_closed);
}

typedef struct {
  void *job;
  void (*work)(void *job);
  void (*done)(void *job, int ok);
} admin_work_t;

static void run_work(void *arg) {
  admin_work_t *w = arg;
  w->work(w->job);
}

static void after_work(void *arg, int ok) {
  admin_work_t *w = arg;
  void *job = w->job;
  void (*done)(void *, int) = w->done;
  sio_free(w);
  done(job, ok);
}

int admin_queue_work(sio_admin_t *a, void *job, void (*work)(void *job),
                     void (*done)(void *job, int ok)) {
  admin_work_t *w = sio_calloc(1, sizeof(*w));
  if (!w) return SIO_ENOMEM;
  w->job = job;
  w->work = work;
  w->done = done;
  int rc = sio_server_queue_work(a->srv, run_work, after_work, w);
  if (rc != 0) sio_free(w);
  return rc;
}

void admin_hostname(char *out, size_t cap) {
  if (cap == 0) return;
  if (gethostname(out, cap) != 0) snprintf(out, cap, "localhost");
  out[cap - 1] = '\0';
}

long admin_pid(void) {
  return (long)getpid();
}

uint64_t admin_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
