/* libsio-redis: sio_redis_opts_* (sio/redis.h). */
#include "redis/redis_opts.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define OPTS_DEFAULT_URL "redis://127.0.0.1:6379/0"
#define OPTS_DEFAULT_KEY "socket.io"
#define OPTS_DEFAULT_TIMEOUT_MS 5000

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *out = sio__malloc(n + 1);
  if (out) memcpy(out, s, n + 1);
  return out;
}

sio_redis_opts_t *sio_redis_opts_new(void) {
  sio_redis_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->request_timeout_ms = OPTS_DEFAULT_TIMEOUT_MS;
  o->max_message = SIO_REDIS_MAX_MESSAGE_DEFAULT;
  o->url_text = dup_str(OPTS_DEFAULT_URL);
  o->key = dup_str(OPTS_DEFAULT_KEY);
  if (!o->url_text || !o->key || sio__redis_url_parse(o->url_text, &o->url) != 0) {
    sio_redis_opts_free(o);
    return NULL;
  }
  return o;
}

void sio_redis_opts_free(sio_redis_opts_t *o) {
  if (!o) return;
  sio__redis_url_free(&o->url);
  if (o->url_text) { /* it may hold a password */
    memset(o->url_text, 0, strlen(o->url_text));
    sio__free(o->url_text);
  }
  sio__free(o->key);
  sio__free(o);
}

int sio_redis_opts_set_url(sio_redis_opts_t *o, const char *url) {
  sio__redis_url_t parsed;
  char *text;
  int rc;
  if (!o || !url) return SIO_EINVAL;
  if ((rc = sio__redis_url_parse(url, &parsed)) != 0) return rc;
  if (!(text = dup_str(url))) {
    sio__redis_url_free(&parsed);
    return SIO_ENOMEM;
  }
  sio__redis_url_free(&o->url);
  if (o->url_text) memset(o->url_text, 0, strlen(o->url_text));
  sio__free(o->url_text);
  o->url = parsed;
  o->url_text = text;
  return 0;
}

int sio_redis_opts_set_key(sio_redis_opts_t *o, const char *key) {
  size_t n;
  char *copy;
  if (!o || !key) return SIO_EINVAL;
  n = strnlen(key, SIO__REDIS_KEY_MAX + 1);
  /* '#' separates the key from the namespace on the wire (docs/REDIS-WIRE.md §2). */
  if (n == 0 || n > SIO__REDIS_KEY_MAX || memchr(key, '#', n)) return SIO_EINVAL;
  if (!(copy = dup_str(key))) return SIO_ENOMEM;
  sio__free(o->key);
  o->key = copy;
  return 0;
}

void sio_redis_opts_set_request_timeout(sio_redis_opts_t *o, uint32_t ms) {
  if (o) o->request_timeout_ms = ms;
}

void sio_redis_opts_set_max_message_size(sio_redis_opts_t *o, uint32_t bytes) {
  if (o) o->max_message = bytes ? bytes : SIO_REDIS_MAX_MESSAGE_DEFAULT;
}

void sio_redis_opts_set_specific_response_channel(sio_redis_opts_t *o, int on) {
  if (o) o->specific_response_channel = on ? 1 : 0;
}

sio_redis_opts_t *sio__redis_opts_dup(const sio_redis_opts_t *o) {
  sio_redis_opts_t *d;
  if (!o || !(d = sio__calloc(1, sizeof(*d)))) return NULL;
  d->request_timeout_ms = o->request_timeout_ms;
  d->specific_response_channel = o->specific_response_channel;
  d->max_message = o->max_message;
  d->url_text = dup_str(o->url_text);
  d->key = dup_str(o->key);
  if (!d->url_text || !d->key || sio__redis_url_copy(&d->url, &o->url) != 0) {
    sio_redis_opts_free(d);
    return NULL;
  }
  return d;
}
