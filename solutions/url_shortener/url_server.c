/*
 * url_server.c: the reference HTTP front of the URL shortener (level 5),
 * built on nothing but url_shortener.h and the C library.
 *
 * A fixed pool of threads. Each waits (poll) on the listening socket and on
 * a stop pipe, accepts one connection, reads one request, answers it and
 * closes: HTTP/1.1 with "Connection: close". Every wait on a client is a
 * poll with a deadline that also watches the stop pipe, so a stalled client
 * holds one thread for at most READ_TIMEOUT and never holds up
 * url_server_stop. Keep-alive, chunked bodies and TLS are left out on
 * purpose: they are where an HTTP server's size goes, and they teach
 * nothing about shortening URLs.
 */
#define _GNU_SOURCE /* accept4, memmem, pipe2 */
#include "url_shortener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    HEAD_MAX = 8192, /* request line and headers, blank line included */
    BODY_MAX = 8192, /* the body of POST /shorten */
    DEFAULT_THREADS = 4,
    JSON_DEPTH_MAX = 32, /* nesting allowed in members the front ignores */
};
static const int64_t READ_TIMEOUT = 10 * WB_SEC; /* for a whole request to arrive */
static const int64_t DRAIN_TIMEOUT = 1 * WB_SEC; /* for the client to close after the answer */

struct url_server {
    url_service *service; /* borrowed */
    url_allow_fn allow;   /* NULL serves every request */
    void *allow_ctx;
    int listen_fd;    /* non-blocking, so that a thread that loses the race to accept moves on */
    int stop_pipe[2]; /* [0] becomes readable, for good, when the server stops */
    uint16_t port;
    int nthreads; /* threads started */
    pthread_t *threads;
};

/* One request, read from one connection. */
struct request {
    char buf[HEAD_MAX + BODY_MAX + 1]; /* head, then body; +1 for a NUL after the body */
    size_t len;                        /* bytes received into buf */
    size_t head_len;                   /* request line and headers, with the blank line */
    char *method, *path;               /* NUL-terminated, inside buf; path without its query */
    long long content_length;          /* -1 when there is none */
    int64_t deadline;                  /* when the whole request must have arrived */
};

/* ==== Waiting and sending ==================================================== */

/* Waits until fd can be read (data, end of file or error). False if the
 * deadline passes first or the server is stopping. */
static bool wait_readable(const url_server *s, int fd, int64_t deadline)
{
    for (;;) {
        int64_t left = (deadline - wb_now(NULL)) / WB_MSEC;
        if (left <= 0)
            return false;
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };
        int n = poll(p, 2, (int)(left < 60000 ? left : 60000));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || p[1].revents != 0)
            return false;
        if (n > 0)
            return true;
    }
}

/* Sends all of buf. MSG_NOSIGNAL: a client that has gone must not kill the
 * process with SIGPIPE. */
static void send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the client is gone: nobody is left to tell */
        buf += n;
        len -= (size_t)n;
    }
}

