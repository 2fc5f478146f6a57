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

/* "5000000000 ns" or "LRU_NO_TTL (never expires)", for messages. */
static const char *ttl_text(int64_t ns)
{
    static _Thread_local char text[48];
    if (ns == LRU_NO_TTL)
        return "LRU_NO_TTL (never expires)";
    snprintf(text, sizeof text, "%lld ns", (long long)ns);
    return text;
}

static void expect_ttl(lru_cache *c, const char *key, int64_t want, const char *why)
{
    int64_t remaining = -12345;
    lru_status s = lru_ttl(c, key, &remaining);
    cr_assert(s == LRU_OK, "lru_ttl(%s) returned %s, expected LRU_OK: %s", wb_q(key),
              status_name(s), why);
    cr_assert(remaining == want, "lru_ttl(%s) gave %s, expected %s: %s", wb_q(key),
              ttl_text(remaining), ttl_text(want), why);
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
    lru_cache *c = timed_cache(8, &mc);
    const char *keys[] = { "peeked", "got", "deleted", "timed", "expired" };
    for (int i = 0; i < 5; i++)
        put_ttl(c, keys[i], "v", WB_SEC);
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    /* Each function meets its own key first, so no other call has reclaimed it. */
    char buf[8];
    lru_status s = lru_peek(c, "peeked", buf, sizeof buf, NULL);
    cr_assert(s == LRU_NOT_FOUND,
              "lru_peek(\"peeked\") returned %s 1 s after its TTL ran out, expected "
              "LRU_NOT_FOUND: expiry is checked on every read, not only when a sweep runs",
              status_name(s));
    expect_missing(c, "got", "its 1 s TTL ran out 1 s ago, and no sweep has run");
    s = lru_delete(c, "deleted");
    cr_assert(s == LRU_NOT_FOUND,
              "lru_delete(\"deleted\") returned %s 1 s after its TTL ran out, expected "
              "LRU_NOT_FOUND: an expired entry is not there to delete",
              status_name(s));
    int64_t remaining = 0;
    s = lru_ttl(c, "timed", &remaining);
    cr_assert(s == LRU_NOT_FOUND,
              "lru_ttl(\"timed\") returned %s (%s left) 1 s after its TTL ran out, expected "
              "LRU_NOT_FOUND",
              status_name(s), ttl_text(remaining));
    s = lru_expire(c, "expired", 3600 * WB_SEC);
    cr_assert(s == LRU_NOT_FOUND,
              "lru_expire(\"expired\", 1 h) returned %s 1 s after its TTL ran out, expected "
              "LRU_NOT_FOUND: an expired entry cannot be given new life",
              status_name(s));
    expect_missing(c, "expired", "lru_expire was refused, so it stayed expired");
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
    cr_assert(n == 6,
              "at 104 s, lru_sweep returned %zu, expected 6 (k4 .. k9, with TTLs of 5 to "
              "10 s)",
              n);
    expect_len(c, 1, "only the entry without a TTL is left");
    lru_destroy(c);
}

/* One lookup on an expired "a", by the function numbered `which`; returns its name. */
static const char *look_up_a(lru_cache *c, int which)
{
    char buf[8];
    int64_t remaining;
    switch (which) {
    case 0:
        lru_get(c, "a", buf, sizeof buf, NULL);
        return "lru_get";
    case 1:
        lru_peek(c, "a", buf, sizeof buf, NULL);
        return "lru_peek";
    case 2:
        lru_delete(c, "a");
        return "lru_delete";
    case 3:
        lru_ttl(c, "a", &remaining);
        return "lru_ttl";
    default:
        lru_expire(c, "a", WB_SEC);
        return "lru_expire";
    }
}

