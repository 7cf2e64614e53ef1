/* libsio-admin's parts (sio/admin.h): options, the instrumentation's state,
 * and the functions its files share. Only the public libsio API is used. */
#ifndef SIO_ADMIN_INTERNAL_H
#define SIO_ADMIN_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "sio/admin.h"

struct sio_admin_opts {
  char *nsp;       /* "/admin" */
  char *username;  /* NULL with no_auth */
  char *hash;      /* bcrypt hash */
  int auth_chosen; /* set_auth or set_no_auth was called */
  int readonly;
  int development;
  char *server_id; /* NULL: the host name */
  uint32_t interval_ms;
  uint32_t max_event_entries;
  uint32_t max_sessions;
  uint32_t max_pending_logins;
};

/* A pointer-keyed open-addressing map (linear probing, backward-shift
 * deletion): the sockets and the Engine.IO sessions being watched. */
typedef struct {
  void *key; /* NULL: empty slot */
  void *ptr;
  uint64_t n;
} admin_slot_t;

typedef struct {
  admin_slot_t *v;
  size_t cap; /* a power of two, or 0 */
  size_t len;
} admin_map_t;

admin_slot_t *admin_map_get(const admin_map_t *m, const void *key);
/* The slot of key, made (zeroed but for key) if new; NULL if out of memory. */
admin_slot_t *admin_map_put(admin_map_t *m, void *key);
void admin_map_del(admin_map_t *m, const void *key);
void admin_map_free(admin_map_t *m);

/* Aggregated events: one entry per (second, type, sub-type), as the UI's
 * charts count them. */
typedef enum {
  ADMIN_EV_RAW_CONNECTION,
  ADMIN_EV_RAW_DISCONNECTION,
  ADMIN_EV_PACKETS_IN,
  ADMIN_EV_PACKETS_OUT,
  ADMIN_EV_BYTES_IN,
  ADMIN_EV_BYTES_OUT
} admin_ev_type_t;

#define ADMIN_SUBTYPE_MAX 48
typedef struct {
  int64_t ts; /* ms since the epoch, whole seconds */
  admin_ev_type_t type;
  char subtype[ADMIN_SUBTYPE_MAX]; /* "" for none */
  uint64_t count;
} admin_event_t;

/* With workers (sio_server_opts_set_workers), one instance per worker, each
 * with its own server, admin namespace, watched sockets, counters and stats
 * timer, used on that worker's thread only. The hooks are registered once,
 * on worker 0 with the root instance as their argument (the server copies
 * them to every worker), and find their worker's instance (admin_here).
 * The login sessions are the root's, under its lock: an admin may reconnect
 * to any worker. */
struct sio_admin {
  sio_server_t *srv;        /* its worker's server */
  sio_namespace_t *nsp;     /* its worker's admin namespace */
  sio_admin_t *root;        /* worker 0's instance (itself without workers) */
  sio_admin_t **workers;    /* root, with workers: each worker's instance */
  unsigned nworkers;        /* root: the workers (1 without) */
  unsigned index;           /* its worker's index */
  pthread_mutex_t login_mu; /* root: session_ids */
  int login_mu_made;
  sio_admin_opts_t opts;
  char hostname[256];
  char server_id[256];
  uint64_t started;      /* admin_clock_ns at attach */
  sio_interval_t *timer; /* the stats tick; NULL once closed */
  void (*tick)(sio_admin_t *a);
  /* Watched sockets (key socket, ptr its Engine.IO session) and sessions
   * (key session, n its sockets, ptr its last transport name). */
  admin_map_t sockets, sessions;
  admin_event_t *events;
  size_t nevents;
  uint64_t events_dropped;
  char **session_ids; /* login sessions, a ring of max_sessions */
  size_t session_next;
  uint32_t pending_logins;
  int freed; /* sio_admin_free was called */
};

/* The instance of the worker that runs s (a hook's own thread): a itself
 * without workers, NULL when that worker's instance could not be made. */
static inline sio_admin_t *admin_here(sio_admin_t *a, const sio_server_t *s) {
  return a->workers ? a->workers[sio_server_worker(s)] : a;
}

/* admin_sys.c: the server's background services. The timer calls fn every every_ms;
 * closing it is asynchronous (a->timer is NULL once done, then admin_maybe_release runs).
 * admin_queue_work runs work(job) on the thread pool, then done(job, ok) on the loop; 0
 * or an error (done never runs). */
int admin_timer_start(sio_admin_t *a, uint32_t every_ms, void (*fn)(sio_admin_t *a));
void admin_timer_close(sio_admin_t *a);
int admin_queue_work(sio_admin_t *a, void *job, void (*work)(void *job),
                     void (*done)(void *job, int ok));
void admin_hostname(char *out, size_t cap);
long admin_pid(void);
uint64_t admin_clock_ns(void);

/* admin_opts.c */
int admin_opts_copy(sio_admin_opts_t *dst, const sio_admin_opts_t *src);
void admin_opts_clear(sio_admin_opts_t *o);

/* admin_auth.c: the admin namespace's login middleware and its sessions. */
int admin_auth_install(sio_admin_t *a);
/* Sends "session" to a socket that just logged in with a password. */
void admin_auth_on_connection(sio_admin_t *a, sio_socket_t *sock);
void admin_auth_free(sio_admin_t *a);
/* Frees a once nothing refers to it any more (timer closed, no login in
 * flight). */
void admin_maybe_release(sio_admin_t *a);

/* admin_stats.c: counters and the server_stats timer. */
void admin_event_push(sio_admin_t *a, admin_ev_type_t type, const char *subtype,
                      uint64_t count);
int admin_stats_start(sio_admin_t *a);

/* admin_watch.c: the hooks on every namespace. */
int admin_watch_install(sio_admin_t *a);
/* Puts {clientId, transport} in the socket's shared data as "_admin" (what
 * other nodes read when they fetch it), merged when it is an object. */
void admin_mark_shared_data(sio_socket_t *sock);

/* admin_actions.c: the UI's actions, and the socket list for a new admin. */
int admin_actions_install(sio_admin_t *a);
void admin_send_all_sockets(sio_admin_t *a, sio_socket_t *admin_sock);

/* admin_serialize.c */
json_t *admin_serialize_socket(sio_socket_t *sock);
json_t *admin_serialize_remote(const sio_remote_socket_t *rs, const char *nsp);
/* "2026-01-02T03:04:05.678Z", the JSON spelling of a JavaScript Date. */
void admin_iso_date(int64_t ms, char out[32]);
int64_t admin_now_ms(void);
/* Frees what json_dumps returned, with jansson's allocator (an application
 * may have replaced it). */
void admin_json_free(void *p);
/* The namespace named name that exists now (never creates one), or NULL. */
sio_namespace_t *admin_find_namespace(sio_server_t *s, const char *name);
/* Broadcasts event to the admin namespace (through the adapter); args is
 * consumed. */
void admin_broadcast(sio_admin_t *a, const char *event, sio_args_t *args);

#endif
