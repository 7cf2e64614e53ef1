/* The Engine.IO server's application-facing behaviour, which the echo
 * conformance server cannot show: graceful close from the application
 * (buffered packets, then "6\x1e1"), close with a held GET, the close
 * timeout, allow_request, the cookie, the write-buffer cap, server shutdown,
 * accessors and the kept handshake. A client thread speaks raw HTTP/1.1 with
 * blocking sockets; the loop runs on the main thread; the client asks the
 * loop to act through run_on_loop(). Every scenario ends with
 * uv_loop_close() == 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "eio/eio_handshake.h"
#include "eio/eio_hvals.h"
#include "eio/eio_internal.h"
#include "eio/eio_send.h"
#include "sio/eio.h"
#include "sio/http.h"

/* ---- the server side (loop thread) ---- */

typedef struct scenario scenario_t;
struct scenario {
  uv_loop_t loop;
  uv_async_t async;
  uv_sem_t done_sem;
  uv_mutex_t mu;
  void (*cmd)(scenario_t *sc, void *arg); /* posted by the client */
  void *cmd_arg;
  sio_http_server_t *http;
  sio_eio_server_t *eio;
  int port;
  /* knobs */
  const char *greet; /* sent by the connection callback */
  int greet_twice;
  int close_on_connect;
  /* records */
  sio_eio_socket_t *last; /* the last connected socket (loop thread only) */
  char last_sid[21];
  char reasons[8][32];
  int nclosed;
  int nconnected;
  int send_rc[2];
  int send_in_close_rc;
  int eio_closed;
  char transport[16], remote[64], ua[64], eio_q[8], url[128];
  size_t xlong_len, nheaders;
  size_t hs_bytes; /* what the session keeps of its handshake */
  char ws_key[32], last_name[32], prev_name[32];
  char upgrade[16], connection[16], version[8], pragma[16];
  int polling_side; /* the last session had its polling side (eio_internal.h) */
  uint64_t issued;
  void (*client)(scenario_t *sc);
  int finished;
  /* sessions held past the server's close (a reference each), with what
   * they showed on connection: Accept-Language's and Cookie's values (the
   * pointers and the text), the server's shared values then */
  int hold;
  sio_eio_socket_t *held[2];
  const char *lang_at[2], *cookie_at[2];
  char lang[2][128];
  size_t nshared[2];
};

static void on_connection(sio_eio_socket_t *sock, void *arg) {
  scenario_t *sc = arg;
  sc->last = sock;
  snprintf(sc->last_sid, sizeof sc->last_sid, "%s", sio_eio_socket_id(sock));
  snprintf(sc->transport, sizeof sc->transport, "%s", sio_eio_socket_transport(sock));
  snprintf(sc->remote, sizeof sc->remote, "%s", sio_eio_socket_remote_addr(sock));
  size_t n = 0;
  const char *ua = sio__eio_socket_header(sock, "user-agent", &n);
  if (ua) snprintf(sc->ua, sizeof sc->ua, "%.*s", (int)n, ua);
  sio__eio_socket_query_get(sock, "EIO", sc->eio_q, sizeof sc->eio_q);
  const char *xl = sio__eio_socket_header(sock, "x-long", &n);
  sc->xlong_len = xl ? n : 0;
  const char *key = sio__eio_socket_header(sock, "sec-websocket-key", &n);
  if (key) snprintf(sc->ws_key, sizeof sc->ws_key, "%.*s", (int)n, key);
  const char *v = sio__eio_socket_header(sock, "upgrade", &n);
  if (v) snprintf(sc->upgrade, sizeof sc->upgrade, "%.*s", (int)n, v);
  if ((v = sio__eio_socket_header(sock, "connection", &n)))
    snprintf(sc->connection, sizeof sc->connection, "%.*s", (int)n, v);
  if ((v = sio__eio_socket_header(sock, "sec-websocket-version", &n)))
    snprintf(sc->version, sizeof sc->version, "%.*s", (int)n, v);
  if ((v = sio__eio_socket_header(sock, "pragma", &n)))
    snprintf(sc->pragma, sizeof sc->pragma, "%.*s", (int)n, v);
  sio_buf_t hn, hv;
  for (sc->nheaders = 0; sio__eio_socket_header_at(sock, sc->nheaders, &hn, &hv) == 0;)
    sc->nheaders++;
  if (sc->nheaders && sio__eio_socket_header_at(sock, sc->nheaders - 1, &hn, &hv) == 0)
    snprintf(sc->last_name, sizeof sc->last_name, "%.*s", (int)hn.len,
             (const char *)hn.base);
  if (sc->nheaders > 1 &&
      sio__eio_socket_header_at(sock, sc->nheaders - 2, &hn, &hv) == 0)
    snprintf(sc->prev_name, sizeof sc->prev_name, "%.*s", (int)hn.len,
             (const char *)hn.base);
  sc->hs_bytes = sio__eio_hs_bytes(sock->hs);
  const char *url = sio__eio_socket_url(sock, &n);
  snprintf(sc->url, sizeof sc->url, "%.*s", (int)n, url);
  sc->issued = sio__eio_socket_issued(sock);
  sc->polling_side = sock->pl != NULL;
  if (sc->hold && sc->nconnected < 2) {
    int k = sc->nconnected;
    sio__eio_socket_ref(sock);
    sc->held[k] = sock;
    sc->lang_at[k] = sio__eio_socket_header(sock, "accept-language", &n);
    snprintf(sc->lang[k], sizeof sc->lang[k], "%.*s", (int)n, sc->lang_at[k]);
    sc->cookie_at[k] = sio__eio_socket_header(sock, "cookie", NULL);
    sc->nshared[k] = sio__eio_hvals_count(sock->server->hvals);
  }
  sc->nconnected++;
  if (sc->greet) {
    sc->send_rc[0] = sio_eio_socket_send(sock, 0, sc->greet, strlen(sc->greet));
    if (sc->greet_twice)
      sc->send_rc[1] = sio_eio_socket_send(sock, 0, sc->greet, strlen(sc->greet));
  }
  if (sc->close_on_connect) sio_eio_socket_close(sock);
}

