/*
 * db.c - the database handle (see db.h): opening (the store, then the
 * freelist), closing, beginning transactions, update and view, stats.
 */
#include <string.h>

#include "db.h"
#include "walk.h"

/* Loads the freelist of the meta in force, or rebuilds it by walking the
 * trees when it was not written (NoFreelistSync). */
static int load_freelist(cbolt_db *db)
{
    cbolt_tx *tx;
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = tx_begin(&db->st, 0, &tx);
    if (rc != CBOLT_OK)
        return rc;
    rc = walk_free_ids(&tx->b.s, &ids, &n);
    cbolt_tx_rollback(tx);
    if (rc == CBOLT_OK && fl_load(&db->st.freelist, ids, n) != CBOLT_OK)
        rc = cb_error(CBOLT_ERR_NOMEM, "open: out of memory");
    cb_free(ids);
    db->st.free_n = n;
    return rc;
}

/* A file without a written freelist gets one now, unless the option
 * keeps it unwritten (bbolt does the same). */
static int write_freelist(cbolt_db *db)
{
    cbolt_tx *tx;
    int rc = tx_begin(&db->st, 1, &tx);
    if (rc == CBOLT_OK && (rc = cbolt_tx_commit(tx)) != CBOLT_OK)
        cbolt_tx_rollback(tx);
    return rc;
}

static int count_free(cbolt_db *db, uint64_t *n);

static int open_db(cbolt_db *db, const char *path, const cbolt_options *o)
{
    int rc = store_open(&db->st, path, o);
    /* cbolt's choice: a read-only handle counts its free pages only when
     * asked (stats), unless preload_freelist asks for it at open; a
     * read-write handle loads the freelist at open, as bbolt does */
    if (rc == CBOLT_OK && o->read_only && o->preload_freelist &&
        (rc = count_free(db, &db->st.free_n)) == CBOLT_OK)
        db->free_counted = 1;
    if (rc == CBOLT_OK && !o->read_only)
        rc = load_freelist(db);
    if (rc == CBOLT_OK && !o->read_only && !o->no_freelist_sync &&
        db->st.meta.freelist == PGID_NO_FREELIST)
        rc = write_freelist(db);
    return rc;
}

static void db_free(cbolt_db *db)
{
    store_close(&db->st);
    pthread_cond_destroy(&db->batch_done);
    pthread_mutex_destroy(&db->batch_mu);
    cb_free(db);
}

int cbolt_open(const char *path, const cbolt_options *opts, cbolt_db **out)
{
    static const cbolt_options defaults;
    const cbolt_options *o = opts ? opts : &defaults;
    cbolt_db *db;
    int rc;

    if (!path || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_open: NULL argument");
    *out = NULL;
    if (!(db = cb_calloc(1, sizeof *db)))
        return cb_error(CBOLT_ERR_NOMEM, "cbolt_open: out of memory");
    pthread_mutex_init(&db->batch_mu, NULL);
    pthread_cond_init(&db->batch_done, NULL);
    db->opts = *o;
    if ((rc = open_db(db, path, o)) != CBOLT_OK) {
        db_free(db);
        return rc;
    }
    *out = db;
    return CBOLT_OK;
}

int cbolt_close(cbolt_db *db)
{
    int busy;
    if (!db)
        return CBOLT_OK;
    pthread_mutex_lock(&db->batch_mu);
    busy = db->batch != NULL;
    pthread_mutex_unlock(&db->batch_mu);
    if (busy || store_busy(&db->st))
        return cb_error(CBOLT_ERR_BUSY, "cbolt_close: transactions open");
    db_free(db);
    return CBOLT_OK;
}

int cbolt_begin(cbolt_db *db, int writable, cbolt_tx **out)
{
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cbolt_begin: NULL argument");
    if (writable && db->st.read_only)
        return cb_error(CBOLT_ERR_DATABASE_READ_ONLY, "database read-only");
    return tx_begin(&db->st, writable != 0, out);
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

int cbolt_db_set_options(cbolt_db *db, const cbolt_options *o)
{
    store_settings next;
    if (!db || !o)
        return cb_error(CBOLT_ERR_INVALID_ARG, "set options: NULL argument");
    if (db->st.read_only)
        return cb_error(CBOLT_ERR_DATABASE_READ_ONLY, "database read-only");
    next.no_sync = o->no_sync != 0;
    next.no_grow_sync = o->no_grow_sync != 0;
    next.no_freelist_sync = o->no_freelist_sync != 0;
    next.alloc_size = o->alloc_size;
    next.max_size = o->max_size;
    store_set(&db->st, &next);
    db->opts.no_sync = next.no_sync;
    db->opts.no_grow_sync = next.no_grow_sync;
    db->opts.no_freelist_sync = next.no_freelist_sync;
    db->opts.alloc_size = next.alloc_size;
    db->opts.max_size = next.max_size;
    return CBOLT_OK;
}

int cbolt_sync(cbolt_db *db)
{
    if (!db)
        return cb_error(CBOLT_ERR_INVALID_ARG, "sync: NULL database");
    return store_fsync(&db->st);
}

/*@ requires \valid_read(db);
    assigns \nothing;
    ensures \result == db->st.page_size; */
uint32_t cbolt_db_page_size(const cbolt_db *db)
{
    return db->st.page_size;
}

/*@ requires \valid_read(db);
    assigns \nothing;
    ensures \result == db->st.path; */
const char *cbolt_db_path(const cbolt_db *db)
{
    return db->st.path;
}

/*@ requires \valid_read(db);
    assigns \nothing;
    ensures \result == db->st.read_only; */
int cbolt_db_read_only(const cbolt_db *db)
{
    return db->st.read_only;
}

/* The free pages of a read-only handle: counted from its file. */
static int count_free(cbolt_db *db, uint64_t *n)
{
    cbolt_tx *tx;
    uint64_t *ids = NULL;
    size_t k = 0;
    int rc = cbolt_begin(db, 0, &tx);
    if (rc != CBOLT_OK)
        return rc;
    rc = walk_free_ids(&tx->b.s, &ids, &k);
    cbolt_tx_rollback(tx);
    cb_free(ids);
    *n = k;
    return rc;
}

int cbolt_db_stats_get(cbolt_db *db, cbolt_db_stats *out)
{
    store *st;
    uint64_t free_n = 0, pending_n = 0;
    int rc;
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "stats: NULL argument");
    st = &db->st;
    if (st->read_only && !db->free_counted &&
        (rc = count_free(db, &free_n)) != CBOLT_OK)
        return rc;
    if (st->read_only && db->free_counted)
        free_n = st->free_n;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&st->mu);
    if (!st->read_only) {
        free_n = st->free_n;
        pending_n = st->pending_n;
    }
    out->free_page_n = free_n;
    out->pending_page_n = pending_n;
    out->free_alloc = (free_n + pending_n) * st->page_size;
    /* bbolt's freelist.size(): header, one u64 per id, one more for the
     * count when it overflows 0xFFFF. */
    out->freelist_inuse =
        PAGE_HDR_SIZE + 8u * (free_n + pending_n) +
        (free_n + pending_n >= FREELIST_COUNT_OVERFLOW ? 8u : 0u);
    out->tx_n = st->tx_n;
    out->open_tx_n = st->open_tx_n;
    pthread_mutex_unlock(&st->mu);
    return CBOLT_OK;
}
