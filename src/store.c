/*
 * store.c - the file under the engine (see store.h): open and the meta in
 * force, mappings, growth, readers, the writer slot, the page door.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"
#include "store.h"

/* The atomics of the marks' seqlock (store.h). WP has no model of
 * concurrent memory: the proofs read them as the plain loads and stores
 * they are in one thread (an assumption, proofs/README.md; the TSan tests
 * check the races). */
#ifdef __FRAMAC__
#define LOAD_ACQUIRE(p) (*(p))
#define LOAD_RELAXED(p) (*(p))
#define STORE_RELAXED(p, v) (*(p) = (v))
#define ADD_ACQ_REL(p, v) (*(p) += (v))
#define FENCE_ACQUIRE() ((void)0)
#else
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_RELAXED(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ADD_ACQ_REL(p, v) __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL)
/* the bytes read before the second look at wepoch (TSan has no fences;
 * it checks the atomics themselves) */
#ifndef __SANITIZE_THREAD__
#define FENCE_ACQUIRE() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#else
#define FENCE_ACQUIRE() ((void)0)
#endif
#endif

/* The os layer's read (st->vfs->read) as the proofs see it: WP follows
 * no call through the vfs table, whose functions a program may bring.
 * An assumed contract of the os layer (proofs/README.md): it writes at
 * most the n bytes of buf, and says nothing of what it reads. */
#ifdef __FRAMAC__
/*@ requires valid: \valid(buf + (0 .. n - 1));
    assigns buf[0 .. n - 1]; */
int cb_vfs_read(cbolt_file *f, uint8_t *buf, size_t n, uint64_t off);
#define VFS_READ(st, buf, n, off) cb_vfs_read((st)->file, (buf), (n), (off))
#else
#define VFS_READ(st, buf, n, off) (st)->vfs->read((st)->file, (buf), (n), (off))
#endif

/* The model of the file that run store-durable proves the writes and
 * syncs over (proofs/README.md, "store"). Only that run defines
 * CB_STORE_MODEL: the other runs of store.c see the code as it is
 * built, so their goals do not change with the model. */
#if defined(__FRAMAC__) && defined(CB_STORE_MODEL)
/* The meta buffers store_write_meta and settle_meta allocate: one region
 * of their own (as alloc.c's fl_ids_heap). */
extern uint8_t store_buf_heap[SIZE_MAX / 16];
/* The file as the proofs see it through the os layer (an assumed contract
 * of the os layer, proofs/README.md "store"): cb_vfs_disk, the bytes the
 * file holds (what the page cache holds, which later reads see), and
 * cb_vfs_durable, whether all of them are known to be on the disk. A
 * successful write stores its bytes there and leaves them not yet
 * durable; a successful sync makes everything durable; a failed write
 * may have stored anything in its range, a failed sync says nothing
 * ("fsyncgate": the cache may hold bytes that never reach the disk). */
#define VFS_DISK_MAX ((uint64_t)1 << 62)
extern uint8_t cb_vfs_disk[VFS_DISK_MAX];
extern int cb_vfs_durable;
/* The proofs keep the model in memory (-wp-alias-vars cb_vfs_disk, run
 * store-durable) rather than as a logic array, so that the contracts can
 * read its bytes through pointers (MetaStored(&cb_vfs_disk[off], m)), as
 * the page predicates read any page. */
/*@ requires valid: \valid_read(buf + (0 .. n - 1));
    requires range: off + n <= VFS_DISK_MAX;
    requires apart: \separated(buf + (0 .. n - 1), &cb_vfs_disk[0 .. VFS_DISK_MAX - 1]);
    assigns cb_vfs_disk[off .. off + n - 1], cb_vfs_durable;
    ensures not_durable: cb_vfs_durable == 0;
    ensures stored: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < n ==> cb_vfs_disk[off + i] == buf[i]; */
int cb_vfs_write(cbolt_file *f, const uint8_t *buf, size_t n, uint64_t off);
/*@ assigns cb_vfs_durable;
    ensures durable: \result == CBOLT_OK ==> cb_vfs_durable == 1; */
int cb_vfs_sync(cbolt_file *f);
/* A change of the file's size (not modelled: no byte of a meta page, the
 * only ones the proofs follow, is past the old size) is not durable
 * until a sync. */
/*@ assigns cb_vfs_durable;
    ensures not_durable: cb_vfs_durable == 0; */
int cb_vfs_truncate(cbolt_file *f, uint64_t size);
/* The write and the sync likewise, with the file they model. */
#define VFS_WRITE(st, buf, n, off) cb_vfs_write((st)->file, (buf), (n), (off))
#define VFS_SYNC(st) cb_vfs_sync((st)->file)
#define VFS_TRUNCATE(st, size) cb_vfs_truncate((st)->file, (size))
/* cb_malloc / cb_calloc (mem.c, not proved) of a meta buffer of n bytes,
 * typed: NULL or n writable bytes in the region store_buf_heap (a fresh
 * block). */
/*@ requires size: n <= SIZE_MAX / 16;
    assigns store_buf_heap[..];
    ensures fresh: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&store_buf_heap[0])); */
uint8_t *store_buf_alloc(size_t n);
/* cb_calloc's: the same, zeroed. */
/*@ requires size: n <= SIZE_MAX / 16;
    assigns store_buf_heap[..];
    ensures fresh: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&store_buf_heap[0]) &&
       \forall integer i; 0 <= i < n ==> \result[i] == 0); */
uint8_t *store_buf_zalloc(size_t n);
#define BUF_MALLOC(n) store_buf_alloc(n)
#define BUF_CALLOC(k, n) store_buf_zalloc((k) * (n))
#else
#define VFS_WRITE(st, buf, n, off) (st)->vfs->write((st)->file, (buf), (n), (off))
#define VFS_SYNC(st) (st)->vfs->sync((st)->file)
#define VFS_TRUNCATE(st, size) (st)->vfs->truncate((st)->file, (size))
#define BUF_MALLOC(n) cb_malloc(n)
#define BUF_CALLOC(k, n) cb_calloc((k), (n))
#endif

#define DEFAULT_PAGE_SIZE 4096u
#define MAX_MMAP_STEP (1ull << 30)        /* bbolt's maxMmapStep */
#define MAX_MAP_SIZE 0xFFFFFFFFFFFFull    /* bbolt's maxMapSize (amd64) */
#define ALLOC_SIZE (16ull * 1024 * 1024)  /* bbolt's DefaultAllocSize */

/* bbolt's mmapSize: doubling from 32 KiB to 1 GiB, then 1 GiB steps, a
 * whole number of pages. ps is an accepted page size (page_size_ok), and
 * size at most bbolt's maxMapSize: past 2^64 - 1 GiB the rounding up
 * wrapped (to 0). */
/*@ requires ps: PageSizeOk(ps);
    requires size: size <= MAX_MAP_SIZE;
    assigns \nothing;
    ensures covers: size <= \result;
    ensures least: 32768 <= \result; */
