/*
 * bench_rate_limiter.c: how fast does each limiter decide, and how much
 * memory does each keep per client? `make bench EX=rate_limiter` runs this
 * program linked with your code and with the reference, in turns.
 *
 * Every limiter allows 10 units per second (a bucket of rate 10/s and burst
 * 10, or 10 per window of 1 s). Time is a manual clock that the workload
 * moves as it goes, so each run sees the same mix of grants and refusals:
 *
 *   - one key: rl_allow on one limiter, the clock moving 50 ms per request
 *     (20 requests a second against a limit of 10: about half are granted);
 *   - 100,000 keys: rl_keyed_allow on keys drawn in a seeded random order,
 *     the clock moving 1 us per request, so each key sees about 10 requests a
 *     second, close to its limit; keys go idle and come back, so the table
 *     reclaims and re-creates them as it would in production;
 *   - the token bucket on 100,000 keys with 2 threads, on the system's clock
 *     (a manual clock would be one more shared cache line): the lock is shared;
 *   - bytes per tracked key: the heap in use (mallinfo2) after 100,000 keys
 *     each took one unit, divided by 100,000: the state, the key, the table's
 *     share, and malloc's own overhead.
 *
 * The floor finds each key's record in a bare open-addressing table and
 * updates a token bucket in it, inline: no lock, no idle keys, no choice of
 * algorithm. Any table of clients pays at least that per decision; the rest
 * is the price of the lock, the reclaiming and the generality.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limiter.h"
#include "wb/bench.h"
#include "wb/rng.h"

enum { KEYS = 100000, ORDER = 1 << 20, SLOTS = 1 << 18 };

static char keys[KEYS][16];    /* "client:000000" ... */
static unsigned order[ORDER];  /* seeded random key indexes */
static wb_manual_clock clock_; /* the workloads' time */
static rl_limiter *limiter;    /* the one-key workload's limiter */
static rl_keyed *table;        /* the many-key workloads' table */

static const char *const names[] = { "token bucket", "sliding log", "fixed window",
                                     "sliding counter" };
static const char *const short_names[] = { "bucket", "log", "fixed", "counter" };
static const rl_algorithm algorithms[] = { RL_TOKEN_BUCKET, RL_SLIDING_LOG, RL_FIXED_WINDOW,
                                           RL_SLIDING_COUNTER };

static rl_config config_of(rl_algorithm algorithm, uint32_t limit)
{
    return (rl_config){ .algorithm = algorithm, .limit = limit, .rate = limit, .window = WB_SEC };
}

static rl_limiter *limiter_of(rl_algorithm algorithm, const wb_clock *clock)
{
    switch (algorithm) {
    case RL_TOKEN_BUCKET:
        return rl_token_bucket(10, 10, clock);
    case RL_SLIDING_LOG:
        return rl_sliding_log(10, WB_SEC, clock);
    case RL_FIXED_WINDOW:
        return rl_fixed_window(10, WB_SEC, clock);
    case RL_SLIDING_COUNTER:
        return rl_sliding_counter(10, WB_SEC, clock);
    }
    return NULL;
}

/* ---- the workloads ---- */

static size_t granted; /* read at the end, so that no decision can be optimised away */

static void one_key_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++) {
        wb_manual_clock_advance(&clock_, 50 * WB_MSEC);
        granted += rl_allow(limiter, 1) == RL_ALLOWED;
    }
}

struct keys_run {
    int move_clock; /* the one-thread runs move the manual clock; two threads use the system's */
};

static void many_keys_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    const struct keys_run *run = ctx;
    if (at == 0)
        at = (size_t)thread * (ORDER / 2) + 1;
    size_t got = 0;
    for (size_t i = 0; i < ops; i++, at++) {
        if (run->move_clock)
            wb_manual_clock_advance(&clock_, WB_USEC);
        got += rl_keyed_allow(table, keys[order[at % ORDER]], 1) == RL_ALLOWED;
    }
    wb_bench_consume(&got);
}

/* ---- the floor ---- */

/* One record per key, as any table of clients keeps: the key and a token bucket. */
struct record {
    char key[16];
    double tokens;
    int64_t last;
};
static struct record *slots[SLOTS];

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static void floor_fill(void)
{
    for (int i = 0; i < KEYS; i++) {
        struct record *r = malloc(sizeof *r);
        if (r == NULL)
            abort();
        *r = (struct record){ .tokens = 10, .last = wb_now(&clock_.clock) };
        memcpy(r->key, keys[i], sizeof r->key);
        uint64_t h = fnv1a(keys[i]);
        while (slots[h & (SLOTS - 1)] != NULL)
            h++;
        slots[h & (SLOTS - 1)] = r;
    }
}

static void floor_free(void)
{
    for (int i = 0; i < SLOTS; i++)
        free(slots[i]), slots[i] = NULL;
}

