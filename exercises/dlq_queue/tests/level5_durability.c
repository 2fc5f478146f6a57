/*
 * Level 5, durability: with a log file the queue survives its process. A
 * reopened log holds every message in the state it had; a torn or damaged
 * tail is cut off, never returned as a message; a durable send is synced
 * before it returns; the log compacts. The crash test, which kills writer
 * processes, is in level5_crash.c. Logs live in a fresh mkdtemp folder each,
 * removed at the end. Run alone with `make test LEVEL=5`.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mq_test.h"

WB_LEVEL(5);

/* A configuration with a log at s->log, capacity 64, on a clock started at START. */
static mq_config logged(struct scratch *s, wb_manual_clock *mc)
{
    mq_config cfg = config_on(64, mc);
    cfg.log_path = s->log;
    cfg.visibility_timeout = 30 * WB_SEC;
    return cfg;
}

/* Receives every ready message and checks they are exactly want[0..n), in order; acks them. */
static void expect_drain(mq_queue *q, const char *const *want, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        char context[512];
        snprintf(context, sizeof context, "message %zu of %zu expected after reopening: %s", i + 1,
                 n, why);
        consume_text(q, want[i], context);
    }
    expect_empty(q, why);
}

#define LIST(...)                                                                                  \
    (const char *const[]){ __VA_ARGS__ },                                                          \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

