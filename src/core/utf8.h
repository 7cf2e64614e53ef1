/* Incremental UTF-8 validation (RFC 3629): rejects overlong forms, encoded
 * surrogates (U+D800..U+DFFF) and anything above U+10FFFF. A WebSocket text
 * message must be failed as soon as its bytes cannot start valid UTF-8, even
 * when it arrives in pieces, so the validator keeps its state between calls
 * and reports an error at the first impossible byte.
 *
 * Pure and allocation-free; one validator per stream, not thread-safe. */
#ifndef SIO_CORE_UTF8_H
#define SIO_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t state; /* private; 0 = at a character boundary */
} sio__utf8_t;    /* zero-init = start */

/* Resets v to the start state. */
void sio__utf8_init(sio__utf8_t *v);
/* Feeds p[0..n) (borrowed for the call). Returns 0 while the input so far is
 * a valid prefix of UTF-8, SIO_EILSEQ once it is not; the error is sticky
 * (later feeds return SIO_EILSEQ at once). n may be 0 (p may then be NULL). */
int sio__utf8_feed(sio__utf8_t *v, const uint8_t *p, size_t n);
/* 1 if the input so far is valid and ends on a character boundary, else 0
 * (in the middle of a sequence, or failed). */
int sio__utf8_complete(const sio__utf8_t *v);
/* One-shot: 1 if p[0..n) is complete valid UTF-8 (n 0 is valid), else 0. */
int sio__utf8_valid(const uint8_t *p, size_t n);

#endif
