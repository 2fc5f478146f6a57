/*
 * url_shortener.h: a thread-safe URL shortener: base62 codes for 64-bit ids,
 * a service that maps short codes to long URLs (with custom aliases, hit
 * counts, validation and expiry), and a small HTTP/1.1 front for it.
 *
 * This header is the contract the tests check; do not edit it. Write the
 * functions in url_shortener.c. Levels (see README.md): 1 codes, 2 the
 * service, 3 validation, 4 expiry and threads, 5 the HTTP front.
 */
#ifndef URL_SHORTENER_H
#define URL_SHORTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wb/clock.h"

/* Every function that can fail returns one of these. The names in brackets
 * are what the HTTP front (level 5) puts in its error bodies. */
typedef enum url_status {
    URL_OK = 0,     /* done */
    URL_NOT_FOUND,  /* no live link has that code (never made, or expired) ["not_found"] */
    URL_TOO_SMALL,  /* the caller's buffer is too small; nothing was written */
    URL_INVALID,    /* a NULL that must not be, a code buffer under URL_CODE_SIZE, a TTL < 0
                       ["invalid"] */
    URL_BAD_CODE,   /* a code or alias that breaks the rules below ["bad_code"] */
    URL_TAKEN,      /* the alias is already the code of a live link ["taken"] */
    URL_RESERVED,   /* the alias is one of URL_RESERVED_WORDS ["reserved"] */
    URL_TOO_LONG,   /* the long URL is longer than URL_MAX_LEN bytes ["too_long"] */
    URL_BAD_CHAR,   /* the long URL holds a byte a URL may not hold (level 3) ["bad_char"] */
    URL_BAD_SCHEME, /* the long URL's scheme is not http or https ["bad_scheme"] */
    URL_NO_HOST,    /* the long URL has no host ["no_host"] */
    URL_LOOP,       /* the long URL points at the service's own host ["loop"] */
    URL_FULL,       /* every id up to UINT64_MAX has been handed out ["full"] */
    URL_NO_MEMORY /* an allocation failed; the service is as it was before the call ["no_memory"] */
} url_status;

/* ---- Level 1: codes ------------------------------------------------------ */

/*
 * A code is an id written in base 62 with these digits, most significant
 * first: '0' is 0, '9' is 9, 'A' is 10, 'Z' is 35, 'a' is 36, 'z' is 61.
 * The digits are in ASCII order, so codes of the same length sort as their
 * ids do. Codes are case-sensitive: "a" (36) and "A" (10) are two codes.
 */
#define URL_ALPHABET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* Digits in the code of the largest id, UINT64_MAX ("LygHa16AHYF"). */
#define URL_ID_DIGITS 11

/*
 * Writes the code of `id` into `code` as a C string: the fewest digits that
 * hold it, so no leading '0' except for id 0 itself, which is "0". Needs
 * cap >= digits + 1 (URL_ID_DIGITS + 1 is always enough). Returns URL_OK,
 * URL_TOO_SMALL (cap too small: nothing written), or URL_INVALID (code NULL).
 * Pure: safe from any thread. O(digits).
 */
url_status url_encode(uint64_t id, char *code, size_t cap);

/*
 * The inverse of url_encode: stores in *id the id whose code is `code`.
 * Every id has exactly one code and every code one id, so these are
 * URL_BAD_CODE: the empty string, a character outside URL_ALPHABET, a leading
 * '0' on a code of two or more digits ("07" is not 7), and a value above
 * UINT64_MAX ("LygHa16AHYG" and every 12-digit code). URL_INVALID if code or
 * id is NULL. On any status but URL_OK, *id is left untouched.
 */
url_status url_decode(const char *code, uint64_t *id);

/* ---- Level 2: the service ------------------------------------------------ */

typedef struct url_service url_service;

