/* libsio-admin: sio_admin_attach / sio_admin_free (sio/admin.h). */
#include <string.h>

#include "admin/admin_internal.h"

void admin_broadcast(sio_admin_t *a, const char *event, sio_args_t *args) {
  sio_broadcast_t *b = sio_namespace_broadcast(a->nsp);
  if (b) sio_broadcast_emit(b, event, args);
  sio_args_free(args);
}

static json_t *features(const sio_admin_t *a) {
  json_t *f = a->opts.readonly
                  ? json_array()
                  : json_pack("[s, s, s, s, s, s, s]", "EMIT", "JOIN", "LEAVE",
                              "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT");
  if (f) json_array_append_new(f, json_string("AGGREGATED_EVENTS"));
  if (f && a->opts.development) json_array_append_new(f, json_string("ALL_EVENTS"));
  return f;
}

/* A new admin gets the configuration, then (development mode) the list of
 * every socket. Registered after the watch hooks, so "session" goes first. */
static void on_admin_connection(sio_socket_t *sock, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) return;
  json_t *cfg = json_pack("{s:o}", "supportedFeatures", features(a));
  sio_args_t *args = sio_args_new();
  if (args && cfg && sio_args_add_json(args, cfg) == 0)
    sio_socket_emit(sock, "config", args);
  sio_args_free(args);
  json_decref(cfg);
  if (a->opts.development) admin_send_all_sockets(a, sock);
}

static void release(sio_admin_t *a) {
  if (a->workers) {
    /* Their workers have stopped: timers closed, no login in flight. */
    for (unsigned i = 1; i < a->nworkers; i++)
      if (a->workers[i]) release(a->workers[i]);
    sio_free(a->workers);
  }
  if (a->login_mu_made) pthread_mutex_destroy(&a->login_mu);
  admin_auth_free(a);
  admin_map_free(&a->sockets);
  admin_map_free(&a->sessions);
  sio_free(a->events);
  admin_opts_clear(&a->opts);
  sio_free(a);
}

void admin_maybe_release(sio_admin_t *a) {
  if (a->freed && !a->timer && a->pending_logins == 0) release(a);
}

/* ---- with workers: an instance per worker (sio_server_on_worker) ---- */

/* On the listening thread, before worker w runs: its instance, with its
 * own admin namespace (already copied from worker 0's) and stats timer. */
static void worker_start(sio_server_t *w, void *arg) {
  sio_admin_t *root = arg;
  unsigned i = sio_server_worker(w);
  if (i == 0 || i >= root->nworkers) return; /* the root is worker 0's */
  sio_admin_t *b = sio_calloc(1, sizeof(*b));
  if (!b) goto fail;
  b->srv = w;
  b->root = root;
  b->index = i;
  b->nworkers = root->nworkers;
  if (admin_opts_copy(&b->opts, &root->opts) != 0) {
    sio_free(b);
    goto fail;
  }
  b->nsp = sio_server_of(w, b->opts.nsp);
  if (!b->nsp || admin_stats_start(b) != 0) {
    /* A timer that started goes with b once closed. */
    if (b->timer) {
      b->freed = 1;
      admin_timer_close(b);
    }
    goto fail_b;
  }
  root->workers[i] = b;
  return;
fail_b:
  if (!b->timer) {
    sio_free(b->events);
    admin_opts_clear(&b->opts);
    sio_free(b);
  }
fail:
  sio_log(SIO_LOG_ERROR, "sio-admin: worker %u is not instrumented (out of memory)", i);
}

/* On worker w's thread as it closes: its stats stop (its loop ends before
 * sio_admin_free; worker 0's timer is sio_admin_free's). */
static void worker_stop(sio_server_t *w, void *arg) {
  sio_admin_t *root = arg;
  unsigned i = sio_server_worker(w);
  if (i == 0 || i >= root->nworkers || !root->workers[i]) return;
  admin_timer_close(root->workers[i]);
}

static int setup_workers(sio_admin_t *a) {
  a->nworkers = sio_server_workers(a->srv);
  if (a->nworkers <= 1) return 0;
  a->workers = sio_calloc(a->nworkers, sizeof(*a->workers));
  if (!a->workers) return SIO_ENOMEM;
  a->workers[0] = a;
  return sio_server_on_worker(a->srv, worker_start, worker_stop, a);
}

int sio_admin_attach(sio_server_t *s, const sio_admin_opts_t *o, sio_admin_t **out) {
  if (!s || !o || !out) return SIO_EINVAL;
  sio_admin_t *a = sio_calloc(1, sizeof(*a));
  if (!a) return SIO_ENOMEM;
  a->srv = s;
  a->root = a;
  a->nworkers = 1;
  int rc = admin_opts_copy(&a->opts, o);
  if (rc != 0) {
    sio_free(a);
    return rc;
  }
  if (pthread_mutex_init(&a->login_mu, NULL) != 0) {
    admin_opts_clear(&a->opts);
    sio_free(a);
    return SIO_ENOMEM;
  }
  a->login_mu_made = 1;
  /* With workers: before anything is registered (SIO_EBUSY once they run). */
  rc = setup_workers(a);
  if (rc != 0) {
    sio_free(a->workers);
    pthread_mutex_destroy(&a->login_mu);
    admin_opts_clear(&a->opts);
    sio_free(a);
    return rc;
  }
  a->nsp = sio_server_of(s, a->opts.nsp);
  if (!a->nsp) rc = SIO_ENOMEM;
  if (rc == 0) rc = admin_auth_install(a);
  if (rc == 0) rc = admin_watch_install(a);
  if (rc == 0) rc = sio_namespace_on_connection(a->nsp, on_admin_connection, a);
  if (rc == 0) rc = admin_actions_install(a);
  if (rc == 0) rc = admin_stats_start(a);
  if (rc != 0) {
    /* Hooks already registered on s keep a: it is released only with s. */
    sio_log(SIO_LOG_ERROR, "sio-admin: cannot attach: %s", sio_strerror(rc));
    return rc;
  }
  *out = a;
  return 0;
}

void sio_admin_free(sio_admin_t *a) {
  if (!a || a->freed) return;
  a->freed = 1;
  if (a->timer)
    admin_timer_close(a);
  else
    admin_maybe_release(a);
}

sio_namespace_t *sio_admin_namespace(const sio_admin_t *a) {
  return a ? a->nsp : NULL;
}
