/*
 * Level 5, the crash test: writer processes (fork, not threads) send, receive
 * and acknowledge on one log, and the test kills each with SIGKILL at a
 * random point; then it opens a copy of the log and proves that no message
 * whose send returned is lost, none that was acknowledged comes back, and
 * none is corrupted. The next writer carries on from the same log, so torn
 * tails, recoveries and rewrites pile up as they would in production.
 * (The suite level5 is declared in level5_durability.c.)
 */
#define _GNU_SOURCE /* kill, fork */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mq_test.h"

/*
 * Kill points: chains of ROUNDS writers on one log each. The whole test runs
 * in about a second natively; valgrind and ThreadSanitizer make every process
 * 10-50 times slower, so under them it runs fewer chains (WB_MODE says which).
 */
enum { ROUNDS = 8, PER_ROUND = 64, MAX_SEQ = PER_ROUND * ROUNDS };

static int chains_for_this_run(void)
{
    const char *mode = getenv("WB_MODE");
    if (mode != NULL && (strcmp(mode, "valgrind") == 0 || strcmp(mode, "race") == 0))
        return 2;
    if (mode != NULL && strcmp(mode, "memcheck") == 0)
        return 4;
    return 10;
}

/* ---- messages that check themselves ---- */

/* The body of message `seq`: "seq=N len=L|" then L pattern bytes that depend on N. */
static size_t make_body(uint32_t seq, char *out, size_t cap)
{
    uint32_t mix = seq * 2654435761u;
    size_t len = seq % 5 == 0 ? 4000 + mix % 9000 : mix % 300; /* some span several pages */
    int head = snprintf(out, cap, "seq=%u len=%zu|", seq, len);
    if ((size_t)head + len > cap)
        abort(); /* the buffers below are sized for this */
    for (size_t i = 0; i < len; i++)
        out[(size_t)head + i] = (char)('a' + (seq * 7 + i * 13) % 26);
    return (size_t)head + len;
}

enum { BODY_CAP = 16384 };

/* The seq of a well-formed body, or -1. */
static long check_body(const char *body, size_t len)
{
    unsigned seq = 0;
    size_t claimed = 0;
    int used = 0;
    if (len < 8 || memchr(body, '|', len < 40 ? len : 40) == NULL ||
        sscanf(body, "seq=%u len=%zu|%n", &seq, &claimed, &used) != 2 || used == 0)
        return -1;
    static char want[BODY_CAP];
    size_t want_len = make_body(seq, want, sizeof want);
    return want_len == len && memcmp(want, body, len) == 0 ? (long)seq : -1;
}

/* ---- the writer process ---- */

struct report {
    char kind; /* 'S' sent, 'R' received, 'A' acknowledged, 'E' error */
    uint32_t seq;
};

static void tell(int fd, char kind, uint32_t seq)
{
    struct report r = { kind, seq };
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(3);
}

static int no_sync(int fd, void *ctx)
{
    (void)fd, (void)ctx;
    return 0; /* a kill cannot lose what write(2) returned: the kernel has it */
}

static mq_config writer_config(const char *path, wb_manual_clock *mc, int64_t now)
{
    wb_manual_clock_init(mc, now);
    return (mq_config){ .capacity = 1 << 20,
                        .clock = &mc->clock,
                        .log_path = path,
                        .visibility_timeout = 30 * WB_SEC,
                        .sync = MQ_SYNC_SENDS,
                        .sync_fn = no_sync,
                        .compact_bytes = 64 * 1024 };
}

/*
 * The child: opens the log, then sends messages first_seq, first_seq + 1, ...
 * (PER_ROUND at most), and after every odd one receives the oldest ready
 * message and acknowledges it, reporting each step done. Then it waits to be
 * killed (the parent kills it long before, as a rule). Never returns,
 * never touches the test framework: it only reports through `fd`.
 */
