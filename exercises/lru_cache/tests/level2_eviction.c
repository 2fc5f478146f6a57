/*
 * Level 2, eviction: a full cache makes room by evicting the least recently
 * used entry, exactly. get and put make an entry the most recent; peek and
 * foreach do not. Run alone with `make test LEVEL=2`.
 */
#include <string.h>

#include "lru_test.h"

WB_LEVEL(2);

#define ORDER(...)                                                                                 \
    (const char *const[]){ __VA_ARGS__ },                                                          \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

static int count_visits_for_null(const char *key, const void *value, size_t len, void *ctx)
{
    (void)key, (void)value, (void)len, (void)ctx;
    return 0;
}

/* The sequence every LRU explanation uses: each expect_ below is itself a get. */
Test(level2, the_classic_sequence_evicts_in_lru_order)
{
    lru_cache *c = new_cache(2, NULL);
    put(c, "1", "one");
    put(c, "2", "two");
    expect_value(c, "1", "one", "capacity 2 holds 1 and 2");
    put(c, "3", "three");
    expect_missing(c, "2",
                   "put 1, put 2, get 1, put 3 with capacity 2: get 1 made 1 more recent "
                   "than 2, so put 3 had to evict 2");
    put(c, "4", "four");
    expect_missing(c, "1",
                   "put 1, put 2, get 1, put 3, get 2 (a miss), put 4: the order before "
                   "put 4 was 3 then 1, so put 4 had to evict 1");
    expect_value(c, "3", "three", "put 4 evicted 1, the least recently used, not 3");
    expect_value(c, "4", "four", "4 was just put");
    lru_destroy(c);
}

Test(level2, a_full_cache_evicts_the_oldest_put)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    put(c, "d", "4");
    expect_missing(c, "a",
                   "a, b, c filled a cache of capacity 3; a was put first and never used "
                   "since, so putting d evicts it");
    expect_order(c, ORDER("d", "c", "b"), "after put a, b, c, d with capacity 3");
    expect_len(c, 3, "the cache is full, not over full");
    lru_destroy(c);
}

Test(level2, get_makes_an_entry_the_most_recently_used)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    expect_value(c, "a", "1", "a is stored");
    put(c, "d", "4");
    expect_missing(c, "b",
                   "get a made a the most recent, so b became the least recently used "
                   "and put d evicts b");
    expect_order(c, ORDER("d", "a", "c"), "after put a, b, c, get a, put d with capacity 3");
    lru_destroy(c);
}

Test(level2, peek_does_not_change_recency)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    char buf[8];
    size_t len = 0;
    lru_status s = lru_peek(c, "a", buf, sizeof buf, &len);
    cr_assert(s == LRU_OK && len == 1 && buf[0] == '1',
              "lru_peek(\"a\") returned %s with %s, expected LRU_OK with \"1\"", status_name(s),
              s == LRU_OK ? wb_qn(buf, len < sizeof buf ? len : 0) : "nothing");
    put(c, "d", "4");
    expect_missing(c, "a",
                   "peek reads without using: a stayed the least recently used, so put d "
                   "evicts it");
    expect_order(c, ORDER("d", "c", "b"), "after put a, b, c, peek a, put d with capacity 3");
    lru_destroy(c);
}

Test(level2, peek_of_a_missing_key_is_not_found)
{
    lru_cache *c = new_cache(3, NULL);
    char buf[8] = "#######";
    lru_status s = lru_peek(c, "nothing", buf, sizeof buf, NULL);
    cr_assert(s == LRU_NOT_FOUND, "lru_peek(\"nothing\") returned %s, expected LRU_NOT_FOUND",
              status_name(s));
    cr_assert(strcmp(buf, "#######") == 0, "lru_peek of a missing key wrote %s into the buffer",
              wb_qn(buf, sizeof buf));
    lru_destroy(c);
}

