/*
 * Level 1, trip and reset: a closed breaker counts failures in a row and
 * opens at the threshold; an open one rejects calls without running them
 * until its timeout has passed, then lets the next call through as a trial.
 * Run alone with `make test LEVEL=1`.
 */
#include <string.h>

#include "cb_test.h"

WB_LEVEL(1);

/* Three failures in a row trip it; it stays open for 30 s. */
static const cb_config THREE_STRIKES = { .failure_threshold = 3, .open_timeout = TIMEOUT };

Test(level1, a_new_breaker_is_closed_with_zero_counts)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    expect_state(r.b, CB_CLOSED, "a new breaker starts closed");
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_CLOSED && c.consecutive_failures == 0 && c.in_flight == 0 &&
                  c.window_calls == 0 && c.window_failures == 0 && c.trials_started == 0 &&
                  c.trial_successes == 0,
              "cb_read_counts of a new breaker gave %s, expected CLOSED with every count 0",
              describe(r.b));
    expect_transitions(&r.log, NULL, 0, "nothing has changed state yet");
    rig_stop(&r);
}

/* cb_create(&out, config) must return CB_INVALID and set out to NULL. */
static void expect_refused(const cb_config *config, const char *what)
{
    static int placeholder;
    cb_breaker *b = (cb_breaker *)&placeholder; /* anything but NULL */
    cb_status s = cb_create(&b, config, NULL);
    cr_assert(s == CB_INVALID, "cb_create with %s returned %s, expected CB_INVALID", what,
              status_name(s));
    cr_assert(b == NULL, "cb_create with %s returned CB_INVALID but did not set *out to NULL",
              what);
}

Test(level1, create_refuses_a_config_it_cannot_run)
{
    cb_config c = THREE_STRIKES;
    expect_refused(NULL, "a NULL config");
    c.open_timeout = 0;
    expect_refused(&c, "open_timeout 0 (an open state that ends before it begins)");
    c.open_timeout = -WB_SEC;
    expect_refused(&c, "a negative open_timeout");
    c = THREE_STRIKES;
    c.failure_threshold = 0;
    expect_refused(&c, "failure_threshold 0 and window_size 0 (a breaker that can never trip)");
    cb_status s = cb_create(NULL, &THREE_STRIKES, NULL);
    cr_assert(s == CB_INVALID, "cb_create(NULL, config, NULL) returned %s, expected CB_INVALID",
              status_name(s));
}

Test(level1, destroy_of_null_does_nothing)
{
    cb_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level1, a_closed_breaker_lets_calls_through)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    for (int i = 0; i < 10; i++)
        succeed(r.b, "a closed breaker lets every call through and counts successes");
    expect_state(r.b, CB_CLOSED, "ten successes in a row");
    rig_stop(&r);
}

Test(level1, failures_below_the_threshold_keep_it_closed)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 2, "a closed breaker lets calls through until it trips");
    expect_state(r.b, CB_CLOSED, "two failures in a row, and the threshold is three");
    succeed(r.b, "two failures of three allowed: still closed, so calls pass");
    rig_stop(&r);
}

Test(level1, the_threshold_failure_in_a_row_opens_it)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "the breaker is closed until the third failure is reported");
    expect_state(r.b, CB_OPEN,
                 "failure_threshold is 3 and three failures in a row were reported: it opens "
                 "when the count reaches the threshold, not after it");
    rig_stop(&r);
}

Test(level1, a_success_resets_the_run_of_failures)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 2, "two failures: still closed");
    succeed(r.b, "two failures of three allowed: still closed");
    fail_times(r.b, 2, "the success reset the count, so two more failures keep it closed");
    expect_state(r.b, CB_CLOSED,
                 "failure, failure, success, failure, failure: the threshold counts failures "
                 "in a row, and the success in the middle started the count again");
    cr_assert(counts_of(r.b).consecutive_failures == 2,
              "counts after failure, failure, success, failure, failure: %s; expected 2 "
              "consecutive failures",
              describe(r.b));
    fail(r.b, "two failures in a row so far");
    expect_state(r.b, CB_OPEN, "the third failure in a row since the success");
    rig_stop(&r);
}

