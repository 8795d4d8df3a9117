/*
 * test_glue.c - the engine's glue on the files and calls that used to
 * break it (issue "One door, no recursion, no crash"), each a regression:
 * - buckets nested 10,000 deep, made by cbolt in one transaction and by
 *   bbolt ($CBOLT_DEEP): open, check, dump, stats, for-each, delete,
 *   compact and backup (these overflowed the stack through recursion);
 * - a sub-bucket whose root is its parent's root (a cycle) and two
 *   buckets sharing a root: clean corruption errors, never a loop;
 * - files of every size, on disk (sparse, several GiB) and in memory,
 *   read-only and read-write (a page size of 0 divided a size at open);
 * - a read-write begin on the thread that holds the writer (it waited
 *   for itself);
 * - a torn meta page that is not in force: a note, not a problem.
 * Files are left in $CBOLT_OUT for tests/run.sh to hand to bbolt.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbolt.h"
#include "meta.h"
#include "page.h"
#include "unit.h"

static char outdir[256] = "build/written";

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", outdir, name);
    return p[i];
}

/* FNV-1a over a dump: equal dumps give equal hashes and lengths. */
typedef struct digest {
    uint64_t h, n;
} digest;

static int digest_write(void *arg, const char *b, size_t n)
{
    digest *d = arg;
    size_t i;
    for (i = 0; i < n; i++)
        d->h = (d->h ^ (uint8_t)b[i]) * 0x100000001b3ull;
    d->n += n;
    return CBOLT_OK;
}

/* The digest of db's dump; n = 0 on error. */
static digest dump_digest(cbolt_db *db)
{
    digest d = {0xcbf29ce484222325ull, 0};
    cbolt_tx *tx;
    if (cbolt_begin(db, 0, &tx) != CBOLT_OK)
        return (digest){0, 0};
    if (cbolt_tx_dump(tx, digest_write, &d) != CBOLT_OK)
        d.n = 0;
    cbolt_tx_rollback(tx);
    return d;
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

static int copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    int in = open(from, O_RDONLY), out;
    ssize_t n;
    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            n = -1;
    close(in);
    close(out);
    return n < 0 ? -1 : 0;
}

/* ---- deep nesting ---- */

#define DEPTH 10000

/* Counts the buckets below b, going down its only sub-bucket. */
static int count_chain(cbolt_bucket *b, int *bottom)
{
    int n = 1;
    for (;;) {
        cbolt_cursor *c;
        const void *k, *v;
        size_t kl, vl;
        int isb, rc, found = 0;
        if (cbolt_bucket_cursor(b, &c) != CBOLT_OK)
            return -1;
        for (rc = cbolt_cursor_first(c, &k, &kl, &v, &vl, &isb);
             rc == CBOLT_OK;
             rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, &isb)) {
            if (!isb && kl == 6 && memcmp(k, "bottom", 6) == 0)
                *bottom = 1;
            if (isb && !found) {
                cbolt_bucket *sub;
                if (cbolt_bucket_bucket(b, k, kl, &sub) != CBOLT_OK)
                    return -1;
                b = sub;
                found = 1;
            }
        }
        cbolt_cursor_close(c);
        if (rc != CBOLT_NOTFOUND)
            return -1;
        if (!found)
            return n;
        n++;
    }
}

static int create_chain(cbolt_db *db, int depth)
{
    cbolt_tx *tx;
    cbolt_bucket *b;
    int i, rc;
    if ((rc = cbolt_begin(db, 1, &tx)) != CBOLT_OK)
        return rc;
    rc = cbolt_tx_create_bucket(tx, "deep", 4, &b);
    for (i = 1; rc == CBOLT_OK && i < depth; i++) {
        char name = (char)('a' + i % 26);
        if (i % 1000 == 0) {
            char k[32];
            int j;
            for (j = 0; rc == CBOLT_OK && j < 50; j++) {
                snprintf(k, sizeof k, "k%05d-%02d", i, j);
                rc = cbolt_bucket_put(b, k, strlen(k), "v", 1);
            }
        }
        if (rc == CBOLT_OK)
            rc = cbolt_bucket_create_bucket(b, &name, 1, &b);
        if (rc == CBOLT_OK)
            rc = cbolt_bucket_set_sequence(b, (uint64_t)i);
    }
    if (rc == CBOLT_OK)
        rc = cbolt_bucket_put(b, "bottom", 6, "reached", 7);
    if (rc == CBOLT_OK)
        return cbolt_tx_commit(tx);
    cbolt_tx_rollback(tx);
    return rc;
}

