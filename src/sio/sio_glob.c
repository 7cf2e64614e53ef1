/* The namespace pattern matcher: '*' matches any run of characters but '/'.
 *
 * Since a star never matches '/', the i-th '/' of the pattern can only match
 * the i-th '/' of the name: both split into as many '/'-separated parts, and
 * each pattern part matches its name part with plain stars. Within a part the
 * literal runs between stars are matched left to right, each at its leftmost
 * place (the first run as a prefix, the last as a suffix): taking the
 * leftmost place never loses a match, so nothing is ever retried. Each name
 * position is compared against at most one run, so a match costs at most
 * (name length + 1) x (longest run + 1) character comparisons: linear in the
 * name for a given pattern, where the old backtracking at every star went
 * exponential in the number of stars. */
#include <string.h>

#include "sio/sio_internal.h"

/* seg[0..k) == s[0..k), counting comparisons. */
static int same(const char *seg, size_t k, const char *s, uint64_t *steps) {
  for (size_t i = 0; i < k; i++) {
    (*steps)++;
    if (seg[i] != s[i]) return 0;
  }
  return 1;
}

/* p[0..pn) against s[0..sn), neither holding '/'. */
static int part_match(const char *p, size_t pn, const char *s, size_t sn,
                      uint64_t *steps) {
  const char *first = memchr(p, '*', pn);
  if (!first) return pn == sn && same(p, pn, s, steps);
  const char *last = memrchr(p, '*', pn);
  size_t head = (size_t)(first - p), tail = (size_t)(p + pn - last - 1);
  if (head + tail > sn || !same(p, head, s, steps) ||
      !same(last + 1, tail, s + sn - tail, steps))
    return 0;
  size_t pos = head, end = sn - tail;
  for (const char *q = first + 1; q < last;) {
    const char *star = memchr(q, '*', (size_t)(last - q) + 1);
    size_t len = (size_t)(star - q);
    if (len) {
      size_t i = pos;
      while (i + len <= end && !same(q, len, s + i, steps)) i++;
      if (i + len > end) return 0;
      pos = i + len;
    }
    q = star + 1;
  }
  return 1;
}

int sio__glob(const char *pat, const char *name, size_t len, uint64_t *steps) {
  uint64_t local = 0;
  if (!steps) steps = &local;
  size_t plen = strlen(pat);
  const char *p = pat, *pend = pat + plen, *s = name, *send = name + len;
  for (;;) {
    const char *pe = memchr(p, '/', (size_t)(pend - p));
    const char *se = memchr(s, '/', (size_t)(send - s));
    if (!pe) pe = pend;
    if (!se) se = send;
    if (!part_match(p, (size_t)(pe - p), s, (size_t)(se - s), steps)) return 0;
    if (pe == pend || se == send) return pe == pend && se == send;
    p = pe + 1;
    s = se + 1;
  }
}
