/*
 * Level 3, the command line: defaults, every option in its short and long
 * forms, units, and bad input refused with a message that names the option,
 * leaving the settings as they were. Run alone with `make loadtest-test LEVEL=3`.
 */
#include <string.h>

#include "lt_test.h"

WB_LEVEL(3);

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(level3, the_defaults_are_those_of_redis_benchmark)
{
    opt_config cfg = parse_ok((const char *const[]){ NULL }, "no options at all");
    cr_assert(strcmp(cfg.host, "127.0.0.1") == 0 && cfg.port == 6379 && cfg.connections == 50 &&
                  cfg.pipeline == 1 && cfg.value_size == 3 && cfg.keys == 100000,
              "defaults: %s:%d, %d connections, pipeline %d, %zu-byte values, %llu keys; expected "
              "127.0.0.1:6379, 50, 1, 3 and 100000, as redis-benchmark -r 100000",
              cfg.host, cfg.port, cfg.connections, cfg.pipeline, cfg.value_size,
              (unsigned long long)cfg.keys);
    cr_assert(cfg.duration == 10 * WB_SEC && cfg.requests == 0 && cfg.get_weight == 80 &&
                  cfg.set_weight == 20 && cfg.threads == 1 && cfg.seed == 1 &&
                  cfg.timeout == 5 * WB_SEC && cfg.histogram,
              "defaults: %lld ns, %llu requests, %u:%u, %d threads, seed %llu, timeout %lld ns, "
              "histogram %d; expected a 10 s run, 80:20, 1 thread, seed 1, 5 s, histogram on",
              (long long)cfg.duration, (unsigned long long)cfg.requests, cfg.get_weight,
              cfg.set_weight, cfg.threads, (unsigned long long)cfg.seed, (long long)cfg.timeout,
              cfg.histogram);
}

Test(level3, every_option_is_applied)
{
    opt_config cfg = parse_ok(ARGS("-h", "::1", "-p", "7000", "-c", "8", "--threads", "2", "-n",
                                   "500", "--ratio", "9:1", "-r", "77", "-s", "128", "-P", "16",
                                   "--seed", "42", "--timeout", "2", "--no-histogram"),
                              "every option once");
    cr_assert(strcmp(cfg.host, "::1") == 0 && cfg.port == 7000 && cfg.connections == 8 &&
                  cfg.threads == 2 && cfg.requests == 500 && cfg.duration == 0 &&
                  cfg.get_weight == 9 && cfg.set_weight == 1 && cfg.keys == 77 &&
                  cfg.value_size == 128 && cfg.pipeline == 16 && cfg.seed == 42 &&
                  cfg.timeout == 2 * WB_SEC && !cfg.histogram,
              "got %s:%d, %d connections, %d threads, %llu requests (duration %lld), %u:%u, "
              "%llu keys, %zu bytes, pipeline %d, seed %llu, timeout %lld, histogram %d; expected "
              "each option's value",
              cfg.host, cfg.port, cfg.connections, cfg.threads, (unsigned long long)cfg.requests,
              (long long)cfg.duration, cfg.get_weight, cfg.set_weight, (unsigned long long)cfg.keys,
              cfg.value_size, cfg.pipeline, (unsigned long long)cfg.seed, (long long)cfg.timeout,
              cfg.histogram);
}

Test(level3, short_long_and_glued_forms_mean_the_same)
{
    const char *const *forms[] = { ARGS("-c", "12"), ARGS("-c12"), ARGS("--connections", "12"),
                                   ARGS("--connections=12") };
    for (int i = 0; i < 4; i++) {
        opt_config cfg = parse_ok(forms[i], "one of four ways to ask for 12 connections");
        cr_assert(cfg.connections == 12, "`%s` gave %d connections, expected 12",
                  command_line(forms[i]), cfg.connections);
    }
}

Test(level3, counts_take_k_M_and_G)
{
    opt_config cfg = parse_ok(ARGS("-n", "2M", "-r", "100k", "--seed", "3G"), "suffixed counts");
    cr_assert(cfg.requests == 2000000 && cfg.keys == 100000 && cfg.seed == 3000000000u,
              "-n 2M -r 100k --seed 3G gave %llu requests, %llu keys, seed %llu; expected "
              "2,000,000, 100,000 and 3,000,000,000",
              (unsigned long long)cfg.requests, (unsigned long long)cfg.keys,
              (unsigned long long)cfg.seed);
}

Test(level3, times_take_units)
{
    const char *texts[] = { "10", "1.5", "500ms", "2m", "1h", "3s", ".25" };
    const int64_t want[] = { 10 * WB_SEC,   1500 * WB_MSEC, 500 * WB_MSEC, 120 * WB_SEC,
                             3600 * WB_SEC, 3 * WB_SEC,     250 * WB_MSEC };
    for (int i = 0; i < 7; i++) {
        opt_config cfg = parse_ok(ARGS("-d", texts[i]), "a duration");
        cr_assert(cfg.duration == want[i], "-d %s gave %lld ns, expected %lld", texts[i],
                  (long long)cfg.duration, (long long)want[i]);
    }
}

Test(level3, requests_replace_the_default_duration)
{
    opt_config cfg = parse_ok(ARGS("-n", "1000"), "a request count");
    cr_assert(cfg.requests == 1000 && cfg.duration == 0,
              "-n 1000 gave %llu requests and a duration of %lld ns; expected 1000 and 0: a "
              "request count ends the run instead of the default 10 s",
              (unsigned long long)cfg.requests, (long long)cfg.duration);
}

