/* The Redis adapter's part of the server's metrics (sio/metrics.h): the
 * link's state and the messages that went through it. Runs only when the
 * text is built; the counters are plain integers of the node. */
#include "redis/redis_adapter.h"

void sio__redis_metrics(sio_metrics_out_t *out, void *arg) {
  const sio__redis_node_t *node = arg;
  const sio__redis_conn_t *c = node->conn;
  sio_metrics_family(
      out, "sio_redis_up", "gauge",
      "1 while both Redis connections (commands and subscriber) are ready.");
  sio_metrics_sample(out, "sio_redis_up", NULL, NULL, c && sio__redis_conn_is_up(c));
  sio_metrics_family(out, "sio_redis_published_total", "counter",
                     "Messages published to Redis (sent, or queued while it is down).");
  sio_metrics_sample_u64(out, "sio_redis_published_total", NULL, NULL, node->published);
  sio_metrics_family(out, "sio_redis_received_total", "counter",
                     "Messages received on the adapter's Redis channels.");
  sio_metrics_sample_u64(out, "sio_redis_received_total", NULL, NULL, node->received);
  sio_metrics_family(out, "sio_redis_dropped_total", "counter",
                     "Redis messages dropped: publishes past the queue bound while "
                     "down, received messages that were malformed.");
  sio_metrics_sample_u64(out, "sio_redis_dropped_total", "reason", "queue_full",
                         c ? sio__redis_conn_dropped(c) : 0);
  sio_metrics_sample_u64(out, "sio_redis_dropped_total", "reason", "malformed",
                         node->bad_messages);
  sio_metrics_family(out, "sio_redis_queued_bytes", "gauge",
                     "Bytes of publishes waiting for Redis to come back.");
  sio_metrics_sample_u64(out, "sio_redis_queued_bytes", NULL, NULL,
                         c ? sio__redis_conn_queued_bytes(c) : 0);
}
