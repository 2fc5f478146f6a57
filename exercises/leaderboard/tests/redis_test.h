/*
 * redis_test.h: a real redis-server for the differential tests. The test
 * starts one of its own on a free loopback port, talks RESP to it over a
 * socket (no client library), and stops it at the end. The server dies with
 * the test process whatever happens (it is told to by the kernel), so a
 * failed or timed-out test leaves no stray server behind.
 */
#ifndef REDIS_TEST_H
#define REDIS_TEST_H

#include <stddef.h>

#include "leaderboard.h"

typedef struct redis redis;

/* What a RESP2 reply holds. */
enum resp_type { RESP_STATUS, RESP_ERROR, RESP_INT, RESP_BULK, RESP_NIL, RESP_ARRAY };

struct resp {
    enum resp_type type;
    long long integer;  /* RESP_INT */
    char *str;          /* RESP_STATUS, RESP_ERROR, RESP_BULK: the bytes and a NUL */
    size_t len;         /* of str */
    size_t n;           /* RESP_ARRAY: items */
    struct resp *items; /* RESP_ARRAY */
};

/*
 * Starts a redis-server and connects to it: the program named by the
 * REDIS_SERVER environment variable, or else the redis-server on PATH. If
 * there is none, frees `board` (which may be NULL) and skips the test, saying
 * how to install one. If a server will not start, fails the test with its log.
 */
redis *redis_start_or_skip(lb_board *board);

/* Stops the server (SIGKILL: it saves nothing) and frees everything. */
void redis_stop(redis *r);

/*
 * Fails the test with the message, after stopping the server. Every failure
 * while a server runs goes through here, so the test never leaves one behind.
 */
_Noreturn void redis_fail(redis *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Queues one command (argv[0] is its name), to be sent with the next redis_reply. */
void redis_queue(redis *r, size_t argc, const char *const *argv);

/* Queues a command given as strings up to a NULL: redis_queuev(r, "ZCARD", "z", NULL). */
void redis_queuev(redis *r, ...);

/* Sends what is queued and reads the next reply (replies come in the order the
 * commands were queued). Fails the test if the connection breaks. */
void redis_reply(redis *r, struct resp *out);

/* The reply as redis-cli shows it: (integer) 3, "100", (nil), (error) ERR ... */
const char *resp_text(const struct resp *reply);

void resp_free(struct resp *reply);

#endif /* REDIS_TEST_H */
