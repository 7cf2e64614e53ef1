/* Unit tests for eio/eio_v3 and eio/eio_v3_send: the Engine.IO v3 payload
 * formats (text: lengths in UTF-16 units, "b4" base64; binary: marker,
 * digit bytes, 0xFF), v3 WebSocket messages, and the forms of shared
 * messages sent to v3 sessions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eio/eio_v3.h"
#include "eio/eio_v3_send.h"
#include "sio/common.h"

#define S(str) str, sizeof(str) - 1

/* What a decode delivered, as "<type><b|t>:<data>|" records. */
typedef struct {
  char out[512];
  size_t len;
  int stop_after;
  int count;
} rec_t;

static int rec_cb(void *arg, const sio__eio_packet_t *p) {
  rec_t *r = arg;
  r->len += (size_t)snprintf(r->out + r->len, sizeof r->out - r->len, "%d%c:", p->type,
                             p->binary ? 'b' : 't');
  for (size_t i = 0; i < p->len && r->len + 4 < sizeof r->out; i++) {
    if (p->binary)
      r->len +=
          (size_t)snprintf(r->out + r->len, sizeof r->out - r->len, "%02x", p->data[i]);
    else
      r->out[r->len++] = (char)p->data[i];
  }
  r->out[r->len++] = '|';
  r->out[r->len] = '\0';
  return ++r->count == r->stop_after ? 7 : 0;
}

/* Decodes a copy of in[0..n) (exact size, so reads past it are caught). */
static int decode(const void *in, size_t n, int binary, rec_t *r) {
  memset(r, 0, sizeof *r);
  uint8_t *c = malloc(n ? n : 1);
  assert_non_null(c);
  memcpy(c, in, n);
  int rc = sio__eio_v3_decode_payload(c, n, binary, rec_cb, r);
  free(c);
  return rc;
}

static void test_utf16_len(void **state) {
  (void)state;
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)"", 0), 0);
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)S("abc")), 3);
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)S("\xc3\xa9")), 1);
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)S("\xe2\x82\xac")), 1);
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)S("\xf0\x9f\x98\x80")), 2);
  assert_int_equal(sio__eio_v3_utf16_len((const uint8_t *)S("\xc3\xa9\xf0\x9f\x98\x80x")),
                   4);
}

static void test_decode_text(void **state) {
  (void)state;
  rec_t r;
  assert_int_equal(decode(S("6:4hello1:2"), 0, &r), 0);
  assert_string_equal(r.out, "4t:hello|2t:|");
  /* Empty packets are skipped, as the reference skips them. */
  assert_int_equal(decode(S("0:1:6"), 0, &r), 0);
  assert_string_equal(r.out, "6t:|");
  /* Lengths count UTF-16 units: é is one, an emoji two. */
  assert_int_equal(decode(S("2:4\xc3\xa9"
                            "3:4\xf0\x9f\x98\x80"),
                          0, &r),
                   0);
  assert_string_equal(r.out, "4t:\xc3\xa9|4t:\xf0\x9f\x98\x80|");
  /* Base64 binary, decoded in place. */
  assert_int_equal(decode(S("10:b4AQIDBA==2:b4"), 0, &r), 0);
  assert_string_equal(r.out, "4b:01020304|4b:|");
  /* A stop from the callback is returned as is. */
  memset(&r, 0, sizeof r);
  uint8_t two[] = "1:21:6";
  r.stop_after = 1;
  assert_int_equal(sio__eio_v3_decode_payload(two, 6, 0, rec_cb, &r), 7);
  assert_string_equal(r.out, "2t:|");
}

