/* Scenarios about the transports: packets batched over polling, and an
 * upgrade probe the server never answers. */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "scenarios.h"

#define BURST_EMITS 40

typedef struct {
  const sockstate_t *st;
  int since;
} burst_watch_t;

static int burst_over(void *arg) {
  const burst_watch_t *w = arg;
  return w->st->disconnects > 0 || count_events(w->st, w->since, "echo") >= BURST_EMITS;
}

/* Many emits at once over polling: the POST bodies must stay under the
 * server's maxPayload (the test starts it with a small one). */
int scenario_burst(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c = new_client(url, o);
  sio_client_opts_free(o);
  if (!c) return 1;
  static sockstate_t st;
  sio_client_socket_t *s = sio_client_socket(c, "/");
  watch(s, &st);
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  char big[1001];
  memset(big, 'x', 1000);
  big[1000] = 0;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, big);
  int n0 = st.events;
  for (int i = 0; i < BURST_EMITS; i++) sio_client_socket_emit(s, "echo", a);
  sio_args_free(a);
  burst_watch_t w = {&st, n0};
  wait_until(burst_over, &w, 8000);
  int count = count_events(&st, n0, "echo");
  check("every packet echoed", count == BURST_EMITS && st.disconnects == 0, NULL);
  close_client(c);
  return 0;
}

/* A server whose WebSocket never answers the upgrade probe: the client
 * gives the probe up after its open timeout (the test checks the server saw
 * the probe closed) and keeps the session on polling meanwhile. */
int scenario_probe(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_timeout(o, 800);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c = new_client(url, o);
  sio_client_opts_free(o);
  if (!c) return 1;
  static mgrstate_t m;
  watch_client(c, &m);
  sio_client_socket_connect(sio_client_socket(c, "/"));
  check("open", wait_for(&m.opens, 3000), NULL);
  pause_ms(2000);
  const char *tr = sio_client_transport(c);
  check("still open on polling",
        m.closes == 0 && m.upgrades == 0 && tr && strcmp(tr, "polling") == 0, tr);
  line("{\"event\":\"probe-done\"}");
  close_client(c);
  return 0;
}

/* A server sending binary attachments as "b<base64>" WebSocket text frames
 * (tests/interop/client_base64.test.mjs): the event "bin" arrives with the
 * bytes 01 02 03. */
int scenario_base64(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c = new_client(url, o);
  sio_client_opts_free(o);
  if (!c) return 1;
  static sockstate_t st;
  sio_client_socket_t *s = sio_client_socket(c, "/");
  watch(s, &st);
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), st.err_msg);
  check("bin event", wait_event(&st, 0, "bin", 3000), st.disc_reason);
  check("bin content",
        st.last_nbins == 1 && st.last_bin_len == 3 &&
            memcmp(st.last_bin, "\x01\x02\x03", 3) == 0,
        st.last_args);
  check("still connected", sio_client_socket_connected(s), st.disc_reason);
  close_client(c);
  return 0;
}