static void on_message(sio_eio_socket_t *sock, int binary, const uint8_t *data,
                       size_t len, void *arg) {
  (void)arg;
  sio_eio_socket_send(sock, binary, data, len);
}

static void on_close(sio_eio_socket_t *sock, const char *reason, void *arg) {
  scenario_t *sc = arg;
  if (sc->nclosed < 8) snprintf(sc->reasons[sc->nclosed], 32, "%s", reason);
  sc->nclosed++;
  if (sc->last == sock) sc->last = NULL;
  /* sending from the close callback fails cleanly */
  sc->send_in_close_rc = sio_eio_socket_send(sock, 0, "x", 1);
}

static void on_async(uv_async_t *h) {
  scenario_t *sc = h->data;
  void (*cmd)(scenario_t *, void *) = sc->cmd;
  sc->cmd = NULL;
  if (cmd) cmd(sc, sc->cmd_arg);
  uv_sem_post(&sc->done_sem);
}

/* Runs cmd on the loop thread and waits for it (client thread). */
static void run_on_loop(scenario_t *sc, void (*cmd)(scenario_t *, void *), void *arg) {
  sc->cmd = cmd;
  sc->cmd_arg = arg;
  uv_async_send(&sc->async);
  uv_sem_wait(&sc->done_sem);
}

static void on_http_closed(sio_http_server_t *s, void *arg) {
  (void)s;
  scenario_t *sc = arg;
  uv_close((uv_handle_t *)&sc->async, NULL);
}

static void on_eio_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  scenario_t *sc = arg;
  sc->eio_closed = 1;
  sc->eio = NULL;
}

static void cmd_close_eio(scenario_t *sc, void *arg) {
  (void)arg;
  if (sc->eio) sio_eio_server_close(sc->eio, on_eio_closed, sc);
}

static void cmd_close_http(scenario_t *sc, void *arg) {
  (void)arg;
  sc->finished = 1;
  sio_http_server_close(sc->http, on_http_closed, sc);
}

static void cmd_close_last(scenario_t *sc, void *arg) {
  (void)arg;
  if (sc->last) sio_eio_socket_close(sc->last);
}

static void cmd_eio_closed(scenario_t *sc, void *arg) {
  *(int *)arg = sc->eio_closed;
}

static void cmd_get_held(scenario_t *sc, void *arg) {
  *(int *)arg = sc->last && sio__eio_held_get(sc->last) != NULL;
}
static void cmd_count(scenario_t *sc, void *arg) {
  *(size_t *)arg = sc->eio ? sio_eio_server_clients_count(sc->eio) : 0;
}

static void loop_thread(void *arg) {
  scenario_t *sc = arg;
  uv_run(&sc->loop, UV_RUN_DEFAULT);
}

/* The client runs on the test's thread (cmocka's assertions must), the loop
 * on its own. */
static void run_client(scenario_t *sc) {
  sc->client(sc);
  run_on_loop(sc, cmd_close_eio, NULL);
  /* let the eio close callback run, then close HTTP; the flag is written
   * on the loop thread, so it is read there too */
  int closed = 0;
  run_on_loop(sc, cmd_eio_closed, &closed);
  for (int i = 0; i < 200 && !closed; i++) {
    usleep(10000);
    run_on_loop(sc, cmd_eio_closed, &closed);
  }
  run_on_loop(sc, cmd_close_http, NULL);
}

