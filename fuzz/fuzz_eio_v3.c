/* Fuzz target: Engine.IO v3 payloads and WebSocket messages
 * (src/eio/eio_v3.h), the decoder of what an EIO=3 client POSTs.
 *
 * Input: byte 0's bit 0 picks the payload format (1: binary, 0: text), bits
 * 1..3 after how many packets the callback stops (0 = never); the rest is
 * the data. It is decoded as a payload (in place on a copy): every packet
 * delivered must lie inside the buffer, be a known type, be UTF-8 when text
 * and a message when binary; a text packet's UTF-16 length must match an
 * independent count. What was delivered is encoded again in both formats
 * and must decode to the same packets. The data is also decoded as a v3
 * WebSocket text and binary message. */
#include "core/rbuf.h"
#include "core/utf8.h"
#include "eio/eio_v3.h"
#include "sio/common.h"

#include "fuzz_common.h"
#include "fuzz_eio_checks.h"

typedef struct {
  fz_log_t log;
  unsigned count, stop_at;
  const uint8_t *base;
  size_t base_len;
} e3_run_t;

/* UTF-16 units of valid UTF-8, counted from the decoded code points. */
static size_t e3_units(const uint8_t *p, size_t n) {
  size_t units = 0, i = 0;
  while (i < n) {
    uint8_t b = p[i];
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1   ? b
                  : len == 2 ? (uint32_t)(b & 0x1F)
                  : len == 3 ? (uint32_t)(b & 0x0F)
                             : (uint32_t)(b & 0x07);
    for (size_t k = 1; k < len; k++) cp = cp << 6 | (p[i + k] & 0x3F);
    units += cp > 0xFFFF ? 2 : 1;
    i += len;
  }
  return units;
}

static int e3_cb(void *arg, const sio__eio_packet_t *p) {
  e3_run_t *r = arg;
  fz_check_eio_packet(p, r->base, r->base_len, 0);
  if (!p->binary)
    FZ_CHECK(sio__eio_v3_utf16_len(p->data, p->len) == e3_units(p->data, p->len));
  fz_log_rec(&r->log, (uint32_t)p->type | (uint32_t)p->binary << 8, p->data, p->len);
  r->count++;
  return r->stop_at && r->count == r->stop_at ? 99 : 0;
}

/* Encodes the packets of a log as one payload in the given format. */
static void e3_encode_log(const fz_log_t *l, int binary, sio__sb_t *sb) {
  size_t off = 0, len;
  uint32_t tag;
  const uint8_t *d;
  while (fz_log_next(l, &off, &tag, &d, &len)) {
    sio__eio_type_t type = (sio__eio_type_t)(tag & 0xff);
    int bin = (int)(tag >> 8);
    if (binary)
      sio__eio_v3_binary_append(sb, type, bin, d, len);
    else
      sio__eio_v3_text_append(sb, type, bin, d, len);
    FZ_CHECK(sb->err == 0);
  }
}

static void e3_payload(const uint8_t *s, size_t n, int binary, unsigned stop_at) {
  e3_run_t got = {{0}, 0, stop_at, NULL, 0};
  uint8_t *c = fz_dup(s, n);
  got.base = c;
  got.base_len = n;
  int rc = sio__eio_v3_decode_payload(c, n, binary, e3_cb, &got);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO || (rc == 99 && got.count == stop_at));
  if (n == 0) FZ_CHECK(rc == SIO_EPROTO && got.count == 0);
  free(c);
  if (got.count) {
    for (int fmt = 0; fmt < 2; fmt++) {
      sio__sb_t sb;
      sio__sb_init(&sb, n * 2 + 16);
      e3_encode_log(&got.log, fmt, &sb);
      size_t bn = sio__sb_len(&sb);
      uint8_t *b = fz_dup(sio__sb_data(&sb), bn);
      e3_run_t again = {{0}, 0, 0, b, bn};
      FZ_CHECK(sio__eio_v3_decode_payload(b, bn, fmt, e3_cb, &again) == 0);
      if (!fz_log_eq(&got.log, &again.log)) FZ_CHECK(!"re-encoded payload differs");
      free(b);
      fz_log_free(&again.log);
      sio__sb_reset(&sb);
    }
  }
  fz_log_free(&got.log);
}

static void e3_ws(const uint8_t *s, size_t n) {
  sio__eio_packet_t p;
  uint8_t *c = fz_dup(s, n);
  int rc = sio__eio_v3_decode_ws(c, n, 1, &p);
  FZ_CHECK(rc == ((n >= 1 && s[0] == SIO__EIO_MESSAGE) ? 0 : SIO_EPROTO));
  if (rc == 0) FZ_CHECK(p.binary && p.data == c + 1 && p.len == n - 1);
  free(c);
  c = fz_dup(s, n);
  rc = sio__eio_v3_decode_ws(c, n, 0, &p);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO);
  if (rc == 0) {
    FZ_CHECK(n >= 1);
    if (s[0] == 'b') {
      FZ_CHECK(n >= 2 && s[1] == '4' && p.binary && p.type == SIO__EIO_MESSAGE);
      FZ_CHECK(p.len <= (n - 2) / 4 * 3 + 2);
    } else {
      FZ_CHECK(!p.binary && p.type == (sio__eio_type_t)(s[0] - '0'));
      FZ_CHECK(p.data == c + 1 && p.len == n - 1);
    }
  } else {
    FZ_CHECK(n == 0 || s[0] == 'b' || s[0] < '0' || s[0] > '6');
  }
  free(c);
}

static int fuzz_eio_v3(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 << 20) return 0;
  int binary = data[0] & 1;
  unsigned stop_at = (data[0] >> 1) & 7;
  e3_payload(data + 1, size - 1, binary, stop_at);
  e3_ws(data + 1, size - 1);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_eio_v3(data, size);
}
#endif
