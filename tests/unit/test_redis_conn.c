/* The Redis connection layer (src/redis/redis_conn*.c) against a real
 * redis-server that this test starts on free 127.0.0.1 ports (and kills:
 * at the end of each test, at exit, and through PR_SET_PDEATHSIG if the
 * test itself dies). Skipped when /usr/bin/redis-server is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <hiredis/hiredis.h>

#include "redis/redis_conn.h"
#include "sio/common.h"

#define REDIS_BIN "/usr/bin/redis-server"
#define WAIT_MS 5000

/* ---- redis-server processes ---- */

#define MAX_PROCS 8
static pid_t g_procs[MAX_PROCS];

static void kill_redis(pid_t pid) {
  int i, st;
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  for (i = 0; i < MAX_PROCS; i++)
    if (g_procs[i] == pid) g_procs[i] = 0;
}

static void kill_all(void) {
  int i;
  for (i = 0; i < MAX_PROCS; i++) kill_redis(g_procs[i]);
}

static int free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;
  assert_true(fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int port_accepts(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((uint16_t)port);
  ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
  close(fd);
  return ok;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Starts redis-server on port with extra "--opt value" pairs (NULL-ended)
 * and waits until it accepts connections. */
static pid_t start_redis(int port, const char *const *extra) {
  char portbuf[16];
  const char *argv[32];
  int argc = 0, i, slot;
  pid_t pid;
  snprintf(portbuf, sizeof(portbuf), "%d", port);
  argv[argc++] = REDIS_BIN;
  argv[argc++] = "--port";
  argv[argc++] = portbuf;
  argv[argc++] = "--bind";
  argv[argc++] = "127.0.0.1";
  argv[argc++] = "--save";
  argv[argc++] = "";
  argv[argc++] = "--appendonly";
  argv[argc++] = "no";
  argv[argc++] = "--daemonize";
  argv[argc++] = "no";
  for (i = 0; extra && extra[i] && argc < 30; i++) argv[argc++] = extra[i];
  argv[argc] = NULL;
  for (slot = 0; slot < MAX_PROCS && g_procs[slot]; slot++) {
  }
  assert_true(slot < MAX_PROCS);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    if (chdir("/tmp") != 0) _exit(127);
    execv(REDIS_BIN, (char *const *)argv);
    _exit(127);
  }
  g_procs[slot] = pid;
  for (i = 0; i < 500; i++) {
    int st;
    if (port_accepts(port)) return pid;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      g_procs[slot] = 0;
      fail_msg("redis-server exited at start (port %d)", port);
    }
    sleep_ms(10);
  }
  kill_redis(pid);
  fail_msg("redis-server did not accept connections on port %d", port);
  return -1;
}

static int have_redis(void) {
  return access(REDIS_BIN, X_OK) == 0;
}

#define SKIP_WITHOUT_REDIS()                                                             \
  do {                                                                                   \
    if (!have_redis()) {                                                                 \
      print_message("skipped: " REDIS_BIN                                                \
                    " is not installed (apt install redis-server)\n");                   \
      skip();                                                                            \
    }                                                                                    \
  } while (0)

/* ---- log capture ---- */

#define MAX_LINES 256
static char g_lines[MAX_LINES][256];
static sio_log_level_t g_levels[MAX_LINES];
static int g_nlines;

static void log_cb(sio_log_level_t level, const char *msg, void *ud) {
  (void)ud;
  if (g_nlines < MAX_LINES) {
    snprintf(g_lines[g_nlines], sizeof(g_lines[0]), "%s", msg);
    g_levels[g_nlines++] = level;
  }
  if (level >= SIO_LOG_WARN || getenv("SIO_TEST_VERBOSE"))
    fprintf(stderr, "  log: %s\n", msg);
}

static int count_lines(sio_log_level_t level, const char *needle) {
  int i, n = 0;
  for (i = 0; i < g_nlines; i++)
    if (g_levels[i] == level && strstr(g_lines[i], needle)) n++;
  return n;
}

