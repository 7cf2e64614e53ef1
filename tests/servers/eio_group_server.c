/* An Engine.IO echo server with one worker per loop and thread, grouped on
 * one port (src/eio/eio_group.h), driven by tests/interop/eio_group.test.mjs
 * and used to measure how the workers share the port.
 *
 *   eio_group_server [--port N] [--workers N] [--acceptor] [--id-hook]
 *                    [--tls CERT,KEY] [--max-conns-per-ip N] [--drain-ms MS]
 *
 * Each worker runs an HTTP server and an Engine.IO server on a loop of its
 * own (worker 0 on the main thread). A message is echoed, but "who" is
 * answered "worker=I sid=S" by the worker that owns the session. --acceptor:
 * worker 0 accepts and deals connections (else one SO_REUSEPORT socket per
 * worker). --id-hook: sids come from an application generator ("id-N-W",
 * through the group's directory). SIGUSR1 drains the group (every worker
 * stops accepting and closes its sessions) and prints "drained"; --drain-ms
 * bounds the last writes of the connections at the close. Prints
 * "listening on 127.0.0.1:PORT". On
 * SIGTERM/SIGINT every worker stops accepting, closes its servers, and the
 * program exits 0 once every loop ended. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "eio/eio_group.h"
#include "io/loop_thread.h"
#include "io/own_loop.h"
#include "io/post.h"
#include "sio/eio.h"
#include "sio/http.h"

#define MAX_WORKERS 64

typedef struct {
  unsigned index;
  uv_loop_t *loop;
  sio_http_server_t *http;
  sio_eio_server_t *eio;
  sio__post_t *post; /* the shutdown job's way in */
  sio__post_job_t stop;
  sio__loop_thread_t *thread;
} worker_t;

static worker_t g_w[MAX_WORKERS];
static unsigned g_n = 2;
static sio__eio_group_t *g_group;
static uv_signal_t g_sigterm, g_sigint, g_sigusr1;
static atomic_uint g_ids;

static void on_message(sio_eio_socket_t *sock, int binary, const uint8_t *data,
                       size_t len, void *arg) {
  worker_t *w = arg;
  if (!binary && len == 3 && memcmp(data, "who", 3) == 0) {
    char text[128];
    int n = snprintf(text, sizeof text, "worker=%u sid=%s", w->index,
                     sio_eio_socket_id(sock));
    sio_eio_socket_send(sock, 0, text, (size_t)n);
    return;
  }
  sio_eio_socket_send(sock, binary, data, len);
}

/* Ids from the application: unique across workers by the shared counter. */
static int gen_id(sio_http_req_t *req, char *out, size_t cap, void *arg) {
  (void)req;
  worker_t *w = arg;
  unsigned n = atomic_fetch_add(&g_ids, 1);
  return snprintf(out, cap, "id-%u-%u", n, w->index);
}

static void http_closed(sio_http_server_t *s, void *arg) {
  (void)s;
  (void)arg;
}

static void eio_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  worker_t *w = arg;
  sio_http_server_close(w->http, http_closed, w);
}

static void run_stop(sio__post_job_t *j, int status) {
  (void)status;
  worker_t *w = (worker_t *)((char *)j - offsetof(worker_t, stop));
  sio__post_close(w->post, NULL, NULL);
  sio_eio_server_close(w->eio, eio_closed, w);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  (void)h;
  uv_close((uv_handle_t *)&g_sigterm, NULL);
  uv_close((uv_handle_t *)&g_sigint, NULL);
  uv_close((uv_handle_t *)&g_sigusr1, NULL);
  sio__eio_group_stop_accepting(g_group);
  for (unsigned i = 0; i < g_n; i++) {
    g_w[i].stop.run = run_stop;
    sio__post_send(g_w[i].post, &g_w[i].stop);
  }
}

static void on_drain_signal(uv_signal_t *h, int signum) {
  (void)h;
  (void)signum;
  sio__eio_group_drain(g_group);
  printf("drained\n");
  fflush(stdout);
}

