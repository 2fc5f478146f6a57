/*
 * redis_test.c: the helpers of redis_test.h: start and stop a redis-server,
 * and speak just enough RESP2 to it.
 */
#define _GNU_SOURCE /* prctl */
#include "redis_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lb_test.h"

enum { IN_SIZE = 1 << 16, START_ATTEMPTS = 5 };
static const double START_SECONDS = 60; /* valgrind follows the server too: it starts slowly */
static const int REPLY_SECONDS = 60;

struct redis {
    pid_t pid;
    int port;
    int fd;
    FILE *log; /* its output: an unlinked temporary file, so nothing is ever left behind */
    char *out; /* commands queued and not yet sent */
    size_t out_len, out_cap;
    char in[IN_SIZE]; /* bytes received: in[in_at .. in_len) not parsed yet */
    size_t in_at, in_len;
};

/* ---- starting and stopping ---- */

/* $REDIS_SERVER if set, else the redis-server on PATH (or in /usr/bin, /usr/sbin); NULL if
 * there is none that can be run. */
static const char *find_server(char *path, size_t size)
{
    const char *chosen = getenv("REDIS_SERVER");
    if (chosen != NULL && *chosen != '\0') {
        snprintf(path, size, "%s", chosen);
        return access(path, X_OK) == 0 ? path : NULL;
    }
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/bin:/usr/sbin:/usr/local/bin", env ? env : "");
    for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir != NULL;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(path, size, "%s/redis-server", dir);
        if (access(path, X_OK) == 0)
            return path;
    }
    return NULL;
}

/* A loopback port nobody listens on right now: bind port 0 and let the kernel choose. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* In the child: dies with the parent, output to the log, then becomes redis-server. */
static _Noreturn void exec_server(const redis *r, const char *path, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127); /* the test already ended */
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, 0);
        dup2(fileno(r->log), 1);
        dup2(fileno(r->log), 2);
    }
    /* With --save "" and no append-only file the server writes nothing to its directory. */
    const char *tmp = getenv("TMPDIR");
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    execl(path, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
          "no", "--daemonize", "no", "--dir", tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
          "--loglevel", "warning", (char *)NULL);
    _exit(127);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    struct timeval limit = { .tv_sec = REPLY_SECONDS };
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return fd;
}

/* Waits until the server accepts a connection (1), or exits first (0). Polls: the
 * server says nothing when it is ready, so the test knocks every 10 ms. */
static int await_server(redis *r)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (seconds_since(&t0) < START_SECONDS) {
        if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            r->pid = -1;
            return 0;
        }
        r->fd = connect_to(r->port);
        if (r->fd >= 0)
            return 1;
        struct timespec nap = { 0, 10 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    return 0;
}

/* The end of the server's log, for a message. */
static const char *log_tail(const redis *r)
{
    static char tail[600];
    fflush(r->log);
    fseek(r->log, 0, SEEK_END);
    long size = ftell(r->log);
    fseek(r->log, size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0, SEEK_SET);
    size_t n = fread(tail, 1, sizeof tail - 1, r->log);
    tail[n] = '\0';
    return n > 0 ? tail : "(empty)";
}

/* Kills the server and waits for it; the connection and buffers stay. */
static void kill_server(redis *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = -1;
}

