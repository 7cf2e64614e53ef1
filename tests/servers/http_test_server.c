/* The HTTP/WebSocket transport's test server, driven by
 * tests/interop/http.test.mjs and websocket.test.mjs.
 *
 *   http_test_server [--port N] [--static DIR] [--cors '*'|LIST] [--credentials]
 *                    [--max-body N] [--max-header-bytes N] [--max-headers N]
 *                    [--request-timeout MS] [--keepalive-timeout MS]
 *                    [--max-write-queue N] [--ws-max-message N]
 *                    [--max-conns-per-ip N] [--eio-rate-limit RATE,BURST]
 *                    [--cors-suffix S] [--no-app] [--eio] [--eio-ping MS,MS]
 *                    [--eio-transports polling|websocket] [--eio-no-upgrades]
 *                    [--eio-upgrade-timeout MS] [--eio-allow-request]
 *                    [--eio-hooks]
 *                    [--no-compression] [--compression-threshold N]
 *                    [--workers N]
 *
 * Routes (application handler): /echo answers the body; /hold?ms=N answers
 * "held N" N ms later (pipelining order); /query?k=V answers V decoded.
 * Mount /ws/: WebSocket echo (text as text, binary as binary); /ws/flood
 * sends binary messages as fast as it can, bounded, and never reads its queue
 * down, for the write-queue cap. Mount /early/ answers "complete N early=1"
 * and prints "early headers body=0" when a request's headers are in, and
 * "early aborted" when one never completes. Prints "listening on 127.0.0.1:PORT", and
 * "ws closed code=C err=NAME path=P" when a WebSocket goes. SIGTERM/SIGINT
 * close everything; the exit status is 0 only if the loop closes cleanly.
 * With --eio or any --eio-* option, an Engine.IO echo server is mounted at
 * /engine.io/ with the default options but those given: --eio-rate-limit
 * (sio_eio_opts_set_rate_limit, tests/interop/limits.test.mjs), --eio-ping
 * INTERVAL,TIMEOUT, --eio-transports, --eio-no-upgrades,
 * --eio-upgrade-timeout, --eio-allow-request (a hook that refuses handshakes
 * carrying an X-Deny header). It prints "eio closed sid=S reason=R" when a session goes,
 * and closes a session from the server (sio_eio_socket_close) when it
 * receives the text message "close-me". --cors-suffix S allows the origins
 * that end with S (sio_http_opts_set_cors_callback). --no-app leaves the
 * server without an application handler (404 for what nothing claims).
 * --eio-hooks sets the application hooks (tests/interop/eio_hooks.test.mjs):
 * an asynchronous allow_request (wait bound 1000 ms) that answers after the
 * handshake's query "delay" ms (default 0: inside the hook), refusing with
 * the query "deny" as message when present, and prints "eio allow
 * x-token=H token=Q" from the request; an initial_headers hook adding
 * "X-Initial: yes" and "Set-Cookie: hooked=1; Path=/", a headers hook adding
 * "X-Every: N" (N counts responses); an id generator giving "custom-N", or
 * "bad id!" when the query has "badid"; and prints "eio conn sid=S
 * x-token=H token=Q" from the session's handshake on each connection.
 *
 * --workers N (default 1) runs N workers on one port, each an HTTP server
 * (and Engine.IO server) with the same routes and options on a loop of its
 * own: worker 0 on the main thread, the others on threads. With Engine.IO
 * they form a group (src/eio/eio_group.h: a session's requests reach its
 * worker); without, the servers listen with SO_REUSEPORT. Either way they
 * share one per-IP connection count. */
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "eio/eio_group.h"
#include "http/http_server.h"
#include "io/loop_thread.h"
#include "io/own_loop.h"
#include "io/post.h"
#include "sio/eio.h"
#include "sio/http.h"
#include "ws/ws_conn.h"

#define FLOOD_MSG (16 * 1024)
#define FLOOD_BATCH 64
#define FLOOD_COUNT 4096
#define MAX_WORKERS 64

typedef struct worker worker_t;

