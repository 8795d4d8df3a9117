/*
 * cursor.c - cursors over a bucket's B+tree: first, last, next, prev, seek.
 *
 * Owns: the path from a bucket's root page to a leaf element, and the
 * rules checked on the way down: tree-depth, key-range, leaf-empty and
 * branch-empty for non-root pages.
 * Invariants:
 * - stack[0..depth) is a path of validated pages; stack[i + 1] is the
 *   child of stack[i] at stack[i].index.
 * - Every page on the path has its keys inside [lo, hi), lo being the
 *   parent's separator and hi the next separator (or the parent's own hi),
 *   so sibling subtrees never overlap: a full scan visits each page at most
 *   once per level, whatever cycles or shared children the file holds.
 * - depth <= CBOLT_MAX_TREE_DEPTH.
 * The algorithms are bbolt's (cursor.go), working on pages only.
 */
#include "internal.h"

void cursor_init(cbolt_cursor *c, cbolt_bucket *b)
{
    c->bucket = b;
    c->depth = 0;
}

static cursor_ref *top(cbolt_cursor *c)
{
    return &c->stack[c->depth - 1];
}

/* Starts the path at the bucket's root page. */
static int push_root(cbolt_cursor *c)
{
    int rc;
    c->depth = 0;
    rc = bucket_root_page(c->bucket, &c->stack[0].page);
    if (rc != CBOLT_OK)
        return rc;
    c->stack[0].index = 0;
    c->stack[0].hi = NULL;
    c->stack[0].hilen = 0;
    c->depth = 1;
    return CBOLT_OK;
}

/* Checks a child page's keys against [lo, hi). */
static int child_in_range(const page_view *pv, const uint8_t *lo,
                          uint32_t lolen, const uint8_t *hi, uint32_t hilen)
{
    const uint8_t *k;
    uint32_t klen;
    if (pv->count == 0)
        return cb_corrupt(pv->id, page_is_leaf(pv) ? RULE_LEAF_EMPTY
                                                   : RULE_BRANCH_EMPTY,
                          "empty page below a branch");
    page_key(pv, 0, &k, &klen);
    if (key_cmp(k, klen, lo, lolen) < 0)
        return cb_corrupt(pv->id, RULE_KEY_RANGE,
                          "first key below its parent's separator");
    page_key(pv, (uint32_t)pv->count - 1, &k, &klen);
    if (hi && key_cmp(k, klen, hi, hilen) >= 0)
        return cb_corrupt(pv->id, RULE_KEY_RANGE,
                          "last key not below the next separator");
    return CBOLT_OK;
}

/* Pushes the child of the top (branch) page at its index, positioned at
 * its first element, or its last when at_last. */
static int descend(cbolt_cursor *c, int at_last)
{
    cursor_ref *r = top(c), *n;
    const uint8_t *lo, *hi = r->hi;
    uint32_t lolen, hilen = r->hilen;
    page_view pv;
    int rc;

    if (c->depth >= CBOLT_MAX_TREE_DEPTH)
        return cb_corrupt(r->page.id, RULE_TREE_DEPTH,
                          "tree deeper than %d levels", CBOLT_MAX_TREE_DEPTH);
    rc = tx_tree_page(c->bucket->tx, page_branch_child(&r->page, r->index),
                      &pv);
    if (rc != CBOLT_OK)
        return rc;
    page_key(&r->page, r->index, &lo, &lolen);
    if (r->index + 1u < r->page.count)
        page_key(&r->page, r->index + 1, &hi, &hilen);
    rc = child_in_range(&pv, lo, lolen, hi, hilen);
    if (rc != CBOLT_OK)
        return rc;
    n = &c->stack[c->depth++];
    n->page = pv;
    n->index = at_last ? (uint32_t)pv.count - 1 : 0;
    n->hi = hi;
    n->hilen = hilen;
    return CBOLT_OK;
}

/* Descends from the top page to a leaf along first (or last) children. */
static int to_leaf(cbolt_cursor *c, int at_last)
{
    int rc = CBOLT_OK;
    while (rc == CBOLT_OK && !page_is_leaf(&top(c)->page))
        rc = descend(c, at_last);
    if (rc != CBOLT_OK)
        c->depth = 0;
    return rc;
}

static int leaf_item(cbolt_cursor *c)
{
    cursor_ref *r = top(c);
    return r->index < r->page.count ? CBOLT_OK : CBOLT_NOTFOUND;
}

int cursor_first_raw(cbolt_cursor *c)
{
    int rc = push_root(c);
    if (rc == CBOLT_OK)
        rc = to_leaf(c, 0);
    return rc == CBOLT_OK ? leaf_item(c) : rc;
}

int cursor_last_raw(cbolt_cursor *c)
{
    int rc = push_root(c);
    if (rc == CBOLT_OK) {
        cursor_ref *r = top(c);
        r->index = r->page.count ? (uint32_t)r->page.count - 1 : 0;
        rc = to_leaf(c, 1);
    }
    return rc == CBOLT_OK ? leaf_item(c) : rc;
}

