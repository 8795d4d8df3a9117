/*
 * walk.c - the walk over a snapshot's trees (see walk.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "freelist.h"
#include "mem.h"
#include "walk.h"

/* One level of the path through a tree: a branch page, the next child
 * to visit, and the exclusive upper bound its parents put on its keys. */
struct walk_frame {
    page_view pv;
    uint32_t next;
    const uint8_t *hi;       /* NULL: no upper bound */
    uint32_t hilen;
};

#ifdef __FRAMAC__
/* What the proofs assume of the modules walk.c calls beyond the proved
 * page, store and freelist contracts (proofs/README.md, "walk"): */
/* the visitor problem callback (a function pointer, which WP does not
 * follow): it changes only its own state, and is told pgid and rule; */
/*@ assigns walk_visitor_state, walk_last_pgid, walk_last_rule;
    ensures reported: walk_last_pgid == pgid && walk_last_rule == rule; */
int walk_visit_problem(void *arg, uint64_t pgid, int rule, const char *msg);
#define VISIT_PROBLEM(v, pgid, rule, msg) \
    walk_visit_problem((v)->arg, (pgid), (rule), (msg))
/* cb_malloc (mem.c, not proved) for n ids: WP's Typed model follows no
 * cast of its void *, so a typed declaration: NULL or n writable ids in
 * walk_ids_heap, the region the proofs give the blocks it hands out
 * (apart from every object the walker had: a fresh block). */
/*@ requires size: n * size <= SIZE_MAX;
    assigns \nothing;
    ensures valid: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&walk_ids_heap[0])); */
uint64_t *walk_ids_malloc(size_t n, size_t size);
#define IDS_MALLOC(n) walk_ids_malloc((n), sizeof(uint64_t))
/* cb_realloc (mem.c, not proved) of the work list to n buckets: NULL
 * (p unchanged), or n writable buckets in walk_work_heap, the region the
 * proofs give the work list. */
/*@ requires size: n <= WalkWorkMax;
    assigns walk_work_heap[..];
    ensures valid: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&walk_work_heap[0])); */
walk_bucket *walk_work_realloc(walk_bucket *p, size_t n);
#define WORK_REALLOC(p, n) walk_work_realloc((p), (n))
/* the visitor's page and bucket callbacks (function pointers): they
 * change only the visitor's own state. */
/*@ assigns walk_visitor_state; */
void walk_visit_page(void *arg, const page_view *pv, int depth, int is_inline);
#define VISIT_PAGE(v, pv, depth, is_inline) \
    walk_visit_page((v)->arg, (pv), (depth), (is_inline))
/*@ assigns walk_visitor_state; */
void walk_visit_bucket(void *arg, const walk_bucket *b);
#define VISIT_BUCKET(v, b) walk_visit_bucket((v)->arg, (b))
#else
#define VISIT_PROBLEM(v, pgid, rule, msg) \
    (v)->problem((v)->arg, (pgid), (rule), (msg))
#define IDS_MALLOC(n) cb_malloc((n) * sizeof(uint64_t))
#define WORK_REALLOC(p, n) cb_realloc((p), (n) * sizeof(walk_bucket))
#define VISIT_PAGE(v, pv, depth, is_inline) \
    (v)->page((v)->arg, (pv), (depth), (is_inline))
#define VISIT_BUCKET(v, b) (v)->bucket((v)->arg, (b))
#endif

/* The most buckets the work list may hold (spec/walk.acsl WalkWorkMax):
 * past half of it, doubling the list would wrap the byte count. */
#define WALK_WORK_MAX (SIZE_MAX / 8 / sizeof(walk_bucket))


int walk_init(walker *w, snap *s, const walk_visitor *v)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->v = v;
    w->reach = cb_calloc(s->hwm ? s->hwm : 1, 1);
    w->path = cb_calloc(CBOLT_MAX_TREE_DEPTH, sizeof *w->path);
    if (!w->reach || !w->path) {
        walk_free(w);
        return cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
    }
    return CBOLT_OK;
}

void walk_free(walker *w)
{
    cb_free(w->reach);
    cb_free(w->path);
    cb_free(w->work);
    w->reach = NULL;
    w->path = NULL;
    w->work = NULL;
}

void walk_problem(walker *w, uint64_t pgid, int rule, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->v->problem(w->v->arg, pgid, rule, msg))
        w->stop = 1;
}

