/* Unit tests for eio/eio_packet: WebSocket packets, polling payloads (split,
 * b+base64 in place, stop at the first bad piece), encoding and sizes, the
 * open packet's exact bytes and parsing it back. Vectors are tables. */
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

#define S(str) str, sizeof(str) - 1

/* ---- WebSocket packets ---------------------------------------------------- */

typedef struct {
  const char *in;
  size_t len;
  int rc;
  int type;
  const char *data;
  size_t dlen;
} ws_vec_t;

static const ws_vec_t ws_vecs[] = {
    {S("0{\"sid\":\"x\"}"), 0, SIO__EIO_OPEN, S("{\"sid\":\"x\"}")},
    {S("1"), 0, SIO__EIO_CLOSE, S("")},
    {S("2"), 0, SIO__EIO_PING, S("")},
    {S("2probe"), 0, SIO__EIO_PING, S("probe")},
    {S("3"), 0, SIO__EIO_PONG, S("")},
    {S("3probe"), 0, SIO__EIO_PONG, S("probe")},
    {S("4"), 0, SIO__EIO_MESSAGE, S("")},
    {S("4hello"), 0, SIO__EIO_MESSAGE, S("hello")},
    {S("4\xe2\x82\xac\x1e"), 0, SIO__EIO_MESSAGE, S("\xe2\x82\xac\x1e")},
    {S("5"), 0, SIO__EIO_UPGRADE, S("")},
    {S("6"), 0, SIO__EIO_NOOP, S("")},
    {S(""), SIO_EPROTO, 0, S("")},
    {S("7"), SIO_EPROTO, 0, S("")},
    {S("/"), SIO_EPROTO, 0, S("")},
    {S("abc"), SIO_EPROTO, 0, S("")},
    {S("bAQID"), SIO_EPROTO, 0, S("")},
    {S(" 4x"), SIO_EPROTO, 0, S("")},
};

static void test_decode_ws_text(void **state) {
  for (size_t k = 0; k < sizeof(ws_vecs) / sizeof(ws_vecs[0]); k++) {
    const ws_vec_t *v = &ws_vecs[k];
    sio__eio_packet_t p;
    memset(&p, 0xee, sizeof(p));
    int rc = sio__eio_decode_ws((const uint8_t *)v->in, v->len, 0, &p);
    assert_int_equal(rc, v->rc);
    if (rc) continue;
    assert_int_equal(p.type, v->type);
    assert_int_equal(p.binary, 0);
    assert_int_equal(p.len, v->dlen);
    assert_ptr_equal(p.data, (const uint8_t *)v->in + 1); /* borrowed, no copy */
    assert_memory_equal(p.data, v->data, v->dlen);
  }
}

