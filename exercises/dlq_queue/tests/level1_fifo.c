/*
 * Level 1, a bounded FIFO shared by threads: send, receive, ack, a full queue
 * that pushes back (MQ_FULL or a blocked sender), and a shutdown that wakes
 * every waiting thread. Run alone with `make test LEVEL=1`.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_test.h"

WB_LEVEL(1);

Test(level1, open_refuses_a_capacity_of_zero_and_null_arguments)
{
    mq_queue *q = NULL;
    mq_config cfg = { .capacity = 0 };
    expect_status(mq_open(&cfg, &q), MQ_INVALID, "mq_open(capacity 0)",
                  "a queue that can hold nothing is a caller's mistake");
    cr_assert(q == NULL, "mq_open(capacity 0) failed but stored a queue in *queue");
    expect_status(mq_open(NULL, &q), MQ_INVALID, "mq_open(NULL config)", "there is no config");
    cfg.capacity = 4;
    expect_status(mq_open(&cfg, NULL), MQ_INVALID, "mq_open(config, NULL)",
                  "there is nowhere to store the queue");
}

Test(level1, close_and_shutdown_of_null_do_nothing)
{
    mq_shutdown(NULL); /* like free(NULL): must not crash */
    mq_close(NULL);
    mq_message_free(NULL);
    mq_message zeroed = { 0 };
    mq_message_free(&zeroed);
}

Test(level1, a_new_queue_is_empty)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    expect_empty(q, "nothing was sent");
    expect_counts(q, 0, 0, 0, 0, "a new queue holds nothing");
    mq_close(q);
}

Test(level1, receive_returns_the_message_that_was_sent)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    uint64_t id = send_text(q, "order 17 paid");
    mq_message m = receive_text(q, "order 17 paid", "it was just sent");
    cr_assert(m.id == id, "the message received has id %llu, but mq_send gave it id %llu",
              (unsigned long long)m.id, (unsigned long long)id);
    cr_assert(m.receive_count == 1,
              "the first delivery has receive_count %u, expected 1: the count is the number of "
              "this delivery",
              m.receive_count);
    cr_assert(m.receipt != 0, "the delivery's receipt is 0: the header says never 0");
    cr_assert(m.last_error[0] == '\0',
              "a message that never failed has last_error %s, expected \"\"", wb_q(m.last_error));
    mq_message_free(&m);
    mq_close(q);
}

Test(level1, ids_start_at_one_and_follow_the_order_of_sends)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(8, &mc);
    mq_queue *q = open_queue(&cfg);
    for (uint64_t want = 1; want <= 5; want++) {
        uint64_t id = send_text(q, "x");
        cr_assert(id == want,
                  "send number %llu got id %llu, expected %llu: ids start at 1 and "
                  "grow by one per message stored",
                  (unsigned long long)want, (unsigned long long)id, (unsigned long long)want);
    }
    mq_close(q);
}

Test(level1, messages_come_out_in_the_order_they_went_in)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(100, &mc);
    mq_queue *q = open_queue(&cfg);
    char text[32];
    for (int i = 0; i < 100; i++) {
        snprintf(text, sizeof text, "message %d", i);
        send_text(q, text);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(text, sizeof text, "message %d", i);
        consume_text(q, text,
                     "100 messages were sent in order and nothing failed: first in, "
                     "first out");
    }
    expect_empty(q, "all 100 were received and acknowledged");
    mq_close(q);
}

Test(level1, bodies_may_hold_nul_bytes_and_may_be_empty)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    const char binary[] = { 'a', '\0', 'b', '\0', '\xff' };
    expect_status(mq_send(q, binary, sizeof binary, MQ_NOWAIT, NULL), MQ_OK,
                  "mq_send of 5 bytes with NULs", "bodies are bytes with a length");
    expect_status(mq_send(q, NULL, 0, MQ_NOWAIT, NULL), MQ_OK, "mq_send(NULL, 0)",
                  "an empty body may be passed as NULL with length 0");
    mq_message m = { 0 };
    expect_status(mq_receive(q, MQ_NOWAIT, &m), MQ_OK, "mq_receive", "two messages were sent");
    cr_assert(m.len == sizeof binary && memcmp(m.body, binary, sizeof binary) == 0,
              "mq_receive gave %s, expected %s: a body is bytes with a length, not a C string "
              "(strlen and strcpy stop at the first NUL)",
              wb_qn(m.body, m.len), wb_qn(binary, sizeof binary));
    mq_message_free(&m);
    m = receive_text(q, "", "the second message had an empty body");
    mq_message_free(&m);
    mq_close(q);
}

