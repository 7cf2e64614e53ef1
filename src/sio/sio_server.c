/* The Socket.IO server object: options, creation on a loop or on an HTTP
 * server, the thread-safe post (io/post.h), and the asynchronous close that
 * waits for every handle. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "eio/eio_opts.h"
#include "http/http_server.h"
#include "io/cpus.h"
#include "io/own_loop.h"
#include "io/post.h"
#include "sio/sio_group.h"
#include "sio/sio_internal.h"
#include "sio/sio_metrics.h"
#include "sio/sio_totals.h"

/* ---- options ---- */

sio_server_opts_t *sio_server_opts_new(void) {
  sio_server_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->path = sio__strdup("/socket.io/");
  o->eio = sio_eio_opts_new();
  o->http = sio_http_opts_new();
  o->connect_timeout = 45000;
  o->max_nsp_name = SIO_NSP_NAME_MAX_DEFAULT;
  o->max_session_nsps = SIO_SESSION_NAMESPACES_MAX_DEFAULT;
  o->cleanup_children = 1;
  o->max_attachments = SIO_SIO_MAX_ATTACHMENTS_DEFAULT;
  o->max_depth = SIO_JSON_DEPTH_DEFAULT;
  o->recovery_max_bytes = SIO_RECOVERY_MAX_BYTES_DEFAULT;
  o->workers = 1;
  if (!o->path || !o->eio || !o->http) {
    sio_server_opts_free(o);
    return NULL;
  }
  return o;
}

void sio_server_opts_free(sio_server_opts_t *o) {
  if (!o) return;
  sio__free(o->path);
  sio__free(o->metrics_path);
  sio_eio_opts_free(o->eio);
  sio_http_opts_free(o->http);
  sio__free(o);
}

int sio_server_opts_set_path(sio_server_opts_t *o, const char *path) {
  if (!o || !path || path[0] != '/') return SIO_EINVAL;
  size_t n = strlen(path);
  char *p = sio__malloc(n + 2);
  if (!p) return SIO_ENOMEM;
  memcpy(p, path, n);
  if (path[n - 1] != '/') p[n++] = '/';
  p[n] = 0;
  sio__free(o->path);
  o->path = p;
  return 0;
}

sio_eio_opts_t *sio_server_opts_eio(sio_server_opts_t *o) {
  return o ? o->eio : NULL;
}
sio_http_opts_t *sio_server_opts_http(sio_server_opts_t *o) {
  return o ? o->http : NULL;
}
void sio_server_opts_set_connect_timeout(sio_server_opts_t *o, uint32_t ms) {
  if (o) o->connect_timeout = ms;
}
void sio_server_opts_set_max_attachments(sio_server_opts_t *o, uint32_t n) {
  if (o) o->max_attachments = n;
}
void sio_server_opts_set_max_json_depth(sio_server_opts_t *o, uint32_t depth) {
  if (o) o->max_depth = depth ? depth : SIO_JSON_DEPTH_DEFAULT;
}
void sio_server_opts_set_parser(sio_server_opts_t *o, const sio_parser_t *parser) {
  if (o) o->parser = parser;
}
void sio_server_opts_set_cleanup_empty_children(sio_server_opts_t *o, int on) {
  if (o) o->cleanup_children = on != 0;
}
void sio_server_opts_set_max_session_namespaces(sio_server_opts_t *o, uint32_t n) {
  if (o) o->max_session_nsps = n ? n : SIO_SESSION_NAMESPACES_MAX_DEFAULT;
}
int sio_server_opts_set_recovery(sio_server_opts_t *o, uint32_t max_disconnection_ms,
                                 int skip_middlewares) {
  if (!o) return SIO_EINVAL;
  o->recovery_ms =
      max_disconnection_ms ? max_disconnection_ms : SIO_RECOVERY_DURATION_DEFAULT;
  o->recovery_skip_mw = skip_middlewares != 0;
  return 0;
}
void sio_server_opts_set_recovery_max_bytes(sio_server_opts_t *o, size_t bytes) {
  o->recovery_max_bytes = bytes ? bytes : SIO_RECOVERY_MAX_BYTES_DEFAULT;
}
int sio_server_opts_set_workers(sio_server_opts_t *o, unsigned n) {
  if (!o || n > SIO_WORKERS_MAX) return SIO_EINVAL;
  o->workers = n;
  return 0;
}
void sio_server_opts_set_max_namespace_name(sio_server_opts_t *o, uint32_t bytes) {
  if (o) o->max_nsp_name = bytes ? bytes : SIO_NSP_NAME_MAX_DEFAULT;
}

