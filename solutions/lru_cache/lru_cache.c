/*
 * lru_cache.c: the reference LRU cache (see exercises/lru_cache/lru_cache.h).
 *
 * One mutex guards three structures that share the same entries:
 *   - a chained hash table from key to entry, for O(1) lookups;
 *   - a doubly linked list in recency order, newest first, so that "make
 *     this entry the most recent" and "evict the least recent" are O(1);
 *   - a binary min-heap of the entries that have a TTL, ordered by expiry,
 *     so that every expired entry sits at the top: reclaiming k of them is
 *     O(k log n), and "are there any?" is one comparison.
 * The textbook LRU has the first two; the heap is what makes "expired
 * entries do not count toward the length" exact without scanning.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include "lru_cache.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NOT_IN_HEAP SIZE_MAX

/*
 * One allocation per entry: the bookkeeping, then the key and the value side
 * by side, so that a lookup touches as few cache lines as it can. The fields
 * a lookup reads come first.
 */
struct entry {
    struct entry *chain; /* next entry in the same hash bucket */
    uint64_t hash;       /* hash of the key: most mismatches end on it */
    size_t key_len;
    size_t value_len;            /* bytes of value stored after the key */
    size_t room;                 /* bytes the value may grow to without a new allocation */
    struct entry *newer, *older; /* neighbours in recency order; NULL at the ends */
    size_t heap_index;           /* position in the TTL heap, or NOT_IN_HEAP if none */
    int64_t expires;             /* clock reading from which the entry is expired, if in the heap */
    char data[];                 /* the key, a NUL, then the value */
};

static char *value_of(struct entry *e)
{
    return e->data + e->key_len + 1;
}

/*
 * Invariants, whenever the lock is free:
 *   - every stored entry is in exactly one bucket chain and in the list;
 *   - newest..oldest lists all `count` entries, most recently used first;
 *   - count <= capacity;
 *   - the heap holds exactly the entries with a TTL; heap[0] expires first,
 *     and heap[i]->heap_index == i.
 * Expired entries may still be stored (until something reclaims them), so
 * `count` may exceed the number of live entries; lru_len reclaims first.
 */
struct lru_cache {
    pthread_mutex_t lock;
    const wb_clock *clock;  /* borrowed; NULL means monotonic */
    size_t capacity;        /* most entries ever stored */
    size_t count;           /* entries stored */
    struct entry **buckets; /* mask + 1 chains, a power of two */
    size_t mask;
    struct entry *newest, *oldest;
    struct entry **heap; /* heap_len entries with a TTL, in heap_cap slots */
    size_t heap_len, heap_cap;
};

enum { MIN_BUCKETS = 16 };

/* FNV-1a, 64-bit: short, well known, good enough for keys of a few bytes. */
static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * UINT64_C(1099511628211);
    return h;
}

/* ---- the TTL heap -------------------------------------------------------- */

static void heap_place(lru_cache *c, struct entry *e, size_t i)
{
    c->heap[i] = e;
    e->heap_index = i;
}

static void sift_up(lru_cache *c, size_t i)
{
    struct entry *e = c->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (c->heap[parent]->expires <= e->expires)
            break;
        heap_place(c, c->heap[parent], i);
        i = parent;
    }
    heap_place(c, e, i);
}

static void sift_down(lru_cache *c, size_t i)
{
    struct entry *e = c->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= c->heap_len)
            break;
        if (child + 1 < c->heap_len && c->heap[child + 1]->expires < c->heap[child]->expires)
            child++;
        if (e->expires <= c->heap[child]->expires)
            break;
        heap_place(c, c->heap[child], i);
        i = child;
    }
    heap_place(c, e, i);
}

/* Makes room for one more heap slot. Returns false if memory ran out. */
static bool heap_reserve(lru_cache *c)
{
    if (c->heap_len < c->heap_cap)
        return true;
    size_t cap = c->heap_cap ? 2 * c->heap_cap : 16;
    struct entry **heap = realloc(c->heap, cap * sizeof *heap);
    if (heap == NULL)
        return false;
    c->heap = heap;
    c->heap_cap = cap;
    return true;
}

