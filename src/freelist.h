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
      \forall integer i; 0 <= i < n ==> ids[i] == LD64(page + (ids_off + 8 * i));
    ensures bad_ok: \result == RULE_OK ==> *bad == 0;
    ensures bad_range: \result == RULE_FREELIST_RANGE ==>
      *bad < n && !(2 <= ids[*bad] < hwm) &&
      FreelistIdsInRange(ids, *bad, hwm) &&
      ids[*bad] == LD64(page + (ids_off + 8 * *bad));
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

/* Array helpers on sorted, duplicate-free id arrays (the allocator's free
 * set, alloc.c). Pure functions. */

/* The index of the first id of the lowest run of count consecutive ids
 * (ids[s + k] == ids[s] + k for k < count), or n when there is none (or
 * count is 0). */
/*@ requires valid: \valid_read(ids + (0 .. n - 1));
    requires sorted: SortedUnique(ids, n);
    assigns \nothing;
    ensures range: \result <= n;
    ensures found: \result < n ==>
      count >= 1 && \result + count <= n && RunAt(ids, \result, count);
    ensures lowest: count >= 1 ==>
      \forall integer s; 0 <= s < \result && s + count <= n ==>
        !RunAt(ids, s, count);
    ensures none: count == 0 ==> \result == n; */
size_t ids_find_run(const uint64_t *ids, size_t n, uint64_t count);

/* Removes ids[at .. at + count - 1] from ids[0 .. n): the ids after them
 * move down by count. The caller's count becomes n - count. */
/*@ requires range: at + count <= n;
    requires valid: \valid(ids + (0 .. n - 1));
    requires sorted: SortedUnique(ids, n);
    assigns ids[at .. n - 1];
    ensures before: \forall integer k; 0 <= k < at ==>
      ids[k] == \old(ids[k]);
    ensures moved: \forall integer k; at <= k < n - count ==>
      ids[k] == \old(ids[k + count]);
    ensures sorted: SortedUnique(ids, n - count);
    ensures kept_before: \forall integer k; 0 <= k < at ==>
      In(\old(ids[k]), ids, n - count);
    ensures kept_after: \forall integer k; at + count <= k < n ==>
      In(\old(ids[k]), ids, n - count);
    ensures removed: \forall integer k; at <= k < at + count ==>
      !In(\old(ids[k]), ids, n - count);
    ensures only: \forall integer k; 0 <= k < n - count ==>
      In{Pre}(ids[k], ids, n); */
void ids_remove_run(uint64_t *ids, size_t n, size_t at, size_t count);

/* Removes ids[at .. at + count - 1] from ids[0 .. n) by moving the ids
 * before them up by count: the rest is then ids[count .. n). The caller
 * takes this when fewer ids lie before the run than after it (its array
 * then starts count ids later; ids_remove_run() moves the ids after). */
/*@ requires range: at + count <= n;
    requires valid: \valid(ids + (0 .. n - 1));
    requires sorted: SortedUnique(ids, n);
    assigns ids[count .. at + count - 1];
    ensures moved: \forall integer k; 0 <= k < at ==>
      ids[k + count] == \old(ids[k]);
    ensures after: \forall integer k; at + count <= k < n ==>
      ids[k] == \old(ids[k]);
    ensures sorted: SortedUnique(ids + count, n - count);
    ensures kept_before: \forall integer k; 0 <= k < at ==>
      In(\old(ids[k]), ids + count, n - count);
    ensures removed: \forall integer j, r; count <= j < n && at <= r < at + count ==>
      ids[j] != \old(ids[r]);
    ensures only: \forall integer k; count <= k < n ==>
      In{Pre}(ids[k], ids, n); */
void ids_remove_run_front(uint64_t *ids, size_t n, size_t at, size_t count);

/* The number of ids of ids[0 .. n) below x: where x is or would go. */
/*@ requires valid: \valid_read(ids + (0 .. n - 1));
    requires sorted: SortedUnique(ids, n);
    assigns \nothing;
    ensures range: \result <= n;
    ensures below: \forall integer p; 0 <= p < \result ==> ids[p] < x;
    ensures above: \forall integer p; \result <= p < n ==> ids[p] >= x; */
size_t ids_lower_bound(const uint64_t *ids, size_t n, uint64_t x);

/* The index of the first id of m[0 .. k) that is also in ids[0 .. n), or
 * k when they share none: the check that comes before a merge in place,
 * so that a shared id (a page both free and pending) is refused before
 * anything moved. */
/*@ requires valid: \valid_read(ids + (0 .. n - 1)) &&
                    \valid_read(m + (0 .. k - 1));
    requires sorted: SortedUnique(ids, n);
    assigns \nothing;
    ensures range: \result <= k;
    ensures none: \result == k <==>
      (\forall integer i, j; 0 <= i < n && 0 <= j < k ==> ids[i] != m[j]);
    ensures shared: \result < k ==> In(m[\result], ids, n);
    ensures first: \forall integer j; 0 <= j < \result ==> !In(m[j], ids, n); */