/* ---- post ---- */

/* A job of sio_server_post: the user's callback and argument. */
typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  sio_server_t *s;
  sio_post_cb fn;
  void *arg;
} server_job_t;

/* Jobs still waiting when the server closes run too (status ECANCELED): a
 * post the server accepted always runs. */
static void run_server_job(sio__post_job_t *j, int status) {
  server_job_t *sj = (server_job_t *)j;
  (void)status;
  sj->fn(sj->s, sj->arg);
  sio__free(sj);
}

int sio_server_post(sio_server_t *s, sio_post_cb fn, void *arg) {
  if (!s || !fn) return SIO_EINVAL;
  server_job_t *sj = sio__malloc(sizeof(*sj));
  if (!sj) return SIO_ENOMEM;
  sj->job.run = run_server_job;
  sj->s = s;
  sj->fn = fn;
  sj->arg = arg;
  int rc = sio__post_send(s->post, &sj->job);
  if (rc) sio__free(sj);
  return rc;
}

/* ---- creation ---- */

static int setup(sio_server_t *s, const sio_server_opts_t *opts) {
  sio_server_opts_t *defaults = NULL;
  if (!opts) {
    defaults = sio_server_opts_new();
    if (!defaults) return SIO_ENOMEM;
    opts = defaults;
  }
  s->connect_timeout = opts->connect_timeout;
  s->max_nsp_name = opts->max_nsp_name;
  s->max_session_nsps = opts->max_session_nsps;
  s->cleanup_children = opts->cleanup_children;
  s->recovery_ms = opts->recovery_ms;
  s->recovery_skip_mw = opts->recovery_skip_mw;
  s->recovery_max_bytes = opts->recovery_max_bytes;
  sio__sio_limits_init(&s->lim);
  s->lim.max_attachments = opts->max_attachments;
  s->lim.max_depth = opts->max_depth;
  s->parser = sio__parser_or_default(opts->parser);
  s->parser_auto = sio__parser_is_auto(s->parser);
  sio__map_init(&s->nsps);
  s->session_pool = sio__pool_new(sio__session_size(s->parser), SIO__POOL_AUTO);
  s->socket_pool = sio__pool_new(sizeof(sio_socket_t), SIO__POOL_AUTO);
  if (!s->session_pool || !s->socket_pool || !(s->path = sio__strdup(opts->path))) {
    sio_server_opts_free(defaults);
    return SIO_ENOMEM;
  }
  /* The Engine.IO options with our path (the user's object is const). */
  sio_eio_opts_t eo;
  int rc = sio__eio_opts_copy(&eo, opts->eio);
  if (rc == 0) {
    if ((rc = sio_eio_opts_set_path(&eo, opts->path)) == 0)
      rc = sio_eio_server_new(s->http, &eo, &s->eio);
    sio__eio_opts_clear(&eo);
  }
  /* The metrics read opts, which may be the defaults freed just after. */
  if (rc == 0) rc = sio__metrics_start(s, opts);
  sio_server_opts_free(defaults);
  if (rc) return rc;
  sio_eio_server_on_connection(s->eio, sio__session_on_connection, s);
  sio_eio_server_on_message(s->eio, sio__session_on_message, s);
  sio_eio_server_on_close(s->eio, sio__session_on_close, s);
  if ((rc = sio__post_new(s->loop, &s->post))) return rc;
  /* The main namespace always exists, as in the reference. */
  return sio_server_of(s, "/") ? 0 : SIO_ENOMEM;
}

