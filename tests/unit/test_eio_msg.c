/* Shared Engine.IO packets: both wire forms, built once and cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "eio/eio_msg.h"

static void assert_bytes(const sio__rbuf_t *b, const void *want, size_t n) {
  assert_non_null(b);
  assert_int_equal(b->len, n);
  assert_memory_equal(b->data, want, n);
}

static void test_text_message(void **state) {
  (void)state;
  sio__eio_msg_t *m = sio__eio_msg_copy(SIO__EIO_MESSAGE, 0, "hello", 5);
  assert_non_null(m);
  assert_int_equal(sio__eio_msg_polling_len(m), 6);
  sio__rbuf_t *p = sio__eio_msg_polling(m);
  assert_bytes(p, "4hello", 6);
  assert_ptr_equal(sio__eio_msg_polling(m), p); /* cached */
  sio__rbuf_t *f = sio__eio_msg_ws_frame(m);
  assert_bytes(f,
               "\x81\x06"
               "4hello",
               8);
  assert_ptr_equal(sio__eio_msg_ws_frame(m), f);
  sio__eio_msg_unref(m);
}

static void test_binary_message(void **state) {
  (void)state;
  const uint8_t data[] = {1, 2, 3, 4};
  sio__eio_msg_t *m = sio__eio_msg_copy(SIO__EIO_MESSAGE, 1, data, 4);
  assert_non_null(m);
  assert_int_equal(sio__eio_msg_polling_len(m), 9);
  assert_bytes(sio__eio_msg_polling(m), "bAQIDBA==", 9);
  /* a bare binary frame: no type byte */
  assert_bytes(sio__eio_msg_ws_frame(m), "\x82\x04\x01\x02\x03\x04", 6);
  sio__eio_msg_unref(m);
}

static void test_control_packets(void **state) {
  (void)state;
  sio__eio_msg_t *ping = sio__eio_msg_new(SIO__EIO_PING, 0, NULL, 0, 0);
  assert_bytes(sio__eio_msg_polling(ping), "2", 1);
  assert_bytes(sio__eio_msg_ws_frame(ping),
               "\x81\x01"
               "2",
               3);
  sio__eio_msg_t *noop = sio__eio_msg_new(SIO__EIO_NOOP, 0, NULL, 0, 0);
  assert_bytes(sio__eio_msg_polling(noop), "6", 1);
  sio__eio_msg_t *pong = sio__eio_msg_copy(SIO__EIO_PONG, 0, "probe", 5);
  assert_bytes(sio__eio_msg_ws_frame(pong),
               "\x81\x06"
               "3probe",
               8);
  sio__eio_msg_t *empty = sio__eio_msg_copy(SIO__EIO_MESSAGE, 0, "", 0);
  assert_bytes(sio__eio_msg_polling(empty), "4", 1);
  sio__eio_msg_unref(ping);
  sio__eio_msg_unref(noop);
  sio__eio_msg_unref(pong);
  sio__eio_msg_unref(empty);
}

static void test_slice_and_refs(void **state) {
  (void)state;
  sio__rbuf_t *b = sio__rbuf_from("xx42[\"a\"]yy", 11);
  sio__eio_msg_t *m = sio__eio_msg_new(SIO__EIO_MESSAGE, 0, b, 2, 7);
  sio__rbuf_unref(b); /* the msg holds its own reference */
  assert_int_equal(m->len, 7);
  assert_memory_equal(sio__eio_msg_bytes(m), "42[\"a\"]", 7);
  sio__eio_msg_ref(m);
  sio__eio_msg_unref(m);
  assert_bytes(sio__eio_msg_polling(m), "442[\"a\"]", 8);
  sio__eio_msg_unref(m);
  sio__eio_msg_unref(NULL);
}

static void test_batch_append(void **state) {
  (void)state;
  const uint8_t data[] = {1, 2, 3, 4};
  sio__eio_msg_t *a = sio__eio_msg_copy(SIO__EIO_MESSAGE, 0, "hello", 5);
  sio__eio_msg_t *p = sio__eio_msg_new(SIO__EIO_PING, 0, NULL, 0, 0);
  sio__eio_msg_t *c = sio__eio_msg_copy(SIO__EIO_MESSAGE, 1, data, 4);
  sio__eio_msg_polling(c); /* one cached, the others not: same bytes either way */
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__eio_msg_polling_append(a, &sb, 1);
  sio__eio_msg_polling_append(p, &sb, 0);
  sio__eio_msg_polling_append(c, &sb, 0);
  sio__rbuf_t *body = sio__sb_finish(&sb);
  assert_bytes(body,
               "4hello\x1e"
               "2\x1e"
               "bAQIDBA==",
               18);
  sio__rbuf_unref(body);
  sio__eio_msg_unref(a);
  sio__eio_msg_unref(p);
  sio__eio_msg_unref(c);
}

static void test_large_frame(void **state) {
  (void)state;
  static uint8_t big[70000];
  memset(big, 'x', sizeof big);
  sio__eio_msg_t *m = sio__eio_msg_copy(SIO__EIO_MESSAGE, 0, big, sizeof big);
  sio__rbuf_t *f = sio__eio_msg_ws_frame(m);
  assert_non_null(f);
  /* 64-bit length form for 70001 payload bytes */
  assert_int_equal(f->len, 10 + 70001);
  assert_int_equal(f->data[1], 127);
  assert_int_equal(f->data[10], '4');
  sio__eio_msg_unref(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_message),    cmocka_unit_test(test_binary_message),
      cmocka_unit_test(test_control_packets), cmocka_unit_test(test_slice_and_refs),
      cmocka_unit_test(test_batch_append),    cmocka_unit_test(test_large_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
