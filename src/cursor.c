/*
 * cursor.c - cursors over a bucket's tree (see cursor.h). The algorithms
 * are bbolt's (cursor.go). Levels read from the file are pages; levels a
 * write transaction materialized are nodes (node.h).
 */
#include <string.h>

#include "cursor.h"


/*@ requires valid: \valid(c);
    assigns c->t, c->mem, c->top, c->depth, c->stack;
    ensures ok: CursorOk(c);
    ensures fresh: c->depth == 0 && c->t == t && c->top == top &&
                   c->mem == \null; */
void cursor_init(cbolt_cursor *c, ntree *t, int top)
{
    c->t = t;
    c->mem = NULL;
    c->top = top;
    c->depth = 0;
    c->stack = c->inline_stack;
}

void cursor_done(cbolt_cursor *c)
{
    if (c->stack != c->inline_stack) {
        if (c->mem)
            txmem_free(c->mem, c->stack);
        else
            cb_free(c->stack);
    }
    c->stack = c->inline_stack;
    c->depth = 0;
}

/* Room for one more level: past the inline levels the path moves to the
 * heap (the transaction's memory for a cursor of the API). */
static int room(cbolt_cursor *c)
{
    cursor_ref *deep;
    if (c->depth < CURSOR_INLINE_DEPTH || c->stack != c->inline_stack)
        return CBOLT_OK;
    deep = c->mem ? txmem_alloc(c->mem, CBOLT_MAX_TREE_DEPTH * sizeof *deep)
                  : cb_malloc(CBOLT_MAX_TREE_DEPTH * sizeof *deep);
    if (!deep)
        return cb_error(CBOLT_ERR_NOMEM, "cursor: out of memory");
    memcpy(deep, c->inline_stack, sizeof c->inline_stack);
    c->stack = deep;
    return CBOLT_OK;
}

/*@ requires valid: \valid_read(c);
    requires positioned: c->depth > 0;
    assigns \nothing;
    ensures top: \result == Top(c); */
static cursor_ref *top(cbolt_cursor *c)
{
    return &c->stack[c->depth - 1];
}

/* Accessors over a level that is a page or a node. */
/*@ requires readable: RefReadable(r);
    assigns \nothing;
    ensures count: \result == RefCount(r); */
static uint32_t ref_count(const cursor_ref *r)
{
    return r->node ? r->node->n : r->page.count;
}

/*@ requires readable: RefReadable(r);
    assigns \nothing;
    ensures leaf: \result != 0 <==> RefIsLeaf(r); */
static int ref_is_leaf(const cursor_ref *r)
{
    return r->node ? r->node->is_leaf : page_is_leaf(&r->page);
}

/*@ requires level: RefOk(r);
    requires index: i < RefCount(r);
    requires valid_out: \valid(k) && \valid(klen);
    requires separated: \separated(k, klen, r) &&
      (r->node != \null ==>
         \separated(k, klen, r->node, r->node->inodes + (0 .. r->node->n - 1)));
    assigns *k, *klen;
    ensures readable: \valid_read(*k + (0 .. *klen - 1)); */
static void ref_key(const cursor_ref *r, uint32_t i, const uint8_t **k,
                    uint32_t *klen)
{
    if (r->node) {
        *k = r->node->inodes[i].key;
        *klen = r->node->inodes[i].klen;
    } else {
        page_key(&r->page, i, k, klen);
    }
}

/*@ requires level: RefOk(r);
    requires index: i < RefCount(r);
    assigns \nothing; */
static uint64_t ref_child(const cursor_ref *r, uint32_t i)
{
    return r->node ? r->node->inodes[i].pgid : page_branch_child(&r->page, i);
}

/* The one search (page.c) over the level's page or node. */
/*@ requires level: RefOk(r);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(exact);
    requires separated: \separated(exact, r) &&
                        (r->node != \null ==> \separated(exact, r->node));
    assigns *exact;
    ensures index: \result <= RefCount(r); */
static uint32_t ref_lower_bound(const cursor_ref *r, const uint8_t *key,
                                size_t klen, int *exact)
{
    keyseq s;
    s.page = r->node ? NULL : &r->page;
    s.in = r->node ? r->node->inodes : NULL;
    s.n = ref_count(r);
    return keys_lower_bound(&s, key, klen, exact);
}

