/* Redis URL parsing (src/redis/redis_url.c) and the options object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "redis/redis_opts.h"
#include "redis/redis_url.h"
#include "sio/common.h"

static void expect_str(const char *got, const char *want) {
  if (!want)
    assert_null(got);
  else {
    assert_non_null(got);
    assert_string_equal(got, want);
  }
}

static void check(const char *text, const char *host, int port, const char *path,
                  const char *user, const char *password, int db) {
  sio__redis_url_t u;
  int rc = sio__redis_url_parse(text, &u);
  if (rc != 0) fail_msg("'%s' refused: %d", text, rc);
  expect_str(u.host, host);
  assert_int_equal(u.port, port);
  expect_str(u.path, path);
  expect_str(u.user, user);
  expect_str(u.password, password);
  assert_int_equal(u.db, db);
  sio__redis_url_free(&u);
  assert_null(u.host);
  sio__redis_url_free(&u); /* idempotent */
}

static void refuse(const char *text) {
  sio__redis_url_t u;
  memset(&u, 0xab, sizeof(u));
  int rc = sio__redis_url_parse(text, &u);
  if (rc != SIO_EINVAL)
    fail_msg("'%s' gave %d, want SIO_EINVAL", text ? text : "(null)", rc);
  /* nothing left to free */
  assert_null(u.host);
  assert_null(u.path);
  assert_null(u.user);
  assert_null(u.password);
}

static void test_tcp_forms(void **state) {
  (void)state;
  check("redis://127.0.0.1:6379/0", "127.0.0.1", 6379, NULL, NULL, NULL, 0);
  check("redis://localhost", "localhost", 6379, NULL, NULL, NULL, 0);
  check("redis://localhost/", "localhost", 6379, NULL, NULL, NULL, 0);
  check("redis://redis.example-1.net:7000", "redis.example-1.net", 7000, NULL, NULL, NULL,
        0);
  check("redis://h:1/15", "h", 1, NULL, NULL, NULL, 15);
  check("redis://h:65535/123456789", "h", 65535, NULL, NULL, NULL, 123456789);
  check("REDIS://Host_A", "Host_A", 6379, NULL, NULL, NULL, 0);
  check("redis://", "127.0.0.1", 6379, NULL, NULL, NULL, 0);
  check("redis://:6380", "127.0.0.1", 6380, NULL, NULL, NULL, 0);
  check("redis:///2", "127.0.0.1", 6379, NULL, NULL, NULL, 2);
  check("redis://[::1]", "::1", 6379, NULL, NULL, NULL, 0);
  check("redis://[::1]:7001/3", "::1", 7001, NULL, NULL, NULL, 3);
  check("redis://[fe80::1:2]:7001", "fe80::1:2", 7001, NULL, NULL, NULL, 0);
}

static void test_auth_forms(void **state) {
  (void)state;
  check("redis://:secret@h", "h", 6379, NULL, NULL, "secret", 0);
  check("redis://alice:secret@h:7000/4", "h", 7000, NULL, "alice", "secret", 4);
  /* percent-decoding of user and password; the last '@' ends the userinfo */
  check("redis://:p%40ss%3Aw%2Fo%25rd@h", "h", 6379, NULL, NULL, "p@ss:w/o%rd", 0);
  check("redis://:a@b@h", "h", 6379, NULL, NULL, "a@b", 0);
  check("redis://us%65r:p%c3%a9@h", "h", 6379, NULL, "user", "p\xc3\xa9", 0);
  check("redis://:a:b@h", "h", 6379, NULL, NULL, "a:b", 0);
  /* query parameters */
  check("redis://h?db=5", "h", 6379, NULL, NULL, NULL, 5);
  check("redis://h/?password=x%20y&user=u", "h", 6379, NULL, "u", "x y", 0);
  check("redis://h?", "h", 6379, NULL, NULL, NULL, 0);
  check("redis://h?&db=1&", "h", 6379, NULL, NULL, NULL, 1);
}

