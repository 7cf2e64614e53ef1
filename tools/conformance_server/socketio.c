/* The conformance server's Socket.IO endpoint: see socketio.h. Replies are
 * relayed from the received bytes (no re-encoding), which is what lets the
 * suite compare them character for character. */
#include "socketio.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "recovery_adapter.h"
#include "sio/server.h"

static sio_server_t *g_server;
static void (*g_done)(void *arg);
static void *g_done_arg;
static int g_closing; /* worker 0's thread */

/* ---- emit-later / broadcast-later: events sent while a client is away ---- */

enum { EMIT, BROADCAST, ROOM, VOLATILE, WITH_ACK };
static int k_kinds[] = {EMIT, BROADCAST, ROOM, VOLATILE, WITH_ACK};

typedef struct later {
  uv_timer_t timer;
  struct later *prev, *next;
  int kind;
  uint64_t delay;
  sio_socket_t *sock; /* a reference; NULL with workers: */
  char *target, *nsp; /* the socket's id and namespace, reached by a broadcast */
  char *event, *room;
  sio_args_t *args;
} later_t;

static later_t *g_laters; /* pending, closed with the server */

/* Connection state recovery (conformance_socketio_recovery). */
static uint32_t g_recovery_ms;
static size_t g_recovery_max_bytes;
static int g_recovery_adapter;

void conformance_socketio_recovery(uint32_t max_disconnection_ms, size_t max_bytes,
                                   int through_adapter) {
  g_recovery_ms = max_disconnection_ms;
  g_recovery_max_bytes = max_bytes;
  g_recovery_adapter = through_adapter;
}

static void later_free(later_t *l);

static void later_closed(uv_handle_t *h) {
  later_t *l = h->data;
  later_free(l);
}

static void later_free(later_t *l) {
  if (l->sock) sio_socket_unref(l->sock);
  sio_args_free(l->args);
  free(l->target);
  free(l->nsp);
  free(l->event);
  free(l->room);
  free(l);
}

static void later_end(later_t *l) {
  if (l->prev)
    l->prev->next = l->next;
  else
    g_laters = l->next;
  if (l->next) l->next->prev = l->prev;
  uv_close((uv_handle_t *)&l->timer, later_closed);
}

static void ignore_ack(sio_socket_t *sock, int status, const sio_argv_t *args,
                       void *arg) {
  (void)sock;
  (void)status;
  (void)args;
  (void)arg;
}

static void ignore_bcast_ack(int status, size_t count, const sio_argv_t *const *replies,
                             void *arg) {
  (void)status;
  (void)count;
  (void)replies;
  (void)arg;
}

/* Workers: the socket may be another worker's, so the event goes to the
 * room of its id (kept for recovery as an emit to the socket is). */
static void later_fire_to(later_t *l) {
  sio_namespace_t *nsp = sio_server_of(g_server, l->nsp);
  if (!nsp) return;
  sio_broadcast_t *b = sio_broadcast_to(sio_namespace_broadcast(nsp), l->target);
  switch (l->kind) {
    case EMIT:
      sio_broadcast_emit(b, l->event, l->args);
      break;
    case BROADCAST:
      sio_broadcast_free(b);
      sio_broadcast_emit(sio_namespace_broadcast(nsp), l->event, l->args);
      break;
    case ROOM:
      sio_broadcast_free(b);
      sio_broadcast_emit(sio_broadcast_to(sio_namespace_broadcast(nsp), l->room),
                         l->event, l->args);
      break;
    case VOLATILE:
      sio_broadcast_emit(sio_broadcast_volatile(b), l->event, l->args);
      break;
    default:
      sio_broadcast_emit_with_ack(sio_broadcast_timeout(b, 1000), l->event, l->args,
                                  ignore_bcast_ack, NULL);
      break;
  }
}

static void later_fire(uv_timer_t *t) {
  later_t *l = t->data;
  if (!l->sock) {
    later_fire_to(l);
    later_end(l);
    return;
  }
  sio_namespace_t *nsp = sio_socket_namespace(l->sock);
  switch (l->kind) {
    case EMIT:
      sio_socket_emit(l->sock, l->event, l->args);
      break;
    case BROADCAST:
      sio_broadcast_emit(sio_namespace_broadcast(nsp), l->event, l->args);
      break;
    case ROOM:
      sio_broadcast_emit(sio_broadcast_to(sio_namespace_broadcast(nsp), l->room),
                         l->event, l->args);
      break;
    case VOLATILE:
      sio_socket_emit_volatile(l->sock, l->event, l->args);
      break;
    default:
      sio_socket_emit_with_ack(l->sock, l->event, l->args, 1000, ignore_ack, NULL);
      break;
  }
  later_end(l);
}