/* Reports the corruption a callee recorded with cb_corrupt(). */
/*@ requires valid: \valid(w) && \valid_read(w->v);
    assigns w->stop, walk_visitor_state, walk_last_pgid, walk_last_rule; */
static void callee_problem(walker *w)
{
    const cbolt_error_info *e = cbolt_last_error();
    if (VISIT_PROBLEM(w->v, e->pgid, cb_last_rule(), cb_last_detail()))
        w->stop = 1;
}

int walk_mark(walker *w, uint64_t pgid, uint64_t ovf)
{
    uint64_t i;
    /*@ loop invariant range: 0 <= i <= ovf + 1;
        loop invariant none: NoneMarked(w->reach, pgid, pgid + i - 1);
        loop assigns i;
        loop variant ovf + 1 - i; */
    for (i = 0; i <= ovf; i++) {
        if (w->reach[pgid + i]) {
            walk_problem(w, pgid + i, RULE_PAGE_DOUBLE, "referenced twice");
            return 0;
        }
    }
    //@ for double: assert \false;
    /*@ loop invariant range: 0 <= i <= ovf + 1;
        loop invariant marked: AllMarked(w->reach, pgid, pgid + i - 1);
        loop assigns i, w->reach[pgid .. pgid + ovf], w->stop,
                     walk_visitor_state, walk_last_pgid, walk_last_rule;
        loop variant ovf + 1 - i; */
    for (i = 0; i <= ovf; i++) {
        w->reach[pgid + i] = 1;
        if (w->freed && w->freed[pgid + i])
            walk_problem(w, pgid + i, RULE_PAGE_FREED_REACHABLE,
                         "reachable and free");
    }
    return 1;
}

/*@ requires work: WorkOk(w);
    requires bucket: \valid_read(b) && \separated(b, w) &&
                     \separated(b, walk_work_heap + (0 .. WalkWorkMax - 1));
    assigns w->work, w->capwork, w->nwork, walk_work_heap[..],
            cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures work: WorkOk(w);
    ensures pushed: \result == CBOLT_OK ==>
      w->nwork == \old(w->nwork) + 1 && w->capwork <= 2 * \old(w->capwork) + 64;
    ensures nomem: \result != CBOLT_OK ==>
      w->nwork == \old(w->nwork) && w->capwork == \old(w->capwork); */
static int push_bucket(walker *w, const walk_bucket *b)
{
    if (w->nwork == w->capwork) {
        size_t cap;
        walk_bucket *n;
        if (w->capwork > WALK_WORK_MAX / 2)
            return cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
        cap = w->capwork ? 2 * w->capwork : 64;
        n = WORK_REALLOC(w->work, cap);
        if (!n)
            return cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
        w->work = n;
        w->capwork = cap;
    }
    //@ assert room: WorkOk(w) && w->nwork < w->capwork;
    //@ ghost walk_bucket *gwork = w->work;
    //@ ghost size_t gcap = w->capwork;
    //@ ghost size_t gn = w->nwork;
    w->work[w->nwork++] = *b;
    //@ assert kept: w->work == gwork && w->capwork == gcap && w->nwork == gn + 1;
    return CBOLT_OK;
}

/* The bucket of bucket value v (page_bucket_value): its root page, or its
 * inline page when the root is 0; not the top bucket, no levels above it
 * yet. */
/*@ requires valid: \valid_read(v + (0 .. vlen - 1));
    requires out: \valid(b) && \valid(inner) && \valid(bad) &&
                  \separated(b, inner, bad, v + (0 .. vlen - 1));
    assigns *b, *inner, *bad;
    ensures result: \result == RULE_OK || \result == RULE_BUCKET_VALUE ||
                    \result == RULE_INLINE_PAGE; */
static int bucket_decode(const uint8_t *v, uint32_t vlen, walk_bucket *b,
                         int *inner, uint32_t *bad)
{
    uint64_t seq;
    b->root = 0;
    b->inl.data = NULL;
    b->inl.len = 0;
    b->inl.id = 0;
    b->inl.flags = 0;
    b->inl.count = 0;
    b->top = 0;
    b->prefix = 0;
    return page_bucket_value(v, vlen, &b->root, &seq, &b->inl, inner, bad);
}

/* Element i of leaf pv: a bucket value is decoded and waits on the work
 * list; a value at the top level is a problem. */
