/* Unit tests for src/io on a real loop over 127.0.0.1: listener, connect,
 * reads and coalesced writes, the write-queue cap, graceful end, the stream
 * timer and defer, sio__timer. Every test ends with uv_loop_close() == 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "core/rbuf.h"
#include "io/listener.h"
#include "io/stream.h"
#include "io/timer.h"
#include "sio/common.h"

typedef struct {
  uv_loop_t loop;
  sio__listener_t *lis;
  sio__stream_t *server; /* accepted side */
  sio__stream_t *client;
  char got_server[256];
  size_t n_server;
  char got_client[256];
  size_t n_client;
  int server_err, client_err;
  int server_closed, client_closed;
  int timer_fired, deferred, connected;
  int writes_ok;
  sio__rbuf_t *many; /* when set, the echo is 40 one-byte slices of it */
} fx_t;

static void run_until_closed(fx_t *f) {
  for (int i = 0; i < 20000 && uv_run(&f->loop, UV_RUN_ONCE); i++) {
  }
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* ---- server side ---- */

static void srv_read(sio__stream_t *s, void *arg, uint8_t *d, size_t n) {
  fx_t *f = arg;
  if (f->n_server + n < sizeof(f->got_server)) {
    memcpy(f->got_server + f->n_server, d, n);
    f->n_server += n;
  }
  /* Echo when the whole message is in; three writes leave in one uv_write. */
  if (f->n_server == 9 && !memcmp(f->got_server, "ping-pong", 9) && f->many) {
    /* More slices than the queue holds inline: it grows, then shrinks back. */
    for (size_t i = 0; i < f->many->len; i++) sio__stream_write(s, f->many, i, 1);
    assert_int_equal(f->many->refs, 1 + f->many->len);
  } else if (f->n_server == 9 && !memcmp(f->got_server, "ping-pong", 9)) {
    sio__stream_write_copy(s, "po", 2);
    sio__stream_write_copy(s, "ng", 2);
    sio__rbuf_t *b = sio__rbuf_from("!!", 2);
    sio__stream_write(s, b, 1, 1);
    sio__rbuf_unref(b);
  }
}

static void srv_error(sio__stream_t *s, void *arg, int err) {
  fx_t *f = arg;
  f->server_err = err;
  sio__stream_close(s, 0);
}

static void srv_close(sio__stream_t *s, void *arg) {
  fx_t *f = arg;
  f->server_closed++;
  f->server = NULL;
}

static void srv_timer(sio__stream_t *s, void *arg) {
  fx_t *f = arg;
  f->timer_fired++;
  sio__stream_defer(s);
}

static void srv_defer(sio__stream_t *s, void *arg) {
  fx_t *f = arg;
  f->deferred++;
  sio__stream_write_copy(s, "late", 4);
  sio__stream_end(s, 1000);
}

static const sio__stream_cbs_t k_srv = {srv_read, srv_error, srv_timer, srv_defer,
                                        srv_close};

static void on_accept(sio__listener_t *l, void *arg, sio__stream_t *s) {
  fx_t *f = arg;
  f->server = s;
  sio__stream_set_cbs(s, &k_srv, f);
  assert_int_equal(sio__stream_read_start(s), 0);
  assert_string_equal(sio__stream_remote_addr(s), "127.0.0.1");
  sio__listener_close(l, NULL, NULL);
  f->lis = NULL;
}

/* ---- client side ---- */

static void cli_read(sio__stream_t *s, void *arg, uint8_t *d, size_t n) {
  fx_t *f = arg;
  if (f->n_client + n < sizeof(f->got_client)) {
    memcpy(f->got_client + f->n_client, d, n);
    f->n_client += n;
  }
}

static void cli_error(sio__stream_t *s, void *arg, int err) {
  fx_t *f = arg;
  f->client_err = err;
  sio__stream_close(s, 0);
}

static void cli_close(sio__stream_t *s, void *arg) {
  fx_t *f = arg;
  f->client_closed++;
  f->client = NULL;
}

static const sio__stream_cbs_t k_cli = {cli_read, cli_error, NULL, NULL, cli_close};

static void cli_connected(sio__stream_t *s, void *arg, int status) {
  fx_t *f = arg;
  assert_int_equal(status, 0);
  f->connected = 1;
  sio__stream_set_cbs(s, &k_cli, f);
  sio__stream_read_start(s);
  sio__stream_write_copy(s, "ping-", 5);
  sio__stream_write_copy(s, "pong", 4);
}

static void setup_pair(fx_t *f) {
  memset(f, 0, sizeof(*f));
  assert_int_equal(uv_loop_init(&f->loop), 0);
  assert_int_equal(sio__listener_new(&f->loop, "127.0.0.1", 0, on_accept, f, &f->lis), 0);
  int port = sio__listener_port(f->lis);
  assert_true(port > 0);
  f->client = sio__stream_connect(&f->loop, "127.0.0.1", port, cli_connected, f);
  assert_non_null(f->client);
}

/* Echo through coalesced writes; the server then closes on its timer via
 * defer + end ("late" arrives, then EOF). */
static void test_echo_defer_end(void **state) {
  fx_t f;
  setup_pair(&f);
  for (int i = 0; i < 2000 && !(f.n_client >= 5); i++) uv_run(&f.loop, UV_RUN_ONCE);
  assert_int_equal(f.n_client, 5);
  assert_memory_equal(f.got_client, "pong!", 5);
  assert_non_null(f.server);
  sio__stream_timer_start(f.server, 10);
  run_until_closed(&f);
  assert_int_equal(f.timer_fired, 1);
  assert_int_equal(f.deferred, 1);
  assert_memory_equal(f.got_client, "pong!late", 9);
  assert_int_equal(f.client_err, UV_EOF);
  assert_int_equal(f.server_closed, 1);
  assert_int_equal(f.client_closed, 1);
}

/* Many writes from one read callback leave in order, and each slice's
 * reference is dropped once it is written. */
static void test_many_slices(void **state) {
  fx_t f;
  setup_pair(&f);
  sio__rbuf_t *b = sio__rbuf_new(40);
  assert_non_null(b);
  for (int i = 0; i < 40; i++) b->data[i] = (uint8_t)('0' + i);
  b->len = 40;
  f.many = b;
  for (int i = 0; i < 2000 && f.n_client < 40; i++) uv_run(&f.loop, UV_RUN_ONCE);
  assert_int_equal(f.n_client, 40);
  assert_memory_equal(f.got_client, b->data, 40);
  assert_int_equal(b->refs, 1);
  assert_int_equal(sio__stream_queued(f.server), 0);
  f.many = NULL;
  sio__rbuf_unref(b);
  sio__stream_close(f.client, 0);
  run_until_closed(&f);
  assert_int_equal(f.server_closed, 1);
  assert_int_equal(f.client_closed, 1);
}

/* A peer that does not read: past the cap the write fails, then on_error
 * reports SIO_ELIMIT from the loop. */
static void test_queue_cap(void **state) {
  fx_t f;
  setup_pair(&f);
  for (int i = 0; i < 2000 && !(f.server && f.connected); i++)
    uv_run(&f.loop, UV_RUN_ONCE);
  assert_non_null(f.server);
  assert_true(f.connected);
  sio__stream_read_stop(f.client);
  sio__stream_set_max_queue(f.server, 256 * 1024);
  sio__rbuf_t *chunk = sio__rbuf_new(64 * 1024);
  memset(chunk->data, 'x', chunk->cap);
  chunk->len = chunk->cap;
  int r = 0;
  for (int i = 0; i < 100000 && f.server; i++) {
    r = sio__stream_write(f.server, chunk, 0, chunk->len);
    if (r != 0) break;
    f.writes_ok++;
    uv_run(&f.loop, UV_RUN_NOWAIT);
  }
  sio__rbuf_unref(chunk);
  assert_int_equal(r, SIO_ELIMIT);
  assert_true(f.writes_ok > 4);
  assert_true(sio__stream_queued(f.server) <= 256 * 1024 + 64 * 1024);
  /* Later writes fail at once; the error arrives from the loop. */
  assert_int_equal(sio__stream_write_copy(f.server, "x", 1), SIO_ECLOSED);
  assert_int_equal(f.server_err, 0);
  for (int i = 0; i < 100 && !f.server_err; i++) uv_run(&f.loop, UV_RUN_ONCE);
  assert_int_equal(f.server_err, SIO_ELIMIT);
  sio__stream_close(f.client, 0);
  sio__stream_close(f.client, 0); /* idempotent */
  run_until_closed(&f);
  assert_int_equal(f.server_closed, 1);
  assert_int_equal(f.client_closed, 1);
}

/* Closing while connecting: the connect callback never runs. */
static void never_connected(sio__stream_t *s, void *arg, int status) {
  fail_msg("connect callback after close");
}

static void test_close_while_connecting(void **state) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio__stream_t *s = sio__stream_connect(&loop, "127.0.0.1", 9, never_connected, NULL);
  assert_non_null(s);
  sio__stream_close(s, 0);
  while (uv_run(&loop, UV_RUN_DEFAULT)) {
  }
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_null(sio__stream_connect(&loop, "not an ip", 1, never_connected, NULL));
}

static void on_tick(sio__timer_t *t, void *arg) {
  int *n = arg;
  if (++*n < 3)
    sio__timer_start(t, 1);
  else
    sio__timer_free(t);
}

static void test_timer(void **state) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  int n = 0;
  sio__timer_t *t = sio__timer_new(&loop, on_tick, &n);
  assert_non_null(t);
  uint64_t t0 = sio__now_ms(&loop);
  sio__timer_start(t, 1);
  sio__timer_t *t2 = sio__timer_new(&loop, on_tick, &n);
  sio__timer_start(t2, 100000);
  assert_true(sio__timer_is_active(t2));
  sio__timer_stop(t2);
  assert_false(sio__timer_is_active(t2));
  sio__timer_free(t2);
  sio__timer_free(NULL);
  while (uv_run(&loop, UV_RUN_DEFAULT)) {
  }
  assert_int_equal(n, 3);
  assert_true(sio__now_ms(&loop) >= t0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_defer_end),
      cmocka_unit_test(test_many_slices),
      cmocka_unit_test(test_queue_cap),
      cmocka_unit_test(test_close_while_connecting),
      cmocka_unit_test(test_timer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
