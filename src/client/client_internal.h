/* The Socket.IO client: the manager (client_manager.c: session, decoding,
 * reconnection, close) and its namespace sockets (client_socket.c: connect,
 * events, emits, acks). */
#ifndef SIO_CLIENT_INTERNAL_H
#define SIO_CLIENT_INTERNAL_H

#include "core/rbuf.h"
#include "eio/eio_client.h"
#include "client/client_opts.h"
#include "io/timer.h"
#include "sio/sio_message.h"

typedef struct {
  char *event; /* NULL: catch-all */
  sio_client_socket_event_cb cb;
  void *arg;
} sio__chandler_t;

typedef struct sio__cack {
  struct sio__cack *next;
  uint64_t id;
  sio_client_ack_cb cb;
  void *arg;
  sio__timer_t *timer;
  sio_client_socket_t *s;
} sio__cack_t;

/* An emit made while not connected, encoded: its first message and the
 * attachments that follow it (one reference held on each owner). */
typedef struct {
  sio__rbuf_t *msg;
  uint8_t binary;
  sio__sio_attachment_t *att;
  size_t natt;
} sio__cpending_t;

enum { CS_IDLE, CS_CONNECTING, CS_CONNECTED };

struct sio_client_socket {
  sio_client_t *c;
  struct sio_client_socket *next;
  char *nsp;
  int state;
  int want; /* the user wants it connected */
  uint32_t epoch;
  char id[64];
  char *auth_json;
  sio_client_auth_cb auth_cb;
  void *auth_arg;
  sio__chandler_t *h;
  size_t nh, hcap;
  sio_client_connect_cb on_connect;
  void *on_connect_arg;
  sio_client_connect_error_cb on_connect_error;
  void *on_connect_error_arg;
  sio_client_disconnect_cb on_disconnect;
  void *on_disconnect_arg;
  sio__cack_t *acks;
  uint64_t next_ack;
  sio__cpending_t *buf; /* emits made while not connected */
  size_t nbuf, bufcap;
  void *data;
  /* Connection state recovery: the private session id the server gave
   * ("" when it keeps none), the offset of the last event received, and
   * the events a recovery brought before its CONNECT reply (the reference
   * sends them first), dispatched once connected. */
  char pid[64];
  char offset[72];
  int recovered;
  sio__stored_t **early;
  size_t nearly, earlycap;
};

struct sio_client_ack {
  sio_client_socket_t *s;
  uint64_t id;
  uint32_t epoch;
  int held, done;
};

enum { CM_CLOSED, CM_OPENING, CM_OPEN };

struct sio_client {
  uv_loop_t *loop;
  sio__http_target_t t;
  sio_client_opts_t o;
  sio__eio_client_t *e;
  int state;
  const sio_parser_t *parser;
  void *dec; /* the parser's decoder, in the client's allocation */
  sio_client_socket_t *socks;
  sio__timer_t *rtimer; /* reconnection delay */
  uint32_t attempts;    /* reconnection attempts so far */
  int reconnecting;
  int closing;
  sio_client_close_cb close_cb;
  void *close_arg;
  sio__timer_t *close_timer;
  sio_client_event_cb ev_cb;
  void *ev_arg;
  void *data;
};

/* Manager side. */
void sio__client_manager_emit(sio_client_t *c, sio_client_event_t ev, int value,
                              const char *reason);
/* Opens the session if nobody is opening or waiting to reconnect. */
void sio__client_manager_ensure_open(sio_client_t *c);
/* Closes the session gracefully when no socket wants it. */
void sio__client_manager_maybe_close(sio_client_t *c);
/* Sends an encoded packet on the session: msg[0..len) (binary or text),
 * then each attachment as a binary message. */
int sio__client_manager_send(sio_client_t *c, int binary, const uint8_t *msg, size_t len,
                             const sio__sio_attachment_t *att, size_t natt);

/* Socket side. */
void sio__client_socket_send_connect(sio_client_socket_t *s);
void sio__client_socket_on_packet(sio_client_socket_t *s, const sio__sio_packet_t *pkt);
/* The session is gone: connected sockets disconnect with reason. */
void sio__client_socket_session_lost(sio_client_socket_t *s, const char *reason);
/* Opening the session failed while s wanted to connect. */
void sio__client_socket_open_failed(sio_client_socket_t *s, const char *reason);
void sio__client_socket_fail_acks(sio_client_socket_t *s, int status);
void sio__client_socket_free(sio_client_socket_t *s);

#endif
