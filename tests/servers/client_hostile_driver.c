/* client_hostile_driver: the C client (sio/client.h) against one hostile
 * server of tests/interop/client_hostile.test.mjs, one scenario per run,
 * results as JSON lines on stdout. Reconnection is off: every scenario
 * ends with the session's end (or the client's close) and the line
 *   {"result":"done","rss_growth_kb":N,...}
 * where rss_growth_kb is how much the peak resident size grew from the
 * session's open to the end: the memory a hostile server made us hold.
 * The test asserts on the lines; this program only reports. Every wait is
 * bounded (and alarm() ends a hang).
 *
 *   client_hostile_driver --url URL --transport polling|websocket|upgrade
 *     --scenario idle|emitflood|handlers|probe2|ackcancel|simpleflood
 *     [--max-write-queue BYTES] [--max-receive-queue BYTES]
 *
 * idle:        connect "/" and wait for the session to end;
 * emitflood:   once connected, emit a 64 KiB event per loop turn until an
 *              emit fails or 128 MiB went out (a server that never reads);
 * handlers:    handlers that add and remove handlers while an event is
 *              being dispatched; prints each handler's call count;
 * probe2:      once connected emit "hello" and wait for "welcome";
 * ackcancel:   emit "first" with an ack and "ready"; when the lost session
 *              cancels that ack, emit "second" with an ack from inside the
 *              callback (buffered): its reply must arrive after the
 *              reconnection (reconnection is on here);
 * simpleflood: the blocking client calls "flood" and then reads its queue.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include "sio/client.h"

/* Freed memory must not count as held: a small quarantine under ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "quarantine_size_mb=8";
}

static uv_loop_t loop;

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static long maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* ---- the session ---- */

static sio_client_t *client;
static sio_client_socket_t *sock;
static long rss_at_open = -1;
static int ended;  /* the session closed or could not open */
static int closed; /* the client is closed */

static void on_mgr(sio_client_t *c, sio_client_event_t ev, int value, const char *reason,
                   void *arg) {
  (void)c, (void)arg;
  static const char *names[] = {"open",
                                "close",
                                "error",
                                "reconnect_attempt",
                                "reconnect",
                                "reconnect_error",
                                "reconnect_failed",
                                "upgrade"};
  line("{\"event\":\"%s\",\"value\":%d,\"reason\":\"%s\"}", names[ev], value,
       reason ? reason : "");
  if (ev == SIO_CLIENT_OPEN && rss_at_open < 0) rss_at_open = maxrss_kb();
  if (ev == SIO_CLIENT_CLOSE || ev == SIO_CLIENT_ERROR) ended = 1;
}

static void on_connect_error(sio_client_socket_t *s, const char *m, const char *d,
                             void *arg) {
  (void)s, (void)d, (void)arg;
  line("{\"event\":\"connect_error\",\"message\":\"%s\"}", m);
}

static void on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s, (void)arg;
  line("{\"event\":\"disconnect\",\"reason\":\"%s\"}", reason);
}

static int timed_out;
static uv_timer_t deadline;
static void on_deadline(uv_timer_t *t) {
  (void)t;
  timed_out = 1;
}

/* Runs the loop until *flag is set or ms pass; returns *flag. */
static int wait_for(const int *flag, uint64_t ms) {
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, ms, 0);
  while (!*flag && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  return *flag;
}

static void on_closed(sio_client_t *c, void *arg) {
  (void)c, (void)arg;
  closed = 1;
}

static sio_client_opts_t *opts_from(sio_transport_mode_t mode, size_t max_wq,
                                    size_t max_rq) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_reconnection(o, 0);
  if (max_wq) sio_client_opts_set_max_write_queue(o, max_wq);
  if (max_rq) sio_client_opts_set_max_receive_queue(o, max_rq);
  return o;
}

static int open_client(const char *url, const sio_client_opts_t *o) {
  int rc = sio_client_new(&loop, url, o, &client);
  if (rc) {
    line("{\"event\":\"new failed\",\"error\":\"%s\"}", sio_err_name(rc));
    return rc;
  }
  sio_client_on_event(client, on_mgr, NULL);
  sock = sio_client_socket(client, "/");
  sio_client_socket_on_connect_error(sock, on_connect_error, NULL);
  sio_client_socket_on_disconnect(sock, on_disconnect, NULL);
  return 0;
}

/* ---- emitflood ---- */

static uint64_t emitted;
static int emit_rc;
static uv_idle_t idle;

static void on_idle(uv_idle_t *h) {
  static char big[64 * 1024 + 1];
  if (!big[0]) memset(big, 'x', sizeof(big) - 1);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, big);
  emit_rc = sio_client_socket_emit(sock, "flood", a);
  sio_args_free(a);
  if (emit_rc == 0) emitted += sizeof(big) - 1;
  if (emit_rc || emitted >= 128u * 1024 * 1024 || ended) uv_idle_stop(h);
}

