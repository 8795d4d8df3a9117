/*
 * work.c - the workloads of `make bench` and the main of the C drivers
 * (cbolt-bench, lmdb-bench): one workload a run, named by -kind, timed
 * around the engine calls only, printed as util.c's row and info lines.
 * tests/bench/README.md says what each workload does; tests/bench/bbolt/
 * runs the same ones on bbolt.
 *
 * Keys are 8-byte big-endian counters 0..n-1, in order (seq) or in the
 * order of bench_perm (rnd); values are bench_value's, -value bytes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const bench_engine *E = &bench_this_engine;
static const uint8_t BUCKET[] = "bench";
#define BUCKET_LEN 5

/* Big and small values of the fragmented file: 4 pages and 1 page in
 * each engine (with the page and element headers). */
#define FRAG_BIG 16320
#define FRAG_SMALL 4000

static void die(const char *what)
{
    fprintf(stderr, "%s: %s failed\n", E->name, what);
    exit(1);
}

static void *open_db(const char *path, int sync)
{
    void *db;
    if (E->open(path, sync, &db))
        die("open");
    return db;
}

static void *begin_bucket(void *db, int writable, void **tx)
{
    void *b;
    if (E->begin(db, writable, tx))
        die("begin");
    if (E->bucket(*tx, NULL, BUCKET, BUCKET_LEN, writable, &b))
        die("bucket");
    return b;
}

static void commit(void *tx)
{
    if (E->commit(tx))
        die("commit");
}

static uint64_t key_at(const char *order, uint64_t i, uint64_t n)
{
    return strcmp(order, "rnd") == 0 ? bench_perm(i, n, BENCH_SEED_WRITE) : i;
}

/* Puts keys [from, to) of the order into one transaction. */
static void put_range(void *db, const bench_opts *o, uint8_t *val,
                      uint64_t from, uint64_t to)
{
    void *tx, *b = begin_bucket(db, 1, &tx);
    uint8_t k[8];
    for (uint64_t i = from; i < to; i++) {
        bench_key(k, key_at(o->order, i, o->n));
        bench_value(val, o->value, k);
        if (E->put(b, k, 8, val, o->value))
            die("put");
    }
    commit(tx);
}

/* Writes o->n keys in transactions of o->batch puts. */
BENCH_TIMED static void load(void *db, const bench_opts *o)
{
    uint8_t *val = bench_xmalloc(o->value);
    bench_value(val, o->value, NULL);
    for (uint64_t i = 0; i < o->n; i += o->batch)
        put_range(db, o, val, i, i + o->batch < o->n ? i + o->batch : o->n);
    free(val);
}

/* One pass of a read workload in its own read transaction. */
BENCH_TIMED static void read_pass(void *db, const bench_opts *o, const char *op)
{
    void *tx, *b = begin_bucket(db, 0, &tx);
    uint64_t sum = 0, keys = 0;
    uint8_t k[8];
    if (strcmp(op, "scan") == 0) {
        if (E->scan(b, &keys, &sum) || keys != o->n)
            die("scan");
    } else {
        int rnd = strcmp(op, "get-rnd") == 0;
        for (uint64_t i = 0; i < o->n; i++) {
            bench_key(k, rnd ? bench_perm(i, o->n, BENCH_SEED_READ) : i);
            if (E->get(b, k, 8, &sum))
                die("get");
        }
    }
    E->rollback(tx);
}

static uint64_t timed_pass(void *db, const bench_opts *o, const char *op)
{
    uint64_t t = bench_now_ns();
    read_pass(db, o, op);
    return bench_now_ns() - t;
}

/* warm: the first pass on a freshly opened file that is in the page
 * cache; hot: a second pass right after it. Opened anew until the warm
 * passes took min_time. */
static void read_warm(const bench_opts *o, const char *op)
{
    uint64_t warm = 0, hot = 0, passes = 0;
    char name[64];
    do {
        void *db = open_db(o->path, 0);
        warm += timed_pass(db, o, op);
        hot += timed_pass(db, o, op);
        E->close(db);
        passes++;
    } while (warm < (uint64_t)(o->min_time * 1e9));
    snprintf(name, sizeof name, "%s-warm", op);
    bench_row(name, passes * o->n, warm, 0);
    snprintf(name, sizeof name, "%s-hot", op);
    bench_row(name, passes * o->n, hot, 0);
}

/* cold: one pass after the file was dropped from the page cache. */
static void read_cold(const bench_opts *o, const char *op)
{
    char name[64];
    void *db;
    if (bench_evict(E->data_file(o->path)))
        die("evict");
    db = open_db(o->path, 0);
    snprintf(name, sizeof name, "%s-cold", op);
    bench_row(name, o->n, timed_pass(db, o, op), 0);
    E->close(db);
}

