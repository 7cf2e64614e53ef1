#include "eio/eio_msg.h"

#include "core/alloc.h"
#include "ws/ws_frame.h"

sio__eio_msg_t *sio__eio_msg_new(sio__eio_type_t type, int binary, sio__rbuf_t *data,
                                 size_t off, size_t len) {
  sio__eio_msg_t *m = sio__calloc(1, sizeof(*m));
  if (!m) return NULL;
  m->refs = 1;
  m->type = (uint8_t)type;
  m->binary = binary ? 1 : 0;
  if (len && data) {
    m->data = sio__rbuf_ref(data);
    m->off = off;
    m->len = len;
  }
  return m;
}

sio__eio_msg_t *sio__eio_msg_copy(sio__eio_type_t type, int binary, const void *p,
                                  size_t len) {
  sio__rbuf_t *b = NULL;
  if (len) {
    b = sio__rbuf_from(p, len);
    if (!b) return NULL;
  }
  sio__eio_msg_t *m = sio__eio_msg_new(type, binary, b, 0, len);
  sio__rbuf_unref(b);
  return m;
}

sio__eio_msg_t *sio__eio_msg_ref(sio__eio_msg_t *m) {
  m->refs++;
  return m;
}

void sio__eio_msg_unref(sio__eio_msg_t *m) {
  if (!m || --m->refs) return;
  sio__rbuf_unref(m->data);
  sio__rbuf_unref(m->polling);
  sio__rbuf_unref(m->frame);
  sio__free(m);
}

size_t sio__eio_msg_polling_len(const sio__eio_msg_t *m) {
  if (m->polling) return m->polling->len;
  return sio__eio_payload_size((sio__eio_type_t)m->type, m->binary, m->len);
}

void sio__eio_msg_polling_append(sio__eio_msg_t *m, sio__sb_t *sb, int first) {
  if (m->polling) {
    if (!first) sio__sb_putc(sb, (char)SIO_EIO_SEPARATOR);
    sio__sb_append(sb, m->polling->data, m->polling->len);
    return;
  }
  sio__eio_payload_append(sb, first, (sio__eio_type_t)m->type, m->binary,
                          m->len ? sio__eio_msg_bytes(m) : NULL, m->len);
}

sio__rbuf_t *sio__eio_msg_polling(sio__eio_msg_t *m) {
  if (m->polling) return m->polling;
  sio__sb_t sb;
  sio__sb_init(&sb, sio__eio_msg_polling_len(m));
  sio__eio_payload_append(&sb, 1, (sio__eio_type_t)m->type, m->binary,
                          m->len ? sio__eio_msg_bytes(m) : NULL, m->len);
  m->polling = sio__sb_finish(&sb);
  return m->polling;
}

sio__rbuf_t *sio__eio_msg_ws_frame(sio__eio_msg_t *m) {
  if (m->frame) return m->frame;
  if (m->binary) {
    sio_buf_t part = {sio__eio_msg_bytes(m), m->len};
    m->frame = sio__ws_frame_new(SIO__WS_OP_BINARY, &part, 1, NULL);
  } else {
    uint8_t digit = (uint8_t)('0' + m->type);
    sio_buf_t parts[2] = {{&digit, 1}, {sio__eio_msg_bytes(m), m->len}};
    m->frame = sio__ws_frame_new(SIO__WS_OP_TEXT, parts, 2, NULL);
  }
  return m->frame;
}
