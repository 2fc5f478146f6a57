/*
 * Level 2, RESP: every kind of RESP2 reply parsed, from whatever part of the
 * stream has arrived (every split point), malformed replies refused with
 * their reason, and requests encoded as multibulk. Run alone with
 * `make loadtest-test LEVEL=2`.
 */
#include <stdlib.h>
#include <string.h>

#include "lt_test.h"

WB_LEVEL(2);

/* A reply and what resp_parse must make of it. */
typedef struct sample {
    const char *bytes;
    size_t len;
    resp_kind kind;
    const char *text; /* SIMPLE, ERROR, BULK */
    size_t text_len;
    int64_t integer; /* INTEGER, ARRAY */
} sample;

#define S(lit) lit, sizeof(lit) - 1
static const sample samples[] = {
    { S("+OK\r\n"), RESP_SIMPLE, S("OK"), 0 },
    { S("+\r\n"), RESP_SIMPLE, S(""), 0 },
    { S("-ERR unknown command 'FOO'\r\n"), RESP_ERROR, S("ERR unknown command 'FOO'"), 0 },
    { S(":0\r\n"), RESP_INTEGER, NULL, 0, 0 },
    { S(":-42\r\n"), RESP_INTEGER, NULL, 0, -42 },
    { S(":9223372036854775807\r\n"), RESP_INTEGER, NULL, 0, INT64_MAX },
    { S(":-9223372036854775808\r\n"), RESP_INTEGER, NULL, 0, INT64_MIN },
    { S("$5\r\nhello\r\n"), RESP_BULK, S("hello"), 0 },
    { S("$0\r\n\r\n"), RESP_BULK, S(""), 0 },
    { S("$7\r\na\r\nb\0c\n\r\n"), RESP_BULK, S("a\r\nb\0c\n"), 0 },
    { S("$-1\r\n"), RESP_NIL, NULL, 0, 0 },
    { S("*0\r\n"), RESP_ARRAY, NULL, 0, 0 },
    { S("*-1\r\n"), RESP_NIL_ARRAY, NULL, 0, 0 },
    { S("*3\r\n$3\r\nfoo\r\n:1\r\n$-1\r\n"), RESP_ARRAY, NULL, 0, 3 },
    { S("*2\r\n*1\r\n+a\r\n*0\r\n"), RESP_ARRAY, NULL, 0, 2 },
};
enum { SAMPLES = sizeof samples / sizeof samples[0] };

/* The reply must be the sample's, and `used` its length. */
static void expect_sample(const sample *want, resp_status s, const resp_reply *r, size_t used,
                          const char *why)
{
    const char *shown = wb_qn(want->bytes, want->len);
    cr_assert(s == RESP_OK, "resp_parse(%s) returned %s, expected RESP_OK: %s", shown,
              resp_status_name(s), why);
    cr_assert(r->kind == want->kind, "resp_parse(%s) gave %s, expected %s: %s", shown,
              resp_kind_name(r->kind), resp_kind_name(want->kind), why);
    cr_assert(used == want->len, "resp_parse(%s) used %zu bytes, expected all %zu: %s", shown, used,
              want->len, why);
    if (want->text != NULL)
        cr_assert(r->len == want->text_len && memcmp(r->text, want->text, r->len) == 0,
                  "resp_parse(%s) gave the text %s, expected %s: %s", shown, wb_qn(r->text, r->len),
                  wb_qn(want->text, want->text_len), why);
    if (want->kind == RESP_INTEGER || want->kind == RESP_ARRAY)
        cr_assert(r->integer == want->integer, "resp_parse(%s) gave %lld, expected %lld: %s", shown,
                  (long long)r->integer, (long long)want->integer, why);
}

/* resp_parse on a copy of bytes in a buffer of exactly len bytes, so that a read past it
 * is caught by AddressSanitizer and valgrind. */
static resp_status parse_exact(const char *bytes, size_t len, resp_reply *r, size_t *used)
{
    char *copy = malloc(len > 0 ? len : 1);
    cr_assert(copy != NULL, "the test ran out of memory");
    memcpy(copy, bytes, len);
    resp_status s = resp_parse(copy, len, r, used);
    if (s == RESP_OK && r->text != NULL) /* point into the caller's bytes, not the freed copy */
        r->text = bytes + (r->text - copy);
    free(copy);
    return s;
}

Test(level2, each_kind_of_reply_is_parsed)
{
    for (int i = 0; i < SAMPLES; i++) {
        resp_reply r;
        size_t used = 0;
        resp_status s = parse_exact(samples[i].bytes, samples[i].len, &r, &used);
        expect_sample(&samples[i], s, &r, used, "one whole reply, alone in the buffer");
    }
}