/* ---- a test context: loop, peers, what they received ---- */

typedef struct {
  int has_pattern;
  char pattern[64];
  char channel[64];
  size_t chlen;
  char data[64];
  size_t len;
} msg_t;

typedef struct peer {
  sio__redis_conn_t *conn;
  int up, ups, downs;
  msg_t msgs[32];
  int nmsgs;
  int close_on_msg, close_on_up, close_on_down;
} peer_t;

static void on_msg(void *arg, const char *pattern, const char *channel, size_t chlen,
                   const char *data, size_t len) {
  peer_t *p = arg;
  if (p->nmsgs < 32) {
    msg_t *m = &p->msgs[p->nmsgs];
    m->has_pattern = pattern != NULL;
    snprintf(m->pattern, sizeof(m->pattern), "%s", pattern ? pattern : "");
    assert_true(chlen < sizeof(m->channel) && len <= sizeof(m->data));
    memcpy(m->channel, channel, chlen);
    m->channel[chlen] = '\0';
    m->chlen = chlen;
    memcpy(m->data, data, len);
    m->len = len;
  }
  p->nmsgs++;
  if (p->close_on_msg) {
    sio__redis_conn_close(p->conn);
    p->conn = NULL;
  }
}

static void on_state(void *arg, int up) {
  peer_t *p = arg;
  assert_int_not_equal(p->up, up); /* transitions only */
  p->up = up;
  if (up)
    p->ups++;
  else
    p->downs++;
  if ((up && p->close_on_up) || (!up && p->close_on_down)) {
    sio__redis_conn_close(p->conn);
    p->conn = NULL;
  }
}

static void tick_cb(uv_timer_t *t) {
  (void)t;
}

typedef struct {
  uv_loop_t loop;
  uv_timer_t tick; /* wakes uv_run(ONCE) so waits can time out */
} ctx_t;

static void ctx_init(ctx_t *x) {
  assert_int_equal(uv_loop_init(&x->loop), 0);
  uv_timer_init(&x->loop, &x->tick);
  uv_timer_start(&x->tick, tick_cb, 5, 5);
  g_nlines = 0;
}

/* Closes the ticker and runs the loop to its natural end: every handle of
 * the conns must be gone, or uv_run would not return. */
static void ctx_finish(ctx_t *x) {
  uv_close((uv_handle_t *)&x->tick, NULL);
  assert_int_equal(uv_run(&x->loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&x->loop), 0);
}

#define RUN_UNTIL(x, cond, ms)                                                           \
  do {                                                                                   \
    uint64_t start_;                                                                     \
    uv_update_time(&(x)->loop);                                                          \
    start_ = uv_now(&(x)->loop);                                                         \
    while (!(cond) && uv_now(&(x)->loop) - start_ < (ms))                                \
      uv_run(&(x)->loop, UV_RUN_ONCE);                                                   \
    if (!(cond)) fail_msg("timed out waiting for: %s", #cond);                           \
  } while (0)

static void run_for(ctx_t *x, uint64_t ms) {
  uint64_t start;
  uv_update_time(&x->loop);
  start = uv_now(&x->loop);
  while (uv_now(&x->loop) - start < ms) uv_run(&x->loop, UV_RUN_ONCE);
}

static void peer_open(ctx_t *x, peer_t *p, const char *url_text, const char *name) {
  sio__redis_url_t url;
  memset(p, 0, sizeof(*p));
  assert_int_equal(sio__redis_url_parse(url_text, &url), 0);
  assert_int_equal(
      sio__redis_conn_new(&x->loop, &url, name, on_msg, on_state, p, &p->conn), 0);
  sio__redis_url_free(&url);
  sio__redis_conn_set_backoff(p->conn, 20, 200);
}

static void peer_close(peer_t *p) {
  sio__redis_conn_close(p->conn);
  p->conn = NULL;
}

/* numsub results */
typedef struct {
  int calls;
  int status;
  long long value;
} intres_t;

static void int_cb(void *arg, int status, long long value) {
  intres_t *r = arg;
  r->calls++;
  r->status = status;
  r->value = value;
}

static void flush_cb(void *arg, int status) {
  intres_t *r = arg;
  r->calls++;
  r->status = status;
}

/* a numsub whose callback closes the conn it came from */
typedef struct {
  intres_t r;
  peer_t *p;
} closer_t;

static void close_in_int_cb(void *arg, int status, long long value) {
  closer_t *cl = arg;
  int_cb(&cl->r, status, value);
  sio__redis_conn_close(cl->p->conn);
  cl->p->conn = NULL;
}

static long long numsub(ctx_t *x, peer_t *p, const char *channel) {
  intres_t r = {0, 1, -1};
  assert_int_equal(sio__redis_conn_numsub(p->conn, channel, int_cb, &r), 0);
  assert_int_equal(r.calls, 0); /* never inside the call */
  RUN_UNTIL(x, r.calls > 0, WAIT_MS);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, 0);
  return r.value;
}

