/*
 * hello.c - a first cbolt program: open a database read-only and print
 * each top-level bucket with the number of keys directly inside it.
 *
 *   cc hello.c $(pkg-config --cflags --libs cbolt) -o hello
 *   ./hello examples/example.db
 */
#include <stdio.h>

#include <cbolt.h>

static int count(void *arg, const void *k, size_t kl, const void *v,
                 size_t vl, int is_bucket)
{
    (void)k, (void)kl, (void)v, (void)vl, (void)is_bucket;
    ++*(unsigned long *)arg;
    return 0;
}

static int list(cbolt_tx *tx, void *arg)
{
    cbolt_cursor *c;
    const void *name;
    size_t len;
    int rc = cbolt_tx_cursor(tx, &c);
    (void)arg;
    for (rc = rc ? rc : cbolt_cursor_first(c, &name, &len, NULL, NULL, NULL);
         rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &name, &len, NULL, NULL, NULL)) {
        cbolt_bucket *b;
        unsigned long n = 0;
        if ((rc = cbolt_tx_bucket(tx, name, len, &b)) != CBOLT_OK ||
            (rc = cbolt_bucket_foreach(b, count, &n)) != CBOLT_OK)
            return rc;
        printf("bucket %.*s: %lu keys, sequence %llu\n", (int)len,
               (const char *)name, n,
               (unsigned long long)cbolt_bucket_sequence(b));
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int main(int argc, char **argv)
{
    cbolt_options opts = {0};
    cbolt_db *db;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: hello FILE\n");
        return 2;
    }
    opts.read_only = 1;
    opts.timeout_ms = 1000;
    rc = cbolt_open(argv[1], &opts, &db);
    if (rc == CBOLT_OK) {
        rc = cbolt_view(db, list, NULL);
        cbolt_close(db);
    }
    if (rc != CBOLT_OK)
        fprintf(stderr, "hello: %s\n", cbolt_last_error()->message);
    return rc == CBOLT_OK ? 0 : 1;
}
