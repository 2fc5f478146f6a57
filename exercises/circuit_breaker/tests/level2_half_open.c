/*
 * Level 2, half-open probing: after the open timeout a limited number of
 * trial calls pass; one failed trial opens the breaker again with a new
 * timeout, and it closes, with fresh counts, when every trial succeeded.
 * Run alone with `make test LEVEL=2`.
 */
#include "cb_test.h"

WB_LEVEL(2);

/* Three failures in a row trip it; 30 s open; `trials` trial calls. */
static cb_config with_trials(uint32_t trials)
{
    return (
        cb_config){ .failure_threshold = 3, .open_timeout = TIMEOUT, .half_open_trials = trials };
}

/* Trips the breaker with three failures and waits out the open timeout. */
static void trip_and_wait(struct rig *r)
{
    fail_times(r->b, 3, "a closed breaker lets calls through until its third failure");
    expect_state(r->b, CB_OPEN, "three failures in a row with failure_threshold 3");
    advance(r, TIMEOUT);
}

Test(level2, a_successful_trial_closes_the_breaker)
{
    struct rig r;
    rig_start(&r, with_trials(0));
    trip_and_wait(&r);
    succeed(r.b, "the open timeout has passed, so one trial call goes through");
    expect_state(r.b, CB_CLOSED,
                 "half_open_trials 0 means one trial, and that one trial succeeded: the "
                 "dependency has recovered");
    succeed(r.b, "a closed breaker lets calls through again");
    rig_stop(&r);
}

Test(level2, a_failed_trial_opens_it_again)
{
    struct rig r;
    rig_start(&r, with_trials(1));
    trip_and_wait(&r);
    fail(r.b, "the open timeout has passed, so one trial call goes through");
    expect_state(r.b, CB_OPEN, "the only trial call failed: the dependency is still down");
    expect_allow(r.b, CB_REJECTED, "the failed trial opened the breaker again, just now");
    rig_stop(&r);
}

Test(level2, reopening_starts_a_new_timeout)
{
    struct rig r;
    rig_start(&r, with_trials(1));
    trip_and_wait(&r); /* opened at START, half-open from START + 30 s */
    advance(&r, 10 * WB_SEC);
    fail(r.b, "40 s after the trip, the breaker is half-open and lets a trial through");
    advance(&r, 20 * WB_SEC);
    expect_allow(r.b, CB_REJECTED,
                 "the trial failed 20 s ago and re-opened the breaker for a new 30 s; counting "
                 "from the first trip (60 s ago) would end the timeout too early");
    advance(&r, 10 * WB_SEC - 1);
    expect_allow(r.b, CB_REJECTED, "1 ns short of 30 s since the failed trial re-opened it");
    advance(&r, 1);
    allow(r.b, "exactly 30 s since the failed trial re-opened it: the next trial may go");
    rig_stop(&r);
}

Test(level2, only_half_open_trials_calls_pass)
{
    struct rig r;
    rig_start(&r, with_trials(3));
    trip_and_wait(&r);
    for (int i = 0; i < 3; i++)
        allow(r.b, "half_open_trials is 3, so three trial calls may go");
    expect_allow(r.b, CB_TOO_MANY_TRIALS,
                 "three trials are already out: a fourth call must wait, with its own answer, "
                 "CB_TOO_MANY_TRIALS, not CB_REJECTED, since the breaker is not open");
    expect_state(r.b, CB_HALF_OPEN, "three trials are out and none has reported yet");
    cb_counts c = counts_of(r.b);
    cr_assert(c.trials_started == 3 && c.in_flight == 3,
              "three trials let through and a fourth call refused, and the counts say %s; "
              "expected 3 trials started and 3 in flight: a refused call is not a trial",
              describe(r.b));
    rig_stop(&r);
}

Test(level2, half_open_trials_of_zero_mean_one)
{
    struct rig r;
    rig_start(&r, with_trials(0));
    trip_and_wait(&r);
    allow(r.b, "the open timeout has passed: one trial call goes through");
    expect_allow(r.b, CB_TOO_MANY_TRIALS,
                 "half_open_trials 0 means one trial, and it is already out");
    rig_stop(&r);
}

Test(level2, a_finished_trial_does_not_free_its_place)
{
    struct rig r;
    rig_start(&r, with_trials(2));
    trip_and_wait(&r);
    succeed(r.b, "the first of two trial calls");
    allow(r.b, "the second of two trial calls");
    expect_allow(r.b, CB_TOO_MANY_TRIALS,
                 "half_open_trials is 2 and two trials were let through (one finished, one "
                 "still out): the limit counts trials let through in this half-open period, "
                 "not trials running now");
    rig_stop(&r);
}

Test(level2, the_breaker_closes_only_when_every_trial_succeeded)
{
    struct rig r;
    rig_start(&r, with_trials(3));
    trip_and_wait(&r);
    succeed(r.b, "the first of three trial calls");
    succeed(r.b, "the second of three trial calls");
    expect_state(r.b, CB_HALF_OPEN, "two of three trials have succeeded; the third decides");
    succeed(r.b, "the third of three trial calls");
    expect_state(r.b, CB_CLOSED, "all three trials succeeded");
    rig_stop(&r);
}

