/* The demo's Socket.IO events, one handler each, as in Flask-SocketIO's
 * example application. Every reply is `my_response` {"data": ..., "count": N}
 * where N counts the events this client sent (kept in the socket's session,
 * like Flask's session['receive_count']). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

/* Bounds on what a browser may ask for: room names and rooms per client. */
#define DEMO_ROOM_MAX 64
#define DEMO_ROOMS_PER_CLIENT 16

/* How long disconnect_request waits for the client to confirm the
 * "Disconnected!" message before disconnecting anyway. */
#define DEMO_DISCONNECT_WAIT_MS 5000

/* Binary values echoed in one message (libsio's default attachment limit). */
#define DEMO_MAX_ATTACHMENTS 10

/* ---- helpers ---- */

/* Adds one to the client's receive count and returns the new value. */
static int64_t bump_count(sio_socket_t *sock) {
  int64_t n = 0;
  size_t len = 0;
  const void *v = sio_socket_session_get(sock, "receive_count", &len);
  if (v && len == sizeof n) memcpy(&n, v, sizeof n);
  n++;
  sio_socket_session_set(sock, "receive_count", &n, sizeof n);
  return n;
}

/* The arguments of one `my_response`: {"data": data, "count": count}. data
 * is borrowed (NULL sends null). When data came from a client's message
 * with binary values (argv has attachments), they stay binary: jansson
 * holds them as {"_placeholder":true,"num":k} objects, which are sent with
 * the received attachments. NULL if out of memory or invalid. */
static sio_args_t *response_args(json_t *data, int64_t count, const sio_argv_t *argv) {
  json_t *obj = json_object();
  sio_args_t *args = sio_args_new();
  char *text = NULL;
  if (!obj || !args) goto fail;
  if (json_object_set(obj, "data", data ? data : json_null()) != 0 ||
      json_object_set_new(obj, "count", json_integer(count)) != 0)
    goto fail;
  size_t nbin = argv ? sio_argv_attachments_count(argv) : 0;
  if (nbin == 0) {
    if (sio_args_add_json(args, obj) != 0) goto fail;
  } else {
    sio_buf_t bins[DEMO_MAX_ATTACHMENTS];
    if (nbin > DEMO_MAX_ATTACHMENTS) goto fail;
    for (size_t k = 0; k < nbin; k++)
      if (sio_argv_attachment(argv, k, &bins[k]) != 0) goto fail;
    text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text || sio_args_add_raw_binary(args, text, strlen(text), bins, nbin) != 0)
      goto fail;
    free(text);
  }
  json_decref(obj);
  return args;
fail:
  free(text);
  json_decref(obj);
  sio_args_free(args);
  return NULL;
}

static sio_args_t *response_text(const char *text, int64_t count) {
  json_t *s = json_string(text);
  sio_args_t *args = s ? response_args(s, count, NULL) : NULL;
  json_decref(s);
  return args;
}

/* Emits `my_response` with a text to this client only. */
static void say(sio_socket_t *sock, const char *text, int64_t count) {
  sio_args_t *args = response_text(text, count);
  if (args) sio_socket_emit(sock, "my_response", args);
  sio_args_free(args);
}

/* The first argument as a JSON object (new reference), or NULL when the
 * client sent something else. */
static json_t *message_of(const sio_argv_t *args) {
  json_t *msg = sio_argv_json(args, 0);
  if (msg && !json_is_object(msg)) {
    json_decref(msg);
    msg = NULL;
  }
  return msg;
}

/* message.room when it is a usable room name, else NULL (borrowed from msg). */
static const char *room_of(json_t *msg) {
  const char *room = msg ? json_string_value(json_object_get(msg, "room")) : NULL;
  if (!room) return NULL;
  size_t n = strlen(room);
  if (n == 0 || n > DEMO_ROOM_MAX) return NULL;
  return room;
}

/* "In rooms: a, b, c" for the rooms the socket is in. */
static void say_rooms(sio_socket_t *sock, int64_t count) {
  size_t n = sio_socket_rooms_count(sock);
  size_t total = sizeof "In rooms: ";
  for (size_t i = 0; i < n; i++) total += strlen(sio_socket_room(sock, i)) + 2;
  char *text = malloc(total);
  if (!text) return;
  size_t at = (size_t)snprintf(text, total, "In rooms: ");
  for (size_t i = 0; i < n; i++)
    at += (size_t)snprintf(text + at, total - at, "%s%s", i ? ", " : "",
                           sio_socket_room(sock, i));
  say(sock, text, count);
  free(text);
}

/* ---- events ---- */

