/*
 * alloc.c - the page allocator (bbolt's array freelist): lowest-run
 * allocation, pending frees per transaction, release when no reader can
 * see them (merged in place), rollback, the freelist page's ids. See
 * alloc.h for the invariants.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mem.h"

#ifdef __FRAMAC__
/* The blocks make_room allocates for the free ids, as the proofs see them:
 * one region (proofs/README.md, "alloc"). */
extern uint64_t fl_ids_heap[SIZE_MAX / 8];
/* cb_malloc (mem.c, not proved) for n ids: WP's Typed model follows no
 * cast of its void *, so a typed declaration: NULL, or n writable ids in
 * fl_ids_heap apart from *f and from its array (a fresh block). */
/*@ requires size: n <= SIZE_MAX / 8;
    requires valid: \valid_read(f);
    assigns \nothing;
    ensures fresh: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&fl_ids_heap[0]) &&
       \separated(\result + (0 .. n - 1), f, f->base + (0 .. f->cap - 1))); */
uint64_t *fl_ids_malloc(size_t n, const fl *f);
#define IDS_MALLOC(f, n) fl_ids_malloc((n), (f))
/* The blocks pending_ids allocates for a copy of the pending ids: one
 * region of their own (proofs/README.md, "alloc"). */
extern uint64_t fl_pend_heap[SIZE_MAX / 8];
/* cb_malloc (mem.c, not proved) for n pending ids, typed as for
 * fl_ids_malloc: NULL, or n writable ids in fl_pend_heap. */
/*@ requires size: n <= SIZE_MAX / 8;
    assigns \nothing;
    ensures fresh: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&fl_pend_heap[0])); */
uint64_t *fl_pend_malloc(size_t n);
#define PEND_MALLOC(n) fl_pend_malloc(n)
/*@ // The blocks pending_ids allocates are apart from *f, its free
    // array, its pending sets and their ids: what a fresh block is.
    predicate PendFresh{L}(fl *f) =
        \separated(&fl_pend_heap[0 .. SIZE_MAX / 8 - 1], f,
                   f->base + (0 .. f->cap - 1),
                   f->pend + (0 .. f->npend - 1)) &&
        \forall integer i; 0 <= i < f->npend ==>
          \separated(&fl_pend_heap[0 .. SIZE_MAX / 8 - 1],
                     f->pend[i].ids + (0 .. f->pend[i].n - 1)); */
#else
#define IDS_MALLOC(f, n) cb_malloc((n) * sizeof(uint64_t))
#define PEND_MALLOC(n) cb_malloc((n) * sizeof(uint64_t))
#endif

#ifdef CBOLT_DEBUG
/* alloc.h's first invariant, with the proved checker. */
static int ids_ok(const fl *f)
{
    return freelist_sorted_unique(f->ids, f->n) == 0 &&
           (f->n == 0 || f->ids[0] >= 2);
}

/* fl_unseen()'s and pending_release()'s precondition Ascending. */
static int ascending(const uint64_t *r, size_t n)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (r[i - 1] > r[i])
            return 0;
    return 1;
}
#endif

void fl_init(fl *f)
{
    memset(f, 0, sizeof *f);
}

static void pending_free(fl_pending *p)
{
    cb_free(p->ids);
    cb_free(p->alloctx);
}

void fl_destroy(fl *f)
{
    size_t i;
    for (i = 0; i < f->npend; i++)
        pending_free(&f->pend[i]);
    cb_free(f->pend);
    cb_free(f->base);
    u64map_free(&f->allocs);
    u64map_free(&f->cache);
    memset(f, 0, sizeof *f);
}

static int reserve_ids(fl *f, size_t n)
{
    uint64_t *p;
    size_t cap = f->cap ? f->cap : 64;
    if (n <= f->cap)
        return CBOLT_OK;
    while (cap < n)
        cap *= 2;
    CB_INVARIANT(f->ids == f->base); /* only on a fresh array */
    p = cb_realloc(f->base, cap * sizeof *p);
    if (!p)
        return CBOLT_ERR_NOMEM;
    f->ids = f->base = p;
    f->cap = cap;
    return CBOLT_OK;
}

