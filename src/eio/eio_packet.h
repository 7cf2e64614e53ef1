/* Engine.IO v4 packets and polling payloads (docs/PROTOCOL.md §1.2-1.4). Pure: bytes
 * in, values out; decoded packets borrow from the caller's buffer.
 *
 * Choices:
 * - A WebSocket text frame "b<base64>" is a binary message, as in the
 *   reference (engine.io-client sends it with forceBase64); it is decoded in
 *   place with the polling rules below, so bad base64 is SIO_EPROTO where
 *   the reference would decode what it can of it.
 * - Polling text pieces must be valid UTF-8 (SIO_EPROTO otherwise). The
 *   reference decodes bodies as UTF-8 with replacement characters; we refuse
 *   instead of changing bytes, so text relayed to a WebSocket peer is always
 *   a valid text frame.
 * - 'b' pieces are decoded like Node's Buffer.from(s, "base64") for padding
 *   (see core/base64.h: sio__base64_decode_loose). */
#ifndef SIO_EIO_PACKET_H
#define SIO_EIO_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

typedef enum {
  SIO__EIO_OPEN = 0,
  SIO__EIO_CLOSE = 1,
  SIO__EIO_PING = 2,
  SIO__EIO_PONG = 3,
  SIO__EIO_MESSAGE = 4,
  SIO__EIO_UPGRADE = 5,
  SIO__EIO_NOOP = 6
} sio__eio_type_t;

/* The polling payload separator (ASCII record separator). */
#define SIO_EIO_SEPARATOR 0x1e

typedef struct {
  sio__eio_type_t type;
  int binary;          /* 1: binary message data (type is then MESSAGE) */
  const uint8_t *data; /* payload after the type char (borrowed from input) */
  size_t len;
} sio__eio_packet_t;

/* Decodes one packet from a WebSocket message: text "4hello" / "2probe" / "5",
 * text "b<base64>" (a binary MESSAGE, decoded IN PLACE in data: the frame is
 * changed), or a binary frame (always a binary MESSAGE with the frame's
 * bytes). Empty text, a first char not '0'..'6' or 'b', or bad base64 gives
 * SIO_EPROTO. out->data borrows from data (never NULL on success, even when
 * len is 0). Returns 0 or SIO_EPROTO. Text is not checked for UTF-8 here: the
 * WebSocket decoder already did. */
int sio__eio_decode_ws(uint8_t *data, size_t len, int is_binary, sio__eio_packet_t *out);

/* Called for each packet; non-zero stops. p and p->data are valid only during
 * the call. */
typedef int (*sio__eio_packet_cb)(void *arg, const sio__eio_packet_t *p);

/* Decodes a polling body: splits on 0x1e, decodes each piece in order ('b' +
 * base64 is decoded IN PLACE in data, so data is mutable; borrowed for the
 * call), calls cb for each. An empty body, an empty piece, an invalid first
 * char, bad base64 or a text piece that is not UTF-8 returns SIO_EPROTO after
 * the pieces before it were delivered. Returns 0, the cb's non-zero value, or
 * SIO_EPROTO. */
int sio__eio_decode_payload(uint8_t *data, size_t len, sio__eio_packet_cb cb, void *arg);

/* Appends one packet in polling form to sb (errors sticky in sb): separator
 * 0x1e first unless first != 0, then the type digit + data for text, or 'b' +
 * base64(data) for binary (type is then ignored: only messages are binary).
 * data is borrowed for the call (may be NULL when len is 0). */
void sio__eio_payload_append(sio__sb_t *sb, int first, sio__eio_type_t type, int binary,
                             const uint8_t *data, size_t len);
/* The polling encoding size of that packet (without separator), for
 * maxPayload batching. */
size_t sio__eio_payload_size(sio__eio_type_t type, int binary, size_t len);

/* Appends the open packet text, exactly:
 * 0{"sid":"...","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
 * (upgrades [] when websocket_upgrade is 0). sid (NUL-terminated, borrowed) is
 * written as a JSON string ('"', '\\' and control chars escaped). */
void sio__eio_open_packet_append(sio__sb_t *sb, const char *sid, int websocket_upgrade,
                                 uint32_t ping_interval, uint32_t ping_timeout,
                                 uint64_t max_payload);

typedef struct {
  char sid[64];                         /* NUL-terminated */
  int upgrade_websocket;                /* 1 if "websocket" is among "upgrades" */
  uint32_t ping_interval, ping_timeout; /* ms; 0 when absent */
  uint64_t max_payload;                 /* bytes; 0 when absent */
} sio__eio_handshake_t;

/* Parses an open packet's JSON (client side, without the leading '0'): fills
 * out. Keys may be in any order; unknown keys are ignored; a repeated key:
 * the last wins. SIO_EPROTO if the text is not a JSON object, sid is missing,
 * empty, longer than 63 bytes or contains a NUL, or a value has the wrong type
 * (upgrades: array of strings; the numbers: non-negative integers that fit
 * their field). json is borrowed for the call. */
int sio__eio_parse_open(const uint8_t *json, size_t len, sio__eio_handshake_t *out);

#endif
