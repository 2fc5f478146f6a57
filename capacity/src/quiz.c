/*
 * quiz.c: `capacity quiz` (see quiz.h).
 *
 * The questions follow the order of a derivation (traffic, bandwidth,
 * storage, cache, database), so each answer can build on the one before.
 * The estimate is computed once from the scenario's flags, exactly as
 * `capacity scenario NAME` computes it; the quiz only asks and compares.
 */
#include "quiz.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "estimate.h"
#include "flags.h"
#include "number.h"
#include "report.h"
#include "scenario.h"
#include "wb/rng.h"

/* How an answer is read. */
typedef enum answer_kind {
    ANSWER_COUNT,     /* a count, with k/M/B allowed: QPS, servers */
    ANSWER_SIZE,      /* bytes, with a unit */
    ANSWER_BANDWIDTH, /* bytes with a unit, and an optional "/s" */
} answer_kind;

static const struct question {
    est_figure_id figure;
    const char *ask;
    answer_kind kind;
} questions[] = {
    { EST_READ_QPS, "Reads per second, on average (read QPS)?", ANSWER_COUNT },
    { EST_WRITE_QPS, "Writes per second, on average (write QPS)?", ANSWER_COUNT },
    { EST_PEAK_READ_QPS, "Reads per second at the peak?", ANSWER_COUNT },
    { EST_BANDWIDTH_OUT, "Bandwidth out, on average (a size per second: 5MB/s)?",
      ANSWER_BANDWIDTH },
    { EST_STORAGE_PER_DAY, "New data per day, one copy (a size: 500GB)?", ANSWER_SIZE },
    { EST_STORAGE_TOTAL, "Storage kept for all the years, every copy counted?", ANSWER_SIZE },
    { EST_CACHE_MEMORY, "Cache memory for the hot set?", ANSWER_SIZE },
    { EST_DB_READ_QPS, "Database reads per second after the cache, on average?", ANSWER_COUNT },
    { EST_DB_SERVERS, "Database servers those reads need, on average?", ANSWER_COUNT },
};

#define QUESTION_COUNT ((int)(sizeof questions / sizeof questions[0]))

size_t quiz_pick(uint64_t seed)
{
    wb_rng rng;
    wb_rng_seed(&rng, seed);
    return (size_t)wb_rng_below(&rng, scn_count());
}

bool quiz_accepts(double answer, double truth)
{
    if (!(answer >= 0) || !(truth >= 0))
        return false; /* negative, or NaN */
    if (truth == 0)
        return answer == 0;
    return answer >= truth / 2 && answer <= truth * 2;
}

/* ---- reading answers -------------------------------------------------------- */

/* The next line of `in` without its newline and surrounding blanks, in *line
 * (grown as needed). Returns 0 at the end of the input. */
static int read_line(FILE *in, char **line, size_t *cap)
{
    ssize_t n = getline(line, cap, in);
    if (n < 0)
        return 0;
    char *s = *line, *end = s + n;
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    size_t lead = strspn(s, " \t");
    memmove(s, s + lead, strlen(s + lead) + 1);
    return 1;
}

/* Drops `suffix` (any case) from the end of `s`, and the blanks before it. */
static void drop_suffix(char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k || strncasecmp(s + n - k, suffix, k) != 0)
        return;
    s[n - k] = '\0';
    for (n -= k; n > 0 && s[n - 1] == ' ';)
        s[--n] = '\0';
}

/* Reads an answer of `kind` from `text` (changed in place). On failure
 * writes the reason into `why`. */
static int parse_answer(answer_kind kind, char *text, double *value, char *why, size_t size)
{
    num_parsed p;
    num_status s;
    if (kind == ANSWER_COUNT) {
        drop_suffix(text, "qps");
        drop_suffix(text, "servers");
        drop_suffix(text, "server");
        s = num_parse_count(text, &p);
    } else {
        if (kind == ANSWER_BANDWIDTH)
            drop_suffix(text, "/s");
        s = num_parse_size(text, &p);
    }
    if (s == NUM_OK) {
        *value = p.value;
        return 1;
    }
    if (s == NUM_MISSING_UNIT)
        snprintf(why, size, "a size needs its unit (10GB, 2TiB, 500MB)");
    else if (s == NUM_UNKNOWN_UNIT)
        snprintf(why, size, "\"%s\" is not a unit here (%s)", p.unit,
                 kind == ANSWER_COUNT ? "k, M, B or T, or none" : "B, KB, MB, GB, TB, or KiB...");
    else
        snprintf(why, size, "%s", num_status_text(s));
    return 0;
}

/* ---- asking ----------------------------------------------------------------- */