typedef struct url_config {
    /* The prefix of every short link, e.g. "https://sho.rt/": an http or https
     * URL that passes level 3's checks and ends with '/'. Copied. */
    const char *base;
    /* The id of the first generated code. Tests set it; 0 is allowed. */
    uint64_t first_id;
    /* Deduplication: when true, shortening a long URL that already has a
     * permanent generated link returns that link's code (see url_shorten). */
    bool dedup;
    /* Where the service reads the time for TTLs (level 4); NULL means the
     * monotonic system clock. Borrowed: it must outlive the service. */
    const wb_clock *clock;
} url_config;

/* Long URLs are at most this many bytes (not counting the NUL). */
#define URL_MAX_LEN 2048

/* Aliases are 1 to URL_ALIAS_MAX characters from URL_ALPHABET, '-' and '_'. */
#define URL_ALIAS_MAX 32

/* A buffer of this size holds any code, generated or alias, and its NUL. */
#define URL_CODE_SIZE (URL_ALIAS_MAX + 1)

/*
 * Aliases that can never be taken, compared without regard to case ("Admin"
 * is reserved too): the HTTP front's own paths, and names that would mislead.
 * Generated codes skip them as well. Use as { URL_RESERVED_WORDS }.
 */
#define URL_RESERVED_WORDS "shorten", "api", "admin", "health", "stats"

/* What to shorten. Zero what you do not use: (url_request){ .long_url = u }. */
typedef struct url_request {
    const char *long_url; /* required; copied */
    const char *alias;    /* the code wanted, or NULL to let the service pick one */
    int64_t ttl;          /* level 4: nanoseconds the link lives; 0 means forever */
} url_request;

/*
 * Creates an empty service. Returns NULL if config or config->base is NULL,
 * if the base is not an http(s) URL that passes level 3's checks or does not
 * end with '/', or if memory runs out.
 */
url_service *url_create(const url_config *config);

/* Frees the service and every link in it. NULL is a no-op. Must not run
 * while another thread is using the service. */
void url_destroy(url_service *svc);

/* The base the service was created with (its own copy, valid until
 * url_destroy): the short link of code C is this followed by C. */
const char *url_base(const url_service *svc);

/*
 * Makes a link to req->long_url and writes its code into `code` (cap must be
 * at least URL_CODE_SIZE; code may be NULL, with any cap, if you do not need
 * it). The checks run in this order, and the first that fails is returned,
 * with nothing stored and no id used up:
 *   1. URL_INVALID: svc, req or req->long_url NULL; code given with
 *      cap < URL_CODE_SIZE; req->ttl < 0.
 *   2. The long URL, level 3: URL_TOO_LONG, URL_BAD_CHAR, URL_BAD_SCHEME,
 *      URL_NO_HOST, URL_LOOP.
 *   3. With an alias: URL_BAD_CODE (empty, too long, a character outside
 *      the alias set), URL_RESERVED, then URL_TAKEN if a live link has it.
 *      The link's code is then the alias itself. Only live links count:
 *      the code of an expired link, alias or generated, may be claimed as
 *      an alias (level 4).
 * Without an alias the code is generated from a counter that starts at
 * config->first_id and only moves up: the link takes the counter's id and
 * the counter moves past it. Ids whose code is a live link's code (someone's
 * alias) or a reserved word are skipped, for good. With first_id 100 and no
 * aliases the codes are url_encode(100), (101), (102), ... Once the code of
 * UINT64_MAX has been handed out, generating another is URL_FULL.
 * Deduplication (config->dedup): a request with no alias and no TTL for a
 * long URL that already has such a link (generated, permanent) returns that
 * link's code and makes nothing. Long URLs are compared byte for byte, with
 * no normalisation. Links made with an alias or a TTL are never returned
 * by deduplication, and never stop it from making a generated link. A
 * deduplicated request takes no id, so it still succeeds once the counter
 * is URL_FULL.
 * Also URL_NO_MEMORY. Thread-safe (level 4): threads shortening at once
 * never receive the same code.
 */
url_status url_shorten(url_service *svc, const url_request *req, char *code, size_t cap);

