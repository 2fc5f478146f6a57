/*
 * tcp_server.c: the reference key-value server (see exercises/tcp_server/tcp_server.h);
 * the parser is in parse.c.
 *
 * Three layers, one section each below:
 *   - sessions: one connection's input and output bytes, and the commands,
 *     which read and write the lru_cache under one lock and append replies;
 *     a session never touches a socket, so both designs share it;
 *   - KV_THREADS: an acceptor thread and one thread per connection, with
 *     blocking sockets: the design of Go's net/http and of the day 2 guide;
 *   - KV_EVENT_LOOP: one thread and epoll, non-blocking sockets, the design
 *     of Redis's ae.c and of nginx.
 * Stopping is the same idea in both: stop accepting, read what each client
 * already sent, answer it, close, and give slow readers a bounded grace.
 */
#define _GNU_SOURCE /* accept4, SOCK_CLOEXEC */
#include "tcp_server.h"

#include "lru_cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    READ_CHUNK = 16 * 1024,  /* free bytes in the input buffer before each read */
    KEEP_BUFFER = 64 * 1024, /* an empty buffer larger than this is given back */
    HEADER_ROOM = 32,        /* room for "$<20 digits>\r\n" in front of a value */
    LOOP_EVENTS = 128,       /* events taken from epoll at a time */
    ACCEPTS_PER_EVENT = 64,  /* new connections taken at a time, so that clients wait less */
    WRITE_CHUNK = 64 * 1024  /* KV_THREADS: replies held before a thread writes them */
};
#define MAX_EXPIRE_SECONDS (INT64_MAX / WB_SEC) /* 9223372036: the most ns an int64 holds */

struct kv_server {
    kv_config config; /* a copy; config.host points at host below */
    char host[INET_ADDRSTRLEN];
    int port;              /* the port actually bound */
    int listen_fd;         /* closed only by kv_server_stop: kv_server_shutdown may use it */
    int wake_fd;           /* an eventfd; kv_server_shutdown writes to it */
    lru_cache *cache;      /* the data */
    pthread_mutex_t store; /* held for each command: INCR is a read and a write */
    pthread_t main_thread; /* the acceptor (KV_THREADS) or the event loop */
    /* KV_THREADS only, all under conns_lock: */
    pthread_mutex_t conns_lock;
    pthread_cond_t conns_done; /* signalled when a connection thread finishes */
    struct thread_conn *conns; /* every connection whose thread is not joined yet */
    size_t live;               /* how many of them still run */
};

/* ======================================================================== */
/* ---- byte buffers ------------------------------------------------------ */

/* Bytes with room to grow: data[0 .. len) are held, data[len .. cap) are free. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Makes room for `more` bytes after len; false if memory runs out (buf unchanged). */
static bool buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL)
        return false;
    b->data = data;
    b->cap = cap;
    return true;
}

/* Drops the first n bytes; gives a large buffer back once it is empty. */
static void buf_consume(struct buf *b, size_t n)
{
    b->len -= n;
    if (b->len > 0 && n > 0)
        memmove(b->data, b->data + n, b->len);
    if (b->len == 0 && b->cap > KEEP_BUFFER) {
        free(b->data);
        *b = (struct buf){ 0 };
    }
}

/* ======================================================================== */
/* ---- sessions: one connection's bytes and replies ----------------------- */

struct session {
    kv_protocol protocol;
    struct buf in;  /* bytes read that are not yet a whole command */
    struct buf out; /* replies; out.data[sent .. out.len) are not written yet */
    size_t sent;
    bool closing; /* QUIT or a protocol error: write what is left, then close */
    bool broken;  /* an allocation failed: close at once */
};

static size_t unsent(const struct session *s)
{
    return s->out.len - s->sent;
}

/*
 * The output after room for `n` more bytes, or NULL (and the session broken)
 * without memory. Bytes already written are dropped from the front before the
 * buffer grows, so a client that reads slowly but steadily never makes it
 * hold more than its unsent replies.
 */
static char *out_reserve(struct session *s, size_t n)
{
    if (s->sent > 0 && (s->sent == s->out.len || s->out.cap - s->out.len < n)) {
        memmove(s->out.data, s->out.data + s->sent, unsent(s));
        s->out.len -= s->sent;
        s->sent = 0;
    }
    if (!buf_reserve(&s->out, n)) {
        s->broken = true;
        return NULL;
    }
    return s->out.data + s->out.len;
}

static void out_append(struct session *s, const void *bytes, size_t n)
{
    char *at = out_reserve(s, n);
    if (at != NULL) {
        memcpy(at, bytes, n);
        s->out.len += n;
    }
}

/* Writes v in decimal at out (at least 21 bytes) and returns the length. */
static size_t format_integer(char *out, long long v)
{
    char digits[20];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0, len = 0;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        out[len++] = '-';
    while (n > 0)
        out[len++] = digits[--n];
    return len;
}

