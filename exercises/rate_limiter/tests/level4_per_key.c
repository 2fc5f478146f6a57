/*
 * Level 4, one limiter per key: a table of clients, each with its own
 * budget, that forgets idle clients to stay within max_keys, and gives exact
 * answers when many threads ask at once. `make race` runs these under
 * ThreadSanitizer. Run alone with `make test LEVEL=4`.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "rl_test.h"

WB_LEVEL(4);

static const int64_t US = WB_USEC;

Test(level4, create_refuses_a_bad_config)
{
    wb_manual_clock mc;
    start_clock(&mc);
    cr_assert(rl_keyed_create(NULL, 10, &mc.clock) == NULL,
              "rl_keyed_create(NULL config) returned a table, expected NULL");
    struct {
        rl_config config;
        size_t max_keys;
        const char *what;
    } bad[] = {
        { { .algorithm = 0, .limit = 5, .rate = 1, .window = WB_SEC }, 10, "algorithm 0" },
        { { .algorithm = 99, .limit = 5, .rate = 1, .window = WB_SEC }, 10, "algorithm 99" },
        { bucket_config(0, 5), 10, "a token bucket of rate 0" },
        { bucket_config(1, 0), 10, "a token bucket of burst 0" },
        { window_config(RL_SLIDING_LOG, 5, 0), 10, "a sliding log with a window of 0" },
        { window_config(RL_FIXED_WINDOW, 0, WB_SEC), 10, "a fixed window of limit 0" },
        { window_config(RL_SLIDING_COUNTER, 5, -WB_SEC), 10, "a counter with a window of -1 s" },
        { bucket_config(1, 5), 0, "max_keys 0" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rl_keyed *k = rl_keyed_create(&bad[i].config, bad[i].max_keys, &mc.clock);
        cr_assert(k == NULL,
                  "rl_keyed_create with %s returned a table, expected NULL: the config is one "
                  "the matching constructor refuses",
                  bad[i].what);
    }
}

Test(level4, destroy_of_null_does_nothing)
{
    rl_keyed_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level4, null_arguments_are_invalid)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 3), 10, &mc);
    for (uint32_t n = 0; n <= 1; n++) {
        rl_status s = rl_keyed_allow(NULL, "k", n);
        cr_assert(s == RL_INVALID,
                  "rl_keyed_allow(NULL table, \"k\", %u) returned %s, expected RL_INVALID: "
                  "no table, whatever n is",
                  (unsigned)n, status_name(s));
        s = rl_keyed_allow(k, NULL, n);
        cr_assert(s == RL_INVALID,
                  "rl_keyed_allow(table, NULL key, %u) returned %s, expected RL_INVALID: no "
                  "key, whatever n is (check the arguments before answering n == 0)",
                  (unsigned)n, status_name(s));
    }
    uint32_t r = rl_keyed_remaining(k, NULL);
    cr_assert(r == 0, "rl_keyed_remaining(table, NULL key) returned %u, expected 0", (unsigned)r);
    r = rl_keyed_remaining(NULL, "k");
    cr_assert(r == 0, "rl_keyed_remaining(NULL table, \"k\") returned %u, expected 0", (unsigned)r);
    size_t len = rl_keyed_len(NULL);
    cr_assert(len == 0, "rl_keyed_len(NULL) returned %zu, expected 0", len);
    expect_len(k, 0, "every call above was refused, so no key is tracked");
    rl_keyed_destroy(k);
}

Test(level4, each_key_has_its_own_budget)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 3), 100, &mc);
    expect_key(k, "alice", 3, RL_ALLOWED, "alice's bucket starts full with 3 tokens");
    expect_key(k, "alice", 1, RL_DENIED, "alice took her 3 tokens");
    expect_key(k, "bob", 3, RL_ALLOWED, "bob has a bucket of his own, untouched by alice");
    expect_key_remaining(k, "carol", 3, "carol never asked: a new key's bucket is full");
    expect_len(k, 2, "alice and bob have taken tokens; carol is not tracked");
    rl_keyed_destroy(k);
}

Test(level4, keys_that_share_a_prefix_are_different_keys)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_FIXED_WINDOW, 1, WB_SEC), 100, &mc);
    const char *keys[] = { "10.0.0.1", "10.0.0.12", "10.0.0.123", "" };
    for (int i = 0; i < 4; i++)
        expect_key(k, keys[i], 1, RL_ALLOWED, "each of the four keys has a limit of 1 of its own");
    for (int i = 0; i < 4; i++)
        expect_key(k, keys[i], 1, RL_DENIED, "each key used its limit of 1");
    expect_len(k, 4, "four different keys, \"\" included");
    rl_keyed_destroy(k);
}

Test(level4, the_table_keeps_its_own_copy_of_the_key)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 2), 100, &mc);
    char key[] = "user-1";
    expect_key(k, key, 2, RL_ALLOWED, "a new key's bucket is full");
    memcpy(key, "user-2", 6); /* the caller reuses its buffer */
    expect_key(k, "user-1", 1, RL_DENIED,
               "the caller changed its key buffer after the first call; the table must have "
               "copied \"user-1\", not kept the pointer");
    expect_key_remaining(k, "user-2", 2, "\"user-2\" never asked");
    rl_keyed_destroy(k);
}

