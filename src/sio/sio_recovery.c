/* Connection state recovery in memory (the reference's session-aware
 * in-memory adapter), per namespace: the recoverable packets sent, each
 * with its offset, the rooms and exceptions it went to and its encoded form
 * (shared with the recipients' queues), and the sessions of sockets that
 * went away for a recoverable reason, by private id. Both expire after the
 * maximum disconnection duration and count against the server's byte
 * bound. Also the restore flow shared with cluster adapters that keep
 * sessions elsewhere (ops.persist_session / ops.restore_session). */
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/log.h"
#include "sio/sio_internal.h"

typedef struct sio__kept {
  struct sio__kept *next;
  uint64_t at; /* loop ms when sent */
  size_t bytes;
  sio__packet_out_t out;
  char **names; /* rooms then exceptions */
  size_t nrooms, nexcept;
  char offset[SIO_OFFSET_MAX + 1];
} kept_t;

typedef struct saved {
  struct saved *prev, *next; /* oldest first */
  uint64_t at;               /* loop ms when it went away */
  size_t bytes;
  char sid[21], pid[21];
  char **rooms;
  size_t nrooms;
  sio__kv_t *kv;
  size_t nkv;
} saved_t;

typedef struct sio__store {
  kept_t *head, *tail;
  saved_t *shead, *stail;
  sio__map_t sessions; /* pid -> saved_t */
  sio__timer_t *timer;
  sio_namespace_t *nsp;
} store_t;

/* ---- offsets ---- */

static const char k_alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

static size_t b64num(uint64_t v, char *out) {
  char tmp[16];
  size_t n = 0;
  do {
    tmp[n++] = k_alphabet[v % 64];
    v /= 64;
  } while (v);
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

void sio__recovery_offset(sio_server_t *s, char *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  size_t n = b64num(ms, out);
  /* Workers: a sibling's offsets carry its index, so no two workers ever
   * make the same one (the store on worker 0 holds them all). */
  if (s->worker) {
    out[n++] = '~';
    n += b64num(s->worker, out + n);
  }
  if (strcmp(out, s->offset_prev) != 0) {
    memcpy(s->offset_prev, out, n + 1);
    s->offset_seed = 0;
    return;
  }
  out[n] = '.';
  b64num(s->offset_seed++, out + n + 1);
}

/* ---- the store ---- */

static uint64_t now_ms(const sio_server_t *s) {
  return sio__now_ms(s->loop);
}

static void kept_free(store_t *st, kept_t *k) {
  st->nsp->srv->recovery_bytes -= k->bytes;
  sio__packet_out_free(&k->out);
  sio__free(k);
}

static void drop_head(store_t *st) {
  kept_t *k = st->head;
  st->head = k->next;
  if (!st->head) st->tail = NULL;
  kept_free(st, k);
}

static void drop_all_packets(store_t *st) {
  while (st->head) drop_head(st);
}

static void saved_free(store_t *st, saved_t *sv) {
  st->nsp->srv->recovery_bytes -= sv->bytes;
  for (size_t i = 0; i < sv->nrooms; i++) sio__free(sv->rooms[i]);
  sio__free(sv->rooms);
  for (size_t i = 0; i < sv->nkv; i++) {
    sio__free(sv->kv[i].key);
    sio__free(sv->kv[i].val);
  }
  sio__free(sv->kv);
  sio__free(sv);
}

/* Takes sv out of the map and the list (not freed). */
static void saved_unlink(store_t *st, saved_t *sv) {
  sio__map_del(&st->sessions, sv->pid, strlen(sv->pid));
  if (sv->prev)
    sv->prev->next = sv->next;
  else
    st->shead = sv->next;
  if (sv->next)
    sv->next->prev = sv->prev;
  else
    st->stail = sv->prev;
  sv->prev = sv->next = NULL;
}

static void expire(store_t *st) {
  sio_server_t *s = st->nsp->srv;
  uint64_t now = now_ms(s);
  while (st->head && st->head->at + s->recovery_ms <= now) drop_head(st);
  while (st->shead && st->shead->at + s->recovery_ms <= now) {
    saved_t *sv = st->shead;
    saved_unlink(st, sv);
    saved_free(st, sv);
  }
}

/* Arms the timer for the oldest thing kept, so memory goes back on time
 * even when nothing else happens. */
static void arm(store_t *st) {
  if (!st->timer || sio__timer_is_active(st->timer)) return;
  uint64_t oldest = UINT64_MAX;
  if (st->head) oldest = st->head->at;
  if (st->shead && st->shead->at < oldest) oldest = st->shead->at;
  if (oldest == UINT64_MAX) return;
  sio_server_t *s = st->nsp->srv;
  uint64_t due = oldest + s->recovery_ms, now = now_ms(s);
  sio__timer_start(st->timer, due > now ? due - now + 1 : 1);
}

static void timer_cb(sio__timer_t *t, void *arg) {
  (void)t;
  store_t *st = arg;
  expire(st);
  arm(st);
}

static store_t *store_of(sio_namespace_t *nsp) {
  if (nsp->store) return nsp->store;
  store_t *st = sio__calloc(1, sizeof(*st));
  if (!st) return NULL;
  st->nsp = nsp;
  sio__map_init(&st->sessions);
  /* A server without a loop (unit fixtures) expires lazily only. */
  if (nsp->srv->loop && !(st->timer = sio__timer_new(nsp->srv->loop, timer_cb, st))) {
    sio__free(st);
    return NULL;
  }
  nsp->store = st;
  return st;
}

void sio__recovery_free(sio_namespace_t *nsp) {
  store_t *st = nsp->store;
  if (!st) return;
  drop_all_packets(st);
  while (st->shead) {
    saved_t *sv = st->shead;
    saved_unlink(st, sv);
    saved_free(st, sv);
  }
  sio__map_free(&st->sessions);
  sio__timer_free(st->timer);
  sio__free(st);
  nsp->store = NULL;
}

static size_t out_bytes(const sio__packet_out_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < out->n; i++) n += out->msgs[i]->len;
  return n;
}

