/*
 * lru_test.c: the helpers of lru_test.h.
 */
#include "lru_test.h"

#include <stdio.h>
#include <string.h>

const char *status_name(lru_status status)
{
    switch (status) {
    case LRU_OK:
        return "LRU_OK";
    case LRU_NOT_FOUND:
        return "LRU_NOT_FOUND";
    case LRU_TOO_SMALL:
        return "LRU_TOO_SMALL";
    case LRU_INVALID:
        return "LRU_INVALID";
    case LRU_NO_MEMORY:
        return "LRU_NO_MEMORY";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

lru_cache *new_cache(size_t capacity, const wb_clock *clock)
{
    lru_cache *cache = lru_create(capacity, clock);
    cr_assert(cache != NULL, "lru_create(%zu, %s) returned NULL, expected a new cache", capacity,
              clock ? "a clock" : "NULL");
    return cache;
}

void put(lru_cache *cache, const char *key, const char *value)
{
    lru_status s = lru_put(cache, key, value, strlen(value));
    cr_assert(s == LRU_OK, "lru_put(%s, %s) returned %s, expected LRU_OK", wb_q(key), wb_q(value),
              status_name(s));
}

void put_ttl(lru_cache *cache, const char *key, const char *value, int64_t ttl)
{
    lru_status s = lru_put_ttl(cache, key, value, strlen(value), ttl);
    cr_assert(s == LRU_OK, "lru_put_ttl(%s, %s, ttl %lld ns) returned %s, expected LRU_OK",
              wb_q(key), wb_q(value), (long long)ttl, status_name(s));
}

void expect_value(lru_cache *cache, const char *key, const char *want, const char *why)
{
    char buf[512];
    size_t len = 0;
    lru_status s = lru_get(cache, key, buf, sizeof buf, &len);
    cr_assert(s == LRU_OK, "lru_get(%s) returned %s, expected LRU_OK with %s: %s", wb_q(key),
              status_name(s), wb_q(want), why);
    cr_assert(len == strlen(want) && memcmp(buf, want, len) == 0,
              "lru_get(%s) gave %s, expected %s: %s", wb_q(key),
              wb_qn(buf, len < sizeof buf ? len : sizeof buf), wb_q(want), why);
}

void expect_missing(lru_cache *cache, const char *key, const char *why)
{
    char buf[512];
    size_t len = 0;
    lru_status s = lru_get(cache, key, buf, sizeof buf, &len);
    cr_assert(s == LRU_NOT_FOUND, "lru_get(%s) returned %s%s%s, expected LRU_NOT_FOUND: %s",
              wb_q(key), status_name(s), s == LRU_OK ? " with " : "",
              s == LRU_OK ? wb_qn(buf, len < sizeof buf ? len : sizeof buf) : "", why);
}

void expect_len(lru_cache *cache, size_t want, const char *why)
{
    size_t got = lru_len(cache);
    cr_assert(got == want, "lru_len returned %zu, expected %zu: %s", got, want, why);
}

/* ---- recency order, as lru_foreach shows it ---- */

enum { ORDER_MAX = 300 };

struct order {
    size_t n;
    char keys[ORDER_MAX][32];
};

static int collect(const char *key, const void *value, size_t len, void *ctx)
{
    (void)value, (void)len;
    struct order *o = ctx;
    if (o->n < ORDER_MAX)
        snprintf(o->keys[o->n], sizeof o->keys[0], "%s", key);
    o->n++;
    return 0;
}

/* Formats up to 40 keys as "[a, b, ...]" into out. */
static void format_keys(char *out, size_t size, const char *const *keys, size_t n)
{
    size_t used = (size_t)snprintf(out, size, "[");
    for (size_t i = 0; i < n && used < size; i++) {
        if (i == 40) {
            used += (size_t)snprintf(out + used, size - used, ", ... %zu more", n - i);
            break;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", keys[i]);
    }
    if (used < size)
        snprintf(out + used, size - used, "]");
}

static void format_order(char *out, size_t size, const struct order *o)
{
    static _Thread_local const char *keys[ORDER_MAX];
    size_t n = o->n < ORDER_MAX ? o->n : ORDER_MAX;
    for (size_t i = 0; i < n; i++)
        keys[i] = o->keys[i];
    format_keys(out, size, keys, n);
}

const char *order_of(lru_cache *cache)
{
    static _Thread_local struct order o;
    static _Thread_local char text[1024];
    o.n = 0;
    lru_foreach(cache, collect, &o);
    format_order(text, sizeof text, &o);
    return text;
}

void expect_order(lru_cache *cache, const char *const *keys, size_t n, const char *why)
{
    static struct order o;
    o.n = 0;
    size_t visited = lru_foreach(cache, collect, &o);
    int same = visited == n && o.n == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(o.keys[i], keys[i]) == 0;
    if (same)
        return;
    char want[1024], got[1024];
    format_keys(want, sizeof want, keys, n);
    format_order(got, sizeof got, &o);
    cr_assert_fail("lru_foreach visited %zu entries %s (returned %zu), expected %zu entries %s, "
                   "most recently used first: %s",
                   o.n, got, visited, n, want, why);
}
