/* A background thread, like the Flask example's background task: every
 * interval it hands the loop a function that emits to everyone. The loop
 * owns every libsio object, so the thread touches none of them: it only
 * calls sio_server_post(), libsio's one thread-safe call. */
#include <stdlib.h>

#include "demo.h"

struct demo_ticker {
  demo_app_t *app;
  uint64_t interval_ns;
  uv_thread_t thread;
  uv_mutex_t mu;
  uv_cond_t cv;
  int stop; /* guarded by mu */
};

/* Runs on the loop thread. */
static void on_tick(sio_server_t *s, void *arg) {
  demo_events_tick(arg);
}

static void ticker_main(void *arg) {
  demo_ticker_t *t = arg;
  uint64_t next = uv_hrtime() + t->interval_ns;
  uv_mutex_lock(&t->mu);
  while (!t->stop) {
    uint64_t now = uv_hrtime();
    if (now < next) {
      /* Woken early by stop, or spuriously: wait for the rest. */
      uv_cond_timedwait(&t->cv, &t->mu, next - now);
      continue;
    }
    next = now + t->interval_ns;
    uv_mutex_unlock(&t->mu);
    /* SIO_ECLOSED once the server is closing: nothing more to do then. */
    int rc = sio_server_post(t->app->sio, on_tick, t->app);
    uv_mutex_lock(&t->mu);
    if (rc != 0) break;
  }
  uv_mutex_unlock(&t->mu);
}

int demo_ticker_start(demo_app_t *app, uint32_t interval_ms, demo_ticker_t **out) {
  demo_ticker_t *t = calloc(1, sizeof *t);
  if (!t) return SIO_ENOMEM;
  t->app = app;
  t->interval_ns = (uint64_t)(interval_ms ? interval_ms : 1) * 1000000u;
  int rc = uv_mutex_init(&t->mu);
  if (rc == 0) {
    rc = uv_cond_init(&t->cv);
    if (rc == 0) {
      rc = uv_thread_create(&t->thread, ticker_main, t);
      if (rc == 0) {
        *out = t;
        return 0;
      }
      uv_cond_destroy(&t->cv);
    }
    uv_mutex_destroy(&t->mu);
  }
  free(t);
  return rc;
}

void demo_ticker_stop(demo_ticker_t *t) {
  if (!t) return;
  uv_mutex_lock(&t->mu);
  t->stop = 1;
  uv_cond_signal(&t->cv);
  uv_mutex_unlock(&t->mu);
  uv_thread_join(&t->thread);
  uv_cond_destroy(&t->cv);
  uv_mutex_destroy(&t->mu);
  free(t);
}
