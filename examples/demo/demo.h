/* demo: the libsio counterpart of Flask-SocketIO's example application.
 *
 * The program's parts share this header:
 *   main.c    options, finding the web page, startup and clean shutdown
 *   events.c  the Socket.IO event handlers (echo, broadcast, rooms, ping...)
 *   ticker.c  a background thread that posts a server event every few seconds
 *   vendor.c  serves socket.io-client's browser bundle from node_modules
 *   admin.c   --admin: the Admin UI's instrumentation and its page at /admin/
 *
 * Only the public API (include/sio/) is used: this is what an application
 * written against libsio looks like. */
#ifndef SIO_DEMO_H
#define SIO_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sio/admin.h"
#include "sio/redis.h"
#include "sio/server.h"

typedef struct demo_ticker demo_ticker_t;

/* One file held in memory and served by the application's HTTP handler. */
typedef struct {
  const char *url;          /* "/vendor/socket.io.min.js" (static string) */
  const char *content_type; /* static string */
  char *data;               /* malloc'ed bytes, NULL when the file is missing */
  size_t len;
} demo_file_t;

/* Threads: with --workers N the server runs on N loops, each on a thread of
 * its own (worker 0 on `loop`, main's thread), and the handlers of events.c
 * run on the thread of their client's worker. What they share is read-only
 * once the server listens (the files below, the options); what changes is
 * worker 0's alone (the tick count, stopping, the signals, the ticker's
 * posts) or the socket's own (its receive count in its session). */
typedef struct {
  uv_loop_t loop;
  sio_server_t *sio;    /* worker 0: the server sio_server_new made */
  sio_namespace_t *nsp; /* "/" of worker 0 */
  uv_signal_t sigint, sigterm;
  int stopping;
  demo_ticker_t *ticker;
  uint64_t ticks; /* server-generated events sent so far (worker 0 only) */
  demo_file_t vendor[2];
  sio_admin_t *admin; /* --admin: the instrumentation, or NULL */
  demo_file_t *ui;    /* --admin: the Admin UI's files, served at /admin/ */
  size_t nui;
} demo_app_t;

/* events.c: registers every handler on nsp. 0 or a negative SIO_E* code. */
int demo_events_register(demo_app_t *app, sio_namespace_t *nsp);
/* events.c: sends the server-generated event to everyone (loop thread). */
void demo_events_tick(demo_app_t *app);

/* ticker.c: starts a thread that calls sio_server_post() every interval_ms
 * (the only thread-safe call of libsio); the posted function runs
 * demo_events_tick() on worker 0's loop, whose broadcast reaches the
 * clients of every worker. 0 or a negative error; *out on success. */
int demo_ticker_start(demo_app_t *app, uint32_t interval_ms, demo_ticker_t **out);
/* Stops the thread, waits for it and frees t. Call it on the loop thread
 * before closing the server. NULL is ignored. */
void demo_ticker_stop(demo_ticker_t *t);

/* vendor.c: loads socket.io-client's browser bundle (and its source map)
 * from node_modules next to the web page directory `public_dir`, or from the
 * fallback locations. Returns 1 when the bundle was found, 0 when it is
 * missing (its route then answers 404 and a warning was printed). Call it
 * before the server listens: the workers read the files without a lock. */
int demo_vendor_setup(demo_app_t *app, const char *public_dir);
/* vendor.c: installs the application's routes (the bundle, the Admin UI's
 * files) on one worker's HTTP server; run for every worker
 * (sio_server_on_worker), on that worker before it runs. */
void demo_routes_install(demo_app_t *app, sio_http_server_t *http);
void demo_vendor_free(demo_app_t *app);
/* vendor.c: reads path whole (at most 8 MiB) into a malloc'ed buffer. 0, or
 * -1 when it is missing or too big. */
int demo_read_file(const char *path, char **out, size_t *len);

/* admin.c: --admin USER:PASSWORD: hashes the password with bcrypt, attaches
 * the Admin UI instrumentation (libsio-admin) to app->sio and loads the UI's
 * files from node_modules/@socket.io/admin-ui/ui/dist next to public_dir (or
 * the example folder). 0 or a negative error (printed). */
int demo_admin_setup(demo_app_t *app, const char *user_password, const char *public_dir);
/* Answers GET /admin and /admin/... from the UI's files; 0 when the path is
 * not the UI's (or --admin is off). */
int demo_admin_serve(demo_app_t *app, sio_http_req_t *req);
/* Frees the instrumentation (call in the server's close callback) and the
 * files. */
void demo_admin_free(demo_app_t *app);

/* main.c: the directory of this executable (no trailing '/') in buf, or
 * NULL. */
const char *demo_exe_dir(char *buf, size_t len);
int demo_is_dir(const char *path);
/* buf = "a/b/c"; 0, or -1 when it does not fit in len bytes. */
int demo_path3(char *buf, size_t len, const char *a, const char *b, const char *c);
int demo_is_file(const char *path);

#endif
