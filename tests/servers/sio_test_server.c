/* sio_test_server: a Socket.IO server with a rich set of events for the
 * interop tests (tests/interop/sio_*.test.mjs) run with the official
 * socket.io-client. Prints "listening on 127.0.0.1:PORT" once ready; SIGTERM
 * or SIGINT closes it cleanly (exit 0 only if uv_loop_close() == 0).
 *
 * Namespace "/" (and the dynamic "/dyn-*" children, which inherit it):
 *   on connection         emits `auth` with the CONNECT payload
 *   echo ...args          emits `echo` with the same args (a byte relay)
 *   echo-ack ...args      acknowledges with the same args
 *   make-binary           acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
 *   send-binary n         emits `bin` with n bytes (byte i = i & 255)
 *   join room / leave room / leave-all   acks the socket's rooms
 *   rooms                 acks the socket's rooms
 *   to-room room ev ...args      broadcast to room; acks the recipient count
 *   to-room-except room ex ev ...args
 *   to-rooms {"to":[..],"except":[..],"sender":bool,"volatile":bool,"local":bool}
 *                         ev ...args   a broadcast with every selection at
 *                         once (sender: from this socket, which is excluded);
 *                         acks count
 *   broadcast ev ...args  to every socket but the sender; acks the count
 *   broadcast-all ev ...args     to every socket
 *   parent-broadcast ev ...args  (in a dynamic child) to every child namespace
 *                         of its parent; acks the count
 *   volatile ev ...args   volatile broadcast to every socket but the sender
 *   broadcast-ack ms ev ...args  timeout(ms) broadcast with acks to all but
 *                         the sender; acks {"err":null|"timeout","replies":[...]}
 *   server-ack ms ev ...args     emits ev with an ack to the sender and acks
 *                         {"err":..., "reply":[...]} once the client answered
 *   fetch room            acks [{"id":..,"rooms":[..],"handshake":{"address",
 *                         "query","auth","issued"},"data":{"seq","user"}}] of
 *                         the sockets in room (data: the user pointer's seq and
 *                         the session key "user")
 *   sockets-join room new / sockets-leave room old / disconnect-sockets room
 *                         [close]  server-wide ops on the sockets in room; acks
 *                         count (disconnect-sockets acks "ok" first)
 *   thread-emit ev n      a thread posts n emits of ev (i) to the sender;
 *                         acks once the thread is started
 *   disconnect-me [close] the server disconnects the socket
 *   session-set key value / session-get key   (acks the value or null)
 *   handshake             acks {"query":..,"address":..,"ua":..}
 *   stats                 acks {"encodes":n,"deliveries":n,"dropped":n}
 *   whoami                acks {"seq":n,"in":n,"out":n,"last_out":ev,
 *                         "last_out_args":raw}: the per-socket user pointer
 *                         (seq numbers sockets in connection order) and the
 *                         catch-all counters (incoming events, outgoing events,
 *                         the last outgoing event and its arguments' raw JSON)
 *   typed ...args         acks [{"t":type,"s","i","d","b","bytes","raw","size"}]:
 *                         each argument read with the typed accessors (i: the
 *                         int64 or the error name; raw/size: the exact JSON
 *                         text and the jansson value's size of objects/arrays)
 *   mw-runs               acks how many times the second "/mw" middleware ran
 *   on disconnecting      broadcasts `leaving` [id, rooms, reason] to room
 *                         "watchers" (the rooms are still joined)
 *   on disconnect         broadcasts `left` [id, reason] to the namespace
 *   server-ack completion also broadcasts `server-ack-done` [err] to
 *                         "watchers" (seen even when the sender is gone)
 * "/cb-<digits>": dynamic namespaces matched by a callback, same events.
 *   Both dynamic parents have a middleware refusing auth.deny == true with
 *   "denied by the parent" and data {"nsp": the child's name}.
 * "/mw": two middlewares in order; the first sets session "mw" to "1", the
 *   second appends "2" (session-get mw gives "12"); auth.stop == k makes
 *   middleware k refuse with "stopped at k" and data {"mw": the session value
 *   so far}; same events.
 * "/private": refused unless auth.token == "secret", with message "not
 *   authorized" and data {"code":42}.
 * "/async": a middleware that accepts after a timer (asynchronous next).
 * "/custom": emits `auth` like "/". Any other name: "Invalid namespace".
 * --eio-hooks: Engine.IO hooks through sio_server_opts_eio: an asynchronous
 * allow_request refusing handshakes whose query has "deny" (its value is the
 * message), and session ids "sio-N".
 * --workers N: the server on N workers (sio_server_opts_set_workers).
 * --own-loop: the server runs on a loop of its own (sio_server_new(NULL) and
 * sio_server_run()). --max-attachments N, --max-json-depth N: the limits of
 * received packets. --tls-cert FILE --tls-key FILE: HTTPS/WSS, with
 * --tls-client-ca FILE client certificates required
 * (tests/interop/server_tls.test.mjs). --parser json|msgpack|auto: the
 * Socket.IO parser (tests/interop/sio_msgpack.test.mjs).
 * The handlers it shares with the other test servers (echo, rooms, to-rooms,
 * the server-wide operations, "/private") are in
 * tests/servers/shared/test_handlers.c. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/server.h"
#include "sio/sio_totals.h" /* the process's counters and counts */
#include "test_handlers.h"

