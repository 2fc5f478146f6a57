/*
 * Level 4, replicas: a key's preference list, the first R distinct nodes
 * clockwise from it, where a store keeps its R copies. It starts with the
 * owner, never names a node twice, wraps past the top, and changes only as
 * much as the ring does. Run alone with `make test LEVEL=4`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ring_test.h"

WB_LEVEL(4);

enum { POINTS = 160, MAX_LIST = 64 };

/* A preference list as "[node-3, node-7, node-1]", in one of 4 per-thread buffers. */
static const char *list_text(char (*names)[RING_NAME_MAX], size_t n)
{
    static _Thread_local char text[4][MAX_LIST * (RING_NAME_MAX + 2) + 4];
    static _Thread_local int next;
    char *out = text[next++ % 4];
    size_t used = (size_t)snprintf(out, sizeof text[0], "[");
    for (size_t i = 0; i < n && used < sizeof text[0]; i++)
        used +=
            (size_t)snprintf(out + used, sizeof text[0] - used, "%s%s", i ? ", " : "", names[i]);
    if (used < sizeof text[0])
        snprintf(out + used, sizeof text[0] - used, "]");
    return out;
}

/* ring_replicas(key, n), which must return RING_OK; returns *found. */
static size_t replicas_of(ring *r, const char *key, size_t n, char (*out)[RING_NAME_MAX])
{
    size_t found = 12345;
    ring_status s = ring_replicas(r, key, strlen(key), out, n, &found);
    cr_assert(s == RING_OK, "ring_replicas(%s, %zu) returned %s, expected RING_OK", wb_q(key), n,
              status_name(s));
    cr_assert(found <= n, "ring_replicas(%s, %zu) set *found to %zu, more than the %zu asked for",
              wb_q(key), n, found, n);
    for (size_t a = 0; a < found; a++) /* every test's lists must be distinct to mean anything */
        for (size_t b = a + 1; b < found; b++)
            cr_assert(strcmp(out[a], out[b]) != 0,
                      "ring_replicas(%s, %zu) gave %s, which names %s twice: the walk must skip "
                      "the points of nodes already listed",
                      wb_q(key), n, list_text(out, found), out[a]);
    return found;
}

/* The model's list for a key, in the same form. */
static size_t model_list(const model *m, const char *key, size_t n, char (*out)[RING_NAME_MAX])
{
    const char *names[MAX_LIST];
    size_t found = model_replicas(m, doc_key_pos(key), names, n);
    for (size_t i = 0; i < found; i++)
        snprintf(out[i], RING_NAME_MAX, "%s", names[i]);
    return found;
}

static int same_list(char (*a)[RING_NAME_MAX], size_t na, char (*b)[RING_NAME_MAX], size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

/* A ring of node-0 .. node-<n-1> at `points` each, and its model. */
static ring *ring_and_model(int n, unsigned points, model **m)
{
    ring *r = new_ring(points);
    *m = model_new(points);
    for (int i = 0; i < n; i++) {
        add_node(r, node_name(i), 1);
        model_add(*m, node_name(i), 1);
    }
    return r;
}

Test(level4, the_first_replica_is_the_owner)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 10);
    char list[3][RING_NAME_MAX], key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 3, list);
        const char *owner = owner_of(r, key);
        cr_assert(found == 3 && strcmp(list[0], owner) == 0,
                  "ring_replicas(%s, 3) gave %s, expected a list of 3 that starts with %s, the "
                  "owner ring_locate gives: the preference list starts where the key belongs",
                  wb_q(key), list_text(list, found), wb_q(owner));
    }
    ring_destroy(r);
}

Test(level4, replicas_are_distinct_nodes)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 10);
    char list[5][RING_NAME_MAX], key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = 0;
        ring_status s = ring_replicas(r, key, strlen(key), list, 5, &found);
        cr_assert(s == RING_OK && found == 5,
                  "ring_replicas(%s, 5) on 10 nodes returned %s with *found = %zu, expected "
                  "RING_OK with 5",
                  wb_q(key), status_name(s), found);
        for (size_t a = 0; a < found; a++)
            for (size_t b = a + 1; b < found; b++)
                cr_assert(strcmp(list[a], list[b]) != 0,
                          "ring_replicas(%s, 5) gave %s, which names %s twice: with 160 points "
                          "per node, the next point clockwise often belongs to a node already "
                          "listed, and the walk must skip it, or two of the five copies would "
                          "sit on one machine",
                          wb_q(key), list_text(list, found), list[a]);
    }
    ring_destroy(r);
}

