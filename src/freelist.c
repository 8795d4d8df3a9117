/*
 * freelist.c - freelist page decoding, validation and encoding, and the
 * allocator's pure functions on sorted id arrays (find the lowest run,
 * remove a run, merge), on reader txids (fl_unseen) and on pending sets
 * (pending_release).
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
                                ids[k] == LD64(page + (ids_off + 8 * k));
        loop invariant in_range: FreelistIdsInRange(ids, i, hwm);
        loop assigns i, ids[0 .. n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        ids[i] = ld64(page + ids_off + 8u * i);
        //@ assert decoded: ids[i] == LD64(page + (ids_off + 8 * i));
        if (ids[i] < 2 || ids[i] >= hwm) {
            *bad = i;
            return RULE_FREELIST_RANGE;
        }
    }
    *bad = freelist_sorted_unique(ids, n);
    return *bad ? RULE_FREELIST_ORDER : RULE_OK;
}

size_t ids_find_run(const uint64_t *ids, size_t n, uint64_t count)
{
    size_t i, start = 0;
    if (count == 0)
        return n;
    /*@ loop invariant range: 0 <= start <= i <= n;
        loop invariant first: i == 0 ==> start == 0;
        loop invariant run: i > 0 ==> start < i && i - start < count &&
                                      RunAt(ids, start, i - start);
        loop invariant edge: start > 0 ==> ids[start] != ids[start - 1] + 1;
        loop invariant none: \forall integer s; 0 <= s && s + count <= i ==>
                                 !RunAt(ids, s, count);
        loop assigns i, start;
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        if (i == 0 || ids[i] != ids[i - 1] + 1)
            start = i;
        //@ assert step: RunAt(ids, start, i + 1 - start);
        //@ assert last: ids[i] == ids[start] + (i - start);
        if (ids[i] - ids[start] + 1 == count)
            return start;
    }
    return n;
}

void ids_remove_run(uint64_t *ids, size_t n, size_t at, size_t count)
{
    size_t k;
    /*@ loop invariant range: at <= k <= n - count;
        loop invariant moved: \forall integer j; at <= j < k ==>
                                  ids[j] == \at(ids[j + count], Pre);
        loop invariant same: \forall integer j; k <= j < n ==>
                                 ids[j] == \at(ids[j], Pre);
        loop assigns k, ids[at .. n - 1];
        loop variant n - k; */
    for (k = at; k + count < n; k++)
        ids[k] = ids[k + count];
    /*@ assert after: \forall integer j; at + count <= j < n ==>
            ids[j - count] == \at(ids[j], Pre) && 0 <= j - count < n - count; */
    /*@ assert gone_before: \forall integer j, r; 0 <= j < at && at <= r < at + count ==>
            ids[j] < \at(ids[r], Pre); */
    //@ assert end: k == n - count;
    /*@ assert moved: \forall integer j; at <= j < n - count ==>
            ids[j] == \at(ids[j + count], Pre); */
    /*@ assert gone_after: \forall integer j, r; at <= j < n - count && at <= r < at + count ==>
            \at(ids[r], Pre) < \at(ids[j + count], Pre); */
    /*@ assert gone: \forall integer j, r; 0 <= j < n - count && at <= r < at + count ==>
            (j < at ==> ids[j] < \at(ids[r], Pre)) &&
            (at <= j ==> ids[j] == \at(ids[j + count], Pre) &&
                         \at(ids[r], Pre) < \at(ids[j + count], Pre)); */
}

void ids_remove_run_front(uint64_t *ids, size_t n, size_t at, size_t count)
{
    size_t k;
    (void)n; /* the contract's */
    /*@ loop invariant range: 0 <= k <= at;
        loop invariant moved: \forall integer j; k <= j < at ==>
                                  ids[j + count] == \at(ids[j], Pre);
        loop invariant same: \forall integer j; 0 <= j < k + count ==>
                                 ids[j] == \at(ids[j], Pre);
        loop invariant top: \forall integer j; at + count <= j < n ==>
                                 ids[j] == \at(ids[j], Pre);
        loop assigns k, ids[count .. at + count - 1];
        loop variant k; */
    for (k = at; k > 0; k--)
        ids[k - 1 + count] = ids[k - 1];
    /*@ assert old: \forall integer j; count <= j < n ==>
            (j < at + count ==> ids[j] == \at(ids[j - count], Pre)) &&
            (at + count <= j ==> ids[j] == \at(ids[j], Pre)); */
    /*@ assert gone: \forall integer j, r; count <= j < n && at <= r < at + count ==>
            ids[j] != \at(ids[r], Pre); */
}