/* Every operation on a chain DEPTH deep in the file at path. */
static void exercise_deep(const char *unit_name, const char *path,
                          const char *tag)
{
    char cpath[600], bpath[600];
    cbolt_db *db, *dst;
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_bucket_stats st;
    digest d0, d1;
    int bottom = 0;

    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(check_db(db), 0);
    d0 = dump_digest(db);
    CHECK(d0.n > 0);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "deep", 4, &b), CBOLT_OK);
    CHECK_EQ(count_chain(b, &bottom), DEPTH);
    CHECK(bottom);
    CHECK_EQ(cbolt_bucket_stats_get(b, &st), CBOLT_OK);
    CHECK_EQ(st.bucket_n, DEPTH);
    snprintf(bpath, sizeof bpath, "%s/%s-backup.db", outdir, tag);
    unlink(bpath);
    CHECK_EQ(cbolt_tx_copy_file(tx, bpath, 0600), CBOLT_OK);
    cbolt_tx_rollback(tx);

    /* compaction and the backup hold the same buckets and keys */
    snprintf(cpath, sizeof cpath, "%s/%s-compact.db", outdir, tag);
    unlink(cpath);
    CHECK_EQ(cbolt_open(cpath, NULL, &dst), CBOLT_OK);
    if (dst) {
        CHECK_EQ(cbolt_compact(dst, db, 1u << 20), CBOLT_OK);
        CHECK_EQ(check_db(dst), 0);
        d1 = dump_digest(dst);
        CHECK(d1.n == d0.n && d1.h == d0.h);
        CHECK_EQ(cbolt_close(dst), CBOLT_OK);
    }
    CHECK_EQ(cbolt_open(bpath, NULL, &dst), CBOLT_OK);
    if (dst) {
        CHECK_EQ(check_db(dst), 0);
        d1 = dump_digest(dst);
        CHECK(d1.n == d0.n && d1.h == d0.h);
        CHECK_EQ(cbolt_close(dst), CBOLT_OK);
    }

    /* deleting the outer bucket frees all 10,000 levels */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_delete_bucket(tx, "deep", 4), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (db) {
        CHECK_EQ(check_db(db), 0);
        CHECK_EQ(dump_digest(db).n, 0); /* an empty dump */
        CHECK_EQ(cbolt_close(db), CBOLT_OK);
    }
    /* bbolt reads cbolt's compaction in tests/run.sh; the others hold
     * what the digests compared */
    unlink(bpath);
    if (strcmp(tag, "deep-cbolt") != 0)
        unlink(cpath);
}

/* 10,000 nested buckets created in one transaction and committed; then
 * everything else on that file. */
