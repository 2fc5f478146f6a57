/*
 * Level 4, idempotency: a message sent twice with the same deduplication key
 * inside the window is accepted once and delivered once; the consumer's
 * helper, mq_once, processes each message id at most once, with memory
 * bounded by its window. Run alone with `make test LEVEL=4`.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "mq_test.h"

WB_LEVEL(4);

static const int64_t WINDOW = 60 * WB_SEC;

static mq_queue *dedup_queue(size_t capacity, wb_manual_clock *mc)
{
    mq_config cfg = config_on(capacity, mc);
    cfg.dedup_window = WINDOW;
    return open_queue(&cfg);
}

/* mq_send_dedup without waiting; returns the status and stores the id. */
static mq_status send_keyed(mq_queue *q, const char *key, const char *text, uint64_t *id)
{
    return mq_send_dedup(q, key, text, strlen(text), MQ_NOWAIT, id);
}

Test(level4, a_duplicate_inside_the_window_is_accepted_but_delivered_once)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    uint64_t first = 0, second = 0;
    expect_status(send_keyed(q, "payment-881", "charge 10 EUR", &first), MQ_OK,
                  "the first mq_send_dedup(\"payment-881\")", "the key is new");
    wb_manual_clock_advance(&mc, 5 * WB_SEC);
    expect_status(send_keyed(q, "payment-881", "charge 10 EUR", &second), MQ_DUPLICATE,
                  "the second mq_send_dedup(\"payment-881\"), 5 s later",
                  "a producer that timed out and retried must not charge the customer twice");
    cr_assert(second == first,
              "the duplicate reported id %llu, expected %llu, the id of the message it "
              "duplicates (the producer learns its send had gone through)",
              (unsigned long long)second, (unsigned long long)first);
    consume_text(q, "charge 10 EUR", "it was sent once");
    expect_empty(q, "the duplicate stored nothing");
    mq_close(q);
}

Test(level4, different_keys_are_different_messages)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    expect_status(send_keyed(q, "a", "one", NULL), MQ_OK, "mq_send_dedup(\"a\")", "a new key");
    expect_status(send_keyed(q, "ab", "two", NULL), MQ_OK, "mq_send_dedup(\"ab\")",
                  "\"ab\" is another key than \"a\"");
    expect_status(mq_send(q, "three", 5, MQ_NOWAIT, NULL), MQ_OK, "mq_send without a key",
                  "plain sends are never deduplicated");
    expect_status(mq_send(q, "three", 5, MQ_NOWAIT, NULL), MQ_OK, "the same plain send again",
                  "plain sends are never deduplicated");
    expect_counts(q, 4, 0, 0, 0, "two keyed and two plain messages were stored");
    mq_close(q);
}

Test(level4, the_window_runs_from_the_first_send)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    uint64_t first = 0, later = 0;
    send_keyed(q, "k", "v1", &first);
    wb_manual_clock_advance(&mc, WINDOW - 1);
    expect_status(send_keyed(q, "k", "v2", NULL), MQ_DUPLICATE,
                  "mq_send_dedup 1 ns before the "
                  "window ends",
                  "the 60 s window runs while now < first send + 60 s");
    wb_manual_clock_advance(&mc, 1);
    expect_status(send_keyed(q, "k", "v3", &later), MQ_OK, "mq_send_dedup exactly 60 s later",
                  "the window has passed: the key is forgotten and this is a new message");
    cr_assert(later > first, "the new message got id %llu, not above the first's %llu",
              (unsigned long long)later, (unsigned long long)first);
    mq_close(q);
}

Test(level4, a_duplicate_does_not_extend_the_window)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    send_keyed(q, "k", "v", NULL);
    wb_manual_clock_advance(&mc, 50 * WB_SEC);
    expect_status(send_keyed(q, "k", "v", NULL), MQ_DUPLICATE, "mq_send_dedup at 50 s",
                  "inside the window");
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    expect_status(send_keyed(q, "k", "v", NULL), MQ_OK, "mq_send_dedup at 60 s",
                  "the window runs from the first send only; the duplicate at 50 s did not "
                  "restart it (as in SQS FIFO queues)");
    mq_close(q);
}

