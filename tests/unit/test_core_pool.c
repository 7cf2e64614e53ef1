/* Unit tests for core/pool: blocks carved in order and reused last-freed
 * first, many slabs without overlap, a closed pool freed by its last block,
 * threads allocating and freeing at once, the malloc fallback and when it is
 * chosen. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pool.h"
#include "sio/common.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* ---- an allocator that counts the blocks it has out ---- */

static long g_out; /* mallocs (and callocs) minus frees */
static long g_mallocs;

static void *count_malloc(size_t n) {
  g_out++;
  g_mallocs++;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n) {
  if (!p) g_out++, g_mallocs++;
  return realloc(p, n);
}
static void *count_calloc(size_t c, size_t n) {
  g_out++;
  g_mallocs++;
  return calloc(c, n);
}
static void count_free(void *p) {
  g_out--;
  free(p);
}

static void counting_on(void) {
  g_out = g_mallocs = 0;
  assert_int_equal(
      sio_replace_allocator(count_malloc, count_realloc, count_calloc, count_free), 0);
}
static void counting_off(void) {
  assert_int_equal(sio_replace_allocator(malloc, realloc, calloc, free), 0);
}

/* ---- tests ---- */

static void test_sizes(void **state) {
  assert_null(sio__pool_new(0, SIO__POOL_SLABS));
  assert_null(sio__pool_new(SIO__POOL_MAX_BLOCK + 1, SIO__POOL_SLABS));
  sio__pool_t *p = sio__pool_new(1, SIO__POOL_SLABS);
  assert_non_null(p);
  assert_int_equal(sio__pool_block_size(p), 8);
  sio__pool_close(p);
  p = sio__pool_new(120, SIO__POOL_SLABS);
  assert_int_equal(sio__pool_block_size(p), 120);
  sio__pool_close(p);
  p = sio__pool_new(121, SIO__POOL_SLABS);
  assert_int_equal(sio__pool_block_size(p), 128);
  sio__pool_close(p);
  sio__pool_close(NULL);
}

static void test_carve_and_reuse(void **state) {
  sio__pool_t *p = sio__pool_new(100, SIO__POOL_SLABS);
  assert_true(sio__pool_uses_slabs(p));
  unsigned char *a = sio__pool_alloc(p);
  unsigned char *b = sio__pool_alloc(p);
  unsigned char *c = sio__pool_alloc(p);
  /* Carved one after the other, with no header between. */
  assert_ptr_equal(b, a + 104);
  assert_ptr_equal(c, b + 104);
  assert_int_equal((uintptr_t)a % 8, 0);
  assert_int_equal(sio__pool_live(p), 3);
  assert_int_equal(sio__pool_slabs(p), 1);
  memset(b, 0xab, 104);
  sio__pool_free(p, a);
  sio__pool_free(p, b);
  assert_int_equal(sio__pool_live(p), 1);
  /* The last freed first, then the one before; calloc zeroes. */
  unsigned char *d = sio__pool_calloc(p);
  assert_ptr_equal(d, b);
  for (int i = 0; i < 104; i++) assert_int_equal(d[i], 0);
  assert_ptr_equal(sio__pool_alloc(p), a);
  /* Then carving goes on where it stopped. */
  assert_ptr_equal(sio__pool_alloc(p), c + 104);
  sio__pool_free(p, NULL);
  assert_int_equal(sio__pool_live(p), 4);
  sio__pool_free(p, a);
  sio__pool_free(p, b);
  sio__pool_free(p, c);
  sio__pool_free(p, c + 104);
  assert_int_equal(sio__pool_live(p), 0);
  sio__pool_close(p);
}

static int cmp_ptr(const void *x, const void *y) {
  uintptr_t a = (uintptr_t) * (void *const *)x, b = (uintptr_t) * (void *const *)y;
  return a < b ? -1 : a > b;
}

static void test_many_slabs(void **state) {
  enum { N = 3000, SIZE = 120 };
  static void *blocks[N];
  counting_on();
  sio__pool_t *p = sio__pool_new(SIZE, SIO__POOL_SLABS);
  for (int i = 0; i < N; i++) {
    blocks[i] = sio__pool_alloc(p);
    assert_non_null(blocks[i]);
    memset(blocks[i], i & 0xff, SIZE);
  }
  /* 64 KiB slabs hold 545 blocks of 120 bytes: 3,000 need 6. */
  size_t slabs = sio__pool_slabs(p);
  assert_int_equal(slabs, 6);
  assert_int_equal(g_out, 1 + 6); /* the pool and its slabs */
  /* No block overlaps another, and none was written over. */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < SIZE; j++)
      assert_int_equal(((unsigned char *)blocks[i])[j], i & 0xff);
  static void *sorted[N];
  memcpy(sorted, blocks, sizeof(sorted));
  qsort(sorted, N, sizeof(*sorted), cmp_ptr);
  for (int i = 1; i < N; i++)
    assert_true((uintptr_t)sorted[i] - (uintptr_t)sorted[i - 1] >= SIZE);
  for (int i = 0; i < N; i++) sio__pool_free(p, blocks[i]);
  /* Open pools keep their slabs: the same number of blocks needs no more. */
  assert_int_equal(sio__pool_slabs(p), slabs);
  for (int i = 0; i < N; i++) assert_non_null(blocks[i] = sio__pool_alloc(p));
  assert_int_equal(sio__pool_slabs(p), slabs);
  assert_int_equal(g_out, 1 + 6);
  for (int i = 0; i < N; i++) sio__pool_free(p, blocks[i]);
  sio__pool_close(p);
  assert_int_equal(g_out, 0);
  counting_off();
}

