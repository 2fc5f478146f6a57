/*
 * url_shortener.c: your URL shortener. The contract is in url_shortener.h;
 * the levels, the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone. The HTTP front (level 5) may go in a file of its own, such as
 * url_server.c next to this one: every .c in this folder is built.
 */
#include "url_shortener.h"

#include "wb/todo.h"

/* Your service: how does it find a link by its code, and (for dedup) by its
 * long URL? Where is the counter? (Level 4 adds a lock and the expiry times.) */
struct url_service {
    uint64_t next_id;
};

/* Your server (level 5): a listening socket, its threads, a way to stop them. */
struct url_server {
    int listen_fd;
};

/* ---- Level 1: codes ---- */

url_status url_encode(uint64_t id, char *code, size_t cap)
{
    TODO(1, id, code, cap);
}

url_status url_decode(const char *code, uint64_t *id)
{
    TODO(1, code, id);
}

/* ---- Level 2: the service ---- */

url_service *url_create(const url_config *config)
{
    TODO(2, config);
}

void url_destroy(url_service *svc)
{
    TODO(2, svc);
}

const char *url_base(const url_service *svc)
{
    TODO(2, svc);
}

url_status url_shorten(url_service *svc, const url_request *req, char *code, size_t cap)
{
    TODO(2, svc, req, code, cap);
}

url_status url_resolve(url_service *svc, const char *code, char *url, size_t cap, size_t *len)
{
    TODO(2, svc, code, url, cap, len);
}

url_status url_hits(url_service *svc, const char *code, uint64_t *hits)
{
    TODO(2, svc, code, hits);
}

size_t url_count(url_service *svc)
{
    TODO(2, svc);
}

/* ---- Level 3: validation (no new functions: url_shorten checks every long URL) ---- */

/* ---- Level 4: expiry and threads (no new functions: TTLs, a lock) ---- */

/* ---- Level 5: the HTTP front ---- */

url_server *url_server_start(const url_server_config *config)
{
    TODO(5, config);
}

uint16_t url_server_port(const url_server *server)
{
    TODO(5, server);
}

void url_server_stop(url_server *server)
{
    TODO(5, server);
}
