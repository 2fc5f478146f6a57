/*
 * Level 3, scale and concurrency: a million members, then many threads on one
 * board. Every call must act as if it ran alone: a page is one consistent
 * view, no increment is lost, no member is removed twice. A missing lock shows
 * here only sometimes; `make race` (ThreadSanitizer) shows it every time, with
 * the two lines that race. Run alone with `make test LEVEL=3`.
 *
 * Under ThreadSanitizer and valgrind, which run code 10 to 50 times slower,
 * the sizes shrink sixteenfold (see scaled() in lb_test.h); what is checked
 * stays the same.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_test.h"

WB_LEVEL(3);

/* ---- a million members ---- */

/*
 * Member i ("m0000042" for i = 42) gets the score floor(perm(i) / 2), where
 * perm shuffles 0 .. n-1 inside each block of 1,024: scores 0 .. n/2 - 1
 * each belong to exactly two members, every rank can be worked out without
 * sorting, and the members are added in an order scrambled within each
 * block. (A board of a million in a fully random order spends its time
 * waiting on memory, seconds under the sanitizers; level 2 checks random
 * orders at 20,000 members.)
 */
enum { BLOCK = 1024, SHUFFLE = 7919 };

struct million {
    uint64_t n;       /* a multiple of BLOCK */
    uint64_t inverse; /* SHUFFLE * inverse = 1 modulo BLOCK */
};

static uint64_t perm(const struct million *m, uint64_t i)
{
    (void)m;
    return (i & ~(uint64_t)(BLOCK - 1)) | ((i * SHUFFLE) & (BLOCK - 1));
}

static uint64_t unperm(const struct million *m, uint64_t v)
{
    return (v & ~(uint64_t)(BLOCK - 1)) | ((v * m->inverse) & (BLOCK - 1));
}

/* The inverse of a modulo n, by the extended Euclidean algorithm (a and n coprime). */
static uint64_t inverse_mod(uint64_t a, uint64_t n)
{
    int64_t t = 0, new_t = 1, r = (int64_t)n, new_r = (int64_t)(a % n);
    while (new_r != 0) {
        int64_t q = r / new_r, tmp = t - q * new_t;
        t = new_t, new_t = tmp;
        tmp = r - q * new_r;
        r = new_r, new_r = tmp;
    }
    return (uint64_t)(t < 0 ? t + (int64_t)n : t);
}

static void million_member(char *out, size_t size, uint64_t i)
{
    snprintf(out, size, "m%07llu", (unsigned long long)i);
}

/* The rank of member i while only the members scoring below `scores` are on the board. */
static size_t million_rank(const struct million *m, uint64_t i, uint64_t scores)
{
    uint64_t v = perm(m, i), score = v / 2;
    uint64_t partner = unperm(m, v ^ 1); /* the other member with the same score */
    return (size_t)(2 * (scores - 1 - score) + (i > partner ? 0 : 1));
}

static void expect_million_ranks(lb_board *b, const struct million *m, uint64_t scores, wb_rng *rng,
                                 const char *why)
{
    char member[32];
    for (int k = 0; k < 2000; k++) {
        uint64_t i = unperm(m, wb_rng_below(rng, 2 * scores));
        million_member(member, sizeof member, i);
        expect_rank(b, member, million_rank(m, i, scores), why);
    }
}

/*
 * A million members take a second with an O(log n) board and hours with an
 * O(n) one. Rather than run into the time limit, the test checks the pace by
 * the work counter (level 2) as it goes, and says what is wrong.
 */
static void expect_log_pace(lb_board *b, uint64_t *before, uint64_t calls, uint64_t members,
                            const char *call)
{
    uint64_t now = lb_visits(b);
    double mean = (double)(now - *before) / (double)calls;
    double bound = 8 * log2_of((size_t)members) + 16;
    cr_assert(mean <= bound,
              "%s looked at %.0f stored members per call (lb_visits) on a board of %llu, more "
              "than the %.0f that level 2 allows: with a million members that pace takes "
              "minutes to hours, so the test stops here. Level 3 builds on level 2's O(log n) "
              "board",
              call, mean, (unsigned long long)members, bound);
    *before = now;
}

