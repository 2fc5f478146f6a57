/*
 * bench_url_shortener.c: how fast is the shortener? `make bench
 * EX=url_shortener` runs this program linked with your code and with the
 * reference, in turns.
 *
 * Codes: an encode and a decode of a random id. The service: shortens of
 * 48-byte URLs (dedup off, so every one makes a link), resolves of 100,000
 * links in a seeded random order, and the 10:1 mix of resolves and shortens
 * a real shortener sees, on one and two threads. The front: GET /{code}
 * over loopback, a new connection per request, from two client threads;
 * that one has no target, and stops at your first TODO if level 5 is not
 * written (everything above it is still reported).
 *
 * The same program serves by hand: `bench_url_shortener serve [PORT]` runs
 * the front on 127.0.0.1:PORT (8080 by default) until Ctrl-C, for curl.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "url_shortener.h"
#include "wb/bench.h"
#include "wb/rng.h"

enum { URLS = 1 << 16, LINKS = 100000, ORDER = 1 << 20, FIRST_ID = 916132832 };

static char urls[URLS][64];              /* "https://example.com/articles/000042?ref=bench" */
static char codes[LINKS][URL_CODE_SIZE]; /* the codes of the LINKS links resolved */
static unsigned order[ORDER];            /* seeded random link indexes */
static uint64_t ids[ORDER];              /* seeded random ids of every size */
static url_service *svc;
static double seconds = 0.25;

/* Each thread walks the order from its own starting point. */
static size_t start_of(int thread)
{
    return (size_t)thread * (ORDER / 2);
}

static url_service *new_service(void)
{
    url_config config = { .base = "https://sho.rt/", .first_id = FIRST_ID };
    url_service *s = url_create(&config);
    if (s == NULL) {
        fprintf(stderr, "url_create returned NULL\n");
        exit(2);
    }
    return s;
}

/* ---- the workloads ---- */

static void codec_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    char code[URL_CODE_SIZE];
    uint64_t id = 0;
    (void)ctx;
    if (at == 0)
        at = start_of(thread) + 1;
    for (size_t i = 0; i < ops; i++) {
        url_encode(ids[at++ % ORDER], code, sizeof code);
        url_decode(code, &id);
    }
    wb_bench_consume(&id);
}

static void shorten_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    char code[URL_CODE_SIZE];
    (void)ctx;
    if (at == 0)
        at = start_of(thread) + 1;
    for (size_t i = 0; i < ops; i++) {
        url_request req = { .long_url = urls[at++ % URLS] };
        url_shorten(svc, &req, code, sizeof code);
    }
    wb_bench_consume(code);
}

static void resolve_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    char url[URL_MAX_LEN + 1];
    (void)ctx;
    if (at == 0)
        at = start_of(thread) + 1;
    for (size_t i = 0; i < ops; i++)
        url_resolve(svc, codes[order[at++ % ORDER]], url, sizeof url, NULL);
    wb_bench_consume(url);
}

/* Ten resolves for each shorten: the read/write ratio of a typical shortener. */
static void mix_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    char url[URL_MAX_LEN + 1];
    (void)ctx;
    if (at == 0)
        at = start_of(thread) + 1;
    for (size_t i = 0; i < ops; i++, at++) {
        if (at % 11 == 0) {
            url_request req = { .long_url = urls[at % URLS] };
            url_shorten(svc, &req, NULL, 0);
        } else {
            url_resolve(svc, codes[order[at % ORDER]], url, sizeof url, NULL);
        }
    }
    wb_bench_consume(url);
}

/* ---- over HTTP ---- */

static uint16_t http_port;

/* One GET /{code} on a new connection, read until the server closes. */
static void get_once(const char *code)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(http_port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        exit(2);
    }
    char buf[512];
    int n = snprintf(buf, sizeof buf, "GET /%s HTTP/1.1\r\nHost: sho.rt\r\n\r\n", code);
    if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
        perror("send");
        exit(2);
    }
    while (recv(fd, buf, sizeof buf, 0) > 0)
        ;
    close(fd);
}

