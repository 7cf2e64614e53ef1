/* libsio-redis: one hiredis connection of a conn (subscriber or publisher):
 * connect, AUTH / SELECT, resubscribe, detect loss, back off, reconnect.
 * See redis_conn_internal.h for the lifetime rules this file keeps. */
#include <stdio.h>
#include <string.h>

#include "redis/redis_conn_internal.h"
#include "sio/common.h"

/* Handshake steps, in order; each one is skipped when not needed, and PING
 * is sent only when neither AUTH nor SELECT is, so that readiness always
 * comes from a reply callback and never from inside the connect callback. */
enum { STEP_AUTH, STEP_SELECT, STEP_PING, STEP_DONE };
static const char *const k_step_names[] = {"AUTH", "SELECT", "PING"};

static void timer_cb(void *link);

static void set_reason(sio__redis_link_t *l, const char *reason) {
  snprintf(l->reason, sizeof(l->reason), "%s",
           reason && *reason ? reason : "unknown error");
}

static void retry_later(sio__redis_link_t *l) {
  sio__redis_conn_t *c = l->conn;
  uint32_t delay = sio__redis_conn_backoff(c, l->attempt);
  if (l->attempt < 32) l->attempt++;
  l->phase = SIO__LINK_WAIT;
  sio__redis_timer_start(l->timer, timer_cb, delay, 0);
}

static void log_connect_failure(sio__redis_link_t *l, const char *reason) {
  char what[256];
  snprintf(what, sizeof(what), "cannot connect %s to %s", l->role, l->conn->addr);
  sio__redis_conn_log_failure(l, what, reason);
}

void sio__redis_link_init(sio__redis_conn_t *c, sio__redis_link_t *l, int is_sub,
                          sio__redis_timer_t *timer) {
  memset(l, 0, sizeof(*l));
  l->conn = c;
  l->is_sub = is_sub;
  l->role = is_sub ? "subscriber" : "publisher";
  l->phase = SIO__LINK_WAIT;
  l->timer = timer;
  c->handles++;
}

/* ---- readiness ---- */

static void become_ready(sio__redis_link_t *l) {
  l->phase = SIO__LINK_READY;
  l->ready_at = sio__redis_now(l->conn->loop);
  sio__redis_timer_stop(l->timer);
  sio__redis_conn_link_ready(l); /* may run user callbacks, even close */
}

static int send_sub(sio__redis_link_t *l, const sio__redis_sub_t *s, int on);

/* Subscriber after its handshake: send every registered subscription and
 * wait for Redis to confirm them all before calling the link ready. */
static void start_renew(sio__redis_link_t *l) {
  const sio__redis_sub_t *s;
  l->phase = SIO__LINK_RENEW;
  l->confirms = 0;
  for (s = l->conn->subs; s; s = s->next) {
    if (send_sub(l, s, 1) != 0) {
      sio__redis_link_fail(l, "cannot queue SUBSCRIBE");
      return;
    }
  }
  if (l->confirms == 0) become_ready(l);
}

/* ---- subscriber replies ---- */

