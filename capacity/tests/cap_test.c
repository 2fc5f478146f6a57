/*
 * cap_test.c: the helpers of cap_test.h.
 */
#include "cap_test.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/report.h"

/* ---- numbers ---------------------------------------------------------------- */

int close_to(double got, double want)
{
    return fabs(got - want) <= 1e-6 * fabs(want) || got == want;
}

const char *num_status_name(num_status status)
{
    static const char *const names[] = {
        [NUM_OK] = "NUM_OK",
        [NUM_EMPTY] = "NUM_EMPTY",
        [NUM_NOT_A_NUMBER] = "NUM_NOT_A_NUMBER",
        [NUM_NEGATIVE] = "NUM_NEGATIVE",
        [NUM_BAD_GROUPING] = "NUM_BAD_GROUPING",
        [NUM_UNKNOWN_UNIT] = "NUM_UNKNOWN_UNIT",
        [NUM_BITS] = "NUM_BITS",
        [NUM_MISSING_UNIT] = "NUM_MISSING_UNIT",
        [NUM_TOO_LARGE] = "NUM_TOO_LARGE",
    };
    if ((unsigned)status < sizeof names / sizeof names[0] && names[status] != NULL)
        return names[status];
    return "an unknown status";
}

void expect_parsed(num_parser parser, const char *name, const char *text, double want,
                   const char *why)
{
    num_parsed p;
    num_status s = parser(text, &p);
    cr_assert(s == NUM_OK, "%s(%s) returned %s, expected NUM_OK with %.10g: %s", name, wb_q(text),
              num_status_name(s), want, why);
    cr_assert(close_to(p.value, want), "%s(%s) read %.10g, expected %.10g: %s", name, wb_q(text),
              p.value, want, why);
}

void expect_refused(num_parser parser, const char *name, const char *text, num_status want,
                    const char *why)
{
    num_parsed p;
    num_status s = parser(text, &p);
    cr_assert(s == want, "%s(%s) returned %s%s, expected %s: %s", name, wb_q(text),
              num_status_name(s), s == NUM_OK ? " (it accepted the text)" : "",
              num_status_name(want), why);
}

/* ---- the model -------------------------------------------------------------- */

est_inputs inputs_with_dau(double dau)
{
    est_inputs in;
    est_defaults(&in);
    in.dau = dau;
    return in;
}

est_result compute(const est_inputs *in, num_system units)
{
    est_result r;
    est_status s = est_compute(in, units, &r);
    cr_assert(s == EST_OK, "est_compute returned %d, expected EST_OK for valid inputs (dau %g)",
              (int)s, in->dau);
    return r;
}

void expect_figure(const est_result *r, est_figure_id id, double want, const char *why)
{
    const est_figure *f = &r->figures[id];
    cr_expect(close_to(f->value, want), "%s came out %.10g (working: %s), expected %.10g: %s",
              f->label, f->value, f->working, want, why);
}

void expect_spoken(const est_result *r, est_figure_id id, num_system units, const char *want,
                   const char *why)
{
    char got[NUM_TEXT_MAX * 2];
    report_spoken(got, sizeof got, &r->figures[id], units, 3);
    cr_expect(strcmp(got, want) == 0, "%s (exactly %.10g) is said %s, expected %s: %s",
              r->figures[id].label, r->figures[id].value, wb_q(got), wb_q(want), why);
}

/* ---- the command, in this process ------------------------------------------- */

static void describe(cap_run *r, const char *const *args)
{
    size_t used = (size_t)snprintf(r->command, sizeof r->command, "capacity");
    for (size_t i = 0; args[i] != NULL && used < sizeof r->command; i++)
        used += (size_t)snprintf(r->command + used, sizeof r->command - used, " %s", args[i]);
}