typedef struct {
  uv_loop_t loop;
  uv_loop_t *lp; /* &loop, or the server's own loop (--own-loop) */
  sio_server_t *srv;
} app_t;

static app_t app;

/* The per-socket user pointer: freed by the disconnect handler. */
typedef struct {
  int64_t seq;
  int64_t in, out;
  char last_out[64];
  char last_out_args[64];
} sock_data_t;

/* Atomic: with --workers N the handlers run on N threads. */
static atomic_llong g_seq;
static atomic_llong g_mw2_runs; /* runs of the second middleware of "/mw" */

/* ---- events of "/" ---- */

static void on_any_out(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                       void *arg) {
  (void)arg;
  sock_data_t *d = sio_socket_get_data(sock);
  if (!d) return;
  d->out++;
  snprintf(d->last_out, sizeof(d->last_out), "%s", ev);
  sio_buf_t raw;
  sio_argv_raw_all(av, &raw);
  snprintf(d->last_out_args, sizeof(d->last_out_args), "%.*s", (int)raw.len,
           (const char *)raw.base);
}

static void on_any_in(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                      sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)av;
  (void)ack;
  (void)arg;
  sock_data_t *d = sio_socket_get_data(sock);
  if (d) d->in++;
}

/* The shared data {"seq","user"}: what fetch reports of a socket on
 * another worker, whose user pointer and session belong to its thread. */
static void share_seq_user(sio_socket_t *sock, int64_t seq, const char *user,
                           size_t len) {
  json_t *o = json_pack("{s:I,s:o}", "seq", (json_int_t)seq, "user",
                        user ? json_stringn(user, len) : json_null());
  char *text = json_dumps(o, JSON_COMPACT);
  if (text) sio_socket_set_shared_data(sock, text);
  free(text);
  json_decref(o);
}

static void on_connection(sio_socket_t *sock, void *arg) {
  (void)arg;
  sock_data_t *d = calloc(1, sizeof(*d));
  if (d) {
    d->seq = (int64_t)atomic_fetch_add(&g_seq, 1) + 1;
    share_seq_user(sock, d->seq, NULL, 0);
    sio_socket_set_data(sock, d);
    sio_socket_on_any_outgoing(sock, on_any_out, NULL);
  }
  emit_auth(sock, NULL);
}

/* send-binary n: emits `bin` with n bytes, byte i = i & 255 (as the Node
 * reference server of client_tls_driver does; n at most 4 MB). */
static void on_send_binary(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                           sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)ack;
  (void)arg;
  int64_t n = 0;
  if (sio_argv_int64(av, 0, &n) != 0 || n < 0 || n > 4 * 1000 * 1000) return;
  uint8_t *p = malloc(n ? (size_t)n : 1);
  if (!p) return;
  for (int64_t i = 0; i < n; i++) p[i] = (uint8_t)(i & 255);
  sio_args_t *a = sio_args_new();
  sio_args_add_binary(a, p, (size_t)n);
  sio_socket_emit(sock, "bin", a);
  sio_args_free(a);
  free(p);
}

static void on_to_room(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                       sio_ack_t *ack, void *arg) {
  (void)arg;
  sio_broadcast_t *b = NULL;
  size_t first = 0;
  const char *event = NULL;
  if (strcmp(ev, "to-room") == 0) {
    b = sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)),
                         str_arg(av, 0));
    event = str_arg(av, 1);
    first = 2;
  } else if (strcmp(ev, "to-room-except") == 0) {
    b = sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)),
                         str_arg(av, 0));
    b = sio_broadcast_except(b, str_arg(av, 1));
    event = str_arg(av, 2);
    first = 3;
  } else if (strcmp(ev, "broadcast") == 0) {
    b = sio_socket_broadcast(sock);
    event = str_arg(av, 0);
    first = 1;
  } else if (strcmp(ev, "broadcast-all") == 0) {
    b = sio_namespace_broadcast(sio_socket_namespace(sock));
    event = str_arg(av, 0);
    first = 1;
  } else if (strcmp(ev, "parent-broadcast") == 0) {
    /* On the dynamic parent: every child namespace of it. */
    sio_namespace_t *parent = sio_namespace_parent(sio_socket_namespace(sock));
    b = sio_namespace_broadcast(parent ? parent : sio_socket_namespace(sock));
    event = str_arg(av, 0);
    first = 1;
  } else { /* volatile */
    b = sio_broadcast_volatile(sio_socket_broadcast(sock));
    event = str_arg(av, 0);
    first = 1;
  }
  sio_args_t *a = args_from(av, first);
  int n = sio_broadcast_emit(b, event, a);
  sio_args_free(a);
  ack_json(ack, json_integer(n));
}