Test(level2, one_failed_trial_reopens_it_even_after_successes)
{
    struct rig r;
    rig_start(&r, with_trials(3));
    trip_and_wait(&r);
    succeed(r.b, "the first of three trial calls");
    succeed(r.b, "the second of three trial calls");
    fail(r.b, "the third of three trial calls");
    expect_state(r.b, CB_OPEN,
                 "two trials succeeded and the third failed: any failed trial re-opens the "
                 "breaker");
    rig_stop(&r);
}

Test(level2, each_half_open_period_has_its_own_trials)
{
    struct rig r;
    rig_start(&r, with_trials(2));
    trip_and_wait(&r);
    succeed(r.b, "the first of two trial calls");
    fail(r.b, "the second of two trial calls");
    expect_state(r.b, CB_OPEN, "the second trial failed");
    advance(&r, TIMEOUT);
    allow(r.b, "a new half-open period after the new timeout: its first trial");
    allow(r.b, "a new half-open period lets half_open_trials (2) trials through again, "
               "whatever the last period used");
    expect_allow(r.b, CB_TOO_MANY_TRIALS, "both trials of this half-open period are out");
    rig_stop(&r);
}

/* An operation that counts its runs and succeeds. */
static bool counting_op(void *ctx)
{
    ++*(int *)ctx;
    return true;
}

Test(level2, a_call_refused_in_half_open_does_not_run)
{
    struct rig r;
    rig_start(&r, with_trials(1));
    trip_and_wait(&r);
    allow(r.b, "the one trial call");
    int runs = 0;
    cb_status s = cb_call(r.b, counting_op, &runs);
    cr_assert(s == CB_TOO_MANY_TRIALS,
              "cb_call while the only trial is out returned %s, expected CB_TOO_MANY_TRIALS",
              status_name(s));
    cr_assert(runs == 0,
              "cb_call refused with CB_TOO_MANY_TRIALS ran the operation %d time(s), expected "
              "0: a call the breaker refuses must not touch the dependency",
              runs);
    rig_stop(&r);
}

Test(level2, closing_starts_from_zero_counts)
{
    struct rig r;
    rig_start(&r, with_trials(1));
    trip_and_wait(&r);
    succeed(r.b, "the trial call");
    expect_state(r.b, CB_CLOSED, "the only trial succeeded");
    cb_counts c = counts_of(r.b);
    cr_assert(c.consecutive_failures == 0 && c.trials_started == 0 && c.trial_successes == 0,
              "just after closing the counts say %s, expected every count 0: closing starts "
              "a new generation from scratch",
              describe(r.b));
    fail_times(r.b, 2, "closed again");
    expect_state(r.b, CB_CLOSED,
                 "the three failures that tripped it belong to the old closed period: two new "
                 "failures are two, not five");
    rig_stop(&r);
}

Test(level2, the_state_reads_half_open_once_the_timeout_has_passed)
{
    struct rig r;
    rig_start(&r, with_trials(2));
    trip_and_wait(&r);
    expect_state(r.b, CB_HALF_OPEN,
                 "the open timeout passed; cb_current_state must notice it as cb_allow does");
    expect_transitions(&r.log, (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN }, 2,
                       "cb_current_state noticed the end of the timeout, and says so");
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_HALF_OPEN && c.trials_started == 0,
              "cb_read_counts after the timeout gave %s, expected HALF_OPEN with no trial "
              "started: looking at the state is not a trial",
              describe(r.b));
    rig_stop(&r);
}

Test(level2, counts_show_the_trials)
{
    struct rig r;
    rig_start(&r, with_trials(3));
    trip_and_wait(&r);
    cb_ticket a = allow(r.b, "the first of three trials");
    allow(r.b, "the second of three trials");
    report(r.b, &a, true, 0, CB_OK, "the first trial's result");
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_HALF_OPEN && c.trials_started == 2 && c.trial_successes == 1 &&
                  c.in_flight == 1,
              "two trials let through and one reported a success: cb_read_counts gave %s, "
              "expected HALF_OPEN, 2 trials started, 1 succeeded, 1 in flight",
              describe(r.b));
    rig_stop(&r);
}

Test(level2, the_listener_hears_every_change_of_a_full_cycle)
{
    struct rig r;
    rig_start(&r, with_trials(1));
    trip_and_wait(&r);
    fail(r.b, "the first trial");
    advance(&r, TIMEOUT);
    succeed(r.b, "the second trial, one timeout later");
    expect_transitions(&r.log,
                       (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN, CB_HALF_OPEN,
                                           CB_OPEN, CB_OPEN, CB_HALF_OPEN, CB_HALF_OPEN,
                                           CB_CLOSED },
                       5,
                       "trip, timeout, failed trial, timeout, successful trial: five changes, "
                       "each reported once, in order");
    rig_stop(&r);
}
