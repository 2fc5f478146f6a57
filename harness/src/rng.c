/*
 * rng.c: splitmix64 (Steele, Lea and Flood, 2014), the generator of wb/rng.h.
 *
 * One 64-bit word of state, a Weyl sequence scrambled by two multiplications;
 * it passes BigCrush and needs no warm-up, which is all a test needs.
 */
#include "wb/rng.h"

#include <assert.h>

void wb_rng_seed(wb_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t wb_rng_next(wb_rng *rng)
{
    uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t wb_rng_below(wb_rng *rng, uint64_t bound)
{
    assert(bound > 0);
    /* Draws below `threshold` would make small results more likely: redraw them. */
    uint64_t threshold = -bound % bound;
    for (;;) {
        uint64_t r = wb_rng_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}

double wb_rng_unit(wb_rng *rng)
{
    return (double)(wb_rng_next(rng) >> 11) * 0x1.0p-53;
}
