/* Unit tests for src/http/http_compress.c: Accept-Encoding negotiation (q
 * values, refusals, "*", ties) and gzip/deflate compression, checked by
 * inflating the result with zlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http/http_compress.h"
#include "sio/common.h"

static sio__http_enc_t pick(const char *v) {
  return sio__http_accept_encoding(v, v ? strlen(v) : 0);
}

static void test_negotiation(void **state) {
  (void)state;
  assert_int_equal(pick(NULL), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick(""), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("identity"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("br"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick("GZip"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick("deflate"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("br, gzip, deflate"), SIO__HTTP_ENC_GZIP);
  /* Equal q: the one listed first (as Node's engine.io picks). */
  assert_int_equal(pick("deflate, gzip"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick(" gzip ;q=1 , deflate"), SIO__HTTP_ENC_GZIP);
  /* The higher q wins. */
  assert_int_equal(pick("gzip;q=0.5, deflate"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("gzip;q=0.8, deflate;q=0.81"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("deflate;q=0.001, gzip;q=0.002"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick("gzip; Q=0.9 ,deflate;q=0.3"), SIO__HTTP_ENC_GZIP);
  /* q=0 refuses. */
  assert_int_equal(pick("gzip;q=0"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=0.000, deflate;q=0"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=0, deflate"), SIO__HTTP_ENC_DEFLATE);
  /* "*": any coding not named; a named one beats it on equal q. */
  assert_int_equal(pick("*"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick("*;q=0"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("*, gzip;q=0"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("*, deflate"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("*;q=0.5, gzip;q=0.4"), SIO__HTTP_ENC_DEFLATE);
  assert_int_equal(pick("*;q=0, deflate;q=0.1"), SIO__HTTP_ENC_DEFLATE);
  /* Malformed q values make the element ignored, not accepted. */
  assert_int_equal(pick("gzip;q=2"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=abc"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=0.5555"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=1.001"), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q="), SIO__HTTP_ENC_IDENTITY);
  assert_int_equal(pick("gzip;q=1.000"), SIO__HTTP_ENC_GZIP);
  /* Other parameters are ignored; empty elements skipped; no prefix match. */
  assert_int_equal(pick("gzip;level=1"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick(",, ,gzip,"), SIO__HTTP_ENC_GZIP);
  assert_int_equal(pick("gzipx, deflatey, x-gzip"), SIO__HTTP_ENC_IDENTITY);
  /* The first mention of a coding counts. */
  assert_int_equal(pick("gzip;q=0, gzip"), SIO__HTTP_ENC_IDENTITY);
  /* Only the given bytes are read. */
  assert_int_equal(sio__http_accept_encoding("gzip;q=0", 4), SIO__HTTP_ENC_GZIP);
}

static void test_accepts(void **state) {
  (void)state;
  assert_true(sio__http_accepts(NULL, 0, SIO__HTTP_ENC_IDENTITY));
  assert_false(sio__http_accepts(NULL, 0, SIO__HTTP_ENC_GZIP));
  const char *v = "deflate, gzip;q=0.1";
  assert_true(sio__http_accepts(v, strlen(v), SIO__HTTP_ENC_GZIP));
  v = "deflate, gzip;q=0";
  assert_false(sio__http_accepts(v, strlen(v), SIO__HTTP_ENC_GZIP));
  assert_true(sio__http_accepts(v, strlen(v), SIO__HTTP_ENC_DEFLATE));
  v = "*";
  assert_true(sio__http_accepts(v, strlen(v), SIO__HTTP_ENC_GZIP));
  assert_string_equal(sio__http_enc_name(SIO__HTTP_ENC_GZIP), "gzip");
  assert_string_equal(sio__http_enc_name(SIO__HTTP_ENC_DEFLATE), "deflate");
}

/* Inflates with zlib's own allocator; wbits 15+16 gzip, 15 zlib format. */
static size_t inflate_all(const uint8_t *in, size_t len, int wbits, uint8_t *out,
                          size_t cap) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(inflateInit2(&z, wbits), Z_OK);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  assert_int_equal(z.avail_in, 0);
  size_t n = z.total_out;
  inflateEnd(&z);
  return n;
}

static void round_trip(sio__http_enc_t enc, int level, size_t len) {
  uint8_t *in = malloc(len + 1), *back = malloc(len + 1);
  assert_non_null(in);
  assert_non_null(back);
  for (size_t i = 0; i < len; i++) in[i] = (uint8_t)("4hello world "[i % 13] + (i / 977));
  sio__rbuf_t *z = NULL;
  assert_int_equal(sio__http_compress(enc, level, in, len, &z), 0);
  assert_non_null(z);
  if (enc == SIO__HTTP_ENC_GZIP) {
    assert_true(z->len >= 18);
    assert_int_equal(z->data[0], 0x1f); /* gzip magic */
    assert_int_equal(z->data[1], 0x8b);
  } else {
    assert_int_equal(z->data[0] & 0x0f, 8); /* zlib header: deflate method */
    assert_int_equal(((z->data[0] << 8) | z->data[1]) % 31, 0);
  }
  if (len > 1000 && level != 0) assert_true(z->len < len / 4);
  size_t n = inflate_all(z->data, z->len, enc == SIO__HTTP_ENC_GZIP ? 15 + 16 : 15, back,
                         len + 1);
  assert_int_equal(n, len);
  assert_memory_equal(back, in, len);
  sio__rbuf_unref(z);
  free(in);
  free(back);
}

static void test_compress_round_trip(void **state) {
  (void)state;
  round_trip(SIO__HTTP_ENC_GZIP, -1, 5000);
  round_trip(SIO__HTTP_ENC_DEFLATE, -1, 5000);
  round_trip(SIO__HTTP_ENC_GZIP, 9, 200000);
  round_trip(SIO__HTTP_ENC_DEFLATE, 1, 200000);
  round_trip(SIO__HTTP_ENC_GZIP, 0, 3000); /* stored blocks still round-trip */
  round_trip(SIO__HTTP_ENC_GZIP, -1, 0);
  round_trip(SIO__HTTP_ENC_DEFLATE, -1, 1);
}

static void test_compress_refuses(void **state) {
  (void)state;
  sio__rbuf_t *z = (sio__rbuf_t *)1;
  assert_int_equal(
      sio__http_compress(SIO__HTTP_ENC_IDENTITY, -1, (const uint8_t *)"a", 1, &z),
      SIO_EINVAL);
  assert_null(z);
  assert_int_equal(
      sio__http_compress(SIO__HTTP_ENC_GZIP, 10, (const uint8_t *)"a", 1, &z),
      SIO_EINVAL);
  assert_int_equal(
      sio__http_compress(SIO__HTTP_ENC_GZIP, -2, (const uint8_t *)"a", 1, &z),
      SIO_EINVAL);
}

/* The zlib state goes through the allocator hook: counted, freed at once,
 * and a failing hook gives SIO_ENOMEM. */
static long live, calls, fail_after = -1;

static void *count_malloc(size_t n) {
  if (fail_after >= 0 && calls++ >= fail_after) return NULL;
  void *p = malloc(n ? n : 1);
  if (p) live++;
  return p;
}
static void *count_realloc(void *p, size_t n) {
  if (!p) return count_malloc(n);
  return realloc(p, n ? n : 1);
}
static void *count_calloc(size_t c, size_t n) {
  if (fail_after >= 0 && calls++ >= fail_after) return NULL;
  void *p = calloc(c ? c : 1, n ? n : 1);
  if (p) live++;
  return p;
}
static void count_free(void *p) {
  if (p) live--;
  free(p);
}

static void test_compress_allocator(void **state) {
  (void)state;
  static uint8_t in[4096];
  memset(in, 'x', sizeof(in));
  assert_int_equal(
      sio_replace_allocator(count_malloc, count_realloc, count_calloc, count_free), 0);
  sio__rbuf_t *z = NULL;
  assert_int_equal(sio__http_compress(SIO__HTTP_ENC_GZIP, -1, in, sizeof(in), &z), 0);
  assert_int_equal(live, 1); /* only the result is left */
  sio__rbuf_unref(z);
  assert_int_equal(live, 0);
  for (long k = 0; k < 8; k++) {
    calls = 0;
    fail_after = k;
    z = NULL;
    int rc = sio__http_compress(SIO__HTTP_ENC_DEFLATE, -1, in, sizeof(in), &z);
    fail_after = -1;
    if (rc == 0) {
      sio__rbuf_unref(z);
    } else {
      assert_int_equal(rc, SIO_ENOMEM);
      assert_null(z);
    }
    assert_int_equal(live, 0);
  }
  /* The hook stays installed (it cannot be removed): this test runs last. */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_negotiation),         cmocka_unit_test(test_accepts),
      cmocka_unit_test(test_compress_round_trip), cmocka_unit_test(test_compress_refuses),
      cmocka_unit_test(test_compress_allocator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
