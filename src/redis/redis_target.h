/* The emitter's selection (sio_redis_target_t), read by redis_emitter.c. */
#ifndef SIO_REDIS_TARGET_H
#define SIO_REDIS_TARGET_H

#include <stddef.h>

#include "sio/redis.h"

struct sio_redis_target {
  char *nsp; /* NULL: "/" */
  char **rooms;
  size_t nrooms, rcap;
  char **except;
  size_t nexcept, ecap;
  int volatile_;
};

#endif
