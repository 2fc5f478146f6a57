/*
 * consistent_hash.c: your consistent-hash ring. The contract is in
 * consistent_hash.h; the levels, the hints and the way to run the tests are
 * in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone.
 */
#include "consistent_hash.h"

#include "wb/todo.h"

/* Your ring: where are the points, in what order, and how does a lookup find
 * the first one clockwise from a key without looking at them all? (Level 3
 * adds a lock that lets lookups share the ring.) */
struct ring {
    unsigned points_per_node;
};

/* ---- Level 1: the ring ---- */

uint64_t ring_hash(const void *bytes, size_t len)
{
    TODO(1, bytes, len);
}

ring *ring_create(unsigned points_per_node)
{
    TODO(1, points_per_node);
}

void ring_destroy(ring *r)
{
    TODO(1, r);
}

ring_status ring_add(ring *r, const char *node, unsigned weight)
{
    TODO(1, r, node, weight);
}

ring_status ring_remove(ring *r, const char *node)
{
    TODO(1, r, node);
}

ring_status ring_locate(ring *r, const void *key, size_t len, char node[RING_NAME_MAX])
{
    TODO(1, r, key, len, node);
}

size_t ring_node_count(ring *r)
{
    TODO(1, r);
}

/* ---- Level 2: virtual nodes and weights ---- */

size_t ring_point_count(ring *r)
{
    TODO(2, r);
}

uint64_t ring_probes(ring *r)
{
    TODO(2, r);
}

/* ---- Level 3: movement (no new functions: make the ones above right when the ring changes,
 * and safe for lookups on other threads) ---- */

/* ---- Level 4: replicas ---- */

ring_status ring_replicas(ring *r, const void *key, size_t len, char (*nodes)[RING_NAME_MAX],
                          size_t n, size_t *found)
{
    TODO(4, r, key, len, nodes, n, found);
}

/* ---- Level 5: jump consistent hash ---- */

ring_status ring_jump(uint64_t key, int32_t buckets, int32_t *bucket)
{
    TODO(5, key, buckets, bucket);
}
