/* The in-process test client (include/sio/test_client.h). It is a session
 * link (sio__link_ops_t): the server's session writes its packets here
 * instead of to an Engine.IO socket, and the client feeds its own packets,
 * encoded by the server's parser as a real client's, to the session's
 * decoder. Everything between is the server's ordinary code. */
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "sio/sio_test_client.h"

/* What the client knows of one namespace. */
enum { NSP_CONNECTING = 1, NSP_CONNECTED, NSP_REFUSED, NSP_LEFT };

typedef struct {
  char *name;
  int state;
  char sid[32];
  char *error;        /* the last CONNECT_ERROR payload, or NULL */
  const char *reason; /* why it left (static), or NULL */
} tc_nsp_t;

struct sio_test_event {
  sio_test_event_t *next;
  char *nsp;
  char *name; /* NULL for an ack reply */
  int has_ack;
  int answered;
  uint64_t ack_id;
  sio__stored_t *st;
};

struct sio_test_client {
  sio__session_t *session; /* NULL once the connection is closed */
  const sio_parser_t *parser;
  void *dec; /* decodes what the server sends */
  sio__test_hs_t hs;
  size_t max_received;
  size_t nqueued;                /* events and ack replies held */
  sio_test_event_t *head, *tail; /* events, in arrival order */
  sio_test_event_t *replies;     /* ack replies not taken yet */
  uint64_t *pending;             /* ack ids waiting for a reply */
  size_t npending, pcap;
  uint64_t next_ack_id;
  tc_nsp_t *nsps;
  size_t nnsps, ncap;
};

/* ---- namespaces ---- */

static tc_nsp_t *nsp_find(const sio_test_client_t *tc, const char *name, size_t len) {
  if (len == 0) name = "/", len = 1;
  for (size_t i = 0; i < tc->nnsps; i++)
    if (strlen(tc->nsps[i].name) == len && memcmp(tc->nsps[i].name, name, len) == 0)
      return &tc->nsps[i];
  return NULL;
}

static tc_nsp_t *nsp_get(const sio_test_client_t *tc, const char *name) {
  return tc && name ? nsp_find(tc, name, strlen(name)) : NULL;
}

static tc_nsp_t *nsp_add(sio_test_client_t *tc, const char *name) {
  tc_nsp_t *e = nsp_get(tc, name);
  if (e) return e;
  if (tc->nnsps == tc->ncap) {
    size_t ncap = tc->ncap ? tc->ncap * 2 : 4;
    tc_nsp_t *nv = sio__realloc(tc->nsps, ncap * sizeof(*nv));
    if (!nv) return NULL;
    tc->nsps = nv;
    tc->ncap = ncap;
  }
  e = &tc->nsps[tc->nnsps];
  memset(e, 0, sizeof(*e));
  if (!(e->name = sio__strdup(name))) return NULL;
  tc->nnsps++;
  return e;
}

/* ---- events ---- */

void sio_test_event_free(sio_test_event_t *ev) {
  if (!ev) return;
  sio__stored_free(ev->st);
  sio__free(ev->nsp);
  sio__free(ev->name);
  sio__free(ev);
}

const char *sio_test_event_name(const sio_test_event_t *ev) {
  return ev ? ev->name : NULL;
}
const char *sio_test_event_namespace(const sio_test_event_t *ev) {
  return ev ? ev->nsp : NULL;
}
const sio_argv_t *sio_test_event_args(const sio_test_event_t *ev) {
  return ev ? &ev->st->av : NULL;
}
int sio_test_event_wants_ack(const sio_test_event_t *ev) {
  return ev && ev->has_ack;
}

