/* Namespaces: static ones by name, dynamic children created on first
 * connect under a matching parent, their handlers, and the connect flow of a
 * socket (middlewares in order, then the CONNECT reply, then the connection
 * handlers). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/log.h"
#include "sio/sio_group.h"
#include "sio/sio_internal.h"

sio_namespace_t *sio__namespace_new(sio_server_t *s, const char *name, size_t len) {
  sio_namespace_t *nsp = sio__calloc(1, sizeof(*nsp));
  if (!nsp) return NULL;
  nsp->srv = s;
  nsp->name = sio__strndup(name, len);
  nsp->name_len = len;
  if (!nsp->name) {
    sio__free(nsp);
    return NULL;
  }
  sio__map_init(&nsp->rooms);
  sio__sockidx_init(&nsp->ids);
  nsp->next_all = s->all_nsps;
  if (s->all_nsps) s->all_nsps->prev_all = nsp;
  s->all_nsps = nsp;
  /* A namespace that fails to get its cluster instance stays local. */
  if (s->adapter_ops && name[0] == '/' &&
      !(len == 9 && memcmp(name, "/_dynamic", 9) == 0))
    nsp->adapter = s->adapter_ops->create(nsp, s->adapter_arg);
  return nsp;
}

void sio__namespace_free(sio_namespace_t *nsp) {
  if (nsp->adapter && nsp->srv->adapter_ops->destroy)
    nsp->srv->adapter_ops->destroy(nsp->adapter);
  if (nsp->parent && sio__gadapter_forwards(nsp, 0)) sio__gadapter_child_gone(nsp);
  sio__cbvec_free(&nsp->server_side);
  sio__cbvec_free(&nsp->mw);
  sio__cbvec_free(&nsp->conn);
  sio__cbvec_free(&nsp->on);
  sio__cbvec_free(&nsp->any);
  sio__cbvec_free(&nsp->disconnecting);
  sio__cbvec_free(&nsp->disconnect);
  sio__rooms_free(nsp);
  sio__map_free(&nsp->rooms);
  sio__sockidx_free(&nsp->ids);
  sio__recovery_free(nsp);
  sio__free(nsp->socks);
  sio__free(nsp->children);
  sio__free(nsp->pattern);
  sio__free(nsp->name);
  sio__free(nsp);
}

void sio__namespace_ref(sio_namespace_t *nsp) {
  nsp->refs++;
}

/* Takes a dynamic child out of the server (its name, its parent's list, the
 * list of every namespace), then frees it: its adapter instance is
 * destroyed, which unsubscribes its cluster channels. */
static void child_drop(sio_namespace_t *nsp) {
  sio_server_t *s = nsp->srv;
  sio_namespace_t *parent = nsp->parent;
  sio__map_del(&s->nsps, nsp->name, nsp->name_len);
  if (nsp->child_idx < parent->nchildren && parent->children[nsp->child_idx] == nsp) {
    sio_namespace_t *last = parent->children[--parent->nchildren];
    parent->children[nsp->child_idx] = last;
    last->child_idx = nsp->child_idx;
  }
  if (nsp->prev_all)
    nsp->prev_all->next_all = nsp->next_all;
  else
    s->all_nsps = nsp->next_all;
  if (nsp->next_all) nsp->next_all->prev_all = nsp->prev_all;
  SIO_LOGD("sio: empty dynamic namespace %s freed", nsp->name);
  sio__observe_namespace_deleted(nsp);
  sio__namespace_free(nsp);
}

static void sweep_job(sio__post_job_t *j, int status) {
  (void)status; /* at the close too: the children go before the server */
  sio_server_t *s = (sio_server_t *)((char *)j - offsetof(sio_server_t, sweep));
  s->sweep_posted = 0;
  sio__namespace_sweep(s);
}

