/* test_page.c - page.c: validation rules and accessors on built pages. */
#include "build_page.h"
#include "page.h"
#include "unit.h"

static uint8_t buf[4096];

static int validate(size_t len, unsigned want, uint32_t *bad)
{
    page_view pv;
    return page_validate(buf, len, want, &pv, bad);
}

TEST(valid_leaf)
{
    tkv items[] = {{"a", "1", 0, 0}, {"b", "", 0, 0}, {"c", "333", 0, 0}};
    page_view pv;
    uint32_t bad, klen, vlen, flags;
    const uint8_t *k, *v;
    build_page(buf, sizeof buf, 7, PAGE_LEAF, items, 3);
    CHECK_EQ(page_validate(buf, sizeof buf, PV_LEAF, &pv, &bad), RULE_OK);
    CHECK_EQ(pv.count, 3);
    CHECK_EQ(pv.id, 7);
    page_key(&pv, 2, &k, &klen);
    page_leaf_value(&pv, 2, &v, &vlen, &flags);
    CHECK(klen == 1 && k[0] == 'c');
    CHECK(vlen == 3 && memcmp(v, "333", 3) == 0);
    page_leaf_value(&pv, 1, &v, &vlen, &flags);
    CHECK_EQ(vlen, 0);
    /* bbolt's stats: header + 2 element headers + last pos+ksize+vsize */
    CHECK_EQ(page_inuse(&pv), 16 + 3 * 16 + 1 + 1 + 1 + 0 + 1 + 3);
}

TEST(type_rules)
{
    tkv items[] = {{"a", "1", 0, 0}};
    uint32_t bad;
    build_page(buf, sizeof buf, 7, PAGE_LEAF, items, 1);
    CHECK_EQ(validate(sizeof buf, PV_BRANCH, &bad), RULE_PAGE_TYPE);
    st16(buf + PAGE_OFF_FLAGS, PAGE_LEAF | PAGE_BRANCH);
    CHECK_EQ(validate(sizeof buf, PV_LEAF | PV_BRANCH, &bad), RULE_PAGE_TYPE);
    st16(buf + PAGE_OFF_FLAGS, PAGE_META);
    CHECK_EQ(validate(sizeof buf, PV_LEAF | PV_BRANCH, &bad), RULE_PAGE_TYPE);
    st16(buf + PAGE_OFF_FLAGS, 0);
    CHECK_EQ(validate(sizeof buf, PV_LEAF | PV_BRANCH, &bad), RULE_PAGE_TYPE);
    CHECK_EQ(validate(8, PV_LEAF, &bad), RULE_PAGE_COUNT);
}

TEST(count_and_bounds)
{
    tkv items[] = {{"a", "1", 0, 0}, {"b", "2", 0, 0}};
    uint32_t bad;
    size_t used = build_page(buf, sizeof buf, 7, PAGE_LEAF, items, 2);
    CHECK_EQ(validate(used, PV_LEAF, &bad), RULE_OK);
    CHECK_EQ(validate(used - 1, PV_LEAF, &bad), RULE_ELEM_BOUNDS);
    CHECK_EQ(bad, 1);
    st16(buf + PAGE_OFF_COUNT, 0xFFFF);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_PAGE_COUNT);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, items, 2);
    st32(buf + PAGE_HDR_SIZE + LEAF_OFF_POS, 0xFFFFFFFFu);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_ELEM_BOUNDS);
    CHECK_EQ(bad, 0);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, items, 2);
    st32(buf + PAGE_HDR_SIZE + 16 + LEAF_OFF_VSIZE, 0xFFFFFFFFu);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_ELEM_BOUNDS);
}

TEST(key_rules)
{
    tkv unordered[] = {{"b", "1", 0, 0}, {"a", "2", 0, 0}};
    tkv dup[] = {{"a", "1", 0, 0}, {"a", "2", 0, 0}};
    tkv prefix[] = {{"a", "1", 0, 0}, {"ab", "2", 0, 0}};
    tkv empty[] = {{"", "1", 0, 0}};
    uint32_t bad;
    build_page(buf, sizeof buf, 7, PAGE_LEAF, unordered, 2);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_KEY_ORDER);
    CHECK_EQ(bad, 1);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, dup, 2);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_KEY_ORDER);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, prefix, 2);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_OK);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, empty, 1);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_KEY_EMPTY);
}