typedef struct hold {
  uv_timer_t timer;
  sio_http_req_t *req;
  uint64_t ms;
  worker_t *w;
  struct hold *next, *prev;
} hold_t;

typedef struct wsc {
  worker_t *w;
  sio__ws_conn_t *conn;
  int flood;
  unsigned sent;
  uv_timer_t timer; /* flood pacing */
  int timer_on;
  struct wsc *next, *prev;
} wsc_t;

typedef struct allow_wait allow_wait_t;

/* One HTTP (and Engine.IO) server on its loop, with what is pending on it. */
struct worker {
  uv_loop_t *loop;
  sio_http_server_t *srv;
  sio_eio_server_t *eio;
  hold_t *holds;
  wsc_t *wss;
  allow_wait_t *allow_waits;
  sio__post_t *post; /* workers 1..N-1: the stop job's way in */
  sio__post_job_t stop;
  sio__loop_thread_t *thread;
};

static worker_t g_w[MAX_WORKERS];
static unsigned g_n = 1;
static sio__eio_group_t *g_group;
static uv_signal_t g_sigterm, g_sigint;
static size_t g_ws_max = 1024 * 1024;
static int g_stopping;

/* ---- /engine.io/: an echo server with a packet rate limit ---- */

static void eio_echo(sio_eio_socket_t *sock, int binary, const uint8_t *data, size_t len,
                     void *arg) {
  (void)arg;
  if (!binary && len == 8 && !memcmp(data, "close-me", 8)) {
    sio_eio_socket_close(sock);
    return;
  }
  sio_eio_socket_send(sock, binary, data, len);
}

/* --eio-allow-request: a handshake with an X-Deny header is refused. */
static int eio_allow(sio_http_req_t *req, void *arg) {
  (void)arg;
  return sio_http_req_header(req, "x-deny", NULL) == NULL;
}

/* ---- --eio-hooks ---- */

struct allow_wait {
  uv_timer_t timer;
  worker_t *w;
  sio_eio_allow_t *pending;
  char deny[128]; /* "" accepts */
  struct allow_wait *prev, *next;
};

/* Shared by the workers: responses counted and ids unique process-wide. */
static atomic_uint g_every, g_ids;

static void allow_wait_closed(uv_handle_t *h) {
  free(h->data);
}

static void allow_wait_answer(allow_wait_t *w) {
  if (w->prev)
    w->prev->next = w->next;
  else
    w->w->allow_waits = w->next;
  if (w->next) w->next->prev = w->prev;
  if (w->deny[0])
    sio_eio_allow_refuse(w->pending, w->deny);
  else
    sio_eio_allow_accept(w->pending);
  uv_close((uv_handle_t *)&w->timer, allow_wait_closed);
}

static void allow_wait_fire(uv_timer_t *t) {
  allow_wait_answer(t->data);
}

static void eio_allow_async(sio_http_req_t *req, sio_eio_allow_t *pending, void *arg) {
  worker_t *wk = arg;
  char delay[16] = "0", token[64] = "";
  const char *hdr = sio_http_req_header(req, "x-token", NULL);
  sio_http_req_query_get(req, "delay", delay, sizeof delay);
  sio_http_req_query_get(req, "token", token, sizeof token);
  printf("eio allow x-token=%s token=%s\n", hdr ? hdr : "", token);
  fflush(stdout);
  allow_wait_t *w = calloc(1, sizeof(*w));
  if (!w) {
    sio_eio_allow_refuse(pending, "out of memory");
    return;
  }
  w->pending = pending;
  w->w = wk;
  sio_http_req_query_get(req, "deny", w->deny, sizeof w->deny);
  uv_timer_init(wk->loop, &w->timer);
  w->timer.data = w;
  w->next = wk->allow_waits;
  if (w->next) w->next->prev = w;
  wk->allow_waits = w;
  uint64_t ms = strtoull(delay, NULL, 10);
  if (ms == 0)
    allow_wait_answer(w); /* answered inside the hook */
  else
    uv_timer_start(&w->timer, allow_wait_fire, ms, 0);
}