Test(level1, the_queue_keeps_its_own_copy_of_the_body)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    char body[] = "original";
    mq_send(q, body, strlen(body), MQ_NOWAIT, NULL);
    memcpy(body, "CHANGED!", 8); /* the producer reuses its buffer */
    consume_text(q, "original",
                 "the producer changed its buffer after mq_send returned; the queue must have "
                 "copied the bytes, not kept the pointer");
    mq_close(q);
}

Test(level1, acknowledging_deletes_the_message)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "done soon");
    mq_message m = receive_text(q, "done soon", "it was sent");
    expect_counts(q, 0, 1, 0, 0, "one message was received and not yet acknowledged");
    ack(q, &m, "its delivery is in flight");
    mq_message_free(&m);
    expect_counts(q, 0, 0, 0, 0, "the only message was acknowledged, which deletes it");
    expect_empty(q, "the only message was acknowledged");
    mq_close(q);
}

Test(level1, a_full_queue_refuses_a_send_without_waiting_and_keeps_what_it_holds)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(3, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "a");
    send_text(q, "b");
    send_text(q, "c");
    uint64_t id = 12345;
    expect_status(mq_send(q, "d", 1, MQ_NOWAIT, &id), MQ_FULL, "mq_send(\"d\", MQ_NOWAIT)",
                  "a queue of capacity 3 holds a, b and c");
    cr_assert(id == 12345, "a refused mq_send changed *id to %llu: nothing was stored",
              (unsigned long long)id);
    expect_counts(q, 3, 0, 0, 0, "the refused send stored nothing");
    consume_text(q, "a", "the refused send must not disturb what was there");
    consume_text(q, "b", "the refused send must not disturb what was there");
    consume_text(q, "c", "the refused send must not disturb what was there");
    expect_empty(q, "\"d\" was refused, not stored");
    mq_close(q);
}

Test(level1, a_received_message_counts_toward_capacity_until_it_is_acknowledged)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(2, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "a");
    send_text(q, "b");
    mq_message a = receive_text(q, "a", "a was sent first");
    expect_status(mq_send(q, "c", 1, MQ_NOWAIT, NULL), MQ_FULL, "mq_send(\"c\", MQ_NOWAIT)",
                  "capacity 2: b is ready and a is in flight (received, not acknowledged); a "
                  "message in flight is still held, because it comes back if its consumer dies");
    ack(q, &a, "a is in flight");
    mq_message_free(&a);
    expect_status(mq_send(q, "c", 1, MQ_NOWAIT, NULL), MQ_OK, "mq_send(\"c\", MQ_NOWAIT)",
                  "acknowledging a freed its slot");
    mq_close(q);
}

Test(level1, bad_arguments_are_refused_and_change_nothing)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "kept");
    mq_message m = { 0 };
    expect_status(mq_send(q, NULL, 3, MQ_NOWAIT, NULL), MQ_INVALID, "mq_send(NULL, 3)",
                  "there are no 3 bytes to copy");
    expect_status(mq_send(NULL, "x", 1, MQ_NOWAIT, NULL), MQ_INVALID, "mq_send(NULL queue)",
                  "there is no queue");
    expect_status(mq_receive(NULL, MQ_NOWAIT, &m), MQ_INVALID, "mq_receive(NULL queue)",
                  "there is no queue");
    expect_status(mq_receive(q, MQ_NOWAIT, NULL), MQ_INVALID, "mq_receive(queue, NULL)",
                  "there is nowhere to put the message");
    expect_status(mq_ack(NULL, 1), MQ_INVALID, "mq_ack(NULL queue)", "there is no queue");
    expect_status(mq_get_stats(q, NULL), MQ_INVALID, "mq_get_stats(queue, NULL)",
                  "there is nowhere to put the counts");
    expect_counts(q, 1, 0, 0, 0, "every bad call above was refused");
    consume_text(q, "kept", "the bad calls must not have touched it");
    mq_close(q);
}

