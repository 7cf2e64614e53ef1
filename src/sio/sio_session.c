/* One Engine.IO session seen by Socket.IO (the reference's Client): it
 * decodes packets (binary attachments reassembled), routes them to the
 * namespace sockets of the session, runs CONNECT requests, enforces the
 * connect timeout, and closes the whole session on any protocol error. */
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "eio/eio_send.h"
#include "sio/sio_internal.h"

/* Sessions come from an 8-byte aligned pool; the decoders sit in them. */
_Static_assert(_Alignof(sio__sio_decoder_t) <= 8 && _Alignof(sio__sio_limits_t) <= 8,
               "a parser's decoder needs no more than 8-byte alignment");
_Static_assert(_Alignof(sio__session_t) <= 8, "sessions are 8-byte aligned blocks");

void sio__session_ref(sio__session_t *c) {
  c->refs++;
}

void sio__session_unref(sio__session_t *c) {
  if (--c->refs) return;
  sio__session_parser(c)->decoder_reset(sio__session_dec(c));
  sio__timer_free(c->connect_timer);
  if (c->cap > 1) sio__free(c->socks.many);
  sio__pool_free(c->srv->session_pool, c);
}

int sio__session_send(sio__session_t *c, const sio__packet_out_t *out) {
  if (c->link) {
    int rc = c->link->send(c->link_arg, out->msgs, out->n);
    /* As an Engine.IO write buffer over its cap: the connection goes. */
    if (rc == SIO_ELIMIT) sio__session_close(c, "transport error");
    return rc;
  }
  if (!c->eio) return SIO_ENOTCONN;
  sio__stats_out(&c->srv->stats, out->type, out->bytes);
  return out->n == 1 ? sio__eio_socket_send_msg(c->eio, out->msgs[0])
                     : sio__eio_socket_send_msgs(c->eio, out->msgs, out->n);
}

int sio__session_writable(const sio__session_t *c) {
  if (c->link) return c->link->writable(c->link_arg);
  return c->eio && sio__eio_socket_writable(c->eio);
}

static int connect_to(sio__session_t *c, const char *nsp, size_t nsp_len,
                      const char *auth, size_t auth_len);

static void connect_timeout_cb(sio__timer_t *t, void *arg) {
  sio__session_t *c = arg;
  (void)t;
  if (c->joined || !c->eio) return;
  SIO_LOGD("sio: no namespace joined in time, closing %s", sio_eio_socket_id(c->eio));
  sio_eio_socket_close(c->eio);
}

sio__session_t *sio__session_new(sio_server_t *s, sio_eio_socket_t *eio,
                                 const sio__link_ops_t *link, void *link_arg) {
  sio__session_t *c = sio__pool_calloc(s->session_pool);
  if (!c) return NULL;
  c->srv = s;
  c->eio = eio;
  c->link = eio ? NULL : link;
  c->link_arg = link_arg;
  c->refs = 1; /* the session's, dropped at its close */
  sio__session_parser(c)->decoder_init(sio__session_dec(c), &s->lim);
  if (eio) {
    c->connect_timer = sio__timer_new(s->loop, connect_timeout_cb, c);
    if (!c->connect_timer) {
      sio__pool_free(s->session_pool, c);
      return NULL;
    }
    sio__timer_start(c->connect_timer, s->connect_timeout);
  }
  c->next = s->sessions;
  if (s->sessions) s->sessions->prev = c;
  s->sessions = c;
  return c;
}

void sio__session_on_connection(sio_eio_socket_t *eio, void *arg) {
  sio__session_t *c = sio__session_new(arg, eio, NULL, NULL);
  if (!c) {
    sio__eio_socket_abort(eio, "transport error");
    return;
  }
  sio_eio_socket_set_data(eio, c);
  if (sio__session_is_v2(c)) {
    /* A v2 client is in the root namespace without asking, as the reference
     * joins it for them. */
    sio__session_ref(c);
    int rc = connect_to(c, "/", 1, "{}", 2);
    if (rc) sio__session_fail(c, rc == SIO_ENOMEM ? "transport error" : "forced close");
    sio__session_unref(c);
  }
}

void sio__session_remove_socket(sio__session_t *c, sio_socket_t *sock) {
  sio_socket_t **socks = sio__session_socks(c);
  for (size_t i = 0; i < c->nsocks; i++) {
    if (socks[i] == sock) {
      memmove(&socks[i], &socks[i + 1], (c->nsocks - i - 1) * sizeof(*socks));
      c->nsocks--;
      return;
    }
  }
}

static sio_socket_t *find_socket(sio__session_t *c, const char *nsp, size_t len) {
  sio_socket_t **socks = sio__session_socks(c);
  for (size_t i = 0; i < c->nsocks; i++) {
    sio_namespace_t *n = socks[i]->nsp;
    if (n->name_len == len && memcmp(n->name, nsp, len) == 0) return socks[i];
  }
  return NULL;
}

