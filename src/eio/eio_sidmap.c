#include "eio/eio_sidmap.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

struct sio__eio_sidmap_entry {
  sio__eio_sidmap_entry_t *next;
  const char *key;
  size_t keylen;
  void *value;
};

/* FNV-1a: sids are random, so any decent mix spreads them. */
static size_t hash(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (uint8_t)k[i];
    h *= 1099511628211ull;
  }
  return (size_t)(h ^ (h >> 32));
}

void sio__eio_sidmap_init(sio__eio_sidmap_t *m) {
  m->buckets = NULL;
  m->nbuckets = 0;
  m->count = 0;
}

void sio__eio_sidmap_free(sio__eio_sidmap_t *m) {
  for (size_t i = 0; i < m->nbuckets; i++) {
    sio__eio_sidmap_entry_t *e = m->buckets[i];
    while (e) {
      sio__eio_sidmap_entry_t *next = e->next;
      sio__free(e);
      e = next;
    }
  }
  sio__free(m->buckets);
  sio__eio_sidmap_init(m);
}

static int grow(sio__eio_sidmap_t *m) {
  size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
  sio__eio_sidmap_entry_t **b = sio__calloc(n, sizeof(*b));
  if (!b) return SIO_ENOMEM;
  for (size_t i = 0; i < m->nbuckets; i++) {
    sio__eio_sidmap_entry_t *e = m->buckets[i];
    while (e) {
      sio__eio_sidmap_entry_t *next = e->next;
      size_t j = hash(e->key, e->keylen) & (n - 1);
      e->next = b[j];
      b[j] = e;
      e = next;
    }
  }
  sio__free(m->buckets);
  m->buckets = b;
  m->nbuckets = n;
  return 0;
}

static sio__eio_sidmap_entry_t **find(const sio__eio_sidmap_t *m, const char *key,
                                      size_t len) {
  if (m->nbuckets == 0) return NULL;
  sio__eio_sidmap_entry_t **p = &m->buckets[hash(key, len) & (m->nbuckets - 1)];
  while (*p) {
    if ((*p)->keylen == len && memcmp((*p)->key, key, len) == 0) return p;
    p = &(*p)->next;
  }
  return NULL;
}

int sio__eio_sidmap_put(sio__eio_sidmap_t *m, const char *key, void *value) {
  size_t len = strlen(key);
  if (find(m, key, len)) return SIO_EEXIST;
  if (m->count >= m->nbuckets && grow(m) != 0 && m->nbuckets == 0) return SIO_ENOMEM;
  sio__eio_sidmap_entry_t *e = sio__malloc(sizeof(*e));
  if (!e) return SIO_ENOMEM;
  e->key = key;
  e->keylen = len;
  e->value = value;
  size_t j = hash(key, len) & (m->nbuckets - 1);
  e->next = m->buckets[j];
  m->buckets[j] = e;
  m->count++;
  return 0;
}

void *sio__eio_sidmap_get(const sio__eio_sidmap_t *m, const char *key, size_t len) {
  sio__eio_sidmap_entry_t **p = find(m, key, len);
  return p ? (*p)->value : NULL;
}

void *sio__eio_sidmap_del(sio__eio_sidmap_t *m, const char *key) {
  sio__eio_sidmap_entry_t **p = find(m, key, strlen(key));
  if (!p) return NULL;
  sio__eio_sidmap_entry_t *e = *p;
  void *v = e->value;
  *p = e->next;
  sio__free(e);
  m->count--;
  return v;
}

void sio__eio_sidmap_each(const sio__eio_sidmap_t *m, void (*fn)(void *value, void *arg),
                          void *arg) {
  for (size_t i = 0; i < m->nbuckets; i++)
    for (sio__eio_sidmap_entry_t *e = m->buckets[i]; e; e = e->next) fn(e->value, arg);
}

size_t sio__eio_sidmap_values(const sio__eio_sidmap_t *m, void **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < m->nbuckets && n < max; i++)
    for (sio__eio_sidmap_entry_t *e = m->buckets[i]; e && n < max; e = e->next)
      out[n++] = e->value;
  return n;
}