/* Starts the path at the bucket's root page or node. */
static int push_root(cbolt_cursor *c)
{
    cursor_ref *r = &c->stack[0];
    int rc;
    c->depth = 0;
    if (c->t->root_node) { /* the materialized root, perhaps split anew */
        r->node = c->t->root_node;
    } else {
        rc = ntree_page_node(c->t, c->t->root, &r->page, &r->node);
        if (rc != CBOLT_OK)
            return rc;
    }
    r->index = 0;
    r->hi = NULL;
    r->hilen = 0;
    c->depth = 1;
    return CBOLT_OK;
}

/* Checks a child page's keys against [lo, hi). */
/*@ requires page: PageLevelOk(pv);
    requires lo: \valid_read(lo + (0 .. lolen - 1));
    requires hi: hi != \null ==> \valid_read(hi + (0 .. hilen - 1));
    assigns cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures not_empty: \result == CBOLT_OK ==> pv->count > 0; */
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

/* Whether the level has an element after its index (no wrap-around). */
/*@ requires level: RefReadable(r);
    assigns \nothing;
    ensures next: \result != 0 <==> r->index + 1 < RefCount(r); */
static int has_next(const cursor_ref *r)
{
    uint32_t n = ref_count(r);
    return n > 0 && r->index < n - 1;
}

/* Pushes the child of the top (branch) level at its index, positioned at
 * its first element, or its last when at_last. A child read from the file
 * must keep its keys inside the range its parent gives it. */
static int descend(cbolt_cursor *c, int at_last)
{
    cursor_ref *r = top(c), *n;
    const uint8_t *lo, *hi = r->hi;
    uint32_t lolen, hilen = r->hilen;
    page_view pv;
    node *nd;
    int rc;

    if (c->depth >= CBOLT_MAX_TREE_DEPTH)
        return cb_corrupt(r->node ? r->node->pgid : r->page.id,
                          RULE_TREE_DEPTH, "tree deeper than %d levels",
                          CBOLT_MAX_TREE_DEPTH);
    if ((rc = room(c)) != CBOLT_OK)
        return rc;
    r = top(c); /* the path may have moved */
    rc = ntree_page_node(c->t, ref_child(r, r->index), &pv, &nd);
    if (rc != CBOLT_OK)
        return rc;
    ref_key(r, r->index, &lo, &lolen);
    if (has_next(r))
        ref_key(r, r->index + 1, &hi, &hilen);
    if (!nd && (rc = child_in_range(&pv, lo, lolen, hi, hilen)) != CBOLT_OK)
        return rc;
    n = &c->stack[c->depth++];
    n->node = nd;
    if (!nd)
        n->page = pv;
    n->index = at_last && ref_count(n) ? ref_count(n) - 1 : 0;
    n->hi = hi;
    n->hilen = hilen;
    return CBOLT_OK;
}

/* Descends from the top level to a leaf along first (or last) children,
 * stopping at an empty level (only a node can be one: the door refuses an
 * empty branch page), whose child descend() could not read. */
static int to_leaf(cbolt_cursor *c, int at_last)
{
    int rc = CBOLT_OK;
    while (rc == CBOLT_OK && ref_count(top(c)) > 0 && !ref_is_leaf(top(c)))
        rc = descend(c, at_last);
    if (rc != CBOLT_OK)
        c->depth = 0;
    return rc;
}

/*@ requires cursor: CursorOk(c);
    requires positioned: c->depth > 0;
    assigns \nothing;
    ensures on_item: OnItem(c) ==> \result == CBOLT_OK;
    ensures past_end: !OnItem(c) ==> \result == CBOLT_NOTFOUND; */
static int leaf_item(cbolt_cursor *c)
{
    cursor_ref *r = top(c);
    return r->index < ref_count(r) ? CBOLT_OK : CBOLT_NOTFOUND;
}

