/* Unit tests for the Socket.IO server's argument handling: the builder
 * (sio_args_t) and what it encodes, the read-only view of received
 * arguments (sio_argv_t), the byte-for-byte relay with placeholder
 * renumbering, and wire arguments from adapters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sio/sio_internal.h"

/* Encodes an event with args and returns the packet text (caller frees). */
static char *encode(const char *event, const sio_args_t *a, size_t *natt) {
  sio__packet_out_t out;
  assert_int_equal(sio__packet_encode(sio_parser_json(), &out, "/", event, -1, a), 0);
  char *s = strndup((const char *)sio__eio_msg_bytes(out.msgs[0]), out.msgs[0]->len);
  if (natt) *natt = out.n - 1;
  sio__packet_out_free(&out);
  return s;
}

static void assert_encodes(const sio_args_t *a, const char *want) {
  char *s = encode("e", a, NULL);
  assert_string_equal(s, want);
  free(s);
}

static void test_builder_scalars(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  assert_non_null(a);
  assert_encodes(a, "2[\"e\"]");
  assert_int_equal(sio_args_add_string(a, "h\"i\n"), 0);
  assert_int_equal(sio_args_add_int(a, -42), 0);
  assert_int_equal(sio_args_add_double(a, 1.5), 0);
  assert_int_equal(sio_args_add_double(a, 1.0), 0);
  assert_int_equal(sio_args_add_bool(a, 1), 0);
  assert_int_equal(sio_args_add_null(a), 0);
  assert_int_equal(sio_args_count(a), 6);
  assert_encodes(a, "2[\"e\",\"h\\\"i\\n\",-42,1.5,1,true,null]");
  sio_args_clear(a);
  assert_int_equal(sio_args_count(a), 0);
  assert_encodes(a, "2[\"e\"]");
  sio_args_free(a);
}

static void test_builder_raw_and_json(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_raw(a, " {\"b\":1, \"a\":[1.0e0]} ",
                                    strlen(" {\"b\":1, \"a\":[1.0e0]} ")),
                   0);
  assert_int_equal(sio_args_add_raw_array(a, "[1,\"x\",{}]", 10), 0);
  json_t *j = json_pack("{s:i,s:f}", "z", 1, "y", 2.5);
  assert_int_equal(sio_args_add_json(a, j), 0);
  json_decref(j);
  assert_int_equal(sio_args_count(a), 5);
  /* Key order and number spelling are kept; whitespace is dropped. */
  assert_encodes(a, "2[\"e\",{\"b\":1,\"a\":[1.0e0]},1,\"x\",{},{\"z\":1,\"y\":2.5}]");
  sio_args_free(a);
}

static void test_builder_errors_are_sticky(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_raw(a, "[1,", 3), SIO_EINVAL);
  assert_int_equal(sio_args_add_int(a, 1), 0);
  sio__packet_out_t out;
  assert_int_equal(sio__packet_encode(sio_parser_json(), &out, "/", "e", -1, a),
                   SIO_EINVAL);
  sio_args_clear(a);
  assert_int_equal(sio_args_add_stringn(a, "\xff", 1), SIO_EINVAL);
  sio_args_clear(a);
  /* Placeholders may not be smuggled in raw text. */
  assert_int_equal(sio_args_add_raw(a, "{\"_placeholder\":true,\"num\":0}", 29),
                   SIO_EINVAL);
  sio_args_clear(a);
  assert_int_equal(sio_args_add_raw_array(a, "{}", 2), SIO_EINVAL);
  sio_args_free(a);
}

static void test_builder_binary(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  static const uint8_t one[] = {1, 2}, two[] = {3};
  assert_int_equal(sio_args_add_string(a, "x"), 0);
  assert_int_equal(sio_args_add_binary(a, one, 2), 0);
  sio_buf_t b = {two, 1};
  assert_int_equal(
      sio_args_add_raw_binary(a, "{\"k\":{\"_placeholder\":true,\"num\":0}}", 35, &b, 1),
      0);
  size_t natt;
  char *s = encode("e", a, &natt);
  assert_string_equal(s, "52-[\"e\",\"x\",{\"_placeholder\":true,\"num\":0},"
                         "{\"k\":{\"_placeholder\":true,\"num\":1}}]");
  assert_int_equal(natt, 2);
  free(s);
  /* A placeholder naming a missing buffer is refused. */
  assert_int_equal(
      sio_args_add_raw_binary(a, "{\"_placeholder\":true,\"num\":1}", 29, &b, 1),
      SIO_EINVAL);
  sio_args_free(a);
}