TEST(deep_nesting_made_by_cbolt)
{
    const char *path = path_of("deep-cbolt.db"), *keep;
    cbolt_db *db;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(create_chain(db, DEPTH), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    /* a copy stays deep for bbolt's check in tests/run.sh */
    keep = path_of("deep-cbolt-kept.db");
    CHECK_EQ(copy_file(path, keep), 0);
    exercise_deep(unit_name, path, "deep-cbolt");
}

/* The same on a file bbolt wrote (tests/run.sh: bolttool deep). */
TEST(deep_nesting_made_by_bbolt)
{
    const char *src = getenv("CBOLT_DEEP"), *path = path_of("deep-bbolt.db");
    if (!src) {
        printf("FAIL glue/deep_nesting_made_by_bbolt: $CBOLT_DEEP unset\n");
        unit_failed = 1;
        return;
    }
    CHECK_EQ(copy_file(src, path), 0);
    exercise_deep(unit_name, path, "deep-bbolt");
}

/* A tree deeper than a cursor's inline levels: keys of 1900 bytes leave
 * two per branch page, so 2048 keys make a tree 11 levels deep. */
TEST(deep_tree_of_big_keys)
{
    const char *path = path_of("deep-tree.db");
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_bucket_stats st;
    cbolt_cursor *c;
    static uint8_t key[1900];
    const void *k, *v;
    size_t kl, vl;
    int i, n, isb, rc;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "t", 1, &b), CBOLT_OK);
    for (i = 0; i < 2048; i++) {
        memset(key, 'k', sizeof key);
        key[0] = (uint8_t)(i >> 8);
        key[1] = (uint8_t)i;
        CHECK_EQ(cbolt_bucket_put(b, key, sizeof key, &i, sizeof i), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "t", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(b, &st), CBOLT_OK);
    CHECK(st.depth > 8);
    for (i = 0; i < 2048; i++) {
        key[0] = (uint8_t)(i >> 8);
        key[1] = (uint8_t)i;
        CHECK_EQ(cbolt_bucket_get(b, key, sizeof key, &v, &vl), CBOLT_OK);
        CHECK(vl == sizeof i && memcmp(v, &i, sizeof i) == 0);
    }
    CHECK_EQ(cbolt_bucket_cursor(b, &c), CBOLT_OK);
    for (n = 0, rc = cbolt_cursor_last(c, &k, &kl, &v, &vl, &isb);
         rc == CBOLT_OK; rc = cbolt_cursor_prev(c, &k, &kl, &v, &vl, &isb))
        n++;
    CHECK_EQ(n, 2048);
    for (i = 0; i < 2048; i += 2) {
        key[0] = (uint8_t)(i >> 8);
        key[1] = (uint8_t)i;
        CHECK_EQ(cbolt_bucket_delete(b, key, sizeof key), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
}

/* One transaction putting 200,000 keys in random order into one bucket
 * (and a new one): nodes split in memory as they grow (node_settle), so
 * that puts stay cheap; gets, deletes and cursor walks in the same
 * transaction see every key; the commit checks and bbolt reads it. */
static uint32_t perm(uint32_t i)
{
    /* a bijection of [0, 200003): 200003 is prime */
    return (uint32_t)(((uint64_t)i * 2654435761u) % 200003u);
}

static int walk_count(cbolt_bucket *b, int backwards, int *ordered)
{
    cbolt_cursor *c;
    const void *k, *v;
    size_t kl, vl;
    char prev[16] = "";
    int n = 0, rc, isb;
    if (cbolt_bucket_cursor(b, &c) != CBOLT_OK)
        return -1;
    *ordered = 1;
    for (rc = backwards ? cbolt_cursor_last(c, &k, &kl, &v, &vl, &isb)
                        : cbolt_cursor_first(c, &k, &kl, &v, &vl, &isb);
         rc == CBOLT_OK;
         rc = backwards ? cbolt_cursor_prev(c, &k, &kl, &v, &vl, &isb)
                        : cbolt_cursor_next(c, &k, &kl, &v, &vl, &isb)) {
        char cur[16];
        snprintf(cur, sizeof cur, "%.*s", (int)kl, (const char *)k);
        if (n > 0 && (backwards ? strcmp(cur, prev) >= 0
                                : strcmp(cur, prev) <= 0))
            *ordered = 0;
        strcpy(prev, cur);
        n++;
    }
    cbolt_cursor_close(c);
    return rc == CBOLT_NOTFOUND ? n : -1;
}

TEST(big_transaction)
{
    const char *path = path_of("bigtx.db");
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b, *fresh;
    cbolt_tx_stats st;
    char k[16];
    const void *v;
    size_t vl;
    uint32_t i, n = 200000, live = 0;
    int ordered, phase;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "big", 3, &b), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "fresh", 5, &fresh), CBOLT_OK);
    for (i = 0; i < n && !unit_failed; i++) {
        snprintf(k, sizeof k, "%08u", perm(i));
        CHECK_EQ(cbolt_bucket_put(b, k, 8, k, 8), CBOLT_OK);
        if (i % 50 == 0)
            CHECK_EQ(cbolt_bucket_put(fresh, k, 8, "", 0), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_stats_get(tx, &st), CBOLT_OK);
    CHECK(st.split > 100); /* split in memory, before any commit */
    for (i = 0; i < n; i += 3) {
        snprintf(k, sizeof k, "%08u", perm(i));
        CHECK_EQ(cbolt_bucket_delete(b, k, 8), CBOLT_OK);
    }
    for (phase = 0; phase < 2; phase++) {
        /* in the transaction, then after the commit */
        for (i = 0, live = 0; i < n; i++) {
            snprintf(k, sizeof k, "%08u", perm(i));
            if (i % 3 == 0) {
                CHECK_EQ(cbolt_bucket_get(b, k, 8, &v, &vl), CBOLT_NOTFOUND);
                continue;
            }
            live++;
            if (cbolt_bucket_get(b, k, 8, &v, &vl) != CBOLT_OK) {
                if (!unit_failed)
                    printf("# phase %d: key %s (%u) missing\n", phase, k, i);
                CHECK(0);
                continue;
            }
            CHECK(vl == 8 && memcmp(v, k, 8) == 0);
        }
        CHECK_EQ(walk_count(b, 0, &ordered), (int)live);
        CHECK(ordered);
        CHECK_EQ(walk_count(b, 1, &ordered), (int)live);
        CHECK(ordered);
        CHECK_EQ(walk_count(fresh, 0, &ordered), (int)(n / 50));
        if (phase == 0) {
            CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
            CHECK_EQ(check_db(db), 0);
            CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
            CHECK_EQ(cbolt_tx_bucket(tx, "big", 3, &b), CBOLT_OK);
            CHECK_EQ(cbolt_tx_bucket(tx, "fresh", 5, &fresh), CBOLT_OK);
        }
    }
    cbolt_tx_rollback(tx);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
}

/* Nodes split in memory, then emptied again in the same transaction and
 * the next: the commits rebalance (merge) nodes that never had a page. */
