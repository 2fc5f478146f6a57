/*
 * scenarios.c: the scenarios of scenarios.h. Each starts its own server on
 * an ephemeral port, plays clients against it, and stops it.
 */
#include "scenarios.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- building requests and replies ---- */

char *patterned_value(size_t len)
{
    char *value = malloc(len ? len : 1);
    cr_assert(value != NULL, "out of memory for a %zu-byte value", len);
    for (size_t i = 0; i < len; i++)
        value[i] = (char)('0' + (i * 7) % 251 % 75);
    return value;
}

char *set_command(const char *key, const char *value, size_t len, size_t *out_len)
{
    size_t cap = len + strlen(key) + 64;
    char *out = malloc(cap);
    cr_assert(out != NULL, "out of memory");
    int head =
        snprintf(out, cap, "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n", strlen(key), key, len);
    memcpy(out + head, value, len);
    memcpy(out + head + len, "\r\n", 2);
    *out_len = (size_t)head + len + 2;
    return out;
}

char *bulk_reply(const char *value, size_t len, size_t *out_len)
{
    char *out = malloc(len + 32);
    cr_assert(out != NULL, "out of memory");
    int head = snprintf(out, 32, "$%zu\r\n", len);
    memcpy(out + head, value, len);
    memcpy(out + head + len, "\r\n", 2);
    *out_len = (size_t)head + len + 2;
    return out;
}

/* ---- serving ---- */

void serves_the_text_protocol(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int c = connect_client(server);
    roundtrip(c, "SET city Lisbon\n", "OK\n", "SET in the text protocol answers OK");
    roundtrip(c, "GET city\n", "Lisbon\n", "GET answers the value that was set, on its own line");
    roundtrip(c, "GET country\n", "(nil)\n", "GET of a key never set answers (nil)");
    roundtrip(c, "SET greeting hello big world\r\n", "OK\n",
              "the value is the rest of the line; nc -C and telnet end lines with \"\\r\\n\"");
    roundtrip(c, "GET greeting\n", "hello big world\n",
              "a value with spaces comes back whole, without the \"\\r\"");
    roundtrip(c, "DEL city\n", "OK\n", "DEL answers OK");
    roundtrip(c, "GET city\n", "(nil)\n", "the key was deleted");
    roundtrip(c, "DEL city\n", "OK\n", "DEL answers OK whether or not the key was there");
    roundtrip(c, "set Case sensitive\n", "OK\n", "command names may be in any case");
    roundtrip(c, "gEt Case\n", "sensitive\n", "command names may be in any case");
    roundtrip(c, "GET case\n", "(nil)\n", "keys are case-sensitive: \"case\" is not \"Case\"");
    close(c);
    kv_server_stop(server);
}

void serves_resp_requests(kv_mode mode)
{
    kv_server *server = start_server(KV_RESP, mode);
    int c = connect_client(server);
    roundtrip(c, "*3\r\n$3\r\nSET\r\n$4\r\nuser\r\n$3\r\nAda\r\n", "+OK\r\n",
              "SET as a RESP array of bulk strings, as redis-cli sends it, answers +OK");
    roundtrip(c, "*2\r\n$3\r\nGET\r\n$4\r\nuser\r\n", "$3\r\nAda\r\n",
              "GET answers the value as a bulk string: its length, then its bytes");
    roundtrip(c, "*2\r\n$3\r\nGET\r\n$4\r\nnope\r\n", "$-1\r\n",
              "GET of a missing key answers the null bulk string $-1");
    roundtrip(c, "SET lang C\r\n", "+OK\r\n", "an inline SET, as typed into nc, answers +OK");
    roundtrip(c, "GET lang\r\n", "$1\r\nC\r\n", "an inline GET answers a bulk string");
    roundtrip(c, "*3\r\n$3\r\nDEL\r\n$4\r\nuser\r\n$4\r\nlang\r\n", ":2\r\n",
              "DEL answers how many of its keys were there, as an integer");
    roundtrip(c, "DEL user\r\n", ":0\r\n", "the key is gone: DEL finds nothing to delete");
    close(c);
    kv_server_stop(server);
}

