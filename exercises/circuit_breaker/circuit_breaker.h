/*
 * circuit_breaker.h: a thread-safe circuit breaker (closed, open, half-open)
 * with a failure-rate window, slow-call detection and a bulkhead.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in circuit_breaker.c. Levels (see README.md): 1 trip and reset,
 * 2 half-open probing, 3 failure rate and slow calls, 4 generations, threads
 * and the bulkhead.
 */
#ifndef CIRCUIT_BREAKER_H
#define CIRCUIT_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "wb/clock.h"

/*
 * A breaker stands in front of one dependency (a database, a remote
 * service) and stops calls to it while it is failing, so that callers fail
 * fast instead of piling up behind timeouts, and the dependency gets room to
 * recover.
 *
 *   CLOSED     calls pass; results are counted. Too many failures: OPEN.
 *   OPEN       calls are rejected at once, without running. After
 *              open_timeout: HALF_OPEN.
 *   HALF_OPEN  a few trial calls pass. Any failure: OPEN again (a new
 *              timeout). Every trial succeeded: CLOSED.
 *
 * Why the caller reports results (cb_allow, then cb_report), rather than the
 * breaker always running the operation itself: a result can come back long
 * after the call was let through (another thread, an event loop, a reply on a
 * socket), and by then the breaker may have changed state. A ticket records
 * the generation that let the call through, so the breaker can tell a late
 * result from a current one and ignore it. With the two steps apart, a test
 * can move the manual clock, trip the breaker or start half-open between
 * them, and check every edge of the state machine through this header.
 * cb_call wraps both steps for the common synchronous case.
 *
 * Every state change starts a new generation and clears the counts: a
 * result from an earlier generation changes nothing (level 4).
 *
 * Cost: the breaker is on the path of every call, so each function should be
 * O(1) and hold its lock for a few dozen nanoseconds; `make bench` measures
 * what a call through it adds.
 */
typedef struct cb_breaker cb_breaker;

typedef enum cb_state {
    CB_CLOSED = 0, /* calls pass and their results are counted */
    CB_OPEN,       /* calls are rejected until open_timeout has passed */
    CB_HALF_OPEN   /* a limited number of trial calls pass */
} cb_state;

/* Every function that can fail returns one of these. */
typedef enum cb_status {
    CB_OK = 0,          /* done: the call may run (cb_allow), the result was counted (cb_report) */
    CB_REJECTED,        /* the breaker is open: do not run the call */
    CB_TOO_MANY_TRIALS, /* half-open, and all of this period's trial calls were let through */
    CB_BULKHEAD_FULL,   /* max_concurrent calls are already in flight (level 4) */
    CB_STALE,           /* the result came from an earlier generation and was ignored (level 4) */
    CB_INVALID,         /* a NULL argument, a bad config, a spent ticket, a negative duration */
    CB_NO_MEMORY        /* an allocation failed; nothing was created */
} cb_status;

/*
 * Called on every state change, with the state before and after. The
 * breaker calls it with its lock held, on the thread whose call caused the
 * change, one change at a time and in the order they happen: each call's
 * `from` is the previous call's `to`. It must return quickly and must not
 * call into the breaker (that would deadlock).
 */
typedef void (*cb_listener)(void *ctx, cb_state from, cb_state to);

/*
 * The breaker's settings; cb_create copies them. Zero means "off" or "the
 * default" where the comment says so, so that
 *     cb_config config = { .failure_threshold = 5, .open_timeout = 30 * WB_SEC };
 * is a complete level 1 configuration.
 */
