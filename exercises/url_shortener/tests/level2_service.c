/*
 * Level 2, the service: shorten a long URL to a code and resolve the code
 * back, generated codes from a counter, deduplication, custom aliases and
 * hit counts. Every long URL here is a valid one; level 3 tries bad ones.
 * Run alone with `make test LEVEL=2`.
 */
#include <stdlib.h>
#include <string.h>

#include "url_test.h"

WB_LEVEL(2);

Test(level2, create_returns_an_empty_service)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    expect_count(svc, 0, "a new service holds no links");
    expect_not_found(svc, "100000", "nothing was shortened yet");
    url_destroy(svc);
}

Test(level2, create_refuses_a_missing_or_bad_base)
{
    const char *bases[] = {
        NULL, "", "sho.rt/", "ftp://sho.rt/", "https://sho.rt", "https:///", "https://sho rt/"
    };
    const char *whys[] = { "there is no base",
                           "the base is empty",
                           "the base has no scheme",
                           "the base is not http or https",
                           "the base does not end with '/'",
                           "the base has no host",
                           "the base holds a space" };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        url_config config = { .base = bases[i], .first_id = 1 };
        url_service *svc = url_create(&config);
        cr_assert(svc == NULL, "url_create(base %s) returned a service, expected NULL: %s",
                  wb_q(bases[i]), whys[i]);
    }
    cr_assert(url_create(NULL) == NULL, "url_create(NULL) returned a service, expected NULL");
}

Test(level2, destroy_of_null_does_nothing)
{
    url_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level2, the_base_is_a_copy_of_the_configured_one)
{
    char base[] = "http://go.example/";
    url_config config = { .base = base, .first_id = 1 };
    url_service *svc = url_create(&config);
    cr_assert(svc != NULL, "url_create(base %s) returned NULL", wb_q(base));
    memcpy(base, "XXXX", 4); /* the caller reuses its buffer */
    const char *got = url_base(svc);
    cr_assert(got != NULL && strcmp(got, "http://go.example/") == 0,
              "url_base gave %s, expected \"http://go.example/\": the service must keep its own "
              "copy of the base",
              wb_q(got));
    url_destroy(svc);
}

Test(level2, a_shortened_url_resolves_back)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/a/long/path?q=1#top", code);
    expect_resolves(svc, code, "https://example.com/a/long/path?q=1#top",
                    "it is the code url_shorten just gave");
    expect_count(svc, 1, "one URL was shortened");
    url_destroy(svc);
}

Test(level2, generated_codes_count_up_from_the_first_id)
{
    url_service *svc = new_service(NULL, 100, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/1", code);
    expect_code(code, code_of(100), "the first url_shorten", "first_id is 100: the code of 100");
    shorten_ok(svc, "https://example.com/2", code);
    expect_code(code, code_of(101), "the second url_shorten", "the counter moves up by one");
    shorten_ok(svc, "https://example.com/3", code);
    expect_code(code, code_of(102), "the third url_shorten", "the counter moves up by one");
    url_destroy(svc);
}

Test(level2, the_first_id_may_be_zero)
{
    url_service *svc = new_service(NULL, 0, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/", code);
    expect_code(code, "0", "url_shorten", "first_id 0 makes \"0\" the first code");
    expect_resolves(svc, "0", "https://example.com/", "\"0\" is an ordinary code");
    url_destroy(svc);
}

Test(level2, different_urls_get_different_codes)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char codes[50][URL_CODE_SIZE], url[64];
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof url, "https://example.com/page/%d", i);
        shorten_ok(svc, url, codes[i]);
    }
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof url, "https://example.com/page/%d", i);
        expect_resolves(svc, codes[i], url, "50 different URLs were shortened");
    }
    expect_count(svc, 50, "50 different URLs were shortened");
    url_destroy(svc);
}

