/*
 * alloc.h - the page allocator: free and pending page ids in memory
 * (bbolt's freelist type).
 *
 * Owns: the sorted array of free ids, the ids each write transaction
 * freed (pending until no reader can see them), which transaction
 * allocated each run taken from the free ids, and the set of every free
 * or pending id (to refuse a double free).
 * Invariants:
 * - ids[0..n) is sorted and duplicate-free, every id >= 2, and lies in
 *   base[0..cap): the ids below ids are slack, those above it room;
 * - a long free array is never copied whole by an allocation or a
 *   release: a run taken moves the ids on its shorter side (those below
 *   it move up into the run's place and the array starts later, or those
 *   above it move down), and released ids are merged in place, the lower
 *   ones into the slack and the higher ones into the room, cut where the
 *   fewest ids move (pages come back near where they were taken). The
 *   array moves only when the room runs out;
 * - free and pending ids are disjoint, and cache holds exactly their
 *   union;
 * - a page freed by transaction F that transaction A allocated (A = 0 when
 *   unknown) is released exactly when no open reader r has A <= r < F:
 *   only such a reader can see it. This releases what bbolt's release
 *   (below the oldest reader) and releaseRange (gaps between readers) do,
 *   and also pages allocated above the high-water mark.
 */
#ifndef CBOLT_ALLOC_H
#define CBOLT_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "freelist.h"
#include "u64map.h"

typedef struct fl_pending {
    uint64_t txid;
    uint64_t *ids;
    uint64_t *alloctx;       /* per id: the allocating tx, 0 if unknown */
    size_t n, cap;
} fl_pending;

typedef struct fl_run {
    uint64_t pgid, count;
    int hwm;                 /* taken above the high-water mark, not free */
} fl_run;

typedef struct fl {
    uint64_t *ids;           /* the free ids: ids[0 .. n), inside base */
    uint64_t *base;          /* their array: base[0 .. cap) holds the
                                slack, ids[0 .. n) and the room */
    size_t n, cap;           /* cap counts from base */
    fl_pending *pend;        /* ascending txid */
    size_t npend, cappend;
    u64map allocs;           /* first id of a run -> allocating txid */
    u64map cache;            /* every free or pending id */
} fl;

#ifdef __FRAMAC__
#include "../spec/alloc.acsl"
#endif

void fl_init(fl *f);
void fl_destroy(fl *f);
/* Makes ids[0..n) (sorted, unique, >= 2) the free set; nothing pending. */
int fl_load(fl *f, const uint64_t *ids, size_t n);
/* Takes the lowest run of count contiguous free ids for txid; returns its
 * first id, or 0 when there is none (then nothing changed). */
uint64_t fl_allocate(fl *f, uint64_t txid, uint64_t count);
/* Makes the run pgid .. pgid + overflow pending under txid.
 * CBOLT_ERR_CORRUPT (rule page-double) when one is already free or
 * pending: the file referenced it twice. */
int fl_free(fl *f, uint64_t txid, uint64_t pgid, uint64_t overflow,
            int is_freelist_page);
/* fl_unseen() (freelist.h): 1 when no reader of readers[0..n) (sorted
 * ascending) has atx <= r < ftx. */
/* Frees every pending id that no reader of readers[0..n) (sorted) can
 * see: pending_release() (freelist.h) on each pending set. */
int fl_release(fl *f, const uint64_t *readers, size_t n);
/* Records that txid allocated the run at pgid above the high-water mark
 * (no older reader can see it, so once freed it may be released in the
 * gaps between readers; bbolt records only runs taken from the free
 * ids). */
/*@ requires map: MapValid(&f->allocs);
    requires id: pgid >= 2;
    // no assigns clause: u64map_put's growth writes new tables
    ensures map: MapValid(&f->allocs);
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures noted: \result == CBOLT_OK ==>
      \exists integer j; 0 <= j < f->allocs.cap &&
        f->allocs.keys[j] == pgid && f->allocs.vals[j] == txid; */
int fl_note_alloc(fl *f, uint64_t txid, uint64_t pgid);
/* Undoes transaction txid: its pending ids become used again and the runs
 * it allocated from the free ids free again (hwm runs are forgotten). */
int fl_rollback(fl *f, uint64_t txid, const fl_run *runs, size_t nruns);
/*@ requires \valid_read(f);
    assigns \nothing;
    ensures \result == f->n; */
size_t fl_free_count(const fl *f);
/*@ requires pend: PendingSets(f);
    assigns \nothing;
    ensures total: \result == PendTotal(f->pend, f->npend);
    ensures prefix: \forall integer i; 0 <= i <= f->npend ==>
      0 <= PendTotal(f->pend, i) <= \result; */
size_t fl_pending_count(const fl *f);
/* The free and pending ids together. */
/*@ requires pend: PendingSets(f);
    requires free: f->n <= SIZE_MAX / 8;
    assigns \nothing;
    ensures count: \result == f->n + PendTotal(f->pend, f->npend); */
size_t fl_count(const fl *f);
/* Bytes the freelist page needs (bbolt's freelist.size): the header and
 * eight bytes an id, and one more id's room for the u64 count when the
 * count does not fit the header's (freelist_put_count). The bound on the
 * ids keeps the byte count from wrapping. */
/*@ requires pend: PendingSets(f);
    requires free: f->n <= SIZE_MAX / 8;
    requires total: f->n + PendTotal(f->pend, f->npend) <= SIZE_MAX / 16;
    assigns \nothing;
    ensures small: f->n + PendTotal(f->pend, f->npend) < FREELIST_COUNT_OVERFLOW ==>
      \result == PAGE_HDR_SIZE + 8 * (f->n + PendTotal(f->pend, f->npend));
    ensures large: f->n + PendTotal(f->pend, f->npend) >= FREELIST_COUNT_OVERFLOW ==>
      \result == PAGE_HDR_SIZE + 8 * (f->n + PendTotal(f->pend, f->npend) + 1); */
uint64_t fl_page_bytes(const fl *f);
/* Writes the sorted union of free and pending ids to out[fl_count()].
 * CBOLT_ERR_CORRUPT (rule page-double) when an id is both free and
 * pending, or pending twice (the invariants above broken);
 * CBOLT_ERR_NOMEM. */
int fl_copyall(const fl *f, uint64_t *out);
/* Writes the freelist page's count and ids, fl_copyall()'s union, to
 * page[0 .. len) as freelist_encode() would, storing the free ids in the
 * spans between the pending ones instead of copying them first. The
 * errors of fl_copyall(), and CBOLT_ERR_NOMEM when they do not fit. */
int fl_encode(const fl *f, uint8_t *page, size_t len);

/* ids_find_run(), ids_remove_run() and ids_merge(): freelist.h. */

#endif
