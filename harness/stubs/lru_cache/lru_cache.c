/*
 * lru_cache.c: your LRU cache. The contract is in lru_cache.h; the levels,
 * the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone.
 */
#include "lru_cache.h"

#include "wb/todo.h"

/* Your cache: what does it need to find a key fast, and to know which entry
 * was used least recently? (Level 3 adds a lock; level 4 the clock.) */
struct lru_cache {
    size_t capacity;
};

/* ---- Level 1: basics ---- */

lru_cache *lru_create(size_t capacity, const wb_clock *clock)
{
    TODO(1, capacity, clock);
}

void lru_destroy(lru_cache *cache)
{
    TODO(1, cache);
}

lru_status lru_put(lru_cache *cache, const char *key, const void *value, size_t len)
{
    TODO(1, cache, key, value, len);
}

lru_status lru_get(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len)
{
    TODO(1, cache, key, buf, cap, len);
}

lru_status lru_delete(lru_cache *cache, const char *key)
{
    TODO(1, cache, key);
}

size_t lru_len(lru_cache *cache)
{
    TODO(1, cache);
}

/* ---- Level 2: eviction ---- */

lru_status lru_peek(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len)
{
    TODO(2, cache, key, buf, cap, len);
}

size_t lru_foreach(lru_cache *cache, lru_visit_fn visit, void *ctx)
{
    TODO(2, cache, visit, ctx);
}

/* ---- Level 3: concurrency (no new functions: make the ones above thread-safe) ---- */

/* ---- Level 4: time ---- */

lru_status lru_put_ttl(lru_cache *cache, const char *key, const void *value, size_t len,
                       int64_t ttl)
{
    TODO(4, cache, key, value, len, ttl);
}

lru_status lru_expire(lru_cache *cache, const char *key, int64_t ttl)
{
    TODO(4, cache, key, ttl);
}

lru_status lru_ttl(lru_cache *cache, const char *key, int64_t *remaining)
{
    TODO(4, cache, key, remaining);
}

size_t lru_sweep(lru_cache *cache)
{
    TODO(4, cache);
}
