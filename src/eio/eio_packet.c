#include "eio/eio_packet.h"

#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/utf8.h"
#include "sio/common.h"

static const uint8_t empty_data[1];

int sio__eio_decode_ws(uint8_t *data, size_t len, int is_binary, sio__eio_packet_t *out) {
  if (is_binary) {
    out->type = SIO__EIO_MESSAGE;
    out->binary = 1;
    out->data = len ? data : empty_data;
    out->len = len;
    return 0;
  }
  if (len > 0 && data[0] == 'b') {
    /* A binary message sent as text (engine.io-client's forceBase64). */
    long m = sio__base64_decode_loose(data + 1, (const char *)data + 1, len - 1);
    if (m < 0) return SIO_EPROTO;
    out->type = SIO__EIO_MESSAGE;
    out->binary = 1;
    out->data = data + 1;
    out->len = (size_t)m;
    return 0;
  }
  if (len == 0 || data[0] < '0' || data[0] > '6') return SIO_EPROTO;
  out->type = (sio__eio_type_t)(data[0] - '0');
  out->binary = 0;
  out->data = data + 1;
  out->len = len - 1;
  return 0;
}

/* Decodes one polling piece p[0..n) in place into *pk. */
static int decode_piece(uint8_t *p, size_t n, sio__eio_packet_t *pk) {
  if (n == 0) return SIO_EPROTO;
  if (p[0] == 'b') {
    long m = sio__base64_decode_loose(p + 1, (const char *)p + 1, n - 1);
    if (m < 0) return SIO_EPROTO;
    pk->type = SIO__EIO_MESSAGE;
    pk->binary = 1;
    pk->data = p + 1;
    pk->len = (size_t)m;
    return 0;
  }
  if (p[0] < '0' || p[0] > '6') return SIO_EPROTO;
  if (!sio__utf8_valid(p + 1, n - 1)) return SIO_EPROTO;
  pk->type = (sio__eio_type_t)(p[0] - '0');
  pk->binary = 0;
  pk->data = p + 1;
  pk->len = n - 1;
  return 0;
}

int sio__eio_decode_payload(uint8_t *data, size_t len, sio__eio_packet_cb cb, void *arg) {
  if (len == 0) return SIO_EPROTO;
  size_t start = 0;
  for (;;) {
    const uint8_t *sep = memchr(data + start, SIO_EIO_SEPARATOR, len - start);
    size_t end = sep ? (size_t)(sep - data) : len;
    sio__eio_packet_t pk;
    if (decode_piece(data + start, end - start, &pk)) return SIO_EPROTO;
    int rc = cb(arg, &pk);
    if (rc) return rc;
    if (!sep) return 0;
    start = end + 1; /* a trailing separator leaves an empty piece: an error */
  }
}

size_t sio__eio_payload_size(sio__eio_type_t type, int binary, size_t len) {
  if (binary) {
    size_t b = sio__base64_encoded_len(len);
    return b == SIZE_MAX ? SIZE_MAX : b + 1;
  }
  return len == SIZE_MAX ? SIZE_MAX : len + 1;
}

void sio__eio_payload_append(sio__sb_t *sb, int first, sio__eio_type_t type, int binary,
                             const uint8_t *data, size_t len) {
  if (!first) sio__sb_putc(sb, (char)SIO_EIO_SEPARATOR);
  if (binary) {
    sio__sb_putc(sb, 'b');
    sio__base64_append(sb, data, len);
  } else {
    sio__sb_putc(sb, (char)('0' + type));
    sio__sb_append(sb, data, len);
  }
}

/* Writes s as a JSON string. Our sids are URL-safe and need no escaping; the
 * escaping is only so an odd sid can never break the JSON. */
static void put_json_string(sio__sb_t *sb, const char *s) {
  static const char hex[] = "0123456789abcdef";
  sio__sb_putc(sb, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      sio__sb_putc(sb, '\\');
      sio__sb_putc(sb, (char)c);
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      sio__sb_append(sb, e, sizeof(e));
    } else {
      sio__sb_putc(sb, (char)c);
    }
  }
  sio__sb_putc(sb, '"');
}

void sio__eio_open_packet_append(sio__sb_t *sb, const char *sid, int websocket_upgrade,
                                 uint32_t ping_interval, uint32_t ping_timeout,
                                 uint64_t max_payload) {
  sio__sb_puts(sb, "0{\"sid\":");
  put_json_string(sb, sid);
  sio__sb_puts(sb,
               websocket_upgrade ? ",\"upgrades\":[\"websocket\"]" : ",\"upgrades\":[]");
  sio__sb_puts(sb, ",\"pingInterval\":");
  sio__sb_put_u64(sb, ping_interval);
  sio__sb_puts(sb, ",\"pingTimeout\":");
  sio__sb_put_u64(sb, ping_timeout);
  sio__sb_puts(sb, ",\"maxPayload\":");
  sio__sb_put_u64(sb, max_payload);
  sio__sb_putc(sb, '}');
}

/* Reads an optional non-negative integer member no larger than max. */
static int get_uint(json_t *obj, const char *key, uint64_t max, uint64_t *out) {
  json_t *v = json_object_get(obj, key);
  *out = 0;
  if (!v) return 0;
  if (!json_is_integer(v)) return SIO_EPROTO;
  json_int_t n = json_integer_value(v);
  if (n < 0 || (uint64_t)n > max) return SIO_EPROTO;
  *out = (uint64_t)n;
  return 0;
}

int sio__eio_parse_open(const uint8_t *json, size_t len, sio__eio_handshake_t *out) {
  memset(out, 0, sizeof(*out));
  json_error_t jerr;
  json_t *root = json_loadb((const char *)json, len, 0, &jerr);
  if (!root) return SIO_EPROTO;
  int rc = SIO_EPROTO;
  if (!json_is_object(root)) goto done;

  json_t *sid = json_object_get(root, "sid");
  if (!json_is_string(sid)) goto done;
  size_t sid_len = json_string_length(sid);
  const char *sid_s = json_string_value(sid);
  if (sid_len == 0 || sid_len >= sizeof(out->sid) || memchr(sid_s, 0, sid_len)) goto done;
  memcpy(out->sid, sid_s, sid_len);
  out->sid[sid_len] = '\0';

  json_t *up = json_object_get(root, "upgrades");
  if (up) {
    if (!json_is_array(up)) goto done;
    for (size_t k = 0; k < json_array_size(up); k++) {
      json_t *t = json_array_get(up, k);
      if (!json_is_string(t)) goto done;
      if (strcmp(json_string_value(t), "websocket") == 0) out->upgrade_websocket = 1;
    }
  }

  uint64_t v;
  if (get_uint(root, "pingInterval", UINT32_MAX, &v)) goto done;
  out->ping_interval = (uint32_t)v;
  if (get_uint(root, "pingTimeout", UINT32_MAX, &v)) goto done;
  out->ping_timeout = (uint32_t)v;
  if (get_uint(root, "maxPayload", UINT64_MAX, &v)) goto done;
  out->max_payload = v;
  rc = 0;
done:
  json_decref(root);
  if (rc) memset(out, 0, sizeof(*out));
  return rc;
}
