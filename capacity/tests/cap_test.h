/*
 * cap_test.h: helpers the capacity calculator's tests share, so that each
 * test reads as its scenario. Every failure message says what was expected,
 * what came back, and the scenario (the `why` argument, last).
 */
#ifndef CAP_TEST_H
#define CAP_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <criterion/criterion.h>

#include "src/cli.h"
#include "src/estimate.h"
#include "src/number.h"
#include "wb/test.h"

/* ---- numbers ---------------------------------------------------------------- */

/* True if got is within one part in a million of want (hand-derived figures
 * are written with 7 significant digits). */
int close_to(double got, double want);

/* The parse must succeed with `want` (close_to) as its value. `parser` is
 * one of number.h's num_parse_* functions, `name` its name for the message. */
typedef num_status (*num_parser)(const char *text, num_parsed *out);
void expect_parsed(num_parser parser, const char *name, const char *text, double want,
                   const char *why);

/* The parse must fail with `want`. */
void expect_refused(num_parser parser, const char *name, const char *text, num_status want,
                    const char *why);

/* "NUM_OK", "NUM_BITS", ...: a num_status's name. */
const char *num_status_name(num_status status);

/* ---- the model -------------------------------------------------------------- */

/* est_defaults, then dau = `dau`. */
est_inputs inputs_with_dau(double dau);

/* est_compute, failing the test unless it returns EST_OK. */
est_result compute(const est_inputs *in, num_system units);

/* The figure `id` must be close_to `want`; the message names the figure, its
 * working and both values. */
void expect_figure(const est_result *r, est_figure_id id, double want, const char *why);

/* The figure's spoken form (report_spoken, 3 figures) must be exactly `want`. */
void expect_spoken(const est_result *r, est_figure_id id, num_system units, const char *want,
                   const char *why);

/* ---- the command, run in this process --------------------------------------- */

/* What one run of cli_main gave. */
typedef struct cap_run {
    int status;
    char *out;         /* everything written to stdout (never NULL after run_cli) */
    char *err;         /* everything written to stderr */
    char command[512]; /* "capacity --dau 10M ...", for messages */
} cap_run;

/* Runs `capacity` with args (NULL-terminated, without the program name),
 * stdin reading `input` (NULL: empty) and default seed 0. Free with run_free. */
void run_cli(cap_run *r, const char *input, const char *const *args);
void run_free(cap_run *r);

/* The run must have ended with `status`. The message shows stderr. */
void expect_status(const cap_run *r, int status, const char *why);

/* stdout must contain `needle`; the message shows the command and stdout. */
void expect_out_has(const cap_run *r, const char *needle, const char *why);

/* stdout must not contain `needle`. */
void expect_out_lacks(const cap_run *r, const char *needle, const char *why);

/*
 * Bad input: status 2, stdout empty, and stderr names `flag` and contains
 * `problem` (a phrase of the reason). Both may be NULL.
 */
void expect_usage_error(const cap_run *r, const char *flag, const char *problem, const char *why);

/* The line of `text` that contains `needle`, or "(no such line)"; in a
 * per-thread buffer: use it in one message. */
const char *line_with(const char *text, const char *needle);

/* ---- JSON ------------------------------------------------------------------- */

/* NULL if `text` is one valid JSON value (RFC 8259) and nothing else but
 * blanks, or where and why it is not. */
const char *json_problem(const char *text);

/* The number after "figures": { ... "key": { ... "value": in a report_json
 * output; NAN if there is none. */
double json_figure_value(const char *json, const char *key);

/* ---- the program, run as a process ------------------------------------------ */

/* Runs the built `capacity` (CAPACITY_BIN) with `args`, `input` piped into its
 * stdin; fills r as run_cli does. Fails the test if CAPACITY_BIN is unset. */
void run_program(cap_run *r, const char *input, const char *const *args);

#endif /* CAP_TEST_H */
