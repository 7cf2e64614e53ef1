/* Unit tests for ws/ws_deflate (permessage-deflate): the negotiation both
 * ways, compressed frames through the decoder and the inflater (whole,
 * fragmented, with and without context takeover), and the bounds: a small
 * frame that inflates past the maximum fails with 1009 without the inflater
 * ever holding more than that maximum. Compressed input for the inflater is
 * made with zlib directly, independently of the encoder under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/rbuf.h"
#include "ws/ws_deflate.h"
#include "ws/ws_frame.h"

static sio__ws_deflate_cfg_t cfg_on(void) {
  sio__ws_deflate_cfg_t c;
  sio__ws_deflate_cfg_init(&c);
  c.enabled = 1;
  return c;
}

static int nego(const sio__ws_deflate_cfg_t *c, const char *offer, sio__ws_pmd_t *pmd,
                char *resp) {
  return sio__ws_pmd_negotiate(c, offer, offer ? strlen(offer) : 0, pmd, resp, 192);
}

static void test_negotiate_offers(void **state) {
  (void)state;
  sio__ws_deflate_cfg_t c = cfg_on();
  sio__ws_pmd_t pmd;
  char resp[192];
  /* What browsers and the ws package send. */
  assert_int_equal(nego(&c, "permessage-deflate; client_max_window_bits", &pmd, resp), 1);
  assert_string_equal(resp, "permessage-deflate; server_no_context_takeover");
  assert_int_equal(pmd.on, 1);
  assert_int_equal(pmd.out_bits, 15);
  assert_int_equal(pmd.in_bits, 15);
  assert_int_equal(pmd.in_no_takeover, 0);
  /* Bare offer: nothing to say about the client's window. */
  assert_int_equal(nego(&c, "permessage-deflate", &pmd, resp), 1);
  assert_string_equal(resp, "permessage-deflate; server_no_context_takeover");
  /* Every parameter, spaces, quotes and case. */
  assert_int_equal(nego(&c,
                        " Permessage-Deflate ;server_no_context_takeover; "
                        "client_no_context_takeover ; server_max_window_bits=\"15\"; "
                        "client_max_window_bits=10",
                        &pmd, resp),
                   1);
  assert_string_equal(resp, "permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover; server_max_window_bits=15; "
                            "client_max_window_bits=10");
  assert_int_equal(pmd.in_bits, 10);
  assert_int_equal(pmd.in_no_takeover, 1);
  assert_int_equal(pmd.out_bits, 15);
  /* A smaller server window than ours: accepted, but we send plain frames. */
  assert_int_equal(nego(&c, "permessage-deflate; server_max_window_bits=10", &pmd, resp),
                   1);
  assert_string_equal(resp, "permessage-deflate; server_no_context_takeover; "
                            "server_max_window_bits=10");
  assert_int_equal(pmd.out_bits, 0);
  /* Invalid first offers are skipped, the next valid one taken. */
  const char *bad[] = {
      "permessage-deflate; foo",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; client_max_window_bits=010",
      "permessage-deflate; server_no_context_takeover=1",
      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
      "x-webkit-deflate-frame",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(nego(&c, bad[i], &pmd, resp), 0);
    assert_int_equal(pmd.on, 0);
    char two[256];
    snprintf(two, sizeof(two), "%s, permessage-deflate", bad[i]);
    assert_int_equal(nego(&c, two, &pmd, resp), 1);
    assert_string_equal(resp, "permessage-deflate; server_no_context_takeover");
  }
  /* A broken list stops there. */
  assert_int_equal(nego(&c, "permessage-deflate; \"x\"", &pmd, resp), 0);
  assert_int_equal(nego(&c, NULL, &pmd, resp), 0);
  /* Off: never accepted. */
  c.enabled = 0;
  assert_int_equal(nego(&c, "permessage-deflate", &pmd, resp), 0);
  assert_string_equal(resp, "");
  /* Options: a smaller client window and no client context takeover. */
  c = cfg_on();
  c.peer_bits = 8;
  c.peer_no_takeover = 1;
  assert_int_equal(nego(&c, "permessage-deflate; client_max_window_bits", &pmd, resp), 1);
  assert_string_equal(resp, "permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover; client_max_window_bits=8");
  assert_int_equal(pmd.in_bits, 9); /* zlib's raw window of 8 is 9 */
  assert_int_equal(pmd.in_no_takeover, 1);
}

