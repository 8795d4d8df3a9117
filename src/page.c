/*
 * page.c - validation and accessors for branch and leaf pages.
 *
 * Owns: the rules page-type, page-count, branch-empty, elem-bounds,
 * key-empty, key-size, leaf-flags, bucket-value, inline-page (no
 * sub-buckets) and key-order, applied to one page run.
 * Invariants: every length is computed in 64-bit arithmetic from 32-bit
 * fields, so no sum can wrap; a page_view is filled only when every rule
 * holds.
 */
#include <string.h>

#include "page.h"

/* Bytes p[i .. i+3] as a big-endian number. The helpers take a base and
 * an index, not p + i, so that the proof's terms are p[i + k], the very
 * terms key_cmp()'s loops speak of. The body reads through q = p + i:
 * GCC 12 makes one load and a byte swap of q[0 .. 3], but four byte
 * loads, shifts and adds of p[i], p[i + 1], ... (objdump of page.o). */
/*@ requires valid: \valid_read(p + (i .. i + 3));
    requires index: i <= SIZE_MAX - 4;
    assigns \nothing;
    ensures value: \result == LD32BE(p, i); */
static inline uint32_t ld32be(const uint8_t *p, size_t i)
{
    const uint8_t *q = p + i;
    return ((uint32_t)q[0] << 24) + ((uint32_t)q[1] << 16) +
           ((uint32_t)q[2] << 8) + (uint32_t)q[3];
}

/* Bytes p[i .. i+7] as a big-endian number: comparing two such numbers
 * orders the bytes as the keys' order does (spec/key.acsl, lemmas
 * Ld64beLess and Ld64beSame). Two halves, as ld64() in format.h, so that
 * no shift is wider than the 32 bits of the Lsl* lemmas; the compiler
 * makes two loads and two byte swaps of it. */
/*@ requires valid: \valid_read(p + (i .. i + 7));
    requires index: i <= SIZE_MAX - 8;
    assigns \nothing;
    ensures value: \result == LD64BE(p, i); */
static inline uint64_t ld64be(const uint8_t *p, size_t i)
{
    return ((uint64_t)ld32be(p, i) << 32) + (uint64_t)ld32be(p, i + 4);
}

/* Keys compare eight bytes at a time while eight remain, then byte by
 * byte; memcmp() is not used because the sign of its result is not in
 * Frama-C's libc specification. */
