/* What a Socket.IO connection handler reads of the handshake (headers,
 * query, URL, address, time) with each choice of kept headers: all (the
 * default), a list, and none ("" keeps only the URL and the address). A
 * blocking HTTP client in a thread plays the Engine.IO polling client, over
 * loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/server.h"

typedef struct {
  sio_server_t *srv;
  int port;
  int closed;
  int connections;
  /* what the connection handler saw */
  char x_test[64], first_name[64], query[128], token[64], url[160], address[64];
  int nheaders, token_rc;
  uint64_t issued;
} ctx_t;

/* One HTTP/1.1 request on a new connection (Connection: close) with an
 * extra header line; returns the body in out (NUL-terminated). */
static void http_req(int port, const char *method, const char *target, const char *body,
                     char *out, size_t cap) {
  out[0] = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    close(fd);
    return;
  }
  char req[1024];
  int n = snprintf(req, sizeof(req),
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: kept?\r\n"
                   "Connection: close\r\nContent-Length: %zu\r\n"
                   "Content-Type: text/plain\r\n\r\n%s",
                   method, target, body ? strlen(body) : 0, body ? body : "");
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return;
  }
  char resp[4096];
  size_t got = 0;
  ssize_t r;
  while (got < sizeof(resp) - 1 && (r = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
    got += (size_t)r;
  resp[got] = 0;
  close(fd);
  const char *b = strstr(resp, "\r\n\r\n");
  snprintf(out, cap, "%s", b ? b + 4 : "");
}

static void on_closed(sio_server_t *s, void *arg) {
  (void)s;
  ((ctx_t *)arg)->closed = 1;
}

static void close_now(sio_server_t *s, void *arg) {
  sio_server_close(s, on_closed, arg);
}

/* Handshake (with a query), CONNECT, then the server closes. */
static void *client(void *arg) {
  ctx_t *c = arg;
  char body[1024], sid[32] = "", target[256];
  http_req(c->port, "GET", "/socket.io/?EIO=4&transport=polling&token=a%20b&t=1", NULL,
           body, sizeof(body));
  const char *p = strstr(body, "\"sid\":\"");
  if (p) snprintf(sid, 21, "%s", p + 7);
  snprintf(target, sizeof(target), "/socket.io/?EIO=4&transport=polling&sid=%s", sid);
  http_req(c->port, "POST", target, "40", body, sizeof(body));
  http_req(c->port, "GET", target, NULL, body, sizeof(body));
  sio_server_post(c->srv, close_now, c);
  return NULL;
}

static void on_conn(sio_socket_t *sock, void *arg) {
  ctx_t *c = arg;
  c->connections++;
  size_t len;
  const char *v = sio_socket_header(sock, "X-TEST", &len);
  snprintf(c->x_test, sizeof(c->x_test), "%.*s", v ? (int)len : 0, v ? v : "");
  sio_buf_t n, val;
  while (sio_socket_header_at(sock, (size_t)c->nheaders, &n, &val) == 0) {
    if (c->nheaders == 0)
      snprintf(c->first_name, sizeof(c->first_name), "%.*s", (int)n.len,
               (const char *)n.base);
    c->nheaders++;
  }
  v = sio_socket_query(sock, &len);
  snprintf(c->query, sizeof(c->query), "%.*s", (int)len, v);
  c->token_rc = sio_socket_query_get(sock, "token", c->token, sizeof(c->token));
  v = sio_socket_url(sock, &len);
  snprintf(c->url, sizeof(c->url), "%.*s", (int)len, v);
  snprintf(c->address, sizeof(c->address), "%s", sio_socket_address(sock));
  c->issued = sio_socket_issued(sock);
}

/* Runs one connection on a server keeping keep (NULL: the default). */
static void run(ctx_t *c, const char *keep, int set) {
  memset(c, 0, sizeof(*c));
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  assert_non_null(o);
  if (set)
    assert_int_equal(sio_eio_opts_set_handshake_headers(sio_server_opts_eio(o), keep), 0);
  assert_int_equal(sio_server_new(&loop, o, &c->srv), 0);
  sio_server_opts_free(o);
  assert_int_equal(sio_server_listen(c->srv, "127.0.0.1", 0), 0);
  c->port = sio_server_port(c->srv);
  sio_namespace_on_connection(sio_server_of(c->srv, "/"), on_conn, c);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, client, c), 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  pthread_join(th, NULL);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(c->closed, 1);
  assert_int_equal(c->connections, 1);
  /* Whatever is kept: the query, URL, address and time. */
  assert_string_equal(c->query, "EIO=4&transport=polling&token=a%20b&t=1");
  assert_int_equal(c->token_rc, 3);
  assert_string_equal(c->token, "a b");
  assert_string_equal(c->url, "/socket.io/?EIO=4&transport=polling&token=a%20b&t=1");
  assert_string_equal(c->address, "127.0.0.1");
  assert_true(c->issued > 1700000000000ull); /* ms since the epoch, not seconds */
}

static void keeps_every_header_by_default(void **state) {
  (void)state;
  ctx_t c;
  run(&c, NULL, 0);
  assert_string_equal(c.x_test, "kept?");
  assert_int_equal(c.nheaders, 5);
  assert_string_equal(c.first_name, "host");
}

static void keeps_the_listed_headers(void **state) {
  (void)state;
  ctx_t c;
  run(&c, "x-test", 1);
  assert_string_equal(c.x_test, "kept?");
  assert_int_equal(c.nheaders, 1);
  assert_string_equal(c.first_name, "x-test");
}

static void keeps_no_header(void **state) {
  (void)state;
  ctx_t c;
  run(&c, "", 1);
  assert_string_equal(c.x_test, "");
  assert_int_equal(c.nheaders, 0);
  /* A list of nothing but separators is the same. */
  run(&c, " , ,", 1);
  assert_int_equal(c.nheaders, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keeps_every_header_by_default),
      cmocka_unit_test(keeps_the_listed_headers),
      cmocka_unit_test(keeps_no_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
