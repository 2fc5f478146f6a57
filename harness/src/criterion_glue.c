/*
 * criterion_glue.c: what the harness adds to Criterion 2.4.1 in every test binary.
 *
 * - One time limit for every test (WB_TIMEOUT, default WB_TEST_TIMEOUT).
 * - A test that ends without returning (exit(0), _exit(0) in the code under
 *   test) fails: the suite tear-down leaves a marker file only after the test
 *   function returned, and the runner checks for it.
 * - A test that passed but whose process then exited non-zero (a leak found
 *   by LeakSanitizer or valgrind at exit) fails.
 * - The results go to a tab-separated report (--output=wb:FILE) that the
 *   board, the grader and `make check` read, and (WB_STREAM=FILE) to a file
 *   line by line as tests end.
 * - Under the grader (WB_ISOLATE), each test's process group is killed once
 *   the test has ended, so that nothing it forked outlives it.
 * All report hooks live in this file: Criterion allows one of each per binary.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/output.h>
#include <criterion/new/assert.h>

#include "wb/test.h"
#include "wb/test_internal.h"
#include "wb/fail.h"

/* ---- in the test's own process (the worker) ---- */

/* DIR/SUITE.TEST then SUFFIX: the marker that a test finished, or ".pid", its process id. */
static void marker_path(char *out, size_t size, const char *dir, const char *suite,
                        const char *test, const char *suffix)
{
    snprintf(out, size, "%s/%s.%s%s", dir, suite, test, suffix);
}

/* Under WB_ISOLATE the runner needs the test's process (group) id to clean up after it. */
void wb_backend_test_started(void)
{
    const char *dir = getenv("WB_MARKER_DIR");
    if (dir == NULL || getenv("WB_ISOLATE") == NULL)
        return;
    char path[4096];
    marker_path(path, sizeof path, dir, criterion_current_suite->name, criterion_current_test->name,
                ".pid");
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

void wb_mark_test_finished(void)
{
    const char *dir = getenv("WB_MARKER_DIR");
    if (dir == NULL)
        return;
    char path[4096];
    marker_path(path, sizeof path, dir, criterion_current_suite->name, criterion_current_test->name,
                "");
    FILE *f = fopen(path, "w");
    if (f != NULL)
        fclose(f);
}

_Noreturn void wb_report_failure(const char *file, int line, const char *message)
{
    cr_assert_fail_user(file, (unsigned)line, criterion_abort_test, "%s", message);
    abort(); /* not reached: criterion_abort_test does not return */
}

_Noreturn void wb_report_skip(const char *message)
{
    criterion_skip_test("%s", message);
    abort(); /* not reached: the test process ends with the skip */
}

/* ---- in the runner (the parent process) ---- */

static char marker_dir[1024];
static int have_marker_dir;

static double wanted_timeout(void)
{
    const char *env = getenv("WB_TIMEOUT");
    double t = env != NULL ? strtod(env, NULL) : 0;
    return t > 0 ? t : WB_TEST_TIMEOUT;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    /* One limit for every test: mixed limits can hang the parallel runner. */
    double timeout = wanted_timeout();
    struct criterion_suite_set *ss;
    FOREACH_SET(ss, set->suites)
    {
        if (ss->suite.data != NULL)
            ss->suite.data->timeout = timeout;
        struct criterion_test *t;
        FOREACH_SET(t, ss->tests)
        {
            if (t->data != NULL)
                t->data->timeout = timeout;
        }
    }
    /* In /tmp, or where WB_MARKER_PARENT says (the grader looks there for what to clean up). */
    const char *parent = getenv("WB_MARKER_PARENT");
    snprintf(marker_dir, sizeof marker_dir, "%s/wb-markers-XXXXXX", parent ? parent : "/tmp");
    if (mkdtemp(marker_dir) != NULL) {
        have_marker_dir = 1;
        setenv("WB_MARKER_DIR", marker_dir, 1);
    }
}

/* Replaces the test's verdict with a failure and a message of ours. */
static void fail_after_the_fact(struct criterion_test_stats *ts, const char *why)
{
    ts->test_status = CR_STATUS_FAILED;
    ts->message = strdup(why); /* Criterion frees it */
    fprintf(stderr, "[FAIL] %s::%s: %s\n", ts->test->category, ts->test->name, why);
}

static void settle_verdict(struct criterion_test_stats *ts);
static void stream_test_line(const struct criterion_test_stats *ts);

/* True if process `pid` has ended (gone, or a zombie not yet reaped). */
static int has_ended(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')'); /* the name in parentheses may hold anything */
    return close == NULL || close[1] == '\0' || close[2] == 'Z';
}