int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    size_t i = 0;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant same: \forall integer k; 0 <= k < i ==> a[k] == b[k];
        loop assigns i;
        loop variant n - i; */
    while (n - i >= 8) {
        uint64_t x = ld64be(a, i), y = ld64be(b, i);
        /* The first byte of the eight that differs, if any (ghost: the
         * proof's witness for spec/key.acsl's Ld64beLess). */
        //@ ghost size_t m = 0;
        /*@ ghost
          /@ loop invariant range: 0 <= m <= 8;
             loop invariant same: \forall integer k; i <= k < i + m ==> a[k] == b[k];
             loop assigns m;
             loop variant 8 - m; @/
          while (m < 8 && a[i + m] == b[i + m])
              m++;
        */
        /*@ assert bytes: Bytes8(a, i) && Bytes8(b, i); */
        /*@ assert cases: m == 0 || m == 1 || m == 2 || m == 3 || m == 4 ||
              m == 5 || m == 6 || m == 7 || m == 8; */
        /*@ assert less0: m == 0 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater0: m == 0 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less1: m == 1 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater1: m == 1 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less2: m == 2 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater2: m == 2 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less3: m == 3 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater3: m == 3 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less4: m == 4 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater4: m == 4 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less5: m == 5 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater5: m == 5 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less6: m == 6 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater6: m == 6 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less7: m == 7 ==> a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater7: m == 7 ==> b[i + m] < a[i + m] ==> y < x; */
        /*@ assert less: m < 8 && a[i + m] < b[i + m] ==> x < y; */
        /*@ assert greater: m < 8 && b[i + m] < a[i + m] ==> y < x; */
        /*@ assert same: m == 8 ==> x == y; */
        if (x != y) {
            /*@ assert differ: m < 8 && a[i + m] != b[i + m]; */
            /*@ assert lt: x < y ==> KeyLess(a, alen, b, blen); */
            /*@ assert gt: y < x ==> KeyLess(b, blen, a, alen); */
            /*@ assert ne: !KeyEqual(a, alen, b, blen); */
            /*@ assert lt_not: x < y ==> !KeyLess(b, blen, a, alen); */
            /*@ assert gt_not: y < x ==> !KeyLess(a, alen, b, blen); */
            return x < y ? -1 : 1;
        }
        /*@ assert word: \forall integer k; i <= k < i + 8 ==> a[k] == b[k]; */
        i += 8;
    }
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant same: \forall integer k; 0 <= k < i ==> a[k] == b[k];
        loop assigns i;
        loop variant n - i; */
    for (; i < n; i++)
        if (a[i] != b[i]) {
            /*@ assert ne: !KeyEqual(a, alen, b, blen); */
            /*@ assert lt: a[i] < b[i] ==>
                  KeyLess(a, alen, b, blen) && !KeyLess(b, blen, a, alen); */
            /*@ assert gt: b[i] < a[i] ==>
                  KeyLess(b, blen, a, alen) && !KeyLess(a, alen, b, blen); */
            return a[i] < b[i] ? -1 : 1;
        }
    /*@ assert eq: alen == blen ==> KeyEqual(a, alen, b, blen); */
    /*@ assert eq_not: alen == blen ==>
          !KeyLess(a, alen, b, blen) && !KeyLess(b, blen, a, alen); */
    /*@ assert lt: alen < blen ==> KeyLess(a, alen, b, blen); */
    /*@ assert lt_not: alen < blen ==>
          !KeyEqual(a, alen, b, blen) && !KeyLess(b, blen, a, alen); */
    /*@ assert gt: blen < alen ==> KeyLess(b, blen, a, alen); */
    /*@ assert gt_not: blen < alen ==>
          !KeyEqual(a, alen, b, blen) && !KeyLess(a, alen, b, blen); */
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/*@ assigns \nothing;
    ensures type: \result != 0 <==>
      (((flags & PageTypeMask) == PageBranch && (want & PV_BRANCH) != 0) ||
       ((flags & PageTypeMask) == PageLeaf && (want & PV_LEAF) != 0)); */
static int type_ok(uint16_t flags, unsigned want)
{
    uint16_t t = (uint16_t)(flags & PAGE_TYPE_MASK);
    if (t == PAGE_BRANCH)
        return (want & PV_BRANCH) != 0;
    if (t == PAGE_LEAF)
        return (want & PV_LEAF) != 0;
    return 0;
}

/* Checks element i's key (and value, on a leaf) against the buffer. */
/*@ requires valid: \valid_read(data + (0 .. len - 1));
    requires leaf: leaf != 0 <==> IsLeaf(data);
    requires index: ElemOff(i + 1) <= len;
    assigns \nothing;
    ensures ok_iff: \result == RULE_OK <==> ElemOk(data, len, want, i);
    ensures rule: \result == ElemRule(data, len, want, i); */
