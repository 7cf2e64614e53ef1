/* Unit tests for the in-process test client (sio/test_client.h), each
 * against a server on a loop that never runs while the client works (so
 * nothing is delivered by a timer or a socket):
 * - connect with auth, query and headers: middlewares and connection
 *   handlers read them through the ordinary handshake accessors; refusals by
 *   a middleware and by an unknown namespace; a middleware completing later;
 * - emit without and with an ack (the reply returned, also when the handler
 *   answers later), binary arguments both ways, the key-value session;
 * - what the server sends, per namespace: direct emits, broadcasts, room
 *   emits and exceptions, the server's own acks answered by the test;
 * - disconnect from either side: the client leaving a namespace, the
 *   server disconnecting one socket or the whole connection, the server
 *   closing (the client outlives it);
 * - the received queue's bound: one event too many closes the connection,
 *   volatile packets are dropped while it is full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/server.h"
#include "sio/test_client.h"

typedef struct {
  uv_loop_t loop;
  sio_server_t *srv;
  sio_namespace_t *root, *chat;
  int closed;
  /* what the handlers saw */
  char auth[128], token[64], header[64], query[128], url[128], address[64];
  char transport[16], second_header[64], reason[64], sid[32];
  int connections, mw_runs, disconnects;
  sio_next_t *held_next;
  sio_ack_t *held_ack;
  sio_socket_t *last;
  int ack_status;
  char ack_reply[64];
} fx_t;

static void on_closed(sio_server_t *s, void *arg) {
  (void)s;
  ((fx_t *)arg)->closed = 1;
}

static void fx_open(fx_t *f) {
  memset(f, 0, sizeof(*f));
  assert_int_equal(uv_loop_init(&f->loop), 0);
  assert_int_equal(sio_server_new(&f->loop, NULL, &f->srv), 0);
  f->root = sio_server_of(f->srv, "/");
  f->chat = sio_server_of(f->srv, "/chat");
}

/* Closes the server and checks that no handle is left. */
static void fx_close(fx_t *f) {
  sio_server_close(f->srv, on_closed, f);
  assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
  assert_true(f->closed);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static sio_args_t *args_str(const char *s) {
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, s);
  return a;
}

/* The event's string argument i, or "" */
static const char *ev_str(const sio_test_event_t *ev, size_t i) {
  const char *s = sio_argv_string(sio_test_event_args(ev), i, NULL);
  return s ? s : "";
}

/* ---- connect: auth, query, headers ---- */

static void copy(char *dst, size_t cap, const char *s, size_t len) {
  snprintf(dst, cap, "%.*s", (int)len, s ? s : "");
}

static void read_handshake_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  fx_t *f = arg;
  f->mw_runs++;
  sio_buf_t b;
  sio_socket_auth(sock, &b);
  copy(f->auth, sizeof(f->auth), (const char *)b.base, b.len);
  size_t len;
  const char *h = sio_socket_header(sock, "x-api-key", &len);
  copy(f->header, sizeof(f->header), h, len);
  if (sio_socket_query_get(sock, "token", f->token, sizeof(f->token)) < 0)
    f->token[0] = 0;
  if (strcmp(f->token, "let me in") != 0) {
    sio_next(next, "bad token", "{\"code\":401}");
    return;
  }
  sio_next(next, NULL, NULL);
}

static void read_handshake_conn(sio_socket_t *sock, void *arg) {
  fx_t *f = arg;
  f->connections++;
  size_t len;
  const char *q = sio_socket_query(sock, &len);
  copy(f->query, sizeof(f->query), q, len);
  q = sio_socket_url(sock, &len);
  copy(f->url, sizeof(f->url), q, len);
  snprintf(f->address, sizeof(f->address), "%s", sio_socket_address(sock));
  snprintf(f->transport, sizeof(f->transport), "%s", sio_socket_transport(sock));
  snprintf(f->sid, sizeof(f->sid), "%s", sio_socket_id(sock));
  sio_buf_t n, v;
  if (sio_socket_header_at(sock, 1, &n, &v) == 0)
    snprintf(f->second_header, sizeof(f->second_header), "%.*s: %.*s", (int)n.len,
             (const char *)n.base, (int)v.len, (const char *)v.base);
  assert_int_equal(sio_socket_header_at(sock, 2, &n, &v), SIO_ENOENT);
  assert_null(sio_socket_eio(sock));
  assert_true(sio_socket_issued(sock) > 0);
}

