/*
 * test_write.c - the write path: split, merge, inline and overflow edge
 * cases, freelist allocation and release with readers open, the
 * count-overflow freelist, NoFreelistSync reopen, rollback, errors,
 * sequences, growth with readers open, backup, compaction.
 * Every database is left in $CBOLT_OUT (default build/written); tests/
 * run.sh then checks each with bbolt's Tx.Check and compares bbolt's dump
 * with cbolt's.
 */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbolt.h"
#include "unit.h"

static char outdir[256] = "build/written";

static const char *path_of(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s.db", outdir, name);
    return p;
}

static cbolt_db *fresh(const char *name, const cbolt_options *o)
{
    cbolt_db *db = NULL;
    unlink(path_of(name));
    if (cbolt_open(path_of(name), o, &db) != CBOLT_OK)
        printf("# open %s: %s\n", name, cbolt_last_error()->message);
    return db;
}

static cbolt_db *reopen(const char *name, const cbolt_options *o)
{
    cbolt_db *db = NULL;
    if (cbolt_open(path_of(name), o, &db) != CBOLT_OK)
        printf("# reopen %s: %s\n", name, cbolt_last_error()->message);
    return db;
}

static int check_db(cbolt_db *db)
{
    cbolt_tx *tx;
    int n;
    if (cbolt_begin(db, 0, &tx) != CBOLT_OK)
        return -1;
    n = cbolt_tx_check(tx, NULL, NULL);
    cbolt_tx_rollback(tx);
    return n;
}

static void key_of(char *k, int i)
{
    snprintf(k, 32, "key-%08d", i);
}

/* A value of len bytes derived from i. */
static void value_of(uint8_t *v, size_t len, int i)
{
    size_t j;
    for (j = 0; j < len; j++)
        v[j] = (uint8_t)(i * 31 + j * 7);
}

TEST(split_and_merge)
{
    cbolt_db *db = fresh("split_merge", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_bucket_stats s;
    char k[32];
    uint8_t v[200];
    int i;
    const void *got;
    size_t gl;

    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 20000; i++) {
        key_of(k, i);
        value_of(v, (size_t)(i % 200), i);
        CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, (size_t)(i % 200)),
                 CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.key_n, 20000);
    CHECK(s.depth >= 2 && s.branch_page_n > 0 && s.leaf_page_n > 100);
    /* every leaf holds at least 2 keys; fill 0.5 leaves pages half full */
    CHECK(s.leaf_page_n <= 20000 / 2);
    CHECK(s.leaf_inuse * 10 >= s.leaf_alloc * 4);
    cbolt_tx_rollback(tx);
    CHECK_EQ(check_db(db), 0);
    /* delete all but every 1000th key, in several transactions */
    for (i = 0; i < 20000; i++) {
        if (i % 5000 == 0) {
            if (i)
                CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
            CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
            CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
        }
        if (i % 1000 == 0)
            continue;
        key_of(k, i);
        CHECK_EQ(cbolt_bucket_delete(b, k, strlen(k)), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.key_n, 20);
    CHECK(s.leaf_page_n <= 2); /* merged back */
    for (i = 0; i < 20000; i += 1000) {
        key_of(k, i);
        value_of(v, (size_t)(i % 200), i);
        CHECK_EQ(cbolt_bucket_get(b, k, strlen(k), &got, &gl), CBOLT_OK);
        CHECK(gl == (size_t)(i % 200) && memcmp(got, v, gl) == 0);
    }
    cbolt_tx_rollback(tx);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
}

