/* Fuzz target: the strict JSON scanner (src/core/json.h), differential
 * against jansson.
 *
 * For any bytes: our verdict must equal jansson's (json_loadb with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL) except for the documented disagreements
 * (tests/unit/test_json.c): valid JSON jansson cannot store (integers beyond
 * int64, reals that overflow, \u0000 in an object key), and jansson's NUL
 * quirk (a NUL byte right after a number or a literal is dropped by its
 * lexer, so "[1\0]" loads as [1]). When both accept, the values must be the
 * same (structure, unescaped strings, numbers), sio__json_write_compact must
 * re-parse and be stable, prefix parsing and the depth limit must agree with
 * the full parse, and the writers must round-trip every string and number. */
#include <jansson.h>

#include "core/json.h"
#include "core/json_jansson.h"
#include "core/rbuf.h"
#include "sio/common.h"

#include "fuzz_common.h"

/* jansson refused for a limit of its storage, not for the grammar, or for a
 * lone surrogate escape (which we accept, as JSON.parse does). */
static int js_jansson_limit(const char *text) {
  return strstr(text, "too big") || strstr(text, "overflow") ||
         strstr(text, "NUL byte in object key") || strstr(text, "invalid Unicode");
}

static int js_is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* jansson's lexer drops a NUL byte it "ungets" after a number or a literal.
 * Returns the input without such NULs (outside strings) in a new buffer, or
 * NULL when there is none. */
static char *js_drop_quirk_nuls(const char *p, size_t n, size_t *out_n) {
  char *o = (char *)fz_dup(p, n);
  size_t k = 0;
  int in_str = 0, found = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (in_str) {
      o[k++] = c;
      if (c == '\\' && i + 1 < n)
        o[k++] = p[++i];
      else if (c == '"')
        in_str = 0;
      continue;
    }
    if (c == '"') in_str = 1;
    if (c == 0 && i > 0) {
      char prev = p[i - 1];
      if ((prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
          (prev >= 'A' && prev <= 'Z')) {
        found = 1;
        continue;
      }
    }
    o[k++] = c;
  }
  if (!found) {
    free(o);
    return NULL;
  }
  *out_n = k;
  return o;
}

/* Writer round trips of one string value (unescaped bytes s[0..n)). */
static void js_check_string_writer(const char *s, size_t n) {
  sio__sb_t sb;
  sio__sb_init(&sb, n + 8);
  FZ_CHECK(sio__json_write_string(&sb, s, n) == 0);
  FZ_CHECK(sb.err == 0);
  sio__json_val_t w;
  const char *t = (const char *)sio__sb_data(&sb);
  size_t tn = sio__sb_len(&sb);
  char *tc = (char *)fz_dup(t, tn);
  FZ_CHECK(sio__json_parse(tc, tn, 1, &w) == 0);
  FZ_CHECK(w.type == SIO_JSON_STRING && w.len == tn);
  FZ_CHECK(sio__json_string_eq(&w, s, n) == 1);
  free(tc);
  sio__sb_reset(&sb);
}

/* Writer round trips of one number value. */
static void js_check_number_writer(const sio__json_val_t *v) {
  double d;
  int64_t i64;
  uint64_t u64;
  int rc = sio__json_get_double(v, &d);
  FZ_CHECK(rc == 0 || rc == SIO_ENOMEM);
  int ri = sio__json_get_int64(v, &i64);
  int ru = sio__json_get_uint64(v, &u64);
  FZ_CHECK(ri == 0 || ri == SIO_EINVAL || ri == SIO_ELIMIT);
  FZ_CHECK(ru == 0 || ru == SIO_EINVAL || ru == SIO_ELIMIT);
  if (v->flags & SIO_JSON_F_FRAC) FZ_CHECK(ri == SIO_EINVAL && ru == SIO_EINVAL);
  if (ri == 0 && i64 >= 0) FZ_CHECK(ru == 0 && u64 == (uint64_t)i64);
  if (ru == 0 && u64 <= INT64_MAX) FZ_CHECK(ri == 0 && (uint64_t)i64 == u64);
  if (ri == 0 && rc == 0) FZ_CHECK(d == (double)i64);

  sio__sb_t sb;
  sio__json_val_t w;
  char *tc;
  if (rc == 0 && d - d == 0) { /* finite: shortest form reads back exactly */
    sio__sb_init(&sb, 32);
    sio__json_write_double(&sb, d);
    FZ_CHECK(sb.err == 0);
    tc = (char *)fz_dup(sio__sb_data(&sb), sio__sb_len(&sb));
    FZ_CHECK(sio__json_parse(tc, sio__sb_len(&sb), 1, &w) == 0);
    FZ_CHECK(w.type == SIO_JSON_NUMBER);
    double d2;
    FZ_CHECK(sio__json_get_double(&w, &d2) == 0 && d2 == d);
    free(tc);
    sio__sb_reset(&sb);
  }
  if (ri == 0) {
    sio__sb_init(&sb, 32);
    sio__json_write_int64(&sb, i64);
    tc = (char *)fz_dup(sio__sb_data(&sb), sio__sb_len(&sb));
    FZ_CHECK(sio__json_parse(tc, sio__sb_len(&sb), 1, &w) == 0);
    int64_t back;
    FZ_CHECK(sio__json_get_int64(&w, &back) == 0 && back == i64);
    free(tc);
    sio__sb_reset(&sb);
  }
}

