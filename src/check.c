/*
 * check.c - the consistency check of a snapshot (bbolt's Tx.Check and
 * more) and bucket statistics, both over the one walk (walk.h).
 *
 * Owns: the rules page-unreachable and meta-page, the judgement of the
 * two meta pages, and the counting of bbolt's BucketStats.
 * Invariants:
 * - the file is judged from the meta in force (the snapshot's): the other
 *   meta page may hold an older or a torn commit, which is a note, never
 *   a problem;
 * - every page below the high-water mark is reachable exactly once or
 *   free, never both; each problem is reported once, with its page and
 *   rule, and counted.
 */
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "tx.h"
#include "walk.h"

typedef struct checker {
    walker w;
    walk_visitor vis;
    const cbolt_check_options *o;
    int problems;
    int stop_first;          /* stats: stop at the first problem */
    int first;               /* the first problem as an error code */
    cbolt_bucket_stats st;
} checker;

static void say(cbolt_check_fn fn, void *arg, uint64_t pgid, int rule,
                const char *msg)
{
    char line[320];
    if (!fn)
        return;
    snprintf(line, sizeof line, "page %llu: %s: %s", (unsigned long long)pgid,
             cb_rule_name(rule), msg);
    fn(arg, pgid, cb_rule_name(rule), line);
}

static int on_problem(void *arg, uint64_t pgid, int rule, const char *msg)
{
    checker *k = arg;
    char detail[256];
    /* msg may lie in the error record cb_corrupt() rewrites: a copy */
    snprintf(detail, sizeof detail, "%s", msg ? msg : "");
    k->problems++;
    if (k->first == CBOLT_OK)
        k->first = cb_corrupt(pgid, rule, "%s", detail);
    if (k->o)
        say(k->o->report, k->o->arg, pgid, rule, detail);
    return k->stop_first;
}

static void on_page(void *arg, const page_view *pv, int depth, int is_inline)
{
    checker *k = arg;
    uint64_t ps = k->w.s->ps, ovf = is_inline ? 0 : pv->len / ps - 1;
    (void)depth;
    if (page_is_leaf(pv)) {
        k->st.key_n += pv->count;
        if (is_inline) {
            k->st.inline_bucket_inuse += page_inuse(pv);
            return;
        }
        k->st.leaf_page_n++;
        k->st.leaf_inuse += page_inuse(pv);
        k->st.leaf_overflow_n += ovf;
        k->st.leaf_alloc += (ovf + 1) * ps;
        return;
    }
    k->st.branch_page_n++;
    k->st.branch_inuse += page_inuse(pv);
    k->st.branch_overflow_n += ovf;
    k->st.branch_alloc += (ovf + 1) * ps;
}

static void on_bucket(void *arg, const walk_bucket *b)
{
    checker *k = arg;
    k->st.bucket_n++;
    if (b->root == 0)
        k->st.inline_bucket_n++;
}

static int checker_init(checker *k, snap *s, const cbolt_check_options *o)
{
    static const walk_visitor v = {NULL, on_page, on_bucket, on_problem};
    memset(k, 0, sizeof *k);
    k->o = o;
    k->vis = v;
    k->vis.arg = k;
    return walk_init(&k->w, s, &k->vis);
}

int cbolt_bucket_stats_get(cbolt_bucket *b, cbolt_bucket_stats *out)
{
    checker k;
    walk_bucket start;
    int rc;
    if (!b || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "stats: NULL argument");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    if ((rc = checker_init(&k, &b->tx->s, NULL)) != CBOLT_OK)
        return rc;
    k.stop_first = 1;
    memset(&start, 0, sizeof start);
    start.root = b->t.root;
    start.top = b->top;
    if (b->t.root == 0)
        start.inl = b->t.inl;
    rc = walk_run(&k.w, &start);
    if (rc == CBOLT_OK)
        rc = k.first;
    if (rc == CBOLT_OK) {
        k.st.depth = k.w.depth_max;
        *out = k.st;
    }
    walk_free(&k.w);
    return rc;
}

/* Meta page i: the one in force must be a meta page; the other may be
 * torn or hold an older commit: a note, not a problem. */
