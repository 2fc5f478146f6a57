/*
 * Level 1, measured against the real thing: each test starts a redis-server
 * of its own, applies the same seeded calls to it and to your board, and
 * compares every answer, every score, every rank and every range. Without
 * redis-server installed these tests are skipped, saying so. Under valgrind
 * (which runs the server too) and ThreadSanitizer the sequences are shorter.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_test.h"
#include "redis_test.h"

/* Members chosen to make ties interesting: prefixes, case, a byte above 0x7f, "". */
static const char *const SPECIAL[] = { "",    "a",   "ab",       "abc",   "b",
                                       "Zed", "zed", "\xc3\xa9", "alice", "bob" };
enum { NSPECIAL = sizeof SPECIAL / sizeof SPECIAL[0], NPLAIN = 30, NMEMBERS = NSPECIAL + NPLAIN };
enum { HISTORY = 6, CHECK_EVERY = 100 };

struct differ {
    lb_board *board;
    redis *redis;
    uint64_t seed;
    size_t step, steps;
    size_t shown; /* how many of the last calls a message lists */
    char members[NMEMBERS][16];
    char history[HISTORY][200]; /* the last calls, for the messages */
};

/* ---- the record of what was done, for messages ---- */

static void remember(struct differ *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void remember(struct differ *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->history[d->step % HISTORY], sizeof d->history[0], fmt, ap);
    va_end(ap);
}

