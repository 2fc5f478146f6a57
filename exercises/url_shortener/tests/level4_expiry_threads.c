/*
 * Level 4, expiry and threads: links with a time to live on a clock the
 * test moves by hand (nothing here sleeps), then many threads on one
 * service: no code handed out twice, no hit lost, counts exact. A missing
 * lock shows here only sometimes; `make race` (ThreadSanitizer) shows it
 * every time. Run alone with `make test LEVEL=4`.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url_test.h"

WB_LEVEL(4);

/* A service on a fresh manual clock (in *mc) started at START. */
static url_service *timed_service(wb_manual_clock *mc, bool dedup)
{
    wb_manual_clock_init(mc, START);
    return new_service(&mc->clock, FIRST_ID, dedup);
}

/* ---- expiry ---- */

Test(level4, a_link_lives_until_its_ttl_and_is_gone_from_then_on)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char code[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/offer", 60 * WB_SEC, code);
    wb_manual_clock_advance(&mc, 60 * WB_SEC - 1);
    expect_resolves(svc, code, "https://example.com/offer",
                    "made with a 60 s TTL, and 1 ns short of 60 s have passed");
    wb_manual_clock_advance(&mc, 1);
    expect_not_found(svc, code,
                     "made with a 60 s TTL, and exactly 60 s have passed: it is expired from "
                     "that instant on (live while now < made + ttl)");
    url_destroy(svc);
}

Test(level4, an_expired_link_is_gone_for_hits_and_count_too)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char brief[URL_CODE_SIZE], lasting[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/brief", WB_SEC, brief);
    shorten_ok(svc, "https://example.com/lasting", lasting);
    expect_resolves(svc, brief, "https://example.com/brief", "its 1 s TTL has not run out");
    expect_count(svc, 2, "two live links");
    wb_manual_clock_advance(&mc, 2 * WB_SEC);
    uint64_t hits = 5;
    url_status s = url_hits(svc, brief, &hits);
    cr_assert(s == URL_NOT_FOUND,
              "url_hits of a link whose TTL ran out 1 s ago returned %s, expected "
              "URL_NOT_FOUND: an expired link is gone for every function",
              status_name(s));
    expect_count(svc, 1, "the link with a 1 s TTL expired 1 s ago and must not be counted");
    expect_resolves(svc, lasting, "https://example.com/lasting", "it has no TTL: it never expires");
    url_destroy(svc);
}

Test(level4, links_expire_one_by_one_in_order_of_their_ttl)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char codes[5][URL_CODE_SIZE];
    int64_t ttls[5] = { 50, 10, 40, 20, 30 }; /* seconds, out of order on purpose */
    for (int i = 0; i < 5; i++)
        shorten_ttl_ok(svc, "https://example.com/", ttls[i] * WB_SEC, codes[i]);
    for (int t = 10; t <= 50; t += 10) {
        wb_manual_clock_set(&mc, START + t * WB_SEC);
        expect_count(svc, (size_t)(50 - t) / 10,
                     "TTLs of 10, 20, 30, 40 and 50 s: one more link expires every 10 s");
        for (int i = 0; i < 5; i++) {
            if (ttls[i] <= t)
                expect_not_found(svc, codes[i], "its TTL has run out");
            else
                expect_resolves(svc, codes[i], "https://example.com/", "its TTL has not run out");
        }
    }
    url_destroy(svc);
}

Test(level4, a_negative_ttl_is_invalid_and_stores_nothing)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    url_request req = { .long_url = "https://example.com/", .ttl = -WB_SEC };
    expect_shorten(svc, &req, URL_INVALID, "a link cannot live for a negative time");
    url_destroy(svc);
}

Test(level4, a_huge_ttl_does_not_wrap_into_the_past)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char code[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/", INT64_MAX, code);
    wb_manual_clock_advance(&mc, 365 * 24 * 3600 * WB_SEC);
    expect_resolves(svc, code, "https://example.com/",
                    "a TTL of INT64_MAX ns: made + ttl overflows, and a "
                    "wrapped sum would be in the past");
    url_destroy(svc);
}