Test(level2, without_dedup_the_same_url_gets_a_new_code_each_time)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char first[URL_CODE_SIZE], second[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/same", first);
    shorten_ok(svc, "https://example.com/same", second);
    cr_assert(strcmp(first, second) != 0,
              "the same URL shortened twice with dedup off gave the same code %s twice, expected "
              "two links: each request makes its own (two campaigns may count hits apart)",
              wb_q(first));
    expect_count(svc, 2, "dedup is off: two requests, two links");
    url_destroy(svc);
}

Test(level2, with_dedup_the_same_url_gets_the_same_code)
{
    url_service *svc = new_service(NULL, FIRST_ID, true);
    char first[URL_CODE_SIZE], second[URL_CODE_SIZE], other[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/same", first);
    shorten_ok(svc, "https://example.com/same", second);
    expect_code(second, first, "shortening the same URL again",
                "dedup is on: a URL that already has a link gets that link's code");
    expect_count(svc, 1, "dedup is on: one URL, one link");
    shorten_ok(svc, "https://example.com/other", other);
    expect_code(other, code_of(FIRST_ID + 1), "shortening a new URL after a deduplicated one",
                "a deduplicated request makes nothing, so it uses up no id");
    url_destroy(svc);
}

Test(level2, dedup_compares_urls_byte_for_byte)
{
    url_service *svc = new_service(NULL, FIRST_ID, true);
    const char *urls[] = { "https://example.com/a", "https://example.com/A",
                           "https://example.com/a/", "http://example.com/a",
                           "https://example.com/a?" };
    char codes[5][URL_CODE_SIZE];
    for (int i = 0; i < 5; i++)
        shorten_ok(svc, urls[i], codes[i]);
    for (int i = 0; i < 5; i++)
        expect_resolves(svc, codes[i], urls[i],
                        "URLs that differ in one byte (case, a trailing '/', the scheme, a '?') "
                        "are different URLs: the service does not normalise them");
    expect_count(svc, 5, "five URLs that differ by one byte make five links");
    url_destroy(svc);
}

Test(level2, dedup_never_returns_a_link_made_with_an_alias)
{
    url_service *svc = new_service(NULL, FIRST_ID, true);
    alias_ok(svc, "https://example.com/sale", "sale");
    char code[URL_CODE_SIZE], again[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/sale", code);
    expect_code(code, code_of(FIRST_ID),
                "with dedup on, a plain url_shorten of a URL that already has the alias \"sale\"",
                "dedup returns only generated, permanent links: an alias belongs to whoever "
                "chose it, so a plain request gets a generated link of its own");
    expect_count(svc, 2, "the alias link and the generated link");
    shorten_ok(svc, "https://example.com/sale", again);
    expect_code(again, code, "the same plain url_shorten once more",
                "dedup now returns the generated link, not the alias");
    url_destroy(svc);
}

Test(level2, with_dedup_a_known_url_gets_its_code_even_when_the_counter_is_full)
{
    url_service *svc = new_service(NULL, UINT64_MAX, true);
    char code[URL_CODE_SIZE], again[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/last", code);
    expect_code(code, "LygHa16AHYF", "the first url_shorten", "first_id is UINT64_MAX");
    url_request req = { .long_url = "https://example.com/last" };
    url_status s = url_shorten(svc, &req, again, sizeof again);
    cr_assert(s == URL_OK && strcmp(again, code) == 0,
              "with dedup on and every id handed out, shortening \"https://example.com/last\" "
              "again returned %s with the code %s, expected URL_OK with %s: a deduplicated "
              "request makes nothing and takes no id, so a full counter does not stop it",
              status_name(s), s == URL_OK ? wb_q(again) : "-", wb_q(code));
    expect_refused(svc, "https://example.com/new", URL_FULL,
                   "a URL with no link yet needs an id, and there is none left");
    url_destroy(svc);
}

Test(level2, an_alias_becomes_the_code)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    alias_ok(svc, "https://example.com/spring-sale", "spring-sale_2025");
    expect_resolves(svc, "spring-sale_2025", "https://example.com/spring-sale",
                    "the link was made with that alias");
    expect_count(svc, 1, "one link was made");
    url_destroy(svc);
}

Test(level2, a_taken_alias_is_refused_and_the_first_link_is_kept)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    alias_ok(svc, "https://example.com/first", "launch");
    url_request req = { .long_url = "https://example.com/second", .alias = "launch" };
    expect_shorten(svc, &req, URL_TAKEN, "\"launch\" is already the code of a link");
    expect_resolves(svc, "launch", "https://example.com/first",
                    "a refused alias must not overwrite the link that has it");
    url_destroy(svc);
}

Test(level2, an_alias_that_is_a_generated_code_is_taken)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/generated", code);
    url_request req = { .long_url = "https://example.com/thief", .alias = code };
    expect_shorten(svc, &req, URL_TAKEN, "the alias is the code the service generated just before");
    expect_resolves(svc, code, "https://example.com/generated", "the generated link is kept");
    url_destroy(svc);
}