static int elem_check(const uint8_t *data, size_t len, int leaf,
                      unsigned want, uint32_t i)
{
    uint64_t off = (uint64_t)PAGE_HDR_SIZE + (uint64_t)ELEM_SIZE * i;
    const uint8_t *e = data + off;
    uint64_t pos, ksize, vsize = 0;
    uint32_t flags = 0;

    if (leaf) {
        flags = ld32(e + LEAF_OFF_FLAGS);
        pos = ld32(e + LEAF_OFF_POS);
        ksize = ld32(e + LEAF_OFF_KSIZE);
        vsize = ld32(e + LEAF_OFF_VSIZE);
    } else {
        pos = ld32(e + BRANCH_OFF_POS);
        ksize = ld32(e + BRANCH_OFF_KSIZE);
    }
    if (off + pos + ksize + vsize > len)
        return RULE_ELEM_BOUNDS;
    if (ksize == 0)
        return RULE_KEY_EMPTY;
    /* flags is 0 or LEAF_FLAG_BUCKET past this test; comparisons rather
     * than bit tests keep the proof in plain arithmetic. */
    if (flags > LEAF_FLAG_BUCKET)
        return RULE_LEAF_FLAGS;
    /* bbolt limits the keys of values only: CreateBucket takes any name
     * length, and branch keys repeat bucket names. */
    if (leaf && flags != LEAF_FLAG_BUCKET && ksize > CBOLT_MAX_KEY_SIZE)
        return RULE_KEY_SIZE;
    if (flags == LEAF_FLAG_BUCKET) {
        if (want & PV_NO_BUCKETS)
            return RULE_INLINE_PAGE;
        if (vsize < BUCKET_HDR_SIZE)
            return RULE_BUCKET_VALUE;
    }
    return RULE_OK;
}

/* Checks elements 0 .. count-1 one by one: RULE_OK, or the first rule
 * broken with *bad set to that element's index. */
/*@ requires valid: \valid_read(data + (0 .. len - 1));
    requires leaf: leaf != 0 <==> IsLeaf(data);
    requires count: ElemOff(count) <= len;
    requires valid_bad: \valid(bad);
    assigns *bad;
    ensures ok_iff: \result == RULE_OK <==> ElemsOk(data, len, want, count);
    ensures in_bounds: \result == RULE_OK ==> ElemsInBounds(data, len, count);
    ensures bad_kept: \result == RULE_OK ==> *bad == \old(*bad);
    ensures rule: \result == ElemsRule(data, len, want, count);
    ensures first_bad: \result != RULE_OK ==>
      *bad < count && ElemsOk(data, len, want, *bad) &&
      \result == ElemRule(data, len, want, *bad); */
static int elems_check(const uint8_t *data, size_t len, int leaf,
                       unsigned want, uint16_t count, uint32_t *bad)
{
    uint32_t i;
    /*@ loop invariant range: 0 <= i <= count;
        loop invariant ok: ElemsOk(data, len, want, i);
        loop invariant in_bounds: ElemsInBounds(data, len, i);
        loop invariant bad_kept: *bad == \at(*bad, Pre);
        loop invariant first: FirstBadElem(data, len, want, i) == i;
        loop assigns i, *bad;
        loop variant count - i; */
    for (i = 0; i < count; i++) {
        int rule = elem_check(data, len, leaf, want, i);
        if (rule != RULE_OK) {
            /* Ghost: element i stays the first bad one of 0 .. j-1 for
             * every j up to count (one unfolding of FirstBadElem per j). */
            /*@ ghost
              uint32_t j = i + 1;
              /@ loop invariant range: i < j <= count;
                 loop invariant first: FirstBadElem(data, len, want, j) == i;
                 loop assigns j;
                 loop variant count - j; @/
              while (j < count)
                  j++;
            */
            *bad = i;
            return rule;
        }
    }
    return RULE_OK;
}

/* Checks that the keys of a view whose elements are in bounds strictly
 * increase: RULE_OK, or RULE_KEY_ORDER with *bad the index of the first
 * key not above the one before it. */
/*@ requires view: PageViewInBounds(pv);
    requires valid_bad: \valid(bad);
    requires separated: \separated(pv, bad);
    assigns *bad;
    ensures ok_iff: \result == RULE_OK <==> KeysOrdered(pv->data, pv->count);
    ensures result: \result == RULE_OK || \result == RULE_KEY_ORDER;
    ensures bad_kept: \result == RULE_OK ==> *bad == \old(*bad);
    ensures first_bad: \result == RULE_KEY_ORDER ==>
      1 <= *bad < pv->count && KeysOrdered(pv->data, *bad) &&
      KeyNotAbovePrev(pv->data, *bad); */
