/* SipHash with c compression and d finalization rounds (see siphash.h). */
#include "core/siphash.h"

#include <string.h>

#include "core/rand.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

typedef struct {
  uint64_t v0, v1, v2, v3;
} state_t;

static inline void round_(state_t *s) {
  s->v0 += s->v1;
  s->v1 = ROTL(s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = ROTL(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = ROTL(s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = ROTL(s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = ROTL(s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline uint64_t sip(const sio__sipkey_t *key, const uint8_t *p, size_t len, int c,
                           int d) {
  state_t s = {key->k0 ^ 0x736f6d6570736575ull, key->k1 ^ 0x646f72616e646f6dull,
               key->k0 ^ 0x6c7967656e657261ull, key->k1 ^ 0x7465646279746573ull};
  size_t full = len & ~(size_t)7;
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = load_le64(p + i);
    s.v3 ^= m;
    for (int r = 0; r < c; r++) round_(&s);
    s.v0 ^= m;
  }
  /* The last block: the remaining bytes, the length's low byte on top. */
  uint64_t b = (uint64_t)len << 56;
  for (size_t i = 0; i < (len & 7); i++) b |= (uint64_t)p[full + i] << (8 * i);
  s.v3 ^= b;
  for (int r = 0; r < c; r++) round_(&s);
  s.v0 ^= b;
  s.v2 ^= 0xff;
  for (int r = 0; r < d; r++) round_(&s);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t sio__siphash13(const sio__sipkey_t *key, const void *data, size_t len) {
  return sip(key, data, len, 1, 3);
}

uint64_t sio__siphash24(const sio__sipkey_t *key, const void *data, size_t len) {
  return sip(key, data, len, 2, 4);
}

void sio__sipkey_random(sio__sipkey_t *key) {
  uint8_t b[16];
  if (sio__rand_bytes(b, sizeof(b)) == 0) {
    key->k0 = load_le64(b);
    key->k1 = load_le64(b + 8);
  } else {
    key->k0 = 0x0706050403020100ull;
    key->k1 = 0x0f0e0d0c0b0a0908ull;
  }
}
