/* The pure parts of the WebSocket opening handshake (RFC 6455 4): the
 * Sec-WebSocket-Key / Accept pair and header token lists. No I/O. */
#ifndef SIO_WS_HANDSHAKE_H
#define SIO_WS_HANDSHAKE_H

#include <stddef.h>

/* Sec-WebSocket-Accept for a client key: base64(SHA1(key + GUID)) into out[29]
 * (28 chars + NUL). key is borrowed for the call. If OpenSSL fails (out of
 * memory), out is set to "" so it can never match. */
void sio__ws_accept_key(const char *key, size_t key_len, char out[29]);
/* Checks a client key: the padded base64 of exactly 16 bytes (22 symbols of
 * the standard alphabet + "=="; like Node's ws, the unused low bits of the
 * last symbol are not checked). 1 valid, 0 not. */
int sio__ws_key_valid(const char *key, size_t key_len);
/* For the client side: a new random key (24 chars + NUL) into out. Returns 0
 * or SIO_EAGAIN (CSPRNG failure; out then holds ""). */
int sio__ws_client_key(char out[25]);
/* 1 if the comma-separated header value[0..len) contains token (a NUL-
 * terminated string), compared case-insensitively, with spaces and tabs
 * around each element ignored, e.g. "keep-alive, Upgrade" has "upgrade".
 * Empty elements are skipped. */
int sio__http_header_has_token(const char *value, size_t len, const char *token);

#endif