/* Gives e the expiry `expires`, adding it to the heap if needed (room reserved). */
static void heap_set(lru_cache *c, struct entry *e, int64_t expires)
{
    e->expires = expires;
    if (e->heap_index == NOT_IN_HEAP) {
        assert(c->heap_len < c->heap_cap);
        heap_place(c, e, c->heap_len++);
    }
    sift_up(c, e->heap_index);
    sift_down(c, e->heap_index);
}

static void heap_remove(lru_cache *c, struct entry *e)
{
    size_t i = e->heap_index;
    if (i == NOT_IN_HEAP)
        return;
    e->heap_index = NOT_IN_HEAP;
    struct entry *last = c->heap[--c->heap_len];
    if (last == e)
        return;
    heap_place(c, last, i);
    sift_up(c, i);
    sift_down(c, last->heap_index);
}

/* ---- the recency list ----------------------------------------------------- */

static void list_unlink(lru_cache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
}

static void list_push_newest(lru_cache *c, struct entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
}

static void touch(lru_cache *c, struct entry *e)
{
    if (c->newest == e)
        return;
    list_unlink(c, e);
    list_push_newest(c, e);
}

/* ---- the hash table -------------------------------------------------------- */

static struct entry **chain_of(lru_cache *c, uint64_t hash)
{
    return &c->buckets[hash & c->mask];
}

/* Doubles the table when it is 3/4 full, until it has room for the capacity.
 * If memory runs out the table stays as it is: chains get longer, nothing is lost. */
static void maybe_grow(lru_cache *c)
{
    size_t n = c->mask + 1;
    if (c->count <= n / 4 * 3 || n / 4 * 3 >= c->capacity || n > SIZE_MAX / 2 / sizeof(void *))
        return;
    struct entry **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct entry *e = c->buckets[i];
        while (e != NULL) {
            struct entry *next = e->chain;
            struct entry **head = &buckets[e->hash & (2 * n - 1)];
            e->chain = *head;
            *head = e;
            e = next;
        }
    }
    free(c->buckets);
    c->buckets = buckets;
    c->mask = 2 * n - 1;
}

/* ---- entries ---------------------------------------------------------------- */

static bool is_expired(const struct entry *e, int64_t now)
{
    return e->heap_index != NOT_IN_HEAP && now >= e->expires;
}

/* The time, read only when some entry has a TTL (otherwise no answer depends on it). */
static int64_t now_if_needed(lru_cache *c)
{
    return c->heap_len > 0 ? wb_now(c->clock) : 0;
}

/* Unlinks e from all three structures and frees it. */
static void remove_entry(lru_cache *c, struct entry *e)
{
    struct entry **link = chain_of(c, e->hash);
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    list_unlink(c, e);
    heap_remove(c, e);
    c->count--;
    free(e);
}

/* Reclaims every expired entry (they are all at the top of the heap). */
static size_t reclaim_expired(lru_cache *c, int64_t now)
{
    size_t n = 0;
    while (c->heap_len > 0 && is_expired(c->heap[0], now)) {
        remove_entry(c, c->heap[0]);
        n++;
    }
    return n;
}