TEST(split_then_drained)
{
    const char *path = path_of("drained.db");
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b, *sub;
    char k[16];
    const void *v;
    size_t vl;
    int i, round, ordered;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    for (round = 0; round < 3 && !unit_failed; round++) {
        CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
        CHECK_EQ(cbolt_tx_create_bucket_if_not_exists(tx, "d", 1, &b),
                 CBOLT_OK);
        for (i = 0; i < 6000; i++) {
            snprintf(k, sizeof k, "%06d", (int)perm((uint32_t)i) % 100000);
            CHECK_EQ(cbolt_bucket_put(b, k, 6, k, 6), CBOLT_OK);
        }
        CHECK_EQ(cbolt_bucket_create_bucket_if_not_exists(b, "zsub", 4, &sub),
                 CBOLT_OK);
        for (i = 0; i < 3000; i++) {
            snprintf(k, sizeof k, "%06d", i);
            CHECK_EQ(cbolt_bucket_put(sub, k, 6, "", 0), CBOLT_OK);
        }
        /* keep one key in 100 (round 2: none) */
        for (i = 0; i < 6000; i++) {
            if (round < 2 && i % 100 == 0)
                continue;
            snprintf(k, sizeof k, "%06d", (int)perm((uint32_t)i) % 100000);
            CHECK_EQ(cbolt_bucket_delete(b, k, 6), CBOLT_OK);
        }
        for (i = 0; i < 3000; i++) {
            snprintf(k, sizeof k, "%06d", i);
            if (i % 7)
                CHECK_EQ(cbolt_bucket_delete(sub, k, 6), CBOLT_OK);
        }
        CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
        CHECK_EQ(check_db(db), 0);
        CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
        CHECK_EQ(cbolt_tx_bucket(tx, "d", 1, &b), CBOLT_OK);
        for (i = 0; i < 6000; i += 100) {
            snprintf(k, sizeof k, "%06d", (int)perm((uint32_t)i) % 100000);
            CHECK_EQ(cbolt_bucket_get(b, k, 6, &v, &vl),
                     round < 2 ? CBOLT_OK : CBOLT_NOTFOUND);
        }
        CHECK_EQ(walk_count(b, 0, &ordered), round < 2 ? 61 : 1);
        CHECK(ordered);
        CHECK_EQ(cbolt_bucket_bucket(b, "zsub", 4, &sub), CBOLT_OK);
        CHECK_EQ(walk_count(sub, 1, &ordered), 429);
        CHECK(ordered);
        cbolt_tx_rollback(tx);
    }
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
}

/* The in-memory split of a node that has grown past NODE_EAGER_MAX must
 * name it in its parent by its first key now, not by the key it was read
 * with. Three ways that key goes stale: a bucket read with one key "m" takes
 * hundreds of smaller and larger keys in one transaction (the root case);
 * the leftmost leaf of a bigger tree takes smaller keys; a leaf's first keys
 * are deleted before it grows. Found by tests/diff (seed 29, regress trace
 * dump-cbolt-cbolt-s29): the parent came out unordered, the commit wrote
 * pages out of key order and leaked others. */
