/*
 * fail_program.c: wb_fail_test for programs that are not tests (benchmarks,
 * servers, the load tester): print the reason and exit.
 */
#include "wb/fail.h"

#include <stdio.h>
#include <unistd.h>

_Noreturn void wb_fail_test(const char *file, int line, const char *message)
{
    fprintf(stderr, "%s:%d: %s\n", file, line, message);
    fflush(NULL);
    /* _exit, not exit: other threads may still be running the program. */
    _exit(WB_EXIT_NOT_IMPLEMENTED);
}
