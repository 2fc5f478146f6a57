/*
 * Level 5, the program and real Redis: the report as printed, the built
 * `loadtest` (LOADTEST_BIN, set by `make loadtest-test`) run as a process
 * with its exit statuses, and runs against a real redis-server (skipped,
 * saying so, where none is installed). Run alone with
 * `make loadtest-test LEVEL=5`.
 */
#include <stdlib.h>
#include <string.h>

#include "lt_test.h"
#include "redis_server.h"
#include "tiny_server.h"

WB_LEVEL(5);

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A result as a run would leave it: 1, 2, ... 1000 ms of latency, 800 GET and 200 SET. */
static lt_result made_up_result(void)
{
    lt_result r = { .gets = 800, .sets = 200, .elapsed = 4 * WB_SEC, .latency = new_hist() };
    for (uint64_t ms = 1; ms <= 1000; ms++)
        hist_record(r.latency, ms * WB_MSEC);
    return r;
}

Test(level5, the_report_gives_operations_throughput_and_percentiles)
{
    opt_config cfg;
    opt_defaults(&cfg);
    lt_result r = made_up_result();
    char *text = report_text(&cfg, &r);
    const char *why = "1000 operations in 4 s, latencies 1 .. 1000 ms";
    expect_contains(text, "operations   1,000 in 4.00 s (GET 800, SET 200)", "the report", why);
    expect_contains(text, "errors       0", "the report", why);
    expect_contains(text, "throughput   250 operations/s", "the report", why);
    expect_contains(text, "p50      p90      p99    p99.9      max     mean", "the report", why);
    /* p50 500 ms, p90 900, p99 990, p99.9 999 (each within the 1% bound), max 1000, mean 500.5 */
    const char *row = line_with(text, "1000.000");
    double p[6];
    int n = sscanf(row, "%lf %lf %lf %lf %lf %lf", &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]);
    const double want[] = { 500, 900, 990, 999, 1000, 500.5 };
    cr_assert(n == 6, "no row of six latencies ending with the max 1000.000 ms in:\n%s", text);
    for (int i = 0; i < 6; i++)
        cr_assert(p[i] >= want[i] * 0.99 && p[i] <= want[i] * 1.01,
                  "column %d of the latency row %s is %.3f ms, expected %.3f within 1%%: %s", i + 1,
                  wb_q(row), p[i], want[i], why);
    free(text);
    lt_result_free(&r);
}

