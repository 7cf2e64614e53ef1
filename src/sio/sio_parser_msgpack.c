/* The msgpack parser (socket.io-msgpack-parser 3's form, docs/PROTOCOL.md
 * §2.11): a packet is one binary message, a msgpack map
 * {type, nsp, data?, id?} as notepack.io 2 writes it, binary values native
 * inside data (no attachment messages).
 *
 * Encoding packs the args' JSON with the core transcoder (placeholders become
 * bin). Decoding unpacks the message (bounded, core/msgpack_json.h), checks
 * it as the reference decoder does, turns data into the JSON text of the
 * JSON form ("<type>[<count>-]<data>", bins as placeholders) and lets the
 * JSON packet decoder validate and index it, so that both parsers hand the
 * rest of the library the same packets. The namespace and, when the caller
 * does not own the message, the bins are copied into the same text buffer:
 * one allocation per packet besides msgpack-c's. */
#include <string.h>

#include "core/alloc.h"
#include "core/msgpack_json.h"
#include "core/utf8.h"
#include "sio/sio_message.h"
#include "sio/sio_parser.h"

/* ---- encoding ---- */

/* The args' attachments as the transcoder takes them. */
static int att_views(const sio_args_t *a, sio_buf_t *inl, size_t ninl, sio_buf_t **out) {
  size_t n = a ? a->natt : 0;
  *out = inl;
  if (n > ninl && !(*out = sio__calloc(n, sizeof(sio_buf_t)))) return SIO_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    (*out)[i].base = a->att[i].base;
    (*out)[i].len = a->att[i].len;
  }
  return 0;
}

/* data of an EVENT ([name, args...]) or an ACK ([args...]). */
static int pack_message_data(msgpack_packer *pk, const sio__packet_desc_t *d) {
  const sio_args_t *a = d->args;
  const char *text = a && a->sb.buf ? (const char *)a->sb.buf->data : "";
  size_t tlen = a && a->sb.buf ? a->sb.buf->len : 0;
  size_t count;
  int rc = sio__mp_count_json_list(text, tlen, 0, &count);
  if (rc) return rc;
  if (d->type == SIO_SIO_EVENT) {
    size_t elen = d->event ? strlen(d->event) : 0;
    if (!d->event || sio__sio_name_reserved(d->event, elen) ||
        !sio__utf8_valid((const uint8_t *)d->event, elen))
      return SIO_EINVAL;
    if (count >= UINT32_MAX || msgpack_pack_array(pk, count + 1) ||
        msgpack_pack_str_with_body(pk, d->event, elen))
      return SIO_ENOMEM;
  } else if (count > UINT32_MAX || msgpack_pack_array(pk, count)) {
    return SIO_ENOMEM;
  }
  sio_buf_t inl[4], *att;
  if ((rc = att_views(a, inl, 4, &att))) return rc;
  rc = sio__mp_pack_json_list(pk, text, tlen, att, a ? a->natt : 0, 0);
  if (att != inl) sio__free(att);
  return rc;
}

static size_t att_bytes(const sio_args_t *a) {
  size_t n = 0;
  for (size_t i = 0; a && i < a->natt; i++) n += a->att[i].len;
  return n;
}

