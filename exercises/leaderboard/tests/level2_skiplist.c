/*
 * Level 2, a skiplist with spans: rank, range by rank and insertion cost
 * O(log n). The tests never time anything: they read the board's work counter
 * (lb_visits, whose rules the header states) before and after many calls and
 * hold the average to the header's bounds. A walk along the bottom level, or
 * a sorted array that shifts members to insert, is thousands of visits per
 * call here. Run alone with `make test LEVEL=2`.
 */
#include <math.h>
#include <stdio.h>

#include "lb_test.h"

WB_LEVEL(2);

enum { CALLS = 2000 };

/* The boards hold 20,000 members, or 1,250 under ThreadSanitizer and valgrind (scaled()):
 * still so many that a walk misses the bounds many times over. */
static size_t board_size(void)
{
    return scaled(20000);
}

/* The header's bounds, for a board of n members. */
static double single_bound(size_t n)
{
    return 8 * log2_of(n) + 16;
}

static double double_bound(size_t n)
{
    return 16 * log2_of(n) + 32;
}

/* Mean visits per call since `before`. */
static double mean_since(lb_board *b, uint64_t before, size_t calls)
{
    return (double)(lb_visits(b) - before) / (double)calls;
}

/* The average must be within the bound; the message says what a bigger one means. */
static void expect_within(double mean, double bound, const char *call, size_t n, const char *why)
{
    cr_assert(mean <= bound,
              "%s looked at %.1f stored members per call on average (lb_visits) on a board of "
              "%zu, expected at most %.0f, the header's bound: %s",
              call, mean, n, bound, why);
}

static const char WALK[] = "that is a walk through the members, not a search down a skiplist";

Test(level2, the_visit_counter_starts_at_zero_and_only_grows)
{
    lb_board *b = new_board(1);
    uint64_t v = lb_visits(b);
    cr_assert(v == 0,
              "lb_visits of a new board returned %llu, expected 0: it counts from "
              "lb_create on",
              (unsigned long long)v);
    char member[16];
    for (int i = 0; i < 100; i++) {
        snprintf(member, sizeof member, "m%d", i);
        add(b, member, i % 7);
        uint64_t now = lb_visits(b);
        cr_assert(now >= v,
                  "lb_visits went down from %llu to %llu after lb_add(%s): it only "
                  "ever grows",
                  (unsigned long long)v, (unsigned long long)now, wb_q(member));
        v = now;
    }
    cr_assert(v > 0, "lb_visits is still 0 after 100 adds: each add compares the new member "
                     "with stored ones to find its place, and each look counts");
    lb_destroy(b);
}

/* The calls of the_same_seed_makes_the_same_choices: call i adds a member and reads its rank. */
static void same_calls(lb_board *b, size_t i)
{
    char member[32];
    size_t rank;
    snprintf(member, sizeof member, "m%zu", i * 7919 % 3000);
    lb_add(b, member, (double)(i * 31 % 97), 0, NULL);
    lb_rank(b, member, &rank);
}

Test(level2, the_same_seed_makes_the_same_choices)
{
    lb_board *one = new_board(77), *two = new_board(77);
    for (size_t i = 0; i < 3000; i++) {
        same_calls(one, i); /* interleaved: a generator the boards share hands each other draws */
        same_calls(two, i);
        if (lb_visits(one) != lb_visits(two))
            cr_assert_fail("two boards made with lb_create(77) and given the same calls, in "
                           "turns, counted %llu and %llu visits after %zu calls each, expected "
                           "the same count: the seed must fix every random choice (node "
                           "heights), so that a run can be repeated exactly; draw them from a "
                           "generator of the board's own, seeded by lb_create, never from "
                           "rand() or the time",
                           (unsigned long long)lb_visits(one), (unsigned long long)lb_visits(two),
                           2 * (i + 1));
    }
    lb_destroy(one);
    lb_destroy(two);
}

Test(level2, rank_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 21, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 22);
    uint64_t before = lb_visits(b);
    size_t rank;
    for (int i = 0; i < CALLS; i++)
        lb_rank(b, model_member(wb_rng_below(&rng, n)), &rank);
    double mean = mean_since(b, before, CALLS);
    expect_within(mean, single_bound(n), "lb_rank", n, WALK);
    cr_assert(mean >= log2_of(n) / 4,
              "lb_rank looked at %.1f stored members per call on average (lb_visits) on a board "
              "of %zu, expected at least %.1f (log2 n / 4): no search finds a rank among %zu "
              "members with fewer looks, so the counter misses some of the work",
              mean, n, log2_of(n) / 4, n);
    model_free(&m);
    lb_destroy(b);
}

