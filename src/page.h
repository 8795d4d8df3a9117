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

/* An element of a page decoded into memory (bbolt's inode): a key with a
 * value and element flags (leaf) or a child page id (branch). Key and
 * value point into a transaction's mapping or into memory it owns. */
typedef struct inode {
    uint32_t flags;
    uint32_t klen;
    uint32_t vlen;
    uint64_t pgid;           /* branch: child page */
    const uint8_t *key;
    const uint8_t *value;    /* leaf */
} inode;

/* The keys a search runs over: those of a validated page (page set, in
 * NULL, n == page->count) or those of n in-memory elements (in set, page
 * NULL). The one lower-bound search, keys_lower_bound(), serves both. */
typedef struct keyseq {
    const page_view *page;
    const inode *in;
    uint32_t n;
} keyseq;

/* A page header decoded (spec/format.md, "Page header"). */
typedef struct page_hdr {
    uint64_t id;
    uint16_t flags;
    uint16_t count;
    uint32_t overflow;
} page_hdr;

/* What page_validate() must find. */
#define PV_BRANCH 0x1u       /* a branch page is acceptable */
#define PV_LEAF 0x2u         /* a leaf page is acceptable */
#define PV_NO_BUCKETS 0x4u   /* leaf must hold no sub-bucket (inline page) */

#ifdef __FRAMAC__
#include "../spec/page.acsl"
#include "../spec/key.acsl"
#endif

/* Decodes the 16-byte header at p (any bytes: nothing is validated). */
/*@ requires valid: \valid_read(p + (0 .. PageHdrSize - 1));
    requires valid_out: \valid(h);
    requires separated: \separated(h, p + (0 .. PageHdrSize - 1));
    assigns *h;
    ensures id: h->id == LD64(p + PageOffId);
    ensures flags: h->flags == LD16(p + PageOffFlags);
    ensures count: h->count == LD16(p + PageOffCount);
    ensures overflow: h->overflow == LD32(p + PageOffOverflow); */
static inline void page_header(const uint8_t *p, page_hdr *h)
{
    h->id = ld64(p + PAGE_OFF_ID);
    h->flags = ld16(p + PAGE_OFF_FLAGS);
    h->count = ld16(p + PAGE_OFF_COUNT);
    h->overflow = ld32(p + PAGE_OFF_OVERFLOW);
}

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
      pv->data == data && pv->len == len && pv->id == LD64(data + PageOffId) &&
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
/*@ requires ps: PageHdrSize <= page_size;
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
      assumes LD64(PageAt(base, page_size, pgid) + PageOffId) != pgid;
      ensures \result == RULE_PAGE_ID_MISMATCH;
    behavior file_range:
      assumes 2 <= pgid < hwm;
      assumes LD64(PageAt(base, page_size, pgid) + PageOffId) == pgid;
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
/*@ requires ps: PageHdrSize <= page_size;
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
    ensures leaf: \result != 0 <==> (p->flags & PageLeaf) != 0; */
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
/* Leaf only: key, value and element flags of element i, decoded once
 * (page_key() and page_leaf_value() in one). */
/*@ requires view: PageViewInBounds(p);
    requires leaf: IsLeaf(p->data);
    requires index: i < p->count;
    requires valid_out: \valid(k) && \valid(klen) && \valid(v) &&
                        \valid(vlen) && \valid(flags);
    requires separated: \separated(k, klen, v, vlen, flags, p);
    assigns *k, *klen, *v, *vlen, *flags;
    ensures key: *k == p->data + KeyOff(p->data, i);
    ensures key_size: *klen == KeySize(p->data, i);
    ensures value: *v == p->data + ValOff(p->data, i);
    ensures value_size: *vlen == ValSize(p->data, i);
    ensures flags: *flags == ElemFlags(p->data, i);
    ensures readable: \valid_read(*k + (0 .. *klen - 1)) &&
                      \valid_read(*v + (0 .. *vlen - 1)); */
void page_leaf_item(const page_view *p, uint32_t i, const uint8_t **k,
                    uint32_t *klen, const uint8_t **v, uint32_t *vlen,
                    uint32_t *flags);

/* Branch only: the child page id of element i. */
/*@ requires view: PageViewInBounds(p);
    requires index: i < p->count;
    assigns \nothing;
    ensures child: \result == LD64(p->data + (ElemOff(i) + BranchOffPgid)); */
uint64_t page_branch_child(const page_view *p, uint32_t i);

/* Byte-wise comparison of two keys, shorter first on a common prefix. */
/*@ requires valid: \valid_read(a + (0 .. alen - 1)) &&
                    \valid_read(b + (0 .. blen - 1));
    assigns \nothing;
    ensures less: \result < 0 <==> KeyLess(a, alen, b, blen);
    ensures equal: \result == 0 <==> KeyEqual(a, alen, b, blen);
    ensures greater: \result > 0 <==> KeyLess(b, blen, a, alen); */
int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The lower bound of key among the keys of s: the index of the first key
 * >= key (s->n when none); *exact is set when that key equals key. The
 * engine's one search: pages and nodes alike. The keys after the result
 * are above key, and so is the key at the result unless *exact (stated
 * apart from not_below: KeyLess is total, but no prover derives that). */
