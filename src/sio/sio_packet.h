/* Socket.IO v5 packets (docs/PROTOCOL.md §2.1-2.5): decode one Engine.IO message
 * text into a header and JSON spans, and encode packets into a byte builder.
 * Pure: no I/O, no allocation in decode or encode (the builder grows).
 *
 * Wire form: <type>[<count>"-"][<nsp>","][<ack id>][<JSON>]. Binary
 * attachments (types 5 and 6) travel as the next Engine.IO messages; their
 * reassembly and the placeholders live in sio/sio_binary.h. */
#ifndef SIO_SIO_PACKET_H
#define SIO_SIO_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/rbuf.h"

typedef enum {
  SIO_SIO_CONNECT = 0,
  SIO_SIO_DISCONNECT = 1,
  SIO_SIO_EVENT = 2,
  SIO_SIO_ACK = 3,
  SIO_SIO_CONNECT_ERROR = 4,
  SIO_SIO_BINARY_EVENT = 5,
  SIO_SIO_BINARY_ACK = 6
} sio__sio_type_t;

/* The reference's maxAttachments default. */
#define SIO_SIO_MAX_ATTACHMENTS_DEFAULT 10
/* Default bound on the bytes of all attachments of one packet: ten times
 * the Engine.IO default maxHttpBufferSize (1e6). */
#define SIO_SIO_MAX_BINARY_BYTES_DEFAULT 10000000u

typedef struct {
  uint32_t max_attachments; /* a count above this is an error (ELIMIT) */
  uint32_t max_depth;       /* JSON nesting bound of the payload */
  size_t max_binary_bytes;  /* sum of one packet's attachment sizes */
} sio__sio_limits_t;

/* Fills the defaults: 10 attachments, depth 32, 10 MB. */
void sio__sio_limits_init(sio__sio_limits_t *lim);

/* Everything before the JSON payload. */
typedef struct {
  uint8_t type;         /* sio__sio_type_t, as on the wire (5/6 stay 5/6) */
  uint8_t has_ack;      /* 1 if an ack id is present */
  uint32_t attachments; /* types 5/6: the announced count (>= 1); else 0 */
  uint64_t ack_id;
  const char *nsp; /* namespace, never NUL-terminated; "/" when absent */
  size_t nsp_len;
} sio__sio_header_t;

/* One binary attachment: base[0..len) stays valid while owner is held. */
typedef struct {
  const uint8_t *base;
  size_t len;
  sio__rbuf_t *owner; /* one reference, dropped by sio__sio_packet_release */
} sio__sio_attachment_t;

/* A decoded packet. All spans borrow the decoded text (see the decode and
 * decoder functions for how long it lives). */
#define SIO__SIO_ARGS_INLINE 4

/* The encoders reserve this many bytes for a header besides its namespace
 * (type, a 20-digit count and '-', the namespace's ',', a 20-digit ack id)
 * plus the body: a builder started with that much room never grows. */
#define SIO__SIO_HEADER_ROOM 48

typedef struct {
  sio__sio_header_t h;
  /* The JSON payload without surrounding whitespace; type SIO_JSON_NONE when
   * the packet has none. */
  sio__json_val_t payload;
  /* Types 2/5: the event name as a JSON token (a string with its quotes, or a
   * number as spelled), and the text of the remaining elements (everything
   * between the name's comma and the closing bracket, trimmed; "" when there
   * are no arguments), so `[<name>,<args>]` re-emits the same values. Set
   * the same way (all elements) for acks with a payload. */
  sio__json_val_t name;
  const char *args;
  size_t args_len;
  /* Types 2/3/5/6 with an array payload: the arguments (the elements after
   * the name for events, all of them for acks) as found while validating, so
   * the argument view needs no second walk. nargs counts them all; only the
   * first SIO__SIO_ARGS_INLINE are recorded here. args_seen is 0 for packets
   * not made by sio__sio_packet_decode (then walk the payload). */
  sio__json_val_t argv[SIO__SIO_ARGS_INLINE];
  uint32_t nargs;
  uint8_t args_seen;
  /* Set only by the reassembling decoder (sio_binary.h) for types 5/6:
   * h.attachments entries, and a reference on the stored text. */
  sio__sio_attachment_t *att;
  sio__rbuf_t *text;
} sio__sio_packet_t;

