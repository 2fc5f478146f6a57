/*
 * Level 3, concurrency: many threads share one cache. Every call must act as
 * if it ran alone: nothing lost, nothing torn, counts exact. A missing lock
 * shows here only sometimes; `make race` (ThreadSanitizer) shows it every
 * time, with the two lines that race. Run alone with `make test LEVEL=3`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lru_test.h"

WB_LEVEL(3);

/*
 * Values that check themselves: "KEY|wWRITER|sSEQ|" and then (SEQ % 37) * 3
 * copies of one letter chosen by WRITER. A value torn between two writes, or
 * stored under the wrong key, fails the check.
 */
static size_t make_value(char *out, size_t size, const char *key, int writer, int seq)
{
    int n = snprintf(out, size, "%s|w%d|s%d|", key, writer, seq);
    size_t len = (size_t)n, fill = (size_t)(seq % 37) * 3;
    if (len + fill >= size)
        abort(); /* the tests size their buffers for this */
    memset(out + len, 'a' + writer % 26, fill);
    out[len + fill] = '\0';
    return len + fill;
}

/* NULL if `value` is a well-formed value written for `key`, else what is wrong with it. */
static char *check_value(const char *key, const char *value, size_t len)
{
    char head[96];
    int writer = -1, seq = -1, used = 0;
    size_t key_len = strlen(key);
    if (len < key_len + 1 || memcmp(value, key, key_len) != 0 || value[key_len] != '|')
        return wb_strdupf("the value under %s is %s, which was written for another key", wb_q(key),
                          wb_qn(value, len));
    if (len > key_len + 80 + 37 * 3)
        return wb_strdupf("the value under %s is %zu bytes long, longer than any value written",
                          wb_q(key), len);
    memcpy(head, value + key_len,
           len - key_len < sizeof head - 1 ? len - key_len : sizeof head - 1);
    head[len - key_len < sizeof head - 1 ? len - key_len : sizeof head - 1] = '\0';
    if (sscanf(head, "|w%d|s%d|%n", &writer, &seq, &used) != 2 || used == 0)
        return wb_strdupf("the value under %s is %s: its header is garbled", wb_q(key),
                          wb_qn(value, len));
    char want[256];
    size_t want_len = make_value(want, sizeof want, key, writer, seq);
    if (want_len != len || memcmp(want, value, len) != 0)
        return wb_strdupf("the value under %s is %s, expected %s: a value torn between two "
                          "writes, or cut short",
                          wb_q(key), wb_qn(value, len), wb_qn(want, want_len));
    return NULL;
}

/* ---- 100 threads, 100 keys each ---- */

static char *write_own_keys(int t, void *ctx)
{
    lru_cache *c = ctx;
    char key[32], value[256];
    for (int j = 0; j < 100; j++) {
        snprintf(key, sizeof key, "t%d-k%d", t, j);
        size_t len = make_value(value, sizeof value, key, t, j);
        lru_status s = lru_put(c, key, value, len);
        if (s != LRU_OK)
            return wb_strdupf("lru_put(%s) returned %s, expected LRU_OK", wb_q(key),
                              status_name(s));
    }
    return NULL;
}

Test(level3, a_hundred_threads_writing_a_hundred_keys_each_lose_nothing)
{
    lru_cache *c = new_cache(10000, NULL);
    wb_run_threads(100, write_own_keys, c, "100 threads each putting 100 keys of their own");
    expect_len(c, 10000,
               "100 threads put 100 different keys each into a cache of capacity 10000: "
               "a lower count means puts were lost to a race");
    char key[32], buf[256];
    for (int t = 0; t < 100; t++) {
        for (int j = 0; j < 100; j++) {
            snprintf(key, sizeof key, "t%d-k%d", t, j);
            size_t len = 0;
            lru_status s = lru_get(c, key, buf, sizeof buf, &len);
            cr_assert(s == LRU_OK,
                      "lru_get(%s) returned %s after 100 threads put 100 keys each "
                      "into capacity 10000: the put was lost",
                      wb_q(key), status_name(s));
            char *problem = check_value(key, buf, len);
            cr_assert(problem == NULL, "%s", problem ? problem : "");
        }
    }
    lru_destroy(c);
}

/* ---- 50 readers against 50 writers ---- */

enum { SHARED_KEYS = 64 };

struct readers_writers {
    lru_cache *cache;
    int writers; /* threads 0 .. writers-1 write, the rest read */
};

