/*
 * build_page.h - writes branch and leaf pages by hand for unit tests,
 * laid out as bbolt's node.write lays them out: elements, then each key
 * followed by its value.
 */
#ifndef CBOLT_BUILD_PAGE_H
#define CBOLT_BUILD_PAGE_H

#include <string.h>

#include "format.h"

typedef struct tkv {
    const char *k;
    const char *v;      /* NULL for a branch element */
    uint32_t flags;     /* leaf element flags */
    uint64_t child;     /* branch element child */
} tkv;

/* Writes page id with flags and the n items into buf (zeroed first);
 * returns the bytes used. */
static size_t build_page(uint8_t *buf, size_t len, uint64_t id,
                         uint16_t flags, const tkv *items, int n)
{
    size_t data = PAGE_HDR_SIZE + (size_t)ELEM_SIZE * (size_t)n;
    int i;
    memset(buf, 0, len);
    st64(buf + PAGE_OFF_ID, id);
    st16(buf + PAGE_OFF_FLAGS, flags);
    st16(buf + PAGE_OFF_COUNT, (uint16_t)n);
    for (i = 0; i < n; i++) {
        uint8_t *e = buf + PAGE_HDR_SIZE + (size_t)ELEM_SIZE * (size_t)i;
        size_t kl = strlen(items[i].k);
        size_t vl = items[i].v ? strlen(items[i].v) : 0;
        uint32_t pos = (uint32_t)(data - (size_t)(e - buf));
        if (flags & PAGE_LEAF) {
            st32(e + LEAF_OFF_FLAGS, items[i].flags);
            st32(e + LEAF_OFF_POS, pos);
            st32(e + LEAF_OFF_KSIZE, (uint32_t)kl);
            st32(e + LEAF_OFF_VSIZE, (uint32_t)vl);
        } else {
            st32(e + BRANCH_OFF_POS, pos);
            st32(e + BRANCH_OFF_KSIZE, (uint32_t)kl);
            st64(e + BRANCH_OFF_PGID, items[i].child);
        }
        memcpy(buf + data, items[i].k, kl);
        data += kl;
        if (vl)
            memcpy(buf + data, items[i].v, vl);
        data += vl;
    }
    return data;
}

#endif
