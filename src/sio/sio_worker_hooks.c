/* sio_server_on_worker: the application's per-worker setup and teardown.
 * The hooks are kept on worker 0 and never change once the workers started,
 * so the other workers read them from their threads without a lock (the
 * threads' start publishes them). */
#include "core/alloc.h"
#include "sio/sio_group.h"

typedef struct sio__worker_hook {
  sio_worker_cb start, stop;
  void *arg;
} sio__worker_hook_t;

int sio_server_on_worker(sio_server_t *s, sio_worker_cb start, sio_worker_cb stop,
                         void *arg) {
  if (!s || (!start && !stop) || s->worker) return SIO_EINVAL;
  if (s->worker_hooks_ran || s->closing) return SIO_EBUSY;
  sio__worker_hook_t *v =
      sio__realloc(s->worker_hooks, (s->nworker_hooks + 1) * sizeof(*v));
  if (!v) return SIO_ENOMEM;
  v[s->nworker_hooks++] = (sio__worker_hook_t){start, stop, arg};
  s->worker_hooks = v;
  return 0;
}

static void start_one(sio_server_t *s0, sio_server_t *w) {
  if (!w || w->closing) return;
  w->worker_started = 1;
  for (size_t i = 0; i < s0->nworker_hooks; i++)
    if (s0->worker_hooks[i].start) s0->worker_hooks[i].start(w, s0->worker_hooks[i].arg);
}

void sio__worker_hooks_start(sio_server_t *s0) {
  if (s0->worker_hooks_ran) return;
  s0->worker_hooks_ran = 1;
  if (!s0->group) {
    start_one(s0, s0);
    return;
  }
  for (unsigned i = 0; i < s0->group->n; i++) start_one(s0, s0->group->w[i].srv);
}

void sio__worker_hooks_stop(sio_server_t *w) {
  if (!w->worker_started) return;
  w->worker_started = 0;
  const sio_server_t *s0 = w->group ? w->group->w[0].srv : w;
  for (size_t i = 0; i < s0->nworker_hooks; i++)
    if (s0->worker_hooks[i].stop) s0->worker_hooks[i].stop(w, s0->worker_hooks[i].arg);
}

void sio__worker_hooks_free(sio_server_t *s0) {
  sio__free(s0->worker_hooks);
  s0->worker_hooks = NULL;
  s0->nworker_hooks = 0;
}
