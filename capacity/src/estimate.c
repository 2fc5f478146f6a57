/*
 * estimate.c: the formulas of a back-of-the-envelope estimate (see estimate.h).
 *
 * Every figure is computed from the inputs and from earlier figures' exact
 * values; rounding happens only when a figure is said. The working strings
 * show the numbers that went in, so a reader can redo each step by hand.
 */
#include "estimate.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

void est_defaults(est_inputs *in)
{
    *in = (est_inputs){
        .dau = 0,
        .reads_per_user = 10,
        .writes_per_user = 1,
        .payload = 1000,
        .peak = 3,
        .cache_hit = 0.8,
        .hot_set = 0.2,
        .query_ms = 5,
        .db_concurrency = 1,
        .server_qps = 0,
        .years = 1,
        .replication = 3,
    };
}

static const size_t field_offsets[EST_FIELD_COUNT] = {
    [EST_DAU] = offsetof(est_inputs, dau),
    [EST_READS_PER_USER] = offsetof(est_inputs, reads_per_user),
    [EST_WRITES_PER_USER] = offsetof(est_inputs, writes_per_user),
    [EST_PAYLOAD] = offsetof(est_inputs, payload),
    [EST_PEAK] = offsetof(est_inputs, peak),
    [EST_CACHE_HIT] = offsetof(est_inputs, cache_hit),
    [EST_HOT_SET] = offsetof(est_inputs, hot_set),
    [EST_QUERY_MS] = offsetof(est_inputs, query_ms),
    [EST_DB_CONCURRENCY] = offsetof(est_inputs, db_concurrency),
    [EST_SERVER_QPS] = offsetof(est_inputs, server_qps),
    [EST_YEARS] = offsetof(est_inputs, years),
    [EST_REPLICATION] = offsetof(est_inputs, replication),
};

static const struct {
    const char *key, *label;
} field_names[EST_FIELD_COUNT] = {
    [EST_DAU] = { "dau", "daily active users" },
    [EST_READS_PER_USER] = { "reads_per_user", "reads per user per day" },
    [EST_WRITES_PER_USER] = { "writes_per_user", "writes per user per day" },
    [EST_PAYLOAD] = { "payload_bytes", "bytes per item" },
    [EST_PEAK] = { "peak", "peak / average" },
    [EST_CACHE_HIT] = { "cache_hit", "cache hit ratio" },
    [EST_HOT_SET] = { "hot_set", "hot set, share of a day's reads" },
    [EST_QUERY_MS] = { "query_ms", "milliseconds per query" },
    [EST_DB_CONCURRENCY] = { "db_concurrency", "queries at once per server" },
    [EST_SERVER_QPS] = { "db_qps", "queries per second per server" },
    [EST_YEARS] = { "years", "years kept" },
    [EST_REPLICATION] = { "replication", "copies of the data" },
};

const char *est_field_key(est_field field)
{
    assert(field >= 0 && field < EST_FIELD_COUNT);
    return field_names[field].key;
}

const char *est_field_label(est_field field)
{
    assert(field >= 0 && field < EST_FIELD_COUNT);
    return field_names[field].label;
}

double *est_field_of(est_inputs *in, est_field field)
{
    assert(field >= 0 && field < EST_FIELD_COUNT);
    return (double *)((char *)in + field_offsets[field]);
}

double est_field_value(const est_inputs *in, est_field field)
{
    assert(field >= 0 && field < EST_FIELD_COUNT);
    return *(const double *)((const char *)in + field_offsets[field]);
}

