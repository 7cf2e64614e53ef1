/* Unit tests for the keyed table hash: SipHash-2-4 against the reference
 * test vectors (key 00..0f, message 00..len-1), SipHash-1-3 against values
 * CPython 3.11 computes with its zero key (PYTHONHASHSEED=0, hash(bytes)),
 * and random keys that differ and change the hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/siphash.h"

static void test_siphash24_vectors(void **state) {
  (void)state;
  sio__sipkey_t key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  uint8_t msg[16];
  for (int i = 0; i < 16; i++) msg[i] = (uint8_t)i;
  assert_true(sio__siphash24(&key, msg, 0) == 0x726fdb47dd0e0e31ull);
  assert_true(sio__siphash24(&key, msg, 1) == 0x74f839c593dc67fdull);
  assert_true(sio__siphash24(&key, msg, 8) == 0x93f5f5799a932462ull);
  assert_true(sio__siphash24(&key, msg, 15) == 0xa129ca6149be45e5ull);
}

static void test_siphash13_values(void **state) {
  (void)state;
  sio__sipkey_t zero = {0, 0};
  assert_true(sio__siphash13(&zero, "a", 1) == 4644417185603328019ull);
  assert_true(sio__siphash13(&zero, "abcdefgh", 8) == 4574395652268504554ull);
  assert_true(sio__siphash13(&zero, "hello world, siphash", 20) ==
              10848750596734098677ull);
}

static void test_random_keys(void **state) {
  (void)state;
  sio__sipkey_t a, b;
  sio__sipkey_random(&a);
  sio__sipkey_random(&b);
  assert_false(a.k0 == b.k0 && a.k1 == b.k1);
  assert_true(sio__siphash13(&a, "room", 4) != sio__siphash13(&b, "room", 4));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_siphash24_vectors),
      cmocka_unit_test(test_siphash13_values),
      cmocka_unit_test(test_random_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
