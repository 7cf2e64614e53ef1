/* sio_cluster_server: a Socket.IO server on the Redis adapter, for the
 * cluster interop tests (tests/interop/redis_*.test.mjs). The same event
 * contract as tests/interop/ref/sio_cluster_ref_server.mjs (Node), so C and
 * Node servers are interchangeable in a test.
 *
 *   sio_cluster_server --port N [--redis URL] --name NAME [--key PREFIX]
 *                      [--request-timeout MS] [--streams [--stream NAME]]
 *                      [--max-queued BYTES] [--recovery] [--workers N]
 *                      [--max-conns-per-ip N]
 * --streams: the Redis Streams adapter (sio/redis_streams.h) instead of the
 * classic one, on stream NAME (default socket.io)
 * (tests/interop/redis_streams.test.mjs); --max-queued bounds its outage
 * queue. --recovery: connection state recovery with Node's defaults.
 * --max-conns-per-ip N: the HTTP server's per-IP connection cap
 * (tests/interop/workers.test.mjs: one count across the workers).
 * Prints "listening on 127.0.0.1:PORT"; SIGTERM/SIGINT close it (exit 0
 * only if uv_loop_close() == 0).
 *
 * Namespaces "/", "/chat" and the dynamic children of "/dyn-*", client
 * events (each acks):
 *   join room / leave room        ack [rooms]
 *   rooms                          ack [rooms]
 *   to-rooms opts ev ...args       opts {"to","except","sender","volatile",
 *                                  "local"}; ack the local recipient count
 *   broadcast-ack ms ev ...args    timeout(ms) emit with acks to all but the
 *                                  sender; ack {"err","replies"}
 *   fetch room                     ack [{"id","rooms","local","handshake","data"}]
 *   set-data json                  the socket's shared data; ack "ok"
 *   sockets-join room new / sockets-leave room old   ack local count
 *   disconnect-sockets room close  ack "ok" first
 *   server-side ev ...args         serverSideEmit; ack "ok"
 *   server-side-ack ms ev ...args  serverSideEmit with ack; ack {"err","replies"}
 *   server-count                   ack the number of servers
 *   worker                         ack the number of the handler's thread
 *                                  (tests/interop/workers*.test.mjs)
 *   echo-ack ...args               ack the same args
 * Server-side events from other servers are emitted to every local socket
 * of the namespace as `server-side` [ev, ...args], and answered (when asked)
 * with {"from": NAME, "event": ev}. The handlers it shares with the other
 * test servers are in tests/servers/shared/test_handlers.c. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/redis.h"
#include "sio/redis_streams.h"
#include "test_handlers.h"

static struct {
  uv_loop_t loop;
  sio_server_t *srv;
  const char *name;
} app;

/* ---- helpers ---- */

/* The first argument of a reply as JSON (binary as {"binary":[bytes]}). */
static json_t *first_arg(const sio_argv_t *av) {
  return av && sio_argv_count(av) ? arg_json(av, 0) : json_null();
}

static void replies_done(int status, size_t count, const sio_argv_t *const *replies,
                         void *arg) {
  json_t *list = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(list, first_arg(replies[i]));
  ack_json(arg,
           json_pack("{s:o,s:o}", "err", status ? json_string("timeout") : json_null(),
                     "replies", list));
}

/* ---- events ---- */

static void on_broadcast_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                             sio_ack_t *ack, void *arg) {
  (void)ev, (void)arg;
  int64_t ms = 1000;
  sio_argv_int64(av, 0, &ms);
  sio_args_t *a = args_from(av, 2);
  sio_ack_hold(ack);
  sio_broadcast_t *b = sio_broadcast_timeout(sio_socket_broadcast(sock), (uint32_t)ms);
  int rc = sio_broadcast_emit_with_ack(b, str_arg(av, 1), a, replies_done, ack);
  sio_args_free(a);
  if (rc < 0) ack_json(ack, json_pack("{s:s}", "err", sio_strerror(rc)));
}

