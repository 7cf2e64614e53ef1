/* libsio-redis: the MessagePack messages of the Redis adapter (sans-I/O).
 *
 * The messages that @socket.io/redis-adapter 8.x and @socket.io/redis-emitter
 * 5.x exchange (notepack.io 3; docs/REDIS-WIRE.md §3-§6): broadcasts, type 7
 * requests (broadcast with ack) and type 9 responses. Event arguments are
 * libsio's JSON text, converted by the msgpack bridge of core/msgpack_json.h
 * (numbers, strings, placeholders and limits as described there).
 *
 * Limits: a message nests at most SIO__MP_MAX_DEPTH containers (the envelope
 * included); JSON arguments at most SIO__RMP_JSON_MAX_DEPTH (so that anything we
 * encode, we decode). Errors: SIO_EPROTO (bad input), SIO_ELIMIT (too deep, too
 * many attachments), SIO_EINVAL (bad arguments), SIO_ENOMEM, SIO_EMSGSIZE (a
 * string or binary of 4 GiB or more). Nothing here logs or does I/O.
 */
#ifndef SIO_REDIS_MSGPACK_H
#define SIO_REDIS_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/msgpack_json.h"
#include "core/rbuf.h"
#include "sio/common.h"

/* Containers nested in one JSON argument ([] is 1): a broadcast wraps its args in
 * 3 levels ([uid, {data: [...]}, opts]), so 29 keeps the whole within 32. */
#define SIO__RMP_JSON_MAX_DEPTH 29

/* The bytes an encoder or decoder built in sb, "" when none (not
 * NUL-terminated: their length is sio__sb_len). Borrowed from sb. */
static inline const char *sio__rmp_text(const sio__sb_t *sb) {
  const uint8_t *d = sio__sb_data(sb);
  return d ? (const char *)d : "";
}

/* ---- messages ---- */

/* An event: name (NUL-terminated), args as JSON text (json may be NULL when
 * json_len is 0), attachments. Borrowed for the call. */
typedef struct {
  const char *event;
  const char *json;
  size_t json_len;
  const sio_buf_t *att;
  size_t natt;
} sio__rmp_event_t;

/* A selection: NUL-terminated room names (arrays may be NULL when the count is 0).
 * volatile_ adds flags.volatile = true; no_compress adds flags.compress = false;
 * timeout_ms > 0 adds flags.timeout. */
typedef struct {
  const char *const *rooms;
  size_t nrooms;
  const char *const *except;
  size_t nexcept;
  int volatile_;
  uint32_t timeout_ms; /* 0: absent */
  int no_compress;
} sio__rmp_opts_t;

/* The broadcast message (docs/REDIS-WIRE.md §4): [uid, {type:2, data:[event, ...args],
 * nsp}, {rooms, except, flags}], opts in the adapter's key order, or with
 * emitter_order the emitter's (rooms, flags, except). flags holds volatile,
 * compress then timeout, each only when set. Appends to out; on error out keeps its
 * former length. 0 or an error (SIO_EINVAL for NULL arguments). */
int sio__rmp_encode_broadcast(sio__sb_t *out, const char *uid, const char *nsp,
                              const sio__rmp_event_t *ev, const sio__rmp_opts_t *opts,
                              int emitter_order);

/* A borrowed string (not NUL-terminated; may hold NUL bytes; UTF-8 not checked). */
typedef struct {
  const char *s;
  size_t len;
} sio__rmp_str_t;

/* A decoded broadcast (or type 7 request). Borrowed strings and attachment bytes
 * live as long as the unpacked message (and its input bytes). */
typedef struct {
  sio__rmp_str_t uid, nsp; /* nsp.s NULL when packet.nsp is absent (means "/") */
  int64_t type;            /* packet.type (Node always sends 2) */
  sio__rmp_str_t event;
  sio__sb_t json; /* args as JSON text (owned; empty when no args) */
  sio_buf_t *att; /* owned array, borrowed bytes */
  size_t natt;
  sio__rmp_str_t *rooms; /* owned arrays, borrowed bytes; missing/nil = none */
  size_t nrooms;
  sio__rmp_str_t *except;
  size_t nexcept;
  int volatile_;      /* flags.volatile */
  int no_compress;    /* flags.compress is false */
  int64_t timeout_ms; /* flags.timeout if present, else 0 */
} sio__rmp_broadcast_t;

/* Decodes the root of a broadcast: an array of at least 3 elements [uid (str),
 * packet (map: type int, data array with a str first, nsp str or absent), opts
 * (map: rooms/except arrays of str or absent/nil, flags map or absent/nil with
 * volatile bool, compress bool and timeout int)]. Anything else is SIO_EPROTO; also
 * SIO_ELIMIT (more than max_att bins), SIO_ENOMEM. On error *out is left empty (nothing
 * to free); on success free it with sio__rmp_broadcast_free. */
int sio__rmp_decode_broadcast(const msgpack_object *root, sio__rmp_broadcast_t *out,
                              size_t max_att);
/* Frees what *b owns and zeroes it. NULL-safe. */
void sio__rmp_broadcast_free(sio__rmp_broadcast_t *b);

/* Type 7 request (broadcast with ack), a msgpack map with keys uid, requestId,
 * type (7), packet ({type:2, data, nsp}), opts ({rooms, except, flags}); flags gets
 * volatile and timeout as above. Appends to out as encode_broadcast does. */
int sio__rmp_encode_broadcast_ack_request(sio__sb_t *out, const char *uid,
                                          const char *request_id, const char *nsp,
                                          const sio__rmp_event_t *ev,
                                          const sio__rmp_opts_t *opts);
/* Decodes one: root must be a map with type 7, uid and requestId strings, packet
 * and opts as in a broadcast (opts required). *request_id borrowed. Same results
 * and ownership as sio__rmp_decode_broadcast. */
int sio__rmp_decode_broadcast_ack_request(const msgpack_object *root,
                                          sio__rmp_broadcast_t *out,
                                          sio__rmp_str_t *request_id, size_t max_att);

/* Type 9 response {type:9, requestId, packet: <one JSON value>}. An empty (or
 * all-whitespace) json means no ack argument: the packet key is left out, as
 * notepack leaves out undefined. The value may nest SIO__MP_MAX_DEPTH - 1 deep.
 * Appends to out as encode_broadcast does. */
int sio__rmp_encode_broadcast_ack_reply(sio__sb_t *out, const char *request_id,
                                        const char *json, size_t len,
                                        const sio_buf_t *att, size_t natt);
/* Decodes one: root must be a map with type 9 and a requestId string; packet (any
 * value) is appended to json as one JSON value (nothing when absent) with its bins
 * appended to *att and *natt as in sio__mp_to_json. *request_id borrowed. */
int sio__rmp_decode_broadcast_ack_reply(const msgpack_object *root,
                                        sio__rmp_str_t *request_id, sio__sb_t *json,
                                        sio_buf_t **att, size_t *natt, size_t max_att);

#endif
