/*
 * internal.h - the engine's shared structures: database, mapping,
 * transaction, bucket and cursor, and the error helpers.
 *
 * Owns: the layout of the opaque public types.
 * Invariants:
 * - db->mu guards db->meta, db->map and the counters; a transaction copies
 *   the meta and takes a reference on the mapping under it, and afterwards
 *   reads only through its own copy and mapping (its snapshot).
 * - A mapping covers at least meta.pgid pages of every transaction that
 *   holds it, and lives until its last reference is dropped.
 * - map->checked[id] is 1 only when page id was validated as a tree page
 *   in this mapping (a cache: set with relaxed atomics, never trusted for
 *   anything but skipping a repeat validation).
 */
#ifndef CBOLT_INTERNAL_H
#define CBOLT_INTERNAL_H

#include <pthread.h>

#include "alloc.h"
#include "cbolt.h"
#include "format.h"
#include "meta.h"
#include "page.h"
#include "u64map.h"

/* What the proofs take as preconditions of their callers (proofs/README.md,
 * "Not proved") is checked at run time in the sanitizer and fuzzing builds
 * (-DCBOLT_DEBUG) with the proved checkers, and compiled out otherwise. */
#ifdef CBOLT_DEBUG
#include <assert.h>
#define CB_INVARIANT(e) assert(e)
#else
#define CB_INVARIANT(e) ((void)0)
#endif

typedef struct node node;

typedef struct cbolt_map {
    const uint8_t *base;
    size_t len;              /* bytes mapped */
    uint64_t npages;         /* len / page size */
    uint8_t *checked;        /* per page: validated tree page */
    unsigned refs;           /* the db's own reference plus one per tx */
} cbolt_map;

struct cbolt_db {
    char *path;
    cbolt_vfs *vfs;
    cbolt_file *file;
    int read_only;
    uint32_t page_size;
    cbolt_options opts;
    pthread_mutex_t mu;
    pthread_cond_t writer_done;
    meta meta;               /* the current (last committed) meta */
    cbolt_map *map;          /* the current mapping */
    uint64_t tx_n;           /* read transactions begun */
    uint64_t open_tx_n;      /* read transactions open */
    uint64_t *readers;       /* txids of open readers, sorted (multiset) */
    size_t nreaders, capreaders;
    /* write side, owned by the writer while `writer` is set */
    int writer;              /* a read-write transaction is open */
    fl freelist;
    uint64_t datasz;         /* bytes the mapping should cover (bbolt) */
    uint64_t filesz;         /* bytes the file has */
    uint64_t free_n, pending_n; /* freelist counts at the last commit */
    int poisoned;            /* a commit failed at or after its meta write:
                                writers refused until the file is reopened */
    struct batch *batch;     /* the batch being gathered (batch.c) */
    pthread_cond_t batch_done;
};

/* Allocation owned by a transaction: freed when it ends. */
typedef struct tx_block {
    struct tx_block *prev, *next;
} tx_block;

struct cbolt_bucket {
    cbolt_tx *tx;
    uint64_t root;           /* root page id; 0 for an inline bucket */
    uint64_t sequence;
    page_view inline_page;   /* when root == 0: validated inline leaf */
    int has_inline_page;     /* inline_page valid (bbolt's b.page) */
    int top;                 /* the root bucket: holds only buckets */
    /* write side */
    node *root_node;         /* materialized root, or NULL */
    u64map nodes;            /* pgid -> node * */
    u64map children;         /* name hash -> cbolt_bucket * (chained) */
    cbolt_bucket *same_hash; /* next child with the same name hash */
    const uint8_t *name;     /* in the parent, when cached there */
    uint32_t name_len;
    double fill_percent;
    cbolt_bucket *all_next;  /* the transaction's write buckets */
};

/* One level of a cursor's path: a validated page or a node, the index
 * within it, and the exclusive upper bound its parents put on its keys. */
typedef struct cursor_ref {
    node *node;              /* when not NULL, the level is this node */
    page_view page;
    uint32_t index;
    const uint8_t *hi;       /* NULL: no upper bound */
    uint32_t hilen;
} cursor_ref;

struct cbolt_cursor {
    cbolt_bucket *bucket;
    int depth;               /* levels in stack; 0: not positioned */
    cursor_ref stack[CBOLT_MAX_TREE_DEPTH];
};

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
} arena_chunk;

