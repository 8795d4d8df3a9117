/*
 * node.c - materialized pages of a write transaction: edit, rebalance,
 * split, spill (bbolt's node.go, algorithm for algorithm), and a bucket's
 * tree of pages and nodes (struct ntree).
 *
 * Owns: see node.h.
 * Invariants: see node.h; in addition, node_spill() writes every node it
 * splits into pages allocated by pager_allocate() and puts the new page
 * ids into the parent, so after the root's spill every materialized node
 * lives on a new page and its old page is pending in the freelist.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "node.h"

#define MIN_FILL 0.1
#define MAX_FILL 1.0
/* The most elements a page header can count (16 bits; bbolt refuses
 * 0xFFFF and more). */
#define PAGE_MAX_ELEMS 0xFFFEu

/* Page ids of nodes split off in memory, never on a page: above every id
 * a file can hold (meta.pgid <= file size / 256 < 2^56). */
#define VIRTUAL_PGID (1ull << 63)

/*@ assigns \nothing;
    ensures virtual: \result == (pgid >= 0x8000000000000000 ? 1 : 0); */
static int is_virtual(uint64_t pgid)
{
    return pgid >= VIRTUAL_PGID;
}

/* ---- nodes ---- */

static node *node_new(ntree *t, int is_leaf, node *parent)
{
    node *n = cb_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->t = t;
    n->is_leaf = is_leaf;
    n->parent = parent;
    n->all_next = *t->all;
    *t->all = n;
    t->s->stats->node_count++;
    return n;
}

void node_destroy(node *n)
{
    cb_free(n->inodes);
    cb_free(n->children);
    cb_free(n);
}

#ifdef __FRAMAC__
/* cb_realloc (mem.c, not proved) of a node's inodes to cap entries, as the
 * proofs see it: WP's Typed model follows no conversion of its void *, so
 * a typed declaration. NULL (p unchanged), or cap writable inodes in
 * node_inodes_heap, the region the proofs give the nodes' element arrays,
 * apart from the node owner, their first keep as p's (what realloc keeps;
 * the ghost arguments keep and owner). */
extern inode node_inodes_heap[SIZE_MAX / 8 / sizeof(inode)];
/*@ requires size: keep <= cap && cap <= 0xFFFFFFFF;
    requires valid: \valid_read(p + (0 .. keep - 1)) && \valid_read(owner);
    assigns node_inodes_heap[..];
    ensures null_or_moved: \result == \null ||
      (\valid(\result + (0 .. cap - 1)) &&
       \base_addr(\result) == \base_addr(&node_inodes_heap[0]) &&
       \separated(\result + (0 .. cap - 1), owner) &&
       \forall integer k; 0 <= k < keep ==>
         InodeSame{Here, Old}(\result + k, p + k));
    ensures unchanged: \result == \null ==>
      \forall integer k; 0 <= k < keep ==> InodeSame{Here, Old}(p + k, p + k); */
inode *node_inodes_realloc(inode *p, size_t cap, size_t keep,
                           const node *owner);
#define INODES_REALLOC(p, cap, keep, owner) \
    node_inodes_realloc((p), (cap), (keep), (owner))
#else
#define INODES_REALLOC(p, cap, keep, owner) \
    cb_realloc((p), (size_t)(cap) * sizeof(inode))
#endif

/* Room for want inodes: the capacity doubles from 8 (or the node's) until
 * it holds want. */
/*@ requires node: \valid(n) && n->n <= n->cap &&
      \valid(n->inodes + (0 .. n->cap - 1));
    requires want: want <= 0x80000000;
    requires apart: \separated(n,
      &node_inodes_heap[0 .. SIZE_MAX / 8 / sizeof(inode) - 1]);
    requires separated: \separated(n, n->inodes + (0 .. n->cap - 1));
    assigns n->inodes, n->cap, node_inodes_heap[..], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures ok: \result == CBOLT_OK ==>
      want <= n->cap && \old(n->cap) <= n->cap &&
      \valid(n->inodes + (0 .. n->cap - 1)) &&
      \separated(n, n->inodes + (0 .. n->cap - 1)) &&
      \forall integer k; 0 <= k < n->n ==>
        InodeSame{Here, Old}(n->inodes + k, \old(n->inodes) + k);
    ensures moved: \result == CBOLT_OK && n->inodes != \old(n->inodes) ==>
      \base_addr(n->inodes) == \base_addr(&node_inodes_heap[0]) &&
      \separated(n->inodes + (0 .. n->cap - 1), n);
    ensures nomem: \result != CBOLT_OK ==>
      n->inodes == \old(n->inodes) && n->cap == \old(n->cap) &&
      \forall integer k; 0 <= k < n->n ==>
        InodeSame{Here, Old}(n->inodes + k, n->inodes + k); */
