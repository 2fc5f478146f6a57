/*
 * conn.h: one connection of a run, inside the load tester (run.c drives
 * it). Not a public header: the tests use run.h.
 *
 * A connection is closed-loop: it writes a batch of up to `pipeline`
 * requests, reads until every one of them is answered, then writes the next.
 */
#ifndef LT_CONN_H
#define LT_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "options.h"
#include "wb/clock.h"
#include "wb/rng.h"

/* What every connection of a run shares, read-only once the run started. */
typedef struct conn_plan {
    const opt_config *cfg;
    const wb_clock *clock;
    int64_t deadline;   /* timed runs: no batch starts at or after it */
    char *get_template; /* a whole GET request for key 0 */
    size_t get_len;
    char *set_template; /* a whole SET request for key 0 and the value */
    size_t set_len;
    size_t get_key_at; /* where the key's 12 digits start in each template */
    size_t set_key_at;
} conn_plan;

/* What the connections of one thread share: the requests left to send, and the
 * figures, merged into the run's result at the end. Only that thread touches it. */
typedef struct conn_thread {
    uint64_t to_send; /* the thread's share of --requests not sent yet; UINT64_MAX when timed */
    uint64_t gets, sets, error_replies, unexpected_replies, lost_requests;
    int connections_lost;
    int finished; /* connections of the thread that finished, lost ones included */
    char first_error[256];
    char first_loss[256];
    int64_t last_event; /* the time of the last reply or loss */
    hist *latency;
} conn_thread;

/* The command of each request in flight. */
enum { CONN_GET = 0, CONN_SET = 1 };

typedef struct conn {
    int fd;     /* -1 once closed */
    int number; /* 0 .. connections - 1, for messages and the generator's seed */
    wb_rng rng; /* draws this connection's keys and commands */
    /* The batch in flight: kinds[answered .. batch) still wait for their replies. */
    unsigned char *kinds;
    int batch, answered;
    int64_t sent_at;       /* when the batch was written: its requests' latencies start there */
    int64_t last_progress; /* the last write or reply, for the timeout */
    char *out;             /* the batch's bytes: out[out_done .. out_len) not yet written */
    size_t out_len, out_done, out_cap;
    char *in; /* bytes read: in[0 .. in_len) not yet parsed into whole replies */
    size_t in_len, in_cap;
    int finished;   /* nothing more to send and nothing in flight, or lost; fd closed */
    int polled_out; /* run.c's bookkeeping: the socket is watched for EPOLLOUT */
} conn;

/* Prepares the connection `number` on the open socket `fd` (which it now owns). 0 when
 * out of memory (fd then closed). */
int conn_init(conn *c, int number, int fd, const conn_plan *plan);

/* Frees the buffers and closes the socket if still open. */
void conn_free(conn *c);

/*
 * Starts the next batch if there is one to send (requests left in the
 * thread's share, before the deadline) and writes what the socket takes;
 * otherwise finishes the connection. A connection takes up to `pipeline`
 * requests from the share for each batch, so in a --requests run a fast
 * connection sends more than a slow one, as in redis-benchmark. Call once at the start; after that
 * the connection starts its batches itself.
 */
void conn_begin(conn *c, const conn_plan *plan, conn_thread *thread, int64_t now);

/* The socket can be written: writes what is left of the batch. */
void conn_on_writable(conn *c, conn_thread *thread, int64_t now);

/* The socket can be read: reads, accounts for each whole reply, and starts the next
 * batch once the whole batch was answered. Reads the clock itself. */
void conn_on_readable(conn *c, const conn_plan *plan, conn_thread *thread);

/* True while bytes of the batch wait to be written (the socket was full). */
int conn_wants_write(const conn *c);

/* Gives the connection up, counting its requests in flight as lost; the reason
 * (printf) is kept if it is the thread's first. Does nothing to a finished connection. */
void conn_lose(conn *c, conn_thread *thread, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* strerror that threads may call at once: the text of errno value `err`, in buf. */
const char *conn_error_text(int err, char *buf, size_t size);

/* Loses the connection if no reply came for cfg->timeout. */
void conn_check_timeout(conn *c, const conn_plan *plan, conn_thread *thread, int64_t now);

/* Builds the request templates; 0 when out of memory. conn_plan_free frees them. */
int conn_plan_init(conn_plan *plan, const opt_config *cfg, const wb_clock *clock);
void conn_plan_free(conn_plan *plan);

#endif /* LT_CONN_H */
