/*
 * lt_test.c: the helpers of lt_test.h.
 */
#include "lt_test.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the histogram ---- */

hist *new_hist(void)
{
    hist *h = hist_create();
    cr_assert(h != NULL, "hist_create() returned NULL: out of memory for a histogram");
    return h;
}

int within_one_percent(uint64_t got, uint64_t want)
{
    uint64_t diff = got > want ? got - want : want - got;
    return (long double)diff <= (long double)want / 100;
}

uint64_t percentile(const hist *h, double p)
{
    uint64_t v = 0;
    hist_status s = hist_percentile(h, p, &v);
    cr_assert(s == HIST_OK,
              "hist_percentile(%g) of %llu values returned status %d, expected HIST_OK", p,
              (unsigned long long)hist_count(h), (int)s);
    return v;
}

/* ---- RESP ---- */

const char *resp_status_name(resp_status status)
{
    static const char *const names[] = { "RESP_OK",         "RESP_INCOMPLETE",   "RESP_BAD_TYPE",
                                         "RESP_BAD_NUMBER", "RESP_BAD_LINE_END", "RESP_TOO_DEEP" };
    return (unsigned)status < sizeof names / sizeof names[0] ? names[status] : "an unknown status";
}

/* ---- options ---- */

const char *command_line(const char *const *args)
{
    static _Thread_local char line[512];
    size_t at = (size_t)snprintf(line, sizeof line, "loadtest");
    for (size_t i = 0; args[i] != NULL && at < sizeof line; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, " %s", args[i]);
    return line;
}

opt_status parse_args(const char *const *args, opt_config *cfg, char *why, size_t why_size)
{
    char *argv[64] = { "loadtest" };
    int argc = 1;
    while (args[argc - 1] != NULL && argc < 63) {
        argv[argc] = (char *)args[argc - 1]; /* opt_parse does not write to argv */
        argc++;
    }
    opt_defaults(cfg);
    return opt_parse(argc, argv, cfg, why, why_size);
}

opt_config parse_ok(const char *const *args, const char *why)
{
    opt_config cfg;
    char message[512];
    opt_status s = parse_args(args, &cfg, message, sizeof message);
    cr_assert(s == OPT_OK, "`%s` was refused (status %d: %s), expected it to be accepted: %s",
              command_line(args), (int)s, message, why);
    return cfg;
}

int same_config(const opt_config *a, const opt_config *b)
{
    return strcmp(a->host, b->host) == 0 && a->port == b->port &&
           a->connections == b->connections && a->threads == b->threads &&
           a->duration == b->duration && a->requests == b->requests &&
           a->get_weight == b->get_weight && a->set_weight == b->set_weight && a->keys == b->keys &&
           a->value_size == b->value_size && a->pipeline == b->pipeline && a->seed == b->seed &&
           a->timeout == b->timeout && a->histogram == b->histogram;
}

void expect_refused(const char *const *args, const char *names, const char *problem,
                    const char *why)
{
    opt_config before, cfg;
    char message[512] = "";
    opt_defaults(&before);
    opt_status s = parse_args(args, &cfg, message, sizeof message);
    cr_assert(s == OPT_BAD, "`%s` returned status %d, expected OPT_BAD: %s", command_line(args),
              (int)s, why);
    cr_assert(strstr(message, names) != NULL,
              "`%s` was refused with the message %s, which does not name %s: %s",
              command_line(args), wb_q(message), wb_q(names), why);
    cr_assert(problem == NULL || strstr(message, problem) != NULL,
              "`%s` was refused with the message %s, expected it to say %s: %s", command_line(args),
              wb_q(message), wb_q(problem), why);
    cr_assert(same_config(&before, &cfg),
              "`%s` was refused but changed the settings: a refused command line must leave "
              "them as they were (%s)",
              command_line(args), why);
}

/* ---- runs ---- */

opt_config config_for(int port, uint64_t requests, int connections)
{
    opt_config cfg;
    opt_defaults(&cfg);
    cfg.port = port;
    cfg.requests = requests;
    cfg.duration = 0;
    cfg.connections = connections;
    cfg.histogram = 0;
    cfg.timeout = 10 * WB_SEC;
    return cfg;
}

void run_ok(const opt_config *cfg, const wb_clock *clock, lt_result *result, const char *why)
{
    char message[512] = "";
    lt_status s = lt_run(cfg, clock, result, message, sizeof message);
    cr_assert(s == LT_OK, "lt_run against port %d returned status %d (%s), expected LT_OK: %s",
              cfg->port, (int)s, message, why);
}

