/* Unit tests for src/sio/sio_packet and sio_binary: every example of
 * docs/PROTOCOL.md §2.2 both ways (tests/vectors/sio_packets.txt), every
 * invalid case of §2.3, each also fed truncated at every length, placeholders and
 * reassembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/rbuf.h"
#include "sio/common.h"
#include "support/vectors.h"
#include "sio/sio_binary.h"
#include "sio/sio_internal.h"
#include "sio/sio_packet.h"

/* An exact-size heap copy, so ASan catches any read past the end. */
static char *dup_exact(const char *s, size_t n) {
  char *p = malloc(n ? n : 1);
  assert_non_null(p);
  if (n) memcpy(p, s, n);
  return p;
}

/* Decodes s at its exact size; the packet's spans point into *keep, which
 * the caller frees. */
static int decode_keep(const char *s, size_t n, const sio__sio_limits_t *lim,
                       sio__sio_packet_t *pkt, char **keep) {
  *keep = dup_exact(s, n);
  return sio__sio_packet_decode(*keep, n, lim, pkt);
}

static int decode_rc(const char *s) {
  char *keep;
  sio__sio_packet_t pkt;
  int rc = decode_keep(s, strlen(s), NULL, &pkt, &keep);
  free(keep);
  return rc;
}

static void assert_span(const char *p, size_t n, const char *want) {
  if (n != strlen(want) || (n && memcmp(p, want, n) != 0))
    fail_msg("span [%.*s] != [%s]", (int)n, p ? p : "", want);
}

/* The examples and the invalid packets: tests/vectors/sio_packets.txt,
 * loaded by main. */
struct example {
  const char *wire;
  uint8_t type;
  uint32_t attachments;
  const char *nsp;
  int has_ack;
  uint64_t ack;
  const char *payload; /* NULL: none */
  const char *name;    /* event name token, or NULL */
  const char *args;    /* events only */
};
struct invalid {
  const char *wire;
  int rc;
};
static vec_file_t packet_file;
static struct example *examples;
static struct invalid *invalids;
static size_t NEXAMPLES, NINVALID;

/* Field i of l, or NULL for "-". */
static const char *or_null(const vec_line_t *l, size_t i) {
  return vec_is(l, i, "-") ? NULL : vec_str(l, i);
}

static int load_vectors(void) {
  if (vec_load("sio_packets.txt", &packet_file)) return -1;
  size_t n = packet_file.n ? packet_file.n : 1;
  examples = calloc(n, sizeof(*examples));
  invalids = calloc(n, sizeof(*invalids));
  if (!examples || !invalids) return -1;
  for (size_t i = 0; i < packet_file.n; i++) {
    const vec_line_t *l = &packet_file.lines[i];
    if (vec_is(l, 0, "ok")) {
      struct example *x = &examples[NEXAMPLES++];
      x->wire = vec_str(l, 1);
      x->type = (uint8_t)vec_u64(l, 2);
      x->attachments = (uint32_t)vec_u64(l, 3);
      x->nsp = vec_str(l, 4);
      x->has_ack = !vec_is(l, 5, "-");
      x->ack = vec_u64(l, 5);
      x->payload = or_null(l, 6);
      x->name = or_null(l, 7);
      x->args = x->name ? vec_str(l, 8) : NULL;
    } else if (vec_is(l, 0, "eproto") || vec_is(l, 0, "elimit")) {
      invalids[NINVALID].wire = vec_str(l, 1);
      invalids[NINVALID++].rc = vec_is(l, 0, "eproto") ? SIO_EPROTO : SIO_ELIMIT;
    } else {
      fprintf(stderr, "sio_packets.txt:%d: ok, eproto or elimit?\n", l->lineno);
      return -1;
    }
  }
  return 0;
}

static void test_decode_examples(void **state) {
  for (size_t i = 0; i < NEXAMPLES; i++) {
    const struct example *x = &examples[i];
    sio__sio_packet_t pkt;
    char *keep;
    int rc = decode_keep(x->wire, strlen(x->wire), NULL, &pkt, &keep);
    if (rc) fail_msg("example %zu [%s]: rc %d", i, x->wire, rc);
    assert_int_equal(pkt.h.type, x->type);
    assert_int_equal(pkt.h.attachments, x->attachments);
    assert_span(pkt.h.nsp, pkt.h.nsp_len, x->nsp);
    assert_int_equal(pkt.h.has_ack, x->has_ack);
    assert_true(pkt.h.ack_id == x->ack);
    if (x->payload)
      assert_span(pkt.payload.p, pkt.payload.len, x->payload);
    else
      assert_int_equal(pkt.payload.type, SIO_JSON_NONE);
    if (x->name) {
      assert_span(pkt.name.p, pkt.name.len, x->name);
      assert_span(pkt.args, pkt.args_len, x->args);
    } else {
      assert_int_equal(pkt.name.type, SIO_JSON_NONE);
    }
    assert_null(pkt.att);
    assert_null(pkt.text);
    sio__sio_packet_release(&pkt); /* no-op */
    free(keep);
  }
}

/* Re-encoding each decoded example gives the same bytes (compact ones), via
 * the raw encoder and, for events, via name + args. */
static void test_encode_examples(void **state) {
  for (size_t i = 0; i < NEXAMPLES; i++) {
    const struct example *x = &examples[i];
    sio__sio_packet_t pkt;
    char *keep;
    /* Skip the forms we never write: optional comma omitted, "/" spelled,
     * whitespace, ack id on non-ack types. */
    if (strstr(x->wire, " ") || !strcmp(x->wire, "0/,") ||
        (strchr(x->wire, '/') && !strchr(x->wire, ',')))
      continue;
    assert_int_equal(decode_keep(x->wire, strlen(x->wire), NULL, &pkt, &keep), 0);
    sio__sb_t sb;
    sio__sb_init(&sb, 0);
    assert_int_equal(sio__sio_encode(&sb, &pkt.h, pkt.payload.p, pkt.payload.len), 0);
    assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), x->wire);
    sio__sb_reset(&sb);
    if (x->name) {
      assert_int_equal(sio__sio_encode_event_raw(&sb, &pkt.h, pkt.name.p, pkt.name.len,
                                                 pkt.args, pkt.args_len),
                       0);
      assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), x->wire);
      sio__sb_reset(&sb);
    }
    free(keep);
  }
}

