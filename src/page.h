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

#ifdef __FRAMAC__
#include "../spec/page.acsl"
#endif

/* Checks that data[0..len) is a well-formed page of a type in `want`:
 * exactly one type flag; count elements fit; a branch is not empty; every
 * key and value inside the buffer; keys non-empty and
 * strictly increasing, the key of a value at most 32768 bytes; leaf flags
 * 0 or 1; bucket values at least 16 bytes.
 * Returns RULE_OK and fills *pv, or the first rule broken with *bad set
 * to the element index concerned (0 when none). */
/*@ requires valid_data: \valid_read(data + (0 .. len - 1));
    requires valid_out: \valid(pv) && \valid(bad);
    requires separated: \separated(pv, bad, data + (0 .. len - 1));
    assigns *pv, *bad;
    ensures ok_iff: \result == RULE_OK <==> PageWellFormed(data, len, want);
    ensures view: \result == RULE_OK ==>
      pv->data == data && pv->len == len && pv->id == LD64(data + PAGE_OFF_ID) &&
      PageViewWellFormed(pv, want);
    ensures bad_ok: \result == RULE_OK ==> *bad == 0; */
int page_validate(const uint8_t *data, size_t len, unsigned want,
                  page_view *pv, uint32_t *bad);

/* Locates page pgid in a mapping of hwm pages of page_size bytes at base
 * (hwm is the meta's pgid): checks page-id-range (2 <= pgid < hwm),
 * page-id-mismatch (the header names pgid) and page-file-range (the
 * overflow run ends before hwm), in that order. On RULE_OK, *len is the
 * run's length, (overflow + 1) * page_size, and the run lies inside the
 * mapping. The caller validates the run with page_validate(). */
/*@ requires ps: PAGE_HDR_SIZE <= page_size;
    requires fits: hwm * page_size <= SIZE_MAX;
    requires valid_map: \valid_read(base + (0 .. hwm * page_size - 1));
    requires valid_out: \valid(len);
    requires separated: \separated(len, base + (0 .. hwm * page_size - 1));
    assigns *len;
    ensures ok_iff: \result == RULE_OK <==>
      PageRunInFile(base, page_size, hwm, pgid);
    ensures len: \result == RULE_OK ==>
      *len == PageRunLen(base, page_size, pgid) &&
      pgid * page_size + *len <= hwm * page_size;
    behavior id_range:
      assumes !(2 <= pgid < hwm);
      ensures \result == RULE_PAGE_ID_RANGE;
    behavior id_mismatch:
      assumes 2 <= pgid < hwm;
      assumes LD64(PageAt(base, page_size, pgid) + PAGE_OFF_ID) != pgid;
      ensures \result == RULE_PAGE_ID_MISMATCH;
    behavior file_range:
      assumes 2 <= pgid < hwm;
      assumes LD64(PageAt(base, page_size, pgid) + PAGE_OFF_ID) == pgid;
      assumes PageOverflow(PageAt(base, page_size, pgid)) >= hwm - pgid;
      ensures \result == RULE_PAGE_FILE_RANGE;
    behavior ok:
      assumes PageRunInFile(base, page_size, hwm, pgid);
      ensures \result == RULE_OK;
    complete behaviors;
    disjoint behaviors; */
int page_locate(const uint8_t *base, uint64_t page_size, uint64_t hwm,
                uint64_t pgid, size_t *len);

/* page_locate(), then page_validate() on the run: RULE_OK exactly when
 * page pgid is well formed for this page size and high-water mark
 * (PageWellFormedAt). *pv is the page's view and *bad as for
 * page_validate(); *bad is 0 for the three rules of page_locate(). */
/*@ requires ps: PAGE_HDR_SIZE <= page_size;
    requires fits: hwm * page_size <= SIZE_MAX;
    requires valid_map: \valid_read(base + (0 .. hwm * page_size - 1));
    requires valid_out: \valid(pv) && \valid(bad);
    requires separated: \separated(pv, bad, base + (0 .. hwm * page_size - 1));
    assigns *pv, *bad;
    ensures ok_iff: \result == RULE_OK <==>
      PageWellFormedAt(base, page_size, hwm, pgid, want);
    ensures view: \result == RULE_OK ==>
      pv->data == PageAt(base, page_size, pgid) &&
      pv->len == PageRunLen(base, page_size, pgid) && pv->id == pgid &&
      PageViewWellFormed(pv, want);
    ensures bad_ok: \result == RULE_OK ==> *bad == 0; */
int page_read(const uint8_t *base, uint64_t page_size, uint64_t hwm,
              uint64_t pgid, unsigned want, page_view *pv, uint32_t *bad);

