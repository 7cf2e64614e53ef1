/* The "basic" scenario: the whole asynchronous API over one session, as a
 * list of steps run in order on one shared state. */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "scenarios.h"

/* A named handler: counts its calls and whether the catch-all (which logs
 * into the sockstate) already saw the event, as catch-alls run first. */
typedef struct {
  sockstate_t *st;
  int calls, order_ok, seen;
} named_t;

/* Everything the steps share. The socket states live as long as the
 * client, as its sockets report into them until it is closed. */
typedef struct {
  const char *url;
  sio_transport_mode_t mode;
  sio_client_t *c;
  mgrstate_t m;
  sio_client_socket_t *root, *custom;
  sockstate_t st, custom_st, private_st, invalid_st;
  named_t named;
  char sid[64]; /* the session id of the first session */
} basic_t;

/* The same three arguments are sent by the echo and the ack steps. */
static sio_args_t *three_args(void) {
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "hello");
  sio_args_add_int(a, 42);
  sio_args_add_raw(a, "{\"a\":[1,2.5,true]}", 18);
  return a;
}

/* ---- handlers ---- */

/* The server asks us for an ack: answer ["pong", <09 08>]; a second answer
 * must be refused (an ack is sent at most once). */
static int second_ack_rc;
static void on_ping_me(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                       sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)av, (void)arg;
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "pong");
  sio_args_add_binary(a, "\x09\x08", 2);
  sio_client_ack_send(ack, a);
  second_ack_rc = sio_client_ack_send(ack, a);
  sio_args_free(a);
}

/* The server asks for an ack we answer later (sio_client_ack_hold). */
static sio_client_ack_t *held_ack;
static void on_hold_me(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                       sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)av, (void)arg;
  if (ack) held_ack = sio_client_ack_hold(ack);
}

static int ack_held(void *arg) {
  (void)arg;
  return held_ack != NULL;
}

static void on_named_echo(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                          sio_client_ack_t *ack, void *arg) {
  (void)s, (void)av, (void)ack;
  named_t *n = arg;
  if (n->calls++ == 0) n->order_ok = 1;
  if (n->st->events <= n->seen || strcmp(n->st->last_event, event) != 0) n->order_ok = 0;
  n->seen = n->st->events;
}

/* ---- steps ---- */

/* Connects "/" with auth, query and a header; an emit made before the
 * connection is buffered and sent after the CONNECT reply. */
static int step_connect(basic_t *b) {
  sio_client_opts_t *o = new_opts(b->mode);
  sio_client_opts_set_timeout(o, 3000);
  sio_client_opts_add_query(o, "foo", "bar baz");
  sio_client_opts_add_header(o, "X-Test", "yes");
  b->c = new_watched_client(b->url, o, &b->m, &b->st, &b->root);
  if (!b->c) return 1;
  sio_client_socket_t *s = b->root;
  sio_client_socket_on(s, "ping-me", on_ping_me, NULL);
  sio_client_socket_on(s, "hold-me", on_hold_me, NULL);
  b->named = (named_t){&b->st, 0, 0, 0};
  sio_client_socket_on(s, "echo", on_named_echo, &b->named);
  sio_client_socket_set_auth(s, "{\"hello\":\"world\"}");
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "early");
  sio_client_socket_connect(s);
  check("buffered emit accepted", sio_client_socket_emit(s, "echo", a) == 0, NULL);
  sio_args_free(a);
  check("connect", wait_for(&b->st.connected, 5000), NULL);
  check("socket id", sio_client_socket_id(s) != NULL, NULL);
  /* The server emits `auth` with our CONNECT payload first, then the echo. */
  check("auth event", wait_event(&b->st, 0, "auth", 3000), b->st.last_args);
  check("auth payload", strcmp(b->st.last_args, "{\"hello\":\"world\"}") == 0,
        b->st.last_args);
  check("buffered emit delivered", wait_event(&b->st, 0, "echo", 3000), b->st.last_args);
  check("buffered emit args", strcmp(b->st.last_args, "\"early\"") == 0, b->st.last_args);
  return 0;
}

static int step_transport(basic_t *b) {
  if (b->mode == SIO_TRANSPORT_POLLING_UPGRADE) {
    wait_for(&b->m.upgrades, 3000);
    const char *tr = sio_client_transport(b->c);
    check("upgraded", tr && strcmp(tr, "websocket") == 0, tr);
  } else {
    const char *tr = sio_client_transport(b->c);
    const char *want = b->mode == SIO_TRANSPORT_POLLING ? "polling" : "websocket";
    check("transport", tr && strcmp(tr, want) == 0, tr);
  }
  return 0;
}