void sio__namespace_unref(sio_namespace_t *nsp) {
  sio_server_t *s = nsp->srv;
  if (--nsp->refs || !nsp->parent || !s->cleanup_children || nsp->drop_pending ||
      s->sweep_closed)
    return;
  if (!s->post) {
    child_drop(nsp); /* a server without a loop (unit fixtures) */
    return;
  }
  nsp->drop_pending = 1;
  nsp->next_drop = s->drops;
  s->drops = nsp;
  if (!s->sweep_posted) {
    s->sweep.run = sweep_job;
    /* Refused only once the server closes: free_now frees the children. */
    s->sweep_posted = sio__post_send(s->post, &s->sweep) == 0;
  }
}

void sio__namespace_sweep(sio_server_t *s) {
  sio_namespace_t *n = s->drops;
  s->drops = NULL;
  while (n) {
    sio_namespace_t *nx = n->next_drop;
    n->drop_pending = 0;
    if (!n->refs) child_drop(n); /* else a socket joined it again meanwhile */
    n = nx;
  }
}

/* A namespace name as the encoder accepts it: "/" then no ','. */
static int valid_name(const char *name, size_t len) {
  return len && name[0] == '/' && !memchr(name, ',', len) && !memchr(name, 0, len);
}

sio_namespace_t *sio_server_of(sio_server_t *s, const char *name) {
  if (!s || !name) return NULL;
  size_t len = strlen(name);
  if (!valid_name(name, len)) return NULL;
  sio_namespace_t *nsp = sio__map_get(&s->nsps, name, len);
  if (nsp) return nsp;
  nsp = sio__namespace_new(s, name, len);
  if (!nsp) return NULL;
  if (sio__map_put(&s->nsps, name, len, nsp, NULL))
    return NULL; /* freed with the server */
  sio__observe_namespace(nsp);
  if (s->group) sio__group_mirror_nsp(nsp);
  return nsp;
}

static int pattern_match(const char *name, void *arg);

sio_namespace_t *sio_server_of_dynamic(sio_server_t *s, sio_namespace_match_cb match,
                                       void *arg) {
  if (!s || !match) return NULL;
  if (s->nparents == s->pcap) {
    size_t ncap = s->pcap ? s->pcap * 2 : 2;
    sio_namespace_t **np = sio__realloc(s->parents, ncap * sizeof(*np));
    if (!np) return NULL;
    s->parents = np;
    s->pcap = ncap;
  }
  sio_namespace_t *nsp = sio__namespace_new(s, "/_dynamic", 9);
  if (!nsp) return NULL;
  nsp->is_parent = 1;
  nsp->match = match;
  nsp->match_arg = arg;
  s->parents[s->nparents++] = nsp;
  if (s->group && match != pattern_match) sio__group_mirror_nsp(nsp);
  return nsp;
}

static int pattern_match(const char *name, void *arg) {
  sio_namespace_t *nsp = arg;
  return sio__glob(nsp->pattern, name, strlen(name), NULL);
}

sio_namespace_t *sio_server_of_pattern(sio_server_t *s, const char *pattern) {
  if (!s || !pattern || pattern[0] != '/') return NULL;
  char *p = sio__strdup(pattern);
  if (!p) return NULL;
  sio_namespace_t *nsp = sio_server_of_dynamic(s, pattern_match, NULL);
  if (!nsp) {
    sio__free(p);
    return NULL;
  }
  nsp->pattern = p;
  nsp->match_arg = nsp;
  if (s->group) sio__group_mirror_nsp(nsp);
  return nsp;
}

