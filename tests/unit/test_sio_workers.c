/* One server on several workers (sio_server_opts_set_workers), with real
 * WebSocket clients on the test's loop (worker 0's): the connections spread
 * over the workers (the test adds clients until at least two workers have
 * some), and every operation on a selection reaches the sockets of every
 * worker: broadcasts with rooms and except, broadcast acks, fetch, joins
 * of a selection, disconnects of a selection, and the close. The
 * requests come from a client of another worker than 0; once more with a
 * cluster adapter (one that is its own whole cluster), whose operations
 * all run on worker 0's thread. Handlers run on the workers' threads: what
 * they share is under a mutex (label `threads`: `make test-tsan` runs this
 * file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/client.h"
#include "sio/adapter.h"
#include "sio/eio.h"
#include "sio/server.h"

#define MAXCLI 32
#define MINCLI 6

/* ---- what the server's handlers share (any worker's thread) ---- */

static uv_mutex_t g_mu;
static const sio_server_t *g_worker_of[MAXCLI]; /* g_mu */

static int auth_index(sio_socket_t *sock) {
  sio_buf_t auth;
  sio_socket_auth(sock, &auth);
  int i = -1;
  char buf[64];
  size_t n = auth.len < sizeof(buf) - 1 ? auth.len : sizeof(buf) - 1;
  memcpy(buf, auth.base, n);
  buf[n] = 0;
  if (sscanf(buf, "{\"i\":%d}", &i) != 1 || i < 0 || i >= MAXCLI) return -1;
  return i;
}

static void on_conn(sio_socket_t *sock, void *arg) {
  (void)arg;
  int i = auth_index(sock);
  if (i < 0) return;
  char room[16];
  snprintf(room, sizeof room, "c%d", i);
  sio_socket_join(sock, room);
  sio_socket_join(sock, i % 2 ? "odd" : "even");
  uv_mutex_lock(&g_mu);
  g_worker_of[i] = sio_socket_server(sock);
  uv_mutex_unlock(&g_mu);
}

static char *arg_str(const sio_argv_t *av, size_t i, char *buf, size_t cap) {
  size_t n;
  const char *s = sio_argv_string(av, i, &n);
  if (!s || n >= cap) return NULL;
  memcpy(buf, s, n);
  buf[n] = 0;
  return buf;
}

static void ack_int(sio_ack_t *ack, int64_t v) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, v);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

/* bcast (to|null, except|null, event): the broadcast, acked. */
static void on_bcast(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  char to[32], ex[32], name[32];
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  if (arg_str(av, 0, to, sizeof to)) b = sio_broadcast_to(b, to);
  if (arg_str(av, 1, ex, sizeof ex)) b = sio_broadcast_except(b, ex);
  int n = -1;
  /* A text and a binary argument: the bytes every worker shares. */
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "payload");
  sio_args_add_binary(a, "\x01\x02\x03", 3);
  if (arg_str(av, 2, name, sizeof name))
    n = sio_broadcast_emit(b, name, a);
  else
    sio_broadcast_free(b);
  sio_args_free(a);
  if (ack) ack_int(ack, n);
}

/* ask: a broadcast with acks to every socket; the asker's ack gets
 * [status, count, sum of the replies]. */
static void ask_done(int status, size_t count, const sio_argv_t *const *replies,
                     void *arg) {
  sio_ack_t *ack = arg;
  int64_t sum = 0, v;
  for (size_t i = 0; i < count; i++)
    if (sio_argv_int64(replies[i], 0, &v) == 0) sum += v;
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, status);
  sio_args_add_int(a, (int64_t)count);
  sio_args_add_int(a, sum);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

static void on_ask(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)av;
  (void)arg;
  sio_broadcast_t *b =
      sio_broadcast_timeout(sio_namespace_broadcast(sio_socket_namespace(sock)), 20000);
  int rc = sio_broadcast_emit_with_ack(b, "q", NULL, ask_done, sio_ack_hold(ack));
  if (rc < 0) sio_ack_release(ack);
}

/* fetch (room): [count, of them on this worker]. */
static void fetch_done(int status, size_t count, sio_remote_socket_t *const *socks,
                       void *arg) {
  sio_ack_t *ack = arg;
  int64_t local = 0;
  for (size_t i = 0; i < count; i++) local += sio_remote_socket_local(socks[i]) != NULL;
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, status);
  sio_args_add_int(a, (int64_t)count);
  sio_args_add_int(a, local);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