static const char *reason_of(int status)
{
    switch (status) {
    case 201:
        return "Created";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/*
 * Sends one whole answer in one send, so that the head and the body do not
 * travel as two small segments (the second would wait for the first's ACK).
 * `headers` are extra header lines, each ending in CRLF.
 */
static void respond(int fd, bool head_only, int status, const char *headers, const char *body)
{
    char out[2 * URL_MAX_LEN + 1024];
    size_t body_len = strlen(body);
    int n = snprintf(
        out, sizeof out, "HTTP/1.1 %d %s\r\n%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
        status, reason_of(status), headers,
        body_len > 0 ? "Content-Type: application/json\r\n" : "", body_len, head_only ? "" : body);
    if (n > 0 && (size_t)n < sizeof out)
        send_all(fd, out, (size_t)n);
}

static void respond_error(int fd, bool head_only, int status, const char *headers, const char *name)
{
    char body[64];
    snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", name);
    respond(fd, head_only, status, headers, body);
}

/* ==== Reading one request ===================================================== */

/* Receives more bytes, up to `limit` in all. False when the client is gone,
 * stalls past the deadline, or the server stops. */
static bool receive_more(const url_server *s, int fd, struct request *rq, size_t limit)
{
    while (wait_readable(s, fd, rq->deadline)) {
        ssize_t n = recv(fd, rq->buf + rq->len, limit - rq->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        rq->len += (size_t)n;
        return true;
    }
    return false;
}

/* Reads until the blank line that ends the head. Returns 0, 431 (no blank line
 * within HEAD_MAX bytes), or -1 (nothing to answer: the client left or stalled). */
static int read_head(const url_server *s, int fd, struct request *rq)
{
    for (;;) {
        /* The first blank line ends the head: body bytes only come after it. */
        const char *end = memmem(rq->buf, rq->len, "\r\n\r\n", 4);
        if (end != NULL) {
            rq->head_len = (size_t)(end - rq->buf) + 4;
            return rq->head_len <= HEAD_MAX ? 0 : 431;
        }
        if (rq->len >= HEAD_MAX)
            return 431;
        if (!receive_more(s, fd, rq, sizeof rq->buf - 1))
            return -1;
    }
}

/* Splits off the line at *p (ending in CRLF), NUL-terminated in place. */
static char *next_line(char **p)
{
    char *line = *p, *crlf = strstr(line, "\r\n");
    crlf[0] = '\0';
    *p = crlf + 2;
    return line;
}

/* "METHOD /target HTTP/1.x": method in capitals, an origin-form target. */
static bool parse_request_line(char *line, struct request *rq)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL || sp2 == NULL || sp1 == line || sp1[1] != '/')
        return false;
    *sp1 = *sp2 = '\0';
    if (strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(line) ||
        strchr(sp1 + 1, ' ') != NULL ||
        (strcmp(sp2 + 1, "HTTP/1.1") != 0 && strcmp(sp2 + 1, "HTTP/1.0") != 0))
        return false;
    rq->method = line;
    rq->path = sp1 + 1;
    rq->path[strcspn(rq->path, "?#")] = '\0';
    return true;
}

/* One "Name: value" line. Only Content-Length and Transfer-Encoding matter here. */
static bool parse_header(char *line, struct request *rq, bool *chunked)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
        return false; /* no name, or space before the colon (RFC 9112 forbids both) */
    char *value = colon + 1 + strspn(colon + 1, " \t");
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        value[--n] = '\0';
    *colon = '\0';
    if (strcasecmp(line, "Transfer-Encoding") == 0)
        *chunked = true;
    if (strcasecmp(line, "Content-Length") != 0)
        return true;
    if (n == 0 || n > 12 || strspn(value, "0123456789") != n)
        return false;
    long long length = atoll(value);
    if (rq->content_length >= 0 && rq->content_length != length)
        return false; /* two different lengths: which one is the body? */
    rq->content_length = length;
    return true;
}

/* Parses the head in place. Returns 0 or 400. */
static int parse_head(struct request *rq)
{
    if (memchr(rq->buf, '\0', rq->head_len) != NULL)
        return 400; /* no NUL belongs in a head, and the parsing below stops at one */
    char saved = rq->buf[rq->head_len];
    rq->buf[rq->head_len] = '\0';
    char *p = rq->buf;
    bool ok = parse_request_line(next_line(&p), rq), chunked = false;
    while (ok && *p != '\r') {
        char *line = next_line(&p);
        ok = line[0] != ' ' && line[0] != '\t' && parse_header(line, rq, &chunked);
    }
    rq->buf[rq->head_len] = saved;
    /* A body in chunks is not supported: act as if it had no length (411). With a
     * Content-Length as well, the two could disagree: refuse it (request smuggling). */
    if (ok && chunked && rq->content_length >= 0)
        return 400;
    if (chunked)
        rq->content_length = -1;
    return ok ? 0 : 400;
}

/* Reads the whole body (content_length bytes after the head) and ends it with a NUL. */
static bool read_body(const url_server *s, int fd, struct request *rq)
{
    size_t want = rq->head_len + (size_t)rq->content_length;
    while (rq->len < want)
        if (!receive_more(s, fd, rq, want))
            return false;
    rq->buf[want] = '\0';
    return true;
}

/* ==== The JSON body of POST /shorten ========================================= */

/*
 * A small JSON reader for one flat object: the members the front knows are
 * strings or integers, the others are skipped whatever they hold. Strings are
 * decoded in place (an escape is never shorter than what it stands for), so
 * nothing is allocated.
 */
struct shorten_body {
    char *url, *alias; /* NULL when absent */
    bool has_ttl;
    long long ttl; /* seconds */
};

static void skip_ws(char **p)
{
    *p += strspn(*p, " \t\r\n");
}

