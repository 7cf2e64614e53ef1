/* Requests between the servers of a cluster (docs/REDIS-WIRE.md §5): what this
 * server asks (fetch, server-side emit with ack, broadcast with ack, the
 * server count, room changes), and how it answers the others. Every request
 * that waits for answers first asks Redis how many servers listen (NUMSUB of
 * the request channel), and ends at its deadline at the latest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/redis_msgpack.h"

/* ---- pending requests (redis_reqtable.c) ---- */

static sio__rq_t *req_new(sio__redis_nsp_t *inst, int type) {
  return sio__rq_new(&inst->node->rq, inst, inst->req_channel, type);
}

static sio__rq_t *req_find(sio__redis_nsp_t *inst, const char *id, size_t len) {
  return sio__rq_find(&inst->node->rq, inst, id, len);
}

static void ss_orphan_all(sio__redis_nsp_t *inst);

void sio__redis_cancel_requests(sio__redis_nsp_t *inst) {
  ss_orphan_all(inst);
  sio__rq_cancel_owner(&inst->node->rq, inst);
}

/* The JSON of a request: {"uid", ["requestId",] "type", ...} in Node's key
 * order; takes the reference to rest (an object whose keys follow). */
static char *request_json(const sio__redis_nsp_t *inst, const char *rid, int type,
                          json_t *rest, size_t *len) {
  json_t *j = json_object();
  char *out = NULL;
  if (j && !json_object_set_new(j, "uid", json_string(inst->uid)) &&
      (!rid || !json_object_set_new(j, "requestId", json_string(rid))) &&
      !json_object_set_new(j, "type", json_integer(type)) &&
      (!rest || !json_object_update(j, rest)))
    out = sio__redis_dump(j, len);
  json_decref(j);
  json_decref(rest);
  return out;
}

/* Moves msg (malloc'd JSON text, NULL: none) into r's payload. 0 or an error. */
static int take_payload(sio__rq_t *r, char *msg, size_t len) {
  if (!msg) return SIO_ENOMEM;
  sio__sb_append(&r->payload, msg, len);
  sio__free(msg);
  return r->payload.err;
}

/* ---- this server asks ---- */

int sio__redis_fetch_sockets(void *self, const sio_adapter_opts_t *opts,
                             sio_adapter_fetch_t *fetch) {
  sio__redis_nsp_t *inst = self;
  int rc = sio_adapter_local_fetch(inst->nsp, opts, fetch, NULL, NULL);
  if (rc < 0) return rc;
  sio__rq_t *r = req_new(inst, SIO__RQ_FETCH);
  if (!r) return SIO_ENOMEM;
  r->fetch = fetch;
  json_t *o = sio__redis_opts_to_jansson(opts);
  size_t len = 0;
  char *msg =
      o ? request_json(inst, r->id, 5, json_pack("{s:o}", "opts", o), &len) : NULL;
  if (take_payload(r, msg, len)) { /* the others cannot be asked: local sockets only */
    sio__rq_finish(r, 0);
    return 0;
  }
  sio__rq_ask_numsub(r);
  return 0;
}

/* {"uid",["requestId",]"type":6,"data":[event,...args]} */
static char *server_side_json(const sio__redis_nsp_t *inst, const char *rid,
                              const sio_adapter_packet_t *pkt, size_t *len) {
  json_t *args = sio__redis_args_to_jansson(pkt->json, pkt->json_len, pkt->attachments,
                                            pkt->nattachments);
  if (!args || json_array_insert_new(args, 0, json_string(pkt->event))) {
    json_decref(args);
    return NULL;
  }
  return request_json(inst, rid, 6, json_pack("{s:o}", "data", args), len);
}

int sio__redis_server_side_emit(void *self, const sio_adapter_packet_t *pkt) {
  sio__redis_nsp_t *inst = self;
  size_t len;
  char *msg = server_side_json(inst, NULL, pkt, &len);
  if (!msg) return SIO_EINVAL;
  int rc = sio__redis_publish(inst->node, inst->req_channel, msg, len);
  sio__free(msg);
  return rc;
}

