/*
 * consistent_hash.h: a consistent-hash ring (nodes at many points of a 64-bit
 * circle, each key owned by the first point clockwise from it), with weights
 * and replica lists, and jump consistent hash for comparison.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in consistent_hash.c. Levels (see README.md): 1 the ring,
 * 2 virtual nodes and weights, 3 movement, 4 replicas, 5 jump hash.
 */
#ifndef CONSISTENT_HASH_H
#define CONSISTENT_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The ring is the numbers 0 .. 2^64 - 1 bent into a circle: after 2^64 - 1
 * comes 0 again. Keys and nodes are placed on it by ring_hash (below):
 *
 *   - a key, any `len` bytes, sits at ring_hash(key, len);
 *   - a node named N, with weight w, on a ring created with p points per
 *     node, sits at w * p points: point i (i = 0, 1, ..., w * p - 1) is at
 *     ring_hash of the bytes of N, then '#', then i in decimal without
 *     leading zeros (no NUL). Node "cache-a" with 3 points sits at
 *     ring_hash("cache-a#0"), ring_hash("cache-a#1") and ring_hash("cache-a#2").
 *
 * A key belongs to the node of the first point clockwise from it: the point
 * with the smallest position >= the key's position or, when no point is that
 * high, wrapping past the top, the point with the smallest position of all.
 * A key exactly on a point belongs to that point's node. Should two points
 * share a position (a 64-bit collision), the point of the node whose name
 * sorts first by strcmp comes first.
 *
 * All of that is fixed, so every correct implementation gives every key the
 * same owner; the tests compute the owners from this description.
 *
 * Node names are C strings of 1 to RING_NAME_MAX - 1 bytes (any byte but
 * NUL). The ring copies them in, and copies them out into the caller's
 * buffers of RING_NAME_MAX bytes: no pointer into the ring ever reaches the
 * caller, so a node that another thread removes cannot take memory the
 * caller is still reading.
 *
 * Thread safety: every function but ring_destroy may be called from many
 * threads at once. Lookups (ring_locate, ring_replicas and the counts) run in
 * parallel with each other; a lookup that overlaps a ring_add or ring_remove
 * answers as the ring was either entirely before or entirely after that
 * change, never a mixture. Changes take effect one at a time: when several
 * threads add the same name at once, exactly one gets RING_OK and the others
 * RING_EXISTS (and of several removes of one name, one gets RING_OK).
 *
 * Arguments are checked first: a call with an argument its function forbids
 * returns RING_INVALID whatever the ring holds, an empty ring included.
 */
typedef struct ring ring;

/* Bytes of a node name buffer, NUL included: names are 1 to 63 bytes long. */
#define RING_NAME_MAX 64

/* The most points one node may have (its weight times the points per node). */
#define RING_MAX_NODE_POINTS 1000000

/* Every function that can fail returns one of these. */
typedef enum ring_status {
    RING_OK = 0,    /* done */
    RING_EMPTY,     /* the ring has no node, so no key has an owner */
    RING_NOT_FOUND, /* no node on the ring has that name */
    RING_EXISTS,    /* a node of that name is on the ring already */
    RING_INVALID,   /* an argument the contract forbids (each function says which) */
    RING_NO_MEMORY  /* an allocation failed */
} ring_status;

/* ---- Level 1: the ring ---------------------------------------------------- */

/*
 * The ring's hash: 64-bit FNV-1a over the `len` bytes, then the 64-bit
 * finalizer of MurmurHash3 (fmix64) over the result. With all arithmetic
 * modulo 2^64:
 *
 *     h = 0xcbf29ce484222325                       FNV-1a's offset basis
 *     for each byte b, in order: h = (h ^ b) * 0x100000001b3
 *     h ^= h >> 33;  h *= 0xff51afd7ed558ccd;      fmix64
 *     h ^= h >> 33;  h *= 0xc4ceb9fe1a85ec53;
 *     h ^= h >> 33;
 *
 * FNV-1a alone leaves inputs that differ only in their last byte ("n#1",
 * "n#2") a tiny arc apart, so a node's points would bunch together; fmix64
 * scatters them (the README measures the difference). `bytes` may be NULL
 * when len is 0. Pure: thread-safe, O(len).
 */
uint64_t ring_hash(const void *bytes, size_t len);

/*
 * Creates an empty ring on which a node of weight 1 gets `points_per_node`
 * points (level 1 uses 1; real rings use 100 to 200). Returns NULL if
 * points_per_node is 0 or more than RING_MAX_NODE_POINTS, or if memory runs
 * out.
 */
ring *ring_create(unsigned points_per_node);

/* Frees the ring and every node on it. NULL is a no-op. Must not run while
 * another thread is using the ring. */
void ring_destroy(ring *r);

