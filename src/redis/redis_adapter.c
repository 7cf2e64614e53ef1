/* The Redis adapter: one Redis connection pair per server, one adapter
 * instance per namespace with its own uid and channels (docs/REDIS-WIRE.md §2),
 * broadcasts published as MessagePack (§4) and delivered locally, messages
 * from the bus dispatched to their namespace. Requests are in
 * redis_requests.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/redis_msgpack.h"

/* ---- small helpers ---- */

void sio__redis_random_id(char *out, size_t n) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char raw[64];
  if (n == 0) return;
  if (n - 1 > sizeof(raw)) n = sizeof(raw) + 1;
  if (sio__redis_random(raw, n - 1) != 0) {
    for (size_t i = 0; i + 1 < n; i++) raw[i] = (unsigned char)rand();
  }
  for (size_t i = 0; i + 1 < n; i++) out[i] = alphabet[raw[i] & 63];
  out[n - 1] = '\0';
}

static char *concat(const char *a, const char *b, const char *c, const char *d) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
  char *s = sio__malloc(n);
  if (s) snprintf(s, n, "%s%s%s%s", a, b, c, d);
  return s;
}

/* s with Redis's glob characters escaped, for a PSUBSCRIBE pattern: a
 * namespace named "/a*" must not subscribe to the channels of every
 * namespace starting with "/a". */
static char *glob_escape(const char *s) {
  size_t n = strlen(s), extra = 0;
  for (size_t i = 0; i < n; i++) extra += strchr("*?[]\\", s[i]) != NULL;
  char *out = malloc(n + extra + 1), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (strchr("*?[]\\", s[i])) *o++ = '\\';
    *o++ = s[i];
  }
  *o = '\0';
  return out;
}

void sio__redis_bad_message(sio__redis_node_t *node, const char *what) {
  node->bad_messages++;
  uint64_t now = sio__redis_now(node->loop);
  if (node->bad_at_log && now - node->bad_logged_at < 10000) return;
  sio_log(SIO_LOG_WARN, "redis: dropped a malformed message (%s); %llu dropped so far",
          what, (unsigned long long)node->bad_messages);
  node->bad_logged_at = now;
  node->bad_at_log = node->bad_messages;
}

int sio__redis_publish(sio__redis_node_t *node, const char *channel, const void *data,
                       size_t len) {
  int rc = sio__redis_conn_publish(node->conn, channel, data, len);
  if (rc == 0) node->published++;
  if (rc && rc != SIO_ELIMIT) /* the queue limit is logged by the connection */
    sio_log(SIO_LOG_WARN, "redis: publish on %s failed: %s", channel, sio_strerror(rc));
  return rc;
}

/* ---- broadcasts ---- */

static void rmp_opts_of(const sio_adapter_opts_t *o, sio__rmp_opts_t *r) {
  memset(r, 0, sizeof(*r));
  r->rooms = o->rooms;
  r->nrooms = o->nrooms;
  r->except = o->except;
  r->nexcept = o->nexcept;
  r->volatile_ = (o->flags & SIO_ADAPTER_F_VOLATILE) != 0;
  r->no_compress = (o->flags & SIO_ADAPTER_F_NO_COMPRESS) != 0;
}

static void rmp_event_of(const sio_adapter_packet_t *pkt, sio__rmp_event_t *ev) {
  ev->event = pkt->event;
  ev->json = pkt->json;
  ev->json_len = pkt->json_len;
  ev->att = pkt->attachments;
  ev->natt = pkt->nattachments;
}

int sio__redis_local_of(const sio__rmp_broadcast_t *b, int volatile_,
                        sio__redis_local_t *out) {
  char *event = sio__malloc(b->event.len + 1);
  char **rooms = sio__redis_cstrings(b->rooms, b->nrooms);
  char **except = sio__redis_cstrings(b->except, b->nexcept);
  if (event) {
    memcpy(event, b->event.s, b->event.len);
    event[b->event.len] = '\0';
  }
  out->pkt = (sio_adapter_packet_t){
      event, sio__rmp_text(&b->json), sio__sb_len(&b->json), b->att, b->natt, NULL};
  out->opts = (sio_adapter_opts_t){(const char *const *)rooms,
                                   b->nrooms,
                                   (const char *const *)except,
                                   b->nexcept,
                                   SIO_ADAPTER_F_LOCAL |
                                       (volatile_ ? SIO_ADAPTER_F_VOLATILE : 0u) |
                                       (b->no_compress ? SIO_ADAPTER_F_NO_COMPRESS : 0u),
                                   0};
  return event && rooms && except ? 0 : SIO_ENOMEM;
}

