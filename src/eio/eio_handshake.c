/* A copy of a session's handshake request (headers, query, URL, time), made
 * once at the handshake in one exactly-sized allocation, for the Socket.IO
 * layer. Every session keeps one, so it is packed (common header names are
 * one byte, the rest lower-cased once): lookups scan it (they are rare:
 * connect handlers and middlewares). */
#include "eio/eio_handshake.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"
#include "eio/eio_hvals.h"
#include "eio/eio_internal.h"
#include "http/http_util.h"

/* Added to a header's name code when its value is stored as a code. */
#define VALUE_CODED 0x80

/* Header names most requests carry, lower-case: a header with one of these
 * names stores its index instead of the name (one byte where "user-agent"
 * took twelve). At most 254 names (code 0 is a name spelled out). */
static const char *const k_names[] = {
    "host",
    "connection",
    "upgrade",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "cookie",
    "origin",
    "referer",
    "pragma",
    "cache-control",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "authorization",
    "content-type",
    "content-length",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-real-ip",
    "forwarded",
    "dnt",
    "priority",
    "te",
    "if-none-match",
    "if-modified-since",
};
#define NNAMES (sizeof k_names / sizeof k_names[0])
_Static_assert(NNAMES < VALUE_CODED, "a name's code is one byte, below the flag");

/* Values most requests carry word for word (an upgrade's, a browser's): a
 * header with one of these stores its index instead (one byte where
 * "permessage-deflate; client_max_window_bits" took 44). Matched exactly:
 * a value is given back as the client sent it. */
static const char *const k_values[] = {
    "websocket",
    "Upgrade",
    "upgrade",
    "keep-alive",
    "Keep-Alive",
    "close",
    "13",
    "no-cache",
    "*/*",
    "gzip, deflate, br, zstd",
    "gzip, deflate, br",
    "gzip, deflate",
    "gzip",
    "permessage-deflate; client_max_window_bits",
    "permessage-deflate",
    "cors",
    "websocket, cors",
    "same-origin",
    "same-site",
    "cross-site",
    "empty",
    "?0",
    "?1",
    "\"Linux\"",
    "\"Windows\"",
    "\"macOS\"",
    "\"Android\"",
    "u=1, i",
    "u=0, i",
    "1",
    "trailers",
    "application/json",
    "text/plain;charset=UTF-8",
};
#define NVALUES (sizeof k_values / sizeof k_values[0])
_Static_assert(NVALUES < 256, "a value's code is one byte");

/* One block: one word (the time and the header count), the URL
 * ("path?query", NUL-terminated: the parser admits no NUL in a target, and
 * the path none of '?', so the query starts after the first '?'), the
 * peer's address (NUL-terminated), then each header as a name code (1 + its
 * index in k_names, or 0 and the name's length, the name lower-cased and a
 * NUL; VALUE_CODED added when the value is one of k_values), then the
 * value's index in k_values, or the value's length, the value and a NUL, or
 * SHARED_LEN and a pointer to the server's shared entry holding it
 * (eio_hvals.h; unaligned). A length below LONG_LEN takes one byte (else
 * LONG_LEN and 4 bytes). Lengths are found
 * again when read (rarely): a session keeping no header holds 8 bytes more
 * than its URL and address, 56 with a minimal client's (malloc's 64 class). */
struct sio__eio_hs {
  /* issued (ms since the Unix epoch) in the low 48 bits (until the year
   * 10889), the count of kept headers in the next 15, HOLDS_SHARED on top. */
  uint64_t word;
  char text[];
};

#define ISSUED_BITS 48
#define ISSUED_MASK (((uint64_t)1 << ISSUED_BITS) - 1)
/* Headers kept at most: far more than a request may have (the HTTP limit's
 * default is 100). */
#define NHEADERS_MAX 0x7fff
/* Set when a value is a reference to a shared entry: freeing releases it. */
#define HOLDS_SHARED ((uint64_t)1 << 63)
/* Shared values one handshake refers to at most (the rest stay inline). */
#define SHARED_MAX 8

static size_t hs_nheaders(const sio__eio_hs_t *hs) {
  return (size_t)(hs->word >> ISSUED_BITS) & NHEADERS_MAX;
}

/* Bytes of a block with n of text. */
static size_t hs_size(size_t n) {
  return offsetof(sio__eio_hs_t, text) + n;
}

static size_t url_len(const sio__eio_hs_t *hs) {
  return strlen(hs->text);
}

/* The query's start in the URL (its end if none). */
static size_t query_off(const sio__eio_hs_t *hs) {
  const char *q = strchr(hs->text, '?');
  return q ? (size_t)(q - hs->text) + 1 : url_len(hs);
}

