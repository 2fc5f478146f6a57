/*
 * ring_test.h: helpers the consistent_hash tests share, so that each test
 * reads as its scenario. Every helper works through the public header, and
 * every failure message says what was expected, what came back, and why
 * (the `why` argument, a sentence about the scenario).
 *
 * The tests do not take the ring's word for where keys belong: a model
 * below places the points again from the header's description, with its own
 * copy of the documented hash, and says which node owns each position.
 */
#ifndef RING_TEST_H
#define RING_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <criterion/criterion.h>

#include "consistent_hash.h"
#include "wb/test.h"

/* "RING_OK", "RING_EMPTY", ... or "an unknown status (17)". */
const char *status_name(ring_status status);

/* ---- the documented placement, computed again ------------------------------- */

/* FNV-1a 64 then fmix64, as the header spells it out. */
uint64_t doc_hash(const void *bytes, size_t len);

/* Where the key (a C string) sits on the ring. */
uint64_t doc_key_pos(const char *key);

/* Where point i of the node named `node` sits: doc_hash of "node#i". */
uint64_t doc_point_pos(const char *node, size_t i);

/* ---- rings ------------------------------------------------------------------ */

/* ring_create, failing the test if it returns NULL. */
ring *new_ring(unsigned points_per_node);

/* ring_add, failing the test unless it returns RING_OK. */
void add_node(ring *r, const char *name, unsigned weight);

/* Adds "node-0" .. "node-<count-1>", each of weight 1. */
void add_nodes(ring *r, int count);

/* ring_remove, failing the test unless it returns RING_OK. */
void remove_node(ring *r, const char *name);

/* "node-<i>", in one of 8 per-thread buffers. */
const char *node_name(int i);

/* i for "node-<i>", or -1 for any other name. */
int node_index(const char *name);

/* ring_locate of a C-string key, which must return RING_OK; the name lives in
 * one of 8 per-thread buffers. */
const char *owner_of(ring *r, const char *key);

/* ring_locate(key) must return RING_OK and `want`. */
void expect_owner(ring *r, const char *key, const char *want, const char *why);

/* ring_node_count must return `want`. */
void expect_node_count(ring *r, size_t want, const char *why);

/* ring_point_count must return `want`. */
void expect_point_count(ring *r, size_t want, const char *why);

/* A key "key-<n>" whose position is strictly between lo and hi (found by trying n = 0, 1, ...). */
const char *key_between(uint64_t lo, uint64_t hi);

/* ---- the model: the header's placement, the slow and obvious way ------------ */

typedef struct model model;

/* The owner of a position: its node, which of the node's points, and where that point is. */
struct owner {
    const char *node; /* NULL when the model is empty */
    size_t point;
    uint64_t pos;
};

model *model_new(unsigned points_per_node);
void model_free(model *m);
void model_add(model *m, const char *name, unsigned weight);
void model_remove(model *m, const char *name);

/* The owner of position `pos`: the first point at or after it, wrapping past the top. */
struct owner model_owner(const model *m, uint64_t pos);

/* The first n distinct nodes clockwise from `pos` into out[]; returns how many. */
size_t model_replicas(const model *m, uint64_t pos, const char **out, size_t n);

/* "the first point at or after it is "node-7#12" at 0x..." for a message. */
const char *model_explain(const model *m, uint64_t pos);

/* ---- key sets ------------------------------------------------------------------ */

/* The keys "user:0" .. "user:<n-1>", and where each sits on the ring. */
struct keyset {
    size_t n;
    char (*key)[32];
    uint64_t *pos;
};

struct keyset *keyset_new(size_t n);
void keyset_free(struct keyset *k);

/*
 * Every key of `k` must have the owner the model gives. The message counts
 * the keys that disagree and explains the first of them.
 */
void expect_model_owners(ring *r, const model *m, const struct keyset *k, const char *why);

/*
 * The owner of every key, as an index i of "node-<i>" (a new array the caller
 * frees). Fails the test if a lookup fails or names a node not called
 * "node-<i>" with i < nodes.
 */
int *owners_of(ring *r, const struct keyset *k, int nodes);

/* How the keys spread over the nodes "node-0" .. "node-<nodes-1>". */
struct spread {
    double mean; /* keys per node */
    double cv;   /* coefficient of variation: standard deviation / mean */
    int busiest; /* the node holding most keys, and how many */
    size_t most;
    int lightest; /* the node holding fewest keys, and how many */
    size_t fewest;
};

/* The spread of the owners (indexes from owners_of) over `nodes` nodes. */
struct spread spread_of(const int *owner, size_t n, int nodes);

#endif /* RING_TEST_H */
