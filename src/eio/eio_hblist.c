/* Heartbeat deadline lists (eio_hblist.h). */
#include "eio/eio_hblist.h"

void sio__eio_hblist_init(sio__eio_hblist_t *l, ptrdiff_t due_off) {
  l->head = l->tail = NULL;
  l->due_off = due_off;
}

void sio__eio_hblist_insert(sio__eio_hblist_t *l, sio__eio_hbnode_t *n) {
  uint32_t due = *sio__eio_hbnode_due(l, n);
  sio__eio_hbnode_t *after = l->tail;
  while (after && sio__eio_due_before(due, *sio__eio_hbnode_due(l, after)))
    after = after->prev;
  n->prev = after;
  n->next = after ? after->next : l->head;
  if (n->next)
    n->next->prev = n;
  else
    l->tail = n;
  if (after)
    after->next = n;
  else
    l->head = n;
}

void sio__eio_hblist_remove(sio__eio_hblist_t *l, sio__eio_hbnode_t *n) {
  if (!sio__eio_hblist_has(l, n)) return;
  if (n->prev)
    n->prev->next = n->next;
  else
    l->head = n->next;
  if (n->next)
    n->next->prev = n->prev;
  else
    l->tail = n->prev;
  n->prev = n->next = NULL;
}
