/* client_driver: runs one scenario of the C client (sio/client.h) against a
 * server and prints results as JSON lines on stdout, for
 * tests/interop/client.test.mjs. Every wait is bounded.
 *
 *   client_driver --url http://127.0.0.1:PORT --transport polling|websocket|upgrade
 *                 --scenario basic|reconnect|bad|simple|burst|probe|heartbeat|threads
 *                 [--path P]  (the server's custom Engine.IO path)
 *
 * Lines: {"check":"<name>","ok":true|false,...}, {"event":"<name>",...}, and
 * last {"result":"pass"|"fail"}. Exit status 0 on pass.
 *
 * The server must speak the events of tests/servers/client_test_server.c
 * (echo, echo-ack, make-binary, server-ack, ack-later, handshake, whoami,
 * "/private" with token "secret", "/custom"); its Node counterpart
 * tests/interop/ref/sio_ref_server.mjs does the same. */
#include <execinfo.h>
#include <signal.h>
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

/* ---- a death says why ----
 * A driver killed by a signal would leave the test only a truncated list of
 * lines: print the signal as a last JSON line (stdout) and a backtrace
 * (stderr), then die of it as before. Only async-signal-safe calls (the
 * backtrace machinery is loaded at start). SIGPIPE is left alone: libsio
 * ignores it when it finds it at its default. Under AddressSanitizer its
 * own report covers the faults. */
static void put_str(int fd, const char *p) {
  ssize_t r = write(fd, p, strlen(p));
  (void)r;
}