int cursor_first_raw(cbolt_cursor *c)
{
    int rc = push_root(c);
    if (rc == CBOLT_OK)
        rc = to_leaf(c, 0);
    /* an empty leaf (a node emptied in this transaction) is skipped */
    if (rc == CBOLT_OK && ref_count(top(c)) == 0)
        return cursor_next_raw(c);
    return rc == CBOLT_OK ? leaf_item(c) : rc;
}

int cursor_last_raw(cbolt_cursor *c)
{
    int rc = push_root(c);
    if (rc == CBOLT_OK) {
        cursor_ref *r = top(c);
        r->index = ref_count(r) ? ref_count(r) - 1 : 0;
        rc = to_leaf(c, 1);
    }
    if (rc == CBOLT_OK && ref_count(top(c)) == 0)
        return cursor_prev_raw(c);
    return rc == CBOLT_OK ? leaf_item(c) : rc;
}

/* back_to_item()'s answer when the cursor was on the first item (no
 * CBOLT_ code has this value; the moves answer CBOLT_NOTFOUND). */
enum { AT_FRONT = 2 };

/* Moves back to the item before the cursor, skipping leaves emptied in
 * this transaction: CBOLT_OK, AT_FRONT when there is none, CBOLT_NOTFOUND
 * when the cursor was not positioned, or an error. (An answer, not an
 * out-parameter: a local whose address is taken costs every caller's proof
 * the frame of its whole path.) */
static int back_to_item(cbolt_cursor *c)
{
    for (;;) {
        int i, rc;
        for (i = c->depth - 1; i >= 0; i--) {
            if (c->stack[i].index > 0) {
                c->stack[i].index--;
                break;
            }
            if (i == 0)
                return AT_FRONT;
            c->depth = i; /* bbolt pops the exhausted level */
        }
        if (c->depth == 0)
            return CBOLT_NOTFOUND;
        if ((rc = to_leaf(c, 1)) != CBOLT_OK)
            return rc;
        if (ref_count(top(c)) > 0)
            return leaf_item(c);
    }
}

/* Off the end, a cursor that was on an item stays on the last item (bbolt
 * 1.3.10+), also when the walk went on through leaves emptied in this
 * transaction; one that was past the end (a Seek past the last key) stays
 * past it, so that Prev gives the last item. */
int cursor_next_raw(cbolt_cursor *c)
{
    cursor_ref *t = c->depth ? top(c) : NULL;
    int on_item = t && ref_is_leaf(t) && t->index < ref_count(t);
    /* the common case: the next item is on the same leaf */
    if (t && has_next(t) && ref_is_leaf(t)) {
        t->index++;
        return CBOLT_OK;
    }
    for (;;) {
        int i, rc;
        for (i = c->depth - 1; i >= 0; i--) {
            cursor_ref *r = &c->stack[i];
            if (has_next(r)) {
                r->index++;
                break;
            }
        }
        if (i < 0) {
            if (on_item && ref_count(top(c)) == 0) {
                rc = back_to_item(c);
                return rc == CBOLT_OK || rc == AT_FRONT ? CBOLT_NOTFOUND : rc;
            }
            return CBOLT_NOTFOUND;
        }
        c->depth = i + 1;
        if ((rc = to_leaf(c, 0)) != CBOLT_OK)
            return rc;
        if (ref_count(top(c)) > 0) /* bbolt skips empty nodes (#450) */
            return leaf_item(c);
    }
}

int cursor_prev_raw(cbolt_cursor *c)
{
    int rc = back_to_item(c);
    if (rc == AT_FRONT) {
        /* bbolt 1.3.10 and later (#733): off the front, the cursor stays
         * on the first item */
        rc = cursor_first_raw(c);
        return rc == CBOLT_OK ? CBOLT_NOTFOUND : rc;
    }
    return rc;
}

int cursor_seek_raw(cbolt_cursor *c, const uint8_t *key, size_t klen)
{
    int rc = cursor_search(c, key, klen);
    if (rc == CBOLT_OK && top(c)->index >= ref_count(top(c)))
        return cursor_next_raw(c);
    return rc;
}

/* The index bbolt's seek takes at a level for key: on a leaf the first
 * element not below key (the count when there is none); on a branch the
 * last child whose separator is at most key (the first when there is
 * none). */