Test(level4, replicas_are_the_next_distinct_nodes_clockwise)
{
    model *m;
    ring *r = ring_and_model(10, POINTS, &m);
    char got[3][RING_NAME_MAX], want[3][RING_NAME_MAX], key[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 3, got);
        size_t expected = model_list(m, key, 3, want);
        cr_assert(same_list(got, found, want, expected),
                  "ring_replicas(%s, 3) gave %s, expected %s: the first three distinct nodes met "
                  "walking clockwise from the key's position 0x%016llx (10 nodes of 160 points)",
                  wb_q(key), list_text(got, found), list_text(want, expected),
                  (unsigned long long)doc_key_pos(key));
    }
    model_free(m);
    ring_destroy(r);
}

Test(level4, replicas_wrap_past_the_top)
{
    model *m;
    ring *r = ring_and_model(4, 1, &m);
    uint64_t pos[4];
    for (int i = 0; i < 4; i++)
        pos[i] = doc_point_pos(node_name(i), 0);
    uint64_t highest = 0, second = 0; /* the two highest points */
    for (int i = 0; i < 4; i++) {
        if (pos[i] > highest)
            second = highest, highest = pos[i];
        else if (pos[i] > second)
            second = pos[i];
    }
    const char *keys[2];
    char key_a[32], key_b[32];
    snprintf(key_a, sizeof key_a, "%s", key_between(second, highest));     /* wraps after one */
    snprintf(key_b, sizeof key_b, "%s", key_between(highest, UINT64_MAX)); /* wraps at once */
    keys[0] = key_a, keys[1] = key_b;
    char got[4][RING_NAME_MAX], want[4][RING_NAME_MAX];
    for (int i = 0; i < 2; i++) {
        size_t found = replicas_of(r, keys[i], 4, got);
        size_t expected = model_list(m, keys[i], 4, want);
        cr_assert(same_list(got, found, want, expected),
                  "ring_replicas(%s, 4) on 4 nodes of one point each gave %s, expected %s: the "
                  "key sits at 0x%016llx, %s the highest point (0x%016llx), so the walk goes "
                  "past the top of the ring and on from the lowest point",
                  wb_q(keys[i]), list_text(got, found), list_text(want, expected),
                  (unsigned long long)doc_key_pos(keys[i]), i == 0 ? "just below" : "above",
                  (unsigned long long)highest);
    }
    model_free(m);
    ring_destroy(r);
}

Test(level4, finding_the_first_replica_is_a_binary_search_too)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 100);
    size_t points = ring_point_count(r);
    uint64_t limit = 4 * (uint64_t)ceil(log2((double)points + 1)) + 4, total = 0;
    char list[3][RING_NAME_MAX], key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        uint64_t before = ring_probes(r);
        replicas_of(r, key, 3, list);
        uint64_t probes = ring_probes(r) - before;
        total += probes;
        cr_assert(probes <= limit,
                  "ring_replicas(%s, 3) on a ring of %zu points compared %llu points while "
                  "searching for the owner; expected at most %llu = 4 * ceil(log2(%zu + 1)) + 4: "
                  "the list starts with the same binary search as ring_locate (the walk past the "
                  "owner is not counted)",
                  wb_q(key), points, (unsigned long long)probes, (unsigned long long)limit, points);
    }
    cr_assert(total > 0,
              "200 calls of ring_replicas on a ring of %zu points left ring_probes where it was: "
              "its search for the owner counts, as ring_locate's does",
              points);
    ring_destroy(r);
}

