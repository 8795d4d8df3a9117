/*
 * bucket.c - buckets: finding, creating and deleting them, reading and
 * writing keys, sequences, for-each; at commit, rebalancing and spilling
 * their trees (bbolt's bucket.go).
 *
 * Owns: the bucket value (root, sequence, inline page) and the rules
 * bucket-value and inline-page; in a write transaction, each bucket's
 * materialized nodes (by page id) and its cache of opened sub-buckets (by
 * name), so that every change made through any handle reaches the commit.
 * Invariants:
 * - a cbolt_bucket is made only from a bucket value that passed
 *   bucket_from_value(), so an inline bucket's page is a validated leaf
 *   with no sub-buckets and a file bucket's root is checked when read;
 * - in a write transaction, opening the same name twice gives the same
 *   handle, until the bucket is deleted;
 * - a bucket is written inline exactly when bbolt would: a single leaf,
 *   no sub-bucket, 16 + sum(16 + key + value) <= page size / 4.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define DEFAULT_FILL 0.5

int bucket_from_value(cbolt_tx *tx, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *b)
{
    uint32_t bad;
    int rule;
    if (vlen < BUCKET_HDR_SIZE)
        return cb_corrupt(pgid, RULE_BUCKET_VALUE, "bucket value of %u bytes",
                          vlen);
    memset(b, 0, sizeof *b);
    b->tx = tx;
    b->fill_percent = DEFAULT_FILL;
    b->root = ld64(v);
    b->sequence = ld64(v + 8);
    if (b->root != 0)
        return CBOLT_OK;
    b->has_inline_page = 1;
    rule = page_validate(v + BUCKET_HDR_SIZE, vlen - BUCKET_HDR_SIZE,
                         PV_LEAF | PV_NO_BUCKETS, &b->inline_page, &bad);
    if (rule == RULE_OK && b->inline_page.id != 0)
        rule = RULE_PAGE_ID_MISMATCH;
    if (rule != RULE_OK)
        return cb_corrupt(pgid, RULE_INLINE_PAGE,
                          "inline bucket page breaks %s (element %u)",
                          cb_rule_name(rule), bad);
    return CBOLT_OK;
}

int bucket_root_page(cbolt_bucket *b, page_view *pv)
{
    if (b->root == 0) {
        *pv = b->inline_page;
        return CBOLT_OK;
    }
    return tx_tree_page(b->tx, b->root, pv);
}

int bucket_page_node(cbolt_bucket *b, uint64_t pgid, page_view *pv,
                     node **n)
{
    uint64_t v;
    *n = NULL;
    if (b->root == 0) {
        if (pgid != 0)
            return cb_corrupt(pgid, RULE_INLINE_PAGE,
                              "child page in an inline bucket");
        if (b->root_node) {
            *n = b->root_node;
            return CBOLT_OK;
        }
        *pv = b->inline_page;
        return CBOLT_OK;
    }
    if (u64map_get(&b->nodes, pgid, &v)) {
        *n = (node *)(uintptr_t)v;
        return CBOLT_OK;
    }
    return tx_tree_page(b->tx, pgid, pv);
}

int bucket_node(cbolt_bucket *b, uint64_t pgid, node *parent, node **out)
{
    page_view pv;
    node *n;
    uint64_t v;
    int rc;
    if (pgid == 0 && b->root == 0 && b->root_node) {
        *out = b->root_node;
        return CBOLT_OK;
    }
    if (pgid != 0 && u64map_get(&b->nodes, pgid, &v)) {
        *out = (node *)(uintptr_t)v;
        return CBOLT_OK;
    }
    if (b->root == 0 && b->has_inline_page)
        pv = b->inline_page;
    else if ((rc = tx_tree_page(b->tx, pgid, &pv)) != CBOLT_OK)
        return rc;
    if (!(n = node_new(b, page_is_leaf(&pv), parent)))
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    if ((rc = node_read(n, &pv)) != CBOLT_OK)
        return rc;
    if (!parent) {
        b->root_node = n;
    } else if (parent->nchildren == parent->capchildren) {
        uint32_t cap = parent->capchildren ? 2 * parent->capchildren : 4;
        node **c = realloc(parent->children, cap * sizeof *c);
        if (!c)
            return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
        parent->children = c;
        parent->capchildren = cap;
    }
    if (parent)
        parent->children[parent->nchildren++] = n;
    if (pgid != 0 && u64map_put(&b->nodes, pgid, (uintptr_t)n) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    *out = n;
    return CBOLT_OK;
}

static uint64_t name_hash(const void *name, size_t len)
{
    uint64_t h = fnv1a64(name, len);
    return h < 2 ? h + 2 : h;
}

/* The cached handle of sub-bucket name in b (write transactions). */
static cbolt_bucket *cached(cbolt_bucket *b, const void *name, size_t len)
{
    uint64_t v;
    cbolt_bucket *c;
    if (!u64map_get(&b->children, name_hash(name, len), &v))
        return NULL;
    for (c = (cbolt_bucket *)(uintptr_t)v; c; c = c->same_hash)
        if (key_cmp(c->name, c->name_len, name, len) == 0)
            return c;
    return NULL;
}

