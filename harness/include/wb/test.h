/*
 * wb/test.h: what every exercise's tests share.
 *
 * Levels as Criterion suites, a thread fan-out that reports per-thread
 * failures, and formatting helpers that make failure messages show bytes as
 * they are. Test files include this after <criterion/criterion.h> and use
 * only cr_assert, cr_expect, cr_fail, cr_assert_fail, cr_assert_not and
 * cr_expect_not, each with a message: the ThreadSanitizer runner of
 * `make race` compiles the same files and knows only those.
 */
#ifndef WB_TEST_H
#define WB_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <criterion/criterion.h>

#include "wb/clock.h"
#include "wb/rng.h"

/*
 * Per-test time limit, in seconds, the same for every test of a binary (mixed
 * limits can hang Criterion 2.4.1's parallel runner). The environment
 * variable WB_TIMEOUT overrides it; make memcheck and make valgrind raise it.
 */
#define WB_TEST_TIMEOUT 10.0

/*
 * WB_LEVEL(n) declares the suite `leveln`. Every test belongs to a level:
 * Test(level1, put_then_get_returns_the_value) { ... }. The suite's set-up
 * and tear-down are the harness's; a test must not set .init or .fini, or the
 * harness cannot tell that it finished.
 */
#define WB_LEVEL(n)                                                                                \
    TestSuite(level##n, .init = wb_test_init, .fini = wb_test_fini, .timeout = WB_TEST_TIMEOUT)

void wb_test_init(void);
void wb_test_fini(void);

/*
 * A thread body for wb_run_threads: `index` is 0 .. n-1. Return NULL when
 * all went well, or a message made with wb_strdupf saying what went wrong
 * (it is freed for you). Do not cr_assert inside a thread.
 */
typedef char *(*wb_thread_fn)(int index, void *ctx);

/*
 * Starts `n` threads running fn(i, ctx), releases them together so that they
 * really overlap, and joins them all. If any thread returned a message, the
 * test fails: "what: 3 of 100 threads failed; the first: thread 7: ...".
 */
void wb_run_threads(int n, wb_thread_fn fn, void *ctx, const char *what);

/*
 * Skips the running test, with a reason the summary shows: for a test that
 * needs something the machine does not have (a redis-server binary). Never
 * for code that is not written yet. Does not return. `make check` counts a
 * skipped test as a failure, so CI proves everything.
 */
_Noreturn void wb_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* printf into a new heap string (for thread messages); never returns NULL. */
char *wb_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A C string shown as a C literal, with quotes and escapes ("a\tb\r\n"), or
 * NULL. Long strings are cut in the middle. The result lives in one of 16
 * per-thread buffers: use it inside one message, do not keep it.
 */
const char *wb_q(const char *s);

/* The same for `n` bytes that may hold NUL. */
const char *wb_qn(const void *bytes, size_t n);

/*
 * Two byte strings, escaped one above the other, with a caret under the first
 * byte that differs, for messages about what crossed a wire or a file:
 *
 *     expected: "+OK\r\n"
 *          got: "+OK\n"
 *                   ^ first difference at byte 3
 *
 * Same buffer rules as wb_q.
 */
const char *wb_bytes_diff(const void *expected, size_t expected_len, const void *got,
                          size_t got_len);

#endif /* WB_TEST_H */