static int mp_encode(const sio__packet_desc_t *d, size_t headroom,
                     sio__packet_buf_t *out) {
  int msg = d->type == SIO_SIO_EVENT || d->type == SIO_SIO_ACK;
  if (msg && d->args && d->args->err) return d->args->err;
  if (d->type > SIO_SIO_CONNECT_ERROR) return SIO_EINVAL;
  if (d->type == SIO_SIO_CONNECT_ERROR && !d->payload) return SIO_EINVAL;
  const char *nsp = d->nsp ? d->nsp : "/";
  size_t nlen = strlen(nsp);
  int has_data = msg || (d->type != SIO_SIO_DISCONNECT && d->payload);
  int has_id = msg && d->ack_id >= 0;

  sio__sb_t *sb = &out->sb;
  size_t tlen = msg && d->args && d->args->sb.buf ? d->args->sb.buf->len : 0;
  size_t elen = d->event ? strlen(d->event) : 0;
  sio__sb_init(sb, headroom + 48 + nlen + elen + tlen + att_bytes(msg ? d->args : NULL) +
                       (d->payload ? d->payload_len : 0));
  if (sb->buf) sb->buf->len = headroom;
  msgpack_packer pk;
  sio__mp_packer_init(&pk, sb);
  int rc = 0;
  /* Keys in the order the reference server writes them. */
  if (msgpack_pack_map(&pk, 2u + (unsigned)has_data + (unsigned)has_id) ||
      msgpack_pack_str_with_body(&pk, "type", 4) || msgpack_pack_uint8(&pk, d->type))
    rc = SIO_ENOMEM;
  if (!rc && has_data) {
    if (msgpack_pack_str_with_body(&pk, "data", 4))
      rc = SIO_ENOMEM;
    else if (msg)
      rc = pack_message_data(&pk, d);
    else
      rc = sio__mp_pack_json(&pk, d->payload, d->payload_len, NULL, 0, 0);
  }
  if (!rc && has_id &&
      (msgpack_pack_str_with_body(&pk, "id", 2) || msgpack_pack_int64(&pk, d->ack_id)))
    rc = SIO_ENOMEM;
  if (!rc && (msgpack_pack_str_with_body(&pk, "nsp", 3) ||
              msgpack_pack_str_with_body(&pk, nsp, nlen)))
    rc = SIO_ENOMEM;
  if (!rc && sb->err) rc = sb->err;
  if (rc) {
    sio__sb_reset(sb);
    return rc;
  }
  out->headroom = headroom;
  out->binary = 1;
  out->natt = 0;
  return 0;
}

/* ---- decoding ---- */

/* Room kept in front of the data's JSON for "<type><count>-". */
#define PREFIX_ROOM 16

static const msgpack_object *defined(const msgpack_object *o) {
  return o && !sio__mp_is_undefined(o, SIO__MP_NOTEPACK2) ? o : NULL;
}

/* The checks of the reference decoder: type an integer 0..4, nsp a string,
 * id absent or an integer (here also >= 0: ack ids are unsigned), data by
 * type. */
static int check_packet(const msgpack_object *root, int64_t *type,
                        const msgpack_object **nsp, const msgpack_object **data,
                        int64_t *id) {
  if (root->type != MSGPACK_OBJECT_MAP) return SIO_EPROTO;
  const msgpack_object *t = sio__mp_map_get(root, "type");
  if (sio__mp_get_int(t, type) || *type < 0 || *type > SIO_SIO_CONNECT_ERROR)
    return SIO_EPROTO;
  *nsp = sio__mp_map_get(root, "nsp");
  if (!*nsp || (*nsp)->type != MSGPACK_OBJECT_STR) return SIO_EPROTO;
  const msgpack_object *i = defined(sio__mp_map_get(root, "id"));
  *id = -1;
  if (i && (sio__mp_get_int(i, id) || *id < 0)) return SIO_EPROTO;
  const msgpack_object *v = *data = defined(sio__mp_map_get(root, "data"));
  int ok;
  switch (*type) {
    case SIO_SIO_CONNECT:
      ok = !v || v->type == MSGPACK_OBJECT_MAP;
      break;
    case SIO_SIO_DISCONNECT:
      ok = !v;
      break;
    case SIO_SIO_CONNECT_ERROR:
      ok = v && (v->type == MSGPACK_OBJECT_STR || v->type == MSGPACK_OBJECT_MAP);
      break;
    default:
      ok = v && v->type == MSGPACK_OBJECT_ARRAY;
  }
  return ok ? 0 : SIO_EPROTO;
}

/* Writes "<type>[<count>-]" right before the JSON at sb[PREFIX_ROOM]: the
 * offset where the text starts. */
static size_t put_prefix(uint8_t *buf, int64_t type, size_t natt) {
  char tmp[PREFIX_ROOM];
  size_t n = 0;
  if (natt) {
    tmp[n++] = '-';
    for (size_t v = natt; v; v /= 10) tmp[n++] = (char)('0' + v % 10);
    type += SIO_SIO_BINARY_EVENT - SIO_SIO_EVENT;
  }
  tmp[n++] = (char)('0' + type);
  for (size_t i = 0; i < n; i++) buf[PREFIX_ROOM - 1 - i] = (uint8_t)tmp[i];
  return PREFIX_ROOM - n;
}

static int in_owner(const sio__rbuf_t *owner, const uint8_t *p, size_t n) {
  return owner && p >= owner->data && n <= owner->len &&
         (size_t)(p - owner->data) <= owner->len - n;
}

/* Builds *out from a checked message: the text buffer (prefix, JSON,
 * namespace, copied bins), then the JSON decoder over it. */
