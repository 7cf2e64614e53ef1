/* Registrations made on worker 0 after the workers started, repeated on
 * every sibling by a posted job: a new static namespace or dynamic parent,
 * a handler added to or removed from one of their lists (or a server
 * observer), a data pointer. The jobs of one worker run in order, so a
 * namespace exists on a sibling before the handlers registered on it.
 * Dynamic children are each worker's own: what is registered on them stays
 * on their worker. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"

enum { M_NSP, M_PARENT, M_VEC, M_DATA };

typedef struct {
  sio__post_job_t job;
  sio__group_t *g;
  unsigned to;
  int kind;
  sio__gnsp_t nsp; /* name (or parent index); name NULL: the server itself */
  size_t off;      /* M_VEC: the list's offset in its namespace or server */
  char *event;     /* M_VEC; M_PARENT: the pattern (NULL: a match callback) */
  void (*fn)(void);
  void *arg;
  int add;
} mjob_t;

static void mjob_free(mjob_t *j) {
  sio__gnsp_free(&j->nsp);
  sio__free(j->event);
  sio__free(j);
}

static void mjob_run(sio__post_job_t *pj, int status) {
  mjob_t *j = (mjob_t *)pj;
  sio_server_t *s = status == 0 ? j->g->w[j->to].srv : NULL;
  if (s && !s->closing) {
    sio_namespace_t *nsp = j->nsp.name ? sio__gnsp_find(&j->nsp, s) : NULL;
    char *base = j->nsp.name ? (char *)nsp : (char *)s;
    switch (j->kind) {
      case M_NSP:
        sio_server_of(s, j->nsp.name);
        break;
      case M_PARENT:
        if (j->event)
          sio_server_of_pattern(s, j->event);
        else
          sio_server_of_dynamic(s, (sio_namespace_match_cb)j->fn, j->arg);
        break;
      case M_VEC:
        if (base) {
          sio__cbvec_t *vec = (sio__cbvec_t *)(base + j->off);
          if (j->add)
            sio__cbvec_add(vec, j->event, j->fn, j->arg);
          else
            sio__cbvec_remove(vec, j->event, j->fn, j->arg);
        }
        break;
      case M_DATA:
        if (j->nsp.name && nsp) nsp->data = j->arg;
        if (!j->nsp.name) s->data = j->arg;
        break;
    }
  }
  mjob_free(j);
}

/* Whether s's registrations on nsp (NULL: the server's) go to the siblings
 * now. */
static int mirrored(const sio_server_t *s, const sio_namespace_t *nsp) {
  return s->group && s->worker == 0 && s->group->started && !(nsp && nsp->parent);
}

static void send_all(sio_server_t *s, const sio_namespace_t *nsp, int kind, size_t off,
                     const char *event, void (*fn)(void), void *arg, int add) {
  sio__group_t *g = s->group;
  for (unsigned i = 1; i < g->n; i++) {
    mjob_t *j = sio__calloc(1, sizeof(*j));
    if (!j) return;
    j->job.run = mjob_run;
    j->g = g;
    j->to = i;
    j->kind = kind;
    j->nsp.parent = -1;
    j->fn = fn;
    j->arg = arg;
    j->add = add;
    j->off = off;
    if ((nsp && sio__gnsp_of(&j->nsp, nsp)) ||
        (event && !(j->event = sio__strdup(event)))) {
      mjob_free(j);
      return;
    }
    if (sio__group_send(g, i, &j->job)) mjob_free(j);
  }
}

void sio__group_mirror_nsp(sio_namespace_t *nsp) {
  sio_server_t *s = nsp->srv;
  if (!mirrored(s, nsp)) return;
  if (!nsp->is_parent)
    send_all(s, nsp, M_NSP, 0, NULL, NULL, NULL, 1);
  else if (nsp->pattern)
    send_all(s, NULL, M_PARENT, 0, nsp->pattern, NULL, NULL, 1);
  else
    send_all(s, NULL, M_PARENT, 0, NULL, (void (*)(void))nsp->match, nsp->match_arg, 1);
}

void sio__group_mirror_vec(sio_server_t *s, const sio_namespace_t *nsp,
                           const sio__cbvec_t *vec, const char *event, void (*fn)(void),
                           void *arg, int add) {
  if (!mirrored(s, nsp)) return;
  size_t off = (size_t)((const char *)vec - (nsp ? (const char *)nsp : (const char *)s));
  send_all(s, nsp, M_VEC, off, event, fn, arg, add);
}

void sio__group_mirror_data(sio_server_t *s, const sio_namespace_t *nsp, void *data) {
  if (mirrored(s, nsp)) send_all(s, nsp, M_DATA, 0, NULL, NULL, data, 1);
}
