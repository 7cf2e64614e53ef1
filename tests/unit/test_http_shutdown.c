/* Closing what is mounted on an HTTP server while a request for it is half
 * read. Regression test of commit 8c7b7f2: a POST whose headers the Engine.IO
 * mount had claimed, with its body still arriving when the Engine.IO (or
 * Socket.IO) server was closed and freed, reached the mount's handler with
 * the freed server once the body came (ASan: heap-use-after-free). Now the
 * unmount forgets such requests: the POST ends like any unclaimed request
 * (404 here, no application handler), the HTTP server staying open.
 *
 * One thread: the test drives the loop (uv_run NOWAIT) between the steps of
 * a raw TCP client with non-blocking sockets. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "http/http_internal.h"
#include "sio/eio.h"
#include "sio/http.h"
#include "sio/server.h"

typedef struct {
  uv_loop_t loop;
  sio_http_server_t *http;
  int port;
  int mounted_closed; /* the Engine.IO / Socket.IO server's close callback ran */
  int http_closed;
} env_t;

/* Runs the loop until done(env, arg) or about 5 s; returns done's answer. */
static int pump(env_t *e, int (*done)(env_t *, void *), void *arg) {
  for (int i = 0; i < 5000; i++) {
    uv_run(&e->loop, UV_RUN_NOWAIT);
    if (done(e, arg)) return 1;
    usleep(1000);
  }
  return 0;
}

/* ---- the raw client ---- */

typedef struct {
  int fd;
  char buf[8192];
  size_t len;
} client_t;

static void client_open(env_t *e, client_t *c) {
  memset(c, 0, sizeof(*c));
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c->fd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)e->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* The listen backlog completes the connection before the loop accepts it. */
  assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK), 0);
}

static void client_send(client_t *c, const char *s) {
  size_t n = strlen(s);
  assert_true(write(c->fd, s, n) == (ssize_t)n);
}

/* Reads what has arrived; 1 once a whole response (head + Content-Length
 * bytes) is in. */
static int response_in(env_t *e, void *arg) {
  (void)e;
  client_t *c = arg;
  ssize_t k;
  while (c->len < sizeof c->buf - 1 &&
         (k = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len)) > 0)
    c->len += (size_t)k;
  c->buf[c->len] = '\0';
  const char *eoh = strstr(c->buf, "\r\n\r\n");
  const char *cl = strstr(c->buf, "Content-Length: ");
  if (!eoh || !cl || cl > eoh) return 0;
  size_t body = (size_t)strtoul(cl + 16, NULL, 10);
  return c->len >= (size_t)(eoh + 4 - c->buf) + body;
}

static int status_of(const client_t *c) {
  int st = -1;
  if (sscanf(c->buf, "HTTP/1.1 %d", &st) != 1) return -1;
  return st;
}

/* Opens a polling session at path; its sid into sid[21]. */
static void handshake(env_t *e, const char *path, char sid[21]) {
  client_t c;
  client_open(e, &c);
  char req[256];
  snprintf(req, sizeof req,
           "GET %s?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Connection: close\r\n\r\n",
           path);
  client_send(&c, req);
  assert_true(pump(e, response_in, &c));
  assert_int_equal(status_of(&c), 200);
  const char *p = strstr(c.buf, "\"sid\":\"");
  assert_non_null(p);
  memcpy(sid, p + 7, 20);
  sid[20] = '\0';
  close(c.fd);
}

/* 1 once the server has read a request's headers and waits for its body. */
static int headers_in(env_t *e, void *arg) {
  (void)arg;
  for (sio__http_conn_t *c = e->http->conns; c; c = c->next)
    if (c->ps.req && c->ps.req->complete) return 1;
  return 0;
}

static int mounted_closed(env_t *e, void *arg) {
  (void)arg;
  return e->mounted_closed;
}

static int http_closed(env_t *e, void *arg) {
  (void)arg;
  return e->http_closed;
}

static int loop_idle(env_t *e, void *arg) {
  (void)arg;
  return !uv_loop_alive(&e->loop);
}

static void on_http_closed(sio_http_server_t *s, void *arg) {
  (void)s;
  ((env_t *)arg)->http_closed = 1;
}

static void env_open(env_t *e) {
  memset(e, 0, sizeof(*e));
  assert_int_equal(uv_loop_init(&e->loop), 0);
  assert_int_equal(sio_http_server_new(&e->loop, NULL, &e->http), 0);
  assert_int_equal(sio_http_server_listen(e->http, "127.0.0.1", 0), 0);
  e->port = sio_http_server_port(e->http);
  assert_true(e->port > 0);
}

/* POSTs to the session with its headers only; closes the mounted server
 * (close_mounted), lets it be freed, then sends the body: the HTTP server,
 * still open, answers 404 without touching the freed server. */
static void post_across_close(env_t *e, const char *path, const char *sid,
                              void (*close_mounted)(env_t *)) {
  client_t c;
  client_open(e, &c);
  char req[256];
  snprintf(req, sizeof req,
           "POST %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 6\r\n\r\n",
           path, sid);
  client_send(&c, req);
  assert_true(pump(e, headers_in, NULL));
  close_mounted(e);
  assert_true(pump(e, mounted_closed, NULL));
  client_send(&c, "4hello");
  assert_true(pump(e, response_in, &c));
  assert_int_equal(status_of(&c), 404);
  close(c.fd);

  sio_http_server_close(e->http, on_http_closed, e);
  assert_true(pump(e, http_closed, NULL));
  assert_true(pump(e, loop_idle, NULL)); /* whatever is left closing */
  assert_int_equal(uv_loop_close(&e->loop), 0);
}

/* ---- Engine.IO server ---- */

static sio_eio_server_t *g_eio;

static void on_eio_closed(sio_eio_server_t *s, void *arg) {
  (void)s;
  ((env_t *)arg)->mounted_closed = 1;
}

static void close_eio(env_t *e) {
  sio_eio_server_close(g_eio, on_eio_closed, e);
  g_eio = NULL;
}

static void test_eio_close_during_post_body(void **state) {
  (void)state;
  env_t e;
  env_open(&e);
  assert_int_equal(sio_eio_server_new(e.http, NULL, &g_eio), 0);
  char sid[21];
  handshake(&e, "/engine.io/", sid);
  post_across_close(&e, "/engine.io/", sid, close_eio);
}

/* ---- Socket.IO server attached to the HTTP server ---- */

static sio_server_t *g_sio;

static void on_sio_closed(sio_server_t *s, void *arg) {
  (void)s;
  ((env_t *)arg)->mounted_closed = 1;
}

static void close_sio(env_t *e) {
  sio_server_close(g_sio, on_sio_closed, e);
  g_sio = NULL;
}

static void test_sio_close_during_post_body(void **state) {
  (void)state;
  env_t e;
  env_open(&e);
  assert_int_equal(sio_server_attach(e.http, NULL, &g_sio), 0);
  char sid[21];
  handshake(&e, "/socket.io/", sid);
  post_across_close(&e, "/socket.io/", sid, close_sio);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eio_close_during_post_body),
      cmocka_unit_test(test_sio_close_during_post_body),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
