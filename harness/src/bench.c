/*
 * bench.c: timing loops and the line protocol of wb/bench.h.
 */
#include "wb/bench.h"
#include "wb/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct runner {
    wb_bench_fn fn;
    void *ctx;
    size_t batch;
    pthread_barrier_t start;
    atomic_bool stop;
};

struct worker {
    struct runner *r;
    int thread;
    size_t ops; /* operations done while the clock ran */
    pthread_t id;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(&w->r->start);
    while (!atomic_load_explicit(&w->r->stop, memory_order_relaxed)) {
        w->r->fn(w->r->ctx, w->thread, w->r->batch);
        w->ops += w->r->batch;
    }
    return NULL;
}

/* One timed run of `seconds`; returns operations per second. */
static double timed_run(struct runner *r, int threads, double seconds)
{
    struct worker *workers = calloc((size_t)threads, sizeof *workers);
    if (workers == NULL)
        abort();
    atomic_store(&r->stop, false);
    pthread_barrier_init(&r->start, NULL, (unsigned)threads + 1);
    for (int t = 0; t < threads; t++) {
        workers[t] = (struct worker){ .r = r, .thread = t };
        if (pthread_create(&workers[t].id, NULL, work, &workers[t]) != 0)
            abort();
    }
    pthread_barrier_wait(&r->start);
    int64_t t0 = wb_now(NULL);
    /* The main thread only keeps time: it polls the clock coarsely, so it steals little. */
    while (wb_now(NULL) - t0 < (int64_t)(seconds * 1e9)) {
        struct timespec nap = { 0, 2000000 };
        nanosleep(&nap, NULL);
    }
    atomic_store(&r->stop, true);
    size_t ops = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(workers[t].id, NULL);
        ops += workers[t].ops;
    }
    double elapsed = (double)(wb_now(NULL) - t0) / 1e9;
    pthread_barrier_destroy(&r->start);
    free(workers);
    return (double)ops / elapsed;
}

double wb_bench_measure(wb_bench_fn fn, void *ctx, int threads, size_t batch, double seconds)
{
    struct runner r = { .fn = fn, .ctx = ctx, .batch = batch };
    timed_run(&r, threads, seconds / 5); /* warm-up: caches, page faults, branch predictors */
    return timed_run(&r, threads, seconds);
}

void wb_bench_rate(const char *key, double ops_per_second, const char *label)
{
    printf("rate\t%s\t%.0f\t%s\n", key, ops_per_second, label);
    fflush(stdout);
}

void wb_bench_value(const char *key, double value, const char *unit, const char *label)
{
    printf("value\t%s\t%.6g\t%s\t%s\n", key, value, unit, label);
    fflush(stdout);
}

void wb_bench_target(const char *key, double ops_per_second)
{
    printf("target\t%s\t%.0f\n", key, ops_per_second);
    fflush(stdout);
}

void wb_bench_bound(const char *key, const char *floor_key, double ratio)
{
    printf("bound\t%s\t%s\t%g\n", key, floor_key, ratio);
    fflush(stdout);
}

void wb_bench_relate(const char *key, const char *floor_key)
{
    printf("relate\t%s\t%s\n", key, floor_key);
    fflush(stdout);
}

/* A volatile store the compiler must perform, so the value must be computed. */
static const void *volatile sink;

void wb_bench_consume(const void *p)
{
    sink = p;
}
