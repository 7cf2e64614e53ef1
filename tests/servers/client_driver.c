/* client_driver: runs one scenario of the C client (sio/client.h) against a
 * server and prints results as JSON lines on stdout, for
 * tests/interop/client.test.mjs. Every wait is bounded.
 *
 *   client_driver --url http://127.0.0.1:PORT --transport polling|websocket|upgrade
 *                 --scenario basic|reconnect|bad|simple|burst|probe
 *
 * Lines: {"check":"<name>","ok":true|false,...}, {"event":"<name>",...}, and
 * last {"result":"pass"|"fail"}. Exit status 0 on pass.
 *
 * The server must speak the events of tests/servers/sio_test_server.c (echo,
 * echo-ack, make-binary, server-ack, "/private" with token "secret", "/custom"
 * emitting `auth`); tests/interop/ref/sio_ref_server.mjs does the same. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "sio/client.h"

static uv_loop_t loop;
static int failures;
static uv_timer_t deadline;
static int timed_out;

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static void check(const char *name, int ok, const char *detail) {
  if (!ok) failures++;
  char esc[600];
  size_t j = 0;
  for (const char *p = detail ? detail : ""; *p && j + 7 < sizeof(esc); p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch == '"' || ch == '\\') {
      esc[j++] = '\\';
      esc[j++] = (char)ch;
    } else if (ch < 0x20) {
      j += (size_t)snprintf(esc + j, sizeof(esc) - j, "\\u%04x", ch);
    } else {
      esc[j++] = (char)ch;
    }
  }
  esc[j] = 0;
  line("{\"check\":\"%s\",\"ok\":%s,\"detail\":\"%s\"}", name, ok ? "true" : "false",
       esc);
}

static void on_deadline(uv_timer_t *t) {
  (void)t;
  timed_out = 1;
}

/* Runs the loop until *flag becomes non-zero or ms pass. */
static int wait_for(const int *flag, uint64_t ms) {
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, ms, 0);
  while (!*flag && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  return *flag != 0;
}

static void pause_ms(uint64_t ms) {
  int never = 0;
  wait_for(&never, ms);
}

/* ---- shared state ---- */

typedef struct {
  int connected, connect_errors, disconnects;
  char err_msg[128], err_data[128], disc_reason[64];
  int events;
  char last_event[64], last_args[512];
  size_t last_nbins;
  uint8_t last_bin[16];
  size_t last_bin_len;
  int any_count;
  char log_ev[64][32];
  char log_args[64][128];
} sockstate_t;

static void s_on_connect(sio_client_socket_t *s, void *arg) {
  sockstate_t *st = arg;
  st->connected++;
  line("{\"event\":\"connect\",\"nsp\":\"%s\"}", sio_client_socket_nsp(s));
}
static void s_on_connect_error(sio_client_socket_t *s, const char *m, const char *d,
                               void *arg) {
  sockstate_t *st = arg;
  st->connect_errors++;
  snprintf(st->err_msg, sizeof(st->err_msg), "%s", m);
  snprintf(st->err_data, sizeof(st->err_data), "%s", d ? d : "");
  line("{\"event\":\"connect_error\",\"nsp\":\"%s\",\"message\":\"%s\"}",
       sio_client_socket_nsp(s), m);
}
static void s_on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  sockstate_t *st = arg;
  st->disconnects++;
  snprintf(st->disc_reason, sizeof(st->disc_reason), "%s", reason);
  line("{\"event\":\"disconnect\",\"nsp\":\"%s\",\"reason\":\"%s\"}",
       sio_client_socket_nsp(s), reason);
}
static void s_on_any(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                     sio_client_ack_t *ack, void *arg) {
  (void)s, (void)ack;
  sockstate_t *st = arg;
  st->any_count++;
  if (st->events < 64) {
    snprintf(st->log_ev[st->events], sizeof(st->log_ev[0]), "%s", event);
    sio_buf_t all0;
    sio_argv_raw_all(av, &all0);
    snprintf(st->log_args[st->events], sizeof(st->log_args[0]), "%.*s", (int)all0.len,
             (const char *)all0.base);
  }
  st->events++;
  snprintf(st->last_event, sizeof(st->last_event), "%s", event);
  sio_buf_t all;
  sio_argv_raw_all(av, &all);
  snprintf(st->last_args, sizeof(st->last_args), "%.*s", (int)all.len,
           (const char *)all.base);
  st->last_nbins = sio_argv_attachments_count(av);
  st->last_bin_len = 0;
  sio_buf_t b;
  if (st->last_nbins && sio_argv_attachment(av, 0, &b) == 0) {
    st->last_bin_len = b.len < sizeof(st->last_bin) ? b.len : sizeof(st->last_bin);
    memcpy(st->last_bin, b.base, st->last_bin_len);
  }
}

