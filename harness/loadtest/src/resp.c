/*
 * resp.c: RESP2 replies parsed from a partial stream, and requests encoded
 * (resp.h).
 *
 * The parser keeps no state between calls: given the bytes received so far it
 * either finds one whole reply or says "not yet", and the caller calls again
 * from the same place once more bytes came. A reply is re-read from its first
 * byte each time, which costs little because replies to GET and SET are
 * small; it buys a parser that cannot be left half-way in a wrong state.
 */
#include "resp.h"

#include <string.h>

/* Where the parser is: buf[at .. len) is still to read. */
typedef struct cursor {
    const char *buf;
    size_t len;
    size_t at;
} cursor;

/* ---- lines and numbers ---- */

/*
 * After the last byte of a line's content: expects \r\n there. Only a \r
 * followed by \n ends a line, so a bare \n or a \r followed by anything else
 * is an error as soon as it is seen.
 */
static resp_status expect_crlf(cursor *c)
{
    if (c->at == c->len)
        return RESP_INCOMPLETE;
    if (c->buf[c->at] != '\r')
        return RESP_BAD_LINE_END;
    if (c->at + 1 == c->len)
        return RESP_INCOMPLETE;
    if (c->buf[c->at + 1] != '\n')
        return RESP_BAD_LINE_END;
    c->at += 2;
    return RESP_OK;
}

/* A status or error line: any bytes but \r and \n, then \r\n. Sets *text, *len. */
static resp_status read_line(cursor *c, const char **text, size_t *len)
{
    size_t start = c->at;
    while (c->at < c->len && c->buf[c->at] != '\r' && c->buf[c->at] != '\n')
        c->at++;
    size_t end = c->at;
    resp_status s = expect_crlf(c);
    if (s == RESP_OK) {
        *text = c->buf + start;
        *len = end - start;
    }
    return s;
}

/*
 * A decimal number from `min` to `max` (min >= INT64_MIN + 1 or exactly
 * INT64_MIN), then \r\n. Checked digit by digit, so "12a" or a value out of
 * range is refused before its line ends.
 */
static resp_status read_number(cursor *c, int64_t min, int64_t max, int64_t *value)
{
    int negative = c->at < c->len && c->buf[c->at] == '-';
    if (negative && min >= 0)
        return RESP_BAD_NUMBER;
    c->at += (size_t)negative;
    /* The largest magnitude allowed on this side of zero. */
    uint64_t limit = negative ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
    uint64_t magnitude = 0;
    size_t digits = 0;
    for (; c->at < c->len && c->buf[c->at] >= '0' && c->buf[c->at] <= '9'; c->at++, digits++) {
        uint64_t d = (uint64_t)(c->buf[c->at] - '0');
        if (d > limit || magnitude > (limit - d) / 10)
            return RESP_BAD_NUMBER;
        magnitude = magnitude * 10 + d;
    }
    if (c->at == c->len)
        return RESP_INCOMPLETE;
    if (digits == 0 || (negative && magnitude == 0))
        return RESP_BAD_NUMBER;
    if (c->buf[c->at] != '\r' && c->buf[c->at] != '\n')
        return RESP_BAD_NUMBER;
    resp_status s = expect_crlf(c);
    if (s == RESP_OK)
        *value = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return s;
}

/* ---- replies ---- */

static resp_status parse_reply(cursor *c, int depth, resp_reply *r);

/* $len\r\n bytes \r\n, or $-1\r\n. */
static resp_status parse_bulk(cursor *c, resp_reply *r)
{
    int64_t n;
    resp_status s = read_number(c, -1, RESP_MAX_BULK, &n);
    if (s != RESP_OK)
        return s;
    if (n == -1) {
        r->kind = RESP_NIL;
        return RESP_OK;
    }
    if (c->len - c->at < (size_t)n)
        return RESP_INCOMPLETE;
    r->kind = RESP_BULK;
    r->text = c->buf + c->at;
    r->len = (size_t)n;
    c->at += (size_t)n;
    return expect_crlf(c);
}

