/*
 * parse.c - fuzz harness: the input is a whole database file on the
 * in-memory disk. Open it read-only, check it, dump it, and walk the top
 * level with cursors both ways (every bucket, nested ones included, when
 * the check passed). Every outcome must be a clean result or an error;
 * when open and check succeed, walking must not fail.
 * libFuzzer entry point; see fuzz/README.md for the other builds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cbolt.h"

static int sink(void *arg, const char *b, size_t n)
{
    (void)arg, (void)b, (void)n;
    return 0;
}

/* Walks b both ways; descends into sub-buckets when deep. Returns the
 * first error. */
static int walk(cbolt_bucket *b, int deep)
{
    cbolt_cursor *c;
    const void *k, *v;
    size_t kl, vl, fwd = 0, back = 0;
    int isb, rc = cbolt_bucket_cursor(b, &c);
    for (rc = rc ? rc : cbolt_cursor_first(c, &k, &kl, &v, &vl, &isb);
         rc == CBOLT_OK; rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, &isb)) {
        fwd++;
        if (isb && deep) {
            cbolt_bucket *child;
            rc = cbolt_bucket_bucket(b, k, kl, &child);
            if (rc == CBOLT_OK)
                rc = walk(child, deep);
            if (rc != CBOLT_OK)
                return rc;
        }
    }
    if (rc != CBOLT_NOTFOUND)
        return rc;
    for (rc = cbolt_cursor_last(c, &k, &kl, &v, &vl, &isb); rc == CBOLT_OK;
         rc = cbolt_cursor_prev(c, &k, &kl, &v, &vl, &isb))
        back++;
    if (rc == CBOLT_NOTFOUND && back != fwd)
        abort(); /* a consistent file walks the same both ways */
    cbolt_cursor_close(c);
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

static int top(cbolt_tx *tx, int deep)
{
    cbolt_cursor *c;
    const void *k;
    size_t kl;
    int rc = cbolt_tx_cursor(tx, &c);
    for (rc = rc ? rc : cbolt_cursor_first(c, &k, &kl, NULL, NULL, NULL);
         rc == CBOLT_OK; rc = cbolt_cursor_next(c, &k, &kl, NULL, NULL, NULL)) {
        cbolt_bucket *b;
        rc = cbolt_tx_bucket(tx, k, kl, &b);
        if (rc == CBOLT_OK)
            rc = walk(b, deep);
        if (rc != CBOLT_OK)
            return rc;
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cbolt_vfs *vfs = cbolt_memvfs_new();
    cbolt_options o = {0};
    cbolt_db *db;
    cbolt_tx *tx;
    o.vfs = vfs;
    o.read_only = 1;
    cbolt_memvfs_set(vfs, "f.db", data, size);
    if (cbolt_open("f.db", &o, &db) == CBOLT_OK) {
        if (cbolt_begin(db, 0, &tx) == CBOLT_OK) {
            int problems = cbolt_tx_check(tx, NULL, NULL);
            int dumped = cbolt_tx_dump(tx, sink, NULL);
            int walked = top(tx, problems == 0);
            if (problems == 0 && (dumped != CBOLT_OK || walked != CBOLT_OK))
                abort(); /* check passed, so reading must not fail */
            cbolt_tx_rollback(tx);
        }
        cbolt_close(db);
    }
    cbolt_memvfs_free(vfs);
    return 0;
}
