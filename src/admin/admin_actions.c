/* libsio-admin: the UI's actions (join, leave, _disconnect, emit: Node's
 * socketsJoin/socketsLeave/disconnectSockets/emit on a namespace, narrowed
 * to a room when the UI names one, e.g. a socket's id), and the socket list
 * a new admin gets (fetch_sockets on every namespace: every node's sockets
 * with a cluster adapter). */
#include <string.h>

#include "admin/admin_internal.h"

typedef struct {
  const char *name;
  sio_namespace_t *found;
} find_t;

static void find_one(sio_namespace_t *nsp, void *arg) {
  find_t *f = arg;
  if (!f->found && strcmp(sio_namespace_name(nsp), f->name) == 0) f->found = nsp;
}

sio_namespace_t *admin_find_namespace(sio_server_t *s, const char *name) {
  find_t f = {name, NULL};
  sio_server_foreach_namespace(s, find_one, &f);
  return f.found;
}

/* The selection named by the action's namespace and optional room filter
 * (argument filter_at: a string, or absent/null for the whole namespace), or
 * NULL when the namespace does not exist here (the UI cannot make one). */
static sio_broadcast_t *selection(sio_admin_t *a, const sio_argv_t *av,
                                  size_t filter_at) {
  const char *nsp_name = sio_argv_string(av, 0, NULL);
  sio_namespace_t *nsp = nsp_name ? admin_find_namespace(a->srv, nsp_name) : NULL;
  if (!nsp) return NULL;
  sio_arg_type_t ft = sio_argv_type(av, filter_at);
  if (ft != SIO_ARG_NONE && ft != SIO_ARG_NULL && ft != SIO_ARG_STRING) return NULL;
  sio_broadcast_t *b = sio_namespace_broadcast(nsp);
  const char *filter = sio_argv_string(av, filter_at, NULL);
  if (filter && *filter) b = sio_broadcast_to(b, filter);
  return b;
}

static void on_join_or_leave(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                             sio_ack_t *ack, void *arg) {
  const char *room = sio_argv_string(av, 1, NULL);
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!room || !a) return;
  sio_broadcast_t *b = selection(a, av, 2);
  if (!b) return;
  if (strcmp(event, "join") == 0)
    sio_broadcast_sockets_join(b, room);
  else
    sio_broadcast_sockets_leave(b, room);
}

static void on_disconnect_action(sio_socket_t *sock, const char *event,
                                 const sio_argv_t *av, sio_ack_t *ack, void *arg) {
  int close = 0;
  if (sio_argv_type(av, 1) == SIO_ARG_BOOL) sio_argv_bool(av, 1, &close);
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  sio_broadcast_t *b = a ? selection(a, av, 2) : NULL;
  if (b) sio_broadcast_disconnect_sockets(b, close);
}

/* emit(nsp, filter, event, ...args): JSON arguments only. */
static void on_emit_action(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                           sio_ack_t *ack, void *arg) {
  const char *ev = sio_argv_string(av, 2, NULL);
  if (!ev || sio_argv_attachments_count(av) > 0) return;
  sio_args_t *args = sio_args_new();
  for (size_t i = 3; args && i < sio_argv_count(av); i++) {
    sio_buf_t raw;
    if (sio_argv_raw(av, i, &raw) == 0)
      sio_args_add_raw(args, (const char *)raw.base, raw.len);
  }
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  sio_broadcast_t *b = args && a ? selection(a, av, 1) : NULL;
  if (b) sio_broadcast_emit(b, ev, args);
  sio_args_free(args);
}

int admin_actions_install(sio_admin_t *a) {
  if (a->opts.readonly) return 0;
  int rc = sio_namespace_on(a->nsp, "join", on_join_or_leave, a);
  if (rc == 0) rc = sio_namespace_on(a->nsp, "leave", on_join_or_leave, a);
  if (rc == 0) rc = sio_namespace_on(a->nsp, "_disconnect", on_disconnect_action, a);
  if (rc == 0) rc = sio_namespace_on(a->nsp, "emit", on_emit_action, a);
  return rc;
}

/* ---- all_sockets: one fetch per namespace, sent once all have answered ---- */

typedef struct {
  sio_socket_t *admin_sock; /* referenced */
  json_t *list;
  size_t pending;
} gather_t;

typedef struct {
  gather_t *g;
  char *nsp;
} gather_part_t;

static void gather_done(gather_t *g) {
  sio_args_t *args = sio_args_new();
  if (args && g->list && sio_socket_connected(g->admin_sock)) {
    sio_args_add_json(args, g->list);
    sio_socket_emit(g->admin_sock, "all_sockets", args);
  }
  sio_args_free(args);
  json_decref(g->list);
  sio_socket_unref(g->admin_sock);
  sio_free(g);
}

static void on_fetched(int status, size_t count, sio_remote_socket_t *const *sockets,
                       void *arg) {
  gather_part_t *part = arg;
  gather_t *g = part->g;
  for (size_t i = 0; g->list && i < count; i++) {
    sio_socket_t *local = sio_remote_socket_local(sockets[i]);
    json_t *s = local ? admin_serialize_socket(local)
                      : admin_serialize_remote(sockets[i], part->nsp);
    if (s) json_array_append_new(g->list, s);
  }
  sio_free(part->nsp);
  sio_free(part);
  if (--g->pending == 0) gather_done(g);
}

typedef struct {
  gather_t *g;
  sio_namespace_t **v;
  size_t n, cap;
} nsp_list_t;

static void collect(sio_namespace_t *nsp, void *arg) {
  nsp_list_t *l = arg;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    sio_namespace_t **v = sio_realloc(l->v, cap * sizeof(*v));
    if (!v) return;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = nsp;
}

void admin_send_all_sockets(sio_admin_t *a, sio_socket_t *admin_sock) {
  gather_t *g = sio_calloc(1, sizeof(*g));
  if (!g) return;
  g->admin_sock = sio_socket_ref(admin_sock);
  g->list = json_array();
  g->pending = 1; /* this function's own hold, dropped at the end */
  /* Collected first: a fetch may answer inside the call. */
  nsp_list_t l = {g, NULL, 0, 0};
  sio_server_foreach_namespace(a->srv, collect, &l);
  for (size_t i = 0; i < l.n; i++) {
    gather_part_t *part = sio_calloc(1, sizeof(*part));
    const char *name = sio_namespace_name(l.v[i]);
    if (part) part->nsp = sio_malloc(strlen(name) + 1);
    if (!part || !part->nsp) {
      if (part) sio_free(part);
      continue;
    }
    memcpy(part->nsp, name, strlen(name) + 1);
    part->g = g;
    g->pending++;
    if (sio_broadcast_fetch_sockets(sio_namespace_broadcast(l.v[i]), on_fetched, part) <
        0) {
      g->pending--;
      sio_free(part->nsp);
      sio_free(part);
    }
  }
  sio_free(l.v);
  if (--g->pending == 0) gather_done(g);
}
