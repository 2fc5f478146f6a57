/*
 * tiny_server.c: the test server of tiny_server.h. A thread accepts, a
 * thread per connection reads requests, records them and answers as its
 * script says. It parses requests on its own, so that the load tester's
 * RESP code is never checked against itself.
 */
#include "tiny_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lt_test.h"

enum { MAX_CONNECTIONS = 64, IN_CAP = 1 << 20, MAX_WAITING = 4096, MAX_ARGS = 8 };

typedef struct handler {
    tiny_server *server;
    pthread_t thread;
    int fd;
    int number;
} handler;

struct tiny_server {
    tiny_script script;
    int listen_fd, port;
    int wake[2]; /* a byte written to wake[1] stops the acceptor */
    pthread_t acceptor;
    pthread_mutex_t lock; /* guards everything below */
    handler handlers[MAX_CONNECTIONS];
    int n_handlers;
    tiny_command *commands;
    size_t n_commands, cap;
    int max_waiting;
    char protocol_error[160];
};

/* ---- requests ---- */

/* A decimal number then \r\n at buf[*at]: 1 and the value, 0 if more bytes are needed, -1 if bad.
 */
static int read_count(const char *buf, size_t len, size_t *at, size_t *value)
{
    size_t n = 0, i = *at;
    for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
        n = n * 10 + (size_t)(buf[i] - '0');
    if (i + 2 > len)
        return 0;
    if (i == *at || buf[i] != '\r' || buf[i + 1] != '\n' || n > IN_CAP)
        return -1;
    *at = i + 2;
    *value = n;
    return 1;
}

/* One multibulk request at buf: 1 (cmd filled, *used set), 0 if incomplete, -1 if not a request. */
static int parse_request(const char *buf, size_t len, tiny_command *cmd, size_t *used)
{
    size_t at = 1, argc, arg_len[MAX_ARGS], arg_at[MAX_ARGS];
    if (len == 0)
        return 0;
    if (buf[0] != '*')
        return -1;
    int r = read_count(buf, len, &at, &argc);
    if (r <= 0 || argc == 0 || argc > MAX_ARGS)
        return r == 0 ? 0 : -1;
    for (size_t i = 0; i < argc; i++) {
        if (at == len)
            return 0;
        if (buf[at++] != '$')
            return -1;
        if ((r = read_count(buf, len, &at, &arg_len[i])) <= 0)
            return r;
        if (at + arg_len[i] + 2 > len)
            return 0;
        if (buf[at + arg_len[i]] != '\r' || buf[at + arg_len[i] + 1] != '\n')
            return -1;
        arg_at[i] = at;
        at += arg_len[i] + 2;
    }
    *cmd = (tiny_command){ 0 };
    snprintf(cmd->name, sizeof cmd->name, "%.*s", (int)arg_len[0], buf + arg_at[0]);
    if (argc > 1)
        snprintf(cmd->key, sizeof cmd->key, "%.*s", (int)arg_len[1], buf + arg_at[1]);
    if (argc > 2) {
        cmd->value_len = arg_len[2];
        cmd->value_is_x = 1;
        for (size_t i = 0; i < arg_len[2]; i++)
            cmd->value_is_x &= buf[arg_at[2] + i] == 'x';
    }
    *used = at;
    return 1;
}

/* ---- replies ---- */

static void send_all(int fd, const char *bytes, size_t len, int one_at_a_time)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = send(fd, bytes + done, one_at_a_time ? 1 : len - done, MSG_NOSIGNAL);
        if (n <= 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the client went away: nothing more to answer */
        done += (size_t)n;
    }
}

static void reply(handler *h, const tiny_command *cmd, int first)
{
    const tiny_script *s = &h->server->script;
    const char *bytes = "-ERR unknown command\r\n";
    size_t len;
    if (strcmp(cmd->name, "GET") == 0)
        bytes = s->get_reply != NULL ? s->get_reply : "$-1\r\n";
    else if (strcmp(cmd->name, "SET") == 0)
        bytes = s->set_error ? "-ERR the tiny server refuses SET\r\n" : "+OK\r\n";
    len = bytes == s->get_reply && s->get_reply_len > 0 ? s->get_reply_len : strlen(bytes);
    if (s->clock != NULL)
        wb_manual_clock_advance(s->clock, s->delay);
    if (first && s->extra != NULL) { /* in the same send, so that both arrive in one read */
        char both[256];
        int n = snprintf(both, sizeof both, "%.*s%s", (int)len, bytes, s->extra);
        send_all(h->fd, both, (size_t)n < sizeof both ? (size_t)n : sizeof both - 1, 0);
        return;
    }
    send_all(h->fd, bytes, len, s->byte_by_byte);
}

/* ---- connections ---- */

static void record(tiny_server *server, tiny_command *cmd, int waiting)
{
    pthread_mutex_lock(&server->lock);
    if (server->n_commands == server->cap) {
        size_t cap = server->cap ? server->cap * 2 : 1024;
        tiny_command *bigger = realloc(server->commands, cap * sizeof *bigger);
        if (bigger != NULL) {
            server->commands = bigger;
            server->cap = cap;
        }
    }
    if (server->n_commands < server->cap)
        server->commands[server->n_commands++] = *cmd;
    if (waiting > server->max_waiting)
        server->max_waiting = waiting;
    pthread_mutex_unlock(&server->lock);
}

