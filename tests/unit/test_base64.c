/* Unit tests for core/base64: RFC 4648 vectors, strict and Node-compatible
 * decoding, in-place decoding, bad input tables, URL-safe encoding and
 * exhaustive round trips of short inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/base64.h"
#include "core/rbuf.h"
#include "sio/common.h"
#include "support/vectors.h"

/* The vectors: tests/vectors/base64.txt, loaded by main. */
typedef struct {
  const char *raw;
  size_t raw_len;
  const char *b64;
} vec_t;

static vec_file_t b64_file;
static vec_t *vectors, *loose_only;
static const char **strict_bad, **loose_bad;
static size_t n_vectors, n_loose_only, n_strict_bad, n_loose_bad;

static int load_vectors(void) {
  if (vec_load("base64.txt", &b64_file)) return -1;
  size_t n = b64_file.n ? b64_file.n : 1;
  vectors = calloc(n, sizeof(*vectors));
  loose_only = calloc(n, sizeof(*loose_only));
  strict_bad = calloc(n, sizeof(*strict_bad));
  loose_bad = calloc(n, sizeof(*loose_bad));
  if (!vectors || !loose_only || !strict_bad || !loose_bad) return -1;
  for (size_t i = 0; i < b64_file.n; i++) {
    const vec_line_t *l = &b64_file.lines[i];
    if (vec_is(l, 0, "ok")) {
      const vec_field_t *raw = vec_field(l, 1);
      vectors[n_vectors++] = (vec_t){raw->data, raw->len, vec_str(l, 2)};
    } else if (vec_is(l, 0, "loose")) {
      const vec_field_t *raw = vec_field(l, 2);
      loose_only[n_loose_only++] = (vec_t){raw->data, raw->len, vec_str(l, 1)};
    } else if (vec_is(l, 0, "strict_bad")) {
      strict_bad[n_strict_bad++] = vec_str(l, 1);
    } else if (vec_is(l, 0, "loose_bad")) {
      loose_bad[n_loose_bad++] = vec_str(l, 1);
    } else {
      fprintf(stderr, "base64.txt:%d: ok, loose, strict_bad or loose_bad?\n", l->lineno);
      return -1;
    }
  }
  return 0;
}

static void test_vectors(void **state) {
  for (size_t k = 0; k < n_vectors; k++) {
    const vec_t *v = &vectors[k];
    size_t blen = strlen(v->b64);
    char out[64];
    assert_int_equal(sio__base64_encoded_len(v->raw_len), blen);
    assert_int_equal(sio__base64_encode(out, (const uint8_t *)v->raw, v->raw_len), blen);
    assert_memory_equal(out, v->b64, blen);

    uint8_t dec[64];
    assert_int_equal(sio__base64_decode(dec, v->b64, blen), (long)v->raw_len);
    assert_memory_equal(dec, v->raw, v->raw_len);
    assert_int_equal(sio__base64_decode_loose(dec, v->b64, blen), (long)v->raw_len);
    assert_memory_equal(dec, v->raw, v->raw_len);

    /* In place. */
    char inplace[64];
    memcpy(inplace, v->b64, blen);
    assert_int_equal(sio__base64_decode((uint8_t *)inplace, inplace, blen),
                     (long)v->raw_len);
    assert_memory_equal(inplace, v->raw, v->raw_len);
    memcpy(inplace, v->b64, blen);
    assert_int_equal(sio__base64_decode_loose((uint8_t *)inplace, inplace, blen),
                     (long)v->raw_len);
    assert_memory_equal(inplace, v->raw, v->raw_len);

    sio__sb_t sb;
    sio__sb_init(&sb, 0);
    sio__sb_puts(&sb, "b");
    sio__base64_append(&sb, (const uint8_t *)v->raw, v->raw_len);
    assert_int_equal(sio__sb_len(&sb), blen + 1);
    assert_memory_equal(sio__sb_data(&sb) + 1, v->b64, blen);
    sio__sb_reset(&sb);
  }
}

static void test_bad_input(void **state) {
  uint8_t out[64];
  for (size_t k = 0; k < n_strict_bad; k++) {
    size_t n = strlen(strict_bad[k]);
    assert_int_equal(sio__base64_decode(out, strict_bad[k], n), SIO_EINVAL);
  }
  for (size_t k = 0; k < n_loose_bad; k++) {
    size_t n = strlen(loose_bad[k]);
    assert_int_equal(sio__base64_decode_loose(out, loose_bad[k], n), SIO_EINVAL);
  }
  for (size_t k = 0; k < n_loose_only; k++) {
    const vec_t *v = &loose_only[k];
    size_t n = strlen(v->b64);
    assert_int_equal(sio__base64_decode(out, v->b64, n), SIO_EINVAL);
    assert_int_equal(sio__base64_decode_loose(out, v->b64, n), (long)v->raw_len);
    assert_memory_equal(out, v->raw, v->raw_len);
  }
  /* An embedded NUL is just a bad char. */
  assert_int_equal(sio__base64_decode(out,
                                      "Zm\0"
                                      "9",
                                      4),
                   SIO_EINVAL);
  assert_int_equal(sio__base64_decode_loose(out,
                                            "Zm\0"
                                            "9",
                                            4),
                   SIO_EINVAL);
  /* Lone padding: nothing before it, so no bytes (as Node), loose only. */
  assert_int_equal(sio__base64_decode_loose(out, "=", 1), 0);
  assert_int_equal(sio__base64_decode_loose(out, "==", 2), 0);
  assert_int_equal(sio__base64_decode(out, "=", 1), SIO_EINVAL);
  /* Every single byte outside the alphabet, at each position of a group. */
  for (int c = 0; c < 256; c++) {
    int in_alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '+' || c == '/';
    for (int pos = 0; pos < 4; pos++) {
      char in[8] = "QUJDQUJD";
      in[pos] = (char)c;
      long rc = sio__base64_decode(out, in, 8);
      if (in_alphabet)
        assert_int_equal(rc, 6);
      else
        assert_int_equal(rc, SIO_EINVAL);
    }
  }
}

