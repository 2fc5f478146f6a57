/*
 * dlq_queue.c: the reference message queue (see exercises/dlq_queue/dlq_queue.h);
 * the consumer-side helper mq_once is in mq_once.c.
 *
 * One mutex guards everything. Each message is one allocation, found by id in
 * a chained hash table, and sits in exactly one of four places:
 *   - the waiting heap (ready or delayed), a min-heap on (ready time, id):
 *     its top is the next message to deliver once the clock reaches it;
 *   - the flight heap (in flight), a min-heap on (deadline, id): its top is
 *     the next delivery to time out;
 *   - the dead list, in order of death;
 *   - the pending list: sent and written to the log, waiting for the sync
 *     that makes it durable (level 5 with MQ_SYNC_SENDS). Receivers never see
 *     a message that a power loss could still take back.
 * Time moves lazily: every call first settles the queue at the clock's
 * reading, moving each delivery whose deadline passed back to waiting (or to
 * the dead list). A timed-out message keeps its deadline as its ready time,
 * which is what makes "ready first, delivered first" hold without a scan.
 * A textbook queue is a FIFO list; the heaps are what time adds.
 *
 * The log (level 5) is written ahead: each call encodes the record of the
 * change it is about to make, appends it, and changes the memory only once
 * the append succeeded, so the file never says less than the queue did.
 */
#define _GNU_SOURCE /* O_CLOEXEC, pthread_condattr_setclock */
#include "dlq_queue.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ==== Messages ============================================================= */

enum msg_state { PENDING, WAITING, IN_FLIGHT, DEAD };

#define NO_HEAP SIZE_MAX

struct msg {
    uint64_t id;
    struct msg *chain;       /* next in its bucket of the id table */
    enum msg_state state;    /* says which one place below holds it */
    uint32_t receive_count;  /* deliveries so far; a redrive resets it */
    uint32_t deliveries;     /* deliveries ever, never reset: names each delivery's receipt */
    int64_t time;            /* WAITING: ready from; IN_FLIGHT: deadline; DEAD: died at */
    int64_t sent_at;         /* when it was stored */
    size_t heap_index;       /* position in its heap, or NO_HEAP */
    struct msg *prev, *next; /* neighbours in the dead list or the pending list */
    char last_error[MQ_ERROR_MAX];
    size_t len;
    char body[]; /* len bytes, then a NUL */
};

/* Heaps and the dead list order messages by (time, id). */
static bool before(const struct msg *a, const struct msg *b)
{
    return a->time < b->time || (a->time == b->time && a->id < b->id);
}

static struct msg *msg_new(const void *body, size_t len)
{
    struct msg *m = malloc(sizeof *m + len + 1);
    if (m == NULL)
        return NULL;
    *m = (struct msg){ .heap_index = NO_HEAP, .len = len };
    if (len > 0)
        memcpy(m->body, body, len);
    m->body[len] = '\0';
    return m;
}

static void set_error(struct msg *m, const char *error)
{
    snprintf(m->last_error, sizeof m->last_error, "%s", error != NULL ? error : "");
}

/* A receipt names one delivery: the id above, the number of the delivery
 * among all the message ever had in the low 24 bits. Not the receive count:
 * a redrive resets that, and the first delivery after it would get the
 * receipt of the first delivery before the message died, which a slow
 * consumer may still hold. Ids stay below 2^40, and a message delivered 2^24
 * times would reuse its first receipts: both are far beyond any test or
 * queue. */
enum { COUNT_BITS = 24 };
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)

static uint64_t make_receipt(uint64_t id, uint32_t count)
{
    return id << COUNT_BITS | (count & COUNT_MASK);
}

static int64_t add_time(int64_t t, int64_t d)
{
    return d > INT64_MAX - t ? INT64_MAX : t + d;
}

/* ==== Binary min-heaps of messages ========================================= */

struct heap {
    struct msg **items;
    size_t len, cap;
};

static void heap_place(struct heap *h, struct msg *m, size_t i)
{
    h->items[i] = m;
    m->heap_index = i;
}

static void sift_up(struct heap *h, size_t i)
{
    struct msg *m = h->items[i];
    while (i > 0 && before(m, h->items[(i - 1) / 2])) {
        heap_place(h, h->items[(i - 1) / 2], i);
        i = (i - 1) / 2;
    }
    heap_place(h, m, i);
}

static void sift_down(struct heap *h, size_t i)
{
    struct msg *m = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && before(h->items[child + 1], h->items[child]))
            child++;
        if (!before(h->items[child], m))
            break;
        heap_place(h, h->items[child], i);
        i = child;
    }
    heap_place(h, m, i);
}

static bool heap_reserve(struct heap *h, size_t n)
{
    if (n <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 16;
    while (cap < n)
        cap *= 2;
    struct msg **items = realloc(h->items, cap * sizeof *items);
    if (items == NULL)
        return false;
    h->items = items;
    h->cap = cap;
    return true;
}

/* Room was reserved: heaps hold at most `held` messages, and held is reserved first. */
static void heap_push(struct heap *h, struct msg *m)
{
    assert(h->len < h->cap);
    heap_place(h, m, h->len++);
    sift_up(h, m->heap_index);
}

static void heap_remove(struct heap *h, struct msg *m)
{
    size_t i = m->heap_index;
    m->heap_index = NO_HEAP;
    struct msg *last = h->items[--h->len];
    if (last == m)
        return;
    heap_place(h, last, i);
    sift_up(h, i);
    sift_down(h, last->heap_index);
}

/* After m's time changed. */
static void heap_fix(struct heap *h, struct msg *m)
{
    sift_up(h, m->heap_index);
    sift_down(h, m->heap_index);
}

/* How many messages of the subtree at i have time <= now (a min-heap prunes the rest). */
static size_t heap_count_until(const struct heap *h, size_t i, int64_t now)
{
    if (i >= h->len || h->items[i]->time > now)
        return 0;
    return 1 + heap_count_until(h, 2 * i + 1, now) + heap_count_until(h, 2 * i + 2, now);
}

/* ==== Lists: the dead letters and the pending sends ======================== */

struct list {
    struct msg *first, *last;
    size_t count;
};

static void list_insert_after(struct list *l, struct msg *after, struct msg *m)
{
    m->prev = after;
    m->next = after != NULL ? after->next : l->first;
    *(m->next != NULL ? &m->next->prev : &l->last) = m;
    *(after != NULL ? &after->next : &l->first) = m;
    l->count++;
}

static void list_remove(struct list *l, struct msg *m)
{
    *(m->prev != NULL ? &m->prev->next : &l->first) = m->next;
    *(m->next != NULL ? &m->next->prev : &l->last) = m->prev;
    m->prev = m->next = NULL;
    l->count--;
}

/* Keeps the list sorted by (time, id); new deaths almost always go last. */
static void list_insert_sorted(struct list *l, struct msg *m)
{
    struct msg *after = l->last;
    while (after != NULL && before(m, after))
        after = after->prev;
    list_insert_after(l, after, m);
}

/* ==== The id table ========================================================= */

struct id_table {
    struct msg **buckets; /* mask + 1 chains */
    size_t mask, count;
};

static size_t id_bucket(uint64_t id, size_t mask)
{
    uint64_t h = id * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h ^ h >> 32) & mask;
}

