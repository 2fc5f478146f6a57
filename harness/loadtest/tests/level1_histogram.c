/*
 * Level 1, the histogram: percentiles within 1% of the true value at their
 * rank, exact minimum, maximum and mean, merging, and the rows of the text
 * histogram. Run alone with `make loadtest-test LEVEL=1`.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lt_test.h"

WB_LEVEL(1);

/* A value drawn log-uniformly from [1, 2^bits): as many small values as large ones. */
static uint64_t log_uniform(wb_rng *rng, int bits)
{
    int e = (int)wb_rng_below(rng, (uint64_t)bits);
    uint64_t low = UINT64_C(1) << e;
    return low + wb_rng_below(rng, low);
}

static int ascending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

Test(level1, an_empty_histogram_has_no_percentile)
{
    hist *h = new_hist();
    uint64_t v = 12345;
    hist_status s = hist_percentile(h, 50, &v);
    cr_assert(s == HIST_EMPTY,
              "hist_percentile(50) of an empty histogram returned %d, expected "
              "HIST_EMPTY: there is no value to report",
              (int)s);
    cr_assert(v == 12345, "hist_percentile changed *value to %llu though it failed",
              (unsigned long long)v);
    cr_assert(hist_count(h) == 0 && hist_min(h) == 0 && hist_max(h) == 0 && hist_mean(h) == 0,
              "an empty histogram reports count %llu, min %llu, max %llu, mean %g; expected all 0",
              (unsigned long long)hist_count(h), (unsigned long long)hist_min(h),
              (unsigned long long)hist_max(h), hist_mean(h));
    hist_destroy(h);
}

Test(level1, values_below_128_are_reported_exactly)
{
    hist *h = new_hist();
    for (uint64_t v = 0; v < 128; v++)
        hist_record(h, 127 - v);
    for (int rank = 1; rank <= 128; rank++) {
        uint64_t got = percentile(h, 100.0 * (rank - 0.5) / 128);
        cr_assert(got == (uint64_t)rank - 1,
                  "after recording 0 .. 127, the value at rank %d was reported as %llu, expected "
                  "exactly %d: values below 128 have a bucket each",
                  rank, (unsigned long long)got, rank - 1);
    }
    hist_destroy(h);
}

Test(level1, every_rank_is_reported_within_one_percent)
{
    enum { N = 8000 };
    static uint64_t values[N];
    wb_rng rng;
    wb_rng_seed(&rng, 2024);
    hist *h = new_hist();
    for (int i = 0; i < N; i++) {
        values[i] = log_uniform(&rng, 63);
        hist_record(h, values[i]);
    }
    qsort(values, N, sizeof values[0], ascending);
    for (int rank = 1; rank <= N; rank++) {
        double p = 100.0 * (rank - 0.5) / N;
        uint64_t got = percentile(h, p), want = values[rank - 1];
        cr_assert(within_one_percent(got, want),
                  "hist_percentile(%.4f) reported %llu, expected %llu within 1%% (the value at "
                  "rank %d of %d, seed 2024, values from 1 to 2^63)",
                  p, (unsigned long long)got, (unsigned long long)want, rank, N);
    }
    hist_destroy(h);
}

