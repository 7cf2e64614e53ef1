/* Heartbeat lists and their timer (eio_hb.h). */
#include "eio/eio_hb.h"

#include <stddef.h>

#include "eio/eio_internal.h"

/* The largest ping interval plus timeout: half the lists' range, so a late
 * loop still compares deadlines right. About 12 days. */
#define HB_MAX_MS ((uint32_t)1 << 30)

static void hb_fire(sio__timer_t *t, void *arg);

static sio_eio_socket_t *owner(sio__eio_hbnode_t *n) {
  return (sio_eio_socket_t *)(void *)((char *)n - offsetof(sio_eio_socket_t, hb));
}

int sio__eio_hb_init(sio_eio_server_t *s) {
  for (int k = 0; k < SIO__EIO_HB_KINDS; k++)
    sio__eio_hblist_init(&s->hb[k], (ptrdiff_t)offsetof(sio_eio_socket_t, hb_due) -
                                        (ptrdiff_t)offsetof(sio_eio_socket_t, hb));
  sio_eio_opts_t *o = &s->opts;
  if (o->ping_interval > HB_MAX_MS) o->ping_interval = HB_MAX_MS;
  if (o->ping_timeout > HB_MAX_MS - o->ping_interval)
    o->ping_timeout = HB_MAX_MS - o->ping_interval;
  s->hb_timer = sio__timer_new(s->loop, hb_fire, s);
  return s->hb_timer ? 0 : SIO_ENOMEM;
}

void sio__eio_hb_free(sio_eio_server_t *s) {
  sio__timer_free(s->hb_timer);
  s->hb_timer = NULL;
}

/* Arms the timer for the earliest head of the lists, or stops it. Skipped
 * while the timer's callback runs: it re-arms once when done. */
static void rearm(sio_eio_server_t *s) {
  if (s->hb_firing || !s->hb_timer) return;
  const sio__eio_hbnode_t *first = NULL;
  uint32_t due = 0;
  for (int k = 0; k < SIO__EIO_HB_KINDS; k++) {
    const sio__eio_hbnode_t *h = s->hb[k].head;
    if (h && (!first || sio__eio_due_before(*sio__eio_hbnode_due(&s->hb[k], h), due))) {
      first = h;
      due = *sio__eio_hbnode_due(&s->hb[k], h);
    }
  }
  if (!first) {
    sio__timer_stop(s->hb_timer);
    return;
  }
  if (sio__timer_is_active(s->hb_timer) && s->hb_armed == due) return;
  uint64_t now = sio__now_ms(s->loop);
  uint64_t at = sio__eio_due_full(due, now);
  s->hb_armed = due;
  sio__timer_start(s->hb_timer, at > now ? at - now : 0);
}

void sio__eio_hb_set(sio_eio_socket_t *sock, unsigned wait, uint64_t due) {
  sio_eio_server_t *s = sock->server;
  if (sock->hb_wait) sio__eio_hblist_remove(&s->hb[sock->hb_wait - 1], &sock->hb);
  sock->hb_due = (uint32_t)due;
  sock->hb_wait = wait & 3;
  if (wait) sio__eio_hblist_insert(&s->hb[wait - 1], &sock->hb);
  rearm(s);
}

void sio__eio_hb_stop(sio_eio_socket_t *sock) {
  if (!sock->hb_wait) return;
  sio_eio_server_t *s = sock->server;
  sio__eio_hblist_remove(&s->hb[sock->hb_wait - 1], &sock->hb);
  sock->hb_wait = SIO__EIO_HB_NONE;
  rearm(s);
}

int sio__eio_hb_armed(const sio_eio_server_t *s, uint32_t *due) {
  if (!s->hb_timer || !sio__timer_is_active(s->hb_timer)) return 0;
  *due = s->hb_armed;
  return 1;
}

/* Every session whose deadline passed, earliest first in each list: a ping
 * goes out (the session moves to the pong list) or the session closes. A
 * close callback may close any session, or the server (whose memory stays
 * until its close timer runs). */
static void hb_fire(sio__timer_t *t, void *arg) {
  (void)t;
  sio_eio_server_t *s = arg;
  uint64_t now = sio__now_ms(s->loop);
  s->hb_firing = 1;
  for (int k = 0; k < SIO__EIO_HB_KINDS; k++) {
    sio__eio_hblist_t *l = &s->hb[k];
    sio__eio_hbnode_t *n;
    while ((n = l->head) &&
           !sio__eio_due_before((uint32_t)now, *sio__eio_hbnode_due(l, n))) {
      sio_eio_socket_t *sock = owner(n);
      sio__eio_socket_ref(sock); /* n stays this session's while checked */
      sio__eio_socket_heartbeat(sock);
      /* Never spin: a due session either moved or closed (left the list). */
      if (l->head == n) {
        sio__eio_hblist_remove(l, n);
        sock->hb_wait = SIO__EIO_HB_NONE;
      }
      sio__eio_socket_unref(sock);
    }
  }
  s->hb_firing = 0;
  rearm(s);
}
