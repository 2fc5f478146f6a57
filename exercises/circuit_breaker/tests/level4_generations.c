/*
 * Level 4, generations, threads and the bulkhead: a result that comes back
 * from a call let through before a state change changes nothing; many
 * threads share one breaker; a bulkhead caps the calls in flight. A missing
 * lock shows in the thread tests only sometimes; `make race`
 * (ThreadSanitizer) shows it every time. Run alone with `make test LEVEL=4`.
 */
#include <sched.h>
#include <stdatomic.h>

#include "cb_test.h"

WB_LEVEL(4);

/* Two failures in a row trip it; 30 s open; one trial. */
static const cb_config TWO_STRIKES = { .failure_threshold = 2,
                                       .open_timeout = TIMEOUT,
                                       .half_open_trials = 1 };

/* ---- generations ---- */

Test(level4, a_failure_from_before_the_trip_does_not_restart_the_timeout)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_ticket a = allow(r.b, "a new breaker is closed");
    cb_ticket b = allow(r.b, "a new breaker is closed");
    cb_ticket late = allow(r.b, "a new breaker is closed");
    report(r.b, &a, false, 0, CB_OK, "the first of two failures");
    report(r.b, &b, false, 0, CB_OK, "the second failure trips the breaker");
    advance(&r, 20 * WB_SEC);
    report(r.b, &late, false, 0, CB_STALE,
           "this call was let through while the breaker was closed, and it opened since: its "
           "result belongs to an earlier generation");
    advance(&r, 10 * WB_SEC);
    allow(r.b, "30 s after the trip: the late failure, reported 20 s after the trip, must not "
               "have opened the breaker again or moved its timeout");
    expect_transitions(&r.log, (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN }, 2,
                       "the stale failure changed no state");
    rig_stop(&r);
}

Test(level4, a_success_from_before_the_trip_does_not_count_as_a_trial)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_ticket late = allow(r.b, "a new breaker is closed");
    fail_times(r.b, 2, "closed until the second failure");
    advance(&r, TIMEOUT);
    cb_ticket trial = allow(r.b, "the open timeout has passed: the trial call");
    report(r.b, &late, true, 0, CB_STALE,
           "this call started before the trip; its success says nothing about whether the "
           "dependency has recovered");
    expect_state(r.b, CB_HALF_OPEN,
                 "only the trial call may close the breaker, and it has not reported yet");
    report(r.b, &trial, false, 0, CB_OK, "the real trial fails");
    expect_state(r.b, CB_OPEN, "the trial call failed");
    rig_stop(&r);
}

Test(level4, a_failure_from_before_half_open_does_not_reopen_it)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_ticket late = allow(r.b, "a new breaker is closed");
    fail_times(r.b, 2, "closed until the second failure");
    advance(&r, TIMEOUT);
    cb_ticket trial = allow(r.b, "the open timeout has passed: the trial call");
    report(r.b, &late, false, 0, CB_STALE,
           "this call started before the trip; its failure is old news, not a failed trial");
    expect_state(r.b, CB_HALF_OPEN, "the trial call has not reported yet");
    report(r.b, &trial, true, 0, CB_OK, "the real trial succeeds");
    expect_state(r.b, CB_CLOSED, "the only trial call succeeded");
    rig_stop(&r);
}

Test(level4, a_result_from_an_earlier_closed_period_does_not_count)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_ticket late = allow(r.b, "a new breaker is closed");
    fail_times(r.b, 2, "closed until the second failure");
    advance(&r, TIMEOUT);
    succeed(r.b, "the trial call");
    expect_state(r.b, CB_CLOSED, "the trial succeeded");
    report(r.b, &late, false, 0, CB_STALE,
           "the breaker is closed again, but this call belongs to the closed period before "
           "the trip: a new generation");
    fail(r.b, "one new failure");
    expect_state(r.b, CB_CLOSED,
                 "one failure in the new closed period, of the two that trip it: the old "
                 "call's failure must not count toward it");
    rig_stop(&r);
}

