/* Strict JSON scanning (one pass, no DOM), span walking, typed reads and a
 * compact writer. See json.h for the rules. */
#include "core/json.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "sio/common.h"

typedef unsigned char uchar;

static inline int is_ws(uchar c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int is_digit(uchar c) {
  return c >= '0' && c <= '9';
}

static int hex_val(uchar c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* The 4 hex digits at q as a value, or -1. */
static long hex4(const uchar *q) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_val(q[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* ---- Validation --------------------------------------------------------- */

/* *pq is at the opening quote; on success it moves past the closing one. */
static int scan_string(const uchar **pq, const uchar *e, uint8_t *flags) {
  const uchar *q = *pq + 1;
  for (;;) {
    while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\') q++;
    if (q >= e) return SIO_EPROTO;
    uchar c = *q;
    if (c == '"') {
      *pq = q + 1;
      return 0;
    }
    if (c == '\\') {
      *flags |= SIO_JSON_F_ESCAPED;
      if (e - q < 2) return SIO_EPROTO;
      switch (q[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          q += 2;
          break;
        case 'u': {
          if (e - q < 6) return SIO_EPROTO;
          long u = hex4(q + 2);
          if (u < 0) return SIO_EPROTO;
          q += 6;
          /* Lone surrogates are accepted, as JSON.parse does: JavaScript
           * clients send them when a string is cut inside a surrogate pair.
           * A pair is consumed whole; anything else is checked on its own. */
          if (u >= 0xD800 && u <= 0xDBFF && e - q >= 6 && q[0] == '\\' && q[1] == 'u') {
            long u2 = hex4(q + 2);
            if (u2 >= 0xDC00 && u2 <= 0xDFFF) q += 6;
          }
          break;
        }
        default:
          return SIO_EPROTO;
      }
      continue;
    }
    if (c < 0x20) return SIO_EPROTO;
    size_t k = sio__utf8_seq(q, (size_t)(e - q), NULL);
    if (!k) return SIO_EPROTO;
    q += k;
  }
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; stops at the first byte
 * that cannot continue the number. */
static int scan_number(const uchar **pq, const uchar *e, uint8_t *flags) {
  const uchar *q = *pq;
  if (*q == '-') q++;
  if (q >= e) return SIO_EPROTO;
  if (*q == '0') {
    q++;
  } else if (*q >= '1' && *q <= '9') {
    while (q < e && is_digit(*q)) q++;
  } else {
    return SIO_EPROTO;
  }
  if (q < e && *q == '.') {
    q++;
    *flags |= SIO_JSON_F_FRAC;
    if (q >= e || !is_digit(*q)) return SIO_EPROTO;
    while (q < e && is_digit(*q)) q++;
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    *flags |= SIO_JSON_F_FRAC;
    if (q < e && (*q == '+' || *q == '-')) q++;
    if (q >= e || !is_digit(*q)) return SIO_EPROTO;
    while (q < e && is_digit(*q)) q++;
  }
  *pq = q;
  return 0;
}

static int scan_literal(const uchar **pq, const uchar *e, const char *lit, size_t n) {
  if ((size_t)(e - *pq) < n || memcmp(*pq, lit, n) != 0) return SIO_EPROTO;
  *pq += n;
  return 0;
}

static uint8_t type_of(uchar c) {
  switch (c) {
    case '"':
      return SIO_JSON_STRING;
    case '{':
      return SIO_JSON_OBJECT;
    case '[':
      return SIO_JSON_ARRAY;
    case 't':
      return SIO_JSON_TRUE;
    case 'f':
      return SIO_JSON_FALSE;
    case 'n':
      return SIO_JSON_NULL;
    default:
      return (c == '-' || is_digit(c)) ? SIO_JSON_NUMBER : SIO_JSON_NONE;
  }
}

/* Validates one value starting at p (after leading whitespace); *after gets
 * the first byte past it. Iterative, with one bit per open container
 * (1 = object) so the C stack stays small whatever the depth. */
static int scan_value(const char *p, const char *end, unsigned max_depth,
                      sio__json_val_t *out, const char **after) {
  const uchar *q = (const uchar *)p, *e = (const uchar *)end;
  uint64_t stack[SIO_JSON_DEPTH_MAX / 64];
  unsigned depth = 0;
  uint8_t top_flags = 0, sflags = 0, space = 0;
  int rc;

  if (max_depth == 0) max_depth = SIO_JSON_DEPTH_DEFAULT;
  if (max_depth > SIO_JSON_DEPTH_MAX) max_depth = SIO_JSON_DEPTH_MAX;
  while (q < e && is_ws(*q)) q++;
  if (q >= e) return SIO_EPROTO;
  const uchar *start = q;

#define SKIP_WS()                                                                        \
  while (q < e && is_ws(*q)) {                                                           \
    q++;                                                                                 \
    space = 1;                                                                           \
  }

value:
  if (q >= e) return SIO_EPROTO;
  switch (*q) {
    case '"':
      sflags = 0;
      if ((rc = scan_string(&q, e, &sflags))) return rc;
      if (depth == 0) top_flags = sflags;
      goto after_value;
    case '{':
    case '[': {
      if (depth >= max_depth) return SIO_ELIMIT;
      uint64_t bit = 1ull << (depth % 64);
      if (*q == '{')
        stack[depth / 64] |= bit;
      else
        stack[depth / 64] &= ~bit;
      uchar close = *q == '{' ? '}' : ']';
      depth++;
      q++;
      SKIP_WS();
      if (q < e && *q == close) {
        q++;
        depth--;
        goto after_value;
      }
      if (close == '}') goto key;
      goto value;
    }
    case 't':
      if ((rc = scan_literal(&q, e, "true", 4))) return rc;
      goto after_value;
    case 'f':
      if ((rc = scan_literal(&q, e, "false", 5))) return rc;
      goto after_value;
    case 'n':
      if ((rc = scan_literal(&q, e, "null", 4))) return rc;
      goto after_value;
    default:
      sflags = 0;
      if ((rc = scan_number(&q, e, &sflags))) return rc;
      if (depth == 0) top_flags = sflags;
      goto after_value;
  }

key:
  if (q >= e || *q != '"') return SIO_EPROTO;
  sflags = 0;
  if ((rc = scan_string(&q, e, &sflags))) return rc;
  SKIP_WS();
  if (q >= e || *q != ':') return SIO_EPROTO;
  q++;
  SKIP_WS();
  goto value;

after_value:
  if (depth == 0) goto done;
  SKIP_WS();
  if (q >= e) return SIO_EPROTO;
  {
    int in_object = (stack[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
    if (*q == ',') {
      q++;
      SKIP_WS();
      if (in_object) goto key;
      goto value;
    }
    if (*q == (in_object ? '}' : ']')) {
      q++;
      depth--;
      goto after_value;
    }
    return SIO_EPROTO;
  }
#undef SKIP_WS

done:
  if (out) {
    out->p = (const char *)start;
    out->len = (size_t)(q - start);
    out->type = type_of(*start);
    out->flags = top_flags;
    if (out->type == SIO_JSON_ARRAY || out->type == SIO_JSON_OBJECT)
      out->flags = space ? SIO_JSON_F_SPACE : 0;
  }
  *after = (const char *)q;
  return 0;
}

int sio__json_parse(const char *p, size_t n, unsigned max_depth, sio__json_val_t *out) {
  const char *after;
  const char *end = p + n;
  sio__json_val_t v;
  if (!p) return SIO_EPROTO;
  int rc = scan_value(p, end, max_depth, &v, &after);
  if (rc) return rc;
  while (after < end && is_ws((uchar)*after)) after++;
  if (after != end) return SIO_EPROTO;
  if (out) *out = v;
  return 0;
}

int sio__json_parse_prefix(const char *p, size_t n, unsigned max_depth,
                           sio__json_val_t *out, size_t *used) {
  const char *after;
  sio__json_val_t v;
  if (!p) return SIO_EPROTO;
  int rc = scan_value(p, p + n, max_depth, &v, &after);
  if (rc) return rc;
  if (out) *out = v;
  if (used) *used = (size_t)(after - p);
  return 0;
}

/* ---- Walking validated text ------------------------------------------- */

/* q at an opening quote; returns the byte after the closing one or NULL. */
static const uchar *skip_string(const uchar *q, const uchar *e, uint8_t *flags) {
  const uchar *r = NULL; /* first quote at or after q (kept: linear time) */
  q++;
  while (q < e) {
    if (!r || r < q) {
      r = memchr(q, '"', (size_t)(e - q));
      if (!r) return NULL;
    }
    const uchar *b = memchr(q, '\\', (size_t)(r - q));
    if (!b) return r + 1;
    /* An escape before the quote: step over it and look again. */
    *flags |= SIO_JSON_F_ESCAPED;
    if (e - b < 2) return NULL;
    q = b + 2;
  }
  return NULL;
}

/* Skips one value of validated text at q; NULL if it runs past e. */
static const uchar *skip_value(const uchar *q, const uchar *e, uint8_t *type,
                               uint8_t *flags) {
  uint8_t dummy = 0;
  *type = type_of(*q);
  switch (*type) {
    case SIO_JSON_STRING:
      return skip_string(q, e, flags);
    case SIO_JSON_OBJECT:
    case SIO_JSON_ARRAY: {
      size_t depth = 0;
      while (q < e) {
        uchar c = *q;
        if (c == '"') {
          q = skip_string(q, e, &dummy);
          if (!q) return NULL;
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) return q + 1;
        } else if (is_ws(c)) {
          *flags |= SIO_JSON_F_SPACE;
        }
        q++;
      }
      return NULL;
    }
    case SIO_JSON_TRUE:
    case SIO_JSON_NULL:
      return e - q >= 4 ? q + 4 : NULL;
    case SIO_JSON_FALSE:
      return e - q >= 5 ? q + 5 : NULL;
    case SIO_JSON_NUMBER:
      while (q < e && (is_digit(*q) || *q == '-' || *q == '+' || *q == '.' || *q == 'e' ||
                       *q == 'E')) {
        if (*q == '.' || *q == 'e' || *q == 'E') *flags |= SIO_JSON_F_FRAC;
        q++;
      }
      return q;
    default:
      return NULL;
  }
}

int sio__json_iter_init(sio__json_iter_t *it, const sio__json_val_t *v) {
  if (!v || (v->type != SIO_JSON_ARRAY && v->type != SIO_JSON_OBJECT) || v->len < 2)
    return SIO_EINVAL;
  it->p = v->p + 1;
  it->end = v->p + v->len - 1;
  it->is_object = v->type == SIO_JSON_OBJECT;
  it->started = 0;
  return 0;
}

int sio__json_iter_next(sio__json_iter_t *it, sio__json_val_t *key,
                        sio__json_val_t *val) {
  const uchar *q = (const uchar *)it->p, *e = (const uchar *)it->end;
  while (q < e && is_ws(*q)) q++;
  if (q >= e) {
    it->p = (const char *)q;
    return 0;
  }
  if (it->started) {
    if (*q != ',') return SIO_EPROTO;
    q++;
    while (q < e && is_ws(*q)) q++;
    if (q >= e) return SIO_EPROTO;
  }
  it->started = 1;
  if (it->is_object) {
    uint8_t kf = 0;
    const uchar *k = q;
    if (*q != '"' || !(q = skip_string(q, e, &kf))) return SIO_EPROTO;
    if (key) {
      key->p = (const char *)k;
      key->len = (size_t)(q - k);
      key->type = SIO_JSON_STRING;
      key->flags = kf;
    }
    while (q < e && is_ws(*q)) q++;
    if (q >= e || *q != ':') return SIO_EPROTO;
    q++;
    while (q < e && is_ws(*q)) q++;
    if (q >= e) return SIO_EPROTO;
  }
  const uchar *s = q;
  uint8_t t = 0, f = 0;
  q = skip_value(q, e, &t, &f);
  if (!q || q == s) return SIO_EPROTO;
  val->p = (const char *)s;
  val->len = (size_t)(q - s);
  val->type = t;
  val->flags = f;
  it->p = (const char *)q;
  return 1;
}

int sio__json_object_get(const sio__json_val_t *obj, const char *key, size_t key_len,
                         sio__json_val_t *val) {
  sio__json_iter_t it;
  sio__json_val_t k, v;
  int found = 0, rc;
  if (!obj || obj->type != SIO_JSON_OBJECT || sio__json_iter_init(&it, obj))
    return SIO_EINVAL;
  while ((rc = sio__json_iter_next(&it, &k, &v)) == 1) {
    if (sio__json_string_eq(&k, key, key_len)) {
      *val = v;
      found = 1;
    }
  }
  return rc < 0 ? rc : found;
}

/* ---- Typed reads -------------------------------------------------------- */

/* Decodes the escape at *pq (which points at a backslash) into out[0..4);
 * returns the byte count, or -1 if the escape is malformed or cut by e. */
static int unescape_one(const uchar **pq, const uchar *e, uchar out[4]) {
  const uchar *q = *pq;
  if (e - q < 2) return -1;
  uchar c = q[1];
  *pq = q + 2;
  switch (c) {
    case '"':
    case '\\':
    case '/':
      out[0] = c;
      return 1;
    case 'b':
      out[0] = '\b';
      return 1;
    case 'f':
      out[0] = '\f';
      return 1;
    case 'n':
      out[0] = '\n';
      return 1;
    case 'r':
      out[0] = '\r';
      return 1;
    case 't':
      out[0] = '\t';
      return 1;
    case 'u':
      break;
    default:
      return -1;
  }
  if (e - q < 6) return -1;
  long cp = hex4(q + 2);
  if (cp < 0) return -1;
  q += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF && e - q >= 6 && q[0] == '\\' && q[1] == 'u' &&
      hex4(q + 2) >= 0xDC00 && hex4(q + 2) <= 0xDFFF) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(q + 2) - 0xDC00);
    q += 6;
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    /* A lone surrogate has no UTF-8 form: U+FFFD, as a UTF-16 to UTF-8
     * conversion in JavaScript (TextEncoder) gives. */
    cp = 0xFFFD;
  }
  *pq = q;
  if (cp < 0x80) {
    out[0] = (uchar)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uchar)(0xC0 | (cp >> 6));
    out[1] = (uchar)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uchar)(0xE0 | (cp >> 12));
    out[1] = (uchar)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uchar)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uchar)(0xF0 | (cp >> 18));
  out[1] = (uchar)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (uchar)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (uchar)(0x80 | (cp & 0x3F));
  return 4;
}

static int is_string(const sio__json_val_t *v) {
  return v && v->type == SIO_JSON_STRING && v->len >= 2 && v->p[0] == '"' &&
         v->p[v->len - 1] == '"';
}

int sio__json_string_copy(const sio__json_val_t *v, char *buf, size_t cap, size_t *len) {
  if (!is_string(v)) return SIO_EINVAL;
  const uchar *q = (const uchar *)v->p + 1, *e = (const uchar *)v->p + v->len - 1;
  size_t o = 0;
  while (q < e) {
    const uchar *r = memchr(q, '\\', (size_t)(e - q));
    if (!r) r = e;
    size_t run = (size_t)(r - q);
    if (run > cap - o) return SIO_EMSGSIZE;
    memcpy(buf + o, q, run);
    o += run;
    q = r;
    if (q < e) {
      uchar tmp[4];
      int k = unescape_one(&q, e, tmp);
      if (k < 0) return SIO_EPROTO;
      if ((size_t)k > cap - o) return SIO_EMSGSIZE;
      memcpy(buf + o, tmp, (size_t)k);
      o += (size_t)k;
    }
  }
  if (o >= cap) return SIO_EMSGSIZE;
  buf[o] = '\0';
  if (len) *len = o;
  return 0;
}

int sio__json_string_append(const sio__json_val_t *v, sio__sb_t *sb) {
  size_t n;
  if (!is_string(v)) return SIO_EINVAL;
  if (sb->err) return sb->err;
  /* The unescaped form is never longer than the quoted one. */
  char *dst = (char *)sio__sb_reserve(sb, v->len);
  if (!dst) return sb->err;
  int rc = sio__json_string_copy(v, dst, v->len, &n);
  if (rc) return rc;
  sio__sb_commit(sb, n);
  return 0;
}

int sio__json_string_eq(const sio__json_val_t *v, const char *s, size_t n) {
  if (!is_string(v)) return 0;
  const uchar *q = (const uchar *)v->p + 1, *e = (const uchar *)v->p + v->len - 1;
  if (!(v->flags & SIO_JSON_F_ESCAPED))
    return (size_t)(e - q) == n && (n == 0 || memcmp(q, s, n) == 0);
  size_t i = 0;
  while (q < e) {
    if (*q != '\\') {
      if (i >= n || (uchar)s[i] != *q) return 0;
      i++;
      q++;
      continue;
    }
    uchar tmp[4];
    int k = unescape_one(&q, e, tmp);
    if (k < 0 || n - i < (size_t)k || memcmp(s + i, tmp, (size_t)k) != 0) return 0;
    i += (size_t)k;
  }
  return i == n;
}

/* Splits an integer spelling: sets *neg, returns digits [*d, *de). */
static int int_digits(const sio__json_val_t *v, int *neg, const uchar **d,
                      const uchar **de) {
  if (!v || v->type != SIO_JSON_NUMBER || v->len == 0) return SIO_EINVAL;
  const uchar *q = (const uchar *)v->p, *e = q + v->len;
  *neg = *q == '-';
  if (*neg) q++;
  if (q >= e) return SIO_EINVAL;
  for (const uchar *r = q; r < e; r++)
    if (!is_digit(*r)) return SIO_EINVAL; /* fraction or exponent */
  *d = q;
  *de = e;
  return 0;
}

static int accumulate(const uchar *d, const uchar *de, uint64_t limit, uint64_t *out) {
  uint64_t v = 0;
  for (; d < de; d++) {
    unsigned dig = (unsigned)(*d - '0');
    if (v > (limit - dig) / 10) return SIO_ELIMIT;
    v = v * 10 + dig;
  }
  *out = v;
  return 0;
}

int sio__json_get_int64(const sio__json_val_t *v, int64_t *out) {
  int neg, rc;
  const uchar *d, *de;
  uint64_t u;
  if ((rc = int_digits(v, &neg, &d, &de))) return rc;
  if ((rc = accumulate(d, de, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u)))
    return rc;
  if (neg)
    *out = u == 0 ? 0 : -(int64_t)(u - 1) - 1;
  else
    *out = (int64_t)u;
  return 0;
}

int sio__json_get_uint64(const sio__json_val_t *v, uint64_t *out) {
  int neg, rc;
  const uchar *d, *de;
  uint64_t u;
  if ((rc = int_digits(v, &neg, &d, &de))) return rc;
  if ((rc = accumulate(d, de, UINT64_MAX, &u))) return rc;
  if (neg && u != 0) return SIO_EINVAL;
  *out = u;
  return 0;
}

/* Converts the number as "<all digits>e<exponent>", a spelling without a
 * decimal point, so strtod's result does not depend on LC_NUMERIC. */
int sio__json_get_double(const sio__json_val_t *v, double *out) {
  if (!v || v->type != SIO_JSON_NUMBER || v->len == 0) return SIO_EINVAL;
  const uchar *q = (const uchar *)v->p, *e = q + v->len;
  char stack[128];
  size_t cap = v->len + 32;
  char *buf = cap <= sizeof(stack) ? stack : sio__malloc(cap);
  size_t o = 0;
  int64_t frac = 0, exp = 0;
  int exp_neg = 0;
  if (!buf) return SIO_ENOMEM;
  if (q < e && *q == '-') buf[o++] = *q++;
  while (q < e && is_digit(*q)) buf[o++] = (char)*q++;
  if (q < e && *q == '.') {
    q++;
    while (q < e && is_digit(*q)) {
      buf[o++] = (char)*q++;
      frac++;
    }
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < e && (*q == '+' || *q == '-')) exp_neg = *q++ == '-';
    /* Clamp: past 1e15 the result is 0 or infinity anyway. */
    while (q < e && is_digit(*q)) {
      if (exp < 1000000000000000LL) exp = exp * 10 + (*q - '0');
      q++;
    }
  }
  if (q != e || o == 0 || (o == 1 && buf[0] == '-')) {
    if (buf != stack) sio__free(buf);
    return SIO_EINVAL;
  }
  exp = (exp_neg ? -exp : exp) - frac;
  snprintf(buf + o, cap - o, "e%" PRId64, exp);
  *out = strtod(buf, NULL);
  if (buf != stack) sio__free(buf);
  return 0;
}

