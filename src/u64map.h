/*
 * u64map.h - an open-addressing hash map from 64-bit keys to 64-bit
 * values (or pointers), for page ids and name hashes.
 *
 * Owns: nothing but its table.
 * Invariants: keys 0 and 1 are reserved (empty, deleted); the table is at
 * most half full; a lookup ends at the first empty slot.
 */
#ifndef CBOLT_U64MAP_H
#define CBOLT_U64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct u64map {
    uint64_t *keys;
    uint64_t *vals;
    size_t cap;    /* slots, a power of two, or 0 */
    size_t used;   /* live + deleted slots */
    size_t live;
} u64map;

#define U64MAP_EMPTY 0u
#define U64MAP_DELETED 1u

#ifdef __FRAMAC__
#include "cbolt.h"                /* CBOLT_ERR_NOMEM in the contracts */
#include "../spec/u64map.acsl"
#endif

#ifdef __FRAMAC__
/* cb_calloc(n, sizeof(uint64_t)), typed (mem.c): the tables. Assumed by the
 * map's proof (mem.c is not proved; WP's Typed model does not follow
 * cb_calloc's void *, and this WP does not implement \fresh): NULL, or n
 * zeroed slots, n * 8 bytes that did not overflow, apart from the map m
 * and its tables and from other (a block of n slots, or NULL), the ghost
 * arguments: a new block is apart from every live one. */
/*@ requires \valid(m);
    assigns \nothing;
    ensures null_or_fresh: \result == \null ||
        (\valid(\result + (0 .. n - 1)) && n <= SIZE_MAX / 8 &&
         (\forall integer i; 0 <= i < n ==> \result[i] == 0) &&
         \separated(\result + (0 .. n - 1), m, m->keys + (0 .. m->cap - 1),
                    m->vals + (0 .. m->cap - 1)) &&
         (other != \null ==>
              \separated(\result + (0 .. n - 1), other + (0 .. n - 1))));
*/
uint64_t *cb_calloc_u64(size_t n) /*@ ghost (u64map *m, uint64_t *other) */;
#endif

/*@ requires valid: \valid(m);
    assigns *m;
    ensures empty: m->keys == \null && m->vals == \null && m->cap == 0 &&
                   m->used == 0 && m->live == 0;
    ensures map: MapValid(m);
*/
void u64map_free(u64map *m);
/*@ requires map: MapTables(m);
    assigns m->keys[0 .. m->cap - 1], m->used, m->live;
    ensures map: MapValid(m);
    ensures empty: m->used == 0 && m->live == 0 &&
        \forall integer i; 0 <= i < m->cap ==> m->keys[i] == U64MAP_EMPTY;
*/
void u64map_clear(u64map *m);
/* Returns 0, or CBOLT_ERR_NOMEM. key must be >= 2. */
/*@ requires map: MapValid(m);
    requires key: key >= 2;
    ensures map: MapValid(m);
    behavior ok:
        assumes room: (m->used + 1) * 2 <= m->cap;
        assigns m->keys[0 .. m->cap - 1], m->vals[0 .. m->cap - 1],
                m->used, m->live;
        ensures ok: \result == 0;
        ensures stored: \exists integer j; 0 <= j < m->cap &&
                        m->keys[j] == key && m->vals[j] == val;
        ensures live: m->live == \old(m->live) ||
                      m->live == \old(m->live) + 1;
    behavior grow:
        assumes full: (m->used + 1) * 2 > m->cap;
        // no assigns clause: the new tables of rehash (see u64map.c)
        ensures result: \result == 0 || \result == CBOLT_ERR_NOMEM;
        ensures stored: \result == 0 ==>
            \exists integer j; 0 <= j < m->cap &&
                m->keys[j] == key && m->vals[j] == val;
        ensures live: \result == 0 ==>
            m->live == \old(m->live) || m->live == \old(m->live) + 1;
        ensures unchanged: \result != 0 ==>
            m->keys == \old(m->keys) && m->vals == \old(m->vals) &&
            m->cap == \old(m->cap) && m->used == \old(m->used) &&
            m->live == \old(m->live);
    complete behaviors; disjoint behaviors;
*/
int u64map_put(u64map *m, uint64_t key, uint64_t val);
/* 1 and *val when present, else 0. */
/*@ requires map: MapValid(m);
    requires key: key >= 2;
    requires val: val == \null || (\valid(val) &&
        \separated(val, m, m->keys + (0 .. m->cap - 1),
                    m->vals + (0 .. m->cap - 1)));
    assigns *val;
    ensures result: \result == 0 || \result == 1;
    ensures found: \result == 1 ==> \exists integer j; 0 <= j < m->cap &&
        m->keys[j] == key && (val != \null ==> *val == m->vals[j]);
*/
int u64map_get(const u64map *m, uint64_t key, uint64_t *val);
/* 1 when key was present (and is now removed). */
/*@ requires map: MapValid(m);
    requires key: key >= 2;
    assigns m->keys[0 .. m->cap - 1], m->live;
    ensures map: MapValid(m);
    ensures result: \result == 0 || \result == 1;
    ensures removed: \result == 1 ==> m->live == \old(m->live) - 1 &&
        \exists integer j; 0 <= j < m->cap &&
            \old(m->keys[j]) == key && m->keys[j] == U64MAP_DELETED &&
            \forall integer i; 0 <= i < m->cap && i != j ==>
                m->keys[i] == \old(m->keys[i]);
    ensures kept: \result == 0 ==> m->live == \old(m->live) &&
        \forall integer i; 0 <= i < m->cap ==>
            m->keys[i] == \old(m->keys[i]);
*/
int u64map_del(u64map *m, uint64_t key);

/* Iteration: i from 0 while i < m->cap; slot i is live when
 * m->keys[i] >= 2. */

#endif
