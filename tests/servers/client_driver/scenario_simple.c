/* The "simple" scenario: the blocking simple client (sio_simple_*), which
 * runs its own loop on a thread of its own. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "scenarios.h"

int scenario_simple(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
  sio_simple_t *sc = NULL;
  /* A refusal ends connect() at once with SIO_ECONNRESET. */
  int rc = sio_simple_connect(url, "/private", "{\"token\":\"nope\"}", o, 5000, &sc);
  check("simple connect refused", rc == SIO_ECONNRESET && sc == NULL, sio_strerror(rc));
  rc = sio_simple_connect(url, "/private", "{\"token\":\"secret\"}", o, 5000, &sc);
  check("simple connect with auth", rc == 0, sio_strerror(rc));
  if (rc == 0) sio_simple_disconnect(sc);
  rc = sio_simple_connect(url, "/", "{\"k\":1}", o, 5000, &sc);
  sio_client_opts_free(o);
  check("simple connect", rc == 0, sio_strerror(rc));
  if (rc) return 1;
  sio_simple_msg_t *msg = NULL;
  rc = sio_simple_receive(sc, 3000, &msg);
  check("simple receive auth",
        rc == 0 && strcmp(msg->event, "auth") == 0 &&
            strcmp(msg->args, "[{\"k\":1}]") == 0,
        msg ? msg->args : "");
  sio_simple_msg_free(msg);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "hi");
  sio_args_add_binary(a, "\x05", 1);
  sio_simple_msg_t *reply = NULL;
  rc = sio_simple_call(sc, "echo-ack", a, 3000, &reply);
  check("simple call",
        rc == 0 && reply && reply->nbins == 1 && reply->bins[0].len == 1 &&
            strncmp(reply->args, "[\"hi\",", 6) == 0,
        reply ? reply->args : sio_strerror(rc));
  sio_simple_msg_free(reply);
  /* Idle longer than pingInterval + pingTimeout (the tests run the servers
   * with 300 + 200 ms): the simple client's own thread keeps the session. */
  char sid1[64] = "", sid2[64] = "";
  int r1 = sio_simple_sid(sc, sid1, sizeof(sid1));
  usleep(1200 * 1000);
  check("simple idle stays connected", sio_simple_connected(sc) == 1, NULL);
  reply = NULL;
  rc = sio_simple_call(sc, "echo-ack", a, 3000, &reply);
  int r2 = sio_simple_sid(sc, sid2, sizeof(sid2));
  char detail[200];
  snprintf(detail, sizeof(detail), "rc %d sid %s -> %s", rc, sid1, sid2);
  check("simple call after idle, same session",
        rc == 0 && r1 == 0 && r2 == 0 && sid1[0] && strcmp(sid1, sid2) == 0 &&
            sio_simple_dropped(sc) == 0,
        detail);
  sio_simple_msg_free(reply);
  rc = sio_simple_emit(sc, "echo", a);
  msg = NULL;
  if (rc == 0) rc = sio_simple_receive(sc, 3000, &msg);
  check("simple emit+receive", rc == 0 && strcmp(msg->event, "echo") == 0, NULL);
  sio_simple_msg_free(msg);
  rc = sio_simple_call(sc, "no-such-event", NULL, 200, &reply);
  check("simple call timeout", rc == SIO_ETIMEDOUT, sio_strerror(rc));
  /* Nothing else is due (but `left` from other clients of the same server). */
  int other = 0;
  while ((rc = sio_simple_receive(sc, 100, &msg)) == 0) {
    if (strcmp(msg->event, "left") != 0) other++;
    sio_simple_msg_free(msg);
  }
  check("simple receive timeout", rc == SIO_ETIMEDOUT && other == 0, NULL);
  sio_args_free(a);
  sio_simple_disconnect(sc);
  check("simple disconnect", 1, NULL);
  return 0;
}
