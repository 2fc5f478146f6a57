/*
 * leaderboard.c: the reference leaderboard (see exercises/leaderboard/leaderboard.h).
 *
 * Two structures share the same nodes, as in Redis's sorted sets:
 *   - a hash table from member to node, so that "what is alice's score?"
 *     costs O(1) and every other question can start from the node;
 *   - a skiplist (Pugh, 1990) in rank order, whose links also store their
 *     span (how many ranks each one jumps), so that finding a member's rank,
 *     or the member at rank r, adds spans on the way down: O(log n).
 * How it differs from Redis's t_zset.c: the list runs highest score first,
 * the order the leaderboard reports in, so there are no backward pointers;
 * a change of score unlinks the node and links it back without a new
 * allocation; one read-write lock makes the board safe to share.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "leaderboard.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wb/rng.h"

enum {
    MAX_HEIGHT = 32, /* with p = 1/4, enough for 4^32 members */
    MIN_BUCKETS = 16,
};

struct node;

struct link {
    struct node *next; /* the next node on this level, one or more ranks lower; NULL at the end */
    size_t span;       /* how many ranks `next` is below this node */
};

/*
 * One allocation per member: the node, its `height` links, then the member's
 * bytes and a NUL. The head of the list is a node too, with MAX_HEIGHT links
 * and no member.
 */
struct node {
    double score;
    struct node *chain; /* the next node in the same hash bucket */
    uint64_t hash;      /* of the member: rehashing and most mismatches end on it */
    int height;         /* links in use: 1 .. MAX_HEIGHT */
    struct link links[];
};

static char *member_of(struct node *n)
{
    return (char *)&n->links[n->height];
}

/*
 * Invariants, whenever the lock is free:
 *   - every member is in exactly one bucket chain and on level 0 of the list;
 *   - on every level, nodes follow rank order: higher score first, and for an
 *     equal score the greater member first (strcmp);
 *   - level i holds a subset of level i - 1, and head->links[i].span plus the
 *     spans along level i up to a node is that node's rank + 1;
 *   - `height` is the tallest node's height (1 when empty); the head's links
 *     at and above it are NULL.
 * `visits` is atomic: readers share the lock and all bump it.
 */
struct lb_board {
    pthread_rwlock_t lock;
    struct node *head;       /* MAX_HEIGHT links, no member */
    int height;              /* levels in use */
    size_t len;              /* members */
    struct node **buckets;   /* mask + 1 chains, a power of two */
    size_t mask;             /* grows to keep len <= mask + 1 */
    wb_rng rng;              /* node heights; used under the write lock */
    _Atomic uint64_t visits; /* lb_visits: stored members looked at */
};

/* ---- the order ----------------------------------------------------------------- */

/*
 * Where node n stands against (score, member) in rank order: negative if n
 * ranks before it, 0 if n is that very pair, positive if n ranks after it.
 * Higher scores come first; equal scores put the greater member first, which
 * is strcmp's order (unsigned bytes) reversed. Counts the look in *visits.
 */
static int compare(struct node *n, double score, const char *member, uint64_t *visits)
{
    ++*visits;
    if (n->score != score)
        return n->score > score ? -1 : 1;
    return strcmp(member, member_of(n));
}

/* Heights 1, 2, 3, ... with probabilities 3/4, 3/16, 3/64, ...: each level keeps a
 * quarter of the one below, as Redis does. */
static int random_height(wb_rng *rng)
{
    uint64_t bits = wb_rng_next(rng);
    int height = 1;
    while (height < MAX_HEIGHT && (bits & 3) == 0) {
        height++;
        bits >>= 2;
    }
    return height;
}

/* ---- the skiplist ---------------------------------------------------------------- */

/*
 * Fills path[i] with the last node on level i that ranks before (score,
 * member), and rank_of[i] with that node's rank + 1 (0 for the head).
 */
