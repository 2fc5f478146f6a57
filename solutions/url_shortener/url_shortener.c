/*
 * url_shortener.c: the reference URL shortener (see
 * exercises/url_shortener/url_shortener.h); the HTTP front is url_server.c.
 *
 * Links live in one allocation each and are found through two chained hash
 * tables: by code (every link) and by long URL (only the links that
 * deduplication may return: generated and permanent). Links with a TTL are
 * also in a min-heap ordered by expiry, so every expired link sits at its
 * top and reclaiming k of them costs O(k log n).
 *
 * A read-write lock guards it all. The service is read-mostly (ten resolves
 * for every shorten is typical), and a resolve changes nothing but a hit
 * counter, which is atomic: so resolves share the lock and run in parallel,
 * and only shortens (and url_count, which reclaims) take it alone. That is
 * the difference from an LRU cache, whose every get reorders a list.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "url_shortener.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ==== Level 1: codes ======================================================= */

/* The value of one base62 digit, or -1 for a character outside URL_ALPHABET. */
static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    return -1;
}

url_status url_encode(uint64_t id, char *code, size_t cap)
{
    if (code == NULL)
        return URL_INVALID;
    /* Digits come out least significant first: fill a scratch buffer from its end. */
    char digits[URL_ID_DIGITS];
    size_t n = 0;
    do {
        digits[URL_ID_DIGITS - 1 - n++] = URL_ALPHABET[id % 62];
        id /= 62;
    } while (id > 0);
    if (n + 1 > cap)
        return URL_TOO_SMALL;
    memcpy(code, digits + URL_ID_DIGITS - n, n);
    code[n] = '\0';
    return URL_OK;
}

url_status url_decode(const char *code, uint64_t *id)
{
    if (code == NULL || id == NULL)
        return URL_INVALID;
    size_t len = strnlen(code, URL_ID_DIGITS + 1);
    if (len == 0 || len > URL_ID_DIGITS || (len > 1 && code[0] == '0'))
        return URL_BAD_CODE;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        int d = digit_value((unsigned char)code[i]);
        if (d < 0)
            return URL_BAD_CODE;
        if (value > (UINT64_MAX - (uint64_t)d) / 62) /* value * 62 + d would wrap */
            return URL_BAD_CODE;
        value = value * 62 + (uint64_t)d;
    }
    *id = value;
    return URL_OK;
}

/* ==== Level 3: validation ================================================== */

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(unsigned char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* RFC 3986's characters: unreserved, reserved, and '%' (which must start an escape). */
static bool is_url_byte(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

static url_status check_chars(const char *url, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (!is_url_byte(c))
            return URL_BAD_CHAR;
        /* The NUL ends the string, so url[i + 1] and url[i + 2] are safe to read in turn. */
        if (c == '%' && !(is_hex((unsigned char)url[i + 1]) && is_hex((unsigned char)url[i + 2])))
            return URL_BAD_CHAR;
    }
    return URL_OK;
}

/* Whether the scheme (before the first ':') is http or https; *rest is what follows the ':'. */
static url_status check_scheme(const char *url, const char **rest)
{
    const char *colon = strchr(url, ':');
    if (colon == NULL)
        return URL_BAD_SCHEME;
    size_t n = (size_t)(colon - url);
    if (!((n == 4 && strncasecmp(url, "http", 4) == 0) ||
          (n == 5 && strncasecmp(url, "https", 5) == 0)))
        return URL_BAD_SCHEME;
    *rest = colon + 1;
    return URL_OK;
}

/*
 * Finds the host in `rest` (what follows "scheme:"): after "//", up to the
 * end of the authority, without the user info and the port. Its span is
 * [*host, *host + *host_len).
 */
static url_status find_host(const char *rest, const char **host, size_t *host_len)
{
    if (strncmp(rest, "//", 2) != 0)
        return URL_NO_HOST;
    const char *start = rest + 2;
    const char *end = start + strcspn(start, "/?#");
    for (const char *p = start; p < end; p++) /* the user info ends at the last '@' */
        if (*p == '@')
            start = p + 1;
    const char *stop;
    if (start < end && *start == '[') { /* an IPv6 literal: the port comes after ']' */
        stop = memchr(start, ']', (size_t)(end - start));
        stop = stop != NULL ? stop + 1 : end;
    } else {
        stop = memchr(start, ':', (size_t)(end - start));
        stop = stop != NULL ? stop : end;
    }
    if (stop == start)
        return URL_NO_HOST;
    *host = start;
    *host_len = (size_t)(stop - start);
    return URL_OK;
}

/*
 * The host as it is compared for loops, into out (room for len + 1):
 * %-escapes decoded, lower case, one trailing '.' dropped.
 */
static void normalise_host(const char *host, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c == '%' && i + 2 < len && is_hex((unsigned char)host[i + 1]) &&
            is_hex((unsigned char)host[i + 2])) {
            c = (unsigned char)(hex_value((unsigned char)host[i + 1]) * 16 +
                                hex_value((unsigned char)host[i + 2]));
            i += 2;
        }
        out[n++] = (char)lower(c);
    }
    if (n > 0 && out[n - 1] == '.')
        n--;
    out[n] = '\0';
}

