/*
 * node.h - nodes: pages materialized in memory by a write transaction,
 * edited, then rebalanced, split and spilled back to new pages at commit
 * (bbolt's node type), and the tree of one bucket as the engine sees it
 * (struct ntree): pages of the file, or the nodes materialized over them.
 *
 * Owns: a node's elements (struct inode, page.h), its place among the
 * materialized nodes (parent, children); per bucket tree the map from page
 * id to node and the root node; the algorithms of node.go: put, del,
 * split (split.c's plan), rebalance, spill, write.
 * Invariants:
 * - a node's inodes are strictly increasing by key (split.h);
 * - key/value/child of an inode point into the transaction's mapping or
 *   into memory the transaction owns, so they outlive the node;
 * - a node with pgid != 0 still owns that page in the file; spill frees it
 *   (pending under the transaction) before writing the node elsewhere;
 * - no function here recurses: spill keeps its path on the heap,
 *   rebalance climbs parents in a loop, freeing a tree keeps its path on
 *   the heap, each bounded by CBOLT_MAX_TREE_DEPTH levels.
 */
#ifndef CBOLT_NODE_H
#define CBOLT_NODE_H

#include "pager.h"
#include "split.h"

typedef struct node node;

/* One bucket's tree in a transaction. */
typedef struct ntree {
    snap *s;
    pager *pg;               /* NULL in a read-only transaction */
    node **all;              /* the transaction's list of every node */
    uint64_t root;           /* root page id; 0 for an inline bucket */
    page_view inl;           /* when has_inline: the validated inline leaf */
    int has_inline;          /* inl is the root (bbolt's b.page) */
    node *root_node;         /* the materialized root, or NULL */
    u64map nodes;            /* pgid -> node read from that page, or
                                split off in memory (a virtual pgid) */
    uint64_t next_vid;       /* the next virtual pgid */
    double fill;             /* bbolt's FillPercent */
} ntree;

struct node {
    ntree *t;
    int is_leaf;
    int unbalanced;
    int spilled;
    int dead;                /* merged away or removed */
    const uint8_t *key;      /* first key when materialized */
    uint32_t klen;
    uint64_t pgid;           /* 0: not on a page */
    node *parent;
    node **children;
    uint32_t nchildren, capchildren;
    inode *inodes;
    uint32_t n, cap;
    node *all_next;          /* every node of the transaction */
    /* Set when an in-memory split made this node the first part of a
     * split plan: while it keeps that count and size it is one page, as
     * in bbolt's split of the whole node at commit (a part that fills its
     * page exactly would be cut again by a plan of its own). */
    uint32_t planned_n;
    uint64_t planned_size;
};

/* A tree rooted at page root, or at the inline page inl (root 0), with
 * bbolt's default fill 0.5 (not in the contract: CVC4 1.8 as packaged
 * here has no floating-point theory, and a double in a caller's goals
 * stops it; proofs/README.md, "bucket"). */
/*@ requires valid: \valid(t);
    requires inl: inl == \null || (\valid_read(inl) && \separated(t, inl));
    assigns *t;
    ensures s: t->s == s;
    ensures pg: t->pg == pg;
    ensures all: t->all == all;
    ensures root: t->root == root;
    ensures no_node: t->root_node == \null && t->next_vid == 0;
    ensures nodes: t->nodes.keys == \null && t->nodes.vals == \null &&
      t->nodes.cap == 0 && t->nodes.used == 0 && t->nodes.live == 0;
    behavior inline:
      assumes root == 0 && inl != \null;
      ensures has_inline: t->has_inline == 1;
      ensures inl: t->inl.data == \old(inl->data) &&
        t->inl.len == \old(inl->len) && t->inl.id == \old(inl->id) &&
        t->inl.flags == \old(inl->flags) && t->inl.count == \old(inl->count);
    behavior page:
      assumes root != 0 || inl == \null;
      ensures has_inline: t->has_inline == 0;
    complete behaviors;
    disjoint behaviors; */
