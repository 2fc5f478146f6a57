/*
 * tcp_server.c: your key-value server. The contract is in tcp_server.h; the
 * levels, the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone. The data goes in your lru_cache (lru_cache.h): while your
 * cache still has a TODO, the build links the reference cache instead.
 */
#include "tcp_server.h"

#include "lru_cache.h"
#include "wb/todo.h"

/* Your server: what does it need to accept connections, to find them again
 * when it stops, and to keep the data? (Level 4 adds an epoll loop.) */
struct kv_server {
    int listen_fd;
};

/* ---- Level 1: the parser ---- */

kv_parse_status kv_parse(kv_protocol protocol, const void *buf, size_t len, kv_command *cmd)
{
    TODO(1, protocol, buf, len, cmd);
}

/* ---- Level 2: serving clients ---- */

kv_status kv_server_start(const kv_config *config, kv_server **server)
{
    TODO(2, config, server);
}

int kv_server_port(const kv_server *server)
{
    TODO(2, server);
}

void kv_server_stop(kv_server *server)
{
    TODO(2, server);
}

/* ---- Level 3: Redis compatibility (no new functions: the commands) ---- */

/* ---- Level 4: one event loop (no new functions: config.mode = KV_EVENT_LOOP) ---- */

/* ---- Level 5: graceful shutdown ---- */

void kv_server_shutdown(kv_server *server)
{
    TODO(5, server);
}