/* Building the §2.2 examples from scratch. */
static void expect_encode(const sio__sio_header_t *h, const char *payload,
                          const char *want) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  assert_int_equal(sio__sio_encode(&sb, h, payload, payload ? strlen(payload) : 0), 0);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), want);
  sio__sb_reset(&sb);
}

static void test_encode_build(void **state) {
  sio__sio_header_t h = {0};
  h.type = SIO_SIO_CONNECT;
  expect_encode(&h, NULL, "0");
  h.nsp = "/";
  h.nsp_len = 1;
  expect_encode(&h, "{\"sid\":\"x\"}", "0{\"sid\":\"x\"}");
  h.nsp = "/admin";
  h.nsp_len = 6;
  expect_encode(&h, NULL, "0/admin,");
  h.type = SIO_SIO_CONNECT_ERROR;
  h.nsp = "/random";
  h.nsp_len = 7;
  expect_encode(&h, "{\"message\":\"Invalid namespace\"}",
                "4/random,{\"message\":\"Invalid namespace\"}");
  h.type = SIO_SIO_DISCONNECT;
  h.nsp = "/admin";
  h.nsp_len = 6;
  expect_encode(&h, NULL, "1/admin,");
  h.nsp = NULL;
  h.nsp_len = 0;
  expect_encode(&h, NULL, "1");
  /* ACK vs BINARY_ACK is chosen by the attachment count (§4 item 10). */
  h.type = SIO_SIO_ACK;
  h.has_ack = 1;
  h.ack_id = 789;
  expect_encode(&h, "[]", "3789[]");
  h.attachments = 2;
  expect_encode(
      &h, "[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
      "62-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
  h.type = SIO_SIO_BINARY_ACK;
  h.attachments = 1;
  h.ack_id = 15;
  expect_encode(&h, "[\"bar\",{\"_placeholder\":true,\"num\":0}]",
                "61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]");
  h.ack_id = UINT64_MAX;
  h.attachments = 0;
  h.type = SIO_SIO_ACK;
  h.nsp = "/admin";
  h.nsp_len = 6;
  expect_encode(&h, "[\"bar\"]", "3/admin,18446744073709551615[\"bar\"]");
  h.ack_id = 0;
  expect_encode(&h, NULL, "3/admin,0");

  /* Events from a name and an argument span. */
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__sio_header_t e = {0};
  e.type = SIO_SIO_EVENT;
  assert_int_equal(sio__sio_encode_event(&sb, &e, "foo", 3, "\"bar\"", 5), 0);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), "2[\"foo\",\"bar\"]");
  sio__sb_reset(&sb);
  e.nsp = "/admin";
  e.nsp_len = 6;
  e.has_ack = 1;
  e.ack_id = 12;
  assert_int_equal(sio__sio_encode_event(&sb, &e, "a\"b\n", 4, NULL, 0), 0);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb),
              "2/admin,12[\"a\\\"b\\n\"]");
  sio__sb_reset(&sb);
  e.nsp = NULL;
  e.nsp_len = 0;
  e.has_ack = 0;
  e.attachments = 2;
  sio__sb_t args;
  sio__sb_init(&args, 0);
  sio__sio_placeholder_write(&args, 0);
  sio__sb_putc(&args, ',');
  sio__sio_placeholder_write(&args, 1);
  assert_int_equal(sio__sio_encode_event(&sb, &e, "baz", 3,
                                         (const char *)sio__sb_data(&args),
                                         sio__sb_len(&args)),
                   0);
  assert_span(
      (const char *)sio__sb_data(&sb), sio__sb_len(&sb),
      "52-[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
  sio__sb_reset(&args);
  sio__sb_reset(&sb);
  /* A number name, relayed raw. */
  e.attachments = 0;
  assert_int_equal(sio__sio_encode_event_raw(&sb, &e, "42", 2, "1", 1), 0);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), "2[42,1]");
  sio__sb_reset(&sb);
}

