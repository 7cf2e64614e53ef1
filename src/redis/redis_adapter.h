/* The Redis adapter's shared state (src/redis/redis_adapter.c: attach,
 * namespaces, broadcasts, dispatch; redis_requests.c: requests to other
 * servers and answers to theirs). Wire format: docs/REDIS-WIRE.md,
 * classic mode of @socket.io/redis-adapter 8.x. */
#ifndef SIO_REDIS_ADAPTER_H
#define SIO_REDIS_ADAPTER_H

#include <jansson.h>
#include <stdint.h>

#include "redis/redis_conn.h"
#include "redis/redis_loop.h"
#include "redis/redis_msgpack.h"
#include "redis/redis_opts.h"
#include "redis/redis_reqtable.h"
#include "sio/metrics.h"
#include "sio/redis.h"

/* At most this many binary attachments in one message from the bus. */
#define SIO__REDIS_MAX_ATT 1000

typedef struct sio__redis_node sio__redis_node_t;
typedef struct sio__redis_nsp sio__redis_nsp_t;

/* One per server: the Redis connections and every namespace's instance. */
struct sio__redis_node {
  sio_server_t *srv;
  sio__redis_loop_t *loop;
  char *key; /* channel prefix */
  uint32_t request_timeout_ms;
  int specific_response_channel;
  uint32_t max_message; /* received message cost bound (sio_redis_opts) */
  sio__redis_conn_t *conn;
  sio__redis_nsp_t *nsps; /* instances, linked */
  sio__rq_table_t rq;     /* pending requests of every instance */
  uint64_t bad_messages;  /* dropped as malformed */
  uint64_t bad_logged_at; /* loop time of the last such log line */
  uint64_t bad_at_log;    /* bad_messages at that line */
  uint64_t published;     /* publishes accepted (sent, or queued while down) */
  uint64_t received;      /* messages received on the adapter's channels */
};

/* One per namespace (Node: one adapter per namespace, with its own uid). */
struct sio__redis_nsp {
  sio__redis_nsp_t *next;
  sio__redis_node_t *node;
  sio_namespace_t *nsp;
  const char *name; /* the namespace's, borrowed */
  char uid[16];
  char *bcast_prefix; /* P#N#  (channels P#N# and P#N#room#) */
  size_t bcast_prefix_len;
  char *bcast_pattern;     /* P#N#* */
  char *req_channel;       /* P-request#N# */
  char *resp_channel;      /* P-response#N# */
  char *resp_own;          /* P-response#N#uid# */
  sio__rq_owed_t *ss_live; /* server-side acks we still owe */
};

/* ---- redis_adapter.c ---- */
/* Publishes on the commander connection; logs (rate-limited) what fails. */
int sio__redis_publish(sio__redis_node_t *node, const char *channel, const void *data,
                       size_t len);
/* A malformed message from the bus: counted, logged at most every 10 s. */
void sio__redis_bad_message(sio__redis_node_t *node, const char *what);
/* Decoded names: 1 if one holds a NUL byte; NUL-terminated copies (one
 * malloc'd block of pointers then bytes; free() it). */
int sio__redis_has_nul(const sio__rmp_str_t *v, size_t n);
char **sio__redis_cstrings(const sio__rmp_str_t *v, size_t n);
/* A decoded broadcast made ready for local delivery: pkt and opts point at
 * NUL-terminated copies of its names (and borrow its arguments, so b must
 * outlive them); opts.flags gets LOCAL, VOLATILE if volatile_ and b's
 * no_compress. 0 or SIO_ENOMEM; free with sio__redis_local_free either way. */
typedef struct {
  sio_adapter_packet_t pkt;
  sio_adapter_opts_t opts;
} sio__redis_local_t;
int sio__redis_local_of(const sio__rmp_broadcast_t *b, int volatile_,
                        sio__redis_local_t *out);
void sio__redis_local_free(sio__redis_local_t *l);
/* Random [A-Za-z0-9_-] characters, NUL-terminated (n includes the NUL). */
void sio__redis_random_id(char *out, size_t n);

/* ---- redis_requests.c ---- */
int sio__redis_fetch_sockets(void *self, const sio_adapter_opts_t *opts,
                             sio_adapter_fetch_t *req);
