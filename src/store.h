/*
 * store.h - the file under the engine: the os-layer file and its lock, the
 * page size and the meta in force, the mappings of the file, its growth,
 * the registry of open readers, the writer slot, the page allocator's
 * state (alloc.h), and the one door through which the engine reaches a
 * branch or leaf page of the file (snap_page).
 *
 * Owns: struct store (one per open database) and struct snap (what one
 * transaction sees: a meta, a mapping, a page size).
 * Invariants:
 * - st->mu guards meta, meta_page, map, the readers, the counters and the
 *   writer slot; a snapshot copies the meta and takes a reference on the
 *   mapping under it, and afterwards reads only through its own copy.
 * - st->meta passed meta_validate() and meta_check_fields() at open, or a
 *   commit of this handle wrote it; so meta.pgid * page_size <= the size
 *   of the file and of st->map. Nothing is computed from a page size or a
 *   meta before it is accepted (open validates before it computes).
 * - A mapping is unmapped only when its last reference is dropped: the
 *   writer maps the file anew when it grows, without waiting for readers.
 * - At most one writer; the thread that holds the writer slot is never
 *   made to wait for it (CBOLT_ERR_WOULD_DEADLOCK).
 * - No commit builds on a meta that is not known durable: a read-write
 *   open writes the meta in force back and syncs it before any commit
 *   (the page cache may hold a meta whose sync failed, in this process or
 *   another), and a failed meta write is undone on the spot.
 * - map->checked[id] == wepoch (even) only when page id was validated as
 *   a tree page since the last commit wrote pages: the writer makes
 *   wepoch odd while it writes pages and even again after, and a reader
 *   records a validation only when wepoch was the same even value before
 *   and after it (a seqlock), so no mark outlives bytes written later,
 *   even on a damaged file whose writer overwrites a page a reader still
 *   reaches. A check (cbolt_tx_check) never trusts the marks.
 */
#ifndef CBOLT_STORE_H
#define CBOLT_STORE_H

#include <pthread.h>

#include "alloc.h"
#include "error.h"
#include "meta.h"
#include "page.h"

typedef struct store_map {
    const uint8_t *base;
    size_t len;              /* bytes mapped */
    uint64_t npages;         /* len / page size */
    uint32_t *checked;       /* per page: wepoch when validated */
    unsigned refs;           /* the store's own reference plus one per tx */
} store_map;

/* The write settings a program may change after open (bbolt's DB.NoSync
 * and friends): the next writer copies them under mu. */
typedef struct store_settings {
    int no_sync, no_grow_sync, no_freelist_sync;
    uint64_t alloc_size;
    uint64_t max_size;
} store_settings;

typedef struct store {
    char *path;
    cbolt_vfs *vfs;
    cbolt_file *file;
    int read_only;
    int no_sync, no_grow_sync, no_freelist_sync; /* the writer's copy */
    uint64_t alloc_size;     /* growth step past it (bbolt's AllocSize) */
    store_settings next;     /* what the next writer takes (under mu) */
    int mlock;               /* keep the file's pages locked in memory */
    uint64_t max_size;       /* 0, or the largest the file may grow to
                                (the writer's copy) */
    uint64_t locked;         /* bytes of the current mapping mlock'ed */
    uint32_t page_size;
    uint32_t wepoch;         /* even; odd while a commit writes pages */
    pthread_mutex_t mu;
    pthread_cond_t writer_done;
    meta meta;               /* the meta in force (the last commit) */
    int meta_page;           /* the meta page (0 or 1) it is on */
    store_map *map;          /* the current mapping */
    uint64_t tx_n;           /* read transactions begun */
    uint64_t open_tx_n;      /* read transactions open */
    uint64_t *readers;       /* txids of open readers, sorted (multiset) */
    size_t nreaders, capreaders;
    /* write side, owned by the writer while `writer` is set */
    int writer;              /* a read-write transaction is open */
    pthread_t writer_thread; /* the thread that opened it */
    fl freelist;
    uint64_t datasz;         /* bytes the mapping should cover (bbolt) */
    uint64_t filesz;         /* bytes the file has */
    uint64_t free_n, pending_n; /* freelist counts at the last commit */
    int poisoned;            /* a commit failed at or after its meta write:
                                writers refused until the file is reopened */
} store;

