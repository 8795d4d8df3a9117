/* test_alloc.c - alloc.c: lowest-run allocation, pending frees, release
 * exactly when no reader can see a page, double frees, rollback. */
#include "alloc.h"
#include "internal.h"
#include "unit.h"

static int has_free(const fl *f, uint64_t id)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        if (f->ids[i] == id)
            return 1;
    return 0;
}

TEST(lowest_run)
{
    uint64_t ids[] = {3, 5, 6, 7, 9, 10, 11, 12};
    fl f;
    fl_init(&f);
    CHECK_EQ(ids_find_run(ids, 8, 1), 0);
    CHECK_EQ(ids_find_run(ids, 8, 2), 1);
    CHECK_EQ(ids_find_run(ids, 8, 3), 1);
    CHECK_EQ(ids_find_run(ids, 8, 4), 4);
    CHECK_EQ(ids_find_run(ids, 8, 5), 8); /* none */
    CHECK_EQ(fl_load(&f, ids, 8), CBOLT_OK);
    CHECK_EQ(fl_allocate(&f, 10, 3), 5);
    CHECK_EQ(f.n, 5);
    CHECK(!has_free(&f, 5) && !has_free(&f, 6) && !has_free(&f, 7));
    CHECK(has_free(&f, 3) && has_free(&f, 9));
    CHECK_EQ(fl_allocate(&f, 10, 5), 0); /* nothing changed */
    CHECK_EQ(f.n, 5);
    CHECK_EQ(fl_allocate(&f, 10, 4), 9);
    CHECK_EQ(fl_allocate(&f, 10, 1), 3);
    CHECK_EQ(f.n, 0);
    fl_destroy(&f);
}

TEST(merge_sorted)
{
    uint64_t a[] = {2, 5, 9}, b[] = {3, 4, 10, 11}, out[7];
    ids_merge(a, 3, b, 4, out);
    CHECK(out[0] == 2 && out[1] == 3 && out[2] == 4 && out[3] == 5 &&
          out[4] == 9 && out[5] == 10 && out[6] == 11);
}

TEST(unseen_predicate)
{
    uint64_t readers[] = {4, 8, 8, 12};
    /* a page allocated by tx 5 and freed by tx 8 is seen by no reader:
     * readers 4 (before 5) and 8 (at or after 8) */
    CHECK(fl_unseen(5, 8, readers, 4));
    CHECK(!fl_unseen(5, 9, readers, 4));  /* reader 8 sees it */
    CHECK(!fl_unseen(0, 5, readers, 4));  /* unknown allocator: reader 4 */
    CHECK(fl_unseen(0, 4, readers, 4));
    CHECK(fl_unseen(13, 20, readers, 4));
    CHECK(!fl_unseen(12, 13, readers, 4));
    CHECK(fl_unseen(0, 100, readers, 0)); /* no reader at all */
}

TEST(free_release_rollback)
{
    uint64_t readers[] = {6};
    fl f;
    fl_init(&f);
    CHECK_EQ(fl_load(&f, NULL, 0), CBOLT_OK);
    CHECK_EQ(fl_note_alloc(&f, 7, 20), CBOLT_OK);
    CHECK_EQ(fl_free(&f, 8, 20, 2, 0), CBOLT_OK); /* 20..22, alloc 7 */
    CHECK_EQ(fl_free(&f, 8, 30, 0, 0), CBOLT_OK); /* unknown allocator */
    CHECK_EQ(fl_pending_count(&f), 4);
    CHECK_EQ(fl_free(&f, 9, 21, 0, 0), CBOLT_ERR_CORRUPT); /* double */
    CHECK(strcmp(cbolt_last_error()->rule, "page-double") == 0);
    CHECK_EQ(fl_free(&f, 9, 1, 0, 0), CBOLT_ERR_CORRUPT);
    /* reader 6 sees page 30 (freed by 8, allocator unknown) but not the
     * run 20..22 (allocated by 7 > 6) */
    CHECK_EQ(fl_release(&f, readers, 1), CBOLT_OK);
    CHECK_EQ(fl_free_count(&f), 3);
    CHECK(has_free(&f, 20) && has_free(&f, 22) && !has_free(&f, 30));
    CHECK_EQ(fl_release(&f, NULL, 0), CBOLT_OK);
    CHECK_EQ(fl_free_count(&f), 4);
    CHECK_EQ(fl_pending_count(&f), 0);
    /* rollback: tx 10 takes 20..22 and frees 40; undone */
    {
        fl_run run = {0, 3, 0};
        run.pgid = fl_allocate(&f, 10, 3);
        CHECK_EQ(run.pgid, 20);
        CHECK_EQ(fl_free(&f, 10, 40, 0, 0), CBOLT_OK);
        CHECK_EQ(fl_rollback(&f, 10, &run, 1), CBOLT_OK);
        CHECK_EQ(fl_free_count(&f), 4);
        CHECK_EQ(fl_pending_count(&f), 0);
        CHECK(has_free(&f, 21));
        CHECK_EQ(fl_free(&f, 11, 40, 0, 0), CBOLT_OK); /* 40 in use again */
    }
    /* the freelist page size counts the 0xFFFF overflow slot */
    CHECK_EQ(fl_page_bytes(&f), 16 + 8 * 5);
    fl_destroy(&f);
}

int main(void)
{
    unit_suite = "alloc";
    RUN(lowest_run);
    RUN(merge_sorted);
    RUN(unseen_predicate);
    RUN(free_release_rollback);
    return unit_total_failed ? 1 : 0;
}
