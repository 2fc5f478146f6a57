/*
 * cli.h: the `capacity` command itself: its subcommands (an estimate,
 * scenario, latency, quiz), help, messages and exit statuses. main() only
 * hands over its arguments and streams, so the tests run the same code.
 */
#ifndef CAPACITY_CLI_H
#define CAPACITY_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Exit statuses. */
#define CLI_EXIT_OK     0 /* done */
#define CLI_EXIT_FAILED 1 /* the output could not be written; or a scenario is broken (a bug) */
#define CLI_EXIT_USAGE                                                                             \
    2 /* bad input: one message on err names the flag and the problem,                             \
         and nothing is written to out */

/* Where the command reads and writes, and the quiz's seed when no --seed is given. */
typedef struct cli_io {
    FILE *in;  /* the quiz's answers */
    FILE *out; /* results */
    FILE *err; /* error messages */
    uint64_t default_seed;
} cli_io;

/*
 * Runs `capacity` with argv[1 .. argc) (argv[0] is the program's name and is
 * not read). Returns one of the CLI_EXIT_ statuses. Never exits, never
 * touches a stream other than io's. Not thread-safe only in that streams are
 * shared with the caller.
 */
int cli_main(int argc, const char *const *argv, const cli_io *io);

#endif /* CAPACITY_CLI_H */
