/*
 * crash.c - fuzz harness: operations on the simulated disk, a power cut,
 * and recovery.
 *
 * Input:
 *   byte 0      options, as in ops.c (page size, no_freelist_sync,
 *               no_grow_sync, fill percent)
 *   bytes 1-2   crash point: the disk dies after this many more mutating
 *               calls (write, sync, truncate) once the new file exists
 *   byte 3      fault: 0-127 none; else bit 0 picks write or sync and
 *   byte 4      fails the (byte 4 + 1)th one (one fault per input)
 *   byte 5      meta damage after the crash: 0 none; else bit 0 the meta
 *               page (0 or 1), bits 1-2 the kind (zero its first 80
 *               bytes, flip the byte at 16 + byte 6 % 64, zero the page,
 *               fill it with byte 6)
 *   byte 6      damage argument
 *   byte 7      n, then n fate bytes for the writes not synced at the
 *               crash (simdisk.h: keep, lose, tear head / tail, reorder)
 *   then        operations, as in ops.c, until the input ends or the disk
 *               dies; then the crash.
 *
 * Expectations:
 * - a commit fails only when a fault was injected or the disk died during
 *   it; after a failed commit readers still see the last commit;
 * - after the crash (and damage), opening the file succeeds exactly when
 *   a valid meta page is left; the engine takes the valid meta with the
 *   highest txid (computed here from the bytes); the database then holds
 *   exactly one of the states that txid can name: the last successful
 *   commit, the one before it (only when damage invalidated the last
 *   commit's meta), a commit that failed by an injected fault (its meta
 *   may have reached the file) or the commit in flight at the crash; and
 *   cbolt_tx_check finds nothing (on the damaged meta page excepted).
 *   Nothing whose commit returned success is lost unless its meta page
 *   was damaged. When damage makes the engine fall back to a txid that a
 *   later commit attempt was entitled to overwrite (txid < the highest
 *   txid of a commit that wrote pages, minus one), only clean errors are
 *   required.
 * - a failed commit leaves the transaction able only to roll back (as
 *   tests/unit/test_fault.c). When the engine then refuses writers
 *   (CBOLT_ERR_IO: the failure came at or after the meta write) the
 *   handle is closed and opened again and the state it shows (the failed
 *   commit or the last one) is adopted; otherwise the handle goes on
 *   (with FUZZ_ALLOW=failed-commit-reuse it is reopened in any case).
 * - the recovered database takes new writes: a commit after recovery, a
 *   reopen, and both verified against the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"
#include "simdisk.h"

#define DB_PATH "crash.db"

typedef struct crash_state {
    simdisk *disk;
    cbolt_options o;
    cbolt_db *db;
    model *m;                /* the last successful commit (txid L) */
    model *prev;             /* the commit before it (L - 1) */
    model *failed;           /* a commit failed by the fault (L + 1) */
    model *flight;           /* the commit in flight at the crash (L + 1) */
    model *unsynced;         /* the state before a failed commit that a
                                reopen showed (FUZZ_ALLOW=failed-commit-
                                reuse): still on the platter */
    uint64_t max_attempt;    /* highest txid of a commit that wrote */
    fz_pair tx;
    int open;
    size_t budget;
    double fill;
} crash_state;

static void replace(model **slot, model *m)
{
    model_free(*slot);
    *slot = m;
}

static void begin(crash_state *s, int writable)
{
    int rc = fz_pair_begin(&s->tx, s->db, s->m, writable,
                           writable ? "writer" : "reader", &s->budget,
                           s->fill);
    fz_expect_rc(writable ? "begin read-write" : "begin read-only", rc,
                 CBOLT_OK);
    s->open = 1;
}

static void db_close(crash_state *s);

/* Opens the database. A read-write open writes the meta in force back
 * and syncs it before any commit may build on it (store.c: the cache may
 * hold a meta whose sync failed), so the injected fault can fail an open
 * with CBOLT_ERR_IO: the fault is spent, and a second open must work. A
 * dead disk fails it too: returns 1 then (s->db NULL), else 0. */
static int open_db(crash_state *s, const char *what)
{
    uint64_t f0 = simdisk_failures(s->disk);
    int rc = cbolt_open(DB_PATH, &s->o, &s->db);
    if (rc == CBOLT_ERR_IO && simdisk_dead(s->disk)) {
        s->db = NULL;
        return 1;
    }
    if (rc == CBOLT_ERR_IO && simdisk_failures(s->disk) != f0)
        rc = cbolt_open(DB_PATH, &s->o, &s->db);
    /* the disk may die during the second open, too (corpus/crash/
     * regress-open-retry-disk-dies: the fault failed the first open's
     * meta sync, the crash point came in the second's) */
    if (rc == CBOLT_ERR_IO && simdisk_dead(s->disk)) {
        s->db = NULL;
        return 1;
    }
    fz_expect_rc(what, rc, CBOLT_OK);
    return 0;
}