static void on_fetch(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  char room[32];
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  if (arg_str(av, 0, room, sizeof room)) b = sio_broadcast_to(b, room);
  if (sio_broadcast_fetch_sockets(b, fetch_done, sio_ack_hold(ack)) < 0)
    sio_ack_release(ack);
}

/* move: the odd sockets join "moved"; kick: they are disconnected. */
static void on_move(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)av;
  (void)arg;
  sio_broadcast_t *b =
      sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)), "odd");
  int n = strcmp(ev, "move") == 0 ? sio_broadcast_sockets_join(b, "moved")
                                  : sio_broadcast_disconnect_sockets(b, 1);
  if (ack) ack_int(ack, n);
}

/* clients: [the Engine.IO sessions of the caller's worker, of every
 * worker]. */
static void on_clients(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                       sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)av;
  (void)arg;
  const sio_eio_server_t *eio = sio_server_eio(sio_socket_server(sock));
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, (int64_t)sio_eio_server_clients_count_here(eio));
  sio_args_add_int(a, (int64_t)sio_eio_server_clients_count(eio));
  if (ack) sio_ack_send(ack, a);
  sio_args_free(a);
}

/* late: registered after the workers started; answers 7. */
static void on_late(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)sock;
  (void)ev;
  (void)av;
  (void)arg;
  if (ack) ack_int(ack, 7);
}

/* ---- the clients (the test's thread) ---- */

typedef struct {
  sio_client_t *c;
  sio_client_socket_t *s;
  int idx, connected, gone;
  int b1, b2, done;
} cli_t;

static uv_loop_t g_loop;
static cli_t g_cli[MAXCLI];
static size_t g_ncli;
static size_t g_caller; /* the client that asks: one of another worker than 0 */
static int g_closed;
/* The last ack reply a client got: up to 3 integers. */
static int64_t g_reply[3];
static int g_replied;

static void cli_on(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                   sio_client_ack_t *ack, void *arg) {
  (void)s;
  cli_t *c = arg;
  if (strcmp(ev, "b1") == 0 || strcmp(ev, "b2") == 0 || strcmp(ev, "done") == 0) {
    size_t n = 0;
    const char *str = sio_argv_string(av, 0, &n);
    sio_buf_t bin = {0};
    assert_non_null(str);
    assert_int_equal(n, 7);
    assert_memory_equal(str, "payload", 7);
    assert_int_equal(sio_argv_binary(av, 1, &bin), 0);
    assert_int_equal(bin.len, 3);
    assert_memory_equal(bin.base, "\x01\x02\x03", 3);
  }
  if (strcmp(ev, "b1") == 0) c->b1++;
  if (strcmp(ev, "b2") == 0) c->b2++;
  if (strcmp(ev, "done") == 0) c->done++;
  if (strcmp(ev, "q") == 0 && ack) {
    sio_args_t *a = sio_args_new();
    sio_args_add_int(a, c->idx);
    sio_client_ack_send(ack, a);
    sio_args_free(a);
  }
}

static void cli_connected(sio_client_socket_t *s, void *arg) {
  (void)s;
  ((cli_t *)arg)->connected = 1;
}

static void cli_gone(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s;
  (void)reason;
  ((cli_t *)arg)->gone = 1;
}

static void add_client(int port) {
  cli_t *c = &g_cli[g_ncli];
  memset(c, 0, sizeof(*c));
  c->idx = (int)g_ncli++;
  char url[64], auth[32];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  snprintf(auth, sizeof auth, "{\"i\":%d}", c->idx);
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, SIO_TRANSPORT_WEBSOCKET);
  sio_client_opts_set_reconnection(o, 0);
  assert_int_equal(sio_client_new(&g_loop, url, o, &c->c), 0);
  sio_client_opts_free(o);
  c->s = sio_client_socket(c->c, "/");
  assert_non_null(c->s);
  assert_int_equal(sio_client_socket_set_auth(c->s, auth), 0);
  sio_client_socket_on_connect(c->s, cli_connected, c);
  sio_client_socket_on_disconnect(c->s, cli_gone, c);
  static const char *const evs[] = {"b1", "b2", "done", "q"};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(sio_client_socket_on(c->s, evs[i], cli_on, c), 0);
  assert_int_equal(sio_client_socket_connect(c->s), 0);
}

