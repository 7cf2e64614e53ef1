/* Unit tests for src/http/http_util.c: percent-decoding, query lookup, static
 * path checks, content types, HTTP dates, ETags and token lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_util.h"
#include "sio/common.h"

static void test_pct_decode(void **state) {
  char out[64];
  assert_int_equal(sio__pct_decode("a%20b+c", 7, out, sizeof(out), 1, 1), 5);
  assert_string_equal(out, "a b c");
  assert_int_equal(sio__pct_decode("a%20b+c", 7, out, sizeof(out), 0, 1), 5);
  assert_string_equal(out, "a b+c");
  assert_int_equal(sio__pct_decode("%2e%2E%2f", 9, out, sizeof(out), 0, 1), 3);
  assert_string_equal(out, "../");
  /* Malformed escapes: errors when strict, kept literally when lenient. */
  assert_int_equal(sio__pct_decode("%zz", 3, out, sizeof(out), 0, 1), SIO_EINVAL);
  assert_int_equal(sio__pct_decode("a%4", 3, out, sizeof(out), 0, 1), SIO_EINVAL);
  assert_int_equal(sio__pct_decode("a%", 2, out, sizeof(out), 0, 1), SIO_EINVAL);
  assert_int_equal(sio__pct_decode("%zz%4", 5, out, sizeof(out), 0, 0), 5);
  assert_string_equal(out, "%zz%4");
  /* Decoded once only: %2525 is "%25". */
  assert_int_equal(sio__pct_decode("%2525", 5, out, sizeof(out), 0, 1), 3);
  assert_string_equal(out, "%25");
  /* NUL decodes as a byte. */
  assert_int_equal(sio__pct_decode("a%00b", 5, out, sizeof(out), 0, 1), 3);
  assert_memory_equal(out, "a\0b", 3);
  assert_int_equal(sio__pct_decode("abcdef", 6, out, 3, 0, 1), SIO_ELIMIT);
  assert_int_equal(sio__pct_decode("", 0, out, sizeof(out), 0, 1), 0);
}