/*
 * Copies the long URL of the live link `code` into `url` (cap bytes) as a
 * C string and counts one hit on the link. URL_OK only if the URL and its
 * NUL fit (strlen < cap); otherwise URL_TOO_SMALL, nothing copied and no hit
 * counted. If `len` is not NULL it receives the URL's length (without the
 * NUL) on URL_OK and URL_TOO_SMALL: so url NULL with cap 0 asks for the
 * length alone (URL_TOO_SMALL, no hit). URL_NOT_FOUND for any string that is
 * no live link's code, malformed ones included; URL_INVALID if svc or code is
 * NULL, or url is NULL with cap > 0. On any status but URL_OK, `url` is left
 * untouched. Thread-safe; a hit is never lost, whatever the threads do.
 */
url_status url_resolve(url_service *svc, const char *code, char *url, size_t cap, size_t *len);

/* Stores in *hits how many times url_resolve handed out the live link
 * `code`, without counting a hit itself. URL_OK, URL_NOT_FOUND, or
 * URL_INVALID (a NULL argument). Thread-safe. */
url_status url_hits(url_service *svc, const char *code, uint64_t *hits);

/* The number of live links: expired links do not count (level 4), even
 * before they are reclaimed. 0 for a NULL svc. Thread-safe. */
size_t url_count(url_service *svc);

/* ---- Level 3: validation ----------------------------------------------- */

/*
 * No new functions: url_shorten (and url_create, for the base) accept a long
 * URL only if it passes these checks, in this order:
 *   URL_TOO_LONG    more than URL_MAX_LEN bytes (2048 is fine, 2049 is not);
 *   URL_BAD_CHAR    any byte outside RFC 3986's set: letters, digits and
 *                   - . _ ~ : / ? # [ ] @ ! $ & ' ( ) * + , ; = %
 *                   (so no space, tab, CR, LF or other control byte, no
 *                   DEL, no byte >= 0x80, none of " < > \ ^ ` { | }), or a
 *                   '%' not followed by two hex digits;
 *   URL_BAD_SCHEME  the scheme (what comes before the first ':') is not
 *                   http or https, in any case ("HTTPS:" is fine); no ':'
 *                   at all is a missing scheme, also URL_BAD_SCHEME;
 *   URL_NO_HOST     no "//" after the scheme, or an empty host. The
 *                   authority runs from "//" to the first '/', '?' or '#';
 *                   the host is what is left after dropping the user info
 *                   (up to the last '@') and the port (from ':', outside
 *                   IPv6 brackets). The port is not checked;
 *   URL_LOOP        the host is the base's host: both are normalised the
 *                   same way (%-escapes decoded, lower case, one trailing
 *                   '.' dropped) and then compared byte for byte, whatever
 *                   the scheme, port, user info or path. So with the base
 *                   "https://SHO.RT./", "http://sho.rt/x" is a loop; with
 *                   "http://[::1]:8080/", "http://[::1]/x" is and
 *                   "http://[::2]/x" is not.
 * Beyond "not empty", the host's syntax is not checked: "." and "[::1" (no
 * closing bracket) are hosts like any other.
 */

/* ---- Level 4: expiry and threads ----------------------------------------- */

/*
 * No new functions. A request with ttl > 0 makes a link that lives ttl
 * nanoseconds on the service's clock: made at time t, it is live while the
 * clock reads less than t + ttl and expired from t + ttl on (a TTL too large
 * to add to t never expires). An expired link is gone for every function at
 * once, reclaimed or not: resolve and hits say URL_NOT_FOUND, url_count does
 * not count it, and its code may be claimed as an alias. Generated codes are
 * never handed out twice by the counter, expired or not; an alias that asks
 * for an expired generated code by name gets it, as it would an expired
 * alias. The service's clock must never go back (CLOCK_MONOTONIC does not):
 * set back by hand, whether a link that had expired comes back is not
 * specified.
 * Every function but url_destroy may be called by any number of threads at
 * once, and each call acts as if it ran alone: no code handed out twice, no
 * hit lost, counts exact.
 */