/* Refs of out's messages into dst. */
static int out_share(sio__packet_out_t *dst, const sio__packet_out_t *src) {
  memset(dst, 0, sizeof(*dst));
  dst->msgs = src->n <= 2 ? dst->inl : sio__calloc(src->n, sizeof(*dst->msgs));
  if (!dst->msgs) return SIO_ENOMEM;
  for (size_t i = 0; i < src->n; i++) dst->msgs[i] = sio__eio_msg_ref(src->msgs[i]);
  dst->n = src->n;
  dst->parser = src->parser;
  return 0;
}

void sio__recovery_keep(sio_namespace_t *nsp, const char *offset,
                        const sio_adapter_opts_t *o, const sio__packet_out_t *out) {
  sio_server_t *s = nsp->srv;
  if (s->worker) {
    sio__group_recovery_keep(nsp, offset, o, out);
    return;
  }
  store_t *st = store_of(nsp);
  if (!st) return;
  expire(st);
  size_t names = o->nrooms + o->nexcept, strbytes = 0;
  for (size_t i = 0; i < o->nrooms; i++) strbytes += strlen(o->rooms[i]) + 1;
  for (size_t i = 0; i < o->nexcept; i++) strbytes += strlen(o->except[i]) + 1;
  size_t bytes = sizeof(kept_t) + names * sizeof(char *) + strbytes + out_bytes(out);
  /* The oldest go first; a packet that still does not fit cannot be kept,
   * and then no earlier one may be replayed either (a recovery would skip
   * it): the store is emptied, every older offset unknown. */
  while (st->head && s->recovery_bytes + bytes > s->recovery_max_bytes) drop_head(st);
  kept_t *k = NULL;
  if (s->recovery_bytes + bytes <= s->recovery_max_bytes)
    k = sio__calloc(1, sizeof(*k) + names * sizeof(char *) + strbytes);
  if (!k || out_share(&k->out, out)) {
    sio__free(k);
    drop_all_packets(st);
    return;
  }
  k->names = (char **)(k + 1);
  char *p = (char *)(k->names + names);
  for (size_t i = 0; i < names; i++) {
    const char *src = i < o->nrooms ? o->rooms[i] : o->except[i - o->nrooms];
    size_t n = strlen(src) + 1;
    memcpy(p, src, n);
    k->names[i] = p;
    p += n;
  }
  k->nrooms = o->nrooms;
  k->nexcept = o->nexcept;
  snprintf(k->offset, sizeof(k->offset), "%s", offset);
  k->at = now_ms(s);
  k->bytes = bytes;
  s->recovery_bytes += bytes;
  if (st->tail)
    st->tail->next = k;
  else
    st->head = k;
  st->tail = k;
  arm(st);
}

/* ---- persisting ---- */

