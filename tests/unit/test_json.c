/* Unit tests for src/core/json: strict validation (checked against jansson),
 * spans and iteration, typed reads, the compact writer, the jansson bridge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/json.h"
#include "core/json_jansson.h"
#include "core/rbuf.h"
#include "sio/common.h"
#include "support/vectors.h"

/* An exact-size heap copy, so ASan catches any read past the end. */
static char *dup_exact(const char *s, size_t n) {
  char *p = malloc(n ? n : 1);
  assert_non_null(p);
  if (n) memcpy(p, s, n);
  return p;
}

static int parse_n(const char *s, size_t n, unsigned depth, sio__json_val_t *v) {
  char *c = dup_exact(s, n);
  int rc = sio__json_parse(c, n, depth, v);
  if (v && rc == 0) v->p = s + (v->p - c); /* keep spans meaningful after free */
  free(c);
  return rc;
}

static int parse(const char *s, sio__json_val_t *v) {
  return parse_n(s, strlen(s), 0, v);
}

/* 1 if jansson accepts; *big = 1 when it refused a number it cannot store. */
static int jansson_ok(const char *s, size_t n, int *big) {
  json_error_t err;
  json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  *big = 0;
  if (j) {
    json_decref(j);
    return 1;
  }
  /* Limits of jansson's storage, not of the grammar; and lone surrogate
   * escapes, which we accept as JSON.parse does. */
  *big = strstr(err.text, "too big") || strstr(err.text, "overflow") ||
         strstr(err.text, "NUL byte in object key") ||
         strstr(err.text, "invalid Unicode");
  return 0;
}

/* The validity table: tests/vectors/json_validity.txt, loaded by main. */
struct doc {
  const char *s;
  size_t n;
  int valid;
  int jansson_big; /* valid JSON that jansson cannot store or refuses */
};
static struct doc *docs;
static size_t NDOCS;
static vec_file_t doc_file;

static int load_docs(void) {
  if (vec_load("json_validity.txt", &doc_file)) return -1;
  docs = calloc(doc_file.n, sizeof(*docs));
  if (!docs) return -1;
  for (size_t i = 0; i < doc_file.n; i++) {
    const vec_line_t *l = &doc_file.lines[i];
    const vec_field_t *f = vec_field(l, 1);
    docs[i].s = f->data;
    docs[i].n = f->len;
    docs[i].jansson_big = vec_is(l, 0, "big");
    docs[i].valid = docs[i].jansson_big || vec_is(l, 0, "valid");
    if (!docs[i].valid && !vec_is(l, 0, "invalid")) {
      fprintf(stderr, "json_validity.txt:%d: valid, invalid or big?\n", l->lineno);
      return -1;
    }
  }
  NDOCS = doc_file.n;
  return 0;
}

static void test_validity_table(void **state) {
  for (size_t i = 0; i < NDOCS; i++) {
    const struct doc *d = &docs[i];
    int rc = parse_n(d->s, d->n, 2048, NULL);
    int big;
    if ((rc == 0) != d->valid) fail_msg("doc %zu [%.*s]: rc %d", i, (int)d->n, d->s, rc);
    if (!d->valid) assert_int_equal(rc, SIO_EPROTO);
    int j = jansson_ok(d->s, d->n, &big);
    if (d->jansson_big)
      assert_true(!j && big);
    else if (j != d->valid)
      fail_msg("jansson disagrees on doc %zu [%.*s]", i, (int)d->n, d->s);
  }
}

/* Every prefix of every document, at its exact size: no read past the end
 * (ASan), and a proper prefix of a string or container is never valid. */
static void test_prefixes(void **state) {
  for (size_t i = 0; i < NDOCS; i++) {
    const struct doc *d = &docs[i];
    for (size_t k = 0; k < d->n; k++) {
      sio__json_val_t v;
      size_t used;
      int rc = parse_n(d->s, k, 64, &v);
      char *c = dup_exact(d->s, k);
      (void)sio__json_parse_prefix(c, k, 64, &v, &used);
      free(c);
      if (d->valid && strchr("[{\"", d->s[0]) && strchr("]}\"", d->s[d->n - 1]))
        assert_int_equal(rc, SIO_EPROTO);
    }
  }
}

static char *nest(const char *open, const char *inner, const char *close, int levels) {
  size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
  char *s = malloc(levels * (lo + lc) + li + 1);
  char *p = s;
  for (int i = 0; i < levels; i++, p += lo) memcpy(p, open, lo);
  memcpy(p, inner, li);
  p += li;
  for (int i = 0; i < levels; i++, p += lc) memcpy(p, close, lc);
  *p = 0;
  return s;
}

