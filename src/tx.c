/*
 * tx.c - transactions (see tx.h; bbolt's tx.go).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tx.h"
#include "walk.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The meta as it was at begin: the snapshot's, and for a writer, whose
 * snapshot carries the txid its commit will write, the one in force
 * (one less; the writer's txid is at least 1, not proved of
 * store_writer_begin). */
/*@ requires \valid(tx);
    requires txid: writable != 0 ==> tx->b.s.meta.txid >= 1;
    assigns tx->begin;
    ensures txid: tx->begin.txid ==
      tx->b.s.meta.txid - (writable != 0 ? 1 : 0);
    ensures same: tx->begin.magic == tx->b.s.meta.magic &&
      tx->begin.version == tx->b.s.meta.version &&
      tx->begin.page_size == tx->b.s.meta.page_size &&
      tx->begin.flags == tx->b.s.meta.flags &&
      tx->begin.root == tx->b.s.meta.root &&
      tx->begin.sequence == tx->b.s.meta.sequence &&
      tx->begin.freelist == tx->b.s.meta.freelist &&
      tx->begin.pgid == tx->b.s.meta.pgid &&
      tx->begin.checksum == tx->b.s.meta.checksum; */
static void begin_meta(cbolt_tx *tx, int writable)
{
    tx->begin = tx->b.s.meta;
    if (writable)
        tx->begin.txid--;
}

