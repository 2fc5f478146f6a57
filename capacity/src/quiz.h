/*
 * quiz.h: `capacity quiz`, estimation practice. It picks a scenario (at
 * random from a seed, or by name), asks for each figure in the order an
 * interview derives them, accepts any answer within a factor of two of the
 * estimate, as an interviewer would, and shows the worked answer after each.
 */
#ifndef CAPACITY_QUIZ_H
#define CAPACITY_QUIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "number.h"

typedef struct quiz_options {
    uint64_t seed; /* picks the scenario when `scenario` is NULL; shown so a quiz can be repeated */
    const char *scenario; /* a scenario's name, or NULL for the seed's choice */
    int figures;          /* significant figures of the spoken answers, 1 to 6 */
    bool units_given;     /* show sizes in `units`; if false, in the scenario's own */
    num_system units;
} quiz_options;

typedef struct quiz_score {
    int questions; /* how many the quiz has */
    int asked;     /* how many were answered or skipped before the input ended */
    int right;     /* answers within a factor of two */
} quiz_score;

typedef enum quiz_status {
    QUIZ_OK = 0,           /* the quiz ran, to the end or until the input ended or said q */
    QUIZ_UNKNOWN_SCENARIO, /* options->scenario names no scenario; nothing was written */
    QUIZ_BROKEN_SCENARIO   /* the scenario's own flags are refused: a bug in scenario.c */
} quiz_status;

/*
 * Runs one quiz: questions and feedback go to `out`, answers come from `in`,
 * one line each. An answer is a number, with k/M/B for counts and a unit for
 * sizes (10GB, 2TiB; bandwidth may end in /s); an empty line skips the
 * question (counted as asked, not right); "q" stops. A line that cannot be
 * read as an answer is explained and the question asked again. The end of
 * `in` ends the quiz early. Fills *score (which may be NULL).
 */
quiz_status quiz_run(FILE *in, FILE *out, const quiz_options *options, quiz_score *score);

/* The index (below scn_count()) of the scenario that `seed` picks. */
size_t quiz_pick(uint64_t seed);

/*
 * True if `answer` is within a factor of two of `truth`: truth / 2 <= answer
 * <= truth * 2. A truth of 0 accepts only 0. Negative numbers are never
 * accepted (nothing estimated here is negative).
 */
bool quiz_accepts(double answer, double truth);

#endif /* CAPACITY_QUIZ_H */
