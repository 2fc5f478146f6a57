/*
 * Level 3, failure rate over a window: a closed breaker keeps the outcomes of
 * its last window_size calls and opens when the failures reach
 * failure_rate_percent of them, once minimum_calls results are in. A success
 * slower than slow_call_duration is a failure. Run alone with
 * `make test LEVEL=3`.
 */
#include <stdio.h>
#include <string.h>

#include "cb_test.h"

WB_LEVEL(3);

/* The rate rule alone: the last `window` results, `percent`% failures, `minimum` calls. */
static cb_config rate(uint32_t window, uint32_t percent, uint32_t minimum)
{
    return (cb_config){ .open_timeout = TIMEOUT,
                        .window_size = window,
                        .failure_rate_percent = percent,
                        .minimum_calls = minimum };
}

/*
 * Reports one call per letter of `pattern`: S a success, F a failure, L a
 * success that took 10 s (slow when slow_call_duration is shorter). Every
 * call must be let through: the breaker must stay closed until the last one.
 */
static void feed(cb_breaker *b, const char *pattern, const char *why)
{
    char where[256];
    for (size_t i = 0; pattern[i] != '\0'; i++) {
        snprintf(where, sizeof where, "result %zu of %s (S success, F failure, L slow success): %s",
                 i + 1, wb_q(pattern), why);
        cb_ticket t = allow(b, where);
        char kind = pattern[i];
        report(b, &t, kind != 'F', kind == 'L' ? 10 * WB_SEC : 0, CB_OK, where);
    }
}

Test(level3, a_failure_rate_below_the_threshold_keeps_it_closed)
{
    struct rig r;
    rig_start(&r, rate(10, 50, 0));
    feed(r.b, "SSSSSSFFFF", "4 failures in 10 calls is 40%, under 50%");
    expect_state(r.b, CB_CLOSED, "the window holds 4 failures in 10 calls: 40% is under 50%");
    rig_stop(&r);
}

Test(level3, a_failure_rate_reaching_the_threshold_opens_it)
{
    struct rig r;
    rig_start(&r, rate(10, 50, 0));
    feed(r.b, "SSSSSSSSSSFFFF", "the last 10 results hold at most 4 failures: under 50%");
    expect_state(r.b, CB_CLOSED, "the last 10 results are SSSSSSFFFF: 40%");
    feed(r.b, "F", "the last 10 results before this one hold 4 failures");
    expect_state(r.b, CB_OPEN,
                 "the last 10 results are SSSSSFFFFF: 5 failures in 10 is 50%, which reaches "
                 "failure_rate_percent 50 (the rate trips at the threshold, not above it)");
    rig_stop(&r);
}

Test(level3, no_rate_before_the_minimum_number_of_calls)
{
    struct rig r;
    rig_start(&r, rate(10, 50, 5));
    feed(r.b, "FFFF", "minimum_calls is 5: with fewer results no rate is taken");
    expect_state(r.b, CB_CLOSED,
                 "4 failures in 4 calls is 100%, but minimum_calls is 5: too few calls to "
                 "judge, so the breaker must not trip yet");
    cb_counts c = counts_of(r.b);
    cr_assert(c.window_calls == 4 && c.window_failures == 4,
              "after 4 failures the counts say %s, expected a window of 4 failures in 4 calls",
              describe(r.b));
    feed(r.b, "F", "4 results are in, one short of minimum_calls");
    expect_state(r.b, CB_OPEN, "5 failures in 5 calls: enough calls now, and 100% is over 50%");
    rig_stop(&r);
}

Test(level3, minimum_calls_of_zero_means_a_full_window)
{
    struct rig r;
    rig_start(&r, rate(4, 50, 0));
    feed(r.b, "FFF", "minimum_calls 0 means window_size (4) results before any rate");
    expect_state(r.b, CB_CLOSED, "3 results, and minimum_calls 0 means a full window of 4");
    feed(r.b, "F", "3 results are in");
    expect_state(r.b, CB_OPEN, "the window is full: 4 failures in 4 calls");
    rig_stop(&r);
}

