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
#include "page.h"

#include <string.h>

int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

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
    if (flags & ~(uint32_t)LEAF_FLAG_BUCKET)
        return RULE_LEAF_FLAGS;
    /* bbolt limits the keys of values only: CreateBucket takes any name
     * length, and branch keys repeat bucket names. */
    if (leaf && !(flags & LEAF_FLAG_BUCKET) && ksize > CBOLT_MAX_KEY_SIZE)
        return RULE_KEY_SIZE;
    if (flags & LEAF_FLAG_BUCKET) {
        if (want & PV_NO_BUCKETS)
            return RULE_INLINE_PAGE;
        if (vsize < BUCKET_HDR_SIZE)
            return RULE_BUCKET_VALUE;
    }
    return RULE_OK;
}

int page_validate(const uint8_t *data, size_t len, unsigned want,
                  page_view *pv, uint32_t *bad)
{
    int rule = RULE_OK;
    uint32_t i = 0;
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
    for (i = 0; i < count && rule == RULE_OK; i++) {
        rule = elem_check(data, len, leaf, want, i);
        *bad = i;
    }
    for (i = 1; i < count && rule == RULE_OK; i++) {
        const uint8_t *a, *b;
        uint32_t alen, blen;
        page_key(pv, i - 1, &a, &alen);
        page_key(pv, i, &b, &blen);
        if (key_cmp(a, alen, b, blen) >= 0)
            rule = RULE_KEY_ORDER;
        *bad = i;
    }
    if (rule == RULE_OK)
        *bad = 0;
    return rule;
}

void page_key(const page_view *p, uint32_t i, const uint8_t **k,
              uint32_t *klen)
{
    const uint8_t *e = page_elem(p, i);
    if (p->flags & PAGE_LEAF) {
        *k = e + ld32(e + LEAF_OFF_POS);
        *klen = ld32(e + LEAF_OFF_KSIZE);
    } else {
        *k = e + ld32(e + BRANCH_OFF_POS);
        *klen = ld32(e + BRANCH_OFF_KSIZE);
    }
}

void page_leaf_value(const page_view *p, uint32_t i, const uint8_t **v,
                     uint32_t *vlen, uint32_t *flags)
{
    const uint8_t *e = page_elem(p, i);
    *v = e + ld32(e + LEAF_OFF_POS) + ld32(e + LEAF_OFF_KSIZE);
    *vlen = ld32(e + LEAF_OFF_VSIZE);
    *flags = ld32(e + LEAF_OFF_FLAGS);
}

uint64_t page_branch_child(const page_view *p, uint32_t i)
{
    return ld64(page_elem(p, i) + BRANCH_OFF_PGID);
}

uint32_t page_lower_bound(const page_view *p, const uint8_t *key,
                          size_t klen, int *exact)
{
    uint32_t lo = 0, hi = p->count;
    *exact = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *k;
        uint32_t kl;
        int c;
        page_key(p, mid, &k, &kl);
        c = key_cmp(k, kl, key, klen);
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

uint64_t page_inuse(const page_view *p)
{
    uint64_t used = PAGE_HDR_SIZE;
    const uint8_t *e;
    if (p->count == 0)
        return used;
    e = page_elem(p, (uint32_t)p->count - 1);
    used += (uint64_t)ELEM_SIZE * ((uint64_t)p->count - 1);
    if (p->flags & PAGE_LEAF)
        used += (uint64_t)ld32(e + LEAF_OFF_POS) + ld32(e + LEAF_OFF_KSIZE) +
                ld32(e + LEAF_OFF_VSIZE);
    else
        used += (uint64_t)ld32(e + BRANCH_OFF_POS) + ld32(e + BRANCH_OFF_KSIZE);
    return used;
}