static void free_now(sio_server_t *s) {
  if (s->run_done) *s->run_done = 1;
  sio_namespace_t *n = s->all_nsps;
  while (n) {
    sio_namespace_t *nx = n->next_all;
    sio__namespace_free(n);
    n = nx;
  }
  sio__map_free(&s->nsps);
  sio__free(s->parents);
  sio__cbvec_free(&s->observe_nsp);
  sio__cbvec_free(&s->observe_nsp_gone);
  sio__cbvec_free(&s->observe_room);
  sio__worker_hooks_free(s);
  sio__free(s->path);
  sio__metrics_free(s);
  /* A block still out (never expected) keeps its pool until its free. */
  sio__pool_close(s->session_pool);
  sio__pool_close(s->socket_pool);
  sio__free(s);
}

/* Undoes a failed setup synchronously enough for the caller: the eio server
 * and the post close in the background. */
static void setup_failed(sio_server_t *s) {
  sio__metrics_stop(s);
  if (s->eio) sio_eio_server_close(s->eio, NULL, NULL);
  if (s->post) sio__post_close(s->post, NULL, NULL);
  if (s->own_http) sio_http_server_close(s->http, NULL, NULL);
  free_now(s);
}

int sio_server_attach(sio_http_server_t *http, const sio_server_opts_t *opts,
                      sio_server_t **out) {
  if (!http || !out) return SIO_EINVAL;
  /* Workers need an HTTP server per worker: the server's own. */
  if (opts && opts->workers != 1) return SIO_EINVAL;
  sio_server_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return SIO_ENOMEM;
  s->http = http;
  s->loop = sio__http_server_loop(http);
  int rc = setup(s, opts);
  if (rc) {
    setup_failed(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* The number of workers opts asks for (1 without opts). */
static unsigned workers_of(const sio_server_opts_t *opts) {
  if (!opts) return 1;
  unsigned n = opts->workers ? opts->workers : sio__io_cpu_count();
  return n > SIO_WORKERS_MAX ? SIO_WORKERS_MAX : n;
}

static int server_new(uv_loop_t *loop, const sio_server_opts_t *opts, sio_server_t **out,
                      unsigned workers);

int sio__server_new_worker(uv_loop_t *loop, const sio_server_opts_t *opts,
                           sio_server_t **out) {
  return server_new(loop, opts, out, 1);
}

int sio_server_new(uv_loop_t *loop, const sio_server_opts_t *opts, sio_server_t **out) {
  if (!out) return SIO_EINVAL;
  unsigned n = workers_of(opts);
  return server_new(loop, opts, out, n);
}

static int server_new(uv_loop_t *loop, const sio_server_opts_t *opts, sio_server_t **out,
                      unsigned workers) {
  uv_loop_t *own = NULL;
  int rc;
  if (!loop) {
    if ((rc = sio__own_loop_new(&own))) return rc;
    loop = own;
  }
  sio_server_t *s = sio__calloc(1, sizeof(*s));
  if (!s) {
    sio__own_loop_free(own);
    return SIO_ENOMEM;
  }
  s->loop = loop;
  s->own_loop = own;
  rc = sio_http_server_new(loop, opts ? opts->http : NULL, &s->http);
  if (rc) {
    sio__free(s);
    sio__own_loop_free(own);
    return rc;
  }
  s->own_http = 1;
  rc = setup(s, opts);
  if (rc == 0 && workers > 1) rc = sio__group_new(s, opts, workers);
  if (rc) {
    setup_failed(s);
    sio__own_loop_free(own);
    return rc;
  }
  *out = s;
  return 0;
}

int sio_server_run(sio_server_t *s) {
  if (!s || !s->own_loop || s->run_done) return SIO_EINVAL;
  uv_loop_t *loop = s->own_loop;
  if (s->group) {
    int rc = sio__group_start(s);
    if (rc) return rc;
  }
  int done = 0;
  s->run_done = &done;
  sio__own_loop_run(loop);
  if (!done) {
    /* Stopped (uv_stop): the server still runs. */
    s->run_done = NULL;
    return 1;
  }
  /* The server is freed (s is gone); the loop is ours to end. */
  return sio__own_loop_free(loop);
}

int sio_server_listen(sio_server_t *s, const char *host, int port) {
  if (!s || !s->own_http || s->closing || s->worker) return SIO_EINVAL;
  if (s->group) return sio__group_listen(s, host, port);
  sio__worker_hooks_start(s);
  return sio_http_server_listen(s->http, host, port);
}

int sio_server_port(const sio_server_t *s) {
  return sio_http_server_port(s->http);
}
sio_http_server_t *sio_server_http(const sio_server_t *s) {
  return s->http;
}
sio_eio_server_t *sio_server_eio(const sio_server_t *s) {
  return s->eio;
}
uv_loop_t *sio_server_loop(const sio_server_t *s) {
  return s->loop;
}
unsigned sio_server_workers(const sio_server_t *s) {
  return s->group ? s->group->n : 1;
}
unsigned sio_server_worker(const sio_server_t *s) {
  return s->worker;
}
void sio_server_set_data(sio_server_t *s, void *data) {
  s->data = data;
  if (s->group) sio__group_mirror_data(s, NULL, data);
}
void *sio_server_get_data(const sio_server_t *s) {
  return s->data;
}
const sio__server_stats_t *sio__server_stats(const sio_server_t *s) {
  return &s->stats;
}

/* ---- close ---- */

void sio__server_closed_free(sio_server_t *s) {
  /* The post outlives the callback: a thread may still be told ECLOSED
   * until then. */
  if (s->close_cb) s->close_cb(s, s->close_arg);
  free_now(s);
}

static void post_closed(void *arg) {
  sio_server_t *s = arg;
  /* Worker 0 of a group: the group waits for the others first. */
  if (!s->worker && sio__group_own_closed(s)) return;
  sio__server_closed_free(s);
}

static void finish_close(sio_server_t *s) {
  /* Posts accepted before the close still run (the sweep of empty children
   * among them), then the post goes; children emptied later are freed with
   * the server. */
  s->sweep_closed = 1;
  sio__post_close(s->post, post_closed, s);
}

static void http_closed(sio_http_server_t *http, void *arg) {
  (void)http;
  finish_close(arg);
}

static void eio_closed(sio_eio_server_t *eio, void *arg) {
  sio_server_t *s = arg;
  (void)eio;
  s->eio = NULL;
  if (s->own_http)
    sio_http_server_close(s->http, http_closed, s);
  else
    finish_close(s);
}

/* A close asked from a sibling's thread runs on worker 0's. */
typedef struct {
  sio__post_job_t job;
  sio_server_t *s0;
  sio_server_close_cb cb;
  void *arg;
} close_req_t;

static void close_req_run(sio__post_job_t *j, int status) {
  close_req_t *r = (close_req_t *)j;
  if (status == 0) sio_server_close(r->s0, r->cb, r->arg);
  sio__free(r);
}

void sio_server_close(sio_server_t *s, sio_server_close_cb cb, void *arg) {
  if (!s || s->closing) return;
  if (s->worker) {
    close_req_t *r = sio__malloc(sizeof(*r));
    if (!r) return;
    r->job.run = close_req_run;
    r->s0 = s->group->w[0].srv;
    r->cb = cb;
    r->arg = arg;
    if (sio__group_send(s->group, 0, &r->job)) sio__free(r);
    return;
  }
  if (s->group)
    sio__group_close(s, cb, arg);
  else
    sio__server_close_here(s, cb, arg);
}

void sio__server_close_here(sio_server_t *s, sio_server_close_cb cb, void *arg) {
  if (!s || s->closing) return;
  s->closing = 1;
  s->close_cb = cb;
  s->close_arg = arg;
  /* The application's per-worker teardown, while the worker still serves. */
  sio__worker_hooks_stop(s);
  sio__post_refuse(s->post);
  sio__metrics_stop(s);
  /* Broadcast acks still waiting are cancelled now; per-socket acks go with
   * their sockets when the sessions close. */
  while (s->backs) sio__bcast_ack_finish(s->backs, SIO_ECANCELED);
  if (s->gfetches) sio__group_fetch_cancel(s);
  if (s->gwaits) sio__gadapter_cancel(s);
  if (s->gathers) sio__totals_cancel(s);
  if (s->grestores) sio__group_recovery_cancel(s);
  /* In-process links (test clients) have no Engine.IO session to close. */
  sio__session_close_links(s, "server shutting down");
  sio_eio_server_close(s->eio, eio_closed, s);
}
