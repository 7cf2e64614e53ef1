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
  sio_admin_t *a = arg;
  json_t *cfg = json_pack("{s:o}", "supportedFeatures", features(a));
  sio_args_t *args = sio_args_new();
  if (args && cfg && sio_args_add_json(args, cfg) == 0)
    sio_socket_emit(sock, "config", args);
  sio_args_free(args);
  json_decref(cfg);
  if (a->opts.development) admin_send_all_sockets(a, sock);
}

static void release(sio_admin_t *a) {
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

int sio_admin_attach(sio_server_t *s, const sio_admin_opts_t *o, sio_admin_t **out) {
  if (!s || !o || !out) return SIO_EINVAL;
  if (sio_server_workers(s) > 1) return SIO_ENOTSUP;
  sio_admin_t *a = sio_calloc(1, sizeof(*a));
  if (!a) return SIO_ENOMEM;
  a->srv = s;
  int rc = admin_opts_copy(&a->opts, o);
  if (rc != 0) {
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
