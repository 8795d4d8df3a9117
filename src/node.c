/*
 * node.c - materialized pages of a write transaction: edit, rebalance,
 * split, spill (bbolt's node.go, algorithm for algorithm).
 *
 * Owns: see node.h.
 * Invariants: see node.h; in addition, node_spill() writes every node it
 * splits into pages allocated by tx_allocate() and puts the new page ids
 * into the parent, so after the root's spill every materialized node
 * lives on a new page and its old page is pending in the freelist.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define MIN_KEYS_PER_PAGE 2u
#define MIN_FILL 0.1
#define MAX_FILL 1.0

node *node_new(cbolt_bucket *b, int is_leaf, node *parent)
{
    node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->bucket = b;
    n->is_leaf = is_leaf;
    n->parent = parent;
    n->all_next = b->tx->nodes;
    b->tx->nodes = n;
    b->tx->stats.node_count++;
    return n;
}

void node_destroy(node *n)
{
    free(n->inodes);
    free(n->children);
    free(n);
}

static int reserve_inodes(node *n, uint32_t want)
{
    inode *p;
    uint32_t cap = n->cap ? n->cap : 8;
    if (want <= n->cap)
        return CBOLT_OK;
    while (cap < want)
        cap *= 2;
    p = realloc(n->inodes, (size_t)cap * sizeof *p);
    if (!p)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    n->inodes = p;
    n->cap = cap;
    return CBOLT_OK;
}

static int add_child(node *parent, node *child)
{
    if (parent->nchildren == parent->capchildren) {
        uint32_t cap = parent->capchildren ? 2 * parent->capchildren : 4;
        node **p = realloc(parent->children, (size_t)cap * sizeof *p);
        if (!p)
            return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
        parent->children = p;
        parent->capchildren = cap;
    }
    parent->children[parent->nchildren++] = child;
    return CBOLT_OK;
}

static void remove_child(node *parent, node *child)
{
    uint32_t i;
    for (i = 0; i < parent->nchildren; i++) {
        if (parent->children[i] == child) {
            memmove(parent->children + i, parent->children + i + 1,
                    (parent->nchildren - i - 1) * sizeof *parent->children);
            parent->nchildren--;
            return;
        }
    }
}

int node_read(node *n, const page_view *pv)
{
    uint32_t i;
    int rc;
    n->is_leaf = page_is_leaf(pv);
    n->pgid = pv->id;
    if ((rc = reserve_inodes(n, pv->count)) != CBOLT_OK)
        return rc;
    for (i = 0; i < pv->count; i++) {
        inode *in = &n->inodes[i];
        page_key(pv, i, &in->key, &in->klen);
        if (n->is_leaf) {
            page_leaf_value(pv, i, &in->value, &in->vlen, &in->flags);
            in->pgid = 0;
        } else {
            in->pgid = page_branch_child(pv, i);
            in->value = NULL;
            in->vlen = 0;
            in->flags = 0;
        }
    }
    n->n = pv->count;
    if (n->n > 0) {
        n->key = n->inodes[0].key;
        n->klen = n->inodes[0].klen;
    }
    return CBOLT_OK;
}

/* The index of the first inode with key >= key; *exact when equal. */
static uint32_t search(const node *n, const uint8_t *key, uint32_t klen,
                       int *exact)
{
    uint32_t lo = 0, hi = n->n;
    *exact = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(n->inodes[mid].key, n->inodes[mid].klen, key, klen);
        if (c < 0) {
            lo = mid + 1;
        } else {
            if (c == 0)
                *exact = 1;
            hi = mid;
        }
    }
    return lo;
}

int node_put(node *n, const uint8_t *old_key, uint32_t old_klen,
             const uint8_t *new_key, uint32_t new_klen, const uint8_t *value,
             uint32_t vlen, uint64_t pgid, uint32_t flags)
{
    int exact, rc;
    uint32_t i = search(n, old_key, old_klen, &exact);
    inode *in;
    if (!exact) {
        if ((rc = reserve_inodes(n, n->n + 1)) != CBOLT_OK)
            return rc;
        memmove(n->inodes + i + 1, n->inodes + i,
                (n->n - i) * sizeof *n->inodes);
        n->n++;
    }
    in = &n->inodes[i];
    in->flags = flags;
    in->key = new_key;
    in->klen = new_klen;
    in->value = value;
    in->vlen = vlen;
    in->pgid = pgid;
    return CBOLT_OK;
}

