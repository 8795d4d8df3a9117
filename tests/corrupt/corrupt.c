/*
 * corrupt.c - deterministic corruption tester for cbolt.
 *
 * For every fixture database it derives N corrupted copies (seeded PRNG,
 * one independent stream per fixture name and case number), writes each to
 * a temporary file and runs `TOOL check FILE` and `TOOL dump FILE` under a
 * wall-clock timeout. A case fails when a child dies of a signal, times
 * out, exits with a code other than 0/1/2, or prints a sanitizer report.
 *
 * Build: cc -O2 -Wall -Wextra -std=c11 -o corrupt tests/corrupt/corrupt.c
 * See tests/corrupt/README.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Format constants                                                    */

#define MAGIC 0xED0CDAEDu
#define PF_BRANCH 0x01
#define PF_LEAF 0x02
#define PF_META 0x04
#define PF_FREELIST 0x10
#define HDR 16
#define ELEM 16
#define ALL_ONES UINT64_MAX

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t ld64(const uint8_t *p) { return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32); }
static void st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "corrupt: out of memory\n");
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "corrupt: out of memory\n");
        exit(2);
    }
    return p;
}

/* splitmix64 */
typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* uniform-ish in [0, n); n == 0 gives 0 */
static uint64_t rnd(rng_t *r, uint64_t n) { return n ? rng_next(r) % n : 0; }
static int chance(rng_t *r, int pct) { return (int)rnd(r, 100) < pct; }

/* ------------------------------------------------------------------ */
/* Fixture analysis (done once on the pristine bytes, defensively)     */

typedef struct {
    uint64_t off;   /* file offset of the page header (or inline header) */
    uint64_t dspan; /* declared span: (overflow+1)*pageSize, or inline size */
    uint64_t aspan; /* span actually inside the file */
    uint64_t pgid;  /* page id (inline: id of the containing page) */
    int parent;     /* index of the parent node, -1 for the top root */
    int inl;        /* inline bucket page */
    uint16_t flags, count;
} node_t;

typedef struct {
    uint64_t elem; /* file offset of the leaf element */
    uint64_t val;  /* file offset of the value */
    uint32_t vsize;
    int node;      /* containing node */
    int inl_node;  /* inline page node, -1 if none */
    uint64_t root;
} bucket_t;

typedef struct {
    const char *path;
    char name[256]; /* basename without a trailing ".db" */
    const uint8_t *d;
    size_t n;
    int mapped;

    uint32_t ps;
    uint64_t npages; /* whole pages in the file */
    int meta_ok[2];
    int cur; /* current meta, -1 if none validates */
    uint64_t root, freelist, hwm, txid;

    node_t *nodes;
    size_t nnodes, capnodes;
    bucket_t *buckets;
    size_t nbuckets, capbuckets;

    /* freelist page (of the current meta), if it looks like one */
    int fl_ok;
    uint64_t fl_off, fl_aspan, fl_ids_off, fl_cnt;
} fx_t;

static int meta_valid(const uint8_t *d, size_t n, uint64_t off)
{
    if (off > n || n - off < 80) return 0;
    const uint8_t *m = d + off;
    if (ld32(m + 16) != MAGIC || ld32(m + 20) != 2) return 0;
    uint64_t sum = ld64(m + 72);
    return sum == fnv1a(m + 16, 56);
}

static int sane_ps(uint32_t ps) { return ps >= 512 && ps <= (1u << 24) && (ps & (ps - 1)) == 0; }

static int add_node(fx_t *f, node_t nd)
{
    if (f->nnodes == f->capnodes) {
        f->capnodes = f->capnodes ? f->capnodes * 2 : 64;
        f->nodes = xrealloc(f->nodes, f->capnodes * sizeof *f->nodes);
    }
    f->nodes[f->nnodes] = nd;
    return (int)f->nnodes++;
}

static void add_bucket(fx_t *f, bucket_t b)
{
    if (f->nbuckets == f->capbuckets) {
        f->capbuckets = f->capbuckets ? f->capbuckets * 2 : 64;
        f->buckets = xrealloc(f->buckets, f->capbuckets * sizeof *f->buckets);
    }
    f->buckets[f->nbuckets++] = b;
}

/* number of elements of a node whose 16-byte element slot is inside aspan */
static unsigned node_elems(const node_t *nd)
{
    uint64_t fit = nd->aspan >= HDR ? (nd->aspan - HDR) / ELEM : 0;
    return (unsigned)(nd->count < fit ? nd->count : fit);
}

/* Parse the leaf elements of node idx, recording sub-bucket values. */
typedef struct {
    uint64_t pgid;
    int parent;
} push_t;

static void scan_leaf(fx_t *f, int idx, push_t **stk, size_t *nstk, size_t *capstk)
{
    node_t nd = f->nodes[idx];
    unsigned c = node_elems(&nd);
    for (unsigned i = 0; i < c; i++) {
        uint64_t e = nd.off + HDR + (uint64_t)ELEM * i;
        uint32_t fl = ld32(f->d + e), pos = ld32(f->d + e + 4), ks = ld32(f->d + e + 8), vs = ld32(f->d + e + 12);
        if (!(fl & 1)) continue;
        uint64_t k = e + pos, v = k + ks, end = v + vs;
        if (end > nd.off + nd.aspan || end > f->n) continue;
        if (f->nbuckets >= (1u << 20)) return;
        bucket_t b = {.elem = e, .val = v, .vsize = vs, .node = idx, .inl_node = -1, .root = 0};
        if (vs >= 16) {
            b.root = ld64(f->d + v);
            if (b.root != 0) {
                if (*nstk == *capstk) {
                    *capstk = *capstk ? *capstk * 2 : 64;
                    *stk = xrealloc(*stk, *capstk * sizeof **stk);
                }
                (*stk)[(*nstk)++] = (push_t){b.root, idx};
            } else if (vs >= 32 && !nd.inl) {
                node_t in = {.off = v + 16, .dspan = vs - 16, .aspan = vs - 16, .pgid = nd.pgid,
                             .parent = idx, .inl = 1, .flags = ld16(f->d + v + 16 + 8),
                             .count = ld16(f->d + v + 16 + 10)};
                b.inl_node = add_node(f, in);
            }
        }
        add_bucket(f, b);
    }
}

