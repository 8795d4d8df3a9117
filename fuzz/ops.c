/*
 * ops.c - fuzz harness: the input is a sequence of operations on a
 * database (on the simulated disk, without faults), run on cbolt and on
 * the model map oracle in lock step; every result must be the model's.
 *
 * Input: one options byte, then operations.
 *   options: bits 0-1 page size (4096, 512, 1024, 256), bit 2
 *            no_freelist_sync, bit 3 no_grow_sync, bits 4-7 fill percent
 *            of every bucket handle (0: bbolt's default, else 0.1-1.0).
 *   each operation starts with a byte c:
 *     c < 0x20: control, c & 7: 0 begin read-write, 1 begin read-only,
 *               2-3 commit, 4 rollback, 5 reopen (close + open), 6 verify
 *               the committed state (skipped right after a verify: the
 *               same check again), 7 close while a transaction is open
 *               (must be CBOLT_ERR_BUSY)
 *     else:     a data operation in the open transaction (a read-write
 *               one is begun when none is open): see fz_pair_step().
 * At every successful commit and reopen the committed state is verified:
 * a new reader's view, walked with cursors, equals the model's (every key,
 * value and sequence), cbolt_tx_check finds 0 problems, and its txid is
 * the model's. At the end of the input and at each verify control byte
 * the reader's cbolt_tx_dump must also equal the model's dump. After
 * every close no file is open and nothing is mapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"
#include "simdisk.h"

#define DB_PATH "ops.db"

typedef struct ops_state {
    simdisk *disk;
    cbolt_options o;
    cbolt_db *db;
    model *m;
    fz_pair tx;
    int open;                /* tx holds a transaction */
    size_t budget;
    double fill;
} ops_state;

/* Opens the database and verifies it; full: cbolt_tx_dump too. */
static void db_open(ops_state *s, const char *why, int full)
{
    char what[96];
    int rc = cbolt_open(DB_PATH, &s->o, &s->db);
    snprintf(what, sizeof what, "cbolt_open (%s)", why);
    fz_expect_rc(what, rc, CBOLT_OK);
    if (full)
        fz_verify_db_full(what, s->db, s->m);
    else
        fz_verify_db(what, s->db, s->m);
}

static void db_close(ops_state *s)
{
    fz_expect_rc("cbolt_close", cbolt_close(s->db), CBOLT_OK);
    s->db = NULL;
    if (simdisk_open_files(s->disk) != 0)
        fz_fail("after cbolt_close %d files are still open",
                simdisk_open_files(s->disk));
    if (simdisk_live_maps(s->disk) != 0)
        fz_fail("after cbolt_close %d mappings are still live",
                simdisk_live_maps(s->disk));
}

static void begin(ops_state *s, int writable)
{
    int rc = fz_pair_begin(&s->tx, s->db, s->m, writable,
                           writable ? "writer" : "reader", &s->budget,
                           s->fill);
    fz_expect_rc(writable ? "begin read-write" : "begin read-only", rc,
                 CBOLT_OK);
    s->open = 1;
}

static void commit(ops_state *s)
{
    int writable = model_tx_writable(s->tx.mtx);
    int rc = fz_pair_commit(&s->tx);
    if (!writable)
        return;              /* TX_NOT_WRITABLE, compared; still open */
    s->open = 0;
    fz_expect_rc("commit", rc, CBOLT_OK);
    fz_verify_db("after commit", s->db, s->m);
}

static void end_tx(ops_state *s)
{
    if (s->open)
        fz_pair_rollback(&s->tx);
    s->open = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fin in = {data, size, 0};
    ops_state s;
    uint8_t opt = fin_u8(&in);
    int verified = 0;

    memset(&s, 0, sizeof s);
    fz_context("ops harness, %zu-byte input", size);
    s.disk = simdisk_new();
    simdisk_trace(s.disk, fz_tracing());
    s.m = model_new();
    s.o.vfs = simdisk_vfs(s.disk);
    s.o.timeout_ms = 1;
    fz_options(opt, &s.o, &s.fill);
    /* values over 64 bytes: 64 pages in all (256 KiB with 4 KiB pages) */
    s.budget = 64u * s.o.page_size;
    db_open(&s, "new file", 0);

    while (fin_left(&in) > 0) {
        uint8_t c = fin_u8(&in);
        /* A verify byte right after a verify byte verifies what was just
         * verified, nothing having run between: the same check, skipped
         * (the fuzzer's mutations make runs of such bytes; they were four
         * in five of the verifies of a grown corpus, and a sixth of the
         * harness's time). */
        int again = verified;
        verified = 0;
        if (c >= 0x20) {
            if (!s.open)
                begin(&s, 1);
            fz_pair_step(&s.tx, &in);
            continue;
        }
        switch (c & 7) {
        case 0:
        case 1:
            if (!s.open)
                begin(&s, !(c & 1));
            break;
        case 2:
        case 3:
            if (s.open)
                commit(&s);
            break;
        case 4:
            end_tx(&s);
            break;
        case 5:
            end_tx(&s);
            db_close(&s);
            db_open(&s, "reopen", 0);
            break;
        case 6:
            if (!again)
                fz_verify_db_full("verify", s.db, s.m);
            verified = 1;
            break;
        default:
            if (s.open)
                fz_expect_rc("cbolt_close with a transaction open",
                             cbolt_close(s.db), CBOLT_ERR_BUSY);
            break;
        }
    }
    if (s.open && model_tx_writable(s.tx.mtx))
        commit(&s);
    end_tx(&s);
    db_close(&s);
    db_open(&s, "final reopen", 1);
    db_close(&s);
    model_free(s.m);
    simdisk_free(s.disk);
    return 0;
}