/* What one transaction sees of the store. */
typedef struct snap {
    store *st;
    store_map *map;
    meta meta;               /* its meta; a writer's: the meta it builds */
    int meta_page;           /* the meta page the snapshot began from */
    uint64_t hwm;            /* pages the snapshot reads: meta.pgid at begin
                                (the mapping covers them) */
    uint64_t ps;             /* page size */
    int writable;
    int failed;              /* sticky: a call of this transaction failed
                                part-way; only rollback remains */
    int fresh;               /* validate every page, trust no mark (check) */
    cbolt_tx_stats *stats;
} snap;

#ifdef __FRAMAC__
#include "../spec/store.acsl"
#endif

/* Opens the file, takes its lock, writes a new database into an empty
 * file (read-write), finds the page size and the meta in force, and maps
 * the file. On failure st holds nothing (store_close() is still safe). */
int store_open(store *st, const char *path, const cbolt_options *o);
void store_close(store *st);
/* Nonzero while a transaction is open. */
int store_busy(store *st);

/* Begins a reader: registers its txid and fills s. */
int store_reader_begin(store *st, snap *s);
void store_reader_end(store *st, snap *s);
/* Becomes the writer (waiting for another thread's writer to end),
 * releases the pending pages no reader can see, and fills s with the meta
 * in force; s->meta.txid is the next txid. CBOLT_ERR_WOULD_DEADLOCK when
 * this thread holds the slot, CBOLT_ERR_IO when the store is poisoned. */
int store_writer_begin(store *st, snap *s);
/* Before a commit writes its meta: when pgid pages outgrow the current
 * mapping, makes the mapping they need (*fresh, else NULL), so that a
 * commit that reached the file can always be published. */
int store_map_for(store *st, uint64_t pgid, store_map **fresh);
/* Drops a mapping store_map_for() made (a commit that failed after). */
void store_map_drop(store *st, store_map *fresh);
/* Ends the writer. With a committed meta (written to meta page
 * committed->txid % 2), publishes it with the mapping store_map_for()
 * made for it (or the current one). Allocates nothing. */
void store_writer_end(store *st, snap *s, const meta *committed,
                      store_map *fresh);
/* The write settings from the next writer on. */
void store_set(store *st, const store_settings *next);
/* Refuses writers from now on (a commit failed after its meta write). */
void store_poison(store *st);

/* The writer needs the mapping to cover minsz bytes (bbolt's mmapSize
 * steps); the new mapping is made at the end of the commit.
 * CBOLT_ERR_MAX_SIZE_REACHED (nothing changed) when the file would then
 * grow past max_size, counted as bbolt 1.5 counts it. */
int store_reserve(store *st, uint64_t minsz);
/* Grows the file for sz bytes in bbolt's steps (truncate, and sync unless
 * no_grow_sync). */
int store_grow(store *st, uint64_t sz);

/* Writes n bytes at off; syncs (unless no_sync). */
int store_write(store *st, const uint8_t *buf, size_t n, uint64_t off);
int store_sync(store *st);
/* Syncs the file whatever no_sync says (cbolt_sync). */
int store_fsync(store *st);
/* Writes meta m to meta page m->txid % 2 and syncs it (unless no_sync).
 * When the write or the sync fails, the page cache may still hold the
 * new meta, which may reach the disk later or never ("fsyncgate"): the
 * page's previous bytes are written back and synced (LMDB's answer), so
 * that no later commit builds on a meta that is not known durable.
 * *in_doubt is set when that failed too: the file may then name the new
 * pages or not, and writers must wait for a reopen. */
int store_write_meta(store *st, meta *m, int *in_doubt);
/* Around a commit's page writes: every validation recorded before is
 * forgotten, and none made meanwhile is recorded. */
void store_writes_begin(store *st);
void store_writes_end(store *st);

/* The one door to a branch or leaf page of the snapshot: page-id-range,
 * page-id-mismatch, page-file-range, then page_validate()'s rules, the
 * validation done once per mapping (map->checked). CBOLT_OK with *pv a
 * well-formed view (PageWellFormedAt for the snapshot), or
 * CBOLT_ERR_CORRUPT naming the page and the rule. */
