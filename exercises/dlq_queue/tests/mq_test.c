/*
 * mq_test.c: the helpers of mq_test.h.
 */
#define _GNU_SOURCE /* sched_yield, mkdtemp */
#include "mq_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *status_name(mq_status status)
{
    static const char *const names[] = {
        [MQ_OK] = "MQ_OK",
        [MQ_EMPTY] = "MQ_EMPTY",
        [MQ_FULL] = "MQ_FULL",
        [MQ_CLOSED] = "MQ_CLOSED",
        [MQ_STALE] = "MQ_STALE",
        [MQ_DEAD_LETTERED] = "MQ_DEAD_LETTERED",
        [MQ_DUPLICATE] = "MQ_DUPLICATE",
        [MQ_NOT_FOUND] = "MQ_NOT_FOUND",
        [MQ_INVALID] = "MQ_INVALID",
        [MQ_TOO_BIG] = "MQ_TOO_BIG",
        [MQ_NO_MEMORY] = "MQ_NO_MEMORY",
        [MQ_IO] = "MQ_IO",
        [MQ_CORRUPT] = "MQ_CORRUPT",
    };
    if ((unsigned)status < sizeof names / sizeof names[0] && names[status] != NULL)
        return names[status];
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

mq_config config_on(size_t capacity, wb_manual_clock *mc)
{
    wb_manual_clock_init(mc, START);
    return (mq_config){ .capacity = capacity, .clock = &mc->clock };
}

mq_queue *open_queue(const mq_config *config)
{
    mq_queue *q = NULL;
    mq_status s = mq_open(config, &q);
    cr_assert(s == MQ_OK && q != NULL,
              "mq_open(capacity %zu%s%s) returned %s%s, expected MQ_OK and a queue",
              config->capacity, config->log_path ? ", log " : "",
              config->log_path ? wb_q(config->log_path) : "", status_name(s),
              s == MQ_OK && q == NULL ? " but left the queue NULL" : "");
    return q;
}

uint64_t send_text(mq_queue *q, const char *text)
{
    uint64_t id = 0;
    mq_status s = mq_send(q, text, strlen(text), MQ_NOWAIT, &id);
    cr_assert(s == MQ_OK, "mq_send(%s) returned %s, expected MQ_OK", wb_q(text), status_name(s));
    return id;
}

mq_message receive_text(mq_queue *q, const char *want, const char *why)
{
    mq_message m = { 0 };
    mq_status s = mq_receive(q, MQ_NOWAIT, &m);
    cr_assert(s == MQ_OK, "mq_receive returned %s, expected MQ_OK with %s: %s", status_name(s),
              wb_q(want), why);
    cr_assert(m.body != NULL, "mq_receive returned MQ_OK but a NULL body, expected %s: %s",
              wb_q(want), why);
    cr_assert(m.len == strlen(want) && memcmp(m.body, want, m.len) == 0,
              "mq_receive gave %s (id %llu), expected %s: %s", wb_qn(m.body, m.len),
              (unsigned long long)m.id, wb_q(want), why);
    cr_assert(m.body[m.len] == '\0',
              "mq_receive gave a body of %zu bytes not followed by a NUL: the header promises "
              "one after the body, so a text body reads as a C string",
              m.len);
    return m;
}

void expect_empty(mq_queue *q, const char *why)
{
    mq_message m = { 0 };
    mq_status s = mq_receive(q, MQ_NOWAIT, &m);
    if (s == MQ_EMPTY)
        return;
    char got[256];
    snprintf(got, sizeof got, "%s", s == MQ_OK ? wb_qn(m.body, m.len) : "");
    uint64_t id = m.id;
    if (s == MQ_OK)
        mq_message_free(&m);
    cr_assert_fail("mq_receive returned %s%s%s (id %llu), expected MQ_EMPTY: %s", status_name(s),
                   s == MQ_OK ? " with " : "", got, (unsigned long long)id, why);
}

void ack(mq_queue *q, const mq_message *m, const char *why)
{
    mq_status s = mq_ack(q, m->receipt);
    cr_assert(s == MQ_OK,
              "mq_ack of the delivery of %s (id %llu, receive_count %u) returned %s, expected "
              "MQ_OK: %s",
              wb_qn(m->body, m->len), (unsigned long long)m->id, m->receive_count, status_name(s),
              why);
}

void consume_text(mq_queue *q, const char *want, const char *why)
{
    mq_message m = receive_text(q, want, why);
    ack(q, &m, why);
    mq_message_free(&m);
}

mq_stats stats_of(mq_queue *q)
{
    mq_stats st;
    memset(&st, 0xff, sizeof st);
    mq_status s = mq_get_stats(q, &st);
    cr_assert(s == MQ_OK, "mq_get_stats returned %s, expected MQ_OK", status_name(s));
    return st;
}

void expect_counts(mq_queue *q, size_t ready, size_t in_flight, size_t delayed, size_t dead,
                   const char *why)
{
    mq_stats st = stats_of(q);
    cr_assert(st.ready == ready && st.in_flight == in_flight && st.delayed == delayed &&
                  st.dead == dead,
              "mq_get_stats says ready %zu, in_flight %zu, delayed %zu, dead %zu; expected "
              "ready %zu, in_flight %zu, delayed %zu, dead %zu: %s",
              st.ready, st.in_flight, st.delayed, st.dead, ready, in_flight, delayed, dead, why);
}

void expect_status(mq_status got, mq_status want, const char *call, const char *why)
{
    cr_assert(got == want, "%s returned %s, expected %s: %s", call, status_name(got),
              status_name(want), why);
}

/* ---- threads ---- */

/* Half the per-test limit the harness gives (WB_TIMEOUT, 10 s by default), in ns. */
static int64_t patience(void)
{
    const char *env = getenv("WB_TIMEOUT");
    double limit = env != NULL && strtod(env, NULL) > 0 ? strtod(env, NULL) : WB_TEST_TIMEOUT;
    return (int64_t)(limit / 2 * 1e9);
}

char *await_blocked(mq_queue *q, size_t senders, size_t receivers)
{
    int64_t give_up = wb_now(NULL) + patience();
    mq_stats st = { 0 };
    for (;;) {
        mq_status s = mq_get_stats(q, &st);
        if (s != MQ_OK)
            return wb_strdupf("mq_get_stats returned %s, expected MQ_OK", status_name(s));
        if (st.waiting_senders == senders && st.waiting_receivers == receivers)
            return NULL;
        if (wb_now(NULL) > give_up)
            break;
        sched_yield();
    }
    return wb_strdupf("waited for mq_get_stats to show %zu blocked senders and %zu blocked "
                      "receivers; it still says %zu and %zu. Does a blocked call count itself "
                      "in waiting_senders / waiting_receivers while it waits, and block at all?",
                      senders, receivers, st.waiting_senders, st.waiting_receivers);
}

/* ---- files ---- */

/* Folders made by this process, removed at exit if a test stopped before its own cleanup. */
enum { MAX_SCRATCH = 16 };
static char made[MAX_SCRATCH][256];
static pid_t maker;

static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char path[600];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/*
 * Folders are named dlq_queue-PID-XXXXXX. A test process that dies before its
 * cleanup (a crash, a sanitizer's abort, a timeout) cannot remove its own:
 * the next one removes those of processes that no longer exist.
 */
static void remove_orphans(const char *parent)
{
    DIR *d = opendir(parent);
    if (d == NULL)
        return;
    char path[600];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        int pid = 0;
        if (sscanf(e->d_name, "dlq_queue-%d-", &pid) != 1 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to know */
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        remove_folder(path);
    }
    closedir(d);
}

static void remove_leftovers(void)
{
    if (getpid() != maker) /* a forked writer never cleans up its parent's folders */
        return;
    for (int i = 0; i < MAX_SCRATCH; i++)
        if (made[i][0] != '\0')
            remove_folder(made[i]);
}

void scratch_make(struct scratch *s)
{
    const char *tmp = getenv("TMPDIR");
    const char *parent = tmp != NULL && *tmp ? tmp : "/tmp";
    remove_orphans(parent);
    snprintf(s->dir, sizeof s->dir, "%s/dlq_queue-%d-XXXXXX", parent, (int)getpid());
    cr_assert(mkdtemp(s->dir) != NULL, "could not make a scratch folder %s for the log",
              wb_q(s->dir));
    snprintf(s->log, sizeof s->log, "%s/queue.log", s->dir);
    if (maker == 0) {
        maker = getpid();
        atexit(remove_leftovers);
    }
    for (int i = 0; i < MAX_SCRATCH; i++) {
        if (made[i][0] == '\0') {
            snprintf(made[i], sizeof made[i], "%s", s->dir);
            break;
        }
    }
}

void scratch_remove(struct scratch *s)
{
    remove_folder(s->dir);
    for (int i = 0; i < MAX_SCRATCH; i++)
        if (strcmp(made[i], s->dir) == 0)
            made[i][0] = '\0';
}

long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

unsigned char *file_read(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, used = 0;
    unsigned char *buf = malloc(cap);
    cr_assert(buf != NULL, "out of memory reading %s", wb_q(path));
    size_t n;
    while ((n = fread(buf + used, 1, cap - used, f)) > 0) {
        used += n;
        if (used == cap) {
            buf = realloc(buf, cap *= 2);
            cr_assert(buf != NULL, "out of memory reading %s", wb_q(path));
        }
    }
    fclose(f);
    *len = used;
    return buf;
}

void file_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0, "could not write the test file %s", wb_q(path));
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        cr_assert(w > 0, "could not write the test file %s", wb_q(path));
        p += w;
        len -= (size_t)w;
    }
    close(fd);
}