static sio_test_event_t *event_new(const sio__sio_packet_t *pkt) {
  sio_test_event_t *ev = sio__calloc(1, sizeof(*ev));
  if (!ev) return NULL;
  ev->nsp = pkt->h.nsp_len ? sio__strndup(pkt->h.nsp, pkt->h.nsp_len) : sio__strdup("/");
  ev->st = sio__stored_new(pkt);
  ev->has_ack = pkt->h.has_ack;
  ev->ack_id = pkt->h.ack_id;
  if (!ev->nsp || !ev->st) goto fail;
  if (pkt->h.type == SIO_SIO_EVENT || pkt->h.type == SIO_SIO_BINARY_EVENT) {
    size_t cap = pkt->name.len + 1, len;
    if (!(ev->name = sio__malloc(cap))) goto fail;
    if (sio__sio_event_name(pkt, ev->name, cap, &len)) goto fail;
  }
  return ev;
fail:
  sio_test_event_free(ev);
  return NULL;
}

static int take_pending(sio_test_client_t *tc, uint64_t id) {
  for (size_t i = 0; i < tc->npending; i++) {
    if (tc->pending[i] == id) {
      tc->pending[i] = tc->pending[--tc->npending];
      return 1;
    }
  }
  return 0;
}

/* ---- the link: what the server sends ---- */

static void on_connect_reply(tc_nsp_t *e, const sio__sio_packet_t *pkt) {
  sio__json_val_t sid;
  e->state = NSP_CONNECTED;
  e->reason = NULL;
  e->sid[0] = 0;
  if (pkt->payload.type == SIO_JSON_OBJECT &&
      sio__json_object_get(&pkt->payload, "sid", 3, &sid) == 1 &&
      sio__json_string_copy(&sid, e->sid, sizeof(e->sid), NULL) != 0)
    e->sid[0] = 0;
}

static int on_packet(sio_test_client_t *tc, const sio__sio_packet_t *pkt) {
  tc_nsp_t *e = nsp_find(tc, pkt->h.nsp, pkt->h.nsp_len);
  switch (pkt->h.type) {
    case SIO_SIO_CONNECT:
      if (e) on_connect_reply(e, pkt);
      return 0;
    case SIO_SIO_CONNECT_ERROR:
      if (e) {
        e->state = NSP_REFUSED;
        sio__free(e->error);
        e->error = sio__strndup(pkt->payload.p, pkt->payload.len);
      }
      return 0;
    case SIO_SIO_DISCONNECT:
      if (e && e->state == NSP_CONNECTED) {
        e->state = NSP_LEFT;
        e->reason = "io server disconnect";
      }
      return 0;
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      /* As socket.io-client: a reply nobody waits for is ignored. */
      if (!take_pending(tc, pkt->h.ack_id)) return 0;
      break;
    default:
      break;
  }
  if (tc->nqueued >= tc->max_received) return SIO_ELIMIT;
  sio_test_event_t *ev = event_new(pkt);
  if (!ev) return SIO_ENOMEM;
  tc->nqueued++;
  if (!ev->name) {
    ev->next = tc->replies;
    tc->replies = ev;
  } else {
    if (tc->tail)
      tc->tail->next = ev;
    else
      tc->head = ev;
    tc->tail = ev;
  }
  return 0;
}

static int link_send(void *arg, sio__eio_msg_t *const *msgs, size_t n) {
  sio_test_client_t *tc = arg;
  if (!tc->session) return SIO_ECLOSED;
  for (size_t i = 0; i < n; i++) {
    const sio__eio_msg_t *m = msgs[i];
    sio__sio_packet_t pkt;
    int rc = tc->parser->decoder_feed(tc->dec, m->binary, sio__eio_msg_bytes(m), m->len,
                                      m->data, &pkt);
    if (rc == 1) {
      rc = on_packet(tc, &pkt);
      sio__sio_packet_release(&pkt);
    }
    if (rc < 0) return rc; /* SIO_ELIMIT (the queue is full) closes the connection */
  }
  return 0;
}

static int link_writable(void *arg) {
  const sio_test_client_t *tc = arg;
  return tc->session && tc->nqueued < tc->max_received;
}

