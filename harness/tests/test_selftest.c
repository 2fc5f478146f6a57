/*
 * test_selftest.c: the harness's own tests. Most of these fail on purpose:
 * harness/tests/expected.tsv says, per mode, which verdict and which message
 * each must end with, and `make check` compares.
 */
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "selftest.h"
#include "wb/test.h"

WB_LEVEL(1);

Test(level1, a_working_function_passes)
{
    cr_assert(st_add(2, 3) == 5, "st_add(2, 3) returned %d, expected 5", st_add(2, 3));
}

Test(level1, a_todo_fails_with_the_not_implemented_message)
{
    st_todo(1);
}

static char *call_todo_on_thread_two(int index, void *ctx)
{
    (void)ctx;
    if (index == 2)
        st_todo(index);
    return NULL;
}

Test(level1, a_todo_on_another_thread_fails_with_the_message)
{
    wb_run_threads(4, call_todo_on_thread_two, NULL, "4 threads, one reaching a TODO");
}

static char *odd_threads_complain(int index, void *ctx)
{
    (void)ctx;
    return index % 2 ? wb_strdupf("odd thread %d is unhappy", index) : NULL;
}

Test(level1, thread_failures_are_counted_and_the_first_is_shown)
{
    wb_run_threads(6, odd_threads_complain, NULL, "6 threads, odd ones failing");
}

Test(level1, exit_zero_in_the_code_under_test_fails)
{
    st_exit(0);
}

Test(level1, underscore_exit_zero_in_the_code_under_test_fails)
{
    st_underscore_exit(0);
}

Test(level1, exit_three_in_the_code_under_test_fails)
{
    st_exit(3);
}

Test(level1, an_endless_loop_times_out)
{
    st_spin();
}

Test(level1, a_crash_is_reported_as_a_crash)
{
    st_crash();
}

Test(level1, a_leak_is_found_by_memcheck_and_valgrind)
{
    st_leak();
    cr_assert(1, "the checks pass; the leak is found at exit");
}

static char *bump_a_lot(int index, void *ctx)
{
    (void)index;
    for (int i = 0; i < 1000; i++)
        st_bump(ctx);
    return NULL;
}

Test(level1, a_data_race_is_found_by_make_race)
{
    static int counter;
    wb_run_threads(4, bump_a_lot, &counter, "4 threads bumping one counter");
    cr_assert(counter > 0, "the counter moved");
}

Test(level1, bytes_diff_marks_the_first_difference)
{
    const char *d = wb_bytes_diff("+OK\r\n", 5, "+OK\n", 4);
    const char *want = "expected: \"+OK\\r\\n\" (5 bytes)\n"
                       "     got: \"+OK\\n\" (4 bytes)\n"
                       "              ^ first difference at byte 3";
    cr_assert(strcmp(d, want) == 0, "wb_bytes_diff gave\n%s\nexpected\n%s", d, want);
}

Test(level1, quoting_escapes_what_cannot_be_printed)
{
    const char *q = wb_qn("a\0b\t\"\x7f", 6);
    cr_assert(strcmp(q, "\"a\\0b\\t\\\"\\x7f\"") == 0, "wb_qn gave %s", q);
    cr_assert(strcmp(wb_q(NULL), "NULL") == 0, "wb_q(NULL) gave %s", wb_q(NULL));
}

Test(level1, the_manual_clock_moves_only_when_told)
{
    wb_manual_clock mc;
    wb_manual_clock_init(&mc, 5 * WB_SEC);
    cr_assert(wb_now(&mc.clock) == 5 * WB_SEC, "a manual clock started at 5 s reads %lld",
              (long long)wb_now(&mc.clock));
    wb_manual_clock_advance(&mc, -2 * WB_SEC);
    cr_assert(wb_now(&mc.clock) == 3 * WB_SEC, "after moving back 2 s it reads %lld",
              (long long)wb_now(&mc.clock));
    int64_t a = wb_now(NULL), b = wb_now(NULL);
    cr_assert(b >= a, "the monotonic clock went backwards: %lld then %lld", (long long)a,
              (long long)b);
}

Test(level1, the_generator_repeats_splitmix64)
{
    wb_rng rng;
    wb_rng_seed(&rng, 0);
    uint64_t first = wb_rng_next(&rng);
    cr_assert(first == UINT64_C(0xe220a8397b1dcdaf),
              "splitmix64 seeded with 0 must start with 0xe220a8397b1dcdaf, got %#llx",
              (unsigned long long)first);
    for (int i = 0; i < 1000; i++) {
        uint64_t r = wb_rng_below(&rng, 7);
        cr_assert(r < 7, "wb_rng_below(7) returned %llu", (unsigned long long)r);
        double u = wb_rng_unit(&rng);
        cr_assert(u >= 0 && u < 1, "wb_rng_unit returned %g", u);
    }
}

Test(level1, a_skip_names_what_is_missing)
{
    wb_skip("the redis-server binary is not installed (sudo apt-get install -y redis-server)");
}