sio_namespace_t *sio__namespace_lookup(sio_server_t *s, const char *name, size_t len) {
  sio_namespace_t *nsp = sio__map_get(&s->nsps, name, len);
  if (nsp) return nsp;
  /* A client chooses the names of dynamic children: bounded. */
  size_t max = s->max_nsp_name ? s->max_nsp_name : SIO_NSP_NAME_MAX_DEFAULT;
  if (!s->nparents || len > max || !valid_name(name, len)) return NULL;
  char *copy = sio__strndup(name, len);
  if (!copy) return NULL;
  for (size_t i = 0; i < s->nparents && !nsp; i++) {
    sio_namespace_t *parent = s->parents[i];
    if (!parent->match(copy, parent->match_arg)) continue;
    if (parent->nchildren == parent->ccap) {
      size_t ncap = parent->ccap ? parent->ccap * 2 : 4;
      sio_namespace_t **nc = sio__realloc(parent->children, ncap * sizeof(*nc));
      if (!nc) break;
      parent->children = nc;
      parent->ccap = ncap;
    }
    nsp = sio__namespace_new(s, name, len);
    if (!nsp) break;
    if (sio__map_put(&s->nsps, name, len, nsp, NULL)) {
      nsp = NULL;
      break;
    }
    nsp->parent = parent;
    nsp->child_idx = parent->nchildren;
    parent->children[parent->nchildren++] = nsp;
    sio__observe_namespace(nsp);
    if (sio__gadapter_forwards(nsp, 0)) sio__gadapter_child(nsp);
  }
  sio__free(copy);
  return nsp;
}

const char *sio_namespace_name(const sio_namespace_t *nsp) {
  return nsp->name;
}
sio_server_t *sio_namespace_server(const sio_namespace_t *nsp) {
  return nsp->srv;
}
sio_namespace_t *sio_namespace_parent(const sio_namespace_t *nsp) {
  return nsp->parent;
}
void sio_namespace_set_data(sio_namespace_t *nsp, void *data) {
  nsp->data = data;
  if (nsp->srv->group) sio__group_mirror_data(nsp->srv, nsp, data);
}
void *sio_namespace_get_data(const sio_namespace_t *nsp) {
  return nsp->data;
}

size_t sio_namespace_sockets_count(const sio_namespace_t *nsp) {
  if (!nsp->is_parent) return nsp->nsocks;
  size_t n = 0;
  for (size_t i = 0; i < nsp->nchildren; i++) n += nsp->children[i]->nsocks;
  return n;
}

sio_socket_t *sio_namespace_socket(const sio_namespace_t *nsp, const char *id) {
  if (!id) return NULL;
  return sio__sockidx_get(&nsp->ids, id, strlen(id));
}

int sio__namespace_add_socket(sio_namespace_t *nsp, sio_socket_t *sock) {
  if (nsp->nsocks == nsp->scap) {
    size_t ncap = nsp->scap ? nsp->scap * 2 : 8;
    sio_socket_t **ns = sio__realloc(nsp->socks, ncap * sizeof(*ns));
    if (!ns) return SIO_ENOMEM;
    nsp->socks = ns;
    nsp->scap = ncap;
  }
  if (sio__sockidx_add(&nsp->ids, sock)) return SIO_ENOMEM;
  sock->nsp_idx = (uint32_t)nsp->nsocks;
  nsp->socks[nsp->nsocks++] = sock;
  return 0;
}

void sio__namespace_del_socket(sio_namespace_t *nsp, sio_socket_t *sock) {
  size_t i = sock->nsp_idx;
  if (i >= nsp->nsocks || nsp->socks[i] != sock) return;
  sio__sockidx_del(&nsp->ids, sock);
  nsp->socks[i] = nsp->socks[--nsp->nsocks];
  nsp->socks[i]->nsp_idx = (uint32_t)i;
}

/* ---- handler registration ---- */

#define FN(f) ((void (*)(void))(f))

/* Adds to one of nsp's lists (and, with workers, to the siblings' copies). */
static int reg(sio_namespace_t *nsp, sio__cbvec_t *vec, const char *event,
               void (*fn)(void), void *arg) {
  if (!nsp) return SIO_EINVAL;
  int rc = sio__cbvec_add(vec, event, fn, arg);
  if (rc == 0 && nsp->srv->group)
    sio__group_mirror_vec(nsp->srv, nsp, vec, event, fn, arg, 1);
  return rc;
}

