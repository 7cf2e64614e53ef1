/* Fuzz target: the pure helpers of the HTTP server (src/http/http_util.h),
 * differential against small references written here.
 *
 * Input: byte 0 = flags (bit 0 plus_space, bit 1 strict), byte 1 = a small
 * output capacity, the rest s. Checked on s:
 * - sio__pct_decode (both flags, ample and small room) vs the reference;
 * - sio__http_static_path vs the reference, and its promises whatever the
 *   input: the result never has a "..", "." or empty segment, a NUL, a
 *   backslash or a leading '/', and normalising it again changes nothing;
 * - sio__http_query_find with the key = s up to its first NUL, the query =
 *   the rest, vs the reference;
 * - sio__http_list_has_token vs the reference, sio__http_etag_match on the
 *   tag itself, sio__http_mime_type, and sio__http_date_parse/format round
 *   trips (also of a time taken from the input);
 * - sio__ws_key_valid vs the reference (22 base64 symbols + "=="), and
 *   sio__http_header_has_token == sio__http_list_has_token;
 * - sio__http_accept_encoding on s as an Accept-Encoding value agrees with
 *   sio__http_accepts: a chosen coding is accepted, identity only when
 *   neither gzip nor deflate is. */
#include <time.h>

#include "http/http_compress.h"
#include "http/http_util.h"
#include "sio/common.h"
#include "ws/ws_handshake.h"

#include "fuzz_common.h"

static int hu_hex(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decoding into out (room for n bytes): the length, or -1 for a
 * malformed escape when strict. */
static long hu_ref_pct(const uint8_t *s, size_t n, uint8_t *out, int plus, int strict) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && n - i >= 3 && hu_hex(s[i + 1]) >= 0 && hu_hex(s[i + 2]) >= 0) {
      out[o++] = (uint8_t)(hu_hex(s[i + 1]) * 16 + hu_hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '%' && strict) {
      return -1;
    } else {
      out[o++] = plus && s[i] == '+' ? ' ' : s[i];
    }
  }
  return (long)o;
}

static void hu_check_pct(const uint8_t *s, size_t n, int plus, int strict, size_t small) {
  uint8_t *ref = malloc(n + 1);
  char *out = malloc(n + 1);
  FZ_CHECK(ref && out);
  long want = hu_ref_pct(s, n, ref, plus, strict);
  int got = sio__pct_decode((const char *)s, n, out, n + 1, plus, strict);
  if (want < 0) {
    FZ_CHECK(got == SIO_EINVAL);
  } else {
    FZ_CHECK(got == want && out[got] == '\0');
    if (got) FZ_CHECK(memcmp(out, ref, (size_t)got) == 0);
  }
  /* Small room: the same result when it fits, else ELIMIT (or the strict
   * error, when it comes first). */
  char *sm = malloc(small ? small : 1);
  FZ_CHECK(sm);
  got = sio__pct_decode((const char *)s, n, sm, small, plus, strict);
  if (want >= 0 && (size_t)want <= small) {
    FZ_CHECK(got == want);
    if (got) FZ_CHECK(memcmp(sm, ref, (size_t)got) == 0);
    if ((size_t)got < small) FZ_CHECK(sm[got] == '\0');
  } else {
    FZ_CHECK(got == SIO_ELIMIT || (want < 0 && got == SIO_EINVAL));
  }
  free(sm);
  free(ref);
  free(out);
}

/* The reference normaliser (decoded path = at most 4096 bytes here). */
static int hu_ref_static(const uint8_t *raw, size_t n, char *out, size_t cap) {
  if (n == 0 || raw[0] != '/') return SIO_EINVAL;
  uint8_t *d = malloc(n);
  FZ_CHECK(d);
  long dn = hu_ref_pct(raw, n, d, 0, 1);
  int rc = 0;
  size_t o = 0;
  if (dn < 0 || memchr(d, 0, (size_t)dn)) {
    rc = SIO_EINVAL;
  } else if (memchr(d, '\\', (size_t)dn)) {
    rc = SIO_EACCES;
  } else {
    size_t i = 0;
    while (i < (size_t)dn && rc == 0) {
      size_t st = i;
      while (i < (size_t)dn && d[i] != '/') i++;
      size_t sl = i - st;
      if (i < (size_t)dn) i++; /* the slash */
      if (sl == 0 || (sl == 1 && d[st] == '.')) continue;
      if (sl == 2 && d[st] == '.' && d[st + 1] == '.') rc = SIO_EACCES;
      if (rc) break;
      if (o) out[o++] = '/';
      memcpy(out + o, d + st, sl);
      o += sl;
    }
    if (rc == 0 && o && d[dn - 1] == '/') out[o++] = '/';
  }
  free(d);
  if (rc) return rc;
  out[o] = 0;
  return o + 1 > cap ? SIO_ELIMIT : (int)o;
}