/* The allowed range of each input, next to the reason a learner reads. */
const char *est_check_field(est_field field, double value)
{
    if (!isfinite(value))
        return "must be a finite number";
    switch (field) {
    case EST_DAU:
        return value > 0 ? NULL : "must be above 0: how many people use it each day?";
    case EST_READS_PER_USER:
    case EST_WRITES_PER_USER:
        return value >= 0 ? NULL : "must be 0 or more: a count of requests per user per day";
    case EST_PAYLOAD:
        return value > 0 ? NULL : "must be above 0: the bytes one read returns or one write stores";
    case EST_PEAK:
        return value >= 1 ? NULL
                          : "must be at least 1: the peak is a multiple of the average "
                            "(3 means three times the average)";
    case EST_CACHE_HIT:
        return value <= 1 && value >= 0 ? NULL
                                        : "must be between 0 and 1: a hit ratio is the fraction "
                                          "of reads the cache answers (0.8 or 80%)";
    case EST_HOT_SET:
        return value <= 1 && value >= 0 ? NULL
                                        : "must be between 0 and 1: the fraction of a day's "
                                          "reads worth keeping in the cache (0.2 or 20%)";
    case EST_QUERY_MS:
        return value > 0 ? NULL : "must be above 0: how long one database query takes";
    case EST_DB_CONCURRENCY:
        return value >= 1 ? NULL : "must be at least 1: queries one server runs at the same time";
    case EST_SERVER_QPS:
        return value >= 0 ? NULL : "must be above 0: queries per second one server handles";
    case EST_YEARS:
        return value > 0 ? NULL : "must be above 0: how long the data is kept";
    case EST_REPLICATION:
        return value >= 1 ? NULL : "must be at least 1: the number of copies of every byte";
    case EST_FIELD_COUNT:
        break;
    }
    return "is not an input";
}

/* ---- the figures ------------------------------------------------------------ */

/* Fills the static parts of a figure and its value; the working comes after. */
static est_figure *set(est_result *r, est_figure_id id, const char *key, const char *label,
                       const char *formula, est_kind kind, double value)
{
    est_figure *f = &r->figures[id];
    *f = (est_figure){ .key = key, .label = label, .formula = formula, .kind = kind };
    f->value = value;
    return f;
}

/* A number's text, returned by value so that several fit in one snprintf:
 * the array of a returned struct lives until the end of the full expression. */
typedef struct text {
    char s[NUM_TEXT_MAX + 16]; /* a number, and a word after it */
} text;

static text exact(double x)
{
    text t;
    num_exact(t.s, sizeof t.s, x);
    return t;
}

static text size_of(double bytes, num_system system)
{
    text t;
    num_exact_bytes(t.s, sizeof t.s, bytes, system);
    return t;
}

/* Servers for `qps` at `capacity` each: rounded up, at least one. */
static double servers_for(double qps, double capacity)
{
    double need = qps / capacity;
    double whole = ceil(need - need * 1e-9); /* 2.0000000001 servers' worth is 2 */
    return whole < 1 ? 1 : whole;
}

static void traffic(const est_inputs *in, est_result *r)
{
    est_figure *f;
    f = set(r, EST_READ_QPS, "read_qps", "read QPS, average", "DAU × reads per user / 86,400 s",
            EST_KIND_RATE, in->dau * in->reads_per_user / EST_SECONDS_PER_DAY);
    snprintf(f->working, sizeof f->working, "%s × %s / 86,400", exact(in->dau).s,
             exact(in->reads_per_user).s);
    f = set(r, EST_WRITE_QPS, "write_qps", "write QPS, average", "DAU × writes per user / 86,400 s",
            EST_KIND_RATE, in->dau * in->writes_per_user / EST_SECONDS_PER_DAY);
    snprintf(f->working, sizeof f->working, "%s × %s / 86,400", exact(in->dau).s,
             exact(in->writes_per_user).s);

    double reads = r->figures[EST_READ_QPS].value, writes = r->figures[EST_WRITE_QPS].value;
    f = set(r, EST_PEAK_READ_QPS, "peak_read_qps", "read QPS, peak", "read QPS × peak factor",
            EST_KIND_RATE, reads * in->peak);
    snprintf(f->working, sizeof f->working, "%s × %s", exact(reads).s, exact(in->peak).s);
    f = set(r, EST_PEAK_WRITE_QPS, "peak_write_qps", "write QPS, peak", "write QPS × peak factor",
            EST_KIND_RATE, writes * in->peak);
    snprintf(f->working, sizeof f->working, "%s × %s", exact(writes).s, exact(in->peak).s);
}