size_t ids_common(const uint64_t *ids, size_t n, const uint64_t *m, size_t k);

/*@ // x is one of a[lo .. hi): In() over a span, so that the merges in
    // place can say where an id is while the span grows.
    predicate InSpan{L}(integer x, uint64_t *a, integer lo, integer hi) =
        \exists integer q; lo <= q < hi && a[q] == x;
*/

/* Merges the sorted ids m[0 .. k), none of them in ids[0 .. n), into
 * ids, which has room for n + k, from the top down: the ids below m[0]
 * do not move, so the cost is the number of ids above it. */
/*@ requires size: n + k <= SIZE_MAX;
    requires valid: \valid(ids + (0 .. n + k - 1)) &&
                    \valid_read(m + (0 .. k - 1));
    requires separated: \separated(ids + (0 .. n + k - 1), m + (0 .. k - 1));
    requires sorted: SortedUnique(ids, n) && SortedUnique(m, k);
    requires disjoint: \forall integer i, j; 0 <= i < n && 0 <= j < k ==>
      ids[i] != m[j];
    assigns ids[0 .. n + k - 1];
    ensures sorted: SortedUnique(ids, n + k);
    ensures from_ids: \forall integer i; 0 <= i < n ==>
      In(\old(ids[i]), ids, n + k);
    ensures from_m: \forall integer j; 0 <= j < k ==> In(m[j], ids, n + k);
    ensures only: \forall integer p; 0 <= p < n + k ==>
      In{Pre}(ids[p], ids, n) || In(ids[p], m, k); */
void ids_merge_up(uint64_t *ids, size_t n, const uint64_t *m, size_t k);

/* The same with the room below: the ids are p[k .. k + n), and the merge
 * fills p[0 .. n + k) from the bottom up; the ids above m[k - 1] do not
 * move, so the cost is the number of ids below it. */
/*@ requires size: n + k <= SIZE_MAX;
    requires valid: \valid(p + (0 .. n + k - 1)) &&
                    \valid_read(m + (0 .. k - 1));
    requires separated: \separated(p + (0 .. n + k - 1), m + (0 .. k - 1));
    requires sorted: (\forall integer a, b; k <= a < b < n + k ==> p[a] < p[b]) &&
                     SortedUnique(m, k);
    requires disjoint: \forall integer i, j; k <= i < n + k && 0 <= j < k ==>
      p[i] != m[j];
    assigns p[0 .. n + k - 1];
    ensures sorted: SortedUnique(p, n + k);
    ensures from_ids: \forall integer i; k <= i < n + k ==>
      In(\old(p[i]), p, n + k);
    ensures from_m: \forall integer j; 0 <= j < k ==> In(m[j], p, n + k);
    ensures only: \forall integer q; 0 <= q < n + k ==>
      InSpan{Pre}(p[q], p, k, n + k) || In(p[q], m, k); */
void ids_merge_down(uint64_t *p, size_t n, const uint64_t *m, size_t k);

/* Merges the sorted arrays a[0 .. na) and b[0 .. nb) into out (room for
 * na + nb): 0 when they have no id in common, and then out is sorted and
 * exactly their union; 1 when they share an id (a page both free and
 * pending, or returned twice), which is left in *dup; out then holds a
 * prefix of the merge and must not be used. The callers' arrays are
 * disjoint by alloc.h's invariants; this checks it on every merge, at no
 * cost (the loop compares a[i] and b[j] anyway), instead of assuming it. */
/*@ requires size: na + nb <= SIZE_MAX;
    requires valid: \valid_read(a + (0 .. na - 1)) &&
                    \valid_read(b + (0 .. nb - 1)) &&
                    \valid(out + (0 .. na + nb - 1)) && \valid(dup);
    requires separated: \separated(out + (0 .. na + nb - 1), a + (0 .. na - 1)) &&
                        \separated(out + (0 .. na + nb - 1), b + (0 .. nb - 1)) &&
                        \separated(dup, out + (0 .. na + nb - 1)) &&
                        \separated(dup, a + (0 .. na - 1)) &&
                        \separated(dup, b + (0 .. nb - 1));
    requires sorted: SortedUnique(a, na) && SortedUnique(b, nb);
    assigns out[0 .. na + nb - 1], *dup;
    behavior disjoint:
      assumes \forall integer i, j; 0 <= i < na && 0 <= j < nb ==> a[i] != b[j];
      ensures result: \result == 0;
      ensures sorted: SortedUnique(out, na + nb);
      ensures from_a: \forall integer i; 0 <= i < na ==> In(a[i], out, na + nb);
      ensures from_b: \forall integer j; 0 <= j < nb ==> In(b[j], out, na + nb);
      ensures only: \forall integer k; 0 <= k < na + nb ==>
        In(out[k], a, na) || In(out[k], b, nb);
    behavior common:
      assumes \exists integer i, j; 0 <= i < na && 0 <= j < nb && a[i] == b[j];
      ensures result: \result == 1;
      ensures dup: In(*dup, a, na) && In(*dup, b, nb);
    complete behaviors;
    disjoint behaviors; */
