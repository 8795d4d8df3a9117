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

/* Reads the id count of a freelist page run of len bytes (header
 * included): *n ids start at byte *ids_off. RULE_FREELIST_COUNT when they
 * do not fit in len. The page type is checked by the caller. */
int freelist_header(const uint8_t *page, size_t len, uint64_t *n,
                    size_t *ids_off);

/* Decodes n ids starting at page + ids_off into ids (room for n) and
 * checks them: RULE_FREELIST_RANGE when one is outside [2, hwm),
 * RULE_FREELIST_ORDER when the array is not strictly increasing; *bad is
 * the index of the first offending id. */
int freelist_decode(const uint8_t *page, size_t ids_off, uint64_t n,
                    uint64_t hwm, uint64_t *ids, uint64_t *bad);

/* 0 when ids[0..n) is strictly increasing, else the first index i with
 * ids[i-1] >= ids[i]. */
uint64_t freelist_sorted_unique(const uint64_t *ids, uint64_t n);

#endif