/* The reasons the reference keeps a session for. */
static int recoverable(const char *reason) {
  static const char *const k[] = {"transport error",      "transport close",
                                  "forced close",         "ping timeout",
                                  "server shutting down", "forced server close"};
  for (size_t i = 0; reason && i < sizeof(k) / sizeof(k[0]); i++)
    if (strcmp(reason, k[i]) == 0) return 1;
  return 0;
}

const sio_adapter_ops_t *sio__recovery_cluster(const sio_namespace_t *nsp) {
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  if (!ops || !nsp->adapter || !ops->persist_session || !ops->restore_session)
    return NULL;
  return ops;
}

static void persist_cluster(sio_socket_t *sock, const sio_adapter_ops_t *ops) {
  const char *inl[16], **rooms = inl;
  size_t nrooms = sio_socket_rooms_count(sock);
  if (nrooms > 16 && !(rooms = sio__malloc(nrooms * sizeof(*rooms)))) return;
  for (size_t i = 0; i < nrooms; i++) rooms[i] = sio_socket_room(sock, i);
  sio_adapter_session_t sess = {sock->id, sock->rec->pid, rooms, nrooms,
                                sio_socket_shared_data(sock)};
  int rc = ops->persist_session(sock->nsp->adapter, &sess);
  if (rc) SIO_LOGD("sio: session of %s not kept (%s)", sock->id, sio_err_name(rc));
  if (rooms != inl) sio__free(rooms);
}

static saved_t *saved_new(const char *sid, const char *pid, const char *const *rooms,
                          size_t nrooms, const sio__kv_t *kv, size_t nkv) {
  size_t bytes = sizeof(saved_t);
  if (strlen(sid) >= sizeof(((saved_t *)0)->sid) ||
      strlen(pid) >= sizeof(((saved_t *)0)->pid))
    return NULL;
  saved_t *sv = sio__calloc(1, sizeof(*sv));
  if (!sv) return NULL;
  memcpy(sv->sid, sid, strlen(sid) + 1);
  memcpy(sv->pid, pid, strlen(pid) + 1);
  if (nrooms && !(sv->rooms = sio__calloc(nrooms, sizeof(*sv->rooms)))) goto oom;
  for (; sv->nrooms < nrooms; sv->nrooms++) {
    const char *name = rooms[sv->nrooms];
    if (!(sv->rooms[sv->nrooms] = sio__strdup(name))) goto oom;
    bytes += strlen(name) + 1 + sizeof(char *);
  }
  if (nkv && !(sv->kv = sio__calloc(nkv, sizeof(*sv->kv)))) goto oom;
  for (; sv->nkv < nkv; sv->nkv++) {
    const sio__kv_t *src = &kv[sv->nkv];
    sio__kv_t *dst = &sv->kv[sv->nkv];
    dst->key = sio__strdup(src->key);
    dst->val = sio__malloc(src->len + 1);
    if (!dst->key || !dst->val) {
      sio__free(dst->key);
      sio__free(dst->val);
      goto oom;
    }
    memcpy(dst->val, src->val, src->len + 1);
    dst->len = src->len;
    bytes += sizeof(*dst) + strlen(src->key) + 1 + src->len + 1;
  }
  sv->bytes = bytes;
  return sv;
oom:
  for (size_t i = 0; i < sv->nrooms; i++) sio__free(sv->rooms[i]);
  sio__free(sv->rooms);
  for (size_t i = 0; i < sv->nkv; i++) {
    sio__free(sv->kv[i].key);
    sio__free(sv->kv[i].val);
  }
  sio__free(sv->kv);
  sio__free(sv);
  return NULL;
}

