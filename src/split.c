/*
 * split.c - the proved array steps on a node's elements: the lower bound
 * (through page.c's keys_lower_bound()), put (replace or insert, keeping
 * the keys ordered), delete, and bbolt's split plan (splitIndex,
 * sizeLessThan, the loop of splitTwo) with its checker.
 *
 * Owns: see split.h.
 * Invariants: pure functions on inode arrays: no allocation, no I/O, no
 * state; every sum of sizes is computed in 64-bit arithmetic that the
 * proofs show cannot wrap.
 */
#include "split.h"

/* The index of the first inode with key >= key; *exact when that key
 * equals key (the lower bound, bbolt's sort.Search in node.put; contract
 * in split.h). */
uint32_t inodes_search(const inode *in, uint32_t n, const uint8_t *key,
                       uint32_t klen, int *exact)
{
    keyseq s;
    uint32_t i;
    s.page = NULL;
    s.in = in;
    s.n = n;
    //@ assert seq: s.page == \null && s.in == in && s.n == n;
    /*@ assert keys: \forall integer j; 0 <= j < n ==>
          SeqKey(&s, j) == (uint8_t *)in[j].key && SeqKlen(&s, j) == in[j].klen; */
    i = keys_lower_bound(&s, key, klen, exact);
    /*@ assert keys_kept: \forall integer j; 0 <= j < n ==>
          SeqKey(&s, j) == (uint8_t *)in[j].key && SeqKlen(&s, j) == in[j].klen; */
    return i;
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
    /*@ assert at_below: NodeEntriesOrdered(in, n) ==>
          \forall integer j; at < j < n ==>
            KeyLess((uint8_t *)in[at].key, in[at].klen, (uint8_t *)in[j].key, in[j].klen); */
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
uint32_t inodes_put(inode *in, uint32_t n, const uint8_t *old_key,
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
    ensures rule: \result == SplitIndex(in, is_leaf, n, threshold);
*/
uint32_t split_index(const inode *in, uint32_t n, int is_leaf,
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
                              (i <= 2 && sz <= PageHdrSize + i * 0x20000000F);
        loop invariant rule: n >= 3 ==> SplitIndex(in, is_leaf, n, threshold) ==
                              SplitIndexFrom(in, is_leaf, n, threshold, i);
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
static int split_size_less_than(const inode *in, uint32_t n, int is_leaf,
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
    ensures bbolt: SplitCutsAsBbolt(in, is_leaf, n, cuts, \result, page_size,
                                    threshold);
*/
uint32_t split_plan(const inode *in, uint32_t n, int is_leaf,
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
        loop invariant bbolt: \forall integer j; 0 <= j < np ==>
            SplitCutAt(in, is_leaf, n, page_size, threshold, cuts[j], cuts[j+1]);
        loop assigns lo, np, at, cuts[1 .. n + 1];
        loop variant n - lo; */
    while (n - lo > 2 * MIN_KEYS_PER_PAGE &&
           !split_size_less_than(in + lo, n - lo, is_leaf, page_size)) {
        at = split_index(in + lo, n - lo, is_leaf, threshold);
        /*@ assert part:
                PartFitsThreshold(in, is_leaf, lo, lo + at, threshold); */
        /*@ assert part_page:
                PartFitsPage(in, is_leaf, lo, lo + at, page_size); */
        /*@ assert cut: SplitCutAt(in, is_leaf, n, page_size, threshold,
                                   lo, lo + at); */
        lo += at;
        np++;
        cuts[np] = lo;
    }
    /* The last part, [lo, n), takes less than page_size bytes or has too
     * few inodes to split. */
    //@ assert tail: PartFitsPage(in, is_leaf, lo, n, page_size);
    //@ assert tail_bbolt: !RestNeedsSplit(in, is_leaf, lo, n, page_size);
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
    /*@ assert bbolt: SplitCutsAsBbolt(in, is_leaf, n, cuts, np, page_size,
                                       threshold); */
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
static int split_part_valid(const inode *in, uint32_t n, int is_leaf,
                           uint64_t page_size, uint64_t threshold,
                           uint32_t np, uint32_t j, uint64_t a, uint64_t b)
{
    if (a > b || b > n)
        return 2;
    if (np > 1 && b - a < MIN_KEYS_PER_PAGE)
        return 3;
    if (b - a > 2 * MIN_KEYS_PER_PAGE &&
        !split_size_less_than(in + a, (uint32_t)(b - a), is_leaf,
                             page_size + 1))
        return 4;
    if (j + 1 < np && b - a != MIN_KEYS_PER_PAGE &&
        !split_size_less_than(in + a, (uint32_t)(b - a), is_leaf,
                             threshold + 1))
        return 5;
    return 0;
}

/* Checks a split plan against spec/node.acsl's SplitResultValid: 0 when
 * valid, otherwise the number of the first rule broken (1: the ends, then
 * split_part_valid()'s codes for the first part that breaks one). For
 * tests. */
/*@ requires valid_in: \valid_read(in + (0 .. n - 1));
    requires valid_cuts: \valid_read(cuts + (0 .. np));
    requires sizes: page_size < 0x4000000000000000 &&
                    threshold < 0x4000000000000000;
    assigns \nothing;
    ensures valid: \result == 0 <==>
        SplitResultValid(in, is_leaf, n, cuts, np, page_size, threshold);
*/
int split_valid(const inode *in, uint32_t n, int is_leaf,
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
        rc = split_part_valid(in, n, is_leaf, page_size, threshold, np, j,
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

/* node_del's array step: removes in[at], moving in[at + 1 .. n) one place
 * down. A copy loop rather than memmove(), so that the proof sees struct
 * copies (WP's Typed model cannot read a byte-wise memmove back as
 * inodes); the same move. Its contract (split.h) is smaller than
 * inodes_insert_at's: RTE, what it writes and its result. The move itself (each in[j] for
 * j >= at is the old in[j + 1], the order kept) is NOT proved: with those
 * clauses the frame goals of the struct copies went past the step limit
 * (proofs/README.md). */
uint32_t inodes_remove_at(inode *in, uint32_t n, uint32_t at)
{
    uint32_t k;
    /*@ loop invariant range: at <= k <= n - 1;
        loop assigns k, in[at .. n - 2];
        loop variant n - k; */
    for (k = at; k + 1 < n; k++)
        in[k] = in[k + 1];
    return n - 1;
}

/* Bytes inodes [0, n) take on a page, header included (node.c's
 * node_size(); PartSize of spec/split.acsl). */
uint64_t inodes_size(const inode *in, uint32_t n, int is_leaf)
{
    uint64_t sz = PAGE_HDR_SIZE;
    uint32_t i;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant size: sz == PartSize(in, is_leaf, i);
        loop invariant bound: sz <= PageHdrSize + i * 0x20000000F;
        loop assigns i, sz;
        loop variant n - i; */
    for (i = 0; i < n; i++)
        sz += (uint64_t)ELEM_SIZE + in[i].klen + (is_leaf ? in[i].vlen : 0);
    return sz;
}
