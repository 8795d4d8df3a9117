/*
 * bucket.c - buckets: finding them, reading keys, sequences, for-each and
 * statistics.
 *
 * Owns: the bucket value (root, sequence, inline page) and the rules
 * bucket-value and inline-page; bbolt's BucketStats.
 * Invariants: a cbolt_bucket is made only from a bucket value that passed
 * bucket_from_value(), so an inline bucket's page is a validated leaf with
 * no sub-buckets and a file bucket's root is checked when first read.
 */
#include <stdlib.h>

#include "internal.h"

int bucket_from_value(cbolt_tx *tx, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *b)
{
    uint32_t bad;
    int rule;
    if (vlen < BUCKET_HDR_SIZE)
        return cb_corrupt(pgid, RULE_BUCKET_VALUE, "bucket value of %u bytes",
                          vlen);
    b->tx = tx;
    b->top = 0;
    b->root = ld64(v);
    b->sequence = ld64(v + 8);
    if (b->root != 0)
        return CBOLT_OK;
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
    int rc;
    if (!b || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "bucket: NULL argument");
    rc = open_child(b, name, len, &child);
    if (rc != CBOLT_OK)
        return rc;
    nb = tx_alloc(b->tx, sizeof *nb);
    if (!nb)
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    *nb = child;
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
