/*
 * wb/clock.h: the injectable clock.
 *
 * Exercises whose behaviour depends on time read it through a wb_clock and
 * never from the system directly, so that a test can move time by hand.
 */
#ifndef WB_CLOCK_H
#define WB_CLOCK_H

#include <stdint.h>

/* Durations are int64_t nanoseconds; these make them readable: 5 * WB_SEC. */
#define WB_NSEC INT64_C(1)
#define WB_USEC INT64_C(1000)
#define WB_MSEC INT64_C(1000000)
#define WB_SEC  INT64_C(1000000000)

typedef struct wb_clock wb_clock;

/*
 * A clock: a function that reads the time, and the state it reads it from.
 * The time is in nanoseconds from an arbitrary origin; only differences
 * between two readings mean anything.
 */
struct wb_clock {
    int64_t (*now)(const wb_clock *clock); /* the current time, in nanoseconds */
    void *state;                           /* what `now` reads; NULL for the system clock */
};

/*
 * Reads `clock`. NULL means the monotonic system clock, so an exercise can
 * accept NULL from callers that do not care. Thread-safe.
 */
int64_t wb_now(const wb_clock *clock);

/* The system's monotonic clock (CLOCK_MONOTONIC): the default for real programs. */
const wb_clock *wb_monotonic_clock(void);

/*
 * A clock that moves only when told to: the clock every test uses. Reading
 * and moving it are atomic, so threads may share one.
 *
 *     wb_manual_clock mc;
 *     wb_manual_clock_init(&mc, 1000 * WB_SEC);
 *     lru_cache *c = lru_create(8, &mc.clock);
 *     wb_manual_clock_advance(&mc, 2 * WB_SEC);
 */
typedef struct wb_manual_clock {
    wb_clock clock;      /* pass &mc.clock wherever a const wb_clock * is wanted */
    _Atomic int64_t now; /* the time it reads, in nanoseconds */
} wb_manual_clock;

/* Starts the clock at `start` nanoseconds. Tests start away from 0 on purpose. */
void wb_manual_clock_init(wb_manual_clock *mc, int64_t start);

/* Moves the clock by `delta` nanoseconds; a negative delta moves it backwards. */
void wb_manual_clock_advance(wb_manual_clock *mc, int64_t delta);

/* Sets the clock to `now` nanoseconds, forwards or backwards. */
void wb_manual_clock_set(wb_manual_clock *mc, int64_t now);

#endif /* WB_CLOCK_H */
