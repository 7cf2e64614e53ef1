/* What a Socket.IO v2 client (socket.io-client 2.x, on an Engine.IO v3
 * session) needs from the server, as the reference does for it: the root
 * namespace joined without a CONNECT, a namespace's query string in its
 * CONNECT read as the auth object, no sid in the CONNECT reply, and a
 * middleware's refusal sent as the bare error (docs/PROTOCOL.md). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
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

int sio__v2_connect_target(const char *nsp, size_t len, size_t *name_len,
                           sio__sb_t *auth) {
  const char *qm = memchr(nsp, '?', len);
  *name_len = qm ? (size_t)(qm - nsp) : len;
  if (!qm) {
    sio__sb_puts(auth, "{}");
    return auth->err;
  }
  /* A hash map: a repeated key replaces the value (the last wins, as with
   * Object.fromEntries) in linear time, whatever the client sends. */
  json_t *obj = json_object();
  if (!obj) return SIO_ENOMEM;
  const char *q = qm + 1;
  size_t n = len - *name_len - 1, pos = 0, s, e;
  int rc = 0;
  while (rc == 0 && next_param(q, n, &pos, &s, &e)) {
    char *k, *v;
    size_t klen, vlen;
    int prc = param(q + s, e - s, &k, &klen, &v, &vlen);
    if (prc == SIO_ENOMEM) rc = prc;
    if (prc != 0) continue; /* not representable as text: left out */
    json_t *str = json_stringn(v, vlen);
    if (!str || json_object_setn_new(obj, k, klen, str) != 0) rc = SIO_ENOMEM;
    sio__free(k);
  }
  char *text = rc == 0 ? json_dumps(obj, JSON_COMPACT) : NULL;
  json_decref(obj);
  if (rc == 0 && !text) rc = SIO_ENOMEM;
  if (text) sio__sb_puts(auth, text);
  free(text);
  return rc ? rc : auth->err;
}
