/* The HTTP server's TLS options (sio_http_opts_set_tls,
 * sio_http_opts_set_tls_client_ca): argument checks, copies, and a server
 * that refuses to be created with files it cannot load (SIO_ETLS, nothing
 * leaked). Handshakes over sockets: tests/interop/server_tls.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "http/http_internal.h"
#include "sio/http.h"

static void test_set_tls_args(void **state) {
  (void)state;
  sio_http_opts_t *o = sio_http_opts_new();
  assert_non_null(o);
  assert_null(o->tls_cert); /* default: plain HTTP */
  assert_null(o->tls_client_ca);
  assert_int_equal(sio_http_opts_set_tls(o, "c.pem", NULL), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_tls(o, NULL, "k.pem"), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_tls(o, "", "k.pem"), SIO_EINVAL);
  assert_null(o->tls_cert);
  char cert[16], key[16];
  strcpy(cert, "c.pem");
  strcpy(key, "k.pem");
  assert_int_equal(sio_http_opts_set_tls(o, cert, key), 0);
  cert[0] = key[0] = 'x'; /* copied, not borrowed */
  assert_string_equal(o->tls_cert, "c.pem");
  assert_string_equal(o->tls_key, "k.pem");
  assert_int_equal(sio_http_opts_set_tls(o, "d.pem", "l.pem"), 0); /* replaces */
  assert_string_equal(o->tls_cert, "d.pem");
  assert_int_equal(sio_http_opts_set_tls_client_ca(o, ""), SIO_EINVAL);
  assert_int_equal(sio_http_opts_set_tls_client_ca(o, "ca.pem"), 0);
  assert_string_equal(o->tls_client_ca, "ca.pem");
  assert_int_equal(sio_http_opts_set_tls_client_ca(o, NULL), 0);
  assert_null(o->tls_client_ca);
  assert_int_equal(sio_http_opts_set_tls(o, NULL, NULL), 0); /* off again */
  assert_null(o->tls_cert);
  assert_null(o->tls_key);
  sio_http_opts_free(o);
}

static void test_bad_files_fail_creation(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_opts_t *o = sio_http_opts_new();
  sio_http_server_t *s = (sio_http_server_t *)(uintptr_t)1;
  assert_int_equal(
      sio_http_opts_set_tls(o, "/nonexistent/cert.pem", "/nonexistent/key.pem"), 0);
  assert_int_equal(sio_http_server_new(&loop, o, &s), SIO_ETLS);
  /* A file that is not PEM at all. */
  char path[] = "/tmp/sio_tls_unit_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs("not a certificate\n", f);
  fclose(f);
  assert_int_equal(sio_http_opts_set_tls(o, path, path), 0);
  assert_int_equal(sio_http_server_new(&loop, o, &s), SIO_ETLS);
  remove(path);
  sio_http_opts_free(o);
  assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_tls_args),
      cmocka_unit_test(test_bad_files_fail_creation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