/* A failed assertion in run_client leaves the test by longjmp while the
 * loop thread still runs on the scenario: left alone, it would go on in
 * the next tests (which could end in a crash inside libuv rather than a
 * clean failure). The scenarios are static, so they outlive the jump, and
 * this teardown stops and joins that thread. */
static scenario_t *g_live;
static uv_thread_t g_live_thread;

static void cmd_stop(scenario_t *sc, void *arg) {
  (void)arg;
  uv_stop(&sc->loop);
}

static int stop_stale_loop(void **state) {
  (void)state;
  if (!g_live) return 0;
  run_on_loop(g_live, cmd_stop, NULL);
  uv_thread_join(&g_live_thread);
  g_live = NULL;
  return 0;
}

static int allow_no_deny(sio_http_req_t *req, void *arg) {
  (void)arg;
  return sio_http_req_header(req, "x-deny", NULL) == NULL;
}

static void run_scenario(scenario_t *sc, sio_eio_opts_t *eo, size_t max_write_queue) {
  assert_int_equal(uv_loop_init(&sc->loop), 0);
  uv_sem_init(&sc->done_sem, 0);
  uv_async_init(&sc->loop, &sc->async, on_async);
  sc->async.data = sc;
  sio_http_opts_t *ho = sio_http_opts_new();
  if (max_write_queue) sio_http_opts_set_max_write_queue(ho, max_write_queue);
  assert_int_equal(sio_http_server_new(&sc->loop, ho, &sc->http), 0);
  sio_http_opts_free(ho);
  assert_int_equal(sio_eio_server_new(sc->http, eo, &sc->eio), 0);
  /* a second server on the same path is refused */
  sio_eio_server_t *dup = NULL;
  assert_int_equal(sio_eio_server_new(sc->http, eo, &dup), SIO_EEXIST);
  sio_eio_opts_free(eo);
  sio_eio_server_on_connection(sc->eio, on_connection, sc);
  sio_eio_server_on_message(sc->eio, on_message, sc);
  sio_eio_server_on_close(sc->eio, on_close, sc);
  assert_int_equal(sio_http_server_listen(sc->http, "127.0.0.1", 0), 0);
  sc->port = sio_http_server_port(sc->http);
  assert_int_equal(uv_thread_create(&g_live_thread, loop_thread, sc), 0);
  g_live = sc;
  run_client(sc);
  uv_thread_join(&g_live_thread);
  g_live = NULL;
  if (sc->nclosed) assert_int_equal(sc->send_in_close_rc, SIO_ECLOSED);
  assert_true(sc->finished);
  assert_true(sc->eio_closed);
  assert_int_equal(uv_loop_close(&sc->loop), 0);
  uv_sem_destroy(&sc->done_sem);
}

/* ---- the client side: one request per connection, blocking ---- */

typedef struct {
  int status;
  char headers[2048];
  char body[4096];
  size_t body_len;
} resp_t;

static int conn_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void req_send(int fd, const char *method, const char *target, const char *extra,
                     const char *body) {
  char buf[2048];
  size_t blen = body ? strlen(body) : 0;
  int n = snprintf(buf, sizeof buf,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: eio-unit\r\n"
                   "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
                   method, target, extra ? extra : "", blen, body ? body : "");
  assert_true(write(fd, buf, (size_t)n) == n);
}

