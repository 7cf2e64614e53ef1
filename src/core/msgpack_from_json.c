/* libsio's JSON text -> msgpack as notepack.io 3 writes it.
 *
 * The text is validated whole by the JSON scanner (core/json.h) first; then
 * each value is packed by walking its spans: a container's members are
 * counted before they are packed, because msgpack writes counts first.
 * Recursion depth is bounded by the validated nesting (at most
 * SIO__MP_MAX_DEPTH). */
#include "core/msgpack_json.h"

#include <string.h>

#include "core/alloc.h"
#include "core/json.h"

/* msgpack-c's writer callback: 0, or -1 once sb is out of memory. */
static int sb_write(void *data, const char *buf, size_t len) {
  sio__sb_t *sb = data;
  sio__sb_append(sb, buf, len);
  return sb->err ? -1 : 0;
}

void sio__mp_packer_init(msgpack_packer *pk, sio__sb_t *sb) {
  msgpack_packer_init(pk, sb, sb_write);
}

typedef struct {
  msgpack_packer *pk;
  const sio_buf_t *att;
  size_t natt;
} fe_t;

#define FE_CHECK(call)                                                                   \
  do {                                                                                   \
    if ((call) != 0) return SIO_ENOMEM;                                                  \
  } while (0)

/* A string (or key) value: its unescaped bytes. */
static int fe_string(fe_t *e, const sio__json_val_t *v) {
  const char *body = v->p + 1;
  size_t n = v->len - 2;
  char stack[256], *heap = NULL;
  int rc = 0;
  if (v->flags & SIO_JSON_F_ESCAPED) {
    /* The unescaped form is never longer than the quoted one. */
    char *buf = v->len <= sizeof(stack) ? stack : (heap = sio__malloc(v->len));
    if (!buf) return SIO_ENOMEM;
    rc = sio__json_string_copy(v, buf, v->len, &n);
    body = buf;
  }
  if (!rc && n > UINT32_MAX) rc = SIO_EMSGSIZE;
  if (!rc && (msgpack_pack_str(e->pk, n) || msgpack_pack_str_body(e->pk, body, n)))
    rc = SIO_ENOMEM;
  sio__free(heap);
  return rc;
}

/* An integer spelling that fits int64/uint64 -> the shortest integer, exactly
 * (also past 2^53, where JavaScript would round); any other whole value up to
 * 2^53 in magnitude (1.0, 1e2, -0) -> the shortest integer too, as notepack;
 * everything else -> float64. (notepack also writes whole doubles past 2^53 as
 * integers; we keep them float64 so that the text we decode them to, spelled
 * as JavaScript rounds it, packs back to the same value.) */
