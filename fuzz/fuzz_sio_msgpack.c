/* Fuzz target: the msgpack parser's packet decoder and encoder
 * (src/sio/sio_parser_msgpack.c, over core/msgpack_*).
 *
 * The input is one binary Engine.IO message fed to a fresh decoder twice:
 * by copy (no owner) and by reference (an owner rbuf holding it). Both must
 * give the same verdict and the same packet: a type 0-6 whose 5/6 forms are
 * exactly those with attachments, a namespace equal between the two, a
 * payload the JSON form accepts for its type, attachments inside the owner
 * (by reference) or inside the packet's own text (by copy). A packet that
 * decodes is encoded again (its event name, arguments and attachments, or
 * its raw payload) and that message decodes to the same payload text and
 * attachment bytes. Errors are only those the seam documents. */
#include "core/alloc.h"
#include "core/msgpack_json.h"
#include "core/rbuf.h"
#include "sio/common.h"
#include "sio/sio_message.h"
#include "sio/sio_parser.h"

#include "fuzz_common.h"

static int smf_inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len) {
  return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static int smf_feed(const uint8_t *data, size_t size, sio__rbuf_t *owner,
                    sio__sio_packet_t *pkt) {
  max_align_t dec[8];
  const sio_parser_t *p = sio_parser_msgpack();
  FZ_CHECK(p->decoder_size <= sizeof(dec));
  p->decoder_init(dec, NULL);
  int rc = p->decoder_feed(dec, 1, owner ? owner->data : data, size, owner, pkt);
  p->decoder_reset(dec);
  FZ_CHECK(rc == 1 || rc == SIO_EPROTO || rc == SIO_ELIMIT || rc == SIO_ENOMEM);
  return rc;
}

static void smf_check(const sio__sio_packet_t *k, const uint8_t *base, size_t len) {
  const sio__sio_header_t *h = &k->h;
  FZ_CHECK(h->type <= SIO_SIO_BINARY_ACK);
  int bin = h->type == SIO_SIO_BINARY_EVENT || h->type == SIO_SIO_BINARY_ACK;
  FZ_CHECK(bin == (h->attachments > 0));
  FZ_CHECK(h->attachments <= SIO_SIO_MAX_ATTACHMENTS_DEFAULT);
  FZ_CHECK(k->text != NULL);
  FZ_CHECK(smf_inside((const uint8_t *)h->nsp, h->nsp_len, k->text->data, k->text->len));
  for (uint32_t i = 0; i < h->attachments; i++) {
    const sio__sio_attachment_t *a = &k->att[i];
    FZ_CHECK(a->owner);
    if (base)
      FZ_CHECK(smf_inside(a->base, a->len, base, len));
    else
      FZ_CHECK(smf_inside(a->base, a->len, k->text->data, k->text->len));
  }
  sio_argv_t av;
  if (h->type != SIO_SIO_CONNECT && h->type != SIO_SIO_DISCONNECT &&
      h->type != SIO_SIO_CONNECT_ERROR) {
    FZ_CHECK(sio__argv_init(&av, k) == 0);
    sio__argv_clear(&av);
  }
}

/* The same packet; ack ids compared only when acks is set (an id on a
 * control packet is accepted, as the reference does, but has no meaning and
 * is not written again). */
static int smf_same(const sio__sio_packet_t *a, const sio__sio_packet_t *b, int acks) {
  if (a->h.type != b->h.type ||
      (acks && (a->h.has_ack != b->h.has_ack || a->h.ack_id != b->h.ack_id)) ||
      a->h.attachments != b->h.attachments || a->h.nsp_len != b->h.nsp_len ||
      memcmp(a->h.nsp, b->h.nsp, a->h.nsp_len) || a->payload.type != b->payload.type ||
      a->payload.len != b->payload.len ||
      (a->payload.len && memcmp(a->payload.p, b->payload.p, a->payload.len)))
    return 0;
  for (uint32_t i = 0; i < a->h.attachments; i++)
    if (a->att[i].len != b->att[i].len ||
        (a->att[i].len && memcmp(a->att[i].base, b->att[i].base, a->att[i].len)))
      return 0;
  return 1;
}

/* Encodes k again and decodes the result: the same packet. */
static void smf_round_trip(const sio__sio_packet_t *k) {
  if (memchr(k->h.nsp, 0, k->h.nsp_len)) return; /* not a C string */
  char *nsp = malloc(k->h.nsp_len + 1);
  if (!nsp) abort();
  memcpy(nsp, k->h.nsp, k->h.nsp_len);
  nsp[k->h.nsp_len] = 0;
  uint8_t t = k->h.type;
  int msg = t == SIO_SIO_EVENT || t == SIO_SIO_BINARY_EVENT || t == SIO_SIO_ACK ||
            t == SIO_SIO_BINARY_ACK;
  int event = t == SIO_SIO_EVENT || t == SIO_SIO_BINARY_EVENT;
  sio__packet_desc_t d = {msg ? (event ? SIO_SIO_EVENT : SIO_SIO_ACK) : t,
                          msg && k->h.has_ack ? (int64_t)k->h.ack_id : -1,
                          nsp,
                          NULL,
                          NULL,
                          NULL,
                          0};
  char name[256];
  sio_args_t args;
  memset(&args, 0, sizeof(args));
  sio_buf_t bins[SIO_SIO_MAX_ATTACHMENTS_DEFAULT];
  int ok = 1;
  if (msg) {
    if (event) {
      size_t nlen;
      /* a numeric name comes back as a string: compared below only when a
       * string went out */
      ok = k->name.type == SIO_JSON_STRING &&
           sio__sio_event_name(k, name, sizeof(name), &nlen) == 0 &&
           !memchr(name, 0, nlen);
      d.event = name;
    }
    for (uint32_t i = 0; i < k->h.attachments; i++) {
      bins[i].base = k->att[i].base;
      bins[i].len = k->att[i].len;
    }
    if (ok)
      ok = sio__args_set_wire(&args, k->args, k->args_len, bins, k->h.attachments) == 0;
    d.args = &args;
  } else if (k->payload.type != SIO_JSON_NONE) {
    d.payload = k->payload.p;
    d.payload_len = k->payload.len;
  }
  sio__packet_buf_t b;
  if (ok && msg && k->h.has_ack && k->h.ack_id > INT64_MAX) ok = 0;
  if (ok) {
    int rc = sio_parser_msgpack()->encode(&d, 3, &b);
    /* The JSON text of a decoded packet may still nest past the packer's
     * bound once placed in the message. */
    FZ_CHECK(rc == 0 || rc == SIO_ELIMIT);
    if (rc == 0) {
      FZ_CHECK(b.binary == 1 && b.natt == 0 && b.headroom == 3);
      sio__sio_packet_t again;
      rc = smf_feed(sio__sb_data(&b.sb) + 3, sio__sb_len(&b.sb) - 3, NULL, &again);
      FZ_CHECK(rc == 1 || rc == SIO_ELIMIT);
      if (rc == 1) {
        FZ_CHECK(smf_same(k, &again, msg));
        sio__sio_packet_release(&again);
      }
      sio__sb_reset(&b.sb);
    }
  }
  sio_args_clear(&args);
  sio__sb_reset(&args.sb);
  sio__free(args.att);
  free(nsp);
}

static int fuzz_sio_msgpack(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  uint8_t *copy = fz_dup(data, size);
  sio__sio_packet_t a, b;
  int ra = smf_feed(copy, size, NULL, &a);
  memset(copy, 0xee, size); /* a copy-fed packet owns everything it uses */
  sio__rbuf_t *owner = sio__rbuf_from(data, size);
  if (!owner) abort();
  int rb = smf_feed(NULL, size, owner, &b);
  FZ_CHECK(ra == rb);
  if (ra == 1) {
    smf_check(&a, NULL, 0);
    smf_check(&b, owner->data, owner->len);
    FZ_CHECK(smf_same(&a, &b, 1));
    smf_round_trip(&a);
    sio__sio_packet_release(&a);
    sio__sio_packet_release(&b);
  }
  sio__rbuf_unref(owner);
  free(copy);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_sio_msgpack(data, size);
}
#endif
