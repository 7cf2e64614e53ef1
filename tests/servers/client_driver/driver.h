/* What every scenario of tests/servers/client_driver.c shares: the JSON line
 * output, bounded waits on the driver's loop, and recorders of what a socket
 * and a client report. Single-threaded: all of it runs on driver_loop. */
#ifndef SIO_CLIENT_DRIVER_H
#define SIO_CLIENT_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sio/client.h"

/* The loop every asynchronous scenario runs on (set up by main). */
extern uv_loop_t driver_loop;
/* The --path given, or NULL for the default Engine.IO path. */
extern const char *driver_path;
/* --parser NAME: the client's Socket.IO parser (sio_parser_by_name); NULL:
 * the default. */
extern const char *driver_parser;
/* How many checks failed so far. */
extern int driver_failures;

/* ---- output ---- */

/* Prints one line (a JSON object) on stdout and flushes it. */
void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints {"check":name,"ok":...,"detail":...}; a false ok counts a failure.
 * detail may be NULL. */
void check(const char *name, int ok, const char *detail);
/* A fatal signal prints its number as a last line before the death. */
void report_fatal_signals(void);

/* Sets driver_loop and its deadline timer up; 0 or a libuv error. */
int driver_loop_open(void);
/* Closes the deadline timer, runs driver_loop until every handle closed
 * and closes it: 0 when nothing was left open, else a libuv error. */
int driver_loop_finish(void);

/* ---- bounded waits (each returns once its condition holds or ms pass) ---- */

/* Until *flag != 0; returns whether it is. */
int wait_for(const int *flag, uint64_t ms);
/* Until *counter >= target; returns whether it is. */
int wait_count(const int *counter, int target, uint64_t ms);
/* Until done(arg) != 0, checked after every loop turn; returns done(arg). */
int wait_until(int (*done)(void *arg), void *arg, uint64_t ms);
/* Runs the loop for ms. */
void pause_ms(uint64_t ms);

/* ---- what a socket reports ---- */

#define SOCK_LOG_MAX 64

typedef struct {
  int connected, connect_errors, disconnects;
  char err_msg[128], err_data[128], disc_reason[64];
  int events; /* every event received, also past SOCK_LOG_MAX */
  char last_event[64], last_args[512];
  size_t last_nbins;
  uint8_t last_bin[16];
  size_t last_bin_len;
  int any_count;
  char log_ev[SOCK_LOG_MAX][32];
  char log_args[SOCK_LOG_MAX][128];
} sockstate_t;

/* Clears st and records s's connect, connect_error, disconnect (each also
 * printed as an event line) and every event (catch-all) into it. st must
 * outlive s's callbacks. */
void watch(sio_client_socket_t *s, sockstate_t *st);
/* Waits for an event named ev among the events from index `since` on; its
 * arguments are copied to st->last_args. Returns its index + 1, or 0. */
int wait_event(sockstate_t *st, int since, const char *ev, uint64_t ms);
/* How many events named ev were logged from index `since` on. */
int count_events(const sockstate_t *st, int since, const char *ev);

/* ---- acknowledgements ---- */

typedef struct {
  int done, status;
  char args[512];
  size_t nbins;
  uint8_t bin[16];
  size_t bin_len;
} ackres_t;

/* An ack callback recording into the ackres_t given as arg. */
void on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply, void *arg);

/* ---- what a client (manager) reports ---- */

typedef struct {
  int upgrades, opens, closes, errors, attempts, reconnects, failed;
  char close_reason[64];
} mgrstate_t;

/* Records c's events into m (each also printed as an event line). */
void watch_client(sio_client_t *c, mgrstate_t *m);

/* ---- set-up and tear-down ---- */

/* New options (owned by the caller) with the transport mode and --path. */
sio_client_opts_t *new_opts(sio_transport_mode_t mode);
/* A new client on driver_loop for url with o (o still owned by the caller);
 * NULL, after a failed "new" check, if it cannot be made. */
sio_client_t *new_client(const char *url, const sio_client_opts_t *o);
/* new_client, then o is freed (whether or not the client could be made);
 * the client's events go to m, its root socket ("/") is returned through
 * *root and its events go to st. m and st must outlive the client. NULL,
 * after a failed "new" check, if the client cannot be made. */
sio_client_t *new_watched_client(const char *url, sio_client_opts_t *o, mgrstate_t *m,
                                 sockstate_t *st, sio_client_socket_t **root);
/* Closes c and checks its close callback runs. */
void close_client(sio_client_t *c);

/* An auth callback sending {"token":"secret","n":<call number>}. */
void auth_cb(sio_client_socket_t *s, sio_args_t *auth, void *arg);
/* How often auth_cb ran. */
extern int auth_calls;

#endif
