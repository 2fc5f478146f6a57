/*
 * Level 2, sliding-window log: the exact count of units granted in the last
 * `window` ns, kept as one timestamp per unit. Run alone with
 * `make test LEVEL=2`.
 */
#include <stdio.h>

#include "rl_test.h"

WB_LEVEL(2);

Test(level2, create_refuses_a_limit_of_zero_or_a_window_that_is_not_positive)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = rl_sliding_log(0, WB_SEC, &mc.clock);
    cr_assert(l == NULL, "rl_sliding_log(limit 0, window 1 s) returned a limiter, expected NULL: "
                         "a limit of 0 could never grant anything");
    l = rl_sliding_log(5, 0, &mc.clock);
    cr_assert(l == NULL, "rl_sliding_log(limit 5, window 0) returned a limiter, expected NULL: a "
                         "window must last some time");
    l = rl_sliding_log(5, -WB_SEC, &mc.clock);
    cr_assert(l == NULL, "rl_sliding_log(limit 5, window -1 s) returned a limiter, expected NULL");
}

Test(level2, grants_the_limit_within_a_window_and_no_more)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(5, WB_SEC, &mc);
    expect_remaining(l, 5, "a new log has granted nothing");
    expect_grants(l, 12, 5, "limit 5 per 1 s window, 12 requests at one instant");
    advance(&mc, 999 * WB_MSEC);
    expect_denied(l, 1, "the 5 units granted at START still count 999 ms later (window 1 s)");
    rl_destroy(l);
}

Test(level2, a_grant_stops_counting_exactly_one_window_later)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(1, WB_SEC, &mc);
    expect_allowed(l, 1, "a new log grants its limit of 1");
    advance(&mc, WB_SEC - 1);
    expect_denied(l, 1,
                  "the unit granted at START counts while now < START + 1 s; 1 ns short of that "
                  "it still counts");
    advance(&mc, 1);
    expect_allowed(l, 1,
                   "a unit granted at s counts for s <= t < s + window: at START + 1 s exactly "
                   "it no longer counts");
    rl_destroy(l);
}

Test(level2, the_window_slides_with_each_grant)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(3, WB_SEC, &mc);
    expect_allowed(l, 1, "the first of 3");
    advance(&mc, 400 * WB_MSEC);
    expect_allowed(l, 1, "the second of 3");
    advance(&mc, 400 * WB_MSEC);
    expect_allowed(l, 1, "the third of 3");
    advance(&mc, 199 * WB_MSEC);
    expect_denied(l, 1, "grants at START, +400 ms and +800 ms all fall in the last second");
    advance(&mc, 1 * WB_MSEC);
    expect_allowed(l, 1, "the grant made at START left the window at START + 1 s");
    advance(&mc, 100 * WB_MSEC);
    expect_denied(l, 1, "the last second holds the grants of +400 ms, +800 ms and +1000 ms");
    advance(&mc, 300 * WB_MSEC);
    expect_allowed(l, 1,
                   "the grant made at +400 ms left at +1400 ms: the window follows each grant, "
                   "it does not restart in fixed steps");
    rl_destroy(l);
}

Test(level2, a_denied_request_is_not_logged)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(2, WB_SEC, &mc);
    expect_allowed(l, 2, "a new log grants its limit of 2");
    for (int i = 1; i <= 9; i++) {
        advance(&mc, 100 * WB_MSEC);
        expect_denied(l, 1, "the 2 units granted at START count for 1 s");
    }
    advance(&mc, 100 * WB_MSEC);
    expect_grants(l, 3, 2,
                  "at START + 1 s the 2 grants of START left the window; the 9 refused requests "
                  "in between were never granted, so they must not be in the log");
    rl_destroy(l);
}

Test(level2, a_request_for_n_logs_n_units)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(5, WB_SEC, &mc);
    expect_allowed(l, 3, "a new log of limit 5 grants 3");
    advance(&mc, 100 * WB_MSEC);
    expect_denied(l, 3, "3 of 5 units are in the window: 3 more do not fit");
    expect_allowed(l, 2, "3 of 5 units are in the window: 2 more fit");
    expect_remaining(l, 0, "3 + 2 units fill the limit of 5");
    advance(&mc, 900 * WB_MSEC);
    expect_remaining(l, 3,
                     "at START + 1 s the 3 units granted at START left the window, while the 2 of "
                     "START + 100 ms still count");
    advance(&mc, 100 * WB_MSEC);
    expect_remaining(l, 5, "at START + 1100 ms every unit left the window");
    rl_destroy(l);
}

Test(level2, a_request_over_the_limit_is_denied_and_zero_is_allowed)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(4, WB_SEC, &mc);
    expect_denied(l, 5, "limit 4: a request for 5 units can never be granted");
    expect_allowed(l, 0, "n == 0 is always allowed");
    expect_remaining(l, 4, "neither the refused request nor the request for 0 took anything");
    expect_allowed(l, 4, "the full limit is still there");
    expect_allowed(l, 0, "n == 0 is allowed even when the window is full");
    rl_destroy(l);
}