/* Decodes one Socket.IO packet from the text of one Engine.IO message,
 * following docs/PROTOCOL.md §2.3:
 * - the type digit 0..6; an empty text is invalid (the reference would read
 *   it as a CONNECT to "/");
 * - for 5/6, a decimal count of 1..lim->max_attachments then "-";
 * - a namespace starting with "/" up to the first "," or the end of the
 *   text (the comma is optional when nothing follows: "40/custom");
 * - decimal digits = the ack id (up to UINT64_MAX; accepted on every type, as
 *   the reference does; only 2/3/5/6 give it a meaning);
 * - the rest, if any, must be exactly one JSON value (whitespace around it
 *   is tolerated, like JSON.parse) nested at most lim->max_depth deep, and:
 *   CONNECT: an object or nothing; DISCONNECT: nothing; EVENT/BINARY_EVENT:
 *   an array whose first element is a number or a string that is not a
 *   reserved name (a missing payload is rejected); ACK/BINARY_ACK: an array,
 *   or nothing (read as no arguments, as the reference does); CONNECT_ERROR:
 *   an object or a string (nothing is rejected);
 * - for 5/6, every placeholder object in the payload must have an integer
 *   num with 0 <= num < count (checked here, before the attachments come).
 * p[0..n) is borrowed: the spans in *out point into it (the namespace may
 * point to a static "/"). out->att and out->text are NULL.
 * Returns 0, SIO_EPROTO (malformed), or SIO_ELIMIT (attachment count above
 * the limit, JSON too deep). lim may be NULL for the defaults. */
int sio__sio_packet_decode(const char *p, size_t n, const sio__sio_limits_t *lim,
                           sio__sio_packet_t *out);

/* Drops what a packet from the reassembling decoder holds (attachment and
 * text references) and clears those fields; a packet from
 * sio__sio_packet_decode holds nothing, so this is a no-op on it. */
void sio__sio_packet_release(sio__sio_packet_t *pkt);

/* 1 if the namespace is the root one ("/" or empty), else 0. */
int sio__sio_nsp_is_root(const char *nsp, size_t len);

/* 1 if s[0..n) is a reserved event name (connect, connect_error,
 * disconnect, disconnecting, newListener, removeListener), else 0. */
int sio__sio_name_reserved(const char *s, size_t n);

/* The event name of a 2/5 packet: the unescaped string, or the number as it
 * was spelled; NUL-terminated in buf[0..cap). cap >= pkt->name.len + 1 is
 * always enough. Returns 0, SIO_EINVAL (no name), SIO_EMSGSIZE. To match a
 * handler without copying, use sio__json_string_eq(&pkt->name, ...). */
int sio__sio_event_name(const sio__sio_packet_t *pkt, char *buf, size_t cap, size_t *len);

/* Positions *it on the first argument: for 2/5 the element after the name,
 * for 3/6 the first element (an ACK without payload gives an iterator with
 * no elements). Returns 0 or SIO_EINVAL for other types. */
int sio__sio_packet_args(const sio__sio_packet_t *pkt, sio__json_iter_t *it);

/* ---- Encoding ------------------------------------------------------------
 * The header is checked first and nothing is written if it is invalid.
 * Rules: type 0..6; EVENT/ACK with attachments > 0 are written as 5/6;
 * 5/6 need attachments >= 1; only 2/3/5/6 may carry attachments or an ack
 * id; a namespace other than NULL/""/"/" must start with "/" and contain no
 * ","; it is always followed by ",". Returns 0, SIO_EINVAL, or the
 * builder's error. The caller's bytes are copied. */

/* Writes header + payload. The payload is raw JSON written as is (the
 * caller vouches that it is valid and compact); only its first byte is
 * checked against the type: CONNECT "{" or none, DISCONNECT none, 2/5 "["
 * (required), 3/6 "[" or none, CONNECT_ERROR "{" or "\"" (required). */
int sio__sio_encode(sio__sb_t *sb, const sio__sio_header_t *h, const char *payload,
                    size_t payload_len);

/* Writes an event `[<name>,<args>]` (or `[<name>]` when args_len is 0).
 * name[0..name_len) is UTF-8 text, escaped here; a reserved name or invalid
 * UTF-8 gives SIO_EINVAL. args is raw compact JSON: the arguments separated by
 * commas, as in sio__sio_packet_t.args. h->type must be 2 or 5. */
int sio__sio_encode_event(sio__sb_t *sb, const sio__sio_header_t *h, const char *name,
                          size_t name_len, const char *args, size_t args_len);

/* Writes an ack `[<args>]`, args as for sio__sio_encode_event (possibly
 * empty); h->type must be 3 or 6. No intermediate copy of the list. */
int sio__sio_encode_ack(sio__sb_t *sb, const sio__sio_header_t *h, const char *args,
                        size_t args_len);

/* Same with the name as a JSON token (a quoted string or a number), e.g.
 * pkt->name of a decoded packet, for relaying without re-escaping. */
int sio__sio_encode_event_raw(sio__sb_t *sb, const sio__sio_header_t *h,
                              const char *name_json, size_t name_json_len,
                              const char *args, size_t args_len);

#endif