/* Walks a validated value: iteration, typed reads and writers on every node.
 * Returns the nesting depth (a scalar 0). */
static unsigned js_walk(const sio__json_val_t *v) {
  switch (v->type) {
    case SIO_JSON_STRING: {
      char *buf = malloc(v->len + 1);
      size_t len = 0;
      FZ_CHECK(buf != NULL);
      FZ_CHECK(sio__json_string_copy(v, buf, v->len + 1, &len) == 0);
      FZ_CHECK(len + 2 <= v->len && buf[len] == '\0');
      FZ_CHECK(sio__json_string_eq(v, buf, len) == 1);
      if (len) FZ_CHECK(sio__json_string_eq(v, buf, len - 1) == 0);
      FZ_CHECK(((v->flags & SIO_JSON_F_ESCAPED) != 0) ==
               (memchr(v->p, '\\', v->len) != NULL));
      /* No room for the NUL: must fail cleanly. */
      FZ_CHECK(sio__json_string_copy(v, buf, len, NULL) == SIO_EMSGSIZE);
      js_check_string_writer(buf, len);
      free(buf);
      return 0;
    }
    case SIO_JSON_NUMBER:
      js_check_number_writer(v);
      return 0;
    case SIO_JSON_TRUE:
    case SIO_JSON_FALSE: {
      int b = -1;
      FZ_CHECK(sio__json_get_bool(v, &b) == 0 && b == (v->type == SIO_JSON_TRUE));
      return 0;
    }
    case SIO_JSON_NULL:
      return 0;
    case SIO_JSON_ARRAY:
    case SIO_JSON_OBJECT:
      break;
    default:
      FZ_CHECK(!"bad type");
  }
  sio__json_iter_t it;
  sio__json_val_t key, val;
  unsigned depth = 0;
  int rc;
  FZ_CHECK(sio__json_iter_init(&it, v) == 0);
  while ((rc = sio__json_iter_next(&it, &key, &val)) == 1) {
    FZ_CHECK(val.p >= v->p && val.p + val.len <= v->p + v->len);
    if (v->type == SIO_JSON_OBJECT) {
      FZ_CHECK(key.type == SIO_JSON_STRING);
      FZ_CHECK(key.p > v->p && key.p + key.len < val.p);
      js_walk(&key);
    }
    unsigned d = js_walk(&val);
    if (d > depth) depth = d;
  }
  FZ_CHECK(rc == 0);
  return depth + 1;
}

/* Compares our value with jansson's. strict: numbers must also have the same
 * kind (an integer spelling <-> a jansson integer). */