/* A bucket is inline exactly when 16 + sum(16 + k + v) <= pagesize / 4. */
TEST(inline_threshold)
{
    cbolt_db *db = fresh("inline", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_bucket_stats s;
    static uint8_t v[2000];
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "at", 2, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "k", 1, v, 1024 - 16 - 16 - 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "over", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "k", 1, v, 1024 - 16 - 16), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "nest", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_create_bucket(b, "child", 5, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "empty", 5, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "at", 2, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.inline_bucket_n, 1);
    CHECK_EQ(s.inline_bucket_inuse, 1024);
    CHECK_EQ(cbolt_tx_bucket(tx, "over", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.inline_bucket_n, 0);
    CHECK_EQ(s.leaf_page_n, 1);
    CHECK_EQ(cbolt_tx_bucket(tx, "nest", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.bucket_n, 2);
    CHECK_EQ(s.inline_bucket_n, 1); /* child inline, parent not */
    CHECK_EQ(cbolt_tx_bucket(tx, "empty", 5, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.inline_bucket_inuse, 16);
    cbolt_tx_rollback(tx);
    /* growing an inline bucket past the threshold moves it to a page, and
     * shrinking it moves it back */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "at", 2, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "k2", 2, v, 10), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "over", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "k", 1, v, 10), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "at", 2, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.inline_bucket_n, 0);
    CHECK_EQ(cbolt_tx_bucket(tx, "over", 4, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK_EQ(s.inline_bucket_n, 1);
    cbolt_tx_rollback(tx);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

TEST(overflow_and_limits)
{
    cbolt_db *db = fresh("overflow", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_bucket_stats s;
    static uint8_t big[300000], key[32769];
    const void *got;
    size_t gl;
    CHECK(db != NULL);
    if (!db)
        return;
    value_of(big, sizeof big, 3);
    memset(key, 'k', sizeof key);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "o", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "big", 3, big, sizeof big), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, key, 32768, "max key", 7), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, key, 32769, "x", 1), CBOLT_ERR_KEY_TOO_LARGE);
    CHECK_EQ(cbolt_bucket_put(b, "", 0, "x", 1), CBOLT_ERR_KEY_REQUIRED);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, big, (size_t)2147483647),
             CBOLT_ERR_VALUE_TOO_LARGE);
    CHECK_EQ(cbolt_bucket_put(b, "empty", 5, NULL, 0), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "o", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_get(b, "big", 3, &got, &gl), CBOLT_OK);
    CHECK(gl == sizeof big && memcmp(got, big, gl) == 0);
    CHECK_EQ(cbolt_bucket_get(b, key, 32768, &got, &gl), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_get(b, "empty", 5, &got, &gl), CBOLT_OK);
    CHECK_EQ(gl, 0);
    CHECK_EQ(cbolt_bucket_stats_get(b, &s), CBOLT_OK);
    CHECK(s.leaf_overflow_n + s.branch_overflow_n >= 300000 / 4096);
    cbolt_tx_rollback(tx);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

static int64_t file_size(const char *name)
{
    struct stat st;
    return stat(path_of(name), &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Pages freed while a reader that can see them is open are not reused
 * until it ends; the reader keeps reading its snapshot. */
TEST(reuse_waits_for_readers)
{
    cbolt_db *db = fresh("readers", NULL);
    cbolt_tx *tx, *r;
    cbolt_bucket *b, *rb;
    static uint8_t v1[40000], v2[40000];
    const void *got;
    size_t gl;
    cbolt_db_stats st;
    uint64_t free_before;
    CHECK(db != NULL);
    if (!db)
        return;
    value_of(v1, sizeof v1, 1);
    value_of(v2, sizeof v2, 2);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, v1, sizeof v1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &r), CBOLT_OK); /* sees v1 */
    CHECK_EQ(cbolt_tx_bucket(r, "b", 1, &rb), CBOLT_OK);
    /* overwrite v several times: v1's pages stay pending while r is open */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, v2, sizeof v2), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, v1, sizeof v1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.pending_page_n >= sizeof v1 / 4096);
    CHECK_EQ(cbolt_bucket_get(rb, "v", 1, &got, &gl), CBOLT_OK);
    CHECK(gl == sizeof v1 && memcmp(got, v1, gl) == 0);
    free_before = st.free_page_n;
    cbolt_tx_rollback(r);
    /* the next commit releases them */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.free_page_n > free_before + sizeof v1 / 4096);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

/* Pages allocated and freed after the oldest reader began, with no reader
 * in between, are released although that reader is still open (the gaps
 * between readers, newer bbolt's releaseRange). */