static void test_encode_invalid(void **state) {
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__sb_puts(&sb, "keep");
  sio__sio_header_t h = {0};
  h.type = 7;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  h.type = SIO_SIO_BINARY_EVENT; /* needs attachments >= 1 */
  assert_int_equal(sio__sio_encode(&sb, &h, "[\"a\"]", 5), SIO_EINVAL);
  h.type = SIO_SIO_CONNECT; /* no ack id, no attachments on CONNECT */
  h.has_ack = 1;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  h.has_ack = 0;
  h.attachments = 1;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  h.attachments = 0;
  assert_int_equal(sio__sio_encode(&sb, &h, "[]", 2), SIO_EINVAL); /* not an object */
  h.nsp = "admin";
  h.nsp_len = 5;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  h.nsp = "/a,b";
  h.nsp_len = 4;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  h.nsp = NULL;
  h.nsp_len = 0;
  h.type = SIO_SIO_DISCONNECT;
  assert_int_equal(sio__sio_encode(&sb, &h, "{}", 2), SIO_EINVAL);
  h.type = SIO_SIO_EVENT;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode(&sb, &h, "{}", 2), SIO_EINVAL);
  h.type = SIO_SIO_ACK;
  assert_int_equal(sio__sio_encode(&sb, &h, "\"x\"", 3), SIO_EINVAL);
  h.type = SIO_SIO_CONNECT_ERROR;
  assert_int_equal(sio__sio_encode(&sb, &h, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode(&sb, &h, "[]", 2), SIO_EINVAL);
  /* Events: reserved names, bad UTF-8, wrong type, bad raw tokens. */
  static const char *reserved[] = {"connect",       "connect_error", "disconnect",
                                   "disconnecting", "newListener",   "removeListener"};
  h.type = SIO_SIO_EVENT;
  for (size_t i = 0; i < 6; i++) {
    assert_int_equal(
        sio__sio_encode_event(&sb, &h, reserved[i], strlen(reserved[i]), NULL, 0),
        SIO_EINVAL);
    char tok[40];
    snprintf(tok, sizeof(tok), "\"%s\"", reserved[i]);
    assert_int_equal(sio__sio_encode_event_raw(&sb, &h, tok, strlen(tok), NULL, 0),
                     SIO_EINVAL);
  }
  assert_int_equal(sio__sio_encode_event_raw(&sb, &h, "\"\\u0063onnect\"", 14, NULL, 0),
                   SIO_EINVAL);
  assert_int_equal(sio__sio_encode_event(&sb, &h, "\xff", 1, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode_event_raw(&sb, &h, "null", 4, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode_event_raw(&sb, &h, "\"a\" ", 4, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode_event_raw(&sb, &h, "[1]", 3, NULL, 0), SIO_EINVAL);
  assert_int_equal(sio__sio_encode_event_raw(&sb, &h, "", 0, NULL, 0), SIO_EINVAL);
  h.type = SIO_SIO_ACK;
  assert_int_equal(sio__sio_encode_event(&sb, &h, "a", 1, NULL, 0), SIO_EINVAL);
  /* Nothing was written by any failed call. */
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), "keep");
  sio__sb_reset(&sb);
}

/* Each invalid packet fails with its code. */
static void test_decode_invalid(void **state) {
  for (size_t i = 0; i < NINVALID; i++) {
    const struct invalid *x = &invalids[i];
    int rc = decode_rc(x->wire);
    if (rc != x->rc) fail_msg("invalid %zu [%s]: rc %d, want %d", i, x->wire, rc, x->rc);
  }
  /* An escaped backslash then "u0000" is no NUL; a NUL in an argument is fine. */
  assert_int_equal(decode_rc("2[\"a\\\\u0000\"]"), 0);
  assert_int_equal(decode_rc("2[\"a\",\"\\u0000\"]"), 0);
  /* Embedded NUL bytes never end the text early. */
  sio__sio_packet_t pkt;
  char *keep;
  assert_int_equal(decode_keep("2[\"a\"]\0", 7, NULL, &pkt, &keep), SIO_EPROTO);
  free(keep);
  assert_int_equal(decode_keep("0/a\0b,", 6, NULL, &pkt, &keep), 0);
  assert_int_equal(pkt.h.nsp_len, 4);
  free(keep);
}

static void test_decode_depth(void **state) {
  /* The payload array is level 1, so 31 more levels fit in the default 32. */
  char buf[256];
  for (int extra = 30; extra <= 33; extra++) {
    size_t o = 0;
    o += (size_t)sprintf(buf + o, "2[\"x\",");
    for (int i = 0; i < extra; i++) buf[o++] = '[';
    for (int i = 0; i < extra; i++) buf[o++] = ']';
    buf[o++] = ']';
    buf[o] = 0;
    int rc = decode_rc(buf);
    assert_int_equal(rc, extra <= 31 ? 0 : SIO_ELIMIT);
  }
  /* A custom limit. */
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  assert_int_equal(lim.max_attachments, 10);
  assert_int_equal(lim.max_depth, 32);
  lim.max_depth = 2;
  sio__sio_packet_t pkt;
  char *keep;
  assert_int_equal(decode_keep("2[\"x\",[1]]", 10, &lim, &pkt, &keep), 0);
  free(keep);
  assert_int_equal(decode_keep("2[\"x\",[[1]]]", 12, &lim, &pkt, &keep), SIO_ELIMIT);
  free(keep);
  /* And a custom attachment limit. */
  lim.max_attachments = 2;
  assert_int_equal(decode_keep("52-[\"x\"]", 8, &lim, &pkt, &keep), 0);
  free(keep);
  assert_int_equal(decode_keep("53-[\"x\"]", 8, &lim, &pkt, &keep), SIO_ELIMIT);
  free(keep);
}

/* Every example and invalid case cut at every length, at exact size: no
 * read past the end (ASan) and a clean return code. */
static void test_truncations(void **state) {
  for (size_t i = 0; i < NEXAMPLES + NINVALID; i++) {
    const char *w = i < NEXAMPLES ? examples[i].wire : invalids[i - NEXAMPLES].wire;
    size_t n = strlen(w);
    for (size_t k = 0; k <= n; k++) {
      sio__sio_packet_t pkt;
      char *keep;
      int rc = decode_keep(w, k, NULL, &pkt, &keep);
      assert_true(rc == 0 || rc == SIO_EPROTO || rc == SIO_ELIMIT);
      if (rc == 0 && pkt.payload.type != SIO_JSON_NONE) {
        assert_true(pkt.payload.p >= keep && pkt.payload.p + pkt.payload.len <= keep + k);
        if (pkt.name.type != SIO_JSON_NONE)
          assert_true(pkt.args >= keep && pkt.args + pkt.args_len <= keep + k);
      }
      free(keep);
    }
  }
}

static void test_event_name_and_args(void **state) {
  sio__sio_packet_t pkt;
  char *keep, name[64];
  size_t len;
  const char *w = "2[\"h\\u00e9llo\\n\",1,{\"a\":[2]},\"s\"]";
  assert_int_equal(decode_keep(w, strlen(w), NULL, &pkt, &keep), 0);
  assert_int_equal(sio__sio_event_name(&pkt, name, sizeof(name), &len), 0);
  assert_int_equal(len, 7);
  assert_memory_equal(name, "h\xc3\xa9llo\n", 8); /* with its NUL */
  assert_true(sio__json_string_eq(&pkt.name, "h\xc3\xa9llo\n", 7));
  assert_int_equal(sio__sio_event_name(&pkt, name, 8, &len), 0);
  assert_int_equal(sio__sio_event_name(&pkt, name, 7, &len), SIO_EMSGSIZE);
  sio__json_iter_t it;
  sio__json_val_t v;
  assert_int_equal(sio__sio_packet_args(&pkt, &it), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 1);
  assert_span(v.p, v.len, "1");
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 1);
  assert_span(v.p, v.len, "{\"a\":[2]}");
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 1);
  assert_span(v.p, v.len, "\"s\"");
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 0);
  free(keep);

  assert_int_equal(decode_keep("2[12.5]", 7, NULL, &pkt, &keep), 0);
  assert_int_equal(sio__sio_event_name(&pkt, name, sizeof(name), &len), 0);
  assert_string_equal(name, "12.5");
  assert_int_equal(sio__sio_event_name(&pkt, name, 4, &len), SIO_EMSGSIZE);
  assert_int_equal(sio__sio_packet_args(&pkt, &it), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 0);
  free(keep);

  /* ACK arguments, with and without payload; other types refuse. */
  assert_int_equal(decode_keep("35[1,2]", 7, NULL, &pkt, &keep), 0);
  assert_int_equal(sio__sio_packet_args(&pkt, &it), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 1);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 1);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 0);
  assert_int_equal(sio__sio_event_name(&pkt, name, sizeof(name), &len), SIO_EINVAL);
  free(keep);
  assert_int_equal(decode_keep("35", 2, NULL, &pkt, &keep), 0);
  assert_int_equal(sio__sio_packet_args(&pkt, &it), 0);
  assert_int_equal(sio__json_iter_next(&it, NULL, &v), 0);
  free(keep);
  assert_int_equal(decode_keep("0{}", 3, NULL, &pkt, &keep), 0);
  assert_int_equal(sio__sio_packet_args(&pkt, &it), SIO_EINVAL);
  free(keep);

  assert_true(sio__sio_nsp_is_root("/", 1));
  assert_true(sio__sio_nsp_is_root("", 0));
  assert_false(sio__sio_nsp_is_root("/a", 2));
  assert_true(sio__sio_name_reserved("newListener", 11));
  assert_false(sio__sio_name_reserved("newlistener", 11));
  assert_false(sio__sio_name_reserved("connec", 6));
}

