/* test_db.c - db.c: creating, locking, meta selection and page size
 * discovery at open, on the in-memory backend and on real files. */
#include <pthread.h>
#include <unistd.h>

#include "cbolt.h"
#include "meta.h"
#include "unit.h"

static cbolt_vfs *vfs;

/* Creates "f.db" with page size ps on the memory vfs and returns a copy
 * of its bytes. */
static uint8_t *create(uint32_t ps, size_t *len)
{
    cbolt_options o = {0};
    cbolt_db *db;
    const uint8_t *data;
    uint8_t *copy;
    o.vfs = vfs;
    o.page_size = ps;
    cbolt_memvfs_set(vfs, "f.db", "", 0);
    if (cbolt_open("f.db", &o, &db) != CBOLT_OK)
        return NULL;
    cbolt_close(db);
    cbolt_memvfs_get(vfs, "f.db", &data, len);
    copy = malloc(*len);
    memcpy(copy, data, *len);
    return copy;
}

static int open_bytes(const uint8_t *b, size_t len, cbolt_db **db)
{
    cbolt_options o = {0};
    o.vfs = vfs;
    o.read_only = 1;
    cbolt_memvfs_set(vfs, "g.db", b, len);
    return cbolt_open("g.db", &o, db);
}

/* Rewrites meta i of b with fn applied, checksum recomputed. */
static void edit_meta(uint8_t *b, uint32_t ps, int i, void (*fn)(meta *))
{
    meta m;
    meta_decode(b + (size_t)i * ps, &m);
    fn(&m);
    meta_encode(&m, b + (size_t)i * ps, (uint64_t)i);
}

static void root_out(meta *m) { m->root = m->pgid; }
static void txid_up(meta *m) { m->txid = 7; }

TEST(new_file_layout)
{
    size_t len;
    uint8_t *b = create(4096, &len);
    meta m0, m1;
    CHECK(b != NULL);
    CHECK_EQ(len, 4 * 4096);
    meta_decode(b, &m0);
    meta_decode(b + 4096, &m1);
    CHECK(m0.txid == 0 && m1.txid == 1);
    CHECK(m0.root == 3 && m0.freelist == 2 && m0.pgid == 4);
    /* the checksum bbolt's own db.init writes for a 4096-byte file */
    CHECK(m0.checksum == 0x07516e114689fdeeull);
    CHECK_EQ(ld16(b + 2 * 4096 + PAGE_OFF_FLAGS), PAGE_FREELIST);
    CHECK_EQ(ld16(b + 3 * 4096 + PAGE_OFF_FLAGS), PAGE_LEAF);
    CHECK_EQ(ld64(b + 3 * 4096 + PAGE_OFF_ID), 3);
    free(b);
}

TEST(open_errors)
{
    cbolt_options o = {0};
    cbolt_db *db = (cbolt_db *)1;
    o.vfs = vfs;
    o.read_only = 1;
    CHECK_EQ(cbolt_open("missing.db", &o, &db), CBOLT_ERR_IO);
    CHECK(db == NULL);
    cbolt_memvfs_set(vfs, "empty.db", "", 0);
    CHECK_EQ(cbolt_open("empty.db", &o, &db), CBOLT_ERR_INVALID);
    CHECK_EQ(open_bytes((const uint8_t *)"not a database at all", 21, &db),
             CBOLT_ERR_INVALID);
    o.read_only = 0;
    o.page_size = 1000000000u;
    CHECK_EQ(cbolt_open("new.db", &o, &db), CBOLT_ERR_INVALID_ARG);
    CHECK_EQ(cbolt_open(NULL, &o, &db), CBOLT_ERR_INVALID_ARG);
}

/* cbolt_last_error() in a thread that has had no error yet: a record
 * saying so, never NULL pointers; then the thread's own errors. */
static void *fresh_thread(void *arg)
{
    const cbolt_error_info *e = cbolt_last_error();
    int *ok = arg;
    cbolt_options o = {0};
    cbolt_db *db;
    *ok = e && e->code == CBOLT_OK && e->rule && e->message &&
          e->rule[0] == '\0' && e->message[0] == '\0';
    o.vfs = vfs;
    o.read_only = 1;
    if (cbolt_open("missing-in-thread.db", &o, &db) != CBOLT_ERR_IO)
        *ok = 0;
    e = cbolt_last_error();
    if (!e || e->code != CBOLT_ERR_IO || !e->message || !e->message[0])
        *ok = 0;
    return NULL;
}