static int keys_check(const page_view *pv, uint32_t *bad)
{
    uint32_t i;
    /*@ loop invariant range: 1 <= i && (pv->count > 0 ==> i <= pv->count);
        loop invariant ordered: KeysOrdered(pv->data, i);
        loop invariant bad_kept: *bad == \at(*bad, Pre);
        loop assigns i, *bad;
        loop variant pv->count - i; */
    for (i = 1; i < pv->count; i++) {
        const uint8_t *a, *b;
        uint32_t alen, blen;
        page_key(pv, i - 1, &a, &alen);
        page_key(pv, i, &b, &blen);
        if (key_cmp(a, alen, b, blen) >= 0) {
            *bad = i;
            return RULE_KEY_ORDER;
        }
        /*@ assert less: KeyLess(pv->data + KeyOff(pv->data, i - 1),
                                 KeySize(pv->data, i - 1),
                                 pv->data + KeyOff(pv->data, i),
                                 KeySize(pv->data, i)); */
        /*@ assert ordered_next: \forall integer j; 0 <= j < i ==>
              KeyLess(pv->data + KeyOff(pv->data, j), KeySize(pv->data, j),
                      pv->data + KeyOff(pv->data, i), KeySize(pv->data, i)); */
    }
    return RULE_OK;
}

/* page_validate()'s contract in page.h says when it returns RULE_OK;
 * these behaviours, merged with it, say which rule it returns otherwise
 * and which element *bad names. The rules in checking order, one
 * behaviour each: page-count (len < 16), page-type, page-count,
 * branch-empty, with *bad 0; then element by element, each against
 * elem-bounds, key-empty, leaf-flags, key-size, inline-page and
 * bucket-value (ElemRule), with *bad the index of the first element that
 * breaks one (every element before it passes); then key-order, with *bad
 * the index of the first key not above the one before it; RULE_OK with
 * *bad 0. */
/*@ behavior short:
      assumes len < PageHdrSize;
      ensures rule: \result == RULE_PAGE_COUNT && *bad == 0;
    behavior type:
      assumes len >= PageHdrSize && !PageTypeOk(data, want);
      ensures rule: \result == RULE_PAGE_TYPE && *bad == 0;
    behavior count:
      assumes len >= PageHdrSize && PageTypeOk(data, want);
      assumes ElemOff(PageCount(data)) > len;
      ensures rule: \result == RULE_PAGE_COUNT && *bad == 0;
    behavior branch_empty:
      assumes len >= PageHdrSize && PageTypeOk(data, want);
      assumes ElemOff(PageCount(data)) <= len;
      assumes !IsLeaf(data) && PageCount(data) == 0;
      ensures rule: \result == RULE_BRANCH_EMPTY && *bad == 0;
    behavior elem_bounds:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_ELEM_BOUNDS;
      ensures rule: \result == RULE_ELEM_BOUNDS;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_ELEM_BOUNDS;
    behavior key_empty:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_KEY_EMPTY;
      ensures rule: \result == RULE_KEY_EMPTY;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_KEY_EMPTY;
    behavior leaf_flags:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_LEAF_FLAGS;
      ensures rule: \result == RULE_LEAF_FLAGS;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_LEAF_FLAGS;
    behavior key_size:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_KEY_SIZE;
      ensures rule: \result == RULE_KEY_SIZE;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_KEY_SIZE;
    behavior inline_page:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_INLINE_PAGE;
      ensures rule: \result == RULE_INLINE_PAGE;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_INLINE_PAGE;
    behavior bucket_value:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_BUCKET_VALUE;
      ensures rule: \result == RULE_BUCKET_VALUE;
      ensures bad: *bad < PageCount(data) && ElemsOk(data, len, want, *bad) &&
              ElemRule(data, len, want, *bad) == RULE_BUCKET_VALUE;
    behavior key_order:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_OK;
      assumes !KeysOrdered(data, PageCount(data));
      ensures rule: \result == RULE_KEY_ORDER;
      ensures bad: 1 <= *bad < PageCount(data) && KeysOrdered(data, *bad) &&
              KeyNotAbovePrev(data, *bad);
    behavior ok:
      assumes PageHeaderOk(data, len, want);
      assumes ElemsRule(data, len, want, PageCount(data)) == RULE_OK;
      assumes KeysOrdered(data, PageCount(data));
      ensures rule: \result == RULE_OK && *bad == 0;
    complete behaviors;
    disjoint behaviors; */
