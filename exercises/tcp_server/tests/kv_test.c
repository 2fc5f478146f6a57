/*
 * kv_test.c: the helpers of kv_test.h.
 */
#define _GNU_SOURCE /* ptsname_r, POSIX_SPAWN_SETSID */
#include "kv_test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- names ---- */

const char *status_name(kv_status status)
{
    switch (status) {
    case KV_OK:
        return "KV_OK";
    case KV_INVALID:
        return "KV_INVALID";
    case KV_ADDRESS_IN_USE:
        return "KV_ADDRESS_IN_USE";
    case KV_NO_MEMORY:
        return "KV_NO_MEMORY";
    case KV_SYSTEM:
        return "KV_SYSTEM";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

const char *parse_status_name(kv_parse_status status)
{
    switch (status) {
    case KV_PARSE_OK:
        return "KV_PARSE_OK";
    case KV_PARSE_INCOMPLETE:
        return "KV_PARSE_INCOMPLETE";
    case KV_PARSE_ERROR:
        return "KV_PARSE_ERROR";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

const char *protocol_name(kv_protocol protocol)
{
    return protocol == KV_TEXT ? "KV_TEXT" : protocol == KV_RESP ? "KV_RESP" : "KV_?";
}

const char *mode_name(kv_mode mode)
{
    return mode == KV_THREADS ? "KV_THREADS" : mode == KV_EVENT_LOOP ? "KV_EVENT_LOOP" : "KV_?";
}

/* ---- the parser ---- */

static _Thread_local kv_command parsed;
/* After a KV_PARSE_OK: the first argument that is not inside the command's own bytes
 * (or whose next byte is not), or -1 if all are. */
static _Thread_local long outside;

/* kv_parse on an exact-size heap copy of the input, so that AddressSanitizer
 * (make memcheck) stops a parser that reads past len. */
static kv_parse_status parse_copy(kv_protocol protocol, const void *input, size_t len)
{
    char *copy = len > 0 ? malloc(len) : NULL;
    cr_assert(len == 0 || copy != NULL, "out of memory copying %zu bytes", len);
    if (len > 0)
        memcpy(copy, input, len);
    memset(parsed.error, 'x', sizeof parsed.error); /* garbage where "" must be written */
    parsed.used = parsed.argc = 12345;
    kv_parse_status status = kv_parse(protocol, copy, len, &parsed);
    outside = -1;
    for (size_t i = 0; status == KV_PARSE_OK && i < parsed.argc && i < KV_MAX_ARGS; i++) {
        uintptr_t from = (uintptr_t)copy, at = (uintptr_t)parsed.argv[i].data;
        if (outside < 0 && (at < from || at + parsed.argv[i].len >= from + parsed.used))
            outside = (long)i;
        /* Point the argument at the same bytes of `input`, which outlives the copy. */
        parsed.argv[i].data = (const char *)input + (at - from);
    }
    free(copy);
    return status;
}

kv_command *parse_text(kv_protocol protocol, const char *text, kv_parse_status *status)
{
    *status = parse_copy(protocol, text, strlen(text));
    return &parsed;
}

/* "[\"SET\", \"k\"]" for up to 6 arguments. */
static const char *format_args(const kv_arg *args, size_t n)
{
    static _Thread_local char out[1024];
    size_t used = (size_t)snprintf(out, sizeof out, "[");
    for (size_t i = 0; i < n && i < 6 && used < sizeof out; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? ", " : "",
                                 wb_qn(args[i].data, args[i].len < 200 ? args[i].len : 200));
    if (n > 6 && used < sizeof out)
        used += (size_t)snprintf(out + used, sizeof out - used, ", ... %zu in all", n);
    if (used < sizeof out)
        snprintf(out + used, sizeof out - used, "]");
    return out;
}

void expect_command(kv_protocol protocol, const void *input, size_t len, size_t used,
                    const char *const *args, size_t n, const char *why)
{
    kv_parse_status status = parse_copy(protocol, input, len);
    kv_arg want[8];
    for (size_t i = 0; i < n && i < 8; i++)
        want[i] = (kv_arg){ args[i], strlen(args[i]) };
    cr_assert(status == KV_PARSE_OK,
              "kv_parse(%s, %s) returned %s%s%s, expected KV_PARSE_OK with %s: %s",
              protocol_name(protocol), wb_qn(input, len), parse_status_name(status),
              status == KV_PARSE_ERROR ? " " : "",
              status == KV_PARSE_ERROR ? wb_q(parsed.error) : "", format_args(want, n), why);
    cr_assert(parsed.used == used,
              "kv_parse(%s, %s) used %zu bytes, expected %zu: the command ends there, and what "
              "follows is the next command's. %s",
              protocol_name(protocol), wb_qn(input, len), parsed.used, used, why);
    bool same = parsed.argc == n;
    for (size_t i = 0; same && i < n; i++)
        same = parsed.argv[i].len == want[i].len &&
               memcmp(parsed.argv[i].data, want[i].data, want[i].len) == 0;
    cr_assert(outside < 0,
              "kv_parse(%s, %s): argument %ld does not point into the command's own bytes, or "
              "is not followed by one of them; the header promises both, so that a server can "
              "use arguments without copying them: %s",
              protocol_name(protocol), wb_qn(input, len), outside, why);
    cr_assert(same, "kv_parse(%s, %s) found %zu arguments %s, expected %zu %s: %s",
              protocol_name(protocol), wb_qn(input, len), parsed.argc,
              format_args(parsed.argv, parsed.argc <= KV_MAX_ARGS ? parsed.argc : 0), n,
              format_args(want, n), why);
    cr_assert(parsed.error[0] == '\0',
              "kv_parse(%s, %s) returned KV_PARSE_OK but left cmd->error as %s, expected \"\": "
              "the header says error is empty unless the answer is KV_PARSE_ERROR, and a server "
              "that reuses one kv_command must not see an old message",
              protocol_name(protocol), wb_qn(input, len),
              wb_qn(parsed.error, strnlen(parsed.error, sizeof parsed.error)));
}

void expect_incomplete(kv_protocol protocol, const void *input, size_t len, const char *why)
{
    kv_parse_status status = parse_copy(protocol, input, len);
    cr_assert(status == KV_PARSE_INCOMPLETE,
              "kv_parse(%s, %s) (%zu bytes) returned %s%s%s, expected KV_PARSE_INCOMPLETE: %s",
              protocol_name(protocol), wb_qn(input, len), len, parse_status_name(status),
              status == KV_PARSE_ERROR ? " " : "",
              status == KV_PARSE_ERROR ? wb_q(parsed.error) : "", why);
    cr_assert(parsed.used == 0 && parsed.argc == 0,
              "kv_parse(%s, %s) returned KV_PARSE_INCOMPLETE but set used to %zu and argc to %zu; "
              "the header says both are 0 unless the answer is KV_PARSE_OK",
              protocol_name(protocol), wb_qn(input, len), parsed.used, parsed.argc);
    cr_assert(parsed.error[0] == '\0',
              "kv_parse(%s, %s) returned KV_PARSE_INCOMPLETE but left cmd->error as %s, expected "
              "\"\": the header says error is empty unless the answer is KV_PARSE_ERROR",
              protocol_name(protocol), wb_qn(input, len),
              wb_qn(parsed.error, strnlen(parsed.error, sizeof parsed.error)));
}

void expect_parse_error(kv_protocol protocol, const void *input, size_t len, const char *message,
                        const char *why)
{
    kv_parse_status status = parse_copy(protocol, input, len);
    cr_assert(status == KV_PARSE_ERROR,
              "kv_parse(%s, %s) returned %s, expected KV_PARSE_ERROR with %s: %s",
              protocol_name(protocol), wb_qn(input, len), parse_status_name(status), wb_q(message),
              why);
    cr_assert(strncmp(parsed.error, message, sizeof parsed.error) == 0,
              "kv_parse(%s, %s) returned KV_PARSE_ERROR with the message %s, expected %s (the "
              "server sends it to the client, worded as Redis words it): %s",
              protocol_name(protocol), wb_qn(input, len),
              wb_qn(parsed.error, strnlen(parsed.error, sizeof parsed.error)), wb_q(message), why);
}

/* ---- servers ---- */

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int wait_ms(void)
{
    const char *env = getenv("WB_TIMEOUT");
    double limit = env != NULL && strtod(env, NULL) > 0 ? strtod(env, NULL) : WB_TEST_TIMEOUT;
    return (int)(limit * 1000 / 4);
}

kv_server *start_server_with(const kv_config *config)
{
    kv_server *server = NULL;
    kv_status status = kv_server_start(config, &server);
    cr_assert(status == KV_OK && server != NULL,
              "kv_server_start(%s, %s, port %d) returned %s%s, expected KV_OK and a server",
              protocol_name(config->protocol), mode_name(config->mode), config->port,
              status_name(status), status == KV_OK ? " but no server" : "");
    return server;
}

kv_server *start_server(kv_protocol protocol, kv_mode mode)
{
    kv_config config = { .protocol = protocol, .mode = mode };
    return start_server_with(&config);
}

/* ---- clients ---- */

int try_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int connect_client(const kv_server *server)
{
    int port = kv_server_port(server);
    cr_assert(port > 0 && port <= 65535,
              "kv_server_port returned %d, expected the port the server listens on (1 to 65535)",
              port);
    int fd = try_connect(port);
    cr_assert(fd >= 0, "connecting to 127.0.0.1:%d failed (%s), expected the server to accept",
              port, strerror(-fd));
    return fd;
}

void send_bytes(int fd, const void *bytes, size_t len)
{
    const char *p = bytes;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert(n > 0, "sending %s to the server failed (%s): it closed the connection early",
                  wb_qn(p, len), strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

void send_text(int fd, const char *text)
{
    send_bytes(fd, text, strlen(text));
}

/* Waits up to ms for fd to be readable; false on timeout. */
static bool readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
        ;
    return n > 0;
}

char *await_reply(int fd, const void *want, size_t want_len)
{
    char *got = malloc(want_len + 256);
    if (got == NULL)
        return wb_strdupf("out of memory for a reply of %zu bytes", want_len);
    size_t got_len = 0;
    char ended[96] = "";
    while (got_len < want_len) {
        if (!readable(fd, wait_ms())) {
            snprintf(ended, sizeof ended, "(and nothing more came in %.1f s)", wait_ms() / 1000.0);
            break;
        }
        ssize_t n = recv(fd, got + got_len, want_len - got_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(ended, sizeof ended, "%s",
                     n == 0 ? "(and then the server closed the connection)"
                            : "(and then the connection was reset)");
            break;
        }
        bool differs = memcmp(got + got_len, (const char *)want + got_len, (size_t)n) != 0;
        got_len += (size_t)n;
        if (differs) { /* a few more bytes, if they are there already, tell more of the story */
            ssize_t more = recv(fd, got + got_len, 256, MSG_DONTWAIT);
            got_len += more > 0 ? (size_t)more : 0;
            break;
        }
    }
    char *problem = NULL;
    if (got_len != want_len || memcmp(got, want, want_len) != 0)
        problem = wb_strdupf("%s %s", wb_bytes_diff(want, want_len, got, got_len), ended);
    free(got);
    return problem;
}

char *try_roundtrip(int fd, const char *request, const char *reply)
{
    size_t len = strlen(request);
    for (size_t done = 0; done < len;) {
        ssize_t n = send(fd, request + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return wb_strdupf("sending %s failed: %s", wb_q(request), strerror(errno));
        done += (size_t)n;
    }
    char *problem = await_reply(fd, reply, strlen(reply));
    if (problem == NULL)
        return NULL;
    char *message = wb_strdupf("sent %s; the reply is wrong:\n%s", wb_q(request), problem);
    free(problem);
    return message;
}

void expect_reply(int fd, const char *sent, const void *want, size_t want_len, const char *why)
{
    char *problem = await_reply(fd, want, want_len);
    if (problem == NULL)
        return;
    char message[4096];
    snprintf(message, sizeof message, "%s\n  sent: %s\n  the reply is wrong:\n%s", why, sent,
             problem);
    free(problem);
    cr_assert_fail("%s", message);
}

void roundtrip(int fd, const char *request, const char *reply, const char *why)
{
    roundtrip_bytes(fd, request, strlen(request), reply, strlen(reply), why);
}

void roundtrip_bytes(int fd, const void *request, size_t request_len, const void *reply,
                     size_t reply_len, const char *why)
{
    send_bytes(fd, request, request_len);
    expect_reply(fd, wb_qn(request, request_len), reply, reply_len, why);
}

size_t read_until_closed(int fd, void *buf, size_t cap, bool *closed)
{
    size_t total = 0;
    char sink[16384];
    *closed = false;
    while (readable(fd, wait_ms())) {
        size_t room = total < cap ? cap - total : 0;
        char *to = room > 0 ? (char *)buf + total : sink;
        ssize_t n = recv(fd, to, room > 0 ? room : sizeof sink, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *closed = true;
            break;
        }
        total += (size_t)n;
    }
    return total;
}

bool await_hangup(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLRDHUP };
    int64_t deadline = now_ms() + wait_ms();
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return false;
        int n = poll(&p, 1, left);
        if (n > 0 && (p.revents & (POLLHUP | POLLERR | POLLRDHUP)))
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

void expect_closed(int fd, const char *rest, const char *why)
{
    char got[4096];
    bool closed = false;
    size_t n = read_until_closed(fd, got, sizeof got, &closed);
    size_t rest_len = strlen(rest);
    cr_assert(n == rest_len && memcmp(got, rest, n) == 0,
              "%s\n  before closing, the server should send exactly this:\n%s", why,
              wb_bytes_diff(rest, rest_len, got, n < sizeof got ? n : sizeof got));
    cr_assert(closed, "%s\n  the server did not close the connection within %.1f s", why,
              wait_ms() / 1000.0);
}

void play(int fd, const struct exchange *steps, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        send_text(fd, steps[i].send);
        if (steps[i].reply[0] != '\0')
            expect_reply(fd, wb_q(steps[i].send), steps[i].reply, strlen(steps[i].reply), why);
    }
}

/* ---- real programs ---- */

void need_program(const char *program, const char *package)
{
    const char *path = getenv("PATH");
    char dir[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s/%s", (int)n, p, program);
        if (access(dir, X_OK) == 0)
            return;
        p += n + (p[n] == ':');
    }
    wb_skip("%s is not installed, so this test cannot run it: sudo apt-get install -y %s", program,
            package);
}

/* Reads what is there into out (cap bytes; the rest is dropped); false at end of stream. */
static bool drain_into(int fd, char *out, size_t cap, size_t *len)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    size_t keep = *len + (size_t)n < cap - 1 ? (size_t)n : cap - 1 - *len;
    memcpy(out + *len, chunk, keep);
    *len += keep;
    out[*len] = '\0';
    return true;
}

void run_program(char *const argv[], int limit_ms, struct program_run *run)
{
    int out[2], err[2];
    cr_assert(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0, "pipe2 failed: %s",
              strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    pid_t pid;
    int spawned = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    cr_assert(spawned == 0, "could not start %s: %s", argv[0], strerror(spawned));

    *run = (struct program_run){ .status = -1 };
    bool out_open = true, err_open = true;
    int64_t deadline = now_ms() + limit_ms;
    while ((out_open || err_open) && now_ms() < deadline) {
        struct pollfd p[2] = { { out_open ? out[0] : -1, POLLIN, 0 },
                               { err_open ? err[0] : -1, POLLIN, 0 } };
        if (poll(p, 2, (int)(deadline - now_ms())) <= 0)
            continue;
        if (p[0].revents)
            out_open = drain_into(out[0], run->out, sizeof run->out, &run->out_len);
        if (p[1].revents)
            err_open = drain_into(err[0], run->err, sizeof run->err, &run->err_len);
    }
    close(out[0]);
    close(err[0]);
    int status = 0;
    if (out_open || err_open)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    run->status = !(out_open || err_open) && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* environ with TERM=dumb instead of its TERM: a static array of the calling thread. */
static char **dumb_terminal_environment(void)
{
    static _Thread_local char *env[512];
    size_t n = 0;
    for (char **e = environ; *e != NULL && n < 510; e++)
        if (strncmp(*e, "TERM=", 5) != 0)
            env[n++] = *e;
    env[n++] = "TERM=dumb";
    env[n] = NULL;
    return env;
}

void terminal_start(struct terminal *t, char *const argv[])
{
    t->len = 0;
    t->screen[0] = '\0';
    t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[256];
    cr_assert(t->master >= 0 && grantpt(t->master) == 0 && unlockpt(t->master) == 0 &&
                  ptsname_r(t->master, name, sizeof name) == 0,
              "could not open a pseudo-terminal: %s", strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&actions, 0, 1);
    posix_spawn_file_actions_adddup2(&actions, 0, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID); /* its own session, this terminal */
    pid_t pid;
    int spawned = posix_spawnp(&pid, argv[0], &actions, &attr, argv, dumb_terminal_environment());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    cr_assert(spawned == 0, "could not start %s: %s", argv[0], strerror(spawned));
    t->pid = pid;
}

/* Reads what the terminal shows, waiting up to ms; false when the program has gone. */
static bool terminal_read(struct terminal *t, int ms)
{
    if (!readable(t->master, ms))
        return true;
    char chunk[4096];
    ssize_t n = read(t->master, chunk, sizeof chunk);
    if (n <= 0)
        return n < 0 && errno == EINTR;
    for (ssize_t i = 0; i < n && t->len < sizeof t->screen - 1; i++)
        if (chunk[i] != '\0')
            t->screen[t->len++] = chunk[i];
    t->screen[t->len] = '\0';
    return true;
}

size_t terminal_wait_for(struct terminal *t, const char *text, size_t from)
{
    int64_t deadline = now_ms() + wait_ms();
    for (;;) {
        const char *found = from <= t->len ? strstr(t->screen + from, text) : NULL;
        if (found != NULL)
            return (size_t)(found - t->screen) + strlen(text);
        int64_t left = deadline - now_ms();
        if (left <= 0 || !terminal_read(t, (int)left))
            return 0;
    }
}

void terminal_type(struct terminal *t, const char *text)
{
    size_t len = strlen(text);
    cr_assert(write(t->master, text, len) == (ssize_t)len, "could not type %s: %s", wb_q(text),
              strerror(errno));
}

int terminal_end(struct terminal *t)
{
    int64_t deadline = now_ms() + wait_ms();
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(t->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
        terminal_read(t, 20); /* keep reading, so that it never blocks on a full terminal */
    if (done == 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, &status, 0);
    }
    close(t->master);
    return done != 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- the process ---- */

int thread_count(void)
{
    DIR *dir = opendir("/proc/self/task");
    cr_assert(dir != NULL, "cannot read /proc/self/task: %s", strerror(errno));
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

bool allow_open_files(int n)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return false;
    if (limit.rlim_cur >= (rlim_t)n)
        return true;
    if (limit.rlim_max < (rlim_t)n)
        return false;
    limit.rlim_cur = (rlim_t)n;
    return setrlimit(RLIMIT_NOFILE, &limit) == 0;
}