void node_del(node *n, const uint8_t *key, uint32_t klen)
{
    int exact;
    uint32_t i = search(n, key, klen, &exact);
    if (!exact)
        return;
    memmove(n->inodes + i, n->inodes + i + 1,
            (n->n - i - 1) * sizeof *n->inodes);
    n->n--;
    n->unbalanced = 1;
}

int node_child_at(node *n, uint32_t index, node **out)
{
    return bucket_node(n->bucket, n->inodes[index].pgid, n, out);
}

static uint64_t elem_size(const inode *in, int is_leaf)
{
    return (uint64_t)ELEM_SIZE + in->klen + (is_leaf ? in->vlen : 0);
}

uint64_t node_size(const node *n)
{
    uint64_t sz = PAGE_HDR_SIZE;
    uint32_t i;
    for (i = 0; i < n->n; i++)
        sz += elem_size(&n->inodes[i], n->is_leaf);
    return sz;
}

void node_write(const node *n, uint8_t *buf)
{
    uint64_t data = PAGE_HDR_SIZE + (uint64_t)ELEM_SIZE * n->n;
    uint32_t i;
    st16(buf + PAGE_OFF_FLAGS, n->is_leaf ? PAGE_LEAF : PAGE_BRANCH);
    st16(buf + PAGE_OFF_COUNT, (uint16_t)n->n);
    for (i = 0; i < n->n; i++) {
        const inode *in = &n->inodes[i];
        uint8_t *e = buf + PAGE_HDR_SIZE + (size_t)ELEM_SIZE * i;
        uint32_t pos = (uint32_t)(data - (PAGE_HDR_SIZE + ELEM_SIZE * i));
        if (n->is_leaf) {
            st32(e + LEAF_OFF_FLAGS, in->flags);
            st32(e + LEAF_OFF_POS, pos);
            st32(e + LEAF_OFF_KSIZE, in->klen);
            st32(e + LEAF_OFF_VSIZE, in->vlen);
        } else {
            st32(e + BRANCH_OFF_POS, pos);
            st32(e + BRANCH_OFF_KSIZE, in->klen);
            st64(e + BRANCH_OFF_PGID, in->pgid);
        }
        memcpy(buf + data, in->key, in->klen);
        data += in->klen;
        if (n->is_leaf && in->vlen) {
            memcpy(buf + data, in->value, in->vlen);
            data += in->vlen;
        }
    }
}

#ifdef __FRAMAC__
#include "../spec/node.acsl"
#endif

/* bbolt's splitIndex. The element size is computed inline (elem_size()'s
 * value) so that WP sees it. For n >= 5 the result i is in [2, n - 3];
 * the first part, inodes [0, i), fits threshold unless i == 2; and i is as
 * late as possible: i == n - 3 or the first part plus inode i exceeds
 * threshold. */
/*@ requires valid: \valid_read(in + (0 .. n - 1));
    requires threshold: threshold <= 0x4000000000000000;
    assigns \nothing;
    ensures small: n < 3 ==> \result == 0;
    ensures upper: n >= 3 ==> \result <= n - 3;
    ensures lower: n >= 5 ==> 2 <= \result;
    ensures fits: \result > 2 ==> PartSize(in, is_leaf, \result) <= threshold;
    ensures late: n >= 5 ==> \result == n - 3 ||
      PartSize(in, is_leaf, \result) + ElemBytes(in, is_leaf, \result) > threshold;
*/
uint32_t node_split_index(const inode *in, uint32_t n, int is_leaf,
                          uint64_t threshold)
{
    uint64_t sz = PAGE_HDR_SIZE;
    uint32_t i, index = 0;
    /*@ loop invariant range: 0 <= i && (n >= MIN_KEYS_PER_PAGE ==> i <= n - MIN_KEYS_PER_PAGE);
        loop invariant small: n < 3 ==> i == 0;
        loop invariant index: i == 0 ? index == 0 : index == i - 1;
        loop invariant size: sz == PartSize(in, is_leaf, i);
        loop invariant fits: i >= 3 ==> sz <= threshold;
        loop invariant prev: i >= 1 ==> PartSize(in, is_leaf, i - 1) <= sz;
        loop invariant bound: sz <= threshold ||
                              (i <= 2 && sz <= PAGE_HDR_SIZE + i * 0x20000000F);
        loop assigns i, index, sz;
        loop variant n - i; */
    for (i = 0; i + MIN_KEYS_PER_PAGE < n; i++) {
        uint64_t el = (uint64_t)ELEM_SIZE + in[i].klen +
                      (is_leaf ? in[i].vlen : 0);
        //@ assert el: el == ElemBytes(in, is_leaf, i);
        index = i;
        if (index >= MIN_KEYS_PER_PAGE && sz + el > threshold)
            break;
        sz += el;
    }
    return index;
}

