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
    tx->begin = tx->b.s.meta;
    if (writable) {
        tx->begin.txid--;
        pager_init(&tx->b.pg, st, &tx->b.s);
    }
    bucket_init_root(&tx->root, &tx->b);
    tx->hooks_end = &tx->hooks;
    *out = tx;
    return CBOLT_OK;
}

int cbolt_tx_on_commit(cbolt_tx *tx, void (*fn)(void *arg), void *arg)
{
    tx_hook *h;
    int rc;
    if (!fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "on commit: NULL function");
    if ((rc = btx_usable(tx ? &tx->b : NULL, 1)) != CBOLT_OK)
        return rc;
    if (!(h = cb_malloc(sizeof *h))) /* nothing half done: no poison */
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

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The type of a page header's flags, as bbolt's page.typ() names it. */
static const char *type_name(uint16_t flags)
{
    switch (flags & PAGE_TYPE_MASK) {
    case PAGE_BRANCH: return "branch";
    case PAGE_LEAF: return "leaf";
    case PAGE_META: return "meta";
    case PAGE_FREELIST: return "freelist";
    default: return "unknown";
    }
}

int cbolt_tx_page_info(cbolt_tx *tx, uint64_t id, cbolt_page_info *out)
{
    snap *s;
    page_hdr h;
    const uint8_t *p;
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
    if (id < 2)
        snap_meta_page(s, id, &h, &p);
    else if ((rc = snap_page_run(s, id, &h, &p)) != CBOLT_OK)
        return rc;
    out->id = id;
    out->count = h.count;
    out->overflow = h.overflow;
    out->type = bsearch(&id, tx->free_ids, tx->nfree, sizeof id, cmp_id)
                    ? "free" : type_name(h.flags);
    return CBOLT_OK;
}
