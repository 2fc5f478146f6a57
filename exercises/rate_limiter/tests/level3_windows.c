/*
 * Level 3, fixed window and sliding-window counter: O(1) memory per key, and
 * what each costs in exactness. Windows start when the limiter is created.
 * Run alone with `make test LEVEL=3`.
 */
#include <stdio.h>

#include "rl_test.h"

WB_LEVEL(3);

/* ---- fixed window ---- */

Test(level3, create_refuses_a_limit_of_zero_or_a_window_that_is_not_positive)
{
    wb_manual_clock mc;
    start_clock(&mc);
    struct {
        uint32_t limit;
        int64_t window;
    } bad[] = { { 0, WB_SEC }, { 5, 0 }, { 5, -WB_SEC } };
    for (int i = 0; i < 3; i++) {
        rl_limiter *f = rl_fixed_window(bad[i].limit, bad[i].window, &mc.clock);
        cr_assert(f == NULL,
                  "rl_fixed_window(limit %u, window %s) returned a limiter, expected NULL: the "
                  "limit must be at least 1 and the window longer than 0",
                  (unsigned)bad[i].limit, duration_text(bad[i].window));
        rl_limiter *c = rl_sliding_counter(bad[i].limit, bad[i].window, &mc.clock);
        cr_assert(c == NULL,
                  "rl_sliding_counter(limit %u, window %s) returned a limiter, expected NULL: "
                  "the limit must be at least 1 and the window longer than 0",
                  (unsigned)bad[i].limit, duration_text(bad[i].window));
    }
}

Test(level3, fixed_window_grants_the_limit_per_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(3, WB_SEC, &mc);
    expect_remaining(l, 3, "a new fixed window has granted nothing");
    expect_grants(l, 5, 3, "limit 3 per window, 5 requests at the window's start");
    advance(&mc, 999 * WB_MSEC);
    expect_denied(l, 1, "START + 999 ms is still in the window [START, START + 1 s)");
    rl_destroy(l);
}

Test(level3, fixed_window_count_restarts_exactly_at_the_boundary)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(3, WB_SEC, &mc);
    expect_allowed(l, 3, "the first window grants its limit of 3");
    advance(&mc, WB_SEC - 1);
    expect_denied(l, 1, "1 ns before START + 1 s is the last instant of the first window");
    advance(&mc, 1);
    expect_remaining(l, 3, "START + 1 s is the first instant of the second window: a fresh count");
    expect_grants(l, 5, 3, "the second window grants its own limit of 3");
    rl_destroy(l);
}

Test(level3, fixed_windows_start_when_the_limiter_is_created)
{
    wb_manual_clock mc;
    start_clock(&mc);
    advance(&mc, 300 * WB_MSEC);
    rl_limiter *l = new_fixed(2, WB_SEC, &mc); /* windows start at START + 300 ms + k s */
    advance(&mc, 500 * WB_MSEC);
    expect_allowed(l, 2, "the first window, created at START + 300 ms, grants its limit of 2");
    advance(&mc, 200 * WB_MSEC);
    expect_denied(l, 1,
                  "the limiter was created at START + 300 ms, so its first window runs to "
                  "START + 1300 ms: START + 1 s is no boundary of its own");
    advance(&mc, 299 * WB_MSEC);
    expect_denied(l, 1, "START + 1299 ms is the last millisecond of the first window");
    advance(&mc, 1 * WB_MSEC);
    expect_allowed(l, 2,
                   "START + 1300 ms starts the second window: windows are counted from the "
                   "creation, not from the first request or from clock reading 0");
    rl_destroy(l);
}

Test(level3, fixed_window_lets_twice_the_limit_through_across_a_boundary)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(10, WB_SEC, &mc);
    advance(&mc, 999 * WB_MSEC);
    expect_grants(l, 10, 10, "10 requests in the last millisecond of the first window");
    advance(&mc, 1 * WB_MSEC);
    expect_grants(l, 10, 10,
                  "10 more in the first instant of the second window: a fixed window grants 20 "
                  "within 1 ms, twice its limit of 10 per second. That is its known weakness, "
                  "and level 3's sliding counter fixes it");
    rl_destroy(l);
}

