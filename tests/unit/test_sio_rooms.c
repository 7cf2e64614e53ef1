/* Unit tests for the in-memory adapter's pure parts: the room index (join,
 * leave, order, cleanup, the swap-remove bookkeeping), selections (to rooms
 * as a union, except, each socket once), server-wide join/leave on a
 * selection, dynamic namespace matching, and the string map. Sockets here
 * are bare structs with no Engine.IO session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio/sio_internal.h"
#include "support/bare_server.h"

typedef bare_server_t fx_t;

static sio_socket_t *mk(fx_t *f, const char *id) {
  sio_socket_t *s = bare_socket_new(f, id, SIO__SOCK_CONNECTED);
  bare_socket_add(s);
  return s;
}

static int setup(void **state) {
  *state = bare_server_new();
  return *state ? 0 : -1;
}

static int teardown(void **state) {
  bare_server_release(*state);
  bare_server_free(*state);
  return 0;
}

static void test_join_leave(void **state) {
  fx_t *f = *state;
  sio_socket_t *a = mk(f, "A"), *b = mk(f, "B"), *c = mk(f, "C");
  assert_int_equal(sio_socket_join(a, "r"), 0);
  assert_int_equal(sio_socket_join(a, "r"), 0); /* twice is once */
  assert_int_equal(sio_socket_join(b, "r"), 0);
  assert_int_equal(sio_socket_join(c, "r"), 0);
  assert_int_equal(sio_socket_join(b, "s"), 0);
  assert_int_equal(sio_socket_rooms_count(a), 2);
  assert_string_equal(sio_socket_room(a, 0), "A");
  assert_string_equal(sio_socket_room(a, 1), "r");
  assert_null(sio_socket_room(a, 2));
  assert_true(sio_socket_in_room(b, "s"));
  assert_false(sio_socket_in_room(a, "s"));
  sio__room_t *r = sio__map_get(&f->nsp->rooms, "r", 1);
  assert_int_equal(r->n, 3);
  /* a leaves: c takes its slot; its record must follow. */
  assert_int_equal(sio_socket_leave(a, "r"), 0);
  assert_int_equal(r->n, 2);
  for (size_t i = 0; i < r->n; i++) {
    sio_socket_t *m = r->m[i];
    for (size_t k = 0; k < m->nrooms; k++)
      if (m->rooms[k].room == r) assert_int_equal(m->rooms[k].idx, i);
  }
  assert_int_equal(sio_socket_leave(c, "r"), 0);
  assert_int_equal(sio_socket_leave(c, "r"), 0); /* not in it: fine */
  assert_int_equal(sio_socket_leave(b, "r"), 0);
  /* The empty room is gone. */
  assert_false(sio_namespace_has_room(f->nsp, "r"));
  assert_true(sio_namespace_has_room(f->nsp, "s"));
  /* Order is kept when a middle room goes. */
  sio_socket_join(b, "t");
  sio_socket_leave(b, "s");
  assert_string_equal(sio_socket_room(b, 0), "B");
  assert_string_equal(sio_socket_room(b, 1), "t");
  sio_socket_leave_all(b);
  assert_int_equal(sio_socket_rooms_count(b), 0);
  /* Still connected: found by its id outside every room. */
  assert_ptr_equal(sio_namespace_socket(f->nsp, "B"), b);
  assert_ptr_equal(sio_namespace_socket(f->nsp, "A"), a);
  assert_null(sio_namespace_socket(f->nsp, "Z"));
}

/* The index by id finds every socket through additions and removals in any
 * order (removal moves later entries back into the freed slot). */
