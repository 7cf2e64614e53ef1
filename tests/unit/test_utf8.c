/* Unit tests for core/utf8: vector tables (valid, invalid with the index of
 * the first byte that must be refused, incomplete), every split point, the
 * 8-byte ASCII fast path at every alignment, and an exhaustive comparison
 * against a straightforward reference decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "sio/common.h"
#include "support/vectors.h"

/* The tables: tests/vectors/utf8.txt, loaded by main. */
typedef struct {
  const char *s;
  size_t n;
} vec_t;
#define V(str)                                                                           \
  { str, sizeof(str) - 1 }

/* Invalid input and the 0-based index of the first byte a validator must
 * refuse (every byte before it is a valid prefix). */
typedef struct {
  const char *s;
  size_t n;
  size_t bad_at;
} bad_t;

static vec_file_t utf8_file;
static vec_t *valid_vecs, *incomplete_vecs;
static bad_t *invalid_vecs;
static size_t n_valid, n_invalid, n_incomplete;

static int load_vectors(void) {
  if (vec_load("utf8.txt", &utf8_file)) return -1;
  size_t n = utf8_file.n ? utf8_file.n : 1;
  valid_vecs = calloc(n, sizeof(*valid_vecs));
  incomplete_vecs = calloc(n, sizeof(*incomplete_vecs));
  invalid_vecs = calloc(n, sizeof(*invalid_vecs));
  if (!valid_vecs || !incomplete_vecs || !invalid_vecs) return -1;
  for (size_t i = 0; i < utf8_file.n; i++) {
    const vec_line_t *l = &utf8_file.lines[i];
    const vec_field_t *f = vec_field(l, 1);
    if (vec_is(l, 0, "valid")) {
      valid_vecs[n_valid++] = (vec_t){f->data, f->len};
    } else if (vec_is(l, 0, "incomplete")) {
      incomplete_vecs[n_incomplete++] = (vec_t){f->data, f->len};
    } else if (vec_is(l, 0, "invalid")) {
      invalid_vecs[n_invalid++] = (bad_t){f->data, f->len, (size_t)vec_u64(l, 2)};
    } else {
      fprintf(stderr, "utf8.txt:%d: valid, invalid or incomplete?\n", l->lineno);
      return -1;
    }
  }
  return 0;
}

static void test_valid_table(void **state) {
  for (size_t k = 0; k < n_valid; k++) {
    const uint8_t *p = (const uint8_t *)valid_vecs[k].s;
    size_t n = valid_vecs[k].n;
    assert_int_equal(sio__utf8_valid(p, n), 1);
    /* Every split into two feeds, and one byte at a time. */
    for (size_t cut = 0; cut <= n; cut++) {
      sio__utf8_t v;
      sio__utf8_init(&v);
      assert_int_equal(sio__utf8_feed(&v, p, cut), 0);
      assert_int_equal(sio__utf8_feed(&v, p + cut, n - cut), 0);
      assert_int_equal(sio__utf8_complete(&v), 1);
    }
    sio__utf8_t v = {0}; /* zero-init is the start state */
    for (size_t i = 0; i < n; i++) assert_int_equal(sio__utf8_feed(&v, p + i, 1), 0);
    assert_int_equal(sio__utf8_complete(&v), 1);
  }
}

static void test_invalid_table(void **state) {
  for (size_t k = 0; k < n_invalid; k++) {
    const uint8_t *p = (const uint8_t *)invalid_vecs[k].s;
    size_t n = invalid_vecs[k].n, bad = invalid_vecs[k].bad_at;
    assert_int_equal(sio__utf8_valid(p, n), 0);
    /* Byte at a time: the error appears exactly at the bad byte, then sticks. */
    sio__utf8_t v;
    sio__utf8_init(&v);
    for (size_t i = 0; i < n; i++) {
      int rc = sio__utf8_feed(&v, p + i, 1);
      if (i < bad)
        assert_int_equal(rc, 0);
      else
        assert_int_equal(rc, SIO_EILSEQ);
    }
    assert_int_equal(sio__utf8_complete(&v), 0);
    assert_int_equal(sio__utf8_feed(&v, (const uint8_t *)"a", 1), SIO_EILSEQ);
    assert_int_equal(sio__utf8_feed(&v, NULL, 0), SIO_EILSEQ);
    /* Every split: the feed holding the bad byte fails. */
    for (size_t cut = 0; cut <= n; cut++) {
      sio__utf8_init(&v);
      int rc1 = sio__utf8_feed(&v, p, cut);
      int rc2 = sio__utf8_feed(&v, p + cut, n - cut);
      assert_int_equal(rc1, bad < cut ? SIO_EILSEQ : 0);
      assert_int_equal(rc2, SIO_EILSEQ);
    }
    /* Re-init clears the error. */
    sio__utf8_init(&v);
    assert_int_equal(sio__utf8_feed(&v, (const uint8_t *)"ok", 2), 0);
    assert_int_equal(sio__utf8_complete(&v), 1);
  }
}

