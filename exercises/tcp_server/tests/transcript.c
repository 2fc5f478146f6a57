/*
 * transcript.c: the conversations of transcript.h, recorded from Redis 7.0.
 * Where this server differs from Redis on purpose (COMMAND DOCS answers an
 * empty array, SET takes no options), the exchange is not here but in
 * level3_redis.c.
 */
#include "transcript.h"

#include <string.h>

#define STEPS(array) array, sizeof array / sizeof array[0]

static const struct exchange ping_and_echo[] = {
    { "PING\r\n", "+PONG\r\n" },
    { "ping\r\n", "+PONG\r\n" },
    { "PING hello\r\n", "$5\r\nhello\r\n" },
    { "*2\r\n$4\r\nPING\r\n$11\r\nhello world\r\n", "$11\r\nhello world\r\n" },
    { "PING a b\r\n", "-ERR wrong number of arguments for 'ping' command\r\n" },
    { "ECHO hi\r\n", "$2\r\nhi\r\n" },
    { "*2\r\n$4\r\nECHO\r\n$7\r\nhi\r\nthe\r\n", "$7\r\nhi\r\nthe\r\n" },
    { "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", "$0\r\n\r\n" },
    { "ECHO\r\n", "-ERR wrong number of arguments for 'echo' command\r\n" },
    { "ECHO a b\r\n", "-ERR wrong number of arguments for 'echo' command\r\n" },
};

static const struct exchange set_and_get[] = {
    { "SET k v\r\n", "+OK\r\n" },
    { "GET k\r\n", "$1\r\nv\r\n" },
    { "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\nhello world\r\n", "+OK\r\n" },
    { "GET k\r\n", "$11\r\nhello world\r\n" },
    { "GET missing\r\n", "$-1\r\n" },
    { "*3\r\n$3\r\nSET\r\n$5\r\nempty\r\n$0\r\n\r\n", "+OK\r\n" },
    { "GET empty\r\n", "$0\r\n\r\n" },
    { "set K upper\r\n", "+OK\r\n" },
    { "get K\r\n", "$5\r\nupper\r\n" },
    { "SET k v x\r\n", "-ERR syntax error\r\n" },
    { "SET k\r\n", "-ERR wrong number of arguments for 'set' command\r\n" },
    { "GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n" },
    { "GET a b\r\n", "-ERR wrong number of arguments for 'get' command\r\n" },
    { "GET k\r\n", "$11\r\nhello world\r\n" },
};

static const struct exchange del_and_exists[] = {
    { "SET a 1\r\n", "+OK\r\n" },
    { "SET b 2\r\n", "+OK\r\n" },
    { "EXISTS a b c\r\n", ":2\r\n" },
    { "EXISTS a a a\r\n", ":3\r\n" },
    { "DEL a c\r\n", ":1\r\n" },
    { "DEL a\r\n", ":0\r\n" },
    { "EXISTS a\r\n", ":0\r\n" },
    { "DEL b b\r\n", ":1\r\n" },
    { "EXISTS b\r\n", ":0\r\n" },
    { "DEL\r\n", "-ERR wrong number of arguments for 'del' command\r\n" },
    { "EXISTS\r\n", "-ERR wrong number of arguments for 'exists' command\r\n" },
};