Test(level4, a_stale_result_still_leaves_the_calls_in_flight)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_ticket late = allow(r.b, "a new breaker is closed");
    fail_times(r.b, 2, "closed until the second failure");
    cr_assert(counts_of(r.b).in_flight == 1,
              "one call let through before the trip is still out, and the counts say %s; "
              "expected 1 in flight: a state change keeps the calls in flight",
              describe(r.b));
    report(r.b, &late, true, 0, CB_STALE, "the call started before the trip");
    cr_assert(counts_of(r.b).in_flight == 0,
              "the last call out came back (stale) and the counts say %s; expected nothing in "
              "flight: a stale call has finished too",
              describe(r.b));
    report(r.b, &late, true, 0, CB_INVALID, "a stale ticket is spent by its report like any");
    rig_stop(&r);
}

/* Trips the breaker from inside an operation run by cb_call, then succeeds. */
static bool trip_meanwhile(void *ctx)
{
    cb_breaker *b = ctx;
    for (int i = 0; i < 2; i++) {
        cb_ticket t;
        if (cb_allow(b, &t) == CB_OK)
            cb_report(b, &t, false, 0);
    }
    return true;
}

Test(level4, call_says_stale_when_the_breaker_moved_on_during_the_operation)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_status s = cb_call(r.b, trip_meanwhile, r.b);
    cr_assert(s == CB_STALE,
              "cb_call returned %s, expected CB_STALE: while its operation ran, two other "
              "calls failed and tripped the breaker, so the operation's success came back to "
              "a new generation (the breaker must not hold its lock while the operation runs)",
              status_name(s));
    expect_state(r.b, CB_OPEN, "the late success must not close the breaker");
    rig_stop(&r);
}

/* An operation that looks at the breaker it runs under. */
static bool look_at_the_breaker(void *ctx)
{
    cb_breaker *b = ctx;
    cb_counts c;
    return cb_current_state(b) == CB_CLOSED && cb_read_counts(b, &c) == CB_OK && c.in_flight == 1;
}

Test(level4, an_operation_may_call_back_into_the_breaker)
{
    struct rig r;
    rig_start(&r, TWO_STRIKES);
    cb_status s = cb_call(r.b, look_at_the_breaker, r.b);
    cr_assert(s == CB_OK,
              "cb_call whose operation read the breaker's state and counts returned %s, "
              "expected CB_OK: the breaker stayed closed while it ran",
              status_name(s));
    cr_assert(counts_of(r.b).consecutive_failures == 0,
              "the operation read the breaker's state and counts from inside cb_call and "
              "expected CLOSED with its own call in flight; it saw something else and "
              "reported a failure (counts now: %s)",
              describe(r.b));
    rig_stop(&r);
}

/* ---- the bulkhead ---- */

Test(level4, the_bulkhead_caps_calls_in_flight)
{
    struct rig r;
    cb_config c = TWO_STRIKES;
    c.max_concurrent = 2;
    rig_start(&r, c);
    cb_ticket a = allow(r.b, "the first of two calls in flight");
    allow(r.b, "the second of two calls in flight");
    expect_allow(r.b, CB_BULKHEAD_FULL, "max_concurrent is 2 and two calls are out");
    report(r.b, &a, true, 0, CB_OK, "one of the two calls comes back");
    allow(r.b, "one call came back, so one place is free");
    expect_allow(r.b, CB_BULKHEAD_FULL, "two calls are out again");
    rig_stop(&r);
}

Test(level4, a_bulkhead_rejection_is_not_a_failure)
{
    struct rig r;
    rig_start(&r,
              (cb_config){ .failure_threshold = 1, .open_timeout = TIMEOUT, .max_concurrent = 1 });
    cb_ticket a = allow(r.b, "the one call allowed in flight");
    for (int i = 0; i < 5; i++)
        expect_allow(r.b, CB_BULKHEAD_FULL,
                     "max_concurrent is 1 and one call is out; a call turned away by the "
                     "bulkhead never ran, so it cannot count as a failure of the dependency");
    expect_state(r.b, CB_CLOSED, "five calls were turned away by the bulkhead, none failed");
    report(r.b, &a, true, 0, CB_OK, "the call in flight comes back");
    rig_stop(&r);
}

