/* Unit tests for what handlers may do to the server while they run, with a
 * live server and a blocking Engine.IO polling client in a thread (or, where
 * the wire form does not matter, the in-process test client):
 * - a handler removing itself (the "once" pattern) reads its event name
 *   safely and the next handler of the event still runs for that packet; a
 *   handler added during a dispatch waits for the next packet, one removed
 *   does not run any more; the same for namespace handlers and connection
 *   and disconnect lists;
 * - reserved names cannot be registered, and an event name with an escaped
 *   NUL ("disconnect\u0000") is an invalid packet, never a reserved event;
 * - an empty dynamic child namespace is freed with its adapter instance,
 *   and names longer than the bound are refused;
 * - a broadcast over a parent whose outgoing catch-all disconnects every
 *   socket completes, and the emptied children are freed afterwards, not
 *   under the running call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/sio_internal.h"
#include "sio/test_client.h"

typedef struct ctx ctx_t;

struct ctx {
  sio_server_t *srv;
  int port;
  char sid[32];
  void (*client)(ctx_t *c);
  sio_namespace_t *root, *parent;
  /* test 1 */
  int once_runs, once_name_ok, after_runs, late_runs, adder_runs, victim_runs;
  int nsp_once_runs, nsp_once_name_ok, nsp_after_runs;
  /* test 2 */
  int any_runs, any_reserved;
  char reason[64];
  int late_disc_runs;
  /* test 3 */
  int creates, destroys, conn_runs, conn_late_runs;
  size_t children_after, map_after;
  int keep_present;
  char long_reply[1024];
  /* test 4 */
  int disconnects, news_out;
};

/* ---- a blocking polling client ---- */

/* One HTTP/1.1 request on a new connection; the body goes to out. Returns
 * the status, or -1. */
static int http_req(int port, const char *method, const char *target, const char *body,
                    char *out, size_t cap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  size_t blen = body ? strlen(body) : 0;
  size_t rcap = blen + 512;
  char *req = malloc(rcap);
  int n = snprintf(req, rcap,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   "Content-Length: %zu\r\nContent-Type: text/plain\r\n\r\n%s",
                   method, target, blen, body ? body : "");
  ssize_t w = write(fd, req, (size_t)n);
  free(req);
  if (w != n) {
    close(fd);
    return -1;
  }
  char resp[8192];
  size_t got = 0;
  ssize_t r;
  while (got < sizeof(resp) - 1 && (r = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
    got += (size_t)r;
  resp[got] = 0;
  close(fd);
  int status = -1;
  sscanf(resp, "HTTP/1.1 %d", &status);
  const char *b = strstr(resp, "\r\n\r\n");
  if (out) snprintf(out, cap, "%s", b ? b + 4 : "");
  return status;
}

static void open_session(ctx_t *c) {
  char body[1024];
  c->sid[0] = 0;
  if (http_req(c->port, "GET", "/socket.io/?EIO=4&transport=polling", NULL, body,
               sizeof(body)) == 200) {
    const char *p = strstr(body, "\"sid\":\"");
    if (p) snprintf(c->sid, 21, "%s", p + 7);
  }
}

static int poll_post(ctx_t *c, const char *payload) {
  char target[128], body[256];
  snprintf(target, sizeof(target), "/socket.io/?EIO=4&transport=polling&sid=%s", c->sid);
  return http_req(c->port, "POST", target, payload, body, sizeof(body));
}

static int poll_get(ctx_t *c, char *out, size_t cap) {
  char target[128];
  snprintf(target, sizeof(target), "/socket.io/?EIO=4&transport=polling&sid=%s", c->sid);
  return http_req(c->port, "GET", target, NULL, out, cap);
}

static void close_now(sio_server_t *s, void *arg) {
  (void)arg;
  sio_server_close(s, NULL, NULL);
}

static void *client_main(void *arg) {
  ctx_t *c = arg;
  c->client(c);
  sio_server_post(c->srv, close_now, c);
  return NULL;
}

/* Runs the server on a loop of the test's until the client thread is done
 * and the server closed. */
static void run(ctx_t *c, uv_loop_t *loop) {
  assert_int_equal(sio_server_listen(c->srv, "127.0.0.1", 0), 0);
  c->port = sio_server_port(c->srv);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, client_main, c), 0);
  assert_int_equal(uv_run(loop, UV_RUN_DEFAULT), 0);
  pthread_join(th, NULL);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* ---- 1: handlers changing their own lists ---- */

static void once_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg);
static void after_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av, (void)ack;
  ((ctx_t *)arg)->after_runs++;
}
static void once_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)av, (void)ack;
  ctx_t *c = arg;
  assert_int_equal(sio_socket_off(sock, event, once_h, c), 1);
  c->once_runs++;
  c->once_name_ok = strcmp(event, "ping") == 0; /* read after the removal */
}
static void late_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av, (void)ack;
  ((ctx_t *)arg)->late_runs++;
}
static void adder_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)av, (void)ack;
  ctx_t *c = arg;
  if (c->adder_runs++ == 0) assert_int_equal(sio_socket_on(sock, event, late_h, c), 0);
}
static void victim_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av, (void)ack;
  ((ctx_t *)arg)->victim_runs++;
}
static void killer_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                     sio_ack_t *ack, void *arg) {
  (void)av, (void)ack;
  sio_socket_off(sock, event, victim_h, arg);
}
static void nsp_once_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                       sio_ack_t *ack, void *arg) {
  (void)av, (void)ack;
  ctx_t *c = arg;
  assert_int_equal(sio_namespace_off(sio_socket_namespace(sock), event, nsp_once_h, c),
                   1);
  c->nsp_once_runs++;
  c->nsp_once_name_ok = strcmp(event, "ping") == 0;
}
static void nsp_after_h(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                        sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av, (void)ack;
  ((ctx_t *)arg)->nsp_after_runs++;
}