int sio_namespace_use(sio_namespace_t *nsp, sio_middleware_cb fn, void *arg) {
  return nsp ? reg(nsp, &nsp->mw, NULL, FN(fn), arg) : SIO_EINVAL;
}
int sio_namespace_on_connection(sio_namespace_t *nsp, sio_connection_cb cb, void *arg) {
  return nsp ? reg(nsp, &nsp->conn, NULL, FN(cb), arg) : SIO_EINVAL;
}
int sio_namespace_on(sio_namespace_t *nsp, const char *event, sio_event_cb cb,
                     void *arg) {
  if (!nsp || !event || sio__sio_name_reserved(event, strlen(event))) return SIO_EINVAL;
  return reg(nsp, &nsp->on, event, FN(cb), arg);
}
int sio_namespace_off(sio_namespace_t *nsp, const char *event, sio_event_cb cb,
                      void *arg) {
  if (!nsp || !event) return SIO_EINVAL;
  if (nsp->srv->group)
    sio__group_mirror_vec(nsp->srv, nsp, &nsp->on, event, cb ? FN(cb) : NULL, arg, 0);
  return sio__cbvec_remove(&nsp->on, event, cb ? FN(cb) : NULL, arg);
}
int sio_namespace_on_any(sio_namespace_t *nsp, sio_event_cb cb, void *arg) {
  return nsp ? reg(nsp, &nsp->any, NULL, FN(cb), arg) : SIO_EINVAL;
}
int sio_namespace_on_disconnecting(sio_namespace_t *nsp, sio_disconnect_cb cb,
                                   void *arg) {
  return nsp ? reg(nsp, &nsp->disconnecting, NULL, FN(cb), arg) : SIO_EINVAL;
}
int sio_namespace_on_disconnect(sio_namespace_t *nsp, sio_disconnect_cb cb, void *arg) {
  return nsp ? reg(nsp, &nsp->disconnect, NULL, FN(cb), arg) : SIO_EINVAL;
}

/* ---- the connect flow ---- */

/* Where a socket is in its middleware run: list 0 is the parent's, list 1
 * the namespace's own. Kept per list, so a middleware added to the parent
 * meanwhile cannot shift the run into running one twice. */
struct sio_next {
  sio_socket_t *sock;
  int list;
  size_t idx;
};

/* The middleware at (*list, *idx) or the first after it, or NULL at the end
 * of both lists; *list and *idx are moved to it. */
static int mw_find(sio_namespace_t *nsp, int *list, size_t *idx, sio__cb_t *out) {
  for (; *list < 2; (*list)++, *idx = 0) {
    sio_namespace_t *owner = *list == 0 ? nsp->parent : nsp;
    if (owner && *idx < owner->mw.n) {
      *out = owner->mw.v[*idx];
      return 1;
    }
  }
  return 0;
}

static void refuse(sio_socket_t *sock, const char *message, const char *data) {
  sio__session_t *c = sio_socket_ref(sock)->session;
  sio__sb_t sb;
  sio__sb_init(&sb, 64);
  if (sio__session_is_v2(c)) {
    /* v2: the error itself, its data or else its message as a string. */
    if (data)
      sio__sb_puts(&sb, data);
    else if (sio__json_write_string(&sb, message, strlen(message)))
      sio__json_write_string(&sb, "refused", 7);
  } else {
    sio__sb_puts(&sb, "{\"message\":");
    if (sio__json_write_string(&sb, message, strlen(message)))
      sio__json_write_string(&sb, "refused", 7);
    if (data) {
      sio__sb_puts(&sb, ",\"data\":");
      sio__sb_puts(&sb, data);
    }
    sio__sb_putc(&sb, '}');
  }
  if (!sb.err && sio__session_up(c)) {
    sio__packet_out_t out;
    if (sio__session_encode_ctl(c, &out, SIO_SIO_CONNECT_ERROR, sock->nsp->name,
                                (const char *)sio__sb_data(&sb), sio__sb_len(&sb)) == 0) {
      sio__session_send(c, &out);
      sio__packet_out_free(&out);
    }
  }
  sio__sb_reset(&sb);
  /* Never connected: no disconnect handlers, just gone. */
  sio__socket_close(sock, NULL);
  sio_socket_unref(sock);
}