static void test_depth(void **state) {
  sio__json_val_t v;
  char *s = nest("[", "", "]", 32);
  assert_int_equal(parse_n(s, strlen(s), 32, &v), 0);
  assert_int_equal(parse_n(s, strlen(s), 31, &v), SIO_ELIMIT);
  assert_int_equal(parse_n(s, strlen(s), 0, &v), 0); /* 0 = default 32 */
  free(s);
  s = nest("[", "", "]", 33);
  assert_int_equal(parse_n(s, strlen(s), 32, &v), SIO_ELIMIT);
  assert_int_equal(parse_n(s, strlen(s), 0, &v), SIO_ELIMIT);
  free(s);
  s = nest("{\"a\":", "1", "}", 32);
  assert_int_equal(parse_n(s, strlen(s), 32, &v), 0);
  free(s);
  s = nest("{\"a\":[", "1", "]}", 17); /* 34 levels */
  assert_int_equal(parse_n(s, strlen(s), 32, &v), SIO_ELIMIT);
  assert_int_equal(parse_n(s, strlen(s), 34, &v), 0);
  free(s);
  /* Scalars have depth 0; a limit of 1 allows one container. */
  assert_int_equal(parse_n("1", 1, 1, &v), 0);
  assert_int_equal(parse_n("[1]", 3, 1, &v), 0);
  assert_int_equal(parse_n("[[1]]", 5, 1, &v), SIO_ELIMIT);
  /* Siblings do not add depth. */
  assert_int_equal(parse_n("[[],[],{}]", 10, 2, &v), 0);
  /* Agreement with jansson at its own bound (2048), and our clamp (4096). */
  int big;
  s = nest("[", "", "]", 2048);
  assert_int_equal(parse_n(s, strlen(s), 2048, &v), 0);
  assert_true(jansson_ok(s, strlen(s), &big));
  free(s);
  s = nest("[", "", "]", 2049);
  assert_int_equal(parse_n(s, strlen(s), 2048, &v), SIO_ELIMIT);
  assert_false(jansson_ok(s, strlen(s), &big));
  free(s);
  s = nest("[", "", "]", 4097);
  assert_int_equal(parse_n(s, strlen(s), 100000, &v), SIO_ELIMIT);
  free(s);
  s = nest("[", "", "]", 4096);
  assert_int_equal(parse_n(s, strlen(s), 100000, &v), 0);
  free(s);
}

static void test_spans_and_flags(void **state) {
  sio__json_val_t v;
  assert_int_equal(parse("  [1, 2]\n", &v), 0);
  assert_int_equal(v.type, SIO_JSON_ARRAY);
  assert_int_equal(v.len, 6);
  assert_memory_equal(v.p, "[1, 2]", 6);
  assert_true(v.flags & SIO_JSON_F_SPACE);
  assert_int_equal(parse("[1,2]", &v), 0);
  assert_int_equal(v.flags, 0);
  assert_int_equal(parse("\"a\\nb\"", &v), 0);
  assert_int_equal(v.type, SIO_JSON_STRING);
  assert_int_equal(v.flags, SIO_JSON_F_ESCAPED);
  assert_int_equal(parse(" \"ab\" ", &v), 0);
  assert_int_equal(v.flags, 0);
  assert_int_equal(v.len, 4);
  assert_int_equal(parse("-1.5", &v), 0);
  assert_int_equal(v.type, SIO_JSON_NUMBER);
  assert_int_equal(v.flags, SIO_JSON_F_FRAC);
  assert_int_equal(parse("15", &v), 0);
  assert_int_equal(v.flags, 0);
  assert_int_equal(parse("2E3", &v), 0);
  assert_int_equal(v.flags, SIO_JSON_F_FRAC);
  assert_int_equal(parse("true", &v), 0);
  assert_int_equal(v.type, SIO_JSON_TRUE);
  assert_int_equal(parse("false", &v), 0);
  assert_int_equal(v.type, SIO_JSON_FALSE);
  assert_int_equal(parse("null", &v), 0);
  assert_int_equal(v.type, SIO_JSON_NULL);
  assert_int_equal(parse("{ }", &v), 0);
  assert_int_equal(v.type, SIO_JSON_OBJECT);
  assert_true(v.flags & SIO_JSON_F_SPACE);
  /* A string containing a space is not "space between tokens". */
  assert_int_equal(parse("[\"a b\"]", &v), 0);
  assert_int_equal(v.flags, 0);
  assert_int_equal(sio__json_parse(NULL, 0, 0, &v), SIO_EPROTO);
}

