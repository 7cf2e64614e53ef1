/* Unit tests of the client's URL parsing with TLS: the schemes, their
 * default ports (80, 443 for https/wss), the Host header, the host name kept
 * for SNI and the certificate check, and the TLS options (a CA file that
 * cannot be loaded fails sio_client_new with SIO_ETLS). No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "client/client_internal.h"
#include "sio/client.h"

typedef struct {
  const char *url;
  int port;
  const char *host_hdr;
  const char *tls_host; /* NULL: plain */
  const char *ip;
} url_case_t;

static void test_schemes_and_ports(void **state) {
  (void)state;
  static const url_case_t cases[] = {
      {"http://127.0.0.1", 80, "127.0.0.1:80", NULL, "127.0.0.1"},
      {"ws://127.0.0.1:81/x", 81, "127.0.0.1:81", NULL, "127.0.0.1"},
      {"https://127.0.0.1", 443, "127.0.0.1:443", "127.0.0.1", "127.0.0.1"},
      {"HTTPS://127.0.0.1/socket.io/", 443, "127.0.0.1:443", "127.0.0.1", "127.0.0.1"},
      {"wss://127.0.0.1", 443, "127.0.0.1:443", "127.0.0.1", "127.0.0.1"},
      {"https://localhost:8443", 8443, "localhost:8443", "localhost", "127.0.0.1"},
      {"wss://localhost?x=1", 443, "localhost:443", "localhost", "127.0.0.1"},
      {"https://[::1]", 443, "[::1]:443", "::1", "::1"},
      {"127.0.0.1:5", 5, "127.0.0.1:5", NULL, "127.0.0.1"},
  };
  uv_loop_t loop;
  uv_loop_init(&loop);
  for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
    const url_case_t *k = &cases[i];
    sio_client_t *c = NULL;
    assert_int_equal(sio_client_new(&loop, k->url, NULL, &c), 0);
    assert_int_equal(c->t.port, k->port);
    assert_string_equal(c->t.host, k->host_hdr);
    assert_string_equal(c->t.ip, k->ip);
    if (k->tls_host) {
      assert_non_null(c->t.tls);
      assert_string_equal(c->t.tls_host, k->tls_host);
    } else {
      assert_null(c->t.tls);
      assert_null(c->t.tls_host);
    }
    sio_client_close(c, NULL, NULL);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* A host name is not looked up by sio_client_new (no blocking call): it is
 * kept and looked up at every connection. */
static void test_names_kept(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_client_t *c = NULL;
  assert_int_equal(sio_client_new(&loop, "wss://no-such-host.invalid", NULL, &c), 0);
  assert_string_equal(c->t.conn_host, "no-such-host.invalid");
  assert_string_equal(c->t.ip, "");
  assert_string_equal(c->t.tls_host, "no-such-host.invalid");
  assert_string_equal(c->t.host, "no-such-host.invalid:443");
  assert_int_equal(c->t.port, 443);
  sio_client_close(c, NULL, NULL);
  assert_int_equal(sio_client_new(&loop, "http://localhost", NULL, &c), 0);
  assert_null(c->t.conn_host); /* localhost stays fast */
  assert_string_equal(c->t.ip, "127.0.0.1");
  sio_client_close(c, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_bad_urls(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_client_t *c = (sio_client_t *)1;
  const char *bad[] = {"ftp://127.0.0.1",         "https://",     "wss://127.0.0.1:0",
                       "https://127.0.0.1:65536", "https://[::1", "wss://127.0.0.1:44x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    assert_int_equal(sio_client_new(&loop, bad[i], NULL, &c), SIO_EINVAL);
  uv_run(&loop, UV_RUN_DEFAULT); /* a failed new closes its timer from the loop */
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_tls_opts(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_client_opts_t *o = sio_client_opts_new();
  assert_int_equal(sio_client_opts_set_tls_cert(o, "a.pem", NULL), SIO_EINVAL);
  assert_int_equal(sio_client_opts_set_tls_cert(o, NULL, "k.pem"), SIO_EINVAL);
  assert_int_equal(sio_client_opts_set_tls_ca(NULL, "x", NULL), SIO_EINVAL);
  /* A CA file that does not exist: https fails at once, http ignores it. */
  assert_int_equal(sio_client_opts_set_tls_ca(o, "/nonexistent/ca.pem", NULL), 0);
  sio_client_t *c = NULL;
  assert_int_equal(sio_client_new(&loop, "https://127.0.0.1:1", o, &c), SIO_ETLS);
  assert_int_equal(sio_client_new(&loop, "http://127.0.0.1:1", o, &c), 0);
  sio_client_close(c, NULL, NULL);
  /* A missing client certificate as well. */
  assert_int_equal(sio_client_opts_set_tls_ca(o, NULL, NULL), 0);
  assert_int_equal(
      sio_client_opts_set_tls_cert(o, "/nonexistent/c.pem", "/nonexistent/k"), 0);
  assert_int_equal(sio_client_new(&loop, "wss://127.0.0.1:1", o, &c), SIO_ETLS);
  /* Verification off needs no CA at all. */
  assert_int_equal(sio_client_opts_set_tls_cert(o, NULL, NULL), 0);
  sio_client_opts_set_tls_verify(o, 0);
  assert_int_equal(sio_client_new(&loop, "wss://127.0.0.1:1", o, &c), 0);
  sio_client_close(c, NULL, NULL);
  sio_client_opts_free(o);
  assert_string_equal(sio_err_name(SIO_ETLS), "ETLS");
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schemes_and_ports),
      cmocka_unit_test(test_names_kept),
      cmocka_unit_test(test_bad_urls),
      cmocka_unit_test(test_tls_opts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
