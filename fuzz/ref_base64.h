/* A deliberately simple base64 decoder (bit accumulator, one char at a
 * time) following the policy of src/core/base64.h, used as the reference in
 * the differential fuzz targets. Not for production: no speed, no in-place. */
#ifndef SIO_FUZZ_REF_BASE64_H
#define SIO_FUZZ_REF_BASE64_H

#include <stddef.h>
#include <stdint.h>

static int rb64_value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes in[0..n) into out (room for n bytes). strict: length % 4 == 0,
 * padding only at the end, zero trailing bits. Otherwise (Node-compatible):
 * up to two trailing '=' dropped, trailing bits ignored. Returns the byte
 * count or -1. */
static long rb64_decode(uint8_t *out, const uint8_t *in, size_t n, int strict) {
  size_t pad = 0;
  if (strict) {
    if (n % 4) return -1;
    if (n >= 4 && in[n - 1] == '=') pad = in[n - 2] == '=' ? 2 : 1;
  } else {
    while (pad < 2 && pad < n && in[n - 1 - pad] == '=') pad++;
  }
  size_t m = n - pad, o = 0;
  if (m % 4 == 1) return -1;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < m; i++) {
    int v = rb64_value(in[i]);
    if (v < 0) return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (strict && acc != 0) return -1;
  return (long)o;
}

#endif
