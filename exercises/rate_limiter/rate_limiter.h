/*
 * rate_limiter.h: four rate limiters (a token bucket, a sliding-window log, a
 * fixed window and a sliding-window counter), alone or one per key (client)
 * in a thread-safe table that forgets idle keys.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in rate_limiter.c. Levels (see README.md): 1 token bucket,
 * 2 sliding-window log, 3 fixed window and sliding-window counter, 4 per-key
 * limiting under concurrency.
 */
#ifndef RATE_LIMITER_H
#define RATE_LIMITER_H

#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"

/*
 * Rules every limiter follows.
 *
 * Requests. A request asks for n units (n tokens, or n requests' worth) and
 * is granted whole or not at all: RL_ALLOWED takes all n, RL_DENIED takes
 * nothing and is counted nowhere, so a client that keeps knocking while it is
 * refused does not push its own limit further away. n == 0 is always allowed
 * and takes nothing. n greater than the limiter's limit (the burst, or the
 * units per window) can never be allowed: always RL_DENIED, up to n ==
 * UINT32_MAX (a count + n that wraps around must not let it through).
 *
 * Time. A limiter reads its clock (NULL means the system's monotonic clock;
 * the limiter borrows it, so it must outlive the limiter) and never lets its
 * own time go backwards: it remembers the latest reading it has acted on,
 * and an earlier reading counts as that latest one. A clock that steps back
 * therefore refills nothing and forgets nothing, and when it comes forward
 * again the time it went back is not counted twice. Every call that reads
 * the clock acts on its reading: rl_allow whatever n is and whatever it
 * answers, and rl_remaining too. So a unit granted while the clock is back
 * is granted at the latest time: a log stamps it then, a window counts it
 * there, and the counter's weights are taken there.
 *
 * Windows. The window limiters cut time into windows of `window` ns starting
 * at the limiter's creation: with t0 the clock reading at creation, window k
 * is [t0 + k * window, t0 + (k + 1) * window). Any window from 1 ns to
 * INT64_MAX works: t0 + window may overflow, so compare elapsed times.
 *
 * Arithmetic. The token bucket and the sliding-window counter work with
 * fractions; doubles are fine. The tests probe their boundaries only where
 * double arithmetic is exact, or a microsecond away from the boundary.
 */

/* Every function that decides returns one of these. */
typedef enum rl_status {
    RL_ALLOWED = 0, /* granted: the n units were taken */
    RL_DENIED,      /* over the limit (now, or for ever if n > limit); nothing was taken */
    RL_FULL,        /* rl_keyed only: a new key, and max_keys keys are tracked and none is
                       idle; nothing was recorded. The caller chooses to fail open or closed */
    RL_INVALID,     /* a NULL limiter or key */
    RL_NO_MEMORY    /* a new key's state could not be allocated; nothing was recorded */
} rl_status;

/* One limiter on one key (levels 1-3). Not thread-safe: one thread at a time. */
typedef struct rl_limiter rl_limiter;

/* ---- Level 1: token bucket ---------------------------------------------- */

/*
 * A bucket that holds at most `burst` tokens, starts full, and gains `rate`
 * tokens per second, continuously: after d ns it holds
 * min(burst, tokens + rate * d / 1e9), fractions included (two half tokens
 * make one). A request for n is allowed if the bucket holds at least n
 * tokens, and then takes n. The semantics of Go's golang.org/x/time/rate.
 * Returns NULL if rate is not a finite number > 0, burst is 0, or memory runs
 * out. O(1) memory.
 */
rl_limiter *rl_token_bucket(double rate, uint32_t burst, const wb_clock *clock);

/* Frees the limiter. NULL is a no-op. */
void rl_destroy(rl_limiter *limiter);

/*
 * Decides a request for n units now: RL_ALLOWED (the units are taken),
 * RL_DENIED (nothing is taken), or RL_INVALID for a NULL limiter, whatever
 * n is. Works for every kind of limiter in this header. O(1), and O(n) for
 * the sliding log.
 */
rl_status rl_allow(rl_limiter *limiter, uint32_t n);

/*
 * The largest n that rl_allow would grant now, without taking anything:
 * the whole tokens in the bucket; the limit minus the units the window
 * counts; for the sliding-window counter, floor(limit - estimate). 0 for a
 * NULL limiter. This is the figure an API puts in X-RateLimit-Remaining.
 */
uint32_t rl_remaining(rl_limiter *limiter);

/* ---- Level 2: sliding-window log ---------------------------------------- */

/*
 * Remembers the time of every unit it granted in the last `window` ns: a
 * unit granted at time s counts at every time t with s <= t < s + window, so
 * it stops counting exactly `window` ns after it was granted. A request for
 * n at time t is allowed if the units counted at t plus n is at most `limit`.
 * Exact, and its memory grows with the limit: one timestamp per unit it
 * may have to remember, `limit` of them.
 * Returns NULL if limit is 0, window <= 0, or memory runs out.
 */