Test(level4, the_key_is_remembered_after_the_message_is_acknowledged)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    send_keyed(q, "order-5", "ship it", NULL);
    consume_text(q, "ship it", "it was sent");
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    expect_status(send_keyed(q, "order-5", "ship it", NULL), MQ_DUPLICATE,
                  "mq_send_dedup of a key whose message was already processed",
                  "the window is about the key, not about the message still being queued: "
                  "otherwise a slow retry would ship the order twice");
    expect_empty(q, "the duplicate stored nothing");
    mq_close(q);
}

Test(level4, keys_past_their_window_are_forgotten_and_their_memory_freed)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(2000, &mc);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        expect_status(send_keyed(q, key, "x", NULL), MQ_OK, "mq_send_dedup of a new key",
                      "1000 different keys");
    }
    cr_assert(stats_of(q).dedup_keys == 1000,
              "after 1000 keyed sends, dedup_keys is %zu, "
              "expected 1000",
              stats_of(q).dedup_keys);
    wb_manual_clock_advance(&mc, WINDOW);
    cr_assert(stats_of(q).dedup_keys == 0,
              "the window of all 1000 keys has passed; dedup_keys is %zu, expected 0: it counts "
              "the keys within their window now, not those whose memory is yet to be freed",
              stats_of(q).dedup_keys);
    send_keyed(q, "one more", "x", NULL);
    mq_stats st = stats_of(q);
    cr_assert(st.dedup_keys == 1,
              "the window passed for 1000 keys and one new key was sent; dedup_keys is %zu, "
              "expected 1: keys past their window must be forgotten (by the next send at the "
              "latest), or the memory grows with every message ever sent",
              st.dedup_keys);
    mq_close(q);
}

Test(level4, a_duplicate_is_recognised_even_when_the_queue_is_full)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(1, &mc);
    uint64_t first = 0, id = 0;
    send_keyed(q, "k", "v", &first);
    expect_status(send_keyed(q, "k", "v", &id), MQ_DUPLICATE, "mq_send_dedup into a full queue",
                  "a duplicate stores nothing, so it needs no room: MQ_DUPLICATE, not MQ_FULL");
    cr_assert(id == first, "the duplicate reported id %llu, expected %llu", (unsigned long long)id,
              (unsigned long long)first);
    expect_status(mq_send_dedup(q, "k", "v", 1, MQ_WAIT, &id), MQ_DUPLICATE,
                  "mq_send_dedup(MQ_WAIT) into a full queue",
                  "a duplicate returns at once; it never blocks");
    mq_close(q);
}

Test(level4, a_send_refused_as_full_does_not_remember_its_key)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(1, &mc);
    send_text(q, "fills the queue");
    expect_status(send_keyed(q, "order-9", "ship it", NULL), MQ_FULL,
                  "mq_send_dedup(\"order-9\") into a full queue",
                  "the key is new, so it is a send, and the queue has no room");
    consume_text(q, "fills the queue", "it was the only message");
    uint64_t id = 0;
    mq_status s = send_keyed(q, "order-9", "ship it", &id);
    cr_assert(s == MQ_OK,
              "the producer's retry of mq_send_dedup(\"order-9\"), once there was room, "
              "returned %s (id %llu), expected MQ_OK: the first try was refused with MQ_FULL "
              "and stored nothing, so its key must not be remembered (check for room before "
              "remembering the key), or the order is never sent",
              status_name(s), (unsigned long long)id);
    consume_text(q, "ship it", "the retry stored it");
    mq_close(q);
}