static void test_connect_handshake(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_use(f.root, read_handshake_mw, &f), 0);
  assert_int_equal(sio_namespace_on_connection(f.root, read_handshake_conn, &f), 0);

  sio_test_client_opts_t *o = sio_test_client_opts_new();
  assert_int_equal(sio_test_client_opts_add_header(o, "X-Api-Key", "k1"), 0);
  assert_int_equal(sio_test_client_opts_add_header(o, "User-Agent", "cmocka"), 0);
  assert_int_equal(sio_test_client_opts_add_header(o, "Bad", "a\r\nb"), SIO_EINVAL);
  assert_int_equal(sio_test_client_opts_set_query(o, "token=let%20me+in&x=1"), 0);
  assert_int_equal(sio_test_client_opts_set_address(o, "10.0.0.7"), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, o, &tc), 0);
  sio_test_client_opts_free(o);

  assert_int_equal(sio_test_client_connect(tc, "/", "{ \"user\" : \"ann\" }"), 0);
  assert_true(sio_test_client_is_connected(tc, "/"));
  assert_int_equal(f.mw_runs, 1);
  assert_int_equal(f.connections, 1);
  assert_string_equal(f.auth, "{\"user\":\"ann\"}");
  assert_string_equal(f.header, "k1");
  assert_string_equal(f.token, "let me in");
  assert_string_equal(f.query, "EIO=4&transport=test&token=let%20me+in&x=1");
  assert_string_equal(f.url, "/socket.io/?EIO=4&transport=test&token=let%20me+in&x=1");
  assert_string_equal(f.address, "10.0.0.7");
  assert_string_equal(f.transport, "test");
  assert_string_equal(f.second_header, "User-Agent: cmocka");
  assert_string_equal(sio_test_client_sid(tc, "/"), f.sid);
  assert_int_equal(sio_namespace_sockets_count(f.root), 1);
  /* Twice on one namespace is refused here, as the server would close the
   * connection for it. */
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), SIO_EEXIST);
  assert_int_equal(sio_test_client_connect(tc, "/x", "[1]"), SIO_EINVAL);
  assert_int_equal(sio_test_client_connect(tc, "nope", NULL), SIO_EINVAL);
  sio_test_client_free(tc);
  assert_int_equal(sio_namespace_sockets_count(f.root), 0);
  fx_close(&f);
}

static void test_connect_refused(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_use(f.root, read_handshake_mw, &f), 0);
  assert_int_equal(sio_namespace_on_connection(f.root, read_handshake_conn, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  /* Without the token query parameter the middleware refuses. */
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), SIO_EACCES);
  assert_false(sio_test_client_is_connected(tc, "/"));
  assert_string_equal(f.auth, "{}");
  assert_string_equal(sio_test_client_connect_error(tc, "/"),
                      "{\"message\":\"bad token\",\"data\":{\"code\":401}}");
  assert_int_equal(f.connections, 0);
  /* No namespace of that name. */
  assert_int_equal(sio_test_client_connect(tc, "/nowhere", NULL), SIO_EACCES);
  assert_string_equal(sio_test_client_connect_error(tc, "/nowhere"),
                      "{\"message\":\"Invalid namespace\"}");
  /* The connection stays: another namespace works. */
  assert_int_equal(sio_test_client_connect(tc, "/chat", NULL), 0);
  assert_null(sio_test_client_connect_error(tc, "/chat"));
  sio_test_client_free(tc);
  fx_close(&f);
}

static void hold_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)sock;
  ((fx_t *)arg)->held_next = next;
}

static void count_conn(sio_socket_t *sock, void *arg) {
  fx_t *f = arg;
  f->connections++;
  f->last = sock;
}