static void test_socket_index(void **state) {
  (void)state;
  enum { N = 300 };
  sio_socket_t *s = calloc(N, sizeof(*s));
  assert_non_null(s);
  sio__sockidx_t x;
  sio__sockidx_init(&x);
  assert_null(sio__sockidx_get(&x, "s1", 2));
  for (int i = 0; i < N; i++) {
    snprintf(s[i].id, sizeof(s[i].id), "s%d", i);
    assert_int_equal(sio__sockidx_add(&x, &s[i]), 0);
  }
  for (int i = 0; i < N; i += 3) sio__sockidx_del(&x, &s[i]);
  sio__sockidx_del(&x, &s[0]); /* not there: nothing */
  assert_int_equal(x.n, N - N / 3);
  for (int i = 0; i < N; i++) {
    sio_socket_t *got = sio__sockidx_get(&x, s[i].id, strlen(s[i].id));
    if (i % 3 == 0)
      assert_null(got);
    else
      assert_ptr_equal(got, &s[i]);
  }
  assert_null(sio__sockidx_get(&x, "s1x", 3));
  assert_null(sio__sockidx_get(&x, "s", 1));
  assert_null(sio__sockidx_get(&x, "a-name-longer-than-any-id", 25));
  for (int i = 0; i < N; i++)
    if (i % 3) sio__sockidx_del(&x, &s[i]);
  assert_int_equal(x.n, 0);
  for (int i = 0; i < N; i++) assert_null(sio__sockidx_get(&x, s[i].id, strlen(s[i].id)));
  sio__sockidx_free(&x);
  free(s);
}

static void collect(sio_socket_t *sock, void *arg) {
  char *out = arg;
  strcat(out, sock->id);
}

static void sorted(char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (s[j] < s[i]) {
        char t = s[i];
        s[i] = s[j];
        s[j] = t;
      }
}

static void select_ids(fx_t *f, const char *const *to, size_t nto, const char *const *ex,
                       size_t nex, char *out) {
  sio_adapter_opts_t o = {to, nto, ex, nex, 0, 0};
  out[0] = 0;
  int n = sio_adapter_local_fetch(f->nsp, &o, NULL, collect, out);
  assert_int_equal(n, (int)strlen(out));
  sorted(out);
}

static void test_selection(void **state) {
  fx_t *f = *state;
  sio_socket_t *a = mk(f, "A"), *b = mk(f, "B"), *c = mk(f, "C"), *d = mk(f, "D");
  sio_socket_join(a, "r1");
  sio_socket_join(b, "r1");
  sio_socket_join(b, "r2");
  sio_socket_join(c, "r2");
  (void)d;
  char out[16];
  select_ids(f, NULL, 0, NULL, 0, out);
  assert_string_equal(out, "ABCD");
  /* Marks are 32 bits: when they wrap, a mark left long ago must not
   * match the first new one. */
  f->srv.mark_gen = UINT32_MAX;
  a->mark_ex = 1;
  c->mark_in = 1;
  const char *r2[] = {"r2"};
  select_ids(f, r2, 1, NULL, 0, out);
  assert_string_equal(out, "BC");
  assert_int_equal(f->srv.mark_gen, 1);
  select_ids(f, NULL, 0, NULL, 0, out);
  assert_string_equal(out, "ABCD");
  const char *r12[] = {"r1", "r2"};
  select_ids(f, r12, 2, NULL, 0, out);
  assert_string_equal(out, "ABC"); /* B once */
  const char *exr1[] = {"r1"};
  select_ids(f, r12 + 1, 1, exr1, 1, out);
  assert_string_equal(out, "C");
  const char *exa[] = {"A"};
  select_ids(f, NULL, 0, exa, 1, out);
  assert_string_equal(out, "BCD"); /* a socket's id is a room */
  const char *none[] = {"nope"};
  select_ids(f, none, 1, NULL, 0, out);
  assert_string_equal(out, "");
  /* A socket that is going away is never selected. */
  c->closing = 1;
  select_ids(f, r12 + 1, 1, NULL, 0, out);
  assert_string_equal(out, "B");
  c->closing = 0;
  /* Server-wide join/leave on a selection. */
  const char *nr[] = {"new"};
  sio_adapter_opts_t o = {r12, 2, exr1, 1, 0, 0};
  assert_int_equal(sio_adapter_local_sockets_join(f->nsp, &o, nr, 1), 1);
  assert_true(sio_socket_in_room(c, "new"));
  assert_false(sio_socket_in_room(b, "new"));
  sio_adapter_opts_t all = {NULL, 0, NULL, 0, 0, 0};
  assert_int_equal(sio_adapter_local_sockets_join(f->nsp, &all, nr, 1), 4);
  const char *newr[] = {"new"};
  sio_adapter_opts_t innew = {newr, 1, NULL, 0, 0, 0};
  assert_int_equal(sio_adapter_local_sockets_leave(f->nsp, &innew, nr, 1), 4);
  assert_false(sio_namespace_has_room(f->nsp, "new"));
}

