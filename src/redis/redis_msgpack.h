/* libsio-redis: the MessagePack codec of the Redis adapter (sans-I/O).
 *
 * Converts between libsio's event arguments (JSON text, values comma-separated
 * without brackets, binary values as {"_placeholder":true,"num":N} standing for
 * attachments[N]) and the MessagePack that @socket.io/redis-adapter 8.x and
 * @socket.io/redis-emitter 5.x exchange (notepack.io 3; /work/shared/REDIS-WIRE.md
 * §3-§6): broadcasts, type 7 requests (broadcast with ack) and type 9 responses.
 *
 * Numbers: msgpack -> JSON prints integers exactly (also above 2^53, where Node would
 * round) and doubles as JavaScript does (shortest round trip, 1e+21 past 21 digits,
 * NaN/Inf -> null). JSON -> msgpack writes an integer spelling that fits int64 or
 * uint64 as the shortest integer, exactly; any other whole value up to 2^53 in
 * magnitude (1.0, 1e2, -0) as the shortest integer too; everything else as float64
 * (notepack writes whole doubles past 2^53 as integers, and mis-encodes them past
 * 2^64; Node decodes both forms to the same number).
 *
 * Limits: a message nests at most SIO__RMP_MAX_DEPTH containers (the envelope
 * included); JSON arguments at most SIO__RMP_JSON_MAX_DEPTH (so that anything we
 * encode, we decode). Errors: SIO_EPROTO (bad input), SIO_ELIMIT (too deep, too
 * many attachments), SIO_EINVAL (bad arguments), SIO_ENOMEM, SIO_EMSGSIZE (a
 * string or binary of 4 GiB or more). Nothing here logs or does I/O.
 */
#ifndef SIO_REDIS_MSGPACK_H
#define SIO_REDIS_MSGPACK_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "sio/common.h"

/* Containers nested in one decoded message, the outermost one counting 1. */
#define SIO__RMP_MAX_DEPTH 32
/* Containers nested in one JSON argument ([] is 1): a broadcast wraps its args in
 * 3 levels ([uid, {data: [...]}, opts]), so 29 keeps the whole within 32. */
#define SIO__RMP_JSON_MAX_DEPTH 29

/* ---- output buffer ---- */

/* A growable byte buffer (malloc'd). All-zero is a valid empty buffer. When data
 * is non-NULL, data[len] is a NUL byte (handy for JSON text). err is sticky: the
 * first SIO_ENOMEM; later appends do nothing. */
typedef struct {
  char *data;
  size_t len, cap;
  int err;
} sio__rmp_buf_t;

/* Frees data and zeroes b. NULL-safe. */
void sio__rmp_buf_free(sio__rmp_buf_t *b);
/* Appends n bytes (copied). 0 or SIO_ENOMEM (also set in b->err). */
int sio__rmp_buf_append(sio__rmp_buf_t *b, const void *p, size_t n);
/* A msgpack_packer_write callback: data is a sio__rmp_buf_t *. 0 or -1. */
int sio__rmp_buf_write(void *data, const char *buf, size_t len);
/* Makes pk append to b (b borrowed for pk's life). */
void sio__rmp_packer_init(msgpack_packer *pk, sio__rmp_buf_t *b);

/* ---- decoding ---- */

/* Strict, bounded decode of exactly one message in data[0..len). A pre-scan
 * rejects declared array/map/str/bin/ext sizes that exceed the remaining bytes,
 * nesting deeper than SIO__RMP_MAX_DEPTH, the unused byte 0xc1 and trailing bytes,
 * before msgpack-c allocates anything. 0 with *out filled (release it with
 * msgpack_unpacked_destroy), SIO_EPROTO, or SIO_ENOMEM; *out needs no
 * initialisation and holds nothing to free on error.
 * Lifetime: strings, binaries and ext payloads of *out point INTO data
 * (msgpack-c references them): every borrowed pointer taken from *out (also by
 * the functions below) is valid while both data and *out are. */
