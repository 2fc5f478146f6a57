/*
 * bench_leaderboard.c: how fast is the board, and how does its cost grow with
 * its size? `make bench EX=leaderboard` runs this program linked with your
 * code and with the reference, in turns.
 *
 * Boards of 1,000, 100,000 and 1,000,000 members ("player:0000042") with
 * seeded random scores. At each size, on one thread:
 *   rank    lb_rank of a random member
 *   update  lb_add of a random member with a new random score: it moves
 *   page    lb_range(random offset, 10): a page of the board
 *   top     lb_top(10)
 * and lb_rank on two threads at 100,000 (readers share the board).
 *
 * Each board is filled from the highest score down, so that filling it is
 * cheap for any structure (a sorted array appends); the calls measured then
 * hit members in random order. The last lines count lb_visits per lb_rank
 * (level 2): the cost in looks, which grows like log n exactly while the
 * time also pays for a board that outgrows the CPU caches.
 *
 * The targets sit at 100,000 members; the checked bound says a rank there
 * costs at most 30 times a rank among 1,000 (log n grows 1.7x, n 100x). A
 * board whose adds walk it fills in O(n^2), minutes at 100,000: a fill that
 * takes more than FILL_LIMIT seconds is abandoned, and that size and the
 * larger ones show as "-". Under `make check` (WB_BENCH_QUICK=1) each run is
 * shorter; the sizes and calls stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaderboard.h"
#include "wb/bench.h"
#include "wb/clock.h"
#include "wb/rng.h"

enum { MAX_MEMBERS = 1000000, ORDER = 1 << 20, MEMBER_LEN = 16 };
static const double FILL_LIMIT = 30; /* seconds */

static char (*names)[MEMBER_LEN];  /* "player:0000000" ... */
static unsigned order[ORDER];      /* seeded random member indexes */
static double fresh_scores[ORDER]; /* seeded random scores for updates */
static lb_board *board;            /* the board being measured */
static size_t members;             /* on it */

struct cursor {
    size_t at; /* where this thread is in order[] */
};
static struct cursor cursors[2];

static int ignore(size_t rank, const char *member, double score, void *ctx)
{
    (void)rank, (void)score, (void)ctx;
    wb_bench_consume(member);
    return 0;
}

static void rank_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx;
    struct cursor *c = &cursors[thread];
    size_t rank = 0;
    for (size_t i = 0; i < ops; i++, c->at++)
        lb_rank(board, names[order[c->at % ORDER] % members], &rank);
    wb_bench_consume(&rank);
}

static void update_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx;
    struct cursor *c = &cursors[thread];
    for (size_t i = 0; i < ops; i++, c->at++)
        lb_add(board, names[order[c->at % ORDER] % members], fresh_scores[c->at % ORDER], 0, NULL);
}

static void page_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx;
    struct cursor *c = &cursors[thread];
    for (size_t i = 0; i < ops; i++, c->at++)
        lb_range(board, order[c->at % ORDER] % members, 10, ignore, NULL);
}

static void top_batch(void *ctx, int thread, size_t ops)
{
    (void)ctx, (void)thread;
    for (size_t i = 0; i < ops; i++)
        lb_top(board, 10, ignore, NULL);
}

/* Scores, highest first: the fill order. */
static int by_score_descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/*
 * A board of n members with seeded random scores, added from the highest
 * score down: member i gets the i-th highest (the calls measured pick members
 * at random). NULL if the fill takes more than FILL_LIMIT seconds.
 */
