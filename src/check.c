/*
 * check.c - whole-snapshot walks: the consistency check (bbolt's
 * Tx.Check and more), bucket statistics, and the free page count.
 *
 * Owns: the walker, which visits every page of every bucket tree below a
 * bucket, depth first, each page at most once; the rules page-double,
 * page-freed-reachable, page-unreachable and meta-page.
 * Invariants:
 * - A page is descended into only the first time it is reached and only
 *   when it validates, so a walk over any bytes ends after at most one
 *   visit per page, with recursion at most CBOLT_MAX_TREE_DEPTH deep.
 * - Buckets wait on an explicit work list, never on the C stack, so any
 *   nesting depth is walked in bounded stack space.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "freelist.h"
#include "internal.h"

typedef struct work_item {
    cbolt_bucket b;
    uint64_t prefix;          /* nesting depth above this bucket (stats) */
} work_item;

typedef struct walker walker;
struct walker {
    cbolt_tx *tx;
    uint8_t *reach;           /* per page below pgid: reached */
    const uint8_t *freed;     /* per page: on the freelist (check only) */
    int problems;
    int stop;                 /* stop at the first problem (stats) */
    int err;                  /* CBOLT_ERR_NOMEM, or the first problem */
    cbolt_check_fn report;
    void *arg;
    /* stats */
    cbolt_bucket_stats s;
    uint64_t own_depth;       /* deepest page level of the current bucket */
    int inline_bucket;
    work_item *work;
    size_t nwork, capwork;
};

