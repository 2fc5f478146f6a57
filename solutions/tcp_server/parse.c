/*
 * parse.c: the reference parser (level 1 of exercises/tcp_server/tcp_server.h).
 *
 * A pure function over a byte buffer: it never keeps state between calls, so
 * a server simply calls it again from the start of its input buffer when more
 * bytes arrive. That costs a second look at a command's header, never at its
 * bulk data: a multibulk parse skips over each bulk string by its declared
 * length, and a line parse is one memchr. Arguments are views into the
 * buffer, so nothing is copied or allocated.
 */
#include "tcp_server.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Fills cmd for an error; always returns KV_PARSE_ERROR. */
static kv_parse_status fail(kv_command *cmd, const char *message)
{
    cmd->used = 0;
    cmd->argc = 0;
    snprintf(cmd->error, sizeof cmd->error, "Protocol error: %s", message);
    return KV_PARSE_ERROR;
}

static kv_parse_status incomplete(kv_command *cmd)
{
    cmd->used = 0;
    cmd->argc = 0;
    return KV_PARSE_INCOMPLETE;
}

/* ---- lines: KV_TEXT, and KV_RESP's inline requests ------------------------ */

static bool is_separator(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Splits line[0 .. len-1] into arguments. In KV_TEXT the third argument is
 * the rest of the line, spaces included, so a text line has at most three.
 * Returns false if the line holds more than KV_MAX_ARGS arguments.
 */
static bool split_line(kv_protocol protocol, const char *line, size_t len, kv_command *cmd)
{
    size_t at = 0;
    while (at < len) {
        while (at < len && is_separator(line[at]))
            at++;
        if (at == len)
            break;
        if (cmd->argc == KV_MAX_ARGS)
            return false;
        size_t start = at;
        if (protocol == KV_TEXT && cmd->argc == 2)
            at = len; /* the value: the rest of the line */
        else
            while (at < len && !is_separator(line[at]))
                at++;
        cmd->argv[cmd->argc++] = (kv_arg){ line + start, at - start };
    }
    return true;
}

static kv_parse_status parse_line(kv_protocol protocol, const char *buf, size_t len,
                                  kv_command *cmd)
{
    /* Is there a "\n" within the longest line allowed? */
    size_t window = len < KV_MAX_INLINE + 1 ? len : KV_MAX_INLINE + 1;
    const char *newline = window > 0 ? memchr(buf, '\n', window) : NULL;
    if (newline == NULL)
        return len > KV_MAX_INLINE ? fail(cmd, "too big inline request") : incomplete(cmd);

    size_t line_len = (size_t)(newline - buf);
    if (line_len > 0 && buf[line_len - 1] == '\r')
        line_len--;
    if (!split_line(protocol, buf, line_len, cmd)) {
        cmd->argc = 0;
        return fail(cmd, "too many arguments");
    }
    cmd->used = (size_t)(newline - buf) + 1;
    return KV_PARSE_OK;
}

/* ---- RESP multibulk ------------------------------------------------------ */

/* How a "*<n>\r\n" or "$<n>\r\n" header line turned out. */
enum header {
    HEADER_OK,
    HEADER_INCOMPLETE, /* its "\n" has not come yet */
    HEADER_TOO_LONG,   /* no "\n" in KV_MAX_INLINE bytes */
    HEADER_BAD         /* not "<integer>\r\n" */
};

/*
 * Reads the header line at buf[*at] (its marker, '*' or '$', already seen).
 * On HEADER_OK, *value is the number (values beyond +-10^12 are clamped:
 * every limit is far smaller) and *at is just past the "\n".
 */
static enum header read_header(const char *buf, size_t len, size_t *at, long long *value)
{
    const char *start = buf + *at + 1; /* after the marker */
    size_t avail = len - *at - 1;
    size_t window = avail < KV_MAX_INLINE ? avail : KV_MAX_INLINE;
    const char *newline = window > 0 ? memchr(start, '\n', window) : NULL;
    if (newline == NULL)
        return avail >= KV_MAX_INLINE ? HEADER_TOO_LONG : HEADER_INCOMPLETE;

    const char *end = newline - 1; /* must be the '\r' */
    if (end < start || *end != '\r')
        return HEADER_BAD;
    const char *p = start;
    bool negative = p < end && *p == '-';
    if (negative)
        p++;
    if (p == end)
        return HEADER_BAD; /* no digits */
    long long n = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return HEADER_BAD;
        if (n < 1000000000000LL) /* clamp instead of overflowing */
            n = n * 10 + (*p - '0');
    }
    *value = negative ? -n : n;
    *at = (size_t)(newline - buf) + 1;
    return HEADER_OK;
}