static void analyze(fx_t *f)
{
    const uint8_t *d = f->d;
    size_t n = f->n;
    f->cur = -1;
    f->ps = 4096;
    uint32_t ps0 = n >= 28 ? ld32(d + 24) : 0;
    if (meta_valid(d, n, 0) && sane_ps(ps0)) {
        f->ps = ps0;
    } else {
        /* probe meta 1 at power-of-two offsets */
        int found = 0;
        for (uint32_t p = 512; p <= (1u << 16); p <<= 1) {
            if (meta_valid(d, n, p) && ld32(d + p + 24) == p) {
                f->ps = p;
                found = 1;
                break;
            }
        }
        if (!found && sane_ps(ps0)) f->ps = ps0;
    }
    f->npages = n / f->ps;
    for (int m = 0; m < 2; m++) f->meta_ok[m] = meta_valid(d, n, (uint64_t)m * f->ps);
    if (f->meta_ok[0] && f->meta_ok[1])
        f->cur = ld64(d + f->ps + 64) > ld64(d + 64) ? 1 : 0;
    else if (f->meta_ok[0])
        f->cur = 0;
    else if (f->meta_ok[1])
        f->cur = 1;
    f->freelist = ALL_ONES;
    if (f->cur < 0) return;
    const uint8_t *m = d + (uint64_t)f->cur * f->ps;
    f->root = ld64(m + 32);
    f->freelist = ld64(m + 48);
    f->hwm = ld64(m + 56);
    f->txid = ld64(m + 64);

    /* freelist page */
    if (f->freelist >= 2 && f->freelist < f->npages) {
        uint64_t off = f->freelist * f->ps;
        uint32_t ov = ld32(d + off + 12);
        uint64_t span = ((uint64_t)ov + 1) * f->ps;
        if (span > n - off) span = n - off;
        if (ld16(d + off + 8) & PF_FREELIST) {
            uint64_t cnt = ld16(d + off + 10), ids = off + HDR;
            if (cnt == 0xFFFF) {
                cnt = ld64(d + off + HDR);
                ids += 8;
            }
            uint64_t fit = (off + span - ids) / 8;
            if (cnt > fit) cnt = fit;
            f->fl_ok = 1;
            f->fl_off = off;
            f->fl_aspan = span;
            f->fl_ids_off = ids;
            f->fl_cnt = cnt;
        }
    }

    /* walk the tree from the root bucket, bounded and range-checked */
    uint8_t *seen = calloc((size_t)(f->npages / 8 + 1), 1);
    if (!seen) return;
    push_t *stk = NULL;
    size_t nstk = 0, capstk = 0;
    stk = xrealloc(stk, 64 * sizeof *stk);
    capstk = 64;
    stk[nstk++] = (push_t){f->root, -1};
    while (nstk > 0) {
        push_t it = stk[--nstk];
        uint64_t id = it.pgid;
        if (id < 2 || id >= f->npages || (f->hwm && id >= f->hwm)) continue;
        if (seen[id / 8] & (1u << (id % 8))) continue;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        uint64_t off = id * f->ps;
        uint16_t fl = ld16(d + off + 8);
        uint32_t ov = ld32(d + off + 12);
        uint64_t dspan = ((uint64_t)ov + 1) * f->ps;
        uint64_t aspan = dspan > n - off ? n - off : dspan;
        if (!(fl & (PF_BRANCH | PF_LEAF))) continue;
        node_t nd = {.off = off, .dspan = dspan, .aspan = aspan, .pgid = id, .parent = it.parent,
                     .inl = 0, .flags = fl, .count = ld16(d + off + 10)};
        int idx = add_node(f, nd);
        if (fl & PF_BRANCH) {
            unsigned c = node_elems(&nd);
            for (unsigned i = 0; i < c; i++) {
                if (nstk == capstk) {
                    capstk *= 2;
                    stk = xrealloc(stk, capstk * sizeof *stk);
                }
                stk[nstk++] = (push_t){ld64(d + off + HDR + (uint64_t)ELEM * i + 8), idx};
            }
        } else {
            scan_leaf(f, idx, &stk, &nstk, &capstk);
        }
    }
    free(stk);
    free(seen);
}

/* ------------------------------------------------------------------ */
/* Mutation context                                                    */

typedef struct {
    const fx_t *f;
    uint8_t *b; /* working copy */
    size_t n;   /* its (possibly truncated) length */
    char desc[1024];
    size_t dl;
    rng_t r;
} mut_t;

static void desc(mut_t *m, const char *fmt, ...)
{
    if (m->dl >= sizeof m->desc - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(m->desc + m->dl, sizeof m->desc - m->dl, fmt, ap);
    va_end(ap);
    if (k > 0) m->dl += (size_t)k;
    if (m->dl >= sizeof m->desc) m->dl = sizeof m->desc - 1;
}

static int in_range(mut_t *m, uint64_t off, uint64_t len) { return off <= m->n && m->n - off >= len; }
static void w16(mut_t *m, uint64_t off, uint16_t v)
{
    if (in_range(m, off, 2)) st16(m->b + off, v);
}
static void w32(mut_t *m, uint64_t off, uint32_t v)
{
    if (in_range(m, off, 4)) st32(m->b + off, v);
}
static void w64(mut_t *m, uint64_t off, uint64_t v)
{
    if (in_range(m, off, 8)) st64(m->b + off, v);
}
static uint32_t r32(mut_t *m, uint64_t off) { return in_range(m, off, 4) ? ld32(m->b + off) : 0; }

static void fix_meta_sum(mut_t *m, int which)
{
    uint64_t off = (uint64_t)which * m->f->ps;
    if (in_range(m, off, 80)) st64(m->b + off + 72, fnv1a(m->b + off + 16, 56));
}

static const char *ptype(uint16_t fl)
{
    if (fl & PF_BRANCH) return "branch";
    if (fl & PF_LEAF) return "leaf";
    if (fl & PF_META) return "meta";
    if (fl & PF_FREELIST) return "freelist";
    return "other";
}

static void node_desc(mut_t *m, int idx)
{
    const node_t *nd = &m->f->nodes[idx];
    if (nd->inl)
        desc(m, "inline bucket page in page %" PRIu64 " @%" PRIu64, nd->pgid, nd->off - nd->pgid * m->f->ps);
    else
        desc(m, "page %" PRIu64 " (%s)", nd->pgid, ptype(nd->flags));
}

/* pick a random node matching a predicate; -1 if none */
enum { N_ANY, N_BRANCH, N_LEAF, N_PAGE, N_WITH_ELEMS, N_LEAF_ELEMS };
static int pick_node(mut_t *m, int kind)
{
    const fx_t *f = m->f;
    size_t cnt = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t want = pass ? (size_t)rnd(&m->r, cnt) : 0, k = 0;
        for (size_t i = 0; i < f->nnodes; i++) {
            const node_t *nd = &f->nodes[i];
            int ok = 1;
            switch (kind) {
            case N_BRANCH: ok = !nd->inl && (nd->flags & PF_BRANCH) && node_elems(nd) > 0; break;
            case N_LEAF: ok = (nd->flags & PF_LEAF) != 0; break;
            case N_PAGE: ok = !nd->inl; break;
            case N_WITH_ELEMS: ok = node_elems(nd) > 0; break;
            case N_LEAF_ELEMS: ok = (nd->flags & PF_LEAF) && node_elems(nd) > 0; break;
            default: break;
            }
            if (!ok) continue;
            if (pass && k == want) return (int)i;
            k++;
        }
        cnt = k;
        if (!cnt) return -1;
    }
    return -1;
}

static void flip_bits(mut_t *m, uint64_t base, uint64_t len, int nbits)
{
    if (len == 0 || base >= m->n) {
        desc(m, "nothing to flip");
        return;
    }
    if (base + len > m->n) len = m->n - base;
    if (nbits > 1) desc(m, "flip %d bits: ", nbits);
    for (int i = 0; i < nbits; i++) {
        uint64_t off = base + rnd(&m->r, len);
        int bit = (int)rnd(&m->r, 8);
        m->b[off] ^= (uint8_t)(1u << bit);
        desc(m, "%s%sbyte %" PRIu64 " bit %d", i ? ", " : "", nbits > 1 ? "" : "flip ", off, bit);
    }
}

/* ------------------------------------------------------------------ */
/* Kind 1: bit flips                                                   */

static void k_flip(mut_t *m)
{
    const fx_t *f = m->f;
    int v = (int)rnd(&m->r, 3);
    if (v == 1) { /* page header */
        uint64_t pg;
        int idx = chance(&m->r, 60) ? pick_node(m, N_PAGE) : -1;
        if (idx >= 0)
            pg = f->nodes[idx].pgid;
        else
            pg = f->npages ? rnd(&m->r, f->npages) : 0;
        if ((pg + 1) * f->ps <= m->n) {
            flip_bits(m, pg * f->ps, HDR, 1 + (int)rnd(&m->r, 3));
            desc(m, " (header of page %" PRIu64 ", %s)", pg, ptype(ld16(f->d + pg * f->ps + 8)));
            return;
        }
    } else if (v == 2) { /* element array */
        int idx = pick_node(m, N_WITH_ELEMS);
        if (idx >= 0) {
            const node_t *nd = &f->nodes[idx];
            unsigned c = node_elems(nd);
            flip_bits(m, nd->off + HDR, (uint64_t)ELEM * c, 1 + (int)rnd(&m->r, 3));
            desc(m, " (element array of ");
            node_desc(m, idx);
            desc(m, ", %u elems)", c);
            return;
        }
    }
    flip_bits(m, 0, m->n, 1 + (int)rnd(&m->r, 8));
}