/* Relaying `[name,<args>]` reproduces the values exactly (§4 item 7). */
static void test_relay_roundtrip(void **state) {
  static const char *wires[] = {
      "2[\"message\",1,\"2\",{\"3\":[true]}]",
      "2[\"m\",1.0,1e2,-0,0.10,\"\\u00e9\",{\"b\":1,\"a\":2},[],{}]",
      "2/x,7[\"m\"]",
      "2[3,null]",
  };
  for (size_t i = 0; i < sizeof(wires) / sizeof(wires[0]); i++) {
    sio__sio_packet_t pkt;
    char *keep;
    assert_int_equal(decode_keep(wires[i], strlen(wires[i]), NULL, &pkt, &keep), 0);
    sio__sb_t sb;
    sio__sb_init(&sb, 0);
    assert_int_equal(sio__sio_encode_event_raw(&sb, &pkt.h, pkt.name.p, pkt.name.len,
                                               pkt.args, pkt.args_len),
                     0);
    assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), wires[i]);
    sio__sb_reset(&sb);
    free(keep);
  }
  /* Non-compact input: the payload says so, and compacting fixes it. */
  sio__sio_packet_t pkt;
  char *keep;
  const char *w = "2[ \"a\" , { \"k\" : 1 } ]";
  assert_int_equal(decode_keep(w, strlen(w), NULL, &pkt, &keep), 0);
  assert_true(pkt.payload.flags & SIO_JSON_F_SPACE);
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  sio__json_write_compact(&sb, &pkt.payload);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), "[\"a\",{\"k\":1}]");
  sio__sb_reset(&sb);
  free(keep);
}

/* ---- Placeholders ------------------------------------------------------- */

static int collect(void *arg, const sio__json_val_t *ph, uint32_t num) {
  sio__sb_t *sb = arg;
  sio__sb_putc(sb, (char)('0' + num));
  return 0;
}

static int stop_at_second(void *arg, const sio__json_val_t *ph, uint32_t num) {
  int *n = arg;
  return ++*n == 2 ? 77 : 0;
}

