/* Connection state recovery with the Redis Streams adapter, as Node's adapter
 * does it (docs/REDIS-WIRE.md, "Sessions"):
 * - a recoverable broadcast is appended to the stream first and delivered
 *   here once Redis has given its entry id, which becomes the packet's
 *   offset (the other servers use the same id when they read the entry);
 * - a session is stored with SET <prefix><pid> <base64 of MessagePack
 *   {sid, pid, rooms, data}> PX <maximum disconnection duration>;
 * - a recovery takes the session with MULTI GET DEL EXEC, checks that the
 *   client's offset is still in the stream (XRANGE offset offset), then
 *   reads the stream after it (XRANGE, 100 entries a call, at most 100
 *   calls as Node) and replays the broadcasts of this namespace that
 *   select the session's rooms.
 * With recovery off on the server, a broadcast is delivered at once with no
 * offset and no session is kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/streams_adapter.h"

/* ---- deferred local delivery ---- */

struct sio__rs_local {
  sio__rs_local_t *next, *prev;
  sio__rs_nsp_t *inst; /* NULL once the namespace is gone */
  char *event;
  char *json;
  size_t json_len;
  sio_buf_t *att;
  size_t natt;
  char **rooms;
  size_t nrooms;
  char **except;
  size_t nexcept;
  unsigned flags;
};

static char **copy_strings(const char *const *v, size_t n) {
  size_t bytes = n * sizeof(char *) + 1;
  for (size_t i = 0; i < n; i++) bytes += strlen(v[i]) + 1;
  char **out = sio__malloc(bytes);
  if (!out) return NULL;
  char *p = (char *)(out + n);
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    out[i] = memcpy(p, v[i], l);
    p += l;
  }
  return out;
}

sio__rs_local_t *sio__rs_local_new(sio__rs_nsp_t *inst, const sio_adapter_packet_t *pkt,
                                   const sio_adapter_opts_t *opts) {
  sio__rs_local_t *l = sio__calloc(1, sizeof(*l));
  if (!l) return NULL;
  size_t att_bytes = 0;
  for (size_t i = 0; i < pkt->nattachments; i++) att_bytes += pkt->attachments[i].len;
  l->event = sio__strdup(pkt->event);
  l->json = sio__malloc(pkt->json_len + 1);
  l->att = sio__malloc(pkt->nattachments * sizeof(sio_buf_t) + att_bytes + 1);
  l->rooms = copy_strings(opts->rooms, opts->nrooms);
  l->except = copy_strings(opts->except, opts->nexcept);
  if (!l->event || !l->json || !l->att || !l->rooms || !l->except) {
    sio__rs_local_free(l);
    return NULL;
  }
  if (pkt->json_len) memcpy(l->json, pkt->json, pkt->json_len);
  l->json[pkt->json_len] = '\0';
  l->json_len = pkt->json_len;
  uint8_t *p = (uint8_t *)(l->att + pkt->nattachments);
  for (size_t i = 0; i < pkt->nattachments; i++) {
    if (pkt->attachments[i].len)
      memcpy(p, pkt->attachments[i].base, pkt->attachments[i].len);
    l->att[i].base = p;
    l->att[i].len = pkt->attachments[i].len;
    p += pkt->attachments[i].len;
  }
  l->natt = pkt->nattachments;
  l->nrooms = opts->nrooms;
  l->nexcept = opts->nexcept;
  l->flags = opts->flags;
  l->inst = inst;
  sio__rs_node_t *node = inst->node;
  l->next = node->locals;
  if (node->locals) node->locals->prev = l;
  node->locals = l;
  return l;
}

static void local_unlink(sio__rs_local_t *l) {
  if (!l->inst) return;
  sio__rs_node_t *node = l->inst->node;
  if (l->prev)
    l->prev->next = l->next;
  else if (node->locals == l)
    node->locals = l->next;
  if (l->next) l->next->prev = l->prev;
  l->next = l->prev = NULL;
}

void sio__rs_local_free(sio__rs_local_t *l) {
  if (!l) return;
  local_unlink(l);
  sio__free(l->event);
  sio__free(l->json);
  sio__free(l->att);
  sio__free(l->rooms);
  sio__free(l->except);
  sio__free(l);
}

void sio__rs_local_run(sio__rs_local_t *l, const char *offset) {
  if (l->inst) {
    sio_adapter_packet_t pkt = {l->event, l->json, l->json_len, l->att, l->natt, NULL};
    sio_adapter_opts_t o = {(const char *const *)l->rooms,  l->nrooms,
                            (const char *const *)l->except, l->nexcept,
                            l->flags | SIO_ADAPTER_F_LOCAL, 0};
    if (offset && strlen(offset) <= SIO_OFFSET_MAX)
      sio_adapter_local_broadcast_offset(l->inst->nsp, &pkt, &o, offset);
    else
      sio__rs_local_plain(l->inst->nsp, &pkt, &o);
  }
  (void)offset;
  sio__rs_local_free(l);
}

