/* sio_eio3_server: the Socket.IO server of tests/interop/sio_eio3.test.mjs,
 * which runs socket.io-client 2.5 (Engine.IO v3) and 4.8 against it and
 * against its Node counterpart tests/interop/ref/sio_eio3_ref.mjs. Prints
 * "listening on 127.0.0.1:PORT"; SIGTERM or SIGINT closes it cleanly.
 *
 * Namespaces "/", "/chat" and "/private" (refused unless auth.token ==
 * "secret", message "not authorized", data {"code":42}) and "/guarded"
 * (refused unless auth.pass == "1", message "not allowed", no data):
 *   on connection         emits `auth` with the auth object
 *   echo ...args          emits `echo` with the same args
 *   echo-ack ...args      acknowledges with the same args
 *   make-binary           acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
 *   join room             joins room; acks the socket's rooms
 *   to-rooms sel ev ...args      broadcasts (tests/servers/shared); acks
 *   whoami                acks {"protocol": 3|4, "transport": ...}
 * --allow-eio3: Engine.IO v3 clients are accepted (refused otherwise, as by
 * the reference). --ping-interval MS, --ping-timeout MS. --workers N: one
 * server over N worker threads (tests/interop/lib/spawn.mjs). */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/eio.h"
#include "sio/server.h"
#include "test_handlers.h"

static uv_loop_t loop;
static sio_server_t *srv;

static void on_whoami(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                      sio_ack_t *ack, void *arg) {
  (void)ev, (void)av, (void)arg;
  sio_eio_socket_t *e = sio_socket_eio(sock);
  ack_json(ack, json_pack("{s:i,s:s}", "protocol", e ? sio_eio_socket_protocol(e) : 0,
                          "transport", e ? sio_eio_socket_transport(e) : ""));
}

static void guarded_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  json_t *auth = sio_socket_auth_json(sock);
  const char *pass = json_string_value(json_object_get(auth, "pass"));
  sio_next(next, pass && strcmp(pass, "1") == 0 ? NULL : "not allowed", NULL);
  json_decref(auth);
}

static void setup(sio_namespace_t *nsp) {
  sio_namespace_on_connection(nsp, emit_auth, NULL);
  on_relay_events(nsp);
  sio_namespace_on(nsp, "join", on_rooms, NULL);
  sio_namespace_on(nsp, "to-rooms", on_to_rooms, NULL);
  sio_namespace_on(nsp, "whoami", on_whoami, NULL);
}

int main(int argc, char **argv) {
  unsigned workers = 1; /* --workers N */
  int port = 0, allow_eio3 = 0;
  long ping_interval = 25000, ping_timeout = 20000;
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(argv[i], "--allow-eio3") == 0) {
      allow_eio3 = 1;
      continue;
    }
    if (v && strcmp(argv[i], "--port") == 0)
      port = atoi(v);
    else if (v && strcmp(argv[i], "--ping-interval") == 0)
      ping_interval = atol(v);
    else if (v && strcmp(argv[i], "--ping-timeout") == 0)
      ping_timeout = atol(v);
    else if (v && strcmp(argv[i], "--workers") == 0)
      workers = (unsigned)atoi(v);
    else {
      fprintf(stderr,
              "usage: sio_eio3_server [--port N] [--allow-eio3] [--ping-interval MS] "
              "[--ping-timeout MS] [--workers N]\n");
      return 2;
    }
    i++;
  }
  signal(SIGPIPE, SIG_IGN);
  if (uv_loop_init(&loop)) return 1;
  sio_server_opts_t *o = sio_server_opts_new();
  if (!o) return 1;
  sio_http_opts_set_cors_origins(sio_server_opts_http(o), "*");
  sio_eio_opts_t *eo = sio_server_opts_eio(o);
  sio_eio_opts_set_ping_interval(eo, (uint32_t)ping_interval);
  sio_eio_opts_set_ping_timeout(eo, (uint32_t)ping_timeout);
  sio_eio_opts_set_allow_eio3(eo, allow_eio3);
  sio_server_opts_set_workers(o, workers);
  int rc = sio_server_new(&loop, o, &srv);
  sio_server_opts_free(o);
  if (rc == 0) rc = sio_server_listen(srv, "127.0.0.1", port);
  if (rc) {
    fprintf(stderr, "sio_eio3_server: %s\n", sio_strerror(rc));
    return 1;
  }
  setup(sio_server_of(srv, "/"));
  setup(sio_server_of(srv, "/chat"));
  sio_namespace_t *priv = sio_server_of(srv, "/private");
  sio_namespace_use(priv, private_mw, NULL);
  setup(priv);
  sio_namespace_t *guarded = sio_server_of(srv, "/guarded");
  sio_namespace_use(guarded, guarded_mw, NULL);
  setup(guarded);
  return serve_until_signal(&loop, srv, "sio_eio3_server");
}
