/* Unit tests for ws/ws_frame. Scenarios are data tables (frames to send, the
 * messages expected, the error and the byte where it must be detected) and
 * each one is replayed with several feeding schedules: the whole stream at
 * once, every split point into two feeds, one byte at a time, and seeded
 * random chunks. Each chunk is copied into an exact-size heap block, so ASan
 * catches any read past what was fed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "ws/ws_frame.h"

enum { OP_CONT = 0, OP_TEXT = 1, OP_BIN = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };
enum { SERVER = SIO__WS_ROLE_SERVER, CLIENT = SIO__WS_ROLE_CLIENT };

/* ---- a reference encoder, independent of the one under test --------------- */

enum { LEN_MIN = 0, LEN_7 = 1, LEN_16 = 2, LEN_64 = 8 };
enum { MASK_DEFAULT = 0, MASK_ON = 1, MASK_OFF = 2 };

static size_t ref_encode(uint8_t *out, int fin, int rsv, int op, const uint8_t *pl,
                         size_t len, int lenform, const uint8_t *mask) {
  size_t n = 0;
  out[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv << 4) | op);
  uint8_t mb = mask ? 0x80 : 0;
  if (lenform == LEN_MIN) lenform = len < 126 ? LEN_7 : len <= 0xffff ? LEN_16 : LEN_64;
  if (lenform == LEN_7) {
    out[n++] = (uint8_t)(mb | len);
  } else if (lenform == LEN_16) {
    out[n++] = mb | 126;
    out[n++] = (uint8_t)(len >> 8);
    out[n++] = (uint8_t)len;
  } else {
    out[n++] = mb | 127;
    for (int k = 7; k >= 0; k--) out[n++] = (uint8_t)((uint64_t)len >> (8 * k));
  }
  if (mask) {
    memcpy(out + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < len; i++) out[n + i] = pl[i] ^ mask[i % 4];
  } else if (len) {
    memcpy(out + n, pl, len);
  }
  return n + len;
}

/* ---- scenario tables ------------------------------------------------------ */

typedef struct {
  uint8_t fin, rsv, op;
  const char *pl; /* NULL: plen bytes of a generated pattern (ASCII letters) */
  size_t plen;
  uint8_t lenform, mask;
} fspec_t;

typedef struct {
  uint8_t op;
  const char *data; /* NULL: plen bytes of the generated pattern */
  size_t len;
  uint16_t code;
} mspec_t;

/* Where the error must be detected: in frame fail_frame, at byte fail_at of
 * its header (AT_HDR1: the second header byte; AT_HDR_END: the last header
 * byte), or at payload byte k (k >= 0), or the frame's last byte (AT_END). */
enum { AT_NONE = -100, AT_HDR1 = -1, AT_HDR_END = -2, AT_END = -3 };

typedef struct {
  const char *name;
  int role;
  size_t max;
  size_t nframes;
  fspec_t f[8];
  size_t nmsgs;
  mspec_t m[8];
  int err;
  uint16_t code;
  int fail_frame, fail_at;
} scen_t;

#define FR(fin, op, str)                                                                 \
  { fin, 0, op, str, sizeof(str) - 1, LEN_MIN, MASK_DEFAULT }
#define FRL(fin, op, str, lf)                                                            \
  { fin, 0, op, str, sizeof(str) - 1, lf, MASK_DEFAULT }
#define FRG(fin, op, n)                                                                  \
  { fin, 0, op, NULL, n, LEN_MIN, MASK_DEFAULT }
#define MS(op, str)                                                                      \
  { op, str, sizeof(str) - 1, 0 }
#define MG(op, n)                                                                        \
  { op, NULL, n, 0 }
#define MC(code, str)                                                                    \
  { OP_CLOSE, str, sizeof(str) - 1, code }
#define OK 0, 0, 0, AT_NONE