Test(level4, the_walk_past_the_owner_is_not_counted_in_probes)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 100);
    size_t points = ring_point_count(r);
    uint64_t limit = 4 * (uint64_t)ceil(log2((double)points + 1)) + 4;
    static char list[100][RING_NAME_MAX];
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        uint64_t before = ring_probes(r);
        size_t found = replicas_of(r, key, 100, list);
        uint64_t probes = ring_probes(r) - before;
        cr_assert(found == 100,
                  "ring_replicas(%s, 100) on 100 nodes set *found to %zu, expected 100", wb_q(key),
                  found);
        cr_assert(probes <= limit,
                  "ring_replicas(%s, 100) on 100 nodes of 160 points added %llu to ring_probes; "
                  "expected at most %llu = 4 * ceil(log2(%zu + 1)) + 4: only the binary search for "
                  "the owner counts, not the walk past it (which meets hundreds of points before "
                  "it has seen all 100 nodes)",
                  wb_q(key), (unsigned long long)probes, (unsigned long long)limit, points);
    }
    ring_destroy(r);
}

Test(level4, a_long_preference_list_names_every_node_in_clockwise_order)
{
    model *m;
    ring *r = ring_and_model(40, POINTS, &m);
    static char got[MAX_LIST][RING_NAME_MAX], want[MAX_LIST][RING_NAME_MAX];
    char key[32];
    static const size_t asks[] = { 17, 40, MAX_LIST };
    for (size_t a = 0; a < sizeof asks / sizeof asks[0]; a++) {
        for (int i = 0; i < 50; i++) {
            snprintf(key, sizeof key, "user:%d", i);
            size_t found = replicas_of(r, key, asks[a], got);
            size_t expected = model_list(m, key, asks[a], want);
            cr_assert(same_list(got, found, want, expected),
                      "ring_replicas(%s, %zu) on 40 nodes of 160 points gave %zu names %s, "
                      "expected %zu: %s. A list longer than a fixed buffer (16, say) is still "
                      "the first %zu distinct nodes clockwise; the header allows RING_NO_MEMORY "
                      "if it cannot be had, never a shorter list",
                      wb_q(key), asks[a], found, list_text(got, found), expected,
                      list_text(want, expected), expected);
        }
    }
    model_free(m);
    ring_destroy(r);
}

Test(level4, replica_names_of_63_bytes_come_back_with_their_nul)
{
    model *m = model_new(POINTS);
    ring *r = new_ring(POINTS);
    char names[3][RING_NAME_MAX];
    for (int i = 0; i < 3; i++) {
        memset(names[i], 'a' + i, RING_NAME_MAX - 1);
        names[i][RING_NAME_MAX - 1] = '\0';
        add_node(r, names[i], 1);
        model_add(m, names[i], 1);
    }
    char got[3][RING_NAME_MAX], want[3][RING_NAME_MAX];
    memset(got, '?', sizeof got); /* no NUL anywhere, so a name copied without one shows */
    size_t found = 0;
    ring_status s = ring_replicas(r, "user:1", 6, got, 3, &found);
    cr_assert(s == RING_OK && found == 3,
              "ring_replicas(\"user:1\", 3) on 3 nodes returned %s with *found = %zu, expected "
              "RING_OK with 3",
              status_name(s), found);
    for (int i = 0; i < 3; i++)
        cr_assert(memchr(got[i], '\0', RING_NAME_MAX) != NULL,
                  "ring_replicas(\"user:1\", 3) on 3 nodes with names of 63 bytes left no NUL in "
                  "buffer %d (it holds %s): each name is copied NUL included, 63 bytes and a NUL "
                  "fill the RING_NAME_MAX-byte buffer exactly",
                  i, wb_qn(got[i], RING_NAME_MAX));
    size_t expected = model_list(m, "user:1", 3, want);
    cr_assert(same_list(got, found, want, expected),
              "ring_replicas(\"user:1\", 3) gave %s, expected %s: the first three distinct nodes "
              "clockwise",
              list_text(got, found), list_text(want, expected));
    model_free(m);
    ring_destroy(r);
}

Test(level4, asking_for_more_replicas_than_nodes_lists_every_node_once)
{
    model *m;
    ring *r = ring_and_model(3, POINTS, &m);
    char got[5][RING_NAME_MAX], want[5][RING_NAME_MAX], key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 5, got);
        size_t expected = model_list(m, key, 5, want);
        cr_assert(expected == 3, "the test's model listed %zu nodes, expected 3", expected);
        cr_assert(same_list(got, found, want, expected),
                  "ring_replicas(%s, 5) on a ring of 3 nodes gave %s (*found = %zu), expected %s "
                  "(*found = 3): there are only 3 distinct nodes, so the list holds each once, "
                  "in clockwise order, and *found says 3",
                  wb_q(key), list_text(got, found), found, list_text(want, expected));
    }
    model_free(m);
    ring_destroy(r);
}