int fl_load(fl *f, const uint64_t *ids, size_t n)
{
    size_t i;
    int rc;
    fl_destroy(f);
    if ((rc = reserve_ids(f, n)) != CBOLT_OK)
        return rc;
    if (n)
        memcpy(f->ids, ids, n * sizeof *ids);
    f->n = n;
    for (i = 0; i < n; i++)
        if (u64map_put(&f->cache, ids[i], 1) != CBOLT_OK)
            return CBOLT_ERR_NOMEM;
    CB_INVARIANT(ids_ok(f));
    return CBOLT_OK;
}

uint64_t fl_allocate(fl *f, uint64_t txid, uint64_t count)
{
    size_t at = ids_find_run(f->ids, f->n, count), i;
    uint64_t first;
    if (count == 0 || at == f->n)
        return 0;
    first = f->ids[at];
    if (u64map_put(&f->allocs, first, txid) != CBOLT_OK)
        return 0;
    if (at < f->n - at - count) {
        /* fewer ids below the run than above it: those below move up
         * (none for the lowest run), and the array starts count later */
        ids_remove_run_front(f->ids, f->n, at, count);
        f->ids += count;
    } else {
        ids_remove_run(f->ids, f->n, at, count);
    }
    f->n -= count;
    CB_INVARIANT(ids_ok(f));
    for (i = 0; i < count; i++)
        u64map_del(&f->cache, first + i);
    return first;
}

static fl_pending *pending_for(fl *f, uint64_t txid)
{
    size_t i;
    for (i = 0; i < f->npend; i++)
        if (f->pend[i].txid == txid)
            return &f->pend[i];
    if (f->npend == f->cappend) {
        size_t cap = f->cappend ? 2 * f->cappend : 8;
        fl_pending *p = cb_realloc(f->pend, cap * sizeof *p);
        if (!p)
            return NULL;
        f->pend = p;
        f->cappend = cap;
    }
    /* txids only grow, except when a rolled-back id is reused */
    for (i = f->npend; i > 0 && f->pend[i - 1].txid > txid; i--)
        f->pend[i] = f->pend[i - 1];
    memset(&f->pend[i], 0, sizeof f->pend[i]);
    f->pend[i].txid = txid;
    f->npend++;
    return &f->pend[i];
}

static int pending_add(fl_pending *p, uint64_t id, uint64_t atx)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        uint64_t *a = cb_realloc(p->ids, cap * sizeof *a);
        uint64_t *b;
        if (!a)
            return CBOLT_ERR_NOMEM;
        p->ids = a;
        b = cb_realloc(p->alloctx, cap * sizeof *b);
        if (!b)
            return CBOLT_ERR_NOMEM;
        p->alloctx = b;
        p->cap = cap;
    }
    p->ids[p->n] = id;
    p->alloctx[p->n++] = atx;
    return CBOLT_OK;
}

int fl_free(fl *f, uint64_t txid, uint64_t pgid, uint64_t overflow,
            int is_freelist_page)
{
    fl_pending *p;
    uint64_t atx = 0, i;
    if (pgid < 2)
        return cb_corrupt(pgid, RULE_PAGE_ID_RANGE, "freeing a meta page");
    for (i = 0; i <= overflow; i++)
        if (u64map_get(&f->cache, pgid + i, NULL))
            return cb_corrupt(pgid + i, RULE_PAGE_DOUBLE,
                              "page freed twice (referenced twice)");
    if (!(p = pending_for(f, txid)))
        return cb_error(CBOLT_ERR_NOMEM, "freelist: out of memory");
    if (u64map_get(&f->allocs, pgid, &atx))
        u64map_del(&f->allocs, pgid);
    else if (is_freelist_page)
        atx = txid - 1; /* a freelist page is always from the prior tx */
    for (i = 0; i <= overflow; i++) {
        if (pending_add(p, pgid + i, atx) != CBOLT_OK ||
            u64map_put(&f->cache, pgid + i, 1) != CBOLT_OK)
            return cb_error(CBOLT_ERR_NOMEM, "freelist: out of memory");
    }
    return CBOLT_OK;
}

static const char twice[] = "page both free and merged into the free ids";

