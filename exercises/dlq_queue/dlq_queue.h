/*
 * dlq_queue.h: a bounded message queue with at-least-once delivery:
 * acknowledgements and a visibility timeout, retries with exponential backoff
 * and full jitter, a dead-letter queue, deduplication, and an optional
 * append-only log that survives a crash.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in dlq_queue.c. Levels (see README.md): 1 a bounded FIFO,
 * 2 acknowledgements and the visibility timeout, 3 retries and the
 * dead-letter queue, 4 idempotency, 5 durability.
 */
#ifndef DLQ_QUEUE_H
#define DLQ_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"
#include "wb/rng.h"

/*
 * The life of a message, as in Amazon SQS:
 *
 *   send --> READY --receive--> IN FLIGHT --ack--> gone
 *              ^                    |
 *              |                    +--timeout passes--> READY again
 *              |                    +--nack--> DELAYED --delay passes--> READY
 *              |                    +--last allowed delivery fails--> DEAD
 *              +------------------redrive------------------------------ DEAD
 *
 * A receive hands out a copy of the message and a receipt that names that one
 * delivery. The message stays in the queue, invisible to other receivers,
 * until the receipt is acknowledged (the message is deleted) or negatively
 * acknowledged (it will be retried), or until the visibility timeout passes
 * (the consumer is presumed dead, and the message is delivered again). So a
 * message can be delivered more than once: consumers must be idempotent
 * (level 4 helps).
 *
 * Every function that reads the time reads the queue's clock (a manual one in
 * the tests); nothing in the queue reads the system time directly, except
 * that a blocked call looks again every MQ_POLL_INTERVAL of real time.
 *
 * Every function but mq_close may be called by any number of threads at once.
 *
 * When several statuses apply, a call reports the first of: a bad argument
 * (MQ_INVALID, MQ_TOO_BIG), whatever the queue's state (so mq_extend of a
 * stale receipt with a timeout of 0 is MQ_INVALID); what is wrong with the
 * receipt or id it names (MQ_STALE, MQ_NOT_FOUND); the queue's state
 * (MQ_CLOSED, then MQ_DUPLICATE, then MQ_FULL); MQ_NO_MEMORY; MQ_IO.
 */
typedef struct mq_queue mq_queue;

/* Every function that can fail returns one of these. */
typedef enum mq_status {
    MQ_OK = 0,        /* done */
    MQ_EMPTY,         /* receive without waiting: no message is ready now */
    MQ_FULL,          /* send without waiting, or redrive: the queue holds `capacity` messages */
    MQ_CLOSED,        /* the queue was shut down: no sends; receives find nothing more */
    MQ_STALE,         /* the receipt names no delivery in flight: already acked or nacked,
                         timed out, or never issued. Nothing was changed */
    MQ_DEAD_LETTERED, /* nack: that was the last delivery allowed; the message is now dead */
    MQ_DUPLICATE,     /* not a failure: the message was already sent (send_dedup) or is
                         already being or has been processed (mq_once_begin) */
    MQ_NOT_FOUND,     /* no dead letter with that id or index; an id mq_once never began */
    MQ_INVALID,       /* a NULL where one is not allowed, a bad configuration or timeout */
    MQ_TOO_BIG,       /* a body longer than MQ_MAX_BODY; nothing was stored */
    MQ_NO_MEMORY,     /* an allocation failed; the queue is as it was before the call */
    MQ_IO,            /* the log could not be read, written or synced (level 5) */
    MQ_CORRUPT        /* the file at log_path is not a log of this queue; it was left as is */
} mq_status;

/* Whether send and receive may block. */
typedef enum mq_wait {
    MQ_NOWAIT = 0, /* return MQ_FULL or MQ_EMPTY at once */
    MQ_WAIT = 1    /* block until it can be done, or the queue is shut down */
} mq_wait;

#define MQ_MAX_BODY             (1024 * 1024) /* the longest body, in bytes */
#define MQ_ERROR_MAX            128           /* bytes kept of a nack's error text, NUL included */
#define MQ_KEY_MAX              128           /* the longest deduplication key, NUL excluded */
#define MQ_DEFAULT_VISIBILITY   (30 * WB_SEC)
#define MQ_DEFAULT_DEDUP_WINDOW (5 * 60 * WB_SEC)
#define MQ_DEFAULT_COMPACT      (4 * 1024 * 1024) /* bytes */
#define MQ_POLL_INTERVAL        (10 * WB_MSEC)
#define MQ_TIMEOUT_ERROR        "visibility timeout expired"