static json_t *argv_to_json(const sio_argv_t *av) {
  json_t *arr = json_array();
  for (size_t i = 0; av && i < sio_argv_count(av); i++)
    json_array_append_new(arr, arg_json(av, i));
  return arr;
}

static void bcast_ack_done(int status, size_t count, const sio_argv_t *const *replies,
                           void *arg) {
  sio_ack_t *ack = arg;
  json_t *r = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(r, argv_to_json(replies[i]));
  ack_json(ack, json_pack("{s:s?,s:o}", "err", status ? sio_err_name(status) : NULL,
                          "replies", r));
}

static void on_broadcast_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                             sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  int64_t ms = 0;
  sio_argv_int64(av, 0, &ms);
  sio_broadcast_t *b = sio_broadcast_timeout(sio_socket_broadcast(sock), (uint32_t)ms);
  sio_args_t *a = args_from(av, 2);
  sio_ack_hold(ack);
  int rc = sio_broadcast_emit_with_ack(b, str_arg(av, 1), a, bcast_ack_done, ack);
  sio_args_free(a);
  if (rc < 0) ack_json(ack, json_pack("{s:s}", "err", sio_err_name(rc)));
}

static void server_ack_done(sio_socket_t *sock, int status, const sio_argv_t *reply,
                            void *arg) {
  sio_args_t *w = sio_args_new();
  if (status)
    sio_args_add_string(w, sio_err_name(status));
  else
    sio_args_add_null(w);
  sio_broadcast_emit(
      sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)), "watchers"),
      "server-ack-done", w);
  sio_args_free(w);
  ack_json(arg, json_pack("{s:s?,s:o}", "err", status ? sio_err_name(status) : NULL,
                          "reply", argv_to_json(reply)));
}

static void on_server_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                          sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  int64_t ms = 0;
  sio_argv_int64(av, 0, &ms);
  sio_args_t *a = args_from(av, 2);
  sio_ack_hold(ack);
  int rc = sio_socket_emit_with_ack(sock, str_arg(av, 1), a, (uint32_t)ms,
                                    server_ack_done, ack);
  sio_args_free(a);
  if (rc < 0) ack_json(ack, json_pack("{s:s}", "err", sio_err_name(rc)));
}

static void fetch_done(int status, size_t count, sio_remote_socket_t *const *socks,
                       void *arg) {
  (void)status;
  json_t *r = json_array();
  for (size_t i = 0; i < count; i++) {
    json_t *rooms = json_array();
    for (size_t k = 0; k < sio_remote_socket_rooms_count(socks[i]); k++)
      json_array_append_new(rooms, json_string(sio_remote_socket_room(socks[i], k)));
    json_t *hs = json_null(), *data = json_null();
    sio_socket_t *sock = sio_remote_socket_local(socks[i]);
    if (sock) {
      char q[256];
      int ql = sio_socket_query_get(sock, "foo", q, sizeof(q));
      hs = json_pack("{s:s,s:s?,s:o?,s:I}", "address", sio_socket_address(sock), "query",
                     ql >= 0 ? q : NULL, "auth", sio_socket_auth_json(sock), "issued",
                     (json_int_t)sio_socket_issued(sock));
      size_t ulen = 0;
      const char *user = sio_socket_session_get(sock, "user", &ulen);
      sock_data_t *d = sio_socket_get_data(sock);
      data = json_pack("{s:I,s:s%}", "seq", (json_int_t)(d ? d->seq : -1), "user",
                       user ? user : "", user ? ulen : (size_t)0);
      if (!user) json_object_set_new(data, "user", json_null());
    } else { /* on another worker: its handshake and shared data as JSON */
      json_error_t err;
      const char *h = sio_remote_socket_handshake_json(socks[i]);
      const char *dj = sio_remote_socket_data_json(socks[i]);
      json_t *node = h ? json_loads(h, 0, &err) : NULL;
      if (node) {
        json_t *foo = json_object_get(json_object_get(node, "query"), "foo");
        hs = json_pack("{s:O?,s:O?,s:O?,s:O?}", "address",
                       json_object_get(node, "address"), "query", foo ? foo : json_null(),
                       "auth", json_object_get(node, "auth"), "issued",
                       json_object_get(node, "issued"));
        json_decref(node);
      }
      json_t *shared = dj ? json_loads(dj, JSON_DECODE_ANY, &err) : NULL;
      if (shared) {
        json_decref(data);
        data = shared;
      }
    }
    json_array_append_new(r, json_pack("{s:s,s:o,s:o,s:o}", "id",
                                       sio_remote_socket_id(socks[i]), "rooms", rooms,
                                       "handshake", hs, "data", data));
  }
  ack_json(arg, r);
}

/* fetch room (the other server-wide operations are on_sockets_op). */
static void on_fetch(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)ev, (void)arg;
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  if (*str_arg(av, 0)) b = sio_broadcast_to(b, str_arg(av, 0));
  sio_ack_hold(ack);
  int n = sio_broadcast_fetch_sockets(b, fetch_done, ack);
  if (n < 0) ack_json(ack, json_integer(n));
}