Test(level4, a_stale_result_frees_its_place_in_the_bulkhead)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .half_open_trials = 1,
                               .max_concurrent = 2 });
    cb_ticket late = allow(r.b, "the first of two calls in flight");
    fail(r.b, "the second call fails and trips the breaker");
    advance(&r, TIMEOUT);
    cb_ticket trial = allow(r.b, "the trial: one place in the bulkhead is free");
    report(r.b, &late, true, 0, CB_STALE, "the call started before the trip");
    report(r.b, &trial, true, 0, CB_OK, "the trial succeeds");
    expect_state(r.b, CB_CLOSED, "the only trial succeeded");
    allow(r.b, "every call has come back, the stale one included");
    allow(r.b, "max_concurrent is 2 and only one call is out: a stale report must free its "
               "place, or every trip would shrink the bulkhead for good");
    rig_stop(&r);
}

Test(level4, a_full_bulkhead_does_not_use_up_a_trial)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .half_open_trials = 2,
                               .max_concurrent = 2 });
    cb_ticket late = allow(r.b, "the first of two calls in flight");
    fail(r.b, "the second call fails and trips the breaker");
    advance(&r, TIMEOUT);
    allow(r.b, "the first of two trials: one place in the bulkhead is free");
    expect_allow(r.b, CB_BULKHEAD_FULL,
                 "a second trial is allowed, but the bulkhead is full (a trial and the old "
                 "call are out)");
    report(r.b, &late, true, 0, CB_STALE, "the old call comes back");
    allow(r.b, "the bulkhead has room again, and the call turned away by the bulkhead did "
               "not use up the second trial");
    rig_stop(&r);
}

Test(level4, the_state_speaks_before_the_bulkhead)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .half_open_trials = 1,
                               .max_concurrent = 2 });
    allow(r.b, "the first of two calls in flight (it stays out)");
    fail(r.b, "the second call fails and trips the breaker");
    advance(&r, TIMEOUT);
    allow(r.b, "the one trial: one place in the bulkhead is free");
    expect_allow(r.b, CB_TOO_MANY_TRIALS,
                 "the bulkhead is full and the only trial is out: the state answers first, "
                 "so the caller learns the breaker is probing, not merely busy");
    rig_stop(&r);
}

/* ---- many threads ---- */

enum { FAIL_THREADS = 8, FAILS_EACH = 500 };

static char *report_failures(int index, void *ctx)
{
    cb_breaker *b = ctx;
    (void)index;
    for (int i = 0; i < FAILS_EACH; i++) {
        cb_ticket t;
        cb_status s = cb_allow(b, &t);
        if (s != CB_OK)
            return wb_strdupf("call %d: cb_allow returned %s, expected CB_OK: the threshold is "
                              "more than all the failures of all the threads",
                              i, status_name(s));
        s = cb_report(b, &t, false, 0);
        if (s != CB_OK)
            return wb_strdupf("call %d: cb_report returned %s, expected CB_OK", i, status_name(s));
    }
    return NULL;
}

Test(level4, eight_threads_reporting_failures_lose_none)
{
    struct rig r;
    const uint32_t total = FAIL_THREADS * FAILS_EACH;
    rig_start(&r, (cb_config){ .failure_threshold = total + 1, .open_timeout = TIMEOUT });
    wb_run_threads(FAIL_THREADS, report_failures, r.b, "8 threads reporting 500 failures each");
    cb_counts c = counts_of(r.b);
    cr_assert(c.state == CB_CLOSED && c.consecutive_failures == total && c.in_flight == 0,
              "8 threads reported 500 failures each, and the counts say %s; expected CLOSED "
              "with %u consecutive failures and nothing in flight: fewer means updates were "
              "lost to a race",
              describe(r.b), total);
    fail(r.b, "one failure short of the threshold");
    expect_state(r.b, CB_OPEN, "failure_threshold is one more than the threads' failures");
    rig_stop(&r);
}

