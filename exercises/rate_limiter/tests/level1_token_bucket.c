/*
 * Level 1, token bucket: a bucket of `burst` tokens that starts full and
 * refills at `rate` tokens per second, on a clock the test moves by hand.
 * Run alone with `make test LEVEL=1`.
 */
#include <math.h>
#include <stdio.h>

#include "rl_test.h"

WB_LEVEL(1);

/* A microsecond: the margin kept from the instant a token completes (see the header). */
static const int64_t US = WB_USEC;

Test(level1, a_new_bucket_is_full)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(2, 7, &mc);
    expect_remaining(l, 7, "a bucket of burst 7 starts full, as Go's rate.Limiter does");
    rl_destroy(l);
}

Test(level1, a_full_bucket_grants_the_burst_at_once_and_no_more)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(1, 5, &mc);
    expect_grants(l, 20, 5,
                  "burst 5, 20 requests at one instant: the 5 tokens of the full bucket go to the "
                  "first 5, and no time passes for more to arrive");
    expect_remaining(l, 0, "the 5 tokens were all taken");
    rl_destroy(l);
}

Test(level1, create_refuses_a_rate_that_is_not_a_positive_number)
{
    wb_manual_clock mc;
    start_clock(&mc);
    const double bad[] = { 0.0, -1.0, -INFINITY, INFINITY, NAN };
    const char *names[] = { "0", "-1", "-infinity", "infinity", "NaN" };
    for (int i = 0; i < 5; i++) {
        rl_limiter *l = rl_token_bucket(bad[i], 10, &mc.clock);
        cr_assert(l == NULL,
                  "rl_token_bucket(rate %s, burst 10) returned a limiter, expected NULL: the rate "
                  "must be a finite number of tokens per second, above 0",
                  names[i]);
    }
}

Test(level1, create_refuses_a_burst_of_zero)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = rl_token_bucket(10, 0, &mc.clock);
    cr_assert(l == NULL, "rl_token_bucket(rate 10, burst 0) returned a limiter, expected NULL: a "
                         "bucket that can hold no token could never grant anything");
}

Test(level1, destroy_of_null_does_nothing)
{
    rl_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level1, a_null_limiter_is_invalid_and_has_nothing_remaining)
{
    rl_status s = rl_allow(NULL, 0);
    cr_assert(s == RL_INVALID, "rl_allow(NULL, 0) returned %s, expected RL_INVALID: no limiter",
              status_name(s));
    uint32_t r = rl_remaining(NULL);
    cr_assert(r == 0, "rl_remaining(NULL) returned %u, expected 0", (unsigned)r);
}

Test(level1, a_token_comes_back_one_over_rate_seconds_later)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 1, &mc); /* one token every 250 ms */
    expect_allowed(l, 1, "a new bucket of burst 1 holds one token");
    advance(&mc, 250 * WB_MSEC - US);
    expect_denied(l, 1, "rate 4/s makes one token in 250 ms, and 1 us short of 250 ms have passed");
    advance(&mc, 2 * US);
    expect_allowed(l, 1,
                   "rate 4/s: 250 ms (and 1 us) after the bucket was emptied it holds a token");
    expect_denied(l, 1, "the token that came back was just taken");
    rl_destroy(l);
}

Test(level1, tokens_never_exceed_the_burst)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(10, 3, &mc);
    expect_grants(l, 3, 3, "a new bucket of burst 3 is full");
    advance(&mc, 3600 * WB_SEC);
    expect_remaining(l, 3,
                     "an hour at 10 tokens/s would make 36,000 tokens, but a bucket holds at most "
                     "its burst: tokens = min(burst, tokens + rate * elapsed)");
    expect_grants(l, 10, 3, "after an hour idle the bucket holds exactly its burst of 3");
    rl_destroy(l);
}

Test(level1, fractions_of_a_token_add_up)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 1, &mc);
    expect_allowed(l, 1, "a new bucket of burst 1 holds one token");
    advance(&mc, 100 * WB_MSEC);
    expect_denied(l, 1, "100 ms at 4 tokens/s make 0.4 of a token");
    advance(&mc, 100 * WB_MSEC);
    expect_denied(l, 1, "200 ms at 4 tokens/s make 0.8 of a token");
    advance(&mc, 50 * WB_MSEC + US);
    expect_allowed(l, 1,
                   "0.4 + 0.4 + 0.2 of a token make one: each call must keep the fraction it has "
                   "refilled, not round it away and restart the count");
    rl_destroy(l);
}

Test(level1, a_request_for_n_takes_n_tokens_or_none)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(1, 10, &mc);
    expect_allowed(l, 7, "a full bucket of 10 has 7 tokens to give");
    expect_remaining(l, 3, "7 of 10 tokens were taken");
    expect_denied(l, 5, "only 3 tokens are left, and a request takes all it asks or nothing");
    expect_remaining(l, 3, "the refused request for 5 must not take the 3 that were there");
    expect_allowed(l, 3, "3 tokens are left, exactly what this request asks");
    expect_remaining(l, 0, "all 10 tokens were taken");
    rl_destroy(l);
}

