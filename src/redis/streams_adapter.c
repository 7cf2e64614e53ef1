/* The Redis Streams adapter: one adapter instance per namespace with its
 * own uid and two channels (P#N# and P#N#uid#), broadcasts and room
 * changes appended to one stream (XADD, queued within a bound while Redis
 * is away), and a reader that follows the stream with a blocking XREAD on
 * a connection of its own, resuming after the last entry it saw when Redis
 * comes back. Requests are in streams_requests.c, the message formats in
 * streams_codec.c; docs/REDIS-WIRE.md describes the wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/redis_opts.h"
#include "redis/streams_adapter.h"

/* ---- options ---- */

sio_redis_streams_opts_t *sio_redis_streams_opts_new(void) {
  sio_redis_streams_opts_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->stream = sio__strdup("socket.io");
  o->session_prefix = sio__strdup("sio:session:");
  o->max_len = 10000;
  o->read_count = 100;
  o->block_ms = 5000;
  o->max_queued = SIO_REDIS_STREAMS_QUEUE_DEFAULT;
  if (!o->stream || !o->session_prefix) {
    sio_redis_streams_opts_free(o);
    return NULL;
  }
  return o;
}

void sio_redis_streams_opts_free(sio_redis_streams_opts_t *o) {
  if (!o) return;
  sio__free(o->stream);
  sio__free(o->session_prefix);
  sio__free(o);
}

static int set_string(char **field, const char *value, int allow_empty) {
  if (!value || (!allow_empty && !*value) || strlen(value) > SIO__REDIS_KEY_MAX)
    return SIO_EINVAL;
  char *d = sio__strdup(value);
  if (!d) return SIO_ENOMEM;
  sio__free(*field);
  *field = d;
  return 0;
}

int sio_redis_streams_opts_set_stream(sio_redis_streams_opts_t *o, const char *name) {
  return o ? set_string(&o->stream, name, 0) : SIO_EINVAL;
}

int sio_redis_streams_opts_set_session_prefix(sio_redis_streams_opts_t *o,
                                              const char *prefix) {
  return o ? set_string(&o->session_prefix, prefix, 1) : SIO_EINVAL;
}

void sio_redis_streams_opts_set_max_len(sio_redis_streams_opts_t *o, uint32_t entries) {
  if (o) o->max_len = entries ? entries : 1;
}

void sio_redis_streams_opts_set_read_count(sio_redis_streams_opts_t *o, uint32_t count) {
  if (o) o->read_count = count ? count : 1;
}

void sio_redis_streams_opts_set_block_ms(sio_redis_streams_opts_t *o, uint32_t ms) {
  if (o) o->block_ms = ms ? ms : 1;
}

void sio_redis_streams_opts_set_max_queued(sio_redis_streams_opts_t *o, size_t bytes) {
  if (o) o->max_queued = bytes;
}

/* ---- helpers ---- */

void sio__rs_bad_message(sio__rs_node_t *node, const char *what) {
  node->bad_messages++;
  uint64_t now = sio__redis_now(node->loop);
  if (node->bad_at_log && now - node->bad_logged_at < 10000) return;
  sio_log(SIO_LOG_WARN,
          "redis-streams: dropped a malformed message (%s); %llu dropped so far", what,
          (unsigned long long)node->bad_messages);
  node->bad_logged_at = now;
  node->bad_at_log = node->bad_messages;
}

static char *concat(const char *a, const char *b, const char *c, const char *d) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
  char *s = sio__malloc(n);
  if (s) snprintf(s, n, "%s%s%s%s", a, b, c, d);
  return s;
}

int sio__rs_publish(sio__rs_nsp_t *inst, const char *channel, int type,
                    const json_t *data, const sio_buf_t *att, size_t natt) {
  sio__sb_t out = {0};
  int rc = sio__rs_encode_pubsub(&out, type, data, att, natt, inst->uid, inst->name);
  if (!rc)
    rc = sio__redis_conn_publish(inst->node->conn, channel, sio__rmp_text(&out),
                                 sio__sb_len(&out));
  if (rc && rc != SIO_ELIMIT) /* the queue limit is logged by the connection */
    sio_log(SIO_LOG_WARN, "redis-streams: publish on %s failed: %s", channel,
            sio_strerror(rc));
  sio__sb_reset(&out);
  return rc;
}