Test(level3, the_window_holds_only_the_last_n_results)
{
    struct rig r;
    rig_start(&r, rate(4, 50, 4));
    feed(r.b, "FSSSSF", "the window of 4 never holds 2 failures in this sequence");
    cb_counts c = counts_of(r.b);
    cr_assert(c.window_calls == 4 && c.window_failures == 1,
              "after FSSSSF with window_size 4 the counts say %s, expected a window of 4 "
              "calls (the last four: SSSF) with 1 failure: the oldest result falls out as a "
              "new one comes in",
              describe(r.b));
    feed(r.b, "F", "the last 4 results are SSSF");
    expect_state(r.b, CB_OPEN,
                 "the last 4 results are SSFF: 50%. Counting every result since the breaker "
                 "closed (3 failures in 7) would say 43% and miss it");
    rig_stop(&r);
}

Test(level3, the_rate_is_checked_after_a_success_too)
{
    struct rig r;
    rig_start(&r, rate(4, 50, 4));
    feed(r.b, "FFF", "3 results, one short of minimum_calls");
    feed(r.b, "S", "3 results are in");
    expect_state(r.b, CB_OPEN,
                 "the success filled the window to minimum_calls with 3 failures in 4 calls "
                 "(75%): the rate is checked after every result, not only after failures");
    rig_stop(&r);
}

Test(level3, consecutive_failures_still_trip_while_the_window_fills)
{
    struct rig r;
    cb_config c = rate(10, 50, 0);
    c.failure_threshold = 3;
    rig_start(&r, c);
    feed(r.b, "SSFF", "two failures in a row so far");
    feed(r.b, "F", "two failures in a row so far");
    expect_state(r.b, CB_OPEN,
                 "failure_threshold 3 was reached with only 5 of the 10 results the window "
                 "needs: both rules apply, and whichever fires first trips the breaker");
    rig_stop(&r);
}

Test(level3, the_rate_trips_without_failures_in_a_row)
{
    struct rig r;
    cb_config c = rate(10, 50, 0);
    c.failure_threshold = 3;
    rig_start(&r, c);
    feed(r.b, "FSFSFSFSF", "never two failures in a row, and fewer than 10 results");
    feed(r.b, "S", "9 results are in");
    expect_state(r.b, CB_OPEN,
                 "FSFSFSFSFS: never two failures in a row, but 5 of 10 is 50%: the rate rule "
                 "trips on its own");
    rig_stop(&r);
}

Test(level3, the_window_starts_empty_after_closing)
{
    struct rig r;
    cb_config c = rate(4, 50, 4);
    c.half_open_trials = 1;
    rig_start(&r, c);
    feed(r.b, "SSFF", "the window fills to 4 with the last result");
    expect_state(r.b, CB_OPEN, "2 failures in 4 calls is 50%");
    cb_counts open = counts_of(r.b);
    cr_assert(open.window_calls == 0 && open.window_failures == 0,
              "just after the window's rate opened the breaker the counts say %s, expected "
              "an empty window: every state change zeroes the counts",
              describe(r.b));
    advance(&r, TIMEOUT);
    succeed(r.b, "the trial after the open timeout");
    expect_state(r.b, CB_CLOSED, "the only trial succeeded");
    cb_counts counts = counts_of(r.b);
    cr_assert(counts.window_calls == 0 && counts.window_failures == 0,
              "just after closing the counts say %s, expected an empty window: the results "
              "that tripped the breaker belong to the last closed period",
              describe(r.b));
    feed(r.b, "FFS", "the window restarted empty, and minimum_calls is 4");
    expect_state(r.b, CB_CLOSED,
                 "3 results since closing, under minimum_calls 4; a window that kept SSFF "
                 "from before the trip would open the breaker here");
    counts = counts_of(r.b);
    cr_assert(counts.window_calls == 3 && counts.window_failures == 2,
              "after FFS since closing the counts say %s, expected 2 failures of 3 calls: "
              "only results of this closed period count (a ring whose old slots are "
              "subtracted before it has filled again takes old outcomes out of the count)",
              describe(r.b));
    feed(r.b, "F", "3 results since closing, under minimum_calls 4");
    expect_state(r.b, CB_OPEN, "FFSF since closing: 3 failures in 4 calls is 75%");
    rig_stop(&r);
}