rl_limiter *rl_sliding_log(uint32_t limit, int64_t window, const wb_clock *clock);

/* ---- Level 3: fixed window and sliding-window counter -------------------- */

/*
 * Counts the units granted in the current window (see "Windows" above); a
 * request for n is allowed if that count plus n is at most `limit`. O(1)
 * memory. Its weakness is at the edges: `limit` units at the end of one
 * window and `limit` more at the start of the next are all allowed, twice
 * the limit within a few nanoseconds.
 * Returns NULL if limit is 0, window <= 0, or memory runs out.
 */
rl_limiter *rl_fixed_window(uint32_t limit, int64_t window, const wb_clock *clock);

/*
 * Keeps the counts of two windows, the current one (k) and the one before
 * it (k - 1; 0 if no unit was granted in it, for instance because the last
 * grant is two or more windows old), and estimates how many units a window
 * ending now would hold, as if the previous window's grants were spread
 * evenly over it. At time t, e = t - (t0 + k * window) ns into window k:
 *
 *     estimate = count[k - 1] * (window - e) / window + count[k]
 *
 * A request for n is allowed if estimate + n <= limit. O(1) memory.
 * Returns NULL if limit is 0, window <= 0, or memory runs out.
 */
rl_limiter *rl_sliding_counter(uint32_t limit, int64_t window, const wb_clock *clock);

/* ---- Level 4: one limiter per key, shared by threads ------------------------ */

typedef enum rl_algorithm {
    RL_TOKEN_BUCKET = 1,
    RL_SLIDING_LOG,
    RL_FIXED_WINDOW,
    RL_SLIDING_COUNTER
} rl_algorithm;

/* What each key gets: the parameters of the matching constructor above.
 * Fields the algorithm does not use are ignored. */
typedef struct rl_config {
    rl_algorithm algorithm;
    uint32_t limit; /* the token bucket's burst, or the units per window */
    double rate;    /* RL_TOKEN_BUCKET: tokens per second */
    int64_t window; /* the three window algorithms: the window's length in ns */
} rl_config;

/*
 * A table of limiters, one per key, all configured alike; the keys are
 * clients (a user id, an IP address, an API key). Thread-safe: every function
 * but rl_keyed_destroy may be called by any number of threads at once, and
 * each call acts as if it ran alone, so the answers are exact: 15 threads
 * racing for a burst of 5 get exactly 5 grants.
 *
 * Idle keys. A key is idle when its state is the one a new key would have:
 * its bucket is full again; its log holds no unit that still counts; its
 * current window (fixed) or its current and previous windows (counter) have
 * no grants. Forgetting an idle key changes no answer, so the table may
 * reclaim one at any time, and it must reclaim idle keys rather than refuse
 * a new key: memory stays bounded by max_keys keys.
 */
typedef struct rl_keyed rl_keyed;

/*
 * Creates an empty table that tracks at most `max_keys` keys. The table has
 * one time for all its keys (the latest reading any of its calls has acted
 * on, see "Time" above: a key that first asks while the clock is back starts
 * at that time, not at the earlier reading), and window grids start at its
 * creation, the same for every key, whenever the key first asks. Copies
 * the config. Returns NULL if config is NULL or invalid for its algorithm
 * (as the matching constructor would refuse it, or an unknown algorithm),
 * max_keys is 0, or memory runs out.
 */
rl_keyed *rl_keyed_create(const rl_config *config, size_t max_keys, const wb_clock *clock);

/* Frees the table and every key's state. NULL is a no-op. Must not run while
 * another thread is using the table. */
void rl_keyed_destroy(rl_keyed *keyed);

/*
 * Decides a request for n units by `key` (a C string, copied when the key is
 * first tracked), as that key's own limiter would: RL_ALLOWED, RL_DENIED,
 * or, for a key not tracked yet, RL_FULL when max_keys keys are tracked and
 * none of them is idle, or RL_NO_MEMORY. A request that takes nothing (n == 0,
 * or n > limit) is answered without tracking the key, so it is never FULL.
 * RL_INVALID for a NULL table or key, whatever n is. O(1) on average, plus
 * the idle keys it reclaims.
 */
rl_status rl_keyed_allow(rl_keyed *keyed, const char *key, uint32_t n);

/* rl_remaining for one key; the limit for a key that is not tracked or is
 * idle; 0 for a NULL table or key. Takes nothing and tracks nothing. */
uint32_t rl_keyed_remaining(rl_keyed *keyed, const char *key);

/* The number of keys tracked that are not idle: idle keys do not count, even
 * before they are reclaimed. Never more than max_keys. 0 for NULL. */
size_t rl_keyed_len(rl_keyed *keyed);

#endif /* RATE_LIMITER_H */
