/* The JSON parser (socket.io-parser's form, docs/PROTOCOL.md §2.2, §2.6):
 * a packet is one text message <type>[<count>-][<nsp>,][<ack id>][<JSON>],
 * binary values are placeholders whose bytes follow as binary messages.
 * Encoding writes the whole text into one builder sized up front; decoding
 * is the reassembling decoder of sio_binary.h. */
#include <string.h>

#include "sio/sio_binary.h"
#include "sio/sio_message.h"
#include "sio/sio_parser.h"

static const char *nsp_or_null(const char *nsp) {
  return nsp && strcmp(nsp, "/") != 0 ? nsp : NULL;
}

/* Starts sb with room for hint bytes (more than headroom), the headroom
 * taken: the builder then holds it at once, or has its error set. */
static void start(sio__sb_t *sb, size_t hint, size_t headroom) {
  sio__sb_init(sb, hint);
  if (sb->buf) sb->buf->len = headroom;
}

/* EVENT or ACK: the arguments' text goes in as it is, no list is built. */
static int encode_message(const sio__packet_desc_t *d, sio__sio_header_t *h,
                          size_t headroom, sio__sb_t *sb) {
  const sio_args_t *args = d->args;
  h->has_ack = d->ack_id >= 0;
  h->ack_id = d->ack_id >= 0 ? (uint64_t)d->ack_id : 0;
  h->attachments = args ? (uint32_t)args->natt : 0;
  const sio__rbuf_t *ab = args ? args->sb.buf : NULL;
  const char *text = ab ? (const char *)ab->data : "";
  size_t tlen = ab ? ab->len : 0;
  size_t elen = d->event ? strlen(d->event) : 0;
  /* Room for the whole packet at once (header at most SIO__SIO_HEADER_ROOM,
   * '[', quoted name, ',', args, ']'), so the builder never grows unless the
   * name needs escapes. */
  start(sb, headroom + SIO__SIO_HEADER_ROOM + h->nsp_len + elen + tlen + 5, headroom);
  if (d->type == SIO_SIO_EVENT)
    return sio__sio_encode_event(sb, h, d->event, elen, text, tlen);
  return sio__sio_encode_ack(sb, h, text, tlen);
}

static int json_encode(const sio__packet_desc_t *d, size_t headroom,
                       sio__packet_buf_t *out) {
  int msg = d->type == SIO_SIO_EVENT || d->type == SIO_SIO_ACK;
  if (msg && d->args && d->args->err) return d->args->err;
  sio__sio_header_t h;
  memset(&h, 0, sizeof(h));
  h.type = d->type;
  h.nsp = nsp_or_null(d->nsp);
  h.nsp_len = h.nsp ? strlen(h.nsp) : 0;
  int rc;
  if (msg) {
    rc = encode_message(d, &h, headroom, &out->sb);
  } else {
    size_t len = d->payload ? d->payload_len : 0;
    start(&out->sb, headroom + SIO__SIO_HEADER_ROOM + h.nsp_len + len, headroom);
    rc = sio__sio_encode(&out->sb, &h, d->payload, len);
  }
  if (rc == 0 && out->sb.err) rc = out->sb.err;
  if (rc) {
    sio__sb_reset(&out->sb);
    return rc;
  }
  out->headroom = headroom;
  out->binary = 0;
  out->natt = h.attachments;
  return 0;
}

static void json_decoder_init(void *dec, const sio__sio_limits_t *lim) {
  sio__sio_decoder_init(dec, lim);
}

static void json_decoder_reset(void *dec) {
  sio__sio_decoder_reset(dec);
}

static const sio_parser_t k_json = {"json",
                                    json_encode,
                                    sizeof(sio__sio_decoder_t),
                                    json_decoder_init,
                                    json_decoder_reset,
                                    sio__sio_decoder_feed};

const sio_parser_t *sio_parser_json(void) {
  return &k_json;
}
