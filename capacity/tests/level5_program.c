/*
 * Level 5, the program: the built `capacity` binary (CAPACITY_BIN, set by
 * `make capacity-test`) run as a process, answers piped into its stdin,
 * exit statuses as a shell sees them. Run alone with
 * `make capacity-test LEVEL=5`.
 */
#include <string.h>

#include "cap_test.h"

WB_LEVEL(5);

Test(level5, the_program_prints_the_classic_estimate)
{
    cap_run r;
    run_program(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", "1KB", NULL });
    expect_status(&r, 0, "a valid estimate");
    expect_out_has(&r, "read QPS, average: about 1,160 QPS", "10M users x 10 reads / 86,400 s");
    cr_expect(r.err[0] == '\0', "`%s` wrote to stderr: %s", r.command, wb_q(r.err));
    run_free(&r);
}

Test(level5, bad_input_exits_2_with_the_message_on_stderr)
{
    cap_run r;
    run_program(&r, NULL, (const char *[]){ "--dau", "10M", "--cache-hit", "1.5", NULL });
    expect_usage_error(&r, "--cache-hit", "between 0 and 1",
                       "a shell sees status 2 and one message on stderr");
    run_free(&r);
}

Test(level5, the_quiz_reads_answers_piped_into_it)
{
    cap_run r;
    run_program(&r, "1200\n100\n3000\n1MB/s\n10GB\n10TB\n20 GB\n230\n2\n",
                (const char *[]){ "quiz", "--scenario", "classic", "--seed", "1", NULL });
    expect_status(&r, 0, "a quiz fed through a pipe");
    expect_out_has(&r, "Score: 9 of 9 within a factor of two.",
                   "nine right answers, one per line, through a pipe");
    run_free(&r);
}

Test(level5, a_seeded_quiz_is_the_same_in_two_processes)
{
    cap_run a, b;
    run_program(&a, "1\n", (const char *[]){ "quiz", "--seed", "99", NULL });
    run_program(&b, "1\n", (const char *[]){ "quiz", "--seed", "99", NULL });
    cr_assert(a.status == 0 && strcmp(a.out, b.out) == 0,
              "two processes of `capacity quiz --seed 99` differ (status %d): a seed must not "
              "depend on the time or the process; first:\n%s\nsecond:\n%s",
              a.status, a.out, b.out);
    run_free(&a);
    run_free(&b);
}

Test(level5, json_from_the_program_is_valid)
{
    cap_run r;
    run_program(&r, NULL, (const char *[]){ "scenario", "chat", "--json", NULL });
    expect_status(&r, 0, "a scenario as JSON");
    const char *problem = json_problem(r.out);
    cr_assert(problem == NULL, "`%s` printed invalid JSON: %s", r.command, problem);
    run_free(&r);
}