Test(level4, the_dedup_window_defaults_to_five_minutes)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(8, &mc); /* dedup_window 0: MQ_DEFAULT_DEDUP_WINDOW */
    mq_queue *q = open_queue(&cfg);
    uint64_t first = 0, id = 0;
    expect_status(send_keyed(q, "k", "v", &first), MQ_OK, "the first mq_send_dedup(\"k\")",
                  "the key is new");
    wb_manual_clock_advance(&mc, MQ_DEFAULT_DEDUP_WINDOW - 1);
    expect_status(send_keyed(q, "k", "v", &id), MQ_DUPLICATE,
                  "mq_send_dedup(\"k\") 5 minutes - 1 ns later with dedup_window 0",
                  "a dedup_window of 0 means MQ_DEFAULT_DEDUP_WINDOW (5 minutes), not \"remember "
                  "nothing\"");
    wb_manual_clock_advance(&mc, 1);
    expect_status(send_keyed(q, "k", "v", &id), MQ_OK,
                  "mq_send_dedup(\"k\") exactly 5 minutes later with dedup_window 0",
                  "the default window is 5 minutes: the key is forgotten at its end");
    mq_close(q);
}

Test(level4, after_shutdown_even_a_duplicate_send_is_closed)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(4, &mc);
    send_keyed(q, "k", "v", NULL);
    mq_shutdown(q);
    expect_status(send_keyed(q, "k", "v", NULL), MQ_CLOSED,
                  "mq_send_dedup(\"k\") after mq_shutdown, \"k\" sent before it",
                  "after a shutdown every send returns MQ_CLOSED, whether or not its key is known: "
                  "the queue's state comes before MQ_DUPLICATE");
    expect_status(send_keyed(q, "new", "v", NULL), MQ_CLOSED,
                  "mq_send_dedup(\"new\") after mq_shutdown", "nothing more goes into the queue");
    mq_close(q);
}