static void test_connect_async_middleware(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_use(f.chat, hold_mw, &f), 0);
  assert_int_equal(sio_namespace_on_connection(f.chat, count_conn, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/chat", NULL), SIO_EAGAIN);
  assert_false(sio_test_client_is_connected(tc, "/chat"));
  assert_int_equal(sio_test_client_emit(tc, "/chat", "early", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_test_client_connect(tc, "/chat", NULL), SIO_EEXIST);
  assert_non_null(f.held_next);
  assert_int_equal(sio_next(f.held_next, NULL, NULL), 0);
  assert_true(sio_test_client_is_connected(tc, "/chat"));
  assert_int_equal(f.connections, 1);
  sio_test_client_free(tc);
  fx_close(&f);
}

/* ---- events and acks ---- */

static void echo_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)event, (void)arg;
  sio_args_t *a = sio_args_new();
  sio_args_add_argv(a, av);
  if (ack)
    sio_ack_send(ack, a);
  else
    sio_socket_emit(sock, "echo", a);
  sio_args_free(a);
}

static void hold_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av;
  ((fx_t *)arg)->held_ack = sio_ack_hold(ack);
}

static void remember_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                       sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  size_t len;
  const char *s = sio_argv_string(av, 0, &len);
  sio_socket_session_set(sock, "name", s, len);
}

static void whoami_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)event, (void)av, (void)arg;
  const char *name = sio_socket_session_get(sock, "name", NULL);
  sio_args_t *a = args_str(name ? name : "?");
  sio_ack_send(ack, a);
  sio_args_free(a);
}