static struct msg *id_find(const struct id_table *t, uint64_t id)
{
    for (struct msg *m = t->buckets[id_bucket(id, t->mask)]; m != NULL; m = m->chain)
        if (m->id == id)
            return m;
    return NULL;
}

/* Doubles the table when it is fuller than one message per bucket. Returns false without memory. */
static bool id_reserve(struct id_table *t)
{
    size_t n = t->mask + 1;
    if (t->count < n)
        return true;
    struct msg **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        for (struct msg *m = t->buckets[i], *next; m != NULL; m = next) {
            next = m->chain;
            size_t b = id_bucket(m->id, 2 * n - 1);
            m->chain = buckets[b];
            buckets[b] = m;
        }
    }
    free(t->buckets);
    t->buckets = buckets;
    t->mask = 2 * n - 1;
    return true;
}

static void id_insert(struct id_table *t, struct msg *m)
{
    struct msg **head = &t->buckets[id_bucket(m->id, t->mask)];
    m->chain = *head;
    *head = m;
    t->count++;
}

static void id_remove(struct id_table *t, struct msg *m)
{
    struct msg **link = &t->buckets[id_bucket(m->id, t->mask)];
    while (*link != m)
        link = &(*link)->chain;
    *link = m->chain;
    t->count--;
}

/* ==== Deduplication keys (level 4) ========================================= */

/* Keys in a hash table, and in a list from the oldest to the youngest, which
 * is also the order in which they expire: forgetting is a walk from the head. */
struct key_entry {
    struct key_entry *chain;   /* next in its bucket */
    struct key_entry *younger; /* next to expire after this one */
    uint64_t hash, id;
    int64_t stored_at; /* the window runs from here */
    char key[];
};

struct key_table {
    struct key_entry **buckets;
    size_t mask, count;
    struct key_entry *oldest, *youngest;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * UINT64_C(1099511628211);
    return h;
}

static struct key_entry *key_find(const struct key_table *t, const char *key, uint64_t hash)
{
    for (struct key_entry *e = t->buckets[hash & t->mask]; e != NULL; e = e->chain)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static bool key_reserve(struct key_table *t)
{
    size_t n = t->mask + 1;
    if (t->count < n)
        return true;
    struct key_entry **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        for (struct key_entry *e = t->buckets[i], *next; e != NULL; e = next) {
            next = e->chain;
            e->chain = buckets[e->hash & (2 * n - 1)];
            buckets[e->hash & (2 * n - 1)] = e;
        }
    }
    free(t->buckets);
    t->buckets = buckets;
    t->mask = 2 * n - 1;
    return true;
}

/* Links a new entry in (room reserved); stored_at must not be older than the youngest's. */
static void key_insert(struct key_table *t, struct key_entry *e)
{
    e->chain = t->buckets[e->hash & t->mask];
    t->buckets[e->hash & t->mask] = e;
    e->younger = NULL;
    *(t->youngest != NULL ? &t->youngest->younger : &t->oldest) = e;
    t->youngest = e;
    t->count++;
}

static void key_remove_oldest(struct key_table *t)
{
    struct key_entry *e = t->oldest;
    struct key_entry **link = &t->buckets[e->hash & t->mask];
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    t->oldest = e->younger;
    if (t->oldest == NULL)
        t->youngest = NULL;
    t->count--;
    free(e);
}

static struct key_entry *key_new(const char *key, uint64_t hash, uint64_t id, int64_t at)
{
    size_t len = strlen(key);
    struct key_entry *e = malloc(sizeof *e + len + 1);
    if (e == NULL)
        return NULL;
    *e = (struct key_entry){ .hash = hash, .id = id, .stored_at = at };
    memcpy(e->key, key, len + 1);
    return e;
}

/* ==== The queue ============================================================ */

struct mq_log;

/*
 * Invariants, whenever the lock is free:
 *   - every message is in the id table and in exactly the one place its state names;
 *   - held == waiting.len + flight.len + pending.count, and both heaps have room for held;
 *   - every delivery in the flight heap has a deadline later than the last settle;
 *   - the dead list and the key list are sorted (by death, by storage time).
 */
struct mq_queue {
    pthread_mutex_t lock;
    pthread_cond_t can_receive; /* signalled when a message may have become ready */
    pthread_cond_t can_send;    /* signalled when a slot may have come free */
    const wb_clock *clock;      /* borrowed */
    size_t capacity;
    int64_t visibility, backoff_base, backoff_cap, dedup_window;
    uint32_t max_receives;
    wb_rng rng; /* the jitter of retry delays */

    struct id_table ids;
    struct heap waiting, flight;
    struct list dead, pending;
    size_t held; /* messages that count toward the capacity */
    uint64_t next_id;
    struct key_table keys;
    bool closed;
    size_t waiting_senders, waiting_receivers;
    struct mq_log *log; /* NULL without a log */
};

static int64_t now_of(const mq_queue *q)
{
    return wb_now(q->clock);
}

/* Was this delivery the last one allowed? */
static bool last_delivery(const mq_queue *q, const struct msg *m)
{
    return q->max_receives != 0 && m->receive_count >= q->max_receives;
}

/* Moves m (already out of its heap) to the dead letters; its slot comes free. */
static void kill_msg(mq_queue *q, struct msg *m, int64_t at)
{
    m->state = DEAD;
    m->time = at;
    list_insert_sorted(&q->dead, m);
    q->held--;
    pthread_cond_signal(&q->can_send);
}

/* Applies the time: every delivery whose deadline is <= now timed out. */
static void settle(mq_queue *q, int64_t now)
{
    while (q->flight.len > 0 && q->flight.items[0]->time <= now) {
        struct msg *m = q->flight.items[0];
        heap_remove(&q->flight, m);
        set_error(m, MQ_TIMEOUT_ERROR);
        if (last_delivery(q, m)) {
            kill_msg(q, m, m->time);
        } else {
            m->state = WAITING; /* ready from its deadline on: its time stays */
            heap_push(&q->waiting, m);
        }
    }
    while (q->keys.oldest != NULL && add_time(q->keys.oldest->stored_at, q->dedup_window) <= now)
        key_remove_oldest(&q->keys);
}

