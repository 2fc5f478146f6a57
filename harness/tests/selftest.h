/*
 * selftest.h: code under test for the harness's own tests: one function for
 * each way a learner's code can misbehave. `make check` runs
 * harness/tests/test_selftest.c against it in every mode and compares the
 * verdicts with harness/tests/expected.tsv.
 */
#ifndef SELFTEST_H
#define SELFTEST_H

int st_add(int a, int b);            /* returns a + b: works */
int st_todo(int a);                  /* a stub: TODO(1, a) */
void st_exit(int status);            /* calls exit(status) in the middle of a test */
void st_underscore_exit(int status); /* calls _exit(status) */
void st_spin(void);                  /* never returns */
void st_leak(void);                  /* allocates and forgets */
void st_crash(void);                 /* writes through a NULL pointer */
void st_bump(int *counter);          /* ++*counter with no lock: racy if shared */

#endif /* SELFTEST_H */
