/*
 * lb_test.h: helpers the leaderboard tests share, so that each test reads as
 * its scenario. Every helper works through the public header only, and its
 * failure message says what was expected, what came back, and why (the `why`
 * argument, a sentence about the scenario).
 */
#ifndef LB_TEST_H
#define LB_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <criterion/criterion.h>

#include "leaderboard.h"
#include "wb/test.h"

/* A list of member names for expect_order: ORDER("bob", "alice"). */
#define ORDER(...)                                                                                 \
    (const char *const[]){ __VA_ARGS__ },                                                          \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

/*
 * n, or n / 16 when the run is under ThreadSanitizer or valgrind (the WB_MODE
 * environment variable says which), which run code 10 to 50 times slower:
 * the big scenarios shrink there, and check the same things.
 */
size_t scaled(size_t n);

/* ---- names, for messages ---- */

/* "LB_OK", "LB_NOT_FOUND", ... or "an unknown status (17)". */
const char *status_name(lb_status status);

/* "LB_ADDED", ... or "an unknown effect (9)". */
const char *effect_name(lb_effect effect);

/* "LB_NX | LB_GT", or "0" (no flags). */
const char *flags_name(unsigned flags);

/* A score as C would print it to round-trip: "100", "-0.25", "inf". */
const char *score_text(double score);

/* ---- calls that must succeed ---- */

/* lb_create(seed), failing the test if it returns NULL. */
lb_board *new_board(uint64_t seed);

/* lb_add(member, score) with no flags; must return LB_OK. */
void add(lb_board *b, const char *member, double score);

/* lb_add(member, score, flags) must return LB_OK with the effect `want`. */
void expect_add(lb_board *b, const char *member, double score, unsigned flags, lb_effect want,
                const char *why);

/* lb_incr(member, delta, flags) must return LB_OK with the effect `want` and,
 * unless it is LB_REFUSED, the new score `want_score` (else *score untouched). */
void expect_incr(lb_board *b, const char *member, double delta, unsigned flags, lb_effect want,
                 double want_score, const char *why);

/* ---- what the board must say ---- */

/* lb_score must return LB_OK and exactly `want`. */
void expect_score(lb_board *b, const char *member, double want, const char *why);

/* lb_rank must return LB_OK and `want`. */
void expect_rank(lb_board *b, const char *member, size_t want, const char *why);

/* lb_score and lb_rank must both return LB_NOT_FOUND. */
void expect_absent(lb_board *b, const char *member, const char *why);

/* lb_len must return `want`. */
void expect_len(lb_board *b, size_t want, const char *why);

/* The whole board, lb_range(0, SIZE_MAX), must list exactly `members`, rank 0 first. */
void expect_order(lb_board *b, const char *const *members, size_t n, const char *why);

/* lb_count(min, max) must return LB_OK and `want`. */
void expect_count(lb_board *b, double min, double max, size_t want, const char *why);

/* ---- pages: what a range function handed its visitor ---- */

struct row {
    size_t rank;
    char *member;
    double score;
};

struct page {
    size_t n, cap;
    struct row *rows;
    size_t stop_at; /* the visitor returns non-zero on this visit (1-based); 0: never */
};

/* An lb_visit_fn that appends each visit to the struct page in ctx. */
int collect(size_t rank, const char *member, double score, void *ctx);

/* Frees the rows and empties the page (it may be used again). */
void page_clear(struct page *p);

/* The page as "[0 bob 100, 1 alice 100]" (up to 30 rows; a per-thread buffer). */
const char *page_text(const struct page *p);

/*
 * The page must hold exactly `members`, with ranks first, first + 1, ...
 * `call` names the call that filled it, for the message.
 */
void expect_page(const struct page *p, const char *call, size_t first, const char *const *members,
                 size_t n, const char *why);

/* ---- a model: the contract, done the slow and obvious way ---- */

/*
 * Members "m0" .. "m<size-1>" and their scores; present[i] says whether mi is
 * on the board. The tests apply the same calls to the model and to the board,
 * then compare.
 */
struct model {
    size_t size;
    double *score;
    bool *present;
};

void model_init(struct model *m, size_t size);
void model_free(struct model *m);

/* The member name of id i: "m<i>" (a per-thread buffer; copy it to keep it). */
const char *model_member(size_t i);

/* What lb_add (no flags), lb_incr (no flags) and lb_remove do to member i. */
void model_add(struct model *m, size_t i, double score);
void model_incr(struct model *m, size_t i, double delta);
void model_remove(struct model *m, size_t i);

/*
 * The board must hold exactly the model's members: the same length, the same
 * order through lb_range, and lb_score and lb_rank right for every id (absent
 * ones included).
 */
void expect_board_matches_model(lb_board *b, const struct model *m, const char *why);

/* ---- the work counter (level 2) ---- */

/* log2(n), for the bounds of lb_visits. */
double log2_of(size_t n);

/*
 * A board of n members "m0" .. "m<n-1>" with seeded random scores drawn from
 * n / 4 values, so that ties are common. Fills `m` (sized n) to match.
 */
lb_board *random_board(size_t n, uint64_t seed, struct model *m);

#endif /* LB_TEST_H */