Test(level3, a_million_members_rank_exactly)
{
    struct million m = { scaled(1 << 20), inverse_mod(SHUFFLE, BLOCK) };
    lb_board *b = new_board(5);
    char member[32], why[200];
    uint64_t before = lb_visits(b);
    for (uint64_t i = 0; i < m.n; i++) {
        million_member(member, sizeof member, i);
        lb_status s = lb_add(b, member, (double)(perm(&m, i) / 2), 0, NULL);
        if (s != LB_OK)
            cr_assert_fail("lb_add(%s) returned %s while adding %llu members, expected LB_OK",
                           wb_q(member), status_name(s), (unsigned long long)m.n);
        if ((i + 1) % 16384 == 0)
            expect_log_pace(b, &before, 16384, i + 1, "lb_add");
    }
    expect_len(b, m.n, "every member was added once");
    snprintf(why, sizeof why, "%llu members, two per score from 0 to %llu", (unsigned long long)m.n,
             (unsigned long long)(m.n / 2 - 1));
    wb_rng rng;
    wb_rng_seed(&rng, 6);
    size_t rank;
    before = lb_visits(b);
    for (int k = 0; k < 16; k++) {
        million_member(member, sizeof member, unperm(&m, wb_rng_below(&rng, m.n)));
        lb_rank(b, member, &rank);
    }
    expect_log_pace(b, &before, 16, m.n, "lb_rank");
    expect_million_ranks(b, &m, m.n / 2, &rng, why);
    expect_count(b, 10, 19, 20, "scores 10 .. 19 have two members each");

    /* Remove the top half: every remaining rank moves up by n / 2. */
    for (uint64_t v = m.n / 2; v < m.n; v++) {
        million_member(member, sizeof member, unperm(&m, v));
        lb_status s = lb_remove(b, member);
        if (s != LB_OK)
            cr_assert_fail("lb_remove(%s) returned %s, expected LB_OK: it was added", wb_q(member),
                           status_name(s));
    }
    expect_len(b, m.n / 2, "the members of the top half of the scores were removed");
    snprintf(why, sizeof why, "the %llu members scoring %llu or more were removed from %llu",
             (unsigned long long)(m.n / 2), (unsigned long long)(m.n / 4), (unsigned long long)m.n);
    expect_million_ranks(b, &m, m.n / 4, &rng, why);
    lb_destroy(b);
}

/* ---- one writer, many readers ---- */

/*
 * Scores that check themselves: member mi only ever has a score whose
 * remainder modulo 10,000 is i. A reader that sees member mi with another
 * score saw a half-written node, or a member with another's score.
 */
enum { UNIVERSE = 2000, READERS = 7, MOD = 10000 };

static double own_score(size_t i, int64_t k)
{
    return (double)(k * MOD + (int64_t)i);
}

static char *check_row(const struct row *r, size_t want_rank)
{
    size_t i = strtoul(r->member + 1, NULL, 10);
    double rest = fmod(r->score, MOD);
    if (r->member[0] != 'm' || i >= UNIVERSE || (rest < 0 ? rest + MOD : rest) != (double)i)
        return wb_strdupf("a visitor was handed %s with score %s, which was never written: "
                          "member mi only ever gets scores k * 10000 + i",
                          wb_q(r->member), score_text(r->score));
    if (r->rank != want_rank)
        return wb_strdupf("a visitor was handed rank %zu where rank %zu was due: the ranks of "
                          "one page follow each other",
                          r->rank, want_rank);
    return NULL;
}

/* NULL if the page is one consistent view: ranks in a row, order strict, scores well formed. */
static char *check_page(const struct page *p, size_t first, const char *call)
{
    for (size_t k = 0; k < p->n; k++) {
        char *problem = check_row(&p->rows[k], first + k);
        if (problem != NULL)
            return problem;
        if (k == 0)
            continue;
        const struct row *a = &p->rows[k - 1], *b = &p->rows[k];
        if (a->score < b->score || (a->score == b->score && strcmp(a->member, b->member) <= 0))
            return wb_strdupf("%s visited %s: %s %s ranks before %s %s, out of order, while a "
                              "writer was changing scores (a page must be one consistent view)",
                              call, page_text(p), wb_q(a->member), score_text(a->score),
                              wb_q(b->member), score_text(b->score));
    }
    return NULL;
}