static void resp_read(int fd, resp_t *r) {
  char buf[8192];
  size_t len = 0;
  ssize_t k;
  while (len < sizeof buf - 1 && (k = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t)k;
  buf[len] = '\0';
  close(fd);
  memset(r, 0, sizeof *r);
  r->status = -1;
  char *eoh = strstr(buf, "\r\n\r\n");
  if (!eoh || sscanf(buf, "HTTP/1.1 %d", &r->status) != 1) return;
  size_t hl = (size_t)(eoh - buf);
  if (hl >= sizeof r->headers) hl = sizeof r->headers - 1;
  memcpy(r->headers, buf, hl);
  r->body_len = len - (size_t)(eoh + 4 - buf);
  if (r->body_len >= sizeof r->body) r->body_len = sizeof r->body - 1;
  memcpy(r->body, eoh + 4, r->body_len);
}

static void http(scenario_t *sc, const char *method, const char *target,
                 const char *extra, const char *body, resp_t *r) {
  int fd = conn_open(sc->port);
  assert_true(fd >= 0);
  req_send(fd, method, target, extra, body);
  resp_read(fd, r);
}

static const char *g_path = "/engine.io/";

static void poll_url(char *out, size_t n, const char *sid) {
  snprintf(out, n, "%s?EIO=4&transport=polling%s%s", g_path, sid ? "&sid=" : "",
           sid ? sid : "");
}

/* Opens a polling session; returns its sid in sid[21]. */
static void handshake(scenario_t *sc, char sid[21], resp_t *r) {
  char url[128];
  poll_url(url, sizeof url, NULL);
  http(sc, "GET", url, NULL, NULL, r);
  assert_int_equal(r->status, 200);
  assert_true(r->body[0] == '0');
  const char *p = strstr(r->body, "\"sid\":\"");
  assert_non_null(p);
  memcpy(sid, p + 7, 20);
  sid[20] = '\0';
}

static void get(scenario_t *sc, const char *sid, resp_t *r) {
  char url[128];
  poll_url(url, sizeof url, sid);
  http(sc, "GET", url, NULL, NULL, r);
}

static void wait_held(scenario_t *sc) {
  int held = 0;
  for (int i = 0; i < 500 && !held; i++) {
    run_on_loop(sc, cmd_get_held, &held);
    if (!held) usleep(2000);
  }
  assert_true(held);
}

/* ---- scenarios ---- */

static void client_graceful(scenario_t *sc) {
  resp_t r;
  char sid[21];
  handshake(sc, sid, &r);
  /* the handshake answer holds the open packet only */
  assert_null(memchr(r.body, 0x1e, r.body_len));
  assert_non_null(strstr(r.headers, "Cache-Control: no-store"));
  assert_null(strstr(r.headers, "Set-Cookie"));
  get(sc, sid, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "4hello");
  get(sc, sid, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.body_len, 3);
  assert_memory_equal(r.body,
                      "6\x1e"
                      "1",
                      3);
  get(sc, sid, &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"code\":1,\"message\":\"Session ID unknown\"}");
}

static void test_graceful_close(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.greet = "hello";
  sc.close_on_connect = 1;
  sc.client = client_graceful;
  run_scenario(&sc, sio_eio_opts_new(), 0);
  assert_int_equal(sc.nconnected, 1);
  assert_int_equal(sc.nclosed, 1);
  assert_string_equal(sc.reasons[0], "forced close");
  assert_int_equal(sc.send_rc[0], 0);
  assert_int_equal(sc.polling_side, 1); /* a polling session has one */
}

static void client_close_held(scenario_t *sc) {
  resp_t r;
  char sid[21], url[128];
  handshake(sc, sid, &r);
  poll_url(url, sizeof url, sid);
  int fd = conn_open(sc->port);
  req_send(fd, "GET", url, NULL, NULL);
  wait_held(sc);
  run_on_loop(sc, cmd_close_last, NULL);
  resp_read(fd, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "1");
  get(sc, sid, &r);
  assert_int_equal(r.status, 400);
}

static void test_close_with_held_get(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_close_held;
  run_scenario(&sc, sio_eio_opts_new(), 0);
  assert_int_equal(sc.nclosed, 1);
  assert_string_equal(sc.reasons[0], "forced close");
}

static void client_close_timeout(scenario_t *sc) {
  resp_t r;
  char sid[21];
  handshake(sc, sid, &r);
  size_t count = 1;
  for (int i = 0; i < 500 && count; i++) {
    usleep(5000);
    run_on_loop(sc, cmd_count, &count);
  }
  assert_int_equal(count, 0);
  get(sc, sid, &r);
  assert_int_equal(r.status, 400);
}

static void test_close_timeout(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.close_on_connect = 1;
  sc.client = client_close_timeout;
  sio_eio_opts_t *o = sio_eio_opts_new();
  sio_eio_opts_set_close_timeout(o, 50);
  run_scenario(&sc, o, 0);
  assert_int_equal(sc.nclosed, 1);
  assert_string_equal(sc.reasons[0], "forced close");
}

static void client_allow_cookie(scenario_t *sc) {
  resp_t r;
  char url[128], sid[21];
  poll_url(url, sizeof url, NULL);
  http(sc, "GET", url, "X-Deny: 1\r\n", NULL, &r);
  assert_int_equal(r.status, 403);
  assert_string_equal(r.body, "{\"code\":4,\"message\":\"Forbidden\"}");
  assert_non_null(strstr(r.headers, "Content-Type: application/json"));
  /* a request with a sid does not go through the hook */
  char url2[128];
  poll_url(url2, sizeof url2, "nope");
  http(sc, "GET", url2, "X-Deny: 1\r\n", NULL, &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"code\":1,\"message\":\"Session ID unknown\"}");
  handshake(sc, sid, &r);
  char want[128];
  snprintf(want, sizeof want, "Set-Cookie: io=%s; Path=/; HttpOnly; SameSite=Lax\r\n",
           sid);
  strcat(r.headers, "\r\n");
  assert_non_null(strstr(r.headers, want));
  assert_non_null(
      strstr(r.headers, "Set-Cookie: srv=a; Path=/; HttpOnly; SameSite=Lax\r\n"));
  /* the custom path is claimed, the default one is not ours */
  http(sc, "GET", "/engine.io/?EIO=4&transport=polling", NULL, NULL, &r);
  assert_int_equal(r.status, 404);
  /* echo on the custom path */
  char post[128];
  snprintf(post, sizeof post, "/custom/?EIO=4&transport=polling&sid=%s", sid);
  http(sc, "POST", post, NULL,
       "4abc\x1e"
       "bAQID",
       &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "ok");
  assert_non_null(strstr(r.headers, "Content-Type: text/html"));
  snprintf(post, sizeof post, "/custom/?EIO=4&transport=polling&sid=%s", sid);
  http(sc, "GET", post, NULL, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "4abc\x1e"
                              "bAQID");
}

/* A WebSocket-first handshake sets the cookie on its 101, as the reference.
 * A 300-byte header (a long length in the kept handshake) comes before the
 * key, which must still be found after it. */
static void client_ws_cookie(scenario_t *sc) {
  int fd = conn_open(sc->port);
  assert_true(fd >= 0);
  char up[1024], xlong[301];
  memset(xlong, 'x', 300);
  xlong[300] = '\0';
  snprintf(up, sizeof up,
           "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
           "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: 13\r\nPragma: no-cachE\r\nX-Long: %s\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
           xlong);
  assert_int_equal(write(fd, up, strlen(up)), (ssize_t)strlen(up));
  char head[2048];
  size_t hl = 0;
  head[0] = '\0';
  while (hl < sizeof head - 1 && !strstr(head, "\r\n\r\n")) {
    ssize_t k = read(fd, head + hl, sizeof head - 1 - hl);
    if (k <= 0) break;
    hl += (size_t)k;
    head[hl] = '\0';
  }
  close(fd);
  assert_non_null(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"));
  assert_non_null(strstr(head, "\r\nSet-Cookie: io="));
  assert_non_null(strstr(head, "; Path=/; HttpOnly; SameSite=Lax\r\n"));
  assert_non_null(
      strstr(head, "\r\nSet-Cookie: srv=b; Path=/; HttpOnly; SameSite=Lax\r\n"));
}

static void test_ws_cookie(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_ws_cookie;
  sio_eio_opts_t *o = sio_eio_opts_new();
  assert_int_equal(sio_eio_opts_set_cookie(o, "", NULL, 1, "Lax"), 0);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "b"), 0);
  run_scenario(&sc, o, 0); /* frees o */
  assert_int_equal(sc.nconnected, 1);
  assert_int_equal(sc.xlong_len, 300);
  assert_string_equal(sc.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
  assert_int_equal(sc.nheaders, 7);
  /* Common values (stored as a code) come back as sent; a value that only
   * differs from one in case is kept as it is. */
  assert_string_equal(sc.upgrade, "websocket");
  assert_string_equal(sc.connection, "Upgrade");
  assert_string_equal(sc.version, "13");
  assert_string_equal(sc.pragma, "no-cachE");
  /* Names are lower-cased, whether common (stored as a code) or not. */
  assert_string_equal(sc.last_name, "sec-websocket-key");
  assert_string_equal(sc.prev_name, "x-long");
  assert_string_equal(sc.remote, "127.0.0.1");
  /* A session opened on WebSocket makes no polling side (48 bytes). */
  assert_int_equal(sc.polling_side, 0);
}

/* A server that keeps only some handshake headers: the others are neither
 * found by name nor listed, in any case of the names and with blanks and
 * empty elements in the list; the kept ones keep their order. */
static void test_keep_headers(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_ws_cookie;
  sio_eio_opts_t *o = sio_eio_opts_new(); /* the client expects the cookies */
  assert_int_equal(sio_eio_opts_set_cookie(o, "", NULL, 1, "Lax"), 0);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "b"), 0);
  assert_int_equal(sio_eio_opts_set_handshake_headers(o, " X-LONG,, Sec-WebSocket-Key ,"),
                   0);
  run_scenario(&sc, o, 0); /* frees o */
  assert_int_equal(sc.nconnected, 1);
  assert_int_equal(sc.nheaders, 2);
  assert_int_equal(sc.xlong_len, 300);
  assert_string_equal(sc.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
  assert_string_equal(sc.prev_name, "x-long");
  assert_string_equal(sc.last_name, "sec-websocket-key");
  assert_string_equal(sc.ua, ""); /* not kept */
  assert_string_equal(sc.url, "/engine.io/?EIO=4&transport=websocket");
  assert_string_equal(sc.remote, "127.0.0.1");

  /* "" keeps none. */
  memset(&sc, 0, sizeof sc);
  sc.client = client_ws_cookie;
  o = sio_eio_opts_new();
  assert_int_equal(sio_eio_opts_set_cookie(o, "", NULL, 1, "Lax"), 0);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "b"), 0);
  assert_int_equal(sio_eio_opts_set_handshake_headers(o, ""), 0);
  run_scenario(&sc, o, 0);
  assert_int_equal(sc.nconnected, 1);
  assert_int_equal(sc.nheaders, 0);
  assert_int_equal(sc.xlong_len, 0);
  assert_string_equal(sc.ws_key, "");
  /* Only the URL and the address are kept, behind one 8-byte word. */
  assert_string_equal(sc.url, "/engine.io/?EIO=4&transport=websocket");
  assert_string_equal(sc.remote, "127.0.0.1");
  assert_int_equal(sc.hs_bytes, 8 + strlen(sc.url) + 1 + strlen(sc.remote) + 1);
}