Test(level4, an_expired_alias_can_be_taken_again)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    url_request first = { .long_url = "https://example.com/2024", .alias = "sale", .ttl = WB_SEC };
    expect_shorten(svc, &first, URL_OK, "a free alias with a 1 s TTL");
    url_request again = { .long_url = "https://example.com/2025", .alias = "sale" };
    expect_shorten(svc, &again, URL_TAKEN, "the first \"sale\" is still live");
    wb_manual_clock_advance(&mc, WB_SEC);
    expect_shorten(svc, &again, URL_OK, "the first \"sale\" expired: the alias is free again");
    expect_resolves(svc, "sale", "https://example.com/2025", "the alias was taken again");
    expect_hits(svc, "sale", 1, "the new link starts with its own hits, not the old link's");
    url_destroy(svc);
}

Test(level4, generated_codes_are_never_handed_out_twice_even_after_expiry)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char first[URL_CODE_SIZE], second[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/old", WB_SEC, first);
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    shorten_ok(svc, "https://example.com/new", second);
    expect_code(second, code_of(FIRST_ID + 1), "a url_shorten after the first link expired",
                "a code printed on a poster must never start pointing somewhere else");
    url_destroy(svc);
}

Test(level4, an_alias_may_claim_the_code_of_an_expired_generated_link)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, false);
    char old[URL_CODE_SIZE], next[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/flash-sale", WB_SEC, old);
    url_request claim = { .long_url = "https://example.com/claimed", .alias = old };
    expect_shorten(svc, &claim, URL_TAKEN, "the generated link is still live");
    wb_manual_clock_advance(&mc, WB_SEC);
    expect_shorten(svc, &claim, URL_OK,
                   "the generated link has expired: only live links make an alias URL_TAKEN, "
                   "and an alias asks for its code by name (the counter alone promises never to "
                   "reuse a code)");
    expect_resolves(svc, old, "https://example.com/claimed", "the alias took the expired code");
    shorten_ok(svc, "https://example.com/next", next);
    expect_code(next, code_of(FIRST_ID + 1), "a url_shorten after the alias",
                "the counter moves on from where it was, whatever the alias did");
    url_destroy(svc);
}

Test(level4, dedup_never_returns_a_link_with_a_ttl)
{
    wb_manual_clock mc;
    url_service *svc = timed_service(&mc, true);
    char temporary[URL_CODE_SIZE], permanent[URL_CODE_SIZE], again[URL_CODE_SIZE];
    shorten_ttl_ok(svc, "https://example.com/", WB_SEC, temporary);
    shorten_ok(svc, "https://example.com/", permanent);
    cr_assert(strcmp(temporary, permanent) != 0,
              "with dedup on, a permanent request got %s, the code of the link made with a 1 s "
              "TTL: it would die with that link",
              wb_q(permanent));
    shorten_ttl_ok(svc, "https://example.com/", WB_SEC, again);
    cr_assert(strcmp(again, permanent) != 0 && strcmp(again, temporary) != 0,
              "with dedup on, a request with a TTL got the existing code %s; a link with a TTL "
              "is always a new one",
              wb_q(again));
    wb_manual_clock_advance(&mc, 5 * WB_SEC);
    shorten_ok(svc, "https://example.com/", again);
    expect_code(again, permanent, "a permanent request once the temporary links expired",
                "dedup returns the permanent link");
    url_destroy(svc);
}

/* ---- threads ---- */

enum { THREADS = 8, PER_THREAD = 500 };

struct shorten_ctx {
    url_service *svc;
    char codes[THREADS][PER_THREAD][URL_CODE_SIZE]; /* each thread writes only its own row */
};

static char *shorten_own_urls(int t, void *ctx)
{
    struct shorten_ctx *c = ctx;
    char url[64];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(url, sizeof url, "https://example.com/t%d/%d", t, i);
        url_request req = { .long_url = url };
        url_status s = url_shorten(c->svc, &req, c->codes[t][i], URL_CODE_SIZE);
        if (s != URL_OK)
            return wb_strdupf("url_shorten(%s) returned %s", wb_q(url), status_name(s));
    }
    return NULL;
}

static int compare_codes(const void *a, const void *b)
{
    return strcmp(a, b);
}