/* Four hex digits at p, or -1. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Writes code point cp (not 0, not a surrogate) as UTF-8 at *w. */
static void put_utf8(char **w, long cp)
{
    unsigned char *o = (unsigned char *)*w;
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xC0 | cp >> 6);
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xE0 | cp >> 12);
        *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | cp >> 18);
        *o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *w = (char *)o;
}

/* The \uXXXX escape at *r (after the backslash), a surrogate pair taken whole.
 * Returns the code point, or -1 for a bad escape, \u0000 or a lone surrogate. */
static long read_unicode(char **r)
{
    long cp = hex4(*r + 1);
    *r += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && (*r)[0] == '\\' && (*r)[1] == 'u') {
        long low = hex4(*r + 2);
        if (low < 0xDC00 || low > 0xDFFF)
            return -1;
        *r += 6;
        return 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    return cp <= 0 || (cp >= 0xD800 && cp <= 0xDFFF) ? -1 : cp;
}

/* The string at *p (at its opening quote), decoded in place; *out is its
 * start. NUL in a string (\u0000) is refused: no C string could carry it. */
static bool parse_string(char **p, char **out)
{
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t"; /* escape letter, byte */
    if (**p != '"')
        return false;
    char *r = *p + 1, *w = r;
    *out = w;
    for (;;) {
        unsigned char c = (unsigned char)*r;
        if (c == '"')
            break;
        if (c < 0x20)
            return false; /* a control byte, or the body's end */
        if (c != '\\') {
            *w++ = *r++;
            continue;
        }
        const char *e = r[1] != '\0' ? strchr(simple, r[1]) : NULL;
        if (e != NULL && (e - simple) % 2 == 0) {
            *w++ = e[1];
            r += 2;
        } else if (r[1] == 'u') {
            r++;
            long cp = read_unicode(&r);
            if (cp < 0)
                return false;
            put_utf8(&w, cp);
        } else {
            return false;
        }
    }
    *p = r + 1;
    *w = '\0'; /* w <= r: this overwrites only what was already read */
    return true;
}

/* An integer: -?digits, no fraction, no exponent. One of more than 18 digits
 * is far beyond any TTL: it is stored as LLONG_MAX (or -1 if negative). */
static bool parse_integer(char **p, long long *out)
{
    bool negative = **p == '-';
    size_t digits = strspn(*p + negative, "0123456789");
    char after = (*p)[negative + digits];
    if (digits == 0 || (after != '\0' && strchr(".eE", after) != NULL))
        return false;
    *out = digits > 18 ? (negative ? -1 : LLONG_MAX) : strtoll(*p, NULL, 10);
    *p += negative + digits;
    return true;
}

static bool skip_value(char **p, int depth);

/* Skips the members of an object or the items of an array, *p just past its
 * opening bracket; `close` is '}' or ']'. */
static bool skip_items(char **p, char close, int depth)
{
    skip_ws(p);
    if (**p == close) {
        (*p)++;
        return true;
    }
    for (;;) {
        char *ignored;
        if (close == '}') { /* a member: "name" : value */
            if (!parse_string(p, &ignored))
                return false;
            skip_ws(p);
            if (*(*p)++ != ':')
                return false;
        }
        if (!skip_value(p, depth + 1))
            return false;
        skip_ws(p);
        char c = *(*p)++;
        if (c == close)
            return true;
        if (c != ',')
            return false;
        skip_ws(p);
    }
}

/* Skips any JSON value: the members the front does not read may hold anything. */
static bool skip_value(char **p, int depth)
{
    char *ignored;
    skip_ws(p);
    if (depth > JSON_DEPTH_MAX)
        return false;
    char c = **p;
    if (c == '{' || c == '[') {
        (*p)++;
        return skip_items(p, c == '{' ? '}' : ']', depth);
    }
    if (c == '"')
        return parse_string(p, &ignored);
    static const char *const words[] = { "true", "false", "null" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strncmp(*p, words[i], strlen(words[i])) == 0) {
            *p += strlen(words[i]);
            return true;
        }
    size_t n = strspn(*p, "-+.eE0123456789"); /* a number: skimmed, not checked */
    *p += n;
    return n > 0;
}

/* One member "name": value, stored if it is one the front reads. */
static bool parse_member(char **p, struct shorten_body *b)
{
    char *name;
    if (!parse_string(p, &name))
        return false;
    skip_ws(p);
    if (*(*p)++ != ':')
        return false;
    skip_ws(p);
    if (strcmp(name, "url") == 0 || strcmp(name, "alias") == 0) {
        char **slot = name[0] == 'u' ? &b->url : &b->alias;
        return *slot == NULL && parse_string(p, slot); /* a member twice: ambiguous */
    }
    if (strcmp(name, "ttl") == 0) {
        bool first = !b->has_ttl;
        b->has_ttl = true;
        return first && parse_integer(p, &b->ttl);
    }
    return skip_value(p, 1);
}

