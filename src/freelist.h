/*
 * freelist.h - the freelist page: decoding and validating the sorted set
 * of free (and pending) page ids.
 *
 * Owns: the rules freelist-count, freelist-range and freelist-order, and
 * the sorted-unique predicate on id arrays that the write side's
 * allocator keeps (spec/format.md, "Freelist page").
 * Invariants: ids decoded from a page are returned only when every one is
 * in [2, hwm) and the array is strictly increasing. Pure functions.
 */
#ifndef CBOLT_FREELIST_H
#define CBOLT_FREELIST_H

#include "format.h"

#ifdef __FRAMAC__
#include "../spec/freelist.acsl"
#endif

/* Reads the id count of a freelist page run of len bytes (header
 * included): *n ids start at byte *ids_off. RULE_FREELIST_COUNT when they
 * do not fit in len. The page type is checked by the caller. */
/*@ requires valid_page: \valid_read(page + (0 .. len - 1));
    requires valid_out: \valid(n) && \valid(ids_off);
    requires separated: \separated(n, ids_off, page + (0 .. len - 1));
    assigns *n, *ids_off;
    ensures result: \result == RULE_OK || \result == RULE_FREELIST_COUNT;
    behavior ok:
      assumes FreelistHeaderOk(page, len);
      ensures result: \result == RULE_OK;
      ensures count: *n == FreelistCount(page);
      ensures offset: *ids_off == FreelistIdsOff(page);
      ensures fits: *ids_off + 8 * *n <= len;
    behavior bad_count:
      assumes !FreelistHeaderOk(page, len);
      assigns \nothing;
      ensures result: \result == RULE_FREELIST_COUNT;
    complete behaviors;
    disjoint behaviors; */
int freelist_header(const uint8_t *page, size_t len, uint64_t *n,
                    size_t *ids_off);

/* Decodes n ids starting at page + ids_off into ids (room for n) and
 * checks them: RULE_FREELIST_RANGE when one is outside [2, hwm),
 * RULE_FREELIST_ORDER when the array is not strictly increasing; *bad is
 * the index of the first offending id. */
/*@ requires size: ids_off + 8 * n <= SIZE_MAX;
    requires valid_page: \valid_read(page + (ids_off .. ids_off + 8 * n - 1));
    requires valid_ids: \valid(ids + (0 .. n - 1));
    requires valid_bad: \valid(bad);
    requires separated:
      \separated(ids + (0 .. n - 1), bad, page + (ids_off .. ids_off + 8 * n - 1));
    assigns ids[0 .. n - 1], *bad;
    ensures result: \result == RULE_OK || \result == RULE_FREELIST_RANGE ||
                    \result == RULE_FREELIST_ORDER;
    ensures ok: \result == RULE_OK ==>
                FreelistIdsInRange(ids, n, hwm) && SortedUnique(ids, n);
    ensures not_ok: \result != RULE_OK ==>
                !(FreelistIdsInRange(ids, n, hwm) && SortedUnique(ids, n));
    ensures decoded: \result != RULE_FREELIST_RANGE ==>
      \forall integer i; 0 <= i < n ==> ids[i] == LD64(page + ids_off + 8 * i);
    ensures bad_ok: \result == RULE_OK ==> *bad == 0;
    ensures bad_range: \result == RULE_FREELIST_RANGE ==>
      *bad < n && !(2 <= ids[*bad] < hwm) &&
      FreelistIdsInRange(ids, *bad, hwm) &&
      ids[*bad] == LD64(page + ids_off + 8 * *bad);
    ensures bad_order: \result == RULE_FREELIST_ORDER ==>
      0 < *bad < n && ids[*bad - 1] >= ids[*bad] && SortedUnique(ids, *bad); */
int freelist_decode(const uint8_t *page, size_t ids_off, uint64_t n,
                    uint64_t hwm, uint64_t *ids, uint64_t *bad);

/* 0 when ids[0..n) is strictly increasing, else the first index i with
 * ids[i-1] >= ids[i]. */
/*@ requires valid: \valid_read(ids + (0 .. n - 1));
    assigns \nothing;
    ensures sorted_iff: \result == 0 <==> SortedUnique(ids, n);
    ensures first: \result != 0 ==>
      0 < \result < n && ids[\result - 1] >= ids[\result] &&
      SortedUnique(ids, \result); */
uint64_t freelist_sorted_unique(const uint64_t *ids, uint64_t n);

#endif