static void test_decode_text_errors(void **state) {
  (void)state;
  rec_t r;
  static const char *const bad[] = {
      "",                    /* empty body */
      "x:4",                 /* no length */
      ":4",                  /* empty length */
      "2",                   /* no colon */
      "1:",                  /* length past the end */
      "3:4ab1:",             /* the second one too */
      "2:4\xf0\x9f\x98\x80", /* ends inside a surrogate pair */
      "2:4\xff",             /* not UTF-8 */
      "1:9",                 /* unknown type */
      "4:b3AA",              /* base64 of a non-message */
      "3:b4!",               /* bad base64 */
      "12345678901:4",       /* too many digits */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (decode(bad[i], strlen(bad[i]), 0, &r) != SIO_EPROTO)
      fail_msg("accepted: %s", bad[i]);
  /* Packets before the bad one were delivered. */
  assert_int_equal(decode(S("1:21:9"), 0, &r), SIO_EPROTO);
  assert_string_equal(r.out, "2t:|");
}

static void test_decode_binary(void **state) {
  (void)state;
  rec_t r;
  static const uint8_t ok[] = {0,   6,    0xff, '4', 'h', 'e', 'l', 'l', 'o', 1,
                               4,   0xff, 4,    1,   2,   3,   0,   1,   0,   0xff,
                               '4', 'a',  'b',  'c', 'd', 'e', 'f', 'g', 'h', 'i'};
  assert_int_equal(decode(ok, sizeof ok, 1, &r), 0);
  assert_string_equal(r.out, "4t:hello|4b:010203|4t:abcdefghi|");
  static const uint8_t b64[] = {0, 6, 0xff, 'b', '4', 'A', 'Q', 'I', 'D'};
  assert_int_equal(decode(b64, sizeof b64, 1, &r), 0);
  assert_string_equal(r.out, "4b:010203|");
  static const uint8_t bad_marker[] = {2, 1, 0xff, '4'};
  static const uint8_t bad_type[] = {1, 2, 0xff, 2, 'x'};
  static const uint8_t zero_len[] = {0, 0, 0xff};
  static const uint8_t too_long[] = {0, 9, 0xff, '4'};
  static const uint8_t no_end[] = {0, 1, 2};
  static const uint8_t digit_byte[] = {0, 10, 0xff, '4'};
  const struct {
    const uint8_t *p;
    size_t n;
  } bad[] = {{bad_marker, 4}, {bad_type, 5}, {zero_len, 3},
             {too_long, 4},   {no_end, 3},   {digit_byte, 4}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (decode(bad[i].p, bad[i].n, 1, &r) != SIO_EPROTO) fail_msg("accepted case %zu", i);
}

static void test_encode(void **state) {
  (void)state;
  sio__sb_t sb;
  sio__sb_init(&sb, 64);
  sio__eio_v3_text_append(&sb, SIO__EIO_MESSAGE, 0,
                          (const uint8_t *)S("\xf0\x9f\x98\x80"));
  sio__eio_v3_text_append(&sb, SIO__EIO_PONG, 0, NULL, 0);
  static const uint8_t bin[] = {1, 2, 3};
  sio__eio_v3_text_append(&sb, SIO__EIO_MESSAGE, 1, bin, 3);
  assert_int_equal(sio__sb_len(&sb), strlen("3:4\xf0\x9f\x98\x80"
                                            "1:3"
                                            "6:b4AQID"));
  assert_memory_equal(sio__sb_data(&sb),
                      "3:4\xf0\x9f\x98\x80"
                      "1:3"
                      "6:b4AQID",
                      sio__sb_len(&sb));
  sio__sb_reset(&sb);
  sio__sb_init(&sb, 64);
  sio__eio_v3_binary_append(&sb, SIO__EIO_MESSAGE, 0, (const uint8_t *)S("hi"));
  sio__eio_v3_binary_append(&sb, SIO__EIO_MESSAGE, 1, bin, 3);
  static const uint8_t want[] = {0, 3, 0xff, '4', 'h', 'i', 1, 4, 0xff, 4, 1, 2, 3};
  assert_int_equal(sio__sb_len(&sb), sizeof want);
  assert_memory_equal(sio__sb_data(&sb), want, sizeof want);
  sio__sb_reset(&sb);
}

static void test_decode_ws(void **state) {
  (void)state;
  sio__eio_packet_t p;
  uint8_t bin[] = {4, 9, 8};
  assert_int_equal(sio__eio_v3_decode_ws(bin, 3, 1, &p), 0);
  assert_true(p.binary && p.type == SIO__EIO_MESSAGE && p.len == 2 && p.data == bin + 1);
  uint8_t ping[] = {2};
  assert_int_equal(sio__eio_v3_decode_ws(ping, 1, 1, &p), SIO_EPROTO);
  assert_int_equal(sio__eio_v3_decode_ws(ping, 0, 1, &p), SIO_EPROTO);
  uint8_t b64[] = "b4AQID";
  assert_int_equal(sio__eio_v3_decode_ws(b64, 6, 0, &p), 0);
  assert_true(p.binary && p.len == 3 && memcmp(p.data, "\x01\x02\x03", 3) == 0);
  uint8_t v4form[] = "bAQID"; /* v4's form is not v3's */
  assert_int_equal(sio__eio_v3_decode_ws(v4form, 5, 0, &p), SIO_EPROTO);
  uint8_t text[] = "4hi";
  assert_int_equal(sio__eio_v3_decode_ws(text, 3, 0, &p), 0);
  assert_true(!p.binary && p.type == SIO__EIO_MESSAGE && p.len == 2);
}

static void test_send_forms(void **state) {
  (void)state;
  static const uint8_t bin[] = {1, 2, 3};
  sio__eio_msg_t *msgs[2] = {sio__eio_msg_copy(SIO__EIO_MESSAGE, 0, "x", 1),
                             sio__eio_msg_copy(SIO__EIO_MESSAGE, 1, bin, 3)};
  assert_non_null(msgs[0]);
  assert_non_null(msgs[1]);
  int binary = -1;
  /* A binary packet makes the binary format, unless the client asked b64. */
  sio__rbuf_t *b = sio__eio_v3_polling_body(msgs, 2, 0, &binary);
  static const uint8_t want[] = {0, 2, 0xff, '4', 'x', 1, 4, 0xff, 4, 1, 2, 3};
  assert_int_equal(binary, 1);
  assert_int_equal(b->len, sizeof want);
  assert_memory_equal(b->data, want, sizeof want);
  sio__rbuf_unref(b);
  b = sio__eio_v3_polling_body(msgs, 2, 1, &binary);
  assert_int_equal(binary, 0);
  assert_int_equal(b->len, 12);
  assert_memory_equal(b->data, "2:4x6:b4AQID", 12);
  sio__rbuf_unref(b);
  b = sio__eio_v3_polling_body(msgs, 1, 0, &binary);
  assert_int_equal(binary, 0);
  assert_memory_equal(b->data, "2:4x", 4);
  sio__rbuf_unref(b);
  /* WebSocket: text as in v4 (the same frame), binary with its type byte,
   * or "b4" text with b64. */
  size_t off, len, off4, len4;
  sio__rbuf_t *f = sio__eio_v3_ws_slice(msgs[0], 0, &off, &len);
  sio__rbuf_t *f4 = sio__eio_msg_ws_slice(msgs[0], &off4, &len4);
  assert_ptr_equal(f, f4);
  sio__rbuf_unref(f);
  f = sio__eio_v3_ws_slice(msgs[1], 0, &off, &len);
  assert_int_equal(len, 6);
  assert_memory_equal(f->data + off, "\x82\x04\x04\x01\x02\x03", 6);
  sio__rbuf_t *again = sio__eio_v3_ws_slice(msgs[1], 0, &off, &len);
  assert_ptr_equal(f, again); /* cached */
  sio__rbuf_unref(again);
  sio__rbuf_unref(f);
  f = sio__eio_v3_ws_slice(msgs[1], 1, &off, &len);
  assert_int_equal(len, 8);
  assert_memory_equal(f->data + off,
                      "\x81\x06"
                      "b4AQID",
                      8);
  sio__rbuf_unref(f);
  sio__eio_msg_unref(msgs[0]);
  sio__eio_msg_unref(msgs[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf16_len),
      cmocka_unit_test(test_decode_text),
      cmocka_unit_test(test_decode_text_errors),
      cmocka_unit_test(test_decode_binary),
      cmocka_unit_test(test_encode),
      cmocka_unit_test(test_decode_ws),
      cmocka_unit_test(test_send_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