static void eio_initial_headers(sio_http_req_t *req, sio_eio_headers_t *h, void *arg) {
  (void)req, (void)arg;
  sio_eio_headers_add(h, "X-Initial", "yes");
  sio_eio_headers_add(h, "Set-Cookie", "hooked=1; Path=/");
  /* Refused: the test checks they never reach the wire. */
  sio_eio_headers_add(h, "X-Bad", "a\r\nX-Injected: 1");
  sio_eio_headers_add(h, "Bad Name", "x");
  sio_eio_headers_add(h, "Content-Length", "0");
}

static void eio_every_headers(sio_http_req_t *req, sio_eio_headers_t *h, void *arg) {
  (void)req, (void)arg;
  char n[16];
  snprintf(n, sizeof n, "%u", atomic_fetch_add(&g_every, 1) + 1);
  sio_eio_headers_add(h, "X-Every", n);
}

static int eio_gen_id(sio_http_req_t *req, char *out, size_t cap, void *arg) {
  (void)arg;
  char v[8];
  if (sio_http_req_query_get(req, "badid", v, sizeof v) >= 0)
    return snprintf(out, cap, "bad id!");
  return snprintf(out, cap, "custom-%u", atomic_fetch_add(&g_ids, 1) + 1);
}

static void eio_hooks_connected(sio_eio_socket_t *sock, void *arg) {
  (void)arg;
  char token[64] = "";
  const char *hdr = sio_eio_socket_header(sock, "x-token", NULL);
  sio_eio_socket_query_get(sock, "token", token, sizeof token);
  printf("eio conn sid=%s x-token=%s token=%s\n", sio_eio_socket_id(sock), hdr ? hdr : "",
         token);
  fflush(stdout);
}

/* --cors-suffix: origins ending with the suffix are allowed. */
static int cors_suffix(const char *origin, size_t len, void *arg) {
  const char *suf = arg;
  size_t n = strlen(suf);
  return len >= n && !memcmp(origin + len - n, suf, n);
}

static void eio_closed(sio_eio_socket_t *sock, const char *reason, void *arg) {
  (void)arg;
  printf("eio closed sid=%s reason=%s\n", sio_eio_socket_id(sock), reason);
  fflush(stdout);
}

/* ---- /hold ---- */

static void hold_closed(uv_handle_t *h) {
  free(h->data);
}

static void hold_unlink(hold_t *h) {
  if (h->prev)
    h->prev->next = h->next;
  else
    h->w->holds = h->next;
  if (h->next) h->next->prev = h->prev;
}

static void hold_fire(uv_timer_t *t) {
  hold_t *h = t->data;
  char body[64];
  int n = snprintf(body, sizeof(body), "held %llu", (unsigned long long)h->ms);
  sio_http_req_respond(h->req, 200, "text/plain", NULL, body, (size_t)n);
  hold_unlink(h);
  uv_close((uv_handle_t *)&h->timer, hold_closed);
}

static void hold_aborted(sio_http_req_t *r, void *arg) {
  hold_t *h = arg;
  hold_unlink(h);
  uv_close((uv_handle_t *)&h->timer, hold_closed);
}

/* ---- WebSocket echo and flood ---- */

static void ws_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                          size_t len) {
  sio__ws_conn_send(c, binary, data, len);
}

static void wsc_timer_closed(uv_handle_t *h) {
  free(h->data);
}

static void ws_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err) {
  wsc_t *w = arg;
  printf("ws closed code=%u err=%s path=%s\n", code,
         err == UV_EOF ? "EOF"
         : err         ? sio_err_name(err)
                       : "0",
         w->flood ? "flood" : "echo");
  fflush(stdout);
  if (w->prev)
    w->prev->next = w->next;
  else
    w->w->wss = w->next;
  if (w->next) w->next->prev = w->prev;
  w->conn = NULL;
  if (w->timer_on)
    uv_close((uv_handle_t *)&w->timer, wsc_timer_closed);
  else
    free(w);
}

