/* The parser seam: how Socket.IO packets become Engine.IO messages and
 * back. A parser encodes one packet (type, namespace, ack id, data) into a
 * packet buffer, and decodes the Engine.IO messages of one connection into
 * packets. The rest of the library speaks only of packets, so another wire
 * form plugs in beside the JSON one (sio_parser_json.c).
 *
 * The packet model on both sides is the library's argument form: the data
 * of an EVENT or ACK is a sio_args_t going out, and a sio__sio_packet_t
 * (sio_packet.h) coming in, whose arguments are JSON text in which each
 * binary value is a placeholder {"_placeholder":true,"num":N} standing for
 * attachment N. A parser whose wire form carries binary natively (no
 * attachment messages) writes the attachments' bytes into its one message,
 * reports natt 0, and on decoding hands out a packet with its text and
 * attachment list (pkt.text, pkt.att) built from the message.
 *
 * Cost: one indirect call per packet each way; a parser neither copies nor
 * allocates per packet beyond its own output (the JSON one: the packet text
 * in one builder, attachments shared by reference). */
#ifndef SIO_SIO_PARSER_H
#define SIO_SIO_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "sio/args.h"
#include "sio/parser.h"
#include "sio/sio_packet.h"

/* One packet to encode. */
typedef struct {
  uint8_t type;           /* CONNECT, DISCONNECT, EVENT, ACK or CONNECT_ERROR: a parser
                           * picks the binary forms itself */
  int64_t ack_id;         /* EVENT, ACK: < 0 for none */
  const char *nsp;        /* NUL-terminated; NULL or "/" for the main namespace */
  const char *event;      /* EVENT: the name (UTF-8, NUL-terminated; escaped
                           * by the parser; reserved names are SIO_EINVAL) */
  const sio_args_t *args; /* EVENT, ACK: the arguments (NULL: none); a list
                           * with a sticky error is that error */
  const char *payload;    /* CONNECT, CONNECT_ERROR: raw compact JSON the */
  size_t payload_len;     /* caller vouches for (NULL: none) */
} sio__packet_desc_t;

/* An encoded packet: the first Engine.IO message in sb after headroom
 * bytes that belong to the caller (uninitialised; e.g. room for a frame
 * header), then natt messages, one per attachment of the packet's args, in
 * order, each binary, carrying the attachment's bytes as they are. */
typedef struct {
  sio__sb_t sb;
  size_t headroom;
  uint8_t binary; /* 1: the first message is binary, 0: text */
  size_t natt;
} sio__packet_buf_t;

struct sio_parser {
  const char *name;
  /* Encodes d into *out (sb started by the parser, headroom committed
   * first). 0, or SIO_EINVAL (an invalid packet: reserved event name, bad
   * namespace, not UTF-8), SIO_ENOMEM, the args' sticky error; nothing to
   * free after an error. */
  int (*encode)(const sio__packet_desc_t *d, size_t headroom, sio__packet_buf_t *out);
  /* The decoder of one connection lives in decoder_size bytes the caller
   * provides (8-byte aligned: a session's pool block), set up by decoder_init (lim
   * copied; NULL: the defaults; never fails) and emptied by decoder_reset (which frees
   * what it holds; the decoder may be fed again). */
  size_t decoder_size;
  void (*decoder_init)(void *dec, const sio__sio_limits_t *lim);
  void (*decoder_reset)(void *dec);
  /* Feeds one Engine.IO message (binary or text). Returns 1 when *out is a
   * complete packet (release it with sio__sio_packet_release; its spans
   * borrow p[0..n) unless it holds a text of its own), 0 when more messages
   * are due, or a negative error (SIO_EPROTO, SIO_ELIMIT, SIO_ENOMEM,
   * SIO_EINVAL), after which the decoder has been reset and the connection
   * should close. owner (may be NULL) holds p: a decoder that keeps bytes
   * past the call takes a reference on it instead of copying. */
  int (*decoder_feed)(void *dec, int binary, const uint8_t *p, size_t n,
                      sio__rbuf_t *owner, sio__sio_packet_t *out);
};

/* The parsers an auto server (sio_parser_auto) tells apart, by a one-byte
 * index kept in each session (a pointer would cost an idle session 8 bytes;
 * the byte fits in its padding). */
enum { SIO__PARSER_JSON = 0, SIO__PARSER_MSGPACK = 1, SIO__PARSER_COUNT = 2 };
const sio_parser_t *sio__parser_at(unsigned ix);
/* 1 for the auto parser's object. */
static inline int sio__parser_is_auto(const sio_parser_t *p) {
  return p == sio_parser_auto();
}

/* The parser a NULL option stands for. */
static inline const sio_parser_t *sio__parser_or_default(const sio_parser_t *p) {
  return p ? p : sio_parser_json();
}

/* Decoder storage in front of which an object of size base can sit: the
 * offset where it starts (aligned for any type). */
static inline size_t sio__parser_dec_offset(size_t base) {
  size_t a = _Alignof(max_align_t);
  return (base + a - 1) / a * a;
}

#endif