Test(level1, a_request_larger_than_the_burst_is_always_denied)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(100, 5, &mc);
    expect_denied(l, 6,
                  "burst 5: a request for 6 tokens can never be granted, even by a full bucket");
    advance(&mc, 3600 * WB_SEC);
    expect_denied(l, 6, "burst 5: after an hour the bucket still holds only 5");
    expect_denied(l, UINT32_MAX,
                  "burst 5: a request for UINT32_MAX tokens is over the burst like any other");
    expect_remaining(l, 5, "the refused requests took nothing from the full bucket");
    rl_destroy(l);
}

Test(level1, a_request_for_zero_is_always_allowed_and_takes_nothing)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(1, 2, &mc);
    expect_allowed(l, 0, "n == 0 is always allowed");
    expect_remaining(l, 2, "a request for 0 tokens took nothing");
    expect_allowed(l, 2, "the full bucket holds 2");
    expect_allowed(l, 0, "n == 0 is allowed even by an empty bucket");
    expect_remaining(l, 0, "the bucket is empty and a request for 0 changed nothing");
    rl_destroy(l);
}

Test(level1, a_denied_request_takes_nothing)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 2, &mc);
    expect_allowed(l, 2, "the full bucket holds 2");
    for (int i = 1; i <= 4; i++) {
        advance(&mc, 50 * WB_MSEC);
        expect_denied(l, 1, "less than 250 ms after the bucket emptied, at 4 tokens/s");
    }
    advance(&mc, 50 * WB_MSEC + US);
    expect_allowed(l, 1,
                   "250 ms after the bucket emptied it holds one token, whatever was refused "
                   "in between: a refused request must not take (or owe) tokens");
    rl_destroy(l);
}

Test(level1, remaining_counts_the_whole_tokens)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 10, &mc);
    expect_allowed(l, 10, "the full bucket holds 10");
    advance(&mc, 600 * WB_MSEC);
    expect_remaining(l, 2, "600 ms at 4 tokens/s make 2.4 tokens, of which 2 are whole");
    advance(&mc, 50 * WB_MSEC);
    expect_remaining(l, 2,
                     "650 ms at 4 tokens/s make 2.6 tokens: 2 are whole, and rounding to the "
                     "nearest would promise a third that rl_allow refuses");
    expect_denied(l, 3, "2.6 tokens are not 3");
    expect_allowed(l, 2, "2.6 tokens are enough for 2");
    rl_destroy(l);
}

Test(level1, a_rate_below_one_per_second_works)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(0.5, 1, &mc); /* a token every 2 s */
    expect_allowed(l, 1, "a new bucket of burst 1 holds one token");
    advance(&mc, 1500 * WB_MSEC);
    expect_denied(l, 1, "0.5 tokens/s: 1.5 s make 0.75 of a token");
    advance(&mc, 500 * WB_MSEC + US);
    expect_allowed(l, 1, "0.5 tokens/s: 2 s make a whole token");
    rl_destroy(l);
}

Test(level1, different_buckets_are_independent)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *a = new_bucket(1, 3, &mc);
    rl_limiter *b = new_bucket(1, 3, &mc);
    expect_allowed(a, 3, "bucket a is full");
    expect_remaining(b, 3,
                     "emptying bucket a must leave bucket b full: each limiter keeps its own "
                     "state, nothing global or static");
    rl_destroy(a);
    rl_destroy(b);
}

Test(level1, a_clock_that_steps_back_refills_nothing)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 4, &mc);
    expect_allowed(l, 4, "the full bucket holds 4");
    advance(&mc, -10 * WB_SEC);
    expect_denied(l, 1, "the clock stepped back 10 s: no time passed, so no token came back");
    expect_remaining(l, 0,
                     "a clock reading earlier than the latest one counts as the latest one: the "
                     "bucket is still empty");
    rl_destroy(l);
}

Test(level1, a_clock_that_steps_back_and_returns_does_not_refill_twice)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(4, 4, &mc);
    expect_allowed(l, 4, "the full bucket holds 4");
    advance(&mc, -10 * WB_SEC);
    expect_denied(l, 1, "the clock stepped back 10 s: nothing came back");
    advance(&mc, 10 * WB_SEC + 100 * WB_MSEC);
    expect_remaining(l, 0,
                     "the clock went back 10 s and came forward 10.1 s: only 100 ms really "
                     "passed since the bucket emptied (0.4 of a token). Counting from the early "
                     "reading would refill the 10 s twice");
    advance(&mc, 150 * WB_MSEC + US);
    expect_allowed(l, 1, "250 ms after the bucket emptied, at 4 tokens/s, one token came back");
    rl_destroy(l);
}