Test(level3, counts_show_the_window)
{
    struct rig r;
    rig_start(&r, rate(4, 60, 0));
    feed(r.b, "FSF", "under minimum_calls");
    cb_counts c = counts_of(r.b);
    cr_assert(c.window_calls == 3 && c.window_failures == 2,
              "after FSF the counts say %s, expected 2 failures of 3 calls in the window",
              describe(r.b));
    feed(r.b, "SS", "the last four results hold at most 2 failures, under 60%");
    c = counts_of(r.b);
    cr_assert(c.window_calls == 4 && c.window_failures == 1,
              "after FSFSS with window_size 4 the counts say %s, expected 1 failure of 4 calls "
              "(the last four: SFSS)",
              describe(r.b));
    rig_stop(&r);
}

Test(level3, window_settings_out_of_range_are_refused)
{
    struct {
        cb_config config;
        const char *what;
    } bad[] = {
        { rate(10, 0, 0), "failure_rate_percent 0 with a window" },
        { rate(10, 101, 0), "failure_rate_percent 101" },
        { rate(10, 50, 11), "minimum_calls 11 with window_size 10 (the window can never hold "
                            "that many)" },
        { { .failure_threshold = 3, .open_timeout = TIMEOUT, .slow_call_duration = -1 },
          "slow_call_duration -1 ns" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static int placeholder;
        cb_breaker *b = (cb_breaker *)&placeholder;
        cb_status s = cb_create(&b, &bad[i].config, NULL);
        cr_assert(s == CB_INVALID && b == NULL,
                  "cb_create with %s returned %s and %s, expected CB_INVALID and NULL", bad[i].what,
                  status_name(s), b == NULL ? "NULL" : "a breaker");
    }
    cb_breaker *b = NULL;
    cb_config ok = rate(10, 100, 10);
    cb_status s = cb_create(&b, &ok, NULL);
    cr_assert(s == CB_OK && b != NULL,
              "cb_create with window_size 10, failure_rate_percent 100, minimum_calls 10 and "
              "failure_threshold 0 returned %s, expected CB_OK: the window alone can trip it",
              status_name(s));
    cb_destroy(b);
}

Test(level3, the_rate_is_taken_over_the_results_in_the_window)
{
    struct rig r;
    rig_start(&r, rate(10, 50, 4));
    feed(r.b, "FFS", "3 results, under minimum_calls 4");
    feed(r.b, "S", "3 results are in");
    expect_state(r.b, CB_OPEN,
                 "FFSS: 2 failures in the 4 results the window holds is 50%, and minimum_calls "
                 "4 is met; dividing by window_size (10) instead would say 20% and keep it "
                 "closed");
    rig_stop(&r);
}

/* `n` copies of `c` in a string (n < 128). */
static const char *repeat(char c, int n)
{
    static char text[128];
    memset(text, c, (size_t)n);
    text[n] = '\0';
    return text;
}

Test(level3, the_rate_is_compared_in_whole_numbers)
{
    struct {
        uint32_t window, percent, failures;
    } exact[] = { { 50, 58, 29 }, { 100, 53, 53 } };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        struct rig r;
        uint32_t w = exact[i].window, p = exact[i].percent, f = exact[i].failures;
        rig_start(&r, rate(w, p, 0));
        feed(r.b, repeat('S', (int)(w - f)), "successes first");
        feed(r.b, repeat('F', (int)f - 1), "the window is not full yet");
        feed(r.b, "F", "one result short of a full window");
        char why[320];
        snprintf(why, sizeof why,
                 "%u failures in a full window of %u is exactly %u%%, which reaches "
                 "failure_rate_percent %u; in floating point, failures / calls * 100 can "
                 "come out a hair under %u: compare failures * 100 >= percent * calls in "
                 "whole numbers",
                 f, w, p, p, p);
        expect_state(r.b, CB_OPEN, why);
        rig_stop(&r);
    }
}