/* Runs the loop until pred() holds; a guard timer fails the test if that
 * never happens (a hang, not a timing assertion). */
static const char *g_step = "start";
static void guard_fire(uv_timer_t *t) {
  (void)t;
  fail_msg("the awaited state never came (step: %s)", g_step);
}

static void run_until(int (*pred)(void)) {
  uv_timer_t guard;
  uv_timer_init(&g_loop, &guard);
  uv_timer_start(&guard, guard_fire, 30000, 0);
  while (!pred()) uv_run(&g_loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&guard, NULL);
  uv_run(&g_loop, UV_RUN_NOWAIT);
}

static int all_connected(void) {
  for (size_t i = 0; i < g_ncli; i++)
    if (!g_cli[i].connected) return 0;
  return 1;
}

static int g_done_wanted;
static int all_done(void) {
  for (size_t i = 0; i < g_ncli; i++)
    if (!g_cli[i].gone && g_cli[i].done < g_done_wanted) return 0;
  return 1;
}

static int replied(void) {
  return g_replied;
}

static int g_late;
static int late_all(void) {
  return g_late == (int)g_ncli;
}
static void on_late_reply(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                          void *arg) {
  (void)s;
  (void)arg;
  int64_t v = 0;
  assert_int_equal(status, 0);
  assert_int_equal(sio_argv_int64(reply, 0, &v), 0);
  assert_int_equal(v, 7);
  g_late++;
}

static void on_reply(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                     void *arg) {
  (void)s;
  (void)arg;
  assert_int_equal(status, 0);
  for (size_t i = 0; i < 3; i++) {
    g_reply[i] = -1;
    sio_argv_int64(reply, i, &g_reply[i]);
  }
  g_replied = 1;
}

/* The caller emits ev with string arguments (NULL: null) and waits for the
 * ack. */
static void call(const char *ev, const char *a0, const char *a1, const char *a2) {
  g_step = ev;
  sio_args_t *a = sio_args_new();
  const char *v[3] = {a0, a1, a2};
  for (size_t i = 0; i < 3; i++)
    if (v[i])
      sio_args_add_string(a, v[i]);
    else
      sio_args_add_null(a);
  g_replied = 0;
  assert_int_equal(
      sio_client_socket_emit_with_ack(g_cli[g_caller].s, ev, a, 0, on_reply, NULL), 0);
  sio_args_free(a);
  run_until(replied);
}

/* A broadcast to everyone from the caller's worker: once every client got
 * it, everything that worker sent before it has arrived too (each worker's
 * jobs to another run in order, each connection's frames too). */
static void barrier(void) {
  call("bcast", NULL, NULL, "done");
  g_done_wanted++;
  g_step = "barrier";
  run_until(all_done);
}

static size_t distinct_workers(void) {
  const sio_server_t *seen[MAXCLI];
  size_t n = 0;
  uv_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_ncli; i++) {
    size_t k = 0;
    while (k < n && seen[k] != g_worker_of[i]) k++;
    if (k == n && g_worker_of[i]) seen[n++] = g_worker_of[i];
  }
  uv_mutex_unlock(&g_mu);
  return n;
}

/* The clients whose socket lives on the caller's worker. */
static int64_t local_clients(void) {
  int64_t n = 0;
  uv_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_ncli; i++) n += g_worker_of[i] == g_worker_of[g_caller];
  uv_mutex_unlock(&g_mu);
  return n;
}

static void server_closed(sio_server_t *s, void *arg) {
  (void)s;
  (void)arg;
  g_closed = 1;
}

static int closed(void) {
  return g_closed;
}

static int all_gone(void) {
  for (size_t i = 0; i < g_ncli; i++)
    if (!g_cli[i].gone) return 0;
  return 1;
}

/* ---- sio_server_on_worker: start on the listening thread for every
 * worker in order, stop on each worker's own thread at the close ---- */

static uv_thread_t g_main_thread;
static unsigned g_started[8], g_nstarted; /* worker indices, in start order */
static int g_stop_here[8], g_stopped[8];  /* g_mu: stop ran, on its thread */
static sio_interval_t *g_tick[8];         /* one per worker, closed by stop */