/* ---- replies, in the session's protocol ---- */

/* "+OK\r\n" in RESP, "OK\n" in text. */
static void reply_status(struct session *s, const char *status)
{
    if (s->protocol == KV_RESP)
        out_append(s, "+", 1);
    out_append(s, status, strlen(status));
    out_append(s, s->protocol == KV_RESP ? "\r\n" : "\n", s->protocol == KV_RESP ? 2 : 1);
}

/* "-ERR message\r\n" or "ERR message\n"; CR and LF in the message become spaces. */
static void reply_error(struct session *s, const char *message)
{
    size_t len = strlen(message);
    char *at = out_reserve(s, len + 8);
    if (at == NULL)
        return;
    size_t n = 0;
    if (s->protocol == KV_RESP)
        at[n++] = '-';
    memcpy(at + n, "ERR ", 4);
    n += 4;
    for (size_t i = 0; i < len; i++)
        at[n++] = message[i] == '\r' || message[i] == '\n' ? ' ' : message[i];
    if (s->protocol == KV_RESP)
        at[n++] = '\r';
    at[n++] = '\n';
    s->out.len += n;
}

/* A header such as "$5\r\n", ":42\r\n" or "*2\r\n" (RESP only). */
static void reply_header(struct session *s, char kind, long long v)
{
    char *at = out_reserve(s, HEADER_ROOM);
    if (at == NULL)
        return;
    at[0] = kind;
    size_t n = 1 + format_integer(at + 1, v);
    at[n++] = '\r';
    at[n++] = '\n';
    s->out.len += n;
}

static void reply_integer(struct session *s, long long v)
{
    reply_header(s, ':', v);
}

static void reply_array(struct session *s, size_t n)
{
    reply_header(s, '*', (long long)n);
}

/* A bulk string "$3\r\nabc\r\n", or in text the bytes and "\n". */
static void reply_bulk(struct session *s, const void *bytes, size_t n)
{
    if (s->protocol == KV_RESP)
        reply_header(s, '$', (long long)n);
    out_append(s, bytes, n);
    out_append(s, s->protocol == KV_RESP ? "\r\n" : "\n", s->protocol == KV_RESP ? 2 : 1);
}

/* "$-1\r\n", or "(nil)\n" in text. */
static void reply_nil(struct session *s)
{
    if (s->protocol == KV_RESP)
        out_append(s, "$-1\r\n", 5);
    else
        out_append(s, "(nil)\n", 6);
}

/* ======================================================================== */
/* ---- commands ------------------------------------------------------------ */

/* The argument as a C string: the parser promises that the byte after every
 * argument belongs to the command already consumed, so it may become a NUL. */
static const char *c_string(const kv_arg *arg)
{
    char *data = (char *)arg->data;
    data[arg->len] = '\0';
    return data;
}

static bool arg_is(const kv_arg *arg, const char *word)
{
    return arg->len == strlen(word) && strncasecmp(arg->data, word, arg->len) == 0;
}

/*
 * A 64-bit integer written the canonical way, as Redis's string2ll wants it:
 * "0", or an optional '-' then digits with no leading zero. No '+', no spaces.
 */
static bool parse_integer(const char *p, size_t len, long long *out)
{
    if (len == 0 || len > 20)
        return false;
    bool negative = p[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == len || (p[i] == '0' && (len > 1)))
        return false;
    unsigned long long v = 0, limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = !negative ? (long long)v : v == limit ? INT64_MIN : -(long long)v;
    return true;
}

struct context {
    struct kv_server *server;
    struct session *session;
    const kv_command *cmd;
};

static void run_ping(struct context *c)
{
    if (c->cmd->argc > 2)
        reply_error(c->session, "wrong number of arguments for 'ping' command");
    else if (c->cmd->argc == 1)
        reply_status(c->session, "PONG");
    else
        reply_bulk(c->session, c->cmd->argv[1].data, c->cmd->argv[1].len);
}

static void run_echo(struct context *c)
{
    reply_bulk(c->session, c->cmd->argv[1].data, c->cmd->argv[1].len);
}

static void run_set(struct context *c)
{
    if (c->cmd->argc > 3) {
        reply_error(c->session, "syntax error");
        return;
    }
    const kv_arg *value = &c->cmd->argv[2];
    if (lru_put(c->server->cache, c_string(&c->cmd->argv[1]), value->data, value->len) != LRU_OK)
        reply_error(c->session, "out of memory");
    else
        reply_status(c->session, "OK");
}

