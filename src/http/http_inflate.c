/* Bounded inflate of gzip/deflate response bodies (see http_inflate.h). */
#include "http/http_inflate.h"

#include <limits.h>
#include <strings.h>
#include <zlib.h>

#include "core/alloc.h"
#include "sio/common.h"

sio__http_coding_t sio__http_content_encoding(const char *v, size_t len) {
  while (len && (*v == ' ' || *v == '\t')) v++, len--;
  while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
  if (len == 0 || (len == 8 && !strncasecmp(v, "identity", 8))) return SIO__HTTP_CE_NONE;
  if (len == 4 && !strncasecmp(v, "gzip", 4)) return SIO__HTTP_CE_GZIP;
  if (len == 6 && !strncasecmp(v, "x-gzip", 6)) return SIO__HTTP_CE_GZIP;
  if (len == 7 && !strncasecmp(v, "deflate", 7)) return SIO__HTTP_CE_DEFLATE;
  return SIO__HTTP_CE_UNKNOWN;
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return sio__calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  sio__free(p);
}

/* A zlib header (RFC 1950): method 8, window <= 32K, check bits. */
static int zlib_header(const uint8_t *in, size_t len) {
  return len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
         ((in[0] << 8) | in[1]) % 31 == 0;
}

int sio__http_inflate(sio__http_coding_t ce, const uint8_t *in, size_t len, size_t max,
                      sio__rbuf_t **out) {
  *out = NULL;
  if (ce != SIO__HTTP_CE_GZIP && ce != SIO__HTTP_CE_DEFLATE) return SIO_EPROTO;
  if (len > UINT_MAX) return SIO_ELIMIT;
  int wbits = ce == SIO__HTTP_CE_GZIP ? 15 + 16 : zlib_header(in, len) ? 15 : -15;
  z_stream z;
  memset(&z, 0, sizeof(z));
  z.zalloc = z_alloc;
  z.zfree = z_free;
  if (inflateInit2(&z, wbits) != Z_OK) return SIO_ENOMEM;
  size_t cap = len * 4 + 256;
  if (cap > max) cap = max;
  sio__rbuf_t *b = sio__rbuf_new(cap ? cap : 1);
  int rc = b ? 0 : SIO_ENOMEM;
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  while (!rc) {
    uint8_t spare; /* at the bound: is one more byte coming? */
    int at_bound = 0;
    if (b->len == b->cap || b->len >= max) { /* full: grow, or probe at the bound */
      if (b->len >= max) {
        at_bound = 1;
      } else {
        size_t ncap = b->cap > max / 2 ? max : b->cap * 2;
        sio__rbuf_t *nb = sio__rbuf_new(ncap);
        if (!nb) {
          rc = SIO_ENOMEM;
          break;
        }
        memcpy(nb->data, b->data, b->len);
        nb->len = b->len;
        sio__rbuf_unref(b);
        b = nb;
      }
    }
    size_t room = at_bound ? 1 : b->cap - b->len;
    z.next_out = at_bound ? &spare : b->data + b->len;
    z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    uInt before = z.avail_out;
    int zrc = inflate(&z, Z_NO_FLUSH);
    size_t produced = before - z.avail_out;
    if (at_bound && produced) {
      rc = SIO_ELIMIT;
      break;
    }
    if (!at_bound) b->len += produced;
    if (zrc == Z_STREAM_END) {
      if (z.avail_in != 0) rc = SIO_EPROTO; /* bytes after the stream */
      break;
    }
    if (zrc == Z_MEM_ERROR)
      rc = SIO_ENOMEM;
    else if (zrc != Z_OK && zrc != Z_BUF_ERROR)
      rc = SIO_EPROTO; /* corrupt */
    else if (z.avail_out != 0 && z.avail_in == 0)
      rc = SIO_EPROTO; /* room left, input gone, no end: truncated */
    else if (zrc == Z_BUF_ERROR && z.avail_out != 0)
      rc = SIO_EPROTO;
  }
  inflateEnd(&z);
  if (rc) {
    sio__rbuf_unref(b);
    return rc;
  }
  *out = b;
  return 0;
}