static void test_unix_forms(void **state) {
  (void)state;
  check("unix:///tmp/redis.sock", NULL, 0, "/tmp/redis.sock", NULL, NULL, 0);
  check("UNIX:///var/run/redis/redis-server.sock?db=3&password=pw", NULL, 0,
        "/var/run/redis/redis-server.sock", NULL, "pw", 3);
  check("unix:///tmp/with%20space.sock?user=u&password=p%26q", NULL, 0,
        "/tmp/with space.sock", "u", "p&q", 0);
}

static void test_bad_urls(void **state) {
  (void)state;
  refuse(NULL);
  refuse("");
  refuse("localhost:6379");
  refuse("http://h");
  refuse("rediss://h:6380"); /* TLS: not supported */
  refuse("redis:/h");
  refuse("redis://h:"); /* empty port */
  refuse("redis://h:0");
  refuse("redis://h:65536");
  refuse("redis://h:123456");
  refuse("redis://h:12a");
  refuse("redis://h:-1");
  refuse("redis://h/x"); /* db not a number */
  refuse("redis://h/-1");
  refuse("redis://h/1/2");
  refuse("redis://h/1234567890"); /* db too large */
  refuse("redis://h h");
  refuse("redis://h\t");
  refuse("redis://h#frag");
  refuse("redis://h\x7f");
  refuse("redis://h\xc3\xa9");
  refuse("redis://ho%73t"); /* no escapes in the host */
  refuse("redis://[::1");
  refuse("redis://[]:1");
  refuse("redis://[::1]x");
  refuse("redis://[::1]:");
  refuse("redis://[g::1]");
  refuse("redis://a:b:c");
  refuse("redis://user@h"); /* user without password */
  refuse("redis://@h");
  refuse("redis://user:@h"); /* empty password */
  refuse("redis://:@h");
  refuse("redis://:p%4@h"); /* truncated escape */
  refuse("redis://:p%@h");
  refuse("redis://:p%zz@h");
  refuse("redis://:p%00q@h"); /* decoded NUL */
  refuse("redis://h?db=x");
  refuse("redis://h?db=");
  refuse("redis://h?foo=1"); /* unknown parameter */
  refuse("redis://h?db");
  refuse("redis://h/1?db=2"); /* db twice */
  refuse("redis://:a@h?password=b");
  refuse("redis://h?user=u"); /* user without password */
  refuse("unix://");
  refuse("unix://relative.sock");
  refuse("unix:///");
  refuse("unix:///tmp/x?db=a");
  refuse("unix:///tmp/%00");
}

static void test_limits(void **state) {
  (void)state;
  char path[200], url[256];
  /* sun_path holds 107 bytes */
  memset(path, 'a', sizeof(path));
  path[0] = '/';
  path[107] = '\0';
  snprintf(url, sizeof(url), "unix://%s", path);
  check(url, NULL, 0, path, NULL, NULL, 0);
  path[107] = 'a';
  path[108] = '\0';
  snprintf(url, sizeof(url), "unix://%s", path);
  refuse(url);
  /* overall length */
  size_t n = SIO__REDIS_URL_MAX + 1;
  char *big = malloc(n + 1);
  assert_non_null(big);
  memcpy(big, "redis://:", 9);
  memset(big + 9, 'p', n - 9);
  big[n - 2] = '@';
  big[n - 1] = 'h';
  big[n] = '\0';
  refuse(big);
  big[n - 3] = '@';
  big[n - 2] = 'h';
  big[n - 1] = '\0'; /* exactly the maximum */
  sio__redis_url_t u;
  assert_int_equal(sio__redis_url_parse(big, &u), 0);
  assert_int_equal(strlen(u.password), SIO__REDIS_URL_MAX - 11);
  sio__redis_url_free(&u);
  free(big);
}

