/*
 * runner.c: the test runner of `make race` and `make valgrind` (see
 * criterion/criterion.h here).
 *
 * Runs each registered test in a forked child (under ThreadSanitizer, or
 * under valgrind, which follows forks without starting again) and reads
 * its verdict from a pipe; writes the same console lines and the same
 * tab-separated report (--output=wb:FILE) as the Criterion binaries, so the
 * scripts read both alike. Options: --filter GLOB (suite/test), -j N is
 * accepted and ignored (tests run one at a time), --output=wb:FILE.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "wb/test.h"
#include "wb/test_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ThreadSanitizer ends a process that raced with this status (TSAN_OPTIONS exitcode). */
#define RACE_EXIT 66

struct suite {
    const char *name;
    struct wb_shim_options options;
};

struct test {
    const char *suite, *name;
    void (*fn)(void);
    struct wb_shim_options options;
};

enum { MAX_TESTS = 1024, MAX_SUITES = 64 };
static struct test tests[MAX_TESTS];
static int test_count;
static struct suite suites[MAX_SUITES];
static int suite_count;

void wb_shim_register_test(const char *suite, const char *name, void (*fn)(void),
                           struct wb_shim_options options)
{
    if (test_count == MAX_TESTS) {
        fprintf(stderr, "race runner: more than %d tests\n", MAX_TESTS);
        abort();
    }
    tests[test_count++] = (struct test){ suite, name, fn, options };
}

void wb_shim_register_suite(const char *suite, struct wb_shim_options options)
{
    if (suite_count == MAX_SUITES) {
        fprintf(stderr, "race runner: more than %d suites\n", MAX_SUITES);
        abort();
    }
    suites[suite_count++] = (struct suite){ suite, options };
}

static const struct wb_shim_options *suite_options(const char *name)
{
    for (int i = 0; i < suite_count; i++)
        if (strcmp(suites[i].name, name) == 0)
            return &suites[i].options;
    return NULL;
}

/* ---- in the child: run one test, report on `report_fd` ---- */

static int report_fd = -1;
static jmp_buf test_abort;

/* One line per event: "F message" for a failed check, "D" when the test returned. */
static void report_line(char kind, const char *text)
{
    char line[2048];
    int n = snprintf(line, sizeof line, "%c%s\n", kind, text);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1, line[n - 1] = '\n';
    if (write(report_fd, line, (size_t)n) < 0)
        _exit(70);
}

void wb_shim_fail(const char *file, int line, bool fatal, const char *fmt, ...)
{
    char message[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (fatal && !wb_on_test_thread())
        wb_park_failure(file, line, message);

    char text[2000];
    snprintf(text, sizeof text, "%s:%d: %s", file, line, message);
    /* One field per line on the pipe: newlines inside the message travel escaped. */
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = '\v';
    report_line('F', text);
    fprintf(stderr, "[----] %s:%d: Assertion Failed\n[----]   %s\n", file, line, message);
    if (fatal)
        longjmp(test_abort, 1);
}

_Noreturn void wb_report_failure(const char *file, int line, const char *message)
{
    wb_shim_fail(file, line, true, "%s", message);
    abort(); /* not reached */
}

_Noreturn void wb_report_skip(const char *message)
{
    report_line('S', message);
    exit(0);
}

void wb_backend_test_started(void)
{
    /* The parent knows the child's pid; nothing to record. */
}

void wb_mark_test_finished(void)
{
    report_line('D', "");
}

_Noreturn static void run_child(const struct test *t, double timeout)
{
    alarm((unsigned)(timeout + 0.999));
    const struct wb_shim_options *so = suite_options(t->suite);
    void (*init)(void) = t->options.init ? t->options.init : so ? so->init : NULL;
    if (init != NULL)
        init();
    if (setjmp(test_abort) == 0)
        t->fn();
    /* Looked up after the jump: locals set before setjmp may be clobbered by longjmp. */
    so = suite_options(t->suite);
    void (*fini)(void) = t->options.fini ? t->options.fini : so ? so->fini : NULL;
    if (fini != NULL)
        fini();
    exit(0); /* exit, not _exit: ThreadSanitizer reports and sets the status at exit */
}

/* ---- in the parent ---- */

struct verdict {
    const char *word; /* PASS, FAIL, CRASH, TIMEOUT */
    char reasons[4096];
};

static void add_reason(struct verdict *v, const char *text)
{
    size_t len = strlen(v->reasons);
    snprintf(v->reasons + len, sizeof v->reasons - len, "%s%s", len ? " | " : "", text);
}

static void run_one(const struct test *t, double timeout, struct verdict *v, double *seconds)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        report_fd = fds[1];
        run_child(t, timeout);
    }
    close(fds[1]);

    /* Read the child's events while it runs; stop when it has ended, even if
     * processes it forked still hold the pipe open. */
    char buf[8192];
    size_t used = 0;
    int status = 0;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (bool ended = false;;) {
        struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
        poll(&pfd, 1, ended ? 0 : 100);
        ssize_t n;
        while (used < sizeof buf - 1 && (n = read(fds[0], buf + used, sizeof buf - 1 - used)) > 0)
            used += (size_t)n;
        if (ended)
            break;
        ended = waitpid(pid, &status, WNOHANG) == pid;
    }
    close(fds[0]);
    buf[used] = '\0';
    /* Under the grader (WB_ISOLATE) the test had its own process group: kill what it left. */
    for (int i = 0; getenv("WB_ISOLATE") != NULL && i < 200 && kill(-pid, SIGKILL) == 0; i++)
        usleep(1000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    int finished = 0, failures = 0, skipped = 0;
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == 'D')
            finished = 1;
        else if (line[0] == 'S' && !skipped) {
            skipped = 1;
            add_reason(v, line + 1);
        } else if (line[0] == 'F') {
            failures++;
            for (char *p = line; *p; p++)
                if (*p == '\v')
                    *p = '\n';
            add_reason(v, line + 1);
        }
    }

    v->word = "PASS";
    if (skipped && failures == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        v->word = "SKIP";
    } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        char why[160];
        snprintf(why, sizeof why,
                 "timed out after %.0f s: an endless loop, a deadlock, or a wait for something "
                 "that never comes",
                 timeout);
        v->word = "TIMEOUT";
        add_reason(v, why);
    } else if (WIFSIGNALED(status)) {
        char why[400];
        snprintf(why, sizeof why, "the test crashed (signal %d, %s): %s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), wb_signal_story(WTERMSIG(status)));
        v->word = "CRASH";
        add_reason(v, why);
    } else if (WEXITSTATUS(status) == RACE_EXIT) {
        v->word = "FAIL";
        add_reason(v, "ThreadSanitizer reported a threading bug, most often a data race: two "
                      "threads touched the same memory without a lock or an atomic between "
                      "them. Its report above names both places");
    } else if (!finished && failures == 0) {
        char why[256];
        snprintf(why, sizeof why,
                 "the test process ended with exit status %d before the test finished: your "
                 "code called exit() or _exit(). Library code must return an error, never end "
                 "the program",
                 WEXITSTATUS(status));
        v->word = "FAIL";
        add_reason(v, why);
    } else if (failures > 0) {
        v->word = "FAIL";
    } else if (WEXITSTATUS(status) != 0) {
        const char *mode = getenv("WB_MODE");
        char why[256];
        snprintf(why, sizeof why,
                 "its checks passed, but the test process then exited with status %d: %s found "
                 "a problem at exit, most often memory that was never freed (see its report above)",
                 WEXITSTATUS(status),
                 mode != NULL && strcmp(mode, "valgrind") == 0 ? "valgrind" : "the runtime");
        v->word = "FAIL";
        add_reason(v, why);
    }
}