static int match_even(const char *name, void *arg) {
  (void)arg;
  size_t n = strlen(name);
  return n > 0 && (name[n - 1] - '0') % 2 == 0;
}

static void test_dynamic_namespaces(void **state) {
  fx_t *f = *state;
  sio_namespace_t *p = sio_server_of_pattern(&f->srv, "/dyn-*");
  assert_non_null(p);
  sio_namespace_t *c1 = sio__namespace_lookup(&f->srv, "/dyn-1", 6);
  assert_non_null(c1);
  assert_ptr_equal(sio_namespace_parent(c1), p);
  assert_string_equal(sio_namespace_name(c1), "/dyn-1");
  assert_ptr_equal(sio__namespace_lookup(&f->srv, "/dyn-1", 6), c1); /* created once */
  assert_null(sio__namespace_lookup(&f->srv, "/dyn-1/x", 8));
  assert_null(sio__namespace_lookup(&f->srv, "/other", 6));
  assert_non_null(sio__namespace_lookup(&f->srv, "/dyn-", 5));
  sio_namespace_t *q = sio_server_of_dynamic(&f->srv, match_even, NULL);
  assert_ptr_equal(sio_namespace_parent(sio__namespace_lookup(&f->srv, "/n2", 3)), q);
  assert_null(sio__namespace_lookup(&f->srv, "/n3", 3));
  assert_null(sio__namespace_lookup(&f->srv, "/a,b2", 5)); /* not a valid name */
  assert_ptr_equal(sio__namespace_lookup(&f->srv, "/", 1), f->nsp);
}

/* The plain backtracking definition, as the oracle on small inputs. */
static int glob_oracle(const char *pat, const char *s) {
  for (; *pat; pat++, s++) {
    if (*pat == '*') {
      for (const char *t = s;; t++) {
        if (glob_oracle(pat + 1, t)) return 1;
        if (!*t || *t == '/') return 0;
      }
    }
    if (*pat != *s) return 0;
  }
  return *s == 0;
}

static void test_glob(void **state) {
  (void)state;
  static const char *const pats[] = {"/",     "/a",      "/*",      "/a*",    "/*a",
                                     "/a*b",  "/*a*",    "/a*b*c",  "/**",    "/*/*",
                                     "/a/*b", "/*-*-*",  "/m-*-*",  "/ab*ab", "/*aa*a",
                                     "/a*/b", "/*/a*/*", "/x*y*/z", "/*ab*"};
  static const char *const names[] = {
      "/",     "/a",     "/b",     "/ab",    "/aab",   "/abab",    "/abc",
      "/a/b",  "/a/xb",  "/ab/b",  "/a-b-c", "/m--",   "/m-1-2-3", "/m-1/2-3",
      "/aaa",  "/aabaa", "/abxab", "/ab/ab", "/xay/z", "/xy/z",    "/x/y/z",
      "/a-/b", "/aaaab", "/aba",   "/cab",   "/a/b/c", "/ab/a/x",  "/b/a/"};
  for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
    for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
      int want = glob_oracle(pats[i], names[j]);
      int got = sio__glob(pats[i], names[j], strlen(names[j]), NULL);
      if (got != want) fail_msg("%s vs %s: %d, want %d", pats[i], names[j], got, want);
    }
  /* Adversarial names: the work stays within (name + 1) x (pattern + 1)
   * comparisons (backtracking at every star needed about n^k for k stars). */
  char small[2001] = "/m-";
  memset(small + 3, '-', sizeof(small) - 4);
  small[sizeof(small) - 2] = '/';
  uint64_t few = 0;
  assert_int_equal(sio__glob("/m-*-*x", small, sizeof(small) - 1, &few), 0);
  assert_true(few <= (uint64_t)sizeof(small) * 8);
  size_t n = 40000;
  char *name = malloc(n + 2);
  name[0] = '/';
  memset(name + 1, 'a', n);
  name[n + 1] = 0;
  static const char *const hostile[] = {"/*a*a*a*a*b", "/m-*-*", "/*aaaaaaaab*",
                                        "/*a*a*a/"};
  for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
    uint64_t steps = 0;
    assert_int_equal(sio__glob(hostile[i], name, n + 1, &steps), 0);
    assert_true(steps <= (uint64_t)(n + 2) * (strlen(hostile[i]) + 1));
  }
  memcpy(name, "/m-", 3);
  memset(name + 3, '-', n - 2);
  uint64_t steps = 0;
  assert_int_equal(sio__glob("/m-*-*", name, n + 1, &steps), 1);
  assert_true(steps <= (uint64_t)(n + 2) * 7);
  name[n] = '/';
  steps = 0;
  assert_int_equal(sio__glob("/m-*-*x", name, n + 1, &steps), 0);
  assert_true(steps <= (uint64_t)(n + 2) * 8);
  free(name);
}

