/* libsio-admin: sockets as the UI reads them (its SerializedSocket: id,
 * clientId, transport, nsp, data, handshake without auth, rooms). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/admin_internal.h"

void admin_json_free(void *p) {
  json_malloc_t m;
  json_free_t f;
  json_get_alloc_funcs(&m, &f);
  f(p);
}

int64_t admin_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void admin_iso_date(int64_t ms, char out[32]) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into a new jansson string. */
static json_t *decoded(const char *s, size_t n) {
  char *out = sio_malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i] == '+' ? ' ' : s[i];
    }
  }
  json_t *v = json_stringn(out, o); /* NULL when not UTF-8 */
  sio_free(out);
  return v;
}

/* The query string as Node's parsed handshake.query (last value wins). */
static json_t *query_object(const char *q, size_t len) {
  json_t *obj = json_object();
  for (size_t i = 0; obj && i < len;) {
    size_t end = i;
    while (end < len && q[end] != '&') end++;
    size_t eq = i;
    while (eq < end && q[eq] != '=') eq++;
    if (eq > i) {
      json_t *k = decoded(q + i, eq - i);
      json_t *v = eq < end ? decoded(q + eq + 1, end - eq - 1) : json_string("");
      if (k && v) json_object_set(obj, json_string_value(k), v);
      json_decref(k);
      json_decref(v);
    }
    i = end + 1;
  }
  return obj;
}

static json_t *headers_object(const sio_socket_t *sock) {
  json_t *obj = json_object();
  sio_buf_t name, value;
  for (size_t i = 0; obj && sio_socket_header_at(sock, i, &name, &value) == 0; i++) {
    char key[256];
    if (name.len >= sizeof key) continue;
    for (size_t j = 0; j < name.len; j++) { /* Node lower-cases header names */
      char c = (char)name.base[j];
      key[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    key[name.len] = '\0';
    json_t *v = json_stringn((const char *)value.base, value.len);
    if (v) json_object_set_new(obj, key, v);
  }
  return obj;
}

/* data without its "_admin" member ({} when there is none). */
static json_t *user_data(json_t *data) {
  json_t *out = json_is_object(data) ? json_deep_copy(data) : json_object();
  if (out) json_object_del(out, "_admin");
  return out;
}

static json_t *rooms_of_local(const sio_socket_t *sock) {
  json_t *arr = json_array();
  size_t n = sio_socket_rooms_count(sock);
  for (size_t i = 0; arr && i < n; i++)
    json_array_append_new(arr, json_string(sio_socket_room(sock, i)));
  return arr;
}

json_t *admin_serialize_socket(sio_socket_t *sock) {
  sio_eio_socket_t *eio = sio_socket_eio(sock);
  const char *eid = eio ? sio_eio_socket_id(eio) : "";
  const char *transport = sio_socket_transport(sock);
  const char *addr = sio_socket_header(sock, "cf-connecting-ip", NULL);
  if (!addr) addr = sio_socket_header(sock, "x-forwarded-for", NULL);
  if (!addr) addr = sio_socket_address(sock);
  size_t qlen = 0, ulen = 0;
  const char *q = sio_socket_query(sock, &qlen);
  const char *url = sio_socket_url(sock, &ulen);
  char date[32];
  admin_iso_date((int64_t)sio_socket_issued(sock), date);
  const char *shared = sio_socket_shared_data(sock);
  json_t *data = shared ? json_loads(shared, JSON_DECODE_ANY, NULL) : NULL;
  json_t *hs = json_pack("{s:s, s:o, s:o, s:I, s:b, s:s, s:s%, s:b}", "address",
                         addr ? addr : "", "headers", headers_object(sock), "query",
                         query_object(q ? q : "", q ? qlen : 0), "issued",
                         (json_int_t)sio_socket_issued(sock), "secure", 0, "time", date,
                         "url", url ? url : "", url ? ulen : 0, "xdomain",
                         sio_socket_header(sock, "origin", NULL) != NULL);
  json_t *out = json_pack(
      "{s:s, s:s%, s:s, s:s, s:o, s:o, s:o}", "id", sio_socket_id(sock), "clientId", eid,
      strlen(eid) < 12 ? strlen(eid) : 12, "transport", transport ? transport : "", "nsp",
      sio_namespace_name(sio_socket_namespace(sock)), "data", user_data(data),
      "handshake", hs, "rooms", rooms_of_local(sock));
  json_decref(data);
  return out;
}

json_t *admin_serialize_remote(const sio_remote_socket_t *rs, const char *nsp) {
  const char *hj = sio_remote_socket_handshake_json(rs);
  const char *dj = sio_remote_socket_data_json(rs);
  json_t *hs = hj ? json_loads(hj, 0, NULL) : NULL;
  json_t *data = dj ? json_loads(dj, JSON_DECODE_ANY, NULL) : NULL;
  if (!json_is_object(hs)) {
    json_decref(hs);
    hs = json_object();
  }
  json_object_del(hs, "auth"); /* an admin's password travels in auth */
  json_t *adm = json_object_get(data, "_admin");
  json_t *cid = json_object_get(adm, "clientId");
  json_t *tr = json_object_get(adm, "transport");
  json_t *rooms = json_array();
  size_t n = sio_remote_socket_rooms_count(rs);
  for (size_t i = 0; rooms && i < n; i++)
    json_array_append_new(rooms, json_string(sio_remote_socket_room(rs, i)));
  json_t *out =
      json_pack("{s:s, s:O?, s:O?, s:s, s:o, s:o, s:o}", "id", sio_remote_socket_id(rs),
                "clientId", cid, "transport", tr, "nsp", nsp, "data", user_data(data),
                "handshake", hs, "rooms", rooms);
  json_decref(data);
  return out;
}
