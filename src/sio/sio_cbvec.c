/* Growable arrays of callbacks (handlers, middlewares, lifecycle hooks). */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

int sio__cbvec_add(sio__cbvec_t *cv, const char *event, void (*fn)(void), void *arg) {
  if (!fn) return SIO_EINVAL;
  if (cv->n == cv->cap) {
    size_t ncap = cv->cap ? cv->cap * 2 : 4;
    sio__cb_t *nv = sio__realloc(cv->v, ncap * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    cv->v = nv;
    cv->cap = ncap;
  }
  char *ev = NULL;
  if (event && !(ev = sio__strdup(event))) return SIO_ENOMEM;
  cv->v[cv->n].event = ev;
  cv->v[cv->n].fn = fn;
  cv->v[cv->n].arg = arg;
  cv->n++;
  return 0;
}

void sio__cbvec_free(sio__cbvec_t *cv) {
  for (size_t i = 0; i < cv->n; i++) sio__free(cv->v[i].event);
  sio__free(cv->v);
  memset(cv, 0, sizeof(*cv));
}
