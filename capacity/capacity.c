/*
 * capacity.c: main() of the capacity-math calculator. Everything else is in
 * src/ (cli.c first); this file only supplies the streams and, for the quiz,
 * a seed from the clock when none is given.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "src/cli.h"

int main(int argc, char **argv)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    cli_io io = {
        .in = stdin,
        .out = stdout,
        .err = stderr,
        .default_seed =
            (uint64_t)now.tv_sec * 1000003u ^ (uint64_t)now.tv_nsec ^ (uint64_t)getpid(),
    };
    return cli_main(argc, (const char *const *)argv, &io);
}