static int fe_number(fe_t *e, const sio__json_val_t *v) {
  if (!(v->flags & SIO_JSON_F_FRAC)) {
    uint64_t u;
    int64_t i;
    if (v->p[0] != '-' && sio__json_get_uint64(v, &u) == 0) {
      FE_CHECK(msgpack_pack_uint64(e->pk, u));
      return 0;
    }
    if (v->p[0] == '-' && sio__json_get_int64(v, &i) == 0) {
      FE_CHECK(i == 0 ? msgpack_pack_uint64(e->pk, 0) : msgpack_pack_int64(e->pk, i));
      return 0;
    }
  }
  double d;
  int rc = sio__json_get_double(v, &d);
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

/* 1 if obj is a placeholder (its last "_placeholder" member is true), with
 * *num the attachment; SIO_EPROTO when its num indexes no attachment. */
static int fe_placeholder(fe_t *e, const sio__json_val_t *obj, uint32_t *num) {
  sio__json_val_t ph, nv;
  if (sio__json_object_get(obj, "_placeholder", 12, &ph) != 1 || ph.type != SIO_JSON_TRUE)
    return 0;
  /* libsio's rule: any number whose value is an integer indexing att. */
  double d = -1;
  if (sio__json_object_get(obj, "num", 3, &nv) == 1 && nv.type == SIO_JSON_NUMBER) {
    int rc = sio__json_get_double(&nv, &d);
    if (rc) return rc;
  }
  if (!(d >= 0 && d < (double)e->natt && d < 4294967296.0 && d == (double)(uint32_t)d))
    return SIO_EPROTO;
  *num = (uint32_t)d;
  return 1;
}

static int fe_value(fe_t *e, const sio__json_val_t *v);

static int fe_container(fe_t *e, const sio__json_val_t *v) {
  int obj = v->type == SIO_JSON_OBJECT, rc;
  sio__json_iter_t it;
  sio__json_val_t key, val;
  if (obj) {
    uint32_t num = 0;
    if ((rc = fe_placeholder(e, v, &num)) < 0) return rc;
    if (rc == 1) {
      const sio_buf_t *a = &e->att[num];
      if (a->len > UINT32_MAX) return SIO_EMSGSIZE;
      FE_CHECK(msgpack_pack_bin(e->pk, a->len));
      if (a->len) FE_CHECK(msgpack_pack_bin_body(e->pk, a->base, a->len));
      return 0;
    }
  }
  size_t count = 0;
  sio__json_iter_init(&it, v);
  while ((rc = sio__json_iter_next(&it, NULL, &val)) == 1) count++;
  if (rc < 0) return rc;
  if (count > UINT32_MAX) return SIO_EMSGSIZE;
  FE_CHECK(obj ? msgpack_pack_map(e->pk, count) : msgpack_pack_array(e->pk, count));
  sio__json_iter_init(&it, v);
  while ((rc = sio__json_iter_next(&it, &key, &val)) == 1) {
    if (obj && (rc = fe_string(e, &key))) return rc;
    if ((rc = fe_value(e, &val))) return rc;
  }
  return rc;
}

static int fe_value(fe_t *e, const sio__json_val_t *v) {
  switch (v->type) {
    case SIO_JSON_OBJECT:
    case SIO_JSON_ARRAY:
      return fe_container(e, v);
    case SIO_JSON_STRING:
      return fe_string(e, v);
    case SIO_JSON_NUMBER:
      return fe_number(e, v);
    case SIO_JSON_TRUE:
      FE_CHECK(msgpack_pack_true(e->pk));
      return 0;
    case SIO_JSON_FALSE:
      FE_CHECK(msgpack_pack_false(e->pk));
      return 0;
    case SIO_JSON_NULL:
      FE_CHECK(msgpack_pack_nil(e->pk));
      return 0;
    default:
      return SIO_EPROTO;
  }
}

static unsigned depth_of(unsigned max_depth) {
  return max_depth == 0 || max_depth > SIO__MP_MAX_DEPTH ? SIO__MP_MAX_DEPTH : max_depth;
}

static size_t skip_ws(const char *p, size_t i, size_t n) {
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
  return i;
}

/* Walks a comma-separated list of values: validates it and counts them, and
 * packs each one when e is not NULL. */
static int walk_list(const char *p, size_t n, unsigned max_depth, fe_t *e,
                     size_t *count) {
  size_t i = skip_ws(p, 0, n), k = 0;
  while (i < n) {
    sio__json_val_t v;
    size_t used;
    int rc = sio__json_parse_prefix(p + i, n - i, max_depth, &v, &used);
    if (rc) return rc;
    if (e && (rc = fe_value(e, &v))) return rc;
    k++;
    i = skip_ws(p, i + used, n);
    if (i == n) break;
    if (p[i] != ',') return SIO_EPROTO;
    /* A value must follow the comma. */
    if ((i = skip_ws(p, i + 1, n)) == n) return SIO_EPROTO;
  }
  if (count) *count = k;
  return 0;
}

int sio__mp_count_json_list(const char *json, size_t len, unsigned max_depth,
                            size_t *count) {
  if ((!json && len) || !count) return SIO_EINVAL;
  return walk_list(json ? json : "", len, depth_of(max_depth), NULL, count);
}

int sio__mp_pack_json_list(msgpack_packer *pk, const char *json, size_t len,
                           const sio_buf_t *att, size_t natt, unsigned max_depth) {
  if (!pk || (!json && len) || (!att && natt)) return SIO_EINVAL;
  const char *p = json ? json : "";
  fe_t e = {pk, att, natt};
  /* Validated whole before anything is packed. */
  int rc = walk_list(p, len, depth_of(max_depth), NULL, NULL);
  return rc ? rc : walk_list(p, len, depth_of(max_depth), &e, NULL);
}

int sio__mp_pack_json(msgpack_packer *pk, const char *json, size_t len,
                      const sio_buf_t *att, size_t natt, unsigned max_depth) {
  if (!pk || (!json && len) || (!att && natt)) return SIO_EINVAL;
  sio__json_val_t v;
  fe_t e = {pk, att, natt};
  int rc = sio__json_parse(json ? json : "", len, depth_of(max_depth), &v);
  return rc ? rc : fe_value(&e, &v);
}
