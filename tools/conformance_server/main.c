/* conformance_server: the server the official test-suites and our interop
 * tests talk to. Engine.IO at /engine.io/ echoes every message (text as
 * text, binary as binary) with the suites' settings: pingInterval 300,
 * pingTimeout 200, maxPayload 1000000, CORS origin "*". Socket.IO at
 * /socket.io/ behaves as the socket.io-protocol test-suite expects
 * (socketio.c).
 *
 * Each endpoint is one setup function that fills the `app` and one close
 * step in the shutdown chain. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "eio/eio_group.h"
#include "sio/eio.h"
#include "sio/http.h"
#include "sio/parser.h"
#include "socketio.h"

typedef struct {
  uv_loop_t loop;
  sio_http_server_t *http;
  sio_eio_server_t *eio;
  uv_signal_t sigint, sigterm;
  int pending; /* endpoint servers still closing */
  int stopping;
  int allow_eio3; /* --allow-eio3 */
  int deflate;    /* --per-message-deflate */
  /* With workers: the echo on every worker's HTTP server, one group (the
   * sessions' requests reach their owner whatever worker accepts them). */
  sio_eio_server_t **eios;
  unsigned neios;
  sio__eio_group_t *eio_group;
  int eio_error;
} app_t;

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: conformance_server [--port N] [--allow-eio3] [--parser json|msgpack|auto]\n"
      "                          [--recovery] [--recovery-duration MS]\n"
      "                          [--recovery-max-bytes N] [--recovery-adapter]\n"
      "                          [--per-message-deflate] [--no-http-compression]\n"
      "                          [--workers N]\n"
      "\n"
      "Serves the protocol test-suites on 127.0.0.1:N (default 3000; 0 picks a\n"
      "free port). Prints \"listening on 127.0.0.1:PORT\" once it listens.\n"
      "  /engine.io/  Engine.IO v4 echo: every message is sent back as it came\n"
      "               (pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000)\n"
      "  /socket.io/  Socket.IO v5 with the same settings and a connect timeout of\n"
      "               1000 ms: \"/\" and /custom emit `auth` with the CONNECT payload;\n"
      "               \"/\" answers `message` with `message-back` and acknowledges\n"
      "               `message-with-ack`; `emit-later` (delay ms, event, ...args)\n"
      "               emits event with args to the socket after the delay,\n"
      "               `broadcast-later` to the whole namespace (and, for the\n"
      "               recovery tests, room-later, volatile-later, ack-later, join,\n"
      "               set-data, get-data, close-transport: see socketio.h); other\n"
      "               namespaces: \"Invalid namespace\"\n"
      "  --recovery   connection state recovery with Node's defaults (120000 ms,\n"
      "               middlewares skipped); --recovery-duration MS sets the\n"
      "               maximum disconnection duration, --recovery-max-bytes N the\n"
      "               bound on what it keeps (both imply --recovery);\n"
      "               --recovery-adapter keeps sessions through a test cluster\n"
      "               adapter (the adapter interface's recovery operations)\n"
      "  --allow-eio3  also serve Engine.IO v3 / Socket.IO v2 clients on both\n"
      "               endpoints (refused by default, as by the reference)\n"
      "  --parser     the Socket.IO parser (default json, as the reference;\n"
      "               msgpack: socket.io-msgpack-parser's form; auto: JSON and\n"
      "               msgpack clients at once)\n"
      "  --workers N  serve both endpoints on N worker threads (0: one per core;\n"
      "               default 1), one port: a session's requests reach its worker\n"
      "               whatever worker accepts them\n"
      "CORS allows any origin. SIGINT or SIGTERM stops it cleanly.\n"
      "Defaults as the reference: HTTP compression of polling answers on\n"
      "(--no-http-compression turns it off), permessage-deflate off\n"
      "(--per-message-deflate turns it on, threshold 1024 bytes).\n");
}

/* ---- Engine.IO echo ---- */

static void eio_on_message(sio_eio_socket_t *sock, int binary, const uint8_t *data,
                           size_t len, void *arg) {
  (void)arg;
  sio_eio_socket_send(sock, binary, data, len);
}

static int new_echo(app_t *app, sio_http_server_t *http, sio_eio_server_t **out) {
  sio_eio_opts_t *o = sio_eio_opts_new();
  if (!o) return SIO_ENOMEM;
  sio_eio_opts_set_per_message_deflate(o, app->deflate);
  sio_eio_opts_set_ping_interval(o, 300);
  sio_eio_opts_set_ping_timeout(o, 200);
  sio_eio_opts_set_max_http_buffer_size(o, 1000000);
  sio_eio_opts_set_allow_eio3(o, app->allow_eio3);
  int rc = sio_eio_server_new(http, o, out);
  sio_eio_opts_free(o);
  if (rc != 0) return rc;
  sio_eio_server_on_message(*out, eio_on_message, app);
  return 0;
}

static int setup_eio(app_t *app) {
  return new_echo(app, app->http, &app->eio);
}

/* ---- Engine.IO echo on every worker (sio_server_on_worker) ---- */

/* On the listening thread, worker by worker, before the others run: the
 * last one links them all into a group. */
static void echo_start(sio_server_t *w, void *arg) {
  app_t *app = arg;
  unsigned i = sio_server_worker(w), n = sio_server_workers(w);
  if (i == 0) {
    app->eios = calloc(n, sizeof(*app->eios));
    app->neios = n;
    if (!app->eios) app->eio_error = SIO_ENOMEM;
  }
  if (app->eio_error) return;
  int rc = new_echo(app, sio_server_http(w), &app->eios[i]);
  if (rc == 0 && i + 1 == n) rc = sio__eio_group_new(app->eios, n, &app->eio_group);
  if (rc) app->eio_error = rc;
}

