/* The in-memory room index of a namespace (the reference's in-memory
 * adapter): room name -> member array, and per socket its memberships with
 * the member's position, so join and leave cost O(rooms of the socket). */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

static sio__membership_t *find(sio_socket_t *sock, const char *room, size_t len,
                               size_t *pos) {
  for (size_t i = 0; i < sock->nrooms; i++) {
    sio__room_t *r = sock->rooms[i].room;
    if (r->name_len == len && memcmp(r->name, room, len) == 0) {
      if (pos) *pos = i;
      return &sock->rooms[i];
    }
  }
  return NULL;
}

int sio__rooms_join(sio_socket_t *sock, const char *room, size_t len) {
  if (find(sock, room, len, NULL)) return 0;
  sio_namespace_t *nsp = sock->nsp;
  if (sock->nrooms == sock->rcap) {
    /* One to start: most sockets are in their own id's room only. */
    size_t ncap = sock->rcap ? sock->rcap * 2 : 1;
    sio__membership_t *nr = sio__realloc(sock->rooms, ncap * sizeof(*nr));
    if (!nr) return SIO_ENOMEM;
    sock->rooms = nr;
    sock->rcap = (uint32_t)ncap;
  }
  sio__room_t *r = sio__map_get(&nsp->rooms, room, len);
  int created = !r;
  if (!r) {
    r = sio__calloc(1, sizeof(*r));
    if (!r) return SIO_ENOMEM;
    if (sio__map_put(&nsp->rooms, room, len, r, &r->name)) {
      sio__free(r);
      return SIO_ENOMEM;
    }
    r->name_len = len;
    const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
    if (nsp->adapter && ops->room_created) ops->room_created(nsp->adapter, r->name);
  }
  if (r->n == r->cap) {
    /* Two to start (malloc's smallest block): most rooms are a socket's own. */
    size_t ncap = r->cap ? r->cap * 2 : 2;
    sio_socket_t **nm = sio__realloc(r->m, ncap * sizeof(*nm));
    if (!nm) {
      if (!r->n) {
        sio__map_del(&nsp->rooms, room, len);
        sio__free(r);
      }
      return SIO_ENOMEM;
    }
    r->m = nm;
    r->cap = ncap;
  }
  r->m[r->n] = sock;
  sock->rooms[sock->nrooms].room = r;
  sock->rooms[sock->nrooms].idx = r->n;
  r->n++;
  sock->nrooms++;
  if (nsp->srv->observe_room.n) {
    if (created) sio__observe_room(nsp, SIO_ROOM_CREATED, r->name, sock->id);
    sio__observe_room(nsp, SIO_ROOM_JOINED, r->name, sock->id);
  }
  return 0;
}

/* Removes membership pos of sock (keeping the socket's room order). */
static void leave_at(sio_socket_t *sock, size_t pos) {
  sio__room_t *r = sock->rooms[pos].room;
  size_t idx = sock->rooms[pos].idx;
  sio_socket_t *last = r->m[--r->n];
  if (idx != r->n) {
    /* The last member takes the freed slot: update its own record. */
    r->m[idx] = last;
    sio__membership_t *lm = find(last, r->name, r->name_len, NULL);
    if (lm) lm->idx = idx;
  }
  memmove(&sock->rooms[pos], &sock->rooms[pos + 1],
          (sock->nrooms - pos - 1) * sizeof(*sock->rooms));
  sock->nrooms--;
  sio_namespace_t *nsp = sock->nsp;
  int observed = nsp->srv->observe_room.n != 0;
  /* A hook may join r again: it is freed only if still empty after. */
  if (observed) sio__observe_room(nsp, SIO_ROOM_LEFT, r->name, sock->id);
  if (r->n == 0) {
    const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
    if (nsp->adapter && ops->room_deleted) ops->room_deleted(nsp->adapter, r->name);
    char *name = observed ? sio__strndup(r->name, r->name_len) : NULL;
    sio__map_del(&nsp->rooms, r->name, r->name_len);
    sio__free(r->m);
    sio__free(r);
    if (name) sio__observe_room(nsp, SIO_ROOM_DELETED, name, sock->id);
    sio__free(name);
  }
}

int sio__rooms_leave(sio_socket_t *sock, const char *room, size_t len) {
  size_t pos;
  if (find(sock, room, len, &pos)) leave_at(sock, pos);
  return 0;
}

void sio__rooms_leave_all(sio_socket_t *sock) {
  while (sock->nrooms) leave_at(sock, sock->nrooms - 1);
}

void sio__rooms_free(sio_namespace_t *nsp) {
  sio__map_iter_t it = {0, NULL};
  sio__map_ent_t *e;
  while ((e = sio__map_next(&nsp->rooms, &it))) {
    sio__room_t *r = e->val;
    sio__free(r->m);
    sio__free(r);
  }
}