/* Replies with the value under key, read straight into the output buffer. */
static void run_get(struct context *c)
{
    struct session *s = c->session;
    const char *key = c_string(&c->cmd->argv[1]);
    size_t head = s->protocol == KV_RESP ? HEADER_ROOM : 0, room = 256, len = 0;
    char *at;
    lru_status status;
    do {
        if ((at = out_reserve(s, head + room + 2)) == NULL)
            return;
        status = lru_get(c->server->cache, key, at + head, room, &len);
        room = len; /* on LRU_TOO_SMALL, the length needed */
    } while (status == LRU_TOO_SMALL);
    if (status != LRU_OK) {
        reply_nil(s);
        return;
    }
    if (s->protocol == KV_RESP) { /* move the value up against its "$<len>\r\n" */
        char header[HEADER_ROOM];
        header[0] = '$';
        size_t h = 1 + format_integer(header + 1, (long long)len);
        header[h++] = '\r';
        header[h++] = '\n';
        memmove(at + h, at + head, len);
        memcpy(at, header, h);
        at[h + len] = '\r';
        at[h + len + 1] = '\n';
        s->out.len += h + len + 2;
    } else {
        at[len] = '\n';
        s->out.len += len + 1;
    }
}

static void run_del(struct context *c)
{
    long long deleted = 0;
    for (size_t i = 1; i < c->cmd->argc; i++)
        deleted += lru_delete(c->server->cache, c_string(&c->cmd->argv[i])) == LRU_OK;
    if (c->session->protocol == KV_TEXT)
        reply_status(c->session, "OK");
    else
        reply_integer(c->session, deleted);
}

static void run_exists(struct context *c)
{
    long long found = 0;
    for (size_t i = 1; i < c->cmd->argc; i++)
        found +=
            lru_peek(c->server->cache, c_string(&c->cmd->argv[i]), NULL, 0, NULL) != LRU_NOT_FOUND;
    reply_integer(c->session, found);
}

static void run_incr(struct context *c)
{
    const char *key = c_string(&c->cmd->argv[1]);
    char text[24];
    size_t len = 0;
    long long v = 0;
    lru_status status = lru_get(c->server->cache, key, text, sizeof text, &len);
    if (status == LRU_TOO_SMALL || (status == LRU_OK && !parse_integer(text, len, &v))) {
        reply_error(c->session, "value is not an integer or out of range");
        return;
    }
    if (v == INT64_MAX) {
        reply_error(c->session, "increment or decrement would overflow");
        return;
    }
    int64_t ttl = LRU_NO_TTL;
    if (status == LRU_OK)
        lru_ttl(c->server->cache, key, &ttl);
    len = format_integer(text, ++v);
    status = ttl == LRU_NO_TTL ? lru_put(c->server->cache, key, text, len)
                               : lru_put_ttl(c->server->cache, key, text, len, ttl);
    if (status != LRU_OK)
        reply_error(c->session, "out of memory");
    else
        reply_integer(c->session, v);
}

static void run_expire(struct context *c)
{
    const char *key = c_string(&c->cmd->argv[1]);
    long long seconds;
    if (!parse_integer(c->cmd->argv[2].data, c->cmd->argv[2].len, &seconds)) {
        reply_error(c->session, "value is not an integer or out of range");
        return;
    }
    if (seconds > MAX_EXPIRE_SECONDS) {
        reply_error(c->session, "invalid expire time in 'expire' command");
        return;
    }
    lru_status status = seconds <= 0 ? lru_delete(c->server->cache, key)
                                     : lru_expire(c->server->cache, key, seconds * WB_SEC);
    reply_integer(c->session, status == LRU_OK);
}

static void run_ttl(struct context *c)
{
    int64_t left = 0;
    if (lru_ttl(c->server->cache, c_string(&c->cmd->argv[1]), &left) != LRU_OK)
        reply_integer(c->session, -2);
    else if (left == LRU_NO_TTL)
        reply_integer(c->session, -1);
    else /* as Redis: whole milliseconds, then the nearest second, a half up */
        reply_integer(c->session, (left / WB_MSEC + 500) / 1000);
}

static void run_dbsize(struct context *c)
{
    reply_integer(c->session, (long long)lru_len(c->server->cache));
}

static void run_quit(struct context *c)
{
    reply_status(c->session, "OK");
    c->session->closing = true;
}

/* "unknown subcommand 'FOO'. Try CONFIG HELP." */
static void reply_unknown_subcommand(struct session *s, const kv_arg *sub, const char *command)
{
    char message[200];
    snprintf(message, sizeof message, "unknown subcommand '%.*s'. Try %s HELP.",
             (int)(sub->len < 128 ? sub->len : 128), sub->data, command);
    reply_error(s, message);
}