static void check_msg(const msg_t *m, const char *pattern, const char *channel,
                      const void *data, size_t len) {
  if (pattern) {
    assert_true(m->has_pattern);
    assert_string_equal(m->pattern, pattern);
  } else {
    assert_false(m->has_pattern);
  }
  assert_int_equal(m->chlen, strlen(channel));
  assert_string_equal(m->channel, channel);
  assert_int_equal(m->len, len);
  assert_memory_equal(m->data, data, len);
}

/* ---- tests ---- */

static void test_roundtrip(void **state) {
  ctx_t x;
  peer_t a, b;
  char url[64];
  int port;
  pid_t pid;
  intres_t fl = {0, 1, 0};
  static const char bin[] = {'a', '\0', 'b', (char)0xff, 'c'};
  static const char two_nuls[] = {'\0', '\0'};
  (void)state;
  SKIP_WITHOUT_REDIS();
  port = free_port();
  pid = start_redis(port, NULL);
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
  ctx_init(&x);
  peer_open(&x, &a, url, "a");
  peer_open(&x, &b, url, "b");
  assert_int_equal(sio__redis_conn_subscribe(a.conn, "ch-exact"), 0);
  assert_int_equal(sio__redis_conn_psubscribe(a.conn, "pat-*"), 0);
  assert_int_equal(sio__redis_conn_subscribe(b.conn, "ch-exact"), 0);
  assert_int_equal(sio__redis_conn_subscribe(b.conn, ""), SIO_EINVAL);
  assert_int_equal(sio__redis_conn_subscribe(b.conn, NULL), SIO_EINVAL);
  assert_false(sio__redis_conn_is_up(a.conn));
  RUN_UNTIL(&x, a.up && b.up, WAIT_MS);
  assert_true(sio__redis_conn_is_up(a.conn));
  assert_int_equal(count_lines(SIO_LOG_INFO, "connected to"), 2);

  /* binary data with NUL, to both subscribers of the exact channel */
  assert_int_equal(sio__redis_conn_publish(b.conn, "ch-exact", bin, sizeof(bin)), 0);
  RUN_UNTIL(&x, a.nmsgs == 1 && b.nmsgs == 1, WAIT_MS);
  check_msg(&a.msgs[0], NULL, "ch-exact", bin, sizeof(bin));
  check_msg(&b.msgs[0], NULL, "ch-exact", bin, sizeof(bin));
  /* a pattern message, only for a */
  assert_int_equal(sio__redis_conn_publish(a.conn, "pat-xy", two_nuls, 2), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "pat-empty", NULL, 0), 0);
  RUN_UNTIL(&x, a.nmsgs == 3, WAIT_MS);
  check_msg(&a.msgs[1], "pat-*", "pat-xy", two_nuls, 2);
  check_msg(&a.msgs[2], "pat-*", "pat-empty", "", 0);
  assert_int_equal(b.nmsgs, 1);
  assert_int_equal(sio__redis_conn_publish(a.conn, NULL, "x", 1), SIO_EINVAL);
  assert_int_equal(sio__redis_conn_publish(a.conn, "c", NULL, 1), SIO_EINVAL);

  /* NUMSUB: two connections on the channel; patterns are not counted */
  assert_int_equal(numsub(&x, &a, "ch-exact"), 2);
  assert_int_equal(numsub(&x, &b, "pat-xy"), 0);
  assert_int_equal(numsub(&x, &b, "nobody"), 0);

  /* subscriptions are reference-counted */
  assert_int_equal(sio__redis_conn_subscribe(a.conn, "ch-exact"), 0);
  assert_int_equal(sio__redis_conn_unsubscribe(a.conn, "ch-exact"), 0);
  assert_int_equal(numsub(&x, &a, "ch-exact"), 2);
  assert_int_equal(sio__redis_conn_unsubscribe(a.conn, "ch-exact"), 0);
  assert_int_equal(sio__redis_conn_unsubscribe(a.conn, "ch-exact"), 0); /* no-op */
  assert_int_equal(sio__redis_conn_unsubscribe(a.conn, "never"), 0);
  {
    int i;
    long long n = -1;
    for (i = 0; i < 100 && n != 1; i++) n = numsub(&x, &b, "ch-exact");
    assert_int_equal(n, 1);
  }
  /* Redis has processed a's UNSUBSCRIBE: only b gets this one */
  assert_int_equal(sio__redis_conn_publish(b.conn, "ch-exact", "z", 1), 0);
  RUN_UNTIL(&x, b.nmsgs == 2, WAIT_MS);
  check_msg(&b.msgs[1], NULL, "ch-exact", "z", 1);
  assert_int_equal(sio__redis_conn_punsubscribe(a.conn, "pat-*"), 0);
  assert_int_equal(sio__redis_conn_publish(b.conn, "ch-exact", "y", 1), 0);
  RUN_UNTIL(&x, b.nmsgs == 3, WAIT_MS);

  /* flush: later, once answered */
  assert_int_equal(sio__redis_conn_publish(a.conn, "pat-q", "1", 1), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "pat-q", "2", 1), 0);
  assert_int_equal(sio__redis_conn_flush(a.conn, flush_cb, &fl), 0);
  assert_int_equal(fl.calls, 0);
  RUN_UNTIL(&x, fl.calls == 1, WAIT_MS);
  assert_int_equal(fl.status, 0);
  assert_int_equal(a.nmsgs, 3); /* a no longer matches pat-* */

  assert_int_equal(a.downs, 0);
  assert_int_equal(sio__redis_conn_dropped(a.conn), 0);
  peer_close(&a);
  peer_close(&b);
  sio__redis_conn_close(NULL);
  ctx_finish(&x);
  assert_int_equal(a.downs, 0); /* close does not call on_state */
  kill_redis(pid);
}

