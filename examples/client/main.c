/* client: a command-line chat client for the demo server (examples/demo),
 * written against libsio's client API (include/sio/client.h).
 *
 *   build/client [--url http://127.0.0.1:5000] [--transport polling|websocket|upgrade]
 *
 * Type a line to send it as `my_event`; commands:
 *   /b TEXT          my_broadcast_event (to everyone)
 *   /join ROOM       join a room          /leave ROOM     leave it
 *   /room ROOM TEXT  my_room_event        /close ROOM     close_room
 *   /ping            my_ping with an ack: prints the round trip
 *   /quit            disconnect and exit (so does the end of input)
 * Every `my_response` from the server is printed as "[count] data".
 * The client reconnects by itself when the server goes away. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/client.h"

#define LINE_MAX_LEN 4096

static uv_loop_t *loop;
static sio_client_t *client;
static sio_client_socket_t *sock;
static uv_pipe_t in;
static uv_timer_t quit_timer;
static char line[LINE_MAX_LEN + 1];
static size_t line_len;
static int quitting;

/* Emits event with one JSON object built from a jansson pack format. */
static void emit_obj(const char *event, json_t *obj) {
  sio_args_t *a = sio_args_new();
  if (!obj || !a || sio_args_add_json(a, obj) != 0) {
    fprintf(stderr, "! could not build the message\n");
  } else {
    int rc = sio_client_socket_emit(sock, event, a);
    if (rc) fprintf(stderr, "! %s: %s\n", event, sio_strerror(rc));
  }
  sio_args_free(a);
  json_decref(obj);
}

static void on_response(sio_client_socket_t *s, const char *event, const sio_argv_t *args,
                        sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)arg;
  json_t *v = sio_argv_json(args, 0);
  json_t *data = json_object_get(v, "data");
  json_t *count = json_object_get(v, "count");
  char *text = data ? json_dumps(data, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  if (json_is_string(data))
    printf("[%lld] %s\n", (long long)json_integer_value(count), json_string_value(data));
  else
    printf("[%lld] %s\n", (long long)json_integer_value(count), text ? text : "?");
  fflush(stdout);
  free(text);
  json_decref(v);
  /* disconnect_request asks for an ack before the server disconnects us. */
  if (ack) sio_client_ack_send(ack, NULL);
}

static void on_pong(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                    void *arg) {
  (void)s, (void)reply;
  uint64_t sent = (uint64_t)(uintptr_t)arg;
  if (status == 0)
    printf("pong in %llu ms\n", (unsigned long long)(uv_now(loop) - sent));
  else
    printf("ping failed: %s\n", sio_strerror(status));
  fflush(stdout);
}

static void on_connect(sio_client_socket_t *s, void *arg) {
  (void)arg;
  printf("* connected as %s over %s\n", sio_client_socket_id(s),
         sio_client_transport(client) ? sio_client_transport(client) : "?");
  fflush(stdout);
}

static void on_connect_error(sio_client_socket_t *s, const char *msg, const char *data,
                             void *arg) {
  (void)s, (void)arg;
  printf("* connect error: %s%s%s\n", msg, data ? " " : "", data ? data : "");
  fflush(stdout);
}

static void on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s, (void)arg;
  printf("* disconnected: %s\n", reason);
  fflush(stdout);
}

static void on_manager(sio_client_t *c, sio_client_event_t ev, int value,
                       const char *reason, void *arg) {
  (void)c, (void)reason, (void)arg;
  if (ev == SIO_CLIENT_RECONNECT_ATTEMPT) printf("* reconnecting (attempt %d)\n", value);
  if (ev == SIO_CLIENT_UPGRADE) printf("* upgraded to websocket\n");
  fflush(stdout);
}

static void quit(void) {
  if (quitting) return;
  quitting = 1;
  uv_close((uv_handle_t *)&in, NULL);
  uv_close((uv_handle_t *)&quit_timer, NULL);
  sio_client_close(client, NULL, NULL);
}

static void on_quit_timer(uv_timer_t *t) {
  (void)t;
  quit();
}

/* "/cmd rest": returns rest after the command word, or NULL. */
static const char *cmd(const char *l, const char *name) {
  size_t n = strlen(name);
  if (strncmp(l, name, n) != 0 || (l[n] != ' ' && l[n] != 0)) return NULL;
  l += n;
  while (*l == ' ') l++;
  return l;
}

