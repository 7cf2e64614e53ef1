/* What a Socket.IO v2 client (socket.io-client 2.x, on an Engine.IO v3
 * session) needs from the server, as the reference does for it: the root
 * namespace joined without a CONNECT, a namespace's query string in its
 * CONNECT read as the auth object, no sid in the CONNECT reply, and a
 * middleware's refusal sent as the bare error (docs/PROTOCOL.md). */
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/utf8.h"
#include "http/http_util.h"
#include "sio/sio_internal.h"

int sio__session_is_v2(const sio__session_t *c) {
  return c->eio && sio_eio_socket_protocol(c->eio) == 3;
}

/* The decoded key and value of the parameter q[0..n) ("k=v", "k", "k="), as
 * URLSearchParams reads it ('+' is a space), into one heap block: key at
 * *k, value at *v. 0, SIO_EINVAL (a decoded NUL or invalid UTF-8) or
 * SIO_ENOMEM. */
static int param(const char *q, size_t n, char **k, size_t *klen, char **v,
                 size_t *vlen) {
  const char *eq = memchr(q, '=', n);
  size_t kn = eq ? (size_t)(eq - q) : n;
  size_t vn = eq ? n - kn - 1 : 0;
  char *buf = sio__malloc(n + 2);
  if (!buf) return SIO_ENOMEM;
  int a = sio__pct_decode(q, kn, buf, kn + 1, 1, 0);
  int b = sio__pct_decode(eq ? eq + 1 : "", vn, buf + kn + 1, vn + 1, 1, 0);
  if (a < 0 || b < 0 || memchr(buf, 0, (size_t)a) || memchr(buf + kn + 1, 0, (size_t)b) ||
      !sio__utf8_valid((const uint8_t *)buf, (size_t)a) ||
      !sio__utf8_valid((const uint8_t *)buf + kn + 1, (size_t)b)) {
    sio__free(buf);
    return SIO_EINVAL;
  }
  *k = buf;
  *klen = (size_t)a;
  *v = buf + kn + 1;
  *vlen = (size_t)b;
  return 0;
}

/* The parameter of q that starts at *pos, as q[*start..*end); *pos moves
 * past it. 0 at the end. */
static int next_param(const char *q, size_t n, size_t *pos, size_t *start, size_t *end) {
  while (*pos < n && q[*pos] == '&') (*pos)++;
  if (*pos >= n) return 0;
  const char *amp = memchr(q + *pos, '&', n - *pos);
  *start = *pos;
  *end = amp ? (size_t)(amp - q) : n;
  *pos = *end;
  return 1;
}

/* 1 if a parameter after position from has the decoded key k. */
static int key_again(const char *q, size_t n, size_t from, const char *k, size_t klen) {
  size_t s, e;
  while (next_param(q, n, &from, &s, &e)) {
    char *k2, *v2;
    size_t k2len, v2len;
    if (param(q + s, e - s, &k2, &k2len, &v2, &v2len) != 0) continue;
    int same = k2len == klen && memcmp(k2, k, klen) == 0;
    sio__free(k2);
    if (same) return 1;
  }
  return 0;
}

int sio__v2_connect_target(const char *nsp, size_t len, size_t *name_len,
                           sio__sb_t *auth) {
  const char *qm = memchr(nsp, '?', len);
  *name_len = qm ? (size_t)(qm - nsp) : len;
  sio__sb_putc(auth, '{');
  if (qm) {
    const char *q = qm + 1;
    size_t n = len - *name_len - 1, pos = 0, s, e;
    int first = 1;
    while (next_param(q, n, &pos, &s, &e)) {
      char *k, *v;
      size_t klen, vlen;
      int rc = param(q + s, e - s, &k, &klen, &v, &vlen);
      if (rc == SIO_ENOMEM) return rc;
      if (rc != 0) continue; /* not representable: left out */
      /* A repeated key: the last one wins, as Object.fromEntries does. The
       * name is bounded (max_nsp_name), so the quadratic scan is too. */
      if (!key_again(q, n, pos, k, klen)) {
        if (!first) sio__sb_putc(auth, ',');
        first = 0;
        sio__json_write_string(auth, k, klen); /* valid UTF-8: only builder errors */
        sio__sb_putc(auth, ':');
        sio__json_write_string(auth, v, vlen);
      }
      sio__free(k);
    }
  }
  sio__sb_putc(auth, '}');
  return auth->err ? auth->err : 0;
}
