/*
 * pager.c - the pages of a write transaction (see pager.h).
 */
#include <string.h>

#include "freelist.h"
#include "mem.h"
#include "pager.h"

void pager_init(pager *pg, store *st, snap *s)
{
    memset(pg, 0, sizeof *pg);
    pg->st = st;
    pg->s = s;
}

void pager_release(pager *pg)
{
    size_t i;
    for (i = 0; i < pg->dirty.cap; i++)
        if (pg->dirty.keys[i] >= 2)
            cb_free((void *)(uintptr_t)pg->dirty.vals[i]);
    u64map_free(&pg->dirty);
    cb_free(pg->runs);
    pg->runs = NULL;
    pg->nruns = pg->capruns = 0;
}

static int room_for_run(pager *pg)
{
    fl_run *r;
    size_t cap;
    if (pg->nruns < pg->capruns)
        return CBOLT_OK;
    cap = pg->capruns ? 2 * pg->capruns : 16;
    r = cb_realloc(pg->runs, cap * sizeof *r);
    if (!r)
        return CBOLT_ERR_NOMEM;
    pg->runs = r;
    pg->capruns = cap;
    return CBOLT_OK;
}

/* The first id of a run of count pages: the lowest free run, else the
 * high-water mark, which grows. */
static int take_run(pager *pg, uint64_t count, uint64_t *pgid)
{
    snap *s = pg->s;
    uint64_t id = fl_allocate(&pg->st->freelist, s->meta.txid, count);
    int rc;
    if (id) {
        pg->runs[pg->nruns++] = (fl_run){id, count, 0};
        *pgid = id;
        return CBOLT_OK;
    }
    id = s->meta.pgid;
    if ((rc = store_reserve(pg->st, (id + count + 1) * s->ps)) != CBOLT_OK)
        return rc;
    if (fl_note_alloc(&pg->st->freelist, s->meta.txid, id) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    pg->runs[pg->nruns++] = (fl_run){id, count, 1};
    s->meta.pgid += count;
    *pgid = id;
    return CBOLT_OK;
}

int pager_allocate(pager *pg, uint64_t count, uint64_t *pgid, uint8_t **buf)
{
    uint64_t ps = pg->s->ps, id = 0;
    uint8_t *b;
    int rc;
    if (count == 0 || count > UINT32_MAX || count > (SIZE_MAX - ps) / ps)
        return cb_error(CBOLT_ERR_NOMEM, "allocate: %llu pages",
                        (unsigned long long)count);
    if (!(b = cb_calloc(count, ps)))
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    if (room_for_run(pg) != CBOLT_OK) {
        cb_free(b);
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    }
    if ((rc = take_run(pg, count, &id)) != CBOLT_OK) {
        cb_free(b);
        return rc;
    }
    if (u64map_put(&pg->dirty, id, (uintptr_t)b) != CBOLT_OK) {
        cb_free(b);
        return cb_error(CBOLT_ERR_NOMEM, "allocate: out of memory");
    }
    page_set_header(b, id, 0, (uint32_t)(count - 1));
    pg->s->stats->page_alloc += count * ps;
    pg->s->stats->page_count += count;
    *pgid = id;
    *buf = b;
    return CBOLT_OK;
}

int pager_free(pager *pg, uint64_t pgid)
{
    page_hdr h;
    const uint8_t *p;
    int rc = snap_page_run(pg->s, pgid, &h, &p);
    if (rc != CBOLT_OK)
        return rc;
    return fl_free(&pg->st->freelist, pg->s->meta.txid, pgid, h.overflow,
                   (h.flags & PAGE_FREELIST) != 0);
}

int pager_write_freelist(pager *pg)
{
    fl *f = &pg->st->freelist;
    uint64_t ps = pg->s->ps, count, pgid;
    uint8_t *buf;
    int rc;
    count = fl_page_bytes(f) / ps + 1;
    if ((rc = pager_allocate(pg, count, &pgid, &buf)) != CBOLT_OK)
        return rc;
    /* the allocation may have taken free ids: fl_encode counts them */
    page_set_header(buf, pgid, PAGE_FREELIST, (uint32_t)(count - 1));
    if ((rc = fl_encode(f, buf, (size_t)(count * ps))) != CBOLT_OK)
        return rc;
    pg->s->meta.freelist = pgid;
    return CBOLT_OK;
}

#define WRITE_CHUNK (1u << 20) /* contiguous pages are written together */

static const uint8_t *dirty_page(pager *pg, uint64_t id)
{
    uint64_t v = 0;
    u64map_get(&pg->dirty, id, &v);
    return (const uint8_t *)(uintptr_t)v;
}

/* The dirty page ids, sorted, in a new array. */
static uint64_t *sorted_ids(pager *pg, size_t *n)
{
    uint64_t *ids = cb_malloc((pg->dirty.live + 1) * sizeof *ids);
    size_t i;
    *n = 0;
    if (!ids)
        return NULL;
    for (i = 0; i < pg->dirty.cap; i++)
        if (pg->dirty.keys[i] >= 2)
            ids[(*n)++] = pg->dirty.keys[i];
    cb_sort_u64(ids, *n);
    return ids;
}

int pager_write(pager *pg)
{
    store *st = pg->st;
    uint64_t ps = pg->s->ps, at = 0, *ids, want = 0;
    uint8_t *chunk = NULL;
    size_t n = 0, i, used = 0;
    int rc = CBOLT_OK;
    ids = sorted_ids(pg, &n);
    /* the chunk is as large as the pages to write, at most WRITE_CHUNK (a
     * 1 MiB buffer per commit was an mmap and munmap each time) */
    for (i = 0; ids && i < n && want < WRITE_CHUNK; i++) {
        page_hdr h;
        page_header(dirty_page(pg, ids[i]), &h);
        want += (h.overflow + 1ull) * ps;
    }
    if (ids)
        chunk = cb_malloc(want < WRITE_CHUNK ? (size_t)(want ? want : 1)
                                             : WRITE_CHUNK);
    if (!ids || !chunk) {
        cb_free(ids);
        cb_free(chunk);
        return cb_error(CBOLT_ERR_NOMEM, "write: out of memory");
    }
    store_writes_begin(st); /* readers' marks of validated pages lapse */
    for (i = 0; i < n && rc == CBOLT_OK; i++) {
        const uint8_t *p = dirty_page(pg, ids[i]);
        page_hdr h;
        size_t len;
        page_header(p, &h);
        len = (size_t)((h.overflow + 1ull) * ps);
        if (used && (at + used != ids[i] * ps || used + len > WRITE_CHUNK)) {
            rc = store_write(st, chunk, used, at);
            used = 0;
        }
        if (rc != CBOLT_OK)
            break;
        if (len > WRITE_CHUNK) {
            rc = store_write(st, p, len, ids[i] * ps);
        } else {
            if (!used)
                at = ids[i] * ps;
            memcpy(chunk + used, p, len);
            used += len;
        }
        pg->s->stats->write++;
    }
    if (rc == CBOLT_OK && used)
        rc = store_write(st, chunk, used, at);
    store_writes_end(st);
    cb_free(ids);
    cb_free(chunk);
    if (rc == CBOLT_OK)
        rc = store_sync(st);
    return rc == CBOLT_OK ? rc : cb_error(rc, "commit: writing pages failed");
}

int pager_rollback(pager *pg)
{
    return fl_rollback(&pg->st->freelist, pg->s->meta.txid, pg->runs,
                       pg->nruns);
}