/* ---- emits from another thread ---- */

typedef struct {
  sio_server_t *srv; /* the socket's server: its worker's, with --workers N */
  char nsp[64];
  char id[21];
  char event[64];
  int n;
} thread_job_t;

typedef struct {
  thread_job_t job; /* a copy: the thread may be gone when this runs */
  int i;
} post_item_t;

static void posted(sio_server_t *s, void *arg) {
  post_item_t *it = arg;
  sio_socket_t *sock = sio_namespace_socket(sio_server_of(s, it->job.nsp), it->job.id);
  if (sock) {
    sio_args_t *a = sio_args_new();
    sio_args_add_int(a, it->i);
    sio_socket_emit(sock, it->job.event, a);
    sio_args_free(a);
  }
  free(it);
}

static void *thread_main(void *arg) {
  thread_job_t *job = arg;
  for (int i = 0; i < job->n; i++) {
    post_item_t *it = calloc(1, sizeof(*it));
    if (!it) break;
    it->job = *job;
    it->i = i;
    if (sio_server_post(job->srv, posted, it) != 0) {
      free(it); /* the server is closing */
      break;
    }
  }
  free(job);
  return NULL;
}

static void on_thread_emit(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                           sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  int64_t n = 0;
  sio_argv_int64(av, 1, &n);
  if (n < 1 || n > 10000) n = 1;
  thread_job_t *job = calloc(1, sizeof(*job));
  job->srv = sio_socket_server(sock);
  snprintf(job->nsp, sizeof(job->nsp), "%s",
           sio_namespace_name(sio_socket_namespace(sock)));
  snprintf(job->id, sizeof(job->id), "%s", sio_socket_id(sock));
  snprintf(job->event, sizeof(job->event), "%s", str_arg(av, 0));
  job->n = (int)n;
  ack_json(ack, json_string("started"));
  pthread_t th;
  if (pthread_create(&th, NULL, thread_main, job) == 0)
    pthread_detach(th);
  else
    free(job);
}

/* "typed": each argument read through the typed accessors. */
static json_t *typed_args(const sio_argv_t *av) {
  static const char *names[] = {"none", "string", "number", "bool",
                                "null", "object", "array",  "binary"};
  json_t *r = json_array();
  for (size_t i = 0; i < sio_argv_count(av); i++) {
    sio_arg_type_t t = sio_argv_type(av, i);
    json_t *o = json_pack("{s:s}", "t", names[t]);
    size_t len = 0;
    const char *str = sio_argv_string(av, i, &len);
    if (str) json_object_set_new(o, "s", json_stringn(str, len));
    int64_t i64;
    int rc = sio_argv_int64(av, i, &i64);
    double d;
    int b;
    if (t == SIO_ARG_NUMBER) {
      json_object_set_new(o, "i", rc ? json_string(sio_err_name(rc)) : json_integer(i64));
      if (sio_argv_double(av, i, &d) == 0) json_object_set_new(o, "d", json_real(d));
    }
    if (sio_argv_bool(av, i, &b) == 0) json_object_set_new(o, "b", json_boolean(b));
    sio_buf_t buf;
    if (sio_argv_binary(av, i, &buf) == 0) {
      json_t *bytes = json_array();
      for (size_t k = 0; k < buf.len; k++)
        json_array_append_new(bytes, json_integer(buf.base[k]));
      json_object_set_new(o, "bytes", bytes);
    }
    if ((t == SIO_ARG_OBJECT || t == SIO_ARG_ARRAY) && sio_argv_raw(av, i, &buf) == 0) {
      json_object_set_new(o, "raw", json_stringn((const char *)buf.base, buf.len));
      json_t *dom = sio_argv_json(av, i); /* the jansson value on demand */
      json_object_set_new(
          o, "size",
          json_integer((json_int_t)(json_is_object(dom) ? json_object_size(dom)
                                                        : json_array_size(dom))));
      json_decref(dom);
    }
    json_array_append_new(r, o);
  }
  return r;
}

static void on_stats_totals(int status, const sio__totals_t *t, void *arg) {
  if (status) {
    sio_ack_release(arg);
    return;
  }
  const sio__server_stats_t *st = &t->sio;
  ack_json(arg,
           json_pack("{s:I,s:I,s:I}", "encodes", (json_int_t)st->encodes, "deliveries",
                     (json_int_t)st->deliveries, "dropped", (json_int_t)st->dropped));
}

