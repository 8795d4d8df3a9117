/*
 * tx.c - transactions: snapshots of the database, the memory they own,
 * validated access to their pages, and the commit of a write transaction
 * (bbolt's tx.go).
 *
 * Owns: begin, commit, rollback, view, update; the allocations a
 * transaction hands out; tx_tree_page(), the one way the engine reaches a
 * branch or leaf page of the file (rules page-id-range, page-id-mismatch,
 * page-file-range, then page.c's rules); the dirty pages of a commit.
 * Invariants:
 * - a transaction reads only pages below its snapshot's high-water mark,
 *   through the mapping it took a reference on at begin; that mapping
 *   covers every such page and stays valid until the transaction ends;
 * - a commit writes no page a reader can see: it writes only pages it
 *   allocated (free for every open reader, or above the high-water mark),
 *   then syncs, then writes the meta to page txid % 2 and syncs;
 * - a commit that fails changes nothing a later open sees: the meta is
 *   the last thing written, and the freelist in memory is rolled back.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

#include "db.h"
#include "internal.h"

void *tx_alloc(cbolt_tx *tx, size_t n)
{
    tx_block *b = calloc(1, sizeof(tx_block) + n);
    if (!b)
        return NULL;
    b->next = tx->blocks.next;
    b->prev = &tx->blocks;
    tx->blocks.next->prev = b;
    tx->blocks.next = b;
    return b + 1;
}

void tx_free(cbolt_tx *tx, void *p)
{
    tx_block *b;
    (void)tx;
    if (!p)
        return;
    b = (tx_block *)p - 1;
    b->prev->next = b->next;
    b->next->prev = b->prev;
    free(b);
}

const uint8_t *tx_copy(cbolt_tx *tx, const void *p, size_t n)
{
    arena_chunk *c = tx->arena;
    uint8_t *dst;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = tx->arena;
        tx->arena = c;
    }
    dst = (uint8_t *)(c + 1) + c->used;
    c->used += n;
    if (n)
        memcpy(dst, p, n);
    return dst;
}

int tx_usable(cbolt_tx *tx, int write)
{
    if (!tx || tx->failed)
        return cb_error(CBOLT_ERR_TX_CLOSED, "transaction closed");
    if (write && !tx->writable)
        return cb_error(CBOLT_ERR_TX_NOT_WRITABLE, "transaction read-only");
    return CBOLT_OK;
}

int cbolt_begin(cbolt_db *db, int writable, cbolt_tx **out)
{
    cbolt_tx *tx;
    int rc;
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_begin: NULL argument");
    if (writable && db->read_only)
        return cb_error(CBOLT_ERR_DATABASE_READ_ONLY, "database read-only");
    tx = calloc(1, sizeof *tx);
    if (!tx)
        return cb_error(CBOLT_ERR_NOMEM, "cbolt_begin: out of memory");
    tx->db = db;
    tx->writable = writable != 0;
    tx->blocks.next = tx->blocks.prev = &tx->blocks;
    if (writable) {
        if ((rc = db_writer_begin(db, &tx->meta, &tx->map)) != CBOLT_OK) {
            free(tx);
            return rc;
        }
        tx->snap = tx->meta;
        tx->meta.txid++;
    } else {
        if ((rc = db_reader_begin(db, &tx->meta, &tx->map)) != CBOLT_OK) {
            free(tx);
            return rc;
        }
        tx->snap = tx->meta;
    }
    tx->root.tx = tx;
    tx->root.root = tx->meta.root;
    tx->root.sequence = tx->meta.sequence;
    tx->root.top = 1;
    tx->root.fill_percent = 0.5;
    *out = tx;
    return CBOLT_OK;
}

/* Frees everything the transaction owns (not the tx itself). */
static void tx_release(cbolt_tx *tx)
{
    size_t i;
    while (tx->nodes) {
        node *n = tx->nodes;
        tx->nodes = n->all_next;
        node_destroy(n);
    }
    bucket_release(&tx->root);
    for (; tx->wbuckets; tx->wbuckets = tx->wbuckets->all_next)
        bucket_release(tx->wbuckets);
    for (i = 0; i < tx->dirty.cap; i++)
        if (tx->dirty.keys[i] >= 2)
            free((void *)(uintptr_t)tx->dirty.vals[i]);
    u64map_free(&tx->dirty);
    free(tx->runs);
    while (tx->arena) {
        arena_chunk *c = tx->arena;
        tx->arena = c->next;
        free(c);
    }
    while (tx->blocks.next != &tx->blocks)
        tx_free(tx, tx->blocks.next + 1);
}