/*@ requires seq: KeySeqOk(s);
    requires ordered: KeySeqOrdered(s);
    requires valid_key: \valid_read(key + (0 .. klen - 1));
    requires valid_out: \valid(exact);
    requires separated: \separated(exact, s);
    assigns *exact;
    ensures index: \result <= s->n;
    ensures below: \forall integer j; 0 <= j < \result ==>
      KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen);
    ensures not_below: \forall integer j; \result <= j < s->n ==>
      !KeyLess(SeqKey(s, j), SeqKlen(s, j), key, klen);
    ensures above: \forall integer j; \result < j < s->n ==>
      KeyLess(key, klen, SeqKey(s, j), SeqKlen(s, j));
    ensures at: \result < s->n && *exact == 0 ==>
      KeyLess(key, klen, SeqKey(s, \result), SeqKlen(s, \result));
    ensures exact: *exact == 1 <==>
      \result < s->n && KeyEqual(SeqKey(s, \result), SeqKlen(s, \result), key, klen);
    ensures exact_bool: *exact == 0 || *exact == 1; */
uint32_t keys_lower_bound(const keyseq *s, const uint8_t *key, size_t klen,
                          int *exact);

/* keys_lower_bound() over the keys of a validated page. */
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

/* Decodes a bucket value (the value of a leaf element flagged as a
 * bucket, spec/format.md "Bucket value"): the root page id and sequence,
 * and when the root is 0 the inline leaf page that follows the header.
 * Rules: bucket-value (at least 16 bytes); inline-page (the inline page is
 * a well-formed leaf holding no sub-bucket, with page id 0). Returns
 * RULE_OK (with *inl filled when *root == 0), RULE_BUCKET_VALUE, or
 * RULE_INLINE_PAGE with *inner the rule the inline page broke and *bad
 * the element concerned. */
/*@ requires valid: \valid_read(v + (0 .. vlen - 1));
    requires valid_out: \valid(root) && \valid(seq) && \valid(inl) &&
                        \valid(inner) && \valid(bad);
    requires separated: \separated(root, seq, inl, inner, bad,
                                     v + (0 .. vlen - 1));
    assigns *root, *seq, *inl, *inner, *bad;
    ensures result: \result == RULE_OK || \result == RULE_BUCKET_VALUE ||
                    \result == RULE_INLINE_PAGE;
    ensures short: \result == RULE_BUCKET_VALUE <==> vlen < BucketHdrSize;
    ensures header: \result != RULE_BUCKET_VALUE ==>
      *root == LD64(v) && *seq == LD64(v + 8);
    ensures file_root: \result != RULE_BUCKET_VALUE && *root != 0 ==>
      \result == RULE_OK;
    ensures inline_ok: \result == RULE_OK && *root == 0 ==>
      inl->data == v + BucketHdrSize && inl->len == vlen - BucketHdrSize &&
      inl->id == 0 && PageViewWellFormed(inl, PV_LEAF | PV_NO_BUCKETS);
    ensures inline_bad: \result == RULE_INLINE_PAGE <==>
      vlen >= BucketHdrSize && *root == 0 &&
      !(PageWellFormed(v + BucketHdrSize, vlen - BucketHdrSize,
                       PV_LEAF | PV_NO_BUCKETS) &&
        LD64(v + BucketHdrSize + PageOffId) == 0); */
int page_bucket_value(const uint8_t *v, size_t vlen, uint64_t *root,
                      uint64_t *seq, page_view *inl, int *inner,
                      uint32_t *bad);

/* Writes the 16-byte header of a bucket value (page_bucket_value()'s
 * root and sequence) at v. */
/*@ requires valid: \valid(v + (0 .. BucketHdrSize - 1));
    assigns v[0 .. BucketHdrSize - 1];
    ensures root: LD64(v) == root;
    ensures seq: LD64(v + 8) == seq; */
void page_encode_bucket(uint8_t *v, uint64_t root, uint64_t seq);
/* Writes the header fields id, flags and overflow of the page at p
 * (count is page_encode()'s): bytes [0, 10) and [12, 16), the count's
 * two bytes left as they are. */
/*@ requires valid: \valid(p + (0 .. PageHdrSize - 1));
    assigns p[PageOffId .. PageOffFlags + 1],
            p[PageOffOverflow .. PageOffOverflow + 3];
    ensures count_kept: p[PageOffCount] == \old(p[PageOffCount]) &&
      p[PageOffCount + 1] == \old(p[PageOffCount + 1]);
    ensures id: LD64(p + PageOffId) == id;
    ensures flags: LD16(p + PageOffFlags) == flags;
    ensures overflow: LD32(p + PageOffOverflow) == overflow; */
void page_set_header(uint8_t *p, uint64_t id, uint16_t flags,
                     uint32_t overflow);
/* Writes n elements as a leaf (is_leaf) or branch page at buf: flags,
 * count, element headers, then keys (and values) packed after them, as
 * bbolt's node.write. buf holds at least inodes_size() bytes (split.h);
 * id and overflow are left as they are. NOT proved (proofs/README.md):
 * its memcpy() of uint8_t bytes is outside what WP's Typed model reads
 * back (Frama-C's libc states memcpy on char). The pages it writes are
 * the ones page_validate() accepts on every read. */
void page_encode(uint8_t *buf, const inode *in, uint32_t n, int is_leaf);

/* The bytes a page's contents use, as bbolt's stats count them. */
/*@ requires view: PageViewInBounds(p);
    assigns \nothing;
    ensures inside: \result <= p->len;
    ensures empty: p->count == 0 ==> \result == PageHdrSize;
    ensures used: p->count > 0 ==>
      \result == ValOff(p->data, p->count - 1) + ValSize(p->data, p->count - 1); */
uint64_t page_inuse(const page_view *p);

#endif