Test(level2, every_beginning_of_a_reply_is_incomplete)
{
    for (int i = 0; i < SAMPLES; i++) {
        for (size_t k = 0; k < samples[i].len; k++) {
            resp_reply r = { .kind = RESP_ARRAY, .integer = 99 };
            size_t used = 12345;
            resp_status s = parse_exact(samples[i].bytes, k, &r, &used);
            cr_assert(s == RESP_INCOMPLETE && used == 12345 && r.integer == 99,
                      "resp_parse of the first %zu of the %zu bytes of %s returned %s (used %zu); "
                      "expected RESP_INCOMPLETE with nothing written: a reply split by the "
                      "network must wait for the rest, not fail",
                      k, samples[i].len, wb_qn(samples[i].bytes, samples[i].len),
                      resp_status_name(s), used);
        }
    }
}

/* The samples, one after the other, as one stream. */
static size_t all_samples(char *out, size_t cap)
{
    size_t len = 0;
    for (int i = 0; i < SAMPLES; i++) {
        cr_assert(len + samples[i].len <= cap, "the test's stream buffer is too small");
        memcpy(out + len, samples[i].bytes, samples[i].len);
        len += samples[i].len;
    }
    return len;
}

/*
 * A reader's loop: the stream arrives in pieces of `step` bytes (the first of
 * `first` bytes); after each piece every whole reply is parsed, the rest kept.
 * Every sample must come out, in order.
 */
static void feed_in_pieces(const char *stream, size_t len, size_t first, size_t step)
{
    char buf[512];
    size_t have = 0, arrived = 0, at = 0;
    int next = 0, pieces = 0;
    while (arrived < len) {
        size_t piece = pieces++ == 0 ? first : step;
        piece = piece > len - arrived ? len - arrived : piece;
        memcpy(buf + have, stream + arrived, piece);
        have += piece;
        arrived += piece;
        for (;;) {
            resp_reply r;
            size_t used;
            resp_status s = parse_exact(buf + at, have - at, &r, &used);
            if (s == RESP_INCOMPLETE)
                break;
            char why[160];
            snprintf(why, sizeof why,
                     "reply %d of a stream that arrived as %zu bytes, then %zu at a "
                     "time",
                     next + 1, first, step);
            cr_assert(next < SAMPLES, "more replies than were sent: %s", why);
            expect_sample(&samples[next++], s, &r, used, why);
            at += used;
        }
    }
    cr_assert(next == SAMPLES && at == len,
              "the stream arrived as %zu bytes, then %zu at a time: %d of the %d replies came out "
              "and %zu of %zu bytes were used; expected all of them",
              first, step, next, SAMPLES, at, len);
}

Test(level2, a_stream_split_at_any_byte_gives_the_same_replies)
{
    char stream[512];
    size_t len = all_samples(stream, sizeof stream);
    for (size_t split = 0; split <= len; split++)
        feed_in_pieces(stream, len, split, len);
}

Test(level2, a_stream_read_one_byte_at_a_time_gives_the_same_replies)
{
    char stream[512];
    size_t len = all_samples(stream, sizeof stream);
    feed_in_pieces(stream, len, 1, 1);
    feed_in_pieces(stream, len, 3, 7);
}

Test(level2, pipelined_replies_in_one_buffer_come_out_one_at_a_time)
{
    const char stream[] = "+OK\r\n$-1\r\n$3\r\nabc\r\n";
    resp_reply r;
    size_t used, at = 0;
    const resp_kind kinds[] = { RESP_SIMPLE, RESP_NIL, RESP_BULK };
    const size_t sizes[] = { 5, 5, 9 };
    for (int i = 0; i < 3; i++) {
        resp_status s = resp_parse(stream + at, sizeof stream - 1 - at, &r, &used);
        cr_assert(s == RESP_OK && r.kind == kinds[i] && used == sizes[i],
                  "reply %d of %s: status %s, %s, %zu bytes; expected RESP_OK, %s, %zu bytes: "
                  "each call takes exactly one reply and leaves the next",
                  i + 1, wb_q(stream), resp_status_name(s), resp_kind_name(r.kind), used,
                  resp_kind_name(kinds[i]), sizes[i]);
        at += used;
    }
}

/* Malformed replies and the reason resp_parse must give. */
typedef struct bad_sample {
    const char *bytes;
    size_t len;
    resp_status want;
    const char *what;
} bad_sample;

static const bad_sample bad_samples[] = {
    { S("OK\r\n"), RESP_BAD_TYPE, "a text-protocol reply, without RESP's +" },
    { S("?\r\n"), RESP_BAD_TYPE, "an unknown type byte" },
    { S("\r\n"), RESP_BAD_TYPE, "an empty line" },
    { S("+OK\n"), RESP_BAD_LINE_END, "a status ending in \\n alone" },
    { S("+OK\rX"), RESP_BAD_LINE_END, "a \\r not followed by \\n" },
    { S(":12a\r\n"), RESP_BAD_NUMBER, "an integer with a letter" },
    { S(":\r\n"), RESP_BAD_NUMBER, "an integer with no digits" },
    { S(":9223372036854775808\r\n"), RESP_BAD_NUMBER, "an integer past INT64_MAX" },
    { S(":--1\r\n"), RESP_BAD_NUMBER, "two minus signs" },
    { S("$x\r\n"), RESP_BAD_NUMBER, "a bulk length that is not a number" },
    { S("$-2\r\n"), RESP_BAD_NUMBER, "a negative bulk length other than -1" },
    { S("$536870913\r\n"), RESP_BAD_NUMBER, "a bulk longer than 512 MiB" },
    { S("$3\r\nabcXY"), RESP_BAD_LINE_END, "bulk data not followed by \\r\\n" },
    { S("$3\r\nabc\n"), RESP_BAD_LINE_END, "bulk data followed by \\n alone" },
    { S("*x\r\n"), RESP_BAD_NUMBER, "an array count that is not a number" },
    { S("*-2\r\n"), RESP_BAD_NUMBER, "a negative array count other than -1" },
    { S("*2\r\n+a\r\n?\r\n"), RESP_BAD_TYPE, "an array whose second element is malformed" },
};

