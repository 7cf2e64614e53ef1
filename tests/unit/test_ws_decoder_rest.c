/* Unit tests for the WebSocket decoder's memory between frames
 * (ws/ws_frame.h, "Memory"): a decoder at a frame boundary with no
 * fragmented message open holds nothing, whole frames never allocate, and
 * the state of a frame or message in progress survives across feeds and is
 * freed as soon as the decoder is back at rest. Allocations are counted
 * through the allocator hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio/common.h"
#include "ws/ws_frame.h"

/* ---- counting allocator ---------------------------------------------------- */

static long live, allocs, fail_after = -1;

static int refuse_now(void) {
  return fail_after >= 0 && allocs >= fail_after;
}
static void *count_malloc(size_t n) {
  if (refuse_now()) return NULL;
  allocs++;
  void *p = malloc(n ? n : 1);
  if (p) live++;
  return p;
}
static void *count_realloc(void *p, size_t n) {
  if (!p) return count_malloc(n);
  if (refuse_now()) return NULL;
  allocs++;
  return realloc(p, n ? n : 1);
}
static void *count_calloc(size_t c, size_t n) {
  if (refuse_now()) return NULL;
  allocs++;
  void *p = calloc(c ? c : 1, n ? n : 1);
  if (p) live++;
  return p;
}
static void count_free(void *p) {
  if (p) live--;
  free(p);
}

static void reset_counts(void) {
  live = 0;
  allocs = 0;
  fail_after = -1;
}

/* ---- building client frames (masked, as a server decodes them) ------------- */

typedef struct {
  uint8_t buf[4096];
  size_t len;
  size_t end[16]; /* where each frame ends */
  int rest[16];   /* 1: no fragmented message is open after that frame */
  size_t n;
} stream_t;

static void add(stream_t *st, int fin, int op, const char *pl, size_t plen) {
  static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  uint8_t *o = st->buf + st->len;
  size_t n = 0;
  o[n++] = (uint8_t)((fin ? 0x80 : 0) | op);
  if (plen < 126) {
    o[n++] = (uint8_t)(0x80 | plen);
  } else {
    o[n++] = 0x80 | 126;
    o[n++] = (uint8_t)(plen >> 8);
    o[n++] = (uint8_t)plen;
  }
  memcpy(o + n, key, 4);
  n += 4;
  for (size_t i = 0; i < plen; i++) o[n + i] = (uint8_t)(pl[i] ^ key[i % 4]);
  st->len += n + plen;
  assert_true(st->len <= sizeof(st->buf));
  st->end[st->n] = st->len;
  /* A data frame without FIN opens a message; a final one closes it. */
  int open = st->n ? !st->rest[st->n - 1] : 0;
  if (op < 8) open = !fin;
  st->rest[st->n] = !open;
  st->n++;
}

/* 1 when offset k of st is a frame boundary with no message open. */
static int at_rest(const stream_t *st, size_t k) {
  if (k == 0) return 1;
  for (size_t i = 0; i < st->n; i++)
    if (st->end[i] == k) return st->rest[i];
  return 0;
}

/* ---- recording messages ---------------------------------------------------- */

typedef struct {
  int op;
  size_t len;
  uint16_t code;
  char data[512];
} got_t;

typedef struct {
  got_t m[16];
  size_t n;
  size_t stop_at; /* stop (return 7) after this many messages; 0: never */
} rec_t;

static int on_msg(void *arg, const sio__ws_msg_t *m) {
  rec_t *r = arg;
  assert_true(r->n < 16);
  got_t *g = &r->m[r->n++];
  g->op = (int)m->opcode;
  g->len = m->len;
  g->code = m->close_code;
  assert_true(m->len <= sizeof(g->data));
  memcpy(g->data, m->data, m->len);
  return r->stop_at && r->n == r->stop_at ? 7 : 0;
}

static void expect(const rec_t *r, size_t i, int op, const char *data, size_t len) {
  assert_true(i < r->n);
  assert_int_equal(r->m[i].op, op);
  assert_int_equal(r->m[i].len, len);
  assert_memory_equal(r->m[i].data, data, len);
}

/* Feeds p[0..n) from an exact-size copy (the decoder unmasks in place). */
static int feed(sio__ws_decoder_t *d, const uint8_t *p, size_t n, rec_t *r,
                uint16_t *code) {
  uint8_t *copy = malloc(n ? n : 1);
  assert_non_null(copy);
  if (n) memcpy(copy, p, n);
  int rc = sio__ws_decoder_feed(d, copy, n, on_msg, r, code);
  free(copy);
  return rc;
}

static char big[300];

/* Text (two-byte characters), ping, a 16-bit-length binary message, a
 * fragmented text message with a ping and a pong between its fragments and
 * a character split over two fragments, then a close. */