static void flood_tick(uv_timer_t *t) {
  wsc_t *w = t->data;
  static uint8_t msg[FLOOD_MSG];
  for (int i = 0; i < FLOOD_BATCH && w->conn && w->sent < FLOOD_COUNT; i++) {
    msg[0] = (uint8_t)w->sent;
    if (sio__ws_conn_send(w->conn, 1, msg, sizeof(msg)) != 0) break;
    w->sent++;
  }
  if (w->sent >= FLOOD_COUNT) uv_timer_stop(t);
}

static const sio__ws_conn_cbs_t k_ws_cbs = {ws_on_message, ws_on_close};

static void on_ws(sio_http_req_t *req, void *arg) {
  worker_t *wk = arg;
  size_t plen;
  const char *path = sio_http_req_path(req, &plen);
  if (!sio_http_req_is_upgrade(req)) {
    sio_http_req_respond(req, 400, "text/plain", NULL, "upgrade expected", 16);
    return;
  }
  wsc_t *w = calloc(1, sizeof(*w));
  if (!w) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  w->w = wk;
  w->flood = plen == 9 && !memcmp(path, "/ws/flood", 9);
  if (sio__ws_accept(req, &k_ws_cbs, w, g_ws_max, &w->conn) != 0) {
    free(w);
    return;
  }
  w->next = wk->wss;
  if (wk->wss) wk->wss->prev = w;
  wk->wss = w;
  if (w->flood) {
    uv_timer_init(wk->loop, &w->timer);
    w->timer.data = w;
    w->timer_on = 1;
    /* A short head start so the client reads the 101 before the flood. */
    uv_timer_start(&w->timer, flood_tick, 200, 1);
  }
}

/* ---- /early/: the headers-complete notice of a mount ---- */

static void early_aborted(sio_http_req_t *r, void *arg) {
  printf("early aborted\n");
  fflush(stdout);
}

static void early_headers(sio_http_req_t *req, void *arg) {
  size_t n;
  sio_http_req_body(req, &n);
  printf("early headers body=%zu\n", n);
  fflush(stdout);
  sio__http_req_set_data(req, (void *)1);
  sio__http_req_set_abort_cb(req, early_aborted, NULL);
}

static void early_request(sio_http_req_t *req, void *arg) {
  size_t n;
  sio_http_req_body(req, &n);
  char body[64];
  int len = snprintf(body, sizeof(body), "complete %zu early=%d", n,
                     sio__http_req_get_data(req) != NULL);
  sio__http_req_set_abort_cb(req, NULL, NULL);
  sio_http_req_respond(req, 200, "text/plain", NULL, body, (size_t)len);
}

/* ---- application routes ---- */

static int path_is(sio_http_req_t *req, const char *p) {
  size_t n;
  const char *path = sio_http_req_path(req, &n);
  return n == strlen(p) && !memcmp(path, p, n);
}

static void on_request(sio_http_req_t *req, void *arg) {
  worker_t *w = arg;
  if (path_is(req, "/echo")) {
    size_t n;
    uint8_t *b = sio_http_req_body(req, &n);
    char extra[96];
    snprintf(extra, sizeof(extra), "X-Method: %s\r\n", sio_http_req_method(req));
    sio_http_req_respond(req, 200, "application/octet-stream", extra, b, n);
    return;
  }
  if (path_is(req, "/hold")) {
    char v[32];
    uint64_t ms = 100;
    if (sio_http_req_query_get(req, "ms", v, sizeof(v)) >= 0) ms = strtoull(v, NULL, 10);
    if (ms > 10000) ms = 10000;
    hold_t *h = calloc(1, sizeof(*h));
    if (!h) {
      sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
      return;
    }
    h->req = req;
    h->ms = ms;
    h->w = w;
    uv_timer_init(w->loop, &h->timer);
    h->timer.data = h;
    uv_timer_start(&h->timer, hold_fire, ms, 0);
    sio__http_req_set_abort_cb(req, hold_aborted, h);
    h->next = w->holds;
    if (w->holds) w->holds->prev = h;
    w->holds = h;
    return;
  }
  if (path_is(req, "/query")) {
    char v[256];
    int n = sio_http_req_query_get(req, "k", v, sizeof(v));
    if (n < 0)
      sio_http_req_respond(req, 404, "text/plain", NULL, "no k", 4);
    else
      sio_http_req_respond(req, 200, "text/plain", NULL, v, (size_t)n);
    return;
  }
  sio_http_req_respond(req, 404, "text/plain", NULL, "nothing here", 12);
}