/* Accessors for a validated page. */
/*@ requires valid: \valid_read(p);
    assigns \result \from p->data, i;
    ensures elem: \result == p->data + ElemOff(i); */
static inline const uint8_t *page_elem(const page_view *p, uint32_t i)
{
    return p->data + PAGE_HDR_SIZE + (size_t)ELEM_SIZE * i;
}

/*@ requires valid: \valid_read(p);
    assigns \nothing;
    ensures leaf: \result != 0 <==> (p->flags & PAGE_LEAF) != 0; */
static inline int page_is_leaf(const page_view *p)
{
    return (p->flags & PAGE_LEAF) != 0;
}

/*@ requires view: PageViewInBounds(p);
    requires index: i < p->count;
    requires valid_out: \valid(k) && \valid(klen);
    requires separated: \separated(k, klen, p);
    assigns *k \from *p, i, p->data[0 .. p->len - 1];
    assigns *klen \from *p, i, p->data[0 .. p->len - 1];
    ensures key: *k == p->data + KeyOff(p->data, i);
    ensures key_size: *klen == KeySize(p->data, i);
    ensures inside: KeyOff(p->data, i) + *klen <= p->len;
    ensures readable: \valid_read(*k + (0 .. *klen - 1)); */
void page_key(const page_view *p, uint32_t i, const uint8_t **k,
              uint32_t *klen);
/* Leaf only: the value and element flags of element i. */
/*@ requires view: PageViewInBounds(p);
    requires leaf: IsLeaf(p->data);
    requires index: i < p->count;
    requires valid_out: \valid(v) && \valid(vlen) && \valid(flags);
    requires separated: \separated(v, vlen, flags, p);
    assigns *v \from *p, i, p->data[0 .. p->len - 1];
    assigns *vlen, *flags \from *p, i, p->data[0 .. p->len - 1];
    ensures value: *v == p->data + ValOff(p->data, i);
    ensures value_size: *vlen == ValSize(p->data, i);
    ensures flags: *flags == ElemFlags(p->data, i);
    ensures inside: ValOff(p->data, i) + *vlen <= p->len;
    ensures readable: \valid_read(*v + (0 .. *vlen - 1)); */
void page_leaf_value(const page_view *p, uint32_t i, const uint8_t **v,
                     uint32_t *vlen, uint32_t *flags);
/* Branch only: the child page id of element i. */
/*@ requires view: PageViewInBounds(p);
    requires index: i < p->count;
    assigns \nothing;
    ensures child: \result == LD64(p->data + (ElemOff(i) + BRANCH_OFF_PGID)); */
uint64_t page_branch_child(const page_view *p, uint32_t i);

/* Byte-wise comparison of two keys, shorter first on a common prefix. */
/*@ requires valid: \valid_read(a + (0 .. alen - 1)) &&
                    \valid_read(b + (0 .. blen - 1));
    assigns \nothing;
    ensures less: \result < 0 <==> KeyLess(a, alen, b, blen);
    ensures equal: \result == 0 <==> KeyEqual(a, alen, b, blen);
    ensures greater: \result > 0 <==> KeyLess(b, blen, a, alen); */
int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The index of the first key >= key (count when none); *exact is set when
 * that key equals key. */
/*@ requires view: PageViewInBounds(p);
    requires ordered: KeysOrdered(p->data, p->count);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(exact);
    requires separated: \separated(exact, p);
    assigns *exact;
    ensures index: \result <= p->count;
    ensures below: \forall integer j; 0 <= j < \result ==>
      KeyLess(p->data + KeyOff(p->data, j), KeySize(p->data, j), key, klen);
    ensures not_below: \forall integer j; \result <= j < p->count ==>
      !KeyLess(p->data + KeyOff(p->data, j), KeySize(p->data, j), key, klen);
    ensures exact: *exact == 1 <==>
      \result < p->count &&
      KeyEqual(p->data + KeyOff(p->data, \result), KeySize(p->data, \result),
               key, klen);
    ensures exact_bool: *exact == 0 || *exact == 1; */
uint32_t page_lower_bound(const page_view *p, const uint8_t *key,
                          size_t klen, int *exact);

/* The bytes a page's contents use, as bbolt's stats count them. */
/*@ requires view: PageViewInBounds(p);
    assigns \nothing;
    ensures inside: \result <= p->len;
    ensures empty: p->count == 0 ==> \result == PAGE_HDR_SIZE;
    ensures used: p->count > 0 ==>
      \result == ValOff(p->data, p->count - 1) + ValSize(p->data, p->count - 1); */
uint64_t page_inuse(const page_view *p);

#endif
