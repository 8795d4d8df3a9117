/*
 * walk.h - the one walk over a snapshot's file: every page reachable from
 * a bucket, each at most once, depth first, and every bucket below it;
 * the freelist page; the free page ids of a snapshot.
 *
 * Owns: struct walker: a mark per page below the high-water mark, the
 * path through one tree (at most CBOLT_MAX_TREE_DEPTH levels) and the
 * work list of buckets still to walk, all on the heap.
 * Invariants:
 * - a page is descended into only the first time it is reached and only
 *   when it validates (the door, snap_page), so a walk over any bytes ends
 *   after at most one visit per page: a page met twice is a page-double
 *   problem, never a loop;
 * - no recursion: any nesting depth and any tree depth are walked in
 *   bounded stack space;
 * - every rule a page breaks is reported to the visitor, which decides
 *   whether the walk goes on.
 */
#ifndef CBOLT_WALK_H
#define CBOLT_WALK_H

#include "store.h"

/* A bucket to walk, from its value. */
typedef struct walk_bucket {
    uint64_t root;           /* root page; 0: inline */
    page_view inl;           /* the inline page, when root == 0 */
    int top;                 /* the root bucket: it holds buckets only */
    uint64_t prefix;         /* page levels of the trees above it */
} walk_bucket;

typedef struct walk_visitor {
    void *arg;
    /* A page reached and well formed, at depth levels below its tree's
     * root; is_inline for a bucket's inline page. May be NULL. */
    void (*page)(void *arg, const page_view *pv, int depth, int is_inline);
    /* A bucket about to be walked. May be NULL. */
    void (*bucket)(void *arg, const walk_bucket *b);
    /* Page pgid breaks rule (msg: the detail); nonzero stops the walk. */
    int (*problem)(void *arg, uint64_t pgid, int rule, const char *msg);
} walk_visitor;

typedef struct walk_frame walk_frame;

typedef struct walker {
    snap *s;
    int8_t *reach;           /* per page below s->hwm: reached (int8_t,
                                not uint8_t: the proofs keep it apart
                                from the file's bytes, proofs/README.md) */
    const uint8_t *freed;    /* optional, per page: free */
    const walk_visitor *v;
    int stop;                /* the visitor asked to stop */
    walk_frame *path;        /* CBOLT_MAX_TREE_DEPTH frames */
    walk_bucket *work;       /* buckets waiting */
    size_t nwork, capwork;
    uint64_t own_depth;      /* levels of the tree being walked */
    uint64_t depth_max;      /* deepest prefix + own depth seen */
} walker;

#ifdef __FRAMAC__
/* The heap blocks walk_freelist allocates, as the proofs see them: one
 * region apart from every other object (proofs/README.md, "walk"). */
extern uint64_t walk_ids_heap[SIZE_MAX / 8];
/* The same for the work list push_bucket grows. */
extern walk_bucket walk_work_heap[SIZE_MAX / 8 / sizeof(walk_bucket)];
#include "../spec/walk.acsl"
#endif

int walk_init(walker *w, snap *s, const walk_visitor *v);
/* Frees the walker's arrays (cb_free: assigns nothing, mem.h). */
/*@ requires valid: \valid(w);
    assigns w->reach, w->path, w->work;
    ensures freed: w->reach == \null && w->path == \null &&
                   w->work == \null; */
void walk_free(walker *w);
/* Reports a problem to the visitor (formatting msg). Assumed, not proved
 * (variadic: vsnprintf, and the visitor through a function pointer):
 * the visitor changes its own state only (proofs/README.md, "walk"). */
/*@ requires valid: \valid(w) && \valid_read(w->v);
    assigns w->stop, walk_visitor_state, walk_last_pgid, walk_last_rule;
    ensures reported: walk_last_pgid == pgid && walk_last_rule == rule; */