/* ------------------------------------------------------------------ */
/* Kind 2: truncation                                                  */

static void k_truncate(mut_t *m)
{
    const fx_t *f = m->f;
    uint64_t n = m->n, ps = f->ps, len = 0;
    if (n == 0) {
        desc(m, "truncate: empty file, unchanged");
        return;
    }
    int v = (int)rnd(&m->r, 5);
    switch (v) {
    case 0: len = rnd(&m->r, n); break;
    case 1: len = rnd(&m->r, n < 2 * ps ? n : 2 * ps); break;
    case 2: len = f->npages > 1 ? rnd(&m->r, f->npages) * ps : 0; break;
    case 3: {
        uint64_t pg = rnd(&m->r, f->npages ? f->npages : 1);
        len = pg * ps + 1 + rnd(&m->r, ps - 1);
        break;
    }
    default: {
        uint64_t c[] = {0, 1, 16, 80, ps - 1, ps, ps + 80, 2 * ps - 1, 2 * ps, 2 * ps + 1, n - 1, n - ps};
        len = c[rnd(&m->r, sizeof c / sizeof c[0])];
        break;
    }
    }
    if (len >= n) len = n - 1;
    desc(m, "truncate %" PRIu64 " -> %" PRIu64 " bytes (page %" PRIu64 " +%" PRIu64 ")", n, len, len / ps,
         len % ps);
    m->n = (size_t)len;
}

/* ------------------------------------------------------------------ */
/* Kind 3: overwrite a data page                                       */