/* Sorts the ids m[0..k) about to join the free ids and checks them:
 * page-double when one is there twice, page-id-range when one is a meta
 * page (alloc.h's invariant "every id >= 2", checked at the cost of one
 * comparison so that the proof need not trust the sort). */
/*@ requires valid: \valid(m + (0 .. k - 1));
    assigns m[0 .. k - 1], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures ok: \result == CBOLT_OK ==> SortedUnique(m, k) &&
      (\forall integer i; 0 <= i < k ==> m[i] >= 2); */
static int sort_check(uint64_t *m, size_t k)
{
    uint64_t at;
    cb_sort_u64(m, k);
    if ((at = freelist_sorted_unique(m, k)) != 0)
        return cb_corrupt(m[at], RULE_PAGE_DOUBLE, twice);
    if (k > 0 && m[0] < 2)
        return cb_corrupt(m[0], RULE_PAGE_ID_RANGE,
                          "meta page among the ids merged into the free ids");
    /*@ assert m_above: \forall integer i; 0 <= i < k ==> m[i] >= 2; */
    return CBOLT_OK;
}

/* Sorts the ids m[0..k) and merges them with the free ids into out (room
 * for f->n + k): CBOLT_OK, or a corruption error, and then out must not
 * be used: page-id-range when a meta page id is among them (alloc.h's
 * invariant "every id >= 2", checked at the cost of one comparison so
 * that the proof need not trust the sort), page-double when an id of m
 * is there twice or is also free (alloc.h's invariant "free and pending
 * ids are disjoint" broken; ids_merge() checks the second). The free
 * array itself is not changed. */
/*@ requires args: MergeArgs(f, m, k, out);
    assigns m[0 .. k - 1], out[0 .. f->n + k - 1], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures merged: \result == CBOLT_OK ==>
      SortedUnique(out, f->n + k) && (f->n + k > 0 ==> out[0] >= 2);
    ensures from_free: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < f->n ==> In(f->ids[i], out, f->n + k);
    ensures from_m: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < k ==> In(m[i], out, f->n + k);
    ensures only: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < f->n + k ==>
        In(out[i], f->ids, f->n) || In(out[i], m, k); */
static int sorted_merge(const fl *f, uint64_t *m, size_t k, uint64_t *out)
{
    uint64_t dup = 0;
    int rc = sort_check(m, k);
    if (rc != CBOLT_OK)
        return rc;
    /*@ assert free_above: \forall integer i; 0 <= i < f->n ==>
          f->ids[i] >= 2; */
    if (ids_merge(f->ids, f->n, m, k, out, &dup) != 0)
        return cb_corrupt(dup, RULE_PAGE_DOUBLE, twice);
    /*@ assert disjoint: \forall integer i, j; 0 <= i < f->n && 0 <= j < k ==>
          f->ids[i] != m[j]; */
    /*@ assert first: f->n + k > 0 ==>
          In(out[0], f->ids, f->n) || In(out[0], m, k); */
    return CBOLT_OK;
}

/* Merges the (unsorted, not free) ids m[0..k) into the free array, using
 * out (room for f->n + k ids, allocated by the caller before it changed
 * anything, so that a merge cannot fail half-way for want of memory).
 * On a shared id the free array is left as it was. */
/*@ requires args: MergeArgs(f, m, k, out);
    assigns f->ids, f->base, f->n, f->cap, m[0 .. k - 1],
            out[0 .. f->n + k - 1], cb_error_record;
    ensures free_ids: FreeIds(f);
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures unchanged: \result != CBOLT_OK || k == 0 ==>
      f->ids == \old(f->ids) && f->n == \old(f->n);
    ensures merged: \result == CBOLT_OK && k > 0 ==>
      f->ids == out && f->n == \old(f->n) + k &&
      (\forall integer i; 0 <= i < \old(f->n) ==>
         In(\at(f->ids[i], Pre), f->ids, f->n)) &&
      (\forall integer i; 0 <= i < k ==> In(m[i], f->ids, f->n)) &&
      (\forall integer i; 0 <= i < f->n ==>
         In{Pre}(f->ids[i], \old(f->ids), \old(f->n)) || In(f->ids[i], m, k)); */