static char *dup_arg(const sio_argv_t *args, size_t i) {
  size_t n;
  const char *s = sio_argv_string(args, i, &n);
  char *d = s ? malloc(n + 1) : NULL;
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

/* Worker 0's thread: the timer starts (unless the server is closing). */
static void later_start(sio_server_t *s, void *arg) {
  later_t *l = arg;
  if (g_closing || s != g_server) {
    later_free(l);
    return;
  }
  uv_timer_init(sio_server_loop(g_server), &l->timer);
  l->timer.data = l;
  l->next = g_laters;
  if (g_laters) g_laters->prev = l;
  g_laters = l;
  uv_timer_start(&l->timer, later_fire, l->delay, 0);
}

/* args: delay in ms, [room for room-later,] event name, then the event's
 * arguments. */
static void on_later(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                     sio_ack_t *ack, void *arg) {
  (void)event;
  (void)ack;
  int kind = *(const int *)arg;
  size_t first = kind == ROOM ? 2 : 1;
  int64_t delay;
  if (sio_argv_int64(args, 0, &delay) || delay < 0) return;
  later_t *l = calloc(1, sizeof(*l));
  if (!l) return;
  l->kind = kind;
  l->event = dup_arg(args, first);
  l->room = kind == ROOM ? dup_arg(args, 1) : NULL;
  l->args = sio_args_new();
  if (!l->event || (kind == ROOM && !l->room) || !l->args) {
    free(l->event);
    free(l->room);
    sio_args_free(l->args);
    free(l);
    return;
  }
  sio_buf_t raw;
  for (size_t i = first + 1; i < sio_argv_count(args); i++)
    if (sio_argv_raw(args, i, &raw) == 0)
      sio_args_add_raw(l->args, (const char *)raw.base, raw.len);
  l->delay = (uint64_t)delay;
  if (sio_socket_server(sock) == g_server) {
    l->sock = sio_socket_ref(sock);
    later_start(g_server, l);
    return;
  }
  /* Another worker's thread: the timer runs on worker 0's loop. */
  l->target = strdup(sio_socket_id(sock));
  l->nsp = strdup(sio_namespace_name(sio_socket_namespace(sock)));
  if (!l->target || !l->nsp || sio_server_post(g_server, later_start, l)) later_free(l);
}

/* close-transport: the server closes the Engine.IO session (a recoverable
 * disconnection: the client reconnects). */
static void on_close_transport(sio_socket_t *sock, const char *event,
                               const sio_argv_t *args, sio_ack_t *ack, void *arg) {
  (void)event;
  (void)args;
  (void)ack;
  (void)arg;
  sio_eio_socket_t *e = sio_socket_eio(sock);
  if (e) sio_eio_socket_close(e);
}

/* set-data (value): the socket's shared data (Node's socket.data), then
 * an ack; get-data: acknowledges with it (null when unset). */
static void on_set_data(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                        sio_ack_t *ack, void *arg) {
  (void)event;
  (void)arg;
  sio_buf_t raw;
  if (sio_argv_raw(args, 0, &raw) == 0) {
    char *json = malloc(raw.len + 1);
    if (json) {
      memcpy(json, raw.base, raw.len);
      json[raw.len] = 0;
      sio_socket_set_shared_data(sock, json);
      free(json);
    }
  }
  if (ack) sio_ack_send(ack, NULL);
}

static void on_get_data(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                        sio_ack_t *ack, void *arg) {
  (void)event;
  (void)args;
  (void)arg;
  const char *data = sio_socket_shared_data(sock);
  sio_args_t *a = sio_args_new();
  if (!a || !ack) {
    sio_args_free(a);
    return;
  }
  if (data)
    sio_args_add_raw(a, data, strlen(data));
  else
    sio_args_add_null(a);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

/* join (room): joins it, then acknowledges. */
static void on_join(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                    sio_ack_t *ack, void *arg) {
  (void)event;
  (void)arg;
  char *room = dup_arg(args, 0);
  if (room) sio_socket_join(sock, room);
  free(room);
  if (ack) sio_ack_send(ack, NULL);
}

static void emit_auth(sio_socket_t *sock, void *arg) {
  (void)arg;
  sio_buf_t auth;
  sio_socket_auth(sock, &auth);
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_raw(a, (const char *)auth.base, auth.len) == 0)
    sio_socket_emit(sock, "auth", a);
  sio_args_free(a);
}

static void on_message(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                       sio_ack_t *ack, void *arg) {
  (void)event;
  (void)ack;
  (void)arg;
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_argv(a, args) == 0) sio_socket_emit(sock, "message-back", a);
  sio_args_free(a);
}