TEST(release_gaps_between_readers)
{
    cbolt_db *db = fresh("gaps", NULL);
    cbolt_tx *tx, *old;
    cbolt_bucket *b;
    static uint8_t v[40000];
    cbolt_db_stats st;
    uint64_t before;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &old), CBOLT_OK);
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    before = st.free_page_n;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK); /* allocates */
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, v, sizeof v), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK); /* frees */
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_delete(b, "v", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK); /* releases the gap */
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.free_page_n >= before + sizeof v / 4096);
    cbolt_tx_rollback(old);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

/* More than 0xFFFF free ids: the freelist page's count overflows. */
TEST(count_overflow_freelist)
{
    cbolt_options o = {0};
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_db_stats st;
    size_t len = (size_t)70000 * 1024;
    uint8_t *v = calloc(1, len);
    o.page_size = 1024;
    o.no_sync = 1;
    db = fresh("freelist_overflow", &o);
    CHECK(db != NULL && v != NULL);
    if (!db || !v) {
        free(v);
        return;
    }
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, v, len), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "w", 1, "small", 5), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_delete(b, "v", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.free_page_n + st.pending_page_n > 0xFFFF);
    cbolt_close(db);
    free(v);
    db = reopen("freelist_overflow", &o);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.free_page_n > 0xFFFF);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

/* NoFreelistSync: no freelist page; reopened, the free pages are found by
 * walking the tree; reopened without the option, the freelist is written. */
TEST(no_freelist_sync_reopen)
{
    cbolt_options o = {0};
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_db_stats st;
    char k[32];
    static uint8_t v[3000];
    int i;
    int64_t size;
    o.no_freelist_sync = 1;
    db = fresh("nofreelistsync", &o);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 300; i++) {
        key_of(k, i);
        CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, sizeof v), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 300; i += 2) {
        key_of(k, i);
        CHECK_EQ(cbolt_bucket_delete(b, k, strlen(k)), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    cbolt_close(db);
    size = file_size("nofreelistsync");
    db = reopen("nofreelistsync", &o);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_db_stats_get(db, &st), CBOLT_OK);
    CHECK(st.free_page_n >= 100);
    /* reuse: rewriting the deleted keys does not grow the file */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 100; i += 2) {
        key_of(k, i);
        CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, sizeof v), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
    CHECK_EQ(file_size("nofreelistsync"), size);
    o.no_freelist_sync = 0;
    db = reopen("nofreelistsync", &o); /* writes the freelist */
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

static int dump_cb(void *arg, const char *bytes, size_t n)
{
    FILE *f = arg;
    return fwrite(bytes, 1, n, f) == n ? 0 : CBOLT_ERR_IO;
}

/* The dump of the last committed state, as text in a malloc'd buffer. */
static char *dump_text(cbolt_db *db)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cbolt_tx *tx;
    if (!f)
        return NULL;
    if (cbolt_begin(db, 0, &tx) == CBOLT_OK) {
        cbolt_tx_dump(tx, dump_cb, f);
        cbolt_tx_rollback(tx);
    }
    fclose(f);
    return buf;
}

TEST(rollback_discards)
{
    cbolt_db *db = fresh("rollback", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    static uint8_t v[20000];
    char *before, *after;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "keep", 4, v, sizeof v), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    before = dump_text(db);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_delete(b, "keep", 4), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "new", 3, v, sizeof v), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "c", 1, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_tx_rollback(tx), CBOLT_OK);
    after = dump_text(db);
    CHECK(before && after && strcmp(before, after) == 0);
    /* a later commit leaks nothing (check counts unreachable pages) */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "x", 1, v, sizeof v), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    free(before);
    free(after);
    cbolt_close(db);
}

