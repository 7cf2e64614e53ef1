/* client_test_server: our Socket.IO server with the events the C client's
 * tests use (tests/interop/client*.test.mjs, driven by client_driver.c),
 * the exact counterpart of the Node reference server
 * tests/interop/ref/sio_ref_server.mjs: both answer the same events with the
 * same bytes, so one driver scenario runs against either.
 *
 *   on connection      emits `auth` with the CONNECT payload
 *   echo ...args       emits `echo` with the same args
 *   echo-ack ...args   acknowledges with the same args
 *   make-binary        acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
 *   server-ack ms ev ...args  emits ev with an ack to the sender (timeout ms)
 *                      and acks {"err":null|"timeout","reply":[...]} (binary
 *                      values of the reply kept binary)
 *   ack-later ms ...args      acks with the same args after ms
 *   disconnect-me      the server disconnects the socket
 *   handshake          acks {"query": the `foo` query parameter, "header": X-Test}
 *   whoami             acks {"eio": the Engine.IO session id, "transport":
 *                      "polling"|"websocket", "url": the handshake request
 *                      target, "nsp": the namespace}
 * "/private": refused unless auth.token == "secret" ("not authorized",
 * data {"code":42}). "/custom": same events as "/". Other names: "Invalid
 * namespace".
 *
 * Usage: client_test_server [--port N] [--path P] [--ping-interval MS]
 *                           [--ping-timeout MS] [--max-payload BYTES]
 * Prints "listening on 127.0.0.1:PORT"; SIGTERM or SIGINT closes it (exit 0
 * only if the loop closed cleanly). The handlers it shares with the other
 * test servers are in tests/servers/shared/test_handlers.c. */
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

/* {"err":null|"timeout","reply":[<the client's reply, binaries kept>]} */
static void server_ack_done(sio_socket_t *sock, int status, const sio_argv_t *reply,
                            void *arg) {
  (void)sock;
  sio_ack_t *ack = arg;
  sio_buf_t raw = {(const uint8_t *)"", 0};
  if (reply) sio_argv_raw_all(reply, &raw);
  size_t nb = reply ? sio_argv_attachments_count(reply) : 0;
  sio_buf_t bins[16];
  if (nb > 16) nb = 16;
  for (size_t i = 0; i < nb; i++) sio_argv_attachment(reply, i, &bins[i]);
  char *json = malloc(raw.len + 64);
  sio_args_t *a = sio_args_new();
  if (json && a) {
    int n = snprintf(json, 64, "{\"err\":%s,\"reply\":[",
                     status == SIO_ETIMEDOUT ? "\"timeout\""
                     : status                ? "\"canceled\""
                                             : "null");
    memcpy(json + n, raw.base, raw.len);
    memcpy(json + n + raw.len, "]}", 2);
    sio_args_add_raw_binary(a, json, (size_t)n + raw.len + 2, bins, nb);
  }
  sio_ack_send(ack, a);
  sio_args_free(a);
  free(json);
}

static void on_server_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                          sio_ack_t *ack, void *arg) {
  (void)ev, (void)arg;
  int64_t ms = 0;
  sio_argv_int64(av, 0, &ms);
  const char *name = sio_argv_string(av, 1, NULL);
  if (!ack) return;
  sio_args_t *a = args_from(av, 2);
  sio_ack_hold(ack);
  int rc = sio_socket_emit_with_ack(sock, name ? name : "", a, (uint32_t)ms,
                                    server_ack_done, ack);
  sio_args_free(a);
  if (rc < 0) ack_json(ack, json_pack("{s:s}", "err", sio_err_name(rc)));
}

typedef struct {
  uv_timer_t t;
  sio_ack_t *ack;
  sio_args_t *args;
} later_t;

static void later_closed(uv_handle_t *h) {
  later_t *l = h->data;
  sio_args_free(l->args);
  free(l);
}

static void later_fire(uv_timer_t *t) {
  later_t *l = t->data;
  sio_ack_send(l->ack, l->args); /* SIO_ENOTCONN if the client left: nothing sent */
  uv_close((uv_handle_t *)t, later_closed);
}

