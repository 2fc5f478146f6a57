/*
 * rate_limiter.c: the reference rate limiters (see exercises/rate_limiter/rate_limiter.h).
 *
 * Two layers. The first is the four algorithms, each a small state (a union
 * of 16 bytes, plus the log's ring of timestamps) and four operations on it:
 * bring it to time `now`, say how many units it would grant, take n, and say
 * when it will be idle. The single-key rl_limiter is one state with its
 * parameters and its clock. The second layer, rl_keyed, is a hash table of
 * states under one mutex, with a min-heap ordered by "cannot be idle before",
 * so that idle keys are found without scanning the table.
 *
 * Where it differs from the textbooks: time is the latest clock reading seen
 * (a clock that steps back changes nothing), and nothing refused is counted.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include "rate_limiter.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- the four algorithms, on one key's state ------------------------------ */

/* What every key of a limiter shares. */
struct rl_params {
    rl_algorithm algorithm;
    uint32_t limit; /* the burst, or the units per window */
    double rate;    /* token bucket: tokens per second */
    int64_t window; /* window algorithms: ns */
    int64_t origin; /* window k is [origin + k * window, origin + (k + 1) * window) */
};

/* One key's state. Each member of the union belongs to one algorithm. */
union rl_state {
    struct {
        double tokens; /* 0 <= tokens <= limit, as of time `last` */
        int64_t last;
    } bucket;
    struct {
        int64_t index;     /* the window the counts belong to */
        uint32_t count;    /* units granted in window `index`; count <= limit */
        uint32_t previous; /* sliding counter: units granted in window index - 1 */
    } window;
    struct {
        uint32_t head; /* the ring slot of the oldest stamp that may still count */
        uint32_t len;  /* stamps held, oldest first from head; len <= limit */
    } log;
};

static bool params_valid(const struct rl_params *p)
{
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET:
        return p->limit > 0 && isfinite(p->rate) && p->rate > 0;
    case RL_SLIDING_LOG:
    case RL_FIXED_WINDOW:
    case RL_SLIDING_COUNTER:
        return p->limit > 0 && p->window > 0;
    }
    return false;
}

/* How many timestamps a state of these parameters carries after it. */
static size_t stamps_of(const struct rl_params *p)
{
    return p->algorithm == RL_SLIDING_LOG ? p->limit : 0;
}

static int64_t add_saturating(int64_t a, int64_t b)
{
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The state of a key that has never asked, at time `now`: a full bucket, empty counts. */
static void state_init(const struct rl_params *p, union rl_state *s, int64_t now)
{
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET:
        s->bucket.tokens = p->limit;
        s->bucket.last = now;
        break;
    case RL_SLIDING_LOG:
        s->log.head = 0;
        s->log.len = 0;
        break;
    case RL_FIXED_WINDOW:
    case RL_SLIDING_COUNTER:
        s->window.index = (now - p->origin) / p->window;
        s->window.count = 0;
        s->window.previous = 0;
        break;
    }
}

/*
 * Brings the state to time `now` (never earlier than the state's own time):
 * refills the bucket, moves the window counts, drops the log stamps that no
 * longer count. Doing it at any extra moment changes no answer.
 */
static void state_advance(const struct rl_params *p, union rl_state *s, const int64_t *stamps,
                          int64_t now)
{
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET: {
        /* rate * d / 1e9 rather than d * (rate / 1e9): exact whenever the answer is. */
        double tokens = s->bucket.tokens + (double)(now - s->bucket.last) * p->rate / 1e9;
        s->bucket.tokens = tokens < p->limit ? tokens : p->limit;
        s->bucket.last = now;
        break;
    }
    case RL_SLIDING_LOG:
        /* A stamp s counts while now - s < window; compare by subtraction, never s + window. */
        while (s->log.len > 0 && now - stamps[s->log.head] >= p->window) {
            s->log.head = (s->log.head + 1) % p->limit;
            s->log.len--;
        }
        break;
    case RL_FIXED_WINDOW:
    case RL_SLIDING_COUNTER: {
        int64_t index = (now - p->origin) / p->window;
        if (index == s->window.index)
            break;
        /* The count becomes the previous window's only if that window is the one just before. */
        s->window.previous = index == s->window.index + 1 ? s->window.count : 0;
        s->window.count = 0;
        s->window.index = index;
        break;
    }
    }
}