static char *read_or_write(int t, void *ctx)
{
    struct readers_writers *rw = ctx;
    wb_rng rng;
    wb_rng_seed(&rng, 1000 + (uint64_t)t);
    char key[32], buf[256];
    for (int i = 0; i < 400; i++) {
        snprintf(key, sizeof key, "shared-%d", (int)wb_rng_below(&rng, SHARED_KEYS));
        if (t < rw->writers) {
            size_t len = make_value(buf, sizeof buf, key, t, i);
            lru_status s = lru_put(rw->cache, key, buf, len);
            if (s != LRU_OK)
                return wb_strdupf("lru_put(%s) returned %s", wb_q(key), status_name(s));
            continue;
        }
        size_t len = 0;
        lru_status s = lru_get(rw->cache, key, buf, sizeof buf, &len);
        if (s != LRU_OK)
            return wb_strdupf("lru_get(%s) returned %s: every shared key was put before the "
                              "threads started and none is ever deleted",
                              wb_q(key), status_name(s));
        char *problem = check_value(key, buf, len);
        if (problem != NULL)
            return problem;
    }
    return NULL;
}

Test(level3, fifty_readers_and_fifty_writers_never_see_a_torn_value)
{
    struct readers_writers rw = { new_cache(1024, NULL), 50 };
    char key[32], value[256];
    for (int k = 0; k < SHARED_KEYS; k++) {
        snprintf(key, sizeof key, "shared-%d", k);
        lru_put(rw.cache, key, value, make_value(value, sizeof value, key, 99, 0));
    }
    wb_run_threads(100, read_or_write, &rw, "50 writers and 50 readers on 64 shared keys");
    expect_len(rw.cache, SHARED_KEYS, "only the 64 shared keys were ever put");
    lru_destroy(rw.cache);
}

/* ---- many writers, one key ---- */

static char *overwrite_hot_key(int t, void *ctx)
{
    lru_cache *c = ctx;
    char value[256];
    for (int i = 0; i < 500; i++) {
        size_t len = make_value(value, sizeof value, "hot", t, 1000 + i);
        lru_status s = lru_put(c, "hot", value, len);
        if (s != LRU_OK)
            return wb_strdupf("lru_put(\"hot\") returned %s", status_name(s));
    }
    return NULL;
}

Test(level3, concurrent_overwrites_of_one_key_leave_one_whole_value)
{
    lru_cache *c = new_cache(8, NULL);
    wb_run_threads(16, overwrite_hot_key, c, "16 threads overwriting one key 500 times each");
    char buf[256];
    size_t len = 0;
    lru_status s = lru_get(c, "hot", buf, sizeof buf, &len);
    cr_assert(s == LRU_OK, "lru_get(\"hot\") returned %s after 16 threads overwrote it",
              status_name(s));
    char *problem = check_value("hot", buf, len);
    cr_assert(problem == NULL, "%s", problem ? problem : "");
    expect_len(c, 1, "16 threads wrote one key: still one entry, not one per thread");
    lru_destroy(c);
}

/* ---- evictions under contention ---- */

struct evict_ctx {
    lru_cache *cache;
    size_t capacity;
};

static char *insert_and_watch_len(int t, void *ctx)
{
    struct evict_ctx *e = ctx;
    char key[32], value[256];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "t%d-%d", t, i);
        lru_status s = lru_put(e->cache, key, value, make_value(value, sizeof value, key, t, i));
        if (s != LRU_OK)
            return wb_strdupf("lru_put(%s) returned %s", wb_q(key), status_name(s));
        size_t len = lru_len(e->cache);
        if (len > e->capacity)
            return wb_strdupf("lru_len returned %zu while threads were inserting, more than the "
                              "capacity %zu",
                              len, e->capacity);
    }
    return NULL;
}

struct foreach_check {
    size_t visited;
    char *problem;
};

static int check_each(const char *key, const void *value, size_t len, void *ctx)
{
    struct foreach_check *fc = ctx;
    fc->visited++;
    if (fc->problem == NULL)
        fc->problem = check_value(key, value, len);
    return 0;
}

Test(level3, evictions_under_contention_keep_exactly_capacity_entries)
{
    struct evict_ctx e = { new_cache(64, NULL), 64 };
    wb_run_threads(8, insert_and_watch_len, &e,
                   "8 threads putting 2000 new keys each into "
                   "capacity 64");
    expect_len(e.cache, 64,
               "16000 different keys went into capacity 64: it must be exactly full, "
               "not over (a race on the count) or under (entries lost)");
    struct foreach_check fc = { 0, NULL };
    size_t n = lru_foreach(e.cache, check_each, &fc);
    cr_assert(n == 64 && fc.visited == 64,
              "lru_foreach visited %zu entries (returned %zu) after "
              "the threads finished, expected the 64 that lru_len "
              "counts: the recency list and the count disagree",
              fc.visited, n);
    cr_assert(fc.problem == NULL, "%s", fc.problem ? fc.problem : "");
    lru_destroy(e.cache);
}

