/*
 * dlq_queue.c: your message queue. The contract is in dlq_queue.h; the
 * levels, the hints and the way to run the tests are in README.md.
 *
 * Every function below only says it is not written yet. Replace each TODO
 * line with your code, level by level: `make test LEVEL=1` runs the level 1
 * tests alone.
 */
#include "dlq_queue.h"

#include "wb/todo.h"

/* Your queue: where do ready messages wait, where do received ones go until
 * they are acked, and what wakes a thread that waits? (Level 2 adds time,
 * level 3 a dead-letter queue, level 4 remembered keys, level 5 a file.) */
struct mq_queue {
    size_t capacity;
};

/* The consumer's helper of level 4: which ids has it seen, and until when? */
struct mq_once {
    int64_t window;
};

/* ---- Level 1: a bounded FIFO shared by threads ---- */

mq_status mq_open(const mq_config *config, mq_queue **queue)
{
    TODO(1, config, queue);
}

void mq_close(mq_queue *queue)
{
    TODO(1, queue);
}

mq_status mq_send(mq_queue *queue, const void *body, size_t len, mq_wait wait, uint64_t *id)
{
    TODO(1, queue, body, len, wait, id);
}

mq_status mq_receive(mq_queue *queue, mq_wait wait, mq_message *out)
{
    TODO(1, queue, wait, out);
}

mq_status mq_ack(mq_queue *queue, uint64_t receipt)
{
    TODO(1, queue, receipt);
}

void mq_message_free(mq_message *message)
{
    TODO(1, message);
}

void mq_shutdown(mq_queue *queue)
{
    TODO(1, queue);
}

mq_status mq_get_stats(mq_queue *queue, mq_stats *out)
{
    TODO(1, queue, out);
}

/* ---- Level 2: acknowledgements and the visibility timeout ---- */

mq_status mq_extend(mq_queue *queue, uint64_t receipt, int64_t timeout)
{
    TODO(2, queue, receipt, timeout);
}

/* ---- Level 3: retries, backoff, the dead-letter queue ---- */

mq_status mq_nack(mq_queue *queue, uint64_t receipt, const char *error, int64_t *delay)
{
    TODO(3, queue, receipt, error, delay);
}

mq_status mq_dead_peek(mq_queue *queue, size_t index, mq_message *out)
{
    TODO(3, queue, index, out);
}

mq_status mq_redrive(mq_queue *queue, uint64_t id)
{
    TODO(3, queue, id);
}

/* ---- Level 4: idempotency ---- */

mq_status mq_send_dedup(mq_queue *queue, const char *key, const void *body, size_t len,
                        mq_wait wait, uint64_t *id)
{
    TODO(4, queue, key, body, len, wait, id);
}

mq_once *mq_once_create(int64_t window, const wb_clock *clock)
{
    TODO(4, window, clock);
}

void mq_once_destroy(mq_once *once)
{
    TODO(4, once);
}

mq_status mq_once_begin(mq_once *once, uint64_t id)
{
    TODO(4, once, id);
}

mq_status mq_once_end(mq_once *once, uint64_t id, bool processed)
{
    TODO(4, once, id, processed);
}

size_t mq_once_len(mq_once *once)
{
    TODO(4, once);
}

/* ---- Level 5: durability (mq_open and every call that changes the queue
 * also keep the log; this function is new) ---- */

mq_status mq_compact(mq_queue *queue)
{
    TODO(5, queue);
}