static void test_placeholders(void **state) {
  sio__json_val_t v;
  uint32_t num;
  static const struct {
    const char *s;
    int rc;
    uint32_t num;
  } checks[] = {
      {"{\"_placeholder\":true,\"num\":0}", 1, 0},
      {"{\"num\":2,\"_placeholder\":true}", 1, 2},
      {"{ \"num\" : 1 , \"_placeholder\" : true , \"extra\" : [1] }", 1, 1},
      {"{\"\\u005fplaceholder\":true,\"n\\u0075m\":1}", 1, 1},
      {"{\"_placeholder\":true,\"num\":0.0}", 1, 0}, /* integer values, as JS */
      {"{\"_placeholder\":true,\"num\":1e0}", 1, 1},
      {"{\"_placeholder\":true,\"num\":-0}", 1, 0},
      {"{\"_placeholder\":true,\"num\":5,\"num\":2}", 1, 2}, /* last wins */
      {"{\"_placeholder\":false,\"num\":0}", 0, 0},
      {"{\"_placeholder\":true,\"_placeholder\":false,\"num\":0}", 0, 0},
      {"{\"_placeholder\":\"true\",\"num\":0}", 0, 0},
      {"{\"_placeholder\":1,\"num\":0}", 0, 0},
      {"{\"num\":0}", 0, 0},
      {"{}", 0, 0},
      {"[{\"_placeholder\":true,\"num\":0}]", 0, 0}, /* an array is not one */
      {"\"_placeholder\"", 0, 0},
      {"{\"_placeholder\":true,\"num\":3}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true,\"num\":-1}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true,\"num\":1.5}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true,\"num\":\"1\"}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true,\"num\":[0]}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true}", SIO_EPROTO, 0},
      {"{\"_placeholder\":true,\"num\":99999999999999999999}", SIO_EPROTO, 0},
  };
  for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
    assert_int_equal(sio__json_parse(checks[i].s, strlen(checks[i].s), 0, &v), 0);
    num = 99;
    int rc = sio__sio_placeholder_check(&v, 3, &num);
    if (rc != checks[i].rc) fail_msg("check %zu [%s]: %d", i, checks[i].s, rc);
    if (rc == 1) assert_int_equal(num, checks[i].num);
  }

  /* Walk: depth-first, document order, any depth; not inside placeholders. */
  const char *s =
      "[\"e\",{\"a\":{\"_placeholder\":true,\"num\":2,\"x\":{\"_placeholder\":true,"
      "\"num\":9}}},[[{\"num\":0,\"_placeholder\":true}]],{\"_placeholder\":true,"
      "\"num\":1},{\"_placeholder\":false}]";
  assert_int_equal(sio__json_parse(s, strlen(s), 0, &v), 0);
  sio__sb_t sb;
  sio__sb_init(&sb, 0);
  assert_int_equal(sio__sio_placeholders_walk(&v, 3, 0, collect, &sb), 0);
  assert_span((const char *)sio__sb_data(&sb), sio__sb_len(&sb), "201");
  sio__sb_reset(&sb);
  assert_int_equal(sio__sio_placeholders_walk(&v, 2, 0, collect, &sb), SIO_EPROTO);
  sio__sb_reset(&sb);
  int count = 0;
  assert_int_equal(sio__sio_placeholders_walk(&v, 3, 0, stop_at_second, &count), 77);
  assert_int_equal(sio__sio_placeholders_walk(&v, 3, 3, NULL, NULL), SIO_ELIMIT);
  assert_int_equal(sio__sio_placeholders_walk(&v, 3, 4, NULL, NULL), 0);
  assert_int_equal(sio__json_parse("7", 1, 0, &v), 0);
  assert_int_equal(sio__sio_placeholders_walk(&v, 0, 0, NULL, NULL), 0);

  sio__sio_placeholder_write(&sb, 0);
  sio__sio_placeholder_write(&sb, 4294967295u);
  assert_span(
      (const char *)sio__sb_data(&sb), sio__sb_len(&sb),
      "{\"_placeholder\":true,\"num\":0}{\"_placeholder\":true,\"num\":4294967295}");
  sio__sb_reset(&sb);

  /* Plain EVENT/ACK: placeholder-looking objects are ordinary data. */
  assert_int_equal(decode_rc("2[\"a\",{\"_placeholder\":true,\"num\":7}]"), 0);
  assert_int_equal(decode_rc("3[{\"_placeholder\":true,\"num\":\"x\"}]"), 0);
}

/* ---- Reassembly ---------------------------------------------------------- */

static void test_decoder_plain(void **state) {
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  sio__sio_decoder_init(&d, NULL);
  const char *w = "2/chat,3[\"msg\",\"hi\"]";
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), NULL, &pkt), 1);
  assert_ptr_equal(pkt.payload.p, w + 8); /* borrowed, no copy */
  assert_span(pkt.h.nsp, pkt.h.nsp_len, "/chat");
  assert_null(pkt.text);
  sio__sio_packet_release(&pkt);
  assert_false(sio__sio_decoder_waiting(&d));
  /* A stray binary message is an error (§2.3 item 6). */
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"\1", 1, NULL, &pkt),
                   SIO_EPROTO);
  /* Decode errors come through. */
  assert_int_equal(sio__sio_decoder_feed_text(&d, "2[]", 3, NULL, &pkt), SIO_EPROTO);
  assert_int_equal(sio__sio_decoder_feed_text(&d, "511-[\"a\"]", 9, NULL, &pkt),
                   SIO_ELIMIT);
  assert_false(sio__sio_decoder_waiting(&d));
  sio__sio_decoder_reset(&d);
}

static void test_decoder_binary_copy(void **state) {
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  sio__sio_decoder_init(&d, NULL);
  const char *w = "52-/admin,9[\"baz\",{\"_placeholder\":true,\"num\":0},"
                  "{\"_placeholder\":true,\"num\":1}]";
  char *text = dup_exact(w, strlen(w));
  assert_int_equal(sio__sio_decoder_feed_text(&d, text, strlen(w), NULL, &pkt), 0);
  assert_true(sio__sio_decoder_waiting(&d));
  memset(text, 'x', strlen(w)); /* the decoder kept its own copy */
  free(text);
  uint8_t *b1 = (uint8_t *)dup_exact("\1\2\3", 3);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, b1, 3, NULL, &pkt), 0);
  free(b1);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, NULL, 0, NULL, &pkt), 1); /* empty */
  assert_false(sio__sio_decoder_waiting(&d));
  assert_int_equal(pkt.h.type, SIO_SIO_BINARY_EVENT);
  assert_int_equal(pkt.h.attachments, 2);
  assert_true(pkt.h.has_ack && pkt.h.ack_id == 9);
  assert_span(pkt.h.nsp, pkt.h.nsp_len, "/admin");
  assert_span(pkt.name.p, pkt.name.len, "\"baz\"");
  assert_span(pkt.args, pkt.args_len,
              "{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}");
  assert_non_null(pkt.text);
  assert_int_equal(pkt.att[0].len, 3);
  assert_memory_equal(pkt.att[0].base, "\1\2\3", 3);
  assert_int_equal(pkt.att[1].len, 0);
  assert_non_null(pkt.att[1].owner);
  sio__sio_packet_release(&pkt);
  assert_null(pkt.att);
  assert_null(pkt.text);
  sio__sio_packet_release(&pkt); /* twice is harmless */
  sio__sio_decoder_reset(&d);
}

