/*
 * tiny_server.h: a small RESP server the load tester's tests run against, on
 * an ephemeral loopback port, with a thread per connection. It answers GET
 * with $-1 and SET with +OK, records every command it receives, and can
 * misbehave on request, as a learner's server might.
 */
#ifndef TINY_SERVER_H
#define TINY_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"

/* How the server behaves; zero (all fields 0 or NULL) is a well-behaved server. */
typedef struct tiny_script {
    int byte_by_byte;       /* write each reply one byte per send() */
    int set_error;          /* answer SET with -ERR instead of +OK */
    const char *get_reply;  /* these bytes answer every GET (NULL: $-1) */
    size_t get_reply_len;   /* their length (0: strlen) */
    int drop_first;         /* close the first connection when its first request comes */
    const char *extra;      /* bytes sent after the first reply, answering nothing */
    int hold;               /* reply only once this many requests wait on the connection */
    int mute;               /* never reply */
    wb_manual_clock *clock; /* if set: moved by `delay` before each reply (each request if mute) */
    int64_t delay;
} tiny_script;

/* One command as the server received it. */
typedef struct tiny_command {
    char name[8];     /* "GET", "SET", or what else came (cut) */
    char key[32];     /* its first argument, NUL-terminated (cut) */
    size_t value_len; /* SET: its value's length */
    int value_is_x;   /* SET: every byte of the value is 'x' */
    int connection;   /* 0, 1, ... in the order the connections were accepted */
} tiny_command;

typedef struct tiny_server tiny_server;

/* Starts a server following `script` (copied) on 127.0.0.1 and an ephemeral
 * port; fails the test if it cannot. */
tiny_server *tiny_start(const tiny_script *script);

/* The port it listens on. */
int tiny_port(const tiny_server *server);

/* Stops it: no more connections, every connection closed, every thread joined.
 * What it recorded stays readable until tiny_free. */
void tiny_stop(tiny_server *server);
void tiny_free(tiny_server *server);

/* After tiny_stop: the commands received, in order per connection (connections interleave). */
size_t tiny_command_count(const tiny_server *server);
const tiny_command *tiny_command_at(const tiny_server *server, size_t i);

/* After tiny_stop: connections accepted; the most requests ever waiting for
 * replies on one connection; bytes that were not a RESP request ("" if none). */
int tiny_connections(const tiny_server *server);
int tiny_max_waiting(const tiny_server *server);
const char *tiny_protocol_error(const tiny_server *server);

/* How many recorded commands are named `name` (GET, SET). */
size_t tiny_count_named(const tiny_server *server, const char *name);

#endif /* TINY_SERVER_H */
