/* Fuzz target: base64 (src/core/base64.h), differential against the simple
 * decoder in fuzz/ref_base64.h.
 *
 * The input is decoded strictly and loosely (into exact-size buffers, and in
 * place) and each result must equal the reference's. It is also encoded
 * (standard and URL-safe): lengths must match the *_encoded_len functions,
 * the text must decode back to the input, and the builder form must match. */
#include "core/base64.h"
#include "core/rbuf.h"
#include "sio/common.h"

#include "fuzz_common.h"
#include "ref_base64.h"

static void b64_check_decode(const uint8_t *s, size_t n, int strict) {
  size_t cap = strict ? n / 4 * 3 : n / 4 * 3 + 2; /* the documented room */
  uint8_t *out = malloc(cap ? cap : 1);
  uint8_t *ref = malloc(n + 1);
  FZ_CHECK(out && ref);
  const char *in = (const char *)s;
  long got =
      strict ? sio__base64_decode(out, in, n) : sio__base64_decode_loose(out, in, n);
  long want = rb64_decode(ref, s, n, strict);
  if (want < 0) {
    FZ_CHECK(got == SIO_EINVAL);
  } else {
    FZ_CHECK(got == want);
    FZ_CHECK((size_t)got <= cap);
    if (got) FZ_CHECK(memcmp(out, ref, (size_t)got) == 0);
  }
  /* In place: the same result. */
  uint8_t *c = fz_dup(s, n);
  long ip = strict ? sio__base64_decode(c, (const char *)c, n)
                   : sio__base64_decode_loose(c, (const char *)c, n);
  FZ_CHECK(ip == got);
  if (ip > 0) FZ_CHECK(memcmp(c, ref, (size_t)ip) == 0);
  free(c);
  free(out);
  free(ref);
}

static void b64_check_encode(const uint8_t *s, size_t n) {
  size_t len = sio__base64_encoded_len(n);
  FZ_CHECK(len == (n + 2) / 3 * 4);
  char *t = malloc(len ? len : 1);
  FZ_CHECK(t);
  FZ_CHECK(sio__base64_encode(t, s, n) == len);
  /* Canonical: the strict decoder (and the reference) read it back. */
  uint8_t *back = malloc(len / 4 * 3 + 1);
  FZ_CHECK(back);
  FZ_CHECK(sio__base64_decode(back, t, len) == (long)n);
  if (n) FZ_CHECK(memcmp(back, s, n) == 0);
  FZ_CHECK(rb64_decode(back, (const uint8_t *)t, len, 1) == (long)n);
  if (n) FZ_CHECK(memcmp(back, s, n) == 0);

  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__base64_append(&sb, s, n);
  FZ_CHECK(sb.err == 0 && sio__sb_len(&sb) == len);
  if (len) FZ_CHECK(memcmp(sio__sb_data(&sb), t, len) == 0);
  sio__sb_reset(&sb);

  /* URL-safe: the same symbols with - _ and no padding. */
  size_t ulen = sio__base64url_encoded_len(n);
  char *u = malloc(ulen ? ulen : 1);
  FZ_CHECK(u);
  FZ_CHECK(sio__base64url_encode(u, s, n) == ulen);
  size_t k = len;
  while (k > 0 && t[k - 1] == '=') k--;
  FZ_CHECK(k == ulen);
  for (size_t i = 0; i < ulen; i++) {
    char want = t[i] == '+' ? '-' : t[i] == '/' ? '_' : t[i];
    FZ_CHECK(u[i] == want);
  }
  free(u);
  free(back);
  free(t);
}

static int fuzz_base64(const uint8_t *data, size_t size) {
  if (size > 1 << 20) return 0;
  b64_check_decode(data, size, 1);
  b64_check_decode(data, size, 0);
  b64_check_encode(data, size);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_base64(data, size);
}
#endif
