/*
 * tx.c - transactions: snapshots of the database, the memory they own,
 * and validated access to their pages.
 *
 * Owns: begin, rollback and view; the allocations a transaction hands
 * out; tx_tree_page(), the one way the engine reaches a branch or leaf
 * page of the file (rules page-id-range, page-id-mismatch,
 * page-file-range, then page.c's rules).
 * Invariants: a transaction reads only pages below its meta's high-water
 * mark, through the mapping it took a reference on at begin; that
 * mapping covers every such page (db.c maps at least pgid pages).
 */
#include <stdlib.h>

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

int cbolt_begin(cbolt_db *db, int writable, cbolt_tx **out)
{
    cbolt_tx *tx;
    if (writable)
        return cb_error(CBOLT_ERR_TX_NOT_WRITABLE, "write path not built");
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_begin: NULL argument");
    tx = calloc(1, sizeof *tx);
    if (!tx)
        return cb_error(CBOLT_ERR_NOMEM, "cbolt_begin: out of memory");
    tx->db = db;
    tx->blocks.next = tx->blocks.prev = &tx->blocks;
    db_reader_begin(db, &tx->meta, &tx->map);
    tx->root.tx = tx;
    tx->root.root = tx->meta.root;
    tx->root.sequence = tx->meta.sequence;
    tx->root.top = 1;
    *out = tx;
    return CBOLT_OK;
}

int cbolt_tx_rollback(cbolt_tx *tx)
{
    if (!tx)
        return CBOLT_OK;
    while (tx->blocks.next != &tx->blocks)
        tx_free(tx, tx->blocks.next + 1);
    db_reader_end(tx->db, tx->map);
    free(tx);
    return CBOLT_OK;
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

int tx_tree_page(cbolt_tx *tx, uint64_t pgid, page_view *pv)
{
    uint64_t ps = tx->db->page_size, ovf, len;
    const uint8_t *p;
    uint32_t bad;
    int rule;

    if (pgid < 2 || pgid >= tx->meta.pgid)
        return cb_corrupt(pgid, RULE_PAGE_ID_RANGE,
                          "page id outside [2, %llu)",
                          (unsigned long long)tx->meta.pgid);
    p = tx->map->base + pgid * ps;
    if (ld64(p + PAGE_OFF_ID) != pgid)
        return cb_corrupt(pgid, RULE_PAGE_ID_MISMATCH, "header says page %llu",
                          (unsigned long long)ld64(p + PAGE_OFF_ID));
    ovf = ld32(p + PAGE_OFF_OVERFLOW);
    if (ovf >= tx->meta.pgid - pgid)
        return cb_corrupt(pgid, RULE_PAGE_FILE_RANGE,
                          "overflow %llu runs past the high-water mark %llu",
                          (unsigned long long)ovf,
                          (unsigned long long)tx->meta.pgid);
    len = (ovf + 1) * ps;
    tx->stats.page_count++;
    if (__atomic_load_n(&tx->map->checked[pgid], __ATOMIC_RELAXED)) {
        pv->data = p;
        pv->len = (size_t)len;
        pv->id = pgid;
        pv->flags = ld16(p + PAGE_OFF_FLAGS);
        pv->count = ld16(p + PAGE_OFF_COUNT);
        return CBOLT_OK;
    }
    rule = page_validate(p, (size_t)len, PV_BRANCH | PV_LEAF, pv, &bad);
    if (rule != RULE_OK)
        return cb_corrupt(pgid, rule, "element %u", bad);
    __atomic_store_n(&tx->map->checked[pgid], 1, __ATOMIC_RELAXED);
    return CBOLT_OK;
}
