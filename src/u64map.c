/*
 * u64map.c - open addressing with linear probing; see u64map.h.
 *
 * The contracts are on the prototypes in u64map.h and on the static
 * functions here; the logic is in spec/u64map.acsl (proofs/README.md,
 * "u64map"). The counts used and live are recursive logic functions of
 * the keys (CountUsed, CountLive): after the stores of each function a
 * ghost loop walks the slots once, one unfolding per slot, to relate the
 * counts after the stores to those before.
 */
#include <stdlib.h>
#include <string.h>

#include "cbolt.h"
#include "mem.h"
#include "u64map.h"

/* The hash multiply wraps modulo 2^64 by design (proved without the
 * unsigned-overflow warning, run u64map-wrap). */
/*@ requires cap: cap >= 1;
    assigns \nothing;
    ensures slot: \result < cap;
*/
static size_t slot(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    /* The mask, for cap a power of two; the provers cannot bound a mask
     * (proofs/README.md, "Changes made to the C code"), so the bound is
     * also a comparison, never false here: one compare and a conditional
     * move, where a remainder was a 64-bit division on every lookup. */
    size_t s = (size_t)key & (cap - 1);
    return s < cap ? s : 0;
}

/* The probe's next slot, wrapping at cap: for cap a power of two the
 * value of (s + 1) & (cap - 1), compared instead of masked (the provers
 * cannot bound a mask). */
/*@ requires cap: s < cap;
    assigns \nothing;
    ensures next: \result < cap;
*/
static size_t next(size_t s, size_t cap)
{
    return s + 1 < cap ? s + 1 : 0;
}

void u64map_free(u64map *m)
{
    cb_free(m->keys);
    cb_free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->used = m->live = 0;
}

void u64map_clear(u64map *m)
{
    size_t i;
    /*@ loop invariant 0 <= i <= m->cap;
        loop invariant \forall integer j; 0 <= j < i ==>
                           m->keys[j] == U64MAP_EMPTY;
        loop assigns i, m->keys[0 .. \at(m->cap, Pre) - 1];
        loop variant m->cap - i;
    */
    for (i = 0; i < m->cap; i++)
        m->keys[i] = U64MAP_EMPTY;
    m->used = m->live = 0;
    /*@ ghost
        size_t g;
        /@ loop invariant 0 <= g <= m->cap;
           loop invariant CountLive(m->keys, g) == 0;
           loop invariant CountUsed(m->keys, g) == 0;
           loop assigns g;
           loop variant m->cap - g;
        @/
        for (g = 0; g < m->cap; g++) ;
    */
}

/* No assigns clause: it writes the new tables, which this WP cannot name
 * in the caller's state (\fresh and allocates are not implemented). */
/*@ requires map: MapValid(m);
    requires cap: Pow2(cap) && cap >= 1 && (m->live + 1) * 2 <= cap;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures ok: \result == CBOLT_OK ==> MapValid(m) && m->cap == cap &&
        m->live == \old(m->live) && m->used == m->live;
    ensures unchanged: \result != CBOLT_OK ==> MapValid(m) &&
        m->keys == \old(m->keys) && m->vals == \old(m->vals) &&
        m->cap == \old(m->cap) && m->used == \old(m->used) &&
        m->live == \old(m->live);
*/
static int rehash(u64map *m, size_t cap)
{
    u64map n = {0};
    size_t i;
    n.keys = cb_calloc_u64(cap) /*@ ghost (m, NULL) */;
    n.vals = cb_calloc_u64(cap) /*@ ghost (m, n.keys) */;
    if (!n.keys || !n.vals) {
        cb_free(n.keys);
        cb_free(n.vals);
        return CBOLT_ERR_NOMEM;
    }
    n.cap = cap;
    /*@ ghost
        size_t g;
        /@ loop invariant 0 <= g <= cap;
           loop invariant CountLive(n.keys, g) == 0;
           loop invariant CountUsed(n.keys, g) == 0;
           loop assigns g;
           loop variant cap - g;
        @/
        for (g = 0; g < cap; g++) ;
    */
    /*@ loop invariant 0 <= i <= m->cap;
        loop invariant n.used == n.live && n.live <= i;
        loop invariant n.live == CountLive{Pre}(m->keys, i);
        loop invariant n.live == CountLive(n.keys, cap);
        loop invariant n.used == CountUsed(n.keys, cap);
        loop invariant \forall integer j; 0 <= j < cap ==>
                           n.keys[j] == U64MAP_EMPTY || n.keys[j] >= 2;
        loop assigns i, g, n.used, n.live, n.keys[0 .. cap - 1],
                     n.vals[0 .. cap - 1];
        loop variant m->cap - i;
    */
    for (i = 0; i < m->cap; i++) {
        if (m->keys[i] >= 2) {
            size_t s = slot(m->keys[i], cap);
            /*@ loop invariant probe: s < cap;
                loop assigns s;
            */
            while (n.keys[s] != U64MAP_EMPTY)
                s = next(s, cap);
            /*@ ghost before: ; */
            n.keys[s] = m->keys[i];
            n.vals[s] = m->vals[i];
            n.used++;
            n.live++;
            /*@ ghost
                /@ loop invariant 0 <= g <= cap;
                   loop invariant CountLive(n.keys, g) ==
                       CountLive{before}(n.keys, g) + (g > s ? 1 : 0);
                   loop invariant CountUsed(n.keys, g) ==
                       CountUsed{before}(n.keys, g) + (g > s ? 1 : 0);
                   loop assigns g;
                   loop variant cap - g;
                @/
                for (g = 0; g < cap; g++) ;
            */
        }
    }
    /*@ ghost after: ; */
    u64map_free(m);
    *m = n;
    /*@ ghost
        /@ loop invariant 0 <= g <= cap;
           loop invariant CountLive(n.keys, g) == CountLive{after}(n.keys, g);
           loop invariant CountUsed(n.keys, g) == CountUsed{after}(n.keys, g);
           loop assigns g;
           loop variant cap - g;
        @/
        for (g = 0; g < cap; g++) ;
    */
    return CBOLT_OK;
}