static void test_prefix_mode(void **state) {
  sio__json_val_t v;
  size_t used;
  assert_int_equal(sio__json_parse_prefix("12ab", 4, 0, &v, &used), 0);
  assert_int_equal(used, 2);
  assert_int_equal(v.type, SIO_JSON_NUMBER);
  assert_int_equal(sio__json_parse_prefix(" {\"a\":1} rest", 13, 0, &v, &used), 0);
  assert_int_equal(used, 8);
  assert_int_equal(v.len, 7);
  assert_int_equal(sio__json_parse_prefix("[1]]", 4, 0, &v, &used), 0);
  assert_int_equal(used, 3);
  assert_int_equal(sio__json_parse("[1]]", 4, 0, &v), SIO_EPROTO);
  assert_int_equal(sio__json_parse_prefix("truex", 5, 0, &v, &used), 0);
  assert_int_equal(used, 4);
  assert_int_equal(sio__json_parse_prefix("\"a\"\"b\"", 6, 0, &v, &used), 0);
  assert_int_equal(used, 3);
  assert_int_equal(sio__json_parse_prefix("[1,", 3, 0, &v, &used), SIO_EPROTO);
  assert_int_equal(sio__json_parse_prefix("  ", 2, 0, &v, &used), SIO_EPROTO);
  assert_int_equal(sio__json_parse_prefix("1.", 2, 0, &v, &used), SIO_EPROTO);
}

static void test_iterate_array(void **state) {
  const char *s = "[ \"a\\\"]\" , 1.5e3,{\"k\":[1,2]} ,[ ],true,false,null,-0 ]";
  sio__json_val_t v, e;
  sio__json_iter_t it;
  assert_int_equal(parse(s, &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), 0);
  static const struct {
    int type;
    const char *text;
    int flags;
  } want[] = {{SIO_JSON_STRING, "\"a\\\"]\"", SIO_JSON_F_ESCAPED},
              {SIO_JSON_NUMBER, "1.5e3", SIO_JSON_F_FRAC},
              {SIO_JSON_OBJECT, "{\"k\":[1,2]}", 0},
              {SIO_JSON_ARRAY, "[ ]", SIO_JSON_F_SPACE},
              {SIO_JSON_TRUE, "true", 0},
              {SIO_JSON_FALSE, "false", 0},
              {SIO_JSON_NULL, "null", 0},
              {SIO_JSON_NUMBER, "-0", 0}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    assert_int_equal(sio__json_iter_next(&it, NULL, &e), 1);
    assert_int_equal(e.type, want[i].type);
    assert_int_equal(e.len, strlen(want[i].text));
    assert_memory_equal(e.p, want[i].text, e.len);
    assert_int_equal(e.flags, want[i].flags);
  }
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 0);

  assert_int_equal(parse("[]", &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 0);
  assert_int_equal(parse("[ \n ]", &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 0);
  assert_int_equal(parse("\"x\"", &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), SIO_EINVAL);
  /* Nested strings holding brackets and escaped quotes are skipped whole. */
  assert_int_equal(parse("[[\"]\\\\\",\"[\\\"\"],2]", &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 1);
  assert_int_equal(e.type, SIO_JSON_ARRAY);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 1);
  assert_memory_equal(e.p, "2", 1);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 0);
}

