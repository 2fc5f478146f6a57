/*
 * conn.c: one connection of a run (conn.h): batches of requests out, replies
 * in, each reply timed and checked against the command it answers.
 *
 * Requests are copied from two templates made once per run (a whole GET and
 * a whole SET for key 0) and only the key's 12 digits are rewritten, so a
 * request costs one copy, not a formatting pass.
 */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "resp.h"
#include "run.h"

enum { IN_FIRST_CAP = 16 * 1024, SHOWN_BYTES = 40 };

/* ---- messages ---- */

/* bytes escaped as in a C literal (-ERR x\r\n), without the quotes, cut after
 * SHOWN_BYTES bytes with "..." after them. */
static void escape(char *out, size_t cap, const char *bytes, size_t n)
{
    size_t at = 0;
    for (size_t i = 0; i < n && i < SHOWN_BYTES && at + 8 < cap; i++) {
        unsigned char b = (unsigned char)bytes[i];
        const char *named = b == '\r' ? "\\r" : b == '\n' ? "\\n" : b == '"' ? "\\\"" : NULL;
        if (named != NULL)
            at += (size_t)snprintf(out + at, cap - at, "%s", named);
        else if (b < 32 || b >= 127 || b == '\\')
            at += (size_t)snprintf(out + at, cap - at, "\\x%02x", b);
        else
            out[at++] = (char)b;
    }
    snprintf(out + at, cap - at, "%s", n > SHOWN_BYTES ? "..." : "");
}

/* A reply as it came, shortly: +OK, -ERR ..., :1, $3 "abc", $-1, *2, *-1. */
static void describe(char *out, size_t cap, const resp_reply *r)
{
    char text[SHOWN_BYTES * 4 + 8];
    escape(text, sizeof text, r->text, r->len);
    switch (r->kind) {
    case RESP_SIMPLE:
    case RESP_ERROR:
        snprintf(out, cap, "%c%s", r->kind == RESP_SIMPLE ? '+' : '-', text);
        break;
    case RESP_INTEGER:
        snprintf(out, cap, ":%lld", (long long)r->integer);
        break;
    case RESP_BULK:
        snprintf(out, cap, "$%zu \"%s\"", r->len, text);
        break;
    case RESP_NIL:
        snprintf(out, cap, "$-1");
        break;
    case RESP_ARRAY:
        snprintf(out, cap, "*%lld (an array)", (long long)r->integer);
        break;
    case RESP_NIL_ARRAY:
        snprintf(out, cap, "*-1");
        break;
    }
}

const char *conn_error_text(int err, char *buf, size_t size)
{
    if (strerror_r(err, buf, size) != 0)
        snprintf(buf, size, "error %d", err);
    return buf;
}

/* ---- the end of a connection ---- */

static void finish(conn *c, conn_thread *t, int64_t now)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->finished = 1;
    t->finished++;
    if (now > t->last_event)
        t->last_event = now;
}

void conn_lose(conn *c, conn_thread *t, int64_t now, const char *fmt, ...)
{
    if (c->finished)
        return;
    t->connections_lost++;
    t->lost_requests += (uint64_t)(c->batch - c->answered);
    if (t->first_loss[0] == '\0') {
        int n = snprintf(t->first_loss, sizeof t->first_loss, "connection %d: ", c->number);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->first_loss + n, sizeof t->first_loss - (size_t)n, fmt, ap);
        va_end(ap);
    }
    finish(c, t, now);
}

/* ---- batches out ---- */

static void put_request(conn *c, const conn_plan *plan)
{
    const opt_config *cfg = plan->cfg;
    uint64_t key = wb_rng_below(&c->rng, cfg->keys);
    int kind =
        cfg->set_weight == 0   ? CONN_GET
        : cfg->get_weight == 0 ? CONN_SET
        : wb_rng_below(&c->rng, (uint64_t)cfg->get_weight + cfg->set_weight) < cfg->get_weight
            ? CONN_GET
            : CONN_SET;
    const char *template = kind == CONN_GET ? plan->get_template : plan->set_template;
    size_t len = kind == CONN_GET ? plan->get_len : plan->set_len;
    char *at = c->out + c->out_len;
    memcpy(at, template, len);
    lt_key(at + (kind == CONN_GET ? plan->get_key_at : plan->set_key_at), key);
    c->out_len += len;
    c->kinds[c->batch++] = (unsigned char)kind;
}