/* ---- the writer: XADD, and the queue while Redis is away ---- */

static void on_xadd(void *arg, int status, const redisReply *reply) {
  sio__rs_local_t *local = arg;
  if (status == SIO_EPROTO && reply && reply->str)
    sio_log(SIO_LOG_WARN, "redis-streams: XADD failed: %s", reply->str);
  if (!local) return;
  if (status == SIO_ECANCELED) { /* the server is closing */
    sio__rs_local_free(local);
    return;
  }
  /* Lost or refused: delivered here all the same, without an offset. */
  sio__rs_local_run(local,
                    status == 0 && reply->type == REDIS_REPLY_STRING ? reply->str : NULL);
}

static int send_entry(sio__rs_node_t *node, const sio__rs_entry_t *e) {
  const char *argv[6 + SIO__RS_FIELDS];
  size_t lens[6 + SIO__RS_FIELDS];
  argv[0] = "XADD";
  argv[1] = node->stream;
  argv[2] = "MAXLEN";
  argv[3] = "~";
  argv[4] = node->max_len_text;
  argv[5] = "*";
  const char *p = e->buf;
  for (int i = 0; i < 6; i++) lens[i] = strlen(argv[i]);
  for (int i = 0; i < SIO__RS_FIELDS; i++) {
    argv[6 + i] = p;
    lens[6 + i] = e->lens[i];
    p += e->lens[i];
  }
  return sio__redis_conn_command(node->conn, 6 + SIO__RS_FIELDS, argv, lens, on_xadd,
                                 e->local);
}

/* Sends what waits, in order, while the connection takes commands. */
static void drain(sio__rs_node_t *node) {
  sio__rs_entry_t *e;
  while ((e = node->qhead) != NULL) {
    if (send_entry(node, e) != 0) return;
    node->qhead = e->next;
    if (!node->qhead) node->qtail = NULL;
    node->qbytes -= e->bytes;
    sio__free(e);
  }
  node->drop_logged = 0;
}

static void free_queue(sio__rs_node_t *node) {
  sio__rs_entry_t *e;
  while ((e = node->qhead) != NULL) {
    node->qhead = e->next;
    sio__rs_local_free(e->local);
    sio__free(e);
  }
  node->qtail = NULL;
  node->qbytes = 0;
}

int sio__rs_xadd(sio__rs_nsp_t *inst, int type, const json_t *data, const sio_buf_t *att,
                 size_t natt, sio__rs_local_t *local) {
  sio__rs_node_t *node = inst->node;
  sio__sb_t d = {0};
  int rc = sio__rs_encode_entry_data(&d, data, att, natt);
  if (rc) {
    sio__sb_reset(&d);
    if (local) sio__rs_local_run(local, NULL);
    return rc;
  }
  char type_text[8];
  snprintf(type_text, sizeof(type_text), "%d", type);
  const char *fields[SIO__RS_FIELDS] = {"uid",  inst->uid, "nsp",  inst->name,
                                        "type", type_text, "data", sio__rmp_text(&d)};
  size_t lens[SIO__RS_FIELDS], total = 0;
  for (int i = 0; i < SIO__RS_FIELDS; i++) {
    lens[i] = i == 7 ? sio__sb_len(&d) : strlen(fields[i]);
    total += lens[i];
  }
  sio__rs_entry_t *e = sio__malloc(sizeof(*e) + total);
  if (!e) {
    sio__sb_reset(&d);
    if (local) sio__rs_local_run(local, NULL);
    return SIO_ENOMEM;
  }
  e->next = NULL;
  e->local = local;
  e->bytes = total;
  char *p = e->buf;
  for (int i = 0; i < SIO__RS_FIELDS; i++) {
    e->lens[i] = lens[i];
    memcpy(p, fields[i], lens[i]);
    p += lens[i];
  }
  sio__sb_reset(&d);
  if (!node->qhead && send_entry(node, e) == 0) {
    sio__free(e);
    return 0;
  }
  /* Redis is away (or entries wait already: keep the order). */
  if (total > node->qlimit || node->qbytes > node->qlimit - total) {
    sio__free(e);
    if (local) sio__rs_local_run(local, NULL);
    node->dropped++;
    if (!node->drop_logged) {
      sio_log(SIO_LOG_WARN,
              "redis-streams: queue full while Redis is away (%zu bytes, limit %zu): "
              "dropping stream entries until it is back",
              node->qbytes, node->qlimit);
      node->drop_logged = 1;
    }
    return SIO_ELIMIT;
  }
  if (node->qtail)
    node->qtail->next = e;
  else
    node->qhead = e;
  node->qtail = e;
  node->qbytes += total;
  return 0;
}

