/*
 * cb_test.h: helpers the circuit_breaker tests share, so that each test reads
 * as its scenario. Every helper checks through the public header only, and
 * its failure message says what was expected, what came back, what the
 * breaker reports about itself, and why it matters (the `why` argument, a
 * sentence about the scenario).
 */
#ifndef CB_TEST_H
#define CB_TEST_H

#include <pthread.h>
#include <stddef.h>
#include <criterion/criterion.h>

#include "circuit_breaker.h"
#include "wb/test.h"

/* Tests start the clock far from zero: code that assumes time starts at 0 shows up. */
#define START   (1000 * WB_SEC)
#define TIMEOUT (30 * WB_SEC) /* the open timeout most tests use */

/* "CB_OK", "CB_REJECTED", ... or "an unknown status (17)". */
const char *status_name(cb_status status);

/* "CLOSED", "OPEN", "HALF_OPEN" or "an unknown state (9)". */
const char *state_name(cb_state state);

/* ---- the listener's log ---- */

enum { LOG_MAX = 4096 };

/* The state changes a breaker reported, in order. The listener may be called
 * from any thread; the log has its own lock. */
struct transitions {
    pthread_mutex_t lock;
    size_t n; /* changes heard, also past LOG_MAX */
    cb_state from[LOG_MAX], to[LOG_MAX];
};

/* A cb_listener that appends to the struct transitions in ctx. */
void record_transition(void *ctx, cb_state from, cb_state to);

/* ---- a breaker on a manual clock, with its log ---- */

struct rig {
    wb_manual_clock clock; /* starts at START */
    cb_breaker *b;
    struct transitions log;
};

/*
 * Creates r->b with `config` (its listener replaced by record_transition into
 * r->log) on r->clock, failing the test unless cb_create returns CB_OK.
 * `r` must stay where it is while the breaker lives: the clock and the log
 * are inside it.
 */
void rig_start(struct rig *r, cb_config config);

/* cb_destroy(r->b). */
void rig_stop(struct rig *r);

/* Moves the rig's clock by `delta` nanoseconds. */
void advance(struct rig *r, int64_t delta);

/* ---- calls ---- */

/* cb_allow must return CB_OK; returns the ticket. */
cb_ticket allow(cb_breaker *b, const char *why);

/* cb_allow must return `want` (a rejection); the ticket it wrote is returned. */
cb_ticket expect_allow(cb_breaker *b, cb_status want, const char *why);

/* cb_report(ticket, ok, duration) must return `want`. */
void report(cb_breaker *b, cb_ticket *ticket, bool ok, int64_t duration, cb_status want,
            const char *why);

/* One whole call: cb_allow (must be CB_OK), then a report with duration 0 that
 * must be CB_OK. */
void succeed(cb_breaker *b, const char *why);
void fail(cb_breaker *b, const char *why);

/* `n` failed calls in a row. */
void fail_times(cb_breaker *b, int n, const char *why);

/* ---- what the breaker says about itself ---- */

/* cb_current_state must return `want`. */
void expect_state(cb_breaker *b, cb_state want, const char *why);

/* cb_read_counts, failing the test unless it returns CB_OK. */
cb_counts counts_of(cb_breaker *b);

/* The breaker's counts as one line, for messages: "OPEN; failures in a row 0;
 * window 0 failed of 0; trials 0 started, 0 succeeded; in flight 1" (a
 * per-thread buffer). */
const char *describe(cb_breaker *b);

/*
 * The log must hold exactly the `n` changes given as pairs of states:
 * (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN } is
 * CLOSED->OPEN then OPEN->HALF_OPEN. The message shows both lists.
 */
void expect_transitions(struct transitions *log, const cb_state *pairs, size_t n, const char *why);

/* The log as "[CLOSED->OPEN, OPEN->HALF_OPEN]" (a per-thread buffer). */
const char *format_log(struct transitions *log);

#endif /* CB_TEST_H */