void walk_problem(walker *w, uint64_t pgid, int rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Marks pages pgid .. pgid + ovf reached; 0 (and a page-double problem)
 * when one of them already was. The run is below the high-water mark
 * (its callers took it from snap_page_run). */
/*@ requires walker: WalkerMarks(w);
    requires run: pgid < w->s->hwm && ovf < w->s->hwm - pgid;
    assigns w->reach[pgid .. pgid + ovf], w->stop, walk_visitor_state,
            walk_last_pgid, walk_last_rule;
    behavior double:
      assumes \exists integer k; pgid <= k <= pgid + ovf && w->reach[k] != 0;
      ensures result: \result == 0;
      ensures reported: walk_last_rule == RULE_PAGE_DOUBLE &&
        pgid <= walk_last_pgid <= pgid + ovf &&
        w->reach[walk_last_pgid] != 0 &&
        NoneMarked(w->reach, pgid, walk_last_pgid - 1);
      // (the marks are unchanged: reported names them as on entry)
      ensures unchanged: \forall integer k; pgid <= k <= pgid + ovf ==>
        w->reach[k] == \old(w->reach[k]);
    behavior fresh:
      assumes NoneMarked(w->reach, pgid, pgid + ovf);
      ensures result: \result == 1;
      ensures marked: AllMarked(w->reach, pgid, pgid + ovf);
    complete behaviors;
    disjoint behaviors; */
int walk_mark(walker *w, uint64_t pgid, uint64_t ovf);
/* Walks start and every bucket below it. CBOLT_OK (problems went to the
 * visitor) or CBOLT_ERR_NOMEM. */
int walk_run(walker *w, const walk_bucket *start);
/* The root bucket of the snapshot: its root page from the meta, the top
 * bucket (it holds buckets only), no inline page, no levels above it. */
/*@ requires valid: \valid_read(s) && \valid(b) && \separated(s, b);
    assigns *b;
    ensures root: b->root == s->meta.root;
    ensures top: b->top == 1 && b->prefix == 0;
    ensures no_inline: b->inl.data == \null && b->inl.len == 0 &&
                       b->inl.id == 0 && b->inl.flags == 0 &&
                       b->inl.count == 0; */
void walk_root(const snap *s, walk_bucket *b);
/* Checks the snapshot's freelist page (page-id-mismatch, page-type,
 * page-file-range, freelist rules), marks its run reached and sets
 * freed[id] for each id it lists. CBOLT_OK or CBOLT_ERR_NOMEM. */
/*@ requires walker: WalkerMarks(w);
    requires snap: SnapMapped(w->s);
    requires freed: \valid(freed + (0 .. w->s->hwm - 1));
    requires separated:
      \separated(freed + (0 .. w->s->hwm - 1),
                 w->reach + (0 .. w->s->hwm - 1), w, w->s, w->s->map,
                 w->s->map->base + (0 .. w->s->hwm * w->s->ps - 1)) &&
      \separated(w->reach + (0 .. w->s->hwm - 1), w->s->map,
                 w->s->map->base + (0 .. w->s->hwm * w->s->ps - 1));
    // (the ids block it allocates is fresh: apart from the snapshot)
    requires fresh: \separated(walk_ids_heap + (0 .. SIZE_MAX / 8 - 1), w->s,
      w->s->map->base + (0 .. w->s->hwm * w->s->ps - 1));
    assigns freed[2 .. w->s->hwm - 1], w->reach[0 .. w->s->hwm - 1],
            w->stop, walk_visitor_state, walk_last_pgid, walk_last_rule,
            cb_error_record, walk_ids_heap[..];
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM; */
int walk_freelist(walker *w, uint8_t *freed);

/* The free page ids of a snapshot, sorted: the freelist page's, or when
 * the freelist is not written, the pages below the high-water mark that
 * no bucket reaches. *ids is cb_malloc'd. CBOLT_ERR_CORRUPT at the first
 * problem. */
int walk_free_ids(snap *s, uint64_t **ids, size_t *n);

#endif
