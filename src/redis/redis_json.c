/* JSON for the adapter's requests and responses (docs/REDIS-WIRE.md §5), with
 * jansson: selections, arguments (JSON carries no binary: a Buffer becomes
 * Node's {"type":"Buffer","data":[...]}), compact dumps. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"

/* A placeholder {"_placeholder":true,"num":N} with N < natt, or -1. */
static long placeholder_num(const json_t *v, size_t natt) {
  if (!json_is_object(v) || json_object_size(v) != 2) return -1;
  if (!json_is_true(json_object_get(v, "_placeholder"))) return -1;
  const json_t *num = json_object_get(v, "num");
  if (!json_is_integer(num)) return -1;
  json_int_t n = json_integer_value(num);
  return n >= 0 && (size_t)n < natt ? (long)n : -1;
}

static json_t *buffer_json(const sio_buf_t *b) {
  json_t *data = json_array();
  for (size_t i = 0; data && i < b->len; i++)
    if (json_array_append_new(data, json_integer(b->base[i]))) {
      json_decref(data);
      return NULL;
    }
  return data ? json_pack("{s:s,s:o}", "type", "Buffer", "data", data) : NULL;
}

/* Replaces placeholders inside v (in place). 0 or -1 (out of memory). */
static int replace_placeholders(json_t *v, const sio_buf_t *att, size_t natt, int depth) {
  if (depth > 64) return -1;
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      json_t *e = json_array_get(v, i);
      long n = placeholder_num(e, natt);
      if (n >= 0) {
        json_t *buf = buffer_json(&att[n]);
        if (!buf || json_array_set_new(v, i, buf)) return -1;
      } else if (replace_placeholders(e, att, natt, depth + 1)) {
        return -1;
      }
    }
  } else if (json_is_object(v)) {
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e) {
      long n = placeholder_num(e, natt);
      if (n >= 0) {
        json_t *buf = buffer_json(&att[n]);
        if (!buf || json_object_set_new(v, k, buf)) return -1;
      } else if (replace_placeholders(e, att, natt, depth + 1)) {
        return -1;
      }
    }
  }
  return 0;
}