/* Fails the test (after stopping the server) with the scenario: seed, step, last calls. */
static _Noreturn void mismatch(struct differ *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void mismatch(struct differ *d, const char *fmt, ...)
{
    char what[2048], calls[1400] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t used = 0, first = d->step + 1 > d->shown ? d->step + 1 - d->shown : 0;
    for (size_t i = first; i <= d->step && used < sizeof calls; i++)
        used += (size_t)snprintf(calls + used, sizeof calls - used, "%s%s", i > first ? "; " : "",
                                 d->history[i % HISTORY]);
    redis_fail(d->redis,
               "%s. Your board and redis-server were given the same calls (seed %llu, call %zu "
               "of %zu; %s: %s)",
               what, (unsigned long long)d->seed, d->step + 1, d->steps,
               d->shown > 1 ? "the last ones" : "this one", calls);
}

/* ---- reading Redis's answers ---- */

static double reply_score(struct differ *d, const struct resp *r, const char *what)
{
    if (r->type != RESP_BULK)
        mismatch(d, "%s: redis-server answered %s, expected a score", what, resp_text(r));
    return strtod(r->str, NULL);
}

/* What lb_add or lb_incr should have answered, read from Redis's reply. */
struct expected {
    lb_status status;
    lb_effect effect;
    bool has_score;
    double score;
};

/*
 * `before` is ZSCORE's answer before the call, `reply` the answer to ZADD ... CH
 * (or ZADD ... INCR). ZADD CH counts added or changed members, so a 0 is
 * "unchanged" unless a flag (or a missing member under XX) refused the call.
 */
static struct expected expected_from(struct differ *d, const struct resp *before,
                                     const struct resp *reply, unsigned flags, bool incr)
{
    struct expected e = { LB_OK, LB_REFUSED, false, 0 };
    bool existed = before->type == RESP_BULK;
    if (reply->type == RESP_ERROR) {
        if (strstr(reply->str, "not compatible") != NULL)
            e.status = LB_BAD_FLAGS;
        else if (strstr(reply->str, "NaN") != NULL)
            e.status = LB_NOT_A_NUMBER;
        else
            mismatch(d, "redis-server answered %s, which the test does not expect",
                     resp_text(reply));
    } else if (!incr && reply->type == RESP_INT) {
        if (reply->integer == 1)
            e.effect = existed ? LB_UPDATED : LB_ADDED;
        else
            e.effect = !existed || (flags & (LB_NX | LB_GT | LB_LT)) ? LB_REFUSED : LB_UNCHANGED;
    } else if (incr && reply->type == RESP_BULK) {
        e.has_score = true;
        e.score = strtod(reply->str, NULL);
        e.effect = !existed                                ? LB_ADDED
                   : e.score == reply_score(d, before, "") ? LB_UNCHANGED
                                                           : LB_UPDATED;
    } else if (!(incr && reply->type == RESP_NIL)) {
        mismatch(d, "redis-server answered %s, which the test does not expect", resp_text(reply));
    }
    return e;
}

/* ---- one member, one page, the whole board ---- */

/* What the board said about one member at one moment. */
struct view {
    lb_status score_status, rank_status;
    double score;
    size_t rank;
};

static struct view view_member(struct differ *d, const char *member)
{
    struct view v = { .score = -12345.5, .rank = 12345 };
    v.score_status = lb_score(d->board, member, &v.score);
    v.rank_status = lb_rank(d->board, member, &v.rank);
    return v;
}

/* Queues ZSCORE and ZREVRANK of member; check_member reads their replies. */
static void queue_member(struct differ *d, const char *member)
{
    redis_queuev(d->redis, "ZSCORE", "board", member, NULL);
    redis_queuev(d->redis, "ZREVRANK", "board", member, NULL);
}

/* Reads the replies queue_member asked for and compares them with what the board said. */
static void check_member(struct differ *d, const char *member, const struct view *v)
{
    struct resp score_reply, rank_reply;
    redis_reply(d->redis, &score_reply);
    redis_reply(d->redis, &rank_reply);
    if (score_reply.type == RESP_NIL &&
        (v->score_status != LB_NOT_FOUND || v->rank_status != LB_NOT_FOUND))
        mismatch(d,
                 "ZSCORE %s is (nil): the member is not in Redis's set, but lb_score returned "
                 "%s and lb_rank %s (expected LB_NOT_FOUND)",
                 wb_q(member), status_name(v->score_status), status_name(v->rank_status));
    if (score_reply.type == RESP_NIL)
        return;
    double want = reply_score(d, &score_reply, "ZSCORE");
    if (v->score_status != LB_OK || v->score != want)
        mismatch(d, "ZSCORE %s is %s, but lb_score returned %s with %s", wb_q(member),
                 score_text(want), status_name(v->score_status), score_text(v->score));
    if (rank_reply.type != RESP_INT || v->rank_status != LB_OK ||
        v->rank != (size_t)rank_reply.integer)
        mismatch(d, "ZREVRANK %s is %s, but lb_rank returned %s with %zu", wb_q(member),
                 resp_text(&rank_reply), status_name(v->rank_status), v->rank);
    resp_free(&score_reply);
    resp_free(&rank_reply);
}

/* Compares a page the board visited with ZREVRANGE ... WITHSCORES's answer. */
static void check_page(struct differ *d, const struct page *p, const struct resp *reply,
                       size_t first, const char *redis_call, const char *board_call)
{
    bool same = reply->type == RESP_ARRAY && reply->n == 2 * p->n;
    for (size_t i = 0; same && i < p->n; i++) {
        const struct resp *m = &reply->items[2 * i], *s = &reply->items[2 * i + 1];
        same = m->type == RESP_BULK && s->type == RESP_BULK && p->rows[i].rank == first + i &&
               strcmp(p->rows[i].member, m->str) == 0 && strtod(s->str, NULL) == p->rows[i].score;
    }
    if (!same)
        mismatch(d, "%s answered [member, score, ...] %s, but %s visited (rank member score) %s",
                 redis_call, resp_text(reply), board_call, page_text(p));
}

/* ZREVRANGE board start stop WITHSCORES against lb_range(start, count). */
static void compare_range(struct differ *d, size_t start, size_t count)
{
    struct page p = { 0 };
    size_t visited = lb_range(d->board, start, count, collect, &p);
    char call[80], a[24], b[24];
    snprintf(call, sizeof call, "lb_range(%zu, %zu)", start, count);
    if (visited != p.n)
        mismatch(d, "%s returned %zu but called its visitor %zu times", call, visited, p.n);
    if (count == 0) { /* ZREVRANGE has no empty page: stop = start - 1 means something else */
        if (p.n != 0)
            mismatch(d, "%s visited %s, expected nothing: a page of 0 members", call,
                     page_text(&p));
        page_clear(&p);
        return;
    }
    snprintf(a, sizeof a, "%zu", start);
    snprintf(b, sizeof b, "%zu", count == SIZE_MAX ? (size_t)1 << 40 : start + count - 1);
    char redis_call[120];
    snprintf(redis_call, sizeof redis_call, "ZREVRANGE board %s %s WITHSCORES", a, b);
    struct resp reply;
    redis_queuev(d->redis, "ZREVRANGE", "board", a, b, "WITHSCORES", NULL);
    redis_reply(d->redis, &reply);
    check_page(d, &p, &reply, start, redis_call, call);
    resp_free(&reply);
    page_clear(&p);
}

/* lb_around(member, k) against ZREVRANK, then ZREVRANGE of the window. */
static void compare_around(struct differ *d, const char *member, size_t k)
{
    struct page p = { 0 };
    lb_status s = lb_around(d->board, member, k, collect, &p);
    struct resp rank;
    redis_queuev(d->redis, "ZREVRANK", "board", member, NULL);
    redis_reply(d->redis, &rank);
    if (rank.type == RESP_NIL) {
        if (s != LB_NOT_FOUND || p.n != 0)
            mismatch(d,
                     "ZREVRANK %s is (nil), but lb_around(%s, %zu) returned %s and visited %s "
                     "(expected LB_NOT_FOUND and nothing)",
                     wb_q(member), wb_q(member), k, status_name(s), page_text(&p));
        page_clear(&p);
        return;
    }
    size_t r = (size_t)rank.integer, first = r > k ? r - k : 0;
    char a[24], b[24], redis_call[120], call[120];
    snprintf(a, sizeof a, "%zu", first);
    if (k > ((size_t)1 << 40)) /* r + k would wrap: ask Redis for "to the end", -1 */
        snprintf(b, sizeof b, "-1");
    else
        snprintf(b, sizeof b, "%zu", r + k);
    snprintf(redis_call, sizeof redis_call, "ZREVRANGE board %s %s WITHSCORES (ZREVRANK is %zu)", a,
             b, r);
    snprintf(call, sizeof call, "lb_around(%s, %zu)", wb_q(member), k);
    if (s != LB_OK)
        mismatch(d, "ZREVRANK %s is %zu, but %s returned %s", wb_q(member), r, call,
                 status_name(s));
    struct resp reply;
    redis_queuev(d->redis, "ZREVRANGE", "board", a, b, "WITHSCORES", NULL);
    redis_reply(d->redis, &reply);
    check_page(d, &p, &reply, first, redis_call, call);
    resp_free(&reply);
    resp_free(&rank);
    page_clear(&p);
}

static void compare_count(struct differ *d, double min, double max)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%.17g", min);
    snprintf(b, sizeof b, "%.17g", max);
    struct resp reply;
    redis_queuev(d->redis, "ZCOUNT", "board", a, b, NULL);
    redis_reply(d->redis, &reply);
    size_t got = 12345;
    lb_status s = lb_count(d->board, min, max, &got);
    if (reply.type != RESP_INT || s != LB_OK || got != (size_t)reply.integer)
        mismatch(d, "ZCOUNT board %s %s is %s, but lb_count(%s, %s) returned %s with %zu", a, b,
                 resp_text(&reply), a, b, status_name(s), got);
    resp_free(&reply);
}