/* ---- each algorithm, per key ---- */

Test(level4, a_keyed_token_bucket_refills_each_key_at_the_rate)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(4, 2), 100, &mc);
    expect_key(k, "a", 2, RL_ALLOWED, "a's bucket starts full");
    advance(&mc, 100 * WB_MSEC);
    expect_key(k, "b", 1, RL_ALLOWED, "b's bucket starts full");
    advance(&mc, 150 * WB_MSEC + US);
    expect_key_remaining(k, "a", 1, "a emptied its bucket 250 ms ago, at 4 tokens/s");
    expect_key_remaining(k, "b", 1,
                         "b took 1 of 2 tokens 150 ms ago: 1.6 tokens, 1 whole. Each key "
                         "refills on its own");
    rl_keyed_destroy(k);
}

Test(level4, a_keyed_sliding_log_counts_each_key_exactly)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_SLIDING_LOG, 3, WB_SEC), 100, &mc);
    expect_key(k, "a", 2, RL_ALLOWED, "a new key's log is empty");
    advance(&mc, 600 * WB_MSEC);
    expect_key(k, "a", 1, RL_ALLOWED, "a has 2 of 3 units in the last second");
    expect_key(k, "a", 1, RL_DENIED, "a has 3 of 3 units in the last second");
    advance(&mc, 400 * WB_MSEC);
    expect_key_remaining(k, "a", 2, "the 2 units of START left a's window at START + 1 s");
    expect_key_remaining(k, "b", 3, "b never asked");
    rl_keyed_destroy(k);
}

Test(level4, a_keyed_fixed_window_counts_every_key_on_the_grid_of_the_table)
{
    wb_manual_clock mc;
    start_clock(&mc);
    advance(&mc, 300 * WB_MSEC);
    rl_keyed *k = new_keyed(window_config(RL_FIXED_WINDOW, 2, WB_SEC), 100, &mc);
    advance(&mc, 700 * WB_MSEC);
    expect_key(k, "a", 2, RL_ALLOWED, "a's first request, in the table's first window");
    expect_key(k, "a", 1, RL_DENIED, "a used the limit of the first window");
    advance(&mc, 200 * WB_MSEC);
    expect_key(k, "b", 2, RL_ALLOWED, "b's first request, in the table's first window");
    expect_key(k, "a", 1, RL_DENIED,
               "the table was created at START + 300 ms, so its first window runs to "
               "START + 1300 ms: START + 1 s is no boundary of its grid");
    advance(&mc, 100 * WB_MSEC);
    expect_key(k, "a", 2, RL_ALLOWED,
               "START + 1300 ms starts the table's second window, for every key, whenever the "
               "key first asked: windows count from the table's creation, not clock reading 0");
    expect_key(k, "b", 2, RL_ALLOWED,
               "b first asked 100 ms ago, yet its window ended with the table's at "
               "START + 1300 ms");
    rl_keyed_destroy(k);
}

