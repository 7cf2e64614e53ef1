/* Sessions waiting for one kind of heartbeat deadline (the next ping, a
 * pong, a v3 client's ping), in deadline order, on an intrusive doubly
 * linked list: 16 bytes of links and a 32-bit deadline in each session
 * instead of a timer of its own on the loop's heap.
 *
 * Every session of one list waits the same server-wide interval, so a new
 * deadline is nearly always the latest: insertion scans back from the tail
 * and stops at once (it walks back only past deadlines set later than this
 * one, as when a packet's arrival sent a ping before the timer reached an
 * earlier session). Ties keep insertion order.
 *
 * Deadlines are the low 32 bits of a millisecond clock, compared modulo
 * 2^32: they must stay within 2^31 ms (24 days) of each other and of the
 * clock (eio_hb.c caps the intervals). Sans-I/O: the timer is eio_hb.c's. */
#ifndef SIO_EIO_HBLIST_H
#define SIO_EIO_HBLIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct sio__eio_hbnode {
  struct sio__eio_hbnode *prev, *next;
} sio__eio_hbnode_t;

typedef struct {
  sio__eio_hbnode_t *head, *tail;
  /* From a node to its owner's uint32_t deadline (the node's neighbour in
   * the owner, so the owner pays no padding for a node type that holds it). */
  ptrdiff_t due_off;
} sio__eio_hblist_t;

/* Whether deadline a comes before b (modulo 2^32). */
static inline int sio__eio_due_before(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) < 0;
}

/* The full clock value of the 32-bit deadline due, for the clock now. */
static inline uint64_t sio__eio_due_full(uint32_t due, uint64_t now) {
  return now + (uint64_t)(int64_t)(int32_t)(due - (uint32_t)now);
}

static inline uint32_t *sio__eio_hbnode_due(const sio__eio_hblist_t *l,
                                            const sio__eio_hbnode_t *n) {
  return (uint32_t *)((char *)(uintptr_t)n + l->due_off);
}

/* An empty list whose nodes have their deadline due_off bytes after them. */
void sio__eio_hblist_init(sio__eio_hblist_t *l, ptrdiff_t due_off);
/* Whether n is in l (a node not in a list has both links NULL). */
static inline int sio__eio_hblist_has(const sio__eio_hblist_t *l,
                                      const sio__eio_hbnode_t *n) {
  return n->prev || l->head == n;
}
/* Inserts n (in no list) after every node whose deadline is not later. */
void sio__eio_hblist_insert(sio__eio_hblist_t *l, sio__eio_hbnode_t *n);
/* Takes n out of l, wherever it is; a node not in l is left alone. */
void sio__eio_hblist_remove(sio__eio_hblist_t *l, sio__eio_hbnode_t *n);

#endif
