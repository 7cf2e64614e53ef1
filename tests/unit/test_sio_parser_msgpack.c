/* Unit tests for the msgpack parser (src/sio/sio_parser_msgpack.c): bytes
 * as notepack.io 2 writes them under socket.io-msgpack-parser 3 (hex copied
 * from the reference encoder), encoded exactly and decoded into the packets
 * the JSON parser would give; the reference decoder's rejections; and a
 * server and a client that both speak it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/client.h"
#include "sio/sio_internal.h"
#include "support/loop_callbacks.h"
#include "support/loop_peers.h"

static const sio_parser_t *P(void) {
  return sio_parser_msgpack();
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex) / 2;
  assert_true(n <= cap);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
  return n;
}

static const uint8_t k_bin[] = {0, 1, 2, 255};

/* {type:2, data:["ev",7,<00 01 02 ff>], id:3, nsp:"/chat"} */
static const char k_event_hex[] = "84a47479706502a46461746193a2657607c404000102ffa2696403"
                                  "a36e7370a52f63686174";

static void test_encode_event(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_int(a, 7), 0);
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  sio__packet_desc_t d = {SIO_SIO_EVENT, 3, "/chat", "ev", a, NULL, 0};
  sio__packet_buf_t b;
  assert_int_equal(P()->encode(&d, 5, &b), 0);
  uint8_t want[128];
  size_t n = unhex(k_event_hex, want, sizeof(want));
  assert_int_equal(b.headroom, 5);
  assert_int_equal(b.binary, 1);
  assert_int_equal(b.natt, 0); /* binary travels inside the one message */
  assert_int_equal(sio__sb_len(&b.sb), 5 + n);
  assert_memory_equal(sio__sb_data(&b.sb) + 5, want, n);
  sio__sb_reset(&b.sb);
  /* A reserved event name is refused, as by the JSON parser. */
  d = (sio__packet_desc_t){SIO_SIO_EVENT, -1, NULL, "disconnect", NULL, NULL, 0};
  assert_int_equal(P()->encode(&d, 0, &b), SIO_EINVAL);
  sio_args_free(a);
}

static void check_encode(const sio__packet_desc_t *d, const char *hex) {
  sio__packet_buf_t b;
  assert_int_equal(P()->encode(d, 0, &b), 0);
  uint8_t want[128];
  size_t n = unhex(hex, want, sizeof(want));
  assert_int_equal(sio__sb_len(&b.sb), n);
  assert_memory_equal(sio__sb_data(&b.sb), want, n);
  sio__sb_reset(&b.sb);
}

static void test_encode_control(void **state) {
  (void)state;
  /* CONNECT reply {type:0, data:{sid:"abc"}, nsp:"/"} */
  sio__packet_desc_t d = {SIO_SIO_CONNECT, -1, NULL, NULL, NULL, "{\"sid\":\"abc\"}", 13};
  check_encode(&d, "83a47479706500a46461746181a3736964a3616263a36e7370a12f");
  /* DISCONNECT {type:1, nsp:"/"} */
  d = (sio__packet_desc_t){SIO_SIO_DISCONNECT, -1, "/", NULL, NULL, NULL, 0};
  check_encode(&d, "82a47479706501a36e7370a12f");
  /* ACK {type:3, data:[{x:[<"ab">]}], id:12, nsp:"/"} */
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_raw_binary(a,
                                           "{\"x\":[{\"_placeholder\":true,\"num\":0}]}",
                                           37, &(sio_buf_t){(const uint8_t *)"ab", 2}, 1),
                   0);
  d = (sio__packet_desc_t){SIO_SIO_ACK, 12, "/", NULL, a, NULL, 0};
  check_encode(&d, "84a47479706503a4646174619181a17891c4026162a269640ca36e7370a12f");
  sio_args_free(a);
}

/* Feeds hex to a fresh decoder; rc expected. */
static int feed_hex(const char *hex, int binary, sio__sio_packet_t *pkt) {
  uint8_t buf[256];
  size_t n = unhex(hex, buf, sizeof(buf));
  max_align_t dec[8];
  assert_true(P()->decoder_size <= sizeof(dec));
  P()->decoder_init(dec, NULL);
  int rc = P()->decoder_feed(dec, binary, buf, n, NULL, pkt);
  P()->decoder_reset(dec);
  return rc; /* the packet holds copies: buf may go */
}

static void test_decode_event(void **state) {
  (void)state;
  sio__sio_packet_t pkt;
  assert_int_equal(feed_hex(k_event_hex, 1, &pkt), 1);
  assert_int_equal(pkt.h.type, SIO_SIO_BINARY_EVENT);
  assert_int_equal(pkt.h.attachments, 1);
  assert_int_equal(pkt.h.has_ack, 1);
  assert_int_equal(pkt.h.ack_id, 3);
  assert_int_equal(pkt.h.nsp_len, 5);
  assert_memory_equal(pkt.h.nsp, "/chat", 5);
  char name[16];
  assert_int_equal(sio__sio_event_name(&pkt, name, sizeof(name), NULL), 0);
  assert_string_equal(name, "ev");
  sio_argv_t av;
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  assert_int_equal(sio_argv_count(&av), 2);
  int64_t i;
  assert_int_equal(sio_argv_int64(&av, 0, &i), 0);
  assert_int_equal(i, 7);
  sio_buf_t b;
  assert_int_equal(sio_argv_binary(&av, 1, &b), 0);
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.base, k_bin, 4);
  sio__argv_clear(&av);
  sio__sio_packet_release(&pkt);
}