/* What the server saw: this session, this transport, this path. */
static int step_whoami(basic_t *b) {
  const char *sid = sio_client_sid(b->c);
  snprintf(b->sid, sizeof(b->sid), "%s", sid ? sid : "?");
  ackres_t rw = {0};
  sio_client_socket_emit_with_ack(b->root, "whoami", NULL, 3000, on_ack, &rw);
  wait_for(&rw.done, 4000);
  char want[200];
  snprintf(want, sizeof(want), "\"eio\":\"%s\"", b->sid);
  check("server saw this session", rw.status == 0 && strstr(rw.args, want), rw.args);
  const char *tr_now = sio_client_transport(b->c);
  snprintf(want, sizeof(want), "\"transport\":\"%s\"", tr_now ? tr_now : "?");
  check("server saw this transport", strstr(rw.args, want) != NULL, rw.args);
  const char *path = driver_path ? driver_path : "/socket.io/";
  size_t pl = strlen(path);
  snprintf(want, sizeof(want), "\"url\":\"%s%s?EIO=4&transport=%s", path,
           pl && path[pl - 1] != '/' ? "/" : "",
           b->mode == SIO_TRANSPORT_WEBSOCKET ? "websocket" : "polling");
  check("server saw the path", strstr(rw.args, want) != NULL, rw.args);
  return 0;
}

/* Events reach the catch-all first, then the named handler; an ack from
 * the server carries the same arguments back. */
static int step_events(basic_t *b) {
  sio_args_t *a = three_args();
  int n0 = b->st.events;
  sio_client_socket_emit(b->root, "echo", a);
  check("echo", wait_event(&b->st, n0, "echo", 3000), NULL);
  check("echo args", strcmp(b->st.last_args, "\"hello\",42,{\"a\":[1,2.5,true]}") == 0,
        b->st.last_args);
  check("named handler after the catch-all", b->named.calls == 2 && b->named.order_ok,
        NULL);
  ackres_t r = {0};
  sio_client_socket_emit_with_ack(b->root, "echo-ack", a, 3000, on_ack, &r);
  sio_args_free(a);
  wait_for(&r.done, 4000);
  check("ack reply",
        r.done == 1 && r.status == 0 &&
            strcmp(r.args, "\"hello\",42,{\"a\":[1,2.5,true]}") == 0,
        r.args);
  return 0;
}

static int step_binary(basic_t *b) {
  sio_args_t *a = sio_args_new();
  sio_args_add_binary(a, "\x01\x02\x03", 3);
  sio_args_add_raw_binary(a, "{\"x\":{\"_placeholder\":true,\"num\":0}}", 35,
                          &(sio_buf_t){(const uint8_t *)"\x07", 1}, 1);
  int n0 = b->st.events;
  sio_client_socket_emit(b->root, "echo", a);
  sio_args_free(a);
  check("binary echo", wait_event(&b->st, n0, "echo", 3000), NULL);
  check("binary echo content",
        b->st.last_nbins == 2 && b->st.last_bin_len == 3 &&
            memcmp(b->st.last_bin, "\x01\x02\x03", 3) == 0,
        b->st.last_args);
  ackres_t rb = {0};
  sio_client_socket_emit_with_ack(b->root, "make-binary", NULL, 3000, on_ack, &rb);
  wait_for(&rb.done, 4000);
  check("binary ack",
        rb.done == 1 && rb.status == 0 && rb.nbins == 2 && rb.bin_len == 3 &&
            memcmp(rb.bin, "\x01\x02\x03", 3) == 0,
        rb.args);
  return 0;
}

/* "server-ack" makes the server emit <event> [arg] to us with an ack of
 * <timeout_ms> and answer ours with {"err":..., "reply":[...]}. arg may be
 * NULL. */
static void ask_server_ack(basic_t *b, int timeout_ms, const char *event, const char *arg,
                           ackres_t *r) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, timeout_ms);
  sio_args_add_string(a, event);
  if (arg) sio_args_add_string(a, arg);
  sio_client_socket_emit_with_ack(b->root, "server-ack", a, 4000, on_ack, r);
  sio_args_free(a);
}

/* The server asks for acks: one answered at once with a binary, one held
 * and answered after its handler returned. */
static int step_server_acks(basic_t *b) {
  ackres_t rs = {0};
  ask_server_ack(b, 2000, "ping-me", "x", &rs);
  wait_for(&rs.done, 5000);
  check("server ack round trip (binary reply)",
        rs.done == 1 && rs.status == 0 &&
            strncmp(rs.args, "{\"err\":null,\"reply\":[\"pong\",", 25) == 0 &&
            rs.nbins == 1 && rs.bin_len == 2 && memcmp(rs.bin, "\x09\x08", 2) == 0,
        rs.args);
  check("an ack is sent at most once", second_ack_rc == SIO_EEXIST, NULL);

  ackres_t rhd = {0};
  held_ack = NULL;
  ask_server_ack(b, 3000, "hold-me", NULL, &rhd);
  wait_until(ack_held, NULL, 3000);
  pause_ms(50);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "held");
  int hrc = held_ack ? sio_client_ack_send(held_ack, a) : -1;
  sio_args_free(a);
  wait_for(&rhd.done, 4000);
  check("held ack answered later",
        hrc == 0 && rhd.done == 1 &&
            strcmp(rhd.args, "{\"err\":null,\"reply\":[\"held\"]}") == 0,
        rhd.args);
  return 0;
}

