/* The test client's options and the handshake it stands for: headers, the
 * query string and URL, the address and the time, answered to the server's
 * handshake accessors through the session's link (sio_handshake.c). */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"
#include "http/http_util.h"
#include "sio/sio_test_client.h"

sio_test_client_opts_t *sio_test_client_opts_new(void) {
  sio_test_client_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->max_received = SIO_TEST_CLIENT_MAX_RECEIVED_DEFAULT;
  return o;
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) sio__free(v[i]);
  sio__free(v);
}

void sio_test_client_opts_free(sio_test_client_opts_t *o) {
  if (!o) return;
  free_strings(o->hdr, o->nhdr * 2);
  sio__free(o->query);
  sio__free(o->address);
  sio__free(o);
}

int sio_test_client_opts_add_header(sio_test_client_opts_t *o, const char *name,
                                    const char *value) {
  if (!o || !name || !*name || !value || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
    return SIO_EINVAL;
  if (o->nhdr == o->hcap) {
    size_t ncap = o->hcap ? o->hcap * 2 : 4;
    char **nv = sio__realloc(o->hdr, ncap * 2 * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    o->hdr = nv;
    o->hcap = ncap;
  }
  char *n = sio__strdup(name), *v = sio__strdup(value);
  if (!n || !v) {
    sio__free(n);
    sio__free(v);
    return SIO_ENOMEM;
  }
  o->hdr[o->nhdr * 2] = n;
  o->hdr[o->nhdr * 2 + 1] = v;
  o->nhdr++;
  return 0;
}

static int set_string(char **slot, const char *s) {
  if (!s) return SIO_EINVAL;
  char *c = sio__strdup(s);
  if (!c) return SIO_ENOMEM;
  sio__free(*slot);
  *slot = c;
  return 0;
}

int sio_test_client_opts_set_query(sio_test_client_opts_t *o, const char *query) {
  if (!o || !query || strpbrk(query, "#\r\n ")) return SIO_EINVAL;
  return set_string(&o->query, query[0] == '?' ? query + 1 : query);
}

int sio_test_client_opts_set_address(sio_test_client_opts_t *o, const char *address) {
  return o ? set_string(&o->address, address) : SIO_EINVAL;
}

void sio_test_client_opts_set_max_received(sio_test_client_opts_t *o, size_t n) {
  if (o) o->max_received = n ? n : SIO_TEST_CLIENT_MAX_RECEIVED_DEFAULT;
}

/* ---- the handshake of one client ---- */

int sio__test_hs_init(sio__test_hs_t *hs, sio_server_t *s,
                      const sio_test_client_opts_t *o) {
  memset(hs, 0, sizeof(*hs));
  const char *path = s->path;
  const char *q = o && o->query ? o->query : "";
  sio__sb_t sb;
  sio__sb_init(&sb, strlen(path) + strlen(q) + 32);
  sio__sb_puts(&sb, path);
  sio__sb_putc(&sb, '?');
  hs->query_off = sio__sb_len(&sb);
  sio__sb_puts(&sb, "EIO=4&transport=test");
  if (*q) {
    sio__sb_putc(&sb, '&');
    sio__sb_puts(&sb, q);
  }
  sio__sb_putc(&sb, 0);
  if (sb.err) {
    sio__sb_reset(&sb);
    return SIO_ENOMEM;
  }
  hs->url_len = sio__sb_len(&sb) - 1;
  hs->url = sio__strndup((const char *)sio__sb_data(&sb), hs->url_len);
  sio__sb_reset(&sb);
  hs->address = sio__strdup(o && o->address ? o->address : "127.0.0.1");
  if (!hs->url || !hs->address) goto oom;
  if (o && o->nhdr) {
    hs->hdr = sio__calloc(o->nhdr * 2, sizeof(*hs->hdr));
    if (!hs->hdr) goto oom;
    hs->nhdr = o->nhdr; /* entries not copied yet are NULL for the clear */
    for (size_t i = 0; i < o->nhdr * 2; i++)
      if (!(hs->hdr[i] = sio__strdup(o->hdr[i]))) goto oom;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  hs->issued = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  return 0;
oom:
  sio__test_hs_clear(hs);
  return SIO_ENOMEM;
}

void sio__test_hs_clear(sio__test_hs_t *hs) {
  if (hs->hdr) free_strings(hs->hdr, hs->nhdr * 2);
  sio__free(hs->url);
  sio__free(hs->address);
  memset(hs, 0, sizeof(*hs));
}

const char *sio__test_hs_header(const sio__test_hs_t *hs, const char *name, size_t *len) {
  for (size_t i = 0; i < hs->nhdr; i++) {
    if (strcasecmp(hs->hdr[i * 2], name) == 0) {
      if (len) *len = strlen(hs->hdr[i * 2 + 1]);
      return hs->hdr[i * 2 + 1];
    }
  }
  if (len) *len = 0;
  return NULL;
}

int sio__test_hs_header_at(const sio__test_hs_t *hs, size_t i, sio_buf_t *name,
                           sio_buf_t *value) {
  if (i >= hs->nhdr) return SIO_ENOENT;
  name->base = (const uint8_t *)hs->hdr[i * 2];
  name->len = strlen(hs->hdr[i * 2]);
  value->base = (const uint8_t *)hs->hdr[i * 2 + 1];
  value->len = strlen(hs->hdr[i * 2 + 1]);
  return 0;
}

const char *sio__test_hs_query(const sio__test_hs_t *hs, size_t *len) {
  if (len) *len = hs->url_len - hs->query_off;
  return hs->url + hs->query_off;
}

int sio__test_hs_query_get(const sio__test_hs_t *hs, const char *key, char *out,
                           size_t outlen) {
  const char *val;
  size_t vlen;
  if (sio__http_query_find(hs->url + hs->query_off, hs->url_len - hs->query_off, key,
                           &val, &vlen) != 0)
    return SIO_ENOENT;
  if (outlen == 0) return SIO_EINVAL;
  /* As the Engine.IO handshake's: the full decoded length is returned even
   * when out truncates it. */
  char *tmp = sio__malloc(vlen + 1);
  if (!tmp) return SIO_ENOMEM;
  int n = sio__pct_decode(val, vlen, tmp, vlen + 1, 1, 0);
  if (n >= 0) {
    size_t k = (size_t)n < outlen - 1 ? (size_t)n : outlen - 1;
    memcpy(out, tmp, k);
    out[k] = 0;
  }
  sio__free(tmp);
  return n;
}
