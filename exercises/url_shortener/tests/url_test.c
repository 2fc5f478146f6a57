/*
 * url_test.c: the service helpers of url_test.h (the HTTP client is in
 * url_http.c).
 */
#include "url_test.h"

#include <stdio.h>
#include <string.h>

const char *status_name(url_status status)
{
    static const char *const names[] = {
        [URL_OK] = "URL_OK",
        [URL_NOT_FOUND] = "URL_NOT_FOUND",
        [URL_TOO_SMALL] = "URL_TOO_SMALL",
        [URL_INVALID] = "URL_INVALID",
        [URL_BAD_CODE] = "URL_BAD_CODE",
        [URL_TAKEN] = "URL_TAKEN",
        [URL_RESERVED] = "URL_RESERVED",
        [URL_TOO_LONG] = "URL_TOO_LONG",
        [URL_BAD_CHAR] = "URL_BAD_CHAR",
        [URL_BAD_SCHEME] = "URL_BAD_SCHEME",
        [URL_NO_HOST] = "URL_NO_HOST",
        [URL_LOOP] = "URL_LOOP",
        [URL_FULL] = "URL_FULL",
        [URL_NO_MEMORY] = "URL_NO_MEMORY",
    };
    if ((unsigned)status < sizeof names / sizeof names[0])
        return names[status];
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

const char *code_of(uint64_t id)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static _Thread_local char ring[16][16];
    static _Thread_local unsigned next;
    char *out = ring[next++ % 16], tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = digits[id % 62];
        id /= 62;
    } while (id > 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return out;
}

url_service *new_service(const wb_clock *clock, uint64_t first_id, bool dedup)
{
    url_config config = { .base = BASE, .first_id = first_id, .dedup = dedup, .clock = clock };
    url_service *svc = url_create(&config);
    cr_assert(svc != NULL,
              "url_create(base %s, first_id %llu, dedup %s) returned NULL, expected a new "
              "service",
              wb_q(BASE), (unsigned long long)first_id, dedup ? "on" : "off");
    return svc;
}

void shorten_ok(url_service *svc, const char *long_url, char *code)
{
    url_request req = { .long_url = long_url };
    url_status s = url_shorten(svc, &req, code, URL_CODE_SIZE);
    cr_assert(s == URL_OK, "url_shorten(%s) returned %s, expected URL_OK", wb_q(long_url),
              status_name(s));
}

void shorten_ttl_ok(url_service *svc, const char *long_url, int64_t ttl, char *code)
{
    url_request req = { .long_url = long_url, .ttl = ttl };
    url_status s = url_shorten(svc, &req, code, URL_CODE_SIZE);
    cr_assert(s == URL_OK, "url_shorten(%s, ttl %lld ns) returned %s, expected URL_OK",
              wb_q(long_url), (long long)ttl, status_name(s));
}

void alias_ok(url_service *svc, const char *long_url, const char *alias)
{
    char code[URL_CODE_SIZE] = "";
    url_request req = { .long_url = long_url, .alias = alias };
    url_status s = url_shorten(svc, &req, code, sizeof code);
    cr_assert(s == URL_OK, "url_shorten(%s, alias %s) returned %s, expected URL_OK", wb_q(long_url),
              wb_q(alias), status_name(s));
    cr_assert(strcmp(code, alias) == 0,
              "url_shorten(%s, alias %s) gave the code %s, expected the alias itself",
              wb_q(long_url), wb_q(alias), wb_q(code));
}

void expect_shorten(url_service *svc, const url_request *req, url_status want, const char *why)
{
    size_t before = url_count(svc);
    char code[URL_CODE_SIZE] = "";
    url_status s = url_shorten(svc, req, code, sizeof code);
    cr_assert(s == want, "url_shorten(%s%s%s) returned %s%s%s, expected %s: %s",
              wb_q(req->long_url), req->alias ? ", alias " : "", req->alias ? wb_q(req->alias) : "",
              status_name(s), s == URL_OK ? " with the code " : "", s == URL_OK ? wb_q(code) : "",
              status_name(want), why);
    if (want == URL_OK)
        return;
    size_t after = url_count(svc);
    cr_assert(after == before,
              "url_shorten(%s) returned %s as it should, but url_count went from %zu to %zu: a "
              "refused request must store nothing",
              wb_q(req->long_url), status_name(s), before, after);
}

void expect_refused(url_service *svc, const char *long_url, url_status want, const char *why)
{
    url_request req = { .long_url = long_url };
    expect_shorten(svc, &req, want, why);
}

void expect_accepted(url_service *svc, const char *long_url, const char *why)
{
    url_request req = { .long_url = long_url };
    expect_shorten(svc, &req, URL_OK, why);
}

void expect_code(const char *got, const char *want, const char *what, const char *why)
{
    cr_assert(strcmp(got, want) == 0, "%s gave the code %s, expected %s: %s", what, wb_q(got),
              wb_q(want), why);
}

void expect_resolves(url_service *svc, const char *code, const char *want, const char *why)
{
    char url[URL_MAX_LEN + 1];
    size_t len = 0;
    url_status s = url_resolve(svc, code, url, sizeof url, &len);
    cr_assert(s == URL_OK, "url_resolve(%s) returned %s, expected URL_OK with %s: %s", wb_q(code),
              status_name(s), wb_q(want), why);
    cr_assert(strcmp(url, want) == 0, "url_resolve(%s) gave %s, expected %s: %s", wb_q(code),
              wb_q(url), wb_q(want), why);
    cr_assert(len == strlen(want),
              "url_resolve(%s) set *len to %zu, expected %zu, the length of %s", wb_q(code), len,
              strlen(want), wb_q(want));
}

void expect_not_found(url_service *svc, const char *code, const char *why)
{
    char url[URL_MAX_LEN + 1] = "";
    url_status s = url_resolve(svc, code, url, sizeof url, NULL);
    cr_assert(s == URL_NOT_FOUND, "url_resolve(%s) returned %s%s%s, expected URL_NOT_FOUND: %s",
              wb_q(code), status_name(s), s == URL_OK ? " with " : "", s == URL_OK ? wb_q(url) : "",
              why);
}

void expect_hits(url_service *svc, const char *code, uint64_t want, const char *why)
{
    uint64_t hits = 987654321;
    url_status s = url_hits(svc, code, &hits);
    cr_assert(s == URL_OK, "url_hits(%s) returned %s, expected URL_OK: %s", wb_q(code),
              status_name(s), why);
    cr_assert(hits == want, "url_hits(%s) gave %llu, expected %llu: %s", wb_q(code),
              (unsigned long long)hits, (unsigned long long)want, why);
}

void expect_count(url_service *svc, size_t want, const char *why)
{
    size_t got = url_count(svc);
    cr_assert(got == want, "url_count returned %zu, expected %zu: %s", got, want, why);
}