void sio__recovery_save(sio_namespace_t *nsp, const char *sid, const char *pid,
                        const char *const *rooms, size_t nrooms, const sio__kv_t *kv,
                        size_t nkv) {
  sio_server_t *s = nsp->srv;
  const sio_adapter_ops_t *ops = sio__recovery_cluster(nsp);
  if (ops) {
    const char *data = NULL;
    for (size_t i = 0; i < nkv; i++)
      if (strcmp(kv[i].key, SIO__SHARED_DATA_KEY) == 0) data = kv[i].val;
    sio_adapter_session_t sess = {sid, pid, rooms, nrooms, data};
    int rc = ops->persist_session(nsp->adapter, &sess);
    if (rc) SIO_LOGD("sio: session of %s not kept (%s)", sid, sio_err_name(rc));
    return;
  }
  store_t *st = store_of(nsp);
  if (!st) return;
  expire(st);
  saved_t *sv = saved_new(sid, pid, rooms, nrooms, kv, nkv);
  if (!sv) return;
  /* Sessions never push packets out: one that does not fit is not kept. */
  if (s->recovery_bytes + sv->bytes > s->recovery_max_bytes ||
      sio__map_put(&st->sessions, sv->pid, strlen(sv->pid), sv, NULL)) {
    SIO_LOGD("sio: session of %s not kept (recovery bound)", sid);
    s->recovery_bytes += sv->bytes; /* saved_free takes it back */
    saved_free(st, sv);
    return;
  }
  s->recovery_bytes += sv->bytes;
  sv->at = now_ms(s);
  sv->prev = st->stail;
  if (st->stail)
    st->stail->next = sv;
  else
    st->shead = sv;
  st->stail = sv;
  arm(st);
}

void sio__recovery_persist(sio_socket_t *sock, const char *reason) {
  sio_server_t *s = sock->nsp->srv;
  if (!s->recovery_ms || !sock->rec || !recoverable(reason)) return;
  /* An auto server keeps packets in their JSON form (sio_local.c): a
   * msgpack session could not be replayed them. */
  if (s->parser_auto && sock->session->parser_ix != SIO__PARSER_JSON) return;
  const sio_adapter_ops_t *ops = sio__recovery_cluster(sock->nsp);
  if (ops) {
    persist_cluster(sock, ops);
    return;
  }
  const char *inl[16], **rooms = inl;
  size_t nrooms = sio_socket_rooms_count(sock);
  if (nrooms > 16 && !(rooms = sio__malloc(nrooms * sizeof(*rooms)))) return;
  for (size_t i = 0; i < nrooms; i++) rooms[i] = sio_socket_room(sock, i);
  /* Workers: the store is worker 0's. */
  if (s->worker)
    sio__group_recovery_save(sock->nsp, sock->id, sock->rec->pid, rooms, nrooms, sock->kv,
                             sock->nkv);
  else
    sio__recovery_save(sock->nsp, sock->id, sock->rec->pid, rooms, nrooms, sock->kv,
                       sock->nkv);
  if (rooms != inl) sio__free(rooms);
}

/* ---- restoring ---- */

void sio__restored_free(sio__restored_t *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nrooms; i++) sio__free(r->rooms[i]);
  sio__free(r->rooms);
  for (size_t i = 0; i < r->nmissed; i++) sio__packet_out_free(&r->missed[i]);
  sio__free(r->missed);
  sio__free(r);
}

static sio__packet_out_t *missed_slot(sio__restored_t *r) {
  if (r->nmissed == r->mcap) {
    size_t ncap = r->mcap ? r->mcap * 2 : 8;
    sio__packet_out_t *nm = sio__realloc(r->missed, ncap * sizeof(*nm));
    if (!nm) return NULL;
    r->missed = nm;
    r->mcap = ncap;
  }
  return &r->missed[r->nmissed];
}

static int has_name(char *const *names, size_t n, const char *room) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], room) == 0) return 1;
  return 0;
}

/* Node's rule: the packet went to every socket, or to one of the session's
 * rooms, and excluded none of them. */
static int selects(const kept_t *k, char *const *rooms, size_t nrooms) {
  int in = k->nrooms == 0;
  for (size_t i = 0; i < nrooms; i++) {
    if (has_name(k->names + k->nrooms, k->nexcept, rooms[i])) return 0;
    if (!in && has_name(k->names, k->nrooms, rooms[i])) in = 1;
  }
  return in;
}

sio__restored_t *sio__recovery_take(sio_namespace_t *nsp, const char *pid,
                                    const char *offset, char sid[21], char pid_out[21],
                                    sio__kv_t **kv, size_t *nkv) {
  store_t *st = nsp->store;
  if (!st) return NULL;
  expire(st);
  saved_t *sv = sio__map_get(&st->sessions, pid, strlen(pid));
  if (!sv) return NULL;
  kept_t *k = st->head;
  while (k && strcmp(k->offset, offset) != 0) k = k->next;
  if (!k) return NULL; /* too old: the session stays until it expires */
  sio__restored_t *r = sio__calloc(1, sizeof(*r));
  if (!r) return NULL;
  for (k = k->next; k; k = k->next) {
    if (!selects(k, sv->rooms, sv->nrooms)) continue;
    sio__packet_out_t *slot = missed_slot(r);
    if (!slot || out_share(slot, &k->out)) {
      sio__restored_free(r);
      return NULL;
    }
    r->nmissed++;
  }
  saved_unlink(st, sv);
  /* Everything moves to the caller. */
  nsp->srv->recovery_bytes -= sv->bytes;
  r->rooms = sv->rooms;
  r->nrooms = sv->nrooms;
  memcpy(sid, sv->sid, sizeof(sv->sid));
  memcpy(pid_out, sv->pid, sizeof(sv->pid));
  *kv = sv->kv;
  *nkv = sv->nkv;
  sio__free(sv);
  return r;
}