json_t *sio__redis_args_to_jansson(const char *json, size_t len, const sio_buf_t *att,
                                   size_t natt) {
  char *text = sio__malloc(len + 2);
  if (!text) return NULL;
  text[0] = '[';
  if (len) memcpy(text + 1, json, len);
  text[len + 1] = ']';
  json_error_t err;
  json_t *arr = json_loadb(text, len + 2, JSON_ALLOW_NUL, &err);
  sio__free(text);
  if (!json_is_array(arr) || (natt && replace_placeholders(arr, att, natt, 0))) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

static json_t *strings_json(const char *const *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, json_string(v[i]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

json_t *sio__redis_opts_to_jansson(const sio_adapter_opts_t *o) {
  json_t *rooms = strings_json(o->rooms, o->nrooms);
  json_t *except = strings_json(o->except, o->nexcept);
  if (!rooms || !except) {
    json_decref(rooms);
    json_decref(except);
    return NULL;
  }
  return json_pack("{s:o,s:o}", "rooms", rooms, "except", except);
}

int sio__redis_strings_from(const json_t *a, const char *const **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!a) return 0; /* missing: empty */
  if (!json_is_array(a)) return SIO_EPROTO;
  size_t cnt = json_array_size(a);
  const char **v = sio__calloc(cnt ? cnt : 1, sizeof(*v));
  if (!v) return SIO_ENOMEM;
  for (size_t i = 0; i < cnt; i++) {
    /* Node also sends numbers for rooms it was given as numbers. */
    const json_t *e = json_array_get(a, i);
    if (!json_is_string(e)) {
      sio__free(v);
      return SIO_EPROTO;
    }
    v[i] = json_string_value(e);
  }
  *out = v;
  *n = cnt;
  return 0;
}

int sio__redis_opts_from_jansson(const json_t *j, sio_adapter_opts_t *o) {
  memset(o, 0, sizeof(*o));
  if (!json_is_object(j)) return SIO_EPROTO;
  int rc = sio__redis_strings_from(json_object_get(j, "rooms"), &o->rooms, &o->nrooms);
  if (!rc)
    rc = sio__redis_strings_from(json_object_get(j, "except"), &o->except, &o->nexcept);
  if (rc) sio__redis_opts_free(o);
  return rc;
}

void sio__redis_opts_free(sio_adapter_opts_t *o) {
  sio__free((void *)o->rooms);
  sio__free((void *)o->except);
  o->rooms = o->except = NULL;
  o->nrooms = o->nexcept = 0;
}

char *sio__redis_dump(const json_t *v, size_t *len) {
  const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
  size_t n = json_dumpb(v, NULL, 0, flags);
  if (n == 0) return NULL;
  char *out = sio__malloc(n + 1); /* ours, whatever allocator jansson uses */
  if (!out) return NULL;
  if (json_dumpb(v, out, n, flags) != n) {
    sio__free(out);
    return NULL;
  }
  out[n] = '\0';
  if (len) *len = n;
  return out;
}

char *sio__redis_array_to_args(const json_t *arr, size_t from, size_t *len) {
  size_t cap = 64, n = 0;
  char *out = sio__malloc(cap);
  if (!out) return NULL;
  out[0] = '\0';
  for (size_t i = from; i < json_array_size(arr); i++) {
    size_t el;
    char *e = sio__redis_dump(json_array_get(arr, i), &el);
    if (!e) {
      sio__free(out);
      return NULL;
    }
    if (n + el + 2 > cap) {
      while (n + el + 2 > cap) cap *= 2;
      char *no = sio__realloc(out, cap);
      if (!no) {
        sio__free(e);
        sio__free(out);
        return NULL;
      }
      out = no;
    }
    if (n) out[n++] = ',';
    memcpy(out + n, e, el);
    n += el;
    out[n] = '\0';
    sio__free(e);
  }
  if (len) *len = n;
  return out;
}

int sio__redis_args_view(const sio_args_t *args, sio_buf_t *json, sio_buf_t **att,
                         size_t *natt) {
  json->base = (const uint8_t *)"";
  json->len = 0;
  if (args) sio_args_json(args, json);
  *natt = sio_args_attachments_count(args);
  *att = *natt ? sio__calloc(*natt, sizeof(**att)) : NULL;
  if (*natt && !*att) return SIO_ENOMEM;
  for (size_t i = 0; i < *natt; i++) sio_args_attachment(args, i, &(*att)[i]);
  return 0;
}

int sio__redis_first_reply(const sio_argv_t *reply, sio_buf_t *first, sio_buf_t **att,
                           size_t *natt) {
  *first = (sio_buf_t){(const uint8_t *)"null", 4};
  if (sio_argv_count(reply)) sio_argv_raw(reply, 0, first);
  *natt = sio_argv_attachments_count(reply);
  *att = *natt ? sio__calloc(*natt, sizeof(**att)) : NULL;
  if (*natt && !*att) return SIO_ENOMEM;
  for (size_t i = 0; i < *natt; i++) sio_argv_attachment(reply, i, &(*att)[i]);
  return 0;
}

json_t *sio__redis_sio_args_to_jansson(const sio_args_t *args) {
  sio_buf_t json, *att;
  size_t natt;
  if (sio__redis_args_view(args, &json, &att, &natt)) return NULL;
  json_t *arr = sio__redis_args_to_jansson((const char *)json.base, json.len, att, natt);
  sio__free(att);
  return arr;
}

/* JSON text of this server (NUL-terminated, NULL: none) as a value. */
static json_t *own_json(const char *text) {
  json_error_t err;
  return text ? json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err) : NULL;
}

json_t *sio__redis_socket_json(sio_socket_t *sock) {
  json_t *rooms = json_array();
  for (size_t i = 0; rooms && i < sio_socket_rooms_count(sock); i++)
    json_array_append_new(rooms, json_string(sio_socket_room(sock, i)));
  char *hs = sio_socket_handshake_json(sock);
  json_t *handshake = own_json(hs);
  sio_free(hs);
  json_t *data = own_json(sio_socket_shared_data(sock));
  return json_pack("{s:s,s:o,s:o,s:o}", "id", sio_socket_id(sock), "handshake",
                   handshake ? handshake : json_object(), "rooms",
                   rooms ? rooms : json_array(), "data", data ? data : json_object());
}

json_t *sio__redis_remote_socket_json(const sio_remote_socket_t *rs) {
  if (sio_remote_socket_local(rs))
    return sio__redis_socket_json(sio_remote_socket_local(rs));
  json_t *rooms = json_array();
  for (size_t i = 0; rooms && i < sio_remote_socket_rooms_count(rs); i++)
    json_array_append_new(rooms, json_string(sio_remote_socket_room(rs, i)));
  json_t *handshake = own_json(sio_remote_socket_handshake_json(rs));
  json_t *data = own_json(sio_remote_socket_data_json(rs));
  return json_pack("{s:s,s:o,s:o,s:o}", "id", sio_remote_socket_id(rs), "handshake",
                   handshake ? handshake : json_object(), "rooms",
                   rooms ? rooms : json_array(), "data", data ? data : json_object());
}

void sio__redis_fetch_add_sockets(sio_adapter_fetch_t *fetch, const json_t *sockets) {
  size_t i;
  const json_t *s;
  json_array_foreach(sockets, i, s) {
    const char *id = json_string_value(json_object_get(s, "id"));
    if (!id) continue;
    const char *const *rooms;
    size_t nrooms;
    if (sio__redis_strings_from(json_object_get(s, "rooms"), &rooms, &nrooms)) {
      rooms = NULL;
      nrooms = 0;
    }
    const json_t *hs = json_object_get(s, "handshake");
    const json_t *data = json_object_get(s, "data");
    char *hs_text = hs ? sio__redis_dump(hs, NULL) : NULL;
    char *data_text = data ? sio__redis_dump(data, NULL) : NULL;
    sio_adapter_fetch_add(fetch, id, rooms, nrooms, hs_text, data_text);
    sio__free(hs_text);
    sio__free(data_text);
    sio__free((void *)rooms);
  }
}