static void watch(sio_client_socket_t *s, sockstate_t *st) {
  memset(st, 0, sizeof(*st));
  sio_client_socket_on_connect(s, s_on_connect, st);
  sio_client_socket_on_connect_error(s, s_on_connect_error, st);
  sio_client_socket_on_disconnect(s, s_on_disconnect, st);
  sio_client_socket_on_any(s, s_on_any, st);
}

/* Waits for an event named ev among the events from index `since` on; its
 * arguments are copied to st->last_args. Returns its index + 1, or 0. */
static int found(sockstate_t *st, int since, const char *ev) {
  for (int i = since; i < st->events && i < 64; i++) {
    if (strcmp(st->log_ev[i], ev) == 0) {
      snprintf(st->last_args, sizeof(st->last_args), "%s", st->log_args[i]);
      return i + 1;
    }
  }
  return 0;
}

static int wait_event(sockstate_t *st, int since, const char *ev, uint64_t ms) {
  int r;
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, ms, 0);
  while (!(r = found(st, since, ev)) && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  return r;
}

typedef struct {
  int done, status;
  char args[512];
  size_t nbins;
  uint8_t bin[16];
  size_t bin_len;
} ackres_t;

static void on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                   void *arg) {
  (void)s;
  ackres_t *r = arg;
  r->done++;
  r->status = status;
  if (reply) {
    sio_buf_t all;
    sio_argv_raw_all(reply, &all);
    snprintf(r->args, sizeof(r->args), "%.*s", (int)all.len, (const char *)all.base);
    r->nbins = sio_argv_attachments_count(reply);
    sio_buf_t b;
    if (r->nbins && sio_argv_attachment(reply, 0, &b) == 0) {
      r->bin_len = b.len < sizeof(r->bin) ? b.len : sizeof(r->bin);
      memcpy(r->bin, b.base, r->bin_len);
    }
  }
}

/* The server asks us for an ack: answer ["pong", <09 08>]. */
static void on_ping_me(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                       sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)av, (void)arg;
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "pong");
  sio_args_add_binary(a, "\x09\x08", 2);
  sio_client_ack_send(ack, a);
  sio_args_free(a);
}

static const char *mode_name(sio_transport_mode_t m) {
  return m == SIO_TRANSPORT_POLLING     ? "polling"
         : m == SIO_TRANSPORT_WEBSOCKET ? "websocket"
                                        : "upgrade";
}

typedef struct {
  int upgrades, opens, closes, errors, attempts, reconnects, failed;
} mgrstate_t;

static void m_on_event(sio_client_t *c, sio_client_event_t ev, int value,
                       const char *reason, void *arg) {
  (void)c;
  mgrstate_t *m = arg;
  static const char *names[] = {"open",
                                "close",
                                "error",
                                "reconnect_attempt",
                                "reconnect",
                                "reconnect_error",
                                "reconnect_failed",
                                "upgrade"};
  line("{\"event\":\"%s\",\"value\":%d,\"reason\":\"%s\"}", names[ev], value,
       reason ? reason : "");
  switch (ev) {
    case SIO_CLIENT_OPEN:
      m->opens++;
      break;
    case SIO_CLIENT_CLOSE:
      m->closes++;
      break;
    case SIO_CLIENT_ERROR:
    case SIO_CLIENT_RECONNECT_ERROR:
      m->errors++;
      break;
    case SIO_CLIENT_RECONNECT_ATTEMPT:
      m->attempts++;
      break;
    case SIO_CLIENT_RECONNECT:
      m->reconnects++;
      break;
    case SIO_CLIENT_RECONNECT_FAILED:
      m->failed++;
      break;
    case SIO_CLIENT_UPGRADE:
      m->upgrades++;
      break;
  }
}