/* my_event {data}: echo to the sender. With an ack (python-socketio's call())
 * the same object is the acknowledgement's argument too. */
static void on_my_event(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                        sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  sio_args_t *args =
      response_args(msg ? json_object_get(msg, "data") : NULL, bump_count(sock), argv);
  if (args) {
    sio_socket_emit(sock, "my_response", args);
    if (ack) sio_ack_send(ack, args);
  }
  sio_args_free(args);
  json_decref(msg);
}

/* my_broadcast_event {data}: to every client, the sender included. */
static void on_my_broadcast_event(sio_socket_t *sock, const char *event,
                                  const sio_argv_t *argv, sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  sio_args_t *args =
      response_args(msg ? json_object_get(msg, "data") : NULL, bump_count(sock), argv);
  if (args)
    sio_broadcast_emit(sio_namespace_broadcast(sio_socket_namespace(sock)), "my_response",
                       args);
  sio_args_free(args);
  json_decref(msg);
}

static void on_join(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                    sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  const char *room = room_of(msg);
  int64_t count = bump_count(sock);
  if (!room)
    say(sock, "join: give a room name of 1 to 64 bytes", count);
  else if (!sio_socket_in_room(sock, room) &&
           sio_socket_rooms_count(sock) > DEMO_ROOMS_PER_CLIENT)
    say(sock, "join: too many rooms; leave one first", count);
  else if (sio_socket_join(sock, room) == 0)
    say_rooms(sock, count);
  json_decref(msg);
}

static void on_leave(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                     sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  const char *room = room_of(msg);
  int64_t count = bump_count(sock);
  if (!room)
    say(sock, "leave: give a room name", count);
  else if (strcmp(room, sio_socket_id(sock)) == 0)
    say(sock, "leave: every client stays in its own room", count);
  else if (sio_socket_leave(sock, room) == 0)
    say_rooms(sock, count);
  json_decref(msg);
}

/* Everyone in the room hears it closes, then leaves it. */
static void close_room(sio_socket_t *sock, const char *room, int64_t count) {
  sio_namespace_t *nsp = sio_socket_namespace(sock);
  char text[DEMO_ROOM_MAX + 32];
  snprintf(text, sizeof text, "Room %s is closing.", room);
  sio_args_t *args = response_text(text, count);
  if (args)
    sio_broadcast_emit(sio_broadcast_to(sio_namespace_broadcast(nsp), room),
                       "my_response", args);
  sio_args_free(args);
  sio_broadcast_sockets_leave(sio_broadcast_to(sio_namespace_broadcast(nsp), room), room);
}

/* A close_room waiting for the sockets of every worker in the room; one at
 * a time per client (the socket's data pointer holds it meanwhile), so a
 * client cannot pile fetches up. */
typedef struct {
  sio_socket_t *sock; /* referenced */
  int64_t count;
  char room[DEMO_ROOM_MAX + 1];
} pending_close_t;

/* The room's sockets, from every worker: close it unless it is a client's
 * own room (named after its id). Runs on the asking socket's worker. */
static void on_room_fetched(int status, size_t n, sio_remote_socket_t *const *sockets,
                            void *arg) {
  pending_close_t *pc = arg;
  int own = 0;
  for (size_t i = 0; i < n && !own; i++)
    own = strcmp(sio_remote_socket_id(sockets[i]), pc->room) == 0;
  if (status != 0 && status != SIO_ETIMEDOUT) {
    /* The server is closing: nothing to answer. */
  } else if (own) {
    say(pc->sock, "close_room: a client's own room cannot be closed", pc->count);
  } else if (sio_socket_connected(pc->sock)) {
    close_room(pc->sock, pc->room, pc->count);
  }
  sio_socket_set_data(pc->sock, NULL);
  sio_socket_unref(pc->sock);
  free(pc);
}

/* close_room {room}: everyone in the room hears it closes, then leaves it;
 * never a client's own room. This worker's sockets are looked up at once;
 * with workers, another worker's client may own that room: the room's
 * sockets are fetched from every worker first. */
