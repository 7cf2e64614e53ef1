/* Ref-counted byte buffers: the unit of sharing on the hot path. A broadcast
 * encodes its bytes once into an rbuf and every recipient's write queue holds
 * a reference; the bytes are freed when the last reference goes.
 *
 * Single-threaded by default: the count is not atomic. A buffer that is to
 * cross threads (a broadcast's bytes posted to another worker) is marked
 * shared first, by its only thread; from then on every reference is taken
 * and dropped atomically, by any thread. An rbuf must not be changed once
 * a second reference exists (it may be on a write queue). */
#ifndef SIO_CORE_RBUF_H
#define SIO_CORE_RBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sio__rbuf {
  uint32_t refs;
  uint32_t shared; /* 1: refs is atomic (sio__rbuf_share); in the padding */
  size_t len;      /* bytes in use */
  size_t cap;      /* bytes allocated in data[] */
  uint8_t data[];
} sio__rbuf_t;

/* A new buffer with refs 1, len 0 and room for cap bytes; NULL if out of memory. */
sio__rbuf_t *sio__rbuf_new(size_t cap);
/* A new buffer holding a copy of n bytes; NULL if out of memory. */
sio__rbuf_t *sio__rbuf_from(const void *p, size_t n);
/* Adds a reference; returns b. */
sio__rbuf_t *sio__rbuf_ref(sio__rbuf_t *b);
/* Drops a reference; frees at zero. NULL is ignored. */
void sio__rbuf_unref(sio__rbuf_t *b);
/* Makes b's count atomic for good, before another thread sees b: only b's
 * thread may hold references when it is called. Idempotent. */
void sio__rbuf_share(sio__rbuf_t *b);

/* A byte builder that grows one rbuf, so finishing it hands the bytes over
 * without a copy. Errors are sticky: append freely, check once at finish. */
typedef struct {
  sio__rbuf_t *buf;
  int err; /* 0 or SIO_ENOMEM */
} sio__sb_t;

void sio__sb_init(sio__sb_t *sb, size_t hint);
/* Makes room for n more bytes; returns where to write them (NULL on error).
 * Call sio__sb_commit(sb, k) after writing k <= n bytes. */
uint8_t *sio__sb_reserve(sio__sb_t *sb, size_t n);
void sio__sb_commit(sio__sb_t *sb, size_t n);
void sio__sb_append(sio__sb_t *sb, const void *p, size_t n);
void sio__sb_puts(sio__sb_t *sb, const char *s);
void sio__sb_putc(sio__sb_t *sb, char c);
void sio__sb_printf(sio__sb_t *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sio__sb_vprintf(sio__sb_t *sb, const char *fmt, va_list ap);
/* Appends the decimal form of v. */
void sio__sb_put_u64(sio__sb_t *sb, uint64_t v);
size_t sio__sb_len(const sio__sb_t *sb);
const uint8_t *sio__sb_data(const sio__sb_t *sb);
/* Hands the bytes over as an rbuf with refs 1 (caller owns it); NULL after an
 * error. The builder is empty afterwards. */
sio__rbuf_t *sio__sb_finish(sio__sb_t *sb);
/* Frees whatever the builder holds. */
void sio__sb_reset(sio__sb_t *sb);

#endif
