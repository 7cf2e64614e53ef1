#include "io/sync.h"

#include <uv.h>

#include "core/alloc.h"
#include "sio/common.h"

struct sio__mutex {
  uv_mutex_t m;
};

struct sio__cond {
  uv_cond_t c;
};

sio__mutex_t *sio__mutex_new(void) {
  sio__mutex_t *m = sio__malloc(sizeof(*m));
  if (m && uv_mutex_init(&m->m) != 0) {
    sio__free(m);
    return NULL;
  }
  return m;
}

void sio__mutex_free(sio__mutex_t *m) {
  if (!m) return;
  uv_mutex_destroy(&m->m);
  sio__free(m);
}

void sio__mutex_lock(sio__mutex_t *m) {
  uv_mutex_lock(&m->m);
}

void sio__mutex_unlock(sio__mutex_t *m) {
  uv_mutex_unlock(&m->m);
}

sio__cond_t *sio__cond_new(void) {
  sio__cond_t *c = sio__malloc(sizeof(*c));
  if (c && uv_cond_init(&c->c) != 0) {
    sio__free(c);
    return NULL;
  }
  return c;
}

void sio__cond_free(sio__cond_t *c) {
  if (!c) return;
  uv_cond_destroy(&c->c);
  sio__free(c);
}

void sio__cond_broadcast(sio__cond_t *c) {
  uv_cond_broadcast(&c->c);
}

void sio__cond_wait(sio__cond_t *c, sio__mutex_t *m) {
  uv_cond_wait(&c->c, &m->m);
}

int sio__cond_wait_until(sio__cond_t *c, sio__mutex_t *m, uint64_t deadline_ns) {
  uint64_t now = uv_hrtime();
  if (now >= deadline_ns) return SIO_ETIMEDOUT;
  return uv_cond_timedwait(&c->c, &m->m, deadline_ns - now) == 0 ? 0 : SIO_ETIMEDOUT;
}

uint64_t sio__clock_ns(void) {
  return uv_hrtime();
}
