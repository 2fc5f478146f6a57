/*
 * lb_test.c: the helpers of lb_test.h.
 */
#include "lb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t scaled(size_t n)
{
    const char *mode = getenv("WB_MODE");
    if (mode != NULL && (strcmp(mode, "race") == 0 || strcmp(mode, "valgrind") == 0))
        return n / 16;
    return n;
}

/* ---- names ---- */

const char *status_name(lb_status status)
{
    switch (status) {
    case LB_OK:
        return "LB_OK";
    case LB_NOT_FOUND:
        return "LB_NOT_FOUND";
    case LB_INVALID:
        return "LB_INVALID";
    case LB_BAD_FLAGS:
        return "LB_BAD_FLAGS";
    case LB_NOT_A_NUMBER:
        return "LB_NOT_A_NUMBER";
    case LB_NO_MEMORY:
        return "LB_NO_MEMORY";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

const char *effect_name(lb_effect effect)
{
    switch (effect) {
    case LB_ADDED:
        return "LB_ADDED";
    case LB_UPDATED:
        return "LB_UPDATED";
    case LB_UNCHANGED:
        return "LB_UNCHANGED";
    case LB_REFUSED:
        return "LB_REFUSED";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown effect (%d)", (int)effect);
    return unknown;
}

/* One of 16 per-thread buffers, for helpers whose result lives inside one message. */
static char *ring(void)
{
    static _Thread_local char buffers[16][64];
    static _Thread_local unsigned next;
    return buffers[next++ % 16];
}

const char *flags_name(unsigned flags)
{
    static const char *const names[] = { "LB_NX", "LB_XX", "LB_GT", "LB_LT" };
    char *out = ring();
    size_t used = 0;
    out[0] = '\0';
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        char other[16];
        snprintf(other, sizeof other, "0x%x", 1u << bit);
        used += (size_t)snprintf(out + used, 64 - used, "%s%s", used ? " | " : "",
                                 bit < 4 ? names[bit] : other);
        if (used >= 64)
            break;
    }
    return flags ? out : "0";
}

const char *score_text(double score)
{
    char *out = ring();
    snprintf(out, 64, "%.17g", score);
    return out;
}

/* ---- calls that must succeed ---- */

lb_board *new_board(uint64_t seed)
{
    lb_board *b = lb_create(seed);
    cr_assert(b != NULL, "lb_create(%llu) returned NULL, expected a new board",
              (unsigned long long)seed);
    return b;
}

void add(lb_board *b, const char *member, double score)
{
    lb_status s = lb_add(b, member, score, 0, NULL);
    cr_assert(s == LB_OK, "lb_add(%s, %s) returned %s, expected LB_OK", wb_q(member),
              score_text(score), status_name(s));
}

void expect_add(lb_board *b, const char *member, double score, unsigned flags, lb_effect want,
                const char *why)
{
    lb_effect got = (lb_effect)0;
    lb_status s = lb_add(b, member, score, flags, &got);
    cr_assert(s == LB_OK, "lb_add(%s, %s, %s) returned %s, expected LB_OK with %s: %s",
              wb_q(member), score_text(score), flags_name(flags), status_name(s), effect_name(want),
              why);
    cr_assert(got == want, "lb_add(%s, %s, %s) reported %s, expected %s: %s", wb_q(member),
              score_text(score), flags_name(flags), effect_name(got), effect_name(want), why);
}

void expect_incr(lb_board *b, const char *member, double delta, unsigned flags, lb_effect want,
                 double want_score, const char *why)
{
    lb_effect got = (lb_effect)0;
    double score = -12345.5;
    lb_status s = lb_incr(b, member, delta, flags, &score, &got);
    cr_assert(s == LB_OK, "lb_incr(%s, %s, %s) returned %s, expected LB_OK with %s: %s",
              wb_q(member), score_text(delta), flags_name(flags), status_name(s), effect_name(want),
              why);
    cr_assert(got == want, "lb_incr(%s, %s, %s) reported %s, expected %s: %s", wb_q(member),
              score_text(delta), flags_name(flags), effect_name(got), effect_name(want), why);
    if (want == LB_REFUSED)
        cr_assert(score == -12345.5,
                  "lb_incr(%s, %s, %s) was refused but wrote %s into *score, which must be "
                  "left untouched: %s",
                  wb_q(member), score_text(delta), flags_name(flags), score_text(score), why);
    else
        cr_assert(score == want_score, "lb_incr(%s, %s, %s) gave the new score %s, expected %s: %s",
                  wb_q(member), score_text(delta), flags_name(flags), score_text(score),
                  score_text(want_score), why);
}

/* ---- what the board must say ---- */

void expect_score(lb_board *b, const char *member, double want, const char *why)
{
    double got = -12345.5;
    lb_status s = lb_score(b, member, &got);
    cr_assert(s == LB_OK, "lb_score(%s) returned %s, expected LB_OK with %s: %s", wb_q(member),
              status_name(s), score_text(want), why);
    cr_assert(got == want, "lb_score(%s) gave %s, expected %s: %s", wb_q(member), score_text(got),
              score_text(want), why);
}

void expect_rank(lb_board *b, const char *member, size_t want, const char *why)
{
    size_t got = 12345;
    lb_status s = lb_rank(b, member, &got);
    cr_assert(s == LB_OK, "lb_rank(%s) returned %s, expected LB_OK with rank %zu: %s", wb_q(member),
              status_name(s), want, why);
    cr_assert(got == want, "lb_rank(%s) gave %zu, expected %zu (ranks start at 0, the highest): %s",
              wb_q(member), got, want, why);
}

void expect_absent(lb_board *b, const char *member, const char *why)
{
    double score = -12345.5;
    size_t rank = 12345;
    lb_status s = lb_score(b, member, &score);
    cr_assert(s == LB_NOT_FOUND, "lb_score(%s) returned %s%s%s, expected LB_NOT_FOUND: %s",
              wb_q(member), status_name(s), s == LB_OK ? " with " : "",
              s == LB_OK ? score_text(score) : "", why);
    cr_assert(score == -12345.5,
              "lb_score(%s) returned LB_NOT_FOUND but wrote %s into *score, which must be left "
              "untouched: %s",
              wb_q(member), score_text(score), why);
    s = lb_rank(b, member, &rank);
    cr_assert(s == LB_NOT_FOUND, "lb_rank(%s) returned %s (rank %zu), expected LB_NOT_FOUND: %s",
              wb_q(member), status_name(s), rank, why);
    cr_assert(rank == 12345,
              "lb_rank(%s) returned LB_NOT_FOUND but wrote %zu into *rank, which must be left "
              "untouched: %s",
              wb_q(member), rank, why);
}

void expect_len(lb_board *b, size_t want, const char *why)
{
    size_t got = lb_len(b);
    cr_assert(got == want, "lb_len returned %zu, expected %zu: %s", got, want, why);
}

void expect_count(lb_board *b, double min, double max, size_t want, const char *why)
{
    size_t got = 12345;
    lb_status s = lb_count(b, min, max, &got);
    cr_assert(s == LB_OK, "lb_count(%s, %s) returned %s, expected LB_OK with %zu: %s",
              score_text(min), score_text(max), status_name(s), want, why);
    cr_assert(got == want, "lb_count(%s, %s) gave %zu, expected %zu: %s", score_text(min),
              score_text(max), got, want, why);
}

/* ---- pages ---- */

int collect(size_t rank, const char *member, double score, void *ctx)
{
    struct page *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->rows = realloc(p->rows, p->cap * sizeof *p->rows);
        if (p->rows == NULL)
            abort(); /* a test with no memory left has nothing better to do */
    }
    char *copy = malloc(strlen(member) + 1);
    if (copy == NULL)
        abort();
    strcpy(copy, member);
    p->rows[p->n++] = (struct row){ rank, copy, score };
    return p->stop_at != 0 && p->n == p->stop_at;
}

void page_clear(struct page *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->rows[i].member);
    free(p->rows);
    *p = (struct page){ .stop_at = p->stop_at };
}

