/*
 * fuzz_parse.c: libFuzzer's entry point for kv_parse, what `make fuzz` runs.
 *
 * Every input is parsed as both protocols, and what the header promises is
 * checked, so the fuzzer finds wrong answers as well as crashes (abort() is
 * a finding, with the input saved):
 *   - KV_PARSE_OK: 1 <= used <= len, argc <= KV_MAX_ARGS, every argument
 *     inside the command's bytes and followed by one of them, error "";
 *     the command alone (the first `used` bytes) parses the same way, and
 *     one byte less is KV_PARSE_INCOMPLETE;
 *   - KV_PARSE_INCOMPLETE: used and argc 0;
 *   - KV_PARSE_ERROR: used and argc 0, a "Protocol error: " message, and
 *     more bytes after the input do not make it valid.
 * AddressSanitizer catches a read past `len` (libFuzzer hands the input in
 * a buffer of exactly that size), UBSan an overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_server.h"

static kv_command cmd, again; /* 16 KiB each: not on the stack */

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_ok(kv_protocol protocol, const char *data, size_t size)
{
    check(cmd.used >= 1 && cmd.used <= size && cmd.argc <= KV_MAX_ARGS && cmd.error[0] == '\0');
    for (size_t i = 0; i < cmd.argc; i++) {
        const char *arg = cmd.argv[i].data;
        check(arg >= data && arg + cmd.argv[i].len < data + cmd.used);
    }
    size_t used = cmd.used, argc = cmd.argc;
    char *alone = malloc(used); /* exactly the command's bytes, so ASan sees any overread */
    check(alone != NULL);
    memcpy(alone, data, used);
    check(kv_parse(protocol, alone, used, &again) == KV_PARSE_OK && again.used == used &&
          again.argc == argc);
    check(kv_parse(protocol, alone, used - 1, &again) == KV_PARSE_INCOMPLETE);
    free(alone);
}

static void check_error(kv_protocol protocol, const char *data, size_t size)
{
    check(cmd.used == 0 && cmd.argc == 0 && memchr(cmd.error, '\0', sizeof cmd.error) != NULL &&
          strncmp(cmd.error, "Protocol error: ", 16) == 0);
    char *longer = malloc(size + 2);
    check(longer != NULL);
    memcpy(longer, data, size);
    memcpy(longer + size, "\r\n", 2);
    check(kv_parse(protocol, longer, size + 2, &again) == KV_PARSE_ERROR);
    free(longer);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const char *data = (const char *)bytes;
    const kv_protocol protocols[] = { KV_TEXT, KV_RESP };
    for (int p = 0; p < 2; p++) {
        switch (kv_parse(protocols[p], data, size, &cmd)) {
        case KV_PARSE_OK:
            check_ok(protocols[p], data, size);
            break;
        case KV_PARSE_INCOMPLETE:
            check(cmd.used == 0 && cmd.argc == 0);
            break;
        case KV_PARSE_ERROR:
            check_error(protocols[p], data, size);
            break;
        default:
            check(0);
        }
    }
    return 0;
}