static void check_meta_page(checker *k, uint64_t i)
{
    snap *s = k->w.s;
    const uint8_t *p;
    page_hdr h;
    int in_force = (uint64_t)s->meta_page == i, rule = RULE_OK;
    char msg[160];
    snap_meta_page(s, i, &h, &p);
    k->w.reach[i] = 1;
    if (h.id != i || (h.flags & PAGE_TYPE_MASK) != PAGE_META)
        rule = RULE_META_PAGE;
    else if (!in_force)
        rule = meta_validate(p);
    if (rule == RULE_OK)
        return;
    snprintf(msg, sizeof msg, "header id %llu flags 0x%x%s",
             (unsigned long long)h.id, (unsigned)h.flags,
             in_force ? "" : " (not the meta in force: an older or torn "
                             "commit)");
    if (in_force)
        on_problem(k, i, rule, msg);
    else if (k->o->note)
        say(k->o->note, k->o->arg, i, rule, msg);
}

/* Every page below the high-water mark is reached or free: the marks
 * are read only below it (the per-page bookkeeping indexed by ids proved
 * in range; proofs/README.md, "check"). */
/*@ requires marks: WalkerMarks(&k->w);
    requires freed: \valid_read(freed + (0 .. k->w.s->hwm - 1));
    requires separated: \separated(&k->w, freed + (0 .. k->w.s->hwm - 1));
    assigns k->w.stop, walk_visitor_state, walk_last_pgid, walk_last_rule;
    ensures marks: WalkerMarks(&k->w); */
static void check_unreachable(checker *k, const uint8_t *freed)
{
    uint64_t i;
    /*@ loop invariant marks: WalkerMarks(&k->w);
        loop invariant range: 2 <= i;
        loop invariant below: i <= k->w.s->hwm || i == 2;
        loop assigns i, k->w.stop, walk_visitor_state, walk_last_pgid,
                     walk_last_rule;
        loop variant k->w.s->hwm - i; */
    for (i = 2; i < k->w.s->hwm && !k->w.stop; i++)
        if (!k->w.reach[i] && !freed[i])
            walk_problem(&k->w, i, RULE_PAGE_UNREACHABLE,
                         "neither reachable nor free");
}

/* The whole file from the meta in force. */
static int check_all(checker *k, uint8_t *freed)
{
    snap *s = k->w.s;
    walk_bucket root;
    int synced = s->meta.freelist != PGID_NO_FREELIST, rc = CBOLT_OK;
    check_meta_page(k, 0);
    check_meta_page(k, 1);
    if (synced)
        rc = walk_freelist(&k->w, freed);
    k->w.freed = freed;
    walk_root(s, &root);
    if (rc == CBOLT_OK)
        rc = walk_run(&k->w, &root);
    if (rc == CBOLT_OK && synced)
        check_unreachable(k, freed);
    return rc;
}

int cbolt_tx_check_with(cbolt_tx *tx, const cbolt_check_options *o)
{
    static const cbolt_check_options none;
    checker k;
    uint8_t *freed;
    int rc;
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "check: no transaction");
    if ((rc = btx_usable(&tx->b, 0)) != CBOLT_OK)
        return rc;
    if ((rc = checker_init(&k, &tx->b.s, o ? o : &none)) != CBOLT_OK)
        return rc;
    if (!(freed = cb_calloc(tx->b.s.hwm ? tx->b.s.hwm : 1, 1))) {
        walk_free(&k.w);
        return cb_error(CBOLT_ERR_NOMEM, "check: out of memory");
    }
    tx->b.s.fresh = 1; /* every page validated anew, no mark trusted */
    if (k.o->from_page) {
        walk_bucket start;
        memset(&start, 0, sizeof start);
        start.root = k.o->from_page;
        rc = walk_run(&k.w, &start);
    } else {
        rc = check_all(&k, freed);
    }
    tx->b.s.fresh = 0;
    cb_free(freed);
    walk_free(&k.w);
    return rc == CBOLT_OK ? k.problems : rc;
}

int cbolt_tx_check(cbolt_tx *tx, cbolt_check_fn report, void *arg)
{
    cbolt_check_options o;
    memset(&o, 0, sizeof o);
    o.report = report;
    o.arg = arg;
    return cbolt_tx_check_with(tx, &o);
}