/*
 * Kills what is left of an isolated test's process group: processes its code
 * forked. Only once the test's own process has ended: killing it while it
 * finishes would turn a pass into a crash. A test that is still finishing is
 * left to the grader, which sweeps the groups of ended tests.
 */
static void kill_test_group(const struct criterion_test_stats *ts)
{
    char path[4096];
    marker_path(path, sizeof path, marker_dir, ts->test->category, ts->test->name, ".pid");
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 1 || !has_ended(pid))
        return;
    unlink(path);
    /* Again and again: a process may be half-way through a fork when the first kill lands. */
    for (int i = 0; i < 200 && kill((pid_t)-pid, SIGKILL) == 0; i++)
        usleep(1000);
}

ReportHook(POST_FINI)(struct criterion_test_stats *ts)
{
    if (have_marker_dir)
        kill_test_group(ts);
    settle_verdict(ts);
    stream_test_line(ts);
}

/* Explains a timeout, and fails a test that ended without returning. */
static void settle_verdict(struct criterion_test_stats *ts)
{
    char path[4096];
    int finished = 0;
    if (have_marker_dir) {
        marker_path(path, sizeof path, marker_dir, ts->test->category, ts->test->name, "");
        finished = unlink(path) == 0;
    }
    if (ts->timed_out) {
        char why[256];
        snprintf(why, sizeof why,
                 "timed out after %.0f s: an endless loop, a deadlock, or a wait for something "
                 "that never comes",
                 wanted_timeout());
        fprintf(stderr, "[----] %s::%s: %s\n", ts->test->category, ts->test->name, why);
        if (ts->message == NULL)
            ts->message = strdup(why);
        return;
    }
    if (!have_marker_dir || finished || ts->signal != 0 || ts->test_status == CR_STATUS_SKIPPED)
        return;
    char why[512];
    if (ts->exit_code == WB_EXIT_SANITIZER)
        snprintf(why, sizeof why,
                 "AddressSanitizer or UndefinedBehaviorSanitizer stopped the test: its report "
                 "above names the bad access (overflow, use after free, NULL) or the undefined "
                 "behaviour, and the line of your code that did it");
    else
        snprintf(why, sizeof why,
                 "the test process ended with exit status %d before the test finished: your "
                 "code called exit() or _exit(). Library code must return an error, never end "
                 "the program",
                 ts->exit_code);
    if (ts->test_status == CR_STATUS_PASSED)
        fail_after_the_fact(ts, why);
    else if (ts->failed_asserts == 0 && ts->message == NULL) {
        ts->message = strdup(why);
        fprintf(stderr, "[----] %s::%s: %s\n", ts->test->category, ts->test->name, why);
    }
}

/* Recounts a suite's and the run's totals from the tests' final verdicts. */
static void recount(struct criterion_global_stats *gs)
{
    gs->tests_passed = gs->tests_failed = gs->tests_crashed = gs->tests_skipped = 0;
    for (struct criterion_suite_stats *ss = gs->suites; ss != NULL; ss = ss->next) {
        ss->tests_passed = ss->tests_failed = ss->tests_crashed = ss->tests_skipped = 0;
        for (struct criterion_test_stats *ts = ss->tests; ts != NULL; ts = ts->next) {
            if (ts->test_status == CR_STATUS_SKIPPED)
                ss->tests_skipped++;
            else if (ts->crashed || ts->signal != 0)
                ss->tests_crashed++;
            else if (ts->test_status == CR_STATUS_FAILED)
                ss->tests_failed++;
            else
                ss->tests_passed++;
        }
        gs->tests_passed += ss->tests_passed;
        gs->tests_failed += ss->tests_failed;
        gs->tests_crashed += ss->tests_crashed;
        gs->tests_skipped += ss->tests_skipped;
    }
}

