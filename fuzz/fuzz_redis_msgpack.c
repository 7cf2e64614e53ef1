/* Fuzz target: the msgpack bridge (src/core/msgpack_json.h) and the Redis
 * adapter's messages built on it (src/redis/redis_msgpack.h).
 *
 * The input is used twice:
 * 1. As one msgpack message: sio__mp_unpack, then sio__mp_to_json of the root
 *    and the decoders of a broadcast, a type 7 request and a type 9 response.
 *    Attachments must point inside the input. What decodes is encoded again
 *    (the JSON text packed back, or the whole message re-encoded) and decoded
 *    again: the JSON text, attachments, rooms and flags must be the same.
 * 2. As libsio JSON text, a comma-separated argument list with three
 *    attachments: sio__mp_count_json_list must accept exactly what libsio's
 *    own parser accepts (as "[" text "]"); what packs must unpack, and its JSON
 *    text must be a fixed point (packing it again gives the same bytes and the
 *    same text). */
#include <msgpack.h>

#include "core/json.h"
#include "redis/redis_msgpack.h"
#include "sio/common.h"

#include "fuzz_common.h"

#define RMPF_MAX_ATT 16

static int rmpf_inside(const void *p, size_t n, const uint8_t *base, size_t len) {
  const uint8_t *q = p;
  if (n == 0) return 1; /* an empty bin may point anywhere */
  return q >= base && q <= base + len && n <= (size_t)(base + len - q);
}

/* A NUL-terminated copy of s, or NULL if s holds a NUL byte. */
static char *rmpf_cstr(const sio__rmp_str_t *s) {
  if (s->len && memchr(s->s, 0, s->len)) return NULL;
  char *c = malloc(s->len + 1);
  if (!c) abort();
  if (s->len) memcpy(c, s->s, s->len);
  c[s->len] = 0;
  return c;
}