static void http_batch(void *ctx, int thread, size_t ops)
{
    static _Thread_local size_t at;
    (void)ctx;
    if (at == 0)
        at = start_of(thread) + 1;
    for (size_t i = 0; i < ops; i++)
        get_once(codes[order[at++ % ORDER]]);
}

/* ---- serving by hand ---- */

static int serve(int argc, char **argv)
{
    int port = argc > 2 ? atoi(argv[2]) : 8080;
    char base[64];
    snprintf(base, sizeof base, "http://localhost:%d/", port);
    url_config config = { .base = base, .first_id = FIRST_ID };
    svc = url_create(&config);
    /* Block the signals before the server's threads start, so that only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    url_server_config sc = { .service = svc, .port = (uint16_t)port };
    url_server *server = svc != NULL ? url_server_start(&sc) : NULL;
    if (server == NULL) {
        fprintf(stderr, "could not serve on 127.0.0.1:%d\n", port);
        return 2;
    }
    printf("serving on http://127.0.0.1:%u/ (short links say %s); Ctrl-C stops\n"
           "  curl -i -d '{\"url\":\"https://example.com/\"}' http://127.0.0.1:%u/shorten\n",
           url_server_port(server), base, url_server_port(server));
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    url_server_stop(server);
    printf("%zu links, stopped\n", url_count(svc));
    url_destroy(svc);
    return 0;
}

static void fill_inputs(void)
{
    wb_rng rng;
    wb_rng_seed(&rng, 62);
    for (int i = 0; i < URLS; i++)
        snprintf(urls[i], sizeof urls[i], "https://example.com/articles/%06d?ref=bench", i);
    for (int i = 0; i < ORDER; i++) {
        order[i] = (unsigned)wb_rng_below(&rng, LINKS);
        ids[i] = wb_rng_next(&rng) >> wb_rng_below(&rng, 64);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (getenv("WB_BENCH_QUICK") != NULL)
        seconds = 0.1;
    fill_inputs();

    wb_bench_target("resolve1", 10000);
    wb_bench_target("resolve2", 10000);
    wb_bench_target("shorten1", 2000);
    wb_bench_target("shorten2", 2000);

    wb_bench_rate("codec", wb_bench_measure(codec_batch, NULL, 1, 1000, seconds),
                  "encode + decode of an id");

    svc = new_service();
    wb_bench_rate("shorten1", wb_bench_measure(shorten_batch, NULL, 1, 1000, seconds),
                  "shorten, 1 thread");
    url_destroy(svc);
    svc = new_service();
    wb_bench_rate("shorten2", wb_bench_measure(shorten_batch, NULL, 2, 1000, seconds),
                  "shorten, 2 threads");
    url_destroy(svc);

    svc = new_service();
    for (int i = 0; i < LINKS; i++) {
        url_request req = { .long_url = urls[i % URLS] };
        url_shorten(svc, &req, codes[i], sizeof codes[i]);
    }
    wb_bench_rate("resolve1", wb_bench_measure(resolve_batch, NULL, 1, 1000, seconds),
                  "resolve, 100k links, 1 thread");
    wb_bench_rate("resolve2", wb_bench_measure(resolve_batch, NULL, 2, 1000, seconds),
                  "resolve, 100k links, 2 threads");
    wb_bench_rate("mix2", wb_bench_measure(mix_batch, NULL, 2, 1100, seconds),
                  "10:1 resolve/shorten, 2 threads");

    url_server_config sc = { .service = svc };
    url_server *server = url_server_start(&sc);
    if (server == NULL) {
        fprintf(stderr, "url_server_start returned NULL\n");
        return 2;
    }
    http_port = url_server_port(server);
    wb_bench_rate("http2", wb_bench_measure(http_batch, NULL, 2, 20, seconds),
                  "GET /{code} over loopback, 2 clients");
    url_server_stop(server);
    url_destroy(svc);
    return 0;
}