TEST(key_size_values_only)
{
    static uint8_t big[70000];
    static char name[32770];
    tkv value[] = {{name, "v", 0, 0}};
    tkv bucket[] = {{name, "0123456789abcdef", LEAF_FLAG_BUCKET, 0}};
    page_view pv;
    uint32_t bad;
    memset(name, 'k', 32769);
    name[32769] = '\0';
    build_page(big, sizeof big, 7, PAGE_LEAF, value, 1);
    CHECK_EQ(page_validate(big, sizeof big, PV_LEAF, &pv, &bad),
             RULE_KEY_SIZE);
    build_page(big, sizeof big, 7, PAGE_LEAF, bucket, 1);
    CHECK_EQ(page_validate(big, sizeof big, PV_LEAF, &pv, &bad), RULE_OK);
    name[32768] = '\0';
    build_page(big, sizeof big, 7, PAGE_LEAF, value, 1);
    CHECK_EQ(page_validate(big, sizeof big, PV_LEAF, &pv, &bad), RULE_OK);
}

TEST(leaf_flags_and_buckets)
{
    tkv bad_flags[] = {{"a", "1", 2, 0}};
    tkv short_bucket[] = {{"a", "0123", LEAF_FLAG_BUCKET, 0}};
    tkv bucket[] = {{"a", "0123456789abcdef", LEAF_FLAG_BUCKET, 0}};
    uint32_t bad;
    build_page(buf, sizeof buf, 7, PAGE_LEAF, bad_flags, 1);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_LEAF_FLAGS);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, short_bucket, 1);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_BUCKET_VALUE);
    build_page(buf, sizeof buf, 7, PAGE_LEAF, bucket, 1);
    CHECK_EQ(validate(sizeof buf, PV_LEAF, &bad), RULE_OK);
    CHECK_EQ(validate(sizeof buf, PV_LEAF | PV_NO_BUCKETS, &bad),
             RULE_INLINE_PAGE);
}

TEST(branch)
{
    tkv items[] = {{"a", NULL, 0, 5}, {"m", NULL, 0, 9}};
    page_view pv;
    uint32_t bad;
    int exact;
    build_page(buf, sizeof buf, 4, PAGE_BRANCH, items, 2);
    CHECK_EQ(page_validate(buf, sizeof buf, PV_BRANCH, &pv, &bad), RULE_OK);
    CHECK_EQ(page_branch_child(&pv, 1), 9);
    CHECK_EQ(page_lower_bound(&pv, (const uint8_t *)"m", 1, &exact), 1);
    CHECK(exact);
    CHECK_EQ(page_lower_bound(&pv, (const uint8_t *)"b", 1, &exact), 1);
    CHECK(!exact);
    CHECK_EQ(page_lower_bound(&pv, (const uint8_t *)"z", 1, &exact), 2);
    CHECK_EQ(page_inuse(&pv), 16 + 16 + 16 + 1 + 1);
    build_page(buf, sizeof buf, 4, PAGE_BRANCH, items, 0);
    CHECK_EQ(page_validate(buf, sizeof buf, PV_BRANCH, &pv, &bad),
             RULE_BRANCH_EMPTY);
}

TEST(key_cmp_order)
{
    CHECK(key_cmp((const uint8_t *)"a", 1, (const uint8_t *)"ab", 2) < 0);
    CHECK(key_cmp((const uint8_t *)"b", 1, (const uint8_t *)"ab", 2) > 0);
    CHECK(key_cmp((const uint8_t *)"\xff", 1, (const uint8_t *)"\x01", 1) > 0);
    CHECK_EQ(key_cmp((const uint8_t *)"x", 0, (const uint8_t *)"y", 0), 0);
}

/* Every truncation and every single-byte change of a valid page either
 * validates or returns a rule; on RULE_OK all accessors stay inside. */
TEST(mutations_stay_in_bounds)
{
    tkv items[] = {{"alpha", "1", 0, 0}, {"beta", "0123456789abcdef", 1, 0},
                   {"gamma", "333", 0, 0}};
    uint8_t page[256];
    size_t used = build_page(page, sizeof page, 7, PAGE_LEAF, items, 3);
    size_t i, len;
    int b;
    for (len = 0; len <= used; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        page_view pv;
        uint32_t bad;
        memcpy(copy, page, len);
        if (page_validate(copy, len, PV_LEAF, &pv, &bad) == RULE_OK)
            CHECK(len == used || len > used);
        free(copy);
    }
    for (i = 0; i < used; i++) {
        for (b = 0; b < 8; b++) {
            uint8_t *copy = malloc(used);
            page_view pv;
            uint32_t bad, j;
            memcpy(copy, page, used);
            copy[i] ^= (uint8_t)(1u << b);
            if (page_validate(copy, used, PV_LEAF, &pv, &bad) == RULE_OK) {
                for (j = 0; j < pv.count; j++) {
                    const uint8_t *k, *v;
                    uint32_t kl, vl, fl;
                    page_key(&pv, j, &k, &kl);
                    page_leaf_value(&pv, j, &v, &vl, &fl);
                    CHECK(k >= copy && k + kl <= copy + used);
                    CHECK(v >= copy && v + vl <= copy + used);
                }
            }
            free(copy);
        }
    }
}