static void test_emit_and_acks(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on(f.root, "echo", echo_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "later", hold_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "remember", remember_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "whoami", whoami_h, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_emit(tc, "/", "echo", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);

  /* Without an ack: the handler's emit comes back, binary included. */
  sio_args_t *a = args_str("hi");
  sio_args_add_int(a, 42);
  sio_args_add_binary(a, "\x00\x01\x02", 3);
  assert_int_equal(sio_test_client_emit(tc, "/", "echo", a), 0);
  assert_int_equal(sio_test_client_received_count(tc, "/"), 1);
  sio_test_event_t *ev = sio_test_client_next(tc, "/");
  assert_non_null(ev);
  assert_string_equal(sio_test_event_name(ev), "echo");
  assert_string_equal(sio_test_event_namespace(ev), "/");
  assert_false(sio_test_event_wants_ack(ev));
  const sio_argv_t *av = sio_test_event_args(ev);
  assert_int_equal(sio_argv_count(av), 3);
  assert_string_equal(ev_str(ev, 0), "hi");
  int64_t n;
  assert_int_equal(sio_argv_int64(av, 1, &n), 0);
  assert_int_equal(n, 42);
  sio_buf_t bin;
  assert_int_equal(sio_argv_binary(av, 2, &bin), 0);
  assert_int_equal(bin.len, 3);
  assert_memory_equal(bin.base, "\x00\x01\x02", 3);
  sio_test_event_free(ev);
  assert_null(sio_test_client_next(tc, "/"));

  /* With an ack answered inside the handler: the reply is returned. */
  sio_test_event_t *reply = NULL;
  uint64_t id;
  assert_int_equal(sio_test_client_emit_with_ack(tc, "/", "echo", a, &id, &reply), 0);
  assert_non_null(reply);
  assert_null(sio_test_event_name(reply));
  assert_int_equal(sio_argv_count(sio_test_event_args(reply)), 3);
  assert_string_equal(ev_str(reply, 0), "hi");
  assert_int_equal(sio_argv_binary(sio_test_event_args(reply), 2, &bin), 0);
  assert_int_equal(bin.len, 3);
  sio_test_event_free(reply);
  assert_int_equal(sio_test_client_received_count(tc, NULL), 0);
  sio_args_free(a);

  /* A handler holding the ack answers later: the reply waits under its id. */
  assert_int_equal(sio_test_client_emit_with_ack(tc, "/", "later", NULL, &id, &reply), 0);
  assert_null(reply);
  assert_null(sio_test_client_take_ack(tc, id));
  assert_non_null(f.held_ack);
  a = args_str("done");
  assert_int_equal(sio_ack_send(f.held_ack, a), 0);
  sio_args_free(a);
  reply = sio_test_client_take_ack(tc, id);
  assert_non_null(reply);
  assert_string_equal(ev_str(reply, 0), "done");
  sio_test_event_free(reply);
  assert_null(sio_test_client_take_ack(tc, id));

  /* The key-value session lives across events of the socket. */
  a = args_str("ann");
  assert_int_equal(sio_test_client_emit(tc, "/", "remember", a), 0);
  sio_args_free(a);
  assert_int_equal(sio_test_client_emit_with_ack(tc, "/", "whoami", NULL, NULL, &reply),
                   0);
  assert_string_equal(ev_str(reply, 0), "ann");
  sio_test_event_free(reply);

  /* Reserved names are refused before anything is sent. */
  assert_int_equal(sio_test_client_emit(tc, "/", "disconnect", NULL), SIO_EINVAL);
  assert_true(sio_test_client_is_connected(tc, "/"));
  sio_test_client_free(tc);
  fx_close(&f);
}

static void server_ack_cb(sio_socket_t *sock, int status, const sio_argv_t *reply,
                          void *arg) {
  (void)sock;
  fx_t *f = arg;
  f->ack_status = status;
  const char *s = reply ? sio_argv_string(reply, 0, NULL) : NULL;
  snprintf(f->ack_reply, sizeof(f->ack_reply), "%s", s ? s : "(none)");
}

static void test_server_ack_answered(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on_connection(f.root, count_conn, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  f.ack_status = 1;
  sio_args_t *a = args_str("question");
  assert_int_equal(sio_socket_emit_with_ack(f.last, "ask", a, 0, server_ack_cb, &f), 0);
  sio_args_free(a);
  sio_test_event_t *ev = sio_test_client_next(tc, NULL);
  assert_string_equal(sio_test_event_name(ev), "ask");
  assert_true(sio_test_event_wants_ack(ev));
  a = args_str("answer");
  assert_int_equal(sio_test_client_ack(tc, ev, a), 0);
  assert_int_equal(f.ack_status, 0);
  assert_string_equal(f.ack_reply, "answer");
  assert_int_equal(sio_test_client_ack(tc, ev, a), SIO_EEXIST);
  sio_args_free(a);
  sio_test_event_free(ev);
  /* An event that wants no ack cannot be answered. */
  assert_int_equal(sio_socket_emit(f.last, "plain", NULL), 0);
  ev = sio_test_client_next(tc, "/");
  assert_int_equal(sio_test_client_ack(tc, ev, NULL), SIO_EINVAL);
  sio_test_event_free(ev);
  sio_test_client_free(tc);
  fx_close(&f);
}

/* ---- broadcasts and rooms ---- */

static void join_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  sio_socket_join(sock, sio_argv_string(av, 0, NULL));
}

static void to_room_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                      sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  b = sio_broadcast_to(b, sio_argv_string(av, 0, NULL));
  sio_args_t *a = args_str(sio_socket_id(sock));
  sio_broadcast_emit(b, "room_message", a);
  sio_args_free(a);
}

static void others_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg, (void)av;
  sio_broadcast_emit(sio_socket_broadcast(sock), "others", NULL);
}

