/* The Engine.IO server's shared state: the server, its options and its
 * sessions, split over eio_server.c (requests, handshake, shutdown),
 * eio_socket.c (session state: queue, heartbeat, close), eio_polling.c
 * (GET/POST) and eio_ws.c (WebSocket transport and the upgrade probe). */
#ifndef SIO_EIO_INTERNAL_H
#define SIO_EIO_INTERNAL_H

#include "eio/eio_hb.h"
#include "eio/eio_hblist.h"
#include "eio/eio_msg.h"
#include "eio/eio_opts.h"
#include "eio/eio_packet.h"
#include "eio/eio_ratelimit.h"
#include "eio/eio_sidmap.h"
#include "eio/eio_stats.h"
#include "http/http_server.h"
#include "io/timer.h"
#include "sio/eio.h"
#include "ws/ws_conn.h"

struct sio_eio_server {
  sio_http_server_t *http;
  uv_loop_t *loop;
  sio_eio_opts_t opts;
  sio__eio_sidmap_t sessions;
  size_t max_wbuf; /* polling write buffer cap (the HTTP write-queue cap) */
  sio_eio_connection_cb on_connection;
  void *on_connection_data;
  sio_eio_message_cb on_message;
  void *on_message_data;
  sio_eio_close_cb on_close;
  void *on_close_data;
  void *data;
  int closing;
  sio_eio_server_close_cb close_cb;
  void *close_data;
  sio__timer_t *close_timer;
  /* Control packets shared by every session (their wire forms cached). */
  sio__eio_msg_t *ping, *pong, *noop, *close;
  /* Handshakes waiting for the asynchronous allowRequest (eio_hooks.c). */
  struct sio_eio_allow *allow_waiting;
  sio__eio_stats_t stats; /* eio_stats.h */
  /* One of the workers' servers (eio_group.h), or NULL alone. */
  struct sio__eio_group *group;
  unsigned worker; /* its index in the group */
  int draining;    /* sessions closed, new handshakes refused (eio_group.h) */
  /* Sessions by heartbeat deadline, one list per SIO__EIO_HB_* wait, and
   * the timer armed for the earliest (eio_hb.h). */
  sio__eio_hblist_t hb[SIO__EIO_HB_KINDS];
  sio__timer_t *hb_timer;
  uint32_t hb_armed; /* the deadline hb_timer was started for */
  int hb_firing;     /* hb_timer's callback runs: it re-arms when done */
  /* Long header values shared by the kept handshakes (eio_hvals.h; NULL:
   * off). Closed, not freed, with the server: handshakes may outlive it. */
  struct sio__eio_hvals *hvals;
};

/* The handshake request, copied with the peer's address (eio_handshake.c). */
typedef struct sio__eio_hs sio__eio_hs_t;
/* keep: the headers to keep (sio_eio_opts_t's keep_headers; NULL: all);
 * vals: the server's shared values (eio_hvals.h; NULL: none shared). */
sio__eio_hs_t *sio__eio_hs_new(sio_http_req_t *req, const char *keep,
                               struct sio__eio_hvals *vals);
/* The peer's address kept with the handshake ("" if unknown). */
const char *sio__eio_hs_remote(const sio__eio_hs_t *hs);
void sio__eio_hs_free(sio__eio_hs_t *hs);
/* The bytes the block takes (what a session keeps of its handshake). */
size_t sio__eio_hs_bytes(const sio__eio_hs_t *hs);

enum { SIO__EIO_OPEN_STATE, SIO__EIO_CLOSING_STATE, SIO__EIO_CLOSED_STATE };

/* Who ends a polling session decides what a held GET gets: `1` when the
 * server closes, `6` when the client sent `1`. */
typedef enum { SIO__EIO_BY_SERVER, SIO__EIO_BY_CLIENT } sio__eio_closer_t;

/* A session's polling side: its packet buffer, held requests, upgrade probe
 * and their timers. Made with a polling session; a session opened on
 * WebSocket never has one, and an upgrade lets it go once it is idle, so an
 * idle WebSocket session is 48 bytes smaller. */
typedef struct sio__eio_polling {
  /* Packets waiting for a polling GET (or for the upgrade to finish). */
  sio__eio_msg_t **wbuf;
  uint32_t wlen, wcap;
  sio_http_req_t *get;       /* the held GET, or NULL */
  sio_http_req_t *post;      /* the POST whose body is arriving, or NULL */
  sio__timer_t *close_timer; /* graceful polling close: wait for a GET */
  sio__ws_conn_t *probe;     /* a WebSocket probing for an upgrade, or NULL */
  sio__timer_t *upgrade_timer;
  uint32_t wbytes; /* wbuf's polling size, against server->max_wbuf */
} sio__eio_polling_t;

