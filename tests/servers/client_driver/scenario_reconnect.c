/* Scenarios where the server goes away: killed and restarted, frozen, or
 * misbehaving. The interop tests act on the server when the driver prints
 * an event line ("ready", "waiting", "dead"). */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "scenarios.h"

/* Connect, then the test kills the server and restarts it on the same port. */
int scenario_reconnect(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_timeout(o, 1000);
  sio_client_opts_set_reconnection_delay(o, 200, 500);
  static mgrstate_t m;
  static sockstate_t st;
  sio_client_socket_t *s;
  sio_client_t *c = new_watched_client(url, o, &m, &st, &s);
  if (!c) return 1;
  sio_client_socket_set_auth_cb(s, auth_cb, NULL);
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  int auth1 = wait_event(&st, 0, "auth", 3000);
  char auth1_args[512];
  snprintf(auth1_args, sizeof(auth1_args), "%s", st.last_args);
  check("server saw the first auth",
        auth1 && strcmp(auth1_args, "{\"token\":\"secret\",\"n\":1}") == 0, auth1_args);
  line("{\"event\":\"ready\"}");
  check("disconnect seen", wait_for(&st.disconnects, 8000), st.disc_reason);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "offline");
  check("offline emit buffered", sio_client_socket_emit(s, "echo", a) == 0, NULL);
  sio_args_free(a);
  line("{\"event\":\"waiting\"}");
  wait_count(&st.connected, 2, 15000);
  check("reconnected", st.connected >= 2, NULL);
  check("reconnect events", m.attempts >= 1 && m.reconnects == 1, NULL);
  check("auth recomputed", auth_calls >= 2, NULL);
  /* The server got the payload of the last call, not the first one. */
  char want[64];
  snprintf(want, sizeof(want), "{\"token\":\"secret\",\"n\":%d}", auth_calls);
  int auth2 = wait_event(&st, auth1, "auth", 3000);
  check("server saw the recomputed auth", auth2 && strcmp(st.last_args, want) == 0,
        st.last_args);
  int got = wait_event(&st, 0, "echo", 3000);
  check("offline emit delivered", got && strcmp(st.last_args, "\"offline\"") == 0,
        st.last_args);
  close_client(c);
  return 0;
}

/* A server that stops answering (the test freezes it with SIGSTOP once we
 * print "ready", and thaws it with SIGCONT once we print "dead"): no ping
 * within pingInterval + pingTimeout is a "ping timeout", then the client
 * reconnects by itself. */
int scenario_heartbeat(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_timeout(o, 1000);
  sio_client_opts_set_reconnection_delay(o, 200, 500);
  static mgrstate_t m;
  static sockstate_t st;
  sio_client_socket_t *s;
  sio_client_t *c = new_watched_client(url, o, &m, &st, &s);
  if (!c) return 1;
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  if (mode == SIO_TRANSPORT_POLLING_UPGRADE) wait_for(&m.upgrades, 3000);
  /* Some pings answered first: the session outlives pingInterval + pingTimeout. */
  char sid1[64];
  snprintf(sid1, sizeof(sid1), "%s", sio_client_sid(c) ? sio_client_sid(c) : "");
  pause_ms(800);
  check("pings answered",
        st.disconnects == 0 && sio_client_sid(c) && strcmp(sio_client_sid(c), sid1) == 0,
        NULL);
  line("{\"event\":\"ready\"}");
  wait_for(&st.disconnects, 8000);
  check("dead server detected", strcmp(st.disc_reason, "ping timeout") == 0,
        st.disc_reason);
  check("session closed by the watchdog",
        m.closes == 1 && strcmp(m.close_reason, "ping timeout") == 0, m.close_reason);
  line("{\"event\":\"dead\"}");
  wait_count(&st.connected, 2, 15000);
  check("reconnected", st.connected == 2 && m.reconnects == 1 && m.attempts >= 1, NULL);
  ackres_t r = {0};
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "after");
  sio_client_socket_emit_with_ack(s, "echo-ack", a, 3000, on_ack, &r);
  sio_args_free(a);
  wait_for(&r.done, 4000);
  check("works after the reconnection", r.status == 0 && strcmp(r.args, "\"after\"") == 0,
        r.args);
  close_client(c);
  return 0;
}

/* A misbehaving server: every outcome must be an error or a reconnection,
 * never a crash or a hang. */
typedef struct {
  const mgrstate_t *m;
  const sockstate_t *st;
} bad_watch_t;

/* The client gave up, or opened and lost the session three times (a server
 * that opens sessions and then misbehaves), or found the server's CONNECT
 * reply unusable (final, as a refusal). */
static int bad_server_over(void *arg) {
  const bad_watch_t *w = arg;
  return w->m->failed || w->m->opens >= 3 ||
         strcmp(w->st->err_msg, "invalid CONNECT reply") == 0;
}

int scenario_bad(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_timeout(o, 800);
  sio_client_opts_set_reconnection_delay(o, 100, 200);
  sio_client_opts_set_reconnection_attempts(o, 2);
  static mgrstate_t m;
  static sockstate_t st;
  sio_client_socket_t *s;
  sio_client_t *c = new_watched_client(url, o, &m, &st, &s);
  if (!c) return 1;
  sio_client_socket_connect(s);
  bad_watch_t w = {&m, &st};
  wait_until(bad_server_over, &w, 10000);
  int final = strcmp(st.err_msg, "invalid CONNECT reply") == 0;
  check("gave up, kept reconnecting, or refused",
        m.failed == 1 || m.opens >= 3 || (final && !sio_client_socket_connected(s)),
        NULL);
  check("errors or closes reported", m.errors + m.closes + st.connect_errors > 0, NULL);
  close_client(c);
  return 0;
}
