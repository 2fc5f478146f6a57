/*
 * loadtest.c: the load tester's main: options in, one run, the report out.
 * What it measures and how to read it: harness/loadtest/README.md.
 *
 * Exit status: 0 the run went to its end on every connection; 1 a
 * connection could not be opened or was lost (what was measured is still
 * printed); 2 a bad option.
 */
#include <stdio.h>
#include <sys/resource.h>

#include "src/options.h"
#include "src/report.h"
#include "src/run.h"

/* Each connection is a descriptor: raise the soft limit towards the hard one if needed. */
static void allow_descriptors(int connections)
{
    struct rlimit limit;
    rlim_t want = (rlim_t)connections + 64;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= want)
        return;
    limit.rlim_cur =
        limit.rlim_max != RLIM_INFINITY && limit.rlim_max < want ? limit.rlim_max : want;
    setrlimit(RLIMIT_NOFILE, &limit); /* if it fails, the connection that does not fit says so */
}

int main(int argc, char *argv[])
{
    opt_config cfg;
    char why[512];
    opt_defaults(&cfg);
    switch (opt_parse(argc, argv, &cfg, why, sizeof why)) {
    case OPT_OK:
        break;
    case OPT_HELP:
        fputs(opt_usage(), stdout);
        return 0;
    case OPT_BAD:
        fprintf(stderr, "loadtest: %s\nTry 'loadtest --help' for the options.\n", why);
        return 2;
    }
    allow_descriptors(cfg.connections);
    report_header(stdout, &cfg);
    fflush(stdout);
    lt_result result;
    if (lt_run(&cfg, NULL, &result, why, sizeof why) != LT_OK) {
        fprintf(stderr, "loadtest: %s\n", why);
        return 1;
    }
    report_results(stdout, &cfg, &result);
    int status = result.connections_lost > 0 ? 1 : 0;
    lt_result_free(&result);
    return status;
}