/*
 * Every check of level 3, in the header's order. `own_host` is the service's
 * normalised host (NULL while checking the base itself).
 */
static url_status check_long_url(const char *url, const char *own_host)
{
    size_t len = strnlen(url, URL_MAX_LEN + 1);
    if (len > URL_MAX_LEN)
        return URL_TOO_LONG;
    url_status s = check_chars(url, len);
    const char *rest = NULL, *host = NULL;
    size_t host_len = 0;
    if (s == URL_OK)
        s = check_scheme(url, &rest);
    if (s == URL_OK)
        s = find_host(rest, &host, &host_len);
    if (s != URL_OK || own_host == NULL)
        return s;
    char normal[URL_MAX_LEN + 1];
    normalise_host(host, host_len, normal);
    return strcmp(normal, own_host) == 0 ? URL_LOOP : URL_OK;
}

/* ==== Level 2: aliases ====================================================== */

static const char *const reserved_words[] = { URL_RESERVED_WORDS };

static bool is_reserved(const char *code)
{
    for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
        if (strcasecmp(code, reserved_words[i]) == 0)
            return true;
    return false;
}

static url_status check_alias(const char *alias)
{
    size_t len = strnlen(alias, URL_ALIAS_MAX + 1);
    if (len == 0 || len > URL_ALIAS_MAX)
        return URL_BAD_CODE;
    for (size_t i = 0; i < len; i++)
        if (digit_value((unsigned char)alias[i]) < 0 && alias[i] != '-' && alias[i] != '_')
            return URL_BAD_CODE;
    return is_reserved(alias) ? URL_RESERVED : URL_OK;
}

/* ==== Level 2: the service's data ========================================== */

#define NOT_IN_HEAP SIZE_MAX

enum { BY_CODE, BY_URL, TABLES }; /* the two hash tables */
enum { MIN_CHAINS = 16 };

/*
 * One allocation per link: the bookkeeping, then the code and the long URL,
 * each followed by its NUL, so that a resolve touches few cache lines.
 */
struct link {
    struct link *next[TABLES]; /* next link in the same chain of each table */
    uint64_t hash[TABLES];     /* hash of the code, of the long URL */
    _Atomic uint64_t hits;     /* counted under the read lock, hence atomic */
    int64_t expires;           /* clock reading from which it is expired, if in the heap */
    size_t heap_index;         /* position in the expiry heap, or NOT_IN_HEAP (no TTL) */
    size_t code_len, url_len;  /* without their NULs */
    bool indexed;              /* in the BY_URL table: generated, permanent */
    char data[];               /* the code, a NUL, the long URL, a NUL */
};

/* A chained hash table of links, keyed by the code or by the long URL. */
struct table {
    struct link **chains; /* mask + 1 chains, a power of two */
    size_t mask;
    size_t len; /* links in the table */
};

/*
 * Invariants, whenever the lock is free:
 *   - every stored link is in tables[BY_CODE]; the indexed ones, and only
 *     they, are also in tables[BY_URL];
 *   - the heap holds exactly the links with a TTL; heap[0] expires first and
 *     heap[i]->heap_index == i;
 *   - expired links may still be stored until a writer reclaims them; every
 *     reader treats them as absent;
 *   - next_id is the counter's next id, unless ids_exhausted.
 */
struct url_service {
    pthread_rwlock_t lock; /* readers: resolve, hits; writers: shorten, count */
    char *base;            /* our copy of config->base */
    char *host;            /* the base's host, normalised for the loop check */
    const wb_clock *clock; /* borrowed; NULL means monotonic */
    bool dedup;
    uint64_t next_id;
    bool ids_exhausted; /* the code of UINT64_MAX has been handed out */
    struct table tables[TABLES];
    struct link **heap; /* heap_len links with a TTL, in heap_cap slots */
    size_t heap_len, heap_cap;
};

