/*
 * Level 2, acknowledgements and the visibility timeout: a received message is
 * invisible until it is acknowledged or its timeout passes; then it is
 * delivered again, with its receive count one higher. Receipts name one
 * delivery: a stale one changes nothing. The clock is a manual one; nothing
 * here sleeps. Run alone with `make test LEVEL=2`.
 */
#include <stdatomic.h>
#include <string.h>

#include "mq_test.h"

WB_LEVEL(2);

static const int64_t VISIBILITY = 30 * WB_SEC;

/* A queue of `capacity` whose deliveries stay invisible for VISIBILITY. */
static mq_queue *visibility_queue(size_t capacity, wb_manual_clock *mc)
{
    mq_config cfg = config_on(capacity, mc);
    cfg.visibility_timeout = VISIBILITY;
    return open_queue(&cfg);
}

static void expect_count(const mq_message *m, uint32_t want, const char *why)
{
    cr_assert(m->receive_count == want, "%s (id %llu) came with receive_count %u, expected %u: %s",
              wb_qn(m->body, m->len), (unsigned long long)m->id, m->receive_count, want, why);
}

Test(level2, an_unacknowledged_message_is_invisible_until_its_timeout_passes)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "job");
    mq_message first = receive_text(q, "job", "it was sent");
    wb_manual_clock_advance(&mc, VISIBILITY - 1);
    expect_empty(q, "received 1 ns short of the 30 s visibility timeout ago and not acknowledged: "
                    "it stays invisible while the consumer may still be working on it");
    wb_manual_clock_advance(&mc, 1);
    mq_message again = receive_text(q, "job",
                                    "received exactly 30 s ago and never acknowledged: from the "
                                    "deadline on the consumer is presumed dead and the message "
                                    "is delivered again (at-least-once)");
    cr_assert(again.id == first.id,
              "the redelivery has id %llu, the first delivery had %llu: "
              "it is the same message",
              (unsigned long long)again.id, (unsigned long long)first.id);
    mq_message_free(&first);
    mq_message_free(&again);
    mq_close(q);
}

Test(level2, each_redelivery_increases_the_receive_count)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "flaky");
    for (uint32_t n = 1; n <= 4; n++) {
        mq_message m =
            receive_text(q, "flaky", "it is never acknowledged, so it keeps coming back");
        expect_count(&m, n,
                     "each delivery whose timeout passes counts: the n-th delivery has "
                     "receive_count n");
        mq_message_free(&m);
        wb_manual_clock_advance(&mc, VISIBILITY);
    }
    mq_close(q);
}

Test(level2, a_timed_out_message_records_the_timeout_as_its_last_error)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "slow");
    mq_message m = receive_text(q, "slow", "it was sent");
    mq_message_free(&m);
    wb_manual_clock_advance(&mc, VISIBILITY);
    m = receive_text(q, "slow", "its first delivery timed out");
    cr_assert(strcmp(m.last_error, MQ_TIMEOUT_ERROR) == 0,
              "after a timed-out delivery, last_error is %s, expected MQ_TIMEOUT_ERROR %s: a "
              "timeout is a failure, and the next consumer should see why",
              wb_q(m.last_error), wb_q(MQ_TIMEOUT_ERROR));
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, each_delivery_gets_its_own_receipt)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "a");
    send_text(q, "b");
    mq_message a1 = receive_text(q, "a", "a was sent first");
    mq_message b1 = receive_text(q, "b", "b was sent second");
    wb_manual_clock_advance(&mc, VISIBILITY);
    mq_message a2 = receive_text(q, "a", "a's delivery timed out first");
    cr_assert(a1.receipt != b1.receipt && a1.receipt != a2.receipt && b1.receipt != a2.receipt,
              "receipts %llu (a, 1st), %llu (b, 1st), %llu (a, 2nd) are not all different: a "
              "receipt names one delivery of one message",
              (unsigned long long)a1.receipt, (unsigned long long)b1.receipt,
              (unsigned long long)a2.receipt);
    mq_message_free(&a1);
    mq_message_free(&b1);
    mq_message_free(&a2);
    mq_close(q);
}

