/* Socket.IO binary attachments: placeholders in the JSON payload and the
 * reassembly of a 5/6 packet from its text and the binary Engine.IO messages
 * that follow it (docs/PROTOCOL.md §2.6). Pure: bytes in, packets out.
 *
 * A placeholder is any JSON object whose "_placeholder" member is true (key
 * order free, other members ignored, the last duplicate key wins, as with
 * JSON.parse); its "num" must be a number with an integer value (0, 0.0, 1e0)
 * and 0 <= num < attachment count. Outgoing placeholders are written in
 * depth-first order by the caller, who builds the argument JSON with
 * sio__sio_placeholder_write and passes the count to the encoder. */
#ifndef SIO_SIO_BINARY_H
#define SIO_SIO_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/rbuf.h"
#include "sio/sio_packet.h"

/* Looks at one value: returns 1 and sets *num if it is a placeholder whose
 * num is valid for count attachments, 0 if it is not a placeholder (any
 * non-object, or an object without "_placeholder": true), SIO_EPROTO if it
 * is a placeholder with a bad num. v must come from a validated text. */
int sio__sio_placeholder_check(const sio__json_val_t *v, uint32_t count, uint32_t *num);

/* Called for each placeholder, in document order (depth-first). A non-zero
 * return stops the walk and is returned by the walk. */
typedef int (*sio__sio_placeholder_cb)(void *arg, const sio__json_val_t *ph,
                                       uint32_t num);

/* Walks v (validated JSON) at any depth up to max_depth (0: default 32;
 * the walk recurses once per level) and calls cb (may be NULL) for each
 * placeholder; it does not look inside placeholders. Returns 0, cb's non-zero
 * value, SIO_EPROTO (a placeholder with a bad num), or SIO_ELIMIT (deeper
 * than max_depth). */
int sio__sio_placeholders_walk(const sio__json_val_t *v, uint32_t count,
                               unsigned max_depth, sio__sio_placeholder_cb cb, void *arg);

/* Appends {"_placeholder":true,"num":<num>}. */
void sio__sio_placeholder_write(sio__sb_t *sb, uint32_t num);

/* Reassembles packets from a stream of Engine.IO messages of one
 * connection. Not thread-safe; one per connection. */
typedef struct {
  sio__sio_limits_t lim;
  sio__sio_packet_t *pending; /* the 5/6 packet waiting for its attachments
                               * (allocated only then: every connection has
                               * a decoder, few wait for attachments) */
  size_t bytes;               /* their total size */
  /* The small fields last, together: 40 bytes, so a session and its
   * decoder make one 128-byte malloc block. */
  uint32_t received; /* attachments of pending received so far */
  uint8_t waiting;   /* 1 while pending is set */
} sio__sio_decoder_t;

/* lim is copied; NULL means the defaults. Never fails. */
void sio__sio_decoder_init(sio__sio_decoder_t *d, const sio__sio_limits_t *lim);
/* Frees a pending packet; the decoder is empty afterwards and may be reused. */
void sio__sio_decoder_reset(sio__sio_decoder_t *d);
/* 1 while a 5/6 packet waits for attachments, else 0. */
int sio__sio_decoder_waiting(const sio__sio_decoder_t *d);

/* Feeds the text of one Engine.IO message.
 * Returns 1 when *out holds a complete packet (types 0-4): its spans borrow
 * p[0..n) (no reference is taken even if owner is given), so they live as
 * long as the caller keeps those bytes. Returns 0 for a valid 5/6 packet,
 * which now waits for its attachments: the decoder keeps the text, by taking
 * a reference on owner when given (p[0..n) must then lie inside
 * owner->data[0..owner->len), else SIO_EINVAL) or by copying it.
 * Errors: those of sio__sio_packet_decode, SIO_EPROTO (a text while
 * attachments are expected), SIO_ENOMEM, SIO_EINVAL. After any error the
 * decoder has been reset; the connection should be closed (docs/PROTOCOL.md §2.3). */
int sio__sio_decoder_feed_text(sio__sio_decoder_t *d, const char *p, size_t n,
                               sio__rbuf_t *owner, sio__sio_packet_t *out);

/* Feeds the bytes of one binary Engine.IO message. The attachment is kept by
 * a reference on owner (p[0..n) inside owner->data, else SIO_EINVAL) or as a
 * copy. Returns 0 while more attachments are due, 1 when the last one
 * arrived: *out is the complete 5/6 packet, with out->att[0..h.attachments)
 * in arrival order and out->text holding its text; the caller owns it and
 * calls sio__sio_packet_release when done (spans and attachments stay valid
 * until then). Errors (decoder reset afterwards): SIO_EPROTO (no packet is
 * waiting for attachments), SIO_ELIMIT (attachments total above
 * lim.max_binary_bytes), SIO_ENOMEM, SIO_EINVAL. */
int sio__sio_decoder_feed_binary(sio__sio_decoder_t *d, const uint8_t *p, size_t n,
                                 sio__rbuf_t *owner, sio__sio_packet_t *out);

/* Either of the two by the message's kind, d a sio__sio_decoder_t: the JSON
 * parser's decoder_feed (sio_parser.h), called directly through it. */
int sio__sio_decoder_feed(void *d, int binary, const uint8_t *p, size_t n,
                          sio__rbuf_t *owner, sio__sio_packet_t *out);

#endif