void sio__rs_local_orphan_all(sio__rs_nsp_t *inst) {
  sio__rs_node_t *node = inst->node;
  sio__rs_local_t *l = node->locals;
  while (l) {
    sio__rs_local_t *next = l->next;
    if (l->inst == inst) {
      local_unlink(l);
      l->inst = NULL; /* freed when its XADD answers */
    }
    l = next;
  }
}

int sio__rs_local_plain(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                        const sio_adapter_opts_t *opts) {
  /* Without an offset: libsio would otherwise give the packet an offset of
   * its own, which no other server knows. */
  return sio_adapter_local_broadcast_offset(nsp, pkt, opts, NULL);
}

int sio__rs_recoverable(const sio__rs_nsp_t *inst, const sio_adapter_opts_t *opts) {
  return sio_server_recovery_enabled(inst->node->srv, NULL) &&
         !(opts->flags & (SIO_ADAPTER_F_VOLATILE | SIO_ADAPTER_F_LOCAL));
}

void sio__rs_deliver_entry(sio__rs_nsp_t *inst, const sio_adapter_packet_t *pkt,
                           const sio_adapter_opts_t *opts, const char *id) {
  sio_adapter_opts_t o = *opts;
  o.flags |= SIO_ADAPTER_F_LOCAL; /* it came from the others: never published again */
  int rc;
  if (id && sio__rs_recoverable(inst, opts) && strlen(id) <= SIO_OFFSET_MAX)
    rc = sio_adapter_local_broadcast_offset(inst->nsp, pkt, &o, id);
  else
    rc = sio__rs_local_plain(inst->nsp, pkt, &o);
  (void)id;
  if (rc == SIO_EINVAL)
    sio__rs_bad_message(inst->node, "broadcast with a reserved or invalid event");
}

/* ---- sessions ---- */

static void ignore_reply(void *arg, int status, const redisReply *reply) {
  (void)arg;
  if (status == SIO_EPROTO && reply && reply->str)
    sio_log(SIO_LOG_WARN, "redis-streams: session command failed: %s", reply->str);
}

int sio__rs_persist_session(void *self, const sio_adapter_session_t *s) {
  sio__rs_nsp_t *inst = self;
  sio__rs_node_t *node = inst->node;
  uint32_t max_ms = 0;
  if (!s || !s->pid || !s->sid || !sio_server_recovery_enabled(node->srv, &max_ms))
    return SIO_EINVAL;
  sio__sb_t value = {0};
  int rc =
      sio__rs_encode_session(&value, s->sid, s->pid, s->rooms, s->nrooms, s->data_json);
  char *key = rc ? NULL : sio__malloc(strlen(node->session_prefix) + strlen(s->pid) + 1);
  if (!rc && !key) rc = SIO_ENOMEM;
  if (!rc) {
    char px[16];
    snprintf(px, sizeof(px), "%u", max_ms);
    strcpy(key, node->session_prefix);
    strcat(key, s->pid);
    const char *argv[] = {"SET", key, sio__rmp_text(&value), "PX", px};
    size_t lens[] = {3, strlen(key), sio__sb_len(&value), 2, strlen(px)};
    rc = sio__redis_conn_command(node->conn, 5, argv, lens, ignore_reply, NULL);
  }
  sio__free(key);
  sio__sb_reset(&value);
  return rc;
}

/* Node's calls: at most this many XRANGE reads after the offset. */
#define RESTORE_MAX_CALLS 100
#define RESTORE_COUNT "100"

typedef struct sio__rs_restore {
  struct sio__rs_restore *next, *prev;
  sio__rs_nsp_t *inst; /* NULL once cancelled */
  sio_adapter_restore_t *req;
  json_t *session;
  int offset_found;
  int replies; /* EXEC and the first XRANGE still awaited */
  int calls;
  int failed;
  char cursor[SIO__RS_ID_MAX]; /* the last id read */
} restore_t;

static void restore_unlink(restore_t *r) {
  if (!r->inst) return;
  if (r->prev)
    r->prev->next = r->next;
  else
    r->inst->restores = r->next;
  if (r->next) r->next->prev = r->prev;
  r->next = r->prev = NULL;
}