static void test_ack_encoding(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  sio__packet_out_t out;
  assert_int_equal(sio__packet_encode(sio_parser_json(), &out, "/admin", NULL, 789, a),
                   0);
  assert_int_equal(out.msgs[0]->len, 13);
  assert_memory_equal(sio__eio_msg_bytes(out.msgs[0]), "3/admin,789[]", 13);
  sio__packet_out_free(&out);
  sio_args_add_binary(a, "z", 1);
  assert_int_equal(sio__packet_encode(sio_parser_json(), &out, "/", NULL, 15, a), 0);
  assert_int_equal(out.n, 2);
  const char *want = "61-15[{\"_placeholder\":true,\"num\":0}]";
  assert_int_equal(out.msgs[0]->len, strlen(want));
  assert_memory_equal(sio__eio_msg_bytes(out.msgs[0]), want, strlen(want));
  sio__packet_out_free(&out);
  /* Reserved names are refused. */
  assert_int_equal(
      sio__packet_encode(sio_parser_json(), &out, "/", "disconnect", -1, NULL),
      SIO_EINVAL);
  sio_args_free(a);
}

/* Decodes text (+ attachments) with the reassembling decoder. */
static void decode(sio__sio_decoder_t *d, const char *text, const char *const *bins,
                   size_t nb, sio__sio_packet_t *pkt) {
  sio__sio_decoder_init(d, NULL);
  int rc = sio__sio_decoder_feed_text(d, text, strlen(text), NULL, pkt);
  if (nb == 0) {
    assert_int_equal(rc, 1);
    return;
  }
  assert_int_equal(rc, 0);
  for (size_t i = 0; i < nb; i++) {
    rc = sio__sio_decoder_feed_binary(d, (const uint8_t *)bins[i], strlen(bins[i]), NULL,
                                      pkt);
    assert_int_equal(rc, i + 1 == nb ? 1 : 0);
  }
}

static void test_argv_view(void **state) {
  (void)state;
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  const char *bins[] = {"AB"};
  decode(&d,
         "51-[\"ev\",\"a\\u00e9\",12,-1.5e1,true,null,{\"o\":[1]},[2],"
         "{\"_placeholder\":true,\"num\":0}]",
         bins, 1, &pkt);
  sio_argv_t av;
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  assert_int_equal(sio_argv_count(&av), 8);
  assert_int_equal(sio_argv_type(&av, 0), SIO_ARG_STRING);
  assert_int_equal(sio_argv_type(&av, 1), SIO_ARG_NUMBER);
  assert_int_equal(sio_argv_type(&av, 3), SIO_ARG_BOOL);
  assert_int_equal(sio_argv_type(&av, 4), SIO_ARG_NULL);
  assert_int_equal(sio_argv_type(&av, 5), SIO_ARG_OBJECT);
  assert_int_equal(sio_argv_type(&av, 6), SIO_ARG_ARRAY);
  assert_int_equal(sio_argv_type(&av, 7), SIO_ARG_BINARY);
  assert_int_equal(sio_argv_type(&av, 8), SIO_ARG_NONE);
  size_t len;
  assert_string_equal(sio_argv_string(&av, 0, &len), "a\xc3\xa9");
  assert_int_equal(len, 3);
  assert_null(sio_argv_string(&av, 1, NULL));
  int64_t i64;
  double dbl;
  int b;
  assert_int_equal(sio_argv_int64(&av, 1, &i64), 0);
  assert_int_equal(i64, 12);
  assert_int_equal(sio_argv_int64(&av, 2, &i64), SIO_EINVAL);
  assert_int_equal(sio_argv_double(&av, 2, &dbl), 0);
  assert_true(dbl == -15.0);
  assert_int_equal(sio_argv_bool(&av, 3, &b), 0);
  assert_int_equal(b, 1);
  sio_buf_t buf;
  assert_int_equal(sio_argv_binary(&av, 7, &buf), 0);
  assert_int_equal(buf.len, 2);
  assert_memory_equal(buf.base, "AB", 2);
  assert_int_equal(sio_argv_binary(&av, 5, &buf), SIO_EINVAL);
  assert_int_equal(sio_argv_raw(&av, 2, &buf), 0);
  assert_int_equal(buf.len, 6);
  assert_memory_equal(buf.base, "-1.5e1", 6);
  json_t *j = sio_argv_json(&av, 5);
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "o"), 0)), 1);
  json_decref(j);
  sio_argv_raw_all(&av, &buf);
  assert_int_equal(buf.len, strlen("\"a\\u00e9\",12,-1.5e1,true,null,{\"o\":[1]},[2],"
                                   "{\"_placeholder\":true,\"num\":0}"));

  /* The relay: the same bytes, the same (shared) attachment. */
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_argv(a, &av), 0);
  assert_int_equal(sio_args_count(a), 8);
  assert_ptr_equal(a->att[0].owner, pkt.att[0].owner);
  char *s = encode("ev", a, NULL);
  assert_string_equal(s, "51-[\"ev\",\"a\\u00e9\",12,-1.5e1,true,null,{\"o\":[1]},[2],"
                         "{\"_placeholder\":true,\"num\":0}]");
  free(s);
  /* Relayed after another binary: the placeholders are renumbered. */
  sio_args_clear(a);
  sio_args_add_binary(a, "z", 1);
  assert_int_equal(sio_args_add_argv(a, &av), 0);
  s = encode("ev", a, NULL);
  assert_non_null(strstr(s, "52-[\"ev\",{\"_placeholder\":true,\"num\":0},\"a\\u00e9\""));
  assert_non_null(strstr(s, "[2],{\"_placeholder\":true,\"num\":1}]"));
  free(s);
  sio_args_free(a);
  sio__argv_clear(&av);
  sio__sio_packet_release(&pkt);
  sio__sio_decoder_reset(&d);
}

