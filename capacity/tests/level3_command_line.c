/*
 * Level 3, the command line: flags with units, the step-by-step report,
 * --json, scenarios, the latency table, and bad input (status 2, a message
 * naming the flag, nothing on stdout). The command runs in this process
 * through cli_main. Run alone with `make capacity-test LEVEL=3`.
 */
#include <math.h>
#include <string.h>

#include "cap_test.h"
#include "src/scenario.h"

WB_LEVEL(3);

/* The classic example, written as flags. */
#define CLASSIC_FLAGS                                                                              \
    "--dau", "10M", "--reads-per-user", "10", "--writes-per-user", "1", "--payload", "1KB",        \
        "--peak", "3", "--cache-hit", "0.8", "--query-ms", "5"

Test(level3, the_classic_flags_give_the_classic_figures)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, NULL });
    expect_status(&r, 0, "valid flags");
    const char *why = "10M DAU, 10 reads and 1 write a day, 1 KB, 80% hits, 5 ms";
    expect_out_has(&r, "read QPS, average: about 1,160 QPS", why);
    expect_out_has(&r, "write QPS, average: about 116 QPS", why);
    expect_out_has(&r, "read QPS, peak: about 3,470 QPS", why);
    expect_out_has(&r, "bandwidth out, average: about 1.16 MB/s", why);
    expect_out_has(&r, "storage per day, one copy: about 10 GB", why);
    expect_out_has(&r, "storage per year, one copy: about 3.65 TB", why);
    expect_out_has(&r, "storage per year, every copy: about 11 TB", why);
    expect_out_has(&r, "cache memory for the hot set: about 20 GB", why);
    expect_out_has(&r, "database reads after the cache, average: about 231 QPS", why);
    expect_out_has(&r, "database servers for the reads, average: 2 servers", why);
    run_free(&r);
}

Test(level3, each_figure_shows_its_formula_the_numbers_and_the_exact_result)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, NULL });
    const char *why = "every step is shown, so it can be checked by hand";
    expect_out_has(&r,
                   "  read QPS, average: about 1,160 QPS\n"
                   "      = DAU × reads per user / 86,400 s\n"
                   "      = 10,000,000 × 10 / 86,400\n"
                   "      = 1,157.41 per second\n",
                   why);
    expect_out_has(&r, "      = 3.65 TB × 1 year × 3 copies\n      = 10.95 TB\n", why);
    run_free(&r);
}

Test(level3, the_report_says_decimal_units_for_kb)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", "1KB", NULL });
    expect_out_has(&r, "Units: decimal (1 KB = 1,000 bytes), as in --payload 1KB.",
                   "the report says which units it uses, and why");
    expect_out_has(&r, "about 10 GB", "decimal sizes");
    run_free(&r);
}

Test(level3, the_report_says_binary_units_for_kib)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", "1KiB", NULL });
    expect_status(&r, 0, "1KiB is a valid payload");
    expect_out_has(&r, "Units: binary (1 KiB = 1,024 bytes), as in --payload 1KiB.",
                   "a payload in KiB makes the report binary");
    /* By hand: 10M writes x 1,024 B = 1.024e10 B = 9.54 GiB. */
    expect_out_has(&r, "storage per day, one copy: about 9.54 GiB",
                   "10M writes of 1,024 bytes are 9.54 GiB");
    expect_out_lacks(&r, " GB\n", "no decimal sizes in a binary report");
    run_free(&r);
}

Test(level3, units_flag_overrides_the_payloads_units)
{
    cap_run r;
    run_cli(&r, NULL,
            (const char *[]){ "--dau", "10M", "--payload", "1KB", "--units", "binary", NULL });
    expect_out_has(&r, "Units: binary (1 KiB = 1,024 bytes), as --units asked.",
                   "--units binary wins over the payload's KB");
    expect_out_has(&r, "storage per day, one copy: about 9.31 GiB", "1e10 bytes are 9.31 GiB");
    run_free(&r);
}

Test(level3, sig_figs_two_says_the_peak_as_3500)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, "--sig-figs", "2", NULL });
    expect_out_has(&r, "read QPS, peak: about 3,500 QPS", "3,472 with 2 significant figures");
    expect_out_has(&r, "read QPS, average: about 1,200 QPS", "1,157 with 2 significant figures");
    run_free(&r);
}

Test(level3, inputs_are_listed_with_where_each_came_from)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--cache-hit", "90%", NULL });
    expect_out_has(&r, "--dau 10M", "a flag's input shows the flag as typed");
    expect_out_has(&r, "cache hit ratio                  90%", "--cache-hit 90% is listed as 90%");
    expect_out_has(&r, "default", "inputs not given say they are defaults");
    run_free(&r);
}

