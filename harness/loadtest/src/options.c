/*
 * options.c: the command line of the load tester (options.h).
 *
 * One table lists the options; each has a setter that checks its value and
 * writes it into a copy of the settings, which replaces the caller's only
 * when every option was good.
 */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wb/clock.h"

/* The parse in progress: the settings so far, and the first complaint. */
typedef struct parse {
    opt_config cfg;
    int saw_duration, saw_requests; /* the run is bounded by one of them, not both */
    char *why;
    size_t why_size;
} parse;

static opt_status complain(parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static opt_status complain(parse *p, const char *fmt, ...)
{
    if (p->why_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->why, p->why_size, fmt, ap);
        va_end(ap);
    }
    return OPT_BAD;
}

/* ---- values ---- */

/* A whole number from min to max, with an optional k, M or G. 0 if `text` is not one. */
static int whole_number(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (*text < '0' || *text > '9')
        return 0;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(text, &end, 10);
    uint64_t scale = 1;
    if (*end != '\0' && end[1] == '\0') {
        scale = *end == 'k' || *end == 'K' ? 1000
                : *end == 'M'              ? 1000000
                : *end == 'G'              ? 1000000000
                                           : 0;
        end += scale != 0;
    }
    if (errno != 0 || *end != '\0' || scale == 0 || n > UINT64_MAX / scale)
        return 0;
    *out = (uint64_t)n * scale;
    return *out >= min && *out <= max;
}

/* A time: seconds, or a number with ms, s, m or h, from `min` ns to OPT_MAX_SECONDS. */
static int time_span(const char *text, int64_t min, int64_t *out)
{
    if ((*text < '0' || *text > '9') && *text != '.')
        return 0;
    char *end;
    double n = strtod(text, &end);
    double unit = strcmp(end, "ms") == 0                  ? 1e-3
                  : strcmp(end, "m") == 0                 ? 60
                  : strcmp(end, "h") == 0                 ? 3600
                  : strcmp(end, "s") == 0 || *end == '\0' ? 1
                                                          : 0;
    double seconds = n * unit;
    if (unit == 0 || !isfinite(seconds) || seconds > OPT_MAX_SECONDS)
        return 0;
    *out = (int64_t)llround(seconds * 1e9);
    return *out >= min;
}

/* ---- one setter per option ---- */

typedef opt_status (*setter)(parse *p, const char *name, const char *value);

static opt_status set_host(parse *p, const char *name, const char *value)
{
    size_t len = strlen(value);
    if (len == 0 || len > OPT_HOST_MAX)
        return complain(p, "%s: '%s' is not a host name (1 to %d characters)", name, value,
                        OPT_HOST_MAX);
    memcpy(p->cfg.host, value, len + 1);
    return OPT_OK;
}

/* Sets *field to a whole number from min to max, or says what was wrong. */
static opt_status count(parse *p, const char *name, const char *value, uint64_t min, uint64_t max,
                        const char *what, uint64_t *field)
{
    if (!whole_number(value, min, max, field))
        return complain(p, "%s: '%s' is not %s from %llu to %llu", name, value, what,
                        (unsigned long long)min, (unsigned long long)max);
    return OPT_OK;
}

static opt_status set_port(parse *p, const char *name, const char *value)
{
    uint64_t n;
    opt_status s = count(p, name, value, 1, 65535, "a port number", &n);
    p->cfg.port = s == OPT_OK ? (int)n : p->cfg.port;
    return s;
}

static opt_status set_connections(parse *p, const char *name, const char *value)
{
    uint64_t n;
    opt_status s = count(p, name, value, 1, OPT_MAX_CONNECTIONS, "a number of connections", &n);
    p->cfg.connections = s == OPT_OK ? (int)n : p->cfg.connections;
    return s;
}

static opt_status set_threads(parse *p, const char *name, const char *value)
{
    uint64_t n;
    opt_status s = count(p, name, value, 1, OPT_MAX_THREADS, "a number of threads", &n);
    p->cfg.threads = s == OPT_OK ? (int)n : p->cfg.threads;
    return s;
}