/* "ack-later" answers after <ms>: once too late for our timeout, once in
 * time; then an event nobody answers times out. */
static void ack_later(basic_t *b, int after_ms, const char *tag, uint64_t timeout,
                      ackres_t *r) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, after_ms);
  sio_args_add_string(a, tag);
  sio_client_socket_emit_with_ack(b->root, "ack-later", a, timeout, on_ack, r);
  sio_args_free(a);
}

static int step_ack_timing(basic_t *b) {
  ackres_t rl = {0}, rm = {0};
  ack_later(b, 600, "late", 150, &rl);
  ack_later(b, 650, "marker", 0, &rm); /* answered after the late one */
  wait_for(&rm.done, 5000);
  check("late ack: the callback ran once, timed out",
        rl.done == 1 && rl.status == SIO_ETIMEDOUT, NULL);
  check("asynchronous ack in time",
        rm.done == 1 && rm.status == 0 && strcmp(rm.args, "\"marker\"") == 0, rm.args);

  ackres_t rt = {0};
  sio_client_socket_emit_with_ack(b->root, "no-such-event", NULL, 300, on_ack, &rt);
  wait_for(&rt.done, 3000);
  pause_ms(50);
  check("ack timeout", rt.done == 1 && rt.status == SIO_ETIMEDOUT, NULL);
  return 0;
}

/* Query parameters and extra headers reach the server; reserved names are
 * refused locally. */
static int step_handshake(basic_t *b) {
  ackres_t rh = {0};
  sio_client_socket_emit_with_ack(b->root, "handshake", NULL, 3000, on_ack, &rh);
  wait_for(&rh.done, 4000);
  check("query and headers",
        rh.status == 0 && strstr(rh.args, "\"query\":\"bar baz\"") &&
            strstr(rh.args, "\"header\":\"yes\""),
        rh.args);
  check("reserved name refused",
        sio_client_socket_emit(b->root, "disconnect", NULL) == SIO_EINVAL, NULL);
  return 0;
}

/* A second namespace shares the session. */
static int step_namespace(basic_t *b) {
  sio_client_socket_t *cu = b->custom = sio_client_socket(b->c, "/custom");
  watch(cu, &b->custom_st);
  const char *sid_before = sio_client_sid(b->c);
  snprintf(b->sid, sizeof(b->sid), "%s", sid_before ? sid_before : "");
  sio_client_socket_connect(cu);
  check("namespace connect", wait_for(&b->custom_st.connected, 3000), NULL);
  check("namespace auth event", wait_event(&b->custom_st, 0, "auth", 3000), NULL);
  check("one session", sio_client_sid(b->c) && strcmp(sio_client_sid(b->c), b->sid) == 0,
        b->sid);
  ackres_t rw2 = {0};
  sio_client_socket_emit_with_ack(cu, "whoami", NULL, 3000, on_ack, &rw2);
  wait_for(&rw2.done, 4000);
  char want[200];
  snprintf(want, sizeof(want), "\"eio\":\"%s\"", b->sid);
  check("server saw one session for both namespaces",
        rw2.status == 0 && strstr(rw2.args, want) &&
            strstr(rw2.args, "\"nsp\":\"/custom\""),
        rw2.args);
  return 0;
}

/* Auth refused with data, then accepted by the callback; the server's
 * disconnect of that namespace is final. */
static int step_private(basic_t *b) {
  sockstate_t *pst = &b->private_st;
  sio_client_socket_t *pv = sio_client_socket(b->c, "/private");
  watch(pv, pst);
  sio_client_socket_set_auth(pv, "{\"token\":\"nope\"}");
  sio_client_socket_connect(pv);
  wait_for(&pst->connect_errors, 3000);
  check("refused",
        pst->connect_errors == 1 && strcmp(pst->err_msg, "not authorized") == 0,
        pst->err_msg);
  check("refusal data", strcmp(pst->err_data, "{\"code\":42}") == 0, pst->err_data);
  check("refused socket not connected", !sio_client_socket_connected(pv), NULL);
  sio_client_socket_set_auth_cb(pv, auth_cb, NULL);
  sio_client_socket_connect(pv);
  check("auth callback accepted", wait_for(&pst->connected, 3000), NULL);

  sio_client_socket_emit(pv, "disconnect-me", NULL);
  wait_for(&pst->disconnects, 3000);
  check("server disconnect", strcmp(pst->disc_reason, "io server disconnect") == 0,
        pst->disc_reason);
  pause_ms(300);
  check("server disconnect is final",
        !sio_client_socket_connected(pv) && pst->connected == 1, NULL);
  return 0;
}

