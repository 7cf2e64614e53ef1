/* The client role of Engine.IO v4: one session over polling, WebSocket or
 * polling then upgrade, with its heartbeat; messages in and out. */
#ifndef SIO_EIO_CLIENT_H
#define SIO_EIO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_target.h"
#include "sio/client.h" /* sio_transport_mode_t */
#include "ws/ws_deflate.h"

typedef struct sio__eio_client sio__eio_client_t;
typedef struct {
  void (*on_open)(sio__eio_client_t *e, void *arg);
  /* A message: text (binary 0) or binary. data borrowed for the call. */
  void (*on_message)(sio__eio_client_t *e, void *arg, int binary, const uint8_t *data,
                     size_t len);
  void (*on_upgrade)(sio__eio_client_t *e, void *arg);
  /* The session is over (or never opened: err != 0 and was_open 0). reason
   * static. The session must be freed by the owner (it may be inside this cb). */
  void (*on_close)(sio__eio_client_t *e, void *arg, int was_open, int err,
                   const char *reason);
} sio__eio_client_cbs_t;

sio__eio_client_t *sio__eio_client_new(const sio__http_target_t *t,
                                       sio_transport_mode_t mode, uint32_t open_timeout,
                                       const sio__eio_client_cbs_t *cbs, void *arg);
/* Offers permessage-deflate on WebSocket transports with cfg (copied);
 * before sio__eio_client_open. */
void sio__eio_client_set_deflate(sio__eio_client_t *e, const sio__ws_deflate_cfg_t *cfg);
int sio__eio_client_open(sio__eio_client_t *e);
/* Queues one message (text or binary; data copied). SIO_ENOTCONN. */
int sio__eio_client_send(sio__eio_client_t *e, int binary, const void *data, size_t len);
/* Closes gracefully (sends a close packet) and calls on_close with
 * "io client disconnect" once done (soon, from the loop). */
void sio__eio_client_close(sio__eio_client_t *e);
/* Frees at once; no callback after. */
void sio__eio_client_free(sio__eio_client_t *e);
const char *sio__eio_client_transport(const sio__eio_client_t *e);
const char *sio__eio_client_sid(const sio__eio_client_t *e);

#endif