/* ---- racing deletes ---- */

enum { DELETE_KEYS = 2000, DELETERS = 8 };

struct delete_ctx {
    lru_cache *cache;
    int deleted[DELETERS]; /* LRU_OK answers each thread got; each writes only its own */
};

static char *delete_everything(int t, void *ctx)
{
    struct delete_ctx *d = ctx;
    char key[32];
    for (int i = 0; i < DELETE_KEYS; i++) {
        /* Each thread starts at a different key, so that they collide all the way. */
        snprintf(key, sizeof key, "d%d", (i + t * (DELETE_KEYS / DELETERS)) % DELETE_KEYS);
        lru_status s = lru_delete(d->cache, key);
        if (s == LRU_OK)
            d->deleted[t]++;
        else if (s != LRU_NOT_FOUND)
            return wb_strdupf("lru_delete(%s) returned %s", wb_q(key), status_name(s));
    }
    return NULL;
}

Test(level3, each_key_is_deleted_exactly_once_when_threads_race_to_delete_it)
{
    static struct delete_ctx d;
    lru_cache *c = d.cache = new_cache(DELETE_KEYS, NULL);
    char key[32];
    for (int i = 0; i < DELETE_KEYS; i++) {
        snprintf(key, sizeof key, "d%d", i);
        put(c, key, "x");
    }
    wb_run_threads(DELETERS, delete_everything, &d, "8 threads each deleting all 2000 keys");
    int total_deleted = 0;
    for (int t = 0; t < DELETERS; t++)
        total_deleted += d.deleted[t];
    cr_assert(total_deleted == DELETE_KEYS,
              "8 threads raced to delete the same 2000 keys and got LRU_OK %d times in all, "
              "expected exactly 2000: each key must be deleted by exactly one thread (more means a "
              "double delete, which frees memory twice; fewer means some deletes missed a key "
              "that was there)",
              total_deleted);
    expect_len(c, 0, "every key was deleted");
    lru_destroy(c);
}

/* ---- everything at once ---- */

enum { MIXED_CAP = 32 };

static char *mixed_workload(int t, void *ctx)
{
    lru_cache *c = ctx;
    wb_rng rng;
    wb_rng_seed(&rng, 77 + (uint64_t)t);
    char key[32], buf[256];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "m%d", (int)wb_rng_below(&rng, 3 * MIXED_CAP));
        size_t len = 0;
        lru_status s = LRU_OK;
        switch (wb_rng_below(&rng, 7)) {
        case 0:
        case 1:
            s = lru_put(c, key, buf, make_value(buf, sizeof buf, key, t, i));
            break;
        case 2:
            s = lru_get(c, key, buf, sizeof buf, &len);
            break;
        case 3:
            s = lru_peek(c, key, buf, sizeof buf, &len);
            break;
        case 4:
            s = lru_delete(c, key);
            break;
        case 5:
            len = lru_len(c);
            if (len > MIXED_CAP)
                return wb_strdupf("lru_len returned %zu, more than the capacity %d", len,
                                  MIXED_CAP);
            continue;
        default: {
            struct foreach_check fc = { 0, NULL };
            lru_foreach(c, check_each, &fc);
            if (fc.problem != NULL)
                return fc.problem;
            if (fc.visited > MIXED_CAP)
                return wb_strdupf("lru_foreach visited %zu entries, more than the capacity %d",
                                  fc.visited, MIXED_CAP);
            continue;
        }
        }
        if (s != LRU_OK && s != LRU_NOT_FOUND)
            return wb_strdupf("a call on %s returned %s", wb_q(key), status_name(s));
        if (s == LRU_OK && len > 0) {
            char *problem = check_value(key, buf, len);
            if (problem != NULL)
                return problem;
        }
    }
    return NULL;
}

Test(level3, a_mixed_workload_on_eight_threads_keeps_the_cache_consistent)
{
    lru_cache *c = new_cache(MIXED_CAP, NULL);
    wb_run_threads(8, mixed_workload, c,
                   "8 threads doing seeded random puts, gets, peeks, "
                   "deletes, lens and walks");
    size_t len = lru_len(c);
    struct foreach_check fc = { 0, NULL };
    lru_foreach(c, check_each, &fc);
    cr_assert(len <= MIXED_CAP && fc.visited == len,
              "after the threads finished, lru_len says %zu and lru_foreach visited %zu entries "
              "(capacity %d): the count, the list and the capacity must agree",
              len, fc.visited, MIXED_CAP);
    cr_assert(fc.problem == NULL, "%s", fc.problem ? fc.problem : "");
    lru_destroy(c);
}
