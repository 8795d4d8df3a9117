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

/* The index of the first inode with key >= key; *exact when that key
 * equals key (the lower bound, bbolt's sort.Search in node.put). */
/*@ requires valid: \valid_read(in + (0 .. n - 1));
    requires keys: KeysReadable(in, n);
    requires ordered: NodeEntriesOrdered(in, n);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(exact);
    requires separated: \separated(exact, in + (0 .. n - 1));
    assigns *exact;
    ensures index: \result <= n;
    ensures below: \forall integer j; 0 <= j < \result ==>
      KeyLess((uint8_t *)in[j].key, in[j].klen, key, klen);
    ensures above: \forall integer j; \result < j < n ==>
      KeyLess(key, klen, (uint8_t *)in[j].key, in[j].klen);
    ensures exact: *exact == 1 <==>
      \result < n && KeyEqual((uint8_t *)in[\result].key, in[\result].klen, key, klen);
    ensures at: \result < n && *exact == 0 ==>
      KeyLess(key, klen, (uint8_t *)in[\result].key, in[\result].klen);
    ensures exact_bool: *exact == 0 || *exact == 1; */
static uint32_t inodes_search(const inode *in, uint32_t n, const uint8_t *key,
                       uint32_t klen, int *exact)
{
    uint32_t lo = 0, hi = n;
    int c;
    /*@ loop invariant range: 0 <= lo <= hi <= n;
        loop invariant below: \forall integer j; 0 <= j < lo ==>
          KeyLess((uint8_t *)in[j].key, in[j].klen, key, klen);
        loop invariant not_below: \forall integer j; hi <= j < n ==>
          !KeyLess((uint8_t *)in[j].key, in[j].klen, key, klen);
        loop assigns lo, hi;
        loop variant hi - lo; */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (key_cmp(in[mid].key, in[mid].klen, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *exact = 0;
    if (lo == n)
        return lo;
    c = key_cmp(key, klen, in[lo].key, in[lo].klen);
    //@ assert le: c <= 0;
    /*@ assert above: \forall integer j; lo < j < n ==>
          KeyLess(key, klen, (uint8_t *)in[j].key, in[j].klen); */
    *exact = c == 0;
    return lo;
}

/* Moves in[at .. n) one place up, to in[at + 1 .. n]. Ordered inodes
 * stay ordered around the hole at in[at]. */
/*@ requires valid: \valid(in + (0 .. n));
    requires range: at <= n;
    assigns in[at + 1 .. n];
    ensures before: \forall integer j; 0 <= j <= at ==> InodeSame{Here, Pre}(in + j, in + j);
    ensures after: \forall integer j; at < j <= n ==> InodeSame{Here, Pre}(in + j, in + (j - 1));
    ensures ordered: \old(NodeEntriesOrdered(in, n)) ==>
      \forall integer a, b; 0 <= a < b <= n && a != at && b != at ==>
        KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[b].key, in[b].klen); */
static void inodes_shift_up(inode *in, uint32_t at, uint32_t n)
{
    uint32_t k;
    /*@ loop invariant range: at <= k <= n;
        loop invariant before: \forall integer j; 0 <= j <= k ==> InodeSame{Here, Pre}(in + j, in + j);
        loop invariant after: \forall integer j; k < j <= n ==> InodeSame{Here, Pre}(in + j, in + (j - 1));
        loop invariant lower: \at(NodeEntriesOrdered(in, n), Pre) ==>
          \forall integer a, b; 0 <= a < b < k ==>
          KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[b].key, in[b].klen);
        loop invariant upper: \at(NodeEntriesOrdered(in, n), Pre) ==>
          \forall integer a, b; k < a < b <= n ==>
          KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[b].key, in[b].klen);
        loop invariant cross: \at(NodeEntriesOrdered(in, n), Pre) ==>
          \forall integer a, b; 0 <= a < k < b <= n ==>
          KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[b].key, in[b].klen);
        loop assigns k, in[at + 1 .. n];
        loop variant k - at; */
    for (k = n; k > at; k--) {
        /*@ assert lo: \at(NodeEntriesOrdered(in, n), Pre) ==>
              \forall integer a; 0 <= a < k - 1 ==>
              KeyLess((uint8_t *)in[a].key, in[a].klen,
                      (uint8_t *)in[k - 1].key, in[k - 1].klen); */
        in[k] = in[k - 1];
        //@ assert copied: in[k].key == in[k - 1].key && in[k].klen == in[k - 1].klen;
        /*@ assert keep_lo: \forall integer j; 0 <= j < k ==>
              InodeSame{Here, LoopCurrent}(in + j, in + j); */
        /*@ assert keep_hi: \forall integer j; k < j <= n ==>
              InodeSame{Here, LoopCurrent}(in + j, in + j); */
    }
}

/* Inserts *x at index at of in[0 .. n): in[at .. n) move one place up.
 * When x's key lies between in[at - 1] and in[at], order is kept. */
/*@ requires valid: \valid(in + (0 .. n));
    requires range: at <= n;
    requires valid_x: \valid_read(x);
    requires separated: \separated(x, in + (0 .. n));
    assigns in[at .. n];
    ensures before: \forall integer j; 0 <= j < at ==> InodeSame{Here, Pre}(in + j, in + j);
    ensures same: InodeSame{Here, Pre}(in + at, x);
    ensures after: \forall integer j; at < j <= n ==> InodeSame{Here, Pre}(in + j, in + (j - 1));
    ensures ordered: \old(NodeEntriesOrdered(in, n) &&
      BelowAll(in, at, (uint8_t *)x->key, x->klen) &&
      AboveAll(in, at, n, (uint8_t *)x->key, x->klen)) ==>
      NodeEntriesOrdered(in, n + 1); */
static void inodes_insert_at(inode *in, uint32_t n, uint32_t at, const inode *x)
{
    inodes_shift_up(in, at, n);
    in[at] = *x;
    /*@ assert before: \forall integer j; 0 <= j < at ==>
          InodeSame{Here, Pre}(in + j, in + j); */
    /*@ assert after: \forall integer j; at < j <= n ==>
          InodeSame{Here, Pre}(in + j, in + (j - 1)); */
    /*@ assert rest: \at(NodeEntriesOrdered(in, n), Pre) ==>
          \forall integer a, b; 0 <= a < b <= n && a != at && b != at ==>
          KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[b].key, in[b].klen); */
    /*@ assert keys_before: \forall integer j; 0 <= j < at ==>
          in[j].key == \at(in[j].key, Pre) && in[j].klen == \at(in[j].klen, Pre); */
    /*@ assert keys_after: \forall integer j; at < j <= n ==>
          in[j].key == \at(in[j - 1].key, Pre) && in[j].klen == \at(in[j - 1].klen, Pre); */
    //@ assert key_at: in[at].key == \at(x->key, Pre) && in[at].klen == \at(x->klen, Pre);
    /*@ assert left: \at(BelowAll(in, at, (uint8_t *)x->key, x->klen), Pre) ==>
          \forall integer a; 0 <= a < at ==>
          KeyLess((uint8_t *)in[a].key, in[a].klen, (uint8_t *)in[at].key, in[at].klen); */
    /*@ assert right: \at(AboveAll(in, at, n, (uint8_t *)x->key, x->klen), Pre) ==>
          \forall integer b; at < b <= n ==>
          KeyLess((uint8_t *)in[at].key, in[at].klen, (uint8_t *)in[b].key, in[b].klen); */
}

/* Replaces in[at] by *x. When x's key equals in[at]'s, order is kept. */
/*@ requires valid: \valid(in + (0 .. n - 1));
    requires range: at < n;
    requires valid_x: \valid_read(x);
    requires separated: \separated(x, in + (0 .. n - 1));
    assigns in[at];
    ensures same: InodeSame{Here, Pre}(in + at, x);
    ensures kept: \forall integer j; 0 <= j < n && j != at ==> InodeSame{Here, Pre}(in + j, in + j);
    ensures ordered: \old(NodeEntriesOrdered(in, n) &&
      KeyEqual((uint8_t *)x->key, x->klen, (uint8_t *)in[at].key, in[at].klen)) ==>
      NodeEntriesOrdered(in, n); */
static void inodes_replace_at(inode *in, uint32_t n, uint32_t at, const inode *x)
{
    (void)n; /* the contract's */
    /*@ assert x_below: NodeEntriesOrdered(in, n) &&
          KeyEqual((uint8_t *)x->key, x->klen, (uint8_t *)in[at].key, in[at].klen) ==>
          \forall integer j; 0 <= j < at ==>
            KeyLess((uint8_t *)in[j].key, in[j].klen, (uint8_t *)x->key, x->klen); */
    /*@ assert x_above: NodeEntriesOrdered(in, n) &&
          KeyEqual((uint8_t *)x->key, x->klen, (uint8_t *)in[at].key, in[at].klen) ==>
          \forall integer j; at < j < n ==>
            KeyLess((uint8_t *)x->key, x->klen, (uint8_t *)in[j].key, in[j].klen); */
    in[at] = *x;
    /*@ assert keys: \forall integer j; 0 <= j < n && j != at ==>
          in[j].key == \at(in[j].key, Pre) && in[j].klen == \at(in[j].klen, Pre); */
}

/* node_put's array step: puts *x in place of the inode keyed old_key, or
 * inserts it where old_key belongs. *at is its index; an int64_t because
 * WP's Typed model keeps one memory per integer type, so writing it
 * leaves the uint32_t/uint64_t fields the contract reads untouched. Returns
 * the count. */
/*@ requires valid: \valid(in + (0 .. n));
    requires room: n < 0xFFFFFFFF;
    requires keys: KeysReadable(in, n);
    requires ordered: NodeEntriesOrdered(in, n);
    requires valid_x: \valid_read(x) &&
      \valid_read((uint8_t *)x->key + (0 .. x->klen - 1));
    requires valid_old: \valid_read(old_key + (0 .. old_klen - 1));
    requires valid_at: \valid(at);
    requires separated: \separated(x, at, in + (0 .. n));
    assigns in[0 .. n], *at;
    ensures count: \result == n || \result == n + 1;
    ensures replaced: \result == n ==> *at < n &&
      KeyEqual((uint8_t *)\at(in[\at(*at, Post)].key, Pre),
               \at(in[\at(*at, Post)].klen, Pre), old_key, old_klen) &&
      InodeSame{Here, Pre}(in + *at, x) &&
      (\forall integer k; 0 <= k < n && k != *at ==> InodeSame{Here, Pre}(in + k, in + k));
    ensures inserted: \result == n + 1 ==> *at <= n &&
      InodeSame{Here, Pre}(in + *at, x) &&
      (\forall integer k; 0 <= k < *at ==> InodeSame{Here, Pre}(in + k, in + k)) &&
      (\forall integer j; *at < j <= n ==> InodeSame{Here, Pre}(in + j, in + (j - 1))) &&
      (\forall integer k; 0 <= k < n ==>
        !KeyEqual((uint8_t *)\at(in[k].key, Pre), \at(in[k].klen, Pre), old_key, old_klen));
    ensures ordered: \old(KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen)) ==>
      NodeEntriesOrdered(in, \result); */
static uint32_t inodes_put(inode *in, uint32_t n, const uint8_t *old_key,
                           uint32_t old_klen, const inode *x, int64_t *at)
{
    int exact;
    uint32_t i = inodes_search(in, n, old_key, old_klen, &exact);
    if (exact) {
        /*@ assert x_same: KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen) ==>
              KeyEqual((uint8_t *)x->key, x->klen, (uint8_t *)in[i].key, in[i].klen); */
        inodes_replace_at(in, n, i, x);
        /*@ assert ord: \at(KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen), Pre) ==>
              NodeEntriesOrdered(in, n); */
        *at = i;
        return n;
    }
    /*@ assert x_below: KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen) ==>
          BelowAll(in, i, (uint8_t *)x->key, x->klen); */
    /*@ assert x_above: KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen) ==>
          AboveAll(in, i, n, (uint8_t *)x->key, x->klen); */
    /*@ assert none: \forall integer k; 0 <= k < n ==>
          !KeyEqual((uint8_t *)in[k].key, in[k].klen, old_key, old_klen); */
    inodes_insert_at(in, n, i, x);
    /*@ assert ord: \at(KeyEqual((uint8_t *)x->key, x->klen, old_key, old_klen), Pre) ==>
          NodeEntriesOrdered(in, n + 1); */
    *at = i;
    return n + 1;
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

void node_del(node *n, const uint8_t *key, uint32_t klen)
{
    int exact;
    uint32_t i = inodes_search(n->inodes, n->n, key, klen, &exact);
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

/* bbolt's sizeLessThan: whether inodes [0, n) take less than v bytes on a
 * page. Stops as soon as the size reaches v, so it never overflows. */
/*@ requires valid: \valid_read(in + (0 .. n - 1));
    requires bound: v <= 0x4000000000000000;
    assigns \nothing;
    ensures bool: \result == 0 || \result == 1;
    ensures less: \result == 1 <==> PartSize(in, is_leaf, n) < v;
*/
static int node_size_less_than(const inode *in, uint32_t n, int is_leaf,
                               uint64_t v)
{
    uint64_t sz = PAGE_HDR_SIZE;
    uint32_t i;
    //@ ghost uint32_t g;
    if (sz >= v)
        i = 0;
    else {
        /*@ loop invariant range: 0 <= i <= n;
            loop invariant size: sz == PartSize(in, is_leaf, i);
            loop invariant less: sz < v;
            loop assigns i, sz;
            loop variant n - i; */
        for (i = 0; i < n; i++) {
            sz += (uint64_t)ELEM_SIZE + in[i].klen + (is_leaf ? in[i].vlen : 0);
            if (sz >= v)
                break;
        }
        if (i == n)
            return 1;
        i++;
    }
    /* The size has reached v at inodes [0, i); it only grows. */
    //@ assert reached: i <= n && PartSize(in, is_leaf, i) >= v;
    /*@ ghost
        /@ loop invariant range: i <= g <= n;
           loop invariant reached: PartSize(in, is_leaf, g) >= v;
           loop assigns g;
           loop variant n - g; @/
        for (g = i; g < n; g++)
            ;
    */
    return 0;
}

/* bbolt's split: the loop of splitTwo over the remainder, as cuts. Part j
 * of the plan is inodes [cuts[j], cuts[j+1]), j < the result np. While the
 * remainder [lo, n) has more than 2 * MIN_KEYS_PER_PAGE inodes and does
 * not take less than page_size bytes, it is cut at splitIndex's point.
 *
 * cuts is uint64_t: WP's Typed model keeps one memory per integer type,
 * and no uint64_t field of an inode is read by PartSize or KeyLess, so
 * the writes to cuts leave the sizes and keys of the inodes untouched. */
/*@ requires valid_in: \valid_read(in + (0 .. n - 1));
    requires valid_cuts: \valid(cuts + (0 .. n + 1));
    requires sep: \separated(cuts + (0 .. n + 1), in + (0 .. n - 1));
    requires sizes: threshold <= page_size <= 0x4000000000000000;
    assigns cuts[0 .. n + 1];
    ensures parts: 1 <= \result <= n / 2 + 1;
    ensures valid: SplitResultValid(in, is_leaf, n, cuts, \result, page_size,
                                    threshold);
    ensures ordered: NodeEntriesOrdered(in, n) ==>
                     SplitPartsOrdered(in, cuts, \result);
*/
uint32_t node_split_plan(const inode *in, uint32_t n, int is_leaf,
                         uint64_t page_size, uint64_t threshold,
                         uint64_t *cuts)
{
    uint32_t lo = 0, np = 0, at;
    cuts[0] = 0;
    /*@ loop invariant range: 0 <= lo <= n && 2 * np <= lo;
        loop invariant first: cuts[0] == 0;
        loop invariant last: cuts[np] == lo;
        loop invariant rest: np > 0 ==> lo + 3 <= n;
        loop invariant bounds: \forall integer j; 0 <= j <= np ==>
            0 <= cuts[j] <= lo;
        loop invariant cuts: \forall integer j; 0 <= j < np ==>
            cuts[j] + MIN_KEYS_PER_PAGE <= cuts[j+1] <= lo;
        loop invariant fits: \forall integer j; 0 <= j < np ==>
            PartFitsThreshold(in, is_leaf, cuts[j], cuts[j+1], threshold);
        loop invariant page: \forall integer j; 0 <= j < np ==>
            PartFitsPage(in, is_leaf, cuts[j], cuts[j+1], page_size);
        loop assigns lo, np, at, cuts[1 .. n + 1];
        loop variant n - lo; */
    while (n - lo > 2 * MIN_KEYS_PER_PAGE &&
           !node_size_less_than(in + lo, n - lo, is_leaf, page_size)) {
        at = node_split_index(in + lo, n - lo, is_leaf, threshold);
        /*@ assert part:
                PartFitsThreshold(in, is_leaf, lo, lo + at, threshold); */
        /*@ assert part_page:
                PartFitsPage(in, is_leaf, lo, lo + at, page_size); */
        lo += at;
        np++;
        cuts[np] = lo;
    }
    /* The last part, [lo, n), takes less than page_size bytes or has too
     * few inodes to split. */
    //@ assert tail: PartFitsPage(in, is_leaf, lo, n, page_size);
    np++;
    cuts[np] = n;
    /*@ assert ends: 1 <= np && cuts[0] == 0 && cuts[np - 1] == lo &&
                     cuts[np] == n; */
    /*@ assert bounds: \forall integer j; 0 <= j <= np ==>
            0 <= cuts[j] <= n; */
    /*@ assert cuts: \forall integer j; 0 <= j < np ==>
            cuts[j] <= cuts[j+1] <= n; */
    /*@ assert min: np > 1 ==> \forall integer j; 0 <= j < np ==>
            cuts[j] + MIN_KEYS_PER_PAGE <= cuts[j+1]; */
    /*@ assert page: \forall integer j; 0 <= j < np ==>
            PartFitsPage(in, is_leaf, cuts[j], cuts[j+1], page_size); */
    /*@ assert fits: \forall integer j; 0 <= j < np - 1 ==>
            PartFitsThreshold(in, is_leaf, cuts[j], cuts[j+1], threshold); */
    return np;
}

/* Checks part j, inodes [a, b), of a plan of np parts for inodes [0, n)
 * against spec/node.acsl's PartValid: 0 when it obeys the rules,
 * otherwise the number of the first rule broken (2: order of the cuts,
 * 3: a part under MIN_KEYS_PER_PAGE, 4: a part over its page, 5: a part
 * over the threshold). */
/*@ requires valid_in: \valid_read(in + (0 .. n - 1));
    requires part: j < np;
    requires sizes: page_size < 0x4000000000000000 &&
                    threshold < 0x4000000000000000;
    assigns \nothing;
    ensures code: 0 <= \result <= 5 && \result != 1;
    ensures valid: \result == 0 <==>
        PartValid(in, is_leaf, n, np, j, a, b, page_size, threshold);
*/
static int node_part_valid(const inode *in, uint32_t n, int is_leaf,
                           uint64_t page_size, uint64_t threshold,
                           uint32_t np, uint32_t j, uint64_t a, uint64_t b)
{
    if (a > b || b > n)
        return 2;
    if (np > 1 && b - a < MIN_KEYS_PER_PAGE)
        return 3;
    if (b - a > 2 * MIN_KEYS_PER_PAGE &&
        !node_size_less_than(in + a, (uint32_t)(b - a), is_leaf,
                             page_size + 1))
        return 4;
    if (j + 1 < np && b - a != MIN_KEYS_PER_PAGE &&
        !node_size_less_than(in + a, (uint32_t)(b - a), is_leaf,
                             threshold + 1))
        return 5;
    return 0;
}

/* Checks a split plan against spec/node.acsl's SplitResultValid: 0 when
 * valid, otherwise the number of the first rule broken (1: the ends, then
 * node_part_valid()'s codes for the first part that breaks one). For
 * tests. */
/*@ requires valid_in: \valid_read(in + (0 .. n - 1));
    requires valid_cuts: \valid_read(cuts + (0 .. np));
    requires sizes: page_size < 0x4000000000000000 &&
                    threshold < 0x4000000000000000;
    assigns \nothing;
    ensures valid: \result == 0 <==>
        SplitResultValid(in, is_leaf, n, cuts, np, page_size, threshold);
*/
int node_split_valid(const inode *in, uint32_t n, int is_leaf,
                     uint64_t page_size, uint64_t threshold,
                     const uint64_t *cuts, uint32_t np)
{
    uint32_t j;
    int rc;
    if (np < 1 || cuts[0] != 0 || cuts[np] != n) {
        /*@ assert broken: !SplitResultValid(in, is_leaf, n, cuts, np,
                                             page_size, threshold); */
        return 1;
    }
    /*@ loop invariant range: 0 <= j <= np;
        loop invariant parts: \forall integer k; 0 <= k < j ==>
            PartValid(in, is_leaf, n, np, k, cuts[k], cuts[k+1], page_size,
                      threshold);
        loop assigns j, rc;
        loop variant np - j; */
    for (j = 0; j < np; j++) {
        rc = node_part_valid(in, n, is_leaf, page_size, threshold, np, j,
                             cuts[j], cuts[j + 1]);
        if (rc != 0) {
            /*@ assert broken: !SplitResultValid(in, is_leaf, n, cuts, np,
                                                 page_size, threshold); */
            return rc;
        }
    }
    /*@ assert page: \forall integer k; 0 <= k < np ==>
            PartFitsPage(in, is_leaf, cuts[k], cuts[k+1], page_size); */
    /*@ assert cuts: \forall integer k; 0 <= k < np ==>
            cuts[k] <= cuts[k+1] <= n; */
    /*@ assert min: np > 1 ==> \forall integer k; 0 <= k < np ==>
            cuts[k] + MIN_KEYS_PER_PAGE <= cuts[k+1]; */
    /*@ assert fits: \forall integer k; 0 <= k < np - 1 ==>
            PartFitsThreshold(in, is_leaf, cuts[k], cuts[k+1], threshold); */
    /*@ assert ok: SplitResultValid(in, is_leaf, n, cuts, np, page_size,
                                    threshold); */
    return 0;
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

/* bbolt's split followed by the spill of each part: node_split_plan()
 * gives the parts splitTwo would cut one after the other; n keeps the
 * first, a new node of n's parent (created if n has none) takes each
 * other one, and the parts are written in order, so their pages are
 * allocated in bbolt's order. */
static int split_spill(node *n, uint64_t ps)
{
    double fill = n->bucket->fill_percent;
    uint64_t threshold;
    uint64_t *cuts;
    uint32_t np, j, cnt;
    node **parts = NULL;
    int rc = CBOLT_OK;

    if (fill < MIN_FILL)
        fill = MIN_FILL;
    if (fill > MAX_FILL)
        fill = MAX_FILL;
    threshold = (uint64_t)((double)ps * fill);
    cuts = malloc(((size_t)n->n + 2) * sizeof *cuts);
    if (!cuts)
        return cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
    np = node_split_plan(n->inodes, n->n, n->is_leaf, ps, threshold, cuts);
    CB_INVARIANT(node_split_valid(n->inodes, n->n, n->is_leaf, ps, threshold,
                                  cuts, np) == 0);
    parts = malloc((size_t)np * sizeof *parts);
    if (!parts) {
        rc = cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
        goto out;
    }
    parts[0] = n;
    if (np > 1 && !n->parent) {
        n->parent = node_new(n->bucket, 0, NULL);
        if (!n->parent || add_child(n->parent, n) != CBOLT_OK) {
            rc = cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
            goto out;
        }
    }
    for (j = 1; j < np; j++) {
        node *nx = node_new(n->bucket, n->is_leaf, n->parent);
        if (!nx || add_child(n->parent, nx) != CBOLT_OK) {
            rc = cb_error(CBOLT_ERR_NOMEM, "split: out of memory");
            goto out;
        }
        cnt = (uint32_t)(cuts[j + 1] - cuts[j]);
        if ((rc = reserve_inodes(nx, cnt)) != CBOLT_OK)
            goto out;
        memcpy(nx->inodes, n->inodes + cuts[j], cnt * sizeof *n->inodes);
        nx->n = cnt;
        n->bucket->tx->stats.split++;
        parts[j] = nx;
    }
    n->n = (uint32_t)cuts[1];
    for (j = 0; j < np; j++)
        if ((rc = spill_one(parts[j])) != CBOLT_OK)
            goto out;
out:
    free(parts);
    free(cuts);
    return rc;
}

int node_spill(node *n)
{
    uint64_t ps = n->bucket->tx->db->page_size;
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
    if ((rc = split_spill(n, ps)) != CBOLT_OK)
        return rc;
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
    return inodes_search(parent->inodes, parent->n, child->key, child->klen,
                         &exact);
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