/* *count\r\n and that many replies, or *-1\r\n. */
static resp_status parse_array(cursor *c, int depth, resp_reply *r)
{
    if (depth >= RESP_MAX_DEPTH)
        return RESP_TOO_DEEP;
    int64_t n;
    resp_status s = read_number(c, -1, RESP_MAX_ELEMENTS, &n);
    if (s != RESP_OK)
        return s;
    r->kind = n == -1 ? RESP_NIL_ARRAY : RESP_ARRAY;
    r->integer = n == -1 ? 0 : n;
    for (int64_t i = 0; i < n; i++) {
        resp_reply element;
        s = parse_reply(c, depth + 1, &element);
        if (s != RESP_OK)
            return s;
    }
    return RESP_OK;
}

static resp_status parse_reply(cursor *c, int depth, resp_reply *r)
{
    *r = (resp_reply){ .kind = RESP_SIMPLE };
    if (c->at == c->len)
        return RESP_INCOMPLETE;
    char type = c->buf[c->at++];
    switch (type) {
    case '+':
    case '-':
        r->kind = type == '+' ? RESP_SIMPLE : RESP_ERROR;
        return read_line(c, &r->text, &r->len);
    case ':':
        r->kind = RESP_INTEGER;
        return read_number(c, INT64_MIN, INT64_MAX, &r->integer);
    case '$':
        return parse_bulk(c, r);
    case '*':
        return parse_array(c, depth, r);
    default:
        return RESP_BAD_TYPE;
    }
}

resp_status resp_parse(const char *buf, size_t len, resp_reply *reply, size_t *used)
{
    cursor c = { buf, len, 0 };
    resp_reply r;
    resp_status s = parse_reply(&c, 0, &r);
    if (s == RESP_OK) {
        *reply = r;
        *used = c.at;
    }
    return s;
}

const char *resp_kind_name(resp_kind kind)
{
    switch (kind) {
    case RESP_SIMPLE:
        return "a status (+)";
    case RESP_ERROR:
        return "an error (-)";
    case RESP_INTEGER:
        return "an integer (:)";
    case RESP_BULK:
        return "a bulk string ($)";
    case RESP_NIL:
        return "a nil ($-1)";
    case RESP_ARRAY:
        return "an array (*)";
    case RESP_NIL_ARRAY:
        return "a nil array (*-1)";
    }
    return "an unknown kind";
}

const char *resp_status_text(resp_status status)
{
    switch (status) {
    case RESP_OK:
        return "a whole reply";
    case RESP_INCOMPLETE:
        return "the beginning of a reply";
    case RESP_BAD_TYPE:
        return "a reply that does not start with + - : $ or *";
    case RESP_BAD_NUMBER:
        return "a length or an integer that is not a number in range";
    case RESP_BAD_LINE_END:
        return "a line that does not end with \\r\\n";
    case RESP_TOO_DEEP:
        return "arrays nested too deep";
    }
    return "an unknown status";
}

/* ---- requests ---- */

/* Writes "<prefix><n>\r\n" at out + at when it fits in cap; returns the new length. */
static size_t put_header(char *out, size_t cap, size_t at, char prefix, size_t n)
{
    char digits[24];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    size_t size = 1 + (sizeof digits - k) + 2;
    if (at + size <= cap) {
        out[at] = prefix;
        memcpy(out + at + 1, digits + k, sizeof digits - k);
        memcpy(out + at + size - 2, "\r\n", 2);
    }
    return at + size;
}

/* Encodes the request, writing only the pieces that fit in cap; returns its whole size. */
static size_t encode(char *out, size_t cap, int argc, const char *const *args, const size_t *lens)
{
    size_t at = put_header(out, cap, 0, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        at = put_header(out, cap, at, '$', lens[i]);
        if (at + lens[i] + 2 <= cap) {
            memcpy(out + at, args[i], lens[i]);
            memcpy(out + at + lens[i], "\r\n", 2);
        }
        at += lens[i] + 2;
    }
    return at;
}

size_t resp_encode(char *out, size_t cap, int argc, const char *const *args, const size_t *lens)
{
    size_t size = encode(NULL, 0, argc, args, lens); /* nothing fits in 0 bytes: only measures */
    if (out != NULL && size <= cap)
        encode(out, cap, argc, args, lens);
    return size;
}
