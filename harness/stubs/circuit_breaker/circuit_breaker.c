/*
 * circuit_breaker.c: your circuit breaker. The contract is in
 * circuit_breaker.h; the levels, the hints and the way to run the tests are
 * in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone. All the functions are needed from level 1; the later levels
 * add behaviour, not functions.
 */
#include "circuit_breaker.h"

#include "wb/todo.h"

/* Your breaker: which state is it in, since when, and what has it counted?
 * (Level 2 adds the trials, level 3 a window of results, level 4 a lock and
 * the calls in flight.) */
struct cb_breaker {
    cb_config config;
};

cb_status cb_create(cb_breaker **out, const cb_config *config, const wb_clock *clock)
{
    TODO(1, out, config, clock);
}

void cb_destroy(cb_breaker *breaker)
{
    TODO(1, breaker);
}

cb_status cb_allow(cb_breaker *breaker, cb_ticket *ticket)
{
    TODO(1, breaker, ticket);
}

cb_status cb_report(cb_breaker *breaker, cb_ticket *ticket, bool ok, int64_t duration)
{
    TODO(1, breaker, ticket, ok, duration);
}

cb_status cb_call(cb_breaker *breaker, cb_operation op, void *ctx)
{
    TODO(1, breaker, op, ctx);
}

cb_state cb_current_state(cb_breaker *breaker)
{
    TODO(1, breaker);
}

cb_status cb_read_counts(cb_breaker *breaker, cb_counts *counts)
{
    TODO(1, breaker, counts);
}
