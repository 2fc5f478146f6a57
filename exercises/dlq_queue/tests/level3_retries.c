/*
 * Level 3, retries and the dead-letter queue: a nacked message comes back
 * after min(cap, base * 2^(n-1)) with full jitter, drawn from a seeded
 * generator; after max_receives deliveries it is dead-lettered with its
 * history, and it can be redriven. Run alone with `make test LEVEL=3`.
 */
#define _GNU_SOURCE /* sched_yield */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "mq_test.h"

WB_LEVEL(3);

static const int64_t BASE = 100 * WB_MSEC, CAP = 5 * WB_SEC;

/* A queue with retries: base 100 ms, cap 5 s, `max_receives`, seeded with `seed`. */
static mq_queue *retry_queue(uint32_t max_receives, uint64_t seed, wb_manual_clock *mc)
{
    mq_config cfg = config_on(16, mc);
    cfg.backoff_base = BASE;
    cfg.backoff_cap = CAP;
    cfg.max_receives = max_receives;
    cfg.seed = seed;
    return open_queue(&cfg);
}

/* The delays the header's formula gives for failures 1..n with this seed, base and cap. */
static void expected_delays(uint64_t seed, int64_t base, int64_t cap, int n, int64_t *out)
{
    wb_rng rng;
    wb_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        int64_t ceiling = base;
        for (int k = 0; k < i && ceiling < cap; k++)
            ceiling = ceiling > cap / 2 ? cap : 2 * ceiling;
        if (ceiling > cap)
            ceiling = cap;
        out[i] = (int64_t)wb_rng_below(&rng, (uint64_t)ceiling + 1);
    }
}

/* Receives the only message, nacks it, returns the delay; fails unless MQ_OK. */
static int64_t receive_and_nack(mq_queue *q, const char *error)
{
    mq_message m = { 0 };
    mq_status s = mq_receive(q, MQ_NOWAIT, &m);
    if (s != MQ_OK) {
        mq_stats st = stats_of(q);
        cr_assert_fail("mq_receive returned %s, expected the message: it was sent, or nacked and "
                       "the test moved the clock by the delay that nack returned, so it is ready "
                       "again (a nacked message is ready at nack time + delay). mq_get_stats "
                       "says ready %zu, in_flight %zu, delayed %zu, dead %zu",
                       status_name(s), st.ready, st.in_flight, st.delayed, st.dead);
    }
    int64_t delay = -1;
    s = mq_nack(q, m.receipt, error, &delay);
    cr_assert(s == MQ_OK, "mq_nack of delivery %u returned %s, expected MQ_OK", m.receive_count,
              status_name(s));
    mq_message_free(&m);
    return delay;
}

static const char *format_delays(const int64_t *d, int n)
{
    static _Thread_local char text[512];
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%.3f", i ? ", " : "",
                                 (double)d[i] / 1e9);
    return text;
}

Test(level3, a_nacked_message_comes_back_after_its_retry_delay)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(0, 42, &mc);
    send_text(q, "retry me");
    int64_t delay = receive_and_nack(q, "database busy");
    cr_assert(delay >= 0 && delay <= BASE,
              "the first retry delay is %lld ns, expected between 0 and the base, %lld ns",
              (long long)delay, (long long)BASE);
    if (delay > 0) {
        wb_manual_clock_advance(&mc, delay - 1);
        expect_empty(q, "nacked, and 1 ns of its retry delay is left");
        expect_counts(q, 0, 0, 1, 0, "a nacked message waits out its delay: delayed, not ready");
        wb_manual_clock_advance(&mc, 1);
    }
    mq_message m = receive_text(q, "retry me", "its retry delay has passed");
    cr_assert(m.receive_count == 2 && strcmp(m.last_error, "database busy") == 0,
              "the retry came with receive_count %u and last_error %s, expected 2 and "
              "\"database busy\": the nack's error is the message's history",
              m.receive_count, wb_q(m.last_error));
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, the_delays_follow_full_jitter_exactly_for_a_fixed_seed)
{
    enum { N = 10 };
    int64_t want[N], got[N];
    expected_delays(2024, BASE, CAP, N, want);
    wb_manual_clock mc;
    mq_queue *q = retry_queue(0, 2024, &mc);
    send_text(q, "x");
    for (int i = 0; i < N; i++) {
        got[i] = receive_and_nack(q, "fail");
        wb_manual_clock_advance(&mc, got[i] > 0 ? got[i] : 0);
    }
    cr_assert(memcmp(got, want, sizeof want) == 0,
              "seed 2024, base 100 ms, cap 5 s: the 10 retry delays were [%s] s, expected "
              "[%s] s. Each is wb_rng_below(&rng, ceiling + 1) with ceiling = min(cap, base * "
              "2^(n-1)) after the n-th failure, one draw per nack, from one generator seeded "
              "with config.seed",
              format_delays(got, N), format_delays(want, N));
    mq_close(q);
}

