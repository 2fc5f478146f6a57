/*
 * mq_test.h: helpers the dlq_queue tests share, so that each test reads as
 * its scenario. Every helper checks through the public header only, and its
 * failure message says what was expected, what came back, and why it matters
 * (the `why` argument, a sentence about the scenario).
 */
#ifndef MQ_TEST_H
#define MQ_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <criterion/criterion.h>

#include "dlq_queue.h"
#include "wb/test.h"

/* Tests start their clocks far from zero: code that assumes time starts at 0 shows up. */
#define START (1000 * WB_SEC)

/* "MQ_OK", "MQ_EMPTY", ... or "an unknown status (17)". */
const char *status_name(mq_status status);

/* A configuration with `capacity` on a manual clock started at START (the clock lives in *mc). */
mq_config config_on(size_t capacity, wb_manual_clock *mc);

/* mq_open(config), failing the test unless it returns MQ_OK. */
mq_queue *open_queue(const mq_config *config);

/* mq_send of a text body without waiting, failing the test unless MQ_OK; returns the id. */
uint64_t send_text(mq_queue *q, const char *text);

/* mq_receive without waiting must return MQ_OK with the body `want`. The caller frees it. */
mq_message receive_text(mq_queue *q, const char *want, const char *why);

/* mq_receive without waiting must return MQ_EMPTY. */
void expect_empty(mq_queue *q, const char *why);

/* mq_ack must return MQ_OK. */
void ack(mq_queue *q, const mq_message *m, const char *why);

/* receive_text, then ack it and free it: a consumer that succeeds. */
void consume_text(mq_queue *q, const char *want, const char *why);

/* mq_get_stats, failing the test unless MQ_OK. */
mq_stats stats_of(mq_queue *q);

/* The counts must be exactly these; the message shows them all. */
void expect_counts(mq_queue *q, size_t ready, size_t in_flight, size_t delayed, size_t dead,
                   const char *why);

/* A status must be `want`: "CALL returned GOT, expected WANT: WHY". */
void expect_status(mq_status got, mq_status want, const char *call, const char *why);

/*
 * For threads: waits (spinning, yielding the processor) until mq_get_stats
 * shows `senders` blocked senders and `receivers` blocked receivers. Returns
 * NULL, or a message (a wb_strdupf string) if that never happened within
 * half the per-test time limit.
 */
char *await_blocked(mq_queue *q, size_t senders, size_t receivers);

/* ---- files, for level 5 ---- */

/*
 * A fresh folder from mkdtemp under $TMPDIR (or /tmp), and the path of a log
 * inside it. Every file in the folder is removed with it: by scratch_remove;
 * when the test process exits, if the test stopped early; or by a later test
 * run, if the process died without exiting (a crash, a sanitizer's abort).
 */
struct scratch {
    char dir[256];
    char log[300];
};
void scratch_make(struct scratch *s);
void scratch_remove(struct scratch *s);

/* The file's size in bytes; -1 if it does not exist. */
long file_size(const char *path);

/* The whole file in a malloc'd buffer (NULL and *len 0 if it does not exist). */
unsigned char *file_read(const char *path, size_t *len);

/* Replaces the file with `len` bytes of `data`, failing the test if it cannot. */
void file_write(const char *path, const void *data, size_t len);

#endif /* MQ_TEST_H */
