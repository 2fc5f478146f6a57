/*
 * Level 3, Redis compatibility: KV_RESP replies byte for byte as Redis 7
 * sends them (transcript.c, checked against a real redis-server by `make
 * check`), EXPIRE and TTL on the server's clock, and the real clients:
 * redis-cli, one-shot and interactive, and redis-benchmark. Those tests run
 * the programs of Debian's redis-tools and skip, saying so, when they are
 * not installed. Run alone with `make test LEVEL=3`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenarios.h"

WB_LEVEL(3);

/* A RESP server in thread mode whose EXPIRE and TTL read `clock`. */
static kv_server *start_on_clock(wb_manual_clock *clock)
{
    wb_manual_clock_init(clock, 1000 * WB_SEC);
    kv_config config = { .protocol = KV_RESP, .mode = KV_THREADS, .clock = &clock->clock };
    return start_server_with(&config);
}

static void play_transcript(const char *name, const char *why)
{
    const struct transcript *transcript = find_transcript(name);
    cr_assert(transcript != NULL, "no transcript named %s", name);
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    play(c, transcript->steps, transcript->count, why);
    close(c);
    kv_server_stop(server);
}

/* ---- the transcripts ---- */

Test(level3, ping_and_echo_reply_as_redis_does)
{
    play_transcript("ping_and_echo", "PING and ECHO, replies recorded from Redis 7");
}

Test(level3, set_and_get_reply_as_redis_does)
{
    play_transcript("set_and_get", "SET and GET, replies recorded from Redis 7");
}

Test(level3, del_and_exists_count_keys_as_redis_does)
{
    play_transcript("del_and_exists",
                    "DEL and EXISTS answer integers: how many of the keys named were there (a "
                    "key named twice counts twice for EXISTS, once for DEL)");
}

Test(level3, incr_counts_and_refuses_what_is_not_an_integer_as_redis_does)
{
    play_transcript("incr", "INCR takes only canonical 64-bit integers: no '+', no leading zero, "
                            "no spaces, no overflow; replies recorded from Redis 7");
}

Test(level3, expire_and_ttl_reply_as_redis_does)
{
    play_transcript("expire_and_ttl",
                    "EXPIRE answers 1 or 0, TTL the seconds left, -1 without a TTL, -2 without "
                    "the key; INCR keeps a TTL and SET removes it");
}

Test(level3, dbsize_counts_the_keys)
{
    play_transcript("dbsize", "DBSIZE answers the number of keys stored");
}

Test(level3, unknown_commands_and_empty_lines_are_handled_as_redis_does)
{
    play_transcript("unknown_commands_and_arity",
                    "an unknown command gets Redis 7's exact error (never silence: a silent "
                    "server hangs redis-cli), and empty lines get no reply at all");
}

Test(level3, config_get_answers_what_redis_benchmark_asks)
{
    play_transcript("config_get",
                    "redis-benchmark sends CONFIG GET save and CONFIG GET appendonly on connect "
                    "and wants an array of name/value pairs back");
}

/* ---- where the server differs from Redis on purpose ---- */

Test(level3, command_and_command_docs_answer_an_empty_array)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    const struct exchange steps[] = {
        { "*2\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n", "*0\r\n" },
        { "COMMAND\r\n", "*0\r\n" },
        { "command docs get set\r\n", "*0\r\n" },
    };
    play(c, steps, sizeof steps / sizeof steps[0],
         "redis-cli sends COMMAND DOCS when it starts, to learn the commands for its hints; "
         "this server has no documentation to give and answers an empty array (Redis answers "
         "pages of it)");
    close(c);
    kv_server_stop(server);
}

Test(level3, set_with_options_is_a_syntax_error)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "SET k v EX 10\r\n", "-ERR syntax error\r\n",
              "this server's SET takes no options (Redis's takes EX, PX, NX...), so it answers "
              "as Redis answers an option it does not know");
    roundtrip(c, "GET k\r\n", "$-1\r\n", "the refused SET stored nothing");
    close(c);
    kv_server_stop(server);
}