/*
 * Adds a node named `node` with weight `weight`: weight * points_per_node
 * points, placed as described above. Copies the name.
 * Returns RING_OK; RING_EXISTS if a node of that name is on the ring already
 * (its weight is not changed either); RING_INVALID for a NULL ring or name, a
 * name of 0 or more than RING_NAME_MAX - 1 bytes, a weight of 0, or a node of
 * more than RING_MAX_NODE_POINTS points (exactly that many is allowed);
 * RING_NO_MEMORY. On any status but RING_OK the ring is exactly as it was.
 * O(P + k log k), for P points on the ring and k points added.
 */
ring_status ring_add(ring *r, const char *node, unsigned weight);

/*
 * Removes the node named `node` and all its points; the keys it owned now
 * belong to the nodes of the next points clockwise.
 * Returns RING_OK; RING_NOT_FOUND if no node has that name; RING_INVALID for
 * a NULL ring or name. On any status but RING_OK the ring is exactly as it
 * was. O(P).
 */
ring_status ring_remove(ring *r, const char *node);

/*
 * Copies the name of the node that owns the key (`len` bytes at `key`; NULL
 * is allowed when len is 0) into `node`, NUL included.
 * Returns RING_OK; RING_EMPTY when the ring has no node; RING_INVALID for a
 * NULL ring or node buffer, or a NULL key with len > 0. On any status but
 * RING_OK, `node` is left untouched.
 * O(len + log P): a binary search of the points, never a walk around the
 * ring (level 2 checks it with ring_probes).
 */
ring_status ring_locate(ring *r, const void *key, size_t len, char node[RING_NAME_MAX]);

/* The number of nodes on the ring; 0 for NULL. */
size_t ring_node_count(ring *r);

/* ---- Level 2: virtual nodes and weights ----------------------------------- */

/* The number of points on the ring: the sum over its nodes of weight *
 * points_per_node; 0 for NULL. */
size_t ring_point_count(ring *r);

/*
 * How many points lookups have compared with a key's position since the ring
 * was created. Each time ring_locate or ring_replicas reads the position of
 * one point to compare it with a key's position, while searching for the
 * key's owner, counts one (the walk of ring_replicas past the owner does not
 * count). A lookup on a ring of P points compares at most
 * 4 * ceil(log2(P + 1)) + 4 points: a binary search of a sorted array
 * compares about log2(P), a balanced tree or a skip list a small multiple of
 * that, and a walk around the ring up to P.
 * Lookups on many threads at once all count; none is lost. 0 for NULL.
 */
uint64_t ring_probes(ring *r);

/* ---- Level 3: movement ----------------------------------------------------- */

/*
 * No new functions. Level 3 checks what the placement above promises when
 * the ring changes: adding a node moves to it only the keys it now owns,
 * removing a node moves only the keys it owned, and lookups running on other
 * threads during a change see the ring before it or after it.
 */

/* ---- Level 4: replicas ---------------------------------------------------- */

/*
 * The key's preference list, for replication: copies into nodes[0],
 * nodes[1], ... the names of the first `n` distinct nodes met walking
 * clockwise from the key's position. nodes[0] is the owner (what ring_locate
 * gives); the walk skips the points of nodes already listed and wraps past
 * the top. Stores the number of names copied in *found: n, or the number of
 * nodes on the ring if that is smaller (then every node is listed once),
 * however large n is. Each name is copied NUL included.
 * n = 0 copies nothing and returns RING_OK (RING_EMPTY on an empty ring).
 * Returns RING_OK; RING_EMPTY when the ring has no node, whatever n is;
 * RING_INVALID for a NULL ring or found, NULL nodes with n > 0, or a NULL key
 * with len > 0, whatever n is (nodes may be NULL only when n is 0);
 * RING_NO_MEMORY if a long list needed memory that ran out. On any status
 * but RING_OK, `nodes` is left untouched and *found (if found is not NULL)
 * is 0.
 * O(len + log P + the points walked); the search for the owner counts in
 * ring_probes as ring_locate's does.
 */
ring_status ring_replicas(ring *r, const void *key, size_t len, char (*nodes)[RING_NAME_MAX],
                          size_t n, size_t *found);

/* ---- Level 5: jump consistent hash ------------------------------------------ */

/*
 * Jump consistent hash (John Lamping and Eric Veach, "A Fast, Minimal Memory,
 * Consistent Hash Algorithm", 2014): stores in *bucket the bucket, 0 to
 * buckets - 1, of the 64-bit `key`. Exactly the paper's algorithm, with its
 * 64-bit linear congruential generator (key = key * 2862933555777941757 + 1)
 * and its jump computed in double precision; the published values (key 42
 * with 57 buckets is bucket 43) depend on both.
 * Growing from n to n + 1 buckets moves about 1/(n + 1) of the keys, every
 * one of them to the new bucket n. It needs no memory, but the buckets are
 * numbered: only the last can be taken away. For a key made of bytes, jump
 * on its ring_hash.
 * Returns RING_OK; RING_INVALID if buckets < 1 or bucket is NULL (then
 * *bucket is left untouched). Pure: thread-safe, O(log buckets) expected.
 */
ring_status ring_jump(uint64_t key, int32_t buckets, int32_t *bucket);

#endif /* CONSISTENT_HASH_H */