int tx_begin(store *st, int writable, cbolt_tx **out)
{
    cbolt_tx *tx = cb_calloc(1, sizeof *tx);
    int rc;
    if (!tx)
        return cb_error(CBOLT_ERR_NOMEM, "begin: out of memory");
    tx->st = st;
    tx->b.s.stats = &tx->b.stats;
    txmem_init(&tx->b.mem);
    rc = writable ? store_writer_begin(st, &tx->b.s)
                  : store_reader_begin(st, &tx->b.s);
    if (rc != CBOLT_OK) {
        cb_free(tx);
        return rc;
    }
    begin_meta(tx, writable);
    if (writable)
        pager_init(&tx->b.pg, st, &tx->b.s);
    bucket_init_root(&tx->root, &tx->b);
    tx->hooks_end = &tx->hooks;
    *out = tx;
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* cb_malloc of one hook, as the proofs see it (mem.c is not proved; as
 * node.c's typed allocators): NULL, or a writable hook in the region
 * tx_hooks_heap, apart from the hook pointer avoid (the hook list's end:
 * a fresh block is apart from every live object). */
extern tx_hook tx_hooks_heap[SIZE_MAX / 16 / sizeof(tx_hook)];
/*@ assigns \nothing;
    ensures \result == \null ||
      (\valid(\result) &&
       \base_addr(\result) == \base_addr(&tx_hooks_heap[0]) &&
       \separated(\result, avoid)); */
tx_hook *tx_hook_malloc(tx_hook **avoid);
#define HOOK_MALLOC(avoid) tx_hook_malloc(avoid)
#else
#define HOOK_MALLOC(avoid) cb_malloc(sizeof(tx_hook))
#endif

/* bbolt's OnCommit: fn(arg) is appended to the hooks of a write
 * transaction, run in order after its commit. The list's end, hooks_end,
 * is the transaction's head or the last hook's next (a hook of the
 * region). */
/*@ requires tx: tx == \null || (\valid(tx) && \valid(tx->hooks_end) &&
      \separated(tx, &tx_hooks_heap[0 .. SIZE_MAX / 16 / sizeof(tx_hook) - 1]) &&
      (tx->hooks_end == &tx->hooks ||
       \base_addr(tx->hooks_end) == \base_addr(&tx_hooks_heap[0])));
    assigns tx->hooks_end, *tx->hooks_end, cb_error_record,
            tx_hooks_heap[..];
    behavior null_fn:
      assumes fn == \null;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_INVALID_ARG;
    behavior closed:
      assumes fn != \null && tx == \null;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_TX_CLOSED;
    behavior failed:
      assumes fn != \null && tx != \null && tx->b.s.failed != 0;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_TX_FAILED;
    behavior read_only:
      assumes fn != \null && tx != \null && tx->b.s.failed == 0 &&
              tx->b.s.writable == 0;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_TX_NOT_WRITABLE;
    behavior usable:
      assumes fn != \null && tx != \null && tx->b.s.failed == 0 &&
              tx->b.s.writable != 0;
      ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
      ensures nomem: \result == CBOLT_ERR_NOMEM ==>
        tx->hooks_end == \old(tx->hooks_end);
      ensures appended: \result == CBOLT_OK ==>
        \valid(*\old(tx->hooks_end)) &&
        \base_addr(*\old(tx->hooks_end)) == \base_addr(&tx_hooks_heap[0]) &&
        (*\old(tx->hooks_end))->fn == fn &&
        (*\old(tx->hooks_end))->arg == arg &&
        (*\old(tx->hooks_end))->next == \null &&
        tx->hooks_end == &(*\old(tx->hooks_end))->next;
    complete behaviors;
    disjoint behaviors; */
int cbolt_tx_on_commit(cbolt_tx *tx, void (*fn)(void *arg), void *arg)
{
    tx_hook *h;
    int rc;
    if (!fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "on commit: NULL function");
    if ((rc = btx_usable(tx ? &tx->b : NULL, 1)) != CBOLT_OK)
        return rc;
    if (!(h = HOOK_MALLOC(tx->hooks_end))) /* nothing half done: no poison */
        return cb_error(CBOLT_ERR_NOMEM, "on commit: out of memory");
    h->fn = fn;
    h->arg = arg;
    h->next = NULL;
    *tx->hooks_end = h;
    tx->hooks_end = &h->next;
    return CBOLT_OK;
}

static void free_hooks(tx_hook *h)
{
    while (h) {
        tx_hook *next = h->next;
        cb_free(h);
        h = next;
    }
}

/* Runs the hooks of a committed transaction (the writer slot is free),
 * then frees them. */
static void run_hooks(tx_hook *h)
{
    tx_hook *first = h;
    for (; h; h = h->next)
        h->fn(h->arg);
    free_hooks(first);
}

/* Frees everything the transaction owns, and the tx itself. */
static void tx_free(cbolt_tx *tx)
{
    while (tx->b.nodes) {
        node *n = tx->b.nodes;
        tx->b.nodes = n->all_next;
        node_destroy(n);
    }
    bucket_release_all(&tx->b, &tx->root);
    if (tx->b.s.writable)
        pager_release(&tx->b.pg);
    txmem_release(&tx->b.mem);
    free_hooks(tx->hooks);
    cb_free(tx->free_ids);
    cb_free(tx);
}

/* Gives back what a write transaction took from the allocator; when that
 * fails, the allocator cannot be trusted: writers wait for a reopen. */
static void writer_undo(cbolt_tx *tx)
{
    if (tx->undone)
        return;
    tx->undone = 1;
    if (pager_rollback(&tx->b.pg) != CBOLT_OK)
        store_poison(tx->st);
}

int cbolt_tx_rollback(cbolt_tx *tx)
{
    if (!tx)
        return CBOLT_OK;
    if (tx->b.s.writable) {
        writer_undo(tx);
        store_map_drop(tx->st, tx->fresh);
        store_writer_end(tx->st, &tx->b.s, NULL, NULL);
    } else {
        store_reader_end(tx->st, &tx->b.s);
    }
    tx_free(tx);
    return CBOLT_OK;
}

/*@ requires tx == \null || \valid_read(tx);
    assigns \nothing;
    ensures writable: \result == (tx != \null && tx->b.s.writable != 0 ? 1 : 0); */
int cbolt_tx_writable(const cbolt_tx *tx)
{
    return tx && tx->b.s.writable;
}

/* Rebalance and spill every bucket, free the old freelist, write the new
 * one, grow the file, write the pages, then the meta (bbolt's Commit). */
static int commit_steps(cbolt_tx *tx)
{
    snap *s = &tx->b.s;
    store *st = tx->st;
    uint64_t opgid = s->meta.pgid, t0 = now_ns(), t1;
    int rc = bucket_rebalance_all(&tx->root);
    t1 = now_ns();
    s->stats->rebalance_ns += t1 - t0;
    if (rc == CBOLT_OK)
        rc = bucket_spill_all(&tx->root);
    t0 = now_ns();
    s->stats->spill_ns += t0 - t1;
    if (rc != CBOLT_OK)
        return rc;
    s->meta.root = tx->root.t.root;
    s->meta.sequence = tx->root.sequence; /* the root bucket's, as bbolt */
    if (s->meta.freelist != PGID_NO_FREELIST &&
        (rc = pager_free(&tx->b.pg, s->meta.freelist)) != CBOLT_OK)
        return rc;
    if (!st->no_freelist_sync)
        rc = pager_write_freelist(&tx->b.pg);
    else
        s->meta.freelist = PGID_NO_FREELIST;
    /* bbolt 1.5 grows the file before writing, in every mode */
    if (rc == CBOLT_OK && s->meta.pgid > opgid)
        rc = store_grow(st, (s->meta.pgid + 1) * s->ps);
    if (rc == CBOLT_OK)
        rc = pager_write(&tx->b.pg);
    /* what publishing needs is made before the meta is written */
    if (rc == CBOLT_OK)
        rc = store_map_for(st, s->meta.pgid, &tx->fresh);
    if (rc == CBOLT_OK) {
        s->stats->write++;
        rc = store_write_meta(st, &s->meta, &tx->meta_in_doubt);
    }
    s->stats->write_ns += now_ns() - t0;
    return rc;
}

int cbolt_tx_commit(cbolt_tx *tx)
{
    return cbolt_tx_commit_stats(tx, NULL);
}

int cbolt_tx_commit_stats(cbolt_tx *tx, cbolt_tx_stats *out)
{
    tx_hook *hooks;
    int rc;
    if ((rc = btx_usable(tx ? &tx->b : NULL, 1)) != CBOLT_OK)
        return rc;
    rc = commit_steps(tx);
    if (out)
        *out = tx->b.stats;
    if (rc != CBOLT_OK) {
        /* Failed: the allocator goes back to the last commit now; the
         * caller's rollback ends the transaction. When the meta write
         * failed and could not be undone, the file may name this commit's
         * pages: no writer may reuse them, so writers wait for a reopen,
         * which reads the metas to learn which commit is in force. */
        tx->b.s.failed = 1;
        writer_undo(tx);
        if (tx->meta_in_doubt)
            store_poison(tx->st);
        return rc;
    }
    store_writer_end(tx->st, &tx->b.s, &tx->b.s.meta, tx->fresh);
    hooks = tx->hooks;
    tx->hooks = NULL;
    tx_free(tx);
    run_hooks(hooks);
    return CBOLT_OK;
}

/* bbolt's Tx.ID: the txid of the snapshot's meta (a writer's: the id its
 * commit will write). */
/*@ requires \valid_read(tx);
    assigns \nothing;
    ensures id: \result == tx->b.s.meta.txid; */
uint64_t cbolt_tx_id(const cbolt_tx *tx)
{
    return tx->b.s.meta.txid;
}

/* bbolt's Tx.Size: the bytes of the database as this transaction sees
 * it, its meta's high-water mark in pages. The product is within the
 * mapping (SnapMapped) for a reader; a writer's pgid grows only through
 * store_reserve, whose mmap_size bounds the file (MAX_MAP_SIZE): that
 * bound is this precondition, not proved of the writer (proofs/README.md,
 * "Not proved"). */
/*@ requires \valid_read(tx);
    requires fits: tx->b.s.meta.pgid * tx->b.s.ps <= UINT64_MAX;
    assigns \nothing;
    ensures size: \result == tx->b.s.meta.pgid * tx->b.s.ps; */
uint64_t cbolt_tx_size(const cbolt_tx *tx)
{
    return tx->b.s.meta.pgid * tx->b.s.ps;
}

/*@ requires tx == \null || \valid_read(tx);
    requires out == \null || (\valid(out) && (tx != \null ==>
      \separated(out, &tx->b.stats)));
    assigns *out, cb_error_record;
    behavior null:
      assumes tx == \null || out == \null;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_INVALID_ARG;
    behavior ok:
      assumes tx != \null && out != \null;
      assigns *out;
      ensures \result == CBOLT_OK;
      ensures copied: *out == tx->b.stats;
    complete behaviors; disjoint behaviors; */
int cbolt_tx_stats_get(const cbolt_tx *tx, cbolt_tx_stats *out)
{
    if (!tx || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_tx_stats_get: NULL");
    *out = tx->b.stats;
    return CBOLT_OK;
}

int cbolt_tx_bucket(cbolt_tx *tx, const void *name, size_t len,
                    cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "bucket: no transaction");
    return cbolt_bucket_bucket(&tx->root, name, len, out);
}

int cbolt_tx_create_bucket(cbolt_tx *tx, const void *name, size_t len,
                           cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "create bucket: no transaction");
    return cbolt_bucket_create_bucket(&tx->root, name, len, out);
}

int cbolt_tx_create_bucket_if_not_exists(cbolt_tx *tx, const void *name,
                                         size_t len, cbolt_bucket **out)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "create bucket: no transaction");
    return cbolt_bucket_create_bucket_if_not_exists(&tx->root, name, len,
                                                    out);
}

