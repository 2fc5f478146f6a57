/*
 * cli.c: the `capacity` command (see cli.h).
 *
 * Every subcommand reads its flags completely before it writes anything, so
 * bad input leaves stdout empty and stderr holds one message: a script that
 * reads the output never sees half a report.
 */
#include "cli.h"

#include <stdbool.h>
#include <string.h>

#include "estimate.h"
#include "flags.h"
#include "quiz.h"
#include "report.h"
#include "scenario.h"

static int usage_error(const cli_io *io, const char *message)
{
    fprintf(io->err, "capacity: %s\n(capacity --help lists every command and flag)\n", message);
    return CLI_EXIT_USAGE;
}

/* CLI_EXIT_OK, or CLI_EXIT_FAILED if `out` reported a write error. */
static int finished(const cli_io *io)
{
    if (fflush(io->out) != 0 || ferror(io->out)) {
        fprintf(io->err, "capacity: could not write the output\n");
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

static void help(FILE *out)
{
    fprintf(out,
            "capacity: back-of-the-envelope estimates, with every step shown\n\n"
            "  capacity --dau 10M [flags]                  estimate from your own numbers\n"
            "  capacity scenario [NAME] [flags]            a classic design (no NAME: the list)\n"
            "  capacity latency [--json]                   the latency numbers, with their years\n"
            "  capacity quiz [--seed N] [--scenario NAME]  practise: answers within 2x pass\n"
            "                                              (--units, --sig-figs work there too)\n\n"
            "Inputs (defaults: the classic example, 10 reads and 1 write per user a day):\n");
    flag_usage(out, FLAG_ESTIMATE);
    fprintf(out, "\nOutput:\n");
    flag_usage(out, FLAG_OUTPUT | FLAG_JSON);
    fprintf(out, "\nQuiz:\n");
    flag_usage(out, FLAG_QUIZ);
    fprintf(out, "\nCounts take k, M, B, T (10M is 10,000,000), commas (10,000,000) and exponents "
                 "(1e7).\nSizes: 1KB = 1,000 bytes (decimal), 1KiB = 1,024 bytes (binary); "
                 "1Kb (bits) is refused.\nAnswers are rounded the way people say them: 3 "
                 "significant figures, \"about 1,160 QPS\".\n"
                 "Exit status: 0 done, 2 bad input (the message names the flag), 1 output not "
                 "written.\n\nExamples:\n"
                 "  capacity --dau 10M --reads-per-user 10 --writes-per-user 1 --payload 1KB \\\n"
                 "           --peak 3 --cache-hit 0.8 --query-ms 5\n"
                 "  capacity scenario url-shortener --dau 50M\n"
                 "  capacity --dau 1B --payload 2KiB --json\n"
                 "  capacity quiz --seed 7\n");
}

/* Reads flags into `fs` (after a scenario's, if any), then writes the estimate. */
static int estimate(int argc, const char *const *argv, const scn_scenario *scenario,
                    const cli_io *io)
{
    flag_set fs;
    char error[FLAG_TEXT_MAX * 2];
    flag_defaults(&fs);
    if (scenario != NULL && flag_apply_scenario(&fs, scenario, error, sizeof error) != FLAG_OK) {
        fprintf(io->err, "capacity: scenario %s is broken: %s\n", scenario->name, error);
        return CLI_EXIT_FAILED;
    }
    if (flag_apply(&fs, argc, argv, FLAG_ESTIMATE | FLAG_OUTPUT | FLAG_JSON, NULL, error,
                   sizeof error) != FLAG_OK ||
        flag_finish(&fs, true, error, sizeof error) != FLAG_OK)
        return usage_error(io, error);

    est_result result;
    if (est_compute(&fs.inputs, fs.units, &result) != EST_OK)
        return usage_error(io, "the inputs are out of range"); /* flag_apply checked each */
    report_options o = { .units = fs.units, .units_why = fs.units_why, .figures = fs.figures };
    if (scenario != NULL)
        o.scenario = scenario->name, o.title = scenario->title, o.notice = scenario->notice;
    for (int f = 0; f < EST_FIELD_COUNT; f++)
        o.origin[f] = fs.origin[f];
    if (fs.json)
        report_json(io->out, &fs.inputs, &result, &o);
    else
        report_text(io->out, &fs.inputs, &result, &o);
    return finished(io);
}

static int scenario_command(int argc, const char *const *argv, const cli_io *io)
{
    if (argc == 0 || strcmp(argv[0], "--list") == 0) {
        report_scenarios(io->out);
        return finished(io);
    }
    const scn_scenario *s = scn_find(argv[0]);
    if (s == NULL) {
        char message[FLAG_TEXT_MAX * 2];
        size_t used = (size_t)snprintf(message, sizeof message,
                                       "unknown scenario \"%s\"; the scenarios:", argv[0]);
        for (size_t i = 0; i < scn_count() && used < sizeof message; i++)
            used += (size_t)snprintf(message + used, sizeof message - used, "%s %s", i ? "," : "",
                                     scn_at(i)->name);
        return usage_error(io, message);
    }
    return estimate(argc - 1, argv + 1, s, io);
}

static int latency_command(int argc, const char *const *argv, const cli_io *io)
{
    flag_set fs;
    char error[FLAG_TEXT_MAX * 2];
    flag_defaults(&fs);
    if (flag_apply(&fs, argc, argv, FLAG_JSON, NULL, error, sizeof error) != FLAG_OK)
        return usage_error(io, error);
    if (fs.json)
        report_latency_json(io->out);
    else
        report_latency_text(io->out);
    return finished(io);
}

static int quiz_command(int argc, const char *const *argv, const cli_io *io)
{
    flag_set fs;
    char error[FLAG_TEXT_MAX * 2];
    flag_defaults(&fs);
    if (flag_apply(&fs, argc, argv, FLAG_QUIZ | FLAG_OUTPUT, NULL, error, sizeof error) != FLAG_OK)
        return usage_error(io, error);
    quiz_options o = {
        .seed = fs.seed_given ? fs.seed : io->default_seed,
        .scenario = fs.scenario,
        .figures = fs.figures,
        .units_given = fs.units_given,
        .units = fs.units,
    };
    if (quiz_run(io->in, io->out, &o, NULL) != QUIZ_OK) {
        fprintf(io->err, "capacity: the quiz's scenario could not be loaded\n");
        return CLI_EXIT_FAILED;
    }
    return finished(io);
}

int cli_main(int argc, const char *const *argv, const cli_io *io)
{
    if (argc < 2)
        return usage_error(io, "say what to estimate: capacity --dau 10M ..., capacity "
                               "scenario NAME, capacity latency or capacity quiz");
    const char *command = argv[1];
    int rest = argc - 2;
    const char *const *args = argv + 2;
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        help(io->out);
        return finished(io);
    }
    if (strcmp(command, "scenario") == 0)
        return scenario_command(rest, args, io);
    if (strcmp(command, "latency") == 0)
        return latency_command(rest, args, io);
    if (strcmp(command, "quiz") == 0)
        return quiz_command(rest, args, io);
    if (strcmp(command, "estimate") == 0)
        return estimate(rest, args, NULL, io);
    if (strncmp(command, "--", 2) == 0)
        return estimate(argc - 1, argv + 1, NULL, io);
    char message[FLAG_TEXT_MAX];
    snprintf(message, sizeof message,
             "unknown command \"%s\"; the commands: scenario, latency, quiz, or flags such as "
             "--dau 10M",
             command);
    return usage_error(io, message);
}