static int merge_into(fl *f, uint64_t *m, size_t k, uint64_t *out)
{
    int rc = k ? sorted_merge(f, m, k, out) : CBOLT_OK;
    if (k == 0 || rc != CBOLT_OK) {
        cb_free(out);
        return rc;
    }
    cb_free(f->base);
    f->ids = f->base = out;
    f->n += k;
    f->cap = f->n;
    CB_INVARIANT(ids_ok(f));
    return CBOLT_OK;
}

/* Merges m[0..k) into the free array, allocating the new array. */
/*@ requires array: FreeArray(f);
    requires ids: \valid(m + (0 .. k - 1)) && f->n + k <= SIZE_MAX / 8;
    requires apart: \separated(m + (0 .. k - 1), f->base + (0 .. f->cap - 1),
                               f, &fl_ids_heap[0 .. SIZE_MAX / 8 - 1]);
    assigns f->ids, f->base, f->n, f->cap, m[0 .. k - 1],
            fl_ids_heap[..], cb_error_record;
    ensures free_ids: FreeIds(f);
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT ||
      \result == CBOLT_ERR_NOMEM;
    ensures unchanged: \result != CBOLT_OK || k == 0 ==>
      f->ids == \old(f->ids) && f->n == \old(f->n);
    ensures merged: \result == CBOLT_OK && k > 0 ==>
      f->n == \old(f->n) + k &&
      (\forall integer i; 0 <= i < \old(f->n) ==>
         In(\at(f->ids[i], Pre), f->ids, f->n)) &&
      (\forall integer i; 0 <= i < k ==> In(m[i], f->ids, f->n)) &&
      (\forall integer i; 0 <= i < f->n ==>
         In{Pre}(f->ids[i], \old(f->ids), \old(f->n)) || In(f->ids[i], m, k)); */
static int merge_spans(fl *f, uint64_t *m, size_t k)
{
    uint64_t *out;
    if (k == 0)
        return CBOLT_OK;
    if (!(out = IDS_MALLOC(f, f->n + k)))
        return CBOLT_ERR_NOMEM;
    /*@ assert inside: \forall integer i; 0 <= i < f->n ==>
          f->ids + i == f->base + (FreeSlack(f) + i); */
    /*@ assert apart: \separated(out + (0 .. f->n + k - 1),
                                 f->ids + (0 .. f->n - 1)); */
    return merge_into(f, m, k, out);
}

static void pending_remove(fl *f, size_t i)
{
    pending_free(&f->pend[i]);
    memmove(f->pend + i, f->pend + i + 1,
            (f->npend - i - 1) * sizeof *f->pend);
    f->npend--;
}

/* Copies src[0 .. n) to dst: a copy loop rather than memcpy(), so that
 * the proof sees the ids (WP's Typed model cannot read a byte-wise copy
 * back as ids). */
/*@ requires valid: \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires separated: \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1];
    ensures copied: \forall integer i; 0 <= i < n ==> dst[i] == src[i];
    ensures sorted: SortedUnique(src, n) ==> SortedUnique(dst, n); */
static void ids_copy(uint64_t *dst, const uint64_t *src, size_t n)
{
    size_t i;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant copied: \forall integer j; 0 <= j < i ==> dst[j] == src[j];
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++)
        dst[i] = src[i];
}

/* Room for a merge in place: at least back free slots above the free
 * ids. When there are fewer, the ids move to a new array of twice what
 * they and the room need, centred: the slack below is made anew, not
 * carried over, so that a window sliding up (the lowest page taken, a
 * higher one freed) does not grow the array without bound. The bound on
 * the counts keeps the new array's byte count from wrapping. */
/*@ requires array: FreeArray(f);
    assigns f->ids, f->base, f->cap, fl_ids_heap[..];
    ensures array: FreeArray(f);
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures room: \result == CBOLT_OK ==> FreeRoom(f) >= back;
    ensures same: \forall integer i; 0 <= i < f->n ==>
      f->ids[i] == \old(f->ids[i]);
    ensures nomem: \result != CBOLT_OK ==> f->ids == \old(f->ids) &&
      f->base == \old(f->base) && f->cap == \old(f->cap); */
