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

/*@ // The bytes a page view's contents use, as page_inuse() gives them
    // (page.h).
    logic integer PageInuse{L}(page_view *p) =
      p->count == 0 ? PageHdrSize :
        ValOff((uint8_t *)p->data, p->count - 1) +
        ValSize((uint8_t *)p->data, p->count - 1); */

/* One page's statistics (bbolt's Bucket.Stats): a leaf counts its keys,
 * and its bytes in use and allocated as a leaf page or, inline, as an
 * inline bucket's; a branch page its bytes. A page run of len bytes is
 * len / ps pages, the first and its overflow. Each counter is a sum over
 * distinct pages of the file, so stays below 2^64 - len. */
/*@ requires checker: \valid(k) &&
      \valid_read(k->w.s);
    requires ps: PageSizeOk(k->w.s->ps);
    requires view: PageViewInBounds(pv);
    requires run: is_inline == 0 ==> k->w.s->ps <= pv->len;
    requires inline_leaf: is_inline != 0 ==> (pv->flags & PageLeaf) != 0;
    requires separated: \separated(k, pv, k->w.s);
    requires room: k->st.key_n <= UINT64_MAX - pv->count &&
      k->st.inline_bucket_inuse <= UINT64_MAX - pv->len &&
      k->st.leaf_page_n < UINT64_MAX &&
      k->st.leaf_inuse <= UINT64_MAX - pv->len &&
      k->st.leaf_overflow_n <= UINT64_MAX - pv->len &&
      k->st.leaf_alloc <= UINT64_MAX - pv->len &&
      k->st.branch_page_n < UINT64_MAX &&
      k->st.branch_inuse <= UINT64_MAX - pv->len &&
      k->st.branch_overflow_n <= UINT64_MAX - pv->len &&
      k->st.branch_alloc <= UINT64_MAX - pv->len;
    assigns k->st;
    behavior inline_leaf:
      assumes (pv->flags & PageLeaf) != 0 && is_inline != 0;
      ensures k->st.key_n ==
              \old(k->st.key_n) + pv->count;
      ensures k->st.inline_bucket_inuse ==
              \old(k->st.inline_bucket_inuse) + PageInuse(pv);
      ensures k->st.leaf_page_n ==
              \old(k->st.leaf_page_n) &&
              k->st.leaf_alloc ==
              \old(k->st.leaf_alloc) &&
              k->st.branch_page_n ==
              \old(k->st.branch_page_n);
    behavior leaf:
      assumes (pv->flags & PageLeaf) != 0 && is_inline == 0;
      ensures k->st.key_n ==
              \old(k->st.key_n) + pv->count;
      ensures k->st.leaf_page_n ==
              \old(k->st.leaf_page_n) + 1;
      ensures k->st.leaf_inuse ==
              \old(k->st.leaf_inuse) + PageInuse(pv);
      ensures k->st.leaf_overflow_n ==
              \old(k->st.leaf_overflow_n) +
              \old(pv->len / k->w.s->ps) - 1;
      ensures k->st.leaf_alloc ==
              \old(k->st.leaf_alloc) +
              \old((pv->len / k->w.s->ps) * k->w.s->ps);
      ensures k->st.branch_page_n ==
              \old(k->st.branch_page_n) &&
              k->st.inline_bucket_inuse ==
              \old(k->st.inline_bucket_inuse);
    behavior branch:
      assumes (pv->flags & PageLeaf) == 0;
      ensures k->st.branch_page_n ==
              \old(k->st.branch_page_n) + 1;
      ensures k->st.branch_inuse ==
              \old(k->st.branch_inuse) + PageInuse(pv);
      ensures is_inline == 0 ==> k->st.branch_overflow_n ==
              \old(k->st.branch_overflow_n) +
              \old(pv->len / k->w.s->ps) - 1;
      ensures is_inline == 0 ==> k->st.branch_alloc ==
              \old(k->st.branch_alloc) +
              \old((pv->len / k->w.s->ps) * k->w.s->ps);
      ensures k->st.key_n == \old(k->st.key_n) &&
              k->st.leaf_page_n ==
              \old(k->st.leaf_page_n);
    complete behaviors;
    disjoint behaviors; */
static void page_stats(checker *k, const page_view *pv, int is_inline)
{
    uint64_t ps = k->w.s->ps, len = pv->len;
    uint64_t pages = is_inline ? 1 : len / ps, ovf = pages - 1, alloc;
    uint64_t inuse = page_inuse(pv);
    //@ assert run: is_inline == 0 ==> pages * ps <= len && 1 <= pages;
    alloc = pages * ps;
    if (page_is_leaf(pv)) {
        k->st.key_n += pv->count;
        if (is_inline) {
            k->st.inline_bucket_inuse += inuse;
            return;
        }
        k->st.leaf_page_n++;
        k->st.leaf_inuse += inuse;
        k->st.leaf_overflow_n += ovf;
        k->st.leaf_alloc += alloc;
        return;
    }
    k->st.branch_page_n++;
    k->st.branch_inuse += inuse;
    k->st.branch_overflow_n += ovf;
    k->st.branch_alloc += alloc;
}

