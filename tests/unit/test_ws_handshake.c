/* Unit tests for ws/ws_handshake: the RFC 6455 accept vector, key checks,
 * client keys and header token lists (as data tables). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ws/ws_handshake.h"

static void test_accept_key(void **state) {
  char out[29];
  /* RFC 6455 section 1.3. */
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
  memset(out, 'X', sizeof(out));
  sio__ws_accept_key(key, strlen(key), out);
  assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  /* Only key_len bytes are used. */
  const char *longer = "dGhlIHNhbXBsZSBub25jZQ==trailing";
  sio__ws_accept_key(longer, 24, out);
  assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  /* Another known pair (computed with Node's crypto). */
  const char *key2 = "x3JJHMbDL1EzLkh9GBhXDw==";
  sio__ws_accept_key(key2, strlen(key2), out);
  assert_string_equal(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  assert_int_equal(strlen(out), 28);
}

typedef struct {
  const char *key;
  int valid;
} key_vec_t;

static const key_vec_t key_vecs[] = {
    {"dGhlIHNhbXBsZSBub25jZQ==", 1},
    {"AAAAAAAAAAAAAAAAAAAAAA==", 1},
    {"/////////////////////w==", 1},
    {"dGhlIHNhbXBsZSBub25jZR==", 1},  /* non-zero trailing bits: as Node's ws */
    {"dGhlIHNhbXBsZSBub25jZQ=", 0},   /* 23 chars */
    {"dGhlIHNhbXBsZSBub25jZQ===", 0}, /* 25 chars */
    {"dGhlIHNhbXBsZSBub25jZQ", 0},
    {"dGhlIHNhbXBsZSBub25jZQAA", 0}, /* 24 chars, 18 bytes */
    {"dGhlIHNhbXBsZSBub25jZ===", 0},
    {"dGhlIHNhbXBsZSBub25j-Q==", 0}, /* URL-safe char */
    {"dGhlIHNhbXBsZSBub25j Q==", 0},
    {"", 0},
};

static void test_key_valid(void **state) {
  for (size_t k = 0; k < sizeof(key_vecs) / sizeof(key_vecs[0]); k++)
    assert_int_equal(sio__ws_key_valid(key_vecs[k].key, strlen(key_vecs[k].key)),
                     key_vecs[k].valid);
  /* Length is what is passed, not strlen. */
  assert_int_equal(sio__ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==", 23), 0);
}

static void test_client_key(void **state) {
  char a[25], b[25];
  assert_int_equal(sio__ws_client_key(a), 0);
  assert_int_equal(sio__ws_client_key(b), 0);
  assert_int_equal(strlen(a), 24);
  assert_int_equal(sio__ws_key_valid(a, 24), 1);
  assert_int_equal(sio__ws_key_valid(b, 24), 1);
  assert_string_not_equal(a, b);
}

typedef struct {
  const char *value;
  const char *token;
  int has;
} tok_vec_t;

static const tok_vec_t tok_vecs[] = {
    {"Upgrade", "upgrade", 1},
    {"upgrade", "Upgrade", 1},
    {"UPGRADE", "upgrade", 1},
    {"keep-alive, Upgrade", "upgrade", 1},
    {"keep-alive,Upgrade", "upgrade", 1},
    {"Upgrade, keep-alive", "upgrade", 1},
    {" \tUpgrade\t ", "upgrade", 1},
    {",,upgrade,,", "upgrade", 1},
    {"keep-alive", "upgrade", 0},
    {"upgrades", "upgrade", 0},
    {"xupgrade", "upgrade", 0},
    {"upgrade-x, keep-alive", "upgrade", 0},
    {"up grade", "upgrade", 0},
    {"", "upgrade", 0},
    {",", "upgrade", 0},
    {"upgrade", "", 0},
    {"", "", 0},
    {"websocket", "websocket", 1},
    {"WebSocket", "websocket", 1},
    {"h2c, WebSocket", "websocket", 1},
};

static void test_header_tokens(void **state) {
  for (size_t k = 0; k < sizeof(tok_vecs) / sizeof(tok_vecs[0]); k++) {
    const tok_vec_t *v = &tok_vecs[k];
    assert_int_equal(sio__http_header_has_token(v->value, strlen(v->value), v->token),
                     v->has);
  }
  /* Not NUL-terminated: only len bytes count. */
  assert_int_equal(sio__http_header_has_token("upgrade", 6, "upgrade"), 0);
  assert_int_equal(sio__http_header_has_token("upgrade,x", 7, "upgrade"), 1);
  assert_int_equal(sio__http_header_has_token("a, upgradeXYZ", 10, "upgrade"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accept_key),
      cmocka_unit_test(test_key_valid),
      cmocka_unit_test(test_client_key),
      cmocka_unit_test(test_header_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