/* The owner may close first: the last block's free frees the pool. */
static void test_close_before_last_free(void **state) {
  counting_on();
  sio__pool_t *p = sio__pool_new(64, SIO__POOL_SLABS);
  void *a = sio__pool_alloc(p), *b = sio__pool_alloc(p);
  sio__pool_close(p);
  assert_int_equal(g_out, 2); /* the pool and its slab */
  sio__pool_free(p, a);
  assert_int_equal(g_out, 2);
  sio__pool_free(p, b);
  assert_int_equal(g_out, 0);
  counting_off();
}

static void test_fallback(void **state) {
  counting_on();
  sio__pool_t *p = sio__pool_new(120, SIO__POOL_MALLOC);
  assert_false(sio__pool_uses_slabs(p));
  long before = g_mallocs;
  void *a = sio__pool_calloc(p), *b = sio__pool_alloc(p);
  /* One malloc a block, given back at once by its free. */
  assert_int_equal(g_mallocs - before, 2);
  assert_int_equal(sio__pool_slabs(p), 0);
  assert_int_equal(sio__pool_live(p), 2);
  for (int i = 0; i < 120; i++) assert_int_equal(((unsigned char *)a)[i], 0);
  long out = g_out;
  sio__pool_free(p, a);
  assert_int_equal(g_out, out - 1);
  sio__pool_close(p);
  sio__pool_free(p, b);
  assert_int_equal(g_out, 0);
  counting_off();
}

/* What AUTO picks: malloc under the sanitizers and valgrind, else slabs. */
static void test_auto(void **state) {
  int checked = 0;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  checked = 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  checked = 1;
#endif
#endif
  if (RUNNING_ON_VALGRIND) checked = 1;
  const char *env = getenv("SIO_POOL");
  if (env && strcmp(env, "malloc") == 0) checked = 1;
  if (env && strcmp(env, "slabs") == 0) checked = 0;
  assert_int_equal(sio__pool_auto_uses_slabs(), !checked);
  sio__pool_t *p = sio__pool_new(40, SIO__POOL_AUTO);
  assert_int_equal(sio__pool_uses_slabs(p), !checked);
  sio__pool_close(p);
}

/* The child's side of auto_slabs_with: exits 1 if its first AUTO pool
 * carves slabs, 0 if not, 2 if the pool and the process's choice differ. */
static int child_auto_slabs(void) {
  sio__pool_t *p = sio__pool_new(40, SIO__POOL_AUTO);
  int slabs = p ? sio__pool_uses_slabs(p) : 2;
  if (slabs != sio__pool_auto_uses_slabs()) slabs = 2;
  sio__pool_close(p);
  return slabs;
}

static const char *g_self; /* argv[0]: under valgrind, /proc/self/exe is valgrind */

/* SIO_POOL in the environment of a new process (the choice is made once a
 * process, so this one's is already made): this program run again. */
static int auto_slabs_with(const char *value) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setenv("SIO_POOL", value, 1);
    execlp(g_self, g_self, "--child-auto-slabs", (char *)NULL);
    _exit(3);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_true(WEXITSTATUS(status) <= 1);
  return WEXITSTATUS(status);
}

static void test_auto_env(void **state) {
  assert_int_equal(auto_slabs_with("malloc"), 0);
  assert_int_equal(auto_slabs_with("slabs"), 1);
}

/* ---- threads ---- */

enum { THREADS = 4, ROUNDS = 4000, BATCH = 16, BLOCK = 48 };

typedef struct {
  sio__pool_t *pool;
  unsigned char tag;
  /* Blocks left for the main thread to free: frees from another thread. */
  void *kept[ROUNDS / 100 + 1];
  int nkept;
  int bad;
} worker_t;

static void *worker(void *arg) {
  worker_t *w = arg;
  void *mine[BATCH];
  for (int r = 0; r < ROUNDS; r++) {
    int n = 1 + r % BATCH;
    for (int i = 0; i < n; i++) {
      mine[i] = sio__pool_alloc(w->pool);
      if (!mine[i]) {
        w->bad++;
        n = i;
        break;
      }
      memset(mine[i], w->tag, BLOCK);
    }
    /* A block handed to two threads at once would show the other's tag. */
    for (int i = 0; i < n; i++)
      for (int j = 0; j < BLOCK; j++)
        if (((unsigned char *)mine[i])[j] != w->tag) w->bad++;
    int keep = r % 100 == 0 && n > 0;
    if (keep) w->kept[w->nkept++] = mine[--n];
    for (int i = 0; i < n; i++) sio__pool_free(w->pool, mine[i]);
  }
  return NULL;
}

static void test_threads(void **state) {
  sio__pool_t *p = sio__pool_new(BLOCK, SIO__POOL_SLABS);
  static worker_t w[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker_t){.pool = p, .tag = (unsigned char)(i + 1)};
    assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
  }
  int kept = 0;
  for (int i = 0; i < THREADS; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(w[i].bad, 0);
    kept += w[i].nkept;
  }
  assert_int_equal(sio__pool_live(p), kept);
  for (int i = 0; i < THREADS; i++)
    for (int k = 0; k < w[i].nkept; k++) {
      for (int j = 0; j < BLOCK; j++)
        assert_int_equal(((unsigned char *)w[i].kept[k])[j], i + 1);
      sio__pool_free(p, w[i].kept[k]);
    }
  assert_int_equal(sio__pool_live(p), 0);
  sio__pool_close(p);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--child-auto-slabs") == 0) return child_auto_slabs();
  g_self = argv[0];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes),      cmocka_unit_test(test_carve_and_reuse),
      cmocka_unit_test(test_many_slabs), cmocka_unit_test(test_close_before_last_free),
      cmocka_unit_test(test_fallback),   cmocka_unit_test(test_auto),
      cmocka_unit_test(test_auto_env),   cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
