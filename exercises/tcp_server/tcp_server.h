/*
 * tcp_server.h: a key-value server on TCP. It speaks a line protocol you can
 * type into nc, or Redis's protocol (RESP) so that redis-cli and
 * redis-benchmark work against it, and it keeps its data in the lru_cache
 * exercise.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in tcp_server.c. Levels (see README.md): 1 the parser, 2 serving
 * clients with a thread per connection, 3 Redis compatibility, 4 one event
 * loop, 5 graceful shutdown.
 */
#ifndef TCP_SERVER_H
#define TCP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"

/*
 * ---- The two protocols -----------------------------------------------------
 *
 * KV_TEXT, for nc. One command per line, ended by "\n" (a "\r" just before
 * it is dropped). A line splits into at most three arguments, separated by
 * runs of spaces and tabs: the command, the key, and the rest of the line,
 * kept as it is, so that `SET greeting hello world` stores "hello world".
 * Commands: SET key value, GET key, DEL key, QUIT (GET and DEL take exactly
 * one key; QUIT ignores anything after it). Each reply is one line ended by
 * "\n":
 *     OK                      SET; DEL (whether or not the key was there); QUIT
 *     the value               GET of a key that is there
 *     (nil)                   GET of a key that is not
 *     ERR <message>           an error (the messages of KV_RESP, below)
 *
 * KV_RESP, Redis's protocol, for redis-cli, redis-benchmark and any Redis
 * client. A request is either
 *   - multibulk: "*<n>\r\n" then n bulk strings "$<len>\r\n<len bytes>\r\n"
 *     (binary-safe: the bytes may be anything, CR, LF and NUL included), or
 *   - inline, any request that does not start with '*': one line, split into
 *     any number of arguments on runs of spaces and tabs (no quoting).
 * Replies are RESP2, byte for byte as Redis 7 sends them:
 *     +OK\r\n   +PONG\r\n                  status
 *     $5\r\nhello\r\n   $-1\r\n (nil)      bulk string, null bulk string
 *     :42\r\n                              integer
 *     *2\r\n$4\r\nsave\r\n$0\r\n\r\n        array
 *     -ERR <message>\r\n                   error
 * Commands (names in any case; keys and values are byte strings):
 *     PING [message]        +PONG, or message as a bulk string
 *     ECHO message          message as a bulk string
 *     SET key value         +OK; stores value and removes any TTL; no options
 *                           (SET k v EX 10 gets "-ERR syntax error", as Redis
 *                           answers an option it does not know)
 *     GET key               the value, or $-1
 *     DEL key [key ...]     :<how many of the keys were there>
 *     EXISTS key [key ...]  :<how many of the keys are there> (a key named
 *                           twice counts twice)
 *     INCR key              :<the new value>; a missing key counts as 0; the
 *                           key keeps its TTL. Errors: "value is not an integer
 *                           or out of range" (the value is not a 64-bit
 *                           integer written the canonical way: an optional
 *                           '-', digits, no leading zero, no '+', no spaces),
 *                           "increment or decrement would overflow"
 *     EXPIRE key seconds    :1 if the key is there (and now expires after that
 *                           many seconds of the server's clock; 0 or less,
 *                           however negative, deletes it at once), :0 if
 *                           not. Errors: "value is not an integer or out of
 *                           range", "invalid expire time in 'expire'
 *                           command" (more than 9223372036 s)
 *     TTL key               :<seconds left, rounded to the nearest second,
 *                           a half up>, :-1 if the key never expires, :-2 if
 *                           it is not there
 *     DBSIZE                :<number of keys>
 *     QUIT                  +OK, then the server closes the connection (any
 *                           arguments are ignored, as Redis 7 ignores them)
 *     CONFIG GET name...    an array of name/value pairs for the parameters
 *                           it knows, in the order asked, each name as it
 *                           was asked ("save" is "", "appendonly" is "no":
 *                           the server keeps nothing on disk), *0\r\n if none
 *     COMMAND [DOCS ...]    *0\r\n (what redis-cli asks on connect)
 * Errors, worded as Redis 7 words them:
 *     unknown command 'FOO', with args beginning with: 'a' 'b' [and a space]
 *         (each argument quoted and followed by a space; the name is cut at
 *         128 bytes, arguments are added while the list is shorter than 128
 *         bytes and each is cut so that it ends at 128, and at its first NUL
 *         byte, as Redis's %s cuts it; CR and LF are shown as spaces)
 *     wrong number of arguments for 'get' command   (the name in lower case;
 *         for CONFIG GET without a name, 'config|get')
 *     unknown subcommand 'FOO'. Try CONFIG HELP.    (and COMMAND HELP)
 *     syntax error
 * One error of the workbook's own: a key that holds a NUL byte gets
 * "-ERR keys must not contain NUL bytes" and the command does nothing (every
 * key is checked before it runs, so a DEL with one such key deletes none),
 * because the lru_cache takes keys as C strings.
 *
 * Both protocols: an empty line (nothing but spaces and tabs) and a
 * multibulk of 0 or fewer arguments ("*0\r\n", "*-1\r\n") get no reply:
 * silence is what a client typing Enter expects. Commands that arrive
 * together (pipelining) are answered in order. A protocol error (below) gets
 * one error reply, after the replies to the commands before it, and then the
 * server closes the connection, as Redis does: after a framing error the
 * stream cannot be trusted.
 */