Test(level4, the_table_has_one_time_for_all_its_keys)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 2), 100, &mc);
    advance(&mc, 10 * WB_SEC);
    expect_key(k, "a", 1, RL_ALLOWED, "a's bucket starts full; the table acts at START + 10 s");
    advance(&mc, -5 * WB_SEC);
    expect_key(k, "b", 2, RL_ALLOWED,
               "the clock stepped back to START + 5 s; b is new and its bucket full, and the "
               "table's time is still START + 10 s");
    advance(&mc, 5 * WB_SEC);
    expect_key_remaining(k, "b", 0,
                         "the clock is back at START + 10 s, the time b emptied its bucket: no "
                         "time passed. A key that kept its own time from the early reading, "
                         "START + 5 s, now counts 5 s of refill that never happened");
    rl_keyed_destroy(k);
}

Test(level4, a_keyed_sliding_counter_weighs_each_keys_previous_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_SLIDING_COUNTER, 8, WB_SEC), 100, &mc);
    expect_key(k, "a", 8, RL_ALLOWED, "a's first window grants the limit of 8");
    expect_key(k, "b", 4, RL_ALLOWED, "b's first window grants 4 of 8");
    advance(&mc, 1250 * WB_MSEC);
    expect_key_remaining(k, "a", 2, "a: 8 * 0.75 = 6 carried over, so 2 of 8 remain");
    expect_key_remaining(k, "b", 5, "b: 4 * 0.75 = 3 carried over, so 5 of 8 remain");
    rl_keyed_destroy(k);
}

/* ---- idle keys ---- */

Test(level4, len_counts_only_the_keys_that_are_not_idle)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(4, 2), 100, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a's bucket starts full");
    expect_key(k, "b", 2, RL_ALLOWED, "b's bucket starts full");
    expect_len(k, 2, "a and b have taken tokens");
    advance(&mc, 250 * WB_MSEC + US);
    expect_len(k, 1,
               "a's bucket is full again 250 ms after it took 1 token at 4/s: a is idle and "
               "does not count, whether or not it has been reclaimed yet");
    advance(&mc, 250 * WB_MSEC);
    expect_len(k, 0, "b's bucket is full again 500 ms after it took 2 tokens at 4/s");
    rl_keyed_destroy(k);
}

Test(level4, a_log_key_is_idle_once_its_last_grant_leaves_the_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_SLIDING_LOG, 5, WB_SEC), 100, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a new key");
    advance(&mc, 300 * WB_MSEC);
    expect_key(k, "a", 1, RL_ALLOWED, "a has 1 of 5");
    advance(&mc, 1 * WB_SEC - 1);
    expect_len(k, 1, "a's grant of START + 300 ms counts until START + 1300 ms");
    advance(&mc, 1);
    expect_len(k, 0, "at START + 1300 ms a's log holds nothing that counts: a is idle");
    rl_keyed_destroy(k);
}

Test(level4, a_fixed_window_key_is_idle_from_the_next_window)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_FIXED_WINDOW, 5, WB_SEC), 100, &mc);
    advance(&mc, 600 * WB_MSEC);
    expect_key(k, "a", 1, RL_ALLOWED, "a new key");
    advance(&mc, 400 * WB_MSEC - 1);
    expect_len(k, 1, "a's grant counts until its window ends at START + 1 s");
    advance(&mc, 1);
    expect_len(k, 0, "a new window began and a has granted nothing in it: a is idle");
    rl_keyed_destroy(k);
}

Test(level4, a_sliding_counter_key_stays_tracked_one_window_longer)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_SLIDING_COUNTER, 5, WB_SEC), 100, &mc);
    advance(&mc, 600 * WB_MSEC);
    expect_key(k, "a", 5, RL_ALLOWED, "a new key");
    advance(&mc, 900 * WB_MSEC);
    expect_len(k, 1,
               "in the second window a's first-window grants still weigh in (as the previous "
               "window), so a is not idle");
    expect_key_remaining(k, "a", 2, "a: 5 * 0.5 = 2.5 carried over, so 2 whole units remain");
    advance(&mc, 500 * WB_MSEC - 1);
    expect_len(k, 1, "1 ns before the third window a's grants still weigh in");
    advance(&mc, 1);
    expect_len(k, 0, "from the third window on, a's grants weigh nothing: a is idle");
    rl_keyed_destroy(k);
}