static void test_decoder_binary_refs(void **state) {
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  sio__sio_decoder_init(&d, NULL);
  const char *w = "61-4[{\"_placeholder\":true,\"num\":0}]";
  sio__rbuf_t *t = sio__rbuf_from(w, strlen(w));
  sio__rbuf_t *b = sio__rbuf_from("\xAA\xBB", 2);
  assert_int_equal(sio__sio_decoder_feed_text(&d, (const char *)t->data, t->len, t, &pkt),
                   0);
  assert_int_equal(t->refs, 2);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, b->data, b->len, b, &pkt), 1);
  assert_int_equal(b->refs, 2);
  assert_ptr_equal(pkt.text, t);
  assert_ptr_equal(pkt.att[0].base, b->data);
  assert_ptr_equal(pkt.payload.p, (const char *)t->data + 4);
  sio__rbuf_unref(t);
  sio__rbuf_unref(b);
  assert_memory_equal(pkt.att[0].base, "\xAA\xBB", 2); /* still held */
  sio__sio_packet_release(&pkt);

  /* An owner that does not contain the bytes is refused. */
  t = sio__rbuf_from(w, strlen(w));
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), t, &pkt), SIO_EINVAL);
  assert_int_equal(
      sio__sio_decoder_feed_text(&d, (const char *)t->data + 1, t->len, t, &pkt),
      SIO_EINVAL);
  assert_int_equal(sio__sio_decoder_feed_text(&d, (const char *)t->data, t->len, t, &pkt),
                   0);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"x", 1, t, &pkt),
                   SIO_EINVAL);
  assert_false(sio__sio_decoder_waiting(&d)); /* reset after the error */
  assert_int_equal(t->refs, 1);
  sio__rbuf_unref(t);
}

static void test_decoder_errors(void **state) {
  sio__sio_decoder_t d;
  sio__sio_packet_t pkt;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_binary_bytes = 5;
  sio__sio_decoder_init(&d, &lim);
  const char *w = "52-[\"a\",{\"_placeholder\":true,\"num\":1}]";
  /* A text while attachments are pending. */
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), NULL, &pkt), 0);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"ab", 2, NULL, &pkt),
                   0);
  assert_int_equal(sio__sio_decoder_feed_text(&d, "2[\"b\"]", 6, NULL, &pkt), SIO_EPROTO);
  assert_false(sio__sio_decoder_waiting(&d));
  /* Total bytes over the bound (exactly at the bound is fine). */
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), NULL, &pkt), 0);
  assert_int_equal(
      sio__sio_decoder_feed_binary(&d, (const uint8_t *)"abc", 3, NULL, &pkt), 0);
  assert_int_equal(
      sio__sio_decoder_feed_binary(&d, (const uint8_t *)"def", 3, NULL, &pkt),
      SIO_ELIMIT);
  assert_false(sio__sio_decoder_waiting(&d));
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), NULL, &pkt), 0);
  assert_int_equal(
      sio__sio_decoder_feed_binary(&d, (const uint8_t *)"abc", 3, NULL, &pkt), 0);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"de", 2, NULL, &pkt),
                   1);
  sio__sio_packet_release(&pkt);
  /* One binary too many. */
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"f", 1, NULL, &pkt),
                   SIO_EPROTO);
  /* Bad placeholder: refused with the text, nothing kept. */
  const char *bad = "51-[\"a\",{\"_placeholder\":true,\"num\":1}]";
  assert_int_equal(sio__sio_decoder_feed_text(&d, bad, strlen(bad), NULL, &pkt),
                   SIO_EPROTO);
  assert_false(sio__sio_decoder_waiting(&d));
  /* Reset drops a pending packet (ASan checks nothing leaks). */
  assert_int_equal(sio__sio_decoder_feed_text(&d, w, strlen(w), NULL, &pkt), 0);
  assert_int_equal(sio__sio_decoder_feed_binary(&d, (const uint8_t *)"a", 1, NULL, &pkt),
                   0);
  sio__sio_decoder_reset(&d);
  assert_false(sio__sio_decoder_waiting(&d));
  sio__sio_decoder_reset(&d);
}

/* A sequence of messages as the Engine.IO layer would hand them over. */
static void test_decoder_stream(void **state) {
  static const struct {
    int binary;
    const char *bytes;
    int rc;
  } seq[] = {
      {0, "0", 1},
      {0, "2[\"a\"]", 1},
      {0, "51-[\"up\",{\"_placeholder\":true,\"num\":0}]", 0},
      {1, "\x01\x02\x03\x04", 1},
      {0, "62-789[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]",
       0},
      {1, "A", 0},
      {1, "BC", 1},
      {0, "3789[]", 1},
      {0, "1", 1},
  };
  sio__sio_decoder_t d;
  sio__sio_decoder_init(&d, NULL);
  for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
    sio__sio_packet_t pkt;
    size_t n = strlen(seq[i].bytes);
    int rc = seq[i].binary ? sio__sio_decoder_feed_binary(
                                 &d, (const uint8_t *)seq[i].bytes, n, NULL, &pkt)
                           : sio__sio_decoder_feed_text(&d, seq[i].bytes, n, NULL, &pkt);
    assert_int_equal(rc, seq[i].rc);
    if (rc == 1 && pkt.h.type == SIO_SIO_BINARY_ACK) {
      assert_int_equal(pkt.h.attachments, 2);
      assert_memory_equal(pkt.att[0].base, "A", 1);
      assert_memory_equal(pkt.att[1].base, "BC", 2);
    }
    if (rc == 1) sio__sio_packet_release(&pkt);
  }
  sio__sio_decoder_reset(&d);
}

/* ---- one-pass decode vs validate-then-walk ---- */

/* What the decoder did before it recorded the arguments while validating:
 * sio__json_parse of the payload, then a walk of the array. */
