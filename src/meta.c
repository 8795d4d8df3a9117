/*
 * meta.c - meta page checksum, validation, field checks and selection.
 *
 * Owns: the rules meta-magic, meta-version, meta-checksum, meta-page-size,
 * meta-pgid, meta-root and meta-freelist (spec/format.md).
 * Invariants: see meta.h. Every function is pure and total on any input.
 */
#include "meta.h"

#define FNV64_BASIS 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = FNV64_BASIS;
    size_t i;
    /*@ loop invariant range: 0 <= i <= n;
        loop invariant hash: h == Fnv1a64(p, i);
        loop assigns i, h;
        loop variant n - i; */
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV64_PRIME;
    }
    return h;
}

void meta_decode(const uint8_t *page, meta *m)
{
    m->magic = ld32(page + META_OFF_MAGIC);
    m->version = ld32(page + META_OFF_VERSION);
    m->page_size = ld32(page + META_OFF_PAGE_SIZE);
    m->flags = ld32(page + META_OFF_FLAGS);
    m->root = ld64(page + META_OFF_ROOT);
    m->sequence = ld64(page + META_OFF_SEQUENCE);
    m->freelist = ld64(page + META_OFF_FREELIST);
    m->pgid = ld64(page + META_OFF_PGID);
    m->txid = ld64(page + META_OFF_TXID);
    m->checksum = ld64(page + META_OFF_CHECKSUM);
}

/* Sets m->checksum to the FNV-1a 64 of the meta bytes [16, 72) and
 * stores it at 72. */
/*@ requires valid_page: \valid(page + (0 .. MetaEnd - 1));
    requires valid_meta: \valid(m);
    requires separated: \separated(page + (0 .. MetaEnd - 1), m);
    assigns page[MetaOffChecksum .. MetaEnd - 1], m->checksum;
    ensures sealed: MetaSealed(page, m); */
static void meta_seal(meta *m, uint8_t *page)
{
    m->checksum = fnv1a64(page + META_OFF, META_SUM_LEN);
    st64(page + META_OFF_CHECKSUM, m->checksum);
    /* The checksum is stored after the bytes it sums, so their sum is the
     * same after the store (ghost: one unfolding of Fnv1a64 per byte). */
    //@ ghost size_t k = 0;
    /*@ ghost
      /@ loop invariant range: 0 <= k <= META_SUM_LEN;
         loop invariant same: Fnv1a64(page + META_OFF, k) ==
                              Fnv1a64{Pre}(page + META_OFF, k);
         loop assigns k;
         loop variant META_SUM_LEN - k; @/
      while (k < META_SUM_LEN)
          k++;
    */
}

/* The page header of meta page pgid: type meta, no elements, no overflow. */
/*@ requires valid: \valid(page + (0 .. PageHdrSize - 1));
    assigns page[0 .. PageHdrSize - 1];
    ensures header: MetaPageHeader(page, pgid); */
static void meta_header(uint8_t *page, uint64_t pgid)
{
    st64(page + PAGE_OFF_ID, pgid);
    st16(page + PAGE_OFF_FLAGS, PAGE_META);
    //@ assert id: LD64(page + PageOffId) == pgid;
    st16(page + PAGE_OFF_COUNT, 0);
    /*@ assert flags: LD64(page + PageOffId) == pgid &&
                      LD16(page + PageOffFlags) == PageMeta; */
    st32(page + PAGE_OFF_OVERFLOW, 0);
}

/* The fields of m at their offsets, checksum aside. Each assertion
 * carries the fields stored so far past the next store. */
/*@ requires valid_page: \valid(page + (0 .. MetaEnd - 1));
    requires valid_meta: \valid_read(m);
    requires separated: \separated(page + (0 .. MetaEnd - 1), m);
    assigns page[MetaOff .. MetaOffChecksum - 1];
    ensures fields: MetaStored(page, m); */