Test(level4, eight_threads_shortening_at_once_never_get_the_same_code)
{
    static struct shorten_ctx c;
    c.svc = new_service(NULL, FIRST_ID, false);
    wb_run_threads(THREADS, shorten_own_urls, &c, "8 threads each shortening 500 URLs");
    /* All codes sorted: a duplicate sits next to its twin. Six-digit codes from FIRST_ID
     * sort as their ids do, so they must be exactly the 4000 ids from FIRST_ID on. */
    static char sorted[THREADS * PER_THREAD][URL_CODE_SIZE];
    memcpy(sorted, c.codes, sizeof sorted);
    qsort(sorted, THREADS * PER_THREAD, URL_CODE_SIZE, compare_codes);
    for (int k = 1; k < THREADS * PER_THREAD; k++)
        cr_assert(strcmp(sorted[k - 1], sorted[k]) != 0,
                  "the code %s was handed out twice while 8 threads shortened at once: the "
                  "counter must be read and moved under one lock (or atomically)",
                  wb_q(sorted[k]));
    for (int k = 0; k < THREADS * PER_THREAD; k++)
        expect_code(sorted[k], code_of(FIRST_ID + (uint64_t)k), "the sorted list of 4000 codes",
                    "4000 links use exactly the 4000 ids from first_id on, no gap, no twin");
    char url[64];
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i += 50) {
            snprintf(url, sizeof url, "https://example.com/t%d/%d", t, i);
            expect_resolves(c.svc, c.codes[t][i], url, "each thread's code leads to its own URL");
        }
    expect_count(c.svc, THREADS * PER_THREAD, "8 threads made 500 links each");
    url_destroy(c.svc);
}

struct hits_ctx {
    url_service *svc;
    const char *code;
};

/* A lost update needs two threads between the read and the write of one count at once.
 * Threads overlap most just after the barrier releases them together, so the test runs
 * many short bursts rather than one long one. */
enum { HOT_ROUNDS = 50, HOT_RESOLVES = 100 };

static char *resolve_many_times(int t, void *ctx)
{
    struct hits_ctx *c = ctx;
    char url[64];
    (void)t;
    for (int i = 0; i < HOT_RESOLVES; i++) {
        url_status s = url_resolve(c->svc, c->code, url, sizeof url, NULL);
        if (s != URL_OK)
            return wb_strdupf("url_resolve(%s) returned %s", wb_q(c->code), status_name(s));
        if (strcmp(url, "https://example.com/hot") != 0)
            return wb_strdupf("url_resolve(%s) gave %s, expected \"https://example.com/hot\"",
                              wb_q(c->code), wb_q(url));
    }
    return NULL;
}

Test(level4, hits_are_exact_when_eight_threads_resolve_one_link)
{
    struct hits_ctx c = { new_service(NULL, FIRST_ID, false), NULL };
    char code[URL_CODE_SIZE];
    shorten_ok(c.svc, "https://example.com/hot", code);
    c.code = code;
    for (int round = 0; round < HOT_ROUNDS; round++)
        wb_run_threads(THREADS, resolve_many_times, &c,
                       "8 threads resolving one code 100 times each, 50 times over");
    expect_hits(c.svc, code, HOT_ROUNDS * THREADS * HOT_RESOLVES,
                "50 times over, 8 threads resolved it 100 times each: a lower count means "
                "increments were lost to a race (hits++, or an atomic load then an atomic "
                "store, is a read, an add and a write: one atomic_fetch_add does all three at "
                "once)");
    url_destroy(c.svc);
}

enum { SHARED_URLS = 50 };

struct dedup_ctx {
    url_service *svc;
    char codes[THREADS][SHARED_URLS][URL_CODE_SIZE];
};

static char *shorten_shared_urls(int t, void *ctx)
{
    struct dedup_ctx *c = ctx;
    char url[64];
    for (int k = 0; k < SHARED_URLS; k++) {
        int i = (k + t * 7) % SHARED_URLS; /* each thread in its own order */
        snprintf(url, sizeof url, "https://example.com/shared/%d", i);
        url_request req = { .long_url = url };
        url_status s = url_shorten(c->svc, &req, c->codes[t][i], URL_CODE_SIZE);
        if (s != URL_OK)
            return wb_strdupf("url_shorten(%s) returned %s", wb_q(url), status_name(s));
    }
    return NULL;
}