void run_cli(cap_run *r, const char *input, const char *const *args)
{
    memset(r, 0, sizeof *r);
    describe(r, args);
    const char *argv[64] = { "capacity" };
    int argc = 1;
    while (args[argc - 1] != NULL && argc < 63) {
        argv[argc] = args[argc - 1];
        argc++;
    }
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&r->out, &out_len);
    FILE *err = open_memstream(&r->err, &err_len);
    FILE *in = input != NULL ? fmemopen((void *)input, strlen(input), "r") : NULL;
    if (in == NULL)
        in = fopen("/dev/null", "r");
    cr_assert(out != NULL && err != NULL && in != NULL, "could not open the test's streams");
    cli_io io = { .in = in, .out = out, .err = err, .default_seed = 0 };
    r->status = cli_main(argc, argv, &io);
    fclose(in);
    fclose(out);
    fclose(err);
}

void run_free(cap_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

void expect_status(const cap_run *r, int status, const char *why)
{
    cr_assert(r->status == status, "`%s` exited with status %d, expected %d: %s\nstderr: %s",
              r->command, r->status, status, why, wb_q(r->err));
}

void expect_out_has(const cap_run *r, const char *needle, const char *why)
{
    cr_expect(strstr(r->out, needle) != NULL,
              "`%s` printed no %s: %s\n--- its output ---\n%s--- end ---", r->command, wb_q(needle),
              why, r->out);
}

void expect_out_lacks(const cap_run *r, const char *needle, const char *why)
{
    cr_expect(strstr(r->out, needle) == NULL, "`%s` printed %s (in the line %s): %s", r->command,
              wb_q(needle), wb_q(line_with(r->out, needle)), why);
}

void expect_usage_error(const cap_run *r, const char *flag, const char *problem, const char *why)
{
    cr_assert(r->status == CLI_EXIT_USAGE,
              "`%s` exited with status %d, expected 2 (bad input): %s\nstderr: %s", r->command,
              r->status, why, wb_q(r->err));
    cr_expect(r->out[0] == '\0',
              "`%s` refused its input but still printed to stdout %s; bad input must print "
              "nothing there, so a script never reads half a report: %s",
              r->command, wb_q(r->out), why);
    if (flag != NULL)
        cr_expect(strstr(r->err, flag) != NULL,
                  "`%s`'s error message %s does not name the flag %s: %s", r->command, wb_q(r->err),
                  flag, why);
    if (problem != NULL)
        cr_expect(strstr(r->err, problem) != NULL, "`%s`'s error message %s does not say %s: %s",
                  r->command, wb_q(r->err), wb_q(problem), why);
}

const char *line_with(const char *text, const char *needle)
{
    static _Thread_local char line[512];
    const char *at = text != NULL ? strstr(text, needle) : NULL;
    if (at == NULL)
        return "(no such line)";
    const char *start = at, *end = at;
    while (start > text && start[-1] != '\n')
        start--;
    while (*end != '\0' && *end != '\n')
        end++;
    snprintf(line, sizeof line, "%.*s", (int)(end - start), start);
    return line;
}

/* ---- JSON ------------------------------------------------------------------- */

/* A recursive-descent reader that only checks: enough to prove --json's
 * output is what any JSON parser accepts. */
typedef struct json_reader {
    const char *p;
    const char *problem;
    int depth;
} json_reader;

static void json_blank(json_reader *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
        j->p++;
}

static int json_fail(json_reader *j, const char *problem)
{
    if (j->problem == NULL)
        j->problem = problem;
    return 0;
}

static int json_value(json_reader *j);

static int json_string_token(json_reader *j)
{
    if (*j->p != '"')
        return json_fail(j, "a string must start with \"");
    for (j->p++; *j->p != '"'; j->p++) {
        if ((unsigned char)*j->p < 0x20)
            return json_fail(j, "a raw control character (or the end) inside a string");
        if (*j->p == '\\') {
            j->p++;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)j->p[i]))
                        return json_fail(j, "\\u needs four hex digits");
                j->p += 4;
            } else if (strchr("\"\\/bfnrt", *j->p) == NULL || *j->p == '\0') {
                return json_fail(j, "an unknown escape in a string");
            }
        }
    }
    j->p++;
    return 1;
}

static int json_number_token(json_reader *j)
{
    const char *p = j->p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (isdigit((unsigned char)*p))
        while (isdigit((unsigned char)*p))
            p++;
    else
        return json_fail(j, "not a value (a number must start with a digit)");
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p))
            return json_fail(j, "a digit must follow a decimal point");
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return json_fail(j, "an exponent needs digits");
        while (isdigit((unsigned char)*p))
            p++;
    }
    j->p = p;
    return 1;
}

