/*
 * Level 4, time: entries with a time to live, on a clock the test moves by
 * hand (wb_manual_clock). Nothing here sleeps. Run alone with
 * `make test LEVEL=4`.
 */
#include <string.h>

#include "lru_test.h"

WB_LEVEL(4);

/* Tests start the clock far from zero: code that assumes time starts at 0 shows up. */
static const int64_t START = 1000 * WB_SEC;

/* A cache of `capacity` on a fresh manual clock; the clock lives in *mc. */
static lru_cache *timed_cache(size_t capacity, wb_manual_clock *mc)
{
    wb_manual_clock_init(mc, START);
    return new_cache(capacity, &mc->clock);
}

static void expect_ttl(lru_cache *c, const char *key, int64_t want, const char *why)
{
    int64_t remaining = -12345;
    lru_status s = lru_ttl(c, key, &remaining);
    cr_assert(s == LRU_OK, "lru_ttl(%s) returned %s, expected LRU_OK: %s", wb_q(key),
              status_name(s), why);
    cr_assert(remaining == want, "lru_ttl(%s) gave %lld ns, expected %lld ns: %s", wb_q(key),
              (long long)remaining, (long long)want, why);
}

Test(level4, an_entry_is_live_until_its_ttl_and_expired_from_then_on)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "session", "abc", 10 * WB_SEC);
    wb_manual_clock_advance(&mc, 10 * WB_SEC - 1);
    expect_value(c, "session", "abc", "put with a 10 s TTL, and 1 ns short of 10 s have passed");
    wb_manual_clock_advance(&mc, 1);
    expect_missing(c, "session",
                   "put with a 10 s TTL, and exactly 10 s have passed: it is "
                   "expired from that instant on (live while now < put time + "
                   "ttl)");
    lru_destroy(c);
}

Test(level4, an_expired_entry_is_a_miss_for_every_function_before_any_sweep)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "a", "1", WB_SEC);
    put_ttl(c, "b", "2", WB_SEC);
    put_ttl(c, "c", "3", WB_SEC);
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    char buf[8];
    lru_status s = lru_peek(c, "a", buf, sizeof buf, NULL);
    cr_assert(s == LRU_NOT_FOUND,
              "lru_peek(\"a\") returned %s 1 s after its TTL ran out, "
              "expected LRU_NOT_FOUND: expiry is checked on every read, not "
              "only when a sweep runs",
              status_name(s));
    expect_missing(c, "b", "its 1 s TTL ran out 1 s ago, and no sweep has run");
    s = lru_delete(c, "c");
    cr_assert(s == LRU_NOT_FOUND,
              "lru_delete(\"c\") returned %s 1 s after its TTL ran out, "
              "expected LRU_NOT_FOUND: an expired entry is not there to delete",
              status_name(s));
    int64_t remaining = 0;
    s = lru_ttl(c, "a", &remaining);
    cr_assert(s == LRU_NOT_FOUND,
              "lru_ttl(\"a\") returned %s after it expired, expected "
              "LRU_NOT_FOUND",
              status_name(s));
    lru_destroy(c);
}

Test(level4, expired_entries_do_not_count_toward_the_length)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(8, &mc);
    put_ttl(c, "short-1", "x", WB_SEC);
    put_ttl(c, "short-2", "x", WB_SEC);
    put_ttl(c, "long", "x", 60 * WB_SEC);
    put(c, "forever", "x");
    expect_len(c, 4, "four entries, none expired yet");
    wb_manual_clock_advance(&mc, 5 * WB_SEC);
    expect_len(c, 2,
               "two of four entries had a 1 s TTL and 5 s have passed; nothing has swept "
               "them, but expired entries never count");
    lru_destroy(c);
}

Test(level4, overwriting_an_entry_renews_its_ttl)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "k", "v1", 10 * WB_SEC);
    wb_manual_clock_advance(&mc, 8 * WB_SEC);
    put_ttl(c, "k", "v2", 10 * WB_SEC);
    wb_manual_clock_advance(&mc, 8 * WB_SEC);
    expect_value(c, "k", "v2",
                 "put with a 10 s TTL at 0 s, put again with 10 s at 8 s, read at "
                 "16 s: the second put started a new 10 s");
    expect_ttl(c, "k", 2 * WB_SEC, "the second 10 s TTL started 8 s ago");
    lru_destroy(c);
}

Test(level4, a_plain_put_over_an_entry_with_a_ttl_removes_the_ttl)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "k", "temporary", WB_SEC);
    put(c, "k", "permanent");
    wb_manual_clock_advance(&mc, 3600 * WB_SEC);
    expect_value(c, "k", "permanent",
                 "lru_put replaces the value and removes the TTL, as "
                 "Redis's SET does");
    expect_ttl(c, "k", LRU_NO_TTL, "lru_put left it with no TTL");
    lru_destroy(c);
}

