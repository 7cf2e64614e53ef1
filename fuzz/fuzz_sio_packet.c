/* Fuzz target: Socket.IO packets (src/sio/sio_packet.h) and binary
 * reassembly (src/sio/sio_binary.h).
 *
 * 1. The whole input is decoded as one packet text. When it decodes, the
 *    spans lie inside it, and encoding it again (header + compact payload,
 *    and for events name + args) decodes to the same header and payload.
 * 2. The input, split at 0x1e, is a sequence of Engine.IO messages fed to a
 *    reassembling decoder: a piece starting with 'b' is a binary message (its
 *    other bytes), any other piece a text message. Complete packets must match
 *    a direct decode of their text and carry exactly the attachments fed;
 *    every error leaves the decoder reset. Even pieces are fed by copy, odd
 *    ones by reference (owner rbuf). */
#include "core/json.h"
#include "core/rbuf.h"
#include "sio/common.h"
#include "sio/sio_binary.h"
#include "sio/sio_packet.h"

#include "fuzz_common.h"

#define SP_SEP 0x1e

static int sp_inside(const char *p, size_t n, const char *base, size_t len) {
  return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static int sp_nsp_eq(const sio__sio_header_t *a, const sio__sio_header_t *b) {
  int ra = sio__sio_nsp_is_root(a->nsp, a->nsp_len);
  int rb = sio__sio_nsp_is_root(b->nsp, b->nsp_len);
  if (ra || rb) return ra && rb;
  return a->nsp_len == b->nsp_len && memcmp(a->nsp, b->nsp, a->nsp_len) == 0;
}

static void sp_check_packet(const sio__sio_packet_t *k, const char *p, size_t n) {
  const sio__sio_header_t *h = &k->h;
  FZ_CHECK(h->type <= SIO_SIO_BINARY_ACK);
  FZ_CHECK((h->type == SIO_SIO_BINARY_EVENT || h->type == SIO_SIO_BINARY_ACK) ==
           (h->attachments > 0));
  FZ_CHECK(h->attachments <= SIO_SIO_MAX_ATTACHMENTS_DEFAULT);
  FZ_CHECK(h->nsp && h->nsp_len > 0 && h->nsp[0] == '/');
  FZ_CHECK(!memchr(h->nsp, ',', h->nsp_len));
  if (!(h->nsp_len == 1 && !sp_inside(h->nsp, 1, p, n)))
    FZ_CHECK(sp_inside(h->nsp, h->nsp_len, p, n));
  if (k->payload.type != SIO_JSON_NONE)
    FZ_CHECK(sp_inside(k->payload.p, k->payload.len, p, n) && k->payload.len > 0);
  switch (h->type) {
    case SIO_SIO_CONNECT:
      FZ_CHECK(k->payload.type == SIO_JSON_NONE || k->payload.type == SIO_JSON_OBJECT);
      break;
    case SIO_SIO_DISCONNECT:
      FZ_CHECK(k->payload.type == SIO_JSON_NONE);
      break;
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT: {
      FZ_CHECK(k->payload.type == SIO_JSON_ARRAY);
      FZ_CHECK(k->name.type == SIO_JSON_STRING || k->name.type == SIO_JSON_NUMBER);
      FZ_CHECK(sp_inside(k->name.p, k->name.len, k->payload.p, k->payload.len));
      FZ_CHECK(sp_inside(k->args, k->args_len, k->payload.p, k->payload.len));
      char *buf = malloc(k->name.len + 1);
      size_t len;
      FZ_CHECK(buf);
      FZ_CHECK(sio__sio_event_name(k, buf, k->name.len + 1, &len) == 0);
      FZ_CHECK(len <= k->name.len && buf[len] == 0);
      if (k->name.type == SIO_JSON_STRING) FZ_CHECK(!sio__sio_name_reserved(buf, len));
      free(buf);
      break;
    }
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      FZ_CHECK(k->payload.type == SIO_JSON_NONE || k->payload.type == SIO_JSON_ARRAY);
      break;
    default:
      FZ_CHECK(k->payload.type == SIO_JSON_OBJECT || k->payload.type == SIO_JSON_STRING);
  }
  /* Arguments iterate without error. */
  sio__json_iter_t it;
  sio__json_val_t v;
  if (sio__sio_packet_args(k, &it) == 0) {
    int rc, guard = 0;
    while ((rc = sio__json_iter_next(&it, NULL, &v)) == 1) FZ_CHECK(++guard <= 100000);
    FZ_CHECK(rc == 0);
  }
  if (h->attachments && k->payload.type != SIO_JSON_NONE)
    FZ_CHECK(sio__sio_placeholders_walk(&k->payload, h->attachments, 0, NULL, NULL) == 0);
}

/* Decodes b[0..n) (copied to an exact-size buffer) and compares it with the
 * packet it was encoded from: same header, and either the same name and args
 * (event) or the given payload (want's payload made compact). */
static void sp_check_reencoded(const sio__sio_packet_t *want, const uint8_t *b, size_t n,
                               const char *payload, size_t payload_len, int event) {
  char *c = (char *)fz_dup(b, n);
  sio__sio_packet_t got;
  int rc = sio__sio_packet_decode(c, n, NULL, &got);
  if (rc) {
    fprintf(stderr, "re-encoded packet refused (%d): [%.*s]\n", rc, (int)n, c);
    FZ_CHECK(!"re-encoded packet refused");
  }
  FZ_CHECK(got.h.type == want->h.type);
  FZ_CHECK(got.h.attachments == want->h.attachments);
  FZ_CHECK(got.h.has_ack == want->h.has_ack);
  if (got.h.has_ack) FZ_CHECK(got.h.ack_id == want->h.ack_id);
  FZ_CHECK(sp_nsp_eq(&got.h, &want->h));
  FZ_CHECK(got.payload.type == want->payload.type);
  if (event) {
    FZ_CHECK(got.name.len == want->name.len &&
             memcmp(got.name.p, want->name.p, got.name.len) == 0);
    FZ_CHECK(got.args_len == want->args_len &&
             (got.args_len == 0 || memcmp(got.args, want->args, got.args_len) == 0));
  } else if (payload_len) {
    FZ_CHECK(got.payload.len == payload_len &&
             memcmp(got.payload.p, payload, payload_len) == 0);
  }
  free(c);
}

static void sp_roundtrip(const sio__sio_packet_t *k) {
  const sio__sio_header_t *h = &k->h;
  int carries = h->type == SIO_SIO_EVENT || h->type == SIO_SIO_ACK ||
                h->type == SIO_SIO_BINARY_EVENT || h->type == SIO_SIO_BINARY_ACK;
  sio__sb_t pl, sb;
  sio__sb_init(&pl, k->payload.len);
  if (k->payload.type != SIO_JSON_NONE) sio__json_write_compact(&pl, &k->payload);
  FZ_CHECK(pl.err == 0);
  const char *payload = (const char *)sio__sb_data(&pl);
  size_t payload_len = sio__sb_len(&pl);

  sio__sb_init(&sb, 64);
  int rc = sio__sio_encode(&sb, h, payload_len ? payload : NULL, payload_len);
  if (!carries && h->has_ack) {
    /* Accepted on decode (as the reference does) but never written. */
    FZ_CHECK(rc == SIO_EINVAL && sio__sb_len(&sb) == 0);
  } else {
    FZ_CHECK(rc == 0);
    sp_check_reencoded(k, sio__sb_data(&sb), sio__sb_len(&sb), payload, payload_len, 0);
  }
  sio__sb_reset(&sb);

  if (h->type == SIO_SIO_EVENT || h->type == SIO_SIO_BINARY_EVENT) {
    /* Relay form: the name token and the argument text as they were. */
    sio__sb_init(&sb, 64);
    rc = sio__sio_encode_event_raw(&sb, h, k->name.p, k->name.len, k->args, k->args_len);
    FZ_CHECK(rc == 0);
    sp_check_reencoded(k, sio__sb_data(&sb), sio__sb_len(&sb), NULL, 0, 1);
    sio__sb_reset(&sb);
    /* Unescaped name, escaped again by the encoder. */
    if (k->name.type == SIO_JSON_STRING) {
      char *name = malloc(k->name.len + 1);
      size_t len;
      FZ_CHECK(name);
      FZ_CHECK(sio__sio_event_name(k, name, k->name.len + 1, &len) == 0);
      sio__sb_init(&sb, 64);
      rc = sio__sio_encode_event(&sb, h, name, len, k->args, k->args_len);
      FZ_CHECK(rc == 0);
      char *c = (char *)fz_dup(sio__sb_data(&sb), sio__sb_len(&sb));
      sio__sio_packet_t got;
      FZ_CHECK(sio__sio_packet_decode(c, sio__sb_len(&sb), NULL, &got) == 0);
      FZ_CHECK(sio__json_string_eq(&got.name, name, len) == 1);
      FZ_CHECK(got.args_len == k->args_len &&
               (!got.args_len || memcmp(got.args, k->args, got.args_len) == 0));
      free(c);
      free(name);
      sio__sb_reset(&sb);
    }
  }
  sio__sb_reset(&pl);
}

static void sp_single(const uint8_t *data, size_t size) {
  char *c = (char *)fz_dup(data, size);
  sio__sio_packet_t k;
  int rc = sio__sio_packet_decode(c, size, NULL, &k);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO || rc == SIO_ELIMIT);
  FZ_CHECK(k.att == NULL && k.text == NULL);
  if (rc == 0) {
    sp_check_packet(&k, c, size);
    sp_roundtrip(&k);
  }
  sio__sio_packet_release(&k); /* a no-op on a decoded packet */
  free(c);
}