/* The whole body: one object with a string "url", and nothing after it. */
static bool parse_body(char *body, struct shorten_body *b)
{
    char *p = body;
    *b = (struct shorten_body){ 0 };
    skip_ws(&p);
    if (*p++ != '{')
        return false;
    skip_ws(&p);
    if (*p != '}') {
        for (;;) {
            if (!parse_member(&p, b))
                return false;
            skip_ws(&p);
            if (*p != ',')
                break;
            p++;
            skip_ws(&p);
        }
    }
    if (*p++ != '}')
        return false;
    skip_ws(&p);
    return *p == '\0' && b->url != NULL;
}

/* ==== Answering ================================================================ */

/* The name of a status in error bodies, as the header lists them. */
static const char *status_name(url_status s)
{
    static const char *const names[] = {
        [URL_OK] = "ok",
        [URL_NOT_FOUND] = "not_found",
        [URL_TOO_SMALL] = "too_small",
        [URL_INVALID] = "invalid",
        [URL_BAD_CODE] = "bad_code",
        [URL_TAKEN] = "taken",
        [URL_RESERVED] = "reserved",
        [URL_TOO_LONG] = "too_long",
        [URL_BAD_CHAR] = "bad_char",
        [URL_BAD_SCHEME] = "bad_scheme",
        [URL_NO_HOST] = "no_host",
        [URL_LOOP] = "loop",
        [URL_FULL] = "full",
        [URL_NO_MEMORY] = "no_memory",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "error";
}

static int http_status_of(url_status s)
{
    switch (s) {
    case URL_OK:
        return 201;
    case URL_TAKEN:
        return 409;
    case URL_FULL:
        return 503;
    case URL_NO_MEMORY:
    case URL_TOO_SMALL:
        return 500;
    default:
        return 400;
    }
}

/* POST /shorten, once the head is read and the limiter has said yes. */
static void do_shorten(const url_server *s, int fd, struct request *rq)
{
    if (rq->content_length < 0) {
        respond_error(fd, false, 411, "", "length_required");
        return;
    }
    if (rq->content_length > BODY_MAX) {
        respond_error(fd, false, 413, "", "too_large");
        return;
    }
    if (!read_body(s, fd, rq))
        return;
    struct shorten_body b;
    if (!parse_body(rq->buf + rq->head_len, &b)) {
        respond_error(fd, false, 400, "", "bad_json");
        return;
    }
    /* Whole seconds to nanoseconds. A TTL too long to count in nanoseconds lives forever
     * (0); any negative one stays negative, for url_shorten to refuse. */
    int64_t ttl = -1;
    if (b.ttl > INT64_MAX / WB_SEC)
        ttl = 0;
    else if (b.ttl >= 0)
        ttl = b.ttl * WB_SEC;
    url_request req = { .long_url = b.url, .alias = b.alias, .ttl = ttl };
    char code[URL_CODE_SIZE];
    url_status st = url_shorten(s->service, &req, code, sizeof code);
    if (st != URL_OK) {
        respond_error(fd, false, http_status_of(st), "", status_name(st));
        return;
    }
    char body[URL_MAX_LEN + 2 * URL_CODE_SIZE + 64];
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"short_url\":\"%s%s\"}\n", code,
             url_base(s->service), code);
    respond(fd, false, 201, "", body);
}

/* GET or HEAD /{code}. */
static void do_redirect(const url_server *s, int fd, const struct request *rq, bool head_only)
{
    char url[URL_MAX_LEN + 1];
    url_status st = url_resolve(s->service, rq->path + 1, url, sizeof url, NULL);
    if (st != URL_OK) {
        respond_error(fd, head_only, st == URL_NOT_FOUND ? 404 : 500, "", status_name(st));
        return;
    }
    /* The URL passed level 3's checks: it holds no CR, LF or space to break the head. */
    char location[URL_MAX_LEN + 16];
    snprintf(location, sizeof location, "Location: %s\r\n", url);
    respond(fd, head_only, 302, location, "");
}

