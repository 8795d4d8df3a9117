/* test_meta.c - meta.c: FNV-1a, validation, field rules, selection, and
 * the proved meta round trip of proofs/roundtrip.c. */
#include "meta.h"
#include "unit.h"

/* The proof harness (encode, validate, decode), compiled here so that the
 * code WP proves is also run. */
#include "../../proofs/roundtrip.c"

static void make(meta *m, uint64_t txid)
{
    memset(m, 0, sizeof *m);
    m->magic = META_MAGIC;
    m->version = META_VERSION;
    m->page_size = 4096;
    m->root = 3;
    m->freelist = 2;
    m->pgid = 4;
    m->txid = txid;
}

TEST(fnv_vectors)
{
    /* Published FNV-1a 64 test vectors. */
    CHECK(fnv1a64((const uint8_t *)"", 0) == 0xcbf29ce484222325ull);
    CHECK(fnv1a64((const uint8_t *)"a", 1) == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a64((const uint8_t *)"foobar", 6) == 0x85944171f73967e8ull);
}

TEST(encode_validate)
{
    uint8_t page[4096] = {0};
    meta m, d;
    make(&m, 0);
    meta_encode(&m, page, 0);
    CHECK_EQ(meta_validate(page), RULE_OK);
    /* bbolt's new 4096-byte file: meta 0 sums to 0x07516e114689fdee. */
    CHECK(m.checksum == 0x07516e114689fdeeull);
    meta_decode(page, &d);
    CHECK(d.root == 3 && d.freelist == 2 && d.pgid == 4 && d.txid == 0);
    CHECK(d.checksum == m.checksum);
    CHECK_EQ(ld16(page + PAGE_OFF_FLAGS), PAGE_META);
}

TEST(validate_rules)
{
    uint8_t page[4096] = {0};
    meta m;
    make(&m, 5);
    meta_encode(&m, page, 1);
    page[META_OFF_MAGIC] ^= 1;
    CHECK_EQ(meta_validate(page), RULE_META_MAGIC);
    page[META_OFF_MAGIC] ^= 1;
    st32(page + META_OFF_VERSION, 1);
    CHECK_EQ(meta_validate(page), RULE_META_VERSION);
    meta_encode(&m, page, 1);
    page[META_OFF_TXID] ^= 0x80;
    CHECK_EQ(meta_validate(page), RULE_META_CHECKSUM);
    meta_encode(&m, page, 1);
    st64(page + META_OFF_CHECKSUM, 0);
    CHECK_EQ(meta_validate(page), RULE_META_CHECKSUM); /* zero is no pass */
    /* the page header is outside the checksum */
    meta_encode(&m, page, 1);
    page[PAGE_OFF_ID] = 9;
    CHECK_EQ(meta_validate(page), RULE_OK);
}

TEST(roundtrip)
{
    uint8_t page[4096];
    meta m, d;
    make(&m, 9);
    m.flags = 0x5a5a5a5au;
    m.sequence = 0x0102030405060708ull;
    memset(page, 0xee, sizeof page);
    CHECK_EQ(meta_roundtrip(m, page, 1, &d), RULE_OK);
    CHECK(d.magic == m.magic && d.version == m.version);
    CHECK(d.page_size == m.page_size && d.flags == m.flags);
    CHECK(d.root == m.root && d.sequence == m.sequence);
    CHECK(d.freelist == m.freelist && d.pgid == m.pgid && d.txid == m.txid);
    CHECK(d.checksum == fnv1a64(page + META_OFF, META_SUM_LEN));
    CHECK(ld64(page + PAGE_OFF_ID) == 1);
    CHECK_EQ(ld16(page + PAGE_OFF_FLAGS), PAGE_META);
    CHECK_EQ(ld16(page + PAGE_OFF_COUNT), 0);
    CHECK_EQ(ld32(page + PAGE_OFF_OVERFLOW), 0);
    CHECK(page[META_END] == 0xee); /* nothing written past the meta */
    m.magic ^= 1;
    CHECK_EQ(meta_roundtrip(m, page, 0, &d), RULE_META_MAGIC);
    CHECK(d.magic == m.magic && d.txid == m.txid);
    m.magic ^= 1;
    m.version = 1;
    CHECK_EQ(meta_roundtrip(m, page, 0, &d), RULE_META_VERSION);
}

TEST(field_rules)
{
    meta m;
    make(&m, 1);
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_OK);
    CHECK_EQ(meta_check_fields(&m, 1024, 4 * 4096), RULE_META_PAGE_SIZE);
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096 - 1), RULE_META_PGID);
    m.pgid = 2;
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_META_PGID);
    make(&m, 1);
    m.root = 4;
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_META_ROOT);
    m.root = 1;
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_META_ROOT);
    make(&m, 1);
    m.freelist = 4;
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_META_FREELIST);
    m.freelist = PGID_NO_FREELIST;
    CHECK_EQ(meta_check_fields(&m, 4096, 4 * 4096), RULE_OK);
    make(&m, 1);
    m.page_size = 100;
    CHECK_EQ(meta_check_fields(&m, 100, 4 * 4096), RULE_META_PAGE_SIZE);
    m.page_size = 3000; /* bbolt accepts any page size */
    m.pgid = 4;
    CHECK_EQ(meta_check_fields(&m, 3000, 4 * 3000), RULE_OK);
    m.pgid = UINT64_MAX;
    CHECK_EQ(meta_check_fields(&m, 3000, 4 * 3000), RULE_META_PGID);
}

TEST(selection)
{
    meta a, b;
    make(&a, 4);
    make(&b, 5);
    CHECK_EQ(meta_select(1, &a, 1, &b), 1);
    CHECK_EQ(meta_select(1, &b, 1, &a), 0);
    CHECK_EQ(meta_select(1, &a, 1, &a), 0);  /* tie: meta 0, as bbolt */
    CHECK_EQ(meta_select(0, &b, 1, &a), 1);  /* invalid newer is skipped */
    CHECK_EQ(meta_select(1, &a, 0, &b), 0);
    CHECK_EQ(meta_select(0, &a, 0, &b), -1);
}

int main(void)
{
    unit_suite = "meta";
    RUN(fnv_vectors);
    RUN(encode_validate);
    RUN(validate_rules);
    RUN(roundtrip);
    RUN(field_rules);
    RUN(selection);
    return unit_total_failed ? 1 : 0;
}