static int cache(cbolt_bucket *b, cbolt_bucket *child)
{
    uint64_t h = name_hash(child->name, child->name_len), v;
    child->same_hash = u64map_get(&b->children, h, &v)
                           ? (cbolt_bucket *)(uintptr_t)v : NULL;
    if (u64map_put(&b->children, h, (uintptr_t)child) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    return CBOLT_OK;
}

static void uncache(cbolt_bucket *b, cbolt_bucket *child)
{
    uint64_t h = name_hash(child->name, child->name_len), v;
    cbolt_bucket **pp, *head;
    if (!u64map_get(&b->children, h, &v))
        return;
    head = (cbolt_bucket *)(uintptr_t)v;
    for (pp = &head; *pp; pp = &(*pp)->same_hash) {
        if (*pp == child) {
            *pp = child->same_hash;
            break;
        }
    }
    if (head)
        u64map_put(&b->children, h, (uintptr_t)head);
    else
        u64map_del(&b->children, h);
}

/* Opens the sub-bucket `name` of parent into child. */
static int open_child(cbolt_bucket *parent, const uint8_t *name, size_t len,
                      cbolt_bucket *child)
{
    cbolt_cursor c;
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    int rc;

    if (!name || len == 0)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "empty bucket name");
    cursor_init(&c, parent);
    rc = cursor_seek_raw(&c, name, len);
    if (rc == CBOLT_NOTFOUND)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(&c, &k, &kl, &v, &vl, &flags);
    if (key_cmp(k, kl, name, len) != 0 || !(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    return bucket_from_value(parent->tx, c.stack[c.depth - 1].page.id, v, vl,
                             child);
}

int cbolt_bucket_bucket(cbolt_bucket *b, const void *name, size_t len,
                        cbolt_bucket **out)
{
    cbolt_bucket child, *nb;
    cbolt_tx *tx;
    int rc;
    if (!b || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "bucket: NULL argument");
    tx = b->tx;
    if ((rc = tx_usable(tx, 0)) != CBOLT_OK)
        return rc;
    if (tx->writable && name && (nb = cached(b, name, len)) != NULL) {
        *out = nb;
        return CBOLT_OK;
    }
    rc = open_child(b, name, len, &child);
    if (rc != CBOLT_OK)
        return rc;
    nb = tx_alloc(tx, sizeof *nb);
    if (!nb)
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    *nb = child;
    if (tx->writable) {
        nb->name = tx_copy(tx, name, len);
        nb->name_len = (uint32_t)len;
        nb->all_next = tx->wbuckets;
        tx->wbuckets = nb;
        if (!nb->name || (rc = cache(b, nb)) != CBOLT_OK)
            return rc ? rc : cb_error(CBOLT_ERR_NOMEM, "out of memory");
    }
    *out = nb;
    return CBOLT_OK;
}

int cbolt_tx_bucket(cbolt_tx *tx, const void *name, size_t len,
                    cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "bucket: no transaction");
    return cbolt_bucket_bucket(&tx->root, name, len, out);
}

int cbolt_bucket_get(cbolt_bucket *b, const void *key, size_t klen,
                     const void **val, size_t *vlen)
{
    cbolt_cursor c;
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    int rc;

    if (!b || !val || !vlen || (!key && klen))
        return cb_error(CBOLT_ERR_INVALID_ARG, "get: NULL argument");
    cursor_init(&c, b);
    rc = cursor_seek_raw(&c, key, klen);
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(&c, &k, &kl, &v, &vl, &flags);
    if ((flags & LEAF_FLAG_BUCKET) || key_cmp(k, kl, key, klen) != 0)
        return CBOLT_NOTFOUND;
    *val = v;
    *vlen = vl;
    return CBOLT_OK;
}

uint64_t cbolt_bucket_sequence(const cbolt_bucket *b)
{
    return b->sequence;
}

int cbolt_bucket_foreach(cbolt_bucket *b, cbolt_foreach_fn fn, void *arg)
{
    cbolt_cursor c;
    const void *k, *v;
    size_t kl, vl;
    int is_bucket, rc;

    if (!b || !fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "foreach: NULL argument");
    cursor_init(&c, b);
    rc = cbolt_cursor_first(&c, &k, &kl, &v, &vl, &is_bucket);
    while (rc == CBOLT_OK) {
        rc = fn(arg, k, kl, v, vl, is_bucket);
        if (rc != CBOLT_OK)
            return rc;
        rc = cbolt_cursor_next(&c, &k, &kl, &v, &vl, &is_bucket);
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int cbolt_tx_foreach(cbolt_tx *tx, cbolt_foreach_fn fn, void *arg)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "foreach: no transaction");
    return cbolt_bucket_foreach(&tx->root, fn, arg);
}

/* ---- writing ---------------------------------------------------------- */

/* Positions c (bbolt's c.seek) on key in b; *found when it is there. */
static int search(cbolt_bucket *b, cbolt_cursor *c, const void *key,
                  size_t klen, int *found, uint32_t *flags)
{
    int rc;
    cursor_init(c, b);
    rc = cursor_search(c, key, klen);
    *flags = 0;
    *found = rc == CBOLT_OK && cursor_at(c, key, klen, flags);
    return rc;
}

/* The empty inline bucket value bbolt's CreateBucket writes. */
static const uint8_t *empty_bucket_value(cbolt_tx *tx)
{
    uint8_t v[BUCKET_HDR_SIZE + PAGE_HDR_SIZE] = {0};
    st16(v + BUCKET_HDR_SIZE + PAGE_OFF_FLAGS, PAGE_LEAF);
    return tx_copy(tx, v, sizeof v);
}

int cbolt_bucket_create_bucket(cbolt_bucket *b, const void *name, size_t len,
                               cbolt_bucket **out)
{
    cbolt_cursor c;
    const uint8_t *k, *v;
    node *n;
    uint32_t flags;
    int found, rc;

    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "create bucket: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!name || len == 0)
        return cb_error(CBOLT_ERR_BUCKET_NAME_REQUIRED, "bucket name required");
    if (len > UINT32_MAX - BUCKET_HDR_SIZE)
        return cb_error(CBOLT_ERR_KEY_TOO_LARGE, "bucket name too large");
    if ((rc = search(b, &c, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    if (found)
        return (flags & LEAF_FLAG_BUCKET)
                   ? cb_error(CBOLT_ERR_BUCKET_EXISTS, "bucket exists")
                   : cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE,
                              "key holds a value");
    k = tx_copy(b->tx, name, len);
    v = empty_bucket_value(b->tx);
    if (!k || !v)
        return cb_error(CBOLT_ERR_NOMEM, "create bucket: out of memory");
    if ((rc = cursor_node(&c, &n)) != CBOLT_OK ||
        (rc = node_put(n, k, (uint32_t)len, k, (uint32_t)len, v,
                       BUCKET_HDR_SIZE + PAGE_HDR_SIZE, 0,
                       LEAF_FLAG_BUCKET)) != CBOLT_OK)
        return rc;
    b->has_inline_page = 0;
    if (out)
        return cbolt_bucket_bucket(b, name, len, out);
    return CBOLT_OK;
}

int cbolt_tx_create_bucket(cbolt_tx *tx, const void *name, size_t len,
                           cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "create bucket: no transaction");
    return cbolt_bucket_create_bucket(&tx->root, name, len, out);
}

int cbolt_bucket_create_bucket_if_not_exists(cbolt_bucket *b,
                                             const void *name, size_t len,
                                             cbolt_bucket **out)
{
    cbolt_bucket *tmp;
    int rc = cbolt_bucket_create_bucket(b, name, len, out);
    if (rc == CBOLT_ERR_BUCKET_EXISTS)
        return cbolt_bucket_bucket(b, name, len, out ? out : &tmp);
    return rc;
}

int cbolt_tx_create_bucket_if_not_exists(cbolt_tx *tx, const void *name,
                                         size_t len, cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "create bucket: no transaction");
    return cbolt_bucket_create_bucket_if_not_exists(&tx->root, name, len,
                                                    out);
}

/* Frees every page of b's tree, through its materialized nodes where
 * there are some (bbolt's Bucket.free with forEachPageNode). */
static int free_tree(cbolt_bucket *b, uint64_t pgid, int depth)
{
    page_view pv;
    node *n;
    uint32_t i, count;
    int rc;
    if (depth >= CBOLT_MAX_TREE_DEPTH)
        return cb_corrupt(pgid, RULE_TREE_DEPTH, "tree too deep");
    if ((rc = bucket_page_node(b, pgid, &pv, &n)) != CBOLT_OK)
        return rc;
    count = n ? n->n : pv.count;
    for (i = 0; i < count && !(n ? n->is_leaf : page_is_leaf(&pv)); i++) {
        uint64_t child = n ? n->inodes[i].pgid : page_branch_child(&pv, i);
        if ((rc = free_tree(b, child, depth + 1)) != CBOLT_OK)
            return rc;
    }
    return n ? node_free_page(n) : tx_free_page(b->tx, pgid);
}

static int free_pages(cbolt_bucket *b)
{
    int rc = CBOLT_OK;
    if (b->root != 0)
        rc = free_tree(b, b->root, 0);
    b->root = 0;
    return rc;
}

/* Collects the names of b's sub-buckets (copies owned by the tx). */
static int sub_buckets(cbolt_bucket *b, const uint8_t ***names,
                       uint32_t **lens, size_t *n)
{
    cbolt_cursor c;
    size_t cap = 0;
    int rc;
    *n = 0;
    *names = NULL;
    *lens = NULL;
    cursor_init(&c, b);
    for (rc = cursor_first_raw(&c); rc == CBOLT_OK; rc = cursor_next_raw(&c)) {
        const uint8_t *k, *v;
        uint32_t kl, vl, flags;
        cursor_item(&c, &k, &kl, &v, &vl, &flags);
        if (!(flags & LEAF_FLAG_BUCKET))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *names = realloc(*names, cap * sizeof **names);
            *lens = realloc(*lens, cap * sizeof **lens);
            if (!*names || !*lens)
                return cb_error(CBOLT_ERR_NOMEM, "out of memory");
        }
        (*names)[*n] = k;
        (*lens)[(*n)++] = kl;
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int cbolt_bucket_delete_bucket(cbolt_bucket *b, const void *name, size_t len)
{
    cbolt_cursor c;
    cbolt_bucket *child;
    const uint8_t **names = NULL;
    uint32_t *lens = NULL, flags;
    size_t n = 0, i;
    node *nd;
    int found, rc;

    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete bucket: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if ((rc = search(b, &c, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    /* bbolt compares the empty name with "no key" (an empty leaf under
     * the cursor) and finds them equal: incompatible value, as bbolt. */
    if (!found && len == 0 && !cursor_on_item(&c))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "empty bucket name");
    if (!found)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    if (!(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key holds a value");
    if ((rc = cbolt_bucket_bucket(b, name, len, &child)) != CBOLT_OK)
        return rc;
    /* Names first, deletes after: deleting while iterating skips
     * sub-buckets (bbolt 1.3.6 leaks their pages that way). */
    rc = sub_buckets(child, &names, &lens, &n);
    for (i = 0; rc == CBOLT_OK && i < n; i++)
        rc = cbolt_bucket_delete_bucket(child, names[i], lens[i]);
    free(names);
    free(lens);
    if (rc != CBOLT_OK)
        return rc;
    uncache(b, child);
    u64map_clear(&child->nodes);
    child->root_node = NULL;
    if ((rc = free_pages(child)) != CBOLT_OK)
        return rc;
    if ((rc = search(b, &c, name, len, &found, &flags)) != CBOLT_OK ||
        (rc = cursor_node(&c, &nd)) != CBOLT_OK)
        return rc;
    node_del(nd, name, (uint32_t)len);
    return CBOLT_OK;
}

int cbolt_tx_delete_bucket(cbolt_tx *tx, const void *name, size_t len)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "delete bucket: no transaction");
    return cbolt_bucket_delete_bucket(&tx->root, name, len);
}

int cbolt_bucket_put(cbolt_bucket *b, const void *key, size_t klen,
                     const void *val, size_t vlen)
{
    cbolt_cursor c;
    const uint8_t *k, *v;
    uint32_t flags;
    node *n;
    int found, rc;

    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "put: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!key || klen == 0)
        return cb_error(CBOLT_ERR_KEY_REQUIRED, "key required");
    if (klen > CBOLT_MAX_KEY_SIZE)
        return cb_error(CBOLT_ERR_KEY_TOO_LARGE, "key too large");
    if (vlen > CBOLT_MAX_VALUE_SIZE)
        return cb_error(CBOLT_ERR_VALUE_TOO_LARGE, "value too large");
    if (!val && vlen)
        return cb_error(CBOLT_ERR_INVALID_ARG, "put: NULL value");
    if ((rc = search(b, &c, key, klen, &found, &flags)) != CBOLT_OK)
        return rc;
    if (found && (flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    k = tx_copy(b->tx, key, klen);
    v = tx_copy(b->tx, val, vlen);
    if (!k || !v)
        return cb_error(CBOLT_ERR_NOMEM, "put: out of memory");
    if ((rc = cursor_node(&c, &n)) != CBOLT_OK)
        return rc;
    return node_put(n, k, (uint32_t)klen, k, (uint32_t)klen, v,
                    (uint32_t)vlen, 0, 0);
}

int cbolt_bucket_delete(cbolt_bucket *b, const void *key, size_t klen)
{
    cbolt_cursor c;
    uint32_t flags;
    node *n;
    int found, rc;

    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if ((rc = search(b, &c, key, klen, &found, &flags)) != CBOLT_OK)
        return rc;
    if (!found)
        return CBOLT_OK;
    if (flags & LEAF_FLAG_BUCKET)
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    if ((rc = cursor_node(&c, &n)) != CBOLT_OK)
        return rc;
    node_del(n, key, (uint32_t)klen);
    return CBOLT_OK;
}

int cbolt_cursor_delete(cbolt_cursor *c)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    node *n;
    int rc;
    if (!c)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor delete: NULL cursor");
    if ((rc = tx_usable(c->bucket->tx, 1)) != CBOLT_OK)
        return rc;
    if (c->depth == 0 ||
        c->stack[c->depth - 1].index >=
            (c->stack[c->depth - 1].node ? c->stack[c->depth - 1].node->n
                                         : c->stack[c->depth - 1].page.count))
        return CBOLT_OK; /* nothing under the cursor */
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if (flags & LEAF_FLAG_BUCKET)
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    if ((rc = cursor_node(c, &n)) != CBOLT_OK)
        return rc;
    node_del(n, k, kl);
    return CBOLT_OK;
}

/* Materializes the root node so that the bucket is written at commit. */
static int touch(cbolt_bucket *b)
{
    node *n;
    if (b->root_node)
        return CBOLT_OK;
    return bucket_node(b, b->root, NULL, &n);
}

int cbolt_bucket_next_sequence(cbolt_bucket *b, uint64_t *out)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "sequence: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK || (rc = touch(b)) != CBOLT_OK)
        return rc;
    b->sequence++;
    if (out)
        *out = b->sequence;
    return CBOLT_OK;
}

int cbolt_bucket_set_sequence(cbolt_bucket *b, uint64_t seq)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "sequence: NULL bucket");
    if ((rc = tx_usable(b->tx, 1)) != CBOLT_OK || (rc = touch(b)) != CBOLT_OK)
        return rc;
    b->sequence = seq;
    return CBOLT_OK;
}

void cbolt_bucket_set_fill_percent(cbolt_bucket *b, double fill)
{
    if (b)
        b->fill_percent = fill < 0.1 ? 0.1 : (fill > 1.0 ? 1.0 : fill);
}

/* ---- commit ----------------------------------------------------------- */

/* Calls fn(arg, child) for every cached sub-bucket of b, in the map's
 * order, until one fails. */
static int each_child(cbolt_bucket *b, cbolt_bucket *arg,
                      int (*fn)(cbolt_bucket *arg, cbolt_bucket *child))
{
    size_t i;
    int rc = CBOLT_OK;
    for (i = 0; rc == CBOLT_OK && i < b->children.cap; i++) {
        cbolt_bucket *c;
        if (b->children.keys[i] < 2)
            continue;
        for (c = (cbolt_bucket *)(uintptr_t)b->children.vals[i];
             c && rc == CBOLT_OK; c = c->same_hash)
            rc = fn(arg, c);
    }
    return rc;
}

static int child_rebalance(cbolt_bucket *parent, cbolt_bucket *child)
{
    (void)parent;
    return bucket_rebalance(child);
}

int bucket_rebalance(cbolt_bucket *b)
{
    node **list;
    size_t n = 0, i;
    int rc = CBOLT_OK;
    list = malloc((b->nodes.live + 1) * sizeof *list);
    if (!list)
        return cb_error(CBOLT_ERR_NOMEM, "rebalance: out of memory");
    for (i = 0; i < b->nodes.cap; i++)
        if (b->nodes.keys[i] >= 2)
            list[n++] = (node *)(uintptr_t)b->nodes.vals[i];
    if (b->root == 0 && b->root_node)
        list[n++] = b->root_node;
    for (i = 0; i < n && rc == CBOLT_OK; i++)
        rc = node_rebalance(list[i]);
    free(list);
    return rc == CBOLT_OK ? each_child(b, b, child_rebalance) : rc;
}

static int inlineable(const cbolt_bucket *b)
{
    const node *n = b->root_node;
    uint64_t size = PAGE_HDR_SIZE;
    uint32_t i;
    if (!n || !n->is_leaf)
        return 0;
    for (i = 0; i < n->n; i++) {
        size += ELEM_SIZE + (uint64_t)n->inodes[i].klen + n->inodes[i].vlen;
        if (n->inodes[i].flags & LEAF_FLAG_BUCKET)
            return 0;
    }
    return size <= b->tx->db->page_size / 4;
}

/* The value that stores child in its parent: inline or a header. */
static int child_value(cbolt_bucket *child, const uint8_t **v, uint32_t *vlen)
{
    uint8_t *buf;
    int rc;
    if (inlineable(child)) {
        if ((rc = free_pages(child)) != CBOLT_OK)
            return rc;
        *vlen = (uint32_t)(BUCKET_HDR_SIZE + node_size(child->root_node));
        buf = tx_alloc(child->tx, *vlen);
        if (!buf)
            return cb_error(CBOLT_ERR_NOMEM, "spill: out of memory");
        st64(buf, 0);
        st64(buf + 8, child->sequence);
        node_write(child->root_node, buf + BUCKET_HDR_SIZE);
        *v = buf;
        return CBOLT_OK;
    }
    if ((rc = bucket_spill(child)) != CBOLT_OK)
        return rc;
    buf = tx_alloc(child->tx, BUCKET_HDR_SIZE);
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "spill: out of memory");
    st64(buf, child->root);
    st64(buf + 8, child->sequence);
    *v = buf;
    *vlen = BUCKET_HDR_SIZE;
    return CBOLT_OK;
}

static int spill_child(cbolt_bucket *b, cbolt_bucket *child)
{
    cbolt_cursor c;
    const uint8_t *v = NULL;
    uint32_t vlen = 0, flags;
    node *n;
    int found, rc = child_value(child, &v, &vlen);
    if (rc != CBOLT_OK || !child->root_node)
        return rc;
    if ((rc = search(b, &c, child->name, child->name_len, &found, &flags)) !=
        CBOLT_OK)
        return rc;
    if (!found || !(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_CORRUPT, "spill: bucket entry vanished");
    if ((rc = cursor_node(&c, &n)) != CBOLT_OK)
        return rc;
    return node_put(n, child->name, child->name_len, child->name,
                    child->name_len, v, vlen, 0, LEAF_FLAG_BUCKET);
}

int bucket_spill(cbolt_bucket *b)
{
    int rc = each_child(b, b, spill_child);
    if (rc != CBOLT_OK || !b->root_node)
        return rc;
    if ((rc = node_spill(b->root_node)) != CBOLT_OK)
        return rc;
    b->root_node = node_root(b->root_node);
    b->root = b->root_node->pgid;
    return CBOLT_OK;
}

void bucket_release(cbolt_bucket *b)
{
    u64map_free(&b->nodes);
    u64map_free(&b->children);
}
