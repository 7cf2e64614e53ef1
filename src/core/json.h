/* Strict JSON (RFC 8259) without a DOM: validate a text once, then work on
 * spans of it. The Socket.IO hot path needs to find an event name, the span of
 * its arguments and binary placeholders, and to relay values byte for byte
 * (key order and number spelling preserved), so nothing is ever built.
 *
 * Strictness: the grammar of RFC 8259 exactly; strings must be valid UTF-8
 * (no overlongs, no encoded surrogates, nothing above U+10FFFF); \u escapes
 * of lone surrogates are accepted, as JavaScript's JSON.parse does (a JS
 * string cut inside a surrogate pair is sent that way; jansson rejects them),
 * and read as U+FFFD;
 * \u0000 is accepted. Numbers are checked against the grammar only, so 1e400
 * and 100000000000000000000 are valid (jansson refuses both: it cannot store
 * them). Whitespace (space, tab, LF, CR) is accepted around and between
 * tokens; what we write is always compact.
 *
 * All pointers into a text are borrowed: they are valid as long as the text.
 * Nothing here allocates except sio__json_get_double on very long numbers and
 * the sio__sb_t writers. No global state: functions are reentrant, and
 * nothing depends on the C locale (LC_NUMERIC). */
#ifndef SIO_CORE_JSON_H
#define SIO_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

/* The nesting depth callers use unless configured otherwise. */
#define SIO_JSON_DEPTH_DEFAULT 32
/* max_depth arguments above this are clamped to it. */
#define SIO_JSON_DEPTH_MAX 4096

typedef enum {
  SIO_JSON_NONE = 0, /* no value (absent payload, failed parse) */
  SIO_JSON_STRING,
  SIO_JSON_NUMBER,
  SIO_JSON_OBJECT,
  SIO_JSON_ARRAY,
  SIO_JSON_TRUE,
  SIO_JSON_FALSE,
  SIO_JSON_NULL
} sio__json_type_t;

/* Flags of a value (sio__json_val_t.flags). */
#define SIO_JSON_F_ESCAPED 0x1u /* string: contains at least one backslash escape */
#define SIO_JSON_F_SPACE 0x2u   /* array/object: whitespace between its tokens */
#define SIO_JSON_F_FRAC 0x4u    /* number: has a fraction or an exponent */

/* One JSON value inside a text: p[0..len) is its exact spelling, without
 * surrounding whitespace (strings include their quotes). Borrowed. */
typedef struct {
  const char *p;
  size_t len;
  uint8_t type;  /* sio__json_type_t */
  uint8_t flags; /* SIO_JSON_F_* */
} sio__json_val_t;

/* ---- Validation ------------------------------------------------------- */

/* Validates p[0..n) as exactly one JSON text (whitespace allowed around it)
 * with arrays/objects nested at most max_depth deep (a scalar has depth 0,
 * `[]` depth 1; 0 means SIO_JSON_DEPTH_DEFAULT). On success fills *out (may be
 * NULL) with the value span and returns 0. Errors: SIO_EPROTO (not JSON,
 * including truncated input and trailing bytes), SIO_ELIMIT (too deep). */
int sio__json_parse(const char *p, size_t n, unsigned max_depth, sio__json_val_t *out);

/* "Value then rest": skips leading whitespace, validates one value and stops
 * right after it; *used (may be NULL) = offset of the first byte after the
 * value (trailing whitespace is not consumed). A number or literal ends at
 * the first byte that cannot continue it, so "12ab" gives 12 and used 2.
 * Same errors as sio__json_parse. */
int sio__json_parse_prefix(const char *p, size_t n, unsigned max_depth,
                           sio__json_val_t *out, size_t *used);

/* ---- Walking a validated container ------------------------------------ */

/* Iterates the members of an array or object value obtained from
 * sio__json_parse (or from an iterator over one). The walk trusts that
 * validation: on other input it never reads outside the span but may return
 * nonsense or SIO_EPROTO. Children found by iteration carry type and flags
 * like parsed values. */
typedef struct {
  const char *p;   /* next byte to look at */
  const char *end; /* the closing bracket */
  uint8_t is_object;
  uint8_t started;
} sio__json_iter_t;

