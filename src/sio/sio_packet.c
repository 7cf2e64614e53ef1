/* Socket.IO v5 packet decode/encode (see sio_packet.h, PROTOCOL.md §2.2-2.3). */
#include "sio/sio_packet.h"

#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"
#include "sio/sio_binary.h"

static const char root_nsp[] = "/";

void sio__sio_limits_init(sio__sio_limits_t *lim) {
  lim->max_attachments = SIO_SIO_MAX_ATTACHMENTS_DEFAULT;
  lim->max_depth = SIO_JSON_DEPTH_DEFAULT;
  lim->max_binary_bytes = SIO_SIO_MAX_BINARY_BYTES_DEFAULT;
}

int sio__sio_nsp_is_root(const char *nsp, size_t len) {
  return len == 0 || (len == 1 && nsp[0] == '/');
}

int sio__sio_name_reserved(const char *s, size_t n) {
  static const struct {
    const char *s;
    size_t n;
  } names[] = {{"connect", 7},        {"connect_error", 13}, {"disconnect", 10},
               {"disconnecting", 13}, {"newListener", 11},   {"removeListener", 14}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (n == names[i].n && memcmp(s, names[i].s, n) == 0) return 1;
  return 0;
}

/* The same test on a JSON string token, without unescaping into a buffer. */
static int name_val_reserved(const sio__json_val_t *v) {
  static const char *const names[] = {"connect",       "connect_error", "disconnect",
                                      "disconnecting", "newListener",   "removeListener"};
  /* No reserved name is longer than 14 bytes; an escape can only lengthen the
   * token (6 bytes per character at most). */
  if (v->len > 2 + 14 * 6) return 0;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (sio__json_string_eq(v, names[i], strlen(names[i]))) return 1;
  return 0;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* Sets name/args of an event payload (a validated array). */
static int split_event(sio__sio_packet_t *out) {
  sio__json_iter_t it;
  const char *q, *e;
  if (sio__json_iter_init(&it, &out->payload)) return SIO_EPROTO;
  if (sio__json_iter_next(&it, NULL, &out->name) != 1) return SIO_EPROTO; /* [] */
  if (out->name.type == SIO_JSON_STRING) {
    if (name_val_reserved(&out->name)) return SIO_EPROTO;
  } else if (out->name.type != SIO_JSON_NUMBER) {
    return SIO_EPROTO;
  }
  /* Arguments: after the name's comma up to the closing bracket, trimmed. */
  q = out->name.p + out->name.len;
  e = out->payload.p + out->payload.len - 1;
  while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) q++;
  if (q < e && *q == ',') q++;
  while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) q++;
  while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) e--;
  out->args = q;
  out->args_len = (size_t)(e - q);
  return 0;
}

int sio__sio_packet_decode(const char *p, size_t n, const sio__sio_limits_t *lim,
                           sio__sio_packet_t *out) {
  sio__sio_limits_t defaults;
  size_t i = 1;
  int rc;

  if (!lim) {
    sio__sio_limits_init(&defaults);
    lim = &defaults;
  }
  memset(out, 0, sizeof(*out));
  out->h.nsp = root_nsp;
  out->h.nsp_len = 1;
  if (!p || n == 0 || p[0] < '0' || p[0] > '6') return SIO_EPROTO;
  uint8_t type = (uint8_t)(p[0] - '0');
  out->h.type = type;

  /* 5/6: "<count>-", count in 1..max_attachments. */
  if (type == SIO_SIO_BINARY_EVENT || type == SIO_SIO_BINARY_ACK) {
    uint64_t count = 0;
    size_t start = i;
    while (i < n && is_digit(p[i])) {
      count = count * 10 + (uint64_t)(p[i] - '0');
      if (count > lim->max_attachments) return SIO_ELIMIT;
      i++;
    }
    if (i == start || i >= n || p[i] != '-' || count == 0) return SIO_EPROTO;
    i++;
    out->h.attachments = (uint32_t)count;
  }

  /* Namespace: up to the first ',' or the end of the text. */
  if (i < n && p[i] == '/') {
    const char *comma = memchr(p + i, ',', n - i);
    size_t end = comma ? (size_t)(comma - p) : n;
    out->h.nsp = p + i;
    out->h.nsp_len = end - i;
    i = comma ? end + 1 : end;
  }

  /* Ack id: consecutive digits, at most UINT64_MAX. */
  if (i < n && is_digit(p[i])) {
    uint64_t id = 0;
    while (i < n && is_digit(p[i])) {
      unsigned d = (unsigned)(p[i] - '0');
      if (id > (UINT64_MAX - d) / 10) return SIO_EPROTO;
      id = id * 10 + d;
      i++;
    }
    out->h.has_ack = 1;
    out->h.ack_id = id;
  }

  if (i < n) {
    rc = sio__json_parse(p + i, n - i, lim->max_depth, &out->payload);
    if (rc) return rc;
  }

  uint8_t pt = out->payload.type;
  switch (type) {
    case SIO_SIO_CONNECT:
      if (pt != SIO_JSON_NONE && pt != SIO_JSON_OBJECT) return SIO_EPROTO;
      break;
    case SIO_SIO_DISCONNECT:
      if (pt != SIO_JSON_NONE) return SIO_EPROTO;
      break;
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT:
      if (pt != SIO_JSON_ARRAY) return SIO_EPROTO;
      if ((rc = split_event(out))) return rc;
      break;
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      if (pt != SIO_JSON_NONE && pt != SIO_JSON_ARRAY) return SIO_EPROTO;
      break;
    case SIO_SIO_CONNECT_ERROR:
      if (pt != SIO_JSON_OBJECT && pt != SIO_JSON_STRING) return SIO_EPROTO;
      break;
  }

  if (out->h.attachments && pt != SIO_JSON_NONE) {
    rc = sio__sio_placeholders_walk(&out->payload, out->h.attachments, lim->max_depth,
                                    NULL, NULL);
    if (rc) return rc;
  }
  return 0;
}