int cursor_next_raw(cbolt_cursor *c)
{
    int i;
    for (i = c->depth - 1; i >= 0; i--) {
        cursor_ref *r = &c->stack[i];
        if (r->index + 1u < r->page.count) {
            r->index++;
            break;
        }
    }
    if (i < 0)
        return CBOLT_NOTFOUND;  /* stays on the last item, as bbolt */
    c->depth = i + 1;
    i = to_leaf(c, 0);
    return i == CBOLT_OK ? leaf_item(c) : i;
}

int cursor_prev_raw(cbolt_cursor *c)
{
    int i, rc;
    for (i = c->depth - 1; i >= 0; i--) {
        if (c->stack[i].index > 0) {
            c->stack[i].index--;
            break;
        }
        c->depth = i;           /* bbolt pops the exhausted level */
    }
    if (c->depth == 0)
        return CBOLT_NOTFOUND;
    rc = to_leaf(c, 1);
    return rc == CBOLT_OK ? leaf_item(c) : rc;
}

int cursor_seek_raw(cbolt_cursor *c, const uint8_t *key, size_t klen)
{
    int rc = push_root(c), exact;
    while (rc == CBOLT_OK) {
        cursor_ref *r = top(c);
        uint32_t i = page_lower_bound(&r->page, key, klen, &exact);
        if (page_is_leaf(&r->page)) {
            r->index = i;
            break;
        }
        if (!exact && i > 0)
            i--;
        if (i >= r->page.count)  /* unreachable: a branch is not empty */
            i = (uint32_t)r->page.count - 1;
        r->index = i;
        rc = descend(c, 0);
    }
    if (rc != CBOLT_OK) {
        c->depth = 0;
        return rc;
    }
    if (top(c)->index >= top(c)->page.count)
        return cursor_next_raw(c);
    return CBOLT_OK;
}

void cursor_item(const cbolt_cursor *c, const uint8_t **k, uint32_t *klen,
                 const uint8_t **v, uint32_t *vlen, uint32_t *flags)
{
    const cursor_ref *r = &c->stack[c->depth - 1];
    page_key(&r->page, r->index, k, klen);
    page_leaf_value(&r->page, r->index, v, vlen, flags);
}

/* ---- public interface ---- */

/* Hands out the item under the cursor (after a raw move returned rc). */
static int emit(cbolt_cursor *c, int rc, const void **key, size_t *klen,
                const void **val, size_t *vlen, int *is_bucket)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if (c->bucket->top && !(flags & LEAF_FLAG_BUCKET))
        return cb_corrupt(c->stack[c->depth - 1].page.id, RULE_ROOT_VALUE,
                          "a value at the top level");
    if (key)
        *key = k;
    if (klen)
        *klen = kl;
    if (val)
        *val = (flags & LEAF_FLAG_BUCKET) ? NULL : v;
    if (vlen)
        *vlen = (flags & LEAF_FLAG_BUCKET) ? 0 : vl;
    if (is_bucket)
        *is_bucket = (flags & LEAF_FLAG_BUCKET) != 0;
    return CBOLT_OK;
}

static int new_cursor(cbolt_tx *tx, cbolt_bucket *b, cbolt_cursor **out)
{
    cbolt_cursor *c;
    if (!out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor: NULL argument");
    c = tx_alloc(tx, sizeof *c);
    if (!c)
        return cb_error(CBOLT_ERR_NOMEM, "cursor: out of memory");
    cursor_init(c, b);
    tx->stats.cursor_count++;
    *out = c;
    return CBOLT_OK;
}

int cbolt_bucket_cursor(cbolt_bucket *b, cbolt_cursor **out)
{
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor: NULL bucket");
    return new_cursor(b->tx, b, out);
}

int cbolt_tx_cursor(cbolt_tx *tx, cbolt_cursor **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "cursor: no transaction");
    return new_cursor(tx, &tx->root, out);
}

void cbolt_cursor_close(cbolt_cursor *c)
{
    if (c)
        tx_free(c->bucket->tx, c);
}

int cbolt_cursor_first(cbolt_cursor *c, const void **key, size_t *klen,
                       const void **val, size_t *vlen, int *is_bucket)
{
    return emit(c, cursor_first_raw(c), key, klen, val, vlen, is_bucket);
}

int cbolt_cursor_last(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    return emit(c, cursor_last_raw(c), key, klen, val, vlen, is_bucket);
}

int cbolt_cursor_next(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    return emit(c, cursor_next_raw(c), key, klen, val, vlen, is_bucket);
}

int cbolt_cursor_prev(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    return emit(c, cursor_prev_raw(c), key, klen, val, vlen, is_bucket);
}

int cbolt_cursor_seek(cbolt_cursor *c, const void *seek, size_t slen,
                      const void **key, size_t *klen, const void **val,
                      size_t *vlen, int *is_bucket)
{
    if (!seek && slen)
        return cb_error(CBOLT_ERR_INVALID_ARG, "seek: NULL key");
    return emit(c, cursor_seek_raw(c, seek, slen), key, klen, val, vlen,
                is_bucket);
}
