/*
 * ring_test.c: the helpers of ring_test.h.
 */
#include "ring_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *status_name(ring_status status)
{
    switch (status) {
    case RING_OK:
        return "RING_OK";
    case RING_EMPTY:
        return "RING_EMPTY";
    case RING_NOT_FOUND:
        return "RING_NOT_FOUND";
    case RING_EXISTS:
        return "RING_EXISTS";
    case RING_INVALID:
        return "RING_INVALID";
    case RING_NO_MEMORY:
        return "RING_NO_MEMORY";
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "an unknown status (%d)", (int)status);
    return unknown;
}

/* ---- the documented placement ---- */

uint64_t doc_hash(const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdu;
    h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

uint64_t doc_key_pos(const char *key)
{
    return doc_hash(key, strlen(key));
}

uint64_t doc_point_pos(const char *node, size_t i)
{
    char text[RING_NAME_MAX + 24];
    int n = snprintf(text, sizeof text, "%s#%zu", node, i);
    return doc_hash(text, (size_t)n);
}

/* ---- rings ---- */

ring *new_ring(unsigned points_per_node)
{
    ring *r = ring_create(points_per_node);
    cr_assert(r != NULL, "ring_create(%u) returned NULL, expected a new empty ring",
              points_per_node);
    return r;
}

void add_node(ring *r, const char *name, unsigned weight)
{
    ring_status s = ring_add(r, name, weight);
    cr_assert(s == RING_OK, "ring_add(%s, weight %u) returned %s, expected RING_OK", wb_q(name),
              weight, status_name(s));
}

void add_nodes(ring *r, int count)
{
    for (int i = 0; i < count; i++)
        add_node(r, node_name(i), 1);
}

void remove_node(ring *r, const char *name)
{
    ring_status s = ring_remove(r, name);
    cr_assert(s == RING_OK,
              "ring_remove(%s) returned %s, expected RING_OK: the node is on the ring", wb_q(name),
              status_name(s));
}

const char *node_name(int i)
{
    static _Thread_local char names[8][24];
    static _Thread_local int next;
    char *name = names[next++ % 8];
    snprintf(name, sizeof names[0], "node-%d", i);
    return name;
}

int node_index(const char *name)
{
    if (strncmp(name, "node-", 5) != 0 || name[5] == '\0')
        return -1;
    int i = 0;
    for (const char *p = name + 5; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || i > 100000)
            return -1;
        i = 10 * i + (*p - '0');
    }
    return i;
}

const char *owner_of(ring *r, const char *key)
{
    static _Thread_local char names[8][RING_NAME_MAX];
    static _Thread_local int next;
    char *name = names[next++ % 8];
    ring_status s = ring_locate(r, key, strlen(key), name);
    cr_assert(s == RING_OK, "ring_locate(%s) returned %s, expected RING_OK: the ring has nodes",
              wb_q(key), status_name(s));
    return name;
}

void expect_owner(ring *r, const char *key, const char *want, const char *why)
{
    char got[RING_NAME_MAX];
    memset(got, '?', sizeof got); /* no NUL anywhere, so a name copied without one shows */
    ring_status s = ring_locate(r, key, strlen(key), got);
    cr_assert(s == RING_OK, "ring_locate(%s) returned %s, expected RING_OK with %s: %s", wb_q(key),
              status_name(s), wb_q(want), why);
    cr_assert(memchr(got, '\0', sizeof got) != NULL,
              "ring_locate(%s) returned RING_OK but wrote no NUL into the %d-byte buffer (it "
              "holds %s), expected %s with its NUL: the name is copied NUL included, or the "
              "caller reads past its end (%s)",
              wb_q(key), RING_NAME_MAX, wb_qn(got, sizeof got), wb_q(want), why);
    cr_assert(strcmp(got, want) == 0, "ring_locate(%s) gave %s, expected %s: %s", wb_q(key),
              wb_qn(got, strnlen(got, sizeof got)), wb_q(want), why);
}

void expect_node_count(ring *r, size_t want, const char *why)
{
    size_t got = ring_node_count(r);
    cr_assert(got == want, "ring_node_count returned %zu, expected %zu: %s", got, want, why);
}

