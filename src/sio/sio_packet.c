/* Socket.IO v5 packet decode/encode (see sio_packet.h, docs/PROTOCOL.md §2.2-2.3). */
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
  if (n < 7 || n > 14) return 0; /* most names, quickly */
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
  if (!(v->flags & SIO_JSON_F_ESCAPED))
    return sio__sio_name_reserved(v->p + 1, v->len - 2);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (sio__json_string_eq(v, names[i], strlen(names[i]))) return 1;
  return 0;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* 1 for the bytes that end a plain string's run: controls, '"', '\\',
 * DEL and above (left to the scanner's UTF-8 check). A name made only of
 * other bytes is written as a JSON string by quoting it alone. */
/* clang-format off */
static const uint8_t stop[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x00 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x10 */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x30 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x40 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  /* 0x50 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x60 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,  /* 0x70 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x80 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x90 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xa0 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xb0 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xc0 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xd0 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xe0 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xf0 */
};
/* clang-format on */

/* Flags (high bit of the byte) the bytes of x that stop a plain run, as
 * stop[] says, with the usual word-at-a-time tests for a byte below 0x20,
 * above 0x7e, '"' or '\\'. Every stop byte is flagged; a borrow or carry
 * can flag a byte above a stop byte too, never one below the first. */
static uint64_t word_stops(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  uint64_t low = (x - ones * 0x20) & ~x;
  uint64_t big = (x + ones * 1) | x; /* byte + 1 >= 0x80: 0x7f and above */
  return (((q - ones) & ~q) | ((b - ones) & ~b) | low | big) & high;
}

/* The first byte of q[0..e) that stops a plain run, or e. */
static const char *plain_run(const char *q, const char *e) {
  while (e - q >= 8) {
    uint64_t x;
    memcpy(&x, q, 8);
    uint64_t hit = word_stops(x);
    if (hit) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                                      \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      /* The lowest flagged byte is the first stop byte. */
      return q + (__builtin_ctzll(hit) >> 3);
#else
      break;
#endif
    }
    q += 8;
  }
  while (q < e && !stop[(unsigned char)*q]) q++;
  return q;
}

/* The first byte of q[0..e) that is not a decimal digit, or e: eight at a
 * time while every byte is 0x30..0x39 (high nibble 3, before and after
 * adding 6; a byte that fails the first test ends the word before the
 * second's carries matter). */
static const char *digit_run(const char *q, const char *e) {
  const uint64_t ones = 0x0101010101010101ull, nib = 0xf0f0f0f0f0f0f0f0ull;
  while (e - q >= 8) {
    uint64_t x;
    memcpy(&x, q, 8);
    if ((x & nib) != ones * 0x30 || ((x + ones * 6) & nib) != ones * 0x30) break;
    q += 8;
  }
  while (q < e && is_digit(*q)) q++;
  return q;
}

/* Recognises the values arguments nearly always are, plain strings
 * (printable ASCII, no escapes) and integers, without the general scanner:
 * fills *v and returns the byte after the value, or NULL to leave the value
 * (valid or not) to sio__json_parse_prefix. Accepts nothing it refuses. */
static const char *quick_value(const char *q, const char *e, sio__json_val_t *v) {
  const char *s = q;
  uint8_t type;
  if (*q == '"') {
    q = plain_run(q + 1, e);
    if (q >= e || *q != '"') return NULL;
    q++;
    type = SIO_JSON_STRING;
  } else {
    if (*q == '-') q++;
    if (q >= e || !is_digit(*q)) return NULL;
    if (*q == '0')
      q++;
    else
      q = digit_run(q, e);
    if (q >= e || *q == '.' || *q == 'e' || *q == 'E' || is_digit(*q)) return NULL;
    type = SIO_JSON_NUMBER;
  }
  v->p = s;
  v->len = (size_t)(q - s);
  v->type = type;
  v->flags = 0;
  return q;
}

/* Validates p[0..n), whose first non-blank byte is '[', as exactly one JSON
 * text, accepting and refusing what sio__json_parse does with the same error
 * codes, and records the elements while at it (one pass instead of a parse
 * and a walk). Each element is validated by the core scanner; only the
 * brackets, commas and blanks around them are checked here. With event set,
 * element 0 is the name and the others the arguments. */
