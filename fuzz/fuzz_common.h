/* Shared by the fuzz targets (fuzz/fuzz_<name>.c) and by the regression test
 * (tests/unit/test_fuzz_regressions.c), which includes the targets so that
 * the same checks run under the normal gcc build.
 *
 * A target defines `static int fuzz_<name>(const uint8_t *data, size_t size)`
 * and, unless SIO_FUZZ_NO_ENTRY is defined, the libFuzzer entry point.
 * A failed check calls SIO_FUZZ_FAIL (default: print and abort, which
 * libFuzzer reports as a crash; the regression test makes it a cmocka
 * failure). Static helpers carry a per-target prefix so that several targets
 * can be included into one translation unit. */
#ifndef SIO_FUZZ_COMMON_H
#define SIO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIO_FUZZ_FAIL
#define SIO_FUZZ_FAIL(file, line, what)                                                  \
  do {                                                                                   \
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);                 \
    abort();                                                                             \
  } while (0)
#endif

#define FZ_CHECK(cond)                                                                   \
  do {                                                                                   \
    if (!(cond)) SIO_FUZZ_FAIL(__FILE__, __LINE__, #cond);                               \
  } while (0)

/* An exact-size heap copy (at least one byte allocated, so the pointer is
 * never NULL), so ASan catches any read past the end. Aborts on OOM: the
 * harness itself is not under test. */
static inline uint8_t *fz_dup(const void *p, size_t n) {
  uint8_t *c = malloc(n ? n : 1);
  if (!c) abort();
  if (n)
    memcpy(c, p, n);
  else
    c[0] = 0; /* never read by a correct callee; keeps gcc's analysis quiet */
  return c;
}

/* A growable byte log: targets record what a decoder delivered and compare
 * the logs of two runs. */
typedef struct {
  uint8_t *p;
  size_t len, cap;
} fz_log_t;

static inline void fz_log_put(fz_log_t *l, const void *p, size_t n) {
  if (l->len + n > l->cap) {
    size_t cap = l->cap ? l->cap : 256;
    while (cap < l->len + n) cap *= 2;
    l->p = realloc(l->p, cap);
    if (!l->p) abort();
    l->cap = cap;
  }
  if (n) memcpy(l->p + l->len, p, n);
  l->len += n;
}

/* Appends a tagged record: tag, length, bytes. */
static inline void fz_log_rec(fz_log_t *l, uint32_t tag, const void *p, size_t n) {
  uint64_t len = n;
  fz_log_put(l, &tag, sizeof(tag));
  fz_log_put(l, &len, sizeof(len));
  fz_log_put(l, p, n);
}

/* Reads the record at *off of a log written by fz_log_rec and moves *off
 * past it: 1 with its tag, bytes (NULL when empty, else borrowed from l)
 * and length, or 0 at the end of the log. */
static inline int fz_log_next(const fz_log_t *l, size_t *off, uint32_t *tag,
                              const uint8_t **d, size_t *n) {
  if (*off >= l->len) return 0;
  uint64_t len;
  memcpy(tag, l->p + *off, sizeof(*tag));
  memcpy(&len, l->p + *off + 4, sizeof(len));
  *d = len ? l->p + *off + 12 : NULL;
  *n = (size_t)len;
  *off += 12 + (size_t)len;
  return 1;
}

static inline int fz_log_eq(const fz_log_t *a, const fz_log_t *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static inline void fz_log_free(fz_log_t *l) {
  free(l->p);
  l->p = NULL;
  l->len = l->cap = 0;
}

#endif