/* Fills the next batch from the thread's share, if one may start now. 0 when there is
 * nothing more to send. */
static int start_batch(conn *c, const conn_plan *plan, conn_thread *t, int64_t now)
{
    if (t->to_send == 0 || (plan->cfg->duration > 0 && now >= plan->deadline))
        return 0;
    uint64_t n = (uint64_t)plan->cfg->pipeline;
    if (t->to_send < n)
        n = t->to_send;
    c->batch = c->answered = 0;
    c->out_len = c->out_done = 0;
    for (uint64_t i = 0; i < n; i++)
        put_request(c, plan);
    if (t->to_send != UINT64_MAX)
        t->to_send -= n;
    c->sent_at = c->last_progress = now;
    return 1;
}

/* Writes what the socket takes of the batch. */
static void flush(conn *c, conn_thread *t, int64_t now)
{
    while (c->out_done < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_done, c->out_len - c->out_done, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_done += (size_t)n;
            c->last_progress = now;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return; /* the socket is full: the loop waits until it can be written */
        } else {
            char text[128];
            conn_lose(c, t, now, "writing requests failed: %s",
                      conn_error_text(errno, text, sizeof text));
            return;
        }
    }
}

static void next_batch(conn *c, const conn_plan *plan, conn_thread *t, int64_t now)
{
    if (start_batch(c, plan, t, now))
        flush(c, t, now);
    else
        finish(c, t, now);
}

void conn_begin(conn *c, const conn_plan *plan, conn_thread *t, int64_t now)
{
    next_batch(c, plan, t, now);
}

void conn_on_writable(conn *c, conn_thread *t, int64_t now)
{
    if (!c->finished)
        flush(c, t, now);
}

int conn_wants_write(const conn *c)
{
    return !c->finished && c->out_done < c->out_len;
}

/* ---- replies in ---- */

/* Is this the kind of reply the command gets? GET: a bulk string or nil; SET: +OK. */
static int expected(int kind, const resp_reply *r)
{
    if (kind == CONN_GET)
        return r->kind == RESP_BULK || r->kind == RESP_NIL;
    return r->kind == RESP_SIMPLE && r->len == 2 && memcmp(r->text, "OK", 2) == 0;
}

static void account(conn *c, conn_thread *t, const resp_reply *r, int64_t now)
{
    int kind = c->kinds[c->answered++];
    if (kind == CONN_GET)
        t->gets++;
    else
        t->sets++;
    hist_record(t->latency, now > c->sent_at ? (uint64_t)(now - c->sent_at) : 0);
    if (now > t->last_event)
        t->last_event = now;
    int error = r->kind == RESP_ERROR;
    if (!error && expected(kind, r))
        return;
    if (error)
        t->error_replies++;
    else
        t->unexpected_replies++;
    if (t->first_error[0] == '\0') {
        char shown[SHOWN_BYTES * 4 + 16];
        describe(shown, sizeof shown, r);
        snprintf(t->first_error, sizeof t->first_error, "%s answered %s%s",
                 kind == CONN_GET ? "GET" : "SET", shown,
                 error              ? ""
                 : kind == CONN_GET ? ", not a bulk string or $-1"
                                    : ", not +OK");
    }
}

/* Accounts for every whole reply in the input, and keeps the rest for the next read. */
static void parse_replies(conn *c, const conn_plan *plan, conn_thread *t, int64_t now)
{
    size_t at = 0;
    char shown[SHOWN_BYTES * 4 + 8];
    while (at < c->in_len) {
        if (c->answered == c->batch) {
            escape(shown, sizeof shown, c->in + at, c->in_len - at);
            conn_lose(c, t, now, "the server sent %zu bytes after the last reply expected: \"%s\"",
                      c->in_len - at, shown);
            return;
        }
        resp_reply r;
        size_t used;
        resp_status st = resp_parse(c->in + at, c->in_len - at, &r, &used);
        if (st == RESP_INCOMPLETE)
            break;
        if (st != RESP_OK) {
            escape(shown, sizeof shown, c->in + at, c->in_len - at);
            conn_lose(c, t, now, "the server sent %s: \"%s\"%s", resp_status_text(st), shown,
                      st == RESP_BAD_TYPE ? " (does it speak RESP?)" : "");
            return;
        }
        account(c, t, &r, now);
        at += used;
    }
    memmove(c->in, c->in + at, c->in_len - at);
    c->in_len -= at;
    if (at > 0)
        c->last_progress = now;
    if (c->answered == c->batch)
        next_batch(c, plan, t, now);
}

