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

/* The array steps of a merge in place and of a removal from the front. */
TEST(in_place_steps)
{
    uint64_t a[8] = {3, 5, 9, 12}, m[] = {4, 10, 20}, dup[] = {5, 30};
    uint64_t b[8] = {0, 0, 0, 3, 5, 9, 12}, r[] = {2, 7, 8, 9, 11, 13, 14};
    CHECK_EQ(ids_lower_bound(a, 4, 2), 0);
    CHECK_EQ(ids_lower_bound(a, 4, 5), 1);
    CHECK_EQ(ids_lower_bound(a, 4, 6), 2);
    CHECK_EQ(ids_lower_bound(a, 4, 13), 4);
    CHECK_EQ(ids_common(a, 4, m, 3), 3);
    CHECK_EQ(ids_common(a, 4, dup, 2), 0);
    CHECK_EQ(ids_common(a, 4, dup + 1, 1), 1);
    ids_merge_up(a, 4, m, 3);
    CHECK(a[0] == 3 && a[1] == 4 && a[2] == 5 && a[3] == 9 && a[4] == 10 &&
          a[5] == 12 && a[6] == 20);
    ids_merge_down(b, 4, m, 3); /* the ids at b + 3 */
    CHECK(b[0] == 3 && b[1] == 4 && b[2] == 5 && b[3] == 9 && b[4] == 10 &&
          b[5] == 12 && b[6] == 20);
    ids_merge_up(b, 7, m, 0);
    CHECK(b[0] == 3 && b[6] == 20);
    /* the run 7, 8, 9 at index 1: the one id below moves up by three */
    ids_remove_run_front(r, 7, 1, 3);
    CHECK(r[3] == 2 && r[4] == 11 && r[5] == 13 && r[6] == 14);
}

/* The free ids against a model: random allocations of runs, frees and
 * releases (merged in place into the room above or the slack below, the
 * array moved when the room runs out), every id accounted for. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

TEST(in_place_model)
{
    enum { PAGES = 3000 };
    static unsigned char state[PAGES]; /* 0 used, 1 free, 2 pending */
    static uint64_t ids[PAGES];
    uint64_t txid = 10, p;
    size_t n = 0, step, i;
    fl f;
    for (p = 2; p < PAGES; p++)
        if (rnd(3) == 0) {
            ids[n++] = p;
            state[p] = 1;
        }
    fl_init(&f);
    CHECK_EQ(fl_load(&f, ids, n), CBOLT_OK);
    for (step = 0; step < 20000 && !unit_failed; step++) {
        uint64_t what = rnd(10);
        if (what < 4) {
            uint64_t count = 1 + (rnd(4) == 0 ? rnd(6) : 0);
            uint64_t got = fl_allocate(&f, txid, count);
            for (p = got; got && p < got + count; p++) {
                CHECK_EQ(state[p], 1);
                state[p] = 0;
            }
        } else if (what < 8) {
            p = 2 + rnd(PAGES - 2);
            if (state[p] == 0) {
                CHECK_EQ(fl_free(&f, txid, p, 0, 0), CBOLT_OK);
                state[p] = 2;
            } else {
                CHECK_EQ(fl_free(&f, txid, p, 0, 0), CBOLT_ERR_CORRUPT);
            }
        } else {
            CHECK_EQ(fl_release(&f, NULL, 0), CBOLT_OK);
            for (p = 2; p < PAGES; p++)
                if (state[p] == 2)
                    state[p] = 1;
            txid++;
        }
        /* the freelist page written without the copy is the page of the
         * union (free and pending, sorted), byte for byte */
        if (step % 97 == 0) {
            static uint64_t all[PAGES];
            static uint8_t a[16 + 8 * PAGES], b[16 + 8 * PAGES];
            memset(a, 0xAB, sizeof a);
            memset(b, 0xAB, sizeof b);
            CHECK_EQ(fl_copyall(&f, all), CBOLT_OK);
            CHECK_EQ(freelist_encode(all, fl_count(&f), a, sizeof a), 0);
            CHECK_EQ(fl_encode(&f, b, sizeof b), CBOLT_OK);
            CHECK(memcmp(a, b, sizeof a) == 0);
            for (i = 1, n = fl_count(&f); i < n; i++)
                CHECK(all[i - 1] < all[i]);
            for (i = 0; i < n; i++)
                CHECK(state[all[i]] != 0);
            CHECK_EQ(fl_encode(&f, b, 16 + 8 * n - 1), CBOLT_ERR_NOMEM);
        }
        /* the free ids: sorted, inside their array, exactly the model's */
        CHECK(f.ids >= f.base && (size_t)(f.ids - f.base) + f.n <= f.cap);
        for (i = 1; i < f.n; i++)
            CHECK(f.ids[i - 1] < f.ids[i]);
        for (i = 0, n = 0; i < f.n; i++)
            CHECK_EQ(state[f.ids[i]], 1);
        for (p = 2; p < PAGES; p++)
            n += state[p] == 1;
        CHECK_EQ(n, f.n);
    }
    CHECK(f.cap <= 4 * PAGES + 64);
    fl_destroy(&f);
}

/* A window that slides: the lowest page taken, a higher one freed, at
 * every commit. The free ids stay 1000, and so must their array: the
 * slack that allocations from the front leave is not carried into the
 * array a release moves them to. */
TEST(sliding_window_bounded)
{
    static uint64_t ids[1000];
    uint64_t i;
    fl f;
    for (i = 0; i < 1000; i++)
        ids[i] = 2 + i;
    fl_init(&f);
    CHECK_EQ(fl_load(&f, ids, 1000), CBOLT_OK);
    for (i = 0; i < 200000 && !unit_failed; i++) {
        CHECK_EQ(fl_allocate(&f, 10 + i, 1), 2 + i);
        CHECK_EQ(fl_free(&f, 10 + i, 1002 + i, 0, 0), CBOLT_OK);
        CHECK_EQ(fl_release(&f, NULL, 0), CBOLT_OK);
        CHECK_EQ(f.n, 1000);
        CHECK(f.cap <= 8 * 1000);
    }
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
    RUN(in_place_steps);
    RUN(in_place_model);
    RUN(sliding_window_bounded);
    return unit_total_failed ? 1 : 0;
}