Test(level3, window_settings_are_ignored_without_a_window)
{
    struct {
        cb_config config;
        const char *what;
    } fine[] = {
        { { .failure_threshold = 3, .open_timeout = TIMEOUT, .minimum_calls = 5 },
          "minimum_calls 5 and window_size 0" },
        { { .failure_threshold = 3, .open_timeout = TIMEOUT, .failure_rate_percent = 150 },
          "failure_rate_percent 150 and window_size 0" },
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        cb_breaker *b = NULL;
        cb_status s = cb_create(&b, &fine[i].config, NULL);
        cr_assert(s == CB_OK && b != NULL,
                  "cb_create with failure_threshold 3 and %s returned %s, expected CB_OK: "
                  "without a window the rate settings are off, and the header checks them "
                  "only when window_size > 0",
                  fine[i].what, status_name(s));
        cb_destroy(b);
    }
}

Test(level3, trial_results_stay_out_of_the_window)
{
    struct rig r;
    cb_config c = rate(4, 50, 4);
    c.half_open_trials = 2;
    rig_start(&r, c);
    feed(r.b, "SSFF", "the window fills to 4 with the last result");
    advance(&r, TIMEOUT);
    succeed(r.b, "the first of two trials");
    cb_counts counts = counts_of(r.b);
    cr_assert(counts.state == CB_HALF_OPEN && counts.window_calls == 0 &&
                  counts.window_failures == 0 && counts.consecutive_failures == 0 &&
                  counts.trial_successes == 1,
              "half-open after one successful trial, the counts say %s; expected HALF_OPEN "
              "with 1 trial succeeded and an empty window: the window and the failures in a "
              "row count the results of a closed breaker only",
              describe(r.b));
    rig_stop(&r);
}

/* ---- slow calls ---- */

Test(level3, slow_call_duration_of_zero_means_no_call_is_slow)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1, .open_timeout = TIMEOUT });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    report(r.b, &t, true, 3600 * WB_SEC, CB_OK, "a success that took an hour");
    expect_state(r.b, CB_CLOSED,
                 "slow_call_duration is 0, which turns slow-call detection off: a success "
                 "that took an hour is a success, and one failure would have tripped "
                 "failure_threshold 1");
    rig_stop(&r);
}

Test(level3, a_success_slower_than_the_limit_is_a_failure)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 2,
                               .open_timeout = TIMEOUT,
                               .slow_call_duration = 2 * WB_SEC });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    report(r.b, &t, true, 2 * WB_SEC + 1, CB_OK, "a success that took 2 s + 1 ns");
    cr_assert(counts_of(r.b).consecutive_failures == 1,
              "a success that took 1 ns longer than slow_call_duration (2 s) was reported, "
              "and the counts say %s; expected 1 consecutive failure: a slow call is a failure",
              describe(r.b));
    t = allow(r.b, "one slow call of two allowed");
    report(r.b, &t, true, 5 * WB_SEC, CB_OK, "a success that took 5 s");
    expect_state(r.b, CB_OPEN, "two slow successes in a row are two failures in a row");
    rig_stop(&r);
}

Test(level3, a_call_that_takes_exactly_the_limit_is_not_slow)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .slow_call_duration = 2 * WB_SEC });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    report(r.b, &t, true, 2 * WB_SEC, CB_OK, "a success that took exactly 2 s");
    expect_state(r.b, CB_CLOSED,
                 "the call took exactly slow_call_duration (2 s): slow means longer than the "
                 "limit, and one failure would have tripped failure_threshold 1");
    rig_stop(&r);
}

Test(level3, a_slow_failure_counts_once)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 2,
                               .open_timeout = TIMEOUT,
                               .slow_call_duration = WB_SEC });
    cb_ticket t = allow(r.b, "a new breaker is closed");
    report(r.b, &t, false, 9 * WB_SEC, CB_OK, "a failure that also took 9 s");
    expect_state(r.b, CB_CLOSED, "one call failed slowly: one failure, of the two that trip it");
    cr_assert(counts_of(r.b).consecutive_failures == 1,
              "one slow failure, and the counts say %s; expected 1 consecutive failure",
              describe(r.b));
    rig_stop(&r);
}