Test(level5, a_reopened_log_holds_the_messages_sent_before_in_order)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    uint64_t ids[3] = { send_text(q, "first"), send_text(q, "second"), send_text(q, "third") };
    mq_close(q);
    cr_assert(file_size(s.log) > 0,
              "after three sends and mq_close, the log %s is %ld bytes: "
              "nothing was written to it",
              wb_q(s.log), file_size(s.log));

    q = open_queue(&cfg);
    const char *want[] = { "first", "second", "third" };
    for (int i = 0; i < 3; i++) {
        mq_message m = receive_text(q, want[i], "the queue was closed and reopened on its log");
        cr_assert(m.id == ids[i], "after reopening, %s has id %llu, expected %llu as before",
                  wb_q(want[i]), (unsigned long long)m.id, (unsigned long long)ids[i]);
        mq_message_free(&m);
    }
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, acknowledged_messages_stay_gone_after_a_reopen)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "a");
    send_text(q, "b");
    send_text(q, "c");
    consume_text(q, "a", "sent first");
    consume_text(q, "b", "sent second");
    mq_close(q);
    q = open_queue(&cfg);
    expect_drain(q, LIST("c"), "a and b were acknowledged before the close: only c is left");
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_message_in_flight_stays_in_flight_and_its_receipt_still_works)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "being processed");
    mq_message m = receive_text(q, "being processed", "it was sent");
    mq_close(q);
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    q = open_queue(&cfg);
    expect_counts(q, 0, 1, 0, 0,
                  "received 10 s ago with a 30 s timeout: still in flight after the "
                  "reopen (the consumer may be another process, still working)");
    expect_empty(q, "the only message is in flight");
    ack(q, &m, "the receipt of a delivery in flight works across a reopen");
    expect_counts(q, 0, 0, 0, 0, "it was acknowledged");
    mq_message_free(&m);
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_message_in_flight_keeps_its_deadline_and_count_across_a_reopen)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "abandoned");
    mq_message m = receive_text(q, "abandoned", "it was sent");
    mq_message_free(&m);
    mq_close(q);
    q = open_queue(&cfg);
    wb_manual_clock_advance(&mc, 30 * WB_SEC - 1);
    expect_empty(q, "its 30 s deadline is 1 ns away, reopened or not");
    wb_manual_clock_advance(&mc, 1);
    m = receive_text(q, "abandoned", "its deadline passed");
    cr_assert(m.receive_count == 2,
              "after a reopen the redelivery has receive_count %u, "
              "expected 2: the log keeps the count",
              m.receive_count);
    mq_message_free(&m);
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_delayed_message_keeps_its_delay_and_error_across_a_reopen)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.backoff_base = cfg.backoff_cap = 10 * WB_SEC;
    cfg.seed = 1;
    mq_queue *q = open_queue(&cfg);
    send_text(q, "retry later");
    mq_message m = receive_text(q, "retry later", "it was sent");
    int64_t delay = 0;
    expect_status(mq_nack(q, m.receipt, "timeout talking to bank", &delay), MQ_OK, "mq_nack",
                  "the delivery is in flight");
    mq_message_free(&m);
    mq_close(q);
    q = open_queue(&cfg);
    if (delay > 0) {
        wb_manual_clock_advance(&mc, delay - 1);
        expect_counts(q, 0, 0, 1, 0, "nacked with a delay that has 1 ns left, then reopened");
        wb_manual_clock_advance(&mc, 1);
    }
    m = receive_text(q, "retry later", "its retry delay has passed");
    cr_assert(m.receive_count == 2 && strcmp(m.last_error, "timeout talking to bank") == 0,
              "after a reopen the retry has receive_count %u and last_error %s, expected 2 and "
              "\"timeout talking to bank\"",
              m.receive_count, wb_q(m.last_error));
    mq_message_free(&m);
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, dead_letters_keep_their_history_across_a_reopen)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.max_receives = 1;
    mq_queue *q = open_queue(&cfg);
    uint64_t id = send_text(q, "poison");
    mq_message m = receive_text(q, "poison", "it was sent");
    expect_status(mq_nack(q, m.receipt, "boom", NULL), MQ_DEAD_LETTERED, "mq_nack",
                  "max_receives 1");
    mq_message_free(&m);
    mq_close(q);
    q = open_queue(&cfg);
    expect_counts(q, 0, 0, 0, 1, "one dead letter was in the log");
    mq_message dead = { 0 };
    expect_status(mq_dead_peek(q, 0, &dead), MQ_OK, "mq_dead_peek(0) after a reopen",
                  "the dead letter was in the log");
    cr_assert(dead.id == id && strcmp(dead.body, "poison") == 0 && dead.receive_count == 1 &&
                  strcmp(dead.last_error, "boom") == 0,
              "after a reopen the dead letter is id %llu %s with receive_count %u and last_error "
              "%s; expected id %llu \"poison\", 1, \"boom\"",
              (unsigned long long)dead.id, wb_q(dead.body), dead.receive_count,
              wb_q(dead.last_error), (unsigned long long)id);
    mq_message_free(&dead);
    expect_status(mq_redrive(q, id), MQ_OK, "mq_redrive after a reopen", "it is dead");
    mq_close(q);
    q = open_queue(&cfg);
    expect_drain(q, LIST("poison"), "it was redriven before the second close");
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, ids_continue_after_a_reopen_even_when_everything_was_acknowledged)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    for (int i = 0; i < 3; i++) {
        send_text(q, "x");
        consume_text(q, "x", "it was just sent");
    }
    expect_status(mq_compact(q), MQ_OK, "mq_compact", "the queue has a log");
    mq_close(q);
    q = open_queue(&cfg);
    uint64_t id = send_text(q, "y");
    cr_assert(id == 4,
              "the first send after reopening got id %llu, expected 4: ids 1-3 were "
              "given before (all acknowledged, and the log compacted), and an id is "
              "never given twice",
              (unsigned long long)id);
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_deduplication_key_survives_a_reopen)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.dedup_window = 60 * WB_SEC;
    mq_queue *q = open_queue(&cfg);
    uint64_t first = 0, again = 0;
    mq_send_dedup(q, "transfer-77", "move 5 EUR", 10, MQ_NOWAIT, &first);
    mq_close(q);
    wb_manual_clock_advance(&mc, 10 * WB_SEC);
    q = open_queue(&cfg);
    expect_status(mq_send_dedup(q, "transfer-77", "move 5 EUR", 10, MQ_NOWAIT, &again),
                  MQ_DUPLICATE, "mq_send_dedup of the same key after a reopen",
                  "a producer retries exactly when the queue crashed before answering: the key "
                  "must be in the log");
    cr_assert(again == first, "the duplicate reported id %llu, expected %llu",
              (unsigned long long)again, (unsigned long long)first);
    mq_close(q);
    scratch_remove(&s);
}

/* ---- damaged logs ---- */

/*
 * A log of m1..m4, then m5: returns its bytes, and where m5's records start.
 * The bytes are read while the queue is still open, right after m5's send
 * returned (every record is written before its call returns): mq_close may
 * write too (a last compaction, say), and the tests damage the log as a
 * crash right after the send would have left it.
 */
