/* The in-memory room index of a namespace (the reference's in-memory
 * adapter): room name -> member array, and per socket its memberships with
 * the member's position, so join and leave cost O(rooms of the socket).
 *
 * A socket's own room (named after its id, joined when it connects) is no
 * entry: most sockets are in that room only, and its name, room and two
 * arrays took about 170 bytes of every idle socket. The socket's own_room
 * flag says it is in it, and the namespace's index by id (sio_sockidx.h)
 * finds its member. Another socket may still join a room of that name: the
 * room then has an entry too, and its members are both. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_internal.h"

static int is_own(const sio_socket_t *sock, const char *room, size_t len) {
  return len < sizeof(sock->id) && sock->id[len] == '\0' &&
         memcmp(sock->id, room, len) == 0;
}

sio_socket_t *sio__rooms_own(const sio_namespace_t *nsp, const char *room, size_t len) {
  sio_socket_t *s = sio__sockidx_get(&nsp->ids, room, len);
  return s && s->own_room ? s : NULL;
}

/* Joins or leaves the socket's own room (no entry; created and deleted
 * only when no socket joined a room of that name). */
static void own_join(sio_socket_t *sock) {
  sio_namespace_t *nsp = sock->nsp;
  size_t len = strlen(sock->id);
  sock->own_room = 1;
  int created = !sio__map_get(&nsp->rooms, sock->id, len);
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  if (created && nsp->adapter && ops->room_created)
    ops->room_created(nsp->adapter, sock->id);
  if (nsp->srv->observe_room.n) {
    if (created) sio__observe_room(nsp, SIO_ROOM_CREATED, sock->id, sock->id);
    sio__observe_room(nsp, SIO_ROOM_JOINED, sock->id, sock->id);
  }
}

static void own_leave(sio_socket_t *sock) {
  sio_namespace_t *nsp = sock->nsp;
  size_t len = strlen(sock->id);
  sock->own_room = 0;
  int observed = nsp->srv->observe_room.n != 0;
  if (observed) sio__observe_room(nsp, SIO_ROOM_LEFT, sock->id, sock->id);
  /* A hook may join it again: it is deleted only if still empty after. */
  if (sock->own_room || sio__map_get(&nsp->rooms, sock->id, len)) return;
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  if (nsp->adapter && ops->room_deleted) ops->room_deleted(nsp->adapter, sock->id);
  if (observed) sio__observe_room(nsp, SIO_ROOM_DELETED, sock->id, sock->id);
}

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
  if (is_own(sock, room, len)) {
    if (!sock->own_room) own_join(sock);
    return 0;
  }
  if (find(sock, room, len, NULL)) return 0;
  sio_namespace_t *nsp = sock->nsp;
  /* No capacity field: the array has 2n entries from when n (a power of
   * two) were in it, or one from the start, so it is full exactly when n is
   * 0 or a power of two (it may be larger after leaves: realloc is fine). */
  uint32_t n = sock->nrooms;
  if ((n & (n - 1)) == 0) {
    if (n > UINT32_MAX / 2) return SIO_ENOMEM;
    size_t ncap = n ? (size_t)n * 2 : 1;
    sio__membership_t *nr = sio__realloc(sock->rooms, ncap * sizeof(*nr));
    if (!nr) return SIO_ENOMEM;
    sock->rooms = nr;
  }
  sio__room_t *r = sio__map_get(&nsp->rooms, room, len);
  /* Another socket's own room of that name exists already. */
  int created = !r && !sio__rooms_own(nsp, room, len);
  if (!r) {
    r = sio__calloc(1, sizeof(*r));
    if (!r) return SIO_ENOMEM;
    if (sio__map_put(&nsp->rooms, room, len, r, &r->name)) {
      sio__free(r);
      return SIO_ENOMEM;
    }
    r->name_len = len;
    const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
    if (created && nsp->adapter && ops->room_created)
      ops->room_created(nsp->adapter, r->name);
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
    /* A socket's own room of that name lives on without the entry. */
    int gone = !sio__rooms_own(nsp, r->name, r->name_len);
    const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
    if (gone && nsp->adapter && ops->room_deleted)
      ops->room_deleted(nsp->adapter, r->name);
    char *name = observed && gone ? sio__strndup(r->name, r->name_len) : NULL;
    sio__map_del(&nsp->rooms, r->name, r->name_len);
    sio__free(r->m);
    sio__free(r);
    if (name) sio__observe_room(nsp, SIO_ROOM_DELETED, name, sock->id);
    sio__free(name);
  }
}

int sio__rooms_leave(sio_socket_t *sock, const char *room, size_t len) {
  size_t pos;
  if (is_own(sock, room, len)) {
    if (sock->own_room) own_leave(sock);
  } else if (find(sock, room, len, &pos)) {
    leave_at(sock, pos);
  }
  return 0;
}

/* The last joined first; the own room, joined at the connection, last. */
void sio__rooms_leave_all(sio_socket_t *sock) {
  while (sock->nrooms) leave_at(sock, sock->nrooms - 1);
  if (sock->own_room) own_leave(sock);
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