/* ---- Configuration ------------------------------------------------------ */

/* How hard a queue with a log works to keep what it acknowledged (level 5). */
typedef enum mq_sync {
    MQ_SYNC_NONE = 0, /* every change is written (write(2)) before its call returns: it
                         survives the process being killed, not the machine losing power */
    MQ_SYNC_SENDS     /* as NONE, and a send also makes its record durable (fsync) before it
                         returns MQ_OK: it survives a power loss. Sends that run at the same
                         time may share one sync (group commit) */
} mq_sync;

/*
 * What the queue calls to make its log durable: fsync(fd) by default. Tests
 * pass one that records what was on disk at each sync, to simulate a power
 * loss. Returns 0, or -1 for a failure (the queue then reports MQ_IO).
 */
typedef int (*mq_sync_fn)(int fd, void *ctx);

/*
 * Everything about a queue, set once at mq_open. Zero is the default of every
 * field but the capacity (and the backoff cap, which has none: see
 * backoff_cap), so a designated initializer names only what matters:
 *
 *     mq_config cfg = { .capacity = 64, .clock = &mc.clock, .max_receives = 5 };
 */
typedef struct mq_config {
    /* Level 1 */
    size_t capacity;       /* the most messages held: ready, in flight and delayed; > 0.
                              Dead letters do not count */
    const wb_clock *clock; /* where the queue reads the time; NULL: the monotonic clock.
                              Borrowed: it must outlive the queue */
    /* Level 2 */
    int64_t visibility_timeout; /* ns a delivery stays invisible; 0: MQ_DEFAULT_VISIBILITY */
    /* Level 3 */
    uint32_t max_receives; /* deliveries allowed before a message is dead-lettered; 0: no limit */
    int64_t backoff_base;  /* ns; the retry delay's first ceiling. 0: retry at once */
    int64_t backoff_cap;   /* ns; the largest ceiling; must be >= backoff_base when base > 0
                              (so 0 with a base > 0 is MQ_INVALID: no default cap) */
    uint64_t seed;         /* seeds the jitter generator (see mq_nack) */
    /* Level 4 */
    int64_t dedup_window; /* ns a deduplication key is remembered; 0: MQ_DEFAULT_DEDUP_WINDOW */
    /* Level 5 */
    const char *log_path; /* the log file; NULL: keep everything in memory. Copied */
    mq_sync sync;         /* see mq_sync */
    mq_sync_fn sync_fn;   /* NULL: fsync */
    void *sync_ctx;       /* passed to sync_fn */
    size_t compact_bytes; /* compact when the log grows past this; 0: MQ_DEFAULT_COMPACT */
} mq_config;

/* What a receive hands out, and what mq_dead_peek shows. */
typedef struct mq_message {
    uint64_t id;                   /* given by the send: 1, 2, 3 ... in the order of sends */
    uint64_t receipt;              /* names this delivery for ack, nack and extend; never 0.
                                      0 in a dead letter (it is not a delivery) */
    uint32_t receive_count;        /* this delivery's number: 1 the first time */
    char last_error[MQ_ERROR_MAX]; /* the last failure's text ("" if none yet) */
    size_t len;                    /* the body's length in bytes */
    char *body;                    /* a copy of the body, with a NUL after its len bytes so a
                                      text body reads as a C string. Owned by the message:
                                      free it with mq_message_free */
} mq_message;

/* A snapshot of the queue, as mq_get_stats reports it. */
typedef struct mq_stats {
    size_t ready;             /* messages a receive could take now */
    size_t in_flight;         /* received, not yet acked or nacked, timeout not passed */
    size_t delayed;           /* nacked, waiting out their retry delay (level 3) */
    size_t dead;              /* in the dead-letter queue (level 3) */
    size_t dedup_keys;        /* deduplication keys within their window now (level 4); a key
                                 past it never counts, even before its memory is freed */
    size_t waiting_senders;   /* threads blocked in a send right now */
    size_t waiting_receivers; /* threads blocked in a receive right now */
} mq_stats;

/* ---- Level 1: a bounded FIFO shared by threads -------------------------- */

