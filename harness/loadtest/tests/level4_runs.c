/*
 * Level 4, runs: lt_run against the tiny test server (tiny_server.h) on an
 * ephemeral port: every request answered and counted, the mix, the keys and
 * the values it sends, pipelining, latencies and durations on a manual
 * clock, and a server that misbehaves in each way a learner's might. Run
 * alone with `make loadtest-test LEVEL=4`.
 */
#include <stdlib.h>
#include <string.h>

#include "lt_test.h"
#include "tiny_server.h"

WB_LEVEL(4);

/* Runs cfg against a server following `script`; the server is stopped, to be inspected. */
static tiny_server *run_against(const tiny_script *script, opt_config *cfg, const wb_clock *clock,
                                lt_result *result, const char *why)
{
    tiny_server *server = tiny_start(script);
    cfg->port = tiny_port(server);
    run_ok(cfg, clock, result, why);
    tiny_stop(server);
    return server;
}

Test(level4, answers_every_request_it_was_asked_to_send)
{
    opt_config cfg = config_for(0, 61, 4);
    cfg.threads = 3;
    lt_result r;
    tiny_server *server =
        run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-n 61 -c 4 --threads 3");
    expect_clean_run(&r, 61, "61 requests shared by 3 threads as 21 + 20 + 20");
    cr_assert(tiny_command_count(server) == 61,
              "the server received %zu commands, expected the 61 asked for",
              tiny_command_count(server));
    cr_assert(tiny_protocol_error(server)[0] == '\0',
              "the server could not parse a request: %s; requests must be RESP multibulk",
              tiny_protocol_error(server));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, every_connection_sends_requests)
{
    opt_config cfg = config_for(0, 100, 5);
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-n 100 -c 5");
    int per[5] = { 0 };
    for (size_t i = 0; i < tiny_command_count(server); i++)
        per[tiny_command_at(server, i)->connection]++;
    cr_assert(tiny_connections(server) == 5 && per[0] > 0 && per[1] > 0 && per[2] > 0 &&
                  per[3] > 0 && per[4] > 0 && per[0] + per[1] + per[2] + per[3] + per[4] == 100,
              "-n 100 -c 5: the server saw %d connections sending %d, %d, %d, %d, %d requests; "
              "expected 5 connections sending 100 in all, each some of them",
              tiny_connections(server), per[0], per[1], per[2], per[3], per[4]);
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, threads_share_the_connections)
{
    opt_config cfg = config_for(0, 60, 6);
    cfg.threads = 3;
    lt_result r;
    tiny_server *server =
        run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-n 60 -c 6 --threads 3");
    expect_clean_run(&r, 60, "60 requests over 6 connections on 3 threads");
    cr_assert(tiny_connections(server) == 6,
              "the server saw %d connections, expected 6 shared by the 3 threads",
              tiny_connections(server));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, mixes_gets_and_sets_as_the_ratio_says)
{
    opt_config cfg = config_for(0, 2000, 2);
    cfg.pipeline = 16;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "the default 80:20 mix");
    size_t gets = tiny_count_named(server, "GET"), sets = tiny_count_named(server, "SET");
    cr_assert(gets == r.gets && sets == r.sets,
              "the server received %zu GET and %zu SET, the result counts %llu and %llu: each "
              "reply must be counted under the command it answers",
              gets, sets, (unsigned long long)r.gets, (unsigned long long)r.sets);
    cr_assert(gets + sets == 2000 && gets >= 1500 && gets <= 1700,
              "%zu of 2000 requests were GET, expected about 1600 (80%%, seed 1)", gets);
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_mix_of_one_to_zero_sends_only_gets)
{
    opt_config cfg = config_for(0, 100, 1);
    cfg.get_weight = 1;
    cfg.set_weight = 0;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "--ratio 1:0");
    cr_assert(tiny_count_named(server, "GET") == 100 && r.gets == 100 && r.sets == 0,
              "--ratio 1:0 -n 100: the server received %zu GET of 100 commands, the result counts "
              "%llu GET and %llu SET; expected GETs only",
              tiny_count_named(server, "GET"), (unsigned long long)r.gets,
              (unsigned long long)r.sets);
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, keys_stay_inside_the_key_space)
{
    opt_config cfg = config_for(0, 300, 2);
    cfg.keys = 10;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-r 10");
    int seen[10] = { 0 };
    for (size_t i = 0; i < tiny_command_count(server); i++) {
        const char *key = tiny_command_at(server, i)->key;
        int ok = strlen(key) == LT_KEY_LEN && strncmp(key, "key:00000000000", 15) == 0;
        cr_assert(ok,
                  "with -r 10 the server received the key %s, expected key:000000000000 .. "
                  "key:000000000009",
                  wb_q(key));
        seen[key[15] - '0'] = 1;
    }
    for (int k = 0; k < 10; k++)
        cr_assert(seen[k],
                  "in 300 requests with -r 10, key number %d was never used: keys "
                  "must be drawn from the whole key space",
                  k);
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, sets_carry_values_of_the_configured_size)
{
    opt_config cfg = config_for(0, 50, 1);
    cfg.get_weight = 0;
    cfg.set_weight = 1;
    cfg.value_size = 100;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-s 100 --ratio 0:1");
    for (size_t i = 0; i < tiny_command_count(server); i++) {
        const tiny_command *c = tiny_command_at(server, i);
        cr_assert(strcmp(c->name, "SET") == 0 && c->value_len == 100 && c->value_is_x,
                  "command %zu was %s with a %zu-byte value (all 'x': %d); expected SET with 100 "
                  "bytes of 'x', as -s 100 asks",
                  i, c->name, c->value_len, c->value_is_x);
    }
    lt_result_free(&r);
    tiny_free(server);
}