Test(level3, flags_take_the_equals_form_and_the_last_one_wins)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau=1M", "--dau", "10M", "--peak=2", NULL });
    expect_status(&r, 0, "--name=value is a valid form");
    expect_out_has(&r, "read QPS, average: about 1,160 QPS", "the second --dau (10M) wins");
    expect_out_has(&r, "read QPS, peak: about 2,310 QPS", "--peak=2 was read: 1,157 x 2");
    run_free(&r);
}

Test(level3, a_peak_write_load_beyond_one_server_is_pointed_out)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, NULL });
    expect_out_has(&r,
                   "Warning: writes at the peak (347 a second) are more than one server "
                   "handles (200)",
                   "347 writes/s at the peak cannot all go to one 200 QPS primary");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, "--db-qps", "1000", NULL });
    expect_out_lacks(&r, "Warning", "a 1,000 QPS server takes 347 writes/s");
    run_free(&r);
}

/* ---- JSON ------------------------------------------------------------------- */

Test(level3, json_output_is_valid_json)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, "--json", NULL });
    expect_status(&r, 0, "--json is a valid flag");
    const char *problem = json_problem(r.out);
    cr_assert(problem == NULL, "`%s` printed invalid JSON (%s):\n%s", r.command, problem, r.out);
    run_free(&r);
}

Test(level3, json_carries_every_figures_exact_value)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ CLASSIC_FLAGS, "--json", NULL });
    est_inputs in = inputs_with_dau(10e6);
    est_result want = compute(&in, NUM_DECIMAL);
    for (int id = 0; id < EST_FIGURE_COUNT; id++) {
        const est_figure *f = &want.figures[id];
        double got = json_figure_value(r.out, f->key);
        cr_expect(!isnan(got) && fabs(got - f->value) <= 1e-12 * fabs(f->value),
                  "the JSON's figures.%s.value is %.17g, expected %.17g (all the digits, so "
                  "scripts can compute with it)",
                  f->key, got, f->value);
    }
    expect_out_has(&r, "\"spoken\": \"about 1,160 QPS\"", "the spoken form is there too");
    expect_out_has(&r, "\"units\": \"decimal\"", "the JSON says which units");
    expect_out_has(&r, "\"dau\": 10000000", "the inputs are there, in base units");
    run_free(&r);
}

/* ---- scenarios ---------------------------------------------------------------- */

Test(level3, a_scenario_loads_its_inputs)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "scenario", "url-shortener", NULL });
    expect_status(&r, 0, "url-shortener is a scenario");
    expect_out_has(&r, "Capacity estimate for url-shortener", "the report names the scenario");
    expect_out_has(&r, "--dau 10M (scenario)", "inputs say they came from the scenario");
    expect_out_has(&r, "What to notice:", "a scenario ends with its lesson");
    run_free(&r);
}

Test(level3, flags_after_a_scenario_override_it)
{
    cap_run base, more;
    run_cli(&base, NULL, (const char *[]){ "scenario", "url-shortener", "--json", NULL });
    run_cli(&more, NULL,
            (const char *[]){ "scenario", "url-shortener", "--dau", "20M", "--json", NULL });
    expect_status(&more, 0, "a scenario takes flags");
    double one = json_figure_value(base.out, "read_qps");
    double two = json_figure_value(more.out, "read_qps");
    cr_assert(close_to(two, 2 * one),
              "read_qps was %.10g for the scenario and %.10g with --dau 20M; expected twice "
              "as much: the flag after the scenario must win over its 10M",
              one, two);
    run_free(&base);
    run_free(&more);
}

Test(level3, every_scenario_gives_a_complete_estimate)
{
    for (size_t i = 0; i < scn_count(); i++) {
        cap_run r;
        const char *name = scn_at(i)->name;
        run_cli(&r, NULL, (const char *[]){ "scenario", name, "--json", NULL });
        cr_expect(r.status == 0, "`%s` exited %d: %s", r.command, r.status, wb_q(r.err));
        const char *problem = json_problem(r.out);
        cr_expect(problem == NULL, "`%s` printed invalid JSON: %s", r.command, problem);
        cr_expect(!isnan(json_figure_value(r.out, "peak_db_servers")),
                  "`%s` printed no peak_db_servers figure", r.command);
        run_free(&r);
    }
}

Test(level3, scenario_without_a_name_lists_them_all)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "scenario", NULL });
    expect_status(&r, 0, "listing is not an error");
    for (size_t i = 0; i < scn_count(); i++)
        expect_out_has(&r, scn_at(i)->name, "every scenario is listed");
    run_free(&r);
}

Test(level3, an_unknown_scenario_exits_2_and_lists_the_real_ones)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "scenario", "tinyurl", NULL });
    expect_usage_error(&r, "tinyurl", "url-shortener", "a wrong name gets the list of right ones");
    run_free(&r);
}

/* ---- latency and help --------------------------------------------------------- */

