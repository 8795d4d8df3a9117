/*
 * node.h - nodes: pages materialized in memory by a write transaction,
 * edited, then rebalanced, split and spilled back to new pages at commit
 * (bbolt's node type).
 *
 * Owns: a node's inodes (key, value or child, flags), its place in the
 * tree of materialized nodes (parent, children), and the algorithms of
 * node.go: put, del, split (by fill percent, at least two keys a page),
 * rebalance (merge when under a quarter page or too few keys), spill
 * (write to newly allocated pages, freeing the old ones), write.
 * Invariants:
 * - inodes are strictly increasing by key;
 * - key/value/child of an inode point into the transaction's mapping or
 *   into memory the transaction owns, so they outlive the node;
 * - a node with pgid != 0 still owns that page in the file; spill frees it
 *   (pending under the transaction) before writing the node elsewhere.
 */
#ifndef CBOLT_NODE_H
#define CBOLT_NODE_H

#include "internal.h"

typedef struct inode {
    uint32_t flags;
    uint32_t klen;
    uint32_t vlen;
    uint64_t pgid;           /* branch: child page */
    const uint8_t *key;
    const uint8_t *value;    /* leaf */
} inode;

/* bbolt's minKeysPerPage: a split leaves at least this many inodes in
 * every part. */
#define MIN_KEYS_PER_PAGE 2u

/* The split's logic (NodeEntriesOrdered, SplitResultValid, ...), for
 * Frama-C only: the C compiler sees none of it. */
#ifdef __FRAMAC__
#include "../spec/node.acsl"
#endif

struct node {
    cbolt_bucket *bucket;
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
};

node *node_new(cbolt_bucket *b, int is_leaf, node *parent);
/* Fills an empty node from a validated page. */
int node_read(node *n, const page_view *pv);
/* bbolt's node.put: replaces the inode keyed old_key (or inserts one) by
 * new_key with value or child. Key and value must outlive the tx. */
int node_put(node *n, const uint8_t *old_key, uint32_t old_klen,
             const uint8_t *new_key, uint32_t new_klen, const uint8_t *value,
             uint32_t vlen, uint64_t pgid, uint32_t flags);
void node_del(node *n, const uint8_t *key, uint32_t klen);
/* The materialized child at index (read from its page when needed). */
int node_child_at(node *n, uint32_t index, node **out);
/* Bytes the node takes on a page. */
uint64_t node_size(const node *n);
/* Writes the node as a page at buf (header included; id and overflow are
 * the caller's). */
void node_write(const node *n, uint8_t *buf);
int node_rebalance(node *n);
int node_spill(node *n);
/* The topmost ancestor. */
node *node_root(node *n);
/* Frees the node's page (pending under the tx), if it has one. */
int node_free_page(node *n);
void node_destroy(node *n);

/* The split point of bbolt's splitIndex: inodes [0, index) go to the first
 * page; at least 2 on each side; the first part stays within threshold
 * unless it holds only the minimum. Exposed for tests and proofs. */
uint32_t node_split_index(const inode *in, uint32_t n, int is_leaf,
                          uint64_t threshold);

/* bbolt's split (the loop of splitTwo): cuts inodes [0, n) into np parts,
 * returned, part j being [cuts[j], cuts[j+1]); cuts[0] == 0, cuts[np] ==
 * n. cuts holds n + 2 entries. Exposed for tests and proofs. */
uint32_t node_split_plan(const inode *in, uint32_t n, int is_leaf,
                         uint64_t page_size, uint64_t threshold,
                         uint64_t *cuts);
/* 0 when cuts[0..np] is a valid split of inodes [0, n) (spec/node.acsl's
 * SplitResultValid), non-zero otherwise. For tests. */
int node_split_valid(const inode *in, uint32_t n, int is_leaf,
                     uint64_t page_size, uint64_t threshold,
                     const uint64_t *cuts, uint32_t np);

#endif
