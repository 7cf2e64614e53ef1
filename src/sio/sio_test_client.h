/* The test client's shared state (include/sio/test_client.h): its options,
 * and the handshake it stands for (sio_test_handshake.c), read by the
 * server through the session's link (sio_test_client.c). */
#ifndef SIO_SIO_TEST_CLIENT_H
#define SIO_SIO_TEST_CLIENT_H

#include "sio/sio_internal.h"
#include "sio/test_client.h"

struct sio_test_client_opts {
  char **hdr; /* name, value, name, value... */
  size_t nhdr, hcap;
  char *query;
  char *address;
  size_t max_received;
};

typedef struct {
  char **hdr; /* as in the options, copied */
  size_t nhdr;
  char *url; /* path?EIO=4&transport=test[&query] */
  size_t url_len, query_off;
  char *address;
  uint64_t issued; /* ms since the Unix epoch */
} sio__test_hs_t;

/* Builds the handshake of a client of s from o (may be NULL). 0 or
 * SIO_ENOMEM (nothing to clear then). */
int sio__test_hs_init(sio__test_hs_t *hs, sio_server_t *s,
                      const sio_test_client_opts_t *o);
void sio__test_hs_clear(sio__test_hs_t *hs);
/* The accessors, as eio/eio_handshake.h's. */
const char *sio__test_hs_header(const sio__test_hs_t *hs, const char *name, size_t *len);
int sio__test_hs_header_at(const sio__test_hs_t *hs, size_t i, sio_buf_t *name,
                           sio_buf_t *value);
const char *sio__test_hs_query(const sio__test_hs_t *hs, size_t *len);
int sio__test_hs_query_get(const sio__test_hs_t *hs, const char *key, char *out,
                           size_t outlen);

#endif
