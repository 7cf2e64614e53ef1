/* Client options: defaults of socket.io-client 4.8 (docs/PROTOCOL.md §1.12). */
#include <math.h>
#include <string.h>

#include "client/client_opts.h"
#include "core/alloc.h"

sio_client_opts_t *sio_client_opts_new(void) {
  sio_client_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->mode = SIO_TRANSPORT_POLLING_UPGRADE;
  o->reconnection = 1;
  o->delay = 1000;
  o->delay_max = 5000;
  o->randomization = 0.5;
  o->timeout = 20000;
  o->max_buffered = 1000;
  o->max_write_queue = SIO_CLIENT_DEFAULT_MAX_WRITE_QUEUE;
  o->max_receive_queue = SIO_CLIENT_DEFAULT_MAX_RECEIVE_QUEUE;
  o->tls_verify = 1;
  sio__ws_deflate_cfg_init(&o->deflate);
  sio__sb_init(&o->query, 0);
  sio__sb_init(&o->headers, 0);
  return o;
}

void sio_client_opts_free(sio_client_opts_t *o) {
  if (!o) return;
  sio__free(o->path);
  sio__free(o->tls_ca_file);
  sio__free(o->tls_ca_dir);
  sio__free(o->tls_cert_file);
  sio__free(o->tls_key_file);
  sio__sb_reset(&o->query);
  sio__sb_reset(&o->headers);
  sio__free(o);
}

void sio_client_opts_set_transports(sio_client_opts_t *o, sio_transport_mode_t mode) {
  if (o && mode <= SIO_TRANSPORT_WEBSOCKET) o->mode = mode;
}

int sio_client_opts_set_path(sio_client_opts_t *o, const char *path) {
  if (!o || !path || path[0] != '/' || strpbrk(path, "?# \r\n")) return SIO_EINVAL;
  size_t n = strlen(path);
  char *p = sio__malloc(n + 2);
  if (!p) return SIO_ENOMEM;
  memcpy(p, path, n + 1);
  if (p[n - 1] != '/') {
    p[n] = '/';
    p[n + 1] = 0;
  }
  sio__free(o->path);
  o->path = p;
  return 0;
}

static void pct(sio__sb_t *sb, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-_.~", c)) {
      sio__sb_putc(sb, (char)c);
    } else {
      sio__sb_putc(sb, '%');
      sio__sb_putc(sb, hex[c >> 4]);
      sio__sb_putc(sb, hex[c & 15]);
    }
  }
}

int sio_client_opts_add_query(sio_client_opts_t *o, const char *key, const char *value) {
  if (!o || !key || !*key || !value) return SIO_EINVAL;
  sio__sb_putc(&o->query, '&');
  pct(&o->query, key);
  sio__sb_putc(&o->query, '=');
  pct(&o->query, value);
  return o->query.err;
}

int sio_client_opts_add_header(sio_client_opts_t *o, const char *name,
                               const char *value) {
  if (!o || !name || !*name || !value || strpbrk(name, "\r\n: ") ||
      strpbrk(value, "\r\n"))
    return SIO_EINVAL;
  sio__sb_printf(&o->headers, "%s: %s\r\n", name, value);
  return o->headers.err;
}

void sio_client_opts_set_reconnection(sio_client_opts_t *o, int on) {
  if (o) o->reconnection = on != 0;
}
void sio_client_opts_set_reconnection_attempts(sio_client_opts_t *o, uint32_t n) {
  if (o) o->attempts = n;
}
void sio_client_opts_set_reconnection_delay(sio_client_opts_t *o, uint32_t ms,
                                            uint32_t max_ms) {
  if (!o) return;
  o->delay = ms;
  o->delay_max = max_ms < ms ? ms : max_ms;
}
void sio_client_opts_set_randomization(sio_client_opts_t *o, double factor) {
  if (o && factor >= 0 && factor <= 1) o->randomization = factor;
}
void sio_client_opts_set_timeout(sio_client_opts_t *o, uint32_t ms) {
  if (o && ms) o->timeout = ms;
}
void sio_client_opts_set_max_buffered(sio_client_opts_t *o, uint32_t n) {
  if (o) o->max_buffered = n;
}
void sio_client_opts_set_max_write_queue(sio_client_opts_t *o, size_t bytes) {
  if (o && bytes) o->max_write_queue = bytes;
}
void sio_client_opts_set_max_receive_queue(sio_client_opts_t *o, size_t bytes) {
  if (o && bytes) o->max_receive_queue = bytes;
}

void sio_client_opts_set_parser(sio_client_opts_t *o, const sio_parser_t *parser) {
  if (o) o->parser = parser;
}

uint64_t sio__client_backoff(const sio_client_opts_t *o, uint32_t attempt, double u) {
  /* In doubles, as the reference: past about 2^62 the cap decides anyway. */
  double ms =
      ldexp((double)o->delay, attempt > 1 ? (int)(attempt < 64 ? attempt - 1 : 63) : 0);
  if (o->randomization > 0) {
    double dev = floor(u * o->randomization * ms);
    ms = ((long long)floor(u * 10) & 1) == 0 ? ms - dev : ms + dev;
  }
  if (ms > o->delay_max) ms = o->delay_max;
  return ms < 0 ? 0 : (uint64_t)ms;
}

/* Replaces two owned strings with copies of a and b (either may be NULL);
 * nothing changes on SIO_ENOMEM. */
static int set_pair(char **pa, char **pb, const char *a, const char *b) {
  char *ca = a ? sio__strdup(a) : NULL;
  char *cb = b ? sio__strdup(b) : NULL;
  if ((a && !ca) || (b && !cb)) {
    sio__free(ca);
    sio__free(cb);
    return SIO_ENOMEM;
  }
  sio__free(*pa);
  sio__free(*pb);
  *pa = ca;
  *pb = cb;
  return 0;
}

int sio_client_opts_set_tls_ca(sio_client_opts_t *o, const char *ca_file,
                               const char *ca_dir) {
  if (!o) return SIO_EINVAL;
  return set_pair(&o->tls_ca_file, &o->tls_ca_dir, ca_file, ca_dir);
}

void sio_client_opts_set_tls_verify(sio_client_opts_t *o, int on) {
  if (o) o->tls_verify = on != 0;
}

int sio_client_opts_set_tls_cert(sio_client_opts_t *o, const char *cert_file,
                                 const char *key_file) {
  if (!o || !cert_file != !key_file) return SIO_EINVAL;
  return set_pair(&o->tls_cert_file, &o->tls_key_file, cert_file, key_file);
}

void sio_client_opts_set_per_message_deflate(sio_client_opts_t *o, int on) {
  if (o) o->deflate.enabled = on ? 1 : 0;
}
