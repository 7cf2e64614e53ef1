/* The shared helpers of the client driver (see driver.h). */
#include "driver.h"

#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uv_loop_t driver_loop;
const char *driver_path;
const char *driver_parser;
int driver_failures;
int auth_calls;

/* ---- output ---- */

void line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

void check(const char *name, int ok, const char *detail) {
  if (!ok) driver_failures++;
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

void report_fatal_signals(void) {
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

/* ---- bounded waits: one deadline timer on driver_loop ---- */
static uv_timer_t deadline;
static int timed_out;

static void on_deadline(uv_timer_t *t) {
  (void)t;
  timed_out = 1;
}

int driver_loop_open(void) {
  int rc = uv_loop_init(&driver_loop);
  if (rc == 0) rc = uv_timer_init(&driver_loop, &deadline);
  return rc;
}

int driver_loop_finish(void) {
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&driver_loop, UV_RUN_DEFAULT);
  return uv_loop_close(&driver_loop);
}

int wait_until(int (*done)(void *arg), void *arg, uint64_t ms) {
  int r;
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, ms, 0);
  while (!(r = done(arg)) && !timed_out) uv_run(&driver_loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  return r;
}

static int flag_set(void *arg) {
  return *(const int *)arg != 0;
}

int wait_for(const int *flag, uint64_t ms) {
  return wait_until(flag_set, (void *)flag, ms);
}

typedef struct {
  const int *counter;
  int target;
} count_goal_t;

static int count_reached(void *arg) {
  const count_goal_t *g = arg;
  return *g->counter >= g->target;
}

int wait_count(const int *counter, int target, uint64_t ms) {
  count_goal_t g = {counter, target};
  return wait_until(count_reached, &g, ms);
}

void pause_ms(uint64_t ms) {
  int never = 0;
  wait_for(&never, ms);
}

/* ---- what a socket reports ---- */

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
  sio_buf_t all;
  sio_argv_raw_all(av, &all);
  st->any_count++;
  if (st->events < SOCK_LOG_MAX) {
    snprintf(st->log_ev[st->events], sizeof(st->log_ev[0]), "%s", event);
    snprintf(st->log_args[st->events], sizeof(st->log_args[0]), "%.*s", (int)all.len,
             (const char *)all.base);
  }
  st->events++;
  snprintf(st->last_event, sizeof(st->last_event), "%s", event);
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

void watch(sio_client_socket_t *s, sockstate_t *st) {
  memset(st, 0, sizeof(*st));
  sio_client_socket_on_connect(s, s_on_connect, st);
  sio_client_socket_on_connect_error(s, s_on_connect_error, st);
  sio_client_socket_on_disconnect(s, s_on_disconnect, st);
  sio_client_socket_on_any(s, s_on_any, st);
}

static int find_event(sockstate_t *st, int since, const char *ev) {
  for (int i = since; i < st->events && i < SOCK_LOG_MAX; i++) {
    if (strcmp(st->log_ev[i], ev) == 0) {
      snprintf(st->last_args, sizeof(st->last_args), "%s", st->log_args[i]);
      return i + 1;
    }
  }
  return 0;
}

typedef struct {
  sockstate_t *st;
  int since, found;
  const char *ev;
} event_goal_t;

static int event_found(void *arg) {
  event_goal_t *g = arg;
  return g->found = find_event(g->st, g->since, g->ev);
}

int wait_event(sockstate_t *st, int since, const char *ev, uint64_t ms) {
  event_goal_t g = {st, since, 0, ev};
  return wait_until(event_found, &g, ms);
}

int count_events(const sockstate_t *st, int since, const char *ev) {
  int n = 0;
  for (int i = since; i < st->events && i < SOCK_LOG_MAX; i++)
    n += strcmp(st->log_ev[i], ev) == 0;
  return n;
}

/* ---- acknowledgements ---- */

void on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply, void *arg) {
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

/* ---- what a client reports ---- */

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

void watch_client(sio_client_t *c, mgrstate_t *m) {
  memset(m, 0, sizeof(*m));
  sio_client_on_event(c, m_on_event, m);
}

/* ---- set-up and tear-down ---- */

sio_client_opts_t *new_opts(sio_transport_mode_t mode) {
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  if (driver_path) sio_client_opts_set_path(o, driver_path);
  if (driver_parser) sio_client_opts_set_parser(o, sio_parser_by_name(driver_parser));
  return o;
}

sio_client_t *new_client(const char *url, const sio_client_opts_t *o) {
  sio_client_t *c = NULL;
  int rc = sio_client_new(&driver_loop, url, o, &c);
  if (rc) {
    check("new", 0, sio_strerror(rc));
    return NULL;
  }
  return c;
}

sio_client_t *new_watched_client(const char *url, sio_client_opts_t *o, mgrstate_t *m,
                                 sockstate_t *st, sio_client_socket_t **root) {
  sio_client_t *c = new_client(url, o);
  sio_client_opts_free(o);
  if (!c) return NULL;
  watch_client(c, m);
  *root = sio_client_socket(c, "/");
  watch(*root, st);
  return c;
}

static int closed_flag;
static void on_closed(sio_client_t *c, void *arg) {
  (void)c, (void)arg;
  closed_flag = 1;
}

void close_client(sio_client_t *c) {
  closed_flag = 0;
  sio_client_close(c, on_closed, NULL);
  check("close callback", wait_for(&closed_flag, 3000), NULL);
}

void auth_cb(sio_client_socket_t *s, sio_args_t *auth, void *arg) {
  (void)s, (void)arg;
  char buf[64];
  auth_calls++;
  snprintf(buf, sizeof(buf), "{\"token\":\"secret\",\"n\":%d}", auth_calls);
  sio_args_add_raw(auth, buf, strlen(buf));
}
