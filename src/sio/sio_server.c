/* The Socket.IO server object: options, creation on a loop or on an HTTP
 * server, the thread-safe post (uv_async + a locked queue), and the
 * asynchronous close that waits for every handle. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "eio/eio_internal.h"
#include "http/http_server.h"
#include "sio/sio_internal.h"

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
  if (!o->path || !o->eio || !o->http) {
    sio_server_opts_free(o);
    return NULL;
  }
  return o;
}

void sio_server_opts_free(sio_server_opts_t *o) {
  if (!o) return;
  sio__free(o->path);
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
void sio_server_opts_set_cleanup_empty_children(sio_server_opts_t *o, int on) {
  if (o) o->cleanup_children = on != 0;
}
void sio_server_opts_set_max_session_namespaces(sio_server_opts_t *o, uint32_t n) {
  if (o) o->max_session_nsps = n ? n : SIO_SESSION_NAMESPACES_MAX_DEFAULT;
}
void sio_server_opts_set_max_namespace_name(sio_server_opts_t *o, uint32_t bytes) {
  if (o) o->max_nsp_name = bytes ? bytes : SIO_NSP_NAME_MAX_DEFAULT;
}

/* ---- post ---- */

static void async_cb(uv_async_t *h) {
  sio_server_t *s = h->data;
  sio__namespace_sweep(s);
  uv_mutex_lock(&s->mu);
  sio__post_t *p = s->post_head;
  s->post_head = s->post_tail = NULL;
  uv_mutex_unlock(&s->mu);
  while (p) {
    sio__post_t *nx = p->next;
    p->fn(s, p->arg);
    sio__free(p);
    p = nx;
  }
}

int sio_server_post(sio_server_t *s, sio_post_cb fn, void *arg) {
  if (!s || !fn) return SIO_EINVAL;
  sio__post_t *p = sio__malloc(sizeof(*p));
  if (!p) return SIO_ENOMEM;
  p->next = NULL;
  p->fn = fn;
  p->arg = arg;
  uv_mutex_lock(&s->mu);
  if (s->post_closed) {
    uv_mutex_unlock(&s->mu);
    sio__free(p);
    return SIO_ECLOSED;
  }
  if (s->post_tail)
    s->post_tail->next = p;
  else
    s->post_head = p;
  s->post_tail = p;
  /* Sent under the lock: the close cannot free the handle in between. */
  uv_async_send(s->async);
  uv_mutex_unlock(&s->mu);
  return 0;
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
  sio__sio_limits_init(&s->lim);
  s->lim.max_attachments = opts->max_attachments;
  s->lim.max_depth = opts->max_depth;
  sio__map_init(&s->nsps);
  /* The Engine.IO options with our path (the user's object is const). */
  sio_eio_opts_t eo;
  int rc = sio__eio_opts_copy(&eo, opts->eio);
  if (rc == 0) {
    if ((rc = sio_eio_opts_set_path(&eo, opts->path)) == 0)
      rc = sio_eio_server_new(s->http, &eo, &s->eio);
    sio__eio_opts_clear(&eo);
  }
  sio_server_opts_free(defaults);
  if (rc) return rc;
  sio_eio_server_on_connection(s->eio, sio__client_on_connection, s);
  sio_eio_server_on_message(s->eio, sio__client_on_message, s);
  sio_eio_server_on_close(s->eio, sio__client_on_close, s);
  s->async = sio__malloc(sizeof(*s->async));
  if (!s->async) return SIO_ENOMEM;
  if ((rc = uv_mutex_init(&s->mu))) {
    sio__free(s->async);
    s->async = NULL;
    return rc;
  }
  if ((rc = uv_async_init(s->loop, s->async, async_cb))) {
    uv_mutex_destroy(&s->mu);
    sio__free(s->async);
    s->async = NULL;
    return rc;
  }
  s->async->data = s;
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
  sio__free(s);
}

static void early_async_closed(uv_handle_t *h) {
  sio__free(h);
}

/* Undoes a failed setup synchronously enough for the caller: the eio server
 * and the async handle close in the background. */