/* Frees m, which is in no place any more. */
static void forget_msg(mq_queue *q, struct msg *m)
{
    id_remove(&q->ids, m);
    free(m);
}

/* Waits on cond; re-reads the clock at least every MQ_POLL_INTERVAL when time can change things. */
static void wait_on(mq_queue *q, pthread_cond_t *cond, bool time_matters)
{
    if (!time_matters) {
        pthread_cond_wait(cond, &q->lock);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += MQ_POLL_INTERVAL;
    if (until.tv_nsec >= WB_SEC) {
        until.tv_sec++;
        until.tv_nsec -= WB_SEC;
    }
    pthread_cond_timedwait(cond, &q->lock, &until);
}

/* ==== The log (level 5) ==================================================== */

/*
 * The file: an 8-byte magic, then records. A record is
 *
 *     u32 len    bytes of type + payload
 *     u32 crc    CRC-32C of the 4 bytes of len, then of type + payload
 *     u8  type   and its payload, every integer little-endian:
 *
 *     SEND   u64 id, i64 sent_at, u16 key_len, key, then the body (the rest)
 *     STATE  u64 id, u8 state, u32 receive_count, u32 deliveries, i64 time,
 *            u8 error_len, error
 *     KEY    u64 id, i64 stored_at, then the key (the rest)
 *     NEXT   u64 next_id
 *
 * STATE says where a message is now (GONE once acked); KEY and NEXT carry,
 * across a rewrite, what no message holds any more. A reader trusts a record
 * only if it is whole and its CRC matches: the first one that is not ends the
 * log, and the file is cut there.
 */
static const unsigned char MAGIC[8] = { 'M', 'Q', 'L', 'O', 'G', ' ', '1', '\n' };

enum rec_type { REC_SEND = 1, REC_STATE, REC_KEY, REC_NEXT };
enum rec_state { ST_WAITING, ST_IN_FLIGHT, ST_DEAD, ST_GONE };
enum {
    REC_HEAD = 8,
    SEND_FIXED = 1 + 8 + 8 + 2,
    STATE_FIXED = 1 + 8 + 1 + 4 + 4 + 8 + 1,
    REC_MAX = SEND_FIXED + MQ_KEY_MAX + MQ_MAX_BODY,
};

struct mq_log {
    int fd;         /* opened O_APPEND */
    char *path;     /* copied from the configuration */
    char *tmp_path; /* where a rewrite is written before it replaces the log */
    mq_sync mode;
    mq_sync_fn sync_fn;
    void *sync_ctx;
    uint64_t size;  /* bytes in the file */
    uint64_t limit; /* rewrite once size passes this */
    uint64_t compact_bytes;
    uint64_t appended; /* bytes ever appended, across rewrites: the log's clock */
    uint64_t synced;   /* of those, the ones known durable */
    bool syncing;      /* a thread is in sync_fn, without the lock */
    bool broken;       /* a write or a sync failed: refuse every write */
    pthread_cond_t sync_done;
    uint32_t crc_table[256];
    unsigned char *buf; /* where one record is encoded */
    size_t buf_cap;
};

/* One record being encoded or decoded. */
struct rec {
    unsigned char *p;
    size_t at, len;
};

static void put_u8(struct rec *r, uint8_t v)
{
    r->p[r->at++] = v;
}

static void put_u16(struct rec *r, uint16_t v)
{
    for (int i = 0; i < 2; i++)
        r->p[r->at++] = (unsigned char)(v >> 8 * i);
}

static void put_u32(struct rec *r, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        r->p[r->at++] = (unsigned char)(v >> 8 * i);
}

static void put_u64(struct rec *r, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        r->p[r->at++] = (unsigned char)(v >> 8 * i);
}

static void put_bytes(struct rec *r, const void *b, size_t n)
{
    if (n > 0)
        memcpy(r->p + r->at, b, n);
    r->at += n;
}

static uint64_t get_n(struct rec *r, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->at + (size_t)i] << 8 * i;
    r->at += (size_t)n;
    return v;
}

static void crc_init(uint32_t table[256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? c >> 1 ^ 0x82f63b78u : c >> 1; /* CRC-32C, as Kafka's batches use */
        table[i] = c;
    }
}

static uint32_t crc_update(const uint32_t table[256], uint32_t c, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ c >> 8;
    return c;
}

/* A record's checksum: CRC-32C of its 4 length bytes, then of its type and payload. */
static uint32_t record_crc(const uint32_t table[256], const unsigned char *record, size_t len)
{
    uint32_t c = crc_update(table, 0xffffffffu, record, 4);
    return crc_update(table, c, record + REC_HEAD, len) ^ 0xffffffffu;
}

/* Starts a record of `type` with `payload` bytes after the type byte in log->buf. */
static bool rec_begin(struct mq_log *log, struct rec *r, enum rec_type type, size_t payload)
{
    size_t need = REC_HEAD + 1 + payload;
    if (need > log->buf_cap) {
        unsigned char *buf = realloc(log->buf, need);
        if (buf == NULL)
            return false;
        log->buf = buf;
        log->buf_cap = need;
    }
    *r = (struct rec){ .p = log->buf, .at = REC_HEAD, .len = need };
    put_u8(r, (uint8_t)type);
    return true;
}

/* Fills in the length and the checksum. */
static void rec_end(struct mq_log *log, struct rec *r)
{
    assert(r->at == r->len);
    struct rec head = { .p = r->p };
    put_u32(&head, (uint32_t)(r->len - REC_HEAD));
    put_u32(&head, record_crc(log->crc_table, r->p, r->len - REC_HEAD));
}

static bool rec_send(struct mq_log *log, struct rec *r, const struct msg *m, const char *key)
{
    size_t key_len = key != NULL ? strlen(key) : 0;
    if (!rec_begin(log, r, REC_SEND, SEND_FIXED - 1 + key_len + m->len))
        return false;
    put_u64(r, m->id);
    put_u64(r, (uint64_t)m->sent_at);
    put_u16(r, (uint16_t)key_len);
    put_bytes(r, key, key_len);
    put_bytes(r, m->body, m->len);
    rec_end(log, r);
    return true;
}

