/* Engine.IO v3 wire forms (docs/PROTOCOL.md, "Engine.IO v3 clients"), for
 * servers that accept EIO=3 clients. Pure: bytes in, values out; decoded
 * packets borrow from the caller's buffer.
 *
 * v3 polling payloads come in two formats:
 * - text: each packet as "<length>:<packet>", the length counted in UTF-16
 *   code units as a JavaScript peer counts string lengths; a binary message
 *   is "b4<base64>" (clients that sent b64=1 get only this format);
 * - binary (application/octet-stream): each packet as a marker byte (0 text,
 *   1 binary), the decimal digits of its byte length as bytes 0..9, 0xFF,
 *   then the packet: text as UTF-8, binary as the type byte 4 + the data.
 * Over WebSocket a binary message is a binary frame of the type byte 4 + the
 * data, or the text frame "b4<base64>".
 *
 * Choices (stricter than the reference, which decodes what it can): a text
 * packet must be valid UTF-8, a length must end exactly on a character
 * boundary, a length has at most SIO__EIO_V3_MAX_DIGITS digits, a marker byte
 * is 0 or 1, and a binary packet or "b<type>" form must be a message (4). */
#ifndef SIO_EIO_V3_H
#define SIO_EIO_V3_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "eio/eio_packet.h"

/* Digits a v3 length may have: 10 cover any body under 4 GB. */
#define SIO__EIO_V3_MAX_DIGITS 10

/* The length of UTF-8 text p[0..n) in UTF-16 code units (4-byte sequences
 * count 2). Expects valid UTF-8; counts lead bytes otherwise. */
size_t sio__eio_v3_utf16_len(const uint8_t *p, size_t n);

/* Decodes a v3 polling POST body: the binary format when binary is non-zero
 * (Content-Type application/octet-stream), else the text format. Packets go
 * to cb in order ("b4" pieces decoded IN PLACE in data); empty text packets
 * ("0:") are skipped as the reference skips them. An empty body or any
 * malformed packet returns SIO_EPROTO after the packets before it were
 * delivered. Returns 0, the cb's non-zero value, or SIO_EPROTO. */
int sio__eio_v3_decode_payload(uint8_t *data, size_t len, int binary,
                               sio__eio_packet_cb cb, void *arg);

/* Decodes one v3 WebSocket message: a binary frame is the type byte 4 + the
 * data; a text frame "b4<base64>" is a binary message (decoded IN PLACE);
 * other text is "<type digit><data>". SIO_EPROTO otherwise. */
int sio__eio_v3_decode_ws(uint8_t *data, size_t len, int is_binary,
                          sio__eio_packet_t *out);

/* Appends one packet to a text-format payload: "<len>:<type><data>" or, for
 * a binary message, "<len>:b4<base64>". data borrowed (NULL when len 0). */
void sio__eio_v3_text_append(sio__sb_t *sb, sio__eio_type_t type, int binary,
                             const uint8_t *data, size_t len);
/* Appends one packet to a binary-format payload. */
void sio__eio_v3_binary_append(sio__sb_t *sb, sio__eio_type_t type, int binary,
                               const uint8_t *data, size_t len);

#endif
