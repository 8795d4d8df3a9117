/*
 * dump.c - the canonical logical dump of a snapshot (spec/dump.md).
 *
 * Owns: the dump's text: `bucket <path> <sequence>` and
 * `kv <path> <key> <value>` lines, hex, `-` for empty, in cursor order.
 * Invariants: buckets wait on a heap stack of frames, never on the C
 * stack; each bucket whose tree lives in the file is entered at most once
 * (a second reference to its root page is corruption, page-double), so
 * the dump of any file ends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct frame {
    cbolt_bucket *bp;        /* the bucket walked: &own, or a write
                                transaction's cached handle */
    cbolt_bucket own;
    cbolt_cursor c;
    size_t path_len;         /* path length before this bucket's name */
    int started;
    struct frame *up;
} frame;

typedef struct dumper {
    cbolt_write_fn write;
    void *arg;
    char *out;               /* output buffer */
    size_t nout, capout;
    char *path;              /* hex names joined by '/' */
    size_t npath, cappath;
    uint8_t *entered;        /* per page: a bucket root already dumped */
    int err;
} dumper;

#define OUT_FLUSH (64u * 1024u)

static int grow(char **buf, size_t *cap, size_t need)
{
    size_t c = *cap ? *cap : 256;
    char *n;
    if (need <= *cap)
        return CBOLT_OK;
    while (c < need)
        c *= 2;
    n = realloc(*buf, c);
    if (!n)
        return cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
    *buf = n;
    *cap = c;
    return CBOLT_OK;
}

static void flush(dumper *d)
{
    if (d->err == CBOLT_OK && d->nout > 0)
        d->err = d->write(d->arg, d->out, d->nout);
    d->nout = 0;
}

static void put(dumper *d, const char *s, size_t n)
{
    if (d->err != CBOLT_OK)
        return;
    if (d->nout + n > OUT_FLUSH)
        flush(d);
    if (d->err == CBOLT_OK)
        d->err = grow(&d->out, &d->capout, d->nout + n);
    if (d->err == CBOLT_OK) {
        memcpy(d->out + d->nout, s, n);
        d->nout += n;
    }
}

/* Appends hex of b (or "-" when empty) to buf at *n. */
static int hex(char **buf, size_t *n, size_t *cap, const uint8_t *b,
               size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    int rc = grow(buf, cap, *n + (len ? 2 * len : 1));
    if (rc != CBOLT_OK)
        return rc;
    if (len == 0)
        (*buf)[(*n)++] = '-';
    for (i = 0; i < len; i++) {
        (*buf)[(*n)++] = digits[b[i] >> 4];
        (*buf)[(*n)++] = digits[b[i] & 15];
    }
    return CBOLT_OK;
}

static void put_hex(dumper *d, const uint8_t *b, size_t len)
{
    if (d->err == CBOLT_OK && d->nout + 2 * len > OUT_FLUSH)
        flush(d);
    if (d->err == CBOLT_OK)
        d->err = hex(&d->out, &d->nout, &d->capout, b, len);
}

static void put_line(dumper *d, const char *tag, const uint8_t *k, size_t kl,
                     const uint8_t *v, size_t vl, uint64_t seq, int bucket)
{
    put(d, tag, strlen(tag));
    put(d, d->path, d->npath);
    if (bucket) {
        char num[32];
        int n = snprintf(num, sizeof num, " %" PRIu64 "\n", seq);
        put(d, num, (size_t)n);
        return;
    }
    put(d, " ", 1);
    put_hex(d, k, kl);
    put(d, " ", 1);
    put_hex(d, v, vl);
    put(d, "\n", 1);
}

static frame *push(dumper *d, frame *up, const cbolt_bucket *b,
                   const uint8_t *name, size_t nlen)
{
    frame *f = calloc(1, sizeof *f);
    if (!f) {
        d->err = cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
        return up;
    }
    if (b->tx->writable) {
        f->bp = (cbolt_bucket *)b; /* keeps the transaction's changes */
    } else {
        f->own = *b;
        f->bp = &f->own;
    }
    cursor_init(&f->c, f->bp);
    f->up = up;
    f->path_len = d->npath;
    if (up && up->up && d->err == CBOLT_OK)
        d->err = grow(&d->path, &d->cappath, d->npath + 1);
    if (up && up->up && d->err == CBOLT_OK)
        d->path[d->npath++] = '/';
    if (up && d->err == CBOLT_OK)
        d->err = hex(&d->path, &d->npath, &d->cappath, name, nlen);
    return f;
}

static frame *pop(dumper *d, frame *f)
{
    frame *up = f->up;
    d->npath = f->path_len;
    free(f);
    return up;
}

/* Enters the nested bucket under f's cursor. In a write transaction the
 * bucket is the transaction's own handle, with its uncommitted changes. */
static frame *enter(dumper *d, frame *f, const uint8_t *k, uint32_t kl,
                    const uint8_t *v, uint32_t vl)
{
    cbolt_bucket child, *cached;
    uint64_t page;
    frame *n;
    if (f->bp->tx->writable) {
        if ((d->err = cbolt_bucket_bucket(f->bp, k, kl, &cached)) != 0)
            return f;
        n = push(d, f, cached, k, kl);
        if (n != f)
            put_line(d, "bucket ", NULL, 0, NULL, 0, cached->sequence, 1);
        return n;
    }
    page = f->c.stack[f->c.depth - 1].page.id; /* read: levels are pages */
    if ((d->err = bucket_from_value(f->bp->tx, page, v, vl, &child)) != 0)
        return f;
    if (child.root != 0 && child.root < f->bp->tx->meta.pgid) {
        if (d->entered[child.root]) {
            d->err = cb_corrupt(child.root, RULE_PAGE_DOUBLE,
                                "bucket root reached twice");
            return f;
        }
        d->entered[child.root] = 1;
    }
    n = push(d, f, &child, k, kl);
    if (n != f)
        put_line(d, "bucket ", NULL, 0, NULL, 0, child.sequence, 1);
    return n;
}

static void dump_all(dumper *d, cbolt_tx *tx)
{
    frame *f = push(d, NULL, &tx->root, NULL, 0);
    while (f && d->err == CBOLT_OK) {
        const uint8_t *k, *v;
        uint32_t kl, vl, flags;
        int rc = f->started ? cursor_next_raw(&f->c) : cursor_first_raw(&f->c);
        f->started = 1;
        if (rc == CBOLT_NOTFOUND) {
            f = pop(d, f);
            continue;
        }
        if (rc != CBOLT_OK) {
            d->err = rc;
            break;
        }
        cursor_item(&f->c, &k, &kl, &v, &vl, &flags);
        if (flags & LEAF_FLAG_BUCKET)
            f = enter(d, f, k, kl, v, vl);
        else if (!f->up)
            d->err = cb_corrupt(f->c.stack[f->c.depth - 1].page.id,
                                RULE_ROOT_VALUE, "a value at the top level");
        else
            put_line(d, "kv ", k, kl, v, vl, 0, 0);
    }
    while (f)
        f = pop(d, f);
}

int cbolt_tx_dump(cbolt_tx *tx, cbolt_write_fn write, void *arg)
{
    dumper d;
    if (!tx || !write)
        return cb_error(CBOLT_ERR_INVALID_ARG, "dump: NULL argument");
    memset(&d, 0, sizeof d);
    d.write = write;
    d.arg = arg;
    d.entered = calloc(tx->meta.pgid, 1);
    if (!d.entered)
        return cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
    dump_all(&d, tx);
    flush(&d);
    free(d.entered);
    free(d.out);
    free(d.path);
    return d.err;
}
