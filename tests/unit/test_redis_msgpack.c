/* Unit tests for the msgpack bridge (src/core/msgpack_json.h) and the Redis
 * adapter's messages built on it (src/redis/redis_msgpack.h):
 * messages as Node publishes them (docs/REDIS-WIRE.md §4-§6) byte for byte from JSON
 * and back, number/string/container encodings as notepack.io 3 writes them, the
 * JSON that Node would print for what it decodes, Dates, and bad input of every
 * kind (truncated, huge declared sizes, deep nesting, trailing bytes, wrong types,
 * forged placeholders, too many attachments). Also runs the fuzz target's checks
 * on its seeds and on fuzz/regressions/redis_msgpack/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis/redis_msgpack.h"
#include "sio/common.h"

static const char *g_input; /* the fuzz input being checked, for messages */
#define SIO_FUZZ_NO_ENTRY 1
#define SIO_FUZZ_FAIL(file, line, what)                                                  \
  fail_msg("%s:%d: fuzz check failed: %s (input %s)", file, line, what,                  \
           g_input ? g_input : "?")
#include "../../fuzz/fuzz_redis_msgpack.c"

/* ---- helpers ---- */

/* Hex (spaces ignored) -> malloc'd bytes. */
static uint8_t *unhex(const char *hex, size_t *n) {
  size_t len = strlen(hex), k = 0;
  uint8_t *out = malloc(len / 2 + 1);
  assert_non_null(out);
  int hi = -1;
  for (size_t i = 0; i < len; i++) {
    char c = hex[i];
    int v = 0;
    if (c == ' ') continue;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      fail_msg("bad hex char %c in %s", c, hex);
    if (hi < 0) {
      hi = v;
    } else {
      out[k++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  assert_int_equal(hi, -1);
  *n = k;
  return out;
}

static char *tohex(const void *p, size_t n) {
  static char buf[8192];
  const uint8_t *b = p;
  size_t o = 0;
  for (size_t i = 0; i < n && o + 3 < sizeof(buf); i++)
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02x", b[i]);
  buf[o] = 0;
  return buf;
}

static void expect_bytes(const void *got, size_t n, const char *hex) {
  size_t en;
  uint8_t *exp = unhex(hex, &en);
  if (n != en || memcmp(got, exp, n) != 0) {
    char want[8192];
    snprintf(want, sizeof(want), "%s", tohex(exp, en));
    fail_msg("bytes differ:\n got  %s\n want %s", tohex(got, n), want);
  }
  free(exp);
}

static void expect_text(const sio__sb_t *b, const char *text) {
  size_t n = strlen(text);
  if (sio__sb_len(b) != n || (n && memcmp(sio__rmp_text(b), text, n) != 0))
    fail_msg("text differs:\n got  %.*s\n want %s", (int)sio__sb_len(b), sio__rmp_text(b),
             text);
}

/* One JSON value -> msgpack bytes; rc returned, bytes in *out. */
static int pack_one(const char *json, const sio_buf_t *att, size_t natt, sio__sb_t *out) {
  msgpack_packer pk;
  sio__mp_packer_init(&pk, out);
  return sio__mp_pack_json(&pk, json, strlen(json), att, natt, SIO__RMP_JSON_MAX_DEPTH);
}

static void expect_pack(const char *json, const char *hex) {
  sio__sb_t b = {0};
  int rc = pack_one(json, NULL, 0, &b);
  if (rc) fail_msg("pack_json(%s) = %d", json, rc);
  expect_bytes(sio__rmp_text(&b), sio__sb_len(&b), hex);
  sio__sb_reset(&b);
}

/* msgpack hex -> JSON text of the root value (rc returned). */
static int decode_text(const char *hex, sio__sb_t *json, size_t max_att) {
  size_t n;
  uint8_t *p = unhex(hex, &n);
  msgpack_unpacked u;
  int rc = sio__mp_unpack((const char *)p, n, &u);
  if (rc == 0) {
    sio_buf_t *att = NULL;
    size_t natt = 0;
    rc = sio__mp_to_json(&u.data, json, &att, &natt, max_att);
    sio_free(att);
    msgpack_unpacked_destroy(&u);
  }
  free(p);
  return rc;
}

static void expect_json(const char *hex, const char *text) {
  sio__sb_t j = {0};
  int rc = decode_text(hex, &j, 16);
  if (rc) fail_msg("decode(%s) = %d", hex, rc);
  expect_text(&j, text);
  sio__sb_reset(&j);
}

static int unpack_hex(const char *hex, uint8_t **bytes, msgpack_unpacked *u) {
  size_t n;
  *bytes = unhex(hex, &n);
  return sio__mp_unpack((const char *)*bytes, n, u);
}

static int str_is(const sio__rmp_str_t *s, const char *c) {
  return s->s && s->len == strlen(c) && memcmp(s->s, c, s->len) == 0;
}

/* ---- the captured messages ---- */

#define K_TYPE "a4 74797065"
#define K_DATA "a4 64617461"
#define K_NSP "a3 6e7370"
#define K_ROOMS "a5 726f6f6d73"
#define K_EXCEPT "a6 657863657074"
#define K_FLAGS "a5 666c616773"
#define K_VOLATILE "a8 766f6c6174696c65"
#define K_TIMEOUT "a7 74696d656f7574"
#define K_UID "a3 756964"
#define K_REQID "a9 726571756573744964"
#define K_PACKET "a6 7061636b6574"
#define K_OPTS "a4 6f707473"
#define UID "a6 356e46635546" /* "5nFcUF" */

#define EX1                                                                              \
  "93" UID "83" K_TYPE "02" K_DATA                                                       \
  "98 a5 68656c6c6f a5 776f726c64 01 cb 3ff8000000000000 ff c3 c0"                       \
  "82 a1 61 01 a1 62 92 02 03" K_NSP "a1 2f"                                             \
  "83" K_ROOMS "90" K_EXCEPT "90" K_FLAGS "80"
#define EX1_ARGS "\"world\",1,1.5,-1,true,null,{\"a\":1,\"b\":[2,3]}"

#define EX2                                                                              \
  "93" UID "83" K_TYPE "02" K_DATA                                                       \
  "93 a3 62696e c4 03 010203 81 a6 6e6573746564 c4 02 6869" K_NSP "a1 2f"                \
  "83" K_ROOMS "91 a5 726f6f6d31" K_EXCEPT "90" K_FLAGS "80"
#define EX2_ARGS                                                                         \
  "{\"_placeholder\":true,\"num\":0},{\"nested\":{\"_placeholder\":true,\"num\":1}}"

/* Node's Example 3: volatile and compress(false). */
#define EX3_NODE                                                                         \
  "93" UID "83" K_TYPE "02" K_DATA "92 a5 6d756c7469 03" K_NSP "a1 2f"                   \
  "83" K_ROOMS "92 a5 726f6f6d31 a5 726f6f6d32" K_EXCEPT "91 a5 726f6f6d33" K_FLAGS      \
  "82" K_VOLATILE "c3 a8 636f6d7072657373 c2"
#define EX3_OURS                                                                         \
  "93" UID "83" K_TYPE "02" K_DATA "92 a5 6d756c7469 03" K_NSP "a1 2f"                   \
  "83" K_ROOMS "92 a5 726f6f6d31 a5 726f6f6d32" K_EXCEPT "91 a5 726f6f6d33" K_FLAGS      \
  "81" K_VOLATILE "c3"

#define EX4                                                                              \
  "93 a7 656d6974746572 83" K_TYPE "02" K_DATA "92 a1 65 01" K_NSP "a1 2f"               \
  "83" K_ROOMS "91 a1 72" K_FLAGS "80" K_EXCEPT "90"

#define EX_EMITTER                                                                       \
  "93a7656d697474657283a47479706502a46461746192a7656d2d726f6f6d81a178cb3ff4000000000000" \
  "a36e7370a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707490"

#define EX_TYPE7                                                                         \
  "85a3756964a6356e46635546a9726571756573744964a646474932374b"                           \
  "a47479706507a67061636b657483a47479706502a46461746192a561636b6d6507a36e7370a12f"       \
  "a46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd03e8"

#define EX_TYPE9                                                                         \
  "83 a4 74797065 09 a9 726571756573744964 a6 46474932374b a6 7061636b6574"              \
  "ab 61636b2d66726f6d2d6342"
#define EX_TYPE9_BIN                                                                     \
  "83 a4 74797065 09 a9 726571756573744964 a6 46474932374b a6 7061636b6574"              \
  "82 a2 6f6b 01 a3 726177 c4 02 dead"

static void encode_bc(const char *uid, const char *event, const char *args,
                      const sio_buf_t *att, size_t natt, const char *const *rooms,
                      size_t nrooms, const char *const *except, size_t nexcept, int vol,
                      int emitter, const char *hex) {
  sio__rmp_event_t ev = {event, args, strlen(args), att, natt};
  sio__rmp_opts_t o = {rooms, nrooms, except, nexcept, vol, 0, 0};
  sio__sb_t out = {0};
  assert_int_equal(sio__rmp_encode_broadcast(&out, uid, "/", &ev, &o, emitter), 0);
  expect_bytes(sio__rmp_text(&out), sio__sb_len(&out), hex);
  sio__sb_reset(&out);
}

static void decode_bc(const char *hex, sio__rmp_broadcast_t *b, uint8_t **bytes,
                      msgpack_unpacked *u) {
  assert_int_equal(unpack_hex(hex, bytes, u), 0);
  assert_int_equal(sio__rmp_decode_broadcast(&u->data, b, 16), 0);
}

static void test_example1(void **state) {
  (void)state;
  size_t n;
  free(unhex(EX1, &n));
  assert_int_equal(n, 84);
  encode_bc("5nFcUF", "hello", EX1_ARGS, NULL, 0, NULL, 0, NULL, 0, 0, 0, EX1);

  sio__rmp_broadcast_t b;
  uint8_t *bytes;
  msgpack_unpacked u;
  decode_bc(EX1, &b, &bytes, &u);
  assert_true(str_is(&b.uid, "5nFcUF"));
  assert_true(str_is(&b.nsp, "/"));
  assert_int_equal(b.type, 2);
  assert_true(str_is(&b.event, "hello"));
  expect_text(&b.json, EX1_ARGS);
  assert_int_equal(b.natt, 0);
  assert_int_equal(b.nrooms, 0);
  assert_int_equal(b.nexcept, 0);
  assert_int_equal(b.volatile_, 0);
  assert_int_equal(b.timeout_ms, 0);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void test_example2_binary(void **state) {
  (void)state;
  static const uint8_t one[] = {1, 2, 3}, two[] = {'h', 'i'};
  const sio_buf_t att[2] = {{one, 3}, {two, 2}};
  const char *rooms[] = {"room1"};
  encode_bc("5nFcUF", "bin", EX2_ARGS, att, 2, rooms, 1, NULL, 0, 0, 0, EX2);

  sio__rmp_broadcast_t b;
  uint8_t *bytes;
  msgpack_unpacked u;
  decode_bc(EX2, &b, &bytes, &u);
  assert_true(str_is(&b.event, "bin"));
  expect_text(&b.json, EX2_ARGS);
  assert_int_equal(b.natt, 2);
  assert_int_equal(b.att[0].len, 3);
  assert_memory_equal(b.att[0].base, one, 3);
  assert_int_equal(b.att[1].len, 2);
  assert_memory_equal(b.att[1].base, two, 2);
  assert_int_equal(b.nrooms, 1);
  assert_true(str_is(&b.rooms[0], "room1"));
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void test_example3_flags(void **state) {
  (void)state;
  const char *rooms[] = {"room1", "room2"}, *except[] = {"room3"};
  encode_bc("5nFcUF", "multi", "3", NULL, 0, rooms, 2, except, 1, 1, 0, EX3_OURS);

  sio__rmp_broadcast_t b;
  uint8_t *bytes;
  msgpack_unpacked u;
  decode_bc(EX3_NODE, &b, &bytes, &u);
  expect_text(&b.json, "3");
  assert_int_equal(b.nrooms, 2);
  assert_true(str_is(&b.rooms[1], "room2"));
  assert_int_equal(b.nexcept, 1);
  assert_true(str_is(&b.except[0], "room3"));
  assert_int_equal(b.volatile_, 1);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

/* The per-emit no-compress flag crosses servers as Node's flags.compress =
 * false: written byte for byte as Node writes Example 3, and read back. */
static void test_example3_no_compress(void **state) {
  (void)state;
  const char *rooms[] = {"room1", "room2"}, *except[] = {"room3"};
  sio__rmp_event_t ev = {"multi", "3", 1, NULL, 0};
  sio__rmp_opts_t o = {rooms, 2, except, 1, 1, 0, 1};
  sio__sb_t out = {0};
  assert_int_equal(sio__rmp_encode_broadcast(&out, "5nFcUF", "/", &ev, &o, 0), 0);
  expect_bytes(sio__rmp_text(&out), sio__sb_len(&out), EX3_NODE);
  sio__sb_reset(&out);

  sio__rmp_broadcast_t b;
  uint8_t *bytes;
  msgpack_unpacked u;
  decode_bc(EX3_NODE, &b, &bytes, &u);
  assert_int_equal(b.no_compress, 1);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
  /* No flag, or compress true: compressed as usual. */
  decode_bc(EX1, &b, &bytes, &u);
  assert_int_equal(b.no_compress, 0);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
  decode_bc("93" UID "83" K_TYPE "02" K_DATA "91 a1 65" K_NSP "a1 2f"
            "83" K_ROOMS "90" K_EXCEPT "90" K_FLAGS "81 a8 636f6d7072657373 c3",
            &b, &bytes, &u);
  assert_int_equal(b.no_compress, 0);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void test_example4_emitter(void **state) {
  (void)state;
  size_t n;
  free(unhex(EX4, &n));
  assert_int_equal(n, 56);
  const char *rooms[] = {"r"};
  encode_bc("emitter", "e", "1", NULL, 0, rooms, 1, NULL, 0, 0, 1, EX4);
  encode_bc("emitter", "em-room", "{\"x\":1.25}", NULL, 0, (const char *[]){"room1"}, 1,
            NULL, 0, 0, 1, EX_EMITTER);

  sio__rmp_broadcast_t b;
  uint8_t *bytes;
  msgpack_unpacked u;
  decode_bc(EX_EMITTER, &b, &bytes, &u);
  assert_true(str_is(&b.uid, "emitter"));
  assert_true(str_is(&b.event, "em-room"));
  expect_text(&b.json, "{\"x\":1.25}");
  assert_true(str_is(&b.rooms[0], "room1"));
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);

  decode_bc(EX4, &b, &bytes, &u);
  expect_text(&b.json, "1");
  assert_true(str_is(&b.rooms[0], "r"));
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void test_type7(void **state) {
  (void)state;
  size_t n;
  free(unhex(EX_TYPE7, &n));
  assert_int_equal(n, 107);
  sio__rmp_event_t ev = {"ackme", "7", 1, NULL, 0};
  sio__rmp_opts_t o = {NULL, 0, NULL, 0, 0, 1000, 0};
  sio__sb_t out = {0};
  assert_int_equal(
      sio__rmp_encode_broadcast_ack_request(&out, "5nFcUF", "FGI27K", "/", &ev, &o), 0);
  expect_bytes(sio__rmp_text(&out), sio__sb_len(&out), EX_TYPE7);
  sio__sb_reset(&out);

  uint8_t *bytes;
  msgpack_unpacked u;
  sio__rmp_broadcast_t b;
  sio__rmp_str_t rid;
  assert_int_equal(unpack_hex(EX_TYPE7, &bytes, &u), 0);
  assert_int_equal(sio__rmp_decode_broadcast_ack_request(&u.data, &b, &rid, 16), 0);
  assert_true(str_is(&rid, "FGI27K"));
  assert_true(str_is(&b.uid, "5nFcUF"));
  assert_true(str_is(&b.event, "ackme"));
  assert_true(str_is(&b.nsp, "/"));
  expect_text(&b.json, "7");
  assert_int_equal(b.timeout_ms, 1000);
  assert_int_equal(b.type, 2);
  sio__rmp_broadcast_free(&b);
  /* Not a broadcast, and a broadcast is not a type 7. */
  assert_int_equal(sio__rmp_decode_broadcast(&u.data, &b, 16), SIO_EPROTO);
  msgpack_unpacked_destroy(&u);
  free(bytes);
  assert_int_equal(unpack_hex(EX1, &bytes, &u), 0);
  assert_int_equal(sio__rmp_decode_broadcast_ack_request(&u.data, &b, &rid, 16),
                   SIO_EPROTO);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void check_type9(const char *hex, const char *json, const sio_buf_t *att,
                        size_t natt) {
  sio__sb_t out = {0};
  assert_int_equal(
      sio__rmp_encode_broadcast_ack_reply(&out, "FGI27K", json, strlen(json), att, natt),
      0);
  expect_bytes(sio__rmp_text(&out), sio__sb_len(&out), hex);
  sio__sb_reset(&out);

  uint8_t *bytes;
  msgpack_unpacked u;
  sio__rmp_str_t rid;
  sio__sb_t j = {0};
  sio_buf_t *a = NULL;
  size_t na = 0;
  assert_int_equal(unpack_hex(hex, &bytes, &u), 0);
  assert_int_equal(sio__rmp_decode_broadcast_ack_reply(&u.data, &rid, &j, &a, &na, 4), 0);
  assert_true(str_is(&rid, "FGI27K"));
  expect_text(&j, json);
  assert_int_equal(na, natt);
  for (size_t i = 0; i < na; i++) {
    assert_int_equal(a[i].len, att[i].len);
    assert_memory_equal(a[i].base, att[i].base, a[i].len);
  }
  sio_free(a);
  sio__sb_reset(&j);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

static void test_type9(void **state) {
  (void)state;
  static const uint8_t dead[] = {0xde, 0xad};
  const sio_buf_t att = {dead, 2};
  check_type9(EX_TYPE9, "\"ack-from-cB\"", NULL, 0);
  check_type9(EX_TYPE9_BIN, "{\"ok\":1,\"raw\":{\"_placeholder\":true,\"num\":0}}", &att,
              1);
  /* No ack argument: packet left out, as notepack leaves out undefined. */
  check_type9("82 a4 74797065 09 a9 726571756573744964 a6 46474932374b", "", NULL, 0);
  /* A list is not one value. */
  sio__sb_t out = {0};
  assert_int_equal(sio__rmp_encode_broadcast_ack_reply(&out, "x", "1,2", 3, NULL, 0),
                   SIO_EPROTO);
  assert_int_equal(sio__sb_len(&out), 0);
  sio__sb_reset(&out);
}

/* ---- numbers, strings, containers ---- */

static void test_pack_numbers(void **state) {
  (void)state;
  static const char *const t[][2] = {
      {"0", "00"},
      {"127", "7f"},
      {"128", "cc80"},
      {"255", "ccff"},
      {"256", "cd0100"},
      {"65535", "cdffff"},
      {"65536", "ce00010000"},
      {"4294967295", "ceffffffff"},
      {"4294967296", "cf0000000100000000"},
      {"-1", "ff"},
      {"-32", "e0"},
      {"-33", "d0df"},
      {"-128", "d080"},
      {"-129", "d1ff7f"},
      {"-32768", "d18000"},
      {"-32769", "d2ffff7fff"},
      {"-2147483648", "d280000000"},
      {"-2147483649", "d3ffffffff7fffffff"},
      {"1.5", "cb3ff8000000000000"},
      {"1.0", "01"},
      {"-0.0", "00"},
      {"-0", "00"},
      {"1e2", "64"},
      {"1E+2", "64"},
      {"-1e2", "d09c"},
      {"2.5e-1", "cb3fd0000000000000"},
      {"0.1", "cb3fb999999999999a"},
      {"1e300", "cb7e37e43c8800759c"},
      {"1e400", "cb7ff0000000000000"},
      {"-1e400", "cbfff0000000000000"},
      {"9007199254740992", "cf0020000000000000"}, /* 2^53 */
      {"9007199254740993", "cf0020000000000001"}, /* exact, unlike JavaScript */
      {"10000000000000000000", "cf8ac7230489e80000"},
      {"1e19", "cb43e158e460913d00"}, /* past 2^53 and not spelled as an integer */
      {"1e15", "cf00038d7ea4c68000"},
      {"9007199254740993.0", "cf0020000000000000"}, /* rounds to 2^53 */
      {"18446744073709551615", "cfffffffffffffffff"},
      {"18446744073709551616", "cb43f0000000000000"}, /* 2^64: float64 */
      {"-9223372036854775808", "d38000000000000000"},
      {"-9223372036854775809", "cbc3e0000000000000"}, /* -2^63 once rounded */
      {"-1e19", "cbc3e158e460913d00"},
      {"12345678901234567890123", "cb4484ea15b273b38a"},
      {"1.5e-10", "cb3de49da7e361ce4c"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) expect_pack(t[i][0], t[i][1]);
}

static void test_decode_numbers(void **state) {
  (void)state;
  static const char *const t[][2] = {
      {"ca 3fc00000", "1.5"},
      {"ca 3dcccccd", "0.10000000149011612"}, /* float32 0.1, as a JS number */
      {"ca 7f7fc99e", "3.3999999521443642e+38"},
      {"ca df000000", "-9223372036854776000"}, /* -2^63, printed as JS does */
      {"cb 4000000000000000", "2"},
      {"cb 8000000000000000", "0"},
      {"cb 7ff8000000000000", "null"},
      {"cb 7ff0000000000000", "null"},
      {"cb fff0000000000000", "null"},
      {"cb 3fb999999999999a", "0.1"},
      {"cb 7e37e43c8800759c", "1e+300"},
      {"cb 3de49da7e361ce4c", "1.5e-10"},
      {"cb 4484ea15b273b38a", "1.2345678901234568e+22"},
      {"cb 43b0000000000000", "1152921504606847000"}, /* 2^60 as a double */
      {"cb 444b1ae4d6e2ef50", "1e+21"},
      {"cb 0000000000000001", "5e-324"},
      {"cb 7fefffffffffffff", "1.7976931348623157e+308"},
      {"cb 3eb0c6f7a0b5ed8d", "0.000001"},
      {"cb 3e7ad7f29abcaf48", "1e-7"},
      {"7f", "127"},
      {"cc ff", "255"},
      {"cd ffff", "65535"},
      {"ce ffffffff", "4294967295"},
      {"cf ffffffffffffffff", "18446744073709551615"},
      {"cf 0000000000000001", "1"},
      {"e0", "-32"},
      {"d0 80", "-128"},
      {"d0 05", "5"},
      {"d1 8000", "-32768"},
      {"d2 80000000", "-2147483648"},
      {"d3 8000000000000000", "-9223372036854775808"},
      {"d3 0000000000000005", "5"},
      {"c0", "null"},
      {"c2", "false"},
      {"c3", "true"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) expect_json(t[i][0], t[i][1]);
}

static void test_strings(void **state) {
  (void)state;
  /* Escapes as JSON.stringify writes them; DEL and U+2028 as is. */
  expect_json("a9 22 5c 0a 0d 09 08 0c 01 1f",
              "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\"");
  expect_json("a4 7f e2 80 a8", "\"\x7f\xe2\x80\xa8\"");
  expect_json("a1 00", "\"\\u0000\"");
  expect_json("a0", "\"\"");
  expect_json("81 a0 a0", "{\"\":\"\"}");
  expect_pack("\"\"", "a0");
  /* Invalid UTF-8 -> U+FFFD per maximal subpart, as Node's decoder. */
  expect_json("a1 ff", "\"\xef\xbf\xbd\"");
  expect_json("a3 e2 82 41", "\"\xef\xbf\xbd"
                             "A\"");
  expect_json("a2 ed a0", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  expect_json("a4 f0 9f 98 80", "\"\xf0\x9f\x98\x80\"");
  expect_json("a2 c0 80", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  /* JSON escapes -> UTF-8; lone surrogates -> U+FFFD. */
  expect_pack("\"\\u00e9\\ud83d\\ude00\\/\"", "a7 c3a9 f09f9880 2f");
  expect_pack("\"\\ud800x\"", "a4 efbfbd 78");
  expect_pack("\"\\udc00\\ud800\"", "a6 efbfbd efbfbd");
  expect_pack("\"a\\u0000b\"", "a3 610062");
  expect_pack("\"\xc3\xa9\"", "a2 c3a9");
  /* Header sizes: a0-bf, d9, da, db. */
  char *s = malloc(65536 + 3);
  assert_non_null(s);
  static const size_t lens[] = {0, 31, 32, 255, 256, 65535, 65536};
  static const char *const heads[] = {"a0",     "bf",     "d920",      "d9ff",
                                      "da0100", "daffff", "db00010000"};
  for (size_t i = 0; i < 7; i++) {
    s[0] = '"';
    memset(s + 1, 'x', lens[i]);
    s[lens[i] + 1] = '"';
    s[lens[i] + 2] = 0;
    sio__sb_t b = {0};
    assert_int_equal(pack_one(s, NULL, 0, &b), 0);
    size_t hn;
    uint8_t *h = unhex(heads[i], &hn);
    assert_int_equal(sio__sb_len(&b), hn + lens[i]);
    assert_memory_equal(sio__rmp_text(&b), h, hn);
    free(h);
    sio__sb_reset(&b);
  }
  free(s);
}

/* "[0,0,...]" or {"k0":0,...} with n members. */
static char *make_container(size_t n, int obj) {
  char *s = malloc(n * 12 + 3);
  assert_non_null(s);
  size_t o = 0;
  s[o++] = obj ? '{' : '[';
  for (size_t i = 0; i < n; i++) {
    if (i) s[o++] = ',';
    if (obj)
      o += (size_t)sprintf(s + o, "\"%zx\":0", i);
    else
      s[o++] = '0';
  }
  s[o++] = obj ? '}' : ']';
  s[o] = 0;
  return s;
}

static void test_containers(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 15, 16, 65535, 65536};
  static const char *const ah[] = {"90", "9f", "dc0010", "dcffff", "dd00010000"};
  static const char *const mh[] = {"80", "8f", "de0010", "deffff", "df00010000"};
  for (size_t i = 0; i < 5; i++) {
    for (int obj = 0; obj < 2; obj++) {
      char *s = make_container(sizes[i], obj);
      sio__sb_t b = {0};
      assert_int_equal(pack_one(s, NULL, 0, &b), 0);
      size_t hn;
      uint8_t *h = unhex(obj ? mh[i] : ah[i], &hn);
      assert_memory_equal(sio__rmp_text(&b), h, hn);
      free(h);
      /* And back to the same text. */
      msgpack_unpacked u;
      assert_int_equal(sio__mp_unpack(sio__rmp_text(&b), sio__sb_len(&b), &u), 0);
      sio__sb_t j = {0};
      sio_buf_t *att = NULL;
      size_t natt = 0;
      assert_int_equal(sio__mp_to_json(&u.data, &j, &att, &natt, 0), 0);
      expect_text(&j, s);
      sio__sb_reset(&j);
      msgpack_unpacked_destroy(&u);
      sio__sb_reset(&b);
      free(s);
    }
  }
  /* Object keys in text order, duplicates kept; whitespace ignored. */
  expect_pack(" { \"b\" : 1 , \"a\" : [ ] , \"b\" : null } ",
              "83 a162 01 a161 90 a162 c0");
  /* Bins: c4, c5, c6. */
  static uint8_t big[65536];
  static const size_t blens[] = {0, 255, 256, 65535, 65536};
  static const char *const bh[] = {"c400", "c4ff", "c50100", "c5ffff", "c600010000"};
  for (size_t i = 0; i < 5; i++) {
    sio_buf_t att = {big, blens[i]};
    sio__sb_t b = {0};
    assert_int_equal(pack_one("{\"_placeholder\":true,\"num\":0}", &att, 1, &b), 0);
    size_t hn;
    uint8_t *h = unhex(bh[i], &hn);
    assert_int_equal(sio__sb_len(&b), hn + blens[i]);
    assert_memory_equal(sio__rmp_text(&b), h, hn);
    free(h);
    sio__sb_reset(&b);
  }
}

static void test_placeholders(void **state) {
  (void)state;
  static const uint8_t bytes[] = {1, 2, 3};
  const sio_buf_t att[2] = {{bytes, 1}, {bytes + 1, 2}};
  static const char *const t[][2] = {
      {"{\"_placeholder\":true,\"num\":0}", "c401 01"},
      {"{\"num\":1,\"_placeholder\":true}", "c402 0203"},
      {"{\"_placeholder\":true,\"num\":1,\"x\":{\"y\":2}}", "c402 0203"},
      {"{\"_placeholder\":true,\"num\":1e0}", "c402 0203"},
      {"{\"_placeholder\":true,\"num\":0.0}", "c401 01"},
      {"{\"_placeholder\":true,\"num\":-0}", "c401 01"},
      {"{\"\\u005fplaceholder\":true,\"n\\u0075m\":1}", "c402 0203"},
      {"{\"_placeholder\":false,\"_placeholder\":true,\"num\":0}", "c401 01"},
      {"[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":1}]",
       "92 c402 0203 c402 0203"},
      /* Not placeholders. */
      {"{\"_placeholder\":false,\"num\":0}",
       "82 ac 5f706c616365686f6c646572 c2 a3 6e756d 00"},
      {"{\"_placeholder\":true,\"_placeholder\":false}",
       "82 ac 5f706c616365686f6c646572 c3 ac 5f706c616365686f6c646572 c2"},
      {"{\"_placeholder\":1,\"num\":0}",
       "82 ac 5f706c616365686f6c646572 01 a3 6e756d 00"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    sio__sb_t b = {0};
    int rc = pack_one(t[i][0], att, 2, &b);
    if (rc) fail_msg("%s: %d", t[i][0], rc);
    expect_bytes(sio__rmp_text(&b), sio__sb_len(&b), t[i][1]);
    sio__sb_reset(&b);
  }
  static const char *const bad[] = {
      "{\"_placeholder\":true,\"num\":2}",     "{\"_placeholder\":true,\"num\":-1}",
      "{\"_placeholder\":true,\"num\":0.5}",   "{\"_placeholder\":true}",
      "{\"_placeholder\":true,\"num\":\"0\"}", "{\"_placeholder\":true,\"num\":null}",
      "{\"_placeholder\":true,\"num\":1e10}",  "[1,{\"_placeholder\":true,\"num\":9}]",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sio__sb_t b = {0};
    if (pack_one(bad[i], att, 2, &b) != SIO_EPROTO) fail_msg("accepted %s", bad[i]);
    sio__sb_reset(&b);
  }
  /* No attachments at all: every placeholder is out of range. */
  sio__sb_t b = {0};
  assert_int_equal(pack_one("{\"_placeholder\":true,\"num\":0}", NULL, 0, &b),
                   SIO_EPROTO);
  sio__sb_reset(&b);
}

static void test_timestamps(void **state) {
  (void)state;
  static const char *const t[][2] = {
      {"d6 ff 00000000", "\"1970-01-01T00:00:00.000Z\""},
      {"d6 ff 38bb0c00", "\"2000-02-29T00:00:00.000Z\""},
      {"d7 ff 1d6f34546553f100", "\"2023-11-14T22:13:20.123Z\""},
      {"c7 0c ff 00000000 ffffffffffffffff", "\"1969-12-31T23:59:59.000Z\""},
      {"c7 0c ff 1dcd6500 ffffffffffffffff", "\"1969-12-31T23:59:59.500Z\""},
      {"c7 0c ff 00000000 0000003afff44180", "\"+010000-01-01T00:00:00.000Z\""},
      {"c7 0c ff 00000000 fffffff184aa5080", "\"-000001-01-01T00:00:00.000Z\""},
      {"c7 0c ff 00000000 fffffff1868b8400", "\"0000-01-01T00:00:00.000Z\""},
      {"c7 0c ff 00000000 000007dba8218000", "\"+275760-09-13T00:00:00.000Z\""},
      {"c7 0c ff 00000000 000007dba8218001", "null"},
      {"c7 0c ff 00000000 8000000000000000", "null"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) expect_json(t[i][0], t[i][1]);
  sio__sb_t j = {0};
  assert_int_equal(decode_text("c7 05 ff 0000000000", &j, 4), SIO_EPROTO);
  assert_int_equal(decode_text("d4 ff 00", &j, 4), SIO_EPROTO);
  sio__sb_reset(&j);
}

/* ---- bad input ---- */

static void test_unpack_bounds(void **state) {
  (void)state;
  size_t n;
  uint8_t *ex = unhex(EX1, &n);
  msgpack_unpacked u;
  /* Every strict prefix is truncated; the whole decodes; one more byte trails. */
  for (size_t k = 0; k < n; k++)
    assert_int_equal(sio__mp_unpack((const char *)ex, k, &u), SIO_EPROTO);
  assert_int_equal(sio__mp_unpack((const char *)ex, n, &u), 0);
  msgpack_unpacked_destroy(&u);
  uint8_t *more = malloc(n + 1);
  assert_non_null(more);
  memcpy(more, ex, n);
  more[n] = 0;
  assert_int_equal(sio__mp_unpack((const char *)more, n + 1, &u), SIO_EPROTO);
  free(more);
  free(ex);

  /* Declared sizes far beyond the bytes present: refused before msgpack-c
   * allocates anything. */
  static const char *const huge[] = {
      "dd ffffffff",
      "93 dd ffffffff 00",
      "df ffffffff",
      "de ffff 00 00",
      "dc ffff",
      "db ffffffff 41",
      "c6 ffffffff",
      "c9 ffffffff ff 00",
      "91 91 91 dd ffffffff",
      "da 0002 41",
      "c5 0002 00",
      "d8 ff 00",
      "cb 00",
      "c1",
      "92 c1 00",
      "d9",
      "81 a1 61",
      "c7 01",
      "91 91",
  };
  for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
    uint8_t *p;
    if (unpack_hex(huge[i], &p, &u) != SIO_EPROTO) fail_msg("accepted %s", huge[i]);
    free(p);
  }
  assert_int_equal(sio__mp_unpack(NULL, 0, &u), SIO_EPROTO);
  assert_int_equal(sio__mp_unpack("", 0, &u), SIO_EPROTO);

  /* What a message costs: its bytes plus a msgpack_object per value. 1000
   * nils in an array are 1005 bytes that unpack into 1001 objects. */
  static uint8_t nils[1003] = {0xdc, 0x03, 0xe8};
  memset(nils + 3, 0xc0, 1000);
  size_t cost = 1003 + 1001 * sizeof(msgpack_object);
  assert_int_equal(sio__mp_unpack_max((const char *)nils, 1003, cost - 1, &u),
                   SIO_ELIMIT);
  assert_int_equal(sio__mp_unpack_max((const char *)nils, 1003, 1002, &u), SIO_ELIMIT);
  assert_int_equal(sio__mp_unpack_max((const char *)nils, 1003, cost, &u), 0);
  assert_int_equal(u.data.via.array.size, 1000);
  msgpack_unpacked_destroy(&u);

  /* Nesting: 32 containers decode (empty or not), 33 and 100 do not. */
  uint8_t deep[128];
  static const size_t depths[] = {31, 32, 33, 100};
  for (size_t i = 0; i < 4; i++) {
    for (int last = 0; last < 2; last++) {
      size_t d = depths[i], k = 0;
      for (size_t j = 0; j + 1 < d; j++) deep[k++] = 0x91;
      if (last)
        deep[k++] = 0x90; /* the innermost one empty */
      else
        deep[k++] = 0x91, deep[k++] = 0xc0;
      int rc = sio__mp_unpack((const char *)deep, k, &u);
      assert_int_equal(rc, d <= 32 ? 0 : SIO_EPROTO);
      if (rc == 0) {
        sio__sb_t j = {0};
        sio_buf_t *att = NULL;
        size_t natt = 0;
        assert_int_equal(sio__mp_to_json(&u.data, &j, &att, &natt, 0), 0);
        assert_int_equal(sio__sb_len(&j), 2 * d + (last ? 0 : 4));
        sio__sb_reset(&j);
        msgpack_unpacked_destroy(&u);
      }
    }
  }
}

#define PKT(data) "83" K_TYPE "02" K_DATA data K_NSP "a1 2f"
#define OPTS(rooms, except, flags) "83" K_ROOMS rooms K_EXCEPT except K_FLAGS flags
#define GOOD_PKT PKT("92 a1 65 01")
#define GOOD_OPTS OPTS("90", "90", "80")

static void test_broadcast_wrong_types(void **state) {
  (void)state;
  static const char *const bad[] = {
      "83" K_TYPE "02" K_DATA "90" K_NSP "a12f", /* a map root */
      "92" UID GOOD_PKT,                         /* no opts */
      "91" UID,
      "90",
      "c0",
      "93 01" GOOD_PKT GOOD_OPTS,                               /* uid int */
      "93 c0" GOOD_PKT GOOD_OPTS,                               /* uid nil */
      "93" UID "01" GOOD_OPTS,                                  /* packet int */
      "93" UID "92 02 92 a1 65 01" GOOD_OPTS,                   /* packet array */
      "93" UID "82" K_DATA "92 a165 01" K_NSP "a12f" GOOD_OPTS, /* no type */
      "93" UID "83" K_TYPE "a1 32" K_DATA "92 a165 01" K_NSP "a12f" GOOD_OPTS,
      "93" UID "83" K_TYPE "cb 4004000000000000" K_DATA "92 a165 01" K_NSP
      "a12f" GOOD_OPTS,
      "93" UID "83" K_TYPE "c0" K_DATA "92 a165 01" K_NSP "a12f" GOOD_OPTS,
      "93" UID "83" K_TYPE "cf ffffffffffffffff" K_DATA "92 a165 01" K_NSP
      "a12f" GOOD_OPTS,
      "93" UID "83" K_TYPE "02" K_DATA "92 a165 01" K_NSP "05" GOOD_OPTS, /* nsp int */
      "93" UID "83" K_TYPE "02" K_DATA "92 a165 01" K_NSP "c0" GOOD_OPTS, /* nsp nil */
      "93" UID "82" K_TYPE "02" K_NSP "a12f" GOOD_OPTS,                   /* no data */
      "93" UID PKT("05") GOOD_OPTS,                                       /* data int */
      "93" UID PKT("a165") GOOD_OPTS,                                     /* data str */
      "93" UID PKT("90") GOOD_OPTS,                                       /* data [] */
      "93" UID PKT("92 01 01") GOOD_OPTS,                                 /* event int */
      "93" UID PKT("91 c4 01 00") GOOD_OPTS,                              /* event bin */
      "93" UID GOOD_PKT "90",                                             /* opts array */
      "93" UID GOOD_PKT "c0",                                             /* opts nil */
      "93" UID GOOD_PKT OPTS("05", "90", "80"),                           /* rooms int */
      "93" UID GOOD_PKT OPTS("a1 72", "90", "80"),                        /* rooms str */
      "93" UID GOOD_PKT OPTS("92 a172 05", "90", "80"),            /* rooms [str, int] */
      "93" UID GOOD_PKT OPTS("91 c4 01 72", "90", "80"),           /* rooms [bin] */
      "93" UID GOOD_PKT OPTS("90", "a1 72", "80"),                 /* except str */
      "93" UID GOOD_PKT OPTS("90", "91 90", "80"),                 /* except [[]] */
      "93" UID GOOD_PKT OPTS("90", "90", "05"),                    /* flags int */
      "93" UID GOOD_PKT OPTS("90", "90", "90"),                    /* flags array */
      "93" UID GOOD_PKT OPTS("90", "90", "81" K_VOLATILE "01"),    /* volatile int */
      "93" UID GOOD_PKT OPTS("90", "90", "81" K_VOLATILE "a1 31"), /* volatile str */
      "93" UID GOOD_PKT OPTS("90", "90", "81" K_TIMEOUT "a1 31"),  /* timeout str */
      "93" UID GOOD_PKT OPTS("90", "90", "81" K_TIMEOUT "cb 3ff8000000000000"),
      /* Args the JSON side refuses. */
      "93" UID PKT("92 a165 81 01 02") GOOD_OPTS, /* non-string key */
      "93" UID PKT("92 a165 81 c4 01 61 02") GOOD_OPTS,
      "93" UID PKT("92 a165 82 ac 5f706c616365686f6c646572 c3 a3 6e756d 00") GOOD_OPTS,
      "93" UID PKT("92 a165 91 81 ac 5f706c616365686f6c646572 c3") GOOD_OPTS,
      "93" UID PKT("92 a165 d4 05 00") GOOD_OPTS, /* ext 5 */
      "93" UID PKT("92 a165 d4 00 00") GOOD_OPTS, /* notepack 2's undefined */
      "93" UID PKT("92 a165 c7 05 ff 0000000000") GOOD_OPTS,
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint8_t *p;
    msgpack_unpacked u;
    if (unpack_hex(bad[i], &p, &u)) fail_msg("case %zu does not unpack", i);
    sio__rmp_broadcast_t b;
    memset(&b, 0x5a, sizeof(b));
    int rc = sio__rmp_decode_broadcast(&u.data, &b, 16);
    if (rc != SIO_EPROTO) fail_msg("case %zu: %d, not EPROTO", i, rc);
    /* Left empty: nothing to free. */
    assert_null(sio__sb_data(&b.json));
    assert_null(b.att);
    assert_null(b.rooms);
    assert_null(b.except);
    msgpack_unpacked_destroy(&u);
    free(p);
  }

  /* Accepted variations: type as float64 2.0, nsp absent, empty opts, nil flags and
   * rooms, extra elements and keys, volatile false, timeout present. */
  static const char *const good[] = {
      "93" UID "83" K_TYPE "cb 4000000000000000" K_DATA "92 a165 01" K_NSP
      "a12f" GOOD_OPTS,
      "93" UID "82" K_TYPE "02" K_DATA "91 a165" GOOD_OPTS,
      "93" UID GOOD_PKT "80",
      "93" UID GOOD_PKT OPTS("c0", "c0", "c0"),
      "94" UID GOOD_PKT GOOD_OPTS "c3",
      "93" UID GOOD_PKT "84" K_ROOMS "90" K_EXCEPT "90" K_FLAGS "80 a1 78 01",
      "93" UID GOOD_PKT OPTS(
          "90", "90", "83" K_VOLATILE "c2 a8 636f6d7072657373 c3" K_TIMEOUT "cd 03e8"),
      "93 a0 83" K_TYPE "02" K_DATA "91 a165" K_NSP "a0" GOOD_OPTS, /* "" uid and nsp */
  };
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    uint8_t *p;
    msgpack_unpacked u;
    if (unpack_hex(good[i], &p, &u)) fail_msg("good case %zu does not unpack", i);
    sio__rmp_broadcast_t b;
    int rc = sio__rmp_decode_broadcast(&u.data, &b, 16);
    if (rc) fail_msg("good case %zu: %d", i, rc);
    assert_int_equal(b.type, 2);
    assert_int_equal(b.volatile_, 0);
    if (i == 1) assert_null(b.nsp.s);
    if (i == 7) assert_true(b.nsp.s && b.nsp.len == 0 && b.uid.s && b.uid.len == 0);
    if (i == 6) assert_int_equal(b.timeout_ms, 1000);
    sio__rmp_broadcast_free(&b);
    msgpack_unpacked_destroy(&u);
    free(p);
  }
}

static void test_requests_wrong_types(void **state) {
  (void)state;
  static const char *const bad7[] = {
      "85" K_UID UID K_REQID "a1 78" K_TYPE "08" K_PACKET GOOD_PKT K_OPTS GOOD_OPTS,
      "84" K_UID UID K_REQID "a1 78" K_PACKET GOOD_PKT K_OPTS GOOD_OPTS,
      "85" K_UID UID K_REQID "01" K_TYPE "07" K_PACKET GOOD_PKT K_OPTS GOOD_OPTS,
      "84" K_UID UID K_TYPE "07" K_PACKET GOOD_PKT K_OPTS GOOD_OPTS,
      "85" K_UID "01" K_REQID "a1 78" K_TYPE "07" K_PACKET GOOD_PKT K_OPTS GOOD_OPTS,
      "84" K_UID UID K_REQID "a1 78" K_TYPE "07" K_PACKET GOOD_PKT, /* no opts */
      "85" K_UID UID K_REQID "a1 78" K_TYPE "07" K_PACKET "90" K_OPTS GOOD_OPTS,
      "85" K_UID UID K_REQID "a1 78" K_TYPE "07" K_PACKET GOOD_PKT K_OPTS "90",
      "95" UID UID "07" GOOD_PKT GOOD_OPTS,
  };
  for (size_t i = 0; i < sizeof(bad7) / sizeof(bad7[0]); i++) {
    uint8_t *p;
    msgpack_unpacked u;
    if (unpack_hex(bad7[i], &p, &u)) fail_msg("case %zu does not unpack", i);
    sio__rmp_broadcast_t b;
    sio__rmp_str_t rid;
    int rc = sio__rmp_decode_broadcast_ack_request(&u.data, &b, &rid, 16);
    if (rc != SIO_EPROTO) fail_msg("type 7 case %zu: %d", i, rc);
    assert_null(rid.s);
    msgpack_unpacked_destroy(&u);
    free(p);
  }
  static const char *const bad9[] = {
      "83" K_TYPE "07" K_REQID "a1 78" K_PACKET "01",
      "82" K_REQID "a1 78" K_PACKET "01",
      "82" K_TYPE "09" K_PACKET "01",
      "83" K_TYPE "09" K_REQID "01" K_PACKET "01",
      "83" K_TYPE "09" K_REQID "a1 78" K_PACKET "81 01 01",
      "83" K_TYPE "09" K_REQID "a1 78" K_PACKET "d5 01 0000",
      "93 09 a1 78 01",
  };
  for (size_t i = 0; i < sizeof(bad9) / sizeof(bad9[0]); i++) {
    uint8_t *p;
    msgpack_unpacked u;
    if (unpack_hex(bad9[i], &p, &u)) fail_msg("case %zu does not unpack", i);
    sio__rmp_str_t rid;
    sio__sb_t j = {0};
    sio_buf_t *att = NULL;
    size_t natt = 0;
    int rc = sio__rmp_decode_broadcast_ack_reply(&u.data, &rid, &j, &att, &natt, 16);
    if (rc != SIO_EPROTO) fail_msg("type 9 case %zu: %d", i, rc);
    sio_free(att);
    sio__sb_reset(&j);
    msgpack_unpacked_destroy(&u);
    free(p);
  }
}

static void test_max_att(void **state) {
  (void)state;
  /* Three bins in the args, a limit of two. */
  const char *hex = "93" UID PKT("94 a165 c4 00 91 c4 01 aa c4 00") GOOD_OPTS;
  uint8_t *p;
  msgpack_unpacked u;
  assert_int_equal(unpack_hex(hex, &p, &u), 0);
  sio__rmp_broadcast_t b;
  assert_int_equal(sio__rmp_decode_broadcast(&u.data, &b, 2), SIO_ELIMIT);
  assert_null(b.att);
  assert_int_equal(sio__rmp_decode_broadcast(&u.data, &b, 3), 0);
  expect_text(&b.json,
              "{\"_placeholder\":true,\"num\":0},[{\"_placeholder\":true,\"num\":1}"
              "],{\"_placeholder\":true,\"num\":2}");
  assert_int_equal(b.natt, 3);
  assert_int_equal(b.att[1].len, 1);
  assert_int_equal(b.att[1].base[0], 0xaa);
  sio__rmp_broadcast_free(&b);
  assert_int_equal(sio__rmp_decode_broadcast(&u.data, &b, 0), SIO_ELIMIT);
  msgpack_unpacked_destroy(&u);
  free(p);

  /* Many bins: the attachment array grows (4, 8, 16, ...). */
  sio__sb_t m = {0};
  msgpack_packer pk;
  sio__mp_packer_init(&pk, &m);
  msgpack_pack_array(&pk, 100);
  for (int i = 0; i < 100; i++) {
    uint8_t c = (uint8_t)i;
    msgpack_pack_bin(&pk, 1);
    msgpack_pack_bin_body(&pk, &c, 1);
  }
  assert_int_equal(sio__mp_unpack(sio__rmp_text(&m), sio__sb_len(&m), &u), 0);
  sio__sb_t j = {0};
  sio_buf_t *att = NULL;
  size_t natt = 0;
  assert_int_equal(sio__mp_array_to_json(&u.data, 0, &j, &att, &natt, 100), 0);
  assert_int_equal(natt, 100);
  for (int i = 0; i < 100; i++) assert_int_equal(att[i].base[0], i);
  sio_free(att);
  att = NULL;
  natt = 0;
  sio__sb_reset(&j);
  assert_int_equal(sio__mp_array_to_json(&u.data, 0, &j, &att, &natt, 99), SIO_ELIMIT);
  sio_free(att);
  sio__sb_reset(&j);
  msgpack_unpacked_destroy(&u);
  sio__sb_reset(&m);
}

static void test_json_errors(void **state) {
  (void)state;
  static const char *const bad_list[] = {
      ",",
      "1,",
      ",1",
      "1,,2",
      "1 2",
      "[1,]",
      "{\"a\"}",
      "{\"a\":}",
      "{1:2}",
      "{\"a\":1,}",
      "tru",
      "nul",
      "01",
      "1.",
      ".5",
      "1e",
      "-",
      "+1",
      "\"abc",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\u12g4\"",
      "\"\t\"",
      "\"\x01\"",
      "\"\xff\"",
      "\"\xc0\x80\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "[",
      "]",
      "{",
      "}",
      "NaN",
      "Infinity",
      "'a'",
  };
  for (size_t i = 0; i < sizeof(bad_list) / sizeof(bad_list[0]); i++) {
    size_t count = 99;
    const char *s = bad_list[i];
    size_t n = strlen(s);
    if (sio__mp_count_json_list(s, n, SIO__RMP_JSON_MAX_DEPTH, &count) != SIO_EPROTO)
      fail_msg("count accepted <%s>", s);
    sio__sb_t b = {0};
    msgpack_packer pk;
    sio__mp_packer_init(&pk, &b);
    if (sio__mp_pack_json_list(&pk, s, n, NULL, 0, SIO__RMP_JSON_MAX_DEPTH) != SIO_EPROTO)
      fail_msg("pack accepted <%s>", s);
    sio__sb_reset(&b);
  }
  /* A NUL byte after a value. */
  size_t count;
  assert_int_equal(sio__mp_count_json_list("1\0", 2, SIO__RMP_JSON_MAX_DEPTH, &count),
                   SIO_EPROTO);

  static const struct {
    const char *text;
    size_t count;
  } good[] = {
      {"", 0},         {"  \n\t\r", 0},       {"1", 1},           {" 1 , \"a,b\" ", 2},
      {"[1,2],{}", 2}, {"null,null,null", 3}, {"\"\\u0000\"", 1}, {"-0.0e-0", 1},
  };
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    assert_int_equal(sio__mp_count_json_list(good[i].text, strlen(good[i].text),
                                             SIO__RMP_JSON_MAX_DEPTH, &count),
                     0);
    assert_int_equal(count, good[i].count);
  }
  assert_int_equal(sio__mp_count_json_list(NULL, 0, SIO__RMP_JSON_MAX_DEPTH, &count), 0);
  assert_int_equal(count, 0);

  /* pack_json wants exactly one value. */
  sio__sb_t b = {0};
  assert_int_equal(pack_one("", NULL, 0, &b), SIO_EPROTO);
  assert_int_equal(pack_one("1,2", NULL, 0, &b), SIO_EPROTO);
  sio__sb_reset(&b);

  /* Depth: 29 nested containers pack, 30 do not. */
  char deep[80];
  for (int d = 28; d <= 31; d++) {
    memset(deep, '[', (size_t)d);
    memset(deep + d, ']', (size_t)d);
    deep[2 * d] = 0;
    sio__sb_t o = {0};
    assert_int_equal(pack_one(deep, NULL, 0, &o),
                     d <= SIO__RMP_JSON_MAX_DEPTH ? 0 : SIO_ELIMIT);
    assert_int_equal(
        sio__mp_count_json_list(deep, (size_t)(2 * d), SIO__RMP_JSON_MAX_DEPTH, &count),
        d <= SIO__RMP_JSON_MAX_DEPTH ? 0 : SIO_ELIMIT);
    sio__sb_reset(&o);
  }
  /* ...and a broadcast of the deepest args still decodes (32 levels in all). */
  memset(deep, '[', 29);
  memset(deep + 29, ']', 29);
  sio__rmp_event_t ev = {"e", deep, 58, NULL, 0};
  sio__sb_t out = {0};
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", "/", &ev, NULL, 0), 0);
  msgpack_unpacked u;
  assert_int_equal(sio__mp_unpack(sio__rmp_text(&out), sio__sb_len(&out), &u), 0);
  sio__rmp_broadcast_t bc;
  assert_int_equal(sio__rmp_decode_broadcast(&u.data, &bc, 0), 0);
  assert_int_equal(sio__sb_len(&bc.json), 58);
  assert_memory_equal(sio__rmp_text(&bc.json), deep, 58);
  sio__rmp_broadcast_free(&bc);
  msgpack_unpacked_destroy(&u);
  sio__sb_reset(&out);
}

static void test_encode_errors_keep_output(void **state) {
  (void)state;
  sio__sb_t out = {0};
  sio__sb_append(&out, "xyz", 3);
  assert_int_equal(out.err, 0);
  sio__rmp_event_t ev = {"e", "{\"_placeholder\":true,\"num\":0}", 29, NULL, 0};
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", "/", &ev, NULL, 0), SIO_EPROTO);
  expect_text(&out, "xyz");
  ev.json = "1,";
  ev.json_len = 2;
  assert_int_equal(sio__rmp_encode_broadcast_ack_request(&out, "u", "r", "/", &ev, NULL),
                   SIO_EPROTO);
  expect_text(&out, "xyz");
  const char *rooms[] = {"a", NULL};
  sio__rmp_opts_t o = {rooms, 2, NULL, 0, 0, 0, 0};
  ev.json = "1";
  ev.json_len = 1;
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", "/", &ev, &o, 0), SIO_EINVAL);
  expect_text(&out, "xyz");
  assert_int_equal(sio__rmp_encode_broadcast(&out, NULL, "/", &ev, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", NULL, &ev, NULL, 0), SIO_EINVAL);
  ev.event = NULL;
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", "/", &ev, NULL, 0), SIO_EINVAL);
  expect_text(&out, "xyz");
  /* Appends after what is there. */
  ev.event = "e";
  assert_int_equal(sio__rmp_encode_broadcast(&out, "u", "/", &ev, NULL, 0), 0);
  assert_memory_equal(sio__rmp_text(&out), "xyz\x93\xa1u", 6);
  sio__sb_reset(&out);
}

static void test_lookups(void **state) {
  (void)state;
  uint8_t *p;
  msgpack_unpacked u;
  /* {"a":1,"b":"x","a":2.0,"c":true,"d":cf max,"e":2.5,"f":-5 (d3),"g":float32 3} */
  assert_int_equal(unpack_hex("88 a161 01 a162 a178 a161 cb4000000000000000 a163 c3"
                              "a164 cfffffffffffffffff a165 cb4004000000000000"
                              "a166 d3fffffffffffffffb a167 ca40400000",
                              &p, &u),
                   0);
  int64_t v;
  const char *s;
  size_t n;
  int bv;
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "a"), &v), 0);
  assert_int_equal(v, 2); /* the last "a" */
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "b"), &v), SIO_EINVAL);
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "d"), &v), SIO_EINVAL);
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "e"), &v), SIO_EINVAL);
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "f"), &v), 0);
  assert_int_equal(v, -5);
  assert_int_equal(sio__mp_get_int(sio__mp_map_get(&u.data, "g"), &v), 0);
  assert_int_equal(v, 3);
  assert_int_equal(sio__mp_get_int(NULL, &v), SIO_EINVAL);
  assert_int_equal(sio__mp_get_str(sio__mp_map_get(&u.data, "b"), &s, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(s[0], 'x');
  assert_int_equal(sio__mp_get_str(sio__mp_map_get(&u.data, "a"), &s, &n), SIO_EINVAL);
  assert_int_equal(sio__mp_get_bool(sio__mp_map_get(&u.data, "c"), &bv), 0);
  assert_int_equal(bv, 1);
  assert_int_equal(sio__mp_get_bool(sio__mp_map_get(&u.data, "a"), &bv), SIO_EINVAL);
  assert_null(sio__mp_map_get(&u.data, "zz"));
  assert_null(sio__mp_map_get(&u.data.via.map.ptr[0].val, "a")); /* not a map */
  assert_null(sio__mp_map_get(NULL, "a"));
  msgpack_unpacked_destroy(&u);
  free(p);
  /* float32/64 edge values for get_int. */
  static const char *const ints[][2] = {
      {"cb c3e0000000000000", "ok"},  /* -2^63 */
      {"cb 43e0000000000000", "bad"}, /* 2^63 */
      {"cb 7ff8000000000000", "bad"}, /* NaN */
      {"cb 8000000000000000", "ok"},  /* -0 */
      {"ca 3fc00000", "bad"},         /* 1.5f */
  };
  for (size_t i = 0; i < 5; i++) {
    assert_int_equal(unpack_hex(ints[i][0], &p, &u), 0);
    int rc = sio__mp_get_int(&u.data, &v);
    assert_int_equal(rc, strcmp(ints[i][1], "ok") == 0 ? 0 : SIO_EINVAL);
    msgpack_unpacked_destroy(&u);
    free(p);
  }
}

/* Attachments and strings borrow the input bytes: valid while they and the
 * unpacked object live. */
static void test_borrowing(void **state) {
  (void)state;
  uint8_t *bytes;
  msgpack_unpacked u;
  size_t n;
  free(unhex(EX2, &n));
  sio__rmp_broadcast_t b;
  decode_bc(EX2, &b, &bytes, &u);
  for (size_t i = 0; i < b.natt; i++)
    assert_true(b.att[i].base >= bytes && b.att[i].base + b.att[i].len <= bytes + n);
  assert_true((const uint8_t *)b.uid.s >= bytes && (const uint8_t *)b.uid.s < bytes + n);
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&u);
  free(bytes);
}

