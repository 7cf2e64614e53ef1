/* The conformance server's Socket.IO endpoint: see socketio.h. Replies are
 * relayed from the received bytes (no re-encoding), which is what lets the
 * suite compare them character for character. */
#include "socketio.h"

#include <stddef.h>

#include "sio/server.h"

static sio_server_t *g_server;
static void (*g_done)(void *arg);
static void *g_done_arg;

static void emit_auth(sio_socket_t *sock, void *arg) {
  (void)arg;
  sio_buf_t auth;
  sio_socket_auth(sock, &auth);
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_raw(a, (const char *)auth.base, auth.len) == 0)
    sio_socket_emit(sock, "auth", a);
  sio_args_free(a);
}

static void on_message(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                       sio_ack_t *ack, void *arg) {
  (void)event;
  (void)ack;
  (void)arg;
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_argv(a, args) == 0) sio_socket_emit(sock, "message-back", a);
  sio_args_free(a);
}

static void on_message_with_ack(sio_socket_t *sock, const char *event,
                                const sio_argv_t *args, sio_ack_t *ack, void *arg) {
  (void)sock;
  (void)event;
  (void)arg;
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  if (!a) return;
  if (sio_args_add_argv(a, args) == 0) sio_ack_send(ack, a);
  sio_args_free(a);
}

int conformance_socketio_attach(sio_http_server_t *http, int deflate) {
  sio_server_opts_t *o = sio_server_opts_new();
  if (!o) return SIO_ENOMEM;
  sio_eio_opts_t *eo = sio_server_opts_eio(o);
  sio_eio_opts_set_ping_interval(eo, 300);
  sio_eio_opts_set_ping_timeout(eo, 200);
  sio_eio_opts_set_max_http_buffer_size(eo, 1000000);
  sio_eio_opts_set_per_message_deflate(eo, deflate);
  sio_server_opts_set_connect_timeout(o, 1000);
  int rc = sio_server_attach(http, o, &g_server);
  sio_server_opts_free(o);
  if (rc) return rc;
  sio_namespace_t *main_nsp = sio_server_of(g_server, "/");
  sio_namespace_t *custom = sio_server_of(g_server, "/custom");
  if (!main_nsp || !custom) return SIO_ENOMEM;
  if ((rc = sio_namespace_on_connection(main_nsp, emit_auth, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "message", on_message, NULL)) ||
      (rc = sio_namespace_on(main_nsp, "message-with-ack", on_message_with_ack, NULL)) ||
      (rc = sio_namespace_on_connection(custom, emit_auth, NULL)))
    return rc;
  return 0;
}

static void closed(sio_server_t *s, void *arg) {
  (void)s;
  (void)arg;
  g_server = NULL;
  if (g_done) g_done(g_done_arg);
}

void conformance_socketio_close(void (*done)(void *arg), void *arg) {
  if (!g_server) {
    if (done) done(arg);
    return;
  }
  g_done = done;
  g_done_arg = arg;
  sio_server_close(g_server, closed, NULL);
}