Test(level4, with_dedup_threads_shortening_the_same_urls_agree_on_one_code_each)
{
    static struct dedup_ctx c;
    c.svc = new_service(NULL, FIRST_ID, true);
    wb_run_threads(THREADS, shorten_shared_urls, &c, "8 threads shortening the same 50 URLs");
    for (int i = 0; i < SHARED_URLS; i++)
        for (int t = 1; t < THREADS; t++)
            cr_assert(strcmp(c.codes[t][i], c.codes[0][i]) == 0,
                      "with dedup on, thread %d got %s and thread 0 got %s for "
                      "\"https://example.com/shared/%d\": the look-up and the insert must be one "
                      "step under the lock, or two threads both miss and both insert",
                      t, wb_q(c.codes[t][i]), wb_q(c.codes[0][i]), i);
    expect_count(c.svc, SHARED_URLS, "50 URLs with dedup on make 50 links, whatever the threads");
    url_destroy(c.svc);
}

struct alias_ctx {
    url_service *svc;
    url_status got[THREADS];
};

static char *claim_alias(int t, void *ctx)
{
    struct alias_ctx *c = ctx;
    char url[64];
    snprintf(url, sizeof url, "https://example.com/claimant/%d", t);
    url_request req = { .long_url = url, .alias = "launch" };
    c->got[t] = url_shorten(c->svc, &req, NULL, 0);
    if (c->got[t] != URL_OK && c->got[t] != URL_TAKEN)
        return wb_strdupf("url_shorten(alias \"launch\") returned %s", status_name(c->got[t]));
    return NULL;
}

Test(level4, eight_threads_claiming_one_alias_give_it_to_exactly_one)
{
    struct alias_ctx c = { new_service(NULL, FIRST_ID, false), { 0 } };
    wb_run_threads(THREADS, claim_alias, &c, "8 threads claiming the alias \"launch\"");
    int winners = 0, winner = -1;
    for (int t = 0; t < THREADS; t++)
        if (c.got[t] == URL_OK)
            winners++, winner = t;
    cr_assert(winners == 1,
              "%d of 8 threads got URL_OK for the alias \"launch\", expected exactly 1 (and "
              "URL_TAKEN for the 7 others): checking that an alias is free and taking it must "
              "be one step",
              winners);
    char want[64];
    snprintf(want, sizeof want, "https://example.com/claimant/%d", winner);
    expect_resolves(c.svc, "launch", want, "the thread that got URL_OK owns the alias");
    expect_count(c.svc, 1, "one alias, one link");
    url_destroy(c.svc);
}

struct mixed_ctx {
    url_service *svc;
    char codes[64][URL_CODE_SIZE]; /* made before the threads start; read only */
    uint64_t resolved[THREADS];    /* each thread counts its own */
};

/* What an odd thread checks after each resolve: url_hits and url_count answer while
 * others write, the link's hits cover this thread's own resolves of it, and the count
 * never goes down (links are only added). */
static char *check_hits_and_count(struct mixed_ctx *c, const char *code, uint64_t mine,
                                  size_t *last_count)
{
    uint64_t hits = 0;
    url_status s = url_hits(c->svc, code, &hits);
    if (s != URL_OK || hits < mine)
        return wb_strdupf("url_hits(%s) returned %s with %llu, expected URL_OK and at least "
                          "%llu, the resolves this thread made of it, while other threads were "
                          "shortening",
                          wb_q(code), status_name(s), (unsigned long long)hits,
                          (unsigned long long)mine);
    size_t n = url_count(c->svc);
    if (n < *last_count || n > 64 + 4 * 400)
        return wb_strdupf("url_count returned %zu after %zu, expected a count that never goes "
                          "down and stays within 64..%d while threads only add links: read it "
                          "under the lock (or atomically), not while a shorten changes it",
                          n, *last_count, 64 + 4 * 400);
    *last_count = n;
    return NULL;
}

/* Even threads shorten new URLs; odd threads resolve the 64 links made before, and
 * read their hits and the count as they go. */