static void test_iterate_object(void **state) {
  const char *s = "{ \"a\" : 1 , \"b\\u0063\":{\"x\":[]},\"\":\"\", \"a\":[true] }";
  sio__json_val_t v, k, e;
  sio__json_iter_t it;
  assert_int_equal(parse(s, &v), 0);
  assert_int_equal(sio__json_iter_init(&it, &v), 0);
  assert_int_equal(sio__json_iter_next(&it, &k, &e), 1);
  assert_true(sio__json_string_eq(&k, "a", 1));
  assert_memory_equal(e.p, "1", 1);
  assert_int_equal(sio__json_iter_next(&it, &k, &e), 1);
  assert_true(sio__json_string_eq(&k, "bc", 2));
  assert_int_equal(k.flags, SIO_JSON_F_ESCAPED);
  assert_int_equal(e.type, SIO_JSON_OBJECT);
  assert_int_equal(sio__json_iter_next(&it, &k, &e), 1);
  assert_true(sio__json_string_eq(&k, "", 0));
  assert_int_equal(e.type, SIO_JSON_STRING);
  assert_int_equal(sio__json_iter_next(&it, NULL, &e), 1); /* key may be NULL */
  assert_int_equal(e.type, SIO_JSON_ARRAY);
  assert_int_equal(sio__json_iter_next(&it, &k, &e), 0);

  /* Lookup: the last duplicate wins, keys compared unescaped. */
  assert_int_equal(sio__json_object_get(&v, "a", 1, &e), 1);
  assert_int_equal(e.len, 6);
  assert_memory_equal(e.p, "[true]", 6);
  assert_int_equal(sio__json_object_get(&v, "bc", 2, &e), 1);
  assert_int_equal(sio__json_object_get(&v, "b", 1, &e), 0);
  assert_int_equal(sio__json_object_get(&v, "x", 1, &e), 0);
  assert_int_equal(parse("[1]", &v), 0);
  assert_int_equal(sio__json_object_get(&v, "a", 1, &e), SIO_EINVAL);
}

/* The iterator on unvalidated bytes must stay inside its span. */
static void test_iterate_garbage(void **state) {
  static const char *bad[] = {"[1 2]", "[\"abc]", "{\"a\" 1}", "{\"a\":}", "[,]",
                              "{1:2}", "[tru]",   "[\"\\",     "{\"a",     "[[[]"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    size_t n = strlen(bad[i]);
    char *c = dup_exact(bad[i], n);
    sio__json_val_t v = {c, n, c[0] == '{' ? SIO_JSON_OBJECT : SIO_JSON_ARRAY, 0}, k, e;
    sio__json_iter_t it;
    assert_int_equal(sio__json_iter_init(&it, &v), 0);
    for (int j = 0; j < 10 && sio__json_iter_next(&it, &k, &e) == 1; j++) {
      assert_true(e.p >= c && e.p + e.len <= c + n);
    }
    free(c);
  }
}

static void test_string_reads(void **state) {
  sio__json_val_t v;
  char buf[64];
  size_t len;
  assert_int_equal(
      parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\uD83D\\uDE00z\"", &v),
      0);
  assert_int_equal(sio__json_string_copy(&v, buf, sizeof(buf), &len), 0);
  const char want[] = "a\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
  assert_int_equal(len, sizeof(want) - 1);
  assert_memory_equal(buf, want, len);
  assert_int_equal(buf[len], 0);
  assert_true(sio__json_string_eq(&v, want, sizeof(want) - 1));
  assert_false(sio__json_string_eq(&v, want, sizeof(want) - 2));
  assert_false(sio__json_string_eq(&v, "a\"", 2));
  /* Exactly enough room (len + NUL), then one byte short. */
  assert_int_equal(sio__json_string_copy(&v, buf, len + 1, &len), 0);
  assert_int_equal(sio__json_string_copy(&v, buf, len, NULL), SIO_EMSGSIZE);
  assert_int_equal(sio__json_string_copy(&v, buf, 3, NULL), SIO_EMSGSIZE);
  assert_int_equal(sio__json_string_copy(&v, buf, 0, NULL), SIO_EMSGSIZE);

  /* \u0000 keeps its NUL inside the length. */
  assert_int_equal(parse("\"a\\u0000b\"", &v), 0);
  assert_int_equal(sio__json_string_copy(&v, buf, sizeof(buf), &len), 0);
  assert_int_equal(len, 3);
  assert_memory_equal(buf, "a\0b", 3);
  assert_true(sio__json_string_eq(&v, "a\0b", 3));

  /* Plain string: eq is a memcmp. */
  assert_int_equal(parse("\"hello\"", &v), 0);
  assert_true(sio__json_string_eq(&v, "hello", 5));
  assert_false(sio__json_string_eq(&v, "hell", 4));
  assert_false(sio__json_string_eq(&v, "hellO", 5));
  assert_int_equal(parse("\"\"", &v), 0);
  assert_true(sio__json_string_eq(&v, "", 0));
  assert_int_equal(sio__json_string_copy(&v, buf, 1, &len), 0);
  assert_int_equal(len, 0);

  /* Append to a builder. */
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  assert_int_equal(parse("\"x\\ty\"", &v), 0);
  assert_int_equal(sio__json_string_append(&v, &sb), 0);
  assert_int_equal(parse("\"\\u00e9\"", &v), 0);
  assert_int_equal(sio__json_string_append(&v, &sb), 0);
  assert_int_equal(sio__sb_len(&sb), 5);
  assert_memory_equal(sio__sb_data(&sb), "x\ty\xc3\xa9", 5);
  assert_int_equal(parse("1", &v), 0);
  assert_int_equal(sio__json_string_append(&v, &sb), SIO_EINVAL);
  assert_int_equal(sio__json_string_copy(&v, buf, sizeof(buf), NULL), SIO_EINVAL);
  assert_false(sio__json_string_eq(&v, "1", 1));
  sio__sb_reset(&sb);
}

