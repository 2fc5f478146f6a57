/*
 * redis_server.h: a real redis-server for the tests that check the load
 * tester against Redis itself: started on a free loopback port with no
 * persistence, killed at the end (or with the test's process).
 */
#ifndef LT_REDIS_SERVER_H
#define LT_REDIS_SERVER_H

#include <stddef.h>

typedef struct redis_server redis_server;

/*
 * Starts the program named by REDIS_SERVER, or else the redis-server on
 * PATH, and waits until it answers PING. If there is none, the test is
 * skipped, saying how to install it. Fails the test if it does not start.
 */
redis_server *redis_start_or_skip(void);

/* The port it listens on, on 127.0.0.1. */
int redis_port(const redis_server *server);

/*
 * Sends `request` (raw RESP) on a fresh connection and reads until the
 * reply is as long as `want`; fails the test, showing both with the first
 * difference marked, unless the bytes are exactly `want`.
 */
void redis_expect_reply(redis_server *server, const char *request, const char *want,
                        size_t want_len, const char *why);

/* Kills it and removes its files. NULL does nothing. */
void redis_stop(redis_server *server);

#endif /* LT_REDIS_SERVER_H */