int ids_merge(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
              uint64_t *out, uint64_t *dup);

/* 1 when no reader of readers[0..n) (sorted ascending) can see a page
 * allocated by transaction atx and freed by ftx: none has atx <= r < ftx. */
/*@ requires valid: \valid_read(readers + (0 .. n - 1));
    requires sorted: Ascending(readers, n);
    assigns \nothing;
    ensures bool: \result == 0 || \result == 1;
    ensures unseen: \result != 0 <==> Unseen(atx, ftx, readers, n); */
int fl_unseen(uint64_t atx, uint64_t ftx, const uint64_t *readers, size_t n);

/* Releases the pending set ids/atx[0 .. n) freed by transaction ftx
 * (atx[j] allocated ids[j], alloc.c's fl_pending): moves the id of every
 * entry that no reader of readers[0 .. nr) (sorted ascending) can see
 * (fl_unseen) to out[0 .. \result), and keeps the other entries, in
 * their order, in ids/atx[0 .. *kept). \result + *kept == n. */
/*@ requires valid: \valid(ids + (0 .. n - 1)) && \valid(atx + (0 .. n - 1)) &&
                    \valid(out + (0 .. n - 1)) && \valid(kept) &&
                    \valid_read(readers + (0 .. nr - 1));
    requires separated: \separated(ids + (0 .. n - 1), atx + (0 .. n - 1),
                                   out + (0 .. n - 1), readers + (0 .. nr - 1),
                                   kept);
    requires sorted: Ascending(readers, nr);
    assigns ids[0 .. n - 1], atx[0 .. n - 1], out[0 .. n - 1], *kept;
    ensures count: \result + *kept == n;
    ensures released: PendingReleased{Pre,Post}(ids, atx, n, ftx, readers, nr,
                                                out, \result, *kept); */
size_t pending_release(uint64_t *ids, uint64_t *atx, size_t n, uint64_t ftx,
                       const uint64_t *readers, size_t nr, uint64_t *out,
                       size_t *kept);

/* Writes the count of a freelist page of n ids to page (len bytes; the
 * 0xFFFF count overflow when n >= 0xFFFF) and returns where its ids go,
 * or 0 (nothing written) when the count and n ids do not fit: the first
 * half of freelist_encode(), for a caller that stores the ids itself,
 * with ids_store(), in more than one span. */
/*@ requires valid_page: \valid(page + (0 .. len - 1));
    assigns page[PageOffCount .. PageHdrSize + 7];
    ensures fits: \result != 0 <==> FreelistIdsOffN(n) + 8 * n <= len;
    ensures count: \result != 0 ==>
      \result == FreelistIdsOffN(n) && FreelistHeaderOk(page, len) &&
      FreelistCount(page) == n && FreelistIdsOff(page) == \result;
    ensures none: \result == 0 ==> \forall integer k; 0 <= k < len ==>
      page[k] == \old(page[k]); */
size_t freelist_put_count(uint64_t n, uint8_t *page, size_t len);

/* Stores ids[0 .. n) as little-endian u64 at dst[0 .. 8n): the ids of a
 * freelist page, as freelist_encode() writes them. */
/*@ requires size: 8 * n <= SIZE_MAX;
    requires valid: \valid_read(ids + (0 .. n - 1)) &&
                    \valid(dst + (0 .. 8 * n - 1));
    requires separated: \separated(ids + (0 .. n - 1), dst + (0 .. 8 * n - 1));
    assigns dst[0 .. 8 * n - 1];
    ensures stored: \forall integer k; 0 <= k < n ==> LD64(dst + 8 * k) == ids[k]; */
void ids_store(const uint64_t *ids, size_t n, uint8_t *dst);

/* Writes the count and the n ids of ids[0 .. n) to a freelist page run of
 * len bytes (the 0xFFFF count overflow when n >= 0xFFFF): what
 * freelist_header() and freelist_decode() read back. The page id and flags
 * are the caller's. 0, or -1 (nothing written) when they do not fit. */
/*@ requires valid_ids: \valid_read(ids + (0 .. n - 1));
    requires valid_page: \valid(page + (0 .. len - 1));
    requires separated: \separated(ids + (0 .. n - 1), page + (0 .. len - 1));
    assigns page[PageOffCount .. len - 1];
    ensures result: \result == 0 || \result == -1;
    ensures fits: \result == 0 <==> FreelistIdsOffN(n) + 8 * n <= len;
    ensures encodes: \result == 0 ==> FreelistEncodes(page, len, ids, n); */
int freelist_encode(const uint64_t *ids, uint64_t n, uint8_t *page,
                    size_t len);

#endif