static void expect_args(const char *hex, const char *json) {
  sio__sio_packet_t pkt;
  assert_int_equal(feed_hex(hex, 1, &pkt), 1);
  sio_argv_t av;
  assert_int_equal(sio__argv_init(&av, &pkt), 0);
  sio_buf_t all;
  sio_argv_raw_all(&av, &all);
  assert_int_equal(all.len, strlen(json));
  assert_memory_equal(all.base, json, all.len);
  sio__argv_clear(&av);
  sio__sio_packet_release(&pkt);
}

/* notepack.io 2's ext forms: Date, undefined (in an array and as a member),
 * an ArrayBuffer (ext type 0) as a binary. */
static void test_decode_ext(void **state) {
  (void)state;
  /* {type:2, data:["d", new Date(0), undefined, {a:undefined, b:1},
   *  <ArrayBuffer 09 08>], nsp:"/"} */
  expect_args("83a47479706502a46461746195a164d7000000000000000000d4000082a161d40000a16201"
              "c702000908a36e7370a12f",
              "\"1970-01-01T00:00:00.000Z\",null,{\"b\":1},"
              "{\"_placeholder\":true,\"num\":0}");
  /* {type:2, data:["e", <ext 5: 01 02>, <Date 2^62 ms>], nsp:"/"}: an ext of
   * another type is [type, <bytes>], a Date past the range null. */
  expect_args("83a47479706502a46461746193a165d5050102d7004000000000000000a36e7370a12f",
              "[5,{\"_placeholder\":true,\"num\":0}],null");
  /* CONNECT with data undefined is a CONNECT without data. */
  sio__sio_packet_t pkt;
  assert_int_equal(feed_hex("83a47479706500a464617461d40000a36e7370a22f78", 1, &pkt), 1);
  assert_int_equal(pkt.h.type, SIO_SIO_CONNECT);
  assert_int_equal(pkt.payload.type, SIO_JSON_NONE);
  assert_memory_equal(pkt.h.nsp, "/x", 2);
  sio__sio_packet_release(&pkt);
}

/* What the reference decoder refuses, and what the JSON form cannot carry. */
static void test_decode_rejects(void **state) {
  (void)state;
  sio__sio_packet_t pkt;
  static const char *const bad[] = {
      "82a47479706505a36e7370a12f",             /* type 5 */
      "82a4747970650fa36e7370a12f",             /* type 15 */
      "82a474797065a132a36e7370a12f",           /* type "2" */
      "81a47479706501",                         /* no nsp */
      "82a47479706501a36e737001",               /* nsp 1 */
      "83a47479706501a36e7370a12fa46461746180", /* DISCONNECT with data */
      "83a47479706500a36e7370a12fa46461746190", /* CONNECT with an array */
      "83a47479706504a36e7370a12fa46461746190", /* CONNECT_ERROR with an array */
      "82a47479706502a36e7370a12f",             /* EVENT without data */
      "83a47479706502a36e7370a12fa46461746180", /* EVENT with a map */
      "84a47479706502a36e7370a12fa46461746191a161a26964c0",                 /* id null */
      "84a47479706502a36e7370a12fa46461746191a161a26964a131",               /* id "1" */
      "84a47479706502a36e7370a12fa46461746191a161a26964cb3ff8000000000000", /* 1.5 */
      "83a47479706502a36e7370a12fa46461746190",                             /* EVENT [] */
      "83a47479706502a36e7370a12fa46461746191aa646973636f6e6e656374",       /* reserved */
      "93020000",                     /* not a map */
      "82a47479706501a36e7370a12f00", /* trailing byte */
      /* a map that would read as a placeholder */
      "83a47479706502a36e7370a12fa46461746192a16181ac5f706c616365686f6c646572c3",
      /* a binary in CONNECT's auth */
      "83a47479706500a36e7370a12fa46461746181a162c40101",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = feed_hex(bad[i], 1, &pkt);
    if (rc >= 0) fail_msg("accepted #%zu: %s", i, bad[i]);
  }
  /* A text message is never a msgpack packet. */
  assert_true(feed_hex("32", 0, &pkt) < 0);
  /* An integral float id is an integer to the reference: accepted. */
  assert_int_equal(
      feed_hex("84a47479706502a36e7370a12fa46461746191a161a26964cb4000000000000000", 1,
               &pkt),
      1);
  assert_int_equal(pkt.h.ack_id, 2);
  sio__sio_packet_release(&pkt);
}

