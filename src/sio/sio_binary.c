/* Binary attachments: placeholders and packet reassembly (see sio_binary.h). */
#include "sio/sio_binary.h"

#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

int sio__sio_placeholder_check(const sio__json_val_t *v, uint32_t count, uint32_t *num) {
  sio__json_iter_t it;
  sio__json_val_t key, val, numv;
  int is_ph = 0, has_num = 0, rc;
  double d;

  if (v->type != SIO_JSON_OBJECT || sio__json_iter_init(&it, v)) return 0;
  /* Last duplicate wins, as JSON.parse would leave it. */
  while ((rc = sio__json_iter_next(&it, &key, &val)) == 1) {
    if (sio__json_string_eq(&key, "_placeholder", 12)) {
      is_ph = val.type == SIO_JSON_TRUE;
    } else if (sio__json_string_eq(&key, "num", 3)) {
      numv = val;
      has_num = 1;
    }
  }
  if (rc < 0) return rc;
  if (!is_ph) return 0;
  /* The reference accepts any number whose value indexes the buffer list. */
  if (!has_num || numv.type != SIO_JSON_NUMBER) return SIO_EPROTO;
  if ((rc = sio__json_get_double(&numv, &d))) return rc == SIO_ENOMEM ? rc : SIO_EPROTO;
  /* In range first, so the cast is defined; then integral (no libm). */
  if (!(d >= 0 && d < (double)count) || d != (double)(uint32_t)d) return SIO_EPROTO;
  *num = (uint32_t)d;
  return 1;
}

static int walk(const sio__json_val_t *v, uint32_t count, unsigned depth_left,
                sio__sio_placeholder_cb cb, void *arg) {
  sio__json_iter_t it;
  sio__json_val_t val;
  uint32_t num;
  int rc;

  if (v->type != SIO_JSON_OBJECT && v->type != SIO_JSON_ARRAY) return 0;
  if (depth_left == 0) return SIO_ELIMIT;
  if (v->type == SIO_JSON_OBJECT) {
    rc = sio__sio_placeholder_check(v, count, &num);
    if (rc < 0) return rc;
    if (rc == 1) return cb ? cb(arg, v, num) : 0;
  }
  if (sio__json_iter_init(&it, v)) return SIO_EPROTO;
  while ((rc = sio__json_iter_next(&it, NULL, &val)) == 1) {
    if (val.type != SIO_JSON_OBJECT && val.type != SIO_JSON_ARRAY) continue;
    if ((rc = walk(&val, count, depth_left - 1, cb, arg))) return rc;
  }
  return rc;
}

int sio__sio_placeholders_walk(const sio__json_val_t *v, uint32_t count,
                               unsigned max_depth, sio__sio_placeholder_cb cb,
                               void *arg) {
  if (max_depth == 0) max_depth = SIO_JSON_DEPTH_DEFAULT;
  if (max_depth > SIO_JSON_DEPTH_MAX) max_depth = SIO_JSON_DEPTH_MAX;
  return walk(v, count, max_depth, cb, arg);
}

void sio__sio_placeholder_write(sio__sb_t *sb, uint32_t num) {
  sio__sb_append(sb, "{\"_placeholder\":true,\"num\":", 27);
  sio__sb_put_u64(sb, num);
  sio__sb_putc(sb, '}');
}

/* ---- Reassembly ------------------------------------------------------- */

void sio__sio_decoder_init(sio__sio_decoder_t *d, const sio__sio_limits_t *lim) {
  memset(d, 0, sizeof(*d));
  if (lim)
    d->lim = *lim;
  else
    sio__sio_limits_init(&d->lim);
}

void sio__sio_decoder_reset(sio__sio_decoder_t *d) {
  if (d->pending) {
    if (d->waiting) sio__sio_packet_release(d->pending);
    sio__free(d->pending);
    d->pending = NULL;
  }
  d->waiting = 0;
  d->received = 0;
  d->bytes = 0;
}

int sio__sio_decoder_waiting(const sio__sio_decoder_t *d) {
  return d->waiting;
}