/* page_locate() and page_read(): the rules page-id-range,
 * page-id-mismatch and page-file-range against a high-water mark, in that
 * order, then the page's own rules; the run's length counts overflow. */
TEST(locate_in_file)
{
    enum { PS = 256, HWM = 6 };
    static uint8_t map[PS * HWM];
    const tkv kv[] = {{"a", "1", 0, 0}, {"b", "2", 0, 0}};
    page_view pv;
    uint32_t bad;
    size_t len = 0;
    memset(map, 0, sizeof map);
    build_page(map + 2 * PS, PS, 2, PAGE_LEAF, kv, 2);
    build_page(map + 3 * PS, 2 * PS, 3, PAGE_LEAF, kv, 2);
    st32(map + 3 * PS + PAGE_OFF_OVERFLOW, 1);      /* pages 3 and 4 */
    build_page(map + 5 * PS, PS, 9, PAGE_LEAF, kv, 2); /* header says 9 */

    CHECK_EQ(page_locate(map, PS, HWM, 2, &len), RULE_OK);
    CHECK_EQ(len, PS);
    CHECK_EQ(page_locate(map, PS, HWM, 3, &len), RULE_OK);
    CHECK_EQ(len, 2 * PS);
    CHECK_EQ(page_locate(map, PS, HWM, 0, &len), RULE_PAGE_ID_RANGE);
    CHECK_EQ(page_locate(map, PS, HWM, 1, &len), RULE_PAGE_ID_RANGE);
    CHECK_EQ(page_locate(map, PS, HWM, HWM, &len), RULE_PAGE_ID_RANGE);
    CHECK_EQ(page_locate(map, PS, HWM, UINT64_MAX, &len), RULE_PAGE_ID_RANGE);
    CHECK_EQ(page_locate(map, PS, HWM, 5, &len), RULE_PAGE_ID_MISMATCH);
    /* An overflow run that ends exactly at the mark, then one past it. */
    CHECK_EQ(page_locate(map, PS, 5, 3, &len), RULE_OK);
    CHECK_EQ(page_locate(map, PS, 4, 3, &len), RULE_PAGE_FILE_RANGE);
    st32(map + 2 * PS + PAGE_OFF_OVERFLOW, 0xFFFFFFFFu);
    CHECK_EQ(page_locate(map, PS, HWM, 2, &len), RULE_PAGE_FILE_RANGE);
    st32(map + 2 * PS + PAGE_OFF_OVERFLOW, 0);

    CHECK_EQ(page_read(map, PS, HWM, 3, PV_LEAF, &pv, &bad), RULE_OK);
    CHECK(pv.data == map + 3 * PS && pv.len == 2 * PS && pv.id == 3);
    CHECK_EQ(pv.count, 2);
    CHECK_EQ(page_read(map, PS, HWM, 3, PV_BRANCH, &pv, &bad), RULE_PAGE_TYPE);
    CHECK_EQ(page_read(map, PS, HWM, 5, PV_LEAF, &pv, &bad),
             RULE_PAGE_ID_MISMATCH);
    CHECK_EQ(bad, 0);
    st32(map + 2 * PS + PAGE_HDR_SIZE + LEAF_OFF_KSIZE, PS); /* key past end */
    CHECK_EQ(page_read(map, PS, HWM, 2, PV_LEAF, &pv, &bad), RULE_ELEM_BOUNDS);
    CHECK_EQ(bad, 0);
}

int main(void)
{
    unit_suite = "page";
    RUN(valid_leaf);
    RUN(type_rules);
    RUN(count_and_bounds);
    RUN(key_rules);
    RUN(key_size_values_only);
    RUN(leaf_flags_and_buckets);
    RUN(branch);
    RUN(key_cmp_order);
    RUN(mutations_stay_in_bounds);
    RUN(locate_in_file);
    return unit_total_failed ? 1 : 0;
}