static void test_reconnect(void **state) {
  ctx_t x;
  peer_t a, z, s;
  char url[64];
  int port;
  pid_t pid;
  intres_t ns = {0, 1, -1}, fl = {0, 1, 0}, fl2 = {0, 1, 0};
  closer_t cl = {{0, 1, -1}, NULL};
  char big[40];
  (void)state;
  SKIP_WITHOUT_REDIS();
  port = free_port();
  pid = start_redis(port, NULL);
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
  ctx_init(&x);
  peer_open(&x, &a, url, "rc");
  assert_int_equal(sio__redis_conn_subscribe(a.conn, "rc-ch"), 0);
  assert_int_equal(sio__redis_conn_psubscribe(a.conn, "rc-p*"), 0);
  RUN_UNTIL(&x, a.up, WAIT_MS);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", "before", 6), 0);
  RUN_UNTIL(&x, a.nmsgs == 1, WAIT_MS);

  /* Redis dies */
  kill_redis(pid);
  RUN_UNTIL(&x, a.downs == 1, WAIT_MS);
  assert_false(a.up);
  assert_false(sio__redis_conn_is_up(a.conn));
  assert_int_equal(sio__redis_conn_numsub(a.conn, "rc-ch", int_cb, &ns), 0);
  assert_int_equal(ns.calls, 0);
  RUN_UNTIL(&x, ns.calls == 1, WAIT_MS);
  assert_int_equal(ns.status, SIO_ENOTCONN);
  /* several failed reconnects: each at DEBUG, no WARN flood (checked below) */
  RUN_UNTIL(&x, count_lines(SIO_LOG_DEBUG, "cannot connect") >= 4, WAIT_MS);
  assert_false(a.up);

  /* publishes queue up to the limit, in order; past it SIO_ELIMIT */
  sio__redis_conn_set_queue_limit(a.conn, 30);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", "q1", 2), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-p1", "q2", 2), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", "q3", 2), 0);
  assert_int_equal(sio__redis_conn_queued_bytes(a.conn), 21);
  memset(big, 'B', sizeof(big));
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", big, 20), SIO_ELIMIT);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", big, sizeof(big)),
                   SIO_ELIMIT);
  assert_int_equal(sio__redis_conn_dropped(a.conn), 2);
  assert_int_equal(sio__redis_conn_queued_bytes(a.conn), 21);
  assert_int_equal(count_lines(SIO_LOG_WARN, "queue full"), 1); /* once per outage */
  /* flush while down with a queue: later, SIO_ENOTCONN; queue kept */
  assert_int_equal(sio__redis_conn_flush(a.conn, flush_cb, &fl), 0);
  assert_int_equal(fl.calls, 0);
  RUN_UNTIL(&x, fl.calls == 1, WAIT_MS);
  assert_int_equal(fl.status, SIO_ENOTCONN);
  assert_int_equal(sio__redis_conn_queued_bytes(a.conn), 21);

  /* one WARN for the whole outage so far (first failure), none per retry */
  assert_int_equal(
      count_lines(SIO_LOG_WARN, "lost") + count_lines(SIO_LOG_WARN, "cannot connect"), 1);

  /* Redis is back on the same port */
  pid = start_redis(port, NULL);
  RUN_UNTIL(&x, a.up, WAIT_MS);
  assert_int_equal(a.ups, 2);
  assert_int_equal(count_lines(SIO_LOG_INFO, "reconnected to"), 1);
  assert_int_equal(count_lines(SIO_LOG_WARN, "2 publishes were dropped"), 1);
  /* the queue went out in order, to renewed subscriptions */
  RUN_UNTIL(&x, a.nmsgs == 4, WAIT_MS);
  check_msg(&a.msgs[1], NULL, "rc-ch", "q1", 2);
  check_msg(&a.msgs[2], "rc-p*", "rc-p1", "q2", 2);
  check_msg(&a.msgs[3], NULL, "rc-ch", "q3", 2);
  assert_int_equal(sio__redis_conn_queued_bytes(a.conn), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-p2", "after", 5), 0);
  RUN_UNTIL(&x, a.nmsgs == 5, WAIT_MS);
  check_msg(&a.msgs[4], "rc-p*", "rc-p2", "after", 5);
  assert_int_equal(numsub(&x, &a, "rc-ch"), 1);

  /* A second outage, with Redis first frozen so that requests are in
   * flight when the connections break: a numsub whose callback closes its
   * conn, a flush waiting for an unanswered publish, a conn closed from
   * inside on_state(0). */
  peer_open(&x, &z, url, "close-in-down");
  peer_open(&x, &s, url, "close-in-numsub");
  z.close_on_down = 1;
  RUN_UNTIL(&x, z.up && s.up, WAIT_MS);
  cl.p = &s;
  assert_int_equal(kill(pid, SIGSTOP), 0);
  assert_int_equal(sio__redis_conn_numsub(s.conn, "rc-ch", close_in_int_cb, &cl), 0);
  assert_int_equal(sio__redis_conn_publish(a.conn, "rc-ch", "lost?", 5), 0);
  assert_int_equal(sio__redis_conn_flush(a.conn, flush_cb, &fl2), 0);
  run_for(&x, 50);
  assert_int_equal(cl.r.calls, 0);
  assert_int_equal(fl2.calls, 0);
  kill_redis(pid);
  RUN_UNTIL(&x, a.downs == 2 && z.downs == 1 && cl.r.calls == 1 && fl2.calls == 1,
            WAIT_MS);
  assert_int_equal(cl.r.status, SIO_ENOTCONN);
  assert_int_equal(fl2.status, SIO_ENOTCONN);
  assert_null(s.conn);
  assert_null(z.conn);
  assert_int_equal(s.downs, 0); /* closed before its state changed */
  run_for(&x, 100);
  /* this outage logged once more for "rc" (one WARN per conn per outage) */
  assert_int_equal(count_lines(SIO_LOG_WARN, "redis[rc]: subscriber connection") +
                       count_lines(SIO_LOG_WARN, "redis[rc]: publisher connection") +
                       count_lines(SIO_LOG_WARN, "redis[rc]: cannot connect"),
                   2);
  peer_close(&a);
  ctx_finish(&x);
  assert_int_equal(cl.r.calls, 1);
  assert_int_equal(fl2.calls, 1);
}

