/*
 * report.h: what the load tester prints: the settings before the run, the
 * figures after it (operations, errors, throughput, latency percentiles and
 * a text histogram). Latencies are shown in milliseconds with three
 * decimals, as redis-benchmark shows them, so the two read alike.
 */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdio.h>

#include "options.h"
#include "run.h"

/* The most rows the text histogram has. */
#define REPORT_HISTOGRAM_ROWS 24

/* The settings of the run about to start, in two lines. */
void report_header(FILE *out, const opt_config *cfg);

/*
 * The figures of a finished run:
 *
 *     operations   1,234,567 in 10.00 s (GET 987,654, SET 246,913)
 *     errors       0
 *     throughput   123,457 operations/s
 *
 *     latency (ms)      p50      p90      p99    p99.9      max     mean
 *                     0.391    0.511    0.719    1.103    2.847    0.402
 *
 * then, unless cfg->histogram is 0, one histogram row per line:
 *
 *        0.375 -    0.406 |##############                          |  31.2%   58.0%  385,215
 *
 * (the range in ms, a bar scaled to the tallest row, the row's share, the
 * share at or below it, and its count). Errors, when there are any, are
 * broken down (error replies, unexpected replies, requests lost with a
 * connection) and the first one is quoted; lost connections get a line
 * with the first reason. Throughput is operations / elapsed time, errors
 * included. Writes only to `out`.
 */
void report_results(FILE *out, const opt_config *cfg, const lt_result *result);

#endif /* LT_REPORT_H */
