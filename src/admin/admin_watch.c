/* libsio-admin: what it watches on every namespace: connections and
 * disconnections (Engine.IO sessions counted through the sockets on them),
 * events in and out, room joins and leaves; in development mode each is
 * also reported to the admin namespace as the UI expects. */
#include <string.h>

#include "admin/admin_internal.h"

/* ["event", arg...] as JSON text (arguments with binary attachments are
 * left out: the UI shows the event name). Free with sio_free. */
static char *event_array(const char *event, const sio_argv_t *av) {
  json_t *name = json_string(event);
  char *quoted = name ? json_dumps(name, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  json_decref(name);
  if (!quoted) return NULL;
  sio_buf_t raw = {NULL, 0};
  if (av && sio_argv_attachments_count(av) == 0) sio_argv_raw_all(av, &raw);
  size_t qn = strlen(quoted), n = 1 + qn + (raw.len ? 1 + raw.len : 0) + 2;
  char *out = sio_malloc(n);
  if (out) {
    char *p = out;
    *p++ = '[';
    memcpy(p, quoted, qn);
    p += qn;
    if (raw.len) {
      *p++ = ',';
      memcpy(p, raw.base, raw.len);
      p += raw.len;
    }
    *p++ = ']';
    *p = '\0';
  }
  admin_json_free(quoted);
  return out;
}

static size_t event_bytes(const char *event, const sio_argv_t *av) {
  sio_buf_t raw = {NULL, 0};
  if (av) sio_argv_raw_all(av, &raw);
  size_t n = strlen(event) + raw.len;
  for (size_t i = 0; av && i < sio_argv_attachments_count(av); i++) {
    sio_buf_t b;
    if (sio_argv_attachment(av, i, &b) == 0) n += b.len;
  }
  return n;
}

static void report_event(sio_admin_t *a, const char *kind, sio_socket_t *sock,
                         const char *event, const sio_argv_t *av) {
  char *arr = event_array(event, av);
  sio_args_t *args = sio_args_new();
  char date[32];
  admin_iso_date(admin_now_ms(), date);
  if (arr && args) {
    sio_args_add_string(args, sio_namespace_name(sio_socket_namespace(sock)));
    sio_args_add_string(args, sio_socket_id(sock));
    sio_args_add_raw(args, arr, strlen(arr));
    sio_args_add_string(args, date);
    admin_broadcast(a, kind, args);
  } else {
    sio_args_free(args);
  }
  sio_free(arr);
}

static void on_event_in(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                        sio_ack_t *ack, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) return;
  admin_event_push(a, ADMIN_EV_PACKETS_IN, NULL, 1);
  admin_event_push(a, ADMIN_EV_BYTES_IN, NULL, event_bytes(event, av));
  if (a->opts.development) report_event(a, "event_received", sock, event, av);
}

static void on_event_out(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                         void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) return;
  admin_event_push(a, ADMIN_EV_PACKETS_OUT, NULL, 1);
  admin_event_push(a, ADMIN_EV_BYTES_OUT, NULL, event_bytes(event, av));
  if (a->opts.development) report_event(a, "event_sent", sock, event, av);
}

/* Node's admin-ui keeps {clientId, transport} in socket.data._admin, which
 * other nodes read when they fetch the socket: the same here, merged into
 * the shared data when it is an object (or absent). */
void admin_mark_shared_data(sio_socket_t *sock) {
  const char *cur = sio_socket_shared_data(sock);
  json_t *data = cur ? json_loads(cur, JSON_DECODE_ANY, NULL) : json_object();
  if (!json_is_object(data)) {
    json_decref(data);
    return;
  }
  sio_eio_socket_t *eio = sio_socket_eio(sock);
  const char *eid = eio ? sio_eio_socket_id(eio) : "";
  const char *tr = sio_socket_transport(sock);
  json_object_set_new(data, "_admin",
                      json_pack("{s:s%, s:s}", "clientId", eid,
                                strlen(eid) < 12 ? strlen(eid) : 12, "transport",
                                tr ? tr : ""));
  char *text = json_dumps(data, JSON_COMPACT);
  if (text) sio_socket_set_shared_data(sock, text);
  admin_json_free(text);
  json_decref(data);
}

