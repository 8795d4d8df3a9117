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

void u64map_free(u64map *m);
void u64map_clear(u64map *m);
/* Returns 0, or CBOLT_ERR_NOMEM. key must be >= 2. */
int u64map_put(u64map *m, uint64_t key, uint64_t val);
/* 1 and *val when present, else 0. */
int u64map_get(const u64map *m, uint64_t key, uint64_t *val);
/* 1 when key was present (and is now removed). */
int u64map_del(u64map *m, uint64_t key);

/* Iteration: i from 0 while i < m->cap; slot i is live when
 * m->keys[i] >= 2. */

#endif