Test(level2, acknowledging_twice_is_stale_and_deletes_nothing_more)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "once");
    send_text(q, "other");
    mq_message m = receive_text(q, "once", "it was sent first");
    ack(q, &m, "its delivery is in flight");
    expect_status(mq_ack(q, m.receipt), MQ_STALE, "a second mq_ack of the same receipt",
                  "the delivery was already acknowledged; a second ack must be an error, never a "
                  "second delete");
    expect_counts(q, 1, 0, 0, 0, "only \"once\" was deleted; \"other\" is still ready");
    consume_text(q, "other", "the second ack must not have deleted it");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, a_receipt_of_an_earlier_delivery_is_stale)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "contested");
    mq_message slow = receive_text(q, "contested", "it was sent");
    wb_manual_clock_advance(&mc, VISIBILITY);
    mq_message fast = receive_text(q, "contested", "the first delivery timed out");
    expect_status(mq_ack(q, slow.receipt), MQ_STALE, "mq_ack with the first delivery's receipt",
                  "the first consumer was too slow: the message now belongs to the second "
                  "delivery, and the first consumer's late ack must not delete it");
    expect_counts(q, 0, 1, 0, 0, "the stale ack changed nothing: the second delivery is in flight");
    ack(q, &fast, "the second delivery is the current one");
    expect_counts(q, 0, 0, 0, 0, "the current delivery was acknowledged");
    mq_message_free(&slow);
    mq_message_free(&fast);
    mq_close(q);
}

Test(level2, a_receipt_is_stale_from_its_deadline_on_even_before_a_redelivery)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "late");
    mq_message m = receive_text(q, "late", "it was sent");
    wb_manual_clock_advance(&mc, VISIBILITY);
    expect_status(mq_ack(q, m.receipt), MQ_STALE, "mq_ack exactly at the deadline",
                  "the delivery was in flight while now < receive time + 30 s; at the deadline "
                  "the consumer has lost its claim, whether or not anyone received it again");
    mq_message again = receive_text(q, "late", "the late ack did not delete it");
    expect_count(&again, 2, "it is the second delivery");
    mq_message_free(&m);
    mq_message_free(&again);
    mq_close(q);
}

Test(level2, an_ack_just_before_the_deadline_still_counts)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "in time");
    mq_message m = receive_text(q, "in time", "it was sent");
    wb_manual_clock_advance(&mc, VISIBILITY - 1);
    ack(q, &m, "1 ns before the deadline the delivery is still in flight");
    wb_manual_clock_advance(&mc, VISIBILITY);
    expect_empty(q, "it was acknowledged in time, so it never comes back");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, receipts_never_issued_are_stale)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "x");
    mq_message m = receive_text(q, "x", "it was sent");
    uint64_t made_up[] = { 0, 1, 2, m.receipt + 1, m.receipt ^ 0x8000000000000000u, UINT64_MAX };
    for (size_t i = 0; i < sizeof made_up / sizeof made_up[0]; i++) {
        if (made_up[i] == m.receipt)
            continue;
        cr_assert(mq_ack(q, made_up[i]) == MQ_STALE,
                  "mq_ack(%llu), a receipt the queue never issued (the real one is %llu), did "
                  "not return MQ_STALE",
                  (unsigned long long)made_up[i], (unsigned long long)m.receipt);
    }
    expect_counts(q, 0, 1, 0, 0, "made-up receipts change nothing");
    ack(q, &m, "the real receipt still works");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, extend_keeps_a_delivery_invisible_from_now_on)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "long job");
    mq_message m = receive_text(q, "long job", "it was sent");
    wb_manual_clock_advance(&mc, 20 * WB_SEC);
    expect_status(mq_extend(q, m.receipt, 60 * WB_SEC), MQ_OK, "mq_extend(receipt, 60 s)",
                  "20 s into a 30 s timeout the delivery is in flight");
    wb_manual_clock_advance(&mc, 60 * WB_SEC - 1);
    expect_empty(q, "extended at 20 s by 60 s, now 80 s - 1 ns: the new deadline counts from the "
                    "extend, not from the receive");
    ack(q, &m, "the extended delivery is still in flight");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, extend_can_also_shorten_and_refuses_stale_receipts_and_bad_timeouts)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "x");
    mq_message m = receive_text(q, "x", "it was sent");
    expect_status(mq_extend(q, m.receipt, 0), MQ_INVALID, "mq_extend(receipt, 0)",
                  "the timeout must be > 0");
    expect_status(mq_extend(q, m.receipt, -5), MQ_INVALID, "mq_extend(receipt, -5)",
                  "the timeout must be > 0");
    expect_status(mq_extend(q, m.receipt, WB_SEC), MQ_OK, "mq_extend(receipt, 1 s)",
                  "the delivery is in flight");
    wb_manual_clock_advance(&mc, WB_SEC);
    expect_status(mq_extend(q, m.receipt, 60 * WB_SEC), MQ_STALE,
                  "mq_extend 1 s after setting a 1 s deadline",
                  "the deadline set by the first extend has passed: the receipt is stale");
    expect_status(mq_extend(q, m.receipt, 0), MQ_INVALID, "mq_extend(stale receipt, 0)",
                  "a bad argument is reported first, whatever the receipt names");
    mq_message again = receive_text(q, "x", "the shortened deadline passed");
    mq_message_free(&m);
    mq_message_free(&again);
    mq_close(q);
}