/* FNV-1a, 64-bit: short, well known, good enough for short keys. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static const char *key_of(const struct link *l, int table)
{
    return table == BY_CODE ? l->data : l->data + l->code_len + 1;
}

static size_t key_len_of(const struct link *l, int table)
{
    return table == BY_CODE ? l->code_len : l->url_len;
}

/* ---- the hash tables ---- */

static struct link *table_find(const struct table *t, int which, const char *key, size_t len,
                               uint64_t hash)
{
    for (struct link *l = t->chains[hash & t->mask]; l != NULL; l = l->next[which])
        if (l->hash[which] == hash && key_len_of(l, which) == len &&
            memcmp(key_of(l, which), key, len) == 0)
            return l;
    return NULL;
}

/* Doubles the table once it holds as many links as chains. If memory runs
 * out it stays as it is: chains get longer, nothing is lost. */
static void table_grow(struct table *t, int which)
{
    size_t n = t->mask + 1;
    if (t->len < n || n > SIZE_MAX / 2 / sizeof(struct link *))
        return;
    struct link **chains = calloc(2 * n, sizeof *chains);
    if (chains == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct link *l = t->chains[i];
        while (l != NULL) {
            struct link *next = l->next[which];
            struct link **head = &chains[l->hash[which] & (2 * n - 1)];
            l->next[which] = *head;
            *head = l;
            l = next;
        }
    }
    free(t->chains);
    t->chains = chains;
    t->mask = 2 * n - 1;
}

static void table_insert(struct table *t, int which, struct link *l)
{
    struct link **head = &t->chains[l->hash[which] & t->mask];
    l->next[which] = *head;
    *head = l;
    t->len++;
    table_grow(t, which);
}

static void table_remove(struct table *t, int which, struct link *l)
{
    struct link **at = &t->chains[l->hash[which] & t->mask];
    while (*at != l)
        at = &(*at)->next[which];
    *at = l->next[which];
    t->len--;
}

/* ---- the expiry heap ---- */

static void heap_place(url_service *svc, struct link *l, size_t i)
{
    svc->heap[i] = l;
    l->heap_index = i;
}

static void sift_up(url_service *svc, size_t i)
{
    struct link *l = svc->heap[i];
    while (i > 0 && svc->heap[(i - 1) / 2]->expires > l->expires) {
        heap_place(svc, svc->heap[(i - 1) / 2], i);
        i = (i - 1) / 2;
    }
    heap_place(svc, l, i);
}

static void sift_down(url_service *svc, size_t i)
{
    struct link *l = svc->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= svc->heap_len)
            break;
        if (child + 1 < svc->heap_len && svc->heap[child + 1]->expires < svc->heap[child]->expires)
            child++;
        if (l->expires <= svc->heap[child]->expires)
            break;
        heap_place(svc, svc->heap[child], i);
        i = child;
    }
    heap_place(svc, l, i);
}

/* Makes room for one more link in the heap. Returns false if memory ran out. */
static bool heap_reserve(url_service *svc)
{
    if (svc->heap_len < svc->heap_cap)
        return true;
    size_t cap = svc->heap_cap ? 2 * svc->heap_cap : 16;
    struct link **heap = realloc(svc->heap, cap * sizeof *heap);
    if (heap == NULL)
        return false;
    svc->heap = heap;
    svc->heap_cap = cap;
    return true;
}

/* Adds l, expiring at `expires`, to the heap (room reserved). */
static void heap_push(url_service *svc, struct link *l, int64_t expires)
{
    assert(svc->heap_len < svc->heap_cap);
    l->expires = expires;
    heap_place(svc, l, svc->heap_len++);
    sift_up(svc, l->heap_index);
}

static void heap_remove(url_service *svc, struct link *l)
{
    size_t i = l->heap_index;
    if (i == NOT_IN_HEAP)
        return;
    l->heap_index = NOT_IN_HEAP;
    struct link *last = svc->heap[--svc->heap_len];
    if (last == l)
        return;
    heap_place(svc, last, i);
    sift_up(svc, i);
    sift_down(svc, last->heap_index);
}

/* ---- links ---- */

static bool is_expired(const struct link *l, int64_t now)
{
    return l->heap_index != NOT_IN_HEAP && now >= l->expires;
}

/* The time, read only when some link has a TTL (otherwise no answer depends on it). */
static int64_t now_if_needed(const url_service *svc)
{
    return svc->heap_len > 0 ? wb_now(svc->clock) : 0;
}

/* The live link whose code is `code`, or NULL. Reads only: safe under the read lock. */
static struct link *find_live(const url_service *svc, const char *code, size_t len)
{
    struct link *l = table_find(&svc->tables[BY_CODE], BY_CODE, code, len, hash_bytes(code, len));
    return l != NULL && !is_expired(l, now_if_needed(svc)) ? l : NULL;
}