Test(level3, quit_answers_ok_then_closes_the_connection)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    send_text(c, "SET k v\r\nQUIT\r\nGET k\r\n");
    expect_closed(c, "+OK\r\n+OK\r\n",
                  "QUIT answers +OK and the server closes the connection; the GET sent after "
                  "it is never answered");
    close(c);
    kv_server_stop(server);
}

Test(level3, values_are_binary_safe)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    static const char set[] = "*3\r\n$3\r\nSET\r\n$3\r\nbin\r\n$7\r\na\0b\r\nc\xff\r\n";
    static const char get[] = "*2\r\n$3\r\nGET\r\n$3\r\nbin\r\n";
    static const char value[] = "$7\r\na\0b\r\nc\xff\r\n";
    roundtrip_bytes(c, set, sizeof set - 1, "+OK\r\n", 5, "SET of a value holding NUL, CR, LF");
    roundtrip_bytes(c, get, sizeof get - 1, value, sizeof value - 1,
                    "the value comes back byte for byte: copy it with its length (memcpy), never "
                    "as a C string (strcpy and printf's %s stop at the NUL)");
    close(c);
    kv_server_stop(server);
}

/* ---- time, on the server's clock ---- */

Test(level3, keys_expire_on_the_servers_clock)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "SET session abc\r\n", "+OK\r\n", "a key is set");
    roundtrip(c, "EXPIRE session 10\r\n", ":1\r\n", "it expires in 10 s of the server's clock");
    wb_manual_clock_advance(&clock, 10 * WB_SEC - 1);
    roundtrip(c, "GET session\r\n", "$3\r\nabc\r\n",
              "one nanosecond before its 10 s are up, the key is still there");
    wb_manual_clock_advance(&clock, 1);
    roundtrip(c, "GET session\r\n", "$-1\r\n", "after exactly 10 s the key is gone");
    roundtrip(c, "TTL session\r\n", ":-2\r\n", "an expired key has no TTL: it does not exist");
    roundtrip(c, "EXISTS session\r\n", ":0\r\n", "an expired key does not exist");
    roundtrip(c, "DBSIZE\r\n", ":0\r\n", "an expired key is not counted");
    close(c);
    kv_server_stop(server);
}

Test(level3, ttl_rounds_to_the_nearest_second_half_up)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "SET k v\r\n", "+OK\r\n", "a key is set");
    roundtrip(c, "EXPIRE k 10\r\n", ":1\r\n", "it expires in 10 s");
    wb_manual_clock_advance(&clock, 500 * WB_MSEC);
    roundtrip(c, "TTL k\r\n", ":10\r\n", "9.5 s left: a half rounds up, as Redis rounds, to 10");
    wb_manual_clock_advance(&clock, WB_MSEC);
    roundtrip(c, "TTL k\r\n", ":9\r\n", "9.499 s left rounds to 9");
    wb_manual_clock_advance(&clock, 9 * WB_SEC - WB_MSEC);
    roundtrip(c, "TTL k\r\n", ":1\r\n", "0.5 s left rounds up to 1");
    wb_manual_clock_advance(&clock, 100 * WB_MSEC);
    roundtrip(c, "TTL k\r\n", ":0\r\n", "0.4 s left rounds down to 0; the key is still there");
    roundtrip(c, "GET k\r\n", "$1\r\nv\r\n", "with TTL 0 the key still exists");
    close(c);
    kv_server_stop(server);
}

Test(level3, incr_keeps_the_expiry_and_set_removes_it)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "SET hits 1\r\n", "+OK\r\n", "a counter");
    roundtrip(c, "EXPIRE hits 10\r\n", ":1\r\n", "it expires in 10 s");
    wb_manual_clock_advance(&clock, 4 * WB_SEC);
    roundtrip(c, "INCR hits\r\n", ":2\r\n", "INCR 4 s later");
    roundtrip(c, "TTL hits\r\n", ":6\r\n",
              "INCR changes the value but keeps the expiry: 6 s are left, not 10 again and not "
              "none (lru_put would drop the TTL: read it first with lru_ttl)");
    wb_manual_clock_advance(&clock, 6 * WB_SEC);
    roundtrip(c, "GET hits\r\n", "$-1\r\n", "the counter expired when its first 10 s ran out");
    roundtrip(c, "SET flag on\r\n", "+OK\r\n", "a key");
    roundtrip(c, "EXPIRE flag 10\r\n", ":1\r\n", "with a TTL");
    roundtrip(c, "SET flag off\r\n", "+OK\r\n", "set again");
    wb_manual_clock_advance(&clock, 60 * WB_SEC);
    roundtrip(c, "GET flag\r\n", "$3\r\noff\r\n", "SET removes any TTL, as in Redis");
    close(c);
    kv_server_stop(server);
}