/* Finds the key's record and decides on its bucket: no lock, no idle keys, one algorithm. */
static void probe_batch(void *ctx, int thread, size_t ops)
{
    static size_t at;
    size_t got = 0;
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++) {
        wb_manual_clock_advance(&clock_, WB_USEC);
        int64_t now = wb_now(&clock_.clock);
        const char *key = keys[order[at++ % ORDER]];
        struct record *r;
        for (uint64_t h = fnv1a(key);; h++) {
            r = slots[h & (SLOTS - 1)];
            if (strcmp(r->key, key) == 0)
                break;
        }
        double tokens = r->tokens + (double)(now - r->last) * 10 / 1e9;
        r->tokens = tokens < 10 ? tokens : 10;
        r->last = now;
        if (r->tokens >= 1)
            r->tokens -= 1, got++;
    }
    wb_bench_consume(&got);
}

/* ---- memory ---- */

static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/*
 * A table of `config` holding all KEYS keys, each of which took one unit on
 * `clock`. Stores in *bytes the heap it holds per key. A table that searches
 * its keys one by one takes minutes here: the program stops and says so.
 */
static rl_keyed *filled_table(rl_config config, const wb_clock *clock, double *bytes)
{
    size_t before = heap_in_use();
    int64_t started = wb_now(NULL);
    rl_keyed *t = rl_keyed_create(&config, 2 * KEYS, clock);
    if (t == NULL) {
        fprintf(stderr, "rl_keyed_create returned NULL for a valid config\n");
        exit(1);
    }
    for (int i = 0; i < KEYS; i++) {
        rl_keyed_allow(t, keys[i], 1);
        if (i % 1000 == 999 && wb_now(NULL) - started > 20 * WB_SEC) {
            fprintf(stderr,
                    "%d keys took more than 20 s to add: does each decision search the "
                    "keys one by one? A hash table finds a key in O(1)\n",
                    i + 1);
            exit(1);
        }
    }
    *bytes = (double)(heap_in_use() - before) / KEYS;
    size_t tracked = rl_keyed_len(t);
    if (tracked != KEYS && clock != NULL) { /* on the system's clock the first keys may be idle */
        fprintf(stderr, "rl_keyed_len says %zu keys after %d different keys each took a unit\n",
                tracked, KEYS);
        exit(1);
    }
    return t;
}

int main(void)
{
    const double seconds = getenv("WB_BENCH_QUICK") ? 0.1 : 0.25;
    wb_rng rng;
    wb_rng_seed(&rng, 42);
    for (int i = 0; i < KEYS; i++)
        snprintf(keys[i], sizeof keys[i], "client:%06d", i);
    for (int i = 0; i < ORDER; i++)
        order[i] = (unsigned)wb_rng_below(&rng, KEYS);

    char key[32], label[64];
    for (int a = 0; a < 4; a++) {
        snprintf(key, sizeof key, "%s1", short_names[a]);
        wb_bench_target(key, 100000);
        snprintf(key, sizeof key, "%s_keys", short_names[a]);
        wb_bench_target(key, 2000);
    }
    wb_bench_relate("bucket_keys", "probe");

    for (int a = 0; a < 4; a++) {
        wb_manual_clock_init(&clock_, 1000 * WB_SEC);
        limiter = limiter_of(algorithms[a], &clock_.clock);
        if (limiter == NULL) {
            fprintf(stderr, "the constructor of %s returned NULL for valid parameters\n", names[a]);
            return 1;
        }
        snprintf(key, sizeof key, "%s1", short_names[a]);
        snprintf(label, sizeof label, "%s, 1 key", names[a]);
        wb_bench_rate(key, wb_bench_measure(one_key_batch, NULL, 1, 1000, seconds), label);
        rl_destroy(limiter);
    }

    wb_manual_clock_init(&clock_, 1000 * WB_SEC);
    floor_fill();
    wb_bench_rate("probe", wb_bench_measure(probe_batch, NULL, 1, 1000, seconds),
                  "floor: probe + bucket, 100k keys");
    floor_free();
    double bytes[4], log100_bytes, unused;
    for (int a = 0; a < 4; a++) {
        wb_manual_clock_init(&clock_, 1000 * WB_SEC);
        table = filled_table(config_of(algorithms[a], 10), &clock_.clock, &bytes[a]);
        snprintf(key, sizeof key, "%s_keys", short_names[a]);
        snprintf(label, sizeof label, "%s, 100k keys", names[a]);
        struct keys_run run = { .move_clock = 1 };
        wb_bench_rate(key, wb_bench_measure(many_keys_batch, &run, 1, 1000, seconds), label);
        rl_keyed_destroy(table);
    }

    table = filled_table(config_of(RL_TOKEN_BUCKET, 10), NULL, &unused);
    struct keys_run run = { .move_clock = 0 };
    wb_bench_rate("bucket_keys2", wb_bench_measure(many_keys_batch, &run, 2, 1000, seconds),
                  "token bucket, 100k keys, 2 threads");
    rl_keyed_destroy(table);

    for (int a = 0; a < 4; a++) {
        snprintf(key, sizeof key, "bytes_%s", short_names[a]);
        snprintf(label, sizeof label, "%s: bytes per key", names[a]);
        wb_bench_value(key, bytes[a], "B", label);
    }
    wb_manual_clock_init(&clock_, 1000 * WB_SEC);
    rl_keyed_destroy(filled_table(config_of(RL_SLIDING_LOG, 100), &clock_.clock, &log100_bytes));
    wb_bench_value("bytes_log100", log100_bytes, "B", "sliding log, limit 100: bytes per key");
    wb_bench_consume(&granted);
    return 0;
}