static void handle_line(char *l) {
  const char *r;
  if (!*l) return;
  if ((r = cmd(l, "/quit"))) {
    quit();
  } else if ((r = cmd(l, "/b"))) {
    emit_obj("my_broadcast_event", json_pack("{s:s}", "data", r));
  } else if ((r = cmd(l, "/join"))) {
    emit_obj("join", json_pack("{s:s}", "room", r));
  } else if ((r = cmd(l, "/leave"))) {
    emit_obj("leave", json_pack("{s:s}", "room", r));
  } else if ((r = cmd(l, "/close"))) {
    emit_obj("close_room", json_pack("{s:s}", "room", r));
  } else if ((r = cmd(l, "/room"))) {
    char room[128];
    size_t n = strcspn(r, " ");
    if (n == 0 || n >= sizeof(room)) {
      fprintf(stderr, "! usage: /room ROOM TEXT\n");
      return;
    }
    memcpy(room, r, n);
    room[n] = 0;
    r += n;
    while (*r == ' ') r++;
    emit_obj("my_room_event", json_pack("{s:s,s:s}", "room", room, "data", r));
  } else if ((r = cmd(l, "/ping"))) {
    int rc = sio_client_socket_emit_with_ack(sock, "my_ping", NULL, 5000, on_pong,
                                             (void *)(uintptr_t)uv_now(loop));
    if (rc) fprintf(stderr, "! ping: %s\n", sio_strerror(rc));
  } else if (l[0] == '/' && !cmd(l, "/say")) {
    fprintf(stderr, "! unknown command\n");
  } else {
    emit_obj("my_event", json_pack("{s:s}", "data", (r = cmd(l, "/say")) ? r : l));
  }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h, (void)hint;
  static char b[4096];
  *buf = uv_buf_init(b, sizeof(b));
}

static void on_stdin(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  (void)s;
  if (n < 0) {
    /* End of input: give the last messages and their answers a moment. */
    uv_read_stop((uv_stream_t *)&in);
    uv_timer_start(&quit_timer, on_quit_timer, 1000, 0);
    return;
  }
  for (ssize_t i = 0; i < n && !quitting; i++) {
    char ch = buf->base[i];
    if (ch == '\n') {
      if (line_len && line[line_len - 1] == '\r') line_len--;
      line[line_len] = 0;
      line_len = 0;
      handle_line(line);
    } else if (line_len < LINE_MAX_LEN) {
      line[line_len++] = ch;
    }
  }
}

int main(int argc, char **argv) {
  const char *url = "http://127.0.0.1:5000";
  sio_transport_mode_t mode = SIO_TRANSPORT_POLLING_UPGRADE;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
      url = argv[++i];
    } else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc) {
      const char *t = argv[++i];
      mode = strcmp(t, "polling") == 0     ? SIO_TRANSPORT_POLLING
             : strcmp(t, "websocket") == 0 ? SIO_TRANSPORT_WEBSOCKET
                                           : SIO_TRANSPORT_POLLING_UPGRADE;
    } else {
      fprintf(stderr,
              "usage: client [--url URL] [--transport polling|websocket|upgrade]\n");
      return 2;
    }
  }
  loop = uv_default_loop();
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, mode);
  int rc = sio_client_new(loop, url, o, &client);
  sio_client_opts_free(o);
  if (rc) {
    fprintf(stderr, "client: %s: %s\n", url, sio_strerror(rc));
    return 1;
  }
  sio_client_on_event(client, on_manager, NULL);
  sock = sio_client_socket(client, "/");
  sio_client_socket_on_connect(sock, on_connect, NULL);
  sio_client_socket_on_connect_error(sock, on_connect_error, NULL);
  sio_client_socket_on_disconnect(sock, on_disconnect, NULL);
  sio_client_socket_on(sock, "my_response", on_response, NULL);
  sio_client_socket_connect(sock);

  uv_timer_init(loop, &quit_timer);
  uv_pipe_init(loop, &in, 0);
  if (uv_pipe_open(&in, 0) != 0 ||
      uv_read_start((uv_stream_t *)&in, on_alloc, on_stdin)) {
    fprintf(stderr, "client: cannot read stdin\n");
    quit();
  }
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
