/*
 * wb/test_internal.h: what the test back ends (the Criterion glue and the
 * ThreadSanitizer runner) share with test.c. Not for test files.
 */
#ifndef WB_TEST_INTERNAL_H
#define WB_TEST_INTERNAL_H

/* What a signal that ended a test most likely means, in a learner's terms. */
const char *wb_signal_story(int sig);

/* True on the thread that runs the test function itself. */
int wb_on_test_thread(void);

/*
 * Called from any other thread: keeps the first failure (file, line and
 * message) for wb_run_threads to report after the join, and ends the calling
 * thread with pthread_exit.
 */
_Noreturn void wb_park_failure(const char *file, int line, const char *message);

/* Called by wb_test_init in the test's process, before the test runs. */
void wb_backend_test_started(void);

/* Called by wb_test_fini once the test function has returned: the back end's
 * proof that the test ran to its end (and did not exit in the middle). */
void wb_mark_test_finished(void);

/* The back end's way to skip the test (wb_skip). */
_Noreturn void wb_report_skip(const char *message);

/* The back end's way to fail the test from the test's own thread. */
_Noreturn void wb_report_failure(const char *file, int line, const char *message);

#endif /* WB_TEST_INTERNAL_H */
