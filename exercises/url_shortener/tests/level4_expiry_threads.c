/*
 * Level 4, expiry and threads: links with a time to live on a clock the
 * test moves by hand (nothing here sleeps), then many threads on one
 * service: no code handed out twice, no hit lost, counts exact. A missing
 * lock shows here only sometimes; `make race` (ThreadSanitizer) shows it
 * every time. Run alone with `make test LEVEL=4`.
 */
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

static char *resolve_many_times(int t, void *ctx)
{
    struct hits_ctx *c = ctx;
    char url[64];
    (void)t;
    for (int i = 0; i < 1000; i++) {
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
    wb_run_threads(THREADS, resolve_many_times, &c, "8 threads resolving one code 1000 times each");
    expect_hits(c.svc, code, 8000,
                "8 threads resolved it 1000 times each: a lower count means increments were "
                "lost to a race (hits++ is a read, an add and a write)");
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

/* Even threads shorten new URLs; odd threads resolve the 64 links made before. */
static char *shorten_or_resolve(int t, void *ctx)
{
    struct mixed_ctx *c = ctx;
    char url[64], want[64];
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
    wb_run_threads(THREADS, shorten_or_resolve, &c, "4 threads shortening while 4 threads resolve");
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