Test(level5, the_histogram_rows_add_up_to_every_operation)
{
    opt_config cfg;
    opt_defaults(&cfg);
    lt_result r = made_up_result();
    char *text = report_text(&cfg, &r);
    const char *at = strstr(text, "latency histogram (ms)");
    cr_assert(at != NULL, "the report has no histogram though --no-histogram was not given:\n%s",
              text);
    unsigned long long sum = 0;
    int rows = 0;
    double last_below = 0;
    /* Each row ends "| share%  below%  count"; the rows end at the first line that does not. */
    for (const char *line = strchr(at, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        char row[256];
        const char *eol = strchr(line + 1, '\n');
        snprintf(row, sizeof row, "%.*s", (int)(eol ? eol - line - 1 : (long)strlen(line + 1)),
                 line + 1);
        const char *bar_end = strrchr(row, '|');
        double share, below;
        char count[32];
        if (bar_end == NULL || sscanf(bar_end + 1, " %lf%% %lf%% %31s", &share, &below, count) != 3)
            break;
        char digits[32] = "";
        for (char *c = count; *c; c++)
            if (*c != ',')
                strncat(digits, c, 1);
        sum += strtoull(digits, NULL, 10);
        rows++;
        last_below = below;
    }
    cr_assert(rows >= 8 && rows <= REPORT_HISTOGRAM_ROWS && sum == 1000,
              "the histogram has %d rows counting %llu operations; expected 8 to %d rows counting "
              "all 1000:\n%s",
              rows, sum, REPORT_HISTOGRAM_ROWS, text);
    cr_assert(last_below == 100.0,
              "the last histogram row says %.1f%% of operations are at or below it, expected "
              "100.0%%:\n%s",
              last_below, text);
    free(text);
    lt_result_free(&r);
}

Test(level5, no_histogram_leaves_the_rows_out)
{
    opt_config cfg;
    opt_defaults(&cfg);
    cfg.histogram = 0;
    lt_result r = made_up_result();
    char *text = report_text(&cfg, &r);
    cr_assert(strstr(text, "histogram") == NULL && strstr(text, "p99.9") != NULL,
              "--no-histogram must leave out the rows and keep the percentiles; the report:\n%s",
              text);
    free(text);
    lt_result_free(&r);
}

Test(level5, the_report_breaks_errors_and_losses_down)
{
    opt_config cfg;
    opt_defaults(&cfg);
    lt_result r = made_up_result();
    r.error_replies = 3;
    r.unexpected_replies = 2;
    r.lost_requests = 1;
    r.connections_lost = 1;
    r.unsent_requests = 40;
    snprintf(r.first_error, sizeof r.first_error, "SET answered -ERR out of memory");
    snprintf(r.first_loss, sizeof r.first_loss, "connection 3: the server closed the connection");
    char *text = report_text(&cfg, &r);
    const char *why = "3 error replies, 2 unexpected, 1 request lost with 1 of 50 connections";
    expect_contains(text,
                    "errors       6: 3 error replies, 2 unexpected replies, 1 lost with a "
                    "connection",
                    "the report", why);
    expect_contains(text, "first: SET answered -ERR out of memory", "the report", why);
    expect_contains(text, "connections  1 of 50 lost; first: connection 3: the server closed",
                    "the report", why);
    expect_contains(text, "40 requests never sent", "the report", why);
    free(text);
    lt_result_free(&r);
}

Test(level5, help_prints_the_options_and_exits_0)
{
    program_run r;
    run_program(&r, ARGS("--help"));
    expect_exit(&r, 0, "--help is not an error");
    expect_contains(r.out, "--pipeline", "--help's output", "it lists the options");
    program_free(&r);
}

Test(level5, a_bad_option_exits_2_with_one_message_on_stderr)
{
    program_run r;
    run_program(&r, ARGS("-c", "0"));
    expect_exit(&r, 2, "a bad option, as the README promises");
    cr_assert(r.out[0] == '\0' && strstr(r.err, "--connections") != NULL &&
                  strstr(r.err, "--help") != NULL,
              "`%s` printed %s on stdout and %s on stderr; expected nothing on stdout, and on "
              "stderr the option at fault and where to read about it",
              r.command, wb_q(r.out), wb_q(r.err));
    program_free(&r);
}

Test(level5, a_server_that_is_not_there_exits_1_naming_it)
{
    tiny_server *gone = tiny_start(&(tiny_script){ 0 });
    char port[16];
    snprintf(port, sizeof port, "%d", tiny_port(gone));
    tiny_free(gone);
    program_run r;
    run_program(&r, ARGS("-p", port, "-n", "10"));
    expect_exit(&r, 1, "nothing listens on the port");
    expect_contains(r.err, port, "stderr", "the message names the address it tried");
    program_free(&r);
}

Test(level5, the_program_runs_and_reports_against_a_server)
{
    tiny_server *server = tiny_start(&(tiny_script){ 0 });
    char port[16];
    snprintf(port, sizeof port, "%d", tiny_port(server));
    program_run r;
    run_program(&r, ARGS("-p", port, "-n", "300", "-c", "3", "-P", "4"));
    tiny_free(server);
    expect_exit(&r, 0, "a run that went to its end");
    const char *why = "300 requests on 3 connections against a well-behaved server";
    expect_contains(r.out, "3 connections on 1 thread, pipeline 4", "stdout", why);
    expect_contains(r.out, "operations   300 in", "stdout", why);
    expect_contains(r.out, "errors       0", "stdout", why);
    expect_contains(r.out, "latency histogram (ms)", "stdout", why);
    program_free(&r);
}

Test(level5, a_lost_connection_exits_1_and_still_reports)
{
    tiny_server *server = tiny_start(&(tiny_script){ .drop_first = 1 });
    char port[16];
    snprintf(port, sizeof port, "%d", tiny_port(server));
    program_run r;
    run_program(&r, ARGS("-p", port, "-n", "100", "-c", "2"));
    tiny_free(server);
    expect_exit(&r, 1, "one of the two connections was closed by the server");
    expect_contains(r.out, "connections  1 of 2 lost", "stdout",
                    "what was measured is still reported");
    program_free(&r);
}

Test(level5, runs_against_real_redis_without_an_error)
{
    redis_server *redis = redis_start_or_skip();
    opt_config cfg = config_for(redis_port(redis), 4000, 8);
    cfg.pipeline = 8;
    cfg.threads = 2;
    lt_result r;
    run_ok(&cfg, NULL, &r, "4000 requests to redis-server");
    expect_clean_run(&r, 4000, "-n 4000 -c 8 -P 8 --threads 2 against real Redis");
    lt_result_free(&r);
    redis_stop(redis);
}

Test(level5, sets_reach_real_redis_with_the_configured_value)
{
    redis_server *redis = redis_start_or_skip();
    opt_config cfg = config_for(redis_port(redis), 20, 2);
    cfg.keys = 1;
    cfg.get_weight = 0;
    cfg.set_weight = 1;
    cfg.value_size = 100;
    lt_result r;
    run_ok(&cfg, NULL, &r, "SETs of 100 bytes to redis-server");
    expect_clean_run(&r, 20, "-r 1 --ratio 0:1 -s 100 -n 20 against real Redis");
    char want[128];
    int n = sprintf(want, "$100\r\n");
    memset(want + n, 'x', 100);
    memcpy(want + n + 100, "\r\n", 2);
    redis_expect_reply(redis, "GET key:000000000000\r\n", want, (size_t)n + 102,
                       "the one key of the key space holds the 100 bytes of 'x' the SETs sent");
    lt_result_free(&r);
    redis_stop(redis);
}

Test(level5, the_program_runs_for_its_duration_against_real_redis)
{
    redis_server *redis = redis_start_or_skip();
    char port[16];
    snprintf(port, sizeof port, "%d", redis_port(redis));
    program_run r;
    run_program(&r, ARGS("-p", port, "-d", "300ms", "-c", "4", "-P", "4", "--no-histogram"));
    redis_stop(redis);
    expect_exit(&r, 0, "a 300 ms run against redis-server");
    expect_contains(r.out, "errors       0", "stdout", "real Redis answers every GET and SET");
    expect_contains(r.out, "operations/s", "stdout", "a timed run reports its throughput");
    program_free(&r);
}