Test(level2, overwrite_makes_an_entry_the_most_recently_used)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    put(c, "a", "1 again");
    put(c, "d", "4");
    expect_missing(c, "b",
                   "putting a again made a the most recent, so b was the least recently "
                   "used when d came");
    expect_value(c, "a", "1 again", "a was overwritten, then kept");
    lru_destroy(c);
}

Test(level2, overwrite_in_a_full_cache_evicts_nothing)
{
    lru_cache *c = new_cache(2, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "b", "22");
    char buf[8];
    lru_status s = lru_peek(c, "a", buf, sizeof buf, NULL);
    cr_assert(s == LRU_OK,
              "lru_peek(\"a\") returned %s after put a, put b, put b again into "
              "capacity 2, expected LRU_OK: overwriting b needs no room, so nothing "
              "may be evicted (look the key up before you evict)",
              status_name(s));
    put(c, "a", "11");
    expect_value(c, "a", "11", "overwriting a key already stored needs no room");
    expect_value(c, "b", "22", "overwriting a key already stored needs no room");
    expect_len(c, 2, "two keys, each put twice");
    lru_destroy(c);
}

Test(level2, capacity_one_keeps_only_the_last_key)
{
    lru_cache *c = new_cache(1, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    expect_missing(c, "a", "a cache of capacity 1 keeps one entry: b replaced a");
    expect_value(c, "b", "2", "b was put last");
    put(c, "b", "3");
    expect_value(c, "b", "3", "overwriting the one entry keeps it");
    expect_len(c, 1, "capacity 1");
    lru_destroy(c);
}

Test(level2, a_delete_frees_a_slot_so_the_next_put_evicts_nothing)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    lru_delete(c, "b");
    put(c, "d", "4");
    expect_order(c, ORDER("d", "c", "a"),
                 "after put a, b, c, delete b, put d with capacity 3: "
                 "the delete left room for d, so nothing was evicted");
    lru_destroy(c);
}

Test(level2, a_get_that_finds_the_key_is_a_use_even_when_the_buffer_is_too_small)
{
    lru_cache *c = new_cache(2, NULL);
    put(c, "old", "a long value");
    put(c, "new", "v");
    char small[2];
    size_t len = 0;
    lru_status s = lru_get(c, "old", small, sizeof small, &len);
    cr_assert(s == LRU_TOO_SMALL,
              "lru_get(\"old\") into 2 bytes returned %s, expected "
              "LRU_TOO_SMALL",
              status_name(s));
    put(c, "newest", "x");
    expect_missing(c, "new",
                   "lru_get found \"old\" (its value did not fit, but the key was "
                   "there): that is a use, so \"new\" was the least recently used");
    lru_destroy(c);
}

Test(level2, null_arguments_to_peek_and_foreach_are_refused)
{
    lru_cache *c = new_cache(2, NULL);
    put(c, "k", "v");
    char buf[4];
    lru_status s = lru_peek(c, NULL, buf, sizeof buf, NULL);
    cr_assert(s == LRU_INVALID, "lru_peek(cache, NULL key) returned %s, expected LRU_INVALID",
              status_name(s));
    s = lru_peek(NULL, "k", buf, sizeof buf, NULL);
    cr_assert(s == LRU_INVALID, "lru_peek(NULL cache) returned %s, expected LRU_INVALID",
              status_name(s));
    size_t n = lru_foreach(NULL, count_visits_for_null, NULL);
    cr_assert(n == 0, "lru_foreach(NULL cache) returned %zu, expected 0", n);
    n = lru_foreach(c, NULL, NULL);
    cr_assert(n == 0,
              "lru_foreach(cache, NULL visitor) returned %zu, expected 0: there is no one "
              "to show the entries to",
              n);
    lru_destroy(c);
}

static int count_until(const char *key, const void *value, size_t len, void *ctx)
{
    (void)key, (void)value, (void)len;
    int *left = ctx;
    return --*left == 0; /* stop once the count runs out */
}