/* ---- shutdown ---- */

static void on_server_closed(sio_http_server_t *s, void *arg) {
  fprintf(stderr, "http_test_server: server closed\n");
}

static void eio_server_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  worker_t *w = arg;
  sio_http_server_close(w->srv, on_server_closed, NULL);
}

/* Answers what is pending on w and closes its servers; w's loop thread. */
static void worker_stop(worker_t *w) {
  while (w->allow_waits) {
    uv_timer_stop(&w->allow_waits->timer);
    snprintf(w->allow_waits->deny, sizeof w->allow_waits->deny, "server stopping");
    allow_wait_answer(w->allow_waits);
  }
  while (w->holds) {
    hold_t *h = w->holds;
    hold_unlink(h);
    sio_http_req_respond(h->req, 503, NULL, NULL, NULL, 0);
    uv_close((uv_handle_t *)&h->timer, hold_closed);
  }
  for (wsc_t *c = w->wss; c; c = c->next) {
    if (c->timer_on) uv_timer_stop(&c->timer);
    sio__ws_conn_close(c->conn, 1001, "server stopping");
  }
  if (w->eio)
    sio_eio_server_close(w->eio, eio_server_closed, w); /* then HTTP */
  else
    sio_http_server_close(w->srv, on_server_closed, NULL);
}

static void run_stop(sio__post_job_t *j, int status) {
  (void)status;
  worker_t *w = (worker_t *)((char *)j - offsetof(worker_t, stop));
  sio__post_close(w->post, NULL, NULL);
  worker_stop(w);
}

static void stop(uv_signal_t *sig, int signum) {
  if (g_stopping) return;
  g_stopping = 1;
  uv_close((uv_handle_t *)&g_sigterm, NULL);
  uv_close((uv_handle_t *)&g_sigint, NULL);
  if (g_group) sio__eio_group_stop_accepting(g_group);
  for (unsigned i = 1; i < g_n; i++) {
    g_w[i].stop.run = run_stop;
    sio__post_send(g_w[i].post, &g_w[i].stop);
  }
  worker_stop(&g_w[0]);
}

static const char *arg_val(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "missing value for %s\n", argv[*i]);
    exit(2);
  }
  return argv[++*i];
}

/* The Engine.IO options from the command line, the same for every worker. */
static struct {
  int want, no_upgrades, allow_hook, hooks;
  unsigned long rate, burst;
  unsigned transports;
  long ping_interval, ping_timeout, upgrade_timeout;
} g_eo = {.ping_interval = -1, .ping_timeout = -1, .upgrade_timeout = -1};

