/* A bridge to jansson for users who want a DOM: span -> json_t on demand, and
 * json_t -> compact JSON written the way JavaScript writes it (insertion key
 * order, shortest numbers), so values a user builds with jansson look on the
 * wire exactly like the reference's. */
#ifndef SIO_CORE_JSON_JANSSON_H
#define SIO_CORE_JSON_JANSSON_H

#include <stddef.h>

#include <jansson.h>

#include "core/rbuf.h"

/* Parses p[0..n) (any JSON value, \u0000 allowed) into a new jansson value
 * the caller owns (json_decref). NULL if jansson refuses it: invalid JSON, or
 * valid JSON it cannot store (integers beyond int64, reals that overflow such
 * as 1e400), or nesting deeper than JSON_PARSER_MAX_DEPTH (2048). The input
 * is borrowed for the call only. */
json_t *sio__json_to_jansson(const char *p, size_t n);

/* Appends v as compact JSON: keys in insertion order, integers as is, reals
 * through sio__json_write_double (1.0 is written 1, like JavaScript), strings
 * escaped by sio__json_write_string. v is borrowed. Returns 0, SIO_EINVAL
 * (NULL value or nesting deeper than max_depth; 0 means the default), SIO_EILSEQ
 * (a string that is not UTF-8), or the builder's error. On error the builder
 * may hold a partial value: the caller discards it. */
int sio__json_write_jansson(sio__sb_t *sb, const json_t *v, unsigned max_depth);

#endif
