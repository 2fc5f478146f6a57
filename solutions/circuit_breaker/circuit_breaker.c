/*
 * circuit_breaker.c: the reference circuit breaker (see
 * exercises/circuit_breaker/circuit_breaker.h).
 *
 * One mutex guards a small state machine. The textbook breaker (Nygard's
 * "Release It!") counts failures and trips; this one follows the widely used
 * libraries (sony/gobreaker, resilience4j) in three ways:
 *   - every state change starts a new generation, and a ticket carries the
 *     generation that let its call through, so late results are ignored
 *     instead of corrupting the counts of a state they never belonged to;
 *   - the failure rate is taken over a count-based window, a ring of the
 *     last window_size outcomes, once minimum_calls results are in;
 *   - the open -> half-open change is lazy: nothing runs when the timeout
 *     passes; the next call that looks at the state notices it.
 * Every operation is O(1); the clock is read only when an answer depends on
 * it, so a call through a closed breaker costs one lock and a few stores.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include "circuit_breaker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Invariants, whenever the lock is free:
 *   - generation >= 1, and it grows by one at every state change;
 *   - counts.state == state; all counts but in_flight were zeroed by the last
 *     state change, and only those of the current state move;
 *   - closed: the ring holds the last window_calls outcomes, the newest at
 *     window_next - 1 (mod window_size); window_failures counts the true
 *     ones; window_calls <= window_size;
 *   - half-open: trial_successes <= trials_started <= half_open_trials;
 *   - in_flight is the number of live tickets (issued, not yet reported).
 */
struct cb_breaker {
    pthread_mutex_t lock;
    const wb_clock *clock; /* borrowed; NULL means monotonic */
    cb_config config;      /* normalised: half_open_trials >= 1, minimum_calls set */
    uint64_t generation;   /* the state's generation; tickets carry it */
    int64_t opened_at;     /* clock reading when the breaker last opened */
    cb_counts counts;      /* what cb_read_counts shows; counts.state is the state */
    bool *window;          /* window_size outcomes, true = failure; NULL if no window */
    uint32_t window_next;  /* the slot the next outcome goes to */
};

/* ---- state changes ---------------------------------------------------------- */

/* Moves to state `to`: a new generation, zero counts, the listener told. */
static void set_state(cb_breaker *b, cb_state to, int64_t now)
{
    cb_state from = b->counts.state;
    uint32_t in_flight = b->counts.in_flight;
    b->counts = (cb_counts){ .state = to, .in_flight = in_flight };
    b->window_next = 0;
    b->generation++;
    if (to == CB_OPEN)
        b->opened_at = now;
    if (b->config.listener != NULL)
        b->config.listener(b->config.listener_ctx, from, to);
}

/* Has an open breaker waited out its timeout? Subtracting, not adding, so that
 * an open_timeout near INT64_MAX cannot overflow into the past. */
static bool timeout_passed(const cb_breaker *b, int64_t now)
{
    return now - b->opened_at >= b->config.open_timeout;
}

/* The lazy open -> half-open change. The clock is read only when open. */
static void notice_timeout(cb_breaker *b)
{
    if (b->counts.state != CB_OPEN)
        return;
    int64_t now = wb_now(b->clock);
    if (timeout_passed(b, now))
        set_state(b, CB_HALF_OPEN, now);
}

/* ---- counting results --------------------------------------------------------- */

/* Adds one outcome to the closed window; the oldest falls out when it is full. */
static void window_push(cb_breaker *b, bool failed)
{
    cb_counts *c = &b->counts;
    if (c->window_calls == b->config.window_size)
        c->window_failures -= b->window[b->window_next];
    else
        c->window_calls++;
    b->window[b->window_next] = failed;
    c->window_failures += failed;
    b->window_next = (b->window_next + 1) % b->config.window_size;
}

/* Does the window's failure rate, with enough results in it, say "trip"? */
static bool rate_trips(const cb_breaker *b)
{
    const cb_counts *c = &b->counts;
    if (b->config.window_size == 0 || c->window_calls < b->config.minimum_calls)
        return false;
    return (uint64_t)c->window_failures * 100 >=
           (uint64_t)b->config.failure_rate_percent * c->window_calls;
}

static void record_closed(cb_breaker *b, bool failed)
{
    cb_counts *c = &b->counts;
    c->consecutive_failures = failed ? c->consecutive_failures + 1 : 0;
    if (b->config.window_size > 0)
        window_push(b, failed);
    uint32_t threshold = b->config.failure_threshold;
    if ((threshold > 0 && c->consecutive_failures >= threshold) || rate_trips(b))
        set_state(b, CB_OPEN, wb_now(b->clock));
}

static void record_half_open(cb_breaker *b, bool failed)
{
    if (failed) {
        set_state(b, CB_OPEN, wb_now(b->clock)); /* a new timeout, from now */
        return;
    }
    if (++b->counts.trial_successes >= b->config.half_open_trials)
        set_state(b, CB_CLOSED, 0);
}

/* ---- the public functions ------------------------------------------------------ */

