/*
 * Level 1, the ring: the documented hash, nodes at one point each, a key
 * owned by the first point clockwise (wrapping past the top), add, remove,
 * and an empty ring as a clear error. Run alone with `make test LEVEL=1`.
 */
#include <string.h>

#include "ring_test.h"

WB_LEVEL(1);

/* One published hash value, with FNV-1a's half of it, so a learner sees which half is wrong. */
struct hash_case {
    const char *shown; /* the input as the message shows it */
    const char *bytes;
    size_t len;
    uint64_t fnv1a; /* 64-bit FNV-1a of the bytes (the published FNV test values) */
    uint64_t ring;  /* fmix64 of that: what ring_hash must return */
};

static void expect_hashes(const struct hash_case *cases, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t got = ring_hash(cases[i].bytes, cases[i].len);
        cr_assert(got == cases[i].ring,
                  "ring_hash(%s, %zu) returned 0x%016llx, expected 0x%016llx: FNV-1a 64 of those "
                  "bytes is 0x%016llx, and fmix64 of that is the expected value (%s)",
                  cases[i].shown, cases[i].len, (unsigned long long)got,
                  (unsigned long long)cases[i].ring, (unsigned long long)cases[i].fnv1a, why);
    }
}

Test(level1, hash_gives_the_documented_values_for_text)
{
    static const struct hash_case cases[] = {
        { "\"\"", "", 0, 0xcbf29ce484222325u, 0xefd01f60ba992926u },
        { "\"a\"", "a", 1, 0xaf63dc4c8601ec8cu, 0x82a2a958a9bece5bu },
        { "\"foobar\"", "foobar", 6, 0x85944171f73967e8u, 0x2c22194922d1672bu },
        { "\"node-1#0\"", "node-1#0", 8, 0x09cf7ed2fb1d09b0u, 0xf28b65a604900cc8u },
    };
    expect_hashes(cases, sizeof cases / sizeof cases[0],
                  "every implementation must place keys and nodes at the same positions, so the "
                  "hash is fixed bit for bit");
}

Test(level1, hash_reads_nul_bytes_and_treats_bytes_as_unsigned)
{
    static const struct hash_case cases[] = {
        { "\"a\\0b\"", "a\0b", 3, 0xe5d29919042666b2u, 0xab78f5eca36d0e2bu },
        { "\"\\xff\\x80\"", "\xff\x80", 2, 0x0a9a2607b6f6e56au, 0x0c1fbda391c27e28u },
    };
    expect_hashes(cases, sizeof cases / sizeof cases[0],
                  "keys are bytes, not C strings: a NUL inside is hashed like any byte, and a "
                  "byte above 0x7f is XORed in as 0x80..0xff (a signed char would be "
                  "sign-extended to 0xffffffffffffff80)");
}

Test(level1, hash_of_nothing_accepts_a_null_pointer)
{
    uint64_t got = ring_hash(NULL, 0);
    cr_assert(got == 0xefd01f60ba992926u,
              "ring_hash(NULL, 0) returned 0x%016llx, expected 0x%016llx, the hash of no bytes: "
              "the header allows NULL when len is 0",
              (unsigned long long)got, 0xefd01f60ba992926ull);
}

Test(level1, create_returns_an_empty_ring)
{
    ring *r = new_ring(1);
    expect_node_count(r, 0, "a new ring has no nodes");
    ring_destroy(r);
}

Test(level1, create_refuses_zero_points_per_node)
{
    ring *r = ring_create(0);
    cr_assert(r == NULL, "ring_create(0) returned a ring, expected NULL: a node with no points "
                         "would own no keys, and the header says to refuse it");
}

Test(level1, node_count_of_a_null_ring_is_zero)
{
    size_t got = ring_node_count(NULL);
    cr_assert(got == 0,
              "ring_node_count(NULL) returned %zu, expected 0: the header says 0 for NULL", got);
}

Test(level1, destroy_of_null_does_nothing)
{
    ring_destroy(NULL); /* like free(NULL): must not crash */
}

