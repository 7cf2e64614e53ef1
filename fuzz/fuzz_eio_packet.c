/* Fuzz target: Engine.IO packets and polling payloads (src/eio/eio_packet.h).
 *
 * Input: byte 0 says after how many packets the payload callback stops
 * (low 3 bits; 0 = never); the rest is the data. It is decoded as a WebSocket
 * text and binary message (sio__eio_decode_ws), as a polling body
 * (sio__eio_decode_payload, in place on a copy) compared with a reference
 * split-and-decode written here, and as an open packet's JSON
 * (sio__eio_parse_open). Decoded payloads are encoded again with
 * sio__eio_payload_append (sizes must match sio__eio_payload_size) and must
 * decode to the same packets; parsed handshakes written again with
 * sio__eio_open_packet_append must parse to the same fields. */
#include "core/rbuf.h"
#include "core/utf8.h"
#include "eio/eio_packet.h"
#include "sio/common.h"

#include "fuzz_common.h"
#include "fuzz_eio_checks.h"
#include "ref_base64.h"

typedef struct {
  fz_log_t log;
  unsigned count, stop_at;
  const uint8_t *base; /* the decoded buffer, for span checks */
  size_t base_len;
} ep_run_t;

static void ep_rec(fz_log_t *l, int type, int binary, const uint8_t *d, size_t n) {
  fz_log_rec(l, (uint32_t)type | (uint32_t)binary << 8, d, n);
}

static int ep_cb(void *arg, const sio__eio_packet_t *p) {
  ep_run_t *r = arg;
  fz_check_eio_packet(p, r->base, r->base_len, 1);
  if (!p->binary) FZ_CHECK(!memchr(p->data, SIO_EIO_SEPARATOR, p->len));
  ep_rec(&r->log, p->type, p->binary, p->data, p->len);
  r->count++;
  return r->stop_at && r->count == r->stop_at ? 99 : 0;
}

/* The reference: split on 0x1e, decode each piece, stop at the first bad one
 * or after stop_at packets. Returns what decode_payload must return. */
static int ep_reference(const uint8_t *s, size_t n, unsigned stop_at, fz_log_t *log) {
  if (n == 0) return SIO_EPROTO;
  uint8_t *tmp = malloc(n + 1);
  unsigned count = 0;
  size_t start = 0;
  int rc = 0;
  FZ_CHECK(tmp);
  for (;;) {
    size_t end = start;
    while (end < n && s[end] != SIO_EIO_SEPARATOR) end++;
    const uint8_t *p = s + start;
    size_t len = end - start;
    if (len == 0) {
      rc = SIO_EPROTO;
      break;
    }
    if (p[0] == 'b') {
      long m = rb64_decode(tmp, p + 1, len - 1, 0);
      if (m < 0) {
        rc = SIO_EPROTO;
        break;
      }
      ep_rec(log, SIO__EIO_MESSAGE, 1, tmp, (size_t)m);
    } else if (p[0] >= '0' && p[0] <= '6' && sio__utf8_valid(p + 1, len - 1)) {
      ep_rec(log, p[0] - '0', 0, p + 1, len - 1);
    } else {
      rc = SIO_EPROTO;
      break;
    }
    if (stop_at && ++count == stop_at) {
      rc = 99;
      break;
    }
    if (end == n) break;
    start = end + 1;
  }
  free(tmp);
  return rc;
}

/* Walks a log written by ep_rec and appends each packet in polling form. */
static void ep_encode_log(const fz_log_t *l, sio__sb_t *sb) {
  size_t off = 0, len;
  int first = 1;
  uint32_t tag;
  const uint8_t *d;
  while (fz_log_next(l, &off, &tag, &d, &len)) {
    int type = tag & 0xff, binary = (int)(tag >> 8);
    size_t before = sio__sb_len(sb);
    sio__eio_payload_append(sb, first, (sio__eio_type_t)type, binary, d, len);
    FZ_CHECK(sb->err == 0);
    size_t want = sio__eio_payload_size((sio__eio_type_t)type, binary, len);
    FZ_CHECK(sio__sb_len(sb) - before == want + !first);
    first = 0;
  }
}