int sio__redis_server_side_emit_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                         sio_adapter_ack_t *ack) {
  sio__redis_nsp_t *inst = self;
  sio__rq_t *r = req_new(inst, SIO__RQ_SS_ACK);
  if (!r) return SIO_ENOMEM;
  size_t len = 0;
  char *msg = server_side_json(inst, r->id, pkt, &len);
  if (take_payload(r, msg, len)) {
    sio__rq_discard(r);
    return SIO_EINVAL;
  }
  r->ack = ack;
  sio__rq_ask_numsub(r);
  return 0;
}

int sio__redis_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                  const sio_adapter_opts_t *opts,
                                  sio_adapter_ack_t *ack) {
  sio__redis_nsp_t *inst = self;
  int n = sio_adapter_local_broadcast_with_ack(inst->nsp, pkt, opts, ack, NULL, NULL);
  if (n < 0) return n;
  sio__rq_t *r = req_new(inst, SIO__RQ_BCAST_ACK);
  if (!r) {
    sio_adapter_ack_servers_done(ack);
    sio_adapter_ack_release(ack);
    return n;
  }
  r->ack = ack;
  sio__rmp_event_t ev = {pkt->event, pkt->json, pkt->json_len, pkt->attachments,
                         pkt->nattachments};
  sio__rmp_opts_t ro = {opts->rooms,
                        opts->nrooms,
                        opts->except,
                        opts->nexcept,
                        (opts->flags & SIO_ADAPTER_F_VOLATILE) != 0,
                        opts->timeout_ms,
                        (opts->flags & SIO_ADAPTER_F_NO_COMPRESS) != 0};
  if (sio__rmp_encode_broadcast_ack_request(&r->payload, inst->uid, r->id, inst->name,
                                            &ev, &ro)) {
    sio__rq_finish(r, 0);
    return n;
  }
  sio__rq_start_broadcast(r, opts->timeout_ms);
  return n;
}

int sio__redis_server_count(void *self, void (*cb)(int status, size_t count, void *arg),
                            void *arg) {
  sio__redis_nsp_t *inst = self;
  return sio__rq_server_count(&inst->node->rq, inst, inst->req_channel, cb, arg);
}

/* Room changes and disconnects: applied here at once (so they work while
 * Redis is down), published for the others; this server ignores its own
 * when they come back. */
static int publish_rooms_op(sio__redis_nsp_t *inst, int type,
                            const sio_adapter_opts_t *opts, const char *const *rooms,
                            size_t nrooms, int close) {
  json_t *o = sio__redis_opts_to_jansson(opts);
  json_t *rest = NULL;
  if (o && type == 4) {
    rest = json_pack("{s:o,s:b}", "opts", o, "close", close);
  } else if (o) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < nrooms; i++)
      json_array_append_new(list, json_string(rooms[i]));
    rest = list ? json_pack("{s:o,s:o}", "opts", o, "rooms", list) : NULL;
    if (!list) json_decref(o);
  }
  size_t len;
  char *msg = rest ? request_json(inst, NULL, type, rest, &len) : NULL;
  if (!msg) return SIO_ENOMEM;
  int rc = sio__redis_publish(inst->node, inst->req_channel, msg, len);
  sio__free(msg);
  return rc;
}

int sio__redis_sockets_join(void *self, const sio_adapter_opts_t *opts,
                            const char *const *rooms, size_t nrooms) {
  sio__redis_nsp_t *inst = self;
  int n = sio_adapter_local_sockets_join(inst->nsp, opts, rooms, nrooms);
  publish_rooms_op(inst, 2, opts, rooms, nrooms, 0);
  return n;
}

int sio__redis_sockets_leave(void *self, const sio_adapter_opts_t *opts,
                             const char *const *rooms, size_t nrooms) {
  sio__redis_nsp_t *inst = self;
  int n = sio_adapter_local_sockets_leave(inst->nsp, opts, rooms, nrooms);
  publish_rooms_op(inst, 3, opts, rooms, nrooms, 0);
  return n;
}

int sio__redis_disconnect_sockets(void *self, const sio_adapter_opts_t *opts, int close) {
  sio__redis_nsp_t *inst = self;
  /* Publish first: the local disconnects run user handlers. */
  publish_rooms_op(inst, 4, opts, NULL, 0, close);
  return sio_adapter_local_disconnect_sockets(inst->nsp, opts, close);
}

