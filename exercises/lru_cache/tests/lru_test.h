/*
 * lru_test.h: helpers the lru_cache tests share, so that each test reads as
 * its scenario. Every helper checks through the public header only, and its
 * failure message says what was expected, what came back, and why it matters
 * (the `why` argument, a sentence about the scenario).
 */
#ifndef LRU_TEST_H
#define LRU_TEST_H

#include <stddef.h>
#include <criterion/criterion.h>

#include "lru_cache.h"
#include "wb/test.h"

/* "LRU_OK", "LRU_NOT_FOUND", ... or "an unknown status (17)". */
const char *status_name(lru_status status);

/* lru_create(capacity, clock), failing the test if it returns NULL. */
lru_cache *new_cache(size_t capacity, const wb_clock *clock);

/* lru_put of a text value, failing the test unless it returns LRU_OK. */
void put(lru_cache *cache, const char *key, const char *value);

/* lru_put_ttl of a text value, failing the test unless it returns LRU_OK. */
void put_ttl(lru_cache *cache, const char *key, const char *value, int64_t ttl);

/* lru_get must return LRU_OK and exactly `want` (a text value). */
void expect_value(lru_cache *cache, const char *key, const char *want, const char *why);

/* lru_get must return LRU_NOT_FOUND. */
void expect_missing(lru_cache *cache, const char *key, const char *why);

/* lru_len must return `want`. */
void expect_len(lru_cache *cache, size_t want, const char *why);

/*
 * lru_foreach must visit exactly `n` keys, `keys[0]` (most recently used)
 * first. The message shows both orders.
 */
void expect_order(lru_cache *cache, const char *const *keys, size_t n, const char *why);

/* The keys lru_foreach visits, most recent first, as "[c, b, a]" (a per-thread buffer). */
const char *order_of(lru_cache *cache);

#endif /* LRU_TEST_H */
