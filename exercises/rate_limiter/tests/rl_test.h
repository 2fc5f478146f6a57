/*
 * rl_test.h: helpers the rate_limiter tests share, so that each test reads as
 * its scenario. Every helper checks through the public header only, and its
 * failure message says what was expected, what came back, the time on the
 * test's clock, and why it matters (the `why` argument, a sentence about the
 * scenario).
 */
#ifndef RL_TEST_H
#define RL_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <criterion/criterion.h>

#include "rate_limiter.h"
#include "wb/test.h"

/* Tests start the clock far from zero: code that assumes time starts at 0 shows up. */
#define START (1000 * WB_SEC)

/* "RL_ALLOWED", "RL_DENIED", ... or "an unknown status (17)". */
const char *status_name(rl_status status);

/*
 * Starts *mc at START and makes it the clock the messages quote: "at
 * START + 250 ms". Call it before creating the limiter that reads it.
 */
void start_clock(wb_manual_clock *mc);

/* Moves the test clock forwards (or backwards, with a negative delta). */
void advance(wb_manual_clock *mc, int64_t delta);

/* "START + 1250 ms", the clock started by start_clock, or "" if none. */
const char *now_text(void);

/* A duration as the tests write it: "3 s", "250 ms", "1 us", "7 ns". */
const char *duration_text(int64_t ns);

/* The constructors, failing the test if they return NULL. */
rl_limiter *new_bucket(double rate, uint32_t burst, wb_manual_clock *mc);
rl_limiter *new_log(uint32_t limit, int64_t window, wb_manual_clock *mc);
rl_limiter *new_fixed(uint32_t limit, int64_t window, wb_manual_clock *mc);
rl_limiter *new_counter(uint32_t limit, int64_t window, wb_manual_clock *mc);

/* rl_allow(l, n) must return RL_ALLOWED. */
void expect_allowed(rl_limiter *l, uint32_t n, const char *why);

/* rl_allow(l, n) must return RL_DENIED. */
void expect_denied(rl_limiter *l, uint32_t n, const char *why);

/* rl_remaining(l) must return `want`. */
void expect_remaining(rl_limiter *l, uint32_t want, const char *why);

/* `tries` calls of rl_allow(l, 1) at the same instant must grant exactly `want`. */
void expect_grants(rl_limiter *l, uint32_t tries, uint32_t want, const char *why);

/* ---- level 4 ---- */

rl_config bucket_config(double rate, uint32_t burst);
rl_config window_config(rl_algorithm algorithm, uint32_t limit, int64_t window);

/* "a token bucket", "a sliding-window log", ... */
const char *algorithm_name(rl_algorithm algorithm);

/* rl_keyed_create, failing the test if it returns NULL. */
rl_keyed *new_keyed(rl_config config, size_t max_keys, wb_manual_clock *mc);

/* rl_keyed_allow(k, key, n) must return `want`. */
void expect_key(rl_keyed *k, const char *key, uint32_t n, rl_status want, const char *why);

/* rl_keyed_remaining(k, key) must return `want`. */
void expect_key_remaining(rl_keyed *k, const char *key, uint32_t want, const char *why);

/* rl_keyed_len(k) must return `want`. */
void expect_len(rl_keyed *k, size_t want, const char *why);

#endif /* RL_TEST_H */
