/* Client namespace sockets: CONNECT with auth, events to handlers, emits
 * (buffered while offline), acks both ways with timeouts. Every ack
 * callback runs exactly once: the reply, SIO_ETIMEDOUT, or SIO_ECANCELED. */
#include <string.h>

#include "client/client_internal.h"
#include "core/alloc.h"
#include "core/log.h"

sio_client_socket_t *sio_client_socket(sio_client_t *c, const char *nsp) {
  if (!c || !nsp || nsp[0] != '/' || strchr(nsp, ',')) return NULL;
  sio_client_socket_t **pp = &c->socks;
  for (; *pp; pp = &(*pp)->next)
    if (strcmp((*pp)->nsp, nsp) == 0) return *pp;
  sio_client_socket_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return NULL;
  s->nsp = sio__strdup(nsp);
  if (!s->nsp) {
    sio__free(s);
    return NULL;
  }
  s->c = c;
  *pp = s;
  return s;
}

sio_client_t *sio_client_socket_client(const sio_client_socket_t *s) {
  return s->c;
}
const char *sio_client_socket_nsp(const sio_client_socket_t *s) {
  return s->nsp;
}
int sio_client_socket_connected(const sio_client_socket_t *s) {
  return s->state == CS_CONNECTED;
}
const char *sio_client_socket_id(const sio_client_socket_t *s) {
  return s->state == CS_CONNECTED ? s->id : NULL;
}
int sio_client_socket_recovered(const sio_client_socket_t *s) {
  return s->state == CS_CONNECTED && s->recovered;
}
void sio_client_socket_set_data(sio_client_socket_t *s, void *data) {
  s->data = data;
}
void *sio_client_socket_get_data(const sio_client_socket_t *s) {
  return s->data;
}

static void pending_free(sio__cpending_t *p) {
  sio__rbuf_unref(p->msg);
  for (size_t i = 0; i < p->natt; i++) sio__rbuf_unref(p->att[i].owner);
  sio__free(p->att);
}

static void clear_buffer(sio_client_socket_t *s) {
  for (size_t i = 0; i < s->nbuf; i++) pending_free(&s->buf[i]);
  s->nbuf = 0;
}

/* Encodes a packet of the socket with the client's parser into a plain
 * builder (the session masks and frames each message itself: no headroom). */
static int encode(sio_client_socket_t *s, sio__packet_desc_t *d, sio__packet_buf_t *b) {
  d->nsp = s->nsp;
  return s->c->parser->encode(d, 0, b);
}

/* Sends an encoded packet now; the builder is emptied. */
static int send_now(sio_client_socket_t *s, sio__packet_buf_t *b,
                    const sio_args_t *args) {
  int rc =
      sio__client_manager_send(s->c, b->binary, sio__sb_data(&b->sb), sio__sb_len(&b->sb),
                               b->natt ? args->att : NULL, b->natt);
  sio__sb_reset(&b->sb);
  return rc;
}

static int send_pending(sio_client_socket_t *s, const sio__cpending_t *p) {
  return sio__client_manager_send(s->c, p->binary, p->msg->data, p->msg->len, p->att,
                                  p->natt);
}

/* Keeps an encoded packet until the socket connects; the builder is
 * emptied. */
static int buffer(sio_client_socket_t *s, sio__packet_buf_t *b, const sio_args_t *args) {
  sio__cpending_t p = {NULL, b->binary, NULL, b->natt};
  if (p.natt && !(p.att = sio__calloc(p.natt, sizeof(*p.att)))) {
    sio__sb_reset(&b->sb);
    return SIO_ENOMEM;
  }
  p.msg = sio__sb_finish(&b->sb);
  if (!p.msg) {
    sio__free(p.att);
    return SIO_ENOMEM;
  }
  for (size_t i = 0; i < p.natt; i++) {
    p.att[i] = args->att[i];
    sio__rbuf_ref(p.att[i].owner);
  }
  if (s->nbuf == s->bufcap) {
    size_t ncap = s->bufcap ? s->bufcap * 2 : 8;
    sio__cpending_t *nb = sio__realloc(s->buf, ncap * sizeof(*nb));
    if (!nb) {
      pending_free(&p);
      return SIO_ENOMEM;
    }
    s->buf = nb;
    s->bufcap = ncap;
  }
  s->buf[s->nbuf++] = p;
  return 0;
}