Test(level2, a_log_that_fills_and_drains_for_many_windows_keeps_counting_right)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(3, WB_SEC, &mc);
    for (int i = 0; i < 200; i++) {
        /* A request every 250 ms: each one finds the grants of the 3 requests before it in
         * the last second, minus the refused one, so 3 of every 4 are granted. */
        if (i % 4 == 3)
            expect_denied(l, 1,
                          "limit 3 per second, a request every 250 ms: the last second holds "
                          "the 3 grants made 250, 500 and 750 ms ago");
        else
            expect_allowed(l, 1,
                           "limit 3 per second, a request every 250 ms: the grant made 1 s ago "
                           "just left, so the last second holds 2. Once the ring of 3 stamps "
                           "has wrapped, new stamps go after the oldest one that still counts");
        advance(&mc, 250 * WB_MSEC);
    }
    rl_destroy(l);
}

Test(level2, a_clock_that_steps_back_forgets_nothing)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(2, WB_SEC, &mc);
    expect_allowed(l, 2, "a new log grants its limit of 2");
    advance(&mc, -5 * WB_SEC);
    expect_denied(l, 1,
                  "the clock stepped back 5 s: an earlier reading counts as the latest, so the "
                  "2 units granted at START are still in the window");
    advance(&mc, 5 * WB_SEC + WB_SEC - 1);
    expect_denied(l, 1, "the clock is back, 1 ns before the grants of START leave the window");
    advance(&mc, 1);
    expect_allowed(l, 2, "at START + 1 s the 2 grants left the window");
    rl_destroy(l);
}

Test(level2, a_grant_while_the_clock_is_back_is_stamped_at_the_latest_time)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(1, WB_SEC, &mc);
    advance(&mc, 900 * WB_MSEC);
    expect_remaining(l, 1, "nothing was granted yet; this call reads the clock at START + 900 ms");
    advance(&mc, -800 * WB_MSEC);
    expect_allowed(l, 1,
                   "the clock stepped back to START + 100 ms; the log is empty, so 1 unit is "
                   "granted, at the log's latest time, START + 900 ms");
    advance(&mc, 1000 * WB_MSEC);
    expect_denied(l, 1,
                  "the unit granted while the clock was back counts from START + 900 ms until "
                  "START + 1900 ms. A log that stamped the early reading, START + 100 ms (or "
                  "whose rl_remaining did not act at START + 900 ms), has already let it go");
    advance(&mc, 800 * WB_MSEC);
    expect_allowed(l, 1, "at START + 1900 ms the unit left the window");
    rl_destroy(l);
}

Test(level2, a_request_for_uint32_max_units_is_denied)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(4, WB_SEC, &mc);
    expect_allowed(l, 1, "a new log of limit 4 grants 1");
    expect_denied(l, UINT32_MAX,
                  "limit 4: UINT32_MAX units can never be granted. The 1 unit counted + "
                  "UINT32_MAX wraps around to 0 in 32 bits, which is not within the limit");
    expect_remaining(l, 3, "the refused request took nothing");
    rl_destroy(l);
}

Test(level2, a_window_of_int64_max_does_not_overflow)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(1, INT64_MAX, &mc);
    expect_allowed(l, 1, "a new log grants its limit of 1");
    advance(&mc, WB_SEC * 3600 * 24 * 365 * 100);
    expect_denied(l, 1,
                  "a window of INT64_MAX ns (292 years) still holds a grant 100 years later: "
                  "compare now - stamp < window, since stamp + window overflows");
    rl_destroy(l);
}

/*
 * A seeded random run against a plain list of every unit granted: gaps of
 * whole milliseconds, so grants often leave the window at the very instant a
 * request arrives.
 */
Test(level2, a_random_run_matches_an_exact_count)
{
    enum { LIMIT = 7, REQUESTS = 3000, MAX_LOG = REQUESTS * (LIMIT + 1) };
    static int64_t granted_at[MAX_LOG];
    size_t logged = 0, oldest = 0;
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_log(LIMIT, WB_SEC, &mc);
    wb_rng rng;
    wb_rng_seed(&rng, 77);
    for (int i = 0; i < REQUESTS; i++) {
        if (wb_rng_below(&rng, 4) != 0)
            advance(&mc, (int64_t)wb_rng_below(&rng, 300) * WB_MSEC);
        int64_t now = wb_now(&mc.clock);
        while (oldest < logged && now - granted_at[oldest] >= WB_SEC)
            oldest++;
        uint32_t counted = (uint32_t)(logged - oldest);
        uint32_t n = (uint32_t)wb_rng_below(&rng, LIMIT + 2);
        int want_allowed = counted + n <= LIMIT;
        rl_status s = rl_allow(l, n);
        cr_assert(s == (want_allowed ? RL_ALLOWED : RL_DENIED),
                  "request %d of a seeded random run (limit %d per 1 s): rl_allow(limiter, %u) "
                  "at %s returned %s, expected %s: the last second held %u granted units",
                  i + 1, LIMIT, (unsigned)n, now_text(), status_name(s),
                  want_allowed ? "RL_ALLOWED" : "RL_DENIED", (unsigned)counted);
        for (uint32_t u = 0; want_allowed && u < n; u++)
            granted_at[logged++] = now;
    }
    rl_destroy(l);
}