/* On the worker's thread as it closes, before its HTTP server does. */
static void echo_stop(sio_server_t *w, void *arg) {
  app_t *app = arg;
  unsigned i = sio_server_worker(w);
  if (app->eios && app->eios[i]) sio_eio_server_close(app->eios[i], NULL, NULL);
}

static int echo_on_workers(sio_server_t *s, void *arg) {
  return sio_server_on_worker(s, echo_start, echo_stop, arg);
}

/* ---- shutdown: endpoints first, then HTTP, then our own handles ---- */

static void on_http_closed(sio_http_server_t *s, void *arg) {
  (void)s;
  app_t *app = arg;
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
}

static void endpoint_closed(app_t *app) {
  if (--app->pending) return;
  if (app->http)
    sio_http_server_close(app->http, on_http_closed, app);
  else
    on_http_closed(NULL, app);
}

static void on_eio_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  endpoint_closed(arg);
}

static void on_sio_closed(void *arg) {
  app_t *app = arg;
  /* Every worker's echo closed with its worker, their threads are joined. */
  sio__eio_group_free(app->eio_group);
  app->eio_group = NULL;
  free(app->eios);
  app->eios = NULL;
  endpoint_closed(app);
}

static void stop(app_t *app) {
  if (app->stopping) return;
  app->stopping = 1;
  app->pending = 1; /* the guard below */
  if (app->eio) {
    app->pending++;
    sio_eio_server_close(app->eio, on_eio_closed, app);
  }
  app->pending++;
  conformance_socketio_close(on_sio_closed, app);
  endpoint_closed(app);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  stop(h->data);
}

int main(int argc, char **argv) {
  int port = 3000, allow_eio3 = 0;
  uint32_t recovery_ms = 0;
  size_t recovery_max_bytes = 0;
  int recovery_adapter = 0;
  const sio_parser_t *parser = sio_parser_json();
  int deflate = 0, http_compression = 1;
  long workers = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--allow-eio3") == 0) {
      allow_eio3 = 1;
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 0 || v > 65535) {
        fprintf(stderr, "conformance_server: bad port '%s'\n", argv[i]);
        return 2;
      }
      port = (int)v;
    } else if (strcmp(argv[i], "--recovery") == 0) {
      if (!recovery_ms) recovery_ms = 120000;
    } else if (strcmp(argv[i], "--recovery-adapter") == 0) {
      recovery_adapter = 1;
      if (!recovery_ms) recovery_ms = 120000;
    } else if (strcmp(argv[i], "--recovery-max-bytes") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v <= 0) {
        fprintf(stderr, "conformance_server: bad byte bound '%s'\n", argv[i]);
        return 2;
      }
      recovery_max_bytes = (size_t)v;
      if (!recovery_ms) recovery_ms = 120000;
    } else if (strcmp(argv[i], "--recovery-duration") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v <= 0 || v > 86400000) {
        fprintf(stderr, "conformance_server: bad duration '%s'\n", argv[i]);
        return 2;
      }
      recovery_ms = (uint32_t)v;
    } else if (strcmp(argv[i], "--parser") == 0 && i + 1 < argc) {
      if (!(parser = sio_parser_by_name(argv[++i]))) {
        fprintf(stderr, "conformance_server: unknown parser '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--per-message-deflate") == 0) {
      deflate = 1;
    } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
      char *end;
      workers = strtol(argv[++i], &end, 10);
      if (*end || workers < 0 || workers > 256) {
        fprintf(stderr, "conformance_server: bad worker count '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--no-http-compression") == 0) {
      http_compression = 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  app_t app;
  memset(&app, 0, sizeof app);
  app.allow_eio3 = allow_eio3;
  app.deflate = deflate;
  conformance_socketio_allow_eio3(allow_eio3);
  if (uv_loop_init(&app.loop) != 0) return 1;
  int bound = 0, rc = 0;
  conformance_socketio_recovery(recovery_ms, recovery_max_bytes, recovery_adapter);
  if (workers != 1) {
    /* The Socket.IO server's own HTTP server, one per worker, with the
     * echo beside it. */
    bound = rc =
        conformance_socketio_listen(&app.loop, parser, deflate, http_compression,
                                    (unsigned)workers, port, echo_on_workers, &app);
    if (rc >= 0 && app.eio_error) rc = app.eio_error;
    if (rc > 0) rc = 0;
    goto listening;
  }
  sio_http_opts_t *ho = sio_http_opts_new();
  rc = ho ? sio_http_opts_set_cors_origins(ho, "*") : SIO_ENOMEM;
  if (rc == 0) sio_http_opts_set_compression(ho, http_compression);
  if (rc == 0) rc = sio_http_server_new(&app.loop, ho, &app.http);
  sio_http_opts_free(ho);
  if (rc == 0) rc = setup_eio(&app);
  if (rc == 0) rc = conformance_socketio_attach(app.http, parser, deflate);
  if (rc == 0) rc = sio_http_server_listen(app.http, "127.0.0.1", port);
  if (rc == 0) bound = sio_http_server_port(app.http);
listening:
  if (rc != 0) {
    fprintf(stderr, "conformance_server: %s\n", sio_strerror(rc));
    return 1;
  }
  uv_signal_init(&app.loop, &app.sigint);
  uv_signal_init(&app.loop, &app.sigterm);
  app.sigint.data = app.sigterm.data = &app;
  uv_signal_start(&app.sigint, on_signal, SIGINT);
  uv_signal_start(&app.sigterm, on_signal, SIGTERM);

  printf("listening on 127.0.0.1:%d\n", bound);
  fflush(stdout);
  uv_run(&app.loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(&app.loop);
  if (rc != 0) {
    fprintf(stderr, "conformance_server: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  return 0;
}