static void test_query_find(void **state) {
  const char *q = "EIO=4&transport=polling&t=N8hyd6w&sid&empty=&a%20b=sp";
  const char *v;
  size_t n;
  assert_int_equal(sio__http_query_find(q, strlen(q), "transport", &v, &n), 0);
  assert_int_equal(n, 7);
  assert_memory_equal(v, "polling", 7);
  assert_int_equal(sio__http_query_find(q, strlen(q), "EIO", &v, &n), 0);
  assert_memory_equal(v, "4", 1);
  assert_int_equal(sio__http_query_find(q, strlen(q), "sid", &v, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(sio__http_query_find(q, strlen(q), "empty", &v, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(sio__http_query_find(q, strlen(q), "a b", &v, &n), 0);
  assert_memory_equal(v, "sp", 2);
  assert_int_equal(sio__http_query_find(q, strlen(q), "t", &v, &n), 0);
  assert_memory_equal(v, "N8hyd6w", 7);
  assert_int_equal(sio__http_query_find(q, strlen(q), "eio", &v, &n), SIO_ENOENT);
  assert_int_equal(sio__http_query_find(q, strlen(q), "trans", &v, &n), SIO_ENOENT);
  assert_int_equal(sio__http_query_find("", 0, "a", &v, &n), SIO_ENOENT);
  /* The first of repeated keys; empty pairs are skipped. */
  assert_int_equal(sio__http_query_find("&&k=1&k=2", 9, "k", &v, &n), 0);
  assert_memory_equal(v, "1", 1);
}

static void expect_path(const char *raw, int want, const char *out_want) {
  char out[256];
  int n = sio__http_static_path(raw, strlen(raw), out, sizeof(out));
  assert_int_equal(n, want);
  if (out_want) assert_string_equal(out, out_want);
}

static void test_pct_encode_path(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(sio__http_pct_encode_path("a/b-c_d.e~f", 11, out, sizeof out), 11);
  assert_string_equal(out, "a/b-c_d.e~f");
  /* Decoded bytes that would change a header or the URL's meaning. */
  static const char raw[] = "a b%\r\n?#\\\xc3\xa9";
  assert_int_equal(sio__http_pct_encode_path(raw, sizeof raw - 1, out, sizeof out), 29);
  assert_string_equal(out, "a%20b%25%0D%0A%3F%23%5C%C3%A9");
  assert_int_equal(sio__http_pct_encode_path("a\0b", 3, out, sizeof out), 5);
  assert_string_equal(out, "a%00b");
  assert_int_equal(sio__http_pct_encode_path("!$&'()*+,;=:@", 13, out, sizeof out), 13);
  char tiny[4];
  assert_int_equal(sio__http_pct_encode_path("abc", 3, tiny, sizeof tiny), 3);
  assert_int_equal(sio__http_pct_encode_path("abcd", 4, tiny, sizeof tiny), SIO_ELIMIT);
  assert_int_equal(sio__http_pct_encode_path("a ", 2, tiny, sizeof tiny), SIO_ELIMIT);
}

static void test_static_path(void **state) {
  expect_path("/", 0, "");
  expect_path("/index.html", 10, "index.html");
  expect_path("//a///b/./c.txt", 9, "a/b/c.txt");
  expect_path("/sub/", 4, "sub/");
  expect_path("/a%20b.txt", 7, "a b.txt");
  expect_path("/..", SIO_EACCES, NULL);
  expect_path("/../etc/passwd", SIO_EACCES, NULL);
  expect_path("/a/../b", SIO_EACCES, NULL);
  expect_path("/%2e%2e/x", SIO_EACCES, NULL);
  expect_path("/%2E%2E%2Fx", SIO_EACCES, NULL);
  expect_path("/.%2e/x", SIO_EACCES, NULL);
  expect_path("/a%5c..%5cb", SIO_EACCES, NULL);
  expect_path("/a\\b", SIO_EACCES, NULL);
  expect_path("/%00", SIO_EINVAL, NULL);
  expect_path("/a%00.html", SIO_EINVAL, NULL);
  expect_path("/%zz", SIO_EINVAL, NULL);
  expect_path("relative", SIO_EINVAL, NULL);
  /* Decoded once: "%252e%252e" is the literal name "%2e%2e", not "..". */
  expect_path("/%252e%252e/x", 8, "%2e%2e/x");
  /* "..." is a name, not a parent. */
  expect_path("/.../x", 5, ".../x");
  char tiny[4];
  assert_int_equal(sio__http_static_path("/abcdef", 7, tiny, sizeof(tiny)), SIO_ELIMIT);
  assert_int_equal(sio__http_static_path("/a\0b", 4, tiny, sizeof(tiny)), SIO_EINVAL);
}

static void test_mime(void **state) {
  assert_string_equal(sio__http_mime_type("a/index.html"), "text/html; charset=utf-8");
  assert_string_equal(sio__http_mime_type("app.JS"), "text/javascript; charset=utf-8");
  assert_string_equal(sio__http_mime_type("m.mjs"), "text/javascript; charset=utf-8");
  assert_string_equal(sio__http_mime_type("x.css"), "text/css; charset=utf-8");
  assert_string_equal(sio__http_mime_type("x.json"), "application/json; charset=utf-8");
  assert_string_equal(sio__http_mime_type("x.js.map"), "application/json; charset=utf-8");
  assert_string_equal(sio__http_mime_type("x.png"), "image/png");
  assert_string_equal(sio__http_mime_type("x.jpg"), "image/jpeg");
  assert_string_equal(sio__http_mime_type("x.svg"), "image/svg+xml");
  assert_string_equal(sio__http_mime_type("favicon.ico"), "image/x-icon");
  assert_string_equal(sio__http_mime_type("x.txt"), "text/plain; charset=utf-8");
  assert_string_equal(sio__http_mime_type("x.wasm"), "application/wasm");
  assert_string_equal(sio__http_mime_type("x.woff2"), "font/woff2");
  assert_string_equal(sio__http_mime_type("x.bin"), "application/octet-stream");
  assert_string_equal(sio__http_mime_type("noext"), "application/octet-stream");
  assert_string_equal(sio__http_mime_type(".html"), "application/octet-stream");
  assert_string_equal(sio__http_mime_type("dir.js/file"), "application/octet-stream");
}

static void test_dates(void **state) {
  char out[30];
  sio__http_date_format(784111777, out);
  assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
  sio__http_date_format(0, out);
  assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
  time_t t;
  assert_int_equal(sio__http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
  assert_int_equal((long long)t, 784111777);
  assert_int_equal(sio__http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t),
                   SIO_EINVAL);
  assert_int_equal(sio__http_date_parse("Sun, 06 Xyz 1994 08:49:37 GMT", 29, &t),
                   SIO_EINVAL);
  assert_int_equal(sio__http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", 29, &t),
                   SIO_EINVAL);
  assert_int_equal(sio__http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", 29, &t),
                   SIO_EINVAL);
  assert_int_equal(sio__http_date_parse("", 0, &t), SIO_EINVAL);
}

static void test_etag(void **state) {
  char e[48];
  sio__http_etag(255, 4096, e);
  assert_string_equal(e, "\"ff-1000\"");
  const char *l = "\"a\", W/\"ff-1000\"";
  assert_int_equal(sio__http_etag_match(l, strlen(l), e), 1);
  assert_int_equal(sio__http_etag_match("\"ff-1000\"", 9, e), 1);
  assert_int_equal(sio__http_etag_match("*", 1, e), 1);
  assert_int_equal(sio__http_etag_match("\"ff-1001\"", 9, e), 0);
  assert_int_equal(sio__http_etag_match("ff-1000", 7, e), 0);
  assert_int_equal(sio__http_etag_match("", 0, e), 0);
}

static void test_tokens(void **state) {
  const char *v = "keep-alive, Upgrade";
  assert_int_equal(sio__http_list_has_token(v, strlen(v), "upgrade"), 1);
  assert_int_equal(sio__http_list_has_token(v, strlen(v), "keep-alive"), 1);
  assert_int_equal(sio__http_list_has_token(v, strlen(v), "close"), 0);
  assert_int_equal(sio__http_list_has_token(" ,\tWebSocket ,", 14, "websocket"), 1);
  assert_int_equal(sio__http_list_has_token("websockets", 10, "websocket"), 0);
  assert_int_equal(sio__http_list_has_token("", 0, "x"), 0);
  assert_int_equal(sio__http_ieq("GeT", 3, "get"), 1);
  assert_int_equal(sio__http_ieq("GeT", 2, "get"), 0);
  assert_string_equal(sio__http_status_text(404), "Not Found");
  assert_string_equal(sio__http_status_text(431), "Request Header Fields Too Large");
  assert_string_equal(sio__http_status_text(299), "Unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pct_decode),  cmocka_unit_test(test_query_find),
      cmocka_unit_test(test_static_path), cmocka_unit_test(test_pct_encode_path),
      cmocka_unit_test(test_mime),        cmocka_unit_test(test_dates),
      cmocka_unit_test(test_etag),        cmocka_unit_test(test_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
