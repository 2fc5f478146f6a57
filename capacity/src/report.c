/*
 * report.c: the calculator's output, as text and as JSON (see report.h).
 *
 * The text puts the answer first on each figure's line (that is what a
 * reader scans for), then the formula, the numbers put in and the exact
 * result, so every step can be checked by hand.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "scenario.h"

/* ---- saying a figure -------------------------------------------------------- */

char *report_spoken(char *buf, size_t size, const est_figure *figure, num_system units, int figures)
{
    char a[NUM_TEXT_MAX], b[NUM_TEXT_MAX];
    switch (figure->kind) {
    case EST_KIND_RATE:
        snprintf(buf, size, "about %s QPS", num_speak(a, sizeof a, figure->value, figures));
        break;
    case EST_KIND_BYTES:
        snprintf(buf, size, "about %s",
                 num_speak_bytes(a, sizeof a, figure->value, units, figures));
        break;
    case EST_KIND_BANDWIDTH:
        snprintf(buf, size, "about %s/s (%s)",
                 num_speak_bytes(a, sizeof a, figure->value, units, figures),
                 num_speak_bits(b, sizeof b, figure->value * 8, figures));
        break;
    case EST_KIND_SERVERS:
        snprintf(buf, size, "%.0f server%s", figure->value, figure->value == 1 ? "" : "s");
        break;
    }
    return buf;
}

/* The exact result with its unit: "1,157.41 per second", "3.65 TB". */
static char *exact_result(char *buf, size_t size, const est_figure *figure, num_system units)
{
    char a[NUM_TEXT_MAX];
    switch (figure->kind) {
    case EST_KIND_RATE:
        snprintf(buf, size, "%s per second", num_exact(a, sizeof a, figure->value));
        break;
    case EST_KIND_BYTES:
        snprintf(buf, size, "%s", num_exact_bytes(a, sizeof a, figure->value, units));
        break;
    case EST_KIND_BANDWIDTH:
        snprintf(buf, size, "%s/s", num_exact_bytes(a, sizeof a, figure->value, units));
        break;
    case EST_KIND_SERVERS:
        snprintf(buf, size, "%.0f", figure->value);
        break;
    }
    return buf;
}

size_t report_warnings(const est_result *result, int figures, char lines[][REPORT_LINE_MAX],
                       size_t max)
{
    size_t n = 0;
    const est_figure *writes = &result->figures[EST_PEAK_DB_WRITE_QPS];
    const est_figure *capacity = &result->figures[EST_SERVER_CAPACITY];
    if (n < max && writes->value > capacity->value) {
        char a[NUM_TEXT_MAX], b[NUM_TEXT_MAX];
        snprintf(lines[n++], REPORT_LINE_MAX,
                 "writes at the peak (%s a second) are more than one server handles (%s): one "
                 "primary cannot take them all; shard the writes, batch them, or queue them",
                 num_speak(a, sizeof a, writes->value, figures),
                 num_speak(b, sizeof b, capacity->value, figures));
    }
    return n;
}

/* ---- text ------------------------------------------------------------------- */

/* An input's value in words: "10,000,000", "1 KB", "80%", "5 ms". */
static char *input_text(char *buf, size_t size, const est_inputs *in, est_field field,
                        num_system units)
{
    char a[NUM_TEXT_MAX];
    double v = est_field_value(in, field);
    switch (field) {
    case EST_PAYLOAD:
        return num_exact_bytes(buf, size, v, units);
    case EST_CACHE_HIT:
    case EST_HOT_SET:
        snprintf(buf, size, "%s%%", num_exact(a, sizeof a, v * 100));
        return buf;
    case EST_QUERY_MS:
        snprintf(buf, size, "%s ms", num_exact(a, sizeof a, v));
        return buf;
    case EST_PEAK:
        snprintf(buf, size, "%sx", num_exact(a, sizeof a, v));
        return buf;
    case EST_SERVER_QPS:
        if (v == 0)
            return snprintf(buf, size, "from the query time"), buf;
        return num_exact(buf, size, v);
    default:
        return num_exact(buf, size, v);
    }
}

void report_inputs(FILE *out, const est_inputs *in, num_system units,
                   const char *const origin[EST_FIELD_COUNT])
{
    for (int f = 0; f < EST_FIELD_COUNT; f++) {
        char value[NUM_TEXT_MAX];
        input_text(value, sizeof value, in, (est_field)f, units);
        if (origin != NULL && origin[f] != NULL)
            fprintf(out, "  %-32s %-20s %s\n", est_field_label((est_field)f), value, origin[f]);
        else
            fprintf(out, "  %-32s %s\n", est_field_label((est_field)f), value);
    }
}

void report_figure(FILE *out, const est_figure *f, num_system units, int figures)
{
    char spoken[NUM_TEXT_MAX * 2], exact[NUM_TEXT_MAX * 2];
    fprintf(out, "  %s: %s\n", f->label, report_spoken(spoken, sizeof spoken, f, units, figures));
    fprintf(out, "      = %s\n", f->formula);
    if (f->working[0] != '\0')
        fprintf(out, "      = %s\n", f->working);
    fprintf(out, "      = %s\n", exact_result(exact, sizeof exact, f, units));
}