void two_clients_see_each_others_writes(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int a = connect_client(server), b = connect_client(server);
    roundtrip(a, "SET color blue\n", "OK\n", "client A sets color; B is connected too");
    roundtrip(b, "GET color\n", "blue\n", "client B reads what A wrote: both share one store");
    roundtrip(b, "SET color red\n", "OK\n", "now B writes");
    roundtrip(a, "GET color\n", "red\n", "and A, still connected, reads B's write");
    close(a);
    close(b);
    kv_server_stop(server);
}

void an_idle_client_does_not_hold_up_another(kv_mode mode)
{
    kv_server *server = start_server(KV_RESP, mode);
    int silent = connect_client(server), halfway = connect_client(server);
    send_text(halfway, "*2\r\n$3\r\nGET");
    int busy = connect_client(server);
    roundtrip(busy, "SET k v\r\n", "+OK\r\n",
              "two other clients are connected, one silent and one halfway through a command; "
              "a server that serves one client at a time, or waits on one socket, never answers "
              "this third one");
    send_text(halfway, "\r\n$1\r\nk\r\n");
    expect_reply(halfway, "the rest of GET k", "$1\r\nv\r\n", 7,
                 "the client that paused halfway through GET k finished it later");
    close(silent);
    close(halfway);
    close(busy);
    kv_server_stop(server);
}

void a_command_cut_short_by_a_disconnect_never_runs(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int a = connect_client(server);
    send_text(a, "SET first 1\nSET gone value");
    close(a); /* gone before the end of the line */
    int b = connect_client(server);
    /* The first command shows when the server has read A's bytes: both came in one write. */
    char *problem = NULL;
    for (int i = 0; i < 2000; i++) {
        free(problem);
        problem = try_roundtrip(b, "GET first\n", "1\n");
        if (problem == NULL)
            break;
    }
    cr_assert(problem == NULL,
              "client A sent \"SET first 1\\n\" and then disconnected; its whole first command "
              "must run: %s",
              problem);
    roundtrip(b, "GET gone\n", "(nil)\n",
              "client A sent \"SET gone value\" without its \"\\n\" and disconnected: a line that "
              "never ended is not a command, and must not run");
    roundtrip(b, "SET after yes\n", "OK\n", "the server goes on serving other clients");
    close(b);
    kv_server_stop(server);
}

/* Sends `request` one byte per send(2), then expects `reply`. */
static void trickle(int fd, const char *request, size_t len, const char *reply, const char *why)
{
    for (size_t i = 0; i < len; i++)
        send_bytes(fd, request + i, 1);
    expect_reply(fd, wb_qn(request, len), reply, strlen(reply), why);
}

void a_command_sent_a_byte_at_a_time_gets_one_reply(kv_mode mode)
{
    kv_server *text = start_server(KV_TEXT, mode);
    int c = connect_client(text);
    const char *why = "each byte was a send of its own, so the server's reads return pieces "
                      "of commands: it must keep them until the line ends, then answer once";
    for (int i = 0; i < 5; i++) {
        trickle(c, "SET slow hello world\n", 21, "OK\n", why);
        trickle(c, "GET slow\r\n", 10, "hello world\n", why);
    }
    close(c);
    kv_server_stop(text);

    kv_server *resp = start_server(KV_RESP, mode);
    c = connect_client(resp);
    const char set[] = "*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nv\r\nv2\r\n";
    const char get[] = "*2\r\n$3\r\nGET\r\n$4\r\nslow\r\n";
    for (int i = 0; i < 5; i++) {
        trickle(c, set, sizeof set - 1, "+OK\r\n", why);
        trickle(c, get, sizeof get - 1, "$5\r\nv\r\nv2\r\n", why);
    }
    close(c);
    kv_server_stop(resp);
}