static void meta_fields(const meta *m, uint8_t *page)
{
    st32(page + META_OFF_MAGIC, m->magic);
    st32(page + META_OFF_VERSION, m->version);
    //@ assert s1: LD32(page + MetaOffMagic) == m->magic;
    st32(page + META_OFF_PAGE_SIZE, m->page_size);
    /*@ assert s2: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version; */
    st32(page + META_OFF_FLAGS, m->flags);
    /*@ assert s3: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size; */
    st64(page + META_OFF_ROOT, m->root);
    /*@ assert s4: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size &&
                   LD32(page + MetaOffFlags) == m->flags; */
    st64(page + META_OFF_SEQUENCE, m->sequence);
    /*@ assert s5: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size &&
                   LD32(page + MetaOffFlags) == m->flags &&
                   LD64(page + MetaOffRoot) == m->root; */
    st64(page + META_OFF_FREELIST, m->freelist);
    /*@ assert s6: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size &&
                   LD32(page + MetaOffFlags) == m->flags &&
                   LD64(page + MetaOffRoot) == m->root &&
                   LD64(page + MetaOffSequence) == m->sequence; */
    st64(page + META_OFF_PGID, m->pgid);
    /*@ assert s7: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size &&
                   LD32(page + MetaOffFlags) == m->flags &&
                   LD64(page + MetaOffRoot) == m->root &&
                   LD64(page + MetaOffSequence) == m->sequence &&
                   LD64(page + MetaOffFreelist) == m->freelist; */
    st64(page + META_OFF_TXID, m->txid);
    /*@ assert s8: LD32(page + MetaOffMagic) == m->magic &&
                   LD32(page + MetaOffVersion) == m->version &&
                   LD32(page + MetaOffPageSize) == m->page_size &&
                   LD32(page + MetaOffFlags) == m->flags &&
                   LD64(page + MetaOffRoot) == m->root &&
                   LD64(page + MetaOffSequence) == m->sequence &&
                   LD64(page + MetaOffFreelist) == m->freelist &&
                   LD64(page + MetaOffPgid) == m->pgid; */
}

void meta_encode(meta *m, uint8_t *page, uint64_t pgid)
{
    meta_header(page, pgid);
    meta_fields(m, page);
    //@ assert header: MetaPageHeader(page, pgid);
    meta_seal(m, page);
}

int meta_validate(const uint8_t *page)
{
    uint64_t sum;
    if (ld32(page + META_OFF_MAGIC) != META_MAGIC)
        return RULE_META_MAGIC;
    if (ld32(page + META_OFF_VERSION) != META_VERSION)
        return RULE_META_VERSION;
    sum = ld64(page + META_OFF_CHECKSUM);
    if (sum == 0 || sum != fnv1a64(page + META_OFF, META_SUM_LEN))
        return RULE_META_CHECKSUM;
    return RULE_OK;
}

int page_size_ok(uint64_t ps)
{
    return ps >= CBOLT_MIN_PAGE_SIZE && ps <= CBOLT_MAX_PAGE_SIZE;
}

int meta_check_fields(const meta *m, uint32_t page_size, uint64_t file_size)
{
    if (!page_size_ok(m->page_size) || m->page_size != page_size)
        return RULE_META_PAGE_SIZE;
    if (m->pgid < 3 || m->pgid > file_size / m->page_size)
        return RULE_META_PGID;
    if (m->root < 2 || m->root >= m->pgid)
        return RULE_META_ROOT;
    if (m->freelist != PGID_NO_FREELIST &&
        (m->freelist < 2 || m->freelist >= m->pgid))
        return RULE_META_FREELIST;
    return RULE_OK;
}

int meta_select(int valid0, const meta *m0, int valid1, const meta *m1)
{
    if (valid0 && valid1)
        return m1->txid > m0->txid ? 1 : 0;
    if (valid0)
        return 0;
    if (valid1)
        return 1;
    return -1;
}