int page_validate(const uint8_t *data, size_t len, unsigned want,
                  page_view *pv, uint32_t *bad)
{
    int rule;
    uint16_t flags, count;
    int leaf;

    *bad = 0;
    if (len < PAGE_HDR_SIZE)
        return RULE_PAGE_COUNT;
    flags = ld16(data + PAGE_OFF_FLAGS);
    count = ld16(data + PAGE_OFF_COUNT);
    if (!type_ok(flags, want))
        return RULE_PAGE_TYPE;
    leaf = (flags & PAGE_LEAF) != 0;
    if ((uint64_t)PAGE_HDR_SIZE + (uint64_t)ELEM_SIZE * count > len)
        return RULE_PAGE_COUNT;
    if (!leaf && count == 0)
        return RULE_BRANCH_EMPTY;
    pv->data = data;
    pv->len = len;
    pv->id = ld64(data + PAGE_OFF_ID);
    pv->flags = flags;
    pv->count = count;
    rule = elems_check(data, len, leaf, want, count, bad);
    if (rule == RULE_OK)
        rule = keys_check(pv, bad);
    return rule;
}

int page_locate(const uint8_t *base, uint64_t page_size, uint64_t hwm,
                uint64_t pgid, size_t *len)
{
    const uint8_t *p;
    uint64_t ovf;
    if (pgid < 2 || pgid >= hwm)
        return RULE_PAGE_ID_RANGE;
    //@ assert inside: pgid * page_size + page_size <= hwm * page_size;
    //@ assert header: pgid * page_size + PageHdrSize <= hwm * page_size;
    p = base + pgid * page_size;
    if (ld64(p + PAGE_OFF_ID) != pgid)
        return RULE_PAGE_ID_MISMATCH;
    ovf = ld32(p + PAGE_OFF_OVERFLOW);
    if (ovf >= hwm - pgid)
        return RULE_PAGE_FILE_RANGE;
    //@ assert run: (ovf + 1) * page_size <= (hwm - pgid) * page_size;
    *len = (size_t)((ovf + 1) * page_size);
    return RULE_OK;
}

int page_read(const uint8_t *base, uint64_t page_size, uint64_t hwm,
              uint64_t pgid, unsigned want, page_view *pv, uint32_t *bad)
{
    size_t len;
    int rule = page_locate(base, page_size, hwm, pgid, &len);
    *bad = 0;
    if (rule != RULE_OK)
        return rule;
    rule = page_validate(base + pgid * page_size, len, want, pv, bad);
    if (rule == RULE_OK)
        pv->id = pgid;
    return rule;
}

void page_key(const page_view *p, uint32_t i, const uint8_t **k,
              uint32_t *klen)
{
    const uint8_t *e = page_elem(p, i);
    //@ assert in_bounds: ElemInBounds(p->data, p->len, i);
    if (p->flags & PAGE_LEAF) {
        //@ assert leaf: KeyOff(p->data, i) == ElemOff(i) + LD32(e + LeafOffPos);
        *k = e + ld32(e + LEAF_OFF_POS);
        *klen = ld32(e + LEAF_OFF_KSIZE);
    } else {
        //@ assert branch: KeyOff(p->data, i) == ElemOff(i) + LD32(e + BranchOffPos);
        *k = e + ld32(e + BRANCH_OFF_POS);
        *klen = ld32(e + BRANCH_OFF_KSIZE);
    }
    //@ assert view_kept: p->data == \at(p->data, Pre);
}

void page_leaf_value(const page_view *p, uint32_t i, const uint8_t **v,
                     uint32_t *vlen, uint32_t *flags)
{
    const uint8_t *e = page_elem(p, i);
    //@ assert in_bounds: ElemInBounds(p->data, p->len, i);
    *v = e + ld32(e + LEAF_OFF_POS) + ld32(e + LEAF_OFF_KSIZE);
    *vlen = ld32(e + LEAF_OFF_VSIZE);
    *flags = ld32(e + LEAF_OFF_FLAGS);
    //@ assert view_kept: p->data == \at(p->data, Pre);
}

