/*
 * db.c - the database handle: opening and closing, locking, creating a
 * new file, choosing the meta, mapping the file, readers and the writer,
 * file growth, batches.
 *
 * Owns: the os-layer file and its lock, page size discovery (meta 0, else
 * probing powers of two from 256 B to 16 MiB for a valid meta 1), meta
 * selection at open (meta.c decides), the mappings and their reference
 * counts, the list of open readers, the writer slot, the freelist.
 * Invariants:
 * - db->meta is the last committed meta: it validated and passed
 *   meta_check_fields(), or a commit of this handle wrote it; so
 *   meta.pgid * page_size <= file size and <= db->map->len.
 * - A mapping is unmapped only when its last reference is dropped: the
 *   writer maps the file anew when it grows, without waiting for readers
 *   and without touching the mappings they hold.
 * - At most one writer; readers never wait for it.
 * - A pending page is released only when no open reader can see it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#define DEFAULT_PAGE_SIZE 4096u
#define MAX_MMAP_STEP (1ull << 30)        /* bbolt's maxMmapStep */
#define ALLOC_SIZE (16ull * 1024 * 1024)  /* bbolt's DefaultAllocSize */

/* bbolt's mmapSize: doubling from 32 KiB to 1 GiB, then 1 GiB steps. */
static uint64_t mmap_size(uint64_t size, uint64_t ps)
{
    uint64_t sz;
    unsigned i;
    for (i = 15; i <= 30; i++)
        if (size <= (1ull << i))
            return 1ull << i;
    sz = size;
    if (sz % MAX_MMAP_STEP)
        sz += MAX_MMAP_STEP - sz % MAX_MMAP_STEP;
    if (sz % ps)
        sz = (sz / ps + 1) * ps;
    return sz;
}

