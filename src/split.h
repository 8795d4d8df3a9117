/*
 * split.h - a node's elements as an array (struct inode, page.h): the
 * search, put and delete steps of bbolt's node.put / node.del, and the
 * split plan of bbolt's node.split. The proved core of the write side.
 *
 * Owns: nothing; pure functions over inode arrays.
 * Invariants: an array the engine keeps is strictly increasing by key
 * (NodeEntriesOrdered); inodes_put keeps it so; a split plan cuts it into
 * parts of at least MIN_KEYS_PER_PAGE elements that fit their pages.
 */
#ifndef CBOLT_SPLIT_H
#define CBOLT_SPLIT_H

#include "page.h"

/* bbolt's minKeysPerPage: a split leaves at least this many inodes in
 * every part. */
#define MIN_KEYS_PER_PAGE 2u

#ifdef __FRAMAC__
#include "../spec/split.acsl"
#endif

/* The index of the first inode with key >= key; *exact when that key
 * equals key (bbolt's sort.Search in node.put): keys_lower_bound() over
 * the array. */
/*@ requires valid: \valid_read(in + (0 .. n - 1));
    requires keys: KeysReadable(in, n);
    requires ordered: NodeEntriesOrdered(in, n);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(exact);
    requires separated: \separated(exact, in + (0 .. n - 1));
    assigns *exact;
    ensures index: \result <= n;
    ensures below: \forall integer j; 0 <= j < \result ==>
      KeyLess((uint8_t *)in[j].key, in[j].klen, key, klen);
    ensures above: \forall integer j; \result < j < n ==>
      KeyLess(key, klen, (uint8_t *)in[j].key, in[j].klen);
    ensures exact: *exact == 1 <==>
      \result < n && KeyEqual((uint8_t *)in[\result].key, in[\result].klen, key, klen);
    ensures at: \result < n && *exact == 0 ==>
      KeyLess(key, klen, (uint8_t *)in[\result].key, in[\result].klen);
    ensures exact_bool: *exact == 0 || *exact == 1; */
uint32_t inodes_search(const inode *in, uint32_t n, const uint8_t *key,
                       uint32_t klen, int *exact);

/* node_put's array step: puts *x in place of the inode keyed old_key, or
 * inserts it where old_key belongs (in has room for n + 1). *at is its
 * index. Returns the new count. */
uint32_t inodes_put(inode *in, uint32_t n, const uint8_t *old_key,
                    uint32_t old_klen, const inode *x, int64_t *at);

/* Removes in[at] (at < n); returns n - 1. */
/*@ requires valid: \valid(in + (0 .. n - 1));
    requires range: at < n;
    assigns in[at .. n - 2];
    ensures count: \result == n - 1; */
uint32_t inodes_remove_at(inode *in, uint32_t n, uint32_t at);

/* Bytes inodes [0, n) take on a page, header included. */
/*@ requires valid: \valid_read(in + (0 .. n - 1));
    requires count: n <= 0x40000000;
    assigns \nothing;
    ensures size: \result == PartSize(in, is_leaf, n); */
uint64_t inodes_size(const inode *in, uint32_t n, int is_leaf);

/* The split point of bbolt's splitIndex: inodes [0, index) go to the first
 * page; at least 2 on each side; the first part stays within threshold
 * unless it holds only the minimum. */
uint32_t split_index(const inode *in, uint32_t n, int is_leaf,
                     uint64_t threshold);

/* bbolt's split (the loop of splitTwo): cuts inodes [0, n) into np parts,
 * returned, part j being [cuts[j], cuts[j+1]); cuts[0] == 0, cuts[np] ==
 * n. cuts holds n + 2 entries. */
uint32_t split_plan(const inode *in, uint32_t n, int is_leaf,
                    uint64_t page_size, uint64_t threshold, uint64_t *cuts);

/* 0 when cuts[0..np] is a valid split of inodes [0, n) (spec/split.acsl's
 * SplitResultValid), non-zero otherwise: the first rule broken. */
int split_valid(const inode *in, uint32_t n, int is_leaf, uint64_t page_size,
                uint64_t threshold, const uint64_t *cuts, uint32_t np);

#endif
