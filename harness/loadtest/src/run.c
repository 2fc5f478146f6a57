/*
 * run.c: one load test (run.h): opens the connections, shares them out over
 * the event-loop threads, starts them together and merges their figures.
 *
 * Why event loops and not a thread per connection: 50 connections on a
 * 2-core machine would be 50 threads taking turns, and each turn costs a
 * context switch, the very cost a load tester must not add. One epoll loop
 * drives many connections from one thread, as redis-benchmark does; more
 * loops (--threads) help only when the tester's own core is saturated.
 * Each thread keeps its own counters and histogram and nothing is shared
 * while the run lasts, so no lock or atomic sits on the hot path.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"

enum { EVENTS = 256, WAIT_MS = 100 };

typedef struct run run;

/* One event loop: its connections, its epoll instance, its figures. */
typedef struct worker {
    run *run;
    conn *conns; /* n of them: connections number, number + threads, ... */
    int n;
    int epoll_fd;
    conn_thread share; /* its share of the requests, and its figures */
    pthread_t thread;
    int started; /* the thread was created and must be joined */
} worker;

/* The run: the plan all connections share, and the signal that starts them. */
struct run {
    const opt_config *cfg;
    const wb_clock *clock;
    conn_plan plan;
    worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    enum { WAITING, GO, ABORT } state; /* under lock */
    int64_t start;                     /* written before GO, read after it */
};

void lt_key(char out[LT_KEY_LEN], uint64_t n)
{
    memcpy(out, "key:", 4);
    for (int i = LT_KEY_LEN - 1; i >= 4; i--) {
        out[i] = (char)('0' + n % 10);
        n /= 10;
    }
}