/* Completes the recovery (session or NULL) and lets r go. */
static void restore_finish(restore_t *r, int ok) {
  restore_unlink(r);
  sio_adapter_restore_t *req = r->req;
  r->req = NULL;
  if (req && ok) {
    const json_t *sid = json_object_get(r->session, "sid");
    const json_t *pid = json_object_get(r->session, "pid");
    const char *const *rooms = NULL;
    size_t nrooms = 0;
    const json_t *data = json_object_get(r->session, "data");
    char *data_text = data && !json_is_null(data) ? sio__redis_dump(data, NULL) : NULL;
    if (json_is_string(sid) && json_is_string(pid) &&
        sio__redis_strings_from(json_object_get(r->session, "rooms"), &rooms, &nrooms) ==
            0) {
      sio_adapter_session_t s = {json_string_value(sid), json_string_value(pid), rooms,
                                 nrooms, data_text};
      sio_adapter_restore_done(req, &s);
      req = NULL;
    }
    sio__free((void *)rooms);
    sio__free(data_text);
  }
  if (req) sio_adapter_restore_done(req, NULL);
  json_decref(r->session);
  sio__free(r);
}

void sio__rs_cancel_restores(sio__rs_nsp_t *inst) {
  while (inst->restores) {
    restore_t *r = inst->restores;
    restore_unlink(r);
    sio_adapter_restore_done(r->req, NULL);
    r->req = NULL;
    r->inst = NULL; /* the pending reply frees it */
  }
}

/* Node's shouldIncludePacket: one of the session's rooms is targeted (or
 * every socket is), and none is excepted. */
static int selects(const json_t *rooms, const sio_adapter_opts_t *o) {
  size_t i;
  const json_t *room;
  int included = o->nrooms == 0;
  json_array_foreach(rooms, i, room) {
    const char *name = json_string_value(room);
    if (!name) continue;
    for (size_t k = 0; k < o->nrooms; k++)
      if (strcmp(o->rooms[k], name) == 0) included = 1;
    for (size_t k = 0; k < o->nexcept; k++)
      if (strcmp(o->except[k], name) == 0) return 0;
  }
  return included;
}

/* One entry after the offset: a broadcast of this namespace that selects
 * the session's rooms is a missed packet, with the entry id as its offset. */
static void restore_entry(restore_t *r, const char *id, const redisReply *fields) {
  const char *name[4] = {"uid", "nsp", "type", "data"};
  const redisReply *v[4] = {NULL, NULL, NULL, NULL};
  for (size_t i = 0; i + 1 < fields->elements; i += 2)
    for (int k = 0; k < 4; k++)
      if (fields->element[i]->type == REDIS_REPLY_STRING &&
          fields->element[i + 1]->type == REDIS_REPLY_STRING &&
          strlen(name[k]) == fields->element[i]->len &&
          memcmp(fields->element[i]->str, name[k], fields->element[i]->len) == 0)
        v[k] = fields->element[i + 1];
  const char *nsp = r->inst->name;
  if (!v[1] || !v[2] || v[1]->len != strlen(nsp) ||
      memcmp(v[1]->str, nsp, v[1]->len) != 0 || v[2]->len != 1 || v[2]->str[0] != '3')
    return;
  sio__rs_msg_t m;
  if (sio__rs_decode_entry(v[0] ? v[0]->str : "", v[0] ? v[0]->len : 0, v[1]->str,
                           v[1]->len, v[2]->str, v[2]->len, v[3] ? v[3]->str : NULL,
                           v[3] ? v[3]->len : 0, r->inst->node->max_message, &m))
    return;
  const json_t *ev = json_object_get(json_object_get(m.data, "packet"), "data");
  const char *event = json_string_value(json_array_get(ev, 0));
  sio_adapter_opts_t o;
  if (event && sio__rs_opts_from(json_object_get(m.data, "opts"), &o) == 0) {
    if (!(o.flags & SIO_ADAPTER_F_VOLATILE) &&
        selects(json_object_get(r->session, "rooms"), &o)) {
      json_t *args = json_deep_copy(ev);
      size_t len = 0;
      char *text = NULL;
      if (args && !json_array_append_new(args, json_string(id)))
        text = sio__redis_array_to_args(args, 1, &len);
      if (!text || sio_adapter_restore_add(
                       r->req, &(sio_adapter_packet_t){event, text, len, m.att, m.natt,
                                                       NULL}) == SIO_ENOMEM)
        r->failed = 1;
      sio__free(text);
      json_decref(args);
    }
    sio__redis_opts_free(&o);
  }
  sio__rs_msg_free(&m);
}

static void read_after(restore_t *r);

static void on_range(void *arg, int status, const redisReply *reply) {
  restore_t *r = arg;
  if (!r->inst) { /* cancelled */
    sio__free(r);
    return;
  }
  if (status || reply->type != REDIS_REPLY_ARRAY) {
    restore_finish(r, 0);
    return;
  }
  for (size_t i = 0; i < reply->elements && !r->failed; i++) {
    const redisReply *e = reply->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING ||
        e->element[0]->len >= sizeof(r->cursor))
      continue;
    memcpy(r->cursor, e->element[0]->str, e->element[0]->len);
    r->cursor[e->element[0]->len] = '\0';
    if (e->element[1]->type == REDIS_REPLY_ARRAY)
      restore_entry(r, r->cursor, e->element[1]);
  }
  if (r->failed) {
    restore_finish(r, 0);
    return;
  }
  if (reply->elements == 0 || ++r->calls >= RESTORE_MAX_CALLS) {
    restore_finish(r, 1);
    return;
  }
  read_after(r);
}