static int scan_array(const char *p, size_t n, unsigned max_depth, int event,
                      sio__sio_packet_t *out) {
  const char *q = p, *e = p + n, *close;
  sio__json_val_t v, last = {NULL, 0, 0, 0};
  uint8_t space = 0;
  int rc;

  if (max_depth == 0) max_depth = SIO_JSON_DEPTH_DEFAULT;
  if (max_depth > SIO_JSON_DEPTH_MAX) max_depth = SIO_JSON_DEPTH_MAX;
  while (q < e && is_blank(*q)) q++;
  const char *start = q++; /* the '[' */
  while (q < e && is_blank(*q)) q++, space = 1;
  if (q < e && *q == ']') {
    close = q++;
  } else {
    for (uint64_t idx = 0;; idx++) {
      size_t used;
      const char *after;
      if (q >= e) return SIO_EPROTO;
      if ((after = quick_value(q, e, &v))) {
        used = (size_t)(after - q);
      } else {
        /* The array itself takes one level; 0 would mean "the default". */
        if ((*q == '[' || *q == '{') && max_depth == 1) return SIO_ELIMIT;
        rc = sio__json_parse_prefix(q, (size_t)(e - q), max_depth > 1 ? max_depth - 1 : 1,
                                    &v, &used);
        if (rc) return rc;
      }
      if ((v.type == SIO_JSON_ARRAY || v.type == SIO_JSON_OBJECT) &&
          (v.flags & SIO_JSON_F_SPACE))
        space = 1;
      if (event && idx == 0) {
        out->name = v;
      } else {
        if (out->nargs == UINT32_MAX) return SIO_ELIMIT;
        if (out->nargs < SIO__SIO_ARGS_INLINE) out->argv[out->nargs] = v;
        out->nargs++;
        last = v;
      }
      q += used;
      while (q < e && is_blank(*q)) q++, space = 1;
      if (q >= e) return SIO_EPROTO;
      if (*q == ']') {
        close = q++;
        break;
      }
      if (*q != ',') return SIO_EPROTO;
      q++;
      while (q < e && is_blank(*q)) q++, space = 1;
    }
  }
  const char *vend = q;
  while (q < e && is_blank(*q)) q++;
  if (q != e) return SIO_EPROTO;
  out->payload.p = start;
  out->payload.len = (size_t)(vend - start);
  out->payload.type = SIO_JSON_ARRAY;
  out->payload.flags = space ? SIO_JSON_F_SPACE : 0;
  if (out->nargs) {
    out->args = out->argv[0].p;
    out->args_len = (size_t)(last.p + last.len - out->args);
  } else {
    out->args = close;
    out->args_len = 0;
  }
  out->args_seen = 1;
  return 0;
}

/* 1 if the JSON string token holds an escaped NUL (\u0000): the name would
 * be cut there once unescaped into a C string, and so collide with another
 * name (a reserved one among them). JSON can write NUL no other way. */
static int name_val_has_nul(const sio__json_val_t *v) {
  if (!(v->flags & SIO_JSON_F_ESCAPED)) return 0;
  const char *p = v->p + 1, *end = v->p + v->len - 1;
  while (p < end && (p = memchr(p, '\\', (size_t)(end - p)))) {
    if (p + 1 < end && p[1] == 'u') {
      if (end - p >= 6 && memcmp(p + 2, "0000", 4) == 0) return 1;
      p += 6;
    } else {
      p += 2; /* a two-byte escape, an escaped backslash among them */
    }
  }
  return 0;
}