/* More binaries than the attachment bound: SIO_ELIMIT, as with JSON. */
static void test_decode_attachment_bound(void **state) {
  (void)state;
  char hex[512] = "83a47479706502a36e7370a12fa4646174619c";
  /* ["e", then 11 one-byte bins] in an array 16 header */
  snprintf(hex + strlen(hex) - 2, sizeof(hex) - strlen(hex), "dc000ca165");
  for (int i = 0; i < 11; i++) strcat(hex, "c40100");
  sio__sio_packet_t pkt;
  assert_int_equal(feed_hex(hex, 1, &pkt), SIO_ELIMIT);
  /* Ten are fine. */
  hex[strlen(hex) - 6] = 0;
  memcpy(strstr(hex, "dc000c"), "dc000b", 6);
  assert_int_equal(feed_hex(hex, 1, &pkt), 1);
  assert_int_equal(pkt.h.attachments, 10);
  sio__sio_packet_release(&pkt);
}

/* A decoded packet keeps its binaries by a reference on the caller's buffer
 * when it has one, by a copy otherwise. */
static void test_decode_owner(void **state) {
  (void)state;
  uint8_t buf[128];
  size_t n = unhex(k_event_hex, buf, sizeof(buf));
  sio__rbuf_t *owner = sio__rbuf_from(buf, n);
  max_align_t dec[8];
  P()->decoder_init(dec, NULL);
  sio__sio_packet_t pkt;
  assert_int_equal(P()->decoder_feed(dec, 1, owner->data, n, owner, &pkt), 1);
  assert_ptr_equal(pkt.att[0].owner, owner);
  assert_int_equal(owner->refs, 2);
  assert_true(pkt.att[0].base > owner->data && pkt.att[0].base < owner->data + n);
  sio__sio_packet_release(&pkt);
  assert_int_equal(owner->refs, 1);
  sio__rbuf_unref(owner);
}

/* ---- a server and a client on one loop, both msgpack ---- */

typedef struct {
  uv_loop_t loop;
  sio_server_t *srv;
  sio_client_t *cli;
  int acked, news, closed, finished;
} conv_t;

static void srv_on_connection(sio_socket_t *sock, void *arg) {
  assert_int_equal(sio_socket_on(sock, "echo", echo_ack_and_news, arg), 0);
}

static int args_ok(const sio_argv_t *av) {
  sio_buf_t b;
  const char *s = sio_argv_string(av, 0, NULL);
  return sio_argv_count(av) == 2 && s && strcmp(s, "hi") == 0 &&
         sio_argv_binary(av, 1, &b) == 0 && b.len == 4 && memcmp(b.base, k_bin, 4) == 0;
}

static void maybe_finish(conv_t *v) {
  if (v->finished || !v->acked || !v->news) return;
  v->finished = 1;
  sio_client_close(v->cli, count_client_closed, &v->closed);
  sio_server_close(v->srv, count_server_closed, &v->closed);
}

static void cli_on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                       void *arg) {
  (void)s;
  conv_t *v = arg;
  assert_int_equal(status, 0);
  if (args_ok(reply)) v->acked++;
  maybe_finish(v);
}

static void cli_on_news(sio_client_socket_t *s, const char *event, const sio_argv_t *args,
                        sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)ack;
  conv_t *v = arg;
  if (args_ok(args)) v->news++;
  maybe_finish(v);
}

static void cli_on_connect(sio_client_socket_t *s, void *arg) {
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_string(a, "hi"), 0);
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  assert_int_equal(sio_client_socket_emit_with_ack(s, "echo", a, 0, cli_on_ack, arg), 0);
  sio_args_free(a);
}

static void run_conversation(int transports) {
  conv_t v;
  memset(&v, 0, sizeof(v));
  assert_int_equal(uv_loop_init(&v.loop), 0);
  char url[64];
  v.srv = loop_server_new(&v.loop, sio_parser_msgpack(), srv_on_connection, &v, url,
                          sizeof(url));
  v.cli = loop_client_new(&v.loop, url, sio_parser_msgpack(), transports);
  sio_client_socket_t *s = sio_client_socket(v.cli, "/");
  sio_client_socket_on_connect(s, cli_on_connect, &v);
  assert_int_equal(sio_client_socket_on(s, "news", cli_on_news, &v), 0);
  assert_int_equal(sio_client_socket_connect(s), 0);
  assert_int_equal(uv_run(&v.loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(v.acked, 1);
  assert_int_equal(v.news, 1);
  assert_int_equal(v.closed, 2);
  assert_int_equal(uv_loop_close(&v.loop), 0);
}

static void test_conversation_websocket(void **state) {
  (void)state;
  run_conversation(SIO_TRANSPORT_WEBSOCKET);
}

static void test_conversation_polling(void **state) {
  (void)state;
  run_conversation(SIO_TRANSPORT_POLLING);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_event),
      cmocka_unit_test(test_encode_control),
      cmocka_unit_test(test_decode_event),
      cmocka_unit_test(test_decode_ext),
      cmocka_unit_test(test_decode_rejects),
      cmocka_unit_test(test_decode_attachment_bound),
      cmocka_unit_test(test_decode_owner),
      cmocka_unit_test(test_conversation_websocket),
      cmocka_unit_test(test_conversation_polling),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