void conn_on_readable(conn *c, const conn_plan *plan, conn_thread *t)
{
    if (c->finished)
        return;
    if (c->in_len == c->in_cap) { /* a reply longer than the buffer: make room for it */
        char *bigger = c->in_cap <= SIZE_MAX / 2 ? realloc(c->in, c->in_cap * 2) : NULL;
        if (bigger == NULL) {
            conn_lose(c, t, wb_now(plan->clock), "no memory for a reply of over %zu bytes",
                      c->in_cap);
            return;
        }
        c->in = bigger;
        c->in_cap *= 2;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    int64_t now = wb_now(plan->clock);
    if (n > 0) {
        c->in_len += (size_t)n;
        parse_replies(c, plan, t, now);
    } else if (n == 0) {
        conn_lose(c, t, now, "the server closed the connection with %d of %d replies outstanding",
                  c->batch - c->answered, c->batch);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        char text[128];
        conn_lose(c, t, now, "reading replies failed: %s",
                  conn_error_text(errno, text, sizeof text));
    }
}

void conn_check_timeout(conn *c, const conn_plan *plan, conn_thread *t, int64_t now)
{
    if (!c->finished && now - c->last_progress >= plan->cfg->timeout)
        conn_lose(c, t, now, "no reply for %.1f s (%d of %d replies of the batch received)",
                  (double)(now - c->last_progress) / WB_SEC, c->answered, c->batch);
}

/* ---- set-up ---- */

/* The splitmix64 finaliser: spreads the bits of x, so that nearby seeds give unrelated ones. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

int conn_init(conn *c, int number, int fd, const conn_plan *plan)
{
    const opt_config *cfg = plan->cfg;
    size_t longest = plan->get_len > plan->set_len ? plan->get_len : plan->set_len;
    *c = (conn){ .fd = fd, .number = number };
    /* Connection i's own sequence: seeding with seed + i would give shifted copies of one. */
    wb_rng_seed(&c->rng, mix(cfg->seed ^ mix((uint64_t)number + 1)));
    c->kinds = malloc((size_t)cfg->pipeline);
    c->out_cap = longest * (size_t)cfg->pipeline;
    c->out = malloc(c->out_cap);
    c->in_cap = IN_FIRST_CAP;
    c->in = malloc(c->in_cap);
    if (c->kinds == NULL || c->out == NULL || c->in == NULL) {
        conn_free(c);
        return 0;
    }
    return 1;
}

void conn_free(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->kinds);
    free(c->out);
    free(c->in);
    c->kinds = NULL;
    c->out = c->in = NULL;
}

int conn_plan_init(conn_plan *plan, const opt_config *cfg, const wb_clock *clock)
{
    *plan = (conn_plan){ .cfg = cfg, .clock = clock };
    char key[LT_KEY_LEN];
    lt_key(key, 0);
    char *value = malloc(cfg->value_size + 1);
    if (value == NULL)
        return 0;
    memset(value, 'x', cfg->value_size);
    const char *get[] = { "GET", key }, *set[] = { "SET", key, value };
    const size_t get_lens[] = { 3, LT_KEY_LEN }, set_lens[] = { 3, LT_KEY_LEN, cfg->value_size };
    plan->get_len = resp_encode(NULL, 0, 2, get, get_lens);
    plan->set_len = resp_encode(NULL, 0, 3, set, set_lens);
    plan->get_template = malloc(plan->get_len);
    plan->set_template = malloc(plan->set_len);
    if (plan->get_template != NULL && plan->set_template != NULL) {
        resp_encode(plan->get_template, plan->get_len, 2, get, get_lens);
        resp_encode(plan->set_template, plan->set_len, 3, set, set_lens);
    }
    free(value);
    /* The key is GET's last argument, and SET's second: "*3" is as long as "*2". */
    plan->get_key_at = plan->get_len - LT_KEY_LEN - 2;
    plan->set_key_at = resp_encode(NULL, 0, 2, set, set_lens) - LT_KEY_LEN - 2;
    if (plan->get_template == NULL || plan->set_template == NULL) {
        conn_plan_free(plan);
        return 0;
    }
    return 1;
}

void conn_plan_free(conn_plan *plan)
{
    free(plan->get_template);
    free(plan->set_template);
    plan->get_template = plan->set_template = NULL;
}