static const scen_t scenarios[] = {
    /* Plain messages and control frames. */
    {"text", SERVER, 0, 1, {FR(1, OP_TEXT, "hello")}, 1, {MS(OP_TEXT, "hello")}, OK},
    {"binary",
     SERVER,
     0,
     1,
     {FR(1, OP_BIN, "\x00\x01\xff\x80")},
     1,
     {MS(OP_BIN, "\x00\x01\xff\x80")},
     OK},
    {"empty",
     SERVER,
     0,
     2,
     {FR(1, OP_TEXT, ""), FR(1, OP_BIN, "")},
     2,
     {MS(OP_TEXT, ""), MS(OP_BIN, "")},
     OK},
    {"ping pong",
     SERVER,
     0,
     3,
     {FR(1, OP_PING, "hi"), FR(1, OP_PONG, ""), FR(1, OP_PING, "")},
     3,
     {MS(OP_PING, "hi"), MS(OP_PONG, ""), MS(OP_PING, "")},
     OK},
    {"close no payload", SERVER, 0, 1, {FR(1, OP_CLOSE, "")}, 1, {MC(1005, "")}, OK},
    {"close code only",
     SERVER,
     0,
     1,
     {FR(1, OP_CLOSE, "\x03\xe8")},
     1,
     {MC(1000, "")},
     OK},
    {"close reason",
     SERVER,
     0,
     1,
     {FR(1, OP_CLOSE,
         "\x03\xe9"
         "bye \xc3\xa9")},
     1,
     {MC(1001, "bye \xc3\xa9")},
     OK},
    {"close 4999", SERVER, 0, 1, {FR(1, OP_CLOSE, "\x13\x87")}, 1, {MC(4999, "")}, OK},
    {"many",
     SERVER,
     0,
     4,
     {FR(1, OP_TEXT, "a"), FR(1, OP_BIN, "b"), FR(1, OP_PING, "c"), FR(1, OP_TEXT, "d")},
     4,
     {MS(OP_TEXT, "a"), MS(OP_BIN, "b"), MS(OP_PING, "c"), MS(OP_TEXT, "d")},
     OK},
    {"client role",
     CLIENT,
     0,
     2,
     {FR(1, OP_TEXT, "srv"), FR(1, OP_PING, "")},
     2,
     {MS(OP_TEXT, "srv"), MS(OP_PING, "")},
     OK},
    {"text utf8",
     SERVER,
     0,
     1,
     {FR(1, OP_TEXT, "\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf")},
     1,
     {MS(OP_TEXT, "\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf")},
     OK},
    {"binary not utf8",
     SERVER,
     0,
     1,
     {FR(1, OP_BIN, "\xff\xc0\xed\xa0\x80")},
     1,
     {MS(OP_BIN, "\xff\xc0\xed\xa0\x80")},
     OK},

    /* Fragmentation. */
    {"fragments",
     SERVER,
     0,
     3,
     {FR(0, OP_TEXT, "hel"), FR(0, OP_CONT, ""), FR(1, OP_CONT, "lo")},
     1,
     {MS(OP_TEXT, "hello")},
     OK},
    {"binary fragments",
     SERVER,
     0,
     2,
     {FR(0, OP_BIN, "\xff"), FR(1, OP_CONT, "\xfe")},
     1,
     {MS(OP_BIN, "\xff\xfe")},
     OK},
    {"empty fragments",
     SERVER,
     0,
     3,
     {FR(0, OP_TEXT, ""), FR(0, OP_CONT, ""), FR(1, OP_CONT, "")},
     1,
     {MS(OP_TEXT, "")},
     OK},
    {"controls between fragments",
     SERVER,
     0,
     5,
     {FR(0, OP_TEXT, "a"), FR(1, OP_PING, "p"), FR(0, OP_CONT, "b"), FR(1, OP_PONG, ""),
      FR(1, OP_CONT, "c")},
     3,
     {MS(OP_PING, "p"), MS(OP_PONG, ""), MS(OP_TEXT, "abc")},
     OK},
    {"close between fragments",
     SERVER,
     0,
     2,
     {FR(0, OP_TEXT, "a"), FR(1, OP_CLOSE, "\x03\xe8")},
     1,
     {MC(1000, "")},
     OK},
    {"utf8 split over fragments",
     SERVER,
     0,
     4,
     {FR(0, OP_TEXT, "\xe2"), FR(0, OP_CONT, "\x82"), FR(1, OP_PING, ""),
      FR(1, OP_CONT, "\xac\xf0\x9f\x98\x80")},
     2,
     {MS(OP_PING, ""), MS(OP_TEXT, "\xe2\x82\xac\xf0\x9f\x98\x80")},
     OK},
    {"message after fragments",
     SERVER,
     0,
     3,
     {FR(0, OP_BIN, "x"), FR(1, OP_CONT, "y"), FR(1, OP_TEXT, "z")},
     2,
     {MS(OP_BIN, "xy"), MS(OP_TEXT, "z")},
     OK},

    /* Length forms: boundaries and non-minimal encodings (accepted). */
    {"len 125", SERVER, 0, 1, {FRG(1, OP_BIN, 125)}, 1, {MG(OP_BIN, 125)}, OK},
    {"len 126", SERVER, 0, 1, {FRG(1, OP_BIN, 126)}, 1, {MG(OP_BIN, 126)}, OK},
    {"len 65535", SERVER, 0, 1, {FRG(1, OP_TEXT, 65535)}, 1, {MG(OP_TEXT, 65535)}, OK},
    {"len 65536", SERVER, 0, 1, {FRG(1, OP_TEXT, 65536)}, 1, {MG(OP_TEXT, 65536)}, OK},
    {"non-minimal 16",
     SERVER,
     0,
     1,
     {FRL(1, OP_TEXT, "abc", LEN_16)},
     1,
     {MS(OP_TEXT, "abc")},
     OK},
    {"non-minimal 64",
     SERVER,
     0,
     2,
     {FRL(1, OP_TEXT, "abc", LEN_64), FRL(1, OP_BIN, "", LEN_64)},
     2,
     {MS(OP_TEXT, "abc"), MS(OP_BIN, "")},
     OK},
    {"control 125", SERVER, 0, 1, {FRG(1, OP_PING, 125)}, 1, {MG(OP_PING, 125)}, OK},

    /* max_message. */
    {"at max", SERVER, 100, 1, {FRG(1, OP_TEXT, 100)}, 1, {MG(OP_TEXT, 100)}, OK},
    {"fragments at max",
     SERVER,
     100,
     3,
     {FRG(0, OP_BIN, 40), FRG(0, OP_CONT, 50), FRG(1, OP_CONT, 10)},
     1,
     {MG(OP_BIN, 100)},
     OK},
    {"max excludes controls",
     SERVER,
     10,
     3,
     {FRG(0, OP_TEXT, 5), FRG(1, OP_PING, 100), FRG(1, OP_CONT, 5)},
     2,
     {MG(OP_PING, 100), MG(OP_TEXT, 10)},
     OK},
    {"one past max",
     SERVER,
     100,
     2,
     {FR(1, OP_TEXT, "ok"), FRG(1, OP_TEXT, 101)},
     1,
     {MS(OP_TEXT, "ok")},
     SIO_EMSGSIZE,
     1009,
     1,
     AT_HDR_END},
    {"fragments one past max",
     SERVER,
     100,
     3,
     {FRG(0, OP_BIN, 40), FRG(0, OP_CONT, 50), FRG(1, OP_CONT, 11)},
     0,
     {{0}},
     SIO_EMSGSIZE,
     1009,
     2,
     AT_HDR_END},

    /* Masking per role. */
    {"server: unmasked",
     SERVER,
     0,
     2,
     {FR(1, OP_TEXT, "a"), {1, 0, OP_TEXT, "b", 1, LEN_MIN, MASK_OFF}},
     1,
     {MS(OP_TEXT, "a")},
     SIO_EPROTO,
     1002,
     1,
     AT_HDR1},
    {"client: masked",
     CLIENT,
     0,
     1,
     {{1, 0, OP_TEXT, "b", 1, LEN_MIN, MASK_ON}},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"server: unmasked control",
     SERVER,
     0,
     1,
     {{1, 0, OP_PING, "", 0, LEN_MIN, MASK_OFF}},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},

    /* RSV bits. */
    {"rsv1",
     SERVER,
     0,
     1,
     {{1, 4, OP_TEXT, "x", 1, LEN_MIN, 0}},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"rsv2",
     SERVER,
     0,
     1,
     {{1, 2, OP_TEXT, "x", 1, LEN_MIN, 0}},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"rsv3",
     SERVER,
     0,
     1,
     {{1, 1, OP_BIN, "x", 1, LEN_MIN, 0}},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"rsv on ping",
     SERVER,
     0,
     2,
     {FR(1, OP_TEXT, "a"), {1, 7, OP_PING, "", 0, LEN_MIN, 0}},
     1,
     {MS(OP_TEXT, "a")},
     SIO_EPROTO,
     1002,
     1,
     AT_HDR1},

    /* Control frame rules. */
    {"fragmented ping",
     SERVER,
     0,
     1,
     {FR(0, OP_PING, "")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"fragmented close",
     SERVER,
     0,
     1,
     {FR(0, OP_CLOSE, "\x03\xe8")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"ping 126",
     SERVER,
     0,
     1,
     {FRG(1, OP_PING, 126)},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"pong 126",
     SERVER,
     0,
     1,
     {FRG(1, OP_PONG, 126)},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"close 126",
     SERVER,
     0,
     1,
     {FRG(1, OP_CLOSE, 126)},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},

    /* Fragmentation rules. */
    {"cont without start",
     SERVER,
     0,
     1,
     {FR(1, OP_CONT, "x")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_HDR1},
    {"cont after complete",
     SERVER,
     0,
     2,
     {FR(1, OP_TEXT, "a"), FR(0, OP_CONT, "x")},
     1,
     {MS(OP_TEXT, "a")},
     SIO_EPROTO,
     1002,
     1,
     AT_HDR1},
    {"text during text",
     SERVER,
     0,
     2,
     {FR(0, OP_TEXT, "a"), FR(1, OP_TEXT, "b")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     1,
     AT_HDR1},
    {"binary during text",
     SERVER,
     0,
     3,
     {FR(0, OP_TEXT, "a"), FR(1, OP_PING, ""), FR(0, OP_BIN, "b")},
     1,
     {MS(OP_PING, "")},
     SIO_EPROTO,
     1002,
     2,
     AT_HDR1},

    /* Close payload rules. */
    {"close len 1",
     SERVER,
     0,
     1,
     {FR(1, OP_CLOSE, "\x03")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_END},
    {"close bad reason",
     SERVER,
     0,
     1,
     {FR(1, OP_CLOSE,
         "\x03\xe8"
         "ab\xff")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_END},
    {"close cut reason",
     SERVER,
     0,
     1,
     {FR(1, OP_CLOSE,
         "\x03\xe8"
         "\xe2\x82")},
     0,
     {{0}},
     SIO_EPROTO,
     1002,
     0,
     AT_END},

    /* Invalid UTF-8 in text: detected at the bad byte. */
    {"text bad byte",
     SERVER,
     0,
     1,
     {FR(1, OP_TEXT,
         "abc\xff"
         "def")},
     0,
     {{0}},
     SIO_EILSEQ,
     1007,
     0,
     3},
    {"text bad in 2nd fragment",
     SERVER,
     0,
     2,
     {FR(0, OP_TEXT, "ok"), FR(1, OP_CONT, "x\xc0\x80")},
     0,
     {{0}},
     SIO_EILSEQ,
     1007,
     1,
     1},
    {"text cut at FIN",
     SERVER,
     0,
     1,
     {FR(1, OP_TEXT, "ab\xe2\x82")},
     0,
     {{0}},
     SIO_EILSEQ,
     1007,
     0,
     AT_END},
    {"text cut at FIN over fragments",
     SERVER,
     0,
     3,
     {FR(0, OP_TEXT, "\xf0"), FR(0, OP_CONT, "\x9f\x98"), FR(1, OP_CONT, "")},
     0,
     {{0}},
     SIO_EILSEQ,
     1007,
     2,
     AT_END},
    {"surrogate across fragments",
     SERVER,
     0,
     2,
     {FR(0, OP_TEXT, "\xed"), FR(1, OP_CONT, "\xa0\x80")},
     0,
     {{0}},
     SIO_EILSEQ,
     1007,
     1,
     0},
};

/* ---- recording callback --------------------------------------------------- */

typedef struct {
  uint8_t op;
  uint16_t code;
  size_t len;
  uint8_t *data;
  const uint8_t *ptr; /* where the decoder pointed */
} got_t;

typedef struct {
  size_t n;
  got_t m[16];
  size_t stop_at;               /* stop (return 42) when n reaches this; 0 never */
  const uint8_t *in_lo, *in_hi; /* the current input, to tell copies */
  size_t direct;                /* messages that pointed into the input */
} rec_t;

static int on_msg(void *arg, const sio__ws_msg_t *msg) {
  rec_t *r = arg;
  assert_true(r->n < 16);
  assert_non_null(msg->data);
  got_t *g = &r->m[r->n++];
  g->op = (uint8_t)msg->opcode;
  g->code = msg->close_code;
  g->len = msg->len;
  g->ptr = msg->data;
  g->data = malloc(msg->len ? msg->len : 1);
  assert_non_null(g->data);
  if (msg->len) memcpy(g->data, msg->data, msg->len);
  if (msg->data >= r->in_lo && msg->data < r->in_hi) r->direct++;
  return r->stop_at && r->n == r->stop_at ? 42 : 0;
}

static void rec_free(rec_t *r) {
  for (size_t i = 0; i < r->n; i++) free(r->m[i].data);
  r->n = 0;
}

/* ---- building streams ----------------------------------------------------- */

typedef struct {
  uint8_t *buf;
  size_t len;
  size_t start[8], hdr[8], end[8]; /* per frame: offset, header size, end */
} stream_t;

static uint8_t pattern_byte(size_t i) {
  return (uint8_t)('a' + i % 26);
}

static void build(const scen_t *sc, stream_t *st) {
  size_t cap = 64;
  for (size_t k = 0; k < sc->nframes; k++) cap += sc->f[k].plen + 14;
  st->buf = malloc(cap);
  assert_non_null(st->buf);
  st->len = 0;
  for (size_t k = 0; k < sc->nframes; k++) {
    const fspec_t *f = &sc->f[k];
    uint8_t *pl = malloc(f->plen ? f->plen : 1);
    assert_non_null(pl);
    for (size_t i = 0; i < f->plen; i++)
      pl[i] = f->pl ? (uint8_t)f->pl[i] : pattern_byte(i);
    int masked = f->mask == MASK_ON || (f->mask == MASK_DEFAULT && sc->role == SERVER);
    uint8_t key[4] = {(uint8_t)(0x37 + k), 0xfa, 0x21, (uint8_t)(0x3d ^ k)};
    st->start[k] = st->len;
    size_t n = ref_encode(st->buf + st->len, f->fin, f->rsv, f->op, pl, f->plen,
                          f->lenform, masked ? key : NULL);
    st->hdr[k] = n - f->plen;
    st->len += n;
    st->end[k] = st->len;
    free(pl);
  }
}

static size_t fail_offset(const scen_t *sc, const stream_t *st) {
  int k = sc->fail_frame;
  switch (sc->fail_at) {
    case AT_HDR1:
      return st->start[k] + 1;
    case AT_HDR_END:
      return st->start[k] + st->hdr[k] - 1;
    case AT_END:
      return st->end[k] - 1;
    default:
      return st->start[k] + st->hdr[k] + (size_t)sc->fail_at;
  }
}

/* Payload bytes of a fragmented message still open after the last frame (the
 * decoder must hold exactly those once everything was fed). */
static size_t open_bytes(const scen_t *sc) {
  size_t held = 0;
  for (size_t k = 0; k < sc->nframes; k++) {
    const fspec_t *f = &sc->f[k];
    if (f->op >= 8) continue;
    if (f->op != OP_CONT) held = 0;
    held += f->plen;
    if (f->fin) held = 0;
  }
  return held;
}

/* ---- feeding schedules ---------------------------------------------------- */

enum { SCHED_WHOLE, SCHED_SPLIT, SCHED_BYTES, SCHED_RANDOM };

typedef struct {
  int kind;
  size_t param; /* split point or random seed */
  uint32_t rng;
} sched_t;

static size_t next_chunk(sched_t *s, size_t pos, size_t len) {
  size_t left = len - pos;
  switch (s->kind) {
    case SCHED_WHOLE:
      return left;
    case SCHED_SPLIT:
      return pos < s->param ? s->param - pos : left;
    case SCHED_BYTES:
      return 1;
    default: {
      s->rng = s->rng * 1664525u + 1013904223u;
      size_t c = 1 + (s->rng >> 8) % 300;
      return c < left ? c : left;
    }
  }
}

typedef struct {
  int rc;
  uint16_t code;
  size_t fail_lo, fail_hi; /* the chunk [lo, hi) whose feed failed */
} outcome_t;

/* Feeds stream through a fresh decoder with schedule s; records messages. */
static outcome_t run(const scen_t *sc, const stream_t *st, sched_t s, rec_t *r) {
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, (sio__ws_role_t)sc->role, sc->max);
  outcome_t o = {0, 0, 0, 0};
  size_t pos = 0;
  while (pos < st->len) {
    size_t c = next_chunk(&s, pos, st->len);
    uint8_t *chunk = malloc(c);
    assert_non_null(chunk);
    memcpy(chunk, st->buf + pos, c);
    r->in_lo = chunk;
    r->in_hi = chunk + c;
    uint16_t code = 0;
    int rc = sio__ws_decoder_feed(&d, chunk, c, on_msg, r, &code);
    free(chunk);
    if (rc) {
      o.rc = rc;
      o.code = code;
      o.fail_lo = pos;
      o.fail_hi = pos + c;
      /* Sticky: the next feed fails the same way and delivers nothing. */
      size_t before = r->n;
      uint8_t more[4] = {0x81, 0x80, 0, 0};
      code = 0;
      assert_int_equal(sio__ws_decoder_feed(&d, more, sizeof(more), on_msg, r, &code),
                       rc);
      assert_int_equal(code, o.code);
      assert_int_equal(r->n, before);
      break;
    }
    /* It never holds more than was fed. */
    assert_true(sio__ws_decoder_buffered(&d) <= pos + c);
    pos += c;
  }
  if (!o.rc) assert_int_equal(sio__ws_decoder_buffered(&d), open_bytes(sc));
  sio__ws_decoder_free(&d);
  return o;
}

static void check_messages(const scen_t *sc, const rec_t *r) {
  if (r->n != sc->nmsgs)
    fail_msg("%s: %zu messages, want %zu", sc->name, r->n, sc->nmsgs);
  for (size_t i = 0; i < sc->nmsgs; i++) {
    const mspec_t *w = &sc->m[i];
    const got_t *g = &r->m[i];
    if (g->op != w->op) fail_msg("%s: msg %zu op %d want %d", sc->name, i, g->op, w->op);
    assert_int_equal(g->code, w->code);
    assert_int_equal(g->len, w->len);
    for (size_t k = 0; k < w->len; k++) {
      uint8_t want = w->data ? (uint8_t)w->data[k] : 0;
      if (!w->data) {
        /* Generated payloads: fragments restart the pattern. */
        continue;
      }
      if (g->data[k] != want) fail_msg("%s: msg %zu byte %zu", sc->name, i, k);
    }
  }
}

static void check_outcome(const scen_t *sc, const stream_t *st, const outcome_t *o,
                          const char *how) {
  if (o->rc != sc->err)
    fail_msg("%s (%s): rc %d want %d (code %u)", sc->name, how, o->rc, sc->err, o->code);
  if (!sc->err) return;
  assert_int_equal(o->code, sc->code);
  size_t at = fail_offset(sc, st);
  /* Detected in the feed that carried the offending byte: not before, not later. */
  if (at < o->fail_lo || at >= o->fail_hi)
    fail_msg("%s (%s): failed in chunk [%zu,%zu), want byte %zu", sc->name, how,
             o->fail_lo, o->fail_hi, at);
}

static void run_scenario(const scen_t *sc) {
  stream_t st;
  build(sc, &st);
  rec_t r;
  memset(&r, 0, sizeof(r));
  outcome_t o;

  o = run(sc, &st, (sched_t){SCHED_WHOLE, 0, 0}, &r);
  check_outcome(sc, &st, &o, "whole");
  check_messages(sc, &r);
  rec_free(&r);

  o = run(sc, &st, (sched_t){SCHED_BYTES, 0, 0}, &r);
  check_outcome(sc, &st, &o, "bytes");
  check_messages(sc, &r);
  rec_free(&r);

  if (st.len <= 4096) {
    for (size_t cut = 0; cut <= st.len; cut++) {
      o = run(sc, &st, (sched_t){SCHED_SPLIT, cut, 0}, &r);
      check_outcome(sc, &st, &o, "split");
      check_messages(sc, &r);
      rec_free(&r);
    }
  }
  for (uint32_t seed = 1; seed <= 20; seed++) {
    o = run(sc, &st, (sched_t){SCHED_RANDOM, 0, seed}, &r);
    check_outcome(sc, &st, &o, "random");
    check_messages(sc, &r);
    rec_free(&r);
  }
  free(st.buf);
}

static void test_scenarios(void **state) {
  for (size_t k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
    run_scenario(&scenarios[k]);
}

/* Generated payloads must arrive intact (the table only checks lengths). */
static void test_generated_payloads(void **state) {
  static const size_t sizes[] = {0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70000};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    for (int role = 0; role <= 1; role++) {
      scen_t sc = {"gen", role, 0, 1, {FRG(1, OP_BIN, sizes[k])}, 0, {{0}}, OK};
      stream_t st;
      build(&sc, &st);
      for (int kind = SCHED_WHOLE; kind <= SCHED_RANDOM; kind++) {
        if (kind == SCHED_SPLIT) continue;
        rec_t r;
        memset(&r, 0, sizeof(r));
        outcome_t o = run(&sc, &st, (sched_t){kind, 0, 7}, &r);
        assert_int_equal(o.rc, 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.m[0].len, sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++)
          assert_int_equal(r.m[0].data[i], pattern_byte(i));
        rec_free(&r);
      }
      free(st.buf);
    }
  }
}

/* ---- invalid UTF-8 vectors inside text messages --------------------------- */

typedef struct {
  const char *s;
  size_t n;
  size_t bad_at; /* index of the first byte to refuse; n = only at FIN */
} u8bad_t;
#define U(str, at)                                                                       \
  { str, sizeof(str) - 1, at }

static const u8bad_t u8bad[] = {
    U("\x80", 0),
    U("\xc0\x80", 0),
    U("\xc1\xbf", 0),
    U("\xc2\x41", 1),
    U("\xe0\x80\x80", 1),
    U("\xe0\x9f\xbf", 1),
    U("\xe1\x41\x80", 1),
    U("\xe1\x80\x41", 2),
    U("\xed\xa0\x80", 1),
    U("\xed\xbf\xbf", 1),
    U("\xf0\x80\x80\x80", 1),
    U("\xf0\x8f\xbf\xbf", 1),
    U("\xf4\x90\x80\x80", 1),
    U("\xf5\x80\x80\x80", 0),
    U("\xff", 0),
    U("\xf1\x80\x80\x41", 3),
    U("\xf1\x41", 1),
    U("\xc2", 1),
    U("\xe2\x82", 2),
    U("\xf0\x9f\x98", 3),
    U("\xf4\x8f\xbf", 3),
};

/* Each vector, after a valid prefix, as one text frame and split over two
 * fragments at every point; detection must happen at the bad byte (or at the
 * last byte for sequences cut by FIN), fed byte by byte. */
static void test_utf8_in_frames(void **state) {
  for (size_t k = 0; k < sizeof(u8bad) / sizeof(u8bad[0]); k++) {
    char text[32];
    size_t n = 0;
    memcpy(text, "ok\xc3\xa9", 4); /* a valid prefix with a 2-byte char */
    n = 4;
    memcpy(text + n, u8bad[k].s, u8bad[k].n);
    n += u8bad[k].n;
    size_t bad = 4 + u8bad[k].bad_at;
    for (size_t cut = 0; cut <= n; cut++) {
      scen_t sc;
      memset(&sc, 0, sizeof(sc));
      sc.name = "utf8";
      sc.role = SERVER;
      sc.err = SIO_EILSEQ;
      sc.code = 1007;
      if (cut == n) { /* one frame */
        sc.nframes = 1;
        sc.f[0] = (fspec_t){1, 0, OP_TEXT, text, n, LEN_MIN, MASK_DEFAULT};
        sc.fail_frame = 0;
        sc.fail_at = bad < n ? (int)bad : AT_END;
      } else { /* two fragments with a ping between them */
        sc.nframes = 3;
        sc.f[0] = (fspec_t){0, 0, OP_TEXT, text, cut, LEN_MIN, MASK_DEFAULT};
        sc.f[1] = (fspec_t){1, 0, OP_PING, "", 0, LEN_MIN, MASK_DEFAULT};
        sc.f[2] = (fspec_t){1, 0, OP_CONT, text + cut, n - cut, LEN_MIN, MASK_DEFAULT};
        if (bad < cut) {
          sc.fail_frame = 0;
          sc.fail_at = (int)bad;
        } else {
          sc.fail_frame = 2;
          sc.fail_at = bad < n ? (int)(bad - cut) : AT_END;
          sc.nmsgs = 1;
          sc.m[0] = (mspec_t){OP_PING, "", 0, 0};
        }
      }
      stream_t st;
      build(&sc, &st);
      rec_t r;
      memset(&r, 0, sizeof(r));
      outcome_t o = run(&sc, &st, (sched_t){SCHED_BYTES, 0, 0}, &r);
      check_outcome(&sc, &st, &o, "utf8 bytes");
      check_messages(&sc, &r);
      rec_free(&r);
      o = run(&sc, &st, (sched_t){SCHED_WHOLE, 0, 0}, &r);
      check_outcome(&sc, &st, &o, "utf8 whole");
      rec_free(&r);
      free(st.buf);
    }
  }
}

/* ---- close codes ---------------------------------------------------------- */

static void test_close_codes(void **state) {
  /* Every code: accepted by the decoder exactly when close_code_valid says. */
  static const uint16_t valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                                   1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
  static const uint16_t invalid[] = {0,    1,    999,  1004, 1005, 1006, 1015,
                                     1016, 1100, 2000, 2999, 5000, 9999, 65535};
  for (size_t k = 0; k < sizeof(valid) / sizeof(valid[0]); k++)
    assert_int_equal(sio__ws_close_code_valid(valid[k]), 1);
  for (size_t k = 0; k < sizeof(invalid) / sizeof(invalid[0]); k++)
    assert_int_equal(sio__ws_close_code_valid(invalid[k]), 0);
  int count = 0;
  for (uint32_t c = 0; c <= 0xffff; c++) count += sio__ws_close_code_valid((uint16_t)c);
  assert_int_equal(count, 12 + 2000);

  for (uint32_t c = 0; c <= 0xffff; c += (c < 5100 ? 1 : 97)) {
    uint8_t frame[16];
    uint8_t pl[2] = {(uint8_t)(c >> 8), (uint8_t)c};
    size_t n = ref_encode(frame, 1, 0, OP_CLOSE, pl, 2, LEN_MIN, NULL);
    sio__ws_decoder_t d;
    sio__ws_decoder_init(&d, SIO__WS_ROLE_CLIENT, 0);
    rec_t r;
    memset(&r, 0, sizeof(r));
    uint16_t code = 0;
    int rc = sio__ws_decoder_feed(&d, frame, n, on_msg, &r, &code);
    if (sio__ws_close_code_valid((uint16_t)c)) {
      assert_int_equal(rc, 0);
      assert_int_equal(r.n, 1);
      assert_int_equal(r.m[0].code, c);
      assert_int_equal(r.m[0].len, 0);
    } else {
      assert_int_equal(rc, SIO_EPROTO);
      assert_int_equal(code, 1002);
      assert_int_equal(r.n, 0);
    }
    rec_free(&r);
    sio__ws_decoder_free(&d);
  }
}

/* ---- reserved opcodes ----------------------------------------------------- */

static void test_reserved_opcodes(void **state) {
  static const int ops[] = {3, 4, 5, 6, 7, 11, 12, 13, 14, 15};
  for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
    for (int fin = 0; fin <= 1; fin++) {
      scen_t sc = {
          "reserved op",
          SERVER,
          0,
          2,
          {FR(1, OP_TEXT, "x"), {(uint8_t)fin, 0, (uint8_t)ops[k], "", 0, LEN_MIN, 0}},
          1,
          {MS(OP_TEXT, "x")},
          SIO_EPROTO,
          1002,
          1,
          AT_HDR1};
      run_scenario(&sc);
    }
  }
}

/* A control frame with a non-minimal 16-bit length form still has len > 125
 * in b1 (126), so it is refused; one with the 64-bit form too. */
static void test_control_length_forms(void **state) {
  scen_t a = {
      "ping 16-bit form", SERVER, 0, 1,      {FRL(1, OP_PING, "x", LEN_16)}, 0, {{0}},
      SIO_EPROTO,         1002,   0, AT_HDR1};
  run_scenario(&a);
  scen_t b = {"close 64-bit form",
              CLIENT,
              0,
              1,
              {FRL(1, OP_CLOSE, "\x03\xe8", LEN_64)},
              0,
              {{0}},
              SIO_EPROTO,
              1002,
              0,
              AT_HDR1};
  run_scenario(&b);
}

/* ---- lengths announced in the header -------------------------------------- */

static void test_huge_lengths(void **state) {
  /* 64-bit length with the top bit set: 1002, from the header alone. */
  uint8_t h1[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  rec_t r;
  memset(&r, 0, sizeof(r));
  uint16_t code = 0;
  assert_int_equal(sio__ws_decoder_feed(&d, h1, sizeof(h1), on_msg, &r, &code),
                   SIO_EPROTO);
  assert_int_equal(code, 1002);
  sio__ws_decoder_free(&d);

  /* 2^40 bytes announced, limit 1000: 1009 at once, nothing buffered. */
  uint8_t h2[] = {0x82, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4, 'x'};
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 1000);
  code = 0;
  assert_int_equal(sio__ws_decoder_feed(&d, h2, sizeof(h2), on_msg, &r, &code),
                   SIO_EMSGSIZE);
  assert_int_equal(code, 1009);
  assert_int_equal(sio__ws_decoder_held(&d), 0);
  sio__ws_decoder_free(&d);

  /* No limit (0): a big announced frame is not reserved up front; memory
   * grows with what arrives. */
  uint8_t h3[14 + 10];
  uint8_t key[4] = {1, 2, 3, 4};
  size_t hn = sio__ws_frame_header(h3, SIO__WS_OP_BINARY, 1, (uint64_t)1 << 32, key);
  memset(h3 + hn, 'z', 10);
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  assert_int_equal(sio__ws_decoder_feed(&d, h3, hn + 10, on_msg, &r, &code), 0);
  assert_int_equal(sio__ws_decoder_buffered(&d), 10);
  assert_true(sio__ws_decoder_held(&d) <= 4096);
  assert_int_equal(r.n, 0);
  sio__ws_decoder_free(&d);
  sio__ws_decoder_free(&d); /* idempotent */
}

/* ---- zero copy, buffering, stopping --------------------------------------- */

static void test_zero_copy(void **state) {
  scen_t sc = {"zc",
               SERVER,
               0,
               4,
               {FR(1, OP_TEXT, "hello"), FR(1, OP_PING, "p"), FRG(1, OP_BIN, 300),
                FR(1, OP_CLOSE,
                   "\x03\xe8"
                   "x")},
               0,
               {{0}},
               OK};
  stream_t st;
  build(&sc, &st);
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  rec_t r;
  memset(&r, 0, sizeof(r));
  r.in_lo = st.buf;
  r.in_hi = st.buf + st.len;
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf, st.len, on_msg, &r, NULL), 0);
  assert_int_equal(r.n, 4);
  assert_int_equal(r.direct, 4); /* every message pointed into the input */
  assert_int_equal(sio__ws_decoder_held(&d), 0); /* and nothing was allocated */
  assert_ptr_equal(r.m[0].ptr, st.buf + st.hdr[0]);
  assert_memory_equal(st.buf + st.hdr[0], "hello", 5); /* unmasked in place */
  rec_free(&r);
  sio__ws_decoder_free(&d);
  free(st.buf);

  /* A frame split over two feeds is buffered, then delivered from the buffer. */
  build(&sc, &st);
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  memset(&r, 0, sizeof(r));
  size_t cut = st.start[2] + st.hdr[2] + 100; /* inside the 300-byte payload */
  r.in_lo = st.buf;
  r.in_hi = st.buf + cut;
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf, cut, on_msg, &r, NULL), 0);
  assert_int_equal(r.n, 2);
  assert_int_equal(sio__ws_decoder_buffered(&d), 100);
  r.in_lo = st.buf + cut;
  r.in_hi = st.buf + st.len;
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf + cut, st.len - cut, on_msg, &r, NULL),
                   0);
  assert_int_equal(r.n, 4);
  assert_int_equal(r.direct, 3); /* the binary message came from the buffer */
  assert_int_equal(r.m[2].len, 300);
  assert_int_equal(sio__ws_decoder_buffered(&d), 0);
  rec_free(&r);
  sio__ws_decoder_free(&d);
  free(st.buf);

  /* A partial header is held (and counted) between feeds. */
  uint8_t f[] = {0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1};
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  memset(&r, 0, sizeof(r));
  assert_int_equal(sio__ws_decoder_feed(&d, f, 3, on_msg, &r, NULL), 0);
  assert_int_equal(sio__ws_decoder_buffered(&d), 3);
  assert_int_equal(sio__ws_decoder_feed(&d, f + 3, sizeof(f) - 3, on_msg, &r, NULL), 0);
  assert_int_equal(r.n, 1);
  assert_memory_equal(r.m[0].data, "hello", 5);
  rec_free(&r);
  sio__ws_decoder_free(&d);
}