void ntree_init(ntree *t, snap *s, pager *pg, node **all, uint64_t root,
                const page_view *inl);
/* Frees the tree's maps (nodes are freed with the transaction's list). */
/*@ requires valid: \valid(t);
    assigns t->nodes;
    ensures empty: t->nodes.keys == \null && t->nodes.vals == \null &&
      t->nodes.cap == 0 && t->nodes.used == 0 && t->nodes.live == 0; */
void ntree_release(ntree *t);
/* The page or materialized node of pgid (bbolt's pageNode): *n set when
 * materialized, else *pv through the door. pgid 0 means the inline root. */
int ntree_page_node(ntree *t, uint64_t pgid, page_view *pv, node **n);
/* Materializes the node of pgid under parent (bbolt's Bucket.node). */
int ntree_node(ntree *t, uint64_t pgid, node *parent, node **out);
/* Materializes the root, so the tree is written at commit. */
int ntree_touch(ntree *t);
/* Commit steps: rebalance every materialized node; spill the tree to new
 * pages (t->root becomes the new root page). */
int ntree_rebalance(ntree *t);
int ntree_spill(ntree *t);
/* Frees every page of the tree (pending under the transaction), through
 * its materialized nodes where there are some; t->root becomes 0. */
int ntree_free_pages(ntree *t);
/* Whether the tree fits inline in its parent (bbolt's inlineable): a
 * single leaf, no sub-bucket, at most page_size / 4 bytes. */
/*@ requires valid: \valid_read(t) && \valid_read(t->s);
    requires node: t->root_node == \null ||
      (\valid_read(t->root_node) &&
       \valid_read(t->root_node->inodes + (0 .. t->root_node->n - 1)));
    assigns \nothing;
    ensures bool: \result == 0 || \result == 1;
    ensures inline: \result == 1 <==>
      t->root_node != \null && t->root_node->is_leaf != 0 &&
      t->root_node->n <= 0xFFFE &&
      (\forall integer k; 0 <= k < t->root_node->n ==>
         (t->root_node->inodes[k].flags & LeafFlagBucket) == 0) &&
      PartSize(t->root_node->inodes, 1, t->root_node->n) <= t->s->ps / 4; */
int ntree_inlineable(const ntree *t);
/* The bytes of the inline page of an inlineable tree, and writing it. */
/*@ requires valid: \valid_read(t) && \valid_read(t->root_node) &&
      \valid_read(t->root_node->inodes + (0 .. t->root_node->n - 1));
    requires count: t->root_node->n <= 0x40000000;
    requires fits: PartSize(t->root_node->inodes, t->root_node->is_leaf,
                            t->root_node->n) <= UINT32_MAX;
    assigns \nothing;
    ensures size: \result == PartSize(t->root_node->inodes,
                                      t->root_node->is_leaf, t->root_node->n); */
uint32_t ntree_inline_size(const ntree *t);
void ntree_write_inline(const ntree *t, uint8_t *buf);

/* After a put into n: a node grown past NODE_EAGER_MAX elements is split
 * in memory at the first cut of bbolt's split plan (split.c), its new
 * sibling known by a virtual page id, and so on up its parents. bbolt
 * splits only at commit, so one transaction putting n keys into one node
 * costs n^2; here each put moves at most NODE_EAGER_MAX elements, and the
 * part cut off is one page as bbolt's commit would write it. */
#define NODE_EAGER_MAX 256u
int node_settle(node *n);

/* bbolt's node.put: replaces the inode keyed old_key (or inserts one) by
 * new_key with value or child. Key and value must outlive the tx. */
int node_put(node *n, const uint8_t *old_key, uint32_t old_klen,
             const uint8_t *new_key, uint32_t new_klen, const uint8_t *value,
             uint32_t vlen, uint64_t pgid, uint32_t flags);
void node_del(node *n, const uint8_t *key, uint32_t klen);
/* The materialized child at index (read from its page when needed). */
int node_child_at(node *n, uint32_t index, node **out);
void node_destroy(node *n);

#endif