Test(level3, fixed_window_forgets_windows_long_past)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(4, WB_SEC, &mc);
    expect_allowed(l, 4, "the first window grants its limit");
    advance(&mc, 5 * WB_SEC + 200 * WB_MSEC);
    expect_remaining(l, 4, "5 windows later the count of the first is long gone");
    rl_destroy(l);
}

Test(level3, fixed_window_request_over_the_limit_is_denied_and_zero_is_allowed)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(4, WB_SEC, &mc);
    expect_denied(l, 5, "limit 4: a request for 5 can never be granted");
    expect_allowed(l, 4, "the refused request took nothing: all 4 are there");
    expect_allowed(l, 0, "n == 0 is always allowed, even in a full window");
    rl_destroy(l);
}

/* ---- sliding-window counter ---- */

Test(level3, sliding_counter_grants_the_limit_in_its_first_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(6, WB_SEC, &mc);
    expect_remaining(l, 6, "a new counter has granted nothing");
    expect_grants(l, 9, 6, "limit 6, no previous window: the estimate is the current count");
    rl_destroy(l);
}

Test(level3, sliding_counter_does_not_let_a_boundary_burst_through)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    advance(&mc, 999 * WB_MSEC);
    expect_grants(l, 10, 10, "10 requests in the last millisecond of the first window");
    advance(&mc, 1 * WB_MSEC);
    expect_grants(l, 10, 0,
                  "at the first instant of the second window the previous window still weighs "
                  "in full: 10 * (1 s - 0) / 1 s = 10, so nothing more fits. A fixed window "
                  "would grant 10 more here");
    advance(&mc, 500 * WB_MSEC);
    expect_grants(l, 10, 5,
                  "halfway through the second window the first one weighs half: 10 * 0.5 = 5, "
                  "so 5 more fit under the limit of 10");
    rl_destroy(l);
}

Test(level3, sliding_counter_weighs_the_previous_window_by_the_part_still_covered)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    expect_allowed(l, 8, "the first window grants 8 of 10");
    advance(&mc, 1250 * WB_MSEC);
    expect_remaining(l, 4,
                     "250 ms into the second window, a rolling 1 s window still covers 750 ms "
                     "of the first: estimate = 8 * 0.75 = 6, and 10 - 6 = 4 remain");
    expect_grants(l, 6, 4, "4 more fit: 6 + 4 = 10");
    rl_destroy(l);
}

Test(level3, sliding_counter_adds_the_current_window_in_full)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    expect_allowed(l, 4, "the first window grants 4");
    advance(&mc, 1500 * WB_MSEC);
    expect_allowed(l, 3, "halfway through the second window: estimate 4 * 0.5 = 2, so 3 fit");
    expect_remaining(l, 5,
                     "estimate = 4 * 0.5 (the first window, half covered) + 3 (this window's "
                     "count, whole) = 5, and 10 - 5 = 5 remain");
    rl_destroy(l);
}

Test(level3, sliding_counter_rounds_what_remains_down)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    expect_allowed(l, 10, "the first window grants its limit");
    advance(&mc, 1250 * WB_MSEC);
    expect_remaining(l, 2,
                     "250 ms into the second window: estimate = 10 * 0.75 = 7.5, and "
                     "10 - 7.5 = 2.5, of which 2 are whole units");
    expect_denied(l, 3, "7.5 + 3 = 10.5 is over the limit of 10");
    expect_allowed(l, 2, "7.5 + 2 = 9.5 is within the limit of 10");
    advance(&mc, 500 * WB_MSEC);
    expect_remaining(l, 5,
                     "750 ms into the second window: estimate = 10 * 0.25 + 2 = 4.5, and "
                     "10 - 4.5 = 5.5, of which 5 are whole units: round down, never to the "
                     "nearest, or rl_remaining promises a unit that rl_allow refuses");
    expect_denied(l, 6, "4.5 + 6 = 10.5 is over the limit of 10");
    rl_destroy(l);
}