Test(level4, ttl_reports_the_time_left_or_no_ttl)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "timed", "x", 30 * WB_SEC);
    put(c, "plain", "y");
    wb_manual_clock_advance(&mc, 12 * WB_SEC);
    expect_ttl(c, "timed", 18 * WB_SEC, "a 30 s TTL, 12 s ago");
    expect_ttl(c, "plain", LRU_NO_TTL, "put without a TTL never expires");
    int64_t remaining = 0;
    lru_status s = lru_ttl(c, "absent", &remaining);
    cr_assert(s == LRU_NOT_FOUND, "lru_ttl(\"absent\") returned %s, expected LRU_NOT_FOUND",
              status_name(s));
    lru_destroy(c);
}

Test(level4, expire_sets_and_clears_a_ttl)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put(c, "k", "v");
    lru_status s = lru_expire(c, "k", 5 * WB_SEC);
    cr_assert(s == LRU_OK, "lru_expire(\"k\", 5 s) returned %s, expected LRU_OK", status_name(s));
    expect_ttl(c, "k", 5 * WB_SEC, "lru_expire just gave it 5 s");
    s = lru_expire(c, "k", 0);
    cr_assert(s == LRU_OK, "lru_expire(\"k\", 0) returned %s, expected LRU_OK", status_name(s));
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    expect_value(c, "k", "v", "lru_expire with 0 removed the 5 s TTL before it ran out");
    s = lru_expire(c, "k", 2 * WB_SEC);
    cr_assert(s == LRU_OK, "lru_expire(\"k\", 2 s) returned %s, expected LRU_OK", status_name(s));
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    expect_missing(c, "k", "lru_expire gave it 2 s, and 2 s have passed");
    s = lru_expire(c, "absent", WB_SEC);
    cr_assert(s == LRU_NOT_FOUND, "lru_expire(\"absent\") returned %s, expected LRU_NOT_FOUND",
              status_name(s));
    lru_destroy(c);
}

Test(level4, expire_and_ttl_do_not_change_recency)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(2, &mc);
    put(c, "old", "1");
    put(c, "new", "2");
    lru_expire(c, "old", 3600 * WB_SEC);
    int64_t remaining;
    lru_ttl(c, "old", &remaining);
    put(c, "newer", "3");
    expect_missing(c, "old",
                   "lru_expire and lru_ttl read or change the TTL only; \"old\" stayed "
                   "the least recently used, so a put into the full cache evicts it");
    lru_destroy(c);
}

Test(level4, sweep_reclaims_every_expired_entry_and_counts_them)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(16, &mc);
    char key[32];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put_ttl(c, key, "v", (i + 1) * WB_SEC); /* k0 lives 1 s, k9 lives 10 s */
    }
    put(c, "forever", "v");
    wb_manual_clock_advance(&mc, 4 * WB_SEC);
    size_t n = lru_sweep(c);
    cr_assert(n == 4,
              "lru_sweep returned %zu, expected 4: k0 .. k3 had TTLs of 1 to 4 s and 4 s "
              "have passed",
              n);
    n = lru_sweep(c);
    cr_assert(n == 0,
              "a second lru_sweep at the same time returned %zu, expected 0: the first "
              "one reclaimed them all",
              n);
    expect_len(c, 7, "k4 .. k9 and \"forever\" are live");
    wb_manual_clock_advance(&mc, 100 * WB_SEC);
    n = lru_sweep(c);
    cr_assert(n == 6, "lru_sweep returned %zu 104 s in, expected 6 (k4 .. k9)", n);
    expect_len(c, 1, "only the entry without a TTL is left");
    lru_destroy(c);
}

Test(level4, lookups_reclaim_the_expired_entries_they_meet)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(8, &mc);
    put_ttl(c, "a", "1", WB_SEC);
    put_ttl(c, "b", "2", WB_SEC);
    put_ttl(c, "c", "3", WB_SEC);
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    expect_missing(c, "a", "its TTL ran out");
    size_t n = lru_sweep(c);
    cr_assert(n == 2,
              "lru_sweep returned %zu, expected 2: three entries expired, and the get of "
              "\"a\" found it expired and reclaimed it on the spot, as the header says",
              n);
    lru_destroy(c);
}

