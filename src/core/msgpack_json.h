/* A bridge between libsio's JSON text and MessagePack (msgpack-c), sans-I/O.
 *
 * libsio carries event arguments as JSON text (values comma-separated without
 * brackets, binary values as {"_placeholder":true,"num":N} standing for
 * attachments[N]); peers that speak MessagePack (notepack.io 3, as the Node
 * Redis adapter and emitter use) carry the same values as msgpack, binaries
 * as bin. These functions convert between the two, on the JSON scanner and
 * writer of core/json.h.
 *
 * Numbers: msgpack -> JSON prints integers exactly (also above 2^53, where Node
 * would round) and doubles as JavaScript does (shortest round trip, 1e+21 past
 * 21 digits, NaN/Inf -> null). JSON -> msgpack writes an integer spelling that
 * fits int64 or uint64 as the shortest integer, exactly; any other whole value
 * up to 2^53 in magnitude (1.0, 1e2, -0) as the shortest integer too; everything
 * else as float64 (notepack writes whole doubles past 2^53 as integers, and
 * mis-encodes them past 2^64; Node decodes both forms to the same number).
 *
 * Limits: a decoded message nests at most SIO__MP_MAX_DEPTH containers.
 * Errors: SIO_EPROTO (bad input), SIO_ELIMIT (too deep, too many attachments),
 * SIO_EINVAL (bad arguments), SIO_ENOMEM, SIO_EMSGSIZE (a string or binary of
 * 4 GiB or more). Nothing here logs or does I/O. */
#ifndef SIO_CORE_MSGPACK_JSON_H
#define SIO_CORE_MSGPACK_JSON_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "sio/common.h"

/* Containers nested in one decoded message, the outermost one counting 1. */
#define SIO__MP_MAX_DEPTH 32

/* Makes pk append to sb (borrowed for pk's life; sb's sticky error is set
 * when it runs out of memory, and msgpack-c's pack calls then fail). */
void sio__mp_packer_init(msgpack_packer *pk, sio__sb_t *sb);

/* ---- decoding ---- */

/* Strict, bounded decode of exactly one message in data[0..len). A pre-scan
 * rejects declared array/map/str/bin/ext sizes that exceed the remaining bytes,
 * nesting deeper than SIO__MP_MAX_DEPTH, the unused byte 0xc1 and trailing
 * bytes, before msgpack-c allocates anything. 0 with *out filled (release it
 * with msgpack_unpacked_destroy), SIO_EPROTO, or SIO_ENOMEM; *out needs no
 * initialisation and holds nothing to free on error.
 * Lifetime: strings, binaries and ext payloads of *out point INTO data
 * (msgpack-c references them): every borrowed pointer taken from *out (also by
 * the functions below) is valid while both data and *out are. */
int sio__mp_unpack(const char *data, size_t len, msgpack_unpacked *out);
/* The same with a bound on what the message may cost once unpacked: its bytes
 * plus one msgpack_object per value (a byte on the wire can become a 24-byte
 * object). Past max_cost: SIO_ELIMIT, before msgpack-c allocates anything.
 * sio__mp_unpack uses SIO__MP_MAX_COST_DEFAULT. */
#define SIO__MP_MAX_COST_DEFAULT (32u * 1024 * 1024)
int sio__mp_unpack_max(const char *data, size_t len, size_t max_cost,
                       msgpack_unpacked *out);

/* The value of key (a NUL-terminated string) in map, the last one if the key
 * repeats (as JavaScript keeps it), or NULL when map is NULL, not a map, or has
 * no such string key. Borrowed from map. */
const msgpack_object *sio__mp_map_get(const msgpack_object *map, const char *key);
/* Any integer width that fits int64_t, or a float32/float64 holding a whole
 * number in int64_t's range. 0 or SIO_EINVAL (NULL, another type, out of range). */
int sio__mp_get_int(const msgpack_object *o, int64_t *out);
/* A str: *s (not NUL-terminated, may hold NUL bytes, UTF-8 not checked; never
 * NULL, "" when empty) borrowed from o, *len its length. 0 or SIO_EINVAL. */
int sio__mp_get_str(const msgpack_object *o, const char **s, size_t *len);
/* A boolean: *out 0 or 1. 0 or SIO_EINVAL. */
int sio__mp_get_bool(const msgpack_object *o, int *out);