static void test_client_offer_and_answer(void **state) {
  (void)state;
  sio__ws_deflate_cfg_t c = cfg_on();
  char offer[128];
  assert_true(sio__ws_pmd_offer(&c, offer, sizeof(offer)) > 0);
  assert_string_equal(offer, "permessage-deflate; client_max_window_bits");
  sio__ws_pmd_t pmd;
  const char *ok = "permessage-deflate; server_no_context_takeover; "
                   "client_max_window_bits=12";
  assert_int_equal(sio__ws_pmd_accept(&c, ok, strlen(ok), &pmd), 0);
  assert_int_equal(pmd.on, 1);
  assert_int_equal(pmd.out_bits, 12);
  assert_int_equal(pmd.in_bits, 15);
  assert_int_equal(pmd.in_no_takeover, 1);
  assert_int_equal(sio__ws_pmd_accept(&c, NULL, 0, &pmd), 0);
  assert_int_equal(pmd.on, 0);
  const char *bad[] = {"permessage-deflate; client_max_window_bits",
                       "permessage-deflate; bogus", "x-other",
                       "permessage-deflate, permessage-deflate"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(sio__ws_pmd_accept(&c, bad[i], strlen(bad[i]), &pmd), SIO_EPROTO);
  c.enabled = 0;
  assert_int_equal(sio__ws_pmd_offer(&c, offer, sizeof(offer)), 0);
}

/* ---- frames through the decoder and the inflater ---- */

typedef struct {
  sio__ws_pmd_t pmd;
  sio__ws_inflater_t inf;
  size_t max;
  uint8_t *got;
  size_t got_len;
  int nmsg;
  int err;
  uint16_t code;
} sink_t;

static int on_msg(void *arg, const sio__ws_msg_t *m) {
  sink_t *s = arg;
  if (m->opcode != SIO__WS_OP_TEXT && m->opcode != SIO__WS_OP_BINARY) return 0;
  uint8_t *out = m->data;
  size_t n = m->len;
  if (m->compressed) {
    s->err =
        sio__ws_inflate(&s->inf, &s->pmd, m->data, m->len, s->max, &out, &n, &s->code);
    if (s->err) return 1;
  }
  free(s->got);
  s->got = malloc(n ? n : 1);
  memcpy(s->got, out, n);
  s->got_len = n;
  s->nmsg++;
  return 0;
}

static uint8_t *pattern(size_t n) {
  uint8_t *p = malloc(n);
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)("abcdefgh"[i % 8] + (i / 4096) % 3);
  return p;
}

static void test_roundtrip_whole_and_split(void **state) {
  (void)state;
  size_t sizes[] = {0, 1, 100, 5000, 70000};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    uint8_t *msg = pattern(n);
    sio_buf_t part = {msg, n};
    size_t off, len;
    uint8_t mask[4] = {1, 2, 3, 4};
    sio__rbuf_t *f = sio__ws_frame_new_deflated(SIO__WS_OP_BINARY, &part, 1, mask, -1, 8,
                                                15, &off, &len);
    assert_non_null(f);
    assert_int_equal(f->data[off] & 0x40, 0x40); /* RSV1 */
    if (n >= 5000) assert_true(len < n / 4);     /* it did compress */
    /* Fed whole, then one byte at a time. */
    for (int bytewise = 0; bytewise < 2; bytewise++) {
      sink_t s = {.pmd = {1, 15, 15, 0}, .max = 1000000};
      sio__ws_decoder_t d;
      sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000000);
      sio__ws_decoder_allow_rsv1(&d, 1);
      uint8_t *copy = malloc(len);
      memcpy(copy, f->data + off, len);
      uint16_t code = 0;
      if (!bytewise) {
        assert_int_equal(sio__ws_decoder_feed(&d, copy, len, on_msg, &s, &code), 0);
      } else {
        for (size_t i = 0; i < len; i++)
          assert_int_equal(sio__ws_decoder_feed(&d, copy + i, 1, on_msg, &s, &code), 0);
      }
      assert_int_equal(s.nmsg, 1);
      assert_int_equal(s.got_len, n);
      if (n) assert_memory_equal(s.got, msg, n);
      free(copy);
      free(s.got);
      sio__ws_inflater_free(&s.inf);
      sio__ws_decoder_free(&d);
    }
    sio__rbuf_unref(f);
    free(msg);
  }
}

