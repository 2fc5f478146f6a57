/*
 * bench_circuit_breaker.c: what does a breaker cost? `make bench
 * EX=circuit_breaker` runs this program linked with your code and with the
 * reference, in turns.
 *
 * A breaker sits on the path of every call to a dependency, so its price is
 * paid on every call: this measures that price. The floor is a bare call of
 * the same operation through a function pointer, with no breaker. Then:
 *   - cb_allow + the operation + cb_report through a closed breaker, the
 *     price every healthy call pays, on one thread and on two sharing it;
 *   - the same with a 100-call failure-rate window and a bulkhead;
 *   - cb_call, which also reads the clock twice to time the operation;
 *   - cb_allow on an open breaker: how fast a failing dependency is refused.
 * The breakers use the system clock, as a real program would.
 *
 * With WB_BENCH_QUICK set (make check) each measurement runs a shorter time.
 */
#include <stdlib.h>

#include "circuit_breaker.h"
#include "wb/bench.h"

static double seconds = 0.25;

/* The protected operation: as cheap as an operation can be, so that what is
 * measured is the breaker. Called through a volatile pointer so that the
 * compiler cannot inline it into the floor. */
static bool operation(void *ctx)
{
    ++*(volatile unsigned long *)ctx;
    return true;
}
static bool (*volatile op_ptr)(void *) = operation;

static cb_breaker *breaker;
static _Thread_local unsigned long work; /* what each thread's operation counts */

static void bare_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++)
        op_ptr(&work);
    wb_bench_consume(&work);
}

static void allow_report_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++) {
        cb_ticket t;
        if (cb_allow(breaker, &t) == CB_OK)
            cb_report(breaker, &t, op_ptr(&work), 0);
    }
    wb_bench_consume(&work);
}

static void call_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++)
        cb_call(breaker, op_ptr, &work);
    wb_bench_consume(&work);
}

static void rejected_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    cb_ticket t;
    for (size_t i = 0; i < ops; i++)
        cb_allow(breaker, &t);
    wb_bench_consume(&t);
}

/* A breaker on the system clock, or exit: a benchmark has no one to report to. */
static cb_breaker *make_breaker(cb_config config)
{
    cb_breaker *b = NULL;
    if (cb_create(&b, &config, NULL) != CB_OK || b == NULL)
        abort();
    return b;
}

static double measure(wb_bench_fn fn, int threads)
{
    return wb_bench_measure(fn, NULL, threads, 1000, seconds);
}

int main(void)
{
    if (getenv("WB_BENCH_QUICK") != NULL)
        seconds = 0.1;
    const cb_config plain = { .failure_threshold = 5, .open_timeout = 30 * WB_SEC };
    const cb_config full = { .failure_threshold = 5,
                             .open_timeout = 30 * WB_SEC,
                             .window_size = 100,
                             .failure_rate_percent = 50,
                             .minimum_calls = 20,
                             .slow_call_duration = WB_SEC,
                             .max_concurrent = 64 };

    /* Targets only for allow + report: cb_call adds two clock reads, whose cost is the
     * system's (and grows most when the machine is busy), not the breaker's. */
    wb_bench_target("allow1", 100000);
    wb_bench_target("allow2", 50000);
    wb_bench_relate("allow1", "bare");
    wb_bench_relate("call1", "bare");

    /* The floor and the closed breaker alternate a few times, so that a machine
     * that speeds up or slows down during the run treats both alike. */
    breaker = make_breaker(plain);
    double bare = 0, allow1 = 0;
    for (int i = 0; i < 3; i++) {
        double f = measure(bare_batch, 1), a = measure(allow_report_batch, 1);
        bare = f > bare ? f : bare;
        allow1 = a > allow1 ? a : allow1;
    }
    wb_bench_rate("bare", bare, "floor: the bare call, no breaker");
    wb_bench_rate("allow1", allow1, "allow + call + report, 1 thread");
    wb_bench_value("overhead", 1e9 / allow1 - 1e9 / bare, "ns",
                   "added to each call by allow + report");
    wb_bench_rate("call1", measure(call_batch, 1), "cb_call (times the call), 1 thread");
    wb_bench_rate("allow2", measure(allow_report_batch, 2), "allow + call + report, 2 threads");
    wb_bench_rate("call2", measure(call_batch, 2), "cb_call, 2 threads");
    cb_destroy(breaker);

    breaker = make_breaker(full);
    wb_bench_rate("window1", measure(allow_report_batch, 1), "with window and bulkhead, 1 thread");
    cb_destroy(breaker);

    /* Five failures open it for 30 s: every cb_allow after that is refused. */
    breaker = make_breaker(plain);
    for (int i = 0; i < 5; i++) {
        cb_ticket t;
        if (cb_allow(breaker, &t) == CB_OK)
            cb_report(breaker, &t, false, 0);
    }
    wb_bench_rate("rejected1", measure(rejected_batch, 1), "cb_allow refused (open), 1 thread");
    cb_destroy(breaker);
    return 0;
}
