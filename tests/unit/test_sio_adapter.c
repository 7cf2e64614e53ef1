/* Unit tests for the adapter interface (sio/adapter.h) with a fake cluster
 * adapter: operations are routed to it (and local ones are not), it runs
 * the local part through the sio_adapter_local_* calls, and completes
 * broadcast acks and fetches with answers from "other servers"; server-side
 * events loop back; every instance is destroyed at close and the loop
 * closes cleanly. No client is connected: local parts find no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/adapter.h"
#include "sio/server.h"

typedef struct {
  int creates, destroys, broadcasts, acks, joins, fetches, ss;
  unsigned last_flags;
  char last_room[32];
} fake_t;

static fake_t g;

static void *f_create(sio_namespace_t *nsp, void *arg) {
  (void)arg;
  g.creates++;
  return nsp;
}
static void f_destroy(void *self) {
  (void)self;
  g.destroys++;
}
static int f_broadcast(void *self, const sio_adapter_packet_t *pkt,
                       const sio_adapter_opts_t *opts) {
  g.broadcasts++;
  g.last_flags = opts->flags;
  if (opts->nrooms) snprintf(g.last_room, sizeof(g.last_room), "%s", opts->rooms[0]);
  assert_string_equal(pkt->event, "ev");
  assert_int_equal(pkt->json_len, 3);
  assert_memory_equal(pkt->json, "1,2", 3);
  return sio_adapter_local_broadcast(self, pkt, opts);
}
static int f_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack) {
  g.acks++;
  int n = sio_adapter_local_broadcast_with_ack(self, pkt, opts, ack, NULL, NULL);
  assert_int_equal(n, 0);
  /* Another server has two clients: one answers now, one never. */
  sio_adapter_ack_expect(ack, 2);
  static const uint8_t bin[] = {7};
  sio_buf_t b = {bin, 1};
  sio_adapter_packet_t reply = {
      NULL, "\"r\",{\"_placeholder\":true,\"num\":0}", 33, &b, 1, NULL};
  sio_adapter_ack_reply(ack, &reply);
  sio_adapter_ack_servers_done(ack);
  sio_adapter_ack_release(ack);
  return 0;
}
static int f_join(void *self, const sio_adapter_opts_t *opts, const char *const *rooms,
                  size_t n) {
  g.joins++;
  return sio_adapter_local_sockets_join(self, opts, rooms, n);
}
static int f_fetch(void *self, const sio_adapter_opts_t *opts, sio_adapter_fetch_t *req) {
  g.fetches++;
  assert_int_equal(sio_adapter_local_fetch(self, opts, req, NULL, NULL), 0);
  const char *rooms[] = {"remote-id", "r"};
  assert_int_equal(
      sio_adapter_fetch_add(req, "remote-id", rooms, 2, "{\"address\":\"x\"}", NULL), 0);
  sio_adapter_fetch_done(req, 0);
  return 0;
}
static int f_ss(void *self, const sio_adapter_packet_t *pkt) {
  g.ss++;
  /* Loop back as if another server had sent it. */
  sio_adapter_local_server_side_emit(self, pkt);
  return 0;
}

/* Server-side emit with ack: loops back as if one other server answered
 * with its handler's reply. */
static void ss_reply(const sio_args_t *reply, void *arg) {
  sio_adapter_ack_t *ack = arg;
  if (reply) {
    sio_buf_t json;
    sio_args_json(reply, &json);
    sio_adapter_packet_t pkt = {NULL, (const char *)json.base, json.len, NULL, 0, NULL};
    sio_adapter_ack_reply(ack, &pkt);
  }
  sio_adapter_ack_release(ack);
}
static int f_ss_ack(void *self, const sio_adapter_packet_t *pkt, sio_adapter_ack_t *ack) {
  g.ss++;
  sio_adapter_ack_expect(ack, 1);
  sio_adapter_ack_servers_done(ack);
  sio_adapter_local_server_side_emit_with_ack(self, pkt, ss_reply, ack);
  return 0;
}
static int f_count(void *self, void (*cb)(int, size_t, void *), void *arg) {
  (void)self;
  cb(0, 3, arg);
  return 0;
}