static uint64_t mmap_size(uint64_t size, uint64_t ps)
{
    uint64_t sz, pw;
    CB_INVARIANT(page_size_ok(ps));
    /*@ loop invariant pw: 32768 <= pw <= 2 * MAX_MMAP_STEP;
        loop invariant above: pw > 32768 ==> size > 32768;
        loop assigns pw;
        loop variant 2 * MAX_MMAP_STEP - pw; */
    for (pw = 1ull << 15; pw <= MAX_MMAP_STEP; pw *= 2)
        if (size <= pw)
            return pw;
    //@ assert large: size > 32768;
    sz = size;
    if (sz % MAX_MMAP_STEP)
        sz += MAX_MMAP_STEP - sz % MAX_MMAP_STEP;
    //@ assert stepped: size <= sz <= size + MAX_MMAP_STEP;
    if (sz % ps) {
        //@ assert whole: sz / ps * ps == sz - sz % ps;
        //@ assert next: (sz / ps + 1) * ps == sz / ps * ps + ps;
        sz = (sz / ps + 1) * ps;
    }
    return sz;
}

/* The bytes the first mapping covers: the file's size read-only, else
 * bbolt's mmapSize of the file's size and of initial_mmap_size, the
 * larger; 0 when either is past MAX_MAP_SIZE (bbolt: "mmap too large").
 * ps is the accepted page size: nothing divides by a page size before. */
/*@ requires ps: PageSizeOk(ps);
    assigns \nothing;
    ensures read_only: read_only != 0 ==> \result == size;
    ensures too_large: read_only == 0 ==>
      (\result == 0 <==> size > MAX_MAP_SIZE || initial > MAX_MAP_SIZE);
    ensures covers: \result != 0 ==> size <= \result; */
static uint64_t open_map_size(int read_only, uint64_t size, uint64_t initial,
                              uint64_t ps)
{
    uint64_t sz;
    if (read_only)
        return size;
    if (size > MAX_MAP_SIZE || initial > MAX_MAP_SIZE)
        return 0;
    sz = mmap_size(size, ps);
    return initial > sz ? mmap_size(initial, ps) : sz;
}

/*@ assigns cb_error_record;
    ensures io: \result == CBOLT_ERR_IO; */
