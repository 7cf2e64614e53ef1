/* The session map: put/get/del, growth, iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eio/eio_sidmap.h"
#include "sio/common.h"

#define N 1000

static char keys[N][24];

static void count_cb(void *v, void *arg) {
  (void)v;
  (*(size_t *)arg)++;
}

static void test_put_get_del(void **state) {
  (void)state;
  sio__eio_sidmap_t m;
  sio__eio_sidmap_init(&m);
  assert_null(sio__eio_sidmap_get(&m, "nope", 4));
  assert_null(sio__eio_sidmap_del(&m, "nope"));
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "sid-%d", i);
    assert_int_equal(sio__eio_sidmap_put(&m, keys[i], keys[i]), 0);
  }
  assert_int_equal(m.count, N);
  assert_int_equal(sio__eio_sidmap_put(&m, keys[5], keys[6]), SIO_EEXIST);
  for (int i = 0; i < N; i++)
    assert_ptr_equal(sio__eio_sidmap_get(&m, keys[i], strlen(keys[i])), keys[i]);
  /* lookups take a length: a prefix or a longer key is another key */
  assert_null(sio__eio_sidmap_get(&m, "sid-1", 4));
  assert_null(sio__eio_sidmap_get(&m, "sid-10000", 9));
  size_t count = 0;
  sio__eio_sidmap_each(&m, count_cb, &count);
  assert_int_equal(count, N);
  void *vals[N];
  assert_int_equal(sio__eio_sidmap_values(&m, vals, 10), 10);
  for (int i = 0; i < N; i += 2)
    assert_ptr_equal(sio__eio_sidmap_del(&m, keys[i]), keys[i]);
  assert_int_equal(m.count, N / 2);
  for (int i = 0; i < N; i++) {
    void *v = sio__eio_sidmap_get(&m, keys[i], strlen(keys[i]));
    if (i % 2)
      assert_ptr_equal(v, keys[i]);
    else
      assert_null(v);
  }
  assert_int_equal(sio__eio_sidmap_values(&m, vals, N), N / 2);
  sio__eio_sidmap_free(&m);
  assert_int_equal(m.count, 0);
}

/* Random puts and deletes against a plain array: open addressing must find
 * every key after deletions moved its neighbours. */
static void test_random_churn(void **state) {
  (void)state;
  sio__eio_sidmap_t m;
  sio__eio_sidmap_init(&m);
  static int present[N];
  memset(present, 0, sizeof present);
  for (int i = 0; i < N; i++) snprintf(keys[i], sizeof keys[i], "k%d-%d", i, i * 7919);
  srand(4242);
  size_t count = 0;
  for (int round = 0; round < 20000; round++) {
    int i = rand() % N;
    if (present[i]) {
      assert_ptr_equal(sio__eio_sidmap_del(&m, keys[i]), keys[i]);
      present[i] = 0;
      count--;
    } else {
      assert_int_equal(sio__eio_sidmap_put(&m, keys[i], keys[i]), 0);
      present[i] = 1;
      count++;
    }
    if (round % 1000 == 0) {
      for (int k = 0; k < N; k++) {
        void *v = sio__eio_sidmap_get(&m, keys[k], strlen(keys[k]));
        if (present[k])
          assert_ptr_equal(v, keys[k]);
        else
          assert_null(v);
      }
    }
  }
  assert_int_equal(m.count, count);
  size_t seen = 0;
  sio__eio_sidmap_each(&m, count_cb, &seen);
  assert_int_equal(seen, count);
  sio__eio_sidmap_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_put_get_del),
                                     cmocka_unit_test(test_random_churn)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
