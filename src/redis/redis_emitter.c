/* The emitter: a process that is not a server publishes what a server's
 * adapter would, in @socket.io/redis-emitter 5.x's format (docs/REDIS-WIRE.md
 * §6): broadcasts as MessagePack with uid "emitter", room changes and
 * disconnects as JSON requests without uid. It never subscribes. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"
#include "redis/redis_msgpack.h"
#include "redis/redis_target.h"

struct sio_redis_emitter {
  sio__redis_loop_t *loop;
  sio__redis_conn_t *conn;
  char *key;
  uint32_t timeout_ms;
  int up, closing;
  sio__redis_timer_t *wait; /* close: how long to wait for Redis */
  sio_redis_emitter_close_cb close_cb;
  void *close_arg;
};

static void flush_now(sio_redis_emitter_t *em);

static void on_msg(void *arg, const char *pattern, const char *channel,
                   size_t channel_len, const char *data, size_t len) {
  (void)arg, (void)pattern, (void)channel, (void)channel_len, (void)data, (void)len;
}

static void on_state(void *arg, int up) {
  sio_redis_emitter_t *em = arg;
  em->up = up;
  if (up && em->closing == 1) flush_now(em); /* close was waiting for Redis */
}

static void free_on_close(void *em) {
  sio__free(em);
}

int sio_redis_emitter_new(uv_loop_t *loop, const sio_redis_opts_t *o,
                          sio_redis_emitter_t **out) {
  if (!loop || !out) return SIO_EINVAL;
  *out = NULL;
  sio_redis_opts_t *def = NULL;
  if (!o && !(o = def = sio_redis_opts_new())) return SIO_ENOMEM;
  sio_redis_emitter_t *em = sio__calloc(1, sizeof(*em));
  int rc = em ? 0 : SIO_ENOMEM;
  if (!rc) {
    em->loop = loop;
    em->timeout_ms = o->request_timeout_ms ? o->request_timeout_ms : 5000;
    if (!(em->wait = sio__redis_timer_new(loop, em)) ||
        !(em->key = sio__strdup(o->key ? o->key : "socket.io")))
      rc = SIO_ENOMEM;
  }
  if (!rc)
    rc = sio__redis_conn_new(loop, &o->url, "emitter", on_msg, on_state, em, &em->conn);
  if (rc && em) {
    sio__free(em->key);
    if (em->wait)
      sio__redis_timer_close(em->wait, free_on_close, em);
    else
      sio__free(em);
    em = NULL;
  }
  sio_redis_opts_free(def);
  *out = em;
  return rc;
}

/* "/" for NULL, and the leading slash added when missing (Node's of()). */
static char *nsp_name(const char *nsp) {
  if (!nsp || !*nsp) return sio__strdup("/");
  if (nsp[0] == '/') return sio__strdup(nsp);
  size_t n = strlen(nsp);
  char *s = sio__malloc(n + 2);
  if (s) {
    s[0] = '/';
    memcpy(s + 1, nsp, n + 1);
  }
  return s;
}

static char *channel_of(const char *key, const char *mid, const char *nsp,
                        const char *room) {
  size_t n = strlen(key) + strlen(mid) + strlen(nsp) + (room ? strlen(room) + 1 : 0) + 2;
  char *s = sio__malloc(n);
  if (!s) return NULL;
  strcpy(s, key);
  strcat(s, mid);
  strcat(s, nsp);
  strcat(s, "#");
  if (room) {
    strcat(s, room);
    strcat(s, "#");
  }
  return s;
}

static int reserved(const char *ev) {
  static const char *const names[] = {"connect",       "connect_error", "disconnect",
                                      "disconnecting", "newListener",   "removeListener"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(ev, names[i]) == 0) return 1;
  return 0;
}

static int publish(sio_redis_emitter_t *em, const char *channel, const char *data,
                   size_t len) {
  if (!channel || !data) return SIO_ENOMEM;
  return sio__redis_conn_publish(em->conn, channel, data, len);
}

int sio_redis_emitter_emit(sio_redis_emitter_t *em, const sio_redis_target_t *t,
                           const char *event, const sio_args_t *args) {
  if (!em || !t || !event || reserved(event)) return SIO_EINVAL;
  sio_buf_t json, *att;
  size_t natt;
  if (sio__redis_args_view(args, &json, &att, &natt)) return SIO_ENOMEM;
  char *nsp = nsp_name(t->nsp);
  sio__rmp_event_t ev = {event, (const char *)json.base, json.len, att, natt};
  sio__rmp_opts_t ro = {(const char *const *)t->rooms,
                        t->nrooms,
                        (const char *const *)t->except,
                        t->nexcept,
                        t->volatile_,
                        0,
                        0};
  sio__sb_t out = {0};
  int rc =
      nsp ? sio__rmp_encode_broadcast(&out, "emitter", nsp, &ev, &ro, 1) : SIO_ENOMEM;
  if (!rc) {
    char *channel = channel_of(em->key, "#", nsp, t->nrooms == 1 ? t->rooms[0] : NULL);
    rc = publish(em, channel, sio__rmp_text(&out), sio__sb_len(&out));
    sio__free(channel);
  }
  sio__sb_reset(&out);
  sio__free(att);
  sio__free(nsp);
  return rc;
}