Test(level1, counts_follow_the_run_of_failures)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 10, .open_timeout = TIMEOUT });
    for (uint32_t i = 1; i <= 4; i++) {
        fail(r.b, "a threshold of 10 keeps it closed");
        cb_counts c = counts_of(r.b);
        cr_assert(c.consecutive_failures == i,
                  "after %u failures in a row, cb_read_counts gave %u consecutive failures, "
                  "expected %u",
                  i, c.consecutive_failures, i);
    }
    succeed(r.b, "still closed");
    cr_assert(counts_of(r.b).consecutive_failures == 0,
              "a success was reported after four failures, and the counts say %s; expected 0 "
              "consecutive failures",
              describe(r.b));
    rig_stop(&r);
}

Test(level1, an_open_breaker_rejects_calls)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    for (int i = 0; i < 5; i++)
        expect_allow(r.b, CB_REJECTED,
                     "three failures in a row opened the breaker and no time has passed: it "
                     "must refuse calls at once");
    cb_counts c = counts_of(r.b);
    cr_assert(c.in_flight == 0,
              "five calls were rejected by an open breaker, and the counts say %s: a rejected "
              "call never starts, so it is not in flight",
              describe(r.b));
    rig_stop(&r);
}

/* An operation that counts its runs and returns ctx->result. */
struct op {
    int runs;
    bool result;
};

static bool counting_op(void *ctx)
{
    struct op *op = ctx;
    op->runs++;
    return op->result;
}

Test(level1, an_open_breaker_does_not_run_the_operation)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    struct op op = { 0, true };
    cb_status s = cb_call(r.b, counting_op, &op);
    cr_assert(s == CB_REJECTED, "cb_call on an open breaker returned %s, expected CB_REJECTED",
              status_name(s));
    cr_assert(op.runs == 0,
              "cb_call on an open breaker ran the operation %d time(s), expected 0: failing "
              "fast, without touching the failing dependency, is what the breaker is for",
              op.runs);
    rig_stop(&r);
}

Test(level1, call_runs_the_operation_and_counts_its_result)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    struct op op = { 0, false };
    for (int i = 1; i <= 3; i++) {
        cb_status s = cb_call(r.b, counting_op, &op);
        cr_assert(s == CB_OK,
                  "cb_call number %d returned %s, expected CB_OK: the operation ran (its "
                  "failure is its own result, not the breaker's status)",
                  i, status_name(s));
        cr_assert(op.runs == i, "after %d cb_call(s) the operation ran %d time(s), expected %d", i,
                  op.runs, i);
    }
    expect_state(r.b, CB_OPEN, "three cb_calls whose operation returned false are three failures");
    rig_stop(&r);
}

Test(level1, the_breaker_stays_open_until_the_timeout_has_passed)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    advance(&r, TIMEOUT - 1);
    expect_allow(r.b, CB_REJECTED,
                 "opened with a 30 s timeout, and 1 ns short of 30 s have passed");
    expect_state(r.b, CB_OPEN, "1 ns short of the 30 s open timeout");
    rig_stop(&r);
}

Test(level1, at_the_timeout_the_next_call_is_let_through_as_a_trial)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    advance(&r, TIMEOUT);
    allow(r.b, "the breaker opened exactly 30 s ago with a 30 s timeout: from that instant on "
               "the next call goes through, as a trial");
    expect_state(r.b, CB_HALF_OPEN,
                 "the call after the open timeout moved the breaker to half-open, where the "
                 "trial's result decides");
    rig_stop(&r);
}

Test(level1, rejected_calls_do_not_extend_the_timeout)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    for (int i = 0; i < 3; i++) {
        advance(&r, 9 * WB_SEC);
        expect_allow(r.b, CB_REJECTED, "the 30 s open timeout has not passed yet");
    }
    advance(&r, 3 * WB_SEC);
    allow(r.b, "30 s after the breaker opened, with calls rejected at 9, 18 and 27 s: a "
               "rejection is not a failure, so the timeout still ends 30 s after the trip");
    rig_stop(&r);
}

