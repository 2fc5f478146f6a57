/*
 * rate_limiter.c: your rate limiters. The contract is in rate_limiter.h; the
 * levels, the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone.
 */
#include "rate_limiter.h"

#include "wb/todo.h"

/* One limiter of any of the four kinds. What does each algorithm need to
 * remember between two calls, and what does every kind need (its clock, the
 * latest time it acted at)? */
struct rl_limiter {
    rl_algorithm algorithm;
};

/* Level 4: a table from key to one limiter's state, a lock, and a way to
 * find the keys that have gone idle. */
struct rl_keyed {
    size_t max_keys;
};

/* ---- Level 1: token bucket ---- */

rl_limiter *rl_token_bucket(double rate, uint32_t burst, const wb_clock *clock)
{
    TODO(1, rate, burst, clock);
}

void rl_destroy(rl_limiter *limiter)
{
    TODO(1, limiter);
}

rl_status rl_allow(rl_limiter *limiter, uint32_t n)
{
    TODO(1, limiter, n);
}

uint32_t rl_remaining(rl_limiter *limiter)
{
    TODO(1, limiter);
}

/* ---- Level 2: sliding-window log (rl_allow and rl_remaining learn a second kind) ---- */

rl_limiter *rl_sliding_log(uint32_t limit, int64_t window, const wb_clock *clock)
{
    TODO(2, limit, window, clock);
}

/* ---- Level 3: fixed window and sliding-window counter ---- */

rl_limiter *rl_fixed_window(uint32_t limit, int64_t window, const wb_clock *clock)
{
    TODO(3, limit, window, clock);
}

rl_limiter *rl_sliding_counter(uint32_t limit, int64_t window, const wb_clock *clock)
{
    TODO(3, limit, window, clock);
}

/* ---- Level 4: one limiter per key, shared by threads ---- */

rl_keyed *rl_keyed_create(const rl_config *config, size_t max_keys, const wb_clock *clock)
{
    TODO(4, config, max_keys, clock);
}

void rl_keyed_destroy(rl_keyed *keyed)
{
    TODO(4, keyed);
}

rl_status rl_keyed_allow(rl_keyed *keyed, const char *key, uint32_t n)
{
    TODO(4, keyed, key, n);
}

uint32_t rl_keyed_remaining(rl_keyed *keyed, const char *key)
{
    TODO(4, keyed, key);
}

size_t rl_keyed_len(rl_keyed *keyed)
{
    TODO(4, keyed);
}