typedef struct cb_config {
    /* Level 1: trip on consecutive failures. */
    uint32_t failure_threshold; /* this many failures in a row trip a closed breaker; 0: rule off */
    int64_t open_timeout;       /* nanoseconds an open breaker rejects calls; must be > 0 */

    /* Level 2: half-open probing. */
    uint32_t half_open_trials; /* trial calls let through per half-open period; 0 means 1 */

    /* Level 3: trip on a failure rate over the last window_size results. */
    uint32_t window_size;          /* results the window holds (count-based); 0: rule off */
    uint32_t failure_rate_percent; /* trip when failures reach this share of the window, 1..100 */
    uint32_t minimum_calls;        /* results needed before the rate counts; 0 means window_size */
    int64_t slow_call_duration;    /* a success that took longer than this is a failure; 0: off */

    /* Level 4: a bulkhead. */
    uint32_t max_concurrent; /* most calls in flight at once (see cb_counts); 0: no cap */

    /* Optional: hears every state change (NULL: nobody listens). */
    cb_listener listener;
    void *listener_ctx; /* passed to listener as it is */
} cb_config;

/*
 * Proof that a call was let through, from cb_allow to cb_report. The field
 * belongs to the breaker: callers only keep the ticket and hand it back.
 * Generations start at 1; a ticket whose generation is 0 is spent (already
 * reported) or was never valid (the call was rejected).
 */
typedef struct cb_ticket {
    uint64_t generation; /* the breaker's generation when the call was let through; 0: spent */
} cb_ticket;

/* What the breaker knows right now (cb_read_counts). Every state change zeroes
 * all counts but in_flight, and each count moves only in the state its comment
 * names: trial results never enter the window or the failures in a row. */
typedef struct cb_counts {
    cb_state state;
    uint32_t consecutive_failures; /* closed: failures since the last success */
    uint32_t window_calls;         /* closed: results in the window, at most window_size */
    uint32_t window_failures;      /* closed: how many of those were failures (slow ones too) */
    uint32_t trials_started;       /* half-open: trial calls let through so far */
    uint32_t trial_successes;      /* half-open: trial calls reported as successes */
    uint32_t in_flight;            /* calls let through and not yet reported, of any generation */
} cb_counts;

/* ---- Level 1: trip and reset ----------------------------------------------- */

/*
 * Creates a closed breaker with the settings in *config (copied) and stores
 * it in *out. `clock` is where the breaker reads the time (open timeouts,
 * cb_call's durations); NULL means the system's monotonic clock. The breaker
 * borrows the clock: it must outlive the breaker.
 *
 * Returns CB_OK, CB_NO_MEMORY, or CB_INVALID when out or config is NULL,
 * open_timeout <= 0, the breaker could never trip (failure_threshold and
 * window_size both 0), or a level 3 setting is out of range:
 * failure_rate_percent not in 1..100 or minimum_calls > window_size (both
 * checked only when window_size > 0), slow_call_duration < 0. On any failure
 * *out is set to NULL.
 */
cb_status cb_create(cb_breaker **out, const cb_config *config, const wb_clock *clock);

/* Frees the breaker. NULL is a no-op. No other thread may be using it, and
 * tickets still in flight can no longer be reported. */
void cb_destroy(cb_breaker *breaker);

/*
 * Asks to make one call.
 * - CB_OK: run the call, then hand *ticket to cb_report with its result.
 * - CB_REJECTED: the breaker is open; do not run the call.
 * - CB_TOO_MANY_TRIALS: half-open and out of trial calls (level 2).
 * - CB_BULKHEAD_FULL: too many calls in flight (level 4).
 * - CB_INVALID: breaker or ticket is NULL.
 * On every answer but CB_INVALID, *ticket is written: a live ticket on CB_OK,
 * a spent one (generation 0) otherwise. A rejection is not a result: it is
 * never counted as a failure and does not move the open timeout.
 *
 * An open breaker becomes half-open once the clock reads at least the time
 * it opened plus open_timeout. It notices on the first cb_allow, cb_call,
 * cb_current_state or cb_read_counts from then on (cb_report may notice too),
 * and that call tells the listener. So with open_timeout T, a breaker that
 * opened at t rejects calls while the clock reads less than t + T, and lets
 * a trial through at t + T. A clock moved back to before t reads less than
 * t + T too: the breaker stays open.
 */
cb_status cb_allow(cb_breaker *breaker, cb_ticket *ticket);