enum { TEXT = 2048, SHOWN = 30 };

const char *page_text(const struct page *p)
{
    static _Thread_local char text[TEXT];
    size_t used = (size_t)snprintf(text, TEXT, "[");
    for (size_t i = 0; i < p->n && used < TEXT; i++) {
        if (i == SHOWN) {
            used += (size_t)snprintf(text + used, TEXT - used, ", ... %zu more", p->n - i);
            break;
        }
        used += (size_t)snprintf(text + used, TEXT - used, "%s%zu %s %s", i ? ", " : "",
                                 p->rows[i].rank, wb_q(p->rows[i].member),
                                 score_text(p->rows[i].score));
    }
    if (used < TEXT)
        snprintf(text + used, TEXT - used, "]");
    return text;
}

/* Formats member names as "[bob, alice]". */
static const char *names_text(const char *const *members, size_t n)
{
    static _Thread_local char text[TEXT];
    size_t used = (size_t)snprintf(text, TEXT, "[");
    for (size_t i = 0; i < n && used < TEXT; i++) {
        if (i == SHOWN) {
            used += (size_t)snprintf(text + used, TEXT - used, ", ... %zu more", n - i);
            break;
        }
        used += (size_t)snprintf(text + used, TEXT - used, "%s%s", i ? ", " : "", wb_q(members[i]));
    }
    if (used < TEXT)
        snprintf(text + used, TEXT - used, "]");
    return text;
}

