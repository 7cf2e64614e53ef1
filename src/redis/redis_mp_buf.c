/* The codec's growable output buffer, also usable as a msgpack-c writer. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_msgpack.h"

void sio__rmp_buf_free(sio__rmp_buf_t *b) {
  if (!b) return;
  sio__free(b->data);
  memset(b, 0, sizeof(*b));
}

int sio__rmp_buf_append(sio__rmp_buf_t *b, const void *p, size_t n) {
  if (b->err) return b->err;
  /* Room for the bytes and the NUL kept after them. */
  if (n > SIZE_MAX / 4 || b->len > SIZE_MAX / 4) return b->err = SIO_ENOMEM;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *d = sio__realloc(b->data, cap);
    if (!d) return b->err = SIO_ENOMEM;
    b->data = d;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int sio__rmp_buf_write(void *data, const char *buf, size_t len) {
  return sio__rmp_buf_append(data, buf, len) ? -1 : 0;
}

void sio__rmp_packer_init(msgpack_packer *pk, sio__rmp_buf_t *b) {
  msgpack_packer_init(pk, b, sio__rmp_buf_write);
}