redis *redis_start_or_skip(lb_board *board)
{
    char path[4200];
    if (find_server(path, sizeof path) == NULL) {
        lb_destroy(board);
        const char *chosen = getenv("REDIS_SERVER");
        if (chosen != NULL && *chosen != '\0')
            wb_skip("REDIS_SERVER is %s, which is not a program that can be run, so the "
                    "comparison with Redis cannot run",
                    wb_q(chosen));
        wb_skip("redis-server is not installed, so the comparison with Redis cannot run. "
                "Install it with: sudo apt-get install -y redis-server");
    }
    redis *r = calloc(1, sizeof *r);
    cr_assert(r != NULL, "the test ran out of memory");
    r->fd = r->pid = -1;
    /* The server appends to the file whatever the test reads, as they share its offset. */
    r->log = tmpfile();
    cr_assert(r->log != NULL, "could not make a temporary file for redis-server's log: %s",
              strerror(errno));
    fcntl(fileno(r->log), F_SETFL, fcntl(fileno(r->log), F_GETFL) | O_APPEND);
    /* Another process may take the port between our probe and the server's bind: try again. */
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        r->port = free_port();
        pid_t parent = getpid();
        r->pid = fork();
        cr_assert(r->pid >= 0, "fork failed: %s", strerror(errno));
        if (r->pid == 0)
            exec_server(r, path, parent);
        if (await_server(r)) {
            struct resp pong;
            redis_queuev(r, "PING", NULL);
            redis_reply(r, &pong);
            if (pong.type != RESP_STATUS || strcmp(pong.str, "PONG") != 0)
                redis_fail(r, "redis-server answered PING with %s, expected PONG",
                           resp_text(&pong));
            resp_free(&pong);
            return r;
        }
        kill_server(r);
    }
    redis_fail(r,
               "redis-server (%s) did not start on a loopback port after %d attempts; the end "
               "of its log: %s",
               path, START_ATTEMPTS, log_tail(r));
}

void redis_stop(redis *r)
{
    if (r == NULL)
        return;
    kill_server(r);
    if (r->log != NULL)
        fclose(r->log);
    free(r->out);
    free(r);
}

_Noreturn void redis_fail(redis *r, const char *fmt, ...)
{
    char message[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    redis_stop(r);
    cr_assert_fail("%s", message);
    abort(); /* not reached */
}

/* ---- sending ---- */

static void out_append(redis *r, const char *bytes, size_t n)
{
    if (r->out_len + n > r->out_cap) {
        size_t cap = r->out_cap ? r->out_cap : 4096;
        while (cap < r->out_len + n)
            cap *= 2;
        char *out = realloc(r->out, cap);
        if (out == NULL)
            redis_fail(r, "the test ran out of memory");
        r->out = out;
        r->out_cap = cap;
    }
    memcpy(r->out + r->out_len, bytes, n);
    r->out_len += n;
}

void redis_queue(redis *r, size_t argc, const char *const *argv)
{
    char head[32];
    out_append(r, head, (size_t)snprintf(head, sizeof head, "*%zu\r\n", argc));
    for (size_t i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]);
        out_append(r, head, (size_t)snprintf(head, sizeof head, "$%zu\r\n", len));
        out_append(r, argv[i], len);
        out_append(r, "\r\n", 2);
    }
}

void redis_queuev(redis *r, ...)
{
    const char *argv[16];
    size_t argc = 0;
    va_list ap;
    va_start(ap, r);
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL && argc < 16;)
        argv[argc++] = arg;
    va_end(ap);
    redis_queue(r, argc, argv);
}

