/*
 * leaderboard.h: a leaderboard with the semantics of Redis sorted sets. Members
 * carry double scores and are ranked highest first; rank, range and insertion
 * cost O(log n) (level 2); many threads may share one board (level 3).
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in leaderboard.c. Levels (see README.md): 1 correctness,
 * 2 a skiplist with spans, 3 scale and concurrency.
 */
#ifndef LEADERBOARD_H
#define LEADERBOARD_H

#include <stddef.h>
#include <stdint.h>

/*
 * The board and its order.
 *
 * A member is a C string: any bytes but NUL, "" included. A board holds each
 * member at most once, with a score: a double that is never NaN (+inf and
 * -inf are allowed). 0.0 and -0.0 are the same score.
 *
 * Members are ranked by score, highest first; rank 0 is the top. Members with
 * equal scores are ranked by their bytes, compared as unsigned char (as
 * strcmp does; a member that is a prefix of another is the smaller one), and
 * the GREATER member ranks first. With 100 points each, "bob" has rank 0 and
 * "alice" rank 1; "ab" ranks before "a"; "\xc3\xa9" ("é" in UTF-8) before "z".
 *
 * This is exactly Redis's ZREVRANK and ZREVRANGE order: the reverse of the
 * ascending (score, member) order that Redis's ZRANK uses, so that one
 * ordered structure serves both directions. The tests compare every answer
 * with a real redis-server.
 */
typedef struct lb_board lb_board;

/* Every function that can fail returns one of these. After any status but
 * LB_OK the board is exactly as it was before the call, and the function has
 * written nothing through its output pointers. */
typedef enum lb_status {
    LB_OK = 0,       /* done */
    LB_NOT_FOUND,    /* the member is not on the board */
    LB_INVALID,      /* a NULL board, member or output pointer, a NaN score or bound,
                        or flag bits that are not LB_NX, LB_XX, LB_GT or LB_LT */
    LB_BAD_FLAGS,    /* flags that Redis refuses together: LB_NX with LB_XX, LB_GT or
                        LB_LT; LB_GT with LB_LT */
    LB_NOT_A_NUMBER, /* an increment whose result would be NaN (+inf plus -inf) */
    LB_NO_MEMORY     /* an allocation failed */
} lb_status;
/* If an argument is wrong in more than one way, which of the codes above comes
 * back is not specified; nothing changes either way. */

/*
 * Flags of lb_add and lb_incr, Redis's ZADD options; combine them with |.
 *   LB_NX  only add new members: never change an existing member's score.
 *   LB_XX  only update existing members: never add a new one.
 *   LB_GT  update an existing member only if its new score is greater than its
 *          current one. New members are still added (unless LB_XX).
 *   LB_LT  update an existing member only if its new score is less than its
 *          current one. New members are still added (unless LB_XX).
 * Allowed together: LB_XX | LB_GT and LB_XX | LB_LT. Refused with LB_BAD_FLAGS:
 * LB_NX | LB_XX, LB_GT | LB_LT, and LB_NX with LB_GT or LB_LT.
 */
enum {
    LB_NX = 1 << 0,
    LB_XX = 1 << 1,
    LB_GT = 1 << 2,
    LB_LT = 1 << 3,
};

/* What lb_add or lb_incr did, when it returned LB_OK. */
typedef enum lb_effect {
    LB_ADDED = 1, /* the member was new; it is now on the board with its score */
    LB_UPDATED,   /* the member was there, and its score changed */
    LB_UNCHANGED, /* the member was there and already had exactly that score */
    LB_REFUSED    /* a flag forbade it: LB_NX and the member exists, LB_XX and it does
                     not, LB_GT and the new score is not greater (an equal score is not
                     greater), LB_LT and it is not less. Nothing changed. */
} lb_effect;

/*
 * Called by the range functions once per member, in rank order (rank 0
 * first). `member` is the board's own copy, valid only during the call.
 * Return 0 to go on, non-zero to stop: lb_range, lb_top and lb_around then
 * call it no more, and stopping early is no error (lb_around still returns
 * LB_OK). The board is locked during the walk: the visitor must not call
 * back into it.
 */
typedef int (*lb_visit_fn)(size_t rank, const char *member, double score, void *ctx);

/* ---- Level 1: correctness ------------------------------------------------- */

/*
 * Creates an empty board. `seed` seeds the board's random choices (a
 * skiplist's node heights, level 2), so that a run can be repeated exactly:
 * two boards created with the same seed and given the same calls make the
 * same choices, and their lb_visits agree (so draw from a generator of the
 * board's own, never rand() or the time). A board that makes no random
 * choices ignores the seed. Returns NULL if memory runs out.
 */
lb_board *lb_create(uint64_t seed);

/* Frees the board and every member on it. NULL is a no-op. Must not run while
 * another thread uses the board. */
void lb_destroy(lb_board *board);

/*
 * Gives `member` the score `score`, as Redis's ZADD: a new member is added
 * (the board copies the name), an existing one moves to its new rank. `flags`
 * is 0 or a combination of LB_NX, LB_XX, LB_GT, LB_LT (above). On LB_OK, if
 * `effect` is not NULL, *effect says what happened.
 * Returns LB_OK, LB_INVALID (NULL board or member, NaN score, unknown flag
 * bits), LB_BAD_FLAGS or LB_NO_MEMORY.
 */
lb_status lb_add(lb_board *board, const char *member, double score, unsigned flags,
                 lb_effect *effect);

