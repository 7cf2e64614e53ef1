#include "core/rbuf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

sio__rbuf_t *sio__rbuf_new(size_t cap) {
  if (cap > SIZE_MAX - sizeof(sio__rbuf_t)) return NULL;
  sio__rbuf_t *b = sio__malloc(sizeof(*b) + cap);
  if (!b) return NULL;
  b->refs = 1;
  b->shared = 0;
  b->len = 0;
  b->cap = cap;
  return b;
}

sio__rbuf_t *sio__rbuf_from(const void *p, size_t n) {
  sio__rbuf_t *b = sio__rbuf_new(n);
  if (!b) return NULL;
  if (n) memcpy(b->data, p, n);
  b->len = n;
  return b;
}

sio__rbuf_t *sio__rbuf_ref(sio__rbuf_t *b) {
  if (__builtin_expect(b->shared, 0))
    __atomic_fetch_add(&b->refs, 1, __ATOMIC_RELAXED);
  else
    b->refs++;
  return b;
}

void sio__rbuf_unref(sio__rbuf_t *b) {
  if (!b) return;
  if (__builtin_expect(b->shared, 0)) {
    /* The last holder frees: acquire what the others wrote before. */
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) sio__free(b);
    return;
  }
  if (--b->refs == 0) sio__free(b);
}

void sio__rbuf_share(sio__rbuf_t *b) {
  b->shared = 1;
}

void sio__sb_init(sio__sb_t *sb, size_t hint) {
  sb->err = 0;
  sb->buf = NULL;
  if (hint) {
    sb->buf = sio__rbuf_new(hint);
    if (!sb->buf) sb->err = SIO_ENOMEM;
  }
}

uint8_t *sio__sb_reserve(sio__sb_t *sb, size_t n) {
  if (sb->err) return NULL;
  size_t len = sb->buf ? sb->buf->len : 0;
  size_t cap = sb->buf ? sb->buf->cap : 0;
  if (n > SIZE_MAX / 2 - len) {
    sb->err = SIO_ENOMEM;
    return NULL;
  }
  if (len + n > cap) {
    size_t ncap = cap ? cap : 64;
    while (ncap < len + n) ncap *= 2;
    sio__rbuf_t *nb = sio__realloc(sb->buf, sizeof(sio__rbuf_t) + ncap);
    if (!nb) {
      sb->err = SIO_ENOMEM;
      return NULL;
    }
    if (!sb->buf) {
      nb->refs = 1;
      nb->shared = 0;
      nb->len = 0;
    }
    nb->cap = ncap;
    sb->buf = nb;
  }
  return sb->buf->data + sb->buf->len;
}

void sio__sb_commit(sio__sb_t *sb, size_t n) {
  if (!sb->err && sb->buf) sb->buf->len += n;
}

void sio__sb_append(sio__sb_t *sb, const void *p, size_t n) {
  if (!n) return;
  uint8_t *dst = sio__sb_reserve(sb, n);
  if (!dst) return;
  memcpy(dst, p, n);
  sb->buf->len += n;
}

void sio__sb_puts(sio__sb_t *sb, const char *s) {
  sio__sb_append(sb, s, strlen(s));
}

void sio__sb_putc(sio__sb_t *sb, char c) {
  sio__sb_append(sb, &c, 1);
}

void sio__sb_vprintf(sio__sb_t *sb, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    if (!sb->err) sb->err = SIO_EINVAL;
    return;
  }
  uint8_t *dst = sio__sb_reserve(sb, (size_t)n + 1);
  if (!dst) return;
  vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
  sb->buf->len += (size_t)n;
}

void sio__sb_printf(sio__sb_t *sb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sio__sb_vprintf(sb, fmt, ap);
  va_end(ap);
}

void sio__sb_put_u64(sio__sb_t *sb, uint64_t v) {
  char tmp[24];
  size_t i = sizeof(tmp);
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  sio__sb_append(sb, tmp + i, sizeof(tmp) - i);
}

size_t sio__sb_len(const sio__sb_t *sb) {
  return sb->buf ? sb->buf->len : 0;
}

const uint8_t *sio__sb_data(const sio__sb_t *sb) {
  return sb->buf ? sb->buf->data : NULL;
}

sio__rbuf_t *sio__sb_finish(sio__sb_t *sb) {
  if (sb->err) {
    sio__sb_reset(sb);
    return NULL;
  }
  sio__rbuf_t *b = sb->buf ? sb->buf : sio__rbuf_new(0);
  sb->buf = NULL;
  return b;
}

void sio__sb_reset(sio__sb_t *sb) {
  sio__free(sb->buf);
  sb->buf = NULL;
  sb->err = 0;
}