void expect_point_count(ring *r, size_t want, const char *why)
{
    size_t got = ring_point_count(r);
    cr_assert(got == want, "ring_point_count returned %zu, expected %zu: %s", got, want, why);
}

const char *key_between(uint64_t lo, uint64_t hi)
{
    static _Thread_local char key[32];
    for (int n = 0; n < 10000000; n++) {
        snprintf(key, sizeof key, "key-%d", n);
        uint64_t pos = doc_key_pos(key);
        if (pos > lo && pos < hi)
            return key;
    }
    cr_assert_fail("the test found no key between 0x%016llx and 0x%016llx (a bug in the test)",
                   (unsigned long long)lo, (unsigned long long)hi);
    return NULL;
}

/* ---- the model ---- */

struct point {
    uint64_t pos;
    const char *node; /* one of the model's own copies of the names */
    size_t index;     /* which point of its node: "node#index" */
};

struct model {
    unsigned per_node;
    struct point *points;
    size_t npoints;
    char **names; /* the nodes on the model ring */
    size_t nnodes;
};

model *model_new(unsigned points_per_node)
{
    model *m = calloc(1, sizeof *m);
    cr_assert(m != NULL, "the test ran out of memory");
    m->per_node = points_per_node;
    return m;
}

void model_free(model *m)
{
    for (size_t i = 0; i < m->nnodes; i++)
        free(m->names[i]);
    free(m->names);
    free(m->points);
    free(m);
}

/* Ring order: by position, then by node name (the header's rule for a collision). */
static int point_order(const void *a, const void *b)
{
    const struct point *p = a, *q = b;
    if (p->pos != q->pos)
        return p->pos < q->pos ? -1 : 1;
    return strcmp(p->node, q->node);
}

void model_add(model *m, const char *name, unsigned weight)
{
    size_t add = (size_t)weight * m->per_node;
    m->points = realloc(m->points, (m->npoints + add) * sizeof *m->points);
    m->names = realloc(m->names, (m->nnodes + 1) * sizeof *m->names);
    char *copy = strdup(name);
    cr_assert(m->points != NULL && m->names != NULL && copy != NULL, "the test ran out of memory");
    m->names[m->nnodes++] = copy;
    for (size_t i = 0; i < add; i++)
        m->points[m->npoints++] = (struct point){ doc_point_pos(name, i), copy, i };
    qsort(m->points, m->npoints, sizeof *m->points, point_order);
}

void model_remove(model *m, const char *name)
{
    size_t kept = 0;
    for (size_t i = 0; i < m->npoints; i++)
        if (strcmp(m->points[i].node, name) != 0)
            m->points[kept++] = m->points[i];
    m->npoints = kept;
    for (size_t i = 0; i < m->nnodes; i++) {
        if (strcmp(m->names[i], name) == 0) {
            free(m->names[i]);
            m->names[i] = m->names[--m->nnodes];
            break;
        }
    }
}

