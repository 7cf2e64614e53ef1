/* Fuzz target: incremental UTF-8 validation (src/core/utf8.h), differential
 * against a reference written here from RFC 3629 (code point ranges, not a
 * DFA).
 *
 * Input: bytes 0-1 are two chunk sizes (% 16 + 1, used in turn), the rest is
 * the text. sio__utf8_valid must equal the reference; feeding one byte at a
 * time must fail exactly at the first byte after which no valid completion
 * exists (the header promises the earliest error); feeding in chunks must fail
 * in the chunk holding that byte, and end complete exactly when the text is
 * valid; errors are sticky. */
#include "core/utf8.h"
#include "sio/common.h"

#include "fuzz_common.h"

/* 1 if a sequence of len bytes whose first have bytes give the bits cp can
 * still become a valid scalar value (>= min for its length, <= U+10FFFF, not
 * a surrogate). */
static int u8_viable(uint32_t cp, int have, int len, uint32_t min) {
  int free_bits = 6 * (len - have);
  uint32_t lo = cp << free_bits, hi = lo | ((1u << free_bits) - 1);
  if (hi < min || lo > 0x10FFFF) return 0;
  if (lo >= 0xD800 && hi <= 0xDFFF) return 0;
  return 1;
}

/* The index of the first byte after which p cannot be a prefix of valid
 * UTF-8 (n if none); *complete = 1 when p[0..n) is valid and ends on a
 * character boundary. */
static size_t u8_ref_first_bad(const uint8_t *p, size_t n, int *complete) {
  size_t i = 0;
  *complete = 0;
  while (i < n) {
    uint8_t b = p[i];
    int len;
    uint32_t cp, min;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xC0 && b < 0xE0) {
      len = 2, cp = b & 0x1f, min = 0x80;
    } else if (b >= 0xE0 && b < 0xF0) {
      len = 3, cp = b & 0x0f, min = 0x800;
    } else if (b >= 0xF0 && b < 0xF8) {
      len = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return i; /* a lone continuation byte, or F8..FF */
    }
    if (!u8_viable(cp, 1, len, min)) return i;
    for (int k = 1; k < len; k++) {
      if (i + (size_t)k >= n) return n; /* cut short: a valid prefix */
      uint8_t c = p[i + (size_t)k];
      if ((c & 0xc0) != 0x80) return i + (size_t)k;
      cp = cp << 6 | (c & 0x3f);
      if (!u8_viable(cp, k + 1, len, min)) return i + (size_t)k;
    }
    i += (size_t)len;
  }
  *complete = 1;
  return n;
}

static int fuzz_utf8(const uint8_t *data, size_t size) {
  if (size < 2 || size > 1 << 20) return 0;
  size_t sizes[2] = {data[0] % 16 + 1u, data[1] % 16 + 1u};
  const uint8_t *s = data + 2;
  size_t n = size - 2;
  int complete;
  size_t bad = u8_ref_first_bad(s, n, &complete);
  uint8_t *c = fz_dup(s, n);

  FZ_CHECK(sio__utf8_valid(c, n) == (bad == n && complete));

  /* One byte at a time: the error comes exactly at `bad`. */
  sio__utf8_t v;
  sio__utf8_init(&v);
  size_t failed_at = n;
  for (size_t i = 0; i < n; i++) {
    uint8_t *one = fz_dup(c + i, 1);
    int rc = sio__utf8_feed(&v, one, 1);
    free(one);
    FZ_CHECK(rc == 0 || rc == SIO_EILSEQ);
    if (rc) {
      failed_at = i;
      break;
    }
  }
  FZ_CHECK(failed_at == bad);
  FZ_CHECK(sio__utf8_complete(&v) == (bad == n && complete));
  if (bad < n) {
    /* Sticky, even for an empty feed. */
    FZ_CHECK(sio__utf8_feed(&v, NULL, 0) == SIO_EILSEQ);
    FZ_CHECK(sio__utf8_feed(&v, (const uint8_t *)"a", 1) == SIO_EILSEQ);
    FZ_CHECK(!sio__utf8_complete(&v));
  }

  /* Chunks: the failing feed is the one holding byte `bad`. */
  sio__utf8_t w = {0};
  size_t off = 0, k = 0;
  int rc = 0;
  while (off < n) {
    size_t len = sizes[k++ % 2];
    if (len > n - off) len = n - off;
    uint8_t *ch = fz_dup(c + off, len);
    rc = sio__utf8_feed(&w, ch, len);
    free(ch);
    if (rc) {
      FZ_CHECK(rc == SIO_EILSEQ && bad >= off && bad < off + len);
      break;
    }
    FZ_CHECK(bad >= off + len);
    off += len;
    FZ_CHECK(sio__utf8_feed(&w, NULL, 0) == 0);
  }
  FZ_CHECK(sio__utf8_complete(&w) == (bad == n && complete));
  free(c);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_utf8(data, size);
}
#endif