Test(level1, a_body_longer_than_the_maximum_is_refused_and_the_maximum_is_accepted)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    char *big = malloc(MQ_MAX_BODY + 1);
    cr_assert(big != NULL, "out of memory for the test's own buffer");
    memset(big, 'z', MQ_MAX_BODY + 1);
    mq_status s = mq_send(q, big, MQ_MAX_BODY + 1, MQ_NOWAIT, NULL);
    expect_status(s, MQ_TOO_BIG, "mq_send of MQ_MAX_BODY + 1 bytes",
                  "a body longer than MQ_MAX_BODY is refused with its own status");
    expect_counts(q, 0, 0, 0, 0, "the body that was too big was not stored");
    s = mq_send(q, big, MQ_MAX_BODY, MQ_NOWAIT, NULL);
    expect_status(s, MQ_OK, "mq_send of exactly MQ_MAX_BODY bytes", "the maximum is allowed");
    mq_message m = { 0 };
    expect_status(mq_receive(q, MQ_NOWAIT, &m), MQ_OK, "mq_receive", "one message was sent");
    cr_assert(m.len == MQ_MAX_BODY && memcmp(m.body, big, MQ_MAX_BODY) == 0,
              "the largest body came back with %zu bytes, expected %d 'z' bytes", m.len,
              MQ_MAX_BODY);
    mq_message_free(&m);
    free(big);
    mq_close(q);
}

/* ---- threads that block ---- */

struct blocking {
    mq_queue *q;
    atomic_int returned; /* set by the blocked thread once its call returned */
    mq_status status[8]; /* what each thread's call returned */
    char body[8][32];    /* what a receiving thread got */
};

static char *receive_blocking(struct blocking *b, int t)
{
    mq_message m = { 0 };
    b->status[t] = mq_receive(b->q, MQ_WAIT, &m);
    if (b->status[t] == MQ_OK) {
        snprintf(b->body[t], sizeof b->body[t], "%s", m.body);
        mq_ack(b->q, m.receipt);
        mq_message_free(&m);
    }
    atomic_fetch_add(&b->returned, 1);
    return NULL;
}

static char *receiver_then_sender(int t, void *ctx)
{
    struct blocking *b = ctx;
    if (t == 0)
        return receive_blocking(b, t);
    char *problem = await_blocked(b->q, 0, 1);
    if (problem != NULL)
        return problem;
    if (atomic_load(&b->returned) != 0)
        return wb_strdupf("mq_receive(MQ_WAIT) on an empty queue returned %s before anything "
                          "was sent, expected it to block",
                          status_name(b->status[0]));
    mq_status s = mq_send(b->q, "wake up", 7, MQ_NOWAIT, NULL);
    return s == MQ_OK ? NULL : wb_strdupf("mq_send returned %s", status_name(s));
}

Test(level1, a_blocked_receiver_wakes_up_when_a_message_is_sent)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    struct blocking b = { .q = open_queue(&cfg) };
    wb_run_threads(2, receiver_then_sender, &b,
                   "thread 0 receives (MQ_WAIT) from an empty queue, thread 1 sends once "
                   "thread 0 is blocked");
    expect_status(b.status[0], MQ_OK, "the blocked mq_receive(MQ_WAIT)",
                  "a message was sent while it waited");
    cr_assert(strcmp(b.body[0], "wake up") == 0,
              "the blocked receiver got %s, expected \"wake up\"", wb_q(b.body[0]));
    mq_close(b.q);
}

static char *sender_then_acker(int t, void *ctx)
{
    struct blocking *b = ctx;
    if (t == 0) {
        b->status[0] = mq_send(b->q, "second", 6, MQ_WAIT, NULL);
        atomic_store(&b->returned, 1);
        return NULL;
    }
    mq_message first = { 0 };
    mq_status s = mq_receive(b->q, MQ_NOWAIT, &first);
    if (s != MQ_OK)
        return wb_strdupf("mq_receive of \"first\" returned %s", status_name(s));
    char *problem = await_blocked(b->q, 1, 0);
    if (problem == NULL && atomic_load(&b->returned) != 0)
        problem = wb_strdupf("mq_send(MQ_WAIT) into a full queue (capacity 1, one message in "
                             "flight) returned %s instead of blocking",
                             status_name(b->status[0]));
    mq_ack(b->q, first.receipt); /* frees the slot the sender waits for */
    mq_message_free(&first);
    return problem;
}