uint64_t page_branch_child(const page_view *p, uint32_t i)
{
    return ld64(page_elem(p, i) + BRANCH_OFF_PGID);
}

void page_leaf_item(const page_view *p, uint32_t i, const uint8_t **k,
                    uint32_t *klen, const uint8_t **v, uint32_t *vlen,
                    uint32_t *flags)
{
    const uint8_t *e = page_elem(p, i);
    //@ assert in_bounds: ElemInBounds(p->data, p->len, i);
    *flags = ld32(e + LEAF_OFF_FLAGS);
    *k = e + ld32(e + LEAF_OFF_POS);
    *klen = ld32(e + LEAF_OFF_KSIZE);
    *v = *k + *klen;
    *vlen = ld32(e + LEAF_OFF_VSIZE);
}

/* Key i of a key sequence. */
/*@ requires seq: KeySeqOk(s);
    requires index: i < s->n;
    requires valid_out: \valid(k) && \valid(klen);
    requires separated: \separated(k, klen, s) &&
      (s->page != \null ==> \separated(k, klen, s->page));
    assigns *k, *klen;
    ensures key: *k == SeqKey(s, i);
    ensures key_size: *klen == SeqKlen(s, i);
    ensures readable: \valid_read(*k + (0 .. *klen - 1)); */
static void seq_key(const keyseq *s, uint32_t i, const uint8_t **k,
                    uint32_t *klen)
{
    if (s->page) {
        page_key(s->page, i, k, klen);
    } else {
        *k = s->in[i].key;
        *klen = s->in[i].klen;
    }
}

uint32_t keys_lower_bound(const keyseq *s, const uint8_t *key, size_t klen,
                          int *exact)
{
    uint32_t lo = 0, hi = s->n;
    *exact = 0;
    /*@ loop invariant range: 0 <= lo <= hi <= s->n;
        loop invariant below: \forall integer j; 0 <= j < lo ==>
          KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen);
        loop invariant not_below: \forall integer j; hi <= j < s->n ==>
          !KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen);
        loop invariant above: \forall integer j; hi < j < s->n ==>
          KeyLess(key, klen, SeqKey(s, j), SeqKlen(s, j));
        loop invariant at: hi < s->n && *exact == 0 ==>
          KeyLess(key, klen, SeqKey(s, hi), SeqKlen(s, hi));
        loop invariant exact: *exact == 1 <==>
          hi < s->n && KeyEqual(SeqKey(s, hi), SeqKlen(s, hi), key, klen);
        loop invariant exact_bool: *exact == 0 || *exact == 1;
        loop assigns lo, hi, *exact;
        loop variant hi - lo; */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *k;
        uint32_t kl;
        int c;
        seq_key(s, mid, &k, &kl);
        c = key_cmp(k, kl, key, klen);
        if (c < 0) {
            /*@ assert below: \forall integer j; 0 <= j <= mid ==>
                  KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen); */
            lo = mid + 1;
        } else {
            /*@ assert not_below: \forall integer j; mid <= j < s->n ==>
                  !KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen); */
            /*@ assert ge: c > 0 ==> KeyLess(key, klen, k, kl); */
            /*@ assert le: c == 0 ==> KeyEqual(key, klen, k, kl); */
            /*@ assert ord: \forall integer j; mid < j < s->n ==>
                  KeyLess(k, kl, SeqKey(s, j), SeqKlen(s, j)); */
            /*@ assert above_gt: c > 0 ==> \forall integer j; mid < j < s->n ==>
                  KeyLess(key, klen, SeqKey(s, j), SeqKlen(s, j)); */
            /*@ assert above_eq: c == 0 ==> \forall integer j; mid < j < s->n ==>
                  KeyLess(key, klen, SeqKey(s, j), SeqKlen(s, j)); */
            *exact = c == 0;
            hi = mid;
        }
    }
    return lo;
}

