/*
 * backup.c - hot backup of a snapshot (bbolt's Tx.WriteTo and CopyFile)
 * and compaction into a new database (bbolt's Compact).
 *
 * Owns: the byte stream of a backup: meta 0 (the snapshot's meta), meta 1
 * (the same with txid - 1), then pages 2 .. pgid - 1 as the snapshot sees
 * them.
 * Invariants: a backup reads only the transaction's mapping below its
 * snapshot's high-water mark, pages no commit may overwrite while the
 * transaction is open; readers and the writer go on meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t *total)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return cb_error(CBOLT_ERR_IO, "backup: write: %s",
                            strerror(errno));
        p += w;
        n -= (size_t)w;
        *total += (uint64_t)w;
    }
    return CBOLT_OK;
}

int cbolt_tx_write_to(cbolt_tx *tx, int fd, uint64_t *written)
{
    uint64_t ps, total = 0;
    uint8_t *buf;
    meta m;
    int rc;
    if ((rc = tx_usable(tx, 0)) != CBOLT_OK)
        return rc;
    ps = tx->db->page_size;
    m = tx->snap;
    if (!(buf = calloc(1, ps)))
        return cb_error(CBOLT_ERR_NOMEM, "backup: out of memory");
    meta_encode(&m, buf, 0);
    rc = write_all(fd, buf, ps, &total);
    m.txid = m.txid ? m.txid - 1 : 0;
    meta_encode(&m, buf, 1);
    if (rc == CBOLT_OK)
        rc = write_all(fd, buf, ps, &total);
    free(buf);
    if (rc == CBOLT_OK)
        rc = write_all(fd, tx->map->base + 2 * ps,
                       (size_t)((tx->snap.pgid - 2) * ps), &total);
    if (written)
        *written = total;
    return rc;
}

int cbolt_tx_copy_file(cbolt_tx *tx, const char *path, unsigned mode)
{
    int fd, rc;
    if (!path)
        return cb_error(CBOLT_ERR_INVALID_ARG, "copy: NULL path");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
              mode ? mode : 0600);
    if (fd < 0)
        return cb_error(CBOLT_ERR_IO, "copy: open %s: %s", path,
                        strerror(errno));
    rc = cbolt_tx_write_to(tx, fd, NULL);
    if (rc == CBOLT_OK && fsync(fd) != 0)
        rc = cb_error(CBOLT_ERR_IO, "copy: fsync: %s", strerror(errno));
    if (close(fd) != 0 && rc == CBOLT_OK)
        rc = cb_error(CBOLT_ERR_IO, "copy: close: %s", strerror(errno));
    return rc;
}

/* ---- compaction ---- */

typedef struct cframe {
    cbolt_cursor *c;         /* over the source bucket */
    const void *name;        /* this bucket's name (source memory) */
    size_t nlen;
    struct cframe *up;
} cframe;

typedef struct compactor {
    cbolt_db *dst;
    cbolt_tx *tx;            /* destination transaction */
    uint64_t size, max;
} compactor;

/* The destination bucket for the path of frame f (NULL: top level). */
static int dst_bucket(compactor *k, const cframe *f, cbolt_bucket **out)
{
    const cframe *path[4096];
    size_t n = 0;
    int rc = CBOLT_OK;
    cbolt_bucket *b = NULL;
    for (; f && f->name; f = f->up) {
        if (n == sizeof path / sizeof *path)
            return cb_error(CBOLT_ERR_INVALID_ARG, "compact: nested too deep");
        path[n++] = f;
    }
    while (n-- > 0 && rc == CBOLT_OK) {
        rc = b ? cbolt_bucket_bucket(b, path[n]->name, path[n]->nlen, &b)
               : cbolt_tx_bucket(k->tx, path[n]->name, path[n]->nlen, &b);
        if (b)
            cbolt_bucket_set_fill_percent(b, 1.0);
    }
    *out = b;
    return rc;
}

/* Copies one item of frame f; enters nested buckets. */
static int copy_item(compactor *k, cframe **fp, const void *key, size_t kl,
                     const void *val, size_t vl, int is_bucket)
{
    cframe *f = *fp, *n;
    cbolt_bucket *dst, *created, *src_child;
    int rc;
    if (k->max && k->size + kl + vl > k->max) {
        if ((rc = cbolt_tx_commit(k->tx)) != CBOLT_OK)
            return rc;
        k->tx = NULL;
        if ((rc = cbolt_begin(k->dst, 1, &k->tx)) != CBOLT_OK)
            return rc;
        k->size = 0;
    }
    k->size += kl + vl;
    if ((rc = dst_bucket(k, f, &dst)) != CBOLT_OK)
        return rc;
    if (!is_bucket)
        return cbolt_bucket_put(dst, key, kl, val, vl);
    rc = dst ? cbolt_bucket_create_bucket(dst, key, kl, &created)
             : cbolt_tx_create_bucket(k->tx, key, kl, &created);
    if (rc != CBOLT_OK)
        return rc;
    rc = cbolt_bucket_bucket(f->c->bucket, key, kl, &src_child);
    if (rc == CBOLT_OK)
        rc = cbolt_bucket_set_sequence(created,
                                       cbolt_bucket_sequence(src_child));
    if (rc != CBOLT_OK || !(n = calloc(1, sizeof *n)))
        return rc ? rc : cb_error(CBOLT_ERR_NOMEM, "compact: out of memory");
    if ((rc = cbolt_bucket_cursor(src_child, &n->c)) != CBOLT_OK) {
        free(n);
        return rc;
    }
    n->name = key;
    n->nlen = kl;
    n->up = f;
    *fp = n;
    return CBOLT_OK;
}

static int compact_walk(compactor *k, cbolt_tx *src)
{
    cframe *f = calloc(1, sizeof *f);
    int rc, started = 0;
    if (!f)
        return cb_error(CBOLT_ERR_NOMEM, "compact: out of memory");
    rc = cbolt_tx_cursor(src, &f->c);
    while (rc == CBOLT_OK && f) {
        const void *key, *val;
        size_t kl, vl;
        int isb;
        rc = started ? cbolt_cursor_next(f->c, &key, &kl, &val, &vl, &isb)
                     : cbolt_cursor_first(f->c, &key, &kl, &val, &vl, &isb);
        started = 1;
        if (rc == CBOLT_NOTFOUND) {
            cframe *up = f->up;
            free(f);
            f = up;
            rc = CBOLT_OK;
            continue;
        }
        if (rc == CBOLT_OK) {
            cframe *before = f;
            rc = copy_item(k, &f, key, kl, val, vl, isb);
            if (f != before)
                started = 0;
        }
    }
    while (f) {
        cframe *up = f->up;
        free(f);
        f = up;
    }
    return rc;
}

int cbolt_compact(cbolt_db *dst, cbolt_db *src, uint64_t tx_max_size)
{
    compactor k = {dst, NULL, 0, tx_max_size};
    cbolt_tx *stx;
    int rc;
    if (!dst || !src)
        return cb_error(CBOLT_ERR_INVALID_ARG, "compact: NULL argument");
    if ((rc = cbolt_begin(src, 0, &stx)) != CBOLT_OK)
        return rc;
    rc = cbolt_begin(dst, 1, &k.tx);
    if (rc == CBOLT_OK)
        rc = compact_walk(&k, stx);
    if (rc == CBOLT_OK)
        rc = cbolt_tx_commit(k.tx);
    if (rc != CBOLT_OK && k.tx)
        cbolt_tx_rollback(k.tx);
    cbolt_tx_rollback(stx);
    return rc;
}
