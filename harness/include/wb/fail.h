/*
 * wb/fail.h: how harness code fails the running test. Internal to the harness.
 *
 * Three back ends implement it: the Criterion glue (test binaries), the
 * ThreadSanitizer runner (race builds) and the program back end (benchmarks,
 * servers), where "failing the test" means printing and exiting.
 */
#ifndef WB_FAIL_H
#define WB_FAIL_H

/* Exit status of a program whose code reached a TODO. */
#define WB_EXIT_NOT_IMPLEMENTED 3

/* Exit status the sanitizers are told to use when they stop a test (make memcheck). */
#define WB_EXIT_SANITIZER 86

/*
 * Fails the running test with `message`, reported at file:line, and does not
 * return. Called from a thread other than the test's own, it records the
 * message and ends that thread; wb_run_threads reports it after the join.
 */
_Noreturn void wb_fail_test(const char *file, int line, const char *message);

#endif /* WB_FAIL_H */