/* A score drawn so that ties are common and the odd values all appear. */
static double random_score(wb_rng *rng)
{
    uint64_t kind = wb_rng_below(rng, 100);
    if (kind < 70)
        return (double)wb_rng_below(rng, 7) - 3;
    if (kind < 85)
        return ((double)wb_rng_below(rng, 81) - 40) / 4;
    if (kind < 93)
        return ((double)wb_rng_below(rng, 5) - 2) * 1e15 + 0.5;
    if (kind < 97)
        return wb_rng_below(rng, 2) ? INFINITY : -INFINITY;
    return ((double)wb_rng_below(rng, 3) - 1) * 1e-300;
}

/* Everything at once: length, whole range, every member, some pages, counts, windows. */
static void compare_all(struct differ *d, wb_rng *rng)
{
    struct resp card;
    redis_queuev(d->redis, "ZCARD", "board", NULL);
    redis_reply(d->redis, &card);
    size_t len = lb_len(d->board);
    if (card.type != RESP_INT || len != (size_t)card.integer)
        mismatch(d, "ZCARD board is %s, but lb_len returned %zu", resp_text(&card), len);
    compare_range(d, 0, SIZE_MAX);
    struct view views[NMEMBERS];
    for (size_t i = 0; i < NMEMBERS; i++) {
        queue_member(d, d->members[i]);
        views[i] = view_member(d, d->members[i]);
    }
    for (size_t i = 0; i < NMEMBERS; i++)
        check_member(d, d->members[i], &views[i]);
    for (int i = 0; i < 6; i++)
        compare_range(d, wb_rng_below(rng, len + 3), wb_rng_below(rng, 12));
    compare_range(d, wb_rng_below(rng, len + 1), SIZE_MAX);
    for (int i = 0; i < 6; i++)
        compare_count(d, random_score(rng), random_score(rng));
    compare_count(d, -INFINITY, INFINITY);
    for (int i = 0; i < 4; i++)
        compare_around(d, d->members[wb_rng_below(rng, NMEMBERS)], wb_rng_below(rng, 5));
    compare_around(d, d->members[wb_rng_below(rng, NMEMBERS)], SIZE_MAX);
}

