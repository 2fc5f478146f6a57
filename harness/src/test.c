/*
 * test.c: the helpers of wb/test.h, shared by the Criterion test binaries and
 * the ThreadSanitizer runner (both compile it; only the back end differs).
 */
#define _GNU_SOURCE
#include "wb/test.h"
#include "wb/test_internal.h"
#include "wb/fail.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- the test's own thread, and failures raised on other threads ---- */

static pthread_t test_thread;
static bool test_thread_known;

/* The first failure raised on a thread other than the test's; reported after the join. */
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool set;
    const char *file;
    int line;
    char message[512];
} parked;

/*
 * Under the grader (WB_ISOLATE): a process group of the test's own, so that
 * whatever its code forks can be killed with it, and (WB_TEST_NPROC) a lower
 * cap on processes than the runner's, so that a fork bomb in one test cannot
 * take the slots the runner needs to start the next.
 */
static void isolate_test(void)
{
    setpgid(0, 0);
    const char *cap = getenv("WB_TEST_NPROC");
    struct rlimit limit;
    if (cap != NULL && getrlimit(RLIMIT_NPROC, &limit) == 0) {
        rlim_t want = (rlim_t)strtoul(cap, NULL, 10);
        if (want > 0 && (limit.rlim_max == RLIM_INFINITY || want < limit.rlim_max)) {
            limit.rlim_cur = want;
            setrlimit(RLIMIT_NPROC, &limit);
        }
    }
}

void wb_test_init(void)
{
    test_thread = pthread_self();
    test_thread_known = true;
    if (getenv("WB_ISOLATE") != NULL)
        isolate_test();
    wb_backend_test_started();
}

void wb_test_fini(void)
{
    wb_mark_test_finished();
}

int wb_on_test_thread(void)
{
    return !test_thread_known || pthread_equal(pthread_self(), test_thread);
}

_Noreturn void wb_park_failure(const char *file, int line, const char *message)
{
    pthread_mutex_lock(&parked_lock);
    if (!parked.set) {
        parked.set = true;
        parked.file = file;
        parked.line = line;
        snprintf(parked.message, sizeof parked.message, "%s", message);
    }
    pthread_mutex_unlock(&parked_lock);
    pthread_exit(NULL);
}

_Noreturn void wb_fail_test(const char *file, int line, const char *message)
{
    if (!wb_on_test_thread())
        wb_park_failure(file, line, message);
    wb_report_failure(file, line, message);
}

const char *wb_signal_story(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "a bad memory access (a NULL, freed or out-of-bounds pointer); make memcheck "
               "shows the line";
    case SIGBUS:
        return "a bad memory access (misaligned, or past the end of a mapped file)";
    case SIGABRT:
        return "abort(): an assert failed, or the C library found its heap corrupted (a double "
               "free, a write past a block); make memcheck shows where";
    case SIGFPE:
        return "an arithmetic error, most often a division by zero";
    case SIGILL:
        return "an illegal instruction, often a jump through a corrupted function pointer";
    case SIGPIPE:
        return "SIGPIPE: the code wrote to a socket or pipe whose reader had gone; send with "
               "MSG_NOSIGNAL (or ignore SIGPIPE) and treat EPIPE as a closed connection";
    case SIGXCPU:
        return "it used up its CPU time limit";
    case SIGXFSZ:
        return "it wrote a file larger than the limit allows";
    case SIGKILL:
        return "killed from outside: out of memory, a time limit, or (when graded) too many "
               "processes";
    default:
        return "a signal the test did not expect";
    }
}

/* ---- thread fan-out ---- */

struct fan_out {
    wb_thread_fn fn;
    void *ctx;
    pthread_barrier_t start; /* every thread waits here, so they begin together */
};

struct fan_slot {
    struct fan_out *shared;
    int index;
    char *problem; /* what the thread returned */
};

static void *fan_thread(void *arg)
{
    struct fan_slot *slot = arg;
    pthread_barrier_wait(&slot->shared->start);
    slot->problem = slot->shared->fn(slot->index, slot->shared->ctx);
    return NULL;
}