/* The sections of the text report, and the figures in each. */
static const struct {
    const char *title;
    est_figure_id first, last;
} sections[] = {
    { "Traffic", EST_READ_QPS, EST_PEAK_WRITE_QPS },
    { "Bandwidth", EST_BANDWIDTH_OUT, EST_PEAK_BANDWIDTH_IN },
    { "Storage", EST_STORAGE_PER_DAY, EST_STORAGE_TOTAL },
    { "Cache", EST_CACHE_MEMORY, EST_CACHE_MEMORY },
    { "Database", EST_DB_READ_QPS, EST_PEAK_DB_SERVERS },
};

/* The figures that matter most, in one paragraph. */
static void text_summary(FILE *out, const est_result *r, const report_options *o)
{
    char s[12][NUM_TEXT_MAX];
    const est_figure *f = r->figures;
    int k = o->figures;
    num_system u = o->units;
    fprintf(out, "In one breath\n");
    fprintf(out, "  %s reads/s (%s at the peak) and %s writes/s; %s/s out, %s/s in;\n",
            num_speak(s[0], sizeof s[0], f[EST_READ_QPS].value, k),
            num_speak(s[1], sizeof s[1], f[EST_PEAK_READ_QPS].value, k),
            num_speak(s[2], sizeof s[2], f[EST_WRITE_QPS].value, k),
            num_speak_bytes(s[3], sizeof s[3], f[EST_BANDWIDTH_OUT].value, u, k),
            num_speak_bytes(s[4], sizeof s[4], f[EST_BANDWIDTH_IN].value, u, k));
    fprintf(out, "  %s a day, %s a year (one copy); %s kept with every copy; %s of cache;\n",
            num_speak_bytes(s[5], sizeof s[5], f[EST_STORAGE_PER_DAY].value, u, k),
            num_speak_bytes(s[6], sizeof s[6], f[EST_STORAGE_PER_YEAR].value, u, k),
            num_speak_bytes(s[7], sizeof s[7], f[EST_STORAGE_TOTAL].value, u, k),
            num_speak_bytes(s[8], sizeof s[8], f[EST_CACHE_MEMORY].value, u, k));
    fprintf(out, "  %s database reads/s after the cache: %.0f server%s (%.0f at the peak).\n",
            num_speak(s[9], sizeof s[9], f[EST_DB_READ_QPS].value, k), f[EST_DB_SERVERS].value,
            f[EST_DB_SERVERS].value == 1 ? "" : "s", f[EST_PEAK_DB_SERVERS].value);
}

void report_text(FILE *out, const est_inputs *in, const est_result *result, const report_options *o)
{
    if (o->scenario != NULL)
        fprintf(out, "Capacity estimate for %s: %s\n", o->scenario, o->title);
    else
        fprintf(out, "Capacity estimate\n");
    fprintf(out, "Units: %s (1 %s = %s bytes), %s.\n",
            o->units == NUM_BINARY ? "binary" : "decimal", num_kilo_unit(o->units),
            o->units == NUM_BINARY ? "1,024" : "1,000", o->units_why);
    fprintf(out, "Answers rounded to %d significant figure%s, the way people say them.\n\n",
            o->figures, o->figures == 1 ? "" : "s");
    fprintf(out, "Inputs\n");
    report_inputs(out, in, o->units, o->origin);
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        fprintf(out, "\n%s\n", sections[s].title);
        for (int id = sections[s].first; id <= (int)sections[s].last; id++)
            report_figure(out, &result->figures[id], o->units, o->figures);
    }
    fprintf(out, "\n");
    text_summary(out, result, o);
    char warnings[4][REPORT_LINE_MAX];
    size_t n = report_warnings(result, o->figures, warnings, 4);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "\nWarning: %s.\n", warnings[i]);
    if (o->notice != NULL)
        fprintf(out, "\nWhat to notice: %s\n", o->notice);
}

/* ---- JSON ------------------------------------------------------------------- */

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8 kept. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A number as JSON: the shortest form that reads back as exactly the same
 * double (0.8, not 0.80000000000000004), so scripts get the exact value. */
static void json_number(FILE *out, double v)
{
    char text[32];
    if (!isfinite(v)) {
        fprintf(out, "null");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtod(text, NULL) == v)
            break;
    }
    fprintf(out, "%s", text);
}

static const char *unit_name(est_kind kind)
{
    switch (kind) {
    case EST_KIND_RATE:
        return "per_second";
    case EST_KIND_BYTES:
        return "bytes";
    case EST_KIND_BANDWIDTH:
        return "bytes_per_second";
    case EST_KIND_SERVERS:
        return "servers";
    }
    return "";
}

