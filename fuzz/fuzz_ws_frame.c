/* Fuzz target: the WebSocket frame decoder (src/ws/ws_frame.h), both roles.
 *
 * Input: byte 0 chooses the role (bit 0: client) and max_message (bits 1-2:
 * unlimited, 20, 300, 70000); bytes 1-4 are chunk sizes (each % 64, used in
 * turn); the rest is the byte stream. The stream is decoded three ways:
 * in one feed, in chunks of those sizes (each an exact-size heap copy, so
 * ASan sees any over-read), and in one feed whose callback stops after every
 * message and is resumed from sio__ws_decoder_consumed. All three must
 * deliver the same messages and end with the same result and close code.
 * Every message must satisfy the header's promises (valid UTF-8 text, control
 * payloads <= 125 bytes, valid close codes, max_message), and re-encoding it
 * with sio__ws_frame_new / sio__ws_close_frame_new must decode to the same
 * message. The callback overwrites each message's data, as it may. */
#include "core/utf8.h"
#include "sio/common.h"
#include "ws/ws_frame.h"

#include "fuzz_common.h"

typedef struct {
  fz_log_t log;
  sio__ws_role_t role;
  size_t max_message;
  int stop;      /* return this from the callback (0: continue) */
  int reencode;  /* check the encoders on each message */
  unsigned msgs; /* messages seen */
} wf_run_t;

static void wf_check_msg(const wf_run_t *r, const sio__ws_msg_t *m) {
  FZ_CHECK(m->data != NULL);
  switch (m->opcode) {
    case SIO__WS_OP_TEXT:
      FZ_CHECK(sio__utf8_valid(m->data, m->len));
      /* fallthrough */
    case SIO__WS_OP_BINARY:
      FZ_CHECK(m->close_code == 0);
      FZ_CHECK(m->len <= r->max_message);
      break;
    case SIO__WS_OP_PING:
    case SIO__WS_OP_PONG:
      FZ_CHECK(m->close_code == 0 && m->len <= SIO_WS_MAX_CONTROL);
      break;
    case SIO__WS_OP_CLOSE:
      if (m->close_code == SIO_WS_CLOSE_NO_STATUS)
        FZ_CHECK(m->len == 0);
      else
        FZ_CHECK(sio__ws_close_code_valid(m->close_code));
      FZ_CHECK(m->len <= SIO_WS_MAX_CONTROL - 2 && sio__utf8_valid(m->data, m->len));
      break;
    default:
      FZ_CHECK(!"bad opcode");
  }
}

typedef struct {
  const sio__ws_msg_t *want;
  int got;
} wf_one_t;

static int wf_one_cb(void *arg, const sio__ws_msg_t *m) {
  wf_one_t *o = arg;
  o->got++;
  FZ_CHECK(m->opcode == o->want->opcode && m->close_code == o->want->close_code);
  FZ_CHECK(m->len == o->want->len);
  if (m->len) FZ_CHECK(memcmp(m->data, o->want->data, m->len) == 0);
  return 0;
}

/* Encodes m again the way the peer would and decodes it. */
static void wf_reencode(const wf_run_t *r, const sio__ws_msg_t *m) {
  static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  const uint8_t *mk = r->role == SIO__WS_ROLE_SERVER ? mask : NULL;
  sio__rbuf_t *f;
  if (m->opcode == SIO__WS_OP_CLOSE) {
    if (memchr(m->data, 0, m->len)) return; /* the encoder takes a C string */
    char reason[SIO_WS_MAX_CONTROL + 1];
    memcpy(reason, m->data, m->len);
    reason[m->len] = 0;
    uint16_t code = m->close_code == SIO_WS_CLOSE_NO_STATUS ? 0 : m->close_code;
    f = sio__ws_close_frame_new(code, reason, mk);
  } else {
    sio_buf_t part = {m->data, m->len};
    f = sio__ws_frame_new(m->opcode, &part, 1, mk);
  }
  FZ_CHECK(f != NULL);
  sio__ws_decoder_t d;
  sio__ws_decoder_init(&d, r->role, 0);
  wf_one_t o = {m, 0};
  uint16_t code = 0;
  uint8_t *bytes = fz_dup(f->data, f->len);
  FZ_CHECK(sio__ws_decoder_feed(&d, bytes, f->len, wf_one_cb, &o, &code) == 0);
  FZ_CHECK(o.got == 1);
  free(bytes);
  sio__ws_decoder_free(&d);
  sio__rbuf_unref(f);
}

static int wf_cb(void *arg, const sio__ws_msg_t *m) {
  wf_run_t *r = arg;
  wf_check_msg(r, m);
  uint32_t tag = (uint32_t)m->opcode | (uint32_t)m->close_code << 8;
  fz_log_rec(&r->log, tag, m->data, m->len);
  r->msgs++;
  if (r->reencode) wf_reencode(r, m);
  /* The callback may modify the data: nothing later may depend on it. */
  if (m->len) memset(m->data, 0xa5, m->len);
  return r->stop;
}