/* Lone surrogate escapes read as U+FFFD; a pair still reads as one code point. */
static void test_lone_surrogates(void **state) {
  static const struct {
    const char *json, *want;
  } t[] = {
      {"\"a\\uD800b\"", "a\xef\xbf\xbd"
                        "b"},
      {"\"\\uDC00\"", "\xef\xbf\xbd"},
      {"\"\\uD800\\uD800\"", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"\"\\uDE00\\uD83D\\uDE00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80"},
      {"\"\\uD800\\u0041\"", "\xef\xbf\xbd"
                             "A"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    sio__json_val_t v;
    assert_int_equal(parse(t[i].json, &v), 0);
    char buf[32];
    size_t len;
    assert_int_equal(sio__json_string_copy(&v, buf, sizeof buf, &len), 0);
    assert_int_equal(len, strlen(t[i].want));
    assert_memory_equal(buf, t[i].want, len);
  }
}

static void test_number_reads(void **state) {
  static const struct {
    const char *s;
    int rc;
    int64_t v;
  } i64[] = {{"0", 0, 0},
             {"-0", 0, 0},
             {"42", 0, 42},
             {"-42", 0, -42},
             {"9223372036854775807", 0, INT64_MAX},
             {"-9223372036854775808", 0, INT64_MIN},
             {"9223372036854775808", SIO_ELIMIT, 0},
             {"-9223372036854775809", SIO_ELIMIT, 0},
             {"99999999999999999999999", SIO_ELIMIT, 0},
             {"1.0", SIO_EINVAL, 0},
             {"1e2", SIO_EINVAL, 0},
             {"1E2", SIO_EINVAL, 0},
             {"\"1\"", SIO_EINVAL, 0},
             {"true", SIO_EINVAL, 0}};
  for (size_t i = 0; i < sizeof(i64) / sizeof(i64[0]); i++) {
    sio__json_val_t v;
    int64_t out = 7;
    assert_int_equal(parse(i64[i].s, &v), 0);
    assert_int_equal(sio__json_get_int64(&v, &out), i64[i].rc);
    if (i64[i].rc == 0) assert_true(out == i64[i].v);
  }
  sio__json_val_t v;
  uint64_t u;
  assert_int_equal(parse("18446744073709551615", &v), 0);
  assert_int_equal(sio__json_get_uint64(&v, &u), 0);
  assert_true(u == UINT64_MAX);
  assert_int_equal(parse("18446744073709551616", &v), 0);
  assert_int_equal(sio__json_get_uint64(&v, &u), SIO_ELIMIT);
  assert_int_equal(parse("-1", &v), 0);
  assert_int_equal(sio__json_get_uint64(&v, &u), SIO_EINVAL);
  assert_int_equal(parse("-0", &v), 0);
  assert_int_equal(sio__json_get_uint64(&v, &u), 0);
  assert_true(u == 0);

  static const struct {
    const char *s;
    double v;
  } dbl[] = {{"0", 0.0},
             {"0.1", 0.1},
             {"-2.5", -2.5},
             {"1e2", 100.0},
             {"1E-2", 0.01},
             {"123.456e-1", 12.3456},
             {"1e-400", 0.0},
             {"5e-324", 5e-324},
             {"1.7976931348623157e308", 1.7976931348623157e308},
             {"0.30000000000000004", 0.30000000000000004},
             {"100000000000000000000", 1e20}};
  for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
    double d;
    assert_int_equal(parse(dbl[i].s, &v), 0);
    assert_int_equal(sio__json_get_double(&v, &d), 0);
    assert_true(d == dbl[i].v);
  }
  double d;
  assert_int_equal(parse("1e400", &v), 0);
  assert_int_equal(sio__json_get_double(&v, &d), 0);
  assert_true(isinf(d) && d > 0);
  assert_int_equal(parse("-1e99999999999999999999", &v), 0);
  assert_int_equal(sio__json_get_double(&v, &d), 0);
  assert_true(isinf(d) && d < 0);
  assert_int_equal(parse("-0", &v), 0);
  assert_int_equal(sio__json_get_double(&v, &d), 0);
  assert_true(d == 0 && signbit(d));
  assert_int_equal(parse("null", &v), 0);
  assert_int_equal(sio__json_get_double(&v, &d), SIO_EINVAL);
  /* A long number goes through a heap copy. */
  char big[400];
  big[0] = '0';
  big[1] = '.';
  memset(big + 2, '0', 300);
  memcpy(big + 302, "15e301", 7);
  assert_int_equal(parse(big, &v), 0);
  assert_int_equal(sio__json_get_double(&v, &d), 0);
  assert_true(d == 1.5);

  int b;
  assert_int_equal(parse("true", &v), 0);
  assert_int_equal(sio__json_get_bool(&v, &b), 0);
  assert_int_equal(b, 1);
  assert_int_equal(parse("false", &v), 0);
  assert_int_equal(sio__json_get_bool(&v, &b), 0);
  assert_int_equal(b, 0);
  assert_int_equal(parse("null", &v), 0);
  assert_int_equal(sio__json_get_bool(&v, &b), SIO_EINVAL);
}