/* The largest n the state would grant at `now` (already advanced to now). */
static uint32_t state_remaining(const struct rl_params *p, const union rl_state *s, int64_t now)
{
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET:
        return (uint32_t)s->bucket.tokens; /* tokens >= 0: the cast is floor() */
    case RL_SLIDING_LOG:
        return p->limit - s->log.len;
    case RL_FIXED_WINDOW:
        return p->limit - s->window.count;
    case RL_SLIDING_COUNTER: {
        /* floor(limit - previous * (window - e) / window - count), e ns into the window. */
        int64_t e = (now - p->origin) % p->window;
        double carried = (double)s->window.previous * (double)(p->window - e) / (double)p->window;
        double room = (double)(p->limit - s->window.count) - carried;
        return room > 0 ? (uint32_t)room : 0;
    }
    }
    return 0;
}

/* Takes n units at `now`; n <= state_remaining. */
static void state_take(const struct rl_params *p, union rl_state *s, int64_t *stamps, int64_t now,
                       uint32_t n)
{
    assert(n <= state_remaining(p, s, now));
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET:
        s->bucket.tokens -= n;
        break;
    case RL_SLIDING_LOG:
        /* One stamp per unit, so that each unit leaves the window on its own. */
        for (uint32_t i = 0; i < n; i++) {
            stamps[((size_t)s->log.head + s->log.len) % p->limit] = now;
            s->log.len++;
        }
        break;
    case RL_FIXED_WINDOW:
    case RL_SLIDING_COUNTER:
        s->window.count += n;
        break;
    }
}

/* Is the state the one a new key would have (advanced to now)? Then forgetting it is safe. */
static bool state_is_idle(const struct rl_params *p, const union rl_state *s)
{
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET:
        return s->bucket.tokens >= p->limit;
    case RL_SLIDING_LOG:
        return s->log.len == 0;
    case RL_FIXED_WINDOW:
        return s->window.count == 0;
    case RL_SLIDING_COUNTER:
        return s->window.count == 0 && s->window.previous == 0;
    }
    return true;
}

/* A time before which the state cannot be idle unless something is taken. A lower bound:
 * the heap of rl_keyed checks state_is_idle when the time comes. */
static int64_t state_idle_from(const struct rl_params *p, const union rl_state *s,
                               const int64_t *stamps)
{
    if (state_is_idle(p, s))
        return INT64_MIN;
    switch (p->algorithm) {
    case RL_TOKEN_BUCKET: {
        double wait = (p->limit - s->bucket.tokens) * 1e9 / p->rate;
        return wait >= 9e18 ? INT64_MAX : add_saturating(s->bucket.last, (int64_t)wait - 1);
    }
    case RL_SLIDING_LOG: {
        int64_t newest = stamps[((size_t)s->log.head + s->log.len - 1) % p->limit];
        return add_saturating(newest, p->window);
    }
    case RL_FIXED_WINDOW:
    case RL_SLIDING_COUNTER: {
        /* Not idle: the current count empties at the next window's start; for the counter,
         * a count still weighs in as the previous one during the window after. */
        int64_t windows = s->window.index + (s->window.count > 0 ? 1 : 0) +
                          (p->algorithm == RL_SLIDING_COUNTER ? 1 : 0);
        if (windows > INT64_MAX / p->window)
            return INT64_MAX;
        return add_saturating(p->origin, windows * p->window);
    }
    }
    return INT64_MIN;
}

/* The time a limiter acts at: the clock, but never earlier than the latest time acted on. */
static int64_t act_at(int64_t *latest, int64_t reading)
{
    if (reading > *latest)
        *latest = reading;
    return *latest;
}

/* ---- one limiter, one key ------------------------------------------------------ */

struct rl_limiter {
    struct rl_params params;
    const wb_clock *clock; /* borrowed; NULL means monotonic */
    int64_t latest;        /* the latest clock reading acted on */
    union rl_state state;
    int64_t stamps[]; /* sliding log: a ring of `limit` stamps */
};

static rl_limiter *limiter_new(struct rl_params p, const wb_clock *clock)
{
    if (!params_valid(&p))
        return NULL;
    rl_limiter *l = malloc(sizeof *l + stamps_of(&p) * sizeof l->stamps[0]);
    if (l == NULL)
        return NULL;
    p.origin = wb_now(clock);
    l->params = p;
    l->clock = clock;
    l->latest = p.origin;
    state_init(&l->params, &l->state, p.origin);
    return l;
}

