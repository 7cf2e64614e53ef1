/* A socket's handshake and shared data as the JSON a cluster adapter sends
 * when another server fetches sockets: the shape of Node's socket.handshake
 * ({headers, time, address, xdomain, secure, issued, url, query, auth}) and
 * socket.data, so Node servers of the same cluster read them as their own. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/rbuf.h"
#include "http/http_util.h"
#include "sio/adapter.h"
#include "sio/sio_internal.h"

/* The session key under which the shared data lives (not a printable key,
 * so it cannot clash with an application's). */
#define SHARED_DATA_KEY SIO__SHARED_DATA_KEY

static void write_lower_string(sio__sb_t *sb, const uint8_t *p, size_t n) {
  char small[64];
  char *tmp = n <= sizeof(small) ? small : sio__malloc(n);
  if (!tmp) {
    sb->err = SIO_ENOMEM;
    return;
  }
  for (size_t i = 0; i < n; i++) tmp[i] = (char)tolower(p[i]);
  if (sio__json_write_string(sb, tmp, n)) sio__json_write_string(sb, "", 0);
  if (tmp != small) sio__free(tmp);
}

static int seen_before(const sio_socket_t *sock, size_t i, const sio_buf_t *name) {
  sio_buf_t n, v;
  for (size_t j = 0; j < i; j++)
    if (sio_socket_header_at(sock, j, &n, &v) == 0 && n.len == name->len &&
        sio__http_ieq((const char *)n.base, n.len, (const char *)name->base))
      return 1;
  return 0;
}

static void write_headers(sio__sb_t *sb, const sio_socket_t *sock) {
  sio__sb_putc(sb, '{');
  sio_buf_t name, value;
  int first = 1;
  for (size_t i = 0; sio_socket_header_at(sock, i, &name, &value) == 0; i++) {
    if (seen_before(sock, i, &name)) continue; /* first value wins */
    if (!first) sio__sb_putc(sb, ',');
    first = 0;
    write_lower_string(sb, name.base, name.len);
    sio__sb_putc(sb, ':');
    if (sio__json_write_string(sb, (const char *)value.base, value.len))
      sio__json_write_string(sb, "", 0);
  }
  sio__sb_putc(sb, '}');
}

/* One decoded query component as a JSON string ("" if it does not decode). */
static void write_decoded(sio__sb_t *sb, const char *p, size_t n) {
  char small[128];
  char *tmp = n + 1 <= sizeof(small) ? small : sio__malloc(n + 1);
  if (!tmp) {
    sb->err = SIO_ENOMEM;
    return;
  }
  int len = sio__pct_decode(p, n, tmp, n + 1, 1, 0);
  if (len < 0 || sio__json_write_string(sb, tmp, (size_t)len))
    sio__json_write_string(sb, "", 0);
  if (tmp != small) sio__free(tmp);
}

/* The query string as an object of strings, first value of each key. */
static void write_query(sio__sb_t *sb, const char *q, size_t qlen) {
  sio__sb_putc(sb, '{');
  int first = 1;
  const char *p = q, *end = q + qlen;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(stop - p));
    const char *kend = eq ? eq : stop;
    if (kend > p) {
      const char *v;
      size_t vlen;
      /* Only the first occurrence of a key is written. */
      char key[256];
      int klen = sio__pct_decode(p, (size_t)(kend - p), key, sizeof(key), 1, 0);
      if (klen >= 0 && sio__http_query_find(q, qlen, key, &v, &vlen) == 0 &&
          v == (eq ? eq + 1 : stop)) {
        if (!first) sio__sb_putc(sb, ',');
        first = 0;
        write_decoded(sb, p, (size_t)(kend - p));
        sio__sb_putc(sb, ':');
        write_decoded(sb, v, vlen);
      }
    }
    p = stop + 1;
  }
  sio__sb_putc(sb, '}');
}

/* JavaScript's Date#toString in UTC, as Node prints handshake.time on a
 * server whose zone is UTC. */
static void write_time(sio__sb_t *sb, uint64_t issued_ms) {
  time_t t = (time_t)(issued_ms / 1000);
  struct tm tm;
  char buf[80];
  if (!gmtime_r(&t, &tm) ||
      !strftime(buf, sizeof(buf),
                "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm))
    buf[0] = '\0';
  sio__json_write_string(sb, buf, strlen(buf));
}

char *sio_socket_handshake_json(const sio_socket_t *sock) {
  if (!sock) return NULL;
  sio__sb_t sb;
  sio__sb_init(&sb, 512);
  size_t len;
  uint64_t issued = sio_socket_issued(sock);
  sio__sb_puts(&sb, "{\"headers\":");
  write_headers(&sb, sock);
  sio__sb_puts(&sb, ",\"time\":");
  write_time(&sb, issued);
  sio__sb_puts(&sb, ",\"address\":");
  const char *addr = sio_socket_address(sock);
  if (!addr) addr = "";
  sio__json_write_string(&sb, addr, strlen(addr));
  sio__sb_puts(&sb, sio_socket_header(sock, "origin", NULL) ? ",\"xdomain\":true"
                                                            : ",\"xdomain\":false");
  sio__sb_puts(&sb, ",\"secure\":false,\"issued\":");
  sio__sb_put_u64(&sb, issued);
  sio__sb_puts(&sb, ",\"url\":");
  const char *url = sio_socket_url(sock, &len);
  if (sio__json_write_string(&sb, url, len)) sio__json_write_string(&sb, "", 0);
  sio__sb_puts(&sb, ",\"query\":");
  const char *q = sio_socket_query(sock, &len);
  write_query(&sb, q, len);
  sio__sb_puts(&sb, ",\"auth\":");
  sio_buf_t auth;
  sio_socket_auth(sock, &auth);
  if (auth.len)
    sio__json_write_raw(&sb, (const char *)auth.base, auth.len);
  else
    sio__sb_puts(&sb, "{}");
  sio__sb_putc(&sb, '}');
  sio__sb_putc(&sb, '\0');
  if (sb.err) {
    sio__sb_reset(&sb);
    return NULL;
  }
  char *out = sio__malloc(sio__sb_len(&sb));
  if (out) memcpy(out, sio__sb_data(&sb), sio__sb_len(&sb));
  sio__sb_reset(&sb);
  return out;
}

int sio_socket_set_shared_data(sio_socket_t *sock, const char *json) {
  if (!sock) return SIO_EINVAL;
  if (!json) return sio_socket_session_set(sock, SHARED_DATA_KEY, NULL, 0);
  sio__json_val_t v;
  if (sio__json_parse(json, strlen(json), 0, &v)) return SIO_EINVAL;
  return sio_socket_session_set(sock, SHARED_DATA_KEY, json, strlen(json));
}

const char *sio_socket_shared_data(const sio_socket_t *sock) {
  return sock ? sio_socket_session_get(sock, SHARED_DATA_KEY, NULL) : NULL;
}
