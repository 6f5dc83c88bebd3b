/*
 * ratelimit.h: token buckets in fixed memory, for the public pages (no account, so the client address
 * is all there is to limit). Each key (an address) may spend `burst` requests at once and regains
 * `rate` requests a second; every key also spends from one global bucket, which holds a crowd of
 * addresses to a total. A key whose own bucket is empty is refused without touching the global one, so
 * that one address's flood never uses up what the others share. Keys live in a fixed table (groups of
 * eight slots, the least recently used evicted): a flood of new addresses costs no memory, and an
 * evicted key only starts again with a full bucket. Thread-safe.
 */
#ifndef DUCHA_RATELIMIT_H
#define DUCHA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* A limiter with about `slots` keys (rounded up to a multiple of 8); rates per second, bursts in
 * requests (at least 1). A rate <= 0 means no limit of that kind. Never NULL (aborts when out of
 * memory). */
struct ratelimit *ratelimit_new(int slots, double key_rate, double key_burst, double global_rate, double global_burst);
void ratelimit_free(struct ratelimit *r);

/*
 * Spends one request of key at now_ms (a monotonic clock in milliseconds). Returns 0 when admitted,
 * else the whole seconds (>= 1) until it would be; *global tells which bucket refused.
 */
int ratelimit_take(struct ratelimit *r, const char *key, int64_t now_ms, bool *global);

#endif
