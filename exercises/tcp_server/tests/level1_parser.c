/*
 * Level 1, the parser: kv_parse turns bytes into one command, "incomplete",
 * or a protocol error, for both protocols. No sockets yet: TCP delivers a
 * stream of bytes, cut wherever the network pleases, and these tests cut it
 * everywhere. Run alone with `make test LEVEL=1`.
 */
#include <stdlib.h>
#include <string.h>

#include "kv_test.h"

WB_LEVEL(1);

#define ARGS(...) ((const char *const[]){ __VA_ARGS__ })

static const char SET_MULTIBULK[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";

/* ---- whole commands ---- */

Test(level1, a_multibulk_set_is_one_command_of_three_arguments)
{
    expect_command(KV_RESP, SET_MULTIBULK, strlen(SET_MULTIBULK), strlen(SET_MULTIBULK),
                   ARGS("SET", "key", "value"), 3,
                   "a RESP array of three bulk strings is the command SET key value");
}

Test(level1, an_inline_command_splits_on_runs_of_spaces_and_tabs)
{
    const char *line = "  set \t key   value\r\n";
    expect_command(KV_RESP, line, strlen(line), strlen(line), ARGS("set", "key", "value"), 3,
                   "an inline request is one line, its arguments separated by spaces and tabs; "
                   "the name keeps the case it was sent in");
}

Test(level1, a_line_may_end_with_a_bare_newline)
{
    expect_command(KV_RESP, "PING\n", 5, 5, ARGS("PING"), 1,
                   "nc sends \"\\n\" alone at the end of a line; the \"\\r\" is optional");
    expect_command(KV_TEXT, "GET k\n", 6, 6, ARGS("GET", "k"), 2,
                   "the text protocol ends lines the same way");
}

Test(level1, a_text_value_keeps_its_spaces)
{
    const char *line = "SET greeting hello   big world \r\n";
    expect_command(KV_TEXT, line, strlen(line), strlen(line),
                   ARGS("SET", "greeting", "hello   big world "), 3,
                   "in the text protocol the value is the rest of the line, exactly as typed");
}

Test(level1, in_text_mode_a_star_is_an_ordinary_byte)
{
    expect_command(KV_TEXT, "*3 x\n", 5, 5, ARGS("*3", "x"), 2,
                   "only KV_RESP reads '*' as the start of a multibulk; in KV_TEXT every request "
                   "is a line");
}

Test(level1, a_bulk_string_may_hold_spaces_cr_lf_and_nul)
{
    static const char input[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8\r\na b\r\nc\0d\r\n";
    static kv_command cmd;
    kv_parse_status status = kv_parse(KV_RESP, input, sizeof input - 1, &cmd);
    cr_assert(status == KV_PARSE_OK && cmd.used == sizeof input - 1 && cmd.argc == 3 &&
                  cmd.argv[2].len == 8 && memcmp(cmd.argv[2].data, "a b\r\nc\0d", 8) == 0,
              "kv_parse of SET with an 8-byte value holding a space, CR, LF and NUL returned %s "
              "with %zu arguments and the value %s, expected KV_PARSE_OK and %s: bulk strings "
              "are binary-safe, so the parser counts bytes and never looks for a terminator "
              "inside them",
              parse_status_name(status), cmd.argc,
              cmd.argc == 3 ? wb_qn(cmd.argv[2].data, cmd.argv[2].len) : "(none)",
              wb_qn("a b\r\nc\0d", 8));
}

Test(level1, an_empty_bulk_string_is_an_argument)
{
    static const char input[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
    expect_command(KV_RESP, input, sizeof input - 1, sizeof input - 1, ARGS("SET", "k", ""), 3,
                   "$0 is the empty string, a value like any other");
}

Test(level1, the_command_name_is_left_as_sent)
{
    expect_command(KV_RESP, "gEt K\r\n", 7, 7, ARGS("gEt", "K"), 2,
                   "the parser does not change case: keys are case-sensitive, and the server "
                   "compares command names without regard to case");
}

Test(level1, a_cr_inside_an_inline_line_is_part_of_an_argument)
{
    expect_command(KV_RESP, "SET k a\rb\r\n", 11, 11, ARGS("SET", "k", "a\rb"), 3,
                   "only spaces and tabs separate inline arguments, and only a \"\\r\" right "
                   "before the \"\\n\" is dropped: a \"\\r\" inside the line is data");
}

/* ---- empty commands ---- */

Test(level1, an_empty_line_is_an_empty_command_that_uses_its_bytes)
{
    expect_command(KV_RESP, "\r\nPING\r\n", 8, 2, NULL, 0,
                   "an empty line is a command with no arguments: the server skips it and "
                   "sends no reply, and the next command starts after it");
    expect_command(KV_TEXT, " \t \n", 4, 4, NULL, 0, "a line of spaces and tabs is empty too");
}

Test(level1, empty_and_null_multibulks_are_empty_commands)
{
    expect_command(KV_RESP, "*0\r\n", 4, 4, NULL, 0, "*0 is an empty array: no command");
    expect_command(KV_RESP, "*-1\r\n*1\r\n", 9, 5, NULL, 0,
                   "*-1 is RESP's null array; Redis skips it, and so does this server");
    expect_command(KV_RESP, "*-2\r\n", 5, 5, NULL, 0,
                   "the header makes every count of 0 or less an empty command, not only -1");
}

/* ---- incomplete commands, at every byte ---- */

/* Every strict prefix of `input` must be incomplete, and the whole a command. */
static void every_prefix_is_incomplete(kv_protocol protocol, const char *input, size_t len,
                                       const char *why)
{
    for (size_t cut = 0; cut < len; cut++)
        expect_incomplete(protocol, input, cut, why);
}

Test(level1, a_multibulk_cut_at_any_byte_is_incomplete)
{
    every_prefix_is_incomplete(KV_RESP, SET_MULTIBULK, strlen(SET_MULTIBULK),
                               "a read may end anywhere inside a command, even inside \"\\r\\n\" "
                               "or a length; the parser must ask for more bytes, not guess");
}

Test(level1, an_inline_command_cut_at_any_byte_is_incomplete)
{
    const char *line = "SET key some value\r\n";
    every_prefix_is_incomplete(KV_RESP, line, strlen(line),
                               "a line is whole only when its \"\\n\" has come");
    every_prefix_is_incomplete(KV_TEXT, line, strlen(line),
                               "a text line is whole only when its \"\\n\" has come");
}

Test(level1, a_bulk_string_is_incomplete_until_its_last_byte_and_crlf)
{
    static const char input[] = "*2\r\n$4\r\nECHO\r\n$6\r\nhi\r\nyo\r\n";
    every_prefix_is_incomplete(KV_RESP, input, sizeof input - 1,
                               "the \"\\r\\n\" inside the 6-byte bulk string is data, not the end "
                               "of the command");
    expect_command(KV_RESP, input, sizeof input - 1, sizeof input - 1, ARGS("ECHO", "hi\r\nyo"), 2,
                   "the whole command has come");
}

Test(level1, the_empty_buffer_is_incomplete)
{
    expect_incomplete(KV_RESP, NULL, 0, "no bytes at all: a command may still come");
    expect_incomplete(KV_TEXT, NULL, 0, "no bytes at all: a command may still come");
}

/* ---- pipelining ---- */

Test(level1, pipelined_commands_come_out_one_at_a_time)
{
    static const char input[] = "PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nECHO x\r\n*1\r\n$4\r\nPI";
    size_t len = sizeof input - 1;
    expect_command(KV_RESP, input, len, 6, ARGS("PING"), 1,
                   "four commands were sent in one write (pipelining); the first is inline");
    expect_command(KV_RESP, input + 6, len - 6, 20, ARGS("GET", "k"), 2,
                   "parsing again after the first command's bytes gives the second, a multibulk");
    expect_command(KV_RESP, input + 26, len - 26, 8, ARGS("ECHO", "x"), 2,
                   "inline and multibulk requests may follow each other");
    expect_incomplete(KV_RESP, input + 34, len - 34,
                      "the fourth command is cut short: the rest comes with the next read");
}

Test(level1, parsing_is_pure_the_same_bytes_give_the_same_command)
{
    kv_parse_status first, second;
    kv_command *cmd = parse_text(KV_RESP, "*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n", &first);
    size_t used = cmd->used, argc = cmd->argc;
    cmd = parse_text(KV_RESP, "*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n", &second);
    cr_assert(
        first == KV_PARSE_OK && second == KV_PARSE_OK && cmd->used == used && cmd->argc == argc,
        "two kv_parse calls on the same bytes gave %s (%zu bytes, %zu arguments) then %s "
        "(%zu bytes, %zu arguments); the parser keeps no state between calls",
        parse_status_name(first), used, argc, parse_status_name(second), cmd->used, cmd->argc);
}

/* ---- limits ---- */

/* A heap line "ECHO aaa...a" of exactly `line_len` bytes, plus "\n" if `newline`. */
static char *long_line(size_t line_len, bool newline, size_t *len)
{
    char *line = malloc(line_len + 1);
    cr_assert(line != NULL, "out of memory");
    memcpy(line, "ECHO ", 5);
    memset(line + 5, 'a', line_len - 5);
    line[line_len] = '\n';
    *len = line_len + newline;
    return line;
}

Test(level1, a_line_of_64_kib_is_accepted)
{
    size_t len;
    char *line = long_line(KV_MAX_INLINE, true, &len);
    kv_parse_status status;
    static kv_command cmd;
    status = kv_parse(KV_RESP, line, len, &cmd);
    cr_assert(status == KV_PARSE_OK && cmd.used == len && cmd.argc == 2 &&
                  cmd.argv[1].len == KV_MAX_INLINE - 5,
              "kv_parse of a line of exactly KV_MAX_INLINE (65,536) bytes before its \"\\n\" "
              "returned %s (used %zu, %zu arguments), expected KV_PARSE_OK using all %zu bytes: "
              "the limit is inclusive",
              parse_status_name(status), cmd.used, cmd.argc, len);
    expect_incomplete(KV_TEXT, line, KV_MAX_INLINE,
                      "65,536 bytes and no \"\\n\" yet: the line may still end within the limit");
    free(line);
}

Test(level1, a_line_longer_than_64_kib_is_an_error_even_before_its_newline)
{
    size_t len;
    char *line = long_line(KV_MAX_INLINE + 1, false, &len);
    expect_parse_error(KV_RESP, line, len, "Protocol error: too big inline request",
                       "65,537 bytes have come without a \"\\n\": whatever follows, the line is "
                       "too long, and a server that waited would buffer without end");
    expect_parse_error(KV_TEXT, line, len, "Protocol error: too big inline request",
                       "the text protocol has the same limit");
    free(line);
    line = long_line(KV_MAX_INLINE + 1, true, &len);
    expect_parse_error(KV_RESP, line, len, "Protocol error: too big inline request",
                       "a line of 65,537 bytes is too long even when its \"\\n\" came in the same "
                       "read: the answer must not depend on how the bytes were cut");
    free(line);
}

Test(level1, the_cr_before_the_newline_counts_toward_the_line_limit)
{
    size_t len;
    char *line = long_line(KV_MAX_INLINE + 2, true, &len);
    line[KV_MAX_INLINE] = '\r';
    line[KV_MAX_INLINE + 1] = '\n';
    len = KV_MAX_INLINE + 2;
    expect_parse_error(KV_RESP, line, len, "Protocol error: too big inline request",
                       "65,536 bytes, then \"\\r\\n\": the \"\\r\" is a byte of the line, "
                       "so the line is 65,537 bytes; a parser that waited for the \"\\n\" to "
                       "decide would give another answer when the \"\\n\" comes in a later read");
    free(line);
}

Test(level1, an_inline_line_of_the_most_arguments_allowed_parses)
{
    size_t len = 2 * KV_MAX_ARGS;
    char *line = malloc(len);
    cr_assert(line != NULL, "out of memory");
    for (size_t i = 0; i < KV_MAX_ARGS; i++)
        memcpy(line + 2 * i, "a ", 2);
    line[len - 1] = '\n';
    static kv_command cmd;
    kv_parse_status status = kv_parse(KV_RESP, line, len, &cmd);
    cr_assert(status == KV_PARSE_OK && cmd.argc == KV_MAX_ARGS && cmd.used == len,
              "kv_parse of an inline line of exactly KV_MAX_ARGS (1024) words returned %s with "
              "%zu arguments (%s), expected KV_PARSE_OK with 1024: the limit is inclusive, as "
              "for a multibulk",
              parse_status_name(status), cmd.argc, status == KV_PARSE_ERROR ? cmd.error : "");
    free(line);
}

Test(level1, a_multibulk_of_the_most_arguments_allowed_parses)
{
    size_t cap = 16 + KV_MAX_ARGS * 8, len = 0;
    char *input = malloc(cap);
    cr_assert(input != NULL, "out of memory");
    len += (size_t)snprintf(input, cap, "*%d\r\n", KV_MAX_ARGS);
    for (int i = 0; i < KV_MAX_ARGS; i++)
        len += (size_t)snprintf(input + len, cap - len, "$1\r\n%c\r\n", 'a' + i % 26);
    static kv_command cmd;
    kv_parse_status status = kv_parse(KV_RESP, input, len, &cmd);
    cr_assert(status == KV_PARSE_OK && cmd.argc == KV_MAX_ARGS && cmd.used == len,
              "kv_parse of a multibulk of KV_MAX_ARGS (1024) one-byte arguments returned %s with "
              "%zu arguments, expected KV_PARSE_OK with 1024 (%s)",
              parse_status_name(status), cmd.argc, cmd.error);
    free(input);
}

Test(level1, a_bulk_string_of_a_megabyte_parses_and_its_prefix_is_incomplete)
{
    size_t value_len = 1 << 20;
    char *input = malloc(value_len + 64);
    cr_assert(input != NULL, "out of memory");
    int head = snprintf(input, 64, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%zu\r\n", value_len);
    memset(input + head, 'v', value_len);
    memcpy(input + head + value_len, "\r\n", 2);
    size_t len = (size_t)head + value_len + 2;
    static kv_command cmd;
    kv_parse_status status = kv_parse(KV_RESP, input, len - 1, &cmd);
    cr_assert(status == KV_PARSE_INCOMPLETE,
              "kv_parse of a 1 MiB SET missing its last byte returned %s, expected "
              "KV_PARSE_INCOMPLETE: a large value arrives over many reads",
              parse_status_name(status));
    status = kv_parse(KV_RESP, input, len, &cmd);
    cr_assert(status == KV_PARSE_OK && cmd.argc == 3 && cmd.argv[2].len == value_len,
              "kv_parse of a whole 1 MiB SET returned %s with %zu arguments (value %zu bytes), "
              "expected KV_PARSE_OK with a 1,048,576-byte value",
              parse_status_name(status), cmd.argc, cmd.argc == 3 ? cmd.argv[2].len : 0);
    free(input);
}

/* ---- protocol errors ---- */

Test(level1, a_multibulk_count_that_is_not_a_number_is_an_error)
{
    const char *message = "Protocol error: invalid multibulk length";
    expect_parse_error(KV_RESP, "*x\r\n", 4, message, "\"*x\" is not an array header");
    expect_parse_error(KV_RESP, "*\r\n", 3, message, "\"*\" with no digits is not a count");
    expect_parse_error(KV_RESP, "*1x\r\n", 5, message, "\"1x\" is not a number");
    expect_parse_error(KV_RESP, "*-\r\n", 4, message, "a sign alone is not a number");
    expect_parse_error(KV_RESP, "*2\n", 3, message,
                       "a header line must end in \"\\r\\n\"; \"*2\\n\" lacks the \"\\r\"");
}

Test(level1, a_multibulk_count_too_large_is_an_error_not_an_overflow)
{
    const char *message = "Protocol error: invalid multibulk length";
    expect_parse_error(KV_RESP, "*1025\r\n", 7, message,
                       "1025 arguments is more than KV_MAX_ARGS (1024)");
    expect_parse_error(KV_RESP, "*99999999999999999999\r\n", 23, message,
                       "a count beyond 64 bits must be refused, not wrapped around (make "
                       "memcheck reports a signed overflow as undefined behaviour)");
    expect_parse_error(KV_RESP, "*18446744073709551617\r\n", 23, message,
                       "2^64 + 1 wraps around to 1 in a 64-bit counter that overflows: a "
                       "parser must stop accumulating digits once the number is too large");
    expect_parse_error(KV_RESP, "*1\r\n$18446744073709551619\r\nabc\r\n", 32,
                       "Protocol error: invalid bulk length",
                       "2^64 + 3 as a bulk length must not wrap around to 3");
}

Test(level1, an_argument_without_a_dollar_is_an_error)
{
    expect_parse_error(KV_RESP, "*1\r\nx\r\n", 7, "Protocol error: expected '$', got 'x'",
                       "every element of a request array is a bulk string, which starts with '$'");
    expect_parse_error(KV_RESP, "*2\r\n$4\r\nPING\r\nPING\r\n", 20,
                       "Protocol error: expected '$', got 'P'",
                       "the array promised two bulk strings; an inline command cannot follow "
                       "inside it");
}

Test(level1, a_missing_dollar_is_an_error_as_soon_as_its_byte_comes)
{
    expect_parse_error(KV_RESP, "*1\r\nx", 5, "Protocol error: expected '$', got 'x'",
                       "no bytes that could follow \"x\" make it a bulk string: the header's "
                       "KV_PARSE_ERROR is for exactly that, so the parser must not wait for the "
                       "rest of the line");
}

Test(level1, a_byte_that_is_not_printable_in_place_of_a_dollar_is_shown_as_a_question_mark)
{
    expect_parse_error(KV_RESP, "*1\r\n\x01\r\n", 7, "Protocol error: expected '$', got '?'",
                       "a control byte would garble the error line; the header shows bytes that "
                       "are not printable ASCII as '?'");
    expect_parse_error(KV_RESP, "*1\r\n\xff\r\n", 7, "Protocol error: expected '$', got '?'",
                       "a byte above 0x7e is not printable ASCII either");
    expect_parse_error(KV_RESP, "*1\r\n\t\r\n", 7, "Protocol error: expected '$', got '?'",
                       "a tab is not printable ASCII (only 0x20 to 0x7e are)");
    expect_parse_error(KV_RESP, "*1\r\n\r\n", 6, "Protocol error: expected '$', got ' '",
                       "CR and LF are shown as a space, as the header says");
}

Test(level1, a_negative_or_missing_bulk_length_is_an_error)
{
    const char *message = "Protocol error: invalid bulk length";
    expect_parse_error(KV_RESP, "*1\r\n$-1\r\n", 9, message,
                       "$-1 is a null reply, never a request argument");
    expect_parse_error(KV_RESP, "*1\r\n$-5\r\n", 9, message, "a length cannot be negative");
    expect_parse_error(KV_RESP, "*1\r\n$x\r\n", 8, message, "\"$x\" has no length");
    expect_parse_error(KV_RESP, "*1\r\n$\r\n", 7, message, "\"$\" has no length");
    expect_parse_error(KV_RESP, "*1\r\n$4\nPING\r\n", 14, message,
                       "a bulk length line must end in \"\\r\\n\" like the count line; "
                       "\"$4\\n\" lacks the \"\\r\"");
}

Test(level1, a_bulk_longer_than_512_mib_is_an_error)
{
    expect_parse_error(KV_RESP, "*1\r\n$536870913\r\n", 17, "Protocol error: invalid bulk length",
                       "KV_MAX_BULK is 512 MiB, as in Redis: a server must not try to buffer more");
    expect_incomplete(KV_RESP, "*1\r\n$536870912\r\n", 17,
                      "exactly 512 MiB is allowed: the bytes may still come");
}

Test(level1, a_bulk_string_must_end_with_crlf)
{
    expect_parse_error(KV_RESP, "*1\r\n$4\r\nPINGxx", 14,
                       "Protocol error: bulk string not followed by CRLF",
                       "after the 4 bytes the header announced must come \"\\r\\n\"; anything else "
                       "means client and server disagree about where commands end");
    expect_parse_error(KV_RESP, "*1\r\n$4\r\nPING\rx", 14,
                       "Protocol error: bulk string not followed by CRLF",
                       "a \"\\r\" alone is not the end: the byte after it must be \"\\n\" too");
    expect_parse_error(KV_RESP, "*1\r\n$4\r\nPING\nx", 14,
                       "Protocol error: bulk string not followed by CRLF",
                       "\"\\n\" then \"x\" is not \"\\r\\n\" either");
    expect_incomplete(KV_RESP, "*1\r\n$4\r\nPINGx", 13,
                      "the header checks the two bytes after a bulk string once both have come, "
                      "as it checks a header line once its \"\\n\" has come");
}

/* `prefix` then digits, KV_MAX_INLINE of them after the marker and no "\n". */
static void header_without_newline(const char *prefix, const char *message, const char *why)
{
    size_t head = strlen(prefix), len = head + KV_MAX_INLINE;
    char *input = malloc(len);
    cr_assert(input != NULL, "out of memory");
    memcpy(input, prefix, head);
    memset(input + head, '1', len - head);
    expect_incomplete(KV_RESP, input, len - 1, "one digit less: the line may still end in time");
    expect_parse_error(KV_RESP, input, len, message, why);
    free(input);
}

Test(level1, a_header_line_without_its_newline_for_64_kib_is_an_error)
{
    header_without_newline("*", "Protocol error: too big mbulk count string",
                           "a count line of 65,536 bytes without a \"\\n\" will never be valid");
    header_without_newline("*1\r\n$", "Protocol error: too big bulk count string",
                           "a bulk length line of 65,536 bytes without a \"\\n\" will never be "
                           "valid");
}

Test(level1, an_inline_line_with_too_many_arguments_is_an_error)
{
    size_t len = 2 * (KV_MAX_ARGS + 1) + 1;
    char *line = malloc(len);
    cr_assert(line != NULL, "out of memory");
    for (size_t i = 0; i < KV_MAX_ARGS + 1; i++)
        memcpy(line + 2 * i, "a ", 2);
    line[len - 1] = '\n';
    expect_parse_error(KV_RESP, line, len, "Protocol error: too many arguments",
                       "1025 words on one inline line are more than KV_MAX_ARGS (1024) arguments");
    free(line);
}

Test(level1, an_error_after_a_whole_command_comes_on_the_next_call)
{
    static const char input[] = "PING\r\n*x\r\n";
    expect_command(KV_RESP, input, sizeof input - 1, 6, ARGS("PING"), 1,
                   "the first command is whole and valid: it must be answered before the bad "
                   "bytes that follow are even looked at");
    expect_parse_error(KV_RESP, input + 6, sizeof input - 7,
                       "Protocol error: invalid multibulk length",
                       "the bytes after PING are a bad header");
}