int sio__redis_server_side_emit(void *self, const sio_adapter_packet_t *pkt);
int sio__redis_server_side_emit_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                         sio_adapter_ack_t *ack);
int sio__redis_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                  const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack);
int sio__redis_server_count(void *self, void (*cb)(int status, size_t count, void *arg),
                            void *arg);
int sio__redis_sockets_join(void *self, const sio_adapter_opts_t *opts,
                            const char *const *rooms, size_t nrooms);
int sio__redis_sockets_leave(void *self, const sio_adapter_opts_t *opts,
                             const char *const *rooms, size_t nrooms);
int sio__redis_disconnect_sockets(void *self, const sio_adapter_opts_t *opts, int close);
/* A message on the request channel / a response channel. */
void sio__redis_on_request(sio__redis_nsp_t *inst, const char *data, size_t len);
void sio__redis_on_response(sio__redis_nsp_t *inst, const char *data, size_t len);
/* Cancels the instance's requests (namespace gone). */
void sio__redis_cancel_requests(sio__redis_nsp_t *inst);

/* ---- redis_json.c: JSON of requests (jansson) ---- */
/* "[" json "]" of wire arguments as a jansson array, binary placeholders
 * replaced by Node's Buffer form {"type":"Buffer","data":[...]}. NULL if the
 * JSON is not valid. New reference. */
json_t *sio__redis_args_to_jansson(const char *json, size_t len, const sio_buf_t *att,
                                   size_t natt);
/* The wire form of args (NULL: none): JSON text (borrowed) and its
 * attachments (a malloc'd array of borrowed spans, NULL when none; free()
 * it). 0 or SIO_ENOMEM. */
int sio__redis_args_view(const sio_args_t *args, sio_buf_t *json, sio_buf_t **att,
                         size_t *natt);
/* A client's answer to a broadcast with ack as it goes back to the
 * requester: the JSON of its first argument ("null" when none; borrowed)
 * and the answer's attachments as sio__redis_args_view gives them. 0 or
 * SIO_ENOMEM. */
int sio__redis_first_reply(const sio_argv_t *reply, sio_buf_t *first, sio_buf_t **att,
                           size_t *natt);
/* The same as a jansson array (binary in Node's Buffer form). NULL on error. */
json_t *sio__redis_sio_args_to_jansson(const sio_args_t *args);
/* A selection as Node's {"rooms":[...],"except":[...]}. New reference. */
json_t *sio__redis_opts_to_jansson(const sio_adapter_opts_t *o);
/* Reads {"rooms":[...],"except":[...]} into o (arrays of borrowed strings,
 * malloc'd: free with sio__redis_opts_free). 0 or SIO_EPROTO. */
int sio__redis_opts_from_jansson(const json_t *j, sio_adapter_opts_t *o);
void sio__redis_opts_free(sio_adapter_opts_t *o);
/* An array of strings (NULL: empty) as a malloc'd array of borrowed
 * pointers (free() it). 0, SIO_EPROTO, SIO_ENOMEM. */
int sio__redis_strings_from(const json_t *a, const char *const **out, size_t *n);
/* Compact JSON text of v (malloc'd, NUL-terminated; NULL if out of memory). */
char *sio__redis_dump(const json_t *v, size_t *len);
/* A socket as a fetch answer lists it: {"id","handshake","rooms","data"}.
 * NULL if out of memory. New reference. */
json_t *sio__redis_socket_json(sio_socket_t *sock);
/* The same for a socket of a fetch (another worker's: from its JSON). */
json_t *sio__redis_remote_socket_json(const sio_remote_socket_t *rs);
/* Adds the sockets of a fetch answer (an array of such objects; others are
 * passed over) to fetch. */
void sio__redis_fetch_add_sockets(sio_adapter_fetch_t *fetch, const json_t *sockets);
/* Elements from..end of a jansson array as wire arguments (comma-separated
 * JSON, malloc'd, NUL-terminated). */
char *sio__redis_array_to_args(const json_t *arr, size_t from, size_t *len);

/* The adapter's metrics, a source of the server's (sio/metrics.h):
 * redis_metrics.c. */
void sio__redis_metrics(sio_metrics_out_t *out, void *node);

#endif