Test(level4, bad_keys_are_refused_and_store_nothing)
{
    wb_manual_clock mc;
    mq_queue *q = dedup_queue(8, &mc);
    char long_key[MQ_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    expect_status(send_keyed(q, NULL, "v", NULL), MQ_INVALID, "mq_send_dedup(NULL key)",
                  "there is no key");
    expect_status(send_keyed(q, "", "v", NULL), MQ_INVALID, "mq_send_dedup(\"\")",
                  "a key has 1 to MQ_KEY_MAX bytes");
    expect_status(send_keyed(q, long_key, "v", NULL), MQ_INVALID,
                  "mq_send_dedup of a key of MQ_KEY_MAX + 1 bytes", "the key is too long");
    long_key[MQ_KEY_MAX] = '\0';
    expect_status(send_keyed(q, long_key, "v", NULL), MQ_OK,
                  "mq_send_dedup of a key of exactly MQ_KEY_MAX bytes", "the longest key allowed");
    expect_counts(q, 1, 0, 0, 0, "only the last send was valid");
    mq_close(q);
}

/* ---- many producers, one key ---- */

struct one_key {
    mq_queue *q;
    mq_status status[16];
    uint64_t id[16];
};

static char *send_same_key(int t, void *ctx)
{
    struct one_key *k = ctx;
    k->status[t] = mq_send_dedup(k->q, "the-key", "v", 1, MQ_NOWAIT, &k->id[t]);
    return NULL;
}

Test(level4, sixteen_threads_sending_one_key_store_one_message)
{
    wb_manual_clock mc;
    struct one_key k = { .q = dedup_queue(32, &mc) };
    wb_run_threads(16, send_same_key, &k, "16 threads sending with the same key at once");
    int stored = 0;
    uint64_t id = 0;
    for (int t = 0; t < 16; t++) {
        cr_assert(k.status[t] == MQ_OK || k.status[t] == MQ_DUPLICATE,
                  "thread %d's mq_send_dedup returned %s", t, status_name(k.status[t]));
        if (k.status[t] == MQ_OK)
            stored++, id = k.id[t];
    }
    cr_assert(stored == 1,
              "%d of 16 concurrent sends with one key got MQ_OK, expected exactly "
              "1: checking the key and storing it must be one step under the lock",
              stored);
    for (int t = 0; t < 16; t++)
        cr_assert(k.id[t] == id, "thread %d was told id %llu, the message stored is %llu", t,
                  (unsigned long long)k.id[t], (unsigned long long)id);
    expect_counts(k.q, 1, 0, 0, 0, "one message, whoever won");
    mq_close(k.q);
}

/* ---- the consumer's side: mq_once ---- */

static mq_once *new_once(int64_t window, wb_manual_clock *mc)
{
    wb_manual_clock_init(mc, START);
    mq_once *o = mq_once_create(window, &mc->clock);
    cr_assert(o != NULL, "mq_once_create(%lld ns) returned NULL", (long long)window);
    return o;
}

Test(level4, once_refuses_a_window_that_is_not_positive)
{
    wb_manual_clock mc;
    wb_manual_clock_init(&mc, START);
    mq_once *o = mq_once_create(0, &mc.clock);
    cr_assert(o == NULL, "mq_once_create(0) returned a helper, expected NULL");
    o = mq_once_create(-1, &mc.clock);
    cr_assert(o == NULL, "mq_once_create(-1) returned a helper, expected NULL");
    mq_once_destroy(NULL);
}

Test(level4, once_lets_an_id_be_processed_once)
{
    wb_manual_clock mc;
    mq_once *o = new_once(WINDOW, &mc);
    expect_status(mq_once_begin(o, 7), MQ_OK, "mq_once_begin(7)", "id 7 was never seen");
    expect_status(mq_once_begin(o, 7), MQ_DUPLICATE, "mq_once_begin(7) while it is processed",
                  "another consumer is processing id 7 right now");
    expect_status(mq_once_end(o, 7, true), MQ_OK, "mq_once_end(7, processed)", "id 7 was begun");
    expect_status(mq_once_begin(o, 7), MQ_DUPLICATE, "mq_once_begin(7) after it was processed",
                  "a redelivery of id 7 must be skipped: it was processed");
    expect_status(mq_once_begin(o, 8), MQ_OK, "mq_once_begin(8)", "id 8 is another message");
    mq_once_destroy(o);
}

Test(level4, once_forgets_a_failed_id_so_that_its_redelivery_is_processed)
{
    wb_manual_clock mc;
    mq_once *o = new_once(WINDOW, &mc);
    mq_once_begin(o, 7);
    expect_status(mq_once_end(o, 7, false), MQ_OK, "mq_once_end(7, not processed)",
                  "id 7 was begun");
    expect_status(mq_once_begin(o, 7), MQ_OK, "mq_once_begin(7) after a failure",
                  "the work failed, so the retry must do it: only success is remembered");
    cr_assert(mq_once_len(o) == 1, "mq_once_len is %zu, expected 1 (id 7, being processed)",
              mq_once_len(o));
    mq_once_destroy(o);
}

Test(level4, once_ending_an_id_that_was_not_begun_is_not_found)
{
    wb_manual_clock mc;
    mq_once *o = new_once(WINDOW, &mc);
    expect_status(mq_once_end(o, 9, true), MQ_NOT_FOUND, "mq_once_end(9) with no begin",
                  "id 9 is not being processed");
    mq_once_begin(o, 9);
    mq_once_end(o, 9, true);
    expect_status(mq_once_end(o, 9, true), MQ_NOT_FOUND, "a second mq_once_end(9)",
                  "id 9 is done, no longer being processed");
    cr_assert(mq_once_len(o) == 1, "mq_once_len is %zu, expected 1 (id 9, done)", mq_once_len(o));
    mq_once_destroy(o);
}

Test(level4, once_remembers_ids_for_the_window_then_forgets_them)
{
    wb_manual_clock mc;
    mq_once *o = new_once(WINDOW, &mc);
    for (uint64_t id = 1; id <= 500; id++) {
        mq_once_begin(o, id);
        mq_once_end(o, id, true);
    }
    cr_assert(mq_once_len(o) == 500,
              "mq_once_len is %zu after 500 ids were processed, "
              "expected 500",
              mq_once_len(o));
    wb_manual_clock_advance(&mc, WINDOW - 1);
    expect_status(mq_once_begin(o, 1), MQ_DUPLICATE, "mq_once_begin(1) 1 ns before the window ends",
                  "id 1 was processed less than 60 s ago");
    wb_manual_clock_advance(&mc, 1);
    cr_assert(mq_once_len(o) == 0,
              "the 60 s window passed for all 500 ids; mq_once_len is %zu, expected 0: the "
              "helper's memory is bounded by the window, not by every id ever seen",
              mq_once_len(o));
    expect_status(mq_once_begin(o, 1), MQ_OK, "mq_once_begin(1) after the window",
                  "id 1 was forgotten");
    mq_once_destroy(o);
}

struct claim_race {
    mq_once *once;
    atomic_int winners[100]; /* MQ_OK answers per id */
};

static char *claim_all(int t, void *ctx)
{
    struct claim_race *c = ctx;
    for (int i = 0; i < 100; i++) {
        uint64_t id = (uint64_t)((i + t * 13) % 100);
        mq_status s = mq_once_begin(c->once, id);
        if (s == MQ_OK) {
            atomic_fetch_add(&c->winners[id], 1);
            mq_once_end(c->once, id, true);
        } else if (s != MQ_DUPLICATE) {
            return wb_strdupf("mq_once_begin(%llu) returned %s", (unsigned long long)id,
                              status_name(s));
        }
    }
    return NULL;
}

Test(level4, once_gives_each_id_to_exactly_one_of_many_threads)
{
    wb_manual_clock mc;
    static struct claim_race c;
    c.once = new_once(WINDOW, &mc);
    wb_run_threads(8, claim_all, &c, "8 consumer threads claiming the same 100 ids");
    for (int id = 0; id < 100; id++) {
        int n = atomic_load(&c.winners[id]);
        cr_assert(n == 1, "id %d was claimed (MQ_OK) by %d threads, expected exactly 1", id, n);
    }
    mq_once_destroy(c.once);
}

Test(level4, a_consumer_whose_ack_was_lost_skips_the_redelivery)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    cfg.visibility_timeout = 30 * WB_SEC;
    mq_queue *q = open_queue(&cfg);
    mq_once *o = mq_once_create(10 * 60 * WB_SEC, &mc.clock);
    cr_assert(o != NULL, "mq_once_create(10 min) returned NULL");
    send_text(q, "send welcome email");
    int emails = 0;

    /* The first consumer processes the message, then dies before its ack. */
    mq_message m = receive_text(q, "send welcome email", "it was sent");
    if (mq_once_begin(o, m.id) == MQ_OK) {
        emails++;
        mq_once_end(o, m.id, true);
    }
    mq_message_free(&m);
    wb_manual_clock_advance(&mc, 30 * WB_SEC);

    /* The second consumer gets the redelivery. */
    m = receive_text(q, "send welcome email", "the first delivery timed out (its ack was lost)");
    mq_status s = mq_once_begin(o, m.id);
    if (s == MQ_OK) {
        emails++;
        mq_once_end(o, m.id, true);
    }
    ack(q, &m, "the second consumer acknowledges either way");
    cr_assert(emails == 1,
              "%d welcome emails were sent for one message delivered twice (mq_once_begin "
              "returned %s on the redelivery): at-least-once delivery plus an idempotent "
              "consumer is effectively once",
              emails, status_name(s));
    mq_message_free(&m);
    mq_once_destroy(o);
    mq_close(q);
}