struct readers_writer {
    lb_board *board;
    size_t writes;
    atomic_int writer_done;
};

/* The writer's calls, from a seed; the test replays them on a model afterwards. */
static void writer_step(wb_rng *rng, lb_board *b, struct model *m)
{
    size_t i = wb_rng_below(rng, UNIVERSE);
    int64_t k = (int64_t)wb_rng_below(rng, 200) - 100;
    switch (wb_rng_below(rng, 4)) {
    case 0:
    case 1:
        if (b != NULL)
            lb_add(b, model_member(i), own_score(i, k), 0, NULL);
        if (m != NULL)
            model_add(m, i, own_score(i, k));
        break;
    case 2: /* LB_XX: a missing member would start at 0 and lose its remainder i */
        if (b != NULL)
            lb_incr(b, model_member(i), (double)(k * MOD), LB_XX, NULL, NULL);
        if (m != NULL && m->present[i])
            model_incr(m, i, (double)(k * MOD));
        break;
    default:
        if (b != NULL)
            lb_remove(b, model_member(i));
        if (m != NULL)
            model_remove(m, i);
    }
}

/* NULL if an lb_around(member, k) page holds the member, with min(k, its rank) rows above it. */
static char *check_window(const struct page *p, const char *member, size_t k)
{
    for (size_t j = 0; j < p->n; j++) {
        if (strcmp(p->rows[j].member, member) != 0)
            continue;
        size_t above = p->rows[j].rank < k ? p->rows[j].rank : k;
        if (j == above)
            return NULL;
        return wb_strdupf("lb_around(%s, %zu) visited %s: %s has rank %zu there, so the window "
                          "starts %zu rows above it, not %zu",
                          wb_q(member), k, page_text(p), wb_q(member), p->rows[j].rank, above, j);
    }
    return wb_strdupf("lb_around(%s, %zu) returned LB_OK and visited %s, without %s itself: the "
                      "member's rank and its window must come from one view of the board (one "
                      "lock held from the lookup to the last visit), or a writer can move the "
                      "member in between",
                      wb_q(member), k, page_text(p), wb_q(member));
}

/* The other reads, on the same board at the same time: each answer must be one the board
 * gave at some instant. */
static char *read_the_rest(struct readers_writer *rw, const char *member)
{
    double score = 0;
    if (lb_score(rw->board, member, &score) == LB_OK) {
        size_t i = strtoul(member + 1, NULL, 10);
        double rest = fmod(score, MOD);
        if ((rest < 0 ? rest + MOD : rest) != (double)i)
            return wb_strdupf("lb_score(%s) gave %s, which was never written: member mi only "
                              "ever gets scores k * 10000 + i (a read that raced with the "
                              "writer)",
                              wb_q(member), score_text(score));
    }
    size_t len = lb_len(rw->board), count = 0;
    if (len > UNIVERSE)
        return wb_strdupf("lb_len gave %zu on a board that never holds more than %d members", len,
                          UNIVERSE);
    lb_status s = lb_count(rw->board, -INFINITY, INFINITY, &count);
    if (s != LB_OK || count > UNIVERSE)
        return wb_strdupf("lb_count(-inf, +inf) returned %s with %zu on a board that never holds "
                          "more than %d members",
                          status_name(s), count, UNIVERSE);
    struct page p = { 0 };
    lb_top(rw->board, 5, collect, &p);
    char *problem = check_page(&p, 0, "lb_top(5)");
    page_clear(&p);
    return problem;
}

