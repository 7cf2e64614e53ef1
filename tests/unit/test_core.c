/* Unit tests for src/core: allocator, errors, rbuf and the byte builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/rbuf.h"
#include "sio/common.h"

static void test_errors(void **state) {
  assert_string_equal(sio_err_name(SIO_EPROTO), "EPROTO");
  assert_string_equal(sio_strerror(SIO_ETIMEDOUT), "timed out");
  assert_string_equal(sio_err_name(12345), "UNKNOWN");
  assert_string_equal(sio_strerror(0), "success");
  assert_string_equal(sio_err_name(0), "OK");
  assert_string_equal(sio_version(), SIO_VERSION_STRING);
}

static void test_rbuf_refs(void **state) {
  sio__rbuf_t *b = sio__rbuf_from("abc", 3);
  assert_non_null(b);
  assert_int_equal(b->len, 3);
  assert_ptr_equal(sio__rbuf_ref(b), b);
  assert_int_equal(b->refs, 2);
  sio__rbuf_unref(b);
  assert_memory_equal(b->data, "abc", 3);
  sio__rbuf_unref(b);
  sio__rbuf_unref(NULL);
}

static void test_builder(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__sb_puts(&sb, "4");
  sio__sb_put_u64(&sb, 0);
  sio__sb_put_u64(&sb, 18446744073709551615ull);
  sio__sb_printf(&sb, "[%d]", 42);
  for (int i = 0; i < 1000; i++) sio__sb_putc(&sb, 'x');
  assert_int_equal(sio__sb_len(&sb), 1 + 1 + 20 + 4 + 1000);
  sio__rbuf_t *b = sio__sb_finish(&sb);
  assert_non_null(b);
  assert_memory_equal(b->data, "4018446744073709551615[42]x", 27);
  assert_null(sb.buf);
  sio__rbuf_unref(b);

  sio__sb_init(&sb, 16);
  b = sio__sb_finish(&sb);
  assert_non_null(b);
  assert_int_equal(b->len, 0);
  sio__rbuf_unref(b);
}

static void test_calloc_overflow(void **state) {
  assert_null(sio__calloc(SIZE_MAX / 2, 4));
  char *s = sio__strndup("hello", 4);
  assert_string_equal(s, "hell");
  sio__free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_rbuf_refs),
      cmocka_unit_test(test_builder),
      cmocka_unit_test(test_calloc_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
