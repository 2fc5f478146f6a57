/*
 * latency.c: the rows of the latency table (see latency.h).
 *
 * The classic column is the table Jeff Dean popularised (after Peter
 * Norvig's), in the version widely shared around 2012. The 2020s column is
 * an order-of-magnitude figure for a current server (NVMe SSDs, DDR4/DDR5
 * memory, 10-100 Gbit/s networks); guides/foundations.md gives the ranges.
 */
#include "latency.h"

static const lat_entry rows[] = {
    { "L1 cache reference", 0.5, 1, "" },
    { "branch mispredict", 5, 3, "" },
    { "L2 cache reference", 7, 4, "" },
    { "mutex lock/unlock (uncontended)", 25, 20, "" },
    { "main memory reference", 100, 100, "100x an L1 hit, then and now" },
    { "compress 1 KB with a fast codec", 3000, 2000, "" },
    { "send 1 KB over a 1 Gbit/s link", 10000, 10000, "physics: 8,000 bits at 1 Gbit/s" },
    { "read 4 KB at random from an SSD", 150000, 50000, "NVMe made SSDs a few times faster" },
    { "read 1 MB sequentially from memory", 250000, 50000, "" },
    { "round trip within a data centre", 500000, 500000, "" },
    { "read 1 MB sequentially from an SSD", 1000000, 500000, "" },
    { "disk seek (spinning disk)", 10000000, 10000000, "mechanics did not get faster" },
    { "read 1 MB sequentially from a spinning disk", 20000000, 5000000, "" },
    { "packet California -> Netherlands -> California", 150000000, 150000000,
      "the speed of light in fibre" },
};

size_t lat_count(void)
{
    return sizeof rows / sizeof rows[0];
}

const lat_entry *lat_at(size_t i)
{
    return i < lat_count() ? &rows[i] : NULL;
}