TEST(errors_as_bbolt)
{
    cbolt_options ro = {0};
    cbolt_db *db = fresh("errors", NULL), *rdb;
    cbolt_tx *tx;
    cbolt_bucket *b, *b2;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, NULL), CBOLT_ERR_BUCKET_EXISTS);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "", 0, NULL),
             CBOLT_ERR_BUCKET_NAME_REQUIRED);
    CHECK_EQ(cbolt_tx_create_bucket_if_not_exists(tx, "b", 1, &b2), CBOLT_OK);
    CHECK(b2 == b);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, "1", 1), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_create_bucket(b, "v", 1, NULL),
             CBOLT_ERR_INCOMPATIBLE_VALUE);
    CHECK_EQ(cbolt_bucket_create_bucket(b, "sub", 3, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "sub", 3, "x", 1),
             CBOLT_ERR_INCOMPATIBLE_VALUE);
    CHECK_EQ(cbolt_bucket_delete(b, "sub", 3), CBOLT_ERR_INCOMPATIBLE_VALUE);
    CHECK_EQ(cbolt_bucket_delete_bucket(b, "v", 1),
             CBOLT_ERR_INCOMPATIBLE_VALUE);
    CHECK_EQ(cbolt_bucket_delete_bucket(b, "none", 4),
             CBOLT_ERR_BUCKET_NOT_FOUND);
    CHECK_EQ(cbolt_bucket_delete(b, "none", 4), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "v", 1, "2", 1), CBOLT_ERR_TX_NOT_WRITABLE);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "c", 1, NULL),
             CBOLT_ERR_TX_NOT_WRITABLE);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_ERR_TX_NOT_WRITABLE);
    cbolt_tx_rollback(tx);
    cbolt_close(db);
    ro.read_only = 1;
    rdb = reopen("errors", &ro);
    CHECK(rdb != NULL);
    if (!rdb)
        return;
    CHECK_EQ(cbolt_begin(rdb, 1, &tx), CBOLT_ERR_DATABASE_READ_ONLY);
    cbolt_close(rdb);
}

TEST(sequences_and_cursor_delete)
{
    cbolt_db *db = fresh("sequences", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_cursor *c;
    uint64_t seq;
    const void *k;
    size_t kl;
    int n = 0, rc;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "s", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_next_sequence(b, &seq), CBOLT_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(cbolt_bucket_put(b, "a", 1, "1", 1), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "b", 1, "2", 1), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "c", 1, "3", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "s", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_sequence(b), 1);
    CHECK_EQ(cbolt_bucket_set_sequence(b, 1000), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_next_sequence(b, &seq), CBOLT_OK);
    CHECK_EQ(seq, 1001);
    CHECK_EQ(cbolt_bucket_cursor(b, &c), CBOLT_OK);
    CHECK_EQ(cbolt_cursor_seek(c, "b", 1, &k, &kl, NULL, NULL, NULL),
             CBOLT_OK);
    CHECK_EQ(cbolt_cursor_delete(c), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "s", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_sequence(b), 1001);
    CHECK_EQ(cbolt_bucket_cursor(b, &c), CBOLT_OK);
    for (rc = cbolt_cursor_first(c, &k, &kl, NULL, NULL, NULL); rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &k, &kl, NULL, NULL, NULL))
        n++;
    CHECK_EQ(n, 2);
    cbolt_tx_rollback(tx);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

/* Nested buckets: deleting a bucket frees every page below it. */
TEST(delete_nested_frees_all)
{
    cbolt_db *db = fresh("nested_delete", NULL);
    cbolt_tx *tx;
    cbolt_bucket *b, *p;
    static uint8_t v[3000];
    char k[32];
    int i, d;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "top", 3, &p), CBOLT_OK);
    for (d = 0; d < 12; d++) {
        snprintf(k, sizeof k, "level%d", d);
        CHECK_EQ(cbolt_bucket_create_bucket(p, k, strlen(k), &b), CBOLT_OK);
        CHECK_EQ(cbolt_bucket_create_bucket(p, "inl", 3, NULL), CBOLT_OK);
        for (i = 0; i < (d % 3 == 0 ? 40 : 2); i++) {
            key_of(k, i);
            CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, sizeof v), CBOLT_OK);
        }
        p = b;
    }
    CHECK_EQ(cbolt_tx_create_bucket(tx, "other", 5, NULL), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "top", 3, &p), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(p, "touch", 5, "x", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_delete_bucket(tx, "top", 3), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "top", 3, &p), CBOLT_ERR_BUCKET_NOT_FOUND);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0); /* no page unreachable: all freed */
    cbolt_close(db);
}