static int reserve_inodes(node *n, uint32_t want)
{
    inode *p;
    uint32_t cap = n->cap ? n->cap : 8;
    if (want <= n->cap)
        return CBOLT_OK;
    /*@ loop invariant grows: 1 <= cap && \at(n->cap, Pre) <= cap;
        loop invariant room: cap < want ==> cap <= 0x7FFFFFFF;
        loop assigns cap;
        loop variant want - cap; */
    while (cap < want)
        cap *= 2;
    p = INODES_REALLOC(n->inodes, cap, n->n, n);
    if (!p)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    n->inodes = p;
    n->cap = cap;
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* cb_realloc of a node's children to cap entries, as the proofs see it
 * (as node_inodes_realloc): NULL (p unchanged), or cap writable entries
 * in the region node_children_heap, apart from the node owner, their
 * first keep as p's. */
extern node *node_children_heap[SIZE_MAX / 8 / sizeof(node *)];
/*@ requires size: keep <= cap && cap <= 0xFFFFFFFF;
    requires valid: \valid_read(p + (0 .. keep - 1)) && \valid_read(owner);
    assigns node_children_heap[..];
    ensures null_or_moved: \result == \null ||
      (\valid(\result + (0 .. cap - 1)) &&
       \base_addr(\result) == \base_addr(&node_children_heap[0]) &&
       \separated(\result + (0 .. cap - 1), owner) &&
       \forall integer k; 0 <= k < keep ==> \result[k] == \old(p[k]));
    ensures unchanged: \result == \null ==>
      \forall integer k; 0 <= k < keep ==> p[k] == \old(p[k]); */
node **node_children_realloc(node **p, size_t cap, size_t keep,
                             const node *owner);
#define CHILDREN_REALLOC(p, cap, keep, owner) \
    node_children_realloc((p), (cap), (keep), (owner))
#else
#define CHILDREN_REALLOC(p, cap, keep, owner) \
    cb_realloc((p), (size_t)(cap) * sizeof(node *))
#endif

/* Appends child to parent's children, the array doubled (from 4) when
 * full. */
/*@ requires parent: \valid(parent) &&
      parent->nchildren <= parent->capchildren &&
      parent->capchildren <= 0x7FFFFFFF &&
      \valid(parent->children + (0 .. parent->capchildren - 1));
    requires separated: \separated(parent,
      parent->children + (0 .. parent->capchildren - 1));
    requires apart: \separated(parent,
      &node_children_heap[0 .. SIZE_MAX / 8 / sizeof(node *) - 1]);
    assigns parent->children, parent->capchildren, parent->nchildren,
            parent->children[parent->nchildren], node_children_heap[..],
            cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures ok: \result == CBOLT_OK ==>
      parent->nchildren == \old(parent->nchildren) + 1 &&
      parent->nchildren <= parent->capchildren &&
      \valid(parent->children + (0 .. parent->capchildren - 1)) &&
      \separated(parent, parent->children + (0 .. parent->capchildren - 1)) &&
      parent->children[\old(parent->nchildren)] == child &&
      \forall integer k; 0 <= k < \old(parent->nchildren) ==>
        parent->children[k] == \old(parent->children[k]);
    ensures nomem: \result != CBOLT_OK ==>
      parent->nchildren == \old(parent->nchildren) &&
      parent->children == \old(parent->children) &&
      parent->capchildren == \old(parent->capchildren) &&
      \forall integer k; 0 <= k < parent->nchildren ==>
        parent->children[k] == \old(parent->children[k]); */
static int add_child(node *parent, node *child)
{
    if (parent->nchildren == parent->capchildren) {
        uint32_t cap = parent->capchildren ? 2 * parent->capchildren : 4;
        node **p = CHILDREN_REALLOC(parent->children, cap, parent->nchildren,
                                    parent);
        if (!p)
            return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
        parent->children = p;
        parent->capchildren = cap;
    }
    parent->children[parent->nchildren++] = child;
    return CBOLT_OK;
}

/* Removes c[i] of c[0 .. n): the children after it move down one place
 * (a copy loop: memmove's move). */
/*@ requires valid: \valid(c + (0 .. n - 1));
    requires range: i < n;
    assigns c[i .. n - 2];
    ensures moved: \forall integer j; i <= j < n - 1 ==> c[j] == \old(c[j + 1]); */
static void children_remove_at(node **c, uint32_t n, uint32_t i)
{
    uint32_t j;
    /*@ loop invariant range: i <= j <= n - 1;
        loop invariant moved: \forall integer m; i <= m < j ==>
          c[m] == \at(c[m + 1], Pre);
        loop invariant rest: \forall integer m; j <= m < n ==>
          c[m] == \at(c[m], Pre);
        loop assigns j, c[i .. n - 2];
        loop variant n - j; */
    for (j = i; j + 1 < n; j++)
        c[j] = c[j + 1];
}

/*@ requires parent: \valid(parent) &&
      \valid(parent->children + (0 .. parent->nchildren - 1));
    requires separated: \separated(parent,
      parent->children + (0 .. parent->nchildren - 1));
    assigns parent->nchildren,
            parent->children[0 .. parent->nchildren - 1];
    behavior present:
      assumes \exists integer j; 0 <= j < parent->nchildren &&
        parent->children[j] == child;
      ensures count: parent->nchildren == \old(parent->nchildren) - 1;
      ensures removed: \exists integer i; 0 <= i <= parent->nchildren &&
        \old(parent->children[i]) == child &&
        (\forall integer j; 0 <= j < i ==>
           \old(parent->children[j]) != child &&
           parent->children[j] == \old(parent->children[j])) &&
        (\forall integer j; i <= j < parent->nchildren ==>
           parent->children[j] == \old(parent->children[j + 1]));
    behavior absent:
      assumes \forall integer j; 0 <= j < parent->nchildren ==>
        parent->children[j] != child;
      assigns \nothing;
    complete behaviors;
    disjoint behaviors; */
static void remove_child(node *parent, node *child)
{
    uint32_t i;
    /*@ loop invariant range: 0 <= i <= parent->nchildren;
        loop invariant before: \forall integer j; 0 <= j < i ==>
          parent->children[j] != child;
        loop assigns i;
        loop variant parent->nchildren - i; */
    for (i = 0; i < parent->nchildren; i++) {
        if (parent->children[i] == child) {
            children_remove_at(parent->children, parent->nchildren, i);
            /*@ assert kept: \forall integer j; 0 <= j < i ==>
                  parent->children[j] == \at(parent->children[j], Pre); */
            parent->nchildren--;
            /*@ assert removed: (\forall integer j; j == i ==>
                    \at(parent->children[j], Pre) == child) &&
                  (\forall integer j; 0 <= j < i ==>
                     \at(parent->children[j], Pre) != child &&
                     parent->children[j] == \at(parent->children[j], Pre)) &&
                  (\forall integer j; i <= j < parent->nchildren ==>
                     parent->children[j] == \at(parent->children[j + 1], Pre)); */
            return;
        }
    }
}

/* A bucket value a write carries over unopened must name a root inside
 * the snapshot: the commit would write it unread, and once the file grew
 * past that id it would name a page of new data (found by the parse
 * harness's glue phase, corpus/parse/regress-glue-dangling-root-comes-
 * into-range). The value's own rules are checked as when it is opened. */
/*@ // The bucket value v of vlen bytes as carried_bucket_ok() accepts it
    // under a snapshot of hwm pages: a header, and either a root page id
    // inside the snapshot or an inline leaf page, well formed, of id 0,
    // holding no sub-bucket.
    predicate CarriedBucketOk{L}(uint8_t *v, integer vlen, integer hwm) =
        vlen >= BucketHdrSize &&
        (LD64(v) == 0 ?
           PageWellFormed(v + BucketHdrSize, vlen - BucketHdrSize,
                          PV_LEAF | PV_NO_BUCKETS) &&
           LD64(v + BucketHdrSize + PageOffId) == 0 :
           2 <= LD64(v) < hwm);
*/

/*@ requires node: \valid_read(n) && \valid_read(n->t) && \valid_read(n->t->s);
    requires view: \valid_read(pv);
    requires value: \valid_read(in) &&
      \valid_read(in->value + (0 .. in->vlen - 1));
    assigns cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures ok: \result == CBOLT_OK <==>
      CarriedBucketOk((uint8_t *)in->value, in->vlen, n->t->s->hwm);
    ensures range: \result != CBOLT_OK &&
      in->vlen >= BucketHdrSize && LD64((uint8_t *)in->value) != 0 ==>
      cb_error_record == RULE_PAGE_ID_RANGE; */
static int carried_bucket_ok(const node *n, const page_view *pv,
                             const inode *in)
{
    uint64_t root, seq, hwm = n->t->s->hwm;
    page_view inl;
    uint32_t bad;
    int inner, rule = page_bucket_value(in->value, in->vlen, &root, &seq,
                                        &inl, &inner, &bad);
    if (rule != RULE_OK)
        return cb_corrupt(pv->id, rule, "bucket value of %u bytes breaks %s",
                          in->vlen, cb_rule_name(rule == RULE_BUCKET_VALUE
                                                     ? rule
                                                     : inner));
    if (root != 0 && (root < 2 || root >= hwm))
        return cb_corrupt(pv->id, RULE_PAGE_ID_RANGE,
                          "bucket value names root page %llu, high-water "
                          "mark %llu", (unsigned long long)root,
                          (unsigned long long)hwm);
    return CBOLT_OK;
}

/*@ // Element i of the page in view pv as a write may carry it over under
    // a snapshot of hwm pages: a leaf's bucket value as
    // carried_bucket_ok() accepts it, a branch's child inside the
    // snapshot.
    predicate ElemCarriedOk{L}(page_view *pv, integer hwm, integer i) =
        IsLeaf(pv->data) ?
          ((ElemFlags(pv->data, i) & LeafFlagBucket) != 0 ==>
             CarriedBucketOk(pv->data + ValOff(pv->data, i),
                             ValSize(pv->data, i), hwm)) :
          2 <= LD64(pv->data + (ElemOff(i) + BranchOffPgid)) < hwm;

    // The inode *in is element i of the page in view pv, decoded: its
    // key, and a leaf's value and flags (no child) or a branch's child
    // (no value, no flags); the element carried over as ElemCarriedOk.
    predicate InodeFromPage{L}(inode *in, page_view *pv, integer hwm,
                               integer i) =
        in->key == pv->data + KeyOff(pv->data, i) &&
        in->klen == KeySize(pv->data, i) &&
        ElemCarriedOk(pv, hwm, i) &&
        (IsLeaf(pv->data) ?
           in->value == pv->data + ValOff(pv->data, i) &&
           in->vlen == ValSize(pv->data, i) &&
           in->flags == ElemFlags(pv->data, i) && in->pgid == 0 :
           in->pgid == LD64(pv->data + (ElemOff(i) + BranchOffPgid)) &&
           in->value == \null && in->vlen == 0 && in->flags == 0);
*/

/* Element i of the validated page pv into *in (node_read()'s step; leaf
 * is whether the page is a leaf). */
/*@ requires node: \valid_read(n) && \valid_read(n->t) && \valid_read(n->t->s);
    requires view: PageViewInBounds(pv);
    requires index: i < pv->count;
    requires leaf: leaf != 0 <==> IsLeaf(pv->data);
    requires out: \valid(in);
    requires separated: \separated(in, pv, n, n->t, n->t->s);
    assigns *in, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures ok: \result == CBOLT_OK <==> ElemCarriedOk(pv, n->t->s->hwm, i);
    ensures inode: \result == CBOLT_OK ==>
      InodeFromPage(in, pv, n->t->s->hwm, i); */
static int read_inode(const node *n, const page_view *pv, uint32_t i,
                      int leaf, inode *in)
{
    if (leaf) {
        page_leaf_item(pv, i, &in->key, &in->klen, &in->value, &in->vlen,
                       &in->flags);
        in->pgid = 0;
        if (in->flags & LEAF_FLAG_BUCKET)
            return carried_bucket_ok(n, pv, in);
        return CBOLT_OK;
    }
    page_key(pv, i, &in->key, &in->klen);
    in->pgid = page_branch_child(pv, i);
    /* a child a write carries over unread, as a bucket root */
    if (in->pgid < 2 || in->pgid >= n->t->s->hwm)
        return cb_corrupt(pv->id, RULE_PAGE_ID_RANGE,
                          "branch element %u names page %llu, "
                          "high-water mark %llu", i,
                          (unsigned long long)in->pgid,
                          (unsigned long long)n->t->s->hwm);
    in->value = NULL;
    in->vlen = 0;
    in->flags = 0;
    return CBOLT_OK;
}

/* Fills an empty node from a validated page. */
static int node_read(node *n, const page_view *pv)
{
    uint32_t i, cnt = pv->count;
    int rc, leaf;
    inode *a;
    n->is_leaf = page_is_leaf(pv);
    n->pgid = pv->id;
    if ((rc = reserve_inodes(n, cnt)) != CBOLT_OK)
        return rc;
    a = n->inodes;
    leaf = n->is_leaf;
    for (i = 0; i < cnt; i++)
        if ((rc = read_inode(n, pv, i, leaf, &a[i])) != CBOLT_OK)
            return rc;
    n->n = cnt;
    if (cnt > 0) {
        n->key = a[0].key;
        n->klen = a[0].klen;
    }
    return CBOLT_OK;
}

int node_put(node *n, const uint8_t *old_key, uint32_t old_klen,
             const uint8_t *new_key, uint32_t new_klen, const uint8_t *value,
             uint32_t vlen, uint64_t pgid, uint32_t flags)
{
    inode x;
    int64_t at;
    int rc;
    if ((rc = reserve_inodes(n, n->n + 1)) != CBOLT_OK)
        return rc;
    x.flags = flags;
    x.klen = new_klen;
    x.vlen = vlen;
    x.pgid = pgid;
    x.key = new_key;
    x.value = value;
    n->n = inodes_put(n->inodes, n->n, old_key, old_klen, &x, &at);
    return CBOLT_OK;
}

/*@ requires node: \valid(n) && \valid(n->inodes + (0 .. n->n - 1)) &&
      KeysReadable(n->inodes, n->n) && NodeEntriesOrdered(n->inodes, n->n);
    requires key: \valid_read(key + (0 .. klen - 1));
    requires separated: \separated(n, n->inodes + (0 .. n->n - 1));
    assigns n->n, n->unbalanced, n->inodes[0 .. n->n - 1];
    behavior present:
      assumes \exists integer j; 0 <= j < n->n &&
        KeyEqual((uint8_t *)n->inodes[j].key, n->inodes[j].klen, key, klen);
      ensures removed: n->n == \old(n->n) - 1 && n->unbalanced == 1;
    behavior absent:
      assumes \forall integer j; 0 <= j < n->n ==>
        !KeyEqual((uint8_t *)n->inodes[j].key, n->inodes[j].klen, key, klen);
      assigns \nothing;
    complete behaviors;
    disjoint behaviors; */
void node_del(node *n, const uint8_t *key, uint32_t klen)
{
    int exact;
    uint32_t i = inodes_search(n->inodes, n->n, key, klen, &exact);
    if (!exact)
        return;
    n->n = inodes_remove_at(n->inodes, n->n, i);
    n->unbalanced = 1;
}

int node_child_at(node *n, uint32_t index, node **out)
{
    return ntree_node(n->t, n->inodes[index].pgid, n, out);
}

/*@ requires node: \valid_read(n) && \valid_read(n->inodes + (0 .. n->n - 1));
    requires count: n->n <= 0x40000000;
    assigns \nothing;
    ensures size: \result == PartSize(n->inodes, n->is_leaf, n->n); */
static uint64_t node_size(const node *n)
{
    return inodes_size(n->inodes, n->n, n->is_leaf);
}

/* Writes the node as a page at buf (id and overflow are the caller's). */
static void node_write(const node *n, uint8_t *buf)
{
    page_encode(buf, n->inodes, n->n, n->is_leaf);
}

static node *node_root(node *n)
{
    while (n->parent)
        n = n->parent;
    return n;
}

/* Frees the node's page (pending under the tx), if it has one. */
static int node_free_page(node *n)
{
    int rc = CBOLT_OK;
    if (n->pgid != 0 && !is_virtual(n->pgid))
        rc = pager_free(n->t->pg, n->pgid);
    n->pgid = 0;
    return rc;
}

/* ---- spill ---- */

static int cmp_children(const void *a, const void *b)
{
    const node *x = *(node *const *)a, *y = *(node *const *)b;
    return key_cmp(x->inodes[0].key, x->inodes[0].klen, y->inodes[0].key,
                   y->inodes[0].klen);
}

/* Writes one split-off node to new pages and records it in its parent. */
static int spill_one(node *n)
{
    snap *s = n->t->s;
    uint64_t ps = s->ps, count, pgid;
    uint8_t *buf;
    int rc;
    CB_INVARIANT(!n->parent || n->n > 0);
    /* a page header counts elements in 16 bits and an element's offset
     * is 32 bits: a part past either would be written wrong (bbolt
     * panics); the split cuts by size only, so with large pages and
     * small keys the first can happen */
    if (n->n > PAGE_MAX_ELEMS || node_size(n) > UINT32_MAX)
        return cb_error(CBOLT_ERR_INVALID_ARG,
                        "commit: a page of %u elements and %llu bytes is "
                        "more than a page header can describe (65535 "
                        "elements, 4 GiB)", n->n,
                        (unsigned long long)node_size(n));
    if ((rc = node_free_page(n)) != CBOLT_OK)
        return rc;
    count = (node_size(n) + ps - 1) / ps;
    if ((rc = pager_allocate(n->t->pg, count, &pgid, &buf)) != CBOLT_OK)
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
    s->stats->spill++;
    return CBOLT_OK;
}

/* The parts of the plan after the first become new siblings of n under
 * its parent (made when n has none); n keeps the first. */
static int split_parts(node *n, const uint64_t *cuts, uint32_t np,
                       node **parts)
{
    uint32_t j, cnt;
    int rc;
    parts[0] = n;
    if (np > 1 && !n->parent) {
        n->parent = node_new(n->t, 0, NULL);
        if (!n->parent || add_child(n->parent, n) != CBOLT_OK)
            return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    }
    for (j = 1; j < np; j++) {
        node *nx = node_new(n->t, n->is_leaf, n->parent);
        if (!nx || add_child(n->parent, nx) != CBOLT_OK)
            return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
        cnt = (uint32_t)(cuts[j + 1] - cuts[j]);
        if ((rc = reserve_inodes(nx, cnt)) != CBOLT_OK)
            return rc;
        memcpy(nx->inodes, n->inodes + cuts[j], cnt * sizeof *n->inodes);
        nx->n = cnt;
        n->t->s->stats->split++;
        parts[j] = nx;
    }
    n->n = (uint32_t)cuts[1];
    return CBOLT_OK;
}

/* The fill threshold of a page: fill percent of the page size, clamped. */
static uint64_t fill_threshold(const ntree *t)
{
    double fill = t->fill;
    if (!(fill >= MIN_FILL)) /* below, or not a number */
        fill = MIN_FILL;
    if (fill > MAX_FILL)
        fill = MAX_FILL;
    return (uint64_t)((double)t->s->ps * fill);
}

/* Cuts every part of more than PAGE_MAX_ELEMS elements of the plan in
 * cuts[0..np] into parts of at most that many (a page header counts its
 * elements in 16 bits; the plan cuts by size only, so with large pages and
 * small keys a part can hold more; bbolt panics there). Each new part is
 * a piece of a part that fits its page. *out is cuts itself when nothing
 * is cut, else a new array (NULL: out of memory). */
static uint32_t cap_counts(uint64_t *cuts, uint32_t np, uint64_t **out)
{
    uint32_t j, extra = 0, k = 0;
    uint64_t *nc, at;
    for (j = 0; j < np; j++) /* (an empty root leaf is one empty part) */
        if (cuts[j + 1] - cuts[j] > PAGE_MAX_ELEMS)
            extra += (uint32_t)((cuts[j + 1] - cuts[j] - 1) / PAGE_MAX_ELEMS);
    *out = cuts;
    if (extra == 0)
        return np;
    if (!(nc = cb_malloc(((size_t)np + extra + 1) * sizeof *nc))) {
        *out = NULL;
        return 0;
    }
    for (j = 0; j < np; j++)
        for (at = cuts[j]; at < cuts[j + 1]; at += PAGE_MAX_ELEMS)
            nc[k++] = at;
    nc[k] = cuts[np];
    *out = nc;
    return k;
}

/* bbolt's split followed by the spill of each part: split_plan() gives
 * the parts splitTwo would cut one after the other, and the parts are
 * written in order, so their pages are allocated in bbolt's order. */
static int split_spill(node *n)
{
    uint64_t ps = n->t->s->ps, threshold = fill_threshold(n->t), *cuts;
    uint32_t np, j;
    node **parts = NULL;
    int rc = CBOLT_OK;

    cuts = cb_malloc(((size_t)n->n + 2) * sizeof *cuts);
    if (!cuts)
        return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    if (n->planned_n && n->planned_n == n->n &&
        n->planned_size == node_size(n)) {
        cuts[0] = 0; /* a part of an earlier plan, unchanged: one page */
        cuts[1] = n->n;
        np = 1;
    } else {
        np = split_plan(n->inodes, n->n, n->is_leaf, ps, threshold, cuts);
        CB_INVARIANT(split_valid(n->inodes, n->n, n->is_leaf, ps, threshold,
                                 cuts, np) == 0);
    }
    {
        uint64_t *capped;
        np = cap_counts(cuts, np, &capped);
        if (!capped) {
            cb_free(cuts);
            return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
        }
        if (capped != cuts) {
            cb_free(cuts);
            cuts = capped;
        }
    }
    parts = cb_malloc((size_t)np * sizeof *parts);
    if (!parts)
        rc = cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    if (rc == CBOLT_OK)
        rc = split_parts(n, cuts, np, parts);
    for (j = 0; rc == CBOLT_OK && j < np; j++)
        rc = spill_one(parts[j]);
    cb_free(parts);
    cb_free(cuts);
    return rc;
}

/* Spills n's subtree, children before parents (bbolt's node.spill), with
 * the path on the heap; then, when a split gave the root a new parent,
 * that parent too. */
static int node_spill(node *start)
{
    typedef struct { node *n; uint32_t next; } frame;
    frame *path = cb_malloc((CBOLT_MAX_TREE_DEPTH + 1) * sizeof *path);
    int d = 1, rc = CBOLT_OK;
    if (!path)
        return cb_error(CBOLT_ERR_NOMEM, "spill: out of memory");
    path[0] = (frame){start, 0};
    while (d > 0 && rc == CBOLT_OK) {
        frame *f = &path[d - 1];
        node *n = f->n;
        if (n->spilled) {
            d--;
            continue;
        }
        if (f->next == 0 && n->nchildren > 1)
            qsort(n->children, n->nchildren, sizeof *n->children,
                  cmp_children);
        if (f->next < n->nchildren) {
            if (d > CBOLT_MAX_TREE_DEPTH)
                rc = cb_corrupt(n->pgid, RULE_TREE_DEPTH,
                                "nodes deeper than %d levels",
                                CBOLT_MAX_TREE_DEPTH);
            else
                path[d++] = (frame){n->children[f->next++], 0};
            continue;
        }
        n->nchildren = 0;
        rc = split_spill(n);
        if (--d == 0 && rc == CBOLT_OK && n->parent && n->parent->pgid == 0)
            path[d++] = (frame){n->parent, 0};
    }
    cb_free(path);
    return rc;
}

static int reparent(node *to, const inode *in, uint32_t k);

/* ---- eager split ---- */

/* The first cut of n's split plan: inodes [0, cut) make one page as the
 * commit would write it (0: the plan is one part, or no memory for it).
 * Cutting there leaves a part the commit will not cut again, so that a
 * sequential load gives exactly bbolt's pages. */
static uint32_t first_cut(const node *n)
{
    uint64_t *cuts = cb_malloc(((size_t)n->n + 2) * sizeof *cuts);
    uint32_t np, cut = 0;
    if (!cuts)
        return 0;
    np = split_plan(n->inodes, n->n, n->is_leaf, n->t->s->ps,
                    fill_threshold(n->t), cuts);
    if (np > 1)
        cut = (uint32_t)cuts[1];
    cb_free(cuts);
    return cut;
}

/* Gives n a page id its parent can name: a virtual one when it has none,
 * known to the tree's map. */
static int name_node(node *n)
{
    if (n->pgid != 0)
        return CBOLT_OK;
    n->pgid = VIRTUAL_PGID + n->t->next_vid++;
    if (u64map_put(&n->t->nodes, n->pgid, (uintptr_t)n) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    return CBOLT_OK;
}

/* n without a parent gets a new root branch above it, not on a page. */
static int new_root(node *n)
{
    node *p = node_new(n->t, 0, NULL);
    int rc;
    if (!p)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    /* the key n was read with may be gone or no longer the smallest */
    n->key = n->inodes[0].key;
    n->klen = n->inodes[0].klen;
    if ((rc = name_node(n)) != CBOLT_OK || (rc = add_child(p, n)) != CBOLT_OK ||
        (rc = node_put(p, n->key, n->klen, n->key, n->klen, NULL, 0, n->pgid,
                       0)) != CBOLT_OK)
        return rc;
    n->parent = p;
    n->t->root_node = p;
    return CBOLT_OK;
}

/* Makes n's separator in its parent its first key. The separator n was
 * read under may be above that key (n is the leftmost child and smaller
 * keys came in) or below it (keys were deleted, or the file's separator
 * was below the page's first key); the sibling split off n goes in right
 * after n's entry, so that entry must be below the sibling's first key.
 * Found by child id, not by key, since the key may be stale. The change
 * keeps the parent ordered: n's keys all lie between the separators
 * before and after its entry. */
/*@ requires nodes: \valid(n) && \valid(n->parent) && n->n >= 1 &&
      \valid_read(n->inodes + 0);
    requires parent: \valid(n->parent->inodes + (0 .. n->parent->n - 1));
    requires named: \exists integer j; 0 <= j < n->parent->n &&
      n->parent->inodes[j].pgid == n->pgid;
    requires separated: \separated(n, n->parent,
      n->parent->inodes + (0 .. n->parent->n - 1));
    requires apart: \separated(n->inodes + 0, n, n->parent);
    assigns n->key, n->klen, n->parent->inodes[0 .. n->parent->n - 1].key,
            n->parent->inodes[0 .. n->parent->n - 1].klen;
    ensures own: n->key == \old(n->inodes[0].key) &&
      n->klen == \old(n->inodes[0].klen);
    ensures entry: \exists integer i; 0 <= i < n->parent->n &&
      n->parent->inodes[i].pgid == n->pgid &&
      (\forall integer j; 0 <= j < i ==> n->parent->inodes[j].pgid != n->pgid) &&
      n->parent->inodes[i].key == \old(n->inodes[0].key) &&
      n->parent->inodes[i].klen == \old(n->inodes[0].klen) &&
      (\forall integer j; 0 <= j < n->parent->n && j != i ==>
        n->parent->inodes[j].key == \old(n->parent->inodes[j].key) &&
        n->parent->inodes[j].klen == \old(n->parent->inodes[j].klen)); */
static void rekey(node *n)
{
    node *p = n->parent;
    uint32_t i;
    /*@ loop invariant range: 0 <= i <= p->n;
        loop invariant before: \forall integer j; 0 <= j < i ==>
          p->inodes[j].pgid != n->pgid;
        loop assigns i;
        loop variant p->n - i; */
    for (i = 0; i < p->n && p->inodes[i].pgid != n->pgid; i++)
        ;
    CB_INVARIANT(i < p->n);
    p->inodes[i].key = n->inodes[0].key;
    p->inodes[i].klen = n->inodes[0].klen;
    n->key = n->inodes[0].key;
    n->klen = n->inodes[0].klen;
}

/* Splits n at cut `at` in memory: [at, n) go to a new sibling. */
static int split_at(node *n, uint32_t at)
{
    uint32_t cnt = n->n - at;
    node *sib;
    int rc;
    if (!n->parent && (rc = new_root(n)) != CBOLT_OK)
        return rc;
    rekey(n);
    if (!(sib = node_new(n->t, n->is_leaf, n->parent)))
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    if ((rc = reserve_inodes(sib, cnt)) != CBOLT_OK)
        return rc;
    memcpy(sib->inodes, n->inodes + at, cnt * sizeof *n->inodes);
    sib->n = cnt;
    n->n = at;
    n->planned_n = at;
    n->planned_size = node_size(n);
    sib->key = sib->inodes[0].key;
    sib->klen = sib->inodes[0].klen;
    n->t->s->stats->split++;
    if ((rc = name_node(sib)) != CBOLT_OK ||
        (rc = add_child(n->parent, sib)) != CBOLT_OK ||
        (rc = node_put(n->parent, sib->key, sib->klen, sib->key, sib->klen,
                       NULL, 0, sib->pgid, 0)) != CBOLT_OK)
        return rc;
    /* a branch's materialized children among [at, n) now hang off sib */
    return n->is_leaf ? CBOLT_OK : reparent(sib, sib->inodes, sib->n);
}

int node_settle(node *n)
{
    int rc = CBOLT_OK;
    while (n && n->n > NODE_EAGER_MAX && rc == CBOLT_OK) {
        uint32_t at = first_cut(n);
        if (at == 0)
            break; /* one page holds it all: bbolt would not split */
        rc = split_at(n, at);
        n = n->parent;
    }
    return rc;
}

/* ---- rebalance ---- */

/*@ requires parent: \valid_read(parent) &&
      \valid_read(parent->inodes + (0 .. parent->n - 1)) &&
      KeysReadable(parent->inodes, parent->n) &&
      NodeEntriesOrdered(parent->inodes, parent->n);
    requires child: \valid_read(child) &&
      \valid_read(child->key + (0 .. child->klen - 1));
    assigns \nothing;
    ensures index: \result <= parent->n;
    ensures below: \forall integer j; 0 <= j < \result ==>
      KeyLess((uint8_t *)parent->inodes[j].key, parent->inodes[j].klen,
              (uint8_t *)child->key, child->klen);
    ensures above: \forall integer j; \result < j < parent->n ==>
      KeyLess((uint8_t *)child->key, child->klen,
              (uint8_t *)parent->inodes[j].key, parent->inodes[j].klen);
    ensures at: \result < parent->n ==>
      !KeyLess((uint8_t *)parent->inodes[\result].key,
               parent->inodes[\result].klen,
               (uint8_t *)child->key, child->klen); */
static uint32_t child_index(const node *parent, const node *child)
{
    int exact;
    return inodes_search(parent->inodes, parent->n, child->key, child->klen,
                         &exact);
}

/* Forgets node m: out of its tree's map, page freed. */
static int drop(node *m)
{
    if (m->pgid >= 2)
        u64map_del(&m->t->nodes, m->pgid);
    m->dead = 1;
    return node_free_page(m);
}

/* Moves the materialized children among inodes in[0..k) under to. */
static int reparent(node *to, const inode *in, uint32_t k)
{
    uint32_t i;
    uint64_t v;
    for (i = 0; i < k; i++) {
        if (in[i].pgid >= 2 && u64map_get(&to->t->nodes, in[i].pgid, &v)) {
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
    int rc = ntree_node(n->t, n->inodes[0].pgid, n, &child);
    if (rc != CBOLT_OK)
        return rc;
    n->is_leaf = child->is_leaf;
    n->n = 0;
    if ((rc = append_inodes(n, child->inodes, child->n)) != CBOLT_OK)
        return rc;
    cb_free(n->children);
    n->children = child->children;
    n->nchildren = child->nchildren;
    n->capchildren = child->capchildren;
    child->children = NULL;
    child->nchildren = child->capchildren = 0;
    for (i = 0; i < n->n; i++)
        if (n->inodes[i].pgid >= 2 &&
            u64map_get(&n->t->nodes, n->inodes[i].pgid, &v))
            ((node *)(uintptr_t)v)->parent = n;
    child->parent = NULL;
    return drop(child);
}

/* Merges n with a sibling (bbolt's rebalance, past its early returns). */
static int merge(node *n)
{
    node *parent = n->parent, *target;
    int rc;
    if (child_index(parent, n) == 0) {
        /* the next sibling into n */
        if ((rc = node_child_at(parent, 1, &target)) != CBOLT_OK)
            return rc;
        if ((rc = reparent(n, target->inodes, target->n)) != CBOLT_OK ||
            (rc = append_inodes(n, target->inodes, target->n)) != CBOLT_OK)
            return rc;
        node_del(parent, target->key, target->klen);
        remove_child(parent, target);
        return drop(target);
    }
    /* n into the previous sibling */
    if ((rc = node_child_at(parent, child_index(parent, n) - 1, &target)) !=
        CBOLT_OK)
        return rc;
    if ((rc = reparent(target, n->inodes, n->n)) != CBOLT_OK ||
        (rc = append_inodes(target, n->inodes, n->n)) != CBOLT_OK)
        return rc;
    node_del(parent, n->key, n->klen);
    remove_child(parent, n);
    return drop(n);
}

/* One step of bbolt's node.rebalance on n; *up is the parent to
 * rebalance next (NULL: done). */
static int rebalance_step(node *n, node **up)
{
    uint64_t threshold = n->t->s->ps / 4;
    uint32_t min_keys = n->is_leaf ? 1 : 2;
    node *parent = n->parent;
    int rc;

    *up = NULL;
    if (!n->unbalanced || n->dead)
        return CBOLT_OK;
    n->unbalanced = 0;
    n->t->s->stats->rebalance++;
    if (node_size(n) > threshold && n->n > min_keys)
        return CBOLT_OK;
    if (!parent)
        return !n->is_leaf && n->n == 1 ? collapse_root(n) : CBOLT_OK;
    if (n->n == 0) {
        node_del(parent, n->key, n->klen);
        remove_child(parent, n);
        rc = drop(n);
    } else {
        rc = merge(n);
    }
    *up = parent;
    return rc;
}

static int node_rebalance(node *n)
{
    int rc = CBOLT_OK;
    while (n && rc == CBOLT_OK)
        rc = rebalance_step(n, &n);
    return rc;
}

/* ---- trees ---- */

/* Every field set (memset's zeroes field by field: WP's Typed model
 * reads no struct through memset's char stores). */
void ntree_init(ntree *t, snap *s, pager *pg, node **all, uint64_t root,
                const page_view *inl)
{
    /* field by field, every field (was a memset of *t: the provers'
     * Typed model does not read a struct's fields through memset's
     * bytes) */
    t->s = s;
    t->pg = pg;
    t->all = all;
    t->root = root;
    t->inl.data = NULL;
    t->inl.len = 0;
    t->inl.id = 0;
    t->inl.flags = 0;
    t->inl.count = 0;
    t->has_inline = 0;
    t->root_node = NULL;
    t->nodes.keys = NULL;
    t->nodes.vals = NULL;
    t->nodes.cap = 0;
    t->nodes.used = 0;
    t->nodes.live = 0;
    t->next_vid = 0;
    t->fill = 0.5;
    if (root == 0 && inl) {
        t->inl.data = inl->data;
        t->inl.len = inl->len;
        t->inl.id = inl->id;
        t->inl.flags = inl->flags;
        t->inl.count = inl->count;
        t->has_inline = 1;
    }
}

void ntree_release(ntree *t)
{
    u64map_free(&t->nodes);
}

int ntree_page_node(ntree *t, uint64_t pgid, page_view *pv, node **n)
{
    uint64_t v;
    *n = NULL;
    if (pgid >= 2 && u64map_get(&t->nodes, pgid, &v)) {
        *n = (node *)(uintptr_t)v;
        return CBOLT_OK;
    }
    if (t->root == 0) {
        if (pgid != 0)
            return cb_corrupt(pgid, RULE_INLINE_PAGE,
                              "child page in an inline bucket");
        if (t->root_node) {
            *n = t->root_node;
            return CBOLT_OK;
        }
        CB_INVARIANT(t->has_inline);
        *pv = t->inl;
        return CBOLT_OK;
    }
    return snap_page(t->s, pgid, pv);
}

int ntree_node(ntree *t, uint64_t pgid, node *parent, node **out)
{
    page_view pv;
    node *n;
    uint64_t v;
    int rc;
    if (pgid == 0 && t->root == 0 && t->root_node) {
        *out = t->root_node;
        return CBOLT_OK;
    }
    if (pgid >= 2 && u64map_get(&t->nodes, pgid, &v)) {
        *out = (node *)(uintptr_t)v;
        return CBOLT_OK;
    }
    if (t->root == 0 && t->has_inline)
        pv = t->inl;
    else if ((rc = snap_page(t->s, pgid, &pv)) != CBOLT_OK)
        return rc;
    if (!(n = node_new(t, page_is_leaf(&pv), parent)))
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    if ((rc = node_read(n, &pv)) != CBOLT_OK)
        return rc;
    if (!parent)
        t->root_node = n;
    else if ((rc = add_child(parent, n)) != CBOLT_OK)
        return rc;
    if (pgid >= 2 && u64map_put(&t->nodes, pgid, (uintptr_t)n) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "node: out of memory");
    *out = n;
    return CBOLT_OK;
}

int ntree_touch(ntree *t)
{
    node *n;
    if (t->root_node)
        return CBOLT_OK;
    return ntree_node(t, t->root, NULL, &n);
}

int ntree_rebalance(ntree *t)
{
    node **list;
    size_t n = 0, i;
    int rc = CBOLT_OK;
    list = cb_malloc((t->nodes.live + 1) * sizeof *list);
    if (!list)
        return cb_error(CBOLT_ERR_NOMEM, "rebalance: out of memory");
    for (i = 0; i < t->nodes.cap; i++)
        if (t->nodes.keys[i] >= 2)
            list[n++] = (node *)(uintptr_t)t->nodes.vals[i];
    if (t->root == 0 && t->root_node)
        list[n++] = t->root_node;
    for (i = 0; i < n && rc == CBOLT_OK; i++)
        rc = node_rebalance(list[i]);
    cb_free(list);
    return rc;
}

int ntree_spill(ntree *t)
{
    int rc;
    if (!t->root_node)
        return CBOLT_OK;
    if ((rc = node_spill(t->root_node)) != CBOLT_OK)
        return rc;
    t->root_node = node_root(t->root_node);
    t->root = t->root_node->pgid;
    return CBOLT_OK;
}

/* One level of the path of ntree_free_pages(). */
typedef struct free_frame {
    node *n;                 /* the level is this node, or else pv */
    page_view pv;
    uint32_t next;
} free_frame;

/*@ requires frame: \valid_read(f);
    requires node: f->n != \null ==> \valid_read(f->n);
    assigns \nothing;
    ensures count: \result == (f->n != \null ? f->n->n : f->pv.count); */
static uint32_t frame_count(const free_frame *f)
{
    return f->n ? f->n->n : f->pv.count;
}

/*@ requires frame: \valid_read(f);
    requires node: f->n != \null ==> \valid_read(f->n);
    assigns \nothing;
    ensures node: f->n != \null ==> \result == f->n->is_leaf;
    ensures page: f->n == \null ==>
      (\result != 0 <==> (f->pv.flags & PageLeaf) != 0); */
static int frame_leaf(const free_frame *f)
{
    return f->n ? f->n->is_leaf : page_is_leaf(&f->pv);
}

/* Frees the page or node of pgid and makes it the frame f. */
static int free_level(ntree *t, uint64_t pgid, free_frame *f)
{
    int rc = ntree_page_node(t, pgid, &f->pv, &f->n);
    f->next = 0;
    if (rc != CBOLT_OK)
        return rc;
    return f->n ? node_free_page(f->n) : pager_free(t->pg, pgid);
}

int ntree_free_pages(ntree *t)
{
    free_frame *path;
    int d = 1, rc;
    if (t->root == 0 && !t->root_node)
        return CBOLT_OK;
    if (!(path = cb_malloc(CBOLT_MAX_TREE_DEPTH * sizeof *path)))
        return cb_error(CBOLT_ERR_NOMEM, "free: out of memory");
    if (t->root_node) { /* the tree as materialized, split or not */
        path[0].n = t->root_node;
        path[0].next = 0;
        rc = node_free_page(t->root_node);
    } else {
        rc = free_level(t, t->root, &path[0]);
    }
    while (d > 0 && rc == CBOLT_OK) {
        free_frame *f = &path[d - 1];
        uint64_t child;
        if (frame_leaf(f) || f->next >= frame_count(f)) {
            d--;
            continue;
        }
        child = f->n ? f->n->inodes[f->next].pgid
                     : page_branch_child(&f->pv, f->next);
        f->next++;
        if (d >= CBOLT_MAX_TREE_DEPTH)
            rc = cb_corrupt(child, RULE_TREE_DEPTH,
                            "tree deeper than %d levels",
                            CBOLT_MAX_TREE_DEPTH);
        else
            rc = free_level(t, child, &path[d++]);
    }
    cb_free(path);
    t->root = 0;
    return rc;
}

int ntree_inlineable(const ntree *t)
{
    const node *n = t->root_node;
    uint64_t size = PAGE_HDR_SIZE;
    uint32_t i;
    /* an inline page counts its elements in 16 bits too */
    if (!n || !n->is_leaf || n->n > PAGE_MAX_ELEMS)
        return 0;
    /*@ loop invariant range: 0 <= i <= n->n;
        loop invariant size: size == PartSize(n->inodes, 1, i);
        loop invariant bound: size <= PageHdrSize + i * (ElemSize + 2 * 4294967295);
        loop invariant no_bucket: \forall integer k; 0 <= k < i ==>
          (n->inodes[k].flags & LeafFlagBucket) == 0;
        loop assigns i, size;
        loop variant n->n - i; */
    for (i = 0; i < n->n; i++) {
        size += ELEM_SIZE + (uint64_t)n->inodes[i].klen + n->inodes[i].vlen;
        if (n->inodes[i].flags & LEAF_FLAG_BUCKET)
            return 0;
    }
    return size <= t->s->ps / 4;
}

uint32_t ntree_inline_size(const ntree *t)
{
    return (uint32_t)node_size(t->root_node);
}

void ntree_write_inline(const ntree *t, uint8_t *buf)
{
    node_write(t->root_node, buf);
}