struct sio_eio_socket {
  sio_eio_server_t *server;
  sio__eio_hs_t *hs;
  void *data;
  sio__eio_polling_t *pl; /* NULL: none (a WebSocket session) */
  sio__ws_conn_t *ws;     /* the WebSocket transport, once open or upgraded */

  /* Its place in the server's list for hb_wait (eio_hb.h), and its
   * deadline there: the next ping, the pong's, or a v3 client's ping (the
   * low 32 bits of sio__now_ms(); right after the links, no padding). */
  sio__eio_hbnode_t hb;
  sio__eio_bucket_t bucket; /* incoming packets (sio_eio_opts_set_rate_limit) */
  uint32_t hb_due;
  uint32_t refs;         /* the map's reference while not closed, plus callers' */
  uint8_t state;         /* SIO__EIO_*_STATE */
  uint8_t transport : 2; /* SIO_EIO_POLLING or SIO_EIO_WEBSOCKET */
  uint8_t pooled : 1;    /* from the sessions' block pool (eio_socket.c), not malloc */
  /* Flags in one byte, so an idle session's allocation (with a 20-character
   * id) stays at 104 bytes, malloc's 112-byte class. v3: Engine.IO v3 (EIO=3;
   * eio_v3.h's forms, the client pings); b64: v3 transports (SIO_EIO_*
   * bits) whose request asked b64=1. */
  uint8_t announced : 1;   /* the connection callback ran */
  uint8_t probe_acked : 1; /* 3probe was sent: GETs get `6` at once */
  uint8_t upgraded : 1;    /* came from polling to WebSocket */
  uint8_t hb_wait : 2;     /* SIO__EIO_HB_*: what the session waits for */
  uint8_t v3 : 1;
  uint8_t b64 : 2;
  /* Last, right after the small fields: sized to the id (a custom generator may give up
   * to SIO_EIO_SID_MAX characters; ours are 20). */
  char sid[];
};

/* The polling side's parts, read on a session that may have none. */
static inline sio_http_req_t *sio__eio_held_get(const sio_eio_socket_t *sock) {
  return sock->pl ? sock->pl->get : NULL;
}
static inline sio__ws_conn_t *sio__eio_probe(const sio_eio_socket_t *sock) {
  return sock->pl ? sock->pl->probe : NULL;
}
static inline uint32_t sio__eio_wlen(const sio_eio_socket_t *sock) {
  return sock->pl ? sock->pl->wlen : 0;
}

/* ---- eio_server.c ---- */
/* Opens a session for the handshake request req, which passed every check
 * (the allow hooks included): answers req either way. */
void sio__eio_handshake_now(sio_eio_server_t *s, sio_http_req_t *req, unsigned transport,
                            int is_upgrade);

/* Closes every session with reason (close callbacks run). */
void sio__eio_server_close_sessions(sio_eio_server_t *s, const char *reason);

/* ---- eio_hooks.c ---- */
/* Appends the application's extra header lines for a response to req:
 * the initial hook's when initial, then the every-response hook's. */
void sio__eio_hooks_headers(sio_eio_server_t *s, sio_http_req_t *req, int initial,
                            sio__sb_t *hdr);
/* Whether the every-response hook is set. */
int sio__eio_hooks_have_headers(const sio_eio_server_t *s);
/* A new session id into out: random, or the application's generator's
 * (checked, not in use). 0, SIO_EINVAL / SIO_EEXIST (the generator failed:
 * refuse the handshake) or SIO_ENOMEM. */
int sio__eio_hooks_new_sid(sio_eio_server_t *s, sio_http_req_t *req,
                           char out[SIO_EIO_SID_MAX + 1]);
/* A new random sid into out (21 bytes), naming its worker in a group. 0 or
 * SIO_EAGAIN. */
int sio__eio_new_random_sid(const sio_eio_server_t *s, char *out);
/* Holds the handshake req and asks the asynchronous allow hook. */
void sio__eio_hooks_allow_start(sio_eio_server_t *s, sio_http_req_t *req,
                                unsigned transport, int is_upgrade);
/* Server shutdown: every waiting handshake gets a 503 and is forgotten. */
void sio__eio_hooks_allow_close_all(sio_eio_server_t *s);

/* ---- eio_socket.c ---- */
/* A new session (not registered) with the id sid for the handshake request
 * req, whose address and headers it copies. NULL if out of memory. */
sio_eio_socket_t *sio__eio_socket_new(sio_eio_server_t *s, unsigned transport,
                                      sio_http_req_t *req, const char *sid);