typedef struct {
  sio__json_val_t payload, name, argv[SIO__SIO_ARGS_INLINE];
  uint32_t nargs;
  const char *args;
  size_t args_len;
} ref_t;

static int ref_decode(const char *p, size_t n, unsigned depth, int event, ref_t *r) {
  memset(r, 0, sizeof(*r));
  int rc = sio__json_parse(p, n, depth, &r->payload);
  if (rc) return rc;
  if (r->payload.type != SIO_JSON_ARRAY) return SIO_EPROTO;
  sio__json_iter_t it;
  sio__json_val_t v, last = {NULL, 0, 0, 0};
  assert_int_equal(sio__json_iter_init(&it, &r->payload), 0);
  int first = 1;
  while ((rc = sio__json_iter_next(&it, NULL, &v)) == 1) {
    if (event && first) {
      r->name = v;
    } else {
      if (r->nargs < SIO__SIO_ARGS_INLINE) r->argv[r->nargs] = v;
      r->nargs++;
      last = v;
    }
    first = 0;
  }
  assert_int_equal(rc, 0);
  if (event) {
    if (first) return SIO_EPROTO;
    if (r->name.type == SIO_JSON_STRING) {
      char buf[256];
      size_t len;
      if (sio__json_string_copy(&r->name, buf, sizeof(buf), &len) == 0 &&
          sio__sio_name_reserved(buf, len))
        return SIO_EPROTO;
    } else if (r->name.type != SIO_JSON_NUMBER) {
      return SIO_EPROTO;
    }
  }
  if (r->nargs) {
    r->args = r->argv[0].p;
    r->args_len = (size_t)(last.p + last.len - r->args);
  } else {
    r->args = r->payload.p + r->payload.len - 1; /* the closing bracket */
  }
  return 0;
}

static void same_val(const sio__json_val_t *a, const sio__json_val_t *b) {
  assert_ptr_equal(a->p, b->p);
  assert_int_equal(a->len, b->len);
  assert_int_equal(a->type, b->type);
  assert_int_equal(a->flags, b->flags);
}

/* Decodes type + payload (payload an exact-size copy) and compares with the
 * reference, the recorded argument view with a walked one too. */
static void check_one_pass(char type, const char *payload, size_t n, unsigned depth) {
  /* A leading digit would be read as an ack id, a '/' as a namespace. */
  if (n && ((payload[0] >= '0' && payload[0] <= '9') || payload[0] == '/')) return;
  char *text = malloc(n + 1);
  assert_non_null(text);
  text[0] = type;
  memcpy(text + 1, payload, n);
  int event = type == '2';
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_depth = depth;
  sio__sio_packet_t pkt;
  ref_t r;
  int got = sio__sio_packet_decode(text, n + 1, &lim, &pkt);
  int want = n ? ref_decode(text + 1, n, depth, event, &r) : 0;
  if (got != want)
    fail_msg("[%c%.*s] depth %u: decode %d, reference %d", type, (int)n, payload, depth,
             got, want);
  if (got == 0 && n) {
    same_val(&pkt.payload, &r.payload);
    if (event) same_val(&pkt.name, &r.name);
    assert_int_equal(pkt.nargs, r.nargs);
    for (uint32_t i = 0; i < r.nargs && i < SIO__SIO_ARGS_INLINE; i++)
      same_val(&pkt.argv[i], &r.argv[i]);
    assert_ptr_equal(pkt.args, r.args);
    assert_int_equal(pkt.args_len, r.args_len);
    sio_argv_t a, b;
    sio__sio_packet_t walked = pkt;
    walked.args_seen = 0;
    assert_int_equal(sio__argv_init(&a, &pkt), 0);
    assert_int_equal(sio__argv_init(&b, &walked), 0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) same_val(&a.vals[i], &b.vals[i]);
    assert_int_equal(a.all_len, b.all_len);
    if (a.n) assert_ptr_equal(a.all, b.all);
    sio__argv_clear(&a);
    sio__argv_clear(&b);
  }
  free(text);
}