static char *shorten_or_resolve(int t, void *ctx)
{
    struct mixed_ctx *c = ctx;
    char url[64], want[64];
    uint64_t mine[64] = { 0 }; /* this thread's resolves of each old link */
    size_t last_count = 64;
    for (int i = 0; i < 400; i++) {
        if (t % 2 == 0) {
            snprintf(url, sizeof url, "https://example.com/new/%d/%d", t, i);
            url_request req = { .long_url = url };
            url_status s = url_shorten(c->svc, &req, NULL, 0);
            if (s != URL_OK)
                return wb_strdupf("url_shorten(%s) returned %s", wb_q(url), status_name(s));
            continue;
        }
        int k = (i * 7 + t) % 64;
        snprintf(want, sizeof want, "https://example.com/old/%d", k);
        url_status s = url_resolve(c->svc, c->codes[k], url, sizeof url, NULL);
        if (s != URL_OK || strcmp(url, want) != 0)
            return wb_strdupf("url_resolve(%s) returned %s with %s, expected %s while other "
                              "threads were shortening",
                              wb_q(c->codes[k]), status_name(s), s == URL_OK ? wb_q(url) : "-",
                              wb_q(want));
        c->resolved[t]++;
        mine[k]++;
        char *problem = check_hits_and_count(c, c->codes[k], mine[k], &last_count);
        if (problem != NULL)
            return problem;
    }
    return NULL;
}

Test(level4, resolves_stay_right_and_counted_while_other_threads_shorten)
{
    static struct mixed_ctx c;
    c.svc = new_service(NULL, FIRST_ID, false);
    char url[64];
    for (int k = 0; k < 64; k++) {
        snprintf(url, sizeof url, "https://example.com/old/%d", k);
        shorten_ok(c.svc, url, c.codes[k]);
    }
    memset(c.resolved, 0, sizeof c.resolved);
    wb_run_threads(THREADS, shorten_or_resolve, &c,
                   "4 threads shortening while 4 threads resolve, read hits and count");
    uint64_t total = 0, want = 0;
    for (int t = 0; t < THREADS; t++)
        want += c.resolved[t];
    for (int k = 0; k < 64; k++) {
        uint64_t hits = 0;
        url_hits(c.svc, c.codes[k], &hits);
        total += hits;
    }
    cr_assert(total == want,
              "the 64 old links have %llu hits in all, expected %llu, one per resolve the "
              "threads made: hits were lost while the table grew under them",
              (unsigned long long)total, (unsigned long long)want);
    expect_count(c.svc, 64 + 4 * 400, "64 links before, and 4 threads made 400 each");
    url_destroy(c.svc);
}

/* ---- threads and expiry ---- */

enum { EXPIRING = 32, PERMANENT = 8 };

struct expiry_ctx {
    wb_manual_clock mc;
    url_service *svc;
    char expiring[EXPIRING][URL_CODE_SIZE];   /* link k lives k + 1 ms */
    char permanent[PERMANENT][URL_CODE_SIZE]; /* no TTL */
    atomic_bool done;                         /* the clock has passed every TTL */
    uint64_t resolved[THREADS];               /* resolves of permanent links, per thread */
};

/* Thread 0: moves the clock 1 ms at a time, past every TTL. Every 4 ms up to 24 ms,
 * url_count (a writer, which may reclaim) must count exactly the links still live; after
 * that it stops counting, so the last links to expire are still stored, expired, when
 * the readers meet them (readers must treat them as absent, never free them). */
static char *tick_and_count(struct expiry_ctx *c)
{
    for (int ms = 1; ms <= EXPIRING + 1; ms++) {
        wb_manual_clock_advance(&c->mc, WB_MSEC);
        if (ms % 4 == 0 && ms <= 24) {
            size_t n = url_count(c->svc), want = PERMANENT + EXPIRING - (size_t)ms;
            if (n != want) {
                atomic_store(&c->done, true);
                return wb_strdupf("url_count returned %zu %d ms after links with TTLs of 1 to "
                                  "%d ms were made, expected %zu (the %d permanent links and "
                                  "those whose TTL is still running) while other threads "
                                  "resolved them",
                                  n, ms, EXPIRING, want, PERMANENT);
            }
        }
        sched_yield(); /* let the readers in between two steps */
    }
    atomic_store(&c->done, true);
    return NULL;
}

/* One resolve (and url_hits) of expiring link k: live and right, or gone; once gone it
 * must stay gone, since the clock only moves forward. */
