/* The one place the client opens a connection: plain TCP or TLS, to an IP
 * literal or a name looked up afresh each time. */
#include "http/http_target.h"
#include "io/tls.h"

sio__stream_t *sio__http_target_connect(const sio__http_target_t *t,
                                        sio__stream_connect_cb cb, void *arg) {
  const char *addr = t->conn_host ? t->conn_host : t->ip;
  sio__stream_t *st = t->tls ? sio__stream_connect_tls(t->loop, addr, t->port,
                                                       t->tls_host, t->tls, cb, arg)
                             : sio__stream_connect_host(t->loop, addr, t->port, cb, arg);
  /* A server that does not read must not grow us past the cap. */
  if (st) sio__stream_set_max_queue(st, t->max_write_queue);
  return st;
}
