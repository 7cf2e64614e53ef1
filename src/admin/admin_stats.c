/* libsio-admin: the aggregated-event counters and server_stats, sent to the
 * admin namespace every interval (through the adapter: every node of a
 * cluster reports). */
#include <stdio.h>
#include <string.h>

#include "admin/admin_internal.h"

static const char *const type_names[] = {"rawConnection", "rawDisconnection", "packetsIn",
                                         "packetsOut",    "bytesIn",          "bytesOut"};

void admin_event_push(sio_admin_t *a, admin_ev_type_t type, const char *subtype,
                      uint64_t count) {
  int64_t ts = admin_now_ms();
  ts -= ts % 1000;
  if (!subtype) subtype = "";
  /* The entries of the current second are the last ones: search backwards. */
  for (size_t i = a->nevents; i-- > 0 && a->events[i].ts == ts;) {
    admin_event_t *e = &a->events[i];
    if (e->type == type && strncmp(e->subtype, subtype, ADMIN_SUBTYPE_MAX - 1) == 0) {
      e->count += count;
      return;
    }
  }
  if (a->nevents >= a->opts.max_event_entries) {
    a->events_dropped++;
    return;
  }
  admin_event_t *e = &a->events[a->nevents++];
  e->ts = ts;
  e->type = type;
  e->count = count;
  snprintf(e->subtype, sizeof e->subtype, "%s", subtype);
}

static json_t *take_events(sio_admin_t *a) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < a->nevents; i++) {
    const admin_event_t *e = &a->events[i];
    json_t *o = json_pack("{s:I, s:s, s:I}", "timestamp", (json_int_t)e->ts, "type",
                          type_names[e->type], "count", (json_int_t)e->count);
    if (o && e->subtype[0]) json_object_set_new(o, "subType", json_string(e->subtype));
    if (o) json_array_append_new(arr, o);
  }
  if (a->events_dropped)
    sio_log(SIO_LOG_WARN, "sio-admin: %llu aggregated events dropped (bound %u entries)",
            (unsigned long long)a->events_dropped, a->opts.max_event_entries);
  a->nevents = 0;
  a->events_dropped = 0;
  return arr;
}

static void add_namespace(sio_namespace_t *nsp, void *arg) {
  json_t *arr = arg;
  json_array_append_new(arr, json_pack("{s:s, s:I}", "name", sio_namespace_name(nsp),
                                       "socketsCount",
                                       (json_int_t)sio_namespace_sockets_count(nsp)));
}

#define CHANGED (1ull << 63) /* in a session's socket count: it upgraded */

static void report_update(sio_admin_t *a, sio_socket_t *sock) {
  const char *tr = sio_socket_transport(sock);
  if (!tr || !sio_socket_connected(sock)) return;
  admin_mark_shared_data(sock);
  sio_args_t *args = sio_args_new();
  json_t *o = json_pack("{s:s, s:s, s:s}", "id", sio_socket_id(sock), "nsp",
                        sio_namespace_name(sio_socket_namespace(sock)), "transport", tr);
  if (args && o) sio_args_add_json(args, o);
  json_decref(o);
  if (args) admin_broadcast(a, "socket_updated", args);
}

/* Engine.IO sessions on polling now. A session whose transport changed since
 * the last look has upgraded: in development mode each of its sockets is
 * reported with socket_updated, in one pass over the sockets whatever the
 * number of upgrades, and after the passes (a report may close a socket,
 * which changes the maps). */
static json_int_t polling_sessions(sio_admin_t *a) {
  json_int_t polling = 0;
  size_t changed = 0;
  for (size_t i = 0; i < a->sessions.cap; i++) {
    admin_slot_t *s = &a->sessions.v[i];
    if (!s->key) continue;
    const char *tr = sio_eio_socket_transport(s->key);
    if (!tr) continue;
    if (strcmp(tr, "polling") == 0) polling++;
    if (s->ptr == tr) continue;
    s->ptr = (void *)tr; /* a static string */
    s->n |= CHANGED;
    changed++;
  }
  if (!changed) return polling;
  sio_socket_t **v = NULL;
  size_t nv = 0;
  if (a->opts.development)
    v = sio_calloc(a->sockets.len ? a->sockets.len : 1, sizeof(*v));
  for (size_t j = 0; j < a->sockets.cap; j++) {
    admin_slot_t *k = &a->sockets.v[j];
    if (!k->key) continue;
    admin_slot_t *s = admin_map_get(&a->sessions, k->ptr);
    if (v && s && (s->n & CHANGED)) v[nv++] = sio_socket_ref(k->key);
  }
  for (size_t i = 0; i < a->sessions.cap; i++) a->sessions.v[i].n &= ~CHANGED;
  for (size_t i = 0; i < nv; i++) {
    report_update(a, v[i]);
    sio_socket_unref(v[i]);
  }
  sio_free(v);
  return polling;
}

static void emit_stats(sio_admin_t *a) {
  json_t *nsps = json_array();
  if (nsps) sio_server_foreach_namespace(a->srv, add_namespace, nsps);
  double uptime = (double)(admin_clock_ns() - a->started) / 1e9;
  long pid = admin_pid();
  json_int_t polling = polling_sessions(a);
  /* While the server closes, its Engine.IO server may be gone already.
   * With workers each instance reports its own worker's sessions: the UI
   * adds clientsCount (and pollingClientsCount, socketsCount) up over the
   * servers it hears from. */
  sio_eio_server_t *eio = sio_server_eio(a->srv);
  json_int_t clients = eio ? (json_int_t)sio_eio_server_clients_count_here(eio) : 0;
  json_t *stats =
      json_pack("{s:s, s:s, s:I, s:f, s:I, s:I, s:o, s:o}", "serverId", a->server_id,
                "hostname", a->hostname, "pid", (json_int_t)pid, "uptime", uptime,
                "clientsCount", clients, "pollingClientsCount", polling,
                "aggregatedEvents", take_events(a), "namespaces", nsps);
  sio_args_t *args = sio_args_new();
  if (args && stats) sio_args_add_json(args, stats);
  json_decref(stats);
  if (args) admin_broadcast(a, "server_stats", args);
}

int admin_stats_start(sio_admin_t *a) {
  a->events = sio_calloc(a->opts.max_event_entries, sizeof(admin_event_t));
  if (!a->events) return SIO_ENOMEM;
  admin_hostname(a->hostname, sizeof a->hostname);
  const char *id = a->opts.server_id ? a->opts.server_id : a->hostname;
  /* With workers, each worker reports as a server of its own: the UI lists
   * servers by id. */
  char suffix[16] = "";
  if (a->nworkers > 1) snprintf(suffix, sizeof suffix, "#%u", a->index);
  size_t room = sizeof a->server_id - strlen(suffix) - 1;
  snprintf(a->server_id, sizeof a->server_id, "%.*s%s", (int)room, id, suffix);
  a->started = admin_clock_ns();
  return admin_timer_start(a, a->opts.interval_ms, emit_stats);
}
