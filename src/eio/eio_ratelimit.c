#include "eio/eio_ratelimit.h"

#define ONE 1000u /* a token, in thousandths */

void sio__eio_bucket_init(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst,
                          uint64_t now_ms) {
  b->tokens = (uint64_t)(burst ? burst : rate) * ONE;
  b->last_ms = now_ms;
}

int sio__eio_bucket_take(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst,
                         uint64_t now_ms) {
  if (rate == 0) return 1;
  if (!burst) burst = rate;
  if (now_ms > b->last_ms) {
    /* rate tokens per 1000 ms = rate thousandths per ms. Capping the elapsed
     * time first keeps the product far from overflow. */
    uint64_t cap = (uint64_t)burst * ONE;
    uint64_t dt = now_ms - b->last_ms;
    uint64_t full_ms = cap / rate + 1;
    if (dt > full_ms) dt = full_ms;
    b->tokens += dt * rate;
    if (b->tokens > cap) b->tokens = cap;
    b->last_ms = now_ms;
  }
  if (b->tokens < ONE) return 0;
  b->tokens -= ONE;
  return 1;
}