static const sio_adapter_ops_t k_ops = {.size = SIO_ADAPTER_OPS_SIZE,
                                        f_create,
                                        f_destroy,
                                        f_broadcast,
                                        f_broadcast_with_ack,
                                        f_join,
                                        NULL,
                                        NULL,
                                        f_fetch,
                                        f_ss,
                                        NULL,
                                        NULL,
                                        f_ss_ack,
                                        f_count};

typedef struct {
  int acked, fetched, ss_seen, closed;
} res_t;

static void ack_cb(int status, size_t count, const sio_argv_t *const *replies,
                   void *arg) {
  res_t *r = arg;
  r->acked++;
  assert_int_equal(status, SIO_ETIMEDOUT); /* one of two never answered */
  assert_int_equal(count, 1);
  assert_string_equal(sio_argv_string(replies[0], 0, NULL), "r");
  sio_buf_t b;
  assert_int_equal(sio_argv_binary(replies[0], 1, &b), 0);
  assert_int_equal(b.len, 1);
  assert_int_equal(b.base[0], 7);
}

static void fetch_cb(int status, size_t count, sio_remote_socket_t *const *socks,
                     void *arg) {
  res_t *r = arg;
  r->fetched++;
  assert_int_equal(status, 0);
  assert_int_equal(count, 1);
  assert_string_equal(sio_remote_socket_id(socks[0]), "remote-id");
  assert_int_equal(sio_remote_socket_rooms_count(socks[0]), 2);
  assert_string_equal(sio_remote_socket_room(socks[0], 1), "r");
  assert_null(sio_remote_socket_local(socks[0]));
  assert_string_equal(sio_remote_socket_handshake_json(socks[0]), "{\"address\":\"x\"}");
  assert_null(sio_remote_socket_data_json(socks[0]));
}

static void ss_cb(sio_namespace_t *nsp, const char *event, const sio_argv_t *args,
                  sio_ack_t *ack, void *arg) {
  (void)nsp;
  res_t *r = arg;
  r->ss_seen++;
  assert_string_equal(event, "ev");
  int64_t v;
  assert_int_equal(sio_argv_int64(args, 1, &v), 0);
  assert_int_equal(v, 2);
}

static void closed(sio_server_t *s, void *arg);

/* Answers "ask" events with ["answer", <its first arg>]; ignores others. */
static void ss_answer(sio_namespace_t *nsp, const char *event, const sio_argv_t *args,
                      sio_ack_t *ack, void *arg) {
  (void)nsp;
  (void)arg;
  if (strcmp(event, "ask") != 0) return;
  assert_non_null(ack);
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "answer");
  sio_args_add_argv(a, args);
  assert_int_equal(sio_ack_send(ack, a), 0);
  assert_int_equal(sio_ack_send(ack, a), SIO_EEXIST);
  sio_args_free(a);
}

static void ss_acked(int status, size_t count, const sio_argv_t *const *replies,
                     void *arg) {
  int *seen = arg;
  (*seen)++;
  assert_int_equal(status, 0);
  assert_int_equal(count, 1);
  assert_string_equal(sio_argv_string(replies[0], 0, NULL), "answer");
  int64_t v;
  assert_int_equal(sio_argv_int64(replies[0], 1, &v), 0);
  assert_int_equal(v, 5);
}

static void ss_unanswered(int status, size_t count, const sio_argv_t *const *replies,
                          void *arg) {
  (void)replies;
  int *seen = arg;
  (*seen)++;
  assert_int_equal(status, SIO_ETIMEDOUT); /* the other server never answered */
  assert_int_equal(count, 0);
}

static void counted(int status, size_t count, void *arg) {
  assert_int_equal(status, 0);
  *(size_t *)arg = count;
}