/* The in-memory lookup: 1 and the socket restored when pid and offset are
 * kept. */
static int restore_local(sio_socket_t *sock, const char *pid, const char *offset) {
  sio__kv_t *kv;
  size_t nkv;
  sio__restored_t *r =
      sio__recovery_take(sock->nsp, pid, offset, sock->id, sock->rec->pid, &kv, &nkv);
  if (!r) return 0;
  sock->kv = kv;
  sock->nkv = (uint32_t)nkv;
  sock->rec->restored = r;
  sock->rec->recovered = 1;
  return 1;
}

struct sio_adapter_restore {
  sio_socket_t *sock; /* a reference; NULL: relayed for a sibling */
  sio_namespace_t *nsp;
  sio__restored_t *r;
  int failed;
  sio__recovery_relay_cb relay; /* with its argument, when sock is NULL */
  void *relay_arg;
};

/* Reads auth's "pid" and "offset" strings into the buffers; 1 if both are
 * there and fit. */
static int auth_ids(const sio_socket_t *sock, char *pid, size_t pcap, char *off,
                    size_t ocap) {
  sio__json_val_t obj, v;
  sio_buf_t auth = sio__socket_auth(sock);
  if (sio__json_parse((const char *)auth.base, auth.len, 0, &obj) ||
      obj.type != SIO_JSON_OBJECT)
    return 0;
  if (sio__json_object_get(&obj, "pid", 3, &v) != 1 || v.type != SIO_JSON_STRING ||
      sio__json_string_copy(&v, pid, pcap, NULL))
    return 0;
  if (sio__json_object_get(&obj, "offset", 6, &v) != 1 || v.type != SIO_JSON_STRING ||
      sio__json_string_copy(&v, off, ocap, NULL))
    return 0;
  return pid[0] && off[0];
}

int sio__recovery_restore(sio_socket_t *sock) {
  sio_server_t *s = sock->nsp->srv;
  if (!s->recovery_ms || !sock->rec) return 0;
  char pid[64], offset[SIO_OFFSET_MAX + 1];
  if (!auth_ids(sock, pid, sizeof(pid), offset, sizeof(offset))) return 0;
  const sio_adapter_ops_t *ops = sio__recovery_cluster(sock->nsp);
  if (!ops && !s->worker) {
    if (restore_local(sock, pid, offset)) SIO_LOGD("sio: session %s recovered", sock->id);
    return 0;
  }
  sio_adapter_restore_t *req = sio__calloc(1, sizeof(*req));
  if (!req || !(req->r = sio__calloc(1, sizeof(*req->r)))) {
    sio__free(req);
    return 0;
  }
  req->sock = sio_socket_ref(sock);
  req->nsp = sock->nsp;
  /* Workers: the store is worker 0's, asked by a posted job. */
  if (ops ? ops->restore_session(sock->nsp->adapter, pid, offset, req)
          : sio__group_recovery_restore(sock->nsp, pid, offset, req)) {
    sio__restored_free(req->r);
    sio_socket_unref(req->sock);
    sio__free(req);
    return 0;
  }
  return 1;
}

int sio_adapter_restore_add(sio_adapter_restore_t *req, const sio_adapter_packet_t *pkt) {
  if (!req || !pkt || !pkt->event ||
      sio__sio_name_reserved(pkt->event, strlen(pkt->event)))
    return SIO_EINVAL;
  if (req->failed) return SIO_ENOMEM;
  sio_namespace_t *nsp = req->nsp;
  sio_args_t tmp;
  memset(&tmp, 0, sizeof(tmp));
  sio__packet_out_t *slot = missed_slot(req->r);
  int rc = slot ? sio__args_set_wire(&tmp, pkt->json, pkt->json_len, pkt->attachments,
                                     pkt->nattachments)
                : SIO_ENOMEM;
  if (rc == 0) rc = sio__server_encode(nsp->srv, slot, nsp->name, pkt->event, -1, &tmp);
  sio_args_clear(&tmp);
  sio__sb_reset(&tmp.sb);
  sio__free(tmp.att);
  if (rc == 0)
    req->r->nmissed++;
  else if (rc == SIO_ENOMEM)
    req->failed = 1;
  return rc;
}

