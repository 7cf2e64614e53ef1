#include "ws/ws_handshake.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/base64.h"
#include "core/rand.h"
#include "http/http_util.h"

/* RFC 6455 1.3: the fixed GUID appended to the client's key. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void sio__ws_accept_key(const char *key, size_t key_len, char out[29]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  out[0] = '\0';
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return;
  int ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
           EVP_DigestUpdate(ctx, key, key_len) == 1 &&
           EVP_DigestUpdate(ctx, ws_guid, sizeof(ws_guid) - 1) == 1 &&
           EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 20;
  EVP_MD_CTX_free(ctx);
  if (!ok) return;
  size_t n = sio__base64_encode(out, md, 20);
  out[n] = '\0';
}

int sio__ws_key_valid(const char *key, size_t key_len) {
  uint8_t raw[18];
  /* 22 symbols and "==". The unused low bits of the last symbol are not
   * checked, as Node's ws does not check them either. */
  if (key_len != 24 || key[22] != '=' || key[23] != '=') return 0;
  return sio__base64_decode_loose(raw, key, key_len) == 16;
}

int sio__ws_client_key(char out[25]) {
  uint8_t raw[16];
  out[0] = '\0';
  int rc = sio__rand_bytes(raw, sizeof(raw));
  if (rc) return rc;
  size_t n = sio__base64_encode(out, raw, sizeof(raw));
  out[n] = '\0';
  return 0;
}

/* The header list parsing lives in the HTTP layer below. */
int sio__http_header_has_token(const char *value, size_t len, const char *token) {
  return sio__http_list_has_token(value, len, token);
}
