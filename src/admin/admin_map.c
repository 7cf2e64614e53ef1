/* libsio-admin: a small pointer-keyed hash map (linear probing). */
#include <string.h>

#include "admin/admin_internal.h"

static size_t slot_of(const void *key, size_t cap) {
  uint64_t h = (uint64_t)(uintptr_t)key;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull; /* a 64-bit mixer: pointers share their low bits */
  h ^= h >> 33;
  return (size_t)h & (cap - 1);
}

admin_slot_t *admin_map_get(const admin_map_t *m, const void *key) {
  if (!m->cap) return NULL;
  for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
    if (m->v[i].key == key) return &m->v[i];
    if (!m->v[i].key) return NULL;
  }
}

static int grow(admin_map_t *m) {
  size_t cap = m->cap ? m->cap * 2 : 16;
  admin_slot_t *v = sio_calloc(cap, sizeof(*v));
  if (!v) return SIO_ENOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->v[i].key) continue;
    size_t j = slot_of(m->v[i].key, cap);
    while (v[j].key) j = (j + 1) & (cap - 1);
    v[j] = m->v[i];
  }
  sio_free(m->v);
  m->v = v;
  m->cap = cap;
  return 0;
}

admin_slot_t *admin_map_put(admin_map_t *m, void *key) {
  admin_slot_t *s = admin_map_get(m, key);
  if (s) return s;
  if ((m->len + 1) * 4 > m->cap * 3 && grow(m) != 0) return NULL; /* load <= 3/4 */
  size_t i = slot_of(key, m->cap);
  while (m->v[i].key) i = (i + 1) & (m->cap - 1);
  memset(&m->v[i], 0, sizeof(m->v[i]));
  m->v[i].key = key;
  m->len++;
  return &m->v[i];
}

/* Backward-shift deletion keeps every probe chain unbroken without
 * tombstones. */
void admin_map_del(admin_map_t *m, const void *key) {
  admin_slot_t *s = admin_map_get(m, key);
  if (!s) return;
  size_t mask = m->cap - 1, hole = (size_t)(s - m->v);
  for (size_t i = (hole + 1) & mask; m->v[i].key; i = (i + 1) & mask) {
    size_t home = slot_of(m->v[i].key, m->cap);
    /* Move i into the hole unless its home lies cyclically in (hole, i]. */
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      m->v[hole] = m->v[i];
      hole = i;
    }
  }
  memset(&m->v[hole], 0, sizeof(m->v[hole]));
  m->len--;
}

void admin_map_free(admin_map_t *m) {
  sio_free(m->v);
  memset(m, 0, sizeof(*m));
}