/* ---- answering the others ---- */

/* Where this server answers a request: the requester's own channel when the
 * option says so (and the requester has a uid), else the common one. */
static void publish_answer(sio__redis_nsp_t *inst, const char *requester_uid,
                           const char *data, size_t len) {
  char *own = NULL;
  if (inst->node->specific_response_channel && requester_uid && *requester_uid) {
    size_t n = strlen(inst->resp_channel) + strlen(requester_uid) + 2;
    if ((own = sio__malloc(n)))
      snprintf(own, n, "%s%s#", inst->resp_channel, requester_uid);
  }
  sio__redis_publish(inst->node, own ? own : inst->resp_channel, data, len);
  sio__free(own);
}

static void respond(sio__redis_nsp_t *inst, const char *requester_uid, json_t *resp) {
  size_t len;
  char *msg = resp ? sio__redis_dump(resp, &len) : NULL;
  json_decref(resp);
  if (msg) publish_answer(inst, requester_uid, msg, len);
  sio__free(msg);
}

/* A fetch answer owed: the sockets of every worker come in later with
 * workers, when the namespace may be gone (then nothing is answered). */
typedef struct {
  sio__rq_owed_t *owed;
  int full; /* fetch: the whole socket; sockets (type 0): ids only */
} fetch_ctx_t;

static void fetched(int status, size_t count, sio_remote_socket_t *const *socks,
                    void *arg) {
  fetch_ctx_t *c = arg;
  sio__redis_nsp_t *inst = c->owed->owner;
  json_t *list = inst && status == 0 ? json_array() : NULL;
  for (size_t i = 0; list && i < count; i++) {
    json_t *s = c->full ? sio__redis_remote_socket_json(socks[i])
                        : json_string(sio_remote_socket_id(socks[i]));
    if (s) json_array_append_new(list, s);
  }
  if (list)
    respond(inst, c->owed->requester,
            json_pack("{s:s,s:o}", "requestId", c->owed->rid, "sockets", list));
  sio__rq_owed_free(c->owed);
  sio__free(c);
}

static void answer_fetch(sio__redis_nsp_t *inst, const char *uid, const char *rid,
                         const sio_adapter_opts_t *o, int full) {
  fetch_ctx_t *c = sio__calloc(1, sizeof(*c));
  if (!c || !(c->owed = sio__rq_owe(&inst->ss_live, inst, rid, uid))) {
    sio__free(c);
    return;
  }
  c->full = full;
  if (sio_adapter_local_fetch_async(inst->nsp, o, fetched, c)) {
    sio__rq_owed_free(c->owed);
    sio__free(c);
  }
}

static void collect_room(const char *room, size_t members, void *arg) {
  (void)members;
  json_array_append_new(arg, json_string(room));
}

/* A server-side event with ack from another server: the first argument of
 * our handler's answer goes back as "data" (Node passes one). A handler may
 * hold the ack past the namespace: orphan them. */
static void ss_orphan_all(sio__redis_nsp_t *inst) {
  sio__rq_orphan_owed(&inst->ss_live);
}

static void ss_replied(const sio_args_t *reply, void *arg) {
  sio__rq_owed_t *c = arg;
  sio__redis_nsp_t *inst = c->owner;
  if (reply && inst) {
    json_t *args = sio__redis_sio_args_to_jansson(reply);
    if (args) {
      json_t *first = json_array_get(args, 0);
      json_t *resp = json_pack("{s:i,s:s,s:O}", "type", 6, "requestId", c->rid, "data",
                               first ? first : json_null());
      /* Always the common channel, as Node does for type 6. */
      size_t len;
      char *msg = resp ? sio__redis_dump(resp, &len) : NULL;
      if (msg) sio__redis_publish(inst->node, inst->resp_channel, msg, len);
      sio__free(msg);
      json_decref(resp);
      json_decref(args);
    }
  }
  sio__rq_owed_free(c);
}