static void find_path(lb_board *b, double score, const char *member, struct node **path,
                      size_t *rank_of, uint64_t *visits)
{
    struct node *x = b->head;
    size_t rank = 0;
    for (int i = b->height - 1; i >= 0; i--) {
        while (x->links[i].next && compare(x->links[i].next, score, member, visits) < 0) {
            rank += x->links[i].span;
            x = x->links[i].next;
        }
        path[i] = x;
        rank_of[i] = rank;
    }
}

/* Links node n (its score and height set) at its place in the order. */
static void link_node(lb_board *b, struct node *n, uint64_t *visits)
{
    struct node *path[MAX_HEIGHT];
    size_t rank_of[MAX_HEIGHT];
    find_path(b, n->score, member_of(n), path, rank_of, visits);
    for (int i = b->height; i < n->height; i++) {
        /* A new level: the head's link there jumps over every member so far. */
        path[i] = b->head;
        rank_of[i] = 0;
        b->head->links[i].span = b->len;
    }
    if (n->height > b->height)
        b->height = n->height;
    for (int i = 0; i < n->height; i++) {
        /* path[i] is rank_of[0] - rank_of[i] ranks above path[0]; n lands just below path[0]. */
        size_t gap = rank_of[0] - rank_of[i];
        n->links[i].next = path[i]->links[i].next;
        n->links[i].span = path[i]->links[i].span - gap;
        path[i]->links[i].next = n;
        path[i]->links[i].span = gap + 1;
    }
    for (int i = n->height; i < b->height; i++)
        path[i]->links[i].span++; /* the links that now jump over n too */
    b->len++;
}

/* Unlinks node n from every level; the node itself is kept. */
static void unlink_node(lb_board *b, struct node *n, uint64_t *visits)
{
    struct node *path[MAX_HEIGHT];
    size_t rank_of[MAX_HEIGHT];
    find_path(b, n->score, member_of(n), path, rank_of, visits);
    assert(path[0]->links[0].next == n);
    for (int i = 0; i < b->height; i++) {
        if (path[i]->links[i].next == n) {
            path[i]->links[i].span += n->links[i].span - 1;
            path[i]->links[i].next = n->links[i].next;
        } else {
            path[i]->links[i].span--;
        }
    }
    while (b->height > 1 && b->head->links[b->height - 1].next == NULL)
        b->height--;
    b->len--;
}

/* The 0-based rank of node n, found by adding spans on the way down. */
static size_t rank_of_node(lb_board *b, struct node *n, uint64_t *visits)
{
    struct node *x = b->head;
    size_t rank = 0;
    const char *member = member_of(n);
    for (int i = b->height - 1; i >= 0; i--) {
        while (x->links[i].next && compare(x->links[i].next, n->score, member, visits) <= 0) {
            rank += x->links[i].span;
            x = x->links[i].next;
        }
        if (x == n)
            return rank - 1;
    }
    assert(!"a node in the table is missing from the list");
    return 0;
}

/* The node of 0-based rank r (r < len), reached by spans, not by counting steps. */
static struct node *node_at(lb_board *b, size_t r, uint64_t *visits)
{
    struct node *x = b->head;
    size_t traversed = 0;
    for (int i = b->height - 1; i >= 0; i--) {
        while (x->links[i].next && traversed + x->links[i].span <= r + 1) {
            traversed += x->links[i].span;
            x = x->links[i].next;
            ++*visits;
        }
        if (traversed == r + 1)
            return x;
    }
    assert(!"rank out of range");
    return NULL;
}

/* How many members have a score above `bound` (at or above it, if `or_equal`): they are
 * the ranks before the first member whose score is not, found by spans. */
static size_t count_above(lb_board *b, double bound, bool or_equal, uint64_t *visits)
{
    struct node *x = b->head;
    size_t rank = 0;
    for (int i = b->height - 1; i >= 0; i--) {
        for (struct node *next; (next = x->links[i].next) != NULL; x = next) {
            ++*visits;
            if (or_equal ? next->score < bound : next->score <= bound)
                break;
            rank += x->links[i].span;
        }
    }
    return rank;
}