Test(level1, percentiles_of_one_to_a_thousand_milliseconds)
{
    /* 1 ms, 2 ms, ... 1000 ms, recorded in a shuffled order. */
    uint64_t order[1000];
    wb_rng rng;
    wb_rng_seed(&rng, 7);
    for (int i = 0; i < 1000; i++)
        order[i] = (uint64_t)(i + 1) * WB_MSEC;
    for (int i = 999; i > 0; i--) {
        int j = (int)wb_rng_below(&rng, (uint64_t)i + 1);
        uint64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    hist *h = new_hist();
    for (int i = 0; i < 1000; i++)
        hist_record(h, order[i]);
    const double points[] = { 50, 90, 99, 99.9 };
    const uint64_t want[] = { 500, 900, 990, 999 };
    for (int i = 0; i < 4; i++) {
        uint64_t got = percentile(h, points[i]);
        cr_assert(within_one_percent(got, want[i] * WB_MSEC),
                  "p%g of 1, 2, ... 1000 ms was reported as %.3f ms, expected %llu ms within 1%%",
                  points[i], (double)got / 1e6, (unsigned long long)want[i]);
    }
    hist_destroy(h);
}

Test(level1, min_max_and_the_extreme_percentiles_are_exact)
{
    hist *h = new_hist();
    const uint64_t values[] = { 987654321, 1234567, 55555555 };
    for (int i = 0; i < 3; i++)
        hist_record(h, values[i]);
    cr_assert(hist_min(h) == 1234567 && hist_max(h) == 987654321,
              "after recording 987654321, 1234567 and 55555555, min is %llu and max %llu; "
              "expected exactly 1234567 and 987654321",
              (unsigned long long)hist_min(h), (unsigned long long)hist_max(h));
    uint64_t p0 = percentile(h, 0), p100 = percentile(h, 100);
    cr_assert(p0 == 1234567 && p100 == 987654321,
              "p0 is %llu and p100 %llu, expected exactly the min 1234567 and the max 987654321",
              (unsigned long long)p0, (unsigned long long)p100);
    hist_destroy(h);
}

Test(level1, no_percentile_falls_outside_the_recorded_range)
{
    hist *h = new_hist();
    for (int i = 0; i < 10; i++)
        hist_record(h, 1000001); /* one bucket, whose middle is not 1000001 */
    for (double p = 1; p < 100; p += 7) {
        uint64_t got = percentile(h, p);
        cr_assert(got == 1000001,
                  "ten values of 1000001 give p%g = %llu, expected 1000001: a "
                  "percentile is never below the min nor above the max",
                  p, (unsigned long long)got);
    }
    hist_destroy(h);
}

Test(level1, the_mean_is_the_average_of_the_values)
{
    hist *h = new_hist();
    uint64_t sum = 0;
    for (uint64_t v = 1; v <= 999; v += 2) {
        hist_record(h, v * 1000 + 17);
        sum += v * 1000 + 17;
    }
    double want = (double)sum / 500;
    cr_assert(fabs(hist_mean(h) - want) < 1e-6 * want,
              "the mean of 500 values is %.3f, expected %.3f: the mean is exact, not from buckets",
              hist_mean(h), want);
    hist_destroy(h);
}

Test(level1, merging_is_the_same_as_recording_everything_in_one)
{
    hist *a = new_hist(), *b = new_hist(), *all = new_hist();
    wb_rng rng;
    wb_rng_seed(&rng, 99);
    for (int i = 0; i < 5000; i++) {
        uint64_t v = log_uniform(&rng, 40);
        hist_record(i % 3 == 0 ? a : b, v);
        hist_record(all, v);
    }
    hist_merge(a, b);
    cr_assert(hist_count(a) == hist_count(all) && hist_min(a) == hist_min(all) &&
                  hist_max(a) == hist_max(all) &&
                  fabs(hist_mean(a) - hist_mean(all)) <= 1e-9 * hist_mean(all),
              "merged: count %llu, min %llu, max %llu, mean %g; recorded in one: %llu, %llu, "
              "%llu, %g; expected the same",
              (unsigned long long)hist_count(a), (unsigned long long)hist_min(a),
              (unsigned long long)hist_max(a), hist_mean(a), (unsigned long long)hist_count(all),
              (unsigned long long)hist_min(all), (unsigned long long)hist_max(all), hist_mean(all));
    for (double p = 0.5; p < 100; p += 0.5)
        cr_assert(percentile(a, p) == percentile(all, p),
                  "p%g of the merged histogram is %llu, of one with every value %llu: expected "
                  "the same",
                  p, (unsigned long long)percentile(a, p), (unsigned long long)percentile(all, p));
    hist_destroy(a);
    hist_destroy(b);
    hist_destroy(all);
}

Test(level1, merging_an_empty_histogram_changes_nothing)
{
    hist *h = new_hist(), *empty = new_hist();
    hist_record(h, 500);
    hist_record(h, 700);
    hist_merge(h, empty);
    cr_assert(hist_count(h) == 2 && hist_min(h) == 500 && hist_max(h) == 700,
              "after merging an empty histogram: count %llu, min %llu, max %llu; expected 2, "
              "500, 700 as before (an empty one has no min of 0 to bring in)",
              (unsigned long long)hist_count(h), (unsigned long long)hist_min(h),
              (unsigned long long)hist_max(h));
    hist_merge(empty, h);
    cr_assert(hist_min(empty) == 500,
              "merging into an empty histogram gave min %llu, expected 500: its min is the "
              "first value it gets, not 0",
              (unsigned long long)hist_min(empty));
    hist_destroy(h);
    hist_destroy(empty);
}

Test(level1, a_bad_percentile_is_refused_and_changes_nothing)
{
    hist *h = new_hist();
    hist_record(h, 42);
    const double bad[] = { -1, 100.5, NAN, -INFINITY };
    for (int i = 0; i < 4; i++) {
        uint64_t v = 777;
        hist_status s = hist_percentile(h, bad[i], &v);
        cr_assert(s == HIST_BAD_PERCENTILE && v == 777,
                  "hist_percentile(%g) returned %d and set the value to %llu; expected "
                  "HIST_BAD_PERCENTILE and the value untouched: a percentile is from 0 to 100",
                  bad[i], (int)s, (unsigned long long)v);
    }
    cr_assert(hist_count(h) == 1 && percentile(h, 50) == 42,
              "after refused calls the histogram holds %llu values, p50 %llu; expected 1 and 42",
              (unsigned long long)hist_count(h), (unsigned long long)percentile(h, 50));
    hist_destroy(h);
}

Test(level1, the_largest_values_are_recorded_without_overflow)
{
    hist *h = new_hist();
    const uint64_t values[] = { UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63, 1 };
    for (int i = 0; i < 4; i++)
        hist_record(h, values[i]);
    uint64_t p60 = percentile(h, 60); /* rank 3 of 4: 2^63 + ... well, UINT64_MAX - 1 */
    cr_assert(within_one_percent(p60, UINT64_MAX - 1) && hist_max(h) == UINT64_MAX,
              "with 1, 2^63, 2^64-2 and 2^64-1 recorded, p60 is %llu (expected 2^64-2 within 1%%) "
              "and max %llu (expected 2^64-1)",
              (unsigned long long)p60, (unsigned long long)hist_max(h));
    hist_destroy(h);
}

/* The rows of h must be contiguous, cover [min, max], and count exactly the values in them. */
static void expect_rows_match(const hist *h, const uint64_t *values, size_t n, size_t max_rows,
                              const char *why)
{
    hist_row rows[64];
    size_t count = hist_rows(h, rows, max_rows);
    cr_assert(count >= 1 && count <= max_rows, "hist_rows gave %zu rows, expected 1 to %zu: %s",
              count, max_rows, why);
    cr_assert(rows[0].low <= hist_min(h) &&
                  (rows[count - 1].high > hist_max(h) || rows[count - 1].high == UINT64_MAX),
              "the rows span [%llu, %llu), which does not cover min %llu to max %llu: %s",
              (unsigned long long)rows[0].low, (unsigned long long)rows[count - 1].high,
              (unsigned long long)hist_min(h), (unsigned long long)hist_max(h), why);
    for (size_t r = 0; r < count; r++) {
        cr_assert(r == 0 || rows[r].low == rows[r - 1].high,
                  "row %zu starts at %llu but row %zu ended at %llu: rows must be contiguous: %s",
                  r, (unsigned long long)rows[r].low, r - 1, (unsigned long long)rows[r - 1].high,
                  why);
        uint64_t inside = 0;
        for (size_t i = 0; i < n; i++)
            inside += values[i] >= rows[r].low &&
                      (values[i] < rows[r].high || rows[r].high == UINT64_MAX);
        cr_assert(rows[r].count == inside,
                  "row %zu, [%llu, %llu), counts %llu values; %llu of those recorded lie in it: %s",
                  r, (unsigned long long)rows[r].low, (unsigned long long)rows[r].high,
                  (unsigned long long)rows[r].count, (unsigned long long)inside, why);
    }
}

Test(level1, rows_count_exactly_the_values_inside_them)
{
    enum { N = 3000 };
    static uint64_t values[N];
    wb_rng rng;
    wb_rng_seed(&rng, 5);
    hist *h = new_hist();
    for (int i = 0; i < N; i++) {
        values[i] = 20 * WB_USEC + log_uniform(&rng, 23); /* 20 us to about 8 ms */
        hist_record(h, values[i]);
    }
    expect_rows_match(h, values, N, REPORT_HISTOGRAM_ROWS, "3000 latencies from 20 us to 8 ms");
    hist_destroy(h);
}

Test(level1, rows_stay_within_the_limit_over_the_whole_range)
{
    const uint64_t values[] = { 0, 1, 3, 1000, UINT64_C(1) << 40, UINT64_MAX };
    hist *h = new_hist();
    for (int i = 0; i < 6; i++)
        hist_record(h, values[i]);
    expect_rows_match(h, values, 6, 8, "values from 0 to 2^64-1 in at most 8 rows");
    hist_destroy(h);
}

Test(level1, rows_are_evenly_spaced_on_a_log_scale)
{
    hist *h = new_hist();
    for (uint64_t v = 100 * WB_USEC; v < 1600 * WB_USEC; v += 3 * WB_USEC)
        hist_record(h, v);
    hist_row rows[REPORT_HISTOGRAM_ROWS];
    size_t n = hist_rows(h, rows, REPORT_HISTOGRAM_ROWS);
    /* Four powers of two at most 24 rows: quarters of a power of two, 16 or 17 rows. */
    for (size_t r = 0; r < n; r++) {
        uint64_t power = UINT64_C(1) << (63 - __builtin_clzll(rows[r].low));
        cr_assert(rows[r].high - rows[r].low == power / 4,
                  "row %zu, [%llu, %llu), is not a quarter of the power of two %llu it starts in; "
                  "values from 100 us to 1.6 ms in at most %d rows should be cut in quarters, "
                  "the finest split that fits",
                  r, (unsigned long long)rows[r].low, (unsigned long long)rows[r].high,
                  (unsigned long long)power, REPORT_HISTOGRAM_ROWS);
    }
    cr_assert(n >= 16 && n <= REPORT_HISTOGRAM_ROWS,
              "%zu rows for 100 us to 1.6 ms, expected 16 or 17 quarters of a power of two", n);
    hist_destroy(h);
}