int sio__rmp_unpack(const char *data, size_t len, msgpack_unpacked *out);
/* The same, refusing (SIO_ELIMIT) a message whose bytes plus its unpacked
 * tree (a msgpack_object per value) would exceed max_cost bytes;
 * sio__rmp_unpack uses SIO_REDIS_MAX_MESSAGE_DEFAULT. */
int sio__rmp_unpack_max(const char *data, size_t len, size_t max_cost,
                        msgpack_unpacked *out);

/* The value of key (a NUL-terminated string) in map, the last one if the key
 * repeats (as JavaScript keeps it), or NULL when map is NULL, not a map, or has
 * no such string key. Borrowed from map. */
const msgpack_object *sio__rmp_map_get(const msgpack_object *map, const char *key);
/* Any integer width that fits int64_t, or a float32/float64 holding a whole number
 * in int64_t's range. 0 or SIO_EINVAL (NULL, another type, out of range). */
int sio__rmp_get_int(const msgpack_object *o, int64_t *out);
/* A str: *s (not NUL-terminated, may hold NUL bytes, UTF-8 not checked; never
 * NULL, "" when empty) borrowed from o, *len its length. 0 or SIO_EINVAL. */
int sio__rmp_get_str(const msgpack_object *o, const char **s, size_t *len);
/* A boolean: *out 0 or 1. 0 or SIO_EINVAL. */
int sio__rmp_get_bool(const msgpack_object *o, int *out);

/* One msgpack value -> JSON text appended to json: compact, as Node's
 * JSON.stringify would print what notepack decodes (numbers: see above; strings
 * escaped, invalid UTF-8 replaced by U+FFFD as Node's decoder does; nil -> null).
 * Map keys must be strings. A bin becomes {"_placeholder":true,"num":N} with the
 * bin appended to *att as attachment N (base/len borrowed from the unpacked
 * message); *att is a malloc'd array grown by these functions (start with NULL and
 * *natt 0; the caller frees it with free(), also after an error), and *natt never
 * exceeds max_att (SIO_ELIMIT). ext -1 (timestamp) becomes the ISO-8601 string
 * Node prints for a Date (null out of the Date range); any other ext is
 * SIO_EPROTO, and so is a map that libsio would read as a placeholder (its
 * "_placeholder" is true), so a peer cannot forge a reference to an attachment.
 * Depth bounded (SIO__RMP_MAX_DEPTH, SIO_ELIMIT). On error json and *att hold
 * partial output, to be discarded. */
int sio__rmp_to_json(const msgpack_object *o, sio__rmp_buf_t *json, sio_buf_t **att,
                     size_t *natt, size_t max_att);
/* The same for each element of array o from index `from` on (nothing if from is
 * past the end), comma-separated: an event's args out of packet.data.
 * SIO_EPROTO if o is not an array. */
int sio__rmp_array_to_json(const msgpack_object *o, size_t from, sio__rmp_buf_t *json,
                           sio_buf_t **att, size_t *natt, size_t max_att);

/* ---- encoding from JSON text ---- */

/* JSON text (strict RFC 8259, UTF-8; lone-surrogate escapes become U+FFFD, as in
 * libsio's parser; whitespace allowed around tokens) -> msgpack as notepack.io 3
 * writes it: whole numbers as the shortest int (see above), others float64, strings
 * a0-bf/d9/da/db, arrays/maps with the shortest header, object keys in text order
 * (duplicates kept), placeholders (an object whose last "_placeholder" member is
 * true; its "num" must be an integer value indexing att, else SIO_EPROTO) ->
 * bin (c4/c5/c6) of att[num]. Depth at most SIO__RMP_JSON_MAX_DEPTH (SIO_ELIMIT).
 * pack_json packs exactly ONE value; pack_json_list packs each value of a
 * comma-separated list (possibly empty or all whitespace) as consecutive elements
 * (the caller has written the array header; count_json_list tells how many values
 * the list holds, validating its syntax). att/json are borrowed for the call. On
 * error pk may have received part of the output: discard it. */