static void on_server_side(sio__redis_nsp_t *inst, const json_t *j, const char *rid) {
  const json_t *data = json_object_get(j, "data");
  if (!json_is_array(data) || !json_is_string(json_array_get(data, 0))) {
    sio__redis_bad_message(inst->node, "serverSideEmit without [event, ...args]");
    return;
  }
  size_t len;
  char *args = sio__redis_array_to_args(data, 1, &len);
  if (!args) return;
  sio_adapter_packet_t pkt = {
      json_string_value(json_array_get(data, 0)), args, len, NULL, 0, NULL};
  sio__rq_owed_t *c = rid ? sio__rq_owe(&inst->ss_live, inst, rid, NULL) : NULL;
  if (c)
    sio_adapter_local_server_side_emit_with_ack(inst->nsp, &pkt, ss_replied, c);
  else
    sio_adapter_local_server_side_emit(inst->nsp, &pkt);
  sio__free(args);
}

/* Room changes from others (types 2, 3, 4), new form with opts or the old
 * one with a single sid (answered with {"requestId"}). */
static void on_rooms_op(sio__redis_nsp_t *inst, int type, const json_t *j,
                        const char *uid, const char *rid) {
  const json_t *opts = json_object_get(j, "opts");
  if (!opts) {
    const char *sid = json_string_value(json_object_get(j, "sid"));
    sio_socket_t *sock = sid ? sio_namespace_socket(inst->nsp, sid) : NULL;
    if (!sock) return;
    const char *room = json_string_value(json_object_get(j, "room"));
    if (type == 2 && room) sio_socket_join(sock, room);
    if (type == 3 && room) sio_socket_leave(sock, room);
    if (rid) respond(inst, uid, json_pack("{s:s}", "requestId", rid));
    if (type == 4) sio_socket_disconnect(sock, json_is_true(json_object_get(j, "close")));
    return;
  }
  sio_adapter_opts_t o;
  if (sio__redis_opts_from_jansson(opts, &o)) {
    sio__redis_bad_message(inst->node, "room request with a bad opts");
    return;
  }
  if (type == 4) {
    sio_adapter_local_disconnect_sockets(inst->nsp, &o,
                                         json_is_true(json_object_get(j, "close")));
  } else {
    const char *const *rooms;
    size_t nrooms;
    if (sio__redis_strings_from(json_object_get(j, "rooms"), &rooms, &nrooms) == 0) {
      if (type == 2)
        sio_adapter_local_sockets_join(inst->nsp, &o, rooms, nrooms);
      else
        sio_adapter_local_sockets_leave(inst->nsp, &o, rooms, nrooms);
      sio__free((void *)rooms);
    } else {
      sio__redis_bad_message(inst->node, "room request without rooms");
    }
  }
  sio__redis_opts_free(&o);
}

/* A broadcast with acks from another server (type 7): deliver, tell the
 * requester how many clients got it (type 8), then forward each client's
 * answer (type 9). */
typedef struct {
  sio__redis_nsp_t *inst;
  size_t calls, n; /* recipients heard of, and counted (every worker) */
  int counted;     /* n is known */
  char uid[32];
  char rid[32];
} bcast_ctx_t;

/* Every recipient counted and heard of: the context goes. */
static void bcast_ctx_check(bcast_ctx_t *c) {
  if (c->counted && c->calls >= c->n) sio__free(c);
}

/* Every worker counted: the answer (type 8), always, even with 0: the
 * requester counts servers. */
static void bcast_counted(size_t n, void *arg) {
  bcast_ctx_t *c = arg;
  json_t *resp =
      json_pack("{s:i,s:s,s:i}", "type", 8, "requestId", c->rid, "clientCount", (int)n);
  respond(c->inst, c->uid[0] ? c->uid : NULL, resp);
  c->n = n;
  c->counted = 1;
  bcast_ctx_check(c);
}

static void bcast_replied(const sio_argv_t *reply, void *arg) {
  bcast_ctx_t *c = arg;
  if (reply) {
    sio_buf_t raw, *att;
    size_t natt;
    sio__sb_t out = {0};
    if (sio__redis_first_reply(reply, &raw, &att, &natt) == 0 &&
        sio__rmp_encode_broadcast_ack_reply(&out, c->rid, (const char *)raw.base, raw.len,
                                            att, natt) == 0) {
      publish_answer(c->inst, c->uid, sio__rmp_text(&out), sio__sb_len(&out));
    }
    sio__sb_reset(&out);
    sio__free(att);
  }
  c->calls++;
  bcast_ctx_check(c);
}