Test(level1, a_timeout_near_int64_max_does_not_overflow)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1, .open_timeout = INT64_MAX });
    fail(r.b, "closed until the first failure");
    advance(&r, INT64_C(100) * 365 * 86400 * WB_SEC);
    expect_allow(r.b, CB_REJECTED,
                 "open_timeout is INT64_MAX ns (292 years) and 100 years have passed: an "
                 "open time + timeout that overflows lands in the past and ends the timeout "
                 "at once");
    rig_stop(&r);
}

Test(level1, the_listener_hears_the_trip_and_the_end_of_the_timeout)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 2, "closed until the third failure");
    expect_transitions(&r.log, NULL, 0, "two failures of three: no state change yet");
    fail(r.b, "closed until the third failure");
    expect_transitions(&r.log, (const cb_state[]){ CB_CLOSED, CB_OPEN }, 1,
                       "the third failure in a row opened the breaker");
    advance(&r, TIMEOUT);
    allow(r.b, "the open timeout has passed");
    expect_transitions(&r.log, (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN }, 2,
                       "the first call after the open timeout moved the breaker to half-open, "
                       "and the listener must hear that change too");
    rig_stop(&r);
}

Test(level1, a_ticket_reported_twice_counts_once)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 2, .open_timeout = TIMEOUT });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    report(r.b, &t, false, 0, CB_OK, "the first report of a live ticket counts");
    cr_assert(t.generation == 0,
              "after cb_report the ticket's generation is %llu, expected 0: the header says "
              "cb_report spends the ticket",
              (unsigned long long)t.generation);
    report(r.b, &t, false, 0, CB_INVALID,
           "the ticket was already reported: a second report must be refused");
    expect_state(r.b, CB_CLOSED,
                 "one call failed, and its ticket was reported twice: failure_threshold 2 must "
                 "not be reached by counting one failure twice");
    cb_counts c = counts_of(r.b);
    cr_assert(c.consecutive_failures == 1 && c.in_flight == 0,
              "one call failed and its ticket was reported twice, and the counts say %s; "
              "expected 1 failure in a row and nothing in flight: the refused second report "
              "must change nothing",
              describe(r.b));
    rig_stop(&r);
}

Test(level1, a_rejected_ticket_cannot_be_reported)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1, .open_timeout = TIMEOUT });
    fail(r.b, "closed until the first failure");
    cb_ticket t = expect_allow(r.b, CB_REJECTED, "one failure opened the breaker");
    report(r.b, &t, true, 0, CB_INVALID,
           "the call was rejected, so there is no result to report: its ticket is spent");
    expect_state(r.b, CB_OPEN, "a refused report changes nothing");
    rig_stop(&r);
}

Test(level1, a_negative_duration_is_refused_and_the_ticket_stays_usable)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1, .open_timeout = TIMEOUT });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    cb_ticket before = t;
    report(r.b, &t, false, -5, CB_INVALID, "a call cannot take -5 ns");
    cr_assert(t.generation == before.generation,
              "a refused cb_report changed the ticket's generation from %llu to %llu: bad "
              "input must lose nothing, so the caller can report again correctly",
              (unsigned long long)before.generation, (unsigned long long)t.generation);
    expect_state(r.b, CB_CLOSED, "the refused report of a failure must not count");
    cr_assert(counts_of(r.b).in_flight == 1,
              "after a refused report the counts say %s; expected the call still in flight",
              describe(r.b));
    report(r.b, &t, false, 5, CB_OK, "the same ticket, now with a valid duration");
    expect_state(r.b, CB_OPEN, "the failure reported properly trips failure_threshold 1");
    rig_stop(&r);
}