enum { RACERS = 16, RACE_TRIALS = 3 };

struct trial_race {
    cb_breaker *b;
    cb_status got[RACERS]; /* each thread writes only its own slot */
    cb_ticket ticket[RACERS];
};

static char *race_for_a_trial(int index, void *ctx)
{
    struct trial_race *race = ctx;
    race->got[index] = cb_allow(race->b, &race->ticket[index]);
    return NULL;
}

Test(level4, exactly_the_trials_pass_when_threads_race_in_half_open)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .half_open_trials = RACE_TRIALS });
    fail(r.b, "a new breaker is closed");
    advance(&r, TIMEOUT);
    static struct trial_race race;
    race.b = r.b;
    wb_run_threads(RACERS, race_for_a_trial, &race, "16 threads calling cb_allow at once");
    int passed = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        passed += race.got[i] == CB_OK;
        refused += race.got[i] == CB_TOO_MANY_TRIALS;
    }
    cr_assert(passed == RACE_TRIALS && refused == RACERS - RACE_TRIALS,
              "16 threads asked a half-open breaker with half_open_trials 3 at the same "
              "moment: %d got CB_OK and %d CB_TOO_MANY_TRIALS, expected exactly 3 and 13 (the "
              "check and the count of trials must be one step under the lock)",
              passed, refused);
    for (int i = 0; i < RACERS; i++)
        if (race.got[i] == CB_OK)
            report(r.b, &race.ticket[i], true, 0, CB_OK, "each trial succeeds");
    expect_state(r.b, CB_CLOSED, "all three trials succeeded");
    rig_stop(&r);
}

enum { BULKHEAD_THREADS = 8, BULKHEAD_CALLS = 300, BULKHEAD_CAP = 3 };

struct bulkhead_run {
    cb_breaker *b;
    atomic_int running;  /* operations running now */
    atomic_int most;     /* the most ever running at once */
    atomic_int finished; /* cb_calls that ran their operation */
};

static bool busy_op(void *ctx)
{
    struct bulkhead_run *run = ctx;
    int now = atomic_fetch_add(&run->running, 1) + 1;
    int most = atomic_load(&run->most);
    while (now > most && !atomic_compare_exchange_weak(&run->most, &most, now))
        ;
    sched_yield(); /* give the other threads a chance to pile in */
    atomic_fetch_sub(&run->running, 1);
    return true;
}

static char *call_through_the_bulkhead(int index, void *ctx)
{
    struct bulkhead_run *run = ctx;
    (void)index;
    for (int i = 0; i < BULKHEAD_CALLS; i++) {
        cb_status s = cb_call(run->b, busy_op, run);
        if (s == CB_OK)
            atomic_fetch_add(&run->finished, 1);
        else if (s != CB_BULKHEAD_FULL)
            return wb_strdupf("call %d: cb_call returned %s, expected CB_OK or CB_BULKHEAD_FULL", i,
                              status_name(s));
    }
    return NULL;
}