static void hu_check_path_shape(const char *p, int len) {
  FZ_CHECK(p[len] == '\0' && strlen(p) == (size_t)len);
  FZ_CHECK(!strchr(p, '\\'));
  if (len == 0) return;
  FZ_CHECK(p[0] != '/');
  FZ_CHECK(!strstr(p, "//"));
  /* Segments: never "." or "..". */
  const char *seg = p;
  for (;;) {
    const char *sl = strchr(seg, '/');
    size_t sn = sl ? (size_t)(sl - seg) : strlen(seg);
    if (sl || sn) {
      FZ_CHECK(!(sn == 1 && seg[0] == '.'));
      FZ_CHECK(!(sn == 2 && seg[0] == '.' && seg[1] == '.'));
      FZ_CHECK(sn > 0 || !sl);
    }
    if (!sl) break;
    seg = sl + 1;
  }
}

static void hu_check_static(const uint8_t *s, size_t n, size_t small) {
  if (n > 4096) return;
  size_t cap = n + 2;
  char *out = malloc(cap), *ref = malloc(n + 2);
  FZ_CHECK(out && ref);
  int got = sio__http_static_path((const char *)s, n, out, cap);
  int want = hu_ref_static(s, n, ref, cap);
  FZ_CHECK(got == want);
  if (got >= 0) {
    FZ_CHECK(memcmp(out, ref, (size_t)got + 1) == 0);
    hu_check_path_shape(out, got);
    /* Idempotent (when nothing in it would be decoded again). */
    if (!strchr(out, '%')) {
      size_t rn = (size_t)got + 1;
      char *again = malloc(rn + 1), *out2 = malloc(rn + 2);
      FZ_CHECK(again && out2);
      again[0] = '/';
      memcpy(again + 1, out, (size_t)got);
      FZ_CHECK(sio__http_static_path(again, rn, out2, rn + 2) == got);
      FZ_CHECK(memcmp(out2, out, (size_t)got + 1) == 0);
      free(again);
      free(out2);
    }
  }
  /* Small room: the same answer, or ELIMIT. */
  char *sm = malloc(small ? small : 1);
  FZ_CHECK(sm);
  int g2 = sio__http_static_path((const char *)s, n, sm, small);
  if (g2 >= 0) {
    FZ_CHECK(g2 == got && memcmp(sm, out, (size_t)got + 1) == 0);
  } else if (g2 != got) {
    FZ_CHECK(g2 == SIO_ELIMIT);
  }
  free(sm);
  free(out);
  free(ref);
}

static int hu_ref_query(const uint8_t *q, size_t qn, const char *key, size_t *voff,
                        size_t *vlen) {
  size_t i = 0, kl = strlen(key);
  uint8_t *dec = malloc(qn + 1);
  FZ_CHECK(dec);
  while (i < qn) {
    size_t end = i, eq;
    while (end < qn && q[end] != '&') end++;
    eq = i;
    while (eq < end && q[eq] != '=') eq++;
    long dn = hu_ref_pct(q + i, eq - i, dec, 1, 0);
    if (dn == (long)kl && memcmp(dec, key, kl) == 0) {
      *voff = eq < end ? eq + 1 : end;
      *vlen = eq < end ? end - eq - 1 : 0;
      free(dec);
      return 0;
    }
    i = end + 1;
  }
  free(dec);
  return SIO_ENOENT;
}

static void hu_check_query(const uint8_t *s, size_t n) {
  const uint8_t *z = memchr(s, 0, n);
  if (!z) return;
  size_t kl = (size_t)(z - s);
  if (kl >= 85) return; /* longer keys meet the implementation's stack bound */
  char *key = (char *)fz_dup(s, kl + 1);
  const uint8_t *q = z + 1;
  size_t qn = n - kl - 1;
  char *qc = (char *)fz_dup(q, qn);
  const char *val = NULL;
  size_t vlen = 0, roff = 0, rlen = 0;
  int got = sio__http_query_find(qc, qn, key, &val, &vlen);
  int want = hu_ref_query(q, qn, key, &roff, &rlen);
  FZ_CHECK(got == want);
  if (got == 0) FZ_CHECK(val == qc + roff && vlen == rlen);
  free(qc);
  free(key);
}