static void problem(walker *w, uint64_t pgid, int rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(walker *w, uint64_t pgid, int rule, const char *fmt, ...)
{
    char msg[256];
    int n;
    va_list ap;
    n = snprintf(msg, sizeof msg, "page %llu: %s: ", (unsigned long long)pgid,
                 cb_rule_name(rule));
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    w->problems++;
    if (w->err == CBOLT_OK)
        w->err = cb_corrupt(pgid, rule, "%s", msg + n);
    if (w->report)
        w->report(w->arg, pgid, cb_rule_name(rule), msg);
}

/* Reports the corruption that a callee recorded with cb_corrupt(). */
static void callee_problem(walker *w)
{
    const cbolt_error_info *e = cbolt_last_error();
    w->problems++;
    if (w->err == CBOLT_OK)
        w->err = CBOLT_ERR_CORRUPT;
    if (w->report)
        w->report(w->arg, e->pgid, e->rule, e->message);
}

static int halted(const walker *w)
{
    return w->err == CBOLT_ERR_NOMEM || (w->stop && w->problems > 0);
}

static void push_bucket(walker *w, const cbolt_bucket *b)
{
    if (w->nwork == w->capwork) {
        size_t cap = w->capwork ? 2 * w->capwork : 64;
        work_item *n = realloc(w->work, cap * sizeof *n);
        if (!n) {
            w->err = cb_error(CBOLT_ERR_NOMEM, "check: out of memory");
            return;
        }
        w->work = n;
        w->capwork = cap;
    }
    w->work[w->nwork].b = *b;
    w->work[w->nwork].prefix = 0;
    w->nwork++;
}

/* Marks the run of a page reached; 0 when some page of it already was. */
static int mark_run(walker *w, uint64_t pgid, uint64_t ovf)
{
    uint64_t i;
    for (i = 0; i <= ovf; i++) {
        if (w->reach[pgid + i]) {
            problem(w, pgid + i, RULE_PAGE_DOUBLE, "referenced twice");
            return 0;
        }
    }
    for (i = 0; i <= ovf; i++) {
        w->reach[pgid + i] = 1;
        if (w->freed && w->freed[pgid + i])
            problem(w, pgid + i, RULE_PAGE_FREED_REACHABLE,
                    "reachable and free");
    }
    return 1;
}

static void visit_leaf(walker *w, const page_view *pv, int top)
{
    uint32_t i;
    for (i = 0; i < pv->count && !halted(w); i++) {
        const uint8_t *v;
        uint32_t vlen, flags;
        cbolt_bucket child;
        page_leaf_value(pv, i, &v, &vlen, &flags);
        if (!(flags & LEAF_FLAG_BUCKET)) {
            if (top)
                problem(w, pv->id, RULE_ROOT_VALUE,
                        "element %u is a value at the top level", i);
            continue;
        }
        if (bucket_from_value(w->tx, pv->id, v, vlen, &child) != CBOLT_OK)
            callee_problem(w);
        else
            push_bucket(w, &child);
    }
}

static void count_page(walker *w, const page_view *pv, int depth)
{
    uint64_t ps = w->tx->db->page_size;
    uint64_t ovf = pv->id ? ld32(pv->data + PAGE_OFF_OVERFLOW) : 0;
    if ((uint64_t)depth + 1 > w->own_depth)
        w->own_depth = (uint64_t)depth + 1;
    if (page_is_leaf(pv)) {
        w->s.key_n += pv->count;
        if (w->inline_bucket) {
            w->s.inline_bucket_inuse += page_inuse(pv);
        } else {
            w->s.leaf_page_n++;
            w->s.leaf_inuse += page_inuse(pv);
            w->s.leaf_overflow_n += ovf;
            w->s.leaf_alloc += (ovf + 1) * ps;
        }
    } else {
        w->s.branch_page_n++;
        w->s.branch_inuse += page_inuse(pv);
        w->s.branch_overflow_n += ovf;
        w->s.branch_alloc += (ovf + 1) * ps;
    }
}

static void visit_tree(walker *w, const page_view *pv, int depth, int top,
                       const uint8_t *hi, uint32_t hilen);

/* Visits child i of branch parent; its keys must lie below hi. */
static void visit_child(walker *w, const page_view *parent, uint32_t i,
                        const uint8_t *hi, uint32_t hilen, int depth, int top)
{
    uint64_t id = page_branch_child(parent, i), ovf;
    const uint8_t *lo, *p, *k;
    uint32_t lolen, klen, bad;
    size_t len;
    page_view pv;
    int rule;

    if (depth >= CBOLT_MAX_TREE_DEPTH)
        return problem(w, parent->id, RULE_TREE_DEPTH,
                       "tree deeper than %d levels", CBOLT_MAX_TREE_DEPTH);
    rule = page_locate(w->tx->map->base, w->tx->db->page_size,
                       w->tx->meta.pgid, id, &len);
    if (rule == RULE_PAGE_ID_RANGE)
        return problem(w, parent->id, rule, "element %u points at page %llu",
                       i, (unsigned long long)id);
    p = w->tx->map->base + id * w->tx->db->page_size;
    if (rule == RULE_PAGE_ID_MISMATCH)
        return problem(w, id, rule, "header says page %llu",
                       (unsigned long long)ld64(p + PAGE_OFF_ID));
    ovf = ld32(p + PAGE_OFF_OVERFLOW);
    if (rule != RULE_OK)
        return problem(w, id, rule,
                       "overflow %llu runs past the high-water mark",
                       (unsigned long long)ovf);
    if (!mark_run(w, id, ovf))
        return;
    rule = page_validate(p, len, PV_BRANCH | PV_LEAF, &pv, &bad);
    if (rule != RULE_OK)
        return problem(w, id, rule, "element %u", bad);
    pv.id = id;
    if (pv.count == 0)
        return problem(w, id, page_is_leaf(&pv) ? RULE_LEAF_EMPTY
                                                : RULE_BRANCH_EMPTY,
                       "empty page below a branch");
    page_key(parent, i, &lo, &lolen);
    page_key(&pv, 0, &k, &klen);
    if (key_cmp(k, klen, lo, lolen) < 0)
        return problem(w, id, RULE_KEY_RANGE, "first key below its separator");
    page_key(&pv, (uint32_t)pv.count - 1, &k, &klen);
    if (hi && key_cmp(k, klen, hi, hilen) >= 0)
        return problem(w, id, RULE_KEY_RANGE,
                       "last key not below the next separator");
    visit_tree(w, &pv, depth, top, hi, hilen);
}

static void visit_tree(walker *w, const page_view *pv, int depth, int top,
                       const uint8_t *hi, uint32_t hilen)
{
    uint32_t i;
    count_page(w, pv, depth);
    if (page_is_leaf(pv)) {
        visit_leaf(w, pv, top);
        return;
    }
    for (i = 0; i < pv->count && !halted(w); i++) {
        const uint8_t *chi = hi;
        uint32_t chilen = hilen;
        if (i + 1u < pv->count)
            page_key(pv, i + 1, &chi, &chilen);
        visit_child(w, pv, i, chi, chilen, depth + 1, top);
    }
}

/* Walks one bucket's tree: its root page and everything below. */
static void walk_bucket(walker *w, cbolt_bucket *b)
{
    page_view root;
    uint64_t ovf;
    w->own_depth = 0;
    w->inline_bucket = b->root == 0;
    w->s.bucket_n++;
    if (b->root == 0) {
        w->s.inline_bucket_n++;
        visit_tree(w, &b->inline_page, 0, b->top, NULL, 0);
        return;
    }
    if (b->root < 2 || b->root >= w->tx->meta.pgid)
        return problem(w, b->root, RULE_PAGE_ID_RANGE,
                       "bucket root outside [2, %llu)",
                       (unsigned long long)w->tx->meta.pgid);
    ovf = ld32(w->tx->map->base + b->root * w->tx->db->page_size +
               PAGE_OFF_OVERFLOW);
    if (ovf < w->tx->meta.pgid - b->root && !mark_run(w, b->root, ovf))
        return;
    if (tx_tree_page(w->tx, b->root, &root) != CBOLT_OK)
        return callee_problem(w);
    visit_tree(w, &root, 0, b->top, NULL, 0);
}

/* Walks start and every bucket below it; stats accumulate in w->s. */
static void walk(walker *w, cbolt_bucket *start)
{
    uint64_t depth_max = 0;
    push_bucket(w, start);
    while (w->nwork > 0 && !halted(w)) {
        work_item it = w->work[--w->nwork];
        size_t first = w->nwork, j;
        walk_bucket(w, &it.b);
        if (it.prefix + w->own_depth > depth_max)
            depth_max = it.prefix + w->own_depth;
        for (j = first; j < w->nwork; j++)
            w->work[j].prefix = it.prefix + w->own_depth;
    }
    w->s.depth = depth_max;
}

static int walker_init(walker *w, cbolt_tx *tx)
{
    memset(w, 0, sizeof *w);
    w->tx = tx;
    w->reach = calloc(tx->meta.pgid, 1);
    if (!w->reach)
        return cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
    return CBOLT_OK;
}

static void walker_free(walker *w)
{
    free(w->reach);
    free(w->work);
}

int cbolt_bucket_stats_get(cbolt_bucket *b, cbolt_bucket_stats *out)
{
    walker w;
    int rc;
    if (!b || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "stats: NULL argument");
    rc = walker_init(&w, b->tx);
    if (rc != CBOLT_OK)
        return rc;
    w.stop = 1;
    walk(&w, b);
    rc = w.err;
    if (rc == CBOLT_OK)
        *out = w.s;
    walker_free(&w);
    return rc;
}

/* Checks the header of meta page i. */
static void check_meta_page(walker *w, uint64_t i)
{
    const uint8_t *p = w->tx->map->base + i * w->tx->db->page_size;
    if (ld64(p + PAGE_OFF_ID) != i ||
        (ld16(p + PAGE_OFF_FLAGS) & PAGE_TYPE_MASK) != PAGE_META)
        problem(w, i, RULE_META_PAGE, "header id %llu flags 0x%x",
                (unsigned long long)ld64(p + PAGE_OFF_ID),
                ld16(p + PAGE_OFF_FLAGS));
    w->reach[i] = 1;
}

/* Reads the freelist page into freed[]; the page's run becomes reached. */
static void check_freelist(walker *w, uint8_t *freed)
{
    uint64_t id = w->tx->meta.freelist, ovf, n, bad, i, *ids;
    const uint8_t *p = w->tx->map->base + id * w->tx->db->page_size;
    size_t off, len;
    int rule;

    if (ld64(p + PAGE_OFF_ID) != id)
        return problem(w, id, RULE_PAGE_ID_MISMATCH, "header says page %llu",
                       (unsigned long long)ld64(p + PAGE_OFF_ID));
    if ((ld16(p + PAGE_OFF_FLAGS) & PAGE_TYPE_MASK) != PAGE_FREELIST)
        return problem(w, id, RULE_PAGE_TYPE, "flags 0x%x, not a freelist",
                       ld16(p + PAGE_OFF_FLAGS));
    ovf = ld32(p + PAGE_OFF_OVERFLOW);
    if (ovf >= w->tx->meta.pgid - id)
        return problem(w, id, RULE_PAGE_FILE_RANGE,
                       "overflow %llu runs past the high-water mark",
                       (unsigned long long)ovf);
    mark_run(w, id, ovf);
    len = (size_t)((ovf + 1) * w->tx->db->page_size);
    rule = freelist_header(p, len, &n, &off);
    if (rule != RULE_OK)
        return problem(w, id, rule, "count does not fit the page");
    ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) {
        w->err = cb_error(CBOLT_ERR_NOMEM, "check: out of memory");
        return;
    }
    rule = freelist_decode(p, off, n, w->tx->meta.pgid, ids, &bad);
    if (rule != RULE_OK)
        problem(w, id, rule, "id %llu at index %llu",
                (unsigned long long)ids[bad], (unsigned long long)bad);
    else
        for (i = 0; i < n; i++)
            freed[ids[i]] = 1;
    free(ids);
}