static int closed_flag;
static void on_closed(sio_client_t *c, void *arg) {
  (void)c, (void)arg;
  closed_flag = 1;
}

static void close_client(sio_client_t *c) {
  closed_flag = 0;
  sio_client_close(c, on_closed, NULL);
  check("close callback", wait_for(&closed_flag, 3000), NULL);
}

static int auth_calls;
static void auth_cb(sio_client_socket_t *s, sio_args_t *auth, void *arg) {
  (void)s, (void)arg;
  char buf[64];
  auth_calls++;
  snprintf(buf, sizeof(buf), "{\"token\":\"secret\",\"n\":%d}", auth_calls);
  sio_args_add_raw(auth, buf, strlen(buf));
}

/* ---- scenarios ---- */

static int scenario_basic(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_timeout(o, 3000);
  sio_client_opts_add_query(o, "foo", "bar baz");
  sio_client_opts_add_header(o, "X-Test", "yes");
  sio_client_t *c;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  if (rc) {
    check("new", 0, sio_strerror(rc));
    return 1;
  }
  mgrstate_t m = {0};
  sio_client_on_event(c, m_on_event, &m);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sockstate_t st;
  watch(s, &st);
  sio_client_socket_on(s, "ping-me", on_ping_me, NULL);
  sio_client_socket_set_auth(s, "{\"hello\":\"world\"}");
  /* Emitted before connecting: buffered, sent after the CONNECT reply. */
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "early");
  sio_client_socket_connect(s);
  check("buffered emit accepted", sio_client_socket_emit(s, "echo", a) == 0, NULL);
  check("connect", wait_for(&st.connected, 5000), NULL);
  check("socket id", sio_client_socket_id(s) != NULL, NULL);
  /* The server emits `auth` with our CONNECT payload first, then the echo. */
  check("auth event", wait_event(&st, 0, "auth", 3000), st.last_args);
  check("auth payload", strcmp(st.last_args, "{\"hello\":\"world\"}") == 0, st.last_args);
  check("buffered emit delivered", wait_event(&st, 0, "echo", 3000), st.last_args);
  check("buffered emit args", strcmp(st.last_args, "\"early\"") == 0, st.last_args);

  if (mode == SIO_TRANSPORT_POLLING_UPGRADE) {
    wait_for(&m.upgrades, 3000);
    const char *tr = sio_client_transport(c);
    check("upgraded", tr && strcmp(tr, "websocket") == 0, tr);
  } else {
    const char *tr = sio_client_transport(c);
    check("transport",
          tr && strcmp(tr, mode == SIO_TRANSPORT_POLLING ? "polling" : "websocket") == 0,
          tr);
  }

  /* events and the catch-all */
  sio_args_clear(a);
  sio_args_add_string(a, "hello");
  sio_args_add_int(a, 42);
  sio_args_add_raw(a, "{\"a\":[1,2.5,true]}", 18);
  int n0 = st.events;
  sio_client_socket_emit(s, "echo", a);
  check("echo", wait_event(&st, n0, "echo", 3000), NULL);
  check("echo args", strcmp(st.last_args, "\"hello\",42,{\"a\":[1,2.5,true]}") == 0,
        st.last_args);

  /* ack from the server */
  ackres_t r = {0};
  sio_client_socket_emit_with_ack(s, "echo-ack", a, 3000, on_ack, &r);
  wait_for(&r.done, 4000);
  check("ack reply",
        r.done == 1 && r.status == 0 &&
            strcmp(r.args, "\"hello\",42,{\"a\":[1,2.5,true]}") == 0,
        r.args);

  /* binary both ways */
  sio_args_clear(a);
  sio_args_add_binary(a, "\x01\x02\x03", 3);
  sio_args_add_raw_binary(a, "{\"x\":{\"_placeholder\":true,\"num\":0}}", 35,
                          &(sio_buf_t){(const uint8_t *)"\x07", 1}, 1);
  n0 = st.events;
  sio_client_socket_emit(s, "echo", a);
  check("binary echo", wait_event(&st, n0, "echo", 3000), NULL);
  check("binary echo content",
        st.last_nbins == 2 && st.last_bin_len == 3 &&
            memcmp(st.last_bin, "\x01\x02\x03", 3) == 0,
        st.last_args);
  ackres_t rb = {0};
  sio_client_socket_emit_with_ack(s, "make-binary", NULL, 3000, on_ack, &rb);
  wait_for(&rb.done, 4000);
  check("binary ack",
        rb.done == 1 && rb.status == 0 && rb.nbins == 2 && rb.bin_len == 3 &&
            memcmp(rb.bin, "\x01\x02\x03", 3) == 0,
        rb.args);

  /* the server asks for an ack; we answer with binary */
  ackres_t rs = {0};
  sio_args_clear(a);
  sio_args_add_int(a, 2000);
  sio_args_add_string(a, "ping-me");
  sio_args_add_string(a, "x");
  sio_client_socket_emit_with_ack(s, "server-ack", a, 4000, on_ack, &rs);
  wait_for(&rs.done, 5000);
  check("server ack round trip",
        rs.done == 1 && rs.status == 0 && strstr(rs.args, "pong"), rs.args);

  /* ack timeout: an event nobody answers */
  ackres_t rt = {0};
  sio_client_socket_emit_with_ack(s, "no-such-event", NULL, 300, on_ack, &rt);
  wait_for(&rt.done, 3000);
  pause_ms(50);
  check("ack timeout", rt.done == 1 && rt.status == SIO_ETIMEDOUT, NULL);

  /* query parameters and extra headers reach the server */
  ackres_t rh = {0};
  sio_client_socket_emit_with_ack(s, "handshake", NULL, 3000, on_ack, &rh);
  wait_for(&rh.done, 4000);
  check("query and headers",
        rh.status == 0 && strstr(rh.args, "\"query\":\"bar baz\"") &&
            strstr(rh.args, "\"header\":\"yes\""),
        rh.args);

  /* reserved name */
  check("reserved name refused",
        sio_client_socket_emit(s, "disconnect", NULL) == SIO_EINVAL, NULL);

  /* namespaces over the same session */
  sio_client_socket_t *cu = sio_client_socket(c, "/custom");
  sockstate_t cst;
  watch(cu, &cst);
  const char *sid_before = sio_client_sid(c);
  char sid1[64];
  snprintf(sid1, sizeof(sid1), "%s", sid_before ? sid_before : "");
  sio_client_socket_connect(cu);
  check("namespace connect", wait_for(&cst.connected, 3000), NULL);
  check("namespace auth event", wait_event(&cst, 0, "auth", 3000), NULL);
  check("one session", sio_client_sid(c) && strcmp(sio_client_sid(c), sid1) == 0, sid1);

  /* auth refused with data, then accepted by the callback */
  sio_client_socket_t *pv = sio_client_socket(c, "/private");
  sockstate_t pst;
  watch(pv, &pst);
  sio_client_socket_set_auth(pv, "{\"token\":\"nope\"}");
  sio_client_socket_connect(pv);
  wait_for(&pst.connect_errors, 3000);
  check("refused", pst.connect_errors == 1 && strcmp(pst.err_msg, "not authorized") == 0,
        pst.err_msg);
  check("refusal data", strcmp(pst.err_data, "{\"code\":42}") == 0, pst.err_data);
  check("refused socket not connected", !sio_client_socket_connected(pv), NULL);
  sio_client_socket_set_auth_cb(pv, auth_cb, NULL);
  sio_client_socket_connect(pv);
  check("auth callback accepted", wait_for(&pst.connected, 3000), NULL);

  /* the server disconnects a namespace: no reconnection of that socket */
  sio_client_socket_emit(pv, "disconnect-me", NULL);
  wait_for(&pst.disconnects, 3000);
  check("server disconnect", strcmp(pst.disc_reason, "io server disconnect") == 0,
        pst.disc_reason);
  pause_ms(300);
  check("server disconnect is final",
        !sio_client_socket_connected(pv) && pst.connected == 1, NULL);

  /* invalid namespace */
  sio_client_socket_t *bad = sio_client_socket(c, "/nope");
  sockstate_t bst;
  watch(bad, &bst);
  sio_client_socket_connect(bad);
  wait_for(&bst.connect_errors, 3000);
  check("invalid namespace", strcmp(bst.err_msg, "Invalid namespace") == 0, bst.err_msg);

  /* namespace disconnect keeps the others */
  sio_client_socket_disconnect(cu);
  check("namespace disconnect",
        cst.disconnects == 1 && strcmp(cst.disc_reason, "io client disconnect") == 0,
        cst.disc_reason);
  n0 = st.events;
  sio_args_clear(a);
  sio_args_add_string(a, "still");
  sio_client_socket_emit(s, "echo", a);
  check("root still works", wait_event(&st, n0, "echo", 3000), NULL);
  check("catch-all saw events", st.any_count >= 4, NULL);

  /* pending ack cancelled by the disconnect */
  ackres_t rc2 = {0};
  sio_client_socket_emit_with_ack(s, "no-such-event", NULL, 0, on_ack, &rc2);
  sio_client_socket_disconnect(s);
  check("ack cancelled", rc2.done == 1 && rc2.status == SIO_ECANCELED, NULL);
  /* That was the last socket: the session is closing. Connecting again at
   * once must give a new session, not a lost CONNECT. */
  sio_client_socket_connect(s);
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 5000, 0);
  while (st.connected < 2 && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  check("connect again after the last disconnect", st.connected == 2, NULL);
  check("new session", sio_client_sid(c) && strcmp(sio_client_sid(c), sid1) != 0, NULL);
  sio_args_free(a);

  int attempts_before = m.attempts;
  close_client(c);
  pause_ms(300);
  check("no reconnect after close", m.attempts == attempts_before, NULL);
  return 0;
}