/*
 * Opens a queue configured by `config` and stores it in *queue. Returns
 * MQ_OK; MQ_INVALID for a NULL argument, a capacity of 0, a negative time,
 * or backoff_cap < backoff_base; MQ_NO_MEMORY; and at level 5 MQ_IO or
 * MQ_CORRUPT (see "Level 5"). On failure *queue is left unchanged.
 */
mq_status mq_open(const mq_config *config, mq_queue **queue);

/*
 * Frees the queue and every message in it (with a log, the messages stay in
 * the log: this is how a process stops and a later one carries on). NULL is a
 * no-op. No other thread may be using the queue, or blocked in it: call
 * mq_shutdown and join them first.
 */
void mq_close(mq_queue *queue);

/*
 * Appends a copy of `len` bytes of `body` (NULL is allowed when len is 0) and
 * stores its id in *id (if id is not NULL). Ids start at 1 and grow by one
 * per message stored. When the queue holds `capacity` messages (ready, in
 * flight and delayed all count), MQ_NOWAIT returns MQ_FULL, and MQ_WAIT
 * blocks until an ack or a dead-lettering makes room, or a shutdown ends the
 * wait (a blocked sender re-reads the clock as a blocked receiver does, see
 * mq_receive). Returns MQ_OK, MQ_FULL, MQ_CLOSED, MQ_INVALID, MQ_TOO_BIG,
 * MQ_NO_MEMORY or MQ_IO; on any status but MQ_OK nothing was stored (after
 * MQ_IO the record may be in the log, so the message may turn up when the
 * queue is opened again: at-least-once allows that, losing it would not).
 */
mq_status mq_send(mq_queue *queue, const void *body, size_t len, mq_wait wait, uint64_t *id);

/*
 * Takes the ready message that became ready first (ties: the lowest id),
 * makes it in flight until now + the visibility timeout, and fills *out with
 * a copy (the caller frees it with mq_message_free). A new message becomes
 * ready when it is sent; a timed-out one at its deadline; a nacked one when
 * its delay ends; a redriven one when it is redriven. So a queue that nothing
 * fails in is FIFO.
 *
 * With nothing ready, MQ_NOWAIT returns MQ_EMPTY, and MQ_WAIT blocks until a
 * message is ready or the queue is shut down. A blocked receiver re-reads the
 * clock whenever the queue changes and at least every MQ_POLL_INTERVAL of
 * real time, so it also finds a message that became ready because time
 * passed. After mq_shutdown, receives still take what is ready and return
 * MQ_CLOSED instead of MQ_EMPTY or blocking. Returns MQ_OK, MQ_EMPTY,
 * MQ_CLOSED, MQ_INVALID, MQ_NO_MEMORY (the message stays ready) or MQ_IO; on
 * any status but MQ_OK, *out is left unchanged. *out must not hold a body
 * (free it first): the receive overwrites it.
 */
mq_status mq_receive(mq_queue *queue, mq_wait wait, mq_message *out);

/*
 * Acknowledges the delivery named by `receipt`: the message is deleted, and
 * a sender blocked on a full queue may go on. Returns MQ_OK, MQ_STALE (see
 * mq_status: a second ack of one delivery, a receipt whose timeout passed
 * even if no one has received the message again, a receipt of an earlier
 * delivery of a message that was delivered again), MQ_INVALID or MQ_IO.
 */
mq_status mq_ack(mq_queue *queue, uint64_t receipt);

/* Frees what a message owns and zeroes it. NULL, and a zeroed message, are no-ops. */
void mq_message_free(mq_message *message);

/*
 * Shuts the queue down: from now on sends return MQ_CLOSED, receives return
 * MQ_CLOSED once nothing is ready, and every thread blocked in a send or a
 * receive wakes up and returns MQ_CLOSED. Acks, nacks and extends still work,
 * so consumers can finish what they hold. Idempotent; NULL is a no-op.
 */
void mq_shutdown(mq_queue *queue);

/* Fills *out with the queue's counts at this moment (by its clock). Returns MQ_OK or MQ_INVALID. */
mq_status mq_get_stats(mq_queue *queue, mq_stats *out);

/* ---- Level 2: acknowledgements and the visibility timeout -------------- */

