/* libsio's JSON text -> msgpack as notepack.io 3 writes it.
 *
 * Two passes over the text, no DOM: the first validates it (strict RFC 8259,
 * UTF-8) and records, for each array/object in opening order, its element
 * count (msgpack writes counts before elements), where it ends, and whether it
 * is a placeholder (and for which attachment); the second packs, trusting the
 * first. Recursion depth is bounded by max_depth (at most SIO__RMP_MAX_DEPTH). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_mp_internal.h"

typedef struct {
  size_t count; /* elements, or members */
  size_t end;   /* offset just past the closing bracket */
  size_t next;  /* index of the first record after this one's descendants */
  uint32_t num; /* ph == 1: the attachment */
  uint8_t ph;   /* 0: not a placeholder, 1: placeholder, 2: one with a bad num */
} fj_rec_t;

typedef struct {
  const char *p;
  size_t n, i;
  fj_rec_t *recs; /* NULL when only validating */
  size_t nrecs, cap;
  size_t natt;
  unsigned max_depth;
  int record;
} fj_t;

static int fj_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void fj_skip_ws(fj_t *s) {
  while (s->i < s->n && fj_ws(s->p[s->i])) s->i++;
}

static int fj_digit(char c) {
  return c >= '0' && c <= '9';
}

static int fj_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p (n bytes available), or -1. */
static long fj_hex4(const char *p, size_t n) {
  if (n < 4) return -1;
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int h = fj_hex(p[k]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

/* The escape at p[0] == '\\' (validated text): its UTF-8 bytes in out (1-4),
 * returns how many text bytes it takes. A surrogate pair is one escape; a lone
 * surrogate reads as U+FFFD, as libsio's parser reads it. */
static size_t fj_unescape(const char *p, size_t n, char out[4], size_t *olen) {
  char c = p[1];
  *olen = 1;
  switch (c) {
    case 'b':
      out[0] = '\b';
      return 2;
    case 'f':
      out[0] = '\f';
      return 2;
    case 'n':
      out[0] = '\n';
      return 2;
    case 'r':
      out[0] = '\r';
      return 2;
    case 't':
      out[0] = '\t';
      return 2;
    case 'u':
      break;
    default: /* " \ / */
      out[0] = c;
      return 2;
  }
  unsigned long cp = (unsigned long)fj_hex4(p + 2, n - 2);
  size_t used = 6;
  if (cp >= 0xd800 && cp <= 0xdbff && n >= 12 && p[6] == '\\' && p[7] == 'u') {
    long lo = fj_hex4(p + 8, n - 8);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
      used = 12;
    }
  }
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) {
    out[0] = (char)cp;
  } else if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    *olen = 2;
  } else if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    *olen = 3;
  } else {
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    *olen = 4;
  }
  return used;
}

/* ---- pass 1: validation ---- */

/* Which key a member has, for placeholder detection. */
enum { FJ_KEY_OTHER = 0, FJ_KEY_PH, FJ_KEY_NUM };

/* Validates the string at p[i] == '"'; *key (may be NULL) tells whether its
 * unescaped value is "_placeholder" or "num". */
static int fj_scan_string(fj_t *s, int *key) {
  char kb[16];
  size_t kl = 0;
  int kover = 0;
  s->i++;
  for (;;) {
    if (s->i >= s->n) return SIO_EPROTO;
    unsigned char c = (unsigned char)s->p[s->i];
    if (c == '"') {
      s->i++;
      break;
    }
    if (c < 0x20) return SIO_EPROTO;
    if (c == '\\') {
      if (s->i + 1 >= s->n) return SIO_EPROTO;
      char e = s->p[s->i + 1];
      if (e == 'u') {
        if (fj_hex4(s->p + s->i + 2, s->n - s->i - 2) < 0) return SIO_EPROTO;
      } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
        return SIO_EPROTO;
      }
      char u[4];
      size_t ul;
      s->i += fj_unescape(s->p + s->i, s->n - s->i, u, &ul);
      if (kl + ul <= sizeof(kb))
        memcpy(kb + kl, u, ul), kl += ul;
      else
        kover = 1;
      continue;
    }
    if (c >= 0x80) {
      size_t skip,
          k = sio__rmp_utf8_seq((const uint8_t *)s->p + s->i, s->n - s->i, &skip);
      if (!k) return SIO_EPROTO;
      s->i += k;
      kover = 1; /* the keys we look for are ASCII */
      continue;
    }
    if (kl < sizeof(kb))
      kb[kl++] = (char)c;
    else
      kover = 1;
    s->i++;
  }
  if (key) {
    *key = FJ_KEY_OTHER;
    if (!kover && kl == 12 && memcmp(kb, "_placeholder", 12) == 0) *key = FJ_KEY_PH;
    if (!kover && kl == 3 && memcmp(kb, "num", 3) == 0) *key = FJ_KEY_NUM;
  }
  return 0;
}

