/*
 * url_test.h: helpers the url_shortener tests share, so that each test reads
 * as its scenario. Every helper works through the public header only, and
 * its failure message says what was expected, what came back, and why it
 * matters (the `why` argument, a sentence about the scenario).
 */
#ifndef URL_TEST_H
#define URL_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <criterion/criterion.h>

#include "url_shortener.h"
#include "wb/test.h"

/* The base every test service uses, and its host. */
#define BASE "https://sho.rt/"

/* Tests start the clock far from zero: code that assumes time starts at 0 shows up. */
#define START (1000 * WB_SEC)

/* 62^5: the first id with a six-digit code ("100000"), where most tests start counting. */
#define FIRST_ID UINT64_C(916132832)

/* "URL_OK", "URL_NOT_FOUND", ... or "an unknown status (17)". */
const char *status_name(url_status status);

/*
 * The code of `id`, worked out by the tests themselves (digits 0-9, A-Z, a-z,
 * as the header says), so that expected codes never depend on the code under
 * test. The result lives in a per-thread ring of 16 buffers.
 */
const char *code_of(uint64_t id);

/* ---- the service ---- */

/* url_create with base BASE, failing the test if it returns NULL. */
url_service *new_service(const wb_clock *clock, uint64_t first_id, bool dedup);

/* url_shorten of a plain request (no alias, no TTL) must return URL_OK; the code goes
 * into code (URL_CODE_SIZE bytes). */
void shorten_ok(url_service *svc, const char *long_url, char *code);

/* url_shorten with a TTL (nanoseconds) must return URL_OK. */
void shorten_ttl_ok(url_service *svc, const char *long_url, int64_t ttl, char *code);

/* url_shorten with an alias must return URL_OK and give the alias back as the code. */
void alias_ok(url_service *svc, const char *long_url, const char *alias);

/* url_shorten of `req` must return `want`; if it is not URL_OK, nothing may have been
 * stored (url_count unchanged). */
void expect_shorten(url_service *svc, const url_request *req, url_status want, const char *why);

/* The same for a plain request of long_url, with a message that shows the URL escaped. */
void expect_refused(url_service *svc, const char *long_url, url_status want, const char *why);

/* A plain shorten of long_url must be accepted (URL_OK). */
void expect_accepted(url_service *svc, const char *long_url, const char *why);

/* `got` (a code a function returned) must equal `want`. */
void expect_code(const char *got, const char *want, const char *what, const char *why);

/* url_resolve(code) must return URL_OK with exactly `want`. */
void expect_resolves(url_service *svc, const char *code, const char *want, const char *why);

/* url_resolve(code) must return URL_NOT_FOUND. */
void expect_not_found(url_service *svc, const char *code, const char *why);

/* url_hits(code) must return URL_OK and `want`. */
void expect_hits(url_service *svc, const char *code, uint64_t want, const char *why);

/* url_count must return `want`. */
void expect_count(url_service *svc, size_t want, const char *why);

/* ---- the HTTP front (level 5) ---- */

/* A service on a manual clock, and the server in front of it. */
struct front {
    wb_manual_clock mc;
    url_service *svc;
    url_server *server;
    uint16_t port;
};

/* Starts a service (BASE, FIRST_ID, no dedup) and a server on an ephemeral loopback
 * port, with the limiter `allow` (NULL for none). Fails the test if either is NULL. */
void front_start(struct front *f, url_allow_fn allow, void *ctx);

/* Stops the server, then destroys the service. */
void front_stop(struct front *f);

/* One HTTP answer, as read from the socket until the server closed it. */
struct reply {
    char raw[16384]; /* everything received, NUL-terminated */
    size_t raw_len;
    int status;       /* from the status line; 0 if there was none */
    size_t head_len;  /* status line and headers, blank line included; 0 if incomplete */
    const char *body; /* raw + head_len */
    size_t body_len;
};

/* Seconds a client waits for an answer: a quarter of the test's time limit, at least 2. */
double reply_deadline(void);

/* A socket connected to 127.0.0.1:port (fails the test if it cannot connect). */
int http_connect(uint16_t port);

/* Sends every byte (MSG_NOSIGNAL: a server that hung up must not kill the test). */
void http_send(int fd, const void *bytes, size_t len);

/*
 * Reads until the server closes the connection or the deadline passes, and
 * parses what came. NULL when a whole answer came and the server closed;
 * otherwise what went wrong, from wb_strdupf (the caller frees it). Safe on
 * any thread: it never fails the test itself.
 */
char *http_read_reply(int fd, struct reply *r);

/* Connects, sends `request` (len bytes), reads the answer; fails the test with the
 * bytes sent and received if no whole answer comes. */
void http_exchange(uint16_t port, const char *request, size_t len, struct reply *r,
                   const char *why);

/* The same from a thread: returns NULL or a wb_strdupf message. */
char *http_try_exchange(uint16_t port, const char *request, size_t len, struct reply *r);

/* POST /shorten with `json` as the body (a correct Content-Length). */
void post_json(uint16_t port, const char *json, struct reply *r, const char *why);

/* GET /path (path starts with '/'). */
void get_path(uint16_t port, const char *path, struct reply *r, const char *why);

/* The value of header `name` (case-insensitive), or NULL; per-thread buffer, as wb_q. */
const char *reply_header(const struct reply *r, const char *name);

/* The reply must have status `want`; the message shows the request and the whole reply. */
void expect_status(const struct reply *r, int want, const char *request, const char *why);

/* The body must contain `part` (for example "\"error\":\"bad_scheme\""). */
void expect_body_has(const struct reply *r, const char *part, const char *request, const char *why);

/* The string value of JSON member `name` in the body (a flat object of strings, as the
 * server writes them), or NULL; per-thread buffer. */
const char *json_member(const struct reply *r, const char *name);

/* True if the program `name` is on the PATH (for curl). */
bool have_program(const char *name);

#endif /* URL_TEST_H */