static void flood_on_connect(sio_client_socket_t *s, void *arg) {
  (void)s, (void)arg;
  line("{\"event\":\"connect\"}");
  uv_idle_start(&idle, on_idle);
}

/* ---- handlers ---- */

static int calls_a, calls_b, calls_c, calls_any, handlers_done;
static void h_c(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                sio_client_ack_t *ack, void *arg) {
  (void)s, (void)ev, (void)av, (void)ack, (void)arg;
  calls_c++;
}
/* First event: removes itself and adds c (c must not run for this event). */
static void h_a(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                sio_client_ack_t *ack, void *arg) {
  (void)ev, (void)av, (void)ack, (void)arg;
  calls_a++;
  sio_client_socket_off(s, "e", h_a, NULL);
  sio_client_socket_on(s, "e", h_c, NULL);
}
/* Second event: removes c, which was present when it arrived but comes
 * after b, so c does not run for it (nor ever again). */
static void h_b(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                sio_client_ack_t *ack, void *arg) {
  (void)ev, (void)av, (void)ack, (void)arg;
  if (++calls_b == 2) sio_client_socket_off(s, "e", h_c, NULL);
}
/* Every event: adds handlers of another event, enough to move the array. */
static void h_any(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                  sio_client_ack_t *ack, void *arg) {
  (void)ev, (void)av, (void)ack, (void)arg;
  if (++calls_any == 3) handlers_done = 1; /* the server sends three */
  for (int i = 0; i < 16; i++) sio_client_socket_on(s, "other", h_c, NULL);
}

static void handlers_on_connect(sio_client_socket_t *s, void *arg) {
  (void)arg;
  line("{\"event\":\"connect\"}");
  sio_client_socket_emit(s, "ready", NULL);
}

/* ---- probe2 ---- */

static int welcomed;
static void on_welcome(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                       sio_client_ack_t *ack, void *arg) {
  (void)s, (void)ev, (void)av, (void)ack, (void)arg;
  welcomed = 1;
  ended = 1; /* done: the session may end now */
  line("{\"event\":\"welcome\"}");
}
static void probe_on_connect(sio_client_socket_t *s, void *arg) {
  (void)arg;
  line("{\"event\":\"connect\"}");
  sio_client_socket_emit(s, "hello", NULL);
}

/* ---- ackcancel ---- */

static int second_done;
static char first_status[32] = "none", second_status[32] = "none";

static void on_second(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                      void *arg) {
  (void)s, (void)reply, (void)arg;
  snprintf(second_status, sizeof(second_status), "%s",
           status ? sio_err_name(status) : "ok");
  second_done = 1;
}
static void on_first(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                     void *arg) {
  (void)reply, (void)arg;
  snprintf(first_status, sizeof(first_status), "%s",
           status ? sio_err_name(status) : "ok");
  int rc = sio_client_socket_emit_with_ack(s, "second", NULL, 0, on_second, NULL);
  if (rc) {
    snprintf(second_status, sizeof(second_status), "emit %s", sio_err_name(rc));
    second_done = 1;
  }
}
static void ackcancel_on_connect(sio_client_socket_t *s, void *arg) {
  (void)arg;
  line("{\"event\":\"connect\"}");
  static int once;
  if (once++) return;
  sio_client_socket_emit_with_ack(s, "first", NULL, 0, on_first, NULL);
  sio_client_socket_emit(s, "ready", NULL);
}

/* ---- simpleflood ---- */

static int scenario_simple(const char *url, const sio_client_opts_t *o) {
  sio_simple_t *sc = NULL;
  int rc = sio_simple_connect(url, "/", NULL, o, 10000, &sc);
  line("{\"event\":\"simple connect\",\"rc\":\"%s\"}", rc ? sio_err_name(rc) : "ok");
  if (rc) return rc;
  long base = maxrss_kb();
  sio_simple_msg_t *reply = NULL;
  /* The server emits its flood before it answers: once the answer is here,
   * every event of the flood went through the queue. */
  rc = sio_simple_call(sc, "flood", NULL, 20000, &reply);
  sio_simple_msg_free(reply);
  size_t got = 0, bytes = 0;
  char last[32] = "";
  sio_simple_msg_t *m;
  while (sio_simple_receive(sc, 0, &m) == 0) {
    got++;
    bytes += strlen(m->args);
    snprintf(last, sizeof(last), "%s", m->event ? m->event : "");
    sio_simple_msg_free(m);
  }
  line("{\"event\":\"simple flood\",\"call\":\"%s\",\"received\":%zu,\"bytes\":%zu,"
       "\"dropped\":%llu,\"last\":\"%s\"}",
       rc ? sio_err_name(rc) : "ok", got, bytes,
       (unsigned long long)sio_simple_dropped(sc), last);
  sio_simple_disconnect(sc);
  rss_at_open = base;
  return 0;
}

