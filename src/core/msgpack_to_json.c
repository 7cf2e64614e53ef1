/* Decoded msgpack -> libsio's JSON text (bins become placeholders), printed as
 * Node's JSON.stringify prints what notepack.io decodes. */
#include "core/msgpack_json.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"

typedef struct {
  sio__sb_t *json;
  sio_buf_t **att;
  size_t *natt;
  size_t max_att;
  int dialect; /* SIO__MP_NOTEPACK3 or SIO__MP_NOTEPACK2 */
} tj_t;

/* Appends and reports the builder's (sticky) error. */
static int put(sio__sb_t *b, const char *p, size_t n) {
  sio__sb_append(b, p, n);
  return b->err;
}

/* Appends a bin to the attachments (the array doubles at 4, 8, 16...: its
 * capacity follows from the count) and writes its placeholder. */
static int tj_bytes(tj_t *t, const char *ptr, size_t len) {
  size_t n = *t->natt;
  if (n >= t->max_att || n >= UINT32_MAX) return SIO_ELIMIT;
  if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
    size_t cap = n ? n * 2 : 4;
    if (cap > SIZE_MAX / sizeof(sio_buf_t)) return SIO_ENOMEM;
    sio_buf_t *na = sio__realloc(*t->att, cap * sizeof(sio_buf_t));
    if (!na) return SIO_ENOMEM;
    *t->att = na;
  }
  (*t->att)[n].base = (const uint8_t *)ptr;
  (*t->att)[n].len = len;
  *t->natt = n + 1;
  put(t->json, "{\"_placeholder\":true,\"num\":", 27);
  sio__json_write_uint64(t->json, n);
  return put(t->json, "}", 1);
}

static uint64_t tj_be(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = v << 8 | p[i];
  return v;
}

/* Days since 1970-01-01 -> proleptic Gregorian date (eras of 400 years of
 * 146097 days, years starting in March so that the leap day comes last). */
static void tj_civil(int64_t days, int64_t *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int tj_date(sio__sb_t *b, double t);

/* ext -1 (the msgpack timestamp) as notepack.io 3 decodes it into a Date
 * (sec * 1000 + nsec / 1e6 ms, cut to whole ms) and JSON.stringify prints it:
 * see tj_date. */
static int tj_timestamp(sio__sb_t *b, const msgpack_object *o) {
  const uint8_t *p = (const uint8_t *)o->via.ext.ptr;
  int64_t sec;
  uint64_t nsec;
  switch (o->via.ext.size) {
    case 4:
      sec = (int64_t)tj_be(p, 4);
      nsec = 0;
      break;
    case 8: {
      uint64_t v = tj_be(p, 8);
      nsec = v >> 34;
      sec = (int64_t)(v & ((UINT64_C(1) << 34) - 1));
      break;
    }
    case 12:
      nsec = tj_be(p, 4);
      sec = (int64_t)tj_be(p + 4, 8);
      break;
    default:
      return SIO_EPROTO;
  }
  return tj_date(b, (double)sec * 1000.0 + (double)nsec / 1e6);
}

/* A Date of t ms since the epoch as JSON.stringify prints it: toISOString,
 * or null past the Date range (+-8.64e15 ms). */
static int tj_date(sio__sb_t *b, double t) {
  if (!(t >= -8.64e15 && t <= 8.64e15)) return put(b, "null", 4);
  int64_t ms = (int64_t)t; /* toward zero, as TimeClip */
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days--;
  }
  int64_t y;
  int mo, d;
  tj_civil(days, &y, &mo, &d);
  char out[48], year[16];
  if (y >= 0 && y <= 9999)
    snprintf(year, sizeof(year), "%04d", (int)y);
  else
    snprintf(year, sizeof(year), "%c%06d", y < 0 ? '-' : '+', (int)(y < 0 ? -y : y));
  int r = (int)rem;
  int n = snprintf(out, sizeof(out), "\"%s-%02d-%02dT%02d:%02d:%02d.%03dZ\"", year, mo, d,
                   r / 3600000, r / 60000 % 60, r / 1000 % 60, r % 1000);
  return put(b, out, (size_t)n);
}

int sio__mp_is_undefined(const msgpack_object *o, int dialect) {
  return dialect == SIO__MP_NOTEPACK2 && o->type == MSGPACK_OBJECT_EXT &&
         o->via.ext.type == 0 && o->via.ext.size == 1 &&
         (uint8_t)o->via.ext.ptr[-2] == 0xd4;
}

/* notepack.io 2's ext forms (undefined is the caller's): fixext 8 of type 0 a
 * Date (int64 ms, big-endian), any other ext of type 0 an ArrayBuffer (a
 * binary here), and an ext of another type the array [type, <bytes>].
 * msgpack-c does not say whether a payload came as fixext or ext 8, but the
 * payload points into the message, so the byte two before it does: the
 * fixext prefix, or ext 8's length (which cannot be 0xd7 for 8 bytes). */