static void stale_round(const char *unit_name, cbolt_db *db, const char *name,
                        int base, int step,
                        int dels)
{
    cbolt_tx *tx;
    cbolt_bucket *b;
    char k[16];
    int i, ordered, n0;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    if (unit_failed)
        return;
    CHECK_EQ(cbolt_tx_create_bucket_if_not_exists(tx, name, strlen(name), &b),
             CBOLT_OK);
    n0 = walk_count(b, 0, &ordered);
    for (i = 0; i < dels; i++) {
        snprintf(k, sizeof k, "m%05d", i);
        CHECK_EQ(cbolt_bucket_delete(b, k, 6), CBOLT_OK);
    }
    /* keys on both sides of what is there, interleaved */
    for (i = 0; i < 700; i++) {
        snprintf(k, sizeof k, "%c%05d", i % 2 ? 'a' : 'z', base + i * step);
        CHECK_EQ(cbolt_bucket_put(b, k, 6, k, 6), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    if (unit_failed)
        return;
    CHECK_EQ(cbolt_tx_bucket(tx, name, strlen(name), &b), CBOLT_OK);
    CHECK_EQ(walk_count(b, 0, &ordered), n0 - dels + 700);
    CHECK(ordered);
    cbolt_tx_rollback(tx);
}

TEST(split_in_memory_after_stale_key)
{
    const char *path = path_of("stale.db");
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    char k[16];
    int i;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    /* one key: an inline bucket, then a root leaf of one page */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "one", 3, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_put(b, "m", 1, "v", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "many", 4, &b), CBOLT_OK);
    for (i = 0; i < 2000; i++) {
        snprintf(k, sizeof k, "m%05d", i);
        CHECK_EQ(cbolt_bucket_put(b, k, 6, k, 6), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    stale_round(unit_name, db, "one", 0, 1, 0);      /* inline root read with "m" */
    stale_round(unit_name, db, "one", 1000, 1, 0);   /* a root leaf now, split again */
    stale_round(unit_name, db, "many", 0, 1, 0);     /* leftmost leaf of a tree */
    stale_round(unit_name, db, "many", 2000, 1, 300); /* first keys deleted first */
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
}

/* ---- shared roots and cycles ---- */

/* The file's bytes. */
static uint8_t *slurp(const char *path, size_t *len)
{
    struct stat sb;
    uint8_t *p;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    p = malloc((size_t)sb.st_size);
    if (p && read(fd, p, (size_t)sb.st_size) != sb.st_size) {
        free(p);
        p = NULL;
    }
    close(fd);
    *len = (size_t)sb.st_size;
    return p;
}

static int spit(const char *path, const uint8_t *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), ok;
    if (fd < 0)
        return -1;
    ok = write(fd, p, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

/* The meta in force of a file's bytes (page size 4096). */
static void meta_of(const uint8_t *file, meta *m)
{
    meta m0, m1;
    meta_decode(file, &m0);
    meta_decode(file + 4096, &m1);
    *m = m1.txid > m0.txid ? m1 : m0;
}

/* The value of key in the leaf page pgid of file (NULL when absent). */
static uint8_t *leaf_value(uint8_t *file, uint64_t pgid, const char *key)
{
    page_view pv;
    uint32_t bad, i;
    if (page_validate(file + pgid * 4096, 4096, PV_LEAF, &pv, &bad) !=
        RULE_OK)
        return NULL;
    for (i = 0; i < pv.count; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl, fl;
        page_leaf_item(&pv, i, &k, &kl, &v, &vl, &fl);
        if (kl == strlen(key) && memcmp(k, key, kl) == 0)
            return (uint8_t *)v;
    }
    return NULL;
}

/* Top-level buckets A (with a sub-bucket C) and B, each with a root
 * page of its own. */
static int make_abc(const char *path)
{
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *a, *b, *c;
    char k[16], v[200];
    int i, rc;
    unlink(path);
    if ((rc = cbolt_open(path, NULL, &db)) != CBOLT_OK)
        return rc;
    rc = cbolt_begin(db, 1, &tx);
    if (rc == CBOLT_OK)
        rc = cbolt_tx_create_bucket(tx, "A", 1, &a);
    if (rc == CBOLT_OK)
        rc = cbolt_tx_create_bucket(tx, "B", 1, &b);
    if (rc == CBOLT_OK)
        rc = cbolt_bucket_create_bucket(a, "C", 1, &c);
    memset(v, 'x', sizeof v);
    for (i = 0; rc == CBOLT_OK && i < 10; i++) {
        snprintf(k, sizeof k, "key%02d", i);
        rc = cbolt_bucket_put(a, k, strlen(k), v, sizeof v);
        if (rc == CBOLT_OK)
            rc = cbolt_bucket_put(b, k, strlen(k), v, sizeof v);
        if (rc == CBOLT_OK)
            rc = cbolt_bucket_put(c, k, strlen(k), v, sizeof v);
    }
    if (rc == CBOLT_OK)
        rc = cbolt_tx_commit(tx);
    else
        cbolt_tx_rollback(tx);
    cbolt_close(db);
    return rc;
}

/* Rewrites the root of bucket `name` (in leaf page `in` of the file) to
 * the root of bucket `like` (in leaf page `likein`). */
static int share_root(const char *path, int cycle)
{
    size_t len;
    uint8_t *f = slurp(path, &len), *va, *vb;
    meta m;
    int rc = -1;
    if (!f)
        return -1;
    meta_of(f, &m);
    va = leaf_value(f, m.root, "A");
    if (va) {
        /* cycle: C (in A's root leaf) gets A's root; else B gets it */
        vb = cycle ? leaf_value(f, ld64(va), "C") : leaf_value(f, m.root, "B");
        if (vb) {
            memcpy(vb, va, 8);
            rc = spit(path, f, len);
        }
    }
    free(f);
    return rc;
}

/* Counts the page-double problems a check reports. */
static void count_problem_fn(void *arg, uint64_t pgid, const char *rule,
                             const char *msg)
{
    (void)pgid;
    (void)msg;
    if (strcmp(rule, "page-double") == 0)
        ++*(int *)arg;
}

static int write_null(void *arg, const char *b, size_t n)
{
    (void)arg;
    (void)b;
    (void)n;
    return CBOLT_OK;
}

TEST(sub_bucket_with_its_parents_root)
{
    const char *path = path_of("cycle.db"), *cpath = path_of("cycle-compact.db");
    cbolt_db *db, *dst;
    cbolt_tx *tx;
    cbolt_bucket *a;
    cbolt_bucket_stats st;
    int doubles = 0, rc;
    CHECK_EQ(make_abc(path), CBOLT_OK);
    CHECK_EQ(share_root(path, 1), 0);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK(cbolt_tx_check(tx, count_problem_fn, &doubles) > 0);
    CHECK(doubles > 0);
    CHECK_EQ(cbolt_tx_dump(tx, write_null, NULL), CBOLT_ERR_CORRUPT);
    CHECK_EQ(cbolt_tx_bucket(tx, "A", 1, &a), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_stats_get(a, &st), CBOLT_ERR_CORRUPT);
    cbolt_tx_rollback(tx);
    /* deleting A meets A's root twice: a corruption, and the
     * transaction is poisoned */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    rc = cbolt_tx_delete_bucket(tx, "A", 1);
    CHECK_EQ(rc, CBOLT_ERR_CORRUPT);
    CHECK_EQ(strcmp(cbolt_last_error()->rule, "page-double"), 0);
    CHECK_EQ(cbolt_tx_delete_bucket(tx, "B", 1), CBOLT_ERR_TX_FAILED);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_ERR_TX_FAILED);
    CHECK_EQ(cbolt_tx_rollback(tx), CBOLT_OK);
    unlink(cpath);
    CHECK_EQ(cbolt_open(cpath, NULL, &dst), CBOLT_OK);
    if (dst) {
        CHECK_EQ(cbolt_compact(dst, db, 0), CBOLT_ERR_CORRUPT);
        cbolt_close(dst);
    }
    /* the handle still writes */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_delete_bucket(tx, "B", 1), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    unlink(path);
    unlink(cpath);
}

TEST(two_buckets_one_root)
{
    const char *path = path_of("shared-root.db");
    cbolt_db *db;
    cbolt_tx *tx;
    int doubles = 0, rc;
    CHECK_EQ(make_abc(path), CBOLT_OK);
    CHECK_EQ(share_root(path, 0), 0);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK(cbolt_tx_check(tx, count_problem_fn, &doubles) > 0);
    CHECK(doubles > 0);
    CHECK_EQ(cbolt_tx_dump(tx, write_null, NULL), CBOLT_ERR_CORRUPT);
    cbolt_tx_rollback(tx);
    /* deleting both frees the shared pages twice: page-double */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_delete_bucket(tx, "A", 1), CBOLT_OK);
    rc = cbolt_tx_delete_bucket(tx, "B", 1);
    CHECK_EQ(rc, CBOLT_ERR_CORRUPT);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_ERR_TX_FAILED);
    CHECK_EQ(cbolt_tx_rollback(tx), CBOLT_OK);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    unlink(path);
}

/* ---- files of every size ---- */

/* Opens path (through vfs) read-only and read-write: each either opens
 * (and then checks) or fails with a negative code. */
static void open_both_ways(const char *unit_name, cbolt_vfs *vfs,
                           const char *path, int want_ok)
{
    int ro;
    for (ro = 1; ro >= 0; ro--) {
        cbolt_options o;
        cbolt_db *db = NULL;
        int rc;
        memset(&o, 0, sizeof o);
        o.read_only = ro;
        o.vfs = vfs;
        rc = cbolt_open(path, &o, &db);
        CHECK(rc == CBOLT_OK || rc < 0);
        if (want_ok >= 0)
            CHECK_EQ(rc == CBOLT_OK, want_ok);
        if (rc == CBOLT_OK) {
            CHECK_EQ(check_db(db), 0);
            CHECK_EQ(cbolt_close(db), CBOLT_OK);
        }
    }
}

static int sized_file(const char *path, uint64_t size, const uint8_t *head,
                      size_t hlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), ok = 1;
    if (fd < 0)
        return -1;
    if (hlen && write(fd, head, hlen) != (ssize_t)hlen)
        ok = 0;
    if (ok && ftruncate(fd, (off_t)size) != 0)
        ok = 0;
    close(fd);
    return ok ? 0 : -1;
}

