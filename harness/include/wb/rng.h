/*
 * wb/rng.h: a small seeded random number generator (splitmix64).
 *
 * Exercises that make random choices (jitter, skiplist levels, codes) take a
 * wb_rng, so that a test which seeds it sees the same choices on every run.
 * Not for cryptography. One generator per thread, or a lock around it.
 */
#ifndef WB_RNG_H
#define WB_RNG_H

#include <stdint.h>

typedef struct wb_rng {
    uint64_t state; /* advanced by a fixed odd constant on every draw */
} wb_rng;

/* Seeds `rng`; the same seed gives the same sequence on every machine. */
void wb_rng_seed(wb_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t wb_rng_next(wb_rng *rng);

/* A uniform draw from [0, bound), without modulo bias. `bound` must be > 0. */
uint64_t wb_rng_below(wb_rng *rng, uint64_t bound);

/* A uniform draw from [0, 1), with 53 random bits. */
double wb_rng_unit(wb_rng *rng);

#endif /* WB_RNG_H */