Test(level2, aliases_are_case_sensitive)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    alias_ok(svc, "https://example.com/lower", "launch");
    alias_ok(svc, "https://example.com/upper", "Launch");
    expect_resolves(svc, "launch", "https://example.com/lower", "codes are case-sensitive");
    expect_resolves(svc, "Launch", "https://example.com/upper", "codes are case-sensitive");
    url_destroy(svc);
}

Test(level2, reserved_words_are_refused_in_any_case)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    const char *words[] = { "shorten", "api",   "admin",   "health",
                            "stats",   "Admin", "SHORTEN", "hEaLtH" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        url_request req = { .long_url = "https://example.com/", .alias = words[i] };
        expect_shorten(svc, &req, URL_RESERVED,
                       "the reserved words are the front's own paths and misleading names, "
                       "compared without regard to case");
    }
    alias_ok(svc, "https://example.com/", "administrator");
    url_destroy(svc);
}

Test(level2, malformed_aliases_are_refused)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    const char *aliases[] = { "",
                              "has space",
                              "dot.ted",
                              "slash/ed",
                              "percent%20",
                              "caf\xc3\xa9",
                              "123456789012345678901234567890123" };
    const char *whys[] = { "an alias needs at least one character",
                           "a space is not allowed",
                           "'.' is not allowed",
                           "'/' is not allowed",
                           "'%' is not allowed",
                           "non-ASCII bytes are not allowed",
                           "33 characters: the limit is 32" };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        url_request req = { .long_url = "https://example.com/", .alias = aliases[i] };
        expect_shorten(svc, &req, URL_BAD_CODE, whys[i]);
    }
    alias_ok(svc, "https://example.com/", "12345678901234567890123456789012");
    alias_ok(svc, "https://example.com/", "-");
    url_destroy(svc);
}

Test(level2, generated_codes_skip_a_code_taken_by_an_alias)
{
    url_service *svc = new_service(NULL, 100, false);
    alias_ok(svc, "https://example.com/vanity", code_of(101));
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/1", code);
    expect_code(code, code_of(100), "the first url_shorten", "100 is free");
    shorten_ok(svc, "https://example.com/2", code);
    expect_code(code, code_of(102), "the second url_shorten",
                "the code of 101 is someone's alias: the counter skips it");
    expect_resolves(svc, code_of(101), "https://example.com/vanity", "the alias is kept");
    url_destroy(svc);
}

Test(level2, generated_codes_skip_reserved_words)
{
    url_service *svc = new_service(NULL, 141589, false); /* the code of 141590 is "api" */
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/1", code);
    expect_code(code, "aph", "the first url_shorten", "141589 is \"aph\"");
    shorten_ok(svc, "https://example.com/2", code);
    expect_code(code, "apj", "the second url_shorten",
                "141590 is \"api\", a reserved word: the counter skips it");
    url_destroy(svc);
}