_Noreturn static void writer(const char *path, int fd, uint32_t first_seq, int64_t now)
{
    wb_manual_clock mc;
    mq_config cfg = writer_config(path, &mc, now);
    mq_queue *q = NULL;
    mq_status s = mq_open(&cfg, &q);
    if (s != MQ_OK) {
        tell(fd, 'E', (uint32_t)s);
        _exit(1);
    }
    static char body[BODY_CAP];
    for (uint32_t seq = first_seq; seq < first_seq + PER_ROUND; seq++) {
        size_t len = make_body(seq, body, sizeof body);
        if ((s = mq_send(q, body, len, MQ_NOWAIT, NULL)) != MQ_OK) {
            tell(fd, 'E', (uint32_t)s);
            _exit(1);
        }
        tell(fd, 'S', seq);
        if (seq % 2 == 0)
            continue;
        mq_message m = { 0 };
        if ((s = mq_receive(q, MQ_NOWAIT, &m)) != MQ_OK) {
            tell(fd, 'E', (uint32_t)s);
            _exit(1);
        }
        long got = check_body(m.body, m.len);
        if (got < 0) {
            tell(fd, 'X', 0); /* a corrupt message was delivered */
            _exit(1);
        }
        tell(fd, 'R', (uint32_t)got);
        if ((s = mq_ack(q, m.receipt)) != MQ_OK) {
            tell(fd, 'E', (uint32_t)s);
            _exit(1);
        }
        tell(fd, 'A', (uint32_t)got);
        mq_message_free(&m);
    }
    for (;;)
        pause();
}

/* ---- the parent's bookkeeping ---- */

/*
 * What the parent knows of each message. UNSENT and the two sure states are
 * facts; the MAYBE states are what a kill leaves open (the writer died after
 * the call, before it could report), until a check of the log settles them.
 */
enum fate { UNSENT, MAYBE_SENT, SENT, MAYBE_ACKED, ACKED, LOST_IN_A_KILL };

struct book {
    enum fate fate[MAX_SEQ];
    uint32_t next_seq;
};

static const char *fate_name(enum fate f)
{
    static const char *const names[] = { "never sent",   "sent when the writer was killed",
                                         "sent",         "being acknowledged when killed",
                                         "acknowledged", "cut off by a kill" };
    return names[f];
}

/*
 * Runs writer `round` (named `who` in messages) on the log at `path`: reads its
 * reports until its k-th send, waits `spin` idle loops, kills it, then reads
 * the reports it managed to write before it died.
 */
static void run_writer(const char *path, struct book *b, int round, const char *who, int k,
                       uint32_t spin)
{
    int fds[2];
    cr_assert(pipe(fds) == 0, "pipe() failed: %s", strerror(errno));
    uint32_t first = (uint32_t)round * PER_ROUND;
    for (uint32_t i = 0; i < PER_ROUND; i++)
        b->fate[first + i] = MAYBE_SENT; /* what the writer may try, until a report says more */
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork() failed: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        writer(path, fds[1], first, START + round * 60 * WB_SEC);
    }
    close(fds[1]);
    struct report r;
    int sends = 0, problem = 0;
    uint32_t error = 0;
    char kind = 0;
    for (bool killed = false;;) {
        ssize_t n = read(fds[0], &r, sizeof r);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof r)
            break; /* the writer is dead */
        if (r.kind == 'S' && r.seq - first < PER_ROUND)
            b->fate[r.seq] = SENT, sends++;
        else if (r.kind == 'R' && r.seq < MAX_SEQ)
            b->fate[r.seq] = MAYBE_ACKED;
        else if (r.kind == 'A' && r.seq < MAX_SEQ)
            b->fate[r.seq] = ACKED;
        else if (!problem)
            problem = 1, kind = r.kind, error = r.seq;
        if (!killed && (sends >= k || problem)) {
            for (volatile uint32_t i = 0; i < spin; i++) /* land somewhere inside the next call */
                ;
            kill(pid, SIGKILL);
            killed = true;
        }
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(kind != 'X',
              "%s received a corrupted message from the log it reopened: a torn or damaged "
              "record was delivered",
              who);
    cr_assert(!problem, "%s (on the log left by %d killed writers) failed: a call returned %s", who,
              round, status_name((mq_status)error));
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "%s ended on its own (status %d) instead of being killed: did the library exit or "
              "crash?",
              who, status);
    b->next_seq = first + PER_ROUND;
}

