/* Bounded decoding of one MessagePack message, and lookups on decoded objects.
 *
 * msgpack-c allocates an array/map's elements as soon as it reads the header,
 * so a few bytes declaring 2^32 elements would make it try gigabytes. The
 * pre-scan below walks the whole message first with a fixed stack and proves
 * every declared size is backed by real bytes: msgpack-c then allocates at most
 * a small multiple of the input size. */
#include "core/msgpack_json.h"

#include <string.h>

static uint64_t be(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v = v << 8 | p[i];
  return v;
}

/* Sizes of the item starting at p[0] (avail >= 1 bytes there): *hdr = bytes of
 * its header, the size field included (what must be present before the length
 * can be read is *lenbytes after the first *fixed bytes); returns 0, or -1 for
 * 0xc1. *kind: 0 scalar/bytes (payload *n bytes follow the header), 1 container
 * (*n elements follow, map pairs counted twice). */
static int head(uint8_t b, unsigned *fixed, unsigned *lenbytes, uint64_t *n, int *kind) {
  *fixed = 1;
  *lenbytes = 0;
  *n = 0;
  *kind = 0;
  if (b <= 0x7f || b >= 0xe0) return 0;
  if (b <= 0x8f) {
    *n = 2u * (b & 0x0f);
    *kind = 1;
    return 0;
  }
  if (b <= 0x9f) {
    *n = b & 0x0f;
    *kind = 1;
    return 0;
  }
  if (b <= 0xbf) {
    *n = b & 0x1f;
    return 0;
  }
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 0;
    case 0xc4: /* bin 8/16/32 */
    case 0xd9: /* str 8/16/32 */
      *lenbytes = 1;
      return 0;
    case 0xc5:
    case 0xda:
      *lenbytes = 2;
      return 0;
    case 0xc6:
    case 0xdb:
      *lenbytes = 4;
      return 0;
    case 0xc7: /* ext 8/16/32: length, then the type byte */
      *lenbytes = 1;
      *fixed = 2;
      return 0;
    case 0xc8:
      *lenbytes = 2;
      *fixed = 2;
      return 0;
    case 0xc9:
      *lenbytes = 4;
      *fixed = 2;
      return 0;
    case 0xca: /* float32 */
      *n = 4;
      return 0;
    case 0xcb:
      *n = 8;
      return 0;
    case 0xcc:
    case 0xd0:
      *n = 1;
      return 0;
    case 0xcd:
    case 0xd1:
      *n = 2;
      return 0;
    case 0xce:
    case 0xd2:
      *n = 4;
      return 0;
    case 0xcf:
    case 0xd3:
      *n = 8;
      return 0;
    case 0xd4: /* fixext 1/2/4/8/16: type byte, then the data */
      *n = 2;
      return 0;
    case 0xd5:
      *n = 3;
      return 0;
    case 0xd6:
      *n = 5;
      return 0;
    case 0xd7:
      *n = 9;
      return 0;
    case 0xd8:
      *n = 17;
      return 0;
    case 0xdc:
      *lenbytes = 2;
      *kind = 1;
      return 0;
    case 0xdd:
      *lenbytes = 4;
      *kind = 1;
      return 0;
    case 0xde:
      *lenbytes = 2;
      *kind = 2; /* map: pairs */
      return 0;
    case 0xdf:
      *lenbytes = 4;
      *kind = 2;
      return 0;
    default: /* 0xc1, never used */
      return -1;
  }
}

/* 0 if p[0..len) is exactly one well-formed message within the limits;
 * *objects gets the number of values in it (each costs msgpack-c one
 * msgpack_object, a map pair two, whatever its size on the wire). */