TEST(last_error_before_any)
{
    pthread_t th;
    int ok = 0;
    CHECK_EQ(pthread_create(&th, NULL, fresh_thread, &ok), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK(ok);
    /* this thread's record is its own: the open_errors above set it */
    CHECK_EQ(cbolt_last_error()->code, CBOLT_ERR_INVALID_ARG);
}

TEST(meta_choice)
{
    size_t len;
    uint8_t *b = create(4096, &len);
    cbolt_db *db;
    cbolt_tx *tx;
    CHECK_EQ(open_bytes(b, len, &db), CBOLT_OK);
    CHECK_EQ(cbolt_begin(db, 0, &tx), CBOLT_OK);
    CHECK_EQ(cbolt_tx_id(tx), 1); /* higher txid */
    CHECK_EQ(cbolt_tx_size(tx), 4 * 4096);
    CHECK_EQ(cbolt_close(db), CBOLT_ERR_BUSY);
    cbolt_tx_rollback(tx);
    CHECK_EQ(cbolt_close(db), CBOLT_OK);
    b[4096 + META_OFF_TXID] ^= 1; /* meta 1 torn: falls back to meta 0 */
    CHECK_EQ(open_bytes(b, len, &db), CBOLT_OK);
    cbolt_begin(db, 0, &tx);
    CHECK_EQ(cbolt_tx_id(tx), 0);
    cbolt_tx_rollback(tx);
    cbolt_close(db);
    b[META_OFF_PGID] ^= 1; /* both torn */
    CHECK_EQ(open_bytes(b, len, &db), CBOLT_ERR_CHECKSUM);
    CHECK(strstr(cbolt_last_error()->message, "no valid meta") != NULL);
    b[META_OFF_PGID] ^= 1;
    b[META_OFF_VERSION] = 9;
    CHECK_EQ(open_bytes(b, len, &db), CBOLT_ERR_VERSION_MISMATCH);
    free(b);
}

TEST(probe_page_size)
{
    size_t len;
    uint32_t sizes[] = {1024, 16384, 65536}, i;
    for (i = 0; i < 3; i++) {
        uint8_t *b = create(sizes[i], &len);
        cbolt_db *db;
        memset(b, 0xAB, 80); /* meta 0 destroyed */
        CHECK_EQ(open_bytes(b, len, &db), CBOLT_OK);
        CHECK_EQ(cbolt_db_page_size(db), sizes[i]);
        cbolt_close(db);
        free(b);
    }
}

TEST(meta_fields_out_of_range)
{
    size_t len;
    uint8_t *b = create(4096, &len);
    cbolt_db *db;
    edit_meta(b, 4096, 1, root_out);
    CHECK_EQ(open_bytes(b, len, &db), CBOLT_ERR_CORRUPT);
    CHECK(strcmp(cbolt_last_error()->rule, "meta-root") == 0);
    CHECK_EQ(cbolt_last_error()->pgid, 1);
    free(b);
    b = create(4096, &len);
    edit_meta(b, 4096, 0, txid_up); /* meta 0 now newer and chosen */
    CHECK_EQ(open_bytes(b, len - 1, &db), CBOLT_ERR_CORRUPT);
    CHECK(strcmp(cbolt_last_error()->rule, "meta-pgid") == 0);
    free(b);
}

TEST(locking)
{
    cbolt_options o = {0};
    cbolt_db *a, *b, *c;
    char path[] = "/tmp/cbolt-db-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    o.timeout_ms = 100;
    CHECK_EQ(cbolt_open(path, &o, &a), CBOLT_OK);   /* creates */
    CHECK_EQ(cbolt_open(path, &o, &b), CBOLT_ERR_TIMEOUT);
    CHECK(strstr(cbolt_last_error()->message, "timeout") != NULL);
    o.read_only = 1;
    CHECK_EQ(cbolt_open(path, &o, &b), CBOLT_ERR_TIMEOUT);
    cbolt_close(a);
    CHECK_EQ(cbolt_open(path, &o, &a), CBOLT_OK);
    CHECK_EQ(cbolt_open(path, &o, &b), CBOLT_OK);   /* shared + shared */
    CHECK(cbolt_db_read_only(b));
    o.read_only = 0;
    CHECK_EQ(cbolt_open(path, &o, &c), CBOLT_ERR_TIMEOUT);
    cbolt_close(a);
    cbolt_close(b);
    unlink(path);
}

int main(void)
{
    unit_suite = "db";
    vfs = cbolt_memvfs_new();
    RUN(new_file_layout);
    RUN(open_errors);
    RUN(last_error_before_any);
    RUN(meta_choice);
    RUN(probe_page_size);
    RUN(meta_fields_out_of_range);
    RUN(locking);
    cbolt_memvfs_free(vfs);
    return unit_total_failed ? 1 : 0;
}