int sio__json_get_bool(const sio__json_val_t *v, int *out) {
  if (!v) return SIO_EINVAL;
  if (v->type == SIO_JSON_TRUE)
    *out = 1;
  else if (v->type == SIO_JSON_FALSE)
    *out = 0;
  else
    return SIO_EINVAL;
  return 0;
}

/* ---- Writing ------------------------------------------------------------ */

/* lossy: invalid UTF-8 is written as U+FFFD instead of failing. */
static int write_string(sio__sb_t *sb, const char *s, size_t n, int lossy) {
  static const char hex[] = "0123456789abcdef";
  if (sb->err) return sb->err;
  size_t start = sio__sb_len(sb);
  const uchar *q = (const uchar *)(n ? s : ""), *e = q + n, *run = q;
  sio__sb_putc(sb, '"');
  while (q < e) {
    uchar c = *q;
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      q++;
      continue;
    }
    if (c >= 0x80) {
      size_t skip, k = sio__utf8_seq(q, (size_t)(e - q), &skip);
      if (k) {
        q += k;
        continue;
      }
      if (!lossy) {
        if (!sb->err && sb->buf) sb->buf->len = start;
        return SIO_EILSEQ;
      }
      sio__sb_append(sb, run, (size_t)(q - run));
      sio__sb_append(sb, "\xef\xbf\xbd", 3);
      run = q += skip;
      continue;
    }
    sio__sb_append(sb, run, (size_t)(q - run));
    char esc[6] = {'\\', 0, '0', '0', 0, 0};
    size_t elen = 2;
    switch (c) {
      case '"':
      case '\\':
        esc[1] = (char)c;
        break;
      case '\b':
        esc[1] = 'b';
        break;
      case '\f':
        esc[1] = 'f';
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      case '\t':
        esc[1] = 't';
        break;
      default:
        esc[1] = 'u';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        elen = 6;
    }
    sio__sb_append(sb, esc, elen);
    run = ++q;
  }
  sio__sb_append(sb, run, (size_t)(q - run));
  sio__sb_putc(sb, '"');
  return sb->err;
}

