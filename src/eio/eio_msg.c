#include "eio/eio_msg.h"

#include <string.h>

#include "core/alloc.h"
#include "ws/ws_frame.h"

sio__eio_msg_t *sio__eio_msg_new(sio__eio_type_t type, int binary, sio__rbuf_t *data,
                                 size_t off, size_t len) {
  sio__eio_msg_t *m = sio__malloc(sizeof(*m));
  if (!m) return NULL;
  *m = (sio__eio_msg_t){.refs = 1, .type = (uint8_t)type, .binary = binary ? 1 : 0};
  if (len && data) {
    m->data = sio__rbuf_ref(data);
    m->off = off;
    m->len = len;
  }
  return m;
}

sio__eio_msg_t *sio__eio_msg_new_framable(sio__eio_type_t type, int binary,
                                          sio__rbuf_t *data, size_t off, size_t len) {
  sio__eio_msg_t *m = sio__eio_msg_new(type, binary, data, off, len);
  /* With len 0 the msg holds no data: the frame is built apart. */
  if (m && m->data && off >= SIO__EIO_WS_HEADROOM) m->headroom = SIO__EIO_WS_HEADROOM;
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
  sio__rbuf_unref(m->v3_frame);
  sio__rbuf_unref(m->zframe);
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

/* Writes the frame header (and type digit) into the headroom in front of
 * the payload: the frame is then a slice of data. */
static void frame_in_place(sio__eio_msg_t *m) {
  uint8_t hdr[14];
  size_t plen = m->len + (m->binary ? 0 : 1);
  size_t hn = sio__ws_frame_header(hdr, m->binary ? SIO__WS_OP_BINARY : SIO__WS_OP_TEXT,
                                   1, plen, NULL);
  size_t start = m->off + m->len - plen - hn;
  uint8_t *p = m->data->data + start;
  memcpy(p, hdr, hn);
  if (!m->binary) p[hn] = (uint8_t)('0' + m->type);
  m->frame = sio__rbuf_ref(m->data);
  m->frame_off = start;
}

sio__rbuf_t *sio__eio_msg_ws_slice(sio__eio_msg_t *m, size_t *off, size_t *len) {
  if (!m->frame) {
    if (m->headroom) {
      frame_in_place(m);
    } else {
      if (m->binary) {
        sio_buf_t part = {sio__eio_msg_bytes(m), m->len};
        m->frame = sio__ws_frame_new(SIO__WS_OP_BINARY, &part, 1, NULL);
      } else {
        uint8_t digit = (uint8_t)('0' + m->type);
        sio_buf_t parts[2] = {{&digit, 1}, {sio__eio_msg_bytes(m), m->len}};
        m->frame = sio__ws_frame_new(SIO__WS_OP_TEXT, parts, 2, NULL);
      }
      if (!m->frame) return NULL;
      m->frame_off = 0;
    }
  }
  *off = m->frame_off;
  /* In the headroom the frame ends with the payload; else with its buffer. */
  *len = (m->frame == m->data ? m->off + m->len : m->frame->len) - m->frame_off;
  return m->frame;
}

sio__rbuf_t *sio__eio_msg_ws_zslice(sio__eio_msg_t *m, const sio__ws_deflate_cfg_t *cfg,
                                    size_t *off, size_t *len) {
  if (!m->zframe) {
    uint8_t digit = (uint8_t)('0' + m->type);
    sio_buf_t parts[2] = {{&digit, 1}, {sio__eio_msg_bytes(m), m->len}};
    size_t zoff, zlen;
    sio__rbuf_t *z = sio__ws_frame_new_deflated(
        m->binary ? SIO__WS_OP_BINARY : SIO__WS_OP_TEXT, m->binary ? parts + 1 : parts,
        m->binary ? 1 : 2, NULL, cfg->level, cfg->mem_level, cfg->own_bits, &zoff, &zlen);
    if (!z) return NULL;
    /* The frame at the start of its buffer: the msg keeps no offset for it. */
    memmove(z->data, z->data + zoff, zlen);
    z->len = zlen;
    m->zframe = z;
  }
  *off = 0;
  *len = m->zframe->len;
  return m->zframe;
}

sio__rbuf_t *sio__eio_msg_ws_frame(sio__eio_msg_t *m) {
  size_t off, len;
  if (m->headroom) return NULL;
  return sio__eio_msg_ws_slice(m, &off, &len);
}