Test(level3, every_delay_stays_between_zero_and_its_ceiling_for_every_seed)
{
    for (uint64_t seed = 1; seed <= 200; seed++) {
        wb_manual_clock mc;
        mq_queue *q = retry_queue(0, seed, &mc);
        send_text(q, "x");
        int64_t ceiling = BASE;
        for (int n = 1; n <= 8; n++) {
            int64_t delay = receive_and_nack(q, "fail");
            cr_assert(delay >= 0 && delay <= ceiling,
                      "seed %llu: the delay after failure %d is %lld ns, expected 0 to %lld ns "
                      "(min(cap 5 s, base 100 ms * 2^%d))",
                      (unsigned long long)seed, n, (long long)delay, (long long)ceiling, n - 1);
            wb_manual_clock_advance(&mc, delay);
            ceiling = ceiling * 2 > CAP ? CAP : ceiling * 2;
        }
        mq_close(q);
    }
}

Test(level3, the_delays_spread_over_the_whole_range_not_just_its_top_half)
{
    /* Full jitter draws from 0 .. ceiling; "equal jitter" (ceiling/2 + a draw up to
     * ceiling/2) and no jitter at all never go below half the ceiling. */
    int below_half = 0, total = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        wb_manual_clock mc;
        mq_queue *q = retry_queue(0, seed, &mc);
        send_text(q, "x");
        int64_t ceiling = BASE;
        for (int n = 1; n <= 4; n++) {
            int64_t delay = receive_and_nack(q, "fail");
            below_half += delay < ceiling / 2;
            total++;
            wb_manual_clock_advance(&mc, delay);
            ceiling *= 2;
        }
        mq_close(q);
    }
    cr_assert(below_half >= total * 35 / 100 && below_half <= total * 65 / 100,
              "%d of %d delays (seeds 1-100, failures 1-4) were below half their ceiling, "
              "expected about half: full jitter is uniform over 0 .. ceiling, so that clients "
              "that failed together retry spread apart",
              below_half, total);
}

Test(level3, the_ceiling_stops_at_the_cap_however_many_failures)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    cfg.backoff_base = WB_MSEC;
    cfg.backoff_cap = 10 * WB_SEC;
    cfg.seed = 7;
    mq_queue *q = open_queue(&cfg);
    send_text(q, "x");
    int64_t largest_late = 0;
    for (int n = 1; n <= 100; n++) {
        int64_t delay = receive_and_nack(q, "fail");
        cr_assert(delay >= 0 && delay <= 10 * WB_SEC,
                  "the delay after failure %d is %lld ns, expected 0 to the 10 s cap: base * "
                  "2^(n-1) must stop at the cap and never overflow (2^63 does not fit an "
                  "int64_t)",
                  n, (long long)delay);
        if (n > 80 && delay > largest_late)
            largest_late = delay;
        wb_manual_clock_advance(&mc, delay);
    }
    cr_assert(largest_late > 5 * WB_SEC,
              "after 80 failures the ceiling is the 10 s cap, yet the largest of the next 20 "
              "delays was %lld ns: the ceiling fell back (an overflow?) instead of staying at "
              "the cap",
              (long long)largest_late);
    mq_close(q);
}

