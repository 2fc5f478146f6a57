/*
 * lt_test.h: helpers the load tester's tests share, so that each test reads
 * as its scenario. Every failure message says what was expected, what came
 * back, and the scenario (the `why` argument, last).
 */
#ifndef LT_TEST_H
#define LT_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <criterion/criterion.h>

#include "src/hist.h"
#include "src/options.h"
#include "src/report.h"
#include "src/resp.h"
#include "src/run.h"
#include "wb/test.h"

/* ---- the histogram ------------------------------------------------------------ */

/* hist_create, failing the test if it returns NULL. */
hist *new_hist(void);

/* True if `got` is within 1% of `want` (the histogram's documented bound). */
int within_one_percent(uint64_t got, uint64_t want);

/* hist_percentile that must return HIST_OK; returns the value. */
uint64_t percentile(const hist *h, double p);

/* ---- RESP ----------------------------------------------------------------------- */

/* "RESP_OK", "RESP_INCOMPLETE", ...: a status's name. */
const char *resp_status_name(resp_status status);

/* ---- options ------------------------------------------------------------------- */

/* "loadtest -c 5 --ratio 1:0": args (NULL-terminated) as typed, for messages. Per-thread buffer. */
const char *command_line(const char *const *args);

/* opt_defaults, then opt_parse of args (NULL-terminated, without the program name). */
opt_status parse_args(const char *const *args, opt_config *cfg, char *why, size_t why_size);

/* The settings args give; fails the test unless opt_parse returns OPT_OK. */
opt_config parse_ok(const char *const *args, const char *why);

/* True if every setting of a equals b's (padding aside). */
int same_config(const opt_config *a, const opt_config *b);

/*
 * opt_parse must refuse args with OPT_BAD, its message must contain `names`
 * (the option, or the argument at fault) and `problem` (a phrase of the
 * reason; NULL: any), and the settings must be left exactly as they were.
 */
void expect_refused(const char *const *args, const char *names, const char *problem,
                    const char *why);

/* ---- runs ------------------------------------------------------------------------- */

/* Defaults aimed at 127.0.0.1:port: `requests` requests over `connections`
 * connections, no histogram, a 10 s timeout (slow under valgrind). */
opt_config config_for(int port, uint64_t requests, int connections);

/* lt_run, failing the test unless it returns LT_OK. */
void run_ok(const opt_config *cfg, const wb_clock *clock, lt_result *result, const char *why);

/* Every figure of a result in one line, for messages. Per-thread buffer. */
const char *result_text(const lt_result *r);

/* The run answered `ops` requests with no error, no loss, and a latency for each. */
void expect_clean_run(const lt_result *r, uint64_t ops, const char *why);

/* ---- text --------------------------------------------------------------------------- */

/* report_results into a new heap string (free it). */
char *report_text(const opt_config *cfg, const lt_result *r);

/* The line of `text` that contains `needle`, or "(no such line)". Per-thread buffer. */
const char *line_with(const char *text, const char *needle);

/* `text` must contain `needle`; the message shows the whole text. */
void expect_contains(const char *text, const char *needle, const char *what, const char *why);

/* ---- the program, as a process ------------------------------------------------------- */

typedef struct program_run {
    int status;        /* exit status, or 128 + signal */
    char *out;         /* all it wrote to stdout (never NULL after run_program) */
    char *err;         /* all it wrote to stderr */
    char command[512]; /* "loadtest -p 4242 ...", for messages */
} program_run;

/* Runs the built program (LOADTEST_BIN, set by `make loadtest-test`) with
 * args; fails the test if LOADTEST_BIN is unset. Free with program_free. */
void run_program(program_run *r, const char *const *args);
void program_free(program_run *r);

/* The program must have ended with `status`; the message shows its output. */
void expect_exit(const program_run *r, int status, const char *why);

#endif /* LT_TEST_H */