Test(level2, rank_of_the_lowest_members_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 23, &m);
    struct page last = { 0 };
    lb_range(b, n - 200, 200, collect, &last);
    cr_assert(last.n == 200, "lb_range(%zu, 200) visited %zu members, expected 200", n - 200,
              last.n);
    uint64_t before = lb_visits(b);
    size_t rank;
    for (size_t i = 0; i < last.n; i++)
        lb_rank(b, last.rows[i].member, &rank);
    expect_within(mean_since(b, before, last.n), single_bound(n),
                  "lb_rank of the 200 lowest members", n,
                  "counting ranks from the top takes n steps for the last member; adding up the "
                  "spans of the links on the way down takes log n");
    page_clear(&last);
    model_free(&m);
    lb_destroy(b);
}

Test(level2, score_is_a_lookup_not_a_walk)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 24, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 25);
    uint64_t before = lb_visits(b);
    double score;
    for (int i = 0; i < CALLS; i++)
        lb_score(b, model_member(wb_rng_below(&rng, n)), &score);
    expect_within(mean_since(b, before, CALLS), single_bound(n), "lb_score", n,
                  "the skiplist is ordered by score, so it cannot find a member by name; a hash "
                  "table from member to node can, and costs no visits");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, add_of_new_members_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 26, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 27);
    char member[32];
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS; i++) {
        snprintf(member, sizeof member, "new%d", i);
        add(b, member, (double)wb_rng_below(&rng, n / 4 + 1));
    }
    expect_within(mean_since(b, before, CALLS), single_bound(n), "lb_add of a new member", n,
                  "an insert must find its place by a search and link the node in, fixing the "
                  "spans of the links it passes; a sorted array shifts half the members each "
                  "time (and each shifted member counts)");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, update_of_a_score_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 28, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 29);
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS; i++)
        add(b, model_member(wb_rng_below(&rng, n)), (double)wb_rng_below(&rng, n / 4 + 1));
    expect_within(mean_since(b, before, CALLS), single_bound(n),
                  "lb_add of an existing member with a new score", n,
                  "a new score means a new place: unlink the node and link it back, two "
                  "searches of log n each");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, incr_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 30, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 31);
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS; i++)
        lb_incr(b, model_member(wb_rng_below(&rng, n)), (double)wb_rng_below(&rng, 100) - 50, 0,
                NULL, NULL);
    expect_within(mean_since(b, before, CALLS), single_bound(n), "lb_incr", n, WALK);
    model_free(&m);
    lb_destroy(b);
}

Test(level2, remove_costs_logarithmic_visits)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 32, &m);
    size_t calls = n / 2; /* members 7i mod n: all different, as 7 does not divide n */
    uint64_t before = lb_visits(b);
    for (size_t i = 0; i < calls; i++) {
        lb_status s = lb_remove(b, model_member(i * 7 % n));
        cr_assert(s == LB_OK, "lb_remove(%s) returned %s, expected LB_OK: it is on the board",
                  wb_q(model_member(i * 7 % n)), status_name(s));
    }
    expect_within(mean_since(b, before, calls), single_bound(n), "lb_remove", n,
                  "a remove finds the links that point at the node by a search from the top");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, a_page_deep_in_the_board_costs_log_n_plus_its_length)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 33, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 34);
    struct page p = { 0 };
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS / 4; i++) {
        lb_range(b, n / 2 + wb_rng_below(&rng, n / 2 - 10), 10, collect, &p);
        cr_assert(p.n == 10, "lb_range(deep offset, 10) visited %zu members, expected 10", p.n);
        page_clear(&p);
    }
    expect_within(mean_since(b, before, CALLS / 4), single_bound(n) + 2 * 10,
                  "lb_range(offset in the lower half, 10)", n,
                  "the first member of the page is found by rank, following links whose span "
                  "does not overshoot the offset; only the 10 members of the page are walked");
    before = lb_visits(b);
    for (int i = 0; i < CALLS / 4; i++) {
        lb_top(b, 10, collect, &p);
        page_clear(&p);
    }
    expect_within(mean_since(b, before, CALLS / 4), single_bound(n) + 2 * 10, "lb_top(10)", n,
                  "the top 10 are the first 10 members of the bottom level");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, around_costs_log_n_plus_its_window)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 35, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 36);
    struct page p = { 0 };
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS / 4; i++) {
        lb_around(b, model_member(wb_rng_below(&rng, n)), 5, collect, &p);
        page_clear(&p);
    }
    expect_within(mean_since(b, before, CALLS / 4), double_bound(n) + 2 * 11, "lb_around(k = 5)", n,
                  "the member's rank, then the node at rank - k: two searches, then 11 steps");
    model_free(&m);
    lb_destroy(b);
}