static void connected(sio_socket_t *sock) {
  sio__session_t *c = sock->session;
  sio_namespace_t *nsp = sock->nsp;
  if (sio__namespace_add_socket(nsp, sock) ||
      sio__rooms_join(sock, sock->id, strlen(sock->id))) {
    sio__namespace_del_socket(nsp, sock);
    sio__session_fail(c, "transport error");
    return;
  }
  sio__restored_t *r = sock->rec ? sock->rec->restored : NULL;
  if (r) sock->rec->restored = NULL;
  for (size_t i = 0; r && i < r->nrooms; i++)
    if (strcmp(r->rooms[i], sock->id) != 0 &&
        sio__rooms_join(sock, r->rooms[i], strlen(r->rooms[i]))) {
      sio__restored_free(r);
      sio__session_fail(c, "transport error");
      return;
    }
  sock->state = SIO__SOCK_CONNECTED;
  c->joined = 1;
  /* Joining disarms the connect timeout for good: free the timer rather than
   * keep it for the life of every idle connection. */
  sio__timer_free(c->connect_timer);
  c->connect_timer = NULL;
  char reply[80];
  int n = sock->rec ? snprintf(reply, sizeof(reply), "{\"sid\":\"%s\",\"pid\":\"%s\"}",
                               sock->id, sock->rec->pid)
                    : snprintf(reply, sizeof(reply), "{\"sid\":\"%s\"}", sock->id);
  sio__packet_out_t out;
  /* A v2 client's CONNECT reply carries no sid (it derives its own). */
  int v2 = sio__session_is_v2(c);
  if (sio__session_encode_ctl(c, &out, SIO_SIO_CONNECT, nsp->name, v2 ? NULL : reply,
                              v2 ? 0 : (size_t)n) == 0) {
    sio__session_send(c, &out);
    sio__packet_out_free(&out);
  }
  /* The missed packets, in order, before anything the handlers send. */
  for (size_t i = 0; r && i < r->nmissed; i++) sio__session_send(c, &r->missed[i]);
  sio__restored_free(r);
  sio_namespace_t *parts[2] = {nsp->parent, nsp};
  for (int p = 0; p < 2; p++) {
    if (!parts[p]) continue;
    sio__cbvec_t *cv = &parts[p]->conn;
    sio__cb_t cb;
    size_t ncb = sio__cbvec_begin(cv);
    for (size_t i = 0; i < ncb && sock->state == SIO__SOCK_CONNECTED; i++)
      if (sio__cbvec_get(cv, i, &cb)) ((sio_connection_cb)cb.fn)(sock, cb.arg);
    sio__cbvec_end(cv);
  }
}

static void run_mw(sio_socket_t *sock, int list, size_t idx) {
  if (sock->state != SIO__SOCK_CONNECTING) return;
  sio__cb_t cb;
  int skip = sock->rec && sock->rec->recovered && sock->nsp->srv->recovery_skip_mw;
  if (skip || !mw_find(sock->nsp, &list, &idx, &cb)) {
    connected(sock);
    return;
  }
  sio_next_t *next = sio__malloc(sizeof(*next));
  if (!next) {
    refuse(sock, "server error", NULL);
    return;
  }
  next->sock = sio_socket_ref(sock);
  next->list = list;
  next->idx = idx;
  ((sio_middleware_cb)cb.fn)(sock, next, cb.arg);
}

int sio_next(sio_next_t *next, const char *message, const char *data) {
  if (!next) return SIO_EINVAL;
  sio_socket_t *sock = next->sock;
  int list = next->list;
  size_t idx = next->idx;
  sio__free(next);
  int rc = 0;
  if (sock->state == SIO__SOCK_CONNECTING) {
    if (message) {
      if (data && sio__json_parse(data, strlen(data), 0, NULL)) {
        data = NULL;
        rc = SIO_EINVAL;
      }
      refuse(sock, message, data);
    } else {
      run_mw(sock, list, idx + 1);
    }
  }
  sio_socket_unref(sock);
  return rc;
}

void sio__namespace_connect(sio_socket_t *sock) {
  sio_socket_ref(sock);
  run_mw(sock, 0, 0);
  sio_socket_unref(sock);
}