static int make_room(fl *f, size_t back)
{
    size_t off = (size_t)(f->ids - f->base), need, cap, at;
    uint64_t *p;
    if (f->cap - off - f->n >= back)
        return CBOLT_OK;
    if (f->n > SIZE_MAX / 64 || back > SIZE_MAX / 64)
        return CBOLT_ERR_NOMEM;
    need = f->n + back;
    cap = 2 * need + 64;
    at = (cap - need) / 2;
    if (!(p = IDS_MALLOC(f, cap)))
        return CBOLT_ERR_NOMEM;
    /*@ assert free: SortedUnique(f->ids, f->n) &&
          (f->n > 0 ==> f->ids[0] >= 2) && at + f->n <= cap; */
    ids_copy(p + at, f->ids, f->n);
    /*@ assert moved: f->n == \at(f->n, Pre) && SortedUnique(p + at, f->n) &&
          (f->n > 0 ==> p[at] >= 2); */
    cb_free(f->base);
    f->base = p;
    f->ids = p + at;
    f->cap = cap;
    /*@ assert layout: f->ids - f->base + f->n <= f->cap &&
          \valid(f->base + (0 .. f->cap - 1)); */
    /*@ assert ids: FreeIds(f); */
    return CBOLT_OK;
}

/* Where to cut the sorted ids m[0..k) merged in place into the ids
 * ids[0..n), with room for slack ids below them and k above: m[0..s) go
 * below (ids_merge_down moves the ids below m[s - 1]), m[s..k) above
 * (ids_merge_up moves those above m[s]); s is at most the slack and
 * moves the fewest ids. Pages freed come back near where they were taken
 * (the lowest runs), so both moves are usually short: a long free array
 * is not copied at every release. */
/*@ requires valid: \valid_read(ids + (0 .. n - 1)) &&
                    \valid_read(m + (0 .. k - 1));
    requires sorted: SortedUnique(ids, n) && SortedUnique(m, k);
    requires size: k < SIZE_MAX;
    assigns \nothing;
    ensures cut: \result <= k && \result <= slack; */
static size_t merge_cut(const uint64_t *ids, size_t n, size_t slack,
                        const uint64_t *m, size_t k)
{
    size_t s, best = 0, least = SIZE_MAX;
    size_t below = 0, at = 0; /* ids below m[s - 1], below m[s] */
    /*@ loop invariant range: 0 <= s <= k + 1 && s <= slack + 1;
        loop invariant best: best <= k && best <= slack;
        loop invariant below: below == at && at <= n && (s == 0 ==> at == 0);
        loop invariant at: 0 < s <= k && 0 < at ==> ids[at - 1] < m[s - 1];
        loop assigns s, best, least, below, at;
        loop variant k - s; */
    for (s = 0; s <= k && s <= slack; s++) {
        size_t moved;
        /*@ assert order: 0 < s < k ==> m[s - 1] < m[s]; */
        /* no id lies between two consecutive ones: one search per span */
        if (s < k && (s == 0 || m[s] != m[s - 1] + 1))
            at = ids_lower_bound(ids, n, m[s]);
        /*@ assert grows: below <= at <= n; */
        moved = below + (s < k ? n - at : 0);
        if (moved < least) {
            least = moved;
            best = s;
        }
        below = at;
    }
    return best;
}

/* sort_check(), and no id of m among ids[0..n): all a merge in place
 * checks before anything moves. */
/*@ requires valid: \valid_read(ids + (0 .. n - 1)) && \valid(m + (0 .. k - 1));
    requires sorted: SortedUnique(ids, n);
    requires separated: \separated(ids + (0 .. n - 1), m + (0 .. k - 1));
    assigns m[0 .. k - 1], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    ensures ok: \result == CBOLT_OK ==> SortedUnique(m, k) &&
      (\forall integer i; 0 <= i < k ==> m[i] >= 2) &&
      (\forall integer i, j; 0 <= i < n && 0 <= j < k ==> ids[i] != m[j]); */
