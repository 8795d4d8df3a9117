/*
 * test_read.c - the read API (transactions, buckets, cursors, get, seek,
 * for-each) against bbolt-written fixtures: a dump rebuilt through the
 * public calls alone must equal bbolt's own dump, backward walks must
 * mirror forward ones, and every key must be found by get and seek.
 * Fixtures: the directory in $CBOLT_FIXTURES (tests/run.sh makes it).
 */
#include <dirent.h>

#include "cbolt.h"
#include "unit.h"

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void add(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = '\0';
}

static void add_hex(text *t, const void *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    const uint8_t *b = p;
    size_t i;
    if (n == 0)
        add(t, "-", 1);
    for (i = 0; i < n; i++) {
        char c[2] = {d[b[i] >> 4], d[b[i] & 15]};
        add(t, c, 2);
    }
}

static int failures;

/* Checks the cursor moves of b against its forward key sequence. */
static void check_moves(const char *unit_name, cbolt_bucket *b)
{
    cbolt_cursor *c;
    const void *k, *v, *k2, *v2;
    size_t kl, vl, kl2, vl2, n = 0, m = 0;
    int isb, rc;
    const void **keys = NULL;
    size_t *lens = NULL;

    CHECK_EQ(cbolt_bucket_cursor(b, &c), CBOLT_OK);
    for (rc = cbolt_cursor_first(c, &k, &kl, &v, &vl, &isb); rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, &isb)) {
        if ((n & (n - 1)) == 0) { /* grow at powers of two */
            keys = realloc(keys, (2 * n + 1) * sizeof *keys);
            lens = realloc(lens, (2 * n + 1) * sizeof *lens);
        }
        keys[n] = k;
        lens[n++] = kl;
    }
    CHECK_EQ(rc, CBOLT_NOTFOUND);
    /* after the end, next stays there and prev gives the last item */
    if (n > 0) {
        CHECK_EQ(cbolt_cursor_next(c, &k, &kl, NULL, NULL, NULL),
                 CBOLT_NOTFOUND);
        CHECK_EQ(cbolt_cursor_prev(c, &k, &kl, NULL, NULL, NULL),
                 n > 1 ? CBOLT_OK : CBOLT_NOTFOUND);
    }
    for (rc = cbolt_cursor_last(c, &k, &kl, &v, &vl, &isb); rc == CBOLT_OK;
         rc = cbolt_cursor_prev(c, &k, &kl, &v, &vl, &isb)) {
        m++;
        CHECK(m <= n && kl == lens[n - m] && memcmp(k, keys[n - m], kl) == 0);
    }
    CHECK_EQ(rc, CBOLT_NOTFOUND);
    CHECK_EQ(m, n);
    for (m = 0; m < n && !unit_failed; m++) {
        char *after = malloc(lens[m] + 1);
        rc = cbolt_cursor_seek(c, keys[m], lens[m], &k, &kl, &v, &vl, &isb);
        CHECK(rc == CBOLT_OK && kl == lens[m] && !memcmp(k, keys[m], kl));
        rc = cbolt_bucket_get(b, keys[m], lens[m], &v2, &vl2);
        if (isb) {
            CHECK_EQ(rc, CBOLT_NOTFOUND);
        } else {
            CHECK(rc == CBOLT_OK && vl2 == vl && v2 == v);
        }
        memcpy(after, keys[m], lens[m]);
        after[lens[m]] = 0; /* the smallest key after keys[m] */
        rc = cbolt_cursor_seek(c, after, lens[m] + 1, &k2, &kl2, NULL, NULL,
                               NULL);
        if (m + 1 < n)
            CHECK(rc == CBOLT_OK && kl2 == lens[m + 1] &&
                  !memcmp(k2, keys[m + 1], kl2));
        else
            CHECK_EQ(rc, CBOLT_NOTFOUND);
        free(after);
    }
    free(keys);
    free(lens);
    cbolt_cursor_close(c);
}

