/*
 * report.c: the load tester's printed report (report.h).
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "hist.h"

enum { BAR_WIDTH = 40 };

/* n with thousands separators (1,234,567), in buf (at least 32 bytes). */
static const char *grouped(char *buf, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%" PRIu64, n), at = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[at++] = ',';
        buf[at++] = digits[i];
    }
    buf[at] = '\0';
    return buf;
}

/* A share in percent with one decimal, without a trailing ".0" (80%, 33.3%). */
static void percent(FILE *out, double share)
{
    double p = (double)(int64_t)(share * 1000 + 0.5) / 10; /* rounded to one decimal */
    if (p == (double)(int64_t)p)
        fprintf(out, "%.0f%%", p);
    else
        fprintf(out, "%.1f%%", p);
}

void report_header(FILE *out, const opt_config *cfg)
{
    char a[32];
    fprintf(out, "loadtest: %s:%d, %d connection%s on %d thread%s, pipeline %d\n", cfg->host,
            cfg->port, cfg->connections, cfg->connections == 1 ? "" : "s", cfg->threads,
            cfg->threads == 1 ? "" : "s", cfg->pipeline);
    if (cfg->requests > 0)
        fprintf(out, "          %s requests; ", grouped(a, cfg->requests));
    else
        fprintf(out, "          for %g s; ", (double)cfg->duration / WB_SEC);
    double gets = (double)cfg->get_weight / ((double)cfg->get_weight + cfg->set_weight);
    percent(out, gets);
    fprintf(out, " GET, ");
    percent(out, 1 - gets);
    fprintf(out, " SET; %s keys; %zu-byte values; seed %" PRIu64 "\n", grouped(a, cfg->keys),
            cfg->value_size, cfg->seed);
}

static void print_errors(FILE *out, const lt_result *r)
{
    char a[32], b[32], c[32], d[32];
    uint64_t errors = r->error_replies + r->unexpected_replies + r->lost_requests;
    if (errors == 0) {
        fprintf(out, "errors       0\n");
        return;
    }
    fprintf(out,
            "errors       %s: %s error replies, %s unexpected replies, %s lost with a connection\n",
            grouped(a, errors), grouped(b, r->error_replies), grouped(c, r->unexpected_replies),
            grouped(d, r->lost_requests));
    if (r->first_error[0] != '\0')
        fprintf(out, "             first: %s\n", r->first_error);
}

static void print_losses(FILE *out, const opt_config *cfg, const lt_result *r)
{
    char a[32];
    if (r->connections_lost == 0)
        return;
    fprintf(out, "connections  %d of %d lost; first: %s\n", r->connections_lost, cfg->connections,
            r->first_loss);
    if (r->unsent_requests > 0)
        fprintf(out, "             %s requests never sent\n", grouped(a, r->unsent_requests));
}

static void print_percentiles(FILE *out, const hist *h)
{
    static const double points[] = { 50, 90, 99, 99.9, 100 };
    fprintf(out, "\nlatency (ms)      p50      p90      p99    p99.9      max     mean\n");
    fprintf(out, "            ");
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        uint64_t v = 0;
        hist_percentile(h, points[i], &v);
        fprintf(out, " %8.3f", (double)v / 1e6);
    }
    fprintf(out, " %8.3f\n", hist_mean(h) / 1e6);
}

static void print_histogram(FILE *out, const hist *h)
{
    hist_row rows[REPORT_HISTOGRAM_ROWS];
    size_t n = hist_rows(h, rows, REPORT_HISTOGRAM_ROWS);
    uint64_t tallest = 0, total = hist_count(h), below = 0;
    for (size_t i = 0; i < n; i++)
        tallest = rows[i].count > tallest ? rows[i].count : tallest;
    fprintf(out, "\nlatency histogram (ms)\n");
    for (size_t i = 0; i < n; i++) {
        char bar[BAR_WIDTH + 1], a[32];
        size_t len = (size_t)((rows[i].count * BAR_WIDTH + tallest / 2) / tallest);
        memset(bar, '#', len);
        memset(bar + len, ' ', BAR_WIDTH - len);
        bar[BAR_WIDTH] = '\0';
        below += rows[i].count;
        fprintf(out, "  %8.3f - %8.3f |%s| %5.1f%%  %5.1f%%  %s\n", (double)rows[i].low / 1e6,
                (double)rows[i].high / 1e6, bar, 100.0 * (double)rows[i].count / (double)total,
                100.0 * (double)below / (double)total, grouped(a, rows[i].count));
    }
}

void report_results(FILE *out, const opt_config *cfg, const lt_result *r)
{
    char a[32], b[32], c[32];
    double seconds = (double)r->elapsed / WB_SEC;
    uint64_t ops = r->gets + r->sets;
    fprintf(out, "\noperations   %s in %.2f s (GET %s, SET %s)\n", grouped(a, ops), seconds,
            grouped(b, r->gets), grouped(c, r->sets));
    print_errors(out, r);
    print_losses(out, cfg, r);
    if (seconds > 0)
        fprintf(out, "throughput   %s operations/s\n",
                grouped(a, (uint64_t)((double)ops / seconds + 0.5)));
    else
        fprintf(out, "throughput   not measured: %s\n",
                ops == 0 ? "no reply came" : "no time passed between the start and the last reply");
    if (hist_count(r->latency) == 0)
        return;
    print_percentiles(out, r->latency);
    if (cfg->histogram)
        print_histogram(out, r->latency);
}
