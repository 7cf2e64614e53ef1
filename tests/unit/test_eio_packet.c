/* Unit tests for eio/eio_packet: WebSocket packets, polling payloads (split,
 * b+base64 in place, stop at the first bad piece), encoding and sizes, the
 * open packet's exact bytes and parsing it back. The vectors are in
 * tests/vectors/eio_*.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rbuf.h"
#include "eio/eio_packet.h"
#include "sio/common.h"
#include "support/vectors.h"

#define S(str) str, sizeof(str) - 1

/* ---- WebSocket packets ---------------------------------------------------- */

/* tests/vectors/eio_ws_packets.txt: ok <frame> <type> <data> | eproto <frame>
 * (type "b": a binary message sent as base64 text). */
static void test_decode_ws_text(void **state) {
  vec_file_t f;
  assert_int_equal(vec_load("eio_ws_packets.txt", &f), 0);
  for (size_t k = 0; k < f.n; k++) {
    const vec_line_t *l = &f.lines[k];
    const vec_field_t *in = vec_field(l, 1);
    /* An exact-size heap copy: base64 is decoded in place, within bounds. */
    uint8_t *frame = malloc(in->len ? in->len : 1);
    assert_non_null(frame);
    memcpy(frame, in->data, in->len);
    sio__eio_packet_t p;
    memset(&p, 0xee, sizeof(p));
    int rc = sio__eio_decode_ws(frame, in->len, 0, &p);
    if (rc != (vec_is(l, 0, "ok") ? 0 : SIO_EPROTO))
      fail_msg("eio_ws_packets.txt:%d: rc %d", l->lineno, rc);
    if (rc == 0) {
      const vec_field_t *data = vec_field(l, 3);
      int binary = vec_is(l, 2, "b");
      assert_int_equal(p.binary, binary);
      assert_int_equal(p.type, binary ? SIO__EIO_MESSAGE : (int)vec_u64(l, 2));
      assert_int_equal(p.len, data->len);
      assert_ptr_equal(p.data, frame + 1); /* borrowed, no copy */
      assert_memory_equal(p.data, data->data, data->len);
    }
    free(frame);
  }
  vec_free(&f);
}

static void test_decode_ws_binary(void **state) {
  uint8_t bin[] = {'4', 0x00, 0xff, 0x1e};
  sio__eio_packet_t p;
  assert_int_equal(sio__eio_decode_ws(bin, sizeof(bin), 1, &p), 0);
  assert_int_equal(p.type, SIO__EIO_MESSAGE);
  assert_int_equal(p.binary, 1);
  assert_ptr_equal(p.data, bin); /* the whole frame, type byte included */
  assert_int_equal(p.len, 4);
  assert_int_equal(sio__eio_decode_ws(NULL, 0, 1, &p), 0);
  assert_int_equal(p.binary, 1);
  assert_int_equal(p.len, 0);
  assert_non_null(p.data);
}

/* ---- polling payloads ----------------------------------------------------- */

typedef struct {
  int type, binary;
  const char *data;
  size_t len;
} pk_t;

typedef struct {
  int n;
  int stop_after; /* return 99 from the callback after this many packets (0: never) */
  pk_t got[16];
  uint8_t store[16][64];
} rec_t;

static int record(void *arg, const sio__eio_packet_t *p) {
  rec_t *r = arg;
  assert_true(r->n < 16);
  assert_true(p->len <= 64);
  assert_non_null(p->data);
  memcpy(r->store[r->n], p->data, p->len);
  r->got[r->n].type = p->type;
  r->got[r->n].binary = p->binary;
  r->got[r->n].data = (const char *)r->store[r->n];
  r->got[r->n].len = p->len;
  r->n++;
  return r->stop_after && r->n == r->stop_after ? 99 : 0;
}

/* tests/vectors/eio_payloads.txt: ok|eproto <body> <n> then n packets, each
 * <type> <data> (type "b": a binary message). */
