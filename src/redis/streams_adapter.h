/* The Redis Streams adapter's shared state (src/redis/streams_adapter.c:
 * attach, namespaces, the stream writer and reader; streams_requests.c:
 * requests to other servers and answers to theirs; streams_codec.c: the
 * messages). Wire format: docs/REDIS-WIRE.md, "Redis Streams adapter". */
#ifndef SIO_REDIS_STREAMS_ADAPTER_H
#define SIO_REDIS_STREAMS_ADAPTER_H

#include <jansson.h>
#include <msgpack.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "redis/redis_conn.h"
#include "redis/redis_loop.h"
#include "redis/redis_reqtable.h"
#include "sio/redis_streams.h"

/* Node's ClusterAdapter message types. */
enum {
  SIO__RS_BROADCAST = 3,
  SIO__RS_SOCKETS_JOIN = 4,
  SIO__RS_SOCKETS_LEAVE = 5,
  SIO__RS_DISCONNECT_SOCKETS = 6,
  SIO__RS_FETCH_SOCKETS = 7,
  SIO__RS_FETCH_SOCKETS_RESPONSE = 8,
  SIO__RS_SERVER_SIDE_EMIT = 9,
  SIO__RS_SERVER_SIDE_EMIT_RESPONSE = 10,
  SIO__RS_BROADCAST_CLIENT_COUNT = 11,
  SIO__RS_BROADCAST_ACK = 12
};

/* At most this many binary values in one received message. */
#define SIO__RS_MAX_ATT 1000
/* The longest stream entry id kept ("<ms>-<seq>"). */
#define SIO__RS_ID_MAX 48

struct sio_redis_streams_opts {
  char *stream;
  char *session_prefix;
  uint32_t max_len, read_count, block_ms;
  size_t max_queued;
};

/* A message of the cluster: data is a JSON value whose binary values are
 * placeholders {"_placeholder":true,"num":N} for att[N]. */
typedef struct {
  char *uid;
  char *nsp;
  int type;
  json_t *data; /* owned reference */
  sio_buf_t *att;
  size_t natt;
  /* what att points into */
  msgpack_unpacked up;
  int has_up;
  uint8_t *raw; /* decoded base64 (owned) */
} sio__rs_msg_t;

typedef struct sio__rs_node sio__rs_node_t;
typedef struct sio__rs_nsp sio__rs_nsp_t;
typedef struct sio__rs_entry sio__rs_entry_t;
typedef struct sio__rs_local sio__rs_local_t;

/* A stream entry waiting for Redis: its fields uid, nsp, type, data as
 * (name, value) pairs packed in buf. */
#define SIO__RS_FIELDS 8
struct sio__rs_entry {
  sio__rs_entry_t *next;
  sio__rs_local_t *local; /* delivered here once the entry has its id */
  size_t bytes;
  size_t lens[SIO__RS_FIELDS];
  char buf[];
};

struct sio__rs_node {
  sio_server_t *srv;
  sio__redis_loop_t *loop;
  char *prefix; /* channel prefix */
  char *stream;
  char *session_prefix;
  char max_len_text[16];
  char read_count_text[16];
  char block_text[16];
  uint32_t request_timeout_ms;
  uint32_t max_message;
  sio__redis_conn_t *conn;   /* commands + subscriptions */
  sio__redis_conn_t *reader; /* XREAD only */
  sio__rs_nsp_t *nsps;
  sio__rq_table_t rq;      /* pending requests of every instance */
  sio__rs_local_t *locals; /* broadcasts waiting for their entry id */
  /* the writer: entries waiting while Redis is away */
  sio__rs_entry_t *qhead, *qtail;
  size_t qbytes, qlimit;
  uint64_t dropped;
  int drop_logged;
  /* the reader */
  char last_id[SIO__RS_ID_MAX]; /* "" until known */
  int reading;                  /* an XREAD / XREVRANGE is in flight */
  int read_failing;             /* Redis refused the last read (logged once) */
  sio__redis_timer_t *retry;    /* the next read after a refusal */
  uint64_t bad_messages, bad_logged_at, bad_at_log;
};

struct sio__rs_nsp {
  sio__rs_nsp_t *next;
  sio__rs_node_t *node;
  sio_namespace_t *nsp;
  const char *name; /* the namespace's, borrowed */
  char uid[17];
  char *public_channel;             /* P#N# */
  char *private_channel;            /* P#N#uid# */
  sio__rq_owed_t *ss_live;          /* server-side acks we still owe */
  struct sio__rs_restore *restores; /* recoveries in progress */
};

/* ---- streams_codec.c ---- */
/* Frees what m owns and zeroes it. */
void sio__rs_msg_free(sio__rs_msg_t *m);
/* A pub/sub message: MessagePack {type, data, uid, nsp}. 0 or an error. */
int sio__rs_decode_pubsub(const char *data, size_t len, size_t max_cost,
                          sio__rs_msg_t *out);
/* A stream entry's fields (uid, nsp, type as decimal text, data: JSON text
 * when it starts with '{', else base64 of MessagePack). Borrowed pointers,
 * copied as needed. 0 or an error. */
int sio__rs_decode_entry(const char *uid, size_t uid_len, const char *nsp, size_t nsp_len,
                         const char *type, size_t type_len, const char *data,
                         size_t data_len, size_t max_cost, sio__rs_msg_t *out);