static void on_fatal(int sig) {
  char num[12];
  int n = sig, i = (int)sizeof(num) - 1;
  num[i] = 0;
  do num[--i] = (char)('0' + n % 10);
  while ((n /= 10) && i > 0);
  put_str(1, "{\"event\":\"fatal signal\",\"signo\":");
  put_str(1, num + i);
  put_str(1, "}\n");
  put_str(2, "client_driver: fatal signal ");
  put_str(2, num + i);
  put_str(2, "\n");
  void *bt[64];
  backtrace_symbols_fd(bt, backtrace(bt, 64), 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

#if defined(__SANITIZE_ADDRESS__)
#define DRIVER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DRIVER_ASAN 1
#endif
#endif

static void report_fatal_signals(void) {
  void *bt[1];
  backtrace(bt, 1); /* loads libgcc now, not inside a handler */
  int sigs[] = {
      SIGALRM, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGABRT,
#ifndef DRIVER_ASAN
      SIGSEGV, SIGBUS,  SIGFPE, SIGILL,
#endif
  };
  for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) signal(sigs[i], on_fatal);
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

/* A named handler: counts its calls and whether the catch-all (which logs
 * into the sockstate) already saw the event, as catch-alls run first. */
typedef struct {
  sockstate_t *st;
  int calls, order_ok, seen;
} named_t;
static void on_named_echo(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                          sio_client_ack_t *ack, void *arg) {
  (void)s, (void)av, (void)ack;
  named_t *n = arg;
  if (n->calls++ == 0) n->order_ok = 1;
  if (n->st->events <= n->seen || strcmp(n->st->last_event, event) != 0) n->order_ok = 0;
  n->seen = n->st->events;
}

static const char *mode_name(sio_transport_mode_t m) {
  return m == SIO_TRANSPORT_POLLING     ? "polling"
         : m == SIO_TRANSPORT_WEBSOCKET ? "websocket"
                                        : "upgrade";
}

typedef struct {
  int upgrades, opens, closes, errors, attempts, reconnects, failed;
  char close_reason[64];
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
      snprintf(m->close_reason, sizeof(m->close_reason), "%s", reason ? reason : "");
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

/* Options of every scenario: the transport mode and the --path given. */
static const char *g_path;
static sio_client_opts_t *new_opts(sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  if (g_path) sio_client_opts_set_path(o, g_path);
  return o;
}

/* ---- scenarios ---- */

static int scenario_basic(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
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
  sio_client_socket_on(s, "hold-me", on_hold_me, NULL);
  named_t named = {&st, 0, 0, 0};
  sio_client_socket_on(s, "echo", on_named_echo, &named);
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

  /* What the server saw: this session, this transport, this path. */
  char sid0[64];
  snprintf(sid0, sizeof(sid0), "%s", sio_client_sid(c) ? sio_client_sid(c) : "?");
  ackres_t rw = {0};
  sio_client_socket_emit_with_ack(s, "whoami", NULL, 3000, on_ack, &rw);
  wait_for(&rw.done, 4000);
  char want[200];
  snprintf(want, sizeof(want), "\"eio\":\"%s\"", sid0);
  check("server saw this session", rw.status == 0 && strstr(rw.args, want), rw.args);
  const char *tr_now = sio_client_transport(c);
  snprintf(want, sizeof(want), "\"transport\":\"%s\"", tr_now ? tr_now : "?");
  check("server saw this transport", strstr(rw.args, want) != NULL, rw.args);
  size_t pl = g_path ? strlen(g_path) : 0;
  snprintf(want, sizeof(want), "\"url\":\"%s%s?EIO=4&transport=%s",
           g_path ? g_path : "/socket.io/", pl && g_path[pl - 1] != '/' ? "/" : "",
           mode == SIO_TRANSPORT_WEBSOCKET ? "websocket" : "polling");
  check("server saw the path", strstr(rw.args, want) != NULL, rw.args);

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
  check("named handler after the catch-all", named.calls == 2 && named.order_ok, NULL);

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
  check("server ack round trip (binary reply)",
        rs.done == 1 && rs.status == 0 &&
            strncmp(rs.args, "{\"err\":null,\"reply\":[\"pong\",", 25) == 0 &&
            rs.nbins == 1 && rs.bin_len == 2 && memcmp(rs.bin, "\x09\x08", 2) == 0,
        rs.args);
  check("an ack is sent at most once", second_ack_rc == SIO_EEXIST, NULL);

  /* a held ack answered after the handler returned */
  ackres_t rhd = {0};
  sio_args_clear(a);
  sio_args_add_int(a, 3000);
  sio_args_add_string(a, "hold-me");
  held_ack = NULL;
  sio_client_socket_emit_with_ack(s, "server-ack", a, 4000, on_ack, &rhd);
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 3000, 0);
  while (!held_ack && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  pause_ms(50);
  sio_args_clear(a);
  sio_args_add_string(a, "held");
  int hrc = held_ack ? sio_client_ack_send(held_ack, a) : -1;
  wait_for(&rhd.done, 4000);
  check("held ack answered later",
        hrc == 0 && rhd.done == 1 &&
            strcmp(rhd.args, "{\"err\":null,\"reply\":[\"held\"]}") == 0,
        rhd.args);

  /* a server ack that comes late, then one in time */
  ackres_t rl = {0}, rm = {0};
  sio_args_clear(a);
  sio_args_add_int(a, 600);
  sio_args_add_string(a, "late");
  sio_client_socket_emit_with_ack(s, "ack-later", a, 150, on_ack, &rl);
  sio_args_clear(a);
  sio_args_add_int(a, 650); /* answered after the late one: its marker */
  sio_args_add_string(a, "marker");
  sio_client_socket_emit_with_ack(s, "ack-later", a, 0, on_ack, &rm);
  wait_for(&rm.done, 5000);
  check("late ack: the callback ran once, timed out",
        rl.done == 1 && rl.status == SIO_ETIMEDOUT, NULL);
  check("asynchronous ack in time",
        rm.done == 1 && rm.status == 0 && strcmp(rm.args, "\"marker\"") == 0, rm.args);

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
  ackres_t rw2 = {0};
  sio_client_socket_emit_with_ack(cu, "whoami", NULL, 3000, on_ack, &rw2);
  wait_for(&rw2.done, 4000);
  snprintf(want, sizeof(want), "\"eio\":\"%s\"", sid1);
  check("server saw one session for both namespaces",
        rw2.status == 0 && strstr(rw2.args, want) &&
            strstr(rw2.args, "\"nsp\":\"/custom\""),
        rw2.args);

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
  int named_before = named.calls;
  check("off removes the named handler",
        sio_client_socket_off(s, "echo", NULL, NULL) == 1, NULL);
  n0 = st.events;
  sio_client_socket_emit(s, "echo", a);
  check("catch-all only after off",
        wait_event(&st, n0, "echo", 3000) && named.calls == named_before, NULL);

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

  /* A clean disconnect of the last socket closes the session for good:
   * nothing reopens it, longer than pingInterval + pingTimeout. */
  int attempts_before = m.attempts, opens_before = m.opens, closes_before = m.closes;
  sio_client_socket_disconnect(s);
  pause_ms(800);
  check("clean disconnect: closed, never reconnected",
        m.attempts == attempts_before && m.opens == opens_before &&
            m.closes == closes_before + 1 &&
            strcmp(m.close_reason, "io client disconnect") == 0 && !sio_client_sid(c),
        m.close_reason);
  close_client(c);

  /* With a custom path on the server, the default path leads nowhere. */
  if (g_path) {
    sio_client_opts_t *o2 = sio_client_opts_new();
    sio_client_opts_set_transports(o2, mode);
    sio_client_opts_set_timeout(o2, 1000);
    sio_client_opts_set_reconnection(o2, 0);
    sio_client_t *c2;
    rc = sio_client_new(&loop, url, o2, &c2);
    sio_client_opts_free(o2);
    if (rc) return 1;
    sio_client_socket_t *s2 = sio_client_socket(c2, "/");
    sockstate_t st2;
    watch(s2, &st2);
    sio_client_socket_connect(s2);
    wait_for(&st2.connect_errors, 4000);
    check("default path refused", st2.connect_errors == 1 && st2.connected == 0,
          st2.err_msg);
    close_client(c2);
  }
  return 0;
}

/* Connect, then the test kills the server and restarts it on the same port. */
static int scenario_reconnect(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
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
  int auth1 = wait_event(&st, 0, "auth", 3000);
  char auth1_args[512];
  snprintf(auth1_args, sizeof(auth1_args), "%s", st.last_args);
  check("server saw the first auth",
        auth1 && strcmp(auth1_args, "{\"token\":\"secret\",\"n\":1}") == 0, auth1_args);
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
  /* The server got the payload of the last call, not the first one. */
  char want[64];
  snprintf(want, sizeof(want), "{\"token\":\"secret\",\"n\":%d}", auth_calls);
  int auth2 = wait_event(&st, auth1, "auth", 3000);
  check("server saw the recomputed auth", auth2 && strcmp(st.last_args, want) == 0,
        st.last_args);
  int got = wait_event(&st, 0, "echo", 3000);
  check("offline emit delivered", got && strcmp(st.last_args, "\"offline\"") == 0,
        st.last_args);
  close_client(c);
  return 0;
}

/* A misbehaving server: every outcome must be an error or a reconnection,
 * never a crash or a hang. */
static int scenario_bad(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
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
  /* Or when the server's CONNECT reply was unusable (final, as a refusal). */
  int final = 0;
  while (!m.failed && m.opens < 3 && !final && !timed_out) {
    uv_run(&loop, UV_RUN_ONCE);
    final = strcmp(st.err_msg, "invalid CONNECT reply") == 0;
  }
  uv_timer_stop(&deadline);
  check("gave up, kept reconnecting, or refused",
        m.failed == 1 || m.opens >= 3 || (final && !sio_client_socket_connected(s)),
        NULL);
  check("errors or closes reported", m.errors + m.closes + st.connect_errors > 0, NULL);
  close_client(c);
  return 0;
}

/* Many emits at once over polling: the POST bodies must stay under the
 * server's maxPayload (the test starts it with a small one). */
static int scenario_burst(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
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
  sio_client_opts_t *o = new_opts(mode);
  sio_simple_t *sc = NULL;
  /* A refusal ends connect() at once with SIO_ECONNRESET. */
  int rc = sio_simple_connect(url, "/private", "{\"token\":\"nope\"}", o, 5000, &sc);
  check("simple connect refused", rc == SIO_ECONNRESET && sc == NULL, sio_strerror(rc));
  rc = sio_simple_connect(url, "/private", "{\"token\":\"secret\"}", o, 5000, &sc);
  check("simple connect with auth", rc == 0, sio_strerror(rc));
  if (rc == 0) sio_simple_disconnect(sc);
  rc = sio_simple_connect(url, "/", "{\"k\":1}", o, 5000, &sc);
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
  sio_client_opts_t *o = new_opts(mode);
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

/* A server that stops answering (the test freezes it with SIGSTOP once we
 * print "ready", and thaws it with SIGCONT once we print "dead"): no ping
 * within pingInterval + pingTimeout is a "ping timeout", then the client
 * reconnects by itself. */
static int scenario_heartbeat(const char *url, sio_transport_mode_t mode) {
  sio_client_opts_t *o = new_opts(mode);
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
  sio_client_socket_connect(s);
  check("connect", wait_for(&st.connected, 5000), NULL);
  if (mode == SIO_TRANSPORT_POLLING_UPGRADE) wait_for(&m.upgrades, 3000);
  /* Some pings answered first: the session outlives pingInterval + pingTimeout. */
  char sid1[64];
  snprintf(sid1, sizeof(sid1), "%s", sio_client_sid(c) ? sio_client_sid(c) : "");
  pause_ms(800);
  check("pings answered",
        st.disconnects == 0 && sio_client_sid(c) && strcmp(sio_client_sid(c), sid1) == 0,
        NULL);
  line("{\"event\":\"ready\"}");
  wait_for(&st.disconnects, 8000);
  check("dead server detected", strcmp(st.disc_reason, "ping timeout") == 0,
        st.disc_reason);
  check("session closed by the watchdog",
        m.closes == 1 && strcmp(m.close_reason, "ping timeout") == 0, m.close_reason);
  line("{\"event\":\"dead\"}");
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, 15000, 0);
  while (st.connected < 2 && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  check("reconnected", st.connected == 2 && m.reconnects == 1 && m.attempts >= 1, NULL);
  ackres_t r = {0};
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "after");
  sio_client_socket_emit_with_ack(s, "echo-ack", a, 3000, on_ack, &r);
  sio_args_free(a);
  wait_for(&r.done, 4000);
  check("works after the reconnection", r.status == 0 && strcmp(r.args, "\"after\"") == 0,
        r.args);
  close_client(c);
  return 0;
}

/* ---- threads ---- */

/* The async client on a loop of its own in another thread: connect, one
 * ack round trip, close, and the loop closes cleanly. */
typedef struct {
  const char *url;
  sio_transport_mode_t mode;
  sio_client_t *c;
  uv_timer_t guard;
  int connected, closing, closed, loop_rc;
  char reply[128];
} th_t;

static void th_closed(sio_client_t *c, void *arg) {
  (void)c;
  th_t *t = arg;
  t->closed = 1;
  uv_close((uv_handle_t *)&t->guard, NULL);
}

static void th_close(th_t *t) {
  if (t->closing) return;
  t->closing = 1;
  sio_client_close(t->c, th_closed, t);
}

static void th_on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                      void *arg) {
  (void)s;
  th_t *t = arg;
  if (status == 0) {
    sio_buf_t all;
    sio_argv_raw_all(reply, &all);
    snprintf(t->reply, sizeof(t->reply), "%.*s", (int)all.len, (const char *)all.base);
  }
  th_close(t);
}

static void th_on_connect(sio_client_socket_t *s, void *arg) {
  th_t *t = arg;
  t->connected = 1;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "from a thread");
  if (sio_client_socket_emit_with_ack(s, "echo-ack", a, 3000, th_on_ack, t) != 0)
    th_close(t);
  sio_args_free(a);
}

static void th_on_guard(uv_timer_t *h) {
  th_close(h->data);
}

static void th_main(void *arg) {
  th_t *t = arg;
  uv_loop_t l;
  t->loop_rc = -1;
  if (uv_loop_init(&l)) return;
  sio_client_opts_t *o = new_opts(t->mode);
  int rc = sio_client_new(&l, t->url, o, &t->c);
  sio_client_opts_free(o);
  if (rc == 0) {
    sio_client_socket_t *s = sio_client_socket(t->c, "/");
    sio_client_socket_on_connect(s, th_on_connect, t);
    sio_client_socket_connect(s);
    uv_timer_init(&l, &t->guard);
    t->guard.data = t;
    uv_timer_start(&t->guard, th_on_guard, 8000, 0);
    uv_run(&l, UV_RUN_DEFAULT);
  }
  t->loop_rc = uv_loop_close(&l);
}

/* The simple client from several threads at once. */
typedef struct {
  sio_simple_t *sc;
  int idx, ok, received;
  char bad[128];
} callth_t;

#define CALLS_PER_THREAD 20

static void call_main(void *arg) {
  callth_t *t = arg;
  sio_args_t *a = sio_args_new();
  for (int i = 0; i < CALLS_PER_THREAD; i++) {
    char want[64];
    snprintf(want, sizeof(want), "t%d-%d", t->idx, i);
    sio_args_clear(a);
    sio_args_add_string(a, want);
    sio_simple_msg_t *reply = NULL;
    int rc = sio_simple_call(t->sc, "echo-ack", a, 5000, &reply);
    char exp[80];
    snprintf(exp, sizeof(exp), "[\"%s\"]", want);
    if (rc == 0 && reply && strcmp(reply->args, exp) == 0)
      t->ok++;
    else if (!t->bad[0])
      snprintf(t->bad, sizeof(t->bad), "%s: %s", want,
               rc ? sio_strerror(rc) : reply->args);
    sio_simple_msg_free(reply);
  }
  sio_args_free(a);
}

static uint8_t seen_echo[64];
static uv_mutex_t seen_mu;

static void receive_main(void *arg) {
  callth_t *t = arg;
  sio_simple_msg_t *m = NULL;
  while (sio_simple_receive(t->sc, 1000, &m) == 0) {
    int n = -1;
    if (m->event && strcmp(m->event, "echo") == 0 && sscanf(m->args, "[%d]", &n) == 1 &&
        n >= 0 && n < 64) {
      uv_mutex_lock(&seen_mu);
      seen_echo[n]++;
      uv_mutex_unlock(&seen_mu);
      t->received++;
    }
    sio_simple_msg_free(m);
    m = NULL;
  }
}

static int scenario_threads(const char *url, sio_transport_mode_t mode) {
  th_t t = {.url = url, .mode = mode};
  uv_thread_t th;
  if (uv_thread_create(&th, th_main, &t)) return 1;
  uv_thread_join(&th);
  check("client on its own thread",
        t.connected && t.closed && strcmp(t.reply, "\"from a thread\"") == 0, t.reply);
  check("its loop closed cleanly", t.loop_rc == 0, NULL);

  sio_client_opts_t *o = new_opts(mode);
  sio_simple_t *sc = NULL;
  int rc = sio_simple_connect(url, "/", NULL, o, 5000, &sc);
  sio_client_opts_free(o);
  check("simple connect", rc == 0, sio_strerror(rc));
  if (rc) return 1;
  sio_simple_msg_t *m = NULL;
  check("auth event",
        sio_simple_receive(sc, 3000, &m) == 0 && strcmp(m->event, "auth") == 0, NULL);
  sio_simple_msg_free(m);
  /* Four threads call at once: each gets its own replies. */
  callth_t ct[4];
  uv_thread_t cth[4];
  memset(ct, 0, sizeof(ct));
  for (int i = 0; i < 4; i++) {
    ct[i].sc = sc;
    ct[i].idx = i;
    uv_thread_create(&cth[i], call_main, &ct[i]);
  }
  int ok = 1;
  for (int i = 0; i < 4; i++) {
    uv_thread_join(&cth[i]);
    if (ct[i].ok != CALLS_PER_THREAD) {
      ok = 0;
      check("concurrent calls", 0, ct[i].bad);
    }
  }
  check("concurrent calls: every reply to its caller", ok, NULL);
  /* Two threads receive while the events come: each event exactly once. */
  uv_mutex_init(&seen_mu);
  callth_t rt[2];
  uv_thread_t rth[2];
  memset(rt, 0, sizeof(rt));
  for (int i = 0; i < 2; i++) {
    rt[i].sc = sc;
    uv_thread_create(&rth[i], receive_main, &rt[i]);
  }
  sio_args_t *a = sio_args_new();
  for (int i = 0; i < 40; i++) {
    sio_args_clear(a);
    sio_args_add_int(a, i);
    sio_simple_emit(sc, "echo", a);
  }
  sio_args_free(a);
  for (int i = 0; i < 2; i++) uv_thread_join(&rth[i]);
  int once = 1;
  for (int i = 0; i < 40; i++) once &= seen_echo[i] == 1;
  char detail[64];
  snprintf(detail, sizeof(detail), "%d + %d received", rt[0].received, rt[1].received);
  check("concurrent receives: each event exactly once",
        once && rt[0].received + rt[1].received == 40, detail);
  uv_mutex_destroy(&seen_mu);
  sio_simple_disconnect(sc);
  return 0;
}

int main(int argc, char **argv) {
  const char *url = NULL, *scenario = "basic";
  sio_transport_mode_t mode = SIO_TRANSPORT_POLLING_UPGRADE;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (strcmp(argv[i], "--scenario") == 0) scenario = argv[i + 1];
    if (strcmp(argv[i], "--path") == 0) g_path = argv[i + 1];
    if (strcmp(argv[i], "--transport") == 0) {
      if (strcmp(argv[i + 1], "polling") == 0) mode = SIO_TRANSPORT_POLLING;
      if (strcmp(argv[i + 1], "websocket") == 0) mode = SIO_TRANSPORT_WEBSOCKET;
    }
  }
  if (!url) {
    fprintf(stderr,
            "usage: client_driver --url URL [--transport polling|websocket|upgrade] "
            "[--path P] [--scenario "
            "basic|reconnect|bad|simple|burst|probe|heartbeat|threads]\n");
    return 2;
  }
  report_fatal_signals();
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
  else if (strcmp(scenario, "heartbeat") == 0)
    rc = scenario_heartbeat(url, mode);
  else if (strcmp(scenario, "threads") == 0)
    rc = scenario_threads(url, mode);
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