int main(int argc, char **argv) {
  const char *url = NULL, *scenario = "idle";
  sio_transport_mode_t mode = SIO_TRANSPORT_POLLING_UPGRADE;
  size_t max_wq = 0, max_rq = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (strcmp(argv[i], "--scenario") == 0) scenario = argv[i + 1];
    if (strcmp(argv[i], "--max-write-queue") == 0) max_wq = strtoull(argv[i + 1], 0, 10);
    if (strcmp(argv[i], "--max-receive-queue") == 0)
      max_rq = strtoull(argv[i + 1], 0, 10);
    if (strcmp(argv[i], "--transport") == 0) {
      if (strcmp(argv[i + 1], "polling") == 0) mode = SIO_TRANSPORT_POLLING;
      if (strcmp(argv[i + 1], "websocket") == 0) mode = SIO_TRANSPORT_WEBSOCKET;
    }
  }
  if (!url) {
    fprintf(stderr, "usage: client_hostile_driver --url URL --scenario S "
                    "[--transport T] [--max-write-queue N] [--max-receive-queue N]\n");
    return 2;
  }
  alarm(60); /* a hang ends as a failure, never as a stuck test */
  uv_loop_init(&loop);
  uv_idle_init(&loop, &idle);
  uv_timer_init(&loop, &deadline);
  sio_client_opts_t *o = opts_from(mode, max_wq, max_rq);
  if (strcmp(scenario, "ackcancel") == 0) {
    sio_client_opts_set_reconnection(o, 1);
    sio_client_opts_set_reconnection_delay(o, 100, 100);
  }
  line("{\"event\":\"start\",\"scenario\":\"%s\"}", scenario);
  int rc = 0;
  if (strcmp(scenario, "simpleflood") == 0) {
    rc = scenario_simple(url, o);
  } else if ((rc = open_client(url, o)) == 0) {
    if (strcmp(scenario, "emitflood") == 0) {
      sio_client_socket_on_connect(sock, flood_on_connect, NULL);
    } else if (strcmp(scenario, "handlers") == 0) {
      sio_client_socket_on_connect(sock, handlers_on_connect, NULL);
      sio_client_socket_on_any(sock, h_any, NULL);
      sio_client_socket_on(sock, "e", h_a, NULL);
      sio_client_socket_on(sock, "e", h_b, NULL);
    } else if (strcmp(scenario, "ackcancel") == 0) {
      sio_client_socket_on_connect(sock, ackcancel_on_connect, NULL);
    } else if (strcmp(scenario, "probe2") == 0) {
      sio_client_socket_on_connect(sock, probe_on_connect, NULL);
      sio_client_socket_on(sock, "welcome", on_welcome, NULL);
    }
    sio_client_socket_connect(sock);
    if (strcmp(scenario, "probe2") == 0) {
      wait_for(&ended, 20000); /* welcome, or the session ended without it */
    } else if (strcmp(scenario, "ackcancel") == 0) {
      wait_for(&second_done, 20000);
      line("{\"event\":\"acks\",\"first\":\"%s\",\"second\":\"%s\"}", first_status,
           second_status);
    } else if (strcmp(scenario, "handlers") == 0) {
      wait_for(&handlers_done, 20000);
      line("{\"event\":\"handlers\",\"any\":%d,\"a\":%d,\"b\":%d,\"c\":%d}", calls_any,
           calls_a, calls_b, calls_c);
    } else {
      wait_for(&ended, 40000);
    }
    if (strcmp(scenario, "emitflood") == 0)
      line("{\"event\":\"emitted\",\"bytes\":%llu,\"last_rc\":\"%s\"}",
           (unsigned long long)emitted, emit_rc ? sio_err_name(emit_rc) : "ok");
    uv_idle_stop(&idle);
    sio_client_close(client, on_closed, NULL);
    wait_for(&closed, 5000);
  }
  sio_client_opts_free(o);
  uv_close((uv_handle_t *)&idle, NULL);
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  int lc = uv_loop_close(&loop);
  long growth = rss_at_open < 0 ? 0 : maxrss_kb() - rss_at_open;
  line("{\"result\":\"done\",\"rc\":\"%s\",\"loop_closed\":%s,\"rss_growth_kb\":%ld}",
       rc ? sio_err_name(rc) : "ok", lc == 0 ? "true" : "false", growth);
  return rc ? 1 : 0;
}