Test(level3, incr_keeps_a_ttl_of_less_than_a_second)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "SET hits 1\r\n", "+OK\r\n", "a counter");
    roundtrip(c, "EXPIRE hits 10\r\n", ":1\r\n", "it expires in 10 s");
    wb_manual_clock_advance(&clock, 9500 * WB_MSEC);
    roundtrip(c, "INCR hits\r\n", ":2\r\n", "INCR with half a second left");
    wb_manual_clock_advance(&clock, 500 * WB_MSEC - 1);
    roundtrip(c, "GET hits\r\n", "$1\r\n2\r\n", "one nanosecond before the 10 s are up");
    wb_manual_clock_advance(&clock, 1);
    roundtrip(c, "GET hits\r\n", "$-1\r\n",
              "INCR kept the TTL although less than a second of it was left: the key expires "
              "when its 10 s are up (the TTL is nanoseconds; rounding it to seconds, or "
              "keeping it only when a second or more is left, loses it)");
    close(c);
    kv_server_stop(server);
}

Test(level3, expire_takes_up_to_9223372036_seconds_and_any_negative_count_deletes)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    const struct exchange steps[] = {
        { "SET k v\r\n", "+OK\r\n" },
        { "EXPIRE k 9223372036\r\n", ":1\r\n" },
        { "EXISTS k\r\n", ":1\r\n" },
        { "EXPIRE k 9223372037\r\n", "-ERR invalid expire time in 'expire' command\r\n" },
        { "EXISTS k\r\n", ":1\r\n" },
        { "EXPIRE k -9223372036854775808\r\n", ":1\r\n" },
        { "EXISTS k\r\n", ":0\r\n" },
    };
    play(c, steps, sizeof steps / sizeof steps[0],
         "9,223,372,036 s is the most an int64_t of nanoseconds holds, so it is allowed and one "
         "second more is not; the header makes a count of 0 or less delete the key, however "
         "negative (Redis refuses the most negative ones)");
    close(c);
    kv_server_stop(server);
}

/* ---- recency: what makes a key the most recently used ---- */

Test(level3, exists_ttl_and_expire_leave_recency_as_it_was)
{
    wb_manual_clock clock;
    wb_manual_clock_init(&clock, 1000 * WB_SEC);
    kv_config config = {
        .protocol = KV_RESP, .mode = KV_THREADS, .capacity = 2, .clock = &clock.clock
    };
    kv_server *server = start_server_with(&config);
    int c = connect_client(server);
    const struct exchange steps[] = {
        { "SET a 1\r\n", "+OK\r\n" },     { "SET b 2\r\n", "+OK\r\n" },
        { "EXISTS a\r\n", ":1\r\n" },     { "TTL a\r\n", ":-1\r\n" },
        { "EXPIRE a 100\r\n", ":1\r\n" }, { "SET c 3\r\n", "+OK\r\n" },
        { "EXISTS a\r\n", ":0\r\n" },     { "GET b\r\n", "$1\r\n2\r\n" },
    };
    play(c, steps, sizeof steps / sizeof steps[0],
         "capacity 2: a, then b; EXISTS, TTL and EXPIRE of a do not use it (the header says "
         "only GET, SET and INCR do), so a is still the least recently used and the third key "
         "evicts it (read with lru_peek or lru_ttl, never lru_get)");
    close(c);
    kv_server_stop(server);
}