/*@ requires work: WorkOk(w) && \valid_read(w->v);
    requires view: PageViewInBounds(pv) && IsLeaf(pv->data) && i < pv->count;
    requires separated: \separated(pv, w) &&
      \separated(pv, walk_work_heap + (0 .. WalkWorkMax - 1));
    assigns w->work, w->capwork, w->nwork, walk_work_heap[..],
            cb_error_record, w->stop, walk_visitor_state, walk_last_pgid,
            walk_last_rule;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures work: WorkOk(w);
    ensures queued: \old(w->nwork) <= w->nwork; */
static int leaf_elem(walker *w, const page_view *pv, uint32_t i, int top)
{
    uint32_t vlen, flags, bad;
    const uint8_t *v;
    walk_bucket b;
    int rule, inner;
    page_leaf_value(pv, i, &v, &vlen, &flags);
    if (!(flags & LEAF_FLAG_BUCKET)) {
        if (top)
            walk_problem(w, pv->id, RULE_ROOT_VALUE,
                         "element %u is a value at the top level", i);
        return CBOLT_OK;
    }
    rule = bucket_decode(v, vlen, &b, &inner, &bad);
    if (rule == RULE_INLINE_PAGE)
        walk_problem(w, pv->id, rule, "element %u: inline page breaks "
                     "%s (element %u)", i, cb_rule_name(inner), bad);
    else if (rule != RULE_OK)
        walk_problem(w, pv->id, rule, "element %u: bucket value of %u "
                     "bytes", i, vlen);
    else
        return push_bucket(w, &b);
    return CBOLT_OK;
}

/* The elements of a leaf, until the visitor asks to stop. */
/*@ requires work: WorkOk(w) && \valid_read(w->v);
    requires view: PageViewInBounds(pv) && IsLeaf(pv->data);
    requires separated: \separated(pv, w) &&
      \separated(pv, walk_work_heap + (0 .. WalkWorkMax - 1));
    assigns w->work, w->capwork, w->nwork, walk_work_heap[..],
            cb_error_record, w->stop, walk_visitor_state, walk_last_pgid,
            walk_last_rule;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures work: WorkOk(w);
    ensures queued: \old(w->nwork) <= w->nwork; */
static int visit_leaf(walker *w, const page_view *pv, int top)
{
    uint32_t i, count = pv->count;
    /*@ loop invariant range: 0 <= i <= count;
        loop invariant work: WorkOk(w);
        loop invariant queued: \at(w->nwork, LoopEntry) <= w->nwork;
        loop assigns i, w->work, w->capwork, w->nwork, walk_work_heap[..],
                     cb_error_record, w->stop, walk_visitor_state,
                     walk_last_pgid, walk_last_rule;
        loop variant count - i; */
    for (i = 0; i < count && !w->stop; i++)
        if (leaf_elem(w, pv, i, top) != CBOLT_OK)
            return CBOLT_ERR_NOMEM;
    return CBOLT_OK;
}

/* A page reached at depth: counted, and a leaf's buckets queued. */
/*@ requires work: WorkOk(w) && \valid_read(w->v);
    requires view: PageViewInBounds(pv);
    requires depth: 0 <= depth;
    requires separated: \separated(pv, w) &&
      \separated(pv, walk_work_heap + (0 .. WalkWorkMax - 1));
    assigns w->own_depth, w->work, w->capwork, w->nwork,
            walk_work_heap[..], cb_error_record, w->stop,
            walk_visitor_state, walk_last_pgid, walk_last_rule;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures work: WorkOk(w);
    ensures queued: \old(w->nwork) <= w->nwork;
    ensures own_depth: depth + 1 <= w->own_depth &&
      \old(w->own_depth) <= w->own_depth &&
      (w->own_depth == depth + 1 || w->own_depth == \old(w->own_depth)); */
static int visit_page(walker *w, const page_view *pv, int depth, int top,
                      int is_inline)
{
    if ((uint64_t)depth + 1 > w->own_depth)
        w->own_depth = (uint64_t)depth + 1;
    if (w->v->page)
        VISIT_PAGE(w->v, pv, depth, is_inline);
    return page_is_leaf(pv) ? visit_leaf(w, pv, top) : CBOLT_OK;
}

/* The overflow of page id (snap_page_run's rules page-id-range and
 * page-file-range: its run ends below the high-water mark), or -1 with
 * the corruption recorded. */