/* Two polling sessions with the same long Accept-Language (shared) and
 * Cookie (per user: never shared); the second with another language when
 * the table holds one value. */
static const char k_lang[] = "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5";
static const char k_lang2[] = "de-CH, de;q=0.9, en;q=0.8, fr;q=0.7, *;q=0.5";
static const char *g_second_lang;

static void client_shared(scenario_t *sc) {
  char extra[256];
  resp_t r;
  snprintf(extra, sizeof extra,
           "Accept-Language: %s\r\nCookie: session=0123456789abcdef0123456789abcdef\r\n",
           k_lang);
  char url[128];
  poll_url(url, sizeof url, NULL);
  http(sc, "GET", url, extra, NULL, &r);
  assert_int_equal(r.status, 200);
  snprintf(extra, sizeof extra,
           "Accept-Language: %s\r\nCookie: session=0123456789abcdef0123456789abcdef\r\n",
           g_second_lang);
  http(sc, "GET", url, extra, NULL, &r);
  assert_int_equal(r.status, 200);
}

/* Reads the held sessions once the server is gone (the table closed, kept
 * while they refer to it), then lets them go: ASan and valgrind see any
 * dangling or leaked entry. */
static void release_held(scenario_t *sc, const char *lang2) {
  size_t n = 0;
  const char *v = sio__eio_socket_header(sc->held[0], "accept-language", &n);
  assert_int_equal(n, strlen(k_lang));
  assert_memory_equal(v, k_lang, n);
  v = sio__eio_socket_header(sc->held[1], "accept-language", &n);
  assert_int_equal(n, strlen(lang2));
  assert_memory_equal(v, lang2, n);
  sio__eio_socket_unref(sc->held[0]);
  sio__eio_socket_unref(sc->held[1]);
}

