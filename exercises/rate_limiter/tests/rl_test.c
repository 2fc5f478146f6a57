/*
 * rl_test.c: the helpers of rl_test.h.
 */
#include "rl_test.h"

#include <inttypes.h>
#include <stdio.h>

/* The clock the messages quote; each test runs in a process of its own. */
static wb_manual_clock *test_clock;

const char *status_name(rl_status status)
{
    switch (status) {
    case RL_ALLOWED:
        return "RL_ALLOWED";
    case RL_DENIED:
        return "RL_DENIED";
    case RL_FULL:
        return "RL_FULL";
    case RL_INVALID:
        return "RL_INVALID";
    case RL_NO_MEMORY:
        return "RL_NO_MEMORY";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

void start_clock(wb_manual_clock *mc)
{
    wb_manual_clock_init(mc, START);
    test_clock = mc;
}

void advance(wb_manual_clock *mc, int64_t delta)
{
    wb_manual_clock_advance(mc, delta);
}

/* Four rotating buffers, so that one message may hold several durations. */
static char *text_buffer(void)
{
    static _Thread_local char buffers[4][48];
    static _Thread_local unsigned next;
    return buffers[next++ % 4];
}

/* v / unit with its decimals, trailing zeros dropped: 250001000 ns in ms is "250.001". */
static void decimal(char *out, uint64_t v, uint64_t unit, int digits, const char *name,
                    const char *sign)
{
    char frac[16];
    snprintf(frac, sizeof frac, "%0*" PRIu64, digits, v % unit);
    for (int i = digits - 1; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
    snprintf(out, 48, "%s%" PRIu64 ".%s %s", sign, v / unit, frac, name);
}

const char *duration_text(int64_t ns)
{
    char *out = text_buffer();
    const char *sign = ns < 0 ? "-" : "";
    uint64_t v = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
    if (v != 0 && v % UINT64_C(1000000000) == 0)
        snprintf(out, 48, "%s%" PRIu64 " s", sign, v / UINT64_C(1000000000));
    else if (v != 0 && v % UINT64_C(1000000) == 0)
        snprintf(out, 48, "%s%" PRIu64 " ms", sign, v / UINT64_C(1000000));
    else if (v >= UINT64_C(1000000))
        decimal(out, v, UINT64_C(1000000), 6, "ms", sign);
    else if (v >= 1000 && v % 1000 == 0)
        snprintf(out, 48, "%s%" PRIu64 " us", sign, v / 1000);
    else if (v >= 1000)
        decimal(out, v, 1000, 3, "us", sign);
    else
        snprintf(out, 48, "%s%" PRIu64 " ns", sign, v);
    return out;
}

const char *now_text(void)
{
    if (test_clock == NULL)
        return "";
    int64_t since = wb_now(&test_clock->clock) - START;
    char *out = text_buffer();
    if (since == 0)
        snprintf(out, 48, "START");
    else
        snprintf(out, 48, "START %s %s", since < 0 ? "-" : "+",
                 duration_text(since < 0 ? -since : since));
    return out;
}

static rl_limiter *checked(rl_limiter *l, const char *call)
{
    cr_assert(l != NULL, "%s returned NULL, expected a new limiter: the parameters are valid",
              call);
    return l;
}

rl_limiter *new_bucket(double rate, uint32_t burst, wb_manual_clock *mc)
{
    char call[96];
    snprintf(call, sizeof call, "rl_token_bucket(rate %g, burst %" PRIu32 ", clock)", rate, burst);
    return checked(rl_token_bucket(rate, burst, &mc->clock), call);
}

rl_limiter *new_log(uint32_t limit, int64_t window, wb_manual_clock *mc)
{
    char call[96];
    snprintf(call, sizeof call, "rl_sliding_log(limit %" PRIu32 ", window %s, clock)", limit,
             duration_text(window));
    return checked(rl_sliding_log(limit, window, &mc->clock), call);
}

rl_limiter *new_fixed(uint32_t limit, int64_t window, wb_manual_clock *mc)
{
    char call[96];
    snprintf(call, sizeof call, "rl_fixed_window(limit %" PRIu32 ", window %s, clock)", limit,
             duration_text(window));
    return checked(rl_fixed_window(limit, window, &mc->clock), call);
}

rl_limiter *new_counter(uint32_t limit, int64_t window, wb_manual_clock *mc)
{
    char call[96];
    snprintf(call, sizeof call, "rl_sliding_counter(limit %" PRIu32 ", window %s, clock)", limit,
             duration_text(window));
    return checked(rl_sliding_counter(limit, window, &mc->clock), call);
}

void expect_allowed(rl_limiter *l, uint32_t n, const char *why)
{
    rl_status s = rl_allow(l, n);
    cr_assert(s == RL_ALLOWED,
              "rl_allow(limiter, %" PRIu32 ") at %s returned %s, expected RL_ALLOWED: %s", n,
              now_text(), status_name(s), why);
}

void expect_denied(rl_limiter *l, uint32_t n, const char *why)
{
    rl_status s = rl_allow(l, n);
    cr_assert(s == RL_DENIED,
              "rl_allow(limiter, %" PRIu32 ") at %s returned %s, expected RL_DENIED: %s", n,
              now_text(), status_name(s), why);
}

void expect_remaining(rl_limiter *l, uint32_t want, const char *why)
{
    uint32_t got = rl_remaining(l);
    cr_assert(got == want, "rl_remaining at %s returned %" PRIu32 ", expected %" PRIu32 ": %s",
              now_text(), got, want, why);
}

void expect_grants(rl_limiter *l, uint32_t tries, uint32_t want, const char *why)
{
    uint32_t granted = 0;
    for (uint32_t i = 0; i < tries; i++) {
        rl_status s = rl_allow(l, 1);
        cr_assert(s == RL_ALLOWED || s == RL_DENIED,
                  "rl_allow(limiter, 1) at %s returned %s, expected RL_ALLOWED or RL_DENIED",
                  now_text(), status_name(s));
        granted += s == RL_ALLOWED;
    }
    cr_assert(granted == want,
              "%" PRIu32 " calls of rl_allow(limiter, 1) at %s granted %" PRIu32
              ", expected %" PRIu32 ": %s",
              tries, now_text(), granted, want, why);
}

/* ---- level 4 ---- */

rl_config bucket_config(double rate, uint32_t burst)
{
    return (rl_config){ .algorithm = RL_TOKEN_BUCKET, .limit = burst, .rate = rate };
}

rl_config window_config(rl_algorithm algorithm, uint32_t limit, int64_t window)
{
    return (rl_config){ .algorithm = algorithm, .limit = limit, .window = window };
}

const char *algorithm_name(rl_algorithm algorithm)
{
    switch (algorithm) {
    case RL_TOKEN_BUCKET:
        return "a token bucket";
    case RL_SLIDING_LOG:
        return "a sliding-window log";
    case RL_FIXED_WINDOW:
        return "a fixed window";
    case RL_SLIDING_COUNTER:
        return "a sliding-window counter";
    }
    return "an unknown algorithm";
}

rl_keyed *new_keyed(rl_config config, size_t max_keys, wb_manual_clock *mc)
{
    rl_keyed *k = rl_keyed_create(&config, max_keys, &mc->clock);
    cr_assert(k != NULL,
              "rl_keyed_create(%s, limit %" PRIu32 ", rate %g, window %s; max_keys %zu) returned "
              "NULL, expected a new table: the config is valid",
              algorithm_name(config.algorithm), config.limit, config.rate,
              duration_text(config.window), max_keys);
    return k;
}

void expect_key(rl_keyed *k, const char *key, uint32_t n, rl_status want, const char *why)
{
    rl_status s = rl_keyed_allow(k, key, n);
    cr_assert(s == want, "rl_keyed_allow(%s, %" PRIu32 ") at %s returned %s, expected %s: %s",
              wb_q(key), n, now_text(), status_name(s), status_name(want), why);
}

void expect_key_remaining(rl_keyed *k, const char *key, uint32_t want, const char *why)
{
    uint32_t got = rl_keyed_remaining(k, key);
    cr_assert(got == want,
              "rl_keyed_remaining(%s) at %s returned %" PRIu32 ", expected %" PRIu32 ": %s",
              wb_q(key), now_text(), got, want, why);
}

void expect_len(rl_keyed *k, size_t want, const char *why)
{
    size_t got = rl_keyed_len(k);
    cr_assert(got == want, "rl_keyed_len at %s returned %zu, expected %zu: %s", now_text(), got,
              want, why);
}
