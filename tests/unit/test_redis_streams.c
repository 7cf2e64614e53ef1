/* Unit tests for the messages of the Redis Streams adapter
 * (src/redis/streams_codec.c, docs/REDIS-WIRE.md §9): sessions, stream entry
 * data and pub/sub messages compared with the bytes Node's encoder
 * (@msgpack/msgpack, as @socket.io/redis-streams-adapter 0.3 uses it) writes
 * for the same values, both ways, and malformed input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis/redis_adapter.h"
#include "redis/streams_adapter.h"

/* Node: encode({sid:'abc',pid:'p1',rooms:['abc','room1'],data:{k:1,b:'x',f:1.5}})
 * as base64, what its persistSession stores. */
static const char k_session_b64[] =
    "hKNzaWSjYWJjo3BpZKJwMaVyb29tc5KjYWJjpXJvb20xpGRhdGGDoWsBoWKheKFmyz/4AAAAAAAA";
/* Node: the data field of a broadcast entry with a binary argument,
 * {packet:{type:2,data:['ev',Buffer[1,2,3]]},opts:{rooms:[],except:[],flags:{}}}. */
static const char k_entry_b64[] =
    "gqZwYWNrZXSCpHR5cGUCpGRhdGGSomV2xAMBAgOkb3B0c4Olcm9vbXOQpmV4Y2VwdJClZmxhZ3OA";
/* Node: encode({type:9,data:{requestId:'r1',packet:['ev',2]},uid:'u1',nsp:'/'}). */
static const char k_ss_hex[] =
    "84a47479706509a46461746182a9726571756573744964a27231a67061636b6"
    "57492a2657602a3756964a27531a36e7370a12f";

static uint8_t *unhex(const char *hex, size_t *n) {
  size_t len = strlen(hex);
  uint8_t *out = malloc(len / 2 + 1);
  assert_non_null(out);
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
  *n = len / 2;
  return out;
}

static json_t *parse(const char *text) {
  json_error_t err;
  json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
  assert_non_null(j);
  return j;
}

static void assert_sb_equals(const sio__sb_t *sb, const char *want) {
  assert_int_equal(sio__sb_len(sb), strlen(want));
  assert_memory_equal(sio__rmp_text(sb), want, strlen(want));
}

static void test_session_encode_as_node(void **state) {
  (void)state;
  const char *rooms[] = {"abc", "room1"};
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_session(&sb, "abc", "p1", rooms, 2,
                                          "{\"k\":1,\"b\":\"x\",\"f\":1.5}"),
                   0);
  assert_sb_equals(&sb, k_session_b64);
  sio__sb_reset(&sb);
}

static void test_session_decode_from_node(void **state) {
  (void)state;
  json_t *s = NULL;
  assert_int_equal(sio__rs_decode_session(k_session_b64, strlen(k_session_b64), &s), 0);
  json_t *want = parse("{\"sid\":\"abc\",\"pid\":\"p1\",\"rooms\":[\"abc\",\"room1\"],"
                       "\"data\":{\"k\":1,\"b\":\"x\",\"f\":1.5}}");
  assert_true(json_equal(s, want));
  json_decref(want);
  json_decref(s);
}

static void test_session_null_data(void **state) {
  (void)state;
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_session(&sb, "s", "p", NULL, 0, NULL), 0);
  json_t *s = NULL;
  assert_int_equal(sio__rs_decode_session(sio__rmp_text(&sb), sio__sb_len(&sb), &s), 0);
  assert_true(json_is_null(json_object_get(s, "data")));
  assert_int_equal(json_array_size(json_object_get(s, "rooms")), 0);
  json_decref(s);
  sio__sb_reset(&sb);
}

static void test_session_garbage(void **state) {
  (void)state;
  json_t *s = NULL;
  assert_int_not_equal(sio__rs_decode_session("!!!!", 4, &s), 0);
  assert_null(s);
  /* base64 of a MessagePack string, not a map */
  assert_int_not_equal(sio__rs_decode_session("oXg=", 4, &s), 0);
  assert_null(s);
}

