/* The allocator hook: every allocation of libsio and libsio-redis goes
 * through these four (core/alloc.h wraps them for internal callers). */
#include <stdint.h>
#include <stdlib.h>

#include "sio/common.h"

static sio_malloc_fn g_malloc = malloc;
static sio_realloc_fn g_realloc = realloc;
static sio_calloc_fn g_calloc = calloc;
static sio_free_fn g_free = free;

int sio_replace_allocator(sio_malloc_fn m, sio_realloc_fn r, sio_calloc_fn c,
                          sio_free_fn f) {
  if (!m || !r || !c || !f) return SIO_EINVAL;
  g_malloc = m;
  g_realloc = r;
  g_calloc = c;
  g_free = f;
  return 0;
}

void *sio_malloc(size_t size) {
  return g_malloc(size ? size : 1);
}

void *sio_realloc(void *ptr, size_t size) {
  return g_realloc(ptr, size ? size : 1);
}

void *sio_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  return g_calloc(count ? count : 1, size ? size : 1);
}

void sio_free(void *ptr) {
  if (ptr) g_free(ptr);
}
