/*
 * freelist.c - freelist page decoding and validation.
 *
 * Owns: freelist-count (including the 0xFFFF count overflow), freelist-
 * range and freelist-order.
 * Invariants: see freelist.h.
 */
#include "freelist.h"

int freelist_header(const uint8_t *page, size_t len, uint64_t *n,
                    size_t *ids_off)
{
    uint64_t count;
    size_t off = PAGE_HDR_SIZE;

    if (len < PAGE_HDR_SIZE)
        return RULE_FREELIST_COUNT;
    count = ld16(page + PAGE_OFF_COUNT);
    if (count == FREELIST_COUNT_OVERFLOW) {
        if (len < PAGE_HDR_SIZE + 8u)
            return RULE_FREELIST_COUNT;
        count = ld64(page + PAGE_HDR_SIZE);
        off = PAGE_HDR_SIZE + 8u;
    }
    if (count > (len - off) / 8u)
        return RULE_FREELIST_COUNT;
    *n = count;
    *ids_off = off;
    return RULE_OK;
}

uint64_t freelist_sorted_unique(const uint64_t *ids, uint64_t n)
{
    uint64_t i;
    /*@ loop invariant range: 1 <= i && (n > 0 ==> i <= n);
        loop invariant sorted: SortedUnique(ids, i);
        loop assigns i;
        loop variant n - i; */
    for (i = 1; i < n; i++)
        if (ids[i - 1] >= ids[i])
            return i;
    return 0;
}

int freelist_decode(const uint8_t *page, size_t ids_off, uint64_t n,
                    uint64_t hwm, uint64_t *ids, uint64_t *bad)
{
    uint64_t i;
    *bad = 0;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant decoded: \forall integer k; 0 <= k < i ==>
                                ids[k] == LD64(page + ids_off + 8 * k);
        loop invariant in_range: FreelistIdsInRange(ids, i, hwm);
        loop assigns i, ids[0 .. n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        ids[i] = ld64(page + ids_off + 8u * i);
        if (ids[i] < 2 || ids[i] >= hwm) {
            *bad = i;
            return RULE_FREELIST_RANGE;
        }
    }
    *bad = freelist_sorted_unique(ids, n);
    return *bad ? RULE_FREELIST_ORDER : RULE_OK;
}