static void introduce(FILE *out, const scn_scenario *s, const flag_set *fs, const quiz_options *o)
{
    fprintf(out, "Capacity quiz: %s, %s.\n", s->name, s->title);
    if (o->scenario == NULL)
        fprintf(out, "(seed %llu: `capacity quiz --seed %llu` asks this quiz again)\n",
                (unsigned long long)o->seed, (unsigned long long)o->seed);
    fprintf(out, "\nSuppose:\n");
    report_inputs(out, &fs->inputs, fs->units, NULL);
    fprintf(out, "\nAnswer each question with a number: 1200, 1.2k, 3.5M; sizes with a unit: "
                 "10GB, 2TiB.\nWithin a factor of two of the estimate passes, as in an "
                 "interview. An empty line skips, q stops.\n");
}

/* Says whether `answer` (typed as `typed`) passes, and why. */
static bool judge(FILE *out, const char *typed, double answer, const est_figure *f,
                  const quiz_options *o, num_system units)
{
    bool ok = quiz_accepts(answer, f->value);
    char lo[NUM_TEXT_MAX * 2], hi[NUM_TEXT_MAX * 2], r[NUM_TEXT_MAX];
    est_figure low = *f, high = *f;
    low.value = f->value / 2, high.value = f->value * 2;
    if (f->kind == EST_KIND_SERVERS)
        low.value = ceil(low.value), high.value = floor(high.value);
    report_spoken(lo, sizeof lo, &low, units, o->figures);
    report_spoken(hi, sizeof hi, &high, units, o->figures);
    if (ok)
        fprintf(out, "Yes: %s is within a factor of two of the estimate.\n", typed);
    else if (answer <= 0)
        fprintf(out, "No: %s is far below the estimate; anything from %s to %s passes.\n", typed,
                lo, hi);
    else if (answer > f->value)
        fprintf(out, "No: %s is %s times the estimate; anything from %s to %s passes.\n", typed,
                num_speak(r, sizeof r, answer / f->value, 2), lo, hi);
    else
        fprintf(out, "No: %s is 1/%s of the estimate; anything from %s to %s passes.\n", typed,
                num_speak(r, sizeof r, f->value / answer, 2), lo, hi);
    return ok;
}

/* Asks question q until it gets an answer, a skip, a stop or the end of the
 * input. Returns 1 if answered or skipped, 0 to end the quiz. */
static int ask(FILE *in, FILE *out, int q, const est_result *r, const quiz_options *o,
               num_system units, quiz_score *score, char **line, size_t *cap)
{
    const est_figure *f = &r->figures[questions[q].figure];
    fprintf(out, "\nQ%d of %d. %s\n> ", q + 1, QUESTION_COUNT, questions[q].ask);
    for (;;) {
        fflush(out);
        if (!read_line(in, line, cap))
            return 0;
        if (strcmp(*line, "q") == 0 || strcmp(*line, "quit") == 0)
            return 0;
        char typed[128], why[160];
        snprintf(typed, sizeof typed, "%s", *line);
        double answer = 0;
        if ((*line)[0] == '\0') {
            fprintf(out, "Skipped.\n");
        } else if (!parse_answer(questions[q].kind, *line, &answer, why, sizeof why)) {
            fprintf(out, "Could not read \"%s\" as an answer: %s. Try again:\n> ", typed, why);
            continue;
        } else if (judge(out, typed, answer, f, o, units)) {
            score->right++;
        }
        score->asked++;
        report_figure(out, f, units, o->figures);
        return 1;
    }
}

quiz_status quiz_run(FILE *in, FILE *out, const quiz_options *options, quiz_score *score)
{
    const scn_scenario *s =
        options->scenario != NULL ? scn_find(options->scenario) : scn_at(quiz_pick(options->seed));
    if (s == NULL)
        return QUIZ_UNKNOWN_SCENARIO;
    flag_set fs;
    est_result r;
    char error[FLAG_TEXT_MAX * 2];
    flag_defaults(&fs);
    /* The scenarios' flags are valid (the tests prove it), so these succeed. */
    if (flag_apply_scenario(&fs, s, error, sizeof error) != FLAG_OK ||
        flag_finish(&fs, true, error, sizeof error) != FLAG_OK ||
        est_compute(&fs.inputs, options->units_given ? options->units : fs.units, &r) != EST_OK)
        return QUIZ_BROKEN_SCENARIO;
    if (options->units_given)
        fs.units = options->units;

    quiz_score got = { .questions = QUESTION_COUNT };
    char *line = NULL;
    size_t cap = 0;
    introduce(out, s, &fs, options);
    for (int q = 0; q < QUESTION_COUNT; q++) {
        if (!ask(in, out, q, &r, options, fs.units, &got, &line, &cap))
            break;
    }
    free(line);
    if (got.asked < QUESTION_COUNT)
        fprintf(out, "\n\nStopped after %d of %d questions.", got.asked, QUESTION_COUNT);
    fprintf(out, "\nScore: %d of %d within a factor of two.\n", got.right, got.asked);
    if (score != NULL)
        *score = got;
    return QUIZ_OK;
}