static int hu_ieq(const uint8_t *a, size_t n, const char *b) {
  if (strlen(b) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t x = a[i], y = (uint8_t)b[i];
    if (x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}

static void hu_check_tokens(const uint8_t *s, size_t n) {
  static const char *const tokens[] = {"upgrade", "websocket", "keep-alive", "gzip", "a"};
  char *c = (char *)fz_dup(s, n);
  for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
    int want = 0;
    size_t i = 0;
    while (i <= n && !want) {
      size_t end = i;
      while (end < n && s[end] != ',') end++;
      size_t a = i, b = end;
      while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
      while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
      if (b > a && hu_ieq(s + a, b - a, tokens[t])) want = 1;
      i = end + 1;
    }
    FZ_CHECK(sio__http_list_has_token(c, n, tokens[t]) == want);
  }
  free(c);
}

/* The WebSocket handshake's header checks (src/ws/ws_handshake.h). */
static void hu_check_ws(const uint8_t *s, size_t n) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *c = (char *)fz_dup(s, n);
  int want = n == 24 && s[22] == '=' && s[23] == '=';
  for (size_t i = 0; want && i < 22; i++) want = s[i] && strchr(abc, s[i]) != NULL;
  FZ_CHECK(sio__ws_key_valid(c, n) == want);
  if (want) {
    char acc[29];
    sio__ws_accept_key(c, n, acc);
    FZ_CHECK(strlen(acc) == 28 && acc[27] == '=');
  }
  static const char *const tokens[] = {"upgrade", "websocket", "a"};
  for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++)
    FZ_CHECK(sio__http_header_has_token(c, n, tokens[t]) ==
             sio__http_list_has_token(c, n, tokens[t]));
  free(c);
}

static void hu_check_misc(const uint8_t *s, size_t n) {
  /* ETag: a list holding the tag (weak or not) matches it. */
  uint64_t a = 0, b = 0;
  memcpy(&a, s, n < 8 ? n : 8);
  if (n > 8) memcpy(&b, s + 8, n - 8 < 8 ? n - 8 : 8);
  char tag[48];
  sio__http_etag(a, b, tag);
  char *c = (char *)fz_dup(s, n);
  (void)sio__http_etag_match(c, n, tag);
  char list[160];
  int ln = snprintf(list, sizeof(list), "\"x\", W/%s ,*x", tag);
  FZ_CHECK(ln > 0 && (size_t)ln < sizeof(list));
  FZ_CHECK(sio__http_etag_match(list, (size_t)ln, tag) == 1);
  FZ_CHECK(sio__http_etag_match(tag, strlen(tag), tag) == 1);
  free(c);

  /* MIME type of the input as a file name. */
  char *name = malloc(n + 1);
  FZ_CHECK(name);
  memcpy(name, s, n);
  name[n] = 0;
  FZ_CHECK(sio__http_mime_type(name) != NULL);
  free(name);

  /* Dates: a parsed date formats to a date that parses to the same time. */
  time_t t;
  c = (char *)fz_dup(s, n);
  if (sio__http_date_parse(c, n, &t) == 0 && t >= -62167219200LL && t <= 253402300799LL) {
    char out[30];
    time_t t2;
    sio__http_date_format(t, out);
    FZ_CHECK(strlen(out) == 29);
    FZ_CHECK(sio__http_date_parse(out, 29, &t2) == 0 && t2 == t);
  }
  free(c);
  int64_t raw = (int64_t)(a % 253402300800ULL);
  char out[30];
  time_t t2;
  sio__http_date_format((time_t)raw, out);
  FZ_CHECK(strlen(out) == 29);
  FZ_CHECK(sio__http_date_parse(out, 29, &t2) == 0 && t2 == (time_t)raw);
  (void)sio__http_status_text((int)(a & 0x3ff));
}

static void hu_check_accept_encoding(const uint8_t *s, size_t n) {
  const char *v = (const char *)s;
  sio__http_enc_t e = sio__http_accept_encoding(v, n);
  int g = sio__http_accepts(v, n, SIO__HTTP_ENC_GZIP);
  int d = sio__http_accepts(v, n, SIO__HTTP_ENC_DEFLATE);
  if (e == SIO__HTTP_ENC_IDENTITY)
    FZ_CHECK(!g && !d);
  else
    FZ_CHECK((e == SIO__HTTP_ENC_GZIP || e == SIO__HTTP_ENC_DEFLATE) &&
             sio__http_accepts(v, n, e));
}

static int fuzz_http_util(const uint8_t *data, size_t size) {
  if (size < 2 || size > 1 << 16) return 0;
  int plus = data[0] & 1, strict = (data[0] >> 1) & 1;
  size_t small = data[1] % 64;
  const uint8_t *s = data + 2;
  size_t n = size - 2;
  hu_check_pct(s, n, plus, strict, small);
  hu_check_static(s, n, small);
  hu_check_query(s, n);
  hu_check_tokens(s, n);
  hu_check_ws(s, n);
  hu_check_misc(s, n);
  hu_check_accept_encoding(s, n);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_http_util(data, size);
}
#endif