static void test_stop(void **state) {
  scen_t sc = {"stop",
               CLIENT,
               0,
               3,
               {FR(1, OP_TEXT, "one"), FR(1, OP_TEXT, "two"), FR(1, OP_TEXT, "three")},
               0,
               {{0}},
               OK};
  stream_t st;
  build(&sc, &st);
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_CLIENT, 0);
  rec_t r;
  memset(&r, 0, sizeof(r));
  r.stop_at = 1;
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf, st.len, on_msg, &r, NULL), 42);
  assert_int_equal(r.n, 1);
  assert_int_equal(sio__ws_decoder_consumed(&d), st.end[0]);
  /* The rest can be fed again: the decoder stopped at a frame boundary. */
  r.stop_at = 0;
  size_t off = sio__ws_decoder_consumed(&d);
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf + off, st.len - off, on_msg, &r, NULL),
                   0);
  assert_int_equal(sio__ws_decoder_consumed(&d), st.len - off);
  assert_int_equal(r.n, 3);
  assert_memory_equal(r.m[2].data, "three", 5);
  rec_free(&r);
  sio__ws_decoder_free(&d);
  free(st.buf);

  /* Stopping on a buffered (fragmented) message, then continuing. */
  scen_t sc2 = {"stop2",
                SERVER,
                0,
                3,
                {FR(0, OP_BIN, "ab"), FR(1, OP_CONT, "cd"), FR(1, OP_BIN, "ef")},
                0,
                {{0}},
                OK};
  build(&sc2, &st);
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  memset(&r, 0, sizeof(r));
  r.stop_at = 1;
  assert_int_equal(sio__ws_decoder_feed(&d, st.buf, st.len, on_msg, &r, NULL), 42);
  assert_int_equal(sio__ws_decoder_consumed(&d), st.end[1]);
  assert_int_equal(sio__ws_decoder_buffered(&d), 0);
  r.stop_at = 0;
  assert_int_equal(
      sio__ws_decoder_feed(&d, st.buf + st.end[1], st.len - st.end[1], on_msg, &r, NULL),
      0);
  assert_int_equal(r.n, 2);
  assert_memory_equal(r.m[0].data, "abcd", 4);
  assert_memory_equal(r.m[1].data, "ef", 2);
  rec_free(&r);
  sio__ws_decoder_free(&d);
  free(st.buf);
}