static void noop_tick(void *arg) {
  (void)arg;
}

static void worker_start(sio_server_t *w, void *arg) {
  assert_ptr_equal(arg, &g_nstarted);
  uv_thread_t self = uv_thread_self();
  assert_true(uv_thread_equal(&self, &g_main_thread));
  unsigned i = sio_server_worker(w);
  g_started[g_nstarted++] = i;
  assert_int_equal(sio_server_every(w, 60000, noop_tick, NULL, &g_tick[i]), 0);
}

static void worker_stop(sio_server_t *w, void *arg) {
  (void)arg;
  unsigned i = sio_server_worker(w);
  uv_thread_t self = uv_thread_self();
  int here = uv_thread_equal(&self, &g_main_thread) == (i == 0);
  sio_interval_close(g_tick[i], NULL);
  uv_mutex_lock(&g_mu);
  g_stopped[i]++;
  g_stop_here[i] = here;
  uv_mutex_unlock(&g_mu);
}

/* ---- a cluster adapter alone in its cluster: every operation runs the
 * local one, counted; all of them must run on worker 0's thread (the
 * test's) ---- */

static uv_thread_t g_main;
static int g_adapter_ops, g_adapter_off_thread;

static void *ad_create(sio_namespace_t *nsp, void *arg) {
  (void)arg;
  return nsp;
}
static void ad_destroy(void *self) {
  (void)self;
}
static void ad_count(void) {
  uv_thread_t self = uv_thread_self();
  if (!uv_thread_equal(&self, &g_main)) g_adapter_off_thread++;
  g_adapter_ops++;
}
static int ad_broadcast(void *self, const sio_adapter_packet_t *pkt,
                        const sio_adapter_opts_t *opts) {
  ad_count();
  return sio_adapter_local_broadcast(self, pkt, opts);
}
static int ad_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                 const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack) {
  ad_count();
  int n = sio_adapter_local_broadcast_with_ack(self, pkt, opts, ack, NULL, NULL);
  sio_adapter_ack_servers_done(ack);
  sio_adapter_ack_release(ack);
  return n;
}
static int ad_join(void *self, const sio_adapter_opts_t *opts, const char *const *rooms,
                   size_t nrooms) {
  ad_count();
  return sio_adapter_local_sockets_join(self, opts, rooms, nrooms);
}
static int ad_leave(void *self, const sio_adapter_opts_t *opts, const char *const *rooms,
                    size_t nrooms) {
  ad_count();
  return sio_adapter_local_sockets_leave(self, opts, rooms, nrooms);
}
static int ad_disconnect(void *self, const sio_adapter_opts_t *opts, int close) {
  ad_count();
  return sio_adapter_local_disconnect_sockets(self, opts, close);
}
static int ad_fetch(void *self, const sio_adapter_opts_t *opts,
                    sio_adapter_fetch_t *req) {
  ad_count();
  int n = sio_adapter_local_fetch(self, opts, req, NULL, NULL);
  /* The other workers' sockets are still to come: req waits for them. */
  sio_adapter_fetch_done(req, 0);
  return n;
}
static int ad_server_side_emit(void *self, const sio_adapter_packet_t *pkt) {
  (void)self;
  (void)pkt;
  ad_count();
  return 0;
}

static const sio_adapter_ops_t g_adapter = {
    .size = SIO_ADAPTER_OPS_SIZE,
    .create = ad_create,
    .destroy = ad_destroy,
    .broadcast = ad_broadcast,
    .broadcast_with_ack = ad_broadcast_with_ack,
    .sockets_join = ad_join,
    .sockets_leave = ad_leave,
    .disconnect_sockets = ad_disconnect,
    .fetch_sockets = ad_fetch,
    .server_side_emit = ad_server_side_emit,
};

static const sio_server_t *g_srv; /* worker 0's */

/* Picks g_caller; 1 when there is one. */
static int sibling_even(void) {
  int found = 0;
  uv_mutex_lock(&g_mu);
  for (size_t i = 0; !found && i < g_ncli; i += 2)
    if (g_worker_of[i] != g_srv) {
      g_caller = i;
      found = 1;
    }
  uv_mutex_unlock(&g_mu);
  return found;
}