static void test_copy_describe(void **state) {
  (void)state;
  sio__redis_url_t a, b;
  char buf[64];
  assert_int_equal(sio__redis_url_parse("redis://u:p@h:7/2", &a), 0);
  assert_int_equal(sio__redis_url_copy(&b, &a), 0);
  sio__redis_url_free(&a);
  expect_str(b.host, "h");
  expect_str(b.user, "u");
  expect_str(b.password, "p");
  assert_int_equal(b.port, 7);
  assert_int_equal(b.db, 2);
  assert_string_equal(sio__redis_url_describe(&b, buf, sizeof(buf)), "h:7");
  sio__redis_url_free(&b);
  assert_int_equal(sio__redis_url_parse("redis://[::1]:9", &a), 0);
  assert_string_equal(sio__redis_url_describe(&a, buf, sizeof(buf)), "[::1]:9");
  sio__redis_url_free(&a);
  assert_int_equal(sio__redis_url_parse("unix:///tmp/r.sock", &a), 0);
  assert_string_equal(sio__redis_url_describe(&a, buf, sizeof(buf)), "unix:/tmp/r.sock");
  assert_string_equal(sio__redis_url_describe(&a, buf, 6), "unix:");
  sio__redis_url_free(&a);
  sio__redis_url_free(NULL);
}

static void test_opts(void **state) {
  (void)state;
  sio_redis_opts_t *o = sio_redis_opts_new(), *d;
  assert_non_null(o);
  assert_string_equal(o->url_text, "redis://127.0.0.1:6379/0");
  assert_string_equal(o->url.host, "127.0.0.1");
  assert_int_equal(o->url.port, 6379);
  assert_string_equal(o->key, "socket.io");
  assert_int_equal(o->request_timeout_ms, 5000);
  assert_int_equal(o->specific_response_channel, 0);

  assert_int_equal(sio_redis_opts_set_url(o, "rediss://h"), SIO_EINVAL);
  assert_string_equal(o->url.host, "127.0.0.1"); /* unchanged */
  assert_int_equal(sio_redis_opts_set_url(o, NULL), SIO_EINVAL);
  assert_int_equal(sio_redis_opts_set_url(o, "redis://:pw@example:7000/3"), 0);
  assert_string_equal(o->url_text, "redis://:pw@example:7000/3");
  assert_string_equal(o->url.host, "example");
  assert_string_equal(o->url.password, "pw");
  assert_int_equal(o->url.db, 3);

  assert_int_equal(sio_redis_opts_set_key(o, "a#b"), SIO_EINVAL);
  assert_int_equal(sio_redis_opts_set_key(o, ""), SIO_EINVAL);
  assert_int_equal(sio_redis_opts_set_key(o, NULL), SIO_EINVAL);
  assert_string_equal(o->key, "socket.io");
  assert_int_equal(sio_redis_opts_set_key(o, "myapp"), 0);
  assert_string_equal(o->key, "myapp");
  sio_redis_opts_set_request_timeout(o, 1234);
  sio_redis_opts_set_specific_response_channel(o, 7);
  assert_int_equal(o->request_timeout_ms, 1234);
  assert_int_equal(o->specific_response_channel, 1);

  d = sio__redis_opts_dup(o);
  sio_redis_opts_free(o);
  assert_non_null(d);
  assert_string_equal(d->url_text, "redis://:pw@example:7000/3");
  assert_string_equal(d->url.host, "example");
  assert_string_equal(d->url.password, "pw");
  assert_string_equal(d->key, "myapp");
  assert_int_equal(d->request_timeout_ms, 1234);
  assert_int_equal(d->specific_response_channel, 1);
  sio_redis_opts_free(d);
  sio_redis_opts_free(NULL);
  assert_null(sio__redis_opts_dup(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tcp_forms),  cmocka_unit_test(test_auth_forms),
      cmocka_unit_test(test_unix_forms), cmocka_unit_test(test_bad_urls),
      cmocka_unit_test(test_limits),     cmocka_unit_test(test_copy_describe),
      cmocka_unit_test(test_opts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