typedef enum kv_protocol {
    KV_TEXT, /* one command per line, for nc; replies OK, the value, (nil) or ERR ... */
    KV_RESP  /* Redis's protocol, inline or multibulk; RESP2 replies */
} kv_protocol;

/* ---- Level 1: the parser ------------------------------------------------ */

#define KV_MAX_ARGS   1024                 /* arguments in one command */
#define KV_MAX_INLINE (64 * 1024)          /* bytes in one line, its "\r" but not its "\n" */
#define KV_MAX_BULK   (512L * 1024 * 1024) /* bytes in one bulk string, as Redis allows */

/* One argument: a view into the bytes that were parsed, not a copy. */
typedef struct kv_arg {
    const char *data; /* borrowed from the caller's buffer; not NUL-terminated */
    size_t len;
} kv_arg;

/* What kv_parse found. */
typedef struct kv_command {
    size_t used;              /* KV_PARSE_OK: bytes of the buffer this command took; else 0 */
    size_t argc;              /* KV_PARSE_OK: arguments found, 0 for an empty command; else 0 */
    kv_arg argv[KV_MAX_ARGS]; /* argv[0] is the command name, exactly as sent */
    char error[96];           /* KV_PARSE_ERROR: the message (below); else "" */
} kv_command;

typedef enum kv_parse_status {
    KV_PARSE_OK,         /* one whole command: cmd->used bytes, cmd->argc arguments */
    KV_PARSE_INCOMPLETE, /* the bytes begin a command but do not finish it: read more */
    KV_PARSE_ERROR       /* no bytes that could follow would make a command */
} kv_parse_status;