Test(level2, count_costs_logarithmic_visits_whatever_the_width)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 37, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 38);
    size_t count;
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS / 4; i++) {
        double low = (double)wb_rng_below(&rng, n / 8);
        lb_count(b, low, low + (double)wb_rng_below(&rng, n / 8), &count);
    }
    lb_count(b, -INFINITY, INFINITY, &count);
    cr_assert(count == n, "lb_count(-inf, +inf) gave %zu, expected %zu: every member", count, n);
    expect_within(mean_since(b, before, CALLS / 4 + 1), double_bound(n), "lb_count", n,
                  "a count is the difference of two ranks: the rank of the first score <= max "
                  "and of the first score < min, each found by spans, never by walking the range");
    model_free(&m);
    lb_destroy(b);
}

/* Mean visits of lb_rank over CALLS random members of a random board of n. */
static double rank_cost(size_t n, uint64_t seed)
{
    struct model m;
    lb_board *b = random_board(n, seed, &m);
    wb_rng rng;
    wb_rng_seed(&rng, seed + 1);
    size_t rank;
    uint64_t before = lb_visits(b);
    for (int i = 0; i < CALLS; i++)
        lb_rank(b, model_member(wb_rng_below(&rng, n)), &rank);
    double mean = mean_since(b, before, CALLS);
    model_free(&m);
    lb_destroy(b);
    return mean;
}

Test(level2, the_cost_of_a_rank_grows_like_log_n)
{
    size_t small_n = scaled(1000) + 24, large_n = 32 * small_n;
    double small = rank_cost(small_n, 40), large = rank_cost(large_n, 41);
    cr_assert(large <= 2.5 * small + 8,
              "lb_rank looked at %.1f members per call on a board of %zu and %.1f on a board "
              "of %zu, expected at most 2.5x more: log2 n grows from %.1f to %.1f while the "
              "board grows 32x, so a cost that grows %.1fx is growing with n, not log n",
              small, small_n, large, large_n, log2_of(small_n), log2_of(large_n),
              large / (small > 0 ? small : 1));
}

/* ---- correctness at scale ---- */

Test(level2, a_large_board_ranks_exactly_as_sorted)
{
    size_t n = board_size();
    struct model m;
    lb_board *b = random_board(n, 42, &m);
    char why[160];
    snprintf(why, sizeof why,
             "%zu members with seeded random scores from 0 to %zu (many ties), added in random "
             "order",
             n, n / 4);
    expect_board_matches_model(b, &m, why);
    model_free(&m);
    lb_destroy(b);
}

Test(level2, a_long_random_sequence_keeps_every_rank_exact)
{
    struct model m;
    lb_board *b = random_board(5000, 43, &m);
    wb_rng rng;
    wb_rng_seed(&rng, 44);
    size_t steps = scaled(30000);
    for (size_t step = 1; step <= steps; step++) {
        size_t i = wb_rng_below(&rng, m.size);
        double value = (double)wb_rng_below(&rng, 1000);
        uint64_t kind = wb_rng_below(&rng, 10);
        if (kind < 4) {
            add(b, model_member(i), value);
            model_add(&m, i, value);
        } else if (kind < 7) {
            lb_incr(b, model_member(i), value - 500, 0, NULL, NULL);
            model_incr(&m, i, value - 500);
        } else {
            lb_remove(b, model_member(i));
            model_remove(&m, i);
        }
        if (step % (steps / 3) == 0)
            expect_board_matches_model(b, &m,
                                       "after a seeded sequence of adds, increments and removes "
                                       "on 5,000 members: spans must stay right through them all");
    }
    model_free(&m);
    lb_destroy(b);
}