int u64map_put(u64map *m, uint64_t key, uint64_t val)
{
    size_t s, tomb = SIZE_MAX;
    //@ ghost size_t h;
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = 16;
        //@ ghost int k = 4;
        /*@ ghost
            /@ loop invariant 0 <= h <= m->cap;
               loop invariant CountLive(m->keys, h) <= CountUsed(m->keys, h);
               loop assigns h;
               loop variant m->cap - h;
            @/
            for (h = 0; h < m->cap; h++) ;
        */
        //@ assert live: m->live <= m->used;
        //@ assert sixteen: Pow2i(4) == 16;
        /*@ loop invariant k: 4 <= k <= 63 && cap == Pow2i(k);
            loop invariant bound: cap <= 16 || cap < (m->live + 1) * 8;
            loop assigns cap, k;
        */
        while ((m->live + 1) * 4 > cap) { /* at most a quarter full after */
            cap *= 2;
            //@ ghost k++;
        }
        //@ assert pow2: Pow2(cap);
        if (rehash(m, cap) != CBOLT_OK)
            return CBOLT_ERR_NOMEM;
    }
    s = slot(key, m->cap);
    /*@ loop invariant s < m->cap;
        loop invariant tomb == SIZE_MAX ||
            (tomb < m->cap && m->keys[tomb] == U64MAP_DELETED);
        loop assigns s, tomb;
    */
    while (m->keys[s] != U64MAP_EMPTY) {
        if (m->keys[s] == key) {
            /*@ ghost same: ; */
            m->vals[s] = val;
            /*@ ghost
                size_t g;
                /@ loop invariant 0 <= g <= m->cap;
                   loop invariant CountLive(m->keys, g) ==
                       CountLive{same}(m->keys, g);
                   loop invariant CountUsed(m->keys, g) ==
                       CountUsed{same}(m->keys, g);
                   loop assigns g;
                   loop variant m->cap - g;
                @/
                for (g = 0; g < m->cap; g++) ;
            */
            //@ assert stored: m->keys[s] == key && m->vals[s] == val;
            return CBOLT_OK;
        }
        if (m->keys[s] == U64MAP_DELETED && tomb == SIZE_MAX)
            tomb = s;
        s = next(s, m->cap);
    }
    /*@ ghost
        /@ loop invariant 0 <= h <= m->cap;
           loop invariant CountLive(m->keys, h) <= CountUsed(m->keys, h);
           loop invariant tomb < h ==>
               CountLive(m->keys, h) < CountUsed(m->keys, h);
           loop assigns h;
           loop variant m->cap - h;
        @/
        for (h = 0; h < m->cap; h++) ;
    */
    /*@ ghost before: ; */
    if (tomb != SIZE_MAX) {
        s = tomb;
    } else {
        m->used++;
    }
    m->keys[s] = key;
    m->vals[s] = val;
    m->live++;
    /*@ ghost
        /@ loop invariant 0 <= h <= m->cap;
           loop invariant CountLive(m->keys, h) ==
               CountLive{before}(m->keys, h) + (h > s ? 1 : 0);
           loop invariant CountUsed(m->keys, h) ==
               CountUsed{before}(m->keys, h) +
               (h > s && tomb == SIZE_MAX ? 1 : 0);
           loop assigns h;
           loop variant m->cap - h;
        @/
        for (h = 0; h < m->cap; h++) ;
    */
    //@ assert stored: m->keys[s] == key && m->vals[s] == val;
    return CBOLT_OK;
}

int u64map_get(const u64map *m, uint64_t key, uint64_t *val)
{
    size_t s;
    if (!m->cap)
        return 0;
    s = slot(key, m->cap);
    /*@ loop invariant s < m->cap;
        loop assigns s;
    */
    while (m->keys[s] != U64MAP_EMPTY) {
        if (m->keys[s] == key) {
            if (val)
                *val = m->vals[s];
            return 1;
        }
        s = next(s, m->cap);
    }
    return 0;
}

int u64map_del(u64map *m, uint64_t key)
{
    size_t s;
    if (!m->cap)
        return 0;
    s = slot(key, m->cap);
    /*@ loop invariant s < m->cap;
        loop assigns s;
    */
    while (m->keys[s] != U64MAP_EMPTY) {
        if (m->keys[s] == key) {
            /*@ ghost
                size_t g;
                /@ loop invariant 0 <= g <= m->cap;
                   loop invariant CountLive(m->keys, g) >= (g > s ? 1 : 0);
                   loop assigns g;
                   loop variant m->cap - g;
                @/
                for (g = 0; g < m->cap; g++) ;
            */
            m->keys[s] = U64MAP_DELETED;
            m->live--;
            /*@ ghost
                /@ loop invariant 0 <= g <= m->cap;
                   loop invariant CountLive(m->keys, g) ==
                       CountLive{Pre}(m->keys, g) - (g > s ? 1 : 0);
                   loop invariant CountUsed(m->keys, g) ==
                       CountUsed{Pre}(m->keys, g);
                   loop assigns g;
                   loop variant m->cap - g;
                @/
                for (g = 0; g < m->cap; g++) ;
            */
            return 1;
        }
        s = next(s, m->cap);
    }
    return 0;
}
