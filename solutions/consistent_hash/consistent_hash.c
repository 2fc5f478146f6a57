/*
 * consistent_hash.c: the reference ring (see exercises/consistent_hash/consistent_hash.h).
 *
 * The ring is a sorted array of points, kept as two parallel arrays: the
 * positions alone (8 bytes each, so a binary search touches as few cache
 * lines as it can) and, at the same index, the node each point belongs to.
 * A lookup is a binary search for the first position >= the key's; adding a
 * node merges its sorted points into the arrays from the back, in place;
 * removing one squeezes its points out, keeping the order. Textbook rings
 * keep the points in a balanced tree; a sorted array is smaller, faster to
 * search, and its O(P) insertion is cheap next to how rarely nodes change.
 *
 * One reader-writer lock: lookups share it, add and remove take it alone.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "consistent_hash.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    size_t points; /* weight * points_per_node */
    char name[];   /* 1 .. RING_NAME_MAX - 1 bytes and a NUL */
};

/*
 * Invariants, whenever the lock is free:
 *   - pos[0 .. npoints-1] is sorted by (position, owner's name): pos[i] <=
 *     pos[i+1], and where two are equal the smaller name comes first;
 *   - owner[i] is the node of the point at pos[i];
 *   - every node in nodes[] has exactly node->points points in the arrays,
 *     and npoints is the sum of those;
 *   - no two nodes share a name.
 */
struct ring {
    pthread_rwlock_t lock;
    unsigned per_node;   /* points of a node of weight 1 */
    uint64_t *pos;       /* npoints positions, sorted; room for cap */
    struct node **owner; /* owner[i] owns pos[i]; room for cap */
    size_t npoints, cap; /* points stored, room in both arrays */
    struct node **nodes; /* nnodes nodes, in no particular order; room for node_cap */
    size_t nnodes, node_cap;
    _Atomic uint64_t probes; /* ring_probes: lookups on many threads add to it at once */
};

/* ---- the hash --------------------------------------------------------------- */

uint64_t ring_hash(const void *bytes, size_t len)
{
    const unsigned char *b = bytes;
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, 64-bit */
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33; /* MurmurHash3's fmix64: every input bit reaches every output bit */
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

/* ---- placing a node's points ---------------------------------------------------- */

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Is point (pa of node a) before point (pb of node b) in ring order? */
static bool point_before(uint64_t pa, const struct node *a, uint64_t pb, const struct node *b)
{
    return pa < pb || (pa == pb && strcmp(a->name, b->name) < 0);
}

/* The positions of n's points ("name#0", "name#1", ...), sorted; NULL if memory runs out. */
static uint64_t *place_points(const struct node *n)
{
    uint64_t *pos = malloc(n->points * sizeof *pos);
    if (pos == NULL)
        return NULL;
    size_t len = strlen(n->name);
    char buf[RING_NAME_MAX + 12];
    memcpy(buf, n->name, len);
    buf[len] = '#';
    for (size_t i = 0; i < n->points; i++) {
        int digits = snprintf(buf + len + 1, sizeof buf - len - 1, "%zu", i);
        pos[i] = ring_hash(buf, len + 1 + (size_t)digits);
    }
    qsort(pos, n->points, sizeof *pos, compare_u64);
    return pos;
}

/* ---- the point arrays (called with the lock held for writing) -------------------- */

/* Makes room for `more` points. Returns false, with the ring unchanged, if memory runs out. */
static bool reserve_points(ring *r, size_t more)
{
    if (r->cap - r->npoints >= more)
        return true;
    size_t cap = r->cap ? r->cap : 64;
    while (cap - r->npoints < more)
        cap *= 2;
    uint64_t *pos = realloc(r->pos, cap * sizeof *pos);
    if (pos == NULL)
        return false;
    r->pos = pos; /* the contents are kept, so the ring is still whole if the next one fails */
    struct node **owner = realloc(r->owner, cap * sizeof *owner);
    if (owner == NULL)
        return false;
    r->owner = owner;
    r->cap = cap;
    return true;
}

/* Merges n's sorted points `add` into the arrays, from the back, so nothing is overwritten
 * before it has moved. Room must be reserved. O(P + k). */
static void merge_points(ring *r, struct node *n, const uint64_t *add)
{
    size_t i = r->npoints, j = n->points, w = r->npoints + n->points;
    while (j > 0) {
        if (i > 0 && point_before(add[j - 1], n, r->pos[i - 1], r->owner[i - 1])) {
            --i, --w; /* the old point is later on the ring: it moves up */
            r->pos[w] = r->pos[i];
            r->owner[w] = r->owner[i];
        } else {
            --j, --w;
            r->pos[w] = add[j];
            r->owner[w] = n;
        }
    }
    r->npoints += n->points;
}

/* Squeezes out n's points, keeping the others in order. O(P). */
static void drop_points(ring *r, const struct node *n)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->npoints; i++) {
        if (r->owner[i] == n)
            continue;
        r->pos[kept] = r->pos[i];
        r->owner[kept] = r->owner[i];
        kept++;
    }
    assert(kept + n->points == r->npoints);
    r->npoints = kept;
}