/* Validates a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int fj_scan_number(fj_t *s) {
  const char *p = s->p;
  size_t i = s->i, n = s->n;
  if (i < n && p[i] == '-') i++;
  if (i >= n || !fj_digit(p[i])) return SIO_EPROTO;
  if (p[i] == '0')
    i++;
  else
    while (i < n && fj_digit(p[i])) i++;
  if (i < n && p[i] == '.') {
    i++;
    if (i >= n || !fj_digit(p[i])) return SIO_EPROTO;
    while (i < n && fj_digit(p[i])) i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    if (i >= n || !fj_digit(p[i])) return SIO_EPROTO;
    while (i < n && fj_digit(p[i])) i++;
  }
  s->i = i;
  return 0;
}

static int fj_scan_literal(fj_t *s, const char *lit, size_t len) {
  if (s->n - s->i < len || memcmp(s->p + s->i, lit, len) != 0) return SIO_EPROTO;
  s->i += len;
  return 0;
}

static int fj_scan_value(fj_t *s, unsigned depth);

/* A new record for the container opening at s->i; its index in *idx. */
static int fj_open(fj_t *s, unsigned depth, size_t *idx) {
  if (depth >= s->max_depth) return SIO_ELIMIT;
  if (!s->record) return 0;
  if (s->nrecs == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(fj_rec_t)) return SIO_ENOMEM;
    fj_rec_t *r = sio__realloc(s->recs, cap * sizeof(fj_rec_t));
    if (!r) return SIO_ENOMEM;
    s->recs = r;
    s->cap = cap;
  }
  *idx = s->nrecs++;
  memset(&s->recs[*idx], 0, sizeof(fj_rec_t));
  return 0;
}

static void fj_close(fj_t *s, size_t idx, size_t count) {
  if (!s->record) return;
  s->recs[idx].count = count;
  s->recs[idx].end = s->i;
  s->recs[idx].next = s->nrecs;
}

static int fj_scan_array(fj_t *s, unsigned depth) {
  size_t idx = 0, count = 0;
  int rc = fj_open(s, depth, &idx);
  if (rc) return rc;
  s->i++;
  fj_skip_ws(s);
  if (s->i < s->n && s->p[s->i] == ']') {
    s->i++;
    fj_close(s, idx, 0);
    return 0;
  }
  for (;;) {
    if ((rc = fj_scan_value(s, depth + 1))) return rc;
    count++;
    fj_skip_ws(s);
    if (s->i >= s->n) return SIO_EPROTO;
    char c = s->p[s->i++];
    if (c == ']') break;
    if (c != ',') return SIO_EPROTO;
    fj_skip_ws(s);
  }
  fj_close(s, idx, count);
  return 0;
}

static int fj_scan_object(fj_t *s, unsigned depth) {
  size_t idx = 0, count = 0;
  int rc = fj_open(s, depth, &idx);
  int ph = 0, has_num = 0;
  size_t num_at = 0, num_len = 0;
  if (rc) return rc;
  s->i++;
  fj_skip_ws(s);
  if (s->i < s->n && s->p[s->i] == '}') {
    s->i++;
    fj_close(s, idx, 0);
    return 0;
  }
  for (;;) {
    int key;
    if (s->i >= s->n || s->p[s->i] != '"') return SIO_EPROTO;
    if ((rc = fj_scan_string(s, &key))) return rc;
    fj_skip_ws(s);
    if (s->i >= s->n || s->p[s->i] != ':') return SIO_EPROTO;
    s->i++;
    fj_skip_ws(s);
    size_t at = s->i;
    if ((rc = fj_scan_value(s, depth + 1))) return rc;
    /* The last duplicate wins, as with JSON.parse (and libsio). */
    if (key == FJ_KEY_PH) ph = s->i - at == 4 && memcmp(s->p + at, "true", 4) == 0;
    if (key == FJ_KEY_NUM) {
      char c = s->p[at];
      has_num = c == '-' || fj_digit(c);
      num_at = at;
      num_len = s->i - at;
    }
    count++;
    fj_skip_ws(s);
    if (s->i >= s->n) return SIO_EPROTO;
    char c = s->p[s->i++];
    if (c == '}') break;
    if (c != ',') return SIO_EPROTO;
    fj_skip_ws(s);
  }
  fj_close(s, idx, count);
  if (ph && s->record) {
    /* libsio's rule: any number whose value is an integer indexing att. */
    double d = -1;
    s->recs[idx].ph = 2;
    if (has_num && (rc = sio__rmp_parse_double(s->p + num_at, num_len, &d))) return rc;
    if (has_num && d >= 0 && d < (double)s->natt && d < 4294967296.0 &&
        d == (double)(uint32_t)d) {
      s->recs[idx].ph = 1;
      s->recs[idx].num = (uint32_t)d;
    }
  }
  return 0;
}

