/*
 * cursor.h - cursors over one bucket's tree (struct ntree): first, last,
 * next, prev, seek, and the path a write materializes (bbolt's cursor.go).
 *
 * Owns: the path from a tree's root page or node to a leaf element, and
 * the rules checked on the way down: tree-depth, key-range, leaf-empty and
 * branch-empty for non-root pages.
 * Invariants:
 * - stack[0..depth) is a path of validated pages or nodes; stack[i + 1]
 *   is the child of stack[i] at stack[i].index; every page came through
 *   the door (snap_page) and depth <= CBOLT_MAX_TREE_DEPTH.
 * - Every page on the path has its keys inside [lo, hi), lo being the
 *   parent's separator and hi the next separator (or the parent's own hi),
 *   so sibling subtrees never overlap: a full scan visits each page at most
 *   once per level, whatever cycles or shared children the file holds.
 * - A cursor of a transaction that failed part-way (snap.failed) moves no
 *   more: every move answers CBOLT_ERR_TX_FAILED.
 */
#ifndef CBOLT_CURSOR_H
#define CBOLT_CURSOR_H

#include "mem.h"
#include "node.h"

/* One level of a cursor's path: a validated page or a node, the index
 * within it, and the exclusive upper bound its parents put on its keys. */
typedef struct cursor_ref {
    node *node;              /* when not NULL, the level is this node */
    page_view page;
    uint32_t index;
    const uint8_t *hi;       /* NULL: no upper bound */
    uint32_t hilen;
} cursor_ref;

/* Levels kept inside the cursor: a tree of pages with 2 keys each needs
 * 2^8 pages to be deeper, real files never are. A deeper path moves to a
 * heap array of CBOLT_MAX_TREE_DEPTH levels, so that a cursor on the C
 * stack stays small. */
#define CURSOR_INLINE_DEPTH 8

struct cbolt_cursor {
    ntree *t;
    txmem *mem;              /* owner of a cursor handed out by the API */
    int top;                 /* over the root bucket: values are corrupt */
    int depth;               /* levels in stack; 0: not positioned */
    cursor_ref *stack;       /* inline, or the heap array */
    cursor_ref inline_stack[CURSOR_INLINE_DEPTH];
};

#ifdef __FRAMAC__
#include "../spec/cursor.acsl"
#endif

/* A fresh, unpositioned cursor over t (never copy a cursor: its stack
 * may point into itself). */
void cursor_init(cbolt_cursor *c, ntree *t, int top);
/* Frees a heap path (a cursor of the C stack that went deeper than
 * CURSOR_INLINE_DEPTH); the cursor must be initialized again to be used. */
void cursor_done(cbolt_cursor *c);
/* Moves without decoding: CBOLT_OK (an item is under the cursor),
 * CBOLT_NOTFOUND, or an error. */
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
/* The item under the cursor (cursor_on_item): key, value, flags. */
void cursor_item(const cbolt_cursor *c, const uint8_t **k, uint32_t *klen,
                 const uint8_t **v, uint32_t *vlen, uint32_t *flags);
/* The page id of the leaf under the cursor (0 for an inline page). */
uint64_t cursor_leaf_id(const cbolt_cursor *c);
/* The leaf node under the cursor, materializing the path (bbolt's
 * Cursor.node). */
int cursor_node(cbolt_cursor *c, node **out);

#endif
