/* Unit tests of sio__stream_connect_host (io/stream.h): a name looked up
 * with uv_getaddrinfo before the connect ("localhost" from /etc/hosts), an
 * IP literal, a name that does not exist (SIO_ENOENT), and a stream closed
 * during the lookup (no callback, nothing leaked, the loop closes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "io/stream.h"
#include "sio/common.h"

typedef struct {
  uv_loop_t loop;
  uv_tcp_t server;
  int port;
  int accepted;
  int status, called;
} fx_t;

static void on_conn(uv_stream_t *srv, int status) {
  fx_t *f = srv->data;
  if (status != 0) return;
  uv_tcp_t *c = malloc(sizeof(*c));
  uv_tcp_init(&f->loop, c);
  if (uv_accept(srv, (uv_stream_t *)c) == 0) f->accepted++;
  uv_close((uv_handle_t *)c, (uv_close_cb)free);
}

static void fx_init(fx_t *f) {
  memset(f, 0, sizeof(*f));
  f->status = 1;
  assert_int_equal(uv_loop_init(&f->loop), 0);
  uv_tcp_init(&f->loop, &f->server);
  f->server.data = f;
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  assert_int_equal(uv_tcp_bind(&f->server, (const struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&f->server, 8, on_conn), 0);
  struct sockaddr_storage ss;
  int n = sizeof(ss);
  uv_tcp_getsockname(&f->server, (struct sockaddr *)&ss, &n);
  f->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void fx_done(fx_t *f) {
  uv_close((uv_handle_t *)&f->server, NULL);
  for (int i = 0; i < 20000 && uv_run(&f->loop, UV_RUN_ONCE); i++) {
  }
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void on_connected(sio__stream_t *s, void *arg, int status) {
  fx_t *f = arg;
  f->called++;
  f->status = status;
  sio__stream_close(s, 0);
}

/* Runs until the connect callback ran (bounded by a count of iterations:
 * the lookup runs on libuv's thread pool). */
static void run_until_called(fx_t *f) {
  for (int i = 0; i < 200000 && !f->called; i++) uv_run(&f->loop, UV_RUN_ONCE);
}

static void test_name(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  sio__stream_t *s =
      sio__stream_connect_host(&f.loop, "localhost", f.port, on_connected, &f);
  assert_non_null(s);
  run_until_called(&f);
  assert_int_equal(f.called, 1);
  assert_int_equal(f.status, 0);
  fx_done(&f);
}

static void test_literal(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  assert_non_null(
      sio__stream_connect_host(&f.loop, "127.0.0.1", f.port, on_connected, &f));
  run_until_called(&f);
  assert_int_equal(f.called, 1);
  assert_int_equal(f.status, 0);
  assert_null(sio__stream_connect_host(&f.loop, NULL, f.port, on_connected, &f));
  assert_null(sio__stream_connect_host(&f.loop, "localhost", 70000, on_connected, &f));
  fx_done(&f);
}

static void test_unknown_name(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  sio__stream_t *s =
      sio__stream_connect_host(&f.loop, "no-such-host.invalid", f.port, on_connected, &f);
  assert_non_null(s);
  run_until_called(&f);
  assert_int_equal(f.called, 1);
  assert_int_equal(f.status, SIO_ENOENT);
  fx_done(&f);
}

static void test_close_during_lookup(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f);
  sio__stream_t *s =
      sio__stream_connect_host(&f.loop, "localhost", f.port, on_connected, &f);
  assert_non_null(s);
  sio__stream_close(s, 0);
  fx_done(&f); /* runs the loop dry: the lookup ends, freeing itself */
  assert_int_equal(f.called, 0);
  assert_int_equal(f.accepted, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name),
      cmocka_unit_test(test_literal),
      cmocka_unit_test(test_unknown_name),
      cmocka_unit_test(test_close_during_lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