static void fetched(int status, size_t count, sio_remote_socket_t *const *socks,
                    void *arg) {
  (void)status;
  json_t *list = json_array();
  for (size_t i = 0; i < count; i++) {
    json_t *rooms = json_array();
    for (size_t k = 0; k < sio_remote_socket_rooms_count(socks[i]); k++)
      json_array_append_new(rooms, json_string(sio_remote_socket_room(socks[i], k)));
    sio_socket_t *local = sio_remote_socket_local(socks[i]);
    json_error_t err;
    json_t *hs = NULL, *data = NULL;
    if (local) {
      char *text = sio_socket_handshake_json(local);
      hs = text ? json_loads(text, 0, &err) : NULL;
      sio_free(text);
      const char *d = sio_socket_shared_data(local);
      data = d ? json_loads(d, JSON_DECODE_ANY, &err) : NULL;
    } else {
      const char *h = sio_remote_socket_handshake_json(socks[i]);
      const char *d = sio_remote_socket_data_json(socks[i]);
      hs = h ? json_loads(h, JSON_DECODE_ANY, &err) : NULL;
      data = d ? json_loads(d, JSON_DECODE_ANY, &err) : NULL;
    }
    json_array_append_new(
        list, json_pack("{s:s,s:o,s:b,s:o,s:o}", "id", sio_remote_socket_id(socks[i]),
                        "rooms", rooms, "local", local != NULL, "handshake",
                        hs ? hs : json_null(), "data", data ? data : json_null()));
  }
  ack_json(arg, list);
}

/* fetch room (the other server-wide operations are on_sockets_op). */
static void on_fetch(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)ev, (void)arg;
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  if (*str_arg(av, 0)) b = sio_broadcast_to(b, str_arg(av, 0));
  sio_ack_hold(ack);
  int rc = sio_broadcast_fetch_sockets(b, fetched, ack);
  if (rc < 0) ack_json(ack, json_integer(rc));
}

static void on_set_data(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                        sio_ack_t *ack, void *arg) {
  (void)ev, (void)arg;
  sio_buf_t raw;
  int rc = sio_argv_raw(av, 0, &raw);
  char *text = rc ? NULL : strndup((const char *)raw.base, raw.len);
  rc = text ? sio_socket_set_shared_data(sock, text) : SIO_EINVAL;
  free(text);
  ack_json(ack, json_string(rc ? sio_strerror(rc) : "ok"));
}

static void on_server_side_emit(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                                sio_ack_t *ack, void *arg) {
  (void)arg;
  sio_namespace_t *nsp = sio_socket_namespace(sock);
  int rc;
  if (strcmp(ev, "server-side") == 0) {
    sio_args_t *a = args_from(av, 1);
    rc = sio_namespace_server_side_emit(nsp, str_arg(av, 0), a);
    sio_args_free(a);
    ack_json(ack, json_string(rc ? sio_strerror(rc) : "ok"));
    return;
  }
  int64_t ms = 1000;
  sio_argv_int64(av, 0, &ms);
  sio_args_t *a = args_from(av, 2);
  sio_ack_hold(ack);
  rc = sio_namespace_server_side_emit_with_ack(nsp, str_arg(av, 1), a, (uint32_t)ms,
                                               replies_done, ack);
  sio_args_free(a);
  if (rc < 0) ack_json(ack, json_pack("{s:s}", "err", sio_strerror(rc)));
}

static void counted(int status, size_t count, void *arg) {
  (void)status;
  ack_json(arg, json_integer((json_int_t)count));
}

static void on_server_count(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                            sio_ack_t *ack, void *arg) {
  (void)ev, (void)av, (void)arg;
  sio_ack_hold(ack);
  if (sio_namespace_server_count(sio_socket_namespace(sock), counted, ack) < 0)
    ack_json(ack, json_integer(-1));
}

/* Another server's serverSideEmit: tell the local clients, answer if asked. */
static void on_server_side(sio_namespace_t *nsp, const char *event, const sio_argv_t *av,
                           sio_ack_t *ack, void *arg) {
  (void)arg;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, event);
  sio_args_add_argv(a, av);
  sio_broadcast_emit(sio_broadcast_local(sio_namespace_broadcast(nsp)), "server-side", a);
  sio_args_free(a);
  if (ack) ack_json(ack, json_pack("{s:s,s:s}", "from", app.name, "event", event));
}

