/* permessage-deflate (RFC 7692): the settings a server or client starts
 * from, the parameters one connection ends up with, their negotiation in the
 * Sec-WebSocket-Extensions headers, compressed frames and the bounded
 * inflater. No I/O; zlib allocates through the sio allocator hook.
 *
 * Outgoing messages are always compressed with a fresh context (the server
 * never keeps a compressor per connection): a frame compressed once can then
 * go to every recipient whose window allows it, which is what lets a
 * broadcast compress once. The answer therefore always carries
 * server_no_context_takeover, which also lets clients drop their inflater
 * between messages. */
#ifndef SIO_WS_DEFLATE_H
#define SIO_WS_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "sio/common.h"
#include "ws/ws_frame.h"

/* What an endpoint is willing to do (an option set, copied by value). */
typedef struct {
  uint8_t enabled;          /* 0: never offered / accepted */
  int8_t level;             /* zlib level -1 (default) .. 9 */
  uint8_t mem_level;        /* zlib memLevel 1..9 (compression state size) */
  uint8_t own_bits;         /* 9..15: the window this side compresses with */
  uint8_t peer_bits;        /* 8..15: the largest window asked of the peer */
  uint8_t peer_no_takeover; /* ask the peer to reset its context per message */
  size_t threshold;         /* smallest payload compressed */
} sio__ws_deflate_cfg_t;

/* Defaults: disabled, level -1, memLevel 8, windows 15, peer context
 * takeover allowed, threshold 1024 (Node's). */
void sio__ws_deflate_cfg_init(sio__ws_deflate_cfg_t *cfg);

/* The parameters in force on one connection. */
typedef struct {
  uint8_t on;             /* the extension was negotiated */
  uint8_t out_bits;       /* window of what we compress (9..15); 0: send plain */
  uint8_t in_bits;        /* window the peer compresses with: our inflater's */
  uint8_t in_no_takeover; /* the peer resets its context every message */
} sio__ws_pmd_t;

/* Server side. v[0..len) is the client's Sec-WebSocket-Extensions value (v
 * NULL: none). Takes the first permessage-deflate offer whose parameters are
 * valid (RFC 7692 7.1: no unknown or repeated parameter, windows 8..15) and
 * fills *pmd and resp (the answer's header value, NUL-terminated, at most
 * resp_cap bytes with the NUL). Returns 1 when accepted, 0 when there is no
 * acceptable offer or cfg is disabled (*pmd zeroed, no header to send). */
int sio__ws_pmd_negotiate(const sio__ws_deflate_cfg_t *cfg, const char *v, size_t len,
                          sio__ws_pmd_t *pmd, char *resp, size_t resp_cap);

/* Client side: the offer for cfg into out (NUL-terminated; out_cap >= 96).
 * Returns its length, 0 if cfg is disabled. */
size_t sio__ws_pmd_offer(const sio__ws_deflate_cfg_t *cfg, char *out, size_t out_cap);
/* Client side: the server's answer v[0..len) (v NULL: no header) to our
 * offer. 0 and *pmd (pmd->on 0 when the server declined), or SIO_EPROTO for
 * an answer we did not offer or cannot honour (the connection must fail). */
int sio__ws_pmd_accept(const sio__ws_deflate_cfg_t *cfg, const char *v, size_t len,
                       sio__ws_pmd_t *pmd);

/* A final frame (RSV1 set) of op whose payload is parts[0..nparts)
 * compressed with a fresh raw deflate context (window 2^bits, trailing
 * 00 00 ff ff removed, RFC 7692 7.2.1), masked with mask when non-NULL. The
 * frame is (*off, *len) of the returned rbuf (refs 1), or NULL when out of
 * memory. The zlib state lives only for the call. */
sio__rbuf_t *sio__ws_frame_new_deflated(sio__ws_opcode_t op, const sio_buf_t *parts,
                                        size_t nparts, const uint8_t mask[4], int level,
                                        int mem_level, int bits, size_t *off,
                                        size_t *len);

/* The receiving side: one per connection, zero-initialised. Its zlib state
 * (about 7 KB plus the 2^in_bits window) exists only while needed: from the
 * first compressed message on when the peer keeps its context, else only
 * during a message. */
typedef struct {
  void *z;      /* z_stream, or NULL */
  uint8_t *buf; /* output, or NULL */
  size_t cap;
} sio__ws_inflater_t;

/* Inflates one message in[0..len) (the payload of its frames, in order) into
 * a buffer of inf, never allocating or producing more than max bytes (max
 * 0: no bound). *out / *out_len are valid until the next call or free.
 * Returns 0, or an error with *close_code: SIO_EMSGSIZE / 1009 (inflates
 * past max), SIO_EPROTO / 1007 (corrupt data), SIO_ENOMEM / 1011. */
int sio__ws_inflate(sio__ws_inflater_t *inf, const sio__ws_pmd_t *pmd, const uint8_t *in,
                    size_t len, size_t max, uint8_t **out, size_t *out_len,
                    uint16_t *close_code);
/* After a message was used: frees the output buffer unless the peer keeps
 * its context (then the zlib state stays anyway), so a connection whose
 * peer resets its context holds nothing between messages. */
void sio__ws_inflater_release(sio__ws_inflater_t *inf);
/* Bytes the inflater holds between messages (zlib state and buffer). */
size_t sio__ws_inflater_held(const sio__ws_inflater_t *inf);
/* Frees everything. Idempotent. */
void sio__ws_inflater_free(sio__ws_inflater_t *inf);

#endif
