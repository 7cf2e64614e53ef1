/* The msgpack messages of the classic Redis adapter: broadcasts (docs/REDIS-WIRE.md
 * §4, §6), type 7 requests and type 9 responses (§5). Key orders follow Node's,
 * so what we publish is byte for byte what Node publishes. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_msgpack.h"

#define PK(call)                                                                         \
  do {                                                                                   \
    if ((call) != 0) return SIO_ENOMEM;                                                  \
  } while (0)

static int pk_bytes(msgpack_packer *pk, const char *s, size_t n) {
  if (n > UINT32_MAX) return SIO_EMSGSIZE;
  PK(msgpack_pack_str(pk, n));
  PK(msgpack_pack_str_body(pk, s, n));
  return 0;
}

static int pk_str(msgpack_packer *pk, const char *s) {
  if (!s) return SIO_EINVAL;
  return pk_bytes(pk, s, strlen(s));
}

static int pk_strs(msgpack_packer *pk, const char *const *v, size_t n) {
  int rc;
  if (n && !v) return SIO_EINVAL;
  if (n > UINT32_MAX) return SIO_EMSGSIZE;
  PK(msgpack_pack_array(pk, n));
  for (size_t i = 0; i < n; i++)
    if ((rc = pk_str(pk, v[i]))) return rc;
  return 0;
}

/* {type: 2, data: [event, ...args], nsp} */
static int pk_packet(msgpack_packer *pk, const char *nsp, const sio__rmp_event_t *ev) {
  size_t nargs;
  int rc;
  if (ev->natt && !ev->att) return SIO_EINVAL;
  if ((rc = sio__mp_count_json_list(ev->json, ev->json_len, SIO__RMP_JSON_MAX_DEPTH,
                                    &nargs)))
    return rc;
  if (nargs >= UINT32_MAX) return SIO_EMSGSIZE;
  PK(msgpack_pack_map(pk, 3));
  if ((rc = pk_str(pk, "type"))) return rc;
  PK(msgpack_pack_uint64(pk, 2));
  if ((rc = pk_str(pk, "data"))) return rc;
  PK(msgpack_pack_array(pk, nargs + 1));
  if ((rc = pk_str(pk, ev->event))) return rc;
  if ((rc = sio__mp_pack_json_list(pk, ev->json, ev->json_len, ev->att, ev->natt,
                                   SIO__RMP_JSON_MAX_DEPTH)))
    return rc;
  if ((rc = pk_str(pk, "nsp"))) return rc;
  return pk_str(pk, nsp);
}

static int pk_flags(msgpack_packer *pk, const sio__rmp_opts_t *o) {
  int rc;
  PK(msgpack_pack_map(pk, (o->volatile_ ? 1u : 0u) + (o->no_compress ? 1u : 0u) +
                              (o->timeout_ms ? 1u : 0u)));
  if (o->volatile_) {
    if ((rc = pk_str(pk, "volatile"))) return rc;
    PK(msgpack_pack_true(pk));
  }
  if (o->no_compress) { /* Node's socket.compress(false) */
    if ((rc = pk_str(pk, "compress"))) return rc;
    PK(msgpack_pack_false(pk));
  }
  if (o->timeout_ms) {
    if ((rc = pk_str(pk, "timeout"))) return rc;
    PK(msgpack_pack_uint64(pk, o->timeout_ms));
  }
  return 0;
}

/* {rooms, except, flags}, or the emitter's {rooms, flags, except}. */
static int pk_opts(msgpack_packer *pk, const sio__rmp_opts_t *o, int emitter_order) {
  static const sio__rmp_opts_t none = {0};
  int rc;
  if (!o) o = &none;
  PK(msgpack_pack_map(pk, 3));
  if ((rc = pk_str(pk, "rooms")) || (rc = pk_strs(pk, o->rooms, o->nrooms))) return rc;
  if (emitter_order && ((rc = pk_str(pk, "flags")) || (rc = pk_flags(pk, o)))) return rc;
  if ((rc = pk_str(pk, "except")) || (rc = pk_strs(pk, o->except, o->nexcept))) return rc;
  if (!emitter_order && ((rc = pk_str(pk, "flags")) || (rc = pk_flags(pk, o)))) return rc;
  return 0;
}

/* Runs an encoder on out; on error out gets its former length back. */
static int finish(sio__sb_t *out, size_t start, int rc) {
  if (!rc) rc = out->err;
  if (rc) {
    if (out->buf) out->buf->len = start;
    out->err = 0;
  }
  return rc;
}