Test(level1, a_blocked_sender_waits_for_room_then_sends)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(1, &mc);
    struct blocking b = { .q = open_queue(&cfg) };
    send_text(b.q, "first");
    wb_run_threads(2, sender_then_acker, &b,
                   "thread 0 sends (MQ_WAIT) into a full queue, thread 1 receives and "
                   "acknowledges the message that fills it");
    expect_status(b.status[0], MQ_OK, "the blocked mq_send(MQ_WAIT)",
                  "the acknowledgement freed the only slot");
    consume_text(b.q, "second", "the blocked sender's message went in once there was room");
    mq_close(b.q);
}

static char *block_then_shut_down(int t, void *ctx)
{
    struct blocking *b = ctx;
    if (t < 3)
        return receive_blocking(b, t);
    char *problem = await_blocked(b->q, 0, 3);
    mq_shutdown(b->q);
    return problem;
}

Test(level1, shutdown_wakes_every_blocked_receiver)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    struct blocking b = { .q = open_queue(&cfg) };
    wb_run_threads(4, block_then_shut_down, &b,
                   "threads 0-2 receive (MQ_WAIT) from an empty queue, thread 3 shuts it down");
    for (int t = 0; t < 3; t++)
        expect_status(b.status[t], MQ_CLOSED, "a receiver blocked when the queue shut down",
                      "mq_shutdown must wake every waiting thread (a broadcast, not one signal)");
    mq_close(b.q);
}

static char *fill_then_shut_down(int t, void *ctx)
{
    struct blocking *b = ctx;
    if (t < 3) {
        b->status[t] = mq_send(b->q, "more", 4, MQ_WAIT, NULL);
        return NULL;
    }
    char *problem = await_blocked(b->q, 3, 0);
    mq_shutdown(b->q);
    return problem;
}

Test(level1, shutdown_wakes_every_blocked_sender)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(1, &mc);
    struct blocking b = { .q = open_queue(&cfg) };
    send_text(b.q, "fills it");
    wb_run_threads(4, fill_then_shut_down, &b,
                   "threads 0-2 send (MQ_WAIT) into a full queue, thread 3 shuts it down");
    for (int t = 0; t < 3; t++)
        expect_status(b.status[t], MQ_CLOSED, "a sender blocked when the queue shut down",
                      "mq_shutdown must wake every waiting thread, and a send after it fails");
    expect_counts(b.q, 1, 0, 0, 0, "the woken senders stored nothing");
    mq_close(b.q);
}

Test(level1, after_shutdown_sends_fail_and_receivers_drain_what_is_left)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "left over");
    mq_shutdown(q);
    mq_shutdown(q); /* idempotent */
    expect_status(mq_send(q, "late", 4, MQ_NOWAIT, NULL), MQ_CLOSED, "mq_send after mq_shutdown",
                  "a shut-down queue takes no more messages");
    mq_message m = receive_text(q, "left over",
                                "a shut-down queue still hands out what is ready, so consumers "
                                "can drain it");
    ack(q, &m, "acks still work after a shutdown, so consumers can finish their work");
    mq_message_free(&m);
    mq_message none = { 0 };
    expect_status(mq_receive(q, MQ_WAIT, &none), MQ_CLOSED, "mq_receive(MQ_WAIT) when drained",
                  "the queue is shut down and empty: waiting would be forever");
    expect_status(mq_receive(q, MQ_NOWAIT, &none), MQ_CLOSED, "mq_receive(MQ_NOWAIT) when drained",
                  "MQ_CLOSED, not MQ_EMPTY, tells a consumer to stop rather than poll again");
    mq_close(q);
}

/* ---- many producers, many consumers ---- */

enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 500, SMALL = 8 };

struct traffic {
    mq_queue *q;
    atomic_bool failed;  /* a consumer gave up: it shut the queue down so no one waits forever */
    atomic_int received; /* messages consumed so far, all consumers */
    atomic_int seen[PRODUCERS][PER_PRODUCER]; /* how often each message was consumed */
};