static void k_overwrite(mut_t *m)
{
    const fx_t *f = m->f;
    uint64_t ps = f->ps;
    if (f->npages <= 2) {
        desc(m, "(no data pages) ");
        flip_bits(m, 0, m->n, 1 + (int)rnd(&m->r, 8));
        return;
    }
    uint64_t pg, lim = f->hwm > 2 && f->hwm <= f->npages ? f->hwm : f->npages;
    int idx = chance(&m->r, 70) ? pick_node(m, N_PAGE) : -1;
    pg = idx >= 0 ? f->nodes[idx].pgid : 2 + rnd(&m->r, lim - 2);
    uint16_t fl = ld16(f->d + pg * ps + 8);
    uint8_t *p = m->b + pg * ps;
    desc(m, "overwrite page %" PRIu64 " (%s) ", pg, ptype(fl));
    switch (rnd(&m->r, 5)) {
    case 0:
        for (uint64_t i = 0; i < ps; i++) p[i] = (uint8_t)rng_next(&m->r);
        desc(m, "with random garbage");
        break;
    case 1:
        memset(p, 0, ps);
        desc(m, "with zeros");
        break;
    case 2: {
        uint64_t src;
        int s = chance(&m->r, 60) ? pick_node(m, N_PAGE) : -1;
        src = s >= 0 ? f->nodes[s].pgid : rnd(&m->r, lim);
        if (src == pg) src = (pg + 1) % lim;
        memmove(p, f->d + src * ps, ps);
        desc(m, "with a copy of page %" PRIu64 " (%s)", src, ptype(ld16(f->d + src * ps + 8)));
        break;
    }
    case 3:
        for (uint64_t i = HDR; i < ps; i++) p[i] = (uint8_t)rng_next(&m->r);
        desc(m, "with random garbage after the header");
        break;
    default:
        for (uint64_t i = 0; i < HDR; i++) p[i] = (uint8_t)rng_next(&m->r);
        desc(m, "header with random garbage");
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Kind 4: bad element offsets / counts                                */

static void k_elements(mut_t *m)
{
    const fx_t *f = m->f;
    int idx = pick_node(m, N_WITH_ELEMS);
    if (idx < 0) idx = pick_node(m, N_ANY);
    if (idx < 0) {
        desc(m, "(no nodes) ");
        flip_bits(m, 0, m->n, 1 + (int)rnd(&m->r, 8));
        return;
    }
    const node_t *nd = &f->nodes[idx];
    int leaf = (nd->flags & PF_LEAF) != 0;
    unsigned c = node_elems(nd);
    uint64_t fit = nd->dspan >= HDR ? (nd->dspan - HDR) / ELEM : 0;
    uint32_t ps = f->ps;
    uint32_t span = (uint32_t)nd->dspan;
    node_desc(m, idx);
    /* 0 pos, 1 ksize, 2 count, 3 vsize (leaf only) */
    int field = c ? (int)rnd(&m->r, leaf ? 4 : 3) : 2;
    if (field == 2) {
        uint32_t cands[] = {0xFFFF, (uint32_t)fit + 1, (uint32_t)fit + 2 + (uint32_t)rnd(&m->r, 8),
                            (uint32_t)nd->count + 1, 0, (uint32_t)nd->count * 2 + 1};
        uint16_t nc = (uint16_t)cands[rnd(&m->r, sizeof cands / sizeof cands[0])];
        w16(m, nd->off + 10, nc);
        desc(m, " count %u -> %u (fit %" PRIu64 ")", nd->count, nc, fit);
        return;
    }
    unsigned i = (unsigned)rnd(&m->r, c);
    uint64_t e = nd->off + HDR + (uint64_t)ELEM * i;
    uint32_t eo = HDR + ELEM * i;
    uint32_t pos = leaf ? ld32(f->d + e + 4) : ld32(f->d + e);
    uint32_t ks = leaf ? ld32(f->d + e + 8) : ld32(f->d + e + 4);
    uint32_t vs = leaf ? ld32(f->d + e + 12) : 0;
    uint64_t foff;
    const char *fname;
    uint32_t old, nv;
    if (field == 0) {
        uint32_t cands[] = {0xFFFFFFFFu, 0x80000000u, ps, span - eo, span - eo - ks + 1, span - eo - ks - vs + 1,
                            0, pos - 1};
        nv = cands[rnd(&m->r, sizeof cands / sizeof cands[0])];
        foff = leaf ? e + 4 : e;
        fname = "pos";
        old = pos;
    } else if (field == 1) {
        uint32_t cands[] = {0xFFFFFFFFu, 0x80000000u, ps, span - eo - pos + 1, 0, span - eo - pos - vs + 1,
                            ks + 1};
        nv = cands[rnd(&m->r, sizeof cands / sizeof cands[0])];
        foff = leaf ? e + 8 : e + 4;
        fname = "ksize";
        old = ks;
    } else {
        uint32_t cands[] = {0xFFFFFFFFu, 0x80000000u, ps, span - eo - pos - ks + 1, 0x7FFFFFFFu, vs + 1};
        nv = cands[rnd(&m->r, sizeof cands / sizeof cands[0])];
        foff = e + 12;
        fname = "vsize";
        old = vs;
    }
    w32(m, foff, nv);
    desc(m, " elem %u %s %" PRIu32 " -> %" PRIu32, i, fname, old, nv);
}

/* ------------------------------------------------------------------ */
/* Kind 6 helper: meta field edits                                     */

static void set_meta_root(mut_t *m, int which, uint64_t v)
{
    w64(m, (uint64_t)which * m->f->ps + 32, v);
    fix_meta_sum(m, which);
}

/* ------------------------------------------------------------------ */
/* Kind 5: child pointers forming cycles / out of range                */

static void k_cycles(mut_t *m)
{
    const fx_t *f = m->f;
    int idx = pick_node(m, N_BRANCH);
    if (idx < 0) {
        /* no branch page: point a sub-bucket root (or the meta root) back into the tree / at metas */
        uint64_t fl = f->freelist == ALL_ONES ? 2 : f->freelist;
        size_t k = 0, cnt = 0;
        for (size_t i = 0; i < f->nbuckets; i++) cnt += f->buckets[i].root != 0;
        if (cnt && chance(&m->r, 70)) {
            size_t want = rnd(&m->r, cnt);
            for (size_t i = 0; i < f->nbuckets; i++) {
                const bucket_t *b = &f->buckets[i];
                if (!b->root) continue;
                if (k++ != want) continue;
                uint64_t self = f->nodes[b->node].pgid;
                uint64_t c[] = {self, f->root, 0, 1, fl, f->hwm, ALL_ONES};
                const char *why[] = {"containing page", "top root page", "meta page 0", "meta page 1",
                                     "freelist page", "= meta pgid", "all ones"};
                int v = (int)rnd(&m->r, 7);
                if (v == 1 && f->root == self) v = 0;
                w64(m, b->val, c[v]);
                desc(m, "(no branch pages) bucket value in ");
                node_desc(m, b->node);
                desc(m, " elem %" PRIu64 ": root %" PRIu64 " -> %" PRIu64 " (%s)",
                     (b->elem - f->nodes[b->node].off - HDR) / ELEM, b->root, c[v], why[v]);
                return;
            }
        }
        int which = f->cur >= 0 ? f->cur : 0;
        uint64_t cands[] = {0, 1, fl};
        uint64_t v = cands[rnd(&m->r, 3)];
        set_meta_root(m, which, v);
        desc(m, "(no branch pages) meta %d root %" PRIu64 " -> %" PRIu64 " (checksum recomputed)", which, f->root, v);
        return;
    }
    const node_t *nd = &f->nodes[idx];
    unsigned c = node_elems(nd);
    unsigned i = (unsigned)rnd(&m->r, c);
    uint64_t e = nd->off + HDR + (uint64_t)ELEM * i;
    uint64_t old = ld64(f->d + e + 8), nv;
    const char *why;
    switch (rnd(&m->r, 12)) {
    case 0: nv = nd->pgid; why = "self"; break;
    case 1: {
        /* a random ancestor page */
        int anc[64], na = 0;
        for (int p = nd->parent; p >= 0 && na < 64; p = f->nodes[p].parent)
            if (!f->nodes[p].inl) anc[na++] = p;
        if (na) {
            nv = f->nodes[anc[rnd(&m->r, (uint64_t)na)]].pgid;
            why = "ancestor";
        } else {
            nv = nd->pgid;
            why = "self (no ancestor)";
        }
        break;
    }
    case 2:
        if (c >= 2) {
            unsigned j = (unsigned)rnd(&m->r, c - 1);
            if (j >= i) j++;
            nv = ld64(f->d + nd->off + HDR + (uint64_t)ELEM * j + 8);
            why = "same child as another element";
        } else {
            nv = nd->pgid;
            why = "self (single child)";
        }
        break;
    case 3: nv = 0; why = "meta page 0"; break;
    case 4: nv = 1; why = "meta page 1"; break;
    case 5:
        nv = f->freelist != ALL_ONES ? f->freelist : 2;
        why = f->freelist != ALL_ONES ? "freelist page" : "page 2 (no freelist)";
        break;
    case 6: nv = f->hwm; why = "= meta pgid"; break;
    case 7: nv = f->hwm + 1; why = "beyond meta pgid"; break;
    case 8: nv = f->npages + 1; why = "beyond file end"; break;
    case 9: nv = 1ull << 40; why = "huge"; break;
    case 10: nv = ALL_ONES; why = "all ones"; break;
    default: {
        int o = pick_node(m, N_PAGE);
        nv = o >= 0 ? f->nodes[o].pgid : nd->pgid;
        why = "random tree page (shared)";
        break;
    }
    }
    w64(m, e + 8, nv);
    node_desc(m, idx);
    desc(m, " elem %u child %" PRIu64 " -> %" PRIu64 " (%s)", i, old, nv, why);
}

/* ------------------------------------------------------------------ */
/* Kind 6: meta fields                                                 */

static void k_meta(mut_t *m)
{
    const fx_t *f = m->f;
    uint64_t ps = f->ps;
    int cur = f->cur >= 0 ? f->cur : 0, other = 1 - cur;
    int v = (int)rnd(&m->r, 10);
    if (v == 7) { /* destroy meta 0 */
        uint64_t len = ps < m->n ? ps : m->n;
        switch (rnd(&m->r, 3)) {
        case 0: memset(m->b, 0, len); desc(m, "destroy meta 0: zero page 0"); break;
        case 1:
            for (uint64_t i = 0; i < len; i++) m->b[i] = (uint8_t)rng_next(&m->r);
            desc(m, "destroy meta 0: random garbage over page 0");
            break;
        default:
            memset(m->b + 16, 0, len > 80 ? 64 : 0);
            desc(m, "destroy meta 0: zero meta bytes [16,80)");
            break;
        }
        return;
    }
    if (v == 8) { /* both metas gone, or older meta promoted */
        if (chance(&m->r, 30)) {
            uint64_t len = 2 * ps < m->n ? 2 * ps : m->n;
            memset(m->b, 0, len);
            desc(m, "destroy both metas (zero pages 0 and 1)");
        } else {
            uint64_t t = f->txid + 1 + rnd(&m->r, 3);
            w64(m, (uint64_t)other * ps + 64, t);
            fix_meta_sum(m, other);
            desc(m, "promote older meta %d: txid -> %" PRIu64 " (checksum recomputed)", other, t);
        }
        return;
    }
    if (v == 9) { /* zero checksum only */
        int both = chance(&m->r, 30);
        w64(m, (uint64_t)cur * ps + 72, 0);
        if (both) w64(m, (uint64_t)other * ps + 72, 0);
        desc(m, "zero checksum of %s", both ? "both metas" : (cur ? "meta 1 (current)" : "meta 0 (current)"));
        return;
    }
    /* field change with checksum recomputed (or zeroed, v == 6) */
    int tgt = chance(&m->r, 65) ? 0 : chance(&m->r, 70) ? 2 : 1; /* 0 current, 1 other, 2 both */
    int field = (int)rnd(&m->r, 8);
    uint64_t hwm = f->hwm, np = f->npages;
    uint64_t val;
    uint64_t foff;
    int w = 8;
    const char *fname;
    switch (field) {
    case 0: {
        uint64_t c[] = {0, 1, hwm, hwm + 1, 1ull << 40, ALL_ONES, np + 1, f->freelist, hwm - 1};
        val = c[rnd(&m->r, sizeof c / sizeof c[0])];
        foff = 32;
        fname = "root";
        break;
    }
    case 1: {
        uint64_t c[] = {0, 1, hwm, hwm + 1, 1ull << 40, ALL_ONES, np + 1, f->root, hwm - 1};
        val = c[rnd(&m->r, sizeof c / sizeof c[0])];
        foff = 48;
        fname = "freelist";
        break;
    }
    case 2: {
        uint64_t c[] = {0, 1, 2, hwm - 1, hwm + 1, np + 1, 1ull << 40, ALL_ONES, 1ull << 62};
        val = c[rnd(&m->r, sizeof c / sizeof c[0])];
        foff = 56;
        fname = "pgid";
        break;
    }
    case 3:
    case 4: {
        uint64_t c[] = {0, 3, 1ull << 31, ps == 4096 ? 8192 : 4096, 512, ps / 2, ps * 2, 0xFFFFFFFFu, 65536, 1};
        val = c[rnd(&m->r, sizeof c / sizeof c[0])];
        foff = 24;
        w = 4;
        fname = "pageSize";
        break;
    }
    case 5: {
        uint64_t c[] = {0, ALL_ONES, f->txid + 1000, 1ull << 63};
        val = c[rnd(&m->r, sizeof c / sizeof c[0])];
        foff = 64;
        fname = "txid";
        break;
    }
    case 6: {
        uint64_t c[] = {1, 3, 0xFFFFFFFFu};
        val = c[rnd(&m->r, 3)];
        foff = 20;
        w = 4;
        fname = "version";
        break;
    }
    default: {
        uint64_t c[] = {0xFFFFFFFFu, 1, 0x80000000u};
        val = c[rnd(&m->r, 3)];
        foff = 28;
        w = 4;
        fname = "flags";
        break;
    }
    }
    int zero = v == 6;
    for (int which = 0; which < 2; which++) {
        int hit = tgt == 2 || (tgt == 0 && which == cur) || (tgt == 1 && which == other);
        if (!hit) continue;
        uint64_t off = (uint64_t)which * ps + foff;
        if (w == 4)
            w32(m, off, (uint32_t)val);
        else
            w64(m, off, val);
        if (zero)
            w64(m, (uint64_t)which * ps + 72, 0);
        else
            fix_meta_sum(m, which);
    }
    uint64_t moff = (uint64_t)(tgt == 1 ? other : cur) * ps + foff;
    uint64_t old = moff + 8 <= f->n ? (w == 4 ? ld32(f->d + moff) : ld64(f->d + moff)) : 0;
    if (tgt == 2)
        desc(m, "both metas: %s -> %" PRIu64, fname, w == 4 ? (uint64_t)(uint32_t)val : val);
    else
        desc(m, "%s meta %d: %s %" PRIu64 " -> %" PRIu64, tgt == 0 ? "current" : "older", tgt == 1 ? other : cur,
             fname, old, w == 4 ? (uint64_t)(uint32_t)val : val);
    desc(m, " (checksum %s)", zero ? "zeroed" : "recomputed");
}

/* ------------------------------------------------------------------ */
/* Kind 7: bucket values                                               */

static void k_bucket(mut_t *m)
{
    const fx_t *f = m->f;
    if (f->nbuckets == 0 || chance(&m->r, 10)) {
        /* mark a plain leaf element as a sub-bucket */
        int idx = pick_node(m, N_LEAF_ELEMS);
        if (idx < 0) {
            desc(m, "(no leaf elements) ");
        flip_bits(m, 0, m->n, 1 + (int)rnd(&m->r, 8));
            return;
        }
        const node_t *nd = &f->nodes[idx];
        unsigned i = (unsigned)rnd(&m->r, node_elems(nd));
        uint64_t e = nd->off + HDR + (uint64_t)ELEM * i;
        uint32_t old = ld32(f->d + e);
        w32(m, e, old ^ 1);
        node_desc(m, idx);
        desc(m, " elem %u flags %" PRIu32 " -> %" PRIu32 " (%s bucket flag)", i, old, old ^ 1,
             (old & 1) ? "clear" : "set");
        return;
    }
    size_t bi = (size_t)rnd(&m->r, f->nbuckets);
    int v = (int)rnd(&m->r, 3);
    if (v == 2) {
        /* prefer an inline bucket for header corruption */
        size_t cnt = 0;
        for (size_t i = 0; i < f->nbuckets; i++) cnt += f->buckets[i].inl_node >= 0;
        if (cnt) {
            size_t want = rnd(&m->r, cnt), k = 0;
            for (size_t i = 0; i < f->nbuckets; i++)
                if (f->buckets[i].inl_node >= 0 && k++ == want) bi = i;
        } else {
            v = 0;
        }
    }
    const bucket_t *b = &f->buckets[bi];
    desc(m, "bucket value in ");
    node_desc(m, b->node);
    desc(m, " elem %" PRIu64 ": ", (b->elem - f->nodes[b->node].off - HDR) / ELEM);
    if (v == 0 && b->vsize >= 16) {
        const node_t *cn = &f->nodes[b->node];
        uint64_t parent = f->root;
        for (int p = cn->parent; p >= 0; p = f->nodes[p].parent)
            if (!f->nodes[p].inl && f->nodes[p].pgid != cn->pgid) {
                parent = f->nodes[p].pgid;
                break;
            }
        uint64_t other = b->root;
        for (size_t tries = 0; tries < 8 && f->nbuckets > 1; tries++) {
            const bucket_t *o = &f->buckets[rnd(&m->r, f->nbuckets)];
            if (o != b && o->root) {
                other = o->root;
                break;
            }
        }
        uint64_t cands[] = {0, 1, cn->pgid, parent, f->hwm, f->hwm + 1, ALL_ONES, other,
                            f->freelist == ALL_ONES ? 2 : f->freelist, f->npages + 3};
        const char *why[] = {"zero/inline", "meta page", "containing page", "parent page", "= meta pgid",
                             "beyond meta pgid", "all ones", "another bucket's root", "freelist page",
                             "beyond file end"};
        int k = (int)rnd(&m->r, 10);
        if (k == 0 && b->root == 0) k = 2;
        w64(m, b->val, cands[k]);
        desc(m, "root %" PRIu64 " -> %" PRIu64 " (%s)", b->root, cands[k], why[k]);
        return;
    }
    if (v == 2 && b->inl_node >= 0) {
        const node_t *in = &f->nodes[b->inl_node];
        uint64_t fit = in->dspan >= HDR ? (in->dspan - HDR) / ELEM : 0;
        switch (rnd(&m->r, 3)) {
        case 0: {
            uint16_t c[] = {0, PF_BRANCH, PF_META, PF_FREELIST, 0xFFFF, PF_BRANCH | PF_LEAF};
            uint16_t nv = c[rnd(&m->r, 6)];
            w16(m, in->off + 8, nv);
            desc(m, "inline page flags 0x%x -> 0x%x", in->flags, nv);
            break;
        }
        case 1: {
            uint16_t c[] = {0xFFFF, (uint16_t)(in->count + 1), (uint16_t)(fit + 1), 0, (uint16_t)(fit + 50)};
            uint16_t nv = c[rnd(&m->r, 5)];
            w16(m, in->off + 10, nv);
            desc(m, "inline page count %u -> %u (fit %" PRIu64 ")", in->count, nv, fit);
            break;
        }
        default: {
            uint32_t c[] = {1, 0xFFFFFFFFu, 1000};
            uint32_t nv = c[rnd(&m->r, 3)];
            w32(m, in->off + 12, nv);
            desc(m, "inline page overflow 0 -> %" PRIu32, nv);
            break;
        }
        }
        return;
    }
    /* shorten vsize */
    uint32_t c[] = {0, 1, 8, 15, 16, 17, 24, 31};
    uint32_t nv = c[rnd(&m->r, b->inl_node >= 0 ? 8 : 4)];
    if (nv >= b->vsize) nv = b->vsize ? b->vsize - 1 : 0;
    w32(m, b->elem + 12, nv);
    desc(m, "vsize %" PRIu32 " -> %" PRIu32, b->vsize, nv);
}

/* ------------------------------------------------------------------ */
/* Kind 8: freelist                                                    */

static void k_freelist(mut_t *m)
{
    const fx_t *f = m->f;
    if (!f->fl_ok) {
        /* no freelist page: point the meta's freelist at a tree page */
        int which = f->cur >= 0 ? f->cur : 0;
        int idx = pick_node(m, N_PAGE);
        uint64_t nv = idx >= 0 ? f->nodes[idx].pgid : 2;
        if (chance(&m->r, 30)) nv = f->hwm + 1;
        w64(m, (uint64_t)which * f->ps + 48, nv);
        fix_meta_sum(m, which);
        desc(m, "(no freelist page) meta %d freelist %" PRIu64 " -> %" PRIu64 " (checksum recomputed)", which,
             f->freelist, nv);
        return;
    }
    uint64_t off = f->fl_off, ids = f->fl_ids_off, cnt = f->fl_cnt;
    uint16_t rawcnt = ld16(f->d + off + 10);
    uint64_t fit = (off + f->fl_aspan - (off + HDR)) / 8;
    desc(m, "freelist page %" PRIu64 " (%" PRIu64 " ids): ", f->freelist, cnt);
    /* make sure there is room for at least n ids, raising the count when needed */
    int v = (int)rnd(&m->r, 7);
    switch (v) {
    case 0: { /* out of range id */
        uint64_t c[] = {0, 1, f->hwm, f->hwm + 1, f->hwm + 100, ALL_ONES, 1ull << 40, f->npages + 1};
        uint64_t nv = c[rnd(&m->r, 8)];
        if (cnt == 0) {
            w16(m, off + 10, 1);
            w64(m, off + HDR, nv);
            desc(m, "count 0 -> 1, id[0] = %" PRIu64, nv);
        } else {
            uint64_t i = rnd(&m->r, cnt);
            w64(m, ids + 8 * i, nv);
            desc(m, "id[%" PRIu64 "] %" PRIu64 " -> %" PRIu64, i, ld64(f->d + ids + 8 * i), nv);
        }
        break;
    }
    case 1: { /* duplicate */
        if (cnt >= 2) {
            uint64_t i = rnd(&m->r, cnt - 1);
            uint64_t a = ld64(f->d + ids + 8 * i);
            w64(m, ids + 8 * (i + 1), a);
            desc(m, "id[%" PRIu64 "] -> %" PRIu64 " (duplicate of id[%" PRIu64 "])", i + 1, a, i);
        } else {
            uint64_t x = cnt ? ld64(f->d + ids) : (f->hwm > 3 ? f->hwm - 1 : 2);
            if (rawcnt == 0xFFFF) {
                w64(m, off + HDR, 2);
            } else {
                w16(m, off + 10, 2);
                ids = off + HDR;
            }
            w64(m, ids, x);
            w64(m, ids + 8, x);
            desc(m, "count -> 2, ids = {%" PRIu64 ", %" PRIu64 "}", x, x);
        }
        break;
    }
    case 2: { /* unsorted */
        if (cnt >= 2) {
            uint64_t i = rnd(&m->r, cnt), j = rnd(&m->r, cnt);
            if (i == j) j = (i + 1) % cnt;
            uint64_t a = ld64(f->d + ids + 8 * i), b = ld64(f->d + ids + 8 * j);
            w64(m, ids + 8 * i, b);
            w64(m, ids + 8 * j, a);
            desc(m, "swap id[%" PRIu64 "]=%" PRIu64 " and id[%" PRIu64 "]=%" PRIu64, i, a, j, b);
        } else {
            uint64_t hi = f->hwm > 3 ? f->hwm - 1 : 3;
            if (rawcnt == 0xFFFF) {
                w64(m, off + HDR, 2);
            } else {
                w16(m, off + 10, 2);
                ids = off + HDR;
            }
            w64(m, ids, hi);
            w64(m, ids + 8, 2);
            desc(m, "count -> 2, ids = {%" PRIu64 ", 2} (unsorted)", hi);
        }
        break;
    }
    case 3: { /* count 0xFFFF with a huge real count */
        uint64_t c[] = {0xFFFFFFFFu, 1ull << 60, ALL_ONES, fit, fit + 1, 1ull << 31, 0x7FFFFFFFFFFFFFFFull};
        uint64_t nv = c[rnd(&m->r, 7)];
        w16(m, off + 10, 0xFFFF);
        w64(m, off + HDR, nv);
        desc(m, "count %u -> 0xFFFF, real count %" PRIu64 " (fit %" PRIu64 ")", rawcnt, nv, fit);
        break;
    }
    case 4: { /* count just beyond what fits */
        uint64_t nc = fit + 1 + rnd(&m->r, 4);
        if (nc >= 0xFFFF) nc = 0xFFFE;
        if (chance(&m->r, 30)) nc = 0xFFFE;
        w16(m, off + 10, (uint16_t)nc);
        desc(m, "count %u -> %" PRIu64 " (fit %" PRIu64 ")", rawcnt, nc, fit);
        break;
    }
    case 5: { /* a page in use listed as free */
        int idx = pick_node(m, N_PAGE);
        uint64_t pg = idx >= 0 ? f->nodes[idx].pgid : f->root;
        if (cnt == 0) {
            w16(m, off + 10, 1);
            w64(m, off + HDR, pg);
            desc(m, "count 0 -> 1, id[0] = %" PRIu64 " (page in use)", pg);
        } else {
            uint64_t i = rnd(&m->r, cnt);
            w64(m, ids + 8 * i, pg);
            desc(m, "id[%" PRIu64 "] %" PRIu64 " -> %" PRIu64 " (page in use)", i, ld64(f->d + ids + 8 * i), pg);
        }
        break;
    }
    default: { /* wrong page type / overflow */
        if (chance(&m->r, 60)) {
            uint16_t c[] = {PF_LEAF, PF_BRANCH, 0, PF_META};
            uint16_t nv = c[rnd(&m->r, 4)];
            w16(m, off + 8, nv);
            desc(m, "flags 0x10 -> 0x%x", nv);
        } else {
            uint32_t c[] = {0xFFFFFFFFu, (uint32_t)f->npages, 1000000};
            uint32_t nv = c[rnd(&m->r, 3)];
            desc(m, "overflow %" PRIu32 " -> %" PRIu32, r32(m, off + 12), nv);
            w32(m, off + 12, nv);
        }
        break;
    }
    }
}

typedef void (*kind_fn)(mut_t *);
static const kind_fn KINDS[] = {k_flip, k_truncate, k_overwrite, k_elements, k_cycles, k_meta, k_bucket, k_freelist};
#define NKINDS (int)(sizeof KINDS / sizeof KINDS[0])

/* ------------------------------------------------------------------ */
/* Running the tool                                                    */

#define OUT_LIMIT (256ul << 20) /* max bytes a child may write to its stdout/stderr files */

static volatile sig_atomic_t g_child = 0;
static char g_dir[4096];
static char g_dbpath[4096 + 300], g_errpath[4096 + 32], g_outpath[4096 + 32];

static void on_signal(int sig)
{
    pid_t c = (pid_t)g_child;
    if (c > 0) {
        kill(-c, SIGKILL);
        kill(c, SIGKILL);
    }
    if (g_dbpath[0]) unlink(g_dbpath);
    if (g_errpath[0]) unlink(g_errpath);
    if (g_outpath[0]) unlink(g_outpath);
    if (g_dir[0]) rmdir(g_dir);
    signal(sig, SIG_DFL);
    raise(sig);
}

typedef struct {
    int exited, code, signaled, sig, timeout, spawn_err;
    int san;             /* stderr mentions a sanitizer */
    size_t errbytes;     /* size of stderr */
    char snippet[200];   /* the sanitizer line */
} runres_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *find_sub(const char *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    if (nn > hn) return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, nn) == 0) return h + i;
    return NULL;
}