rl_limiter *rl_token_bucket(double rate, uint32_t burst, const wb_clock *clock)
{
    return limiter_new(
        (struct rl_params){ .algorithm = RL_TOKEN_BUCKET, .limit = burst, .rate = rate }, clock);
}

rl_limiter *rl_sliding_log(uint32_t limit, int64_t window, const wb_clock *clock)
{
    return limiter_new(
        (struct rl_params){ .algorithm = RL_SLIDING_LOG, .limit = limit, .window = window }, clock);
}

rl_limiter *rl_fixed_window(uint32_t limit, int64_t window, const wb_clock *clock)
{
    return limiter_new(
        (struct rl_params){ .algorithm = RL_FIXED_WINDOW, .limit = limit, .window = window },
        clock);
}

rl_limiter *rl_sliding_counter(uint32_t limit, int64_t window, const wb_clock *clock)
{
    return limiter_new(
        (struct rl_params){ .algorithm = RL_SLIDING_COUNTER, .limit = limit, .window = window },
        clock);
}

void rl_destroy(rl_limiter *limiter)
{
    free(limiter);
}

rl_status rl_allow(rl_limiter *limiter, uint32_t n)
{
    if (limiter == NULL)
        return RL_INVALID;
    int64_t now = act_at(&limiter->latest, wb_now(limiter->clock));
    state_advance(&limiter->params, &limiter->state, limiter->stamps, now);
    if (n > state_remaining(&limiter->params, &limiter->state, now))
        return RL_DENIED;
    state_take(&limiter->params, &limiter->state, limiter->stamps, now, n);
    return RL_ALLOWED;
}

uint32_t rl_remaining(rl_limiter *limiter)
{
    if (limiter == NULL)
        return 0;
    int64_t now = act_at(&limiter->latest, wb_now(limiter->clock));
    state_advance(&limiter->params, &limiter->state, limiter->stamps, now);
    return state_remaining(&limiter->params, &limiter->state, now);
}

/* ---- many keys: the table ----------------------------------------------------------- */

/*
 * One allocation per key: the bookkeeping, the state, the log's stamps (if
 * any), then the key and its NUL.
 */
struct rl_entry {
    struct rl_entry *chain; /* next entry in the same hash bucket */
    uint64_t hash;
    int64_t idle_from; /* heap order: the key cannot be idle before this time */
    size_t heap_index; /* heap[heap_index] == this entry */
    union rl_state state;
    int64_t stamps[]; /* stamps_of(params) stamps, then the key */
};

/*
 * Invariants, whenever the lock is free:
 *   - every stored entry is in exactly one bucket chain and in the heap;
 *   - count <= max_keys, and heap[0 .. count) holds the entries as a min-heap
 *     by idle_from;
 *   - an entry's idle_from is never later than the moment it becomes idle
 *     (taking more only postpones that moment). So once reclaim_idle has run
 *     to the end at time t, every entry left is not idle at t.
 */
struct rl_keyed {
    pthread_mutex_t lock;
    struct rl_params params;
    const wb_clock *clock; /* borrowed; NULL means monotonic */
    int64_t latest;        /* the latest clock reading acted on, for every key */
    size_t max_keys;
    size_t count;              /* entries stored, idle ones included until reclaimed */
    struct rl_entry **buckets; /* mask + 1 chains, a power of two */
    size_t mask;
    struct rl_entry **heap; /* count entries in heap_cap slots */
    size_t heap_cap;
};

/* Every call reclaims a few idle entries as it passes, so that a table nobody fills keeps
 * no more than its active keys, and no single call pays for a million idle ones. */
enum { MIN_BUCKETS = 16, RECLAIM_STEP = 8 };

/* FNV-1a, 64-bit: short, well known, good enough for client ids. */
static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * UINT64_C(1099511628211);
    return h;
}

static char *key_of(const rl_keyed *k, struct rl_entry *e)
{
    return (char *)(e->stamps + stamps_of(&k->params));
}

/* ---- the heap of entries by idle_from ---- */

static void heap_place(rl_keyed *k, struct rl_entry *e, size_t i)
{
    k->heap[i] = e;
    e->heap_index = i;
}

