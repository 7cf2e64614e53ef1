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

/* The one UTF-8 sequence at p[0..avail) (avail >= 1), as strict as above:
 * returns its length (1 to 4), or 0 if it is invalid or cut short, with
 * *skip (may be NULL) = the length of its maximal invalid subpart (>= 1),
 * which a decoder replaces by one U+FFFD, as the WHATWG decoder does. Inline:
 * the JSON scanner calls it for every non-ASCII character. */
static inline size_t sio__utf8_seq(const uint8_t *p, size_t avail, size_t *skip) {
  uint8_t c = p[0];
  size_t need, i = 1;
  uint8_t lo = 0x80, hi = 0xbf; /* the range of the second byte */
  if (skip) *skip = 1;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0) lo = 0xa0; /* no overlongs */
    if (c == 0xed) hi = 0x9f; /* no surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
  } else {
    return 0;
  }
  while (i < need && i < avail) {
    uint8_t t = p[i];
    if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xbf)) break;
    i++;
  }
  if (i == need) return need;
  if (skip) *skip = i;
  return 0;
}

#endif