/* One value at s->i (no leading whitespace). depth = containers around it. */
static int fj_scan_value(fj_t *s, unsigned depth) {
  if (s->i >= s->n) return SIO_EPROTO;
  switch (s->p[s->i]) {
    case '{':
      return fj_scan_object(s, depth);
    case '[':
      return fj_scan_array(s, depth);
    case '"':
      return fj_scan_string(s, NULL);
    case 't':
      return fj_scan_literal(s, "true", 4);
    case 'f':
      return fj_scan_literal(s, "false", 5);
    case 'n':
      return fj_scan_literal(s, "null", 4);
    default:
      return fj_scan_number(s);
  }
}

/* The whole text: one value, or a comma-separated list of *count values. */
static int fj_scan(fj_t *s, int list, size_t *count) {
  size_t k = 0;
  int rc;
  fj_skip_ws(s);
  if (list && s->i == s->n) {
    *count = 0;
    return 0;
  }
  for (;;) {
    if ((rc = fj_scan_value(s, 0))) return rc;
    k++;
    fj_skip_ws(s);
    if (s->i == s->n) break;
    if (!list || s->p[s->i] != ',') return SIO_EPROTO;
    s->i++;
    fj_skip_ws(s);
  }
  *count = k;
  return 0;
}

/* ---- pass 2: packing ---- */

typedef struct {
  fj_t *s;
  msgpack_packer *pk;
  const sio_buf_t *att;
  size_t ri; /* next record */
} fe_t;

#define FE_CHECK(call)                                                                   \
  do {                                                                                   \
    if ((call) != 0) return SIO_ENOMEM;                                                  \
  } while (0)

static int fe_string(fe_t *e) {
  const char *p = e->s->p;
  size_t n = e->s->n, start = e->s->i + 1, i, total = 0;
  char u[4];
  size_t ul;
  /* First the decoded length, for the header. */
  for (i = start; p[i] != '"';) {
    if (p[i] == '\\') {
      i += fj_unescape(p + i, n - i, u, &ul);
      total += ul;
    } else {
      i++;
      total++;
    }
  }
  if (total > UINT32_MAX) return SIO_EMSGSIZE;
  FE_CHECK(msgpack_pack_str(e->pk, total));
  size_t run = start;
  for (i = start; p[i] != '"';) {
    if (p[i] != '\\') {
      i++;
      continue;
    }
    if (i > run) FE_CHECK(msgpack_pack_str_body(e->pk, p + run, i - run));
    i += fj_unescape(p + i, n - i, u, &ul);
    FE_CHECK(msgpack_pack_str_body(e->pk, u, ul));
    run = i;
  }
  if (i > run) FE_CHECK(msgpack_pack_str_body(e->pk, p + run, i - run));
  e->s->i = i + 1;
  return 0;
}

/* An integer spelling that fits int64/uint64 -> the shortest integer, exactly
 * (also past 2^53, where JavaScript would round); any other whole value up to
 * 2^53 in magnitude (1.0, 1e2, -0) -> the shortest integer too, as notepack;
 * everything else -> float64. (notepack also writes whole doubles past 2^53 as
 * integers; we keep them float64 so that the text we decode them to, spelled
 * as JavaScript rounds it, packs back to the same value.) */
static int fe_number(fe_t *e) {
  const char *p = e->s->p + e->s->i;
  size_t start = e->s->i;
  fj_scan_number(e->s); /* validated: just finds the end */
  size_t len = e->s->i - start;
  int neg = p[0] == '-', plain = 1, over = 0;
  uint64_t mag = 0;
  for (size_t k = (size_t)neg; k < len; k++) {
    if (!fj_digit(p[k])) {
      plain = 0;
      break;
    }
    unsigned dgt = (unsigned)(p[k] - '0');
    if (mag > (UINT64_MAX - dgt) / 10)
      over = 1;
    else
      mag = mag * 10 + dgt;
  }
  if (plain && !over) {
    if (!neg) {
      FE_CHECK(msgpack_pack_uint64(e->pk, mag));
      return 0;
    }
    if (mag == 0) {
      FE_CHECK(msgpack_pack_uint64(e->pk, 0));
      return 0;
    }
    if (mag <= (uint64_t)INT64_MAX + 1) {
      FE_CHECK(msgpack_pack_int64(e->pk, -(int64_t)(mag - 1) - 1));
      return 0;
    }
  }
  double d;
  int rc = sio__rmp_parse_double(p, len, &d);
  if (rc) return rc;
  if (d >= 0 && d <= 9007199254740992.0 && d == (double)(uint64_t)d) {
    FE_CHECK(msgpack_pack_uint64(e->pk, (uint64_t)d));
  } else if (d < 0 && d >= -9007199254740992.0 && d == (double)(int64_t)d) {
    FE_CHECK(msgpack_pack_int64(e->pk, (int64_t)d));
  } else {
    FE_CHECK(msgpack_pack_double(e->pk, d));
  }
  return 0;
}

