/*
 * flags.c: reading the calculator's flags (see flags.h).
 *
 * One table describes every flag: its name, what it sets, how its value is
 * read, an example and its help line. Reading a value is two checks: does it
 * parse (number.h), and is it in range (est_check_field). Each failure
 * becomes one sentence that names the flag.
 */
#include "flags.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

/* How a flag's value is read. */
typedef enum value_kind {
    V_COUNT,   /* num_parse_count */
    V_BYTES,   /* num_parse_bytes */
    V_RATIO,   /* num_parse_ratio */
    V_FACTOR,  /* num_parse_factor */
    V_MS,      /* num_parse_ms */
    V_UNITS,   /* decimal | binary */
    V_FIGURES, /* a whole number, 1 to 6 */
    V_SEED,    /* a whole number, 0 to 2^64 - 1 */
    V_NAME,    /* a scenario's name */
    V_NONE     /* a switch: takes no value */
} value_kind;

typedef struct flag {
    const char *name; /* "--dau" */
    unsigned group;   /* FLAG_ESTIMATE, ... */
    value_kind kind;
    est_field field; /* the input it sets (FLAG_ESTIMATE only) */
    const char *example;
    const char *help;
} flag;

static const flag flags[] = {
    { "--dau", FLAG_ESTIMATE, V_COUNT, EST_DAU, "10M", "daily active users (required)" },
    { "--reads-per-user", FLAG_ESTIMATE, V_COUNT, EST_READS_PER_USER, "10",
      "reads per user per day" },
    { "--writes-per-user", FLAG_ESTIMATE, V_COUNT, EST_WRITES_PER_USER, "1",
      "writes per user per day" },
    { "--payload", FLAG_ESTIMATE, V_BYTES, EST_PAYLOAD, "1KB",
      "bytes per item read or written: 1KB = 1,000 B, 1KiB = 1,024 B" },
    { "--peak", FLAG_ESTIMATE, V_FACTOR, EST_PEAK, "3", "peak traffic / average traffic" },
    { "--cache-hit", FLAG_ESTIMATE, V_RATIO, EST_CACHE_HIT, "0.8",
      "fraction of reads the cache answers (0.8 or 80%)" },
    { "--hot-set", FLAG_ESTIMATE, V_RATIO, EST_HOT_SET, "0.2",
      "fraction of a day's reads worth keeping in the cache" },
    { "--query-ms", FLAG_ESTIMATE, V_MS, EST_QUERY_MS, "5",
      "milliseconds one database query takes" },
    { "--db-concurrency", FLAG_ESTIMATE, V_COUNT, EST_DB_CONCURRENCY, "1",
      "queries one database server runs at once" },
    { "--db-qps", FLAG_ESTIMATE, V_COUNT, EST_SERVER_QPS, "5000",
      "queries per second one server handles (instead of the two above)" },
    { "--years", FLAG_ESTIMATE, V_FACTOR, EST_YEARS, "1", "years the data is kept" },
    { "--replication", FLAG_ESTIMATE, V_FACTOR, EST_REPLICATION, "3",
      "copies of every byte (1.5 for erasure coding)" },
    { "--units", FLAG_OUTPUT, V_UNITS, EST_FIELD_COUNT, "binary",
      "show sizes in decimal (KB, MB) or binary (KiB, MiB) units; default: --payload's" },
    { "--sig-figs", FLAG_OUTPUT, V_FIGURES, EST_FIELD_COUNT, "3",
      "significant figures of the rounded answers, 1 to 6" },
    { "--json", FLAG_JSON, V_NONE, EST_FIELD_COUNT, NULL, "JSON instead of text, for scripts" },
    { "--seed", FLAG_QUIZ, V_SEED, EST_FIELD_COUNT, "42",
      "the quiz's random choice; the same seed asks the same quiz" },
    { "--scenario", FLAG_QUIZ, V_NAME, EST_FIELD_COUNT, "chat",
      "the quiz's scenario, instead of a random one" },
};

#define FLAG_COUNT (sizeof flags / sizeof flags[0])