static void setup(sio_namespace_t *nsp) {
  static const char *rooms[] = {"join", "leave", "rooms"};
  static const char *ops[] = {"sockets-join", "sockets-leave", "disconnect-sockets"};
  for (size_t i = 0; i < 3; i++) sio_namespace_on(nsp, rooms[i], on_rooms, NULL);
  for (size_t i = 0; i < 3; i++) sio_namespace_on(nsp, ops[i], on_sockets_op, NULL);
  sio_namespace_on(nsp, "fetch", on_fetch, NULL);
  sio_namespace_on(nsp, "to-rooms", on_to_rooms, NULL);
  sio_namespace_on(nsp, "broadcast-ack", on_broadcast_ack, NULL);
  sio_namespace_on(nsp, "set-data", on_set_data, NULL);
  sio_namespace_on(nsp, "server-side", on_server_side_emit, NULL);
  sio_namespace_on(nsp, "server-side-ack", on_server_side_emit, NULL);
  sio_namespace_on(nsp, "server-count", on_server_count, NULL);
  sio_namespace_on(nsp, "worker", on_worker, NULL);
  sio_namespace_on(nsp, "echo-ack", on_echo_ack, NULL);
  sio_namespace_on_server_side(nsp, on_server_side, NULL);
}

/* ---- main ---- */

int main(int argc, char **argv) {
  unsigned workers = 1; /* --workers N (a cluster adapter is refused then) */
  int port = 0;
  const char *url = NULL, *key = NULL;
  uint32_t request_timeout = 0;
  int streams = 0, recovery = 0;
  const char *stream = NULL;
  long max_queued = -1, max_conns_per_ip = -1;
  app.name = "C";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--redis") == 0 && i + 1 < argc)
      url = argv[++i];
    else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
      app.name = argv[++i];
    else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
      key = argv[++i];
    else if (strcmp(argv[i], "--request-timeout") == 0 && i + 1 < argc)
      request_timeout = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--streams") == 0)
      streams = 1;
    else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc)
      stream = argv[++i];
    else if (strcmp(argv[i], "--max-queued") == 0 && i + 1 < argc)
      max_queued = atol(argv[++i]);
    else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
      workers = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--recovery") == 0)
      recovery = 1;
    else if (strcmp(argv[i], "--max-conns-per-ip") == 0 && i + 1 < argc)
      max_conns_per_ip = atol(argv[++i]);
    else {
      fprintf(stderr, "usage: sio_cluster_server [--port N] [--redis URL] [--name NAME] "
                      "[--key PREFIX] [--request-timeout MS] [--streams [--stream NAME]] "
                      "[--max-queued BYTES] [--recovery] [--workers N] "
                      "[--max-conns-per-ip N]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (uv_loop_init(&app.loop)) return 1;
  sio_server_opts_t *o = sio_server_opts_new();
  sio_http_opts_set_cors_origins(sio_server_opts_http(o), "*");
  if (recovery) sio_server_opts_set_recovery(o, 0, 1);
  if (max_conns_per_ip >= 0)
    sio_http_opts_set_max_connections_per_ip(sio_server_opts_http(o),
                                             (size_t)max_conns_per_ip);
  sio_server_opts_set_workers(o, workers);
  int rc = sio_server_new(&app.loop, o, &app.srv);
  sio_server_opts_free(o);
  sio_redis_opts_t *ro = sio_redis_opts_new();
  if (rc == 0 && url) rc = sio_redis_opts_set_url(ro, url);
  if (rc == 0 && key) rc = sio_redis_opts_set_key(ro, key);
  if (request_timeout) sio_redis_opts_set_request_timeout(ro, request_timeout);
  if (rc == 0) {
    setup(sio_server_of(app.srv, "/"));
    setup(sio_server_of(app.srv, "/chat"));
    setup(sio_server_of_pattern(app.srv, "/dyn-*"));
    sio_redis_streams_opts_t *so = sio_redis_streams_opts_new();
    if (!so) rc = SIO_ENOMEM;
    if (rc == 0 && stream) rc = sio_redis_streams_opts_set_stream(so, stream);
    if (so && max_queued >= 0)
      sio_redis_streams_opts_set_max_queued(so, (size_t)max_queued);
    /* Without --redis: no adapter, a server alone (tests/interop/workers.test.mjs). */
    if (rc == 0 && url)
      rc = streams ? sio_redis_streams_attach(app.srv, ro, so)
                   : sio_redis_adapter_attach(app.srv, ro);
    sio_redis_streams_opts_free(so);
  }
  sio_redis_opts_free(ro);
  if (rc == 0) rc = sio_server_listen(app.srv, "127.0.0.1", port);
  if (rc) {
    fprintf(stderr, "sio_cluster_server: %s\n", sio_strerror(rc));
    return 1;
  }
  return serve_until_signal(&app.loop, app.srv, "sio_cluster_server");
}