/* Makes w's servers on w->loop with the options o (and g_eo). */
static int worker_new(worker_t *w, const sio_http_opts_t *o, int no_app) {
  int r = sio_http_server_new(w->loop, o, &w->srv);
  if (r != 0) {
    fprintf(stderr, "server: %s\n", sio_strerror(r));
    return r;
  }
  if (!no_app) sio_http_server_on_request(w->srv, on_request, w);
  sio__http_server_mount(w->srv, "/ws/", 0, on_ws, w);
  sio__http_server_mount(w->srv, "/early/", 0, early_request, NULL);
  sio__http_server_mount_on_headers(w->srv, "/early/", early_headers);
  if (!g_eo.want) return 0;
  sio_eio_opts_t *eo = sio_eio_opts_new();
  if (!eo) return SIO_ENOMEM;
  if (g_eo.rate)
    sio_eio_opts_set_rate_limit(eo, (uint32_t)g_eo.rate, (uint32_t)g_eo.burst);
  if (g_eo.ping_interval >= 0)
    sio_eio_opts_set_ping_interval(eo, (uint32_t)g_eo.ping_interval);
  if (g_eo.ping_timeout >= 0)
    sio_eio_opts_set_ping_timeout(eo, (uint32_t)g_eo.ping_timeout);
  if (g_eo.transports) sio_eio_opts_set_transports(eo, g_eo.transports);
  if (g_eo.no_upgrades) sio_eio_opts_set_allow_upgrades(eo, 0);
  if (g_eo.allow_hook) sio_eio_opts_set_allow_request(eo, eio_allow, NULL);
  if (g_eo.hooks) {
    sio_eio_opts_set_allow_request_async(eo, eio_allow_async, w, 1000);
    sio_eio_opts_set_initial_headers(eo, eio_initial_headers, NULL);
    sio_eio_opts_set_headers(eo, eio_every_headers, NULL);
    sio_eio_opts_set_generate_id(eo, eio_gen_id, NULL);
  }
  if (g_eo.upgrade_timeout >= 0)
    sio_eio_opts_set_upgrade_timeout(eo, (uint32_t)g_eo.upgrade_timeout);
  r = sio_eio_server_new(w->srv, eo, &w->eio);
  sio_eio_opts_free(eo);
  if (r != 0) {
    fprintf(stderr, "eio: %s\n", sio_strerror(r));
    return r;
  }
  sio_eio_server_on_message(w->eio, eio_echo, NULL);
  sio_eio_server_on_close(w->eio, eio_closed, NULL);
  if (g_eo.hooks) sio_eio_server_on_connection(w->eio, eio_hooks_connected, NULL);
  return 0;
}

/* Every worker listens on port: one server alone, an Engine.IO group, or
 * HTTP servers on SO_REUSEPORT sockets sharing worker 0's per-IP count.
 * Returns the port or a negative error. */
