/* The handlers shared by the test servers (see test_handlers.h). */
#include "test_handlers.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

void ack_json(sio_ack_t *ack, json_t *v) {
  if (ack) {
    sio_args_t *a = sio_args_new();
    if (a && v) sio_args_add_json(a, v);
    sio_ack_send(ack, a);
    sio_args_free(a);
  }
  json_decref(v);
}

const char *str_arg(const sio_argv_t *av, size_t i) {
  const char *s = sio_argv_string(av, i, NULL);
  return s ? s : "";
}

json_t *rooms_json(sio_socket_t *sock) {
  json_t *r = json_array();
  for (size_t i = 0; i < sio_socket_rooms_count(sock); i++)
    json_array_append_new(r, json_string(sio_socket_room(sock, i)));
  return r;
}

sio_args_t *args_from(const sio_argv_t *av, size_t from) {
  sio_args_t *a = sio_args_new();
  if (!a) return NULL;
  if (from == 0) {
    sio_args_add_argv(a, av);
    return a;
  }
  /* Each argument's text with every attachment: the placeholders it
   * holds pick theirs and are renumbered. */
  size_t natt = sio_argv_attachments_count(av);
  sio_buf_t *att = calloc(natt ? natt : 1, sizeof(*att));
  if (!att) {
    sio_args_free(a);
    return NULL;
  }
  for (size_t k = 0; k < natt; k++) sio_argv_attachment(av, k, &att[k]);
  for (size_t i = from; i < sio_argv_count(av); i++) {
    sio_buf_t raw;
    if (sio_argv_raw(av, i, &raw) == 0)
      sio_args_add_raw_binary(a, (const char *)raw.base, raw.len, att, natt);
  }
  free(att);
  return a;
}

json_t *arg_json(const sio_argv_t *av, size_t i) {
  sio_buf_t b;
  if (sio_argv_type(av, i) == SIO_ARG_BINARY && sio_argv_binary(av, i, &b) == 0) {
    json_t *bytes = json_array();
    for (size_t k = 0; k < b.len; k++)
      json_array_append_new(bytes, json_integer(b.base[k]));
    return json_pack("{s:o}", "binary", bytes);
  }
  json_t *v = sio_argv_json(av, i);
  return v ? v : json_null();
}

/* ---- events ---- */

void emit_auth(sio_socket_t *sock, void *arg) {
  (void)arg;
  sio_buf_t auth;
  sio_socket_auth(sock, &auth);
  sio_args_t *a = sio_args_new();
  if (a && sio_args_add_raw(a, (const char *)auth.base, auth.len) == 0)
    sio_socket_emit(sock, "auth", a);
  sio_args_free(a);
}

void on_echo(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
             void *arg) {
  (void)ev, (void)ack, (void)arg;
  sio_args_t *a = args_from(av, 0);
  sio_socket_emit(sock, "echo", a);
  sio_args_free(a);
}

void on_echo_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
                 void *arg) {
  (void)sock, (void)ev, (void)arg;
  if (!ack) return;
  sio_args_t *a = args_from(av, 0);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

void on_make_binary(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)sock, (void)ev, (void)av, (void)arg;
  if (!ack) return;
  static const uint8_t one[] = {1, 2, 3}, two[] = {4, 5};
  static const char nested[] = "{\"nested\":{\"_placeholder\":true,\"num\":0},\"n\":1}";
  sio_buf_t bin = {two, sizeof(two)};
  sio_args_t *a = sio_args_new();
  sio_args_add_binary(a, one, sizeof(one));
  sio_args_add_raw_binary(a, nested, sizeof(nested) - 1, &bin, 1);
  sio_ack_send(ack, a);
  sio_args_free(a);
}

void on_rooms(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
              void *arg) {
  (void)arg;
  if (strcmp(ev, "join") == 0)
    sio_socket_join(sock, str_arg(av, 0));
  else if (strcmp(ev, "leave") == 0)
    sio_socket_leave(sock, str_arg(av, 0));
  else if (strcmp(ev, "leave-all") == 0)
    sio_socket_leave_all(sock);
  ack_json(ack, rooms_json(sock));
}