/* After a failed commit that left the handle refusing writers (or with
 * FUZZ_ALLOW=failed-commit-reuse): the handle is closed and opened again,
 * and the state it shows becomes the last commit: the failed commit when
 * its meta reached the file's cache, else the last one. */
static int reopen_after_failure(crash_state *s)
{
    cbolt_tx *tx;
    size_t gn, wn;
    char *got, *want;
    int rc;
    db_close(s);
    if (open_db(s, "reopen after a failed commit"))
        return 1;
    fz_expect_rc("begin", cbolt_begin(s->db, 0, &tx), CBOLT_OK);
    got = fz_engine_dump(tx, &gn, &rc);
    fz_expect_rc("dump after reopen", rc, CBOLT_OK);
    want = model_dump(s->failed, NULL, &wn);
    if (cbolt_tx_id(tx) == model_txid(s->failed) && gn == wn &&
        memcmp(got, want, gn) == 0) {
        /* the failed commit is the state now; the last one may still be
         * what the platter holds */
        replace(&s->unsynced, s->m);
        s->m = s->failed;
        s->failed = NULL;
    }
    free(got);
    free(want);
    cbolt_tx_rollback(tx);
    fz_verify_db("reopen after a failed commit", s->db, s->m);
    return 0;
}

/* Commits; returns 0 to go on, 1 when the disk died. */
static int commit(crash_state *s)
{
    uint64_t f0 = simdisk_failures(s->disk), w0;
    model *before, *after;
    int rc;
    if (!model_tx_writable(s->tx.mtx)) {
        fz_pair_commit(&s->tx);      /* compared: stays open */
        return 0;
    }
    before = model_clone(s->m);
    after = model_clone_tx(s->tx.mtx);
    w0 = simdisk_write_count(s->disk);
    rc = fz_pair_commit(&s->tx);
    s->open = 0;
    if (simdisk_write_count(s->disk) != w0 &&
        model_txid(after) > s->max_attempt)
        s->max_attempt = model_txid(after);
    if (rc == CBOLT_OK) {
        replace(&s->unsynced, NULL);
        replace(&s->prev, before);
        replace(&s->failed, NULL);
        model_free(after);
        fz_verify_db("after commit", s->db, s->m);
        return 0;
    }
    model_free(before);
    if (simdisk_failures(s->disk) == f0)
        fz_fail("commit returned %d (%s) without an injected fault", rc,
                cbolt_strerror(rc));
    if (simdisk_dead(s->disk)) {
        replace(&s->flight, after);
        return 1;
    }
    replace(&s->failed, after);
    fz_verify_db("after a failed commit", s->db, s->m);
    {
        /* A failure at or after the meta write may leave the new meta in
         * the file: the engine then refuses writers (CBOLT_ERR_IO) until
         * the file is reopened. Otherwise the handle goes on. */
        cbolt_tx *probe;
        int prc = cbolt_begin(s->db, 1, &probe);
        if (prc == CBOLT_OK)
            cbolt_tx_rollback(probe);
        else if (prc != CBOLT_ERR_IO)
            fz_fail("begin read-write after a failed commit returned %d "
                    "(%s)", prc, cbolt_strerror(prc));
        if (prc != CBOLT_OK || fz_allowed("failed-commit-reuse"))
            return reopen_after_failure(s);
    }
    return 0;
}

static void end_tx(crash_state *s)
{
    if (s->open)
        fz_pair_rollback(&s->tx);
    s->open = 0;
}

static void db_close(crash_state *s)
{
    fz_expect_rc("cbolt_close", cbolt_close(s->db), CBOLT_OK);
    s->db = NULL;
    if (simdisk_open_files(s->disk) != 0 || simdisk_live_maps(s->disk) != 0)
        fz_fail("after cbolt_close: %d files open, %d mappings live",
                simdisk_open_files(s->disk), simdisk_live_maps(s->disk));
}

/* 1 when the meta at off is valid; *txid receives its txid. */
static int meta_valid(const uint8_t *f, size_t len, uint64_t off,
                      uint32_t ps, uint64_t *txid)
{
    fz_meta m;
    if (!fz_meta_read(f, len, off, ps, &m))
        return 0;
    *txid = m.txid;
    return 1;
}

static void damage(crash_state *s, uint8_t d, uint8_t arg)
{
    uint32_t ps = s->o.page_size;
    uint64_t off = (uint64_t)(d & 1) * ps;
    uint8_t *buf = calloc(1, ps);
    const uint8_t *f;
    size_t len;
    if (!buf)
        abort();
    simdisk_get(s->disk, DB_PATH, &f, &len);
    if (off + ps <= len)
        memcpy(buf, f + off, ps);
    switch ((d >> 1) & 3) {
    case 0:
        memset(buf, 0, 80);
        break;
    case 1:
        buf[16 + arg % 64] ^= 0x5a;
        break;
    case 2:
        memset(buf, 0, ps);
        break;
    default:
        memset(buf, arg, ps);
        break;
    }
    simdisk_poke(s->disk, DB_PATH, off, buf, ps);
    free(buf);
}