/*@ requires level: RefOk(r);
    requires key: \valid_read(key + (0 .. klen - 1));
    assigns \nothing;
    ensures index: \result <= RefCount(r);
    ensures branch: !RefIsLeaf(r) && RefCount(r) > 0 ==>
                    \result < RefCount(r); */
static uint32_t seek_index(const cursor_ref *r, const uint8_t *key,
                           size_t klen)
{
    int exact;
    uint32_t i = ref_lower_bound(r, key, klen, &exact);
    if (ref_is_leaf(r))
        return i;
    if (!exact && i > 0)
        i--;
    if (i >= ref_count(r)) /* only an emptied branch node */
        i = ref_count(r) ? ref_count(r) - 1 : 0;
    return i;
}

int cursor_search(cbolt_cursor *c, const uint8_t *key, size_t klen)
{
    int rc = push_root(c);
    while (rc == CBOLT_OK) {
        cursor_ref *r = top(c);
        r->index = seek_index(r, key, klen);
        if (ref_is_leaf(r) || ref_count(r) == 0)
            break;
        rc = descend(c, 0);
    }
    if (rc != CBOLT_OK)
        c->depth = 0;
    return rc;
}

/*@ requires cursor: CursorOk(c);
    assigns \nothing;
    ensures on_item: \result != 0 <==> OnItem(c); */
int cursor_on_item(const cbolt_cursor *c)
{
    return c->depth > 0 &&
           c->stack[c->depth - 1].index < ref_count(&c->stack[c->depth - 1]);
}

/*@ requires cursor: CursorOk(c);
    requires at_leaf: AtLeaf(c);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(flags);
    requires separated: c->depth > 0 ==> \separated(flags, Top(c));
    assigns *flags; */
int cursor_at(const cbolt_cursor *c, const uint8_t *key, size_t klen,
              uint32_t *flags)
{
    const cursor_ref *r;
    const uint8_t *k, *v;
    uint32_t kl, vl;
    if (c->depth == 0)
        return 0;
    r = &c->stack[c->depth - 1];
    if (r->index >= ref_count(r))
        return 0;
    cursor_item(c, &k, &kl, &v, &vl, flags);
    return key_cmp(k, kl, key, klen) == 0;
}

/*@ requires cursor: CursorOk(c);
    requires on_item: OnItem(c);
    requires leaf: RefIsLeaf(Top(c));
    requires valid_out: \valid(k) && \valid(klen) && \valid(v) &&
                        \valid(vlen) && \valid(flags);
    requires separated: \separated(k, klen, v, vlen, flags, Top(c));
    assigns *k, *klen, *v, *vlen, *flags;
    ensures key_readable: \valid_read(*k + (0 .. *klen - 1)); */
void cursor_item(const cbolt_cursor *c, const uint8_t **k, uint32_t *klen,
                 const uint8_t **v, uint32_t *vlen, uint32_t *flags)
{
    const cursor_ref *r = &c->stack[c->depth - 1];
    if (r->node) {
        const inode *in = &r->node->inodes[r->index];
        *k = in->key;
        *klen = in->klen;
        *v = in->value;
        *vlen = in->vlen;
        *flags = in->flags;
        return;
    }
    page_leaf_item(&r->page, r->index, k, klen, v, vlen, flags);
}

/*@ requires cursor: CursorOk(c);
    requires positioned: c->depth > 0;
    assigns \nothing; */
uint64_t cursor_leaf_id(const cbolt_cursor *c)
{
    const cursor_ref *r = &c->stack[c->depth - 1];
    return r->node ? r->node->pgid : r->page.id;
}

int cursor_node(cbolt_cursor *c, node **out)
{
    cursor_ref *r = top(c);
    node *n;
    int i, rc;
    if (r->node && r->node->is_leaf) {
        *out = r->node;
        return CBOLT_OK;
    }
    n = c->stack[0].node;
    if (!n && (rc = ntree_node(c->t, c->t->root, NULL, &n)) != CBOLT_OK)
        return rc;
    for (i = 0; i < c->depth - 1; i++)
        if ((rc = node_child_at(n, c->stack[i].index, &n)) != CBOLT_OK)
            return rc;
    *out = n;
    return CBOLT_OK;
}