/* Opens a copy of the log (what a restarted process would find) and settles every fate. */
static void check_log(const struct scratch *s, struct book *b, int round, const char *who)
{
    char copy[400];
    snprintf(copy, sizeof copy, "%s/copy.log", s->dir);
    size_t len = 0;
    unsigned char *bytes = file_read(s->log, &len);
    file_write(copy, bytes, len);
    free(bytes);

    wb_manual_clock mc;
    /* A minute after the writer: every delivery it left in flight has timed out. */
    mq_config cfg = writer_config(copy, &mc, START + (round + 1) * 60 * WB_SEC);
    cfg.sync = MQ_SYNC_NONE;
    cfg.compact_bytes = (size_t)1 << 40; /* the copy is only read: no rewrite */
    mq_queue *q = open_queue(&cfg);
    static bool present[MAX_SEQ];
    memset(present, 0, sizeof present);
    mq_message m = { 0 };
    mq_status st;
    while ((st = mq_receive(q, MQ_NOWAIT, &m)) == MQ_OK) {
        long seq = check_body(m.body, m.len);
        cr_assert(seq >= 0 && seq < (long)b->next_seq,
                  "after %s was killed, the log held a message that no writer sent: %s (%zu "
                  "bytes). A torn or damaged record must be cut off, never delivered",
                  who, wb_qn(m.body, m.len), m.len);
        cr_assert(!present[seq], "after %s was killed, message %ld came out twice", who, seq);
        cr_assert(b->fate[seq] != ACKED && b->fate[seq] != LOST_IN_A_KILL,
                  "after %s was killed, message %ld came back, but it was %s: a message "
                  "acknowledged (or gone at an earlier check) must stay deleted",
                  who, seq, fate_name(b->fate[seq]));
        present[seq] = true;
        mq_message_free(&m);
    }
    expect_status(st, MQ_EMPTY, "mq_receive at the end of the copy", "it was drained");
    mq_close(q);
    unlink(copy);

    for (uint32_t seq = 0; seq < b->next_seq; seq++) {
        cr_assert(present[seq] || b->fate[seq] != SENT,
                  "%s was killed (on a log that %d earlier kills had left); message %u, whose "
                  "mq_send had returned MQ_OK and which was never acknowledged, is not in the "
                  "log: it was lost. Every change is written before its call returns; and a "
                  "compaction that truncates the log in place loses everything if it is killed "
                  "midway: write the new log to another file, sync it, then rename it over the "
                  "old one",
                  who, round, seq);
        if (b->fate[seq] == MAYBE_SENT || b->fate[seq] == MAYBE_ACKED)
            b->fate[seq] = present[seq] ? SENT : LOST_IN_A_KILL;
    }
}

Test(level5, writers_killed_at_random_points_lose_no_message_whose_send_returned)
{
    int chains = chains_for_this_run();
    wb_rng rng;
    wb_rng_seed(&rng, 5);
    for (int chain = 0; chain < chains; chain++) {
        struct scratch s;
        scratch_make(&s);
        /* The parent opens the log first: code that is not written yet fails here, in the
         * test's own process, not in a writer. */
        wb_manual_clock mc;
        mq_config cfg = writer_config(s.log, &mc, START);
        mq_queue *q = open_queue(&cfg);
        mq_message m = { 0 };
        send_text(q, "probe");
        expect_status(mq_receive(q, MQ_NOWAIT, &m), MQ_OK, "mq_receive", "one message was sent");
        ack(q, &m, "it was just received");
        mq_message_free(&m);
        mq_close(q);

        static struct book b;
        memset(&b, 0, sizeof b);
        for (int round = 0; round < ROUNDS; round++) {
            int k = 1 + (int)wb_rng_below(&rng, 40);
            uint32_t spin = (uint32_t)wb_rng_below(&rng, 20000);
            char who[64];
            snprintf(who, sizeof who, "writer %d of chain %d", round + 1, chain + 1);
            run_writer(s.log, &b, round, who, k, spin);
            check_log(&s, &b, round, who);
        }
        scratch_remove(&s);
    }
}