static void expect_sb(sio__sb_t *sb, const char *want) {
  assert_int_equal(sb->err, 0);
  if (sio__sb_len(sb) != strlen(want) || memcmp(sio__sb_data(sb), want, strlen(want)))
    fail_msg("got [%.*s] want [%s]", (int)sio__sb_len(sb), (const char *)sio__sb_data(sb),
             want);
  sio__sb_reset(sb);
}

static void test_write_string(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  assert_int_equal(sio__json_write_string(&sb, "", 0), 0);
  expect_sb(&sb, "\"\"");
  assert_int_equal(sio__json_write_string(&sb, "plain text", 10), 0);
  expect_sb(&sb, "\"plain text\"");
  const char ctl[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\x00z";
  assert_int_equal(sio__json_write_string(&sb, ctl, sizeof(ctl) - 1), 0);
  expect_sb(&sb, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\\u0000z\"");
  /* UTF-8 passes through, U+2028/U+2029 included (as JSON.stringify). */
  const char u[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xe2\x80\xa9";
  assert_int_equal(sio__json_write_string(&sb, u, sizeof(u) - 1), 0);
  expect_sb(&sb, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xe2\x80\xa9\"");
  /* Invalid UTF-8: error and nothing appended (earlier content kept). */
  sio__sb_puts(&sb, "keep");
  static const char *bad[] = {
      "\xff", "a\xc3", "\xed\xa0\x80", "\xc0\x80", "x\xf4\x90\x80\x80", "\x80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(sio__json_write_string(&sb, bad[i], strlen(bad[i])), SIO_EILSEQ);
  expect_sb(&sb, "keep");
}

/* What we write must read back to the same bytes (valid UTF-8 inputs). */
static void test_write_string_roundtrip(void **state) {
  uint32_t seed = 12345;
  char in[64], out[512];
  static const char *pieces[] = {
      "a",    "\"",   "\\",       "\n",           "\x01",
      "\x1f", " ",    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
      "/",    "\x7f", "\0"};
  for (int iter = 0; iter < 2000; iter++) {
    size_t n = 0;
    for (int k = 0; k < 12; k++) {
      seed = seed * 1103515245u + 12345u;
      const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
      size_t pl = p[0] ? strlen(p) : 1;
      memcpy(in + n, p, pl);
      n += pl;
    }
    sio__sb_t sb;
    sio__sb_init(&sb, 0);
    assert_int_equal(sio__json_write_string(&sb, in, n), 0);
    sio__json_val_t v;
    assert_int_equal(parse_n((const char *)sio__sb_data(&sb), sio__sb_len(&sb), 0, &v),
                     0);
    v.p = (const char *)sio__sb_data(&sb);
    size_t len;
    assert_int_equal(sio__json_string_copy(&v, out, sizeof(out), &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, in, n);
    assert_true(sio__json_string_eq(&v, in, n));
    sio__sb_reset(&sb);
  }
}

static void test_write_numbers(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__json_write_int64(&sb, 0);
  expect_sb(&sb, "0");
  sio__json_write_int64(&sb, INT64_MIN);
  expect_sb(&sb, "-9223372036854775808");
  sio__json_write_int64(&sb, INT64_MAX);
  expect_sb(&sb, "9223372036854775807");
  sio__json_write_int64(&sb, -7);
  expect_sb(&sb, "-7");
  sio__json_write_uint64(&sb, UINT64_MAX);
  expect_sb(&sb, "18446744073709551615");

  /* Expected strings are what JavaScript's String(x) prints. */
  static const struct {
    double d;
    const char *s;
  } t[] = {{1, "1"},
           {-1, "-1"},
           {0.1, "0.1"},
           {0.5, "0.5"},
           {-0.0, "0"},
           {0.0, "0"},
           {1.5, "1.5"},
           {100, "100"},
           {123.456, "123.456"},
           {0.1 + 0.2, "0.30000000000000004"},
           {1e21, "1e+21"},
           {1e20, "100000000000000000000"},
           {123456789012345680000.0, "123456789012345680000"},
           {1.5e-7, "1.5e-7"},
           {1e-6, "0.000001"},
           {1e-7, "1e-7"},
           {0.000123, "0.000123"},
           {5e-324, "5e-324"},
           {1.7976931348623157e308, "1.7976931348623157e+308"},
           {2.5e300, "2.5e+300"},
           {-1.2345e-300, "-1.2345e-300"},
           {9007199254740993.0, "9007199254740992"},
           {3.141592653589793, "3.141592653589793"},
           {1.0 / 3.0, "0.3333333333333333"},
           {2.0 / 3.0, "0.6666666666666666"},
           {4.35, "4.35"},
           {0.000001234, "0.000001234"},
           {1e100, "1e+100"},
           {12e20, "1.2e+21"}};
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    sio__json_write_double(&sb, t[i].d);
    expect_sb(&sb, t[i].s);
  }
  sio__json_write_double(&sb, NAN);
  expect_sb(&sb, "null");
  sio__json_write_double(&sb, INFINITY);
  expect_sb(&sb, "null");
  sio__json_write_double(&sb, -INFINITY);
  expect_sb(&sb, "null");

  /* Round trip through our reader for a spread of values. */
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 3000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof(d));
    if (!isfinite(d) || d == 0) continue;
    sio__json_write_double(&sb, d);
    sio__json_val_t v;
    assert_int_equal(parse_n((const char *)sio__sb_data(&sb), sio__sb_len(&sb), 0, &v),
                     0);
    v.p = (const char *)sio__sb_data(&sb);
    double back;
    assert_int_equal(sio__json_get_double(&v, &back), 0);
    assert_true(back == d);
    sio__sb_reset(&sb);
  }
}

static void test_write_compact(void **state) {
  sio__sb_t sb;
  sio__json_val_t v;
  sio__sb_init(&sb, 0);
  const char *s = " { \"a b\" : [ 1 , \"x \\\" y\" ] ,\n\t\"c\" : { } } ";
  assert_int_equal(parse(s, &v), 0);
  sio__json_write_compact(&sb, &v);
  expect_sb(&sb, "{\"a b\":[1,\"x \\\" y\"],\"c\":{}}");
  assert_int_equal(parse("[1,2]", &v), 0);
  sio__json_write_compact(&sb, &v);
  expect_sb(&sb, "[1,2]");
  assert_int_equal(parse(" \"a  b\" ", &v), 0);
  sio__json_write_compact(&sb, &v);
  expect_sb(&sb, "\"a  b\"");
  sio__json_write_raw(&sb, "[true]", 6);
  expect_sb(&sb, "[true]");
}

static void test_jansson_bridge(void **state) {
  const char *s = "{\"z\":1,\"a\":[1.5,\"x\\n\\u00e9\",true,false,null,{}],\"m\":-0.0,"
                  "\"i\":-9223372036854775808,\"f\":1.0,\"e\":1e2,\"n\":\"a\\u0000b\"}";
  json_t *j = sio__json_to_jansson(s, strlen(s));
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(j, "z")), 1);
  assert_int_equal(json_string_length(json_object_get(j, "n")), 3);
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  assert_int_equal(sio__json_write_jansson(&sb, j, 0), 0);
  /* Insertion order kept; reals printed like JavaScript. */
  expect_sb(&sb, "{\"z\":1,\"a\":[1.5,\"x\\n\xc3\xa9\",true,false,null,{}],\"m\":0,"
                 "\"i\":-9223372036854775808,\"f\":1,\"e\":100,\"n\":\"a\\u0000b\"}");
  json_decref(j);

  assert_null(sio__json_to_jansson("[1,", 3));
  assert_null(sio__json_to_jansson("1e400", 5));
  assert_null(sio__json_to_jansson(NULL, 0));
  j = sio__json_to_jansson(" \"s\" ", 5);
  assert_non_null(j);
  assert_true(json_is_string(j));
  json_decref(j);

  /* Depth bound and NULL values. */
  char *deep = nest("[", "", "]", 40);
  j = sio__json_to_jansson(deep, strlen(deep));
  free(deep);
  assert_non_null(j);
  assert_int_equal(sio__json_write_jansson(&sb, j, 0), SIO_EINVAL);
  sio__sb_reset(&sb);
  assert_int_equal(sio__json_write_jansson(&sb, j, 40), 0);
  sio__sb_reset(&sb);
  json_decref(j);
  assert_int_equal(sio__json_write_jansson(&sb, NULL, 0), SIO_EINVAL);
  sio__sb_reset(&sb);
  j = json_stringn("\xff", 1);
  if (j) { /* jansson may refuse invalid UTF-8 itself */
    assert_int_equal(sio__json_write_jansson(&sb, j, 0), SIO_EILSEQ);
    json_decref(j);
  }
  sio__sb_reset(&sb);
}