int cbolt_tx_check(cbolt_tx *tx, cbolt_check_fn report, void *arg)
{
    walker w;
    uint8_t *freed = NULL;
    uint64_t i;
    int rc, synced;

    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "check: no transaction");
    rc = walker_init(&w, tx);
    if (rc != CBOLT_OK)
        return rc;
    w.report = report;
    w.arg = arg;
    synced = tx->meta.freelist != PGID_NO_FREELIST;
    freed = calloc(tx->meta.pgid, 1);
    if (!freed) {
        walker_free(&w);
        return cb_error(CBOLT_ERR_NOMEM, "check: out of memory");
    }
    check_meta_page(&w, 0);
    check_meta_page(&w, 1);
    if (synced)
        check_freelist(&w, freed);
    w.freed = freed;
    walk(&w, &tx->root);
    for (i = 2; synced && i < tx->meta.pgid && !halted(&w); i++)
        if (!w.reach[i] && !freed[i])
            problem(&w, i, RULE_PAGE_UNREACHABLE, "neither reachable nor free");
    rc = w.err == CBOLT_ERR_NOMEM ? w.err : w.problems;
    free(freed);
    walker_free(&w);
    return rc;
}

/* Counts the free pages of a snapshot: the freelist page's ids, or, when
 * the freelist is not synced, the pages no bucket reaches. */