Test(level3, a_base_of_zero_retries_at_once)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc); /* backoff_base 0 */
    mq_queue *q = open_queue(&cfg);
    send_text(q, "again");
    int64_t delay = receive_and_nack(q, "fail");
    cr_assert(delay == 0, "with backoff_base 0 the retry delay is %lld ns, expected 0",
              (long long)delay);
    mq_message m = receive_text(q, "again", "with no backoff a nacked message is ready at once");
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, the_last_allowed_delivery_failing_dead_letters_the_message)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(3, 1, &mc);
    send_text(q, "poison");
    for (uint32_t n = 1; n <= 3; n++) {
        mq_message m = receive_text(q, "poison", "it has had fewer than 3 deliveries");
        cr_assert(m.receive_count == n, "delivery %u has receive_count %u", n, m.receive_count);
        int64_t delay = 0;
        mq_status s = mq_nack(q, m.receipt, "cannot parse", &delay);
        mq_status want = n < 3 ? MQ_OK : MQ_DEAD_LETTERED;
        cr_assert(s == want,
                  "max_receives 3: the nack of delivery %u returned %s, expected %s: a message "
                  "gets exactly 3 deliveries, and the third failing moves it to the dead-letter "
                  "queue",
                  n, status_name(s), status_name(want));
        mq_message_free(&m);
        wb_manual_clock_advance(&mc, CAP);
    }
    expect_empty(q, "the poison message is dead: it is never delivered again");
    expect_counts(q, 0, 0, 0, 1, "one dead letter, nothing else");
    mq_close(q);
}

Test(level3, a_dead_letter_keeps_its_body_receive_count_and_last_error)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(2, 1, &mc);
    uint64_t id = send_text(q, "poison");
    receive_and_nack(q, "first failure");
    wb_manual_clock_advance(&mc, CAP);
    mq_message m = receive_text(q, "poison", "one retry is left");
    expect_status(mq_nack(q, m.receipt, "second failure", NULL), MQ_DEAD_LETTERED, "the 2nd nack",
                  "max_receives 2");
    mq_message_free(&m);
    mq_message dead = { 0 };
    expect_status(mq_dead_peek(q, 0, &dead), MQ_OK, "mq_dead_peek(0)", "one message died");
    cr_assert(dead.id == id && dead.len == 6 && memcmp(dead.body, "poison", 6) == 0,
              "the dead letter is id %llu %s, expected id %llu \"poison\"",
              (unsigned long long)dead.id, wb_qn(dead.body, dead.len), (unsigned long long)id);
    cr_assert(dead.receive_count == 2 && strcmp(dead.last_error, "second failure") == 0,
              "the dead letter has receive_count %u and last_error %s, expected 2 and \"second "
              "failure\": the dead-letter queue keeps the history someone will debug from",
              dead.receive_count, wb_q(dead.last_error));
    cr_assert(dead.receipt == 0, "a dead letter has receipt %llu, expected 0: it is not a delivery",
              (unsigned long long)dead.receipt);
    mq_message_free(&dead);
    expect_status(mq_dead_peek(q, 0, &dead), MQ_OK, "a second mq_dead_peek(0)",
                  "peeking leaves the dead letter where it is");
    mq_message_free(&dead);
    mq_close(q);
}

Test(level3, a_timeout_on_the_last_allowed_delivery_dead_letters_it_too)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    cfg.max_receives = 2;
    cfg.visibility_timeout = 30 * WB_SEC;
    mq_queue *q = open_queue(&cfg);
    send_text(q, "crashes its consumer");
    for (int n = 1; n <= 2; n++) {
        mq_message m =
            receive_text(q, "crashes its consumer", "it has had fewer than 2 deliveries");
        mq_message_free(&m); /* the consumer dies: no ack, no nack */
        wb_manual_clock_advance(&mc, 30 * WB_SEC);
    }
    expect_empty(q, "its 2nd and last delivery timed out: a message that kills every consumer "
                    "must not circulate forever");
    mq_message dead = { 0 };
    expect_status(mq_dead_peek(q, 0, &dead), MQ_OK, "mq_dead_peek(0)",
                  "the last delivery's timeout dead-letters the message");
    cr_assert(dead.receive_count == 2 && strcmp(dead.last_error, MQ_TIMEOUT_ERROR) == 0,
              "the dead letter has receive_count %u and last_error %s, expected 2 and %s",
              dead.receive_count, wb_q(dead.last_error), wb_q(MQ_TIMEOUT_ERROR));
    mq_message_free(&dead);
    mq_close(q);
}