/* The index of the first point at or after pos, wrapping to 0. */
static size_t model_successor(const model *m, uint64_t pos)
{
    size_t lo = 0, hi = m->npoints;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->points[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == m->npoints ? 0 : lo;
}

struct owner model_owner(const model *m, uint64_t pos)
{
    if (m->npoints == 0)
        return (struct owner){ NULL, 0, 0 };
    const struct point *p = &m->points[model_successor(m, pos)];
    return (struct owner){ p->node, p->index, p->pos };
}

size_t model_replicas(const model *m, uint64_t pos, const char **out, size_t n)
{
    size_t found = 0, i = m->npoints ? model_successor(m, pos) : 0;
    for (size_t step = 0; step < m->npoints && found < n; step++, i = (i + 1) % m->npoints) {
        size_t k = 0;
        while (k < found && out[k] != m->points[i].node)
            k++;
        if (k == found)
            out[found++] = m->points[i].node;
    }
    return found;
}

const char *model_explain(const model *m, uint64_t pos)
{
    static _Thread_local char text[8][200];
    static _Thread_local int next;
    char *out = text[next++ % 8];
    struct owner o = model_owner(m, pos);
    if (o.node == NULL)
        return "the ring is empty";
    snprintf(out, sizeof text[0], "the first point at or after it is \"%s#%zu\" at 0x%016llx%s",
             o.node, o.point, (unsigned long long)o.pos,
             o.pos < pos ? " (past the top of the ring, so wrapping to the lowest point)" : "");
    return out;
}

/* ---- key sets ---- */

struct keyset *keyset_new(size_t n)
{
    struct keyset *k = malloc(sizeof *k);
    cr_assert(k != NULL, "the test ran out of memory");
    k->n = n;
    k->key = malloc(n * sizeof *k->key);
    k->pos = malloc(n * sizeof *k->pos);
    cr_assert(k->key != NULL && k->pos != NULL, "the test ran out of memory");
    for (size_t i = 0; i < n; i++) {
        /* "user:" and i in decimal, written by hand: snprintf is slow under valgrind. */
        char digits[24], *d = digits + sizeof digits;
        size_t v = i;
        *--d = '\0';
        do
            *--d = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        memcpy(k->key[i], "user:", 5);
        memcpy(k->key[i] + 5, d, (size_t)(digits + sizeof digits - d));
        k->pos[i] = doc_key_pos(k->key[i]);
    }
    return k;
}

void keyset_free(struct keyset *k)
{
    free(k->key);
    free(k->pos);
    free(k);
}

void expect_model_owners(ring *r, const model *m, const struct keyset *k, const char *why)
{
    size_t wrong = 0, first = 0;
    char got[RING_NAME_MAX], first_got[RING_NAME_MAX] = "";
    for (size_t i = 0; i < k->n; i++) {
        ring_status s = ring_locate(r, k->key[i], strlen(k->key[i]), got);
        cr_assert(s == RING_OK, "ring_locate(%s) returned %s, expected RING_OK: %s",
                  wb_q(k->key[i]), status_name(s), why);
        if (strcmp(got, model_owner(m, k->pos[i]).node) != 0 && wrong++ == 0) {
            first = i;
            memcpy(first_got, got, sizeof got);
        }
    }
    if (wrong == 0)
        return;
    cr_assert_fail("%zu of %zu keys got another owner than the placement in consistent_hash.h "
                   "gives. The first: ring_locate(%s) gave %s, expected \"%s\": the key sits at "
                   "0x%016llx, and %s. Scenario: %s",
                   wrong, k->n, wb_q(k->key[first]), wb_q(first_got),
                   model_owner(m, k->pos[first]).node, (unsigned long long)k->pos[first],
                   model_explain(m, k->pos[first]), why);
}

int *owners_of(ring *r, const struct keyset *k, int nodes)
{
    int *owner = malloc(k->n * sizeof *owner);
    cr_assert(owner != NULL, "the test ran out of memory");
    char got[RING_NAME_MAX];
    for (size_t i = 0; i < k->n; i++) {
        ring_status s = ring_locate(r, k->key[i], strlen(k->key[i]), got);
        cr_assert(s == RING_OK, "ring_locate(%s) returned %s, expected RING_OK", wb_q(k->key[i]),
                  status_name(s));
        owner[i] = node_index(got);
        cr_assert(owner[i] >= 0 && owner[i] < nodes,
                  "ring_locate(%s) gave %s, which is not one of the nodes \"node-0\" to "
                  "\"node-%d\" on the ring",
                  wb_q(k->key[i]), wb_qn(got, strnlen(got, sizeof got)), nodes - 1);
    }
    return owner;
}

struct spread spread_of(const int *owner, size_t n, int nodes)
{
    size_t *count = calloc((size_t)nodes, sizeof *count);
    cr_assert(count != NULL, "the test ran out of memory");
    for (size_t i = 0; i < n; i++)
        count[owner[i]]++;
    struct spread s = { .mean = (double)n / nodes, .fewest = n + 1 };
    double squares = 0;
    for (int i = 0; i < nodes; i++) {
        double d = (double)count[i] - s.mean;
        squares += d * d;
        if (count[i] > s.most)
            s.most = count[i], s.busiest = i;
        if (count[i] < s.fewest)
            s.fewest = count[i], s.lightest = i;
    }
    s.cv = sqrt(squares / nodes) / s.mean;
    free(count);
    return s;
}