static lt_status fail(char *why, size_t size, lt_status status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static lt_status fail(char *why, size_t size, lt_status status, const char *fmt, ...)
{
    if (size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* ---- connecting ---- */

/* Waits up to `timeout` ns for a non-blocking connect; 0 or the errno that ended it. */
static int await_connect(int fd, int64_t timeout)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int ms = (int)(timeout / WB_MSEC), n;
    while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        return ETIMEDOUT;
    int error = 0;
    socklen_t len = sizeof error;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return errno;
    return error;
}

/* A connected, non-blocking socket with Nagle off, or -1 with *error set. */
static int open_socket(const struct addrinfo *ai, int64_t timeout, int *error)
{
    int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;
    if (fd < 0) {
        *error = errno;
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* Small requests must leave at once, not wait for the previous reply's ACK. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *error = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (*error == EINPROGRESS)
        *error = await_connect(fd, timeout);
    if (*error != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens every connection, each in its worker. *ai is the address that worked. */
static lt_status open_all(run *r, struct addrinfo *list, char *why, size_t size)
{
    const opt_config *cfg = r->cfg;
    const struct addrinfo *ai = list;
    char text[128];
    for (int i = 0; i < cfg->connections; i++) {
        int error = 0, fd = open_socket(ai, cfg->timeout, &error);
        while (fd < 0 && i == 0 && ai->ai_next != NULL) /* the first may try every address */
            fd = open_socket(ai = ai->ai_next, cfg->timeout, &error);
        if (fd < 0 && i == 0)
            return fail(why, size, LT_CONNECT_FAILED,
                        "could not connect to %s:%d: %s (is the server running there?)", cfg->host,
                        cfg->port, conn_error_text(error, text, sizeof text));
        if (fd < 0)
            return fail(why, size, LT_CONNECT_FAILED,
                        "could not open connection %d of %d to %s:%d: %s%s", i + 1,
                        cfg->connections, cfg->host, cfg->port,
                        conn_error_text(error, text, sizeof text),
                        error == EMFILE ? " (raise the limit with ulimit -n)" : "");
        worker *w = &r->workers[i % cfg->threads];
        if (!conn_init(&w->conns[w->n], i, fd, &r->plan))
            return fail(why, size, LT_NO_MEMORY, "no memory for connection %d's buffers", i + 1);
        w->n++;
    }
    return LT_OK;
}

static lt_status connect_all(run *r, char *why, size_t size)
{
    char port[16];
    snprintf(port, sizeof port, "%d", r->cfg->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV };
    struct addrinfo *list = NULL;
    int error = getaddrinfo(r->cfg->host, port, &hints, &list);
    if (error != 0)
        return fail(why, size, LT_CONNECT_FAILED, "could not find the address of %s: %s",
                    r->cfg->host, gai_strerror(error));
    lt_status s = open_all(r, list, why, size);
    freeaddrinfo(list);
    return s;
}

/* ---- the event loops ---- */

/* Watches the socket for writing only while a batch waits to be written. */
static void watch(worker *w, conn *c)
{
    int want = conn_wants_write(c);
    if (c->finished || want == c->polled_out)
        return;
    struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c };
    char text[128];
    if (epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->polled_out = want;
    else
        conn_lose(c, &w->share, wb_now(w->run->clock), "epoll_ctl failed: %s",
                  conn_error_text(errno, text, sizeof text));
}

static void check_timeouts(worker *w, int64_t now)
{
    for (int i = 0; i < w->n; i++)
        conn_check_timeout(&w->conns[i], &w->run->plan, &w->share, now);
}

static void loop(worker *w)
{
    const conn_plan *plan = &w->run->plan;
    struct epoll_event events[EVENTS];
    int64_t checked = wb_now(plan->clock);
    while (w->share.finished < w->n) {
        int n = epoll_wait(w->epoll_fd, events, EVENTS, WAIT_MS);
        if (n < 0 && errno != EINTR) {
            char text[128];
            conn_error_text(errno, text, sizeof text);
            int64_t now = wb_now(plan->clock);
            for (int i = 0; i < w->n; i++)
                conn_lose(&w->conns[i], &w->share, now, "epoll_wait failed: %s", text);
            return;
        }
        for (int i = 0; i < n; i++) {
            conn *c = events[i].data.ptr;
            if (events[i].events & EPOLLOUT)
                conn_on_writable(c, &w->share, wb_now(plan->clock));
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                conn_on_readable(c, plan, &w->share);
            watch(w, c);
        }
        /* Timeouts are rare: look for them when idle, or every WAIT_MS of the run's time. */
        int64_t now = wb_now(plan->clock);
        if (n <= 0 || now - checked >= WAIT_MS * WB_MSEC) {
            check_timeouts(w, now);
            checked = now;
        }
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    run *r = w->run;
    pthread_mutex_lock(&r->lock);
    while (r->state == WAITING)
        pthread_cond_wait(&r->changed, &r->lock);
    int go = r->state == GO;
    pthread_mutex_unlock(&r->lock);
    if (!go)
        return NULL;
    int64_t now = wb_now(r->clock);
    w->share.last_event = r->start;
    for (int i = 0; i < w->n; i++) {
        conn_begin(&w->conns[i], &r->plan, &w->share, now);
        watch(w, &w->conns[i]);
    }
    loop(w);
    return NULL;
}

/* ---- set-up, start, merge, clean-up ---- */

static lt_status make_workers(run *r, char *why, size_t size)
{
    int threads = r->cfg->threads, per = (r->cfg->connections + threads - 1) / threads;
    r->workers = calloc((size_t)threads, sizeof *r->workers);
    if (r->workers == NULL)
        return fail(why, size, LT_NO_MEMORY, "no memory for %d threads", threads);
    for (int t = 0; t < threads; t++) {
        worker *w = &r->workers[t];
        w->run = r;
        w->epoll_fd = -1;
        /* The requests shared out over the threads, the first ones taking the rest. */
        uint64_t n = r->cfg->requests, share = n / (uint64_t)threads;
        w->share.to_send = n == 0 ? UINT64_MAX : share + ((uint64_t)t < n % (uint64_t)threads);
        w->conns = calloc((size_t)per, sizeof *w->conns);
        w->share.latency = hist_create();
        if (w->conns == NULL || w->share.latency == NULL)
            return fail(why, size, LT_NO_MEMORY, "no memory for %d connections", per);
    }
    return LT_OK;
}

static lt_status make_loops(run *r, char *why, size_t size)
{
    char text[128];
    for (int t = 0; t < r->cfg->threads; t++) {
        worker *w = &r->workers[t];
        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epoll_fd < 0)
            return fail(why, size, LT_SYSTEM_ERROR, "epoll_create1 failed: %s",
                        conn_error_text(errno, text, sizeof text));
        for (int i = 0; i < w->n; i++) {
            struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->conns[i] };
            if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->conns[i].fd, &ev) != 0)
                return fail(why, size, LT_SYSTEM_ERROR, "epoll_ctl failed: %s",
                            conn_error_text(errno, text, sizeof text));
        }
    }
    return LT_OK;
}

/* Starts the threads, releases them together and waits for them all. */
static lt_status run_threads(run *r, char *why, size_t size)
{
    lt_status s = LT_OK;
    int error = 0;
    for (int t = 0; t < r->cfg->threads && error == 0; t++) {
        error = pthread_create(&r->workers[t].thread, NULL, work, &r->workers[t]);
        r->workers[t].started = error == 0;
    }
    pthread_mutex_lock(&r->lock);
    r->start = wb_now(r->clock);
    r->plan.deadline = r->start + r->cfg->duration;
    r->state = error == 0 ? GO : ABORT;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    char text[128];
    if (error != 0)
        s = fail(why, size, LT_SYSTEM_ERROR, "could not start a thread: %s",
                 conn_error_text(error, text, sizeof text));
    for (int t = 0; t < r->cfg->threads; t++)
        if (r->workers[t].started)
            pthread_join(r->workers[t].thread, NULL);
    return s;
}

static void merge(run *r, lt_result *out)
{
    int64_t end = r->start;
    for (int t = 0; t < r->cfg->threads; t++) {
        const conn_thread *s = &r->workers[t].share;
        out->gets += s->gets;
        out->sets += s->sets;
        out->error_replies += s->error_replies;
        out->unexpected_replies += s->unexpected_replies;
        out->lost_requests += s->lost_requests;
        out->unsent_requests +=
            r->cfg->requests > 0 ? s->to_send : 0; /* its connections were lost */
        out->connections_lost += s->connections_lost;
        if (out->first_error[0] == '\0')
            snprintf(out->first_error, sizeof out->first_error, "%s", s->first_error);
        if (out->first_loss[0] == '\0')
            snprintf(out->first_loss, sizeof out->first_loss, "%s", s->first_loss);
        hist_merge(out->latency, s->latency);
        end = s->last_event > end ? s->last_event : end;
    }
    out->elapsed = end - r->start;
}

static void clean_up(run *r)
{
    for (int t = 0; r->workers != NULL && t < r->cfg->threads; t++) {
        worker *w = &r->workers[t];
        for (int i = 0; i < w->n; i++)
            conn_free(&w->conns[i]);
        if (w->epoll_fd >= 0)
            close(w->epoll_fd);
        free(w->conns);
        hist_destroy(w->share.latency);
    }
    free(r->workers);
    conn_plan_free(&r->plan);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
}

lt_status lt_run(const opt_config *cfg, const wb_clock *clock, lt_result *result, char *why,
                 size_t why_size)
{
    run r = { .cfg = cfg, .clock = clock, .state = WAITING };
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.changed, NULL);
    *result = (lt_result){ .latency = hist_create() };
    lt_status s = result->latency != NULL
                      ? LT_OK
                      : fail(why, why_size, LT_NO_MEMORY, "no memory for a histogram");
    if (s == LT_OK && !conn_plan_init(&r.plan, cfg, clock))
        s = fail(why, why_size, LT_NO_MEMORY, "no memory for requests of %zu bytes",
                 cfg->value_size);
    if (s == LT_OK)
        s = make_workers(&r, why, why_size);
    if (s == LT_OK)
        s = connect_all(&r, why, why_size);
    if (s == LT_OK)
        s = make_loops(&r, why, why_size);
    if (s == LT_OK)
        s = run_threads(&r, why, why_size);
    if (s == LT_OK)
        merge(&r, result);
    clean_up(&r);
    if (s != LT_OK)
        lt_result_free(result);
    return s;
}

void lt_result_free(lt_result *result)
{
    if (result == NULL)
        return;
    hist_destroy(result->latency);
    result->latency = NULL;
}