static void on_message_with_ack(sio_socket_t *sock, const char *event,
                                const sio_argv_t *args, sio_ack_t *ack, void *arg) {
  (void)sock;
  (void)event;
  (void)arg;
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_argv(a, args) == 0) sio_ack_send(ack, a);
  sio_args_free(a);
}

static int g_allow_eio3;

void conformance_socketio_allow_eio3(int on) {
  g_allow_eio3 = on;
}

static sio_server_opts_t *make_opts(const sio_parser_t *parser, int deflate) {
  sio_server_opts_t *o = sio_server_opts_new();
  if (!o) return NULL;
  if (g_recovery_ms) sio_server_opts_set_recovery(o, g_recovery_ms, 1);
  sio_server_opts_set_recovery_max_bytes(o, g_recovery_max_bytes);
  sio_server_opts_set_parser(o, parser);
  sio_eio_opts_t *eo = sio_server_opts_eio(o);
  sio_eio_opts_set_ping_interval(eo, 300);
  sio_eio_opts_set_ping_timeout(eo, 200);
  sio_eio_opts_set_max_http_buffer_size(eo, 1000000);
  sio_eio_opts_set_allow_eio3(eo, g_allow_eio3);
  sio_eio_opts_set_per_message_deflate(eo, deflate);
  sio_server_opts_set_connect_timeout(o, 1000);
  return o;
}

/* The handlers; with workers, the *-later ones keep their timers on worker
 * 0's loop (posted there) and reach their socket by a broadcast. */
static int configure(int workers) {
  int rc;
  sio_namespace_t *main_nsp = sio_server_of(g_server, "/");
  sio_namespace_t *custom = sio_server_of(g_server, "/custom");
  if (!main_nsp || !custom) return SIO_ENOMEM;
  if ((rc = sio_namespace_on_connection(main_nsp, emit_auth, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "message", on_message, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "message-with-ack", on_message_with_ack, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "join", on_join, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "set-data", on_set_data, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "get-data", on_get_data, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "close-transport", on_close_transport, NULL)) ||
      (rc = sio_namespace_on_connection(custom, emit_auth, NULL)))
    return rc;
  (void)workers;
  if ((rc = sio_namespace_on(main_nsp, "emit-later", on_later, &k_kinds[EMIT])) ||
      (rc = sio_namespace_on(main_nsp, "broadcast-later", on_later,
                             &k_kinds[BROADCAST])) ||
      (rc = sio_namespace_on(main_nsp, "room-later", on_later, &k_kinds[ROOM])) ||
      (rc = sio_namespace_on(main_nsp, "volatile-later", on_later, &k_kinds[VOLATILE])) ||
      (rc = sio_namespace_on(main_nsp, "ack-later", on_later, &k_kinds[WITH_ACK])))
    return rc;
  return 0;
}

int conformance_socketio_attach(sio_http_server_t *http, const sio_parser_t *parser,
                                int deflate) {
  sio_server_opts_t *o = make_opts(parser, deflate);
  if (!o) return SIO_ENOMEM;
  int rc = sio_server_attach(http, o, &g_server);
  sio_server_opts_free(o);
  if (rc) return rc;
  if (g_recovery_adapter && (rc = recovery_adapter_install(g_server))) return rc;
  return configure(1);
}

int conformance_socketio_listen(uv_loop_t *loop, const sio_parser_t *parser, int deflate,
                                int http_compression, unsigned workers, int port) {
  sio_server_opts_t *o = make_opts(parser, deflate);
  if (!o) return SIO_ENOMEM;
  sio_http_opts_t *ho = sio_server_opts_http(o);
  int rc = sio_http_opts_set_cors_origins(ho, "*");
  if (rc == 0) sio_http_opts_set_compression(ho, http_compression);
  if (rc == 0) rc = sio_server_opts_set_workers(o, workers);
  if (rc == 0) rc = sio_server_new(loop, o, &g_server);
  sio_server_opts_free(o);
  if (rc) return rc;
  if (g_recovery_adapter && (rc = recovery_adapter_install(g_server))) return rc;
  if ((rc = configure((int)workers))) return rc;
  rc = sio_server_listen(g_server, "127.0.0.1", port);
  return rc ? rc : sio_server_port(g_server);
}

static void closed(sio_server_t *s, void *arg) {
  (void)s;
  (void)arg;
  g_server = NULL;
  if (g_done) g_done(g_done_arg);
}

void conformance_socketio_close(void (*done)(void *arg), void *arg) {
  if (!g_server) {
    if (done) done(arg);
    return;
  }
  g_closing = 1;
  while (g_laters) later_end(g_laters);
  g_done = done;
  g_done_arg = arg;
  sio_server_close(g_server, closed, NULL);
}