static void on_misc(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)arg;
  if (strcmp(ev, "disconnect-me") == 0) {
    int close = 0;
    sio_argv_bool(av, 0, &close);
    ack_json(ack, json_string("bye"));
    sio_socket_disconnect(sock, close);
  } else if (strcmp(ev, "session-set") == 0) {
    size_t len = 0;
    const char *v = sio_argv_string(av, 1, &len); /* null deletes the key */
    sio_socket_session_set(sock, str_arg(av, 0), v, len);
    sock_data_t *d = sio_socket_get_data(sock);
    if (d && strcmp(str_arg(av, 0), "user") == 0) share_seq_user(sock, d->seq, v, len);
    ack_json(ack, json_true());
  } else if (strcmp(ev, "session-get") == 0) {
    size_t len = 0;
    const char *v = sio_socket_session_get(sock, str_arg(av, 0), &len);
    ack_json(ack, v ? json_stringn(v, len) : json_null());
  } else if (strcmp(ev, "handshake") == 0) {
    char q[256];
    int ql = sio_socket_query_get(sock, "foo", q, sizeof(q));
    size_t ualen = 0;
    const char *ua = sio_socket_header(sock, "x-test", &ualen);
    ack_json(ack, json_pack("{s:s?,s:s?,s:s%,s:I}", "query", ql >= 0 ? q : NULL,
                            "address", sio_socket_address(sock), "header", ua ? ua : "",
                            ua ? ualen : (size_t)0, "issued",
                            (json_int_t)sio_socket_issued(sock)));
  } else if (strcmp(ev, "whoami") == 0) {
    sock_data_t *d = sio_socket_get_data(sock);
    ack_json(ack, d ? json_pack("{s:I,s:I,s:I,s:s,s:s}", "seq", (json_int_t)d->seq, "in",
                                (json_int_t)d->in, "out", (json_int_t)d->out, "last_out",
                                d->last_out, "last_out_args", d->last_out_args)
                    : json_null());
  } else if (strcmp(ev, "mw-runs") == 0) {
    ack_json(ack, json_integer((json_int_t)atomic_load(&g_mw2_runs)));
  } else if (strcmp(ev, "typed") == 0) {
    ack_json(ack, typed_args(av));
  } else if (strcmp(ev, "stats") == 0 && ack) {
    /* The process's counters: every worker's, summed. */
    sio_ack_t *held = sio_ack_hold(ack);
    if (sio__totals_gather(sio_socket_server(sock), 0, on_stats_totals, held))
      sio_ack_release(held);
  }
}

static sio_broadcast_t *to_watchers(sio_socket_t *sock) {
  return sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)),
                          "watchers");
}

static void on_disconnecting(sio_socket_t *sock, const char *reason, void *arg) {
  (void)arg;
  json_t *rooms = rooms_json(sock);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, sio_socket_id(sock));
  sio_args_add_json(a, rooms);
  sio_args_add_string(a, reason);
  sio_broadcast_emit(to_watchers(sock), "leaving", a);
  sio_args_free(a);
  json_decref(rooms);
}

static void on_disconnect(sio_socket_t *sock, const char *reason, void *arg) {
  (void)arg;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, sio_socket_id(sock));
  sio_args_add_string(a, reason);
  sio_broadcast_emit(sio_namespace_broadcast(sio_socket_namespace(sock)), "left", a);
  sio_args_free(a);
  free(sio_socket_get_data(sock));
  sio_socket_set_data(sock, NULL);
}

static void setup_main(sio_namespace_t *nsp) {
  static const char *joins[] = {"join", "leave", "leave-all", "rooms"};
  static const char *bcasts[] = {"to-room",       "to-room-except", "broadcast",
                                 "broadcast-all", "volatile",       "parent-broadcast"};
  static const char *ops[] = {"sockets-join", "sockets-leave", "disconnect-sockets"};
  static const char *misc[] = {"disconnect-me", "session-set", "session-get", "handshake",
                               "stats",         "whoami",      "mw-runs",     "typed"};
  sio_namespace_on_connection(nsp, on_connection, NULL);
  sio_namespace_on_any(nsp, on_any_in, NULL);
  on_relay_events(nsp);
  sio_namespace_on(nsp, "send-binary", on_send_binary, NULL);
  for (size_t i = 0; i < sizeof(joins) / sizeof(*joins); i++)
    sio_namespace_on(nsp, joins[i], on_rooms, NULL);
  for (size_t i = 0; i < sizeof(bcasts) / sizeof(*bcasts); i++)
    sio_namespace_on(nsp, bcasts[i], on_to_room, NULL);
  for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
    sio_namespace_on(nsp, ops[i], on_sockets_op, NULL);
  sio_namespace_on(nsp, "to-rooms", on_to_rooms, NULL);
  sio_namespace_on(nsp, "fetch", on_fetch, NULL);
  for (size_t i = 0; i < sizeof(misc) / sizeof(*misc); i++)
    sio_namespace_on(nsp, misc[i], on_misc, NULL);
  sio_namespace_on(nsp, "broadcast-ack", on_broadcast_ack, NULL);
  sio_namespace_on(nsp, "server-ack", on_server_ack, NULL);
  sio_namespace_on(nsp, "thread-emit", on_thread_emit, NULL);
  sio_namespace_on_disconnecting(nsp, on_disconnecting, NULL);
  sio_namespace_on_disconnect(nsp, on_disconnect, NULL);
}

/* ---- middlewares ---- */