static unsigned char *five_message_log(struct scratch *s, wb_manual_clock *mc, size_t *len,
                                       size_t *m5_at)
{
    mq_config cfg = logged(s, mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "m1");
    send_text(q, "m2");
    send_text(q, "m3");
    send_text(q, "m4");
    *m5_at = (size_t)file_size(s->log);
    send_text(q, "m5: the last message, long enough to be cut in many places");
    unsigned char *bytes = file_read(s->log, len);
    mq_close(q);
    cr_assert(bytes != NULL && *len > *m5_at,
              "the log was %zu bytes before m5 was sent and %zu bytes after: a send must write "
              "its record to the log before it returns",
              *m5_at, *len);
    return bytes;
}

Test(level5, a_log_cut_inside_its_last_record_keeps_the_records_before_it)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    size_t len = 0, m5_at = 0;
    unsigned char *bytes = five_message_log(&s, &mc, &len, &m5_at);
    mq_config cfg = logged(&s, &mc);
    for (size_t cut = m5_at; cut < len; cut++) {
        file_write(s.log, bytes, cut); /* a crash in the middle of writing m5 */
        mq_queue *q = NULL;
        mq_status st = mq_open(&cfg, &q);
        cr_assert(st == MQ_OK,
                  "mq_open of the log cut at byte %zu (m5's records are bytes %zu to "
                  "%zu) returned %s, expected MQ_OK: a torn tail is cut off, not a "
                  "reason to refuse the log",
                  cut, m5_at, len, status_name(st));
        send_text(q, "after");
        mq_close(q);
        q = open_queue(&cfg);
        char why[256];
        snprintf(why, sizeof why,
                 "the log was cut at byte %zu, inside m5 (bytes %zu-%zu), then \"after\" was "
                 "sent; the torn m5 must be gone and \"after\" readable behind m4",
                 cut, m5_at, len);
        expect_drain(q, LIST("m1", "m2", "m3", "m4", "after"), why);
        mq_close(q);
    }
    free(bytes);
    scratch_remove(&s);
}

Test(level5, a_damaged_byte_in_the_last_record_never_reaches_a_consumer)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    size_t len = 0, m5_at = 0;
    unsigned char *bytes = five_message_log(&s, &mc, &len, &m5_at);
    const char *m5 = "m5: the last message, long enough to be cut in many places";
    mq_config cfg = logged(&s, &mc);
    for (size_t at = m5_at; at < len; at++) {
        bytes[at] ^= 0x5a; /* a bit flip on disk */
        file_write(s.log, bytes, len);
        bytes[at] ^= 0x5a;
        mq_queue *q = NULL;
        mq_status st = mq_open(&cfg, &q);
        cr_assert(st == MQ_OK,
                  "mq_open of the log with byte %zu damaged (inside m5, bytes "
                  "%zu-%zu) returned %s, expected MQ_OK: a damaged tail is cut off",
                  at, m5_at, len, status_name(st));
        char why[256];
        snprintf(why, sizeof why,
                 "only byte %zu of the log was damaged, inside m5's records (bytes %zu-%zu); "
                 "the records of m1-m4 end before byte %zu and are whole, so they must be kept",
                 at, m5_at, len, m5_at);
        const char *want[] = { "m1", "m2", "m3", "m4" };
        for (int i = 0; i < 4; i++)
            consume_text(q, want[i], why);
        mq_message m = { 0 };
        st = mq_receive(q, MQ_NOWAIT, &m);
        if (st == MQ_OK) {
            cr_assert(m.len == strlen(m5) && memcmp(m.body, m5, m.len) == 0,
                      "with byte %zu of the log damaged (inside m5's records, bytes %zu-%zu), a "
                      "consumer received %s: a damaged record must be cut off, never delivered "
                      "(each record needs a checksum over all of it)",
                      at, m5_at, len, wb_qn(m.body, m.len));
            mq_message_free(&m);
        } else {
            expect_status(st, MQ_EMPTY, "mq_receive after m1-m4",
                          "m5 was damaged, so it is cut off");
        }
        mq_close(q);
    }
    free(bytes);
    scratch_remove(&s);
}