void sio__eio_socket_ref(sio_eio_socket_t *sock);
void sio__eio_socket_unref(sio_eio_socket_t *sock);
/* Registers the session (map) and starts its heartbeat. 0 or SIO_ENOMEM. */
int sio__eio_socket_register(sio_eio_socket_t *sock);
/* Runs the connection callback (once). */
void sio__eio_socket_announce(sio_eio_socket_t *sock);
/* Queues one packet (takes no reference of msg; adds its own). Internal
 * packets are queued whatever the state but CLOSED. Returns 0 or an error;
 * the session may be closed on return (write buffer over its cap). */
int sio__eio_socket_enqueue(sio_eio_socket_t *sock, sio__eio_msg_t *msg);
/* Sends everything buffered over the (new) WebSocket transport, in order,
 * and empties the buffer. 0 or an error. */
int sio__eio_socket_drain_to_ws(sio_eio_socket_t *sock);
/* After an upgrade: frees the polling side if nothing in it is in use (no
 * held GET, POST in progress, probe or buffered packet). */
void sio__eio_socket_polling_release(sio_eio_socket_t *sock);
/* Polling: answers the held GET with everything buffered, if both exist. */
void sio__eio_socket_flush(sio_eio_socket_t *sock);
/* Answers req (a GET) with the whole buffer and empties it. */
void sio__eio_socket_answer_get(sio_eio_socket_t *sock, sio_http_req_t *req);
/* Checks the heartbeat deadlines against the clock now (a request or frame
 * arrived): sends a due ping, closes a session whose pong is late. Returns 0
 * if the session lives, -1 if it is closed. */
int sio__eio_socket_heartbeat(sio_eio_socket_t *sock);
/* Handles one packet received on the session's transport (OPEN state).
 * Returns 0, or SIO_EPROTO when the packet is a protocol error (the caller
 * closes the session). */
int sio__eio_socket_on_packet(sio_eio_socket_t *sock, const sio__eio_packet_t *p);
/* Closes the session now: timers stop, the probe closes, a held GET gets `1`
 * (by server) or `6` (by client), a WebSocket transport gets a close frame
 * unless gone (sock->ws NULL), the map forgets the sid and the close callback
 * runs. Idempotent. */
void sio__eio_socket_destroy(sio_eio_socket_t *sock, const char *reason,
                             sio__eio_closer_t by);

/* ---- eio_polling.c ---- */
void sio__eio_polling_on_get(sio_eio_socket_t *sock, sio_http_req_t *req);
void sio__eio_polling_on_post(sio_eio_socket_t *sock, sio_http_req_t *req);
/* Answers a polling GET with a fixed body ("1", "6", "6\x1e1"). */
/* The header lines of a polling 200 answer to req (no-store and the
 * application's), built in hdr when needed: valid until sio__sb_reset(hdr),
 * which the caller runs after answering. */
const char *sio__eio_polling_headers(sio_eio_server_t *s, sio_http_req_t *req,
                                     sio__sb_t *hdr);
void sio__eio_polling_answer_text(sio_eio_server_t *s, sio_http_req_t *req,
                                  const char *text, size_t len);
/* Answers a polling GET of sock with the bodiless packets whose type digits
 * are types ("6", "1", "61"), in the session's payload format. */
void sio__eio_polling_answer_ctl(sio_eio_socket_t *sock, sio_http_req_t *req,
                                 const char *types);
/* Whether a handshake request asks for Engine.IO v3 (EIO other than "4", as
 * the reference decides), and whether it asks for base64 binary (a non-empty
 * b64 parameter). */
int sio__eio_req_is_v3(sio_http_req_t *req);
int sio__eio_req_b64(sio_http_req_t *req);

/* ---- eio_ws.c ---- */
/* Accepts the upgrade and makes it the transport of the new session sock
 * (created, not registered). On success the session is registered, the open
 * packet sent and the connection callback run; on failure sock is freed and
 * the request was answered. */
void sio__eio_ws_handshake(sio_eio_socket_t *sock, sio_http_req_t *req);
/* Appends the Set-Cookie lines of the handshake: the session's when the
 * cookie option is on, the server's when the server cookie is set. */
void sio__eio_cookie_append(const sio_eio_socket_t *sock, sio__sb_t *hdr);
/* Accepts the upgrade as a probe for the polling session sock. */
void sio__eio_ws_start_probe(sio_eio_socket_t *sock, sio_http_req_t *req);
/* Accepts the upgrade and closes it at once (101 then close). */
void sio__eio_ws_accept_and_close(sio_eio_server_t *s, sio_http_req_t *req);
/* Ends a probe: closes its WebSocket, GETs are held again. */
void sio__eio_ws_abort_probe(sio_eio_socket_t *sock);
/* Closes the session's WebSocket transport (close frame) and forgets it. */
void sio__eio_ws_close_transport(sio_eio_socket_t *sock);

#endif