static void build_mixed(stream_t *st) {
  memset(st, 0, sizeof(*st));
  for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 26);
  add(st, 1, SIO__WS_OP_TEXT, "h\xc3\xa9llo w\xc3\xb6rld", 13);
  add(st, 1, SIO__WS_OP_PING, "p", 1);
  add(st, 1, SIO__WS_OP_BINARY, big, sizeof(big));
  add(st, 0, SIO__WS_OP_TEXT, "ab", 2);
  add(st, 1, SIO__WS_OP_PING, "in", 2);
  add(st, 0, SIO__WS_OP_CONT, "c\xe2\x82", 3);
  add(st, 1, SIO__WS_OP_PONG, "", 0);
  add(st, 1, SIO__WS_OP_CONT,
      "\xac"
      "d",
      2);
  add(st, 1, SIO__WS_OP_CLOSE,
      "\x03\xe8"
      "bye",
      5);
}

static void check_mixed(const rec_t *r) {
  assert_int_equal(r->n, 7);
  expect(r, 0, SIO__WS_OP_TEXT, "h\xc3\xa9llo w\xc3\xb6rld", 13);
  expect(r, 1, SIO__WS_OP_PING, "p", 1);
  expect(r, 2, SIO__WS_OP_BINARY, big, sizeof(big));
  expect(r, 3, SIO__WS_OP_PING, "in", 2);
  expect(r, 4, SIO__WS_OP_PONG, "", 0);
  expect(r, 5, SIO__WS_OP_TEXT,
         "abc\xe2\x82\xac"
         "d",
         7);
  expect(r, 6, SIO__WS_OP_CLOSE, "bye", 3);
  assert_int_equal(r->m[6].code, 1000);
}

/* ---- tests ------------------------------------------------------------------ */

/* Whole frames in one feed: delivered without a single allocation. */
static void test_whole_frames_do_not_allocate(void **state) {
  (void)state;
  stream_t st;
  memset(&st, 0, sizeof(st));
  for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 26);
  add(&st, 1, SIO__WS_OP_TEXT, "42[\"echo\",\"hi\"]", 16);
  add(&st, 1, SIO__WS_OP_PING, "", 0);
  add(&st, 1, SIO__WS_OP_BINARY, big, sizeof(big));
  add(&st, 1, SIO__WS_OP_TEXT, "2", 1);
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(feed(&d, st.buf, st.len, &r, NULL), 0);
  assert_int_equal(r.n, 4);
  expect(&r, 0, SIO__WS_OP_TEXT, "42[\"echo\",\"hi\"]", 16);
  expect(&r, 2, SIO__WS_OP_BINARY, big, sizeof(big));
  assert_int_equal(allocs, 0);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  /* Frame by frame, each feed ending at a boundary: still nothing. */
  for (size_t i = 0; i < st.n; i++) {
    size_t from = i ? st.end[i - 1] : 0;
    assert_int_equal(feed(&d, st.buf + from, st.end[i] - from, &r, NULL), 0);
  }
  assert_int_equal(r.n, 8);
  assert_int_equal(allocs, 0);
  sio__ws_decoder_free(&d);
}

/* The stream cut in two at every byte offset: the state of the frame or
 * message cut open survives the first feed and is gone after the second; a
 * cut at a boundary with no message open leaves nothing held. */
static void test_split_at_every_offset(void **state) {
  (void)state;
  stream_t st;
  build_mixed(&st);
  for (size_t k = 0; k <= st.len; k++) {
    reset_counts();
    sio__ws_decoder_t d;
    sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
    rec_t r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(feed(&d, st.buf, k, &r, NULL), 0);
    if (at_rest(&st, k)) {
      assert_int_equal(sio__ws_decoder_held(&d), 0);
      assert_int_equal(sio__ws_decoder_buffered(&d), 0);
      assert_int_equal(live, 0);
    } else {
      assert_true(sio__ws_decoder_held(&d) > 0);
      assert_true(live > 0);
    }
    assert_int_equal(feed(&d, st.buf + k, st.len - k, &r, NULL), 0);
    check_mixed(&r);
    assert_int_equal(sio__ws_decoder_held(&d), 0);
    assert_int_equal(live, 0);
    sio__ws_decoder_free(&d);
  }
}

/* One byte per feed: the state is held exactly while inside a frame or a
 * fragmented message. */
static void test_byte_at_a_time(void **state) {
  (void)state;
  stream_t st;
  build_mixed(&st);
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  for (size_t k = 0; k < st.len; k++) {
    assert_int_equal(feed(&d, st.buf + k, 1, &r, NULL), 0);
    assert_int_equal(sio__ws_decoder_held(&d) == 0, at_rest(&st, k + 1));
    assert_int_equal(live == 0, at_rest(&st, k + 1));
  }
  check_mixed(&r);
  sio__ws_decoder_free(&d);
}