int sio__rmp_encode_broadcast(sio__sb_t *out, const char *uid, const char *nsp,
                              const sio__rmp_event_t *ev, const sio__rmp_opts_t *opts,
                              int emitter_order) {
  if (!out || !uid || !nsp || !ev || !ev->event) return SIO_EINVAL;
  if (out->err) return out->err;
  size_t start = sio__sb_len(out);
  msgpack_packer pk;
  sio__mp_packer_init(&pk, out);
  int rc = msgpack_pack_array(&pk, 3) ? SIO_ENOMEM : 0;
  if (!rc) rc = pk_str(&pk, uid);
  if (!rc) rc = pk_packet(&pk, nsp, ev);
  if (!rc) rc = pk_opts(&pk, opts, emitter_order);
  return finish(out, start, rc);
}

int sio__rmp_encode_broadcast_ack_request(sio__sb_t *out, const char *uid,
                                          const char *request_id, const char *nsp,
                                          const sio__rmp_event_t *ev,
                                          const sio__rmp_opts_t *opts) {
  if (!out || !uid || !request_id || !nsp || !ev || !ev->event) return SIO_EINVAL;
  if (out->err) return out->err;
  size_t start = sio__sb_len(out);
  msgpack_packer pk;
  sio__mp_packer_init(&pk, out);
  int rc = msgpack_pack_map(&pk, 5) ? SIO_ENOMEM : 0;
  if (!rc && !(rc = pk_str(&pk, "uid"))) rc = pk_str(&pk, uid);
  if (!rc && !(rc = pk_str(&pk, "requestId"))) rc = pk_str(&pk, request_id);
  if (!rc && !(rc = pk_str(&pk, "type")))
    rc = msgpack_pack_uint64(&pk, 7) ? SIO_ENOMEM : 0;
  if (!rc && !(rc = pk_str(&pk, "packet"))) rc = pk_packet(&pk, nsp, ev);
  if (!rc && !(rc = pk_str(&pk, "opts"))) rc = pk_opts(&pk, opts, 0);
  return finish(out, start, rc);
}

static int json_blank(const char *json, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (json[i] != ' ' && json[i] != '\t' && json[i] != '\n' && json[i] != '\r') return 0;
  return 1;
}

int sio__rmp_encode_broadcast_ack_reply(sio__sb_t *out, const char *request_id,
                                        const char *json, size_t len,
                                        const sio_buf_t *att, size_t natt) {
  if (!out || !request_id || (!json && len) || (!att && natt)) return SIO_EINVAL;
  if (out->err) return out->err;
  int has = !json_blank(json, len);
  size_t start = sio__sb_len(out);
  msgpack_packer pk;
  sio__mp_packer_init(&pk, out);
  int rc = msgpack_pack_map(&pk, has ? 3 : 2) ? SIO_ENOMEM : 0;
  if (!rc && !(rc = pk_str(&pk, "type")))
    rc = msgpack_pack_uint64(&pk, 9) ? SIO_ENOMEM : 0;
  if (!rc && !(rc = pk_str(&pk, "requestId"))) rc = pk_str(&pk, request_id);
  if (!rc && has && !(rc = pk_str(&pk, "packet")))
    rc = sio__mp_pack_json(&pk, json, len, att, natt, SIO__MP_MAX_DEPTH - 1);
  return finish(out, start, rc);
}

/* ---- decoding ---- */

static int get_str(const msgpack_object *o, sio__rmp_str_t *out) {
  return sio__mp_get_str(o, &out->s, &out->len) ? SIO_EPROTO : 0;
}

/* An array of strings; absent or nil means none. */
static int dec_strs(const msgpack_object *o, sio__rmp_str_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!o || o->type == MSGPACK_OBJECT_NIL) return 0;
  if (o->type != MSGPACK_OBJECT_ARRAY) return SIO_EPROTO;
  uint32_t k = o->via.array.size;
  if (k == 0) return 0;
  sio__rmp_str_t *v = sio__malloc(k * sizeof(*v));
  if (!v) return SIO_ENOMEM;
  for (uint32_t i = 0; i < k; i++) {
    if (get_str(&o->via.array.ptr[i], &v[i])) {
      sio__free(v);
      return SIO_EPROTO;
    }
  }
  *out = v;
  *n = k;
  return 0;
}

/* {type, data: [event, ...args], nsp?} */
static int dec_packet(const msgpack_object *p, sio__rmp_broadcast_t *out,
                      size_t max_att) {
  if (!p || p->type != MSGPACK_OBJECT_MAP) return SIO_EPROTO;
  if (sio__mp_get_int(sio__mp_map_get(p, "type"), &out->type)) return SIO_EPROTO;
  const msgpack_object *nsp = sio__mp_map_get(p, "nsp");
  if (nsp && get_str(nsp, &out->nsp)) return SIO_EPROTO;
  const msgpack_object *data = sio__mp_map_get(p, "data");
  if (!data || data->type != MSGPACK_OBJECT_ARRAY || data->via.array.size < 1 ||
      get_str(&data->via.array.ptr[0], &out->event))
    return SIO_EPROTO;
  int rc = sio__mp_array_to_json(data, 1, &out->json, &out->att, &out->natt, max_att);
  /* A placeholder-looking map, a non-string key... are the peer's fault. */
  return rc == SIO_EINVAL ? SIO_EPROTO : rc;
}