Test(level3, sliding_counter_previous_means_the_window_just_before)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    expect_allowed(l, 10, "the first window grants its limit");
    advance(&mc, 2 * WB_SEC + 100 * WB_MSEC);
    expect_remaining(l, 10,
                     "the third window began; the window before it (the second) granted "
                     "nothing, so the first window's 10 no longer weigh in at all");
    rl_destroy(l);
}

Test(level3, sliding_counter_does_not_count_denied_requests)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(4, WB_SEC, &mc);
    expect_allowed(l, 4, "the first window grants its limit of 4");
    for (int i = 0; i < 20; i++)
        expect_denied(l, 1, "the window is full");
    advance(&mc, 1500 * WB_MSEC);
    expect_remaining(l, 2,
                     "halfway through the second window: estimate 4 * 0.5 = 2, and 2 remain. "
                     "The 20 refused requests must not count in the first window");
    rl_destroy(l);
}

Test(level3, sliding_counter_request_over_the_limit_is_denied_and_zero_is_allowed)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(4, WB_SEC, &mc);
    expect_denied(l, 5, "limit 4: a request for 5 can never be granted");
    expect_allowed(l, 4, "the refused request took nothing: all 4 are there");
    expect_allowed(l, 0, "n == 0 is always allowed, even when nothing remains");
    rl_destroy(l);
}

Test(level3, a_clock_that_steps_back_forgets_no_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *f = new_fixed(3, WB_SEC, &mc);
    rl_limiter *c = new_counter(3, WB_SEC, &mc);
    advance(&mc, 1200 * WB_MSEC);
    expect_allowed(f, 3, "the second window of the fixed limiter grants its limit");
    expect_allowed(c, 3, "the second window of the counter grants its limit");
    advance(&mc, -1100 * WB_MSEC);
    expect_denied(f, 1,
                  "the clock stepped back into the first window; an earlier reading counts as "
                  "the latest, so the fixed window is still the second one, and full");
    expect_denied(c, 1, "the clock stepped back; the counter's second window is still full");
    rl_destroy(f);
    rl_destroy(c);
}

Test(level3, sliding_counter_weighs_at_its_latest_time_when_the_clock_steps_back)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(10, WB_SEC, &mc);
    expect_allowed(l, 10, "the first window grants its limit");
    advance(&mc, 1500 * WB_MSEC);
    expect_allowed(l, 4, "halfway through the second window: estimate 10 * 0.5 = 5, so 4 fit");
    advance(&mc, -250 * WB_MSEC);
    expect_remaining(l, 1,
                     "the clock stepped back to START + 1250 ms, which counts as the latest "
                     "time, START + 1500 ms: estimate 10 * 0.5 + 4 = 9, and 1 remains. Weighing "
                     "at the early reading gives 10 * 0.75 + 4 = 11.5");
    expect_allowed(l, 1, "9 + 1 = 10 is within the limit of 10, at the counter's latest time");
    rl_destroy(l);
}

Test(level3, a_request_for_uint32_max_units_is_denied)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *f = new_fixed(4, WB_SEC, &mc);
    rl_limiter *c = new_counter(4, WB_SEC, &mc);
    expect_allowed(f, 1, "the fixed window grants 1 of 4");
    expect_allowed(c, 1, "the counter grants 1 of 4");
    expect_denied(f, UINT32_MAX,
                  "fixed window of limit 4: UINT32_MAX units can never be granted. Its count 1 "
                  "+ UINT32_MAX wraps around to 0 in 32 bits, which is not within the limit");
    expect_denied(c, UINT32_MAX, "counter of limit 4: UINT32_MAX units can never be granted");
    expect_remaining(f, 3, "the refused request took nothing from the fixed window");
    expect_remaining(c, 3, "the refused request took nothing from the counter");
    rl_destroy(f);
    rl_destroy(c);
}

