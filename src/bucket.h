/*
 * bucket.h - buckets: finding, creating and deleting them, reading and
 * writing keys and sequences, for-each; at commit, rebalancing and
 * spilling every bucket's tree (bbolt's bucket.go).
 *
 * Owns: struct btx (a transaction as buckets see it: its snapshot, its
 * pages, its memory, its nodes and bucket handles) and struct
 * cbolt_bucket: a bucket's tree (node.h), sequence and, in a write
 * transaction, its cache of opened sub-buckets (by name), so that every
 * change made through any handle reaches the commit.
 * Invariants:
 * - a cbolt_bucket is made only from a bucket value that passed
 *   page_bucket_value(), so an inline bucket's page is a validated leaf
 *   with no sub-buckets and a file bucket's root is checked when read;
 * - opening the same name twice gives the same handle (read and write
 *   transactions alike), until the bucket is deleted or moved;
 * - a bucket is written inline exactly when bbolt would: a single leaf,
 *   no sub-bucket, 16 + sum(16 + key + value) <= page size / 4;
 * - sticky failure: in a write transaction, a call that fails part-way
 *   (out of memory, i/o, corruption) sets s.failed, and every later call
 *   answers CBOLT_ERR_TX_FAILED until rollback (LMDB's MDB_TXN_ERROR);
 * - no recursion: deleting a bucket collects its sub-buckets on a heap
 *   list (a root page met twice is page-double); rebalance and spill
 *   visit the cached handles from a heap list, children before parents.
 */
#ifndef CBOLT_BUCKET_H
#define CBOLT_BUCKET_H

#include "cursor.h"

/* A transaction as buckets see it. */
typedef struct btx {
    snap s;
    pager pg;                /* write transactions */
    txmem mem;
    node *nodes;             /* every node materialized */
    cbolt_bucket *wbuckets;  /* every handle opened (maps to free) */
    cbolt_tx_stats stats;
} btx;

struct cbolt_bucket {
    btx *tx;
    ntree t;                 /* the bucket's tree */
    uint64_t sequence;
    int top;                 /* the root bucket: holds only buckets */
    u64map children;         /* name hash -> cbolt_bucket * (chained) */
    cbolt_bucket *same_hash; /* next child with the same name hash */
    cbolt_bucket *parent;    /* the handle it was opened from */
    const uint8_t *name;     /* in the parent, when cached there */
    uint32_t name_len;
    cbolt_bucket *all_next;  /* the transaction's handles */
};

#ifdef __FRAMAC__
#include "../spec/bucket.acsl"
#endif

/* The transaction can be used (not failed part-way) and, when write, is
 * writable. */
/*@ requires tx: tx == \null || \valid_read(tx);
    assigns cb_error_record;
    behavior closed:
      assumes tx == \null;
      ensures \result == CBOLT_ERR_TX_CLOSED;
    behavior failed:
      assumes tx != \null && tx->s.failed != 0;
      ensures \result == CBOLT_ERR_TX_FAILED;
    behavior read_only:
      assumes tx != \null && tx->s.failed == 0 && write != 0 &&
              tx->s.writable == 0;
      ensures \result == CBOLT_ERR_TX_NOT_WRITABLE;
    behavior usable:
      assumes tx != \null && tx->s.failed == 0 &&
              (write == 0 || tx->s.writable != 0);
      assigns \nothing;
      ensures \result == CBOLT_OK;
    complete behaviors;
    disjoint behaviors; */
int btx_usable(btx *tx, int write);
/* Returns rc, first marking a write transaction failed when rc says a
 * call failed part-way (cb_is_hard). */
/*@ requires tx: \valid(tx);
    assigns tx->s.failed;
    ensures result: \result == rc;
    behavior poison:
      assumes tx->s.writable != 0 && (rc == CBOLT_ERR_NOMEM ||
              rc == CBOLT_ERR_IO || rc == CBOLT_ERR_CORRUPT);
      ensures failed: tx->s.failed == 1;
    behavior keep:
      assumes tx->s.writable == 0 || (rc != CBOLT_ERR_NOMEM &&
              rc != CBOLT_ERR_IO && rc != CBOLT_ERR_CORRUPT);
      assigns \nothing;
    complete behaviors;
    disjoint behaviors; */
int btx_result(btx *tx, int rc);

/* Fills child from the bucket value v (the value of an element flagged
 * as a bucket, found on page pgid) of parent: no search, no allocation,
 * not cached (for read-only walks). The rules of spec/format.md's
 * "Bucket value": bucket-value (a header of 16 bytes) and inline-page
 * (root 0: a well-formed leaf of page id 0 with no sub-bucket follows),
 * checked by page_bucket_value(); a value that breaks one is
 * CBOLT_ERR_CORRUPT naming page pgid and that rule, child untouched. */
/*@ requires parent: \valid_read(parent) && \valid_read(parent->tx);
    requires valid: \valid_read(v + (0 .. vlen - 1));
    requires out: \valid(child);
    requires separated: \separated(child, parent->tx, v + (0 .. vlen - 1));
    assigns *child, cb_error_record;
    behavior short:
      assumes ValueShort(vlen);
      assigns cb_error_record;
      ensures corrupt: \result == CBOLT_ERR_CORRUPT;
      ensures rule: cb_error_record == RULE_BUCKET_VALUE;
    behavior inline_bad:
      assumes ValueInlineBad(v, vlen);
      assigns cb_error_record;
      ensures corrupt: \result == CBOLT_ERR_CORRUPT;
      ensures rule: cb_error_record == RULE_INLINE_PAGE;
    behavior file_root:
      assumes ValueFileRoot(v, vlen);
      assigns *child;
      ensures ok: \result == CBOLT_OK;
      ensures handle: HandleFields(child, \old(parent->tx), LD64(v + 8), 0);
      ensures tree: TreeFresh(&child->t, \old(parent->tx), LD64(v));
      ensures no_inline: child->t.has_inline == 0;
    behavior inline_ok:
      assumes ValueInlineOk(v, vlen);
      assigns *child;
      ensures ok: \result == CBOLT_OK;
      ensures handle: HandleFields(child, \old(parent->tx), LD64(v + 8), 0);
      ensures tree: TreeFresh(&child->t, \old(parent->tx), 0);
      ensures inline: child->t.has_inline == 1 &&
        child->t.inl.data == v + BucketHdrSize &&
        child->t.inl.len == vlen - BucketHdrSize && child->t.inl.id == 0 &&
        PageViewWellFormed(&child->t.inl, PV_LEAF | PV_NO_BUCKETS);
    complete behaviors;
    disjoint behaviors; */
int bucket_from_value(cbolt_bucket *parent, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *child);
/* Makes b the root bucket of tx's snapshot. */
/*@ requires valid: \valid(b) && \valid_read(tx);
    requires separated: \separated(b, tx);
    assigns *b;
    ensures handle: HandleFields(b, tx, \old(tx->s.meta.sequence), 1);
    ensures tree: TreeFresh(&b->t, tx, \old(tx->s.meta.root));
    ensures no_inline: b->t.has_inline == 0; */
void bucket_init_root(cbolt_bucket *b, btx *tx);
/* Commit steps over every bucket handle below root (root included). */
int bucket_rebalance_all(cbolt_bucket *root);
int bucket_spill_all(cbolt_bucket *root);
/* Frees the maps of every handle of tx (root included). */
void bucket_release_all(btx *tx, cbolt_bucket *root);
/* A cursor over b, owned by the transaction. */
int bucket_cursor(cbolt_bucket *b, cbolt_cursor **out);

#endif