/* A complete packet from the decoder must equal a direct decode of its
 * text. */
static void sp_check_complete(const sio__sio_packet_t *k, const char *text, size_t n) {
  char *c = (char *)fz_dup(text, n);
  sio__sio_packet_t d;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  FZ_CHECK(sio__sio_packet_decode(c, n, &lim, &d) == 0);
  FZ_CHECK(d.h.type == k->h.type && d.h.has_ack == k->h.has_ack);
  FZ_CHECK(d.h.attachments == k->h.attachments && d.h.ack_id == k->h.ack_id);
  FZ_CHECK(sp_nsp_eq(&d.h, &k->h));
  FZ_CHECK(d.payload.type == k->payload.type && d.payload.len == k->payload.len);
  if (d.payload.len) FZ_CHECK(memcmp(d.payload.p, k->payload.p, d.payload.len) == 0);
  FZ_CHECK(d.args_len == k->args_len);
  if (d.args_len) FZ_CHECK(memcmp(d.args, k->args, d.args_len) == 0);
  free(c);
}

static void sp_stream(const uint8_t *data, size_t size) {
  sio__sio_decoder_t dec;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_binary_bytes = 256; /* small, so ELIMIT is reachable */
  sio__sio_decoder_init(&dec, &lim);

  /* The text of the packet waiting for attachments, and what was fed since. */
  const uint8_t *wait_text = NULL;
  size_t wait_len = 0;
  const uint8_t *att_p[SIO_SIO_MAX_ATTACHMENTS_DEFAULT];
  size_t att_n[SIO_SIO_MAX_ATTACHMENTS_DEFAULT];
  uint32_t fed = 0;
  size_t wait_bytes = 0;

  size_t start = 0, index = 0;
  while (start <= size) {
    const uint8_t *sep = memchr(data + start, SP_SEP, size - start);
    size_t end = sep ? (size_t)(sep - data) : size;
    const uint8_t *piece = data + start;
    size_t n = end - start;
    int binary = n > 0 && piece[0] == 'b';
    const uint8_t *body = binary ? piece + 1 : piece;
    size_t bn = binary ? n - 1 : n;
    int waiting = sio__sio_decoder_waiting(&dec);

    /* Odd pieces by reference: an rbuf with a byte before and after. */
    sio__rbuf_t *owner = NULL;
    const uint8_t *p;
    uint8_t *copy = NULL;
    if (index & 1) {
      owner = sio__rbuf_new(bn + 2);
      FZ_CHECK(owner);
      owner->data[0] = 'x';
      if (bn) memcpy(owner->data + 1, body, bn);
      owner->data[bn + 1] = 'y';
      owner->len = bn + 2;
      p = owner->data + 1;
    } else {
      copy = fz_dup(body, bn);
      p = copy;
    }

    sio__sio_packet_t out;
    int rc;
    memset(&out, 0, sizeof(out));
    if (binary) {
      rc = sio__sio_decoder_feed_binary(&dec, p, bn, owner, &out);
      if (!waiting) {
        FZ_CHECK(rc == SIO_EPROTO);
      } else if (wait_bytes + bn > lim.max_binary_bytes) {
        FZ_CHECK(rc == SIO_ELIMIT);
      } else {
        FZ_CHECK(rc >= 0);
        wait_bytes += bn;
        att_p[fed] = body;
        att_n[fed] = bn;
        fed++;
        if (rc == 1) {
          FZ_CHECK(fed == out.h.attachments && out.att && out.text);
          for (uint32_t i = 0; i < fed; i++) {
            FZ_CHECK(out.att[i].len == att_n[i] && out.att[i].owner);
            if (att_n[i]) FZ_CHECK(memcmp(out.att[i].base, att_p[i], att_n[i]) == 0);
          }
          sp_check_complete(&out, (const char *)wait_text, wait_len);
          sp_check_packet(&out, (const char *)out.text->data, out.text->len);
          sio__sio_packet_release(&out);
          FZ_CHECK(out.att == NULL && out.text == NULL);
        } else {
          FZ_CHECK(rc == 0 && fed < SIO_SIO_MAX_ATTACHMENTS_DEFAULT);
        }
      }
    } else {
      rc = sio__sio_decoder_feed_text(&dec, (const char *)p, bn, owner, &out);
      if (waiting) {
        FZ_CHECK(rc == SIO_EPROTO);
      } else if (rc == 1) {
        FZ_CHECK(out.att == NULL && out.text == NULL && out.h.attachments == 0);
        sp_check_packet(&out, (const char *)p, bn);
        sp_check_complete(&out, (const char *)body, bn);
      } else if (rc == 0) {
        FZ_CHECK(sio__sio_decoder_waiting(&dec));
        wait_text = body;
        wait_len = bn;
        fed = 0;
        wait_bytes = 0;
      } else {
        FZ_CHECK(rc == SIO_EPROTO || rc == SIO_ELIMIT);
      }
    }
    if (rc < 0) FZ_CHECK(!sio__sio_decoder_waiting(&dec));
    FZ_CHECK(sio__sio_decoder_waiting(&dec) == (rc == 0));
    /* The decoder holds its own references: the caller's are dropped now. */
    sio__rbuf_unref(owner);
    free(copy);
    if (!sep) break;
    start = end + 1;
    index++;
  }
  sio__sio_decoder_reset(&dec);
  FZ_CHECK(!sio__sio_decoder_waiting(&dec));
}

static int fuzz_sio_packet(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  sp_single(data, size);
  sp_stream(data, size);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_sio_packet(data, size);
}
#endif
