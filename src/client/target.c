/* The one place the client opens a connection: plain TCP or TLS, to an IP
 * literal or a name looked up afresh each time. */
#include "client/client_internal.h"
#include "io/tls.h"

sio__stream_t *sio__target_connect(const sio__target_t *t, sio__stream_connect_cb cb,
                                   void *arg) {
  const char *addr = t->conn_host ? t->conn_host : t->ip;
  if (t->tls)
    return sio__stream_connect_tls(t->loop, addr, t->port, t->tls_host, t->tls, cb, arg);
  return sio__stream_connect_host(t->loop, addr, t->port, cb, arg);
}
