/* Observation hooks: what add-ons (admin panels, metrics) learn of a
 * server's namespaces and rooms without touching its internals. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

#define FN(f) ((void (*)(void))(f))

/* Adds an observer (and, with workers, to the siblings' copies). */
static int add(sio_server_t *s, sio__cbvec_t *vec, void (*fn)(void), void *arg) {
  if (!s || !fn) return SIO_EINVAL;
  int rc = sio__cbvec_add(vec, NULL, fn, arg);
  if (rc == 0 && s->group) sio__group_mirror_vec(s, NULL, vec, NULL, fn, arg, 1);
  return rc;
}

int sio_server_on_namespace_created(sio_server_t *s, sio_namespace_created_cb cb,
                                    void *arg) {
  return s ? add(s, &s->observe_nsp, FN(cb), arg) : SIO_EINVAL;
}

int sio_server_on_namespace_deleted(sio_server_t *s, sio_namespace_deleted_cb cb,
                                    void *arg) {
  return s ? add(s, &s->observe_nsp_gone, FN(cb), arg) : SIO_EINVAL;
}

int sio_server_on_room_event(sio_server_t *s, sio_room_event_cb cb, void *arg) {
  return s ? add(s, &s->observe_room, FN(cb), arg) : SIO_EINVAL;
}

int sio_server_foreach_namespace(sio_server_t *s, sio_namespace_created_cb cb,
                                 void *arg) {
  if (!s || !cb) return SIO_EINVAL;
  int n = 0;
  for (sio_namespace_t *nsp = s->all_nsps; nsp; nsp = nsp->next_all) {
    if (nsp->is_parent) continue;
    cb(nsp, arg);
    n++;
  }
  return n;
}

/* Hooks may add hooks: the vector can move, so each entry is read afresh
 * and only those present when the report started run. */
void sio__observe_namespace(sio_namespace_t *nsp) {
  const sio__cbvec_t *cv = &nsp->srv->observe_nsp;
  for (size_t i = 0, n = cv->n; i < n; i++) {
    sio__cb_t cb = cv->v[i];
    ((sio_namespace_created_cb)cb.fn)(nsp, cb.arg);
  }
}

void sio__observe_namespace_deleted(sio_namespace_t *nsp) {
  const sio__cbvec_t *cv = &nsp->srv->observe_nsp_gone;
  for (size_t i = 0, n = cv->n; i < n; i++) {
    sio__cb_t cb = cv->v[i];
    ((sio_namespace_deleted_cb)cb.fn)(nsp, cb.arg);
  }
}

void sio__observe_room(sio_namespace_t *nsp, sio_room_event_t ev, const char *room,
                       const char *sid) {
  const sio__cbvec_t *cv = &nsp->srv->observe_room;
  for (size_t i = 0, n = cv->n; i < n; i++) {
    sio__cb_t cb = cv->v[i];
    ((sio_room_event_cb)cb.fn)(nsp, ev, room, sid, cb.arg);
  }
}