Test(level4, lookups_reclaim_the_expired_entries_they_meet)
{
    for (int which = 0; which < 5; which++) {
        wb_manual_clock mc;
        lru_cache *c = timed_cache(8, &mc);
        put_ttl(c, "a", "1", WB_SEC);
        put_ttl(c, "b", "2", WB_SEC);
        put_ttl(c, "c", "3", WB_SEC);
        wb_manual_clock_advance(&mc, 2 * WB_SEC);
        const char *fn = look_up_a(c, which);
        size_t n = lru_sweep(c);
        cr_assert(n <= 2,
                  "lru_sweep returned %zu, expected at most 2: three entries had expired, and "
                  "%s(\"a\") met \"a\" expired, so it had to free it on the spot (it may have "
                  "freed \"b\" and \"c\" too); only what no lookup reclaimed is left for the "
                  "sweep",
                  n, fn);
        lru_destroy(c);
    }
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
    put(c, "kept", "old value");
    s = lru_put_ttl(c, "kept", "new", 3, 0);
    cr_assert(s == LRU_INVALID,
              "lru_put_ttl over an existing key with ttl 0 returned %s, expected "
              "LRU_INVALID",
              status_name(s));
    expect_value(c, "kept", "old value", "a refused put leaves the entry under its key as it was");
    expect_ttl(c, "kept", LRU_NO_TTL, "a refused put leaves the entry's TTL as it was");
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

Test(level4, overwriting_with_a_ttl_makes_the_entry_the_most_recently_used)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(2, &mc);
    put(c, "a", "1");
    put(c, "b", "2");
    put_ttl(c, "a", "1 again", 3600 * WB_SEC);
    put(c, "c", "3");
    expect_missing(c, "b",
                   "lru_put_ttl over \"a\" is a put: \"a\" became the most recent, so "
                   "\"b\" was the least recently used when \"c\" came");
    expect_value(c, "a", "1 again", "it was overwritten, then kept");
    lru_destroy(c);
}

Test(level4, expire_on_an_entry_with_a_ttl_counts_from_now)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put_ttl(c, "k", "v", 10 * WB_SEC);
    wb_manual_clock_advance(&mc, 8 * WB_SEC);
    lru_status s = lru_expire(c, "k", 5 * WB_SEC);
    cr_assert(s == LRU_OK, "lru_expire(\"k\", 5 s) returned %s, expected LRU_OK", status_name(s));
    expect_ttl(c, "k", 5 * WB_SEC, "put with 10 s, 8 s later lru_expire gave it 5 s from now");
    wb_manual_clock_advance(&mc, 5 * WB_SEC - 1);
    expect_value(c, "k", "v", "lru_expire at 8 s gave it until 13 s; it is 1 ns before that");
    wb_manual_clock_advance(&mc, 1);
    expect_missing(c, "k", "lru_expire at 8 s gave it until 13 s, and it is 13 s");
    lru_destroy(c);
}

Test(level4, an_entry_given_a_ttl_by_expire_expires_like_any_other)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put(c, "k", "v");
    put(c, "forever", "v");
    lru_status s = lru_expire(c, "k", WB_SEC);
    cr_assert(s == LRU_OK, "lru_expire(\"k\", 1 s) returned %s, expected LRU_OK", status_name(s));
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    size_t n = lru_sweep(c);
    cr_assert(n == 1,
              "lru_sweep returned %zu, expected 1: \"k\" was put without a TTL, given 1 s "
              "by lru_expire, and 2 s have passed (nothing else touched the cache)",
              n);
    expect_len(c, 1, "only \"forever\" is left");
    lru_destroy(c);
}

Test(level4, a_new_entry_does_not_inherit_the_ttl_of_the_one_it_replaced)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(1, &mc);
    put_ttl(c, "short-lived", "v", WB_SEC);
    put(c, "evictor", "stays"); /* evicts short-lived: capacity 1 */
    put_ttl(c, "deleted", "v", WB_SEC);
    lru_delete(c, "deleted");
    put(c, "after-delete", "stays");
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    expect_value(c, "after-delete", "stays",
                 "it was put without a TTL where an entry with a 1 s TTL had been (evicted or "
                 "deleted); the old entry's expiry must not carry over");
    lru_destroy(c);
}

