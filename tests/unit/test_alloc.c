/* test_alloc.c - alloc.c: lowest-run allocation, pending frees, release
 * exactly when no reader can see a page, double frees, rollback. */
#include "alloc.h"
#include "error.h"
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
    uint64_t a[] = {2, 5, 9}, b[] = {3, 4, 10, 11}, out[7], dup = 0;
    CHECK_EQ(ids_merge(a, 3, b, 4, out, &dup), 0);
    CHECK(out[0] == 2 && out[1] == 3 && out[2] == 4 && out[3] == 5 &&
          out[4] == 9 && out[5] == 10 && out[6] == 11);
}

/* An id in both arrays (a page both free and pending) is reported, not
 * merged into a duplicate. */
TEST(merge_shared_id)
{
    uint64_t a[] = {2, 5, 9}, b[] = {3, 9, 11}, c[] = {12}, out[6], dup = 0;
    CHECK_EQ(ids_merge(a, 3, b, 3, out, &dup), 1);
    CHECK_EQ(dup, 9);
    CHECK_EQ(ids_merge(a, 3, a, 1, out, &dup), 1);
    CHECK_EQ(dup, 2);
    CHECK_EQ(ids_merge(a, 3, c, 1, out, &dup), 0);
    CHECK(out[0] == 2 && out[1] == 5 && out[2] == 9 && out[3] == 12);
    CHECK_EQ(ids_merge(a, 0, c, 1, out, &dup), 0);
    CHECK_EQ(out[0], 12);
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

TEST(pending_release_stable)
{
    /* pending set of tx 10; readers 5 and 10: an entry (id, atx) stays
     * exactly when a reader r has atx <= r < 10, i.e. r == 5 and atx <= 5 */
    uint64_t readers[] = {5, 10};
    uint64_t ids[] = {20, 21, 22, 23, 24, 25, 26};
    uint64_t atx[] = {0, 5, 6, 10, 3, 9, 11};
    uint64_t out[7];
    size_t kept = 99;
    CHECK_EQ(pending_release(ids, atx, 7, 10, readers, 2, out, &kept), 4);
    CHECK_EQ(kept, 3);
    /* kept in their order, with their allocating tx */
    CHECK(ids[0] == 20 && ids[1] == 21 && ids[2] == 24);
    CHECK(atx[0] == 0 && atx[1] == 5 && atx[2] == 3);
    /* released in their order: 6 > 5 (reader 5 before the allocation),
     * 10 (reader 10 is not before the free), 9, 11 */
    CHECK(out[0] == 22 && out[1] == 23 && out[2] == 25 && out[3] == 26);
    /* again, reader 5 only: nothing more to release */
    CHECK_EQ(pending_release(ids, atx, kept, 10, readers, 1, out, &kept), 0);
    CHECK_EQ(kept, 3);
    /* boundary: a reader exactly at the free (r == F) does not see it, a
     * reader at the allocation (r == A) does */
    {
        uint64_t r1[] = {7}, i1[] = {30, 31}, a1[] = {7, 8}, o1[2];
        CHECK_EQ(pending_release(i1, a1, 2, 7, r1, 1, o1, &kept), 2);
        CHECK_EQ(kept, 0);
        CHECK(o1[0] == 30 && o1[1] == 31);
        i1[0] = 30; i1[1] = 31; a1[0] = 7; a1[1] = 8;
        CHECK_EQ(pending_release(i1, a1, 2, 8, r1, 1, o1, &kept), 1);
        CHECK_EQ(kept, 1);
        CHECK(i1[0] == 30 && a1[0] == 7 && o1[0] == 31);
    }
    /* no reader: everything goes; empty set: nothing */
    {
        uint64_t i2[] = {40, 41, 42}, a2[] = {0, 0, 0}, o2[3];
        CHECK_EQ(pending_release(i2, a2, 3, 50, NULL, 0, o2, &kept), 3);
        CHECK_EQ(kept, 0);
        CHECK(o2[0] == 40 && o2[1] == 41 && o2[2] == 42);
        CHECK_EQ(pending_release(i2, a2, 0, 50, readers, 2, o2, &kept), 0);
        CHECK_EQ(kept, 0);
    }
    /* every entry seen: all kept, in order */
    {
        uint64_t r3[] = {1, 2, 3}, i3[] = {9, 7, 8}, a3[] = {0, 1, 2}, o3[3];
        CHECK_EQ(pending_release(i3, a3, 3, 4, r3, 3, o3, &kept), 0);
        CHECK_EQ(kept, 3);
        CHECK(i3[0] == 9 && i3[1] == 7 && i3[2] == 8);
        CHECK(a3[0] == 0 && a3[1] == 1 && a3[2] == 2);
    }
}

TEST(release_keeps_seen_pending)
{
    /* fl_release through pending_release: two pending sets, a reader that
     * sees part of each; what stays pending is released later */
    uint64_t readers[] = {8};
    fl f;
    fl_init(&f);
    CHECK_EQ(fl_load(&f, NULL, 0), CBOLT_OK);
    CHECK_EQ(fl_note_alloc(&f, 9, 50), CBOLT_OK);
    CHECK_EQ(fl_free(&f, 9, 40, 1, 0), CBOLT_OK);  /* 40, 41: atx 0, seen */
    CHECK_EQ(fl_free(&f, 9, 50, 0, 0), CBOLT_OK);  /* atx 9 > 8: unseen */
    CHECK_EQ(fl_free(&f, 10, 60, 0, 0), CBOLT_OK); /* atx 0: seen */
    CHECK_EQ(fl_free(&f, 12, 70, 0, 0), CBOLT_OK); /* atx 0: seen */
    CHECK_EQ(fl_release(&f, readers, 1), CBOLT_OK);
    CHECK_EQ(fl_free_count(&f), 1);
    CHECK(has_free(&f, 50));
    CHECK_EQ(fl_pending_count(&f), 4);
    CHECK_EQ(f.npend, 3);
    CHECK(f.pend[0].n == 2 && f.pend[0].ids[0] == 40 && f.pend[0].ids[1] == 41);
    {
        uint64_t later[] = {10};  /* sees 70 (freed by 12) only */
        CHECK_EQ(fl_release(&f, later, 1), CBOLT_OK);
        CHECK_EQ(fl_free_count(&f), 4);
        CHECK(has_free(&f, 40) && has_free(&f, 41) && has_free(&f, 60));
        CHECK(!has_free(&f, 70));
        CHECK_EQ(fl_pending_count(&f), 1);
        CHECK_EQ(f.npend, 1);
    }
    CHECK_EQ(fl_release(&f, NULL, 0), CBOLT_OK);
    CHECK_EQ(fl_free_count(&f), 5);
    CHECK(f.ids[0] == 40 && f.ids[4] == 70);
    CHECK_EQ(f.npend, 0);
    fl_destroy(&f);
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

/* A rollback that would give back a run that is already free (the
 * allocator's state broken) is refused with page-double, and the free
 * ids stay sorted and duplicate-free. So is a freelist page whose free and
 * pending ids would overlap. */
TEST(merge_refuses_shared_ids)
{
    uint64_t ids[] = {4, 5, 6}, out[8];
    fl_run run = {5, 2, 0};
    fl f;
    fl_init(&f);
    CHECK_EQ(fl_load(&f, ids, 3), CBOLT_OK);
    CHECK_EQ(fl_rollback(&f, 10, &run, 1), CBOLT_ERR_CORRUPT);
    CHECK(strcmp(cbolt_last_error()->rule, "page-double") == 0);
    CHECK_EQ(cbolt_last_error()->pgid, 5);
    CHECK_EQ(fl_free_count(&f), 3);
    CHECK(f.ids[0] == 4 && f.ids[1] == 5 && f.ids[2] == 6);
    CHECK_EQ(fl_copyall(&f, out), CBOLT_OK);
    CHECK(out[0] == 4 && out[1] == 5 && out[2] == 6);
    /* forced: pending 9 twice (fl_free refuses it, so the set is edited) */
    CHECK_EQ(fl_free(&f, 11, 9, 0, 0), CBOLT_OK);
    CHECK_EQ(fl_copyall(&f, out), CBOLT_OK);
    CHECK_EQ(out[3], 9);
    f.pend[0].ids[0] = 5;
    CHECK_EQ(fl_copyall(&f, out), CBOLT_ERR_CORRUPT);
    CHECK_EQ(cbolt_last_error()->pgid, 5);
    fl_destroy(&f);
}

/* A meta page id never joins the free ids: the merge checks it (the
 * allocator's proof relies on that check, not on the sort). */
TEST(merge_refuses_meta_page)
{
    uint64_t ids[] = {4, 5, 6}, out[8];
    fl_run run = {1, 2, 0}; /* pages 1 and 2, as a broken caller says */
    fl f;
    fl_init(&f);
    CHECK_EQ(fl_load(&f, ids, 3), CBOLT_OK);
    CHECK_EQ(fl_rollback(&f, 10, &run, 1), CBOLT_ERR_CORRUPT);
    CHECK(strcmp(cbolt_last_error()->rule, "page-id-range") == 0);
    CHECK_EQ(cbolt_last_error()->pgid, 1);
    CHECK_EQ(fl_free_count(&f), 3);
    CHECK(f.ids[0] == 4 && f.ids[1] == 5 && f.ids[2] == 6);
    /* forced: a pending meta page id (fl_free refuses it) */
    CHECK_EQ(fl_free(&f, 11, 9, 0, 0), CBOLT_OK);
    f.pend[0].ids[0] = 0;
    CHECK_EQ(fl_copyall(&f, out), CBOLT_ERR_CORRUPT);
    CHECK_EQ(cbolt_last_error()->pgid, 0);
    fl_destroy(&f);
}

int main(void)
{
    unit_suite = "alloc";
    RUN(lowest_run);
    RUN(merge_sorted);
    RUN(merge_shared_id);
    RUN(unseen_predicate);
    RUN(pending_release_stable);
    RUN(release_keeps_seen_pending);
    RUN(free_release_rollback);
    RUN(merge_refuses_shared_ids);
    RUN(merge_refuses_meta_page);
    return unit_total_failed ? 1 : 0;
}
