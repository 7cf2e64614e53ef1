/* The client role of RFC 6455: the opening handshake to a target, handing
 * over an open WebSocket connection (ws_conn.h). */
#ifndef SIO_WS_OPENING_H
#define SIO_WS_OPENING_H

#include <stdint.h>

#include "http/http_target.h"
#include "ws/ws_conn.h"

typedef struct sio__ws_opening sio__ws_opening_t;
/* err 0 and the open connection (its callbacks are cbs/cbarg given to
 * start), or a negative error and NULL. The opening is freed after the cb. */
typedef void (*sio__ws_opening_cb)(void *arg, int err, sio__ws_conn_t *conn);
/* deflate (NULL or disabled: none; copied) offers permessage-deflate; the
 * server's answer is checked (an answer we did not offer fails with
 * SIO_EPROTO) and the connection compresses and inflates (within its
 * maximum message) as negotiated. */
sio__ws_opening_t *sio__ws_opening_start(const sio__http_target_t *t, const char *target,
                                         uint64_t timeout_ms,
                                         const sio__ws_conn_cbs_t *cbs, void *cbarg,
                                         const sio__ws_deflate_cfg_t *deflate,
                                         sio__ws_opening_cb cb, void *arg);
/* Cancels; cb never runs. */
void sio__ws_opening_cancel(sio__ws_opening_t *o);

#endif