/* Scan the child's stderr for sanitizer reports. Keeps the most telling line:
 * a UBSan "runtime error" or an "ERROR: XSanitizer: ..." line beats a bare
 * "Sanitizer" mention such as "AddressSanitizer:DEADLYSIGNAL". */
static void scan_stderr(const char *path, runres_t *r)
{
    static const char *pats[] = {"runtime error", "Sanitizer: ", "Sanitizer"};
    int best = 3;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    enum { CH = 1 << 20, OV = 256 };
    char *buf = xmalloc(CH + OV);
    size_t keep = 0;
    for (;;) {
        ssize_t k = read(fd, buf + keep, CH);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        r->errbytes += (size_t)k;
        size_t len = keep + (size_t)k;
        for (int p = 0; p < best; p++) {
            const char *hit = find_sub(buf, len, pats[p]);
            if (!hit) continue;
            r->san = 1;
            best = p;
            const char *s = hit, *e = hit;
            while (s > buf && s[-1] != '\n' && hit - s < 100) s--;
            if (s[0] == '=' && s[1] == '=') { /* drop the "==PID==" prefix */
                const char *q = s + 2;
                while (q < hit && *q != '=') q++;
                if (q + 2 <= hit && q[0] == '=' && q[1] == '=') s = q + 2;
            }
            while (e < buf + len && *e != '\n' && e - s < 150) e++;
            size_t sl = (size_t)(e - s);
            memcpy(r->snippet, s, sl);
            r->snippet[sl] = 0;
            for (size_t i = 0; i < sl; i++)
                if ((unsigned char)r->snippet[i] < 32 || r->snippet[i] == '"') r->snippet[i] = ' ';
            break;
        }
        keep = len < OV ? len : OV;
        memmove(buf, buf + len - keep, keep);
    }
    free(buf);
    close(fd);
}