static struct link *new_link(const char *code, const char *url)
{
    size_t code_len = strlen(code), url_len = strlen(url);
    /* offsetof, not sizeof: sizeof counts the padding after data[], which would hide an
     * allocation one byte short. */
    struct link *l = malloc(offsetof(struct link, data) + code_len + 1 + url_len + 1);
    if (l == NULL)
        return NULL;
    *l = (struct link){ .hash = { hash_bytes(code, code_len), hash_bytes(url, url_len) },
                        .heap_index = NOT_IN_HEAP,
                        .code_len = code_len,
                        .url_len = url_len };
    atomic_init(&l->hits, 0);
    memcpy(l->data, code, code_len + 1);
    memcpy(l->data + code_len + 1, url, url_len + 1);
    return l;
}

/* Unlinks l from every structure and frees it. */
static void remove_link(url_service *svc, struct link *l)
{
    table_remove(&svc->tables[BY_CODE], BY_CODE, l);
    if (l->indexed)
        table_remove(&svc->tables[BY_URL], BY_URL, l);
    heap_remove(svc, l);
    free(l);
}

/* Reclaims every expired link: they are all at the top of the heap. Writers only. */
static void reclaim_expired(url_service *svc, int64_t now)
{
    while (svc->heap_len > 0 && is_expired(svc->heap[0], now))
        remove_link(svc, svc->heap[0]);
}

/* ==== Level 2: the service ================================================== */

static void free_service(url_service *svc)
{
    for (int t = 0; t < TABLES; t++)
        free(svc->tables[t].chains);
    free(svc->heap);
    free(svc->host);
    free(svc->base);
    free(svc);
}

/* The base's host, normalised, in a new string; NULL if memory runs out. */
static char *own_host(const char *base)
{
    const char *rest = NULL, *host = NULL;
    size_t len = 0;
    check_scheme(base, &rest);
    find_host(rest, &host, &len);
    char *out = malloc(len + 1);
    if (out != NULL)
        normalise_host(host, len, out);
    return out;
}