/* A client chooses the names of dynamic children: their length is bounded. */
static void test_dynamic_name_bound(void **state) {
  fx_t *f = *state;
  assert_non_null(sio_server_of_pattern(&f->srv, "/dyn-*"));
  char name[SIO_NSP_NAME_MAX_DEFAULT + 2];
  memcpy(name, "/dyn-", 5);
  memset(name + 5, 'x', sizeof(name) - 5);
  assert_non_null(sio__namespace_lookup(&f->srv, name, SIO_NSP_NAME_MAX_DEFAULT));
  assert_null(sio__namespace_lookup(&f->srv, name, SIO_NSP_NAME_MAX_DEFAULT + 1));
  f->srv.max_nsp_name = 8;
  assert_non_null(sio__namespace_lookup(&f->srv, "/dyn-abc", 8));
  assert_null(sio__namespace_lookup(&f->srv, "/dyn-abcd", 9));
}

/* The bucket of a name depends on the map's random key: two maps place the
 * same names differently, so clients cannot pick names that share one. */
static void test_map_keyed(void **state) {
  (void)state;
  sio__map_t a, b;
  sio__map_init(&a);
  sio__map_init(&b);
  char key[16];
  for (int i = 0; i < 6; i++) {
    int n = snprintf(key, sizeof(key), "room%d", i);
    assert_int_equal(sio__map_put(&a, key, (size_t)n, NULL, NULL), 0);
    assert_int_equal(sio__map_put(&b, key, (size_t)n, NULL, NULL), 0);
  }
  assert_int_equal(a.nb, b.nb);
  int differ = 0;
  for (size_t i = 0; i < a.nb; i++) {
    const sio__map_ent_t *x = a.b[i], *y = b.b[i];
    while (x && y && x->klen == y->klen && memcmp(x->key, y->key, x->klen) == 0) {
      x = x->next;
      y = y->next;
    }
    differ |= x || y;
  }
  assert_true(differ);
  sio__map_free(&a);
  sio__map_free(&b);
}

static void test_map(void **state) {
  (void)state;
  sio__map_t m;
  sio__map_init(&m);
  char key[16];
  for (int i = 0; i < 500; i++) {
    int n = snprintf(key, sizeof(key), "k%d", i);
    assert_int_equal(sio__map_put(&m, key, (size_t)n, (void *)(intptr_t)(i + 1), NULL),
                     0);
  }
  assert_int_equal(m.n, 500);
  for (int i = 0; i < 500; i += 2) {
    int n = snprintf(key, sizeof(key), "k%d", i);
    assert_int_equal((intptr_t)sio__map_del(&m, key, (size_t)n), i + 1);
  }
  size_t seen = 0;
  sio__map_iter_t it = {0, NULL};
  sio__map_ent_t *e;
  while ((e = sio__map_next(&m, &it))) {
    int i = atoi(e->key + 1);
    assert_true(i % 2 == 1);
    assert_int_equal((intptr_t)e->val, i + 1);
    seen++;
  }
  assert_int_equal(seen, 250);
  assert_null(sio__map_get(&m, "k0", 2));
  assert_int_equal((intptr_t)sio__map_get(&m, "k1", 2), 2);
  assert_null(sio__map_get(&m, "k1", 1)); /* lengths count, not NULs */
  sio__map_free(&m);
}

/* The observation hooks: room events in Node's order, and new namespaces. */
typedef struct {
  char log[512];
  fx_t *f;
} seen_t;