static void test_auth_db(void **state) {
  ctx_t x;
  peer_t a, b, bad;
  char url[160], sock[64], portbuf[16];
  int port;
  pid_t pid;
  (void)state;
  SKIP_WITHOUT_REDIS();
  port = free_port();
  snprintf(sock, sizeof(sock), "/tmp/sio-test-redis-%d.sock", (int)getpid());
  snprintf(portbuf, sizeof(portbuf), "%d", port);
  {
    const char *extra[] = {
        "--requirepass", "s3cr:t@x", "--unixsocket", sock, "--unixsocketperm",
        "700",           NULL};
    pid = start_redis(port, extra);
  }
  ctx_init(&x);
  /* ACL form (AUTH default pass) and db over TCP; password + db over unix */
  snprintf(url, sizeof(url), "redis://default:s3cr%%3At%%40x@127.0.0.1:%d/3", port);
  peer_open(&x, &a, url, "auth-tcp");
  snprintf(url, sizeof(url), "unix://%s?db=3&password=s3cr%%3At%%40x", sock);
  peer_open(&x, &b, url, "auth-unix");
  snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", port);
  peer_open(&x, &bad, url, "auth-bad");
  assert_int_equal(sio__redis_conn_subscribe(a.conn, "db-ch"), 0);
  assert_int_equal(sio__redis_conn_subscribe(b.conn, "db-ch"), 0);
  RUN_UNTIL(&x, a.up && b.up, WAIT_MS);
  assert_int_equal(sio__redis_conn_publish(b.conn, "db-ch", "hi", 2), 0);
  RUN_UNTIL(&x, a.nmsgs == 1 && b.nmsgs == 1, WAIT_MS);
  assert_int_equal(numsub(&x, &a, "db-ch"), 2);

  /* SELECT 3 on all four connections, seen from Redis's side */
  {
    redisContext *rc = redisConnect("127.0.0.1", port);
    redisReply *r;
    const char *p;
    int n = 0;
    assert_non_null(rc);
    assert_int_equal(rc->err, 0);
    r = redisCommand(rc, "AUTH %s", "s3cr:t@x");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    r = redisCommand(rc, "CLIENT LIST");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    for (p = r->str; (p = strstr(p, " db=3 ")) != NULL; p++) n++;
    assert_int_equal(n, 4);
    freeReplyObject(r);
    redisFree(rc);
  }

  /* the wrong password: never up, logged clearly once, retried quietly */
  RUN_UNTIL(&x, count_lines(SIO_LOG_DEBUG, "AUTH failed") >= 4, WAIT_MS);
  assert_int_equal(bad.ups, 0);
  assert_int_equal(count_lines(SIO_LOG_WARN, "AUTH failed"), 1);
  peer_close(&a);
  peer_close(&b);
  peer_close(&bad);
  ctx_finish(&x);
  kill_redis(pid);
  unlink(sock);
}