/* auth.stop of the socket (0 if absent). */
static int64_t auth_stop(sio_socket_t *sock) {
  json_t *auth = sio_socket_auth_json(sock);
  int64_t v = json_integer_value(json_object_get(auth, "stop"));
  json_decref(auth);
  return v;
}

/* Refuses with "stopped at <k>" and data {"mw": the session value so far}. */
static void mw_refuse(sio_socket_t *sock, sio_next_t *next, int k) {
  size_t len = 0;
  const char *v = sio_socket_session_get(sock, "mw", &len);
  json_t *data = json_pack("{s:s%}", "mw", v ? v : "", v ? len : (size_t)0);
  char *text = json_dumps(data, JSON_COMPACT);
  char msg[32];
  snprintf(msg, sizeof(msg), "stopped at %d", k);
  sio_next(next, msg, text);
  free(text);
  json_decref(data);
}

/* "/mw": the second middleware sees what the first one did; auth.stop k
 * makes middleware k refuse (the second one never runs after the first
 * refused: g_mw2_runs counts its runs). */
static void mw_first(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  sio_socket_session_set(sock, "mw", "1", 1);
  if (auth_stop(sock) == 1)
    mw_refuse(sock, next, 1);
  else
    sio_next(next, NULL, NULL);
}

static void mw_second(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  atomic_fetch_add(&g_mw2_runs, 1);
  size_t len = 0;
  const char *v = sio_socket_session_get(sock, "mw", &len);
  char buf[8];
  int n = snprintf(buf, sizeof(buf), "%.*s2", v ? (int)len : 0, v ? v : "");
  sio_socket_session_set(sock, "mw", buf, (size_t)n);
  if (auth_stop(sock) == 2)
    mw_refuse(sock, next, 2);
  else
    sio_next(next, NULL, NULL);
}

/* The dynamic parents' middleware: auth.deny refuses, naming the child. */
static void parent_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  json_t *auth = sio_socket_auth_json(sock);
  int deny = json_is_true(json_object_get(auth, "deny"));
  json_decref(auth);
  if (!deny) {
    sio_next(next, NULL, NULL);
    return;
  }
  json_t *data =
      json_pack("{s:s}", "nsp", sio_namespace_name(sio_socket_namespace(sock)));
  char *text = json_dumps(data, JSON_COMPACT);
  sio_next(next, "denied by the parent", text);
  free(text);
  json_decref(data);
}

/* "/cb-<digits>" */
static int match_cb(const char *name, void *arg) {
  (void)arg;
  if (strncmp(name, "/cb-", 4) != 0 || !name[4]) return 0;
  for (const char *p = name + 4; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  return 1;
}

typedef struct {
  uv_timer_t t;
  sio_next_t *next;
} async_mw_t;

static void async_mw_closed(uv_handle_t *h) {
  free(h->data);
}

static void async_mw_fire(uv_timer_t *t) {
  async_mw_t *m = t->data;
  sio_next(m->next, NULL, NULL);
  t->data = m;
  uv_close((uv_handle_t *)t, async_mw_closed);
}

static void async_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  async_mw_t *m = calloc(1, sizeof(*m));
  m->next = next;
  uv_timer_init(sio_server_loop(sio_socket_server(sock)), &m->t); /* its worker's loop */
  m->t.data = m;
  uv_timer_start(&m->t, async_mw_fire, 20, 0);
}

/* ---- hostile-load options and counters (tests/interop/hostile_*.test.mjs) ----
 * --request-timeout MS   HTTP time to receive a request's headers/body (408 past it)
 * --max-write-queue N    bytes queued on one connection before it is dropped
 * --max-payload N        Engine.IO maxPayload (POST body, WebSocket message)
 * --close-timeout MS     how long a polling session being closed waits for a GET
 * `counts` event: acks {"eio":sessions,"http":connections,"sockets":sockets of
 * "/"} so a test can see sessions and connections go back to a baseline. */

static struct {
  long request_timeout, max_write_queue, max_payload, close_timeout; /* -1: default */
} hostile = {-1, -1, -1, -1};

/* Consumes argv[*i] (and its value) if it is one of the options above. */
static int hostile_parse(int argc, char **argv, int *i) {
  long *dst = NULL;
  if (strcmp(argv[*i], "--request-timeout") == 0)
    dst = &hostile.request_timeout;
  else if (strcmp(argv[*i], "--max-write-queue") == 0)
    dst = &hostile.max_write_queue;
  else if (strcmp(argv[*i], "--max-payload") == 0)
    dst = &hostile.max_payload;
  else if (strcmp(argv[*i], "--close-timeout") == 0)
    dst = &hostile.close_timeout;
  if (!dst || *i + 1 >= argc) return 0;
  *dst = atol(argv[++*i]);
  return 1;
}