Test(level3, windows_of_int64_max_do_not_overflow)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *f = new_fixed(1, INT64_MAX, &mc);
    rl_limiter *c = new_counter(1, INT64_MAX, &mc);
    expect_allowed(f, 1, "the fixed window grants its limit of 1");
    expect_allowed(c, 1, "the counter grants its limit of 1");
    advance(&mc, WB_SEC * 3600 * 24 * 365 * 100);
    expect_denied(f, 1,
                  "a window of INT64_MAX ns (292 years) has not ended 100 years later: "
                  "t0 + window overflows, so compare the time elapsed since t0 instead");
    expect_denied(c, 1, "100 years into a counter's first window of INT64_MAX ns, it is full");
    rl_destroy(f);
    rl_destroy(c);
}

/*
 * Seeded random runs against the exact formulas, in integers. The window is
 * 2^30 ns, so that every weight (window - e) / window is a fraction a double
 * holds exactly and both sides compute the same answer.
 */
enum { RANDOM_LIMIT = 9, RANDOM_REQUESTS = 4000 };
static const int64_t RANDOM_WINDOW = INT64_C(1) << 30;

struct window_model {
    int64_t index; /* the window the counts belong to */
    int64_t count, previous;
};

static void model_advance(struct window_model *m, int64_t since_start)
{
    int64_t index = since_start / RANDOM_WINDOW;
    if (index == m->index)
        return;
    m->previous = index == m->index + 1 ? m->count : 0;
    m->count = 0;
    m->index = index;
}

static void random_run(rl_limiter *l, wb_manual_clock *mc, int sliding, uint64_t seed)
{
    struct window_model m = { 0, 0, 0 };
    wb_rng rng;
    wb_rng_seed(&rng, seed);
    for (int i = 0; i < RANDOM_REQUESTS; i++) {
        if (wb_rng_below(&rng, 3) != 0)
            advance(mc, (int64_t)wb_rng_below(&rng, RANDOM_WINDOW / 3));
        int64_t since = wb_now(&mc->clock) - START;
        model_advance(&m, since);
        int64_t e = since % RANDOM_WINDOW;
        uint32_t n = (uint32_t)wb_rng_below(&rng, RANDOM_LIMIT + 2);
        /* previous * (window - e) / window + count + n <= limit, multiplied out by window */
        int64_t carried = sliding ? m.previous * (RANDOM_WINDOW - e) : 0;
        int want_allowed = carried + (m.count + n) * RANDOM_WINDOW <= RANDOM_LIMIT * RANDOM_WINDOW;
        rl_status s = rl_allow(l, n);
        cr_assert(s == (want_allowed ? RL_ALLOWED : RL_DENIED),
                  "request %d of a seeded random run (%s, limit %d per window of 2^30 ns): "
                  "rl_allow(limiter, %u) at %s returned %s, expected %s: the current window had "
                  "granted %lld, the previous one %lld, and %.4f of the previous one is still "
                  "covered",
                  i + 1, sliding ? "sliding counter" : "fixed window", RANDOM_LIMIT, (unsigned)n,
                  now_text(), status_name(s), want_allowed ? "RL_ALLOWED" : "RL_DENIED",
                  (long long)m.count, (long long)m.previous,
                  (double)(RANDOM_WINDOW - e) / (double)RANDOM_WINDOW);
        if (want_allowed)
            m.count += n;
    }
}

Test(level3, fixed_window_random_run_matches_the_exact_count)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_fixed(RANDOM_LIMIT, RANDOM_WINDOW, &mc);
    random_run(l, &mc, 0, 303);
    rl_destroy(l);
}

Test(level3, sliding_counter_random_run_matches_the_exact_estimate)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_counter(RANDOM_LIMIT, RANDOM_WINDOW, &mc);
    random_run(l, &mc, 1, 404);
    rl_destroy(l);
}