static void link_closed(void *arg, const char *reason) {
  sio_test_client_t *tc = arg;
  tc->session = NULL;
  tc->parser->decoder_reset(tc->dec);
  int overflow = strcmp(reason, "transport error") == 0;
  for (size_t i = 0; i < tc->nnsps; i++) {
    tc_nsp_t *e = &tc->nsps[i];
    if (e->state == NSP_CONNECTED || e->state == NSP_CONNECTING) {
      e->state = NSP_LEFT;
      e->reason = overflow ? "transport error" : "transport close";
    }
  }
}

static const char *link_header(void *arg, const char *name, size_t *len) {
  return sio__test_hs_header(&((sio_test_client_t *)arg)->hs, name, len);
}
static int link_header_at(void *arg, size_t i, sio_buf_t *name, sio_buf_t *value) {
  return sio__test_hs_header_at(&((sio_test_client_t *)arg)->hs, i, name, value);
}
static const char *link_query(void *arg, size_t *len) {
  return sio__test_hs_query(&((sio_test_client_t *)arg)->hs, len);
}
static int link_query_get(void *arg, const char *key, char *out, size_t outlen) {
  return sio__test_hs_query_get(&((sio_test_client_t *)arg)->hs, key, out, outlen);
}
static const char *link_url(void *arg, size_t *len) {
  const sio_test_client_t *tc = arg;
  if (len) *len = tc->hs.url_len;
  return tc->hs.url;
}
static const char *link_address(void *arg) {
  return ((sio_test_client_t *)arg)->hs.address;
}
static uint64_t link_issued(void *arg) {
  return ((sio_test_client_t *)arg)->hs.issued;
}

static const sio__link_ops_t k_link = {
    "test",     link_send,      link_writable, link_closed,  link_header, link_header_at,
    link_query, link_query_get, link_url,      link_address, link_issued};

/* ---- the client ---- */

int sio_test_client_new(sio_server_t *s, const sio_test_client_opts_t *opts,
                        sio_test_client_t **out) {
  if (!s || !out) return SIO_EINVAL;
  if (s->closing) return SIO_ECLOSED;
  sio_test_client_t *tc = sio__calloc(1, sizeof(*tc));
  if (!tc) return SIO_ENOMEM;
  tc->parser = s->parser;
  tc->max_received = opts ? opts->max_received : SIO_TEST_CLIENT_MAX_RECEIVED_DEFAULT;
  if (sio__test_hs_init(&tc->hs, s, opts)) {
    sio__free(tc);
    return SIO_ENOMEM;
  }
  if (!(tc->dec = sio__malloc(tc->parser->decoder_size))) goto oom;
  /* No bounds on what our own server sends. */
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_attachments = UINT32_MAX;
  lim.max_depth = SIO_JSON_DEPTH_MAX;
  lim.max_binary_bytes = SIZE_MAX;
  tc->parser->decoder_init(tc->dec, &lim);
  if (!(tc->session = sio__session_new(s, NULL, &k_link, tc))) {
    tc->parser->decoder_reset(tc->dec);
    goto oom;
  }
  *out = tc;
  return 0;
oom:
  sio__free(tc->dec);
  sio__test_hs_clear(&tc->hs);
  sio__free(tc);
  return SIO_ENOMEM;
}

static void free_list(sio_test_event_t *ev) {
  while (ev) {
    sio_test_event_t *next = ev->next;
    sio_test_event_free(ev);
    ev = next;
  }
}

void sio_test_client_free(sio_test_client_t *tc) {
  if (!tc) return;
  if (tc->session) sio__session_close(tc->session, "transport close");
  free_list(tc->head);
  free_list(tc->replies);
  for (size_t i = 0; i < tc->nnsps; i++) {
    sio__free(tc->nsps[i].name);
    sio__free(tc->nsps[i].error);
  }
  sio__free(tc->nsps);
  sio__free(tc->pending);
  tc->parser->decoder_reset(tc->dec);
  sio__free(tc->dec);
  sio__test_hs_clear(&tc->hs);
  sio__free(tc);
}

/* Encodes d as a client would and feeds it to the session's decoder: the
 * server handles it inside this call. */
