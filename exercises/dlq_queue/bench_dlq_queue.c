/*
 * bench_dlq_queue.c: how many messages a second go through the queue?
 * `make bench EX=dlq_queue` runs this program linked with your code and with
 * the reference, in turns.
 *
 * One workload, four ways: producer threads send 100-byte messages (MQ_WAIT)
 * into a queue of capacity 1024, one consumer thread receives (MQ_WAIT) and
 * acknowledges each, for a fixed time; the rate is messages consumed per
 * second. In memory; with a log and MQ_SYNC_NONE (write(2) per change); with
 * MQ_SYNC_SENDS (a sync before every send returns); and MQ_SYNC_SENDS with 4
 * producers, where a queue that lets concurrent sends share one sync (group
 * commit) goes about 4 times faster than one that syncs for each.
 *
 * The floors are the bare costs under each row: a mutex-and-condvar ring of
 * 100-byte slots between two threads; one write(2) of a 120-byte record; one
 * write(2) and fsync(2). The log lives in a fresh folder under $TMPDIR (or
 * /tmp), removed at the end: fsync costs what that disk costs.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlq_queue.h"
#include "wb/bench.h"

enum { BODY = 100, CAPACITY = 1024, MAX_PRODUCERS = 4 };

static double seconds_per_run(void)
{
    return getenv("WB_BENCH_QUICK") != NULL ? 0.1 : 0.5;
}

static void die(const char *what, mq_status s)
{
    fprintf(stderr, "%s returned status %d: the benchmark cannot go on\n", what, (int)s);
    exit(1);
}

/* ---- producers and a consumer through the queue ---- */

struct run {
    mq_queue *q;
    int producers;
    atomic_bool stop;
    long consumed; /* real messages (not the empty end markers) */
    pthread_barrier_t go;
};

static void *produce(void *arg)
{
    struct run *r = arg;
    char body[BODY];
    memset(body, 'm', sizeof body);
    pthread_barrier_wait(&r->go);
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        mq_status s = mq_send(r->q, body, sizeof body, MQ_WAIT, NULL);
        if (s != MQ_OK)
            die("mq_send", s);
    }
    mq_status s =
        mq_send(r->q, NULL, 0, MQ_WAIT, NULL); /* an empty body: "this producer is done" */
    if (s != MQ_OK)
        die("mq_send of the end marker", s);
    return NULL;
}

static void *consume(void *arg)
{
    struct run *r = arg;
    int ended = 0;
    long n = 0;
    pthread_barrier_wait(&r->go);
    while (ended < r->producers) {
        mq_message m = { 0 };
        mq_status s = mq_receive(r->q, MQ_WAIT, &m);
        if (s != MQ_OK)
            die("mq_receive", s);
        if (m.len == 0)
            ended++;
        else
            n++;
        if ((s = mq_ack(r->q, m.receipt)) != MQ_OK)
            die("mq_ack", s);
        mq_message_free(&m);
    }
    r->consumed = n;
    return NULL;
}

/* Messages per second through a queue opened with `cfg`, with `producers` producer threads. */
static double through_queue(mq_config cfg, int producers)
{
    static struct run r;
    r = (struct run){ .producers = producers };
    mq_status s = mq_open(&cfg, &r.q);
    if (s != MQ_OK)
        die("mq_open", s);
    pthread_t threads[MAX_PRODUCERS + 1];
    pthread_barrier_init(&r.go, NULL, (unsigned)producers + 2);
    for (int i = 0; i < producers; i++)
        pthread_create(&threads[i], NULL, produce, &r);
    pthread_create(&threads[producers], NULL, consume, &r);
    pthread_barrier_wait(&r.go);
    int64_t t0 = wb_now(NULL);
    double seconds = seconds_per_run();
    struct timespec nap = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
    nanosleep(&nap, NULL);
    atomic_store(&r.stop, true);
    for (int i = 0; i <= producers; i++)
        pthread_join(threads[i], NULL);
    double elapsed = (double)(wb_now(NULL) - t0) / 1e9;
    pthread_barrier_destroy(&r.go);
    mq_close(r.q);
    return (double)r.consumed / elapsed;
}

/* ---- the floors ---- */

/* A bare bounded ring of 100-byte slots with one mutex and two condition variables. */
struct ring {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    char slots[CAPACITY][BODY];
    size_t head, count;
    atomic_bool stop;
    long consumed;
};

