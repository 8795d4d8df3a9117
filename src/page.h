/*
 * page.h - decoding and validating B+tree pages (branch and leaf) from
 * untrusted bytes.
 *
 * Owns: the page_view of a page run in memory, page_validate() which
 * decides whether bytes form a well-formed branch or leaf page, and the
 * accessors the engine uses on a validated page.
 * Invariants: accessors are called only on a page_view that
 * page_validate() accepted; on such a view every element, key and value
 * lies inside [data, data + len), so no accessor can read out of bounds.
 * Nothing here allocates, does I/O or keeps state.
 */
#ifndef CBOLT_PAGE_H
#define CBOLT_PAGE_H

#include "format.h"

/* A page run as the engine sees it: the header at data[0], len bytes in
 * all ((overflow + 1) * page size for a file page, the rest of the value
 * for an inline page). */
typedef struct page_view {
    const uint8_t *data;
    size_t len;
    uint64_t id;     /* position in the file; 0 for an inline page */
    uint16_t flags;
    uint16_t count;
} page_view;

/* What page_validate() must find. */
#define PV_BRANCH 0x1u       /* a branch page is acceptable */
#define PV_LEAF 0x2u         /* a leaf page is acceptable */
#define PV_NO_BUCKETS 0x4u   /* leaf must hold no sub-bucket (inline page) */

/* Checks that data[0..len) is a well-formed page of a type in `want`:
 * exactly one type flag; count elements fit; a branch is not empty; every
 * key and value inside the buffer; keys non-empty and
 * strictly increasing, the key of a value at most 32768 bytes; leaf flags
 * 0 or 1; bucket values at least 16 bytes.
 * Returns RULE_OK and fills *pv, or the first rule broken with *bad set
 * to the element index concerned (0 when none). */
int page_validate(const uint8_t *data, size_t len, unsigned want,
                  page_view *pv, uint32_t *bad);

/* Accessors for a validated page. */
static inline const uint8_t *page_elem(const page_view *p, uint32_t i)
{
    return p->data + PAGE_HDR_SIZE + (size_t)ELEM_SIZE * i;
}

static inline int page_is_leaf(const page_view *p)
{
    return (p->flags & PAGE_LEAF) != 0;
}

void page_key(const page_view *p, uint32_t i, const uint8_t **k,
              uint32_t *klen);
/* Leaf only: the value and element flags of element i. */
void page_leaf_value(const page_view *p, uint32_t i, const uint8_t **v,
                     uint32_t *vlen, uint32_t *flags);
/* Branch only: the child page id of element i. */
uint64_t page_branch_child(const page_view *p, uint32_t i);

/* Byte-wise comparison of two keys, shorter first on a common prefix. */
int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The index of the first key >= key (count when none); *exact is set when
 * that key equals key. */
uint32_t page_lower_bound(const page_view *p, const uint8_t *key,
                          size_t klen, int *exact);

/* The bytes a page's contents use, as bbolt's stats count them. */
uint64_t page_inuse(const page_view *p);

#endif