static void test_broadcasts_and_rooms(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on(f.root, "join", join_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "to_room", to_room_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "others", others_h, &f), 0);
  sio_test_client_t *a, *b, *c;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &a), 0);
  assert_int_equal(sio_test_client_new(f.srv, NULL, &b), 0);
  assert_int_equal(sio_test_client_new(f.srv, NULL, &c), 0);
  assert_int_equal(sio_test_client_connect(a, "/", NULL), 0);
  assert_int_equal(sio_test_client_connect(b, "/", NULL), 0);
  assert_int_equal(sio_test_client_connect(c, "/", NULL), 0);
  assert_int_equal(sio_test_client_connect(c, "/chat", NULL), 0);

  /* A namespace-wide broadcast reaches every client on that namespace. */
  sio_args_t *args = args_str("all");
  assert_int_equal(sio_broadcast_emit(sio_namespace_broadcast(f.chat), "news", args), 1);
  assert_int_equal(sio_broadcast_emit(sio_namespace_broadcast(f.root), "news", args), 3);
  sio_args_free(args);
  assert_int_equal(sio_test_client_received_count(a, "/"), 1);
  assert_int_equal(sio_test_client_received_count(c, "/"), 1);
  assert_int_equal(sio_test_client_received_count(c, "/chat"), 1);
  assert_int_equal(sio_test_client_received_count(c, NULL), 2);
  /* Taken per namespace, in order. */
  sio_test_event_t *ev = sio_test_client_next(c, "/chat");
  assert_string_equal(sio_test_event_namespace(ev), "/chat");
  assert_string_equal(ev_str(ev, 0), "all");
  sio_test_event_free(ev);
  sio_test_client_clear(a, NULL);
  sio_test_client_clear(b, "/");
  sio_test_client_clear(c, NULL);
  assert_int_equal(sio_test_client_received_count(c, NULL), 0);

  /* Room emits reach the members only (the sender included, as io.to). */
  args = args_str("lobby");
  assert_int_equal(sio_test_client_emit(a, "/", "join", args), 0);
  assert_int_equal(sio_test_client_emit(b, "/", "join", args), 0);
  assert_int_equal(sio_test_client_emit(a, "/", "to_room", args), 0);
  sio_args_free(args);
  ev = sio_test_client_next(b, "/");
  assert_non_null(ev);
  assert_string_equal(sio_test_event_name(ev), "room_message");
  assert_string_equal(ev_str(ev, 0), sio_test_client_sid(a, "/"));
  sio_test_event_free(ev);
  assert_int_equal(sio_test_client_received_count(a, "/"), 1);
  assert_int_equal(sio_test_client_received_count(c, NULL), 0);
  sio_test_client_clear(a, NULL);

  /* socket.broadcast: everyone but the sender. */
  assert_int_equal(sio_test_client_emit(b, "/", "others", NULL), 0);
  assert_int_equal(sio_test_client_received_count(a, "/"), 1);
  assert_int_equal(sio_test_client_received_count(b, "/"), 0);
  assert_int_equal(sio_test_client_received_count(c, "/"), 1);

  sio_test_client_free(a);
  sio_test_client_free(b);
  sio_test_client_free(c);
  fx_close(&f);
}

/* ---- disconnects ---- */

static void disc_h(sio_socket_t *sock, const char *reason, void *arg) {
  (void)sock;
  fx_t *f = arg;
  f->disconnects++;
  snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

static void kick_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  int whole = 0;
  sio_argv_bool(av, 0, &whole);
  sio_socket_disconnect(sock, whole);
}

static void test_disconnects(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on_disconnect(f.root, disc_h, &f), 0);
  assert_int_equal(sio_namespace_on_disconnect(f.chat, disc_h, &f), 0);
  assert_int_equal(sio_namespace_on(f.root, "kick", kick_h, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_null(sio_test_client_disconnect_reason(tc, "/"));

  /* The client leaves one namespace: the other stays. */
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  assert_int_equal(sio_test_client_connect(tc, "/chat", NULL), 0);
  assert_int_equal(sio_test_client_disconnect(tc, "/chat"), 0);
  assert_int_equal(f.disconnects, 1);
  assert_string_equal(f.reason, "client namespace disconnect");
  assert_false(sio_test_client_is_connected(tc, "/chat"));
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/chat"),
                      "io client disconnect");
  assert_true(sio_test_client_is_connected(tc, "/"));
  assert_int_equal(sio_test_client_disconnect(tc, "/chat"), SIO_ENOTCONN);

  /* The server disconnects one socket: the client sees its DISCONNECT. */
  assert_int_equal(sio_test_client_connect(tc, "/chat", NULL), 0);
  sio_args_t *no = sio_args_new();
  sio_args_add_bool(no, 0);
  assert_int_equal(sio_test_client_emit(tc, "/", "kick", no), 0);
  sio_args_free(no);
  assert_int_equal(f.disconnects, 2);
  assert_string_equal(f.reason, "server namespace disconnect");
  assert_false(sio_test_client_is_connected(tc, "/"));
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/"), "io server disconnect");
  assert_true(sio_test_client_is_connected(tc, "/chat"));

  /* The server closes the whole connection: every namespace goes. */
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  sio_args_t *yes = sio_args_new();
  sio_args_add_bool(yes, 1);
  assert_int_equal(sio_test_client_emit(tc, "/", "kick", yes), 0);
  sio_args_free(yes);
  assert_int_equal(f.disconnects, 4);
  assert_false(sio_test_client_is_connected(tc, "/"));
  assert_false(sio_test_client_is_connected(tc, "/chat"));
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/"), "io server disconnect");
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/chat"),
                      "io server disconnect");
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_namespace_sockets_count(f.root), 0);
  sio_test_client_free(tc);

  /* The client closing its connection: "transport close" on the server. */
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  sio_test_client_free(tc);
  assert_int_equal(f.disconnects, 5);
  assert_string_equal(f.reason, "transport close");
  fx_close(&f);
}