Test(level5, a_damaged_record_in_the_middle_cuts_off_everything_after_it)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "m1");
    size_t m2_at = (size_t)file_size(s.log);
    send_text(q, "m2, damaged on disk");
    size_t m2_end = (size_t)file_size(s.log);
    send_text(q, "m3");
    size_t len = 0;
    unsigned char *bytes = file_read(s.log, &len);
    mq_close(q);
    cr_assert(bytes != NULL && m2_end > m2_at && len > m2_end,
              "the log was %zu bytes after m1, %zu after m2 and %zu after m3: each send must "
              "write its record before it returns",
              m2_at, m2_end, len);
    for (size_t at = m2_at; at < m2_end; at++) {
        bytes[at] ^= 0x5a;
        file_write(s.log, bytes, len);
        bytes[at] ^= 0x5a;
        q = open_queue(&cfg);
        char why[300];
        snprintf(why, sizeof why,
                 "byte %zu of the log was damaged, inside m2's records (bytes %zu-%zu): m1 "
                 "before it is whole, but the damaged record and everything after it (m3 too) "
                 "is cut off, since the log is no longer a trustworthy history after it",
                 at, m2_at, m2_end);
        consume_text(q, "m1", why);
        expect_empty(q, why);
        mq_close(q);
    }
    free(bytes);
    scratch_remove(&s);
}

Test(level5, receipts_given_after_a_reopen_never_repeat_one_still_in_flight)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg);
    send_text(q, "a");
    send_text(q, "b");
    mq_message a = receive_text(q, "a", "sent first");
    mq_close(q);
    q = open_queue(&cfg);
    mq_message b = receive_text(q, "b", "a is still in flight after the reopen");
    cr_assert(a.receipt != b.receipt,
              "the delivery of \"a\" before the reopen and the delivery of \"b\" after it both "
              "have receipt %llu: a receipt names one delivery, and one issued before a reopen "
              "still works after it, so receipts given after a reopen must continue past every "
              "one the log holds",
              (unsigned long long)a.receipt);
    ack(q, &b, "b's delivery is in flight");
    ack(q, &a, "a's delivery from before the reopen is still in flight");
    expect_counts(q, 0, 0, 0, 0, "both were acknowledged");
    mq_message_free(&a);
    mq_message_free(&b);
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_file_that_is_not_a_log_is_refused_and_left_as_it_was)
{
    struct scratch s;
    scratch_make(&s);
    const char text[] = "name,amount\nalice,10\nbob,20\n";
    file_write(s.log, text, sizeof text - 1);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = NULL;
    expect_status(mq_open(&cfg, &q), MQ_CORRUPT, "mq_open on a CSV file",
                  "the file at log_path is something else: refuse it rather than cut it to "
                  "nothing");
    cr_assert(q == NULL, "a refused mq_open stored a queue in *queue");
    size_t len = 0;
    unsigned char *after = file_read(s.log, &len);
    cr_assert(len == sizeof text - 1 && memcmp(after, text, len) == 0,
              "mq_open changed a file it refused:\n%s",
              wb_bytes_diff(text, sizeof text - 1, after, len));
    free(after);
    scratch_remove(&s);
}

Test(level5, an_empty_file_or_a_missing_one_starts_an_empty_log)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    mq_queue *q = open_queue(&cfg); /* missing */
    expect_empty(q, "a new log holds nothing");
    mq_close(q);
    file_write(s.log, "", 0);
    q = open_queue(&cfg); /* empty */
    expect_empty(q, "an empty file is an empty log");
    send_text(q, "x");
    mq_close(q);
    q = open_queue(&cfg);
    expect_drain(q, LIST("x"), "it was sent to the log that started empty");
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, a_log_in_a_missing_folder_is_an_io_error)
{
    struct scratch s;
    scratch_make(&s);
    char path[400];
    snprintf(path, sizeof path, "%s/no/such/folder/queue.log", s.dir);
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    cfg.log_path = path;
    mq_queue *q = NULL;
    expect_status(mq_open(&cfg, &q), MQ_IO, "mq_open with a log in a folder that does not exist",
                  "the file cannot be created");
    cr_assert(q == NULL, "a refused mq_open stored a queue in *queue");
    scratch_remove(&s);
}

/* ---- syncs and power losses ---- */

/*
 * A sync_fn that keeps, at each sync of the log file itself, the whole file
 * as it is: the disk after a power loss holds at least that. A sync of
 * another descriptor (the folder, after a rename) keeps nothing new. The test
 * does not fsync for real: it only needs to know when the queue asked for it.
 */
