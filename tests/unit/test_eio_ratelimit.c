/* The Engine.IO packet rate limit's token bucket (sans-I/O: explicit clock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "eio/eio_ratelimit.h"

/* The rate and burst of the bucket last made (the server's, in a server). */
static uint32_t g_rate, g_burst;

static void init(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst, uint64_t now) {
  g_rate = rate;
  g_burst = burst;
  sio__eio_bucket_init(b, rate, burst, now);
}

static int take(sio__eio_bucket_t *b, uint64_t now) {
  return sio__eio_bucket_take(b, g_rate, g_burst, now);
}

static void off_always_allows(void **state) {
  (void)state;
  sio__eio_bucket_t b;
  init(&b, 0, 0, 100);
  for (int i = 0; i < 100000; i++) assert_int_equal(take(&b, 100), 1);
}

static void burst_then_empty(void **state) {
  (void)state;
  sio__eio_bucket_t b;
  init(&b, 10, 3, 1000);
  for (int i = 0; i < 3; i++) assert_int_equal(take(&b, 1000), 1);
  assert_int_equal(take(&b, 1000), 0);
  assert_int_equal(take(&b, 1000), 0);
}

static void refills_at_rate(void **state) {
  (void)state;
  sio__eio_bucket_t b;
  init(&b, 10, 1, 0); /* one token per 100 ms */
  assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, 50), 0);
  assert_int_equal(take(&b, 99), 0);
  assert_int_equal(take(&b, 149), 1); /* 50 + 99 ms worth, partly */
  /* Tokens never exceed the burst, however long the pause. */
  init(&b, 10, 2, 0);
  assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, UINT64_C(1) << 60), 1);
  assert_int_equal(take(&b, UINT64_C(1) << 60), 1);
  assert_int_equal(take(&b, UINT64_C(1) << 60), 0);
}

static void burst_zero_means_rate(void **state) {
  (void)state;
  sio__eio_bucket_t b;
  init(&b, 4, 0, 0);
  for (int i = 0; i < 4; i++) assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, 0), 0);
  /* A clock going backwards refills nothing. */
  assert_int_equal(take(&b, 0), 0);
}

static void slow_rate_and_huge_rate(void **state) {
  (void)state;
  sio__eio_bucket_t b;
  init(&b, 1, 1, 0);
  assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, 999), 0);
  assert_int_equal(take(&b, 1000), 1);
  init(&b, UINT32_MAX, UINT32_MAX, 0);
  for (int i = 0; i < 1000; i++) assert_int_equal(take(&b, 0), 1);
  assert_int_equal(take(&b, UINT64_MAX), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(off_always_allows),       cmocka_unit_test(burst_then_empty),
      cmocka_unit_test(refills_at_rate),         cmocka_unit_test(burst_zero_means_rate),
      cmocka_unit_test(slow_rate_and_huge_rate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