/* Connect, then the test kills the server and restarts it on the same port. */
static int scenario_reconnect(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_timeout(o, 1000);
  sio_client_opts_set_reconnection_delay(o, 200, 500);
  sio_client_t *c;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  if (rc) return 1;
  mgrstate_t m = {0};
  sio_client_on_event(c, m_on_event, &m);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sockstate_t st;
  watch(s, &st);
  sio_client_socket_set_auth_cb(s, auth_cb, NULL);
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  line("{\"event\":\"ready\"}");
  check("disconnect seen", wait_for(&st.disconnects, 8000), st.disc_reason);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "offline");
  check("offline emit buffered", sio_client_socket_emit(s, "echo", a) == 0, NULL);
  sio_args_free(a);
  line("{\"event\":\"waiting\"}");
  int target = 2;
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 15000, 0);
  while (st.connected < target && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  check("reconnected", st.connected >= 2, NULL);
  check("reconnect events", m.attempts >= 1 && m.reconnects == 1, NULL);
  check("auth recomputed", auth_calls >= 2, NULL);
  int got = wait_event(&st, 0, "echo", 3000);
  check("offline emit delivered", got && strcmp(st.last_args, "\"offline\"") == 0,
        st.last_args);
  close_client(c);
  return 0;
}

/* A misbehaving server: every outcome must be an error or a reconnection,
 * never a crash or a hang. */