Test(level4, a_new_key_gets_full_when_every_tracked_key_is_active)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 2), 3, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a new key, 1 of 3 slots");
    expect_key(k, "b", 1, RL_ALLOWED, "a new key, 2 of 3 slots");
    expect_key(k, "c", 1, RL_ALLOWED, "a new key, 3 of 3 slots");
    expect_key(k, "d", 1, RL_FULL,
               "max_keys is 3 and a, b and c are all active (their buckets are not full): there "
               "is no room for d, and forgetting an active key would hand it tokens it spent");
    expect_len(k, 3, "d was refused and is not tracked");
    rl_keyed_destroy(k);
}

Test(level4, a_known_key_is_served_when_the_table_is_full)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 2), 2, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a new key, 1 of 2 slots");
    expect_key(k, "b", 1, RL_ALLOWED, "a new key, 2 of 2 slots");
    expect_key(k, "a", 1, RL_ALLOWED, "a is tracked: a full table still serves it (1 token left)");
    expect_key(k, "a", 1, RL_DENIED, "a has no token left");
    rl_keyed_destroy(k);
}

Test(level4, idle_keys_make_room_for_new_ones)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(4, 1), 3, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a new key, 1 of 3 slots");
    expect_key(k, "b", 1, RL_ALLOWED, "a new key, 2 of 3 slots");
    expect_key(k, "c", 1, RL_ALLOWED, "a new key, 3 of 3 slots");
    expect_key(k, "d", 1, RL_FULL,
               "max_keys 3, and a, b and c each took their only token: all three are active");
    advance(&mc, 250 * WB_MSEC + US);
    expect_key(k, "d", 1, RL_ALLOWED,
               "250 ms later a, b and c are full again at 4 tokens/s, so idle: the table must "
               "reclaim an idle key to make room rather than refuse d");
    expect_len(k, 1, "only d is active");
    rl_keyed_destroy(k);
}

Test(level4, an_active_key_is_never_forgotten_to_make_room)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(4, 10), 2, &mc);
    expect_key(k, "heavy", 10, RL_ALLOWED, "heavy empties its bucket of 10 (2.5 s to refill)");
    expect_key(k, "light", 1, RL_ALLOWED, "light takes 1 token (250 ms to refill)");
    advance(&mc, 1 * WB_SEC);
    expect_key(k, "new", 1, RL_ALLOWED, "light is idle and makes room for new");
    expect_key_remaining(k, "heavy", 4,
                         "heavy is the least recently used key, but it is not idle: 1 s at "
                         "4 tokens/s gave it 4 tokens of 10. Forgetting it would give it a "
                         "full bucket of 10");
    expect_key(k, "another", 1, RL_FULL, "heavy and new are both active in a table of 2");
    rl_keyed_destroy(k);
}

Test(level4, a_counter_key_is_not_reclaimed_while_its_previous_window_weighs_in)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(window_config(RL_SLIDING_COUNTER, 4, WB_SEC), 1, &mc);
    expect_key(k, "a", 4, RL_ALLOWED, "a takes the only slot and its limit of 4");
    advance(&mc, 1500 * WB_MSEC);
    expect_key(k, "b", 1, RL_FULL,
               "halfway through the second window a's first-window grants still weigh 4 * 0.5 "
               "= 2: a is active, and the table of 1 has no room for b");
    expect_key_remaining(k, "a", 2, "a: 2 carried over from the previous window, 2 remain");
    rl_keyed_destroy(k);
}

Test(level4, requests_that_take_nothing_never_track_a_key)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(1, 3), 1, &mc);
    expect_key(k, "a", 1, RL_ALLOWED, "a takes the only slot");
    expect_key(k, "b", 0, RL_ALLOWED, "n == 0 is always allowed, even when the table is full");
    expect_key(k, "c", 4, RL_DENIED,
               "burst 3: 4 tokens can never be granted, so the answer is RL_DENIED, not RL_FULL");
    expect_key_remaining(k, "d", 3, "asking what remains tracks nothing either");
    expect_len(k, 1, "only a is tracked");
    rl_keyed_destroy(k);
}

