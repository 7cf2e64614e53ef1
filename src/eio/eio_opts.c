/* Engine.IO server options: defaults from the reference (engine.io 6). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "eio/eio_internal.h"

int sio__eio_opts_init(sio_eio_opts_t *o) {
  memset(o, 0, sizeof(*o));
  o->path = sio__strdup("/engine.io/");
  if (!o->path) return SIO_ENOMEM;
  o->transports = SIO_EIO_POLLING | SIO_EIO_WEBSOCKET;
  o->allow_upgrades = 1;
  o->ping_interval = 25000;
  o->ping_timeout = 20000;
  o->upgrade_timeout = 10000;
  o->close_timeout = 30000;
  o->max_http_buffer_size = 1000000;
  o->cookie_http_only = 1;
  o->allow_timeout = 10000;
  o->hval_max_entries = SIO_EIO_SHARED_VALUES_DEFAULT;
  o->hval_max_len = SIO_EIO_SHARED_VALUE_LEN_DEFAULT;
  sio__ws_deflate_cfg_init(&o->deflate);
  /* Clients compress with a fresh context: no inflate state (about 40 KB)
   * stays on a connection between messages. */
  o->deflate.peer_no_takeover = 1;
  return 0;
}

void sio__eio_opts_clear(sio_eio_opts_t *o) {
  sio__free(o->path);
  sio__free(o->cookie_name);
  sio__free(o->cookie_path);
  sio__free(o->cookie_same_site);
  sio__free(o->server_cookie);
  sio__free(o->keep_headers);
  o->path = o->cookie_name = o->cookie_path = o->cookie_same_site = o->server_cookie =
      NULL;
  o->keep_headers = NULL;
}

static int dup_opt(char **dst, const char *src) {
  *dst = NULL;
  if (!src) return 0;
  *dst = sio__strdup(src);
  return *dst ? 0 : SIO_ENOMEM;
}

int sio__eio_opts_copy(sio_eio_opts_t *dst, const sio_eio_opts_t *src) {
  *dst = *src;
  dst->path = dst->cookie_name = dst->cookie_path = dst->cookie_same_site = NULL;
  dst->server_cookie = dst->keep_headers = NULL;
  if (dup_opt(&dst->path, src->path) || dup_opt(&dst->cookie_name, src->cookie_name) ||
      dup_opt(&dst->keep_headers, src->keep_headers) ||
      dup_opt(&dst->cookie_path, src->cookie_path) ||
      dup_opt(&dst->cookie_same_site, src->cookie_same_site) ||
      dup_opt(&dst->server_cookie, src->server_cookie)) {
    sio__eio_opts_clear(dst);
    return SIO_ENOMEM;
  }
  return 0;
}

sio_eio_opts_t *sio_eio_opts_new(void) {
  sio_eio_opts_t *o = sio__malloc(sizeof(*o));
  if (!o) return NULL;
  if (sio__eio_opts_init(o) != 0) {
    sio__free(o);
    return NULL;
  }
  return o;
}

void sio_eio_opts_free(sio_eio_opts_t *o) {
  if (!o) return;
  sio__eio_opts_clear(o);
  sio__free(o);
}

void sio_eio_opts_set_rate_limit(sio_eio_opts_t *o, uint32_t packets_per_second,
                                 uint32_t burst) {
  o->rate_limit = packets_per_second;
  o->rate_burst = burst;
}

int sio_eio_opts_set_path(sio_eio_opts_t *o, const char *path) {
  if (!o || !path || path[0] != '/') return SIO_EINVAL;
  size_t n = strlen(path);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)path[i] <= ' ' || path[i] == '?' || path[i] == '#' ||
        path[i] == 0x7f)
      return SIO_EINVAL;
  int slash = path[n - 1] == '/';
  char *p = sio__malloc(n + 2);
  if (!p) return SIO_ENOMEM;
  memcpy(p, path, n);
  if (!slash) p[n++] = '/';
  p[n] = '\0';
  sio__free(o->path);
  o->path = p;
  return 0;
}

int sio_eio_opts_set_transports(sio_eio_opts_t *o, unsigned flags) {
  if (!o || flags == 0 || (flags & ~(SIO_EIO_POLLING | SIO_EIO_WEBSOCKET)))
    return SIO_EINVAL;
  o->transports = flags;
  return 0;
}

void sio_eio_opts_set_allow_upgrades(sio_eio_opts_t *o, int on) {
  o->allow_upgrades = on != 0;
}
void sio_eio_opts_set_ping_interval(sio_eio_opts_t *o, uint32_t ms) {
  o->ping_interval = ms;
}
void sio_eio_opts_set_ping_timeout(sio_eio_opts_t *o, uint32_t ms) {
  o->ping_timeout = ms;
}
void sio_eio_opts_set_upgrade_timeout(sio_eio_opts_t *o, uint32_t ms) {
  o->upgrade_timeout = ms;
}
void sio_eio_opts_set_close_timeout(sio_eio_opts_t *o, uint32_t ms) {
  o->close_timeout = ms;
}
void sio_eio_opts_set_max_http_buffer_size(sio_eio_opts_t *o, size_t n) {
  o->max_http_buffer_size = n;
}

/* A cookie name, value or attribute: visible ASCII without separators that
 * would break the header line or the cookie's syntax. */
static int cookie_token_ok(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') return 0;
  }
  return 1;
}