int cbolt_tx_delete_bucket(cbolt_tx *tx, const void *name, size_t len)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "delete bucket: no transaction");
    return cbolt_bucket_delete_bucket(&tx->root, name, len);
}

int cbolt_tx_foreach(cbolt_tx *tx, cbolt_foreach_fn fn, void *arg)
{
    int rc;
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "foreach: no transaction");
    if ((rc = btx_usable(&tx->b, 0)) != CBOLT_OK)
        return rc;
    return cbolt_bucket_foreach(&tx->root, fn, arg);
}

int cbolt_tx_cursor(cbolt_tx *tx, cbolt_cursor **out)
{
    int rc;
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "cursor: no transaction");
    if ((rc = btx_usable(&tx->b, 0)) != CBOLT_OK)
        return rc;
    return bucket_cursor(&tx->root, out);
}

int cbolt_tx_move_bucket(cbolt_tx *tx, const void *name, size_t len,
                         cbolt_bucket *src, cbolt_bucket *dst)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "move: no transaction");
    return cbolt_bucket_move_bucket(src ? src : &tx->root, name, len,
                                    dst ? dst : &tx->root);
}

int cbolt_tx_inspect(cbolt_tx *tx, cbolt_inspect_fn fn, void *arg)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "inspect: no transaction");
    return cbolt_bucket_inspect(&tx->root, fn, arg);
}

