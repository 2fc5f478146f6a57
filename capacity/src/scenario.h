/*
 * scenario.h: named sets of inputs for classic designs (`capacity scenario
 * url-shortener`, and the quiz). Each scenario is written as the flags a
 * person would type, so it goes through the same checks as typed input.
 */
#ifndef CAPACITY_SCENARIO_H
#define CAPACITY_SCENARIO_H

#include <stddef.h>

typedef struct scn_scenario {
    const char *name;        /* "url-shortener": what `capacity scenario` takes */
    const char *title;       /* one line: what is being designed */
    const char *notice;      /* what its numbers teach, shown under the estimate */
    const char *const *args; /* its flags and values, NULL-terminated: "--dau", "100M", ... */
} scn_scenario;

/* How many scenarios there are (at least two). */
size_t scn_count(void);

/* The i-th scenario, in a fixed order; NULL when i >= scn_count(). */
const scn_scenario *scn_at(size_t i);

/* The scenario called `name` (exact match), or NULL. */
const scn_scenario *scn_find(const char *name);

#endif /* CAPACITY_SCENARIO_H */