void sio__redis_local_free(sio__redis_local_t *l) {
  sio__free((void *)l->pkt.event);
  sio__free((void *)l->opts.rooms);
  sio__free((void *)l->opts.except);
}

/* The channel of a broadcast: P#N#room# for exactly one room, else P#N#. */
static char *bcast_channel(const sio__redis_nsp_t *inst, const sio_adapter_opts_t *o) {
  return o->nrooms == 1 ? concat(inst->bcast_prefix, o->rooms[0], "#", "")
                        : concat(inst->bcast_prefix, "", "", "");
}

static int publish_broadcast(sio__redis_nsp_t *inst, const sio_adapter_packet_t *pkt,
                             const sio_adapter_opts_t *opts) {
  sio__rmp_event_t ev;
  sio__rmp_opts_t ro;
  rmp_event_of(pkt, &ev);
  rmp_opts_of(opts, &ro);
  sio__sb_t out = {0};
  int rc = sio__rmp_encode_broadcast(&out, inst->uid, inst->name, &ev, &ro, 0);
  char *channel = rc ? NULL : bcast_channel(inst, opts);
  if (!rc && !channel) rc = SIO_ENOMEM;
  if (!rc)
    rc = sio__redis_publish(inst->node, channel, sio__rmp_text(&out), sio__sb_len(&out));
  sio__free(channel);
  sio__sb_reset(&out);
  return rc;
}

static int op_broadcast(void *self, const sio_adapter_packet_t *pkt,
                        const sio_adapter_opts_t *opts) {
  sio__redis_nsp_t *inst = self;
  int n = sio_adapter_local_broadcast(inst->nsp, pkt, opts);
  if (n >= 0 && !(opts->flags & SIO_ADAPTER_F_LOCAL)) publish_broadcast(inst, pkt, opts);
  return n;
}

/* Borrowed (ptr, len) strings as NUL-terminated copies for the local
 * functions. One allocation: pointers then bytes. */
/* NUL inside a name would cut it short as a C string: such messages are
 * refused rather than misread. */
int sio__redis_has_nul(const sio__rmp_str_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i].len && memchr(v[i].s, '\0', v[i].len)) return 1;
  return 0;
}

char **sio__redis_cstrings(const sio__rmp_str_t *v, size_t n) {
  size_t bytes = n * sizeof(char *);
  for (size_t i = 0; i < n; i++) bytes += v[i].len + 1;
  char **out = sio__malloc(bytes ? bytes : 1);
  if (!out) return NULL;
  char *p = (char *)(out + n);
  for (size_t i = 0; i < n; i++) {
    out[i] = p;
    memcpy(p, v[i].s, v[i].len);
    p[v[i].len] = '\0';
    p += v[i].len + 1;
  }
  return out;
}