/* The writer grows the file and maps it anew while a reader of the same
 * thread is open: nothing waits, the reader keeps its snapshot. */
TEST(growth_with_reader_open)
{
    cbolt_db *db = fresh("growth", NULL);
    cbolt_tx *tx, *r;
    cbolt_bucket *b, *rb;
    static uint8_t v[1 << 20];
    const void *got;
    size_t gl;
    char k[32];
    int i;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "first", 5, "1", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &r), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(r, "b", 1, &rb), CBOLT_OK);
    for (i = 0; i < 40; i++) { /* 40 MiB: several new mappings */
        CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
        CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
        key_of(k, i);
        value_of(v, sizeof v, i);
        CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, sizeof v), CBOLT_OK);
        CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
        CHECK_EQ(cbolt_bucket_get(rb, "first", 5, &got, &gl), CBOLT_OK);
        CHECK_EQ(cbolt_bucket_get(rb, k, strlen(k), &got, &gl),
                 CBOLT_NOTFOUND);
    }
    cbolt_tx_rollback(r);
    CHECK_EQ(cbolt_begin(db, 0, &r), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(r, "b", 1, &rb), CBOLT_OK);
    key_of(k, 39);
    value_of(v, sizeof v, 39);
    CHECK_EQ(cbolt_bucket_get(rb, k, strlen(k), &got, &gl), CBOLT_OK);
    CHECK(gl == sizeof v && memcmp(got, v, gl) == 0);
    cbolt_tx_rollback(r);
    CHECK(file_size("growth") >= 40 << 20);
    cbolt_close(db);
}

