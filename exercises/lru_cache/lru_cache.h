/*
 * lru_cache.h: a thread-safe string-to-bytes cache with a fixed capacity that
 * evicts the least recently used entry, and optional per-entry time to live.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in lru_cache.c. Levels (see README.md): 1 basics, 2 eviction,
 * 3 concurrency, 4 time.
 */
#ifndef LRU_CACHE_H
#define LRU_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"

/*
 * Keys are C strings (no NUL inside, "" allowed). Values are byte strings
 * with a length: they may hold any byte, NUL included, as Memcached values
 * do. Both are copied into the cache on the way in and out of it on the way
 * out: no pointer into the cache ever reaches the caller. That is what makes
 * the cache safe to share between threads: if lru_get handed out a pointer
 * to the stored value, another thread's put or eviction could free that
 * memory while the caller was still reading it.
 */
typedef struct lru_cache lru_cache;

/* Every function that can fail returns one of these. */
typedef enum lru_status {
    LRU_OK = 0,    /* done */
    LRU_NOT_FOUND, /* no live entry has that key (absent, evicted or expired) */
    LRU_TOO_SMALL, /* the value does not fit the caller's buffer; nothing was copied */
    LRU_INVALID,   /* a NULL where a pointer is needed, or a TTL out of range */
    LRU_NO_MEMORY  /* an allocation failed; the cache is as it was before the call */
} lru_status;

/* lru_ttl's answer for an entry that never expires. */
#define LRU_NO_TTL INT64_C(-1)

/* ---- Level 1: basics ---------------------------------------------------- */

/*
 * Creates an empty cache that holds at most `capacity` entries. `clock` is
 * where the cache reads the time for TTLs (level 4); NULL means the system's
 * monotonic clock. The cache borrows the clock: it must outlive the cache.
 * Returns NULL if capacity is 0 or memory runs out.
 */
lru_cache *lru_create(size_t capacity, const wb_clock *clock);

/* Frees the cache and every entry in it. NULL is a no-op. Must not run
 * while another thread is using the cache. */
void lru_destroy(lru_cache *cache);

/*
 * Stores a copy of `value` (`len` bytes; NULL is allowed when len is 0)
 * under a copy of `key`. If the key is present, its value is replaced and the
 * entry's TTL is removed. Either way the entry becomes the most recently used.
 * If the cache is full and the key is new, the least recently used entry is
 * evicted first (level 2). Returns LRU_OK, LRU_INVALID or LRU_NO_MEMORY.
 */
lru_status lru_put(lru_cache *cache, const char *key, const void *value, size_t len);

/*
 * Copies the value stored under `key` into `buf` (`cap` bytes). Finding the
 * key is a use: the entry becomes the most recently used, whether or not the
 * value fits.
 * - LRU_OK: the value fits (its length <= cap) and was copied; if there is
 *   room (length < cap) a NUL is stored after it, so text values read as C
 *   strings.
 * - LRU_TOO_SMALL: the value is longer than cap; nothing was copied.
 * - LRU_NOT_FOUND: no live entry has the key.
 * - LRU_INVALID: a NULL cache or key, or a NULL buf with cap > 0.
 * If `len` is not NULL it receives the value's length on LRU_OK and
 * LRU_TOO_SMALL, so a caller can retry with a buffer of the right size; on
 * any other status *len is left untouched. On any status but LRU_OK, `buf` is
 * left untouched. `buf` may be NULL if cap is 0.
 */
lru_status lru_get(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len);

/* Removes the entry under `key`. Returns LRU_OK, LRU_NOT_FOUND if there was
 * no live entry (a key removed twice: the second call says NOT_FOUND), or
 * LRU_INVALID for a NULL cache or key. */
lru_status lru_delete(lru_cache *cache, const char *key);

/* The number of live entries: never more than the capacity, and expired
 * entries do not count (level 4) even before they are reclaimed. 0 for NULL. */
size_t lru_len(lru_cache *cache);

/* ---- Level 2: eviction -------------------------------------------------- */

/* Exactly lru_get (statuses, copies, NULL checks), except that the entry's
 * recency does not change. */
lru_status lru_peek(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len);

/* Called by lru_foreach for each entry; return non-zero to stop early. The
 * pointers are valid only during the call. */
typedef int (*lru_visit_fn)(const char *key, const void *value, size_t len, void *ctx);

/*
 * Calls `visit` for each live entry, from the most recently used to the least
 * recently used, without changing any entry's recency. Returns how many
 * entries were visited (0 for a NULL cache or visit). The cache stays locked
 * during the walk: `visit` must not call back into the cache.
 */
size_t lru_foreach(lru_cache *cache, lru_visit_fn visit, void *ctx);

/* ---- Level 3: concurrency ----------------------------------------------- */

/*
 * No new functions: every function of this header but lru_destroy (level 4's
 * included) may be called by any number of threads at once, and each call
 * acts as if it ran alone.
 */

/* ---- Level 4: time ------------------------------------------------------ */

/*
 * lru_put with a time to live: the entry expires `ttl` nanoseconds from now
 * (by the cache's clock). With now = t, the entry is live while the clock
 * reads less than t + ttl and expired from t + ttl on (a sum past INT64_MAX
 * counts as INT64_MAX). An expired entry is a miss for every function,
 * whether or not it has been reclaimed yet. `ttl` must be > 0 (LRU_INVALID
 * otherwise, and the cache does not change: an entry already under the key
 * stays as it was). Overwriting an entry renews its TTL; like lru_put, it
 * makes the entry the most recently used.
 */
lru_status lru_put_ttl(lru_cache *cache, const char *key, const void *value, size_t len,
                       int64_t ttl);

/*
 * Sets the TTL of the live entry under `key` to `ttl` nanoseconds from now
 * (whatever TTL it had before), or removes its TTL if `ttl` is 0 (the entry
 * then never expires). Does not change the entry's value or recency. An
 * expired entry is not live: it cannot be given new life. Returns LRU_OK,
 * LRU_NOT_FOUND, or LRU_INVALID for a NULL cache or key or a negative ttl.
 */
lru_status lru_expire(lru_cache *cache, const char *key, int64_t ttl);

/*
 * Stores in *remaining the nanoseconds the live entry under `key` has left,
 * or LRU_NO_TTL if it never expires. Does not change recency. Returns LRU_OK,
 * LRU_NOT_FOUND or LRU_INVALID (a NULL cache, key or remaining).
 */
lru_status lru_ttl(lru_cache *cache, const char *key, int64_t *remaining);

/*
 * Reclaims every expired entry still stored and returns how many it
 * reclaimed (0 for NULL). Expired entries are also reclaimed lazily: an
 * expired entry met by get, peek, delete, expire, ttl or put is freed on the
 * spot, and a put into a full cache reclaims expired entries before it evicts
 * a live one. Any function may reclaim more expired entries than that (len,
 * a lookup that cleans up as it goes); lru_sweep counts only what is left.
 */
size_t lru_sweep(lru_cache *cache);

#endif /* LRU_CACHE_H */