static void hostile_apply(sio_server_opts_t *o) {
  if (hostile.request_timeout >= 0)
    sio_http_opts_set_request_timeout(sio_server_opts_http(o),
                                      (uint32_t)hostile.request_timeout);
  if (hostile.max_write_queue >= 0)
    sio_http_opts_set_max_write_queue(sio_server_opts_http(o),
                                      (size_t)hostile.max_write_queue);
  if (hostile.close_timeout >= 0)
    sio_eio_opts_set_close_timeout(sio_server_opts_eio(o),
                                   (uint32_t)hostile.close_timeout);
  /* The HTTP server keeps its larger body limit: the mount asks for less. */
  if (hostile.max_payload >= 0)
    sio_eio_opts_set_max_http_buffer_size(sio_server_opts_eio(o),
                                          (size_t)hostile.max_payload);
}

/* The ack and the namespace whose sockets are counted, while the workers
 * answer. */
typedef struct {
  sio_ack_t *ack;
  sio_server_t *srv;
  char nsp[64];
} counts_req_t;

static void on_counts_totals(int status, const sio__totals_t *t, void *arg) {
  counts_req_t *r = arg;
  if (status)
    sio_ack_release(r->ack);
  else
    ack_json(r->ack,
             json_pack("{s:I,s:I,s:I}", "eio",
                       /* the public figure is the process's already */
                       (json_int_t)sio_eio_server_clients_count(sio_server_eio(r->srv)),
                       "http", (json_int_t)t->http_conns, "sockets",
                       (json_int_t)sio__totals_nsp_sockets(t, r->nsp)));
  free(r);
}

/* The process's figures: every worker's sessions, connections and sockets. */
static void on_counts(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                      sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)av;
  (void)arg;
  counts_req_t *r = ack ? calloc(1, sizeof(*r)) : NULL;
  if (!r) return;
  snprintf(r->nsp, sizeof r->nsp, "%s", sio_namespace_name(sio_socket_namespace(sock)));
  r->ack = sio_ack_hold(ack);
  r->srv = sio_socket_server(sock);
  /* max 64: "/" is among the first namespaces made. */
  if (sio__totals_gather(sio_socket_server(sock), 64, on_counts_totals, r)) {
    sio_ack_release(r->ack);
    free(r);
  }
}
/* ---- end of the hostile-load block ---- */

/* ---- --eio-hooks: Engine.IO hooks set through sio_server_opts_eio ---- */

/* Refuses a handshake whose query has "deny" (its value is the message). */
static void hooks_allow(sio_http_req_t *req, sio_eio_allow_t *pending, void *arg) {
  (void)arg;
  char deny[128];
  if (sio_http_req_query_get(req, "deny", deny, sizeof deny) >= 0)
    sio_eio_allow_refuse(pending, deny);
  else
    sio_eio_allow_accept(pending);
}

static int hooks_gen_id(sio_http_req_t *req, char *out, size_t cap, void *arg) {
  (void)req, (void)arg;
  static atomic_uint n; /* ids made on any worker's thread */
  return snprintf(out, cap, "sio-%u", atomic_fetch_add(&n, 1) + 1);
}

static void hooks_apply(sio_server_opts_t *o) {
  sio_eio_opts_set_allow_request_async(sio_server_opts_eio(o), hooks_allow, NULL, 0);
  sio_eio_opts_set_generate_id(sio_server_opts_eio(o), hooks_gen_id, NULL);
}

/* ---- --metrics, --rate-limit N (tests/interop/metrics.test.mjs) ---- */
#include "sio/metrics.h"

static struct {
  int on;
  long rate; /* packets per second and burst; -1: none */
} metrics = {0, -1};

static int metrics_parse(int argc, char **argv, int *i) {
  if (strcmp(argv[*i], "--metrics") == 0) return metrics.on = 1;
  if (strcmp(argv[*i], "--rate-limit") != 0 || *i + 1 >= argc) return 0;
  metrics.rate = atol(argv[++*i]);
  return 1;
}

static void metrics_apply(sio_server_opts_t *o) {
  sio_server_opts_set_metrics(o, metrics.on);
  if (metrics.rate > 0)
    sio_eio_opts_set_rate_limit(sio_server_opts_eio(o), (uint32_t)metrics.rate,
                                (uint32_t)metrics.rate);
}

/* ---- main ---- */