Test(level2, foreach_stops_when_the_visitor_says_so)
{
    lru_cache *c = new_cache(8, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    put(c, "d", "4");
    int left = 2;
    size_t visited = lru_foreach(c, count_until, &left);
    cr_assert(visited == 2 && left == 0,
              "lru_foreach with a visitor that stops after 2 entries returned %zu (the visitor "
              "was called %d times), expected 2 and 2: a non-zero return stops the walk",
              visited, 2 - left);
    lru_destroy(c);
}

static int check_value_matches(const char *key, const void *value, size_t len, void *ctx)
{
    int *bad = ctx;
    /* Keys are "kN", values "vN". */
    if (len != strlen(key) || memcmp(value, "v", 1) != 0 ||
        memcmp((const char *)value + 1, key + 1, len - 1) != 0)
        (*bad)++;
    return 0;
}

Test(level2, foreach_shows_each_key_with_its_own_value)
{
    lru_cache *c = new_cache(8, NULL);
    put(c, "k1", "v1");
    put(c, "k22", "v22");
    put(c, "k333", "v333");
    int bad = 0;
    size_t visited = lru_foreach(c, check_value_matches, &bad);
    cr_assert(visited == 3 && bad == 0,
              "lru_foreach visited %zu entries, %d with a value that is not the key's own; "
              "expected 3 entries, each key with its value",
              visited, bad);
    lru_destroy(c);
}

Test(level2, foreach_does_not_change_recency)
{
    lru_cache *c = new_cache(3, NULL);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    expect_order(c, ORDER("c", "b", "a"), "put a, b, c");
    put(c, "d", "4");
    expect_missing(c, "a",
                   "walking the cache with foreach is not a use: a stayed the least "
                   "recently used and put d evicts it");
    lru_destroy(c);
}

Test(level2, filling_256_keys_into_capacity_128_keeps_the_newest_128_in_order)
{
    lru_cache *c = new_cache(128, NULL);
    char key[32];
    for (int i = 0; i < 256; i++) {
        snprintf(key, sizeof key, "key-%03d", i);
        put(c, key, key);
    }
    expect_len(c, 128, "256 keys went into a cache of capacity 128");
    for (int i = 0; i < 128; i++) {
        snprintf(key, sizeof key, "key-%03d", i);
        expect_missing(c, key,
                       "the first 128 keys of 256 were evicted to make room for the last "
                       "128");
    }
    static char names[128][32];
    const char *order[128];
    for (int i = 0; i < 128; i++) {
        snprintf(names[i], sizeof names[i], "key-%03d", 255 - i);
        order[i] = names[i];
    }
    expect_order(c, order, 128,
                 "keys 0 to 255 were put in order into capacity 128, and the "
                 "misses above changed nothing");
    for (int i = 128; i < 256; i++) {
        snprintf(key, sizeof key, "key-%03d", i);
        expect_value(c, key, key, "the last 128 keys of 256 stay");
    }
    lru_destroy(c);
}

Test(level2, the_length_never_exceeds_the_capacity)
{
    lru_cache *c = new_cache(10, NULL);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(c, key, "v");
        size_t len = lru_len(c);
        size_t want = i + 1 < 10 ? (size_t)i + 1 : 10;
        cr_assert(len == want,
                  "after %d puts of new keys into capacity 10, lru_len is %zu, "
                  "expected %zu",
                  i + 1, len, want);
    }
    lru_destroy(c);
}

/*
 * A model: the same operations on an obviously correct LRU (an array in
 * recency order, newest first), compared after every step. Seeded, so a
 * failure repeats on every run.
 */
enum { MODEL_CAP = 8, MODEL_KEYS = 20, MODEL_STEPS = 5000 };

struct model {
    int keys[MODEL_CAP]; /* newest first */
    int values[MODEL_CAP];
    int n;
};