/* The reads of -reads (warm, or all: warm and cold), of every operation
 * or only -op's. */
static void read_phases(const bench_opts *o)
{
    static const char *const ops[] = {"get-seq", "get-rnd", "scan"};
    for (int i = 0; i < 3; i++)
        if (strcmp(o->op, "all") == 0 || strcmp(o->op, ops[i]) == 0)
            read_warm(o, ops[i]);
    if (strcmp(o->reads, "all") != 0)
        return;
    for (int i = 0; i < 3; i++)
        if (strcmp(o->op, "all") == 0 || strcmp(o->op, ops[i]) == 0)
            read_cold(o, ops[i]);
}

/* reads: the read phases alone, on a file of o->n keys that a write run
 * left (-reads none there); for profiling one operation (-op). */
static void run_reads(const bench_opts *o)
{
    read_phases(o);
}

/* write: o->n keys in batches (no fsync unless -sync 1), then the read
 * phases of -reads on the file it made. */
static void run_write(const bench_opts *o)
{
    void *db = open_db(o->path, o->sync);
    uint64_t t = bench_now_ns();
    load(db, o);
    t = bench_now_ns() - t;
    E->close(db);
    bench_row("write", o->n, t, 0);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
    if (strcmp(o->reads, "none") != 0)
        read_phases(o);
}

/* m transactions of one put each into db, keys base + a permutation. */
BENCH_TIMED static uint64_t one_put_commits(void *db, uint64_t m, uint64_t base)
{
    uint8_t k[8], val[100];
    uint64_t t = bench_now_ns();
    bench_value(val, sizeof val, NULL);
    for (uint64_t i = 0; i < m; i++) {
        void *tx, *b = begin_bucket(db, 1, &tx);
        bench_key(k, base + bench_perm(i, m, BENCH_SEED_WRITE));
        bench_value(val, sizeof val, k);
        if (E->put(b, k, 8, val, sizeof val))
            die("put");
        commit(tx);
    }
    return bench_now_ns() - t;
}

/* reopen: m times an open for writing, with fsync on, and a close of
 * the file at path (cbolt makes the meta in force durable at such an
 * open, one page written and synced: issue 15; bbolt and LMDB write
 * nothing). */
BENCH_TIMED static uint64_t reopens(const char *path, uint64_t m)
{
    uint64_t t = bench_now_ns();
    for (uint64_t i = 0; i < m; i++)
        E->close(open_db(path, 1));
    return bench_now_ns() - t;
}

/* durable: o->n keys loaded (durably), then o->m durable one-put
 * transactions of new keys; then o->m / 5 reopens. */
static void run_durable(const bench_opts *o)
{
    void *db = open_db(o->path, 1);
    uint64_t t;
    load(db, o);
    t = one_put_commits(db, o->m, o->n);
    E->close(db);
    bench_row("durable", o->m, t, 0);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
    uint64_t m = o->m / 5 ? o->m / 5 : 1;
    bench_row("reopen", m, reopens(o->path, m), 0);
}

static void write_sync(int fd, const uint8_t *buf, off_t off)
{
    if (pwrite(fd, buf, 4096, off) != 4096 || fdatasync(fd) != 0) {
        perror("floor");
        exit(1);
    }
}

/* floor: what a durable commit cannot beat, o->m times a 4 KiB write and
 * fdatasync at one offset then at another (pages, then meta) in a file
 * of two pages on the same filesystem. No engine. */