/* Appends the dump of bucket b (named by path) through the public API. */
static void walk(const char *unit_name, cbolt_bucket *b, text *path,
                 text *out)
{
    cbolt_cursor *c;
    const void *k, *v;
    size_t kl, vl, plen = path->n;
    int isb, rc;
    char num[32];

    check_moves(unit_name, b);
    CHECK_EQ(cbolt_bucket_cursor(b, &c), CBOLT_OK);
    for (rc = cbolt_cursor_first(c, &k, &kl, &v, &vl, &isb); rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, &isb)) {
        if (isb) {
            cbolt_bucket *child;
            CHECK(v == NULL);
            CHECK_EQ(cbolt_bucket_bucket(b, k, kl, &child), CBOLT_OK);
            add(path, "/", 1);
            add_hex(path, k, kl);
            add(out, "bucket ", 7);
            add(out, path->s, path->n);
            snprintf(num, sizeof num, " %llu\n",
                     (unsigned long long)cbolt_bucket_sequence(child));
            add(out, num, strlen(num));
            walk(unit_name, child, path, out);
            path->n = plen;
            path->s[plen] = '\0';
        } else {
            add(out, "kv ", 3);
            add(out, path->s, path->n);
            add(out, " ", 1);
            add_hex(out, k, kl);
            add(out, " ", 1);
            add_hex(out, v, vl);
            add(out, "\n", 1);
        }
    }
    CHECK_EQ(rc, CBOLT_NOTFOUND);
    cbolt_cursor_close(c);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long len;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = malloc((size_t)len + 1);
    *n = fread(s, 1, (size_t)len, f);
    s[*n] = '\0';
    fclose(f);
    return s;
}

static void fixture(const char *dir, const char *name)
{
    char path[512], unit_name[300];
    cbolt_options o = {0};
    cbolt_db *db;
    cbolt_tx *tx;
    cbolt_cursor *c;
    cbolt_bucket *nb;
    text out = {0}, bpath = {0};
    const void *k;
    size_t kl, want_n;
    int rc;
    char *want;

    snprintf(unit_name, sizeof unit_name, "fixture_%s", name);
    unit_failed = 0;
    snprintf(path, sizeof path, "%s/%s.dump", dir, name);
    want = slurp(path, &want_n);
    snprintf(path, sizeof path, "%s/%s.db", dir, name);
    o.read_only = 1;
    CHECK(want != NULL);
    CHECK_EQ(cbolt_open(path, &o, &db), CBOLT_OK);
    if (unit_failed)
        goto out;
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_cursor(tx, &c), CBOLT_OK);
    add(&out, "", 0);
    for (rc = cbolt_cursor_first(c, &k, &kl, NULL, NULL, NULL); rc == CBOLT_OK;
         rc = cbolt_cursor_next(c, &k, &kl, NULL, NULL, NULL)) {
        cbolt_bucket *b;
        char num[32];
        CHECK_EQ(cbolt_tx_bucket(tx, k, kl, &b), CBOLT_OK);
        if (unit_failed)
            break;
        bpath.n = 0;
        add_hex(&bpath, k, kl);
        add(&out, "bucket ", 7);
        add(&out, bpath.s, bpath.n);
        snprintf(num, sizeof num, " %llu\n",
                 (unsigned long long)cbolt_bucket_sequence(b));
        add(&out, num, strlen(num));
        walk(unit_name, b, &bpath, &out);
    }
    CHECK_EQ(cbolt_tx_bucket(tx, "no such bucket", 14, &nb),
             CBOLT_ERR_BUCKET_NOT_FOUND);
    CHECK(out.n == want_n && memcmp(out.s, want, want_n) == 0);
    CHECK_EQ(cbolt_tx_check(tx, NULL, NULL), 0);
    cbolt_tx_rollback(tx);
    cbolt_close(db);
out:
    if (!unit_failed)
        printf("ok read/%s\n", unit_name);
    else
        failures++;
    fflush(stdout);
    free(out.s);
    free(bpath.s);
    free(want);
}

int main(void)
{
    const char *dir = getenv("CBOLT_FIXTURES");
    DIR *d;
    struct dirent *e;
    int seen = 0;
    unit_suite = "read";
    if (!dir || !(d = opendir(dir))) {
        printf("FAIL read/fixtures: CBOLT_FIXTURES is not a directory\n");
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char name[256];
        if (n < 4 || strcmp(e->d_name + n - 3, ".db") != 0 || n > 250)
            continue;
        memcpy(name, e->d_name, n - 3);
        name[n - 3] = '\0';
        fixture(dir, name);
        seen++;
    }
    closedir(d);
    if (seen == 0)
        printf("FAIL read/fixtures: no fixture in %s\n", dir);
    return failures || seen == 0 ? 1 : 0;
}
