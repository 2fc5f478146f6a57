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
 * The targets sit at 1,000,000 members, where a structure that walks or
 * shifts members falls far behind one that searches. Under `make check`
 * (WB_BENCH_QUICK=1) each run is shorter; the sizes and calls stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaderboard.h"
#include "wb/bench.h"
#include "wb/rng.h"

enum { MAX_MEMBERS = 1000000, ORDER = 1 << 20, MEMBER_LEN = 16 };

static char (*names)[MEMBER_LEN];  /* "player:0000000" ... */
static unsigned order[ORDER];      /* seeded random member indexes */
static double fresh_scores[ORDER]; /* seeded random scores for updates */
static lb_board *board;
static size_t members; /* on the board now */

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

/* Scores for members 0 .. n-1, highest first: the fill order. */
static int by_score_descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void fill(size_t n, wb_rng *rng)
{
    double *scores = malloc(n * sizeof *scores);
    if (scores == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        scores[i] = (double)wb_rng_below(rng, 4 * n);
    qsort(scores, n, sizeof *scores, by_score_descending);
    board = lb_create(7);
    if (board == NULL)
        abort();
    /* Member i gets the i-th highest score; the calls measured pick members at random. */
    for (size_t i = 0; i < n; i++)
        lb_add(board, names[i], scores[i], 0, NULL);
    members = n;
    free(scores);
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

struct size {
    size_t n;
    const char *suffix, *label;
};

static void measure(const struct size *s, double seconds, wb_rng *rng)
{
    char key[32], label[64];
    fill(s->n, rng);
    snprintf(key, sizeof key, "rank_%s", s->suffix);
    snprintf(label, sizeof label, "rank, %s members", s->label);
    wb_bench_rate(key, wb_bench_measure(rank_batch, NULL, 1, 100, seconds), label);
    snprintf(key, sizeof key, "update_%s", s->suffix);
    snprintf(label, sizeof label, "update (moves), %s members", s->label);
    wb_bench_rate(key, wb_bench_measure(update_batch, NULL, 1, 100, seconds), label);
    snprintf(key, sizeof key, "page_%s", s->suffix);
    snprintf(label, sizeof label, "page of 10, %s members", s->label);
    wb_bench_rate(key, wb_bench_measure(page_batch, NULL, 1, 100, seconds), label);
    snprintf(key, sizeof key, "top_%s", s->suffix);
    snprintf(label, sizeof label, "top 10, %s members", s->label);
    wb_bench_rate(key, wb_bench_measure(top_batch, NULL, 1, 100, seconds), label);
    if (s->n == 100000)
        wb_bench_rate("rank2_100k", wb_bench_measure(rank_batch, NULL, 2, 100, seconds),
                      "rank, 100k members, 2 threads");
    lb_destroy(board);
    board = NULL;
}

int main(void)
{
    const char *quick = getenv("WB_BENCH_QUICK");
    int is_quick = quick != NULL && *quick != '\0' && strcmp(quick, "0") != 0;
    double seconds = is_quick ? 0.05 : 0.25;
    static const struct size sizes[] = { { 1000, "1k", "1k" },
                                         { 100000, "100k", "100k" },
                                         { 1000000, "1m", "1M" } };
    size_t nsizes = sizeof sizes / sizeof sizes[0];

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

    wb_bench_target("rank_1m", 2000);
    wb_bench_target("update_1m", 1000);
    wb_bench_target("page_1m", 2000);
    wb_bench_bound("rank_1m", "rank_1k", 50);
    wb_bench_relate("rank_100k", "rank_1k");

    for (size_t i = 0; i < nsizes; i++)
        measure(&sizes[i], seconds, &rng);

    /* Last, because it needs level 2's counter: a board without one stops here. */
    for (size_t i = 0; i < nsizes; i++) {
        char key[32], label[64];
        fill(sizes[i].n, &rng);
        snprintf(key, sizeof key, "visits_%s", sizes[i].suffix);
        snprintf(label, sizeof label, "lb_visits per rank, %s members", sizes[i].label);
        wb_bench_value(key, visits_per_rank(), "visits", label);
        lb_destroy(board);
        board = NULL;
    }
    free(names);
    return 0;
}