static void run_config(struct context *c)
{
    const kv_command *cmd = c->cmd;
    if (!arg_is(&cmd->argv[1], "get")) {
        reply_unknown_subcommand(c->session, &cmd->argv[1], "CONFIG");
        return;
    }
    if (cmd->argc < 3) {
        reply_error(c->session, "wrong number of arguments for 'config|get' command");
        return;
    }
    /* The only parameters redis-benchmark asks for: nothing is kept on disk. */
    size_t known = 0;
    for (size_t i = 2; i < cmd->argc; i++)
        known += arg_is(&cmd->argv[i], "save") || arg_is(&cmd->argv[i], "appendonly");
    reply_array(c->session, 2 * known);
    for (size_t i = 2; i < cmd->argc; i++) {
        bool save = arg_is(&cmd->argv[i], "save");
        if (!save && !arg_is(&cmd->argv[i], "appendonly"))
            continue;
        reply_bulk(c->session, cmd->argv[i].data, cmd->argv[i].len);
        reply_bulk(c->session, save ? "" : "no", save ? 0 : 2);
    }
}

static void run_command(struct context *c)
{
    if (c->cmd->argc > 1 && !arg_is(&c->cmd->argv[1], "docs"))
        reply_unknown_subcommand(c->session, &c->cmd->argv[1], "COMMAND");
    else
        reply_array(c->session, 0); /* no documentation: redis-cli then simply goes on */
}

enum keys { NO_KEYS, FIRST_KEY, ALL_KEYS };

struct command {
    const char *name; /* lower case, as error messages show it */
    int arity;        /* KV_RESP: exactly argc, or at least -arity arguments */
    int text_arity;   /* KV_TEXT: exactly argc, -1 any; 0 means not a text command */
    enum keys keys;   /* which arguments are keys (checked for NUL bytes) */
    void (*run)(struct context *c);
};

static const struct command commands[] = {
    { "get", 2, 2, FIRST_KEY, run_get },        { "set", -3, 3, FIRST_KEY, run_set },
    { "del", -2, 2, ALL_KEYS, run_del },        { "ping", -1, 0, NO_KEYS, run_ping },
    { "incr", 2, 0, FIRST_KEY, run_incr },      { "exists", -2, 0, ALL_KEYS, run_exists },
    { "expire", 3, 0, FIRST_KEY, run_expire },  { "ttl", 2, 0, FIRST_KEY, run_ttl },
    { "echo", 2, 0, NO_KEYS, run_echo },        { "dbsize", 1, 0, NO_KEYS, run_dbsize },
    { "quit", -1, -1, NO_KEYS, run_quit },      { "config", -2, 0, NO_KEYS, run_config },
    { "command", -1, 0, NO_KEYS, run_command },
};

static const struct command *find_command(kv_protocol protocol, const kv_arg *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (arg_is(name, commands[i].name) && (protocol == KV_RESP || commands[i].text_arity))
            return &commands[i];
    return NULL;
}

static bool arity_fits(const struct command *command, kv_protocol protocol, size_t argc)
{
    int arity = protocol == KV_RESP ? command->arity : command->text_arity;
    if (protocol == KV_TEXT && arity == -1)
        return true;
    return arity >= 0 ? argc == (size_t)arity : argc >= (size_t)-arity;
}

/* How much of `arg` Redis's "%.*s" shows: up to `limit` bytes, and not past a NUL. */
static int shown_length(const kv_arg *arg, size_t limit)
{
    size_t n = arg->len < limit ? arg->len : limit;
    const char *nul = memchr(arg->data, '\0', n);
    return (int)(nul ? (size_t)(nul - arg->data) : n);
}

/* "unknown command 'FOO', with args beginning with: 'a' 'b' ", as Redis 7 builds it. */
static void reply_unknown_command(struct session *s, const kv_command *cmd)
{
    char message[512];
    int n = snprintf(message, sizeof message, "unknown command '%.*s', with args beginning with: ",
                     shown_length(&cmd->argv[0], 128), cmd->argv[0].data);
    size_t args = 0; /* the length of the argument list so far */
    for (size_t i = 1; i < cmd->argc && args < 128; i++) {
        int w = snprintf(message + n, sizeof message - (size_t)n, "'%.*s' ",
                         shown_length(&cmd->argv[i], 128 - args), cmd->argv[i].data);
        n += w;
        args += (size_t)w;
    }
    reply_error(s, message);
}

static bool keys_are_c_strings(const struct command *command, const kv_command *cmd)
{
    size_t last = command->keys == ALL_KEYS ? cmd->argc - 1 : command->keys == FIRST_KEY ? 1 : 0;
    for (size_t i = 1; i <= last; i++)
        if (memchr(cmd->argv[i].data, '\0', cmd->argv[i].len) != NULL)
            return false;
    return true;
}

