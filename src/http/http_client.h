/* The client role of HTTP/1.1: one keep-alive connection to a target, one
 * request at a time (Engine.IO polling). */
#ifndef SIO_HTTP_CLIENT_H
#define SIO_HTTP_CLIENT_H

#include <stdint.h>

#include "http/http_target.h"

typedef struct sio__http_client sio__http_client_t;
/* status: the HTTP status (> 0) with the body (borrowed for the call,
 * mutable), or a negative error (connect, timeout, bad response); body NULL. */
typedef void (*sio__http_client_cb)(void *arg, int status, uint8_t *body, size_t len);
sio__http_client_t *sio__http_client_new(const sio__http_target_t *t);
/* Starts a request (method "GET"/"POST", target borrowed for the call,
 * body copied). SIO_EBUSY if one is in flight. cb runs once from the loop
 * unless the client is freed first. */
int sio__http_client_request(sio__http_client_t *client, const char *method,
                             const char *target, const void *body, size_t len,
                             uint64_t timeout_ms, sio__http_client_cb cb, void *arg);
int sio__http_client_busy(const sio__http_client_t *client);
/* Frees at once; a request in flight is dropped and its cb never runs. */
void sio__http_client_free(sio__http_client_t *client);

#endif