/* Addresses compared as integers: p may belong to an unrelated object. */
static int inside(const sio__rbuf_t *owner, const void *p, size_t n) {
  uintptr_t b = (uintptr_t)p, lo = (uintptr_t)owner->data, hi = lo + owner->len;
  return b >= lo && b <= hi && n <= hi - b;
}

/* Moves a span from the caller's text to the same offset in the kept copy. */
static const char *rebase(const char *ptr, const char *from, size_t n, const char *to) {
  uintptr_t a = (uintptr_t)ptr, lo = (uintptr_t)from;
  if (a >= lo && a - lo <= n) return to + (a - lo);
  return ptr; /* the static root namespace */
}

int sio__sio_decoder_feed_text(sio__sio_decoder_t *d, const char *p, size_t n,
                               sio__rbuf_t *owner, sio__sio_packet_t *out) {
  sio__sio_packet_t pkt;
  int rc;

  if (d->waiting) {
    sio__sio_decoder_reset(d);
    return SIO_EPROTO;
  }
  if (owner && !inside(owner, p, n)) return SIO_EINVAL;
  if ((rc = sio__sio_packet_decode(p, n, &d->lim, &pkt))) return rc;
  if (pkt.h.attachments == 0) {
    *out = pkt;
    return 1;
  }

  /* Keep the text: the attachments come in later messages. */
  if (owner) {
    pkt.text = sio__rbuf_ref(owner);
  } else {
    pkt.text = sio__rbuf_from(p, n);
    if (!pkt.text) return SIO_ENOMEM;
    const char *to = (const char *)pkt.text->data;
    pkt.h.nsp = rebase(pkt.h.nsp, p, n, to);
    if (pkt.payload.p) pkt.payload.p = rebase(pkt.payload.p, p, n, to);
    if (pkt.name.p) pkt.name.p = rebase(pkt.name.p, p, n, to);
    if (pkt.args) pkt.args = rebase(pkt.args, p, n, to);
    for (uint32_t i = 0; i < pkt.nargs && i < SIO__SIO_ARGS_INLINE; i++)
      pkt.argv[i].p = rebase(pkt.argv[i].p, p, n, to);
  }
  pkt.att = sio__calloc(pkt.h.attachments, sizeof(*pkt.att));
  d->pending = pkt.att ? sio__malloc(sizeof(*d->pending)) : NULL;
  if (!d->pending) {
    sio__free(pkt.att);
    sio__rbuf_unref(pkt.text);
    return SIO_ENOMEM;
  }
  *d->pending = pkt;
  d->waiting = 1;
  d->received = 0;
  d->bytes = 0;
  return 0;
}

int sio__sio_decoder_feed_binary(sio__sio_decoder_t *d, const uint8_t *p, size_t n,
                                 sio__rbuf_t *owner, sio__sio_packet_t *out) {
  sio__sio_attachment_t *a;

  if (!d->waiting) return SIO_EPROTO;
  if (owner && !inside(owner, p, n)) {
    sio__sio_decoder_reset(d);
    return SIO_EINVAL;
  }
  if (n > d->lim.max_binary_bytes - d->bytes) {
    sio__sio_decoder_reset(d);
    return SIO_ELIMIT;
  }
  a = &d->pending->att[d->received];
  if (owner) {
    a->owner = sio__rbuf_ref(owner);
    a->base = p;
  } else {
    a->owner = sio__rbuf_from(p, n);
    if (!a->owner) {
      sio__sio_decoder_reset(d);
      return SIO_ENOMEM;
    }
    a->base = a->owner->data;
  }
  a->len = n;
  d->bytes += n;
  if (++d->received < d->pending->h.attachments) return 0;

  /* Complete: ownership of text and attachments moves to the caller. */
  *out = *d->pending;
  sio__free(d->pending);
  d->pending = NULL;
  d->waiting = 0;
  d->received = 0;
  d->bytes = 0;
  return 1;
}

int sio__sio_decoder_feed(void *d, int binary, const uint8_t *p, size_t n,
                          sio__rbuf_t *owner, sio__sio_packet_t *out) {
  return binary ? sio__sio_decoder_feed_binary(d, p, n, owner, out)
                : sio__sio_decoder_feed_text(d, (const char *)p, n, owner, out);
}