static int scenario_bad(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_timeout(o, 800);
  sio_client_opts_set_reconnection_delay(o, 100, 200);
  sio_client_opts_set_reconnection_attempts(o, 2);
  sio_client_t *c;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  if (rc) return 1;
  mgrstate_t m = {0};
  sio_client_on_event(c, m_on_event, &m);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sockstate_t st;
  watch(s, &st);
  sio_client_socket_connect(s);
  /* Ends when the client gives up, or after it opened and lost the session
   * three times (a server that opens sessions and then misbehaves). */
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 10000, 0);
  while (!m.failed && m.opens < 3 && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  check("gave up or kept reconnecting", m.failed == 1 || m.opens >= 3, NULL);
  check("errors or closes reported", m.errors + m.closes + st.connect_errors > 0, NULL);
  close_client(c);
  return 0;
}

/* Many emits at once over polling: the POST bodies must stay under the
 * server's maxPayload (the test starts it with a small one). */
static int scenario_burst(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  if (rc) return 1;
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sockstate_t st;
  watch(s, &st);
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  char big[1001];
  memset(big, 'x', 1000);
  big[1000] = 0;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, big);
  int n0 = st.events;
  for (int i = 0; i < 40; i++) sio_client_socket_emit(s, "echo", a);
  sio_args_free(a);
  int count = 0;
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 8000, 0);
  while (!timed_out && st.disconnects == 0) {
    count = 0;
    for (int i = n0; i < st.events && i < 64; i++)
      count += strcmp(st.log_ev[i], "echo") == 0;
    if (count >= 40) break;
    uv_run(&loop, UV_RUN_ONCE);
  }
  uv_timer_stop(&deadline);
  check("every packet echoed", count == 40 && st.disconnects == 0, NULL);
  close_client(c);
  return 0;
}