/* Runs one command (argc > 0) and appends its reply. */
static void execute(struct kv_server *server, struct session *s, const kv_command *cmd)
{
    const struct command *command = find_command(s->protocol, &cmd->argv[0]);
    if (command == NULL) {
        reply_unknown_command(s, cmd);
        return;
    }
    if (!arity_fits(command, s->protocol, cmd->argc)) {
        char message[80];
        snprintf(message, sizeof message, "wrong number of arguments for '%s' command",
                 command->name);
        reply_error(s, message);
        return;
    }
    if (!keys_are_c_strings(command, cmd)) {
        reply_error(s, "keys must not contain NUL bytes");
        return;
    }
    struct context c = { server, s, cmd };
    pthread_mutex_lock(&server->store);
    command->run(&c);
    pthread_mutex_unlock(&server->store);
}

/*
 * Executes every whole command in the session's input, in order, and drops
 * their bytes. Stops early, and returns true, once the unsent replies exceed
 * `limit` bytes (the caller writes some and calls again, or gives up). A
 * protocol error gets its reply and marks the session closing.
 */
static bool session_run(struct kv_server *server, struct session *s, size_t limit)
{
    kv_command cmd;
    size_t at = 0;
    bool over = false;
    while (!s->closing && !s->broken && at < s->in.len) {
        kv_parse_status status = kv_parse(s->protocol, s->in.data + at, s->in.len - at, &cmd);
        if (status == KV_PARSE_INCOMPLETE)
            break;
        if (status == KV_PARSE_ERROR) {
            reply_error(s, cmd.error);
            s->closing = true;
            break;
        }
        at += cmd.used;
        if (cmd.argc > 0)
            execute(server, s, &cmd);
        if (unsent(s) > limit) {
            over = true;
            break;
        }
    }
    buf_consume(&s->in, s->closing ? s->in.len : at);
    return over;
}

static void session_free(struct session *s)
{
    free(s->in.data);
    free(s->out.data);
}

/* Reads what the socket holds into the session: >0 bytes read, 0 at end of stream, -1 on
 * an error (errno set; EAGAIN when a non-blocking socket has nothing). */
static ssize_t session_read(struct session *s, int fd)
{
    if (!buf_reserve(&s->in, READ_CHUNK)) {
        s->broken = true;
        errno = ENOMEM;
        return -1;
    }
    ssize_t n = recv(fd, s->in.data + s->in.len, s->in.cap - s->in.len, 0);
    if (n > 0)
        s->in.len += (size_t)n;
    return n;
}

/* Writes unsent replies; flags are 0 (block until all is written) or MSG_DONTWAIT.
 * Returns false when the connection is gone. MSG_NOSIGNAL: a client that left must
 * not kill the whole server with SIGPIPE. */
static bool session_write(struct session *s, int fd, int flags)
{
    while (unsent(s) > 0) {
        ssize_t n = send(fd, s->out.data + s->sent, unsent(s), flags | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        s->sent += (size_t)n;
    }
    s->out.len = s->sent = 0;
    if (s->out.cap > KEEP_BUFFER) {
        free(s->out.data);
        s->out = (struct buf){ 0 };
    }
    return true;
}

/* ======================================================================== */
/* ---- KV_THREADS: an acceptor and one thread per connection ------------- */

struct thread_conn {
    struct kv_server *server;
    int fd; /* -1 once the thread has closed it */
    pthread_t thread;
    bool finished;            /* the thread is done; under server->conns_lock */
    struct thread_conn *next; /* in server->conns */
};

static void *serve_connection(void *arg)
{
    struct thread_conn *conn = arg;
    struct kv_server *server = conn->server;
    struct session s = { .protocol = server->config.protocol };
    /* Each read may hold part of a command, one command, or many: run what is whole. */
    while (!s.closing && !s.broken) {
        ssize_t n = session_read(&s, conn->fd);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        bool more = true, gone = false;
        while (more && !gone) { /* a long pipeline is answered a chunk at a time */
            more = session_run(server, &s, WRITE_CHUNK);
            gone = !session_write(&s, conn->fd, 0);
        }
        if (gone)
            break;
    }
    session_free(&s);

    /* Close under the lock: the stopping thread may be about to shut this fd down. */
    pthread_mutex_lock(&server->conns_lock);
    close(conn->fd);
    conn->fd = -1;
    conn->finished = true;
    server->live--;
    pthread_cond_signal(&server->conns_done);
    pthread_mutex_unlock(&server->conns_lock);
    return NULL;
}

/* Joins and frees the connections whose threads have finished (all of them if `all`). */
static void reap_connections(struct kv_server *server, bool all)
{
    struct thread_conn *done = NULL;
    pthread_mutex_lock(&server->conns_lock);
    for (struct thread_conn **link = &server->conns; *link != NULL;) {
        struct thread_conn *conn = *link;
        if (all || conn->finished) {
            *link = conn->next;
            conn->next = done;
            done = conn;
        } else {
            link = &conn->next;
        }
    }
    pthread_mutex_unlock(&server->conns_lock);
    while (done != NULL) {
        struct thread_conn *next = done->next;
        pthread_join(done->thread, NULL);
        free(done);
        done = next;
    }
}

static void accept_connection(struct kv_server *server)
{
    int fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return; /* the client gave up, or the listener was shut down: poll decides */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    reap_connections(server, false);
    struct thread_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        close(fd);
        return;
    }
    *conn = (struct thread_conn){ .server = server, .fd = fd };
    pthread_mutex_lock(&server->conns_lock);
    if (pthread_create(&conn->thread, NULL, serve_connection, conn) != 0) {
        pthread_mutex_unlock(&server->conns_lock);
        close(fd);
        free(conn);
        return;
    }
    conn->next = server->conns;
    server->conns = conn;
    server->live++;
    pthread_mutex_unlock(&server->conns_lock);
}

