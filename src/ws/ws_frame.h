/* RFC 6455 frame codec, one for both roles: a decoder that turns a byte
 * stream into messages and control frames, and encoders for frames.
 *
 * Decoder choices (all deliberate):
 * - Non-minimal length encodings (e.g. 5 sent with the 16-bit form) are
 *   accepted. RFC 6455 5.2 says "the minimal number of bytes MUST be used",
 *   but gives receivers no rule, and common servers (Node's ws, the
 *   reference behind socket.io) accept them; refusing them buys nothing.
 *   A 64-bit length with its most significant bit set is refused (1002).
 * - Invalid UTF-8 in a text message fails with 1007 at the first byte that
 *   makes it impossible, even inside a fragment or a partial frame; an
 *   incomplete sequence at FIN fails too.
 * - A close frame's bad payload (length 1, a code that may not be received,
 *   a reason that is not UTF-8) fails with 1002.
 * - RSV1 marks a compressed message (permessage-deflate) when the owner
 *   allowed it (sio__ws_decoder_allow_rsv1): only on a message's first data
 *   frame. Every other RSV bit, and RSV1 otherwise, fails with 1002. A
 *   compressed message is delivered as it came (compressed, its UTF-8 not
 *   checked): the owner inflates and checks it.
 * - max_message bounds a whole message (all fragments together) and is
 *   checked from each frame header, before any payload is buffered.
 * - Frames after a close frame are still decoded: RFC 6455 says none may
 *   follow, and the connection layer stops feeding once it has seen one.
 *
 * Memory: the decoder is a small struct (embed it) holding only what lasts
 * the connection's life: its limit, role, RSV1 permission and sticky error.
 * Everything about a frame or message in progress (a partial header, the
 * current frame's fields and mask, the UTF-8 state of an open text message,
 * the reassembly buffer, a partial control payload) lives in a block that
 * exists only while a feed has ended inside a frame or inside a fragmented
 * message; it is freed when a feed ends back at a frame boundary with no
 * message open, and on error. Frames that arrive whole in one feed never
 * allocate. The reassembly buffer grows only as the bytes arrive (a header
 * that announces a large frame does not reserve it).
 *
 * Not thread-safe; no I/O. */
#ifndef SIO_WS_FRAME_H
#define SIO_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "core/utf8.h"
#include "sio/common.h"

typedef enum {
  SIO__WS_OP_CONT = 0,
  SIO__WS_OP_TEXT = 1,
  SIO__WS_OP_BINARY = 2,
  SIO__WS_OP_CLOSE = 8,
  SIO__WS_OP_PING = 9,
  SIO__WS_OP_PONG = 10
} sio__ws_opcode_t;

typedef enum { SIO__WS_ROLE_SERVER, SIO__WS_ROLE_CLIENT } sio__ws_role_t;

/* Close codes the decoder fails with (and that endpoints commonly send). */
#define SIO_WS_CLOSE_NORMAL 1000
#define SIO_WS_CLOSE_GOING_AWAY 1001
#define SIO_WS_CLOSE_PROTOCOL 1002
#define SIO_WS_CLOSE_NO_STATUS 1005 /* never sent: "the close frame had no code" */
#define SIO_WS_CLOSE_ABNORMAL 1006  /* never sent: "the TCP connection dropped" */
#define SIO_WS_CLOSE_INVALID_DATA 1007
#define SIO_WS_CLOSE_TOO_BIG 1009
#define SIO_WS_CLOSE_INTERNAL 1011

/* The largest control-frame payload (RFC 6455 5.5). */
#define SIO_WS_MAX_CONTROL 125

/* A complete message or control frame handed to the callback. data is valid
 * only during the callback (it may point into the caller's input or into the
 * decoder's buffer); the callback may modify data[0..len). data is never NULL,
 * even when len is 0. */
typedef struct {
  sio__ws_opcode_t opcode; /* TEXT, BINARY, CLOSE, PING or PONG */
  uint8_t *data;           /* CLOSE: the reason text after the 2-byte code */
  size_t len;
  uint16_t close_code; /* CLOSE only: code received, 1005 if the frame had
                          none; 0 for other opcodes */
  uint8_t compressed;  /* TEXT/BINARY: RSV1 was set (permessage-deflate) */
} sio__ws_msg_t;

/* Return 0 to continue, non-zero to stop feeding (that value is returned by
 * feed). */
typedef int (*sio__ws_msg_cb)(void *arg, const sio__ws_msg_t *msg);

/* Mid-frame / mid-message state, private to ws_frame.c. */
struct sio__ws_partial;

/* Private fields: use the functions below. */
typedef struct sio__ws_decoder {
  size_t max_message;           /* SIZE_MAX when unlimited */
  struct sio__ws_partial *part; /* NULL at rest (see "Memory" above) */
  size_t consumed;              /* input bytes the last feed consumed */
  int err;                      /* sticky error (negative) or 0 */
  uint16_t fail_code;           /* close code after an error */
  uint8_t role;                 /* sio__ws_role_t */
  uint8_t rsv1_ok;              /* permessage-deflate negotiated: RSV1 allowed */
} sio__ws_decoder_t;