/* ---- the calls ---- */

/* Queues ZADD board [flags] CH|INCR value member. */
static void queue_zadd(struct differ *d, const char *member, const char *value, unsigned flags,
                       bool incr, char *text, size_t size)
{
    const char *argv[10] = { "ZADD", "board" };
    size_t argc = 2;
    static const struct {
        unsigned flag;
        const char *word;
    } words[] = { { LB_NX, "NX" }, { LB_XX, "XX" }, { LB_GT, "GT" }, { LB_LT, "LT" } };
    for (size_t i = 0; i < 4; i++)
        if (flags & words[i].flag)
            argv[argc++] = words[i].word;
    argv[argc++] = incr ? "INCR" : "CH";
    argv[argc++] = value;
    argv[argc++] = member;
    redis_queue(d->redis, argc, argv);
    size_t used = 0;
    for (size_t i = 0; i < argc - 1; i++)
        used += (size_t)snprintf(text + used, size - used, "%s ", argv[i]);
    snprintf(text + used, size - used, "%s", wb_q(member));
}

/*
 * One lb_add or lb_incr and its ZADD: call_start queues ZSCORE (before),
 * ZADD, ZSCORE and ZREVRANK (after) and makes the board's call; call_check
 * reads the four replies and compares. Between the two, other calls may be
 * started: the replies come back in order.
 */
struct call {
    char member[32];
    double value;
    unsigned flags;
    bool incr;
    size_t step;
    char setup[64]; /* what came before, for messages: "\"case7\" at 5, then " */
    char text[200]; /* the call, for messages */
    char zadd[160]; /* the Redis command, for messages */
    lb_status status;
    lb_effect effect;
    double score;
    struct view after;
};