struct disk {
    const char *path;
    unsigned char *image; /* the log as of the last sync (NULL: never synced) */
    size_t len;
    int syncs;
    bool failing; /* make every sync fail, as a dying disk does */
};

static int keep_image(int fd, void *ctx)
{
    struct disk *d = ctx;
    if (d->failing)
        return -1;
    struct stat synced, log;
    if (fstat(fd, &synced) != 0 || stat(d->path, &log) != 0 || synced.st_ino != log.st_ino ||
        synced.st_dev != log.st_dev)
        return 0; /* not the log file */
    free(d->image);
    d->image = file_read(d->path, &d->len);
    d->syncs++;
    return 0;
}

/* Opens what a power loss would leave, and counts the messages in it; checks them against want. */
static size_t survivors(struct scratch *s, struct disk *d, const char *const *want, size_t n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/after-power-loss.log", s->dir);
    file_write(path, d->image, d->image != NULL ? d->len : 0);
    wb_manual_clock mc;
    mq_config cfg = config_on(64, &mc);
    cfg.log_path = path;
    mq_queue *q = open_queue(&cfg);
    size_t found = 0;
    mq_message m = { 0 };
    while (mq_receive(q, MQ_NOWAIT, &m) == MQ_OK) {
        cr_assert(found < n && m.len == strlen(want[found]) &&
                      memcmp(m.body, want[found], m.len) == 0,
                  "after a simulated power loss, message %zu is %s, expected %s", found + 1,
                  wb_qn(m.body, m.len), found < n ? wb_q(want[found]) : "nothing more");
        found++;
        mq_message_free(&m);
    }
    mq_close(q);
    unlink(path);
    return found;
}

Test(level5, a_durable_send_is_on_disk_before_it_returns)
{
    struct scratch s;
    scratch_make(&s);
    struct disk d = { .path = s.log };
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.sync = MQ_SYNC_SENDS;
    cfg.sync_fn = keep_image;
    cfg.sync_ctx = &d;
    mq_queue *q = open_queue(&cfg);
    const char *bodies[] = { "one", "two", "three", "four", "five", "six" };
    for (size_t i = 0; i < 6; i++) {
        send_text(q, bodies[i]);
        size_t found = survivors(&s, &d, bodies, i + 1);
        cr_assert(found == i + 1,
                  "mq_send(%s) returned MQ_OK with MQ_SYNC_SENDS, but the log as it was at the "
                  "last sync (%d syncs so far) holds only %zu of the %zu messages sent: a power "
                  "loss now would lose a send that reported success. Write the record, then "
                  "call sync_fn, then return",
                  wb_q(bodies[i]), d.syncs, found, i + 1);
    }
    mq_close(q);
    free(d.image);
    scratch_remove(&s);
}

Test(level5, a_failed_sync_fails_the_send_and_every_later_write_until_reopened)
{
    struct scratch s;
    scratch_make(&s);
    struct disk d = { .path = s.log };
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.sync = MQ_SYNC_SENDS;
    cfg.sync_fn = keep_image;
    cfg.sync_ctx = &d;
    mq_queue *q = open_queue(&cfg);
    send_text(q, "safe 1");
    send_text(q, "safe 2");
    d.failing = true;
    expect_status(mq_send(q, "doomed", 6, MQ_NOWAIT, NULL), MQ_IO, "mq_send while sync_fn fails",
                  "the send could not be made durable, so it must not report success");
    d.failing = false;
    expect_status(mq_send(q, "later", 5, MQ_NOWAIT, NULL), MQ_IO,
                  "mq_send after a failed sync, with sync_fn working again",
                  "after a failed fsync the kernel may have dropped the unsynced pages: the queue "
                  "cannot know what the file holds, so it refuses to write until it is reopened");
    mq_close(q);
    cfg.sync_fn = NULL; /* reopen with plain fsync */
    q = open_queue(&cfg);
    consume_text(q, "safe 1", "it was synced before the failure");
    consume_text(q, "safe 2", "it was synced before the failure");
    mq_message m = { 0 };
    mq_status st = mq_receive(q, MQ_NOWAIT, &m);
    if (st == MQ_OK) { /* at-least-once: the failed send's record may have reached the file */
        cr_assert(strcmp(m.body, "doomed") == 0,
                  "after reopening, a third message %s turned up; only \"doomed\" (whose send "
                  "failed) may, since \"later\" was refused",
                  wb_q(m.body));
        mq_message_free(&m);
    }
    mq_close(q);
    free(d.image);
    scratch_remove(&s);
}

