/* gzip/deflate for HTTP responses (see http_compress.h). */
#include "http/http_compress.h"

#include <limits.h>
#include <zlib.h>

#include "core/alloc.h"
#include "http/http_util.h"
#include "sio/common.h"

/* ---- Accept-Encoding ---- */

typedef struct {
  int q;   /* thousandths; -1: not listed */
  int pos; /* index of the element in the header */
} listed_t;

/* A qvalue (RFC 9110 12.4.2): "0", "0.5", "1.000"; thousandths or -1. */
static int parse_q(const char *s, size_t n) {
  if (n == 0 || (s[0] != '0' && s[0] != '1')) return -1;
  int q = (s[0] - '0') * 1000;
  if (n == 1) return q;
  if (s[1] != '.' || n > 5) return -1;
  int scale = 100;
  for (size_t i = 2; i < n; i++, scale /= 10) {
    if (s[i] < '0' || s[i] > '9') return -1;
    q += (s[i] - '0') * scale;
  }
  return q > 1000 ? -1 : q;
}

static int is_ows(char c) {
  return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around s[*st..*end). */
static void trim(const char *s, size_t *st, size_t *end) {
  while (*st < *end && is_ows(s[*st])) (*st)++;
  while (*end > *st && is_ows(s[*end - 1])) (*end)--;
}

/* The q of one list element's parameters p[0..n) (";q=0.5;x=y"): 1000 without
 * a q, -1 when the q is malformed (the element is then ignored). */
static int element_q(const char *p, size_t n) {
  int q = 1000;
  size_t i = 0;
  while (i < n) {
    i++; /* the ';' */
    size_t st = i;
    while (i < n && p[i] != ';') i++;
    size_t end = i;
    trim(p, &st, &end);
    if (end - st >= 2 && (p[st] == 'q' || p[st] == 'Q') && p[st + 1] == '=')
      q = parse_q(p + st + 2, end - st - 2);
    if (q < 0) return -1;
  }
  return q;
}

static void scan(const char *v, size_t len, listed_t *gzip, listed_t *deflate,
                 listed_t *star) {
  gzip->q = deflate->q = star->q = -1;
  size_t i = 0;
  int pos = 0;
  while (v && i < len) {
    size_t st = i;
    while (i < len && v[i] != ',') i++;
    size_t end = i++;
    size_t name_end = st;
    while (name_end < end && v[name_end] != ';') name_end++;
    size_t ns = st, ne = name_end;
    trim(v, &ns, &ne);
    if (ns == ne) continue; /* empty element: "a,,b" */
    int q = element_q(v + name_end, end - name_end);
    listed_t *slot = NULL;
    if (sio__http_ieq(v + ns, ne - ns, "gzip"))
      slot = gzip;
    else if (sio__http_ieq(v + ns, ne - ns, "deflate"))
      slot = deflate;
    else if (ne - ns == 1 && v[ns] == '*')
      slot = star;
    if (slot && slot->q < 0 && q >= 0) {
      slot->q = q;
      slot->pos = pos;
    }
    pos++;
  }
}

/* What the header grants one coding: its own element, else "*". */
static listed_t effective(const listed_t *own, const listed_t *star, int *exact) {
  *exact = own->q >= 0;
  return *exact ? *own : *star;
}

sio__http_enc_t sio__http_accept_encoding(const char *v, size_t len) {
  listed_t g, d, s;
  scan(v, len, &g, &d, &s);
  int gx, dx;
  listed_t ge = effective(&g, &s, &gx), de = effective(&d, &s, &dx);
  int gok = ge.q > 0, dok = de.q > 0;
  if (!gok && !dok) return SIO__HTTP_ENC_IDENTITY;
  if (!dok) return SIO__HTTP_ENC_GZIP;
  if (!gok) return SIO__HTTP_ENC_DEFLATE;
  if (ge.q != de.q) return ge.q > de.q ? SIO__HTTP_ENC_GZIP : SIO__HTTP_ENC_DEFLATE;
  if (gx != dx) return gx ? SIO__HTTP_ENC_GZIP : SIO__HTTP_ENC_DEFLATE;
  return de.pos < ge.pos ? SIO__HTTP_ENC_DEFLATE : SIO__HTTP_ENC_GZIP;
}

int sio__http_accepts(const char *v, size_t len, sio__http_enc_t enc) {
  if (enc == SIO__HTTP_ENC_IDENTITY) return 1;
  listed_t g, d, s;
  scan(v, len, &g, &d, &s);
  int exact;
  listed_t e = effective(enc == SIO__HTTP_ENC_GZIP ? &g : &d, &s, &exact);
  return e.q > 0;
}

const char *sio__http_enc_name(sio__http_enc_t enc) {
  switch (enc) {
    case SIO__HTTP_ENC_GZIP:
      return "gzip";
    case SIO__HTTP_ENC_DEFLATE:
      return "deflate";
    default:
      return "identity";
  }
}

/* ---- compression ---- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return sio__calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  sio__free(p);
}

int sio__http_compress(sio__http_enc_t enc, int level, const uint8_t *in, size_t len,
                       sio__rbuf_t **out) {
  *out = NULL;
  if (enc == SIO__HTTP_ENC_IDENTITY || level < -1 || level > 9) return SIO_EINVAL;
  if (len > UINT_MAX) return SIO_EINVAL; /* one deflate() call; bodies are far smaller */
  z_stream z;
  memset(&z, 0, sizeof(z));
  z.zalloc = z_alloc;
  z.zfree = z_free;
  /* windowBits 15, +16 for the gzip wrapper; memLevel 8 (zlib's default). */
  int wbits = enc == SIO__HTTP_ENC_GZIP ? 15 + 16 : 15;
  int zrc = deflateInit2(&z, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
  if (zrc != Z_OK) return zrc == Z_MEM_ERROR ? SIO_ENOMEM : SIO_EINVAL;
  uLong bound = deflateBound(&z, (uLong)len);
  sio__rbuf_t *b = bound <= UINT_MAX ? sio__rbuf_new((size_t)bound) : NULL;
  if (!b) {
    deflateEnd(&z);
    return SIO_ENOMEM;
  }
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  z.next_out = b->data;
  z.avail_out = (uInt)bound;
  zrc = deflate(&z, Z_FINISH); /* deflateBound guarantees it fits at once */
  size_t produced = (size_t)z.total_out;
  deflateEnd(&z);
  if (zrc != Z_STREAM_END) {
    sio__rbuf_unref(b);
    return zrc == Z_MEM_ERROR ? SIO_ENOMEM : SIO_EINVAL;
  }
  b->len = produced;
  *out = b;
  return 0;
}
