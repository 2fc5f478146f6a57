/*
 * leaderboard.c: your leaderboard. The contract is in leaderboard.h; the
 * levels, the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone.
 */
#include "leaderboard.h"

#include "wb/todo.h"

/* Your board: how do you find a member's score fast, and keep every member in
 * rank order? (Level 1: any structure; level 2: a skiplist whose links know
 * their spans, plus the work counter; level 3: a lock.) */
struct lb_board {
    size_t len;
};

/* ---- Level 1: correctness ---- */

lb_board *lb_create(uint64_t seed)
{
    TODO(1, seed);
}

void lb_destroy(lb_board *board)
{
    TODO(1, board);
}

lb_status lb_add(lb_board *board, const char *member, double score, unsigned flags,
                 lb_effect *effect)
{
    TODO(1, board, member, score, flags, effect);
}

lb_status lb_incr(lb_board *board, const char *member, double delta, unsigned flags, double *score,
                  lb_effect *effect)
{
    TODO(1, board, member, delta, flags, score, effect);
}

lb_status lb_remove(lb_board *board, const char *member)
{
    TODO(1, board, member);
}

lb_status lb_score(lb_board *board, const char *member, double *score)
{
    TODO(1, board, member, score);
}

lb_status lb_rank(lb_board *board, const char *member, size_t *rank)
{
    TODO(1, board, member, rank);
}

size_t lb_len(lb_board *board)
{
    TODO(1, board);
}

size_t lb_range(lb_board *board, size_t offset, size_t count, lb_visit_fn visit, void *ctx)
{
    TODO(1, board, offset, count, visit, ctx);
}

size_t lb_top(lb_board *board, size_t k, lb_visit_fn visit, void *ctx)
{
    TODO(1, board, k, visit, ctx);
}

lb_status lb_around(lb_board *board, const char *member, size_t k, lb_visit_fn visit, void *ctx)
{
    TODO(1, board, member, k, visit, ctx);
}

lb_status lb_count(lb_board *board, double min, double max, size_t *count)
{
    TODO(1, board, min, max, count);
}

/* ---- Level 2: a skiplist with spans (and the work counter) ---- */

uint64_t lb_visits(lb_board *board)
{
    TODO(2, board);
}

/* ---- Level 3: scale and concurrency (no new functions: make the ones above thread-safe) ---- */