Test(level4, the_bulkhead_holds_under_threads)
{
    struct rig r;
    rig_start(&r, (cb_config){ .failure_threshold = 1,
                               .open_timeout = TIMEOUT,
                               .max_concurrent = BULKHEAD_CAP });
    static struct bulkhead_run run;
    run.b = r.b;
    atomic_init(&run.running, 0);
    atomic_init(&run.most, 0);
    atomic_init(&run.finished, 0);
    wb_run_threads(BULKHEAD_THREADS, call_through_the_bulkhead, &run,
                   "8 threads making 300 cb_calls each through a bulkhead of 3");
    int most = atomic_load(&run.most), finished = atomic_load(&run.finished);
    cr_assert(most <= BULKHEAD_CAP,
              "up to %d operations ran at once through a breaker with max_concurrent %d: the "
              "bulkhead let too many in (a check and an increment that are not one step)",
              most, BULKHEAD_CAP);
    cr_assert(finished > 0,
              "none of the 2400 cb_calls ran its operation, expected most of them to: a "
              "bulkhead of 3 turns calls away only while 3 are running");
    cb_counts c = counts_of(r.b);
    cr_assert(c.in_flight == 0 && c.state == CB_CLOSED,
              "every call has come back, and the counts say %s; expected CLOSED with nothing "
              "in flight (%d calls ran)",
              describe(r.b), finished);
    rig_stop(&r);
}

enum { CHAOS_THREADS = 8, CHAOS_CALLS = 1500 };

struct chaos {
    struct rig *rig;
};

/*
 * NULL if `c` is a snapshot the chaos breaker (failure_threshold 2,
 * half_open_trials 2, no window, CHAOS_THREADS callers) can be in, or what is
 * wrong with it.
 */
static char *impossible_counts(const cb_counts *c)
{
    bool ok = c->window_calls == 0 && c->window_failures == 0 && c->in_flight <= CHAOS_THREADS;
    if (c->state == CB_CLOSED)
        ok = ok && c->consecutive_failures < 2 && c->trials_started == 0 && c->trial_successes == 0;
    else if (c->state == CB_OPEN)
        ok =
            ok && c->consecutive_failures == 0 && c->trials_started == 0 && c->trial_successes == 0;
    else
        ok = ok && c->state == CB_HALF_OPEN && c->consecutive_failures == 0 &&
             c->trials_started <= 2 && c->trial_successes <= c->trials_started;
    if (ok)
        return NULL;
    return wb_strdupf("cb_read_counts gave %s; failures in a row %u; window %u failed of %u; "
                      "trials %u started, %u succeeded; in flight %u, which no moment of "
                      "this breaker can show (a snapshot taken without the lock, or counts "
                      "a state change did not zero)",
                      state_name(c->state), c->consecutive_failures, c->window_failures,
                      c->window_calls, c->trials_started, c->trial_successes, c->in_flight);
}

static char *chaos_caller(int index, void *ctx)
{
    struct chaos *chaos = ctx;
    cb_breaker *b = chaos->rig->b;
    wb_rng rng;
    wb_rng_seed(&rng, 4000 + (uint64_t)index);
    for (int i = 0; i < CHAOS_CALLS; i++) {
        advance(chaos->rig, 100 * WB_USEC);
        uint64_t look = wb_rng_below(&rng, 8);
        if (look == 0) {
            cb_current_state(b);
            continue;
        }
        if (look == 1) {
            cb_counts c;
            if (cb_read_counts(b, &c) != CB_OK)
                return wb_strdupf("call %d: cb_read_counts did not return CB_OK", i);
            char *wrong = impossible_counts(&c);
            if (wrong != NULL)
                return wrong;
            continue;
        }
        cb_ticket t;
        cb_status s = cb_allow(b, &t);
        if (s == CB_REJECTED || s == CB_TOO_MANY_TRIALS)
            continue;
        if (s != CB_OK)
            return wb_strdupf("call %d: cb_allow returned %s", i, status_name(s));
        bool ok = wb_rng_below(&rng, 2) == 0;
        s = cb_report(b, &t, ok, 0);
        if (s != CB_OK && s != CB_STALE)
            return wb_strdupf("call %d: cb_report returned %s, expected CB_OK or CB_STALE", i,
                              status_name(s));
    }
    return NULL;
}

/* Is from -> to one of the four moves of the state machine? */
static bool legal(cb_state from, cb_state to)
{
    return (from == CB_CLOSED && to == CB_OPEN) || (from == CB_OPEN && to == CB_HALF_OPEN) ||
           (from == CB_HALF_OPEN && to == CB_OPEN) || (from == CB_HALF_OPEN && to == CB_CLOSED);
}