/* {"type":N,"opts":{"rooms","except"}, ...rest} on P-request#N#. */
static int publish_request(sio_redis_emitter_t *em, const char *nsp_in, json_t *j) {
  char *nsp = nsp_name(nsp_in);
  size_t len = 0;
  char *msg = j ? sio__redis_dump(j, &len) : NULL;
  json_decref(j);
  char *channel = nsp ? channel_of(em->key, "-request#", nsp, NULL) : NULL;
  int rc = publish(em, channel, msg, len);
  sio__free(channel);
  sio__free(msg);
  sio__free(nsp);
  return rc;
}

static json_t *target_opts(const sio_redis_target_t *t) {
  sio_adapter_opts_t o = {(const char *const *)t->rooms,
                          t->nrooms,
                          (const char *const *)t->except,
                          t->nexcept,
                          0,
                          0};
  return sio__redis_opts_to_jansson(&o);
}

static int rooms_request(sio_redis_emitter_t *em, const sio_redis_target_t *t, int type,
                         const char *room) {
  if (!em || !t || !room) return SIO_EINVAL;
  json_t *o = target_opts(t);
  json_t *j =
      o ? json_pack("{s:i,s:o,s:[s]}", "type", type, "opts", o, "rooms", room) : NULL;
  return publish_request(em, t->nsp, j);
}

int sio_redis_emitter_sockets_join(sio_redis_emitter_t *em, const sio_redis_target_t *t,
                                   const char *room) {
  return rooms_request(em, t, 2, room);
}

int sio_redis_emitter_sockets_leave(sio_redis_emitter_t *em, const sio_redis_target_t *t,
                                    const char *room) {
  return rooms_request(em, t, 3, room);
}

int sio_redis_emitter_disconnect_sockets(sio_redis_emitter_t *em,
                                         const sio_redis_target_t *t, int close) {
  if (!em || !t) return SIO_EINVAL;
  json_t *o = target_opts(t);
  json_t *j = o ? json_pack("{s:i,s:o,s:b}", "type", 4, "opts", o, "close", close) : NULL;
  return publish_request(em, t->nsp, j);
}

int sio_redis_emitter_server_side_emit(sio_redis_emitter_t *em, const char *nsp,
                                       const char *event, const sio_args_t *args) {
  if (!em || !event || reserved(event)) return SIO_EINVAL;
  json_t *data = sio__redis_sio_args_to_jansson(args);
  if (!data || json_array_insert_new(data, 0, json_string(event))) {
    json_decref(data);
    return SIO_EINVAL;
  }
  json_t *j = json_pack("{s:s,s:i,s:o}", "uid", "emitter", "type", 6, "data", data);
  return publish_request(em, nsp, j);
}

static void freed(void *arg) {
  sio_redis_emitter_t *em = arg;
  if (em->close_cb) em->close_cb(em, em->close_arg);
  sio__free(em);
}

static void flushed(void *arg, int status) {
  sio_redis_emitter_t *em = arg;
  if (status)
    sio_log(SIO_LOG_WARN, "redis: emitter closed before Redis took everything: %s",
            sio_strerror(status));
  sio__redis_conn_close(em->conn);
  sio__free(em->key);
  sio__redis_timer_close(em->wait, freed, em);
  em->wait = NULL;
}

static void flush_now(sio_redis_emitter_t *em) {
  em->closing = 2;
  sio__redis_timer_stop(em->wait);
  if (sio__redis_conn_flush(em->conn, flushed, em)) flushed(em, SIO_ECANCELED);
}

static void gave_up(void *em) {
  flush_now(em); /* still down: flush reports what was lost */
}

void sio_redis_emitter_close(sio_redis_emitter_t *em, sio_redis_emitter_close_cb cb,
                             void *arg) {
  if (!em || em->closing) return;
  em->close_cb = cb;
  em->close_arg = arg;
  em->closing = 1;
  if (em->up) {
    flush_now(em);
  } else {
    /* Queued publishes go out once Redis is up; wait for it, bounded. */
    sio__redis_timer_start(em->wait, gave_up, em->timeout_ms, 0);
  }
}
