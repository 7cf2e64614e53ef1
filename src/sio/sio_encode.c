/* Building outgoing packets once: the Socket.IO text in one rbuf wrapped in
 * one Engine.IO message, and one message per binary attachment sharing the
 * caller's buffers. Every recipient then only queues references. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

static int out_alloc(sio__packet_out_t *out, size_t n) {
  memset(out, 0, sizeof(*out));
  out->msgs = n <= 2 ? out->inl : sio__calloc(n, sizeof(*out->msgs));
  return out->msgs ? 0 : SIO_ENOMEM;
}

void sio__packet_out_free(sio__packet_out_t *out) {
  for (size_t i = 0; i < out->n; i++) sio__eio_msg_unref(out->msgs[i]);
  if (out->msgs && out->msgs != out->inl) sio__free(out->msgs);
  sio__rbuf_unref(out->text);
  memset(out, 0, sizeof(*out));
}

static int finish(sio__packet_out_t *out, sio__sb_t *sb, const sio_args_t *args) {
  size_t natt = args ? args->natt : 0;
  int rc = out_alloc(out, 1 + natt);
  if (rc) {
    sio__sb_reset(sb);
    return rc;
  }
  out->text = sio__sb_finish(sb);
  if (!out->text) return SIO_ENOMEM;
  out->msgs[0] =
      sio__eio_msg_new_framable(SIO__EIO_MESSAGE, 0, out->text, SIO__EIO_WS_HEADROOM,
                                out->text->len - SIO__EIO_WS_HEADROOM);
  if (!out->msgs[0]) goto oom;
  out->n = 1;
  for (size_t i = 0; i < natt; i++) {
    const sio__sio_attachment_t *a = &args->att[i];
    sio__eio_msg_t *m = sio__eio_msg_new(SIO__EIO_MESSAGE, 1, a->owner,
                                         (size_t)(a->base - a->owner->data), a->len);
    if (!m) goto oom;
    out->msgs[out->n++] = m;
  }
  return 0;
oom:
  sio__packet_out_free(out);
  return SIO_ENOMEM;
}

static const char *nsp_or_null(const char *nsp) {
  return nsp && strcmp(nsp, "/") != 0 ? nsp : NULL;
}

int sio__packet_encode(sio_server_t *s, sio__packet_out_t *out, const char *nsp,
                       const char *event, int64_t ack_id, const sio_args_t *args) {
  if (args && args->err) return args->err;
  sio__sio_header_t h;
  memset(&h, 0, sizeof(h));
  h.nsp = nsp_or_null(nsp);
  h.nsp_len = h.nsp ? strlen(h.nsp) : 0;
  h.has_ack = ack_id >= 0;
  h.ack_id = ack_id >= 0 ? (uint64_t)ack_id : 0;
  h.attachments = args ? (uint32_t)args->natt : 0;
  const char *text = args ? (const char *)sio__sb_data(&args->sb) : NULL;
  size_t tlen = args ? sio__sb_len(&args->sb) : 0;
  if (!text) text = "";
  size_t elen = event ? strlen(event) : 0;
  sio__sb_t sb;
  /* Room for the whole packet at once (the encoder's own reservation: header
   * at most SIO__SIO_HEADER_ROOM, '[', quoted name, ',', args, ']'), so the
   * builder never grows unless the name needs escapes. */
  sio__sb_init(&sb,
               SIO__EIO_WS_HEADROOM + SIO__SIO_HEADER_ROOM + h.nsp_len + elen + tlen + 5);
  if (sio__sb_reserve(&sb, SIO__EIO_WS_HEADROOM))
    sio__sb_commit(&sb, SIO__EIO_WS_HEADROOM);
  int rc;
  if (event) {
    h.type = SIO_SIO_EVENT;
    rc = sio__sio_encode_event(&sb, &h, event, elen, text, tlen);
  } else {
    h.type = SIO_SIO_ACK;
    rc = sio__sio_encode_ack(&sb, &h, text, tlen);
  }
  if (rc == 0 && sb.err) rc = sb.err;
  if (rc) {
    sio__sb_reset(&sb);
    return rc;
  }
  if (s) s->stats.encodes++;
  return finish(out, &sb, args);
}

int sio__packet_encode_ctl(sio__packet_out_t *out, int type, const char *nsp,
                           const char *payload, size_t len) {
  sio__sio_header_t h;
  memset(&h, 0, sizeof(h));
  h.type = (uint8_t)type;
  h.nsp = nsp_or_null(nsp);
  h.nsp_len = h.nsp ? strlen(h.nsp) : 0;
  sio__sb_t sb;
  sio__sb_init(&sb, SIO__EIO_WS_HEADROOM + SIO__SIO_HEADER_ROOM + h.nsp_len + len);
  if (sio__sb_reserve(&sb, SIO__EIO_WS_HEADROOM))
    sio__sb_commit(&sb, SIO__EIO_WS_HEADROOM);
  int rc = sio__sio_encode(&sb, &h, payload, payload ? len : 0);
  if (rc == 0 && sb.err) rc = sb.err;
  if (rc) {
    sio__sb_reset(&sb);
    return rc;
  }
  return finish(out, &sb, NULL);
}

void sio__out_argv(const sio__packet_out_t *out,
                   void (*fn)(const sio_argv_t *av, void *arg), void *arg) {
  sio__sio_packet_t pkt;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_attachments = UINT32_MAX;
  lim.max_depth = SIO_JSON_DEPTH_MAX;
  if (sio__sio_packet_decode((const char *)sio__eio_msg_bytes(out->msgs[0]),
                             out->msgs[0]->len, &lim, &pkt))
    return;
  sio__sio_attachment_t inl[4], *att = inl;
  size_t natt = out->n - 1;
  if (natt > 4 && !(att = sio__calloc(natt, sizeof(*att)))) return;
  for (size_t i = 0; i < natt; i++) {
    att[i].base = sio__eio_msg_bytes(out->msgs[i + 1]);
    att[i].len = out->msgs[i + 1]->len;
    att[i].owner = out->msgs[i + 1]->data;
  }
  pkt.att = natt ? att : NULL;
  sio_argv_t av;
  if (sio__argv_init(&av, &pkt) == 0) {
    fn(&av, arg);
    sio__argv_clear(&av);
  }
  if (att != inl) sio__free(att);
}