static int scenario_simple(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_simple_t *sc;
  int rc = sio_simple_connect(url, "/", "{\"k\":1}", o, 5000, &sc);
  sio_client_opts_free(o);
  check("simple connect", rc == 0, sio_strerror(rc));
  if (rc) return 1;
  sio_simple_msg_t *msg = NULL;
  rc = sio_simple_receive(sc, 3000, &msg);
  check("simple receive auth",
        rc == 0 && strcmp(msg->event, "auth") == 0 &&
            strcmp(msg->args, "[{\"k\":1}]") == 0,
        msg ? msg->args : "");
  sio_simple_msg_free(msg);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "hi");
  sio_args_add_binary(a, "\x05", 1);
  sio_simple_msg_t *reply = NULL;
  rc = sio_simple_call(sc, "echo-ack", a, 3000, &reply);
  check("simple call",
        rc == 0 && reply && reply->nbins == 1 && reply->bins[0].len == 1 &&
            strncmp(reply->args, "[\"hi\",", 6) == 0,
        reply ? reply->args : sio_strerror(rc));
  sio_simple_msg_free(reply);
  /* Idle longer than pingInterval + pingTimeout (the tests run the servers
   * with 300 + 200 ms): the simple client's own thread keeps the session. */
  char sid1[64] = "", sid2[64] = "";
  int r1 = sio_simple_sid(sc, sid1, sizeof(sid1));
  usleep(1200 * 1000);
  check("simple idle stays connected", sio_simple_connected(sc) == 1, NULL);
  reply = NULL;
  rc = sio_simple_call(sc, "echo-ack", a, 3000, &reply);
  int r2 = sio_simple_sid(sc, sid2, sizeof(sid2));
  char detail[200];
  snprintf(detail, sizeof(detail), "rc %d sid %s -> %s", rc, sid1, sid2);
  check("simple call after idle, same session",
        rc == 0 && r1 == 0 && r2 == 0 && sid1[0] && strcmp(sid1, sid2) == 0 &&
            sio_simple_dropped(sc) == 0,
        detail);
  sio_simple_msg_free(reply);
  rc = sio_simple_emit(sc, "echo", a);
  msg = NULL;
  if (rc == 0) rc = sio_simple_receive(sc, 3000, &msg);
  check("simple emit+receive", rc == 0 && strcmp(msg->event, "echo") == 0, NULL);
  sio_simple_msg_free(msg);
  rc = sio_simple_call(sc, "no-such-event", NULL, 200, &reply);
  check("simple call timeout", rc == SIO_ETIMEDOUT, sio_strerror(rc));
  /* Nothing else is due (but `left` from other clients of the same server). */
  int other = 0;
  while ((rc = sio_simple_receive(sc, 100, &msg)) == 0) {
    if (strcmp(msg->event, "left") != 0) other++;
    sio_simple_msg_free(msg);
  }
  check("simple receive timeout", rc == SIO_ETIMEDOUT && other == 0, NULL);
  sio_args_free(a);
  sio_simple_disconnect(sc);
  check("simple disconnect", 1, NULL);
  return 0;
}