static const char k_bin_data[] =
    "{\"packet\":{\"type\":2,\"data\":[\"ev\",{\"_placeholder\":true,\"num\":0}]},"
    "\"opts\":{\"rooms\":[],\"except\":[],\"flags\":{}}}";

static void test_entry_data_binary_as_node(void **state) {
  (void)state;
  json_t *d = parse(k_bin_data);
  const uint8_t bytes[] = {1, 2, 3};
  sio_buf_t att = {bytes, 3};
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_entry_data(&sb, d, &att, 1), 0);
  assert_sb_equals(&sb, k_entry_b64);
  sio__sb_reset(&sb);
  json_decref(d);
}

static void test_entry_data_json(void **state) {
  (void)state;
  const char *text =
      "{\"packet\":{\"type\":2,\"data\":[\"ev\",1]},\"opts\":{\"rooms\":[\"r\"],"
      "\"except\":[],\"flags\":{}}}";
  json_t *d = parse(text);
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_entry_data(&sb, d, NULL, 0), 0);
  assert_sb_equals(&sb, text);
  sio__sb_reset(&sb);
  json_decref(d);
}

static void test_entry_decode_binary_from_node(void **state) {
  (void)state;
  sio__rs_msg_t m;
  assert_int_equal(sio__rs_decode_entry("u", 1, "/", 1, "3", 1, k_entry_b64,
                                        strlen(k_entry_b64), 1 << 20, &m),
                   0);
  assert_int_equal(m.type, 3);
  assert_string_equal(m.uid, "u");
  assert_string_equal(m.nsp, "/");
  json_t *want = parse(k_bin_data);
  assert_true(json_equal(m.data, want));
  assert_int_equal(m.natt, 1);
  assert_int_equal(m.att[0].len, 3);
  assert_memory_equal(m.att[0].base, "\x01\x02\x03", 3);
  json_decref(want);
  sio__rs_msg_free(&m);
}

static void test_entry_decode_refuses(void **state) {
  (void)state;
  sio__rs_msg_t m;
  const char *json = "{\"a\":1}";
  assert_int_not_equal(sio__rs_decode_entry("u", 1, "/", 1, "x", 1, json, 7, 1 << 20, &m),
                       0);
  assert_int_not_equal(sio__rs_decode_entry("u", 1, "/", 1, "", 0, json, 7, 1 << 20, &m),
                       0);
  assert_int_not_equal(
      sio__rs_decode_entry("u", 1, "/", 1, "3", 1, "{bad", 4, 1 << 20, &m), 0);
  /* base64 of a truncated map */
  assert_int_not_equal(
      sio__rs_decode_entry("u", 1, "/", 1, "3", 1, "gg==", 4, 1 << 20, &m), 0);
  /* over the cost bound */
  assert_int_not_equal(sio__rs_decode_entry("u", 1, "/", 1, "3", 1, k_entry_b64,
                                            strlen(k_entry_b64), 8, &m),
                       0);
  /* a map that would read as a placeholder (Node: encode({x:{_placeholder:
   * true,num:0}})) cannot forge a reference to an attachment */
  const char *forged = "gaF4gqxfcGxhY2Vob2xkZXLDo251bQA=";
  assert_int_not_equal(
      sio__rs_decode_entry("u", 1, "/", 1, "3", 1, forged, strlen(forged), 1 << 20, &m),
      0);
}

static void test_pubsub_as_node(void **state) {
  (void)state;
  json_t *d = parse("{\"requestId\":\"r1\",\"packet\":[\"ev\",2]}");
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_pubsub(&sb, 9, d, NULL, 0, "u1", "/"), 0);
  size_t n;
  uint8_t *want = unhex(k_ss_hex, &n);
  assert_int_equal(sio__sb_len(&sb), n);
  assert_memory_equal(sio__sb_data(&sb), want, n);
  sio__rs_msg_t m;
  assert_int_equal(sio__rs_decode_pubsub((const char *)want, n, 1 << 20, &m), 0);
  assert_int_equal(m.type, 9);
  assert_string_equal(m.uid, "u1");
  assert_string_equal(m.nsp, "/");
  assert_true(json_equal(m.data, d));
  sio__rs_msg_free(&m);
  free(want);
  sio__sb_reset(&sb);
  json_decref(d);
}

