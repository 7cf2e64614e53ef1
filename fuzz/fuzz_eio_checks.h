/* The checks both Engine.IO fuzz targets (fuzz_eio_packet.c for v4,
 * fuzz_eio_v3.c for v3) make on every packet a decoder delivers. */
#ifndef SIO_FUZZ_EIO_CHECKS_H
#define SIO_FUZZ_EIO_CHECKS_H

#include "core/utf8.h"
#include "eio/eio_packet.h"

#include "fuzz_common.h"

/* p has a known type, its bytes lie inside [base, base + base_len) when base
 * is set, only a message is binary and text is valid UTF-8. With
 * empty_in_base, an empty packet must point inside the buffer too (the v4
 * decoder); without it, an empty packet may point anywhere or be NULL (v3
 * points at a constant). */
static inline void fz_check_eio_packet(const sio__eio_packet_t *p, const uint8_t *base,
                                       size_t base_len, int empty_in_base) {
  FZ_CHECK(p->type >= SIO__EIO_OPEN && p->type <= SIO__EIO_NOOP);
  FZ_CHECK(p->data != NULL || (p->len == 0 && !empty_in_base));
  if (base && (p->len || empty_in_base)) {
    FZ_CHECK(p->data >= base && p->data <= base + base_len);
    FZ_CHECK(p->len <= (size_t)(base + base_len - p->data));
  }
  if (p->binary)
    FZ_CHECK(p->type == SIO__EIO_MESSAGE);
  else
    FZ_CHECK(sio__utf8_valid(p->data, p->len));
}

#endif