Test(level3, incr_makes_its_key_the_most_recently_used)
{
    wb_manual_clock clock;
    wb_manual_clock_init(&clock, 1000 * WB_SEC);
    kv_config config = {
        .protocol = KV_RESP, .mode = KV_THREADS, .capacity = 2, .clock = &clock.clock
    };
    kv_server *server = start_server_with(&config);
    int c = connect_client(server);
    const struct exchange steps[] = {
        { "SET a 1\r\n", "+OK\r\n" }, { "SET b 2\r\n", "+OK\r\n" }, { "INCR a\r\n", ":2\r\n" },
        { "SET c 3\r\n", "+OK\r\n" }, { "GET b\r\n", "$-1\r\n" },   { "GET a\r\n", "$1\r\n2\r\n" },
    };
    play(c, steps, sizeof steps / sizeof steps[0],
         "capacity 2: a, then b, then INCR a makes a the most recently used, so the third key "
         "evicts b");
    close(c);
    kv_server_stop(server);
}

/* ---- keys with NUL bytes, unknown commands, CONFIG GET, QUIT ---- */

Test(level3, a_nul_key_among_several_makes_del_delete_none)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    static const char del[] = "*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$3\r\nb\0c\r\n";
    static const char error[] = "-ERR keys must not contain NUL bytes\r\n";
    roundtrip(c, "SET a 1\r\n", "+OK\r\n", "a key");
    roundtrip_bytes(c, del, sizeof del - 1, error, sizeof error - 1,
                    "DEL a \"b\\0c\": one of the keys holds a NUL byte, so the whole command is "
                    "refused");
    roundtrip(c, "GET a\r\n", "$1\r\n1\r\n",
              "the refused DEL deleted nothing, not even the good key before the bad one: the "
              "header checks every key before the command runs");
    close(c);
    kv_server_stop(server);
}

/* Sends `request` (len bytes) and expects the C string `reply`. */
static void unknown_command(const char *request, size_t len, const char *reply, const char *why)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip_bytes(c, request, len, reply, strlen(reply), why);
    close(c);
    kv_server_stop(server);
}

Test(level3, an_unknown_command_name_is_cut_at_128_bytes)
{
    char request[256], reply[512];
    memset(request, 'N', 200);
    memcpy(request + 200, " a\r\n", 5);
    snprintf(reply, sizeof reply,
             "-ERR unknown command '%.128s', with args beginning with: 'a' \r\n", request);
    unknown_command(request, 204, reply,
                    "a 200-byte command name is shown as its first 128 bytes, as Redis 7 shows "
                    "it");
}

Test(level3, the_argument_list_of_an_unknown_command_stops_at_128_bytes)
{
    char request[256], reply[512];
    memcpy(request, "FOO ", 4);
    memset(request + 4, 'a', 125);
    memcpy(request + 129, " b c\r\n", 7);
    snprintf(reply, sizeof reply,
             "-ERR unknown command 'FOO', with args beginning with: '%.125s' \r\n", request + 4);
    unknown_command(request, 135, reply,
                    "the first argument, quoted and followed by a space, makes the list exactly "
                    "128 bytes: the header adds arguments only while the list is shorter than "
                    "128, so b and c are left out (not even as empty quotes)");
}

Test(level3, an_unknown_command_shows_an_argument_up_to_its_first_nul)
{
    static const char request[] = "*3\r\n$3\r\nFOO\r\n$3\r\na\0b\r\n$1\r\nc\r\n";
    unknown_command(request, sizeof request - 1,
                    "-ERR unknown command 'FOO', with args beginning with: 'a' 'c' \r\n",
                    "Redis formats the arguments with %s, which stops at a NUL byte, and the "
                    "header follows it: the error line never carries a NUL");
}

Test(level3, config_get_of_several_parameters_answers_every_pair)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    roundtrip(c, "CONFIG GET save nosuch appendonly\r\n",
              "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
              "CONFIG GET with three names, two of them known: one array of both name/value "
              "pairs in the order asked, so its length is 4 (the unknown name adds nothing)");
    close(c);
    kv_server_stop(server);
}

