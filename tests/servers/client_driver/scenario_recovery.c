/* Connection state recovery (against a conformance server started with
 * --recovery): the client asks for events to be sent later, to itself, to a
 * room it joined and to the whole namespace, then has the server close its
 * transport; it reconnects after those events were sent and must be
 * recovered (same id), get each missed event once and in order, and still
 * be in its room. */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "scenarios.h"

static void emit_later(sio_client_socket_t *s, const char *what, int delay,
                       const char *room, const char *event, int n) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, delay);
  if (room) sio_args_add_string(a, room);
  sio_args_add_string(a, event);
  if (n >= 0) sio_args_add_int(a, n);
  sio_client_socket_emit(s, what, a);
  sio_args_free(a);
}

/* The index of the first event named ev from since on, or -1. */
static int index_of(const sockstate_t *st, int since, const char *ev) {
  for (int i = since; i < st->events && i < SOCK_LOG_MAX; i++)
    if (strcmp(st->log_ev[i], ev) == 0) return i;
  return -1;
}

int scenario_recovery(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_client_opts_set_timeout(o, 2000);
  /* Back only after every event below was sent. */
  sio_client_opts_set_reconnection_delay(o, 800, 800);
  sio_client_opts_set_randomization(o, 0);
  static mgrstate_t m;
  static sockstate_t st;
  sio_client_socket_t *s;
  sio_client_t *c = new_watched_client(url, o, &m, &st, &s);
  if (!c) return 1;
  sio_client_socket_set_auth(s, "{\"token\":\"t\"}");
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  check("not recovered at first", !sio_client_socket_recovered(s), NULL);
  /* The first event gives the client an offset. */
  check("auth", wait_event(&st, 0, "auth", 3000) != 0, NULL);
  if (mode == SIO_TRANSPORT_POLLING_UPGRADE) wait_for(&m.upgrades, 3000);
  char id[64];
  snprintf(id, sizeof(id), "%s", sio_client_socket_id(s));
  ackres_t joined = {0};
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "r1");
  sio_client_socket_emit_with_ack(s, "join", a, 3000, on_ack, &joined);
  sio_args_free(a);
  check("joined", wait_for(&joined.done, 4000) && joined.status == 0, NULL);
  emit_later(s, "emit-later", 200, NULL, "e1", 1);
  emit_later(s, "room-later", 250, "r1", "e2", 2);
  emit_later(s, "broadcast-later", 300, NULL, "e3", 3);
  sio_client_socket_emit(s, "close-transport", NULL);
  check("transport closed", wait_for(&st.disconnects, 5000), st.disc_reason);
  int since = st.events;
  wait_count(&st.connected, 2, 8000);
  check("reconnected", st.connected == 2, NULL);
  check("recovered", sio_client_socket_recovered(s), NULL);
  const char *nid = sio_client_socket_id(s);
  check("same id", nid && strcmp(nid, id) == 0, nid);
  emit_later(s, "emit-later", 0, NULL, "done", -1);
  check("done", wait_event(&st, since, "done", 3000) != 0, NULL);
  /* The server's connection handler echoes the CONNECT payload: the private
   * id and offset first, then the application's auth. */
  int auth2 = wait_event(&st, since, "auth", 1000);
  check("recovery auth",
        auth2 && strncmp(st.last_args, "{\"pid\":\"", 8) == 0 &&
            strstr(st.last_args, ",\"offset\":\"") &&
            strstr(st.last_args, ",\"token\":\"t\"}"),
        st.last_args);
  int i1 = index_of(&st, since, "e1"), i2 = index_of(&st, since, "e2"),
      i3 = index_of(&st, since, "e3");
  char counts[64];
  snprintf(counts, sizeof(counts), "%d %d %d", count_events(&st, since, "e1"),
           count_events(&st, since, "e2"), count_events(&st, since, "e3"));
  check("missed events once", strcmp(counts, "1 1 1") == 0, counts);
  check("missed events in order", i1 >= 0 && i1 < i2 && i2 < i3, NULL);
  /* Its room came back. */
  int before = st.events;
  emit_later(s, "room-later", 0, "r1", "in-room", -1);
  check("still in its room", wait_event(&st, before, "in-room", 3000) != 0, NULL);
  close_client(c);
  return 0;
}