static bool rec_state(struct mq_log *log, struct rec *r, uint64_t id, enum rec_state state,
                      uint32_t count, uint32_t deliveries, int64_t time, const char *error)
{
    size_t error_len = strlen(error);
    if (!rec_begin(log, r, REC_STATE, STATE_FIXED - 1 + error_len))
        return false;
    put_u64(r, id);
    put_u8(r, (uint8_t)state);
    put_u32(r, count);
    put_u32(r, deliveries);
    put_u64(r, (uint64_t)time);
    put_u8(r, (uint8_t)error_len);
    put_bytes(r, error, error_len);
    rec_end(log, r);
    return true;
}

static bool rec_key(struct mq_log *log, struct rec *r, const struct key_entry *e)
{
    size_t key_len = strlen(e->key);
    if (!rec_begin(log, r, REC_KEY, 16 + key_len))
        return false;
    put_u64(r, e->id);
    put_u64(r, (uint64_t)e->stored_at);
    put_bytes(r, e->key, key_len);
    rec_end(log, r);
    return true;
}

static bool rec_next(struct mq_log *log, struct rec *r, uint64_t next_id)
{
    if (!rec_begin(log, r, REC_NEXT, 8))
        return false;
    put_u64(r, next_id);
    rec_end(log, r);
    return true;
}

/* write(2) until done; false on an error. */
static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Appends an encoded record. A failure breaks the log: what reached the file is unknown. */
static mq_status log_append(struct mq_log *log, const struct rec *r)
{
    if (log->broken)
        return MQ_IO;
    if (!write_all(log->fd, r->p, r->len)) {
        log->broken = true;
        return MQ_IO;
    }
    log->size += r->len;
    log->appended += r->len;
    return MQ_OK;
}

/* Appends r if its encoder succeeded (`ok`); an encoder fails only without memory. */
static mq_status log_write(mq_queue *q, bool ok, const struct rec *r)
{
    if (!ok)
        return MQ_NO_MEMORY;
    return log_append(q->log, r);
}

static mq_status log_state(mq_queue *q, const struct msg *m, enum rec_state state, uint32_t count,
                           uint32_t deliveries, int64_t time, const char *error)
{
    if (q->log == NULL)
        return MQ_OK;
    if (q->log->broken)
        return MQ_IO;
    struct rec r;
    return log_write(q, rec_state(q->log, &r, m->id, state, count, deliveries, time, error), &r);
}

/* fsync(fd), or the configuration's stand-in for it. */
static int sync_fd(const struct mq_log *log, int fd)
{
    return log->sync_fn != NULL ? log->sync_fn(fd, log->sync_ctx) : fsync(fd);
}

/*
 * Makes every byte appended up to `lsn` durable. Called with the lock held;
 * releases it while it syncs, so that other senders can append meanwhile and
 * share the next sync (group commit): one thread syncs, the others wait.
 */
static mq_status log_sync_to(mq_queue *q, uint64_t lsn)
{
    struct mq_log *log = q->log;
    while (log->synced < lsn && !log->broken) {
        if (log->syncing) {
            pthread_cond_wait(&log->sync_done, &q->lock);
            continue;
        }
        log->syncing = true;
        uint64_t target = log->appended;
        int fd = log->fd;
        pthread_mutex_unlock(&q->lock);
        int rc = sync_fd(log, fd);
        pthread_mutex_lock(&q->lock);
        log->syncing = false;
        if (rc != 0)
            log->broken = true;
        else if (target > log->synced)
            log->synced = target;
        pthread_cond_broadcast(&log->sync_done);
    }
    return log->broken ? MQ_IO : MQ_OK;
}

/* ---- rewriting the log with only the live state ---- */

/* Buffers the records of a rewrite into large writes. */
struct writer {
    int fd;
    unsigned char chunk[1 << 16];
    size_t used;
    bool failed;
    uint64_t total;
};

static void writer_flush(struct writer *w)
{
    w->failed = w->failed || !write_all(w->fd, w->chunk, w->used);
    w->used = 0;
}

static void writer_put(struct writer *w, const void *p, size_t n)
{
    if (w->used + n > sizeof w->chunk)
        writer_flush(w);
    if (n > sizeof w->chunk) {
        w->failed = w->failed || !write_all(w->fd, p, n);
    } else {
        memcpy(w->chunk + w->used, p, n);
        w->used += n;
    }
    w->total += n;
}

static bool writer_record(struct writer *w, bool encoded, const struct rec *r)
{
    if (!encoded)
        return false;
    writer_put(w, r->p, r->len);
    return true;
}

/* The snapshot of one message: its send, and its state unless that is "ready since sent". */
static bool write_msg(mq_queue *q, struct writer *w, const struct msg *m)
{
    struct rec r;
    if (!writer_record(w, rec_send(q->log, &r, m, NULL), &r))
        return false;
    if (m->state == PENDING || (m->state == WAITING && m->time == m->sent_at &&
                                m->deliveries == 0 && m->last_error[0] == '\0'))
        return true;
    enum rec_state st = m->state == WAITING     ? ST_WAITING
                        : m->state == IN_FLIGHT ? ST_IN_FLIGHT
                                                : ST_DEAD;
    return writer_record(
        w,
        rec_state(q->log, &r, m->id, st, m->receive_count, m->deliveries, m->time, m->last_error),
        &r);
}

static bool write_snapshot(mq_queue *q, struct writer *w)
{
    struct rec r;
    writer_put(w, MAGIC, sizeof MAGIC);
    if (!writer_record(w, rec_next(q->log, &r, q->next_id), &r))
        return false;
    for (const struct key_entry *e = q->keys.oldest; e != NULL; e = e->younger)
        if (!writer_record(w, rec_key(q->log, &r, e), &r))
            return false;
    for (size_t b = 0; b <= q->ids.mask; b++)
        for (const struct msg *m = q->ids.buckets[b]; m != NULL; m = m->chain)
            if (!write_msg(q, w, m))
                return false;
    writer_flush(w);
    return !w->failed;
}

/* Syncs the folder that holds the log, so that a rename in it is durable. */
static int sync_folder(const struct mq_log *log)
{
    char *copy = strdup(log->path);
    if (copy == NULL)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = sync_fd(log, fd);
    close(fd);
    return rc;
}

/*
 * Writes the live state to tmp_path, syncs it and renames it over the log: a
 * crash before the rename leaves the old log, after it the new one. If the
 * rewrite fails before the rename, the old log stays in use, unharmed.
 */
