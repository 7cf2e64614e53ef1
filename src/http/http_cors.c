/* CORS as configured on the server: none (default), "*", a list of exact
 * origins, or a callback; with credentials an allowed Origin is reflected,
 * and "*" is refused when the server is created. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "http/http_internal.h"
#include "http/http_util.h"

/* 1 if the comma-separated list has a "*" element (alone or among others). */
static int list_has_any(const char *l) {
  size_t n = strlen(l), i = 0;
  while (i < n) {
    size_t st = i;
    while (i < n && l[i] != ',') i++;
    size_t end = i++;
    while (st < end && (l[st] == ' ' || l[st] == '\t')) st++;
    while (end > st && (l[end - 1] == ' ' || l[end - 1] == '\t')) end--;
    if (end - st == 1 && l[st] == '*') return 1;
  }
  return 0;
}

int sio__http_cors_check(const sio_http_opts_t *o) {
  /* "*" with credentials would reflect every Origin with
   * Access-Control-Allow-Credentials: true: any site could act with the
   * user's cookies. A callback is an explicit per-origin decision. */
  if (o->cors_credentials && !o->cors_cb && o->cors_origins &&
      list_has_any(o->cors_origins)) {
    SIO_LOGE("http: CORS origins \"*\" with credentials would let every site act with "
             "the user's cookies; list the allowed origins or use a callback");
    return SIO_EINVAL;
  }
  return 0;
}

int sio__http_cors_enabled(const sio_http_server_t *s) {
  return s->opts.cors_origins != NULL || s->opts.cors_cb != NULL;
}

static int is_any(const sio_http_server_t *s) {
  return !s->opts.cors_cb && s->opts.cors_origins && !strcmp(s->opts.cors_origins, "*");
}

/* Is origin[0..len) allowed by the configuration (CORS enabled)? */
static int cfg_allows(const sio_http_server_t *s, const char *origin, size_t len) {
  if (s->opts.cors_cb) return s->opts.cors_cb(origin, len, s->opts.cors_ud) != 0;
  const char *l = s->opts.cors_origins;
  if (!l) return 0;
  size_t n = strlen(l);
  size_t i = 0;
  while (i < n) {
    size_t st = i;
    while (i < n && l[i] != ',') i++;
    size_t end = i++;
    while (st < end && (l[st] == ' ' || l[st] == '\t')) st++;
    while (end > st && (l[end - 1] == ' ' || l[end - 1] == '\t')) end--;
    if (end - st == 1 && l[st] == '*') return 1;
    if (end - st == len && !memcmp(l + st, origin, len)) return 1;
  }
  return 0;
}

void sio__http_cors_headers(sio__sb_t *sb, const sio_http_server_t *s,
                            const sio_http_req_t *r) {
  if (!sio__http_cors_enabled(s)) return;
  /* "*" needs no Origin to match (as the reference does), and never comes
   * with credentials (sio__http_cors_check). */
  if (is_any(s)) {
    sio__sb_puts(sb, "Access-Control-Allow-Origin: *\r\n");
    return;
  }
  size_t olen = 0;
  const char *origin = r ? sio__http_req_header_n(r, "origin", &olen) : NULL;
  if (!origin || !cfg_allows(s, origin, olen)) return;
  sio__sb_puts(sb, "Access-Control-Allow-Origin: ");
  sio__sb_append(sb, origin, olen);
  sio__sb_puts(sb, "\r\nVary: Origin\r\n");
  if (s->opts.cors_credentials)
    sio__sb_puts(sb, "Access-Control-Allow-Credentials: true\r\n");
}

void sio__http_cors_preflight(sio_http_req_t *r) {
  sio__sb_t sb;
  sio__sb_init(&sb, 256);
  sio__sb_puts(&sb, "Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\r\n");
  size_t hl;
  const char *h = sio__http_req_header_n(r, "access-control-request-headers", &hl);
  if (h) {
    sio__sb_puts(&sb, "Access-Control-Allow-Headers: ");
    sio__sb_append(&sb, h, hl);
    sio__sb_puts(&sb, "\r\n");
  }
  sio__sb_puts(&sb, "Vary: Access-Control-Request-Headers\r\n");
  sio__sb_putc(&sb, '\0');
  sio__rbuf_t *b = sio__sb_finish(&sb);
  sio__http_respond_ex(r, 204, NULL, b ? (const char *)b->data : NULL, "", NULL, 0, 0, 0);
  sio__rbuf_unref(b);
}

int sio__http_req_origin_allowed(const sio_http_req_t *r) {
  size_t olen;
  const char *origin = sio__http_req_header_n(r, "origin", &olen);
  if (!origin) return 1;
  const sio_http_server_t *s = r->srv;
  if (!s) return 0;
  if (sio__http_cors_enabled(s)) return is_any(s) || cfg_allows(s, origin, olen);
  /* No CORS configured: same origin only, i.e. scheme://Host. */
  size_t hl;
  const char *host = sio__http_req_header_n(r, "host", &hl);
  if (!host) return 0;
  const char *rest = NULL;
  if (olen > 7 && !strncmp(origin, "http://", 7))
    rest = origin + 7;
  else if (olen > 8 && !strncmp(origin, "https://", 8))
    rest = origin + 8;
  if (!rest) return 0;
  return sio__http_ieq(rest, olen - (size_t)(rest - origin), host) ? 1 : 0;
}

int sio__http_req_origin_invalid(const sio_http_req_t *r) {
  size_t olen;
  const char *origin = sio__http_req_header_n(r, "origin", &olen);
  if (!origin) return 0;
  for (size_t i = 0; i < olen; i++) {
    unsigned char ch = (unsigned char)origin[i];
    if (!(ch == '\t' || (ch >= 0x20 && ch <= 0x7e) || ch >= 0x80)) return 1;
  }
  return 0;
}