static int is_str(const redisReply *r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

static int kind_is(const redisReply *k, const char *lit) {
  size_t n = strlen(lit);
  return k->len == n && memcmp(k->str, lit, n) == 0;
}

static void sub_reply_cb(redisAsyncContext *ac, void *r, void *priv) {
  sio__redis_link_t *l = ac->data;
  sio__redis_conn_t *c = l->conn;
  redisReply *reply = r, *k;
  (void)priv;
  if (!reply || c->closing) return; /* NULL: the context is going away */
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
      !is_str(reply->element[0]))
    goto bad;
  k = reply->element[0];
  if (kind_is(k, "message") && reply->elements == 3 && is_str(reply->element[1]) &&
      is_str(reply->element[2])) {
    const redisReply *ch = reply->element[1], *data = reply->element[2];
    if (c->on_msg) {
      sio__redis_conn_ref(c);
      c->on_msg(c->arg, NULL, ch->str, ch->len, data->str, data->len);
      sio__redis_conn_unref(c);
    }
    return;
  }
  if (kind_is(k, "pmessage") && reply->elements == 4 && is_str(reply->element[1]) &&
      is_str(reply->element[2]) && is_str(reply->element[3])) {
    const redisReply *pat = reply->element[1], *ch = reply->element[2],
                     *data = reply->element[3];
    if (c->on_msg) {
      sio__redis_conn_ref(c);
      c->on_msg(c->arg, pat->str, ch->str, ch->len, data->str, data->len);
      sio__redis_conn_unref(c);
    }
    return;
  }
  if (kind_is(k, "subscribe") || kind_is(k, "psubscribe")) {
    if (l->confirms > 0) l->confirms--;
    if (l->phase == SIO__LINK_RENEW && l->confirms == 0) become_ready(l);
    return;
  }
  if (kind_is(k, "unsubscribe") || kind_is(k, "punsubscribe")) return;
bad:
  /* Never a crash; one line per connection is enough to notice. */
  if (!l->bad_logged) {
    sio_log(SIO_LOG_WARN,
            "redis[%s]: unexpected reply on the subscriber connection (type %d); dropped",
            c->name, reply->type);
    l->bad_logged = 1;
  }
}

/* (P)(UN)SUBSCRIBE name; 0 or -1 (could not queue it). */
static int send_sub(sio__redis_link_t *l, const sio__redis_sub_t *s, int on) {
  static const char *const cmds[2][2] = {{"UNSUBSCRIBE", "PUNSUBSCRIBE"},
                                         {"SUBSCRIBE", "PSUBSCRIBE"}};
  const char *argv[2];
  size_t lens[2];
  argv[0] = cmds[on][s->pattern];
  lens[0] = strlen(argv[0]);
  argv[1] = s->name;
  lens[1] = s->len;
  /* hiredis routes the confirmations and messages of this name to the
   * callback given with SUBSCRIBE; UNSUBSCRIBE takes none. */
  if (redisAsyncCommandArgv(l->ac, on ? sub_reply_cb : NULL, NULL, 2, argv, lens) !=
      REDIS_OK)
    return -1;
  if (on) l->confirms++;
  return 0;
}

void sio__redis_link_sub_send(sio__redis_link_t *l, const sio__redis_sub_t *s, int on) {
  if (!l->ac || l->freeing) return;
  if (l->phase != SIO__LINK_RENEW && l->phase != SIO__LINK_READY)
    return; /* renewal sends it */
  /* A refused UNSUBSCRIBE (hiredis: nothing subscribed) is harmless. */
  if (send_sub(l, s, on) != 0 && on) sio__redis_link_fail(l, "cannot queue SUBSCRIBE");
}

/* ---- handshake ---- */

static int next_step(const sio__redis_link_t *l, int from) {
  const sio__redis_url_t *u = &l->conn->url;
  for (; from < STEP_DONE; from++) {
    if (from == STEP_AUTH && u->password) return from;
    if (from == STEP_SELECT && u->db != 0) return from;
    if (from == STEP_PING && !u->password && u->db == 0) return from;
  }
  return STEP_DONE;
}

static void hs_reply_cb(redisAsyncContext *ac, void *r, void *priv);