/* ---- broadcasts and room changes ---- */

static int op_broadcast(void *self, const sio_adapter_packet_t *pkt,
                        const sio_adapter_opts_t *opts) {
  sio__rs_nsp_t *inst = self;
  /* With recovery, the entry id is the packet's offset: this server
   * delivers once Redis has answered, as Node does. */
  sio__rs_local_t *later =
      sio__rs_recoverable(inst, opts) ? sio__rs_local_new(inst, pkt, opts) : NULL;
  int n = later ? 0 : sio__rs_local_plain(inst->nsp, pkt, opts);
  if (n < 0 || (opts->flags & SIO_ADAPTER_F_LOCAL)) return n;
  json_t *data = json_object();
  json_t *ev = sio__rs_event_array(pkt->event, pkt->json, pkt->json_len);
  json_t *o = sio__rs_opts_json(opts);
  /* Node publishes the packet before its nsp is set: {type, data}. */
  json_t *packet = ev ? json_pack("{s:i,s:O}", "type", 2, "data", ev) : NULL;
  if (data && packet && o && !json_object_set(data, "packet", packet) &&
      !json_object_set(data, "opts", o))
    sio__rs_xadd(inst, SIO__RS_BROADCAST, data, pkt->attachments, pkt->nattachments,
                 later);
  else if (later)
    sio__rs_local_run(later, NULL);
  json_decref(ev);
  json_decref(o);
  json_decref(packet);
  json_decref(data);
  return n;
}

static void publish_rooms_op(sio__rs_nsp_t *inst, int type,
                             const sio_adapter_opts_t *opts, const char *const *rooms,
                             size_t nrooms, int close) {
  json_t *o = sio__rs_opts_json(opts);
  json_t *data = NULL;
  if (o && type == SIO__RS_DISCONNECT_SOCKETS) {
    data = json_pack("{s:O,s:b}", "opts", o, "close", close);
  } else if (o) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < nrooms; i++)
      json_array_append_new(list, json_string(rooms[i]));
    data = list ? json_pack("{s:O,s:o}", "opts", o, "rooms", list) : NULL;
  }
  if (data) sio__rs_xadd(inst, type, data, NULL, 0, NULL);
  json_decref(data);
  json_decref(o);
}

static int op_sockets_join(void *self, const sio_adapter_opts_t *opts,
                           const char *const *rooms, size_t nrooms) {
  sio__rs_nsp_t *inst = self;
  int n = sio_adapter_local_sockets_join(inst->nsp, opts, rooms, nrooms);
  if (!(opts->flags & SIO_ADAPTER_F_LOCAL))
    publish_rooms_op(inst, SIO__RS_SOCKETS_JOIN, opts, rooms, nrooms, 0);
  return n;
}

static int op_sockets_leave(void *self, const sio_adapter_opts_t *opts,
                            const char *const *rooms, size_t nrooms) {
  sio__rs_nsp_t *inst = self;
  int n = sio_adapter_local_sockets_leave(inst->nsp, opts, rooms, nrooms);
  if (!(opts->flags & SIO_ADAPTER_F_LOCAL))
    publish_rooms_op(inst, SIO__RS_SOCKETS_LEAVE, opts, rooms, nrooms, 0);
  return n;
}

static int op_disconnect_sockets(void *self, const sio_adapter_opts_t *opts, int close) {
  sio__rs_nsp_t *inst = self;
  /* Publish first: the local disconnects run user handlers. */
  if (!(opts->flags & SIO_ADAPTER_F_LOCAL))
    publish_rooms_op(inst, SIO__RS_DISCONNECT_SOCKETS, opts, NULL, 0, close);
  return sio_adapter_local_disconnect_sockets(inst->nsp, opts, close);
}

