/* libsio-admin: the admin namespace's login (Node admin-ui's "basic" auth):
 * a remembered session id, or the username and a password checked against
 * the bcrypt hash with libcrypt's crypt_r on libuv's thread pool. */
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "admin/admin_internal.h"

#define SESSION_KEY "sio-admin.session" /* socket kv: the id to send at connect */
#define REFUSED "invalid credentials"

typedef struct {
  sio_admin_t *a;
  sio_socket_t *sock; /* referenced */
  sio_next_t *next;
  char *password;
  char *hash;
  int ok;
} login_t;

/* Equal strings, in a time that does not depend on where they differ. */
static int same_secret(const char *x, const char *y) {
  size_t n = strlen(x), m = strlen(y);
  unsigned char d = n != m;
  for (size_t i = 0; i < n && i < m; i++) d |= (unsigned char)(x[i] ^ y[i]);
  return d == 0;
}

/* The sessions are the root instance's, shared by every worker's. */
static int session_known(sio_admin_t *a, const char *id) {
  sio_admin_t *r = a->root;
  int known = 0;
  pthread_mutex_lock(&r->login_mu);
  for (uint32_t i = 0; !known && i < r->opts.max_sessions; i++)
    known = r->session_ids[i] && same_secret(r->session_ids[i], id);
  pthread_mutex_unlock(&r->login_mu);
  return known;
}

/* 16 hex digits from the kernel's random source, remembered in the ring. */
/* Written to out (17 bytes); 0 or -1. */
static int session_new(sio_admin_t *a, char out[17]) {
  unsigned char raw[8];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return -1;
  char *id = sio_malloc(17);
  if (!id) return -1;
  for (int i = 0; i < 8; i++) snprintf(id + 2 * i, 3, "%02x", raw[i]);
  memcpy(out, id, 17);
  sio_admin_t *r = a->root;
  pthread_mutex_lock(&r->login_mu);
  size_t slot = r->session_next++ % r->opts.max_sessions;
  sio_free(r->session_ids[slot]);
  r->session_ids[slot] = id;
  pthread_mutex_unlock(&r->login_mu);
  return 0;
}

static void check_password(void *job) {
  login_t *l = job;
  struct crypt_data *cd = sio_calloc(1, sizeof(*cd)); /* ~32 KB: not on the stack */
  if (!cd) return;
  const char *out = crypt_r(l->password, l->hash, cd);
  l->ok = out && out[0] != '*' && same_secret(out, l->hash);
  memset(cd, 0, sizeof(*cd));
  sio_free(cd);
}

static void login_free(login_t *l) {
  memset(l->password, 0, strlen(l->password));
  sio_free(l->password);
  sio_free(l->hash);
  sio_free(l);
}

static void after_check(void *job, int ran) {
  login_t *l = job;
  sio_admin_t *a = l->a;
  a->pending_logins--;
  char id[17];
  if (!a->freed && ran && l->ok && session_new(a, id) == 0)
    sio_socket_session_set(l->sock, SESSION_KEY, id, strlen(id) + 1);
  /* After sio_admin_free the server may be gone: complete next (a no-op for
   * a socket that is no longer connecting) so its memory is released. */
  sio_next(l->next, !a->freed && ran && l->ok ? NULL : REFUSED, NULL);
  sio_socket_unref(l->sock);
  login_free(l);
  admin_maybe_release(a);
}

static const char *auth_string(json_t *auth, const char *key) {
  json_t *v = auth ? json_object_get(auth, key) : NULL;
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void middleware(sio_socket_t *sock, sio_next_t *next, void *arg) {
  sio_admin_t *a = admin_here(arg, sio_socket_server(sock));
  if (!a) {
    sio_next(next, "server error", NULL);
    return;
  }
  json_t *auth = sio_socket_auth_json(sock);
  const char *sid = auth_string(auth, "sessionId");
  const char *user = auth_string(auth, "username");
  const char *pass = auth_string(auth, "password");
  if (sid && session_known(a, sid)) {
    json_decref(auth);
    sio_next(next, NULL, NULL);
    return;
  }
  if (!user || !pass || strcmp(user, a->opts.username) != 0) {
    json_decref(auth);
    sio_next(next, REFUSED, NULL);
    return;
  }
  if (a->pending_logins >= a->opts.max_pending_logins) {
    json_decref(auth);
    sio_next(next, "too many login attempts", NULL);
    return;
  }
  login_t *l = sio_calloc(1, sizeof(*l));
  size_t plen = strlen(pass);
  if (l) {
    l->password = sio_malloc(plen + 1);
    l->hash = sio_malloc(61);
  }
  if (l && l->password && l->hash) {
    memcpy(l->password, pass, plen + 1);
    memcpy(l->hash, a->opts.hash, 61);
  }
  memset((char *)pass, 0, plen); /* jansson's copy, ours to wipe */
  json_decref(auth);
  if (!l || !l->password || !l->hash) {
    if (l) {
      sio_free(l->password);
      sio_free(l->hash);
      sio_free(l);
    }
    sio_next(next, "server error", NULL);
    return;
  }
  l->a = a;
  l->sock = sio_socket_ref(sock);
  l->next = next;
  if (admin_queue_work(a, l, check_password, after_check) != 0) {
    sio_socket_unref(l->sock);
    login_free(l);
    sio_next(next, "server error", NULL);
    return;
  }
  a->pending_logins++;
}

int admin_auth_install(sio_admin_t *a) {
  if (!a->opts.username) return 0; /* no authentication */
  a->session_ids = sio_calloc(a->opts.max_sessions, sizeof(char *));
  if (!a->session_ids) return SIO_ENOMEM;
  return sio_namespace_use(a->nsp, middleware, a);
}

void admin_auth_on_connection(sio_admin_t *a, sio_socket_t *sock) {
  size_t len;
  const char *id = sio_socket_session_get(sock, SESSION_KEY, &len);
  if (!id) return;
  sio_args_t *args = sio_args_new();
  if (args && sio_args_add_string(args, id) == 0) sio_socket_emit(sock, "session", args);
  sio_args_free(args);
  sio_socket_session_set(sock, SESSION_KEY, NULL, 0);
}

void admin_auth_free(sio_admin_t *a) {
  if (!a->session_ids) return;
  for (uint32_t i = 0; i < a->opts.max_sessions; i++) sio_free(a->session_ids[i]);
  sio_free(a->session_ids);
  a->session_ids = NULL;
}

int sio_admin_hash_password(const char *password, unsigned cost, char *out, size_t cap) {
  if (!password || !out || cap < 61 || cost < 4 || cost > 31) return SIO_EINVAL;
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", cost, NULL, 0, salt, sizeof salt)) return SIO_ENOMEM;
  struct crypt_data *cd = sio_calloc(1, sizeof(*cd));
  if (!cd) return SIO_ENOMEM;
  const char *h = crypt_r(password, salt, cd);
  int rc = h && h[0] != '*' && strlen(h) < cap ? 0 : SIO_ENOMEM;
  if (rc == 0) memcpy(out, h, strlen(h) + 1);
  memset(cd, 0, sizeof(*cd));
  sio_free(cd);
  return rc;
}