/* Now plus `delta` nanoseconds, as a timespec on CLOCK_MONOTONIC (for pthread_cond_timedwait). */
static struct timespec deadline_after(int64_t delta)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t ns = (int64_t)t.tv_nsec + delta % WB_SEC;
    t.tv_sec += (time_t)(delta / WB_SEC + ns / WB_SEC);
    t.tv_nsec = (long)(ns % WB_SEC);
    return t;
}

/*
 * The graceful stop of KV_THREADS. Shutting down the read side of a socket
 * wakes its thread's blocking recv, which returns what the client already
 * sent and then 0: the thread answers that and closes. A thread stuck in
 * send to a client that does not read is released after the grace by
 * shutting down both sides.
 */
static void stop_connections(struct kv_server *server)
{
    pthread_mutex_lock(&server->conns_lock);
    for (struct thread_conn *conn = server->conns; conn != NULL; conn = conn->next)
        if (!conn->finished)
            shutdown(conn->fd, SHUT_RD);
    struct timespec deadline = deadline_after(server->config.stop_grace);
    while (server->live > 0) {
        if (pthread_cond_timedwait(&server->conns_done, &server->conns_lock, &deadline) ==
            ETIMEDOUT) {
            for (struct thread_conn *conn = server->conns; conn != NULL; conn = conn->next)
                if (!conn->finished)
                    shutdown(conn->fd, SHUT_RDWR);
            deadline = deadline_after(3600 * WB_SEC);
        }
    }
    pthread_mutex_unlock(&server->conns_lock);
    reap_connections(server, true);
}

static void *accept_loop(void *arg)
{
    struct kv_server *server = arg;
    struct pollfd fds[2] = { { .fd = server->listen_fd, .events = POLLIN },
                             { .fd = server->wake_fd, .events = POLLIN } };
    for (;;) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents != 0)
            break; /* kv_server_shutdown */
        if (fds[0].revents != 0)
            accept_connection(server);
    }
    shutdown(server->listen_fd, SHUT_RDWR);
    stop_connections(server);
    return NULL;
}

/* ======================================================================== */
/* ---- KV_EVENT_LOOP: one thread, epoll, non-blocking sockets ------------ */

struct loop_conn {
    int fd;
    struct session s;
    bool eof;                      /* the client has sent its last byte */
    uint32_t events;               /* what epoll watches for: EPOLLIN, EPOLLOUT */
    struct loop_conn *prev, *next; /* in loop.conns */
};

struct loop {
    struct kv_server *server;
    int epoll_fd;
    struct loop_conn *conns; /* every open connection */
};

/* epoll_event.data.ptr of the listener and of the wake-up eventfd; connections use theirs. */
static char listener_tag, wake_tag;

static void loop_close(struct loop *loop, struct loop_conn *c)
{
    close(c->fd); /* also takes it out of the epoll set */
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        loop->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    session_free(&c->s);
    free(c);
}

/*
 * Writes what the socket takes, without waiting. Returns false if the
 * connection was closed: it failed, or it was closing and is now done.
 * EPOLLOUT is watched only while replies wait, because a writable socket
 * (nearly always) would wake the loop for nothing; EPOLLIN only until the
 * end of the stream, which stays readable for ever after.
 */
static bool loop_flush(struct loop *loop, struct loop_conn *c)
{
    if (!session_write(&c->s, c->fd, MSG_DONTWAIT) || c->s.broken) {
        loop_close(loop, c);
        return false;
    }
    bool waiting = unsent(&c->s) > 0;
    if (!waiting && c->s.closing) {
        loop_close(loop, c);
        return false;
    }
    uint32_t events = (c->eof ? 0 : EPOLLIN) | (waiting ? EPOLLOUT : 0);
    if (events != c->events) {
        struct epoll_event ev = { .events = events, .data.ptr = c };
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = events;
    }
    return true;
}

/*
 * Runs the commands read so far and writes their replies. A client whose
 * unsent replies pass max_output even after a write is cut off: it asked for
 * more than it reads, and the server will not hold it in memory.
 */
