/* Callback lists that user code may change from inside one of their own
 * callbacks: a dispatch sees the entries present when it began; a removal
 * during a dispatch only marks the entry (its event name stays valid, the
 * array does not shift under the running loop) and the list is compacted
 * when the last dispatch over it ends. */
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
  cv->v[cv->n].removed = 0;
  cv->n++;
  return 0;
}

void sio__cbvec_compact(sio__cbvec_t *cv) {
  size_t j = 0;
  for (size_t i = 0; i < cv->n; i++) {
    if (cv->v[i].removed)
      sio__free(cv->v[i].event);
    else
      cv->v[j++] = cv->v[i];
  }
  cv->n = j;
  cv->nremoved = 0;
}

int sio__cbvec_remove(sio__cbvec_t *cv, const char *event, void (*fn)(void), void *arg) {
  int removed = 0;
  for (size_t i = 0; i < cv->n; i++) {
    sio__cb_t *e = &cv->v[i];
    if (e->removed) continue;
    if (event && (!e->event || strcmp(e->event, event) != 0)) continue;
    if (fn && (e->fn != fn || e->arg != arg)) continue;
    e->removed = 1;
    cv->nremoved++;
    removed++;
  }
  if (!cv->busy && cv->nremoved) sio__cbvec_compact(cv);
  return removed;
}

void sio__cbvec_free(sio__cbvec_t *cv) {
  for (size_t i = 0; i < cv->n; i++) sio__free(cv->v[i].event);
  sio__free(cv->v);
  memset(cv, 0, sizeof(*cv));
}