static void test_server_close_outlived(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on_disconnect(f.root, disc_h, &f), 0);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  sio_test_event_t *kept = NULL;
  sio_socket_t *sock = sio_namespace_socket(f.root, sio_test_client_sid(tc, "/"));
  assert_non_null(sock);
  assert_int_equal(sio_socket_emit(sock, "bye", NULL), 0);
  kept = sio_test_client_next(tc, "/");
  fx_close(&f);
  assert_string_equal(f.reason, "server shutting down");
  assert_false(sio_test_client_is_connected(tc, "/"));
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/"), "transport close");
  assert_int_equal(sio_test_client_emit(tc, "/", "x", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), SIO_ENOTCONN);
  sio_test_client_free(tc);
  /* An event taken out of the client outlives it. */
  assert_string_equal(sio_test_event_name(kept), "bye");
  sio_test_event_free(kept);
}

/* ---- the received queue's bound ---- */

static void test_received_bound(void **state) {
  (void)state;
  fx_t f;
  fx_open(&f);
  assert_int_equal(sio_namespace_on_disconnect(f.root, disc_h, &f), 0);
  assert_int_equal(sio_namespace_on_connection(f.root, count_conn, &f), 0);
  sio_test_client_opts_t *o = sio_test_client_opts_new();
  sio_test_client_opts_set_max_received(o, 2);
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(f.srv, o, &tc), 0);
  sio_test_client_opts_free(o);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  assert_int_equal(sio_socket_emit(f.last, "one", NULL), 0);
  assert_int_equal(sio_socket_emit(f.last, "two", NULL), 0);
  /* Full: a volatile packet is dropped, the connection stays. */
  assert_int_equal(sio_socket_emit_volatile(f.last, "dropped", NULL), 0);
  assert_int_equal(sio_test_client_received_count(tc, "/"), 2);
  assert_true(sio_test_client_is_connected(tc, "/"));
  /* Taking one makes room. */
  sio_test_event_free(sio_test_client_next(tc, "/"));
  assert_int_equal(sio_socket_emit(f.last, "three", NULL), 0);
  /* One more than the bound closes the connection, as an overflowing
   * Engine.IO write buffer does. */
  assert_int_equal(sio_socket_emit(f.last, "four", NULL), SIO_ELIMIT);
  assert_string_equal(f.reason, "transport error");
  assert_false(sio_test_client_is_connected(tc, "/"));
  assert_string_equal(sio_test_client_disconnect_reason(tc, "/"), "transport error");
  /* What was queued before stays readable. */
  sio_test_event_t *ev = sio_test_client_next(tc, "/");
  assert_string_equal(sio_test_event_name(ev), "two");
  sio_test_event_free(ev);
  ev = sio_test_client_next(tc, "/");
  assert_string_equal(sio_test_event_name(ev), "three");
  sio_test_event_free(ev);
  assert_null(sio_test_client_next(tc, "/"));
  sio_test_client_free(tc);
  fx_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_connect_handshake),
      cmocka_unit_test(test_connect_refused),
      cmocka_unit_test(test_connect_async_middleware),
      cmocka_unit_test(test_emit_and_acks),
      cmocka_unit_test(test_server_ack_answered),
      cmocka_unit_test(test_broadcasts_and_rooms),
      cmocka_unit_test(test_disconnects),
      cmocka_unit_test(test_server_close_outlived),
      cmocka_unit_test(test_received_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