static void clear_early(sio_client_socket_t *s) {
  for (size_t i = 0; i < s->nearly; i++) sio__stored_free(s->early[i]);
  s->nearly = 0;
}

void sio__client_socket_free(sio_client_socket_t *s) {
  sio__client_socket_fail_acks(s, SIO_ECANCELED);
  clear_buffer(s);
  clear_early(s);
  sio__free(s->early);
  sio__free(s->buf);
  for (size_t i = 0; i < s->nh; i++) sio__free(s->h[i].event);
  sio__free(s->h);
  sio__free(s->auth_json);
  sio__free(s->nsp);
  sio__free(s);
}

/* ---- auth and connect ---- */

int sio_client_socket_set_auth(sio_client_socket_t *s, const char *json) {
  if (!json) {
    sio__free(s->auth_json);
    s->auth_json = NULL;
    return 0;
  }
  sio__json_val_t v;
  if (sio__json_parse(json, strlen(json), 0, &v) != 0 || v.type != SIO_JSON_OBJECT)
    return SIO_EINVAL;
  char *copy = sio__strndup(v.p, v.len);
  if (!copy) return SIO_ENOMEM;
  sio__free(s->auth_json);
  s->auth_json = copy;
  return 0;
}

void sio_client_socket_set_auth_cb(sio_client_socket_t *s, sio_client_auth_cb cb,
                                   void *arg) {
  s->auth_cb = cb;
  s->auth_arg = arg;
}

/* The CONNECT payload of a recovery: {"pid":..,"offset":..} merged in front
 * of auth (whose own keys win, as the reference's Object.assign). */
static void recovery_auth(const sio_client_socket_t *s, sio__sb_t *sb, const char *auth,
                          size_t alen) {
  sio__sb_puts(sb, "{\"pid\":");
  sio__json_write_string(sb, s->pid, strlen(s->pid));
  if (s->offset[0]) {
    sio__sb_puts(sb, ",\"offset\":");
    sio__json_write_string(sb, s->offset, strlen(s->offset));
  }
  /* auth is a compact or spaced object: its members follow ours. */
  size_t i = 1;
  while (auth && i < alen &&
         (auth[i] == ' ' || auth[i] == '\t' || auth[i] == '\n' || auth[i] == '\r'))
    i++;
  if (auth && alen > 2 && i < alen && auth[i] != '}') {
    sio__sb_putc(sb, ',');
    sio__sb_append(sb, auth + i, alen - i);
  } else {
    sio__sb_putc(sb, '}');
  }
}

void sio__client_socket_send_connect(sio_client_socket_t *s) {
  sio_args_t *a = NULL;
  const char *auth = s->auth_json;
  size_t alen = auth ? strlen(auth) : 0;
  sio__sb_t rec;
  sio__sb_init(&rec, 0);
  if (s->auth_cb && (a = sio_args_new())) {
    s->auth_cb(s, a, s->auth_arg);
    const char *t = (const char *)sio__sb_data(&a->sb);
    if (!a->err && a->count == 1 && a->natt == 0 && t && t[0] == '{') {
      auth = t;
      alen = sio__sb_len(&a->sb);
    } else {
      if (a->count) SIO_LOGW("client: the auth callback must add one JSON object");
      auth = NULL;
      alen = 0;
    }
  }
  if (s->c->state != CM_OPEN) { /* the auth callback closed the client */
    sio_args_free(a);
    return;
  }
  if (s->pid[0]) {
    recovery_auth(s, &rec, auth, alen);
    if (!rec.err) {
      auth = (const char *)sio__sb_data(&rec);
      alen = sio__sb_len(&rec);
    }
  }
  clear_early(s);
  sio__packet_desc_t d = {SIO_SIO_CONNECT, -1, NULL, NULL, NULL, auth, alen};
  sio__packet_buf_t b;
  int rc = encode(s, &d, &b);
  if (rc == 0) rc = send_now(s, &b, NULL);
  sio_args_free(a);
  sio__sb_reset(&rec);
  if (rc == 0) s->state = CS_CONNECTING;
}

int sio_client_socket_connect(sio_client_socket_t *s) {
  if (s->c->closing) return SIO_ECLOSED;
  if (s->want && s->state != CS_IDLE) return 0;
  s->want = 1;
  if (s->c->state == CM_OPEN)
    sio__client_socket_send_connect(s);
  else
    sio__client_manager_ensure_open(s->c);
  return 0;
}