ReportHook(POST_ALL)(struct criterion_global_stats *gs)
{
    const char *mode = getenv("WB_MODE");
    const char *tool = mode == NULL                    ? "the runtime"
                       : strcmp(mode, "valgrind") == 0 ? "valgrind"
                       : strcmp(mode, "memcheck") == 0 ? "AddressSanitizer/LeakSanitizer"
                                                       : "the runtime";
    for (struct criterion_suite_stats *ss = gs->suites; ss != NULL; ss = ss->next) {
        for (struct criterion_test_stats *ts = ss->tests; ts != NULL; ts = ts->next) {
            if (ts->test_status != CR_STATUS_PASSED || ts->exit_code == 0)
                continue;
            char why[512];
            snprintf(why, sizeof why,
                     "its checks passed, but the test process then exited with status %d: %s "
                     "found a problem at exit, most often memory that was never freed (see its "
                     "report above)",
                     ts->exit_code, tool);
            fail_after_the_fact(ts, why);
        }
    }
    recount(gs);
    if (have_marker_dir)
        rmdir(marker_dir);
}

/* ---- the tab-separated report: --output=wb:FILE ---- */

/* Writes `s` with tabs, newlines and backslashes escaped, so one field stays one field. */
static void put_field(FILE *out, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '\t':
            fputs("\\t", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static const char *verdict(const struct criterion_test_stats *ts)
{
    if (ts->test_status == CR_STATUS_SKIPPED)
        return "SKIP";
    if (ts->timed_out)
        return "TIMEOUT";
    if (ts->crashed || ts->signal != 0)
        return "CRASH";
    return ts->test_status == CR_STATUS_PASSED ? "PASS" : "FAIL";
}

/*
 * One line per test: suite, test, verdict, seconds, then the reasons, each
 * "file:line: message" (or the harness's own), separated by " | ".
 */
static void write_test_line(FILE *out, const struct criterion_test_stats *ts)
{
    fprintf(out, "%s\t%s\t%s\t%.3f\t", ts->test->category, ts->test->name, verdict(ts),
            (double)ts->elapsed_time);
    int n = 0;
    for (struct criterion_assert_stats *as = ts->asserts; as != NULL; as = as->next) {
        if (as->passed)
            continue;
        fprintf(out, "%s%s:%u: ", n++ ? " | " : "", as->file ? as->file : "?", as->line);
        put_field(out, as->message);
    }
    if (ts->message != NULL) {
        fputs(n++ ? " | " : "", out);
        put_field(out, ts->message);
    }
    if (n == 0 && ts->signal != 0)
        fprintf(out, "the test crashed (signal %d, %s): %s", ts->signal, strsignal(ts->signal),
                wb_signal_story(ts->signal));
    fputc('\n', out);
}

static void write_report(FILE *out, struct criterion_global_stats *gs)
{
    fputs("# wb-results 1: suite, test, verdict, seconds, reasons\n", out);
    for (struct criterion_suite_stats *ss = gs->suites; ss != NULL; ss = ss->next)
        for (struct criterion_test_stats *ts = ss->tests; ts != NULL; ts = ts->next)
            write_test_line(out, ts);
}

/*
 * With WB_STREAM=FILE each test's line is also appended to FILE as soon as
 * the test ends, so that a run stopped from outside (the grader's watchdog)
 * still leaves the verdicts it reached. The final report supersedes it.
 */
static void stream_test_line(const struct criterion_test_stats *ts)
{
    const char *path = getenv("WB_STREAM");
    FILE *f = path != NULL ? fopen(path, "a") : NULL;
    if (f == NULL)
        return;
    write_test_line(f, ts);
    fclose(f);
}

__attribute__((constructor)) static void register_report(void)
{
    criterion_register_output_provider("wb", write_report);
}