Test(level3, quit_with_arguments_still_quits)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int c = connect_client(server);
    send_text(c, "QUIT now please\r\nPING\r\n");
    expect_closed(c, "+OK\r\n",
                  "QUIT takes any arguments and ignores them, as Redis 7 does: +OK, then the "
                  "connection closes");
    close(c);
    kv_server_stop(server);
    server = start_server(KV_TEXT, KV_THREADS);
    c = connect_client(server);
    send_text(c, "quit now\nGET k\n");
    expect_closed(c, "OK\n", "in the text protocol too, QUIT ignores what follows it");
    close(c);
    kv_server_stop(server);
}

/* ---- atomic commands ---- */

struct counters {
    int port;
    int each;
};

/* Sends INCR hits `each` times and checks that every reply is an integer. */
static char *count_hits(int t, void *ctx)
{
    struct counters *counters = ctx;
    int fd = try_connect(counters->port);
    if (fd < 0)
        return wb_strdupf("client %d could not connect: %s", t, strerror(-fd));
    char reply[64];
    for (int i = 0; i < counters->each; i++) {
        if (send(fd, "INCR hits\r\n", 11, MSG_NOSIGNAL) != 11) {
            close(fd);
            return wb_strdupf("sending INCR failed: %s", strerror(errno));
        }
        size_t len = 0;
        while (len < sizeof reply - 1 && (len < 2 || memcmp(reply + len - 2, "\r\n", 2) != 0)) {
            ssize_t n = recv(fd, reply + len, 1, 0);
            if (n <= 0)
                break;
            len++;
        }
        if (len < 4 || reply[0] != ':') {
            close(fd);
            return wb_strdupf("INCR hits got %s, expected an integer reply", wb_qn(reply, len));
        }
    }
    close(fd);
    return NULL;
}

Test(level3, concurrent_incrs_from_many_clients_count_every_one)
{
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    struct counters counters = { kv_server_port(server), 200 };
    wb_run_threads(8, count_hits, &counters, "8 clients sending INCR hits 200 times each");
    int c = connect_client(server);
    roundtrip(c, "GET hits\r\n", "$4\r\n1600\r\n",
              "8 x 200 INCRs make 1600: INCR reads and then writes, and two connections doing "
              "that at once lose increments unless the whole command runs under one lock");
    close(c);
    kv_server_stop(server);
}

/* ---- the real clients ---- */

/* Runs `redis-cli -p PORT args...` and expects exactly `out` on its standard output. */
static void redis_cli(int port, char *const args[], const char *out, const char *why)
{
    char port_text[16], *argv[16] = { "redis-cli", "-p", port_text };
    snprintf(port_text, sizeof port_text, "%d", port);
    size_t n = 3;
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct program_run run;
    run_program(argv, 3 * wait_ms(), &run);
    char command[256] = "";
    for (size_t i = 0, used = 0; argv[i] != NULL && used < sizeof command; i++)
        used +=
            (size_t)snprintf(command + used, sizeof command - used, "%s%s", i ? " " : "", argv[i]);
    cr_assert(
        run.status == 0 && run.out_len == strlen(out) && memcmp(run.out, out, run.out_len) == 0,
        "%s\n  `%s` exited with %d and printed %s, expected status 0 and %s\n  its errors: %s", why,
        command, run.status, wb_qn(run.out, run.out_len), wb_q(out), wb_qn(run.err, run.err_len));
}

Test(level3, redis_cli_one_shot_commands_work)
{
    need_program("redis-cli", "redis-tools");
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    int port = kv_server_port(server);
    redis_cli(port, (char *[]){ "PING", NULL }, "PONG\n", "redis-cli PING");
    redis_cli(port, (char *[]){ "SET", "greeting", "hello world", NULL }, "OK\n",
              "redis-cli SET with a value that holds a space (one argument, a bulk string)");
    redis_cli(port, (char *[]){ "GET", "greeting", NULL }, "hello world\n",
              "redis-cli GET prints the value");
    redis_cli(port, (char *[]){ "GET", "nothing", NULL }, "\n",
              "redis-cli prints an empty line for a null bulk string when not on a terminal");
    redis_cli(port, (char *[]){ "INCR", "visits", NULL }, "1\n", "redis-cli INCR");
    kv_server_stop(server);
}