Test(level1, locate_on_an_empty_ring_is_ring_empty)
{
    ring *r = new_ring(1);
    char node[RING_NAME_MAX] = "untouched";
    ring_status s = ring_locate(r, "user:1", 6, node);
    cr_assert(s == RING_EMPTY,
              "ring_locate on a ring with no nodes returned %s, expected RING_EMPTY: no node can "
              "own the key",
              status_name(s));
    cr_assert(strcmp(node, "untouched") == 0,
              "ring_locate on an empty ring wrote %s into the caller's buffer; on an error it "
              "must leave it as it was",
              wb_qn(node, strnlen(node, sizeof node)));
    ring_destroy(r);
}

Test(level1, bad_arguments_on_an_empty_ring_are_ring_invalid_not_ring_empty)
{
    ring *r = new_ring(1);
    char node[RING_NAME_MAX] = "untouched";
    ring_status s = ring_locate(r, NULL, 3, node);
    cr_assert(s == RING_INVALID,
              "ring_locate(ring with no nodes, NULL key, 3, node) returned %s, expected "
              "RING_INVALID: the arguments are checked before the ring is, so a call that could "
              "never be right is reported as such even while the ring is empty",
              status_name(s));
    cr_assert(strcmp(node, "untouched") == 0,
              "a refused ring_locate wrote %s into the caller's buffer; it must leave it as it was",
              wb_q(node));
    ring_destroy(r);
}

Test(level1, a_single_node_owns_every_key)
{
    ring *r = new_ring(1);
    add_node(r, "solo", 1);
    char key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        expect_owner(r, key, "solo",
                     "with one node on the ring, the first point clockwise from any key is that "
                     "node's point, wrapping past the top if need be");
    }
    expect_node_count(r, 1, "one node was added");
    ring_destroy(r);
}

/* Three nodes, one point each, named by their order on the ring: low < mid < high. */
struct three {
    ring *r;
    const char *name[3];
    uint64_t pos[3];
};

static struct three three_nodes(void)
{
    static const char *const names[3] = { "alpha", "beta", "gamma" };
    struct three t = { .r = new_ring(1) };
    for (int i = 0; i < 3; i++) {
        add_node(t.r, names[i], 1);
        /* Insertion sort by position, so that t.name[0] has the lowest point. */
        uint64_t pos = doc_point_pos(names[i], 0);
        int j = i;
        for (; j > 0 && t.pos[j - 1] > pos; j--) {
            t.pos[j] = t.pos[j - 1];
            t.name[j] = t.name[j - 1];
        }
        t.pos[j] = pos;
        t.name[j] = names[i];
    }
    return t;
}

Test(level1, a_key_goes_to_the_first_node_clockwise)
{
    struct three t = three_nodes();
    char why[300];
    for (int i = 0; i + 1 < 3; i++) {
        const char *key = key_between(t.pos[i], t.pos[i + 1]);
        snprintf(why, sizeof why,
                 "the key sits at 0x%016llx, after %s's point at 0x%016llx and before %s's at "
                 "0x%016llx, so the first point clockwise is %s's",
                 (unsigned long long)doc_key_pos(key), t.name[i], (unsigned long long)t.pos[i],
                 t.name[i + 1], (unsigned long long)t.pos[i + 1], t.name[i + 1]);
        expect_owner(t.r, key, t.name[i + 1], why);
    }
    ring_destroy(t.r);
}

Test(level1, a_key_past_the_last_point_wraps_to_the_first_node)
{
    struct three t = three_nodes();
    const char *key = key_between(t.pos[2], UINT64_MAX);
    char why[300];
    snprintf(why, sizeof why,
             "the key sits at 0x%016llx, past the highest point (%s's, at 0x%016llx); the ring "
             "wraps, so the first point clockwise is the lowest of all, %s's at 0x%016llx",
             (unsigned long long)doc_key_pos(key), t.name[2], (unsigned long long)t.pos[2],
             t.name[0], (unsigned long long)t.pos[0]);
    expect_owner(t.r, key, t.name[0], why);
    ring_destroy(t.r);
}

Test(level1, a_key_before_the_first_point_goes_to_the_first_node)
{
    struct three t = three_nodes();
    const char *key = key_between(0, t.pos[0]);
    char why[300];
    snprintf(why, sizeof why,
             "the key sits at 0x%016llx, below the lowest point (%s's, at 0x%016llx), so that "
             "point is the first clockwise; nothing wraps",
             (unsigned long long)doc_key_pos(key), t.name[0], (unsigned long long)t.pos[0]);
    expect_owner(t.r, key, t.name[0], why);
    ring_destroy(t.r);
}

