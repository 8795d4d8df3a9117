/* test_freelist.c - freelist.c: count overflow, range and order rules,
 * and the proved round trip of proofs/roundtrip.c. */
#include "freelist.h"
#include "unit.h"

/* The proof harness (encode, header, decode), compiled here so that the
 * code WP proves is also run. */
#include "../../proofs/roundtrip.c"

static uint8_t page[1 << 20];

static size_t put_ids(const uint64_t *ids, uint64_t n)
{
    size_t off = PAGE_HDR_SIZE;
    uint64_t i;
    memset(page, 0, PAGE_HDR_SIZE + 16);
    st16(page + PAGE_OFF_FLAGS, PAGE_FREELIST);
    if (n >= FREELIST_COUNT_OVERFLOW) {
        st16(page + PAGE_OFF_COUNT, FREELIST_COUNT_OVERFLOW);
        st64(page + PAGE_HDR_SIZE, n);
        off += 8;
    } else {
        st16(page + PAGE_OFF_COUNT, (uint16_t)n);
    }
    for (i = 0; i < n; i++)
        st64(page + off + 8 * i, ids[i]);
    return off + 8 * n;
}

TEST(small)
{
    uint64_t ids[] = {2, 5, 9}, out[3], n, bad;
    size_t off, len = put_ids(ids, 3);
    CHECK_EQ(freelist_header(page, len, &n, &off), RULE_OK);
    CHECK_EQ(n, 3);
    CHECK_EQ(off, 16);
    CHECK_EQ(freelist_decode(page, off, n, 10, out, &bad), RULE_OK);
    CHECK(out[0] == 2 && out[2] == 9);
    CHECK_EQ(freelist_decode(page, off, n, 9, out, &bad), RULE_FREELIST_RANGE);
    CHECK_EQ(bad, 2);
    CHECK_EQ(freelist_header(page, len - 1, &n, &off), RULE_FREELIST_COUNT);
}

TEST(order_and_range)
{
    uint64_t unsorted[] = {2, 9, 5}, dup[] = {3, 3}, low[] = {1, 4};
    uint64_t out[3], n, bad;
    size_t off;
    freelist_header(page, put_ids(unsorted, 3), &n, &off);
    CHECK_EQ(freelist_decode(page, off, n, 10, out, &bad), RULE_FREELIST_ORDER);
    CHECK_EQ(bad, 2);
    freelist_header(page, put_ids(dup, 2), &n, &off);
    CHECK_EQ(freelist_decode(page, off, n, 10, out, &bad), RULE_FREELIST_ORDER);
    freelist_header(page, put_ids(low, 2), &n, &off);
    CHECK_EQ(freelist_decode(page, off, n, 10, out, &bad), RULE_FREELIST_RANGE);
    CHECK_EQ(freelist_sorted_unique(out, 0), 0);
}

TEST(count_overflow)
{
    static uint64_t ids[70000], out[70000];
    uint64_t i, n, bad;
    size_t off, len;
    for (i = 0; i < 70000; i++)
        ids[i] = i + 2;
    len = put_ids(ids, 70000);
    CHECK_EQ(freelist_header(page, len, &n, &off), RULE_OK);
    CHECK_EQ(n, 70000);
    CHECK_EQ(off, 24);
    CHECK_EQ(freelist_decode(page, off, n, 70002, out, &bad), RULE_OK);
    CHECK_EQ(out[69999], 70001);
    /* exactly 0xFFFF ids also use the overflow form */
    len = put_ids(ids, 0xFFFF);
    CHECK_EQ(freelist_header(page, len, &n, &off), RULE_OK);
    CHECK_EQ(n, 0xFFFF);
    /* a real count that does not fit */
    st64(page + PAGE_HDR_SIZE, UINT64_MAX);
    CHECK_EQ(freelist_header(page, len, &n, &off), RULE_FREELIST_COUNT);
    CHECK_EQ(freelist_header(page, 20, &n, &off), RULE_FREELIST_COUNT);
}

TEST(roundtrip)
{
    static uint64_t ids[70000], out[70000];
    static const uint64_t sizes[] = {0, 5, 0xFFFE, 0xFFFF, 70000};
    uint64_t i, n, count;
    size_t s, len;
    for (i = 0; i < 70000; i++)
        ids[i] = 2 * i + 3;
    for (s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        n = sizes[s];
        len = (n >= FREELIST_COUNT_OVERFLOW ? 24 : 16) + 8 * n;
        memset(page, 0xAB, len);
        memset(out, 0, sizeof out);
        count = 12345;
        CHECK_EQ(freelist_roundtrip(ids, n, 2 * n + 3, page, len, out, &count),
                 RULE_OK);
        CHECK_EQ(count, n);
        CHECK_EQ(memcmp(out, ids, n * sizeof *ids), 0);
        CHECK_EQ(ld16(page + PAGE_OFF_COUNT),
                 n >= FREELIST_COUNT_OVERFLOW ? 0xFFFF : n);
        /* one byte short: nothing written */
        if (len > 0) {
            memset(page, 0xAB, len);
            CHECK_EQ(freelist_roundtrip(ids, n, 2 * n + 3, page, len - 1, out,
                                        &count), -1);
            CHECK_EQ(page[PAGE_OFF_COUNT], 0xAB);
        }
    }
    /* ids out of range, or out of order, are read back and refused */
    n = 5;
    len = 16 + 8 * n;
    CHECK_EQ(freelist_roundtrip(ids, n, 2 * n + 1, page, len, out, &count),
             RULE_FREELIST_RANGE);
    CHECK_EQ(count, n);
    ids[3] = ids[2];
    CHECK_EQ(freelist_roundtrip(ids, n, 2 * n + 3, page, len, out, &count),
             RULE_FREELIST_ORDER);
    CHECK_EQ(memcmp(out, ids, n * sizeof *ids), 0);
}

int main(void)
{
    unit_suite = "freelist";
    RUN(small);
    RUN(order_and_range);
    RUN(count_overflow);
    RUN(roundtrip);
    return unit_total_failed ? 1 : 0;
}
