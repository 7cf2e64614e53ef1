/* The group of workers: making the siblings, starting their threads,
 * listening on one port, and the close that waits for every worker.
 *
 * Close, in two phases (all on worker 0's thread but the siblings' own
 * closes): worker 0 closes as always and tells every sibling to close on
 * its thread; a sibling whose server is freed says so. Once worker 0's own
 * close and every sibling's are done (no server runs, so no job is sent any
 * more), the siblings' group posts close, their threads end and are joined,
 * their loops are freed, worker 0's group post closes, and only then the
 * application's close callback runs. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "eio/eio_group.h"
#include "http/http_server.h"
#include "io/own_loop.h"
#include "sio/sio_group.h"

/* A job with no payload but its group and worker. */
typedef struct {
  sio__post_job_t job;
  sio__group_t *g;
  unsigned w;
} wjob_t;

static int send_wjob(sio__group_t *g, unsigned to, unsigned w, sio__post_run_cb run) {
  wjob_t *j = sio__malloc(sizeof(*j));
  if (!j) return SIO_ENOMEM;
  j->job.run = run;
  j->g = g;
  j->w = w;
  int rc = sio__group_send(g, to, &j->job);
  if (rc) sio__free(j);
  return rc;
}

static void free_group(sio__group_t *g) {
  sio__eio_group_free(g->eg);
  sio__free(g->w);
  sio__free(g);
}

/* Closes and frees sibling i that never ran: its loop runs here until
 * every handle is gone. */
static void drop_unstarted(sio__worker_t *w) {
  if (w->srv) sio__server_close_here(w->srv, NULL, NULL);
  if (w->post) sio__post_close(w->post, NULL, NULL);
  sio__own_loop_free(w->loop);
}

int sio__group_new(sio_server_t *s, const sio_server_opts_t *opts, unsigned n) {
  sio__group_t *g = sio__calloc(1, sizeof(*g));
  if (!g || !(g->w = sio__calloc(n, sizeof(*g->w)))) {
    sio__free(g);
    return SIO_ENOMEM;
  }
  g->n = n;
  g->w[0].srv = s;
  g->w[0].loop = s->loop;
  s->group = g;
  int rc = sio__post_new(s->loop, &g->w[0].post);
  for (unsigned i = 1; rc == 0 && i < n; i++) {
    sio__worker_t *w = &g->w[i];
    if ((rc = sio__own_loop_new(&w->loop))) break;
    if ((rc = sio__server_new_worker(w->loop, opts, &w->srv)) == 0) {
      w->srv->group = g;
      w->srv->worker = i;
      rc = sio__post_new(w->loop, &w->post);
    }
    if (rc) {
      drop_unstarted(w);
      memset(w, 0, sizeof(*w));
    }
  }
  /* The Engine.IO servers share one port and hand each other the requests
   * of their sessions (eio/eio_group.h). */
  if (rc == 0) {
    sio_eio_server_t **eios = sio__calloc(n, sizeof(*eios));
    rc = eios ? 0 : SIO_ENOMEM;
    for (unsigned i = 0; rc == 0 && i < n; i++) eios[i] = g->w[i].srv->eio;
    if (rc == 0) rc = sio__eio_group_new(eios, n, &g->eg);
    sio__free(eios);
  }
  if (rc) {
    for (unsigned i = 1; i < n; i++)
      if (g->w[i].loop) drop_unstarted(&g->w[i]);
    if (g->w[0].post) sio__post_close(g->w[0].post, NULL, NULL);
    s->group = NULL;
    free_group(g);
  }
  return rc;
}

int sio__group_start(sio_server_t *s) {
  sio__group_t *g = s->group;
  if (g->started) return 0;
  g->started = 1;
  int rc = 0;
  for (unsigned i = 1; i < g->n; i++) {
    int r = sio__group_copy(g->w[i].srv, s);
    if (r && !rc) rc = r;
  }
  /* The application's per-worker setup, before any sibling runs. */
  if (rc == 0) sio__worker_hooks_start(s);
  /* The thread start publishes everything written above to the sibling. */
  for (unsigned i = 1; i < g->n; i++) {
    int r = sio__loop_thread_start(g->w[i].loop, &g->w[i].thread);
    if (r && !rc) rc = r;
  }
  return rc;
}

static void start_job(sio__post_job_t *pj, int status) {
  wjob_t *j = (wjob_t *)pj;
  sio_server_t *s = j->g->w[0].srv;
  if (status == 0 && s && !j->g->started && sio__group_start(s))
    SIO_LOGW("sio: a worker did not start");
  sio__free(j);
}