static int merge_check(const uint64_t *ids, size_t n, uint64_t *m, size_t k)
{
    size_t at;
    int rc = sort_check(m, k);
    if (rc != CBOLT_OK)
        return rc;
    if ((at = ids_common(ids, n, m, k)) != k)
        return cb_corrupt(m[at], RULE_PAGE_DOUBLE, twice);
    return CBOLT_OK;
}

/* Merges the ids m[0..k) (unsorted, room made above the free ids for
 * all k) into the free ids in place; a refused merge moves nothing. */
static int merge_in_place(fl *f, uint64_t *m, size_t k)
{
    size_t s;
    int rc;
    if (k == 0)
        return CBOLT_OK;
    if ((rc = merge_check(f->ids, f->n, m, k)) != CBOLT_OK)
        return rc;
    s = merge_cut(f->ids, f->n, (size_t)(f->ids - f->base), m, k);
    ids_merge_up(f->ids, f->n, m + s, k - s);
    f->n += k - s;
    ids_merge_down(f->ids - s, f->n, m, s);
    f->ids -= s;
    f->n += s;
    CB_INVARIANT(ids_ok(f));
    return CBOLT_OK;
}

int fl_release(fl *f, const uint64_t *readers, size_t n)
{
    size_t i, k = 0, total = fl_pending_count(f);
    uint64_t *m;
    int rc;
    CB_INVARIANT(ascending(readers, n));
    if (total == 0)
        return CBOLT_OK;
    m = cb_malloc(total * sizeof *m);
    if (!m || make_room(f, total) != CBOLT_OK) {
        cb_free(m);
        return CBOLT_ERR_NOMEM; /* nothing changed */
    }
    for (i = 0; i < f->npend;) {
        fl_pending *p = &f->pend[i];
        size_t kept;
        /* the ids no reader can see go to m; the others stay, in order */
        k += pending_release(p->ids, p->alloctx, p->n, p->txid, readers, n,
                             m + k, &kept);
        p->n = kept;
        if (p->n == 0)
            pending_remove(f, i);
        else
            i++;
    }
    rc = merge_in_place(f, m, k);
    cb_free(m);
    return rc;
}

int fl_rollback(fl *f, uint64_t txid, const fl_run *runs, size_t nruns)
{
    size_t i, k = 0, total = 0;
    uint64_t *m, j;
    int rc;
    for (i = 0; i < f->npend; i++) {
        fl_pending *p = &f->pend[i];
        if (p->txid != txid)
            continue;
        for (j = 0; j < p->n; j++) {
            u64map_del(&f->cache, p->ids[j]);
            if (p->alloctx[j] && p->alloctx[j] != txid &&
                u64map_put(&f->allocs, p->ids[j], p->alloctx[j]) != CBOLT_OK)
                return CBOLT_ERR_NOMEM;
        }
        pending_remove(f, i);
        break;
    }
    for (i = 0; i < nruns; i++) {
        if (runs[i].hwm)
            u64map_del(&f->allocs, runs[i].pgid);
        else
            total += runs[i].count;
    }
    if (total == 0)
        return CBOLT_OK;
    if (!(m = cb_malloc(total * sizeof *m)))
        return CBOLT_ERR_NOMEM;
    for (i = 0; i < nruns; i++) {
        if (runs[i].hwm)
            continue;
        u64map_del(&f->allocs, runs[i].pgid);
        for (j = 0; j < runs[i].count; j++) {
            m[k++] = runs[i].pgid + j;
            if (u64map_put(&f->cache, runs[i].pgid + j, 1) != CBOLT_OK) {
                cb_free(m);
                return CBOLT_ERR_NOMEM;
            }
        }
    }
    rc = merge_spans(f, m, k);
    cb_free(m);
    return rc;
}

int fl_note_alloc(fl *f, uint64_t txid, uint64_t pgid)
{
    return u64map_put(&f->allocs, pgid, txid);
}

size_t fl_free_count(const fl *f)
{
    return f->n;
}

