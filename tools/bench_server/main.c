/* bench_server: the libsio side of the benchmarks (docs/PERFORMANCE.md).
 *
 *   bench_server [--host H] [--port N] [--static DIR] [--allow-eio3] [--metrics]
 *
 * Default options (websocket and polling). Event `echo` emits `echo` back to
 * the sender with the same arguments, relayed byte for byte (no re-encoding),
 * and acknowledges with them when the client asked; event `bcast` broadcasts
 * `bcast` with the same arguments to every socket of the namespace (and acks
 * too when asked). The demo's static folder is served at `/`. bench/
 * node_server.mjs is the same server on Node's socket.io.
 *
 * SIGINT/SIGTERM stop it cleanly; it then prints one line of counters. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "sio/eio.h"
#include "sio/http.h"
#include "sio/metrics.h"
#include "sio/server.h"
#include "sio/sio_stats.h" /* encode counters, printed at exit */

typedef struct {
  uv_loop_t loop;
  sio_server_t *sio;
  sio_args_t *args; /* reused by every handler: one relay at a time */
  uv_signal_t sigint, sigterm;
  int stopping;
  unsigned workers; /* --workers */
  uint64_t echoes, bcasts, deliveries;
  uint64_t bcast_encodes; /* encodes made by sio_broadcast_emit calls */
} app_t;

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_server [--host H] [--port N] [--static DIR] [--allow-eio3]\n"
          "                    [--metrics] [--parser json|msgpack|auto] "
          "[--per-message-deflate]\n"
          "                    [--no-http-compression] [--keep-headers LIST]\n"
          "                    [--workers N] [--shared-header-values N]\n"
          "\n"
          "The libsio benchmark server: `echo` is emitted back (and acked) with the\n"
          "same arguments, `bcast` is broadcast to the namespace (and acked).\n"
          "Prints \"listening on HOST:PORT\" once it listens (default 127.0.0.1:3000;\n"
          "port 0 picks a free one). Static files from DIR (default\n"
          "examples/demo/public) at /. --allow-eio3 also serves Engine.IO v3 /\n"
          "Socket.IO v2 clients (refused by default, as by the reference).\n"
          "--metrics serves the Prometheus metrics at /metrics (sio/metrics.h), to\n"
          "measure what they cost. --parser: the Socket.IO parser (default json;\n"
          "msgpack: socket.io-msgpack-parser's form; auto: both at once). HTTP "
          "compression of polling answers is on unless\n"
          "--no-http-compression; permessage-deflate is off unless\n"
          "--per-message-deflate (the reference's defaults).\n"
          "--keep-headers LIST: the handshake headers each session keeps\n"
          "(comma-separated names; default: all, as the reference); \"none\" or\n"
          "\"\" keeps no header (the session keeps only its URL and address).\n"
          "--shared-header-values N: long User-Agent, Accept... values kept once\n"
          "per server, at most N of them (default 1024; 0: none shared).\n"
          "--workers N: the server on N worker threads (0: one per core; default\n"
          "1); the counters printed at exit then cover worker 0's encodes only.\n");
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* examples/demo/public from the current directory, else from the executable's
 * directory and its parent (build/bench_server). */
static const char *find_public(char *buf, size_t len) {
  const char *rel = "examples/demo/public";
  if (is_dir(rel)) return rel;
  char exe[4096];
  size_t n = sizeof exe;
  if (uv_exepath(exe, &n) != 0) return NULL;
  char *slash = strrchr(exe, '/');
  if (!slash) return NULL;
  *slash = '\0';
  static const char *const up[] = {"..", "../.."};
  for (size_t u = 0; u < 2; u++) {
    int w = snprintf(buf, len, "%s/%s/%s", exe, up[u], rel);
    if (w > 0 && (size_t)w < len && is_dir(buf)) return buf;
  }
  return NULL;
}

/* The arguments to send: one builder reused on one loop; with workers, a
 * builder per call (handlers run on several threads at once). */
static sio_args_t *args_begin(app_t *app) {
  if (app->workers == 1) {
    sio_args_clear(app->args);
    return app->args;
  }
  return sio_args_new();
}
static void args_end(app_t *app, sio_args_t *a) {
  if (a != app->args) sio_args_free(a);
}
/* Counters every worker adds to. */
#define COUNT(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

static void on_echo(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                    sio_ack_t *ack, void *arg) {
  (void)event;
  app_t *app = arg;
  sio_args_t *a = args_begin(app);
  if (!a) return;
  sio_args_add_argv(a, argv);
  sio_socket_emit(sock, "echo", a);
  if (ack) sio_ack_send(ack, a);
  args_end(app, a);
  COUNT(app->echoes, 1);
}

static void on_bcast(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                     sio_ack_t *ack, void *arg) {
  (void)event;
  app_t *app = arg;
  sio_args_t *a = args_begin(app);
  if (!a) return;
  sio_args_add_argv(a, argv);
  /* This worker's own stats (each worker counts its own). */
  const sio__server_stats_t *st = sio__server_stats(sio_socket_server(sock));
  uint64_t enc0 = st->encodes;
  int n =
      sio_broadcast_emit(sio_namespace_broadcast(sio_socket_namespace(sock)), "bcast", a);
  COUNT(app->bcast_encodes, st->encodes - enc0);
  if (n > 0) COUNT(app->deliveries, (uint64_t)n);
  if (ack) sio_ack_send(ack, a);
  args_end(app, a);
  COUNT(app->bcasts, 1);
}