int cbolt_tx_rollback(cbolt_tx *tx)
{
    if (!tx)
        return CBOLT_OK;
    if (tx->writable) {
        if (!tx->failed)
            fl_rollback(&tx->db->freelist, tx->meta.txid, tx->runs,
                        tx->nruns);
        db_writer_end(tx->db, tx->map, NULL);
    } else {
        db_reader_end(tx->db, tx->map, tx->meta.txid);
    }
    tx_release(tx);
    free(tx);
    return CBOLT_OK;
}

int cbolt_tx_writable(const cbolt_tx *tx)
{
    return tx && tx->writable;
}

int tx_allocate(cbolt_tx *tx, uint64_t count, uint64_t *pgid, uint8_t **buf)
{
    cbolt_db *db = tx->db;
    uint64_t ps = db->page_size, id;
    uint8_t *b;
    if (count == 0 || count > UINT32_MAX ||
        count > (SIZE_MAX - ps) / ps)
        return cb_error(CBOLT_ERR_NOMEM, "allocate: %llu pages",
                        (unsigned long long)count);
    b = calloc(count, ps);
    if (!b)
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    if (tx->nruns == tx->capruns) {
        size_t cap = tx->capruns ? 2 * tx->capruns : 16;
        fl_run *r = realloc(tx->runs, cap * sizeof *r);
        if (!r) {
            free(b);
            return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
        }
        tx->runs = r;
        tx->capruns = cap;
    }
    id = fl_allocate(&db->freelist, tx->meta.txid, count);
    if (id) {
        tx->runs[tx->nruns++] = (fl_run){id, count, 0};
    } else {
        id = tx->meta.pgid;
        if (fl_note_alloc(&db->freelist, tx->meta.txid, id) != CBOLT_OK) {
            free(b);
            return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
        }
        tx->runs[tx->nruns++] = (fl_run){id, count, 1};
        db_reserve(db, (id + count + 1) * ps);
        tx->meta.pgid += count;
    }
    if (u64map_put(&tx->dirty, id, (uintptr_t)b) != CBOLT_OK) {
        free(b);
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    }
    st64(b + PAGE_OFF_ID, id);
    st32(b + PAGE_OFF_OVERFLOW, (uint32_t)(count - 1));
    tx->stats.page_alloc += count * ps;
    *pgid = id;
    *buf = b;
    return CBOLT_OK;
}

