/* The messages of the Redis Streams adapter (docs/REDIS-WIRE.md, "Redis
 * Streams adapter"): pub/sub messages are MessagePack maps {type, data, uid,
 * nsp}; stream entries carry uid, nsp, type (decimal text) and data, the
 * JSON text of data, or base64 of its MessagePack when it holds binary.
 * Inside, data is a jansson value in which binary values are libsio
 * placeholders standing for attachments, so one value converts both ways
 * with the msgpack bridge of core/msgpack_json.h. Sans-I/O. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/msgpack_json.h"
#include "redis/redis_adapter.h"
#include "redis/streams_adapter.h"

void sio__rs_msg_free(sio__rs_msg_t *m) {
  if (!m) return;
  sio__free(m->uid);
  sio__free(m->nsp);
  json_decref(m->data);
  sio_free(m->att);
  if (m->has_up) msgpack_unpacked_destroy(&m->up);
  sio__free(m->raw);
  memset(m, 0, sizeof(*m));
}

static char *dup_n(const char *s, size_t n) {
  char *d = sio__malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* One msgpack value -> a jansson value with placeholders (att into m). */
static int data_from_mp(const msgpack_object *o, sio__rs_msg_t *m) {
  sio__sb_t json = {0};
  int rc = sio__mp_to_json(o, &json, &m->att, &m->natt, SIO__RS_MAX_ATT);
  if (!rc) {
    json_error_t err;
    m->data = json_loadb(sio__rmp_text(&json), sio__sb_len(&json),
                         JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!m->data) rc = SIO_EPROTO;
  }
  sio__sb_reset(&json);
  return rc;
}

int sio__rs_decode_pubsub(const char *data, size_t len, size_t max_cost,
                          sio__rs_msg_t *out) {
  memset(out, 0, sizeof(*out));
  if (sio__mp_unpack_max(data, len, max_cost, &out->up)) return SIO_EPROTO;
  out->has_up = 1;
  const msgpack_object *root = &out->up.data;
  int64_t type;
  const char *s;
  size_t n;
  int rc = SIO_EPROTO;
  if (root->type != MSGPACK_OBJECT_MAP) goto fail;
  if (sio__mp_get_int(sio__mp_map_get(root, "type"), &type) || type < 0 || type > 100)
    goto fail;
  out->type = (int)type;
  if (sio__mp_get_str(sio__mp_map_get(root, "uid"), &s, &n) || !(out->uid = dup_n(s, n)))
    goto fail;
  if (sio__mp_get_str(sio__mp_map_get(root, "nsp"), &s, &n) || !(out->nsp = dup_n(s, n)))
    goto fail;
  const msgpack_object *d = sio__mp_map_get(root, "data");
  if (d && (rc = data_from_mp(d, out)) != 0) goto fail;
  return 0;
fail:
  sio__rs_msg_free(out);
  return rc ? rc : SIO_EPROTO;
}

int sio__rs_decode_entry(const char *uid, size_t uid_len, const char *nsp, size_t nsp_len,
                         const char *type, size_t type_len, const char *data,
                         size_t data_len, size_t max_cost, sio__rs_msg_t *out) {
  memset(out, 0, sizeof(*out));
  int rc = SIO_EPROTO;
  if (!type || type_len == 0 || type_len > 3) return SIO_EPROTO;
  int t = 0;
  for (size_t i = 0; i < type_len; i++) {
    if (type[i] < '0' || type[i] > '9') return SIO_EPROTO;
    t = t * 10 + (type[i] - '0');
  }
  out->type = t;
  if (!(out->uid = dup_n(uid ? uid : "", uid ? uid_len : 0)) ||
      !(out->nsp = dup_n(nsp ? nsp : "", nsp ? nsp_len : 0))) {
    rc = SIO_ENOMEM;
    goto fail;
  }
  if (!data || data_len == 0) return 0;
  if (data[0] == '{') {
    json_error_t err;
    if (data_len > max_cost ||
        !(out->data = json_loadb(data, data_len, JSON_ALLOW_NUL, &err)))
      goto fail;
    return 0;
  }
  if (data_len / 4 * 3 > max_cost) goto fail;
  if (!(out->raw = sio__malloc(data_len / 4 * 3 + 3))) {
    rc = SIO_ENOMEM;
    goto fail;
  }
  long n = sio__base64_decode_loose(out->raw, data, data_len);
  if (n < 0) goto fail;
  if (sio__mp_unpack_max((const char *)out->raw, (size_t)n, max_cost, &out->up))
    goto fail;
  out->has_up = 1;
  if ((rc = data_from_mp(&out->up.data, out)) != 0) goto fail;
  return 0;
fail:
  sio__rs_msg_free(out);
  return rc ? rc : SIO_EPROTO;
}

static int pack_value(msgpack_packer *pk, const json_t *v, const sio_buf_t *att,
                      size_t natt) {
  size_t len;
  char *text = sio__redis_dump(v, &len);
  if (!text) return SIO_ENOMEM;
  int rc = sio__mp_pack_json(pk, text, len, att, natt, 0);
  sio__free(text);
  return rc;
}

static void pack_str(msgpack_packer *pk, const char *s) {
  size_t n = strlen(s);
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, s, n);
}

