/*
 * transcript.h: requests and the exact replies Redis 7 sends to them,
 * grouped by command. Level 3's tests play them against your server, and
 * the workbook's self-test (`make check`) plays them against a real
 * redis-server, so that every byte expected here is a byte Redis sends.
 * Plain C, no test framework: tools/transcript_check.c uses it too.
 */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stddef.h>

/* One request and what must come back. */
struct exchange {
    const char *send;  /* a request (a C string) */
    const char *reply; /* exactly what must come back; "" when nothing may */
};

/* A conversation on one connection, starting from an empty store. */
struct transcript {
    const char *name; /* "ping_and_echo", ... */
    const struct exchange *steps;
    size_t count;
};

extern const struct transcript transcripts[];
extern const size_t transcript_count;

/* The transcript called `name`, or NULL. */
const struct transcript *find_transcript(const char *name);

#endif /* TRANSCRIPT_H */