int sio__recovery_restore_relay(sio_namespace_t *nsp, const char *pid, const char *offset,
                                sio__recovery_relay_cb cb, void *arg) {
  const sio_adapter_ops_t *ops = sio__recovery_cluster(nsp);
  if (!ops) return SIO_EINVAL;
  sio_adapter_restore_t *req = sio__calloc(1, sizeof(*req));
  if (!req || !(req->r = sio__calloc(1, sizeof(*req->r)))) {
    sio__free(req);
    return SIO_ENOMEM;
  }
  req->nsp = nsp;
  req->relay = cb;
  req->relay_arg = arg;
  int rc = ops->restore_session(nsp->adapter, pid, offset, req);
  if (rc) {
    sio__restored_free(req->r);
    sio__free(req);
  }
  return rc;
}

void sio_adapter_restore_done(sio_adapter_restore_t *req,
                              const sio_adapter_session_t *session) {
  if (!req) return;
  if (!req->sock) {
    req->relay(req->relay_arg, req->failed ? NULL : session, req->r);
    sio__restored_free(req->r);
    sio__free(req);
    return;
  }
  sio_socket_t *sock = req->sock;
  sio__restored_t *r = req->r;
  int ok = session && !req->failed && session->sid && session->pid &&
           strlen(session->sid) < sizeof(sock->id) &&
           strlen(session->pid) < sizeof(sock->rec->pid) &&
           (session->nrooms == 0 || session->rooms);
  if (ok && session->nrooms && !(r->rooms = sio__calloc(session->nrooms, sizeof(char *))))
    ok = 0;
  for (; ok && r->nrooms < session->nrooms; r->nrooms++)
    if (!session->rooms[r->nrooms] ||
        !(r->rooms[r->nrooms] = sio__strdup(session->rooms[r->nrooms])))
      ok = 0;
  if (sock->state == SIO__SOCK_CONNECTING) {
    if (ok) {
      memcpy(sock->id, session->sid, strlen(session->sid) + 1);
      memcpy(sock->rec->pid, session->pid, strlen(session->pid) + 1);
      if (session->data_json) sio_socket_set_shared_data(sock, session->data_json);
      sock->rec->restored = r;
      sock->rec->recovered = 1;
      r = NULL;
    }
    sio__namespace_connect(sock);
  }
  sio__restored_free(r);
  sio_socket_unref(sock);
  sio__free(req);
}

sio__restored_t *sio__recovery_req_restored(sio_adapter_restore_t *req) {
  return req->r;
}

void sio__recovery_restore_finish(sio_adapter_restore_t *req, const char *sid,
                                  const char *pid, char **rooms, size_t nrooms,
                                  sio__kv_t *kv, size_t nkv) {
  sio_socket_t *sock = req->sock;
  sio__restored_t *r = req->r;
  r->rooms = rooms;
  r->nrooms = nrooms;
  int ok = sid && pid && strlen(sid) < sizeof(sock->id) &&
           strlen(pid) < sizeof(sock->rec->pid) && !sock->kv;
  if (sock->state == SIO__SOCK_CONNECTING && !sock->nsp->srv->closing) {
    if (ok) {
      memcpy(sock->id, sid, strlen(sid) + 1);
      memcpy(sock->rec->pid, pid, strlen(pid) + 1);
      sock->kv = kv;
      sock->nkv = (uint32_t)nkv;
      kv = NULL;
      nkv = 0;
      sock->rec->restored = r;
      sock->rec->recovered = 1;
      r = NULL;
    }
    sio__namespace_connect(sock);
  }
  for (size_t i = 0; i < nkv; i++) {
    sio__free(kv[i].key);
    sio__free(kv[i].val);
  }
  sio__free(kv);
  sio__restored_free(r);
  sio_socket_unref(sock);
  sio__free(req);
}

int sio_server_recovery_enabled(const sio_server_t *s, uint32_t *max_ms) {
  if (max_ms) *max_ms = s ? s->recovery_ms : 0;
  return s && s->recovery_ms;
}