Test(level2, malformed_replies_are_refused_with_their_reason)
{
    for (size_t i = 0; i < sizeof bad_samples / sizeof bad_samples[0]; i++) {
        const bad_sample *b = &bad_samples[i];
        resp_reply r = { .kind = RESP_ARRAY, .integer = 99 };
        size_t used = 12345;
        resp_status s = parse_exact(b->bytes, b->len, &r, &used);
        cr_assert(s == b->want && used == 12345 && r.integer == 99,
                  "resp_parse(%s), %s, returned %s (used %zu); expected %s with nothing written",
                  wb_qn(b->bytes, b->len), b->what, resp_status_name(s), used,
                  resp_status_name(b->want));
    }
}

Test(level2, a_bad_number_is_refused_before_its_line_ends)
{
    const char *early[] = { "$1a", ":-x", "*--", "$-2" };
    for (int i = 0; i < 4; i++) {
        resp_reply r;
        size_t used;
        resp_status s = parse_exact(early[i], strlen(early[i]), &r, &used);
        cr_assert(s == RESP_BAD_NUMBER,
                  "resp_parse(%s) returned %s, expected RESP_BAD_NUMBER at once: waiting for a "
                  "\\r\\n that cannot make it valid would hang until the timeout",
                  wb_q(early[i]), resp_status_name(s));
    }
}

/* n arrays, each the only element of the one before, around :1. */
static size_t nested(char *out, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(out + len, "*1\r\n");
    return len + (size_t)sprintf(out + len, ":1\r\n");
}

Test(level2, arrays_nest_up_to_the_limit_and_no_deeper)
{
    char buf[4 * (RESP_MAX_DEPTH + 2) + 8];
    resp_reply r;
    size_t used, len = nested(buf, RESP_MAX_DEPTH);
    resp_status s = resp_parse(buf, len, &r, &used);
    cr_assert(s == RESP_OK && used == len,
              "%d nested arrays returned %s, expected RESP_OK: that deep is allowed",
              RESP_MAX_DEPTH, resp_status_name(s));
    len = nested(buf, RESP_MAX_DEPTH + 1);
    s = resp_parse(buf, len, &r, &used);
    cr_assert(s == RESP_TOO_DEEP, "%d nested arrays returned %s, expected RESP_TOO_DEEP",
              RESP_MAX_DEPTH + 1, resp_status_name(s));
}

Test(level2, requests_are_encoded_as_multibulk)
{
    const char *args[] = { "SET", "key:1", "a\r\n\0b" };
    const size_t lens[] = { 3, 5, 5 };
    const char want[] = "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$5\r\na\r\n\0b\r\n";
    char out[64];
    size_t n = resp_encode(out, sizeof out, 3, args, lens);
    cr_assert(n == sizeof want - 1 && memcmp(out, want, n) == 0,
              "SET key:1 with a value holding \\r\\n and a NUL was encoded as\n%s",
              wb_bytes_diff(want, sizeof want - 1, out, n));
}

Test(level2, encode_measures_and_writes_nothing_when_the_request_does_not_fit)
{
    const char *args[] = { "GET", "k" };
    const size_t lens[] = { 3, 1 };
    char out[10];
    memset(out, '#', sizeof out);
    size_t n = resp_encode(out, sizeof out, 2, args, lens);
    cr_assert(n == 20, "resp_encode(GET k) returned %zu, expected 20, the request's size", n);
    for (size_t i = 0; i < sizeof out; i++)
        cr_assert(out[i] == '#',
                  "resp_encode into a 10-byte buffer wrote %s; a request that "
                  "does not fit must not be written at all",
                  wb_qn(out, sizeof out));
}

Test(level2, keys_are_named_as_redis_benchmark_names_them)
{
    const uint64_t numbers[] = { 0, 42, 999999999999 };
    const char *want[] = { "key:000000000000", "key:000000000042", "key:999999999999" };
    for (int i = 0; i < 3; i++) {
        char key[LT_KEY_LEN];
        lt_key(key, numbers[i]);
        cr_assert(memcmp(key, want[i], LT_KEY_LEN) == 0,
                  "lt_key(%llu) wrote %s, expected %s: the same keys as redis-benchmark -r, so "
                  "the two load the same data",
                  (unsigned long long)numbers[i], wb_qn(key, LT_KEY_LEN), wb_q(want[i]));
    }
}