int sio__json_write_string(sio__sb_t *sb, const char *s, size_t n) {
  return write_string(sb, s, n, 0);
}

int sio__json_write_string_lossy(sio__sb_t *sb, const char *s, size_t n) {
  return write_string(sb, s, n, 1);
}

void sio__json_write_uint64(sio__sb_t *sb, uint64_t v) {
  sio__sb_put_u64(sb, v);
}

void sio__json_write_int64(sio__sb_t *sb, int64_t v) {
  if (v < 0) {
    sio__sb_putc(sb, '-');
    sio__sb_put_u64(sb, (uint64_t)(-(v + 1)) + 1);
  } else {
    sio__sb_put_u64(sb, (uint64_t)v);
  }
}

/* The shortest correctly rounded decimal digits of x > 0 (15 significant
 * digits first, then 16, then 17: the first that reads back exactly is the
 * shortest once trailing zeros are dropped, because a normal double's
 * rounding interval is narrower than half a unit in the 15th digit; among
 * equally short candidates printf's correct rounding picks the nearest, as
 * JavaScript does). *k = digit count, *point = decimal
 * exponent n with x = 0.d1d2...dk * 10^n. The decimal point printf uses
 * may depend on the locale, so only digits and the exponent are read. */
static void shortest_digits(double x, char digits[20], int *k, int *point) {
  char buf[48];
  /* Subnormals have fewer significant bits, so 15 digits may be more than
   * needed there: search from 1. */
  for (int prec = x < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
    if (prec == 17 || strtod(buf, NULL) == x) break;
  }
  const char *c = buf;
  int nd = 0;
  while (*c && *c != 'e') {
    if (is_digit((uchar)*c) && nd < 19) digits[nd++] = *c;
    c++;
  }
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  digits[nd] = '\0';
  *k = nd;
  *point = (*c == 'e' ? atoi(c + 1) : 0) + 1;
}