static lb_board *fill(size_t n, wb_rng *rng, double *seconds)
{
    double *scores = malloc(n * sizeof *scores);
    lb_board *b = lb_create(7);
    if (scores == NULL || b == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        scores[i] = (double)wb_rng_below(rng, 4 * n);
    qsort(scores, n, sizeof *scores, by_score_descending);
    int64_t start = wb_now(NULL);
    for (size_t i = 0; i < n; i++) {
        lb_add(b, names[i], scores[i], 0, NULL);
        if (i % 1024 == 1023 && (double)(wb_now(NULL) - start) / 1e9 > FILL_LIMIT) {
            lb_destroy(b);
            b = NULL;
            break;
        }
    }
    *seconds = (double)(wb_now(NULL) - start) / 1e9;
    free(scores);
    return b;
}

struct size {
    size_t n;
    const char *suffix, *label;
};

static void rate(const struct size *s, const char *what, const char *label, wb_bench_fn fn,
                 int threads, double seconds)
{
    char key[32], text[64];
    snprintf(key, sizeof key, "%s_%s", what, s->suffix);
    snprintf(text, sizeof text, "%s, %s members", label, s->label);
    wb_bench_rate(key, wb_bench_measure(fn, NULL, threads, 100, seconds), text);
}

/* Every call, measured on the board of s->n members. */
static void measure(const struct size *s, double seconds)
{
    rate(s, "rank", "rank", rank_batch, 1, seconds);
    rate(s, "update", "update (moves)", update_batch, 1, seconds);
    rate(s, "page", "page of 10", page_batch, 1, seconds);
    rate(s, "top", "top 10", top_batch, 1, seconds);
    if (s->n == 100000)
        rate(s, "rank2", "rank on 2 threads", rank_batch, 2, seconds);
}

/* Mean lb_visits per lb_rank over 10,000 random members. */
static double visits_per_rank(void)
{
    uint64_t before = lb_visits(board);
    size_t rank;
    for (size_t i = 0; i < 10000; i++)
        lb_rank(board, names[order[i] % members], &rank);
    return (double)(lb_visits(board) - before) / 10000;
}

int main(void)
{
    const char *quick = getenv("WB_BENCH_QUICK");
    int is_quick = quick != NULL && *quick != '\0' && strcmp(quick, "0") != 0;
    double seconds = is_quick ? 0.1 : 0.25;
    static const struct size sizes[] = { { 1000, "1k", "1k" },
                                         { 100000, "100k", "100k" },
                                         { 1000000, "1m", "1M" } };
    enum { SIZES = sizeof sizes / sizeof sizes[0] };
    lb_board *boards[SIZES] = { NULL };

    names = malloc(MAX_MEMBERS * sizeof *names);
    if (names == NULL)
        abort();
    wb_rng rng;
    wb_rng_seed(&rng, 42);
    for (size_t i = 0; i < MAX_MEMBERS; i++)
        snprintf(names[i], MEMBER_LEN, "player:%07zu", i);
    for (size_t i = 0; i < ORDER; i++) {
        order[i] = (unsigned)wb_rng_below(&rng, MAX_MEMBERS);
        fresh_scores[i] = (double)wb_rng_below(&rng, 4 * MAX_MEMBERS);
    }
    cursors[1].at = ORDER / 2;

    wb_bench_target("rank_100k", 2000);
    wb_bench_target("update_100k", 1000);
    wb_bench_target("page_100k", 2000);
    wb_bench_bound("rank_100k", "rank_1k", 30);
    wb_bench_relate("rank_1m", "rank_1k");

    size_t filled = 0; /* sizes whose board could be filled in time */
    for (; filled < SIZES; filled++) {
        char key[32], label[64];
        double took;
        boards[filled] = fill(sizes[filled].n, &rng, &took);
        if (boards[filled] == NULL)
            break;
        snprintf(key, sizeof key, "fill_%s", sizes[filled].suffix);
        snprintf(label, sizeof label, "fill %s members, top down", sizes[filled].label);
        wb_bench_value(key, took, "s", label);
        board = boards[filled];
        members = sizes[filled].n;
        measure(&sizes[filled], seconds);
    }

    /* Last, because it needs level 2's counter: a board without one stops here. */
    for (size_t i = 0; i < filled; i++) {
        char key[32], label[64];
        board = boards[i];
        members = sizes[i].n;
        snprintf(key, sizeof key, "visits_%s", sizes[i].suffix);
        snprintf(label, sizeof label, "lb_visits per rank, %s members", sizes[i].label);
        wb_bench_value(key, visits_per_rank(), "visits", label);
    }
    for (size_t i = 0; i < filled; i++)
        lb_destroy(boards[i]);
    free(names);
    return 0;
}