Test(level1, null_arguments_get_invalid_not_a_crash)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    cb_ticket t = { 0 };
    cb_status s = cb_allow(NULL, &t);
    cr_assert(s == CB_INVALID, "cb_allow(NULL, ticket) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_allow(r.b, NULL);
    cr_assert(s == CB_INVALID, "cb_allow(breaker, NULL) returned %s, expected CB_INVALID",
              status_name(s));
    t = allow(r.b, "a new breaker is closed");
    s = cb_report(NULL, &t, true, 0);
    cr_assert(s == CB_INVALID, "cb_report(NULL, ticket, ...) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_report(r.b, NULL, true, 0);
    cr_assert(s == CB_INVALID, "cb_report(breaker, NULL, ...) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_call(r.b, NULL, NULL);
    cr_assert(s == CB_INVALID, "cb_call(breaker, NULL op) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_call(NULL, counting_op, &(struct op){ 0, true });
    cr_assert(s == CB_INVALID, "cb_call(NULL, op) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_read_counts(r.b, NULL);
    cr_assert(s == CB_INVALID, "cb_read_counts(breaker, NULL) returned %s, expected CB_INVALID",
              status_name(s));
    s = cb_read_counts(NULL, &(cb_counts){ 0 });
    cr_assert(s == CB_INVALID, "cb_read_counts(NULL, counts) returned %s, expected CB_INVALID",
              status_name(s));
    report(r.b, &t, true, 0, CB_OK, "the refused calls above must not have spent the ticket");
    cr_assert(counts_of(r.b).in_flight == 0,
              "every call was reported, yet the counts say %s; expected nothing in flight",
              describe(r.b));
    rig_stop(&r);
}

Test(level1, two_breakers_do_not_share_state)
{
    struct rig a, b;
    rig_start(&a, THREE_STRIKES);
    rig_start(&b, THREE_STRIKES);
    fail_times(a.b, 3, "breaker a is closed until its third failure");
    expect_state(a.b, CB_OPEN, "three failures in a row on breaker a");
    expect_state(b.b, CB_CLOSED,
                 "breaker b never saw a failure: each breaker is its own handle, with no "
                 "state shared through globals");
    succeed(b.b, "breaker b is closed");
    rig_stop(&a);
    rig_stop(&b);
}

Test(level1, the_counts_of_an_open_breaker_are_zero_but_the_calls_in_flight)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    allow(r.b, "a new breaker is closed (this call stays out)");
    fail_times(r.b, 3, "closed until the third failure");
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_OPEN && c.consecutive_failures == 0 && c.window_calls == 0 &&
                  c.window_failures == 0 && c.trials_started == 0 && c.trial_successes == 0 &&
                  c.in_flight == 1,
              "just after three failures in a row opened the breaker, with one earlier call "
              "still out, the counts say %s; expected OPEN with every count 0 but 1 in flight: "
              "every state change, the trip included, zeroes all counts but in_flight",
              describe(r.b));
    rig_stop(&r);
}

Test(level1, read_counts_notices_the_end_of_the_timeout)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    advance(&r, TIMEOUT);
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_HALF_OPEN,
              "the breaker opened exactly 30 s ago with a 30 s timeout, and cb_read_counts, "
              "the first call since, gave state %s; expected HALF_OPEN: cb_read_counts must "
              "notice an expired open timeout as cb_allow and cb_current_state do",
              state_name(c.state));
    expect_transitions(&r.log, (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN }, 2,
                       "cb_read_counts noticed the end of the timeout, and tells the listener");
    rig_stop(&r);
}

Test(level1, a_clock_moved_back_does_not_end_the_timeout)
{
    struct rig r;
    rig_start(&r, THREE_STRIKES);
    fail_times(r.b, 3, "closed until the third failure");
    advance(&r, -3600 * WB_SEC);
    expect_allow(r.b, CB_REJECTED,
                 "the clock was moved back an hour after the trip: it reads less than the trip "
                 "time + 30 s, so the breaker is still open (a time difference taken as "
                 "unsigned turns -1 hour into centuries and ends the timeout at once)");
    expect_state(r.b, CB_OPEN, "the clock reads an hour before the trip");
    advance(&r, 3600 * WB_SEC + TIMEOUT);
    allow(r.b, "the clock reads the trip time + 30 s: the timeout has passed");
    rig_stop(&r);
}