static void on_broadcast_ack_request(sio__redis_nsp_t *inst, const char *data,
                                     size_t len) {
  msgpack_unpacked up;
  if (sio__mp_unpack_max(data, len, inst->node->max_message, &up)) {
    sio__redis_bad_message(
        inst->node, "request is neither JSON nor MessagePack, or over the size bound");
    return;
  }
  sio__rmp_broadcast_t b;
  sio__rmp_str_t rid;
  if (sio__rmp_decode_broadcast_ack_request(&up.data, &b, &rid, SIO__REDIS_MAX_ATT)) {
    msgpack_unpacked_destroy(&up);
    sio__redis_bad_message(inst->node,
                           "broadcast-with-ack request without packet or opts");
    return;
  }
  size_t nl = strlen(inst->name);
  int other_nsp = b.nsp.s && !(b.nsp.len == nl && memcmp(b.nsp.s, inst->name, nl) == 0);
  if (sio__redis_has_nul(&b.event, 1) || sio__redis_has_nul(b.rooms, b.nrooms) ||
      sio__redis_has_nul(b.except, b.nexcept)) {
    sio__redis_bad_message(inst->node, "broadcast-with-ack request with a NUL in a name");
    other_nsp = 1; /* nothing to deliver */
  }
  bcast_ctx_t *c = NULL;
  if (!req_find(inst, rid.s, rid.len) && !other_nsp && rid.len < sizeof(c->rid) &&
      b.uid.len < sizeof(c->uid) && (c = sio__calloc(1, sizeof(*c)))) {
    c->inst = inst;
    memcpy(c->rid, rid.s, rid.len);
    memcpy(c->uid, b.uid.s, b.uid.len);
    sio__redis_local_t l;
    int rc = sio__redis_local_of(&b, 0, &l); /* volatile is not applied here */
    /* The count goes out once every worker counted (bcast_counted). */
    if (rc == 0)
      rc = sio_adapter_local_broadcast_with_ack_async(inst->nsp, &l.pkt, &l.opts,
                                                      bcast_replied, bcast_counted, c);
    sio__redis_local_free(&l);
    if (rc) bcast_counted(0, c);
  }
  sio__rmp_broadcast_free(&b);
  msgpack_unpacked_destroy(&up);
}

void sio__redis_on_request(sio__redis_nsp_t *inst, const char *data, size_t len) {
  if (len && data[0] != '{') {
    on_broadcast_ack_request(inst, data, len);
    return;
  }
  json_error_t err;
  json_t *j = json_loadb(data, len, JSON_ALLOW_NUL, &err);
  if (!json_is_object(j) || !json_is_integer(json_object_get(j, "type"))) {
    json_decref(j);
    sio__redis_bad_message(inst->node, "request without a type");
    return;
  }
  int type = (int)json_integer_value(json_object_get(j, "type"));
  const char *uid = json_string_value(json_object_get(j, "uid"));
  const char *rid = json_string_value(json_object_get(j, "requestId"));
  int own = uid && strcmp(uid, inst->uid) == 0;
  int mine = rid && req_find(inst, rid, strlen(rid));
  switch (type) {
    case 0: /* SOCKETS (adapter 7.x) */
      if (rid && !mine) {
        sio_adapter_opts_t o;
        if (sio__redis_opts_from_jansson(j, &o) == 0) {
          answer_fetch(inst, uid, rid, &o, 0);
          sio__redis_opts_free(&o);
        }
      }
      break;
    case 1: /* ALL_ROOMS */
      if (rid && !mine && !own) {
        json_t *rooms = json_array();
        if (rooms) sio_namespace_foreach_room(inst->nsp, collect_room, rooms);
        respond(inst, uid,
                rooms ? json_pack("{s:s,s:o}", "requestId", rid, "rooms", rooms) : NULL);
      }
      break;
    case 2:
    case 3:
    case 4:
      if (!own) on_rooms_op(inst, type, j, uid, rid);
      break;
    case 5: /* REMOTE_FETCH */
      if (rid && !mine && !own) {
        sio_adapter_opts_t o;
        if (sio__redis_opts_from_jansson(json_object_get(j, "opts"), &o) == 0) {
          answer_fetch(inst, uid, rid, &o, 1);
          sio__redis_opts_free(&o);
        } else {
          sio__redis_bad_message(inst->node, "fetchSockets request without opts");
        }
      }
      break;
    case 6: /* SERVER_SIDE_EMIT */
      if (!own) on_server_side(inst, j, rid);
      break;
    default:
      break; /* unknown types are someone else's business */
  }
  json_decref(j);
}