/* The live entry under key at time `now`, or NULL. An expired one found is reclaimed. */
static struct entry *find(lru_cache *c, const char *key, size_t key_len, uint64_t hash, int64_t now)
{
    for (struct entry *e = *chain_of(c, hash); e != NULL; e = e->chain) {
        if (e->hash != hash || e->key_len != key_len || memcmp(e->data, key, key_len) != 0)
            continue;
        if (is_expired(e, now)) {
            remove_entry(c, e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* A new entry holding copies of key and value, with room for a value of `room` bytes. */
static struct entry *new_entry(const char *key, size_t key_len, uint64_t hash, const void *value,
                               size_t len, size_t room)
{
    struct entry *e = malloc(sizeof *e + key_len + 1 + room);
    if (e == NULL)
        return NULL;
    *e = (struct entry){
        .hash = hash, .key_len = key_len, .value_len = len, .room = room, .heap_index = NOT_IN_HEAP
    };
    memcpy(e->data, key, key_len + 1);
    if (len > 0)
        memcpy(value_of(e), value, len);
    return e;
}

/*
 * Puts `fresh` where `old` is, in the bucket chain, the list and the heap,
 * and frees `old`: how an overwrite grows a value past the entry's room.
 */
static void replace_entry(lru_cache *c, struct entry *old, struct entry *fresh)
{
    struct entry **link = chain_of(c, old->hash);
    while (*link != old)
        link = &(*link)->chain;
    *link = fresh;
    fresh->chain = old->chain;
    fresh->newer = old->newer;
    fresh->older = old->older;
    *(fresh->newer ? &fresh->newer->older : &c->newest) = fresh;
    *(fresh->older ? &fresh->older->newer : &c->oldest) = fresh;
    fresh->expires = old->expires;
    if (old->heap_index != NOT_IN_HEAP)
        heap_place(c, fresh, old->heap_index);
    free(old);
}

/* Stores value in e, in place when it fits. Returns the entry (maybe moved), or NULL
 * if memory ran out, in which case e is unchanged. */
static struct entry *set_value(lru_cache *c, struct entry *e, const void *value, size_t len)
{
    if (len > e->room) {
        struct entry *fresh = new_entry(e->data, e->key_len, e->hash, value, len, len);
        if (fresh == NULL)
            return NULL;
        replace_entry(c, e, fresh);
        return fresh;
    }
    if (len > 0)
        memcpy(value_of(e), value, len);
    e->value_len = len;
    return e;
}

/* ---- the public functions ------------------------------------------------------ */

lru_cache *lru_create(size_t capacity, const wb_clock *clock)
{
    if (capacity == 0)
        return NULL;
    lru_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->buckets = calloc(MIN_BUCKETS, sizeof *c->buckets);
    /* glibc's adaptive mutex spins a little before it sleeps: the lock is held for tens of
     * nanoseconds, far less than a futex sleep and wake-up cost a waiting thread. */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    int failed = pthread_mutex_init(&c->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (c->buckets == NULL || failed) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    c->mask = MIN_BUCKETS - 1;
    c->capacity = capacity;
    c->clock = clock;
    return c;
}

void lru_destroy(lru_cache *cache)
{
    if (cache == NULL)
        return;
    struct entry *e = cache->newest;
    while (e != NULL) {
        struct entry *older = e->older;
        free(e);
        e = older;
    }
    free(cache->buckets);
    free(cache->heap);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

/* put and put_ttl: ttl 0 means "never expires". */
static lru_status store(lru_cache *c, const char *key, const void *value, size_t len, int64_t ttl)
{
    if (c == NULL || key == NULL || (value == NULL && len > 0) || ttl < 0)
        return LRU_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);

    pthread_mutex_lock(&c->lock);
    lru_status status = LRU_NO_MEMORY;
    if (ttl > 0 && !heap_reserve(c))
        goto out;
    int64_t now = ttl > 0 ? wb_now(c->clock) : now_if_needed(c);
    struct entry *e = find(c, key, key_len, hash, now);
    if (e != NULL) {
        /* An overwrite: new value, new TTL (or none), most recent. */
        e = set_value(c, e, value, len);
        if (e == NULL)
            goto out;
        touch(c, e);
    } else {
        /* Allocate before evicting, so that a failure leaves the cache as it was. */
        e = new_entry(key, key_len, hash, value, len, len);
        if (e == NULL)
            goto out;
        if (c->count == c->capacity)
            reclaim_expired(c, now);
        if (c->count == c->capacity)
            remove_entry(c, c->oldest);
        struct entry **head = chain_of(c, hash);
        e->chain = *head;
        *head = e;
        list_push_newest(c, e);
        c->count++;
        maybe_grow(c);
    }
    if (ttl > 0)
        heap_set(c, e, ttl > INT64_MAX - now ? INT64_MAX : now + ttl);
    else
        heap_remove(c, e);
    status = LRU_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return status;
}

lru_status lru_put(lru_cache *cache, const char *key, const void *value, size_t len)
{
    return store(cache, key, value, len, 0);
}

lru_status lru_put_ttl(lru_cache *cache, const char *key, const void *value, size_t len,
                       int64_t ttl)
{
    if (ttl <= 0)
        return LRU_INVALID;
    return store(cache, key, value, len, ttl);
}

/* get and peek. */
static lru_status lookup(lru_cache *c, const char *key, void *buf, size_t cap, size_t *len,
                         bool refresh)
{
    if (c == NULL || key == NULL || (buf == NULL && cap > 0))
        return LRU_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);

    pthread_mutex_lock(&c->lock);
    lru_status status = LRU_NOT_FOUND;
    struct entry *e = find(c, key, key_len, hash, now_if_needed(c));
    if (e != NULL) {
        if (len != NULL)
            *len = e->value_len;
        status = LRU_TOO_SMALL;
        if (e->value_len <= cap) {
            if (e->value_len > 0)
                memcpy(buf, value_of(e), e->value_len);
            if (e->value_len < cap)
                ((char *)buf)[e->value_len] = '\0';
            status = LRU_OK;
        }
        if (refresh)
            touch(c, e);
    }
    pthread_mutex_unlock(&c->lock);
    return status;
}

lru_status lru_get(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len)
{
    return lookup(cache, key, buf, cap, len, true);
}

lru_status lru_peek(lru_cache *cache, const char *key, void *buf, size_t cap, size_t *len)
{
    return lookup(cache, key, buf, cap, len, false);
}

lru_status lru_delete(lru_cache *cache, const char *key)
{
    if (cache == NULL || key == NULL)
        return LRU_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);

    pthread_mutex_lock(&cache->lock);
    struct entry *e = find(cache, key, key_len, hash, now_if_needed(cache));
    if (e != NULL)
        remove_entry(cache, e);
    pthread_mutex_unlock(&cache->lock);
    return e != NULL ? LRU_OK : LRU_NOT_FOUND;
}

size_t lru_len(lru_cache *cache)
{
    if (cache == NULL)
        return 0;
    pthread_mutex_lock(&cache->lock);
    reclaim_expired(cache, now_if_needed(cache));
    size_t n = cache->count;
    pthread_mutex_unlock(&cache->lock);
    return n;
}

size_t lru_foreach(lru_cache *cache, lru_visit_fn visit, void *ctx)
{
    if (cache == NULL || visit == NULL)
        return 0;
    pthread_mutex_lock(&cache->lock);
    int64_t now = now_if_needed(cache);
    size_t visited = 0;
    for (struct entry *e = cache->newest; e != NULL; e = e->older) {
        if (is_expired(e, now))
            continue;
        visited++;
        if (visit(e->data, value_of(e), e->value_len, ctx) != 0)
            break;
    }
    pthread_mutex_unlock(&cache->lock);
    return visited;
}

lru_status lru_expire(lru_cache *cache, const char *key, int64_t ttl)
{
    if (cache == NULL || key == NULL || ttl < 0)
        return LRU_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);

    pthread_mutex_lock(&cache->lock);
    lru_status status = LRU_NOT_FOUND;
    int64_t now = wb_now(cache->clock);
    struct entry *e = find(cache, key, key_len, hash, now);
    if (e != NULL && ttl == 0) {
        heap_remove(cache, e);
        status = LRU_OK;
    } else if (e != NULL && (e->heap_index != NOT_IN_HEAP || heap_reserve(cache))) {
        heap_set(cache, e, ttl > INT64_MAX - now ? INT64_MAX : now + ttl);
        status = LRU_OK;
    } else if (e != NULL) {
        status = LRU_NO_MEMORY;
    }
    pthread_mutex_unlock(&cache->lock);
    return status;
}

lru_status lru_ttl(lru_cache *cache, const char *key, int64_t *remaining)
{
    if (cache == NULL || key == NULL || remaining == NULL)
        return LRU_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);

    pthread_mutex_lock(&cache->lock);
    int64_t now = now_if_needed(cache);
    struct entry *e = find(cache, key, key_len, hash, now);
    if (e != NULL)
        *remaining = e->heap_index == NOT_IN_HEAP ? LRU_NO_TTL : e->expires - now;
    pthread_mutex_unlock(&cache->lock);
    return e != NULL ? LRU_OK : LRU_NOT_FOUND;
}

size_t lru_sweep(lru_cache *cache)
{
    if (cache == NULL)
        return 0;
    pthread_mutex_lock(&cache->lock);
    size_t n = reclaim_expired(cache, now_if_needed(cache));
    pthread_mutex_unlock(&cache->lock);
    return n;
}
