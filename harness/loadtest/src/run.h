/*
 * run.h: one load test: connections opened, requests sent and replies timed
 * until the run's end, and the figures it measured.
 *
 * Each connection is closed-loop, as in redis-benchmark: it writes a batch
 * of `pipeline` requests, waits for all of their replies, then writes the
 * next batch. The connections are shared out over `threads` epoll loops.
 */
#ifndef LT_RUN_H
#define LT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "options.h"
#include "wb/clock.h"

typedef enum lt_status {
    LT_OK = 0,         /* the run took place; its figures are in the result */
    LT_CONNECT_FAILED, /* a connection could not be opened: nothing was sent */
    LT_NO_MEMORY,      /* buffers for the run could not be allocated: nothing was sent */
    LT_SYSTEM_ERROR,   /* epoll or a thread could not be created: nothing was sent */
} lt_status;

/* What a run measured. A reply counts once, under the command it answered. */
typedef struct lt_result {
    uint64_t gets;               /* replies to GET (errors included) */
    uint64_t sets;               /* replies to SET (errors included) */
    uint64_t error_replies;      /* replies of the error kind (-ERR ...) */
    uint64_t unexpected_replies; /* replies of a kind the command never gets (GET answered +OK) */
    uint64_t lost_requests;      /* sent, never answered: their connection was lost */
    uint64_t unsent_requests; /* of --requests, never sent: every connection of a thread was lost */
    int connections_lost;     /* closed by the server, timed out, or sent bytes that are not RESP */
    char first_error[256];    /* the first error or unexpected reply, escaped; "" if none */
    char first_loss[256];     /* why the first connection was lost; "" if none */
    int64_t elapsed;          /* ns from the start to the last reply (or loss) */
    hist *latency;            /* each reply's latency in ns; owned: free with lt_result_free */
} lt_result;

/*
 * Runs the load test `cfg` describes. `clock` times the run and each reply
 * (NULL: the monotonic clock); tests pass a manual clock, which only
 * the code they run moves. Blocks until the run ends:
 * - with cfg->requests, once every request was answered or lost (the
 *   requests are shared out over the threads, and each thread's connections
 *   take batches from its share as they go, so a fast connection sends more);
 * - with cfg->duration, once the time is up and the batches in flight came
 *   back: no batch starts at or after start + duration.
 * A connection that gets no reply for cfg->timeout, is closed by the
 * server, or receives bytes that are not RESP counts as lost; the others go on.
 *
 * LT_OK: *result holds the figures; free them with lt_result_free. Other
 * statuses: `why` says what failed (naming host, port and the system's
 * reason), nothing was sent and *result needs no freeing. Thread-safe: runs
 * do not share state. Never prints.
 */
lt_status lt_run(const opt_config *cfg, const wb_clock *clock, lt_result *result, char *why,
                 size_t why_size);

/* Frees what a result owns; its counters stay readable. NULL does nothing. */
void lt_result_free(lt_result *result);

/*
 * The key of key number n, as redis-benchmark -r writes it: "key:" and 12
 * digits, zero-padded (key:000000000042). Writes 16 bytes, no NUL.
 */
#define LT_KEY_LEN 16
void lt_key(char out[LT_KEY_LEN], uint64_t n);

#endif /* LT_RUN_H */