static int io_error(const char *what, const char *path)
{
    return cb_error(CBOLT_ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Writes the four pages of a new database (bbolt's db.init). */
static int init_file(store *st, uint32_t ps)
{
    uint8_t *buf = BUF_CALLOC(4, (size_t)ps);
    meta m;
    int rc;
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "init: out of memory");
    m.magic = META_MAGIC;
    m.version = META_VERSION;
    m.page_size = ps;
    m.flags = 0;
    m.root = 3;
    m.sequence = 0;
    m.freelist = 2;
    m.pgid = 4;
    m.checksum = 0;
    m.txid = 0;
    meta_encode(&m, buf, 0);
    m.txid = 1;
    meta_encode(&m, buf + (size_t)ps, 1);
    page_set_header(buf + 2 * (size_t)ps, 2, PAGE_FREELIST, 0);
    page_set_header(buf + 3 * (size_t)ps, 3, PAGE_LEAF, 0);
    rc = VFS_WRITE(st, buf, 4 * (size_t)ps, 0);
    if (rc == CBOLT_OK)
        rc = VFS_SYNC(st);
    cb_free(buf);
    return rc == CBOLT_OK ? rc : io_error("init", st->path);
}

/* Reads the META_END bytes at off (when the file has them) and validates
 * them: a rule, or -1 on a read error. */
/*@ requires valid_st: \valid_read(st);
    requires valid: \valid(buf + (0 .. MetaEnd - 1));
    assigns buf[0 .. MetaEnd - 1];
    ensures result: -1 <= \result <= RULE_META_CHECKSUM;
    ensures valid_meta: \result == RULE_OK ==> MetaValid(buf); */
static int read_meta(store *st, uint64_t off, uint64_t size, uint8_t *buf)
{
    if (off > size || size - off < META_END)
        return RULE_META_MAGIC; /* no room for a meta: not a meta */
    if (VFS_READ(st, buf, META_END, off) != CBOLT_OK)
        return -1;
    return meta_validate(buf);
}

/* bbolt's rule: a file of at least 4096 bytes but under two pages (of
 * the meta's page size, else 4096) is "file size too small". */
/*@ assigns cb_error_record;
    ensures invalid: \result == CBOLT_ERR_INVALID; */
static int too_small(const char *path, uint64_t size)
{
    return cb_error(CBOLT_ERR_INVALID, "%s: file size too small (%llu bytes)",
                    path, (unsigned long long)size);
}

/*@ assigns cb_error_record;
    ensures error: \result < 0; */
static int no_meta(int rule0, const char *path, uint64_t size)
{
    int code = rule0 == RULE_META_VERSION    ? CBOLT_ERR_VERSION_MISMATCH
               : rule0 == RULE_META_CHECKSUM ? CBOLT_ERR_CHECKSUM
                                             : CBOLT_ERR_INVALID;
    /* bbolt reads the first 4096 bytes first: a shorter file is not a
     * database (ErrInvalid); one of one page and more is too small */
    if (size >= DEFAULT_PAGE_SIZE && size < 2 * (uint64_t)DEFAULT_PAGE_SIZE)
        return too_small(path, size);
    return cb_error(code, "%s: no valid meta page (meta 0: %s)", path,
                    cb_rule_name(rule0));
}

/* The page size a meta read at probe names, accepted: with probe 0 (meta
 * 0), its page size when the meta is valid (rule r) and the size is one
 * cbolt accepts; with a probe (an accepted size), the probe when the meta
 * there is valid and names it; else 0. */
/*@ requires probe: probe == 0 || PageSizeOk(probe);
    requires valid: \valid_read(b + (0 .. MetaEnd - 1));
    assigns \nothing;
    ensures accepted: \result == 0 || PageSizeOk(\result);
    ensures meta0: probe == 0 && \result != 0 ==>
      r == RULE_OK && \result == LD32(b + MetaOffPageSize);
    ensures probed: probe != 0 ==> \result == 0 || \result == probe; */
static uint64_t accept_page_size(int r, const uint8_t *b, uint64_t probe)
{
    meta m;
    meta_decode(b, &m);
    if (!probe)
        return r == RULE_OK && page_size_ok(m.page_size) ? m.page_size : 0;
    return r == RULE_OK && m.page_size == probe ? probe : 0;
}

/* The page size: meta 0's when it is valid and names an accepted size,
 * else the first power of two from 256 B to 16 MiB at which a valid meta
 * 1 names itself; 0 when none. */
/*@ requires valid_st: \valid_read(st);
    requires valid: \valid(b0 + (0 .. MetaEnd - 1)) && \valid(r0) &&
                    \valid(ps);
    requires separated: \separated(st, r0, ps, b0 + (0 .. MetaEnd - 1));
    assigns b0[0 .. MetaEnd - 1], *r0, *ps, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_IO;
    ensures accepted: \result == CBOLT_OK ==> *ps == 0 || PageSizeOk(*ps);
    ensures rule0: \result == CBOLT_OK ==> 0 <= *r0 <= RULE_META_CHECKSUM; */
static int find_page_size(store *st, uint64_t size, uint8_t *b0, int *r0,
                          uint64_t *ps)
{
    uint8_t b1[META_END];
    uint64_t probe;
    *ps = 0;
    *r0 = read_meta(st, 0, size, b0);
    if (*r0 < 0)
        return io_error("read", st->path);
    *ps = accept_page_size(*r0, b0, 0);
    //@ assert rule0: 0 <= *r0 <= RULE_META_CHECKSUM;
    /*@ loop invariant probe: CBOLT_MIN_PAGE_SIZE <= probe <=
                              2 * CBOLT_MAX_PAGE_SIZE;
        loop invariant accepted: *ps == 0 || PageSizeOk(*ps);
        loop invariant rule0: 0 <= *r0 <= RULE_META_CHECKSUM;
        loop assigns probe, *ps, b1[0 .. MetaEnd - 1];
        loop variant 2 * CBOLT_MAX_PAGE_SIZE - probe; */
    for (probe = CBOLT_MIN_PAGE_SIZE; !*ps && probe <= CBOLT_MAX_PAGE_SIZE;
         probe <<= 1) {
        int r = read_meta(st, probe, size, b1);
        if (r < 0)
            return io_error("read", st->path);
        *ps = accept_page_size(r, b1, probe);
    }
    return CBOLT_OK;
}

/* The open's choice, ps accepted and the file of size bytes: between the
 * metas read at 0 (rule r0, bytes b0) and at ps (r1, b1), the one in force
 * (*m, on meta page *sel), then meta_check_fields()'s rule for it; -1
 * when neither is valid. On RULE_OK its page size is ps and its pgid * ps
 * is within the file (MetaPageSizeOk, MetaPgidOk). */
/*@ requires ps: PageSizeOk(ps);
    requires valid: \valid_read(b0 + (0 .. MetaEnd - 1)) &&
                    \valid_read(b1 + (0 .. MetaEnd - 1));
    requires valid_out: \valid(m) && \valid(sel);
    requires separated: \separated(m, sel, b0 + (0 .. MetaEnd - 1),
                                   b1 + (0 .. MetaEnd - 1));
    assigns *m, *sel;
    ensures none: \result == -1 <==> r0 != RULE_OK && r1 != RULE_OK;
    ensures chosen: \result != -1 ==> *sel == 0 || *sel == 1;
    ensures checked: \result != -1 ==>
      (\result == RULE_OK <==> MetaFieldsOk(m, ps, size));
    ensures fits: \result == RULE_OK ==>
      MetaPageSizeOk(m, ps) && MetaPgidOk(m, size); */
static int meta_choose(uint64_t size, uint32_t ps, int r0, const uint8_t *b0,
                       int r1, const uint8_t *b1, meta *m, int *sel)
{
    meta m0, m1;
    meta_decode(b0, &m0);
    meta_decode(b1, &m1);
    *sel = meta_select(r0 == RULE_OK, &m0, r1 == RULE_OK, &m1);
    if (*sel < 0)
        return -1;
    *m = *sel ? m1 : m0;
    return meta_check_fields(m, ps, size);
}

/* The corruption error of meta page sel, which breaks a field rule
 * against the page size and the file's size (its freelist field "none"
 * when the freelist is not synced). */
/*@ requires valid: \valid_read(m);
    assigns cb_error_record;
    ensures corrupt: \result == CBOLT_ERR_CORRUPT; */
static int meta_corrupt(int sel, int rule, const meta *m, uint64_t size)
{
#define META_FIELDS "meta %d (txid %llu): page size %u, pgid %llu, root %llu, "
    if (m->freelist == PGID_NO_FREELIST)
        return cb_corrupt((uint64_t)sel, rule,
                          META_FIELDS "freelist none, file %llu bytes", sel,
                          (unsigned long long)m->txid, m->page_size,
                          (unsigned long long)m->pgid,
                          (unsigned long long)m->root,
                          (unsigned long long)size);
    return cb_corrupt((uint64_t)sel, rule,
                      META_FIELDS "freelist %llu, file %llu bytes", sel,
                      (unsigned long long)m->txid, m->page_size,
                      (unsigned long long)m->pgid,
                      (unsigned long long)m->root,
                      (unsigned long long)m->freelist,
                      (unsigned long long)size);
#undef META_FIELDS
}

/* Finds the page size, reads both metas and keeps the one in force,
 * after meta_check_fields() against the file size (meta_choose() writes
 * it to st->meta only when one is valid; the open fails otherwise). */
/*@ requires valid: \valid(st);
    assigns st->page_size, st->meta, st->meta_page, cb_error_record;
    // (MetaFieldsOk holds MetaPgidOk: 3 <= pgid, pgid * page_size <= size)
    ensures accepted: \result == CBOLT_OK ==>
      PageSizeOk(st->page_size) &&
      MetaFieldsOk(&st->meta, st->page_size, size) &&
      (st->meta_page == 0 || st->meta_page == 1); */
static int load_meta(store *st, uint64_t size)
{
    uint8_t b0[META_END] = {0}, b1[META_END] = {0};
    uint64_t ps;
    int r0, r1, sel, rule, rc;

    if ((rc = find_page_size(st, size, b0, &r0, &ps)) != CBOLT_OK)
        return rc;
    if (!ps)
        return no_meta(r0, st->path, size);
    if (size < 2 * ps)
        return too_small(st->path, size);
    r1 = read_meta(st, ps, size, b1);
    if (r1 < 0)
        return io_error("read", st->path);
    //@ assert accepted: PageSizeOk(ps);
    st->page_size = (uint32_t)ps;
    rule = meta_choose(size, st->page_size, r0, b0, r1, b1, &st->meta, &sel);
    if (rule < 0)
        return no_meta(r0, st->path, size);
    st->meta_page = sel;
    if (rule != RULE_OK)
        return meta_corrupt(sel, rule, &st->meta, size);
    return CBOLT_OK;
}

static int settle_meta(store *st);

/* With the mlock option: the file's bytes inside the current mapping
 * are locked in memory (bbolt's Mlock), the part past them as the file
 * grows. */
static int lock_pages(store *st)
{
    uint64_t want = st->filesz < st->map->len ? st->filesz : st->map->len;
    if (!st->mlock || want <= st->locked)
        return CBOLT_OK;
    if (mlock(st->map->base + st->locked, (size_t)(want - st->locked)) != 0)
        return cb_error(CBOLT_ERR_IO, "mlock %s: %s", st->path,
                        strerror(errno));
    st->locked = want;
    return CBOLT_OK;
}

static void unlock_pages(store *st)
{
    if (st->locked)
        munlock(st->map->base, (size_t)st->locked);
    st->locked = 0;
}

static store_map *map_new(store *st, uint64_t size)
{
    store_map *m;
    if (size > SIZE_MAX) {
        cb_error(CBOLT_ERR_NOMEM, "map: file too large");
        return NULL;
    }
    m = cb_calloc(1, sizeof *m);
    if (!m) {
        cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
        return NULL;
    }
    m->len = (size_t)size;
    m->npages = size / st->page_size;
    m->checked = cb_calloc(m->npages ? m->npages : 1, sizeof *m->checked);
    if (!m->checked) {
        cb_free(m);
        cb_error(CBOLT_ERR_NOMEM, "map: out of memory");
        return NULL;
    }
    if (st->vfs->map(st->file, m->len, &m->base) != CBOLT_OK) {
        cb_free(m->checked);
        cb_free(m);
        io_error("mmap", st->path);
        return NULL;
    }
    m->refs = 1;
    return m;
}

static void map_release(store *st, store_map *m)
{
    if (--m->refs > 0)
        return;
    st->vfs->unmap(st->file, m->base, m->len);
    cb_free(m->checked);
    cb_free(m);
}

static int lock_file(store *st, const cbolt_options *o)
{
    int rc = st->vfs->lock(st->file, !o->read_only, o->timeout_ms);
    if (rc == CBOLT_ERR_TIMEOUT)
        return cb_error(rc, "%s: timeout waiting for the file lock",
                        st->path);
    return rc == CBOLT_OK ? rc : io_error("lock", st->path);
}

/* Opens and locks the file; an empty file opened read-write becomes a
 * new database. *size is the file's size. */
static int open_file(store *st, const cbolt_options *o, uint64_t *size)
{
    int flags = o->read_only ? CBOLT_OPEN_READ_ONLY : CBOLT_OPEN_CREATE;
    uint32_t ps = o->page_size ? o->page_size : DEFAULT_PAGE_SIZE;
    int rc;

    if (!page_size_ok(ps))
        return cb_error(CBOLT_ERR_INVALID_ARG, "page size %u", ps);
    rc = st->vfs->open(st->vfs, st->path, flags, o->mode ? o->mode : 0600,
                       &st->file);
    if (rc != CBOLT_OK) {
        st->file = NULL;
        return rc == CBOLT_ERR_IO ? io_error("open", st->path) : rc;
    }
    if ((rc = lock_file(st, o)) != CBOLT_OK)
        return rc;
    if (st->vfs->size(st->file, size) != CBOLT_OK)
        return io_error("stat", st->path);
    if (*size == 0 && !o->read_only) {
        rc = init_file(st, ps);
        if (rc == CBOLT_OK && st->vfs->size(st->file, size) != CBOLT_OK)
            rc = io_error("stat", st->path);
    }
    return rc;
}

int store_open(store *st, const char *path, const cbolt_options *o)
{
    uint64_t size = 0;
    int rc;
    memset(st, 0, sizeof *st);
    st->wepoch = 2; /* marks start at 0: none is trusted */
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->writer_done, NULL);
    fl_init(&st->freelist);
    st->vfs = o->vfs ? o->vfs : cbolt_posix_vfs();
    st->read_only = o->read_only != 0;
    st->no_sync = o->no_sync != 0;
    st->no_grow_sync = o->no_grow_sync != 0;
    st->no_freelist_sync = o->no_freelist_sync != 0;
    st->alloc_size = o->alloc_size ? o->alloc_size : ALLOC_SIZE;
    st->next.no_sync = st->no_sync;
    st->next.no_grow_sync = st->no_grow_sync;
    st->next.no_freelist_sync = st->no_freelist_sync;
    st->next.alloc_size = st->alloc_size;
    st->mlock = o->mlock != 0;
    st->max_size = o->max_size;
    st->next.max_size = st->max_size;
    st->path = cb_strdup(path);
    if (!st->path)
        return cb_error(CBOLT_ERR_NOMEM, "open: out of memory");
    if ((rc = open_file(st, o, &size)) != CBOLT_OK)
        return rc;
    /* Nothing below is computed before load_meta() accepted the page
     * size and the meta. */
    if ((rc = load_meta(st, size)) != CBOLT_OK)
        return rc;
    st->filesz = size;
    st->datasz = open_map_size(st->read_only, size, o->initial_mmap_size,
                               st->page_size);
    if (!st->datasz)
        return cb_error(CBOLT_ERR_NOMEM, "%s: mmap too large (file %llu "
                        "bytes, initial mapping %llu, the most is %llu)",
                        st->path, (unsigned long long)size,
                        (unsigned long long)o->initial_mmap_size,
                        MAX_MAP_SIZE);
    if (!(st->map = map_new(st, st->datasz)))
        return cbolt_last_error()->code;
    if ((rc = lock_pages(st)) != CBOLT_OK)
        return rc;
    return st->read_only || st->no_sync ? CBOLT_OK : settle_meta(st);
}

void store_close(store *st)
{
    if (st->map) {
        unlock_pages(st);
        map_release(st, st->map);
    }
    st->map = NULL;
    if (st->file) {
        st->vfs->unlock(st->file);
        st->vfs->close(st->file);
    }
    st->file = NULL;
    fl_destroy(&st->freelist);
    cb_free(st->readers);
    st->readers = NULL;
    pthread_cond_destroy(&st->writer_done);
    pthread_mutex_destroy(&st->mu);
    cb_free(st->path);
    st->path = NULL;
}

/* Whether a transaction is open (close refuses then): under mu, a read
 * transaction open or the writer slot taken. */
/*@ requires \valid(st);
    assigns st->mu;
    ensures busy: \result != 0 <==> (st->open_tx_n > 0 || st->writer != 0); */
int store_busy(store *st)
{
    int busy;
    pthread_mutex_lock(&st->mu);
    busy = st->open_tx_n > 0 || st->writer;
    pthread_mutex_unlock(&st->mu);
    return busy;
}

/* Adds txid to the sorted multiset of open readers (under mu). */
#ifdef __FRAMAC__
/* cb_realloc (mem.c, not proved) of the readers to n ids: WP's Typed
 * model follows no conversion of its void *, so a typed declaration. NULL
 * (p unchanged), or n writable ids in store_readers_heap, the region the
 * proofs give the registry, apart from *st, their first keep p's (what
 * realloc keeps; the ghost arguments keep and st); on NULL, p's ids as
 * they were. */
extern uint64_t store_readers_heap[SIZE_MAX / 8];
/*@ requires size: keep <= n && n <= SIZE_MAX / 8;
    requires valid: \valid_read(p + (0 .. keep - 1)) && \valid_read(st);
    assigns store_readers_heap[..];
    ensures null_or_moved: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&store_readers_heap[0]) &&
       \separated(\result + (0 .. n - 1), st) &&
       \forall integer k; 0 <= k < keep ==> \result[k] == \old(p[k]));
    ensures unchanged: \result == \null ==>
      \forall integer k; 0 <= k < keep ==> p[k] == \old(p[k]); */
uint64_t *store_readers_realloc(uint64_t *p, size_t n, size_t keep,
                                const store *st);
#define READERS_REALLOC(p, n, keep, st) \
    store_readers_realloc((p), (n), (keep), (st))
#else
#define READERS_REALLOC(p, n, keep, st) cb_realloc((p), (n) * sizeof(uint64_t))
#endif

/* Registers a reader of txid, keeping the registry sorted (an insertion:
 * readers come mostly in txid order, so the loop is short). */
/*@ requires readers: ReadersOk(st);
    requires room: st->capreaders <= SIZE_MAX / 16;
    requires region: \separated(st, store_readers_heap + (0 .. SIZE_MAX / 8 - 1));
    assigns st->readers, st->capreaders, st->nreaders,
            st->readers[0 .. st->capreaders - 1], store_readers_heap[..],
            cb_error_record;
    ensures readers: ReadersOk(st);
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures added: \result == CBOLT_OK ==>
      st->nreaders == \old(st->nreaders) + 1 &&
      \exists integer k; 0 <= k < st->nreaders && st->readers[k] == txid;
    ensures nomem: \result != CBOLT_OK ==>
      st->nreaders == \old(st->nreaders) &&
      st->readers == \old(st->readers); */
static int readers_add(store *st, uint64_t txid)
{
    uint64_t *r = st->readers;
    size_t n = st->nreaders, i;
    if (n == st->capreaders) {
        size_t cap = st->capreaders ? 2 * st->capreaders : 16;
        r = READERS_REALLOC(r, cap, n, st);
        if (!r) /* a reader not registered could lose its pages: fail */
            return cb_error(CBOLT_ERR_NOMEM, "begin: out of memory");
        st->readers = r;
        st->capreaders = cap;
    }
    /*@ assert room: n < st->capreaders && Ascending(r, n) &&
          \valid(r + (0 .. st->capreaders - 1)); */
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant below: \forall integer k; 0 <= k < i ==>
          r[k] == \at(r[k], LoopEntry);
        loop invariant moved: \forall integer k; i < k <= n ==>
          r[k] == \at(r[k - 1], LoopEntry);
        loop invariant greater: \forall integer k; i < k <= n ==> r[k] > txid;
        loop invariant sorted_low: Ascending(r, i);
        loop invariant sorted_high: \forall integer a, b; i < a <= b <= n ==>
          r[a] <= r[b];
        loop invariant bridge: \forall integer a, b; 0 <= a < i < b <= n ==>
          r[a] <= r[b];
        loop assigns i, r[1 .. n];
        loop variant i; */
    for (i = n; i > 0 && r[i - 1] > txid; i--)
        r[i] = r[i - 1];
    /*@ assert lower: \forall integer a; 0 <= a < i ==> r[a] <= txid; */
    r[i] = txid;
    /*@ assert below: \forall integer a, b; 0 <= a <= b < i ==> r[a] <= r[b]; */
    /*@ assert above: \forall integer a, b; i < a <= b <= n ==> r[a] <= r[b]; */
    /*@ assert across: \forall integer a, b; 0 <= a < i < b <= n ==>
          r[a] <= r[b]; */
    /*@ assert left: \forall integer a; 0 <= a <= i ==> r[a] <= r[i]; */
    /*@ assert right: \forall integer b; i <= b <= n ==> r[i] <= r[b]; */
    /*@ assert sorted: Ascending(r, n + 1); */
    st->nreaders = n + 1;
    /*@ assert kept: st->readers == r && Ascending(r, n + 1); */
    return CBOLT_OK;
}

/* Removes one occurrence of txid (a reader ending), keeping the order; a
 * copy loop rather than memmove(), so that the proof sees the ids. */
/*@ requires readers: ReadersOk(st);
    assigns st->nreaders, st->readers[0 .. st->nreaders - 1];
    ensures readers: ReadersOk(st);
    behavior present:
      assumes \exists integer k; 0 <= k < st->nreaders && st->readers[k] == txid;
      ensures removed: st->nreaders == \old(st->nreaders) - 1;
    behavior absent:
      assumes \forall integer k; 0 <= k < st->nreaders ==> st->readers[k] != txid;
      ensures kept: st->nreaders == \old(st->nreaders);
    complete behaviors;
    disjoint behaviors; */
static void readers_remove(store *st, uint64_t txid)
{
    uint64_t *r = st->readers;
    size_t n = st->nreaders, i, j;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant before: \forall integer k; 0 <= k < i ==> r[k] != txid;
        loop assigns i;
        loop variant n - i; */
    for (i = 0; i < n && r[i] != txid; i++)
        ;
    if (i == n)
        return;
    /*@ loop invariant range: i <= j < n;
        loop invariant below: \forall integer k; 0 <= k < i ==>
          r[k] == \at(r[k], LoopEntry);
        loop invariant moved: \forall integer k; i <= k < j ==>
          r[k] == \at(r[k + 1], LoopEntry);
        loop invariant above: \forall integer k; j <= k < n ==>
          r[k] == \at(r[k], LoopEntry);
        loop assigns j, r[i .. n - 2];
        loop variant n - j; */
    for (j = i; j + 1 < n; j++)
        r[j] = r[j + 1];
    st->nreaders = n - 1;
}

/*@ // The snapshot s of st's state in force, as snap_fill makes it.
    predicate SnapOf{L}(snap *s, store *st, integer writable) =
        s->st == st && s->map == st->map && s->meta == st->meta &&
        s->meta_page == st->meta_page && s->hwm == st->meta.pgid &&
        s->ps == st->page_size && s->writable == writable &&
        s->failed == 0 && s->fresh == 0; */

/* Fills s from the meta in force and takes a mapping reference (under
 * mu); s->stats is kept. Every field is set (for the proofs, rather than
 * a memset of the struct first). */
/*@ requires valid: \valid(s) && \valid_read(st) && \valid(st->map);
    requires apart: \separated(s, st, st->map);
    requires refs: st->map->refs < UINT_MAX;
    assigns *s, st->map->refs;
    ensures snap: SnapOf(s, st, writable);
    ensures stats: s->stats == \old(s->stats);
    ensures refs: st->map->refs == \old(st->map->refs) + 1; */
static void snap_fill(store *st, snap *s, int writable)
{
    st->map->refs++;
    s->st = st;
    s->map = st->map;
    s->meta = st->meta;
    s->meta_page = st->meta_page;
    s->hwm = st->meta.pgid;
    s->ps = st->page_size;
    s->writable = writable;
    s->failed = 0;
    s->fresh = 0;
}

int store_reader_begin(store *st, snap *s)
{
    int rc;
    pthread_mutex_lock(&st->mu);
    rc = readers_add(st, st->meta.txid);
    if (rc == CBOLT_OK) {
        snap_fill(st, s, 0);
        st->tx_n++;
        st->open_tx_n++;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

void store_reader_end(store *st, snap *s)
{
    pthread_mutex_lock(&st->mu);
    st->open_tx_n--;
    readers_remove(st, s->meta.txid);
    map_release(st, s->map);
    pthread_mutex_unlock(&st->mu);
}

/*@ requires \valid(st) && \valid_read(next);
    requires apart: \separated(next, &st->mu);
    assigns st->mu, st->next;
    ensures flags: st->next.no_sync == \old(next->no_sync) &&
      st->next.no_grow_sync == \old(next->no_grow_sync) &&
      st->next.no_freelist_sync == \old(next->no_freelist_sync) &&
      st->next.max_size == \old(next->max_size);
    ensures step: st->next.alloc_size ==
      (\old(next->alloc_size) == 0 ? ALLOC_SIZE : \old(next->alloc_size)); */
void store_set(store *st, const store_settings *next)
{
    pthread_mutex_lock(&st->mu);
    st->next = *next;
    if (!st->next.alloc_size)
        st->next.alloc_size = ALLOC_SIZE;
    pthread_mutex_unlock(&st->mu);
}

/*@ requires \valid(st);
    assigns st->mu, st->poisoned;
    ensures poisoned: st->poisoned == 1; */
void store_poison(store *st)
{
    pthread_mutex_lock(&st->mu);
    st->poisoned = 1;
    pthread_mutex_unlock(&st->mu);
}

#ifdef __FRAMAC__
/* The wait for the writer slot as the proofs see it (an assumed contract
 * of pthread_cond_wait, proofs/README.md "store"): while it waits, mu is
 * released and other threads may end the writer, take the slot or poison
 * the store; Frama-C's libc contract of pthread_cond_wait assigns nothing,
 * which would make the loop below never see the slot freed. */
/*@ requires \valid(st);
    assigns st->mu, st->writer_done, st->writer, st->writer_thread,
            st->poisoned; */
void store_cond_wait(store *st);
#define WRITER_WAIT(st) store_cond_wait(st)
/* pthread_equal and pthread_self (no contract in Frama-C's libc): they
 * write nothing. */
/*@ assigns \result \from t1, t2; */
extern int pthread_equal(pthread_t t1, pthread_t t2);
/*@ assigns \result \from \nothing; */
extern pthread_t pthread_self(void);
#else
#define WRITER_WAIT(st) pthread_cond_wait(&(st)->writer_done, &(st)->mu)
#endif

/* Under mu: refuses the writer slot to the thread that holds it and to
 * everyone once the store is poisoned; waits for another writer. No
 * termination is proved: it waits for another thread. */
/*@ requires \valid(st);
    assigns st->mu, st->writer_done, st->writer, st->writer_thread,
            st->poisoned, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_WOULD_DEADLOCK ||
                    \result == CBOLT_ERR_IO;
    ensures free: \result == CBOLT_OK ==> st->writer == 0 && st->poisoned == 0;
    ensures poisoned: \result == CBOLT_ERR_IO ==>
      st->writer == 0 && st->poisoned != 0;
    ensures held: \result == CBOLT_ERR_WOULD_DEADLOCK ==> st->writer != 0; */
static int writer_wait(store *st)
{
    /*@ loop assigns st->mu, st->writer_done, st->writer, st->writer_thread,
                     st->poisoned; */
    while (st->writer) {
        if (pthread_equal(st->writer_thread, pthread_self()))
            return cb_error(CBOLT_ERR_WOULD_DEADLOCK,
                            "begin: this thread already holds the write "
                            "transaction");
        WRITER_WAIT(st);
    }
    if (st->poisoned)
        return cb_error(CBOLT_ERR_IO, "a commit failed while writing its "
                        "meta page: close and reopen the database");
    return CBOLT_OK;
}

int store_writer_begin(store *st, snap *s)
{
    int rc;
    pthread_mutex_lock(&st->mu);
    if ((rc = writer_wait(st)) != CBOLT_OK) {
        pthread_mutex_unlock(&st->mu);
        return rc;
    }
    /* bbolt's freePages: the pending pages no open reader can see. */
    rc = fl_release(&st->freelist, st->readers, st->nreaders);
    if (rc == CBOLT_ERR_NOMEM) {
        pthread_mutex_unlock(&st->mu);
        return cb_error(CBOLT_ERR_NOMEM, "begin: releasing pages failed");
    }
    if (rc != CBOLT_OK) {
        /* a page both free and pending: the allocator cannot be trusted,
         * so writers wait for a reopen (its error is the one returned) */
        st->poisoned = 1;
        pthread_mutex_unlock(&st->mu);
        return rc;
    }
    st->writer = 1;
    st->writer_thread = pthread_self();
    st->no_sync = st->next.no_sync;
    st->no_grow_sync = st->next.no_grow_sync;
    st->no_freelist_sync = st->next.no_freelist_sync;
    st->alloc_size = st->next.alloc_size;
    st->max_size = st->next.max_size;
    snap_fill(st, s, 1);
    s->meta.txid++;
    pthread_mutex_unlock(&st->mu);
    return CBOLT_OK;
}

int store_map_for(store *st, uint64_t pgid, store_map **fresh)
{
    uint64_t need = pgid * (uint64_t)st->page_size;
    *fresh = NULL;
    if (need <= st->map->len)
        return CBOLT_OK;
    if (st->datasz < need)
        st->datasz = mmap_size(need, st->page_size);
    *fresh = map_new(st, st->datasz);
    return *fresh ? CBOLT_OK : cbolt_last_error()->code;
}

void store_map_drop(store *st, store_map *fresh)
{
    if (fresh)
        map_release(st, fresh);
}

void store_writer_end(store *st, snap *s, const meta *committed,
                      store_map *fresh)
{
    pthread_mutex_lock(&st->mu);
    if (committed) {
        CB_INVARIANT(fresh ||
                     committed->pgid * (uint64_t)st->page_size <= st->map->len);
        st->meta = *committed;
        st->meta_page = (int)(committed->txid % 2);
        if (fresh) {
            store_map *old = st->map;
            unlock_pages(st);
            st->map = fresh;
            map_release(st, old);
        }
        lock_pages(st); /* best effort: the commit is made */
    }
    map_release(st, s->map);
    st->free_n = fl_free_count(&st->freelist);
    st->pending_n = fl_pending_count(&st->freelist);
    st->writer = 0;
    pthread_cond_signal(&st->writer_done);
    pthread_mutex_unlock(&st->mu);
}

/* bbolt 1.5's growSize: all of a mapping up to the allocation step, then
 * the size wanted plus a step. */
/* The file's size for sz bytes: the whole mapping while it is at most
 * one growth step, else sz and one step (bbolt 1.5's growSize). */
/*@ requires \valid_read(st);
    requires bound: mapsz > st->alloc_size ==> sz + st->alloc_size <= UINT64_MAX;
    assigns \nothing;
    ensures \result == (mapsz <= st->alloc_size ? mapsz : sz + st->alloc_size); */
static uint64_t grow_size(const store *st, uint64_t mapsz, uint64_t sz)
{
    return mapsz <= st->alloc_size ? mapsz : sz + st->alloc_size;
}

/*@ requires \valid(st);
    requires ps: PageSizeOk(st->page_size);
    requires size: minsz <= MAX_MAP_SIZE;
    requires step: minsz + st->alloc_size <= UINT64_MAX;
    assigns st->datasz, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_MAX_SIZE_REACHED;
    ensures refused: \result != CBOLT_OK ==>
      st->max_size != 0 && st->datasz == \old(st->datasz);
    ensures covers: \result == CBOLT_OK ==> minsz <= st->datasz;
    ensures kept: minsz < \old(st->datasz) ==> st->datasz == \old(st->datasz);
    ensures within: \result == CBOLT_OK && st->max_size != 0 &&
      minsz >= \old(st->datasz) ==>
      (st->datasz <= st->alloc_size ? st->datasz : minsz + st->alloc_size)
        <= st->max_size; */
int store_reserve(store *st, uint64_t minsz)
{
    uint64_t mapsz = mmap_size(minsz, st->page_size);
    if (st->max_size && grow_size(st, mapsz, minsz) > st->max_size)
        return cb_error(CBOLT_ERR_MAX_SIZE_REACHED, "%s: %llu bytes needed, "
                        "the most is %llu", st->path,
                        (unsigned long long)grow_size(st, mapsz, minsz),
                        (unsigned long long)st->max_size);
    if (minsz >= st->datasz)
        st->datasz = mapsz;
    return CBOLT_OK;
}

#ifdef CB_STORE_MODEL
/*@ requires \valid(st);
    requires bound: sz + st->alloc_size <= UINT64_MAX;
    assigns st->filesz, cb_vfs_durable, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_IO;
    ensures enough: sz <= \old(st->filesz) ==>
      \result == CBOLT_OK && st->filesz == \old(st->filesz);
    ensures grown: sz > \old(st->filesz) && \result == CBOLT_OK ==>
      st->filesz == (st->datasz <= st->alloc_size ? st->datasz
                                                  : sz + st->alloc_size) &&
      (st->no_grow_sync == 0 ==> cb_vfs_durable == 1);
    ensures failed: \result != CBOLT_OK ==> st->filesz == \old(st->filesz); */
#endif
int store_grow(store *st, uint64_t sz)
{
    if (sz <= st->filesz)
        return CBOLT_OK;
    sz = grow_size(st, st->datasz, sz);
    if (!st->no_grow_sync) {
        if (VFS_TRUNCATE(st, sz) != CBOLT_OK || VFS_SYNC(st) != CBOLT_OK)
            return io_error("grow", st->path);
    }
    st->filesz = sz;
    return CBOLT_OK;
}

#ifdef CB_STORE_MODEL
/*@ requires valid: \valid_read(st) && \valid_read(buf + (0 .. n - 1));
    requires range: off + n <= VFS_DISK_MAX;
    requires apart: \separated(buf + (0 .. n - 1), &cb_vfs_disk[0 .. VFS_DISK_MAX - 1]);
    assigns cb_vfs_disk[off .. off + n - 1], cb_vfs_durable;
    ensures not_durable: cb_vfs_durable == 0;
    ensures stored: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < n ==> cb_vfs_disk[off + i] == buf[i]; */
#endif
int store_write(store *st, const uint8_t *buf, size_t n, uint64_t off)
{
    return VFS_WRITE(st, buf, n, off);
}

#ifdef CB_STORE_MODEL
/*@ requires \valid_read(st);
    assigns cb_vfs_durable;
    ensures skipped: st->no_sync != 0 ==>
      \result == CBOLT_OK && cb_vfs_durable == \old(cb_vfs_durable);
    ensures synced: st->no_sync == 0 && \result == CBOLT_OK ==>
      cb_vfs_durable == 1; */
#endif
int store_sync(store *st)
{
    return st->no_sync ? CBOLT_OK : VFS_SYNC(st);
}

#ifdef CB_STORE_MODEL
/*@ requires \valid_read(st);
    assigns cb_vfs_durable, cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_IO;
    ensures synced: \result == CBOLT_OK ==> cb_vfs_durable == 1; */
#endif
int store_fsync(store *st)
{
    int rc = VFS_SYNC(st);
    return rc == CBOLT_OK ? rc : io_error("sync", st->path);
}

/* Writes the page at buf to meta page id and syncs it. */
#ifdef CB_STORE_MODEL
/*@ requires store: \valid_read(st) && PageSizeOk(st->page_size) && id <= 1;
    requires valid: \valid_read(buf + (0 .. st->page_size - 1));
    requires apart: \separated(buf + (0 .. st->page_size - 1),
                               &cb_vfs_disk[0 .. VFS_DISK_MAX - 1]);
    assigns cb_vfs_disk[id * st->page_size .. id * st->page_size + st->page_size - 1],
            cb_vfs_durable;
    ensures stored: \result == CBOLT_OK ==>
      \forall integer i; 0 <= i < st->page_size ==>
        cb_vfs_disk[id * st->page_size + i] == buf[i];
    ensures synced: \result == CBOLT_OK && st->no_sync == 0 ==>
      cb_vfs_durable == 1; */
#endif
static int put_meta_page(store *st, const uint8_t *buf, uint64_t id)
{
    int rc = VFS_WRITE(st, buf, st->page_size, id * st->page_size);
    return rc == CBOLT_OK ? store_sync(st) : rc;
}

/* dst[0 .. n) = src[0 .. n): a loop rather than memcpy(), so that the
 * proof sees the bytes (WP's Typed model does not read a memcpy() of
 * uint8_t back; compilers make the loop a memcpy). */
/*@ requires valid: \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires apart: \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1];
    ensures copied: \forall integer i; 0 <= i < n ==> dst[i] == src[i]; */
static void bytes_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t i;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant copied: \forall integer j; 0 <= j < i ==> dst[j] == src[j];
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++)
        dst[i] = src[i];
}

int store_write_meta(store *st, meta *m, int *in_doubt)
{
    uint64_t id = m->txid % 2, ps = st->page_size;
    uint8_t *buf = BUF_CALLOC(2, ps);
    int rc;
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "commit: out of memory");
    bytes_copy(buf + ps, st->map->base + id * ps, ps); /* the slot as it is */
    meta_encode(m, buf, id);
    *in_doubt = 1;
    rc = put_meta_page(st, buf, id);
    if (rc != CBOLT_OK && put_meta_page(st, buf + ps, id) == CBOLT_OK)
        *in_doubt = 0; /* the old meta is back, and durable */
    cb_free(buf);
    return rc == CBOLT_OK ? rc : cb_error(rc, "commit: writing meta failed");
}