static char *read_consistently(struct readers_writer *rw, wb_rng *rng)
{
    struct page p = { 0 };
    size_t offset = wb_rng_below(rng, UNIVERSE);
    lb_range(rw->board, offset, 20, collect, &p);
    char *problem = check_page(&p, offset, "lb_range(offset, 20)");
    page_clear(&p);
    if (problem != NULL)
        return problem;
    const char *member = model_member(wb_rng_below(rng, UNIVERSE));
    size_t rank = 0;
    if (lb_around(rw->board, member, 3, collect, &p) == LB_OK)
        problem = p.n == 0 ? wb_strdupf("lb_around(%s, 3) returned LB_OK but visited nobody",
                                        wb_q(member))
                           : check_page(&p, p.rows[0].rank, "lb_around(member, 3)");
    if (problem == NULL && p.n > 0)
        problem = check_window(&p, member, 3);
    page_clear(&p);
    if (problem == NULL && lb_rank(rw->board, member, &rank) == LB_OK && rank >= UNIVERSE)
        problem = wb_strdupf("lb_rank(%s) gave %zu on a board that never holds more than %d "
                             "members",
                             wb_q(member), rank, UNIVERSE);
    return problem != NULL ? problem : read_the_rest(rw, member);
}

static char *read_or_write(int t, void *ctx)
{
    struct readers_writer *rw = ctx;
    wb_rng rng;
    if (t == 0) { /* the writer */
        wb_rng_seed(&rng, 50);
        for (size_t w = 0; w < rw->writes; w++)
            writer_step(&rng, rw->board, NULL);
        atomic_store(&rw->writer_done, 1);
        return NULL;
    }
    wb_rng_seed(&rng, 100 + (uint64_t)t);
    for (int n = 0; n < 200 || !atomic_load(&rw->writer_done); n++) {
        char *problem = read_consistently(rw, &rng);
        if (problem != NULL)
            return problem;
    }
    return NULL;
}

Test(level3, readers_see_consistent_pages_while_a_writer_changes_scores)
{
    struct model m;
    model_init(&m, UNIVERSE);
    struct readers_writer rw = { .board = new_board(7), .writes = scaled(20000) };
    for (size_t i = 0; i < UNIVERSE; i++) {
        add(rw.board, model_member(i), own_score(i, 0));
        model_add(&m, i, own_score(i, 0));
    }
    wb_run_threads(
        1 + READERS, read_or_write, &rw,
        "one writer adding, incrementing and removing while 7 readers read pages, windows, "
        "ranks, scores, counts and the length");
    wb_rng rng;
    wb_rng_seed(&rng, 50);
    for (size_t w = 0; w < rw.writes; w++)
        writer_step(&rng, NULL, &m);
    expect_board_matches_model(rw.board, &m,
                               "the writer's seeded calls, replayed one by one on a model "
                               "after the threads finished, must give the same board");
    model_free(&m);
    lb_destroy(rw.board);
}

/* ---- one member, read while it changes ---- */

/*
 * Every read function on the one member the writer keeps changing, each on a
 * reader of its own: a reader whose function skips the lock then takes no
 * lock at all, so ThreadSanitizer sees its reads and the writer's writes
 * unordered and reports them every time. Member m1 only ever has a score
 * k * 10000 + 1 (k >= 0); m0 and m2 never change.
 */
enum { HOT_READERS = 4 };

struct hot {
    lb_board *board;
    int reads;               /* calls per reader, at least */
    atomic_size_t writes;    /* the writer's calls so far */
    atomic_int readers_done; /* the writer goes on until every reader is done */
};

/* Relaxed: the two counters only say how far the others got; they must not order the board's
 * memory between the threads, or they would hide a reader that skips the lock. */
