/*
 * kv_serve.c: the server as a program, what `make serve` runs: your
 * tcp_server (IMPL=solution: the reference) on a port until Ctrl-C or
 * SIGTERM, then a graceful stop.
 *
 *     kv_serve [--port N] [--host ADDR] [--protocol resp|text] [--mode threads|loop]
 *              [--capacity KEYS]
 *
 * Signals are handled the way a threaded program should: blocked in every
 * thread before the server starts (threads inherit the mask), and taken by
 * sigwait on the main thread, which then calls kv_server_stop. No handler
 * runs in the middle of the server's code.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp_server.h"

static void usage(const char *program)
{
    fprintf(stderr,
            "usage: %s [--port N] [--host ADDR] [--protocol resp|text] [--mode threads|loop] "
            "[--capacity KEYS]\n",
            program);
    exit(2);
}

/* Reads the options into config; returns it. */
static kv_config parse_options(int argc, char **argv)
{
    kv_config config = { .protocol = KV_RESP, .mode = KV_THREADS, .port = 6379 };
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
            usage(argv[0]);
        i++;
        if (strcmp(option, "--port") == 0)
            config.port = atoi(value);
        else if (strcmp(option, "--host") == 0)
            config.host = value;
        else if (strcmp(option, "--capacity") == 0)
            config.capacity = (size_t)strtoull(value, NULL, 10);
        else if (strcmp(option, "--protocol") == 0 && strcmp(value, "resp") == 0)
            config.protocol = KV_RESP;
        else if (strcmp(option, "--protocol") == 0 && strcmp(value, "text") == 0)
            config.protocol = KV_TEXT;
        else if (strcmp(option, "--mode") == 0 && strcmp(value, "threads") == 0)
            config.mode = KV_THREADS;
        else if (strcmp(option, "--mode") == 0 && strcmp(value, "loop") == 0)
            config.mode = KV_EVENT_LOOP;
        else
            usage(argv[0]);
    }
    return config;
}

static const char *status_text(kv_status status)
{
    switch (status) {
    case KV_OK:
        return "ok";
    case KV_INVALID:
        return "an invalid option (the host must be a numeric IPv4 address)";
    case KV_ADDRESS_IN_USE:
        return "the port is in use (is another server running? PORT=6380 picks another)";
    case KV_NO_MEMORY:
        return "out of memory";
    case KV_SYSTEM:
        return "a system call failed (a port below 1024 needs root)";
    }
    return "an unknown status";
}

int main(int argc, char **argv)
{
    kv_config config = parse_options(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, also into a pipe */

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    kv_server *server = NULL;
    kv_status status = kv_server_start(&config, &server);
    if (status != KV_OK) {
        fprintf(stderr, "tcp_server could not start on port %d: %s\n", config.port,
                status_text(status));
        return 1;
    }
    printf("tcp_server listening on %s:%d (%s, %s), pid %d. Ctrl-C stops it.\n",
           config.host ? config.host : "127.0.0.1", kv_server_port(server),
           config.protocol == KV_RESP ? "RESP: redis-cli, redis-benchmark, nc" : "text: nc",
           config.mode == KV_THREADS ? "a thread per connection" : "one event loop", (int)getpid());
    if (config.protocol == KV_TEXT)
        printf("Try: nc 127.0.0.1 %d, then type SET city Lisbon, GET city\n",
               kv_server_port(server));
    else
        printf("Try: redis-cli -p %d, or nc 127.0.0.1 %d and type PING\n", kv_server_port(server),
               kv_server_port(server));

    int signal = 0;
    sigwait(&stop_signals, &signal);
    printf("\n%s: stopping (answering what clients sent, then closing)...\n",
           signal == SIGINT ? "SIGINT" : "SIGTERM");
    kv_server_stop(server);
    printf("stopped.\n");
    return 0;
}
