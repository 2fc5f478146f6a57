/*
 * Level 2, serving clients: a thread per connection (KV_THREADS). Real
 * sockets on 127.0.0.1, an ephemeral port per test, so tests run side by
 * side. The text protocol for nc (KV_TEXT) and the basics of RESP.
 * Run alone with `make test LEVEL=2`.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "scenarios.h"

WB_LEVEL(2);

Test(level2, start_listens_on_an_ephemeral_port_and_stop_frees_it)
{
    kv_server *server = start_server(KV_TEXT, KV_THREADS);
    int port = kv_server_port(server);
    cr_assert(port > 0 && port <= 65535,
              "kv_server_port returned %d for a server started with port 0, expected the "
              "ephemeral port the kernel chose (getsockname tells it)",
              port);
    int c = connect_client(server);
    close(c);
    kv_server_stop(server);
}

Test(level2, serves_the_text_protocol)
{
    serves_the_text_protocol(KV_THREADS);
}

Test(level2, text_errors_are_err_lines)
{
    kv_server *server = start_server(KV_TEXT, KV_THREADS);
    int c = connect_client(server);
    roundtrip(c, "FLY me to the moon\n",
              "ERR unknown command 'FLY', with args beginning with: 'me' 'to the moon' \n",
              "an unknown command gets an error line, never silence (a silent server leaves "
              "the client waiting); the text protocol splits a line into three arguments at "
              "most");
    roundtrip(c, "GET\n", "ERR wrong number of arguments for 'get' command\n", "GET needs a key");
    roundtrip(c, "SET lonely\n", "ERR wrong number of arguments for 'set' command\n",
              "SET needs a key and a value");
    roundtrip(c, "DEL a b\n", "ERR wrong number of arguments for 'del' command\n",
              "in the text protocol DEL takes one key");
    roundtrip(c, "PING\n", "ERR unknown command 'PING', with args beginning with: \n",
              "the text protocol knows SET, GET, DEL and QUIT only");
    roundtrip(c, "GET lonely\n", "(nil)\n", "none of the errors stored anything");
    close(c);
    kv_server_stop(server);
}

Test(level2, serves_resp_requests)
{
    serves_resp_requests(KV_THREADS);
}

Test(level2, empty_lines_get_no_reply)
{
    kv_server *text = start_server(KV_TEXT, KV_THREADS);
    int c = connect_client(text);
    roundtrip(c, "\n  \n\r\nGET k\n", "(nil)\n",
              "three empty lines and then GET: only GET gets a reply (a client pressing Enter "
              "expects nothing back)");
    close(c);
    kv_server_stop(text);
    kv_server *resp = start_server(KV_RESP, KV_THREADS);
    c = connect_client(resp);
    roundtrip(c, "\r\n*0\r\n \t\r\nGET k\r\n", "$-1\r\n",
              "empty lines and an empty array get no reply in RESP either; a reply to them "
              "would be taken as the reply to GET");
    close(c);
    kv_server_stop(resp);
}

Test(level2, two_clients_see_each_others_writes)
{
    two_clients_see_each_others_writes(KV_THREADS);
}

Test(level2, an_idle_client_does_not_hold_up_another)
{
    an_idle_client_does_not_hold_up_another(KV_THREADS);
}

Test(level2, a_command_cut_short_by_a_disconnect_never_runs)
{
    a_command_cut_short_by_a_disconnect_never_runs(KV_THREADS);
}

Test(level2, a_command_sent_a_byte_at_a_time_gets_one_reply)
{
    a_command_sent_a_byte_at_a_time_gets_one_reply(KV_THREADS);
}

Test(level2, pipelined_commands_are_answered_in_order)
{
    pipelined_commands_are_answered_in_order(KV_THREADS);
}

Test(level2, a_megabyte_value_comes_back_whole)
{
    a_megabyte_value_comes_back_whole(KV_THREADS);
}

Test(level2, a_client_that_leaves_without_its_replies_harms_no_one)
{
    a_client_that_leaves_without_its_replies_harms_no_one(KV_THREADS);
}

Test(level2, twenty_clients_at_once_get_their_own_answers)
{
    many_clients_at_once_get_their_own_answers(KV_THREADS, 20, 25);
}

Test(level2, stop_closes_connections_still_open)
{
    stop_closes_connections_still_open(KV_THREADS);
}

Test(level2, quit_answers_ok_then_closes)
{
    kv_server *server = start_server(KV_TEXT, KV_THREADS);
    int c = connect_client(server);
    send_text(c, "SET k v\nQUIT\n");
    expect_closed(c, "OK\nOK\n", "QUIT answers OK, then the server closes the connection");
    close(c);
    kv_server_stop(server);
}

Test(level2, the_store_keeps_at_most_capacity_keys)
{
    kv_config config = { .protocol = KV_TEXT, .mode = KV_THREADS, .capacity = 2 };
    kv_server *server = start_server_with(&config);
    int c = connect_client(server);
    roundtrip(c, "SET a 1\n", "OK\n", "capacity 2: a");
    roundtrip(c, "SET b 2\n", "OK\n", "capacity 2: a, b");
    roundtrip(c, "GET a\n", "1\n", "reading a makes it the most recently used");
    roundtrip(c, "SET c 3\n", "OK\n", "a third key in a store of capacity 2");
    roundtrip(c, "GET b\n", "(nil)\n",
              "the data lives in the lru_cache of config.capacity keys: the third key evicted "
              "b, the least recently used");
    roundtrip(c, "GET a\n", "1\n", "a was used more recently than b and stays");
    close(c);
    kv_server_stop(server);
}

Test(level2, two_servers_keep_separate_data)
{
    kv_server *one = start_server(KV_TEXT, KV_THREADS), *two = start_server(KV_TEXT, KV_THREADS);
    int a = connect_client(one), b = connect_client(two);
    roundtrip(a, "SET where one\n", "OK\n", "server one stores a key");
    roundtrip(b, "GET where\n", "(nil)\n",
              "server two has its own store: a server is a handle, with no global state "
              "shared between instances");
    close(a);
    close(b);
    kv_server_stop(one);
    kv_server_stop(two);
}

Test(level2, a_port_in_use_gets_address_in_use_and_the_first_server_keeps_serving)
{
    kv_server *first = start_server(KV_TEXT, KV_THREADS), *second = (kv_server *)&second;
    kv_config config = { .protocol = KV_TEXT, .mode = KV_THREADS, .port = kv_server_port(first) };
    kv_status status = kv_server_start(&config, &second);
    cr_assert(status == KV_ADDRESS_IN_USE && second == NULL,
              "kv_server_start on port %d, where another server listens, returned %s and %s, "
              "expected KV_ADDRESS_IN_USE and *server set to NULL",
              config.port, status_name(status), second == NULL ? "NULL" : "a server");
    int c = connect_client(first);
    roundtrip(c, "SET still here\n", "OK\n", "the failed start must not disturb the first server");
    close(c);
    kv_server_stop(first);
}

Test(level2, a_bad_configuration_is_refused_with_kv_invalid)
{
    struct {
        kv_config config;
        const char *what;
    } bad[] = {
        { { .protocol = KV_TEXT, .host = "localhost" },
          "a host name (a numeric address is needed)" },
        { { .protocol = KV_TEXT, .host = "300.1.2.3" }, "an address that is not IPv4" },
        { { .protocol = KV_TEXT, .port = 70000 }, "port 70000" },
        { { .protocol = KV_TEXT, .port = -1 }, "port -1" },
        { { .protocol = (kv_protocol)7 }, "protocol 7" },
        { { .protocol = KV_RESP, .mode = (kv_mode)9 }, "mode 9" },
        { { .protocol = KV_RESP, .stop_grace = -1 }, "a negative stop_grace" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kv_server *server = (kv_server *)&bad; /* anything but NULL, to see it cleared */
        kv_status status = kv_server_start(&bad[i].config, &server);
        cr_assert(status == KV_INVALID && server == NULL,
                  "kv_server_start with %s returned %s and %s, expected KV_INVALID and NULL",
                  bad[i].what, status_name(status), server == NULL ? "NULL" : "a server");
    }
    kv_server *server = NULL;
    kv_status status = kv_server_start(NULL, &server);
    cr_assert(status == KV_INVALID, "kv_server_start(NULL, ...) returned %s, expected KV_INVALID",
              status_name(status));
    kv_config fine = { .protocol = KV_TEXT };
    status = kv_server_start(&fine, NULL);
    cr_assert(status == KV_INVALID,
              "kv_server_start(config, NULL) returned %s, expected KV_INVALID: there is nowhere "
              "to put the server",
              status_name(status));
}

