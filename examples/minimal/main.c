/* minimal: the smallest useful Socket.IO server, the one README.md shows.
 * `join` puts the client in the room it names; `room-chat` [room, text] goes to
 * everyone else in that room; every `chat` goes to every other client. Both
 * are acknowledged when the client asks for it. */
#include <sio/server.h>
#include <stdio.h>

static void on_join(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                    sio_ack_t *ack, void *arg) {
  size_t len;
  const char *room = sio_argv_string(args, 0, &len); /* borrowed for the call */
  if (room) sio_socket_join(sock, room);
}

static void on_room_chat(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                         sio_ack_t *ack, void *arg) {
  size_t len;
  const char *room = sio_argv_string(args, 0, &len);
  if (!room) return;
  sio_args_t *out = sio_args_new();
  sio_args_add_argv(out, args);
  sio_broadcast_emit(sio_broadcast_to(sio_socket_broadcast(sock), room), "chat", out);
  if (ack) sio_ack_send(ack, NULL);
  sio_args_free(out);
}

static void on_chat(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                    sio_ack_t *ack, void *arg) {
  sio_args_t *out = sio_args_new();
  sio_args_add_argv(out, args); /* relays the JSON as received, no re-encoding */
  sio_broadcast_emit(sio_socket_broadcast(sock), "chat", out); /* all but sender */
  if (ack) sio_ack_send(ack, NULL);
  sio_args_free(out);
}

int main(void) {
  uv_loop_t *loop = uv_default_loop();
  sio_server_t *io;
  if (sio_server_new(loop, NULL, &io) != 0) return 1;
  sio_namespace_t *nsp = sio_server_of(io, "/");
  sio_namespace_on(nsp, "join", on_join, NULL);
  sio_namespace_on(nsp, "chat", on_chat, NULL);
  sio_namespace_on(nsp, "room-chat", on_room_chat, NULL);
  int rc = sio_server_listen(io, "127.0.0.1", 3000);
  if (rc != 0) {
    fprintf(stderr, "listen: %s\n", sio_strerror(rc));
    return 1;
  }
  printf("listening on 127.0.0.1:3000\n");
  return uv_run(loop, UV_RUN_DEFAULT);
}