void expect_page(const struct page *p, const char *call, size_t first, const char *const *members,
                 size_t n, const char *why)
{
    bool same = p->n == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(p->rows[i].member, members[i]) == 0 && p->rows[i].rank == first + i;
    if (!same)
        cr_assert_fail("%s visited %zu members (rank member score) %s, expected %zu members %s "
                       "with ranks from %zu: %s",
                       call, p->n, page_text(p), n, names_text(members, n), first, why);
}

void expect_order(lb_board *b, const char *const *members, size_t n, const char *why)
{
    struct page p = { 0 };
    size_t visited = lb_range(b, 0, SIZE_MAX, collect, &p);
    cr_assert(visited == p.n,
              "lb_range(0, SIZE_MAX) returned %zu but its visitor was called %zu times: %s",
              visited, p.n, why);
    expect_page(&p, "lb_range(0, SIZE_MAX)", 0, members, n, why);
    page_clear(&p);
}

/* ---- the model ---- */

void model_init(struct model *m, size_t size)
{
    m->size = size;
    m->score = calloc(size, sizeof *m->score);
    m->present = calloc(size, sizeof *m->present);
    cr_assert(m->score != NULL && m->present != NULL, "the test ran out of memory");
}

void model_free(struct model *m)
{
    free(m->score);
    free(m->present);
    *m = (struct model){ 0 };
}

const char *model_member(size_t i)
{
    char *out = ring();
    snprintf(out, 64, "m%zu", i);
    return out;
}

void model_add(struct model *m, size_t i, double score)
{
    m->score[i] = score;
    m->present[i] = true;
}

void model_incr(struct model *m, size_t i, double delta)
{
    m->score[i] = m->present[i] ? m->score[i] + delta : delta;
    m->present[i] = true;
}

void model_remove(struct model *m, size_t i)
{
    m->present[i] = false;
}

struct ranked {
    double score;
    char member[24];
};

/* Rank order: higher score first; for equal scores the greater member first. */
static int rank_order(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return -strcmp(x->member, y->member);
}

