/* Helpers shared by the files of the msgpack codec (not used elsewhere). */
#ifndef SIO_REDIS_MP_INTERNAL_H
#define SIO_REDIS_MP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "redis/redis_msgpack.h"

/* Appends d as JavaScript's Number::toString prints it (the JSON.stringify
 * spelling): shortest round-trip digits, plain up to 21 integer digits, exponent
 * form (1e+21, 1e-7) outside; -0 prints 0; NaN and infinities print null.
 * Independent of the C locale. 0 or SIO_ENOMEM. */
int sio__rmp_write_double(sio__rmp_buf_t *b, double d);
/* Appends an integer in decimal. 0 or SIO_ENOMEM. */
int sio__rmp_write_u64(sio__rmp_buf_t *b, uint64_t v);
int sio__rmp_write_i64(sio__rmp_buf_t *b, int64_t v);

/* The value of a number spelled by the JSON grammar (p[0..n), already
 * validated), correctly rounded, independent of the C locale (1e400 gives
 * infinity). 0 or SIO_ENOMEM. */
int sio__rmp_parse_double(const char *p, size_t n, double *out);

/* One UTF-8 sequence at p[0..avail), avail >= 1, strictly (no overlongs, no
 * surrogates, nothing above U+10FFFF): returns its length, or 0 if invalid, with
 * *skip = the length of the maximal invalid subpart (>= 1), which a decoder
 * replaces by one U+FFFD, as the WHATWG decoder does. */
size_t sio__rmp_utf8_seq(const uint8_t *p, size_t avail, size_t *skip);

#endif