static void wf_end(wf_run_t *r, int rc, uint16_t code) {
  int32_t rec[2] = {rc, rc < 0 ? code : 0};
  fz_log_rec(&r->log, 0xffffffffu, rec, sizeof(rec));
}

static void wf_check_buffered(const wf_run_t *r, const sio__ws_decoder_t *d, size_t fed) {
  size_t b = sio__ws_decoder_buffered(d);
  FZ_CHECK(b <= fed);
  /* Memory follows the bytes that arrived, not what a header announces. */
  FZ_CHECK(sio__ws_decoder_held(d) <= 2 * fed + 1024 + 512); /* 512: the frame state */
  FZ_CHECK(b <= 14 + SIO_WS_MAX_CONTROL || b - 14 - SIO_WS_MAX_CONTROL <= r->max_message);
}

static int fuzz_ws_frame(const uint8_t *data, size_t size) {
  static const size_t limits[4] = {0, 20, 300, 70000};
  if (size < 5 || size > 1 << 20) return 0;
  sio__ws_role_t role = (data[0] & 1) ? SIO__WS_ROLE_CLIENT : SIO__WS_ROLE_SERVER;
  size_t max_message = limits[(data[0] >> 1) & 3];
  uint8_t chunks[4];
  int any = 0;
  for (int i = 0; i < 4; i++) any |= (chunks[i] = data[1 + i] % 64) != 0;
  if (!any) chunks[0] = 1; /* some progress */
  const uint8_t *s = data + 5;
  size_t n = size - 5;

  wf_run_t one = {{0}, role, max_message ? max_message : SIZE_MAX, 0, 1, 0};
  wf_run_t cut = one, stop = one;
  cut.reencode = stop.reencode = 0;
  stop.stop = 7;
  sio__ws_decoder_t d;
  uint16_t code;
  int rc;

  /* 1. One feed. */
  sio__ws_decoder_init(&d, role, max_message);
  uint8_t *buf = fz_dup(s, n);
  code = 0;
  rc = sio__ws_decoder_feed(&d, buf, n, wf_cb, &one, &code);
  FZ_CHECK(rc <= 0);
  if (rc == 0) FZ_CHECK(sio__ws_decoder_consumed(&d) == n);
  if (rc < 0) {
    /* Sticky: the same error again, without a callback. */
    uint16_t code2 = 0;
    unsigned before = one.msgs;
    FZ_CHECK(sio__ws_decoder_feed(&d, buf, n, wf_cb, &one, &code2) == rc);
    FZ_CHECK(code2 == code && one.msgs == before);
  } else {
    wf_check_buffered(&one, &d, n);
  }
  wf_end(&one, rc, code);
  free(buf);
  sio__ws_decoder_free(&d);
  sio__ws_decoder_free(&d); /* idempotent */

  /* 2. Chunks. */
  sio__ws_decoder_init(&d, role, max_message);
  size_t off = 0, k = 0;
  rc = 0;
  code = 0;
  while (off < n) {
    size_t len = chunks[k++ % 4];
    if (len > n - off) len = n - off;
    uint8_t *c = fz_dup(s + off, len);
    rc = sio__ws_decoder_feed(&d, c, len, wf_cb, &cut, &code);
    free(c);
    FZ_CHECK(rc <= 0);
    if (rc < 0) break;
    FZ_CHECK(sio__ws_decoder_consumed(&d) == len);
    off += len;
    wf_check_buffered(&cut, &d, off);
    FZ_CHECK(k <= 4 * n + 8); /* zero-size chunks cannot loop forever */
  }
  wf_end(&cut, rc, code);
  sio__ws_decoder_free(&d);

  /* 3. Stop after every message, resume with the unconsumed rest. */
  sio__ws_decoder_init(&d, role, max_message);
  buf = fz_dup(s, n);
  off = 0;
  rc = 0;
  code = 0;
  for (size_t rounds = 0;; rounds++) {
    FZ_CHECK(rounds <= n + 1);
    unsigned before = stop.msgs;
    rc = sio__ws_decoder_feed(&d, buf + off, n - off, wf_cb, &stop, &code);
    size_t used = sio__ws_decoder_consumed(&d);
    if (rc < 0) break;
    FZ_CHECK(used <= n - off);
    off += used;
    if (rc == 0) {
      FZ_CHECK(off == n);
      break;
    }
    FZ_CHECK(rc == 7 && stop.msgs == before + 1);
  }
  wf_end(&stop, rc, code);
  free(buf);
  sio__ws_decoder_free(&d);

  if (!fz_log_eq(&one.log, &cut.log)) FZ_CHECK(!"chunked feed differs from one feed");
  if (!fz_log_eq(&one.log, &stop.log)) FZ_CHECK(!"stop/resume differs from one feed");
  fz_log_free(&one.log);
  fz_log_free(&cut.log);
  fz_log_free(&stop.log);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_ws_frame(data, size);
}
#endif