struct cbolt_tx {
    cbolt_db *db;
    meta meta;               /* the snapshot (writer: the next meta) */
    meta snap;               /* the meta as it was at begin */
    cbolt_map *map;
    tx_block blocks;         /* list head of owned allocations */
    cbolt_bucket root;       /* the root bucket */
    cbolt_tx_stats stats;
    int writable;
    int failed;              /* a commit failed: only rollback remains */
    int meta_written;        /* the commit got as far as the meta write */
    /* write side */
    node *nodes;             /* every node materialized */
    cbolt_bucket *wbuckets;  /* every bucket with maps to free */
    u64map dirty;            /* pgid -> page buffer to write */
    fl_run *runs;            /* runs taken from the freelist */
    size_t nruns, capruns;
    arena_chunk *arena;      /* copies of keys and values */
};

/* ---- errors (error.c) ---- */

/* Records an error for cbolt_last_error() and returns code. */
int cb_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records a corruption of page pgid against rule and returns
 * CBOLT_ERR_CORRUPT. */
int cb_corrupt(uint64_t pgid, int rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *cb_rule_name(int rule);

/* ---- transactions (tx.c) ---- */

void *tx_alloc(cbolt_tx *tx, size_t n);
void tx_free(cbolt_tx *tx, void *p);
/* A copy of n bytes that lives until the transaction ends. */
const uint8_t *tx_copy(cbolt_tx *tx, const void *p, size_t n);
/* Allocates count contiguous pages for a write (freelist first, else at
 * the high-water mark); *buf is a zeroed buffer to fill, written at
 * commit. */
int tx_allocate(cbolt_tx *tx, uint64_t count, uint64_t *pgid, uint8_t **buf);
/* Frees a page run of the snapshot, pending under this transaction. */
int tx_free_page(cbolt_tx *tx, uint64_t pgid);
/* Checks that tx can be used (open, not failed) and, when write, that it
 * is writable. */
int tx_usable(cbolt_tx *tx, int write);

/* Loads and validates the branch or leaf page pgid of the snapshot:
 * page-id-range, page-id-mismatch, page-file-range, then page_validate().
 * CBOLT_OK with *pv set, or CBOLT_ERR_CORRUPT naming the page and rule. */
int tx_tree_page(cbolt_tx *tx, uint64_t pgid, page_view *pv);

/* Counts the free pages of a snapshot (check.c). */
int tx_count_free(cbolt_tx *tx, uint64_t *out);
/* The free page ids of a snapshot, sorted: the freelist page's, or, when
 * the freelist is not synced, the pages no bucket reaches. *ids is
 * malloc'd. */
int tx_free_ids(cbolt_tx *tx, uint64_t **ids, size_t *n);

/* ---- buckets (bucket.c) ---- */

/* Fills b from a bucket value (a leaf element flagged as a bucket) found
 * on page pgid, validating the header and any inline page. */
int bucket_from_value(cbolt_tx *tx, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *b);
/* The root page of a bucket's tree: the inline page or a file page. */
int bucket_root_page(cbolt_bucket *b, page_view *pv);
/* The page or materialized node of pgid in bucket b (bbolt's pageNode):
 * *n set when materialized, else *pv. pgid 0 means the inline root. */
int bucket_page_node(cbolt_bucket *b, uint64_t pgid, page_view *pv,
                     node **n);
/* Materializes the node of pgid under parent (bbolt's Bucket.node). */
int bucket_node(cbolt_bucket *b, uint64_t pgid, node *parent, node **out);
/* Commit steps over the bucket tree. */
int bucket_rebalance(cbolt_bucket *b);
int bucket_spill(cbolt_bucket *b);
void bucket_release(cbolt_bucket *b);

/* ---- cursors (cursor.c) ---- */

void cursor_init(cbolt_cursor *c, cbolt_bucket *b);
/* The raw item under the cursor: key, value and element flags. */
int cursor_first_raw(cbolt_cursor *c);
int cursor_last_raw(cbolt_cursor *c);
int cursor_next_raw(cbolt_cursor *c);
int cursor_prev_raw(cbolt_cursor *c);
int cursor_seek_raw(cbolt_cursor *c, const uint8_t *key, size_t klen);
/* bbolt's Cursor.seek: descends to the leaf where key is or would go,
 * without moving past that leaf's end. */
int cursor_search(cbolt_cursor *c, const uint8_t *key, size_t klen);
/* 1 when an item is under the cursor (not past a leaf's end). */
int cursor_on_item(const cbolt_cursor *c);
/* After cursor_search: 1 when the cursor is on exactly key (flags set). */
int cursor_at(const cbolt_cursor *c, const uint8_t *key, size_t klen,
              uint32_t *flags);
void cursor_item(const cbolt_cursor *c, const uint8_t **k, uint32_t *klen,
                 const uint8_t **v, uint32_t *vlen, uint32_t *flags);
/* The leaf node under the cursor, materializing the path (bbolt's
 * Cursor.node). */
int cursor_node(cbolt_cursor *c, node **out);

#endif