static void sift_up(rl_keyed *k, size_t i)
{
    struct rl_entry *e = k->heap[i];
    while (i > 0 && k->heap[(i - 1) / 2]->idle_from > e->idle_from) {
        heap_place(k, k->heap[(i - 1) / 2], i);
        i = (i - 1) / 2;
    }
    heap_place(k, e, i);
}

static void sift_down(rl_keyed *k, size_t i)
{
    struct rl_entry *e = k->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= k->count)
            break;
        if (child + 1 < k->count && k->heap[child + 1]->idle_from < k->heap[child]->idle_from)
            child++;
        if (e->idle_from <= k->heap[child]->idle_from)
            break;
        heap_place(k, k->heap[child], i);
        i = child;
    }
    heap_place(k, e, i);
}

/* ---- entries ---- */

static struct rl_entry **chain_of(rl_keyed *k, uint64_t hash)
{
    return &k->buckets[hash & k->mask];
}

static struct rl_entry *find(rl_keyed *k, const char *key, uint64_t hash)
{
    for (struct rl_entry *e = *chain_of(k, hash); e != NULL; e = e->chain)
        if (e->hash == hash && strcmp(key_of(k, e), key) == 0)
            return e;
    return NULL;
}

/* Unlinks the entry at the top of the heap from the table and the heap, and frees it. */
static void remove_top(rl_keyed *k)
{
    struct rl_entry *e = k->heap[0];
    struct rl_entry **link = chain_of(k, e->hash);
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    k->count--;
    if (k->count > 0) {
        heap_place(k, k->heap[k->count], 0);
        sift_down(k, 0);
    }
    free(e);
}

/*
 * Reclaims idle entries, looking at `budget` entries at most. The heap's top
 * is the entry that may turn idle first; when its time has come it is either
 * idle (freed) or was used since it was placed (it goes back with its new,
 * later time). O(log n) per entry looked at.
 */
static void reclaim_idle(rl_keyed *k, int64_t now, size_t budget)
{
    for (; budget > 0 && k->count > 0 && k->heap[0]->idle_from <= now; budget--) {
        struct rl_entry *e = k->heap[0];
        state_advance(&k->params, &e->state, e->stamps, now);
        if (state_is_idle(&k->params, &e->state)) {
            remove_top(k);
            continue;
        }
        int64_t from = state_idle_from(&k->params, &e->state, e->stamps);
        e->idle_from = from > now ? from : now + 1;
        sift_down(k, 0);
    }
}

/* Doubles the buckets when they are 3/4 full. If memory runs out the table stays as it is:
 * chains get longer, nothing is lost. */
static void maybe_grow(rl_keyed *k)
{
    size_t n = k->mask + 1;
    if (k->count <= n / 4 * 3 || n > SIZE_MAX / 2 / sizeof(void *))
        return;
    struct rl_entry **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct rl_entry *e = k->buckets[i];
        while (e != NULL) {
            struct rl_entry *next = e->chain;
            struct rl_entry **head = &buckets[e->hash & (2 * n - 1)];
            e->chain = *head;
            *head = e;
            e = next;
        }
    }
    free(k->buckets);
    k->buckets = buckets;
    k->mask = 2 * n - 1;
}

/* A new entry for key, fresh at `now`, linked into the table and at the bottom of the heap:
 * the caller sets its idle_from after the first take and sifts it up. NULL if memory ran
 * out; the table is unchanged. */
static struct rl_entry *insert(rl_keyed *k, const char *key, size_t key_len, uint64_t hash,
                               int64_t now)
{
    if (k->count == k->heap_cap) {
        size_t cap = k->heap_cap ? 2 * k->heap_cap : 16;
        struct rl_entry **heap = realloc(k->heap, cap * sizeof *heap);
        if (heap == NULL)
            return NULL;
        k->heap = heap;
        k->heap_cap = cap;
    }
    size_t stamps = stamps_of(&k->params) * sizeof(int64_t);
    struct rl_entry *e = malloc(sizeof *e + stamps + key_len + 1);
    if (e == NULL)
        return NULL;
    e->hash = hash;
    memcpy(key_of(k, e), key, key_len + 1);
    state_init(&k->params, &e->state, now);
    struct rl_entry **head = chain_of(k, hash);
    e->chain = *head;
    *head = e;
    heap_place(k, e, k->count++);
    maybe_grow(k);
    return e;
}