/* ---- applying what others sent ---- */

static void apply_broadcast(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *id) {
  const json_t *packet = json_object_get(m->data, "packet");
  const json_t *ev = json_object_get(packet, "data");
  const char *event = json_string_value(json_array_get(ev, 0));
  sio_adapter_opts_t o;
  if (!event || sio__rs_opts_from(json_object_get(m->data, "opts"), &o)) {
    sio__rs_bad_message(inst->node, "broadcast without packet or opts");
    return;
  }
  size_t len;
  char *args = sio__redis_array_to_args(ev, 1, &len);
  if (args) {
    sio_adapter_packet_t pkt = {event, args, len, m->att, m->natt, NULL};
    sio__rs_deliver_entry(inst, &pkt, &o, id);
  }
  sio__free(args);
  sio__redis_opts_free(&o);
}

static void apply_rooms_op(sio__rs_nsp_t *inst, sio__rs_msg_t *m) {
  sio_adapter_opts_t o;
  if (sio__rs_opts_from(json_object_get(m->data, "opts"), &o)) {
    sio__rs_bad_message(inst->node, "room change without opts");
    return;
  }
  if (m->type == SIO__RS_DISCONNECT_SOCKETS) {
    sio_adapter_local_disconnect_sockets(inst->nsp, &o,
                                         json_is_true(json_object_get(m->data, "close")));
  } else {
    const char *const *rooms;
    size_t nrooms;
    if (sio__redis_strings_from(json_object_get(m->data, "rooms"), &rooms, &nrooms) ==
        0) {
      if (m->type == SIO__RS_SOCKETS_JOIN)
        sio_adapter_local_sockets_join(inst->nsp, &o, rooms, nrooms);
      else
        sio_adapter_local_sockets_leave(inst->nsp, &o, rooms, nrooms);
      sio__free((void *)rooms);
    } else {
      sio__rs_bad_message(inst->node, "room change without rooms");
    }
  }
  sio__redis_opts_free(&o);
}

void sio__rs_dispatch(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *id) {
  if (!json_is_object(m->data)) {
    sio__rs_bad_message(inst->node, "message without data");
    return;
  }
  switch (m->type) {
    case SIO__RS_BROADCAST:
      if (json_object_get(m->data, "requestId"))
        sio__rs_on_request(inst, m);
      else
        apply_broadcast(inst, m, id);
      break;
    case SIO__RS_SOCKETS_JOIN:
    case SIO__RS_SOCKETS_LEAVE:
    case SIO__RS_DISCONNECT_SOCKETS:
      apply_rooms_op(inst, m);
      break;
    default:
      sio__rs_on_request(inst, m);
      break;
  }
}

static sio__rs_nsp_t *find_nsp(sio__rs_node_t *node, const char *name) {
  for (sio__rs_nsp_t *inst = node->nsps; inst; inst = inst->next)
    if (strcmp(inst->name, name) == 0) return inst;
  return NULL;
}

static sio__rs_nsp_t *find_nsp_n(sio__rs_node_t *node, const char *name, size_t len) {
  for (sio__rs_nsp_t *inst = node->nsps; inst; inst = inst->next)
    if (strlen(inst->name) == len && memcmp(inst->name, name, len) == 0) return inst;
  return NULL;
}

/* A message of another server for this namespace, or nothing to do. */
static void deliver(sio__rs_node_t *node, sio__rs_msg_t *m, const char *id) {
  sio__rs_nsp_t *inst = find_nsp(node, m->nsp);
  if (!inst || strcmp(m->uid, inst->uid) == 0) return;
  sio__rs_dispatch(inst, m, id);
}

static void on_message(void *arg, const char *pattern, const char *channel,
                       size_t channel_len, const char *data, size_t len) {
  sio__rs_node_t *node = arg;
  (void)pattern;
  for (sio__rs_nsp_t *inst = node->nsps; inst; inst = inst->next) {
    if ((strlen(inst->public_channel) == channel_len &&
         memcmp(channel, inst->public_channel, channel_len) == 0) ||
        (strlen(inst->private_channel) == channel_len &&
         memcmp(channel, inst->private_channel, channel_len) == 0)) {
      sio__rs_msg_t m;
      if (sio__rs_decode_pubsub(data, len, node->max_message, &m)) {
        sio__rs_bad_message(node, "pub/sub message is not the expected MessagePack");
        return;
      }
      if (strcmp(m.nsp, inst->name) == 0 && strcmp(m.uid, inst->uid) != 0)
        sio__rs_dispatch(inst, &m, NULL);
      sio__rs_msg_free(&m);
      return;
    }
  }
}