static opt_status set_pipeline(parse *p, const char *name, const char *value)
{
    uint64_t n;
    opt_status s = count(p, name, value, 1, OPT_MAX_PIPELINE, "a pipeline depth", &n);
    p->cfg.pipeline = s == OPT_OK ? (int)n : p->cfg.pipeline;
    return s;
}

static opt_status set_requests(parse *p, const char *name, const char *value)
{
    p->saw_requests = 1;
    p->cfg.duration = 0;
    return count(p, name, value, 1, OPT_MAX_REQUESTS, "a number of requests", &p->cfg.requests);
}

static opt_status set_keys(parse *p, const char *name, const char *value)
{
    return count(p, name, value, 1, OPT_MAX_KEYS, "a number of keys", &p->cfg.keys);
}

static opt_status set_value_size(parse *p, const char *name, const char *value)
{
    uint64_t n;
    opt_status s = count(p, name, value, 0, OPT_MAX_VALUE_SIZE, "a size in bytes", &n);
    p->cfg.value_size = s == OPT_OK ? (size_t)n : p->cfg.value_size;
    return s;
}

static opt_status set_seed(parse *p, const char *name, const char *value)
{
    return count(p, name, value, 0, UINT64_MAX, "a seed", &p->cfg.seed);
}

static opt_status set_duration(parse *p, const char *name, const char *value)
{
    p->saw_duration = 1;
    p->cfg.requests = 0;
    if (!time_span(value, WB_MSEC, &p->cfg.duration))
        return complain(p,
                        "%s: '%s' is not a duration from 1ms to %ds (write 10, 1.5, 500ms or 2m)",
                        name, value, OPT_MAX_SECONDS);
    return OPT_OK;
}

static opt_status set_timeout(parse *p, const char *name, const char *value)
{
    if (!time_span(value, WB_MSEC, &p->cfg.timeout))
        return complain(p, "%s: '%s' is not a time from 1ms to %ds (write 5, 0.5 or 200ms)", name,
                        value, OPT_MAX_SECONDS);
    return OPT_OK;
}

/* GET:SET weights, "80:20" or "80/20"; one may be 0, not both. */
static opt_status set_ratio(parse *p, const char *name, const char *value)
{
    const char *sep = strpbrk(value, ":/");
    char get[32];
    uint64_t g, s;
    if (sep != NULL && (size_t)(sep - value) < sizeof get) {
        memcpy(get, value, (size_t)(sep - value));
        get[sep - value] = '\0';
        if (whole_number(get, 0, OPT_MAX_WEIGHT, &g) &&
            whole_number(sep + 1, 0, OPT_MAX_WEIGHT, &s) && g + s > 0) {
            p->cfg.get_weight = (uint32_t)g;
            p->cfg.set_weight = (uint32_t)s;
            return OPT_OK;
        }
    }
    return complain(p,
                    "%s: '%s' is not a GET:SET mix (two whole numbers from 0 to %d, not both 0, "
                    "as in 80:20, 1:0 for GETs only, 0:1 for SETs only)",
                    name, value, OPT_MAX_WEIGHT);
}

/* ---- the table ---- */

typedef struct option {
    char short_name;       /* 0: long form only */
    const char *long_name; /* without the dashes */
    setter set;            /* NULL: a switch that takes no value */
} option;

static const option options[] = {
    { 'h', "host", set_host },
    { 'p', "port", set_port },
    { 'c', "connections", set_connections },
    { 0, "threads", set_threads },
    { 'd', "duration", set_duration },
    { 'n', "requests", set_requests },
    { 0, "ratio", set_ratio },
    { 'r', "keys", set_keys },
    { 's', "value-size", set_value_size },
    { 'P', "pipeline", set_pipeline },
    { 0, "seed", set_seed },
    { 0, "timeout", set_timeout },
    { 0, "no-histogram", NULL },
    { 0, "help", NULL },
};

/* The option `arg` names (its value, if glued to it, in *glued), or NULL. */
static const option *find(const char *arg, const char **glued)
{
    *glued = NULL;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const option *o = &options[i];
        size_t n = strlen(o->long_name);
        if (arg[1] == '-' && strncmp(arg + 2, o->long_name, n) == 0 &&
            (arg[2 + n] == '\0' || arg[2 + n] == '=')) {
            *glued = arg[2 + n] == '=' ? arg + 3 + n : NULL;
            return o;
        }
        if (arg[1] != '-' && o->short_name != 0 && arg[1] == o->short_name) {
            *glued = arg[2] != '\0' ? arg + 2 : NULL;
            return o;
        }
    }
    return NULL;
}