static void test_one_pass_decode(void **state) {
  (void)state;
  static const char *const fixed[] = {"[\"a\"]",
                                      " [ \"a\" , 1 , \"b\" ] ",
                                      "[\"a\",1,2,3,4,5,6,7,8,9]",
                                      "[]",
                                      "[ ]",
                                      "[1]",
                                      "[-0]",
                                      "[01]",
                                      "[1.5e3,-2E-2]",
                                      "[\"a\",-]",
                                      "[\"a\",1,]",
                                      "[,1]",
                                      "[\"a\" 1]",
                                      "[\"a\",12a]",
                                      "[\"a\",tru]",
                                      "[\"a\",true,false,null]",
                                      "[\"a\\u0041\",\"\\n\"]",
                                      "[\"connect\"]",
                                      "[\"con\\u006eect\"]",
                                      "[\"a\",[1,[2]],{\"k\":[]}]",
                                      "[\"a\",{ }]",
                                      "[\"a\",\"\xc3\xa9\",\"\x7f\"]",
                                      "[\"a\",\"\x01\"]",
                                      "[\"a\",\"\xc3\"]",
                                      "[\"a\"",
                                      "[\"a\",",
                                      "[\"a\"]x",
                                      "[\"a\"] \t\r\n",
                                      "{\"a\":1}",
                                      "\"a\"",
                                      "1",
                                      "[\"a\",\"b]",
                                      "[[]]",
                                      "[\"abcdefgh\xffijklmnop\"]",
                                      "[\"a\",\"abcdefgh\xc3ijklmnop\"]",
                                      "[\"a\",\"abcdefghijklmno\x80\"]",
                                      "[\"a\",\"abcdefgh\x01ijklmnop\"]",
                                      "[\"a\",[[[]]]]",
                                      "[7,{\"_placeholder\":true,\"num\":0}]"};
  const unsigned depths[] = {1, 2, 3, 32};
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
      check_one_pass('2', fixed[i], strlen(fixed[i]), depths[d]);
      check_one_pass('3', fixed[i], strlen(fixed[i]), depths[d]);
    }
  /* Numbers around the 8 digits the quick scan reads at a time, ended by
   * bytes next to the digits ('/', ':', '?') and others. */
  static const char *const numbers[] = {
      "[\"a\",1234567890123]",      "[\"a\",-12345678901234567]", "[\"a\",12345678.5]",
      "[\"a\",1234567812345678e2]", "[\"a\",12345678a]",          "[\"a\",123456789:]",
      "[\"a\",1234567:]",           "[\"a\",1234567?1]",          "[\"a\",1234567/8]",
      "[\"a\",12345678\x7f]",       "[\"a\",1234567\xb9]"};
  for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
    check_one_pass('2', numbers[i], strlen(numbers[i]), 32);
  /* Strings with one special byte (or escape) at every offset of the words
   * the quick scan reads 8 at a time. */
  static const char *const special[] = {"\\n",  "\x01", "\x7f", "\xc3\xa9",
                                        "\xff", "\"",   "\\"};
  for (size_t k = 0; k < 20; k++)
    for (size_t j = 0; j < sizeof(special) / sizeof(special[0]); j++) {
      char t[64];
      int len = snprintf(t, sizeof(t), "[\"a\",\"%.*s%sxyzxyzxyzxyz\"]", (int)k,
                         "abcdefghijklmnopqrstuvwxyz", special[j]);
      check_one_pass('2', t, (size_t)len, 32);
    }
  /* Random texts made of JSON pieces, right and wrong (fixed seed). */
  static const char *const tok[] = {"[",
                                    "]",
                                    "{",
                                    "}",
                                    ",",
                                    ":",
                                    " ",
                                    "\t",
                                    "\"a\"",
                                    "\"\\u0041\"",
                                    "\"\xc3\xa9\"",
                                    "\"\x01\"",
                                    "\"\\\"",
                                    "\"",
                                    "1",
                                    "-0",
                                    "01",
                                    "1.5",
                                    "1e3",
                                    "-",
                                    "0x",
                                    "true",
                                    "nul",
                                    "\"connect\"",
                                    "12a",
                                    "\"k\":",
                                    "null",
                                    "-12",
                                    "\"\xff\"",
                                    "\"abcdefghijklmnopqrstuvwxyz0123456789\"",
                                    "\"abcdefghij\x7fklmnop\"",
                                    "\"abcdefghijklmno\\\"pq\"",
                                    "\"abcdefghijk\x1flmnop\"",
                                    "\"abcdefgh\xc3\xa9ijklmnopq\"",
                                    "\"abcdefghijklmnop",
                                    "\"~~~~~~~~ !!!!!!!!\""};
  uint32_t seed = 12345;
  char buf[256];
  for (int iter = 0; iter < 30000; iter++) {
    size_t len = 0;
    seed = seed * 1103515245u + 12345u;
    int ntok = 1 + (int)((seed >> 16) % 12);
    buf[len++] = '[';
    for (int t = 0; t < ntok; t++) {
      seed = seed * 1103515245u + 12345u;
      const char *s = tok[(seed >> 16) % (sizeof(tok) / sizeof(tok[0]))];
      size_t k = strlen(s);
      if (len + k + 2 > sizeof(buf)) break;
      memcpy(buf + len, s, k);
      len += k;
    }
    seed = seed * 1103515245u + 12345u;
    if ((seed >> 16) % 4) buf[len++] = ']';
    unsigned depth = depths[(seed >> 20) % 4];
    check_one_pass((seed >> 24) & 1 ? '2' : '3', buf, len, depth);
  }
}

/* Event names written by quoting alone (plain ones) or escaped: the same
 * bytes as the JSON writer's. */
static void test_encode_names(void **state) {
  (void)state;
  static const char *const names[] = {
      "echo",        "a longer event name with spaces 0123456789",
      "caf\xc3\xa9", "tab\there",
      "del\x7f",     "q\"uote",
      "back\\slash", "",
      "x~",          "0123456789abcdef\x01"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    sio__sio_header_t h;
    memset(&h, 0, sizeof(h));
    h.type = SIO_SIO_EVENT;
    sio__sb_t got, want;
    sio__sb_init(&got, 0);
    sio__sb_init(&want, 0);
    size_t n = strlen(names[i]);
    assert_int_equal(sio__sio_encode_event(&got, &h, names[i], n, "1", 1), 0);
    sio__sb_append(&want, "2[", 2);
    assert_int_equal(sio__json_write_string(&want, names[i], n), 0);
    sio__sb_append(&want, ",1]", 3);
    assert_int_equal(sio__sb_len(&got), sio__sb_len(&want));
    assert_memory_equal(sio__sb_data(&got), sio__sb_data(&want), sio__sb_len(&want));
    sio__sb_reset(&got);
    sio__sb_reset(&want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_examples),
      cmocka_unit_test(test_encode_examples),
      cmocka_unit_test(test_encode_build),
      cmocka_unit_test(test_encode_invalid),
      cmocka_unit_test(test_decode_invalid),
      cmocka_unit_test(test_decode_depth),
      cmocka_unit_test(test_truncations),
      cmocka_unit_test(test_event_name_and_args),
      cmocka_unit_test(test_relay_roundtrip),
      cmocka_unit_test(test_placeholders),
      cmocka_unit_test(test_decoder_plain),
      cmocka_unit_test(test_decoder_binary_copy),
      cmocka_unit_test(test_decoder_binary_refs),
      cmocka_unit_test(test_decoder_errors),
      cmocka_unit_test(test_decoder_stream),
      cmocka_unit_test(test_one_pass_decode),
      cmocka_unit_test(test_encode_names),
  };
  if (load_vectors()) return 1;
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  free(examples);
  free(invalids);
  vec_free(&packet_file);
  return failed;
}
