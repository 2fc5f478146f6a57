/*
 * hist.c: the latency histogram of hist.h (log-linear buckets).
 *
 * Unlike HdrHistogram, the range and the precision are fixed (every uint64_t,
 * 64 sub-buckets per power of two), so there is nothing to configure and two
 * histograms can always be merged.
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>

/*
 * Buckets. Values 0 .. 127 have a bucket each (index = value). A value v >= 128
 * with highest bit e (2^e <= v < 2^(e+1), 7 <= e <= 63) falls in octave e,
 * cut into 64 buckets of width 2^(e-6):
 *
 *     index = 128 + (e - 7) * 64 + (v >> (e - 6)) - 64
 *
 * Invariant: counts[i] is the number of recorded values whose index is i;
 * count is their sum; min, max and sum are over the same values.
 */
enum { OCTAVES = 64 - 7, BUCKETS = HIST_EXACT_BELOW + OCTAVES * HIST_SUB_BUCKETS };

struct hist {
    uint64_t count; /* values recorded */
    uint64_t min;   /* the smallest, exactly (meaningless while count is 0) */
    uint64_t max;   /* the largest, exactly */
    double sum;     /* of every value, for the mean */
    uint64_t counts[BUCKETS];
};

/* The position of the highest set bit of v (v > 0): floor(log2 v). */
static int highest_bit(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

static size_t bucket_of(uint64_t v)
{
    if (v < HIST_EXACT_BELOW)
        return (size_t)v;
    int e = highest_bit(v);
    return (size_t)(HIST_EXACT_BELOW + (e - 7) * HIST_SUB_BUCKETS + (int)(v >> (e - 6)) -
                    HIST_SUB_BUCKETS);
}

/* The smallest value of bucket i, and the bucket's width. */
static uint64_t bucket_low(size_t i, uint64_t *width)
{
    if (i < HIST_EXACT_BELOW) {
        *width = 1;
        return i;
    }
    size_t k = i - HIST_EXACT_BELOW;
    int shift = (int)(k / HIST_SUB_BUCKETS) + 1; /* e - 6 */
    *width = UINT64_C(1) << shift;
    return (uint64_t)(HIST_SUB_BUCKETS + k % HIST_SUB_BUCKETS) << shift;
}

hist *hist_create(void)
{
    return calloc(1, sizeof(hist));
}

void hist_destroy(hist *h)
{
    free(h);
}

void hist_record(hist *h, uint64_t value)
{
    if (h->count == 0 || value < h->min)
        h->min = value;
    if (h->count == 0 || value > h->max)
        h->max = value;
    h->count++;
    h->sum += (double)value;
    h->counts[bucket_of(value)]++;
}

void hist_merge(hist *into, const hist *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (into->count == 0 || from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (size_t i = 0; i < BUCKETS; i++)
        into->counts[i] += from->counts[i];
}

uint64_t hist_count(const hist *h)
{
    return h->count;
}

uint64_t hist_min(const hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t hist_max(const hist *h)
{
    return h->count ? h->max : 0;
}

double hist_mean(const hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

/* ceil(p/100 * count), at least 1, forgiving the rounding of p/100 (99.9% of 1000 is 999). */
static uint64_t rank_of(double p, uint64_t count)
{
    double exact = p / 100.0 * (double)count;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact * (1 - 1e-12))
        rank++;
    return rank < 1 ? 1 : rank > count ? count : rank;
}

hist_status hist_percentile(const hist *h, double p, uint64_t *value)
{
    if (isnan(p) || p < 0 || p > 100)
        return HIST_BAD_PERCENTILE;
    if (h->count == 0)
        return HIST_EMPTY;
    if (p == 100 || p == 0) {
        *value = p == 100 ? h->max : h->min;
        return HIST_OK;
    }
    /* Which bucket holds the value at this rank? Report its middle, kept inside [min, max]. */
    uint64_t rank = rank_of(p, h->count), seen = 0;
    size_t i = 0;
    while (seen + h->counts[i] < rank)
        seen += h->counts[i++];
    uint64_t width, middle = bucket_low(i, &width);
    middle += width / 2;
    *value = middle < h->min ? h->min : middle > h->max ? h->max : middle;
    return HIST_OK;
}

/* ---- rows for the text histogram ---- */

/*
 * The row holding v: [*low, *high), with *high = UINT64_MAX for the row that holds the
 * largest values. With split >= 0 each power of two is cut into 2^split rows (fewer where
 * the values are too small to cut); with split < 0 a row spans 2^-split powers of two.
 */
static void row_of(uint64_t v, int split, uint64_t *low, uint64_t *high)
{
    if (v == 0) {
        *low = 0;
        *high = 1;
        return;
    }
    int e = highest_bit(v);
    if (split < 0) {
        int span = 1 << -split, first = e / span * span;
        *low = UINT64_C(1) << first;
        *high = first + span >= 64 ? UINT64_MAX : UINT64_C(1) << (first + span);
        return;
    }
    int shift = e - (split < e ? split : e); /* log2 of the row's width */
    *low = v >> shift << shift;
    uint64_t width = UINT64_C(1) << shift;
    *high = *low > UINT64_MAX - width ? UINT64_MAX : *low + width;
}

/* How many rows cover [min, max] at this split. */
static size_t rows_needed(const hist *h, int split)
{
    size_t n = 0;
    uint64_t low, high = hist_min(h);
    do {
        row_of(high, split, &low, &high);
        n++;
    } while (high <= h->max && high != UINT64_MAX);
    return n;
}

/* The values recorded in [low, high), both bucket boundaries. */
static uint64_t count_between(const hist *h, uint64_t low, uint64_t high)
{
    uint64_t n = 0;
    size_t last = high == UINT64_MAX ? BUCKETS - 1 : bucket_of(high - 1);
    for (size_t i = bucket_of(low); i <= last; i++)
        n += h->counts[i];
    return n;
}

size_t hist_rows(const hist *h, hist_row *rows, size_t max_rows)
{
    if (h->count == 0 || max_rows == 0)
        return 0;
    /* The finest split, from eighths of a power of two to rows of 64 powers, that fits. */
    int split = 3;
    while (split > -6 && rows_needed(h, split) > max_rows)
        split--;
    size_t n = 0;
    uint64_t next = h->min;
    do {
        hist_row *r = &rows[n++];
        row_of(next, split, &r->low, &r->high);
        r->count = count_between(h, r->low, r->high);
        next = r->high;
    } while (next <= h->max && next != UINT64_MAX && n < max_rows);
    return n;
}
