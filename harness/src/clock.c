/*
 * clock.c: the monotonic system clock and the manual test clock of wb/clock.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "wb/clock.h"

#include <stdatomic.h>
#include <time.h>

static int64_t monotonic_now(const wb_clock *clock)
{
    (void)clock;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * WB_SEC + ts.tv_nsec;
}

static const wb_clock monotonic = { monotonic_now, NULL };

const wb_clock *wb_monotonic_clock(void)
{
    return &monotonic;
}

int64_t wb_now(const wb_clock *clock)
{
    if (clock == NULL)
        clock = &monotonic;
    return clock->now(clock);
}

static int64_t manual_now(const wb_clock *clock)
{
    wb_manual_clock *mc = clock->state;
    return atomic_load(&mc->now);
}

void wb_manual_clock_init(wb_manual_clock *mc, int64_t start)
{
    mc->clock.now = manual_now;
    mc->clock.state = mc;
    atomic_init(&mc->now, start);
}

void wb_manual_clock_advance(wb_manual_clock *mc, int64_t delta)
{
    atomic_fetch_add(&mc->now, delta);
}

void wb_manual_clock_set(wb_manual_clock *mc, int64_t now)
{
    atomic_store(&mc->now, now);
}