void sio__sio_packet_release(sio__sio_packet_t *pkt) {
  if (!pkt) return;
  if (pkt->att) {
    for (uint32_t i = 0; i < pkt->h.attachments; i++) sio__rbuf_unref(pkt->att[i].owner);
    sio__free(pkt->att);
    pkt->att = NULL;
  }
  sio__rbuf_unref(pkt->text);
  pkt->text = NULL;
}

int sio__sio_event_name(const sio__sio_packet_t *pkt, char *buf, size_t cap,
                        size_t *len) {
  const sio__json_val_t *v = &pkt->name;
  if (v->type == SIO_JSON_STRING) return sio__json_string_copy(v, buf, cap, len);
  if (v->type != SIO_JSON_NUMBER) return SIO_EINVAL;
  if (cap <= v->len) return SIO_EMSGSIZE;
  memcpy(buf, v->p, v->len);
  buf[v->len] = '\0';
  if (len) *len = v->len;
  return 0;
}

int sio__sio_packet_args(const sio__sio_packet_t *pkt, sio__json_iter_t *it) {
  switch (pkt->h.type) {
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT: {
      sio__json_val_t name;
      if (sio__json_iter_init(it, &pkt->payload)) return SIO_EINVAL;
      return sio__json_iter_next(it, NULL, &name) == 1 ? 0 : SIO_EINVAL;
    }
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      if (pkt->payload.type == SIO_JSON_NONE) {
        it->p = it->end = "";
        it->is_object = 0;
        it->started = 0;
        return 0;
      }
      return sio__json_iter_init(it, &pkt->payload);
    default:
      return SIO_EINVAL;
  }
}

/* ---- Encoding ------------------------------------------------------------ */

/* Checks h against a payload whose first byte is first (0 = no payload) and
 * returns the type to write, or SIO_EINVAL. */
static int check_header(const sio__sio_header_t *h, char first) {
  int type = h->type;
  if (type > SIO_SIO_BINARY_ACK) return SIO_EINVAL;
  if (h->attachments && (type == SIO_SIO_EVENT || type == SIO_SIO_ACK)) type += 3;
  int binary = type == SIO_SIO_BINARY_EVENT || type == SIO_SIO_BINARY_ACK;
  int carries = binary || type == SIO_SIO_EVENT || type == SIO_SIO_ACK;
  if (binary && h->attachments == 0) return SIO_EINVAL;
  if (!carries && (h->attachments || h->has_ack)) return SIO_EINVAL;
  if (h->nsp && !sio__sio_nsp_is_root(h->nsp, h->nsp_len) &&
      (h->nsp[0] != '/' || memchr(h->nsp, ',', h->nsp_len)))
    return SIO_EINVAL;
  switch (type) {
    case SIO_SIO_CONNECT:
      return first == 0 || first == '{' ? type : SIO_EINVAL;
    case SIO_SIO_DISCONNECT:
      return first == 0 ? type : SIO_EINVAL;
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT:
      return first == '[' ? type : SIO_EINVAL;
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      return first == 0 || first == '[' ? type : SIO_EINVAL;
    default: /* CONNECT_ERROR */
      return first == '{' || first == '"' ? type : SIO_EINVAL;
  }
}