static void run_floor(const bench_opts *o)
{
    static uint8_t buf[4096];
    int fd = open(o->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    uint64_t t;
    if (fd < 0)
        die("floor open");
    write_sync(fd, buf, 4096);
    t = bench_now_ns();
    for (uint64_t i = 0; i < o->m; i++) {
        buf[0] = (uint8_t)i;
        write_sync(fd, buf, 0);
        write_sync(fd, buf, 4096);
    }
    t = bench_now_ns() - t;
    close(fd);
    unlink(o->path);
    bench_row("floor", o->m, t, 0);
}

/* The keys of onetx in one transaction, until o->cap seconds from t0
 * have passed; returns how many were put. */
BENCH_TIMED static uint64_t onetx_puts(void *db, const bench_opts *o, uint64_t t0)
{
    void *tx, *b = begin_bucket(db, 1, &tx);
    uint8_t k[8], val[100];
    uint64_t i, cap = (uint64_t)(o->cap * 1e9);
    bench_value(val, sizeof val, NULL);
    for (i = 0; i < o->n; i++) {
        if (i % 1024 == 0 && bench_now_ns() - t0 > cap)
            break;
        bench_key(k, bench_perm(i, o->n, BENCH_SEED_WRITE));
        bench_value(val, sizeof val, k);
        if (E->put(b, k, 8, val, sizeof val))
            die("put");
    }
    commit(tx);
    return i;
}

/* onetx: o->n random keys in one transaction; stops early (and says
 * "partial") once o->cap seconds have passed, then commits. */
static void run_onetx(const bench_opts *o)
{
    void *db = open_db(o->path, 0);
    uint64_t t = bench_now_ns(), done = onetx_puts(db, o, t);
    t = bench_now_ns() - t;
    E->close(db);
    bench_row("onetx", done, t, done < o->n);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
}

/* Puts pairs [from, to): key 2j a big value, 2j+1 a small one. */
static void frag_puts(void *db, const uint8_t *big, uint64_t from,
                      uint64_t to)
{
    void *tx, *b = begin_bucket(db, 1, &tx);
    uint8_t k[8];
    for (uint64_t i = from; i < to; i++) {
        bench_key(k, i);
        if (E->put(b, k, 8, big, i % 2 ? FRAG_SMALL : FRAG_BIG))
            die("put");
    }
    commit(tx);
}

static void frag_deletes(void *db, uint64_t from, uint64_t to)
{
    void *tx, *b = begin_bucket(db, 1, &tx);
    uint8_t k[8];
    for (uint64_t i = from; i < to; i += 2) {
        bench_key(k, i);
        if (E->del(b, k, 8))
            die("delete");
    }
    commit(tx);
}

/* The fragmented file: big and small values alternate, then every big
 * one is deleted, leaving runs of free pages between used ones. */
BENCH_TIMED static void frag_build(const bench_opts *o)
{
    uint64_t keys = 2 * (o->free / 4 + o->free / 64 + 1), t = bench_now_ns();
    uint8_t *big = bench_xmalloc(FRAG_BIG);
    void *db = open_db(o->path, 0);
    bench_value(big, FRAG_BIG, NULL);
    for (uint64_t i = 0; i < keys; i += o->batch)
        frag_puts(db, big, i, i + o->batch < keys ? i + o->batch : keys);
    for (uint64_t i = 0; i < keys; i += 2 * o->batch)
        frag_deletes(db, i, i + 2 * o->batch < keys ? i + 2 * o->batch : keys);
    E->close(db);
    free(big);
    if (bench_evict(E->data_file(o->path)))
        die("evict");
    bench_info("build_ns", bench_now_ns() - t);
}

/* Removes a database file and the lock file LMDB keeps beside it. */
static void remove_db(const char *path)
{
    char lock[4200];
    snprintf(lock, sizeof lock, "%s-lock", path);
    unlink(path);
    unlink(lock);
}

/* frag: o->n one-put commits (no fsync) on a fresh file, then o->m on a
 * file with at least o->free free pages (built when absent, written out
 * and dropped from the page cache so that its writeback does not weigh
 * on what follows, and kept for the next repetitions). */
static void run_frag(const bench_opts *o)
{
    char fresh[4096];
    uint64_t n, t;
    void *db;
    if (bench_file_size(E->data_file(o->path)) == 0)
        frag_build(o);
    snprintf(fresh, sizeof fresh, "%s.fresh", o->path);
    remove_db(fresh);
    db = open_db(fresh, 0);
    bench_row("commit-fresh", o->n, one_put_commits(db, o->n, 1ull << 40), 0);
    E->close(db);
    remove_db(fresh);
    db = open_db(o->path, 0);
    if (E->free_pages(db, &n))
        die("free pages");
    bench_info("free_pages", n);
    t = one_put_commits(db, o->m, 1ull << 40);
    E->close(db);
    bench_row("commit-frag", o->m, t, 0);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
}

BENCH_TIMED static uint64_t drop_bucket(void *db)
{
    uint64_t t = bench_now_ns();
    void *tx;
    if (E->begin(db, 1, &tx) || E->drop(tx, BUCKET, BUCKET_LEN))
        die("delete bucket");
    commit(tx);
    return bench_now_ns() - t;
}

/* delbucket: a bucket of o->n keys deleted in one transaction. */
static void run_delbucket(const bench_opts *o)
{
    void *db = open_db(o->path, 0);
    uint64_t t;
    load(db, o);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
    t = drop_bucket(db);
    E->close(db);
    bench_row("delete-bucket", o->n, t, 0);
}

/* Key g of the nested workload: sub-bucket g / per, key g % per. */
static void *nested_bucket(void *tx, void *top, uint64_t g, uint64_t per,
                           int create, uint8_t k[8])
{
    uint8_t name[8];
    void *sub;
    bench_key(name, g / per);
    bench_key(k, g % per);
    if (E->bucket(tx, top, name, 8, create, &sub))
        die("nested bucket");
    return sub;
}

BENCH_TIMED static void nested_puts(void *db, const bench_opts *o, uint8_t *val,
                        uint64_t from, uint64_t to)
{
    uint64_t per = o->n / o->buckets;
    void *tx, *top = begin_bucket(db, 1, &tx), *sub = NULL;
    uint8_t k[8];
    for (uint64_t g = from; g < to; g++) {
        if (!sub || g % per == 0)
            sub = nested_bucket(tx, top, g, per, 1, k);
        else
            bench_key(k, g % per);
        bench_value(val, o->value, k);
        if (E->put(sub, k, 8, val, o->value))
            die("put");
    }
    commit(tx);
}

/* One pass of random gets across the sub-buckets, each looked up anew. */
BENCH_TIMED static uint64_t nested_gets(void *db, const bench_opts *o)
{
    uint64_t per = o->n / o->buckets, sum = 0, t = bench_now_ns();
    void *tx, *top = begin_bucket(db, 0, &tx);
    uint8_t k[8];
    for (uint64_t i = 0; i < o->n; i++) {
        void *sub = nested_bucket(tx, top, bench_perm(i, o->n, BENCH_SEED_READ),
                                  per, 0, k);
        if (E->get(sub, k, 8, &sum))
            die("get");
    }
    E->rollback(tx);
    return bench_now_ns() - t;
}

/* nested: o->buckets sub-buckets of bucket "bench", each of
 * o->n / o->buckets keys, written in batches; then a scan and random
 * gets, each on a freshly opened file. */
static void run_nested(const bench_opts *o)
{
    uint8_t *val = bench_xmalloc(o->value);
    void *db = open_db(o->path, 0);
    uint64_t t = bench_now_ns();
    bench_value(val, o->value, NULL);
    for (uint64_t g = 0; g < o->n; g += o->batch)
        nested_puts(db, o, val, g, g + o->batch < o->n ? g + o->batch : o->n);
    t = bench_now_ns() - t;
    E->close(db);
    free(val);
    bench_row("nested-write", o->n, t, 0);
    bench_info("file_bytes", bench_file_size(E->data_file(o->path)));
    db = open_db(o->path, 0);
    bench_row("nested-scan", o->n, timed_pass(db, o, "scan"), 0);
    E->close(db);
    db = open_db(o->path, 0);
    bench_row("nested-get-rnd", o->n, nested_gets(db, o), 0);
    E->close(db);
}

/* ---- flags ---- */

static int parse_flag(bench_opts *o, const char *f, const char *v)
{
    static const char *const names[] = {"-n", "-batch", "-value", "-m",
                                        "-buckets", "-free", "-sync"};
    uint64_t *nums[] = {&o->n, &o->batch, &o->value, &o->m, &o->buckets,
                        &o->free, NULL};
    if (!strcmp(f, "-kind")) o->kind = v;
    else if (!strcmp(f, "-order")) o->order = v;
    else if (!strcmp(f, "-reads")) o->reads = v;
    else if (!strcmp(f, "-op")) o->op = v;
    else if (!strcmp(f, "-path")) o->path = v;
    else if (!strcmp(f, "-cap")) o->cap = atof(v);
    else if (!strcmp(f, "-min-time")) o->min_time = atof(v);
    else {
        for (int i = 0; i < 7; i++) {
            if (strcmp(f, names[i]) != 0)
                continue;
            if (nums[i]) *nums[i] = strtoull(v, NULL, 10);
            else o->sync = atoi(v);
            return 0;
        }
        return 1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: %s-bench -kind write|durable|floor|onetx|frag|"
            "delbucket|nested|reads -path P [-order seq|rnd]\n"
            "  [-reads none|warm|all] [-op all|get-seq|get-rnd|scan]\n"
            "  [-n N] [-batch N] [-value N] [-m N] [-buckets N] [-free N]"
            " [-sync 0|1] [-cap S] [-min-time S]\n", E->name);
    exit(2);
}

int main(int argc, char **argv)
{
    bench_opts o = {"write", "seq", "none", "all", NULL, 1000, 1000, 100, 100,
                    100, 1u << 20, 60, 0.3, 0};
    static const struct { const char *kind; void (*run)(const bench_opts *); } kinds[] = {
        {"write", run_write}, {"durable", run_durable}, {"floor", run_floor},
        {"onetx", run_onetx}, {"frag", run_frag}, {"delbucket", run_delbucket},
        {"nested", run_nested}, {"reads", run_reads}};
    for (int i = 1; i + 1 < argc; i += 2)
        if (parse_flag(&o, argv[i], argv[i + 1]))
            usage();
    if (argc % 2 == 0 || !o.path || !o.batch || !o.buckets)
        usage();
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(o.kind, kinds[i].kind) == 0) {
            kinds[i].run(&o);
            bench_info("peak_rss_kb", bench_peak_rss_kb());
            return 0;
        }
    }
    usage();
    return 2;
}