static mq_status log_compact(mq_queue *q)
{
    struct mq_log *log = q->log;
    while (log->syncing) /* the syncing thread holds the old descriptor */
        pthread_cond_wait(&log->sync_done, &q->lock);
    if (log->broken)
        return MQ_IO;
    struct writer *w = malloc(sizeof *w);
    if (w == NULL)
        return MQ_NO_MEMORY;
    *w = (struct writer){ .fd = open(log->tmp_path,
                                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644) };
    bool ok = w->fd >= 0 && write_snapshot(q, w) && sync_fd(log, w->fd) == 0 &&
              rename(log->tmp_path, log->path) == 0;
    if (!ok) {
        if (w->fd >= 0) {
            close(w->fd);
            unlink(log->tmp_path);
        }
        free(w);
        return MQ_IO;
    }
    sync_folder(log); /* if this fails, the old log or the new one is found: both are whole */
    close(log->fd);
    log->fd = w->fd;
    log->size = w->total;
    log->synced = log->appended; /* the new file holds everything, synced */
    log->limit = log->compact_bytes > 2 * log->size ? log->compact_bytes : 2 * log->size;
    free(w);
    pthread_cond_broadcast(&log->sync_done);
    return MQ_OK;
}

/* After an append: rewrite the log if it passed its limit. A failed rewrite is not the
 * caller's failure: its record is safely in the old log, which stays in use. */
static void maybe_compact(mq_queue *q)
{
    if (q->log != NULL && !q->log->broken && q->log->size > q->log->limit)
        log_compact(q);
}

/* ---- recovery ---- */

/* Makes sure the heaps and the id table can take one more message. */
static bool reserve_one(mq_queue *q)
{
    return heap_reserve(&q->waiting, q->held + 1) && heap_reserve(&q->flight, q->held + 1) &&
           id_reserve(&q->ids);
}

/* Remembers a key (replacing an older entry of the same key). Returns false without memory. */
static bool remember_key(mq_queue *q, const char *key, uint64_t id, int64_t at)
{
    uint64_t hash = hash_key(key);
    struct key_entry *old = key_find(&q->keys, key, hash);
    if (old != NULL) { /* only replay meets this: the old entry's window had passed */
        old->id = id;
        old->stored_at = at;
        return true;
    }
    struct key_entry *e = key_new(key, hash, id, at);
    if (e == NULL || !key_reserve(&q->keys)) {
        free(e);
        return false;
    }
    key_insert(&q->keys, e);
    return true;
}

/* Takes m out of whichever place holds it. */
static void unplace(mq_queue *q, struct msg *m)
{
    switch (m->state) {
    case PENDING:
        list_remove(&q->pending, m);
        q->held--;
        break;
    case WAITING:
        heap_remove(&q->waiting, m);
        q->held--;
        break;
    case IN_FLIGHT:
        heap_remove(&q->flight, m);
        q->held--;
        break;
    case DEAD:
        list_remove(&q->dead, m);
        break;
    }
}

/* Puts m (in no place) where `state` says. Room in the heaps was reserved. */
static void place(mq_queue *q, struct msg *m, enum msg_state state, int64_t time)
{
    m->state = state;
    m->time = time;
    if (state == DEAD) {
        list_insert_sorted(&q->dead, m);
        return;
    }
    heap_push(state == WAITING ? &q->waiting : &q->flight, m);
    q->held++;
}

static bool replay_send(mq_queue *q, struct rec *r)
{
    if (r->len < SEND_FIXED)
        return false;
    uint64_t id = get_n(r, 8);
    int64_t sent_at = (int64_t)get_n(r, 8);
    size_t key_len = (size_t)get_n(r, 2);
    if (id == 0 || id_find(&q->ids, id) != NULL || key_len > MQ_KEY_MAX ||
        SEND_FIXED + key_len > r->len)
        return false;
    char key[MQ_KEY_MAX + 1];
    memcpy(key, r->p + r->at, key_len);
    key[key_len] = '\0';
    r->at += key_len;
    struct msg *m = msg_new(r->p + r->at, r->len - r->at);
    if (m == NULL || !reserve_one(q) || (key_len > 0 && !remember_key(q, key, id, sent_at))) {
        free(m);
        return false;
    }
    m->id = id;
    m->sent_at = sent_at;
    id_insert(&q->ids, m);
    place(q, m, WAITING, sent_at);
    if (id >= q->next_id)
        q->next_id = id + 1;
    return true;
}

static bool replay_state(mq_queue *q, struct rec *r)
{
    if (r->len < STATE_FIXED)
        return false;
    struct msg *m = id_find(&q->ids, get_n(r, 8));
    unsigned state = (unsigned)get_n(r, 1);
    uint32_t count = (uint32_t)get_n(r, 4);
    uint32_t deliveries = (uint32_t)get_n(r, 4);
    int64_t time = (int64_t)get_n(r, 8);
    size_t error_len = (size_t)get_n(r, 1);
    if (m == NULL || state > ST_GONE || STATE_FIXED + error_len != r->len ||
        error_len >= MQ_ERROR_MAX || !reserve_one(q))
        return false;
    unplace(q, m);
    if (state == ST_GONE) {
        forget_msg(q, m);
        return true;
    }
    m->receive_count = count;
    m->deliveries = deliveries;
    memcpy(m->last_error, r->p + r->at, error_len);
    m->last_error[error_len] = '\0';
    place(q, m, state == ST_WAITING ? WAITING : state == ST_IN_FLIGHT ? IN_FLIGHT : DEAD, time);
    return true;
}

static bool replay_key(mq_queue *q, struct rec *r)
{
    if (r->len < 17 || r->len > 17 + MQ_KEY_MAX)
        return false;
    uint64_t id = get_n(r, 8);
    int64_t at = (int64_t)get_n(r, 8);
    char key[MQ_KEY_MAX + 1];
    memcpy(key, r->p + r->at, r->len - r->at);
    key[r->len - r->at] = '\0';
    return key[0] != '\0' && strlen(key) == r->len - r->at && remember_key(q, key, id, at);
}

static bool replay_next(mq_queue *q, struct rec *r)
{
    if (r->len != 9)
        return false;
    uint64_t next = get_n(r, 8);
    if (next > q->next_id)
        q->next_id = next;
    return true;
}

/* Applies one whole, checked record. False if it makes no sense here. */
static bool replay(mq_queue *q, unsigned char *payload, size_t len)
{
    struct rec r = { .p = payload, .at = 1, .len = len };
    switch (payload[0]) {
    case REC_SEND:
        return replay_send(q, &r);
    case REC_STATE:
        return replay_state(q, &r);
    case REC_KEY:
        return replay_key(q, &r);
    case REC_NEXT:
        return replay_next(q, &r);
    }
    return false;
}

