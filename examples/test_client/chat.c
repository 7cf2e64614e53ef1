/* The chat's handlers (chat.h). The name given at connect is kept in the
 * socket's key-value session. */
#include "chat.h"

#include <jansson.h>
#include <string.h>

static void need_name(sio_socket_t *sock, sio_next_t *next, void *arg) {
  (void)arg;
  json_t *auth = sio_socket_auth_json(sock);
  const char *name = json_string_value(json_object_get(auth, "name"));
  if (name && *name) {
    sio_socket_session_set(sock, "name", name, strlen(name));
    sio_next(next, NULL, NULL);
  } else {
    sio_next(next, "who are you?", NULL);
  }
  json_decref(auth);
}

static const char *name_of(sio_socket_t *sock) {
  const char *name = sio_socket_session_get(sock, "name", NULL);
  return name ? name : "?";
}

static void on_join(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  const char *room = sio_argv_string(av, 0, NULL);
  if (!room || sio_socket_join(sock, room)) return;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, name_of(sock));
  sio_broadcast_emit(
      sio_broadcast_to(sio_namespace_broadcast(sio_socket_namespace(sock)), room),
      "joined", a);
  sio_args_free(a);
}

static void on_say(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg) {
  (void)event, (void)ack, (void)arg;
  const char *room = sio_argv_string(av, 0, NULL);
  const char *text = sio_argv_string(av, 1, NULL);
  if (!room || !text || !sio_socket_in_room(sock, room)) return;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, name_of(sock));
  sio_args_add_string(a, text);
  sio_broadcast_emit(sio_broadcast_to(sio_socket_broadcast(sock), room), "said", a);
  sio_args_free(a);
}

static void on_whoami(sio_socket_t *sock, const char *event, const sio_argv_t *av,
                      sio_ack_t *ack, void *arg) {
  (void)event, (void)av, (void)arg;
  if (!ack) return;
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, name_of(sock));
  sio_ack_send(ack, a);
  sio_args_free(a);
}

int chat_setup(sio_server_t *s) {
  sio_namespace_t *nsp = sio_server_of(s, "/");
  int rc;
  if (!nsp) return SIO_ENOMEM;
  if ((rc = sio_namespace_use(nsp, need_name, NULL)) ||
      (rc = sio_namespace_on(nsp, "join", on_join, NULL)) ||
      (rc = sio_namespace_on(nsp, "say", on_say, NULL)) ||
      (rc = sio_namespace_on(nsp, "whoami", on_whoami, NULL)))
    return rc;
  return 0;
}