int sio_eio_opts_set_cookie(sio_eio_opts_t *o, const char *name, const char *path,
                            int http_only, const char *same_site) {
  if (!o) return SIO_EINVAL;
  if (!name) {
    sio__free(o->cookie_name);
    sio__free(o->cookie_path);
    sio__free(o->cookie_same_site);
    o->cookie_name = o->cookie_path = o->cookie_same_site = NULL;
    return 0;
  }
  if (!*name) name = "io";
  if (!path) path = "/";
  if (!cookie_token_ok(name) || strchr(name, '=') || !cookie_token_ok(path) ||
      (same_site && !cookie_token_ok(same_site)))
    return SIO_EINVAL;
  char *n = sio__strdup(name), *p = sio__strdup(path);
  char *ss = same_site ? sio__strdup(same_site) : NULL;
  if (!n || !p || (same_site && !ss)) {
    sio__free(n);
    sio__free(p);
    sio__free(ss);
    return SIO_ENOMEM;
  }
  sio__free(o->cookie_name);
  sio__free(o->cookie_path);
  sio__free(o->cookie_same_site);
  o->cookie_name = n;
  o->cookie_path = p;
  o->cookie_same_site = ss;
  o->cookie_http_only = http_only != 0;
  return 0;
}

int sio_eio_opts_set_server_cookie(sio_eio_opts_t *o, const char *name,
                                   const char *value) {
  if (!o) return SIO_EINVAL;
  char *c = NULL;
  if (name) {
    if (!cookie_token_ok(name) || strchr(name, '=') || !cookie_token_ok(value))
      return SIO_EINVAL;
    size_t n = strlen(name) + strlen(value) + 2;
    if (!(c = sio__malloc(n))) return SIO_ENOMEM;
    snprintf(c, n, "%s=%s", name, value);
  }
  sio__free(o->server_cookie);
  o->server_cookie = c;
  return 0;
}

int sio_eio_opts_set_handshake_headers(sio_eio_opts_t *o, const char *names) {
  if (!o) return SIO_EINVAL;
  char *list = NULL;
  if (names) {
    /* Normalized once: lower-case, no blanks, no empty elements, so the
     * handshake compares names with one pass over the list. */
    if (!(list = sio__malloc(strlen(names) + 1))) return SIO_ENOMEM;
    size_t n = 0;
    for (const char *p = names; *p; p++) {
      if (*p == ' ' || *p == '\t') continue;
      if (*p == ',' && (n == 0 || list[n - 1] == ',')) continue;
      list[n++] = (char)tolower((unsigned char)*p);
    }
    if (n && list[n - 1] == ',') n--;
    list[n] = '\0';
  }
  sio__free(o->keep_headers);
  o->keep_headers = list;
  return 0;
}

void sio_eio_opts_set_shared_header_values(sio_eio_opts_t *o, uint32_t max_entries,
                                           uint32_t max_len) {
  if (!o) return;
  o->hval_max_entries = max_entries;
  o->hval_max_len = max_len;
}

void sio_eio_opts_set_allow_request(sio_eio_opts_t *o, sio_eio_allow_request_cb cb,
                                    void *arg) {
  o->allow_request = cb;
  o->allow_request_data = arg;
}

void sio_eio_opts_set_allow_request_async(sio_eio_opts_t *o,
                                          sio_eio_allow_request_async_cb cb, void *arg,
                                          uint32_t timeout_ms) {
  o->allow_async = cb;
  o->allow_async_data = arg;
  o->allow_timeout = timeout_ms ? timeout_ms : 10000;
}

void sio_eio_opts_set_initial_headers(sio_eio_opts_t *o, sio_eio_headers_cb cb,
                                      void *arg) {
  o->initial_headers = cb;
  o->initial_headers_data = arg;
}

void sio_eio_opts_set_headers(sio_eio_opts_t *o, sio_eio_headers_cb cb, void *arg) {
  o->headers = cb;
  o->headers_data = arg;
}

void sio_eio_opts_set_generate_id(sio_eio_opts_t *o, sio_eio_generate_id_cb cb,
                                  void *arg) {
  o->generate_id = cb;
  o->generate_id_data = arg;
}

void sio_eio_opts_set_allow_eio3(sio_eio_opts_t *o, int on) {
  if (o) o->allow_eio3 = on ? 1 : 0;
}

void sio_eio_opts_set_per_message_deflate(sio_eio_opts_t *o, int on) {
  o->deflate.enabled = on ? 1 : 0;
}

void sio_eio_opts_set_deflate_threshold(sio_eio_opts_t *o, size_t bytes) {
  o->deflate.threshold = bytes;
}

int sio_eio_opts_set_deflate_level(sio_eio_opts_t *o, int level, int mem_level) {
  if (level < -1 || level > 9 || mem_level < 1 || mem_level > 9) return SIO_EINVAL;
  o->deflate.level = (int8_t)level;
  o->deflate.mem_level = (uint8_t)mem_level;
  return 0;
}

int sio_eio_opts_set_deflate_window_bits(sio_eio_opts_t *o, int server_bits,
                                         int client_bits) {
  if (server_bits < 9 || server_bits > 15 || client_bits < 8 || client_bits > 15)
    return SIO_EINVAL;
  o->deflate.own_bits = (uint8_t)server_bits;
  o->deflate.peer_bits = (uint8_t)client_bits;
  return 0;
}

void sio_eio_opts_set_deflate_client_no_context_takeover(sio_eio_opts_t *o, int on) {
  o->deflate.peer_no_takeover = on ? 1 : 0;
}