Test(level2, the_counter_stops_after_the_largest_id)
{
    url_service *svc = new_service(NULL, UINT64_MAX - 1, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/1", code);
    expect_code(code, code_of(UINT64_MAX - 1), "the first url_shorten",
                "first_id is UINT64_MAX - 1");
    shorten_ok(svc, "https://example.com/2", code);
    expect_code(code, "LygHa16AHYF", "the second url_shorten", "the last id is UINT64_MAX");
    expect_refused(svc, "https://example.com/3", URL_FULL,
                   "every id has been handed out: wrapping around to 0 would start a second "
                   "life of old codes");
    alias_ok(svc, "https://example.com/3", "still-works");
    url_destroy(svc);
}

Test(level2, resolving_an_unknown_code_is_not_found_and_leaves_the_buffer_alone)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/", code);
    char url[16] = "###############";
    size_t len = 777;
    url_status s = url_resolve(svc, "nope", url, sizeof url, &len);
    cr_assert(s == URL_NOT_FOUND, "url_resolve(\"nope\") returned %s, expected URL_NOT_FOUND",
              status_name(s));
    cr_assert(strcmp(url, "###############") == 0,
              "url_resolve of an unknown code wrote %s into the buffer; it must leave it alone",
              wb_qn(url, sizeof url));
    url_destroy(svc);
}

Test(level2, resolving_a_malformed_code_is_not_found)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/", code);
    char *huge = malloc(5001);
    cr_assert(huge != NULL, "out of memory");
    memset(huge, 'a', 5000);
    huge[5000] = '\0';
    const char *codes[] = { "", "a b", "../etc/passwd", "%41", huge };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        expect_not_found(svc, codes[i],
                         "no link has such a code; a malformed or 5000-byte code is just not "
                         "found (and must not overflow a fixed-size buffer)");
    free(huge);
    url_destroy(svc);
}

Test(level2, a_buffer_too_small_gets_too_small_the_length_and_no_hit)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/", code); /* 20 bytes */
    char url[32] = "###############################";
    size_t len = 0;
    url_status s = url_resolve(svc, code, url, 20, &len);
    cr_assert(s == URL_TOO_SMALL,
              "url_resolve into 20 bytes returned %s, expected URL_TOO_SMALL: the URL is 20 "
              "bytes and needs a 21st for its NUL",
              status_name(s));
    cr_assert(len == 20, "url_resolve into a buffer too small set *len to %zu, expected 20", len);
    cr_assert(url[0] == '#', "url_resolve into a buffer too small wrote %s; it must write nothing",
              wb_qn(url, sizeof url));
    expect_hits(svc, code, 0, "a resolve that handed out no URL counts no hit");
    s = url_resolve(svc, code, url, 21, &len);
    cr_assert(s == URL_OK,
              "url_resolve into 21 bytes returned %s, expected URL_OK: 20 bytes and "
              "the NUL fit exactly",
              status_name(s));
    url_destroy(svc);
}

Test(level2, resolve_with_no_buffer_and_cap_0_reports_the_length)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/", code); /* 20 bytes */
    size_t len = 0;
    url_status s = url_resolve(svc, code, NULL, 0, &len);
    cr_assert(s == URL_TOO_SMALL && len == 20,
              "url_resolve(%s, url NULL, cap 0, &len) returned %s with *len %zu, expected "
              "URL_TOO_SMALL with 20: a NULL buffer of capacity 0 is how a caller asks for the "
              "length before allocating (only a NULL buffer with cap > 0 is URL_INVALID)",
              wb_q(code), status_name(s), len);
    expect_hits(svc, code, 0, "asking for the length hands out no URL and counts no hit");
    url_destroy(svc);
}

Test(level2, each_resolve_counts_one_hit)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char a[URL_CODE_SIZE], b[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/a", a);
    shorten_ok(svc, "https://example.com/b", b);
    expect_hits(svc, a, 0, "a new link has no hits");
    for (int i = 0; i < 5; i++)
        expect_resolves(svc, a, "https://example.com/a", "it was shortened");
    expect_resolves(svc, b, "https://example.com/b", "it was shortened");
    expect_hits(svc, a, 5, "it was resolved 5 times");
    expect_hits(svc, a, 5, "url_hits itself counts no hit");
    expect_hits(svc, b, 1, "it was resolved once; hits are counted per link");
    url_destroy(svc);
}