static void test_incomplete_table(void **state) {
  for (size_t k = 0; k < n_incomplete; k++) {
    const uint8_t *p = (const uint8_t *)incomplete_vecs[k].s;
    size_t n = incomplete_vecs[k].n;
    sio__utf8_t v;
    sio__utf8_init(&v);
    assert_int_equal(sio__utf8_feed(&v, p, n), 0);
    assert_int_equal(sio__utf8_complete(&v), 0);
    assert_int_equal(sio__utf8_valid(p, n), 0);
    /* ASCII cannot continue a sequence. */
    assert_int_equal(sio__utf8_feed(&v, (const uint8_t *)"a", 1), SIO_EILSEQ);
  }
}

/* Every byte position of every multi-byte kind: a non-continuation byte in
 * place of a continuation fails there; a truncated sequence is incomplete. */
static void test_every_position(void **state) {
  static const vec_t seqs[] = {V("\xc3\xa9"),         V("\xe2\x82\xac"),
                               V("\xe0\xa0\x80"),     V("\xed\x9f\xbf"),
                               V("\xf0\x9f\x98\x80"), V("\xf4\x8f\xbf\xbf"),
                               V("\xf0\x90\x80\x80")};
  static const uint8_t breakers[] = {0x00, 0x41, 0x7f, 0xc0, 0xc2, 0xe1, 0xf1, 0xff};
  for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
    size_t n = seqs[k].n;
    for (size_t pos = 1; pos < n; pos++) {
      for (size_t b = 0; b < sizeof(breakers); b++) {
        uint8_t buf[8];
        memcpy(buf, seqs[k].s, n);
        buf[pos] = breakers[b];
        sio__utf8_t v = {0};
        assert_int_equal(sio__utf8_feed(&v, buf, pos), 0);
        assert_int_equal(sio__utf8_feed(&v, buf + pos, 1), SIO_EILSEQ);
      }
      sio__utf8_t v = {0};
      assert_int_equal(sio__utf8_feed(&v, (const uint8_t *)seqs[k].s, pos), 0);
      assert_int_equal(sio__utf8_complete(&v), 0);
    }
  }
}

/* The fast path must not skip a bad byte at any offset or alignment. */
static void test_fast_path_alignment(void **state) {
  uint8_t buf[80];
  for (size_t start = 0; start < 8; start++) {
    for (size_t len = 0; len + start <= 72; len++) {
      memset(buf, 'x', sizeof(buf));
      assert_int_equal(sio__utf8_valid(buf + start, len), 1);
      for (size_t at = 0; at < len; at++) {
        memset(buf, 'x', sizeof(buf));
        buf[start + at] = 0x80;
        assert_int_equal(sio__utf8_valid(buf + start, len), 0);
        buf[start + at] = 0xc3; /* lead cut by the end, or followed by 'x' */
        assert_int_equal(sio__utf8_valid(buf + start, len), 0);
        if (at + 1 < len) {
          buf[start + at + 1] = 0xa9;
          assert_int_equal(sio__utf8_valid(buf + start, len), 1);
        }
      }
    }
  }
}

/* A reference decoder written the slow, obvious way. */
static int ref_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      k = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      k = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      k = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return 0;
    }
    if (n - i - 1 < k) return 0;
    for (size_t j = 1; j <= k; j++) {
      if ((p[i + j] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += k + 1;
  }
  return 1;
}

static void test_exhaustive_vs_reference(void **state) {
  uint8_t b[4];
  /* All 1- and 2-byte strings. */
  for (unsigned x = 0; x < 0x10000; x++) {
    b[0] = (uint8_t)(x >> 8), b[1] = (uint8_t)x;
    assert_int_equal(sio__utf8_valid(b, 1), ref_valid(b, 1));
    assert_int_equal(sio__utf8_valid(b, 2), ref_valid(b, 2));
  }
  /* All 3-byte strings whose first byte leads a multi-byte form. */
  for (unsigned x = 0xc0 << 16; x < 0x1000000; x++) {
    b[0] = (uint8_t)(x >> 16), b[1] = (uint8_t)(x >> 8), b[2] = (uint8_t)x;
    if (sio__utf8_valid(b, 3) != ref_valid(b, 3)) fail_msg("3-byte %06x", x);
  }
  /* 4-byte strings: every lead F0..FF with interesting following bytes. */
  static const uint8_t tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                  0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff};
  const size_t nt = sizeof(tails);
  for (unsigned lead = 0xf0; lead <= 0xff; lead++)
    for (size_t i = 0; i < nt; i++)
      for (size_t j = 0; j < nt; j++)
        for (size_t k = 0; k < nt; k++) {
          b[0] = (uint8_t)lead, b[1] = tails[i], b[2] = tails[j], b[3] = tails[k];
          assert_int_equal(sio__utf8_valid(b, 4), ref_valid(b, 4));
        }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_table),
      cmocka_unit_test(test_invalid_table),
      cmocka_unit_test(test_incomplete_table),
      cmocka_unit_test(test_every_position),
      cmocka_unit_test(test_fast_path_alignment),
      cmocka_unit_test(test_exhaustive_vs_reference),
  };
  if (load_vectors()) return 1;
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  free(valid_vecs);
  free(incomplete_vecs);
  free(invalid_vecs);
  vec_free(&utf8_file);
  return failed;
}