static void route(const url_server *s, int fd, struct request *rq)
{
    bool get = strcmp(rq->method, "GET") == 0, head = strcmp(rq->method, "HEAD") == 0;
    bool shorten_path = strcmp(rq->path, "/shorten") == 0;
    if (strcmp(rq->method, "POST") == 0 && shorten_path)
        do_shorten(s, fd, rq);
    else if (strcmp(rq->method, "POST") == 0)
        respond_error(fd, false, 404, "", "not_found");
    else if ((get || head) && shorten_path)
        respond_error(fd, head, 405, "Allow: POST\r\n", "method_not_allowed");
    else if (get || head)
        do_redirect(s, fd, rq, head);
    else /* Allow lists what this path takes: a code is only read */
        respond_error(fd, false, 405, "Allow: GET, HEAD\r\n", "method_not_allowed");
}

/* After the answer: stop sending, and read what the client still sends until
 * it closes. Closing with unread bytes would make the kernel send a reset,
 * which can destroy the answer before the client has read it. */
static void linger_close(const url_server *s, int fd)
{
    char scratch[4096];
    int64_t deadline = wb_now(NULL) + DRAIN_TIMEOUT;
    shutdown(fd, SHUT_WR);
    while (wait_readable(s, fd, deadline)) {
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
}

/* One connection: one request, one answer. */
static void serve(const url_server *s, int fd, const char *client)
{
    struct request rq; /* 16 KiB on the thread's stack; buf is filled as bytes arrive */
    rq.len = 0;
    rq.content_length = -1;
    rq.deadline = wb_now(NULL) + READ_TIMEOUT;
    int status = read_head(s, fd, &rq);
    if (status == 0)
        status = parse_head(&rq);
    if (status < 0)
        return; /* the client left or stalled: there is nobody to answer */
    if (status > 0)
        respond_error(fd, false, status, "", status == 431 ? "head_too_large" : "bad_request");
    else if (s->allow != NULL && !s->allow(client, s->allow_ctx))
        respond_error(fd, strcmp(rq.method, "HEAD") == 0, 429, "", "rate_limited");
    else
        route(s, fd, &rq);
    linger_close(s, fd);
}

/* ==== The server's threads ======================================================= */

static void *worker(void *arg)
{
    const url_server *s = arg;
    for (;;) {
        struct pollfd p[2] = { { s->listen_fd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents != 0)
            break; /* stopping */
        if ((p[0].revents & POLLIN) == 0)
            continue;
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof peer;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
        if (fd < 0)
            continue; /* another thread took it first, or the client gave up */
        char client[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, &peer.sin_addr, client, sizeof client);
        serve(s, fd, client);
        close(fd);
    }
    return NULL;
}

/* A non-blocking socket listening on address:port. Returns the fd, or -1. */
static int open_listener(const char *address, uint16_t port, uint16_t *bound)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    socklen_t len = sizeof sa;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

/* Tells every thread to stop, joins those started, and frees the server. */
static void shut_down(url_server *s)
{
    if (s->stop_pipe[1] >= 0 && write(s->stop_pipe[1], "x", 1) < 0) {
        /* cannot happen with a fresh pipe; the threads would then never stop */
    }
    for (int i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i], NULL);
    for (int i = 0; i < 2; i++)
        if (s->stop_pipe[i] >= 0)
            close(s->stop_pipe[i]);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    free(s->threads);
    free(s);
}

url_server *url_server_start(const url_server_config *config)
{
    if (config == NULL || config->service == NULL || config->threads < 0)
        return NULL;
    url_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    *s = (url_server){ .service = config->service,
                       .allow = config->allow,
                       .allow_ctx = config->allow_ctx,
                       .stop_pipe = { -1, -1 } };
    int wanted = config->threads > 0 ? config->threads : DEFAULT_THREADS;
    s->listen_fd = open_listener(config->address != NULL ? config->address : "127.0.0.1",
                                 config->port, &s->port);
    s->threads = calloc((size_t)wanted, sizeof *s->threads);
    if (s->listen_fd < 0 || s->threads == NULL || pipe2(s->stop_pipe, O_CLOEXEC) != 0) {
        shut_down(s);
        return NULL;
    }
    while (s->nthreads < wanted && pthread_create(&s->threads[s->nthreads], NULL, worker, s) == 0)
        s->nthreads++;
    if (s->nthreads < wanted) {
        shut_down(s);
        return NULL;
    }
    return s;
}

uint16_t url_server_port(const url_server *server)
{
    return server != NULL ? server->port : 0;
}

void url_server_stop(url_server *server)
{
    if (server != NULL)
        shut_down(server);
}