static void on_room(sio_namespace_t *nsp, sio_room_event_t ev, const char *room,
                    const char *sid, void *arg) {
  seen_t *w = arg;
  static const char *names[] = {"create", "delete", "join", "leave"};
  size_t n = strlen(w->log);
  snprintf(w->log + n, sizeof(w->log) - n, "%s:%s:%s:%s ", sio_namespace_name(nsp),
           names[ev], room, sid);
}

static void test_room_events(void **state) {
  fx_t *f = *state;
  seen_t w = {{0}, f};
  assert_int_equal(sio_server_on_room_event(&f->srv, NULL, NULL), SIO_EINVAL);
  assert_int_equal(sio_server_on_room_event(&f->srv, on_room, &w), 0);
  sio_socket_t *a = mk(f, "A"), *b = mk(f, "B");
  assert_int_equal(sio_socket_join(a, "r"), 0);
  assert_int_equal(sio_socket_join(a, "r"), 0); /* already in: no event */
  assert_int_equal(sio_socket_join(b, "r"), 0);
  assert_int_equal(sio_socket_leave(a, "r"), 0);
  assert_int_equal(sio_socket_leave(a, "nope"), 0); /* not in: no event */
  assert_int_equal(sio_socket_leave(b, "r"), 0);
  assert_string_equal(w.log, "/:create:A:A /:join:A:A /:create:B:B /:join:B:B "
                             "/:create:r:A /:join:r:A /:join:r:B /:leave:r:A "
                             "/:leave:r:B /:delete:r:B ");
  sio__cbvec_free(&f->srv.observe_room); /* w goes out of scope */
}

/* A hook that joins the room being left again keeps it alive. */
static void rejoin(sio_namespace_t *nsp, sio_room_event_t ev, const char *room,
                   const char *sid, void *arg) {
  fx_t *f = arg;
  if (ev == SIO_ROOM_LEFT && strcmp(room, "keep") == 0)
    assert_int_equal(sio_socket_join(f->socks[1], "keep"), 0);
}

static void test_room_event_hook_rejoins(void **state) {
  fx_t *f = *state;
  sio_socket_t *a = mk(f, "A");
  mk(f, "B");
  assert_int_equal(sio_server_on_room_event(&f->srv, rejoin, f), 0);
  assert_int_equal(sio_socket_join(a, "keep"), 0);
  assert_int_equal(sio_socket_leave(a, "keep"), 0);
  assert_false(sio_socket_in_room(a, "keep"));
  assert_true(sio_socket_in_room(f->socks[1], "keep"));
  assert_non_null(sio_namespace_socket(f->nsp, "B"));
  sio__cbvec_free(&f->srv.observe_room); /* teardown's leaves must not rejoin */
}

static void count_room(const char *room, size_t members, void *arg) {
  char *out = arg;
  size_t n = strlen(out);
  snprintf(out + n, 64 - n, "%s=%zu ", room, members);
}

/* A socket's own room has no entry in the room map, yet behaves as one:
 * selected, listed, left and joined again, and shared with another socket
 * that joins a room of that name. */