static char *check_expiring(struct expiry_ctx *c, int k, bool *gone)
{
    char url[64], want[64];
    snprintf(want, sizeof want, "https://example.com/brief/%d", k);
    url_status s = url_resolve(c->svc, c->expiring[k], url, sizeof url, NULL);
    uint64_t hits;
    url_status h = url_hits(c->svc, c->expiring[k], &hits);
    if (s == URL_OK && strcmp(url, want) != 0)
        return wb_strdupf("url_resolve(%s) gave %s, expected %s while links expired around it",
                          wb_q(c->expiring[k]), wb_q(url), wb_q(want));
    if ((s != URL_OK && s != URL_NOT_FOUND) || (h != URL_OK && h != URL_NOT_FOUND))
        return wb_strdupf("url_resolve(%s) returned %s and url_hits %s, expected URL_OK or "
                          "URL_NOT_FOUND for a link with a TTL while the clock moved",
                          wb_q(c->expiring[k]), status_name(s), status_name(h));
    /* In order: earlier calls, this resolve, then this url_hits. */
    bool back = (*gone && s == URL_OK) || ((*gone || s == URL_NOT_FOUND) && h == URL_OK);
    if (back)
        return wb_strdupf("the link %s (TTL %d ms) was not found, then found again by %s: the "
                          "clock only moves forward, so an expired link must stay gone (was it "
                          "freed while another reader used it?)",
                          wb_q(c->expiring[k]), k + 1,
                          *gone && s == URL_OK ? "url_resolve" : "url_hits");
    *gone = *gone || s == URL_NOT_FOUND || h == URL_NOT_FOUND;
    return NULL;
}

/* Threads 1..7: resolve every link, round after round, until a whole round has run after
 * the clock passed every TTL. */
static char *resolve_while_expiring(int t, void *ctx)
{
    struct expiry_ctx *c = ctx;
    if (t == 0)
        return tick_and_count(c);
    bool gone[EXPIRING] = { false }, last = false;
    char url[64], want[64];
    while (!last) {
        last = atomic_load(&c->done);
        for (int i = 0; i < EXPIRING; i++) {
            int k = (i + t * 5) % EXPIRING; /* each thread in its own order */
            char *problem = check_expiring(c, k, &gone[k]);
            if (problem != NULL)
                return problem;
        }
        for (int k = 0; k < PERMANENT; k++) {
            snprintf(want, sizeof want, "https://example.com/kept/%d", k);
            url_status s = url_resolve(c->svc, c->permanent[k], url, sizeof url, NULL);
            if (s != URL_OK || strcmp(url, want) != 0)
                return wb_strdupf("url_resolve(%s) returned %s with %s, expected %s: a link "
                                  "with no TTL must survive the reclaiming of its neighbours",
                                  wb_q(c->permanent[k]), status_name(s),
                                  s == URL_OK ? wb_q(url) : "-", wb_q(want));
            c->resolved[t]++;
        }
        if (!last)
            sched_yield();
    }
    return NULL;
}

Test(level4, threads_resolving_while_links_expire_see_each_go_for_good)
{
    static struct expiry_ctx c;
    c.svc = timed_service(&c.mc, false);
    atomic_init(&c.done, false);
    memset(c.resolved, 0, sizeof c.resolved);
    char url[64];
    for (int k = 0; k < EXPIRING; k++) {
        snprintf(url, sizeof url, "https://example.com/brief/%d", k);
        shorten_ttl_ok(c.svc, url, (k + 1) * WB_MSEC, c.expiring[k]);
    }
    for (int k = 0; k < PERMANENT; k++) {
        snprintf(url, sizeof url, "https://example.com/kept/%d", k);
        shorten_ok(c.svc, url, c.permanent[k]);
    }
    wb_run_threads(THREADS, resolve_while_expiring, &c,
                   "1 thread moving the clock past 32 TTLs while 7 threads resolve the links");
    for (int k = 0; k < EXPIRING; k++)
        expect_not_found(c.svc, c.expiring[k], "the clock has passed every TTL");
    expect_count(c.svc, PERMANENT, "only the links without a TTL are left");
    uint64_t total = 0, want = 0;
    for (int t = 0; t < THREADS; t++)
        want += c.resolved[t];
    for (int k = 0; k < PERMANENT; k++) {
        uint64_t hits = 0;
        url_hits(c.svc, c.permanent[k], &hits);
        total += hits;
    }
    cr_assert(total == want,
              "the %d permanent links have %llu hits in all, expected %llu, one per resolve the "
              "threads made: hits were lost while expired links were reclaimed",
              PERMANENT, (unsigned long long)total, (unsigned long long)want);
    url_destroy(c.svc);
}