Test(level3, redis_cli_interactive_session_works)
{
    need_program("redis-cli", "redis-tools");
    wb_manual_clock clock;
    kv_server *server = start_on_clock(&clock);
    char port[16], prompt[64];
    snprintf(port, sizeof port, "%d", kv_server_port(server));
    snprintf(prompt, sizeof prompt, "127.0.0.1:%s> ", port);
    struct terminal *t = malloc(sizeof *t);
    cr_assert(t != NULL, "out of memory");
    terminal_start(t, (char *[]){ "redis-cli", "-p", port, NULL });
    size_t at = terminal_wait_for(t, prompt, 0);
    cr_assert(at > 0,
              "redis-cli on a terminal showed no prompt %s in %.1f s. It sends COMMAND DOCS "
              "first and waits for the reply: a server that does not answer it (or answers "
              "nothing to unknown commands) leaves it hanging. Its screen: %s",
              wb_q(prompt), wait_ms() / 1000.0, wb_qn(t->screen, t->len));
    struct {
        const char *type, *shows;
    } steps[] = {
        { "SET lang C\n", "OK" },
        { "GET lang\n", "\"C\"" },
        { "GET nothing\n", "(nil)" },
        { "INCR n\n", "(integer) 1" },
        { "FLY away\n", "(error) ERR unknown command 'FLY'" },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        terminal_type(t, steps[i].type);
        size_t shown = terminal_wait_for(t, steps[i].shows, at);
        cr_assert(shown > 0,
                  "typing %s into redis-cli should show %s; the screen since the last prompt: %s",
                  wb_q(steps[i].type), wb_q(steps[i].shows), wb_q(t->screen + at));
        at = terminal_wait_for(t, prompt, shown);
        cr_assert(at > 0, "redis-cli showed no new prompt after %s; its screen: %s",
                  wb_q(steps[i].type), wb_q(t->screen + shown));
    }
    terminal_type(t, "quit\n");
    int status = terminal_end(t);
    cr_assert(status == 0, "redis-cli ended with status %d after quit, expected 0; screen: %s",
              status, wb_qn(t->screen, t->len));
    free(t);
    kv_server_stop(server);
}

Test(level3, redis_benchmark_runs_ping_set_get_incr_without_errors)
{
    need_program("redis-benchmark", "redis-tools");
    kv_config config = { .protocol = KV_RESP, .mode = KV_THREADS };
    kv_server *server = start_server_with(&config);
    char port[16];
    snprintf(port, sizeof port, "%d", kv_server_port(server));
    const char *mode = getenv("WB_MODE");
    char *requests = mode != NULL && strcmp(mode, "valgrind") == 0 ? "200" : "2000";
    char *argv[] = { "redis-benchmark",
                     "-p",
                     port,
                     "-t",
                     "ping,set,get,incr",
                     "-n",
                     requests,
                     "-c",
                     "4",
                     "-r",
                     "100",
                     "-q",
                     NULL };
    struct program_run run;
    run_program(argv, 3 * wait_ms(), &run);
    const char *tests[] = { "PING_INLINE", "PING_MBULK", "SET", "GET", "INCR" };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s: ", tests[i]);
        cr_assert(strstr(run.out, line) != NULL,
                  "redis-benchmark -t ping,set,get,incr (exit status %d) printed no result for "
                  "%s; it stops at the first error reply, and warns when CONFIG GET fails.\n"
                  "  its output: %s\n  its errors: %s",
                  run.status, tests[i], wb_qn(run.out, run.out_len), wb_qn(run.err, run.err_len));
    }
    cr_assert(run.status == 0 && strstr(run.err, "Error") == NULL &&
                  strstr(run.err, "WARNING") == NULL && strstr(run.out, "Error") == NULL,
              "redis-benchmark exited with %d; expected 0 and no error or warning.\n"
              "  its errors: %s",
              run.status, wb_qn(run.err, run.err_len));
    kv_server_stop(server);
}