/*
 * A slow disk for group commit: once armed (after mq_open, which may sync
 * too), its first sync of the log lasts until another record is appended (or
 * 500 ms pass), and a sync covers what the file held when it began, as an
 * fsync does. durable is the most any finished sync covered.
 */
struct slow_disk {
    struct scratch *s;
    mq_queue *q;
    atomic_bool armed;
    atomic_int syncs; /* syncs of the log file begun since it was armed */
    atomic_long durable;
    mq_status first, second;
    long size_after, durable_after; /* when the second send returned */
};

static int slow_first_sync(int fd, void *ctx)
{
    struct slow_disk *d = ctx;
    struct stat began, log;
    if (fstat(fd, &began) != 0 || stat(d->s->log, &log) != 0 || began.st_ino != log.st_ino ||
        began.st_dev != log.st_dev)
        return 0; /* not the log file */
    if (atomic_load(&d->armed) && atomic_fetch_add(&d->syncs, 1) == 0) {
        int64_t give_up = wb_now(NULL) + 500 * WB_MSEC;
        struct stat now;
        while (fstat(fd, &now) == 0 && now.st_size == began.st_size && wb_now(NULL) < give_up)
            nanosleep(&(struct timespec){ .tv_nsec = WB_MSEC }, NULL);
    }
    long covered = (long)began.st_size, seen = atomic_load(&d->durable);
    while (covered > seen && !atomic_compare_exchange_weak(&d->durable, &seen, covered))
        ;
    return 0;
}

static char *send_during_a_sync(int t, void *ctx)
{
    struct slow_disk *d = ctx;
    if (t == 0) {
        d->first = mq_send(d->q, "first", 5, MQ_NOWAIT, NULL);
        return NULL;
    }
    int64_t give_up = wb_now(NULL) + 5 * WB_SEC;
    while (atomic_load(&d->syncs) == 0 && wb_now(NULL) < give_up)
        nanosleep(&(struct timespec){ .tv_nsec = WB_MSEC }, NULL);
    if (atomic_load(&d->syncs) == 0)
        return wb_strdupf("mq_send(\"first\") with MQ_SYNC_SENDS never called sync_fn on the "
                          "log file within 5 s");
    d->second = mq_send(d->q, "second", 6, MQ_NOWAIT, NULL);
    d->durable_after = atomic_load(&d->durable);
    d->size_after = file_size(d->s->log);
    return NULL;
}

Test(level5, a_durable_send_appended_during_another_sync_waits_for_a_sync_that_covers_it)
{
    struct scratch s;
    scratch_make(&s);
    struct slow_disk d = { .s = &s };
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.sync = MQ_SYNC_SENDS;
    cfg.sync_fn = slow_first_sync;
    cfg.sync_ctx = &d;
    d.q = open_queue(&cfg);
    atomic_store(&d.armed, true);
    wb_run_threads(2, send_during_a_sync, &d,
                   "thread 0 sends \"first\" with MQ_SYNC_SENDS, on a disk whose first sync is "
                   "slow; thread 1 sends \"second\" while that sync runs");
    expect_status(d.first, MQ_OK, "mq_send(\"first\")", "the disk works, only slowly");
    expect_status(d.second, MQ_OK, "mq_send(\"second\")", "the disk works, only slowly");
    cr_assert(d.durable_after >= d.size_after,
              "mq_send(\"second\") returned MQ_OK when the syncs that had finished covered %ld "
              "of the log's %ld bytes: its record was appended while the first send's sync was "
              "running, so that sync does not cover it. A send that joins a group commit late "
              "must wait for a sync that began after its record was written",
              d.durable_after, d.size_after);
    mq_close(d.q);
    scratch_remove(&s);
}

/* ---- compaction ---- */