/* Makes the meta in force durable before any commit builds on it: its
 * page is written again as the mapping shows it, and synced. */
static int settle_meta(store *st)
{
    uint64_t ps = st->page_size, id = (uint64_t)st->meta_page;
    uint8_t *buf = BUF_MALLOC(ps);
    int rc;
    if (!buf)
        return cb_error(CBOLT_ERR_NOMEM, "open: out of memory");
    bytes_copy(buf, st->map->base + id * ps, ps);
    rc = put_meta_page(st, buf, id);
    cb_free(buf);
    return rc == CBOLT_OK ? rc : cb_error(rc, "%s: the meta in force could "
                                          "not be made durable", st->path);
}

void store_writes_begin(store *st)
{
    ADD_ACQ_REL(&st->wepoch, 1); /* odd */
}

void store_writes_end(store *st)
{
    ADD_ACQ_REL(&st->wepoch, 1); /* even */
}

/* ---- the door ---- */

/* The corruption error for page pgid of the mapping at base (hwm pages
 * of ps bytes) breaking rule (page_locate()'s rules, or page_validate()'s
 * at element bad). */
/*@ requires ps: PageHdrSize <= ps;
    requires fits: hwm * ps <= SIZE_MAX;
    requires valid_map: \valid_read(base + (0 .. hwm * ps - 1));
    requires in_range: rule != RULE_PAGE_ID_RANGE ==> 2 <= pgid < hwm;
    assigns cb_error_record;
    ensures corrupt: \result == CBOLT_ERR_CORRUPT; */
