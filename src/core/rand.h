/* Random bytes and ids from OpenSSL's CSPRNG. Session ids, Socket.IO ids and
 * WebSocket keys must be unguessable, so nothing here falls back to a weaker
 * generator: a CSPRNG failure is reported, never hidden.
 *
 * Thread-safe (OpenSSL's RAND_bytes is). */
#ifndef SIO_CORE_RAND_H
#define SIO_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Fills out[0..n) with random bytes. Returns 0, or SIO_EAGAIN when the
 * CSPRNG could not deliver (not seeded, or failed); out is then unspecified. */
int sio__rand_bytes(uint8_t *out, size_t n);
/* Writes a new random id: 20 URL-safe base64 chars (120 random bits) and a NUL
 * into out[21]. Returns 0 or SIO_EAGAIN (out then holds ""). */
int sio__rand_id(char out[21]);

#endif