static void test_shared_values(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_shared;
  sc.hold = 1;
  g_second_lang = k_lang;
  run_scenario(&sc, sio_eio_opts_new(), 0); /* frees the options */
  assert_int_equal(sc.nconnected, 2);
  /* The accessors give the text as sent; both sessions point at one copy. */
  assert_string_equal(sc.lang[0], k_lang);
  assert_string_equal(sc.lang[1], k_lang);
  assert_ptr_equal(sc.lang_at[0], sc.lang_at[1]);
  assert_int_equal(sc.nshared[0], 1);
  assert_int_equal(sc.nshared[1], 1);
  /* A cookie is per user: each session keeps its own. */
  assert_non_null(sc.cookie_at[0]);
  assert_ptr_not_equal(sc.cookie_at[0], sc.cookie_at[1]);
  release_held(&sc, k_lang);

  /* A table of one value: the second, other, value stays inline. */
  memset(&sc, 0, sizeof sc);
  sc.client = client_shared;
  sc.hold = 1;
  g_second_lang = k_lang2;
  sio_eio_opts_t *o = sio_eio_opts_new();
  sio_eio_opts_set_shared_header_values(o, 1, 1024);
  run_scenario(&sc, o, 0);
  assert_int_equal(sc.nconnected, 2);
  assert_string_equal(sc.lang[0], k_lang);
  assert_string_equal(sc.lang[1], k_lang2);
  assert_int_equal(sc.nshared[0], 1);
  assert_int_equal(sc.nshared[1], 1);
  release_held(&sc, k_lang2);

  /* Sharing off: each session keeps its own copy. */
  memset(&sc, 0, sizeof sc);
  sc.client = client_shared;
  sc.hold = 1;
  g_second_lang = k_lang;
  o = sio_eio_opts_new();
  sio_eio_opts_set_shared_header_values(o, 0, 0);
  run_scenario(&sc, o, 0);
  assert_int_equal(sc.nconnected, 2);
  assert_string_equal(sc.lang[1], k_lang);
  assert_ptr_not_equal(sc.lang_at[0], sc.lang_at[1]);
  assert_int_equal(sc.nshared[1], 0);
  release_held(&sc, k_lang);
}