int sio__group_listen(sio_server_t *s, const char *host, int port) {
  sio__group_t *g = s->group;
  if (g->started || g->listening) return SIO_EBUSY; /* listen once */
  int rc = sio__eio_group_listen(g->eg, host, port);
  if (rc) return rc;
  g->listening = 1;
  /* The siblings start on the next turn of worker 0's loop, so what the
   * application registers right after listen is copied, not mirrored (the
   * connections wait in the kernel's backlog meanwhile). */
  if (send_wjob(g, 0, 0, start_job)) return sio__group_start(s);
  return 0;
}

/* ---- close ---- */

static void own_post_closed(void *arg) {
  sio__group_t *g = arg;
  sio_server_t *s = g->w[0].srv;
  s->group = NULL;
  free_group(g);
  sio__server_closed_free(s);
}

static void exit_job(sio__post_job_t *pj, int status) {
  wjob_t *j = (wjob_t *)pj;
  (void)status;
  /* The sibling's last handle: its loop ends, and its thread with it. */
  sio__post_close(j->g->w[j->w].post, NULL, NULL);
  sio__free(j);
}

/* Every server is closed: nothing sends any more. */
static void phase2(sio__group_t *g) {
  for (unsigned i = 1; i < g->n; i++) {
    sio__worker_t *w = &g->w[i];
    if (w->loop && send_wjob(g, i, i, exit_job))
      SIO_LOGW("sio: worker %u could not be stopped", i);
  }
  for (unsigned i = 1; i < g->n; i++) {
    sio__worker_t *w = &g->w[i];
    if (!w->loop) continue;
    sio__loop_thread_join(w->thread);
    w->thread = NULL;
    if (sio__own_loop_free(w->loop)) SIO_LOGW("sio: a worker's loop kept a handle");
    w->loop = NULL;
  }
  sio__post_close(g->w[0].post, own_post_closed, g);
}

static void maybe_phase2(sio__group_t *g) {
  if (g->own_closed && g->closed + 1 == g->n) phase2(g);
}

/* Worker 0 closes last: the Engine.IO group reads its server's options
 * until every other worker's server is gone. */
static void maybe_close_own(sio__group_t *g) {
  if (g->closed + 1 < g->n || g->own_closing) return;
  g->own_closing = 1;
  sio__server_close_here(g->w[0].srv, g->close_cb, g->close_arg);
}

static void sibling_closed_job(sio__post_job_t *pj, int status) {
  wjob_t *j = (wjob_t *)pj;
  (void)status;
  j->g->closed++;
  maybe_close_own(j->g);
  maybe_phase2(j->g);
  sio__free(j);
}

/* On the sibling's thread, as its server is about to be freed. */
static void sibling_closed(sio_server_t *sib, void *arg) {
  sio__group_t *g = arg;
  unsigned i = sib->worker;
  g->w[i].srv = NULL;
  if (send_wjob(g, 0, i, sibling_closed_job))
    SIO_LOGW("sio: worker %u could not report its close", i);
}

static void close_job(sio__post_job_t *pj, int status) {
  wjob_t *j = (wjob_t *)pj;
  (void)status;
  sio_server_t *sib = j->g->w[j->w].srv;
  if (sib) sio__server_close_here(sib, sibling_closed, j->g);
  sio__free(j);
}

void sio__group_close(sio_server_t *s, sio_server_close_cb cb, void *arg) {
  sio__group_t *g = s->group;
  if (g->closing) return;
  g->closing = 1;
  g->close_cb = cb;
  g->close_arg = arg;
  sio__eio_group_stop_accepting(g->eg);
  if (!g->started && sio__group_start(s))
    SIO_LOGW("sio: starting the workers for the close failed");
  for (unsigned i = 1; i < g->n; i++) {
    sio__worker_t *w = &g->w[i];
    if (!w->thread) {
      /* Its thread never started: close it here, at once. */
      if (w->srv) sio__server_close_here(w->srv, sibling_closed, g);
      sio__post_close(w->post, NULL, NULL);
      sio__own_loop_free(w->loop);
      w->loop = NULL;
      continue;
    }
    if (send_wjob(g, i, i, close_job)) SIO_LOGW("sio: worker %u missed the close", i);
  }
  maybe_close_own(g); /* no sibling left to wait for (all thread-less) */
}

int sio__group_own_closed(sio_server_t *s) {
  sio__group_t *g = s->group;
  if (!g) return 0;
  g->own_closed = 1;
  maybe_phase2(g);
  return 1;
}
