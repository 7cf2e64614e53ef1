/* The connected sockets of a namespace by id: open addressing with linear
 * probing over one pointer a slot (SipHash-1-3 with a random key per
 * index), so finding "the socket of this id" (sio_namespace_socket, a
 * socket's own room) costs no block per socket. The keys are the sockets'
 * own id fields: a socket must not change its id while indexed.
 * Single-threaded, like its namespace. */
#ifndef SIO_SIO_SOCKIDX_H
#define SIO_SIO_SOCKIDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/siphash.h"

struct sio_socket;

typedef struct {
  struct sio_socket **slots; /* cap slots (a power of two), NULL when free */
  uint32_t n, cap;           /* at most 3/4 of the slots are used */
  sio__sipkey_t key;         /* drawn when the first slots are made */
} sio__sockidx_t;

/* An empty index (no allocation). */
void sio__sockidx_init(sio__sockidx_t *x);
/* Frees the slots (not the sockets). */
void sio__sockidx_free(sio__sockidx_t *x);
/* The socket whose id is id[0..len), or NULL. */
struct sio_socket *sio__sockidx_get(const sio__sockidx_t *x, const char *id, size_t len);
/* Adds sock (borrowed until removed). 0 or SIO_ENOMEM. */
int sio__sockidx_add(sio__sockidx_t *x, struct sio_socket *sock);
/* Removes sock if it is there. */
void sio__sockidx_del(sio__sockidx_t *x, const struct sio_socket *sock);

#endif