/* The root bucket of a usable transaction (bbolt's Tx root bucket). */
/*@ requires tx: tx == \null || \valid_read(tx);
    requires out: out == \null ||
      (\valid(out) && (tx != \null ==> \separated(out, tx)));
    assigns *out, cb_error_record;
    behavior null_out:
      assumes out == \null;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_INVALID_ARG;
    behavior closed:
      assumes out != \null && tx == \null;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_TX_CLOSED;
    behavior failed:
      assumes out != \null && tx != \null && tx->b.s.failed != 0;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_TX_FAILED;
    behavior ok:
      assumes out != \null && tx != \null && tx->b.s.failed == 0;
      assigns *out, cb_error_record;
      ensures \result == CBOLT_OK;
      ensures root: *out == &tx->root;
    complete behaviors;
    disjoint behaviors; */
int cbolt_tx_root(cbolt_tx *tx, cbolt_bucket **out)
{
    int rc;
    if (!out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "root: NULL argument");
    if ((rc = btx_usable(tx ? &tx->b : NULL, 0)) != CBOLT_OK)
        return rc;
    *out = &tx->root;
    return CBOLT_OK;
}

/* The names of the page types cbolt_tx_page_info() reports (bbolt's
 * page.typ() and "free"). */
static const char type_branch[] = "branch", type_leaf[] = "leaf",
                  type_meta[] = "meta", type_freelist[] = "freelist",
                  type_unknown[] = "unknown", type_free[] = "free";

/*@ // The name type_name() gives the flags f of a page header.
    logic char *TypeName(integer f) =
      (f & PAGE_TYPE_MASK) == PAGE_BRANCH ? (char *)type_branch :
      (f & PAGE_TYPE_MASK) == PAGE_LEAF ? (char *)type_leaf :
      (f & PAGE_TYPE_MASK) == PAGE_META ? (char *)type_meta :
      (f & PAGE_TYPE_MASK) == PAGE_FREELIST ? (char *)type_freelist :
      (char *)type_unknown; */

