/* String -> pointer map: see sio_map.h. */
#include "sio/sio_map.h"

#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

/* Keyed: clients choose room and namespace names, and must not be able to
 * choose names that all share a bucket. */
static size_t hash(const sio__map_t *m, const char *k, size_t n) {
  return (size_t)sio__siphash13(&m->key, k, n);
}

void sio__map_init(sio__map_t *m) {
  memset(m, 0, sizeof(*m));
}

void sio__map_free(sio__map_t *m) {
  for (size_t i = 0; i < m->nb; i++) {
    sio__map_ent_t *e = m->b[i];
    while (e) {
      sio__map_ent_t *nx = e->next;
      sio__free(e);
      e = nx;
    }
  }
  sio__free(m->b);
  memset(m, 0, sizeof(*m));
}

static sio__map_ent_t **find(const sio__map_t *m, const char *key, size_t len) {
  if (!m->nb) return NULL;
  sio__map_ent_t **pp = &m->b[hash(m, key, len) & (m->nb - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->klen == len && memcmp((*pp)->key, key, len) == 0) return pp;
  return pp;
}

void *sio__map_get(const sio__map_t *m, const char *key, size_t len) {
  sio__map_ent_t **pp = find(m, key, len);
  return pp && *pp ? (*pp)->val : NULL;
}

static int grow(sio__map_t *m) {
  size_t nb = m->nb ? m->nb * 2 : 8;
  if (!m->nb) sio__sipkey_random(&m->key); /* a fresh key per map, on first use */
  sio__map_ent_t **b = sio__calloc(nb, sizeof(*b));
  if (!b) return SIO_ENOMEM;
  for (size_t i = 0; i < m->nb; i++) {
    sio__map_ent_t *e = m->b[i];
    while (e) {
      sio__map_ent_t *nx = e->next;
      size_t h = hash(m, e->key, e->klen) & (nb - 1);
      e->next = b[h];
      b[h] = e;
      e = nx;
    }
  }
  sio__free(m->b);
  m->b = b;
  m->nb = nb;
  return 0;
}

int sio__map_put(sio__map_t *m, const char *key, size_t len, void *val,
                 const char **stored) {
  sio__map_ent_t **pp = find(m, key, len);
  if (pp && *pp) {
    (*pp)->val = val;
    if (stored) *stored = (*pp)->key;
    return 0;
  }
  if (m->n + 1 > m->nb) {
    if (grow(m)) return SIO_ENOMEM;
    pp = find(m, key, len);
  }
  sio__map_ent_t *e = sio__malloc(sizeof(*e) + len + 1);
  if (!e) return SIO_ENOMEM;
  e->next = NULL;
  e->val = val;
  e->klen = len;
  memcpy(e->key, key, len);
  e->key[len] = 0;
  *pp = e;
  m->n++;
  if (stored) *stored = e->key;
  return 0;
}

void *sio__map_del(sio__map_t *m, const char *key, size_t len) {
  sio__map_ent_t **pp = find(m, key, len);
  if (!pp || !*pp) return NULL;
  sio__map_ent_t *e = *pp;
  void *v = e->val;
  *pp = e->next;
  sio__free(e);
  m->n--;
  return v;
}

sio__map_ent_t *sio__map_next(const sio__map_t *m, sio__map_iter_t *it) {
  if (it->e && it->e->next) {
    it->e = it->e->next;
    return it->e;
  }
  size_t start = it->e ? it->bucket + 1 : it->bucket;
  for (size_t i = start; i < m->nb; i++) {
    if (m->b[i]) {
      it->bucket = i;
      it->e = m->b[i];
      return it->e;
    }
  }
  it->bucket = m->nb;
  it->e = NULL;
  return NULL;
}
