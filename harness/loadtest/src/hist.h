/*
 * hist.h: the load tester's latency histogram, with a bounded relative error.
 *
 * Log-linear buckets, as in HdrHistogram: every power of two is cut into 64
 * equal sub-buckets, so a bucket is never wider than 1/64 of the values it
 * holds, whether they are 20 microseconds or 20 seconds. Recording is O(1)
 * and a histogram covers every uint64_t in about 30 KiB.
 */
#ifndef LT_HIST_H
#define LT_HIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * The error bound. Values below HIST_EXACT_BELOW have a bucket each and are
 * reported exactly. Above, a value v is reported as the middle of its
 * bucket, at most HIST_SUB_BUCKETS * 2 = 128 times smaller than v away from
 * it: within 1/128 (0.79%) of the value recorded, and so within 1%.
 */
#define HIST_SUB_BUCKETS 64
#define HIST_EXACT_BELOW 128

typedef enum hist_status {
    HIST_OK = 0,         /* done */
    HIST_EMPTY,          /* nothing recorded yet: no percentile to give */
    HIST_BAD_PERCENTILE, /* the percentile is not a number from 0 to 100 */
} hist_status;

typedef struct hist hist;

/* A new, empty histogram, or NULL when out of memory. Free it with hist_destroy. */
hist *hist_create(void);

/* Frees `h`; NULL does nothing. */
void hist_destroy(hist *h);

/* Records one value (a latency in nanoseconds, for the load tester). O(1). */
void hist_record(hist *h, uint64_t value);

/* Adds everything recorded in `from` to `into`, as if it had been recorded
 * there; `from` is unchanged. O(buckets). */
void hist_merge(hist *into, const hist *from);

/* How many values were recorded. */
uint64_t hist_count(const hist *h);

/* The smallest and the largest value recorded, exactly; 0 when empty. */
uint64_t hist_min(const hist *h);
uint64_t hist_max(const hist *h);

/* The mean of the values recorded, exactly up to double rounding; 0 when empty. */
double hist_mean(const hist *h);

/*
 * The p-th percentile (0 <= p <= 100): the value at rank ceil(p/100 * count)
 * (at least rank 1) in the sorted values, within the error bound above, and
 * never below hist_min nor above hist_max. p = 100 is hist_max exactly, p = 0
 * is hist_min exactly.
 * Returns HIST_OK and sets *value; HIST_EMPTY or HIST_BAD_PERCENTILE (NaN,
 * below 0, above 100) leave *value unchanged.
 */
hist_status hist_percentile(const hist *h, double p, uint64_t *value);

/* One row of a text histogram: the values in [low, high) and how many there are. */
typedef struct hist_row {
    uint64_t low;   /* the row's smallest value */
    uint64_t high;  /* one past its largest value (UINT64_MAX for the last possible row) */
    uint64_t count; /* how many recorded values fall in [low, high) */
} hist_row;

/*
 * Cuts the range from hist_min to hist_max into at most `max_rows` rows
 * (max_rows >= 2), contiguous and evenly spaced on a log scale: each row is
 * an eighth, a quarter, a half of a power of two, or one or more powers of
 * two, the finest that fits. (Below 8 a row cannot be narrower than one
 * value, so there rows may span a larger fraction.) Each row is made of
 * whole buckets, so its count is exact: the counts add up to hist_count.
 * The last row's high is UINT64_MAX when it holds values up to UINT64_MAX.
 * Writes the rows to rows[0 ..) and returns how many; 0 when empty.
 */
size_t hist_rows(const hist *h, hist_row *rows, size_t max_rows);

#endif /* LT_HIST_H */