static int json_members(json_reader *j, char close, int object)
{
    j->p++;
    json_blank(j);
    if (*j->p == close)
        return j->p++, 1;
    for (;;) {
        json_blank(j);
        if (object) {
            if (!json_string_token(j))
                return 0;
            json_blank(j);
            if (*j->p++ != ':')
                return json_fail(j, "a ':' must follow an object's key");
        }
        if (!json_value(j))
            return 0;
        json_blank(j);
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p++ == close)
            return 1;
        return json_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int json_value(json_reader *j)
{
    json_blank(j);
    if (++j->depth > 64)
        return json_fail(j, "nested too deep");
    int ok;
    if (*j->p == '{')
        ok = json_members(j, '}', 1);
    else if (*j->p == '[')
        ok = json_members(j, ']', 0);
    else if (*j->p == '"')
        ok = json_string_token(j);
    else if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "null", 4) == 0)
        ok = (j->p += 4, 1);
    else if (strncmp(j->p, "false", 5) == 0)
        ok = (j->p += 5, 1);
    else
        ok = json_number_token(j);
    j->depth--;
    return ok;
}

const char *json_problem(const char *text)
{
    static _Thread_local char message[256];
    json_reader j = { .p = text };
    if (json_value(&j)) {
        json_blank(&j);
        if (*j.p == '\0')
            return NULL;
        json_fail(&j, "text after the value");
    }
    snprintf(message, sizeof message, "%s at byte %td, before %s", j.problem, j.p - text,
             wb_q(j.p));
    return message;
}

double json_figure_value(const char *json, const char *key)
{
    char pattern[96];
    const char *figures = strstr(json, "\"figures\"");
    snprintf(pattern, sizeof pattern, "\"%s\": {", key);
    const char *at = figures != NULL ? strstr(figures, pattern) : NULL;
    const char *value = at != NULL ? strstr(at, "\"value\": ") : NULL;
    const char *end = at != NULL ? strchr(at, '}') : NULL;
    if (value == NULL || end == NULL || value > end)
        return NAN;
    return strtod(value + strlen("\"value\": "), NULL);
}

/* ---- the program, as a process ---------------------------------------------- */

/* Reads the whole of fd from its start into a new string. */
static char *slurp(int fd)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    cr_assert(s != NULL, "out of memory reading the program's output");
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger = realloc(s, cap *= 2);
            cr_assert(bigger != NULL, "out of memory reading the program's output");
            s = bigger;
        }
        ssize_t n = read(fd, s + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    s[len] = '\0';
    return s;
}

static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/capacity-test-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "could not create a temporary file for the program's output");
    unlink(path);
    return fd;
}

void run_program(cap_run *r, const char *input, const char *const *args)
{
    const char *bin = getenv("CAPACITY_BIN");
    cr_assert(bin != NULL && *bin != '\0',
              "CAPACITY_BIN is not set, so the tests cannot find the program; run them with "
              "`make capacity-test`, which builds it and sets the variable");
    memset(r, 0, sizeof *r);
    describe(r, args);
    const char *argv[64] = { bin };
    for (int i = 0; args[i] != NULL && i < 62; i++)
        argv[i + 1] = args[i];

    int in[2], out = temp_file(), err = temp_file();
    cr_assert(pipe(in) == 0, "could not make a pipe for the program's stdin");
    pid_t pid = fork();
    cr_assert(pid >= 0, "could not fork to run %s", bin);
    if (pid == 0) {
        dup2(in[0], 0), dup2(out, 1), dup2(err, 2);
        close(in[0]), close(in[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    /* The inputs are a few hundred bytes: they fit the pipe, so this never blocks. */
    ssize_t wrote = input != NULL ? write(in[1], input, strlen(input)) : 0;
    cr_expect(wrote >= 0, "could not write the answers into the program's stdin");
    close(in[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = slurp(out);
    r->err = slurp(err);
    close(out);
    close(err);
}