void pipelined_commands_are_answered_in_order(kv_mode mode)
{
    enum { N = 50 };
    char request[N * 64], reply[N * 64], key[32];
    size_t rq = 0, rp = 0;
    for (int i = 0; i < N; i++) {
        rq += (size_t)snprintf(request + rq, sizeof request - rq, "SET key:%d value:%d\r\n", i, i);
        rp += (size_t)snprintf(reply + rp, sizeof reply - rp, "+OK\r\n");
    }
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key:%d", i);
        rq += (size_t)snprintf(request + rq, sizeof request - rq,
                               "*2\r\n$3\r\nGET\r\n$%zu\r\n%s\r\n", strlen(key), key);
        rp += (size_t)snprintf(reply + rp, sizeof reply - rp, "$%zu\r\nvalue:%d\r\n",
                               strlen("value:") + strlen(key) - strlen("key:"), i);
    }
    kv_server *server = start_server(KV_RESP, mode);
    int c = connect_client(server);
    send_bytes(c, request, rq);
    expect_reply(c, "50 inline SETs then 50 multibulk GETs, in one write", reply, rp,
                 "commands sent together (pipelining) come in one read: the server must run "
                 "every whole command in it, in order, not only the first");
    close(c);
    kv_server_stop(server);
}

void a_megabyte_value_comes_back_whole(kv_mode mode)
{
    size_t len = 1 << 20, set_len, reply_len;
    char *value = patterned_value(len);
    char *set = set_command("big", value, len, &set_len);
    char *reply = bulk_reply(value, len, &reply_len);
    kv_server *server = start_server(KV_RESP, mode);
    int c = connect_client(server);
    roundtrip_bytes(c, set, set_len, "+OK\r\n", 5,
                    "SET of a 1 MiB value: it crosses the network in many pieces, so the server "
                    "reads it over many calls and must keep every piece, in order");
    send_text(c, "GET big\r\n");
    expect_reply(c, "GET big", reply, reply_len,
                 "the 1 MiB value comes back exactly as it was sent; a reply this large does "
                 "not fit one write, so the server must write again until all of it is out");
    close(c);
    kv_server_stop(server);
    free(value);
    free(set);
    free(reply);
}

void a_client_that_leaves_without_its_replies_harms_no_one(kv_mode mode)
{
    size_t len = 1 << 20, set_len;
    char *value = patterned_value(len);
    char *set = set_command("big", value, len, &set_len);
    kv_server *server = start_server(KV_RESP, mode);
    int rude = connect_client(server);
    roundtrip_bytes(rude, set, set_len, "+OK\r\n", 5, "a 1 MiB value is stored");
    for (int i = 0; i < 8; i++)
        send_text(rude, "GET big\r\n");
    close(rude);
    int polite = connect_client(server);
    roundtrip(polite, "SET alive yes\r\n", "+OK\r\n",
              "a client asked for 8 MiB and disconnected without reading any of it: writing to "
              "its socket fails with EPIPE, and unless the server sends with MSG_NOSIGNAL (or "
              "ignores SIGPIPE) the signal kills the whole process");
    close(polite);
    kv_server_stop(server);
    free(value);
    free(set);
}

struct crowd {
    int port;
    int rounds;
};

static char *one_of_the_crowd(int t, void *ctx)
{
    struct crowd *crowd = ctx;
    int fd = try_connect(crowd->port);
    if (fd < 0)
        return wb_strdupf("client %d could not connect: %s", t, strerror(-fd));
    char request[96], reply[96];
    char *problem = NULL;
    for (int i = 0; i < crowd->rounds && problem == NULL; i++) {
        snprintf(request, sizeof request, "SET client:%d:%d from-%d-%d\r\n", t, i, t, i);
        problem = try_roundtrip(fd, request, "+OK\r\n");
        if (problem != NULL)
            break;
        snprintf(request, sizeof request, "GET client:%d:%d\r\n", t, i);
        snprintf(reply, sizeof reply, "$%zu\r\nfrom-%d-%d\r\n",
                 (size_t)snprintf(NULL, 0, "from-%d-%d", t, i), t, i);
        problem = try_roundtrip(fd, request, reply);
    }
    close(fd);
    return problem;
}