static void on_conn_state(void *arg, int up) {
  if (up) drain(arg);
}

/* ---- the reader ---- */

static void read_next(sio__rs_node_t *node);

static const redisReply *field(const redisReply *fields, const char *name) {
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    const redisReply *k = fields->element[i];
    if (k->type == REDIS_REPLY_STRING && strlen(name) == k->len &&
        memcmp(k->str, name, k->len) == 0 &&
        fields->element[i + 1]->type == REDIS_REPLY_STRING)
      return fields->element[i + 1];
  }
  return NULL;
}

static void on_entry(sio__rs_node_t *node, const char *id, const redisReply *fields) {
  const redisReply *uid = field(fields, "uid"), *nsp = field(fields, "nsp"),
                   *type = field(fields, "type"), *data = field(fields, "data");
  if (!nsp) return; /* not an adapter's entry */
  if (!uid || !type) {
    sio__rs_bad_message(node, "stream entry without uid or type");
    return;
  }
  if (memchr(nsp->str, '\0', nsp->len) || !find_nsp_n(node, nsp->str, nsp->len)) return;
  sio__rs_msg_t m;
  if (sio__rs_decode_entry(uid->str, uid->len, nsp->str, nsp->len, type->str, type->len,
                           data ? data->str : NULL, data ? data->len : 0,
                           node->max_message, &m)) {
    sio__rs_bad_message(node, "stream entry that does not decode");
    return;
  }
  deliver(node, &m, id);
  sio__rs_msg_free(&m);
}

static void retry_cb(void *node) {
  read_next(node);
}

/* Redis answered a read with an error (say the key holds something else):
 * try again in a second rather than at once, and log it once. */
static void read_refused(sio__rs_node_t *node, const char *what,
                         const redisReply *reply) {
  if (!node->read_failing)
    sio_log(SIO_LOG_WARN, "redis-streams: %s on %s failed: %s; retrying every second",
            what, node->stream, reply && reply->str ? reply->str : "error");
  node->read_failing = 1;
  sio__redis_timer_start(node->retry, retry_cb, 1000, 0);
}

static void on_xread(void *arg, int status, const redisReply *reply) {
  sio__rs_node_t *node = arg;
  node->reading = 0;
  if (status == SIO_ECANCELED || !node->reader) return;
  if (status == SIO_ENOTCONN) return; /* read again once the reader is up */
  if (status == 0 && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1) {
    const redisReply *s = reply->element[0];
    const redisReply *entries =
        s->type == REDIS_REPLY_ARRAY && s->elements == 2 ? s->element[1] : NULL;
    for (size_t i = 0;
         entries && entries->type == REDIS_REPLY_ARRAY && i < entries->elements; i++) {
      const redisReply *e = entries->element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
          e->element[0]->type != REDIS_REPLY_STRING ||
          e->element[0]->len >= sizeof(node->last_id))
        continue;
      memcpy(node->last_id, e->element[0]->str, e->element[0]->len);
      node->last_id[e->element[0]->len] = '\0';
      if (e->element[1]->type == REDIS_REPLY_ARRAY)
        on_entry(node, node->last_id, e->element[1]);
      if (!node->reader) return; /* the server closed from a handler */
    }
  } else if (status) {
    read_refused(node, "XREAD", reply);
    return;
  }
  node->read_failing = 0;
  read_next(node);
}

/* Where to start: after the last entry the stream holds now (Node's "$"),
 * but as an id, so that a lost connection resumes from there. */