Test(level1, a_grant_while_the_clock_is_back_does_not_rewind_the_bucket)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(1, 4, &mc);
    expect_allowed(l, 2, "the full bucket of 4 gives 2");
    advance(&mc, -10 * WB_SEC);
    expect_allowed(l, 1,
                   "the clock stepped back 10 s; 2 tokens are left, so 1 is granted, at the "
                   "bucket's own latest time, START");
    advance(&mc, 10 * WB_SEC);
    expect_remaining(l, 1,
                     "the clock is back at START: no time passed since the 3 grants, so 1 token "
                     "is left. A bucket that moved its time back to START - 10 s with that grant "
                     "now counts 10 s of refill that never happened");
    rl_destroy(l);
}

Test(level1, a_huge_jump_forward_fills_the_bucket_and_no_more)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(1000, 8, &mc);
    expect_allowed(l, 8, "the full bucket holds 8");
    advance(&mc, WB_SEC * 3600 * 24 * 365 * 100);
    expect_remaining(l, 8,
                     "100 years at 1000 tokens/s: the bucket is full, and the sum must not "
                     "overflow into something smaller");
    expect_grants(l, 20, 8, "the bucket holds its burst of 8 after 100 years");
    rl_destroy(l);
}

/* The long run: a request every millisecond for 5 s at rate 100, burst 100. */
Test(level1, a_long_run_grants_the_burst_plus_rate_times_elapsed)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(100, 100, &mc);
    int granted = 0;
    for (int ms = 0; ms < 5000; ms++) {
        rl_status s = rl_allow(l, 1);
        cr_assert(s == RL_ALLOWED || s == RL_DENIED,
                  "rl_allow(limiter, 1) at %s returned %s, expected RL_ALLOWED or RL_DENIED",
                  now_text(), status_name(s));
        granted += s == RL_ALLOWED;
        if (ms < 4999)
            advance(&mc, WB_MSEC);
    }
    cr_assert(granted == 599,
              "5000 requests, one every millisecond from START to START + 4999 ms, were granted "
              "%d times, expected 599: burst 100 plus 100 tokens/s * 4.999 s = 599.9 tokens were "
              "ever available, and every request that found a whole token took it",
              granted);
    rl_destroy(l);
}

/*
 * A seeded random run against the exact bucket, kept in integers: 1 token is
 * 1e9 credits and each nanosecond adds `rate` credits. Where the exact credit
 * lies within a millionth of a token of the request, doubles may fall either
 * side: either answer is accepted there, and the model follows it.
 */
Test(level1, a_random_run_matches_the_exact_bucket)
{
    enum { RATE = 7, BURST = 5, REQUESTS = 3000 };
    const int64_t token = WB_SEC, near = 1000;
    wb_manual_clock mc;
    start_clock(&mc);
    rl_limiter *l = new_bucket(RATE, BURST, &mc);
    wb_rng rng;
    wb_rng_seed(&rng, 2024);
    int64_t credit = BURST * token;
    for (int i = 0; i < REQUESTS; i++) {
        int64_t gap = wb_rng_below(&rng, 5) == 0 ? 0 : (int64_t)wb_rng_below(&rng, 400 * WB_MSEC);
        advance(&mc, gap);
        credit += gap * RATE;
        if (credit > BURST * token)
            credit = BURST * token;
        uint32_t n = (uint32_t)wb_rng_below(&rng, BURST + 2);
        int64_t need = (int64_t)n * token;
        rl_status s = rl_allow(l, n);
        int tie = credit - need <= near && need - credit <= near;
        int want_allowed = credit >= need && n <= BURST;
        cr_assert(s == (want_allowed ? RL_ALLOWED : RL_DENIED) ||
                      (tie && (s == RL_ALLOWED || s == RL_DENIED)),
                  "request %d of a seeded random run (rate %d/s, burst %d): rl_allow(limiter, "
                  "%u) at %s returned %s, expected %s: the bucket then held %.6f tokens",
                  i + 1, RATE, BURST, (unsigned)n, now_text(), status_name(s),
                  want_allowed ? "RL_ALLOWED" : "RL_DENIED", (double)credit / (double)token);
        if (s == RL_ALLOWED)
            credit -= need;
    }
    rl_destroy(l);
}

Test(level1, a_bucket_made_without_a_clock_uses_the_monotonic_clock)
{
    rl_limiter *l = rl_token_bucket(0.001, 3, NULL); /* a token every 1000 s */
    cr_assert(l != NULL, "rl_token_bucket(rate 0.001, burst 3, NULL) returned NULL, expected a "
                         "limiter on the system's monotonic clock");
    expect_grants(l, 5, 3,
                  "a bucket on the real clock with burst 3 and a token every 1000 s grants 3 of "
                  "5 requests made within a moment");
    rl_destroy(l);
}