void many_clients_at_once_get_their_own_answers(kv_mode mode, int clients, int rounds)
{
    kv_server *server = start_server(KV_RESP, mode);
    struct crowd crowd = { kv_server_port(server), rounds };
    char what[128];
    snprintf(what, sizeof what,
             "%d clients at once, each setting and reading back %d keys of its own", clients,
             rounds);
    wb_run_threads(clients, one_of_the_crowd, &crowd, what);
    kv_server_stop(server);
}

void stop_closes_connections_still_open(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int idle = connect_client(server), used = connect_client(server);
    roundtrip(used, "SET k v\n", "OK\n", "one client has been served, the other is silent");
    kv_server_stop(server);
    expect_closed(idle, "",
                  "kv_server_stop returned while this client was connected: its connection must "
                  "be closed (a thread blocked in recv is woken by shutdown(2) on its socket)");
    expect_closed(used, "", "kv_server_stop closes every connection");
    close(idle);
    close(used);
}

/* ---- protocol errors ---- */

void a_protocol_error_is_answered_then_the_connection_closes(kv_mode mode)
{
    kv_server *server = start_server(KV_RESP, mode);
    int bad = connect_client(server);
    send_text(bad, "SET before 1\r\n*x\r\nSET after 2\r\n");
    expect_closed(bad, "+OK\r\n-ERR Protocol error: invalid multibulk length\r\n",
                  "the command before the bad header is answered first; then the error, as "
                  "Redis sends it; then the server closes the connection, since it can no longer "
                  "tell where the next command starts");
    int good = connect_client(server);
    roundtrip(good, "GET before\r\n", "$1\r\n1\r\n", "the command before the error did run");
    roundtrip(good, "GET after\r\n", "$-1\r\n",
              "the command after the error never ran: the connection was closed first");
    close(bad);
    close(good);
    kv_server_stop(server);
}

void a_line_too_long_is_answered_then_the_connection_closes(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int bad = connect_client(server);
    roundtrip(bad, "SET kept yes\n", "OK\n", "a first, ordinary command");
    size_t len = KV_MAX_INLINE + 100;
    char *line = malloc(len);
    cr_assert(line != NULL, "out of memory");
    memset(line, 'x', len);
    send_bytes(bad, line, len);
    free(line);
    expect_closed(bad, "ERR Protocol error: too big inline request\n",
                  "65,636 bytes with no end of line: the server answers the error and closes, "
                  "instead of buffering a line that never ends");
    int good = connect_client(server);
    roundtrip(good, "GET kept\n", "yes\n", "the bad client lost nothing for anyone else");
    close(bad);
    close(good);
    kv_server_stop(server);
}

/* ---- graceful shutdown ---- */

void stop_answers_what_clients_already_sent(kv_mode mode)
{
    kv_server *server = start_server(KV_RESP, mode);
    int c = connect_client(server);
    roundtrip(c, "SET n 0\r\n", "+OK\r\n", "the client is being served");
    char request[512], reply[512];
    size_t rq = 0, rp = 0;
    for (int i = 1; i <= 20; i++) {
        rq += (size_t)snprintf(request + rq, sizeof request - rq, "INCR n\r\n");
        rp += (size_t)snprintf(reply + rp, sizeof reply - rp, ":%d\r\n", i);
    }
    rq += (size_t)snprintf(request + rq, sizeof request - rq, "*2\r\n$3\r\nGET\r\n$1\r\n");
    send_bytes(c, request, rq);
    kv_server_stop(server);
    char why[300];
    snprintf(why, sizeof why,
             "the client sent 20 INCRs and half a GET, then kv_server_stop ran: the INCRs had "
             "reached the server (%s), so each must be answered before the connection closes; "
             "the GET cut short is dropped",
             mode == KV_THREADS ? "a recv on the connection still returns them"
                                : "a read until EAGAIN returns them");
    expect_closed(c, reply, why);
    close(c);
}