static void js_compare(const sio__json_val_t *v, const json_t *j, int strict) {
  switch (v->type) {
    case SIO_JSON_STRING: {
      FZ_CHECK(json_is_string(j));
      FZ_CHECK(sio__json_string_eq(v, json_string_value(j), json_string_length(j)) == 1);
      return;
    }
    case SIO_JSON_NUMBER: {
      double d;
      FZ_CHECK(json_is_number(j));
      if (json_is_integer(j)) {
        int64_t i;
        if (strict) {
          FZ_CHECK(!(v->flags & SIO_JSON_F_FRAC));
          FZ_CHECK(sio__json_get_int64(v, &i) == 0 && i == json_integer_value(j));
        } else if (sio__json_get_int64(v, &i) == 0) {
          FZ_CHECK(i == json_integer_value(j));
        } else {
          FZ_CHECK(sio__json_get_double(v, &d) == 0 &&
                   d == (double)json_integer_value(j));
        }
      } else {
        if (strict) FZ_CHECK(v->flags & SIO_JSON_F_FRAC);
        FZ_CHECK(sio__json_get_double(v, &d) == 0 && d == json_real_value(j));
      }
      return;
    }
    case SIO_JSON_TRUE:
      FZ_CHECK(json_is_true(j));
      return;
    case SIO_JSON_FALSE:
      FZ_CHECK(json_is_false(j));
      return;
    case SIO_JSON_NULL:
      FZ_CHECK(json_is_null(j));
      return;
    case SIO_JSON_ARRAY: {
      sio__json_iter_t it;
      sio__json_val_t val;
      size_t k = 0;
      FZ_CHECK(json_is_array(j));
      FZ_CHECK(sio__json_iter_init(&it, v) == 0);
      while (sio__json_iter_next(&it, NULL, &val) == 1) {
        FZ_CHECK(k < json_array_size(j));
        js_compare(&val, json_array_get(j, k), strict);
        k++;
      }
      FZ_CHECK(k == json_array_size(j));
      return;
    }
    case SIO_JSON_OBJECT: {
      sio__json_iter_t it;
      sio__json_val_t key, val, got;
      size_t members = 0;
      FZ_CHECK(json_is_object(j));
      FZ_CHECK(sio__json_iter_init(&it, v) == 0);
      while (sio__json_iter_next(&it, &key, &val) == 1) members++;
      FZ_CHECK(json_object_size(j) <= members);
      if (members > 64) return; /* quadratic below: keep executions fast */
      /* Same key set, and the last duplicate wins on both sides. */
      const char *jk;
      size_t jkl;
      json_t *jv;
      json_object_keylen_foreach((json_t *)j, jk, jkl, jv) {
        FZ_CHECK(sio__json_object_get(v, jk, jkl, &got) == 1);
        js_compare(&got, jv, strict);
      }
      FZ_CHECK(sio__json_iter_init(&it, v) == 0);
      while (sio__json_iter_next(&it, &key, &val) == 1) {
        char *kb = malloc(key.len + 1);
        size_t kl;
        FZ_CHECK(kb != NULL);
        FZ_CHECK(sio__json_string_copy(&key, kb, key.len + 1, &kl) == 0);
        FZ_CHECK(json_object_getn(j, kb, kl) != NULL);
        free(kb);
      }
      return;
    }
    default:
      FZ_CHECK(!"bad type");
  }
}

/* Compact writer: re-parses, has no whitespace, is stable, and is the same
 * value as jansson's j (when given). */
static void js_check_compact(const sio__json_val_t *v, const json_t *j) {
  sio__sb_t sb, sb2;
  sio__json_val_t w;
  sio__sb_init(&sb, v->len);
  sio__json_write_compact(&sb, v);
  FZ_CHECK(sb.err == 0);
  size_t n = sio__sb_len(&sb);
  char *c = (char *)fz_dup(sio__sb_data(&sb), n);
  FZ_CHECK(n <= v->len);
  if (!(v->flags & SIO_JSON_F_SPACE)) FZ_CHECK(n == v->len && memcmp(c, v->p, n) == 0);
  FZ_CHECK(sio__json_parse(c, n, SIO_JSON_DEPTH_MAX, &w) == 0);
  FZ_CHECK(w.p == c && w.len == n && w.type == v->type);
  FZ_CHECK(!(w.flags & SIO_JSON_F_SPACE));
  for (size_t i = 0; i < n; i++) {
    /* Whitespace can only be left inside strings, where it is escaped
     * except the space itself. */
    FZ_CHECK(c[i] != '\t' && c[i] != '\n' && c[i] != '\r');
  }
  sio__sb_init(&sb2, n);
  sio__json_write_compact(&sb2, &w);
  FZ_CHECK(sb2.err == 0);
  FZ_CHECK(sio__sb_len(&sb2) == n && memcmp(sio__sb_data(&sb2), c, n) == 0);
  if (j) js_compare(&w, j, 1); /* the same value as the original */
  free(c);
  sio__sb_reset(&sb);
  sio__sb_reset(&sb2);
}