Test(level2, hits_of_an_unknown_code_is_not_found)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    uint64_t hits = 99;
    url_status s = url_hits(svc, "nope", &hits);
    cr_assert(s == URL_NOT_FOUND, "url_hits(\"nope\") returned %s, expected URL_NOT_FOUND",
              status_name(s));
    url_destroy(svc);
}

Test(level2, the_service_keeps_its_own_copy_of_the_url_and_alias)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char url[] = "https://example.com/original";
    char alias[] = "mine";
    url_request req = { .long_url = url, .alias = alias };
    char code[URL_CODE_SIZE];
    url_status s = url_shorten(svc, &req, code, sizeof code);
    cr_assert(s == URL_OK, "url_shorten returned %s, expected URL_OK", status_name(s));
    memcpy(url + 20, "CHANGED!", 8);
    memcpy(alias, "XXXX", 4);
    expect_resolves(svc, "mine", "https://example.com/original",
                    "the caller changed its buffers after the shorten; the service must have "
                    "copied the URL and the alias, not kept the pointers");
    url_destroy(svc);
}

Test(level2, a_code_buffer_below_url_code_size_is_invalid_and_stores_nothing)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE];
    url_request req = { .long_url = "https://example.com/" };
    url_status s = url_shorten(svc, &req, code, URL_CODE_SIZE - 1);
    cr_assert(s == URL_INVALID,
              "url_shorten with a %d-byte code buffer returned %s, expected URL_INVALID: the "
              "buffer must hold URL_CODE_SIZE bytes",
              URL_CODE_SIZE - 1, status_name(s));
    expect_count(svc, 0, "the refused request stored nothing");
    s = url_shorten(svc, &req, NULL, 0);
    cr_assert(s == URL_OK,
              "url_shorten with code NULL returned %s, expected URL_OK: a caller "
              "that does not need the code may pass NULL",
              status_name(s));
    expect_resolves(svc, code_of(FIRST_ID), "https://example.com/",
                    "the refused request used up no id");
    url_destroy(svc);
}

Test(level2, null_arguments_are_invalid_not_a_crash)
{
    url_service *svc = new_service(NULL, FIRST_ID, false);
    char code[URL_CODE_SIZE], url[64];
    uint64_t hits;
    url_request req = { .long_url = "https://example.com/" }, empty = { .long_url = NULL };
    struct {
        url_status got;
        const char *call;
    } calls[] = {
        { url_shorten(NULL, &req, code, sizeof code), "url_shorten(NULL service)" },
        { url_shorten(svc, NULL, code, sizeof code), "url_shorten(NULL request)" },
        { url_shorten(svc, &empty, code, sizeof code), "url_shorten(long_url NULL)" },
        { url_resolve(NULL, "a", url, sizeof url, NULL), "url_resolve(NULL service)" },
        { url_resolve(svc, NULL, url, sizeof url, NULL), "url_resolve(NULL code)" },
        { url_resolve(svc, "a", NULL, 8, NULL), "url_resolve(NULL buffer, cap 8)" },
        { url_hits(NULL, "a", &hits), "url_hits(NULL service)" },
        { url_hits(svc, NULL, &hits), "url_hits(NULL code)" },
        { url_hits(svc, "a", NULL), "url_hits(NULL hits)" },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        cr_assert(calls[i].got == URL_INVALID, "%s returned %s, expected URL_INVALID",
                  calls[i].call, status_name(calls[i].got));
    cr_assert(url_count(NULL) == 0, "url_count(NULL) returned %zu, expected 0", url_count(NULL));
    expect_count(svc, 0, "every call above was refused");
    url_destroy(svc);
}