static void flush(redis *r)
{
    for (size_t sent = 0; sent < r->out_len;) {
        ssize_t n = send(r->fd, r->out + sent, r->out_len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            redis_fail(r, "sending to redis-server failed: %s", strerror(errno));
        sent += (size_t)n;
    }
    r->out_len = 0;
}

/* ---- receiving ---- */

/* Makes at least `need` unparsed bytes available in r->in. */
static void need_bytes(redis *r, size_t need)
{
    if (r->in_len - r->in_at >= need)
        return;
    if (need > IN_SIZE)
        redis_fail(r, "a reply from redis-server is longer than the test's buffer (%d bytes)",
                   IN_SIZE);
    memmove(r->in, r->in + r->in_at, r->in_len - r->in_at);
    r->in_len -= r->in_at;
    r->in_at = 0;
    while (r->in_len < need) {
        ssize_t n = recv(r->fd, r->in + r->in_len, IN_SIZE - r->in_len, 0);
        if (n <= 0)
            redis_fail(r, "reading from redis-server failed: %s",
                       n == 0 ? "it closed the connection" : strerror(errno));
        r->in_len += (size_t)n;
    }
}

/* The next line, without its CRLF, copied into a new string. */
static char *read_line(redis *r, size_t *len)
{
    for (size_t have = 1;; have = r->in_len - r->in_at + 1) {
        need_bytes(r, have);
        char *start = r->in + r->in_at;
        char *end = memchr(start, '\n', r->in_len - r->in_at);
        if (end == NULL)
            continue;
        size_t n = (size_t)(end - start);
        if (n == 0 || start[n - 1] != '\r')
            redis_fail(r, "redis-server sent a line that does not end in CRLF: %s",
                       wb_qn(start, n + 1));
        char *line = malloc(n);
        if (line == NULL)
            redis_fail(r, "the test ran out of memory");
        memcpy(line, start, n - 1);
        line[n - 1] = '\0';
        *len = n - 1;
        r->in_at += n + 1;
        return line;
    }
}

static void read_reply(redis *r, struct resp *out, int depth)
{
    size_t len;
    char *line = read_line(r, &len);
    *out = (struct resp){ .type = RESP_NIL };
    char kind = line[0];
    long long number = strtoll(line + 1, NULL, 10);
    if (kind == '+' || kind == '-') {
        out->type = kind == '+' ? RESP_STATUS : RESP_ERROR;
        memmove(line, line + 1, len);
        out->str = line;
        out->len = len - 1;
        return;
    }
    free(line);
    if (kind == ':') {
        out->type = RESP_INT;
        out->integer = number;
    } else if (kind == '$' && number >= 0) {
        need_bytes(r, (size_t)number + 2);
        out->type = RESP_BULK;
        out->len = (size_t)number;
        out->str = malloc(out->len + 1);
        if (out->str == NULL)
            redis_fail(r, "the test ran out of memory");
        memcpy(out->str, r->in + r->in_at, out->len);
        out->str[out->len] = '\0';
        r->in_at += out->len + 2;
    } else if (kind == '*' && number >= 0 && depth < 4) {
        out->type = RESP_ARRAY;
        out->n = (size_t)number;
        out->items = calloc(out->n ? out->n : 1, sizeof *out->items);
        if (out->items == NULL)
            redis_fail(r, "the test ran out of memory");
        for (size_t i = 0; i < out->n; i++)
            read_reply(r, &out->items[i], depth + 1);
    } else if (kind != '$' && kind != '*') {
        redis_fail(r, "redis-server sent a reply of an unknown kind %s", wb_qn(&kind, 1));
    }
}

void redis_reply(redis *r, struct resp *out)
{
    flush(r);
    read_reply(r, out, 0);
}

const char *resp_text(const struct resp *reply)
{
    static _Thread_local char text[1024];
    size_t used = 0;
    switch (reply->type) {
    case RESP_STATUS:
        snprintf(text, sizeof text, "%s", reply->str);
        break;
    case RESP_ERROR:
        snprintf(text, sizeof text, "(error) %s", reply->str);
        break;
    case RESP_INT:
        snprintf(text, sizeof text, "(integer) %lld", reply->integer);
        break;
    case RESP_BULK:
        snprintf(text, sizeof text, "%s", wb_qn(reply->str, reply->len));
        break;
    case RESP_NIL:
        snprintf(text, sizeof text, "(nil)");
        break;
    case RESP_ARRAY:
        used = (size_t)snprintf(text, sizeof text, "[");
        for (size_t i = 0; i < reply->n && used < sizeof text; i++) {
            const struct resp *item = &reply->items[i];
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "",
                                     item->type == RESP_BULK ? wb_qn(item->str, item->len) : "?");
        }
        if (used < sizeof text)
            snprintf(text + used, sizeof text - used, "]");
        break;
    }
    return text;
}

void resp_free(struct resp *reply)
{
    for (size_t i = 0; i < reply->n; i++)
        resp_free(&reply->items[i]);
    free(reply->items);
    free(reply->str);
    *reply = (struct resp){ .type = RESP_NIL };
}
