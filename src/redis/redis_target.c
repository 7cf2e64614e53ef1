/* The emitter's selection: a namespace, rooms, exceptions and the volatile
 * flag, built call by call so its layout stays private to the library. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_target.h"

sio_redis_target_t *sio_redis_target_new(const char *nsp) {
  sio_redis_target_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return NULL;
  if (nsp && !(t->nsp = sio__strdup(nsp))) {
    sio__free(t);
    return NULL;
  }
  return t;
}

static int push(char ***v, size_t *n, size_t *cap, const char *room) {
  if (!room) return SIO_EINVAL;
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    char **nv = sio__realloc(*v, ncap * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    *v = nv;
    *cap = ncap;
  }
  if (!((*v)[*n] = sio__strdup(room))) return SIO_ENOMEM;
  (*n)++;
  return 0;
}

int sio_redis_target_to(sio_redis_target_t *t, const char *room) {
  return t ? push(&t->rooms, &t->nrooms, &t->rcap, room) : SIO_EINVAL;
}

int sio_redis_target_except(sio_redis_target_t *t, const char *room) {
  return t ? push(&t->except, &t->nexcept, &t->ecap, room) : SIO_EINVAL;
}

void sio_redis_target_set_volatile(sio_redis_target_t *t, int on) {
  if (t) t->volatile_ = on != 0;
}

void sio_redis_target_free(sio_redis_target_t *t) {
  if (!t) return;
  for (size_t i = 0; i < t->nrooms; i++) sio__free(t->rooms[i]);
  for (size_t i = 0; i < t->nexcept; i++) sio__free(t->except[i]);
  sio__free(t->rooms);
  sio__free(t->except);
  sio__free(t->nsp);
  sio__free(t);
}