int tx_count_free(cbolt_tx *tx, uint64_t *out)
{
    walker w;
    uint64_t i, n = 0;
    int rc = walker_init(&w, tx);
    uint8_t *freed;
    if (rc != CBOLT_OK)
        return rc;
    freed = calloc(tx->meta.pgid, 1);
    if (!freed) {
        walker_free(&w);
        return cb_error(CBOLT_ERR_NOMEM, "stats: out of memory");
    }
    w.stop = 1;
    w.reach[0] = w.reach[1] = 1;
    if (tx->meta.freelist != PGID_NO_FREELIST) {
        check_freelist(&w, freed);
        for (i = 0; i < tx->meta.pgid; i++)
            n += freed[i];
    } else {
        walk(&w, &tx->root);
        for (i = 0; i < tx->meta.pgid; i++)
            n += !w.reach[i];
    }
    rc = w.err;
    if (rc == CBOLT_OK)
        *out = n;
    free(freed);
    walker_free(&w);
    return rc;
}

int tx_free_ids(cbolt_tx *tx, uint64_t **ids, size_t *n)
{
    walker w;
    uint64_t i;
    size_t k = 0;
    uint8_t *freed;
    int rc = walker_init(&w, tx);
    if (rc != CBOLT_OK)
        return rc;
    freed = calloc(tx->meta.pgid, 1);
    *ids = malloc((tx->meta.pgid ? tx->meta.pgid : 1) * sizeof **ids);
    if (!freed || !*ids) {
        free(freed);
        free(*ids);
        *ids = NULL;
        walker_free(&w);
        return cb_error(CBOLT_ERR_NOMEM, "freelist: out of memory");
    }
    w.stop = 1;
    w.reach[0] = w.reach[1] = 1;
    if (tx->meta.freelist != PGID_NO_FREELIST) {
        check_freelist(&w, freed);
    } else {
        walk(&w, &tx->root);
        for (i = 2; i < tx->meta.pgid; i++)
            freed[i] = !w.reach[i];
    }
    for (i = 2; i < tx->meta.pgid; i++)
        if (freed[i])
            (*ids)[k++] = i;
    rc = w.err;
    *n = k;
    if (rc != CBOLT_OK) {
        free(*ids);
        *ids = NULL;
    }
    free(freed);
    walker_free(&w);
    return rc;
}
