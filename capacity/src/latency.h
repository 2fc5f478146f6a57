/*
 * latency.h: the latency numbers every engineer should know, as the classic
 * table gave them around 2012 and as typical servers of the 2020s measure,
 * for `capacity latency`.
 */
#ifndef CAPACITY_LATENCY_H
#define CAPACITY_LATENCY_H

#include <stddef.h>

/* The years the two columns describe, as printed in their headings. */
#define LAT_CLASSIC_YEAR "~2012"
#define LAT_MODERN_YEAR  "2020s"

typedef struct lat_entry {
    const char *operation; /* "main memory reference" */
    double classic_ns;     /* the classic table's figure (Jeff Dean, Peter Norvig; ~2012) */
    double modern_ns;      /* a typical figure on 2020s server hardware */
    const char *note;      /* what changed, or a ratio worth remembering; "" if none */
} lat_entry;

/* How many rows the table has. */
size_t lat_count(void);

/* The i-th row, fastest first; NULL when i >= lat_count(). */
const lat_entry *lat_at(size_t i);

#endif /* CAPACITY_LATENCY_H */