Test(level4, zero_replicas_is_ok_and_copies_nothing)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 3);
    size_t found = 12345;
    ring_status s = ring_replicas(r, "user:1", 6, NULL, 0, &found);
    cr_assert(s == RING_OK && found == 0,
              "ring_replicas(\"user:1\", n = 0, nodes = NULL) returned %s with *found = %zu, "
              "expected RING_OK with 0: asking for no names is allowed, and then nodes may be NULL",
              status_name(s), found);
    ring_destroy(r);
}

Test(level4, replicas_on_an_empty_ring_is_ring_empty)
{
    ring *r = new_ring(POINTS);
    char got[3][RING_NAME_MAX] = { "untouched", "untouched", "untouched" };
    size_t found = 12345;
    ring_status s = ring_replicas(r, "user:1", 6, got, 3, &found);
    cr_assert(s == RING_EMPTY,
              "ring_replicas on a ring with no nodes returned %s, expected RING_EMPTY",
              status_name(s));
    cr_assert(found == 0, "ring_replicas on an empty ring set *found to %zu, expected 0", found);
    cr_assert(strcmp(got[0], "untouched") == 0,
              "ring_replicas on an empty ring wrote %s into the caller's first buffer; on an "
              "error it must leave the buffers as they were",
              wb_q(got[0]));
    ring_destroy(r);
}

Test(level4, removing_a_node_outside_a_list_leaves_the_list_unchanged)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 10);
    enum { KEYS = 1000 };
    static char before[KEYS][3][RING_NAME_MAX];
    char key[32], got[3][RING_NAME_MAX];
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        replicas_of(r, key, 3, before[i]);
    }
    remove_node(r, "node-9");
    for (int i = 0; i < KEYS; i++) {
        if (strcmp(before[i][0], "node-9") == 0 || strcmp(before[i][1], "node-9") == 0 ||
            strcmp(before[i][2], "node-9") == 0)
            continue;
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 3, got);
        cr_assert(same_list(got, found, before[i], 3),
                  "ring_replicas(%s, 3) gave %s before node-9 was removed and %s after; node-9 "
                  "was not in the list, so it must not change: the walk that built it never "
                  "reached a point of node-9 before it had three nodes",
                  wb_q(key), list_text(before[i], 3), list_text(got, found));
    }
    ring_destroy(r);
}

Test(level4, removing_a_listed_node_moves_the_others_up)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 10);
    enum { KEYS = 1000 };
    static char before[KEYS][4][RING_NAME_MAX];
    char key[32], got[3][RING_NAME_MAX], want[3][RING_NAME_MAX];
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        replicas_of(r, key, 4, before[i]);
    }
    remove_node(r, "node-9");
    size_t checked = 0;
    for (int i = 0; i < KEYS; i++) {
        int listed = 0; /* was node-9 among the first three? (the test above covers the rest) */
        for (int j = 0; j < 3; j++)
            listed |= strcmp(before[i][j], "node-9") == 0;
        if (!listed)
            continue;
        size_t n = 0;
        for (int j = 0; j < 4; j++) /* the old list of four, without node-9 */
            if (strcmp(before[i][j], "node-9") != 0)
                memcpy(want[n++], before[i][j], RING_NAME_MAX);
        checked++;
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 3, got);
        cr_assert(same_list(got, found, want, 3),
                  "ring_replicas(%s) listed %s (four asked for) before node-9 was removed, and "
                  "%s (three asked for) after; expected %s: the nodes after node-9 move up one "
                  "place, and the next distinct node clockwise joins at the end",
                  wb_q(key), list_text(before[i], 4), list_text(got, found), list_text(want, 3));
    }
    cr_assert(checked > 0, "no key had node-9 in its list of three (a bug in the test)");
    ring_destroy(r);
}