static size_t so_far(atomic_size_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Reader 1 asks for m1's score, reader 2 for the length, reader 3 for a count, reader 4 for
 * m1's rank and window and the top. */
static char *read_the_hot_member(struct hot *h, int reader)
{
    double score = 0;
    size_t n = 0;
    struct page p = { 0 };
    char *problem = NULL;
    switch (reader) {
    case 1:
        if (lb_score(h->board, "m1", &score) == LB_OK && fmod(score, MOD) != 1)
            return wb_strdupf("lb_score(\"m1\") gave %s, which was never written: m1 only ever "
                              "gets scores k * 10000 + 1 (k >= 0)",
                              score_text(score));
        return NULL;
    case 2:
        if ((n = lb_len(h->board)) < 2 || n > 3)
            return wb_strdupf("lb_len gave %zu, expected 2 or 3: the board holds m0, m2 and, "
                              "now and then, m1",
                              n);
        return NULL;
    case 3:
        if (lb_count(h->board, -INFINITY, INFINITY, &n) != LB_OK || n < 2 || n > 3)
            return wb_strdupf("lb_count(-inf, +inf) gave %zu, expected 2 or 3: the board holds "
                              "m0, m2 and, now and then, m1",
                              n);
        return NULL;
    default:
        if (lb_rank(h->board, "m1", &n) == LB_OK && n > 2)
            return wb_strdupf("lb_rank(\"m1\") gave %zu, expected at most 2: the board never "
                              "holds more than 3 members",
                              n);
        if (lb_around(h->board, "m1", 1, collect, &p) == LB_OK)
            problem = check_window(&p, "m1", 1);
        page_clear(&p);
        if (problem == NULL) {
            lb_top(h->board, 3, collect, &p);
            problem = check_page(&p, 0, "lb_top(3)");
            page_clear(&p);
        }
        return problem;
    }
}

static char *change_or_read_one_member(int t, void *ctx)
{
    struct hot *h = ctx;
    if (t == 0) { /* the writer: m1 added, moved, removed, again and again */
        for (size_t w = 0;
             atomic_load_explicit(&h->readers_done, memory_order_relaxed) < HOT_READERS; w++) {
            if (w % 3 == 2)
                lb_remove(h->board, "m1");
            else
                lb_add(h->board, "m1", own_score(1, (int64_t)(w % 200)), 0, NULL);
            atomic_fetch_add_explicit(&h->writes, 1, memory_order_relaxed);
        }
        lb_add(h->board, "m1", own_score(1, 0), 0, NULL);
        return NULL;
    }
    /* Each reader goes on until the writer made 100 calls while it read: they overlap. */
    char *problem = NULL;
    size_t start = so_far(&h->writes);
    for (int n = 0; (n < h->reads || so_far(&h->writes) - start < 100) && problem == NULL; n++)
        problem = read_the_hot_member(h, t);
    atomic_fetch_add_explicit(&h->readers_done, 1, memory_order_relaxed);
    return problem;
}

Test(level3, every_read_of_a_member_sees_it_whole_while_a_writer_changes_it)
{
    struct hot h = { .board = new_board(11), .reads = (int)scaled(8000) };
    add(h.board, "m0", own_score(0, 0));
    add(h.board, "m2", own_score(2, 0));
    wb_run_threads(1 + HOT_READERS, change_or_read_one_member, &h,
                   "one writer adding, moving and removing m1 while 4 readers ask for its "
                   "score, the length, a count, and its rank, its window and the top");
    expect_len(h.board, 3, "the writer's last call added m1");
    lb_destroy(h.board);
}

/* ---- many writers ---- */

enum { WRITERS = 8, HOT = 10, INCRS = 2000 };

struct incr_ctx {
    lb_board *board;
};

static char *increment_hot_members(int t, void *ctx)
{
    struct incr_ctx *c = ctx;
    double last[HOT];
    for (int h = 0; h < HOT; h++)
        last[h] = -1;
    for (int i = 0; i < INCRS; i++) {
        int h = (i + t) % HOT;
        double score = -1;
        lb_status s = lb_incr(c->board, model_member((size_t)h), 1, 0, &score, NULL);
        if (s != LB_OK)
            return wb_strdupf("lb_incr(%s, 1) returned %s, expected LB_OK: a missing member "
                              "starts at 0, an existing one goes up by 1",
                              wb_q(model_member((size_t)h)), status_name(s));
        if (score <= last[h])
            return wb_strdupf("lb_incr(%s, 1) gave %s after it had given %s to this thread: "
                              "scores that only ever go up went down",
                              wb_q(model_member((size_t)h)), score_text(score),
                              score_text(last[h]));
        last[h] = score;
    }
    return NULL;
}

Test(level3, increments_from_many_threads_are_never_lost)
{
    struct incr_ctx c = { new_board(8) };
    wb_run_threads(WRITERS, increment_hot_members, &c,
                   "8 threads each incrementing 10 shared members 2,000 times by 1");
    for (size_t h = 0; h < HOT; h++)
        expect_score(c.board, model_member(h), WRITERS * INCRS / HOT,
                     "8 threads made 16,000 increments of 1 spread evenly over 10 members, "
                     "all starting missing (0): a lower score means increments were lost to a "
                     "race between reading the old score and writing the new one");
    expect_len(c.board, HOT, "only 10 members were ever incremented");
    lb_destroy(c.board);
}

struct distinct_ctx {
    lb_board *board;
    size_t per_thread;
};

static char *add_own_members(int t, void *ctx)
{
    struct distinct_ctx *c = ctx;
    for (size_t k = 0; k < c->per_thread; k++) {
        size_t i = (size_t)t * c->per_thread + k;
        lb_status s = lb_add(c->board, model_member(i), (double)(i % 1000), 0, NULL);
        if (s != LB_OK)
            return wb_strdupf("lb_add(%s) returned %s, expected LB_OK: each thread adds members "
                              "of its own",
                              wb_q(model_member(i)), status_name(s));
    }
    return NULL;
}

Test(level3, adds_of_distinct_members_from_many_threads_all_land)
{
    struct distinct_ctx c = { new_board(9), scaled(25000) / 10 };
    wb_run_threads(WRITERS, add_own_members, &c, "8 threads each adding members of their own");
    struct model m;
    model_init(&m, WRITERS * c.per_thread);
    for (size_t i = 0; i < m.size; i++)
        model_add(&m, i, (double)(i % 1000));
    expect_board_matches_model(c.board, &m,
                               "8 threads added different members at once: every one must be "
                               "on the board, at its rank, with the spans all right");
    model_free(&m);
    lb_destroy(c.board);
}

enum { DOOMED = 2000 };

struct remove_ctx {
    lb_board *board;
    int removed[WRITERS]; /* LB_OK answers each thread got; each writes only its own */
};

static char *remove_everyone(int t, void *ctx)
{
    struct remove_ctx *c = ctx;
    for (int k = 0; k < DOOMED; k++) {
        size_t i = (size_t)(k + t * (DOOMED / WRITERS)) % DOOMED; /* they collide all the way */
        lb_status s = lb_remove(c->board, model_member(i));
        if (s == LB_OK)
            c->removed[t]++;
        else if (s != LB_NOT_FOUND)
            return wb_strdupf("lb_remove(%s) returned %s, expected LB_OK or LB_NOT_FOUND (when "
                              "another thread removed it first)",
                              wb_q(model_member(i)), status_name(s));
    }
    return NULL;
}

Test(level3, racing_removes_remove_each_member_exactly_once)
{
    static struct remove_ctx c;
    c.board = new_board(10);
    for (size_t i = 0; i < DOOMED; i++)
        add(c.board, model_member(i), (double)(i % 50));
    wb_run_threads(WRITERS, remove_everyone, &c, "8 threads each removing all 2,000 members");
    int total = 0;
    for (int t = 0; t < WRITERS; t++)
        total += c.removed[t];
    cr_assert(total == DOOMED,
              "8 threads raced to remove the same 2,000 members and got LB_OK %d times in all, "
              "expected exactly 2,000: each member is removed by exactly one thread (more means "
              "a double remove, which frees a node twice)",
              total);
    expect_len(c.board, 0, "every member was removed");
    struct page p = { 0 };
    size_t n = lb_range(c.board, 0, SIZE_MAX, collect, &p);
    cr_assert(n == 0,
              "lb_range(0, SIZE_MAX) of the emptied board returned %zu and visited %s, expected "
              "nothing: every member was removed",
              n, page_text(&p));
    lb_destroy(c.board);
}