static void on_last_id(void *arg, int status, const redisReply *reply) {
  sio__rs_node_t *node = arg;
  node->reading = 0;
  if (status == SIO_ECANCELED || !node->reader || status == SIO_ENOTCONN) return;
  if (status) {
    read_refused(node, "XREVRANGE", reply);
    return;
  }
  if (reply->type == REDIS_REPLY_ARRAY) {
    const redisReply *e = reply->elements ? reply->element[0] : NULL;
    if (e && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 &&
        e->element[0]->type == REDIS_REPLY_STRING &&
        e->element[0]->len < sizeof(node->last_id)) {
      memcpy(node->last_id, e->element[0]->str, e->element[0]->len);
      node->last_id[e->element[0]->len] = '\0';
    } else {
      strcpy(node->last_id, "0-0"); /* no stream yet: everything is new */
    }
  }
  read_next(node);
}

static void read_next(sio__rs_node_t *node) {
  if (node->reading || !node->reader) return;
  int rc;
  if (!node->last_id[0]) {
    const char *argv[] = {"XREVRANGE", node->stream, "+", "-", "COUNT", "1"};
    size_t lens[6];
    for (int i = 0; i < 6; i++) lens[i] = strlen(argv[i]);
    rc = sio__redis_conn_command(node->reader, 6, argv, lens, on_last_id, node);
  } else {
    const char *argv[] = {
        "XREAD",   "BLOCK",      node->block_text, "COUNT", node->read_count_text,
        "STREAMS", node->stream, node->last_id};
    size_t lens[8];
    for (int i = 0; i < 8; i++) lens[i] = strlen(argv[i]);
    rc = sio__redis_conn_command(node->reader, 8, argv, lens, on_xread, node);
  }
  if (rc == 0) node->reading = 1;
  /* otherwise the reader is down: its state callback starts again */
}

static void on_reader_state(void *arg, int up) {
  if (up) read_next(arg);
}

/* ---- instances ---- */

static void node_free(sio__rs_node_t *node) {
  free_queue(node);
  sio__free(node->prefix);
  sio__free(node->stream);
  sio__free(node->session_prefix);
  sio__free(node);
}

static void tick_closed(void *node) {
  node_free(node);
}

static void inst_free(sio__rs_nsp_t *inst) {
  sio__free(inst->public_channel);
  sio__free(inst->private_channel);
  sio__free(inst);
}

static void *op_create(sio_namespace_t *nsp, void *arg) {
  sio__rs_node_t *node = arg;
  sio__rs_nsp_t *inst = sio__calloc(1, sizeof(*inst));
  if (!inst) return NULL;
  inst->node = node;
  inst->nsp = nsp;
  inst->name = sio_namespace_name(nsp);
  sio__redis_random_id(inst->uid, sizeof(inst->uid));
  inst->public_channel = concat(node->prefix, "#", inst->name, "#");
  char own[24];
  snprintf(own, sizeof(own), "%s#", inst->uid);
  inst->private_channel =
      inst->public_channel ? concat(inst->public_channel, own, "", "") : NULL;
  if (!inst->public_channel || !inst->private_channel ||
      sio__redis_conn_subscribe(node->conn, inst->public_channel) ||
      sio__redis_conn_subscribe(node->conn, inst->private_channel)) {
    inst_free(inst);
    return NULL;
  }
  inst->next = node->nsps;
  node->nsps = inst;
  return inst;
}

static void op_destroy(void *self) {
  sio__rs_nsp_t *inst = self;
  sio__rs_node_t *node = inst->node;
  sio__rs_cancel_requests(inst);
  sio__rs_local_orphan_all(inst);
  sio__rs_cancel_restores(inst);
  for (sio__rs_nsp_t **pp = &node->nsps; *pp; pp = &(*pp)->next) {
    if (*pp == inst) {
      *pp = inst->next;
      break;
    }
  }
  if (node->conn) {
    sio__redis_conn_unsubscribe(node->conn, inst->public_channel);
    sio__redis_conn_unsubscribe(node->conn, inst->private_channel);
  }
  inst_free(inst);
  if (!node->nsps) { /* the server is closing: its last namespace went */
    sio__redis_conn_t *reader = node->reader;
    node->reader = NULL;
    sio__redis_conn_close(reader);
    sio__redis_conn_close(node->conn);
    node->conn = NULL;
    sio__redis_timer_close(node->retry, NULL, NULL);
    node->retry = NULL;
    sio__redis_timer_close(node->rq.tick, tick_closed, node);
  }
}

