#include "eio/eio_validate.h"

#include <stdio.h>
#include <string.h>

#include "sio/eio.h"

unsigned sio__eio_transport_flag(const char *s) {
  if (s == NULL) return 0;
  if (strcmp(s, "polling") == 0) return SIO_EIO_POLLING;
  if (strcmp(s, "websocket") == 0) return SIO_EIO_WEBSOCKET;
  return 0;
}

int sio__eio_validate(const sio__eio_reqinfo_t *ri) {
  unsigned t = sio__eio_transport_flag(ri->transport);
  if (t == 0 || (ri->transports & t) == 0) return SIO__EIO_ERR_TRANSPORT_UNKNOWN;
  if (ri->origin_invalid || ri->origin_refused) return SIO__EIO_ERR_BAD_REQUEST;
  /* The reference maps any EIO other than "4" to revision 3. */
  int v4 = ri->eio != NULL && strcmp(ri->eio, "4") == 0;
  if (ri->has_sid) {
    if (!ri->session_found) return SIO__EIO_ERR_SID_UNKNOWN;
    /* An upgrade may name another transport than the session's; a plain
     * request may not. */
    if (!ri->is_upgrade && ri->session_transport != t) return SIO__EIO_ERR_BAD_REQUEST;
    if (v4 == ri->session_v3) return SIO__EIO_ERR_BAD_REQUEST;
    if (ri->is_upgrade) return SIO__EIO_OK;
    /* A plain request is a poll: GET or POST on a polling session. The
     * reference answers other methods 500, a server error for a client's
     * mistake; a WebSocket session takes no HTTP request at all. */
    if (t != SIO_EIO_POLLING) return SIO__EIO_ERR_BAD_REQUEST;
    if (strcmp(ri->method, "GET") != 0 && strcmp(ri->method, "POST") != 0)
      return SIO__EIO_ERR_BAD_REQUEST;
    return SIO__EIO_OK;
  }
  if (strcmp(ri->method, "GET") != 0) return SIO__EIO_ERR_BAD_HANDSHAKE_METHOD;
  if (t == SIO_EIO_WEBSOCKET && !ri->is_upgrade) return SIO__EIO_ERR_BAD_REQUEST;
  if (ri->allow != NULL && !ri->allow(ri->allow_ctx)) return SIO__EIO_ERR_FORBIDDEN;
  /* Checked last, during the handshake itself. */
  if (!v4 && !ri->allow_eio3) return SIO__EIO_ERR_UNSUPPORTED_PROTOCOL;
  return SIO__EIO_OK;
}

const char *sio__eio_error_message(int code) {
  switch (code) {
    case SIO__EIO_ERR_TRANSPORT_UNKNOWN:
      return "Transport unknown";
    case SIO__EIO_ERR_SID_UNKNOWN:
      return "Session ID unknown";
    case SIO__EIO_ERR_BAD_HANDSHAKE_METHOD:
      return "Bad handshake method";
    case SIO__EIO_ERR_FORBIDDEN:
      return "Forbidden";
    case SIO__EIO_ERR_UNSUPPORTED_PROTOCOL:
      return "Unsupported protocol version";
    default:
      return "Bad request";
  }
}

int sio__eio_error_status(int code) {
  return code == SIO__EIO_ERR_FORBIDDEN ? 403 : 400;
}

size_t sio__eio_error_json(int code, char *out, size_t outlen) {
  int n = snprintf(out, outlen, "{\"code\":%d,\"message\":\"%s\"}", code,
                   sio__eio_error_message(code));
  if (n < 0) n = 0;
  if ((size_t)n >= outlen) n = (int)outlen - 1;
  return (size_t)n;
}
