/* Compressed frames and the bounded inflater of permessage-deflate (see
 * ws_deflate.h). */
#include "ws/ws_deflate.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"

/* The empty stored block every compressed message ends with on the wire
 * before it is removed (RFC 7692 7.2.1), and put back before inflating. */
static const uint8_t k_tail[4] = {0x00, 0x00, 0xff, 0xff};

/* Reassembly output buffers up to this size are kept between messages. */
#define KEEP_OUT 16384

/* zlib allocations go through the sio hook, each with its size in front so
 * the inflater can tell what it holds. */
typedef struct {
  size_t held;
} zacct_t;

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  if (size && items > (SIZE_MAX - 16) / size) return NULL;
  size_t n = (size_t)items * size;
  uint8_t *p = sio__calloc(1, n + 16);
  if (!p) return NULL;
  memcpy(p, &n, sizeof(n));
  if (opaque) ((zacct_t *)opaque)->held += n;
  return p + 16;
}

static void z_free(voidpf opaque, voidpf q) {
  if (!q) return;
  uint8_t *p = (uint8_t *)q - 16;
  size_t n;
  memcpy(&n, p, sizeof(n));
  if (opaque) ((zacct_t *)opaque)->held -= n;
  sio__free(p);
}

/* ---- compressing ---- */

/* The smallest window (>= 9, <= bits) that covers len bytes: a short message
 * compresses the same with it, and zlib's state for it is much smaller. */
static int window_for(size_t len, int bits) {
  int w = 9;
  while (w < bits && ((size_t)1 << w) < len + 262) w++;
  return w;
}

