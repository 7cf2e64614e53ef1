/* libsio-redis: the conn object: creation, close, subscriptions registry,
 * up/down state and the logging policy while Redis is away. The two
 * connections are in redis_conn_link.c, publishes and requests in
 * redis_conn_pub.c. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_conn_internal.h"
#include "sio/common.h"

/* Names longer than this are refused (Redis would take them, but every
 * length we hold is bounded). */
#define CONN_NAME_MAX 65536

static void conn_free(sio__redis_conn_t *c) {
  sio__redis_url_free(&c->url);
  sio__free(c->name);
  sio__free(c);
}

static void maybe_free(sio__redis_conn_t *c) {
  if (c->closing && c->refs == 0 && c->handles == 0 && !c->sub.ac && !c->cmd.ac)
    conn_free(c);
}

void sio__redis_conn_ref(sio__redis_conn_t *c) {
  c->refs++;
}

void sio__redis_conn_unref(sio__redis_conn_t *c) {
  if (--c->refs == 0) maybe_free(c);
}

void sio__redis_handle_closed(void *conn) {
  sio__redis_conn_t *c = conn;
  c->handles--;
  maybe_free(c);
}

/* hiredis 0.14 writes with write(2): a peer that vanished would kill the
 * process with SIGPIPE. Ignore it unless the application chose a handler. */
static void ignore_sigpipe(void) {
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
      !(old.sa_flags & SA_SIGINFO))
    signal(SIGPIPE, SIG_IGN);
}

int sio__redis_conn_new(sio__redis_loop_t *loop, const sio__redis_url_t *url,
                        const char *name, sio__redis_msg_cb on_msg,
                        sio__redis_state_cb on_state, void *arg,
                        sio__redis_conn_t **out) {
  sio__redis_conn_t *c;
  if (out) *out = NULL;
  if (!loop || !url || !out || (!url->path && !url->host)) return SIO_EINVAL;
  if (!(c = sio__calloc(1, sizeof(*c)))) return SIO_ENOMEM;
  if (!name) name = "redis";
  if (sio__redis_url_copy(&c->url, url) != 0 || !(c->name = sio__strdup(name))) {
    conn_free(c);
    return SIO_ENOMEM;
  }
  ignore_sigpipe();
  c->loop = loop;
  c->on_msg = on_msg;
  c->on_state = on_state;
  c->arg = arg;
  c->qlimit = SIO__REDIS_QUEUE_DEFAULT;
  c->backoff_min_ms = 100;
  c->backoff_max_ms = 5000;
  c->rng = sio__redis_hrtime() ^ (uint64_t)(uintptr_t)c;
  if (!c->rng) c->rng = 0x9e3779b97f4a7c15ull;
  sio__redis_url_describe(&c->url, c->addr, sizeof(c->addr));
  sio__redis_timer_t *ts = sio__redis_timer_new(loop, &c->sub);
  sio__redis_timer_t *tc = sio__redis_timer_new(loop, &c->cmd);
  c->defer = sio__redis_timer_new(loop, c);
  if (!ts || !tc || !c->defer) {
    /* Nothing counts on these yet: the loop frees them once closed. */
    sio__redis_timer_close(ts, NULL, NULL);
    sio__redis_timer_close(tc, NULL, NULL);
    sio__redis_timer_close(c->defer, NULL, NULL);
    conn_free(c);
    return SIO_ENOMEM;
  }
  c->handles = 1;
  sio__redis_link_init(c, &c->sub, 1, ts);
  sio__redis_link_init(c, &c->cmd, 0, tc);
  sio__redis_link_connect(&c->sub);
  sio__redis_link_connect(&c->cmd);
  *out = c;
  return 0;
}

void sio__redis_conn_close(sio__redis_conn_t *c) {
  sio__redis_sub_t *s;
  if (!c || c->closing) return;
  c->closing = 1;
  sio__redis_conn_ref(c);
  sio__redis_ops_cancel_all(c); /* user callbacks: ECANCELED */
  sio__redis_pub_free_queue(c);
  while ((s = c->subs) != NULL) {
    c->subs = s->next;
    sio__free(s);
  }
  sio__redis_link_shutdown(&c->sub);
  sio__redis_link_shutdown(&c->cmd);
  sio__redis_timer_close(c->defer, sio__redis_handle_closed, c);
  c->defer = NULL;
  sio__redis_conn_unref(c);
}

int sio__redis_conn_is_up(const sio__redis_conn_t *c) {
  return c && !c->closing && c->up;
}

uint64_t sio__redis_conn_dropped(const sio__redis_conn_t *c) {
  return c ? c->dropped : 0;
}

size_t sio__redis_conn_queued_bytes(const sio__redis_conn_t *c) {
  return c ? c->qbytes : 0;
}

void sio__redis_conn_set_queue_limit(sio__redis_conn_t *c, size_t bytes) {
  if (c) c->qlimit = bytes;
}

void sio__redis_conn_set_backoff(sio__redis_conn_t *c, uint32_t min_ms, uint32_t max_ms) {
  if (!c) return;
  c->backoff_min_ms = min_ms ? min_ms : 1;
  c->backoff_max_ms = max_ms < c->backoff_min_ms ? c->backoff_min_ms : max_ms;
}

uint32_t sio__redis_conn_backoff(sio__redis_conn_t *c, unsigned attempt) {
  uint64_t base = c->backoff_min_ms, x;
  unsigned i;
  for (i = 0; i < attempt && base < c->backoff_max_ms; i++) base *= 2;
  if (base > c->backoff_max_ms) base = c->backoff_max_ms;
  /* xorshift64: jitter only, no need for strong randomness */
  x = c->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  c->rng = x;
  base = base * (500 + x % 1001) / 1000; /* +-50% */
  return base ? (uint32_t)base : 1;
}