static unsigned g_want_started;
static int all_started(void) {
  return g_nstarted == g_want_started;
}

static void run_workers(unsigned workers, int adapter) {
  memset(g_worker_of, 0, sizeof g_worker_of);
  g_ncli = 0;
  g_closed = 0;
  g_done_wanted = 0;
  assert_int_equal(uv_loop_init(&g_loop), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_workers(o, workers), 0);
  sio_server_t *srv = NULL;
  assert_int_equal(sio_server_new(&g_loop, o, &srv), 0);
  sio_server_opts_free(o);
  sio_namespace_t *nsp = sio_server_of(srv, "/");
  assert_int_equal(sio_namespace_on_connection(nsp, on_conn, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "bcast", on_bcast, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "ask", on_ask, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "fetch", on_fetch, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "move", on_move, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "kick", on_move, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "clients", on_clients, NULL), 0);
  g_main = uv_thread_self();
  g_adapter_ops = g_adapter_off_thread = 0;
  if (adapter) assert_int_equal(sio_server_set_adapter(srv, &g_adapter, NULL), 0);
  g_main_thread = uv_thread_self();
  g_nstarted = 0;
  memset(g_stopped, 0, sizeof g_stopped);
  assert_int_equal(sio_server_on_worker(srv, worker_start, worker_stop, &g_nstarted), 0);
  assert_int_equal(sio_server_listen(srv, "127.0.0.1", 0), 0);
  /* The workers start on the loop's next turn after listen. */
  g_want_started = workers;
  g_step = "start";
  run_until(all_started);
  /* Too late for an adapter: the workers run. */
  assert_int_equal(sio_server_set_adapter(srv, &g_adapter, NULL), SIO_EINVAL);
  int port = sio_server_port(srv);
  assert_int_equal(g_nstarted, workers);
  for (unsigned i = 0; i < workers; i++) assert_int_equal(g_started[i], i);
  assert_int_equal(sio_server_on_worker(srv, worker_start, NULL, NULL), SIO_EBUSY);

  /* Clients until at least two workers have some. */
  while (g_ncli < MINCLI || (distinct_workers() < 2 && g_ncli < MAXCLI)) {
    add_client(port);
    g_step = "connect";
    run_until(all_connected);
  }
  assert_true(distinct_workers() >= 2);
  /* The caller: an even client (the odd ones are kicked) of another
   * worker than 0. */
  g_srv = srv;
  while (!sibling_even() && g_ncli < MAXCLI) {
    add_client(port);
    g_step = "connect";
    run_until(all_connected);
  }
  assert_true(sibling_even());

  /* A handler registered now, after the start, reaches every worker. */
  assert_int_equal(sio_namespace_on(nsp, "late", on_late, NULL), 0);
  /* It reaches the others by posted jobs: a broadcast from worker 0 (this
   * thread) is posted after them, so once every client got it, every
   * worker has the handler. */
  sio_args_t *pa = sio_args_new();
  sio_args_add_string(pa, "payload");
  sio_args_add_binary(pa, "\x01\x02\x03", 3);
  assert_true(sio_broadcast_emit(sio_namespace_broadcast(nsp), "done", pa) >= 0);
  sio_args_free(pa);
  g_done_wanted++;
  g_step = "mirrored";
  run_until(all_done);
  g_late = 0;
  for (size_t i = 0; i < g_ncli; i++)
    assert_int_equal(
        sio_client_socket_emit_with_ack(g_cli[i].s, "late", NULL, 0, on_late_reply, NULL),
        0);
  g_step = "late";
  run_until(late_all);

  /* Rooms and except across workers: the even sockets but c2. */
  call("bcast", "even", "c2", "b1");
  barrier();
  for (size_t i = 0; i < g_ncli; i++)
    assert_int_equal(g_cli[i].b1, (i % 2 == 0 && i != 2) ? 1 : 0);

  /* Broadcast acks: every socket of every worker answers its index. */
  call("ask", NULL, NULL, NULL);
  int64_t sum = 0;
  for (size_t i = 0; i < g_ncli; i++) sum += (int64_t)i;
  assert_int_equal(g_reply[0], 0);
  assert_int_equal(g_reply[1], (int64_t)g_ncli);
  assert_int_equal(g_reply[2], sum);

  /* Fetch: every odd socket; those of the caller's worker are local. */
  call("fetch", "odd", NULL, NULL);
  int64_t odd = 0, local = 0;
  uv_mutex_lock(&g_mu);
  for (size_t i = 1; i < g_ncli; i += 2) {
    odd++;
    local += g_worker_of[i] == g_worker_of[g_caller];
  }
  uv_mutex_unlock(&g_mu);
  assert_int_equal(g_reply[0], 0);
  assert_int_equal(g_reply[1], odd);
  assert_int_equal(g_reply[2], local);

  /* Session counts: the caller's worker's own, and the process's. */
  call("clients", NULL, NULL, NULL);
  assert_int_equal(g_reply[0], local_clients());
  assert_int_equal(g_reply[1], (int64_t)g_ncli);

  /* A selection joins a room on every worker. */
  call("move", NULL, NULL, NULL);
  call("bcast", "moved", NULL, "b2");
  barrier();
  for (size_t i = 0; i < g_ncli; i++) assert_int_equal(g_cli[i].b2, i % 2);

  /* A selection is disconnected on every worker; the others stay. */
  call("kick", NULL, NULL, NULL);
  barrier();
  for (size_t i = 0; i < g_ncli; i++) {
    if (i % 2) continue;
    assert_false(g_cli[i].gone);
  }

  /* With the adapter, each request above went through it, on worker 0. */
  if (adapter) assert_true(g_adapter_ops >= 6);
  assert_int_equal(g_adapter_off_thread, 0);

  /* The close: every worker's clients are told, then the callback runs. */
  sio_server_close(srv, server_closed, NULL);
  g_step = "close";
  run_until(closed);
  g_step = "gone";
  for (unsigned i = 0; i < workers; i++) {
    assert_int_equal(g_stopped[i], 1); /* the siblings' threads are joined */
    assert_true(g_stop_here[i]);
  }
  run_until(all_gone);
  for (size_t i = 0; i < g_ncli; i++) sio_client_close(g_cli[i].c, NULL, NULL);
  uv_run(&g_loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&g_loop), 0);
}