/* ---- answers to this server's requests ---- */

static void on_fetch_answer(sio__rq_t *r, const json_t *j) {
  sio__redis_fetch_add_sockets(r->fetch, json_object_get(j, "sockets"));
  sio__rq_answered(r);
}

static void on_ss_answer(sio__rq_t *r, const json_t *j) {
  const json_t *data = json_object_get(j, "data");
  size_t len = 4;
  char *text = data ? sio__redis_dump(data, &len) : NULL;
  sio_adapter_packet_t pkt = {NULL, text ? text : "null", text ? len : 4, NULL, 0, NULL};
  sio_adapter_ack_reply(r->ack, &pkt);
  sio__free(text);
  sio__rq_answered(r);
}

static void on_client_count(sio__rq_t *r, const json_t *j) {
  const json_t *count = json_object_get(j, "clientCount");
  json_int_t n = json_integer_value(count);
  if (!json_is_integer(count) || n < 0) { /* not an answer: wait for a real one */
    sio__redis_nsp_t *inst = r->owner;
    sio__redis_bad_message(inst->node, "broadcast-ack answer without a client count");
    return;
  }
  sio__rq_client_count(r, (size_t)n);
}

static void on_ack_answer(sio__redis_nsp_t *inst, const char *data, size_t len) {
  msgpack_unpacked up;
  if (sio__mp_unpack_max(data, len, inst->node->max_message, &up)) {
    sio__redis_bad_message(
        inst->node, "response is neither JSON nor MessagePack, or over the size bound");
    return;
  }
  sio__rmp_str_t rid;
  sio__sb_t json = {0};
  sio_buf_t *att = NULL;
  size_t natt = 0;
  if (sio__rmp_decode_broadcast_ack_reply(&up.data, &rid, &json, &att, &natt,
                                          SIO__REDIS_MAX_ATT) == 0) {
    sio__rq_t *r = req_find(inst, rid.s, rid.len);
    if (r && r->type == SIO__RQ_BCAST_ACK) {
      sio_adapter_packet_t pkt = {NULL,
                                  sio__sb_len(&json) ? sio__rmp_text(&json) : "null",
                                  sio__sb_len(&json) ? sio__sb_len(&json) : 4,
                                  att,
                                  natt,
                                  NULL};
      sio_adapter_ack_reply(r->ack, &pkt);
    }
  } else {
    sio__redis_bad_message(inst->node, "broadcast-ack answer without requestId");
  }
  sio__sb_reset(&json);
  sio__free(att);
  msgpack_unpacked_destroy(&up);
}

void sio__redis_on_response(sio__redis_nsp_t *inst, const char *data, size_t len) {
  if (len && data[0] != '{') {
    on_ack_answer(inst, data, len);
    return;
  }
  json_error_t err;
  json_t *j = json_loadb(data, len, JSON_ALLOW_NUL, &err);
  const char *rid = json_string_value(json_object_get(j, "requestId"));
  sio__rq_t *r = rid ? req_find(inst, rid, strlen(rid)) : NULL;
  if (!json_is_object(j)) sio__redis_bad_message(inst->node, "response is not an object");
  if (r) {
    json_int_t type = json_integer_value(json_object_get(j, "type"));
    if (r->type == SIO__RQ_FETCH && json_is_array(json_object_get(j, "sockets")))
      on_fetch_answer(r, j);
    else if (r->type == SIO__RQ_SS_ACK && type == 6)
      on_ss_answer(r, j);
    else if (r->type == SIO__RQ_BCAST_ACK && type == 8)
      on_client_count(r, j);
  }
  json_decref(j);
}