/* Raw deflate of in (zlib directly), sync-flushed, tail removed. */
static size_t zraw(z_stream *z, const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
  z->next_in = (Bytef *)(uintptr_t)in;
  z->avail_in = (uInt)n;
  z->next_out = out;
  z->avail_out = (uInt)cap;
  assert_int_equal(deflate(z, Z_SYNC_FLUSH), Z_OK);
  size_t len = cap - z->avail_out;
  assert_true(len >= 4);
  assert_memory_equal(out + len - 4, "\x00\x00\xff\xff", 4);
  return len - 4;
}

/* Frames of a message split into fragments of step bytes, masked. */
static size_t fragment(uint8_t *out, const uint8_t *pl, size_t n, size_t step, int op) {
  size_t w = 0, pos = 0;
  uint8_t mask[4] = {9, 8, 7, 6};
  do {
    size_t k = n - pos < step ? n - pos : step;
    int first = pos == 0, fin = pos + k == n;
    uint8_t hdr[14];
    size_t hn =
        sio__ws_frame_header_ex(hdr, first ? op : SIO__WS_OP_CONT, fin, first, k, mask);
    memcpy(out + w, hdr, hn);
    memcpy(out + w + hn, pl + pos, k);
    sio__ws_mask(out + w + hn, k, mask, 0);
    w += hn + k;
    pos += k;
  } while (pos < n);
  return w;
}

static void test_fragmented_and_context_takeover(void **state) {
  (void)state;
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  sink_t s = {.pmd = {1, 15, 15, 0}, .max = 100000};
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 100000);
  sio__ws_decoder_allow_rsv1(&d, 1);
  const char *text = "{\"event\":\"hello, compressed world\",\"n\":12345678}";
  static uint8_t comp[4096], wire[8192];
  /* Three messages with one context: the later ones refer to the first. */
  for (int i = 0; i < 3; i++) {
    size_t cl = zraw(&z, (const uint8_t *)text, strlen(text), comp, sizeof(comp));
    size_t wl = fragment(wire, comp, cl, i == 0 ? 1000 : 3, SIO__WS_OP_TEXT);
    uint16_t code;
    assert_int_equal(sio__ws_decoder_feed(&d, wire, wl, on_msg, &s, &code), 0);
    assert_int_equal(s.nmsg, i + 1);
    assert_int_equal(s.got_len, strlen(text));
    assert_memory_equal(s.got, text, strlen(text));
  }
  /* The context stays between messages: zlib's state is held. */
  assert_true(sio__ws_inflater_held(&s.inf) > 32768);
  deflateEnd(&z);
  free(s.got);
  sio__ws_inflater_free(&s.inf);
  assert_int_equal(sio__ws_inflater_held(&s.inf), 0);
  sio__ws_decoder_free(&d);
}

static void test_no_takeover_frees_state(void **state) {
  (void)state;
  sink_t s = {.pmd = {1, 15, 15, 1}, .max = 100000};
  uint8_t *msg = pattern(3000);
  sio_buf_t part = {msg, 3000};
  size_t off, len;
  sio__rbuf_t *f = sio__ws_frame_new_deflated(SIO__WS_OP_BINARY, &part, 1, NULL, -1, 8,
                                              15, &off, &len);
  uint16_t code;
  uint8_t *out;
  size_t n;
  /* The payload after the frame header (unmasked, 2 or 4 bytes). */
  size_t hn = (f->data[off + 1] & 0x7f) == 126 ? 4 : 2;
  assert_int_equal(sio__ws_inflate(&s.inf, &s.pmd, f->data + off + hn, len - hn, s.max,
                                   &out, &n, &code),
                   0);
  assert_int_equal(n, 3000);
  assert_memory_equal(out, msg, 3000);
  assert_null(s.inf.z); /* freed after the message */
  sio__ws_inflater_free(&s.inf);
  sio__rbuf_unref(f);
  free(msg);
}