/* Adds a call's visits to the board's counter: once per call, after the lock is released. */
static void count_visits(lb_board *b, uint64_t visits)
{
    atomic_fetch_add_explicit(&b->visits, visits, memory_order_relaxed);
}

/* ---- the hash table ----------------------------------------------------------------- */

/* FNV-1a, 64-bit: short and well known; members are short. */
static uint64_t hash_member(const char *member)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)member; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return h;
}

static struct node *find(lb_board *b, const char *member, uint64_t hash)
{
    for (struct node *n = b->buckets[hash & b->mask]; n != NULL; n = n->chain)
        if (n->hash == hash && strcmp(member_of(n), member) == 0)
            return n;
    return NULL;
}

static void table_insert(lb_board *b, struct node *n)
{
    struct node **head = &b->buckets[n->hash & b->mask];
    n->chain = *head;
    *head = n;
}

static void table_remove(lb_board *b, struct node *n)
{
    struct node **link = &b->buckets[n->hash & b->mask];
    while (*link != n)
        link = &(*link)->chain;
    *link = n->chain;
}

/* Doubles the table once it holds as many members as buckets. If memory runs out
 * it stays as it is: chains grow longer, nothing is lost. */
static void maybe_grow(lb_board *b)
{
    size_t n = b->mask + 1;
    if (b->len < n || n > SIZE_MAX / 2 / sizeof(struct node *))
        return;
    struct node **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        for (struct node *e = b->buckets[i], *next; e != NULL; e = next) {
            next = e->chain;
            e->chain = buckets[e->hash & (2 * n - 1)];
            buckets[e->hash & (2 * n - 1)] = e;
        }
    }
    free(b->buckets);
    b->buckets = buckets;
    b->mask = 2 * n - 1;
}

/* ---- creating and destroying -------------------------------------------------------- */

static struct node *new_node(int height, const char *member, size_t member_len)
{
    struct node *n = malloc(sizeof *n + (size_t)height * sizeof(struct link) + member_len + 1);
    if (n == NULL)
        return NULL;
    n->height = height;
    memset(n->links, 0, (size_t)height * sizeof(struct link));
    memcpy(member_of(n), member, member_len + 1);
    return n;
}

