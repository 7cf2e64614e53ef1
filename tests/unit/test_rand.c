/* Unit tests for core/rand: sizes, id alphabet and length, no repeats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/rand.h"
#include "sio/common.h"

static void test_bytes(void **state) {
  uint8_t a[64], b[64];
  memset(a, 0, sizeof(a));
  memset(b, 0, sizeof(b));
  assert_int_equal(sio__rand_bytes(a, sizeof(a)), 0);
  assert_int_equal(sio__rand_bytes(b, sizeof(b)), 0);
  /* 512 random bits equal to zero, or to each other: probability 2^-512. */
  static const uint8_t zero[64];
  assert_memory_not_equal(a, zero, sizeof(a));
  assert_memory_not_equal(a, b, sizeof(a));
  assert_int_equal(sio__rand_bytes(a, 0), 0);
  /* Only the requested bytes are written. */
  uint8_t c[8];
  memset(c, 0xaa, sizeof(c));
  assert_int_equal(sio__rand_bytes(c + 1, 1), 0);
  assert_int_equal(c[0], 0xaa);
  assert_int_equal(c[2], 0xaa);
}

static int url_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

static void test_ids(void **state) {
  enum { N = 200 };
  static char ids[N][21];
  for (int i = 0; i < N; i++) {
    memset(ids[i], 'X', sizeof(ids[i]));
    assert_int_equal(sio__rand_id(ids[i]), 0);
    assert_int_equal(strlen(ids[i]), 20);
    for (int k = 0; k < 20; k++) assert_true(url_safe(ids[i][k]));
    for (int j = 0; j < i; j++) assert_string_not_equal(ids[i], ids[j]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_bytes),
                                     cmocka_unit_test(test_ids)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