Test(level4, state_changes_reach_the_listener_one_at_a_time_in_order)
{
    struct rig r;
    rig_start(&r, (cb_config){
                      .failure_threshold = 2, .open_timeout = 5 * WB_MSEC, .half_open_trials = 2 });
    fail_times(r.b, 2,
               "a new breaker is closed"); /* at least one change, whatever the threads do */
    static struct chaos chaos;
    chaos.rig = &r;
    wb_run_threads(CHAOS_THREADS, chaos_caller, &chaos,
                   "8 threads making 1500 seeded random calls each, moving the clock 0.1 ms "
                   "per call, with a 5 ms open timeout");
    cb_counts c = counts_of(r.b);
    pthread_mutex_lock(&r.log.lock);
    size_t n = r.log.n;
    pthread_mutex_unlock(&r.log.lock);
    cr_assert(n > 0, "the listener heard no change, though two failures tripped the breaker "
                     "before the threads started");
    cr_assert(n <= LOG_MAX, "the listener heard %zu changes, more than this test can check (%d)", n,
              LOG_MAX);
    for (size_t i = 0; i < n; i++) {
        cb_state from = r.log.from[i], to = r.log.to[i];
        cb_state before = i == 0 ? CB_CLOSED : r.log.to[i - 1];
        cr_assert(legal(from, to),
                  "change %zu of %zu reported to the listener was %s->%s, which the state "
                  "machine never makes",
                  i + 1, n, state_name(from), state_name(to));
        cr_assert(from == before,
                  "change %zu of %zu reported to the listener was %s->%s, but the change "
                  "before it left the breaker %s: changes must reach the listener one at a "
                  "time and in order (call it under the lock that made the change)",
                  i + 1, n, state_name(from), state_name(to), state_name(before));
    }
    cr_assert(r.log.to[n - 1] == c.state,
              "the last change the listener heard left the breaker %s, but it reports %s",
              state_name(r.log.to[n - 1]), describe(r.b));
    cr_assert(c.in_flight == 0,
              "every thread reported every call it was allowed, and the counts say %s; "
              "expected nothing in flight",
              describe(r.b));
    rig_stop(&r);
}

Test(level4, a_trial_that_returns_after_another_trial_failed_is_stale)
{
    struct rig r;
    rig_start(
        &r, (cb_config){ .failure_threshold = 1, .open_timeout = TIMEOUT, .half_open_trials = 2 });
    fail(r.b, "a new breaker is closed");
    advance(&r, TIMEOUT);
    cb_ticket first = allow(r.b, "the first of two trials");
    cb_ticket second = allow(r.b, "the second of two trials");
    report(r.b, &first, false, 0, CB_OK, "the first trial fails and re-opens the breaker");
    advance(&r, 10 * WB_SEC);
    report(r.b, &second, false, 0, CB_STALE,
           "the second trial comes back 10 s after the first one re-opened the breaker: it "
           "belongs to the half-open period that ended, a generation ago");
    expect_state(r.b, CB_OPEN, "the stale trial's failure changes no state");
    cr_assert(counts_of(r.b).in_flight == 0,
              "both trials have come back, and the counts say %s; expected nothing in flight",
              describe(r.b));
    advance(&r, 20 * WB_SEC);
    allow(r.b, "30 s after the first trial failed: the stale failure of the second, 10 s "
               "later, must not have restarted the timeout");
    expect_transitions(&r.log,
                       (const cb_state[]){ CB_CLOSED, CB_OPEN, CB_OPEN, CB_HALF_OPEN, CB_HALF_OPEN,
                                           CB_OPEN, CB_OPEN, CB_HALF_OPEN },
                       4, "trip, timeout, failed trial, timeout: the stale trial changed nothing");
    rig_stop(&r);
}
