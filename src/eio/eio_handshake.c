/* A copy of a session's handshake request (headers, query, URL, time), made
 * once at the handshake in one allocation, for the Socket.IO layer. */
#include "eio/eio_handshake.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"
#include "eio/eio_internal.h"
#include "http/http_util.h"

struct sio__eio_hs {
  size_t nheaders;
  sio_buf_t *names, *values; /* into blob */
  const char *query;
  size_t query_len;
  const char *url;
  size_t url_len;
  uint64_t issued;
};

/* Bytes of n items of size each, rounded for the next field's alignment. */
static size_t aligned(size_t n) {
  return (n + 15) & ~(size_t)15;
}

sio__eio_hs_t *sio__eio_hs_new(sio_http_req_t *req) {
  size_t nh = 0, text = 0;
  sio_buf_t name, value;
  while (sio_http_req_header_at(req, nh, &name, &value) == 0) {
    text += name.len + value.len + 2;
    nh++;
  }
  size_t plen = 0, qlen = 0;
  const char *path = sio_http_req_path(req, &plen);
  const char *query = sio_http_req_query(req, &qlen);
  text += plen + 1 + qlen + 1 + qlen + 1;
  size_t size =
      aligned(sizeof(sio__eio_hs_t)) + aligned(2 * nh * sizeof(sio_buf_t)) + text;
  sio__eio_hs_t *hs = sio__malloc(size);
  if (!hs) return NULL;
  uint8_t *p = (uint8_t *)hs + aligned(sizeof(sio__eio_hs_t));
  hs->nheaders = nh;
  hs->names = (sio_buf_t *)p;
  hs->values = hs->names + nh;
  char *t = (char *)p + aligned(2 * nh * sizeof(sio_buf_t));
  for (size_t i = 0; i < nh; i++) {
    sio_http_req_header_at(req, i, &name, &value);
    memcpy(t, name.base, name.len);
    t[name.len] = '\0';
    hs->names[i].base = (const uint8_t *)t;
    hs->names[i].len = name.len;
    t += name.len + 1;
    memcpy(t, value.base, value.len);
    t[value.len] = '\0';
    hs->values[i].base = (const uint8_t *)t;
    hs->values[i].len = value.len;
    t += value.len + 1;
  }
  memcpy(t, query, qlen);
  t[qlen] = '\0';
  hs->query = t;
  hs->query_len = qlen;
  t += qlen + 1;
  memcpy(t, path, plen);
  size_t ulen = plen;
  if (qlen) {
    t[ulen++] = '?';
    memcpy(t + ulen, query, qlen);
    ulen += qlen;
  }
  t[ulen] = '\0';
  hs->url = t;
  hs->url_len = ulen;
  struct timespec ts;
  hs->issued = clock_gettime(CLOCK_REALTIME, &ts) == 0
                   ? (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000
                   : 0;
  return hs;
}

void sio__eio_hs_free(sio__eio_hs_t *hs) {
  sio__free(hs);
}

const char *sio__eio_socket_header(const sio_eio_socket_t *sock, const char *name,
                                   size_t *len) {
  const sio__eio_hs_t *hs = sock->hs;
  size_t n = strlen(name);
  for (size_t i = 0; hs && i < hs->nheaders; i++) {
    if (hs->names[i].len == n &&
        strncasecmp((const char *)hs->names[i].base, name, n) == 0) {
      if (len) *len = hs->values[i].len;
      return (const char *)hs->values[i].base;
    }
  }
  if (len) *len = 0;
  return NULL;
}

int sio__eio_socket_header_at(const sio_eio_socket_t *sock, size_t i, sio_buf_t *name,
                              sio_buf_t *value) {
  const sio__eio_hs_t *hs = sock->hs;
  if (!hs || i >= hs->nheaders) return SIO_ENOENT;
  *name = hs->names[i];
  *value = hs->values[i];
  return 0;
}

const char *sio__eio_socket_query(const sio_eio_socket_t *sock, size_t *len) {
  if (len) *len = sock->hs ? sock->hs->query_len : 0;
  return sock->hs ? sock->hs->query : "";
}

int sio__eio_socket_query_get(const sio_eio_socket_t *sock, const char *key, char *out,
                              size_t outlen) {
  const sio__eio_hs_t *hs = sock->hs;
  const char *val;
  size_t vlen;
  if (!hs || sio__http_query_find(hs->query, hs->query_len, key, &val, &vlen) != 0)
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
  if (len) *len = sock->hs ? sock->hs->url_len : 0;
  return sock->hs ? sock->hs->url : "";
}

uint64_t sio__eio_socket_issued(const sio_eio_socket_t *sock) {
  return sock->hs ? sock->hs->issued : 0;
}