/* Returns 0, or SIO_EINVAL if v is not an array or object. */
int sio__json_iter_init(sio__json_iter_t *it, const sio__json_val_t *v);
/* Next member: returns 1 and fills *val (and *key for objects; key may be
 * NULL), 0 at the end, SIO_EPROTO on malformed input. */
int sio__json_iter_next(sio__json_iter_t *it, sio__json_val_t *key, sio__json_val_t *val);

/* Looks a key up in a validated object (keys compared after unescaping). When
 * a key repeats, the last one wins, like JSON.parse. Returns 1 and fills
 * *val, 0 if absent, SIO_EINVAL if obj is not an object. */
int sio__json_object_get(const sio__json_val_t *obj, const char *key, size_t key_len,
                         sio__json_val_t *val);

/* ---- Typed reads ------------------------------------------------------ */

/* Unescapes a string value into buf[0..cap) and adds a NUL; *len (may be
 * NULL) gets the length without the NUL (the string may itself contain NUL
 * bytes from \u0000). cap >= v->len always suffices. Errors: SIO_EINVAL (not
 * a string), SIO_EMSGSIZE (cap too small; buf content unspecified). */
int sio__json_string_copy(const sio__json_val_t *v, char *buf, size_t cap, size_t *len);
/* Appends the unescaped string to sb (no NUL). Returns 0, SIO_EINVAL, or the
 * builder's sticky error. */
int sio__json_string_append(const sio__json_val_t *v, sio__sb_t *sb);
/* 1 if v is a string whose unescaped bytes equal s[0..n), else 0. */
int sio__json_string_eq(const sio__json_val_t *v, const char *s, size_t n);

/* Integers: only numbers spelled without fraction or exponent ("1.0" and
 * "1e2" are not integers; "-0" is 0). Errors: SIO_EINVAL (not a number or not
 * an integer spelling; negative for the uint64 variant), SIO_ELIMIT (out of
 * range). */
int sio__json_get_int64(const sio__json_val_t *v, int64_t *out);
int sio__json_get_uint64(const sio__json_val_t *v, uint64_t *out);
/* Any number, converted like JavaScript (correctly rounded; 1e400 gives
 * +inf, 1e-400 gives 0). Locale-independent. Errors: SIO_EINVAL (not a
 * number), SIO_ENOMEM (a very long number and no memory for its copy). */
int sio__json_get_double(const sio__json_val_t *v, double *out);
/* true/false. Errors: SIO_EINVAL (not a boolean). */
int sio__json_get_bool(const sio__json_val_t *v, int *out);

/* ---- Writing (into a byte builder; compact, like JSON.stringify) ------ */

/* Writes s[0..n) as a JSON string: `"` and `\` escaped, \b \f \n \r \t as
 * short escapes, other bytes below 0x20 as \u00xx, everything else (UTF-8,
 * DEL, U+2028/U+2029) as is, as JSON.stringify does. Returns 0, SIO_EILSEQ
 * (s is not valid UTF-8; nothing is appended) or the builder's error. */
int sio__json_write_string(sio__sb_t *sb, const char *s, size_t n);
/* The same, but each maximal invalid UTF-8 subpart is written as one U+FFFD
 * (as a WHATWG decoder, so Node's Buffer#toString, reads it) instead of
 * failing. s may be NULL when n is 0. Returns 0 or the builder's error. */
int sio__json_write_string_lossy(sio__sb_t *sb, const char *s, size_t n);
void sio__json_write_int64(sio__sb_t *sb, int64_t v);
void sio__json_write_uint64(sio__sb_t *sb, uint64_t v);
/* Writes the shortest text that reads back as d, spelled as JavaScript's
 * Number#toString does (1, 0.1, 1e+21, 1.5e-7, 100000000000000000000); -0 is
 * written 0 and NaN/Infinity are written null, as JSON.stringify does. */
void sio__json_write_double(sio__sb_t *sb, double d);
/* Appends p[0..n) as is; the caller vouches that it is compact JSON. */
void sio__json_write_raw(sio__sb_t *sb, const char *p, size_t n);
/* Appends a validated value without its insignificant whitespace (a plain
 * copy when v has no SIO_JSON_F_SPACE flag). */
void sio__json_write_compact(sio__sb_t *sb, const sio__json_val_t *v);

#endif