static void test_server_side_acks_and_count(void **state) {
  (void)state;
  memset(&g, 0, sizeof(g));
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  sio_namespace_t *root = sio_server_of(s, "/");
  size_t n = 0;
  assert_int_equal(sio_namespace_server_count(root, counted, &n), 0);
  assert_int_equal(n, 1); /* in-memory: alone */
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, 5);
  int seen = 0;
  assert_int_equal(
      sio_namespace_server_side_emit_with_ack(root, "ask", a, 100, ss_acked, &seen),
      SIO_EINVAL); /* no cluster adapter */
  assert_int_equal(sio_server_set_adapter(s, &k_ops, NULL), 0);
  assert_int_equal(sio_namespace_server_count(root, counted, &n), 0);
  assert_int_equal(n, 3);
  sio_namespace_on_server_side(root, ss_answer, NULL);
  assert_int_equal(
      sio_namespace_server_side_emit_with_ack(root, "ask", a, 0, ss_acked, &seen),
      SIO_EINVAL); /* a timeout is required */
  assert_int_equal(
      sio_namespace_server_side_emit_with_ack(root, "ask", a, 5000, ss_acked, &seen), 0);
  assert_int_equal(seen, 1); /* answered inside the call */
  assert_int_equal(
      sio_namespace_server_side_emit_with_ack(root, "other", a, 20, ss_unanswered, &seen),
      0);
  assert_int_equal(seen, 1);
  while (seen < 2) uv_run(&loop, UV_RUN_ONCE);
  sio_args_free(a);
  res_t r = {0};
  sio_server_close(s, closed, &r);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void closed(sio_server_t *s, void *arg) {
  (void)s;
  ((res_t *)arg)->closed++;
}

static void test_routing(void **state) {
  (void)state;
  memset(&g, 0, sizeof(g));
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  sio_namespace_t *chat = sio_server_of(s, "/chat");
  assert_null(sio_namespace_adapter(chat));
  /* The in-memory adapter has no other server. */
  assert_int_equal(sio_namespace_server_side_emit(chat, "ev", NULL), SIO_EINVAL);
  assert_int_equal(sio_server_set_adapter(s, &k_ops, NULL), 0);
  assert_int_equal(g.creates, 2); /* "/" and "/chat" */
  assert_ptr_equal(sio_namespace_adapter(chat), chat);
  sio_namespace_t *later = sio_server_of(s, "/later");
  assert_ptr_equal(sio_namespace_adapter(later), later);
  assert_int_equal(g.creates, 3);

  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, 1);
  sio_args_add_int(a, 2);
  assert_int_equal(sio_broadcast_emit(
                       sio_broadcast_to(sio_namespace_broadcast(chat), "room"), "ev", a),
                   0);
  assert_int_equal(g.broadcasts, 1);
  assert_string_equal(g.last_room, "room");
  /* local(): never handed to the adapter. */
  assert_int_equal(
      sio_broadcast_emit(sio_broadcast_local(sio_namespace_broadcast(chat)), "ev", a), 0);
  assert_int_equal(g.broadcasts, 1);
  assert_int_equal(sio_broadcast_emit(sio_namespace_broadcast(chat), "connect", a),
                   SIO_EINVAL);

  res_t r = {0};
  assert_int_equal(
      sio_broadcast_emit_with_ack(
          sio_broadcast_timeout(sio_namespace_broadcast(chat), 50), "ev", a, ack_cb, &r),
      0);
  assert_int_equal(g.acks, 1);
  assert_int_equal(r.acked, 0); /* waits for the second reply until the timeout */
  assert_int_equal(
      sio_broadcast_emit_with_ack(sio_namespace_broadcast(chat), "ev", a, ack_cb, &r),
      SIO_EINVAL); /* no timeout */

  assert_int_equal(sio_broadcast_sockets_join(sio_namespace_broadcast(chat), "x"), 0);
  assert_int_equal(g.joins, 1);
  assert_int_equal(
      sio_broadcast_fetch_sockets(sio_namespace_broadcast(chat), fetch_cb, &r), 0);
  assert_int_equal(r.fetched, 1);

  sio_namespace_on_server_side(chat, ss_cb, &r);
  assert_int_equal(sio_namespace_server_side_emit(chat, "ev", a), 0);
  assert_int_equal(g.ss, 1);
  assert_int_equal(r.ss_seen, 1);
  sio_args_free(a);

  /* Let the ack time out, then close. Not UV_RUN_ONCE: when the 50 ms have
   * already passed (a slow run, valgrind), its timer fires at the start of
   * the pass and the pass then waits in poll for the server's other
   * handles, for ever. */
  while (r.acked == 0) uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(r.acked, 1);
  sio_server_close(s, closed, &r);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(r.closed, 1);
  assert_int_equal(g.destroys, 3);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void never(int status, size_t count, const sio_argv_t *const *replies, void *arg) {
  (void)count;
  (void)replies;
  res_t *r = arg;
  r->acked++;
  assert_int_equal(status, SIO_ECANCELED);
}

