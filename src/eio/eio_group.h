/* A group of Engine.IO servers, one per worker loop of one process, that
 * serve one port as one server: each session belongs to the worker whose
 * server made it, and a request for it that reaches another worker (a
 * polling GET or POST, a WebSocket upgrade or probe) is handed over with its
 * connection to the owner (http_server.h's hand-off), so no sticky balancer
 * is needed in front of the process.
 *
 * Whose is a session: a generated sid names its worker in its first
 * character (two when there are more than 64 workers), still 20 characters
 * of A-Za-z0-9-_ with 114 random bits; a sid from the application's id
 * generator is found in a process-wide directory (bounded:
 * sio__eio_group_set_max_directory). A request whose sid no worker knows
 * gets the usual 400.
 *
 * Threads: the group is made and listens before the worker loops run; a
 * worker's server is used on its loop's thread only; the group's own state
 * (the directory, the way into each loop) is shared under a lock taken on
 * the hand-off and handshake paths, never per message. A single server
 * (no group) pays one NULL test on a request whose sid it does not know. */
#ifndef SIO_EIO_GROUP_H
#define SIO_EIO_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "sio/eio.h"

typedef struct sio__eio_group sio__eio_group_t;

/* Most workers a group takes. */
#define SIO__EIO_GROUP_MAX 4096
/* The directory's default bound (sessions with generator ids). */
#define SIO__EIO_GROUP_DIRECTORY_MAX ((size_t)1 << 20)

/* Links eios[0..n) (n >= 1, at most SIO__EIO_GROUP_MAX; each on its own
 * HTTP server and loop, none listening or serving yet, all with the same
 * options; borrowed: they must outlive the group) into a group; worker i is
 * eios[i]. The servers' HTTP servers share worker 0's per-IP table. Call on
 * worker 0's loop thread (or before its loop runs), before the loops of
 * workers 1..n-1 run: it makes a way in (a post) on each loop, which holds
 * that loop open until its server is closed. Returns 0 and *out, SIO_EINVAL
 * or SIO_ENOMEM. */
int sio__eio_group_new(sio_eio_server_t **eios, unsigned n, sio__eio_group_t **out);
/* Two groups may share the workers' HTTP servers (Engine.IO servers on
 * other paths of the same servers, e.g. a raw Engine.IO endpoint beside
 * Socket.IO's): one of them listens (sio__eio_group_listen), the other only
 * hands its own sessions' requests over; a hand-off lands on the owner's
 * HTTP server, which routes it by path as any request. */

/* How the workers share the port. SIO__EIO_GROUP_REUSEPORT (the default):
 * one SO_REUSEPORT socket per worker, the kernel spreads connections.
 * SIO__EIO_GROUP_ACCEPTOR: worker 0 alone accepts and deals the connections
 * round robin. Before listen. */
enum { SIO__EIO_GROUP_REUSEPORT = 0, SIO__EIO_GROUP_ACCEPTOR = 1 };
void sio__eio_group_set_listen_mode(sio__eio_group_t *g, int mode);

/* The most sessions with ids from the application's generator the group
 * tracks at once (0: the default, SIO__EIO_GROUP_DIRECTORY_MAX); a
 * handshake past it is refused (500). Before listen. */
void sio__eio_group_set_max_directory(sio__eio_group_t *g, size_t max);

/* Every worker listens on host:port (port 0: a free port, the same for
 * all), as sio_http_server_listen does. Before the loops of workers 1..n-1
 * run (worker 0's may). Returns 0 or the first error (then none listens). */
int sio__eio_group_listen(sio__eio_group_t *g, const char *host, int port);
/* The port the group listens on, or a negative error. */
int sio__eio_group_port(const sio__eio_group_t *g);

/* Stops accepting on every worker (their listening sockets close; the
 * connections stay). Any worker's thread, or any thread while the loops
 * run: it posts a job to each worker. Idempotent. */
void sio__eio_group_stop_accepting(sio__eio_group_t *g);

/* Drains the group: every worker stops accepting (as above), then closes its
 * sessions ("server shutting down": held GETs get the close packet,
 * WebSockets a close frame) and refuses new handshakes (503), each on its
 * own thread. The servers stay open: closing them (sio_eio_server_close,
 * then the HTTP servers' close) ends the connections, each given the drain
 * bound to write what is queued. Any thread; idempotent. */
void sio__eio_group_drain(sio__eio_group_t *g);
/* The drain bound of every worker's HTTP server (http_server.h's
 * sio__http_server_set_drain_ms; 0: the default, SIO__HTTP_DRAIN_MS). Before
 * the loops run. */
void sio__eio_group_set_drain_ms(sio__eio_group_t *g, uint32_t ms);

/* Frees the group, once every worker's server was closed
 * (sio_eio_server_close, which also closes that worker's way in) and its
 * loop stopped. NULL is ignored. */
void sio__eio_group_free(sio__eio_group_t *g);

/* The number of workers, and a server's index in its group (0 without). */
unsigned sio__eio_group_size(const sio__eio_group_t *g);
unsigned sio__eio_server_worker(const sio_eio_server_t *s);

/* ---- for src/eio ---- */

/* The worker that owns sid (len bytes), or -1 when none does. */
int sio__eio_group_owner(sio__eio_group_t *g, const char *sid, size_t len);
/* Writes worker's mark into a generated sid (20 characters). */
void sio__eio_group_stamp(const sio__eio_group_t *g, unsigned worker, char *sid);
/* Hands req's connection to worker (its owner); req is gone after it. */
void sio__eio_group_handoff(sio__eio_group_t *g, unsigned worker, sio_http_req_t *req);
/* A session with a generator's id opened on worker s (registered) / closed.
 * enter: 0, SIO_EEXIST (another worker has it) or SIO_ELIMIT (directory
 * full). Generated ids are not tracked (their sid says it all): no-op. */
int sio__eio_group_enter(sio_eio_server_t *s, const char *sid);
void sio__eio_group_leave(sio_eio_server_t *s, const char *sid);
/* Publishes worker s's session count (after a session opened or closed;
 * its thread), and the sum of every worker's (any thread). */
void sio__eio_group_count(sio_eio_server_t *s);
size_t sio__eio_group_sessions(const sio__eio_group_t *g);
/* 1 if another worker's session has this generator id. */
int sio__eio_group_taken(sio_eio_server_t *s, const char *sid, size_t len);
/* Worker s's server is closing: its way in closes (jobs waiting for it are
 * dropped, later hand-offs to it are refused). Its loop thread. */
void sio__eio_group_worker_closing(sio_eio_server_t *s);

#endif