size_t fl_pending_count(const fl *f)
{
    size_t i, n = 0;
    /*@ loop invariant range: 0 <= i <= f->npend;
        loop invariant total: n == PendTotal(f->pend, i);
        loop invariant prefix: \forall integer j; 0 <= j <= i ==>
          0 <= PendTotal(f->pend, j) <= n;
        loop assigns i, n;
        loop variant f->npend - i; */
    for (i = 0; i < f->npend; i++) {
        /*@ assert step: PendTotal(f->pend, i + 1) == n + f->pend[i].n; */
        /*@ assert bound: PendTotal(f->pend, i + 1) <= SIZE_MAX / 8; */
        n += f->pend[i].n;
    }
    return n;
}

size_t fl_count(const fl *f)
{
    return fl_free_count(f) + fl_pending_count(f);
}

uint64_t fl_page_bytes(const fl *f)
{
    uint64_t n = fl_count(f);
    if (n >= FREELIST_COUNT_OVERFLOW)
        n++;
    return PAGE_HDR_SIZE + 8u * n;
}

/* The pending ids, in one new array (*m, *k; NULL when there are none). */
/*@ requires pend: PendingSets(f);
    requires fresh: PendFresh(f);
    requires out: \valid(m) && \valid(k) &&
      \separated(m, k, f, f->pend + (0 .. f->npend - 1),
                 &fl_pend_heap[0 .. SIZE_MAX / 8 - 1]);
    assigns *m, *k, fl_pend_heap[..], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures nomem: \result != CBOLT_OK ==> *m == \null && *k == 0;
    ensures count: \result == CBOLT_OK ==>
      *k == \at(PendTotal(f->pend, f->npend), Pre) && *k <= SIZE_MAX / 8;
    ensures ids: \result == CBOLT_OK ==> \valid(*m + (0 .. *k - 1)) &&
      (*k > 0 ==> \base_addr(*m) == \base_addr(&fl_pend_heap[0])); */
static int pending_ids(const fl *f, uint64_t **m, size_t *k)
{
    size_t np = fl_pending_count(f), i, n = 0;
    uint64_t *p = NULL;
    *m = NULL;
    *k = 0;
    if (np && !(p = PEND_MALLOC(np)))
        return cb_error(CBOLT_ERR_NOMEM, "freelist: out of memory");
    /*@ loop invariant range: 0 <= i <= f->npend;
        loop invariant total: n == PendTotal{Pre}(f->pend, i);
        loop assigns i, n, fl_pend_heap[..];
        loop variant f->npend - i; */
    for (i = 0; i < f->npend; i++) {
        /*@ assert step: PendTotal{Pre}(f->pend, i + 1) == n + f->pend[i].n; */
        /*@ assert room: n + f->pend[i].n <= np; */
        /*@ assert apart: \separated(p + (0 .. np - 1),
              f->pend[i].ids + (0 .. f->pend[i].n - 1)); */
        ids_copy(p + n, f->pend[i].ids, f->pend[i].n);
        n += f->pend[i].n;
    }
    *m = p;
    *k = n;
    return CBOLT_OK;
}

int fl_copyall(const fl *f, uint64_t *out)
{
    size_t np, s;
    uint64_t *m;
    int rc = pending_ids(f, &m, &np);
    /* the free ids copied at out + s, the pending ones merged around them
     * in place (a copy and two short moves, not a merge of every id) */
    if (rc == CBOLT_OK &&
        (rc = merge_check(f->ids, f->n, m, np)) == CBOLT_OK) {
        s = merge_cut(f->ids, f->n, np, m, np);
        if (f->n)
            memcpy(out + s, f->ids, f->n * sizeof *out);
        ids_merge_up(out + s, f->n, m + s, np - s);
        ids_merge_down(out, f->n + np - s, m, s);
    }
    cb_free(m);
    return rc;
}

/*@ requires free: FreeArray(f);
    requires pend: PendingSets(f);
    requires fresh: PendFresh(f);
    requires page: len >= PageHdrSize + 8 && \valid(page + (0 .. len - 1));
    requires apart: \separated(page + (0 .. len - 1), f,
                               f->base + (0 .. f->cap - 1),
                               f->pend + (0 .. f->npend - 1),
                               &fl_pend_heap[0 .. SIZE_MAX / 8 - 1]);
    assigns page[0 .. len - 1], fl_pend_heap[..], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT ||
                    \result == CBOLT_ERR_NOMEM;
    ensures count: \result == CBOLT_OK ==> FreelistHeaderOk(page, len) &&
      FreelistCount(page) == f->n + \at(PendTotal(f->pend, f->npend), Pre) &&
      FreelistIdsOff(page) == FreelistIdsOffN(FreelistCount(page)); */