Test(level2, extend_by_the_largest_timeout_stays_in_flight_without_overflowing)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(4, &mc);
    send_text(q, "forever");
    mq_message m = receive_text(q, "forever", "it was sent");
    expect_status(mq_extend(q, m.receipt, INT64_MAX), MQ_OK, "mq_extend(receipt, INT64_MAX)",
                  "any timeout > 0 is allowed");
    wb_manual_clock_advance(&mc, 3600 * WB_SEC);
    expect_empty(q, "the delivery was extended by INT64_MAX ns an hour ago, so it is still in "
                    "flight. now + INT64_MAX does not fit an int64_t: saturate the deadline at "
                    "INT64_MAX instead of letting it wrap to the past");
    ack(q, &m, "the delivery is still in flight");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, a_timed_out_message_is_ready_from_its_deadline_in_time_order)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(8, &mc);
    send_text(q, "early");
    mq_message m = receive_text(q, "early", "it was sent first"); /* deadline START + 30 s */
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    send_text(q, "before the deadline");
    wb_manual_clock_advance(&mc, 30 * WB_SEC);
    send_text(q, "after the deadline");
    consume_text(q, "before the deadline",
                 "it became ready at 10 s, before \"early\" timed out at 30 s: messages come out "
                 "in the order they became ready");
    consume_text(q, "early",
                 "it became ready again at its 30 s deadline, before \"after the deadline\" was "
                 "sent at 40 s: a timed-out message is ready from its deadline, not from the "
                 "moment the queue noticed");
    consume_text(q, "after the deadline", "it became ready last, at 40 s");
    mq_message_free(&m);
    mq_close(q);
}

Test(level2, timed_out_messages_come_back_in_the_order_of_their_deadlines)
{
    wb_manual_clock mc;
    mq_queue *q = visibility_queue(8, &mc);
    send_text(q, "a");
    send_text(q, "b");
    mq_message a = receive_text(q, "a", "sent first");
    mq_message b = receive_text(q, "b", "sent second");
    expect_status(mq_extend(q, a.receipt, 60 * WB_SEC), MQ_OK, "mq_extend(a, 60 s)",
                  "a is in flight");
    wb_manual_clock_advance(&mc, 90 * WB_SEC); /* both deadlines (b at 30 s, a at 60 s) passed */
    consume_text(q, "b",
                 "b timed out at 30 s and a at 60 s; both are ready again, and b has been ready "
                 "longer, though a has the lower id and the queue noticed both at the same call");
    consume_text(q, "a", "it timed out second");
    mq_message_free(&a);
    mq_message_free(&b);
    mq_close(q);
}