static void send_step(sio__redis_link_t *l, int step) {
  const sio__redis_url_t *u = &l->conn->url;
  const char *argv[3];
  size_t lens[3];
  int argc = 0, i;
  char db[16];
  if (step == STEP_DONE) {
    if (l->is_sub)
      start_renew(l);
    else
      become_ready(l);
    return;
  }
  argv[argc++] = k_step_names[step];
  if (step == STEP_AUTH) {
    if (u->user) argv[argc++] = u->user;
    argv[argc++] = u->password;
  } else if (step == STEP_SELECT) {
    snprintf(db, sizeof(db), "%d", u->db);
    argv[argc++] = db;
  }
  for (i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
  l->hs_step = step;
  if (redisAsyncCommandArgv(l->ac, hs_reply_cb, (void *)(uintptr_t)step, argc, argv,
                            lens) != REDIS_OK) {
    char why[64];
    snprintf(why, sizeof(why), "cannot queue %s", k_step_names[step]);
    sio__redis_link_fail(l, why);
  }
}

static void hs_reply_cb(redisAsyncContext *ac, void *r, void *priv) {
  sio__redis_link_t *l = ac->data;
  redisReply *reply = r;
  int step = (int)(uintptr_t)priv;
  /* hiredis 0.14 may hand a stale callback a later reply: check we are in
   * the handshake and this is the step we wait for. */
  if (!reply || l->conn->closing || l->phase != SIO__LINK_HANDSHAKE || step != l->hs_step)
    return;
  if (reply->type == REDIS_REPLY_ERROR) {
    char why[sizeof(l->reason)];
    snprintf(why, sizeof(why), "%s failed: %.*s", k_step_names[step],
             reply->len > 120 ? 120 : (int)reply->len, reply->str ? reply->str : "");
    sio__redis_link_fail(l, why);
    return;
  }
  send_step(l, next_step(l, step + 1));
}

/* ---- hiredis connect / disconnect callbacks ---- */

static void on_connect(const redisAsyncContext *cac, int status) {
  sio__redis_link_t *l = cac->data;
  sio__redis_conn_t *c = l->conn;
  if (status != REDIS_OK) {
    /* hiredis frees the context right after this returns. No user callback
     * here: nothing may free anything from inside this callback. */
    l->ac = NULL;
    l->freeing = 0;
    if (c->closing) return; /* (cannot happen: close frees unconnected contexts) */
    log_connect_failure(l, cac->c.errstr[0] ? cac->c.errstr : cac->errstr);
    retry_later(l);
    return;
  }
  l->phase = SIO__LINK_HANDSHAKE;
  l->reason[0] = '\0';
  send_step(l, next_step(l, STEP_AUTH)); /* sends a command: no readiness here */
}

static void on_disconnect(const redisAsyncContext *cac, int status) {
  sio__redis_link_t *l = cac->data;
  sio__redis_conn_t *c = l->conn;
  int was_ready = l->phase == SIO__LINK_READY;
  char reason[sizeof(l->reason)];
  l->ac = NULL; /* hiredis frees it after we return */
  l->freeing = 0;
  sio__redis_conn_ref(c);
  if (c->closing) {
    l->phase = SIO__LINK_IDLE;
    sio__redis_conn_unref(c); /* may free c */
    return;
  }
  if (l->phase == SIO__LINK_FAILING)
    snprintf(reason, sizeof(reason), "%s", l->reason);
  else if (status != REDIS_OK && cac->errstr && cac->errstr[0])
    snprintf(reason, sizeof(reason), "%s", cac->errstr);
  else
    snprintf(reason, sizeof(reason), "connection closed");
  if (was_ready) {
    char what[256];
    snprintf(what, sizeof(what), "%s connection to %s lost", l->role, c->addr);
    sio__redis_conn_log_failure(l, what, reason);
    /* A connection that did not stay up keeps growing the backoff, so a
     * Redis that accepts then drops cannot make us spin. */
    if (sio__redis_now(c->loop) - l->ready_at >= c->backoff_max_ms) l->attempt = 0;
  } else {
    log_connect_failure(l, reason);
  }
  l->reason[0] = '\0';
  retry_later(l);
  sio__redis_conn_link_down(l, was_ready); /* user callbacks */
  sio__redis_conn_unref(c);
}

/* ---- starting, failing, timers ---- */

void sio__redis_link_connect(sio__redis_link_t *l) {
  sio__redis_conn_t *c = l->conn;
  redisAsyncContext *ac;
  if (c->closing) return;
  l->reason[0] = '\0';
  ac = c->url.path ? redisAsyncConnectUnix(c->url.path)
                   : redisAsyncConnect(c->url.host, c->url.port);
  if (!ac) {
    log_connect_failure(l, "out of memory");
    retry_later(l);
    return;
  }
  if (ac->err) {
    char why[sizeof(l->reason)];
    snprintf(why, sizeof(why), "%s", ac->errstr);
    redisAsyncFree(ac);
    log_connect_failure(l, why);
    retry_later(l);
    return;
  }
  ac->data = l;
  if (sio__redis_uv_attach(l, ac) != 0) {
    redisAsyncFree(ac); /* not hooked to the loop: nothing to clean up there */
    log_connect_failure(l, "cannot poll its socket");
    retry_later(l);
    return;
  }
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  l->ac = ac;
  l->freeing = 0;
  l->bad_logged = 0;
  l->phase = SIO__LINK_CONNECTING;
  l->confirms = 0;
  sio__redis_timer_start(l->timer, timer_cb, SIO__REDIS_CONNECT_TIMEOUT_MS, 0);
}

/* Frees the context from outside any hiredis callback. A connected one
 * calls on_disconnect (and its pending callbacks) before this returns. */
static void link_kill(sio__redis_link_t *l) {
  redisAsyncContext *ac = l->ac;
  if (!ac || l->freeing) return;
  if (ac->c.flags & REDIS_CONNECTED) {
    l->freeing = 1;
    redisAsyncFree(ac);
  } else {
    char reason[sizeof(l->reason)];
    snprintf(reason, sizeof(reason), "%s", l->reason);
    l->ac = NULL;
    redisAsyncFree(ac); /* no callback for an unconnected context */
    log_connect_failure(l, reason);
    l->reason[0] = '\0';
    retry_later(l);
  }
}

void sio__redis_link_fail(sio__redis_link_t *l, const char *reason) {
  if (!l->ac || l->freeing || l->phase == SIO__LINK_FAILING || l->conn->closing) return;
  set_reason(l, reason);
  l->phase = SIO__LINK_FAILING;
  sio__redis_timer_start(l->timer, timer_cb, 0, 0);
}

static void timer_cb(void *link) {
  sio__redis_link_t *l = link;
  sio__redis_conn_t *c = l->conn;
  if (c->closing) return;
  sio__redis_conn_ref(c);
  switch (l->phase) {
    case SIO__LINK_WAIT:
      sio__redis_link_connect(l);
      break;
    case SIO__LINK_CONNECTING:
    case SIO__LINK_HANDSHAKE:
    case SIO__LINK_RENEW: {
      static const char *const stage[] = {"", "", "connect", "AUTH/SELECT", "SUBSCRIBE"};
      char why[96];
      snprintf(why, sizeof(why), "%s timed out after %u ms", stage[l->phase],
               (unsigned)SIO__REDIS_CONNECT_TIMEOUT_MS);
      set_reason(l, why);
      l->phase = SIO__LINK_FAILING;
      link_kill(l);
      break;
    }
    case SIO__LINK_FAILING:
      link_kill(l);
      break;
    default:
      break;
  }
  sio__redis_conn_unref(c);
}

void sio__redis_link_shutdown(sio__redis_link_t *l) {
  sio__redis_conn_t *c = l->conn;
  redisAsyncContext *ac = l->ac;
  sio__redis_timer_close(l->timer, sio__redis_handle_closed, c);
  l->timer = NULL;
  l->phase = SIO__LINK_IDLE;
  if (!ac || l->freeing) return; /* on_disconnect is still to come */
  if (ac->c.flags & REDIS_CONNECTED) {
    /* Inside one of its callbacks hiredis defers this until the callback
     * returns; either way on_disconnect clears l->ac. */
    l->freeing = 1;
    redisAsyncFree(ac);
  } else {
    l->ac = NULL;
    redisAsyncFree(ac);
  }
}
