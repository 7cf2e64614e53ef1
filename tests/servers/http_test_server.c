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
 * x-token=H token=Q" from the session's handshake on each connection. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "http/http_server.h"
#include "sio/eio.h"
#include "sio/http.h"
#include "ws/ws_conn.h"

#define FLOOD_MSG (16 * 1024)
#define FLOOD_BATCH 64
#define FLOOD_COUNT 4096

typedef struct hold {
  uv_timer_t timer;
  sio_http_req_t *req;
  uint64_t ms;
  struct hold *next, *prev;
} hold_t;

typedef struct wsc {
  sio__ws_conn_t *conn;
  int flood;
  unsigned sent;
  uv_timer_t timer; /* flood pacing */
  int timer_on;
  struct wsc *next, *prev;
} wsc_t;

static uv_loop_t *g_loop;
static sio_http_server_t *g_srv;
static uv_signal_t g_sigterm, g_sigint;
static hold_t *g_holds;
static wsc_t *g_wss;
static size_t g_ws_max = 1024 * 1024;
static int g_stopping;
static sio_eio_server_t *g_eio;

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

typedef struct allow_wait {
  uv_timer_t timer;
  sio_eio_allow_t *pending;
  char deny[128]; /* "" accepts */
  struct allow_wait *prev, *next;
} allow_wait_t;

static allow_wait_t *g_allow_waits;
static unsigned g_every, g_ids;

static void allow_wait_closed(uv_handle_t *h) {
  free(h->data);
}

static void allow_wait_answer(allow_wait_t *w) {
  if (w->prev)
    w->prev->next = w->next;
  else
    g_allow_waits = w->next;
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
  (void)arg;
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
  sio_http_req_query_get(req, "deny", w->deny, sizeof w->deny);
  uv_timer_init(g_loop, &w->timer);
  w->timer.data = w;
  w->next = g_allow_waits;
  if (w->next) w->next->prev = w;
  g_allow_waits = w;
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
  snprintf(n, sizeof n, "%u", ++g_every);
  sio_eio_headers_add(h, "X-Every", n);
}

