/*
 * cb_test.c: the helpers of cb_test.h.
 */
#include "cb_test.h"

#include <stdio.h>
#include <string.h>

const char *status_name(cb_status status)
{
    switch (status) {
    case CB_OK:
        return "CB_OK";
    case CB_REJECTED:
        return "CB_REJECTED";
    case CB_TOO_MANY_TRIALS:
        return "CB_TOO_MANY_TRIALS";
    case CB_BULKHEAD_FULL:
        return "CB_BULKHEAD_FULL";
    case CB_STALE:
        return "CB_STALE";
    case CB_INVALID:
        return "CB_INVALID";
    case CB_NO_MEMORY:
        return "CB_NO_MEMORY";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

const char *state_name(cb_state state)
{
    switch (state) {
    case CB_CLOSED:
        return "CLOSED";
    case CB_OPEN:
        return "OPEN";
    case CB_HALF_OPEN:
        return "HALF_OPEN";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown state (%d)", (int)state);
    return unknown;
}

/* ---- the listener's log ---- */

void record_transition(void *ctx, cb_state from, cb_state to)
{
    struct transitions *log = ctx;
    pthread_mutex_lock(&log->lock);
    if (log->n < LOG_MAX) {
        log->from[log->n] = from;
        log->to[log->n] = to;
    }
    log->n++;
    pthread_mutex_unlock(&log->lock);
}

/* Formats up to 12 changes as "[A->B, B->C, ... 5 more]". */
static void format_pairs(char *out, size_t size, const cb_state *from, const cb_state *to, size_t n)
{
    size_t used = (size_t)snprintf(out, size, "[");
    for (size_t i = 0; i < n && used < size; i++) {
        if (i == 12) {
            used += (size_t)snprintf(out + used, size - used, ", ... %zu more", n - i);
            break;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s->%s", i ? ", " : "",
                                 state_name(from[i]), state_name(to[i]));
    }
    if (used < size)
        snprintf(out + used, size - used, "]");
}

const char *format_log(struct transitions *log)
{
    static _Thread_local char text[512];
    pthread_mutex_lock(&log->lock);
    size_t n = log->n < LOG_MAX ? log->n : LOG_MAX;
    format_pairs(text, sizeof text, log->from, log->to, n);
    pthread_mutex_unlock(&log->lock);
    return text;
}

void expect_transitions(struct transitions *log, const cb_state *pairs, size_t n, const char *why)
{
    pthread_mutex_lock(&log->lock);
    int same = log->n == n;
    for (size_t i = 0; same && i < n; i++)
        same = log->from[i] == pairs[2 * i] && log->to[i] == pairs[2 * i + 1];
    pthread_mutex_unlock(&log->lock);
    if (same)
        return;
    cb_state from[16], to[16];
    for (size_t i = 0; i < n && i < 16; i++)
        from[i] = pairs[2 * i], to[i] = pairs[2 * i + 1];
    char want[512];
    format_pairs(want, sizeof want, from, to, n < 16 ? n : 16);
    cr_assert_fail("the listener heard %s, expected %s: %s", format_log(log), want, why);
}

/* ---- a breaker on a manual clock ---- */

void rig_start(struct rig *r, cb_config config)
{
    wb_manual_clock_init(&r->clock, START);
    pthread_mutex_init(&r->log.lock, NULL);
    r->log.n = 0;
    config.listener = record_transition;
    config.listener_ctx = &r->log;
    r->b = NULL;
    cb_status s = cb_create(&r->b, &config, &r->clock.clock);
    cr_assert(s == CB_OK && r->b != NULL,
              "cb_create returned %s and %s, expected CB_OK and a breaker, for a valid config "
              "(failure_threshold %u, open_timeout %lld ns, half_open_trials %u, window_size "
              "%u, failure_rate_percent %u, minimum_calls %u, slow_call_duration %lld ns, "
              "max_concurrent %u)",
              status_name(s), r->b ? "a breaker" : "NULL", config.failure_threshold,
              (long long)config.open_timeout, config.half_open_trials, config.window_size,
              config.failure_rate_percent, config.minimum_calls,
              (long long)config.slow_call_duration, config.max_concurrent);
}

void rig_stop(struct rig *r)
{
    cb_destroy(r->b);
    r->b = NULL;
    pthread_mutex_destroy(&r->log.lock);
}

void advance(struct rig *r, int64_t delta)
{
    wb_manual_clock_advance(&r->clock, delta);
}

/* ---- calls ---- */

cb_ticket allow(cb_breaker *b, const char *why)
{
    cb_ticket t = { 0 };
    cb_status s = cb_allow(b, &t);
    cr_assert(s == CB_OK, "cb_allow returned %s, expected CB_OK (the breaker says: %s): %s",
              status_name(s), describe(b), why);
    cr_assert(t.generation != 0,
              "cb_allow returned CB_OK but left the ticket's generation at 0, which marks a "
              "spent ticket: generations start at 1 (%s)",
              why);
    return t;
}

cb_ticket expect_allow(cb_breaker *b, cb_status want, const char *why)
{
    cb_ticket t = { .generation = 12345 };
    cb_status s = cb_allow(b, &t);
    cr_assert(s == want, "cb_allow returned %s, expected %s (the breaker says: %s): %s",
              status_name(s), status_name(want), describe(b), why);
    if (want != CB_OK)
        cr_assert(t.generation == 0,
                  "cb_allow returned %s but left a ticket with generation %llu, expected a "
                  "spent ticket (generation 0), so that it cannot be reported: %s",
                  status_name(s), (unsigned long long)t.generation, why);
    return t;
}

void report(cb_breaker *b, cb_ticket *ticket, bool ok, int64_t duration, cb_status want,
            const char *why)
{
    cb_status s = cb_report(b, ticket, ok, duration);
    cr_assert(s == want,
              "cb_report(%s, duration %lld ns) returned %s, expected %s (the breaker says: "
              "%s): %s",
              ok ? "success" : "failure", (long long)duration, status_name(s), status_name(want),
              describe(b), why);
}

void succeed(cb_breaker *b, const char *why)
{
    cb_ticket t = allow(b, why);
    report(b, &t, true, 0, CB_OK, why);
}

void fail(cb_breaker *b, const char *why)
{
    cb_ticket t = allow(b, why);
    report(b, &t, false, 0, CB_OK, why);
}

void fail_times(cb_breaker *b, int n, const char *why)
{
    for (int i = 0; i < n; i++)
        fail(b, why);
}

/* ---- what the breaker says about itself ---- */

void expect_state(cb_breaker *b, cb_state want, const char *why)
{
    cb_state got = cb_current_state(b);
    cr_assert(got == want, "cb_current_state returned %s, expected %s (counts: %s): %s",
              state_name(got), state_name(want), describe(b), why);
}

cb_counts counts_of(cb_breaker *b)
{
    cb_counts c;
    memset(&c, 0xa5, sizeof c);
    cb_status s = cb_read_counts(b, &c);
    cr_assert(s == CB_OK,
              "cb_read_counts(breaker, counts) returned %s, expected CB_OK: both arguments "
              "are valid, so it must fill in the counts",
              status_name(s));
    return c;
}

const char *describe(cb_breaker *b)
{
    static _Thread_local char text[224];
    cb_counts c;
    if (cb_read_counts(b, &c) != CB_OK)
        return "cb_read_counts failed";
    snprintf(text, sizeof text,
             "%s; failures in a row %u; window %u failed of %u; trials %u started, %u "
             "succeeded; in flight %u",
             state_name(c.state), c.consecutive_failures, c.window_failures, c.window_calls,
             c.trials_started, c.trial_successes, c.in_flight);
    return text;
}
