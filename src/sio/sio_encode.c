/* Building outgoing packets once for the server: the parser writes the
 * packet's message into one rbuf behind the WebSocket frame headroom, that
 * rbuf becomes one Engine.IO message, and each attachment one more message
 * sharing the caller's buffer. Every recipient then only queues
 * references. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_message.h"

static int out_alloc(sio__packet_out_t *out, size_t n) {
  memset(out, 0, sizeof(*out));
  out->msgs = n <= 2 ? out->inl : sio__calloc(n, sizeof(*out->msgs));
  return out->msgs ? 0 : SIO_ENOMEM;
}

void sio__packet_out_free(sio__packet_out_t *out) {
  for (size_t i = 0; i < out->n; i++) sio__eio_msg_unref(out->msgs[i]);
  if (out->msgs && out->msgs != out->inl) sio__free(out->msgs);
  memset(out, 0, sizeof(*out));
}

void sio__packet_out_no_compress(sio__packet_out_t *out) {
  for (size_t i = 0; i < out->n; i++) out->msgs[i]->nocompress = 1;
}

static int finish(sio__packet_out_t *out, sio__packet_buf_t *b, const sio_args_t *args) {
  int rc = out_alloc(out, 1 + b->natt);
  if (rc) {
    sio__sb_reset(&b->sb);
    return rc;
  }
  sio__rbuf_t *text = sio__sb_finish(&b->sb);
  if (!text) return SIO_ENOMEM;
  out->msgs[0] = sio__eio_msg_new_framable(SIO__EIO_MESSAGE, b->binary, text, b->headroom,
                                           text->len - b->headroom);
  sio__rbuf_unref(text); /* the message holds it */
  if (!out->msgs[0]) goto oom;
  out->n = 1;
  out->bytes = out->msgs[0]->len;
  for (size_t i = 0; i < b->natt; i++) {
    const sio__sio_attachment_t *a = &args->att[i];
    sio__eio_msg_t *m = sio__eio_msg_new(SIO__EIO_MESSAGE, 1, a->owner,
                                         (size_t)(a->base - a->owner->data), a->len);
    if (!m) goto oom;
    out->msgs[out->n++] = m;
    out->bytes += a->len;
  }
  return 0;
oom:
  sio__packet_out_free(out);
  return SIO_ENOMEM;
}

/* The wire type the metrics count: an event or ack with attachments goes as
 * BINARY_EVENT or BINARY_ACK. */
static uint8_t wire_type(const sio__packet_out_t *out, uint8_t type) {
  int bin = out->n > 1 && (type == SIO_SIO_EVENT || type == SIO_SIO_ACK);
  return (uint8_t)(bin ? type + 3 : type);
}

int sio__packet_encode_desc(const sio_parser_t *p, sio__packet_out_t *out,
                            const sio__packet_desc_t *d) {
  sio__packet_buf_t b;
  int rc = p->encode(d, SIO__EIO_WS_HEADROOM, &b);
  if (rc) return rc;
  if ((rc = finish(out, &b, d->args)) == 0) out->parser = p;
  if (rc == 0) out->type = wire_type(out, d->type);
  return rc;
}

void sio__out_argv(const sio__packet_out_t *out,
                   void (*fn)(const sio_argv_t *av, void *arg), void *arg) {
  const sio_parser_t *p = out->parser;
  /* A decoder of our own, with no bounds: we made the packet. */
  max_align_t inl[8], *dec = inl;
  if (p->decoder_size > sizeof(inl) && !(dec = sio__malloc(p->decoder_size))) return;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_attachments = UINT32_MAX;
  lim.max_depth = SIO_JSON_DEPTH_MAX;
  lim.max_binary_bytes = SIZE_MAX;
  p->decoder_init(dec, &lim);
  sio__sio_packet_t pkt;
  int rc = 0;
  for (size_t i = 0; i < out->n && rc == 0; i++) {
    sio__eio_msg_t *m = out->msgs[i];
    rc = p->decoder_feed(dec, m->binary, sio__eio_msg_bytes(m), m->len, m->data, &pkt);
  }
  if (rc == 1) {
    sio_argv_t av;
    if (sio__argv_init(&av, &pkt) == 0) {
      fn(&av, arg);
      sio__argv_clear(&av);
    }
    sio__sio_packet_release(&pkt);
  }
  p->decoder_reset(dec);
  if (dec != inl) sio__free(dec);
}