Test(level5, a_log_of_acknowledged_messages_stays_under_compact_bytes)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.compact_bytes = 8192;
    mq_queue *q = open_queue(&cfg);
    char body[101];
    memset(body, 'b', 100);
    body[100] = '\0';
    long largest = 0;
    for (int i = 0; i < 400; i++) {
        send_text(q, body);
        long after_send = file_size(s.log);
        consume_text(q, body, "it was just sent");
        long after_ack = file_size(s.log);
        largest = after_send > largest ? after_send : largest;
        largest = after_ack > largest ? after_ack : largest;
    }
    cr_assert(largest <= 8192,
              "400 messages of 100 bytes were sent and acknowledged one at a time with "
              "compact_bytes 8192; the log reached %ld bytes: when an append takes it past its "
              "limit, the call must rewrite it with only the live state (here, nothing)",
              largest);
    mq_close(q);
    q = open_queue(&cfg);
    expect_empty(q, "every message was acknowledged before the close");
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, compaction_keeps_every_live_message_in_its_state)
{
    struct scratch s;
    scratch_make(&s);
    wb_manual_clock mc;
    mq_config cfg = logged(&s, &mc);
    cfg.max_receives = 2;
    cfg.backoff_base = cfg.backoff_cap = 100 * WB_SEC;
    cfg.dedup_window = 600 * WB_SEC;
    mq_queue *q = open_queue(&cfg);
    for (int i = 0; i < 50; i++) { /* history that compaction drops */
        send_text(q, "churn");
        consume_text(q, "churn", "it was just sent");
    }
    uint64_t dead_id = send_text(q, "dead");
    mq_message m = receive_text(q, "dead", "sent first of the live ones");
    mq_nack(q, m.receipt, "first", NULL);
    mq_message_free(&m);
    wb_manual_clock_advance(&mc, 100 * WB_SEC);
    m = receive_text(q, "dead", "its delay passed");
    expect_status(mq_nack(q, m.receipt, "second", NULL), MQ_DEAD_LETTERED, "the 2nd nack",
                  "max_receives 2");
    mq_message_free(&m);
    send_text(q, "in flight");
    mq_message flying = receive_text(q, "in flight", "it was sent");
    send_text(q, "delayed");
    m = receive_text(q, "delayed", "it was sent");
    int64_t delay = 0;
    mq_nack(q, m.receipt, "later", &delay);
    mq_message_free(&m);
    mq_send_dedup(q, "key-1", "ready", 5, MQ_NOWAIT, NULL);

    long before = file_size(s.log);
    expect_status(mq_compact(q), MQ_OK, "mq_compact", "the queue has a log");
    long after = file_size(s.log);
    cr_assert(after < before,
              "mq_compact left the log at %ld bytes, it was %ld: 50 acknowledged "
              "messages should have been dropped",
              after, before);
    mq_close(q);

    q = open_queue(&cfg);
    expect_counts(q, delay > 0 ? 1 : 2, 1, delay > 0 ? 1 : 0, 1,
                  "after a compaction and a reopen: \"ready\" ready, \"in flight\" in flight, "
                  "\"delayed\" delayed (unless its delay was 0), \"dead\" dead");
    consume_text(q, "ready", "it was the only ready message");
    ack(q, &flying, "its delivery was in flight when the log was compacted");
    mq_message_free(&flying);
    mq_message dead = { 0 };
    mq_dead_peek(q, 0, &dead);
    cr_assert(dead.id == dead_id && dead.receive_count == 2 &&
                  strcmp(dead.last_error, "second") == 0,
              "after compaction the dead letter is id %llu with receive_count %u and "
              "last_error %s; expected id %llu, 2, \"second\"",
              (unsigned long long)dead.id, dead.receive_count, wb_q(dead.last_error),
              (unsigned long long)dead_id);
    mq_message_free(&dead);
    expect_status(mq_send_dedup(q, "key-1", "ready", 5, MQ_NOWAIT, NULL), MQ_DUPLICATE,
                  "mq_send_dedup(\"key-1\") after compaction",
                  "a key inside its window must survive the rewrite, even once its message is "
                  "acknowledged");
    mq_close(q);
    scratch_remove(&s);
}

Test(level5, compact_without_a_log_is_invalid)
{
    wb_manual_clock mc;
    mq_config cfg = config_on(4, &mc);
    mq_queue *q = open_queue(&cfg);
    expect_status(mq_compact(q), MQ_INVALID, "mq_compact of a queue without a log",
                  "there is no log to rewrite");
    expect_status(mq_compact(NULL), MQ_INVALID, "mq_compact(NULL)", "there is no queue");
    mq_close(q);
}