Test(level3, dead_letters_are_listed_oldest_first)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    send_text(q, "first to die");
    send_text(q, "second to die");
    mq_message a = receive_text(q, "first to die", "sent first");
    mq_message b = receive_text(q, "second to die", "sent second");
    wb_manual_clock_advance(&mc, WB_SEC);
    mq_nack(q, b.receipt, "b", NULL);
    wb_manual_clock_advance(&mc, WB_SEC);
    mq_nack(q, a.receipt, "a", NULL);
    mq_message d = { 0 };
    expect_status(mq_dead_peek(q, 0, &d), MQ_OK, "mq_dead_peek(0)", "two messages died");
    cr_assert(strcmp(d.body, "second to die") == 0,
              "dead letter 0 is %s, expected \"second to die\": it died first", wb_q(d.body));
    mq_message_free(&d);
    expect_status(mq_dead_peek(q, 1, &d), MQ_OK, "mq_dead_peek(1)", "two messages died");
    cr_assert(strcmp(d.body, "first to die") == 0, "dead letter 1 is %s, expected \"first to die\"",
              wb_q(d.body));
    mq_message_free(&d);
    expect_status(mq_dead_peek(q, 2, &d), MQ_NOT_FOUND, "mq_dead_peek(2)",
                  "there are only two dead letters");
    mq_message_free(&a);
    mq_message_free(&b);
    mq_close(q);
}

Test(level3, redrive_puts_a_dead_letter_back_with_a_fresh_count)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    uint64_t id = send_text(q, "fixed now");
    mq_message m = receive_text(q, "fixed now", "it was sent");
    expect_status(mq_nack(q, m.receipt, "bug 123", NULL), MQ_DEAD_LETTERED, "the nack",
                  "max_receives 1");
    mq_message_free(&m);
    expect_status(mq_redrive(q, id), MQ_OK, "mq_redrive(its id)",
                  "the bug was fixed; the message goes back to be processed");
    expect_counts(q, 1, 0, 0, 0, "the redriven message is ready, and no longer dead");
    m = receive_text(q, "fixed now", "it was redriven");
    cr_assert(m.id == id && m.receive_count == 1 && strcmp(m.last_error, "bug 123") == 0,
              "the redriven delivery is id %llu, receive_count %u, last_error %s; expected id "
              "%llu, receive_count 1 (the count starts again) and last_error \"bug 123\" (kept)",
              (unsigned long long)m.id, m.receive_count, wb_q(m.last_error),
              (unsigned long long)id);
    ack(q, &m, "the redriven delivery is in flight");
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, redrive_refuses_unknown_ids_and_a_full_queue_and_loses_nothing)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(1, &mc);
    cfg.max_receives = 1;
    mq_queue *q = open_queue(&cfg);
    uint64_t id = send_text(q, "dead");
    mq_message m = receive_text(q, "dead", "it was sent");
    mq_nack(q, m.receipt, "no", NULL);
    mq_message_free(&m);
    expect_status(mq_redrive(q, id + 100), MQ_NOT_FOUND, "mq_redrive(an id never sent)",
                  "there is no such dead letter");
    send_text(q, "fills the queue");
    expect_status(mq_redrive(q, id), MQ_FULL, "mq_redrive into a full queue",
                  "capacity 1 is taken; redrive never blocks");
    expect_counts(q, 1, 0, 0, 1, "the refused redrive left the dead letter where it was");
    consume_text(q, "fills the queue", "it was the only ready message");
    expect_status(mq_redrive(q, id), MQ_OK, "mq_redrive once there is room",
                  "the dead letter is still there");
    expect_status(mq_redrive(q, id), MQ_NOT_FOUND, "a second mq_redrive of the same id",
                  "it is no longer dead");
    mq_close(q);
}