static void ep_ws(const uint8_t *s, size_t n) {
  sio__eio_packet_t p;
  uint8_t *c = fz_dup(s, n);
  int rc = sio__eio_decode_ws(c, n, 0, &p);
  if (n > 0 && s[0] == 'b') {
    /* base64 binary, decoded in place: the reference decoder must agree. */
    uint8_t *want = malloc(n / 4 * 3 + 3);
    FZ_CHECK(want != NULL);
    long m = rb64_decode(want, s + 1, n - 1, 0);
    FZ_CHECK(m < 0 ? rc == SIO_EPROTO : rc == 0);
    if (m >= 0) {
      FZ_CHECK(p.binary && p.type == SIO__EIO_MESSAGE && p.data == c + 1);
      FZ_CHECK(p.len == (size_t)m && memcmp(p.data, want, p.len) == 0);
    }
    free(want);
  } else if (n == 0 || s[0] < '0' || s[0] > '6') {
    FZ_CHECK(rc == SIO_EPROTO);
  } else {
    FZ_CHECK(rc == 0 && !p.binary && p.type == (sio__eio_type_t)(s[0] - '0'));
    FZ_CHECK(p.data == c + 1 && p.len == n - 1);
  }
  FZ_CHECK(sio__eio_decode_ws(c, n, 1, &p) == 0);
  FZ_CHECK(p.binary && p.type == SIO__EIO_MESSAGE && p.len == n && p.data);
  if (n) FZ_CHECK(p.data == c);
  free(c);
}

static void ep_payload(const uint8_t *s, size_t n, unsigned stop_at) {
  ep_run_t got = {{0}, 0, stop_at, NULL, 0};
  fz_log_t want = {0};
  uint8_t *c = fz_dup(s, n);
  got.base = c;
  got.base_len = n;
  int rc = sio__eio_decode_payload(c, n, ep_cb, &got);
  int ref = ep_reference(s, n, stop_at, &want);
  FZ_CHECK(rc == ref);
  if (!fz_log_eq(&got.log, &want)) FZ_CHECK(!"payload packets differ from the reference");
  free(c);

  /* Encode what was delivered and decode it again. */
  if (got.count) {
    sio__sb_t sb;
    sio__sb_init(&sb, n + 16);
    ep_encode_log(&got.log, &sb);
    size_t bn = sio__sb_len(&sb);
    uint8_t *b = fz_dup(sio__sb_data(&sb), bn);
    ep_run_t again = {{0}, 0, 0, b, bn};
    FZ_CHECK(sio__eio_decode_payload(b, bn, ep_cb, &again) == 0);
    if (!fz_log_eq(&got.log, &again.log)) FZ_CHECK(!"re-encoded payload differs");
    free(b);
    fz_log_free(&again.log);
    sio__sb_reset(&sb);
  }
  fz_log_free(&got.log);
  fz_log_free(&want);
}

static void ep_open(const uint8_t *s, size_t n) {
  sio__eio_handshake_t h, h2;
  uint8_t *c = fz_dup(s, n);
  int rc = sio__eio_parse_open(c, n, &h);
  free(c);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO);
  if (rc) return;
  size_t sl = strnlen(h.sid, sizeof(h.sid));
  FZ_CHECK(sl > 0 && sl < sizeof(h.sid));
  sio__sb_t sb;
  sio__sb_init(&sb, 256);
  sio__eio_open_packet_append(&sb, h.sid, h.upgrade_websocket, h.ping_interval,
                              h.ping_timeout, h.max_payload);
  FZ_CHECK(sb.err == 0 && sio__sb_len(&sb) > 1 && sio__sb_data(&sb)[0] == '0');
  c = fz_dup(sio__sb_data(&sb) + 1, sio__sb_len(&sb) - 1);
  FZ_CHECK(sio__eio_parse_open(c, sio__sb_len(&sb) - 1, &h2) == 0);
  FZ_CHECK(strcmp(h.sid, h2.sid) == 0);
  FZ_CHECK(h.upgrade_websocket == h2.upgrade_websocket);
  FZ_CHECK(h.ping_interval == h2.ping_interval && h.ping_timeout == h2.ping_timeout);
  FZ_CHECK(h.max_payload == h2.max_payload);
  free(c);
  sio__sb_reset(&sb);
}

static int fuzz_eio_packet(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 << 20) return 0;
  unsigned stop_at = data[0] & 7;
  const uint8_t *s = data + 1;
  size_t n = size - 1;
  ep_ws(s, n);
  ep_payload(s, n, stop_at);
  ep_open(s, n);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_eio_packet(data, size);
}
#endif