/* The first header: after the URL and the address. */
static const char *first_header(const sio__eio_hs_t *hs) {
  const char *remote = hs->text + url_len(hs) + 1;
  return remote + strlen(remote) + 1;
}

#define LONG_LEN 254
#define SHARED_LEN 255
/* A shared value's bytes in the block: SHARED_LEN and the pointer. */
#define SHARED_SIZE (1 + sizeof(sio__eio_hval_t *))

static size_t len_size(size_t n) {
  return n < LONG_LEN ? 1 : 5;
}

static char *put_len(char *t, size_t n) {
  if (n < LONG_LEN) {
    *t = (char)n;
    return t + 1;
  }
  uint32_t v = (uint32_t)n;
  *t = (char)LONG_LEN;
  memcpy(t + 1, &v, 4);
  return t + 5;
}

static const char *get_len(const char *p, size_t *n) {
  uint8_t b = (uint8_t)*p;
  if (b < LONG_LEN) {
    *n = b;
    return p + 1;
  }
  uint32_t v;
  memcpy(&v, p + 1, 4);
  *n = v;
  return p + 5;
}

/* 1 + the index of name in k_names, or 0 if it has none. */
static uint8_t name_code(const sio_buf_t *name) {
  for (size_t k = 0; k < NNAMES; k++)
    if (sio__http_ieq((const char *)name->base, name->len, k_names[k]))
      return (uint8_t)(k + 1);
  return 0;
}

/* The index of value in k_values, or -1. */
static int value_code(const sio_buf_t *value) {
  for (size_t k = 0; k < NVALUES; k++)
    if (strlen(k_values[k]) == value->len &&
        memcmp(k_values[k], value->base, value->len) == 0)
      return (int)k;
  return -1;
}

/* Whether values of the header with this name code are worth sharing
 * between sessions: those a browser sends word for word in every request
 * (its User-Agent, languages, client hints) or every user of a site sends
 * alike (Origin, Host). Not Cookie, Authorization, Sec-WebSocket-Key,
 * X-Forwarded-For or Referer: they are per user, connection or page, so an
 * entry would be held by one session and cost more than the text inline. */
static int shareable(uint8_t code) {
  static const char *const names[] = {"user-agent", "accept", "accept-language",
                                      "origin",     "host",   "sec-ch-ua"};
  if (!code) return 0;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    if (strcmp(k_names[code - 1], names[k]) == 0) return 1;
  return 0;
}

/* Bytes one header takes in the block (its value shared or not). */
static size_t entry_size(const sio_buf_t *name, const sio_buf_t *value, int shared) {
  size_t n = 1;
  if (shared)
    n += SHARED_SIZE;
  else
    n += value_code(value) >= 0 ? 1 : len_size(value->len) + value->len + 1;
  if (!name_code(name)) n += len_size(name->len) + name->len + 1;
  return n;
}

/* Puts one header, its value as a reference to shared if not NULL. */
static char *put_entry(char *t, const sio_buf_t *name, const sio_buf_t *value,
                       sio__eio_hval_t *shared) {
  uint8_t code = name_code(name);
  int vcode = value_code(value);
  *t++ = (char)(code | (vcode >= 0 ? VALUE_CODED : 0));
  if (!code) {
    t = put_len(t, name->len);
    for (size_t i = 0; i < name->len; i++) t[i] = (char)tolower(name->base[i]);
    t[name->len] = '\0';
    t += name->len + 1;
  }
  if (shared) {
    *t = (char)SHARED_LEN;
    memcpy(t + 1, &shared, sizeof shared);
    return t + SHARED_SIZE;
  }
  if (vcode >= 0) {
    *t = (char)vcode;
    return t + 1;
  }
  t = put_len(t, value->len);
  memcpy(t, value->base, value->len);
  t[value->len] = '\0';
  return t + value->len + 1;
}

/* The header entry at p: its name and value; returns the next entry. */
static const char *entry(const char *p, sio_buf_t *name, sio_buf_t *value) {
  uint8_t code = (uint8_t)*p++;
  uint8_t ncode = code & ~VALUE_CODED;
  if (ncode) {
    name->base = (const uint8_t *)k_names[ncode - 1];
    name->len = strlen(k_names[ncode - 1]);
  } else {
    p = get_len(p, &name->len);
    name->base = (const uint8_t *)p;
    p += name->len + 1;
  }
  if (code & VALUE_CODED) {
    const char *v = k_values[(uint8_t)*p];
    value->base = (const uint8_t *)v;
    value->len = strlen(v);
    return p + 1;
  }
  if ((uint8_t)*p == SHARED_LEN) {
    sio__eio_hval_t *shared;
    memcpy(&shared, p + 1, sizeof shared);
    value->base = (const uint8_t *)sio__eio_hval_text(shared, &value->len);
    return p + SHARED_SIZE;
  }
  p = get_len(p, &value->len);
  value->base = (const uint8_t *)p;
  return p + value->len + 1;
}

