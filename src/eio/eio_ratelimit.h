/* A token bucket for the packets a session receives (sans-I/O: the caller
 * passes the clock). Tokens are kept in thousandths so a rate below one
 * packet per millisecond refills smoothly without floating point. */
#ifndef SIO_EIO_RATELIMIT_H
#define SIO_EIO_RATELIMIT_H

#include <stdint.h>

/* A session's bucket; its rate and burst are the server's, passed to each
 * call (16 bytes a session, not 24). */
typedef struct {
  uint64_t tokens; /* in thousandths */
  uint64_t last_ms;
} sio__eio_bucket_t;

/* A full bucket at now_ms. rate (packets per second) 0 turns it off; burst
 * (tokens the bucket holds at most) 0 means rate (one second's worth). */
void sio__eio_bucket_init(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst,
                          uint64_t now_ms);
/* Takes one token at now_ms with the rate and burst b was made with: 1 if
 * there was one (or no limit), 0 if empty. */
int sio__eio_bucket_take(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst,
                         uint64_t now_ms);

#endif