static void *ring_produce(void *arg)
{
    struct ring *r = arg;
    char body[BODY];
    memset(body, 'm', sizeof body);
    for (bool last = false; !last;) {
        last = atomic_load_explicit(&r->stop, memory_order_relaxed);
        pthread_mutex_lock(&r->lock);
        while (r->count == CAPACITY)
            pthread_cond_wait(&r->not_full, &r->lock);
        memcpy(r->slots[(r->head + r->count) % CAPACITY], body, BODY);
        r->slots[(r->head + r->count) % CAPACITY][0] = last ? '\0' : 'm';
        r->count++;
        pthread_cond_signal(&r->not_empty);
        pthread_mutex_unlock(&r->lock);
    }
    return NULL;
}

static void *ring_consume(void *arg)
{
    struct ring *r = arg;
    char body[BODY];
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (r->count == 0)
            pthread_cond_wait(&r->not_empty, &r->lock);
        memcpy(body, r->slots[r->head], BODY);
        r->head = (r->head + 1) % CAPACITY;
        r->count--;
        pthread_cond_signal(&r->not_full);
        pthread_mutex_unlock(&r->lock);
        if (body[0] == '\0')
            return NULL;
        r->consumed++;
    }
}

static double through_ring(void)
{
    static struct ring r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.not_empty, NULL);
    pthread_cond_init(&r.not_full, NULL);
    pthread_t p, c;
    int64_t t0 = wb_now(NULL);
    pthread_create(&p, NULL, ring_produce, &r);
    pthread_create(&c, NULL, ring_consume, &r);
    double seconds = seconds_per_run();
    struct timespec nap = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
    nanosleep(&nap, NULL);
    atomic_store(&r.stop, true);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    return (double)r.consumed / ((double)(wb_now(NULL) - t0) / 1e9);
}

struct file_floor {
    int fd;
    bool sync;
};

/* One 120-byte record appended per operation, and synced if asked. */
static void append_batch(void *ctx, int thread, size_t ops)
{
    struct file_floor *f = ctx;
    char record[120];
    memset(record, 'r', sizeof record);
    (void)thread;
    for (size_t i = 0; i < ops; i++) {
        if (write(f->fd, record, sizeof record) != (ssize_t)sizeof record ||
            (f->sync && fsync(f->fd) != 0)) {
            perror("the write floor");
            exit(1);
        }
    }
}

static double through_file(const char *path, bool sync)
{
    struct file_floor f = { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644), sync };
    if (f.fd < 0) {
        perror(path);
        exit(1);
    }
    double rate = wb_bench_measure(append_batch, &f, 1, sync ? 4 : 1000, seconds_per_run());
    close(f.fd);
    unlink(path);
    return rate;
}

/* ---- main ---- */

static char folder[256]; /* where the logs go; removed at exit, whatever your code left in it */

static void remove_folder(void)
{
    DIR *d = opendir(folder);
    if (d == NULL)
        return;
    char path[600];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    rmdir(folder);
}

int main(void)
{
    wb_bench_target("memory", 5000);
    wb_bench_target("log", 500);
    wb_bench_relate("memory", "ring");
    wb_bench_relate("log", "write");
    wb_bench_relate("fsync1", "fsync");

    /* In memory first: code that stops at a TODO stops before any file is made. */
    mq_config cfg = { .capacity = CAPACITY };
    wb_bench_rate("ring", through_ring(), "floor: bare mutex ring, 2 threads");
    wb_bench_rate("memory", through_queue(cfg, 1), "in memory, 1P/1C");

    const char *tmp = getenv("TMPDIR");
    char log[300], floor_file[300];
    snprintf(folder, sizeof folder, "%s/bench_dlq_queue-XXXXXX",
             tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(folder) == NULL) {
        perror(folder);
        return 1;
    }
    atexit(remove_folder);
    snprintf(log, sizeof log, "%s/queue.log", folder);
    snprintf(floor_file, sizeof floor_file, "%s/floor.bin", folder);

    cfg.log_path = log;
    wb_bench_rate("write", through_file(floor_file, false), "floor: write(2) of 120 bytes");
    wb_bench_rate("log", through_queue(cfg, 1), "log, MQ_SYNC_NONE, 1P/1C");
    unlink(log);

    cfg.sync = MQ_SYNC_SENDS;
    wb_bench_rate("fsync", through_file(floor_file, true), "floor: write(2) + fsync(2)");
    wb_bench_rate("fsync1", through_queue(cfg, 1), "log, MQ_SYNC_SENDS, 1P/1C");
    unlink(log);
    wb_bench_rate("fsync4", through_queue(cfg, 4), "log, MQ_SYNC_SENDS, 4P/1C");
    return 0;
}