/* A broadcast from another server (or an emitter) on P#N# or P#N#room#. */
static void on_broadcast(sio__redis_nsp_t *inst, const char *channel, size_t chlen,
                         const char *data, size_t len) {
  /* The receive-side room filter: a room this server does not have means
   * nothing to deliver, so the message is not even decoded. */
  size_t pl = inst->bcast_prefix_len;
  if (chlen < pl || memcmp(channel, inst->bcast_prefix, pl) != 0) return;
  if (chlen > pl) {
    if (channel[chlen - 1] != '#') return;
    size_t rl = chlen - pl - 1;
    char small[256];
    char *room = rl < sizeof(small) ? small : sio__malloc(rl + 1);
    if (!room) return;
    memcpy(room, channel + pl, rl);
    room[rl] = '\0';
    int have = rl == 0 || sio_namespace_has_room(inst->nsp, room);
    if (room != small) sio__free(room);
    if (!have) return;
  }
  msgpack_unpacked up;
  if (sio__mp_unpack_max(data, len, inst->node->max_message, &up)) {
    sio__redis_bad_message(inst->node,
                           "broadcast is not MessagePack or over the size bound");
    return;
  }
  sio__rmp_broadcast_t b;
  if (sio__rmp_decode_broadcast(&up.data, &b, SIO__REDIS_MAX_ATT)) {
    msgpack_unpacked_destroy(&up);
    sio__redis_bad_message(inst->node, "broadcast without uid, packet or opts");
    return;
  }
  if (sio__redis_has_nul(&b.event, 1) || sio__redis_has_nul(b.rooms, b.nrooms) ||
      sio__redis_has_nul(b.except, b.nexcept)) {
    sio__rmp_broadcast_free(&b);
    msgpack_unpacked_destroy(&up);
    sio__redis_bad_message(inst->node, "broadcast with a NUL in a name");
    return;
  }
  size_t ul = strlen(inst->uid);
  int own = b.uid.len == ul && memcmp(b.uid.s, inst->uid, ul) == 0;
  size_t nl = strlen(inst->name);
  int other_nsp = b.nsp.s && !(b.nsp.len == nl && memcmp(b.nsp.s, inst->name, nl) == 0);
  if (!own && !other_nsp) {
    sio__redis_local_t l;
    if (sio__redis_local_of(&b, b.volatile_, &l) == 0 &&
        sio_adapter_local_broadcast(inst->nsp, &l.pkt, &l.opts) == SIO_EINVAL)
      sio__redis_bad_message(inst->node, "broadcast with a reserved or invalid event");
    sio__redis_local_free(&l);
  }
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&up);
}

/* ---- dispatch ---- */

static void on_message(void *arg, const char *pattern, const char *channel,
                       size_t channel_len, const char *data, size_t len) {
  sio__redis_node_t *node = arg;
  node->received++;
  for (sio__redis_nsp_t *inst = node->nsps; inst; inst = inst->next) {
    if (pattern) {
      if (strcmp(pattern, inst->bcast_pattern) == 0) {
        on_broadcast(inst, channel, channel_len, data, len);
        return;
      }
      continue;
    }
    if (strlen(inst->req_channel) == channel_len &&
        memcmp(channel, inst->req_channel, channel_len) == 0) {
      sio__redis_on_request(inst, data, len);
      return;
    }
    if ((strlen(inst->resp_channel) == channel_len &&
         memcmp(channel, inst->resp_channel, channel_len) == 0) ||
        (strlen(inst->resp_own) == channel_len &&
         memcmp(channel, inst->resp_own, channel_len) == 0)) {
      sio__redis_on_response(inst, data, len);
      return;
    }
  }
}

static void on_state(void *arg, int up) {
  (void)arg;
  (void)up; /* the connection logs; subscriptions are renewed by it */
}

/* ---- instances ---- */

static void node_free(sio__redis_node_t *node) {
  sio__free(node->key);
  sio__free(node);
}

static void tick_closed(void *node) {
  node_free(node);
}

static void inst_free(sio__redis_nsp_t *inst) {
  sio__free(inst->bcast_prefix);
  sio__free(inst->bcast_pattern);
  sio__free(inst->req_channel);
  sio__free(inst->resp_channel);
  sio__free(inst->resp_own);
  sio__free(inst);
}

static void *op_create(sio_namespace_t *nsp, void *arg) {
  sio__redis_node_t *node = arg;
  sio__redis_nsp_t *inst = sio__calloc(1, sizeof(*inst));
  if (!inst) return NULL;
  inst->node = node;
  inst->nsp = nsp;
  inst->name = sio_namespace_name(nsp);
  /* 12 characters: never a Node uid (6) nor "emitter". */
  sio__redis_random_id(inst->uid, 13);
  const char *k = node->key, *n = inst->name;
  inst->bcast_prefix = concat(k, "#", n, "#");
  char *ek = glob_escape(k), *en = glob_escape(n);
  inst->bcast_pattern = ek && en ? concat(ek, "#", en, "#*") : NULL;
  free(ek);
  free(en);
  inst->req_channel = concat(k, "-request#", n, "#");
  inst->resp_channel = concat(k, "-response#", n, "#");
  char own[64];
  snprintf(own, sizeof(own), "#%s#", inst->uid);
  inst->resp_own = concat(k, "-response#", n, own);
  if (!inst->bcast_prefix || !inst->bcast_pattern || !inst->req_channel ||
      !inst->resp_channel || !inst->resp_own ||
      sio__redis_conn_psubscribe(node->conn, inst->bcast_pattern) ||
      sio__redis_conn_subscribe(node->conn, inst->req_channel) ||
      sio__redis_conn_subscribe(node->conn, inst->resp_channel) ||
      sio__redis_conn_subscribe(node->conn, inst->resp_own)) {
    inst_free(inst);
    return NULL;
  }
  inst->bcast_prefix_len = strlen(inst->bcast_prefix);
  inst->next = node->nsps;
  node->nsps = inst;
  return inst;
}

