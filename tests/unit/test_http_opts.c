/* The HTTP server's options (src/http/http_opts.c): every limit has the
 * default its header documents, each setter changes only its own field, and a
 * server made without options (NULL) runs with exactly those defaults. The
 * limits themselves are exercised at their boundaries by test_http_parse.c
 * and, over sockets, by tests/interop/http.test.mjs ("default limits"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <uv.h>

#include "http/http_internal.h"
#include "sio/http.h"

static void expect_defaults(const sio_http_opts_t *o) {
  assert_int_equal(o->max_header_bytes, 16384);
  assert_int_equal(o->max_headers, 100);
  assert_int_equal(o->max_body, 1000000);
  assert_int_equal(o->request_timeout, 10000); /* slowloris */
  assert_int_equal(o->keepalive_timeout, 5000);
  assert_int_equal(o->max_write_queue, 4u * 1024 * 1024);
  assert_int_equal(o->max_conns_per_ip, 0);
  assert_int_equal(o->ipv6_prefix_len, 64);
  /* CORS closed, no static files. */
  assert_null(o->cors_origins);
  assert_null(o->cors_cb);
  assert_int_equal(o->cors_credentials, 0);
  assert_null(o->static_root);
  /* Compression on, over 1024 bytes, at zlib's default level. */
  assert_int_equal(o->compression, 1);
  assert_int_equal(o->compression_threshold, 1024);
  assert_int_equal(o->compression_level, -1);
}

static void test_defaults(void **state) {
  (void)state;
  sio_http_opts_t *o = sio_http_opts_new();
  assert_non_null(o);
  expect_defaults(o);
  sio_http_opts_free(o);
  sio_http_opts_free(NULL);
}

static int allow_none(const char *origin, size_t len, void *ud) {
  (void)origin, (void)len, (void)ud;
  return 0;
}

static void test_setters(void **state) {
  (void)state;
  sio_http_opts_t *o = sio_http_opts_new();
  assert_non_null(o);
  sio_http_opts_set_max_header_bytes(o, 1);
  sio_http_opts_set_max_headers(o, 2);
  sio_http_opts_set_max_body(o, 3);
  sio_http_opts_set_request_timeout(o, 4);
  sio_http_opts_set_keepalive_timeout(o, 5);
  sio_http_opts_set_max_write_queue(o, 6);
  sio_http_opts_set_max_connections_per_ip(o, 7);
  assert_int_equal(o->max_header_bytes, 1);
  assert_int_equal(o->max_headers, 2);
  assert_int_equal(o->max_body, 3);
  assert_int_equal(o->request_timeout, 4);
  assert_int_equal(o->keepalive_timeout, 5);
  assert_int_equal(o->max_write_queue, 6);
  assert_int_equal(o->max_conns_per_ip, 7);
  assert_int_equal(sio_http_opts_set_ipv6_prefix_len(o, 48), 0);
  assert_int_equal(o->ipv6_prefix_len, 48);
  assert_int_equal(sio_http_opts_set_ipv6_prefix_len(o, 0), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_ipv6_prefix_len(o, 129), SIO_EINVAL);
  assert_int_equal(o->ipv6_prefix_len, 48);
  assert_int_equal(sio_http_opts_set_ipv6_prefix_len(o, 128), 0);
  assert_int_equal(o->ipv6_prefix_len, 128);
  assert_int_equal(sio_http_opts_set_cors_origins(o, "*"), 0);
  assert_string_equal(o->cors_origins, "*");
  assert_int_equal(sio_http_opts_set_cors_origins(o, NULL), 0);
  assert_null(o->cors_origins);
  sio_http_opts_set_cors_callback(o, allow_none, o);
  assert_ptr_equal(o->cors_cb, allow_none);
  assert_ptr_equal(o->cors_ud, o);
  sio_http_opts_set_cors_credentials(o, 5);
  assert_int_equal(o->cors_credentials, 1);
  assert_int_equal(sio_http_opts_set_static_root(o, ""), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_static_root(o, "/tmp"), 0);
  assert_string_equal(o->static_root, "/tmp");
  sio_http_opts_set_compression(o, 0);
  assert_int_equal(o->compression, 0);
  sio_http_opts_set_compression_threshold(o, 8);
  assert_int_equal(o->compression_threshold, 8);
  assert_int_equal(sio_http_opts_set_compression_level(o, 9), 0);
  assert_int_equal(sio_http_opts_set_compression_level(o, 10), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_compression_level(o, -2), SIO_EINVAL);
  assert_int_equal(o->compression_level, 9);
  sio_http_opts_free(o);
}

static void closed(sio_http_server_t *s, void *arg) {
  (void)s;
  ++*(int *)arg;
}

/* A server made with NULL options has the defaults. */
static void test_server_without_opts(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_server_t *s = NULL;
  assert_int_equal(sio_http_server_new(&loop, NULL, &s), 0);
  assert_non_null(s);
  expect_defaults(&s->opts);
  int done = 0;
  sio_http_server_close(s, closed, &done);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(done, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static int allow_all(const char *origin, size_t len, void *ud) {
  (void)origin, (void)len, (void)ud;
  return 1;
}

/* Creates and closes a server with o; returns what sio_http_server_new did. */
static int try_server(const sio_http_opts_t *o) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_server_t *s = NULL;
  int rc = sio_http_server_new(&loop, o, &s);
  if (rc == 0) {
    sio_http_server_close(s, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
  } else {
    assert_null(s);
  }
  assert_int_equal(uv_loop_close(&loop), 0);
  return rc;
}

/* CORS "*" with credentials would reflect every Origin with
 * Access-Control-Allow-Credentials: the server refuses to be made so. */
static void test_cors_any_with_credentials_refused(void **state) {
  (void)state;
  sio_http_opts_t *o = sio_http_opts_new();
  assert_non_null(o);
  assert_int_equal(sio_http_opts_set_cors_origins(o, "*"), 0);
  assert_int_equal(try_server(o), 0);
  sio_http_opts_set_cors_credentials(o, 1);
  assert_int_equal(try_server(o), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_cors_origins(o, "http://a.example, * "), 0);
  assert_int_equal(try_server(o), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_cors_origins(o, "http://a.example,http://*.b"), 0);
  assert_int_equal(try_server(o), 0);
  /* A callback decides per origin: the application's explicit choice. */
  assert_int_equal(sio_http_opts_set_cors_origins(o, "*"), 0);
  sio_http_opts_set_cors_callback(o, allow_all, NULL);
  assert_int_equal(try_server(o), 0);
  sio_http_opts_free(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_setters),
      cmocka_unit_test(test_server_without_opts),
      cmocka_unit_test(test_cors_any_with_credentials_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