static int step_invalid_namespace(basic_t *b) {
  sio_client_socket_t *bad = sio_client_socket(b->c, "/nope");
  watch(bad, &b->invalid_st);
  sio_client_socket_connect(bad);
  wait_for(&b->invalid_st.connect_errors, 3000);
  check("invalid namespace", strcmp(b->invalid_st.err_msg, "Invalid namespace") == 0,
        b->invalid_st.err_msg);
  return 0;
}

/* Disconnecting one namespace keeps the others; off() removes a named
 * handler and keeps the catch-all. */
static int step_namespace_disconnect(basic_t *b) {
  sio_client_socket_disconnect(b->custom);
  check("namespace disconnect",
        b->custom_st.disconnects == 1 &&
            strcmp(b->custom_st.disc_reason, "io client disconnect") == 0,
        b->custom_st.disc_reason);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "still");
  int n0 = b->st.events;
  sio_client_socket_emit(b->root, "echo", a);
  check("root still works", wait_event(&b->st, n0, "echo", 3000), NULL);
  check("catch-all saw events", b->st.any_count >= 4, NULL);
  int named_before = b->named.calls;
  check("off removes the named handler",
        sio_client_socket_off(b->root, "echo", NULL, NULL) == 1, NULL);
  n0 = b->st.events;
  sio_client_socket_emit(b->root, "echo", a);
  sio_args_free(a);
  check("catch-all only after off",
        wait_event(&b->st, n0, "echo", 3000) && b->named.calls == named_before, NULL);
  return 0;
}

/* Disconnecting the last socket cancels its pending acks and closes the
 * session; connecting again at once must give a new session, not a lost
 * CONNECT. */
static int step_reconnect_after_last(basic_t *b) {
  ackres_t rc2 = {0};
  sio_client_socket_emit_with_ack(b->root, "no-such-event", NULL, 0, on_ack, &rc2);
  sio_client_socket_disconnect(b->root);
  check("ack cancelled", rc2.done == 1 && rc2.status == SIO_ECANCELED, NULL);
  sio_client_socket_connect(b->root);
  wait_count(&b->st.connected, 2, 5000);
  check("connect again after the last disconnect", b->st.connected == 2, NULL);
  check("new session", sio_client_sid(b->c) && strcmp(sio_client_sid(b->c), b->sid) != 0,
        NULL);
  return 0;
}

/* A clean disconnect of the last socket closes the session for good:
 * nothing reopens it, longer than pingInterval + pingTimeout. */
static int step_clean_close(basic_t *b) {
  mgrstate_t *m = &b->m;
  int attempts_before = m->attempts, opens_before = m->opens, closes_before = m->closes;
  sio_client_socket_disconnect(b->root);
  pause_ms(800);
  check("clean disconnect: closed, never reconnected",
        m->attempts == attempts_before && m->opens == opens_before &&
            m->closes == closes_before + 1 &&
            strcmp(m->close_reason, "io client disconnect") == 0 && !sio_client_sid(b->c),
        m->close_reason);
  close_client(b->c);
  return 0;
}

/* With a custom path on the server, the default path leads nowhere. */
static int step_default_path_refused(basic_t *b) {
  if (!driver_path) return 0;
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, b->mode);
  sio_client_opts_set_timeout(o, 1000);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c = new_client(b->url, o);
  sio_client_opts_free(o);
  if (!c) return 1;
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sockstate_t st;
  watch(s, &st);
  sio_client_socket_connect(s);
  wait_for(&st.connect_errors, 4000);
  check("default path refused", st.connect_errors == 1 && st.connected == 0, st.err_msg);
  close_client(c);
  return 0;
}

typedef int (*step_fn)(basic_t *b);

int scenario_basic(const char *url, sio_transport_mode_t mode) {
  static const step_fn steps[] = {
      step_connect,
      step_transport,
      step_whoami,
      step_events,
      step_binary,
      step_server_acks,
      step_ack_timing,
      step_handshake,
      step_namespace,
      step_private,
      step_invalid_namespace,
      step_namespace_disconnect,
      step_reconnect_after_last,
      step_clean_close,
      step_default_path_refused,
  };
  static basic_t b; /* static: the client's sockets report into it */
  memset(&b, 0, sizeof(b));
  b.url = url;
  b.mode = mode;
  for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
    if (steps[i](&b)) return 1;
  return 0;
}
