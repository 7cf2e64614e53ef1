/* The per-IP connection count of the HTTP server (src/http/http_iplimit.h):
 * the key an address counts under (IPv4 alone, IPv4-mapped IPv6 as IPv4,
 * IPv6 by prefix) and the cap on a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/http_iplimit.h"
#include "sio/common.h"

static void expect_key(const char *ip, unsigned prefix, const char *want) {
  char key[64];
  sio__iplimit_key(ip, prefix, key);
  assert_string_equal(key, want);
}

static void test_keys(void **state) {
  (void)state;
  expect_key("192.0.2.7", 64, "192.0.2.7");
  expect_key("::ffff:192.0.2.7", 64, "192.0.2.7");
  expect_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64");
  expect_key("2001:db8:1:2::1", 64, "2001:db8:1:2::/64");
  expect_key("2001:db8:1:2::1", 48, "2001:db8:1::/48");
  expect_key("2001:db8:1:2::1", 56, "2001:db8:1::/56");
  expect_key("2001:db8:1:2ff::1", 56, "2001:db8:1:200::/56");
  expect_key("2001:db8:1:2::1", 63, "2001:db8:1:2::/63");
  expect_key("2001:db8:1:3::1", 63, "2001:db8:1:2::/63");
  expect_key("2001:db8::1", 128, "2001:db8::1/128");
  expect_key("::1", 64, "::/64");
  expect_key("", 64, "");
  expect_key("not-an-address", 64, "not-an-address");
}

/* One /64 has a single cap, however many addresses it uses. */
static void test_ipv6_prefix_shares_the_cap(void **state) {
  (void)state;
  sio__iplimit_t *t = sio__iplimit_new(2, 64);
  assert_non_null(t);
  void *tok[4];
  assert_int_equal(sio__iplimit_enter(t, "2001:db8:1:2::1", &tok[0]), 0);
  assert_int_equal(sio__iplimit_enter(t, "2001:db8:1:2::2", &tok[1]), 0);
  void *x;
  assert_int_equal(sio__iplimit_enter(t, "2001:db8:1:2:ffff::3", &x), SIO_ELIMIT);
  assert_int_equal(sio__iplimit_count(t, "2001:db8:1:2::9"), 2);
  /* Another /64 and IPv4 have their own. */
  assert_int_equal(sio__iplimit_enter(t, "2001:db8:1:3::1", &tok[2]), 0);
  assert_int_equal(sio__iplimit_count(t, "2001:db8:1:3::1"), 1);
  /* An IPv4 client of a dual-stack listener counts as its IPv4 address. */
  assert_int_equal(sio__iplimit_enter(t, "::ffff:192.0.2.7", &tok[3]), 0);
  assert_int_equal(sio__iplimit_count(t, "192.0.2.7"), 1);
  assert_int_equal(sio__iplimit_enter(t, "192.0.2.7", &x), 0);
  assert_int_equal(sio__iplimit_enter(t, "::ffff:192.0.2.7", &x), SIO_ELIMIT);
  sio__iplimit_leave(x);
  /* A connection gone frees its place in the prefix. */
  sio__iplimit_leave(tok[0]);
  assert_int_equal(sio__iplimit_count(t, "2001:db8:1:2::2"), 1);
  assert_int_equal(sio__iplimit_enter(t, "2001:db8:1:2::77", &tok[0]), 0);
  for (int i = 0; i < 4; i++) sio__iplimit_leave(tok[i]);
  assert_int_equal(sio__iplimit_count(t, "2001:db8:1:2::1"), 0);
  sio__iplimit_release(t);
}

/* With 128 bits every IPv6 address counts alone again. */
static void test_ipv6_full_length(void **state) {
  (void)state;
  sio__iplimit_t *t = sio__iplimit_new(1, 128);
  assert_non_null(t);
  void *a, *b, *x;
  assert_int_equal(sio__iplimit_enter(t, "2001:db8::1", &a), 0);
  assert_int_equal(sio__iplimit_enter(t, "2001:db8::2", &b), 0);
  assert_int_equal(sio__iplimit_enter(t, "2001:db8::1", &x), SIO_ELIMIT);
  sio__iplimit_leave(a);
  sio__iplimit_leave(b);
  sio__iplimit_release(t);
}

/* Many keys: the table grows, and every entry leaves with its last connection. */
static void test_many_keys(void **state) {
  (void)state;
  sio__iplimit_t *t = sio__iplimit_new(1, 64);
  assert_non_null(t);
  enum { N = 500 };
  void *tok[N];
  char ip[64];
  for (int i = 0; i < N; i++) {
    snprintf(ip, sizeof ip, "2001:db8:%x::1", i);
    assert_int_equal(sio__iplimit_enter(t, ip, &tok[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    snprintf(ip, sizeof ip, "2001:db8:%x::2", i);
    void *x;
    assert_int_equal(sio__iplimit_enter(t, ip, &x), SIO_ELIMIT);
  }
  for (int i = 0; i < N; i++) sio__iplimit_leave(tok[i]);
  assert_int_equal(sio__iplimit_count(t, "2001:db8:7::1"), 0);
  sio__iplimit_release(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_ipv6_prefix_shares_the_cap),
      cmocka_unit_test(test_ipv6_full_length),
      cmocka_unit_test(test_many_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