static int tj_ext2(tj_t *t, const msgpack_object *o) {
  const char *ptr = o->via.ext.ptr;
  uint32_t size = o->via.ext.size;
  if (o->via.ext.type == 0 && size == 8 && (uint8_t)ptr[-2] == 0xd7) {
    const uint8_t *p = (const uint8_t *)ptr;
    int64_t hi = (int32_t)(uint32_t)tj_be(p, 4);
    return tj_date(t->json, (double)hi * 4294967296.0 + (double)tj_be(p + 4, 4));
  }
  if (o->via.ext.type == 0) return tj_bytes(t, ptr, size);
  put(t->json, "[", 1);
  sio__json_write_int64(t->json, o->via.ext.type);
  put(t->json, ",", 1);
  int rc = tj_bytes(t, ptr, size);
  return rc ? rc : put(t->json, "]", 1);
}

/* 1 if libsio would read this map, once in JSON, as a placeholder: its last
 * "_placeholder" member is true. */
static int tj_looks_like_placeholder(const msgpack_object *o) {
  const msgpack_object *v = sio__mp_map_get(o, "_placeholder");
  return v && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

static int tj_value(tj_t *t, const msgpack_object *o, unsigned depth_left) {
  sio__sb_t *b = t->json;
  int rc;
  switch (o->type) {
    case MSGPACK_OBJECT_NIL:
      return put(b, "null", 4);
    case MSGPACK_OBJECT_BOOLEAN:
      return o->via.boolean ? put(b, "true", 4) : put(b, "false", 5);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      sio__json_write_uint64(b, o->via.u64);
      return b->err;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      sio__json_write_int64(b, o->via.i64);
      return b->err;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      sio__json_write_double(b, o->via.f64);
      return b->err;
    case MSGPACK_OBJECT_STR:
      return sio__json_write_string_lossy(b, o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_BIN:
      return tj_bytes(t, o->via.bin.ptr, o->via.bin.size);
    case MSGPACK_OBJECT_EXT:
      if (t->dialect == SIO__MP_NOTEPACK2) {
        /* undefined as JSON.stringify prints it in an array (a member
         * holding it is left out below) */
        return sio__mp_is_undefined(o, t->dialect) ? put(b, "null", 4) : tj_ext2(t, o);
      }
      return o->via.ext.type == -1 ? tj_timestamp(b, o) : SIO_EPROTO;
    case MSGPACK_OBJECT_ARRAY:
      if (depth_left == 0) return SIO_ELIMIT;
      put(b, "[", 1);
      for (uint32_t i = 0; i < o->via.array.size; i++) {
        if (i) put(b, ",", 1);
        if ((rc = tj_value(t, &o->via.array.ptr[i], depth_left - 1))) return rc;
      }
      return put(b, "]", 1);
    case MSGPACK_OBJECT_MAP:
      if (depth_left == 0) return SIO_ELIMIT;
      if (tj_looks_like_placeholder(o)) return SIO_EPROTO;
      put(b, "{", 1);
      for (uint32_t i = 0, first = 1; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR) return SIO_EPROTO;
        if (sio__mp_is_undefined(&kv->val, t->dialect)) continue;
        if (!first) put(b, ",", 1);
        first = 0;
        sio__json_write_string_lossy(b, kv->key.via.str.ptr, kv->key.via.str.size);
        put(b, ":", 1);
        if ((rc = tj_value(t, &kv->val, depth_left - 1))) return rc;
      }
      return put(b, "}", 1);
    default:
      return SIO_EPROTO;
  }
}

int sio__mp_to_json(const msgpack_object *o, sio__sb_t *json, sio_buf_t **att,
                    size_t *natt, size_t max_att) {
  return sio__mp_to_json_as(o, SIO__MP_NOTEPACK3, json, att, natt, max_att);
}

int sio__mp_to_json_as(const msgpack_object *o, int dialect, sio__sb_t *json,
                       sio_buf_t **att, size_t *natt, size_t max_att) {
  if (!o || !json || !att || !natt) return SIO_EINVAL;
  tj_t t = {json, att, natt, max_att, dialect};
  int rc = tj_value(&t, o, SIO__MP_MAX_DEPTH);
  return rc ? rc : json->err;
}

int sio__mp_array_to_json(const msgpack_object *o, size_t from, sio__sb_t *json,
                          sio_buf_t **att, size_t *natt, size_t max_att) {
  if (!o || !json || !att || !natt) return SIO_EINVAL;
  if (o->type != MSGPACK_OBJECT_ARRAY) return SIO_EPROTO;
  tj_t t = {json, att, natt, max_att, SIO__MP_NOTEPACK3};
  for (size_t i = from; i < o->via.array.size; i++) {
    if (i > from) put(json, ",", 1);
    int rc = tj_value(&t, &o->via.array.ptr[i], SIO__MP_MAX_DEPTH - 1);
    if (rc) return rc;
  }
  return json->err;
}