static void call_start(struct differ *d, struct call *c)
{
    char number[32];
    snprintf(number, sizeof number, "%.17g", c->value);
    c->step = d->step;
    redis_queuev(d->redis, "ZSCORE", "board", c->member, NULL);
    queue_zadd(d, c->member, number, c->flags, c->incr, c->zadd, sizeof c->zadd);
    queue_member(d, c->member);
    snprintf(c->text, sizeof c->text, "%s%s(%s, %s, %s)", c->setup, c->incr ? "lb_incr" : "lb_add",
             wb_q(c->member), number, flags_name(c->flags));
    remember(d, "%s", c->text);
    c->effect = (lb_effect)0;
    c->score = -12345.5;
    c->status = c->incr ? lb_incr(d->board, c->member, c->value, c->flags, &c->score, &c->effect)
                        : lb_add(d->board, c->member, c->value, c->flags, &c->effect);
    c->after = view_member(d, c->member);
}

static void call_check(struct differ *d, const struct call *c)
{
    remember(d, "%s", c->text);
    struct resp before, reply;
    redis_reply(d->redis, &before);
    redis_reply(d->redis, &reply);
    struct expected e = expected_from(d, &before, &reply, c->flags, c->incr);
    lb_status s = c->status;
    if (s != e.status || (s == LB_OK && c->effect != e.effect))
        mismatch(d, "%s answered %s, so the call should give %s%s%s, but it gave %s%s%s", c->zadd,
                 resp_text(&reply), status_name(e.status), e.status == LB_OK ? " with " : "",
                 e.status == LB_OK ? effect_name(e.effect) : "", status_name(s),
                 s == LB_OK ? " with " : "", s == LB_OK ? effect_name(c->effect) : "");
    if (c->incr && e.has_score && c->score != e.score)
        mismatch(d, "%s answered %s, but lb_incr gave the new score %s", c->zadd, resp_text(&reply),
                 score_text(c->score));
    resp_free(&before);
    resp_free(&reply);
    check_member(d, c->member, &c->after);
}

static void add_or_incr(struct differ *d, const char *member, double value, unsigned flags,
                        bool incr)
{
    struct call c = { .value = value, .flags = flags, .incr = incr };
    snprintf(c.member, sizeof c.member, "%s", member);
    call_start(d, &c);
    call_check(d, &c);
}

static void remove_member(struct differ *d, const char *member)
{
    remember(d, "lb_remove(%s)", wb_q(member));
    redis_queuev(d->redis, "ZREM", "board", member, NULL);
    queue_member(d, member);
    lb_status s = lb_remove(d->board, member);
    struct view after = view_member(d, member);
    struct resp reply;
    redis_reply(d->redis, &reply);
    lb_status want = reply.type == RESP_INT && reply.integer == 1 ? LB_OK : LB_NOT_FOUND;
    if (s != want)
        mismatch(d, "ZREM board %s answered %s, so lb_remove should return %s, but it returned %s",
                 wb_q(member), resp_text(&reply), status_name(want), status_name(s));
    resp_free(&reply);
    check_member(d, member, &after);
}

static void differ_init(struct differ *d, uint64_t seed, size_t steps)
{
    *d = (struct differ){ .seed = seed, .steps = steps, .shown = HISTORY };
    for (size_t i = 0; i < NMEMBERS; i++) {
        if (i < NSPECIAL)
            snprintf(d->members[i], sizeof d->members[i], "%s", SPECIAL[i]);
        else
            snprintf(d->members[i], sizeof d->members[i], "p%zu", i - NSPECIAL);
    }
    d->board = new_board(seed);
    d->redis = redis_start_or_skip(d->board);
}

static void differ_finish(struct differ *d)
{
    redis_stop(d->redis);
    lb_destroy(d->board);
}

/*
 * `flagged`: draw flags at random from all 16 combinations (the invalid ones
 * included), and add with INCR too; otherwise plain ZADD, ZINCRBY-like
 * increments and removes.
 */