void flag_defaults(flag_set *fs)
{
    memset(fs, 0, sizeof *fs);
    est_defaults(&fs->inputs);
    for (int f = 0; f < EST_FIELD_COUNT; f++)
        snprintf(fs->origin[f], sizeof fs->origin[f], "default");
    fs->figures = 3;
}

static const flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    }
    return NULL;
}

/* What a value of this kind may look like, for messages. */
static const char *shape_of(value_kind kind)
{
    switch (kind) {
    case V_COUNT:
        return "a count such as 10, 2.5, 10,000 or 10M (k, M, B and T for thousand, million, "
               "billion, trillion)";
    case V_BYTES:
        return "a size such as 1KB or 1KiB (B, KB, MB, GB, TB, PB count in 1,000s; KiB, MiB, "
               "GiB, TiB, PiB in 1,024s)";
    case V_RATIO:
        return "a fraction such as 0.8, or a percentage such as 80%";
    case V_FACTOR:
        return "a number such as 3 (or 3x)";
    case V_MS:
        return "milliseconds such as 5, 5ms, 500us or 0.005s";
    default:
        return "a value";
    }
}

/* Parses `text` as `kind`; on failure writes the reason into `why`. */
static int parse_value(value_kind kind, const char *text, num_parsed *p, char *why, size_t size)
{
    num_status s = NUM_NOT_A_NUMBER;
    switch (kind) {
    case V_COUNT:
        s = num_parse_count(text, p);
        break;
    case V_BYTES:
        s = num_parse_bytes(text, p);
        break;
    case V_RATIO:
        s = num_parse_ratio(text, p);
        break;
    case V_FACTOR:
        s = num_parse_factor(text, p);
        break;
    case V_MS:
        s = num_parse_ms(text, p);
        break;
    default:
        break;
    }
    if (s == NUM_OK)
        return 1;
    if (s == NUM_UNKNOWN_UNIT)
        snprintf(why, size, "has an unknown unit \"%s\": write %s", p->unit, shape_of(kind));
    else if (s == NUM_BITS)
        snprintf(why, size, "is in bits (a lowercase b): write KB, MB, ... for bytes");
    else if (s == NUM_NEGATIVE)
        snprintf(why, size, "is negative: no quantity here can be below 0");
    else
        snprintf(why, size, "is %s: write %s", num_status_text(s), shape_of(kind));
    return 0;
}

/* --units, --sig-figs, --seed: the values that are words or whole numbers. */
static int set_other(flag_set *fs, const flag *fl, const char *value, char *why, size_t size)
{
    char *end = NULL;
    switch (fl->kind) {
    case V_UNITS:
        if (strcmp(value, "decimal") == 0 || strcmp(value, "binary") == 0) {
            fs->units_given = true;
            fs->units = strcmp(value, "binary") == 0 ? NUM_BINARY : NUM_DECIMAL;
            return 1;
        }
        snprintf(why, size, "is not a kind of units: write decimal (KB, MB) or binary (KiB, MiB)");
        return 0;
    case V_FIGURES: {
        long n = strtol(value, &end, 10);
        if (end != value && *end == '\0' && n >= 1 && n <= 6) {
            fs->figures = (int)n;
            return 1;
        }
        snprintf(why, size, "must be a whole number from 1 to 6");
        return 0;
    }
    case V_SEED: {
        errno = 0;
        uintmax_t n = strtoumax(value, &end, 10);
        if (value[0] >= '0' && value[0] <= '9' && *end == '\0' && errno == 0 && n <= UINT64_MAX) {
            fs->seed = (uint64_t)n;
            fs->seed_given = true;
            return 1;
        }
        snprintf(why, size, "must be a whole number from 0 to 18446744073709551615");
        return 0;
    }
    case V_NAME:
        if (scn_find(value) != NULL) {
            fs->scenario = value;
            return 1;
        }
        snprintf(why, size, "is not a scenario: `capacity scenario` lists them");
        return 0;
    default:
        return 0;
    }
}