static int prescan(const uint8_t *p, size_t len, uint64_t *objects) {
  uint64_t left[SIO__MP_MAX_DEPTH + 1]; /* items still expected per level */
  int top = 0;
  size_t off = 0;
  left[0] = 1; /* the root value */
  while (top >= 0) {
    if (left[top] == 0) {
      top--;
      continue;
    }
    left[top]--;
    (*objects)++;
    if (off >= len) return SIO_EPROTO;
    unsigned fixed, lenbytes;
    uint64_t n;
    int kind;
    if (head(p[off], &fixed, &lenbytes, &n, &kind)) return SIO_EPROTO;
    size_t rest = len - off;
    size_t hdr = (size_t)fixed + lenbytes;
    if (hdr > rest) return SIO_EPROTO;
    if (lenbytes) {
      /* ext stores its type byte after the length: the length starts at 1. */
      n = be(p + off + 1, lenbytes);
      if (kind == 2) n *= 2;
    }
    off += hdr;
    rest -= hdr;
    if (kind) {
      /* Every element takes at least one byte. */
      if (n > rest) return SIO_EPROTO;
      if (top + 1 > SIO__MP_MAX_DEPTH) return SIO_EPROTO;
      left[++top] = n;
    } else {
      if (n > rest) return SIO_EPROTO;
      off += (size_t)n;
    }
  }
  return off == len ? 0 : SIO_EPROTO;
}

int sio__mp_unpack(const char *data, size_t len, msgpack_unpacked *out) {
  return sio__mp_unpack_max(data, len, SIO__MP_MAX_COST_DEFAULT, out);
}

int sio__mp_unpack_max(const char *data, size_t len, size_t max_cost,
                       msgpack_unpacked *out) {
  if (!out) return SIO_EINVAL;
  msgpack_unpacked_init(out);
  if (!data || len == 0) return SIO_EPROTO;
  if (len > max_cost) return SIO_ELIMIT;
  uint64_t objects = 0;
  int rc = prescan((const uint8_t *)data, len, &objects);
  if (rc) return rc;
  /* A byte on the wire can be a whole msgpack_object (24 bytes) once
   * unpacked: bound the tree, not only the text. */
  if (objects > (max_cost - len) / sizeof(msgpack_object)) return SIO_ELIMIT;
  size_t off = 0;
  msgpack_unpack_return r = msgpack_unpack_next(out, data, len, &off);
  if (r != MSGPACK_UNPACK_SUCCESS || off != len) {
    msgpack_unpacked_destroy(out);
    msgpack_unpacked_init(out);
    return r == MSGPACK_UNPACK_NOMEM_ERROR ? SIO_ENOMEM : SIO_EPROTO;
  }
  return 0;
}

const msgpack_object *sio__mp_map_get(const msgpack_object *map, const char *key) {
  if (!map || !key || map->type != MSGPACK_OBJECT_MAP) return NULL;
  size_t klen = strlen(key);
  const msgpack_object *found = NULL;
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object_kv *kv = &map->via.map.ptr[i];
    if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == klen &&
        (klen == 0 || memcmp(kv->key.via.str.ptr, key, klen) == 0))
      found = &kv->val;
  }
  return found;
}

int sio__mp_get_int(const msgpack_object *o, int64_t *out) {
  if (!o || !out) return SIO_EINVAL;
  switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      if (o->via.u64 > (uint64_t)INT64_MAX) return SIO_EINVAL;
      *out = (int64_t)o->via.u64;
      return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      *out = o->via.i64;
      return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: {
      double d = o->via.f64;
      /* In range first (NaN fails both), so the cast is defined. */
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return SIO_EINVAL;
      int64_t v = (int64_t)d;
      if ((double)v != d) return SIO_EINVAL;
      *out = v;
      return 0;
    }
    default:
      return SIO_EINVAL;
  }
}

int sio__mp_get_str(const msgpack_object *o, const char **s, size_t *len) {
  if (!o || !s || !len || o->type != MSGPACK_OBJECT_STR) return SIO_EINVAL;
  /* msgpack-c leaves an empty string's pointer NULL; an absent nsp is NULL. */
  *s = o->via.str.size ? o->via.str.ptr : "";
  *len = o->via.str.size;
  return 0;
}

int sio__mp_get_bool(const msgpack_object *o, int *out) {
  if (!o || !out || o->type != MSGPACK_OBJECT_BOOLEAN) return SIO_EINVAL;
  *out = o->via.boolean ? 1 : 0;
  return 0;
}