static int rmpf_str_eq(const sio__rmp_str_t *a, const sio__rmp_str_t *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

static int rmpf_att_eq(const sio_buf_t *a, size_t na, const sio_buf_t *b, size_t nb) {
  if (na != nb) return 0;
  for (size_t i = 0; i < na; i++)
    if (a[i].len != b[i].len || (a[i].len && memcmp(a[i].base, b[i].base, a[i].len)))
      return 0;
  return 1;
}

static int rmpf_json_eq(const sio__sb_t *a, const sio__sb_t *b) {
  size_t n = sio__sb_len(a);
  return n == sio__sb_len(b) &&
         (n == 0 || memcmp(sio__rmp_text(a), sio__rmp_text(b), n) == 0);
}

/* Copies of the room names (NULL entries make the whole list unusable). */
static char **rmpf_rooms(const sio__rmp_str_t *v, size_t n, int *ok) {
  char **r = calloc(n ? n : 1, sizeof(char *));
  if (!r) abort();
  for (size_t i = 0; i < n; i++)
    if (!(r[i] = rmpf_cstr(&v[i]))) *ok = 0;
  return r;
}

static void rmpf_free_rooms(char **r, size_t n) {
  for (size_t i = 0; i < n; i++) free(r[i]);
  free(r);
}

/* A decoded broadcast (type 7: with its request id) is what re-encoding it
 * decodes to. */
static void rmpf_broadcast_roundtrip(const uint8_t *base, size_t len,
                                     const sio__rmp_broadcast_t *b,
                                     const sio__rmp_str_t *req_id) {
  FZ_CHECK(b->natt <= RMPF_MAX_ATT);
  FZ_CHECK(rmpf_inside(b->uid.s, b->uid.len, base, len));
  FZ_CHECK(rmpf_inside(b->event.s, b->event.len, base, len));
  for (size_t i = 0; i < b->natt; i++)
    FZ_CHECK(rmpf_inside(b->att[i].base, b->att[i].len, base, len));
  size_t count;
  FZ_CHECK(sio__mp_count_json_list(sio__rmp_text(&b->json), sio__sb_len(&b->json),
                                   SIO__RMP_JSON_MAX_DEPTH, &count) == 0);

  int ok = 1;
  char *uid = rmpf_cstr(&b->uid), *event = rmpf_cstr(&b->event);
  char *nsp = b->nsp.s ? rmpf_cstr(&b->nsp) : NULL;
  char *rid = req_id ? rmpf_cstr(req_id) : NULL;
  char **rooms = rmpf_rooms(b->rooms, b->nrooms, &ok);
  char **except = rmpf_rooms(b->except, b->nexcept, &ok);
  if (!uid || !event || (b->nsp.s && !nsp) || (req_id && !rid)) ok = 0;
  if (b->timeout_ms < 0 || b->timeout_ms > (int64_t)UINT32_MAX) ok = 0;
  if (ok) {
    sio__rmp_event_t ev = {event, sio__rmp_text(&b->json), sio__sb_len(&b->json), b->att,
                           b->natt};
    sio__rmp_opts_t o = {(const char *const *)rooms,
                         b->nrooms,
                         (const char *const *)except,
                         b->nexcept,
                         b->volatile_,
                         (uint32_t)b->timeout_ms,
                         b->no_compress};
    sio__sb_t out = {0};
    int rc = req_id ? sio__rmp_encode_broadcast_ack_request(&out, uid, rid,
                                                            nsp ? nsp : "/", &ev, &o)
                    : sio__rmp_encode_broadcast(&out, uid, nsp ? nsp : "/", &ev, &o,
                                                (int)(len & 1));
    FZ_CHECK(rc == 0);
    msgpack_unpacked u;
    FZ_CHECK(sio__mp_unpack(sio__rmp_text(&out), sio__sb_len(&out), &u) == 0);
    sio__rmp_broadcast_t c;
    sio__rmp_str_t rid2;
    rc = req_id ? sio__rmp_decode_broadcast_ack_request(&u.data, &c, &rid2, RMPF_MAX_ATT)
                : sio__rmp_decode_broadcast(&u.data, &c, RMPF_MAX_ATT);
    FZ_CHECK(rc == 0);
    FZ_CHECK(rmpf_json_eq(&b->json, &c.json));
    FZ_CHECK(rmpf_att_eq(b->att, b->natt, c.att, c.natt));
    FZ_CHECK(rmpf_str_eq(&b->uid, &c.uid) && rmpf_str_eq(&b->event, &c.event));
    FZ_CHECK(c.type == 2 && c.volatile_ == b->volatile_ &&
             c.no_compress == b->no_compress && c.timeout_ms == b->timeout_ms);
    FZ_CHECK(c.nsp.s && (b->nsp.s ? rmpf_str_eq(&b->nsp, &c.nsp)
                                  : (c.nsp.len == 1 && c.nsp.s[0] == '/')));
    FZ_CHECK(c.nrooms == b->nrooms && c.nexcept == b->nexcept);
    for (size_t i = 0; i < c.nrooms; i++)
      FZ_CHECK(rmpf_str_eq(&b->rooms[i], &c.rooms[i]));
    for (size_t i = 0; i < c.nexcept; i++)
      FZ_CHECK(rmpf_str_eq(&b->except[i], &c.except[i]));
    if (req_id) FZ_CHECK(rmpf_str_eq(req_id, &rid2));
    sio__rmp_broadcast_free(&c);
    msgpack_unpacked_destroy(&u);
    sio__sb_reset(&out);
  }
  free(uid);
  free(event);
  free(nsp);
  free(rid);
  rmpf_free_rooms(rooms, b->nrooms);
  rmpf_free_rooms(except, b->nexcept);
}

/* A JSON text from the decoder packs (as one value, or as a list) and decodes to
 * itself. */
static void rmpf_json_roundtrip(const sio__sb_t *json, const sio_buf_t *att, size_t natt,
                                int list) {
  sio__sb_t mp = {0}, back = {0};
  msgpack_packer pk;
  sio__mp_packer_init(&pk, &mp);
  size_t count = 1;
  if (list) {
    FZ_CHECK(sio__mp_count_json_list(sio__rmp_text(json), sio__sb_len(json),
                                     SIO__RMP_JSON_MAX_DEPTH, &count) == 0);
    FZ_CHECK(msgpack_pack_array(&pk, count) == 0);
  }
  FZ_CHECK((list ? sio__mp_pack_json_list(&pk, sio__rmp_text(json), sio__sb_len(json),
                                          att, natt, SIO__MP_MAX_DEPTH)
                 : sio__mp_pack_json(&pk, sio__rmp_text(json), sio__sb_len(json), att,
                                     natt, SIO__MP_MAX_DEPTH)) == 0);
  msgpack_unpacked u;
  FZ_CHECK(sio__mp_unpack(sio__rmp_text(&mp), sio__sb_len(&mp), &u) == 0);
  sio_buf_t *att2 = NULL;
  size_t natt2 = 0;
  int rc = list ? sio__mp_array_to_json(&u.data, 0, &back, &att2, &natt2, natt)
                : sio__mp_to_json(&u.data, &back, &att2, &natt2, natt);
  FZ_CHECK(rc == 0);
  FZ_CHECK(rmpf_json_eq(json, &back));
  FZ_CHECK(rmpf_att_eq(att, natt, att2, natt2));
  sio_free(att2);
  msgpack_unpacked_destroy(&u);
  sio__sb_reset(&mp);
  sio__sb_reset(&back);
}

static void rmpf_msgpack(const uint8_t *p, size_t n) {
  msgpack_unpacked u;
  if (sio__mp_unpack((const char *)p, n, &u)) return;

  /* The root as one JSON value. */
  sio__sb_t json = {0};
  sio_buf_t *att = NULL;
  size_t natt = 0;
  int rc = sio__mp_to_json(&u.data, &json, &att, &natt, RMPF_MAX_ATT);
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO || rc == SIO_ELIMIT);
  FZ_CHECK(natt <= RMPF_MAX_ATT);
  for (size_t i = 0; i < natt; i++) FZ_CHECK(rmpf_inside(att[i].base, att[i].len, p, n));
  if (rc == 0) rmpf_json_roundtrip(&json, att, natt, 0);
  sio__sb_reset(&json);
  sio_free(att);
  att = NULL;
  natt = 0;

  sio__rmp_broadcast_t b;
  if (sio__rmp_decode_broadcast(&u.data, &b, RMPF_MAX_ATT) == 0) {
    rmpf_json_roundtrip(&b.json, b.att, b.natt, 1);
    rmpf_broadcast_roundtrip(p, n, &b, NULL);
    sio__rmp_broadcast_free(&b);
  } else {
    FZ_CHECK(sio__sb_data(&b.json) == NULL && b.att == NULL && b.rooms == NULL &&
             b.except == NULL);
  }

  sio__rmp_str_t rid;
  if (sio__rmp_decode_broadcast_ack_request(&u.data, &b, &rid, RMPF_MAX_ATT) == 0) {
    FZ_CHECK(rmpf_inside(rid.s, rid.len, p, n));
    rmpf_broadcast_roundtrip(p, n, &b, &rid);
    sio__rmp_broadcast_free(&b);
  }

  if (sio__rmp_decode_broadcast_ack_reply(&u.data, &rid, &json, &att, &natt,
                                          RMPF_MAX_ATT) == 0) {
    FZ_CHECK(rmpf_inside(rid.s, rid.len, p, n));
    char *ridc = rmpf_cstr(&rid);
    if (ridc) {
      sio__sb_t out = {0}, json2 = {0};
      sio_buf_t *att2 = NULL;
      size_t natt2 = 0;
      sio__rmp_str_t rid2;
      msgpack_unpacked u2;
      FZ_CHECK(sio__rmp_encode_broadcast_ack_reply(&out, ridc, sio__rmp_text(&json),
                                                   sio__sb_len(&json), att, natt) == 0);
      FZ_CHECK(sio__mp_unpack(sio__rmp_text(&out), sio__sb_len(&out), &u2) == 0);
      FZ_CHECK(sio__rmp_decode_broadcast_ack_reply(&u2.data, &rid2, &json2, &att2, &natt2,
                                                   RMPF_MAX_ATT) == 0);
      FZ_CHECK(rmpf_str_eq(&rid, &rid2));
      FZ_CHECK(rmpf_json_eq(&json, &json2));
      FZ_CHECK(rmpf_att_eq(att, natt, att2, natt2));
      sio_free(att2);
      sio__sb_reset(&json2);
      sio__sb_reset(&out);
      msgpack_unpacked_destroy(&u2);
      free(ridc);
    }
  }
  sio__sb_reset(&json);
  sio_free(att);
  msgpack_unpacked_destroy(&u);
}