static void run_sequence(uint64_t seed, size_t steps, bool flagged)
{
    struct differ d;
    differ_init(&d, seed, steps);
    wb_rng rng;
    wb_rng_seed(&rng, seed);
    for (d.step = 0; d.step < steps; d.step++) {
        const char *member = d.members[wb_rng_below(&rng, NMEMBERS)];
        uint64_t kind = wb_rng_below(&rng, 100);
        unsigned flags = flagged ? (unsigned)wb_rng_below(&rng, 16) : 0;
        if (kind < 45)
            add_or_incr(&d, member, random_score(&rng), flags, false);
        else if (kind < 80)
            add_or_incr(&d, member,
                        wb_rng_below(&rng, 10) ? (double)wb_rng_below(&rng, 5) - 2
                                               : random_score(&rng),
                        flags, true);
        else
            remove_member(&d, member);
        if ((d.step + 1) % CHECK_EVERY == 0)
            compare_all(&d, &rng);
    }
    compare_all(&d, &rng);
    differ_finish(&d);
}

Test(level1, agrees_with_redis_on_a_seeded_sequence_of_adds_increments_and_removes)
{
    run_sequence(1, scaled(3000), false);
}

Test(level1, agrees_with_redis_on_every_combination_of_add_flags_in_a_seeded_sequence)
{
    run_sequence(2, scaled(3000), true);
}

/*
 * Every flag combination (all 16, the invalid ones included), on a missing
 * member and on members at 5 and at +inf, with a lower, equal, higher or -inf
 * value, through lb_add and lb_incr: 384 cases, each on a member of its own.
 */
Test(level1, agrees_with_redis_on_the_whole_table_of_flags_and_cases)
{
    static const double starts[] = { NAN, 5, INFINITY }; /* NaN: the member is missing */
    static const double values[] = { 4, 5, 6, -INFINITY };
    static const double deltas[] = { -1, 0, 1, -INFINITY };
    enum { CASES = 16 * 3 * 4 * 2 };
    static struct call calls[CASES];
    struct differ d;
    differ_init(&d, 3, CASES);
    d.shown = 1; /* the cases are independent: a message shows its own */
    /* All the calls first, each on a member of its own, then all the replies: one round trip. */
    for (d.step = 0; d.step < CASES; d.step++) {
        size_t k = d.step, incr = k % 2, v = k / 2 % 4, start = k / 8 % 3;
        struct call *c = &calls[k];
        *c = (struct call){ .value = incr ? deltas[v] : values[v],
                            .flags = (unsigned)(k / 24),
                            .incr = incr };
        snprintf(c->member, sizeof c->member, "case%zu", k);
        snprintf(c->setup, sizeof c->setup, "%s %s%s, then ", wb_q(c->member),
                 isnan(starts[start]) ? "missing" : "at ",
                 isnan(starts[start]) ? "" : score_text(starts[start]));
        if (!isnan(starts[start])) {
            char number[32];
            snprintf(number, sizeof number, "%.17g", starts[start]);
            redis_queuev(d.redis, "ZADD", "board", number, c->member, NULL);
            lb_status s = lb_add(d.board, c->member, starts[start], 0, NULL);
            if (s != LB_OK)
                mismatch(&d, "lb_add(%s, %s) returned %s, expected LB_OK", wb_q(c->member), number,
                         status_name(s));
        }
        call_start(&d, c);
    }
    for (d.step = 0; d.step < CASES; d.step++) {
        if (!isnan(starts[d.step / 8 % 3])) {
            struct resp ignored;
            redis_reply(d.redis, &ignored);
            resp_free(&ignored);
        }
        call_check(&d, &calls[d.step]);
    }
    d.step--;
    d.shown = HISTORY;
    wb_rng rng;
    wb_rng_seed(&rng, 3);
    compare_all(&d, &rng);
    differ_finish(&d);
}