Test(level3, after_shutdown_redrive_is_closed_but_an_unknown_id_is_still_not_found)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    uint64_t id = send_text(q, "dead");
    mq_message m = receive_text(q, "dead", "it was sent");
    mq_nack(q, m.receipt, "no", NULL);
    mq_message_free(&m);
    mq_shutdown(q);
    expect_status(mq_redrive(q, id + 100), MQ_NOT_FOUND,
                  "mq_redrive(an id never sent) after "
                  "mq_shutdown",
                  "what is wrong with the id named comes before the queue's state");
    expect_status(mq_redrive(q, id), MQ_CLOSED, "mq_redrive(a dead letter) after mq_shutdown",
                  "a dead letter cannot come back to a queue that was shut down");
    expect_counts(q, 0, 0, 0, 1, "the refused redrive left the dead letter where it was");
    mq_close(q);
}

Test(level3, dead_letters_do_not_count_toward_the_capacity)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(2, &mc);
    cfg.max_receives = 1;
    mq_queue *q = open_queue(&cfg);
    for (int i = 0; i < 5; i++) {
        send_text(q, "doomed");
        mq_message m = receive_text(q, "doomed", "it was just sent");
        mq_nack(q, m.receipt, "no", NULL);
        mq_message_free(&m);
    }
    expect_counts(q, 0, 0, 0, 5, "five messages died");
    send_text(q, "a");
    send_text(q, "b");
    expect_status(mq_send(q, "c", 1, MQ_NOWAIT, NULL), MQ_FULL, "a third send into capacity 2",
                  "a and b fill it; the five dead letters are outside the capacity");
    mq_close(q);
}

Test(level3, max_receives_zero_never_dead_letters)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(0, 3, &mc);
    send_text(q, "immortal");
    for (int n = 0; n < 50; n++) {
        wb_manual_clock_advance(&mc, receive_and_nack(q, "again"));
    }
    expect_counts(q, 1, 0, 0, 0, "max_receives 0 means no limit: 50 failures later it is ready");
    mq_close(q);
}

Test(level3, a_long_error_is_cut_to_fit_and_null_means_none)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(0, 1, &mc);
    send_text(q, "x");
    char error[300];
    memset(error, 'e', sizeof error - 1);
    error[sizeof error - 1] = '\0';
    wb_manual_clock_advance(&mc, receive_and_nack(q, error));
    mq_message m = receive_text(q, "x", "it was retried");
    cr_assert(strlen(m.last_error) == MQ_ERROR_MAX - 1 &&
                  strncmp(m.last_error, error, MQ_ERROR_MAX - 1) == 0,
              "a 299-byte error came back as %zu bytes, expected its first MQ_ERROR_MAX - 1 = %d",
              strlen(m.last_error), MQ_ERROR_MAX - 1);
    int64_t delay = 0;
    expect_status(mq_nack(q, m.receipt, NULL, &delay), MQ_OK, "mq_nack(receipt, NULL error)",
                  "NULL means no error text");
    mq_message_free(&m);
    wb_manual_clock_advance(&mc, delay);
    m = receive_text(q, "x", "it was retried again");
    cr_assert(m.last_error[0] == '\0',
              "after a nack with a NULL error, last_error is %s, "
              "expected \"\"",
              wb_q(m.last_error));
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, nacking_a_stale_receipt_changes_nothing)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    send_text(q, "x");
    mq_message m = receive_text(q, "x", "it was sent");
    ack(q, &m, "its delivery is in flight");
    expect_status(mq_nack(q, m.receipt, "late", NULL), MQ_STALE, "mq_nack after the ack",
                  "the delivery was already acknowledged");
    expect_counts(q, 0, 0, 0, 0, "a stale nack must not dead-letter or bring back anything");
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, open_refuses_a_cap_below_the_base_and_negative_times)
{
    mq_queue *q = NULL;
    mq_config cfg = { .capacity = 4, .backoff_base = WB_SEC, .backoff_cap = WB_MSEC };
    expect_status(mq_open(&cfg, &q), MQ_INVALID, "mq_open(base 1 s, cap 1 ms)",
                  "the cap must be at least the base");
    cfg = (mq_config){ .capacity = 4, .backoff_base = WB_SEC };
    expect_status(mq_open(&cfg, &q), MQ_INVALID, "mq_open(base 1 s, cap 0)",
                  "the cap has no default: 0 is below the base, so the configuration is refused");
    cfg = (mq_config){ .capacity = 4, .visibility_timeout = -1 };
    expect_status(mq_open(&cfg, &q), MQ_INVALID, "mq_open(visibility_timeout -1)",
                  "a negative time makes no sense");
    cfg = (mq_config){ .capacity = 4, .backoff_base = -1, .backoff_cap = WB_SEC };
    expect_status(mq_open(&cfg, &q), MQ_INVALID, "mq_open(backoff_base -1)",
                  "a negative time makes no sense");
    cr_assert(q == NULL, "a refused mq_open stored a queue in *queue");
}