/* The pub/sub form of a message, appended to out (on error, discard out). */
int sio__rs_encode_pubsub(sio__sb_t *out, int type, const json_t *data,
                          const sio_buf_t *att, size_t natt, const char *uid,
                          const char *nsp);
/* The data field of a stream entry: JSON text when there is no binary,
 * else base64 of its MessagePack (appended to out). */
int sio__rs_encode_entry_data(sio__sb_t *out, const json_t *data, const sio_buf_t *att,
                              size_t natt);
/* [event, ...args] of a libsio packet as a jansson array (placeholders kept).
 * New reference or NULL. */
json_t *sio__rs_event_array(const char *event, const char *json, size_t len);
/* {"rooms":[...],"except":[...],"flags":{...}} of a selection; flags holds
 * volatile: true, compress: false and timeout, each only when set. */
json_t *sio__rs_opts_json(const sio_adapter_opts_t *o);
/* Reads a selection as sio__redis_opts_from_jansson does, plus
 * flags.volatile and flags.compress false (into o->flags). Free with
 * sio__redis_opts_free. */
int sio__rs_opts_from(const json_t *j, sio_adapter_opts_t *o);
/* A session as Node stores it: base64 of MessagePack {sid, pid, rooms,
 * data} (data_json: one JSON value, NULL for null). Appended to out. */
int sio__rs_encode_session(sio__sb_t *out, const char *sid, const char *pid,
                           const char *const *rooms, size_t nrooms,
                           const char *data_json);
/* The reverse: *out a JSON object {sid, pid, rooms, data, ...} (new reference;
 * binary values as placeholders with *att, as sio__mp_to_json). */
int sio__rs_decode_session(const char *b64, size_t len, json_t **out);

/* ---- streams_adapter.c ---- */
void sio__rs_bad_message(sio__rs_node_t *node, const char *what);
/* Appends a stream entry (XADD, or the queue while Redis is away). local
 * (NULL: none) is taken: run with the entry id once Redis answers, or
 * without one if the entry cannot be written. */
int sio__rs_xadd(sio__rs_nsp_t *inst, int type, const json_t *data, const sio_buf_t *att,
                 size_t natt, sio__rs_local_t *local);
/* PUBLISH on channel (pub/sub form). */
int sio__rs_publish(sio__rs_nsp_t *inst, const char *channel, int type,
                    const json_t *data, const sio_buf_t *att, size_t natt);
/* Applies a message of another server to the namespace: id is the stream
 * entry's, NULL for pub/sub. */
void sio__rs_dispatch(sio__rs_nsp_t *inst, sio__rs_msg_t *m, const char *id);

/* ---- streams_sessions.c ---- */
/* 1 when a broadcast with these opts gets an offset (recovery on, neither
 * volatile nor local). */
int sio__rs_recoverable(const sio__rs_nsp_t *inst, const sio_adapter_opts_t *opts);
/* Local delivery without an offset (what is not recoverable, or could not
 * get an entry id). */
int sio__rs_local_plain(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                        const sio_adapter_opts_t *opts);
/* A copy of a broadcast, to deliver here later (NULL if out of memory). */
sio__rs_local_t *sio__rs_local_new(sio__rs_nsp_t *inst, const sio_adapter_packet_t *pkt,
                                   const sio_adapter_opts_t *opts);
/* Delivers it here with offset (NULL: without) unless its namespace is
 * gone, and frees it. */
void sio__rs_local_run(sio__rs_local_t *l, const char *offset);
void sio__rs_local_free(sio__rs_local_t *l);
/* The namespace goes: its waiting broadcasts will not be delivered. */
void sio__rs_local_orphan_all(sio__rs_nsp_t *inst);
/* A broadcast read from the stream, delivered here with the entry id as
 * its offset when it is recoverable. */
void sio__rs_deliver_entry(sio__rs_nsp_t *inst, const sio_adapter_packet_t *pkt,
                           const sio_adapter_opts_t *opts, const char *id);
int sio__rs_persist_session(void *self, const sio_adapter_session_t *s);
int sio__rs_restore_session(void *self, const char *pid, const char *offset,
                            sio_adapter_restore_t *req);
/* Completes the namespace's recoveries in progress with no session. */
void sio__rs_cancel_restores(sio__rs_nsp_t *inst);

/* ---- streams_requests.c ---- */
int sio__rs_broadcast_with_ack(void *self, const sio_adapter_packet_t *pkt,
                               const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack);
int sio__rs_fetch_sockets(void *self, const sio_adapter_opts_t *opts,
                          sio_adapter_fetch_t *req);
int sio__rs_server_side_emit(void *self, const sio_adapter_packet_t *pkt);
int sio__rs_server_side_emit_with_ack(void *self, const sio_adapter_packet_t *pkt,
                                      sio_adapter_ack_t *ack);
int sio__rs_server_count(void *self, void (*cb)(int status, size_t count, void *arg),
                         void *arg);
/* Requests and answers from others (types 3 with requestId, 7 to 12). */
void sio__rs_on_request(sio__rs_nsp_t *inst, sio__rs_msg_t *m);
void sio__rs_cancel_requests(sio__rs_nsp_t *inst);

#endif