/* SIGCHLD, blocked in this process (main) so that the wait for a child
 * sleeps until the child ends (sigtimedwait) instead of polling. */
static sigset_t g_chld;

static void run_tool(const char *tool, const char *cmd, const char *file, double timeout, runres_t *r)
{
    memset(r, 0, sizeof *r);
    pid_t pid = fork();
    if (pid < 0) {
        r->spawn_err = errno;
        return;
    }
    if (pid == 0) {
        setpgid(0, 0);
        sigprocmask(SIG_UNBLOCK, &g_chld, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        int in = open("/dev/null", O_RDONLY);
        /* check's report goes to a file (kept with --keep); dump's listing is discarded */
        int out = strcmp(cmd, "check") == 0 ? open(g_outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)
                                            : open("/dev/null", O_WRONLY);
        int err = open(g_errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        close(in);
        close(out);
        close(err);
        /* a runaway writer must not fill the disk: SIGXFSZ past OUT_LIMIT bytes */
        struct rlimit rl = {OUT_LIMIT, OUT_LIMIT};
        setrlimit(RLIMIT_FSIZE, &rl);
        setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=86", 1);
        setenv("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=87", 1);
        char *argv[] = {(char *)tool, (char *)cmd, (char *)file, NULL};
        execvp(tool, argv);
        fprintf(stderr, "corrupt: cannot exec %s: %s\n", tool, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    g_child = pid;
    double t0 = now_s();
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) {
            r->spawn_err = errno;
            break;
        }
        if (now_s() - t0 >= timeout) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            r->timeout = 1;
            break;
        }
        /* until a child ends (a SIGCHLD pending from an earlier child
         * only makes one more turn) or the time is up */
        double left = timeout - (now_s() - t0);
        struct timespec ts;
        if (left > 1) left = 1;
        if (left < 0.001) left = 0.001;
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        sigtimedwait(&g_chld, NULL, &ts);
    }
    /* reap anything the child left behind in its own process group */
    kill(-pid, SIGKILL);
    g_child = 0;
    if (!r->timeout && !r->spawn_err) {
        if (WIFEXITED(st)) {
            r->exited = 1;
            r->code = WEXITSTATUS(st);
        } else if (WIFSIGNALED(st)) {
            r->signaled = 1;
            r->sig = WTERMSIG(st);
        }
    }
    scan_stderr(g_errpath, r);
}

/* returns 1 when the run is a failure, appending the reason */
static int judge(const char *cmd, const runres_t *r, double timeout, int strict, char *why, size_t wn)
{
    char tmp[512];
    tmp[0] = 0;
    size_t tl = 0;
#define ADD(...)                                                                                                       \
    do {                                                                                                               \
        if (tl < sizeof tmp) {                                                                                         \
            int k_ = snprintf(tmp + tl, sizeof tmp - tl, __VA_ARGS__);                                                 \
            if (k_ > 0) tl += (size_t)k_;                                                                              \
        }                                                                                                              \
    } while (0)
    if (r->spawn_err) ADD("%s: could not run: %s", tl ? ", " : "", strerror(r->spawn_err));
    if (r->timeout) ADD("%stimed out after %g s", tl ? ", " : "", timeout);
    if (r->signaled)
        ADD("%skilled by signal %d (%s%s)", tl ? ", " : "", r->sig, strsignal(r->sig),
            r->sig == SIGXFSZ ? ": output over 256 MiB" : "");
    if (r->exited && r->code > 2) {
        const char *note = r->code == 86 ? " = ASan" : r->code == 87 ? " = UBSan" : r->code == 127 ? " = exec failed" : "";
        ADD("%sexit code %d%s", tl ? ", " : "", r->code, note);
    }
    if (r->san) ADD("%sstderr: \"%s\"", tl ? ", " : "", r->snippet);
    if (strict && r->exited && r->code != 0 && r->errbytes == 0 && !strcmp(cmd, "dump"))
        ADD("%sexit code %d with empty stderr", tl ? ", " : "", r->code);
#undef ADD
    if (!tl) return 0;
    size_t wl = strlen(why);
    snprintf(why + wl, wn - wl, "%s%s: %s", wl ? "; " : "", cmd, tmp);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */

static int write_file(const char *path, const uint8_t *b, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fd, b + done, n - done);
        if (k < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return -1;
        }
        done += (size_t)k;
    }
    return close(fd);
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    if (in < 0) return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t k;
    int rc = 0;
    while ((k = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)k) != k) {
            rc = -1;
            break;
        }
    close(in);
    close(out);
    return rc;
}