lb_board *lb_create(uint64_t seed)
{
    lb_board *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->head = new_node(MAX_HEIGHT, "", 0);
    b->buckets = calloc(MIN_BUCKETS, sizeof *b->buckets);
    /* Writers first: with readers preferred, a steady stream of readers starves the writer. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int failed = pthread_rwlock_init(&b->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (b->head == NULL || b->buckets == NULL || failed) {
        if (!failed)
            pthread_rwlock_destroy(&b->lock);
        free(b->head);
        free(b->buckets);
        free(b);
        return NULL;
    }
    b->height = 1;
    b->mask = MIN_BUCKETS - 1;
    wb_rng_seed(&b->rng, seed);
    return b;
}

void lb_destroy(lb_board *board)
{
    if (board == NULL)
        return;
    for (struct node *n = board->head->links[0].next, *next; n != NULL; n = next) {
        next = n->links[0].next;
        free(n);
    }
    free(board->head);
    free(board->buckets);
    pthread_rwlock_destroy(&board->lock);
    free(board);
}

/* ---- writing ------------------------------------------------------------------------ */

static lb_status check_flags(unsigned flags)
{
    if (flags & ~(unsigned)(LB_NX | LB_XX | LB_GT | LB_LT))
        return LB_INVALID;
    bool nx = flags & LB_NX, xx = flags & LB_XX, gt = flags & LB_GT, lt = flags & LB_LT;
    if ((nx && xx) || (gt && lt) || (nx && (gt || lt)))
        return LB_BAD_FLAGS;
    return LB_OK;
}

/* Adds a new member with `score`, unless LB_XX forbids it. Under the write lock. */
static lb_status add_new(lb_board *b, const char *member, uint64_t hash, double score,
                         unsigned flags, lb_effect *effect, double *after, uint64_t *visits)
{
    if (flags & LB_XX) {
        *effect = LB_REFUSED;
        return LB_OK;
    }
    struct node *n = new_node(random_height(&b->rng), member, strlen(member));
    if (n == NULL)
        return LB_NO_MEMORY;
    n->score = score;
    n->hash = hash;
    link_node(b, n, visits);
    table_insert(b, n);
    maybe_grow(b);
    *after = score;
    *effect = LB_ADDED;
    return LB_OK;
}

/* Gives existing node n the score `value` (or its score + value if `incr`), with
 * Redis's checks in Redis's order. Under the write lock. */
static lb_status change_score(lb_board *b, struct node *n, double value, bool incr, unsigned flags,
                              lb_effect *effect, double *after, uint64_t *visits)
{
    if (flags & LB_NX) {
        *effect = LB_REFUSED;
        return LB_OK;
    }
    double score = incr ? n->score + value : value;
    if (isnan(score))
        return LB_NOT_A_NUMBER;
    if (((flags & LB_GT) && !(score > n->score)) || ((flags & LB_LT) && !(score < n->score))) {
        *effect = LB_REFUSED;
        return LB_OK;
    }
    *after = n->score;
    if (score == n->score) {
        *effect = LB_UNCHANGED;
        return LB_OK;
    }
    /* A new score means a new place: take the node out and link it back in. */
    unlink_node(b, n, visits);
    n->score = score;
    link_node(b, n, visits);
    *after = score;
    *effect = LB_UPDATED;
    return LB_OK;
}

/* lb_add and lb_incr. *score receives the score afterwards unless the change was refused. */
static lb_status upsert(lb_board *b, const char *member, double value, bool incr, unsigned flags,
                        double *score, lb_effect *effect)
{
    if (b == NULL || member == NULL || isnan(value))
        return LB_INVALID;
    lb_status status = check_flags(flags);
    if (status != LB_OK)
        return status;
    uint64_t hash = hash_member(member), visits = 0;
    lb_effect done = LB_REFUSED;
    double after = 0;

    pthread_rwlock_wrlock(&b->lock);
    struct node *n = find(b, member, hash);
    if (n == NULL)
        status = add_new(b, member, hash, value, flags, &done, &after, &visits);
    else
        status = change_score(b, n, value, incr, flags, &done, &after, &visits);
    pthread_rwlock_unlock(&b->lock);

    count_visits(b, visits);
    if (status == LB_OK && done != LB_REFUSED && score != NULL)
        *score = after;
    if (status == LB_OK && effect != NULL)
        *effect = done;
    return status;
}

lb_status lb_add(lb_board *board, const char *member, double score, unsigned flags,
                 lb_effect *effect)
{
    return upsert(board, member, score, false, flags, NULL, effect);
}

lb_status lb_incr(lb_board *board, const char *member, double delta, unsigned flags, double *score,
                  lb_effect *effect)
{
    return upsert(board, member, delta, true, flags, score, effect);
}

lb_status lb_remove(lb_board *board, const char *member)
{
    if (board == NULL || member == NULL)
        return LB_INVALID;
    uint64_t hash = hash_member(member), visits = 0;

    pthread_rwlock_wrlock(&board->lock);
    struct node *n = find(board, member, hash);
    bool found = n != NULL; /* n itself means nothing once freed */
    if (found) {
        unlink_node(board, n, &visits);
        table_remove(board, n);
        free(n);
    }
    pthread_rwlock_unlock(&board->lock);

    count_visits(board, visits);
    return found ? LB_OK : LB_NOT_FOUND;
}

/* ---- reading -------------------------------------------------------------------------- */

lb_status lb_score(lb_board *board, const char *member, double *score)
{
    if (board == NULL || member == NULL || score == NULL)
        return LB_INVALID;
    uint64_t hash = hash_member(member);

    pthread_rwlock_rdlock(&board->lock);
    struct node *n = find(board, member, hash);
    if (n != NULL)
        *score = n->score;
    pthread_rwlock_unlock(&board->lock);
    return n != NULL ? LB_OK : LB_NOT_FOUND;
}

lb_status lb_rank(lb_board *board, const char *member, size_t *rank)
{
    if (board == NULL || member == NULL || rank == NULL)
        return LB_INVALID;
    uint64_t hash = hash_member(member), visits = 0;

    pthread_rwlock_rdlock(&board->lock);
    struct node *n = find(board, member, hash);
    if (n != NULL)
        *rank = rank_of_node(board, n, &visits);
    pthread_rwlock_unlock(&board->lock);

    count_visits(board, visits);
    return n != NULL ? LB_OK : LB_NOT_FOUND;
}

size_t lb_len(lb_board *board)
{
    if (board == NULL)
        return 0;
    pthread_rwlock_rdlock(&board->lock);
    size_t len = board->len;
    pthread_rwlock_unlock(&board->lock);
    return len;
}

/* Visits ranks first .. first + n - 1 (all on the board). Under the lock. */
static size_t walk(lb_board *b, size_t first, size_t n, lb_visit_fn visit, void *ctx,
                   uint64_t *visits)
{
    if (n == 0)
        return 0;
    struct node *x = node_at(b, first, visits);
    size_t done = 0;
    while (done < n) {
        done++;
        if (visit(first + done - 1, member_of(x), x->score, ctx) != 0 || done == n)
            break;
        x = x->links[0].next;
        ++*visits;
    }
    return done;
}

size_t lb_range(lb_board *board, size_t offset, size_t count, lb_visit_fn visit, void *ctx)
{
    if (board == NULL || visit == NULL)
        return 0;
    uint64_t visits = 0;

    pthread_rwlock_rdlock(&board->lock);
    size_t n = 0;
    if (offset < board->len)
        n = count < board->len - offset ? count : board->len - offset; /* never offset + count */
    size_t done = walk(board, offset, n, visit, ctx, &visits);
    pthread_rwlock_unlock(&board->lock);

    count_visits(board, visits);
    return done;
}

size_t lb_top(lb_board *board, size_t k, lb_visit_fn visit, void *ctx)
{
    return lb_range(board, 0, k, visit, ctx);
}

lb_status lb_around(lb_board *board, const char *member, size_t k, lb_visit_fn visit, void *ctx)
{
    if (board == NULL || member == NULL || visit == NULL)
        return LB_INVALID;
    uint64_t hash = hash_member(member), visits = 0;

    pthread_rwlock_rdlock(&board->lock);
    struct node *n = find(board, member, hash);
    if (n != NULL) {
        size_t rank = rank_of_node(board, n, &visits);
        size_t first = rank > k ? rank - k : 0;              /* never rank - k below 0 */
        size_t below = board->len - 1 - rank;                /* members ranked after it */
        size_t last = k < below ? rank + k : board->len - 1; /* never rank + k past SIZE_MAX */
        walk(board, first, last - first + 1, visit, ctx, &visits);
    }
    pthread_rwlock_unlock(&board->lock);

    count_visits(board, visits);
    return n != NULL ? LB_OK : LB_NOT_FOUND;
}

lb_status lb_count(lb_board *board, double min, double max, size_t *count)
{
    if (board == NULL || count == NULL || isnan(min) || isnan(max))
        return LB_INVALID;
    uint64_t visits = 0;

    pthread_rwlock_rdlock(&board->lock);
    size_t n = 0;
    if (min <= max) {
        /* Ranks run from high scores to low: those above max come first, then the range. */
        n = count_above(board, min, true, &visits) - count_above(board, max, false, &visits);
    }
    pthread_rwlock_unlock(&board->lock);

    count_visits(board, visits);
    *count = n;
    return LB_OK;
}

uint64_t lb_visits(lb_board *board)
{
    return board == NULL ? 0 : atomic_load_explicit(&board->visits, memory_order_relaxed);
}