void shutdown_refuses_new_connections_at_once(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int port = kv_server_port(server);
    int c = connect_client(server);
    roundtrip(c, "SET k v\n", "OK\n", "a client is connected");
    kv_server_shutdown(server);
    int late = try_connect(port);
    cr_assert(late == -ECONNREFUSED,
              "a connect right after kv_server_shutdown returned %s, expected it to be refused: "
              "when kv_server_shutdown returns the server accepts no one (shutdown(2) on the "
              "listening socket does that at once, and is async-signal-safe)",
              late >= 0 ? "a connection" : strerror(-late));
    expect_closed(c, "", "the connected client sees its connection close");
    kv_server_stop(server);
    close(c);
    kv_server_stop(NULL); /* a no-op, like free(NULL) */
}

void a_client_reading_during_shutdown_gets_every_reply(kv_mode mode)
{
    size_t len = 1 << 20, set_len, reply_len;
    char *value = patterned_value(len);
    char *set = set_command("big", value, len, &set_len);
    char *reply = bulk_reply(value, len, &reply_len);
    kv_config config = { .protocol = KV_RESP, .mode = mode, .stop_grace = 100 * WB_SEC };
    kv_server *server = start_server_with(&config);
    int c = connect_client(server);
    roundtrip_bytes(c, set, set_len, "+OK\r\n", 5, "a 1 MiB value is stored");
    for (int i = 0; i < 8; i++)
        send_text(c, "GET big\r\n");
    kv_server_shutdown(server);
    for (int i = 0; i < 8; i++)
        expect_reply(c, "GET big (8 times, then the server was asked to stop)", reply, reply_len,
                     "8 MiB of replies are more than the sockets hold, so the server must keep "
                     "writing while the client reads: stopping must not cut them short");
    expect_closed(c, "", "after its last reply, the connection closes");
    kv_server_stop(server);
    close(c);
    free(value);
    free(set);
    free(reply);
}

void a_client_that_never_reads_cannot_hold_stop_past_the_grace(kv_mode mode)
{
    size_t len = 1 << 20, set_len;
    char *value = patterned_value(len);
    char *set = set_command("big", value, len, &set_len);
    kv_config config = { .protocol = KV_RESP, .mode = mode, .stop_grace = 100 * WB_MSEC };
    kv_server *server = start_server_with(&config);
    int c = connect_client(server);
    roundtrip_bytes(c, set, set_len, "+OK\r\n", 5, "a 1 MiB value is stored");
    for (int i = 0; i < 16; i++)
        send_text(c, "GET big\r\n");
    kv_server_stop(server); /* must return: the test's time limit catches one that waits on */
    bool closed = false;
    size_t got = read_until_closed(c, NULL, 0, &closed);
    cr_assert(closed && got < 16 * len,
              "the client asked for 16 MiB and read nothing while the server stopped with a "
              "grace of 100 ms; afterwards it read %zu bytes and %s, expected the connection "
              "closed with replies left unsent",
              got, closed ? "then saw the connection close" : "the connection stayed open");
    close(c);
    free(value);
    free(set);
}

static kv_server *signalled; /* the server the signal handler below stops */

static void stop_on_signal(int signal)
{
    (void)signal;
    kv_server_shutdown(signalled);
}

void shutdown_from_a_signal_handler_stops_the_server(kv_mode mode)
{
    kv_server *server = start_server(KV_TEXT, mode);
    int port = kv_server_port(server);
    int c = connect_client(server);
    roundtrip(c, "SET k v\n", "OK\n", "a client is connected");
    struct sigaction action = { .sa_handler = stop_on_signal }, old;
    sigemptyset(&action.sa_mask);
    signalled = server;
    sigaction(SIGUSR1, &action, &old);
    raise(SIGUSR1); /* the handler runs before raise returns */
    sigaction(SIGUSR1, &old, NULL);
    int late = try_connect(port);
    cr_assert(late == -ECONNREFUSED,
              "after a SIGUSR1 handler called kv_server_shutdown, a connect returned %s, "
              "expected it to be refused",
              late >= 0 ? "a connection" : strerror(-late));
    expect_closed(c, "", "the server stops as if kv_server_shutdown had been called directly");
    kv_server_stop(server);
    close(c);
}