Test(level3, latency_prints_the_table_with_its_years)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "latency", NULL });
    expect_status(&r, 0, "latency takes no input");
    expect_out_has(&r, "~2012", "the classic column says its year");
    expect_out_has(&r, "2020s", "the current column says its decade");
    expect_out_has(&r, "main memory reference", "the row everyone remembers");
    expect_out_has(&r, "150 ms", "California to the Netherlands and back");
    run_free(&r);
}

Test(level3, latency_json_is_valid_json)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "latency", "--json", NULL });
    const char *problem = json_problem(r.out);
    cr_assert(problem == NULL, "`%s` printed invalid JSON (%s)", r.command, problem);
    expect_out_has(&r, "\"classic_ns\": 100", "main memory, 100 ns");
    run_free(&r);
}

Test(level3, help_lists_every_flag)
{
    static const char *const flags[] = {
        "--dau",       "--reads-per-user", "--writes-per-user", "--payload",        "--peak",
        "--cache-hit", "--hot-set",        "--query-ms",        "--db-concurrency", "--db-qps",
        "--years",     "--replication",    "--units",           "--sig-figs",       "--json",
        "--seed",      "--scenario",
    };
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--help", NULL });
    expect_status(&r, 0, "help is not an error");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        expect_out_has(&r, flags[i], "--help lists every flag");
    run_free(&r);
}

/* ---- bad input ------------------------------------------------------------------ */

Test(level3, a_negative_number_exits_2_naming_the_flag)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--reads-per-user", "-5", NULL });
    expect_usage_error(&r, "--reads-per-user", "negative", "a count of reads cannot be negative");
    run_free(&r);
}

Test(level3, an_unknown_unit_exits_2_quoting_it)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", "1XB", NULL });
    expect_usage_error(&r, "--payload", "\"XB\"", "XB is not a unit; the message quotes it");
    run_free(&r);
}

Test(level3, a_hit_ratio_above_one_exits_2)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--cache-hit", "1.2", NULL });
    expect_usage_error(&r, "--cache-hit", "between 0 and 1",
                       "a cache cannot answer 120% of the reads");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--cache-hit", "120%", NULL });
    expect_usage_error(&r, "--cache-hit", "between 0 and 1", "120% is 1.2");
    run_free(&r);
}

Test(level3, bits_are_refused_where_bytes_are_meant)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", "1Kb", NULL });
    expect_usage_error(&r, "--payload", "bits", "1Kb is a kilobit: 8x less than 1KB");
    run_free(&r);
}

Test(level3, out_of_range_values_exit_2_with_the_range)
{
    static const struct {
        const char *flag, *value, *problem;
    } cases[] = {
        { "--dau", "0", "above 0" },
        { "--peak", "0.5", "at least 1" },
        { "--replication", "0", "at least 1" },
        { "--query-ms", "0", "above 0" },
        { "--db-qps", "0", "above 0" },
        { "--hot-set", "2", "between 0 and 1" },
        { "--years", "0", "above 0" },
        { "--db-concurrency", "0", "at least 1" },
        { "--sig-figs", "9", "1 to 6" },
        { "--units", "metric", "decimal" },
        { "--dau", "ten", "not a number" },
        { "--dau", "1,5", "commas" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_run r;
        const char *args[] = { "--dau", "10M", cases[i].flag, cases[i].value, NULL };
        run_cli(&r, NULL, args);
        expect_usage_error(&r, cases[i].flag, cases[i].problem, "the range is in the message");
        run_free(&r);
    }
}

Test(level3, a_flag_without_its_value_exits_2)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--payload", NULL });
    expect_usage_error(&r, "--payload", "needs a value", "--payload came last, with nothing");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "--dau", "--json", NULL });
    expect_usage_error(&r, "--dau", "needs a value", "--json is the next flag, not a number");
    run_free(&r);
}

Test(level3, an_unknown_flag_exits_2_naming_it)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--daus", "5", NULL });
    expect_usage_error(&r, "--daus", "unknown flag", "a typo is named, not ignored");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "--dau", "10M", "--seed", "5", NULL });
    expect_usage_error(&r, "--seed", NULL, "--seed belongs to the quiz, not to an estimate");
    run_free(&r);
}

Test(level3, an_estimate_without_dau_exits_2)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ "--reads-per-user", "10", NULL });
    expect_usage_error(&r, "--dau", "required", "everything scales with the users");
    run_free(&r);
}

Test(level3, no_arguments_or_an_unknown_command_exit_2)
{
    cap_run r;
    run_cli(&r, NULL, (const char *[]){ NULL });
    expect_usage_error(&r, NULL, "capacity --dau", "with nothing to do, say what it can do");
    run_free(&r);
    run_cli(&r, NULL, (const char *[]){ "estimat", NULL });
    expect_usage_error(&r, "estimat", "unknown command", "a misspelt command is named");
    run_free(&r);
}