Test(level1, a_key_exactly_on_a_point_belongs_to_that_points_node)
{
    struct three t = three_nodes();
    char key[32], why[300];
    for (int i = 0; i < 3; i++) {
        /* The key "beta#0" hashes to exactly where beta's point 0 sits. */
        snprintf(key, sizeof key, "%s#0", t.name[i]);
        snprintf(why, sizeof why,
                 "the key %s hashes to 0x%016llx, exactly the position of %s's point; the first "
                 "point at or after a key includes a point at the key itself",
                 key, (unsigned long long)t.pos[i], t.name[i]);
        expect_owner(t.r, key, t.name[i], why);
    }
    ring_destroy(t.r);
}

/*
 * "n9766eb2ea59b3061#0" and "ne648ebfe2ace30b8#0" have the same 64-bit FNV-1a,
 * 0xad72cede6b012133, so the same ring_hash, 0xf597ad95766026db: nodes of those
 * names have their point 0 at one position. (A pair like this takes about 2^32
 * hashes to find; it was found once, with a parallel collision search.)
 */
Test(level1, two_points_at_one_position_go_to_the_smaller_name_first)
{
    static const char *const smaller = "n9766eb2ea59b3061", *larger = "ne648ebfe2ace30b8";
    const char *key = "n9766eb2ea59b3061#0"; /* exactly on both points */
    uint64_t pos = doc_point_pos(smaller, 0);
    cr_assert(pos == doc_point_pos(larger, 0), "the test's two names do not collide (a bug in "
                                               "the test)");
    char why[300];
    for (int larger_first = 0; larger_first < 2; larger_first++) {
        ring *r = new_ring(1);
        add_node(r, "alpha", 1);
        add_node(r, larger_first ? larger : smaller, 1);
        add_node(r, larger_first ? smaller : larger, 1);
        snprintf(why, sizeof why,
                 "%s and %s (added %s) both have their point at 0x%016llx, where the key sits; "
                 "the header breaks the tie by name, so %s's point comes first, whatever the "
                 "order of arrival",
                 smaller, larger, larger_first ? "in that order reversed" : "in that order",
                 (unsigned long long)pos, smaller);
        expect_owner(r, key, smaller, why);
        remove_node(r, smaller);
        expect_owner(r, key, larger,
                     "the node of the smaller name was removed; the other point at the same "
                     "position is now the first at or after the key");
        ring_destroy(r);
    }
}

Test(level1, every_key_gets_the_owner_the_placement_gives)
{
    ring *r = new_ring(1);
    model *m = model_new(1);
    for (int i = 0; i < 10; i++) {
        add_node(r, node_name(i), 1);
        model_add(m, node_name(i), 1);
    }
    struct keyset *k = keyset_new(10000);
    expect_model_owners(r, m, k, "10 nodes of one point each, 10,000 keys user:0 .. user:9999");
    keyset_free(k);
    model_free(m);
    ring_destroy(r);
}

Test(level1, keys_are_bytes_and_may_hold_nul_or_be_empty)
{
    ring *r = new_ring(1);
    model *m = model_new(1);
    for (int i = 0; i < 10; i++) {
        add_node(r, node_name(i), 1);
        model_add(m, node_name(i), 1);
    }
    static const struct {
        const char *shown, *bytes;
        size_t len;
    } keys[] = { { "\"\" (0 bytes)", "", 0 },
                 { "\"a\\0b\" (3 bytes)", "a\0b", 3 },
                 { "\"a\\0c\" (3 bytes)", "a\0c", 3 },
                 { "\"\\xff\\xfe\" (2 bytes)", "\xff\xfe", 2 } };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char got[RING_NAME_MAX] = "";
        uint64_t pos = doc_hash(keys[i].bytes, keys[i].len);
        ring_status s = ring_locate(r, keys[i].bytes, keys[i].len, got);
        const char *want = model_owner(m, pos).node;
        cr_assert(s == RING_OK && strcmp(got, want) == 0,
                  "ring_locate(%s) returned %s with %s, expected RING_OK with \"%s\": the key "
                  "sits at 0x%016llx (the hash of all its bytes, NULs included), and %s",
                  keys[i].shown, status_name(s), wb_q(got), want, (unsigned long long)pos,
                  model_explain(m, pos));
    }
    char got[RING_NAME_MAX] = "";
    ring_status s = ring_locate(r, NULL, 0, got);
    const char *want = model_owner(m, doc_hash("", 0)).node;
    cr_assert(s == RING_OK && strcmp(got, want) == 0,
              "ring_locate(NULL, 0) returned %s with %s, expected RING_OK with \"%s\", the owner "
              "of the empty key: NULL is allowed when len is 0",
              status_name(s), wb_q(got), want);
    model_free(m);
    ring_destroy(r);
}