/* XRANGE stream <cursor + 1> + COUNT 100 (exclusive ranges need Redis 6.2;
 * the next sequence number works everywhere, as Node does it). */
static void read_after(restore_t *r) {
  char start[SIO__RS_ID_MAX + 8];
  const char *dash = strchr(r->cursor, '-');
  unsigned long long seq = strtoull(dash + 1, NULL, 10);
  snprintf(start, sizeof(start), "%.*s-%llu", (int)(dash - r->cursor), r->cursor,
           seq + 1);
  const char *argv[] = {"XRANGE", r->inst->node->stream, start, "+",
                        "COUNT",  RESTORE_COUNT};
  size_t lens[6];
  for (int i = 0; i < 6; i++) lens[i] = strlen(argv[i]);
  if (sio__redis_conn_command(r->inst->node->conn, 6, argv, lens, on_range, r))
    restore_finish(r, 0);
}

/* The answers of EXEC (the session) and of XRANGE offset offset. */
static void on_first(restore_t *r) {
  if (--r->replies > 0) return;
  if (!r->inst) {
    json_decref(r->session);
    sio__free(r);
    return;
  }
  if (!r->session || !r->offset_found) {
    restore_finish(r, 0);
    return;
  }
  read_after(r);
}

static void on_exec(void *arg, int status, const redisReply *reply) {
  restore_t *r = arg;
  if (r->inst && status == 0 && reply->type == REDIS_REPLY_ARRAY &&
      reply->elements >= 1 && reply->element[0]->type == REDIS_REPLY_STRING &&
      sio__rs_decode_session(reply->element[0]->str, reply->element[0]->len, &r->session))
    r->session = NULL;
  on_first(r);
}

static void on_offset(void *arg, int status, const redisReply *reply) {
  restore_t *r = arg;
  r->offset_found =
      status == 0 && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0;
  on_first(r);
}

/* Node accepts only <ms>-<seq> offsets. */
static int is_entry_id(const char *s) {
  size_t i = 0, digits = 0;
  for (; s[i] >= '0' && s[i] <= '9'; i++) digits++;
  if (!digits || s[i] != '-') return 0;
  digits = 0;
  for (i++; s[i] >= '0' && s[i] <= '9'; i++) digits++;
  return digits && s[i] == '\0' && i < SIO__RS_ID_MAX;
}

int sio__rs_restore_session(void *self, const char *pid, const char *offset,
                            sio_adapter_restore_t *req) {
  sio__rs_nsp_t *inst = self;
  sio__rs_node_t *node = inst->node;
  if (!pid || !offset || !is_entry_id(offset)) return SIO_EINVAL;
  if (!sio__redis_conn_is_up(node->conn)) return SIO_ENOTCONN;
  restore_t *r = sio__calloc(1, sizeof(*r));
  char *key = sio__malloc(strlen(node->session_prefix) + strlen(pid) + 1);
  if (!r || !key) {
    sio__free(r);
    sio__free(key);
    return SIO_ENOMEM;
  }
  strcpy(key, node->session_prefix);
  strcat(key, pid);
  strcpy(r->cursor, offset);
  r->inst = inst;
  r->req = req;
  r->replies = 2;
  /* Sent together, so that nothing else lands inside the transaction. */
  const char *multi[] = {"MULTI"}, *get[] = {"GET", key}, *del[] = {"DEL", key},
             *exec[] = {"EXEC"};
  const char *range[] = {"XRANGE", node->stream, offset, offset};
  size_t l1[] = {5}, l2[] = {3, strlen(key)}, l4[] = {4},
         l5[] = {6, strlen(node->stream), strlen(offset), strlen(offset)};
  int rc = sio__redis_conn_command(node->conn, 1, multi, l1, ignore_reply, NULL);
  if (!rc) rc = sio__redis_conn_command(node->conn, 2, get, l2, ignore_reply, NULL);
  if (!rc) rc = sio__redis_conn_command(node->conn, 2, del, l2, ignore_reply, NULL);
  if (!rc) rc = sio__redis_conn_command(node->conn, 1, exec, l4, on_exec, r);
  if (rc) { /* only when the connection breaks now: nothing of r was sent */
    sio__free(key);
    sio__free(r);
    return rc;
  }
  if (sio__redis_conn_command(node->conn, 4, range, l5, on_offset, r)) r->replies--;
  sio__free(key);
  r->next = inst->restores;
  if (inst->restores) inst->restores->prev = r;
  inst->restores = r;
  return 0;
}