/* Starts a decoder for role (a server decodes what clients send: masked
 * frames). max_message: the largest message accepted (0 = no limit). */
void sio__ws_decoder_init(sio__ws_decoder_t *d, sio__ws_role_t role, size_t max_message);

/* Allows RSV1 on the first frame of data messages (permessage-deflate was
 * negotiated). */
void sio__ws_decoder_allow_rsv1(sio__ws_decoder_t *d, int on);

/* Feeds data[0..len), which is modified in place (unmasking) and borrowed for
 * the call only. Calls cb for each complete data message (fragments
 * reassembled) and each control frame (which may arrive between fragments),
 * in stream order. Returns:
 * - 0 when all input was consumed;
 * - the callback's non-zero value if it stopped: the bytes after the frame it
 *   was called for are not consumed (see sio__ws_decoder_consumed), and the
 *   decoder is at a frame boundary, so they may be fed again later;
 * - a negative error with *close_code set (close_code may be NULL):
 *   SIO_EPROTO / 1002 for a protocol error (server: unmasked frame; client:
 *   masked frame; RSV bits; reserved opcode; control frame fragmented or
 *   > 125 bytes; continuation without a start; new data frame while a
 *   fragmented message is open; 64-bit length with the top bit set; bad close
 *   payload: length 1, a code sio__ws_close_code_valid refuses, a reason that
 *   is not UTF-8), SIO_EILSEQ / 1007 for invalid UTF-8 in a text message,
 *   SIO_EMSGSIZE / 1009 for a message larger than max_message, SIO_ENOMEM /
 *   1011 when buffering failed. After an error the decoder stays failed: every
 *   later feed returns the same error and code without calling cb.
 * A message that arrives whole in one feed is delivered pointing into data
 * without a copy; only partial frames and fragmented messages are copied into
 * the decoder's buffer. cb must not call feed or free on the same decoder. */
int sio__ws_decoder_feed(sio__ws_decoder_t *d, uint8_t *data, size_t len,
                         sio__ws_msg_cb cb, void *arg, uint16_t *close_code);
/* Input bytes the last feed consumed (len unless the callback stopped it). */
size_t sio__ws_decoder_consumed(const sio__ws_decoder_t *d);
/* Bytes the decoder holds now (partial header, control payload and message). */
size_t sio__ws_decoder_buffered(const sio__ws_decoder_t *d);
/* Bytes the decoder has allocated now: 0 at rest (at a frame boundary with no
 * fragmented message open, or failed), else its mid-frame block plus the
 * reassembly buffer's capacity. */
size_t sio__ws_decoder_held(const sio__ws_decoder_t *d);
/* The largest message accepted (SIZE_MAX when unlimited) and the role. */
static inline size_t sio__ws_decoder_max_message(const sio__ws_decoder_t *d) {
  return d->max_message;
}
static inline sio__ws_role_t sio__ws_decoder_role(const sio__ws_decoder_t *d) {
  return (sio__ws_role_t)d->role;
}
/* Frees its buffers; sio__ws_decoder_init again to reuse. Idempotent. */
void sio__ws_decoder_free(sio__ws_decoder_t *d);

/* XORs p[0..n) with mask, as if p started at byte offset off of the payload
 * (so a payload can be unmasked in pieces). Word-at-a-time. */
void sio__ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off);

/* Writes a frame header (2..14 bytes, minimal length form) to out and returns
 * its size. mask NULL = unmasked (server); otherwise the mask bit and the 4
 * key bytes are written (the payload must be masked by the caller). */
size_t sio__ws_frame_header(uint8_t out[14], sio__ws_opcode_t op, int fin, uint64_t len,
                            const uint8_t mask[4]);
/* Same, with RSV1 set when rsv1 is non-zero (a compressed message's first
 * frame). */
size_t sio__ws_frame_header_ex(uint8_t out[14], sio__ws_opcode_t op, int fin, int rsv1,
                               uint64_t len, const uint8_t mask[4]);

/* A whole final frame (header + the bytes of parts[0..nparts) concatenated,
 * masked with mask when non-NULL) in one new rbuf (refs 1, caller owns), or
 * NULL when out of memory (or a control frame would exceed 125 bytes). parts
 * and mask are borrowed for the call. The server builds a frame once and
 * queues the same rbuf on many connections. */
sio__rbuf_t *sio__ws_frame_new(sio__ws_opcode_t op, const sio_buf_t *parts, size_t nparts,
                               const uint8_t mask[4]);
/* A close frame with code (0 = no payload; the reason is then ignored) and an
 * optional NUL-terminated reason (borrowed), cut at a UTF-8 character boundary
 * to fit 123 bytes. NULL when out of memory. */
sio__rbuf_t *sio__ws_close_frame_new(uint16_t code, const char *reason,
                                     const uint8_t mask[4]);
/* 1 if a peer may send code in a close frame (RFC 6455 7.4: 1000-1003,
 * 1007-1014 and 3000-4999), else 0. */
int sio__ws_close_code_valid(uint16_t code);

#endif