static char *produce(struct traffic *tr, int p)
{
    char body[32];
    for (int i = 0; i < PER_PRODUCER; i++) {
        int n = snprintf(body, sizeof body, "p%d:%d", p, i);
        mq_status s = mq_send(tr->q, body, (size_t)n, MQ_WAIT, NULL);
        if (s == MQ_CLOSED && atomic_load(&tr->failed))
            return NULL; /* the consumer that failed says why */
        if (s != MQ_OK)
            return wb_strdupf("producer %d: mq_send(%s, MQ_WAIT) returned %s", p, body,
                              status_name(s));
    }
    return NULL;
}

/* Stops the run when a consumer finds a problem: everyone blocked wakes up. */
static char *give_up(struct traffic *tr, char *problem)
{
    atomic_store(&tr->failed, true);
    mq_shutdown(tr->q);
    return problem;
}

static char *consume(struct traffic *tr, int c)
{
    int last[PRODUCERS] = { -1, -1, -1, -1 }; /* the last sequence number seen from each */
    for (;;) {
        mq_message m = { 0 };
        mq_status s = mq_receive(tr->q, MQ_WAIT, &m);
        if (s == MQ_CLOSED)
            return NULL;
        if (s != MQ_OK)
            return give_up(
                tr, wb_strdupf("consumer %d: mq_receive(MQ_WAIT) returned %s", c, status_name(s)));
        int p = -1, i = -1;
        if (sscanf(m.body, "p%d:%d", &p, &i) != 2 || p < 0 || p >= PRODUCERS || i < 0 ||
            i >= PER_PRODUCER) {
            char *problem = wb_strdupf("consumer %d received %s, which no producer sent", c,
                                       wb_qn(m.body, m.len));
            mq_message_free(&m);
            return give_up(tr, problem);
        }
        uint64_t receipt = m.receipt;
        mq_message_free(&m);
        if (i <= last[p])
            return give_up(tr, wb_strdupf("consumer %d received p%d:%d after p%d:%d: a "
                                          "producer's messages must come out in the order it "
                                          "sent them",
                                          c, p, i, p, last[p]));
        last[p] = i;
        atomic_fetch_add(&tr->seen[p][i], 1);
        mq_stats st;
        if (mq_get_stats(tr->q, &st) == MQ_OK && st.ready + st.in_flight > SMALL)
            return give_up(tr, wb_strdupf("mq_get_stats says %zu ready and %zu in flight in a "
                                          "queue of capacity %d",
                                          st.ready, st.in_flight, SMALL));
        if ((s = mq_ack(tr->q, receipt)) != MQ_OK)
            return give_up(tr, wb_strdupf("consumer %d: mq_ack returned %s", c, status_name(s)));
        if (atomic_fetch_add(&tr->received, 1) + 1 == PRODUCERS * PER_PRODUCER)
            mq_shutdown(tr->q); /* the last message: wake the consumers still waiting */
    }
}

static char *produce_or_consume(int t, void *ctx)
{
    return t < PRODUCERS ? produce(ctx, t) : consume(ctx, t - PRODUCERS);
}

Test(level1, four_producers_and_four_consumers_deliver_every_message_once_and_in_order)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(SMALL, &mc);
    static struct traffic tr;
    tr.q = open_queue(&cfg);
    wb_run_threads(PRODUCERS + CONSUMERS, produce_or_consume, &tr,
                   "4 producers send 500 messages each (MQ_WAIT) through a queue of capacity "
                   "8 to 4 consumers (MQ_WAIT, then ack)");
    for (int p = 0; p < PRODUCERS; p++) {
        for (int i = 0; i < PER_PRODUCER; i++) {
            int n = atomic_load(&tr.seen[p][i]);
            cr_assert(n == 1,
                      "message p%d:%d was consumed %d times, expected exactly once: with every "
                      "message acknowledged and no timeout passing, none may be lost or "
                      "delivered twice",
                      p, i, n);
        }
    }
    expect_counts(tr.q, 0, 0, 0, 0, "every message was consumed and acknowledged");
    mq_close(tr.q);
}