/* The keys one connection sends with this seed, joined in one string (heap). */
static char *keys_sent(uint64_t seed)
{
    opt_config cfg = config_for(0, 40, 1);
    cfg.seed = seed;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "a seeded run");
    char *keys = calloc(40, 20);
    cr_assert(keys != NULL, "the test ran out of memory");
    for (size_t i = 0; i < tiny_command_count(server); i++) {
        strcat(keys, tiny_command_at(server, i)->name);
        strcat(keys, tiny_command_at(server, i)->key + 10);
    }
    lt_result_free(&r);
    tiny_free(server);
    return keys;
}

Test(level4, the_same_seed_sends_the_same_requests)
{
    char *a = keys_sent(7), *b = keys_sent(7), *c = keys_sent(8);
    cr_assert(strcmp(a, b) == 0,
              "two runs with --seed 7 sent different requests:\n%s\n%s\nthe "
              "seed alone must choose the keys and commands",
              a, b);
    cr_assert(strcmp(a, c) != 0,
              "--seed 7 and --seed 8 sent the same requests (%s): the seed "
              "must change the choice",
              a);
    free(a);
    free(b);
    free(c);
}

Test(level4, a_pipeline_keeps_that_many_requests_in_flight)
{
    /* The server answers only once 8 requests wait: a tester that sends fewer hangs. */
    opt_config cfg = config_for(0, 64, 1);
    cfg.pipeline = 8;
    cfg.timeout = 3 * WB_SEC;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .hold = 8 }, &cfg, NULL, &r, "-P 8");
    expect_clean_run(&r, 64, "-P 8 against a server that answers 8 requests at a time");
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_batch_is_answered_before_the_next_is_sent)
{
    opt_config cfg = config_for(0, 400, 1);
    cfg.pipeline = 4;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ 0 }, &cfg, NULL, &r, "-P 4");
    cr_assert(tiny_max_waiting(server) <= 4,
              "with -P 4 the server once had %d requests waiting on one connection, expected at "
              "most 4: a connection writes its next batch only when the last one is answered",
              tiny_max_waiting(server));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, latency_is_the_time_from_request_to_reply)
{
    wb_manual_clock mc;
    wb_manual_clock_init(&mc, 1000 * WB_SEC);
    opt_config cfg = config_for(0, 20, 1);
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .clock = &mc, .delay = 3 * WB_MSEC }, &cfg,
                                      &mc.clock, &r, "a server that takes 3 ms");
    uint64_t want = 3 * WB_MSEC;
    cr_assert(
        hist_count(r.latency) == 20 && hist_min(r.latency) == want && hist_max(r.latency) == want &&
            within_one_percent(percentile(r.latency, 50), want),
        "a server that moves the clock 3 ms before each reply gave %llu latencies, min "
        "%llu ns, p50 %llu ns, max %llu ns; expected 20, all 3,000,000 ns",
        (unsigned long long)hist_count(r.latency), (unsigned long long)hist_min(r.latency),
        (unsigned long long)percentile(r.latency, 50), (unsigned long long)hist_max(r.latency));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_timed_run_starts_no_batch_after_its_duration)
{
    wb_manual_clock mc;
    wb_manual_clock_init(&mc, 1000 * WB_SEC);
    opt_config cfg = config_for(0, 0, 1);
    cfg.duration = 1 * WB_SEC;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .clock = &mc, .delay = 100 * WB_MSEC }, &cfg,
                                      &mc.clock, &r, "-d 1 against a server that takes 100 ms");
    cr_assert(r.gets + r.sets == 10 && r.elapsed == 1 * WB_SEC,
              "-d 1 -c 1 against a server taking 100 ms a reply: %llu replies in %lld ns; expected "
              "10 in exactly 1 s (requests start at 0, 100 ms, ... 900 ms; none at 1 s)",
              (unsigned long long)(r.gets + r.sets), (long long)r.elapsed);
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, replies_arriving_one_byte_at_a_time_are_put_together)
{
    opt_config cfg = config_for(0, 200, 2);
    cfg.pipeline = 3;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .byte_by_byte = 1 }, &cfg, NULL, &r,
                                      "replies written one byte per send");
    expect_clean_run(&r, 200, "every reply arrived in pieces, split at every byte");
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, large_replies_that_span_many_reads_are_read_whole)
{
    enum { VALUE = 200000 };
    static char reply[VALUE + 32];
    int n = sprintf(reply, "$%d\r\n", VALUE);
    memset(reply + n, 'v', VALUE);
    memcpy(reply + n + VALUE, "\r\n", 2);
    opt_config cfg = config_for(0, 12, 2);
    cfg.get_weight = 1;
    cfg.set_weight = 0;
    lt_result r;
    tiny_server *server =
        run_against(&(tiny_script){ .get_reply = reply, .get_reply_len = (size_t)n + VALUE + 2 },
                    &cfg, NULL, &r, "GETs answered with 200 KB values");
    expect_clean_run(&r, 12, "each reply is bigger than the read buffer it starts in");
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, error_replies_are_counted_and_the_first_is_kept)
{
    opt_config cfg = config_for(0, 200, 2);
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .set_error = 1 }, &cfg, NULL, &r,
                                      "a server that answers SET with -ERR");
    cr_assert(r.error_replies == r.sets && r.sets > 0 && r.gets + r.sets == 200 &&
                  r.connections_lost == 0,
              "every SET was answered -ERR; expected as many error replies as SETs, 200 replies "
              "in all and no lost connection (an error reply is an answer); got %s",
              result_text(&r));
    cr_assert(strstr(r.first_error, "SET") && strstr(r.first_error, "-ERR the tiny server refuses"),
              "the first error was kept as %s, expected it to name SET and quote the reply "
              "-ERR the tiny server refuses SET",
              wb_q(r.first_error));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, replies_of_the_wrong_kind_are_counted_as_unexpected)
{
    opt_config cfg = config_for(0, 50, 1);
    cfg.get_weight = 1;
    cfg.set_weight = 0;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .get_reply = ":1\r\n" }, &cfg, NULL, &r,
                                      "GET answered with an integer");
    cr_assert(r.unexpected_replies == 50 && r.error_replies == 0 && r.connections_lost == 0,
              "50 GETs answered :1 (a GET gets a bulk string or $-1); expected 50 unexpected "
              "replies, no error reply, no loss; got %s",
              result_text(&r));
    cr_assert(strstr(r.first_error, ":1") != NULL,
              "the first unexpected reply was kept as %s, expected it to quote :1",
              wb_q(r.first_error));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_connection_the_server_closes_is_lost_and_the_others_finish)
{
    opt_config cfg = config_for(0, 100, 2);
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .drop_first = 1 }, &cfg, NULL, &r,
                                      "the first connection closed at its first request");
    cr_assert(r.connections_lost == 1 && r.gets + r.sets == 99 && r.lost_requests == 1 &&
                  r.unsent_requests == 0,
              "-n 100 -c 2, the first connection closed by the server with its first request "
              "unanswered: expected 1 connection lost with 1 request in flight, and the other "
              "connection to send the other 99 requests; got %s",
              result_text(&r));
    cr_assert(strstr(r.first_loss, "closed") != NULL,
              "the loss was explained as %s, expected it to say the server closed the connection",
              wb_q(r.first_loss));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, bytes_that_are_not_resp_lose_the_connection)
{
    opt_config cfg = config_for(0, 10, 1);
    cfg.get_weight = 1;
    cfg.set_weight = 0;
    lt_result r;
    tiny_server *server = run_against(&(tiny_script){ .get_reply = "OK\r\n" }, &cfg, NULL, &r,
                                      "a text-protocol reply");
    cr_assert(r.connections_lost == 1 && r.gets == 0 && strstr(r.first_loss, "OK\\r\\n") != NULL,
              "a server answering OK\\r\\n (text, not RESP) must lose the connection at once "
              "and quote what it sent; got %s",
              result_text(&r));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_reply_to_no_request_loses_the_connection)
{
    opt_config cfg = config_for(0, 10, 1);
    lt_result r;
    tiny_server *server =
        run_against(&(tiny_script){ .extra = "+OK\r\n" }, &cfg, NULL, &r, "one reply too many");
    cr_assert(r.connections_lost == 1 && strstr(r.first_loss, "after the last reply") != NULL,
              "a server that sends a second reply to the first request must lose the "
              "connection (the replies no longer match the requests); got %s",
              result_text(&r));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_server_that_stops_answering_times_out)
{
    wb_manual_clock mc;
    wb_manual_clock_init(&mc, 1000 * WB_SEC);
    opt_config cfg = config_for(0, 10, 1);
    cfg.timeout = 5 * WB_SEC;
    lt_result r;
    tiny_server *server =
        run_against(&(tiny_script){ .mute = 1, .clock = &mc, .delay = 10 * WB_SEC }, &cfg,
                    &mc.clock, &r, "a server that never answers");
    cr_assert(r.connections_lost == 1 && r.lost_requests == 1 && r.unsent_requests == 9 &&
                  strstr(r.first_loss, "no reply") != NULL,
              "a server that takes a request and answers nothing for 10 s (--timeout 5): expected "
              "the connection lost with 1 request in flight, 9 unsent, and 'no reply' in the "
              "reason; got %s",
              result_text(&r));
    lt_result_free(&r);
    tiny_free(server);
}

Test(level4, a_refused_connection_is_reported_with_the_address)
{
    tiny_server *gone = tiny_start(&(tiny_script){ 0 });
    int port = tiny_port(gone);
    tiny_free(gone); /* nothing listens on that port any more */
    opt_config cfg = config_for(port, 10, 3);
    lt_result r;
    char why[512] = "";
    lt_status s = lt_run(&cfg, NULL, &r, why, sizeof why);
    char where[32];
    snprintf(where, sizeof where, "127.0.0.1:%d", port);
    cr_assert(s == LT_CONNECT_FAILED && strstr(why, where) != NULL && strstr(why, "refused"),
              "lt_run to a port nobody listens on returned status %d with %s; expected "
              "LT_CONNECT_FAILED and a message naming %s and the refusal",
              (int)s, wb_q(why), where);
}