Test(level4, ten_thousand_clients_over_time_fit_in_sixteen_slots)
{
    wb_manual_clock mc;
    start_clock(&mc);
    rl_keyed *k = new_keyed(bucket_config(100, 1), 16, &mc); /* each key idle 10 ms after */
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "client-%d", i);
        rl_status s = rl_keyed_allow(k, key, 1);
        cr_assert(s == RL_ALLOWED,
                  "rl_keyed_allow(%s, 1) at %s returned %s, expected RL_ALLOWED: one new client "
                  "every millisecond, each idle 10 ms after its only request, so about 10 are "
                  "active at any time. A table of 16 must keep reclaiming idle clients; memory "
                  "stays bounded",
                  wb_q(key), now_text(), status_name(s));
        if (i % 500 == 0) {
            size_t len = rl_keyed_len(k);
            cr_assert(len <= 16, "rl_keyed_len returned %zu, more than max_keys 16", len);
        }
        advance(&mc, WB_MSEC);
    }
    advance(&mc, WB_SEC);
    expect_len(k, 0, "a second after the last request every client is idle");
    rl_keyed_destroy(k);
}

Test(level4, a_table_made_without_a_clock_uses_the_monotonic_clock)
{
    rl_config config = bucket_config(0.001, 2);
    rl_keyed *k = rl_keyed_create(&config, 10, NULL);
    cr_assert(k != NULL, "rl_keyed_create(token bucket, rate 0.001, burst 2; NULL clock) "
                         "returned NULL, expected a table on the system's monotonic clock");
    rl_status s[3];
    for (int i = 0; i < 3; i++)
        s[i] = rl_keyed_allow(k, "k", 1);
    cr_assert(s[0] == RL_ALLOWED && s[1] == RL_ALLOWED && s[2] == RL_DENIED,
              "3 requests within a moment on the real clock, burst 2 and a token every 1000 s, "
              "returned %s, %s, %s; expected RL_ALLOWED, RL_ALLOWED, RL_DENIED",
              status_name(s[0]), status_name(s[1]), status_name(s[2]));
    rl_keyed_destroy(k);
}

/* ---- many threads ---- */

enum { RACERS = 15, RACE_KEYS = 200 };

struct race {
    rl_keyed *table;
    unsigned char granted[RACERS][RACE_KEYS]; /* each thread writes only its own row */
};

static char *race_for_every_key(int t, void *ctx)
{
    struct race *r = ctx;
    char key[32];
    for (int i = 0; i < RACE_KEYS; i++) {
        snprintf(key, sizeof key, "hot-%d", i);
        rl_status s = rl_keyed_allow(r->table, key, 1);
        if (s != RL_ALLOWED && s != RL_DENIED)
            return wb_strdupf("rl_keyed_allow(%s, 1) returned %s, expected RL_ALLOWED or "
                              "RL_DENIED",
                              wb_q(key), status_name(s));
        r->granted[t][i] = s == RL_ALLOWED;
    }
    return NULL;
}

Test(level4, fifteen_threads_racing_for_a_burst_of_five_get_exactly_five)
{
    wb_manual_clock mc;
    start_clock(&mc);
    static struct race r;
    r.table = new_keyed(bucket_config(1, 5), 1000, &mc);
    wb_run_threads(RACERS, race_for_every_key, &r,
                   "15 threads each asking once for every one of 200 keys, in the same order");
    for (int i = 0; i < RACE_KEYS; i++) {
        int granted = 0;
        for (int t = 0; t < RACERS; t++)
            granted += r.granted[t][i];
        cr_assert(granted == 5,
                  "key \"hot-%d\": 15 threads raced for a burst of 5 and got %d grants, expected "
                  "exactly 5: checking the tokens and taking them must happen under one lock, "
                  "or two threads take the same token",
                  i, granted);
    }
    rl_keyed_destroy(r.table);
}

enum { WORKERS = 8, SHARED_KEYS = 300, ASKS = 2, PER_KEY_LIMIT = 3 };

struct share {
    rl_keyed *table;
    int granted[WORKERS][SHARED_KEYS];
};