static void test_decode_ws_binary(void **state) {
  const uint8_t bin[] = {'4', 0x00, 0xff, 0x1e};
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

typedef struct {
  const char *body;
  size_t len;
  int rc;
  int n;
  pk_t want[6];
} payload_vec_t;

#define T(type, str)                                                                     \
  { type, 0, str, sizeof(str) - 1 }
#define BIN(str)                                                                         \
  { SIO__EIO_MESSAGE, 1, str, sizeof(str) - 1 }

static const payload_vec_t payload_vecs[] = {
    {S("4hello"), 0, 1, {T(4, "hello")}},
    {S("4hello\x1e"
       "2\x1e"
       "4world"),
     0,
     3,
     {T(4, "hello"), T(2, ""), T(4, "world")}},
    {S("bAQIDBA=="), 0, 1, {BIN("\x01\x02\x03\x04")}},
    {S("bAQIDBA"), 0, 1, {BIN("\x01\x02\x03\x04")}}, /* unpadded, as Node accepts */
    {S("b"), 0, 1, {BIN("")}},
    {S("4a\x1e"
       "bAQID\x1e"
       "4b\x1e"
       "b/w=="),
     0,
     4,
     {T(4, "a"), BIN("\x01\x02\x03"), T(4, "b"), BIN("\xff")}},
    {S("0\x1e"
       "1\x1e"
       "2\x1e"
       "3\x1e"
       "4\x1e"
       "5\x1e"
       "6"),
     0,
     7,
     {T(0, ""), T(1, ""), T(2, ""), T(3, ""), T(4, ""), T(5, "")}}, /* 7th checked by n */
    {S("4caf\xc3\xa9"), 0, 1, {T(4, "caf\xc3\xa9")}},
    /* Errors: the pieces before the bad one are delivered. */
    {S(""), SIO_EPROTO, 0, {{0}}},
    {S("\x1e"), SIO_EPROTO, 0, {{0}}},
    {S("\x1e"
       "4a"),
     SIO_EPROTO,
     0,
     {{0}}},
    {S("4a\x1e"), SIO_EPROTO, 1, {T(4, "a")}},
    {S("4a\x1e\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}},
    {S("4a\x1e"
       "abc\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}},
    {S("4a\x1e"
       "7\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}},
    {S("4a\x1e"
       "b!!!!\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}},
    {S("4a\x1e"
       "bA\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}}, /* 1 symbol: not a byte */
    {S("4a\x1e"
       "4\xff\x1e"
       "4b"),
     SIO_EPROTO,
     1,
     {T(4, "a")}}, /* not UTF-8 */
    {S("4a\x1e"
       "4\xe2\x82"),
     SIO_EPROTO,
     1,
     {T(4, "a")}}, /* cut UTF-8 */
    {S("abc"), SIO_EPROTO, 0, {{0}}},
};

static void test_decode_payload(void **state) {
  for (size_t k = 0; k < sizeof(payload_vecs) / sizeof(payload_vecs[0]); k++) {
    const payload_vec_t *v = &payload_vecs[k];
    /* An exact-size heap copy: decoding is in place and must stay in bounds. */
    uint8_t *body = malloc(v->len ? v->len : 1);
    assert_non_null(body);
    memcpy(body, v->body, v->len);
    rec_t r;
    memset(&r, 0, sizeof(r));
    int rc = sio__eio_decode_payload(body, v->len, record, &r);
    assert_int_equal(rc, v->rc);
    assert_int_equal(r.n, v->n);
    for (int i = 0; i < v->n && i < 6; i++) {
      assert_int_equal(r.got[i].type, v->want[i].type);
      assert_int_equal(r.got[i].binary, v->want[i].binary);
      assert_int_equal(r.got[i].len, v->want[i].len);
      assert_memory_equal(r.got[i].data, v->want[i].data, v->want[i].len);
    }
    free(body);
  }
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

typedef struct {
  const char *json;
  int rc;
  const char *sid;
  int upgrade;
  uint32_t interval, timeout;
  uint64_t max_payload;
} open_vec_t;

static const open_vec_t open_vecs[] = {
    {"{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
     "\"pingTimeout\":20000,\"maxPayload\":1000000}",
     0, "abc", 1, 25000, 20000, 1000000},
    {"{\"maxPayload\":5,\"pingTimeout\":4,\"pingInterval\":3,\"upgrades\":[],\"sid\":"
     "\"z\"}",
     0, "z", 0, 3, 4, 5},
    {" { \"sid\" : \"s\" , \"x\" : {\"y\":[1,2]}, "
     "\"upgrades\":[\"polling\",\"websocket\"] } ",
     0, "s", 1, 0, 0, 0},
    {"{\"sid\":\"s\",\"upgrades\":[\"webtransport\"],\"pingInterval\":4294967295}", 0,
     "s", 0, 4294967295u, 0, 0},
    {"{\"sid\":\"s\",\"maxPayload\":9007199254740991}", 0, "s", 0, 0, 0,
     9007199254740991ull},
    {"{\"sid\":\"a\",\"sid\":\"b\"}", 0, "b", 0, 0, 0,
     0}, /* last wins, like JSON.parse */
    {"{\"sid\":\"123456789012345678901234567890123456789012345678901234567890123\"}", 0,
     "123456789012345678901234567890123456789012345678901234567890123", 0, 0, 0, 0},
    /* errors */
    {"{\"sid\":\"1234567890123456789012345678901234567890123456789012345678901234\"}",
     SIO_EPROTO, "", 0, 0, 0, 0}, /* 64 chars */
    {"{}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"\"}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":5}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":null}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"pingInterval\":\"25000\"}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"pingInterval\":-1}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"pingInterval\":25000.5}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"pingInterval\":4294967296}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"pingTimeout\":true}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"maxPayload\":-5}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"upgrades\":\"websocket\"}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\",\"upgrades\":[1]}", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\"", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"s\"}x", SIO_EPROTO, "", 0, 0, 0, 0},
    {"[\"sid\"]", SIO_EPROTO, "", 0, 0, 0, 0},
    {"\"sid\"", SIO_EPROTO, "", 0, 0, 0, 0},
    {"", SIO_EPROTO, "", 0, 0, 0, 0},
    {"{\"sid\":\"a\\u0000b\"}", SIO_EPROTO, "", 0, 0, 0, 0},
};

static void test_parse_open(void **state) {
  for (size_t k = 0; k < sizeof(open_vecs) / sizeof(open_vecs[0]); k++) {
    const open_vec_t *v = &open_vecs[k];
    sio__eio_handshake_t hs;
    memset(&hs, 0x5a, sizeof(hs));
    int rc = sio__eio_parse_open((const uint8_t *)v->json, strlen(v->json), &hs);
    if (rc != v->rc) fail_msg("vector %zu: rc %d", k, rc);
    if (rc) continue;
    assert_string_equal(hs.sid, v->sid);
    assert_int_equal(hs.upgrade_websocket, v->upgrade);
    assert_int_equal(hs.ping_interval, v->interval);
    assert_int_equal(hs.ping_timeout, v->timeout);
    assert_int_equal(hs.max_payload, v->max_payload);
  }
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