/* The type of a page header's flags, as bbolt's page.typ() names it. */
/*@ assigns \nothing;
    ensures name: \result == TypeName(flags);
    ensures readable: \valid_read(\result); */
static const char *type_name(uint16_t flags)
{
    switch (flags & PAGE_TYPE_MASK) {
    case PAGE_BRANCH: return type_branch;
    case PAGE_LEAF: return type_leaf;
    case PAGE_META: return type_meta;
    case PAGE_FREELIST: return type_freelist;
    default: return type_unknown;
    }
}

/* What page id of the snapshot holds, below its high-water mark: the
 * header of meta page 0 or 1, or of a page run that passed the rules
 * page-id-range and page-file-range (snap_page_run), and "free" when id
 * is one of the sorted free ids[0 .. n). */
/*@ requires snap: SnapMapped(s);
    requires id: id < s->hwm;
    requires ids: \valid_read(ids + (0 .. n - 1)) && SortedUnique(ids, n);
    requires out: \valid(out);
    requires separated: \separated(out, s, s->map,
                          s->map->base + (0 .. s->hwm * s->ps - 1),
                          ids + (0 .. n - 1));
    assigns *out, cb_error_record;
    behavior meta:
      assumes id < 2;
      assigns *out;
      ensures \result == CBOLT_OK;
      ensures id: out->id == id;
      ensures count: out->count == LD16(s->map->base + id * s->ps + PageOffCount);
      ensures overflow: out->overflow ==
        LD32(s->map->base + id * s->ps + PageOffOverflow);
      ensures free: In(id, ids, n) ==> out->type == (char *)type_free;
      ensures type: !In(id, ids, n) ==> out->type ==
        TypeName(LD16(s->map->base + id * s->ps + PageOffFlags));
    behavior file_range:
      assumes 2 <= id;
      assumes PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, id)) >=
              s->hwm - id;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_CORRUPT;
    behavior page:
      assumes 2 <= id;
      assumes PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, id)) <
              s->hwm - id;
      assigns *out, cb_error_record;
      ensures \result == CBOLT_OK;
      ensures id: out->id == id;
      ensures count: out->count ==
        LD16(PageAt((uint8_t *)s->map->base, s->ps, id) + PageOffCount);
      ensures overflow: out->overflow ==
        PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, id));
      ensures run: (out->overflow + 1) * s->ps <= (s->hwm - id) * s->ps;
      ensures free: In(id, ids, n) ==> out->type == (char *)type_free;
      ensures type: !In(id, ids, n) ==> out->type ==
        TypeName(LD16(PageAt((uint8_t *)s->map->base, s->ps, id) +
                      PageOffFlags));
    complete behaviors;
    disjoint behaviors; */
static int page_info_of(snap *s, uint64_t id, const uint64_t *ids, size_t n,
                        cbolt_page_info *out)
{
    page_hdr h;
    const uint8_t *p;
    size_t at;
    int rc;
    if (id < 2)
        snap_meta_page(s, id, &h, &p);
    else if ((rc = snap_page_run(s, id, &h, &p)) != CBOLT_OK)
        return rc;
    at = ids_lower_bound(ids, n, id);
    out->id = id;
    out->count = h.count;
    out->overflow = h.overflow;
    out->type = at < n && ids[at] == id ? type_free : type_name(h.flags);
    return CBOLT_OK;
}

int cbolt_tx_page_info(cbolt_tx *tx, uint64_t id, cbolt_page_info *out)
{
    snap *s;
    int rc;
    if (!out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "page info: NULL argument");
    if ((rc = btx_usable(tx ? &tx->b : NULL, 0)) != CBOLT_OK)
        return rc;
    s = &tx->b.s;
    if (id >= s->hwm)
        return CBOLT_NOTFOUND;
    if (!tx->free_known) {
        if ((rc = walk_free_ids(s, &tx->free_ids, &tx->nfree)) != CBOLT_OK)
            return rc;
        tx->free_known = 1;
    }
    return page_info_of(s, id, tx->free_ids, tx->nfree, out);
}
