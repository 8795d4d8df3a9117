/*
 * test_threads.c - readers, a writer and batch callers at once, built with
 * ThreadSanitizer (make tsan). The writer keeps an invariant in every
 * commit: bucket "data" holds keys k0..k(n-1) and key "n" holds n, with
 * values large enough that the file grows and is mapped anew while
 * readers are open. Each reader checks that invariant, and that its
 * snapshot never changes: it hashes the whole dump at the start, sleeps
 * while commits happen, and hashes it again at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cbolt.h"

#define READERS 3
#define BATCHERS 2
#define WRITES 60
#define BATCH_CALLS 40

static cbolt_db *db;
static int failures;
static int writer_done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what)
{
    pthread_mutex_lock(&mu);
    failures++;
    printf("FAIL threads/%s: %s\n", what, cbolt_last_error()->message);
    pthread_mutex_unlock(&mu);
}

static int hash_cb(void *arg, const char *b, size_t n)
{
    uint64_t *h = arg;
    size_t i;
    for (i = 0; i < n; i++)
        *h = (*h ^ (uint8_t)b[i]) * 0x100000001b3ull;
    return 0;
}

static uint64_t hash_of(cbolt_tx *tx)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (cbolt_tx_dump(tx, hash_cb, &h) != CBOLT_OK)
        fail("dump");
    return h;
}

/* The invariant: "n" = number of k* keys. */
static void check_invariant(cbolt_tx *tx)
{
    cbolt_bucket *b;
    cbolt_cursor *c;
    const void *k, *v;
    size_t kl, vl;
    long n = 0, want;
    int rc;
    if (cbolt_tx_bucket(tx, "data", 4, &b) != CBOLT_OK)
        return; /* before the first commit */
    if (cbolt_bucket_get(b, "n", 1, &v, &vl) != CBOLT_OK) {
        fail("invariant: no n");
        return;
    }
    want = strtol((const char *)v, NULL, 10);
    cbolt_bucket_cursor(b, &c);
    for (rc = cbolt_cursor_first(c, &k, &kl, &v, &vl, NULL); rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, NULL))
        if (kl > 1 && ((const char *)k)[0] == 'k')
            n++;
    if (rc != CBOLT_NOTFOUND || n != want)
        fail("invariant: count");
}

static void *reader(void *arg)
{
    (void)arg;
    for (;;) {
        cbolt_tx *tx;
        uint64_t h1, h2;
        struct timespec pause = {0, 3 * 1000 * 1000};
        int done;
        if (cbolt_begin(db, 0, &tx) != CBOLT_OK) {
            fail("reader begin");
            return NULL;
        }
        h1 = hash_of(tx);
        check_invariant(tx);
        nanosleep(&pause, NULL); /* commits and remaps happen meanwhile */
        h2 = hash_of(tx);
        if (h1 != h2)
            fail("snapshot changed");
        cbolt_tx_rollback(tx);
        pthread_mutex_lock(&mu);
        done = writer_done;
        pthread_mutex_unlock(&mu);
        if (done)
            return NULL;
    }
}

static void *writer(void *arg)
{
    static uint8_t v[64 * 1024];
    long n = 0, next = 0; /* keys present; next key number */
    int i;
    (void)arg;
    for (i = 0; i < WRITES; i++) {
        cbolt_tx *tx;
        cbolt_bucket *b;
        char k[32], num[32];
        int j, rc = cbolt_begin(db, 1, &tx);
        if (rc == CBOLT_OK)
            rc = cbolt_tx_create_bucket_if_not_exists(tx, "data", 4, &b);
        for (j = 0; rc == CBOLT_OK && j < 8; j++) {
            snprintf(k, sizeof k, "k%06ld", next++);
            rc = cbolt_bucket_put(b, k, strlen(k), v, sizeof v);
            n++;
        }
        if (rc == CBOLT_OK && i % 3 == 2) { /* and delete some */
            snprintf(k, sizeof k, "k%06ld", (long)i);
            rc = cbolt_bucket_delete(b, k, strlen(k));
            n--;
        }
        snprintf(num, sizeof num, "%ld", n);
        if (rc == CBOLT_OK)
            rc = cbolt_bucket_put(b, "n", 1, num, strlen(num) + 1);
        if (rc == CBOLT_OK)
            rc = cbolt_tx_commit(tx);
        else
            cbolt_tx_rollback(tx);
        if (rc != CBOLT_OK) {
            fail("writer");
            break;
        }
    }
    pthread_mutex_lock(&mu);
    writer_done = 1;
    pthread_mutex_unlock(&mu);
    return NULL;
}

typedef struct bctx {
    int id, i;
} bctx;

static int batch_put(cbolt_tx *tx, void *arg)
{
    bctx *c = arg;
    cbolt_bucket *b;
    char k[32];
    int rc = cbolt_tx_create_bucket_if_not_exists(tx, "batch", 5, &b);
    snprintf(k, sizeof k, "b%d-%03d", c->id, c->i);
    return rc ? rc : cbolt_bucket_put(b, k, strlen(k), "x", 1);
}

static void *batcher(void *arg)
{
    bctx c = {*(int *)arg, 0};
    for (c.i = 0; c.i < BATCH_CALLS; c.i++)
        if (cbolt_batch(db, batch_put, &c) != CBOLT_OK)
            fail("batch");
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/cbolt-threads.db";
    pthread_t r[READERS], w, bt[BATCHERS];
    int ids[BATCHERS], i, passed = 0;
    cbolt_tx *tx;
    cbolt_bucket *b;
    cbolt_options o = {0};
    unlink(path);
    o.no_sync = 1;
    o.max_batch_delay_ms = 2;
    if (cbolt_open(path, &o, &db) != CBOLT_OK) {
        printf("FAIL threads/open: %s\n", cbolt_last_error()->message);
        return 1;
    }
    for (i = 0; i < READERS; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    for (i = 0; i < BATCHERS; i++) {
        ids[i] = i;
        pthread_create(&bt[i], NULL, batcher, &ids[i]);
    }
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(w, NULL);
    for (i = 0; i < BATCHERS; i++)
        pthread_join(bt[i], NULL);
    for (i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    /* every batch call landed, the file is consistent */
    if (cbolt_begin(db, 0, &tx) == CBOLT_OK) {
        cbolt_cursor *c;
        const void *k;
        size_t kl;
        int n = 0, rc;
        if (cbolt_tx_bucket(tx, "batch", 5, &b) == CBOLT_OK &&
            cbolt_bucket_cursor(b, &c) == CBOLT_OK)
            for (rc = cbolt_cursor_first(c, &k, &kl, NULL, NULL, NULL);
                 rc == CBOLT_OK;
                 rc = cbolt_cursor_next(c, &k, &kl, NULL, NULL, NULL))
                n++;
        if (n != BATCHERS * BATCH_CALLS)
            fail("batch keys lost");
        if (cbolt_tx_check(tx, NULL, NULL) != 0)
            fail("check");
        cbolt_tx_rollback(tx);
    }
    cbolt_close(db);
    if (!failures) {
        printf("ok threads/readers_writer_batch\n");
        passed = 1;
    }
    return passed ? 0 : 1;
}
