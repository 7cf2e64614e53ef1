/* Fixed-size block pools for the objects a connection keeps while it lives
 * (Socket.IO session and socket, and the like). Blocks are carved from 64 KiB
 * slabs taken from sio_malloc, one after the other, with no per-block header
 * and no rounding beyond 8 bytes; a freed block goes to the pool's free list
 * and is the next one handed out. Long-lived blocks then sit packed in their
 * slabs instead of between the short-lived blocks of handshakes, where
 * malloc leaves freed space around them.
 *
 * Memory: a slab goes back to sio_free only when the pool is closed and its
 * last block freed, never while the pool is open. After a burst of
 * connections the pool keeps its peak (bounded by the connection limit) for
 * the next ones.
 *
 * Fallback: under AddressSanitizer, ThreadSanitizer, the project's sanitizer
 * builds (SIO_SANITIZE, SIO_TSAN), valgrind, or with SIO_POOL=malloc in the
 * environment, every block is a sio_malloc/sio_free of its own, so a use
 * after free or a leak is still caught by the tool. SIO_POOL=slabs keeps the
 * slabs even then (to profile the real layout). The environment is read
 * once, by the first pool of the process.
 *
 * Thread-safe: a lock is taken by alloc and free (uncontended when the pool's
 * owner lives on one loop, as servers and workers do). */
#ifndef SIO_CORE_POOL_H
#define SIO_CORE_POOL_H

#include <stddef.h>

typedef struct sio__pool sio__pool_t;

/* How a pool gets its blocks. */
typedef enum {
  SIO__POOL_AUTO,   /* slabs, unless a checking tool is on (above) */
  SIO__POOL_SLABS,  /* slabs always (tests of the pool itself) */
  SIO__POOL_MALLOC, /* one sio_malloc per block */
} sio__pool_mode_t;

/* The largest block a pool serves (a slab holds at least 16 of them). */
#define SIO__POOL_MAX_BLOCK 4096

/* A pool of blocks of size bytes (1..SIO__POOL_MAX_BLOCK, rounded up to 8;
 * blocks are 8-byte aligned, so the object's alignment must not exceed 8).
 * NULL if out of memory or size is out of range. The owner closes it with
 * sio__pool_close. */
sio__pool_t *sio__pool_new(size_t size, sio__pool_mode_t mode);

/* A block of the pool's size, uninitialised (or zeroed: calloc); NULL if out
 * of memory. The block belongs to the caller until sio__pool_free. */
void *sio__pool_alloc(sio__pool_t *p);
void *sio__pool_calloc(sio__pool_t *p);

/* Gives back a block of p (NULL ignored). The last block of a closed pool
 * frees the pool. */
void sio__pool_free(sio__pool_t *p, void *block);

/* The owner lets go of p (NULL ignored): it is freed now if no block is
 * out, else by the free of its last block. p is not used by the owner
 * afterwards except through sio__pool_free of blocks it still holds. */
void sio__pool_close(sio__pool_t *p);

/* The block size (the requested size rounded up to 8). */
size_t sio__pool_block_size(const sio__pool_t *p);
/* 1 if the pool carves slabs, 0 if it falls back to malloc. */
int sio__pool_uses_slabs(const sio__pool_t *p);
/* Blocks out and slabs held (0 slabs in fallback), read under the lock. */
size_t sio__pool_live(sio__pool_t *p);
size_t sio__pool_slabs(sio__pool_t *p);

/* What SIO__POOL_AUTO picks in this process: 1 slabs, 0 malloc (the checks
 * above, made once). */
int sio__pool_auto_uses_slabs(void);

#endif
