/* Decoding a compressed HTTP response body (Content-Encoding gzip or
 * deflate) for the polling client, bounded: a body that inflates past the
 * bound fails instead of growing (zip bombs). */
#ifndef SIO_HTTP_INFLATE_H
#define SIO_HTTP_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

typedef enum {
  SIO__HTTP_CE_NONE = 0, /* no Content-Encoding, or "identity" */
  SIO__HTTP_CE_GZIP,
  SIO__HTTP_CE_DEFLATE,
  SIO__HTTP_CE_UNKNOWN /* anything else: the body cannot be read */
} sio__http_coding_t;

/* The coding named by a Content-Encoding value v[0..len) (case-insensitive,
 * spaces around it ignored; a list of several codings is unknown). */
sio__http_coding_t sio__http_content_encoding(const char *v, size_t len);

/* Inflates in[0..len) coded as ce (gzip; deflate: the zlib format, or raw
 * deflate when the zlib header is missing) into a new rbuf *out. Returns 0,
 * SIO_ELIMIT (more than max bytes would come out), SIO_EPROTO (corrupt,
 * truncated, trailing bytes, or an unknown coding) or SIO_ENOMEM. The zlib
 * state allocates through the allocator hook and is freed before returning. */
int sio__http_inflate(sio__http_coding_t ce, const uint8_t *in, size_t len, size_t max,
                      sio__rbuf_t **out);

#endif