static char *ask_every_key(int t, void *ctx)
{
    struct share *sh = ctx;
    char key[32];
    for (int round = 0; round < ASKS; round++) {
        for (int j = 0; j < SHARED_KEYS; j++) {
            int i = (j + t * (SHARED_KEYS / WORKERS)) % SHARED_KEYS; /* staggered starts */
            snprintf(key, sizeof key, "client-%d", i);
            rl_status s = rl_keyed_allow(sh->table, key, 1);
            if (s != RL_ALLOWED && s != RL_DENIED)
                return wb_strdupf("rl_keyed_allow(%s, 1) returned %s", wb_q(key), status_name(s));
            sh->granted[t][i] += s == RL_ALLOWED;
        }
    }
    return NULL;
}

Test(level4, every_algorithm_grants_exactly_its_limit_per_key_under_threads)
{
    const rl_config configs[] = {
        bucket_config(1, PER_KEY_LIMIT),
        window_config(RL_SLIDING_LOG, PER_KEY_LIMIT, WB_SEC),
        window_config(RL_FIXED_WINDOW, PER_KEY_LIMIT, WB_SEC),
        window_config(RL_SLIDING_COUNTER, PER_KEY_LIMIT, WB_SEC),
    };
    for (int a = 0; a < 4; a++) {
        wb_manual_clock mc;
        start_clock(&mc);
        static struct share sh;
        memset(&sh, 0, sizeof sh);
        sh.table = new_keyed(configs[a], SHARED_KEYS, &mc);
        wb_run_threads(WORKERS, ask_every_key, &sh,
                       "8 threads each asking twice for every one of 300 keys");
        for (int i = 0; i < SHARED_KEYS; i++) {
            int granted = 0;
            for (int t = 0; t < WORKERS; t++)
                granted += sh.granted[t][i];
            cr_assert(granted == PER_KEY_LIMIT,
                      "%s with limit 3: key \"client-%d\" was asked 16 times by 8 threads at one "
                      "instant and granted %d times, expected exactly 3",
                      algorithm_name(configs[a].algorithm), i, granted);
        }
        expect_len(sh.table, SHARED_KEYS, "every one of the 300 keys took units");
        rl_keyed_destroy(sh.table);
    }
}

enum { NEWCOMERS = 8, NEW_KEYS_EACH = 200, ROOM = 100 };

struct crowd {
    rl_keyed *table;
    int allowed[NEWCOMERS], full[NEWCOMERS];
};

static char *bring_new_keys(int t, void *ctx)
{
    struct crowd *c = ctx;
    char key[32];
    for (int i = 0; i < NEW_KEYS_EACH; i++) {
        snprintf(key, sizeof key, "t%d-client-%d", t, i);
        rl_status s = rl_keyed_allow(c->table, key, 1);
        if (s == RL_ALLOWED)
            c->allowed[t]++;
        else if (s == RL_FULL)
            c->full[t]++;
        else
            return wb_strdupf("rl_keyed_allow(%s, 1) of a new key returned %s, expected "
                              "RL_ALLOWED or RL_FULL",
                              wb_q(key), status_name(s));
    }
    return NULL;
}

Test(level4, threads_bringing_new_keys_never_overfill_the_table)
{
    wb_manual_clock mc;
    start_clock(&mc);
    static struct crowd c;
    c.table = new_keyed(bucket_config(1, 1), ROOM, &mc);
    wb_run_threads(NEWCOMERS, bring_new_keys, &c, "8 threads each bringing 200 new keys");
    int allowed = 0, full = 0;
    for (int t = 0; t < NEWCOMERS; t++)
        allowed += c.allowed[t], full += c.full[t];
    cr_assert(allowed == ROOM && full == NEWCOMERS * NEW_KEYS_EACH - ROOM,
              "1600 new keys arrived on 8 threads at one instant into a table of 100: %d were "
              "allowed and %d got RL_FULL, expected exactly 100 and 1500: the table never tracks "
              "more than max_keys keys, and checking for room and taking it must happen under one "
              "lock",
              allowed, full);
    expect_len(c.table, ROOM, "the table is exactly full");
    rl_keyed_destroy(c.table);
}

enum { ASKERS = 4, STEPS = 1000, MIN_ASKS = 20, MAX_ASKS = 20000 };

struct moving {
    rl_keyed *table;
    wb_manual_clock *clock;
    atomic_int done;
    int granted[ASKERS + 1];
};

