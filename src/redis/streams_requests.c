/* Requests of the Redis Streams adapter (docs/REDIS-WIRE.md, "Redis Streams
 * adapter"): fetch, server-side emit with or without ack, broadcast with
 * acks and the server count, which go over pub/sub as Node's adapter sends
 * them (the public channel P#N#, answers on the requester's P#N#uid#), and
 * the answers this server gives to the others. A request that waits for
 * answers first asks how many servers listen (NUMSUB of P#N#) and ends at
 * its deadline at the latest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/streams_adapter.h"

/* ---- pending requests (redis_reqtable.c) ---- */

static sio__rq_t *req_new(sio__rs_nsp_t *inst, int type) {
  return sio__rq_new(&inst->node->rq, inst, inst->public_channel, type);
}

static sio__rq_t *req_find(sio__rs_nsp_t *inst, const char *id) {
  return sio__rq_find(&inst->node->rq, inst, id, id ? strlen(id) : 0);
}

static void ss_orphan_all(sio__rs_nsp_t *inst);

void sio__rs_cancel_requests(sio__rs_nsp_t *inst) {
  ss_orphan_all(inst);
  sio__rq_cancel_owner(&inst->node->rq, inst);
}

/* The pub/sub form of a request into r->payload. 0 or an error. */
static int encode_payload(sio__rq_t *r, int type, const json_t *data,
                          const sio_buf_t *att, size_t natt) {
  const sio__rs_nsp_t *inst = r->owner;
  return sio__rs_encode_pubsub(&r->payload, type, data, att, natt, inst->uid, inst->name);
}

/* ---- this server asks ---- */

int sio__rs_fetch_sockets(void *self, const sio_adapter_opts_t *opts,
                          sio_adapter_fetch_t *fetch) {
  sio__rs_nsp_t *inst = self;
  int rc = sio_adapter_local_fetch(inst->nsp, opts, fetch, NULL, NULL);
  if (rc < 0) return rc;
  sio__rq_t *r = req_new(inst, SIO__RQ_FETCH);
  if (!r) return SIO_ENOMEM;
  r->fetch = fetch;
  json_t *o = sio__rs_opts_json(opts);
  json_t *data = o ? json_pack("{s:o,s:s}", "opts", o, "requestId", r->id) : NULL;
  if ((opts->flags & SIO_ADAPTER_F_LOCAL) || !data ||
      encode_payload(r, SIO__RS_FETCH_SOCKETS, data, NULL, 0)) {
    json_decref(data);
    sio__rq_finish(r, 0); /* local sockets only */
    return 0;
  }
  json_decref(data);
  sio__rq_ask_numsub(r);
  return 0;
}

static json_t *ss_data(const sio_adapter_packet_t *pkt, const char *rid) {
  json_t *packet = sio__rs_event_array(pkt->event, pkt->json, pkt->json_len);
  if (!packet) return NULL;
  /* Node's key order: {requestId, packet} with an ack, {packet} without. */
  return rid ? json_pack("{s:s,s:o}", "requestId", rid, "packet", packet)
             : json_pack("{s:o}", "packet", packet);
}

int sio__rs_server_side_emit(void *self, const sio_adapter_packet_t *pkt) {
  sio__rs_nsp_t *inst = self;
  json_t *data = ss_data(pkt, NULL);
  if (!data) return SIO_EINVAL;
  int rc = sio__rs_publish(inst, inst->public_channel, SIO__RS_SERVER_SIDE_EMIT, data,
                           pkt->attachments, pkt->nattachments);
  json_decref(data);
  return rc;
}

int sio__rs_server_side_emit_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                      sio_adapter_ack_t *ack) {
  sio__rs_nsp_t *inst = self;
  sio__rq_t *r = req_new(inst, SIO__RQ_SS_ACK);
  if (!r) return SIO_ENOMEM;
  json_t *data = ss_data(pkt, r->id);
  if (!data || encode_payload(r, SIO__RS_SERVER_SIDE_EMIT, data, pkt->attachments,
                              pkt->nattachments)) {
    json_decref(data);
    sio__rq_discard(r);
    return SIO_EINVAL;
  }
  json_decref(data);
  r->ack = ack;
  sio__rq_ask_numsub(r);
  return 0;
}

