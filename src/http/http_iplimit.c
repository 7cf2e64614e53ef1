/* A chained hash of IP key -> open connections, grown as keys come; an entry
 * leaves with the last connection of its key, so a flood of distinct
 * addresses costs memory only while their connections are open. */
#include "http/http_iplimit.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "io/stream.h"
#include "io/sync.h"
#include "sio/common.h"

typedef struct ip_entry {
  sio__close_hook_t hook; /* given to each of its streams: leaves once */
  struct ip_entry *next;
  sio__iplimit_t *table;
  size_t count;
  char ip[64]; /* the key (sio__iplimit_key) */
} ip_entry_t;

struct sio__iplimit {
  ip_entry_t **buckets;
  size_t nbuckets; /* a power of two */
  size_t nentries;
  size_t max;
  unsigned v6_prefix;
  size_t refs; /* the servers', plus one per counted connection */
  /* The workers' servers share one table: a lock, taken on the accept path
   * and when a counted connection closes, never per message. */
  sio__mutex_t *mu;
};

#define INITIAL_BUCKETS 64

static size_t hash_ip(const char *ip) {
  size_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)ip; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

void sio__iplimit_key(const char *ip, unsigned v6_prefix, char out[64]) {
  struct in6_addr a;
  if (inet_pton(AF_INET6, ip, &a) != 1) {
    snprintf(out, 64, "%s", ip); /* IPv4, or no address: as it is */
    return;
  }
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    if (!inet_ntop(AF_INET, &a.s6_addr[12], out, 64)) snprintf(out, 64, "%s", ip);
    return;
  }
  if (v6_prefix < 1 || v6_prefix > 128) v6_prefix = 128;
  for (unsigned bit = v6_prefix; bit < 128; bit++)
    a.s6_addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, &a, text, sizeof(text))) {
    snprintf(out, 64, "%s", ip);
    return;
  }
  snprintf(out, 64, "%s/%u", text, v6_prefix);
}

sio__iplimit_t *sio__iplimit_new(size_t max, unsigned v6_prefix) {
  sio__iplimit_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->buckets = sio__calloc(INITIAL_BUCKETS, sizeof(*t->buckets));
  t->mu = t->buckets ? sio__mutex_new() : NULL;
  if (!t->mu) {
    sio__free(t->buckets);
    sio__free(t);
    return NULL;
  }
  t->nbuckets = INITIAL_BUCKETS;
  t->max = max;
  t->v6_prefix = v6_prefix;
  t->refs = 1;
  return t;
}

/* Drops a reference, the lock held; releases the lock. */
static void unref_unlock(sio__iplimit_t *t) {
  size_t left = --t->refs;
  sio__mutex_unlock(t->mu);
  if (left > 0) return;
  /* Last reference: every connection is gone, so every entry is too. */
  sio__mutex_free(t->mu);
  sio__free(t->buckets);
  sio__free(t);
}

void sio__iplimit_release(sio__iplimit_t *t) {
  if (!t) return;
  sio__mutex_lock(t->mu);
  unref_unlock(t);
}

sio__iplimit_t *sio__iplimit_share(sio__iplimit_t *t) {
  sio__mutex_lock(t->mu);
  t->refs++;
  sio__mutex_unlock(t->mu);
  return t;
}

static ip_entry_t **find_slot(const sio__iplimit_t *t, const char *ip) {
  ip_entry_t **pp = &t->buckets[hash_ip(ip) & (t->nbuckets - 1)];
  while (*pp && strcmp((*pp)->ip, ip) != 0) pp = &(*pp)->next;
  return pp;
}

/* Doubles the buckets when entries outnumber them twice; failing to grow
 * only makes chains longer. */
static void maybe_grow(sio__iplimit_t *t) {
  if (t->nentries < 2 * t->nbuckets) return;
  size_t n = t->nbuckets * 2;
  ip_entry_t **nb = sio__calloc(n, sizeof(*nb));
  if (!nb) return;
  for (size_t i = 0; i < t->nbuckets; i++) {
    for (ip_entry_t *e = t->buckets[i], *next; e; e = next) {
      next = e->next;
      size_t b = hash_ip(e->ip) & (n - 1);
      e->next = nb[b];
      nb[b] = e;
    }
  }
  sio__free(t->buckets);
  t->buckets = nb;
  t->nbuckets = n;
}

void sio__iplimit_leave(void *token) {
  ip_entry_t *e = token;
  sio__iplimit_t *t = e->table;
  sio__mutex_lock(t->mu);
  if (--e->count == 0) {
    ip_entry_t **pp = find_slot(t, e->ip);
    *pp = e->next;
    t->nentries--;
    sio__free(e);
  }
  unref_unlock(t);
}

static void leave_hook(sio__close_hook_t *hook) {
  sio__iplimit_leave((char *)hook - offsetof(ip_entry_t, hook));
}

int sio__iplimit_enter(sio__iplimit_t *t, const char *ip, void **token) {
  char key[64];
  sio__iplimit_key(ip, t->v6_prefix, key);
  sio__mutex_lock(t->mu);
  ip_entry_t **pp = find_slot(t, key);
  ip_entry_t *e = *pp;
  if (e && e->count >= t->max) {
    sio__mutex_unlock(t->mu);
    return SIO_ELIMIT;
  }
  if (!e) {
    e = sio__calloc(1, sizeof(*e));
    if (!e) {
      sio__mutex_unlock(t->mu);
      return SIO_ENOMEM;
    }
    e->hook.fn = leave_hook;
    e->table = t;
    memcpy(e->ip, key, sizeof(e->ip)); /* NUL-terminated by the key */
    *pp = e;
    t->nentries++;
    maybe_grow(t);
  }
  e->count++;
  t->refs++;
  sio__mutex_unlock(t->mu);
  *token = e;
  return 0;
}

int sio__iplimit_admit(sio__iplimit_t *t, struct sio__stream *stream) {
  void *token;
  int r = sio__iplimit_enter(t, sio__stream_remote_addr(stream), &token);
  if (r == 0) sio__stream_set_close_hook(stream, &((ip_entry_t *)token)->hook);
  return r;
}

size_t sio__iplimit_count(const sio__iplimit_t *t, const char *ip) {
  char key[64];
  sio__iplimit_key(ip, t->v6_prefix, key);
  sio__mutex_lock(t->mu);
  ip_entry_t *const *pp = find_slot(t, key);
  size_t n = *pp ? (*pp)->count : 0;
  sio__mutex_unlock(t->mu);
  return n;
}
