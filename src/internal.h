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

#include "cbolt.h"
#include "format.h"
#include "meta.h"
#include "page.h"

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
    pthread_mutex_t mu;
    meta meta;               /* the current (last committed) meta */
    cbolt_map *map;          /* the current mapping */
    uint64_t tx_n;           /* read transactions begun */
    uint64_t open_tx_n;      /* read transactions open */
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
    int top;                 /* the root bucket: holds only buckets */
};

/* One level of a cursor's path: a validated page, the index within it,
 * and the exclusive upper bound its parents put on its keys. */
typedef struct cursor_ref {
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

struct cbolt_tx {
    cbolt_db *db;
    meta meta;               /* the snapshot */
    cbolt_map *map;
    tx_block blocks;         /* list head of owned allocations */
    cbolt_bucket root;       /* the root bucket */
    cbolt_tx_stats stats;
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

/* Loads and validates the branch or leaf page pgid of the snapshot:
 * page-id-range, page-id-mismatch, page-file-range, then page_validate().
 * CBOLT_OK with *pv set, or CBOLT_ERR_CORRUPT naming the page and rule. */
int tx_tree_page(cbolt_tx *tx, uint64_t pgid, page_view *pv);

/* Counts the free pages of a snapshot (check.c). */
int tx_count_free(cbolt_tx *tx, uint64_t *out);

/* ---- buckets (bucket.c) ---- */

/* Fills b from a bucket value (a leaf element flagged as a bucket) found
 * on page pgid, validating the header and any inline page. */
int bucket_from_value(cbolt_tx *tx, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *b);
/* The root page of a bucket's tree: the inline page or a file page. */
int bucket_root_page(cbolt_bucket *b, page_view *pv);

/* ---- cursors (cursor.c) ---- */

void cursor_init(cbolt_cursor *c, cbolt_bucket *b);
/* The raw item under the cursor: key, value and element flags. */
int cursor_first_raw(cbolt_cursor *c);
int cursor_last_raw(cbolt_cursor *c);
int cursor_next_raw(cbolt_cursor *c);
int cursor_prev_raw(cbolt_cursor *c);
int cursor_seek_raw(cbolt_cursor *c, const uint8_t *key, size_t klen);
void cursor_item(const cbolt_cursor *c, const uint8_t **k, uint32_t *klen,
                 const uint8_t **v, uint32_t *vlen, uint32_t *flags);

#endif