Test(level2, the_visibility_timeout_defaults_to_thirty_seconds)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc); /* visibility_timeout 0: the default */
    mq_queue *q = open_queue(&cfg);
    send_text(q, "x");
    mq_message m = receive_text(q, "x", "it was sent");
    wb_manual_clock_advance(&mc, MQ_DEFAULT_VISIBILITY - 1);
    expect_empty(q, "visibility_timeout 0 means MQ_DEFAULT_VISIBILITY (30 s), and 1 ns is left");
    wb_manual_clock_advance(&mc, 1);
    mq_message again = receive_text(q, "x", "the default 30 s passed");
    mq_message_free(&m);
    mq_message_free(&again);
    mq_close(q);
}

/* ---- threads ---- */

struct waiter {
    mq_queue *q;
    wb_manual_clock *mc;
    mq_status status;
    uint32_t count;
};

static char *wait_or_move_time(int t, void *ctx)
{
    struct waiter *w = ctx;
    if (t == 0) {
        mq_message m = { 0 };
        w->status = mq_receive(w->q, MQ_WAIT, &m);
        w->count = m.receive_count;
        if (w->status == MQ_OK)
            mq_message_free(&m);
        return NULL;
    }
    char *problem = await_blocked(w->q, 0, 1);
    wb_manual_clock_advance(w->mc, VISIBILITY + WB_SEC); /* no send, no ack: only time passes */
    return problem;
}

Test(level2, a_blocked_receiver_notices_a_timeout_that_passes_while_it_waits)
{
    wb_manual_clock mc;
    struct waiter w = { .q = visibility_queue(4, &mc), .mc = &mc };
    send_text(w.q, "abandoned");
    mq_message m = receive_text(w.q, "abandoned", "it was sent");
    wb_run_threads(2, wait_or_move_time, &w,
                   "thread 0 receives (MQ_WAIT) while the only message is in flight; thread 1 "
                   "moves the clock past its deadline");
    expect_status(w.status, MQ_OK, "the blocked mq_receive",
                  "the clock moved past the deadline while it waited: a blocked receiver re-reads "
                  "the clock at least every MQ_POLL_INTERVAL");
    cr_assert(w.count == 2, "the blocked receiver got delivery number %u, expected 2", w.count);
    mq_message_free(&m);
    mq_close(w.q);
}

enum { RACED = 200, ACKERS = 8 };

struct ack_race {
    mq_queue *q;
    uint64_t receipts[RACED];
    int acked[ACKERS]; /* MQ_OK answers each thread got; each writes only its own */
};

static char *ack_everything(int t, void *ctx)
{
    struct ack_race *r = ctx;
    for (int i = 0; i < RACED; i++) {
        mq_status s = mq_ack(r->q, r->receipts[(i + t * (RACED / ACKERS)) % RACED]);
        if (s == MQ_OK)
            r->acked[t]++;
        else if (s != MQ_STALE)
            return wb_strdupf("mq_ack returned %s, expected MQ_OK or MQ_STALE", status_name(s));
    }
    return NULL;
}

Test(level2, eight_threads_racing_to_ack_the_same_receipts_delete_each_message_once)
{
    wb_manual_clock mc;
    static struct ack_race r;
    r.q = visibility_queue(RACED, &mc);
    for (int i = 0; i < RACED; i++)
        send_text(r.q, "x");
    for (int i = 0; i < RACED; i++) {
        mq_message m = { 0 };
        expect_status(mq_receive(r.q, MQ_NOWAIT, &m), MQ_OK, "mq_receive", "200 were sent");
        r.receipts[i] = m.receipt;
        mq_message_free(&m);
    }
    wb_run_threads(ACKERS, ack_everything, &r, "8 threads each acknowledging all 200 receipts");
    int total = 0;
    for (int t = 0; t < ACKERS; t++)
        total += r.acked[t];
    cr_assert(total == RACED,
              "8 threads acked the same 200 receipts and got MQ_OK %d times in all, expected "
              "exactly 200: each delivery is acknowledged once, every other ack is stale",
              total);
    expect_counts(r.q, 0, 0, 0, 0, "every message was acknowledged");
    mq_close(r.q);
}