/* Applies argv[*i] (and its value, maybe argv[*i + 1]) to the parse. */
static opt_status apply(parse *p, int argc, char *const argv[], int *i)
{
    const char *arg = argv[*i], *value;
    const option *o = arg[0] == '-' && arg[1] != '\0' ? find(arg, &value) : NULL;
    if (arg[0] != '-')
        return complain(p, "unexpected argument '%s': every setting is an option (see --help)",
                        arg);
    if (o == NULL)
        return complain(p, "unknown option '%s'", arg);
    char name[40];
    snprintf(name, sizeof name, "--%s", o->long_name);
    if (o->set == NULL) {
        if (value != NULL)
            return complain(p, "%s takes no value, but was given '%s'", name, value);
        if (strcmp(o->long_name, "help") == 0)
            return OPT_HELP;
        p->cfg.histogram = 0;
        return OPT_OK;
    }
    if (value == NULL) {
        if (*i + 1 >= argc)
            return complain(p, "%s needs a value", name);
        value = argv[++*i];
    }
    return o->set(p, name, value);
}

void opt_defaults(opt_config *cfg)
{
    *cfg = (opt_config){
        .host = "127.0.0.1",
        .port = 6379,
        .connections = 50,
        .threads = 1,
        .duration = 10 * WB_SEC,
        .requests = 0,
        .get_weight = 80,
        .set_weight = 20,
        .keys = 100000,
        .value_size = 3,
        .pipeline = 1,
        .seed = 1,
        .timeout = 5 * WB_SEC,
        .histogram = 1,
    };
}

opt_status opt_parse(int argc, char *const argv[], opt_config *cfg, char *why, size_t why_size)
{
    parse p = { .cfg = *cfg, .why = why, .why_size = why_size };
    if (why_size > 0)
        why[0] = '\0';
    for (int i = 1; i < argc; i++) {
        opt_status s = apply(&p, argc, argv, &i);
        if (s != OPT_OK)
            return s;
    }
    if (p.saw_duration && p.saw_requests)
        return complain(&p, "--duration and --requests both end the run: give one of them");
    if (p.cfg.threads > p.cfg.connections)
        return complain(&p,
                        "--threads %d is more than --connections %d: each thread needs at "
                        "least one connection",
                        p.cfg.threads, p.cfg.connections);
    *cfg = p.cfg;
    return OPT_OK;
}

const char *opt_usage(void)
{
    return "Usage: loadtest [OPTIONS]\n"
           "Loads a RESP server (Redis, or the workbook's tcp_server) with GET and SET\n"
           "requests and reports throughput, errors and latency percentiles.\n"
           "\n"
           "  -h, --host HOST          server name or address (127.0.0.1)\n"
           "  -p, --port PORT          server port (6379)\n"
           "  -c, --connections N      connections open together (50)\n"
           "      --threads N          event-loop threads sharing them (1)\n"
           "  -d, --duration TIME      how long to send: 10, 1.5, 500ms, 2m (10)\n"
           "  -n, --requests N         send N requests in all instead (100k, 1M)\n"
           "      --ratio GET:SET      the mix of requests (80:20; 1:0 for GETs only)\n"
           "  -r, --keys N             key space: key:000000000000 .. N-1 (100000)\n"
           "  -s, --value-size BYTES   size of each SET's value (3)\n"
           "  -P, --pipeline N         requests written together per connection (1)\n"
           "      --seed N             seeds the choice of keys and commands (1)\n"
           "      --timeout TIME       no reply for this long loses a connection (5)\n"
           "      --no-histogram       leave out the text histogram\n"
           "      --help               this text\n"
           "\n"
           "Counts take k, M and G (100k); a later option wins over an earlier one.\n"
           "Exit status: 0 the run went to its end, 1 a connection failed or was lost,\n"
           "2 a bad option.\n"
           "Example: loadtest -c 50 -d 10 --pipeline 16 --ratio 90:10\n";
}