static int build_packet(const sio__sio_limits_t *lim, const uint8_t *p, size_t n,
                        sio__rbuf_t *owner, int64_t type, const msgpack_object *nsp,
                        const msgpack_object *data, int64_t id, sio__sio_packet_t *out) {
  sio__sb_t sb;
  sio__sb_init(&sb, PREFIX_ROOM + 64 + n);
  if (sb.buf) sb.buf->len = PREFIX_ROOM;
  sio_buf_t *bins = NULL;
  size_t nbins = 0;
  int rc = data ? sio__mp_to_json_as(data, SIO__MP_NOTEPACK2, &sb, &bins, &nbins,
                                     lim->max_attachments)
                : sb.err;
  size_t json_end = sio__sb_len(&sb);
  size_t total = 0;
  for (size_t i = 0; i < nbins; i++) total += bins[i].len;
  if (!rc && total > lim->max_binary_bytes) rc = SIO_ELIMIT;
  int keep = in_owner(owner, p, n);
  size_t nsp_off = json_end;
  if (!rc) sio__sb_append(&sb, nsp->via.str.ptr, nsp->via.str.size);
  size_t bins_off = sio__sb_len(&sb);
  for (size_t i = 0; !rc && !keep && i < nbins; i++)
    sio__sb_append(&sb, bins[i].base, bins[i].len);
  if (!rc) rc = sb.err;
  /* The JSON form has no attachments outside EVENT and ACK: a binary in a
   * CONNECT's auth or a CONNECT_ERROR could reach no handler intact. */
  if (!rc && nbins && type != SIO_SIO_EVENT && type != SIO_SIO_ACK) rc = SIO_EPROTO;
  sio__rbuf_t *text = rc ? NULL : sio__sb_finish(&sb);
  if (!rc && !text) rc = SIO_ENOMEM;
  if (rc) {
    sio__sb_reset(&sb);
    sio__free(bins);
    return rc;
  }
  size_t start = put_prefix(text->data, type, nbins);
  rc = sio__sio_packet_decode((const char *)text->data + start, json_end - start, lim,
                              out);
  sio__sio_attachment_t *att = NULL;
  if (!rc && nbins && !(att = sio__calloc(nbins, sizeof(*att)))) rc = SIO_ENOMEM;
  if (rc) {
    sio__free(bins);
    sio__rbuf_unref(text);
    return rc;
  }
  for (size_t i = 0, off = bins_off; i < nbins; i++) {
    att[i].len = bins[i].len;
    if (keep) {
      att[i].base = bins[i].base;
      att[i].owner = sio__rbuf_ref(owner);
    } else {
      att[i].base = text->data + off;
      att[i].owner = sio__rbuf_ref(text);
      off += bins[i].len;
    }
  }
  sio__free(bins);
  out->att = att;
  out->text = text;
  out->h.nsp = (const char *)text->data + nsp_off;
  out->h.nsp_len = nsp->via.str.size;
  out->h.has_ack = id >= 0;
  out->h.ack_id = id >= 0 ? (uint64_t)id : 0;
  return 0;
}

static int mp_feed(void *dec, int binary, const uint8_t *p, size_t n, sio__rbuf_t *owner,
                   sio__sio_packet_t *out) {
  const sio__sio_limits_t *lim = dec;
  if (!binary) return SIO_EPROTO;
  msgpack_unpacked up;
  int rc = sio__mp_unpack((const char *)p, n, &up);
  if (rc) return rc;
  int64_t type, id;
  const msgpack_object *nsp, *data;
  rc = check_packet(&up.data, &type, &nsp, &data, &id);
  if (!rc) rc = build_packet(lim, p, n, owner, type, nsp, data, id, out);
  msgpack_unpacked_destroy(&up);
  return rc ? rc : 1;
}

static void mp_decoder_init(void *dec, const sio__sio_limits_t *lim) {
  if (lim)
    *(sio__sio_limits_t *)dec = *lim;
  else
    sio__sio_limits_init(dec);
}

static void mp_decoder_reset(void *dec) {
  (void)dec; /* nothing held between messages */
}

static const sio_parser_t k_msgpack = {
    "msgpack",       mp_encode,        sizeof(sio__sio_limits_t),
    mp_decoder_init, mp_decoder_reset, mp_feed};

const sio_parser_t *sio_parser_msgpack(void) {
  return &k_msgpack;
}