/* A fragmented message whose fragments come one per feed, with control
 * frames between them: the controls are delivered at once, the message
 * when its last fragment arrives, and the state is held until then. */
static void test_fragments_across_feeds(void **state) {
  (void)state;
  stream_t st;
  build_mixed(&st);
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  for (size_t i = 0; i < st.n; i++) {
    size_t from = i ? st.end[i - 1] : 0;
    assert_int_equal(feed(&d, st.buf + from, st.end[i] - from, &r, NULL), 0);
    assert_int_equal(sio__ws_decoder_held(&d) == 0, st.rest[i]);
    assert_int_equal(live == 0, st.rest[i]);
    if (i == 4) { /* the ping inside the message: delivered, message still open */
      assert_int_equal(r.n, 4);
      expect(&r, 3, SIO__WS_OP_PING, "in", 2);
      assert_int_equal(sio__ws_decoder_buffered(&d), 2); /* "ab" */
    }
  }
  check_mixed(&r);
  sio__ws_decoder_free(&d);
}

/* A callback that stops on a control frame inside a fragmented message: the
 * open message is kept, the rest is fed again and completes it. */
static void test_stop_inside_message(void **state) {
  (void)state;
  stream_t st;
  build_mixed(&st);
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  r.stop_at = 4; /* the ping between "ab" and "c..." */
  assert_int_equal(feed(&d, st.buf, st.len, &r, NULL), 7);
  assert_int_equal(sio__ws_decoder_consumed(&d), st.end[4]);
  assert_true(sio__ws_decoder_held(&d) > 0);
  assert_int_equal(sio__ws_decoder_buffered(&d), 2);
  r.stop_at = 0;
  assert_int_equal(feed(&d, st.buf + st.end[4], st.len - st.end[4], &r, NULL), 0);
  check_mixed(&r);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  assert_int_equal(live, 0);
  sio__ws_decoder_free(&d);
}

/* An error lets go of the state at once; the error stays. */
static void test_error_frees(void **state) {
  (void)state;
  stream_t st;
  memset(&st, 0, sizeof(st));
  add(&st, 0, SIO__WS_OP_TEXT, "ok", 2);
  add(&st, 1, SIO__WS_OP_CONT, "\xff", 1); /* never valid UTF-8 */
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(feed(&d, st.buf, st.end[0], &r, NULL), 0);
  assert_true(sio__ws_decoder_held(&d) > 0);
  uint16_t code = 0;
  assert_int_equal(feed(&d, st.buf + st.end[0], st.len - st.end[0], &r, &code),
                   SIO_EILSEQ);
  assert_int_equal(code, SIO_WS_CLOSE_INVALID_DATA);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  assert_int_equal(live, 0);
  code = 0;
  assert_int_equal(feed(&d, st.buf, st.len, &r, &code), SIO_EILSEQ);
  assert_int_equal(code, SIO_WS_CLOSE_INVALID_DATA);
  assert_int_equal(r.n, 0);
  sio__ws_decoder_free(&d);
}

/* Out of memory for the state of a cut frame: 1011, nothing left held. */
static void test_state_out_of_memory(void **state) {
  (void)state;
  stream_t st;
  memset(&st, 0, sizeof(st));
  add(&st, 1, SIO__WS_OP_PING, "hello", 5);
  reset_counts();
  fail_after = 0;
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  uint16_t code = 0;
  assert_int_equal(feed(&d, st.buf, st.len - 2, &r, &code), SIO_ENOMEM);
  assert_int_equal(code, SIO_WS_CLOSE_INTERNAL);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  assert_int_equal(live, 0);
  assert_int_equal(r.n, 0);
  sio__ws_decoder_free(&d);
  fail_after = -1;
}

/* Freeing a decoder cut inside a frame releases its state. */
static void test_free_mid_frame(void **state) {
  (void)state;
  stream_t st;
  build_mixed(&st);
  reset_counts();
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  rec_t r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(feed(&d, st.buf, st.end[2] + 3, &r, NULL), 0); /* into "ab" */
  assert_true(live > 0);
  sio__ws_decoder_free(&d);
  assert_int_equal(live, 0);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  sio__ws_decoder_free(&d); /* idempotent */
}

int main(void) {
  if (sio_replace_allocator(count_malloc, count_realloc, count_calloc, count_free) != 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whole_frames_do_not_allocate),
      cmocka_unit_test(test_split_at_every_offset),
      cmocka_unit_test(test_byte_at_a_time),
      cmocka_unit_test(test_fragments_across_feeds),
      cmocka_unit_test(test_stop_inside_message),
      cmocka_unit_test(test_error_frees),
      cmocka_unit_test(test_state_out_of_memory),
      cmocka_unit_test(test_free_mid_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