/* ---- recovery ---- */

static void recover(crash_state *s, int damaged, uint64_t damaged_page)
{
    const uint8_t *f;
    size_t len, gn;
    uint64_t t0 = 0, t1 = 0, tmax;
    int v0, v1, rc, i, matched = -1;
    model *cand[5];
    const char *names[5] = {"last commit", "previous commit",
                            "failed commit", "commit in flight",
                            "commit before a failed one"};
    char *got;
    cbolt_tx *tx;

    simdisk_get(s->disk, DB_PATH, &f, &len);
    v0 = meta_valid(f, len, 0, s->o.page_size, &t0);
    v1 = meta_valid(f, len, s->o.page_size, s->o.page_size, &t1);
    if (fz_tracing())
        fprintf(stderr, "trace: crash log:\n%strace: metas: %s %llu, %s %llu\n",
                simdisk_log(s->disk), v0 ? "valid" : "invalid",
                (unsigned long long)t0, v1 ? "valid" : "invalid",
                (unsigned long long)t1);
    rc = cbolt_open(DB_PATH, &s->o, &s->db);
    if (!v0 && !v1) {
        if (rc == CBOLT_OK)
            fz_fail("open after the crash succeeded with no valid meta");
        s->db = NULL;
        return;
    }
    tmax = !v1 ? t0 : !v0 ? t1 : t0 > t1 ? t0 : t1;
    if (damaged && tmax + 1 < s->max_attempt) {
        /* A meta was damaged and the engine fell back to txid tmax, but
         * a commit attempt with txid max_attempt wrote pages: it could
         * reuse pages that only txids up to max_attempt - 2 reach, whose
         * meta its own would have replaced (spec/format.md, section 1).
         * Nothing is promised then but clean errors. */
        if (fz_tracing())
            fprintf(stderr, "trace: fell back to a meta whose pages may "
                            "be reused: not compared\n");
        if (rc != CBOLT_OK) {
            s->db = NULL;
            return;
        }
        if (cbolt_begin(s->db, 0, &tx) == CBOLT_OK) {
            free(fz_engine_dump(tx, &gn, &rc));
            cbolt_tx_check(tx, NULL, NULL);
            cbolt_tx_rollback(tx);
        }
        db_close(s);
        return;
    }
    fz_expect_rc("open after the crash", rc, CBOLT_OK);
    fz_expect_rc("begin after the crash", cbolt_begin(s->db, 0, &tx),
                 CBOLT_OK);
    if (cbolt_tx_id(tx) != tmax)
        fz_fail("after the crash the engine took txid %llu; valid metas: "
                "%s%llu, %s%llu",
                (unsigned long long)cbolt_tx_id(tx), v0 ? "" : "(invalid) ",
                (unsigned long long)t0, v1 ? "" : "(invalid) ",
                (unsigned long long)t1);
    got = fz_engine_dump(tx, &gn, &rc);
    fz_expect_rc("dump after the crash", rc, CBOLT_OK);
    cand[0] = s->m;
    cand[1] = damaged ? s->prev : NULL;
    cand[2] = s->failed;
    cand[3] = s->flight;
    cand[4] = s->unsynced;
    for (i = 0; i < 5 && matched < 0; i++) {
        size_t wn;
        char *want;
        if (!cand[i] || model_txid(cand[i]) != tmax)
            continue;
        want = model_dump(cand[i], NULL, &wn);
        if (wn == gn && memcmp(want, got, gn) == 0)
            matched = i;
        free(want);
    }
    if (matched < 0) {
        size_t wn;
        char *want = model_dump(s->m, NULL, &wn);
        fprintf(stderr, "crash log:\n%s", simdisk_log(s->disk));
        fprintf(stderr, "known states: last commit txid %llu%s%s%s\n",
                (unsigned long long)model_txid(s->m),
                s->failed ? ", a failed commit" : "",
                s->flight ? ", a commit in flight" : "",
                damaged ? ", damage" : "");
        fz_compare_dumps("after the crash: no known state of this txid; "
                         "against the last commit",
                         got, gn, want, wn);
        fz_fail("after the crash: txid %llu, no known state of it",
                (unsigned long long)tmax);
    }
    free(got);
    fz_check_tx_except("after the crash", tx,
                       damaged ? damaged_page : UINT64_MAX);
    cbolt_tx_rollback(tx);
    if (fz_tracing())
        fprintf(stderr, "trace: recovered the %s (txid %llu)\n",
                names[matched], (unsigned long long)tmax);
    /* the recovered state is now the committed one */
    if (cand[matched] != s->m) {
        model *keep = cand[matched];
        if (keep == s->prev)
            s->prev = NULL;
        else if (keep == s->failed)
            s->failed = NULL;
        else if (keep == s->unsynced)
            s->unsynced = NULL;
        else
            s->flight = NULL;
        replace(&s->m, keep);
    }
}

