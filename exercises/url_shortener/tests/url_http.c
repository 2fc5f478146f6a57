/*
 * url_http.c: the HTTP client of the level 5 tests (see url_test.h): real
 * sockets on 127.0.0.1, one request per connection, answers read until the
 * server closes, with a deadline so that a server that never answers fails
 * the test with a message instead of hanging it.
 */
#define _GNU_SOURCE /* strcasestr, memmem */
#include "url_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

void front_start(struct front *f, url_allow_fn allow, void *ctx)
{
    wb_manual_clock_init(&f->mc, START);
    f->svc = new_service(&f->mc.clock, FIRST_ID, false);
    url_server_config config = { .service = f->svc, .allow = allow, .allow_ctx = ctx };
    f->server = url_server_start(&config);
    cr_assert(f->server != NULL,
              "url_server_start(127.0.0.1, port 0) returned NULL, expected a running server");
    f->port = url_server_port(f->server);
    cr_assert(f->port != 0,
              "url_server_port returned 0 after url_server_start with port 0, expected the port "
              "the system picked (getsockname tells it)");
}

void front_stop(struct front *f)
{
    url_server_stop(f->server);
    url_destroy(f->svc);
}

double reply_deadline(void)
{
    const char *env = getenv("WB_TIMEOUT");
    double limit = env != NULL ? strtod(env, NULL) : WB_TEST_TIMEOUT;
    return limit / 4 > 2 ? limit / 4 : 2;
}

/* A connected socket, or -1 (errno says why). */
static int try_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int one = 1; /* each piece the tests send leaves at once */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int http_connect(uint16_t port)
{
    int fd = try_connect(port);
    cr_assert(fd >= 0,
              "could not connect to 127.0.0.1:%u: %s; the server must be listening "
              "from the moment url_server_start returns",
              (unsigned)port, strerror(errno));
    return fd;
}

void http_send(int fd, const void *bytes, size_t len)
{
    const char *p = bytes;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the server hung up: what it sent, if anything, is read next */
        p += n;
        len -= (size_t)n;
    }
}

/* Parses the status line and finds the head's end and the body. */
static void parse_reply(struct reply *r)
{
    r->status = 0;
    r->head_len = 0;
    r->body = r->raw + r->raw_len;
    r->body_len = 0;
    int status = 0, used = 0;
    if (sscanf(r->raw, "HTTP/1.%*1[01] %3d%n", &status, &used) == 1 && used == 12)
        r->status = status;
    const char *end = memmem(r->raw, r->raw_len, "\r\n\r\n", 4);
    if (end != NULL) {
        r->head_len = (size_t)(end - r->raw) + 4;
        r->body = r->raw + r->head_len;
        r->body_len = r->raw_len - r->head_len;
    }
}

char *http_read_reply(int fd, struct reply *r)
{
    r->raw_len = 0;
    r->raw[0] = '\0';
    int64_t deadline = wb_now(NULL) + (int64_t)(reply_deadline() * 1e9);
    bool closed = false;
    while (!closed && r->raw_len < sizeof r->raw - 1) {
        int left = (int)((deadline - wb_now(NULL)) / WB_MSEC);
        struct pollfd p = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&p, 1, left) == 0)
            break;
        ssize_t n = recv(fd, r->raw + r->raw_len, sizeof r->raw - 1 - r->raw_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            closed = true; /* end of file, or a reset after the answer */
        else
            r->raw_len += (size_t)n;
    }
    r->raw[r->raw_len] = '\0';
    parse_reply(r);
    if (r->raw_len == 0 && closed)
        return wb_strdupf("the server closed the connection without answering");
    if (r->raw_len == 0)
        return wb_strdupf("no answer within %.0f s", reply_deadline());
    if (r->status == 0 || r->head_len == 0)
        return wb_strdupf("the answer %s is not an HTTP/1.x status line and headers ended by a "
                          "blank line (\\r\\n\\r\\n)",
                          wb_qn(r->raw, r->raw_len));
    if (!closed)
        return wb_strdupf("the server answered %s but then kept the connection open for %.0f s: "
                          "it must close it after one answer (Connection: close)",
                          wb_qn(r->raw, r->raw_len), reply_deadline());
    return NULL;
}