static void test_decode_payload(void **state) {
  vec_file_t f;
  assert_int_equal(vec_load("eio_payloads.txt", &f), 0);
  for (size_t k = 0; k < f.n; k++) {
    const vec_line_t *l = &f.lines[k];
    const vec_field_t *in = vec_field(l, 1);
    int want_rc = vec_is(l, 0, "ok") ? 0 : SIO_EPROTO;
    int want_n = (int)vec_u64(l, 2);
    assert_int_equal(l->n, 3 + 2 * (size_t)want_n);
    /* An exact-size heap copy: decoding is in place and must stay in bounds. */
    uint8_t *body = malloc(in->len ? in->len : 1);
    assert_non_null(body);
    memcpy(body, in->data, in->len);
    rec_t r;
    memset(&r, 0, sizeof(r));
    int rc = sio__eio_decode_payload(body, in->len, record, &r);
    if (rc != want_rc || r.n != want_n)
      fail_msg("eio_payloads.txt:%d: rc %d, %d packets", l->lineno, rc, r.n);
    for (int i = 0; i < want_n; i++) {
      int binary = vec_is(l, 3 + 2 * (size_t)i, "b");
      const vec_field_t *data = vec_field(l, 4 + 2 * (size_t)i);
      assert_int_equal(r.got[i].binary, binary);
      assert_int_equal(r.got[i].type,
                       binary ? SIO__EIO_MESSAGE : (int)vec_u64(l, 3 + 2 * (size_t)i));
      assert_int_equal(r.got[i].len, data->len);
      assert_memory_equal(r.got[i].data, data->data, data->len);
    }
    free(body);
  }
  vec_free(&f);
}

static void test_decode_payload_stop(void **state) {
  uint8_t body[] = "4a\x1e"
                   "4b\x1e"
                   "4c";
  rec_t r;
  memset(&r, 0, sizeof(r));
  r.stop_after = 2;
  assert_int_equal(sio__eio_decode_payload(body, sizeof(body) - 1, record, &r), 99);
  assert_int_equal(r.n, 2);
  /* Stopping beats a later bad piece: it is never looked at. */
  uint8_t body2[] = "4a\x1e"
                    "xx";
  memset(&r, 0, sizeof(r));
  r.stop_after = 1;
  assert_int_equal(sio__eio_decode_payload(body2, sizeof(body2) - 1, record, &r), 99);
}

/* ---- encoding ------------------------------------------------------------- */

static void test_payload_append(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__eio_payload_append(&sb, 1, SIO__EIO_MESSAGE, 0, (const uint8_t *)"hello", 5);
  sio__eio_payload_append(&sb, 0, SIO__EIO_PING, 0, NULL, 0);
  sio__eio_payload_append(&sb, 0, SIO__EIO_MESSAGE, 1,
                          (const uint8_t *)"\x01\x02\x03\x04", 4);
  sio__eio_payload_append(&sb, 0, SIO__EIO_MESSAGE, 1, NULL, 0);
  sio__eio_payload_append(&sb, 0, SIO__EIO_NOOP, 0, NULL, 0);
  const char want[] = "4hello\x1e"
                      "2\x1e"
                      "bAQIDBA==\x1e"
                      "b\x1e"
                      "6";
  assert_int_equal(sio__sb_len(&sb), sizeof(want) - 1);
  assert_memory_equal(sio__sb_data(&sb), want, sizeof(want) - 1);
  sio__sb_reset(&sb);
}

static void test_payload_size_and_round_trip(void **state) {
  uint8_t data[64];
  for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)(i * 37 + 1);
  for (size_t len = 0; len <= 40; len++) {
    for (int binary = 0; binary <= 1; binary++) {
      for (int type = 0; type <= 6; type++) {
        if (binary && type != SIO__EIO_MESSAGE) continue;
        uint8_t text[64];
        for (size_t i = 0; i < len; i++) text[i] = (uint8_t)('a' + i % 26);
        const uint8_t *d = binary ? data : text;
        sio__sb_t sb;
        sio__sb_init(&sb, 0);
        sio__eio_payload_append(&sb, 1, (sio__eio_type_t)type, binary, d, len);
        assert_int_equal(sio__sb_len(&sb),
                         sio__eio_payload_size((sio__eio_type_t)type, binary, len));
        /* Three copies in one body decode back to three equal packets. */
        sio__eio_payload_append(&sb, 0, (sio__eio_type_t)type, binary, d, len);
        sio__eio_payload_append(&sb, 0, (sio__eio_type_t)type, binary, d, len);
        assert_int_equal(sb.err, 0);
        sio__rbuf_t *body = sio__sb_finish(&sb);
        rec_t r;
        memset(&r, 0, sizeof(r));
        assert_int_equal(sio__eio_decode_payload(body->data, body->len, record, &r), 0);
        assert_int_equal(r.n, 3);
        for (int i = 0; i < 3; i++) {
          assert_int_equal(r.got[i].type, type);
          assert_int_equal(r.got[i].binary, binary);
          assert_int_equal(r.got[i].len, len);
          assert_memory_equal(r.got[i].data, d, len);
        }
        sio__rbuf_unref(body);
      }
    }
  }
}