/* Writes after recovery: a bucket, keys (one large), a commit, a reopen:
 * the recovered freelist must hand out only free pages. */
static void after_recovery(crash_state *s)
{
    static const char name[] = "after-crash";
    cbolt_bucket *cb;
    mbucket *mb;
    uint8_t *big = calloc(1, 3 * s->o.page_size);
    int i;
    if (!big)
        abort();
    begin(s, 1);
    fz_expect_rc("after the crash: create bucket",
                 cbolt_tx_create_bucket_if_not_exists(s->tx.tx, name,
                                                      sizeof name - 1, &cb),
                 model_create_bucket(s->tx.mtx, NULL, name, sizeof name - 1,
                                     1, &mb));
    for (i = 0; i < 24; i++) {
        uint8_t k[2] = {'k', (uint8_t)i};
        size_t vn = i == 7 ? 3 * s->o.page_size : (size_t)i;
        memset(big, i, vn);
        fz_expect_rc("after the crash: put",
                     cbolt_bucket_put(cb, k, 2, big, vn),
                     model_put(s->tx.mtx, mb, k, 2, big, vn));
    }
    free(big);
    if (commit(s) != 0)
        fz_fail("after the crash: the disk died again");
    db_close(s);
    if (open_db(s, "reopen after the crash"))
        fz_fail("after the crash: the disk died again");
    fz_verify_db_full("reopen after the crash", s->db, s->m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fin in = {data, size, 0};
    crash_state s;
    uint8_t opt = fin_u8(&in), fault, fault_n, dmg, dmg_arg, nch;
    uint16_t crash_after = fin_u16(&in);
    const uint8_t *choices;
    int died = 0, verified = 0, rc;

    fault = fin_u8(&in);
    fault_n = fin_u8(&in);
    dmg = fin_u8(&in);
    dmg_arg = fin_u8(&in);
    nch = fin_u8(&in);
    choices = data + in.i;
    if (nch > fin_left(&in))
        nch = (uint8_t)fin_left(&in);
    in.i += nch;

    memset(&s, 0, sizeof s);
    fz_context("crash harness, %zu-byte input", size);
    s.disk = simdisk_new();
    simdisk_trace(s.disk, fz_tracing());
    s.m = model_new();
    s.prev = model_clone(s.m);
    s.o.vfs = simdisk_vfs(s.disk);
    s.o.timeout_ms = 1;
    fz_options(opt, &s.o, &s.fill);
    /* values over 64 bytes: 64 pages in all (256 KiB with 4 KiB pages) */
    s.budget = 64u * s.o.page_size;
    rc = cbolt_open(DB_PATH, &s.o, &s.db);
    fz_expect_rc("cbolt_open (new file)", rc, CBOLT_OK);
    /* the metas of a new file have txids 0 and 1, both empty */
    model_set_txid(s.prev, 0);
    s.max_attempt = 1;
    simdisk_die_after(s.disk, crash_after);
    if (fault >= 128) {
        if (fault & 1)
            simdisk_fail_sync(s.disk, (uint64_t)fault_n + 1);
        else
            simdisk_fail_write(s.disk, (uint64_t)fault_n + 1);
    }

    while (!died && fin_left(&in) > 0) {
        uint8_t c = fin_u8(&in);
        /* a verify right after a verify is the same check again: skipped
         * (as in ops.c) */
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
                died = commit(&s);
            break;
        case 4:
            end_tx(&s);
            break;
        case 5:
            end_tx(&s);
            db_close(&s);
            if ((died = open_db(&s, "reopen")) == 0)
                fz_verify_db("reopen", s.db, s.m);
            break;
        default:
            if (!again)
                fz_verify_db_full("verify", s.db, s.m);
            verified = 1;
            break;
        }
    }
    if (!died && s.open && model_tx_writable(s.tx.mtx))
        died = commit(&s);
    end_tx(&s);
    db_close(&s);

    /* the power cut */
    simdisk_crash(s.disk, choices, nch);
    if (dmg)
        damage(&s, dmg, dmg_arg);
    recover(&s, dmg != 0, dmg & 1);
    if (s.db) {
        after_recovery(&s);
        db_close(&s);
    }
    model_free(s.m);
    model_free(s.prev);
    model_free(s.failed);
    model_free(s.flight);
    model_free(s.unsynced);
    simdisk_free(s.disk);
    return 0;
}