url_service *url_create(const url_config *config)
{
    if (config == NULL || config->base == NULL || check_long_url(config->base, NULL) != URL_OK ||
        config->base[strlen(config->base) - 1] != '/')
        return NULL;
    url_service *svc = calloc(1, sizeof *svc);
    if (svc == NULL)
        return NULL;
    svc->base = strdup(config->base);
    svc->host = own_host(config->base);
    for (int t = 0; t < TABLES; t++) {
        svc->tables[t].chains = calloc(MIN_CHAINS, sizeof(struct link *));
        svc->tables[t].mask = MIN_CHAINS - 1;
    }
    /* Writers first: a steady stream of resolves must not starve the shortens. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int failed = pthread_rwlock_init(&svc->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (failed || svc->base == NULL || svc->host == NULL || svc->tables[BY_CODE].chains == NULL ||
        svc->tables[BY_URL].chains == NULL) {
        if (!failed)
            pthread_rwlock_destroy(&svc->lock);
        free_service(svc);
        return NULL;
    }
    svc->clock = config->clock;
    svc->dedup = config->dedup;
    svc->next_id = config->first_id;
    return svc;
}

void url_destroy(url_service *svc)
{
    if (svc == NULL)
        return;
    struct table *codes = &svc->tables[BY_CODE];
    for (size_t i = 0; i <= codes->mask; i++) {
        struct link *l = codes->chains[i];
        while (l != NULL) {
            struct link *next = l->next[BY_CODE];
            free(l);
            l = next;
        }
    }
    pthread_rwlock_destroy(&svc->lock);
    free_service(svc);
}

const char *url_base(const url_service *svc)
{
    return svc != NULL ? svc->base : NULL;
}

static void advance_counter(url_service *svc)
{
    if (svc->next_id == UINT64_MAX)
        svc->ids_exhausted = true;
    else
        svc->next_id++;
}

/* Writes the code of the counter's next usable id into out, skipping (for
 * good) the ids whose code is taken or reserved. Does not take that id. */
static url_status next_code(url_service *svc, char out[URL_CODE_SIZE])
{
    for (;;) {
        if (svc->ids_exhausted)
            return URL_FULL;
        url_encode(svc->next_id, out, URL_CODE_SIZE);
        if (!is_reserved(out) && find_live(svc, out, strlen(out)) == NULL)
            return URL_OK;
        advance_counter(svc);
    }
}

/* The store of url_shorten, once the request has passed every check; under the write lock. */
static url_status store(url_service *svc, const url_request *req, char *code)
{
    int64_t now = req->ttl > 0 ? wb_now(svc->clock) : now_if_needed(svc);
    reclaim_expired(svc, now); /* an expired alias is free again */

    bool generated = req->alias == NULL;
    if (svc->dedup && generated && req->ttl == 0) {
        size_t len = strlen(req->long_url);
        struct link *l = table_find(&svc->tables[BY_URL], BY_URL, req->long_url, len,
                                    hash_bytes(req->long_url, len));
        if (l != NULL) {
            if (code != NULL)
                memcpy(code, l->data, l->code_len + 1);
            return URL_OK;
        }
    }
    char fresh[URL_CODE_SIZE];
    if (!generated && find_live(svc, req->alias, strlen(req->alias)) != NULL)
        return URL_TAKEN;
    url_status s = generated ? next_code(svc, fresh) : URL_OK;
    if (s != URL_OK)
        return s;
    /* Allocate everything before changing anything, so a failure leaves all as it was. */
    if (req->ttl > 0 && !heap_reserve(svc))
        return URL_NO_MEMORY;
    struct link *l = new_link(generated ? fresh : req->alias, req->long_url);
    if (l == NULL)
        return URL_NO_MEMORY;
    if (generated)
        advance_counter(svc);
    table_insert(&svc->tables[BY_CODE], BY_CODE, l);
    if (generated && req->ttl == 0) {
        l->indexed = true;
        table_insert(&svc->tables[BY_URL], BY_URL, l);
    }
    if (req->ttl > 0 && req->ttl <= INT64_MAX - now) /* a TTL past the end of time: forever */
        heap_push(svc, l, now + req->ttl);
    if (code != NULL)
        memcpy(code, l->data, l->code_len + 1);
    return URL_OK;
}

url_status url_shorten(url_service *svc, const url_request *req, char *code, size_t cap)
{
    if (svc == NULL || req == NULL || req->long_url == NULL ||
        (code != NULL && cap < URL_CODE_SIZE) || req->ttl < 0)
        return URL_INVALID;
    /* The checks read nothing that changes: they run before the lock is taken. */
    url_status s = check_long_url(req->long_url, svc->host);
    if (s == URL_OK && req->alias != NULL)
        s = check_alias(req->alias);
    if (s != URL_OK)
        return s;
    pthread_rwlock_wrlock(&svc->lock);
    s = store(svc, req, code);
    pthread_rwlock_unlock(&svc->lock);
    return s;
}

url_status url_resolve(url_service *svc, const char *code, char *url, size_t cap, size_t *len)
{
    if (svc == NULL || code == NULL || (url == NULL && cap > 0))
        return URL_INVALID;
    size_t code_len = strnlen(code, URL_ALIAS_MAX + 1);
    if (code_len > URL_ALIAS_MAX) /* longer than any code */
        return URL_NOT_FOUND;

    pthread_rwlock_rdlock(&svc->lock);
    url_status s = URL_NOT_FOUND;
    struct link *l = find_live(svc, code, code_len);
    if (l != NULL) {
        if (len != NULL)
            *len = l->url_len;
        s = URL_TOO_SMALL;
        if (l->url_len < cap) {
            memcpy(url, key_of(l, BY_URL), l->url_len + 1);
            /* Other readers hold the lock too: the count must be an atomic add. */
            atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
            s = URL_OK;
        }
    }
    pthread_rwlock_unlock(&svc->lock);
    return s;
}

url_status url_hits(url_service *svc, const char *code, uint64_t *hits)
{
    if (svc == NULL || code == NULL || hits == NULL)
        return URL_INVALID;
    size_t code_len = strnlen(code, URL_ALIAS_MAX + 1);
    if (code_len > URL_ALIAS_MAX)
        return URL_NOT_FOUND;
    pthread_rwlock_rdlock(&svc->lock);
    struct link *l = find_live(svc, code, code_len);
    if (l != NULL)
        *hits = atomic_load_explicit(&l->hits, memory_order_relaxed);
    pthread_rwlock_unlock(&svc->lock);
    return l != NULL ? URL_OK : URL_NOT_FOUND;
}

size_t url_count(url_service *svc)
{
    if (svc == NULL)
        return 0;
    pthread_rwlock_wrlock(&svc->lock);
    reclaim_expired(svc, now_if_needed(svc));
    size_t n = svc->tables[BY_CODE].len;
    pthread_rwlock_unlock(&svc->lock);
    return n;
}