static int eio_gen_id(sio_http_req_t *req, char *out, size_t cap, void *arg) {
  (void)arg;
  char v[8];
  if (sio_http_req_query_get(req, "badid", v, sizeof v) >= 0)
    return snprintf(out, cap, "bad id!");
  return snprintf(out, cap, "custom-%u", ++g_ids);
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
    g_holds = h->next;
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
    g_wss = w->next;
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
  w->flood = plen == 9 && !memcmp(path, "/ws/flood", 9);
  if (sio__ws_accept(req, &k_ws_cbs, w, g_ws_max, &w->conn) != 0) {
    free(w);
    return;
  }
  w->next = g_wss;
  if (g_wss) g_wss->prev = w;
  g_wss = w;
  if (w->flood) {
    uv_timer_init(g_loop, &w->timer);
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
    uv_timer_init(g_loop, &h->timer);
    h->timer.data = h;
    uv_timer_start(&h->timer, hold_fire, ms, 0);
    sio__http_req_set_abort_cb(req, hold_aborted, h);
    h->next = g_holds;
    if (g_holds) g_holds->prev = h;
    g_holds = h;
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
  (void)arg;
  sio_http_server_close(g_srv, on_server_closed, NULL);
}

static void stop(uv_signal_t *sig, int signum) {
  if (g_stopping) return;
  g_stopping = 1;
  uv_close((uv_handle_t *)&g_sigterm, NULL);
  uv_close((uv_handle_t *)&g_sigint, NULL);
  while (g_allow_waits) {
    uv_timer_stop(&g_allow_waits->timer);
    snprintf(g_allow_waits->deny, sizeof g_allow_waits->deny, "server stopping");
    allow_wait_answer(g_allow_waits);
  }
  while (g_holds) {
    hold_t *h = g_holds;
    hold_unlink(h);
    sio_http_req_respond(h->req, 503, NULL, NULL, NULL, 0);
    uv_close((uv_handle_t *)&h->timer, hold_closed);
  }
  for (wsc_t *w = g_wss; w; w = w->next) {
    if (w->timer_on) uv_timer_stop(&w->timer);
    sio__ws_conn_close(w->conn, 1001, "server stopping");
  }
  if (g_eio)
    sio_eio_server_close(g_eio, eio_server_closed, NULL); /* then HTTP */
  else
    sio_http_server_close(g_srv, on_server_closed, NULL);
}

static const char *arg_val(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "missing value for %s\n", argv[*i]);
    exit(2);
  }
  return argv[++*i];
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  g_loop = uv_default_loop();
  sio_http_opts_t *o = sio_http_opts_new();
  int port = 0;
  unsigned long eio_rate = 0, eio_burst = 0;
  int want_eio = 0, no_app = 0, eio_no_upgrades = 0, eio_allow_hook = 0, eio_hooks = 0;
  unsigned eio_transports = 0;
  long eio_ping_interval = -1, eio_ping_timeout = -1, eio_upgrade_timeout = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--port"))
      port = atoi(arg_val(argc, argv, &i));
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
      want_eio = 1;
    else if (!strcmp(a, "--eio-rate-limit")) {
      char *end;
      eio_rate = strtoul(arg_val(argc, argv, &i), &end, 10);
      if (*end == ',') eio_burst = strtoul(end + 1, NULL, 10);
      want_eio = 1;
    } else if (!strcmp(a, "--eio-ping")) {
      char *end;
      eio_ping_interval = strtol(arg_val(argc, argv, &i), &end, 10);
      eio_ping_timeout = *end == ',' ? strtol(end + 1, NULL, 10) : -1;
      want_eio = 1;
    } else if (!strcmp(a, "--eio-transports")) {
      const char *t = arg_val(argc, argv, &i);
      eio_transports = !strcmp(t, "polling") ? SIO_EIO_POLLING : SIO_EIO_WEBSOCKET;
      want_eio = 1;
    } else if (!strcmp(a, "--eio-no-upgrades")) {
      eio_no_upgrades = 1;
      want_eio = 1;
    } else if (!strcmp(a, "--eio-allow-request")) {
      eio_allow_hook = 1;
      want_eio = 1;
    } else if (!strcmp(a, "--eio-hooks")) {
      eio_hooks = 1;
      want_eio = 1;
    } else if (!strcmp(a, "--eio-upgrade-timeout")) {
      eio_upgrade_timeout = strtol(arg_val(argc, argv, &i), NULL, 10);
      want_eio = 1;
    } else {
      fprintf(stderr, "unknown option %s\n", a);
      return 2;
    }
  }
  int r = sio_http_server_new(g_loop, o, &g_srv);
  sio_http_opts_free(o);
  if (r != 0) {
    fprintf(stderr, "server: %s\n", sio_strerror(r));
    return 1;
  }
  if (!no_app) sio_http_server_on_request(g_srv, on_request, NULL);
  sio__http_server_mount(g_srv, "/ws/", 0, on_ws, NULL);
  sio__http_server_mount(g_srv, "/early/", 0, early_request, NULL);
  sio__http_server_mount_on_headers(g_srv, "/early/", early_headers);
  if (want_eio) {
    sio_eio_opts_t *eo = sio_eio_opts_new();
    if (!eo) return 1;
    if (eio_rate)
      sio_eio_opts_set_rate_limit(eo, (uint32_t)eio_rate, (uint32_t)eio_burst);
    if (eio_ping_interval >= 0)
      sio_eio_opts_set_ping_interval(eo, (uint32_t)eio_ping_interval);
    if (eio_ping_timeout >= 0)
      sio_eio_opts_set_ping_timeout(eo, (uint32_t)eio_ping_timeout);
    if (eio_transports) sio_eio_opts_set_transports(eo, eio_transports);
    if (eio_no_upgrades) sio_eio_opts_set_allow_upgrades(eo, 0);
    if (eio_allow_hook) sio_eio_opts_set_allow_request(eo, eio_allow, NULL);
    if (eio_hooks) {
      sio_eio_opts_set_allow_request_async(eo, eio_allow_async, NULL, 1000);
      sio_eio_opts_set_initial_headers(eo, eio_initial_headers, NULL);
      sio_eio_opts_set_headers(eo, eio_every_headers, NULL);
      sio_eio_opts_set_generate_id(eo, eio_gen_id, NULL);
    }
    if (eio_upgrade_timeout >= 0)
      sio_eio_opts_set_upgrade_timeout(eo, (uint32_t)eio_upgrade_timeout);
    r = sio_eio_server_new(g_srv, eo, &g_eio);
    sio_eio_opts_free(eo);
    if (r != 0) {
      fprintf(stderr, "eio: %s\n", sio_strerror(r));
      return 1;
    }
    sio_eio_server_on_message(g_eio, eio_echo, NULL);
    sio_eio_server_on_close(g_eio, eio_closed, NULL);
    if (eio_hooks) sio_eio_server_on_connection(g_eio, eio_hooks_connected, NULL);
  }
  r = sio_http_server_listen(g_srv, "127.0.0.1", port);
  if (r != 0) {
    fprintf(stderr, "listen: %s\n", uv_strerror(r));
    return 1;
  }
  uv_signal_init(g_loop, &g_sigterm);
  uv_signal_start(&g_sigterm, stop, SIGTERM);
  uv_signal_init(g_loop, &g_sigint);
  uv_signal_start(&g_sigint, stop, SIGINT);
  printf("listening on 127.0.0.1:%d\n", sio_http_server_port(g_srv));
  fflush(stdout);
  uv_run(g_loop, UV_RUN_DEFAULT);
  r = uv_loop_close(g_loop);
  if (r != 0) {
    fprintf(stderr, "http_test_server: loop not closed cleanly: %s\n", uv_strerror(r));
    uv_print_all_handles(g_loop, stderr);
    return 1;
  }
  return 0;
}
