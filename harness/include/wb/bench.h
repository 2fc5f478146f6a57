/*
 * wb/bench.h: what the benchmark programs (exercises/X/bench_X.c) share.
 *
 * A benchmark program is linked once with the learner's code and once with
 * the reference; `make bench` runs the two in turns and prints them side by
 * side with their ratio, so both are measured on the same machine, in the
 * same minute. A program reports by printing lines (wb_bench_rate and
 * friends below); it never judges itself.
 */
#ifndef WB_BENCH_H
#define WB_BENCH_H

#include <stddef.h>

/* Runs `ops` operations of the workload; `thread` is 0 .. threads-1. */
typedef void (*wb_bench_fn)(void *ctx, int thread, size_t ops);

/*
 * Runs fn on `threads` threads at once, in batches of `batch` operations,
 * for about `seconds` (after a short warm-up), and returns the operations
 * per second of all threads together.
 */
double wb_bench_measure(wb_bench_fn fn, void *ctx, int threads, size_t batch, double seconds);

/* Prints a measured rate: "rate KEY OPS_PER_SECOND LABEL". */
void wb_bench_rate(const char *key, double ops_per_second, const char *label);

/* Prints a quantity that is not a rate: "value KEY NUMBER UNIT LABEL" (lower is better). */
void wb_bench_value(const char *key, double value, const char *unit, const char *label);

/* Prints a target for a rate: "target KEY OPS_PER_SECOND" (the figure the README names). */
void wb_bench_target(const char *key, double ops_per_second);

/*
 * Prints a cost bound: "bound KEY FLOOR_KEY RATIO", meaning one operation of
 * KEY should cost at most RATIO times one operation of FLOOR_KEY (a bare
 * probe measured in the same program).
 */
void wb_bench_bound(const char *key, const char *floor_key, double ratio);

/* Prints "relate KEY FLOOR_KEY": show the cost ratio of KEY to FLOOR_KEY, with no bound. */
void wb_bench_relate(const char *key, const char *floor_key);

/* Keeps the compiler from optimising away a result. */
void wb_bench_consume(const void *p);

#endif /* WB_BENCH_H */