void on_to_rooms(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
                 void *arg) {
  (void)ev, (void)arg;
  json_t *sel = sio_argv_json(av, 0);
  sio_broadcast_t *b = json_is_true(json_object_get(sel, "sender"))
                           ? sio_socket_broadcast(sock)
                           : sio_namespace_broadcast(sio_socket_namespace(sock));
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(sel, "to"), i, r) {
    b = sio_broadcast_to(b, json_string_value(r));
  }
  json_array_foreach(json_object_get(sel, "except"), i, r) {
    b = sio_broadcast_except(b, json_string_value(r));
  }
  if (json_is_true(json_object_get(sel, "volatile"))) b = sio_broadcast_volatile(b);
  if (json_is_true(json_object_get(sel, "local"))) b = sio_broadcast_local(b);
  json_decref(sel);
  sio_args_t *a = args_from(av, 2);
  int n = sio_broadcast_emit(b, str_arg(av, 1), a);
  sio_args_free(a);
  ack_json(ack, json_integer(n));
}

void on_sockets_op(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)arg;
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  if (*str_arg(av, 0)) b = sio_broadcast_to(b, str_arg(av, 0));
  if (strcmp(ev, "sockets-join") == 0) {
    ack_json(ack, json_integer(sio_broadcast_sockets_join(b, str_arg(av, 1))));
  } else if (strcmp(ev, "sockets-leave") == 0) {
    ack_json(ack, json_integer(sio_broadcast_sockets_leave(b, str_arg(av, 1))));
  } else {
    int close = 0;
    sio_argv_bool(av, 1, &close);
    ack_json(ack, json_string("ok"));
    sio_broadcast_disconnect_sockets(b, close);
  }
}

/* Numbers the threads that run handlers, each on its first `worker` event
 * (a thread's number never changes, whatever the worker count). */
static atomic_int threads_numbered;
static _Thread_local int this_thread_number = -1;

void on_worker(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
               void *arg) {
  (void)sock, (void)ev, (void)av, (void)arg;
  if (this_thread_number < 0) this_thread_number = atomic_fetch_add(&threads_numbered, 1);
  ack_json(ack, json_integer(this_thread_number));
}

void on_relay_events(sio_namespace_t *nsp) {
  sio_namespace_on(nsp, "echo", on_echo, NULL);
  sio_namespace_on(nsp, "echo-ack", on_echo_ack, NULL);
  sio_namespace_on(nsp, "make-binary", on_make_binary, NULL);
}

void private_mw(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  json_t *auth = sio_socket_auth_json(sock);
  const char *tok = json_string_value(json_object_get(auth, "token"));
  if (tok && strcmp(tok, "secret") == 0)
    sio_next(next, NULL, NULL);
  else
    sio_next(next, "not authorized", "{\"code\":42}");
  json_decref(auth);
}

/* ---- shutdown ---- */

static struct {
  sio_server_t *srv;
  uv_signal_t sigint, sigterm;
  int stopping;
} shutdown_state;

static void on_server_closed(sio_server_t *s, void *arg) {
  (void)s, (void)arg;
  uv_close((uv_handle_t *)&shutdown_state.sigint, NULL);
  uv_close((uv_handle_t *)&shutdown_state.sigterm, NULL);
}

static void on_stop_signal(uv_signal_t *h, int signum) {
  (void)h, (void)signum;
  if (shutdown_state.stopping) return;
  shutdown_state.stopping = 1;
  sio_server_close(shutdown_state.srv, on_server_closed, NULL);
}

int close_on_signals(uv_loop_t *loop, sio_server_t *srv) {
  shutdown_state.srv = srv;
  int rc = uv_signal_init(loop, &shutdown_state.sigint);
  if (rc == 0) rc = uv_signal_init(loop, &shutdown_state.sigterm);
  if (rc == 0) rc = uv_signal_start(&shutdown_state.sigint, on_stop_signal, SIGINT);
  if (rc == 0) rc = uv_signal_start(&shutdown_state.sigterm, on_stop_signal, SIGTERM);
  return rc;
}

int serve_until_signal(uv_loop_t *loop, sio_server_t *srv, const char *name) {
  close_on_signals(loop, srv);
  printf("listening on 127.0.0.1:%d\n", sio_server_port(srv));
  fflush(stdout);
  uv_run(loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(loop);
  if (rc) {
    fprintf(stderr, "%s: loop not closed cleanly: %s\n", name, uv_strerror(rc));
    return 1;
  }
  return 0;
}