static char *tick_or_ask(int t, void *ctx)
{
    struct moving *m = ctx;
    if (t == 0) {
        for (int i = 0; i < STEPS; i++)
            advance(m->clock, WB_MSEC);
        atomic_store(&m->done, 1);
        return NULL;
    }
    for (int i = 0; i < MAX_ASKS && (i < MIN_ASKS || !atomic_load(&m->done)); i++) {
        rl_status s = rl_keyed_allow(m->table, "hot", 1);
        if (s != RL_ALLOWED && s != RL_DENIED)
            return wb_strdupf("rl_keyed_allow(\"hot\", 1) returned %s", status_name(s));
        m->granted[t] += s == RL_ALLOWED;
    }
    return NULL;
}

Test(level4, threads_and_a_moving_clock_never_exceed_the_rate)
{
    wb_manual_clock mc;
    start_clock(&mc);
    static struct moving m;
    m.table = new_keyed(bucket_config(1000, 10), 10, &mc);
    m.clock = &mc;
    wb_run_threads(ASKERS + 1, tick_or_ask, &m,
                   "1 thread moving the clock 1 ms at a time for 1 s while 4 threads ask for "
                   "one key");
    int granted = 0;
    for (int t = 1; t <= ASKERS; t++)
        granted += m.granted[t];
    cr_assert(granted >= 10 && granted <= 1010,
              "4 threads asking for one key (rate 1000/s, burst 10) while the clock moved 1 s "
              "were granted %d times, expected between 10 and 1010: the burst plus 1000 "
              "tokens/s * 1 s is all there ever was",
              granted);
    rl_keyed_destroy(m.table);
}

enum { MIXERS = 8, MIXED_KEYS = 200, MIXED_ROOM = 64, MIXED_LIMIT = 4, MIXED_OPS = 3000 };

struct mixed {
    rl_keyed *table;
    wb_manual_clock *clock;
};

static char *mixed_workload(int t, void *ctx)
{
    struct mixed *m = ctx;
    wb_rng rng;
    wb_rng_seed(&rng, 500 + (uint64_t)t);
    char key[32];
    for (int i = 0; i < MIXED_OPS; i++) {
        snprintf(key, sizeof key, "m%d", (int)wb_rng_below(&rng, MIXED_KEYS));
        switch (wb_rng_below(&rng, 8)) {
        case 0:
            if (t == 0)
                advance(m->clock, 10 * WB_MSEC);
            break;
        case 1: {
            size_t len = rl_keyed_len(m->table);
            if (len > MIXED_ROOM)
                return wb_strdupf("rl_keyed_len returned %zu, more than max_keys %d", len,
                                  MIXED_ROOM);
            break;
        }
        case 2: {
            uint32_t r = rl_keyed_remaining(m->table, key);
            if (r > MIXED_LIMIT)
                return wb_strdupf("rl_keyed_remaining(%s) returned %u, more than the burst %d",
                                  wb_q(key), (unsigned)r, MIXED_LIMIT);
            break;
        }
        default: {
            uint32_t n = (uint32_t)wb_rng_below(&rng, MIXED_LIMIT + 1);
            rl_status s = rl_keyed_allow(m->table, key, n);
            if (s != RL_ALLOWED && s != RL_DENIED && s != RL_FULL)
                return wb_strdupf("rl_keyed_allow(%s, %u) returned %s", wb_q(key), (unsigned)n,
                                  status_name(s));
            break;
        }
        }
    }
    return NULL;
}

Test(level4, every_function_may_be_called_from_many_threads_at_once)
{
    wb_manual_clock mc;
    start_clock(&mc);
    static struct mixed m;
    m.table = new_keyed(bucket_config(20, MIXED_LIMIT), MIXED_ROOM, &mc);
    m.clock = &mc;
    wb_run_threads(MIXERS, mixed_workload, &m,
                   "8 threads doing seeded random allows, remainings and lens on 200 keys in a "
                   "table of 64, while one of them moves the clock");
    size_t len = rl_keyed_len(m.table);
    cr_assert(len <= MIXED_ROOM,
              "after the threads finished, rl_keyed_len returned %zu, more than max_keys %d", len,
              MIXED_ROOM);
    advance(&mc, 3600 * WB_SEC);
    expect_len(m.table, 0, "an hour after the threads finished, every bucket is full again");
    rl_keyed_destroy(m.table);
}