int fl_encode(const fl *f, uint8_t *page, size_t len)
{
    size_t k, i = 0, j, pos = 0, at, o;
    uint64_t *m;
    int rc = pending_ids(f, &m, &k);
    if (rc == CBOLT_OK)
        rc = merge_check(f->ids, f->n, m, k);
    if (rc == CBOLT_OK && !(o = freelist_put_count(f->n + k, page, len)))
        rc = cb_error(CBOLT_ERR_NOMEM, "freelist: page too small");
    if (rc != CBOLT_OK) {
        cb_free(m);
        return rc;
    }
    //@ ghost size_t off = o;
    /*@ assert apart: \separated(f->ids + (0 .. f->n - 1),
                                 page + (0 .. len - 1)) &&
          \separated(m + (0 .. k - 1), page + (0 .. len - 1)); */
    /* the free ids below each span of consecutive pending ids, then the
     * span: the ids in order, stored once, never merged into a copy */
    /*@ loop invariant range: 0 <= i <= k && 0 <= pos <= f->n;
        loop invariant at: o == off + 8 * (pos + i);
        loop invariant fits: off >= PageHdrSize && off + 8 * (f->n + k) <= len;
        loop invariant head: f->n + k >= FreelistCountOverflow ==>
          off == PageHdrSize + 8 &&
          LD16(page + PageOffCount) == FreelistCountOverflow &&
          LD64(page + PageHdrSize) == f->n + k;
        loop invariant head16: f->n + k < FreelistCountOverflow ==>
          off == PageHdrSize && LD16(page + PageOffCount) == f->n + k;
        loop invariant sorted: SortedUnique(f->ids, f->n) && SortedUnique(m, k);
        loop invariant valid: \valid_read(f->ids + (0 .. f->n - 1)) &&
          \valid_read(m + (0 .. k - 1));
        loop invariant apart: \separated(f->ids + (0 .. f->n - 1),
                                         page + (0 .. len - 1)) &&
          \separated(m + (0 .. k - 1), page + (0 .. len - 1));
        loop invariant below: i < k ==>
          \forall integer p; 0 <= p < pos ==> f->ids[p] < m[i];
        loop assigns i, j, pos, at, o, page[off .. len - 1];
        loop variant k - i; */
    while (i < k) {
        /*@ loop invariant span: i + 1 <= j <= k;
            loop assigns j;
            loop variant k - j; */
        for (j = i + 1; j < k && m[j] == m[j - 1] + 1; j++)
            ;
        /*@ assert next: j < k ==> m[i] < m[j]; */
        /* every id below pos is below m[i]: the search of the whole
         * array finds the place past pos */
        /*@ assert low: pos > 0 ==> f->ids[pos - 1] < m[i]; */
        at = ids_lower_bound(f->ids, f->n, m[i]);
        /*@ assert grows: pos <= at <= f->n; */
        /*@ assert fit: o + 8 * (at - pos) + 8 * (j - i) <= len; */
        ids_store(f->ids + pos, at - pos, page + o);
        o += 8u * (at - pos);
        ids_store(m + i, j - i, page + o);
        o += 8u * (j - i);
        pos = at;
        i = j;
    }
    ids_store(f->ids + pos, f->n - pos, page + o);
    /*@ assert head: f->n + k >= FreelistCountOverflow ==>
          LD16(page + PageOffCount) == FreelistCountOverflow &&
          LD64(page + PageHdrSize) == f->n + k &&
          PageHdrSize + 8 + 8 * (f->n + k) <= len; */
    /*@ assert head16: f->n + k < FreelistCountOverflow ==>
          LD16(page + PageOffCount) == f->n + k &&
          PageHdrSize + 8 * (f->n + k) <= len; */
    cb_free(m);
    return CBOLT_OK;
}