/* ---- acks ---- */

static void ack_finish(sio__cack_t *a, int status, const sio_argv_t *reply) {
  sio__timer_free(a->timer);
  sio_client_socket_t *s = a->s;
  sio_client_ack_cb cb = a->cb;
  void *arg = a->arg;
  sio__free(a);
  cb(s, status, reply, arg);
}

static sio__cack_t *ack_take(sio_client_socket_t *s, uint64_t id) {
  for (sio__cack_t **pp = &s->acks; *pp; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      sio__cack_t *a = *pp;
      *pp = a->next;
      return a;
    }
  }
  return NULL;
}

void sio__client_socket_fail_acks(sio_client_socket_t *s, int status) {
  /* Only the acks pending now: a callback may emit with an ack again (then
   * buffered for the next connection), and that one must wait its reply. */
  sio__cack_t *list = s->acks;
  s->acks = NULL;
  while (list) {
    sio__cack_t *a = list;
    list = a->next;
    ack_finish(a, status, NULL);
  }
}

static void on_ack_timer(sio__timer_t *t, void *arg) {
  (void)t;
  sio__cack_t *a = arg;
  if (ack_take(a->s, a->id) == a) ack_finish(a, SIO_ETIMEDOUT, NULL);
}

/* ---- emitting ---- */

static int emit(sio_client_socket_t *s, const char *event, const sio_args_t *args,
                int64_t ack_id) {
  if (s->c->closing) return SIO_ECLOSED;
  if (!event || sio__sio_name_reserved(event, strlen(event))) return SIO_EINVAL;
  if (s->state != CS_CONNECTED && (!s->c->o.max_buffered || !s->want))
    return SIO_ENOTCONN;
  if (s->state != CS_CONNECTED && s->nbuf >= s->c->o.max_buffered) return SIO_ELIMIT;
  sio__packet_desc_t d = {SIO_SIO_EVENT, ack_id, NULL, event, args, NULL, 0};
  sio__packet_buf_t b;
  int rc = encode(s, &d, &b);
  if (rc) return rc;
  return s->state == CS_CONNECTED ? send_now(s, &b, args) : buffer(s, &b, args);
}

int sio_client_socket_emit(sio_client_socket_t *s, const char *event,
                           const sio_args_t *args) {
  return emit(s, event, args, -1);
}

int sio_client_socket_emit_with_ack(sio_client_socket_t *s, const char *event,
                                    const sio_args_t *args, uint32_t timeout_ms,
                                    sio_client_ack_cb cb, void *arg) {
  if (!cb) return SIO_EINVAL;
  sio__cack_t *a = sio__calloc(1, sizeof(*a));
  if (!a) return SIO_ENOMEM;
  if (timeout_ms && !(a->timer = sio__timer_new(s->c->loop, on_ack_timer, a))) {
    sio__free(a);
    return SIO_ENOMEM;
  }
  a->id = s->next_ack;
  int rc = emit(s, event, args, (int64_t)a->id);
  if (rc) {
    sio__timer_free(a->timer);
    sio__free(a);
    return rc;
  }
  s->next_ack++;
  a->cb = cb;
  a->arg = arg;
  a->s = s;
  a->next = s->acks;
  s->acks = a;
  if (a->timer) sio__timer_start(a->timer, timeout_ms);
  return 0;
}

/* ---- handlers ---- */