static void put_field(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\\')
            fputs("\\\\", out);
        else
            fputc(*s, out);
    }
}

int main(int argc, char **argv)
{
    const char *filter = NULL, *report_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--filter=", 9) == 0)
            filter = argv[i] + 9;
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
            filter = argv[++i];
        else if (strncmp(argv[i], "--output=wb:", 12) == 0)
            report_path = argv[i] + 12;
        else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
            i++;
        else if (strncmp(argv[i], "-j", 2) != 0 && strcmp(argv[i], "--always-succeed") != 0) {
            fprintf(stderr, "race runner: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    const char *env = getenv("WB_TIMEOUT");
    double timeout = env != NULL && strtod(env, NULL) > 0 ? strtod(env, NULL) : WB_TEST_TIMEOUT;

    FILE *report = NULL;
    if (report_path != NULL && (report = fopen(report_path, "w")) == NULL) {
        perror(report_path);
        return 2;
    }
    if (report != NULL)
        fputs("# wb-results 1: suite, test, verdict, seconds, reasons\n", report);

    int tested = 0, passed = 0, failed = 0, crashed = 0;
    for (int i = 0; i < test_count; i++) {
        const struct test *t = &tests[i];
        char full[256];
        snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
        if (filter != NULL && fnmatch(filter, full, FNM_EXTMATCH) != 0)
            continue;
        struct verdict v = { .reasons = "" };
        double seconds = 0;
        run_one(t, timeout, &v, &seconds);
        tested++;
        if (strcmp(v.word, "PASS") == 0 || strcmp(v.word, "SKIP") == 0)
            passed++;
        else if (strcmp(v.word, "CRASH") == 0)
            crashed++;
        else
            failed++;
        if (strcmp(v.word, "SKIP") == 0)
            fprintf(stderr, "[SKIP] %s::%s: %s\n", t->suite, t->name, v.reasons);
        else if (strcmp(v.word, "PASS") != 0)
            fprintf(stderr, "[FAIL] %s::%s: %s\n", t->suite, t->name, v.reasons);
        if (report != NULL) {
            fprintf(report, "%s\t%s\t%s\t%.3f\t", t->suite, t->name, v.word, seconds);
            put_field(report, v.reasons);
            fputc('\n', report);
            fflush(report); /* a run stopped from outside keeps the verdicts it reached */
        }
    }
    if (report != NULL)
        fclose(report);
    fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d \n",
            tested, passed, failed, crashed);
    return passed == tested ? 0 : 1;
}