static void test_pubsub_refuses(void **state) {
  (void)state;
  sio__rs_msg_t m;
  /* not a map; a map without uid; type not an integer; trailing bytes */
  const char *bad[] = {"93010203", "82a47479706509a36e7370a12f",
                       "83a474797065a139a3756964a27531a36e7370a12f",
                       "83a47479706509a3756964a27531a36e7370a12fc0"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    size_t n;
    uint8_t *b = unhex(bad[i], &n);
    assert_int_not_equal(sio__rs_decode_pubsub((const char *)b, n, 1 << 20, &m), 0);
    free(b);
  }
}

/* The per-emit no-compress flag as Node's flags.compress = false, in the
 * JSON text of a stream entry, and read back (true means nothing). */
static void test_opts_no_compress(void **state) {
  (void)state;
  sio_adapter_opts_t o = {
      NULL, 0, NULL, 0, SIO_ADAPTER_F_VOLATILE | SIO_ADAPTER_F_NO_COMPRESS, 0};
  json_t *opts = sio__rs_opts_json(&o);
  json_t *data = json_pack("{s:o}", "opts", opts);
  sio__sb_t sb = {0};
  assert_int_equal(sio__rs_encode_entry_data(&sb, data, NULL, 0), 0);
  assert_sb_equals(&sb,
                   "{\"opts\":{\"rooms\":[],\"except\":[],\"flags\":{\"volatile\":true,"
                   "\"compress\":false}}}");
  sio__sb_reset(&sb);
  json_decref(data);

  sio_adapter_opts_t back;
  json_t *j = parse("{\"rooms\":[],\"except\":[],\"flags\":{\"compress\":false}}");
  assert_int_equal(sio__rs_opts_from(j, &back), 0);
  assert_int_equal(back.flags, SIO_ADAPTER_F_NO_COMPRESS);
  sio__redis_opts_free(&back);
  json_decref(j);
  j = parse("{\"rooms\":[],\"except\":[],\"flags\":{\"compress\":true}}");
  assert_int_equal(sio__rs_opts_from(j, &back), 0);
  assert_int_equal(back.flags, 0);
  sio__redis_opts_free(&back);
  json_decref(j);
}

static void test_event_array_and_opts(void **state) {
  (void)state;
  json_t *a = sio__rs_event_array("ev", "1,\"x\"", 5);
  json_t *want = parse("[\"ev\",1,\"x\"]");
  assert_true(json_equal(a, want));
  json_decref(a);
  json_decref(want);
  a = sio__rs_event_array("ev", NULL, 0);
  assert_int_equal(json_array_size(a), 1);
  json_decref(a);
  const char *rooms[] = {"r"};
  sio_adapter_opts_t o = {rooms, 1, NULL, 0, SIO_ADAPTER_F_VOLATILE, 0};
  json_t *j = sio__rs_opts_json(&o);
  want = parse("{\"rooms\":[\"r\"],\"except\":[],\"flags\":{\"volatile\":true}}");
  assert_true(json_equal(j, want));
  sio_adapter_opts_t back;
  assert_int_equal(sio__rs_opts_from(j, &back), 0);
  assert_int_equal(back.nrooms, 1);
  assert_string_equal(back.rooms[0], "r");
  assert_true(back.flags & SIO_ADAPTER_F_VOLATILE);
  sio__redis_opts_free(&back);
  json_decref(j);
  json_decref(want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_session_encode_as_node),
      cmocka_unit_test(test_session_decode_from_node),
      cmocka_unit_test(test_session_null_data),
      cmocka_unit_test(test_session_garbage),
      cmocka_unit_test(test_entry_data_binary_as_node),
      cmocka_unit_test(test_entry_data_json),
      cmocka_unit_test(test_entry_decode_binary_from_node),
      cmocka_unit_test(test_entry_decode_refuses),
      cmocka_unit_test(test_pubsub_as_node),
      cmocka_unit_test(test_pubsub_refuses),
      cmocka_unit_test(test_event_array_and_opts),
      cmocka_unit_test(test_opts_no_compress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