static void test_own_room(void **state) {
  fx_t *f = *state;
  seen_t w = {{0}, f};
  assert_int_equal(sio_server_on_room_event(&f->srv, on_room, &w), 0);
  sio_socket_t *a = mk(f, "A"), *b = mk(f, "B");
  assert_null(sio__map_get(&f->nsp->rooms, "A", 1));
  assert_true(sio_namespace_has_room(f->nsp, "A"));
  assert_true(sio_socket_in_room(a, "A"));
  assert_false(sio_socket_in_room(b, "A"));
  /* b joins the room named after a: both are its members. */
  assert_int_equal(sio_socket_join(b, "A"), 0);
  assert_non_null(sio__map_get(&f->nsp->rooms, "A", 1));
  char out[64];
  const char *ta[] = {"A"};
  select_ids(f, ta, 1, NULL, 0, out);
  assert_string_equal(out, "AB");
  select_ids(f, NULL, 0, ta, 1, out);
  assert_string_equal(out, "");
  out[0] = 0;
  assert_int_equal(sio_namespace_foreach_room(f->nsp, count_room, out), 2);
  assert_true(strstr(out, "A=2 ") && strstr(out, "B=1 "));
  assert_int_equal(sio_socket_leave(b, "A"), 0);
  assert_null(sio__map_get(&f->nsp->rooms, "A", 1));
  assert_true(sio_namespace_has_room(f->nsp, "A"));
  /* a leaves its own room: gone, though a is still connected. */
  assert_int_equal(sio_socket_leave(a, "A"), 0);
  assert_false(sio_namespace_has_room(f->nsp, "A"));
  assert_int_equal(sio_socket_rooms_count(a), 0);
  assert_null(sio_socket_room(a, 0));
  assert_ptr_equal(sio_namespace_socket(f->nsp, "A"), a);
  select_ids(f, ta, 1, NULL, 0, out);
  assert_string_equal(out, "");
  out[0] = 0;
  assert_int_equal(sio_namespace_foreach_room(f->nsp, count_room, out), 1);
  assert_string_equal(out, "B=1 ");
  /* ... and joins it again. */
  assert_int_equal(sio_socket_join(a, "r"), 0);
  assert_int_equal(sio_socket_join(a, "A"), 0);
  assert_int_equal(sio_socket_rooms_count(a), 2);
  assert_string_equal(sio_socket_room(a, 0), "A");
  assert_string_equal(sio_socket_room(a, 1), "r");
  select_ids(f, ta, 1, NULL, 0, out);
  assert_string_equal(out, "A");
  /* Created and deleted once, whoever holds the room. */
  assert_string_equal(w.log, "/:create:A:A /:join:A:A /:create:B:B /:join:B:B "
                             "/:join:A:B /:leave:A:B /:leave:A:A /:delete:A:A "
                             "/:create:r:A /:join:r:A /:create:A:A /:join:A:A ");
  sio__cbvec_free(&f->srv.observe_room); /* w goes out of scope */
}

static void on_nsp(sio_namespace_t *nsp, void *arg) {
  seen_t *w = arg;
  size_t n = strlen(w->log);
  snprintf(w->log + n, sizeof(w->log) - n, "%s ", sio_namespace_name(nsp));
}

static void test_namespace_created(void **state) {
  fx_t *f = *state;
  seen_t w = {{0}, f};
  assert_int_equal(sio_server_on_namespace_created(&f->srv, on_nsp, &w), 0);
  sio_server_of(&f->srv, "/a");
  sio_server_of(&f->srv, "/a");             /* exists: no event */
  sio_server_of_pattern(&f->srv, "/dyn-*"); /* a parent is no namespace of its own */
  sio__namespace_lookup(&f->srv, "/dyn-1", 6);
  sio__namespace_lookup(&f->srv, "/dyn-1", 6);
  sio__namespace_lookup(&f->srv, "/none", 5);
  assert_string_equal(w.log, "/a /dyn-1 ");
  w.log[0] = 0;
  assert_int_equal(sio_server_foreach_namespace(&f->srv, on_nsp, &w), 3);
  assert_non_null(strstr(w.log, "/ "));
  assert_non_null(strstr(w.log, "/a "));
  assert_non_null(strstr(w.log, "/dyn-1 "));
  /* An empty child freed is reported, just before it goes. */
  w.log[0] = 0;
  f->srv.cleanup_children = 1;
  assert_int_equal(sio_server_on_namespace_deleted(&f->srv, on_nsp, &w), 0);
  sio_namespace_t *c1 = sio__namespace_lookup(&f->srv, "/dyn-1", 6);
  sio__namespace_ref(c1);
  sio__namespace_unref(c1);
  assert_string_equal(w.log, "/dyn-1 ");
  assert_int_equal(sio_server_foreach_namespace(&f->srv, on_nsp, &w), 2);
  sio__cbvec_free(&f->srv.observe_nsp);
  sio__cbvec_free(&f->srv.observe_nsp_gone);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_join_leave, setup, teardown),
      cmocka_unit_test_setup_teardown(test_own_room, setup, teardown),
      cmocka_unit_test(test_socket_index),
      cmocka_unit_test_setup_teardown(test_room_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_room_event_hook_rejoins, setup, teardown),
      cmocka_unit_test_setup_teardown(test_namespace_created, setup, teardown),
      cmocka_unit_test_setup_teardown(test_selection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dynamic_namespaces, setup, teardown),
      cmocka_unit_test(test_glob),
      cmocka_unit_test_setup_teardown(test_dynamic_name_bound, setup, teardown),
      cmocka_unit_test(test_map),
      cmocka_unit_test(test_map_keyed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