uint32_t page_lower_bound(const page_view *p, const uint8_t *key,
                          size_t klen, int *exact)
{
    keyseq s;
    s.page = p;
    s.in = NULL;
    s.n = p->count;
    return keys_lower_bound(&s, key, klen, exact);
}

int page_bucket_value(const uint8_t *v, size_t vlen, uint64_t *root,
                      uint64_t *seq, page_view *inl, int *inner,
                      uint32_t *bad)
{
    int rule;
    *inner = RULE_OK;
    *bad = 0;
    if (vlen < BUCKET_HDR_SIZE)
        return RULE_BUCKET_VALUE;
    *root = ld64(v);
    *seq = ld64(v + 8);
    if (*root != 0)
        return RULE_OK;
    rule = page_validate(v + BUCKET_HDR_SIZE, vlen - BUCKET_HDR_SIZE,
                         PV_LEAF | PV_NO_BUCKETS, inl, bad);
    if (rule == RULE_OK && inl->id != 0)
        rule = RULE_PAGE_ID_MISMATCH;
    if (rule == RULE_OK)
        return RULE_OK;
    *inner = rule;
    return RULE_INLINE_PAGE;
}

uint64_t page_inuse(const page_view *p)
{
    uint64_t used = PAGE_HDR_SIZE;
    const uint8_t *e;
    if (p->count == 0)
        return used;
    e = page_elem(p, (uint32_t)p->count - 1);
    //@ assert in_bounds: ElemInBounds(p->data, p->len, p->count - 1);
    used += (uint64_t)ELEM_SIZE * ((uint64_t)p->count - 1);
    if (p->flags & PAGE_LEAF)
        used += (uint64_t)ld32(e + LEAF_OFF_POS) + ld32(e + LEAF_OFF_KSIZE) +
                ld32(e + LEAF_OFF_VSIZE);
    else
        used += (uint64_t)ld32(e + BRANCH_OFF_POS) + ld32(e + BRANCH_OFF_KSIZE);
    return used;
}

void page_encode_bucket(uint8_t *v, uint64_t root, uint64_t seq)
{
    st64(v, root);
    st64(v + 8, seq);
}

void page_set_header(uint8_t *p, uint64_t id, uint16_t flags,
                     uint32_t overflow)
{
    st64(p + PAGE_OFF_ID, id);
    st16(p + PAGE_OFF_FLAGS, flags);
    st32(p + PAGE_OFF_OVERFLOW, overflow);
}

void page_encode(uint8_t *buf, const inode *in, uint32_t n, int is_leaf)
{
    uint64_t data = PAGE_HDR_SIZE + (uint64_t)ELEM_SIZE * n;
    uint32_t i;
    st16(buf + PAGE_OFF_FLAGS, is_leaf ? PAGE_LEAF : PAGE_BRANCH);
    st16(buf + PAGE_OFF_COUNT, (uint16_t)n);
    for (i = 0; i < n; i++) {
        uint8_t *e = buf + PAGE_HDR_SIZE + (size_t)ELEM_SIZE * i;
        uint32_t pos = (uint32_t)(data - (PAGE_HDR_SIZE + ELEM_SIZE * i));
        if (is_leaf) {
            st32(e + LEAF_OFF_FLAGS, in[i].flags);
            st32(e + LEAF_OFF_POS, pos);
            st32(e + LEAF_OFF_KSIZE, in[i].klen);
            st32(e + LEAF_OFF_VSIZE, in[i].vlen);
        } else {
            st32(e + BRANCH_OFF_POS, pos);
            st32(e + BRANCH_OFF_KSIZE, in[i].klen);
            st64(e + BRANCH_OFF_PGID, in[i].pgid);
        }
        memcpy(buf + data, in[i].key, in[i].klen);
        data += in[i].klen;
        if (is_leaf && in[i].vlen) {
            memcpy(buf + data, in[i].value, in[i].vlen);
            data += in[i].vlen;
        }
    }
}
