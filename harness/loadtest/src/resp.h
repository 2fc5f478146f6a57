/*
 * resp.h: the RESP2 the load tester speaks: requests out as multibulk
 * arrays, replies in as any of RESP2's five kinds, parsed from whatever part
 * of the stream has arrived so far.
 */
#ifndef LT_RESP_H
#define LT_RESP_H

#include <stddef.h>
#include <stdint.h>

/* Replies nested deeper than this are refused (a server never sends them to GET or SET). */
#define RESP_MAX_DEPTH 32
/* The longest bulk string accepted, Redis's own limit (proto-max-bulk-len): 512 MiB. */
#define RESP_MAX_BULK (INT64_C(512) * 1024 * 1024)
/* The most elements an array may announce. */
#define RESP_MAX_ELEMENTS (INT64_C(1) << 32)

typedef enum resp_kind {
    RESP_SIMPLE,    /* +OK\r\n: a status line */
    RESP_ERROR,     /* -ERR message\r\n */
    RESP_INTEGER,   /* :42\r\n */
    RESP_BULK,      /* $5\r\nhello\r\n: binary-safe bytes */
    RESP_NIL,       /* $-1\r\n: the null bulk string (GET of a missing key) */
    RESP_ARRAY,     /* *2\r\n...: elements, each a reply of any kind */
    RESP_NIL_ARRAY, /* *-1\r\n */
} resp_kind;

typedef enum resp_status {
    RESP_OK = 0,       /* one whole reply was parsed */
    RESP_INCOMPLETE,   /* the bytes so far begin a reply but do not finish it: read more */
    RESP_BAD_TYPE,     /* the first byte of a reply is none of + - : $ * */
    RESP_BAD_NUMBER,   /* a length or an integer is not a decimal number in range */
    RESP_BAD_LINE_END, /* a line ends otherwise than with \r\n, or bulk data is not followed by it
                        */
    RESP_TOO_DEEP,     /* arrays nested more than RESP_MAX_DEPTH deep */
} resp_status;

/* One parsed reply. Its text points into the caller's buffer (borrowed, not copied). */
typedef struct resp_reply {
    resp_kind kind;
    const char *text; /* SIMPLE, ERROR, BULK: the bytes (not NUL-terminated); else NULL */
    size_t len;       /* their length */
    int64_t integer;  /* INTEGER: its value; ARRAY: its number of elements; else 0 */
} resp_reply;

/*
 * Parses the first reply in buf[0 .. len). Reads no byte past buf[len - 1].
 *
 * RESP_OK: *reply describes it and *used is its size in bytes, nested
 * elements included (an array's elements are checked, not returned). The
 * next reply starts at buf + *used.
 * RESP_INCOMPLETE: the bytes are a proper beginning of a valid reply (no
 * error can be seen yet), possibly none at all; call again with more.
 * Any other status: the bytes can never begin a valid reply; the connection
 * is out of step and cannot be trusted. A line ending in a bare \n is
 * refused as RESP_BAD_LINE_END: RESP ends every line with \r\n.
 * *reply and *used are written only on RESP_OK. Pure: no state, thread-safe.
 * O(len).
 */
resp_status resp_parse(const char *buf, size_t len, resp_reply *reply, size_t *used);

/* "+OK", "an error", ...: a kind's name, for messages. */
const char *resp_kind_name(resp_kind kind);

/* What a status means, in a phrase ("a length or an integer that is not a number"). */
const char *resp_status_text(resp_status status);

/*
 * Encodes a command as a RESP multibulk request: *argc\r\n, then each
 * argument as $len\r\nbytes\r\n. args[i] holds lens[i] bytes (binary-safe).
 * Returns the size of the request; writes it to out only if it fits in
 * `cap` bytes (out may be NULL when cap is 0, to ask for the size).
 */
size_t resp_encode(char *out, size_t cap, int argc, const char *const *args, const size_t *lens);

#endif /* LT_RESP_H */
