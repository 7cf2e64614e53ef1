#include "core/base64.h"

#include <limits.h>

#include "sio/common.h"

static const char std_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Standard alphabet value of each byte; 0x80 marks a byte outside it ('='
 * included), so OR-ing four lookups detects any bad char in a group. */
/* clang-format off */
static const uint8_t std_value[256] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 00 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 10 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x3e, 0x80, 0x80, 0x80, 0x3f,  /* 20 */
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 30 */
    0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,  /* 40 */
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 50 */
    0x80, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,  /* 60 */
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 70 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 80 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* 90 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* A0 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* B0 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* C0 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* D0 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* E0 */
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  /* F0 */
};
/* clang-format on */

size_t sio__base64_encoded_len(size_t n) {
  size_t groups = n / 3 + (n % 3 != 0);
  if (groups > SIZE_MAX / 4) return SIZE_MAX;
  return groups * 4;
}

size_t sio__base64url_encoded_len(size_t n) {
  size_t tail = n % 3 == 0 ? 0 : n % 3 + 1;
  return n / 3 * 4 + tail;
}

/* Encodes whole groups, then the tail; pad says whether to add '='. */
static size_t encode(char *out, const uint8_t *in, size_t n, const char *abc, int pad) {
  size_t i = 0, o = 0;
  for (; n - i >= 3; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = abc[v >> 18];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = abc[(v >> 6) & 63];
    out[o++] = abc[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = abc[v >> 18];
    out[o++] = abc[(v >> 12) & 63];
    if (pad) {
      out[o++] = '=';
      out[o++] = '=';
    }
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = abc[v >> 18];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = abc[(v >> 6) & 63];
    if (pad) out[o++] = '=';
  }
  return o;
}

size_t sio__base64_encode(char *out, const uint8_t *in, size_t n) {
  return encode(out, in, n, std_alphabet, 1);
}

size_t sio__base64url_encode(char *out, const uint8_t *in, size_t n) {
  return encode(out, in, n, url_alphabet, 0);
}

void sio__base64_append(sio__sb_t *sb, const uint8_t *in, size_t n) {
  size_t need = sio__base64_encoded_len(n);
  if (need == 0) return;
  if (need == SIZE_MAX) {
    if (!sb->err) sb->err = SIO_ENOMEM;
    return;
  }
  uint8_t *dst = sio__sb_reserve(sb, need);
  if (!dst) return;
  sio__sb_commit(sb, encode((char *)dst, in, n, std_alphabet, 1));
}

/* Decodes in[0..n) (padding already stripped, n % 4 != 1). Each group is read
 * whole before its bytes are written, and the write position (3 per group)
 * never passes the read position (4 per group), so out may equal in. */
static long decode(uint8_t *out, const char *in, size_t n, int strict) {
  const uint8_t *s = (const uint8_t *)in;
  size_t i = 0, o = 0;
  for (; n - i >= 4; i += 4) {
    uint8_t a = std_value[s[i]], b = std_value[s[i + 1]], c = std_value[s[i + 2]],
            d = std_value[s[i + 3]];
    if ((a | b | c | d) & 0x80) return SIO_EINVAL;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
    out[o++] = (uint8_t)(v >> 16);
    out[o++] = (uint8_t)(v >> 8);
    out[o++] = (uint8_t)v;
  }
  size_t rest = n - i;
  if (rest == 2) {
    uint8_t a = std_value[s[i]], b = std_value[s[i + 1]];
    if ((a | b) & 0x80) return SIO_EINVAL;
    /* The low 4 bits of b carry no data; a canonical encoder leaves them 0. */
    if (strict && (b & 0x0f)) return SIO_EINVAL;
    out[o++] = (uint8_t)(a << 2 | b >> 4);
  } else if (rest == 3) {
    uint8_t a = std_value[s[i]], b = std_value[s[i + 1]], c = std_value[s[i + 2]];
    if ((a | b | c) & 0x80) return SIO_EINVAL;
    if (strict && (c & 0x03)) return SIO_EINVAL;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
    out[o++] = (uint8_t)(v >> 16);
    out[o++] = (uint8_t)(v >> 8);
  } else if (rest == 1) {
    return SIO_EINVAL; /* 6 bits cannot make a byte */
  }
  if (o > (size_t)LONG_MAX) return SIO_EINVAL;
  return (long)o;
}

long sio__base64_decode(uint8_t *out, const char *in, size_t n) {
  if (n % 4 != 0) return SIO_EINVAL;
  size_t pad = 0;
  if (n >= 4 && in[n - 1] == '=') pad = in[n - 2] == '=' ? 2 : 1;
  return decode(out, in, n - pad, 1);
}

long sio__base64_decode_loose(uint8_t *out, const char *in, size_t n) {
  size_t pad = 0;
  while (pad < 2 && pad < n && in[n - 1 - pad] == '=') pad++;
  /* Node ignores the padding count entirely ("QQ", "QQ=", "QUJD=" all decode);
   * so do we, as long as what precedes it is whole bytes. */
  return decode(out, in, n - pad, 0);
}