int sio__rmp_pack_json(msgpack_packer *pk, const char *json, size_t len,
                       const sio_buf_t *att, size_t natt);
int sio__rmp_pack_json_list(msgpack_packer *pk, const char *json, size_t len,
                            const sio_buf_t *att, size_t natt);
int sio__rmp_count_json_list(const char *json, size_t len, size_t *count);
/* pack_json / pack_json_list with another depth limit (at most
 * SIO__RMP_MAX_DEPTH). */
int sio__rmp_pack_json_depth(msgpack_packer *pk, const char *json, size_t len,
                             const sio_buf_t *att, size_t natt, unsigned max_depth,
                             int list);

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
 * volatile_ adds flags.volatile = true; timeout_ms > 0 adds flags.timeout. */
typedef struct {
  const char *const *rooms;
  size_t nrooms;
  const char *const *except;
  size_t nexcept;
  int volatile_;
  uint32_t timeout_ms; /* 0: absent */
} sio__rmp_opts_t;

/* The broadcast message (REDIS-WIRE.md §4): [uid, {type:2, data:[event, ...args],
 * nsp}, {rooms, except, flags}], opts in the adapter's key order, or with
 * emitter_order the emitter's (rooms, flags, except). flags holds volatile then
 * timeout, each only when set. Appends to out; on error out keeps its former
 * length. 0 or an error (SIO_EINVAL for NULL arguments). */
int sio__rmp_encode_broadcast(sio__rmp_buf_t *out, const char *uid, const char *nsp,
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
  sio__rmp_buf_t json; /* args as JSON text (owned; empty when no args) */
  sio_buf_t *att;      /* owned array, borrowed bytes */
  size_t natt;
  sio__rmp_str_t *rooms; /* owned arrays, borrowed bytes; missing/nil = none */
  size_t nrooms;
  sio__rmp_str_t *except;
  size_t nexcept;
  int volatile_;      /* flags.volatile */
  int64_t timeout_ms; /* flags.timeout if present, else 0 */
} sio__rmp_broadcast_t;

/* Decodes the root of a broadcast: an array of at least 3 elements [uid (str),
 * packet (map: type int, data array with a str first, nsp str or absent), opts
 * (map: rooms/except arrays of str or absent/nil, flags map or absent/nil with
 * volatile bool and timeout int)]. Anything else is SIO_EPROTO; also SIO_ELIMIT
 * (more than max_att bins), SIO_ENOMEM. On error *out is left empty (nothing to
 * free); on success free it with sio__rmp_broadcast_free. */
int sio__rmp_decode_broadcast(const msgpack_object *root, sio__rmp_broadcast_t *out,
                              size_t max_att);
/* Frees what *b owns and zeroes it. NULL-safe. */
void sio__rmp_broadcast_free(sio__rmp_broadcast_t *b);

/* Type 7 request (broadcast with ack), a msgpack map with keys uid, requestId,
 * type (7), packet ({type:2, data, nsp}), opts ({rooms, except, flags}); flags gets
 * volatile and timeout as above. Appends to out as encode_broadcast does. */
int sio__rmp_encode_broadcast_ack_request(sio__rmp_buf_t *out, const char *uid,
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
 * notepack leaves out undefined. The value may nest SIO__RMP_MAX_DEPTH - 1 deep.
 * Appends to out as encode_broadcast does. */
int sio__rmp_encode_broadcast_ack_reply(sio__rmp_buf_t *out, const char *request_id,
                                        const char *json, size_t len,
                                        const sio_buf_t *att, size_t natt);
/* Decodes one: root must be a map with type 9 and a requestId string; packet (any
 * value) is appended to json as one JSON value (nothing when absent) with its bins
 * appended to *att and *natt as in sio__rmp_to_json. *request_id borrowed. */
int sio__rmp_decode_broadcast_ack_reply(const msgpack_object *root,
                                        sio__rmp_str_t *request_id, sio__rmp_buf_t *json,
                                        sio_buf_t **att, size_t *natt, size_t max_att);

#endif