TEST(files_of_every_size_on_disk)
{
    static const uint64_t sizes[] = {
        1, 79, 80, 255, 256, 511, 512, 4095, 4096, 8191, 8192, 12288,
        16383, 16384, 65536, (1ull << 30) + 4096, 5ull << 30};
    const char *path = path_of("sized.db");
    uint8_t *valid = NULL;
    size_t vlen = 0, i;
    cbolt_db *db;

    /* an empty file: read-only fails, read-write makes a database */
    CHECK_EQ(sized_file(path, 0, NULL, 0), 0);
    open_both_ways(unit_name, NULL, path, -1);
    valid = slurp(path, &vlen);
    CHECK(valid && vlen == 4 * 4096);
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        /* zeros (sparse): no valid meta, a clean error */
        CHECK_EQ(sized_file(path, sizes[i], NULL, 0), 0);
        open_both_ways(unit_name, NULL, path, 0);
        /* a valid database at the front, then zeros up to the size */
        if (valid && sizes[i] >= vlen) {
            CHECK_EQ(sized_file(path, sizes[i], valid, vlen), 0);
            open_both_ways(unit_name, NULL, path, 1);
        } else if (valid) {
            /* a database cut short: its metas name missing pages */
            CHECK_EQ(sized_file(path, sizes[i], valid, (size_t)sizes[i]), 0);
            open_both_ways(unit_name, NULL, path, 0);
        }
    }
    /* random bytes */
    for (i = 0; i < 8; i++) {
        uint8_t junk[16384];
        size_t j;
        for (j = 0; j < sizeof junk; j++)
            junk[j] = (uint8_t)(j * 2654435761u >> (8 + i));
        CHECK_EQ(sized_file(path, sizeof junk, junk, sizeof junk), 0);
        open_both_ways(unit_name, NULL, path, -1);
    }
    free(valid);
    /* a sparse 5 GiB database opened read-write takes a commit */
    CHECK_EQ(sized_file(path, 0, NULL, 0), 0);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (db)
        cbolt_close(db);
    valid = slurp(path, &vlen);
    if (valid) {
        CHECK_EQ(sized_file(path, 5ull << 30, valid, vlen), 0);
        CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
        if (db) {
            cbolt_tx *tx;
            CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
            CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, NULL), CBOLT_OK);
            CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
            CHECK_EQ(check_db(db), 0);
            cbolt_close(db);
        }
        free(valid);
    }
    unlink(path);
}

TEST(files_of_every_size_in_memory)
{
    static const uint64_t sizes[] = {0,    1,    80,    255,   256,  4095,
                                     4096, 8192, 16383, 16384, 65536,
                                     (1ull << 30) + 4096, 3ull << 30};
    cbolt_vfs *vfs = cbolt_memvfs_new();
    size_t i;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        cbolt_file *f;
        CHECK_EQ(cbolt_memvfs_set(vfs, "m.db", NULL, 0), CBOLT_OK);
        CHECK_EQ(vfs->open(vfs, "m.db", CBOLT_OPEN_CREATE, 0600, &f),
                 CBOLT_OK);
        CHECK_EQ(vfs->truncate(f, sizes[i]), CBOLT_OK);
        vfs->close(f);
        open_both_ways(unit_name, vfs, "m.db", sizes[i] == 0 ? -1 : 0);
    }
    cbolt_memvfs_free(vfs);
}

