/*
 * db.c - opening and closing a database: locking, creating a new file,
 * choosing the meta, mapping the file.
 *
 * Owns: the os-layer file and its lock, page size discovery (meta 0, else
 * probing powers of two from 256 B to 16 MiB for a valid meta 1), meta selection at open
 * (meta.c decides), the mapping and its reference count.
 * Invariants:
 * - db->meta is a meta that validated and passed meta_check_fields(), so
 *   meta.pgid * page_size <= file size <= mapping length.
 * - A mapping is unmapped only when its last reference is dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#define DEFAULT_PAGE_SIZE 4096u

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

static int map_file(cbolt_db *db, uint64_t size)
{
    cbolt_map *m = calloc(1, sizeof *m);
    if (!m)
        return cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
    if (size > SIZE_MAX) {
        free(m);
        return cb_error(CBOLT_ERR_NOMEM, "map: file too large");
    }
    m->len = (size_t)size;
    m->npages = size / db->page_size;
    m->checked = calloc(m->npages ? m->npages : 1, 1);
    if (!m->checked) {
        free(m);
        return cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
    }
    if (db->vfs->map(db->file, m->len, &m->base) != CBOLT_OK) {
        free(m->checked);
        free(m);
        return io_error("mmap", db->path);
    }
    m->refs = 1;
    db->map = m;
    return CBOLT_OK;
}

static void map_release(cbolt_db *db, cbolt_map *m)
{
    if (--m->refs > 0)
        return;
    db->vfs->unmap(db->file, m->base, m->len);
    free(m->checked);
    free(m);
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
    if (rc == CBOLT_OK)
        rc = map_file(db, size);
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
    db->vfs = o->vfs ? o->vfs : cbolt_posix_vfs();
    db->read_only = o->read_only != 0;
    db->path = strdup(path);
    rc = db->path ? open_file(db, o) : cb_error(CBOLT_ERR_NOMEM, "strdup");
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
    busy = db->open_tx_n > 0;
    pthread_mutex_unlock(&db->mu);
    if (busy)
        return cb_error(CBOLT_ERR_BUSY, "cbolt_close: transactions open");
    db_free(db);
    return CBOLT_OK;
}

void db_reader_begin(cbolt_db *db, meta *m, cbolt_map **map)
{
    pthread_mutex_lock(&db->mu);
    *m = db->meta;
    *map = db->map;
    db->map->refs++;
    db->tx_n++;
    db->open_tx_n++;
    pthread_mutex_unlock(&db->mu);
}

void db_reader_end(cbolt_db *db, cbolt_map *map)
{
    pthread_mutex_lock(&db->mu);
    db->open_tx_n--;
    map_release(db, map);
    pthread_mutex_unlock(&db->mu);
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
    rc = tx_count_free(tx, &free_n);
    cbolt_tx_rollback(tx);
    if (rc != CBOLT_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->free_page_n = free_n;
    out->free_alloc = free_n * db->page_size;
    /* bbolt's freelist.size(): header, one u64 per id, one more for the
     * count when it overflows 0xFFFF. */
    out->freelist_inuse = PAGE_HDR_SIZE + 8u * free_n +
                          (free_n >= FREELIST_COUNT_OVERFLOW ? 8u : 0u);
    pthread_mutex_lock(&db->mu);
    out->tx_n = db->tx_n;
    out->open_tx_n = db->open_tx_n;
    pthread_mutex_unlock(&db->mu);
    return CBOLT_OK;
}