static int io_error(const char *what, const char *path)
{
    return cb_error(CBOLT_ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Writes the four pages of a new database (bbolt's db.init). */
static int db_init(cbolt_db *db, uint32_t ps)
{
    uint8_t *buf = calloc(4, ps);
    meta m = {0};
    int rc, i;
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "init: out of memory");
    m.magic = META_MAGIC;
    m.version = META_VERSION;
    m.page_size = ps;
    m.freelist = 2;
    m.root = 3;
    m.pgid = 4;
    for (i = 0; i < 2; i++) {
        m.txid = (uint64_t)i;
        meta_encode(&m, buf + (size_t)i * ps, (uint64_t)i);
    }
    st64(buf + 2 * (size_t)ps + PAGE_OFF_ID, 2);
    st16(buf + 2 * (size_t)ps + PAGE_OFF_FLAGS, PAGE_FREELIST);
    st64(buf + 3 * (size_t)ps + PAGE_OFF_ID, 3);
    st16(buf + 3 * (size_t)ps + PAGE_OFF_FLAGS, PAGE_LEAF);
    rc = db->vfs->write(db->file, buf, 4 * (size_t)ps, 0);
    if (rc == CBOLT_OK)
        rc = db->vfs->sync(db->file);
    free(buf);
    return rc == CBOLT_OK ? rc : io_error("init", db->path);
}

static int read_meta(cbolt_db *db, uint64_t off, uint64_t size, uint8_t *buf)
{
    if (off > size || size - off < META_END)
        return RULE_META_MAGIC;   /* no room for a meta: not a meta */
    if (db->vfs->read(db->file, buf, META_END, off) != CBOLT_OK)
        return -1;
    return meta_validate(buf);
}

static int no_meta(int rule0, const char *path)
{
    int code = rule0 == RULE_META_VERSION    ? CBOLT_ERR_VERSION_MISMATCH
               : rule0 == RULE_META_CHECKSUM ? CBOLT_ERR_CHECKSUM
                                             : CBOLT_ERR_INVALID;
    return cb_error(code, "%s: no valid meta page (meta 0: %s)", path,
                    cb_rule_name(rule0));
}

/* Finds the page size (meta 0, else the first offset holding a valid meta
 * 1 that names it), reads both metas and keeps the chosen one. */
static int load_meta(cbolt_db *db, uint64_t size)
{
    uint8_t b0[META_END] = {0}, b1[META_END] = {0};
    meta m0, m1;
    uint64_t ps = 0, probe;
    int r0, r1 = RULE_META_MAGIC, sel, rule;

    r0 = read_meta(db, 0, size, b0);
    if (r0 < 0)
        return io_error("read", db->path);
    meta_decode(b0, &m0);
    if (r0 == RULE_OK && page_size_ok(m0.page_size))
        ps = m0.page_size;
    for (probe = CBOLT_MIN_PAGE_SIZE; !ps && probe <= CBOLT_MAX_PAGE_SIZE;
         probe <<= 1) {
        int r = read_meta(db, probe, size, b1);
        if (r < 0)
            return io_error("read", db->path);
        if (r == RULE_OK && ld32(b1 + META_OFF_PAGE_SIZE) == probe)
            ps = probe;
    }
    if (!ps)
        return no_meta(r0, db->path);
    r1 = read_meta(db, ps, size, b1);
    if (r1 < 0)
        return io_error("read", db->path);
    meta_decode(b1, &m1);
    sel = meta_select(r0 == RULE_OK, &m0, r1 == RULE_OK, &m1);
    if (sel < 0)
        return no_meta(r0, db->path);
    db->page_size = (uint32_t)ps;
    db->meta = sel ? m1 : m0;
    rule = meta_check_fields(&db->meta, db->page_size, size);
    if (rule != RULE_OK)
        return cb_corrupt((uint64_t)sel, rule,
                          "meta %d (txid %llu) page size %u, pgid %llu, "
                          "root %llu, freelist %llu, file %llu bytes",
                          sel, (unsigned long long)db->meta.txid,
                          db->meta.page_size,
                          (unsigned long long)db->meta.pgid,
                          (unsigned long long)db->meta.root,
                          (unsigned long long)db->meta.freelist,
                          (unsigned long long)size);
    return CBOLT_OK;
}

static cbolt_map *map_new(cbolt_db *db, uint64_t size);

static int map_file(cbolt_db *db, uint64_t size)
{
    cbolt_map *m = map_new(db, size);
    if (!m)
        return cbolt_last_error()->code;
    db->map = m;
    return CBOLT_OK;
}

static cbolt_map *map_new(cbolt_db *db, uint64_t size)
{
    cbolt_map *m = calloc(1, sizeof *m);
    if (!m) {
        cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
        return NULL;
    }
    if (size > SIZE_MAX) {
        free(m);
        cb_error(CBOLT_ERR_NOMEM, "map: file too large");
        return NULL;
    }
    m->len = (size_t)size;
    m->npages = size / db->page_size;
    m->checked = calloc(m->npages ? m->npages : 1, 1);
    if (!m->checked) {
        free(m);
        cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
        return NULL;
    }
    if (db->vfs->map(db->file, m->len, &m->base) != CBOLT_OK) {
        free(m->checked);
        free(m);
        io_error("mmap", db->path);
        return NULL;
    }
    m->refs = 1;
    return m;
}

static void map_release(cbolt_db *db, cbolt_map *m)
{
    if (--m->refs > 0)
        return;
    db->vfs->unmap(db->file, m->base, m->len);
    free(m->checked);
    free(m);
}

/* Loads the freelist of the current meta, or rebuilds it by walking the
 * tree when it was not written (NoFreelistSync). */
static int load_freelist(cbolt_db *db)
{
    cbolt_tx *tx;
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = cbolt_begin(db, 0, &tx);
    if (rc != CBOLT_OK)
        return rc;
    rc = tx_free_ids(tx, &ids, &n);
    cbolt_tx_rollback(tx);
    if (rc == CBOLT_OK)
        rc = fl_load(&db->freelist, ids, n);
    free(ids);
    db->free_n = n;
    return rc;
}

static int open_file(cbolt_db *db, const cbolt_options *o)
{
    int flags = o->read_only ? CBOLT_OPEN_READ_ONLY : CBOLT_OPEN_CREATE;
    uint64_t size;
    uint32_t ps = o->page_size ? o->page_size : DEFAULT_PAGE_SIZE;
    int rc;

    if (!page_size_ok(ps))
        return cb_error(CBOLT_ERR_INVALID_ARG, "page size %u", ps);
    rc = db->vfs->open(db->vfs, db->path, flags, o->mode ? o->mode : 0600,
                       &db->file);
    if (rc != CBOLT_OK)
        return rc == CBOLT_ERR_IO ? io_error("open", db->path) : rc;
    rc = db->vfs->lock(db->file, !o->read_only, o->timeout_ms);
    if (rc == CBOLT_ERR_TIMEOUT)
        return cb_error(rc, "%s: timeout waiting for the file lock",
                        db->path);
    if (rc != CBOLT_OK)
        return io_error("lock", db->path);
    if (db->vfs->size(db->file, &size) != CBOLT_OK)
        return io_error("stat", db->path);
    if (size == 0 && !o->read_only) {
        rc = db_init(db, ps);
        if (rc == CBOLT_OK && db->vfs->size(db->file, &size) != CBOLT_OK)
            rc = io_error("stat", db->path);
        if (rc != CBOLT_OK)
            return rc;
    }
    rc = load_meta(db, size);
    db->filesz = size;
    db->datasz = o->read_only ? size : mmap_size(size, db->page_size);
    if (rc == CBOLT_OK)
        rc = map_file(db, db->datasz);
    if (rc == CBOLT_OK && !o->read_only)
        rc = load_freelist(db);
    return rc;
}

static void db_free(cbolt_db *db)
{
    if (db->map)
        map_release(db, db->map);
    if (db->file) {
        db->vfs->unlock(db->file);
        db->vfs->close(db->file);
    }
    fl_destroy(&db->freelist);
    free(db->readers);
    pthread_cond_destroy(&db->writer_done);
    pthread_cond_destroy(&db->batch_done);
    pthread_mutex_destroy(&db->mu);
    free(db->path);
    free(db);
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
    db = calloc(1, sizeof *db);
    if (!db)
        return cb_error(CBOLT_ERR_NOMEM, "cbolt_open: out of memory");
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->writer_done, NULL);
    pthread_cond_init(&db->batch_done, NULL);
    fl_init(&db->freelist);
    db->opts = *o;
    db->vfs = o->vfs ? o->vfs : cbolt_posix_vfs();
    db->read_only = o->read_only != 0;
    db->path = strdup(path);
    rc = db->path ? open_file(db, o) : cb_error(CBOLT_ERR_NOMEM, "strdup");
    /* A file without a written freelist gets one now, unless the option
     * keeps it unwritten (bbolt does the same). */
    if (rc == CBOLT_OK && !o->read_only && !o->no_freelist_sync &&
        db->meta.freelist == PGID_NO_FREELIST) {
        cbolt_tx *tx;
        rc = cbolt_begin(db, 1, &tx);
        if (rc == CBOLT_OK && (rc = cbolt_tx_commit(tx)) != CBOLT_OK)
            cbolt_tx_rollback(tx);
    }
    if (rc != CBOLT_OK) {
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
    pthread_mutex_lock(&db->mu);
    busy = db->open_tx_n > 0 || db->writer || db->batch;
    pthread_mutex_unlock(&db->mu);
    if (busy)
        return cb_error(CBOLT_ERR_BUSY, "cbolt_close: transactions open");
    db_free(db);
    return CBOLT_OK;
}

/* Adds txid to the sorted multiset of open readers (under mu). */
static int readers_add(cbolt_db *db, uint64_t txid)
{
    size_t i;
    if (db->nreaders == db->capreaders) {
        size_t cap = db->capreaders ? 2 * db->capreaders : 16;
        uint64_t *r = realloc(db->readers, cap * sizeof *r);
        if (!r) /* a reader not registered could lose its pages: fail */
            return cb_error(CBOLT_ERR_NOMEM, "begin: out of memory");
        db->readers = r;
        db->capreaders = cap;
    }
    for (i = db->nreaders; i > 0 && db->readers[i - 1] > txid; i--)
        db->readers[i] = db->readers[i - 1];
    db->readers[i] = txid;
    db->nreaders++;
    return CBOLT_OK;
}

static void readers_remove(cbolt_db *db, uint64_t txid)
{
    size_t i;
    for (i = 0; i < db->nreaders; i++) {
        if (db->readers[i] == txid) {
            memmove(db->readers + i, db->readers + i + 1,
                    (db->nreaders - i - 1) * sizeof *db->readers);
            db->nreaders--;
            return;
        }
    }
}

int db_reader_begin(cbolt_db *db, meta *m, cbolt_map **map)
{
    int rc;
    pthread_mutex_lock(&db->mu);
    *m = db->meta;
    rc = readers_add(db, m->txid);
    if (rc == CBOLT_OK) {
        *map = db->map;
        db->map->refs++;
        db->tx_n++;
        db->open_tx_n++;
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

void db_reader_end(cbolt_db *db, cbolt_map *map, uint64_t txid)
{
    pthread_mutex_lock(&db->mu);
    db->open_tx_n--;
    readers_remove(db, txid);
    map_release(db, map);
    pthread_mutex_unlock(&db->mu);
}

/* Releases the pending pages no open reader can see (bbolt's
 * freePages; alloc.h states the rule). Under mu. */
static int release_pages(cbolt_db *db)
{
    return fl_release(&db->freelist, db->readers, db->nreaders);
}

void db_poison(cbolt_db *db)
{
    pthread_mutex_lock(&db->mu);
    db->poisoned = 1;
    pthread_mutex_unlock(&db->mu);
}

int db_writer_begin(cbolt_db *db, meta *m, cbolt_map **map)
{
    int rc;
    pthread_mutex_lock(&db->mu);
    while (db->writer)
        pthread_cond_wait(&db->writer_done, &db->mu);
    if (db->poisoned) {
        pthread_mutex_unlock(&db->mu);
        return cb_error(CBOLT_ERR_IO, "a commit failed while writing its "
                        "meta page: close and reopen the database");
    }
    db->writer = 1;
    rc = release_pages(db);
    if (rc != CBOLT_OK) {
        db->writer = 0;
        pthread_cond_signal(&db->writer_done);
        pthread_mutex_unlock(&db->mu);
        return cb_error(rc, "begin: releasing pages failed");
    }
    *m = db->meta;
    *map = db->map;
    db->map->refs++;
    pthread_mutex_unlock(&db->mu);
    return CBOLT_OK;
}

void db_writer_end(cbolt_db *db, cbolt_map *map, const meta *committed)
{
    cbolt_map *fresh = NULL;
    uint64_t need;
    if (committed) {
        need = committed->pgid * (uint64_t)db->page_size;
        if (need > db->map->len) {
            if (db->datasz < need)
                db->datasz = mmap_size(need, db->page_size);
            fresh = map_new(db, db->datasz);
        }
    }
    pthread_mutex_lock(&db->mu);
    if (committed && (!fresh && committed->pgid * (uint64_t)db->page_size >
                                    db->map->len)) {
        /* no new mapping could be made: keep the old meta published, the
         * commit is on disk and the next open will see it */
    } else if (committed) {
        db->meta = *committed;
        if (fresh) {
            cbolt_map *old = db->map;
            db->map = fresh;
            map_release(db, old);
        }
    }
    map_release(db, map);
    db->free_n = fl_free_count(&db->freelist);
    db->pending_n = fl_pending_count(&db->freelist);
    db->writer = 0;
    pthread_cond_signal(&db->writer_done);
    pthread_mutex_unlock(&db->mu);
}

void db_reserve(cbolt_db *db, uint64_t minsz)
{
    if (minsz >= db->datasz)
        db->datasz = mmap_size(minsz, db->page_size);
}

int db_grow(cbolt_db *db, uint64_t sz)
{
    if (sz <= db->filesz)
        return CBOLT_OK;
    if (db->datasz < ALLOC_SIZE)
        sz = db->datasz;
    else
        sz += ALLOC_SIZE;
    if (!db->opts.no_grow_sync) {
        if (db->vfs->truncate(db->file, sz) != CBOLT_OK ||
            db->vfs->sync(db->file) != CBOLT_OK)
            return io_error("grow", db->path);
    }
    db->filesz = sz;
    return CBOLT_OK;
}

void db_unmark_checked(cbolt_db *db, uint64_t pgid)
{
    cbolt_map *m = db->map;
    if (pgid < m->npages)
        __atomic_store_n(&m->checked[pgid], 0, __ATOMIC_RELAXED);
}

uint32_t cbolt_db_page_size(const cbolt_db *db)
{
    return db->page_size;
}

const char *cbolt_db_path(const cbolt_db *db)
{
    return db->path;
}

int cbolt_db_read_only(const cbolt_db *db)
{
    return db->read_only;
}

int cbolt_db_stats_get(cbolt_db *db, cbolt_db_stats *out)
{
    cbolt_tx *tx;
    uint64_t free_n = 0;
    int rc;
    if (!db || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "stats: NULL argument");
    rc = cbolt_begin(db, 0, &tx);
    if (rc != CBOLT_OK)
        return rc;
    memset(out, 0, sizeof *out);
    if (db->read_only) {
        rc = tx_count_free(tx, &free_n);
        cbolt_tx_rollback(tx);
        if (rc != CBOLT_OK)
            return rc;
    } else {
        cbolt_tx_rollback(tx);
    }
    pthread_mutex_lock(&db->mu);
    if (!db->read_only) {
        free_n = db->free_n;
        out->pending_page_n = db->pending_n;
    }
    out->free_page_n = free_n;
    out->free_alloc = (free_n + out->pending_page_n) * db->page_size;
    /* bbolt's freelist.size(): header, one u64 per id, one more for the
     * count when it overflows 0xFFFF. */
    out->freelist_inuse =
        PAGE_HDR_SIZE + 8u * (free_n + out->pending_page_n) +
        (free_n + out->pending_page_n >= FREELIST_COUNT_OVERFLOW ? 8u : 0u);
    out->tx_n = db->tx_n;
    out->open_tx_n = db->open_tx_n;
    pthread_mutex_unlock(&db->mu);
    return CBOLT_OK;
}