static int model_find(const struct model *m, int key)
{
    for (int i = 0; i < m->n; i++)
        if (m->keys[i] == key)
            return i;
    return -1;
}

/* Moves slot i to the front (it becomes the most recent). */
static void model_touch(struct model *m, int i)
{
    int k = m->keys[i], v = m->values[i];
    memmove(m->keys + 1, m->keys, (size_t)i * sizeof m->keys[0]);
    memmove(m->values + 1, m->values, (size_t)i * sizeof m->values[0]);
    m->keys[0] = k, m->values[0] = v;
}

static void model_put(struct model *m, int key, int value)
{
    int i = model_find(m, key);
    if (i < 0) {
        if (m->n == MODEL_CAP)
            m->n--; /* evict the oldest */
        i = m->n++;
        m->keys[i] = key;
    }
    m->values[i] = value;
    model_touch(m, i);
}

Test(level2, a_random_workload_matches_a_simple_model)
{
    lru_cache *c = new_cache(MODEL_CAP, NULL);
    struct model m = { .n = 0 };
    wb_rng rng;
    wb_rng_seed(&rng, 20261123);
    char key[32], value[32], buf[16], history[8][96] = { { 0 } };
    for (int step = 0; step < MODEL_STEPS; step++) {
        int k = (int)wb_rng_below(&rng, MODEL_KEYS), op = (int)wb_rng_below(&rng, 10);
        snprintf(key, sizeof key, "k%d", k);
        snprintf(history[step % 8], sizeof history[0], "step %d: %s %s", step,
                 op < 4   ? "put"
                 : op < 8 ? "get"
                 : op < 9 ? "peek"
                          : "delete",
                 key);
        int i = model_find(&m, k);
        if (op < 4) {
            snprintf(value, sizeof value, "%d", step);
            put(c, key, value);
            model_put(&m, k, step);
            continue;
        }
        size_t len = 0;
        lru_status s = op < 8   ? lru_get(c, key, buf, sizeof buf, &len)
                       : op < 9 ? lru_peek(c, key, buf, sizeof buf, &len)
                                : lru_delete(c, key);
        lru_status want = i >= 0 ? LRU_OK : LRU_NOT_FOUND;
        snprintf(value, sizeof value, "%d", i >= 0 ? m.values[i] : -1);
        cr_assert(s == want && (op == 9 || s != LRU_OK ||
                                (len == strlen(value) && memcmp(buf, value, len) == 0)),
                  "%s returned %s%s%s, expected %s%s%s. A model LRU of capacity %d given the same "
                  "seeded sequence says so; the last steps were: %s; %s; %s; %s",
                  history[step % 8], status_name(s), s == LRU_OK && op != 9 ? " with " : "",
                  s == LRU_OK && op != 9 ? wb_qn(buf, len < sizeof buf ? len : 0) : "",
                  status_name(want), want == LRU_OK && op != 9 ? " with " : "",
                  want == LRU_OK && op != 9 ? value : "", MODEL_CAP, history[(step + 4) % 8],
                  history[(step + 5) % 8], history[(step + 6) % 8], history[(step + 7) % 8]);
        if (i >= 0 && op < 8)
            model_touch(&m, i);
        if (i >= 0 && op == 9) {
            memmove(m.keys + i, m.keys + i + 1, (size_t)(m.n - i - 1) * sizeof m.keys[0]);
            memmove(m.values + i, m.values + i + 1, (size_t)(m.n - i - 1) * sizeof m.values[0]);
            m.n--;
        }
    }
    char names[MODEL_CAP][32];
    const char *order[MODEL_CAP];
    for (int i = 0; i < m.n; i++) {
        snprintf(names[i], sizeof names[i], "k%d", m.keys[i]);
        order[i] = names[i];
    }
    expect_order(c, order, (size_t)m.n, "the model's order after 5000 seeded random steps");
    lru_destroy(c);
}