int sio__rs_encode_pubsub(sio__sb_t *out, int type, const json_t *data,
                          const sio_buf_t *att, size_t natt, const char *uid,
                          const char *nsp) {
  msgpack_packer pk;
  sio__mp_packer_init(&pk, out);
  /* Node's key order: the message is built as {type, data}, then the
   * adapter adds uid and nsp. */
  msgpack_pack_map(&pk, data ? 4 : 3);
  pack_str(&pk, "type");
  msgpack_pack_int(&pk, type);
  int rc = 0;
  if (data) {
    pack_str(&pk, "data");
    rc = pack_value(&pk, data, att, natt);
  }
  pack_str(&pk, "uid");
  pack_str(&pk, uid);
  pack_str(&pk, "nsp");
  pack_str(&pk, nsp);
  if (!rc && (out)->err) rc = SIO_ENOMEM;
  return rc;
}

/* Ends a stream entry field packed into mp (rc: how packing went): its
 * base64 appended to out, mp freed. 0 or an error. */
static int append_base64(sio__sb_t *out, sio__sb_t *mp, int rc) {
  if (!rc && mp->err) rc = SIO_ENOMEM;
  if (!rc) {
    sio__base64_append(out, sio__sb_data(mp), sio__sb_len(mp));
    if (out->err) rc = SIO_ENOMEM;
  }
  sio__sb_reset(mp);
  return rc;
}

int sio__rs_encode_entry_data(sio__sb_t *out, const json_t *data, const sio_buf_t *att,
                              size_t natt) {
  if (!natt) {
    size_t len;
    char *text = sio__redis_dump(data, &len);
    if (!text) return SIO_ENOMEM;
    sio__sb_append(out, text, len);
    sio__free(text);
    return (out)->err ? SIO_ENOMEM : 0;
  }
  sio__sb_t mp = {0};
  msgpack_packer pk;
  sio__mp_packer_init(&pk, &mp);
  int rc = pack_value(&pk, data, att, natt);
  return append_base64(out, &mp, rc);
}

json_t *sio__rs_event_array(const char *event, const char *json, size_t len) {
  sio__sb_t text = {0};
  sio__sb_append(&text, "[", 1);
  if (len) sio__sb_append(&text, json, len);
  sio__sb_append(&text, "]", 1);
  json_t *arr = NULL;
  if (!(text).err) {
    json_error_t err;
    arr = json_loadb(sio__rmp_text(&text), sio__sb_len(&text), JSON_ALLOW_NUL, &err);
  }
  sio__sb_reset(&text);
  if (arr && (!json_is_array(arr) || json_array_insert_new(arr, 0, json_string(event)))) {
    json_decref(arr);
    arr = NULL;
  }
  return arr;
}

json_t *sio__rs_opts_json(const sio_adapter_opts_t *o) {
  json_t *j = sio__redis_opts_to_jansson(o);
  json_t *flags = json_object();
  if (!j || !flags) goto fail;
  if ((o->flags & SIO_ADAPTER_F_VOLATILE) &&
      json_object_set_new(flags, "volatile", json_true()))
    goto fail;
  if ((o->flags & SIO_ADAPTER_F_NO_COMPRESS) &&
      json_object_set_new(flags, "compress", json_false()))
    goto fail;
  if (o->timeout_ms && json_object_set_new(flags, "timeout", json_integer(o->timeout_ms)))
    goto fail;
  if (json_object_set_new(j, "flags", flags)) {
    flags = NULL;
    goto fail;
  }
  return j;
fail:
  json_decref(flags);
  json_decref(j);
  return NULL;
}

int sio__rs_opts_from(const json_t *j, sio_adapter_opts_t *o) {
  int rc = sio__redis_opts_from_jansson(j, o);
  if (rc) return rc;
  const json_t *flags = json_object_get(j, "flags");
  if (json_is_true(json_object_get(flags, "volatile")))
    o->flags |= SIO_ADAPTER_F_VOLATILE;
  if (json_is_false(json_object_get(flags, "compress")))
    o->flags |= SIO_ADAPTER_F_NO_COMPRESS;
  return 0;
}

int sio__rs_encode_session(sio__sb_t *out, const char *sid, const char *pid,
                           const char *const *rooms, size_t nrooms,
                           const char *data_json) {
  sio__sb_t mp = {0};
  msgpack_packer pk;
  int rc = 0;
  sio__mp_packer_init(&pk, &mp);
  /* Node's key order: {sid, pid, rooms, data}. */
  msgpack_pack_map(&pk, 4);
  pack_str(&pk, "sid");
  pack_str(&pk, sid);
  pack_str(&pk, "pid");
  pack_str(&pk, pid);
  pack_str(&pk, "rooms");
  msgpack_pack_array(&pk, nrooms);
  for (size_t i = 0; i < nrooms; i++) pack_str(&pk, rooms[i]);
  pack_str(&pk, "data");
  if (data_json)
    rc = sio__mp_pack_json(&pk, data_json, strlen(data_json), NULL, 0, 0);
  else
    msgpack_pack_nil(&pk);
  return append_base64(out, &mp, rc);
}

int sio__rs_decode_session(const char *b64, size_t len, json_t **out) {
  *out = NULL;
  uint8_t *raw = sio__malloc(len / 4 * 3 + 3);
  if (!raw) return SIO_ENOMEM;
  long n = sio__base64_decode_loose(raw, b64, len);
  int rc = SIO_EPROTO;
  msgpack_unpacked up;
  if (n >= 0 && sio__mp_unpack((const char *)raw, (size_t)n, &up) == 0) {
    sio__rs_msg_t m;
    memset(&m, 0, sizeof(m));
    if (up.data.type == MSGPACK_OBJECT_MAP && data_from_mp(&up.data, &m) == 0 &&
        json_is_object(m.data)) {
      *out = json_incref(m.data);
      rc = 0;
    }
    sio__rs_msg_free(&m);
    msgpack_unpacked_destroy(&up);
  }
  sio__free(raw);
  return rc;
}