/* ---- encoders ------------------------------------------------------------- */

static void test_frame_header(void **state) {
  static const uint64_t lens[] = {
      0, 1, 125, 126, 127, 65535, 65536, 65537, (uint64_t)1 << 32, UINT64_MAX >> 1};
  static const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
  for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
    for (int m = 0; m <= 1; m++) {
      for (int fin = 0; fin <= 1; fin++) {
        uint8_t out[14], ref[14 + 4];
        size_t n =
            sio__ws_frame_header(out, SIO__WS_OP_BINARY, fin, lens[k], m ? key : NULL);
        /* The reference encoder with an empty payload writes the same header
         * except for the length, so compare field by field. */
        size_t want = 2 + (lens[k] < 126 ? 0 : lens[k] <= 0xffff ? 2 : 8) + (m ? 4 : 0);
        assert_int_equal(n, want);
        assert_int_equal(out[0], (fin ? 0x80 : 0) | 2);
        assert_int_equal(out[1] & 0x80, m ? 0x80 : 0);
        uint64_t got = out[1] & 0x7f;
        size_t p = 2;
        if (got == 126) {
          got = (uint64_t)out[2] << 8 | out[3];
          p = 4;
        } else if (got == 127) {
          got = 0;
          for (int i = 0; i < 8; i++) got = got << 8 | out[2 + i];
          p = 10;
        }
        assert_true(got == lens[k]);
        if (m) assert_memory_equal(out + p, key, 4);
        (void)ref;
      }
    }
  }
  uint8_t out[14];
  assert_int_equal(sio__ws_frame_header(out, SIO__WS_OP_TEXT, 1, 5, NULL), 2);
  assert_memory_equal(out, "\x81\x05", 2);
  assert_int_equal(sio__ws_frame_header(out, SIO__WS_OP_CONT, 0, 126, NULL), 4);
  assert_memory_equal(out, "\x00\x7e\x00\x7e", 4);
  assert_int_equal(sio__ws_frame_header(out, SIO__WS_OP_PING, 1, 65536, NULL), 10);
  assert_memory_equal(out, "\x89\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
}

