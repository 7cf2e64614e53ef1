/* Fixed-size block pools (pool.h): slabs carved front to back as blocks are
 * first needed (an untouched slab tail costs no resident memory), a free
 * list threaded through the freed blocks, one mutex. */
#include "core/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#if defined(SIO_HAVE_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif

/* 64 KiB with malloc's own header: one 64 KiB chunk of its heap. */
#define SLAB_BYTES (64 * 1024 - 16)

/* A slab: its link, then blocks from data on. */
typedef struct slab {
  struct slab *next;
  size_t pad; /* blocks start 16 bytes in, as malloc's own do */
  unsigned char data[];
} slab_t;

typedef struct free_block {
  struct free_block *next;
} free_block_t;

struct sio__pool {
  pthread_mutex_t mu;
  size_t block;        /* bytes a block, a multiple of 8 */
  int slabs_on;        /* carve slabs (else malloc each block) */
  int closed;          /* the owner let go: the last free frees the pool */
  size_t live;         /* blocks out */
  size_t nslabs;       /* slabs held */
  slab_t *slab;        /* newest slab first */
  unsigned char *next; /* next uncarved block of the newest slab */
  unsigned char *end;  /* its end */
  free_block_t *free;  /* freed blocks, the latest first */
};

/* Compile-time: the sanitizers own malloc to check it. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||                     \
    defined(SIO_POOL_MALLOC)
#define BUILT_FOR_CHECKING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||               \
    __has_feature(memory_sanitizer)
#define BUILT_FOR_CHECKING 1
#endif
#endif
#ifndef BUILT_FOR_CHECKING
#define BUILT_FOR_CHECKING 0
#endif

static int decide_auto(void) {
  /* SIO_POOL=slabs: slabs even under a tool (callgrind and massif measuring
   * the real layout); SIO_POOL=malloc: never. */
  const char *env = getenv("SIO_POOL");
  if (env && strcmp(env, "slabs") == 0) return 1;
  if (env && strcmp(env, "malloc") == 0) return 0;
  if (BUILT_FOR_CHECKING) return 0;
#if defined(SIO_HAVE_VALGRIND_H)
  if (RUNNING_ON_VALGRIND) return 0;
#endif
  return 1;
}

int sio__pool_auto_uses_slabs(void) {
  /* -1 until decided; racing first callers decide the same. */
  static atomic_int decided = -1;
  int v = atomic_load_explicit(&decided, memory_order_relaxed);
  if (v < 0) {
    v = decide_auto();
    atomic_store_explicit(&decided, v, memory_order_relaxed);
  }
  return v;
}

sio__pool_t *sio__pool_new(size_t size, sio__pool_mode_t mode) {
  if (size == 0 || size > SIO__POOL_MAX_BLOCK) return NULL;
  sio__pool_t *p = sio__calloc(1, sizeof(*p));
  if (!p) return NULL;
  if (pthread_mutex_init(&p->mu, NULL) != 0) {
    sio__free(p);
    return NULL;
  }
  p->block = (size + 7) & ~(size_t)7;
  p->slabs_on =
      mode == SIO__POOL_SLABS || (mode == SIO__POOL_AUTO && sio__pool_auto_uses_slabs());
  return p;
}

static void destroy(sio__pool_t *p) {
  slab_t *s = p->slab;
  while (s) {
    slab_t *next = s->next;
    sio__free(s);
    s = next;
  }
  pthread_mutex_destroy(&p->mu);
  sio__free(p);
}

/* A block from the free list or the newest slab (a new one if it is full);
 * with p->mu held. */
static void *carve(sio__pool_t *p) {
  if (p->free) {
    free_block_t *b = p->free;
    p->free = b->next;
    return b;
  }
  if (p->next == NULL || (size_t)(p->end - p->next) < p->block) {
    slab_t *s = sio__malloc(SLAB_BYTES);
    if (!s) return NULL;
    s->next = p->slab;
    p->slab = s;
    p->nslabs++;
    p->next = s->data;
    p->end = (unsigned char *)s + SLAB_BYTES;
  }
  void *b = p->next;
  p->next += p->block;
  return b;
}

void *sio__pool_alloc(sio__pool_t *p) {
  pthread_mutex_lock(&p->mu);
  void *b = p->slabs_on ? carve(p) : sio__malloc(p->block);
  if (b) p->live++;
  pthread_mutex_unlock(&p->mu);
  return b;
}

void *sio__pool_calloc(sio__pool_t *p) {
  void *b = sio__pool_alloc(p);
  if (b) memset(b, 0, p->block);
  return b;
}

void sio__pool_free(sio__pool_t *p, void *block) {
  if (!block) return;
  pthread_mutex_lock(&p->mu);
  if (p->slabs_on) {
    free_block_t *b = block;
    b->next = p->free;
    p->free = b;
  } else {
    sio__free(block);
  }
  int last = --p->live == 0 && p->closed;
  pthread_mutex_unlock(&p->mu);
  if (last) destroy(p);
}

void sio__pool_close(sio__pool_t *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->closed = 1;
  int idle = p->live == 0;
  pthread_mutex_unlock(&p->mu);
  if (idle) destroy(p);
}

size_t sio__pool_block_size(const sio__pool_t *p) {
  return p->block;
}

int sio__pool_uses_slabs(const sio__pool_t *p) {
  return p->slabs_on;
}

size_t sio__pool_live(sio__pool_t *p) {
  pthread_mutex_lock(&p->mu);
  size_t n = p->live;
  pthread_mutex_unlock(&p->mu);
  return n;
}

size_t sio__pool_slabs(sio__pool_t *p) {
  pthread_mutex_lock(&p->mu);
  size_t n = p->nslabs;
  pthread_mutex_unlock(&p->mu);
  return n;
}