/* jansson value -> our writer -> our parser: the same value again. */
static void js_check_jansson_writer(const json_t *j) {
  sio__sb_t sb;
  sio__json_val_t w;
  sio__sb_init(&sb, 64);
  int rc = sio__json_write_jansson(&sb, j, SIO_JSON_DEPTH_MAX);
  FZ_CHECK(rc == 0);
  size_t n = sio__sb_len(&sb);
  char *c = (char *)fz_dup(sio__sb_data(&sb), n);
  FZ_CHECK(sio__json_parse(c, n, SIO_JSON_DEPTH_MAX, &w) == 0);
  FZ_CHECK(!(w.flags & SIO_JSON_F_SPACE));
  js_compare(&w, j, 0);
  free(c);
  sio__sb_reset(&sb);
}

/* Iterating a span that was never validated: the header promises no read
 * outside it (results may be nonsense). Children are iterated too, within a
 * budget; every step must make progress. */
static void js_iter_garbage(const sio__json_val_t *v, const char *lo, const char *hi,
                            int depth, size_t *budget) {
  sio__json_iter_t it;
  sio__json_val_t key, val;
  if (sio__json_iter_init(&it, v)) return;
  size_t steps = 0;
  while (*budget > 0 && sio__json_iter_next(&it, &key, &val) == 1) {
    (*budget)--;
    FZ_CHECK(++steps <= v->len); /* no step without progress */
    FZ_CHECK(val.p >= lo && val.p + val.len <= hi);
    if (v->type == SIO_JSON_OBJECT) FZ_CHECK(key.p >= lo && key.p + key.len <= hi);
    if (depth < 8 && (val.type == SIO_JSON_ARRAY || val.type == SIO_JSON_OBJECT))
      js_iter_garbage(&val, lo, hi, depth + 1, budget);
  }
}

static int fuzz_json(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  char *c = (char *)fz_dup(data, size);
  sio__json_val_t v, pv;
  size_t used = 0;

  int rc = sio__json_parse(c, size, 2048, &v);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO || rc == SIO_ELIMIT);
  int prc = sio__json_parse_prefix(c, size, 2048, &pv, &used);
  FZ_CHECK(prc == 0 || prc == SIO_EPROTO || prc == SIO_ELIMIT);
  if (prc == 0) {
    FZ_CHECK(used <= size && pv.p >= c && pv.p + pv.len == c + used && pv.len > 0);
    size_t k = used;
    while (k < size && js_is_ws(c[k])) k++;
    /* Value then only whitespace <=> the full parse accepts. */
    FZ_CHECK((k == size) == (rc == 0));
  } else {
    FZ_CHECK(rc == prc);
  }
  if (rc == 0) {
    FZ_CHECK(pv.p == v.p && pv.len == v.len && pv.type == v.type && pv.flags == v.flags);
    FZ_CHECK(v.p >= c && v.p + v.len <= c + size && v.len > 0);
  }

  /* Differential verdict. */
  json_error_t err;
  json_t *j = json_loadb(c, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  /* The bridge is jansson with the same flags. */
  json_t *b = sio__json_to_jansson(c, size);
  FZ_CHECK((b != NULL) == (j != NULL));
  json_decref(b);
  if (rc == 0 && !j) {
    if (!js_jansson_limit(err.text)) {
      fprintf(stderr, "jansson refuses what we accept: %s\n", err.text);
      FZ_CHECK(!"verdicts differ (ours valid)");
    }
  } else if (rc != 0 && j) {
    size_t n2 = 0;
    char *d = js_drop_quirk_nuls(c, size, &n2);
    int quirk = d && sio__json_parse(d, n2, 2048, NULL) == 0;
    free(d);
    if (!quirk) FZ_CHECK(!"verdicts differ (jansson valid)");
    json_decref(j);
    j = NULL;
  }

  if (rc == 0) {
    unsigned depth = js_walk(&v);
    /* The depth limit is exact. */
    if (depth >= 2) {
      FZ_CHECK(sio__json_parse(c, size, depth, NULL) == 0);
      FZ_CHECK(sio__json_parse(c, size, depth - 1, NULL) == SIO_ELIMIT);
    }
    if (j) js_compare(&v, j, 1);
    js_check_compact(&v, j);
    if (j) js_check_jansson_writer(j);
  }
  json_decref(j);

  if (size >= 2) {
    sio__json_val_t g = {c, size, c[0] == '{' ? SIO_JSON_OBJECT : SIO_JSON_ARRAY, 0};
    size_t budget = 4 * size + 16;
    js_iter_garbage(&g, c, c + size, 0, &budget);
  }
  free(c);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_json(data, size);
}
#endif
