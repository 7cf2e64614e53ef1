#include "eio/eio_v3.h"

#include <string.h>

#include "core/base64.h"
#include "core/utf8.h"
#include "sio/common.h"

size_t sio__eio_v3_utf16_len(const uint8_t *p, size_t n) {
  size_t units = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = p[i];
    if ((b & 0xC0) != 0x80) units++; /* a lead byte starts a character */
    if (b >= 0xF0) units++;          /* outside the BMP: a surrogate pair */
  }
  return units;
}

/* The byte length of the first `units` UTF-16 code units of p[0..n), or
 * SIZE_MAX when the text ends first or the count ends inside a surrogate
 * pair. Invalid UTF-8 is caught afterwards by the piece's check. */
static size_t bytes_for_units(const uint8_t *p, size_t n, uint64_t units) {
  size_t i = 0;
  while (units > 0) {
    if (i >= n) return SIZE_MAX;
    uint8_t b = p[i];
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    unsigned u = len == 4 ? 2 : 1;
    if (u > units || len > n - i) return SIZE_MAX;
    units -= u;
    i += len;
  }
  return i;
}

/* One v3 text packet p[0..n) ("4hello", "2", "b4AQID") into *pk, base64
 * decoded in place. */
static int decode_text_packet(uint8_t *p, size_t n, sio__eio_packet_t *pk) {
  static const uint8_t empty[1];
  if (n == 0) return SIO_EPROTO;
  if (p[0] == 'b') {
    if (n < 2 || p[1] != '4') return SIO_EPROTO;
    long m = sio__base64_decode_loose(p + 2, (const char *)p + 2, n - 2);
    if (m < 0) return SIO_EPROTO;
    pk->type = SIO__EIO_MESSAGE;
    pk->binary = 1;
    pk->data = m ? p + 2 : empty;
    pk->len = (size_t)m;
    return 0;
  }
  if (p[0] < '0' || p[0] > '6' || !sio__utf8_valid(p + 1, n - 1)) return SIO_EPROTO;
  pk->type = (sio__eio_type_t)(p[0] - '0');
  pk->binary = 0;
  pk->data = p + 1;
  pk->len = n - 1;
  return 0;
}

static int decode_text(uint8_t *data, size_t len, sio__eio_packet_cb cb, void *arg) {
  size_t i = 0;
  while (i < len) {
    uint64_t units = 0;
    size_t digits = 0;
    while (i < len && data[i] >= '0' && data[i] <= '9') {
      if (++digits > SIO__EIO_V3_MAX_DIGITS) return SIO_EPROTO;
      units = units * 10 + (uint64_t)(data[i++] - '0');
    }
    if (digits == 0 || i >= len || data[i] != ':') return SIO_EPROTO;
    i++;
    size_t n = bytes_for_units(data + i, len - i, units);
    if (n == SIZE_MAX) return SIO_EPROTO;
    if (n > 0) {
      sio__eio_packet_t pk;
      if (decode_text_packet(data + i, n, &pk)) return SIO_EPROTO;
      int rc = cb(arg, &pk);
      if (rc) return rc;
    }
    i += n;
  }
  return 0;
}

static int decode_binary(uint8_t *data, size_t len, sio__eio_packet_cb cb, void *arg) {
  size_t i = 0;
  while (i < len) {
    uint8_t marker = data[i++];
    if (marker > 1) return SIO_EPROTO;
    uint64_t n = 0;
    size_t digits = 0;
    while (i < len && data[i] <= 9) {
      if (++digits > SIO__EIO_V3_MAX_DIGITS) return SIO_EPROTO;
      n = n * 10 + data[i++];
    }
    if (digits == 0 || i >= len || data[i] != 0xFF) return SIO_EPROTO;
    i++;
    if (n == 0 || n > len - i) return SIO_EPROTO;
    sio__eio_packet_t pk;
    if (marker == 0) {
      if (decode_text_packet(data + i, (size_t)n, &pk)) return SIO_EPROTO;
    } else {
      if (data[i] != SIO__EIO_MESSAGE) return SIO_EPROTO;
      pk.type = SIO__EIO_MESSAGE;
      pk.binary = 1;
      pk.data = data + i + 1;
      pk.len = (size_t)n - 1;
    }
    int rc = cb(arg, &pk);
    if (rc) return rc;
    i += (size_t)n;
  }
  return 0;
}

int sio__eio_v3_decode_payload(uint8_t *data, size_t len, int binary,
                               sio__eio_packet_cb cb, void *arg) {
  if (len == 0) return SIO_EPROTO;
  return binary ? decode_binary(data, len, cb, arg) : decode_text(data, len, cb, arg);
}

int sio__eio_v3_decode_ws(uint8_t *data, size_t len, int is_binary,
                          sio__eio_packet_t *out) {
  if (is_binary) {
    if (len == 0 || data[0] != SIO__EIO_MESSAGE) return SIO_EPROTO;
    out->type = SIO__EIO_MESSAGE;
    out->binary = 1;
    out->data = data + 1;
    out->len = len - 1;
    return 0;
  }
  /* Text frames were checked for UTF-8 by the WebSocket decoder. */
  if (len > 0 && data[0] == 'b') return decode_text_packet(data, len, out);
  if (len == 0 || data[0] < '0' || data[0] > '6') return SIO_EPROTO;
  out->type = (sio__eio_type_t)(data[0] - '0');
  out->binary = 0;
  out->data = data + 1;
  out->len = len - 1;
  return 0;
}

void sio__eio_v3_text_append(sio__sb_t *sb, sio__eio_type_t type, int binary,
                             const uint8_t *data, size_t len) {
  if (binary) {
    sio__sb_put_u64(sb, 2 + (uint64_t)sio__base64_encoded_len(len));
    sio__sb_puts(sb, ":b4");
    sio__base64_append(sb, data, len);
    return;
  }
  sio__sb_put_u64(sb, 1 + (uint64_t)sio__eio_v3_utf16_len(data, len));
  sio__sb_putc(sb, ':');
  sio__sb_putc(sb, (char)('0' + type));
  sio__sb_append(sb, data, len);
}

void sio__eio_v3_binary_append(sio__sb_t *sb, sio__eio_type_t type, int binary,
                               const uint8_t *data, size_t len) {
  char digits[24];
  size_t nd = 0;
  uint64_t n = (uint64_t)len + 1; /* the type byte or digit counts */
  do {
    digits[nd++] = (char)(n % 10);
    n /= 10;
  } while (n);
  sio__sb_putc(sb, binary ? 1 : 0);
  while (nd) sio__sb_putc(sb, digits[--nd]);
  sio__sb_putc(sb, (char)0xFF);
  sio__sb_putc(sb, binary ? (char)SIO__EIO_MESSAGE : (char)('0' + type));
  sio__sb_append(sb, data, len);
}
