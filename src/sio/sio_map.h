/* A small string -> pointer hash map (separate chaining, SipHash-1-3 with a
 * random key per map), for room
 * names, namespace names and event names. Keys are copied; values are
 * borrowed. Single-threaded. */
#ifndef SIO_SIO_MAP_H
#define SIO_SIO_MAP_H

#include <stddef.h>

#include "core/siphash.h"

typedef struct sio__map_ent {
  struct sio__map_ent *next;
  void *val;
  size_t klen;
  char key[]; /* NUL-terminated copy */
} sio__map_ent_t;

typedef struct {
  sio__map_ent_t **b;
  size_t nb, n;
  sio__sipkey_t key; /* drawn when the first bucket array is made */
} sio__map_t;

void sio__map_init(sio__map_t *m);
/* Frees the entries (not the values). */
void sio__map_free(sio__map_t *m);
/* The value of key[0..len), or NULL. */
void *sio__map_get(const sio__map_t *m, const char *key, size_t len);
/* Sets key -> val (replacing). 0 or SIO_ENOMEM. *stored (may be NULL) gets
 * the map's copy of the key, valid until the key is deleted. */
int sio__map_put(sio__map_t *m, const char *key, size_t len, void *val,
                 const char **stored);
/* Removes key; returns its value or NULL. */
void *sio__map_del(sio__map_t *m, const char *key, size_t len);

/* Iteration: set *it = 0 and call until it returns NULL. The map must not
 * change meanwhile. */
typedef struct {
  size_t bucket;
  sio__map_ent_t *e;
} sio__map_iter_t;
sio__map_ent_t *sio__map_next(const sio__map_t *m, sio__map_iter_t *it);

#endif
