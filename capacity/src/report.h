/*
 * report.h: how the calculator shows its results: the step-by-step text a
 * person reads, the JSON a script reads, the latency table and the list of
 * scenarios. Every function writes to the stream it is given and nowhere else.
 */
#ifndef CAPACITY_REPORT_H
#define CAPACITY_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "estimate.h"
#include "number.h"

/* How to show one estimate. */
typedef struct report_options {
    num_system units;                    /* the units sizes are shown in */
    const char *units_why;               /* why those units: "from --payload 1KB" (borrowed) */
    int figures;                         /* significant figures of the spoken forms, 1 to 6 */
    const char *scenario;                /* the scenario's name, or NULL */
    const char *title;                   /* the scenario's one-line title, or NULL */
    const char *notice;                  /* the scenario's lesson, or NULL */
    const char *origin[EST_FIELD_COUNT]; /* per input: "--dau 10M", "default", ... (borrowed) */
} report_options;

/*
 * A figure as people say it, into buf (NUM_TEXT_MAX bytes or more): "about
 * 1,160 QPS", "about 3.65 TB", "about 1.16 MB/s (9.26 Mbit/s)", "2 servers".
 * Returns buf.
 */
char *report_spoken(char *buf, size_t size, const est_figure *figure, num_system units,
                    int figures);

/*
 * The warnings an estimate deserves, one sentence each, into `lines` (up to
 * `max`, each REPORT_LINE_MAX bytes). Today: peak writes beyond what one
 * server handles (one primary cannot take them). Returns how many.
 */
#define REPORT_LINE_MAX 256
size_t report_warnings(const est_result *result, int figures, char lines[][REPORT_LINE_MAX],
                       size_t max);

/* The inputs, one per line: label, value, and origin[field] when `origin` is
 * not NULL ("--dau 10M", "default"). */
void report_inputs(FILE *out, const est_inputs *in, num_system units,
                   const char *const origin[EST_FIELD_COUNT]);

/* One figure as text: its label and spoken form, then the formula, the
 * numbers put in and the exact result, one per indented line. */
void report_figure(FILE *out, const est_figure *figure, num_system units, int figures);

/* The estimate as text: the inputs and where each came from, then every
 * figure with its formula, the numbers put in and the exact result, then a
 * summary in one breath. */
void report_text(FILE *out, const est_inputs *in, const est_result *result,
                 const report_options *options);

/* The same as one JSON object (UTF-8), for scripts: inputs, and per figure its
 * label, formula, working, exact value, unit and spoken form. */
void report_json(FILE *out, const est_inputs *in, const est_result *result,
                 const report_options *options);

/* The latency table, both years' columns, as text or as JSON. */
void report_latency_text(FILE *out);
void report_latency_json(FILE *out);

/* The scenarios, one per line, as `capacity scenario` lists them. */
void report_scenarios(FILE *out);

#endif /* CAPACITY_REPORT_H */