Test(level3, a_receipt_from_before_a_dead_lettering_is_stale_after_a_redrive)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    uint64_t id = send_text(q, "redriven");
    mq_message old = receive_text(q, "redriven", "it was sent");
    expect_status(mq_nack(q, old.receipt, "bug 123", NULL), MQ_DEAD_LETTERED, "the nack",
                  "max_receives 1");
    expect_status(mq_redrive(q, id), MQ_OK, "mq_redrive(its id)", "it is dead");
    mq_message now = receive_text(q, "redriven", "it was redriven");
    mq_status s = mq_ack(q, old.receipt);
    cr_assert(s == MQ_STALE,
              "mq_ack with the receipt of the delivery before the dead-lettering (receipt "
              "%llu) returned %s, expected MQ_STALE; the delivery after the redrive has receipt "
              "%llu. Both deliveries are number 1 (a redrive resets the receive count), so a "
              "receipt made of the id and the receive count repeats, and a slow consumer of the "
              "old delivery deletes the new one: name deliveries with a counter that never resets",
              (unsigned long long)old.receipt, status_name(s), (unsigned long long)now.receipt);
    ack(q, &now, "the delivery after the redrive is the one in flight");
    mq_message_free(&old);
    mq_message_free(&now);
    mq_close(q);
}

Test(level3, a_redriven_message_is_ready_from_its_redrive_behind_older_ready_ones)
{
    wb_manual_clock mc;
    mq_queue *q = retry_queue(1, 1, &mc);
    uint64_t id = send_text(q, "died first");
    mq_message m = receive_text(q, "died first", "it was sent");
    mq_nack(q, m.receipt, "bug", NULL);
    mq_message_free(&m);
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    send_text(q, "sent after the death");
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    expect_status(mq_redrive(q, id), MQ_OK, "mq_redrive(its id)", "it is dead");
    m = receive_text(q, "sent after the death",
                     "it has been ready for 10 s; the dead letter became ready only when it was "
                     "redriven (not when it was sent, nor when it died)");
    mq_message_free(&m);
    m = receive_text(q, "died first", "it was redriven after the other was sent");
    mq_message_free(&m);
    mq_close(q);
}

Test(level3, a_nack_that_dead_letters_draws_no_delay)
{
    int64_t want[2]; /* the first two draws of seed 2024, both for a first failure (ceiling base) */
    expected_delays(2024, BASE, BASE, 2, want);
    wb_manual_clock mc;
    mq_queue *q = retry_queue(2, 2024, &mc);
    send_text(q, "dies");
    int64_t first = receive_and_nack(q, "fail");
    wb_manual_clock_advance(&mc, first);
    mq_message m = receive_text(q, "dies", "its retry delay has passed");
    expect_status(mq_nack(q, m.receipt, "fail", NULL), MQ_DEAD_LETTERED, "the 2nd nack",
                  "max_receives 2");
    mq_message_free(&m);
    send_text(q, "retried");
    int64_t second = receive_and_nack(q, "fail");
    cr_assert(first == want[0] && second == want[1],
              "seed 2024: the delays were %lld ns (1st failure of \"dies\") and %lld ns (1st "
              "failure of \"retried\", after \"dies\" was dead-lettered); expected %lld and %lld "
              "ns, the first two draws of the generator. The nack that dead-lettered \"dies\" "
              "must not draw: the generator is drawn from once per nack that delays, never for "
              "a dead-lettering or a timeout",
              (long long)first, (long long)second, (long long)want[0], (long long)want[1]);
    mq_close(q);
}