static int listen_all(int port) {
  if (g_n == 1) {
    int r = sio_http_server_listen(g_w[0].srv, "127.0.0.1", port);
    return r != 0 ? r : sio_http_server_port(g_w[0].srv);
  }
  if (g_eo.want) {
    sio_eio_server_t *eios[MAX_WORKERS];
    for (unsigned i = 0; i < g_n; i++) eios[i] = g_w[i].eio;
    int r = sio__eio_group_new(eios, g_n, &g_group);
    if (r == 0) r = sio__eio_group_listen(g_group, "127.0.0.1", port);
    return r != 0 ? r : sio__eio_group_port(g_group);
  }
  int r = sio__http_server_listen_ex(g_w[0].srv, "127.0.0.1", port, 1);
  if (r != 0) return r;
  port = sio_http_server_port(g_w[0].srv);
  for (unsigned i = 1; i < g_n && r == 0; i++) {
    r = sio__http_server_share_iplimit(g_w[i].srv, g_w[0].srv);
    if (r == 0) r = sio__http_server_listen_ex(g_w[i].srv, "127.0.0.1", port, 1);
  }
  return r != 0 ? r : port;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  sio_http_opts_t *o = sio_http_opts_new();
  int port = 0, no_app = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--port"))
      port = atoi(arg_val(argc, argv, &i));
    else if (!strcmp(a, "--workers"))
      g_n = (unsigned)atoi(arg_val(argc, argv, &i));
    else if (!strcmp(a, "--static"))
      sio_http_opts_set_static_root(o, arg_val(argc, argv, &i));
    else if (!strcmp(a, "--cors"))
      sio_http_opts_set_cors_origins(o, arg_val(argc, argv, &i));
    else if (!strcmp(a, "--credentials"))
      sio_http_opts_set_cors_credentials(o, 1);
    else if (!strcmp(a, "--max-body"))
      sio_http_opts_set_max_body(o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--max-header-bytes"))
      sio_http_opts_set_max_header_bytes(o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--max-headers"))
      sio_http_opts_set_max_headers(o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--request-timeout"))
      sio_http_opts_set_request_timeout(o, (uint32_t)atoi(arg_val(argc, argv, &i)));
    else if (!strcmp(a, "--keepalive-timeout"))
      sio_http_opts_set_keepalive_timeout(o, (uint32_t)atoi(arg_val(argc, argv, &i)));
    else if (!strcmp(a, "--max-write-queue"))
      sio_http_opts_set_max_write_queue(o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--ws-max-message"))
      g_ws_max = strtoull(arg_val(argc, argv, &i), NULL, 10);
    else if (!strcmp(a, "--max-conns-per-ip"))
      sio_http_opts_set_max_connections_per_ip(
          o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--cors-suffix"))
      sio_http_opts_set_cors_callback(o, cors_suffix, (void *)arg_val(argc, argv, &i));
    else if (!strcmp(a, "--no-app"))
      no_app = 1;
    else if (!strcmp(a, "--no-compression"))
      sio_http_opts_set_compression(o, 0);
    else if (!strcmp(a, "--compression-threshold"))
      sio_http_opts_set_compression_threshold(
          o, strtoull(arg_val(argc, argv, &i), NULL, 10));
    else if (!strcmp(a, "--eio"))
      g_eo.want = 1;
    else if (!strcmp(a, "--eio-rate-limit")) {
      char *end;
      g_eo.rate = strtoul(arg_val(argc, argv, &i), &end, 10);
      if (*end == ',') g_eo.burst = strtoul(end + 1, NULL, 10);
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-ping")) {
      char *end;
      g_eo.ping_interval = strtol(arg_val(argc, argv, &i), &end, 10);
      g_eo.ping_timeout = *end == ',' ? strtol(end + 1, NULL, 10) : -1;
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-transports")) {
      const char *t = arg_val(argc, argv, &i);
      g_eo.transports = !strcmp(t, "polling") ? SIO_EIO_POLLING : SIO_EIO_WEBSOCKET;
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-no-upgrades")) {
      g_eo.no_upgrades = 1;
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-allow-request")) {
      g_eo.allow_hook = 1;
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-hooks")) {
      g_eo.hooks = 1;
      g_eo.want = 1;
    } else if (!strcmp(a, "--eio-upgrade-timeout")) {
      g_eo.upgrade_timeout = strtol(arg_val(argc, argv, &i), NULL, 10);
      g_eo.want = 1;
    } else {
      fprintf(stderr, "unknown option %s\n", a);
      return 2;
    }
  }
  if (g_n < 1 || g_n > MAX_WORKERS) {
    fprintf(stderr, "--workers: 1 to %d\n", MAX_WORKERS);
    return 2;
  }
  g_w[0].loop = uv_default_loop();
  for (unsigned i = 0; i < g_n; i++) {
    worker_t *w = &g_w[i];
    if (i > 0 &&
        (sio__own_loop_new(&w->loop) != 0 || sio__post_new(w->loop, &w->post) != 0)) {
      fprintf(stderr, "cannot make worker %u\n", i);
      return 1;
    }
    if (worker_new(w, o, no_app) != 0) return 1;
  }
  sio_http_opts_free(o);
  int r = listen_all(port);
  if (r < 0) {
    fprintf(stderr, "listen: %s\n", sio_strerror(r));
    return 1;
  }
  uv_signal_init(g_w[0].loop, &g_sigterm);
  uv_signal_start(&g_sigterm, stop, SIGTERM);
  uv_signal_init(g_w[0].loop, &g_sigint);
  uv_signal_start(&g_sigint, stop, SIGINT);
  for (unsigned i = 1; i < g_n; i++) {
    if (sio__loop_thread_start(g_w[i].loop, &g_w[i].thread) != 0) {
      fprintf(stderr, "cannot start worker %u\n", i);
      return 1;
    }
  }
  printf("listening on 127.0.0.1:%d\n", r);
  fflush(stdout);
  uv_run(g_w[0].loop, UV_RUN_DEFAULT);
  int status = 0;
  for (unsigned i = 1; i < g_n; i++) sio__loop_thread_join(g_w[i].thread);
  sio__eio_group_free(g_group);
  for (unsigned i = 1; i < g_n; i++)
    if (sio__own_loop_free(g_w[i].loop) != 0) status = 1;
  r = uv_loop_close(g_w[0].loop);
  if (r != 0) {
    fprintf(stderr, "http_test_server: loop not closed cleanly: %s\n", uv_strerror(r));
    uv_print_all_handles(g_w[0].loop, stderr);
    return 1;
  }
  return status;
}