static void test_frame_new(void **state) {
  static const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
  sio_buf_t parts[3] = {
      {(const uint8_t *)"4", 1}, {(const uint8_t *)"", 0}, {(const uint8_t *)"hello", 5}};
  /* Server frame: unmasked, exact bytes. */
  sio__rbuf_t *f = sio__ws_frame_new(SIO__WS_OP_TEXT, parts, 3, NULL);
  assert_non_null(f);
  assert_int_equal(f->refs, 1);
  assert_int_equal(f->len, 8);
  assert_memory_equal(f->data,
                      "\x81\x06"
                      "4hello",
                      8);
  sio__rbuf_unref(f);
  /* Client frame: masked; a server decoder reads it back. */
  f = sio__ws_frame_new(SIO__WS_OP_TEXT, parts, 3, key);
  assert_non_null(f);
  assert_int_equal(f->len, 12);
  assert_memory_equal(f->data, "\x81\x86\x11\x22\x33\x44", 6);
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
  rec_t r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(sio__ws_decoder_feed(&d, f->data, f->len, on_msg, &r, NULL), 0);
  assert_int_equal(r.n, 1);
  assert_memory_equal(r.m[0].data, "4hello", 6);
  rec_free(&r);
  sio__ws_decoder_free(&d);
  sio__rbuf_unref(f);
  /* No parts: an empty frame. */
  f = sio__ws_frame_new(SIO__WS_OP_PONG, NULL, 0, NULL);
  assert_non_null(f);
  assert_memory_equal(f->data, "\x8a\x00", 2);
  sio__rbuf_unref(f);
  /* Control frames are limited to 125 bytes. */
  uint8_t big[200];
  memset(big, 'x', sizeof(big));
  sio_buf_t p125 = {big, 125}, p126 = {big, 126};
  f = sio__ws_frame_new(SIO__WS_OP_PING, &p125, 1, NULL);
  assert_non_null(f);
  assert_int_equal(f->len, 127);
  sio__rbuf_unref(f);
  assert_null(sio__ws_frame_new(SIO__WS_OP_PING, &p126, 1, NULL));
  assert_null(sio__ws_frame_new(SIO__WS_OP_CLOSE, &p126, 1, key));
  /* Big data frames in both roles round-trip through the other role's decoder. */
  static const size_t sizes[] = {125, 126, 65535, 65536, 100003};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    uint8_t *pl = malloc(sizes[k]);
    assert_non_null(pl);
    for (size_t i = 0; i < sizes[k]; i++) pl[i] = (uint8_t)(i * 7);
    sio_buf_t two[2] = {{pl, sizes[k] / 3}, {pl + sizes[k] / 3, sizes[k] - sizes[k] / 3}};
    for (int masked = 0; masked <= 1; masked++) {
      f = sio__ws_frame_new(SIO__WS_OP_BINARY, two, 2, masked ? key : NULL);
      assert_non_null(f);
      sio__ws_decoder_init(&d, masked ? SIO__WS_ROLE_SERVER : SIO__WS_ROLE_CLIENT,
                           sizes[k]);
      memset(&r, 0, sizeof(r));
      assert_int_equal(sio__ws_decoder_feed(&d, f->data, f->len, on_msg, &r, NULL), 0);
      assert_int_equal(r.n, 1);
      assert_int_equal(r.m[0].len, sizes[k]);
      assert_memory_equal(r.m[0].data, pl, sizes[k]);
      rec_free(&r);
      sio__ws_decoder_free(&d);
      sio__rbuf_unref(f);
    }
    free(pl);
  }
}

