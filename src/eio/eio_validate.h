/* Engine.IO request validation, as a pure function of what the request says
 * and what the server knows about its sid, so the reference's check order
 * (docs/PROTOCOL.md §1.9) is unit-tested on its own. */
#ifndef SIO_EIO_VALIDATE_H
#define SIO_EIO_VALIDATE_H

#include <stddef.h>

/* The protocol's error codes (the "code" of the JSON error body). */
enum {
  SIO__EIO_OK = -1,
  SIO__EIO_ERR_TRANSPORT_UNKNOWN = 0,
  SIO__EIO_ERR_SID_UNKNOWN = 1,
  SIO__EIO_ERR_BAD_HANDSHAKE_METHOD = 2,
  SIO__EIO_ERR_BAD_REQUEST = 3,
  SIO__EIO_ERR_FORBIDDEN = 4,
  SIO__EIO_ERR_UNSUPPORTED_PROTOCOL = 5
};

typedef struct {
  const char *method;         /* "GET", "POST", ...; never NULL */
  const char *transport;      /* the `transport` parameter; NULL when absent */
  const char *eio;            /* the `EIO` parameter; NULL when absent */
  int has_sid;                /* a non-empty `sid` parameter was given */
  int session_found;          /* has_sid and a live session has that sid */
  unsigned session_transport; /* that session's transport (SIO_EIO_* flag) */
  int is_upgrade;             /* the request asks for a WebSocket upgrade */
  int origin_invalid;         /* the Origin header has invalid characters */
  int origin_refused;         /* an Origin the HTTP server's CORS does not allow */
  unsigned transports;        /* transports the server enables (SIO_EIO_* flags) */
  int allow_eio3;             /* the server accepts Engine.IO v3 handshakes */
  int session_v3;             /* session_found and that session speaks v3 */
  /* The application's handshake hook, called only when every earlier check
   * passed on a request without sid: 1 accept, 0 refuse. NULL accepts. */
  int (*allow)(void *ctx);
  void *allow_ctx;
} sio__eio_reqinfo_t;

/* The transport flag (SIO_EIO_POLLING / SIO_EIO_WEBSOCKET) named by s, or 0. */
unsigned sio__eio_transport_flag(const char *s);

/* Runs the checks in the reference's order: transport (0), Origin (3; also a
 * refused Origin on an upgrade, which the reference does not check), then
 * with a sid: unknown sid (1), transport mismatch without upgrade (3), EIO
 * mismatch (3), then without upgrade a method other than GET and POST or a
 * transport other than polling (3; the reference answers 500); without sid: method (2),
 * websocket without upgrade (3), the allow hook (4), and last the protocol version (5:
 * anything but EIO=4, unless allow_eio3). With a sid the EIO must be the session's
 * (any value but "4" means v3, as in the reference).
 * Returns SIO__EIO_OK or the error code. */
int sio__eio_validate(const sio__eio_reqinfo_t *ri);

/* The exact message of an error code ("Transport unknown", ...). Static. */
const char *sio__eio_error_message(int code);
/* The HTTP status of an error code on a polling request: 403 for code 4,
 * else 400. */
int sio__eio_error_status(int code);
/* Writes the JSON body {"code":N,"message":"..."} into out (NUL-terminated);
 * returns its length. outlen must be at least 64. */
size_t sio__eio_error_json(int code, char *out, size_t outlen);

#endif