Test(level1, adding_an_existing_name_is_ring_exists_and_changes_nothing)
{
    ring *r = new_ring(1);
    model *m = model_new(1);
    add_node(r, "alpha", 1);
    add_node(r, "beta", 1);
    model_add(m, "alpha", 1);
    model_add(m, "beta", 1);
    ring_status s = ring_add(r, "alpha", 1);
    cr_assert(s == RING_EXISTS,
              "a second ring_add(\"alpha\") returned %s, expected RING_EXISTS: a node name "
              "identifies one node, so it cannot be on the ring twice",
              status_name(s));
    s = ring_add(r, "alpha", 3);
    cr_assert(s == RING_EXISTS,
              "ring_add(\"alpha\", weight 3) with alpha (weight 1) on the ring returned %s, "
              "expected RING_EXISTS: the name is taken, whatever the weight asked for",
              status_name(s));
    expect_node_count(r, 2, "alpha and beta were added; the second alpha was refused");
    struct keyset *k = keyset_new(2000);
    expect_model_owners(r, m, k,
                        "alpha and beta of weight 1, then ring_add(\"alpha\", 1) and "
                        "ring_add(\"alpha\", 3) refused with RING_EXISTS: a refused add changes "
                        "nothing, so alpha keeps its one point \"alpha#0\" and gains no "
                        "\"alpha#1\" or \"alpha#2\"");
    keyset_free(k);
    model_free(m);
    remove_node(r, "alpha");
    s = ring_remove(r, "alpha");
    cr_assert(s == RING_NOT_FOUND,
              "after alpha was added, refused once and removed once, ring_remove(\"alpha\") "
              "returned %s, expected RING_NOT_FOUND: the refused add must not have left a copy",
              status_name(s));
    ring_destroy(r);
}

Test(level1, removing_a_node_hands_its_keys_to_the_next_node_clockwise)
{
    struct three t = three_nodes();
    const char *key = key_between(t.pos[0], t.pos[1]); /* owned by the middle node */
    char key_copy[32], why[300];
    snprintf(key_copy, sizeof key_copy, "%s", key);
    expect_owner(t.r, key_copy, t.name[1], "the key sits just before the middle node's point");
    remove_node(t.r, t.name[1]);
    snprintf(why, sizeof why,
             "%s was removed; the next point clockwise from the key (at 0x%016llx) is now %s's, "
             "at 0x%016llx",
             t.name[1], (unsigned long long)doc_key_pos(key_copy), t.name[2],
             (unsigned long long)t.pos[2]);
    expect_owner(t.r, key_copy, t.name[2], why);
    expect_node_count(t.r, 2, "three nodes were added and one removed");
    ring_destroy(t.r);
}

Test(level1, removing_a_missing_node_is_not_found)
{
    ring *r = new_ring(1);
    ring_status s = ring_remove(r, "ghost");
    cr_assert(s == RING_NOT_FOUND,
              "ring_remove(\"ghost\") on an empty ring returned %s, expected RING_NOT_FOUND",
              status_name(s));
    add_node(r, "alpha", 1);
    s = ring_remove(r, "alph");
    cr_assert(s == RING_NOT_FOUND,
              "ring_remove(\"alph\") with only \"alpha\" on the ring returned %s, expected "
              "RING_NOT_FOUND: names must match exactly, not by prefix",
              status_name(s));
    expect_owner(r, "user:1", "alpha", "the failed removes must leave alpha alone");
    ring_destroy(r);
}