/* A server whose WebSocket never answers the upgrade probe: the client
 * gives the probe up after its open timeout (the test checks the server saw
 * the probe closed) and keeps the session on polling meanwhile. */
static int scenario_probe(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  sio_client_opts_set_timeout(o, 800);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  if (rc) return 1;
  mgrstate_t m = {0};
  sio_client_on_event(c, m_on_event, &m);
  sio_client_socket_connect(sio_client_socket(c, "/"));
  check("open", wait_for(&m.opens, 3000), NULL);
  pause_ms(2000);
  const char *tr = sio_client_transport(c);
  check("still open on polling",
        m.closes == 0 && m.upgrades == 0 && tr && strcmp(tr, "polling") == 0, tr);
  line("{\"event\":\"probe-done\"}");
  close_client(c);
  return 0;
}

int main(int argc, char **argv) {
  const char *url = NULL, *scenario = "basic";
  sio_transport_mode_t mode = SIO_TRANSPORT_POLLING_UPGRADE;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (strcmp(argv[i], "--scenario") == 0) scenario = argv[i + 1];
    if (strcmp(argv[i], "--transport") == 0) {
      if (strcmp(argv[i + 1], "polling") == 0) mode = SIO_TRANSPORT_POLLING;
      if (strcmp(argv[i + 1], "websocket") == 0) mode = SIO_TRANSPORT_WEBSOCKET;
    }
  }
  if (!url) {
    fprintf(stderr,
            "usage: client_driver --url URL [--transport polling|websocket|upgrade] "
            "[--scenario basic|reconnect|bad|simple|burst|probe]\n");
    return 2;
  }
  alarm(40); /* a hang ends as a failure, never as a stuck test */
  uv_loop_init(&loop);
  uv_timer_init(&loop, &deadline);
  line("{\"event\":\"start\",\"scenario\":\"%s\",\"transport\":\"%s\"}", scenario,
       mode_name(mode));
  int rc = 0;
  if (strcmp(scenario, "basic") == 0)
    rc = scenario_basic(url, mode);
  else if (strcmp(scenario, "reconnect") == 0)
    rc = scenario_reconnect(url, mode);
  else if (strcmp(scenario, "bad") == 0)
    rc = scenario_bad(url, mode);
  else if (strcmp(scenario, "burst") == 0)
    rc = scenario_burst(url, mode);
  else if (strcmp(scenario, "simple") == 0)
    rc = scenario_simple(url, mode);
  else if (strcmp(scenario, "probe") == 0)
    rc = scenario_probe(url, mode);
  else
    rc = 2;
  uv_close((uv_handle_t *)&deadline, NULL);
  /* Every handle of the client must be closing now: the loop ends. */
  uv_run(&loop, UV_RUN_DEFAULT);
  int lc = uv_loop_close(&loop);
  check("loop closed cleanly", lc == 0, lc ? uv_strerror(lc) : NULL);
  int pass = rc == 0 && failures == 0;
  line("{\"result\":\"%s\",\"failures\":%d}", pass ? "pass" : "fail", failures);
  return pass ? 0 : 1;
}