static void note_protocol_error(tiny_server *server, const char *bytes, size_t len)
{
    pthread_mutex_lock(&server->lock);
    if (server->protocol_error[0] == '\0')
        snprintf(server->protocol_error, sizeof server->protocol_error, "%s", wb_qn(bytes, len));
    pthread_mutex_unlock(&server->lock);
}

/* Parses every whole request in in[0 .. *len) into waiting[], keeping the rest. 0 if bad bytes. */
static int take_requests(handler *h, char *in, size_t *len, tiny_command *waiting, int *n)
{
    size_t at = 0, used;
    int r = 0;
    while (*n < MAX_WAITING && (r = parse_request(in + at, *len - at, &waiting[*n], &used)) == 1) {
        waiting[*n].connection = h->number;
        record(h->server, &waiting[*n], *n + 1);
        (*n)++;
        at += used;
        if (h->server->script.mute && h->server->script.clock != NULL)
            wb_manual_clock_advance(h->server->script.clock, h->server->script.delay);
    }
    if (r == -1 || (*len == IN_CAP && at == 0)) {
        note_protocol_error(h->server, in + at, *len - at);
        return 0;
    }
    memmove(in, in + at, *len - at);
    *len -= at;
    return 1;
}

static void *serve(void *arg)
{
    handler *h = arg;
    const tiny_script *s = &h->server->script;
    char *in = malloc(IN_CAP);
    tiny_command *waiting = malloc(MAX_WAITING * sizeof *waiting);
    size_t len = 0;
    int n = 0, replied = 0;
    ssize_t got;
    while (in != NULL && waiting != NULL && (got = recv(h->fd, in + len, IN_CAP - len, 0)) > 0) {
        len += (size_t)got;
        if (!take_requests(h, in, &len, waiting, &n))
            break;
        if (h->number == 0 && s->drop_first && n > 0)
            break; /* closed with the request unanswered */
        if (s->mute || n < (s->hold > 0 ? s->hold : 1))
            continue;
        for (int i = 0; i < n; i++)
            reply(h, &waiting[i], replied++ == 0);
        n = 0;
    }
    shutdown(h->fd, SHUT_RDWR); /* tiny_stop closes it, after the join */
    free(in);
    free(waiting);
    return NULL;
}

static void *accept_loop(void *arg)
{
    tiny_server *server = arg;
    struct pollfd fds[2] = { { .fd = server->listen_fd, .events = POLLIN },
                             { .fd = server->wake[0], .events = POLLIN } };
    while (poll(fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN)) {
        int fd = accept(server->listen_fd, NULL, NULL), one = 1;
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_mutex_lock(&server->lock);
        int i = server->n_handlers;
        if (i < MAX_CONNECTIONS) {
            server->handlers[i] = (handler){ .server = server, .fd = fd, .number = i };
            if (pthread_create(&server->handlers[i].thread, NULL, serve, &server->handlers[i]) == 0)
                server->n_handlers++;
            else
                close(fd);
        } else {
            close(fd);
        }
        pthread_mutex_unlock(&server->lock);
    }
    return NULL;
}

/* ---- the server ---- */

tiny_server *tiny_start(const tiny_script *script)
{
    tiny_server *server = calloc(1, sizeof *server);
    cr_assert(server != NULL, "the test ran out of memory");
    server->script = *script;
    pthread_mutex_init(&server->lock, NULL);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t addr_len = sizeof addr;
    server->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(server->listen_fd >= 0 && bind(server->listen_fd, (void *)&addr, sizeof addr) == 0 &&
                  listen(server->listen_fd, 128) == 0 &&
                  getsockname(server->listen_fd, (void *)&addr, &addr_len) == 0 &&
                  pipe(server->wake) == 0,
              "the tiny test server could not listen on 127.0.0.1, port 0: %s", strerror(errno));
    server->port = ntohs(addr.sin_port);
    cr_assert(pthread_create(&server->acceptor, NULL, accept_loop, server) == 0,
              "the tiny test server could not start its thread");
    return server;
}

int tiny_port(const tiny_server *server)
{
    return server->port;
}

void tiny_stop(tiny_server *server)
{
    if (server->listen_fd < 0)
        return;
    (void)!write(server->wake[1], "x", 1);
    pthread_join(server->acceptor, NULL);
    close(server->listen_fd);
    close(server->wake[0]);
    close(server->wake[1]);
    server->listen_fd = -1;
    for (int i = 0; i < server->n_handlers; i++) {
        shutdown(server->handlers[i].fd, SHUT_RDWR); /* its recv returns 0: the thread ends */
        pthread_join(server->handlers[i].thread, NULL);
        close(server->handlers[i].fd);
    }
}

void tiny_free(tiny_server *server)
{
    if (server == NULL)
        return;
    tiny_stop(server);
    pthread_mutex_destroy(&server->lock);
    free(server->commands);
    free(server);
}

size_t tiny_command_count(const tiny_server *server)
{
    return server->n_commands;
}

const tiny_command *tiny_command_at(const tiny_server *server, size_t i)
{
    return &server->commands[i];
}

int tiny_connections(const tiny_server *server)
{
    return server->n_handlers;
}

int tiny_max_waiting(const tiny_server *server)
{
    return server->max_waiting;
}

const char *tiny_protocol_error(const tiny_server *server)
{
    return server->protocol_error;
}

size_t tiny_count_named(const tiny_server *server, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < server->n_commands; i++)
        n += strcmp(server->commands[i].name, name) == 0;
    return n;
}