/* bbolt's mmapSize rounds up to a whole GiB: a read-write open asked for
 * an initial mapping past 2^64 - 1 GiB (found by the store proof) wrapped
 * to a mapping of 0 bytes, with one mark for all the pages it then read
 * (a heap overflow in memory, a failed mmap on disk). Past bbolt's
 * maxMapSize (2^48 - 1) the open fails cleanly, as bbolt's does. */
TEST(initial_mmap_size_past_the_largest_mapping)
{
    static const uint64_t sizes[] = {UINT64_MAX, UINT64_MAX - (1ull << 29),
                                     (1ull << 48)};
    cbolt_vfs *vfs = cbolt_memvfs_new();
    size_t i;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        cbolt_options o;
        cbolt_db *db = NULL;
        int rc;
        CHECK_EQ(cbolt_memvfs_set(vfs, "h.db", NULL, 0), CBOLT_OK);
        memset(&o, 0, sizeof o);
        o.vfs = vfs;
        o.initial_mmap_size = sizes[i];
        rc = cbolt_open("h.db", &o, &db);
        CHECK(rc != CBOLT_OK);
        if (rc == CBOLT_OK) {
            CHECK_EQ(check_db(db), 0);
            cbolt_close(db);
        }
    }
    cbolt_memvfs_free(vfs);
}

/* ---- the writer's own thread ---- */

static int begin_again(cbolt_tx *tx, void *arg)
{
    cbolt_db *db = arg;
    cbolt_tx *other;
    (void)tx;
    return cbolt_begin(db, 1, &other);
}

static int update_inner(cbolt_tx *tx, void *arg)
{
    (void)tx;
    (void)arg;
    return CBOLT_OK;
}

static int update_again(cbolt_tx *tx, void *arg)
{
    (void)tx;
    return cbolt_update(arg, update_inner, NULL);
}

static int batch_again(cbolt_tx *tx, void *arg)
{
    (void)tx;
    return cbolt_batch(arg, update_inner, NULL);
}

static void *writer_thread(void *arg)
{
    cbolt_tx *tx;
    int rc = cbolt_begin(arg, 1, &tx);
    if (rc == CBOLT_OK)
        rc = cbolt_tx_commit(tx);
    return (void *)(intptr_t)rc;
}

TEST(write_begin_on_the_writers_thread)
{
    const char *path = path_of("deadlock.db");
    cbolt_db *db;
    cbolt_tx *tx;
    pthread_t t;
    void *res;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_update(db, begin_again, db), CBOLT_ERR_WOULD_DEADLOCK);
    CHECK_EQ(cbolt_update(db, update_again, db), CBOLT_ERR_WOULD_DEADLOCK);
    CHECK_EQ(cbolt_update(db, batch_again, db), CBOLT_ERR_WOULD_DEADLOCK);
    CHECK(strcmp(cbolt_strerror(CBOLT_ERR_WOULD_DEADLOCK), "unknown error"));
    /* a reader on the writer's thread is fine; another thread waits */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(pthread_create(&t, NULL, writer_thread, db), 0);
    usleep(20000);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(pthread_join(t, &res), 0);
    CHECK_EQ((intptr_t)res, CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_rollback(tx), CBOLT_OK);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    unlink(path);
}

/* ---- torn metas ---- */

static void count_fn(void *arg, uint64_t pgid, const char *rule,
                     const char *msg)
{
    (void)pgid;
    (void)rule;
    (void)msg;
    ++*(int *)arg;
}

/* Zeroes the head of meta page i, as a power cut in the middle of its
 * write can leave it. */
static int tear(const char *path, int i)
{
    uint8_t zero[512] = {0};
    int fd = open(path, O_WRONLY), ok;
    if (fd < 0)
        return -1;
    ok = pwrite(fd, zero, sizeof zero, (off_t)i * 4096) == sizeof zero;
    close(fd);
    return ok ? 0 : -1;
}

/* The cache of validated pages never hides bytes: a check validates every
 * page anew (a page damaged in place after a first validation is reported;
 * bbolt 1.5's TestTx_Check_CorruptPage through the Go binding found it
 * trusted), and a read after a damaging write of the file is validated. */
TEST(check_ignores_the_validated_page_cache)
{
    const char *path = path_of("cache.db");
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    char k[16];
    const void *v;
    size_t vl;
    uint64_t leaf;
    int i, fd;
    unlink(path);
    CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "k%03d", i);
        CHECK_EQ(cbolt_bucket_put(b, k, 4, "0123456789", 10), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    leaf = cbolt_bucket_root(b); /* one leaf: 100 small items */
    CHECK(leaf >= 2);
    CHECK_EQ(cbolt_tx_check(tx, NULL, NULL), 0); /* every page validated */
    cbolt_tx_rollback(tx);
    /* damage the leaf in place: its element count past the page */
    fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "\xff\xff", 2, (off_t)(leaf * 4096 + 10)) == 2);
    close(fd);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK(cbolt_tx_check(tx, NULL, NULL) > 0);
    cbolt_tx_rollback(tx);
    /* a commit makes every earlier mark lapse: the damaged page is read
     * through the door anew and refused */
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "c", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(cbolt_bucket_get(b, "k050", 4, &v, &vl), CBOLT_ERR_CORRUPT);
    cbolt_tx_rollback(tx);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    unlink(path); /* damaged on purpose: not for the bbolt stage */
}