/* Closes every socket of the session with reason. A socket already closing
 * (we may be inside its handlers) stays in the list until its own close
 * finishes; it is skipped here. */
static void close_sockets(sio__session_t *c, const char *reason) {
  sio_socket_t *victim;
  while ((victim = sio__session_next_open(c))) sio__socket_close(victim, reason);
}

sio_socket_t *sio__session_next_open(sio__session_t *c) {
  sio_socket_t **socks = sio__session_socks(c);
  for (size_t i = c->nsocks; i-- > 0;)
    if (!socks[i]->closing) return socks[i];
  return NULL;
}

void sio__session_fail(sio__session_t *c, const char *reason) {
  if (c->failed) return;
  c->failed = 1;
  sio__session_ref(c);
  sio__session_parser(c)->decoder_reset(sio__session_dec(c));
  close_sockets(c, reason);
  if (c->eio)
    sio__eio_socket_abort(c->eio, reason);
  else
    sio__session_close(c, reason);
  sio__session_unref(c);
}

static int send_ctl(sio__session_t *c, int type, const char *nsp, size_t nsp_len,
                    const char *payload, size_t len) {
  char name[256];
  char *heap = NULL;
  const char *n = name;
  if (nsp_len < sizeof(name)) {
    memcpy(name, nsp, nsp_len);
    name[nsp_len] = 0;
  } else {
    heap = sio__strndup(nsp, nsp_len);
    if (!heap) return SIO_ENOMEM;
    n = heap;
  }
  sio__packet_out_t out;
  int rc = sio__session_encode_ctl(c, &out, type, n, payload, len);
  sio__free(heap);
  if (rc) return rc;
  rc = sio__session_send(c, &out);
  sio__packet_out_free(&out);
  return rc;
}

static const char k_invalid_nsp[] = "{\"message\":\"Invalid namespace\"}";
static const char k_too_many[] = "{\"message\":\"Too many namespaces\"}";

/* A CONNECT to the namespace nsp[0..nsp_len) with the auth object
 * auth[0..auth_len). */
static int connect_to(sio__session_t *c, const char *nsp, size_t nsp_len,
                      const char *auth, size_t auth_len) {
  /* A second CONNECT for a namespace already joined (or joining) is an
   * invalid state: the reference closes the connection. */
  if (find_socket(c, nsp, nsp_len)) return SIO_EPROTO;
  /* Each namespace joined costs a socket (and may make a dynamic child). */
  if (c->nsocks >= c->srv->max_session_nsps) {
    send_ctl(c, SIO_SIO_CONNECT_ERROR, nsp, nsp_len, k_too_many, sizeof(k_too_many) - 1);
    return 0;
  }
  if (c->nsocks && c->nsocks == c->cap) {
    /* Past the one that sits in the session: an array. */
    size_t ncap = c->cap * 2;
    int one = c->cap <= 1;
    sio_socket_t **ns = sio__realloc(one ? NULL : c->socks.many, ncap * sizeof(*ns));
    if (!ns) return SIO_ENOMEM;
    if (one) ns[0] = c->socks.one;
    c->socks.many = ns;
    c->cap = (uint32_t)ncap;
  }
  sio_namespace_t *ns = sio__namespace_lookup(c->srv, nsp, nsp_len);
  if (!ns) {
    send_ctl(c, SIO_SIO_CONNECT_ERROR, nsp, nsp_len, k_invalid_nsp,
             sizeof(k_invalid_nsp) - 1);
    return 0;
  }
  /* The session's list holds the socket's first reference; the socket drops
   * it when it goes (sio__socket_close). */
  sio_socket_t *sock = sio__socket_new(ns, c, auth, auth_len);
  if (!sock) {
    /* A child made for this socket goes again. */
    sio__namespace_ref(ns);
    sio__namespace_unref(ns);
    return SIO_ENOMEM;
  }
  if (!c->cap) c->cap = 1;
  sio__session_socks(c)[c->nsocks++] = sock;
  /* A recovery through a cluster adapter runs the connect flow when the
   * adapter answers. */
  if (!sio__recovery_restore(sock)) sio__namespace_connect(sock);
  return 0;
}

static int on_connect(sio__session_t *c, const sio__sio_packet_t *pkt) {
  if (sio__session_is_v2(c)) {
    /* v2: "/chat?token=abc" names /chat; its query is the auth. */
    size_t name_len;
    sio__sb_t auth;
    sio__sb_init(&auth, 32);
    int rc = sio__v2_connect_target(pkt->h.nsp, pkt->h.nsp_len, &name_len, &auth);
    if (rc == 0)
      rc = connect_to(c, pkt->h.nsp, name_len, (const char *)sio__sb_data(&auth),
                      sio__sb_len(&auth));
    sio__sb_reset(&auth);
    return rc;
  }
  if (pkt->payload.type == SIO_JSON_OBJECT)
    return connect_to(c, pkt->h.nsp, pkt->h.nsp_len, pkt->payload.p, pkt->payload.len);
  return connect_to(c, pkt->h.nsp, pkt->h.nsp_len, "{}", 2);
}