TEST(backup_and_compact)
{
    cbolt_options ro = {0};
    cbolt_db *db = fresh("backup_src", NULL), *copy, *dst;
    cbolt_tx *tx, *snap;
    cbolt_bucket *b;
    static uint8_t v[500];
    char k[32], *want, *got;
    int i;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_set_sequence(b, 77), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_create_bucket(b, "n", 1, NULL), CBOLT_OK);
    for (i = 0; i < 5000; i++) {
        key_of(k, i);
        CHECK_EQ(cbolt_bucket_put(b, k, strlen(k), v, sizeof v), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    want = dump_text(db);
    /* back up a snapshot while a writer deletes most keys */
    CHECK_EQ(cbolt_begin(db, 0, &snap), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 5000; i++)
        if (i % 10) {
            key_of(k, i);
            CHECK_EQ(cbolt_bucket_delete(b, k, strlen(k)), CBOLT_OK);
        }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    unlink(path_of("backup_copy"));
    CHECK_EQ(cbolt_tx_copy_file(snap, path_of("backup_copy"), 0600), CBOLT_OK);
    cbolt_tx_rollback(snap);
    ro.read_only = 1;
    copy = reopen("backup_copy", &ro);
    CHECK(copy != NULL);
    if (copy) {
        got = dump_text(copy);
        CHECK(want && got && strcmp(want, got) == 0);
        CHECK_EQ(check_db(copy), 0);
        free(got);
        cbolt_close(copy);
    }
    free(want);
    /* compact the source: same contents, smaller file */
    want = dump_text(db);
    cbolt_close(db);
    db = reopen("backup_src", &ro);
    dst = fresh("compacted", NULL);
    CHECK(db && dst);
    if (db && dst) {
        CHECK_EQ(cbolt_compact(dst, db, 100000), CBOLT_OK);
        got = dump_text(dst);
        CHECK(want && got && strcmp(want, got) == 0);
        CHECK_EQ(check_db(dst), 0);
        free(got);
    }
    free(want);
    cbolt_close(db);
    cbolt_close(dst);
    CHECK(file_size("compacted") < file_size("backup_src"));
}

static int add_one(cbolt_tx *tx, void *arg)
{
    cbolt_bucket *b;
    int rc = cbolt_tx_create_bucket_if_not_exists(tx, "batch", 5, &b);
    char k[32];
    snprintf(k, sizeof k, "k%d", *(int *)arg);
    return rc ? rc : cbolt_bucket_put(b, k, strlen(k), "v", 1);
}

static int fail_fn(cbolt_tx *tx, void *arg)
{
    (void)tx;
    (void)arg;
    return CBOLT_ERR_INVALID_ARG;
}

/* A fill percent that is not a number is clamped like one below the
 * minimum (0.1): before, it passed both comparisons of the clamp and the
 * commit converted ps * NaN to an integer (undefined behaviour; on x86 a
 * split threshold of 2^63, so leaves were never cut). Regression of a
 * review of 2026-12-04. */
static int leaf_pages_with_fill(const char *name, double fill,
                                cbolt_bucket_stats *s)
{
    cbolt_db *db = fresh(name, NULL);
    cbolt_tx *tx;
    cbolt_bucket *b;
    char k[32];
    uint8_t v[100];
    int i, rc = -1;
    if (!db)
        return -1;
    if (cbolt_begin(db, 1, &tx) != CBOLT_OK)
        goto out;
    if (cbolt_tx_create_bucket(tx, "b", 1, &b) != CBOLT_OK) {
        cbolt_tx_rollback(tx);
        goto out;
    }
    cbolt_bucket_set_fill_percent(b, fill);
    for (i = 0; i < 3000; i++) {
        key_of(k, i);
        value_of(v, sizeof v, i);
        if (cbolt_bucket_put(b, k, strlen(k), v, sizeof v) != CBOLT_OK)
            break;
    }
    if (i < 3000 || cbolt_tx_commit(tx) != CBOLT_OK) {
        if (i < 3000)
            cbolt_tx_rollback(tx);
        goto out;
    }
    if (cbolt_begin(db, 0, &tx) != CBOLT_OK)
        goto out;
    if (cbolt_tx_bucket(tx, "b", 1, &b) == CBOLT_OK &&
        cbolt_bucket_stats_get(b, s) == CBOLT_OK)
        rc = check_db(db);
    cbolt_tx_rollback(tx);
out:
    cbolt_close(db);
    return rc;
}

TEST(fill_percent_nan)
{
    cbolt_bucket_stats lo, nan_fill;
    memset(&lo, 0, sizeof lo);
    memset(&nan_fill, 0, sizeof nan_fill);
    CHECK_EQ(leaf_pages_with_fill("fill_min", 0.1, &lo), 0);
    CHECK_EQ(leaf_pages_with_fill("fill_nan", NAN, &nan_fill), 0);
    CHECK(lo.leaf_page_n > 100);
    CHECK_EQ(nan_fill.leaf_page_n, lo.leaf_page_n);
    CHECK_EQ(nan_fill.leaf_overflow_n, lo.leaf_overflow_n);
    CHECK_EQ(nan_fill.key_n, 3000);
}

TEST(update_and_batch)
{
    cbolt_db *db = fresh("batch", NULL);
    int one = 1, two = 2;
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(cbolt_update(db, add_one, &one), CBOLT_OK);
    CHECK_EQ(cbolt_batch(db, add_one, &two), CBOLT_OK);
    CHECK_EQ(cbolt_update(db, fail_fn, NULL), CBOLT_ERR_INVALID_ARG);
    CHECK_EQ(cbolt_batch(db, fail_fn, NULL), CBOLT_ERR_INVALID_ARG);
    CHECK_EQ(check_db(db), 0);
    cbolt_close(db);
}

int main(void)
{
    const char *o = getenv("CBOLT_OUT");
    unit_suite = "write";
    if (o)
        snprintf(outdir, sizeof outdir, "%s", o);
    mkdir(outdir, 0755);
    RUN(split_and_merge);
    RUN(inline_threshold);
    RUN(overflow_and_limits);
    RUN(reuse_waits_for_readers);
    RUN(release_gaps_between_readers);
    RUN(count_overflow_freelist);
    RUN(no_freelist_sync_reopen);
    RUN(rollback_discards);
    RUN(errors_as_bbolt);
    RUN(sequences_and_cursor_delete);
    RUN(delete_nested_frees_all);
    RUN(growth_with_reader_open);
    RUN(backup_and_compact);
    RUN(update_and_batch);
    RUN(fill_percent_nan);
    return unit_total_failed ? 1 : 0;
}
