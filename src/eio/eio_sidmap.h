/* Sessions by sid: a hash map from NUL-terminated keys to pointers, open
 * addressing with linear probing (no allocation per entry: 16 bytes a slot,
 * at most 3/4 of the slots used). Keys are borrowed (a session's own sid
 * field): an entry's key must stay valid and unchanged until it is
 * removed. */
#ifndef SIO_EIO_SIDMAP_H
#define SIO_EIO_SIDMAP_H

#include <stddef.h>

typedef struct {
  const char *key; /* NULL: free */
  void *value;
} sio__eio_sidmap_slot_t;

typedef struct {
  sio__eio_sidmap_slot_t *slots;
  size_t nslots; /* 0 or a power of two */
  size_t count;
} sio__eio_sidmap_t;

void sio__eio_sidmap_init(sio__eio_sidmap_t *m);
/* Frees the map's own memory (not the values). */
void sio__eio_sidmap_free(sio__eio_sidmap_t *m);
/* Adds key -> value. Returns 0, SIO_EEXIST if key is present, SIO_ENOMEM. */
int sio__eio_sidmap_put(sio__eio_sidmap_t *m, const char *key, void *value);
/* The value of key (len bytes, need not be NUL-terminated), or NULL. */
void *sio__eio_sidmap_get(const sio__eio_sidmap_t *m, const char *key, size_t len);
/* Removes key; returns its value or NULL. */
void *sio__eio_sidmap_del(sio__eio_sidmap_t *m, const char *key);
/* Calls fn on every value; fn may not change the map. */
void sio__eio_sidmap_each(const sio__eio_sidmap_t *m, void (*fn)(void *value, void *arg),
                          void *arg);
/* Copies up to max values into out (for iterations that change the map);
 * returns how many. */
size_t sio__eio_sidmap_values(const sio__eio_sidmap_t *m, void **out, size_t max);

#endif
