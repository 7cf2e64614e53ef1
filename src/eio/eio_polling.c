/* HTTP long-polling (docs/PROTOCOL.md §1.6): a GET takes the session's buffered
 * packets or waits for one; a POST delivers the client's packets. */
#include <string.h>
#include <strings.h>

#include "eio/eio_internal.h"
#include "eio/eio_v3.h"

static const char k_no_store[] = "Cache-Control: no-store\r\n";

const char *sio__eio_polling_headers(sio_eio_server_t *s, sio_http_req_t *req,
                                     sio__sb_t *hdr) {
  sio__sb_init(hdr, 0);
  if (!sio__eio_hooks_have_headers(s)) return k_no_store;
  sio__sb_puts(hdr, k_no_store);
  sio__eio_hooks_headers(s, req, 0, hdr);
  sio__sb_putc(hdr, '\0');
  return hdr->err ? k_no_store : (const char *)sio__sb_data(hdr);
}

void sio__eio_polling_answer_text(sio_eio_server_t *s, sio_http_req_t *req,
                                  const char *text, size_t len) {
  sio__sb_t hdr;
  const char *h = sio__eio_polling_headers(s, req, &hdr);
  sio_http_req_respond(req, 200, "text/plain; charset=UTF-8", h, text, len);
  sio__sb_reset(&hdr);
}

void sio__eio_polling_answer_ctl(sio_eio_socket_t *sock, sio_http_req_t *req,
                                 const char *types) {
  char body[16];
  size_t n = 0;
  for (const char *t = types; *t && n + 4 <= sizeof body; t++) {
    if (sock->v3) {
      body[n++] = '1';
      body[n++] = ':';
    } else if (t != types) {
      body[n++] = (char)SIO_EIO_SEPARATOR;
    }
    body[n++] = *t;
  }
  sio__eio_polling_answer_text(sock->server, req, body, n);
}

int sio__eio_req_is_v3(sio_http_req_t *req) {
  char v[4];
  int n = sio_http_req_query_get(req, "EIO", v, sizeof v);
  return !(n == 1 && v[0] == '4');
}

int sio__eio_req_b64(sio_http_req_t *req) {
  char v[2];
  return sio_http_req_query_get(req, "b64", v, sizeof v) > 0;
}

static void bad_request(sio_http_req_t *req) {
  sio_http_req_respond(req, 400, NULL, NULL, NULL, 0);
}

/* The client dropped a held GET: the reference calls that a transport error. */
static void on_get_abort(sio_http_req_t *r, void *arg) {
  sio_eio_socket_t *sock = arg;
  if (sio__eio_held_get(sock) != r) return;
  sock->pl->get = NULL;
  sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
}

void sio__eio_polling_on_get(sio_eio_socket_t *sock, sio_http_req_t *req) {
  sio__eio_polling_t *pl = sock->pl; /* validated: a polling session */
  if (pl->get) {
    /* A second GET: it gets the error, the held one the close packet. */
    bad_request(req);
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
    return;
  }
  if (sock->state == SIO__EIO_CLOSING_STATE) {
    /* Graceful close: deliver what is left, then the close. */
    if (pl->wlen) {
      sio__eio_socket_answer_get(sock, req);
    } else {
      sio__eio_polling_answer_ctl(sock, req, "61");
      sio__eio_socket_destroy(sock, "forced close", SIO__EIO_BY_SERVER);
    }
    return;
  }
  if (pl->wlen) {
    sio__eio_socket_answer_get(sock, req);
    return;
  }
  if (sock->probe_acked) {
    /* The client is pausing polling to finish the upgrade: release it now. */
    sio__eio_polling_answer_ctl(sock, req, "6");
    return;
  }
  pl->get = req;
  sio__http_req_set_abort_cb(req, on_get_abort, sock);
}

typedef struct {
  sio_eio_socket_t *sock;
  int proto_err;
} post_ctx_t;

static int post_packet(void *arg, const sio__eio_packet_t *p) {
  post_ctx_t *ctx = arg;
  sio_eio_socket_t *sock = ctx->sock;
  if (sock->state == SIO__EIO_CLOSING_STATE) {
    /* Closing: only the client's own close still means something. */
    if (p->type == SIO__EIO_CLOSE)
      sio__eio_socket_destroy(sock, "transport close", SIO__EIO_BY_CLIENT);
    return sock->state == SIO__EIO_CLOSED_STATE;
  }
  if (sock->state != SIO__EIO_OPEN_STATE) return 1;
  if (sio__eio_socket_on_packet(sock, p) != 0) {
    ctx->proto_err = 1;
    return 1;
  }
  return sock->state == SIO__EIO_CLOSED_STATE;
}

void sio__eio_polling_on_post(sio_eio_socket_t *sock, sio_http_req_t *req) {
  size_t ctlen = 0;
  const char *ct = sio_http_req_header(req, "Content-Type", &ctlen);
  static const char octet[] = "application/octet-stream";
  int binary = ct && ctlen == sizeof(octet) - 1 && strncasecmp(ct, octet, ctlen) == 0;
  if (binary && !sock->v3) {
    /* v3's binary POST; invalid in v4. */
    bad_request(req);
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
    return;
  }
  size_t len = 0;
  uint8_t *body = sio_http_req_body(req, &len);
  post_ctx_t ctx = {sock, 0};
  sio__eio_socket_ref(sock);
  int rc = sock->v3 ? sio__eio_v3_decode_payload(body, len, binary, post_packet, &ctx)
                    : sio__eio_decode_payload(body, len, post_packet, &ctx);
  if (ctx.proto_err) {
    bad_request(req);
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
  } else if (rc == SIO_EPROTO && sock->state == SIO__EIO_OPEN_STATE) {
    bad_request(req);
    sio__eio_socket_destroy(sock, "parse error", SIO__EIO_BY_SERVER);
  } else {
    sio__sb_t hdr;
    const char *h = sio__eio_polling_headers(sock->server, req, &hdr);
    sio_http_req_respond(req, 200, "text/html", h, "ok", 2);
    sio__sb_reset(&hdr);
  }
  sio__eio_socket_unref(sock);
}