static int fe_value(fe_t *e);

static int fe_container(fe_t *e) {
  fj_t *s = e->s;
  const fj_rec_t *r = &s->recs[e->ri];
  int obj = s->p[s->i] == '{', rc;
  if (obj && r->ph) {
    if (r->ph != 1) return SIO_EPROTO;
    const sio_buf_t *a = &e->att[r->num];
    if (a->len > UINT32_MAX) return SIO_EMSGSIZE;
    FE_CHECK(msgpack_pack_bin(e->pk, a->len));
    if (a->len) FE_CHECK(msgpack_pack_bin_body(e->pk, a->base, a->len));
    s->i = r->end;
    e->ri = r->next;
    return 0;
  }
  size_t count = r->count;
  e->ri++;
  if (count > UINT32_MAX) return SIO_EMSGSIZE;
  FE_CHECK(obj ? msgpack_pack_map(e->pk, count) : msgpack_pack_array(e->pk, count));
  s->i++;
  for (size_t k = 0; k < count; k++) {
    fj_skip_ws(s);
    if (k) {
      s->i++; /* ',' */
      fj_skip_ws(s);
    }
    if (obj) {
      if ((rc = fe_string(e))) return rc;
      fj_skip_ws(s);
      s->i++; /* ':' */
      fj_skip_ws(s);
    }
    if ((rc = fe_value(e))) return rc;
  }
  fj_skip_ws(s);
  s->i++; /* the closing bracket */
  return 0;
}

static int fe_value(fe_t *e) {
  fj_t *s = e->s;
  switch (s->p[s->i]) {
    case '{':
    case '[':
      return fe_container(e);
    case '"':
      return fe_string(e);
    case 't':
      s->i += 4;
      FE_CHECK(msgpack_pack_true(e->pk));
      return 0;
    case 'f':
      s->i += 5;
      FE_CHECK(msgpack_pack_false(e->pk));
      return 0;
    case 'n':
      s->i += 4;
      FE_CHECK(msgpack_pack_nil(e->pk));
      return 0;
    default:
      return fe_number(e);
  }
}

int sio__rmp_pack_json_depth(msgpack_packer *pk, const char *json, size_t len,
                             const sio_buf_t *att, size_t natt, unsigned max_depth,
                             int list) {
  if (!pk || (!json && len) || (!att && natt)) return SIO_EINVAL;
  if (max_depth == 0 || max_depth > SIO__RMP_MAX_DEPTH) max_depth = SIO__RMP_MAX_DEPTH;
  fj_t s = {json ? json : "", len, 0, NULL, 0, 0, natt, max_depth, 1};
  size_t count;
  int rc = fj_scan(&s, list, &count);
  if (!rc) {
    fe_t e = {&s, pk, att, 0};
    s.i = 0;
    for (size_t k = 0; k < count && !rc; k++) {
      fj_skip_ws(&s);
      if (k) {
        s.i++; /* ',' */
        fj_skip_ws(&s);
      }
      rc = fe_value(&e);
    }
  }
  sio__free(s.recs);
  return rc;
}

int sio__rmp_pack_json(msgpack_packer *pk, const char *json, size_t len,
                       const sio_buf_t *att, size_t natt) {
  return sio__rmp_pack_json_depth(pk, json, len, att, natt, SIO__RMP_JSON_MAX_DEPTH, 0);
}

int sio__rmp_pack_json_list(msgpack_packer *pk, const char *json, size_t len,
                            const sio_buf_t *att, size_t natt) {
  return sio__rmp_pack_json_depth(pk, json, len, att, natt, SIO__RMP_JSON_MAX_DEPTH, 1);
}

int sio__rmp_count_json_list(const char *json, size_t len, size_t *count) {
  if ((!json && len) || !count) return SIO_EINVAL;
  fj_t s = {json ? json : "", len, 0, NULL, 0, 0, 0, SIO__RMP_JSON_MAX_DEPTH, 0};
  return fj_scan(&s, 1, count);
}
