/* The "threads" scenario: the asynchronous client on a loop of its own in
 * another thread, and the simple client called from several threads. */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "driver.h"
#include "scenarios.h"

/* The async client on a loop of its own in another thread: connect, one
 * ack round trip, close, and the loop closes cleanly. */
typedef struct {
  const char *url;
  sio_transport_mode_t mode;
  sio_client_t *c;
  uv_timer_t guard;
  int connected, closing, closed, loop_rc;
  char reply[128];
} th_t;

static void th_closed(sio_client_t *c, void *arg) {
  (void)c;
  th_t *t = arg;
  t->closed = 1;
  uv_close((uv_handle_t *)&t->guard, NULL);
}

static void th_close(th_t *t) {
  if (t->closing) return;
  t->closing = 1;
  sio_client_close(t->c, th_closed, t);
}

static void th_on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                      void *arg) {
  (void)s;
  th_t *t = arg;
  if (status == 0) {
    sio_buf_t all;
    sio_argv_raw_all(reply, &all);
    snprintf(t->reply, sizeof(t->reply), "%.*s", (int)all.len, (const char *)all.base);
  }
  th_close(t);
}

static void th_on_connect(sio_client_socket_t *s, void *arg) {
  th_t *t = arg;
  t->connected = 1;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "from a thread");
  if (sio_client_socket_emit_with_ack(s, "echo-ack", a, 3000, th_on_ack, t) != 0)
    th_close(t);
  sio_args_free(a);
}

static void th_on_guard(uv_timer_t *h) {
  th_close(h->data);
}

static void th_main(void *arg) {
  th_t *t = arg;
  uv_loop_t l;
  t->loop_rc = -1;
  if (uv_loop_init(&l)) return;
  sio_client_opts_t *o = new_opts(t->mode);
  int rc = sio_client_new(&l, t->url, o, &t->c);
  sio_client_opts_free(o);
  if (rc == 0) {
    sio_client_socket_t *s = sio_client_socket(t->c, "/");
    sio_client_socket_on_connect(s, th_on_connect, t);
    sio_client_socket_connect(s);
    uv_timer_init(&l, &t->guard);
    t->guard.data = t;
    uv_timer_start(&t->guard, th_on_guard, 8000, 0);
    uv_run(&l, UV_RUN_DEFAULT);
  }
  t->loop_rc = uv_loop_close(&l);
}

/* The simple client from several threads at once. */
typedef struct {
  sio_simple_t *sc;
  int idx, ok, received;
  char bad[128];
} callth_t;

#define CALLS_PER_THREAD 20

static void call_main(void *arg) {
  callth_t *t = arg;
  sio_args_t *a = sio_args_new();
  for (int i = 0; i < CALLS_PER_THREAD; i++) {
    char want[64];
    snprintf(want, sizeof(want), "t%d-%d", t->idx, i);
    sio_args_clear(a);
    sio_args_add_string(a, want);
    sio_simple_msg_t *reply = NULL;
    int rc = sio_simple_call(t->sc, "echo-ack", a, 5000, &reply);
    char exp[80];
    snprintf(exp, sizeof(exp), "[\"%s\"]", want);
    if (rc == 0 && reply && strcmp(reply->args, exp) == 0)
      t->ok++;
    else if (!t->bad[0])
      snprintf(t->bad, sizeof(t->bad), "%s: %s", want,
               rc ? sio_strerror(rc) : reply->args);
    sio_simple_msg_free(reply);
  }
  sio_args_free(a);
}

static uint8_t seen_echo[64];
static uv_mutex_t seen_mu;

static void receive_main(void *arg) {
  callth_t *t = arg;
  sio_simple_msg_t *m = NULL;
  while (sio_simple_receive(t->sc, 1000, &m) == 0) {
    int n = -1;
    if (m->event && strcmp(m->event, "echo") == 0 && sscanf(m->args, "[%d]", &n) == 1 &&
        n >= 0 && n < 64) {
      uv_mutex_lock(&seen_mu);
      seen_echo[n]++;
      uv_mutex_unlock(&seen_mu);
      t->received++;
    }
    sio_simple_msg_free(m);
    m = NULL;
  }
}

int scenario_threads(const char *url, sio_transport_mode_t mode) {
  th_t t = {.url = url, .mode = mode};
  uv_thread_t th;
  if (uv_thread_create(&th, th_main, &t)) return 1;
  uv_thread_join(&th);
  check("client on its own thread",
        t.connected && t.closed && strcmp(t.reply, "\"from a thread\"") == 0, t.reply);
  check("its loop closed cleanly", t.loop_rc == 0, NULL);

  sio_client_opts_t *o = new_opts(mode);
  sio_simple_t *sc = NULL;
  int rc = sio_simple_connect(url, "/", NULL, o, 5000, &sc);
  sio_client_opts_free(o);
  check("simple connect", rc == 0, sio_strerror(rc));
  if (rc) return 1;
  sio_simple_msg_t *m = NULL;
  check("auth event",
        sio_simple_receive(sc, 3000, &m) == 0 && strcmp(m->event, "auth") == 0, NULL);
  sio_simple_msg_free(m);
  /* Four threads call at once: each gets its own replies. */
  callth_t ct[4];
  uv_thread_t cth[4];
  memset(ct, 0, sizeof(ct));
  for (int i = 0; i < 4; i++) {
    ct[i].sc = sc;
    ct[i].idx = i;
    uv_thread_create(&cth[i], call_main, &ct[i]);
  }
  int ok = 1;
  for (int i = 0; i < 4; i++) {
    uv_thread_join(&cth[i]);
    if (ct[i].ok != CALLS_PER_THREAD) {
      ok = 0;
      check("concurrent calls", 0, ct[i].bad);
    }
  }
  check("concurrent calls: every reply to its caller", ok, NULL);
  /* Two threads receive while the events come: each event exactly once. */
  uv_mutex_init(&seen_mu);
  callth_t rt[2];
  uv_thread_t rth[2];
  memset(rt, 0, sizeof(rt));
  for (int i = 0; i < 2; i++) {
    rt[i].sc = sc;
    uv_thread_create(&rth[i], receive_main, &rt[i]);
  }
  sio_args_t *a = sio_args_new();
  for (int i = 0; i < 40; i++) {
    sio_args_clear(a);
    sio_args_add_int(a, i);
    sio_simple_emit(sc, "echo", a);
  }
  sio_args_free(a);
  for (int i = 0; i < 2; i++) uv_thread_join(&rth[i]);
  int once = 1;
  for (int i = 0; i < 40; i++) once &= seen_echo[i] == 1;
  char detail[64];
  snprintf(detail, sizeof(detail), "%d + %d received", rt[0].received, rt[1].received);
  check("concurrent receives: each event exactly once",
        once && rt[0].received + rt[1].received == 40, detail);
  uv_mutex_destroy(&seen_mu);
  sio_simple_disconnect(sc);
  return 0;
}