/* Whether name is in keep (NULL: every name; else the normalized list of
 * sio_eio_opts_set_handshake_headers). */
static int kept(const char *keep, const sio_buf_t *name) {
  if (!keep) return 1;
  for (const char *p = keep; *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == name->len && strncasecmp(p, (const char *)name->base, n) == 0) return 1;
    if (!comma) break;
    p = comma + 1;
  }
  return 0;
}

/* A reference to value in the server's table if its header is shared and
 * the table takes it, else NULL. */
static sio__eio_hval_t *share(sio__eio_hvals_t *vals, const sio_buf_t *name,
                              const sio_buf_t *value, size_t nshared) {
  if (!vals || nshared >= SHARED_MAX || value->len < SIO__EIO_HVAL_MIN_LEN ||
      !shareable(name_code(name)))
    return NULL;
  return sio__eio_hvals_get(vals, value->base, value->len);
}

sio__eio_hs_t *sio__eio_hs_new(sio_http_req_t *req, const char *keep,
                               sio__eio_hvals_t *vals) {
  size_t nh = 0, size = 0, nshared = 0;
  /* The shared values in the order of their headers: taken while sizing
   * the block, put in it in the same order. */
  sio__eio_hval_t *shared[SHARED_MAX];
  size_t shared_at[SHARED_MAX]; /* the index of each one's header */
  sio_buf_t name, value;
  for (size_t i = 0;
       nh < NHEADERS_MAX && sio_http_req_header_at(req, i, &name, &value) == 0; i++) {
    if (!kept(keep, &name)) continue;
    sio__eio_hval_t *v = share(vals, &name, &value, nshared);
    if (v) {
      shared_at[nshared] = i;
      shared[nshared++] = v;
    }
    size += entry_size(&name, &value, v != NULL);
    nh++;
  }
  size_t plen = 0, qlen = 0;
  const char *path = sio_http_req_path(req, &plen);
  const char *query = sio_http_req_query(req, &qlen);
  size_t ulen = plen + (qlen ? 1 + qlen : 0);
  const char *remote = sio_http_req_remote_addr(req);
  size_t rlen = remote ? strlen(remote) : 0;
  size += ulen + 1 + rlen + 1;
  /* Lengths are 32-bit: a request is far smaller (the HTTP limits). */
  sio__eio_hs_t *hs = size > UINT32_MAX ? NULL : sio__malloc(hs_size(size));
  if (!hs) {
    for (size_t k = 0; k < nshared; k++) sio__eio_hval_release(shared[k]);
    return NULL;
  }
  char *t = hs->text;
  memcpy(t, path, plen);
  if (qlen) {
    t[plen] = '?';
    memcpy(t + plen + 1, query, qlen);
  }
  t[ulen] = '\0';
  t += ulen + 1;
  if (rlen) memcpy(t, remote, rlen);
  t[rlen] = '\0';
  t += rlen + 1;
  size_t put = 0, k = 0;
  for (size_t i = 0; put < nh && sio_http_req_header_at(req, i, &name, &value) == 0; i++)
    if (kept(keep, &name)) {
      int is_shared = k < nshared && shared_at[k] == i;
      t = put_entry(t, &name, &value, is_shared ? shared[k++] : NULL);
      put++;
    }
  struct timespec ts;
  uint64_t issued = clock_gettime(CLOCK_REALTIME, &ts) == 0
                        ? (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000
                        : 0;
  hs->word =
      (issued & ISSUED_MASK) | (uint64_t)nh << ISSUED_BITS | (nshared ? HOLDS_SHARED : 0);
  return hs;
}

const char *sio__eio_hs_remote(const sio__eio_hs_t *hs) {
  return hs->text + url_len(hs) + 1;
}

size_t sio__eio_hs_bytes(const sio__eio_hs_t *hs) {
  const char *p = first_header(hs);
  sio_buf_t name, value;
  for (size_t i = 0; i < hs_nheaders(hs); i++) p = entry(p, &name, &value);
  return hs_size((size_t)(p - hs->text));
}

void sio__eio_hs_free(sio__eio_hs_t *hs) {
  if (hs && (hs->word & HOLDS_SHARED)) {
    const char *p = first_header(hs);
    for (size_t i = 0; i < hs_nheaders(hs); i++) {
      const char *v = p + 1;
      uint8_t code = (uint8_t)*p;
      if (!(code & ~VALUE_CODED)) { /* the name spelled out */
        size_t n;
        v = get_len(v, &n) + n + 1;
      }
      sio__eio_hval_t *shared = NULL;
      if (!(code & VALUE_CODED) && (uint8_t)*v == SHARED_LEN)
        memcpy(&shared, v + 1, sizeof shared);
      sio_buf_t name, value;
      p = entry(p, &name, &value);
      sio__eio_hval_release(shared);
    }
  }
  sio__free(hs);
}

const char *sio__eio_socket_header(const sio_eio_socket_t *sock, const char *name,
                                   size_t *len) {
  const sio__eio_hs_t *hs = sock->hs;
  size_t n = strlen(name);
  const char *p = hs ? first_header(hs) : NULL;
  sio_buf_t hn, hv;
  size_t nh = hs ? hs_nheaders(hs) : 0;
  for (size_t i = 0; i < nh; i++) {
    p = entry(p, &hn, &hv);
    if (hn.len == n && strncasecmp((const char *)hn.base, name, n) == 0) {
      if (len) *len = hv.len;
      return (const char *)hv.base;
    }
  }
  if (len) *len = 0;
  return NULL;
}

int sio__eio_socket_header_at(const sio_eio_socket_t *sock, size_t i, sio_buf_t *name,
                              sio_buf_t *value) {
  const sio__eio_hs_t *hs = sock->hs;
  if (!hs || i >= hs_nheaders(hs)) return SIO_ENOENT;
  const char *p = first_header(hs);
  for (size_t k = 0; k <= i; k++) p = entry(p, name, value);
  return 0;
}

const char *sio__eio_socket_query(const sio_eio_socket_t *sock, size_t *len) {
  const sio__eio_hs_t *hs = sock->hs;
  if (!hs) {
    if (len) *len = 0;
    return "";
  }
  size_t off = query_off(hs);
  if (len) *len = url_len(hs) - off;
  return hs->text + off;
}

int sio__eio_socket_query_get(const sio_eio_socket_t *sock, const char *key, char *out,
                              size_t outlen) {
  const sio__eio_hs_t *hs = sock->hs;
  const char *val;
  size_t vlen;
  size_t off = hs ? query_off(hs) : 0;
  if (!hs ||
      sio__http_query_find(hs->text + off, url_len(hs) - off, key, &val, &vlen) != 0)
    return SIO_ENOENT;
  if (outlen == 0) return SIO_EINVAL;
  /* Decode into a scratch copy sized for the whole value, so the length
   * returned is the full one even when out truncates it. */
  char *tmp = sio__malloc(vlen + 1);
  if (!tmp) return SIO_ENOMEM;
  int n = sio__pct_decode(val, vlen, tmp, vlen + 1, 1, 0);
  if (n < 0) {
    sio__free(tmp);
    return n;
  }
  size_t c = (size_t)n < outlen - 1 ? (size_t)n : outlen - 1;
  memcpy(out, tmp, c);
  out[c] = '\0';
  sio__free(tmp);
  return n;
}

const char *sio__eio_socket_url(const sio_eio_socket_t *sock, size_t *len) {
  if (len) *len = sock->hs ? url_len(sock->hs) : 0;
  return sock->hs ? sock->hs->text : "";
}

uint64_t sio__eio_socket_issued(const sio_eio_socket_t *sock) {
  return sock->hs ? sock->hs->word & ISSUED_MASK : 0;
}

/* ---- the public view (sio/eio.h) ---- */

const char *sio_eio_socket_header(const sio_eio_socket_t *sock, const char *name,
                                  size_t *len) {
  if (!sock || !name) {
    if (len) *len = 0;
    return NULL;
  }
  return sio__eio_socket_header(sock, name, len);
}

int sio_eio_socket_header_at(const sio_eio_socket_t *sock, size_t i, sio_buf_t *name,
                             sio_buf_t *value) {
  if (!sock || !name || !value) return SIO_EINVAL;
  return sio__eio_socket_header_at(sock, i, name, value);
}

const char *sio_eio_socket_query(const sio_eio_socket_t *sock, size_t *len) {
  return sio__eio_socket_query(sock, len);
}

int sio_eio_socket_query_get(const sio_eio_socket_t *sock, const char *key, char *out,
                             size_t outlen) {
  if (!sock || !key || !out) return SIO_EINVAL;
  return sio__eio_socket_query_get(sock, key, out, outlen);
}

const char *sio_eio_socket_url(const sio_eio_socket_t *sock, size_t *len) {
  return sio__eio_socket_url(sock, len);
}