int sio__rs_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                               const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack) {
  sio__rs_nsp_t *inst = self;
  int n = sio_adapter_local_broadcast_with_ack(inst->nsp, pkt, opts, ack, NULL, NULL);
  if (n < 0) return n;
  sio__rq_t *r =
      (opts->flags & SIO_ADAPTER_F_LOCAL) ? NULL : req_new(inst, SIO__RQ_BCAST_ACK);
  if (!r) {
    sio_adapter_ack_servers_done(ack);
    sio_adapter_ack_release(ack);
    return n;
  }
  r->ack = ack;
  json_t *ev = sio__rs_event_array(pkt->event, pkt->json, pkt->json_len);
  json_t *o = sio__rs_opts_json(opts);
  /* Node's key order: {packet, requestId, opts}. */
  json_t *data = ev && o ? json_pack("{s:{s:i,s:O},s:s,s:O}", "packet", "type", 2, "data",
                                     ev, "requestId", r->id, "opts", o)
                         : NULL;
  int rc = data ? encode_payload(r, SIO__RS_BROADCAST, data, pkt->attachments,
                                 pkt->nattachments)
                : SIO_ENOMEM;
  json_decref(ev);
  json_decref(o);
  json_decref(data);
  if (rc) {
    sio__rq_finish(r, 0);
    return n;
  }
  sio__rq_start_broadcast(r, opts->timeout_ms);
  return n;
}

int sio__rs_server_count(void *self, void (*cb)(int status, size_t count, void *arg),
                         void *arg) {
  sio__rs_nsp_t *inst = self;
  return sio__rq_server_count(&inst->node->rq, inst, inst->public_channel, cb, arg);
}

/* ---- answering the others ---- */

/* Answers go to the requester's own channel, P#N#<uid>#. */
static void respond(sio__rs_nsp_t *inst, const char *requester, int type, json_t *data,
                    const sio_buf_t *att, size_t natt) {
  char *channel = NULL;
  if (data && requester) {
    size_t n = strlen(inst->public_channel) + strlen(requester) + 2;
    if ((channel = sio__malloc(n)))
      snprintf(channel, n, "%s%s#", inst->public_channel, requester);
  }
  if (channel) sio__rs_publish(inst, channel, type, data, att, natt);
  sio__free(channel);
  json_decref(data);
}

/* The sockets of every worker come in later with workers, when the
 * namespace may be gone (then nothing is answered): an owed answer. */
static void fetched(int status, size_t count, sio_remote_socket_t *const *socks,
                    void *arg) {
  sio__rq_owed_t *c = arg;
  sio__rs_nsp_t *inst = c->owner;
  json_t *list = inst && status == 0 ? json_array() : NULL;
  for (size_t i = 0; list && i < count; i++) {
    json_t *s = sio__redis_remote_socket_json(socks[i]);
    if (s) json_array_append_new(list, s);
  }
  if (list)
    respond(inst, c->requester, SIO__RS_FETCH_SOCKETS_RESPONSE,
            json_pack("{s:s,s:o}", "requestId", c->rid, "sockets", list), NULL, 0);
  sio__rq_owed_free(c);
}

static void answer_fetch(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *rid) {
  sio_adapter_opts_t o;
  if (sio__rs_opts_from(json_object_get(m->data, "opts"), &o)) {
    sio__rs_bad_message(inst->node, "fetchSockets request without opts");
    return;
  }
  sio__rq_owed_t *c = sio__rq_owe(&inst->ss_live, inst, rid, m->uid);
  if (c && sio_adapter_local_fetch_async(inst->nsp, &o, fetched, c)) sio__rq_owed_free(c);
  sio__redis_opts_free(&o);
}