static void test_allow_request_and_cookie(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_allow_cookie;
  sio_eio_opts_t *o = sio_eio_opts_new();
  sio_eio_opts_set_allow_request(o, allow_no_deny, NULL);
  assert_int_equal(sio_eio_opts_set_cookie(o, "", NULL, 1, "Lax"), 0);
  assert_int_equal(sio_eio_opts_set_cookie(o, "bad name", NULL, 1, NULL), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "x;y"), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "s=rv", "a"), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "old"), 0);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, NULL, NULL), 0);
  assert_int_equal(sio_eio_opts_set_server_cookie(o, "srv", "a"), 0);
  assert_int_equal(sio_eio_opts_set_path(o, "/custom"), 0);
  g_path = "/custom/";
  run_scenario(&sc, o, 0);
  g_path = "/engine.io/";
  assert_int_equal(sc.nconnected, 1);
  /* the server's shutdown closed the session */
  assert_string_equal(sc.reasons[0], "server shutting down");
  /* accessors and the kept handshake */
  assert_string_equal(sc.transport, "polling");
  assert_string_equal(sc.remote, "127.0.0.1");
  assert_string_equal(sc.ua, "eio-unit");
  assert_string_equal(sc.eio_q, "4");
  assert_string_equal(sc.url, "/custom/?EIO=4&transport=polling");
  assert_true(sc.issued > 1600000000000ull);
  assert_int_equal(strlen(sc.last_sid), 20);
}

static void client_write_cap(scenario_t *sc) {
  resp_t r;
  char sid[21];
  handshake(sc, sid, &r);
  get(sc, sid, &r);
  assert_int_equal(r.status, 400);
}

static void test_write_buffer_cap(void **state) {
  (void)state;
  static char big[701];
  memset(big, 'x', 700);
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.greet = big;
  sc.greet_twice = 1;
  sc.client = client_write_cap;
  run_scenario(&sc, sio_eio_opts_new(), 1000);
  assert_int_equal(sc.send_rc[0], 0);
  assert_int_equal(sc.send_rc[1], SIO_ELIMIT);
  assert_int_equal(sc.nclosed, 1);
  assert_string_equal(sc.reasons[0], "transport error");
}

static void client_shutdown_held(scenario_t *sc) {
  resp_t r;
  char sid[21], url[128];
  handshake(sc, sid, &r);
  poll_url(url, sizeof url, sid);
  int fd = conn_open(sc->port);
  req_send(fd, "GET", url, NULL, NULL);
  wait_held(sc);
  run_on_loop(sc, cmd_close_eio, NULL);
  resp_read(fd, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "1");
  /* the path is unmounted: nobody claims it now */
  get(sc, sid, &r);
  assert_int_equal(r.status, 404);
}

static void test_server_close_with_held_get(void **state) {
  (void)state;
  static scenario_t sc; /* not on the stack: see stop_stale_loop */
  memset(&sc, 0, sizeof sc);
  sc.client = client_shutdown_held;
  run_scenario(&sc, sio_eio_opts_new(), 0);
  assert_int_equal(sc.nclosed, 1);
  assert_string_equal(sc.reasons[0], "server shutting down");
}

/* ---- the asynchronous allow_request across the server's shutdown ---- */

static sio_eio_allow_t *g_pending; /* kept by the hook, answered late */

static void allow_keep(sio_http_req_t *req, sio_eio_allow_t *pending, void *arg) {
  (void)req, (void)arg;
  g_pending = pending;
}

static void cmd_pending(scenario_t *sc, void *arg) {
  (void)sc;
  *(int *)arg = g_pending != NULL;
}

static void client_shutdown_pending(scenario_t *sc) {
  resp_t r;
  char url[128];
  poll_url(url, sizeof url, NULL);
  int fd = conn_open(sc->port);
  req_send(fd, "GET", url, NULL, NULL);
  int waiting = 0;
  for (int i = 0; i < 500 && !waiting; i++) {
    run_on_loop(sc, cmd_pending, &waiting);
    if (!waiting) usleep(2000);
  }
  assert_true(waiting);
  /* The server closes while the application has not answered: the waiting
   * handshake gets 503 and no session opens. */
  run_on_loop(sc, cmd_close_eio, NULL);
  resp_read(fd, &r);
  assert_int_equal(r.status, 503);
}

static void test_allow_async_pending_at_shutdown(void **state) {
  (void)state;
  scenario_t sc;
  memset(&sc, 0, sizeof sc);
  sc.client = client_shutdown_pending;
  g_pending = NULL;
  sio_eio_opts_t *o = sio_eio_opts_new();
  sio_eio_opts_set_allow_request_async(o, allow_keep, NULL, 60000);
  run_scenario(&sc, o, 0);
  assert_int_equal(sc.nconnected, 0);
  /* The answer comes after the server and its loop are gone: ignored, and
   * it frees the handle (ASan and valgrind check both). */
  assert_non_null(g_pending);
  sio_eio_allow_accept(g_pending);
  g_pending = NULL;
}