Test(level4, null_arguments_to_the_time_functions_are_refused)
{
    wb_manual_clock mc;
    lru_cache *c = timed_cache(4, &mc);
    put(c, "k", "v");
    int64_t remaining = 0;
    struct {
        const char *call;
        lru_status got;
    } calls[] = {
        { "lru_put_ttl(NULL cache, ...)", lru_put_ttl(NULL, "k", "v", 1, WB_SEC) },
        { "lru_put_ttl(cache, NULL key, ...)", lru_put_ttl(c, NULL, "v", 1, WB_SEC) },
        { "lru_expire(NULL cache, \"k\", 1 s)", lru_expire(NULL, "k", WB_SEC) },
        { "lru_expire(cache, NULL key, 1 s)", lru_expire(c, NULL, WB_SEC) },
        { "lru_ttl(NULL cache, \"k\", &remaining)", lru_ttl(NULL, "k", &remaining) },
        { "lru_ttl(cache, NULL key, &remaining)", lru_ttl(c, NULL, &remaining) },
        { "lru_ttl(cache, \"k\", NULL)", lru_ttl(c, "k", NULL) },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        cr_assert(calls[i].got == LRU_INVALID, "%s returned %s, expected LRU_INVALID",
                  calls[i].call, status_name(calls[i].got));
    size_t n = lru_sweep(NULL);
    cr_assert(n == 0, "lru_sweep(NULL) returned %zu, expected 0", n);
    expect_value(c, "k", "v", "every call above was refused");
    expect_ttl(c, "k", LRU_NO_TTL, "every call above was refused");
    lru_destroy(c);
}

/* Threads use every time function on shared keys while one thread moves the clock. */
enum { TIMED_KEYS = 16, TIMED_CAP = 12, TIMED_STEPS = 2000 };

struct timed_ctx {
    lru_cache *cache;
    wb_manual_clock *clock;
};

static int check_timed_value(const char *key, const void *value, size_t len, void *ctx)
{
    int *bad = ctx;
    /* Values are the key itself, so any mix-up between entries shows. */
    if (len != strlen(key) || memcmp(value, key, len) != 0)
        ++*bad;
    return 0;
}

static char *use_time_functions(int t, void *arg)
{
    struct timed_ctx *x = arg;
    wb_rng rng;
    wb_rng_seed(&rng, 500 + (uint64_t)t);
    char key[16], buf[16];
    for (int i = 0; i < TIMED_STEPS; i++) {
        if (t == 0) { /* the clock keeper */
            wb_manual_clock_advance(x->clock, 10 * WB_MSEC);
            continue;
        }
        snprintf(key, sizeof key, "t%d", (int)wb_rng_below(&rng, TIMED_KEYS));
        int64_t ttl = (int64_t)(1 + wb_rng_below(&rng, 100)) * WB_MSEC, remaining = 0;
        size_t len = 0;
        lru_status s = LRU_OK;
        int bad = 0;
        switch (wb_rng_below(&rng, 8)) {
        case 0:
            s = lru_put_ttl(x->cache, key, key, strlen(key), ttl);
            break;
        case 1:
            s = lru_expire(x->cache, key, wb_rng_below(&rng, 2) ? ttl : 0);
            break;
        case 2:
            s = lru_ttl(x->cache, key, &remaining);
            if (s == LRU_OK && remaining != LRU_NO_TTL &&
                (remaining <= 0 || remaining > 100 * WB_MSEC))
                return wb_strdupf("lru_ttl(%s) gave %lld ns left, but every TTL given was 1 to "
                                  "100 ms and live entries have some time left",
                                  wb_q(key), (long long)remaining);
            break;
        case 3:
            s = lru_get(x->cache, key, buf, sizeof buf, &len);
            break;
        case 4:
            s = lru_peek(x->cache, key, buf, sizeof buf, &len);
            break;
        case 5:
            if (lru_sweep(x->cache) > TIMED_CAP)
                return wb_strdupf("lru_sweep reclaimed more entries than the cache can hold");
            continue;
        case 6:
            lru_foreach(x->cache, check_timed_value, &bad);
            if (bad > 0)
                return wb_strdupf("lru_foreach showed %d entries whose value is not their key",
                                  bad);
            continue;
        default:
            if (lru_len(x->cache) > TIMED_CAP)
                return wb_strdupf("lru_len returned more than the capacity %d", TIMED_CAP);
            continue;
        }
        if (s != LRU_OK && s != LRU_NOT_FOUND)
            return wb_strdupf("a call on %s returned %s", wb_q(key), status_name(s));
        if (s == LRU_OK && len > 0 && (len != strlen(key) || memcmp(buf, key, len) != 0))
            return wb_strdupf("the value under %s is %s, expected the key itself", wb_q(key),
                              wb_qn(buf, len < sizeof buf ? len : 0));
    }
    return NULL;
}

Test(level4, the_time_functions_are_safe_on_many_threads)
{
    wb_manual_clock mc;
    struct timed_ctx x = { timed_cache(TIMED_CAP, &mc), &mc };
    wb_run_threads(6, use_time_functions, &x,
                   "5 threads putting with TTLs, expiring, asking TTLs, reading, sweeping and "
                   "walking while a sixth moves the clock");
    int bad = 0;
    size_t visited = lru_foreach(x.cache, check_timed_value, &bad);
    size_t len = lru_len(x.cache);
    cr_assert(bad == 0 && visited <= TIMED_CAP && len <= TIMED_CAP,
              "after the threads finished: %d wrong values, lru_foreach visited %zu, lru_len says "
              "%zu, capacity %d",
              bad, visited, len, TIMED_CAP);
    lru_destroy(x.cache);
}