static void dispatch(sio__session_t *c, const sio__sio_packet_t *pkt) {
  int rc = 0;
  c->srv->stats.packets_in[pkt->h.type & 7]++;
  switch (pkt->h.type) {
    case SIO_SIO_CONNECT:
      rc = on_connect(c, pkt);
      break;
    case SIO_SIO_CONNECT_ERROR:
      rc = SIO_EPROTO; /* only servers send it */
      break;
    default: {
      sio_socket_t *sock = find_socket(c, pkt->h.nsp, pkt->h.nsp_len);
      if (!sock || sock->state != SIO__SOCK_CONNECTED) {
        rc = SIO_EPROTO; /* not connected to that namespace */
        break;
      }
      rc = sio__socket_on_packet(sock, pkt);
      break;
    }
  }
  if (rc)
    SIO_LOGD("sio: invalid packet (type %d, nsp %.*s): %s", pkt->h.type,
             (int)pkt->h.nsp_len, pkt->h.nsp, sio_err_name(rc));
  /* The reference answers an invalid Socket.IO packet by closing the
   * Engine.IO connection, so its sockets see "forced close" ("parse error"
   * is the Engine.IO decoder's reason). */
  if (rc == SIO_ENOMEM)
    sio__session_fail(c, "transport error");
  else if (rc)
    sio__session_fail(c, "forced close");
}

/* The first message tells an auto server's session its parser: a JSON
 * packet starts with a text message, a msgpack one is binary. The session
 * was set up with the JSON decoder, empty until now. */
static const sio_parser_t *decide_parser(sio__session_t *c, int binary) {
  c->parser_set = 1;
  if (binary) {
    sio__session_parser(c)->decoder_reset(sio__session_dec(c));
    c->parser_ix = SIO__PARSER_MSGPACK;
    sio__session_parser(c)->decoder_init(sio__session_dec(c), &c->srv->lim);
  }
  return sio__session_parser(c);
}

void sio__session_feed(sio__session_t *c, int binary, const uint8_t *data, size_t len) {
  if (c->failed) return;
  c->srv->stats.bytes_in += len;
  sio__session_ref(c);
  const sio_parser_t *p = sio__session_parser(c);
  if (c->srv->parser_auto && !c->parser_set) p = decide_parser(c, binary);
  sio__sio_packet_t pkt;
  int rc = p->decoder_feed(sio__session_dec(c), binary, data, len, NULL, &pkt);
  if (rc == 1) {
    dispatch(c, &pkt);
    sio__sio_packet_release(&pkt);
  } else if (rc < 0) {
    SIO_LOGD("sio: bad packet (%s), closing", sio_err_name(rc));
    sio__session_fail(c, rc == SIO_ENOMEM ? "transport error" : "forced close");
  }
  sio__session_unref(c);
}

void sio__session_on_message(sio_eio_socket_t *eio, int binary, const uint8_t *data,
                             size_t len, void *arg) {
  (void)arg;
  sio__session_t *c = sio_eio_socket_get_data(eio);
  if (c) sio__session_feed(c, binary, data, len);
}

void sio__session_close(sio__session_t *c, const char *reason) {
  if (c->eio) {
    sio_eio_socket_close(c->eio);
    return;
  }
  if (!c->link) return;
  /* The link hears of it first, so nothing more reaches it. */
  sio__session_ref(c);
  const sio__link_ops_t *link = c->link;
  c->link = NULL;
  link->closed(c->link_arg, reason);
  sio__session_closed(c, reason);
  sio__session_unref(c);
}

void sio__session_closed(sio__session_t *c, const char *reason) {
  sio_server_t *s = c->srv;
  c->failed = 1;
  sio__timer_stop(c->connect_timer);
  close_sockets(c, reason);
  c->eio = NULL;
  c->link = NULL;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->sessions = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  sio__session_unref(c);
}

void sio__session_on_close(sio_eio_socket_t *eio, const char *reason, void *arg) {
  (void)arg;
  sio__session_t *c = sio_eio_socket_get_data(eio);
  if (!c) return;
  sio_eio_socket_set_data(eio, NULL);
  sio__session_closed(c, reason);
}

void sio__session_close_links(sio_server_t *s, const char *reason) {
  for (;;) {
    sio__session_t *c = s->sessions;
    while (c && !c->link) c = c->next;
    if (!c) return;
    sio__session_close(c, reason);
  }
}
