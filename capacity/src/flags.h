/*
 * flags.h: the calculator's command-line flags (--dau 10M, --payload 1KiB,
 * --json, ...), read into an est_inputs plus the output choices, with an
 * error message that names the flag and what was wrong with its value.
 */
#ifndef CAPACITY_FLAGS_H
#define CAPACITY_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "estimate.h"
#include "number.h"

/* Room for an origin ("--payload 1KiB (scenario)") or an error message. */
#define FLAG_TEXT_MAX 160

/* Which flags a command takes; flag_apply refuses the others by name. */
enum {
    FLAG_ESTIMATE = 1 << 0, /* --dau ... --replication */
    FLAG_OUTPUT = 1 << 1,   /* --units, --sig-figs */
    FLAG_JSON = 1 << 2,     /* --json */
    FLAG_QUIZ = 1 << 3      /* --seed, --scenario */
};

typedef enum flag_status {
    FLAG_OK = 0,
    FLAG_UNKNOWN,   /* not a flag this command takes, or not a flag at all */
    FLAG_NO_VALUE,  /* a flag that takes a value came last */
    FLAG_BAD_VALUE, /* a value that does not parse, or is out of range */
    FLAG_MISSING    /* flag_finish: --dau was never given */
} flag_status;

/* Everything the flags of one command line decide. */
typedef struct flag_set {
    est_inputs inputs;
    char origin[EST_FIELD_COUNT]
               [FLAG_TEXT_MAX];         /* "--dau 10M", "--dau 10M (scenario)", "default" */
    bool given[EST_FIELD_COUNT];        /* set by a flag or a scenario */
    num_system payload_system;          /* the family of the unit --payload was written in */
    bool units_given;                   /* --units given: `units` is what it asked for */
    num_system units;                   /* the units to show sizes in; flag_finish decides them
                                           when --units was not given */
    char units_why[FLAG_TEXT_MAX + 16]; /* flag_finish: "as in --payload 1KB", ... */
    int figures;                        /* --sig-figs, 1 to 6; 3 by default */
    bool json;                          /* --json */
    bool seed_given;                    /* --seed given */
    uint64_t seed;                      /* --seed */
    const char *scenario;               /* --scenario NAME (borrowed from argv), or NULL */
} flag_set;

/* Fills `fs` with the defaults (est_defaults, 3 figures, no JSON, no seed). */
void flag_defaults(flag_set *fs);

/*
 * Reads argv[0 .. argc) as flags, each "--name value" or "--name=value",
 * into `fs`; a flag given twice keeps the last value. `allowed` is a mask of
 * the FLAG_ groups above. `source` is NULL for a person's command line, or a
 * scenario's name: its origins then say "(scenario)". On FLAG_OK `error` is
 * untouched; otherwise it holds one sentence naming the flag, the value and
 * the problem ("--cache-hit 1.2 must be between 0 and 1: ..."), and `fs`
 * keeps the flags before the bad one. O(argc).
 */
flag_status flag_apply(flag_set *fs, int argc, const char *const *argv, unsigned allowed,
                       const char *source, char *error, size_t error_size);

/*
 * Applies a scenario's flags (scenario.h) to `fs`, their origins marked
 * "(scenario)". The scenarios' own flags are valid, so anything but FLAG_OK
 * means the table in scenario.c is wrong; the message says where.
 */
struct scn_scenario;
flag_status flag_apply_scenario(flag_set *fs, const struct scn_scenario *scenario, char *error,
                                size_t error_size);

/*
 * After the last flag_apply: checks that --dau was given (when `need_dau`)
 * and decides the units sizes are shown in: --units if given, else the
 * family of --payload's unit, else decimal. Returns FLAG_OK or FLAG_MISSING
 * with a message in `error`.
 */
flag_status flag_finish(flag_set *fs, bool need_dau, char *error, size_t error_size);

/* The flags of the groups in `allowed`, one per line with an example and
 * the default, for --help. */
void flag_usage(FILE *out, unsigned allowed);

#endif /* CAPACITY_FLAGS_H */