Test(level4, a_full_cache_reclaims_expired_entries_before_evicting_a_live_one)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(3, &mc);
    put(c, "live-old", "1");
    put_ttl(c, "doomed", "2", WB_SEC);
    put(c, "live-new", "3");
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    put(c, "incoming", "4");
    expect_value(c, "live-old", "1",
                 "the cache was full, but \"doomed\" had expired: the put must reclaim it rather "
                 "than evict \"live-old\", the least recently used live entry");
    expect_value(c, "live-new", "3", "it is live and was used recently");
    expect_value(c, "incoming", "4", "it was just put");
    lru_destroy(c);
}

Test(level4, a_ttl_of_zero_or_less_is_refused_and_stores_nothing)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    lru_status s = lru_put_ttl(c, "zero", "v", 1, 0);
    cr_assert(s == LRU_INVALID,
              "lru_put_ttl with ttl 0 returned %s, expected LRU_INVALID: use "
              "lru_put for an entry that never expires",
              status_name(s));
    s = lru_put_ttl(c, "negative", "v", 1, -WB_SEC);
    cr_assert(s == LRU_INVALID, "lru_put_ttl with ttl -1 s returned %s, expected LRU_INVALID",
              status_name(s));
    expect_missing(c, "zero", "the put was refused");
    expect_missing(c, "negative", "the put was refused");
    put(c, "k", "v");
    s = lru_expire(c, "k", -1);
    cr_assert(s == LRU_INVALID, "lru_expire with ttl -1 returned %s, expected LRU_INVALID",
              status_name(s));
    expect_ttl(c, "k", LRU_NO_TTL, "the refused lru_expire changed nothing");
    lru_destroy(c);
}

static int count_visits(const char *key, const void *value, size_t len, void *ctx)
{
    (void)key, (void)value, (void)len;
    ++*(int *)ctx;
    return 0;
}

Test(level4, foreach_skips_expired_entries)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "gone", "1", WB_SEC);
    put(c, "kept", "2");
    wb_manual_clock_advance(&mc, WB_SEC);
    int calls = 0;
    size_t n = lru_foreach(c, count_visits, &calls);
    cr_assert(n == 1 && calls == 1,
              "lru_foreach visited %d entries (returned %zu), expected 1: "
              "\"gone\" expired and must not be shown",
              calls, n);
    lru_destroy(c);
}

Test(level4, entries_without_a_ttl_never_expire)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put(c, "k", "v");
    wb_manual_clock_advance(&mc, WB_SEC * 3600 * 24 * 365 * 100);
    expect_value(c, "k", "v", "put without a TTL, read 100 years later");
    lru_destroy(c);
}

Test(level4, a_huge_ttl_does_not_overflow_into_the_past)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "k", "v", INT64_MAX);
    expect_value(c, "k", "v",
                 "a TTL of INT64_MAX ns (292 years) must not wrap around to a time "
                 "in the past: compute now + ttl without signed overflow");
    lru_destroy(c);
}

Test(level4, a_cache_made_without_a_clock_uses_the_monotonic_clock)
{
    lru_cache *c = new_cache(4, NULL);
    put_ttl(c, "k", "v", 3600 * WB_SEC);
    expect_value(c, "k", "v", "an hour-long TTL on the real clock has not run out");
    int64_t remaining = 0;
    lru_status s = lru_ttl(c, "k", &remaining);
    cr_assert(s == LRU_OK && remaining > 3500 * WB_SEC && remaining <= 3600 * WB_SEC,
              "lru_ttl(\"k\") returned %s with %lld ns, expected LRU_OK with just under 3600 s: "
              "a NULL clock means the system's monotonic clock",
              status_name(s), (long long)remaining);
    lru_destroy(c);
}

/* Threads sweep concurrently: each expired entry is reclaimed by exactly one of them. */
struct sweepers {
    lru_cache *cache;
    size_t reclaimed[8];
};

static char *sweep_once(int t, void *ctx)
{
    struct sweepers *s = ctx;
    s->reclaimed[t] = lru_sweep(s->cache);
    return NULL;
}

Test(level4, concurrent_sweeps_reclaim_each_expired_entry_once)
{
    wb_manual_clock mc;
    static struct sweepers s;
    s.cache = timed_cache(1000, &mc);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put_ttl(s.cache, key, "v", i < 600 ? WB_SEC : 60 * WB_SEC);
    }
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    wb_run_threads(8, sweep_once, &s, "8 threads calling lru_sweep at once");
    size_t total = 0;
    for (int t = 0; t < 8; t++)
        total += s.reclaimed[t];
    cr_assert(total == 600,
              "8 concurrent sweeps reclaimed %zu entries in all, expected 600: each "
              "expired entry is reclaimed once, by one thread",
              total);
    expect_len(s.cache, 400, "400 entries had a 60 s TTL");
    lru_destroy(s.cache);
}