static void test_close_frame_new(void **state) {
  sio__rbuf_t *f = sio__ws_close_frame_new(1000, "bye", NULL);
  assert_non_null(f);
  assert_int_equal(f->len, 7);
  assert_memory_equal(f->data,
                      "\x88\x05\x03\xe8"
                      "bye",
                      7);
  sio__rbuf_unref(f);
  f = sio__ws_close_frame_new(1009, NULL, NULL);
  assert_int_equal(f->len, 4);
  assert_memory_equal(f->data, "\x88\x02\x03\xf1", 4);
  sio__rbuf_unref(f);
  f = sio__ws_close_frame_new(0, "ignored", NULL);
  assert_int_equal(f->len, 2);
  assert_memory_equal(f->data, "\x88\x00", 2);
  sio__rbuf_unref(f);

  /* A long reason is cut to 123 bytes, never inside a character. */
  char reason[300];
  memset(reason, 'r', 200);
  reason[200] = '\0';
  f = sio__ws_close_frame_new(1000, reason, NULL);
  assert_int_equal(f->len, 2 + 125);
  sio__rbuf_unref(f);
  for (size_t lead = 118; lead <= 124; lead++) {
    memset(reason, 'r', lead);
    memcpy(reason + lead, "\xf0\x9f\x98\x80tail", 9);
    reason[lead + 8] = '\0';
    static const uint8_t key[4] = {9, 8, 7, 6};
    f = sio__ws_close_frame_new(4000, reason, key);
    assert_non_null(f);
    sio__ws_decoder_t d;
    sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, 0);
    rec_t r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(sio__ws_decoder_feed(&d, f->data, f->len, on_msg, &r, NULL), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.m[0].code, 4000);
    assert_true(r.m[0].len <= 123);
    assert_true(sio__utf8_valid(r.m[0].data, r.m[0].len));
    size_t want =
        lead + 4 <= 123 ? (lead + 8 <= 123 ? lead + 8 : 123) : (lead <= 123 ? lead : 123);
    assert_int_equal(r.m[0].len, want);
    rec_free(&r);
    sio__ws_decoder_free(&d);
    sio__rbuf_unref(f);
  }
}

