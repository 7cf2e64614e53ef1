/* The loop-less server of unit tests (see bare_server.h). */
#include "support/bare_server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pool.h"

bare_server_t *bare_server_new(void) {
  bare_server_t *f = calloc(1, sizeof(*f));
  if (!f) return NULL;
  sio__map_init(&f->srv.nsps);
  /* Sockets come from the server's pool, as a connection's do. */
  f->srv.socket_pool = sio__pool_new(sizeof(sio_socket_t), SIO__POOL_AUTO);
  if (!f->srv.socket_pool) {
    free(f);
    return NULL;
  }
  f->session.refs = 1000;
  f->nsp = sio_server_of(&f->srv, "/");
  return f;
}

sio_socket_t *bare_socket_new(bare_server_t *f, const char *id, int state) {
  assert_true(f->n < BARE_SOCKETS_MAX);
  sio_socket_t *s = sio__pool_calloc(f->srv.socket_pool);
  assert_non_null(s);
  s->refs = 1;
  s->nsp = f->nsp;
  sio__namespace_ref(f->nsp); /* as a connection does; sio_socket_unref drops it */
  s->session = &f->session;
  s->state = state;
  snprintf(s->id, sizeof(s->id), "%s", id);
  f->socks[f->n++] = s;
  return s;
}

void bare_socket_add(sio_socket_t *s) {
  assert_int_equal(sio__namespace_add_socket(s->nsp, s), 0);
  assert_int_equal(sio__rooms_join(s, s->id, strlen(s->id)), 0);
}

void bare_server_release(bare_server_t *f) {
  for (size_t i = 0; i < f->n; i++) {
    sio__rooms_leave_all(f->socks[i]);
    sio__namespace_del_socket(f->socks[i]->nsp, f->socks[i]);
    sio_socket_unref(f->socks[i]); /* the last reference: frees all it holds */
  }
  f->n = 0;
  sio_namespace_t *n = f->srv.all_nsps;
  while (n) {
    sio_namespace_t *nx = n->next_all;
    sio__namespace_free(n);
    n = nx;
  }
  f->srv.all_nsps = NULL;
}

void bare_server_free(bare_server_t *f) {
  sio__map_free(&f->srv.nsps);
  free(f->srv.parents);
  sio__cbvec_free(&f->srv.observe_nsp);
  sio__cbvec_free(&f->srv.observe_room);
  sio__pool_close(f->srv.socket_pool);
  free(f);
}