/* Replays records from byte 8 on; returns where the good records end. */
static uint64_t replay_all(mq_queue *q, unsigned char *data, uint64_t size)
{
    uint64_t at = sizeof MAGIC;
    while (size - at >= REC_HEAD) {
        struct rec head = { .p = data + at };
        uint32_t len = (uint32_t)get_n(&head, 4);
        uint32_t crc = (uint32_t)get_n(&head, 4);
        if (len == 0 || len > REC_MAX || len > size - at - REC_HEAD)
            break; /* cut short, or a length that was damaged */
        if (record_crc(q->log->crc_table, data + at, len) != crc ||
            !replay(q, data + at + REC_HEAD, len))
            break;
        at += REC_HEAD + len;
    }
    return at;
}

/* Reads the first n bytes of the file. */
static bool read_all(int fd, unsigned char *p, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        ssize_t got = pread(fd, p + done, n - done, (off_t)done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        done += (uint64_t)got;
    }
    return true;
}

/*
 * Reads the log and replays it into q; cuts a bad tail off; starts a new log
 * in an empty (or missing) file, or in one holding a torn piece of the magic.
 */
static mq_status log_recover(mq_queue *q)
{
    struct mq_log *log = q->log;
    struct stat st;
    if (fstat(log->fd, &st) != 0)
        return MQ_IO;
    uint64_t size = (uint64_t)st.st_size;
    unsigned char *data = malloc(size > 0 ? size : 1);
    if (data == NULL)
        return MQ_NO_MEMORY;
    if (!read_all(log->fd, data, size)) {
        free(data);
        return MQ_IO;
    }
    bool fresh = size < sizeof MAGIC && memcmp(data, MAGIC, size) == 0;
    if (!fresh && (size < sizeof MAGIC || memcmp(data, MAGIC, sizeof MAGIC) != 0)) {
        free(data);
        return MQ_CORRUPT;
    }
    uint64_t good = fresh ? 0 : replay_all(q, data, size);
    free(data);
    if (good < size && ftruncate(log->fd, (off_t)good) != 0)
        return MQ_IO;
    if (fresh && !write_all(log->fd, MAGIC, sizeof MAGIC))
        return MQ_IO;
    log->size = fresh ? sizeof MAGIC : good;
    log->limit = log->compact_bytes > 2 * log->size ? log->compact_bytes : 2 * log->size;
    if (log->mode == MQ_SYNC_SENDS && (sync_fd(log, log->fd) != 0 || sync_folder(log) != 0))
        return MQ_IO;
    return MQ_OK;
}

static void log_free(struct mq_log *log)
{
    if (log == NULL)
        return;
    if (log->fd >= 0)
        close(log->fd);
    pthread_cond_destroy(&log->sync_done);
    free(log->path);
    free(log->tmp_path);
    free(log->buf);
    free(log);
}

static mq_status log_open(mq_queue *q, const mq_config *config)
{
    struct mq_log *log = calloc(1, sizeof *log);
    if (log == NULL)
        return MQ_NO_MEMORY;
    log->fd = -1;
    q->log = log;
    pthread_cond_init(&log->sync_done, NULL);
    size_t n = strlen(config->log_path);
    log->path = strdup(config->log_path);
    log->tmp_path = malloc(n + sizeof ".compact");
    if (log->path == NULL || log->tmp_path == NULL)
        return MQ_NO_MEMORY;
    memcpy(log->tmp_path, config->log_path, n);
    memcpy(log->tmp_path + n, ".compact", sizeof ".compact");
    log->mode = config->sync;
    log->sync_fn = config->sync_fn;
    log->sync_ctx = config->sync_ctx;
    log->compact_bytes = config->compact_bytes ? config->compact_bytes : MQ_DEFAULT_COMPACT;
    crc_init(log->crc_table);
    log->fd = open(log->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log->fd < 0)
        return MQ_IO;
    return log_recover(q);
}

/* ==== Opening and closing ================================================== */

static bool config_valid(const mq_config *c)
{
    return c->capacity > 0 && c->visibility_timeout >= 0 && c->backoff_base >= 0 &&
           c->backoff_cap >= 0 && c->dedup_window >= 0 &&
           (c->backoff_base == 0 || c->backoff_cap >= c->backoff_base) &&
           (c->sync == MQ_SYNC_NONE || c->sync == MQ_SYNC_SENDS);
}