static void op_destroy(void *self) {
  sio__redis_nsp_t *inst = self;
  sio__redis_node_t *node = inst->node;
  sio__redis_cancel_requests(inst);
  for (sio__redis_nsp_t **pp = &node->nsps; *pp; pp = &(*pp)->next) {
    if (*pp == inst) {
      *pp = inst->next;
      break;
    }
  }
  if (node->conn) {
    sio__redis_conn_punsubscribe(node->conn, inst->bcast_pattern);
    sio__redis_conn_unsubscribe(node->conn, inst->req_channel);
    sio__redis_conn_unsubscribe(node->conn, inst->resp_channel);
    sio__redis_conn_unsubscribe(node->conn, inst->resp_own);
  }
  inst_free(inst);
  if (!node->nsps) { /* the server is closing: its last namespace went */
    sio_server_metrics_remove_source(node->srv, sio__redis_metrics, node);
    sio__redis_conn_close(node->conn);
    node->conn = NULL;
    sio__redis_timer_close(node->rq.tick, tick_closed, node);
  }
}

static const sio_adapter_ops_t k_ops = {
    .size = SIO_ADAPTER_OPS_SIZE,
    .create = op_create,
    .destroy = op_destroy,
    .broadcast = op_broadcast,
    .broadcast_with_ack = sio__redis_broadcast_with_ack,
    .sockets_join = sio__redis_sockets_join,
    .sockets_leave = sio__redis_sockets_leave,
    .disconnect_sockets = sio__redis_disconnect_sockets,
    .fetch_sockets = sio__redis_fetch_sockets,
    .server_side_emit = sio__redis_server_side_emit,
    .room_created = NULL,
    .room_deleted = NULL,
    .server_side_emit_with_ack = sio__redis_server_side_emit_with_ack,
    .server_count = sio__redis_server_count,
};

static int publish_for_requests(void *node, const char *channel, const void *data,
                                size_t len) {
  return sio__redis_publish(node, channel, data, len);
}

int sio_redis_adapter_attach(sio_server_t *s, const sio_redis_opts_t *o) {
  if (!s) return SIO_EINVAL;
  sio_redis_opts_t *def = NULL;
  if (!o && !(o = def = sio_redis_opts_new())) return SIO_ENOMEM;
  sio__redis_node_t *node = sio__calloc(1, sizeof(*node));
  int rc = node ? 0 : SIO_ENOMEM;
  if (!rc) {
    node->srv = s;
    node->loop = sio_server_loop(s);
    node->request_timeout_ms = o->request_timeout_ms;
    node->specific_response_channel = o->specific_response_channel;
    node->max_message = o->max_message;
    if (!(node->key = sio__strdup(o->key ? o->key : "socket.io"))) rc = SIO_ENOMEM;
  }
  if (!rc)
    rc = sio__redis_conn_new(node->loop, &o->url, "adapter", on_message, on_state, node,
                             &node->conn);
  if (!rc)
    rc = sio__rq_table_init(&node->rq, node->loop, &node->conn, publish_for_requests,
                            node, "redis", 11, node->request_timeout_ms);
  if (!rc) {
    rc = sio_server_set_adapter(s, &k_ops, node);
    if (rc) {
      /* create() may have failed for an existing namespace: undo what ran. */
      while (node->nsps) op_destroy(node->nsps);
      if (node->conn) { /* no namespace was made at all */
        sio__redis_conn_close(node->conn);
        sio__redis_timer_close(node->rq.tick, tick_closed, node);
      }
      node = NULL;
    }
  }
  /* Shown with the server's metrics when they are on (else SIO_EINVAL). */
  if (!rc) sio_server_metrics_add_source(s, sio__redis_metrics, node);
  if (rc && node) {
    if (node->conn) sio__redis_conn_close(node->conn);
    node_free(node);
  }
  sio_redis_opts_free(def);
  return rc;
}
