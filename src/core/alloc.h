/* The allocator every libsio file uses (never malloc/free directly), so
 * sio_replace_allocator() reaches all of it. Out of memory returns NULL;
 * callers turn that into SIO_ENOMEM, never abort().
 *
 * Header-only over the public sio_malloc family (sio/common.h): files of
 * src/core compiled into an add-on library (libsio-redis) then reach the one
 * hook of the shared libsio through its public API. */
#ifndef SIO_CORE_ALLOC_H
#define SIO_CORE_ALLOC_H

#include <stddef.h>
#include <string.h>

#include "sio/common.h"

static inline void *sio__malloc(size_t size) {
  return sio_malloc(size);
}

static inline void *sio__realloc(void *ptr, size_t size) {
  return sio_realloc(ptr, size);
}

/* Checks count*size for overflow (returns NULL). */
static inline void *sio__calloc(size_t count, size_t size) {
  return sio_calloc(count, size);
}

static inline void sio__free(void *ptr) {
  sio_free(ptr);
}

/* Copies n bytes and adds a NUL; NULL on out of memory. */
static inline char *sio__strndup(const char *s, size_t n) {
  char *p = sio_malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static inline char *sio__strdup(const char *s) {
  return sio__strndup(s, strlen(s));
}

#endif