static void noop_disc(sio_socket_t *sock, const char *reason, void *arg) {
  (void)sock, (void)reason, (void)arg;
}

static void conn_1(sio_socket_t *sock, void *arg) {
  ctx_t *c = arg;
  assert_int_equal(sio_socket_on(sock, "disconnect", after_h, c), SIO_EINVAL);
  assert_int_equal(sio_socket_on(sock, "newListener", after_h, c), SIO_EINVAL);
  assert_int_equal(sio_socket_on(sock, "ping", once_h, c), 0);
  assert_int_equal(sio_socket_on(sock, "ping", after_h, c), 0);
  assert_int_equal(sio_socket_on(sock, "ping", adder_h, c), 0);
  assert_int_equal(sio_socket_on(sock, "ping", killer_h, c), 0);
  assert_int_equal(sio_socket_on(sock, "ping", victim_h, c), 0);
  assert_int_equal(sio_socket_on_disconnect(sock, noop_disc, c), 0);
}

static void test_handlers_change_their_lists(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  c.root = sio_server_of(c.srv, "/");
  for (const char *const *r =
           (const char *const[]){"connect", "connect_error", "disconnect",
                                 "disconnecting", "newListener", "removeListener", NULL};
       *r; r++)
    assert_int_equal(sio_namespace_on(c.root, *r, nsp_after_h, &c), SIO_EINVAL);
  assert_int_equal(sio_namespace_on(c.root, "ping", nsp_once_h, &c), 0);
  assert_int_equal(sio_namespace_on(c.root, "ping", nsp_after_h, &c), 0);
  assert_int_equal(sio_namespace_on_connection(c.root, conn_1, &c), 0);
  /* Two packets from an in-process client, each dispatched inside its emit. */
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(c.srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", NULL), 0);
  assert_int_equal(sio_test_client_emit(tc, "/", "ping", NULL), 0);
  assert_int_equal(sio_test_client_emit(tc, "/", "ping", NULL), 0);
  sio_test_client_free(tc);
  sio_server_close(c.srv, NULL, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(c.once_runs, 1);
  assert_true(c.once_name_ok);
  assert_int_equal(c.after_runs, 2); /* not skipped when once_h went */
  assert_int_equal(c.adder_runs, 2);
  assert_int_equal(c.late_runs, 1); /* added during packet 1: runs on packet 2 */
  assert_int_equal(c.victim_runs, 0);
  assert_int_equal(c.nsp_once_runs, 1);
  assert_true(c.nsp_once_name_ok);
  assert_int_equal(c.nsp_after_runs, 2);
}

/* ---- 2: reserved names and NUL ---- */

static void any_2(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                  sio_ack_t *ack, void *arg) {
  (void)sock, (void)av, (void)ack;
  ctx_t *c = arg;
  c->any_runs++;
  if (sio__sio_name_reserved(event, strlen(event))) c->any_reserved++;
}
static void late_disc(sio_socket_t *sock, const char *reason, void *arg) {
  (void)sock, (void)reason;
  ((ctx_t *)arg)->late_disc_runs++;
}
static void disc_2(sio_socket_t *sock, const char *reason, void *arg) {
  ctx_t *c = arg;
  snprintf(c->reason, sizeof(c->reason), "%s", reason);
  /* Added during the dispatch: not run for this socket. */
  assert_int_equal(sio_namespace_on_disconnect(sio_socket_namespace(sock), late_disc, c),
                   0);
}

static void client_2(ctx_t *c) {
  char body[1024];
  open_session(c);
  poll_post(c, "40");
  poll_get(c, body, sizeof(body));
  poll_post(c, "42[\"ok\"]");
  poll_post(c, "42[\"disconnect\\u0000\"]");
  poll_post(c, "42[\"connect\\u0000\",1]"); /* the session is gone by now */
}

static void test_nul_in_event_name(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  c.client = client_2;
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  c.root = sio_server_of(c.srv, "/");
  assert_int_equal(sio_namespace_on_any(c.root, any_2, &c), 0);
  assert_int_equal(sio_namespace_on_disconnect(c.root, disc_2, &c), 0);
  run(&c, &loop);
  assert_int_equal(c.any_runs, 1); /* "ok" only */
  assert_int_equal(c.any_reserved, 0);
  assert_string_equal(c.reason, "forced close");
  assert_int_equal(c.late_disc_runs, 0);
}

/* ---- 3: dynamic children are freed when empty ---- */

static void *fake_create(sio_namespace_t *nsp, void *arg) {
  (void)nsp;
  ctx_t *c = arg;
  c->creates++;
  return c;
}
static void fake_destroy(void *self) {
  ((ctx_t *)self)->destroys++;
}
static const sio_adapter_ops_t fake_ops = {
    .size = SIO_ADAPTER_OPS_SIZE, .create = fake_create, .destroy = fake_destroy};

static void conn_late(sio_socket_t *sock, void *arg) {
  (void)sock;
  ((ctx_t *)arg)->conn_late_runs++;
}
static void conn_3(sio_socket_t *sock, void *arg) {
  ctx_t *c = arg;
  if (c->conn_runs++ == 0)
    assert_int_equal(sio_namespace_on_connection(c->parent, conn_late, c), 0);
  /* Per-child state, as a user registers it. */
  assert_int_equal(sio_namespace_on(sio_socket_namespace(sock), "x", after_h, c), 0);
}

static void record_3(sio_server_t *s, void *arg) {
  ctx_t *c = arg;
  c->children_after = c->parent->nchildren;
  c->map_after = s->nsps.n;
  c->keep_present = sio__map_get(&s->nsps, "/room-keep", 10) != NULL;
}

static void client_3(ctx_t *c) {
  char body[1024], pkt[512];
  open_session(c);
  poll_post(c, "40/room-keep,");
  poll_get(c, body, sizeof(body));
  for (int i = 0; i < 20; i++) {
    snprintf(pkt, sizeof(pkt), "40/room-%d,", i);
    poll_post(c, pkt);
    poll_get(c, body, sizeof(body));
    snprintf(pkt, sizeof(pkt), "41/room-%d,", i);
    poll_post(c, pkt);
  }
  /* Past the name bound: refused like a name no parent matches. */
  memcpy(pkt, "40/room-", 8);
  memset(pkt + 8, 'x', 300);
  memcpy(pkt + 308, ",", 2);
  poll_post(c, pkt);
  poll_get(c, c->long_reply, sizeof(c->long_reply));
  sio_server_post(c->srv, record_3, c);
}

static void test_empty_children_freed(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  c.client = client_3;
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  assert_int_equal(sio_server_set_adapter(c.srv, &fake_ops, &c), 0);
  assert_int_equal(c.creates, 1); /* "/" */
  c.parent = sio_server_of_pattern(c.srv, "/room-*");
  assert_int_equal(sio_namespace_on_connection(c.parent, conn_3, &c), 0);
  run(&c, &loop);
  assert_int_equal(c.creates, 1 + 21);
  assert_int_equal(c.children_after, 1); /* /room-keep, still in use then */
  assert_true(c.keep_present);
  assert_int_equal(c.map_after, 2); /* "/" and /room-keep */
  assert_int_equal(c.conn_runs, 21);
  assert_int_equal(c.conn_late_runs, 20); /* not for the socket that added it */
  assert_non_null(strstr(c.long_reply, ",{\"message\":\"Invalid namespace\"}"));
  assert_int_equal(c.destroys, c.creates); /* every instance ended at the close */
}

/* ---- 4: a broadcast whose outgoing catch-all disconnects everyone ---- */

static void out_4(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                  void *arg) {
  (void)sock, (void)av;
  ctx_t *c = arg;
  c->news_out++;
  if (strcmp(event, "news") == 0)
    sio_broadcast_disconnect_sockets(sio_namespace_broadcast(c->parent), 0);
}
static void disc_4(sio_socket_t *sock, const char *reason, void *arg) {
  (void)sock, (void)reason;
  ((ctx_t *)arg)->disconnects++;
}
static void go_4(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                 sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)av, (void)ack;
  ctx_t *c = arg;
  /* The first recipient ends everyone (itself included) before it is sent to. */
  assert_int_equal(sio_broadcast_emit(sio_namespace_broadcast(c->parent), "news", NULL),
                   0);
  /* The emptied children are freed later, never under a running call (an
   * adapter up the stack may still use its instance). */
  assert_int_equal(c->destroys, 0);
  assert_int_equal(c->parent->nchildren, 3);
}
static void conn_4(sio_socket_t *sock, void *arg) {
  assert_int_equal(sio_socket_on_any_outgoing(sock, out_4, arg), 0);
}

static void client_4(ctx_t *c) {
  char body[1024];
  open_session(c);
  poll_post(c, "40/room-a,\x1e"
               "40/room-b,\x1e"
               "40/room-c,");
  poll_get(c, body, sizeof(body));
  poll_post(c, "42/room-b,[\"go\"]");
  sio_server_post(c->srv, record_3, c);
}

static void test_broadcast_frees_children(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  c.client = client_4;
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  assert_int_equal(sio_server_set_adapter(c.srv, &fake_ops, &c), 0);
  c.creates = c.destroys = 0; /* "/" */
  c.parent = sio_server_of_pattern(c.srv, "/room-*");
  assert_int_equal(sio_namespace_on_connection(c.parent, conn_4, &c), 0);
  assert_int_equal(sio_namespace_on(c.parent, "go", go_4, &c), 0);
  assert_int_equal(sio_namespace_on_disconnect(c.parent, disc_4, &c), 0);
  run(&c, &loop);
  assert_int_equal(c.news_out, 1); /* the first recipient ended the others */
  assert_int_equal(c.disconnects, 3);
  assert_int_equal(c.children_after, 0);
  assert_int_equal(c.map_after, 1);
  assert_int_equal(c.creates, 3);
  assert_int_equal(c.destroys, 4); /* the children, then "/" at the close */
}

/* ---- 5: namespaces joined by one session are bounded ---- */

static void client_5(ctx_t *c) {
  char body[1024];
  open_session(c);
  poll_post(c, "40/room-1,\x1e"
               "40/room-2,");
  poll_get(c, body, sizeof(body));
  poll_post(c, "40/room-3,");
  poll_get(c, c->long_reply, sizeof(c->long_reply));
  poll_post(c, "41/room-1,\x1e"
               "40/room-4,"); /* room after one left */
  poll_get(c, body, sizeof(body));
  snprintf(c->reason, sizeof(c->reason), "%.40s", body);
  sio_server_post(c->srv, record_3, c);
}

static void test_session_namespaces_bounded(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  c.client = client_5;
  sio_server_opts_t *o = sio_server_opts_new();
  sio_server_opts_set_max_session_namespaces(o, 2);
  assert_int_equal(sio_server_new(&loop, o, &c.srv), 0);
  sio_server_opts_free(o);
  c.parent = sio_server_of_pattern(c.srv, "/room-*");
  run(&c, &loop);
  assert_non_null(
      strstr(c.long_reply, "44/room-3,{\"message\":\"Too many namespaces\"}"));
  assert_non_null(strstr(c.reason, "40/room-4,{\"sid\""));
  assert_int_equal(c.children_after, 2); /* room-2 and room-4 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handlers_change_their_lists),
      cmocka_unit_test(test_nul_in_event_name),
      cmocka_unit_test(test_empty_children_freed),
      cmocka_unit_test(test_broadcast_frees_children),
      cmocka_unit_test(test_session_namespaces_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