/* A server-side event with ack from another server: the first argument of
 * our handler's answer goes back as "packet" (Node passes one). A handler
 * may hold the ack past the namespace: orphan them. */
static void ss_orphan_all(sio__rs_nsp_t *inst) {
  sio__rq_orphan_owed(&inst->ss_live);
}

/* {requestId, packet: <first of args>} with its attachments. */
static json_t *reply_data(const char *rid, const char *json, size_t len) {
  json_t *arr = sio__rs_event_array("", json, len);
  json_t *first = json_array_get(arr, 1);
  json_t *d =
      json_pack("{s:s,s:O}", "requestId", rid, "packet", first ? first : json_null());
  json_decref(arr);
  return d;
}

static void ss_replied(const sio_args_t *reply, void *arg) {
  sio__rq_owed_t *c = arg;
  if (reply && c->owner) {
    sio_buf_t json;
    sio_buf_t *att = NULL;
    size_t natt = 0;
    if (sio__redis_args_view(reply, &json, &att, &natt) == 0) {
      respond(c->owner, c->requester, SIO__RS_SERVER_SIDE_EMIT_RESPONSE,
              reply_data(c->rid, (const char *)json.base, json.len), att, natt);
      free(att);
    }
  }
  sio__rq_owed_free(c);
}

static void on_server_side(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *rid) {
  const json_t *packet = json_object_get(m->data, "packet");
  const char *event = json_string_value(json_array_get(packet, 0));
  if (!event) {
    sio__rs_bad_message(inst->node, "serverSideEmit without [event, ...args]");
    return;
  }
  size_t len;
  char *args = sio__redis_array_to_args(packet, 1, &len);
  if (!args) return;
  sio_adapter_packet_t pkt = {event, args, len, m->att, m->natt, NULL};
  sio__rq_owed_t *c = rid ? sio__rq_owe(&inst->ss_live, inst, rid, m->uid) : NULL;
  if (c)
    sio_adapter_local_server_side_emit_with_ack(inst->nsp, &pkt, ss_replied, c);
  else if (!rid)
    sio_adapter_local_server_side_emit(inst->nsp, &pkt);
  sio__free(args);
}

/* A broadcast with acks from another server: deliver, tell the requester
 * how many clients got it (type 11), then forward each answer (type 12). */
typedef struct {
  sio__rs_nsp_t *inst;
  size_t calls, n; /* recipients heard of, and counted (every worker) */
  int counted;     /* n is known */
  char requester[64];
  char rid[64];
} bcast_ctx_t;

/* Every recipient counted and heard of: the context goes. */
static void bcast_ctx_check(bcast_ctx_t *c) {
  if (c->counted && c->calls >= c->n) sio__free(c);
}

/* Every worker counted: the answer, always, even with 0: the requester
 * counts servers. */
static void bcast_counted(size_t n, void *arg) {
  bcast_ctx_t *c = arg;
  respond(c->inst, c->requester, SIO__RS_BROADCAST_CLIENT_COUNT,
          json_pack("{s:s,s:i}", "requestId", c->rid, "clientCount", (int)n), NULL, 0);
  c->n = n;
  c->counted = 1;
  bcast_ctx_check(c);
}

static void bcast_replied(const sio_argv_t *reply, void *arg) {
  bcast_ctx_t *c = arg;
  if (reply) {
    sio_buf_t raw, *att;
    size_t natt;
    if (sio__redis_first_reply(reply, &raw, &att, &natt) == 0)
      respond(c->inst, c->requester, SIO__RS_BROADCAST_ACK,
              reply_data(c->rid, (const char *)raw.base, raw.len), att, natt);
    sio__free(att);
  }
  c->calls++;
  bcast_ctx_check(c);
}

