/* A namespace's sockets by id (sio_sockidx.h). Deletion shifts the entries
 * after the freed slot back (no tombstones), so lookups stay short however
 * many sockets came and went. */
#include "sio/sio_sockidx.h"

#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

void sio__sockidx_init(sio__sockidx_t *x) {
  memset(x, 0, sizeof(*x));
}

void sio__sockidx_free(sio__sockidx_t *x) {
  sio__free(x->slots);
  sio__sockidx_init(x);
}

static uint32_t home(const sio__sockidx_t *x, const char *id, size_t len) {
  return (uint32_t)sio__siphash13(&x->key, id, len) & (x->cap - 1);
}

sio_socket_t *sio__sockidx_get(const sio__sockidx_t *x, const char *id, size_t len) {
  if (!x->n) return NULL;
  for (uint32_t i = home(x, id, len);; i = (i + 1) & (x->cap - 1)) {
    sio_socket_t *s = x->slots[i];
    if (!s) return NULL;
    if (len < sizeof(s->id) && s->id[len] == '\0' && memcmp(s->id, id, len) == 0)
      return s;
  }
}

static void place(sio__sockidx_t *x, sio_socket_t *sock) {
  uint32_t i = home(x, sock->id, strlen(sock->id));
  while (x->slots[i]) i = (i + 1) & (x->cap - 1);
  x->slots[i] = sock;
}

static int grow(sio__sockidx_t *x) {
  if (x->cap > UINT32_MAX / 2) return SIO_ENOMEM;
  uint32_t cap = x->cap ? x->cap * 2 : 8;
  sio_socket_t **slots = sio__calloc(cap, sizeof(*slots));
  if (!slots) return SIO_ENOMEM;
  if (!x->cap) sio__sipkey_random(&x->key);
  sio_socket_t **old = x->slots;
  uint32_t ocap = x->cap;
  x->slots = slots;
  x->cap = cap;
  for (uint32_t i = 0; i < ocap; i++)
    if (old[i]) place(x, old[i]);
  sio__free(old);
  return 0;
}

int sio__sockidx_add(sio__sockidx_t *x, sio_socket_t *sock) {
  if ((uint64_t)(x->n + 1) * 4 > (uint64_t)x->cap * 3 && grow(x)) return SIO_ENOMEM;
  place(x, sock);
  x->n++;
  return 0;
}

void sio__sockidx_del(sio__sockidx_t *x, const sio_socket_t *sock) {
  if (!x->n) return;
  uint32_t mask = x->cap - 1;
  uint32_t i = home(x, sock->id, strlen(sock->id));
  while (x->slots[i] != sock) {
    if (!x->slots[i]) return;
    i = (i + 1) & mask;
  }
  x->slots[i] = NULL;
  x->n--;
  /* Backward shift: an entry after the hole moves into it unless its home
   * lies cyclically in (i, j], where it is found without passing the hole. */
  for (uint32_t j = (i + 1) & mask; x->slots[j]; j = (j + 1) & mask) {
    uint32_t h = home(x, x->slots[j]->id, strlen(x->slots[j]->id));
    if (((j - h) & mask) >= ((j - i) & mask)) {
      x->slots[i] = x->slots[j];
      x->slots[j] = NULL;
      i = j;
    }
  }
}