Test(level4, adding_a_node_changes_a_list_only_by_inserting_it)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 10);
    enum { KEYS = 1000 };
    static char before[KEYS][3][RING_NAME_MAX];
    char key[32], got[3][RING_NAME_MAX];
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        replicas_of(r, key, 3, before[i]);
    }
    add_node(r, "node-10", 1);
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        size_t found = replicas_of(r, key, 3, got);
        /* Without node-10, the new list must read as the start of the old one. */
        size_t old = 0, ok = found == 3;
        for (size_t j = 0; j < found && ok; j++) {
            if (strcmp(got[j], "node-10") == 0)
                continue;
            ok = strcmp(got[j], before[i][old++]) == 0;
        }
        cr_assert(ok,
                  "ring_replicas(%s, 3) gave %s before node-10 joined and %s after; expected the "
                  "old list with at most node-10 inserted (and the last name pushed out): a new "
                  "node takes a place in some lists and changes nothing else",
                  wb_q(key), list_text(before[i], 3), list_text(got, found));
    }
    ring_destroy(r);
}

Test(level4, bad_arguments_are_ring_invalid)
{
    ring *r = new_ring(POINTS);
    add_nodes(r, 3);
    char got[2][RING_NAME_MAX] = { "untouched", "untouched" };
    size_t found[4] = { 7, 7, 7, 7 };
    const struct {
        const char *call;
        ring_status got;
        size_t *found;
    } calls[] = {
        { "ring_replicas(NULL ring, \"k\", 1, nodes, 2, &found)",
          ring_replicas(NULL, "k", 1, got, 2, &found[0]), &found[0] },
        { "ring_replicas(ring, NULL key, 3, nodes, 2, &found)",
          ring_replicas(r, NULL, 3, got, 2, &found[1]), &found[1] },
        { "ring_replicas(ring, \"k\", 1, NULL nodes, 2, &found)",
          ring_replicas(r, "k", 1, NULL, 2, &found[2]), &found[2] },
        { "ring_replicas(ring, \"k\", 1, nodes, 2, NULL found)",
          ring_replicas(r, "k", 1, got, 2, NULL), NULL },
        { "ring_replicas(NULL ring, \"k\", 1, NULL nodes, 0, &found)",
          ring_replicas(NULL, "k", 1, NULL, 0, &found[0]), &found[0] },
        { "ring_replicas(ring, NULL key, 3, NULL nodes, 0, &found)",
          ring_replicas(r, NULL, 3, NULL, 0, &found[1]), &found[1] },
        { "ring_replicas(ring, \"k\", 1, NULL nodes, 0, NULL found)",
          ring_replicas(r, "k", 1, NULL, 0, NULL), NULL },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        cr_assert(calls[i].got == RING_INVALID, "%s returned %s, expected RING_INVALID",
                  calls[i].call, status_name(calls[i].got));
        cr_assert(calls[i].found == NULL || *calls[i].found == 0,
                  "%s set *found to %zu, expected 0: on an error, *found is 0", calls[i].call,
                  *calls[i].found);
    }
    cr_assert(strcmp(got[0], "untouched") == 0 && strcmp(got[1], "untouched") == 0,
              "a refused ring_replicas wrote %s into the caller's buffers; it must leave them as "
              "they were",
              list_text(got, 2));
    ring_destroy(r);
}

Test(level4, on_an_empty_ring_bad_arguments_are_ring_invalid_and_zero_replicas_ring_empty)
{
    ring *r = new_ring(POINTS);
    size_t found = 7;
    ring_status s = ring_replicas(r, NULL, 3, NULL, 0, &found);
    cr_assert(s == RING_INVALID && found == 0,
              "ring_replicas(ring with no nodes, NULL key, 3, NULL nodes, 0, &found) returned %s "
              "with *found = %zu, expected RING_INVALID with 0: the arguments are checked first, "
              "before the ring is, and n = 0 does not excuse a NULL key of 3 bytes",
              status_name(s), found);
    found = 7;
    s = ring_replicas(r, "k", 1, NULL, 0, &found);
    cr_assert(s == RING_EMPTY && found == 0,
              "ring_replicas(ring with no nodes, \"k\", 1, NULL nodes, 0, &found) returned %s "
              "with *found = %zu, expected RING_EMPTY with 0: the key has no owner, so even a "
              "list of none is RING_EMPTY, as ring_locate's answer would be",
              status_name(s), found);
    ring_destroy(r);
}
