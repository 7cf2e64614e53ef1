/* The per-server table of shared header values (eio_hvals.h): a fixed
 * array of chains, keyed by SipHash-1-3; a chain holds at most a few
 * entries, so a lookup stays short whatever values an outsider sends. */
#include "eio/eio_hvals.h"

#include <string.h>

#include "core/alloc.h"
#include "core/siphash.h"

/* Entries a chain holds at most: past it, a value stays inline. */
#define CHAIN_MAX 8
/* Chains at most (a table of a million entries has longer ones). */
#define NBUCKETS_MAX 4096

struct sio__eio_hval {
  sio__eio_hval_t *next; /* in its chain */
  sio__eio_hvals_t *table;
  uint32_t refs;
  uint32_t len;
  uint64_t hash;
  char text[]; /* len bytes and a NUL */
};

struct sio__eio_hvals {
  sio__eio_hval_t **chains; /* made at the first value */
  size_t nchains;           /* a power of two */
  size_t count, max_entries, max_len;
  sio__sipkey_t key;
  int closed;
};

sio__eio_hvals_t *sio__eio_hvals_new(uint32_t max_entries, uint32_t max_len) {
  if (max_entries == 0) return NULL;
  sio__eio_hvals_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->max_entries = max_entries;
  t->max_len = max_len;
  t->nchains = 1;
  while (t->nchains < max_entries && t->nchains < NBUCKETS_MAX) t->nchains <<= 1;
  sio__sipkey_random(&t->key);
  return t;
}

static void table_free(sio__eio_hvals_t *t) {
  sio__free(t->chains);
  sio__free(t);
}

void sio__eio_hvals_close(sio__eio_hvals_t *t) {
  if (!t) return;
  t->closed = 1;
  if (t->count == 0) table_free(t);
}

size_t sio__eio_hvals_count(const sio__eio_hvals_t *t) {
  return t ? t->count : 0;
}

sio__eio_hval_t *sio__eio_hvals_get(sio__eio_hvals_t *t, const void *value, size_t len) {
  if (!t || t->closed || len < SIO__EIO_HVAL_MIN_LEN || len > t->max_len) return NULL;
  uint64_t h = sio__siphash13(&t->key, value, len);
  size_t depth = 0;
  sio__eio_hval_t **chain = t->chains ? &t->chains[h & (t->nchains - 1)] : NULL;
  for (sio__eio_hval_t *v = chain ? *chain : NULL; v; v = v->next, depth++)
    if (v->hash == h && v->len == len && memcmp(v->text, value, len) == 0) {
      if (v->refs == UINT32_MAX) return NULL;
      v->refs++;
      return v;
    }
  if (t->count >= t->max_entries || depth >= CHAIN_MAX) return NULL;
  if (!t->chains) {
    t->chains = sio__calloc(t->nchains, sizeof(*t->chains));
    if (!t->chains) return NULL;
    chain = &t->chains[h & (t->nchains - 1)];
  }
  sio__eio_hval_t *v = sio__malloc(sizeof(*v) + len + 1);
  if (!v) return NULL;
  v->table = t;
  v->refs = 1;
  v->len = (uint32_t)len;
  v->hash = h;
  memcpy(v->text, value, len);
  v->text[len] = '\0';
  v->next = *chain;
  *chain = v;
  t->count++;
  return v;
}

void sio__eio_hval_release(sio__eio_hval_t *v) {
  if (!v || --v->refs) return;
  sio__eio_hvals_t *t = v->table;
  sio__eio_hval_t **p = &t->chains[v->hash & (t->nchains - 1)];
  while (*p != v) p = &(*p)->next;
  *p = v->next;
  sio__free(v);
  if (--t->count == 0 && t->closed) table_free(t);
}

const char *sio__eio_hval_text(const sio__eio_hval_t *v, size_t *len) {
  *len = v->len;
  return v->text;
}

uint32_t sio__eio_hval_refs(const sio__eio_hval_t *v) {
  return v->refs;
}
