/* demo: a Socket.IO server with a web page to try it from a browser, the
 * libsio counterpart of Flask-SocketIO's example application.
 *
 *   demo [--host H] [--port N] [--static DIR] [--tick MS] [--redis URL]
 *        [--tls-cert FILE --tls-key FILE] [--admin USER:PASSWORD] [--metrics]
 *        [--workers N]
 *
 * The server's own HTTP server carries everything: the page (static files
 * from DIR, an option of that HTTP server), the socket.io-client bundle (an
 * application route, see vendor.c) and Socket.IO at /socket.io/. With
 * --workers N it runs on N loops and threads, each with its own HTTP server
 * on the same port: the routes are installed on every one as it starts
 * (sio_server_on_worker), and demo.h says what the threads share. Rooms and
 * broadcasts use the default in-memory adapter, or with --redis the Redis
 * adapter (libsio-redis), so several demos share their clients' broadcasts
 * and rooms (examples/cluster). With --admin the official Socket.IO Admin UI
 * watches and drives the server (admin.c; its page at /admin/). --metrics
 * serves Prometheus metrics at /metrics (sio/metrics.h). Ctrl-C (SIGINT) or
 * SIGTERM closes everything and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "demo.h"
#include "sio/metrics.h"

static void usage(FILE *f) {
  fprintf(
      f, "usage: demo [--host H] [--port N] [--static DIR] [--tick MS] [--redis URL]\n"
         "            [--tls-cert FILE --tls-key FILE] [--admin USER:PASSWORD]\n"
         "            [--metrics] [--workers N]\n"
         "\n"
         "A Socket.IO server with a web page (echo, broadcast, rooms, disconnect and\n"
         "ping latency), the counterpart of Flask-SocketIO's example application.\n"
         "  --host H      address to listen on (default 127.0.0.1)\n"
         "  --port N      port (default 5000; 0 picks a free one)\n"
         "  --static DIR  the web page's directory (default: examples/demo/public, from\n"
         "                the current directory or the executable's)\n"
         "  --tick MS     period of the server-generated event (default 10000)\n"
         "  --redis URL   share rooms and broadcasts with other servers through Redis\n"
         "                (e.g. redis://127.0.0.1:6379; see examples/cluster)\n"
         "  --tls-cert FILE, --tls-key FILE\n"
         "                serve https:// and wss:// with this PEM certificate chain\n"
         "                and key\n"
         "  --admin USER:PASSWORD\n"
         "                the Socket.IO Admin UI: its page at /admin/, logging in to\n"
         "                this server's URL with USER and PASSWORD\n"
         "  --metrics     serve the server's metrics (Prometheus text format) at\n"
         "                /metrics\n"
         "  --workers N   run the server on N threads, each with its own loop (default\n"
         "                1; 0: one per CPU); clients, rooms and broadcasts span them\n");
}

int demo_is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int demo_is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int demo_path3(char *buf, size_t len, const char *a, const char *b, const char *c) {
  int n = snprintf(buf, len, "%s/%s/%s", a, b, c);
  return n >= 0 && (size_t)n < len ? 0 : -1;
}

const char *demo_exe_dir(char *buf, size_t len) {
  size_t n = len;
  if (uv_exepath(buf, &n) != 0) return NULL;
  char *slash = strrchr(buf, '/');
  if (!slash) return NULL;
  *slash = '\0';
  return buf;
}

/* The page directory examples/demo/public, from the current directory, then
 * from the executable's directory (build/demo). */
static const char *find_public(char *buf, size_t len) {
  static const char *const rel[] = {"examples/demo/public"};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
    if (demo_is_dir(rel[i])) return rel[i];
  char exe[4096];
  if (!demo_exe_dir(exe, sizeof exe)) return NULL;
  static const char *const up[] = {"..", "../.."};
  for (size_t u = 0; u < 2; u++)
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
      if (demo_path3(buf, len, exe, up[u], rel[i]) == 0 && demo_is_dir(buf)) return buf;
    }
  return NULL;
}

/* ---- startup of each worker: its HTTP server gets the routes ---- */

static void on_worker_start(sio_server_t *w, void *arg) {
  demo_routes_install(arg, sio_server_http(w));
}

/* ---- shutdown: ticker thread, then the server (every worker, with its
 * HTTP server), then signals ---- */

static void on_sio_closed(sio_server_t *s, void *arg) {
  demo_app_t *app = arg;
  demo_admin_free(app); /* the server calls its hooks no more */
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
  demo_app_t *app = h->data;
  if (app->stopping) return;
  app->stopping = 1;
  printf("demo: stopping\n");
  fflush(stdout);
  /* The thread must be gone before the server is freed (sio_server_post). */
  demo_ticker_stop(app->ticker);
  app->ticker = NULL;
  sio_server_close(app->sio, on_sio_closed, app);
}