static void test_two_workers(void **state) {
  (void)state;
  run_workers(2, 0);
}

static void test_four_workers(void **state) {
  (void)state;
  run_workers(4, 0);
}

/* The same through a cluster adapter on worker 0: the other workers' acks,
 * fetch, joins, disconnects and broadcasts go through it. */
static void test_two_workers_adapter(void **state) {
  (void)state;
  run_workers(2, 1);
}

static void test_four_workers_adapter(void **state) {
  (void)state;
  run_workers(4, 1);
}

/* The option's bounds and refusals. */
static void test_refusals(void **state) {
  (void)state;
  sio_server_opts_t *o = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_workers(o, SIO_WORKERS_MAX + 1), SIO_EINVAL);
  assert_int_equal(sio_server_opts_set_workers(o, 2), 0);
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_server_t *http = NULL;
  assert_int_equal(sio_http_server_new(&loop, NULL, &http), 0);
  sio_server_t *s = NULL;
  assert_int_equal(sio_server_attach(http, o, &s), SIO_EINVAL);
  sio_server_opts_free(o);
  sio_http_server_close(http, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Workers made and closed without ever listening: their threads start for
 * the close and every loop is freed. */
static void test_close_unstarted(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  sio_server_opts_set_workers(o, 3);
  sio_server_t *s = NULL;
  assert_int_equal(sio_server_new(&loop, o, &s), 0);
  sio_server_opts_free(o);
  sio_server_close(s, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* One worker: start at sio_server_listen, stop at the close; a server of
 * sio_server_attach never starts. */
static void test_hooks_one_worker(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  g_main_thread = uv_thread_self();
  g_nstarted = 0;
  memset(g_stopped, 0, sizeof g_stopped);
  sio_server_t *s = NULL;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  assert_int_equal(sio_server_on_worker(s, NULL, NULL, NULL), SIO_EINVAL);
  assert_int_equal(sio_server_on_worker(s, worker_start, worker_stop, &g_nstarted), 0);
  assert_int_equal(g_nstarted, 0);
  assert_int_equal(sio_server_listen(s, "127.0.0.1", 0), 0);
  assert_int_equal(g_nstarted, 1);
  assert_int_equal(g_started[0], 0);
  sio_server_close(s, NULL, NULL);
  assert_int_equal(g_stopped[0], 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  sio_http_server_t *http = NULL;
  assert_int_equal(sio_http_server_new(&loop, NULL, &http), 0);
  assert_int_equal(sio_server_attach(http, NULL, &s), 0);
  assert_int_equal(sio_server_on_worker(s, worker_start, worker_stop, &g_nstarted), 0);
  sio_server_close(s, NULL, NULL);
  assert_int_equal(g_nstarted, 1);
  assert_int_equal(g_stopped[0], 1);
  sio_http_server_close(http, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- connection state recovery across workers ---- */

static const sio_server_t *g_rec_worker; /* g_mu: the last session's worker */
static int g_rec_recovered, g_rec_conns; /* g_mu */

static void rec_conn(sio_socket_t *sock, void *arg) {
  (void)arg;
  int recovered = sio_socket_recovered(sock);
  if (!recovered) sio_socket_join(sock, "r");
  uv_mutex_lock(&g_mu);
  g_rec_worker = sio_socket_server(sock);
  g_rec_recovered = recovered;
  g_rec_conns++;
  uv_mutex_unlock(&g_mu);
}

/* self (k): "m" k to this socket (kept: an emit to one socket is), then
 * the ack. */
static void on_self(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)arg;
  int64_t k = -1;
  sio_argv_int64(av, 0, &k);
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, k);
  sio_socket_emit(sock, "m", a);
  sio_args_free(a);
  if (ack) sio_ack_send(ack, NULL);
}

/* drop: the server closes the transport (a recoverable disconnection). */
static void on_drop(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)ev;
  (void)av;
  (void)ack;
  (void)arg;
  sio_eio_socket_t *e = sio_socket_eio(sock);
  if (e) sio_eio_socket_close(e);
}

#define REC_MAX 64
static int g_m[REC_MAX]; /* how often the client got "m" k */
static int g_rconnects, g_rgone, g_racked;

static void rcli_m(sio_client_socket_t *s, const char *ev, const sio_argv_t *av,
                   sio_client_ack_t *ack, void *arg) {
  (void)s;
  (void)ev;
  (void)ack;
  (void)arg;
  int64_t k = -1;
  assert_int_equal(sio_argv_int64(av, 0, &k), 0);
  assert_true(k >= 0 && k < REC_MAX);
  /* The offset comes last. */
  assert_non_null(sio_argv_string(av, 1, NULL));
  g_m[k]++;
}

static void rcli_connected(sio_client_socket_t *s, void *arg) {
  (void)s;
  (void)arg;
  g_rconnects++;
}

static void rcli_gone(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s;
  (void)reason;
  (void)arg;
  g_rgone++;
}

static void rcli_acked(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                       void *arg) {
  (void)s;
  (void)reply;
  (void)arg;
  assert_int_equal(status, 0);
  g_racked++;
}

static int g_rwant;
static int rec_connected(void) {
  uv_mutex_lock(&g_mu);
  int n = g_rec_conns;
  uv_mutex_unlock(&g_mu);
  return g_rconnects >= g_rwant && n >= g_rwant;
}
static int rec_gone(void) {
  return g_rgone >= g_rwant;
}
static int rec_acked(void) {
  return g_racked >= g_rwant;
}
static int g_mwant;
static int rec_got(void) {
  return g_m[g_mwant] > 0;
}

static void emit_m(sio_namespace_t *nsp, int k) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, k);
  assert_true(sio_broadcast_emit(sio_broadcast_to(sio_namespace_broadcast(nsp), "r"), "m",
                                 a) >= 0);
  sio_args_free(a);
}

/* A client that reconnects after a transport close gets its session back
 * whatever worker its new connection lands on: the test drops and
 * reconnects until the new session is on another worker than the last,
 * with a packet kept on the old worker (an emit to the socket) and one
 * broadcast from worker 0 while the client is away. */
static void test_recovery_other_worker(void **state) {
  (void)state;
  memset(g_m, 0, sizeof g_m);
  g_rec_conns = g_rconnects = g_rgone = g_racked = 0;
  g_rec_worker = NULL;
  uv_loop_t *loop = &g_loop;
  assert_int_equal(uv_loop_init(loop), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_workers(o, 2), 0);
  assert_int_equal(sio_server_opts_set_recovery(o, 60000, 1), 0);
  sio_server_t *srv = NULL;
  assert_int_equal(sio_server_new(loop, o, &srv), 0);
  sio_server_opts_free(o);
  sio_namespace_t *nsp = sio_server_of(srv, "/");
  assert_int_equal(sio_namespace_on_connection(nsp, rec_conn, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "self", on_self, NULL), 0);
  assert_int_equal(sio_namespace_on(nsp, "drop", on_drop, NULL), 0);
  assert_int_equal(sio_server_listen(srv, "127.0.0.1", 0), 0);

  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", sio_server_port(srv));
  sio_client_opts_t *co = sio_client_opts_new();
  sio_client_opts_set_transports(co, SIO_TRANSPORT_WEBSOCKET);
  sio_client_opts_set_reconnection_delay(co, 50, 50);
  sio_client_opts_set_randomization(co, 0);
  sio_client_t *c = NULL;
  assert_int_equal(sio_client_new(loop, url, co, &c), 0);
  sio_client_opts_free(co);
  sio_client_socket_t *cs = sio_client_socket(c, "/");
  sio_client_socket_on_connect(cs, rcli_connected, NULL);
  sio_client_socket_on_disconnect(cs, rcli_gone, NULL);
  assert_int_equal(sio_client_socket_on(cs, "m", rcli_m, NULL), 0);
  assert_int_equal(sio_client_socket_connect(cs), 0);
  g_rwant = 1;
  g_step = "recovery: connect";
  run_until(rec_connected);
  assert_int_equal(sio_client_socket_recovered(cs), 0);
  char id[32];
  snprintf(id, sizeof id, "%s", sio_client_socket_id(cs));

  int moved = 0, k = 0;
  for (int round = 0; !moved && k + 2 < REC_MAX; round++, k += 2) {
    /* A packet kept by the session's worker: the client's offset. */
    sio_args_t *a = sio_args_new();
    sio_args_add_int(a, k);
    assert_int_equal(sio_client_socket_emit_with_ack(cs, "self", a, 0, rcli_acked, NULL),
                     0);
    sio_args_free(a);
    g_rwant = round + 1;
    g_step = "recovery: self";
    run_until(rec_acked);
    g_mwant = k;
    run_until(rec_got);
    uv_mutex_lock(&g_mu);
    const sio_server_t *before = g_rec_worker;
    uv_mutex_unlock(&g_mu);
    /* Away: a broadcast to its room is kept for it. */
    assert_int_equal(sio_client_socket_emit(cs, "drop", NULL), 0);
    g_step = "recovery: drop";
    run_until(rec_gone);
    emit_m(nsp, k + 1);
    g_rwant = round + 2;
    g_step = "recovery: reconnect";
    run_until(rec_connected);
    g_mwant = k + 1;
    g_step = "recovery: missed";
    run_until(rec_got);
    assert_int_equal(sio_client_socket_recovered(cs), 1);
    assert_string_equal(sio_client_socket_id(cs), id);
    uv_mutex_lock(&g_mu);
    assert_int_equal(g_rec_recovered, 1);
    moved = g_rec_worker != before;
    uv_mutex_unlock(&g_mu);
  }
  assert_true(moved);
  /* Its room came back; every packet came once. */
  emit_m(nsp, k);
  g_mwant = k;
  g_step = "recovery: room";
  run_until(rec_got);
  for (int i = 0; i <= k; i++) assert_int_equal(g_m[i], 1);

  sio_server_close(srv, server_closed, NULL);
  g_closed = 0;
  g_step = "recovery: close";
  run_until(closed);
  sio_client_close(c, NULL, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
}

int main(void) {
  uv_mutex_init(&g_mu);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_hooks_one_worker),
      cmocka_unit_test(test_close_unstarted),
      cmocka_unit_test(test_two_workers),
      cmocka_unit_test(test_four_workers),
      cmocka_unit_test(test_two_workers_adapter),
      cmocka_unit_test(test_four_workers_adapter),
      cmocka_unit_test(test_recovery_other_worker),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  uv_mutex_destroy(&g_mu);
  return rc;
}