static void setup_failed(sio_server_t *s) {
  if (s->eio) sio_eio_server_close(s->eio, NULL, NULL);
  if (s->async) {
    uv_mutex_destroy(&s->mu);
    uv_close((uv_handle_t *)s->async, early_async_closed);
  }
  if (s->own_http) sio_http_server_close(s->http, NULL, NULL);
  free_now(s);
}

int sio_server_attach(sio_http_server_t *http, const sio_server_opts_t *opts,
                      sio_server_t **out) {
  if (!http || !out) return SIO_EINVAL;
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

/* Ends a loop the server made for itself: lets the handles being closed
 * finish, then frees it. */
static int own_loop_drop(uv_loop_t *loop) {
  if (!loop) return 0;
  uv_run(loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(loop);
  if (rc == 0) sio__free(loop); /* else a user's handle is still open on it */
  return rc;
}

int sio_server_new(uv_loop_t *loop, const sio_server_opts_t *opts, sio_server_t **out) {
  if (!out) return SIO_EINVAL;
  uv_loop_t *own = NULL;
  int rc;
  if (!loop) {
    if (!(own = sio__malloc(sizeof(*own)))) return SIO_ENOMEM;
    if ((rc = uv_loop_init(own))) {
      sio__free(own);
      return rc;
    }
    loop = own;
  }
  sio_server_t *s = sio__calloc(1, sizeof(*s));
  if (!s) {
    own_loop_drop(own);
    return SIO_ENOMEM;
  }
  s->loop = loop;
  s->own_loop = own;
  rc = sio_http_server_new(loop, opts ? opts->http : NULL, &s->http);
  if (rc) {
    sio__free(s);
    own_loop_drop(own);
    return rc;
  }
  s->own_http = 1;
  rc = setup(s, opts);
  if (rc) {
    setup_failed(s);
    own_loop_drop(own);
    return rc;
  }
  *out = s;
  return 0;
}

int sio_server_run(sio_server_t *s) {
  if (!s || !s->own_loop || s->run_done) return SIO_EINVAL;
  uv_loop_t *loop = s->own_loop;
  int done = 0;
  s->run_done = &done;
  uv_run(loop, UV_RUN_DEFAULT);
  if (!done) {
    /* uv_stop(): the server still runs. */
    s->run_done = NULL;
    return 1;
  }
  /* The server is freed (s is gone); the loop is ours to end. */
  return own_loop_drop(loop);
}

int sio_server_listen(sio_server_t *s, const char *host, int port) {
  if (!s || !s->own_http || s->closing) return SIO_EINVAL;
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
void sio_server_set_data(sio_server_t *s, void *data) {
  s->data = data;
}
void *sio_server_get_data(const sio_server_t *s) {
  return s->data;
}
const sio__server_stats_t *sio__server_stats(const sio_server_t *s) {
  return &s->stats;
}

/* ---- close ---- */

static void async_closed(uv_handle_t *h) {
  sio_server_t *s = h->data;
  sio__free(h);
  /* The lock outlives the callback: a thread may still be told ECLOSED
   * until then. */
  if (s->close_cb) s->close_cb(s, s->close_arg);
  uv_mutex_destroy(&s->mu);
  free_now(s);
}

static void finish_close(sio_server_t *s) {
  /* Posts accepted before the close still run, then the handle goes. */
  async_cb(s->async);
  s->async_closing = 1;
  uv_close((uv_handle_t *)s->async, async_closed);
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

void sio_server_close(sio_server_t *s, sio_server_close_cb cb, void *arg) {
  if (!s || s->closing) return;
  s->closing = 1;
  s->close_cb = cb;
  s->close_arg = arg;
  uv_mutex_lock(&s->mu);
  s->post_closed = 1;
  uv_mutex_unlock(&s->mu);
  /* Broadcast acks still waiting are cancelled now; per-socket acks go with
   * their sockets when the sessions close. */
  while (s->backs) sio__bcast_ack_finish(s->backs, SIO_ECANCELED);
  sio_eio_server_close(s->eio, eio_closed, s);
}