Test(level1, removing_every_node_leaves_an_empty_ring)
{
    ring *r = new_ring(1);
    add_nodes(r, 3);
    for (int i = 0; i < 3; i++)
        remove_node(r, node_name(i));
    expect_node_count(r, 0, "all three nodes were removed");
    char node[RING_NAME_MAX] = "untouched";
    ring_status s = ring_locate(r, "user:1", 6, node);
    cr_assert(s == RING_EMPTY,
              "ring_locate after every node was removed returned %s with %s, expected "
              "RING_EMPTY: no point is left on the ring",
              status_name(s), wb_q(node));
    ring_destroy(r);
}

Test(level1, a_removed_node_can_be_added_again)
{
    ring *r = new_ring(1);
    model *m = model_new(1);
    for (int i = 0; i < 5; i++) {
        add_node(r, node_name(i), 1);
        model_add(m, node_name(i), 1);
    }
    remove_node(r, "node-2");
    add_node(r, "node-2", 1);
    expect_node_count(r, 5, "node-2 was removed and added again");
    struct keyset *k = keyset_new(2000);
    expect_model_owners(r, m, k,
                        "5 nodes, then node-2 removed and added back: it takes back exactly the "
                        "keys it had, because its point is where it was");
    keyset_free(k);
    model_free(m);
    ring_destroy(r);
}

Test(level1, the_ring_keeps_its_own_copy_of_a_node_name)
{
    ring *r = new_ring(1);
    char name[] = "original";
    add_node(r, name, 1);
    memcpy(name, "CHANGED!", 8); /* the caller reuses its buffer */
    expect_owner(r, "user:1", "original",
                 "the caller changed its name buffer after ring_add; the ring must have copied "
                 "the name, not kept the pointer");
    ring_destroy(r);
}

Test(level1, names_of_63_bytes_are_accepted_and_longer_ones_refused)
{
    ring *r = new_ring(1);
    char longest[RING_NAME_MAX], too_long[RING_NAME_MAX + 1];
    memset(longest, 'n', RING_NAME_MAX - 1);
    longest[RING_NAME_MAX - 1] = '\0';
    memset(too_long, 'x', RING_NAME_MAX);
    too_long[RING_NAME_MAX] = '\0';
    add_node(r, longest, 1);
    expect_owner(r, "user:1", longest,
                 "a name of RING_NAME_MAX - 1 = 63 bytes fits a buffer of RING_NAME_MAX with "
                 "its NUL");
    ring_status s = ring_add(r, too_long, 1);
    cr_assert(s == RING_INVALID,
              "ring_add of a 64-byte name returned %s, expected RING_INVALID: with its NUL it "
              "would not fit the RING_NAME_MAX-byte buffers that lookups fill",
              status_name(s));
    expect_node_count(r, 1, "the 64-byte name was refused");
    ring_destroy(r);
}

Test(level1, bad_arguments_are_ring_invalid_and_change_nothing)
{
    ring *r = new_ring(1);
    add_node(r, "alpha", 1);
    char node[RING_NAME_MAX] = "untouched";
    const struct {
        const char *call;
        ring_status got;
    } calls[] = {
        { "ring_add(NULL ring, \"x\", 1)", ring_add(NULL, "x", 1) },
        { "ring_add(ring, NULL name, 1)", ring_add(r, NULL, 1) },
        { "ring_add(ring, \"\" (an empty name), 1)", ring_add(r, "", 1) },
        { "ring_add(ring, \"x\", weight 0)", ring_add(r, "x", 0) },
        { "ring_remove(NULL ring, \"alpha\")", ring_remove(NULL, "alpha") },
        { "ring_remove(ring, NULL name)", ring_remove(r, NULL) },
        { "ring_locate(NULL ring, \"k\", 1, node)", ring_locate(NULL, "k", 1, node) },
        { "ring_locate(ring, NULL key, 3, node)", ring_locate(r, NULL, 3, node) },
        { "ring_locate(ring, \"k\", 1, NULL buffer)", ring_locate(r, "k", 1, NULL) },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        cr_assert(calls[i].got == RING_INVALID, "%s returned %s, expected RING_INVALID",
                  calls[i].call, status_name(calls[i].got));
    cr_assert(strcmp(node, "untouched") == 0,
              "a refused ring_locate wrote %s into the caller's buffer; it must leave it as it was",
              wb_q(node));
    expect_node_count(r, 1, "every call above was refused, so only alpha is on the ring");
    expect_owner(r, "user:1", "alpha", "every call above was refused, so alpha owns every key");
    ring_destroy(r);
}
