/*
 * transcript_check.c: plays level 3's transcripts (tests/transcript.c)
 * against a real redis-server and reports every reply that differs from the
 * one the tests expect. `make check` runs it (harness/checks/tcp_server-redis.sh),
 * so that "byte for byte as Redis sends it" stays true when Redis changes.
 *
 *     transcript_check PORT        (a redis-server on 127.0.0.1:PORT, which it empties)
 *     transcript_check /PATH       (a redis-server on that unix socket)
 *
 * Exit status 0 when every reply matches, 1 when one differs, 2 on errors.
 */
#include "../tests/transcript.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Prints bytes as a C literal. */
static void print_escaped(const char *bytes, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Reads exactly n bytes, or what comes before 2 s pass or the connection ends. */
static size_t read_reply(int fd, char *out, size_t n)
{
    size_t got = 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (got < n && poll(&p, 1, 2000) > 0) {
        ssize_t r = recv(fd, out + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Sends request and compares the reply with want; prints and returns 1 if they differ. */
static int check(int fd, const char *where, const char *request, const char *want)
{
    size_t len = strlen(want);
    char got[4096];
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) != (ssize_t)strlen(request)) {
        printf("%s: could not send the request\n", where);
        return 1;
    }
    if (len == 0)
        return 0; /* no reply expected: the next step would see one */
    size_t n = read_reply(fd, got, len < sizeof got ? len : sizeof got);
    if (n == len && memcmp(got, want, len) == 0)
        return 0;
    printf("%s: ", where);
    print_escaped(request, strlen(request));
    printf("\n    expected ");
    print_escaped(want, len);
    printf("\n    redis    ");
    print_escaped(got, n);
    printf("\n");
    return 1;
}

/* A connection to 127.0.0.1:port, or to the unix socket at a path starting with '/'. */
static int connect_to(const char *where)
{
    if (where[0] == '/') {
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof addr.sun_path, "%s", where);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
            return fd;
        return -1;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(where)) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
        return fd;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (argv[1][0] != '/' && atoi(argv[1]) <= 0)) {
        fprintf(stderr, "usage: %s PORT|/SOCKET (of a redis-server it may empty)\n", argv[0]);
        return 2;
    }
    int fd = connect_to(argv[1]);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    int differ = 0, steps = 0;
    for (size_t t = 0; t < transcript_count; t++) {
        differ += check(fd, "FLUSHALL before a transcript", "FLUSHALL\r\n", "+OK\r\n");
        for (size_t i = 0; i < transcripts[t].count; i++, steps++) {
            char where[96];
            snprintf(where, sizeof where, "%s, step %zu", transcripts[t].name, i + 1);
            differ += check(fd, where, transcripts[t].steps[i].send, transcripts[t].steps[i].reply);
        }
    }
    close(fd);
    printf("%d steps in %zu transcripts, %d replies differ from redis-server's\n", steps,
           transcript_count, differ);
    return differ > 0;
}