static int parse_uint(const char *s, long max, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > max) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  const char *dir = NULL, *redis = NULL;
  const char *tls_cert = NULL, *tls_key = NULL, *admin = NULL;
  long port = 5000, tick_ms = 10000, workers = 1;
  int metrics = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--port") == 0 && has) {
      if (parse_uint(argv[++i], 65535, &port) != 0) {
        fprintf(stderr, "demo: bad port '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--tick") == 0 && has) {
      if (parse_uint(argv[++i], 86400000, &tick_ms) != 0 || tick_ms == 0) {
        fprintf(stderr, "demo: bad --tick '%s' (milliseconds, > 0)\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "--workers") == 0 && has) {
      if (parse_uint(argv[++i], SIO_WORKERS_MAX, &workers) != 0) {
        fprintf(stderr, "demo: bad --workers '%s' (0 to %u)\n", argv[i], SIO_WORKERS_MAX);
        return 2;
      }
    } else if (strcmp(a, "--host") == 0 && has) {
      host = argv[++i];
    } else if (strcmp(a, "--static") == 0 && has) {
      dir = argv[++i];
    } else if (strcmp(a, "--redis") == 0 && has) {
      redis = argv[++i];
    } else if (strcmp(a, "--tls-cert") == 0 && has) {
      tls_cert = argv[++i];
    } else if (strcmp(a, "--tls-key") == 0 && has) {
      tls_key = argv[++i];
    } else if (strcmp(a, "--admin") == 0 && has) {
      admin = argv[++i];
    } else if (strcmp(a, "--metrics") == 0) {
      metrics = 1;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (!tls_cert != !tls_key) {
    fprintf(stderr, "demo: --tls-cert and --tls-key go together\n");
    return 2;
  }
  char pathbuf[4096];
  if (!dir) dir = find_public(pathbuf, sizeof pathbuf);
  if (!dir || !demo_is_dir(dir)) {
    fprintf(stderr, "demo: cannot find the web page directory; pass --static DIR\n");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  demo_app_t app;
  memset(&app, 0, sizeof app);
  if (uv_loop_init(&app.loop) != 0) return 1;

  /* The server with its own HTTP server (static root, TLS), on our loop as
   * worker 0; the other workers get copies of its options. */
  sio_server_opts_t *so = sio_server_opts_new();
  int rc = so ? 0 : SIO_ENOMEM;
  sio_http_opts_t *ho = so ? sio_server_opts_http(so) : NULL;
  if (rc == 0) rc = sio_http_opts_set_static_root(ho, dir);
  if (rc == 0 && tls_cert) rc = sio_http_opts_set_tls(ho, tls_cert, tls_key);
  if (rc == 0) sio_server_opts_set_metrics(so, metrics);
  if (rc == 0) rc = sio_server_opts_set_workers(so, (unsigned)workers);
  if (rc == 0) rc = sio_server_new(&app.loop, so, &app.sio);
  sio_server_opts_free(so);
  if (rc == 0) rc = sio_server_on_worker(app.sio, on_worker_start, NULL, &app);
  if (rc == 0 && redis) {
    sio_redis_opts_t *ro = sio_redis_opts_new();
    rc = ro ? sio_redis_opts_set_url(ro, redis) : SIO_ENOMEM;
    if (rc == 0) rc = sio_redis_adapter_attach(app.sio, ro);
    sio_redis_opts_free(ro);
    if (rc == 0) printf("demo: sharing rooms and broadcasts through %s\n", redis);
  }
  if (rc == 0) {
    app.nsp = sio_server_of(app.sio, "/");
    rc = app.nsp ? demo_events_register(&app, app.nsp) : SIO_ENOMEM;
  }
  if (rc == 0 && admin) rc = demo_admin_setup(&app, admin, dir);
  if (rc == 0) {
    demo_vendor_setup(&app, dir); /* before the workers start: they read it */
    rc = sio_server_listen(app.sio, host, (int)port);
  }
  if (rc == 0) rc = demo_ticker_start(&app, (uint32_t)tick_ms, &app.ticker);
  if (rc != 0) {
    fprintf(stderr, "demo: cannot start on %s:%ld: %s\n", host, port, sio_strerror(rc));
    return 1;
  }
  uv_signal_init(&app.loop, &app.sigint);
  uv_signal_init(&app.loop, &app.sigterm);
  app.sigint.data = app.sigterm.data = &app;
  uv_signal_start(&app.sigint, on_signal, SIGINT);
  uv_signal_start(&app.sigterm, on_signal, SIGTERM);

  int bound = sio_server_port(app.sio);
  int v6 = strchr(host, ':') != NULL;
  const char *shown = strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1"
                      : strcmp(host, "::") == 0    ? "::1"
                                                   : host;
  printf("demo: listening on %s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "", bound);
  printf("demo: open %s://%s%s%s:%d/ in a browser (Ctrl-C stops)\n",
         tls_cert ? "https" : "http", v6 ? "[" : "", shown, v6 ? "]" : "", bound);
  printf("demo: serving the page from %s\n", dir);
  if (admin)
    printf("demo: Admin UI at %s://%s%s%s:%d/admin/ (namespace /admin)\n",
           tls_cert ? "https" : "http", v6 ? "[" : "", shown, v6 ? "]" : "", bound);
  if (metrics) printf("demo: metrics at /metrics\n");
  if (sio_server_workers(app.sio) > 1)
    printf("demo: %u workers (threads), one server\n", sio_server_workers(app.sio));
  fflush(stdout);

  uv_run(&app.loop, UV_RUN_DEFAULT);
  demo_vendor_free(&app);
  rc = uv_loop_close(&app.loop);
  if (rc != 0) {
    fprintf(stderr, "demo: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  printf("demo: bye\n");
  return 0;
}