static bool loop_serve(struct loop *loop, struct loop_conn *c)
{
    size_t limit = loop->server->config.max_output;
    for (;;) {
        bool over = session_run(loop->server, &c->s, limit);
        if (!loop_flush(loop, c))
            return false;
        if (!over)
            return true;
        if (unsent(&c->s) > limit) { /* reset, dropping what the kernel still holds */
            struct linger reset = { .l_onoff = 1, .l_linger = 0 };
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            loop_close(loop, c);
            return false;
        }
    }
}

/* One readable event: one read (the loop comes back if there is more), then serve. */
static void loop_read(struct loop *loop, struct loop_conn *c)
{
    if (c->s.closing) { /* no new commands: read and drop, so a close sends FIN, not RST */
        char sink[4096];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            loop_close(loop, c);
        return;
    }
    ssize_t n = session_read(&c->s, c->fd);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        loop_close(loop, c);
        return;
    }
    if (n == 0) /* the client has sent all it will: answer it, then close */
        c->eof = true;
    if (loop_serve(loop, c) && c->eof) {
        c->s.closing = true;
        loop_flush(loop, c);
    }
}

static void loop_accept(struct loop *loop)
{
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(loop->server->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: no one else waits; other errors: the next event will tell */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct loop_conn *c = calloc(1, sizeof *c);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (c != NULL)
            c->events = EPOLLIN;
        if (c == NULL || epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->s.protocol = loop->server->config.protocol;
        c->next = loop->conns;
        if (loop->conns != NULL)
            loop->conns->prev = c;
        loop->conns = c;
    }
}

/*
 * The graceful stop of KV_EVENT_LOOP: read what each client has sent, answer
 * it, and close each connection once its replies are written, or when the
 * grace runs out (on the monotonic clock, wb_now(NULL): the grace bounds a
 * real wait, whatever clock EXPIRE reads).
 */
static void loop_stop(struct loop *loop)
{
    int64_t deadline = wb_now(NULL) + loop->server->config.stop_grace;
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, loop->server->listen_fd, NULL);
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, loop->server->wake_fd, NULL);
    for (struct loop_conn *c = loop->conns, *next; c != NULL; c = next) {
        next = c->next;
        ssize_t n = 1; /* read until EAGAIN: a client that keeps sending is stopped by the grace */
        while (!c->s.closing && !c->eof && wb_now(NULL) < deadline &&
               (n = session_read(&c->s, c->fd)) > 0)
            ;
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            loop_close(loop, c);
            continue;
        }
        c->eof = c->eof || n == 0;
        if (loop_serve(loop, c)) { /* every whole command is answered: close once written */
            c->s.closing = true;
            loop_flush(loop, c);
        }
    }
    struct epoll_event events[LOOP_EVENTS];
    while (loop->conns != NULL) {
        int64_t left = deadline - wb_now(NULL);
        if (left <= 0)
            break;
        int n = epoll_wait(loop->epoll_fd, events, LOOP_EVENTS, (int)(left / WB_MSEC) + 1);
        for (int i = 0; i < n; i++) {
            struct loop_conn *c = events[i].data.ptr;
            if (events[i].events & EPOLLOUT)
                loop_flush(loop, c);
            else
                loop_read(loop, c);
        }
    }
    while (loop->conns != NULL)
        loop_close(loop, loop->conns);
}

static void *event_loop(void *arg)
{
    struct loop *loop = arg;
    struct epoll_event events[LOOP_EVENTS];
    bool stopping = false;
    while (!stopping) {
        int n = epoll_wait(loop->epoll_fd, events, LOOP_EVENTS, -1);
        for (int i = 0; i < n; i++) {
            void *tag = events[i].data.ptr;
            if (tag == &listener_tag) {
                loop_accept(loop);
            } else if (tag == &wake_tag) {
                stopping = true;
            } else {
                /* A connection closed earlier in this batch is never in it: each
                 * event only ever closes its own connection. */
                struct loop_conn *c = tag;
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    loop_read(loop, c);
                else if (events[i].events & EPOLLOUT)
                    loop_flush(loop, c);
            }
        }
    }
    loop_stop(loop);
    close(loop->epoll_fd);
    free(loop);
    return NULL;
}

/* ======================================================================== */
/* ---- starting and stopping ---------------------------------------------- */