int main(int argc, char **argv) {
  int port = 0, own_loop = 0, eio_hooks = 0;
  const sio_parser_t *parser = sio_parser_json();
  long max_attachments = -1, max_depth = -1;
  unsigned workers = 1; /* --workers N: sio_server_opts_set_workers */
  const char *tls_cert = NULL, *tls_key = NULL; /* --tls-cert FILE --tls-key FILE */
  const char *tls_client_ca = NULL;             /* --tls-client-ca FILE */
  uint32_t ping_interval = 25000, ping_timeout = 20000, connect_timeout = 45000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--ping-interval") == 0 && i + 1 < argc)
      ping_interval = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--ping-timeout") == 0 && i + 1 < argc)
      ping_timeout = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--connect-timeout") == 0 && i + 1 < argc)
      connect_timeout = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
      workers = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--own-loop") == 0)
      own_loop = 1;
    else if (strcmp(argv[i], "--max-attachments") == 0 && i + 1 < argc)
      max_attachments = atol(argv[++i]);
    else if (strcmp(argv[i], "--max-json-depth") == 0 && i + 1 < argc)
      max_depth = atol(argv[++i]);
    else if (strcmp(argv[i], "--tls-cert") == 0 && i + 1 < argc)
      tls_cert = argv[++i];
    else if (strcmp(argv[i], "--tls-key") == 0 && i + 1 < argc)
      tls_key = argv[++i];
    else if (strcmp(argv[i], "--tls-client-ca") == 0 && i + 1 < argc)
      tls_client_ca = argv[++i];
    else if (strcmp(argv[i], "--eio-hooks") == 0)
      eio_hooks = 1;
    else if (strcmp(argv[i], "--parser") == 0 && i + 1 < argc &&
             (parser = sio_parser_by_name(argv[++i])))
      continue;
    else if (hostile_parse(argc, argv, &i)) /* hostile-load block */
      continue;
    else if (metrics_parse(argc, argv, &i))
      continue;
    else {
      fprintf(
          stderr,
          "usage: sio_test_server [--port N] [--ping-interval MS] [--ping-timeout MS] "
          "[--connect-timeout MS] [--own-loop] [--max-attachments N] "
          "[--max-json-depth N] [--tls-cert FILE --tls-key FILE [--tls-client-ca "
          "FILE]] [--eio-hooks] [--metrics] [--rate-limit N]\n"
          "       [--parser json|msgpack|auto] [--workers N]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (!own_loop && uv_loop_init(&app.loop)) return 1;
  sio_server_opts_t *o = sio_server_opts_new();
  sio_http_opts_set_cors_origins(sio_server_opts_http(o), "*");
  sio_eio_opts_set_ping_interval(sio_server_opts_eio(o), ping_interval);
  sio_eio_opts_set_ping_timeout(sio_server_opts_eio(o), ping_timeout);
  sio_server_opts_set_connect_timeout(o, connect_timeout);
  sio_server_opts_set_parser(o, parser);
  sio_server_opts_set_workers(o, workers);
  if (max_attachments >= 0)
    sio_server_opts_set_max_attachments(o, (uint32_t)max_attachments);
  if (max_depth >= 0) sio_server_opts_set_max_json_depth(o, (uint32_t)max_depth);
  hostile_apply(o); /* hostile-load block */
  metrics_apply(o);
  if (eio_hooks) hooks_apply(o);
  if ((tls_cert || tls_key) &&
      sio_http_opts_set_tls(sio_server_opts_http(o), tls_cert, tls_key) != 0) {
    fprintf(stderr, "sio_test_server: --tls-cert and --tls-key go together\n");
    sio_server_opts_free(o);
    return 2;
  }
  if (tls_client_ca)
    sio_http_opts_set_tls_client_ca(sio_server_opts_http(o), tls_client_ca);
  /* --own-loop: the server makes and runs its loop (sio_server_run). */
  int rc = sio_server_new(own_loop ? NULL : &app.loop, o, &app.srv);
  sio_server_opts_free(o);
  if (rc == 0) app.lp = sio_server_loop(app.srv);
  if (rc == 0) rc = sio_server_listen(app.srv, "127.0.0.1", port);
  if (rc) {
    fprintf(stderr, "sio_test_server: %s\n", sio_strerror(rc));
    return 1;
  }
  setup_main(sio_server_of(app.srv, "/"));
  sio_namespace_t *dyn = sio_server_of_pattern(app.srv, "/dyn-*");
  sio_namespace_use(dyn, parent_mw, NULL);
  setup_main(dyn);
  sio_namespace_t *priv = sio_server_of(app.srv, "/private");
  sio_namespace_use(priv, private_mw, NULL);
  setup_main(priv);
  sio_namespace_t *async = sio_server_of(app.srv, "/async");
  sio_namespace_use(async, async_mw, NULL);
  setup_main(async);
  sio_namespace_on_connection(sio_server_of(app.srv, "/custom"), on_connection, NULL);
  sio_namespace_on_disconnect(sio_server_of(app.srv, "/custom"), on_disconnect, NULL);
  sio_namespace_t *cbp = sio_server_of_dynamic(app.srv, match_cb, NULL);
  sio_namespace_use(cbp, parent_mw, NULL);
  setup_main(cbp);
  sio_namespace_t *mw = sio_server_of(app.srv, "/mw");
  sio_namespace_use(mw, mw_first, NULL);
  sio_namespace_use(mw, mw_second, NULL);
  setup_main(mw);
  sio_namespace_on(sio_server_of(app.srv, "/"), "counts", on_counts, NULL); /* hostile */

  close_on_signals(app.lp, app.srv);
  printf("listening on 127.0.0.1:%d\n", sio_server_port(app.srv));
  fflush(stdout);
  if (own_loop) {
    rc = sio_server_run(app.srv); /* 0: closed, and its loop closed */
  } else {
    uv_run(&app.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&app.loop);
  }
  if (rc) {
    fprintf(stderr, "sio_test_server: loop not closed cleanly: %s\n", uv_strerror(rc));
    return 1;
  }
  return 0;
}