static int add_handler(sio_client_socket_t *s, const char *event,
                       sio_client_socket_event_cb cb, void *arg) {
  if (!cb) return SIO_EINVAL;
  if (s->nh == s->hcap) {
    size_t ncap = s->hcap ? s->hcap * 2 : 8;
    sio__chandler_t *nv = sio__realloc(s->h, ncap * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    s->h = nv;
    s->hcap = ncap;
  }
  char *ev = NULL;
  if (event && !(ev = sio__strdup(event))) return SIO_ENOMEM;
  s->h[s->nh].event = ev;
  s->h[s->nh].cb = cb;
  s->h[s->nh].arg = arg;
  s->nh++;
  return 0;
}

int sio_client_socket_on(sio_client_socket_t *s, const char *event,
                         sio_client_socket_event_cb cb, void *arg) {
  if (!event) return SIO_EINVAL;
  return add_handler(s, event, cb, arg);
}

int sio_client_socket_on_any(sio_client_socket_t *s, sio_client_socket_event_cb cb,
                             void *arg) {
  return add_handler(s, NULL, cb, arg);
}

int sio_client_socket_off(sio_client_socket_t *s, const char *event,
                          sio_client_socket_event_cb cb, void *arg) {
  int n = 0;
  size_t j = 0;
  for (size_t i = 0; i < s->nh; i++) {
    sio__chandler_t *h = &s->h[i];
    if (h->event && event && strcmp(h->event, event) == 0 &&
        (!cb || (h->cb == cb && h->arg == arg))) {
      sio__free(h->event);
      n++;
      continue;
    }
    s->h[j++] = *h;
  }
  s->nh = j;
  return n;
}

void sio_client_socket_on_connect(sio_client_socket_t *s, sio_client_connect_cb cb,
                                  void *arg) {
  s->on_connect = cb;
  s->on_connect_arg = arg;
}
void sio_client_socket_on_connect_error(sio_client_socket_t *s,
                                        sio_client_connect_error_cb cb, void *arg) {
  s->on_connect_error = cb;
  s->on_connect_error_arg = arg;
}
void sio_client_socket_on_disconnect(sio_client_socket_t *s, sio_client_disconnect_cb cb,
                                     void *arg) {
  s->on_disconnect = cb;
  s->on_disconnect_arg = arg;
}

/* ---- acks from the application ---- */

static int ack_send(sio_client_ack_t *ack, const sio_args_t *args) {
  if (ack->done) return SIO_EEXIST;
  ack->done = 1;
  sio_client_socket_t *s = ack->s;
  if (s->state != CS_CONNECTED || s->epoch != ack->epoch) return SIO_ENOTCONN;
  sio__packet_desc_t d = {SIO_SIO_ACK, (int64_t)ack->id, NULL, NULL, args, NULL, 0};
  sio__packet_buf_t b;
  int rc = encode(s, &d, &b);
  return rc ? rc : send_now(s, &b, args);
}

int sio_client_ack_send(sio_client_ack_t *ack, const sio_args_t *args) {
  if (!ack) return SIO_EINVAL;
  int rc = ack_send(ack, args);
  if (ack->held && rc != SIO_EEXIST) sio__free(ack);
  return rc;
}

sio_client_ack_t *sio_client_ack_hold(sio_client_ack_t *ack) {
  if (!ack || ack->held) return ack;
  sio_client_ack_t *h = sio__malloc(sizeof(*h));
  if (!h) return NULL;
  *h = *ack;
  h->held = 1;
  ack->done = 1; /* the stack copy is spent */
  return h;
}

void sio_client_ack_release(sio_client_ack_t *ack) {
  if (ack && ack->held) sio__free(ack);
}

/* ---- incoming ---- */

/* A handler to run for one event. */
typedef struct {
  sio_client_socket_event_cb cb;
  void *arg;
  int any; /* a catch-all */
} run_t;

/* A handler taken for this event is still registered: one removed by an
 * earlier handler does not run (its arg may be gone). */
static int still_registered(const sio_client_socket_t *s, const run_t *r,
                            const char *name) {
  for (size_t i = 0; i < s->nh; i++) {
    const sio__chandler_t *h = &s->h[i];
    if (h->cb != r->cb || h->arg != r->arg) continue;
    if (r->any ? !h->event : (h->event && strcmp(h->event, name) == 0)) return 1;
  }
  return 0;
}

static void dispatch_event(sio_client_socket_t *s, const sio__sio_packet_t *pkt) {
  char inl[128];
  char *name = pkt->name.len + 1 <= sizeof(inl) ? inl : sio__malloc(pkt->name.len + 1);
  if (!name) return;
  sio_argv_t av;
  if (sio__sio_event_name(pkt, name, pkt->name.len + 1, NULL) != 0 ||
      sio__argv_init(&av, pkt) != 0) {
    if (name != inl) sio__free(name);
    return;
  }
  sio_client_ack_t ack = {s, pkt->h.ack_id, s->epoch, 0, 0};
  sio_client_ack_t *ap = pkt->h.has_ack ? &ack : NULL;
  uint32_t epoch = s->epoch;
  /* The handlers present when the event arrived run, each once: a handler
   * may add handlers (they wait for the next event) or remove some (they do
   * not run any more). So they are copied first (no pointer into s->h
   * survives a call) and each is looked up again before it runs. */
  size_t n = 0;
  for (size_t i = 0; i < s->nh; i++)
    if (!s->h[i].event || strcmp(s->h[i].event, name) == 0) n++;
  run_t inl_run[8];
  run_t *run = n <= 8 ? inl_run : sio__malloc(n * sizeof(*run));
  if (!run) {
    SIO_LOGW("client: out of memory, event dropped");
    n = 0;
  }
  /* Catch-alls first, then the named handlers, as the reference does. */
  size_t k = 0;
  for (int pass = 0; pass < 2 && run; pass++) {
    for (size_t i = 0; i < s->nh; i++) {
      const sio__chandler_t *h = &s->h[i];
      if (pass == 0 ? h->event != NULL : (!h->event || strcmp(h->event, name) != 0))
        continue;
      run[k].cb = h->cb;
      run[k].any = pass == 0;
      run[k++].arg = h->arg;
    }
  }
  /* As the reference: a string last argument is the offset of the event,
   * when the server keeps sessions. */
  size_t nargs = sio_argv_count(&av);
  if (s->pid[0] && nargs && sio_argv_type(&av, nargs - 1) == SIO_ARG_STRING) {
    size_t olen;
    const char *off = sio_argv_string(&av, nargs - 1, &olen);
    if (off && olen < sizeof(s->offset) && !memchr(off, 0, olen)) {
      memcpy(s->offset, off, olen);
      s->offset[olen] = 0;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!still_registered(s, &run[i], name)) continue;
    run[i].cb(s, name, &av, ap, run[i].arg);
    if (s->state != CS_CONNECTED || s->epoch != epoch || s->c->closing) break;
  }
  if (run != inl_run) sio__free(run);
  sio__argv_clear(&av);
  if (name != inl) sio__free(name);
}

/* An event before the CONNECT reply of a recovery, bounded like the
 * emits buffered offline (sio_client_opts_set_max_buffered). */
static void keep_early(sio_client_socket_t *s, const sio__sio_packet_t *pkt) {
  if (s->nearly >= s->c->o.max_buffered) return;
  if (s->nearly == s->earlycap) {
    size_t ncap = s->earlycap ? s->earlycap * 2 : 8;
    sio__stored_t **ne = sio__realloc(s->early, ncap * sizeof(*ne));
    if (!ne) return;
    s->early = ne;
    s->earlycap = ncap;
  }
  sio__stored_t *st = sio__stored_new(pkt);
  if (st) s->early[s->nearly++] = st;
}

static void on_connect_reply(sio_client_socket_t *s, const sio__sio_packet_t *pkt) {
  sio__json_val_t sid;
  if (s->state != CS_CONNECTING) return;
  if (pkt->payload.type != SIO_JSON_OBJECT ||
      sio__json_object_get(&pkt->payload, "sid", 3, &sid) != 1 ||
      sio__json_string_copy(&sid, s->id, sizeof(s->id), NULL) != 0) {
    s->state = CS_IDLE;
    s->want = 0;
    clear_early(s);
    if (s->on_connect_error)
      s->on_connect_error(s, "invalid CONNECT reply", NULL, s->on_connect_error_arg);
    return;
  }
  /* Recovered when the server kept the private id we sent. */
  sio__json_val_t pid;
  char npid[sizeof(s->pid)] = "";
  if (sio__json_object_get(&pkt->payload, "pid", 3, &pid) != 1 ||
      sio__json_string_copy(&pid, npid, sizeof(npid), NULL) != 0)
    npid[0] = 0;
  s->recovered = npid[0] && strcmp(npid, s->pid) == 0;
  memcpy(s->pid, npid, sizeof(s->pid));
  if (!s->recovered) s->offset[0] = 0;
  s->state = CS_CONNECTED;
  s->epoch++;
  uint32_t epoch = s->epoch;
  /* The events that came before the reply, then the emits made while
   * offline, in order (the reference's order). */
  size_t ne = s->nearly;
  for (size_t i = 0; i < ne && s->state == CS_CONNECTED && s->epoch == epoch; i++)
    if (s->recovered) dispatch_event(s, &s->early[i]->pkt);
  clear_early(s);
  if (s->state != CS_CONNECTED || s->epoch != epoch) return;
  size_t n = s->nbuf;
  for (size_t i = 0; i < n && s->state == CS_CONNECTED; i++) send_pending(s, &s->buf[i]);
  clear_buffer(s);
  if (s->on_connect && s->epoch == epoch) s->on_connect(s, s->on_connect_arg);
}

static void on_connect_error(sio_client_socket_t *s, const sio__sio_packet_t *pkt) {
  char msg[256] = "";
  char *data = NULL;
  sio__json_val_t v;
  if (pkt->payload.type == SIO_JSON_STRING) {
    if (sio__json_string_copy(&pkt->payload, msg, sizeof(msg), NULL) != 0) msg[0] = 0;
  } else if (pkt->payload.type == SIO_JSON_OBJECT) {
    if (sio__json_object_get(&pkt->payload, "message", 7, &v) == 1 &&
        sio__json_string_copy(&v, msg, sizeof(msg), NULL) != 0)
      msg[0] = 0;
    if (sio__json_object_get(&pkt->payload, "data", 4, &v) == 1)
      data = sio__strndup(v.p, v.len);
  }
  s->state = CS_IDLE;
  s->want = 0; /* a refusal is final until the user connects again */
  clear_buffer(s);
  if (s->on_connect_error) s->on_connect_error(s, msg, data, s->on_connect_error_arg);
  sio__free(data);
  sio__client_manager_maybe_close(s->c);
}

static void went_away(sio_client_socket_t *s, const char *reason) {
  s->state = CS_IDLE;
  s->epoch++;
  sio__client_socket_fail_acks(s, SIO_ECANCELED);
  if (s->on_disconnect) s->on_disconnect(s, reason, s->on_disconnect_arg);
}

void sio__client_socket_on_packet(sio_client_socket_t *s, const sio__sio_packet_t *pkt) {
  switch (pkt->h.type) {
    case SIO_SIO_CONNECT:
      on_connect_reply(s, pkt);
      break;
    case SIO_SIO_CONNECT_ERROR:
      if (s->state == CS_CONNECTING) on_connect_error(s, pkt);
      break;
    case SIO_SIO_DISCONNECT:
      if (s->state == CS_CONNECTED) {
        s->want = 0; /* the server's decision: no reconnection */
        clear_buffer(s);
        went_away(s, "io server disconnect");
        sio__client_manager_maybe_close(s->c);
      }
      break;
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT:
      if (s->state == CS_CONNECTED)
        dispatch_event(s, pkt);
      else if (s->state == CS_CONNECTING && s->pid[0])
        keep_early(s, pkt);
      break;
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK: {
      if (s->state != CS_CONNECTED) break;
      sio__cack_t *a = ack_take(s, pkt->h.ack_id);
      if (!a) break; /* unknown or already answered: ignored */
      sio_argv_t av;
      if (sio__argv_init(&av, pkt) != 0) {
        ack_finish(a, SIO_EPROTO, NULL);
        break;
      }
      ack_finish(a, 0, &av);
      sio__argv_clear(&av);
      break;
    }
    default:
      break;
  }
}

void sio__client_socket_session_lost(sio_client_socket_t *s, const char *reason) {
  if (s->state == CS_CONNECTED)
    went_away(s, reason);
  else if (s->state == CS_CONNECTING)
    s->state = CS_IDLE;
}

void sio__client_socket_open_failed(sio_client_socket_t *s, const char *reason) {
  s->state = CS_IDLE;
  if (s->on_connect_error) s->on_connect_error(s, reason, NULL, s->on_connect_error_arg);
}

void sio_client_socket_disconnect(sio_client_socket_t *s) {
  if (!s->want && s->state == CS_IDLE) return;
  int was = s->state;
  s->want = 0;
  clear_buffer(s);
  if (was != CS_IDLE && s->c->state == CM_OPEN) {
    sio__packet_desc_t d = {SIO_SIO_DISCONNECT, -1, NULL, NULL, NULL, NULL, 0};
    sio__packet_buf_t b;
    if (encode(s, &d, &b) == 0) send_now(s, &b, NULL);
  }
  s->state = CS_IDLE;
  if (was == CS_CONNECTED)
    went_away(s, "io client disconnect");
  else
    sio__client_socket_fail_acks(s, SIO_ECANCELED);
  sio__client_manager_maybe_close(s->c);
}
