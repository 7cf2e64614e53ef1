#include "eio/eio_sidmap.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

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
  m->slots = NULL;
  m->nslots = 0;
  m->count = 0;
}

void sio__eio_sidmap_free(sio__eio_sidmap_t *m) {
  sio__free(m->slots);
  sio__eio_sidmap_init(m);
}

static size_t home(const sio__eio_sidmap_t *m, const char *key) {
  return hash(key, strlen(key)) & (m->nslots - 1);
}

static int grow(sio__eio_sidmap_t *m) {
  size_t n = m->nslots ? m->nslots * 2 : 16;
  if (n > SIZE_MAX / sizeof(sio__eio_sidmap_slot_t)) return SIO_ENOMEM;
  sio__eio_sidmap_slot_t *old = m->slots;
  size_t oldn = m->nslots;
  sio__eio_sidmap_slot_t *s = sio__calloc(n, sizeof(*s));
  if (!s) return SIO_ENOMEM;
  m->slots = s;
  m->nslots = n;
  for (size_t i = 0; i < oldn; i++) {
    if (!old[i].key) continue;
    size_t j = home(m, old[i].key);
    while (s[j].key) j = (j + 1) & (n - 1);
    s[j] = old[i];
  }
  sio__free(old);
  return 0;
}

/* k (NUL-terminated) is key[0..len): compared so as never to read past the
 * end of k, whatever len is. */
static int same(const char *k, const char *key, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (k[i] != key[i] || k[i] == '\0') return 0;
  return k[len] == '\0';
}

/* The slot holding key (len bytes), or SIZE_MAX. */
static size_t find(const sio__eio_sidmap_t *m, const char *key, size_t len) {
  if (m->nslots == 0) return SIZE_MAX;
  size_t mask = m->nslots - 1;
  for (size_t j = hash(key, len) & mask;; j = (j + 1) & mask) {
    const char *k = m->slots[j].key;
    if (!k) return SIZE_MAX;
    if (same(k, key, len)) return j;
  }
}

int sio__eio_sidmap_put(sio__eio_sidmap_t *m, const char *key, void *value) {
  size_t len = strlen(key);
  if (find(m, key, len) != SIZE_MAX) return SIO_EEXIST;
  /* At most 3/4 full, so probes stay short and a free slot always exists. */
  if ((m->count + 1) * 4 > m->nslots * 3 && grow(m) != 0) return SIO_ENOMEM;
  size_t mask = m->nslots - 1;
  size_t j = hash(key, len) & mask;
  while (m->slots[j].key) j = (j + 1) & mask;
  m->slots[j].key = key;
  m->slots[j].value = value;
  m->count++;
  return 0;
}

void *sio__eio_sidmap_get(const sio__eio_sidmap_t *m, const char *key, size_t len) {
  size_t j = find(m, key, len);
  return j == SIZE_MAX ? NULL : m->slots[j].value;
}

void *sio__eio_sidmap_del(sio__eio_sidmap_t *m, const char *key) {
  size_t i = find(m, key, strlen(key));
  if (i == SIZE_MAX) return NULL;
  void *v = m->slots[i].value;
  /* Backward-shift deletion: later entries of the probe run move into the
   * hole when their home allows it, so lookups never need tombstones. */
  size_t mask = m->nslots - 1;
  for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
    size_t h = home(m, m->slots[j].key);
    /* The entry at j may fill the hole at i if i lies on its probe path,
     * i.e. cyclically in [h, j). */
    if (((j - h) & mask) >= ((j - i) & mask)) {
      m->slots[i] = m->slots[j];
      i = j;
    }
  }
  m->slots[i].key = NULL;
  m->slots[i].value = NULL;
  m->count--;
  return v;
}

void sio__eio_sidmap_each(const sio__eio_sidmap_t *m, void (*fn)(void *value, void *arg),
                          void *arg) {
  for (size_t i = 0; i < m->nslots; i++)
    if (m->slots[i].key) fn(m->slots[i].value, arg);
}

size_t sio__eio_sidmap_values(const sio__eio_sidmap_t *m, void **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < m->nslots && n < max; i++)
    if (m->slots[i].key) out[n++] = m->slots[i].value;
  return n;
}
