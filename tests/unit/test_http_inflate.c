/* Unit tests for src/client/http_inflate.c: Content-Encoding names, and
 * the bounded inflate of gzip/deflate bodies (round trips with the server's
 * compressor, zip bombs, corrupt, truncated and trailing input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http/http_inflate.h"
#include "http/http_compress.h"
#include "sio/common.h"

static sio__http_coding_t ce(const char *v) {
  return sio__http_content_encoding(v, strlen(v));
}

static void test_names(void **state) {
  (void)state;
  assert_int_equal(ce(""), SIO__HTTP_CE_NONE);
  assert_int_equal(ce(" identity "), SIO__HTTP_CE_NONE);
  assert_int_equal(ce("gzip"), SIO__HTTP_CE_GZIP);
  assert_int_equal(ce(" GZIP\t"), SIO__HTTP_CE_GZIP);
  assert_int_equal(ce("x-gzip"), SIO__HTTP_CE_GZIP);
  assert_int_equal(ce("Deflate"), SIO__HTTP_CE_DEFLATE);
  assert_int_equal(ce("br"), SIO__HTTP_CE_UNKNOWN);
  assert_int_equal(ce("gzip, gzip"), SIO__HTTP_CE_UNKNOWN);
}

static uint8_t *sample(size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)("4payload "[i % 9] ^ (i / 1000));
  return p;
}

static void test_round_trip(void **state) {
  (void)state;
  size_t sizes[] = {0, 1, 1000, 300000};
  for (size_t k = 0; k < 4; k++) {
    size_t n = sizes[k];
    uint8_t *in = sample(n);
    for (int e = 0; e < 2; e++) {
      sio__rbuf_t *z = NULL, *back = NULL;
      assert_int_equal(sio__http_compress(e ? SIO__HTTP_ENC_DEFLATE : SIO__HTTP_ENC_GZIP,
                                          -1, in, n, &z),
                       0);
      assert_int_equal(sio__http_inflate(e ? SIO__HTTP_CE_DEFLATE : SIO__HTTP_CE_GZIP,
                                         z->data, z->len, n + 1, &back),
                       0);
      assert_int_equal(back->len, n);
      if (n) assert_memory_equal(back->data, in, n);
      sio__rbuf_unref(back);
      /* Exactly at the bound is fine, one byte under is not. */
      assert_int_equal(sio__http_inflate(e ? SIO__HTTP_CE_DEFLATE : SIO__HTTP_CE_GZIP,
                                         z->data, z->len, n, &back),
                       0);
      sio__rbuf_unref(back);
      if (n) {
        assert_int_equal(sio__http_inflate(e ? SIO__HTTP_CE_DEFLATE : SIO__HTTP_CE_GZIP,
                                           z->data, z->len, n - 1, &back),
                         SIO_ELIMIT);
        assert_null(back);
      }
      sio__rbuf_unref(z);
    }
    free(in);
  }
}

/* Raw deflate (no zlib header), as some servers send for "deflate". */
static void test_raw_deflate(void **state) {
  (void)state;
  const char *msg = "4hello hello hello hello";
  uint8_t out[256];
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *)(uintptr_t)msg;
  z.avail_in = (uInt)strlen(msg);
  z.next_out = out;
  z.avail_out = sizeof(out);
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = z.total_out;
  deflateEnd(&z);
  sio__rbuf_t *back = NULL;
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_DEFLATE, out, n, 1000, &back), 0);
  assert_int_equal(back->len, strlen(msg));
  assert_memory_equal(back->data, msg, back->len);
  sio__rbuf_unref(back);
}

/* 64 MiB of zeros squeezed into ~64 KiB: stops at the bound, never grows past. */
static void test_zip_bomb(void **state) {
  (void)state;
  size_t n = 64u * 1024 * 1024;
  uint8_t *zeros = calloc(1, n);
  assert_non_null(zeros);
  sio__rbuf_t *z = NULL, *back = NULL;
  assert_int_equal(sio__http_compress(SIO__HTTP_ENC_GZIP, 9, zeros, n, &z), 0);
  free(zeros);
  assert_true(z->len < n / 500);
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_GZIP, z->data, z->len, 1000000, &back),
                   SIO_ELIMIT);
  assert_null(back);
  sio__rbuf_unref(z);
}

static void test_bad_input(void **state) {
  (void)state;
  uint8_t *in = sample(5000);
  sio__rbuf_t *z = NULL, *back = (sio__rbuf_t *)1;
  assert_int_equal(sio__http_compress(SIO__HTTP_ENC_GZIP, -1, in, 5000, &z), 0);
  /* Truncated. */
  assert_int_equal(
      sio__http_inflate(SIO__HTTP_CE_GZIP, z->data, z->len - 5, 10000, &back),
      SIO_EPROTO);
  assert_null(back);
  /* Corrupt (CRC). */
  z->data[z->len - 6] ^= 0xff;
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_GZIP, z->data, z->len, 10000, &back),
                   SIO_EPROTO);
  z->data[z->len - 6] ^= 0xff;
  /* Bytes after the stream. */
  sio__rbuf_t *more = sio__rbuf_new(z->len + 3);
  memcpy(more->data, z->data, z->len);
  memcpy(more->data + z->len, "xyz", 3);
  more->len = z->len + 3;
  assert_int_equal(
      sio__http_inflate(SIO__HTTP_CE_GZIP, more->data, more->len, 10000, &back),
      SIO_EPROTO);
  sio__rbuf_unref(more);
  /* Not gzip at all; an unknown coding; an empty gzip body. */
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_GZIP, in, 5000, 10000, &back),
                   SIO_EPROTO);
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_UNKNOWN, z->data, z->len, 10000, &back),
                   SIO_EPROTO);
  assert_int_equal(sio__http_inflate(SIO__HTTP_CE_GZIP, in, 0, 10000, &back), SIO_EPROTO);
  sio__rbuf_unref(z);
  free(in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),       cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_raw_deflate), cmocka_unit_test(test_zip_bomb),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
