/* Base64 (RFC 4648). Standard alphabet with '=' padding for Engine.IO's
 * polling "b<base64>" packets and the WebSocket handshake; the URL-safe
 * alphabet without padding for ids that go into query strings.
 *
 * Decoding policy:
 * - sio__base64_decode is strict: length % 4 must be 0 (padding required),
 *   only the standard alphabet, '=' only as the last one or two characters of
 *   the text, and the unused low bits of the last symbol must be zero, so that
 *   every accepted text is the canonical encoding of its bytes.
 * - sio__base64_decode_loose is what Engine.IO's polling decoder uses. Node's
 *   Buffer.from(s, "base64"), which the reference server uses, accepts a
 *   missing or partial padding ("QQ", "QQ=") and non-zero trailing bits, so
 *   we accept those too (up to two trailing '=' are dropped whatever the
 *   length); data of length % 4 == 1 can never be whole bytes and is
 *   rejected (Node drops the stray char). Node also silently
 *   skips characters outside the alphabet (including whitespace and the
 *   URL-safe '-' '_'); we do not: no client sends them, and skipping garbage
 *   would hide broken peers.
 *
 * Pure: no allocation except through the sio__sb_t builder. */
#ifndef SIO_CORE_BASE64_H
#define SIO_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

/* Characters of the padded standard encoding of n bytes: 4 * ceil(n / 3).
 * Returns SIZE_MAX when that does not fit in a size_t. */
size_t sio__base64_encoded_len(size_t n);
/* Writes the padded standard encoding of in[0..n) to out (which must have room
 * for sio__base64_encoded_len(n) chars; must not overlap in). Returns the
 * number of chars written; no NUL is added. */
size_t sio__base64_encode(char *out, const uint8_t *in, size_t n);
/* Appends the padded standard encoding of in[0..n) to sb (errors are sticky in
 * sb). in is borrowed for the call. */
void sio__base64_append(sio__sb_t *sb, const uint8_t *in, size_t n);
/* Strict decode of in[0..n) (see policy above) into out, which needs room for
 * n / 4 * 3 bytes. out may equal in (in-place decode); other overlaps are not
 * allowed. Returns the number of bytes written, or SIO_EINVAL (out's content
 * is then unspecified). n 0 decodes to 0 bytes. */
long sio__base64_decode(uint8_t *out, const char *in, size_t n);
/* Node-compatible decode (see policy above): like sio__base64_decode but a
 * missing or partial padding and non-zero trailing bits are accepted. out
 * needs room for n / 4 * 3 + 2 bytes; out may equal in. */
long sio__base64_decode_loose(uint8_t *out, const char *in, size_t n);
/* Chars of the unpadded URL-safe encoding of n bytes: ceil(4n / 3). */
size_t sio__base64url_encoded_len(size_t n);
/* Writes the unpadded URL-safe ('-', '_') encoding of in[0..n) to out (room for
 * sio__base64url_encoded_len(n) chars). Returns chars written; no NUL. */
size_t sio__base64url_encode(char *out, const uint8_t *in, size_t n);

#endif