sio__rbuf_t *sio__ws_frame_new_deflated(sio__ws_opcode_t op, const sio_buf_t *parts,
                                        size_t nparts, const uint8_t mask[4], int level,
                                        int mem_level, int bits, size_t *off,
                                        size_t *len) {
  size_t total = 0;
  for (size_t k = 0; k < nparts; k++) {
    if (parts[k].len > UINT_MAX - total) return NULL;
    total += parts[k].len;
  }
  z_stream z;
  memset(&z, 0, sizeof(z));
  z.zalloc = z_alloc;
  z.zfree = z_free;
  int w = window_for(total, bits);
  /* The hash table zlib clears at every start is sized by memLevel: a short
   * message needs no more buckets than its window has positions. */
  int mem = mem_level < w - 7 ? mem_level : w - 7;
  if (mem < 1) mem = 1;
  if (deflateInit2(&z, level, Z_DEFLATED, -w, mem, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  /* deflateBound plus a sync flush's empty block and its margin. */
  size_t bound = deflateBound(&z, (uLong)total) + 16;
  sio__rbuf_t *b = sio__rbuf_new(14 + bound);
  if (!b) {
    deflateEnd(&z);
    return NULL;
  }
  z.next_out = b->data + 14;
  z.avail_out = (uInt)bound;
  int ok = 1;
  for (size_t k = 0; k < nparts && ok; k++) {
    z.next_in = (Bytef *)(uintptr_t)parts[k].base;
    z.avail_in = (uInt)parts[k].len;
    int flush = k + 1 == nparts ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    ok = deflate(&z, flush) == Z_OK && z.avail_in == 0;
  }
  if (nparts == 0) ok = deflate(&z, Z_SYNC_FLUSH) == Z_OK;
  size_t clen = bound - z.avail_out;
  deflateEnd(&z);
  uint8_t *payload = b->data + 14;
  if (!ok || clen < 4 || memcmp(payload + clen - 4, k_tail, 4) != 0) {
    sio__rbuf_unref(b);
    return NULL;
  }
  clen -= 4;
  if (clen == 0) payload[clen++] = 0x00; /* an empty message: one empty block */
  uint8_t hdr[14];
  size_t hn = sio__ws_frame_header_ex(hdr, op, 1, 1, clen, mask);
  memcpy(payload - hn, hdr, hn);
  if (mask) sio__ws_mask(payload, clen, mask, 0);
  b->len = 14 + clen;
  *off = 14 - hn;
  *len = hn + clen;
  return b;
}

/* ---- inflating ---- */

typedef struct {
  z_stream z;
  zacct_t acct;
} zbox_t;

static void z_end(sio__ws_inflater_t *inf) {
  zbox_t *zb = inf->z;
  if (!zb) return;
  inflateEnd(&zb->z);
  sio__free(zb);
  inf->z = NULL;
}

static zbox_t *z_get(sio__ws_inflater_t *inf, int bits) {
  if (inf->z) return inf->z;
  zbox_t *zb = sio__calloc(1, sizeof(*zb));
  if (!zb) return NULL;
  zb->z.zalloc = z_alloc;
  zb->z.zfree = z_free;
  zb->z.opaque = &zb->acct;
  if (inflateInit2(&zb->z, -bits) != Z_OK) {
    sio__free(zb);
    return NULL;
  }
  inf->z = zb;
  return zb;
}

/* Makes room in inf->buf for more output: at least one byte, never past max.
 * 0, or SIO_EMSGSIZE when used == max already, SIO_ENOMEM. */
static int grow(sio__ws_inflater_t *inf, size_t used, size_t max) {
  if (used >= max) return SIO_EMSGSIZE;
  if (used < inf->cap) return 0;
  size_t ncap = inf->cap ? inf->cap * 2 : 4096;
  if (ncap < inf->cap || ncap > max) ncap = max;
  uint8_t *nb = sio__realloc(inf->buf, ncap);
  if (!nb) return SIO_ENOMEM;
  inf->buf = nb;
  inf->cap = ncap;
  return 0;
}

/* Runs the inflater over in[0..len) into inf->buf from *used. */
static int run(sio__ws_inflater_t *inf, z_stream *z, const uint8_t *in, size_t len,
               size_t *used, size_t max, int *ended) {
  z->next_in = (Bytef *)(uintptr_t)in;
  z->avail_in = (uInt)len;
  while (!*ended) {
    int rc = grow(inf, *used, max);
    if (rc == SIO_EMSGSIZE) {
      /* At the bound: one more byte of output means the message is too big. */
      uint8_t spare;
      z->next_out = &spare;
      z->avail_out = 1;
      int zrc = inflate(z, Z_SYNC_FLUSH);
      if (z->avail_out == 0) return SIO_EMSGSIZE;
      if (zrc == Z_STREAM_END) *ended = 1;
      if (zrc == Z_DATA_ERROR || zrc == Z_NEED_DICT) return SIO_EPROTO;
      if (zrc == Z_MEM_ERROR) return SIO_ENOMEM;
      if (z->avail_in == 0) return 0;
      continue;
    }
    if (rc) return rc;
    size_t room = (inf->cap < max ? inf->cap : max) - *used;
    z->next_out = inf->buf + *used;
    z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    uInt before = z->avail_out;
    int zrc = inflate(z, Z_SYNC_FLUSH);
    *used += before - z->avail_out;
    if (zrc == Z_STREAM_END)
      *ended = 1;
    else if (zrc == Z_DATA_ERROR || zrc == Z_NEED_DICT || zrc == Z_STREAM_ERROR)
      return SIO_EPROTO;
    else if (zrc == Z_MEM_ERROR)
      return SIO_ENOMEM;
    /* All input taken and room left: zlib has nothing more to give. */
    if (z->avail_in == 0 && z->avail_out != 0) return 0;
  }
  return 0;
}

int sio__ws_inflate(sio__ws_inflater_t *inf, const sio__ws_pmd_t *pmd, const uint8_t *in,
                    size_t len, size_t max, uint8_t **out, size_t *out_len,
                    uint16_t *close_code) {
  *out = NULL;
  *out_len = 0;
  if (max == 0) max = SIZE_MAX;
  if (inf->cap > KEEP_OUT) {
    sio__free(inf->buf);
    inf->buf = NULL;
    inf->cap = 0;
  }
  int rc = 0;
  if (len > UINT_MAX) rc = SIO_EMSGSIZE;
  zbox_t *zb = rc ? NULL : z_get(inf, pmd->in_bits ? pmd->in_bits : 15);
  if (!rc && !zb) rc = SIO_ENOMEM;
  size_t used = 0;
  int ended = 0;
  if (!rc) rc = run(inf, &zb->z, in, len, &used, max, &ended);
  if (!rc && !ended) rc = run(inf, &zb->z, k_tail, sizeof(k_tail), &used, max, &ended);
  /* A message ending its stream (BFINAL) starts the next one afresh. */
  if (!rc && ended) z_end(inf);
  if (rc || pmd->in_no_takeover) z_end(inf);
  if (rc) {
    *close_code = rc == SIO_EMSGSIZE ? SIO_WS_CLOSE_TOO_BIG
                  : rc == SIO_EPROTO ? SIO_WS_CLOSE_INVALID_DATA
                                     : SIO_WS_CLOSE_INTERNAL;
    return rc;
  }
  static uint8_t empty[1];
  *out = used ? inf->buf : empty;
  *out_len = used;
  return 0;
}

void sio__ws_inflater_release(sio__ws_inflater_t *inf) {
  if (inf->z) return; /* the peer keeps its context: so do we */
  sio__free(inf->buf);
  inf->buf = NULL;
  inf->cap = 0;
}

size_t sio__ws_inflater_held(const sio__ws_inflater_t *inf) {
  const zbox_t *zb = inf->z;
  return inf->cap + (zb ? sizeof(*zb) + zb->acct.held : 0);
}

void sio__ws_inflater_free(sio__ws_inflater_t *inf) {
  z_end(inf);
  sio__free(inf->buf);
  inf->buf = NULL;
  inf->cap = 0;
}