static void on_closed(sio_server_t *s, void *arg) {
  (void)s;
  app_t *app = arg;
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  app_t *app = h->data;
  if (app->stopping) return;
  app->stopping = 1;
  /* encodes vs bcasts shows one encode per broadcast, whatever the fan-out. */
  const sio__server_stats_t *st = sio__server_stats(app->sio);
  printf("bench_server: echoes=%llu bcasts=%llu deliveries=%llu bcast_encodes=%llu "
         "encodes=%llu queued=%llu\n",
         (unsigned long long)LOAD(app->echoes), (unsigned long long)LOAD(app->bcasts),
         (unsigned long long)LOAD(app->deliveries),
         (unsigned long long)LOAD(app->bcast_encodes), (unsigned long long)st->encodes,
         (unsigned long long)st->deliveries);
  fflush(stdout);
  sio_server_close(app->sio, on_closed, app);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  const char *dir = NULL;
  long port = 3000;
  int allow_eio3 = 0;
  int metrics = 0;
  const sio_parser_t *parser = sio_parser_json();
  int deflate = 0, http_compression = 1;
  const char *keep_headers = NULL;
  long shared_values = SIO_EIO_SHARED_VALUES_DEFAULT;
  long workers = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--port") == 0 && has) {
      char *end;
      port = strtol(argv[++i], &end, 10);
      if (*end || port < 0 || port > 65535) {
        fprintf(stderr, "bench_server: bad port '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--host") == 0 && has) {
      host = argv[++i];
    } else if (strcmp(a, "--static") == 0 && has) {
      dir = argv[++i];
    } else if (strcmp(a, "--allow-eio3") == 0) {
      allow_eio3 = 1;
    } else if (strcmp(a, "--metrics") == 0) {
      metrics = 1;
    } else if (strcmp(a, "--parser") == 0 && has) {
      if (!(parser = sio_parser_by_name(argv[++i]))) {
        fprintf(stderr, "bench_server: unknown parser '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--per-message-deflate") == 0) {
      deflate = 1;
    } else if (strcmp(a, "--no-http-compression") == 0) {
      http_compression = 0;
    } else if (strcmp(a, "--workers") == 0 && has) {
      char *end;
      workers = strtol(argv[++i], &end, 10);
      if (*end || workers < 0 || workers > 256) {
        fprintf(stderr, "bench_server: bad worker count '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--shared-header-values") == 0 && has) {
      char *end;
      shared_values = strtol(argv[++i], &end, 10);
      if (*end || shared_values < 0 || shared_values > UINT32_MAX) {
        fprintf(stderr, "bench_server: bad value count '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--keep-headers") == 0 && has) {
      keep_headers = argv[++i];
      if (strcmp(keep_headers, "none") == 0) keep_headers = "";
    } else {
      usage(stderr);
      return 2;
    }
  }
  char pathbuf[4096];
  if (!dir) dir = find_public(pathbuf, sizeof pathbuf);
  if (!dir)
    fprintf(stderr, "bench_server: no examples/demo/public found; no static files\n");
  signal(SIGPIPE, SIG_IGN);

  app_t app;
  memset(&app, 0, sizeof app);
  if (uv_loop_init(&app.loop) != 0) return 1;
  app.workers = (unsigned)workers;
  app.args = sio_args_new();
  sio_server_opts_t *o = sio_server_opts_new();
  int rc = (o && app.args) ? 0 : SIO_ENOMEM;
  if (rc == 0 && dir) rc = sio_http_opts_set_static_root(sio_server_opts_http(o), dir);
  if (rc == 0) sio_eio_opts_set_allow_eio3(sio_server_opts_eio(o), allow_eio3);
  if (rc == 0) sio_server_opts_set_metrics(o, metrics);
  if (rc == 0 && keep_headers)
    rc = sio_eio_opts_set_handshake_headers(sio_server_opts_eio(o), keep_headers);
  if (rc == 0)
    sio_eio_opts_set_shared_header_values(sio_server_opts_eio(o), (uint32_t)shared_values,
                                          SIO_EIO_SHARED_VALUE_LEN_DEFAULT);
  sio_server_opts_set_parser(o, parser);
  if (rc == 0) rc = sio_server_opts_set_workers(o, (unsigned)workers);
  if (rc == 0) {
    sio_eio_opts_set_per_message_deflate(sio_server_opts_eio(o), deflate);
    sio_http_opts_set_compression(sio_server_opts_http(o), http_compression);
  }
  if (rc == 0) rc = sio_server_new(&app.loop, o, &app.sio);
  sio_server_opts_free(o);
  sio_namespace_t *nsp = rc == 0 ? sio_server_of(app.sio, "/") : NULL;
  if (rc == 0 && !nsp) rc = SIO_ENOMEM;
  if (rc == 0) rc = sio_namespace_on(nsp, "echo", on_echo, &app);
  if (rc == 0) rc = sio_namespace_on(nsp, "bcast", on_bcast, &app);
  if (rc == 0) rc = sio_server_listen(app.sio, host, (int)port);
  if (rc != 0) {
    fprintf(stderr, "bench_server: cannot start on %s:%ld: %s\n", host, port,
            sio_strerror(rc));
    return 1;
  }
  uv_signal_init(&app.loop, &app.sigint);
  uv_signal_init(&app.loop, &app.sigterm);
  app.sigint.data = app.sigterm.data = &app;
  uv_signal_start(&app.sigint, on_signal, SIGINT);
  uv_signal_start(&app.sigterm, on_signal, SIGTERM);

  printf("listening on %s:%d\n", host, sio_server_port(app.sio));
  fflush(stdout);
  uv_run(&app.loop, UV_RUN_DEFAULT);
  sio_args_free(app.args);
  rc = uv_loop_close(&app.loop);
  if (rc != 0) {
    fprintf(stderr, "bench_server: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  return 0;
}