Test(level3, slow_successes_fill_the_window_as_failures)
{
    struct rig r;
    cb_config c = rate(4, 50, 0);
    c.slow_call_duration = WB_SEC;
    rig_start(&r, c);
    feed(r.b, "SSL", "under minimum_calls (the window of 4)");
    cr_assert(counts_of(r.b).window_failures == 1,
              "after two successes and one 10 s success (slow_call_duration 1 s) the counts "
              "say %s, expected 1 failure in the window",
              describe(r.b));
    feed(r.b, "L", "3 results are in");
    expect_state(r.b, CB_OPEN, "SSLL: the two slow successes are 2 failures in 4 calls, 50%");
    rig_stop(&r);
}

/* An operation that moves the rig's clock by `takes` and succeeds. */
struct timed_op {
    struct rig *rig;
    int64_t takes;
};

static bool slow_op(void *ctx)
{
    struct timed_op *op = ctx;
    advance(op->rig, op->takes);
    return true;
}

Test(level3, call_times_the_operation_on_the_breakers_clock)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .slow_call_duration = 2 * WB_SEC });
    struct timed_op op = { &r, 2 * WB_SEC };
    cb_status s = cb_call(r.b, slow_op, &op);
    cr_assert(s == CB_OK,
              "cb_call on a new (closed) breaker returned %s, expected CB_OK: the operation "
              "ran and succeeded",
              status_name(s));
    expect_state(r.b, CB_CLOSED,
                 "the operation took 2 s on the breaker's clock, exactly slow_call_duration: "
                 "not slow");
    op.takes = 3 * WB_SEC;
    s = cb_call(r.b, slow_op, &op);
    cr_assert(s == CB_OK,
              "the second cb_call returned %s, expected CB_OK: the breaker was still closed, "
              "so the operation ran and its (slow) result was counted",
              status_name(s));
    expect_state(r.b, CB_OPEN,
                 "the operation took 3 s on the breaker's clock (the clock given to cb_create), "
                 "over slow_call_duration 2 s: a slow call, so a failure, and "
                 "failure_threshold is 1");
    rig_stop(&r);
}

/* An operation that moves the rig's clock back by `takes` and succeeds. */
static bool clock_back_op(void *ctx)
{
    struct timed_op *op = ctx;
    advance(op->rig, -op->takes);
    return true;
}

Test(level3, call_counts_no_time_when_the_clock_moves_back)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .slow_call_duration = 2 * WB_SEC });
    struct timed_op op = { &r, 5 * WB_SEC };
    cb_status s = cb_call(r.b, clock_back_op, &op);
    cr_assert(s == CB_OK,
              "cb_call returned %s, expected CB_OK: the breaker's clock moved back 5 s while "
              "the operation ran, and a clock that moved back measures a duration of 0, not "
              "-5 s (which cb_report would refuse, leaving the call in flight for ever)",
              status_name(s));
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_CLOSED && c.in_flight == 0,
              "after a successful cb_call during which the clock moved back, the counts say "
              "%s; expected CLOSED with nothing in flight",
              describe(r.b));
    rig_stop(&r);
}

Test(level3, a_slow_trial_reopens_the_breaker)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .half_open_trials = 1,
                               .slow_call_duration = WB_SEC });
    fail(r.b, "a new breaker is closed");
    advance(&r, TIMEOUT);
    cb_ticket t = allow(r.b, "the trial after the open timeout");
    report(r.b, &t, true, 5 * WB_SEC, CB_OK, "the trial succeeded, but took 5 s");
    expect_state(r.b, CB_OPEN,
                 "the trial took 5 s with slow_call_duration 1 s: a slow trial is a failed "
                 "trial, and the dependency is not healthy yet");
    rig_stop(&r);
}