static void on_connection(sio_socket_t *sock, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) return;
  sio_eio_socket_t *eio = sio_socket_eio(sock);
  admin_slot_t *ss = eio ? admin_map_put(&a->sessions, eio) : NULL;
  admin_slot_t *ks = ss ? admin_map_put(&a->sockets, sock) : NULL;
  if (ks) {
    ks->ptr = eio;
    if (ss->n++ == 0) {
      ss->ptr = (void *)sio_eio_socket_transport(eio);
      admin_event_push(a, ADMIN_EV_RAW_CONNECTION, NULL, 1);
    }
  } else if (ss && ss->n == 0) {
    admin_map_del(&a->sessions, eio);
  }
  int is_admin = sio_socket_namespace(sock) == a->nsp;
  if (!is_admin) sio_socket_on_any_outgoing(sock, on_event_out, arg);
  if (is_admin) admin_auth_on_connection(a, sock);
  if (!a->opts.development) return;
  admin_mark_shared_data(sock);
  char date[32];
  admin_iso_date(admin_now_ms(), date);
  json_t *ser = admin_serialize_socket(sock);
  sio_args_t *args = sio_args_new();
  if (args && ser) {
    sio_args_add_json(args, ser);
    sio_args_add_string(args, date);
    admin_broadcast(a, "socket_connected", args);
  } else {
    sio_args_free(args);
  }
  json_decref(ser);
}

static void on_disconnect(sio_socket_t *sock, const char *reason, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) return;
  admin_slot_t *ks = admin_map_get(&a->sockets, sock);
  if (ks) {
    void *eio = ks->ptr;
    admin_map_del(&a->sockets, sock);
    admin_slot_t *ss = admin_map_get(&a->sessions, eio);
    if (ss && --ss->n == 0) {
      admin_map_del(&a->sessions, eio);
      admin_event_push(a, ADMIN_EV_RAW_DISCONNECTION, reason, 1);
    }
  }
  if (!a->opts.development) return;
  char date[32];
  admin_iso_date(admin_now_ms(), date);
  sio_args_t *args = sio_args_new();
  if (!args) return;
  sio_args_add_string(args, sio_namespace_name(sio_socket_namespace(sock)));
  sio_args_add_string(args, sio_socket_id(sock));
  sio_args_add_string(args, reason ? reason : "");
  sio_args_add_string(args, date);
  admin_broadcast(a, "socket_disconnected", args);
}

static void on_room(sio_namespace_t *nsp, sio_room_event_t ev, const char *room,
                    const char *sid, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_namespace_server(nsp));
  if (!a || a->freed || !a->opts.development) return;
  if (ev != SIO_ROOM_JOINED && ev != SIO_ROOM_LEFT) return;
  char date[32];
  admin_iso_date(admin_now_ms(), date);
  sio_args_t *args = sio_args_new();
  if (!args) return;
  sio_args_add_string(args, sio_namespace_name(nsp));
  sio_args_add_string(args, room);
  sio_args_add_string(args, sid);
  sio_args_add_string(args, date);
  admin_broadcast(a, ev == SIO_ROOM_JOINED ? "room_joined" : "room_left", args);
}

/* The hooks get the root instance (arg): with workers they are copied to
 * every worker and find their worker's instance. A namespace that another
 * worker than 0 makes as a copy of worker 0's (static ones and dynamic
 * parents) gets worker 0's hooks with it: only dynamic children, each
 * worker's own, are watched here. */
static void watch_namespace(sio_namespace_t *nsp, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_namespace_server(nsp));
  if (!a || a->freed) return;
  if (a->index != 0 && !sio_namespace_parent(nsp)) return;
  sio_namespace_on_connection(nsp, on_connection, arg);
  sio_namespace_on_disconnect(nsp, on_disconnect, arg);
  if (nsp != a->nsp) sio_namespace_on_any(nsp, on_event_in, arg);
}

int admin_watch_install(sio_admin_t *a) {
  int rc = sio_server_on_namespace_created(a->srv, watch_namespace, a);
  if (rc == 0) rc = sio_server_on_room_event(a->srv, on_room, a);
  if (rc == 0) sio_server_foreach_namespace(a->srv, watch_namespace, a);
  return rc < 0 ? rc : 0;
}