/* ---- open packet ---------------------------------------------------------- */

static void test_open_packet_bytes(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__eio_open_packet_append(&sb, "lv_VI97HAXpY6yYWAAAC", 1, 25000, 20000, 1000000);
  const char want[] =
      "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],"
      "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}";
  assert_int_equal(sio__sb_len(&sb), sizeof(want) - 1);
  assert_memory_equal(sio__sb_data(&sb), want, sizeof(want) - 1);
  sio__sb_reset(&sb);

  sio__sb_init(&sb, 0);
  sio__eio_open_packet_append(&sb, "abc", 0, 300, 200, 1e15);
  const char want2[] = "0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":300,"
                       "\"pingTimeout\":200,\"maxPayload\":1000000000000000}";
  assert_int_equal(sio__sb_len(&sb), sizeof(want2) - 1);
  assert_memory_equal(sio__sb_data(&sb), want2, sizeof(want2) - 1);
  sio__sb_reset(&sb);

  /* An odd sid cannot break the JSON. */
  sio__sb_init(&sb, 0);
  sio__eio_open_packet_append(&sb, "a\"b\\c\n", 0, 1, 2, 3);
  const char want3[] =
      "0{\"sid\":\"a\\\"b\\\\c\\u000a\",\"upgrades\":[],\"pingInterval\":1,"
      "\"pingTimeout\":2,\"maxPayload\":3}";
  assert_int_equal(sio__sb_len(&sb), sizeof(want3) - 1);
  assert_memory_equal(sio__sb_data(&sb), want3, sizeof(want3) - 1);
  sio__eio_handshake_t hs;
  assert_int_equal(sio__eio_parse_open(sio__sb_data(&sb) + 1, sio__sb_len(&sb) - 1, &hs),
                   0);
  assert_string_equal(hs.sid, "a\"b\\c\n");
  sio__sb_reset(&sb);
}

/* tests/vectors/eio_open.txt: ok <json> <sid> <upgrade> <pingInterval>
 * <pingTimeout> <maxPayload> | eproto <json> */
static void test_parse_open(void **state) {
  vec_file_t f;
  assert_int_equal(vec_load("eio_open.txt", &f), 0);
  for (size_t k = 0; k < f.n; k++) {
    const vec_line_t *l = &f.lines[k];
    const vec_field_t *json = vec_field(l, 1);
    sio__eio_handshake_t hs;
    memset(&hs, 0x5a, sizeof(hs));
    int rc = sio__eio_parse_open((const uint8_t *)json->data, json->len, &hs);
    if (rc != (vec_is(l, 0, "ok") ? 0 : SIO_EPROTO))
      fail_msg("eio_open.txt:%d: rc %d", l->lineno, rc);
    if (rc) continue;
    assert_string_equal(hs.sid, vec_str(l, 2));
    assert_int_equal(hs.upgrade_websocket, (int)vec_u64(l, 3));
    assert_int_equal(hs.ping_interval, vec_u64(l, 4));
    assert_int_equal(hs.ping_timeout, vec_u64(l, 5));
    assert_int_equal(hs.max_payload, vec_u64(l, 6));
  }
  vec_free(&f);
  /* Only len bytes are read. */
  const char *j = "{\"sid\":\"s\"}garbage";
  sio__eio_handshake_t hs;
  assert_int_equal(sio__eio_parse_open((const uint8_t *)j, 11, &hs), 0);
  assert_string_equal(hs.sid, "s");
}

/* Our open packet parses back to what was written. */
static void test_open_round_trip(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__eio_open_packet_append(&sb, "AbC-_123", 1, 25000, 20000, 1000000);
  sio__eio_handshake_t hs;
  assert_int_equal(sio__eio_parse_open(sio__sb_data(&sb) + 1, sio__sb_len(&sb) - 1, &hs),
                   0);
  assert_string_equal(hs.sid, "AbC-_123");
  assert_int_equal(hs.upgrade_websocket, 1);
  assert_int_equal(hs.ping_interval, 25000);
  assert_int_equal(hs.ping_timeout, 20000);
  assert_int_equal(hs.max_payload, 1000000);
  sio__sb_reset(&sb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_ws_text),
      cmocka_unit_test(test_decode_ws_binary),
      cmocka_unit_test(test_decode_payload),
      cmocka_unit_test(test_decode_payload_stop),
      cmocka_unit_test(test_payload_append),
      cmocka_unit_test(test_payload_size_and_round_trip),
      cmocka_unit_test(test_open_packet_bytes),
      cmocka_unit_test(test_parse_open),
      cmocka_unit_test(test_open_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
