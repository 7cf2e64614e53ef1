/* The siblings' copies of the application's registrations, made when the
 * workers start: every static namespace and dynamic parent (same names,
 * same order), their middlewares, handlers and data pointers, and the
 * server's observers and data pointer. The callbacks and their arguments
 * are the application's own, shared by every worker: they run on each
 * worker's thread (see the thread rules in sio/server.h). */
#include "sio/sio_group.h"

static int copy_vec(sio__cbvec_t *dst, const sio__cbvec_t *src) {
  for (uint32_t i = 0; i < src->n; i++) {
    const sio__cb_t *cb = &src->v[i];
    if (cb->removed) continue;
    int rc = sio__cbvec_add(dst, cb->event, cb->fn, cb->arg);
    if (rc) return rc;
  }
  return 0;
}

static int copy_nsp(sio_namespace_t *d, const sio_namespace_t *s) {
  int rc = copy_vec(&d->mw, &s->mw);
  if (rc == 0) rc = copy_vec(&d->conn, &s->conn);
  if (rc == 0) rc = copy_vec(&d->on, &s->on);
  if (rc == 0) rc = copy_vec(&d->any, &s->any);
  if (rc == 0) rc = copy_vec(&d->disconnecting, &s->disconnecting);
  if (rc == 0) rc = copy_vec(&d->disconnect, &s->disconnect);
  if (rc == 0) rc = copy_vec(&d->server_side, &s->server_side);
  d->data = s->data;
  return rc;
}

int sio__group_copy(sio_server_t *sib, const sio_server_t *s0) {
  int rc = 0;
  /* Static namespaces, oldest first (the list is newest first). */
  size_t n = 0;
  for (const sio_namespace_t *x = s0->all_nsps; x; x = x->next_all) n++;
  for (size_t k = n; rc == 0 && k-- > 0;) {
    const sio_namespace_t *x = s0->all_nsps;
    for (size_t i = 0; i < k; i++) x = x->next_all;
    if (x->is_parent || x->parent) continue; /* children are each worker's */
    sio_namespace_t *d = sio_server_of(sib, x->name);
    rc = d ? copy_nsp(d, x) : SIO_ENOMEM;
  }
  for (size_t i = 0; rc == 0 && i < s0->nparents; i++) {
    const sio_namespace_t *p = s0->parents[i];
    sio_namespace_t *d = p->pattern ? sio_server_of_pattern(sib, p->pattern)
                                    : sio_server_of_dynamic(sib, p->match, p->match_arg);
    rc = d ? copy_nsp(d, p) : SIO_ENOMEM;
  }
  /* Observers last: the copies above are no news to them. */
  if (rc == 0) rc = copy_vec(&sib->observe_nsp, &s0->observe_nsp);
  if (rc == 0) rc = copy_vec(&sib->observe_nsp_gone, &s0->observe_nsp_gone);
  if (rc == 0) rc = copy_vec(&sib->observe_room, &s0->observe_room);
  sib->data = s0->data;
  return rc;
}
