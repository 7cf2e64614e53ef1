#include "eio/eio_ratelimit.h"

#define ONE 1000u /* a token, in thousandths */

void sio__eio_bucket_init(sio__eio_bucket_t *b, uint32_t rate, uint32_t burst,
                          uint64_t now_ms) {
  b->rate = rate;
  b->burst = burst ? burst : rate;
  b->tokens = (uint64_t)b->burst * ONE;
  b->last_ms = now_ms;
}

int sio__eio_bucket_take(sio__eio_bucket_t *b, uint64_t now_ms) {
  if (b->rate == 0) return 1;
  if (now_ms > b->last_ms) {
    /* rate tokens per 1000 ms = rate thousandths per ms. Capping the elapsed
     * time first keeps the product far from overflow. */
    uint64_t cap = (uint64_t)b->burst * ONE;
    uint64_t dt = now_ms - b->last_ms;
    uint64_t full_ms = cap / b->rate + 1;
    if (dt > full_ms) dt = full_ms;
    b->tokens += dt * b->rate;
    if (b->tokens > cap) b->tokens = cap;
    b->last_ms = now_ms;
  }
  if (b->tokens < ONE) return 0;
  b->tokens -= ONE;
  return 1;
}