/*@ requires snap: SnapMapped(s);
    requires separated: \separated(s, s->map,
                          s->map->base + (0 .. s->hwm * s->ps - 1));
    assigns cb_error_record;
    ensures ok: \result >= 0 <==>
      (2 <= id < s->hwm &&
       PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, id)) < s->hwm - id);
    ensures bad: \result < 0 ==> \result == -1;
    ensures overflow: \result >= 0 ==>
      \result == PageOverflow(PageAt((uint8_t *)s->map->base, s->ps, id)); */
static int64_t run_overflow(snap *s, uint64_t id)
{
    page_hdr h;
    const uint8_t *data;
    if (snap_page_run(s, id, &h, &data) != CBOLT_OK)
        return -1;
    return h.overflow;
}

/* The rule key-range for page pv, reached from element i of branch
 * parent: 1 when its first key is below the separator, 2 when its last
 * key is not below hi (when there is one), 0 when it lies in range. */
/*@ requires parent: PageViewInBounds(parent) && i < parent->count;
    requires child: PageViewInBounds(pv) && 0 < pv->count;
    requires hi: hi == \null || \valid_read(hi + (0 .. hilen - 1));
    assigns \nothing;
    ensures result: 0 <= \result <= 2;
    ensures below: \result == 1 <==> FirstKeyBelow(pv, parent, i);
    ensures in_range: \result == 0 <==>
      (!FirstKeyBelow(pv, parent, i) && LastKeyBelow(pv, hi, hilen)); */
static int key_range(const page_view *parent, uint32_t i,
                     const page_view *pv, const uint8_t *hi, uint32_t hilen)
{
    const uint8_t *lo, *k;
    uint32_t lolen, klen;
    page_key(parent, i, &lo, &lolen);
    page_key(pv, 0, &k, &klen);
    if (key_cmp(k, klen, lo, lolen) < 0)
        return 1;
    page_key(pv, (uint32_t)pv->count - 1, &k, &klen);
    if (hi && key_cmp(k, klen, hi, hilen) >= 0)
        return 2;
    return 0;
}

/* Reads page id, reached from element i of branch parent at depth; 0 with
 * a problem reported when it is out of range, met before, malformed,
 * empty or has keys outside [lo, hi). */
/*@ requires walker: WalkerMarks(w);
    requires snap: WalkSnap(w);
    requires marks: WalkMarksValid(w);
    requires stats: w->s->stats->page_read < UINT64_MAX;
    requires parent: PageViewInBounds(parent) && i < parent->count;
    requires hi: hi == \null || \valid_read(hi + (0 .. hilen - 1));
    requires out: \valid(pv) &&
      \separated(pv, w, parent, w->s, w->s->stats, w->s->map,
                 &w->s->st->wepoch,
                 w->s->map->checked + (0 .. w->s->map->npages - 1),
                 w->s->map->base + (0 .. w->s->map->len - 1));
    requires parent_apart: \separated(parent, w->s->stats);
    assigns *pv, w->reach[2 .. w->s->hwm - 1], w->stop, walk_visitor_state,
            walk_last_pgid, walk_last_rule, cb_error_record,
            w->s->stats->page_read,
            w->s->map->checked[0 .. w->s->map->npages - 1];
    ensures result: \result == 0 || \result == 1;
    ensures walker: WalkerMarks(w);
    ensures marks: WalkMarksValid(w);
    ensures child: \result == 1 ==>
      \let id = \old(ChildId(parent, i));
      2 <= id < w->s->hwm && \old(w->reach[id]) == 0 && w->reach[id] == 1 &&
      pv->id == id &&
      pv->data == PageAt(\old((uint8_t *)w->s->map->base), \old(w->s->ps), id) &&
      pv->len == PageRunLen(\old((uint8_t *)w->s->map->base), \old(w->s->ps), id) &&
      PageViewWellFormed(pv, PV_BRANCH | PV_LEAF) && 0 < pv->count &&
      !FirstKeyBelow(pv, parent, i) && LastKeyBelow(pv, hi, hilen); */