/* Differential check: random mutations of the table's documents must be
 * judged the same way by us and by jansson (except numbers jansson cannot
 * store). Deterministic and bounded. */
static void test_differential(void **state) {
  static const char alphabet[] = "[]{},:\"\\ \n01-.eE+tfnulrsaxu\xc3\xa9\xff\x00";
  uint32_t seed = 0xC0FFEE;
  char buf[96];
  int agreed = 0, valid = 0;
#define RND() (seed = seed * 1664525u + 1013904223u, seed >> 8)
  for (int iter = 0; iter < 30000; iter++) {
    const struct doc *d = &docs[RND() % NDOCS];
    size_t n = d->n < 64 ? d->n : 64;
    memcpy(buf, d->s, n);
    int muts = 1 + (int)(RND() % 3);
    for (int m = 0; m < muts; m++) {
      uint32_t op = RND() % 4, pos = n ? RND() % (uint32_t)(n + 1) : 0;
      char c = alphabet[RND() % (sizeof(alphabet) - 1)];
      if (op == 0 && pos < n) {
        buf[pos] = c; /* replace */
      } else if (op == 1 && n < 90) {
        memmove(buf + pos + 1, buf + pos, n - pos); /* insert */
        buf[pos] = c;
        n++;
      } else if (op == 2 && pos < n) {
        memmove(buf + pos, buf + pos + 1, n - pos - 1); /* delete */
        n--;
      } else if (op == 3 && n < 45) {
        memcpy(buf + n, buf, n); /* duplicate */
        n *= 2;
      }
    }
    int big;
    int ours = parse_n(buf, n, 2048, NULL) == 0;
    int theirs = jansson_ok(buf, n, &big);
    if (ours && !theirs && big) continue;
    /* jansson quirk: a NUL byte right after a number is skipped ("[1\0]"
     * loads as [1]); RFC 8259 makes it invalid, as we do. */
    int nul_after_digit = 0;
    for (size_t i = 1; i < n; i++)
      if (buf[i] == 0 && buf[i - 1] >= '0' && buf[i - 1] <= '9') nul_after_digit = 1;
    if (!ours && theirs && nul_after_digit) continue;
    if (ours != theirs) {
      for (size_t i = 0; i < n; i++) fprintf(stderr, "%02x ", (unsigned char)buf[i]);
      fail_msg("disagree (ours %d, jansson %d) on [%.*s]", ours, theirs, (int)n, buf);
    }
    agreed++;
    valid += ours;
  }
  assert_true(agreed > 25000);
  assert_true(valid > 1000); /* the mutations keep a fair share valid */
#undef RND
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validity_table),
      cmocka_unit_test(test_prefixes),
      cmocka_unit_test(test_lone_surrogates),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_spans_and_flags),
      cmocka_unit_test(test_prefix_mode),
      cmocka_unit_test(test_iterate_array),
      cmocka_unit_test(test_iterate_object),
      cmocka_unit_test(test_iterate_garbage),
      cmocka_unit_test(test_string_reads),
      cmocka_unit_test(test_number_reads),
      cmocka_unit_test(test_write_string),
      cmocka_unit_test(test_write_string_roundtrip),
      cmocka_unit_test(test_write_numbers),
      cmocka_unit_test(test_write_compact),
      cmocka_unit_test(test_jansson_bridge),
      cmocka_unit_test(test_differential),
  };
  if (load_docs()) return 1;
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  free(docs);
  vec_free(&doc_file);
  return failed;
}