Test(level3, a_later_option_wins)
{
    opt_config cfg = parse_ok(ARGS("-p", "7000", "-P", "4", "-p", "7001"), "-p given twice");
    cr_assert(cfg.port == 7001 && cfg.pipeline == 4,
              "-p 7000 -P 4 -p 7001 gave port %d, pipeline %d; expected 7001 (the later -p wins) "
              "and 4 (-P is the pipeline, not the port)",
              cfg.port, cfg.pipeline);
}

Test(level3, the_mix_takes_a_colon_or_a_slash)
{
    const char *texts[] = { "90:10", "9/1", "1:0", "0:1" };
    const uint32_t gets[] = { 90, 9, 1, 0 }, sets[] = { 10, 1, 0, 1 };
    for (int i = 0; i < 4; i++) {
        opt_config cfg = parse_ok(ARGS("--ratio", texts[i]), "a GET:SET mix");
        cr_assert(cfg.get_weight == gets[i] && cfg.set_weight == sets[i],
                  "--ratio %s gave %u:%u, expected %u:%u", texts[i], cfg.get_weight, cfg.set_weight,
                  gets[i], sets[i]);
    }
}

Test(level3, help_is_asked_for_and_changes_nothing)
{
    opt_config before, cfg;
    char why[256];
    opt_defaults(&before);
    opt_status s = parse_args(ARGS("-c", "5", "--help"), &cfg, why, sizeof why);
    cr_assert(s == OPT_HELP, "`loadtest -c 5 --help` returned status %d, expected OPT_HELP (%d)",
              (int)s, (int)OPT_HELP);
    cr_assert(same_config(&before, &cfg),
              "`loadtest -c 5 --help` changed the settings (%d connections); asking for help "
              "must leave them as they were",
              cfg.connections);
    const char *usage = opt_usage();
    const char *names[] = { "--host",         "--port",     "--connections", "--threads",
                            "--duration",     "--requests", "--ratio",       "--keys",
                            "--value-size",   "--pipeline", "--seed",        "--timeout",
                            "--no-histogram", "--help" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        expect_contains(usage, names[i], "the --help text", "it lists every option");
}

Test(level3, an_unknown_option_is_refused)
{
    expect_refused(ARGS("--conections", "5"), "--conections", "unknown",
                   "a misspelt option must not be ignored");
    expect_refused(ARGS("-x"), "-x", "unknown", "an unknown short option");
}

Test(level3, an_option_without_its_value_is_refused)
{
    expect_refused(ARGS("-c"), "--connections", "needs a value", "-c at the end of the line");
    expect_refused(ARGS("--port"), "--port", "needs a value", "--port at the end of the line");
}

Test(level3, numbers_out_of_range_are_refused)
{
    expect_refused(ARGS("-c", "0"), "--connections", "from 1 to 10000", "no connections");
    expect_refused(ARGS("-c", "10001"), "--connections", "10001", "too many connections");
    expect_refused(ARGS("-p", "70000"), "--port", "from 1 to 65535", "a port past 65535");
    expect_refused(ARGS("-P", "0"), "--pipeline", "from 1 to 1000", "a pipeline of 0");
    expect_refused(ARGS("-n", "0"), "--requests", "0", "zero requests");
    expect_refused(ARGS("-r", "0"), "--keys", "from 1", "an empty key space");
    expect_refused(ARGS("-s", "1G"), "--value-size", "1G", "a value larger than 64 MiB");
    expect_refused(ARGS("--threads", "65"), "--threads", "from 1 to 64", "too many threads");
}

Test(level3, words_where_numbers_belong_are_refused)
{
    expect_refused(ARGS("-c", "abc"), "--connections", "'abc'", "letters for a count");
    expect_refused(ARGS("-c", "-5"), "--connections", "'-5'", "a negative count");
    expect_refused(ARGS("-n", "10x"), "--requests", "'10x'", "an unknown suffix");
    expect_refused(ARGS("--seed", ""), "--seed", "''", "an empty value");
}

Test(level3, bad_times_are_refused)
{
    expect_refused(ARGS("-d", "0"), "--duration", "from 1ms", "a run of no time");
    expect_refused(ARGS("-d", "5x"), "--duration", "'5x'", "an unknown unit");
    expect_refused(ARGS("-d", "nan"), "--duration", "'nan'", "not a number");
    expect_refused(ARGS("-d", "100000"), "--duration", "86400", "more than a day");
    expect_refused(ARGS("--timeout", "0"), "--timeout", "from 1ms", "a timeout of nothing");
}

Test(level3, a_bad_mix_is_refused)
{
    expect_refused(ARGS("--ratio", "0:0"), "--ratio", "not both 0", "neither GET nor SET");
    expect_refused(ARGS("--ratio", "80"), "--ratio", "'80'", "one number, no separator");
    expect_refused(ARGS("--ratio", "a:b"), "--ratio", "'a:b'", "words for weights");
    expect_refused(ARGS("--ratio", "80:"), "--ratio", "'80:'", "a missing SET weight");
}

Test(level3, duration_and_requests_together_are_refused)
{
    expect_refused(ARGS("-n", "10", "-d", "5"), "--duration", "one of them",
                   "two ways to end the run at once");
}

Test(level3, more_threads_than_connections_are_refused)
{
    expect_refused(ARGS("--threads", "3", "-c", "2"), "--threads", "each thread needs",
                   "a thread with no connection would have nothing to do");
}

Test(level3, a_stray_argument_is_refused)
{
    expect_refused(ARGS("-c", "5", "6379"), "'6379'", "unexpected argument",
                   "a port without -p in front of it");
    expect_refused(ARGS("--no-histogram=1"), "--no-histogram", "takes no value",
                   "a switch given a value");
}
