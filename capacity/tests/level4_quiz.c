/*
 * Level 4, the quiz: answers piped into `capacity quiz` (in this process:
 * its stdin is a string), a seeded random choice, and the factor-of-two rule
 * an interviewer applies. Run alone with `make capacity-test LEVEL=4`.
 */
#include <string.h>

#include "cap_test.h"
#include "src/quiz.h"
#include "src/scenario.h"

WB_LEVEL(4);

/* Right answers for the classic scenario (all within 2x), one per question:
 * read QPS 1,157; write QPS 116; peak 3,472; out 1.16 MB/s; a day 10 GB;
 * kept 10.95 TB; cache 20 GB; database reads 231; servers 2. */
static const char classic_answers[] = "1200\n100\n3000\n1MB/s\n10GB\n10TB\n20 GB\n230\n2\n";

Test(level4, accepts_answers_within_a_factor_of_two)
{
    static const struct {
        double answer, truth;
        bool want;
    } cases[] = {
        { 1200, 1157.4, true },   { 578.7, 1157.4, true }, { 2314.8, 1157.4, true },
        { 578.6, 1157.4, false }, { 2315, 1157.4, false }, { 1, 2, true },
        { 4, 2, true },           { 5, 2, false },         { 0, 0, true },
        { 1, 0, false },          { 0, 5, false },         { -1157.4, 1157.4, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = quiz_accepts(cases[i].answer, cases[i].truth);
        cr_expect(got == cases[i].want,
                  "quiz_accepts(%g, %g) said %s, expected %s: half to twice the estimate "
                  "passes, edges included",
                  cases[i].answer, cases[i].truth, got ? "yes" : "no",
                  cases[i].want ? "yes" : "no");
    }
}

Test(level4, right_answers_score_every_question)
{
    cap_run r;
    run_cli(&r, classic_answers, (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_status(&r, 0, "a quiz that runs to the end");
    expect_out_has(&r, "Score: 9 of 9 within a factor of two.", "every answer is within 2x");
    expect_out_has(&r, "Yes: 1200 is within a factor of two of the estimate.",
                   "1,200 for 1,157 reads/s passes");
    run_free(&r);
}

Test(level4, an_answer_more_than_twice_off_is_marked_wrong)
{
    cap_run r;
    run_cli(&r, "3000\n", (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_out_has(&r,
                   "No: 3000 is 2.6 times the estimate; anything from about 579 QPS to "
                   "about 2,310 QPS passes.",
                   "3,000 is 2.6 times 1,157, outside 579..2,315");
    expect_out_has(&r, "Score: 0 of 1", "the wrong answer does not count");
    run_free(&r);
    run_cli(&r, "500\n", (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_out_has(&r, "No: 500 is 1/2.3 of the estimate", "500 is 1/2.3 of 1,157");
    run_free(&r);
}

Test(level4, the_worked_answer_follows_each_question)
{
    cap_run r;
    run_cli(&r, "1200\n", (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_out_has(&r,
                   "  read QPS, average: about 1,160 QPS\n"
                   "      = DAU × reads per user / 86,400 s\n"
                   "      = 10,000,000 × 10 / 86,400\n",
                   "after an answer, the steps that give the estimate");
    run_free(&r);
}

Test(level4, an_unreadable_answer_is_explained_and_the_question_asked_again)
{
    cap_run r;
    run_cli(&r, "about a thousand\n1.2k\n",
            (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_out_has(&r, "Could not read \"about a thousand\" as an answer: not a number",
                   "words are not an answer");
    expect_out_has(&r, "Yes: 1.2k is within a factor of two", "the retry is judged");
    expect_out_has(&r, "Score: 1 of 1", "the unreadable line did not count as a question");
    run_free(&r);
}

Test(level4, size_answers_need_a_unit_and_may_be_binary)
{
    /* Q4 is bandwidth (1.16 MB/s), Q5 a day's storage (10 GB): 9.3GiB is 9.99e9 bytes. */
    cap_run r;
    run_cli(&r, "1200\n100\n3000\n1.2\n1.2MB/s\n9.3GiB\n",
            (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_out_has(&r, "Could not read \"1.2\" as an answer: a size needs its unit",
                   "1.2 of what? bytes and megabytes differ a millionfold");
    expect_out_has(&r, "Yes: 1.2MB/s is within a factor of two", "a bandwidth may end in /s");
    expect_out_has(&r, "Yes: 9.3GiB is within a factor of two", "9.3 GiB is 10 GB");
    run_free(&r);
}

Test(level4, units_binary_shows_the_worked_answers_in_kib)
{
    /* Q5: 10M writes x 1 KB = 1e10 bytes, which is 9.31 GiB. */
    cap_run r;
    run_cli(&r, "1200\n100\n3000\n1MB/s\n10GB\n",
            (const char *[]){ "quiz", "--scenario", "classic", "--units", "binary", NULL });
    expect_status(&r, 0, "--units is a quiz flag");
    expect_out_has(&r, "storage per day, one copy: about 9.31 GiB",
                   "--units binary makes the worked answers binary");
    expect_out_has(&r, "Yes: 10GB is within a factor of two", "10 GB is still right");
    run_free(&r);
}

Test(level4, an_empty_line_skips_and_q_stops)
{
    cap_run r;
    run_cli(&r, "\n100\nq\n1000\n", (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_status(&r, 0, "stopping early is not an error");
    expect_out_has(&r, "Skipped.", "an empty line skips the question");
    expect_out_has(&r, "Stopped after 2 of 9 questions.", "q stops before question 3");
    expect_out_has(&r, "Score: 1 of 2", "the skip counts as asked, not right");
    run_free(&r);
}

Test(level4, the_end_of_the_input_ends_the_quiz_cleanly)
{
    cap_run r;
    run_cli(&r, "1200\n", (const char *[]){ "quiz", "--scenario", "classic", NULL });
    expect_status(&r, 0, "running out of answers is not an error");
    expect_out_has(&r, "Stopped after 1 of 9 questions.", "one answer, then the input ended");
    run_free(&r);
}

Test(level4, the_same_seed_asks_the_same_quiz)
{
    cap_run a, b;
    run_cli(&a, "1000\n", (const char *[]){ "quiz", "--seed", "1234", NULL });
    run_cli(&b, "1000\n", (const char *[]){ "quiz", "--seed", "1234", NULL });
    cr_assert(strcmp(a.out, b.out) == 0,
              "two runs of `capacity quiz --seed 1234` differ: the seed must fix the scenario; "
              "first:\n%s\nsecond:\n%s",
              a.out, b.out);
    expect_out_has(&a, "capacity quiz --seed 1234", "the quiz says how to repeat it");
    run_free(&a);
    run_free(&b);
}

Test(level4, seeds_reach_every_scenario)
{
    size_t seen[64] = { 0 };
    cr_assert(scn_count() <= 64, "%zu scenarios: this test counts at most 64", scn_count());
    for (uint64_t seed = 0; seed < 500; seed++) {
        size_t i = quiz_pick(seed);
        cr_assert(i < scn_count(), "quiz_pick(%llu) gave %zu, but there are %zu scenarios",
                  (unsigned long long)seed, i, scn_count());
        seen[i]++;
    }
    for (size_t i = 0; i < scn_count(); i++)
        cr_expect(seen[i] > 0,
                  "no seed from 0 to 499 picks the scenario %s: the choice must "
                  "reach them all",
                  scn_at(i)->name);
}

Test(level4, the_seed_picks_the_scenario_quiz_pick_names)
{
    cap_run r;
    run_cli(&r, "", (const char *[]){ "quiz", "--seed", "42", NULL });
    char want[128];
    snprintf(want, sizeof want, "Capacity quiz: %s,", scn_at(quiz_pick(42))->name);
    expect_out_has(&r, want, "`--seed 42` asks about the scenario quiz_pick(42) names");
    run_free(&r);
}

Test(level4, a_bad_seed_or_scenario_exits_2)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "quiz", "--seed", "-1", NULL });
    expect_usage_error(&r, "--seed", "whole number", "a seed is a whole number");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "quiz", "--scenario", "bitly", NULL });
    expect_usage_error(&r, "--scenario", "not a scenario", "bitly is no scenario");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "quiz", "--dau", "10M", NULL });
    expect_usage_error(&r, "--dau", NULL, "the quiz's inputs come from its scenario");
    run_free(&r);
}