void sio__json_write_double(sio__sb_t *sb, double d) {
  if (!isfinite(d)) {
    sio__sb_append(sb, "null", 4);
    return;
  }
  if (d == 0) {
    sio__sb_putc(sb, '0');
    return;
  }
  char digits[20], out[48];
  int k, n;
  size_t o = 0;
  shortest_digits(d < 0 ? -d : d, digits, &k, &n);
  if (d < 0) out[o++] = '-';
  if (k <= n && n <= 21) {
    /* Integer: digits then zeros (JS writes up to 21 digits plainly). */
    memcpy(out + o, digits, (size_t)k);
    o += (size_t)k;
    for (int i = k; i < n; i++) out[o++] = '0';
  } else if (0 < n && n <= 21) {
    memcpy(out + o, digits, (size_t)n);
    o += (size_t)n;
    out[o++] = '.';
    memcpy(out + o, digits + n, (size_t)(k - n));
    o += (size_t)(k - n);
  } else if (-6 < n && n <= 0) {
    out[o++] = '0';
    out[o++] = '.';
    for (int i = 0; i < -n; i++) out[o++] = '0';
    memcpy(out + o, digits, (size_t)k);
    o += (size_t)k;
  } else {
    out[o++] = digits[0];
    if (k > 1) {
      out[o++] = '.';
      memcpy(out + o, digits + 1, (size_t)(k - 1));
      o += (size_t)(k - 1);
    }
    o += (size_t)snprintf(out + o, sizeof(out) - o, "e%c%d", n - 1 >= 0 ? '+' : '-',
                          n - 1 >= 0 ? n - 1 : 1 - n);
  }
  sio__sb_append(sb, out, o);
}

void sio__json_write_raw(sio__sb_t *sb, const char *p, size_t n) {
  sio__sb_append(sb, p, n);
}

void sio__json_write_compact(sio__sb_t *sb, const sio__json_val_t *v) {
  if (!(v->flags & SIO_JSON_F_SPACE) ||
      (v->type != SIO_JSON_ARRAY && v->type != SIO_JSON_OBJECT)) {
    sio__sb_append(sb, v->p, v->len);
    return;
  }
  uchar *dst = sio__sb_reserve(sb, v->len);
  if (!dst) return;
  const uchar *q = (const uchar *)v->p, *e = q + v->len;
  size_t o = 0;
  while (q < e) {
    if (*q == '"') {
      uint8_t f = 0;
      const uchar *r = skip_string(q, e, &f);
      if (!r) r = e;
      memcpy(dst + o, q, (size_t)(r - q));
      o += (size_t)(r - q);
      q = r;
    } else {
      if (!is_ws(*q)) dst[o++] = *q;
      q++;
    }
  }
  sio__sb_commit(sb, o);
}
