/* Unit tests for the loop's block pools (io/io_loop.h, sio__io_pool): one
 * pool per block size, a bounded number of sizes, and a block freed after
 * the loop's state has gone (its pool lives until then). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "core/pool.h"
#include "io/io_loop.h"

static void run_all(uv_loop_t *loop) {
  for (int i = 0; i < 1000 && uv_run(loop, UV_RUN_DEFAULT); i++) {
  }
  assert_int_equal(uv_loop_close(loop), 0);
}

static void test_one_pool_a_size(void **state) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio__io_t *io = sio__io_acquire(&loop);
  assert_non_null(io);
  sio__pool_t *a = sio__io_pool(io, 100);
  assert_non_null(a);
  assert_int_equal(sio__pool_block_size(a), 104);
  /* 100 and 104 bytes are one block size; 152 is another. */
  assert_ptr_equal(sio__io_pool(io, 104), a);
  sio__pool_t *b = sio__io_pool(io, 152);
  assert_non_null(b);
  assert_ptr_not_equal(b, a);
  /* Another loop has pools of its own. */
  uv_loop_t loop2;
  assert_int_equal(uv_loop_init(&loop2), 0);
  sio__io_t *io2 = sio__io_acquire(&loop2);
  assert_ptr_not_equal(sio__io_pool(io2, 100), a);
  sio__io_release(io2);
  run_all(&loop2);
  /* A fixed handful of sizes: past them, none. */
  for (int i = 2; i < SIO__IO_POOLS; i++)
    assert_non_null(sio__io_pool(io, 200 + 8 * (size_t)i));
  assert_null(sio__io_pool(io, 1000));
  assert_ptr_equal(sio__io_pool(io, 152), b);
  sio__io_release(io);
  run_all(&loop);
}

/* A block outliving the loop's state keeps its pool until its free (leak
 * and use-after-free checks of the sanitizer and valgrind runs see it). */
static void test_block_outlives_state(void **state) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio__io_t *io = sio__io_acquire(&loop);
  sio__pool_t *p = sio__io_pool(io, 64);
  unsigned char *blk = sio__pool_calloc(p);
  assert_non_null(blk);
  sio__io_release(io);
  run_all(&loop); /* the state is freed, its pools closed */
  memset(blk, 0x5a, 64);
  assert_int_equal(sio__pool_live(p), 1);
  sio__pool_free(p, blk); /* the last block: the pool goes */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_pool_a_size),
      cmocka_unit_test(test_block_outlives_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
