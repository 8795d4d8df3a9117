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

/* The write settings of options o: each flag 0 or 1, the sizes as
 * given (store_set() takes alloc_size 0 for the default step). */
/*@ requires \valid_read(o) && \valid(next) && \separated(o, next);
    assigns *next;
    ensures flags: next->no_sync == (o->no_sync != 0 ? 1 : 0) &&
      next->no_grow_sync == (o->no_grow_sync != 0 ? 1 : 0) &&
      next->no_freelist_sync == (o->no_freelist_sync != 0 ? 1 : 0);
    ensures sizes: next->alloc_size == o->alloc_size &&
                   next->max_size == o->max_size; */
static void settings_of(const cbolt_options *o, store_settings *next)
{
    next->no_sync = o->no_sync != 0;
    next->no_grow_sync = o->no_grow_sync != 0;
    next->no_freelist_sync = o->no_freelist_sync != 0;
    next->alloc_size = o->alloc_size;
    next->max_size = o->max_size;
}

/* The handle's options take the write settings next; the others (the
 * open-time ones) are kept. */
/*@ requires \valid(opts) && \valid_read(next) && \separated(opts, next);
    assigns opts->no_sync, opts->no_grow_sync, opts->no_freelist_sync,
            opts->alloc_size, opts->max_size;
    ensures flags: opts->no_sync == next->no_sync &&
      opts->no_grow_sync == next->no_grow_sync &&
      opts->no_freelist_sync == next->no_freelist_sync;
    ensures sizes: opts->alloc_size == next->alloc_size &&
                   opts->max_size == next->max_size; */
static void opts_take(cbolt_options *opts, const store_settings *next)
{
    opts->no_sync = next->no_sync;
    opts->no_grow_sync = next->no_grow_sync;
    opts->no_freelist_sync = next->no_freelist_sync;
    opts->alloc_size = next->alloc_size;
    opts->max_size = next->max_size;
}

int cbolt_db_set_options(cbolt_db *db, const cbolt_options *o)
{
    store_settings next;
    if (!db || !o)
        return cb_error(CBOLT_ERR_INVALID_ARG, "set options: NULL argument");
    if (db->st.read_only)
        return cb_error(CBOLT_ERR_DATABASE_READ_ONLY, "database read-only");
    settings_of(o, &next);
    store_set(&db->st, &next);
    opts_take(&db->opts, &next);
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

/*@ // The free and pending page counts cbolt_db_stats_get() reports: a
    // read-write handle's, the freelist's at the last commit; a read-only
    // handle's, the free pages counted at open or now (free_n), none
    // pending.
    logic integer StatsFree{L}(cbolt_db *db, integer free_n) =
      db->st.read_only == 0 || db->free_counted != 0 ? db->st.free_n : free_n;
    logic integer StatsPending{L}(cbolt_db *db) =
      db->st.read_only == 0 ? db->st.pending_n : 0;
    logic integer StatsPages{L}(cbolt_db *db, integer free_n) =
      StatsFree(db, free_n) + StatsPending(db); */

/* The statistics of a handle whose free pages a read-only handle has
 * counted (free_n, unless counted at open), taken under the store's
 * mutex. The counts stand for pages of the file, far below 2^56: the
 * products do not wrap (precondition room, not proved of the caller). */
/*@ requires db: \valid(db);
    requires out: \valid(out) && \separated(db, out);
    requires room: StatsPages(db, free_n) * db->st.page_size <= UINT64_MAX &&
      PageHdrSize + 8 * StatsPages(db, free_n) + 8 <= UINT64_MAX;
    assigns *out, db->st.mu;
    ensures free: out->free_page_n == \old(StatsFree(db, free_n));
    ensures pending: out->pending_page_n == \old(StatsPending(db));
    ensures alloc: out->free_alloc ==
      \old(StatsPages(db, free_n)) * db->st.page_size;
    ensures inuse: out->freelist_inuse ==
      PageHdrSize + 8 * \old(StatsPages(db, free_n)) +
      (\old(StatsPages(db, free_n)) >= FreelistCountOverflow ? 8 : 0);
    ensures txs: out->tx_n == db->st.tx_n &&
                 out->open_tx_n == db->st.open_tx_n;
    ensures unchanged: db->st.free_n == \old(db->st.free_n) &&
      db->st.pending_n == \old(db->st.pending_n) &&
      db->st.read_only == \old(db->st.read_only) &&
      db->free_counted == \old(db->free_counted); */
static void stats_locked(cbolt_db *db, uint64_t free_n, cbolt_db_stats *out)
{
    store *st = &db->st;
    uint64_t pending_n = 0, pages;
    if (st->read_only && db->free_counted)
        free_n = st->free_n;
    pthread_mutex_lock(&st->mu);
    if (!st->read_only) {
        free_n = st->free_n;
        pending_n = st->pending_n;
    }
    pages = free_n + pending_n;
    out->free_page_n = free_n;
    out->pending_page_n = pending_n;
    out->free_alloc = pages * st->page_size;
    /* bbolt's freelist.size(): header, one u64 per id, one more for the
     * count when it overflows 0xFFFF. */
    out->freelist_inuse = PAGE_HDR_SIZE + 8u * pages +
                          (pages >= FREELIST_COUNT_OVERFLOW ? 8u : 0u);
    out->tx_n = st->tx_n;
    out->open_tx_n = st->open_tx_n;
    pthread_mutex_unlock(&st->mu);
}

int cbolt_db_stats_get(cbolt_db *db, cbolt_db_stats *out)
{
    uint64_t free_n = 0;
    int rc;
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "stats: NULL argument");
    if (db->st.read_only && !db->free_counted &&
        (rc = count_free(db, &free_n)) != CBOLT_OK)
        return rc;
    stats_locked(db, free_n, out);
    return CBOLT_OK;
}