static void test_close_paths(void **state) {
  ctx_t x;
  peer_t a, c1, c2, dead, early;
  char url[64], dead_url[64];
  int port, i;
  pid_t pid;
  intres_t r[3], rd = {0, 1, -1}, fd = {0, 1, 0}, rc2 = {0, 1, -1};
  (void)state;
  SKIP_WITHOUT_REDIS();
  port = free_port();
  pid = start_redis(port, NULL);
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
  snprintf(dead_url, sizeof(dead_url), "redis://127.0.0.1:%d", free_port());
  ctx_init(&x);
  peer_open(&x, &a, url, "a");
  peer_open(&x, &c1, url, "close-in-msg");
  peer_open(&x, &c2, url, "close-in-up");
  peer_open(&x, &dead, dead_url, "dead");
  peer_open(&x, &early, url, "early");
  peer_close(&early); /* while connecting */
  c1.close_on_msg = 1;
  c2.close_on_up = 1;
  assert_int_equal(sio__redis_conn_subscribe(c1.conn, "cl-ch"), 0);
  RUN_UNTIL(&x, a.up && c1.up && c2.ups == 1, WAIT_MS);
  assert_null(c2.conn); /* closed inside on_state */

  /* pending numsubs get SIO_ECANCELED exactly once, inside close */
  memset(r, 0, sizeof(r));
  for (i = 0; i < 3; i++)
    assert_int_equal(sio__redis_conn_numsub(a.conn, "cl-ch", int_cb, &r[i]), 0);
  /* c1 has one in flight too when it closes inside on_msg */
  assert_int_equal(sio__redis_conn_numsub(c1.conn, "cl-ch", int_cb, &rc2), 0);
  assert_int_equal(sio__redis_conn_publish(c1.conn, "cl-ch", "bye", 3), 0);
  peer_close(&a);
  for (i = 0; i < 3; i++) {
    assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[i].status, SIO_ECANCELED);
  }
  RUN_UNTIL(&x, c1.nmsgs == 1 && rc2.calls == 1, WAIT_MS);
  assert_null(c1.conn);
  /* either answered before the message or cancelled by the close */
  assert_true(rc2.status == 0 || rc2.status == SIO_ECANCELED);

  /* a conn that never connects: ENOTCONN is deferred, close cancels it */
  assert_int_equal(sio__redis_conn_numsub(dead.conn, "x", int_cb, &rd), 0);
  assert_int_equal(sio__redis_conn_publish(dead.conn, "x", "queued", 6), 0);
  assert_int_equal(sio__redis_conn_flush(dead.conn, flush_cb, &fd), 0);
  peer_close(&dead);
  assert_int_equal(rd.calls, 1);
  assert_int_equal(rd.status, SIO_ECANCELED);
  assert_int_equal(fd.calls, 1);
  assert_int_equal(fd.status, SIO_ECANCELED);

  ctx_finish(&x);
  for (i = 0; i < 3; i++) assert_int_equal(r[i].calls, 1);
  assert_int_equal(rd.calls, 1);
  assert_int_equal(fd.calls, 1);
  assert_int_equal(rc2.calls, 1);
  assert_int_equal(c1.nmsgs, 1);
  kill_redis(pid);
}

