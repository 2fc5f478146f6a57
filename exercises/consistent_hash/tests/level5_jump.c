/*
 * Level 5, jump consistent hash (Lamping and Veach, 2014): no ring and no
 * memory, perfect balance, and growing by one bucket moves only what the new
 * bucket must take. Run alone with `make test LEVEL=5`.
 */
#include <math.h>
#include <stdlib.h>

#include "ring_test.h"

WB_LEVEL(5);

/* ring_jump(key, buckets), which must return RING_OK and a bucket in range. */
static int32_t jump(uint64_t key, int32_t buckets)
{
    int32_t bucket = -12345;
    ring_status s = ring_jump(key, buckets, &bucket);
    cr_assert(s == RING_OK, "ring_jump(%llu, %d) returned %s, expected RING_OK",
              (unsigned long long)key, buckets, status_name(s));
    cr_assert(bucket >= 0 && bucket < buckets,
              "ring_jump(%llu, %d) gave bucket %d, expected one of 0 .. %d",
              (unsigned long long)key, buckets, bucket, buckets - 1);
    return bucket;
}

Test(level5, jump_gives_the_published_values)
{
    static const struct {
        uint64_t key;
        int32_t buckets, want;
    } cases[] = {
        { 1, 1, 0 },
        { 42, 57, 43 },
        { 256, 1024, 520 },
        { 3735883980u, 1, 0 },
        { 3735883980u, 666, 361 },
        { 16045690984833335023u, 255, 237 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t got = jump(cases[i].key, cases[i].buckets);
        cr_assert(got == cases[i].want,
                  "ring_jump(%llu, %d) gave bucket %d, expected %d, the value of the paper's "
                  "algorithm (and of other implementations, ClickHouse's jumpConsistentHash "
                  "among them): the generator must be key * 2862933555777941757 + 1 modulo 2^64, "
                  "and the jump (b + 1) * (2^31 / ((key >> 33) + 1)) computed in double",
                  (unsigned long long)cases[i].key, cases[i].buckets, got, cases[i].want);
    }
}

Test(level5, one_bucket_takes_every_key)
{
    for (uint64_t key = 0; key < 1000; key++) {
        int32_t got = jump(doc_hash(&key, sizeof key), 1);
        cr_assert(got == 0,
                  "ring_jump(key, 1) gave bucket %d, expected 0: with one bucket there "
                  "is nowhere else to go",
                  got);
    }
}

Test(level5, every_key_lands_in_a_bucket_in_range)
{
    static const int32_t counts[] = { 2, 3, 10, 1000, 65536, 1000003, INT32_MAX };
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (uint64_t key = 0; key < 2000; key++)
            jump(doc_hash(&key, sizeof key), counts[c]); /* checks the range itself */
}

Test(level5, growing_by_one_bucket_moves_keys_only_to_the_new_bucket)
{
    struct keyset *k = keyset_new(20000);
    for (int32_t n = 1; n < 40; n++) {
        for (size_t i = 0; i < k->n; i++) {
            int32_t before = jump(k->pos[i], n), after = jump(k->pos[i], n + 1);
            cr_assert(after == before || after == n,
                      "%s (jump key 0x%016llx, its ring_hash) is in bucket %d of %d and in "
                      "bucket %d of %d; expected it to stay in %d or move to the new bucket %d: "
                      "a new bucket only takes keys",
                      wb_q(k->key[i]), (unsigned long long)k->pos[i], before, n, after, n + 1,
                      before, n);
        }
    }
    keyset_free(k);
}

Test(level5, growing_from_10_to_11_buckets_moves_an_eleventh_of_the_keys)
{
    struct keyset *k = keyset_new(100000);
    size_t moved = 0;
    for (size_t i = 0; i < k->n; i++)
        moved += jump(k->pos[i], 10) != jump(k->pos[i], 11);
    double share = (double)moved / (double)k->n;
    cr_assert(fabs(share - 1.0 / 11) <= 0.005,
              "growing from 10 to 11 buckets moved %zu of %zu keys (%.2f%%), expected 1/11 = "
              "9.09%% give or take 0.5%% (the paper's algorithm moves 9.08%%; a ring with 160 "
              "points per node moved 7.5%% of the same keys)",
              moved, k->n, 100 * share);
    keyset_free(k);
}

Test(level5, jump_spreads_keys_within_5_percent_of_the_mean)
{
    struct keyset *k = keyset_new(100000);
    int *bucket = malloc(k->n * sizeof *bucket);
    cr_assert(bucket != NULL, "the test ran out of memory");
    for (size_t i = 0; i < k->n; i++)
        bucket[i] = jump(k->pos[i], 10);
    struct spread s = spread_of(bucket, k->n, 10);
    double high = (double)s.most / s.mean, low = (double)s.fewest / s.mean;
    cr_assert(high <= 1.05 && low >= 0.95,
              "100,000 keys in 10 buckets: bucket %d holds %zu (%.3fx the mean of %.0f) and "
              "bucket %d holds %zu (%.3fx); expected every bucket within 5%% of the mean. "
              "Coefficient of variation %.4f (the paper's algorithm gives 1.017x, 0.985x and "
              "0.013; a ring of 10 nodes with 160 points each gives about 0.08)",
              s.busiest, s.most, high, s.mean, s.lightest, s.fewest, low, s.cv);
    free(bucket);
    keyset_free(k);
}

Test(level5, jump_refuses_fewer_than_one_bucket)
{
    static const int32_t bad[] = { 0, -1, INT32_MIN };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t bucket = -12345;
        ring_status s = ring_jump(42, bad[i], &bucket);
        cr_assert(s == RING_INVALID && bucket == -12345,
                  "ring_jump(42, %d) returned %s and set the bucket to %d, expected RING_INVALID "
                  "and the bucket untouched: there is no bucket to choose",
                  bad[i], status_name(s), bucket);
    }
    ring_status s = ring_jump(42, 57, NULL);
    cr_assert(s == RING_INVALID, "ring_jump(42, 57, NULL) returned %s, expected RING_INVALID",
              status_name(s));
}