Test(level2, port_65535_is_a_valid_port)
{
    kv_config config = { .protocol = KV_TEXT, .mode = KV_THREADS, .port = 65535 };
    kv_server *server = (kv_server *)&config;
    kv_status status = kv_server_start(&config, &server);
    cr_assert(status == KV_OK || status == KV_ADDRESS_IN_USE,
              "kv_server_start on port 65535 returned %s, expected KV_OK (or KV_ADDRESS_IN_USE "
              "if something else listens there): ports run from 0 to 65535 inclusive",
              status_name(status));
    cr_assert((status == KV_OK) == (server != NULL),
              "kv_server_start returned %s and %s: *server is a server exactly on KV_OK",
              status_name(status), server == NULL ? "NULL" : "a server");
    kv_server_stop(server);
}

/* How many file descriptors this process has open (from /proc/self/fd). */
static int open_descriptors(void)
{
    DIR *dir = opendir("/proc/self/fd");
    cr_assert(dir != NULL, "cannot list /proc/self/fd: %s", strerror(errno));
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

Test(level2, a_start_that_fails_leaves_no_descriptor_open)
{
    kv_server *first = start_server(KV_TEXT, KV_THREADS), *second = NULL;
    kv_config taken = { .protocol = KV_TEXT, .mode = KV_THREADS, .port = kv_server_port(first) };
    kv_config bad = { .protocol = KV_TEXT, .host = "not an address" };
    int before = open_descriptors();
    for (int i = 0; i < 20; i++) {
        kv_status status = kv_server_start(&taken, &second);
        cr_assert(status == KV_ADDRESS_IN_USE,
                  "kv_server_start on a port where another server listens returned %s, expected "
                  "KV_ADDRESS_IN_USE",
                  status_name(status));
        status = kv_server_start(&bad, &second);
        cr_assert(status == KV_INVALID,
                  "kv_server_start with the host \"not an address\" returned %s, expected "
                  "KV_INVALID",
                  status_name(status));
    }
    int after = open_descriptors();
    cr_assert(after == before,
              "this process had %d file descriptors open before 20 starts refused with "
              "KV_ADDRESS_IN_USE and 20 with KV_INVALID, and %d after, expected the same: the "
              "header says nothing is left allocated after a failure, and a socket left open "
              "on every failed bind runs a long-lived program out of descriptors",
              before, after);
    kv_server_stop(first);
}

Test(level2, keys_with_a_nul_byte_are_refused_and_nothing_is_stored)
{
    kv_server *server = start_server(KV_RESP, KV_THREADS);
    int c = connect_client(server);
    static const char set[] = "*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$1\r\nv\r\n";
    static const char error[] = "-ERR keys must not contain NUL bytes\r\n";
    roundtrip_bytes(c, set, sizeof set - 1, error, sizeof error - 1,
                    "the store keeps keys as C strings: \"a\\0b\" would be stored as \"a\", so "
                    "the server refuses it instead of storing the wrong key");
    roundtrip(c, "GET a\r\n", "$-1\r\n", "nothing was stored under \"a\"");
    roundtrip(c, "SET a ok\r\n", "+OK\r\n", "the connection is still open and working");
    close(c);
    kv_server_stop(server);
}