static const struct exchange incr[] = {
    { "INCR counter\r\n", ":1\r\n" },
    { "INCR counter\r\n", ":2\r\n" },
    { "GET counter\r\n", "$1\r\n2\r\n" },
    { "SET n -5\r\n", "+OK\r\n" },
    { "INCR n\r\n", ":-4\r\n" },
    { "SET min -9223372036854775808\r\n", "+OK\r\n" },
    { "INCR min\r\n", ":-9223372036854775807\r\n" },
    { "SET max 9223372036854775807\r\n", "+OK\r\n" },
    { "INCR max\r\n", "-ERR increment or decrement would overflow\r\n" },
    { "GET max\r\n", "$19\r\n9223372036854775807\r\n" },
    { "SET z abc\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "SET z 010\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "SET z -0\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "SET z +5\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "SET z 1.5\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$2\r\n 5\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "SET z 9223372036854775808\r\n", "+OK\r\n" },
    { "INCR z\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "GET z\r\n", "$19\r\n9223372036854775808\r\n" },
    { "INCR\r\n", "-ERR wrong number of arguments for 'incr' command\r\n" },
    { "INCR a b\r\n", "-ERR wrong number of arguments for 'incr' command\r\n" },
};

static const struct exchange expire_and_ttl[] = {
    { "SET e v\r\n", "+OK\r\n" },
    { "EXPIRE e 100\r\n", ":1\r\n" },
    { "TTL e\r\n", ":100\r\n" },
    { "TTL missing\r\n", ":-2\r\n" },
    { "SET p v\r\n", "+OK\r\n" },
    { "TTL p\r\n", ":-1\r\n" },
    { "EXPIRE missing 10\r\n", ":0\r\n" },
    { "EXPIRE e abc\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "EXPIRE e 1.5\r\n", "-ERR value is not an integer or out of range\r\n" },
    { "EXPIRE e 99999999999999999\r\n", "-ERR invalid expire time in 'expire' command\r\n" },
    { "EXPIRE e\r\n", "-ERR wrong number of arguments for 'expire' command\r\n" },
    { "TTL\r\n", "-ERR wrong number of arguments for 'ttl' command\r\n" },
    { "SET i 5\r\n", "+OK\r\n" },
    { "EXPIRE i 100\r\n", ":1\r\n" },
    { "INCR i\r\n", ":6\r\n" },
    { "TTL i\r\n", ":100\r\n" },
    { "SET i 7\r\n", "+OK\r\n" },
    { "TTL i\r\n", ":-1\r\n" },
    { "EXPIRE e 0\r\n", ":1\r\n" },
    { "GET e\r\n", "$-1\r\n" },
    { "EXISTS e\r\n", ":0\r\n" },
    { "SET e v\r\n", "+OK\r\n" },
    { "EXPIRE e -5\r\n", ":1\r\n" },
    { "TTL e\r\n", ":-2\r\n" },
};

static const struct exchange dbsize[] = {
    { "DBSIZE\r\n", ":0\r\n" },
    { "SET a 1\r\n", "+OK\r\n" },
    { "SET b 2\r\n", "+OK\r\n" },
    { "SET a 3\r\n", "+OK\r\n" },
    { "DBSIZE\r\n", ":2\r\n" },
    { "DEL a\r\n", ":1\r\n" },
    { "DBSIZE\r\n", ":1\r\n" },
    { "DBSIZE x\r\n", "-ERR wrong number of arguments for 'dbsize' command\r\n" },
};

static const struct exchange unknown_commands_and_arity[] = {
    { "FOO\r\n", "-ERR unknown command 'FOO', with args beginning with: \r\n" },
    { "FOO a b\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n" },
    { "*3\r\n$5\r\nHULLO\r\n$4\r\na\r\nb\r\n$1\r\nc\r\n",
      "-ERR unknown command 'HULLO', with args beginning with: 'a  b' 'c' \r\n" },
    { "XYZ aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb\r\n",
      "-ERR unknown command 'XYZ', with args beginning with: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "' \r\n" },
    { "GeT\r\n", "-ERR wrong number of arguments for 'get' command\r\n" },
    { "\r\n", "" },
    { "   \r\n", "" },
    { "*0\r\n", "" },
    { "PING\r\n", "+PONG\r\n" },
};

static const struct exchange config_get[] = {
    { "CONFIG GET save\r\n", "*2\r\n$4\r\nsave\r\n$0\r\n\r\n" },
    { "CONFIG GET appendonly\r\n", "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n" },
    { "config get SAVE\r\n", "*2\r\n$4\r\nSAVE\r\n$0\r\n\r\n" },
    { "CONFIG GET nosuchparameter\r\n", "*0\r\n" },
    { "CONFIG\r\n", "-ERR wrong number of arguments for 'config' command\r\n" },
    { "CONFIG GET\r\n", "-ERR wrong number of arguments for 'config|get' command\r\n" },
    { "CONFIG FOO\r\n", "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n" },
    { "COMMAND FOO\r\n", "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n" },
};

const struct transcript transcripts[] = {
    { "ping_and_echo", STEPS(ping_and_echo) },
    { "set_and_get", STEPS(set_and_get) },
    { "del_and_exists", STEPS(del_and_exists) },
    { "incr", STEPS(incr) },
    { "expire_and_ttl", STEPS(expire_and_ttl) },
    { "dbsize", STEPS(dbsize) },
    { "unknown_commands_and_arity", STEPS(unknown_commands_and_arity) },
    { "config_get", STEPS(config_get) },
};

const size_t transcript_count = sizeof transcripts / sizeof transcripts[0];

const struct transcript *find_transcript(const char *name)
{
    for (size_t i = 0; i < transcript_count; i++)
        if (strcmp(transcripts[i].name, name) == 0)
            return &transcripts[i];
    return NULL;
}