static int feed(sio_test_client_t *tc, const sio__packet_desc_t *d) {
  sio__session_t *c = tc->session;
  if (!c) return SIO_ENOTCONN;
  sio__packet_out_t out;
  int rc = sio__packet_encode_desc(tc->parser, &out, d);
  if (rc) return rc;
  sio__session_ref(c);
  for (size_t i = 0; i < out.n && sio__session_up(c); i++) {
    const sio__eio_msg_t *m = out.msgs[i];
    sio__session_feed(c, m->binary, sio__eio_msg_bytes(m), m->len);
  }
  sio__session_unref(c);
  sio__packet_out_free(&out);
  return 0;
}

int sio_test_client_connect(sio_test_client_t *tc, const char *nsp, const char *auth) {
  if (!tc || !nsp || nsp[0] != '/' || strchr(nsp, ',')) return SIO_EINVAL;
  if (!tc->session) return SIO_ENOTCONN;
  sio__sb_t sb;
  sio__sb_init(&sb, auth ? strlen(auth) : 0);
  if (auth) {
    sio__json_val_t v;
    if (sio__json_parse(auth, strlen(auth), 0, &v) != 0 || v.type != SIO_JSON_OBJECT) {
      sio__sb_reset(&sb);
      return SIO_EINVAL;
    }
    sio__json_write_compact(&sb, &v);
  }
  tc_nsp_t *e = nsp_add(tc, nsp);
  int rc = sb.err ? SIO_ENOMEM : e ? 0 : SIO_ENOMEM;
  if (rc == 0 && (e->state == NSP_CONNECTING || e->state == NSP_CONNECTED))
    rc = SIO_EEXIST;
  if (rc) {
    sio__sb_reset(&sb);
    return rc;
  }
  sio__free(e->error);
  e->error = NULL;
  e->reason = NULL;
  e->state = NSP_CONNECTING;
  sio__packet_desc_t d = {SIO_SIO_CONNECT, -1, nsp, NULL, NULL, NULL, 0};
  if (auth) {
    d.payload = (const char *)sio__sb_data(&sb);
    d.payload_len = sio__sb_len(&sb);
  }
  rc = feed(tc, &d);
  sio__sb_reset(&sb);
  e = nsp_get(tc, nsp);
  if (rc) {
    e->state = 0;
    return rc;
  }
  switch (e->state) {
    case NSP_CONNECTED:
      return 0;
    case NSP_REFUSED:
      return SIO_EACCES;
    case NSP_CONNECTING:
      return SIO_EAGAIN;
    default:
      return SIO_ENOTCONN;
  }
}

int sio_test_client_is_connected(const sio_test_client_t *tc, const char *nsp) {
  const tc_nsp_t *e = nsp_get(tc, nsp);
  return e && e->state == NSP_CONNECTED;
}

const char *sio_test_client_sid(const sio_test_client_t *tc, const char *nsp) {
  const tc_nsp_t *e = nsp_get(tc, nsp);
  return e && e->sid[0] ? e->sid : NULL;
}

const char *sio_test_client_connect_error(const sio_test_client_t *tc, const char *nsp) {
  const tc_nsp_t *e = nsp_get(tc, nsp);
  return e ? e->error : NULL;
}

const char *sio_test_client_disconnect_reason(const sio_test_client_t *tc,
                                              const char *nsp) {
  const tc_nsp_t *e = nsp_get(tc, nsp);
  return e && e->state == NSP_LEFT ? e->reason : NULL;
}

int sio_test_client_disconnect(sio_test_client_t *tc, const char *nsp) {
  tc_nsp_t *e = nsp_get(tc, nsp);
  if (!e || e->state != NSP_CONNECTED || !tc->session) return SIO_ENOTCONN;
  /* Left before the server hears of it, as a real client. */
  e->state = NSP_LEFT;
  e->reason = "io client disconnect";
  sio__packet_desc_t d = {SIO_SIO_DISCONNECT, -1, nsp, NULL, NULL, NULL, 0};
  return feed(tc, &d);
}