/* bbolt's splitTwo: cuts n in two when it has more than 4 inodes and
 * does not fit a page; *next is the new right part or NULL. */
static int split_two(node *n, uint64_t page_size, node **next)
{
    double fill = n->bucket->fill_percent;
    uint64_t threshold;
    uint32_t at;
    node *nx;
    int rc;

    *next = NULL;
    if (n->n <= MIN_KEYS_PER_PAGE * 2 || node_size(n) < page_size)
        return CBOLT_OK;
    if (fill < MIN_FILL)
        fill = MIN_FILL;
    if (fill > MAX_FILL)
        fill = MAX_FILL;
    threshold = (uint64_t)((double)page_size * fill);
    at = node_split_index(n->inodes, n->n, n->is_leaf, threshold);
    if (!n->parent) {
        n->parent = node_new(n->bucket, 0, NULL);
        if (!n->parent || add_child(n->parent, n) != CBOLT_OK)
            return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    }
    nx = node_new(n->bucket, n->is_leaf, n->parent);
    if (!nx || (rc = add_child(n->parent, nx)) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    if ((rc = reserve_inodes(nx, n->n - at)) != CBOLT_OK)
        return rc;
    memcpy(nx->inodes, n->inodes + at, (n->n - at) * sizeof *n->inodes);
    nx->n = n->n - at;
    n->n = at;
    n->bucket->tx->stats.split++;
    *next = nx;
    return CBOLT_OK;
}

static int cmp_children(const void *a, const void *b)
{
    const node *x = *(node *const *)a, *y = *(node *const *)b;
    return key_cmp(x->inodes[0].key, x->inodes[0].klen, y->inodes[0].key,
                   y->inodes[0].klen);
}

/* Writes one split-off node to new pages and records it in its parent. */
static int spill_one(node *n)
{
    cbolt_tx *tx = n->bucket->tx;
    uint64_t ps = tx->db->page_size, count, pgid;
    uint8_t *buf;
    int rc;
    if (n->pgid > 0) {
        if ((rc = tx_free_page(tx, n->pgid)) != CBOLT_OK)
            return rc;
        n->pgid = 0;
    }
    count = (node_size(n) + ps - 1) / ps;
    if ((rc = tx_allocate(tx, count, &pgid, &buf)) != CBOLT_OK)
        return rc;
    n->pgid = pgid;
    node_write(n, buf);
    n->spilled = 1;
    if (n->parent) {
        const uint8_t *key = n->key ? n->key : n->inodes[0].key;
        uint32_t klen = n->key ? n->klen : n->inodes[0].klen;
        rc = node_put(n->parent, key, klen, n->inodes[0].key,
                      n->inodes[0].klen, NULL, 0, n->pgid, 0);
        if (rc != CBOLT_OK)
            return rc;
        n->key = n->inodes[0].key;
        n->klen = n->inodes[0].klen;
    }
    tx->stats.spill++;
    return CBOLT_OK;
}

int node_spill(node *n)
{
    uint64_t ps = n->bucket->tx->db->page_size;
    node *cur, *next;
    uint32_t i;
    int rc;

    if (n->spilled)
        return CBOLT_OK;
    if (n->nchildren > 1)
        qsort(n->children, n->nchildren, sizeof *n->children, cmp_children);
    for (i = 0; i < n->nchildren; i++)
        if ((rc = node_spill(n->children[i])) != CBOLT_OK)
            return rc;
    n->nchildren = 0;
    for (cur = n; cur; cur = next) {
        if ((rc = split_two(cur, ps, &next)) != CBOLT_OK)
            return rc;
        if ((rc = spill_one(cur)) != CBOLT_OK)
            return rc;
    }
    if (n->parent && n->parent->pgid == 0) {
        n->nchildren = 0;
        return node_spill(n->parent);
    }
    return CBOLT_OK;
}

node *node_root(node *n)
{
    while (n->parent)
        n = n->parent;
    return n;
}

int node_free_page(node *n)
{
    int rc = CBOLT_OK;
    if (n->pgid != 0) {
        rc = tx_free_page(n->bucket->tx, n->pgid);
        n->pgid = 0;
    }
    return rc;
}

static uint32_t child_index(const node *parent, const node *child)
{
    int exact;
    return search(parent, child->key, child->klen, &exact);
}

/* Forgets node m: out of its bucket's map, page freed. */
static int drop(node *m)
{
    u64map_del(&m->bucket->nodes, m->pgid);
    m->dead = 1;
    return node_free_page(m);
}

/* Moves the materialized children among inodes in[0..k) under to. */
static int reparent(node *to, const inode *in, uint32_t k)
{
    uint32_t i;
    uint64_t v;
    for (i = 0; i < k; i++) {
        if (u64map_get(&to->bucket->nodes, in[i].pgid, &v)) {
            node *child = (node *)(uintptr_t)v;
            if (child->parent)
                remove_child(child->parent, child);
            child->parent = to;
            if (add_child(to, child) != CBOLT_OK)
                return CBOLT_ERR_NOMEM;
        }
    }
    return CBOLT_OK;
}

static int append_inodes(node *to, const inode *in, uint32_t k)
{
    int rc = reserve_inodes(to, to->n + k);
    if (rc != CBOLT_OK)
        return rc;
    memcpy(to->inodes + to->n, in, k * sizeof *in);
    to->n += k;
    return CBOLT_OK;
}

/* A root branch with one child takes that child's place. */
static int collapse_root(node *n)
{
    node *child;
    uint32_t i;
    uint64_t v;
    int rc = bucket_node(n->bucket, n->inodes[0].pgid, n, &child);
    if (rc != CBOLT_OK)
        return rc;
    n->is_leaf = child->is_leaf;
    n->n = 0;
    if ((rc = append_inodes(n, child->inodes, child->n)) != CBOLT_OK)
        return rc;
    free(n->children);
    n->children = child->children;
    n->nchildren = child->nchildren;
    n->capchildren = child->capchildren;
    child->children = NULL;
    child->nchildren = child->capchildren = 0;
    for (i = 0; i < n->n; i++)
        if (u64map_get(&n->bucket->nodes, n->inodes[i].pgid, &v))
            ((node *)(uintptr_t)v)->parent = n;
    child->parent = NULL;
    return drop(child);
}

int node_rebalance(node *n)
{
    cbolt_tx *tx = n->bucket->tx;
    uint64_t threshold = tx->db->page_size / 4;
    uint32_t min_keys = n->is_leaf ? 1 : 2;
    node *parent = n->parent, *target;
    int rc;

    if (!n->unbalanced || n->dead)
        return CBOLT_OK;
    n->unbalanced = 0;
    tx->stats.rebalance++;
    if (node_size(n) > threshold && n->n > min_keys)
        return CBOLT_OK;
    if (!parent) {
        if (!n->is_leaf && n->n == 1)
            return collapse_root(n);
        return CBOLT_OK;
    }
    if (n->n == 0) {
        node_del(parent, n->key, n->klen);
        remove_child(parent, n);
        if ((rc = drop(n)) != CBOLT_OK)
            return rc;
        return node_rebalance(parent);
    }
    if (child_index(parent, n) == 0) {
        /* merge the next sibling into n */
        if ((rc = node_child_at(parent, 1, &target)) != CBOLT_OK)
            return rc;
        if ((rc = reparent(n, target->inodes, target->n)) != CBOLT_OK ||
            (rc = append_inodes(n, target->inodes, target->n)) != CBOLT_OK)
            return rc;
        node_del(parent, target->key, target->klen);
        remove_child(parent, target);
        rc = drop(target);
    } else {
        /* merge n into the previous sibling */
        if ((rc = node_child_at(parent, child_index(parent, n) - 1,
                                &target)) != CBOLT_OK)
            return rc;
        if ((rc = reparent(target, n->inodes, n->n)) != CBOLT_OK ||
            (rc = append_inodes(target, n->inodes, n->n)) != CBOLT_OK)
            return rc;
        node_del(parent, n->key, n->klen);
        remove_child(parent, n);
        rc = drop(n);
    }
    if (rc != CBOLT_OK)
        return rc;
    return node_rebalance(parent);
}
