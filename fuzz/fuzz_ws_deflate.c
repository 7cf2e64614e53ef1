/* Fuzz target: the permessage-deflate receive path (src/ws/ws_deflate.h with
 * the frame decoder of src/ws/ws_frame.h), server role.
 *
 * Input: byte 0 chooses max_message (bits 0-1: 1, 100, 4096, 70000) and
 * whether the peer resets its context per message (bit 2); bytes 1-2 are a
 * little-endian length L; the next L bytes are a plaintext, the rest a
 * stream of masked frames (RSV1 allowed). The plaintext is compressed with
 * sio__ws_frame_new_deflated (masked, fresh context) and must decode and
 * inflate back to itself when it fits max_message, or fail with 1009 when it
 * does not. The frame stream is then decoded: every compressed message is
 * inflated within max_message and must either come out no longer than
 * max_message, with the inflater holding no output buffer larger than it,
 * or fail with 1009 (too large), 1007 (corrupt) or 1011 (memory). */
#include "sio/common.h"
#include "ws/ws_deflate.h"
#include "ws/ws_frame.h"

#include "fuzz_common.h"

typedef struct {
  sio__ws_pmd_t pmd;
  sio__ws_inflater_t inf;
  size_t max;
  const uint8_t *want; /* the plaintext expected (round trip), or NULL */
  size_t want_len;
  int got; /* messages seen */
  int failed;
} wd_run_t;

static int wd_on_msg(void *arg, const sio__ws_msg_t *m) {
  wd_run_t *r = arg;
  if (m->opcode != SIO__WS_OP_TEXT && m->opcode != SIO__WS_OP_BINARY) return 0;
  r->got++;
  uint8_t *out = m->data;
  size_t n = m->len;
  if (m->compressed) {
    uint16_t code = 0;
    int rc = sio__ws_inflate(&r->inf, &r->pmd, m->data, m->len, r->max, &out, &n, &code);
    FZ_CHECK(r->inf.cap <= r->max); /* never allocated past the bound */
    if (rc) {
      FZ_CHECK((rc == SIO_EMSGSIZE && code == SIO_WS_CLOSE_TOO_BIG) ||
               (rc == SIO_EPROTO && code == SIO_WS_CLOSE_INVALID_DATA) ||
               (rc == SIO_ENOMEM && code == SIO_WS_CLOSE_INTERNAL));
      r->failed = rc;
      return 1;
    }
    FZ_CHECK(out != NULL);
  }
  FZ_CHECK(n <= r->max);
  if (r->want) {
    FZ_CHECK(m->compressed);
    FZ_CHECK(n == r->want_len);
    FZ_CHECK(n == 0 || memcmp(out, r->want, n) == 0);
  }
  return 0;
}

static int fuzz_ws_deflate(const uint8_t *data, size_t size) {
  static const size_t maxes[4] = {1, 100, 4096, 70000};
  if (size < 3) return 0;
  size_t max = maxes[data[0] & 3];
  int no_takeover = (data[0] >> 2) & 1;
  size_t plen = (size_t)data[1] | (size_t)data[2] << 8;
  data += 3;
  size -= 3;
  if (plen > size) plen = size;
  sio__ws_pmd_t pmd = {1, 15, 15, (uint8_t)no_takeover};

  /* Round trip of the plaintext. */
  {
    sio_buf_t part = {data, plen};
    uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    size_t off, len;
    sio__rbuf_t *f = sio__ws_frame_new_deflated(SIO__WS_OP_BINARY, &part, 1, mask, -1, 8,
                                                15, &off, &len);
    FZ_CHECK(f != NULL);
    uint8_t *frame = fz_dup(f->data + off, len);
    sio__rbuf_unref(f);
    wd_run_t r = {.pmd = pmd, .max = max, .want = data, .want_len = plen};
    sio__ws_decoder_t d;
    sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, max);
    sio__ws_decoder_allow_rsv1(&d, 1);
    uint16_t code = 0;
    int rc = sio__ws_decoder_feed(&d, frame, len, wd_on_msg, &r, &code);
    if (plen <= max) {
      /* It must come back, unless its compressed form alone is over max. */
      if (rc == 0)
        FZ_CHECK(r.got == 1 && !r.failed);
      else
        FZ_CHECK(rc == SIO_EMSGSIZE && code == SIO_WS_CLOSE_TOO_BIG);
    } else {
      FZ_CHECK(rc == SIO_EMSGSIZE || (rc == 1 && r.failed == SIO_EMSGSIZE));
    }
    sio__ws_decoder_free(&d);
    sio__ws_inflater_free(&r.inf);
    free(frame);
  }

  /* The arbitrary frame stream. */
  {
    uint8_t *stream = fz_dup(data + plen, size - plen);
    wd_run_t r = {.pmd = pmd, .max = max};
    sio__ws_decoder_t d;
    sio__ws_decoder_init(&d, SIO__WS_ROLE_SERVER, max);
    sio__ws_decoder_allow_rsv1(&d, 1);
    uint16_t code = 0;
    sio__ws_decoder_feed(&d, stream, size - plen, wd_on_msg, &r, &code);
    FZ_CHECK(sio__ws_inflater_held(&r.inf) <= max + (1u << 20)); /* buffer + zlib */
    sio__ws_decoder_free(&d);
    sio__ws_inflater_free(&r.inf);
    free(stream);
  }
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_ws_deflate(data, size);
}
#endif