/* ---- public interface ---- */

/* A cursor can move unless its transaction failed part-way. */
/*@ requires valid: c != \null ==> \valid_read(c) && \valid_read(c->t) &&
                                    \valid_read(c->t->s);
    assigns cb_error_record;
    ensures null: c == \null ==> \result == CBOLT_ERR_INVALID_ARG;
    ensures ok: \result == CBOLT_OK <==> c != \null && c->t->s->failed == 0; */
static int usable(const cbolt_cursor *c)
{
    if (!c)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor: NULL cursor");
    if (c->t->s->failed)
        return cb_error(CBOLT_ERR_TX_FAILED, "transaction failed part-way: "
                        "roll it back");
    return CBOLT_OK;
}

/* Hands out the item under the cursor (after a raw move returned rc). */
/*@ requires cursor: rc == CBOLT_OK ==>
      CursorOk(c) && OnItem(c) && RefIsLeaf(Top(c));
    requires valid_out: (key == \null || \valid(key)) &&
                        (klen == \null || \valid(klen)) &&
                        (val == \null || \valid(val)) &&
                        (vlen == \null || \valid(vlen)) &&
                        (is_bucket == \null || \valid(is_bucket));
    assigns *key, *klen, *val, *vlen, *is_bucket, cb_error_record;
    ensures error: rc != CBOLT_OK ==> \result == rc;
    ensures result: rc == CBOLT_OK ==>
      \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT; */
static int emit(cbolt_cursor *c, int rc, const void **key, size_t *klen,
                const void **val, size_t *vlen, int *is_bucket)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if (c->top && !(flags & LEAF_FLAG_BUCKET))
        return cb_corrupt(cursor_leaf_id(c), RULE_ROOT_VALUE,
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

void cbolt_cursor_close(cbolt_cursor *c)
{
    if (c && c->mem) {
        txmem *m = c->mem;
        cursor_done(c);
        txmem_free(m, c);
    }
}

int cbolt_cursor_first(cbolt_cursor *c, const void **key, size_t *klen,
                       const void **val, size_t *vlen, int *is_bucket)
{
    int rc = usable(c);
    return rc ? rc : emit(c, cursor_first_raw(c), key, klen, val, vlen,
                          is_bucket);
}

int cbolt_cursor_last(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    int rc = usable(c);
    return rc ? rc : emit(c, cursor_last_raw(c), key, klen, val, vlen,
                          is_bucket);
}

int cbolt_cursor_next(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    int rc = usable(c);
    return rc ? rc : emit(c, cursor_next_raw(c), key, klen, val, vlen,
                          is_bucket);
}

int cbolt_cursor_prev(cbolt_cursor *c, const void **key, size_t *klen,
                      const void **val, size_t *vlen, int *is_bucket)
{
    int rc = usable(c);
    return rc ? rc : emit(c, cursor_prev_raw(c), key, klen, val, vlen,
                          is_bucket);
}

int cbolt_cursor_seek(cbolt_cursor *c, const void *seek, size_t slen,
                      const void **key, size_t *klen, const void **val,
                      size_t *vlen, int *is_bucket)
{
    int rc = usable(c);
    if (rc == CBOLT_OK && !seek && slen)
        rc = cb_error(CBOLT_ERR_INVALID_ARG, "seek: NULL key");
    return rc ? rc : emit(c, cursor_seek_raw(c, seek, slen), key, klen, val,
                          vlen, is_bucket);
}

int cbolt_cursor_delete(cbolt_cursor *c)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    node *n;
    int rc = usable(c);
    if (rc != CBOLT_OK)
        return rc;
    if (!c->t->s->writable)
        return cb_error(CBOLT_ERR_TX_NOT_WRITABLE, "transaction read-only");
    if (!cursor_on_item(c))
        return CBOLT_OK; /* nothing under the cursor */
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if (flags & LEAF_FLAG_BUCKET)
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    if ((rc = cursor_node(c, &n)) != CBOLT_OK) {
        if (cb_is_hard(rc))
            c->t->s->failed = 1;
        return rc;
    }
    node_del(n, k, kl);
    return CBOLT_OK;
}