/*
 * (mq_receive and mq_ack above already describe the visibility timeout: a
 * delivery received at time t is in flight while the clock reads less than
 * t + timeout; from t + timeout on its receipt is stale, the message is
 * ready again with last_error MQ_TIMEOUT_ERROR, and its next delivery has
 * receive_count one higher.)
 *
 * Extends the delivery named by `receipt`: it stays in flight until now +
 * `timeout`, whatever its deadline was (SQS's ChangeMessageVisibility).
 * Returns MQ_OK, MQ_STALE, MQ_INVALID (timeout <= 0, whatever the receipt)
 * or MQ_IO. A deadline past the largest int64_t is that largest value: a
 * huge timeout never wraps into the past.
 */
mq_status mq_extend(mq_queue *queue, uint64_t receipt, int64_t timeout);

/* ---- Level 3: retries, backoff, the dead-letter queue ------------------- */

/*
 * Negatively acknowledges the delivery named by `receipt`: processing failed
 * because of `error` (a C string, copied, cut to MQ_ERROR_MAX - 1 bytes; NULL
 * means ""), which becomes the message's last_error.
 *
 * If the delivery was number max_receives (and max_receives is not 0), the
 * message moves to the dead-letter queue and the call returns
 * MQ_DEAD_LETTERED. A delivery whose visibility timeout passes counts as a
 * failure too, with the error MQ_TIMEOUT_ERROR: if it was the last one
 * allowed, the message is dead-lettered at its deadline.
 *
 * Otherwise the message is delayed, then ready again, and *delay (if delay is
 * not NULL) receives the delay in ns: full jitter over an exponential
 * ceiling. After the n-th delivery fails (n = its receive_count),
 *
 *     ceiling = min(backoff_cap, backoff_base * 2^(n-1))     (no overflow: at most the cap)
 *     delay   = wb_rng_below(&rng, ceiling + 1)              (uniform over 0 .. ceiling)
 *
 * where rng is one wb_rng per queue, seeded with config.seed at mq_open, and
 * drawn from exactly once per nack that delays (never when backoff_base is 0,
 * and never for a timeout or a dead-lettering). The same seed and the same
 * nacks in the same order give the same delays on every machine.
 *
 * Returns MQ_OK, MQ_DEAD_LETTERED, MQ_STALE, MQ_INVALID or MQ_IO.
 */
mq_status mq_nack(mq_queue *queue, uint64_t receipt, const char *error, int64_t *delay);

/*
 * Fills *out with a copy of the index-th dead letter (0 is the oldest; they
 * are in the order they died, ties by id), leaving it in the dead-letter
 * queue. out->receipt is 0, receive_count the deliveries it had, last_error
 * why the last one failed. Returns MQ_OK, MQ_NOT_FOUND (index >= the number
 * of dead letters), MQ_INVALID or MQ_NO_MEMORY. The caller frees *out.
 */
mq_status mq_dead_peek(mq_queue *queue, size_t index, mq_message *out);

/*
 * Moves the dead letter `id` back into the queue, ready now, with its receive
 * count reset to 0 (its next delivery is number 1) and its last_error kept.
 * Returns MQ_OK, MQ_NOT_FOUND (no dead letter has that id, even after a
 * shutdown), MQ_CLOSED (a dead letter cannot come back to a queue that was
 * shut down), MQ_FULL (the queue is full: the message stays dead),
 * MQ_INVALID or MQ_IO, in that order of precedence (MQ_INVALID first).
 */
mq_status mq_redrive(mq_queue *queue, uint64_t id);

/* ---- Level 4: idempotency ----------------------------------------------- */

/*
 * mq_send with a deduplication key (a C string of 1 to MQ_KEY_MAX bytes). If
 * a message with the same key was stored less than dedup_window ago, nothing
 * is stored, *id receives the first message's id, and the call returns
 * MQ_DUPLICATE at once (it never blocks or says MQ_FULL, as it stores
 * nothing). Otherwise it is mq_send, and the key is remembered from now
 * until now + dedup_window, whatever happens to the message (acked or not).
 * A duplicate does not extend the window. Keys past their window are
 * forgotten and their memory freed, at the latest by the next send. A send
 * that stores nothing (MQ_FULL, MQ_CLOSED, MQ_TOO_BIG, ...) does not remember
 * its key, so its retry is a send, not a duplicate. After mq_shutdown every
 * send returns MQ_CLOSED, a duplicate too: nothing more goes into the queue.
 * Returns what mq_send returns, MQ_DUPLICATE, or MQ_INVALID for a bad key.
 */