/* The model's members in rank order (the caller frees it); *n receives how many. */
static struct ranked *model_ranking(const struct model *m, size_t *n)
{
    struct ranked *r = malloc((m->size ? m->size : 1) * sizeof *r);
    cr_assert(r != NULL, "the test ran out of memory");
    *n = 0;
    for (size_t i = 0; i < m->size; i++) {
        if (!m->present[i])
            continue;
        r[*n].score = m->score[i];
        snprintf(r[*n].member, sizeof r[*n].member, "m%zu", i);
        ++*n;
    }
    qsort(r, *n, sizeof *r, rank_order);
    return r;
}

/* Compares the board's whole range with the expected ranking; fails at the first difference. */
static void expect_same_ranking(lb_board *b, const struct ranked *want, size_t n, const char *why)
{
    struct page p = { 0 };
    lb_range(b, 0, SIZE_MAX, collect, &p);
    for (size_t i = 0; i < n || i < p.n; i++) {
        if (i < n && i < p.n && p.rows[i].rank == i && p.rows[i].score == want[i].score &&
            strcmp(p.rows[i].member, want[i].member) == 0)
            continue;
        char got[160] = "nothing (the range ended)", expected[160] = "nothing (the board ends)";
        if (i < p.n)
            snprintf(got, sizeof got, "rank %zu %s %s", p.rows[i].rank, wb_q(p.rows[i].member),
                     score_text(p.rows[i].score));
        if (i < n)
            snprintf(expected, sizeof expected, "rank %zu %s %s", i, wb_q(want[i].member),
                     score_text(want[i].score));
        size_t len = p.n;
        page_clear(&p);
        cr_assert_fail("lb_range(0, SIZE_MAX) visited %zu members, expected %zu; the first "
                       "difference is at position %zu: got %s, expected %s (higher scores "
                       "first, equal scores by member, greater first): %s",
                       len, n, i, got, expected, why);
    }
    page_clear(&p);
}

void expect_board_matches_model(lb_board *b, const struct model *m, const char *why)
{
    size_t n = 0;
    struct ranked *want = model_ranking(m, &n);
    expect_len(b, n, why);
    expect_same_ranking(b, want, n, why);
    size_t *rank_of = malloc((m->size ? m->size : 1) * sizeof *rank_of);
    cr_assert(rank_of != NULL, "the test ran out of memory");
    for (size_t r = 0; r < n; r++)
        rank_of[strtoul(want[r].member + 1, NULL, 10)] = r;
    free(want);
    for (size_t i = 0; i < m->size; i++) {
        const char *member = model_member(i);
        if (!m->present[i]) {
            expect_absent(b, member, why);
            continue;
        }
        double score = 0;
        size_t rank = 0;
        lb_status s1 = lb_score(b, member, &score), s2 = lb_rank(b, member, &rank);
        cr_assert(s1 == LB_OK && s2 == LB_OK && score == m->score[i] && rank == rank_of[i],
                  "lb_score(%s) and lb_rank(%s) returned %s with %s and %s with %zu, expected "
                  "score %s at rank %zu: %s",
                  wb_q(member), wb_q(member), status_name(s1), score_text(score), status_name(s2),
                  rank, score_text(m->score[i]), rank_of[i], why);
    }
    free(rank_of);
}

/* ---- the work counter ---- */

double log2_of(size_t n)
{
    return log2((double)(n > 1 ? n : 2));
}

lb_board *random_board(size_t n, uint64_t seed, struct model *m)
{
    lb_board *b = new_board(seed);
    wb_rng rng;
    wb_rng_seed(&rng, seed);
    model_init(m, n);
    for (size_t i = 0; i < n; i++) {
        double score = (double)wb_rng_below(&rng, n / 4 + 1);
        lb_status s = lb_add(b, model_member(i), score, 0, NULL);
        cr_assert(s == LB_OK,
                  "lb_add(%s, %s) returned %s, expected LB_OK while filling a board "
                  "of %zu members",
                  wb_q(model_member(i)), score_text(score), status_name(s), n);
        model_add(m, i, score);
    }
    return b;
}
