/* libsio-admin: sio_admin_opts_* (sio/admin.h). */
#include <string.h>

#include "admin/admin_internal.h"

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *out = sio_malloc(n + 1);
  if (out) memcpy(out, s, n + 1);
  return out;
}

static void wipe_free(char *s) {
  if (!s) return;
  memset(s, 0, strlen(s));
  sio_free(s);
}

sio_admin_opts_t *sio_admin_opts_new(void) {
  sio_admin_opts_t *o = sio_calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->development = 1;
  if (!(o->nsp = dup_str("/admin"))) {
    sio_free(o);
    return NULL;
  }
  return o;
}

void admin_opts_clear(sio_admin_opts_t *o) {
  sio_free(o->nsp);
  wipe_free(o->username);
  wipe_free(o->hash);
  sio_free(o->server_id);
  memset(o, 0, sizeof(*o));
}

void sio_admin_opts_free(sio_admin_opts_t *o) {
  if (!o) return;
  admin_opts_clear(o);
  sio_free(o);
}

/* bcrypt's modular format: $2b$NN$ then 53 characters of its base64. */
static int is_bcrypt_hash(const char *h) {
  static const char alphabet[] =
      "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$')
    return 0;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return 0;
  if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9') return 0;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return 0;
  for (size_t i = 7; i < 60; i++)
    if (!strchr(alphabet, h[i])) return 0;
  return 1;
}

int sio_admin_opts_set_auth(sio_admin_opts_t *o, const char *username,
                            const char *bcrypt_hash) {
  if (!o || !username || !bcrypt_hash || !is_bcrypt_hash(bcrypt_hash)) return SIO_EINVAL;
  char *u = dup_str(username), *h = dup_str(bcrypt_hash);
  if (!u || !h) {
    sio_free(u);
    wipe_free(h);
    return SIO_ENOMEM;
  }
  wipe_free(o->username);
  wipe_free(o->hash);
  o->username = u;
  o->hash = h;
  o->auth_chosen = 1;
  return 0;
}

void sio_admin_opts_set_no_auth(sio_admin_opts_t *o) {
  if (!o) return;
  wipe_free(o->username);
  wipe_free(o->hash);
  o->username = o->hash = NULL;
  o->auth_chosen = 1;
}

void sio_admin_opts_set_readonly(sio_admin_opts_t *o, int on) {
  if (o) o->readonly = on != 0;
}

void sio_admin_opts_set_development(sio_admin_opts_t *o, int on) {
  if (o) o->development = on != 0;
}

int sio_admin_opts_set_server_id(sio_admin_opts_t *o, const char *id) {
  if (!o || !id || !*id || strlen(id) >= 256) return SIO_EINVAL;
  char *c = dup_str(id);
  if (!c) return SIO_ENOMEM;
  sio_free(o->server_id);
  o->server_id = c;
  return 0;
}

int sio_admin_opts_set_namespace(sio_admin_opts_t *o, const char *name) {
  if (!o || !name || name[0] != '/' || name[1] == '\0') return SIO_EINVAL;
  char *c = dup_str(name);
  if (!c) return SIO_ENOMEM;
  sio_free(o->nsp);
  o->nsp = c;
  return 0;
}

void sio_admin_opts_set_stats_interval(sio_admin_opts_t *o, uint32_t ms) {
  if (o) o->interval_ms = ms;
}

void sio_admin_opts_set_max_event_entries(sio_admin_opts_t *o, uint32_t n) {
  if (o) o->max_event_entries = n;
}

void sio_admin_opts_set_max_sessions(sio_admin_opts_t *o, uint32_t n) {
  if (o) o->max_sessions = n;
}

void sio_admin_opts_set_max_pending_logins(sio_admin_opts_t *o, uint32_t n) {
  if (o) o->max_pending_logins = n;
}

/* A deep copy with the defaults filled in. 0, SIO_EINVAL, SIO_ENOMEM. */
int admin_opts_copy(sio_admin_opts_t *dst, const sio_admin_opts_t *src) {
  if (!src->auth_chosen || !src->nsp) return SIO_EINVAL;
  *dst = *src;
  dst->nsp = dup_str(src->nsp);
  dst->username = src->username ? dup_str(src->username) : NULL;
  dst->hash = src->hash ? dup_str(src->hash) : NULL;
  dst->server_id = src->server_id ? dup_str(src->server_id) : NULL;
  if (!dst->nsp || (src->username && !dst->username) || (src->hash && !dst->hash) ||
      (src->server_id && !dst->server_id)) {
    admin_opts_clear(dst);
    return SIO_ENOMEM;
  }
  if (!dst->interval_ms) dst->interval_ms = SIO_ADMIN_STATS_INTERVAL_DEFAULT;
  if (!dst->max_event_entries)
    dst->max_event_entries = SIO_ADMIN_MAX_EVENT_ENTRIES_DEFAULT;
  if (!dst->max_sessions) dst->max_sessions = SIO_ADMIN_MAX_SESSIONS_DEFAULT;
  if (!dst->max_pending_logins)
    dst->max_pending_logins = SIO_ADMIN_MAX_PENDING_LOGINS_DEFAULT;
  return 0;
}