/* The byte as the "expected '$', got 'x'" message shows it. */
static char shown(unsigned char c)
{
    if (c == '\r' || c == '\n')
        return ' ';
    return c >= 0x20 && c < 0x7f ? (char)c : '?';
}

/* One "$<len>\r\n<bytes>\r\n" at buf[*at], into cmd->argv[cmd->argc]. */
static kv_parse_status parse_bulk(const char *buf, size_t len, size_t *at, kv_command *cmd)
{
    if (*at == len)
        return KV_PARSE_INCOMPLETE;
    if (buf[*at] != '$') {
        char message[48];
        snprintf(message, sizeof message, "expected '$', got '%c'", shown((unsigned char)buf[*at]));
        return fail(cmd, message);
    }
    long long bulk_len = 0;
    switch (read_header(buf, len, at, &bulk_len)) {
    case HEADER_INCOMPLETE:
        return KV_PARSE_INCOMPLETE;
    case HEADER_TOO_LONG:
        return fail(cmd, "too big bulk count string");
    case HEADER_BAD:
        return fail(cmd, "invalid bulk length");
    case HEADER_OK:
        break;
    }
    if (bulk_len < 0 || bulk_len > KV_MAX_BULK)
        return fail(cmd, "invalid bulk length");
    size_t n = (size_t)bulk_len;
    if (len - *at < n + 2)
        return KV_PARSE_INCOMPLETE; /* skip, do not scan, the bytes that are there */
    if (buf[*at + n] != '\r' || buf[*at + n + 1] != '\n')
        return fail(cmd, "bulk string not followed by CRLF");
    cmd->argv[cmd->argc++] = (kv_arg){ buf + *at, n };
    *at += n + 2;
    return KV_PARSE_OK;
}

static kv_parse_status parse_multibulk(const char *buf, size_t len, kv_command *cmd)
{
    size_t at = 0;
    long long count = 0;
    switch (read_header(buf, len, &at, &count)) {
    case HEADER_INCOMPLETE:
        return incomplete(cmd);
    case HEADER_TOO_LONG:
        return fail(cmd, "too big mbulk count string");
    case HEADER_BAD:
        return fail(cmd, "invalid multibulk length");
    case HEADER_OK:
        break;
    }
    if (count > KV_MAX_ARGS)
        return fail(cmd, "invalid multibulk length");
    for (long long i = 0; i < count; i++) {
        kv_parse_status s = parse_bulk(buf, len, &at, cmd);
        if (s == KV_PARSE_INCOMPLETE)
            return incomplete(cmd);
        if (s == KV_PARSE_ERROR)
            return s;
    }
    cmd->used = at; /* a count of 0 or less is an empty command */
    return KV_PARSE_OK;
}

kv_parse_status kv_parse(kv_protocol protocol, const void *buf, size_t len, kv_command *cmd)
{
    const char *bytes = buf;
    cmd->used = 0;
    cmd->argc = 0;
    cmd->error[0] = '\0';
    if (protocol == KV_RESP && len > 0 && bytes[0] == '*')
        return parse_multibulk(bytes, len, cmd);
    return parse_line(protocol, bytes, len, cmd);
}