static const sio_adapter_ops_t k_ops = {
    .size = SIO_ADAPTER_OPS_SIZE,
    .create = op_create,
    .destroy = op_destroy,
    .broadcast = op_broadcast,
    .broadcast_with_ack = sio__rs_broadcast_with_ack,
    .sockets_join = op_sockets_join,
    .sockets_leave = op_sockets_leave,
    .disconnect_sockets = op_disconnect_sockets,
    .fetch_sockets = sio__rs_fetch_sockets,
    .server_side_emit = sio__rs_server_side_emit,
    .room_created = NULL,
    .room_deleted = NULL,
    .server_side_emit_with_ack = sio__rs_server_side_emit_with_ack,
    .server_count = sio__rs_server_count,
    .persist_session = sio__rs_persist_session,
    .restore_session = sio__rs_restore_session,
};

/* Requests go out as they are, on the commander connection. */
static int publish_for_requests(void *node, const char *channel, const void *data,
                                size_t len) {
  sio__rs_node_t *n = node;
  return sio__redis_conn_publish(n->conn, channel, data, len);
}

static int node_init(sio__rs_node_t *node, sio_server_t *s, const sio_redis_opts_t *r,
                     const sio_redis_streams_opts_t *o) {
  node->srv = s;
  node->loop = sio_server_loop(s);
  node->request_timeout_ms = r->request_timeout_ms;
  node->max_message = r->max_message;
  node->qlimit = o->max_queued;
  snprintf(node->max_len_text, sizeof(node->max_len_text), "%u", o->max_len);
  snprintf(node->read_count_text, sizeof(node->read_count_text), "%u", o->read_count);
  snprintf(node->block_text, sizeof(node->block_text), "%u", o->block_ms);
  if (!(node->prefix = sio__strdup(r->key ? r->key : "socket.io")) ||
      !(node->stream = sio__strdup(o->stream)) ||
      !(node->session_prefix = sio__strdup(o->session_prefix)))
    return SIO_ENOMEM;
  int rc = sio__redis_conn_new(node->loop, &r->url, "streams", on_message, on_conn_state,
                               node, &node->conn);
  if (!rc)
    rc = sio__redis_conn_new(node->loop, &r->url, "streams-reader", NULL, on_reader_state,
                             node, &node->reader);
  if (!rc)
    rc = sio__rq_table_init(&node->rq, node->loop, &node->conn, publish_for_requests,
                            node, "redis-streams", 17, node->request_timeout_ms);
  if (!rc && !(node->retry = sio__redis_timer_new(node->loop, node))) rc = SIO_ENOMEM;
  return rc;
}

int sio_redis_streams_attach(sio_server_t *s, const sio_redis_opts_t *r,
                             const sio_redis_streams_opts_t *o) {
  if (!s) return SIO_EINVAL;
  sio_redis_opts_t *rdef = NULL;
  sio_redis_streams_opts_t *odef = NULL;
  if (!r && !(r = rdef = sio_redis_opts_new())) return SIO_ENOMEM;
  if (!o && !(o = odef = sio_redis_streams_opts_new())) {
    sio_redis_opts_free(rdef);
    return SIO_ENOMEM;
  }
  sio__rs_node_t *node = sio__calloc(1, sizeof(*node));
  int rc = node ? node_init(node, s, r, o) : SIO_ENOMEM;
  if (!rc) {
    rc = sio_server_set_adapter(s, &k_ops, node);
    if (rc) {
      /* create() may have failed for an existing namespace: undo what ran. */
      while (node->nsps) op_destroy(node->nsps);
      if (node->conn) { /* no namespace was made at all */
        sio__redis_conn_close(node->reader);
        node->reader = NULL;
        sio__redis_conn_close(node->conn);
        sio__redis_timer_close(node->retry, NULL, NULL);
        sio__redis_timer_close(node->rq.tick, tick_closed, node);
      }
      node = NULL;
    }
  }
  if (rc && node) {
    sio__redis_conn_close(node->reader);
    sio__redis_conn_close(node->conn);
    sio__redis_timer_close(node->rq.tick, NULL, NULL);
    sio__redis_timer_close(node->retry, NULL, NULL);
    node_free(node);
  }
  sio_redis_opts_free(rdef);
  sio_redis_streams_opts_free(odef);
  return rc;
}