int tx_free_page(cbolt_tx *tx, uint64_t pgid)
{
    const uint8_t *p;
    uint64_t ovf;
    if (pgid < 2 || pgid >= tx->map->npages || pgid >= tx->meta.pgid)
        return cb_corrupt(pgid, RULE_PAGE_ID_RANGE, "freeing page %llu",
                          (unsigned long long)pgid);
    p = tx->map->base + pgid * tx->db->page_size;
    ovf = ld32(p + PAGE_OFF_OVERFLOW);
    if (ovf >= tx->meta.pgid - pgid)
        return cb_corrupt(pgid, RULE_PAGE_FILE_RANGE,
                          "overflow runs past the high-water mark");
    return fl_free(&tx->db->freelist, tx->meta.txid, pgid, ovf,
                   (ld16(p + PAGE_OFF_FLAGS) & PAGE_FREELIST) != 0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Writes the freelist to newly allocated pages (bbolt's commitFreelist). */
static int commit_freelist(cbolt_tx *tx, uint64_t opgid)
{
    cbolt_db *db = tx->db;
    uint64_t ps = db->page_size, pgid, n, *ids;
    uint8_t *buf;
    int rc = tx_allocate(tx, fl_page_bytes(&db->freelist) / ps + 1, &pgid,
                         &buf);
    if (rc != CBOLT_OK)
        return rc;
    n = fl_count(&db->freelist);
    st16(buf + PAGE_OFF_FLAGS, PAGE_FREELIST);
    ids = (uint64_t *)malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return cb_error(CBOLT_ERR_NOMEM, "freelist: out of memory");
    fl_copyall(&db->freelist, ids);
    if (freelist_encode(ids, n, buf,
                        (size_t)((fl_page_bytes(&db->freelist) / ps + 1) * ps))) {
        free(ids);
        return cb_error(CBOLT_ERR_NOMEM, "freelist: page too small");
    }
    free(ids);
    tx->meta.freelist = pgid;
    if (tx->meta.pgid > opgid)
        return db_grow(db, (tx->meta.pgid + 1) * ps);
    return CBOLT_OK;
}

#define WRITE_CHUNK (1u << 20) /* contiguous pages are written together */

static const uint8_t *dirty_page(cbolt_tx *tx, uint64_t id)
{
    uint64_t v = 0;
    u64map_get(&tx->dirty, id, &v);
    return (const uint8_t *)(uintptr_t)v;
}

/* Writes the dirty pages in page order, runs of adjacent pages in one
 * write of up to WRITE_CHUNK bytes, then syncs (bbolt's tx.write). */
static int write_pages(cbolt_tx *tx)
{
    cbolt_db *db = tx->db;
    uint64_t *ids, ps = db->page_size;
    uint8_t *chunk;
    size_t n = 0, i, used = 0;
    uint64_t at = 0;
    int rc = CBOLT_OK;
    ids = malloc((tx->dirty.live + 1) * sizeof *ids);
    chunk = malloc(WRITE_CHUNK);
    if (!ids || !chunk) {
        free(ids);
        free(chunk);
        return cb_error(CBOLT_ERR_NOMEM, "write: out of memory");
    }
    for (i = 0; i < tx->dirty.cap; i++)
        if (tx->dirty.keys[i] >= 2)
            ids[n++] = tx->dirty.keys[i];
    qsort(ids, n, sizeof *ids, cmp_u64);
    for (i = 0; i < n && rc == CBOLT_OK; i++) {
        const uint8_t *p = dirty_page(tx, ids[i]);
        size_t len = (size_t)((ld32(p + PAGE_OFF_OVERFLOW) + 1ull) * ps);
        if (used && (at + used != ids[i] * ps || used + len > WRITE_CHUNK)) {
            rc = db->vfs->write(db->file, chunk, used, at);
            used = 0;
        }
        if (rc != CBOLT_OK)
            break;
        if (len > WRITE_CHUNK) {
            rc = db->vfs->write(db->file, p, len, ids[i] * ps);
        } else {
            if (!used)
                at = ids[i] * ps;
            memcpy(chunk + used, p, len);
            used += len;
        }
        db_unmark_checked(db, ids[i]);
        tx->stats.write++;
    }
    if (rc == CBOLT_OK && used)
        rc = db->vfs->write(db->file, chunk, used, at);
    free(ids);
    free(chunk);
    if (rc == CBOLT_OK && !db->opts.no_sync)
        rc = db->vfs->sync(db->file);
    return rc == CBOLT_OK ? rc : cb_error(rc, "commit: writing pages failed");
}

static int write_meta(cbolt_tx *tx)
{
    cbolt_db *db = tx->db;
    uint8_t *buf = calloc(1, db->page_size);
    uint64_t id = tx->meta.txid % 2;
    int rc;
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "commit: out of memory");
    meta_encode(&tx->meta, buf, id);
    tx->meta_written = 1; /* from here the file may name the new pages */
    rc = db->vfs->write(db->file, buf, db->page_size, id * db->page_size);
    if (rc == CBOLT_OK && !db->opts.no_sync)
        rc = db->vfs->sync(db->file);
    free(buf);
    tx->stats.write++;
    return rc == CBOLT_OK ? rc : cb_error(rc, "commit: writing meta failed");
}

static int commit_steps(cbolt_tx *tx)
{
    cbolt_db *db = tx->db;
    uint64_t opgid = tx->meta.pgid;
    int rc;
    if ((rc = bucket_rebalance(&tx->root)) != CBOLT_OK ||
        (rc = bucket_spill(&tx->root)) != CBOLT_OK)
        return rc;
    tx->meta.root = tx->root.root;
    if (tx->meta.freelist != PGID_NO_FREELIST &&
        (rc = tx_free_page(tx, tx->meta.freelist)) != CBOLT_OK)
        return rc;
    if (!db->opts.no_freelist_sync)
        rc = commit_freelist(tx, opgid);
    else
        tx->meta.freelist = PGID_NO_FREELIST;
    if (rc == CBOLT_OK)
        rc = write_pages(tx);
    if (rc == CBOLT_OK)
        rc = write_meta(tx);
    return rc;
}

int cbolt_tx_commit(cbolt_tx *tx)
{
    int rc;
    if ((rc = tx_usable(tx, 1)) != CBOLT_OK)
        return rc;
    rc = commit_steps(tx);
    if (rc != CBOLT_OK) {
        /* Poisoned: the freelist goes back to the last commit now; the
         * caller's rollback ends the transaction. When the meta write was
         * attempted, the file may already name this commit's pages: no
         * writer may reuse them, so writers wait for a reopen, which reads
         * the metas to learn which commit is in force. */
        fl_rollback(&tx->db->freelist, tx->meta.txid, tx->runs, tx->nruns);
        tx->failed = 1;
        if (tx->meta_written)
            db_poison(tx->db);
        return rc;
    }
    db_writer_end(tx->db, tx->map, &tx->meta);
    tx_release(tx);
    free(tx);
    return CBOLT_OK;
}

int cbolt_update(cbolt_db *db, int (*fn)(cbolt_tx *tx, void *arg), void *arg)
{
    cbolt_tx *tx;
    int rc = cbolt_begin(db, 1, &tx);
    if (rc != CBOLT_OK)
        return rc;
    rc = fn(tx, arg);
    if (rc != CBOLT_OK) {
        cbolt_tx_rollback(tx);
        return rc;
    }
    rc = cbolt_tx_commit(tx);
    if (rc != CBOLT_OK)
        cbolt_tx_rollback(tx);
    return rc;
}

int cbolt_view(cbolt_db *db, int (*fn)(cbolt_tx *tx, void *arg), void *arg)
{
    cbolt_tx *tx;
    int rc = cbolt_begin(db, 0, &tx);
    if (rc != CBOLT_OK)
        return rc;
    rc = fn(tx, arg);
    cbolt_tx_rollback(tx);
    return rc;
}

uint64_t cbolt_tx_id(const cbolt_tx *tx)
{
    return tx->meta.txid;
}

uint64_t cbolt_tx_size(const cbolt_tx *tx)
{
    return tx->meta.pgid * (uint64_t)tx->db->page_size;
}

int cbolt_tx_stats_get(const cbolt_tx *tx, cbolt_tx_stats *out)
{
    if (!tx || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_tx_stats_get: NULL");
    *out = tx->stats;
    return CBOLT_OK;
}

/* The corruption error for page pgid breaking rule (page_locate()'s
 * rules, or page_validate()'s at element bad). */
static int tree_page_corrupt(const cbolt_tx *tx, uint64_t pgid, int rule,
                             uint32_t bad)
{
    const uint8_t *p = NULL;
    if (rule != RULE_PAGE_ID_RANGE) /* else pgid may lie past the map */
        p = tx->map->base + pgid * tx->db->page_size;
    switch (rule) {
    case RULE_PAGE_ID_RANGE:
        return cb_corrupt(pgid, rule, "page id outside [2, %llu)",
                          (unsigned long long)tx->meta.pgid);
    case RULE_PAGE_ID_MISMATCH:
        return cb_corrupt(pgid, rule, "header says page %llu",
                          (unsigned long long)ld64(p + PAGE_OFF_ID));
    case RULE_PAGE_FILE_RANGE:
        return cb_corrupt(pgid, rule,
                          "overflow %llu runs past the high-water mark %llu",
                          (unsigned long long)ld32(p + PAGE_OFF_OVERFLOW),
                          (unsigned long long)tx->meta.pgid);
    default:
        return cb_corrupt(pgid, rule, "element %u", bad);
    }
}

/* Page pgid as a branch or leaf page: page_locate() every time, and
 * page_read() (PageWellFormedAt, spec/page.acsl) the first time the
 * mapping serves it (map->checked). */
int tx_tree_page(cbolt_tx *tx, uint64_t pgid, page_view *pv)
{
    uint64_t ps = tx->db->page_size;
    const uint8_t *p;
    size_t len;
    uint32_t bad = 0;
    int rule;

    rule = page_locate(tx->map->base, ps, tx->meta.pgid, pgid, &len);
    if (rule != RULE_OK)
        return tree_page_corrupt(tx, pgid, rule, bad);
    p = tx->map->base + pgid * ps;
    tx->stats.page_count++;
    if (__atomic_load_n(&tx->map->checked[pgid], __ATOMIC_RELAXED)) {
        pv->data = p;
        pv->len = len;
        pv->id = pgid;
        pv->flags = ld16(p + PAGE_OFF_FLAGS);
        pv->count = ld16(p + PAGE_OFF_COUNT);
        return CBOLT_OK;
    }
    rule = page_read(tx->map->base, ps, tx->meta.pgid, pgid,
                     PV_BRANCH | PV_LEAF, pv, &bad);
    if (rule != RULE_OK)
        return tree_page_corrupt(tx, pgid, rule, bad);
    __atomic_store_n(&tx->map->checked[pgid], 1, __ATOMIC_RELAXED);
    return CBOLT_OK;
}