/* A listening socket on host:port; its port in *port. */
static kv_status open_listener(const kv_server *server, int *fd_out, int *port)
{
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_port = htons((uint16_t)server->config.port) };
    inet_pton(AF_INET, server->host, &addr.sin_addr); /* checked by kv_server_start */
    int type = SOCK_STREAM | SOCK_CLOEXEC;
    if (server->config.mode == KV_EVENT_LOOP)
        type |= SOCK_NONBLOCK;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return errno == ENOMEM || errno == ENOBUFS ? KV_NO_MEMORY : KV_SYSTEM;
    int one = 1;
    socklen_t len = sizeof addr;
    kv_status status = KV_SYSTEM;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        goto fail;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        status = errno == EADDRINUSE ? KV_ADDRESS_IN_USE : KV_SYSTEM;
        goto fail;
    }
    if (listen(fd, SOMAXCONN) != 0 || getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        goto fail;
    *fd_out = fd;
    *port = ntohs(addr.sin_port);
    return KV_OK;
fail:
    close(fd);
    return status;
}

static bool config_is_valid(const kv_config *config)
{
    struct in_addr unused;
    return (config->protocol == KV_TEXT || config->protocol == KV_RESP) &&
           (config->mode == KV_THREADS || config->mode == KV_EVENT_LOOP) && config->port >= 0 &&
           config->port <= 65535 && config->stop_grace >= 0 &&
           (config->host == NULL || inet_pton(AF_INET, config->host, &unused) == 1);
}

/* Everything but the main thread; frees whatever exists of it. */
static void free_server(kv_server *server)
{
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    if (server->wake_fd >= 0)
        close(server->wake_fd);
    lru_destroy(server->cache);
    pthread_mutex_destroy(&server->store);
    pthread_mutex_destroy(&server->conns_lock);
    pthread_cond_destroy(&server->conns_done);
    free(server);
}

/* The defaults of every field left at zero. */
static kv_config with_defaults(const kv_config *config)
{
    kv_config c = *config;
    c.capacity = c.capacity ? c.capacity : KV_DEFAULT_CAPACITY;
    c.max_output = c.max_output ? c.max_output : KV_DEFAULT_MAX_OUTPUT;
    c.stop_grace = c.stop_grace ? c.stop_grace : KV_DEFAULT_STOP_GRACE;
    return c;
}

/* Starts the thread that runs the server: the acceptor, or the event loop. */
static kv_status start_main_thread(kv_server *server)
{
    if (server->config.mode == KV_THREADS)
        return pthread_create(&server->main_thread, NULL, accept_loop, server) ? KV_SYSTEM : KV_OK;
    struct loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return KV_NO_MEMORY;
    loop->server = server;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event listen_ev = { .events = EPOLLIN, .data.ptr = &listener_tag };
    struct epoll_event wake_ev = { .events = EPOLLIN, .data.ptr = &wake_tag };
    if (loop->epoll_fd < 0 ||
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, server->listen_fd, &listen_ev) != 0 ||
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, server->wake_fd, &wake_ev) != 0 ||
        pthread_create(&server->main_thread, NULL, event_loop, loop) != 0) {
        if (loop->epoll_fd >= 0)
            close(loop->epoll_fd);
        free(loop);
        return KV_SYSTEM;
    }
    return KV_OK;
}

kv_status kv_server_start(const kv_config *config, kv_server **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || !config_is_valid(config))
        return KV_INVALID;
    kv_server *server = calloc(1, sizeof *server);
    if (server == NULL)
        return KV_NO_MEMORY;
    server->config = with_defaults(config);
    snprintf(server->host, sizeof server->host, "%s",
             config->host != NULL ? config->host : "127.0.0.1");
    server->config.host = server->host;
    server->listen_fd = server->wake_fd = -1;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&server->store, NULL);
    pthread_mutex_init(&server->conns_lock, NULL);
    pthread_cond_init(&server->conns_done, &attr);
    pthread_condattr_destroy(&attr);

    kv_status status = KV_NO_MEMORY;
    server->cache = lru_create(server->config.capacity, server->config.clock);
    if (server->cache == NULL)
        goto fail;
    status = KV_SYSTEM;
    server->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (server->wake_fd < 0)
        goto fail;
    status = open_listener(server, &server->listen_fd, &server->port);
    if (status != KV_OK)
        goto fail;
    status = start_main_thread(server);
    if (status != KV_OK)
        goto fail;
    *out = server;
    return KV_OK;
fail:
    free_server(server);
    return status;
}

int kv_server_port(const kv_server *server)
{
    return server != NULL ? server->port : 0;
}

void kv_server_shutdown(kv_server *server)
{
    if (server == NULL)
        return;
    int saved = errno;                      /* a signal handler must leave errno as it found it */
    shutdown(server->listen_fd, SHUT_RDWR); /* from now on a connect is refused */
    uint64_t one = 1;
    ssize_t n = write(server->wake_fd, &one, sizeof one);
    (void)n; /* the only failure is a counter already set: it is woken either way */
    errno = saved;
}

void kv_server_stop(kv_server *server)
{
    if (server == NULL)
        return;
    kv_server_shutdown(server);
    pthread_join(server->main_thread, NULL);
    free_server(server);
}
