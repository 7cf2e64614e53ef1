/* Number and UTF-8 text helpers of the msgpack codec (see redis_mp_internal.h). */
#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_mp_internal.h"

int sio__rmp_write_u64(sio__rmp_buf_t *b, uint64_t v) {
  char tmp[24];
  size_t i = sizeof(tmp);
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return sio__rmp_buf_append(b, tmp + i, sizeof(tmp) - i);
}

int sio__rmp_write_i64(sio__rmp_buf_t *b, int64_t v) {
  if (v >= 0) return sio__rmp_write_u64(b, (uint64_t)v);
  /* -(v + 1) + 1 stays defined for INT64_MIN. */
  sio__rmp_buf_append(b, "-", 1);
  return sio__rmp_write_u64(b, (uint64_t)(-(v + 1)) + 1);
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* Shortest decimal digits of x > 0 that read back as x: digits[0..*k) with
 * x ~= 0.d1d2...dk * 10^*point. printf rounds correctly, so the first precision
 * that round-trips gives the nearest of the shortest candidates, which is
 * JavaScript's choice. At most one 15-digit decimal lies in a normal double's
 * rounding interval, so starting at 15 and dropping trailing zeros also finds
 * the shorter ones; subnormals (fewer bits) start at 1. Only the digits and the
 * exponent of printf's output are read: its decimal point depends on the
 * locale (and strtod's does too, consistently). */
static void shortest(double x, char digits[24], int *k, int *point) {
  char buf[64];
  for (int prec = x < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
    if (prec == 17 || strtod(buf, NULL) == x) break;
  }
  const char *c = buf;
  int nd = 0;
  while (*c && *c != 'e') {
    if (is_digit(*c) && nd < 23) digits[nd++] = *c;
    c++;
  }
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  *k = nd;
  *point = (*c == 'e' ? atoi(c + 1) : 0) + 1;
}

int sio__rmp_write_double(sio__rmp_buf_t *b, double d) {
  if (d != d || d > DBL_MAX || d < -DBL_MAX) return sio__rmp_buf_append(b, "null", 4);
  if (d == 0) return sio__rmp_buf_append(b, "0", 1);
  char dg[24], out[64];
  int k, n;
  size_t o = 0;
  shortest(d < 0 ? -d : d, dg, &k, &n);
  if (d < 0) out[o++] = '-';
  if (k <= n && n <= 21) { /* an integer: digits, then zeros */
    memcpy(out + o, dg, (size_t)k);
    o += (size_t)k;
    for (int i = k; i < n; i++) out[o++] = '0';
  } else if (n > 0 && n <= 21) { /* point inside the digits */
    memcpy(out + o, dg, (size_t)n);
    o += (size_t)n;
    out[o++] = '.';
    memcpy(out + o, dg + n, (size_t)(k - n));
    o += (size_t)(k - n);
  } else if (n > -6 && n <= 0) { /* 0.000ddd */
    out[o++] = '0';
    out[o++] = '.';
    for (int i = 0; i < -n; i++) out[o++] = '0';
    memcpy(out + o, dg, (size_t)k);
    o += (size_t)k;
  } else { /* d.ddde+x */
    out[o++] = dg[0];
    if (k > 1) {
      out[o++] = '.';
      memcpy(out + o, dg + 1, (size_t)(k - 1));
      o += (size_t)(k - 1);
    }
    int e = n - 1;
    o += (size_t)snprintf(out + o, sizeof(out) - o, "e%c%d", e < 0 ? '-' : '+',
                          e < 0 ? -e : e);
  }
  return sio__rmp_buf_append(b, out, o);
}

/* Rewritten as "<sign><all digits>e<exponent>", which has no decimal point, so
 * strtod reads it the same in every locale. */
int sio__rmp_parse_double(const char *p, size_t n, double *out) {
  char stack[96];
  size_t cap = n + 32;
  char *buf = cap <= sizeof(stack) ? stack : sio__malloc(cap);
  if (!buf) return SIO_ENOMEM;
  size_t i = 0, o = 0;
  int64_t frac = 0, exp = 0;
  int eneg = 0;
  if (i < n && p[i] == '-') buf[o++] = p[i++];
  while (i < n && is_digit(p[i])) buf[o++] = p[i++];
  if (i < n && p[i] == '.') {
    i++;
    while (i < n && is_digit(p[i])) {
      buf[o++] = p[i++];
      frac++;
    }
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) eneg = p[i++] == '-';
    while (i < n && is_digit(p[i])) {
      /* Past 10^15 the value is 0 or infinite whatever the digits. */
      if (exp < 1000000000000000LL) exp = exp * 10 + (p[i] - '0');
      i++;
    }
  }
  if (o == 0 || (o == 1 && buf[0] == '-')) buf[o++] = '0';
  snprintf(buf + o, cap - o, "e%" PRId64, (eneg ? -exp : exp) - frac);
  *out = strtod(buf, NULL);
  if (buf != stack) sio__free(buf);
  return 0;
}

size_t sio__rmp_utf8_seq(const uint8_t *p, size_t avail, size_t *skip) {
  uint8_t c = p[0];
  size_t need;
  uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
  *skip = 1;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0) lo = 0xa0; /* no overlongs */
    if (c == 0xed) hi = 0x9f; /* no surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
  } else {
    return 0;
  }
  size_t i = 1;
  while (i < need && i < avail) {
    uint8_t t = p[i];
    if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xbf)) break;
    i++;
  }
  if (i == need) return need;
  *skip = i;
  return 0;
}
