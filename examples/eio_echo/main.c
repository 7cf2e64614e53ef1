/* eio_echo: an Engine.IO echo server with a web page to try it from a browser.
 *
 *   eio_echo [--host H] [--port N] [--static DIR]
 *
 * Serves DIR (default: examples/eio_echo/public, looked up from the current
 * directory and from the executable's build directory) and Engine.IO at
 * /engine.io/, which sends every message back to its sender. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "sio/eio.h"
#include "sio/http.h"

typedef struct {
  uv_loop_t loop;
  sio_http_server_t *http;
  sio_eio_server_t *eio;
  uv_signal_t sigint, sigterm;
  int stopping;
} app_t;

static void usage(FILE *f) {
  fprintf(f,
          "usage: eio_echo [--host H] [--port N] [--static DIR]\n"
          "\n"
          "An Engine.IO echo server with a web page: open the printed URL in a\n"
          "browser, type a message, and the server sends it back.\n"
          "  --host H      address to listen on (default 127.0.0.1)\n"
          "  --port N      port (default 5000; 0 picks a free one)\n"
          "  --static DIR  the web page's directory (default: examples/eio_echo/public,\n"
          "                found from the current directory or the build directory)\n");
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* examples/eio_echo/public from the source tree: the current directory first,
 * then relative to the executable (build/eio_echo -> build/../examples/...). */
static const char *find_public(char *buf, size_t len) {
  if (is_dir("examples/eio_echo/public")) return "examples/eio_echo/public";
  size_t n = len;
  if (uv_exepath(buf, &n) == 0) {
    char *slash = strrchr(buf, '/');
    if (slash) {
      *slash = '\0';
      size_t used = strlen(buf);
      snprintf(buf + used, len - used, "/../examples/eio_echo/public");
      if (is_dir(buf)) return buf;
    }
  }
  return NULL;
}

static void on_connection(sio_eio_socket_t *sock, void *arg) {
  (void)arg;
  printf("eio_echo: %s connected from %s over %s\n", sio_eio_socket_id(sock),
         sio_eio_socket_remote_addr(sock), sio_eio_socket_transport(sock));
  fflush(stdout);
}

static void on_message(sio_eio_socket_t *sock, int binary, const uint8_t *data,
                       size_t len, void *arg) {
  (void)arg;
  sio_eio_socket_send(sock, binary, data, len);
}

static void on_close(sio_eio_socket_t *sock, const char *reason, void *arg) {
  (void)arg;
  printf("eio_echo: %s closed (%s)\n", sio_eio_socket_id(sock), reason);
  fflush(stdout);
}

static void on_http_closed(sio_http_server_t *s, void *arg) {
  (void)s;
  app_t *app = arg;
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
}

static void on_eio_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  app_t *app = arg;
  sio_http_server_close(app->http, on_http_closed, app);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  app_t *app = h->data;
  if (app->stopping) return;
  app->stopping = 1;
  sio_eio_server_close(app->eio, on_eio_closed, app);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  const char *dir = NULL;
  int port = 5000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 0 || v > 65535) {
        fprintf(stderr, "eio_echo: bad port '%s'\n", argv[i]);
        return 2;
      }
      port = (int)v;
    } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else if (strcmp(argv[i], "--static") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      usage(stderr);
      return 2;
    }
  }
  char pathbuf[4096];
  if (!dir) dir = find_public(pathbuf, sizeof pathbuf);
  if (!dir || !is_dir(dir)) {
    fprintf(stderr, "eio_echo: cannot find the web page directory; pass --static DIR\n");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  app_t app;
  memset(&app, 0, sizeof app);
  if (uv_loop_init(&app.loop) != 0) return 1;
  sio_http_opts_t *ho = sio_http_opts_new();
  int rc = ho ? sio_http_opts_set_static_root(ho, dir) : SIO_ENOMEM;
  if (rc == 0) rc = sio_http_server_new(&app.loop, ho, &app.http);
  sio_http_opts_free(ho);
  if (rc == 0) rc = sio_eio_server_new(app.http, NULL, &app.eio);
  if (rc == 0) rc = sio_http_server_listen(app.http, host, port);
  if (rc != 0) {
    fprintf(stderr, "eio_echo: %s\n", sio_strerror(rc));
    return 1;
  }
  sio_eio_server_on_connection(app.eio, on_connection, &app);
  sio_eio_server_on_message(app.eio, on_message, &app);
  sio_eio_server_on_close(app.eio, on_close, &app);
  uv_signal_init(&app.loop, &app.sigint);
  uv_signal_init(&app.loop, &app.sigterm);
  app.sigint.data = app.sigterm.data = &app;
  uv_signal_start(&app.sigint, on_signal, SIGINT);
  uv_signal_start(&app.sigterm, on_signal, SIGTERM);

  int bound = sio_http_server_port(app.http);
  const char *shown = strchr(host, ':') ? "[::1]" : host;
  if (strcmp(host, "0.0.0.0") == 0) shown = "127.0.0.1";
  printf(
      "eio_echo: Engine.IO echo server; open http://%s:%d/ in a browser (Ctrl-C stops)\n",
      shown, bound);
  fflush(stdout);
  uv_run(&app.loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(&app.loop);
  if (rc != 0) {
    fprintf(stderr, "eio_echo: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  return 0;
}