static void test_close_cancels_broadcast_acks(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  memset(&g, 0, sizeof(g));
  assert_int_equal(sio_server_set_adapter(s, &k_ops, NULL), 0);
  res_t r = {0};
  assert_int_equal(
      sio_broadcast_emit_with_ack(
          sio_broadcast_timeout(sio_namespace_broadcast(sio_server_of(s, "/")), 60000),
          "ev", NULL, never, &r),
      0);
  sio_server_close(s, closed, &r);
  assert_int_equal(r.acked, 1);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(r.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void zero_ack(int status, size_t count, const sio_argv_t *const *replies,
                     void *arg) {
  (void)replies;
  res_t *r = arg;
  r->acked++;
  assert_int_equal(status, 0);
  assert_int_equal(count, 0);
}

static void test_local_ack_without_recipients(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  res_t r = {0};
  /* Node: no recipient -> the callback runs at once with no replies. */
  assert_int_equal(
      sio_broadcast_emit_with_ack(
          sio_broadcast_timeout(sio_namespace_broadcast(sio_server_of(s, "/")), 100),
          "ev", NULL, zero_ack, &r),
      0);
  assert_int_equal(r.acked, 1);
  sio_server_close(s, closed, &r);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* The ops struct is versioned by its size: an older adapter's struct (the
 * first version ends with server_count) is accepted and copied, a size
 * below that or beyond this libsio's struct is refused. */
static void test_ops_size(void **state) {
  (void)state;
  memset(&g, 0, sizeof(g));
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  sio_adapter_ops_t ops = k_ops;
  size_t v1 = offsetof(sio_adapter_ops_t, server_count) + sizeof(ops.server_count);
  ops.size = v1 - 1;
  assert_int_equal(sio_server_set_adapter(s, &ops, NULL), SIO_EINVAL);
  ops.size = sizeof(ops) + 8;
  assert_int_equal(sio_server_set_adapter(s, &ops, NULL), SIO_EINVAL);
  ops.size = sizeof(ops);
  ops.create = NULL;
  assert_int_equal(sio_server_set_adapter(s, &ops, NULL), SIO_EINVAL);
  assert_int_equal(g.creates, 0);
  ops = k_ops;
  ops.size = v1;
  assert_int_equal(sio_server_set_adapter(s, &ops, NULL), 0);
  assert_int_equal(g.creates, 1);
  assert_int_equal(sio_server_set_adapter(s, &ops, NULL), SIO_EINVAL); /* once */
  memset(&ops, 0, sizeof(ops)); /* copied: the caller's struct may go */
  size_t n = 0;
  assert_int_equal(sio_namespace_server_count(sio_server_of(s, "/"), counted, &n), 0);
  assert_int_equal(n, 3);
  res_t r = {0};
  sio_server_close(s, closed, &r);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(g.destroys, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_routing),
      cmocka_unit_test(test_server_side_acks_and_count),
      cmocka_unit_test(test_close_cancels_broadcast_acks),
      cmocka_unit_test(test_local_ack_without_recipients),
      cmocka_unit_test(test_ops_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