/*@ requires snap: SnapOk(s);
    requires marks: MarksValid(s->map->checked, (uint8_t *)s->map->base,
                               s->map->npages, s->ps, s->st->wepoch);
    requires stats: \valid(s->stats) && s->stats->page_read < UINT64_MAX;
    requires valid_out: \valid(pv);
    requires separated: \separated(pv, s->stats, s, s->map, &s->st->wepoch,
                                   s->map->checked + (0 .. s->map->npages - 1),
                                   s->map->base + (0 .. s->map->len - 1));
    assigns *pv, s->stats->page_read, cb_error_record,
            s->map->checked[0 .. s->map->npages - 1];
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_CORRUPT;
    // (s, its mapping and wepoch are not assigned: their fields are named
    // as they were on entry, which spares the proof their frame)
    ensures ok_iff: \result == CBOLT_OK <==>
      PageWellFormedAt(\old((uint8_t *)s->map->base), \old(s->ps),
                       \old(s->hwm), pgid, PV_BRANCH | PV_LEAF);
    ensures view: \result == CBOLT_OK ==>
      pv->data == PageAt(\old((uint8_t *)s->map->base), \old(s->ps), pgid) &&
      pv->len == PageRunLen(\old((uint8_t *)s->map->base), \old(s->ps), pgid) &&
      pv->id == pgid && PageViewWellFormed(pv, PV_BRANCH | PV_LEAF);
    ensures marks: MarksValid(\old(s->map->checked),
                              \old((uint8_t *)s->map->base),
                              \old(s->map->npages), \old(s->ps),
                              \old(s->st->wepoch)); */
int snap_page(snap *s, uint64_t pgid, page_view *pv);
/* The header of page pgid of the snapshot, whatever its type, after the
 * rules page-id-range and page-file-range (its run ends below the
 * high-water mark); *data is its first byte. */
/*@ requires snap: SnapMapped(s);
    requires valid_out: \valid(h) && \valid(data);
    requires separated: \separated(h, data, s, s->map,
                          s->map->base + (0 .. s->hwm * s->ps - 1));
    assigns *h, *data, cb_error_record;
    behavior id_range:
      assumes !(2 <= pgid < s->hwm);
      ensures \result == CBOLT_ERR_CORRUPT;
    behavior file_range:
      assumes 2 <= pgid < s->hwm;
      assumes PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, pgid)) >=
              s->hwm - pgid;
      ensures \result == CBOLT_ERR_CORRUPT;
    behavior ok:
      assumes 2 <= pgid < s->hwm;
      assumes PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, pgid)) <
              s->hwm - pgid;
      ensures \result == CBOLT_OK;
      // (named as on entry: s and its mapping are not assigned)
      ensures data: *data == PageAt(\old((uint8_t *)s->map->base),
                                    \old(s->ps), pgid);
      ensures id: h->id == LD64(*data + PageOffId);
      ensures flags: h->flags == LD16(*data + PageOffFlags);
      ensures count: h->count == LD16(*data + PageOffCount);
      ensures overflow: h->overflow == LD32(*data + PageOffOverflow);
      ensures run: pgid * \old(s->ps) + (h->overflow + 1) * \old(s->ps) <=
                   \old(s->hwm) * \old(s->ps);
      ensures readable:
        \valid_read(*data + (0 .. (h->overflow + 1) * \old(s->ps) - 1));
    complete behaviors;
    disjoint behaviors; */
int snap_page_run(snap *s, uint64_t pgid, page_hdr *h, const uint8_t **data);
/* The header of meta page i (0 or 1) as the mapping shows it now. */
/*@ requires snap: SnapMapped(s);
    requires meta_page: i <= 1;
    requires valid_out: \valid(h) && \valid(data);
    requires separated: \separated(h, data, s, s->map,
                          s->map->base + (0 .. s->hwm * s->ps - 1));
    assigns *h, *data;
    ensures data: *data == \old(s->map->base) + i * \old(s->ps);
    ensures id: h->id == LD64(*data + PageOffId);
    ensures flags: h->flags == LD16(*data + PageOffFlags);
    ensures count: h->count == LD16(*data + PageOffCount);
    ensures overflow: h->overflow == LD32(*data + PageOffOverflow);
    ensures readable: \valid_read(*data + (0 .. \old(s->ps) - 1)); */
void snap_meta_page(snap *s, uint64_t i, page_hdr *h, const uint8_t **data);

#endif