size_t ids_lower_bound(const uint64_t *ids, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    /*@ loop invariant range: 0 <= lo <= hi <= n;
        loop invariant below: \forall integer p; 0 <= p < lo ==> ids[p] < x;
        loop invariant above: \forall integer p; hi <= p < n ==> ids[p] >= x;
        loop assigns lo, hi;
        loop variant hi - lo; */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t ids_common(const uint64_t *ids, size_t n, const uint64_t *m, size_t k)
{
    size_t j;
    /*@ loop invariant range: 0 <= j <= k;
        loop invariant apart: \forall integer q, i; 0 <= q < j && 0 <= i < n ==>
                                  ids[i] != m[q];
        loop assigns j;
        loop variant k - j; */
    for (j = 0; j < k; j++) {
        size_t at = ids_lower_bound(ids, n, m[j]);
        if (at < n && ids[at] == m[j])
            return j;
        /*@ assert not_in: \forall integer i; 0 <= i < n ==> ids[i] != m[j]; */
    }
    return k;
}

void ids_merge_up(uint64_t *ids, size_t n, const uint64_t *m, size_t k)
{
    size_t i = n, j = k, w = n + k;
    /*@ loop invariant range: 0 <= i <= n && 0 <= j <= k && w == i + j;
        loop invariant low: \forall integer p; 0 <= p < i ==>
                                ids[p] == \at(ids[p], Pre);
        loop invariant sorted: \forall integer p, q; w <= p < q < n + k ==>
                                   ids[p] < ids[q];
        loop invariant above_ids: w < n + k && i > 0 ==> ids[i - 1] < ids[w];
        loop invariant above_m: w < n + k && j > 0 ==> m[j - 1] < ids[w];
        loop invariant from_ids: \forall integer p; i <= p < n ==>
            InSpan(\at(ids[p], Pre), ids, w, n + k);
        loop invariant from_m: \forall integer p; j <= p < k ==>
            InSpan(m[p], ids, w, n + k);
        loop invariant only: \forall integer q; w <= q < n + k ==>
            In{Pre}(ids[q], ids, n) || In(ids[q], m, k);
        loop assigns i, j, w, ids[0 .. n + k - 1];
        loop variant w; */
    while (j > 0) {
        if (i > 0 && ids[i - 1] > m[j - 1]) {
            ids[w - 1] = ids[i - 1];
            //@ assert took_ids: \let ii = i - 1; ids[w - 1] == \at(ids[ii], Pre);
            //@ assert new_ids: \let ii = i - 1; InSpan(\at(ids[ii], Pre), ids, w - 1, n + k);
            /*@ assert frame: \forall integer q; w <= q < n + k ==>
                    ids[q] == \at(ids[q], LoopCurrent); */
            /*@ assert kept: \forall integer x; InSpan{LoopCurrent}(x, ids, w, n + k) ==>
                    InSpan(x, ids, w - 1, n + k); */
            i--;
        } else {
            ids[w - 1] = m[j - 1];
            //@ assert took_m: ids[w - 1] == m[j - 1];
            //@ assert new_m: InSpan(m[j - 1], ids, w - 1, n + k);
            /*@ assert frame: \forall integer q; w <= q < n + k ==>
                    ids[q] == \at(ids[q], LoopCurrent); */
            /*@ assert kept: \forall integer x; InSpan{LoopCurrent}(x, ids, w, n + k) ==>
                    InSpan(x, ids, w - 1, n + k); */
            j--;
        }
        w--;
    }
    /*@ assert done: w == i && j == 0; */
    /*@ assert span_in: \forall integer x; InSpan(x, ids, w, n + k) ==>
            In(x, ids, n + k); */
    /*@ assert low_in: \forall integer p; 0 <= p < i ==>
            In(\at(ids[p], Pre), ids, n + k); */
    /*@ assert below: \forall integer p; 0 <= p < i ==>
            ids[p] == \at(ids[p], Pre) && (w < n + k ==> ids[p] < ids[w]); */
}

void ids_merge_down(uint64_t *p, size_t n, const uint64_t *m, size_t k)
{
    size_t i = k, j = 0, w = 0;
    /*@ loop invariant range: k <= i <= n + k && 0 <= j <= k && w + k == i + j;
        loop invariant high: \forall integer q; i <= q < n + k ==>
                                 p[q] == \at(p[q], Pre);
        loop invariant sorted: \forall integer a, b; 0 <= a < b < w ==>
                                   p[a] < p[b];
        loop invariant below_ids: w > 0 && i < n + k ==> p[w - 1] < p[i];
        loop invariant below_m: w > 0 && j < k ==> p[w - 1] < m[j];
        loop invariant from_ids: \forall integer a; k <= a < i ==>
            InSpan(\at(p[a], Pre), p, 0, w);
        loop invariant from_m: \forall integer a; 0 <= a < j ==>
            InSpan(m[a], p, 0, w);
        loop invariant only: \forall integer q; 0 <= q < w ==>
            InSpan{Pre}(p[q], p, k, n + k) || In(p[q], m, k);
        loop assigns i, j, w, p[0 .. n + k - 1];
        loop variant n + k - w; */
    while (j < k) {
        if (i < n + k && p[i] < m[j]) {
            p[w] = p[i];
            //@ assert took_ids: \let ii = i; p[w] == \at(p[ii], Pre);
            //@ assert new_ids: \let ii = i; InSpan(\at(p[ii], Pre), p, 0, w + 1);
            /*@ assert frame: \forall integer q; 0 <= q < w ==>
                    p[q] == \at(p[q], LoopCurrent); */
            /*@ assert kept: \forall integer x; InSpan{LoopCurrent}(x, p, 0, w) ==>
                    InSpan(x, p, 0, w + 1); */
            i++;
        } else {
            p[w] = m[j];
            //@ assert took_m: p[w] == m[j];
            //@ assert new_m: InSpan(m[j], p, 0, w + 1);
            /*@ assert frame: \forall integer q; 0 <= q < w ==>
                    p[q] == \at(p[q], LoopCurrent); */
            /*@ assert kept: \forall integer x; InSpan{LoopCurrent}(x, p, 0, w) ==>
                    InSpan(x, p, 0, w + 1); */
            j++;
        }
        w++;
    }
    /*@ assert done: w == i && j == k; */
    /*@ assert span_in: \forall integer x; InSpan(x, p, 0, w) ==>
            In(x, p, n + k); */
    /*@ assert high_in: \forall integer a; i <= a < n + k ==>
            In(\at(p[a], Pre), p, n + k); */
    /*@ assert above: \forall integer q; i <= q < n + k ==>
            p[q] == \at(p[q], Pre) && (w > 0 ==> p[w - 1] < p[q]); */
}

int ids_merge(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
              uint64_t *out, uint64_t *dup)
{
    size_t i = 0, j = 0, k = 0;
    /*@ loop invariant range: 0 <= i <= na && 0 <= j <= nb && k == i + j;
        loop invariant sorted: SortedUnique(out, k);
        loop invariant below_a: k > 0 && i < na ==> out[k - 1] < a[i];
        loop invariant below_b: k > 0 && j < nb ==> out[k - 1] < b[j];
        loop invariant from_a: \forall integer p; 0 <= p < i ==> In(a[p], out, k);
        loop invariant from_b: \forall integer p; 0 <= p < j ==> In(b[p], out, k);
        loop invariant only: \forall integer p; 0 <= p < k ==>
                                 In(out[p], a, i) || In(out[p], b, j);
        loop invariant ahead: \forall integer p, q; 0 <= p < na && 0 <= q < nb ==>
                                 a[p] == b[q] ==> i <= p && j <= q;
        loop assigns i, j, k, out[0 .. na + nb - 1];
        loop variant na + nb - k; */
    while (k < na + nb) {
        if (i < na && j < nb && a[i] == b[j]) {
            *dup = a[i];
            //@ for disjoint: assert \false;
            return 1;
        }
        if (j >= nb || (i < na && a[i] < b[j])) {
            out[k++] = a[i++];
            //@ assert took_a: out[k - 1] == a[i - 1];
        } else {
            out[k++] = b[j++];
            //@ assert took_b: out[k - 1] == b[j - 1];
        }
    }
    //@ for common: assert \false;
    return 0;
}

int fl_unseen(uint64_t atx, uint64_t ftx, const uint64_t *readers, size_t n)
{
    size_t lo = 0, hi = n;
    /*@ loop invariant range: 0 <= lo <= hi <= n;
        loop invariant below: \forall integer p; 0 <= p < lo ==> readers[p] < atx;
        loop invariant above: \forall integer p; hi <= p < n ==> readers[p] >= atx;
        loop assigns lo, hi;
        loop variant hi - lo; */
    while (lo < hi) { /* the first reader >= atx */
        size_t mid = lo + (hi - lo) / 2;
        if (readers[mid] < atx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == n || readers[lo] >= ftx;
}

size_t pending_release(uint64_t *ids, uint64_t *atx, size_t n, uint64_t ftx,
                       const uint64_t *readers, size_t nr, uint64_t *out,
                       size_t *kept)
{
    size_t j, k = 0, w = 0;
    /*@ loop invariant tail: \forall integer i; j <= i < n ==>
            ids[i] == \at(ids[i], Pre) && atx[i] == \at(atx[i], Pre);
        loop invariant out_all: \forall integer i; 0 <= i < j &&
            Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
            In(\at(ids[i], Pre), out, k);
        loop invariant kept_all: \forall integer i; 0 <= i < j &&
            !Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
            PendingIn(\at(ids[i], Pre), \at(atx[i], Pre), ids, atx, w);
        loop invariant out_only: \forall integer i; 0 <= i < k ==>
            PendingUnseen{Pre}(out[i], ids, atx, n, ftx, readers, nr);
        loop invariant kept_only: \forall integer i; 0 <= i < w ==>
            PendingSeen{Pre}(ids[i], atx[i], ids, atx, n, ftx, readers, nr);
        loop invariant range: 0 <= w <= j <= n && k + w == j;
        loop assigns j, k, w, ids[0 .. n - 1], atx[0 .. n - 1],
                     out[0 .. n - 1];
        loop variant n - j; */
    for (j = 0; j < n; j++) {
        if (fl_unseen(atx[j], ftx, readers, nr)) {
            //@ assert unseen: \let jj = j; Unseen{Pre}(\at(atx[jj], Pre), ftx, readers, nr);
            out[k++] = ids[j];
            //@ assert moved: \let jj = j; out[k - 1] == \at(ids[jj], Pre);
            /*@ assert frame_out: \forall integer i; 0 <= i < k - 1 ==>
                    out[i] == \at(out[i], LoopCurrent); */
            /*@ assert frame_ids: \forall integer i; 0 <= i < n ==>
                    ids[i] == \at(ids[i], LoopCurrent) &&
                    atx[i] == \at(atx[i], LoopCurrent); */
            /*@ assert out_all: \forall integer i; 0 <= i <= j &&
                    Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
                    In(\at(ids[i], Pre), out, k); */
            /*@ assert kept_all: \forall integer i; 0 <= i <= j &&
                    !Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
                    PendingIn(\at(ids[i], Pre), \at(atx[i], Pre), ids, atx, w); */
            /*@ assert out_only: \forall integer i; 0 <= i < k ==>
                    PendingUnseen{Pre}(out[i], ids, atx, n, ftx, readers, nr); */
            /*@ assert kept_only: \forall integer i; 0 <= i < w ==>
                    PendingSeen{Pre}(ids[i], atx[i], ids, atx, n, ftx, readers, nr); */
        } else {
            //@ assert seen: \let jj = j; !Unseen{Pre}(\at(atx[jj], Pre), ftx, readers, nr);
            ids[w] = ids[j];
            atx[w] = atx[j];
            w++;
            //@ assert kept: \let jj = j; ids[w - 1] == \at(ids[jj], Pre) && atx[w - 1] == \at(atx[jj], Pre);
            /*@ assert frame_out: \forall integer i; 0 <= i < n ==>
                    out[i] == \at(out[i], LoopCurrent); */
            /*@ assert frame_ids: \forall integer i; 0 <= i < n && i != w - 1 ==>
                    ids[i] == \at(ids[i], LoopCurrent) &&
                    atx[i] == \at(atx[i], LoopCurrent); */
            /*@ assert out_all: \forall integer i; 0 <= i <= j &&
                    Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
                    In(\at(ids[i], Pre), out, k); */
            /*@ assert kept_all: \forall integer i; 0 <= i <= j &&
                    !Unseen{Pre}(\at(atx[i], Pre), ftx, readers, nr) ==>
                    PendingIn(\at(ids[i], Pre), \at(atx[i], Pre), ids, atx, w); */
            /*@ assert out_only: \forall integer i; 0 <= i < k ==>
                    PendingUnseen{Pre}(out[i], ids, atx, n, ftx, readers, nr); */
            /*@ assert kept_only: \forall integer i; 0 <= i < w ==>
                    PendingSeen{Pre}(ids[i], atx[i], ids, atx, n, ftx, readers, nr); */
        }
    }
    *kept = w;
    return k;
}

/* Little-endian stores by division, so that WP sees the value they store
 * (LD16/LD64 of the bytes); st16/st64 shift and truncate instead. */
/*@ requires valid: \valid(p + (0 .. 1));
    requires small: v < 65536;
    assigns p[0 .. 1];
    ensures stored: LD16(p) == v; */
static void put16(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)(v % 256u);
    p[1] = (uint8_t)(v / 256u);
}

/*@ requires valid: \valid(p + (0 .. 7));
    assigns p[0 .. 7];
    ensures stored: LD64(p) == v; */
static void put64(uint8_t *p, uint64_t v)
{
    uint64_t w = v;
    p[0] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s1: v == p[0] + 256 * w;
    p[1] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s2: v == p[0] + 256 * p[1] + 65536 * w;
    p[2] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s3: v == p[0] + 256 * p[1] + 65536 * p[2] + 16777216 * w;
    p[3] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s4: v == LD32(p) + 4294967296 * w;
    p[4] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s5: v == LD32(p) + 4294967296 * (p[4] + 256 * w);
    p[5] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s6: v == LD32(p) + 4294967296 * (p[4] + 256 * p[5] + 65536 * w);
    p[6] = (uint8_t)(w % 256u);
    w /= 256u;
    //@ assert s7: v == LD32(p) + 4294967296 * (p[4] + 256 * p[5] + 65536 * p[6] + 16777216 * w);
    //@ assert last: w < 256;
    p[7] = (uint8_t)w;
    //@ assert s8: v == LD32(p) + 4294967296 * LD32(p + 4);
}

size_t freelist_put_count(uint64_t n, uint8_t *page, size_t len)
{
    size_t off = PAGE_HDR_SIZE;
    if (n >= FREELIST_COUNT_OVERFLOW)
        off += 8u;
    if (len < off || n > (len - off) / 8u)
        return 0;
    if (n < FREELIST_COUNT_OVERFLOW) {
        put16(page + PAGE_OFF_COUNT, n);
    } else {
        put16(page + PAGE_OFF_COUNT, FREELIST_COUNT_OVERFLOW);
        put64(page + PAGE_HDR_SIZE, n);
    }
    //@ assert count: FreelistCount(page) == n;
    //@ assert offset: FreelistIdsOff(page) == off;
    return off;
}

void ids_store(const uint64_t *ids, size_t n, uint8_t *dst)
{
    size_t i;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant stored: \forall integer k; 0 <= k < i ==>
                                   LD64(dst + 8 * k) == ids[k];
        loop assigns i, dst[0 .. 8 * n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        put64(dst + 8u * i, ids[i]);
        //@ assert new: LD64(dst + 8 * i) == ids[i];
        /*@ assert kept: \forall integer k, j; 0 <= k < i && 0 <= j < 8 ==>
                dst[8 * k + j] == \at(dst[8 * k + j], LoopCurrent); */
        /*@ assert kept64: \forall integer k; 0 <= k < i ==>
                LD64(dst + 8 * k) == \at(LD64(dst + 8 * k), LoopCurrent); */
        /*@ assert all: \forall integer k; 0 <= k <= i ==>
                LD64(dst + 8 * k) == ids[k]; */
    }
}

int freelist_encode(const uint64_t *ids, uint64_t n, uint8_t *page,
                    size_t len)
{
    size_t off = PAGE_HDR_SIZE;
    uint64_t i;
    if (n >= FREELIST_COUNT_OVERFLOW)
        off += 8u;
    if (len < off || n > (len - off) / 8u)
        return -1;
    if (n < FREELIST_COUNT_OVERFLOW) {
        put16(page + PAGE_OFF_COUNT, n);
    } else {
        put16(page + PAGE_OFF_COUNT, FREELIST_COUNT_OVERFLOW);
        put64(page + PAGE_HDR_SIZE, n);
    }
    //@ assert count: FreelistCount(page) == n;
    //@ assert offset: FreelistIdsOff(page) == off;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant count: FreelistCount(page) == n;
        loop invariant offset: FreelistIdsOff(page) == off;
        loop invariant stored: \forall integer k; 0 <= k < i ==>
                                   LD64(page + (off + 8 * k)) == ids[k];
        loop assigns i, page[off .. off + 8 * n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        put64(page + off + 8u * i, ids[i]);
        //@ assert new: LD64(page + (off + 8 * i)) == ids[i];
        /*@ assert kept: \forall integer k, j; 0 <= k < i && 0 <= j < 8 ==>
                page[off + 8 * k + j] == \at(page[off + 8 * k + j], LoopCurrent); */
        /*@ assert kept64: \forall integer k; 0 <= k < i ==>
                LD64(page + (off + 8 * k)) == \at(LD64(page + (off + 8 * k)), LoopCurrent); */
        /*@ assert prefix: \forall integer k; 0 <= k < i ==>
                LD64(page + (off + 8 * k)) == ids[k]; */
        /*@ assert all: \forall integer k; 0 <= k <= i ==>
                LD64(page + (off + 8 * k)) == ids[k]; */
    }
    return 0;
}