/* {rooms?, except?, flags?: {volatile?, compress?, timeout?}} */
static int dec_opts(const msgpack_object *o, sio__rmp_broadcast_t *out) {
  int rc;
  if (!o || o->type != MSGPACK_OBJECT_MAP) return SIO_EPROTO;
  if ((rc = dec_strs(sio__mp_map_get(o, "rooms"), &out->rooms, &out->nrooms))) return rc;
  if ((rc = dec_strs(sio__mp_map_get(o, "except"), &out->except, &out->nexcept)))
    return rc;
  const msgpack_object *f = sio__mp_map_get(o, "flags");
  if (!f || f->type == MSGPACK_OBJECT_NIL) return 0;
  if (f->type != MSGPACK_OBJECT_MAP) return SIO_EPROTO;
  const msgpack_object *v = sio__mp_map_get(f, "volatile");
  if (v && v->type != MSGPACK_OBJECT_NIL && sio__mp_get_bool(v, &out->volatile_))
    return SIO_EPROTO;
  /* Only false means anything: true and other values are the default. */
  const msgpack_object *c = sio__mp_map_get(f, "compress");
  out->no_compress = c && c->type == MSGPACK_OBJECT_BOOLEAN && !c->via.boolean;
  const msgpack_object *t = sio__mp_map_get(f, "timeout");
  if (t && t->type != MSGPACK_OBJECT_NIL && sio__mp_get_int(t, &out->timeout_ms))
    return SIO_EPROTO;
  return 0;
}

static int dec_done(sio__rmp_broadcast_t *out, int rc) {
  if (!rc) rc = out->json.err;
  if (rc) sio__rmp_broadcast_free(out);
  return rc;
}

int sio__rmp_decode_broadcast(const msgpack_object *root, sio__rmp_broadcast_t *out,
                              size_t max_att) {
  if (!out) return SIO_EINVAL;
  memset(out, 0, sizeof(*out));
  if (!root) return SIO_EINVAL;
  if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 3) return SIO_EPROTO;
  const msgpack_object *a = root->via.array.ptr;
  int rc = get_str(&a[0], &out->uid);
  if (!rc) rc = dec_packet(&a[1], out, max_att);
  if (!rc) rc = dec_opts(&a[2], out);
  return dec_done(out, rc);
}

/* root is a map whose type is want. */
static int has_type(const msgpack_object *root, int64_t want) {
  int64_t t;
  return root && root->type == MSGPACK_OBJECT_MAP &&
         sio__mp_get_int(sio__mp_map_get(root, "type"), &t) == 0 && t == want;
}

int sio__rmp_decode_broadcast_ack_request(const msgpack_object *root,
                                          sio__rmp_broadcast_t *out,
                                          sio__rmp_str_t *request_id, size_t max_att) {
  if (!out || !request_id) return SIO_EINVAL;
  memset(out, 0, sizeof(*out));
  memset(request_id, 0, sizeof(*request_id));
  if (!root) return SIO_EINVAL;
  if (!has_type(root, 7)) return SIO_EPROTO;
  int rc = get_str(sio__mp_map_get(root, "uid"), &out->uid);
  if (!rc) rc = get_str(sio__mp_map_get(root, "requestId"), request_id);
  if (!rc) rc = dec_packet(sio__mp_map_get(root, "packet"), out, max_att);
  if (!rc) rc = dec_opts(sio__mp_map_get(root, "opts"), out);
  if (rc) memset(request_id, 0, sizeof(*request_id));
  return dec_done(out, rc);
}

int sio__rmp_decode_broadcast_ack_reply(const msgpack_object *root,
                                        sio__rmp_str_t *request_id, sio__sb_t *json,
                                        sio_buf_t **att, size_t *natt, size_t max_att) {
  if (!root || !request_id || !json || !att || !natt) return SIO_EINVAL;
  memset(request_id, 0, sizeof(*request_id));
  if (!has_type(root, 9)) return SIO_EPROTO;
  if (get_str(sio__mp_map_get(root, "requestId"), request_id)) return SIO_EPROTO;
  const msgpack_object *p = sio__mp_map_get(root, "packet");
  int rc = p ? sio__mp_to_json(p, json, att, natt, max_att) : 0;
  if (rc) memset(request_id, 0, sizeof(*request_id));
  return rc == SIO_EINVAL ? SIO_EPROTO : rc;
}

void sio__rmp_broadcast_free(sio__rmp_broadcast_t *b) {
  if (!b) return;
  sio__sb_reset(&b->json);
  sio__free(b->att);
  sio__free(b->rooms);
  sio__free(b->except);
  memset(b, 0, sizeof(*b));
}