/* ---- the public functions of rl_keyed ---- */

rl_keyed *rl_keyed_create(const rl_config *config, size_t max_keys, const wb_clock *clock)
{
    if (config == NULL || max_keys == 0)
        return NULL;
    struct rl_params p = { .algorithm = config->algorithm,
                           .limit = config->limit,
                           .rate = config->rate,
                           .window = config->window };
    if (!params_valid(&p))
        return NULL;
    rl_keyed *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    k->buckets = calloc(MIN_BUCKETS, sizeof *k->buckets);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    int failed = pthread_mutex_init(&k->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (k->buckets == NULL || failed) {
        free(k->buckets);
        free(k);
        return NULL;
    }
    p.origin = wb_now(clock);
    k->params = p;
    k->clock = clock;
    k->latest = p.origin;
    k->max_keys = max_keys;
    k->mask = MIN_BUCKETS - 1;
    return k;
}

void rl_keyed_destroy(rl_keyed *keyed)
{
    if (keyed == NULL)
        return;
    for (size_t i = 0; i < keyed->count; i++)
        free(keyed->heap[i]);
    free(keyed->heap);
    free(keyed->buckets);
    pthread_mutex_destroy(&keyed->lock);
    free(keyed);
}

rl_status rl_keyed_allow(rl_keyed *keyed, const char *key, uint32_t n)
{
    if (keyed == NULL || key == NULL)
        return RL_INVALID;
    size_t key_len = strlen(key);
    uint64_t hash = hash_key(key, key_len);
    int64_t reading = wb_now(keyed->clock);

    pthread_mutex_lock(&keyed->lock);
    rl_status status = RL_DENIED;
    int64_t now = act_at(&keyed->latest, reading);
    reclaim_idle(keyed, now, RECLAIM_STEP);
    bool inserted = false;
    struct rl_entry *e = find(keyed, key, hash);
    if (e == NULL) {
        /* A new key's state is fresh: it grants any n <= limit, and taking nothing needs
         * no state at all. */
        if (n == 0 || n > keyed->params.limit) {
            status = n == 0 ? RL_ALLOWED : RL_DENIED;
            goto out;
        }
        if (keyed->count == keyed->max_keys)
            reclaim_idle(keyed, now, SIZE_MAX);
        status = RL_FULL;
        if (keyed->count == keyed->max_keys)
            goto out; /* every key left is active */
        status = RL_NO_MEMORY;
        e = insert(keyed, key, key_len, hash, now);
        if (e == NULL)
            goto out;
        inserted = true;
    }
    state_advance(&keyed->params, &e->state, e->stamps, now);
    status = RL_DENIED;
    if (n <= state_remaining(&keyed->params, &e->state, now)) {
        state_take(&keyed->params, &e->state, e->stamps, now, n);
        status = RL_ALLOWED;
    }
    if (inserted) { /* its place in the heap, now that it has taken something */
        e->idle_from = state_idle_from(&keyed->params, &e->state, e->stamps);
        sift_up(keyed, e->heap_index);
    }
out:
    pthread_mutex_unlock(&keyed->lock);
    return status;
}

uint32_t rl_keyed_remaining(rl_keyed *keyed, const char *key)
{
    if (keyed == NULL || key == NULL)
        return 0;
    uint64_t hash = hash_key(key, strlen(key));
    int64_t reading = wb_now(keyed->clock);

    pthread_mutex_lock(&keyed->lock);
    int64_t now = act_at(&keyed->latest, reading);
    uint32_t remaining = keyed->params.limit;
    struct rl_entry *e = find(keyed, key, hash);
    if (e != NULL) {
        state_advance(&keyed->params, &e->state, e->stamps, now);
        remaining = state_remaining(&keyed->params, &e->state, now);
    }
    pthread_mutex_unlock(&keyed->lock);
    return remaining;
}

size_t rl_keyed_len(rl_keyed *keyed)
{
    if (keyed == NULL)
        return 0;
    int64_t reading = wb_now(keyed->clock);
    pthread_mutex_lock(&keyed->lock);
    reclaim_idle(keyed, act_at(&keyed->latest, reading), SIZE_MAX);
    size_t n = keyed->count;
    pthread_mutex_unlock(&keyed->lock);
    return n;
}