static bool config_is_valid(const cb_config *c)
{
    if (c->open_timeout <= 0 || c->slow_call_duration < 0)
        return false;
    if (c->failure_threshold == 0 && c->window_size == 0)
        return false; /* a breaker that could never trip */
    if (c->window_size > 0 && (c->failure_rate_percent < 1 || c->failure_rate_percent > 100 ||
                               c->minimum_calls > c->window_size))
        return false;
    return true;
}

cb_status cb_create(cb_breaker **out, const cb_config *config, const wb_clock *clock)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || config == NULL || !config_is_valid(config))
        return CB_INVALID;
    cb_breaker *b = calloc(1, sizeof *b);
    if (b == NULL)
        return CB_NO_MEMORY;
    b->config = *config;
    if (b->config.half_open_trials == 0)
        b->config.half_open_trials = 1;
    if (b->config.minimum_calls == 0)
        b->config.minimum_calls = b->config.window_size;
    if (b->config.window_size > 0)
        b->window = calloc(b->config.window_size, sizeof *b->window);
    /* The lock is held for a few dozen nanoseconds: spinning a little before
     * sleeping costs less than a futex round trip. */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    int failed = pthread_mutex_init(&b->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (failed || (b->config.window_size > 0 && b->window == NULL)) {
        if (!failed)
            pthread_mutex_destroy(&b->lock);
        free(b->window);
        free(b);
        return CB_NO_MEMORY;
    }
    b->clock = clock;
    b->generation = 1;
    b->counts.state = CB_CLOSED;
    *out = b;
    return CB_OK;
}

void cb_destroy(cb_breaker *breaker)
{
    if (breaker == NULL)
        return;
    pthread_mutex_destroy(&breaker->lock);
    free(breaker->window);
    free(breaker);
}

/* cb_allow's decision, under the lock: may one more call start now? */
static cb_status admit(cb_breaker *b)
{
    cb_counts *c = &b->counts;
    if (c->state == CB_OPEN)
        return CB_REJECTED;
    if (c->state == CB_HALF_OPEN && c->trials_started >= b->config.half_open_trials)
        return CB_TOO_MANY_TRIALS;
    if (b->config.max_concurrent > 0 && c->in_flight >= b->config.max_concurrent)
        return CB_BULKHEAD_FULL; /* checked after the state, so no trial is used up */
    if (c->state == CB_HALF_OPEN)
        c->trials_started++;
    c->in_flight++;
    return CB_OK;
}

cb_status cb_allow(cb_breaker *breaker, cb_ticket *ticket)
{
    if (breaker == NULL || ticket == NULL)
        return CB_INVALID;
    pthread_mutex_lock(&breaker->lock);
    notice_timeout(breaker);
    cb_status status = admit(breaker);
    ticket->generation = status == CB_OK ? breaker->generation : 0;
    pthread_mutex_unlock(&breaker->lock);
    return status;
}

cb_status cb_report(cb_breaker *breaker, cb_ticket *ticket, bool ok, int64_t duration)
{
    if (breaker == NULL || ticket == NULL || ticket->generation == 0 || duration < 0)
        return CB_INVALID;
    int64_t slow = breaker->config.slow_call_duration;
    bool failed = !ok || (slow > 0 && duration > slow);

    pthread_mutex_lock(&breaker->lock);
    if (ticket->generation > breaker->generation || breaker->counts.in_flight == 0) {
        pthread_mutex_unlock(&breaker->lock); /* not a ticket this breaker has out */
        return CB_INVALID;
    }
    breaker->counts.in_flight--;
    cb_status status = CB_STALE;
    /* Only a ticket of the current generation counts. Tickets are never issued
     * while open, so an open breaker sees only stale ones. */
    if (ticket->generation == breaker->generation) {
        if (breaker->counts.state == CB_CLOSED)
            record_closed(breaker, failed);
        else
            record_half_open(breaker, failed);
        status = CB_OK;
    }
    ticket->generation = 0;
    pthread_mutex_unlock(&breaker->lock);
    return status;
}

cb_status cb_call(cb_breaker *breaker, cb_operation op, void *ctx)
{
    if (breaker == NULL || op == NULL)
        return CB_INVALID;
    cb_ticket ticket;
    cb_status status = cb_allow(breaker, &ticket);
    if (status != CB_OK)
        return status;
    /* The operation runs without the lock: it may be slow, and it may call us. */
    int64_t start = wb_now(breaker->clock);
    bool ok = op(ctx);
    int64_t duration = wb_now(breaker->clock) - start;
    return cb_report(breaker, &ticket, ok, duration > 0 ? duration : 0);
}

cb_state cb_current_state(cb_breaker *breaker)
{
    pthread_mutex_lock(&breaker->lock);
    notice_timeout(breaker);
    cb_state state = breaker->counts.state;
    pthread_mutex_unlock(&breaker->lock);
    return state;
}

cb_status cb_read_counts(cb_breaker *breaker, cb_counts *counts)
{
    if (breaker == NULL || counts == NULL)
        return CB_INVALID;
    pthread_mutex_lock(&breaker->lock);
    notice_timeout(breaker);
    *counts = breaker->counts;
    pthread_mutex_unlock(&breaker->lock);
    return CB_OK;
}