static int page_corrupt(const uint8_t *base, uint64_t ps, uint64_t hwm,
                        uint64_t pgid, int rule, uint32_t bad)
{
    page_hdr h;
    if (rule == RULE_PAGE_ID_RANGE) /* pgid may lie past the map */
        return cb_corrupt(pgid, rule, "page id outside [2, %llu)",
                          (unsigned long long)hwm);
    //@ assert header: pgid * ps + PageHdrSize <= hwm * ps;
    page_header(base + pgid * ps, &h);
    if (rule == RULE_PAGE_ID_MISMATCH)
        return cb_corrupt(pgid, rule, "header says page %llu",
                          (unsigned long long)h.id);
    if (rule == RULE_PAGE_FILE_RANGE)
        return cb_corrupt(pgid, rule,
                          "overflow %u runs past the high-water mark %llu",
                          h.overflow, (unsigned long long)hwm);
    return cb_corrupt(pgid, rule, "element %u", bad);
}

/* The view of page pgid of the mapping at base, whose run of len bytes
 * was found well formed before (its mark). */
/*@ requires fits: pgid * ps + len <= SIZE_MAX;
    requires valid_run: \valid_read(base + (0 .. pgid * ps + len - 1));
    requires len: len == PageRunLen((uint8_t *)base, ps, pgid);
    requires marked: MarkSays((uint8_t *)base, ps, pgid);
    requires valid_out: \valid(pv);
    requires separated: \separated(pv, base + (0 .. pgid * ps + len - 1));
    assigns *pv;
    ensures view: pv->data == PageAt((uint8_t *)base, ps, pgid) &&
      pv->len == len && pv->id == pgid &&
      PageViewWellFormed(pv, PV_BRANCH | PV_LEAF); */
