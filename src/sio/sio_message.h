/* The Socket.IO message model shared by the server and the client: the
 * argument builder (sio_args_t, sio_args.c), the view of received arguments
 * (sio_argv_t, sio_argv.c), a stored copy of a received packet, and the
 * encoded packet ready for the server's Engine.IO sessions (sio_encode.c).
 * Packets are encoded and decoded by a parser (sio_parser.h). Nothing here
 * knows of a server, a namespace or a session. */
#ifndef SIO_SIO_MESSAGE_H
#define SIO_SIO_MESSAGE_H

#include "core/rbuf.h"
#include "eio/eio_msg.h"
#include "sio/args.h"
#include "sio/sio_binary.h"
#include "sio/sio_packet.h"
#include "sio/sio_parser.h"

/* ---- arguments to send ---- */
struct sio_args {
  sio__sb_t sb; /* the arguments' JSON, comma-separated */
  size_t count;
  sio__sio_attachment_t *att; /* owner references */
  size_t natt, acap;
  int err;
};

/* Fills a (cleared first) from wire arguments: json comma-separated, its
 * placeholders index bins (copied). Validated: 0, SIO_EINVAL, SIO_ENOMEM. */
int sio__args_set_wire(sio_args_t *a, const char *json, size_t len, const sio_buf_t *bins,
                       size_t n);

/* Fills dst (cleared first) with src's arguments, the attachments shared.
 * 0 or SIO_ENOMEM. */
int sio__args_copy(sio_args_t *dst, const sio_args_t *src);

/* ---- received arguments: a read-only view over a decoded packet ---- */
#define SIO__ARGV_INLINE 8
struct sio_argv {
  sio__json_val_t inl[SIO__ARGV_INLINE];
  sio__json_val_t *vals;
  size_t n;
  const char *all;
  size_t all_len;
  const sio__sio_attachment_t *att;
  uint32_t natt;
  void **allocs; /* unescaped strings handed out, freed with the view */
  size_t nallocs;
};

/* Builds a view over pkt (EVENT/ACK, binary or not); spans borrow pkt. 0 or
 * SIO_EPROTO/SIO_ENOMEM. */
int sio__argv_init(sio_argv_t *av, const sio__sio_packet_t *pkt);
void sio__argv_clear(sio_argv_t *av);

/* A stored packet (an ack reply kept until a broadcast ack completes). */
typedef struct {
  sio__sio_packet_t pkt; /* spans into text; att owned */
  sio__rbuf_t *text;
  sio_argv_t av;
} sio__stored_t;
/* Copies pkt's payload (attachments referenced). NULL if out of memory. */
sio__stored_t *sio__stored_new(const sio__sio_packet_t *pkt);
void sio__stored_free(sio__stored_t *st);

/* ---- an encoded packet, shared by every recipient of a server ---- */
typedef struct {
  sio__eio_msg_t **msgs; /* the packet's message first, then the attachments */
  size_t n;
  sio__eio_msg_t *inl[2];
  const sio_parser_t *parser; /* the one that encoded it */
  uint8_t type;               /* its Socket.IO type (binary ones with attachments) */
  size_t bytes;               /* payload bytes of every message, for the metrics */
} sio__packet_out_t;

/* Encodes d with parser p into Engine.IO messages whose first one has the
 * WebSocket frame headroom (so every recipient shares one frame), the
 * attachments shared by reference. 0 or an error (nothing to free then). */
int sio__packet_encode_desc(const sio_parser_t *p, sio__packet_out_t *out,
                            const sio__packet_desc_t *d);
/* An event (or an ack when event is NULL) for namespace nsp. ack_id < 0: no
 * ack id. */
static inline int sio__packet_encode(const sio_parser_t *p, sio__packet_out_t *out,
                                     const char *nsp, const char *event, int64_t ack_id,
                                     const sio_args_t *args) {
  sio__packet_desc_t d = {
      event ? SIO_SIO_EVENT : SIO_SIO_ACK, ack_id, nsp, event, args, NULL, 0};
  return sio__packet_encode_desc(p, out, &d);
}
/* A control packet (CONNECT reply, CONNECT_ERROR, DISCONNECT) with a raw
 * payload (may be NULL). */
static inline int sio__packet_encode_ctl(const sio_parser_t *p, sio__packet_out_t *out,
                                         int type, const char *nsp, const char *payload,
                                         size_t len) {
  sio__packet_desc_t d = {(uint8_t)type, -1, nsp, NULL, NULL, payload, len};
  return sio__packet_encode_desc(p, out, &d);
}
void sio__packet_out_free(sio__packet_out_t *out);
/* Marks every message of out as never compressed (the per-emit flag); call
 * before it is queued anywhere. */
void sio__packet_out_no_compress(sio__packet_out_t *out);

/* Runs fn over the arguments of an encoded packet (decoded back by its
 * parser; used for the outgoing catch-all and server-side events). */
void sio__out_argv(const sio__packet_out_t *out,
                   void (*fn)(const sio_argv_t *av, void *arg), void *arg);

#endif