/* The visitor's page callback (a void * argument, which WP's Typed model
 * does not convert: the statistics are page_stats'). */
static void on_page(void *arg, const page_view *pv, int depth, int is_inline)
{
    (void)depth;
    page_stats(arg, pv, is_inline);
}

/* One bucket's statistics: a bucket, and an inline one when its root is
 * 0 (counters of distinct buckets, below 2^64 - 1). */
/*@ requires checker: \valid(k);
    requires bucket: \valid_read(b) && \separated(k, b);
    requires room: k->st.bucket_n < UINT64_MAX &&
                   k->st.inline_bucket_n < UINT64_MAX;
    assigns k->st.bucket_n, k->st.inline_bucket_n;
    ensures buckets: k->st.bucket_n == \old(k->st.bucket_n) + 1;
    ensures inline: k->st.inline_bucket_n ==
      \old(k->st.inline_bucket_n) + (b->root == 0 ? 1 : 0); */
static void bucket_stats(checker *k, const walk_bucket *b)
{
    k->st.bucket_n++;
    if (b->root == 0)
        k->st.inline_bucket_n++;
}

static void on_bucket(void *arg, const walk_bucket *b)
{
    bucket_stats(arg, b);
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

/* Where the statistics' walk of bucket b starts: its root page, or when
 * inline (root 0) its inline page; the root bucket's mark; no tree above
 * it. */
/*@ requires \valid_read(b) && \valid(start) && \separated(b, start);
    assigns *start;
    ensures root: start->root == b->t.root;
    ensures top: start->top == b->top;
    ensures prefix: start->prefix == 0;
    ensures inline: b->t.root == 0 ==> start->inl == b->t.inl;
    ensures no_view: b->t.root != 0 ==>
      start->inl.data == \null && start->inl.len == 0 &&
      start->inl.id == 0 && start->inl.flags == 0 && start->inl.count == 0; */
static void stats_start(const cbolt_bucket *b, walk_bucket *start)
{
    start->root = b->t.root;
    start->top = b->top;
    start->prefix = 0;
    if (b->t.root == 0) {
        start->inl = b->t.inl;
        return;
    }
    start->inl.data = NULL;
    start->inl.len = 0;
    start->inl.id = 0;
    start->inl.flags = 0;
    start->inl.count = 0;
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
    stats_start(b, &start);
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

/* The rule meta page i of the snapshot breaks: meta-page when its header
 * is not meta page i's; the meta not in force must also pass
 * meta_validate() (magic, version, checksum); the one in force was
 * validated when the snapshot began. *h is the page's header. */
/*@ requires snap: SnapMapped(s);
    requires meta_page: i <= 1;
    requires valid_out: \valid(h);
    requires separated: \separated(h, s, s->map,
                          s->map->base + (0 .. s->hwm * s->ps - 1));
    assigns *h;
    // (named as on entry: *h is apart from the snapshot)
    ensures id: h->id ==
      LD64(\old(s->map->base) + i * \old(s->ps) + PageOffId);
    ensures flags: h->flags ==
      LD16(\old(s->map->base) + i * \old(s->ps) + PageOffFlags);
    behavior header:
      assumes LD64(s->map->base + i * s->ps + PageOffId) != i ||
        (LD16(s->map->base + i * s->ps + PageOffFlags) & PAGE_TYPE_MASK) !=
        PAGE_META;
      ensures \result == RULE_META_PAGE;
    behavior in_force:
      assumes LD64(s->map->base + i * s->ps + PageOffId) == i &&
        (LD16(s->map->base + i * s->ps + PageOffFlags) & PAGE_TYPE_MASK) ==
        PAGE_META;
      assumes s->meta_page == i;
      ensures \result == RULE_OK;
    behavior other:
      assumes LD64(s->map->base + i * s->ps + PageOffId) == i &&
        (LD16(s->map->base + i * s->ps + PageOffFlags) & PAGE_TYPE_MASK) ==
        PAGE_META;
      assumes s->meta_page != i;
      ensures valid: \result == RULE_OK <==>
        MetaValid(\old(s->map->base) + i * \old(s->ps));
      ensures rule: \result == RULE_OK || \result == RULE_META_MAGIC ||
        \result == RULE_META_VERSION || \result == RULE_META_CHECKSUM;
    complete behaviors;
    disjoint behaviors; */
static int meta_page_rule(snap *s, uint64_t i, page_hdr *h)
{
    const uint8_t *p;
    snap_meta_page(s, i, h, &p);
    if (h->id != i || (h->flags & PAGE_TYPE_MASK) != PAGE_META)
        return RULE_META_PAGE;
    if ((uint64_t)s->meta_page != i)
        return meta_validate(p);
    return RULE_OK;
}

/* Meta page i: the one in force must be a meta page; the other may be
 * torn or hold an older commit: a note, not a problem. */
static void check_meta_page(checker *k, uint64_t i)
{
    page_hdr h;
    int in_force = (uint64_t)k->w.s->meta_page == i;
    int rule = meta_page_rule(k->w.s, i, &h);
    char msg[160];
    k->w.reach[i] = 1;
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