static int load_fixture(fx_t *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(f->name, sizeof f->name, "%s", base);
    size_t nl = strlen(f->name);
    if (nl > 3 && !strcmp(f->name + nl - 3, ".db")) f->name[nl - 3] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    f->n = (size_t)st.st_size;
    if (f->n == 0) {
        f->d = (const uint8_t *)"";
    } else {
        void *p = mmap(NULL, f->n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            return -1;
        }
        f->d = p;
        f->mapped = 1;
    }
    close(fd);
    analyze(f);
    return 0;
}

static void free_fixture(fx_t *f)
{
    if (f->mapped) munmap((void *)f->d, f->n);
    free(f->nodes);
    free(f->buckets);
}

static uint64_t case_seed(uint64_t seed, const char *name, uint64_t i)
{
    rng_t r = {seed ^ fnv1a((const uint8_t *)name, strlen(name))};
    uint64_t a = rng_next(&r);
    r.s = a ^ (i * 0xD1B54A32D192ED03ull);
    rng_next(&r);
    return rng_next(&r);
}

/* Build case i of fixture f into m (m->b must hold f->n bytes). */
static void make_case(const fx_t *f, uint64_t seed, uint64_t i, mut_t *m)
{
    m->f = f;
    m->n = f->n;
    m->dl = 0;
    m->desc[0] = 0;
    m->r.s = case_seed(seed, f->name, i);
    if (f->n) memcpy(m->b, f->d, f->n);
    KINDS[i % NKINDS](m);
    if (m->dl == 0) desc(m, "no-op");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: corrupt [--cases N] [--seed S] [--timeout SEC] [--keep DIR] [--only NAME:I]\n"
            "               [--dry-run] [--strict] [-v] TOOL FIXTURE.db...\n"
            "  --cases N      corrupted copies per fixture (default 60)\n"
            "  --seed S       base seed (default 1)\n"
            "  --timeout SEC  wall-clock limit per tool run (default 20)\n"
            "  --keep DIR     copy failing inputs to DIR/<fixture>-<i>.db, with the tool's output\n"
            "                 as <fixture>-<i>.check.out, .check.err, .dump.err\n"
            "  --only NAME:I  run only case I of the fixture named NAME (basename, .db optional);\n"
            "                 with --keep the input is kept even when the case passes\n"
            "  --dry-run      print the case descriptions without running TOOL\n"
            "  --strict       also fail when dump exits non-zero with an empty stderr\n"
            "  -v             progress on stderr\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long ncases = 60;
    uint64_t seed = 1;
    double timeout = 20;
    const char *keep = NULL, *only = NULL;
    int dry = 0, strict = 0, verbose = 0;
    int ai = 1;
    sigemptyset(&g_chld);
    sigaddset(&g_chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &g_chld, NULL);
    for (; ai < argc; ai++) {
        const char *a = argv[ai];
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "--")) {
            ai++;
            break;
        }
        const char *val = NULL;
        if (!strcmp(a, "--cases") || !strcmp(a, "--seed") || !strcmp(a, "--timeout") || !strcmp(a, "--keep") ||
            !strcmp(a, "--only")) {
            if (ai + 1 >= argc) usage();
            val = argv[++ai];
        }
        char *end = NULL;
        if (!strcmp(a, "--cases")) {
            ncases = strtol(val, &end, 10);
            if (*end || ncases < 0) usage();
        } else if (!strcmp(a, "--seed")) {
            seed = strtoull(val, &end, 0);
            if (*end) usage();
        } else if (!strcmp(a, "--timeout")) {
            timeout = strtod(val, &end);
            if (*end || timeout <= 0) usage();
        } else if (!strcmp(a, "--keep")) {
            keep = val;
        } else if (!strcmp(a, "--only")) {
            only = val;
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
        } else if (!strcmp(a, "-v")) {
            verbose = 1;
        } else {
            usage();
        }
    }
    if (argc - ai < 2) usage();
    const char *tool = argv[ai++];
    char only_name[256] = "";
    long only_case = -1;
    if (only) {
        const char *colon = strrchr(only, ':');
        if (!colon || colon == only) usage();
        char *end;
        only_case = strtol(colon + 1, &end, 10);
        if (*end || only_case < 0) usage();
        snprintf(only_name, sizeof only_name, "%.*s", (int)(colon - only), only);
        size_t l = strlen(only_name);
        if (l > 3 && !strcmp(only_name + l - 3, ".db")) only_name[l - 3] = 0;
    }
    if (!dry && access(tool, X_OK) != 0 && strchr(tool, '/')) {
        fprintf(stderr, "corrupt: %s is not executable\n", tool);
        return 2;
    }
    if (keep && mkdir(keep, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "corrupt: mkdir %s: %s\n", keep, strerror(errno));
        return 2;
    }

    if (!dry) {
        const char *tmp = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/corrupt.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(g_dir)) {
            fprintf(stderr, "corrupt: mkdtemp: %s\n", strerror(errno));
            return 2;
        }
        snprintf(g_errpath, sizeof g_errpath, "%s/stderr", g_dir);
        snprintf(g_outpath, sizeof g_outpath, "%s/stdout", g_dir);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
        signal(SIGPIPE, on_signal);
    }

    long total = 0, failures = 0;
    int matched_only = 0;
    for (; ai < argc; ai++) {
        fx_t f;
        if (load_fixture(&f, argv[ai]) < 0) {
            const char *base = strrchr(argv[ai], '/');
            printf("FAIL corrupt %s: cannot read fixture: %s\n", base ? base + 1 : argv[ai], strerror(errno));
            failures++;
            continue;
        }
        if (only && strcmp(only_name, f.name) != 0) {
            free_fixture(&f);
            continue;
        }
        matched_only = 1;
        if (verbose)
            fprintf(stderr,
                    "corrupt: %s: %zu bytes, pageSize %u, meta %d, root %" PRIu64 ", freelist %" PRId64
                    ", pgid %" PRIu64 ", %zu tree pages/inline nodes, %zu bucket values\n",
                    f.name, f.n, f.ps, f.cur, f.root, (int64_t)f.freelist, f.hwm, f.nnodes, f.nbuckets);
        mut_t m;
        m.b = xmalloc(f.n);
        long errors = 0, clean = 0, fails = 0;
        long first = only ? only_case : 0, last = only ? only_case + 1 : ncases;
        for (long i = first; i < last; i++) {
            make_case(&f, seed, (uint64_t)i, &m);
            total++;
            if (dry) {
                printf("case %s:%ld: %s\n", f.name, i, m.desc);
                continue;
            }
            snprintf(g_dbpath, sizeof g_dbpath, "%s/%s-%ld.db", g_dir, f.name, i);
            if (write_file(g_dbpath, m.b, m.n) < 0) {
                fprintf(stderr, "corrupt: write %s: %s\n", g_dbpath, strerror(errno));
                failures++;
                fails++;
                break;
            }
            struct stat st0;
            stat(g_dbpath, &st0);
            char why[2048] = "";
            int bad = 0;
            runres_t rc, rd;
            run_tool(tool, "check", g_dbpath, timeout, &rc);
            bad |= judge("check", &rc, timeout, strict, why, sizeof why);
            char errkeep[3][4096 + 64];
            errkeep[0][0] = errkeep[1][0] = errkeep[2][0] = 0;
            if (keep) {
                snprintf(errkeep[0], sizeof errkeep[0], "%s/%s-%ld.check.err", keep, f.name, i);
                copy_file(g_errpath, errkeep[0]);
                snprintf(errkeep[2], sizeof errkeep[2], "%s/%s-%ld.check.out", keep, f.name, i);
                copy_file(g_outpath, errkeep[2]);
            }
            /* restore the input if check modified it */
            struct stat st1;
            if (stat(g_dbpath, &st1) < 0 || st1.st_size != st0.st_size ||
                st1.st_mtim.tv_sec != st0.st_mtim.tv_sec || st1.st_mtim.tv_nsec != st0.st_mtim.tv_nsec)
                write_file(g_dbpath, m.b, m.n);
            run_tool(tool, "dump", g_dbpath, timeout, &rd);
            bad |= judge("dump", &rd, timeout, strict, why, sizeof why);
            if (keep) {
                snprintf(errkeep[1], sizeof errkeep[1], "%s/%s-%ld.dump.err", keep, f.name, i);
                copy_file(g_errpath, errkeep[1]);
            }
            if (bad) {
                fails++;
                failures++;
                printf("FAIL corrupt %s case %ld: %s: %s\n", f.name, i, m.desc, why);
            } else if (rc.exited && rc.code == 0) {
                clean++;
            } else {
                errors++;
            }
            if (keep && (bad || only)) {
                char kp[4096 + 300];
                snprintf(kp, sizeof kp, "%s/%s-%ld.db", keep, f.name, i);
                if (write_file(kp, m.b, m.n) < 0) fprintf(stderr, "corrupt: write %s: %s\n", kp, strerror(errno));
            } else if (keep) {
                for (int q = 0; q < 3; q++) unlink(errkeep[q]);
            }
            if (only && !bad)
                printf("ok corrupt %s case %ld: %s (check exit %d, dump exit %d)\n", f.name, i, m.desc,
                       rc.exited ? rc.code : -1, rd.exited ? rd.code : -1);
            if (verbose)
                fprintf(stderr, "corrupt: %s case %ld: %s: check %d dump %d%s\n", f.name, i, m.desc,
                        rc.exited ? rc.code : -1, rd.exited ? rd.code : -1, bad ? " FAIL" : "");
            unlink(g_dbpath);
            g_dbpath[0] = 0;
            fflush(stdout);
        }
        if (!dry && !only && !fails)
            printf("ok corrupt %s (%ld cases: %ld errors, %ld clean)\n", f.name, last - first, errors, clean);
        fflush(stdout);
        free(m.b);
        free_fixture(&f);
    }
    if (only && !matched_only) {
        fprintf(stderr, "corrupt: --only %s: no fixture named %s\n", only, only_name);
        failures++;
    }
    if (!dry) {
        unlink(g_errpath);
        unlink(g_outpath);
        /* remove anything else the tool may have left in our private directory */
        DIR *dd = opendir(g_dir);
        if (dd) {
            struct dirent *de;
            char p[4096 + 300];
            while ((de = readdir(dd))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
                snprintf(p, sizeof p, "%s/%s", g_dir, de->d_name);
                unlink(p);
            }
            closedir(dd);
        }
        rmdir(g_dir);
    }
    printf("corrupt: %ld cases, %ld failures\n", total, failures);
    return failures ? 1 : 0;
}
