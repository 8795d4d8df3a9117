/*
 * proofs/roundtrip.c - the page round trips as WP goal sets.
 *
 * Freelist: freelist_encode() writes n ids, freelist_header() reads the
 * count back (n, including the 0xFFFF count overflow), freelist_decode()
 * reads the ids back (out[i] == ids[i]), and accepts them exactly when
 * they are sorted, unique and in [2, hwm).
 *
 * Meta: meta_encode() writes a meta, meta_validate() accepts it exactly
 * when its magic and version are bbolt's and its checksum is not 0 (and
 * names the rule broken otherwise), and meta_decode() reads back every
 * field written, the checksum included.
 *
 * Proof-only harness: it is not part of the library. It is proved with
 * src/freelist.c and src/meta.c (whose contracts it calls) and compiled
 * into the unit tests tests/unit/test_freelist.c and test_meta.c, which
 * run it.
 */
#include "../src/freelist.h"
#include "../src/meta.h"

/* Encodes ids[0 .. n) into page (len bytes), then reads them back into
 * out. -1 when they do not fit len (nothing written); otherwise *count is
 * the count freelist_header() read and the result is freelist_decode()'s
 * rule (RULE_OK, RULE_FREELIST_RANGE or RULE_FREELIST_ORDER), or
 * RULE_FREELIST_COUNT if freelist_header() refused the page (never: the
 * assertion header_ok and the clause "result" prove it). */
/*@ requires valid_ids: \valid_read(ids + (0 .. n - 1));
    requires valid_page: \valid(page + (0 .. len - 1));
    requires valid_out: \valid(out + (0 .. n - 1)) && \valid(count);
    requires separated: \separated(ids + (0 .. n - 1), page + (0 .. len - 1),
                                   out + (0 .. n - 1), count);
    assigns page[PageOffCount .. len - 1], out[0 .. n - 1], *count;
    ensures fits: \result == -1 <==> !(FreelistIdsOffN(n) + 8 * n <= len);
    ensures result: \result == -1 || \result == RULE_OK ||
                    \result == RULE_FREELIST_RANGE ||
                    \result == RULE_FREELIST_ORDER;
    ensures count: \result != -1 ==> *count == n;
    ensures decoded: \result != -1 && \result != RULE_FREELIST_RANGE ==>
      \forall integer i; 0 <= i < n ==> out[i] == ids[i];
    ensures ok: \result != -1 ==>
      (\result == RULE_OK <==>
       SortedUnique(ids, n) && FreelistIdsInRange(ids, n, hwm));
    ensures ok_decoded: \result == RULE_OK ==>
      \forall integer i; 0 <= i < n ==> out[i] == ids[i]; */
int freelist_roundtrip(const uint64_t *ids, uint64_t n, uint64_t hwm,
                       uint8_t *page, size_t len, uint64_t *out,
                       uint64_t *count);

/* A lemma as a function: an array equal to a sorted, unique one is sorted
 * and unique. It does nothing; its contract is proved on its own, so that
 * the round trip's goal only has to meet its precondition. */
/*@ requires sorted: SortedUnique(a, n);
    requires same: \forall integer i; 0 <= i < n ==> a[i] == b[i];
    assigns \nothing;
    ensures sorted: SortedUnique(b, n); */
static void sorted_same(const uint64_t *a, const uint64_t *b, uint64_t n)
{
    (void)a;
    (void)b;
    (void)n;
}

int freelist_roundtrip(const uint64_t *ids, uint64_t n, uint64_t hwm,
                       uint8_t *page, size_t len, uint64_t *out,
                       uint64_t *count)
{
    uint64_t bad;
    size_t off;
    int rc;
    if (freelist_encode(ids, n, page, len) != 0)
        return -1;
    rc = freelist_header(page, len, count, &off);
    //@ assert header_ok: rc == RULE_OK;
    if (rc != RULE_OK)
        return rc;
    //@ assert count: *count == n;
    //@ assert offset: off == FreelistIdsOff(page);
    /*@ assert stored: \forall integer i; 0 <= i < n ==>
            LD64(page + (off + 8 * i)) == ids[i]; */
    rc = freelist_decode(page, off, *count, hwm, out, &bad);
    /*@ assert same: rc != RULE_FREELIST_RANGE ==>
            \forall integer i; 0 <= i < n ==> out[i] == ids[i]; */
    /*@ assert range_bad: rc == RULE_FREELIST_RANGE ==>
            bad < n && out[bad] == ids[bad] && !(2 <= ids[bad] < hwm); */
    //@ assert range: rc == RULE_FREELIST_RANGE ==> !FreelistIdsInRange(ids, n, hwm);
    /*@ assert order_bad: rc == RULE_FREELIST_ORDER ==>
            0 < bad < n && ids[bad - 1] >= ids[bad]; */
    //@ assert order: rc == RULE_FREELIST_ORDER ==> !SortedUnique(ids, n);
    if (rc == RULE_OK)
        sorted_same(out, ids, n);
    /*@ assert ok_range: rc == RULE_OK ==> \forall integer i;
            0 <= i < n ==> 2 <= ids[i] < hwm; */
    //@ assert ok_unique: rc == RULE_OK ==> SortedUnique(ids, n);
    //@ assert ok_in_range: rc == RULE_OK ==> FreelistIdsInRange(ids, n, hwm);
    return rc;
}

/* Encodes m as meta page pgid, validates the page and decodes it into
 * out. The result is meta_validate()'s rule. m is a copy: the checksum
 * meta_encode() sets in it is the one decoded into out. */
/*@ requires valid_page: \valid(page + (0 .. MetaEnd - 1));
    requires valid_out: \valid(out);
    requires separated: \separated(page + (0 .. MetaEnd - 1), out);
    assigns page[0 .. MetaEnd - 1], *out;
    ensures header: MetaPageHeader(page, pgid);
    ensures magic: out->magic == m.magic;
    ensures version: out->version == m.version;
    ensures page_size: out->page_size == m.page_size;
    ensures flags: out->flags == m.flags;
    ensures root: out->root == m.root;
    ensures sequence: out->sequence == m.sequence;
    ensures freelist: out->freelist == m.freelist;
    ensures pgid: out->pgid == m.pgid;
    ensures txid: out->txid == m.txid;
    ensures checksum: out->checksum == Fnv1a64(page + MetaOff, MetaSumLen);
    behavior bad_magic:
      assumes m.magic != MetaMagic;
      ensures \result == RULE_META_MAGIC;
    behavior bad_version:
      assumes m.magic == MetaMagic && m.version != MetaVersion;
      ensures \result == RULE_META_VERSION;
    behavior good:
      assumes m.magic == MetaMagic && m.version == MetaVersion;
      ensures checksum_rule: \result == RULE_OK || \result == RULE_META_CHECKSUM;
      ensures ok: \result == RULE_OK <==> out->checksum != 0;
    complete behaviors;
    disjoint behaviors; */
int meta_roundtrip(meta m, uint8_t *page, uint64_t pgid, meta *out);

int meta_roundtrip(meta m, uint8_t *page, uint64_t pgid, meta *out)
{
    int rc;
    meta_encode(&m, page, pgid);
    rc = meta_validate(page);
    meta_decode(page, out);
    return rc;
}
