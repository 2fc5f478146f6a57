/*
 * redis_server.c: the real redis-server of redis_server.h.
 */
#define _GNU_SOURCE /* prctl */
#include "redis_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lt_test.h"

enum { ATTEMPTS = 5, START_SECONDS = 60, REPLY_SECONDS = 30 };

struct redis_server {
    pid_t pid;
    int port;
    char dir[256]; /* its working directory, holding its log */
    char log[300];
};

/* $REDIS_SERVER, or redis-server on PATH; NULL if none can be run. */
static const char *find_program(char *path, size_t size)
{
    const char *chosen = getenv("REDIS_SERVER");
    if (chosen != NULL && *chosen != '\0') {
        snprintf(path, size, "%s", chosen);
        return access(path, X_OK) == 0 ? path : NULL;
    }
    char dirs[4096];
    const char *env = getenv("PATH");
    snprintf(dirs, sizeof dirs, "%s:/usr/bin:/usr/sbin", env != NULL ? env : "");
    for (char *save, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(path, size, "%s/redis-server", dir);
        if (access(path, X_OK) == 0)
            return path;
    }
    return NULL;
}

/* A loopback port nobody listens on now: the kernel's choice for port 0. */
static int free_port(void)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd >= 0 && bind(fd, (void *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (void *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int connect_to(int port)
{
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval limit = { .tv_sec = REPLY_SECONDS };
    if (fd < 0)
        return -1;
    if (connect(fd, (void *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return fd;
}

/* Sends request on a new connection and reads `len` bytes (fewer if it closes). */
static size_t exchange(int port, const char *request, char *reply, size_t len)
{
    int fd = connect_to(port);
    size_t got = 0;
    if (fd < 0)
        return 0;
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) == (ssize_t)strlen(request)) {
        ssize_t n;
        while (got < len && (n = recv(fd, reply + got, len - got, 0)) > 0)
            got += (size_t)n;
    }
    close(fd);
    return got;
}

static _Noreturn void exec_server(const redis_server *r, const char *path, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test */
    if (getppid() != parent)
        _exit(127);
    int log = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0600), null = open("/dev/null", O_RDONLY);
    if (log >= 0 && null >= 0) {
        dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
    }
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    execl(path, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
          "no", "--daemonize", "no", "--dir", r->dir, (char *)NULL);
    _exit(127);
}

/* 1 once it answers PING, 0 if it exited or took too long. */
static int await_pong(redis_server *r)
{
    struct timespec t0, t, nap = { 0, 10 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        char pong[8];
        if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            r->pid = -1;
            return 0;
        }
        if (exchange(r->port, "PING\r\n", pong, 7) == 7 && memcmp(pong, "+PONG\r\n", 7) == 0)
            return 1;
        nanosleep(&nap, NULL); /* it says nothing when ready: knock again shortly */
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < START_SECONDS);
    return 0;
}

static void kill_server(redis_server *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = -1;
}

redis_server *redis_start_or_skip(void)
{
    char path[4200];
    if (find_program(path, sizeof path) == NULL)
        wb_skip("redis-server is not installed (or REDIS_SERVER names no program), so the run "
                "against real Redis cannot happen. Install it: sudo apt-get install -y "
                "redis-server");
    redis_server *r = calloc(1, sizeof *r);
    cr_assert(r != NULL, "the test ran out of memory");
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/lt-redis-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(r->dir) != NULL, "could not make a directory for redis-server: %s",
              strerror(errno));
    snprintf(r->log, sizeof r->log, "%s/redis.log", r->dir);
    /* Another process may take the port between the probe and the server's bind: retry. */
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        r->port = free_port();
        pid_t parent = getpid();
        r->pid = fork();
        cr_assert(r->pid >= 0, "fork failed: %s", strerror(errno));
        if (r->pid == 0)
            exec_server(r, path, parent);
        if (await_pong(r))
            return r;
        kill_server(r);
    }
    cr_assert_fail("%s did not start on a loopback port in %d attempts; see its log %s", path,
                   ATTEMPTS, r->log);
    return NULL; /* not reached */
}

int redis_port(const redis_server *server)
{
    return server->port;
}

void redis_expect_reply(redis_server *server, const char *request, const char *want,
                        size_t want_len, const char *why)
{
    char *got = malloc(want_len + 1);
    cr_assert(got != NULL, "the test ran out of memory");
    size_t n = exchange(server->port, request, got, want_len);
    cr_assert(n == want_len && memcmp(got, want, n) == 0, "redis-server answered %s with\n%s\n%s",
              wb_q(request), wb_bytes_diff(want, want_len, got, n), why);
    free(got);
}

void redis_stop(redis_server *server)
{
    if (server == NULL)
        return;
    kill_server(server);
    unlink(server->log);
    rmdir(server->dir);
    free(server);
}
