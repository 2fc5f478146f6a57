/*
 * kv_test.h: what the tcp_server tests share, so that each test reads as its
 * scenario: starting servers, clients on real sockets, replies compared byte
 * for byte (with a caret under the first difference), and the real Redis
 * clients run as programs. Every check goes through tcp_server.h and the
 * sockets; a helper's `why` argument, a sentence about the scenario, ends its
 * failure message.
 */
#ifndef KV_TEST_H
#define KV_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <criterion/criterion.h>

#include "tcp_server.h"
#include "transcript.h"
#include "wb/test.h"

/* ---- names for messages ---- */

/* "KV_OK", "KV_INVALID", ... or "an unknown status (17)". */
const char *status_name(kv_status status);

/* "KV_PARSE_OK", "KV_PARSE_INCOMPLETE", "KV_PARSE_ERROR", or "an unknown status (9)". */
const char *parse_status_name(kv_parse_status status);

/* "KV_TEXT" or "KV_RESP"; "KV_THREADS" or "KV_EVENT_LOOP". */
const char *protocol_name(kv_protocol protocol);
const char *mode_name(kv_mode mode);

/* ---- the parser (level 1) ---- */

/* kv_parse of a C string; `cmd` is a static buffer of the calling thread. */
kv_command *parse_text(kv_protocol protocol, const char *text, kv_parse_status *status);

/*
 * kv_parse must give KV_PARSE_OK with exactly the arguments `args` (n C
 * strings) and use `used` bytes of the input.
 */
void expect_command(kv_protocol protocol, const void *input, size_t len, size_t used,
                    const char *const *args, size_t n, const char *why);

/* kv_parse must give KV_PARSE_INCOMPLETE (and used 0, argc 0). */
void expect_incomplete(kv_protocol protocol, const void *input, size_t len, const char *why);

/* kv_parse must give KV_PARSE_ERROR with exactly this message. */
void expect_parse_error(kv_protocol protocol, const void *input, size_t len, const char *message,
                        const char *why);

/* ---- servers ---- */

/* The per-read wait, in milliseconds: how long a client waits for bytes before it
 * gives up (a quarter of the test's time limit, so that the message beats it). */
int wait_ms(void);

/* kv_server_start(config), failing the test unless it returns KV_OK. */
kv_server *start_server_with(const kv_config *config);

/* A server with every other setting at its default: 127.0.0.1, an ephemeral port. */
kv_server *start_server(kv_protocol protocol, kv_mode mode);

/* ---- clients ---- */

/* A new client connected to the server (TCP_NODELAY, so small writes go at once). */
int connect_client(const kv_server *server);

/* A connect to 127.0.0.1:port: the socket, or -errno. */
int try_connect(int port);

/* Sends all the bytes, failing the test if the connection refuses them. */
void send_bytes(int fd, const void *bytes, size_t len);
void send_text(int fd, const char *text);

/*
 * Reads until `want_len` bytes came, or until they stop matching `want`,
 * or the connection closes, or wait_ms passes. Returns NULL when exactly
 * `want` came, else a message: what was expected and what came, with a
 * caret at the first difference, and how the read ended. Never asserts, so
 * that threads may call it.
 */
char *await_reply(int fd, const void *want, size_t want_len);

/* Sends `request` and awaits `reply` (C strings) without asserting, for threads: NULL when
 * the reply is right, else a message (free it) that shows the request too. */
char *try_roundtrip(int fd, const char *request, const char *reply);

/* await_reply, failing the test with `sent` (the request, shown escaped) and `why`. */
void expect_reply(int fd, const char *sent, const void *want, size_t want_len, const char *why);

/* Sends `request` (a C string) and expects exactly `reply` (a C string) back. */
void roundtrip(int fd, const char *request, const char *reply, const char *why);

/* The same for byte strings that may hold NUL. */
void roundtrip_bytes(int fd, const void *request, size_t request_len, const void *reply,
                     size_t reply_len, const char *why);

/*
 * Reads until the server closes the connection (end of stream or reset),
 * into buf (cap bytes; more is counted and dropped). Returns the number of
 * bytes that came; *closed says whether the close came within wait_ms of
 * the last byte.
 */
size_t read_until_closed(int fd, void *buf, size_t cap, bool *closed);

/* Waits up to wait_ms, without reading, for the server to reset the connection (or hang
 * it up); true if it did. */
bool await_hangup(int fd);

/* The server must close the connection with nothing more (or exactly `rest`) before. */
void expect_closed(int fd, const char *rest, const char *why);

/* ---- a scripted conversation ---- */

/* Plays the steps in order on one connection: each reply must come before the next send. */
void play(int fd, const struct exchange *steps, size_t n, const char *why);

/* ---- real programs: redis-cli, redis-benchmark ---- */

/* Skips the test unless `program` is on the PATH (with the command that installs it). */
void need_program(const char *program, const char *package);

struct program_run {
    int status;     /* exit status; -1 if it was killed after the time limit */
    char out[8192]; /* what it printed on stdout (the start, if more) */
    size_t out_len;
    char err[8192]; /* and on stderr */
    size_t err_len;
};

/* Runs argv (searched on the PATH) with stdin empty, for at most limit_ms. */
void run_program(char *const argv[], int limit_ms, struct program_run *run);

/* An interactive program on a pseudo-terminal, as a person at a keyboard sees it. */
struct terminal {
    int master;         /* our side of the pseudo-terminal */
    int pid;            /* the program */
    char screen[32768]; /* everything it has shown, with NULs dropped */
    size_t len;
};

/* Starts argv on a new pseudo-terminal with TERM=dumb (no cursor escapes). */
void terminal_start(struct terminal *t, char *const argv[]);

/* Waits until `text` shows on the screen after byte `from`; returns where it ends
 * there, or 0 if it did not come within wait_ms. */
size_t terminal_wait_for(struct terminal *t, const char *text, size_t from);

/* Types `text` (use "\n" for Enter). */
void terminal_type(struct terminal *t, const char *text);

/* Waits for the program to end (killing it after wait_ms) and returns its exit status, -1 if
 * killed. */
int terminal_end(struct terminal *t);

/* ---- the process ---- */

/* How many threads this process has right now (from /proc/self/task). */
int thread_count(void);

/* Makes sure this process may open `n` file descriptors; false if the hard limit is lower. */
bool allow_open_files(int n);

#endif /* KV_TEST_H */