static int read_child(walker *w, const page_view *parent, uint32_t i,
                      const uint8_t *hi, uint32_t hilen, page_view *pv)
{
    uint64_t id = page_branch_child(parent, i);
    int64_t ovf;
    int rc, kr;
    if (id < 2 || id >= w->s->hwm) {
        walk_problem(w, parent->id, RULE_PAGE_ID_RANGE,
                     "element %u points at page %llu", i,
                     (unsigned long long)id);
        return 0;
    }
    ovf = run_overflow(w->s, id);
    if (ovf < 0) {
        callee_problem(w);
        return 0;
    }
    if (!walk_mark(w, id, (uint64_t)ovf))
        return 0;
    rc = snap_page(w->s, id, pv);
    //@ assert walker: WalkerMarks(w);
    //@ assert marks: WalkMarksValid(w);
    if (rc != CBOLT_OK) {
        callee_problem(w);
        return 0;
    }
    if (pv->count == 0) {
        walk_problem(w, id, page_is_leaf(pv) ? RULE_LEAF_EMPTY
                                             : RULE_BRANCH_EMPTY,
                     "empty page below a branch");
        return 0;
    }
    kr = key_range(parent, i, pv, hi, hilen);
    if (kr == 1) {
        walk_problem(w, id, RULE_KEY_RANGE, "first key below its separator");
        return 0;
    }
    if (kr == 2) {
        walk_problem(w, id, RULE_KEY_RANGE,
                     "last key not below the next separator");
        return 0;
    }
    return 1;
}

/* Walks the tree below root (visited already), depth first, keeping the
 * path in w->path. */
static int walk_tree(walker *w, const page_view *root, int top)
{
    int depth = 0, rc = CBOLT_OK;
    if (page_is_leaf(root))
        return CBOLT_OK;
    w->path[0] = (walk_frame){*root, 0, NULL, 0};
    depth = 1;
    while (depth > 0 && rc == CBOLT_OK && !w->stop) {
        walk_frame *f = &w->path[depth - 1];
        const uint8_t *hi = f->hi;
        uint32_t hilen = f->hilen, i = f->next;
        page_view pv;
        if (i >= f->pv.count) {
            depth--;
            continue;
        }
        f->next++;
        if (i + 1u < f->pv.count)
            page_key(&f->pv, i + 1, &hi, &hilen);
        if (depth >= CBOLT_MAX_TREE_DEPTH) {
            walk_problem(w, f->pv.id, RULE_TREE_DEPTH,
                         "tree deeper than %d levels", CBOLT_MAX_TREE_DEPTH);
            continue;
        }
        if (!read_child(w, &f->pv, i, hi, hilen, &pv))
            continue;
        rc = visit_page(w, &pv, depth, top, 0);
        if (rc == CBOLT_OK && !page_is_leaf(&pv))
            w->path[depth++] = (walk_frame){pv, 0, hi, hilen};
    }
    return rc;
}

/* Walks one bucket's tree: its root page (or inline page) and below. */
static int walk_bucket_tree(walker *w, const walk_bucket *b)
{
    page_view root;
    page_hdr h;
    const uint8_t *data;
    int rc;
    w->own_depth = 0;
    if (w->v->bucket)
        VISIT_BUCKET(w->v, b);
    if (b->root == 0)
        return visit_page(w, &b->inl, 0, b->top, 1);
    if (snap_page_run(w->s, b->root, &h, &data) != CBOLT_OK) {
        callee_problem(w);
        return CBOLT_OK;
    }
    if (!walk_mark(w, b->root, h.overflow))
        return CBOLT_OK;
    if (snap_page(w->s, b->root, &root) != CBOLT_OK) {
        callee_problem(w);
        return CBOLT_OK;
    }
    rc = visit_page(w, &root, 0, b->top, 0);
    return rc == CBOLT_OK ? walk_tree(w, &root, b->top) : rc;
}

int walk_run(walker *w, const walk_bucket *start)
{
    int rc = push_bucket(w, start);
    while (rc == CBOLT_OK && w->nwork > 0 && !w->stop) {
        walk_bucket it = w->work[--w->nwork];
        size_t first = w->nwork, j;
        rc = walk_bucket_tree(w, &it);
        if (it.prefix + w->own_depth > w->depth_max)
            w->depth_max = it.prefix + w->own_depth;
        /* the buckets found in this tree sit below its levels */
        for (j = first; j < w->nwork; j++)
            w->work[j].prefix = it.prefix + w->own_depth;
    }
    return rc;
}

void walk_root(const snap *s, walk_bucket *b)
{
    b->root = s->meta.root;
    b->inl.data = NULL;
    b->inl.len = 0;
    b->inl.id = 0;
    b->inl.flags = 0;
    b->inl.count = 0;
    b->top = 1;
    b->prefix = 0;
}