/* Sets one flag's value; on failure writes the reason into `why`. */
static int set_value(flag_set *fs, const flag *fl, const char *value, const char *source, char *why,
                     size_t size)
{
    if (fl->group != FLAG_ESTIMATE)
        return set_other(fs, fl, value, why, size);
    num_parsed p;
    if (!parse_value(fl->kind, value, &p, why, size))
        return 0;
    const char *range = est_check_field(fl->field, p.value);
    if (range == NULL && fl->field == EST_SERVER_QPS && p.value == 0)
        range = "must be above 0: queries per second one server handles";
    if (range != NULL) {
        snprintf(why, size, "%s", range);
        return 0;
    }
    *est_field_of(&fs->inputs, fl->field) = p.value;
    fs->given[fl->field] = true;
    if (fl->field == EST_PAYLOAD)
        fs->payload_system = p.system;
    snprintf(fs->origin[fl->field], sizeof fs->origin[fl->field], "%s %s%s", fl->name, value,
             source != NULL ? " (scenario)" : "");
    return 1;
}

flag_status flag_apply(flag_set *fs, int argc, const char *const *argv, unsigned allowed,
                       const char *source, char *error, size_t error_size)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t name_len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const flag *fl = strncmp(arg, "--", 2) == 0 ? find_flag(arg, name_len) : NULL;
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(error, error_size, "unexpected argument \"%s\": flags start with --", arg);
            return FLAG_UNKNOWN;
        }
        if (fl == NULL || (fl->group & allowed) == 0) {
            snprintf(error, error_size, "%s flag \"%.*s\"",
                     fl == NULL ? "unknown" : "this command takes no", (int)name_len, arg);
            return FLAG_UNKNOWN;
        }
        if (fl->kind == V_NONE) {
            if (eq != NULL) {
                snprintf(error, error_size, "%s takes no value", fl->name);
                return FLAG_BAD_VALUE;
            }
            fs->json = true;
            continue;
        }
        /* A value never starts with "--": "--dau --json" forgot the number. */
        const char *value = eq != NULL ? eq + 1 : NULL;
        if (eq == NULL && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
            value = argv[++i];
        if (value == NULL) {
            snprintf(error, error_size, "%s needs a value, for example %s %s", fl->name, fl->name,
                     fl->example);
            return FLAG_NO_VALUE;
        }
        char why[FLAG_TEXT_MAX * 2];
        if (!set_value(fs, fl, value, source, why, sizeof why)) {
            snprintf(error, error_size, "%s \"%s\" %s", fl->name, value, why);
            return FLAG_BAD_VALUE;
        }
    }
    return FLAG_OK;
}

flag_status flag_apply_scenario(flag_set *fs, const scn_scenario *scenario, char *error,
                                size_t error_size)
{
    int argc = 0;
    while (scenario->args[argc] != NULL)
        argc++;
    return flag_apply(fs, argc, scenario->args, FLAG_ESTIMATE, scenario->name, error, error_size);
}

flag_status flag_finish(flag_set *fs, bool need_dau, char *error, size_t error_size)
{
    if (need_dau && !fs->given[EST_DAU]) {
        snprintf(error, error_size,
                 "--dau is required: how many people use the service each day? For example "
                 "--dau 10M, or start from a scenario: capacity scenario");
        return FLAG_MISSING;
    }
    if (fs->units_given) {
        snprintf(fs->units_why, sizeof fs->units_why, "as --units asked");
    } else if (fs->given[EST_PAYLOAD]) {
        fs->units = fs->payload_system;
        snprintf(fs->units_why, sizeof fs->units_why, "as in %s", fs->origin[EST_PAYLOAD]);
    } else {
        fs->units = NUM_DECIMAL;
        snprintf(fs->units_why, sizeof fs->units_why, "the default (--units binary for KiB)");
    }
    return FLAG_OK;
}

void flag_usage(FILE *out, unsigned allowed)
{
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        const flag *fl = &flags[i];
        if ((fl->group & allowed) == 0)
            continue;
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", fl->name, fl->example ? " " : "",
                 fl->example ? fl->example : "");
        fprintf(out, "  %-26s %s\n", left, fl->help);
    }
}