static void marked_view(const uint8_t *base, uint64_t ps, uint64_t pgid,
                        size_t len, page_view *pv)
{
    page_hdr h;
    //@ assert nonneg: 0 <= pgid * ps;
    //@ assert header: PageHdrSize <= len;
    //@ assert run: \valid_read(base + pgid * ps + (0 .. len - 1));
    /*@ assert elems: ElemsInBounds(PageAt((uint8_t *)base, ps, pgid), len,
                                    PageCount(PageAt((uint8_t *)base, ps, pgid))); */
    page_header(base + pgid * ps, &h);
    pv->data = base + pgid * ps;
    pv->len = len;
    pv->id = pgid;
    pv->flags = h.flags;
    pv->count = h.count;
    //@ assert in_bounds: PageViewInBounds(pv);
}

/* Marks page id of the mapping at base, found well formed while wepoch
 * was e (base, ps and n, the mapping's pages, name the invariant kept). */
/*@ requires valid: \valid(checked + (0 .. n - 1));
    requires id: id < n;
    requires marks: MarksValid(checked, (uint8_t *)base, n, ps, e);
    requires says: MarkSays((uint8_t *)base, ps, id);
    assigns checked[id];
    ensures marks: MarksValid(checked, (uint8_t *)base, n, ps, e); */