static void json_figure(FILE *out, const est_figure *f, const report_options *o)
{
    char spoken[NUM_TEXT_MAX * 2];
    fprintf(out, "    ");
    json_string(out, f->key);
    fprintf(out, ": {\"label\": ");
    json_string(out, f->label);
    fprintf(out, ", \"formula\": ");
    json_string(out, f->formula);
    fprintf(out, ", \"working\": ");
    json_string(out, f->working);
    fprintf(out, ", \"value\": ");
    json_number(out, f->value);
    fprintf(out, ", \"unit\": \"%s\", \"spoken\": ", unit_name(f->kind));
    json_string(out, report_spoken(spoken, sizeof spoken, f, o->units, o->figures));
    fprintf(out, "}");
}

void report_json(FILE *out, const est_inputs *in, const est_result *result, const report_options *o)
{
    fprintf(out, "{\n  \"units\": \"%s\",\n  \"significant_figures\": %d,\n  \"scenario\": ",
            o->units == NUM_BINARY ? "binary" : "decimal", o->figures);
    if (o->scenario != NULL)
        json_string(out, o->scenario);
    else
        fprintf(out, "null");
    fprintf(out, ",\n  \"inputs\": {");
    for (int f = 0; f < EST_FIELD_COUNT; f++) {
        double v = est_field_value(in, (est_field)f);
        fprintf(out, "%s\n    \"%s\": ", f ? "," : "", est_field_key((est_field)f));
        if (f == EST_SERVER_QPS && v == 0)
            fprintf(out, "null");
        else
            json_number(out, v);
    }
    fprintf(out, "\n  },\n  \"figures\": {\n");
    for (int id = 0; id < EST_FIGURE_COUNT; id++) {
        json_figure(out, &result->figures[id], o);
        fprintf(out, "%s\n", id + 1 < EST_FIGURE_COUNT ? "," : "");
    }
    fprintf(out, "  },\n  \"warnings\": [");
    char warnings[4][REPORT_LINE_MAX];
    size_t n = report_warnings(result, o->figures, warnings, 4);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s", i ? ", " : "");
        json_string(out, warnings[i]);
    }
    fprintf(out, "]\n}\n");
}

/* ---- latency and scenarios -------------------------------------------------- */

/* A duration in the unit that reads best: "0.5 ns", "150 µs", "10 ms". */
static char *duration(char *buf, size_t size, double ns)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = { { 1e6, "ms" }, { 1e3, "µs" }, { 1, "ns" } };
    char a[NUM_TEXT_MAX];
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ns >= units[i].scale || i + 1 == sizeof units / sizeof units[0]) {
            snprintf(buf, size, "%s %s", num_exact(a, sizeof a, ns / units[i].scale),
                     units[i].unit);
            break;
        }
    }
    return buf;
}

void report_latency_text(FILE *out)
{
    fprintf(out, "Latency numbers every engineer should know\n");
    fprintf(out, "%s: the classic table (Jeff Dean, after Peter Norvig), as shared around 2012.\n",
            LAT_CLASSIC_YEAR);
    fprintf(out, "%s: typical on current servers; orders of magnitude, not benchmarks.\n\n",
            LAT_MODERN_YEAR);
    fprintf(out, "  %-48s %12s %12s\n", "operation", LAT_CLASSIC_YEAR, LAT_MODERN_YEAR);
    for (size_t i = 0; i < lat_count(); i++) {
        const lat_entry *e = lat_at(i);
        char then[NUM_TEXT_MAX], now[NUM_TEXT_MAX];
        /* µ is two bytes but one column: pad by hand so the columns line up. */
        duration(then, sizeof then, e->classic_ns);
        duration(now, sizeof now, e->modern_ns);
        fprintf(out, "  %-48s %*s %*s%s%s\n", e->operation, 12 + (strstr(then, "µ") != NULL), then,
                12 + (strstr(now, "µ") != NULL), now, e->note[0] != '\0' ? "   " : "", e->note);
    }
    fprintf(out, "\nThe ratios outlive the numbers: memory is about 100x an L1 hit, a round trip "
                 "in a data centre\ncosts thousands of memory reads, and a trip across an ocean "
                 "costs 150 ms forever.\n");
}

void report_latency_json(FILE *out)
{
    fprintf(out, "{\n  \"columns\": {\"classic_ns\": \"%s\", \"modern_ns\": \"%s\"},\n",
            LAT_CLASSIC_YEAR, LAT_MODERN_YEAR);
    fprintf(out, "  \"rows\": [\n");
    for (size_t i = 0; i < lat_count(); i++) {
        const lat_entry *e = lat_at(i);
        fprintf(out, "    {\"operation\": ");
        json_string(out, e->operation);
        fprintf(out, ", \"classic_ns\": ");
        json_number(out, e->classic_ns);
        fprintf(out, ", \"modern_ns\": ");
        json_number(out, e->modern_ns);
        fprintf(out, "}%s\n", i + 1 < lat_count() ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

void report_scenarios(FILE *out)
{
    fprintf(out, "Scenarios (capacity scenario NAME [flags to change]):\n");
    for (size_t i = 0; i < scn_count(); i++)
        fprintf(out, "  %-15s %s\n", scn_at(i)->name, scn_at(i)->title);
}