int walk_freelist(walker *w, uint8_t *freed)
{
    uint64_t id = w->s->meta.freelist, n, bad, i, *ids;
    const uint8_t *p;
    page_hdr h;
    size_t off;
    int rule;

    if (snap_page_run(w->s, id, &h, &p) != CBOLT_OK) {
        callee_problem(w);
        return CBOLT_OK;
    }
    if (h.id != id) {
        walk_problem(w, id, RULE_PAGE_ID_MISMATCH, "header says page %llu",
                     (unsigned long long)h.id);
        return CBOLT_OK;
    }
    if ((h.flags & PAGE_TYPE_MASK) != PAGE_FREELIST) {
        walk_problem(w, id, RULE_PAGE_TYPE, "flags 0x%x, not a freelist",
                     h.flags);
        return CBOLT_OK;
    }
    walk_mark(w, id, h.overflow);
    //@ assert nonneg: 0 <= id * w->s->ps;
    //@ assert run: (h.overflow + 1) * w->s->ps <= w->s->hwm * w->s->ps;
    //@ assert fits: w->s->hwm * w->s->ps <= SIZE_MAX;
    //@ assert len: (h.overflow + 1) * w->s->ps <= SIZE_MAX;
    //@ assert cast: (uint64_t)(h.overflow + 1) == h.overflow + 1;
    rule = freelist_header(p, (size_t)((h.overflow + 1ull) * w->s->ps), &n,
                           &off);
    if (rule != RULE_OK) {
        walk_problem(w, id, rule, "count does not fit the page");
        return CBOLT_OK;
    }
    if (!(ids = IDS_MALLOC(n ? n : 1)))
        return cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
    rule = freelist_decode(p, off, n, w->s->hwm, ids, &bad);
    if (rule != RULE_OK)
        walk_problem(w, id, rule, "id %llu at index %llu",
                     (unsigned long long)ids[bad], (unsigned long long)bad);
    else
        /*@ loop invariant range: 0 <= i <= n;
            loop assigns i, freed[2 .. w->s->hwm - 1];
            loop variant n - i; */
        for (i = 0; i < n; i++)
            freed[ids[i]] = 1;
    cb_free(ids);
    return CBOLT_OK;
}

/* Stops at the first problem and keeps it as the error. */
static int first_problem(void *arg, uint64_t pgid, int rule, const char *msg)
{
    int *err = arg;
    if (*err == CBOLT_OK)
        *err = cb_corrupt(pgid, rule, "%s", msg);
    return 1;
}

/* Marks free (in freed) every page the snapshot does not use. */
static int find_free(walker *w, uint8_t *freed, int *err)
{
    walk_bucket root;
    uint64_t i;
    int rc;
    w->reach[0] = w->reach[1] = 1;
    if (w->s->meta.freelist != PGID_NO_FREELIST)
        return walk_freelist(w, freed);
    walk_root(w->s, &root);
    rc = walk_run(w, &root);
    for (i = 2; rc == CBOLT_OK && *err == CBOLT_OK && i < w->s->hwm; i++)
        freed[i] = !w->reach[i];
    return rc;
}

int walk_free_ids(snap *s, uint64_t **ids, size_t *n)
{
    walk_visitor v;
    walker w;
    uint8_t *freed;
    uint64_t i;
    int err = CBOLT_OK, rc;
    v.arg = &err;
    v.page = NULL;
    v.bucket = NULL;
    v.problem = first_problem;
    *ids = NULL;
    *n = 0;
    if ((rc = walk_init(&w, s, &v)) != CBOLT_OK)
        return rc;
    freed = cb_calloc(s->hwm ? s->hwm : 1, 1);
    *ids = cb_malloc((s->hwm ? s->hwm : 1) * sizeof **ids);
    rc = freed && *ids ? find_free(&w, freed, &err)
                       : cb_error(CBOLT_ERR_NOMEM, "walk: out of memory");
    if (rc == CBOLT_OK)
        rc = err;
    for (i = 2; rc == CBOLT_OK && i < s->hwm; i++)
        if (freed[i])
            (*ids)[(*n)++] = i;
    if (rc != CBOLT_OK) {
        cb_free(*ids);
        *ids = NULL;
        *n = 0;
    }
    cb_free(freed);
    walk_free(&w);
    return rc;
}