static void bandwidth(const est_inputs *in, num_system system, est_result *r)
{
    static const struct {
        est_figure_id id, from;
        const char *key, *label, *formula;
    } rows[] = {
        { EST_BANDWIDTH_OUT, EST_READ_QPS, "bandwidth_out", "bandwidth out, average",
          "read QPS × payload" },
        { EST_BANDWIDTH_IN, EST_WRITE_QPS, "bandwidth_in", "bandwidth in, average",
          "write QPS × payload" },
        { EST_PEAK_BANDWIDTH_OUT, EST_PEAK_READ_QPS, "peak_bandwidth_out", "bandwidth out, peak",
          "peak read QPS × payload" },
        { EST_PEAK_BANDWIDTH_IN, EST_PEAK_WRITE_QPS, "peak_bandwidth_in", "bandwidth in, peak",
          "peak write QPS × payload" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double qps = r->figures[rows[i].from].value;
        est_figure *f = set(r, rows[i].id, rows[i].key, rows[i].label, rows[i].formula,
                            EST_KIND_BANDWIDTH, qps * in->payload);
        snprintf(f->working, sizeof f->working, "%s/s × %s", exact(qps).s,
                 size_of(in->payload, system).s);
    }
}

/* "3 copies", "1 copy", "1.5 copies". */
static text copies(double n)
{
    text t;
    char number[NUM_TEXT_MAX];
    snprintf(t.s, sizeof t.s, "%s cop%s", num_exact(number, sizeof number, n),
             n == 1 ? "y" : "ies");
    return t;
}

/* A figure for every copy of another: `one` × replication. */
static void every_copy(const est_inputs *in, num_system system, est_result *r, est_figure_id id,
                       est_figure_id one, const char *key, const char *label, const char *formula)
{
    double bytes = r->figures[one].value;
    est_figure *f = set(r, id, key, label, formula, EST_KIND_BYTES, bytes * in->replication);
    snprintf(f->working, sizeof f->working, "%s × %s", size_of(bytes, system).s,
             copies(in->replication).s);
}

static void storage(const est_inputs *in, num_system system, est_result *r)
{
    est_figure *f;
    f = set(r, EST_STORAGE_PER_DAY, "storage_per_day", "storage per day, one copy",
            "DAU × writes per user × payload", EST_KIND_BYTES,
            in->dau * in->writes_per_user * in->payload);
    snprintf(f->working, sizeof f->working, "%s × %s × %s", exact(in->dau).s,
             exact(in->writes_per_user).s, size_of(in->payload, system).s);
    every_copy(in, system, r, EST_STORAGE_PER_DAY_ALL, EST_STORAGE_PER_DAY,
               "storage_per_day_replicated", "storage per day, every copy",
               "storage per day × replication");

    double day = r->figures[EST_STORAGE_PER_DAY].value;
    f = set(r, EST_STORAGE_PER_YEAR, "storage_per_year", "storage per year, one copy",
            "storage per day × 365", EST_KIND_BYTES, day * EST_DAYS_PER_YEAR);
    snprintf(f->working, sizeof f->working, "%s × 365", size_of(day, system).s);
    every_copy(in, system, r, EST_STORAGE_PER_YEAR_ALL, EST_STORAGE_PER_YEAR,
               "storage_per_year_replicated", "storage per year, every copy",
               "storage per year × replication");

    double year = r->figures[EST_STORAGE_PER_YEAR].value;
    f = set(r, EST_STORAGE_TOTAL, "storage_total", "storage kept, every copy",
            "storage per year × years × replication", EST_KIND_BYTES,
            year * in->years * in->replication);
    snprintf(f->working, sizeof f->working, "%s × %s year%s × %s", size_of(year, system).s,
             exact(in->years).s, in->years == 1 ? "" : "s", copies(in->replication).s);
}

static void cache(const est_inputs *in, num_system system, est_result *r)
{
    est_figure *f = set(r, EST_CACHE_MEMORY, "cache_memory", "cache memory for the hot set",
                        "hot set × DAU × reads per user × payload", EST_KIND_BYTES,
                        in->hot_set * in->dau * in->reads_per_user * in->payload);
    snprintf(f->working, sizeof f->working, "%s × %s × %s × %s", exact(in->hot_set).s,
             exact(in->dau).s, exact(in->reads_per_user).s, size_of(in->payload, system).s);
}

static void database(const est_inputs *in, est_result *r)
{
    est_figure *f;
    double miss = 1 - in->cache_hit;
    double reads = r->figures[EST_READ_QPS].value, peak = r->figures[EST_PEAK_READ_QPS].value;
    f = set(r, EST_DB_READ_QPS, "db_read_qps", "database reads after the cache, average",
            "read QPS × (1 - cache hit ratio)", EST_KIND_RATE, reads * miss);
    snprintf(f->working, sizeof f->working, "%s × (1 - %s)", exact(reads).s,
             exact(in->cache_hit).s);
    f = set(r, EST_PEAK_DB_READ_QPS, "peak_db_read_qps", "database reads after the cache, peak",
            "peak read QPS × (1 - cache hit ratio)", EST_KIND_RATE, peak * miss);
    snprintf(f->working, sizeof f->working, "%s × (1 - %s)", exact(peak).s, exact(in->cache_hit).s);

    double writes = r->figures[EST_WRITE_QPS].value;
    double peak_writes = r->figures[EST_PEAK_WRITE_QPS].value;
    f = set(r, EST_DB_WRITE_QPS, "db_write_qps", "database writes (all reach the primary), average",
            "write QPS: a cache absorbs no writes", EST_KIND_RATE, writes);
    f = set(r, EST_PEAK_DB_WRITE_QPS, "peak_db_write_qps",
            "database writes (all reach the primary), peak", "peak write QPS", EST_KIND_RATE,
            peak_writes);

    double capacity =
        in->server_qps > 0 ? in->server_qps : in->db_concurrency * 1000 / in->query_ms;
    if (in->server_qps > 0) {
        f = set(r, EST_SERVER_CAPACITY, "server_qps", "queries one database server handles",
                "as given (--db-qps)", EST_KIND_RATE, capacity);
        snprintf(f->working, sizeof f->working, "%s", exact(capacity).s);
    } else {
        f = set(r, EST_SERVER_CAPACITY, "server_qps", "queries one database server handles",
                "queries at once × 1,000 ms / query time", EST_KIND_RATE, capacity);
        snprintf(f->working, sizeof f->working, "%s × 1,000 / %s ms", exact(in->db_concurrency).s,
                 exact(in->query_ms).s);
    }

    double db = r->figures[EST_DB_READ_QPS].value, db_peak = r->figures[EST_PEAK_DB_READ_QPS].value;
    f = set(r, EST_DB_SERVERS, "db_servers", "database servers for the reads, average",
            "database reads / one server's QPS, rounded up", EST_KIND_SERVERS,
            servers_for(db, capacity));
    snprintf(f->working, sizeof f->working, "%s / %s = %s, rounded up", exact(db).s,
             exact(capacity).s, exact(db / capacity).s);
    f = set(r, EST_PEAK_DB_SERVERS, "peak_db_servers", "database servers for the reads, peak",
            "peak database reads / one server's QPS, rounded up", EST_KIND_SERVERS,
            servers_for(db_peak, capacity));
    snprintf(f->working, sizeof f->working, "%s / %s = %s, rounded up", exact(db_peak).s,
             exact(capacity).s, exact(db_peak / capacity).s);
}

est_status est_compute(const est_inputs *in, num_system system, est_result *out)
{
    for (int field = 0; field < EST_FIELD_COUNT; field++) {
        if (est_check_field((est_field)field, est_field_value(in, (est_field)field)) != NULL)
            return EST_INVALID;
    }
    est_result r;
    traffic(in, &r);
    bandwidth(in, system, &r);
    storage(in, system, &r);
    cache(in, system, &r);
    database(in, &r);
    *out = r;
    return EST_OK;
}