Test(level3, a_timeout_dead_letters_at_its_deadline_not_when_it_is_noticed)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    cfg.max_receives = 1;
    cfg.visibility_timeout = 30 * WB_SEC;
    mq_queue *q = open_queue(&cfg);
    send_text(q, "nacked at 40 s");
    send_text(q, "timed out at 30 s");
    mq_message nacked = receive_text(q, "nacked at 40 s", "sent first");
    mq_message lost = receive_text(q, "timed out at 30 s", "sent second");
    expect_status(mq_extend(q, nacked.receipt, 100 * WB_SEC), MQ_OK, "mq_extend(100 s)",
                  "the delivery is in flight");
    wb_manual_clock_advance(&mc, 40 * WB_SEC);
    expect_status(mq_nack(q, nacked.receipt, "failed", NULL), MQ_DEAD_LETTERED, "the nack at 40 s",
                  "max_receives 1");
    mq_message d = { 0 };
    expect_status(mq_dead_peek(q, 0, &d), MQ_OK, "mq_dead_peek(0)", "two messages died");
    cr_assert(strcmp(d.body, "timed out at 30 s") == 0,
              "dead letter 0 is %s, expected \"timed out at 30 s\": its last delivery timed out "
              "at 30 s, 10 s before the other was nacked. A timeout dead-letters at its "
              "deadline, even when the queue first notices it later (here in the nack at 40 s)",
              wb_q(d.body));
    mq_message_free(&d);
    mq_message_free(&nacked);
    mq_message_free(&lost);
    mq_close(q);
}

struct full_sender {
    mq_queue *q;
    wb_manual_clock *mc;
    mq_status status;
    atomic_bool done;
};

static char *send_or_move_time(int t, void *ctx)
{
    struct full_sender *f = ctx;
    if (t == 0) {
        f->status = mq_send(f->q, "waited", 6, MQ_WAIT, NULL);
        atomic_store(&f->done, true);
        return NULL;
    }
    char *problem = await_blocked(f->q, 1, 0);
    if (problem != NULL)
        return problem;
    wb_manual_clock_advance(f->mc, 30 * WB_SEC); /* no ack, no nack: only time passes */
    /* A sender that re-reads the clock returns within one MQ_POLL_INTERVAL; give it 200. */
    int64_t give_up = wb_now(NULL) + 200 * MQ_POLL_INTERVAL;
    while (!atomic_load(&f->done) && wb_now(NULL) < give_up)
        sched_yield();
    if (atomic_load(&f->done))
        return NULL;
    mq_shutdown(f->q); /* so that the sender returns and the test can end */
    return wb_strdupf("the clock reached the deadline of the only delivery, its last allowed one, "
                      "so it was dead-lettered and made room; the sender blocked on the full "
                      "queue was still waiting 200 MQ_POLL_INTERVALs of real time later. A "
                      "blocked sender must re-read the clock at least every MQ_POLL_INTERVAL, as "
                      "a blocked receiver does: time alone can make room");
}

Test(level3, a_blocked_sender_notices_a_timeout_that_dead_letters_and_makes_room)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(1, &mc);
    cfg.max_receives = 1;
    cfg.visibility_timeout = 30 * WB_SEC;
    struct full_sender f = { .q = open_queue(&cfg), .mc = &mc };
    send_text(f.q, "crashes its consumer");
    mq_message m = receive_text(f.q, "crashes its consumer", "it was sent");
    wb_run_threads(2, send_or_move_time, &f,
                   "thread 0 sends (MQ_WAIT) to a full queue of capacity 1; thread 1 moves the "
                   "clock to the deadline of the only delivery, its last allowed one");
    expect_status(f.status, MQ_OK, "the blocked mq_send",
                  "the delivery's timeout dead-lettered the message while the sender waited, "
                  "which made room: a blocked sender re-reads the clock at least every "
                  "MQ_POLL_INTERVAL, as a blocked receiver does");
    expect_counts(f.q, 1, 0, 0, 1, "the timed-out message is dead, the waiting one was sent");
    mq_message_free(&m);
    mq_close(f.q);
}