static void rmpf_json(const uint8_t *p, size_t n) {
  static const uint8_t bytes[] = {0xde, 0xad, 0xbe, 0xef};
  const sio_buf_t att[3] = {{bytes, 0}, {bytes, 2}, {bytes, 4}};
  const char *text = (const char *)p;

  /* Same verdict as libsio's parser on the bracketed list (depth: ours counts
   * per argument, the brackets add one). */
  size_t count;
  int rc = sio__mp_count_json_list(text, n, SIO__RMP_JSON_MAX_DEPTH, &count);
  char *wrapped = malloc(n + 2);
  if (!wrapped) abort();
  wrapped[0] = '[';
  if (n) memcpy(wrapped + 1, p, n);
  wrapped[n + 1] = ']';
  int ref = sio__json_parse(wrapped, n + 2, SIO__RMP_JSON_MAX_DEPTH + 1, NULL);
  free(wrapped);
  FZ_CHECK((rc == 0) == (ref == 0));
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO || rc == SIO_ELIMIT);
  if (rc) return;

  sio__sb_t mp = {0};
  msgpack_packer pk;
  sio__mp_packer_init(&pk, &mp);
  FZ_CHECK(msgpack_pack_array(&pk, count) == 0);
  rc = sio__mp_pack_json_list(&pk, text, n, att, 3, SIO__RMP_JSON_MAX_DEPTH);
  /* Only a placeholder with a bad num fails once the syntax is right. */
  FZ_CHECK(rc == 0 || rc == SIO_EPROTO);
  if (rc == 0) {
    msgpack_unpacked u;
    FZ_CHECK(sio__mp_unpack(sio__rmp_text(&mp), sio__sb_len(&mp), &u) == 0);
    sio__sb_t json = {0};
    sio_buf_t *att1 = NULL;
    size_t natt1 = 0;
    FZ_CHECK(sio__mp_array_to_json(&u.data, 0, &json, &att1, &natt1, SIZE_MAX) == 0);
    for (size_t i = 0; i < natt1; i++)
      FZ_CHECK(rmpf_inside(att1[i].base, att1[i].len, (const uint8_t *)sio__rmp_text(&mp),
                           sio__sb_len(&mp)) &&
               (att1[i].len == 0 || att1[i].len == 2 || att1[i].len == 4));
    /* The decoded text is canonical: it packs to bytes that decode to it. */
    sio__sb_t mp2 = {0}, mp3 = {0};
    msgpack_packer pk2;
    sio__mp_packer_init(&pk2, &mp2);
    FZ_CHECK(msgpack_pack_array(&pk2, count) == 0);
    FZ_CHECK(sio__mp_pack_json_list(&pk2, sio__rmp_text(&json), sio__sb_len(&json), att1,
                                    natt1, SIO__RMP_JSON_MAX_DEPTH) == 0);
    rmpf_json_roundtrip(&json, att1, natt1, 1);
    /* ...and packing is then stable byte for byte. */
    msgpack_unpacked u2;
    FZ_CHECK(sio__mp_unpack(sio__rmp_text(&mp2), sio__sb_len(&mp2), &u2) == 0);
    sio__sb_t json2 = {0};
    sio_buf_t *att2 = NULL;
    size_t natt2 = 0;
    FZ_CHECK(sio__mp_array_to_json(&u2.data, 0, &json2, &att2, &natt2, SIZE_MAX) == 0);
    sio__mp_packer_init(&pk2, &mp3);
    FZ_CHECK(msgpack_pack_array(&pk2, count) == 0);
    FZ_CHECK(sio__mp_pack_json_list(&pk2, sio__rmp_text(&json2), sio__sb_len(&json2),
                                    att2, natt2, SIO__RMP_JSON_MAX_DEPTH) == 0);
    FZ_CHECK(sio__sb_len(&mp2) == sio__sb_len(&mp3) &&
             memcmp(sio__rmp_text(&mp2), sio__rmp_text(&mp3), sio__sb_len(&mp2)) == 0);
    sio_free(att2);
    sio__sb_reset(&json2);
    msgpack_unpacked_destroy(&u2);
    sio__sb_reset(&mp2);
    sio__sb_reset(&mp3);
    sio_free(att1);
    sio__sb_reset(&json);
    msgpack_unpacked_destroy(&u);
  }
  sio__sb_reset(&mp);
}

static int fuzz_redis_msgpack(const uint8_t *data, size_t size) {
  uint8_t *c = fz_dup(data, size);
  rmpf_msgpack(c, size);
  rmpf_json(c, size);
  free(c);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_redis_msgpack(data, size);
}
#endif
