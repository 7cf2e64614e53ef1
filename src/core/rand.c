#include "core/rand.h"

#include <limits.h>

#include <openssl/rand.h>

#include "core/base64.h"
#include "sio/common.h"

int sio__rand_bytes(uint8_t *out, size_t n) {
  /* RAND_bytes takes an int count: large requests go in slices. */
  while (n > 0) {
    int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
    if (RAND_bytes(out, chunk) != 1) return SIO_EAGAIN;
    out += chunk;
    n -= (size_t)chunk;
  }
  return 0;
}

int sio__rand_id(char out[21]) {
  uint8_t raw[15]; /* 15 bytes = 120 bits = exactly 20 base64 chars, no padding */
  out[0] = '\0';
  int rc = sio__rand_bytes(raw, sizeof(raw));
  if (rc) return rc;
  size_t n = sio__base64url_encode(out, raw, sizeof(raw));
  out[n] = '\0';
  return 0;
}
