/* A server instrumented for the Admin UI (libsio-admin), for
 * tests/interop/admin.test.mjs, which plays the UI against it:
 *
 *   admin_test_server [--port N] (--auth USER:PASSWORD | --no-auth) [--readonly]
 *                     [--production] [--server-id ID] [--interval MS] [--redis URL]
 *
 * --auth hashes PASSWORD with bcrypt at start (sio_admin_hash_password, cost
 * 4 to keep the tests fast). Namespaces "/" and "/chat" answer "join" and
 * "leave" (a room name, acknowledged with the socket's rooms) and "echo"
 * (sent back as "echo"). SIGINT/SIGTERM close the server, then the
 * instrumentation, and exit 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/admin.h"
#include "sio/redis.h"

static struct {
  uv_loop_t loop;
  sio_server_t *srv;
  sio_admin_t *admin;
  uv_signal_t sigint, sigterm;
  int stopping;
} app;

static void ack_rooms(sio_socket_t *sock, sio_ack_t *ack) {
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  size_t n = sio_socket_rooms_count(sock);
  char buf[1024] = "[";
  size_t len = 1;
  for (size_t i = 0; i < n && len < sizeof buf - 64; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"%s\"", i ? "," : "",
                            sio_socket_room(sock, i));
  snprintf(buf + len, sizeof buf - len, "]");
  sio_args_add_raw(a, buf, strlen(buf));
  sio_ack_send(ack, a);
  sio_args_free(a);
}

static void on_room(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  const char *room = sio_argv_string(av, 0, NULL);
  if (room && strcmp(ev, "join") == 0) sio_socket_join(sock, room);
  if (room && strcmp(ev, "leave") == 0) sio_socket_leave(sock, room);
  ack_rooms(sock, ack);
}

static void on_echo(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  sio_args_t *a = sio_args_new();
  sio_args_add_argv(a, av);
  sio_socket_emit(sock, "echo", a);
  sio_args_free(a);
}

static void setup(sio_namespace_t *nsp) {
  sio_namespace_on(nsp, "join", on_room, NULL);
  sio_namespace_on(nsp, "leave", on_room, NULL);
  sio_namespace_on(nsp, "echo", on_echo, NULL);
}

static void on_closed(sio_server_t *s, void *arg) {
  sio_admin_free(app.admin);
  app.admin = NULL;
  uv_close((uv_handle_t *)&app.sigint, NULL);
  uv_close((uv_handle_t *)&app.sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
  if (app.stopping) return;
  app.stopping = 1;
  sio_server_close(app.srv, on_closed, NULL);
}

int main(int argc, char **argv) {
  unsigned workers = 1;
  int port = 0;
  const char *auth = NULL, *server_id = NULL, *redis = NULL;
  int no_auth = 0, readonly = 0, production = 0;
  uint32_t interval = 0;
  for (int i = 1; i < argc; i++) {
    int has = i + 1 < argc;
    if (strcmp(argv[i], "--port") == 0 && has)
      port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--auth") == 0 && has)
      auth = argv[++i];
    else if (strcmp(argv[i], "--no-auth") == 0)
      no_auth = 1;
    else if (strcmp(argv[i], "--readonly") == 0)
      readonly = 1;
    else if (strcmp(argv[i], "--production") == 0)
      production = 1;
    else if (strcmp(argv[i], "--server-id") == 0 && has)
      server_id = argv[++i];
    else if (strcmp(argv[i], "--interval") == 0 && has)
      interval = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--redis") == 0 && has)
      redis = argv[++i];
    else if (strcmp(argv[i], "--workers") == 0 && has)
      workers = (unsigned)atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: admin_test_server [--port N] (--auth USER:PASSWORD | "
                      "--no-auth) [--readonly] [--production] [--server-id ID] "
                      "[--interval MS] [--redis URL] [--workers N]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (uv_loop_init(&app.loop)) return 1;
  /* --workers N: one admin instance per worker, each reporting as
   * "<server id>#<worker>" (sio/admin.h). */
  sio_server_opts_t *so = sio_server_opts_new();
  int rc = so ? sio_server_opts_set_workers(so, workers) : SIO_ENOMEM;
  if (rc == 0) rc = sio_server_new(&app.loop, so, &app.srv);
  sio_server_opts_free(so);
  if (rc == 0 && redis) {
    sio_redis_opts_t *ro = sio_redis_opts_new();
    rc = ro ? sio_redis_opts_set_url(ro, redis) : SIO_ENOMEM;
    if (rc == 0) rc = sio_redis_adapter_attach(app.srv, ro);
    sio_redis_opts_free(ro);
  }
  if (rc == 0) {
    setup(sio_server_of(app.srv, "/"));
    setup(sio_server_of(app.srv, "/chat"));
  }
  sio_admin_opts_t *ao = sio_admin_opts_new();
  if (rc == 0 && !ao) rc = SIO_ENOMEM;
  if (rc == 0 && auth) {
    const char *colon = strchr(auth, ':');
    char user[256], hash[128];
    if (!colon || (size_t)(colon - auth) >= sizeof user) {
      rc = SIO_EINVAL;
    } else {
      memcpy(user, auth, (size_t)(colon - auth));
      user[colon - auth] = '\0';
      rc = sio_admin_hash_password(colon + 1, 4, hash, sizeof hash);
      if (rc == 0) rc = sio_admin_opts_set_auth(ao, user, hash);
    }
  } else if (rc == 0 && no_auth) {
    sio_admin_opts_set_no_auth(ao);
  }
  if (rc == 0) {
    sio_admin_opts_set_readonly(ao, readonly);
    sio_admin_opts_set_development(ao, !production);
    if (interval) sio_admin_opts_set_stats_interval(ao, interval);
    if (server_id) rc = sio_admin_opts_set_server_id(ao, server_id);
  }
  if (rc == 0) rc = sio_admin_attach(app.srv, ao, &app.admin);
  sio_admin_opts_free(ao);
  if (rc == 0) rc = sio_server_listen(app.srv, "127.0.0.1", port);
  if (rc) {
    fprintf(stderr, "admin_test_server: %s\n", sio_strerror(rc));
    return 1;
  }
  uv_signal_init(&app.loop, &app.sigint);
  uv_signal_init(&app.loop, &app.sigterm);
  uv_signal_start(&app.sigint, on_signal, SIGINT);
  uv_signal_start(&app.sigterm, on_signal, SIGTERM);
  printf("listening on 127.0.0.1:%d\n", sio_server_port(app.srv));
  fflush(stdout);
  uv_run(&app.loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(&app.loop);
  if (rc) {
    fprintf(stderr, "admin_test_server: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  return 0;
}