static void test_bomb_and_errors(void **state) {
  (void)state;
  /* 50 MB of zeros compress to about 50 KB; the bound is 1 MB. */
  size_t big = 50u << 20;
  uint8_t *zeros = calloc(1, big);
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  size_t cap = deflateBound(&z, big) + 64;
  uint8_t *comp = malloc(cap);
  size_t cl = zraw(&z, zeros, big, comp, cap);
  deflateEnd(&z);
  free(zeros);
  assert_true(cl < 100000);
  sio__ws_pmd_t pmd = {1, 15, 15, 0};
  sio__ws_inflater_t inf = {0};
  uint8_t *out;
  size_t n;
  uint16_t code = 0;
  size_t max = 1000000;
  assert_int_equal(sio__ws_inflate(&inf, &pmd, comp, cl, max, &out, &n, &code),
                   SIO_EMSGSIZE);
  assert_int_equal(code, SIO_WS_CLOSE_TOO_BIG);
  assert_true(inf.cap <= max); /* never allocated past the bound */
  /* Exactly at the bound is fine, one byte more is not. */
  memset(&z, 0, sizeof(z));
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  uint8_t *some = calloc(1, 4097);
  cl = zraw(&z, some, 4096, comp, cap);
  deflateEnd(&z);
  sio__ws_inflater_free(&inf);
  assert_int_equal(sio__ws_inflate(&inf, &pmd, comp, cl, 4096, &out, &n, &code), 0);
  assert_int_equal(n, 4096);
  assert_int_equal(sio__ws_inflate(&inf, &pmd, comp, cl, 4095, &out, &n, &code),
                   SIO_EMSGSIZE);
  free(some);
  /* Corrupt data: 1007. */
  uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x01};
  assert_int_equal(sio__ws_inflate(&inf, &pmd, junk, sizeof(junk), max, &out, &n, &code),
                   SIO_EPROTO);
  assert_int_equal(code, SIO_WS_CLOSE_INVALID_DATA);
  sio__ws_inflater_free(&inf);
  free(comp);
}

static void test_rsv1_refused(void **state) {
  (void)state;
  uint8_t wire[64];
  uint8_t pl[3] = {1, 2, 3};
  uint16_t code = 0;
  sink_t s = {.pmd = {1, 15, 15, 0}, .max = 1000};
  sio__ws_decoder_t d;
  /* Not negotiated: RSV1 is a protocol error. */
  size_t wl = fragment(wire, pl, 3, 10, SIO__WS_OP_BINARY);
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  assert_int_equal(sio__ws_decoder_feed(&d, wire, wl, on_msg, &s, &code), SIO_EPROTO);
  assert_int_equal(code, SIO_WS_CLOSE_PROTOCOL);
  sio__ws_decoder_free(&d);
  /* Negotiated: still refused on a continuation and on control frames. */
  uint8_t mask[4] = {0, 0, 0, 0};
  uint8_t hdr[14];
  size_t hn = sio__ws_frame_header_ex(hdr, SIO__WS_OP_BINARY, 0, 0, 1, mask);
  memcpy(wire, hdr, hn);
  wire[hn] = 0;
  size_t h2 = sio__ws_frame_header_ex(hdr, SIO__WS_OP_CONT, 1, 1, 1, mask);
  memcpy(wire + hn + 1, hdr, h2);
  wire[hn + 1 + h2] = 0;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  sio__ws_decoder_allow_rsv1(&d, 1);
  assert_int_equal(sio__ws_decoder_feed(&d, wire, hn + 1 + h2 + 1, on_msg, &s, &code),
                   SIO_EPROTO);
  sio__ws_decoder_free(&d);
  hn = sio__ws_frame_header_ex(hdr, SIO__WS_OP_PING, 1, 1, 0, mask);
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  sio__ws_decoder_allow_rsv1(&d, 1);
  assert_int_equal(sio__ws_decoder_feed(&d, hdr, hn, on_msg, &s, &code), SIO_EPROTO);
  sio__ws_decoder_free(&d);
  /* RSV2 never. */
  uint8_t rsv2[6] = {0xa2, 0x80, 0, 0, 0, 0};
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  sio__ws_decoder_allow_rsv1(&d, 1);
  assert_int_equal(sio__ws_decoder_feed(&d, rsv2, 6, on_msg, &s, &code), SIO_EPROTO);
  sio__ws_decoder_free(&d);
  free(s.got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_negotiate_offers),
      cmocka_unit_test(test_client_offer_and_answer),
      cmocka_unit_test(test_roundtrip_whole_and_split),
      cmocka_unit_test(test_fragmented_and_context_takeover),
      cmocka_unit_test(test_no_takeover_frees_state),
      cmocka_unit_test(test_bomb_and_errors),
      cmocka_unit_test(test_rsv1_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