/* A page header counts elements in 16 bits: with 16 MiB pages a bucket of
 * 70,000 small keys fits one page by size but not by count. It was written
 * inline with its count cut to 4464 (70,000 mod 65,536): committed keys
 * lost, and the file passed the check (found from the proof of
 * page_encode, which stores the count as uint16_t). Now no page holds
 * more than 65,534 elements (bbolt refuses 0xFFFF and more). */
TEST(page_of_more_than_65535_elements)
{
    const char *path = path_of("count.db");
    cbolt_options o;
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_bucket *b;
    char k[16];
    int i, ordered;
    unlink(path);
    memset(&o, 0, sizeof o);
    o.page_size = 1u << 24;
    o.no_sync = 1;
    CHECK_EQ(cbolt_open(path, &o, &db), CBOLT_OK);
    if (!db)
        return;
    CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_create_bucket(tx, "b", 1, &b), CBOLT_OK);
    for (i = 0; i < 70000; i++) {
        snprintf(k, sizeof k, "%05d", i);
        CHECK_EQ(cbolt_bucket_put(b, k, 5, "", 0), CBOLT_OK);
    }
    CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
    CHECK_EQ(check_db(db), 0);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_bucket(tx, "b", 1, &b), CBOLT_OK);
    CHECK_EQ(walk_count(b, 0, &ordered), 70000);
    CHECK(ordered);
    cbolt_tx_rollback(tx);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    unlink(path);
}

TEST(torn_meta_is_a_note)
{
    const char *path = path_of("torn.db");
    int i;
    for (i = 0; i < 2; i++) {
        cbolt_db *db;
        cbolt_tx *tx;
        cbolt_check_options o;
        int notes = 0, problems = 0, k;
        unlink(path);
        CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
        if (!db)
            return;
        for (k = 0; k < 3; k++) { /* txids 2, 3, 4 */
            char name[16];
            snprintf(name, sizeof name, "b%d", k);
            CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
            CHECK_EQ(cbolt_tx_create_bucket(tx, name, strlen(name), NULL),
                     CBOLT_OK);
            CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
        }
        cbolt_close(db);
        /* meta 0 holds txid 4 (in force), meta 1 txid 3: tear meta i */
        CHECK_EQ(tear(path, i), 0);
        CHECK_EQ(cbolt_open(path, NULL, &db), CBOLT_OK);
        if (!db)
            return;
        CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
        CHECK_EQ(cbolt_tx_id(tx), i == 0 ? 3 : 4);
        memset(&o, 0, sizeof o);
        o.report = count_fn;
        o.note = count_fn;
        o.arg = &notes;
        CHECK_EQ(cbolt_tx_check_with(tx, &o), 0);
        CHECK_EQ(notes, 1);
        o.note = NULL;
        o.arg = &problems;
        CHECK_EQ(cbolt_tx_check_with(tx, &o), 0);
        CHECK_EQ(problems, 0);
        cbolt_tx_rollback(tx);
        /* the next commit writes over the torn page */
        CHECK_EQ(cbolt_begin(db, 1, &tx), CBOLT_OK);
        CHECK_EQ(cbolt_tx_create_bucket(tx, "after", 5, NULL), CBOLT_OK);
        CHECK_EQ(cbolt_tx_commit(tx), CBOLT_OK);
        CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
        notes = 0;
        o.note = count_fn;
        o.arg = &notes;
        CHECK_EQ(cbolt_tx_check_with(tx, &o), 0);
        CHECK_EQ(notes, 0);
        cbolt_tx_rollback(tx);
        cbolt_close(db);
    }
    unlink(path);
}

int main(void)
{
    const char *o = getenv("CBOLT_OUT");
    unit_suite = "glue";
    if (o)
        snprintf(outdir, sizeof outdir, "%s", o);
    mkdir(outdir, 0755);
    RUN(deep_nesting_made_by_cbolt);
    RUN(deep_nesting_made_by_bbolt);
    RUN(deep_tree_of_big_keys);
    RUN(big_transaction);
    RUN(split_then_drained);
    RUN(split_in_memory_after_stale_key);
    RUN(sub_bucket_with_its_parents_root);
    RUN(two_buckets_one_root);
    RUN(files_of_every_size_on_disk);
    RUN(files_of_every_size_in_memory);
    RUN(initial_mmap_size_past_the_largest_mapping);
    RUN(write_begin_on_the_writers_thread);
    RUN(torn_meta_is_a_note);
    RUN(page_of_more_than_65535_elements);
    RUN(check_ignores_the_validated_page_cache);
    return unit_total_failed ? 1 : 0;
}