char *http_try_exchange(uint16_t port, const char *request, size_t len, struct reply *r)
{
    int fd = try_connect(port);
    if (fd < 0)
        return wb_strdupf("could not connect to 127.0.0.1:%u: %s", (unsigned)port, strerror(errno));
    http_send(fd, request, len);
    char *problem = http_read_reply(fd, r);
    close(fd);
    return problem;
}

void http_exchange(uint16_t port, const char *request, size_t len, struct reply *r, const char *why)
{
    char *problem = http_try_exchange(port, request, len, r);
    if (problem == NULL)
        return;
    cr_assert_fail("sent %s and %s: %s", wb_qn(request, len), problem, why);
}

void post_json(uint16_t port, const char *json, struct reply *r, const char *why)
{
    char request[12288];
    int n = snprintf(request, sizeof request,
                     "POST /shorten HTTP/1.1\r\nHost: sho.rt\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(json), json);
    cr_assert(n > 0 && (size_t)n < sizeof request, "post_json: a body of %zu bytes is too long",
              strlen(json));
    http_exchange(port, request, (size_t)n, r, why);
}

void get_path(uint16_t port, const char *path, struct reply *r, const char *why)
{
    char request[4096];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: sho.rt\r\n\r\n", path);
    cr_assert(n > 0 && (size_t)n < sizeof request, "get_path: the path is too long");
    http_exchange(port, request, (size_t)n, r, why);
}

const char *reply_header(const struct reply *r, const char *name)
{
    static _Thread_local char value[4096];
    size_t name_len = strlen(name);
    const char *line = memchr(r->raw, '\n', r->head_len); /* skip the status line */
    while (line != NULL && (size_t)(line + 1 - r->raw) < r->head_len) {
        line++;
        const char *eol = memchr(line, '\n', r->head_len - (size_t)(line - r->raw));
        if (eol == NULL)
            break;
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            v += strspn(v, " \t");
            size_t n = (size_t)(eol - v);
            if (n > 0 && v[n - 1] == '\r')
                n--;
            if (n >= sizeof value)
                n = sizeof value - 1;
            memcpy(value, v, n);
            value[n] = '\0';
            return value;
        }
        line = eol;
    }
    return NULL;
}

void expect_status(const struct reply *r, int want, const char *request, const char *why)
{
    cr_assert(r->status == want, "sent %s\nexpected status %d, got %d in the answer %s\n%s",
              wb_q(request), want, r->status, wb_qn(r->raw, r->raw_len), why);
}

void expect_body_has(const struct reply *r, const char *part, const char *request, const char *why)
{
    cr_assert(memmem(r->body, r->body_len, part, strlen(part)) != NULL,
              "sent %s\nexpected the body to contain %s, got the body %s\n%s", wb_q(request),
              wb_q(part), wb_qn(r->body, r->body_len), why);
}

const char *json_member(const struct reply *r, const char *name)
{
    static _Thread_local char value[4096];
    char key[64];
    snprintf(key, sizeof key, "\"%s\"", name);
    const char *at = memmem(r->body, r->body_len, key, strlen(key));
    if (at == NULL)
        return NULL;
    at += strlen(key);
    at += strspn(at, " \t\r\n");
    if (*at++ != ':')
        return NULL;
    at += strspn(at, " \t\r\n");
    if (*at++ != '"')
        return NULL;
    size_t n = strcspn(at, "\"");
    if (at[n] != '"' || n >= sizeof value)
        return NULL;
    memcpy(value, at, n);
    value[n] = '\0';
    return value;
}

bool have_program(const char *name)
{
    const char *path = getenv("PATH");
    char dir[4096], file[4200];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)n, p);
        snprintf(file, sizeof file, "%s/%s", n ? dir : ".", name);
        if (access(file, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}