const char *result_text(const lt_result *r)
{
    static _Thread_local char text[1024];
    snprintf(text, sizeof text,
             "GET replies %llu, SET replies %llu, error replies %llu, unexpected replies %llu, "
             "lost requests %llu, unsent %llu, connections lost %d, latencies %llu; first error "
             "%s; first loss %s",
             (unsigned long long)r->gets, (unsigned long long)r->sets,
             (unsigned long long)r->error_replies, (unsigned long long)r->unexpected_replies,
             (unsigned long long)r->lost_requests, (unsigned long long)r->unsent_requests,
             r->connections_lost,
             (unsigned long long)(r->latency != NULL ? hist_count(r->latency) : 0),
             wb_q(r->first_error), wb_q(r->first_loss));
    return text;
}

void expect_clean_run(const lt_result *r, uint64_t ops, const char *why)
{
    cr_assert(r->gets + r->sets == ops && r->error_replies == 0 && r->unexpected_replies == 0 &&
                  r->lost_requests == 0 && r->connections_lost == 0 &&
                  hist_count(r->latency) == ops,
              "expected %llu replies, no error, no loss and one latency per reply; got %s: %s",
              (unsigned long long)ops, result_text(r), why);
}

/* ---- text ---- */

char *report_text(const opt_config *cfg, const lt_result *r)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cr_assert(f != NULL, "open_memstream failed: %s", strerror(errno));
    report_results(f, cfg, r);
    fclose(f);
    return text;
}

const char *line_with(const char *text, const char *needle)
{
    static _Thread_local char line[512];
    const char *hit = strstr(text, needle);
    if (hit == NULL)
        return "(no such line)";
    const char *start = hit, *end = strchr(hit, '\n');
    while (start > text && start[-1] != '\n')
        start--;
    size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
    snprintf(line, sizeof line, "%.*s", (int)len, start);
    return line;
}

void expect_contains(const char *text, const char *needle, const char *what, const char *why)
{
    cr_assert(strstr(text, needle) != NULL, "%s does not contain %s: %s. It was:\n%s", what,
              wb_q(needle), why, text);
}

/* ---- the program ---- */

/* Reads both pipes to their end into heap strings. */
static void drain(int out_fd, int err_fd, char **out, char **err)
{
    int fds[2] = { out_fd, err_fd };
    char **texts[2] = { out, err };
    size_t lens[2] = { 0, 0 };
    *out = calloc(1, 1);
    *err = calloc(1, 1);
    struct pollfd p[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            char buf[4096];
            ssize_t n = p[i].fd >= 0 && p[i].revents ? read(fds[i], buf, sizeof buf) : -2;
            if (n == 0 || (n == -1 && errno != EINTR)) {
                p[i].fd = -1;
            } else if (n > 0) {
                char *bigger = realloc(*texts[i], lens[i] + (size_t)n + 1);
                cr_assert(bigger != NULL, "the test ran out of memory");
                memcpy(bigger + lens[i], buf, (size_t)n);
                lens[i] += (size_t)n;
                bigger[lens[i]] = '\0';
                *texts[i] = bigger;
            }
        }
    }
}

void run_program(program_run *r, const char *const *args)
{
    const char *bin = getenv("LOADTEST_BIN");
    cr_assert(bin != NULL && *bin != '\0',
              "LOADTEST_BIN is not set: run these tests with `make loadtest-test`, which builds "
              "the program and says where it is");
    *r = (program_run){ .status = -1 };
    snprintf(r->command, sizeof r->command, "%s", command_line(args));
    char *argv[64] = { "loadtest" };
    for (int i = 0; args[i] != NULL && i < 62; i++)
        argv[i + 1] = (char *)args[i];
    int out[2], err[2];
    cr_assert(pipe(out) == 0 && pipe(err) == 0, "pipe failed: %s", strerror(errno));
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork failed: %s", strerror(errno));
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        execv(bin, argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    drain(out[0], err[0], &r->out, &r->err);
    close(out[0]);
    close(err[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void program_free(program_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void expect_exit(const program_run *r, int status, const char *why)
{
    cr_assert(r->status == status,
              "`%s` ended with status %d, expected %d: %s.\nstdout:\n%s\nstderr:\n%s", r->command,
              r->status, status, why, r->out, r->err);
}
