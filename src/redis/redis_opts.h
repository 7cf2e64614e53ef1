/* libsio-redis: the options object behind sio_redis_opts_t (sio/redis.h). */
#ifndef SIO_REDIS_OPTS_H
#define SIO_REDIS_OPTS_H

#include <stdint.h>

#include "redis/redis_url.h"
#include "sio/redis.h"

/* The longest key (channel prefix) accepted, in bytes. */
#define SIO__REDIS_KEY_MAX 1024

struct sio_redis_opts {
  char *url_text;       /* as given (or the default), owned */
  sio__redis_url_t url; /* url_text parsed, owned */
  char *key;            /* channel prefix, owned; no '#' */
  uint32_t request_timeout_ms;
  int specific_response_channel;
  uint32_t max_message; /* bytes + unpacked tree of one received message */
};

/* A deep copy of o (owned by the caller, free with sio_redis_opts_free);
 * NULL if out of memory or o is NULL. */
sio_redis_opts_t *sio__redis_opts_dup(const sio_redis_opts_t *o);

#endif
