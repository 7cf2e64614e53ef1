/* The handshake of a socket's Engine.IO session (headers, query, URL,
 * address, time), as the reference's socket.handshake; an in-process link
 * (the test client) answers for the session it stands for. Its own file so
 * programs that never read it do not link the Engine.IO handshake store. */
#include "eio/eio_handshake.h"
#include "sio/sio_internal.h"

static sio_eio_socket_t *eio_of(const sio_socket_t *sock) {
  return sock ? sock->session->eio : NULL;
}

/* The link of the socket's session, or NULL. */
static const sio__link_ops_t *link_of(const sio_socket_t *sock, void **arg) {
  if (!sock || !sock->session->link) return NULL;
  *arg = sock->session->link_arg;
  return sock->session->link;
}

const char *sio_socket_header(const sio_socket_t *sock, const char *name, size_t *len) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l && name) return l->header(la, name, len);
  sio_eio_socket_t *e = eio_of(sock);
  return e && name ? sio__eio_socket_header(e, name, len) : NULL;
}

int sio_socket_header_at(const sio_socket_t *sock, size_t i, sio_buf_t *name,
                         sio_buf_t *value) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l) return l->header_at(la, i, name, value);
  sio_eio_socket_t *e = eio_of(sock);
  return e ? sio__eio_socket_header_at(e, i, name, value) : SIO_ENOENT;
}

const char *sio_socket_query(const sio_socket_t *sock, size_t *len) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l) return l->query(la, len);
  sio_eio_socket_t *e = eio_of(sock);
  if (e) return sio__eio_socket_query(e, len);
  if (len) *len = 0;
  return "";
}

int sio_socket_query_get(const sio_socket_t *sock, const char *key, char *out,
                         size_t outlen) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l && key) return l->query_get(la, key, out, outlen);
  sio_eio_socket_t *e = eio_of(sock);
  return e && key ? sio__eio_socket_query_get(e, key, out, outlen) : SIO_ENOENT;
}

const char *sio_socket_url(const sio_socket_t *sock, size_t *len) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l) return l->url(la, len);
  sio_eio_socket_t *e = eio_of(sock);
  if (e) return sio__eio_socket_url(e, len);
  if (len) *len = 0;
  return "";
}

const char *sio_socket_address(const sio_socket_t *sock) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l) return l->address(la);
  sio_eio_socket_t *e = eio_of(sock);
  return e ? sio_eio_socket_remote_addr(e) : NULL;
}

uint64_t sio_socket_issued(const sio_socket_t *sock) {
  void *la;
  const sio__link_ops_t *l = link_of(sock, &la);
  if (l) return l->issued(la);
  sio_eio_socket_t *e = eio_of(sock);
  return e ? sio__eio_socket_issued(e) : 0;
}
