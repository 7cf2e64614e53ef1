/* Reading the protocol test vectors of tests/vectors/ (format in
 * tests/vectors/README.md). The folder comes from the compile definition
 * SIO_VECTORS_DIR, set by tests/CMakeLists.txt. */
#ifndef SIO_TEST_VECTORS_H
#define SIO_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *data; /* the decoded bytes, NUL-terminated (data[len] == 0) */
  size_t len;
} vec_field_t;

typedef struct {
  vec_field_t *fields;
  size_t n;
  int lineno; /* in the file, for messages */
} vec_line_t;

typedef struct {
  vec_line_t *lines;
  size_t n;
} vec_file_t;

/* Loads tests/vectors/<name> into *out (free it with vec_free). 0, or -1
 * after a message on stderr (file missing, bad escape). */
int vec_load(const char *name, vec_file_t *out);
void vec_free(vec_file_t *f);

/* Field i of l (borrowed from the file); an empty field when l has fewer. */
const vec_field_t *vec_field(const vec_line_t *l, size_t i);
/* Field i as a string ("" when missing; may hold NULs: use vec_field). */
const char *vec_str(const vec_line_t *l, size_t i);
/* Field i as an unsigned decimal number (0 when missing). */
uint64_t vec_u64(const vec_line_t *l, size_t i);
/* Whether field i is exactly s. */
int vec_is(const vec_line_t *l, size_t i, const char *s);

#endif