/* ---- Level 5: the HTTP front ------------------------------------------- */

/*
 * The rate limiter the front asks once per well-formed request, before it
 * does anything else: `client` is the peer's IPv4 address ("127.0.0.1"),
 * valid during the call. Return true to serve the request, false to answer
 * 429. Well-formed means the head (request line and headers) parsed: a
 * request that gets 400 or 431 is not counted. The front asks as soon as
 * the head is read, before it reads a body or picks a route, so a request
 * that would get 404, 405, 411 or 413 counts too, and a refused POST gets
 * 429 without its body being read. Called from the server's threads,
 * possibly several at once.
 */
typedef bool (*url_allow_fn)(const char *client, void *ctx);

typedef struct url_server_config {
    url_service *service; /* the links it serves; borrowed: must outlive the server */
    const char *address;  /* IPv4 address to listen on; NULL means "127.0.0.1" */
    uint16_t port;        /* 0 lets the system pick a free port (url_server_port says which) */
    int threads;          /* connections served at once; 0 means 4 */
    url_allow_fn allow;   /* NULL serves every request */
    void *allow_ctx;      /* passed to allow */
} url_server_config;

typedef struct url_server url_server;

/*
 * Starts serving HTTP/1.1 on its own threads and returns at once; NULL if
 * the config is invalid (no service, threads < 0) or the address cannot be
 * bound. One request per connection: every answer carries
 * "Connection: close" and a Content-Length, and the server then closes. A
 * client that sends its request in pieces is served once the whole request
 * has arrived; a client that stalls does not hold up the others.
 *
 *   POST /shorten   body: a JSON object {"url": "...", "alias": "...",
 *                   "ttl": whole seconds}, only "url" required, whatever
 *                   the Content-Type; other members are ignored.
 *                   201 {"code":"C","short_url":"BASEC"} on success;
 *                   400 {"error":"NAME"} when url_shorten refuses the
 *                   request (NAME from url_status above) or the body is
 *                   not such an object ("bad_json", also for one of these
 *                   members given twice, which parsers read differently, and
 *                   for "\u0000", which no C string can carry);
 *                   409 {"error":"taken"};
 *                   503 {"error":"full"}; 500 {"error":"no_memory"};
 *                   411 without a Content-Length;
 *                   413 for a body over 8 KiB.
 *                   "ttl" is a JSON integer: 0 (or no "ttl") means
 *                   forever, a negative one is "invalid", and one too
 *                   large to count in nanoseconds never expires, however
 *                   many digits it has. A fraction, an exponent, a string,
 *                   null or true is "bad_json".
 *   GET or HEAD /C  302 with "Location: <the long URL>" (one hit counted),
 *                   or 404 {"error":"not_found"}; a query ("?x=1") is
 *                   ignored.
 *   anything else   a method other than GET, HEAD and POST gets 405, and
 *                   so do GET and HEAD /shorten; a 405 carries an Allow
 *                   header with the methods of that path ("POST" for
 *                   /shorten, "GET, HEAD" for any other). A POST to any
 *                   path but /shorten gets 404 (or 411 when it has no
 *                   Content-Length: the front may check either first).
 *                   400 for a request that is not HTTP/1.x, 431 for a head
 *                   over 8 KiB, and 429 {"error":"rate_limited"} when allow
 *                   says no.
 * The 302 has no body ("Content-Length: 0"); every other answer's body is a
 * JSON object (the 201's and every error's), sent with Content-Type:
 * application/json. A HEAD gets the head its GET would get, whatever the
 * status (302, 404, 405, 429...), and no body.
 */
url_server *url_server_start(const url_server_config *config);

/* The port the server listens on (the one the system picked, if config->port was 0). */
uint16_t url_server_port(const url_server *server);

/* Stops the server: no new connection is accepted, connections still
 * sending their request are closed, an answer being written is finished;
 * then it joins the server's threads and frees everything. NULL is a no-op. */
void url_server_stop(url_server *server);

#endif /* URL_SHORTENER_H */