void wb_run_threads(int n, wb_thread_fn fn, void *ctx, const char *what)
{
    cr_assert(n > 0, "wb_run_threads: needs at least one thread, got %d", n);
    struct fan_out shared = { .fn = fn, .ctx = ctx };
    struct fan_slot *slots = calloc((size_t)n, sizeof *slots);
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    cr_assert(slots != NULL && threads != NULL, "wb_run_threads: out of memory");
    pthread_barrier_init(&shared.start, NULL, (unsigned)n);

    int started = 0;
    for (int i = 0; i < n; i++) {
        slots[i] = (struct fan_slot){ .shared = &shared, .index = i };
        if (pthread_create(&threads[i], NULL, fan_thread, &slots[i]) != 0)
            break;
        started++;
    }
    if (started < n) {
        /* The barrier expects n threads: release the ones waiting by running the rest here. */
        for (int i = started; i < n; i++)
            slots[i].problem = wb_strdupf("could not start thread %d", i);
        for (int i = started; i < n; i++)
            pthread_barrier_wait(&shared.start);
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&shared.start);

    int failed = 0;
    char first[768] = "";
    for (int i = 0; i < n; i++) {
        if (slots[i].problem == NULL)
            continue;
        if (failed++ == 0)
            snprintf(first, sizeof first, "thread %d: %s", i, slots[i].problem);
        free(slots[i].problem);
    }
    free(slots);
    free(threads);

    /* A TODO (or an exit) reached on one of the threads outranks what the threads said. */
    pthread_mutex_lock(&parked_lock);
    bool was_parked = parked.set;
    parked.set = false;
    pthread_mutex_unlock(&parked_lock);
    if (was_parked)
        wb_report_failure(parked.file, parked.line, parked.message);

    cr_assert(failed == 0, "%s: %d of %d threads failed; the first: %s", what, failed, n, first);
}

_Noreturn void wb_skip(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    wb_report_skip(message);
}

char *wb_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        abort(); /* a test helper with no memory left has nothing better to do */
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- showing bytes ---- */

enum { RING = 16, RING_SIZE = 2048, SHOWN = 120, LINE_SIZE = 4 * SHOWN + 16 };

static char *ring_buffer(void)
{
    static _Thread_local char ring[RING][RING_SIZE];
    static _Thread_local unsigned next;
    return ring[next++ % RING];
}

/* Writes the escaped form of one byte (at most 4 characters) and returns its length. */
static size_t escape_byte(char *out, unsigned char c)
{
    static const char named[][3] = { ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
                                     ['\0'] = "\\0", ['"'] = "\\\"", ['\\'] = "\\\\" };
    if (c < sizeof named / sizeof named[0] && named[c][0] != '\0')
        return (size_t)sprintf(out, "%s", named[c]);
    if (c < 0x20 || c >= 0x7f)
        return (size_t)sprintf(out, "\\x%02x", c);
    out[0] = (char)c;
    out[1] = '\0';
    return 1;
}

/*
 * Quotes bytes [from, from + SHOWN) of `bytes` (n in all) into `out`, with
 * "..." where the window cuts the input. `column_of` (if not NULL) receives
 * the output column at which byte `mark` starts. Returns the length written.
 */
static size_t quote_window(char *out, const unsigned char *bytes, size_t n, size_t from,
                           size_t mark, size_t *column_of)
{
    if (from > n)
        from = n;
    size_t to = n - from > SHOWN ? from + SHOWN : n;
    size_t len = (size_t)sprintf(out, "%s\"", from > 0 ? "..." : "");
    size_t column = 0;
    for (size_t i = from; i < to; i++) {
        if (i == mark)
            column = len;
        len += escape_byte(out + len, bytes[i]);
    }
    if (mark >= to)
        column = len;
    len += (size_t)sprintf(out + len, "\"%s", to < n ? "..." : "");
    if (column_of != NULL)
        *column_of = column;
    return len;
}

const char *wb_qn(const void *bytes, size_t n)
{
    if (bytes == NULL)
        return "NULL";
    char *out = ring_buffer();
    size_t len = quote_window(out, bytes, n, 0, 0, NULL);
    if (n > SHOWN)
        snprintf(out + len, RING_SIZE - len, " (%zu bytes)", n);
    return out;
}

const char *wb_q(const char *s)
{
    return s == NULL ? "NULL" : wb_qn(s, strlen(s));
}

const char *wb_bytes_diff(const void *expected, size_t expected_len, const void *got,
                          size_t got_len)
{
    const unsigned char *e = expected, *g = got;
    size_t first = 0;
    while (first < expected_len && first < got_len && e[first] == g[first])
        first++;

    /* Both lines show the same window, so the bytes before `first` line up. */
    size_t from = first > SHOWN / 2 ? first - SHOWN / 2 : 0;
    char line_e[LINE_SIZE], line_g[LINE_SIZE];
    size_t column = 0;
    quote_window(line_e, e, expected_len, from, first, NULL);
    quote_window(line_g, g, got_len, from, first, &column);

    char *out = ring_buffer();
    if (first == expected_len && first == got_len)
        snprintf(out, RING_SIZE, "expected: %s\n     got: the same %zu bytes", line_e, got_len);
    else
        snprintf(out, RING_SIZE,
                 "expected: %s (%zu bytes)\n     got: %s (%zu bytes)\n          %*s^ first "
                 "difference at byte %zu",
                 line_e, expected_len, line_g, got_len, (int)column, "", first);
    return out;
}