/* The index of the node named `name` in r->nodes, or r->nnodes if there is none. */
static size_t find_node(const ring *r, const char *name)
{
    size_t i = 0;
    while (i < r->nnodes && strcmp(r->nodes[i]->name, name) != 0)
        i++;
    return i;
}

/* ---- searching (called with the lock held, for reading at least) ----------------- */

/*
 * The index of the first point at or after position h, clockwise: a binary
 * search for the lowest i with pos[i] >= h, wrapping to 0 when there is none.
 * Needs npoints > 0. Adds the points it compared to *probes.
 */
static size_t successor(const ring *r, uint64_t h, uint64_t *probes)
{
    size_t lo = 0, hi = r->npoints; /* the answer is in [lo, hi] */
    uint64_t compared = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        compared++;
        if (r->pos[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    *probes += compared;
    return lo == r->npoints ? 0 : lo; /* past the top: wrap to the first point */
}

static bool valid_name(const char *name)
{
    return name != NULL && name[0] != '\0' && strnlen(name, RING_NAME_MAX) < RING_NAME_MAX;
}

/* ---- Level 1: the ring --------------------------------------------------------------- */

ring *ring_create(unsigned points_per_node)
{
    if (points_per_node == 0 || points_per_node > RING_MAX_NODE_POINTS)
        return NULL;
    ring *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    /* Prefer writers: with readers always overlapping, glibc's default would let an add wait
     * for ever. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int failed = pthread_rwlock_init(&r->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (failed) {
        free(r);
        return NULL;
    }
    r->per_node = points_per_node;
    atomic_init(&r->probes, 0);
    return r;
}

void ring_destroy(ring *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nnodes; i++)
        free(r->nodes[i]);
    free(r->nodes);
    free(r->pos);
    free(r->owner);
    pthread_rwlock_destroy(&r->lock);
    free(r);
}

/* A new node, not yet on any ring; NULL if memory runs out. */
static struct node *new_node(const char *name, size_t points)
{
    size_t len = strlen(name);
    struct node *n = malloc(sizeof *n + len + 1);
    if (n == NULL)
        return NULL;
    n->points = points;
    memcpy(n->name, name, len + 1);
    return n;
}

/* Puts n and its sorted points on the ring. The lock is held for writing. */
static ring_status insert_node(ring *r, struct node *n, const uint64_t *points)
{
    if (find_node(r, n->name) < r->nnodes)
        return RING_EXISTS;
    if (r->nnodes == r->node_cap) {
        size_t cap = r->node_cap ? 2 * r->node_cap : 8;
        struct node **nodes = realloc(r->nodes, cap * sizeof *nodes);
        if (nodes == NULL)
            return RING_NO_MEMORY;
        r->nodes = nodes;
        r->node_cap = cap;
    }
    if (!reserve_points(r, n->points))
        return RING_NO_MEMORY;
    merge_points(r, n, points);
    r->nodes[r->nnodes++] = n;
    return RING_OK;
}

ring_status ring_add(ring *r, const char *node, unsigned weight)
{
    if (r == NULL || !valid_name(node) || weight == 0)
        return RING_INVALID;
    uint64_t points = (uint64_t)weight * r->per_node;
    if (points > RING_MAX_NODE_POINTS)
        return RING_INVALID;

    /* Hash and sort the new points before taking the lock: lookups go on meanwhile. */
    struct node *n = new_node(node, (size_t)points);
    uint64_t *placed = n != NULL ? place_points(n) : NULL;
    if (placed == NULL) {
        free(n);
        return RING_NO_MEMORY;
    }
    pthread_rwlock_wrlock(&r->lock);
    ring_status status = insert_node(r, n, placed);
    pthread_rwlock_unlock(&r->lock);
    free(placed);
    if (status != RING_OK)
        free(n);
    return status;
}

ring_status ring_remove(ring *r, const char *node)
{
    if (r == NULL || node == NULL)
        return RING_INVALID;
    pthread_rwlock_wrlock(&r->lock);
    size_t i = find_node(r, node);
    struct node *gone = NULL;
    if (i < r->nnodes) {
        gone = r->nodes[i];
        drop_points(r, gone);
        r->nodes[i] = r->nodes[--r->nnodes]; /* the node list has no order to keep */
    }
    pthread_rwlock_unlock(&r->lock);
    free(gone);
    return gone != NULL ? RING_OK : RING_NOT_FOUND;
}

ring_status ring_locate(ring *r, const void *key, size_t len, char node[RING_NAME_MAX])
{
    if (r == NULL || node == NULL || (key == NULL && len > 0))
        return RING_INVALID;
    uint64_t h = ring_hash(key, len), probes = 0;

    pthread_rwlock_rdlock(&r->lock);
    ring_status status = RING_EMPTY;
    if (r->npoints > 0) {
        /* Copied under the lock: once it is released, the node may be removed and freed. */
        strcpy(node, r->owner[successor(r, h, &probes)]->name);
        status = RING_OK;
    }
    pthread_rwlock_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->probes, probes, memory_order_relaxed);
    return status;
}

size_t ring_node_count(ring *r)
{
    if (r == NULL)
        return 0;
    pthread_rwlock_rdlock(&r->lock);
    size_t n = r->nnodes;
    pthread_rwlock_unlock(&r->lock);
    return n;
}

/* ---- Level 2: virtual nodes and weights --------------------------------------------- */

size_t ring_point_count(ring *r)
{
    if (r == NULL)
        return 0;
    pthread_rwlock_rdlock(&r->lock);
    size_t n = r->npoints;
    pthread_rwlock_unlock(&r->lock);
    return n;
}

uint64_t ring_probes(ring *r)
{
    return r == NULL ? 0 : atomic_load_explicit(&r->probes, memory_order_relaxed);
}

/* ---- Level 4: replicas ------------------------------------------------------------------ */

static bool listed(struct node *const *list, size_t count, const struct node *n)
{
    for (size_t i = 0; i < count; i++)
        if (list[i] == n)
            return true;
    return false;
}

/*
 * Walks clockwise from the key's owner and collects the first `want` distinct nodes into
 * `list` (want <= nnodes, so the walk ends within one turn). The lock is held for reading.
 */
static size_t collect_replicas(const ring *r, uint64_t h, struct node **list, size_t want,
                               uint64_t *probes)
{
    size_t count = 0, i = successor(r, h, probes);
    for (size_t step = 0; step < r->npoints && count < want; step++) {
        struct node *n = r->owner[i];
        if (!listed(list, count, n))
            list[count++] = n;
        i = i + 1 == r->npoints ? 0 : i + 1; /* past the top: wrap */
    }
    return count;
}

ring_status ring_replicas(ring *r, const void *key, size_t len, char (*nodes)[RING_NAME_MAX],
                          size_t n, size_t *found)
{
    if (found != NULL)
        *found = 0;
    if (r == NULL || found == NULL || (nodes == NULL && n > 0) || (key == NULL && len > 0))
        return RING_INVALID;
    uint64_t h = ring_hash(key, len), probes = 0;

    pthread_rwlock_rdlock(&r->lock);
    ring_status status = RING_EMPTY;
    if (r->npoints == 0)
        goto out;
    /* The nodes listed so far; a short list (the usual 3 replicas) needs no allocation. */
    struct node *small[16], **list = small;
    size_t want = n < r->nnodes ? n : r->nnodes;
    status = RING_NO_MEMORY;
    if (want > 16 && (list = malloc(want * sizeof *list)) == NULL)
        goto out;
    size_t count = collect_replicas(r, h, list, want, &probes);
    assert(count == want);
    for (size_t i = 0; i < count; i++)
        strcpy(nodes[i], list[i]->name); /* copied under the lock, as in ring_locate */
    if (list != small)
        free(list);
    *found = count;
    status = RING_OK;
out:
    pthread_rwlock_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->probes, probes, memory_order_relaxed);
    return status;
}

/* ---- Level 5: jump consistent hash ----------------------------------------------------------- */

/*
 * Lamping and Veach's algorithm. Follow one key as the number of buckets
 * grows: it changes bucket only when the new bucket takes it, which happens
 * at n buckets with probability 1/n. Rather than try every n, the loop draws
 * (from a generator seeded by the key) the next n at which the key jumps: b
 * is the bucket it is in, j the next bucket count at which it would move.
 * When j passes `buckets`, b is the answer. Expected O(log buckets) steps.
 */
ring_status ring_jump(uint64_t key, int32_t buckets, int32_t *bucket)
{
    if (buckets < 1 || bucket == NULL)
        return RING_INVALID;
    int64_t b = -1, j = 0;
    while (j < buckets) {
        b = j;
        key = key * UINT64_C(2862933555777941757) + 1;
        j = (int64_t)((double)(b + 1) * ((double)(INT64_C(1) << 31) / (double)((key >> 33) + 1)));
    }
    *bucket = (int32_t)b;
    return RING_OK;
}
