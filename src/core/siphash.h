/* SipHash (Aumasson and Bernstein), a keyed hash for hash tables whose keys
 * an outsider chooses (room and namespace names, session ids): without the
 * key, nobody can pick keys that all fall into one bucket. SipHash-1-3 is
 * the table hash; SipHash-2-4 is here to check the code against the
 * published test vectors (same rounds, more of them). */
#ifndef SIO_CORE_SIPHASH_H
#define SIO_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t k0, k1;
} sio__sipkey_t;

/* A random key from the CSPRNG (a fixed key if it fails: still a good mix,
 * just not secret). */
void sio__sipkey_random(sio__sipkey_t *key);
uint64_t sio__siphash13(const sio__sipkey_t *key, const void *data, size_t len);
uint64_t sio__siphash24(const sio__sipkey_t *key, const void *data, size_t len);

#endif
