/* libsio-redis allocates through the hook sio_replace_allocator installs:
 * options, the emitter, its connection and timers, and a broadcast encoded
 * to MessagePack with a binary argument (the msgpack bridge of src/core) are
 * all counted by a replacement allocator, and every block it handed out is
 * given back to it once the emitter is closed. Its own process: the hook is
 * installed before any other libsio call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <uv.h>

#include "sio/redis.h"

static size_t g_calls; /* allocations through the hook */
static long g_live;    /* blocks handed out and not yet freed */

static void *count_malloc(size_t n) {
  void *p = malloc(n);
  if (p) g_calls++, g_live++;
  return p;
}

static void *count_calloc(size_t c, size_t n) {
  void *p = calloc(c, n);
  if (p) g_calls++, g_live++;
  return p;
}

static void *count_realloc(void *old, size_t n) {
  void *p = realloc(old, n);
  if (p) {
    g_calls++;
    if (!old) g_live++;
  }
  return p;
}

static void count_free(void *p) {
  if (p) g_live--;
  free(p);
}

static int setup(void **state) {
  (void)state;
  return sio_replace_allocator(count_malloc, count_realloc, count_calloc, count_free);
}

static void test_opts_through_hook(void **state) {
  (void)state;
  size_t calls = g_calls;
  long live = g_live;
  sio_redis_opts_t *o = sio_redis_opts_new();
  assert_non_null(o);
  assert_int_equal(sio_redis_opts_set_url(o, "redis://127.0.0.1:1/2"), 0);
  assert_int_equal(sio_redis_opts_set_key(o, "k"), 0);
  assert_true(g_calls > calls);
  assert_true(g_live > live);
  sio_redis_opts_free(o);
  assert_int_equal(g_live, live);
}

static int g_closed;

static void on_closed(sio_redis_emitter_t *em, void *arg) {
  (void)arg;
  assert_non_null(em);
  g_closed = 1;
}

static void test_emitter_through_hook(void **state) {
  (void)state;
  uv_loop_t loop;
  sio_redis_emitter_t *em;
  long live = g_live;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_redis_opts_t *o = sio_redis_opts_new();
  assert_non_null(o);
  /* Nothing listens there: the publish waits in the queue, close gives up. */
  assert_int_equal(sio_redis_opts_set_url(o, "redis://127.0.0.1:1/0"), 0);
  sio_redis_opts_set_request_timeout(o, 50);
  assert_int_equal(sio_redis_emitter_new(&loop, o, &em), 0);
  sio_redis_opts_free(o);

  sio_args_t *args = sio_args_new();
  assert_non_null(args);
  assert_int_equal(sio_args_add_string(args, "hello"), 0);
  assert_int_equal(sio_args_add_binary(args, "\x01\x02\x03", 3), 0);
  size_t calls = g_calls;
  sio_redis_target_t *t = sio_redis_target_new("/");
  assert_non_null(t);
  assert_int_equal(sio_redis_target_to(t, "room"), 0);
  assert_true(g_calls > calls); /* the selection too */
  calls = g_calls;
  assert_int_equal(sio_redis_emitter_emit(em, t, "ev", args), 0);
  sio_redis_target_free(t);
  assert_true(g_calls > calls); /* encoder buffer, channel name, queued copy */
  sio_args_free(args);

  sio_redis_emitter_close(em, on_closed, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(g_closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(g_live, live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_opts_through_hook),
      cmocka_unit_test(test_emitter_through_hook),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
