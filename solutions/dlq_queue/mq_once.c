/*
 * mq_once.c: the reference consumer-side helper of dlq_queue.h (level 4):
 * "process each message id at most once", with memory bounded by a window.
 *
 * A chained hash table from id to entry, plus a list of the finished ids in
 * the order they finished, which is the order in which they expire: forgetting
 * is a walk from the head that stops at the first id still inside the window.
 * Ids being processed are in the table only; they leave it when they end.
 */
#include "dlq_queue.h"

#include <pthread.h>
#include <stdlib.h>

struct seen {
    struct seen *chain;   /* next in its bucket */
    struct seen *younger; /* done ids: the next to expire after this one */
    uint64_t id;
    bool done;       /* false while it is being processed */
    int64_t expires; /* done ids: forgotten from this clock reading on */
};

/*
 * Invariants, whenever the lock is free: every id is in the table once; the
 * done ids are also in the list oldest..youngest, in order of expiry;
 * count == the table's entries.
 */
struct mq_once {
    pthread_mutex_t lock;
    const wb_clock *clock; /* borrowed */
    int64_t window;
    struct seen **buckets; /* mask + 1 chains */
    size_t mask, count;
    struct seen *oldest, *youngest;
};

static size_t bucket_of(const mq_once *o, uint64_t id)
{
    uint64_t h = id * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h ^ h >> 32) & o->mask;
}

/* The link that points at id's entry (or at the NULL ending its chain). */
static struct seen **find(mq_once *o, uint64_t id)
{
    struct seen **link = &o->buckets[bucket_of(o, id)];
    while (*link != NULL && (*link)->id != id)
        link = &(*link)->chain;
    return link;
}

static void unlink_entry(mq_once *o, struct seen *e)
{
    *find(o, e->id) = e->chain;
    o->count--;
}

/* Forgets the done ids whose window has passed: O(1) per id forgotten. */
static void forget_expired(mq_once *o, int64_t now)
{
    while (o->oldest != NULL && o->oldest->expires <= now) {
        struct seen *e = o->oldest;
        o->oldest = e->younger;
        if (o->oldest == NULL)
            o->youngest = NULL;
        unlink_entry(o, e);
        free(e);
    }
}

/* Doubles the table when it holds more ids than buckets. If memory runs out, chains grow. */
static void maybe_grow(mq_once *o)
{
    size_t n = o->mask + 1;
    if (o->count < n)
        return;
    struct seen **buckets = calloc(2 * n, sizeof *buckets);
    if (buckets == NULL)
        return;
    struct seen **old = o->buckets;
    o->buckets = buckets;
    o->mask = 2 * n - 1;
    for (size_t i = 0; i < n; i++) {
        for (struct seen *e = old[i], *next; e != NULL; e = next) {
            next = e->chain;
            struct seen **head = &buckets[bucket_of(o, e->id)];
            e->chain = *head;
            *head = e;
        }
    }
    free(old);
}

mq_once *mq_once_create(int64_t window, const wb_clock *clock)
{
    if (window <= 0)
        return NULL;
    mq_once *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    o->buckets = calloc(16, sizeof *o->buckets);
    if (o->buckets == NULL || pthread_mutex_init(&o->lock, NULL) != 0) {
        free(o->buckets);
        free(o);
        return NULL;
    }
    o->mask = 15;
    o->window = window;
    o->clock = clock;
    return o;
}

void mq_once_destroy(mq_once *once)
{
    if (once == NULL)
        return;
    for (size_t i = 0; i <= once->mask; i++) {
        for (struct seen *e = once->buckets[i], *next; e != NULL; e = next) {
            next = e->chain;
            free(e);
        }
    }
    free(once->buckets);
    pthread_mutex_destroy(&once->lock);
    free(once);
}

mq_status mq_once_begin(mq_once *once, uint64_t id)
{
    if (once == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&once->lock);
    forget_expired(once, wb_now(once->clock));
    struct seen **link = find(once, id);
    mq_status s = MQ_DUPLICATE;
    if (*link == NULL) { /* never seen, or forgotten: it is this caller's to process */
        struct seen *e = calloc(1, sizeof *e);
        s = MQ_NO_MEMORY;
        if (e != NULL) {
            e->id = id;
            *link = e;
            once->count++;
            maybe_grow(once);
            s = MQ_OK;
        }
    }
    pthread_mutex_unlock(&once->lock);
    return s;
}

mq_status mq_once_end(mq_once *once, uint64_t id, bool processed)
{
    if (once == NULL)
        return MQ_INVALID;
    pthread_mutex_lock(&once->lock);
    int64_t now = wb_now(once->clock);
    forget_expired(once, now);
    struct seen *e = *find(once, id);
    mq_status s = MQ_NOT_FOUND;
    if (e != NULL && !e->done) {
        s = MQ_OK;
        if (processed) { /* remembered until the window passes: it joins the list last */
            e->done = true;
            e->expires = now > INT64_MAX - once->window ? INT64_MAX : now + once->window;
            *(once->youngest != NULL ? &once->youngest->younger : &once->oldest) = e;
            once->youngest = e;
        } else { /* failed: forgotten, so that a redelivery is processed again */
            unlink_entry(once, e);
            free(e);
        }
    }
    pthread_mutex_unlock(&once->lock);
    return s;
}

size_t mq_once_len(mq_once *once)
{
    if (once == NULL)
        return 0;
    pthread_mutex_lock(&once->lock);
    forget_expired(once, wb_now(once->clock));
    size_t n = once->count;
    pthread_mutex_unlock(&once->lock);
    return n;
}