/* The word-at-a-time mask equals the byte-wise definition for every length,
 * offset and alignment. */
static void test_mask(void **state) {
  static const uint8_t key[4] = {0x01, 0x80, 0xfe, 0x55};
  uint8_t buf[80], ref[80];
  for (size_t align = 0; align < 8; align++) {
    for (size_t n = 0; n <= 64; n++) {
      for (uint64_t off = 0; off < 9; off++) {
        for (size_t i = 0; i < sizeof(buf); i++) buf[i] = ref[i] = (uint8_t)(i * 13 + n);
        sio__ws_mask(buf + align, n, key, off);
        for (size_t i = 0; i < n; i++) ref[align + i] ^= key[(off + i) % 4];
        assert_memory_equal(buf, ref, sizeof(buf));
      }
    }
  }
  /* Unmasking in pieces equals unmasking at once. */
  for (size_t i = 0; i < 64; i++) buf[i] = ref[i] = (uint8_t)i;
  sio__ws_mask(ref, 64, key, 0);
  sio__ws_mask(buf, 5, key, 0);
  sio__ws_mask(buf + 5, 17, key, 5);
  sio__ws_mask(buf + 22, 42, key, 22);
  assert_memory_equal(buf, ref, 64);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scenarios),
      cmocka_unit_test(test_generated_payloads),
      cmocka_unit_test(test_utf8_in_frames),
      cmocka_unit_test(test_close_codes),
      cmocka_unit_test(test_reserved_opcodes),
      cmocka_unit_test(test_control_length_forms),
      cmocka_unit_test(test_huge_lengths),
      cmocka_unit_test(test_zero_copy),
      cmocka_unit_test(test_stop),
      cmocka_unit_test(test_frame_header),
      cmocka_unit_test(test_frame_new),
      cmocka_unit_test(test_close_frame_new),
      cmocka_unit_test(test_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