static void answer_broadcast_ack(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *rid) {
  const json_t *ev = json_object_get(json_object_get(m->data, "packet"), "data");
  const char *event = json_string_value(json_array_get(ev, 0));
  sio_adapter_opts_t o;
  if (!event || strlen(rid) >= sizeof(((bcast_ctx_t *)0)->rid) ||
      strlen(m->uid) >= sizeof(((bcast_ctx_t *)0)->requester) ||
      sio__rs_opts_from(json_object_get(m->data, "opts"), &o)) {
    sio__rs_bad_message(inst->node, "broadcast-with-ack request without packet or opts");
    return;
  }
  bcast_ctx_t *c = sio__calloc(1, sizeof(*c));
  size_t len;
  char *args = c ? sio__redis_array_to_args(ev, 1, &len) : NULL;
  if (args) {
    c->inst = inst;
    strcpy(c->rid, rid);
    strcpy(c->requester, m->uid);
    sio_adapter_packet_t pkt = {event, args, len, m->att, m->natt, NULL};
    o.flags = SIO_ADAPTER_F_LOCAL | (o.flags & SIO_ADAPTER_F_NO_COMPRESS);
    /* The count goes out once every worker counted (bcast_counted). */
    if (sio_adapter_local_broadcast_with_ack_async(inst->nsp, &pkt, &o, bcast_replied,
                                                   bcast_counted, c))
      bcast_counted(0, c);
  } else {
    sio__free(c);
  }
  sio__free(args);
  sio__redis_opts_free(&o);
}

/* ---- answers to this server's requests ---- */

static void on_fetch_answer(sio__rq_t *r, const json_t *data) {
  sio__redis_fetch_add_sockets(r->fetch, json_object_get(data, "sockets"));
  sio__rq_answered(r);
}

/* The "packet" value of an answer as a reply of one argument. */
static void add_reply(sio__rq_t *r, sio__rs_msg_t *m) {
  const json_t *p = json_object_get(m->data, "packet");
  size_t len = 4;
  char *text = p ? sio__redis_dump(p, &len) : NULL;
  sio_adapter_packet_t pkt = {NULL, text ? text : "null", text ? len : 4, m->att, m->natt,
                              NULL};
  sio_adapter_ack_reply(r->ack, &pkt);
  sio__free(text);
}

static void on_client_count(sio__rq_t *r, const json_t *data) {
  const json_t *count = json_object_get(data, "clientCount");
  json_int_t n = json_integer_value(count);
  if (!json_is_integer(count) || n < 0) {
    const sio__rs_nsp_t *inst = r->owner;
    sio__rs_bad_message(inst->node, "broadcast-ack answer without a client count");
    return;
  }
  sio__rq_client_count(r, (size_t)n);
}

void sio__rs_on_request(sio__rs_nsp_t *inst, sio__rs_msg_t *m) {
  const char *rid = json_string_value(json_object_get(m->data, "requestId"));
  sio__rq_t *r = req_find(inst, rid);
  switch (m->type) {
    case SIO__RS_BROADCAST: /* with acks */
      if (rid && !r) answer_broadcast_ack(inst, m, rid);
      break;
    case SIO__RS_FETCH_SOCKETS:
      if (rid && !r) answer_fetch(inst, m, rid);
      break;
    case SIO__RS_SERVER_SIDE_EMIT:
      if (!r) on_server_side(inst, m, rid);
      break;
    case SIO__RS_FETCH_SOCKETS_RESPONSE:
      if (r && r->type == SIO__RQ_FETCH) on_fetch_answer(r, m->data);
      break;
    case SIO__RS_SERVER_SIDE_EMIT_RESPONSE:
      if (r && r->type == SIO__RQ_SS_ACK) {
        add_reply(r, m);
        sio__rq_answered(r);
      }
      break;
    case SIO__RS_BROADCAST_CLIENT_COUNT:
      if (r && r->type == SIO__RQ_BCAST_ACK) on_client_count(r, m->data);
      break;
    case SIO__RS_BROADCAST_ACK:
      if (r && r->type == SIO__RQ_BCAST_ACK) add_reply(r, m);
      break;
    default:
      break; /* unknown types are someone else's business */
  }
}