static void free_all(mq_queue *q)
{
    for (size_t b = 0; q->ids.buckets != NULL && b <= q->ids.mask; b++) {
        for (struct msg *m = q->ids.buckets[b], *next; m != NULL; m = next) {
            next = m->chain;
            free(m);
        }
    }
    while (q->keys.oldest != NULL)
        key_remove_oldest(&q->keys);
    free(q->ids.buckets);
    free(q->keys.buckets);
    free(q->waiting.items);
    free(q->flight.items);
    log_free(q->log);
    pthread_cond_destroy(&q->can_send);
    pthread_cond_destroy(&q->can_receive);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

static bool init_sync(mq_queue *q)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the poll interval is real time */
    bool ok = pthread_mutex_init(&q->lock, NULL) == 0 &&
              pthread_cond_init(&q->can_receive, &attr) == 0 &&
              pthread_cond_init(&q->can_send, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok;
}

mq_status mq_open(const mq_config *config, mq_queue **queue)
{
    if (config == NULL || queue == NULL || !config_valid(config))
        return MQ_INVALID;
    mq_queue *q = calloc(1, sizeof *q);
    if (q == NULL)
        return MQ_NO_MEMORY;
    if (!init_sync(q)) {
        free(q);
        return MQ_NO_MEMORY;
    }
    q->clock = config->clock;
    q->capacity = config->capacity;
    q->visibility = config->visibility_timeout ? config->visibility_timeout : MQ_DEFAULT_VISIBILITY;
    q->max_receives = config->max_receives;
    q->backoff_base = config->backoff_base;
    q->backoff_cap = config->backoff_cap;
    q->dedup_window = config->dedup_window ? config->dedup_window : MQ_DEFAULT_DEDUP_WINDOW;
    wb_rng_seed(&q->rng, config->seed);
    q->next_id = 1;
    q->ids.buckets = calloc(16, sizeof *q->ids.buckets);
    q->ids.mask = 15;
    q->keys.buckets = calloc(16, sizeof *q->keys.buckets);
    q->keys.mask = 15;
    mq_status s = MQ_NO_MEMORY;
    if (q->ids.buckets != NULL && q->keys.buckets != NULL)
        s = config->log_path != NULL ? log_open(q, config) : MQ_OK;
    if (s != MQ_OK) {
        free_all(q);
        return s;
    }
    *queue = q;
    return MQ_OK;
}

void mq_close(mq_queue *queue)
{
    if (queue == NULL)
        return;
    struct mq_log *log = queue->log;
    if (log != NULL && log->mode == MQ_SYNC_SENDS && !log->broken && log->synced < log->appended)
        sync_fd(log, log->fd);
    free_all(queue);
}

/* ==== Sending ============================================================== */

/* Waits for room. Returns MQ_OK with the lock held and room for one, or why not. */
static mq_status wait_for_room(mq_queue *q, mq_wait wait, const char *key, uint64_t key_hash,
                               uint64_t *id)
{
    for (;;) {
        settle(q, now_of(q));
        if (q->closed)
            return MQ_CLOSED;
        if (key != NULL) {
            const struct key_entry *e = key_find(&q->keys, key, key_hash);
            if (e != NULL) {
                if (id != NULL)
                    *id = e->id;
                return MQ_DUPLICATE;
            }
        }
        if (q->held < q->capacity)
            return MQ_OK;
        if (wait == MQ_NOWAIT)
            return MQ_FULL;
        q->waiting_senders++;
        wait_on(q, &q->can_send, q->flight.len > 0);
        q->waiting_senders--;
    }
}

/* With MQ_SYNC_SENDS: waits, without the lock at times, until m's record is durable. */
static mq_status make_durable(mq_queue *q, struct msg *m)
{
    m->state = PENDING;
    list_insert_after(&q->pending, q->pending.last, m);
    q->held++;
    mq_status s = log_sync_to(q, q->log->appended);
    list_remove(&q->pending, m);
    q->held--;
    return s;
}

/* Stores m (a new message, with its body) under `key` if not NULL. Called with the lock held. */
static mq_status store(mq_queue *q, struct msg *m, const char *key, uint64_t key_hash)
{
    struct key_entry *entry = NULL;
    if (!reserve_one(q))
        return MQ_NO_MEMORY;
    if (key != NULL && ((entry = key_new(key, key_hash, 0, 0)) == NULL || !key_reserve(&q->keys))) {
        free(entry);
        return MQ_NO_MEMORY;
    }
    m->id = q->next_id;
    m->sent_at = now_of(q);
    if (q->log != NULL) {
        struct rec r;
        mq_status s = log_write(q, rec_send(q->log, &r, m, key), &r);
        if (s != MQ_OK) {
            free(entry);
            return s;
        }
    }
    q->next_id++;
    id_insert(&q->ids, m);
    if (entry != NULL) {
        entry->id = m->id;
        entry->stored_at = m->sent_at;
        key_insert(&q->keys, entry);
    }
    maybe_compact(q);
    if (q->log != NULL && q->log->mode == MQ_SYNC_SENDS) {
        mq_status s = make_durable(q, m);
        if (s != MQ_OK) {
            id_remove(&q->ids, m);
            return s;
        }
    }
    place(q, m, WAITING, m->sent_at);
    pthread_cond_signal(&q->can_receive);
    return MQ_OK;
}

static mq_status send_common(mq_queue *q, const char *key, const void *body, size_t len,
                             mq_wait wait, uint64_t *id)
{
    if (q == NULL || (body == NULL && len > 0) ||
        (key != NULL && (key[0] == '\0' || strlen(key) > MQ_KEY_MAX)))
        return MQ_INVALID;
    if (len > MQ_MAX_BODY)
        return MQ_TOO_BIG;
    uint64_t key_hash = key != NULL ? hash_key(key) : 0;
    struct msg *m = msg_new(body, len); /* copied before the lock: the lock is for the queue */
    if (m == NULL)
        return MQ_NO_MEMORY;
    pthread_mutex_lock(&q->lock);
    mq_status s = wait_for_room(q, wait, key, key_hash, id);
    if (s == MQ_OK)
        s = store(q, m, key, key_hash);
    if (s == MQ_OK && id != NULL)
        *id = m->id;
    pthread_mutex_unlock(&q->lock);
    if (s != MQ_OK)
        free(m);
    return s;
}

mq_status mq_send(mq_queue *queue, const void *body, size_t len, mq_wait wait, uint64_t *id)
{
    return send_common(queue, NULL, body, len, wait, id);
}

mq_status mq_send_dedup(mq_queue *queue, const char *key, const void *body, size_t len,
                        mq_wait wait, uint64_t *id)
{
    if (key == NULL)
        return MQ_INVALID;
    return send_common(queue, key, body, len, wait, id);
}

/* ==== Receiving ============================================================ */

/* Waits for a ready message. Returns MQ_OK with it in *out (still waiting), or why not. */
static mq_status wait_for_message(mq_queue *q, mq_wait wait, struct msg **out, int64_t *now)
{
    for (;;) {
        *now = now_of(q);
        settle(q, *now);
        if (q->waiting.len > 0 && q->waiting.items[0]->time <= *now) {
            *out = q->waiting.items[0];
            return MQ_OK;
        }
        if (q->closed)
            return MQ_CLOSED;
        if (wait == MQ_NOWAIT)
            return MQ_EMPTY;
        q->waiting_receivers++;
        wait_on(q, &q->can_receive, q->waiting.len + q->flight.len > 0);
        q->waiting_receivers--;
    }
}

/* Fills *out with a copy of m as its delivery number `count` (receipt 0: not a delivery). */
static mq_status copy_out(const struct msg *m, uint32_t count, uint64_t receipt, mq_message *out)
{
    char *body = malloc(m->len + 1);
    if (body == NULL)
        return MQ_NO_MEMORY;
    memcpy(body, m->body, m->len + 1);
    out->id = m->id;
    out->receipt = receipt;
    out->receive_count = count;
    memcpy(out->last_error, m->last_error, sizeof out->last_error);
    out->len = m->len;
    out->body = body;
    return MQ_OK;
}

mq_status mq_receive(mq_queue *queue, mq_wait wait, mq_message *out)
{
    if (queue == NULL || out == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    struct msg *m = NULL;
    int64_t now = 0;
    mq_status s = wait_for_message(queue, wait, &m, &now);
    mq_message copy;
    int64_t deadline = add_time(now, queue->visibility);
    if (s == MQ_OK) /* the copy first: without memory, nothing has changed */
        s = copy_out(m, m->receive_count + 1, make_receipt(m->id, m->deliveries + 1), &copy);
    if (s == MQ_OK) {
        s = log_state(queue, m, ST_IN_FLIGHT, m->receive_count + 1, m->deliveries + 1, deadline,
                      m->last_error);
        if (s != MQ_OK)
            mq_message_free(&copy);
    }
    if (s == MQ_OK) {
        heap_remove(&queue->waiting, m);
        m->receive_count++;
        m->deliveries++;
        place(queue, m, IN_FLIGHT, deadline);
        queue->held--; /* place counted it again: it was already held while waiting */
        *out = copy;
        maybe_compact(queue);
    }
    pthread_mutex_unlock(&queue->lock);
    return s;
}

void mq_message_free(mq_message *message)
{
    if (message == NULL)
        return;
    free(message->body);
    *message = (mq_message){ 0 };
}

/* ==== Acknowledging ======================================================== */

/* The delivery `receipt` names, if it is in flight now; the lock is held and time settled. */
static struct msg *find_delivery(mq_queue *q, uint64_t receipt)
{
    struct msg *m = id_find(&q->ids, receipt >> COUNT_BITS);
    if (m == NULL || m->state != IN_FLIGHT || make_receipt(m->id, m->deliveries) != receipt)
        return NULL;
    return m;
}

mq_status mq_ack(mq_queue *queue, uint64_t receipt)
{
    if (queue == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    settle(queue, now_of(queue));
    struct msg *m = find_delivery(queue, receipt);
    mq_status s = m == NULL ? MQ_STALE : log_state(queue, m, ST_GONE, 0, 0, 0, "");
    if (s == MQ_OK) {
        heap_remove(&queue->flight, m);
        queue->held--;
        forget_msg(queue, m);
        pthread_cond_signal(&queue->can_send);
        maybe_compact(queue);
    }
    pthread_mutex_unlock(&queue->lock);
    return s;
}

mq_status mq_extend(mq_queue *queue, uint64_t receipt, int64_t timeout)
{
    if (queue == NULL || timeout <= 0)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    int64_t now = now_of(queue);
    settle(queue, now);
    struct msg *m = find_delivery(queue, receipt);
    int64_t deadline = add_time(now, timeout);
    mq_status s = m == NULL ? MQ_STALE
                            : log_state(queue, m, ST_IN_FLIGHT, m->receive_count, m->deliveries,
                                        deadline, m->last_error);
    if (s == MQ_OK) {
        m->time = deadline;
        heap_fix(&queue->flight, m);
        maybe_compact(queue);
    }
    pthread_mutex_unlock(&queue->lock);
    return s;
}

/* ==== Retries and the dead letters ========================================= */

/* min(cap, base * 2^(n-1)), without overflow: doubling stops at the cap. */
static int64_t backoff_ceiling(int64_t base, int64_t cap, uint32_t n)
{
    int64_t c = base;
    for (uint32_t i = 1; i < n && c < cap; i++)
        c = c > cap / 2 ? cap : 2 * c;
    return c < cap ? c : cap;
}

mq_status mq_nack(mq_queue *queue, uint64_t receipt, const char *error, int64_t *delay)
{
    if (queue == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    int64_t now = now_of(queue);
    settle(queue, now);
    struct msg *m = find_delivery(queue, receipt);
    mq_status s = MQ_STALE;
    if (m != NULL) {
        char text[MQ_ERROR_MAX];
        snprintf(text, sizeof text, "%s", error != NULL ? error : "");
        bool dies = last_delivery(queue, m);
        int64_t wait = 0;
        if (!dies && queue->backoff_base > 0) {
            int64_t ceiling =
                backoff_ceiling(queue->backoff_base, queue->backoff_cap, m->receive_count);
            wait = (int64_t)wb_rng_below(&queue->rng, (uint64_t)ceiling + 1);
        }
        s = log_state(queue, m, dies ? ST_DEAD : ST_WAITING, m->receive_count, m->deliveries,
                      dies ? now : add_time(now, wait), text);
        if (s == MQ_OK) {
            heap_remove(&queue->flight, m);
            memcpy(m->last_error, text, sizeof text);
            if (dies) {
                kill_msg(queue, m, now);
                s = MQ_DEAD_LETTERED;
            } else {
                m->state = WAITING;
                m->time = add_time(now, wait);
                heap_push(&queue->waiting, m);
                pthread_cond_signal(&queue->can_receive);
                if (delay != NULL)
                    *delay = wait;
            }
            maybe_compact(queue);
        }
    }
    pthread_mutex_unlock(&queue->lock);
    return s;
}

mq_status mq_dead_peek(mq_queue *queue, size_t index, mq_message *out)
{
    if (queue == NULL || out == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    settle(queue, now_of(queue));
    struct msg *m = queue->dead.first;
    for (size_t i = 0; m != NULL && i < index; i++)
        m = m->next;
    mq_status s = m == NULL ? MQ_NOT_FOUND : copy_out(m, m->receive_count, 0, out);
    pthread_mutex_unlock(&queue->lock);
    return s;
}

mq_status mq_redrive(mq_queue *queue, uint64_t id)
{
    if (queue == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    int64_t now = now_of(queue);
    settle(queue, now);
    struct msg *m = id_find(&queue->ids, id);
    mq_status s = MQ_OK;
    if (m == NULL || m->state != DEAD) /* what the call names first, then the queue's state */
        s = MQ_NOT_FOUND;
    else if (queue->closed)
        s = MQ_CLOSED;
    else if (queue->held >= queue->capacity)
        s = MQ_FULL;
    else if (!reserve_one(queue))
        s = MQ_NO_MEMORY;
    else
        s = log_state(queue, m, ST_WAITING, 0, m->deliveries, now, m->last_error);
    if (s == MQ_OK) {
        list_remove(&queue->dead, m);
        m->receive_count = 0;
        place(queue, m, WAITING, now);
        pthread_cond_signal(&queue->can_receive);
        maybe_compact(queue);
    }
    pthread_mutex_unlock(&queue->lock);
    return s;
}

/* ==== The rest ============================================================= */

void mq_shutdown(mq_queue *queue)
{
    if (queue == NULL)
        return;
    pthread_mutex_lock(&queue->lock);
    queue->closed = true;
    pthread_cond_broadcast(&queue->can_receive);
    pthread_cond_broadcast(&queue->can_send);
    pthread_mutex_unlock(&queue->lock);
}

mq_status mq_get_stats(mq_queue *queue, mq_stats *out)
{
    if (queue == NULL || out == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    int64_t now = now_of(queue);
    settle(queue, now);
    size_t ready = heap_count_until(&queue->waiting, 0, now);
    *out = (mq_stats){
        .ready = ready,
        .in_flight = queue->flight.len,
        .delayed = queue->waiting.len - ready,
        .dead = queue->dead.count,
        .dedup_keys = queue->keys.count,
        .waiting_senders = queue->waiting_senders,
        .waiting_receivers = queue->waiting_receivers,
    };
    pthread_mutex_unlock(&queue->lock);
    return MQ_OK;
}

mq_status mq_compact(mq_queue *queue)
{
    if (queue == NULL || queue->log == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&queue->lock);
    settle(queue, now_of(queue));
    mq_status s = log_compact(queue);
    pthread_mutex_unlock(&queue->lock);
    return s;
}