/* Checks the name recorded by scan_array. */
static int check_event_name(const sio__sio_packet_t *out) {
  if (out->name.type == SIO_JSON_STRING)
    return name_val_reserved(&out->name) || name_val_has_nul(&out->name) ? SIO_EPROTO : 0;
  return out->name.type == SIO_JSON_NUMBER ? 0 : SIO_EPROTO; /* NONE: [] */
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
    size_t j = i;
    while (j < n && is_blank(p[j])) j++;
    int carries = type == SIO_SIO_EVENT || type == SIO_SIO_BINARY_EVENT ||
                  type == SIO_SIO_ACK || type == SIO_SIO_BINARY_ACK;
    if (carries && j < n && p[j] == '[')
      rc = scan_array(p + i, n - i, lim->max_depth,
                      type == SIO_SIO_EVENT || type == SIO_SIO_BINARY_EVENT, out);
    else
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
      if ((rc = check_event_name(out))) return rc;
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
  if (v->type == SIO_JSON_STRING && !(v->flags & SIO_JSON_F_ESCAPED) && v->len >= 2) {
    /* No escapes: the bytes between the quotes as they are. */
    size_t k = v->len - 2;
    if (cap <= k) return SIO_EMSGSIZE;
    memcpy(buf, v->p + 1, k);
    buf[k] = '\0';
    if (len) *len = k;
    return 0;
  }
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

static size_t put_u64(uint8_t *d, uint64_t v) {
  char tmp[20];
  size_t i = sizeof(tmp);
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  memcpy(d, tmp + i, sizeof(tmp) - i);
  return sizeof(tmp) - i;
}

static size_t header_nsp_len(const sio__sio_header_t *h) {
  return h->nsp && !sio__sio_nsp_is_root(h->nsp, h->nsp_len) ? h->nsp_len : 0;
}

/* Writes the header at d (room for SIO__SIO_HEADER_ROOM + nsp_len bytes); returns its
 * length. */
static size_t put_header(uint8_t *d, const sio__sio_header_t *h, int type,
                         size_t nsp_len) {
  uint8_t *p = d;
  *p++ = (uint8_t)('0' + type);
  if (type == SIO_SIO_BINARY_EVENT || type == SIO_SIO_BINARY_ACK) {
    p += put_u64(p, h->attachments);
    *p++ = '-';
  }
  if (nsp_len) {
    memcpy(p, h->nsp, nsp_len);
    p += nsp_len;
    *p++ = ',';
  }
  if (h->has_ack) p += put_u64(p, h->ack_id);
  return (size_t)(p - d);
}

/* Reserves room for the header and body_len more bytes (one growth at most
 * for the whole packet), writes the header and returns where the body goes,
 * or NULL (the builder's error is set). */
static uint8_t *start_packet(sio__sb_t *sb, const sio__sio_header_t *h, int type,
                             size_t body_len) {
  size_t nsp_len = header_nsp_len(h);
  if (body_len > SIZE_MAX / 4 || nsp_len > SIZE_MAX / 4) {
    if (!sb->err) sb->err = SIO_ENOMEM;
    return NULL;
  }
  uint8_t *d = sio__sb_reserve(sb, SIO__SIO_HEADER_ROOM + nsp_len + body_len);
  if (!d) return NULL;
  size_t k = put_header(d, h, type, nsp_len);
  sio__sb_commit(sb, k);
  return d + k;
}

int sio__sio_encode(sio__sb_t *sb, const sio__sio_header_t *h, const char *payload,
                    size_t payload_len) {
  if (!h || (payload_len && !payload)) return SIO_EINVAL;
  int type = check_header(h, payload_len ? payload[0] : 0);
  if (type < 0) return type;
  if (sb->err) return sb->err;
  if (!start_packet(sb, h, type, payload_len)) return sb->err;
  sio__sb_append(sb, payload, payload_len);
  return sb->err;
}

/* 1 if s[0..n) is written as a JSON string by quoting it alone: printable
 * ASCII without '"' or '\\' (what event names nearly always are). */
static int plain_name(const char *s, size_t n) {
  return plain_run(s, s + n) == s + n;
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
  if (name_len > SIZE_MAX / 4 || args_len > SIZE_MAX / 4) return SIO_ENOMEM;
  size_t start = sio__sb_len(sb);
  int direct = raw || plain_name(name, name_len);
  /* '[' + name (2 quotes more unless raw) + ',' + args + ']' */
  uint8_t *d = start_packet(sb, h, type, name_len + args_len + 5);
  if (!d) return sb->err;
  uint8_t *p = d;
  *p++ = '[';
  if (direct) {
    if (!raw) *p++ = '"';
    memcpy(p, name, name_len);
    p += name_len;
    if (!raw) *p++ = '"';
  } else {
    sio__sb_commit(sb, 1);
    if (sio__json_write_string(sb, name, name_len) == SIO_EILSEQ) {
      if (!sb->err && sb->buf) sb->buf->len = start;
      return SIO_EINVAL;
    }
    if (!(d = p = sio__sb_reserve(sb, args_len + 2))) return sb->err;
  }
  if (args_len) {
    *p++ = ',';
    memcpy(p, args, args_len);
    p += args_len;
  }
  *p++ = ']';
  sio__sb_commit(sb, (size_t)(p - d));
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
  uint8_t *d = start_packet(sb, h, type, args_len + 2);
  if (!d) return sb->err;
  d[0] = '[';
  if (args_len) memcpy(d + 1, args, args_len);
  d[args_len + 1] = ']';
  sio__sb_commit(sb, args_len + 2);
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
