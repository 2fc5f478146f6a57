/*
 * options.h: the load tester's command line, parsed into a run's settings.
 *
 * Parsing is a pure function of argv (no getopt, no globals), so the tests
 * call it as often as they like; printing and exit statuses are main's.
 */
#ifndef LT_OPTIONS_H
#define LT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* The limits each option is checked against. */
#define OPT_HOST_MAX        255
#define OPT_MAX_CONNECTIONS 10000
#define OPT_MAX_THREADS     64
#define OPT_MAX_PIPELINE    1000
#define OPT_MAX_KEYS        INT64_C(1000000000000) /* key numbers have 12 digits */
#define OPT_MAX_VALUE_SIZE  (64 * 1024 * 1024)
#define OPT_MAX_REQUESTS    INT64_C(1000000000000000)
#define OPT_MAX_WEIGHT      1000000
#define OPT_MAX_SECONDS     86400 /* for --duration and --timeout */

/* One run's settings. opt_defaults fills every field; opt_parse changes them. */
typedef struct opt_config {
    char host[OPT_HOST_MAX + 1]; /* a name or a numeric IPv4/IPv6 address */
    int port;                    /* 1 .. 65535 */
    int connections;             /* open together, each with its own pipeline */
    int threads;                 /* event loops sharing the connections, 1 .. connections */
    int64_t duration;            /* nanoseconds to keep sending; 0 when `requests` ends the run */
    uint64_t requests;           /* requests to send in all; 0 when `duration` ends the run */
    uint32_t get_weight;         /* the GET:SET mix: a request is a GET with */
    uint32_t set_weight;         /*   probability get_weight / (get_weight + set_weight) */
    uint64_t keys;               /* the key space: key:000000000000 .. key:(keys - 1) */
    size_t value_size;           /* bytes in each SET's value */
    int pipeline;                /* requests written together before their replies are read */
    uint64_t seed;               /* connection i draws from a generator seeded with (seed, i) */
    int64_t timeout;             /* nanoseconds with no reply before a connection counts as lost */
    int histogram;               /* nonzero: print the text histogram */
} opt_config;

/*
 * The defaults, those of `redis-benchmark` where it has the same setting:
 * 127.0.0.1:6379, 50 connections on 1 thread, 10 seconds, 80:20 GET:SET,
 * 100,000 keys, 3-byte values, pipeline 1, seed 1, timeout 5 s, histogram on.
 */
void opt_defaults(opt_config *cfg);

typedef enum opt_status {
    OPT_OK = 0, /* *cfg holds the settings asked for */
    OPT_HELP,   /* --help was asked for: print opt_usage() and stop */
    OPT_BAD,    /* an option is unknown, lacks its value or has a bad one; see `why` */
} opt_status;

/*
 * Applies the options in argv[1 .. argc) to *cfg, which holds the values to
 * start from (opt_defaults, usually). Each option takes its value as the
 * next argument or after '=' (--port=7000, -p 7000, -p7000); a later one wins
 * over an earlier one. Counts take k, M or G (x1,000, x1,000,000, x10^9);
 * times are seconds, or take ms, s, m or h (0.5, 500ms, 2m).
 *
 * OPT_BAD: why (a NUL-terminated sentence naming the option, the value and
 * what is allowed, cut to why_size bytes) says what is wrong, and *cfg is
 * unchanged. OPT_HELP leaves *cfg unchanged too. Never prints, never exits.
 */
opt_status opt_parse(int argc, char *const argv[], opt_config *cfg, char *why, size_t why_size);

/* The --help text: every option, its default and an example. A static string. */
const char *opt_usage(void);

#endif /* LT_OPTIONS_H */