/* ---- the fuzz target's checks ---- */

static int run_dir(const char *kind) {
  char root[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 400];
  const char *env = getenv("SIO_SOURCE_DIR");
  if (env && *env) {
    snprintf(root, sizeof(root), "%s", env);
  } else {
    snprintf(root, sizeof(root), "%s", __FILE__);
    for (int up = 0; up < 3; up++) {
      char *slash = strrchr(root, '/');
      if (slash)
        *slash = 0;
      else
        snprintf(root, sizeof(root), ".");
    }
  }
  snprintf(dir, sizeof(dir), "%s/fuzz/%s/redis_msgpack", root, kind);
  struct dirent **names;
  int k = scandir(dir, &names, NULL, alphasort);
  if (k < 0) return -1;
  int ran = 0;
  for (int i = 0; i < k; i++) {
    if (names[i]->d_name[0] != '.') {
      snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
      FILE *f = fopen(path, "rb");
      if (f) {
        uint8_t buf[65536];
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        uint8_t *exact = fz_dup(buf, len);
        g_input = path;
        fuzz_redis_msgpack(exact, len);
        g_input = NULL;
        free(exact);
        ran++;
      }
    }
    free(names[i]);
  }
  free(names);
  return ran;
}

static void test_fuzz_inputs(void **state) {
  (void)state;
  if (run_dir("corpus") <= 0) fail_msg("no seeds in fuzz/corpus/redis_msgpack");
  (void)run_dir("regressions");
  /* Inputs the fuzzer found (each a bug once). */
  static const struct {
    const char *data;
    size_t len;
  } found[] = {
      {"\"\"\n", 3}, /* "" packs to a0, which msgpack-c decodes with a NULL pointer */
      /* float32 -2^63 printed as JS does, -9223372036854776000, packed back as
       * d3 8000000000000000, printed exactly: the text changed. */
      {"\x9f\xca\xdf\x00\x00\x00\x0a\x5c\x35\x64\x65\x30\x30\x00\x80\x00\x10\xc0\x7a"
       "\xc2",
       20},
  };
  for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
    uint8_t *p = fz_dup(found[i].data, found[i].len);
    fuzz_redis_msgpack(p, found[i].len);
    free(p);
  }
  /* The examples, also as direct inputs. */
  static const char *const ex[] = {EX1,        EX2,      EX3_NODE, EX4,
                                   EX_EMITTER, EX_TYPE7, EX_TYPE9, EX_TYPE9_BIN};
  for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
    size_t n;
    uint8_t *p = unhex(ex[i], &n);
    fuzz_redis_msgpack(p, n);
    free(p);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example1),
      cmocka_unit_test(test_example2_binary),
      cmocka_unit_test(test_example3_flags),
      cmocka_unit_test(test_example3_no_compress),
      cmocka_unit_test(test_example4_emitter),
      cmocka_unit_test(test_type7),
      cmocka_unit_test(test_type9),
      cmocka_unit_test(test_pack_numbers),
      cmocka_unit_test(test_decode_numbers),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_containers),
      cmocka_unit_test(test_placeholders),
      cmocka_unit_test(test_timestamps),
      cmocka_unit_test(test_unpack_bounds),
      cmocka_unit_test(test_broadcast_wrong_types),
      cmocka_unit_test(test_requests_wrong_types),
      cmocka_unit_test(test_max_att),
      cmocka_unit_test(test_json_errors),
      cmocka_unit_test(test_encode_errors_keep_output),
      cmocka_unit_test(test_lookups),
      cmocka_unit_test(test_borrowing),
      cmocka_unit_test(test_fuzz_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