/*
 * Adds `delta` to the member's score, as Redis's ZINCRBY (and ZADD INCR with
 * flags). A missing member starts at 0, so it is added with score `delta`.
 * The flags are lb_add's, judged on the new score. For an existing member the
 * checks run in Redis's order: LB_NX refuses first; then a sum that is NaN
 * gives LB_NOT_A_NUMBER (with or without LB_GT or LB_LT); then LB_GT and
 * LB_LT compare the sum with the current score.
 * On LB_OK, *effect (if not NULL) says what happened and, unless the effect is
 * LB_REFUSED, *score (if not NULL) receives the member's new score. Otherwise
 * *score is left untouched.
 * Returns LB_OK, LB_INVALID (NULL board or member, NaN delta, unknown flag
 * bits), LB_BAD_FLAGS, LB_NOT_A_NUMBER or LB_NO_MEMORY.
 */
lb_status lb_incr(lb_board *board, const char *member, double delta, unsigned flags, double *score,
                  lb_effect *effect);

/* Takes `member` off the board; the members below it move up one rank.
 * Returns LB_OK, LB_NOT_FOUND or LB_INVALID. */
lb_status lb_remove(lb_board *board, const char *member);

/* Stores the member's score in *score. Returns LB_OK, LB_NOT_FOUND (*score
 * untouched) or LB_INVALID (a NULL pointer). */
lb_status lb_score(lb_board *board, const char *member, double *score);

/* Stores the member's rank (0 for the highest) in *rank. Returns LB_OK,
 * LB_NOT_FOUND (*rank untouched) or LB_INVALID (a NULL pointer). */
lb_status lb_rank(lb_board *board, const char *member, size_t *rank);

/* The number of members on the board (0 for NULL). */
size_t lb_len(lb_board *board);

/*
 * Visits the members of ranks offset .. offset + count - 1, in rank order, as
 * Redis's ZREVRANGE: a page of the board. The page stops early at the last
 * member; `count` may be anything up to SIZE_MAX (offset + count may pass
 * SIZE_MAX): a count past the last member means "to the end". Returns how
 * many members were visited (the one whose visit returned non-zero
 * included): 0 when offset >= lb_len, count is 0, or board or visit is NULL.
 */
size_t lb_range(lb_board *board, size_t offset, size_t count, lb_visit_fn visit, void *ctx);

/* The top k: exactly lb_range(board, 0, k, visit, ctx), NULL board or visit included. */
size_t lb_top(lb_board *board, size_t k, lb_visit_fn visit, void *ctx);

/*
 * Visits the members ranked around `member`: ranks rank - k .. rank + k,
 * clipped to the board (a member near the top has fewer above it), in rank
 * order, the member itself included. `k` may be anything up to SIZE_MAX
 * (rank + k may pass SIZE_MAX). Returns LB_OK (also when the visitor stopped
 * the walk early), LB_NOT_FOUND (nothing visited) or LB_INVALID (a NULL
 * board, member or visit).
 */
lb_status lb_around(lb_board *board, const char *member, size_t k, lb_visit_fn visit, void *ctx);

/*
 * Stores in *count the number of members whose score s has min <= s <= max,
 * both ends included, as Redis's ZCOUNT; -INFINITY and INFINITY are allowed
 * bounds, and min > max counts 0. Returns LB_OK or LB_INVALID (a NULL
 * pointer or a NaN bound).
 */
lb_status lb_count(lb_board *board, double min, double max, size_t *count);

/* ---- Level 2: a skiplist with spans ---------------------------------------- */

/*
 * The work counter: how many times, since lb_create, the board's operations
 * have looked at a member stored in its ordered structure. It is how the
 * tests check complexity by counting, never by timing. Count one each time
 * your code
 *   - compares the (score, member) it is looking for with a stored member's;
 *   - steps onto a stored member while walking (to skip it, count it, or hand
 *     it to a visitor);
 *   - moves a stored member (an array that shifts k members to make room for
 *     one counts k).
 * Counting one look twice (a step onto a node, then a comparison with it) is
 * allowed: the bounds leave room for it. Finding a member's node through a
 * hash table counts nothing.
 *
 * On a board of n members with random scores, the tests hold the AVERAGE
 * over many calls (log is log2 n) to at most:
 *   lb_add, lb_incr, lb_remove, lb_rank, lb_score    8 log + 16
 *   lb_range(offset, count), lb_top(count)           8 log + 16 + 2 count
 *   lb_around(member, k)                             16 log + 32 + 2 (2k + 1)
 *   lb_count(min, max), any width                    16 log + 32
 * and lb_rank to at least log / 4 (a counter that never moves hides the work).
 * On 32 times the members (32,768 against 1,024) lb_rank may cost at most 2.5
 * times as much, plus 8: log grows 1.5 times there, n 32 times.
 * A skiplist whose links know their spans meets these, as does a balanced tree
 * whose nodes know their subtree sizes; a sorted array (whose inserts shift
 * members) or a walk along the bottom of a skiplist (ranks by counting) does not.
 * Thread-safe; the count only ever grows. 0 for NULL.
 */
uint64_t lb_visits(lb_board *board);

/* ---- Level 3: scale and concurrency ---------------------------------------- */

/*
 * No new functions: a board holds a million members (and counting), and every
 * function above but lb_destroy may be called by any number of threads at
 * once. Each call acts as if it ran alone: a range is one consistent page of
 * the board as it stood at one instant, never a mix of before and after a
 * write, and lb_around finds the member and walks its window in that same
 * instant (the member is always in its own window). Reads that return one
 * number (lb_score, lb_len, lb_count) are no exception.
 */

#endif /* LEADERBOARD_H */
