#include "eio/eio_v3_send.h"

#include "core/base64.h"
#include "eio/eio_v3.h"
#include "ws/ws_frame.h"

sio__rbuf_t *sio__eio_v3_polling_body(sio__eio_msg_t *const *msgs, size_t n, int b64,
                                      int *binary_out) {
  int binary = 0;
  size_t hint = 0;
  for (size_t i = 0; i < n; i++) {
    if (msgs[i]->binary && !b64) binary = 1;
    hint += sio__eio_msg_polling_len(msgs[i]) + 12;
  }
  sio__sb_t sb;
  sio__sb_init(&sb, hint);
  for (size_t i = 0; i < n; i++) {
    const sio__eio_msg_t *m = msgs[i];
    const uint8_t *d = m->len ? sio__eio_msg_bytes(m) : NULL;
    if (binary)
      sio__eio_v3_binary_append(&sb, (sio__eio_type_t)m->type, m->binary, d, m->len);
    else
      sio__eio_v3_text_append(&sb, (sio__eio_type_t)m->type, m->binary, d, m->len);
  }
  *binary_out = binary;
  return sio__sb_finish(&sb);
}

sio__rbuf_t *sio__eio_v3_ws_slice(sio__eio_msg_t *m, int b64, size_t *off, size_t *len) {
  if (!m->binary) {
    sio__rbuf_t *f = sio__eio_msg_ws_slice(m, off, len);
    return f ? sio__rbuf_ref(f) : NULL;
  }
  if (b64) {
    /* "b4<base64>" as a text frame: rare (a client's forceBase64), not cached. */
    sio__sb_t sb;
    sio__sb_init(&sb, sio__base64_encoded_len(m->len) + 2);
    sio__sb_puts(&sb, "b4");
    sio__base64_append(&sb, sio__eio_msg_bytes(m), m->len);
    sio__rbuf_t *text = sio__sb_finish(&sb);
    if (!text) return NULL;
    sio_buf_t part = {text->data, text->len};
    sio__rbuf_t *f = sio__ws_frame_new(SIO__WS_OP_TEXT, &part, 1, NULL);
    sio__rbuf_unref(text);
    if (f) {
      *off = 0;
      *len = f->len;
    }
    return f;
  }
  if (!m->v3_frame) {
    uint8_t type = SIO__EIO_MESSAGE;
    sio_buf_t parts[2] = {{&type, 1}, {sio__eio_msg_bytes(m), m->len}};
    m->v3_frame = sio__ws_frame_new(SIO__WS_OP_BINARY, parts, 2, NULL);
    if (!m->v3_frame) return NULL;
  }
  *off = 0;
  *len = m->v3_frame->len;
  return sio__rbuf_ref(m->v3_frame);
}