/*
 * Parses the first command in `buf` (`len` bytes; buf may be NULL when len is
 * 0) as `protocol` says, and fills *cmd. A pure function: it reads only
 * buf[0 .. len-1] and *cmd, writes only *cmd, allocates nothing, and gives
 * the same answer for the same bytes, so it can be tested without a socket
 * and called again from the start of the buffer when more bytes arrive.
 *
 * - KV_PARSE_OK: buf begins with a whole command of cmd->used bytes
 *   (at least 1). Any bytes after it are the next command's and are not
 *   looked at. The arguments point into buf, so they live as long as the
 *   buffer does; the byte right after each argument (a space, a tab, CR or
 *   LF) is part of the command, so a server that owns the buffer may
 *   overwrite it with a NUL to use the argument as a C string. argc is 0 for
 *   an empty command (an empty line, "*0\r\n", "*-1\r\n"): consume its bytes
 *   and send no reply.
 * - KV_PARSE_INCOMPLETE: every byte so far fits a command that has not
 *   ended. Every strict prefix of a valid command gives this answer.
 * - KV_PARSE_ERROR: cmd->error holds the message, worded as Redis words it
 *   (the server replies "-ERR " + message, then closes the connection):
 *     "Protocol error: too big inline request"     a line longer than
 *         KV_MAX_INLINE bytes: as soon as KV_MAX_INLINE + 1 bytes have come
 *         without a "\n", or when the "\n" comes too late
 *     "Protocol error: too many arguments"         an inline line with more
 *         than KV_MAX_ARGS arguments (the workbook's own message)
 *     "Protocol error: invalid multibulk length"   "*" and anything but an
 *         integer up to KV_MAX_ARGS before "\r\n" ("*x", "*", "*1x",
 *         "*99999999999999999999"); a count of 0 or less is an empty command
 *     "Protocol error: expected '$', got 'x'"      an argument that does not
 *         start with '$' (the byte shown as it is; CR, LF and bytes that are
 *         not printable ASCII shown as a space and '?' respectively)
 *     "Protocol error: invalid bulk length"        "$" and anything but an
 *         integer from 0 to KV_MAX_BULK before "\r\n" ("$-1", "$x")
 *     "Protocol error: bulk string not followed by CRLF" (the workbook's
 *         own: Redis skips those two bytes without looking at them)
 *     "Protocol error: too big mbulk count string" / "... bulk count string"
 *         a "*" or "$" followed by KV_MAX_INLINE bytes with no "\n" among them
 *   A header line ("*3", "$5") must end in "\r\n"; its number is checked
 *   once its "\n" has come. The first byte of each argument is checked as
 *   soon as it has come, and the two bytes after a bulk string once both
 *   have come (until then the command is incomplete). Integers are an
 *   optional '-' and decimal digits.
 * In KV_TEXT mode a '*' is an ordinary byte: every request is a line.
 *
 * `cmd` must not be NULL. Complexity: O(used), or O(len) when incomplete.
 */
kv_parse_status kv_parse(kv_protocol protocol, const void *buf, size_t len, kv_command *cmd);

/* ---- Level 2: serving clients ------------------------------------------- */

/*
 * A running server: a listening socket, the connections it serves, and the
 * data, stored in an lru_cache (from lru_cache.h) of config.capacity keys.
 * GET, SET and INCR make their key the most recently used; EXISTS, TTL and
 * EXPIRE do not. Opaque: every function below takes it.
 */
typedef struct kv_server kv_server;

typedef enum kv_mode {
    KV_THREADS,   /* level 2: one thread per connection, blocking sockets */
    KV_EVENT_LOOP /* level 4: one thread for every connection: epoll, non-blocking sockets */
} kv_mode;

#define KV_DEFAULT_CAPACITY   1000000            /* keys */
#define KV_DEFAULT_MAX_OUTPUT (64 * 1024 * 1024) /* bytes of unsent replies */
#define KV_DEFAULT_STOP_GRACE (1000 * WB_MSEC)   /* see kv_server_stop */

/*
 * How to run a server. Zero means "the default" for every field, so
 *     kv_config config = { .protocol = KV_RESP, .mode = KV_EVENT_LOOP };
 * is a complete configuration (an ephemeral port on 127.0.0.1).
 */
typedef struct kv_config {
    kv_protocol protocol;
    kv_mode mode;
    const char *host;      /* numeric IPv4 address to listen on; NULL means "127.0.0.1" */
    int port;              /* 0 to 65535; 0 means an ephemeral port (kv_server_port tells it) */
    size_t capacity;       /* most keys stored; beyond it the least recently used goes */
    size_t max_output;     /* KV_EVENT_LOOP: a connection whose unsent replies exceed this
                              many bytes is closed (level 4) */
    int64_t stop_grace;    /* nanoseconds kv_server_stop waits for clients to take their last
                              replies, on the system's monotonic clock (level 5) */
    const wb_clock *clock; /* where EXPIRE and TTL read the time; NULL means the monotonic
                              clock. Borrowed: it must outlive the server */
} kv_config;