static void usage(void) {
  fprintf(stderr,
          "usage: eio_group_server [--port N] [--workers N] [--acceptor] "
          "[--id-hook] [--tls CERT,KEY] [--max-conns-per-ip N] [--drain-ms MS]\n");
  exit(2);
}

int main(int argc, char **argv) {
  int port = 0, acceptor = 0, id_hook = 0;
  size_t max_per_ip = 0;
  uint32_t drain_ms = 0;
  char *tls = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc)
      port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--workers") && i + 1 < argc)
      g_n = (unsigned)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--acceptor"))
      acceptor = 1;
    else if (!strcmp(argv[i], "--id-hook"))
      id_hook = 1;
    else if (!strcmp(argv[i], "--tls") && i + 1 < argc)
      tls = argv[++i];
    else if (!strcmp(argv[i], "--drain-ms") && i + 1 < argc)
      drain_ms = (uint32_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--max-conns-per-ip") && i + 1 < argc)
      max_per_ip = (size_t)atol(argv[++i]);
    else
      usage();
  }
  if (g_n < 1 || g_n > MAX_WORKERS) usage();
  signal(SIGPIPE, SIG_IGN);
  sio_http_opts_t *ho = sio_http_opts_new();
  if (max_per_ip) sio_http_opts_set_max_connections_per_ip(ho, max_per_ip);
  if (tls) {
    char *comma = strchr(tls, ',');
    if (!comma) usage();
    *comma = '\0';
    if (sio_http_opts_set_tls(ho, tls, comma + 1) != 0) usage();
  }
  sio_eio_server_t *eios[MAX_WORKERS];
  for (unsigned i = 0; i < g_n; i++) {
    worker_t *w = &g_w[i];
    w->index = i;
    sio_eio_opts_t *eo = sio_eio_opts_new();
    if (id_hook) sio_eio_opts_set_generate_id(eo, gen_id, w);
    if (sio__own_loop_new(&w->loop) != 0 ||
        sio_http_server_new(w->loop, ho, &w->http) != 0 ||
        sio_eio_server_new(w->http, eo, &w->eio) != 0 ||
        sio__post_new(w->loop, &w->post) != 0) {
      fprintf(stderr, "cannot make worker %u\n", i);
      return 1;
    }
    sio_eio_opts_free(eo);
    sio_eio_server_on_message(w->eio, on_message, w);
    eios[i] = w->eio;
  }
  sio_http_opts_free(ho);
  if (sio__eio_group_new(eios, g_n, &g_group) != 0) return 1;
  sio__eio_group_set_drain_ms(g_group, drain_ms);
  if (acceptor) sio__eio_group_set_listen_mode(g_group, SIO__EIO_GROUP_ACCEPTOR);
  int rc = sio__eio_group_listen(g_group, "127.0.0.1", port);
  if (rc != 0) {
    fprintf(stderr, "listen: %s\n", sio_strerror(rc));
    return 1;
  }
  uv_signal_init(g_w[0].loop, &g_sigterm);
  uv_signal_init(g_w[0].loop, &g_sigint);
  uv_signal_start(&g_sigterm, on_signal, SIGTERM);
  uv_signal_start(&g_sigint, on_signal, SIGINT);
  uv_signal_init(g_w[0].loop, &g_sigusr1);
  uv_signal_start(&g_sigusr1, on_drain_signal, SIGUSR1);
  for (unsigned i = 1; i < g_n; i++) {
    if (sio__loop_thread_start(g_w[i].loop, &g_w[i].thread) != 0) {
      fprintf(stderr, "cannot start worker %u\n", i);
      return 1;
    }
  }
  printf("listening on 127.0.0.1:%d workers=%u\n", sio__eio_group_port(g_group), g_n);
  fflush(stdout);
  sio__own_loop_run(g_w[0].loop);
  int status = 0;
  for (unsigned i = 1; i < g_n; i++) sio__loop_thread_join(g_w[i].thread);
  sio__eio_group_free(g_group);
  for (unsigned i = 0; i < g_n; i++)
    if (sio__own_loop_free(g_w[i].loop) != 0) status = 1;
  return status;
}