static void on_close_room(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                          sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  const char *room = room_of(msg);
  int64_t count = bump_count(sock);
  sio_namespace_t *nsp = sio_socket_namespace(sock);
  if (!room) {
    say(sock, "close_room: give a room name", count);
  } else if (sio_namespace_socket(nsp, room)) {
    say(sock, "close_room: a client's own room cannot be closed", count);
  } else if (sio_server_workers(sio_socket_server(sock)) > 1) {
    pending_close_t *pc = sio_socket_get_data(sock) ? NULL : calloc(1, sizeof *pc);
    if (!pc) {
      say(sock, "close_room: busy with the previous one; try again", count);
    } else {
      pc->sock = sio_socket_ref(sock);
      pc->count = count;
      snprintf(pc->room, sizeof pc->room, "%s", room);
      sio_socket_set_data(sock, pc);
      if (sio_broadcast_fetch_sockets(
              sio_broadcast_to(sio_namespace_broadcast(nsp), room), on_room_fetched,
              pc) != 0) {
        sio_socket_set_data(sock, NULL);
        sio_socket_unref(pc->sock);
        free(pc);
      }
    }
  } else {
    close_room(sock, room, count);
  }
  json_decref(msg);
}

/* my_room_event {room, data}: to everyone in the room, the sender included
 * if it joined. */
static void on_my_room_event(sio_socket_t *sock, const char *event,
                             const sio_argv_t *argv, sio_ack_t *ack, void *arg) {
  json_t *msg = message_of(argv);
  const char *room = room_of(msg);
  int64_t count = bump_count(sock);
  if (!room) {
    say(sock, "my_room_event: give a room name", count);
  } else {
    sio_args_t *args = response_args(json_object_get(msg, "data"), count, argv);
    if (args)
      sio_broadcast_emit(
          sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)), room),
          "my_response", args);
    sio_args_free(args);
  }
  json_decref(msg);
}

/* The client confirmed "Disconnected!" (or did not in time): now go. */
static void on_goodbye_acked(sio_socket_t *sock, int status, const sio_argv_t *reply,
                             void *arg) {
  if (status != SIO_ECANCELED) sio_socket_disconnect(sock, 0);
}

/* disconnect_request: says goodbye with an acknowledgement, and disconnects
 * once the client has it (Flask's emit(..., callback=can_disconnect)). */
static void on_disconnect_request(sio_socket_t *sock, const char *event,
                                  const sio_argv_t *argv, sio_ack_t *ack, void *arg) {
  sio_args_t *args = response_text("Disconnected!", bump_count(sock));
  if (!args ||
      sio_socket_emit_with_ack(sock, "my_response", args, DEMO_DISCONNECT_WAIT_MS,
                               on_goodbye_acked, NULL) != 0)
    sio_socket_disconnect(sock, 0);
  sio_args_free(args);
}

/* my_ping: the page measures the round trip of this acknowledgement. A
 * client that asks for no ack gets a `my_pong` event instead. */
static void on_my_ping(sio_socket_t *sock, const char *event, const sio_argv_t *argv,
                       sio_ack_t *ack, void *arg) {
  if (ack)
    sio_ack_send(ack, NULL);
  else
    sio_socket_emit(sock, "my_pong", NULL);
}

static void on_connection(sio_socket_t *sock, void *arg) {
  const sio_server_t *w = sio_socket_server(sock);
  char where[32] = "";
  if (sio_server_workers(w) > 1)
    snprintf(where, sizeof where, " on worker %u", sio_server_worker(w));
  printf("demo: client %s connected from %s over %s%s\n", sio_socket_id(sock),
         sio_socket_address(sock), sio_socket_transport(sock), where);
  fflush(stdout);
  say(sock, "Connected", 0);
}

static void on_disconnect(sio_socket_t *sock, const char *reason, void *arg) {
  printf("demo: client %s disconnected (%s)\n", sio_socket_id(sock), reason);
  fflush(stdout);
}

/* ---- the background event (posted by ticker.c, runs on worker 0) ---- */

void demo_events_tick(demo_app_t *app) {
  if (app->stopping) return;
  app->ticks++;
  sio_args_t *args = response_text("Server generated event", (int64_t)app->ticks);
  if (args) sio_broadcast_emit(sio_namespace_broadcast(app->nsp), "my_response", args);
  sio_args_free(args);
}

int demo_events_register(demo_app_t *app, sio_namespace_t *nsp) {
  static const struct {
    const char *name;
    sio_event_cb cb;
  } events[] = {
      {"my_event", on_my_event},
      {"my_broadcast_event", on_my_broadcast_event},
      {"join", on_join},
      {"leave", on_leave},
      {"close_room", on_close_room},
      {"my_room_event", on_my_room_event},
      {"disconnect_request", on_disconnect_request},
      {"my_ping", on_my_ping},
  };
  int rc = sio_namespace_on_connection(nsp, on_connection, app);
  if (rc == 0) rc = sio_namespace_on_disconnect(nsp, on_disconnect, app);
  for (size_t i = 0; rc == 0 && i < sizeof events / sizeof events[0]; i++)
    rc = sio_namespace_on(nsp, events[i].name, events[i].cb, app);
  return rc;
}