static void test_opts(void **state) {
  (void)state;
  sio_eio_opts_t *o = sio_eio_opts_new();
  assert_non_null(o);
  /* The reference's defaults (engine.io 6): no cookie, no allowRequest hook. */
  assert_string_equal(o->path, "/engine.io/");
  assert_int_equal(o->transports, SIO_EIO_POLLING | SIO_EIO_WEBSOCKET);
  assert_int_equal(o->allow_upgrades, 1);
  assert_null(o->cookie_name);
  assert_null(o->allow_request);
  assert_null(o->allow_async);
  assert_int_equal(o->allow_timeout, 10000);
  assert_null(o->generate_id);
  assert_null(o->initial_headers);
  assert_null(o->headers);
  sio_eio_opts_set_allow_upgrades(o, 0);
  assert_int_equal(o->allow_upgrades, 0);
  sio_eio_opts_set_upgrade_timeout(o, 123);
  assert_int_equal(o->upgrade_timeout, 123);
  sio_eio_opts_free(o);
  o = sio_eio_opts_new();
  assert_non_null(o);
  assert_int_equal(sio_eio_opts_set_path(o, "nope"), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_path(o, "/a b"), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_path(o, "/socket.io"), 0);
  assert_string_equal(o->path, "/socket.io/");
  assert_int_equal(sio_eio_opts_set_path(o, "/x/"), 0);
  assert_string_equal(o->path, "/x/");
  assert_int_equal(sio_eio_opts_set_transports(o, 0), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_transports(o, 4), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_transports(o, SIO_EIO_WEBSOCKET), 0);
  assert_int_equal(sio_eio_opts_set_cookie(o, "sid", "/app", 0, NULL), 0);
  assert_string_equal(o->cookie_name, "sid");
  assert_int_equal(sio_eio_opts_set_cookie(o, NULL, NULL, 0, NULL), 0);
  assert_null(o->cookie_name);
  assert_int_equal(o->ping_interval, 25000);
  assert_int_equal(o->ping_timeout, 20000);
  assert_int_equal(o->upgrade_timeout, 10000);
  assert_int_equal(o->close_timeout, 30000);
  assert_int_equal(o->max_http_buffer_size, 1000000);
  /* permessage-deflate: off as in the reference, threshold 1024; clients are
   * asked not to keep their context (no inflate state between messages). */
  assert_int_equal(o->deflate.enabled, 0);
  assert_int_equal(o->deflate.threshold, 1024);
  assert_int_equal(o->deflate.peer_no_takeover, 1);
  assert_int_equal(o->deflate.own_bits, 15);
  assert_int_equal(o->deflate.mem_level, 8);
  sio_eio_opts_set_per_message_deflate(o, 1);
  assert_int_equal(o->deflate.enabled, 1);
  sio_eio_opts_set_deflate_threshold(o, 0);
  assert_int_equal(o->deflate.threshold, 0);
  assert_int_equal(sio_eio_opts_set_deflate_level(o, -2, 8), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_level(o, 10, 8), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_level(o, 1, 0), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_level(o, 9, 9), 0);
  assert_int_equal(o->deflate.level, 9);
  assert_int_equal(sio_eio_opts_set_deflate_window_bits(o, 8, 15), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_window_bits(o, 15, 7), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_window_bits(o, 16, 15), SIO_EINVAL);
  assert_int_equal(sio_eio_opts_set_deflate_window_bits(o, 10, 8), 0);
  assert_int_equal(o->deflate.own_bits, 10);
  assert_int_equal(o->deflate.peer_bits, 8);
  sio_eio_opts_set_deflate_client_no_context_takeover(o, 0);
  assert_int_equal(o->deflate.peer_no_takeover, 0);
  sio_eio_opts_free(o);
  sio_eio_opts_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_opts),
      cmocka_unit_test_teardown(test_graceful_close, stop_stale_loop),
      cmocka_unit_test_teardown(test_close_with_held_get, stop_stale_loop),
      cmocka_unit_test_teardown(test_close_timeout, stop_stale_loop),
      cmocka_unit_test_teardown(test_allow_request_and_cookie, stop_stale_loop),
      cmocka_unit_test_teardown(test_ws_cookie, stop_stale_loop),
      cmocka_unit_test_teardown(test_keep_headers, stop_stale_loop),
      cmocka_unit_test_teardown(test_shared_values, stop_stale_loop),
      cmocka_unit_test_teardown(test_write_buffer_cap, stop_stale_loop),
      cmocka_unit_test_teardown(test_server_close_with_held_get, stop_stale_loop),
      cmocka_unit_test_teardown(test_allow_async_pending_at_shutdown, stop_stale_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