/* any command: the reply in the callback, errors as SIO_EPROTO with the
 * reply, SIO_ENOTCONN at once while down, SIO_ECANCELED inside close */
typedef struct {
  int calls;
  int status;
  int type;
  char str[64];
  long long integer;
} cmdres_t;

static void cmd_cb(void *arg, int status, const struct redisReply *reply) {
  cmdres_t *r = arg;
  r->calls++;
  r->status = status;
  r->type = reply ? reply->type : -1;
  if (reply && reply->str) snprintf(r->str, sizeof(r->str), "%s", reply->str);
  if (reply) r->integer = reply->integer;
}

static void command(peer_t *p, cmdres_t *r, int argc, const char **argv) {
  size_t lens[8];
  for (int i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
  memset(r, 0, sizeof(*r));
  assert_int_equal(sio__redis_conn_command(p->conn, argc, argv, lens, cmd_cb, r), 0);
  assert_int_equal(r->calls, 0); /* never inside the call */
}

static void test_command(void **state) {
  ctx_t x;
  peer_t a, dead;
  char url[64], dead_url[64];
  pid_t pid;
  cmdres_t r1, r2, r3, r4;
  (void)state;
  SKIP_WITHOUT_REDIS();
  int port = free_port();
  pid = start_redis(port, NULL);
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
  snprintf(dead_url, sizeof(dead_url), "redis://127.0.0.1:%d", free_port());
  ctx_init(&x);
  peer_open(&x, &a, url, "a");
  peer_open(&x, &dead, dead_url, "dead");
  RUN_UNTIL(&x, a.up, WAIT_MS);

  const char *set[] = {"SET", "k", "v1"}, *get[] = {"GET", "k"}, *bad[] = {"INCR", "k"},
             *xadd[] = {"XADD", "s", "*", "f", "v"};
  command(&a, &r1, 3, set);
  command(&a, &r2, 2, get);
  command(&a, &r3, 2, bad);
  command(&a, &r4, 5, xadd);
  RUN_UNTIL(&x, r4.calls == 1, WAIT_MS);
  /* in order, each once */
  assert_int_equal(r1.calls, 1);
  assert_int_equal(r1.status, 0);
  assert_string_equal(r1.str, "OK");
  assert_int_equal(r2.status, 0);
  assert_int_equal(r2.type, REDIS_REPLY_STRING);
  assert_string_equal(r2.str, "v1");
  assert_int_equal(r3.status, SIO_EPROTO);
  assert_int_equal(r3.type, REDIS_REPLY_ERROR);
  assert_int_equal(r4.status, 0);
  assert_non_null(strchr(r4.str, '-')); /* an entry id */

  /* down: refused at once, nothing queued */
  size_t lens[2] = {3, 1};
  memset(&r1, 0, sizeof(r1));
  assert_int_equal(sio__redis_conn_command(dead.conn, 2, get, lens, cmd_cb, &r1),
                   SIO_ENOTCONN);
  assert_int_equal(sio__redis_conn_command(a.conn, 0, get, lens, cmd_cb, &r1),
                   SIO_EINVAL);

  /* pending at close: SIO_ECANCELED without a reply, exactly once */
  command(&a, &r2, 2, get);
  peer_close(&a);
  assert_int_equal(r2.calls, 1);
  assert_int_equal(r2.status, SIO_ECANCELED);
  assert_int_equal(r2.type, -1);
  peer_close(&dead);
  ctx_finish(&x);
  assert_int_equal(r2.calls, 1);
  assert_int_equal(r1.calls, 0);
  kill_redis(pid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_command),     cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_reconnect),   cmocka_unit_test(test_auth_db),
      cmocka_unit_test(test_close_paths),
  };
  atexit(kill_all);
  alarm(60); /* a hung loop fails the run (children die with us) */
  sio_set_log_handler(log_cb, NULL);
  sio_set_log_level(SIO_LOG_DEBUG);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