/*
 * Reports the result of a call that cb_allow let through: `ok` is whether it
 * succeeded, `duration` how long it took in nanoseconds. The ticket is spent
 * (its generation set to 0) and its call no longer counts as in flight.
 *
 * A result is a failure when ok is false, or when slow_call_duration > 0 and
 * duration > slow_call_duration (level 3); otherwise a success.
 * - Closed: a success resets consecutive_failures; a failure adds one, and
 *   the breaker opens when consecutive_failures reaches failure_threshold
 *   (or the window's rule fires, level 3).
 * - Half-open (level 2): a failure opens the breaker again, with a new
 *   timeout from now; when trial_successes reaches half_open_trials the
 *   breaker closes.
 *
 * Returns CB_OK when the result was counted; CB_STALE when the ticket is
 * from an earlier generation (the result changes no count and no state, but
 * the call still leaves the in-flight count); CB_INVALID, changing nothing
 * and leaving the ticket as it was, when breaker or ticket is NULL, the
 * ticket is spent, or duration < 0. Copies of a ticket, and tickets of
 * another breaker, are not tracked: report the ticket you were given, once,
 * to the breaker that gave it.
 */
cb_status cb_report(cb_breaker *breaker, cb_ticket *ticket, bool ok, int64_t duration);

/* An operation for cb_call: returns true if it succeeded. */
typedef bool (*cb_operation)(void *ctx);

/*
 * Runs op(ctx) through the breaker: cb_allow; if it says CB_OK, runs the
 * operation, measures how long it took on the breaker's clock (0 if that
 * clock moved back meanwhile, never a negative duration), and reports the
 * result. Returns cb_allow's answer when the call was not let through
 * (op did not run), otherwise cb_report's (CB_OK, or CB_STALE if the breaker
 * changed state while op ran). The breaker's lock is not held while op runs:
 * op may take as long as it likes, run on many threads at once, and call
 * the breaker itself. CB_INVALID if breaker or op is NULL (op does not run).
 */
cb_status cb_call(cb_breaker *breaker, cb_operation op, void *ctx);

/* The breaker's state, after noticing an expired open timeout (see cb_allow).
 * `breaker` must not be NULL. */
cb_state cb_current_state(cb_breaker *breaker);

/* Stores a consistent snapshot of the counts in *counts, after noticing an
 * expired open timeout. Returns CB_OK, or CB_INVALID if an argument is NULL. */
cb_status cb_read_counts(cb_breaker *breaker, cb_counts *counts);

/* ---- Level 2: half-open probing --------------------------------------------- */

/*
 * No new functions. In half-open, cb_allow lets through half_open_trials
 * calls in all, then answers CB_TOO_MANY_TRIALS until the breaker closes or
 * opens again: a trial that has finished does not free its place. One
 * failed trial re-opens the breaker at once; it closes when every trial has
 * succeeded. Closing starts from zero counts.
 */

/* ---- Level 3: failure rate over a window ------------------------------------ */

/*
 * No new functions. When window_size > 0, a closed breaker keeps the results
 * of the last window_size calls reported in this closed period (the oldest
 * falls out as a new one comes in) and opens after a result when both
 *     window_calls >= minimum_calls   and
 *     window_failures * 100 >= failure_rate_percent * window_calls.
 * Both rules, consecutive failures and rate, apply together: whichever fires
 * first opens the breaker. Slow successes are failures everywhere: in the
 * window, in consecutive_failures and for half-open trials.
 */

/* ---- Level 4: generations, threads and the bulkhead ------------------------- */

/*
 * No new functions. Every function but cb_destroy may be called by any
 * number of threads at once. A result reported with a ticket from an earlier
 * generation is CB_STALE and ignored. With max_concurrent > 0, cb_allow
 * answers CB_BULKHEAD_FULL while max_concurrent calls are in flight; the
 * state decides first (an open breaker says CB_REJECTED, a half-open one out
 * of trials says CB_TOO_MANY_TRIALS), and a call refused by the bulkhead does
 * not use up a trial.
 */

#endif /* CIRCUIT_BREAKER_H */