static void mark_page(uint32_t *checked, uint64_t n, const uint8_t *base,
                      uint64_t ps, uint64_t id, uint32_t e)
{
    (void)n;
    (void)base;
    (void)ps;
    STORE_RELAXED(&checked[id], e);
}

/* The mapping's fields are read once, before the page-read counter
 * changes (the proof then needs no frame for them). */
int snap_page(snap *s, uint64_t pgid, page_view *pv)
{
    const uint8_t *base = s->map->base;
    uint32_t *checked = s->map->checked;
    uint64_t ps = s->ps, hwm = s->hwm, npages = s->map->npages;
    size_t len;
    uint32_t bad = 0, e;
    int rule;

    rule = page_locate(base, ps, hwm, pgid, &len);
    if (rule != RULE_OK)
        return page_corrupt(base, ps, hwm, pgid, rule, bad);
    //@ assert in_file: PageRunInFile((uint8_t *)base, ps, hwm, pgid);
    //@ assert run: pgid * ps + len <= hwm * ps;
    s->stats->page_read++;
    e = LOAD_ACQUIRE(&s->st->wepoch);
    if (!s->fresh && !(e & 1) && LOAD_RELAXED(&checked[pgid]) == e) {
        //@ assert marked: MarkSays((uint8_t *)base, ps, pgid);
        marked_view(base, ps, pgid, len, pv);
        return CBOLT_OK;
    }
    rule = page_read(base, ps, hwm, pgid, PV_BRANCH | PV_LEAF, pv, &bad);
    if (rule != RULE_OK)
        return page_corrupt(base, ps, hwm, pgid, rule, bad);
    //@ assert says: MarkSays((uint8_t *)base, ps, pgid);
    FENCE_ACQUIRE(); /* the bytes read before the second look at wepoch */
    if (!(e & 1) && LOAD_ACQUIRE(&s->st->wepoch) == e)
        mark_page(checked, npages, base, ps, pgid, e);
    return CBOLT_OK;
}

int snap_page_run(snap *s, uint64_t pgid, page_hdr *h, const uint8_t **data)
{
    const uint8_t *base = s->map->base;
    uint64_t ps = s->ps, hwm = s->hwm;
    if (pgid < 2 || pgid >= hwm)
        return cb_corrupt(pgid, RULE_PAGE_ID_RANGE,
                          "page id outside [2, %llu)",
                          (unsigned long long)hwm);
    //@ assert inside: pgid * ps + ps <= hwm * ps;
    *data = base + pgid * ps;
    page_header(base + pgid * ps, h);
    if (h->overflow >= hwm - pgid)
        return cb_corrupt(pgid, RULE_PAGE_FILE_RANGE,
                          "overflow %u runs past the high-water mark %llu",
                          h->overflow, (unsigned long long)hwm);
    //@ assert run: (h->overflow + 1) * ps <= (hwm - pgid) * ps;
    return CBOLT_OK;
}

void snap_meta_page(snap *s, uint64_t i, page_hdr *h, const uint8_t **data)
{
    const uint8_t *base = s->map->base;
    uint64_t ps = s->ps;
    //@ assert inside: i * ps + ps <= 2 * ps;
    *data = base + i * ps;
    page_header(base + i * ps, h);
}