static void on_ack_later(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                         sio_ack_t *ack, void *arg) {
  (void)sock, (void)ev, (void)arg;
  int64_t ms = 0;
  sio_argv_int64(av, 0, &ms);
  later_t *l = ack ? calloc(1, sizeof(*l)) : NULL;
  if (!l) return;
  l->ack = sio_ack_hold(ack);
  l->args = args_from(av, 1);
  uv_timer_init(&loop, &l->t);
  l->t.data = l;
  uv_timer_start(&l->t, later_fire, ms > 0 ? (uint64_t)ms : 0, 0);
}

static void on_misc(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)av, (void)arg;
  if (strcmp(ev, "disconnect-me") == 0) {
    sio_socket_disconnect(sock, 0);
  } else if (strcmp(ev, "handshake") == 0) {
    char q[256];
    int ql = sio_socket_query_get(sock, "foo", q, sizeof(q));
    size_t hl = 0;
    const char *h = sio_socket_header(sock, "x-test", &hl);
    ack_json(ack, json_pack("{s:s?,s:s%}", "query", ql >= 0 ? q : NULL, "header",
                            h ? h : "", h ? hl : (size_t)0));
  } else if (strcmp(ev, "whoami") == 0) {
    sio_eio_socket_t *e = sio_socket_eio(sock);
    const char *tr = sio_socket_transport(sock);
    size_t ul = 0;
    const char *url = sio_socket_url(sock, &ul);
    ack_json(ack, json_pack("{s:s,s:s,s:s%,s:s}", "eio", e ? sio_eio_socket_id(e) : "",
                            "transport", tr ? tr : "", "url", url ? url : "",
                            url ? ul : (size_t)0, "nsp",
                            sio_namespace_name(sio_socket_namespace(sock))));
  }
}

static void setup(sio_namespace_t *nsp) {
  static const char *misc[] = {"disconnect-me", "handshake", "whoami"};
  sio_namespace_on_connection(nsp, emit_auth, NULL);
  on_relay_events(nsp);
  sio_namespace_on(nsp, "server-ack", on_server_ack, NULL);
  sio_namespace_on(nsp, "ack-later", on_ack_later, NULL);
  for (size_t i = 0; i < sizeof(misc) / sizeof(*misc); i++)
    sio_namespace_on(nsp, misc[i], on_misc, NULL);
}

int main(int argc, char **argv) {
  int port = 0;
  const char *path = NULL;
  long ping_interval = 25000, ping_timeout = 20000, max_payload = -1;
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v && strcmp(argv[i], "--port") == 0)
      port = atoi(v);
    else if (v && strcmp(argv[i], "--path") == 0)
      path = v;
    else if (v && strcmp(argv[i], "--ping-interval") == 0)
      ping_interval = atol(v);
    else if (v && strcmp(argv[i], "--ping-timeout") == 0)
      ping_timeout = atol(v);
    else if (v && strcmp(argv[i], "--max-payload") == 0)
      max_payload = atol(v);
    else {
      fprintf(stderr,
              "usage: client_test_server [--port N] [--path P] [--ping-interval MS] "
              "[--ping-timeout MS] [--max-payload BYTES]\n");
      return 2;
    }
    i++;
  }
  signal(SIGPIPE, SIG_IGN);
  if (uv_loop_init(&loop)) return 1;
  sio_server_opts_t *o = sio_server_opts_new();
  sio_http_opts_set_cors_origins(sio_server_opts_http(o), "*");
  sio_eio_opts_set_ping_interval(sio_server_opts_eio(o), (uint32_t)ping_interval);
  sio_eio_opts_set_ping_timeout(sio_server_opts_eio(o), (uint32_t)ping_timeout);
  if (max_payload > 0)
    sio_eio_opts_set_max_http_buffer_size(sio_server_opts_eio(o), (size_t)max_payload);
  int rc = path ? sio_server_opts_set_path(o, path) : 0;
  if (rc == 0) rc = sio_server_new(&loop, o, &srv);
  sio_server_opts_free(o);
  if (rc == 0) rc = sio_server_listen(srv, "127.0.0.1", port);
  if (rc) {
    fprintf(stderr, "client_test_server: %s\n", sio_strerror(rc));
    return 1;
  }
  setup(sio_server_of(srv, "/"));
  setup(sio_server_of(srv, "/custom"));
  sio_namespace_t *priv = sio_server_of(srv, "/private");
  sio_namespace_use(priv, private_mw, NULL);
  setup(priv);
  return serve_until_signal(&loop, srv, "client_test_server");
}