static int emit(sio_test_client_t *tc, const char *nsp, const char *event,
                const sio_args_t *args, int64_t id) {
  if (!tc || !event) return SIO_EINVAL;
  if (!sio_test_client_is_connected(tc, nsp) || !tc->session) return SIO_ENOTCONN;
  sio__packet_desc_t d = {SIO_SIO_EVENT, id, nsp, event, args, NULL, 0};
  return feed(tc, &d);
}

int sio_test_client_emit(sio_test_client_t *tc, const char *nsp, const char *event,
                         const sio_args_t *args) {
  return emit(tc, nsp, event, args, -1);
}

int sio_test_client_emit_with_ack(sio_test_client_t *tc, const char *nsp,
                                  const char *event, const sio_args_t *args,
                                  uint64_t *ack_id, sio_test_event_t **reply) {
  if (reply) *reply = NULL;
  if (!tc) return SIO_EINVAL;
  if (tc->npending == tc->pcap) {
    size_t ncap = tc->pcap ? tc->pcap * 2 : 8;
    uint64_t *nv = sio__realloc(tc->pending, ncap * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    tc->pending = nv;
    tc->pcap = ncap;
  }
  uint64_t id = tc->next_ack_id++;
  tc->pending[tc->npending++] = id;
  int rc = emit(tc, nsp, event, args, (int64_t)id);
  if (rc) {
    take_pending(tc, id);
    return rc;
  }
  if (ack_id) *ack_id = id;
  if (reply) *reply = sio_test_client_take_ack(tc, id);
  return 0;
}

sio_test_event_t *sio_test_client_take_ack(sio_test_client_t *tc, uint64_t ack_id) {
  if (!tc) return NULL;
  for (sio_test_event_t **pp = &tc->replies; *pp; pp = &(*pp)->next) {
    sio_test_event_t *ev = *pp;
    if (ev->ack_id == ack_id) {
      *pp = ev->next;
      ev->next = NULL;
      tc->nqueued--;
      return ev;
    }
  }
  return NULL;
}

int sio_test_client_ack(sio_test_client_t *tc, sio_test_event_t *ev,
                        const sio_args_t *args) {
  if (!tc || !ev || !ev->has_ack) return SIO_EINVAL;
  if (ev->answered) return SIO_EEXIST;
  if (!sio_test_client_is_connected(tc, ev->nsp) || !tc->session) return SIO_ENOTCONN;
  sio__packet_desc_t d = {SIO_SIO_ACK, (int64_t)ev->ack_id, ev->nsp, NULL, args, NULL, 0};
  int rc = feed(tc, &d);
  if (rc == 0) ev->answered = 1;
  return rc;
}

/* ---- the received queue ---- */

static int matches(const sio_test_event_t *ev, const char *nsp) {
  return !nsp || strcmp(ev->nsp, nsp) == 0;
}

size_t sio_test_client_received_count(const sio_test_client_t *tc, const char *nsp) {
  size_t n = 0;
  for (const sio_test_event_t *ev = tc ? tc->head : NULL; ev; ev = ev->next)
    n += matches(ev, nsp);
  return n;
}

/* Unlinks and returns the first queued event of nsp, or NULL. */
static sio_test_event_t *unlink_next(sio_test_client_t *tc, const char *nsp) {
  sio_test_event_t *prev = NULL;
  for (sio_test_event_t *ev = tc->head; ev; prev = ev, ev = ev->next) {
    if (!matches(ev, nsp)) continue;
    if (prev)
      prev->next = ev->next;
    else
      tc->head = ev->next;
    if (tc->tail == ev) tc->tail = prev;
    ev->next = NULL;
    tc->nqueued--;
    return ev;
  }
  return NULL;
}

sio_test_event_t *sio_test_client_next(sio_test_client_t *tc, const char *nsp) {
  return tc ? unlink_next(tc, nsp) : NULL;
}

void sio_test_client_clear(sio_test_client_t *tc, const char *nsp) {
  sio_test_event_t *ev;
  while (tc && (ev = unlink_next(tc, nsp))) sio_test_event_free(ev);
}