static void write_header(sio__sb_t *sb, const sio__sio_header_t *h, int type,
                         size_t body_len) {
  /* One reservation for the whole packet: type, count, nsp, id, body. */
  size_t nsp_len = h->nsp && !sio__sio_nsp_is_root(h->nsp, h->nsp_len) ? h->nsp_len : 0;
  if (nsp_len + body_len < SIZE_MAX / 2) sio__sb_reserve(sb, 48 + nsp_len + body_len);
  sio__sb_putc(sb, (char)('0' + type));
  if (type == SIO_SIO_BINARY_EVENT || type == SIO_SIO_BINARY_ACK) {
    sio__sb_put_u64(sb, h->attachments);
    sio__sb_putc(sb, '-');
  }
  if (nsp_len) {
    sio__sb_append(sb, h->nsp, nsp_len);
    sio__sb_putc(sb, ',');
  }
  if (h->has_ack) sio__sb_put_u64(sb, h->ack_id);
}

int sio__sio_encode(sio__sb_t *sb, const sio__sio_header_t *h, const char *payload,
                    size_t payload_len) {
  if (!h || (payload_len && !payload)) return SIO_EINVAL;
  int type = check_header(h, payload_len ? payload[0] : 0);
  if (type < 0) return type;
  if (sb->err) return sb->err;
  write_header(sb, h, type, payload_len);
  sio__sb_append(sb, payload, payload_len);
  return sb->err;
}

static int write_event(sio__sb_t *sb, const sio__sio_header_t *h, const char *name,
                       size_t name_len, int raw, const char *args, size_t args_len) {
  if (!h || (h->type != SIO_SIO_EVENT && h->type != SIO_SIO_BINARY_EVENT) ||
      (args_len && !args) || (name_len && !name))
    return SIO_EINVAL;
  int type = check_header(h, '[');
  if (type < 0) return type;
  if (raw) {
    sio__json_val_t v;
    if (sio__json_parse(name, name_len, 1, &v) || v.len != name_len) return SIO_EINVAL;
    if (v.type == SIO_JSON_STRING ? name_val_reserved(&v) : v.type != SIO_JSON_NUMBER)
      return SIO_EINVAL;
  } else if (sio__sio_name_reserved(name, name_len)) {
    return SIO_EINVAL;
  }
  if (sb->err) return sb->err;
  size_t start = sio__sb_len(sb);
  write_header(sb, h, type, name_len + args_len + 8);
  sio__sb_putc(sb, '[');
  if (raw) {
    sio__sb_append(sb, name, name_len);
  } else if (sio__json_write_string(sb, name, name_len) == SIO_EILSEQ) {
    if (!sb->err && sb->buf) sb->buf->len = start;
    return SIO_EINVAL;
  }
  if (args_len) {
    sio__sb_putc(sb, ',');
    sio__sb_append(sb, args, args_len);
  }
  sio__sb_putc(sb, ']');
  return sb->err;
}

int sio__sio_encode_ack(sio__sb_t *sb, const sio__sio_header_t *h, const char *args,
                        size_t args_len) {
  if (!h || (h->type != SIO_SIO_ACK && h->type != SIO_SIO_BINARY_ACK) ||
      (args_len && !args))
    return SIO_EINVAL;
  int type = check_header(h, '[');
  if (type < 0) return type;
  if (sb->err) return sb->err;
  write_header(sb, h, type, args_len + 2);
  sio__sb_putc(sb, '[');
  sio__sb_append(sb, args, args_len);
  sio__sb_putc(sb, ']');
  return sb->err;
}

int sio__sio_encode_event(sio__sb_t *sb, const sio__sio_header_t *h, const char *name,
                          size_t name_len, const char *args, size_t args_len) {
  return write_event(sb, h, name, name_len, 0, args, args_len);
}

int sio__sio_encode_event_raw(sio__sb_t *sb, const sio__sio_header_t *h,
                              const char *name_json, size_t name_json_len,
                              const char *args, size_t args_len) {
  return write_event(sb, h, name_json, name_json_len, 1, args, args_len);
}