/* What kv_server_start returns. */
typedef enum kv_status {
    KV_OK = 0,
    KV_INVALID,        /* config or server is NULL, an unknown protocol or mode, a host that is
                          not a numeric IPv4 address, a port outside 0..65535, a negative
                          stop_grace */
    KV_ADDRESS_IN_USE, /* another socket already listens on that address and port */
    KV_NO_MEMORY,      /* an allocation failed */
    KV_SYSTEM          /* another system call failed (socket, bind, listen, threads) */
} kv_status;

/*
 * Starts a server as `config` says and returns once it listens: a client may
 * connect as soon as this returns. The server runs on threads of its own
 * (KV_THREADS: one that accepts and one per connection; KV_EVENT_LOOP: one
 * for everything) until kv_server_stop. Copies what it needs from config
 * (the host string included); the clock is borrowed.
 *
 * On KV_OK, *server is the new server. On any other status *server is NULL
 * (if server is not NULL), nothing is left running or allocated, and no
 * other server is disturbed. Sockets are opened with SO_REUSEADDR, so a
 * port that was just used is free again at once.
 */
kv_status kv_server_start(const kv_config *config, kv_server **server);

/* The port the server listens on: config.port, or the ephemeral port chosen
 * when config.port was 0. Thread-safe. */
int kv_server_port(const kv_server *server);

/*
 * Stops the server and frees it, and everything it owns: the listening
 * socket is closed, every connection is closed, every thread is joined, the
 * cache is destroyed. When it returns, nothing of the server is left. NULL
 * is a no-op. Call it once per server, from a thread that is not one of the
 * server's own, and not from a signal handler.
 *
 * Level 5 makes the stop graceful: first the server stops accepting (as
 * kv_server_shutdown does); then, on each connection, it reads what the
 * client has already sent, executes every whole command in it (a command
 * cut short is dropped), sends the replies, and closes the connection.
 * A client that does not take its replies cannot hold the stop forever: after
 * config.stop_grace, its connection is closed with the replies it left.
 */
void kv_server_stop(kv_server *server);

/* ---- Level 3: Redis compatibility --------------------------------------- */

/*
 * No new functions: the KV_RESP commands and replies above, byte for byte,
 * so that redis-cli (one-shot and interactive) and redis-benchmark work.
 */

/* ---- Level 4: one event loop -------------------------------------------- */

/*
 * No new functions: config.mode = KV_EVENT_LOOP. One thread serves every
 * connection with epoll and non-blocking sockets; the number of threads does
 * not grow with the number of connections (1,000 at once is ordinary). Each
 * connection has an input buffer (bytes read, not yet a whole command) and an
 * output buffer (replies not yet written). A client that sends commands but
 * does not read the replies must not slow the others down: the server writes
 * what the socket takes and moves on. It keeps executing what that client
 * sent, and if the client's unsent replies grow past config.max_output bytes
 * (counting only what the socket did not take), the server cuts it off at
 * once: it resets the connection (SO_LINGER with a zero timeout, then close),
 * which drops the queued replies and tells the client right away, where a
 * plain close would leave megabytes queued behind the FIN.
 */

/* ---- Level 5: graceful shutdown ----------------------------------------- */

/*
 * Asks the server to stop, and returns at once: the stop described at
 * kv_server_stop begins on the server's own threads. When this returns the
 * server accepts no new connection (a connect is refused); the clients
 * already connected get the replies to what they sent, then see their
 * connection close. kv_server_stop must still be called, to wait for the end
 * and free the server.
 *
 * Async-signal-safe: a SIGINT or SIGTERM handler may call it. It may be
 * called any number of times, from any thread, until kv_server_stop.
 */
void kv_server_shutdown(kv_server *server);

#endif /* TCP_SERVER_H */
