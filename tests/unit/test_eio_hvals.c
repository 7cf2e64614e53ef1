/* The per-server table of shared handshake header values (eio_hvals.h):
 * one entry for one text, counted; the last release frees it; the caps
 * (entries, length) and the minimum length leave a value to its caller;
 * a closed table lives until its last value goes (ASan and valgrind see a
 * leak or a use after free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "eio/eio_hvals.h"

#define UA "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

static void test_shares_one_text(void **state) {
  (void)state;
  sio__eio_hvals_t *t = sio__eio_hvals_new(16, 1024);
  assert_non_null(t);
  char copy[] = UA; /* another buffer with the same text */
  sio__eio_hval_t *a = sio__eio_hvals_get(t, UA, strlen(UA));
  sio__eio_hval_t *b = sio__eio_hvals_get(t, copy, strlen(copy));
  assert_non_null(a);
  assert_ptr_equal(a, b);
  assert_int_equal(sio__eio_hval_refs(a), 2);
  assert_int_equal(sio__eio_hvals_count(t), 1);
  size_t n = 0;
  const char *text = sio__eio_hval_text(a, &n);
  assert_int_equal(n, strlen(UA));
  assert_string_equal(text, UA);
  assert_ptr_not_equal(text, copy);
  /* One byte more is another value. */
  sio__eio_hval_t *c = sio__eio_hvals_get(t, UA "!", strlen(UA) + 1);
  assert_non_null(c);
  assert_ptr_not_equal(c, a);
  assert_int_equal(sio__eio_hvals_count(t), 2);
  sio__eio_hval_release(c);
  /* The last release frees the entry; the first does not. */
  sio__eio_hval_release(a);
  assert_int_equal(sio__eio_hvals_count(t), 1);
  assert_int_equal(sio__eio_hval_refs(b), 1);
  sio__eio_hval_release(b);
  assert_int_equal(sio__eio_hvals_count(t), 0);
  /* Made again after it went. */
  a = sio__eio_hvals_get(t, UA, strlen(UA));
  assert_non_null(a);
  assert_int_equal(sio__eio_hvals_count(t), 1);
  sio__eio_hval_release(a);
  sio__eio_hvals_close(t);
}

static void test_caps(void **state) {
  (void)state;
  sio__eio_hvals_t *t = sio__eio_hvals_new(3, 80);
  char v[128];
  sio__eio_hval_t *held[3];
  for (int i = 0; i < 3; i++) {
    snprintf(v, sizeof v, "value number %d, long enough to be shared", i);
    held[i] = sio__eio_hvals_get(t, v, strlen(v));
    assert_non_null(held[i]);
  }
  /* Full: a new value is left to the caller; one already held is shared. */
  snprintf(v, sizeof v, "value number %d, long enough to be shared", 3);
  assert_null(sio__eio_hvals_get(t, v, strlen(v)));
  assert_int_equal(sio__eio_hvals_count(t), 3);
  snprintf(v, sizeof v, "value number %d, long enough to be shared", 1);
  sio__eio_hval_t *again = sio__eio_hvals_get(t, v, strlen(v));
  assert_ptr_equal(again, held[1]);
  sio__eio_hval_release(again);
  /* Room again once one goes. */
  sio__eio_hval_release(held[0]);
  snprintf(v, sizeof v, "value number %d, long enough to be shared", 3);
  held[0] = sio__eio_hvals_get(t, v, strlen(v));
  assert_non_null(held[0]);
  /* Too short, too long. */
  assert_null(sio__eio_hvals_get(t, "short", 5));
  memset(v, 'x', sizeof v);
  assert_null(sio__eio_hvals_get(t, v, SIO__EIO_HVAL_MIN_LEN - 1));
  assert_null(sio__eio_hvals_get(t, v, 81));
  assert_null(sio__eio_hvals_get(t, v, 0));
  for (int i = 0; i < 3; i++) sio__eio_hval_release(held[i]);
  assert_int_equal(sio__eio_hvals_count(t), 0);
  sio__eio_hvals_close(t);
  /* No table: sharing off. */
  assert_null(sio__eio_hvals_new(0, 1024));
  assert_null(sio__eio_hvals_get(NULL, UA, strlen(UA)));
  sio__eio_hval_release(NULL);
  sio__eio_hvals_close(NULL);
}

/* Many values of one table: every one found again (the chains, their cap). */
static void test_many(void **state) {
  (void)state;
  enum { N = 1024 };
  sio__eio_hvals_t *t = sio__eio_hvals_new(N, 1024);
  static sio__eio_hval_t *held[N];
  char v[64];
  size_t made = 0;
  for (int i = 0; i < N; i++) {
    snprintf(v, sizeof v, "a value of some length, number %06d", i);
    held[i] = sio__eio_hvals_get(t, v, strlen(v));
    if (held[i]) made++;
  }
  assert_true(made > N / 2); /* a full chain leaves a few inline */
  assert_int_equal(sio__eio_hvals_count(t), made);
  for (int i = 0; i < N; i++) {
    if (!held[i]) continue;
    snprintf(v, sizeof v, "a value of some length, number %06d", i);
    sio__eio_hval_t *again = sio__eio_hvals_get(t, v, strlen(v));
    assert_ptr_equal(again, held[i]);
    sio__eio_hval_release(again);
    sio__eio_hval_release(held[i]);
  }
  assert_int_equal(sio__eio_hvals_count(t), 0);
  sio__eio_hvals_close(t);
}

/* The server goes first: its table takes no new value and is freed with
 * its last one. */
static void test_close_with_values_alive(void **state) {
  (void)state;
  sio__eio_hvals_t *t = sio__eio_hvals_new(8, 1024);
  sio__eio_hval_t *a = sio__eio_hvals_get(t, UA, strlen(UA));
  sio__eio_hval_t *b = sio__eio_hvals_get(t, UA, strlen(UA));
  sio__eio_hval_t *c = sio__eio_hvals_get(t, UA "2", strlen(UA) + 1);
  sio__eio_hvals_close(t);
  assert_null(sio__eio_hvals_get(t, UA "3", strlen(UA) + 1));
  size_t n = 0;
  assert_string_equal(sio__eio_hval_text(a, &n), UA);
  sio__eio_hval_release(a);
  sio__eio_hval_release(c);
  assert_string_equal(sio__eio_hval_text(b, &n), UA);
  sio__eio_hval_release(b); /* frees the table too */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shares_one_text),
      cmocka_unit_test(test_caps),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_close_with_values_alive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