/* Received JSON with whitespace between tokens is relayed compact (strings
 * keep theirs), on the plain relay and on the renumbering path. */
static void test_argv_relay_compacts(void **state) {
  (void)state;
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  const char *bins[] = {"AB"};
  decode(&d,
         "51-[ \"ev\" , 1 ,\n{ \"a b\" : [ 1 , \"x \\\" y\" ] } ,\t"
         "{ \"_placeholder\" : true , \"num\" : 0 } ]",
         bins, 1, &pkt);
  sio_argv_t av;
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_argv(a, &av), 0);
  char *s = encode("ev", a, NULL);
  assert_string_equal(s, "51-[\"ev\",1,{\"a b\":[1,\"x \\\" y\"]},"
                         "{\"_placeholder\":true,\"num\":0}]");
  free(s);
  sio_args_clear(a);
  sio_args_add_binary(a, "z", 1);
  assert_int_equal(sio_args_add_argv(a, &av), 0);
  s = encode("ev", a, NULL);
  assert_string_equal(s, "52-[\"ev\",{\"_placeholder\":true,\"num\":0},1,{\"a b\":[1,"
                         "\"x \\\" y\"]},{\"_placeholder\":true,\"num\":1}]");
  free(s);
  sio_args_free(a);
  sio__argv_clear(&av);
  sio__sio_packet_release(&pkt);
  sio__sio_decoder_reset(&d);
}

static void test_argv_ack_and_stored(void **state) {
  (void)state;
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  decode(&d, "3/x,7[\"r\",{\"a\":1}]", NULL, 0, &pkt);
  sio_argv_t av;
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  assert_int_equal(sio_argv_count(&av), 2);
  sio__argv_clear(&av);
  sio__stored_t *st = sio__stored_new(&pkt);
  assert_non_null(st);
  assert_int_equal(sio_argv_count(&st->av), 2);
  assert_string_equal(sio_argv_string(&st->av, 0, NULL), "r");
  sio__stored_free(st);
  decode(&d, "3/x,7", NULL, 0, &pkt);
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  assert_int_equal(sio_argv_count(&av), 0);
  sio__argv_clear(&av);
}

#define W1 "1,{\"n\":{\"_placeholder\":true,\"num\":0}}"
static void test_wire_args(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  sio_buf_t b = {(const uint8_t *)"hi", 2};
  assert_int_equal(sio__args_set_wire(a, W1, strlen(W1), &b, 1), 0);
  assert_int_equal(sio_args_count(a), 2);
  assert_int_equal(a->natt, 1);
  char *s = encode("e", a, NULL);
  assert_string_equal(s, "51-[\"e\",1,{\"n\":{\"_placeholder\":true,\"num\":0}}]");
  free(s);
  assert_int_equal(sio__args_set_wire(a, "1,", 2, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__args_set_wire(a, "{\"_placeholder\":true,\"num\":1}", 29, &b, 1),
                   SIO_EINVAL);
  assert_int_equal(sio__args_set_wire(a, "", 0, NULL, 0), 0);
  assert_int_equal(sio_args_count(a), 0);
  sio_args_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builder_scalars),
      cmocka_unit_test(test_builder_raw_and_json),
      cmocka_unit_test(test_builder_errors_are_sticky),
      cmocka_unit_test(test_builder_binary),
      cmocka_unit_test(test_ack_encoding),
      cmocka_unit_test(test_argv_view),
      cmocka_unit_test(test_argv_relay_compacts),
      cmocka_unit_test(test_argv_ack_and_stored),
      cmocka_unit_test(test_wire_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
