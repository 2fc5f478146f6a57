/*
 * estimate.h: the capacity calculator's model. Inputs (daily users, reads and
 * writes per user, item size, ...) go in; every figure of a back-of-the-
 * envelope estimate comes out, each with its formula and the numbers put in.
 * Pure arithmetic: no state, no output.
 */
#ifndef CAPACITY_ESTIMATE_H
#define CAPACITY_ESTIMATE_H

#include "number.h"

#define EST_SECONDS_PER_DAY 86400.0
#define EST_DAYS_PER_YEAR   365.0

/*
 * What the estimate starts from. One payload size serves both directions: a
 * read returns one item, a write stores one (the classic simplification; a
 * design with small writes and large reads runs two estimates).
 */
typedef struct est_inputs {
    double dau;             /* daily active users, > 0 */
    double reads_per_user;  /* reads per user per day, >= 0 */
    double writes_per_user; /* writes per user per day, >= 0 */
    double payload;         /* bytes per item read or written, > 0 */
    double peak;            /* peak traffic as a multiple of the average, >= 1 */
    double cache_hit;       /* fraction of reads the cache answers, 0 to 1 */
    double hot_set;         /* fraction of a day's reads worth keeping in the cache, 0 to 1 */
    double query_ms;        /* milliseconds one database query takes, > 0 */
    double db_concurrency;  /* queries one database server runs at once, >= 1 */
    double server_qps;      /* queries per second one server handles; 0 means
                               derive it: db_concurrency * 1000 / query_ms */
    double years;           /* how long the data is kept, > 0 */
    double replication;     /* copies of every byte stored, >= 1 (1.5 for erasure coding) */
} est_inputs;

/* The inputs, one name each, in the order reports list them. */
typedef enum est_field {
    EST_DAU,
    EST_READS_PER_USER,
    EST_WRITES_PER_USER,
    EST_PAYLOAD,
    EST_PEAK,
    EST_CACHE_HIT,
    EST_HOT_SET,
    EST_QUERY_MS,
    EST_DB_CONCURRENCY,
    EST_SERVER_QPS,
    EST_YEARS,
    EST_REPLICATION,
    EST_FIELD_COUNT
} est_field;

/*
 * The defaults: the classic interview example (10 reads and 1 write per user
 * per day, 1 KB items, a peak three times the average, an 80% cache hit
 * ratio, 5 ms queries one at a time, a year of data kept in 3 copies, a hot
 * set of 20% of a day's reads) with dau = 0, which the caller must set.
 */
void est_defaults(est_inputs *in);

/* The input's name in JSON ("reads_per_user"); static. */
const char *est_field_key(est_field field);

/* The input in words, for reports ("reads per user per day"); static. */
const char *est_field_label(est_field field);

/* A pointer to the input `field` of `in`. */
double *est_field_of(est_inputs *in, est_field field);

/* The same, read-only. */
double est_field_value(const est_inputs *in, est_field field);

/*
 * NULL if `value` is allowed for `field`, or why not, in a phrase that
 * follows the value in a message: "must be between 0 and 1: a hit ratio is
 * the fraction of reads the cache answers". EST_SERVER_QPS allows 0 (derive
 * it) here; a command-line flag that sets it should refuse 0 itself.
 */
const char *est_check_field(est_field field, double value);

/* The figures, in the order reports show them. */
typedef enum est_figure_id {
    EST_READ_QPS,             /* average reads per second */
    EST_WRITE_QPS,            /* average writes per second */
    EST_PEAK_READ_QPS,        /* reads per second at the peak */
    EST_PEAK_WRITE_QPS,       /* writes per second at the peak */
    EST_BANDWIDTH_OUT,        /* bytes per second served by reads, average */
    EST_BANDWIDTH_IN,         /* bytes per second received by writes, average */
    EST_PEAK_BANDWIDTH_OUT,   /* bytes per second served at the peak */
    EST_PEAK_BANDWIDTH_IN,    /* bytes per second received at the peak */
    EST_STORAGE_PER_DAY,      /* new bytes per day, one copy */
    EST_STORAGE_PER_DAY_ALL,  /* new bytes per day, with every copy */
    EST_STORAGE_PER_YEAR,     /* new bytes per year, one copy */
    EST_STORAGE_PER_YEAR_ALL, /* new bytes per year, with every copy */
    EST_STORAGE_TOTAL,        /* bytes kept after `years`, with every copy */
    EST_CACHE_MEMORY,         /* bytes of cache for the hot set */
    EST_DB_READ_QPS,          /* reads per second the cache misses, average */
    EST_PEAK_DB_READ_QPS,     /* the same at the peak */
    EST_DB_WRITE_QPS,         /* writes per second reaching the primary, average */
    EST_PEAK_DB_WRITE_QPS,    /* the same at the peak */
    EST_SERVER_CAPACITY,      /* queries per second one database server handles */
    EST_DB_SERVERS,           /* servers (replicas) the average cache misses need */
    EST_PEAK_DB_SERVERS,      /* servers the peak's cache misses need */
    EST_FIGURE_COUNT
} est_figure_id;

/* What a figure measures, which decides how it is said. */
typedef enum est_kind {
    EST_KIND_RATE,      /* per second: "about 1,160 QPS" */
    EST_KIND_BYTES,     /* "about 3.65 TB" */
    EST_KIND_BANDWIDTH, /* bytes per second: "about 1.16 MB/s" */
    EST_KIND_SERVERS    /* a whole number of machines: "2 servers" */
} est_kind;

/* Room for a figure's working, NUL included. */
#define EST_WORKING_MAX 384

/* One computed figure. */
typedef struct est_figure {
    const char *key;     /* its name in JSON: "read_qps" (static) */
    const char *label;   /* "read QPS, average" (static) */
    const char *formula; /* "DAU × reads per user / 86,400 s" (static) */
    est_kind kind;
    double value;                  /* the exact result, before any rounding */
    char working[EST_WORKING_MAX]; /* the formula with the numbers put in; "" when the
                                      formula is another figure's value as it is */
} est_figure;

/* Every figure, indexed by est_figure_id. */
typedef struct est_result {
    est_figure figures[EST_FIGURE_COUNT];
} est_result;

/* What est_compute can report. */
typedef enum est_status {
    EST_OK = 0,
    EST_INVALID /* an input failed est_check_field, or dau is 0; `out` is untouched */
} est_status;

/*
 * Computes every figure from `in`, exactly (no intermediate rounding: each
 * step uses the previous step's exact value). `system` says in which units
 * the working shows sizes. Server counts round up, after forgiving one part
 * in a billion of floating-point error (exactly 2.0 servers' worth is 2), and
 * are at least 1: a service with a database has one. Returns EST_OK, or
 * EST_INVALID without touching `out`. O(1).
 */
est_status est_compute(const est_inputs *in, num_system system, est_result *out);

#endif /* CAPACITY_ESTIMATE_H */
