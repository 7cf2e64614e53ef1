#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"

sio_http_opts_t *sio_http_opts_new(void) {
  sio_http_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->max_header_bytes = 16384;
  o->max_headers = 100;
  o->max_body = 1000000;
  o->max_write_queue = 4u * 1024 * 1024;
  o->ipv6_prefix_len = 64;
  o->request_timeout = 10000;
  o->keepalive_timeout = 5000;
  o->compression = 1;
  o->compression_threshold = 1024;
  o->compression_level = -1;
  return o;
}

void sio_http_opts_free(sio_http_opts_t *o) {
  if (!o) return;
  sio__free(o->static_root);
  sio__free(o->cors_origins);
  sio__free(o->tls_cert);
  sio__free(o->tls_key);
  sio__free(o->tls_client_ca);
  sio__free(o);
}

void sio_http_opts_set_max_header_bytes(sio_http_opts_t *o, size_t n) {
  o->max_header_bytes = n;
}

void sio_http_opts_set_max_headers(sio_http_opts_t *o, size_t n) {
  o->max_headers = n;
}

void sio_http_opts_set_max_body(sio_http_opts_t *o, size_t n) {
  o->max_body = n;
}

void sio_http_opts_set_request_timeout(sio_http_opts_t *o, uint32_t ms) {
  o->request_timeout = ms;
}

void sio_http_opts_set_keepalive_timeout(sio_http_opts_t *o, uint32_t ms) {
  o->keepalive_timeout = ms;
}

void sio_http_opts_set_max_write_queue(sio_http_opts_t *o, size_t n) {
  o->max_write_queue = n;
}

void sio_http_opts_set_max_connections_per_ip(sio_http_opts_t *o, size_t n) {
  o->max_conns_per_ip = n;
}

int sio_http_opts_set_ipv6_prefix_len(sio_http_opts_t *o, unsigned bits) {
  if (bits < 1 || bits > 128) return SIO_EINVAL;
  o->ipv6_prefix_len = bits;
  return 0;
}

static int set_str(char **dst, const char *src) {
  char *c = NULL;
  if (src) {
    c = sio__strdup(src);
    if (!c) return SIO_ENOMEM;
  }
  sio__free(*dst);
  *dst = c;
  return 0;
}

int sio_http_opts_set_static_root(sio_http_opts_t *o, const char *dir) {
  if (dir && !*dir) return SIO_EINVAL;
  return set_str(&o->static_root, dir);
}

int sio_http_opts_set_cors_origins(sio_http_opts_t *o, const char *origins) {
  return set_str(&o->cors_origins, origins);
}

void sio_http_opts_set_cors_credentials(sio_http_opts_t *o, int on) {
  o->cors_credentials = on != 0;
}

void sio_http_opts_set_cors_callback(sio_http_opts_t *o, sio_http_cors_cb cb, void *arg) {
  o->cors_cb = cb;
  o->cors_ud = arg;
}

int sio_http_opts_set_tls(sio_http_opts_t *o, const char *cert_chain_file,
                          const char *key_file) {
  if (!o || (!cert_chain_file) != (!key_file)) return SIO_EINVAL;
  if (cert_chain_file && (!*cert_chain_file || !*key_file)) return SIO_EINVAL;
  char *cert = NULL, *key = NULL;
  if (cert_chain_file) {
    cert = sio__strdup(cert_chain_file);
    key = sio__strdup(key_file);
    if (!cert || !key) {
      sio__free(cert);
      sio__free(key);
      return SIO_ENOMEM;
    }
  }
  sio__free(o->tls_cert);
  sio__free(o->tls_key);
  o->tls_cert = cert;
  o->tls_key = key;
  return 0;
}

int sio_http_opts_set_tls_client_ca(sio_http_opts_t *o, const char *ca_file) {
  if (!o || (ca_file && !*ca_file)) return SIO_EINVAL;
  return set_str(&o->tls_client_ca, ca_file);
}

void sio_http_opts_set_compression(sio_http_opts_t *o, int on) {
  o->compression = on != 0;
}

void sio_http_opts_set_compression_threshold(sio_http_opts_t *o, size_t bytes) {
  o->compression_threshold = bytes;
}

int sio_http_opts_set_compression_level(sio_http_opts_t *o, int level) {
  if (level < -1 || level > 9) return SIO_EINVAL;
  o->compression_level = level;
  return 0;
}
