/* The Socket.IO server of tests/interop/ws_deflate.test.mjs's per-emit and
 * broadcast scenarios: permessage-deflate on (threshold 1024) unless
 * --no-deflate, pingInterval 25 s; --workers N: one server over N worker
 * threads.
 *   "echo"        -> emits "echo" back with the same arguments
 *   "echo-plain"  -> the same with SIO_EMIT_NO_COMPRESS
 *   "bcast"       -> broadcasts "bcast" with the arguments to the namespace
 *   "bcast-plain" -> the same with sio_broadcast_compress(b, 0)
 * Prints "listening on 127.0.0.1:PORT"; SIGTERM stops it cleanly. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/eio.h"
#include "sio/server.h"

static sio_server_t *g_srv;
static uv_signal_t g_sig;

static sio_args_t *copy_args(const sio_argv_t *av) {
  sio_args_t *a = sio_args_new();
  if (a && sio_args_add_argv(a, av) != 0) {
    sio_args_free(a);
    return NULL;
  }
  return a;
}

static void on_echo(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)ack;
  sio_args_t *a = copy_args(av);
  sio_socket_emit_flags(sock, "echo", a, arg ? SIO_EMIT_NO_COMPRESS : 0);
  sio_args_free(a);
  (void)ev;
}

static void on_bcast(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)ack, (void)ev;
  sio_args_t *a = copy_args(av);
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  sio_broadcast_emit(sio_broadcast_compress(b, arg == NULL), "bcast", a);
  sio_args_free(a);
}

static void on_closed(sio_server_t *s, void *arg) {
  (void)s, (void)arg;
  uv_close((uv_handle_t *)&g_sig, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)h, (void)signum;
  uv_signal_stop(&g_sig);
  sio_server_close(g_srv, on_closed, NULL);
}

int main(int argc, char **argv) {
  int port = 0, deflate = 1;
  unsigned workers = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--no-deflate") == 0)
      deflate = 0;
    else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
      workers = (unsigned)atoi(argv[++i]);
    else {
      fprintf(stderr,
              "usage: deflate_test_server [--port N] [--no-deflate] [--workers N]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_server_opts_t *o = sio_server_opts_new();
  if (!o) return 1;
  sio_eio_opts_set_per_message_deflate(sio_server_opts_eio(o), deflate);
  sio_server_opts_set_workers(o, workers);
  int rc = sio_server_new(&loop, o, &g_srv);
  sio_server_opts_free(o);
  sio_namespace_t *nsp = rc == 0 ? sio_server_of(g_srv, "/") : NULL;
  static int plain = 1;
  if (nsp) {
    sio_namespace_on(nsp, "echo", on_echo, NULL);
    sio_namespace_on(nsp, "echo-plain", on_echo, &plain);
    sio_namespace_on(nsp, "bcast", on_bcast, NULL);
    sio_namespace_on(nsp, "bcast-plain", on_bcast, &plain);
    rc = sio_server_listen(g_srv, "127.0.0.1", port);
  }
  if (rc != 0 || !nsp) {
    fprintf(stderr, "deflate_test_server: %s\n", sio_strerror(rc));
    return 1;
  }
  uv_signal_init(&loop, &g_sig);
  uv_signal_start(&g_sig, on_signal, SIGTERM);
  printf("listening on 127.0.0.1:%d\n", sio_server_port(g_srv));
  fflush(stdout);
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? 0 : 1;
}