/* ---- msgpack -> JSON text ---- */

/* One msgpack value -> JSON text appended to json: compact, as Node's
 * JSON.stringify would print what notepack decodes (numbers: see above;
 * strings escaped, invalid UTF-8 replaced by U+FFFD as Node's decoder does;
 * nil -> null). Map keys must be strings. A bin becomes
 * {"_placeholder":true,"num":N} with the bin appended to *att as attachment N
 * (base/len borrowed from the unpacked message); *att is an array grown by
 * these functions with sio_realloc (start with NULL and *natt 0; the caller
 * frees it with sio_free, also after an error), and *natt never exceeds
 * max_att (SIO_ELIMIT). ext -1 (timestamp) becomes the ISO-8601 string Node
 * prints for a Date (null out of the Date range); any other ext is SIO_EPROTO,
 * and so is a map that libsio would read as a placeholder (its "_placeholder"
 * is true), so a peer cannot forge a reference to an attachment. Depth bounded
 * (SIO__MP_MAX_DEPTH, SIO_ELIMIT). On error json and *att hold partial output,
 * to be discarded. */
int sio__mp_to_json(const msgpack_object *o, sio__sb_t *json, sio_buf_t **att,
                    size_t *natt, size_t max_att);
/* The same as the dialect of notepack.io 2 (what socket.io-msgpack-parser 3
 * speaks) decodes it: ext type 0 of 1 byte sent as fixext 1 is undefined
 * (null in an array, the member left out in a map, as JSON.stringify does),
 * of 8 bytes sent as fixext 8 a Date (int64 ms; its ISO-8601 string), any
 * other ext type 0 an ArrayBuffer (a binary, like bin); an ext of another
 * type the array [type, <binary>]. dialect SIO__MP_NOTEPACK3 is
 * sio__mp_to_json. */
enum { SIO__MP_NOTEPACK3 = 0, SIO__MP_NOTEPACK2 = 1 };
int sio__mp_to_json_as(const msgpack_object *o, int dialect, sio__sb_t *json,
                       sio_buf_t **att, size_t *natt, size_t max_att);
/* 1 if o is undefined in that dialect (notepack.io 2's fixext 1 of type 0;
 * o must come from sio__mp_unpack), else 0. */
int sio__mp_is_undefined(const msgpack_object *o, int dialect);
/* The same for each element of array o from index `from` on (nothing if from
 * is past the end), comma-separated: an event's args out of an array.
 * SIO_EPROTO if o is not an array. */
int sio__mp_array_to_json(const msgpack_object *o, size_t from, sio__sb_t *json,
                          sio_buf_t **att, size_t *natt, size_t max_att);

/* ---- JSON text -> msgpack ---- */

/* JSON text (as core/json.h validates it: strict RFC 8259, UTF-8, lone
 * surrogate escapes read as U+FFFD; whitespace allowed around tokens) ->
 * msgpack as notepack.io 3 writes it: whole numbers as the shortest int (see
 * above), others float64, strings a0-bf/d9/da/db, arrays/maps with the
 * shortest header, object keys in text order (duplicates kept), placeholders
 * (an object whose last "_placeholder" member is true; its "num" must be a
 * number whose value is an integer indexing att, else SIO_EPROTO) -> bin
 * (c4/c5/c6) of att[num]. Containers nest at most max_depth deep (1 to
 * SIO__MP_MAX_DEPTH; 0 or more means SIO__MP_MAX_DEPTH; SIO_ELIMIT past it).
 * pack_json packs exactly ONE value; pack_json_list packs each value of a
 * comma-separated list (possibly empty or all whitespace) as consecutive
 * elements (the caller writes the array header; count_json_list tells how many
 * values the list holds, validating it). The whole text is validated before
 * anything is packed. att/json are borrowed for the call. On error pk may have
 * received part of the output: discard it. */
int sio__mp_pack_json(msgpack_packer *pk, const char *json, size_t len,
                      const sio_buf_t *att, size_t natt, unsigned max_depth);
int sio__mp_pack_json_list(msgpack_packer *pk, const char *json, size_t len,
                           const sio_buf_t *att, size_t natt, unsigned max_depth);
int sio__mp_count_json_list(const char *json, size_t len, unsigned max_depth,
                            size_t *count);

#endif
