/* HTTP response compression (gzip and deflate through zlib): choosing the
 * encoding from a request's Accept-Encoding, and compressing a body in one
 * step. Used for Engine.IO polling responses and static files. Unit-tested in
 * tests/unit/test_http_compress.c. */
#ifndef SIO_HTTP_COMPRESS_H
#define SIO_HTTP_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

typedef enum {
  SIO__HTTP_ENC_IDENTITY = 0,
  SIO__HTTP_ENC_GZIP,
  SIO__HTTP_ENC_DEFLATE
} sio__http_enc_t;

/* The content-coding a response should use for the Accept-Encoding value
 * v[0..len) (v NULL: no header): gzip or deflate if the client accepts one
 * (q > 0, by name or through "*"), the higher q winning; on equal q a name
 * beats "*", then the one the client listed first, then gzip. Identity when
 * neither is acceptable (also for q=0 refusals of both). */
sio__http_enc_t sio__http_accept_encoding(const char *v, size_t len);
/* 1 if the Accept-Encoding value accepts enc with q > 0 (identity: always). */
int sio__http_accepts(const char *v, size_t len, sio__http_enc_t enc);

/* The token of enc as Content-Encoding ("gzip", "deflate"; "identity"). */
const char *sio__http_enc_name(sio__http_enc_t enc);

/* Compresses in[0..len) as enc (gzip: RFC 1952; deflate: the zlib format of
 * RFC 1950, which is what HTTP's "deflate" means) at level (0-9, -1 zlib's
 * default). The zlib state lives only for this call and allocates through the
 * sio allocator hook. Returns 0 and *out (a new rbuf, its len the compressed
 * size), SIO_ENOMEM, or SIO_EINVAL (identity or a bad level). */
int sio__http_compress(sio__http_enc_t enc, int level, const uint8_t *in, size_t len,
                       sio__rbuf_t **out);

#endif