static void test_url(void **state) {
  char out[64];
  assert_int_equal(sio__base64url_encode(out, (const uint8_t *)"\xfb\xff\xbf", 3), 4);
  assert_memory_equal(out, "-_-_", 4);
  assert_int_equal(sio__base64url_encode(out, (const uint8_t *)"f", 1), 2);
  assert_memory_equal(out, "Zg", 2);
  assert_int_equal(sio__base64url_encode(out, (const uint8_t *)"fo", 2), 3);
  assert_memory_equal(out, "Zm8", 3);
  assert_int_equal(sio__base64url_encode(out, (const uint8_t *)"", 0), 0);
  for (size_t n = 0; n < 40; n++) {
    uint8_t raw[40];
    memset(raw, 0xff, sizeof(raw));
    size_t m = sio__base64url_encode(out, raw, n);
    assert_int_equal(m, sio__base64url_encoded_len(n));
    assert_int_equal(m, (n * 4 + 2) / 3);
    for (size_t i = 0; i < m; i++)
      assert_true(out[i] != '=' && out[i] != '+' && out[i] != '/');
  }
}

static void test_lengths(void **state) {
  assert_int_equal(sio__base64_encoded_len(0), 0);
  assert_int_equal(sio__base64_encoded_len(1), 4);
  assert_int_equal(sio__base64_encoded_len(3), 4);
  assert_int_equal(sio__base64_encoded_len(4), 8);
  assert_int_equal(sio__base64_encoded_len(SIZE_MAX), SIZE_MAX);
  assert_int_equal(sio__base64_encoded_len(SIZE_MAX / 4 * 3), SIZE_MAX - 3);
  assert_int_equal(sio__base64_encoded_len(SIZE_MAX / 4 * 3 + 1), SIZE_MAX);
  assert_int_equal(sio__base64_encoded_len(SIZE_MAX / 4 / 3 * 3), SIZE_MAX / 4 / 3 * 4);
}

/* All inputs of 0..2 bytes, and every length up to 300, round-trip, in place
 * too. */
static void test_round_trip(void **state) {
  char enc[512];
  uint8_t dec[512];
  for (unsigned x = 0; x < 0x10000; x++) {
    uint8_t raw[2] = {(uint8_t)(x >> 8), (uint8_t)x};
    for (size_t n = 1; n <= 2; n++) {
      size_t m = sio__base64_encode(enc, raw, n);
      assert_int_equal(sio__base64_decode(dec, enc, m), (long)n);
      assert_memory_equal(dec, raw, n);
      assert_int_equal(sio__base64_decode_loose(dec, enc, m - (n == 1 ? 2 : 1)), (long)n);
      assert_memory_equal(dec, raw, n);
    }
  }
  uint32_t seed = 12345;
  for (size_t n = 0; n <= 300; n++) {
    uint8_t raw[300];
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      raw[i] = (uint8_t)(seed >> 16);
    }
    size_t m = sio__base64_encode(enc, raw, n);
    assert_int_equal(m, sio__base64_encoded_len(n));
    assert_int_equal(sio__base64_decode((uint8_t *)enc, enc, m), (long)n);
    assert_memory_equal(enc, raw, n);
  }
}

/* The decoder never reads past n: each input lives in an exact-size heap block
 * (ASan checks it). */
static void test_exact_bounds(void **state) {
  const char *ins[] = {"Zg==", "Zg", "Zm9vYmFy", "Zm9vYmE", "Z", ""};
  for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
    size_t n = strlen(ins[k]);
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, ins[k], n);
    (void)sio__base64_decode((uint8_t *)p, p, n);
    memcpy(p, ins[k], n);
    (void)sio__base64_decode_loose((uint8_t *)p, p, n);
    free(p);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors),    cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_url),        cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_round_trip), cmocka_unit_test(test_exact_bounds),
  };
  if (load_vectors()) return 1;
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  free(vectors);
  free(loose_only);
  free(strict_bad);
  free(loose_bad);
  vec_free(&b64_file);
  return failed;
}
