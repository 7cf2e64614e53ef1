/* Helpers shared by the test servers (header-only: every .c file in
 * tests/servers is its own program). */
#ifndef SIO_TEST_ARGS_H
#define SIO_TEST_ARGS_H

#include <jansson.h>

#include "sio/server.h"

/* A new args (owned by the caller) holding av's arguments from index `from`
 * on: all of them relayed byte for byte, or each one re-added (top-level
 * binaries stay binary, attachments re-numbered). NULL if out of memory. */
static inline sio_args_t *args_from(const sio_argv_t *av, size_t from) {
  sio_args_t *a = sio_args_new();
  if (!a) return NULL;
  if (from == 0) {
    sio_args_add_argv(a, av);
    return a;
  }
  for (size_t i = from; i < sio_argv_count(av); i++) {
    sio_buf_t b;
    if (sio_argv_type(av, i) == SIO_ARG_BINARY && sio_argv_binary(av, i, &b) == 0) {
      sio_args_add_binary(a, b.base, b.len);
    } else {
      json_t *v = sio_argv_json(av, i);
      sio_args_add_json(a, v);
      json_decref(v);
    }
  }
  return a;
}

#endif