mq_status mq_send_dedup(mq_queue *queue, const char *key, const void *body, size_t len,
                        mq_wait wait, uint64_t *id);

/*
 * The consumer's side: "process each message id at most once", with memory
 * bounded by a window. Thread-safe: many consumer threads may share one.
 *
 *     if (mq_once_begin(once, msg.id) == MQ_DUPLICATE) { mq_ack(q, msg.receipt); continue; }
 *     bool ok = process(&msg);
 *     mq_once_end(once, msg.id, ok);
 *     ok ? mq_ack(q, msg.receipt) : mq_nack(q, msg.receipt, "...", NULL);
 */
typedef struct mq_once mq_once;

/* A helper that remembers processed ids for `window` ns by `clock` (NULL: monotonic).
 * Returns NULL if window <= 0 or memory runs out. */
mq_once *mq_once_create(int64_t window, const wb_clock *clock);

/* Frees it. NULL is a no-op. */
void mq_once_destroy(mq_once *once);

/*
 * Claims `id` for processing. Returns MQ_OK (the caller processes it and then
 * calls mq_once_end), MQ_DUPLICATE (it is being processed now, or was
 * processed less than `window` ago: skip it), MQ_INVALID or MQ_NO_MEMORY.
 */
mq_status mq_once_begin(mq_once *once, uint64_t id);

/*
 * Ends the processing of `id`. processed: the id is remembered as done until
 * now + window, then forgotten. Not processed (the work failed): the id is
 * forgotten at once, so a redelivery is processed again. Returns MQ_OK,
 * MQ_NOT_FOUND (id is not being processed) or MQ_INVALID.
 */
mq_status mq_once_end(mq_once *once, uint64_t id, bool processed);

/* The number of ids remembered now: being processed, or done within the window. */
size_t mq_once_len(mq_once *once);

/* ---- Level 5: durability ------------------------------------------------ */

/*
 * With config.log_path set, the queue keeps its messages and their state in
 * an append-only log file, and mq_open recovers that state:
 *
 * - Every call that changes the queue (send, receive, ack, nack, extend,
 *   redrive, compact) appends its records with write(2) before it returns:
 *   killing the process loses nothing that a call reported done. With
 *   MQ_SYNC_SENDS a send also syncs (config.sync_fn) before it returns MQ_OK.
 *   Nothing is buffered in the process.
 * - mq_open of an existing log restores every message as it was: ready,
 *   delayed (with its delay), in flight (with its deadline and receipt, which
 *   still works), dead (with its history), or gone (acked); the ids continue
 *   after the largest ever given, and deduplication keys within their window
 *   are remembered. Times are readings of config.clock, so the clock of the
 *   reopened queue must continue the old one. The retry generator starts
 *   again from config.seed.
 * - Records carry a length and a checksum. A record cut short (a crash in
 *   the middle of a write) or damaged, and everything after it, is cut off
 *   the file at mq_open, and never shows up as a message. Then new records
 *   are appended after the last good one.
 * - A file that does not start as a log of this queue does (an existing file
 *   of something else) is refused with MQ_CORRUPT and not changed. An empty
 *   file, or a missing one, starts an empty log. MQ_IO if the file cannot be
 *   created, read or written.
 * - After a write or a sync fails, the queue cannot know what reached the
 *   disk: every later call that would write to the log returns MQ_IO until
 *   the queue is closed and opened again (which recovers what the log holds).
 * - When an append takes the log past its limit, the call that appended
 *   rewrites the log with only the live state (acked messages and old states
 *   dropped), atomically: a crash during the rewrite leaves the old log or
 *   the new one, never a mix. The limit is compact_bytes, or twice the size of
 *   the last rewrite if that is larger, so that a large live state does not
 *   make every call rewrite the log. A rewrite that fails leaves the old log
 *   in use and is not the calling function's failure.
 */

/*
 * Rewrites the log now with only the live state (see above). Returns MQ_OK,
 * MQ_INVALID (no queue, or a queue without a log) or MQ_IO.
 */
mq_status mq_compact(mq_queue *queue);

#endif /* DLQ_QUEUE_H */