/* ---- subscriptions ---- */

static sio__redis_sub_t *sub_find(sio__redis_conn_t *c, const char *name, size_t len,
                                  int pattern, sio__redis_sub_t ***link) {
  sio__redis_sub_t **pp;
  for (pp = &c->subs; *pp; pp = &(*pp)->next) {
    sio__redis_sub_t *s = *pp;
    if (s->pattern == pattern && s->len == len && memcmp(s->name, name, len) == 0) {
      if (link) *link = pp;
      return s;
    }
  }
  if (link) *link = pp; /* the tail, for appending */
  return NULL;
}

static int sub_add(sio__redis_conn_t *c, const char *name, int pattern) {
  sio__redis_sub_t *s, **tail;
  size_t len;
  if (!c || !name) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  len = strnlen(name, CONN_NAME_MAX + 1);
  if (len == 0 || len > CONN_NAME_MAX) return SIO_EINVAL;
  if ((s = sub_find(c, name, len, pattern, &tail)) != NULL) {
    s->refs++;
    return 0;
  }
  if (!(s = sio__malloc(sizeof(*s) + len + 1))) return SIO_ENOMEM;
  s->next = NULL;
  s->pattern = pattern;
  s->refs = 1;
  s->len = len;
  memcpy(s->name, name, len + 1);
  *tail = s;
  sio__redis_link_sub_send(&c->sub, s, 1);
  return 0;
}

static int sub_remove(sio__redis_conn_t *c, const char *name, int pattern) {
  sio__redis_sub_t *s, **pp;
  size_t len;
  if (!c || !name) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  len = strnlen(name, CONN_NAME_MAX + 1);
  if (len == 0 || len > CONN_NAME_MAX) return SIO_EINVAL;
  if (!(s = sub_find(c, name, len, pattern, &pp))) return 0;
  if (--s->refs > 0) return 0;
  *pp = s->next;
  sio__redis_link_sub_send(&c->sub, s, 0);
  sio__free(s);
  return 0;
}

int sio__redis_conn_subscribe(sio__redis_conn_t *c, const char *channel) {
  return sub_add(c, channel, 0);
}

int sio__redis_conn_psubscribe(sio__redis_conn_t *c, const char *pattern) {
  return sub_add(c, pattern, 1);
}

int sio__redis_conn_unsubscribe(sio__redis_conn_t *c, const char *channel) {
  return sub_remove(c, channel, 0);
}

int sio__redis_conn_punsubscribe(sio__redis_conn_t *c, const char *pattern) {
  return sub_remove(c, pattern, 1);
}

/* ---- state and logging ---- */

/* One WARN at the first failure of an outage, then one line per period with
 * the count; every failure at DEBUG. Cleared when both are up again. */
void sio__redis_conn_log_failure(sio__redis_link_t *l, const char *what,
                                 const char *reason) {
  sio__redis_conn_t *c = l->conn;
  uint64_t now = sio__redis_now(c->loop);
  sio_log(SIO_LOG_DEBUG, "redis[%s]: %s: %s", c->name, what, reason);
  if (!c->fail_logged) {
    sio_log(SIO_LOG_WARN, "redis[%s]: %s: %s (retrying with backoff)", c->name, what,
            reason);
    c->fail_logged = 1;
    c->fail_log_ms = now;
    c->fails = 0;
    return;
  }
  c->fails++;
  if (now - c->fail_log_ms >= SIO__REDIS_LOG_PERIOD_MS) {
    sio_log(
        SIO_LOG_WARN,
        "redis[%s]: still no connection to %s (%u failed attempts in %u s; last: %s: %s)",
        c->name, c->addr, c->fails, (unsigned)((now - c->fail_log_ms) / 1000), what,
        reason);
    c->fail_log_ms = now;
    c->fails = 0;
  }
}

void sio__redis_conn_link_ready(sio__redis_link_t *l) {
  sio__redis_conn_t *c = l->conn;
  if (c->closing) return;
  sio__redis_conn_ref(c);
  if (!l->is_sub) {
    if (c->dropped_outage) {
      sio_log(SIO_LOG_WARN, "redis[%s]: %llu publishes were dropped while disconnected",
              c->name, (unsigned long long)c->dropped_outage);
      c->dropped_outage = 0;
    }
    c->drop_logged = 0;
    c->pub_err_logged = 0;
    sio__redis_ops_check_flush(c);
  }
  if (!c->closing && !c->up && c->sub.phase == SIO__LINK_READY &&
      c->cmd.phase == SIO__LINK_READY) {
    /* The queue goes out once the subscriptions are back too, so that a
     * subscriber on this same conn receives what was queued. */
    sio__redis_pub_drain(c);
    sio_log(SIO_LOG_INFO, "redis[%s]: %s %s", c->name,
            c->ever_up ? "reconnected to" : "connected to", c->addr);
    c->up = 1;
    c->ever_up = 1;
    c->fail_logged = 0;
    if (c->on_state) c->on_state(c->arg, 1);
  }
  sio__redis_conn_unref(c);
}

void sio__redis_conn_link_down(sio__redis_link_t *l, int was_ready) {
  sio__redis_conn_t *c = l->conn;
  (void)was_ready;
  if (c->closing) return;
  sio__redis_conn_ref(c);
  if (!l->is_sub) sio__redis_ops_fail_flush(c, SIO_ENOTCONN);
  if (c->up && !c->closing) {
    c->up = 0;
    if (c->on_state) c->on_state(c->arg, 0);
  }
  sio__redis_conn_unref(c);
}
