/*
 * dump.c - the canonical logical dump of a snapshot (spec/dump.md).
 *
 * Owns: the dump's text: `bucket <path> <sequence>` and
 * `kv <path> <key> <value>` lines, hex, `-` for empty, in cursor order.
 * Invariants: buckets wait on a heap stack of frames, never on the C
 * stack, each a few hundred bytes (one cursor serves them all), so any
 * nesting depth is dumped in bounded stack; each bucket whose tree lives
 * in the file is entered at most once (a second reference to its root
 * page is corruption, page-double), so the dump of any file ends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "tx.h"

/* One bucket on the path from the top level to the bucket being dumped.
 * Only the dumper's one cursor moves; a frame keeps the key it stopped
 * at to resume from when its child is done. */
typedef struct frame {
    cbolt_bucket *bp;        /* the bucket walked: &own, or a write
                                transaction's cached handle */
    cbolt_bucket own;
    const uint8_t *at;       /* the key the walk is at (NULL: not begun) */
    uint32_t atlen;
    size_t path_len;         /* path length before this bucket's name */
    struct frame *up;
} frame;

typedef struct dumper {
    cbolt_write_fn write;
    void *arg;
    char *out;               /* output buffer */
    size_t nout, capout;
    char *path;              /* hex names joined by '/' */
    size_t npath, cappath;
    uint8_t *entered;        /* per page: a bucket root already dumped */
    uint64_t hwm;            /* pages of the snapshot */
    cbolt_cursor c;          /* over the top frame's bucket */
    int err;
} dumper;

#define OUT_FLUSH (64u * 1024u)

#ifdef __FRAMAC__
/* The region the proofs give the blocks of the dump's buffers. */
extern char dump_heap[SIZE_MAX / 16];
#endif

/*@ // The most bytes a buffer of the dump is asked to hold (2^36: a key
    // or value is below 2^32 bytes, the output is flushed at OUT_FLUSH).
    logic integer DumpMax = 0x1000000000;
    // The hex digit of a nibble v (0 .. 15): '0' .. '9', 'a' .. 'f'.
    logic integer HexDigit(integer v) = v < 10 ? 48 + v : 87 + v;
    // o[0 .. 2 * len) holds the hex of b[0 .. len), two digits a byte,
    // the high nibble first (spec/dump.md).
    predicate HexFrom{L}(char *o, uint8_t *b, integer lo, integer hi) =
      \forall integer k; lo <= k < hi ==>
        o[2 * k] == HexDigit(b[k] / 16) &&
        o[2 * k + 1] == HexDigit(b[k] % 16);
    predicate HexOf{L}(char *o, uint8_t *b, integer len) =
      HexFrom(o, b, 0, len);
    // A buffer of cap bytes: none, or a block of the region dump_heap.
    predicate InHeap(char *p, integer cap) =
      cap == 0 || \base_addr(p) == \base_addr(&dump_heap[0]);
*/

#ifdef __FRAMAC__
/* cb_realloc (mem.c, not proved) of a buffer of the dump to n bytes, as
 * the proofs see it: WP's Typed model follows no conversion of its
 * void *, so a typed declaration. NULL (p unchanged), or n writable bytes
 * in dump_heap, the region the proofs give the dump's buffers, their
 * first keep as p's (what realloc keeps; the ghost argument keep). */
/*@ requires size: keep <= n && n <= SIZE_MAX / 32;
    requires valid: \valid_read(p + (0 .. keep - 1));
    assigns dump_heap[..];
    ensures null_or_moved: \result == \null ||
      (\valid(\result + (0 .. n - 1)) &&
       \base_addr(\result) == \base_addr(&dump_heap[0]) &&
       \forall integer k; 0 <= k < keep ==> \result[k] == \old(p[k]));
    ensures unchanged: \result == \null ==>
      \forall integer k; 0 <= k < keep ==> p[k] == \old(p[k]); */
char *dump_realloc(char *p, size_t n, size_t keep);
#define DUMP_REALLOC(p, n, keep) dump_realloc((p), (n), (keep))
#else
#define DUMP_REALLOC(p, n, keep) cb_realloc((p), (n))
#endif

/* Room for need bytes in *buf: the capacity doubles from 256 (or *cap)
 * until it holds need. */
/*@ requires ptrs: \valid(buf) && \valid(cap) && \separated(buf, cap);
    requires apart: \separated(buf, cap, dump_heap + (0 .. SIZE_MAX / 16 - 1));
    requires block: \valid(*buf + (0 .. *cap - 1)) && InHeap(*buf, *cap);
    requires need: need <= DumpMax;
    assigns *buf, *cap, dump_heap[..], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures ok: \result == CBOLT_OK ==>
      need <= *cap && \old(*cap) <= *cap && \valid(*buf + (0 .. *cap - 1)) &&
      \forall integer k; 0 <= k < \old(*cap) ==> (*buf)[k] == \old((*buf)[k]);
    ensures heap: \result == CBOLT_OK ==> InHeap(*buf, *cap);
    ensures nomem: \result != CBOLT_OK ==>
      *buf == \old(*buf) && *cap == \old(*cap); */
static int grow(char **buf, size_t *cap, size_t need)
{
    size_t c = *cap ? *cap : 256;
    char *n;
    if (need <= *cap)
        return CBOLT_OK;
    /*@ loop invariant grows: 1 <= c && \at(*cap, Pre) <= c;
        loop invariant room: c <= 256 || c < 2 * need;
        loop assigns c;
        loop variant need - c; */
    while (c < need)
        c *= 2;
    n = DUMP_REALLOC(*buf, c, *cap);
    if (!n)
        return cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
    *buf = n;
    *cap = c;
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* The caller's write callback (a function pointer, which WP does not
 * follow), as the proofs see it: it reads the n bytes it is given and
 * changes only its own state (dump_writer_state), none of the dumper's
 * objects; the ghosts dump_sent and dump_sent_n name what it was given. */
/*@ ghost int dump_writer_state; */
/*@ ghost const char *dump_sent; */
/*@ ghost size_t dump_sent_n; */
/*@ requires bytes: \valid_read(bytes + (0 .. n - 1));
    assigns dump_writer_state, dump_sent, dump_sent_n;
    ensures sent: dump_sent == bytes && dump_sent_n == n; */
int dump_write(void *arg, const char *bytes, size_t n);
#define DUMP_WRITE(d) dump_write((d)->arg, (d)->out, (d)->nout)
#else
#define DUMP_WRITE(d) (d)->write((d)->arg, (d)->out, (d)->nout)
#endif

/*@ // The dumper's output buffer: nout bytes buffered of capout writable
    // ones, the dumper apart from the region of the buffers.
    predicate DumpOut(dumper *d) =
      \valid(d) && d->nout <= d->capout && d->nout <= DumpMax / 2 &&
      \valid(d->out + (0 .. d->capout - 1)) && InHeap(d->out, d->capout) &&
      \separated(d, dump_heap + (0 .. SIZE_MAX / 16 - 1));
*/

/* The buffered bytes to the callback, unless an error came before. */
/*@ requires out: DumpOut(d);
    assigns d->err, d->nout, dump_writer_state, dump_sent, dump_sent_n;
    ensures out: DumpOut(d) && d->nout == 0;
    ensures sent: \old(d->err) == CBOLT_OK && \old(d->nout) > 0 ==>
      dump_sent == d->out && dump_sent_n == \old(d->nout);
    ensures sticky: \old(d->err) != CBOLT_OK ==> d->err == \old(d->err); */
static void flush(dumper *d)
{
    if (d->err == CBOLT_OK && d->nout > 0)
        d->err = DUMP_WRITE(d);
    d->nout = 0;
}

/* Copies n bytes of s to o (was a memcpy: Frama-C's libc states its
 * result through an axiomatic memcmp; the loop is proved). */
/*@ requires valid: \valid(o + (0 .. n - 1)) && \valid_read(s + (0 .. n - 1));
    requires apart: \separated(o + (0 .. n - 1), s + (0 .. n - 1));
    assigns o[0 .. n - 1];
    ensures copied: \forall integer k; 0 <= k < n ==> o[k] == s[k]; */
static void copy_chars(char *o, const char *s, size_t n)
{
    size_t i;
    /*@ loop invariant i <= n;
        loop invariant copied: \forall integer k; 0 <= k < i ==> o[k] == s[k];
        loop assigns i, o[0 .. n - 1];
        loop variant n - i; */
    for (i = 0; i < n; i++)
        o[i] = s[i];
}

/* Appends s[0 .. n) to the output, flushed first if it would pass
 * OUT_FLUSH; nothing after an error. */
/*@ requires out: DumpOut(d);
    requires s: \valid_read(s + (0 .. n - 1)) && n <= DumpMax / 4;
    requires apart: \separated(s + (0 .. n - 1), d,
                                dump_heap + (0 .. SIZE_MAX / 16 - 1));
    assigns d->err, d->out, d->nout, d->capout, dump_heap[..], cb_error_record,
            dump_writer_state, dump_sent, dump_sent_n;
    ensures out: DumpOut(d);
    ensures sticky: \old(d->err) != CBOLT_OK ==>
      d->err == \old(d->err) && d->nout == \old(d->nout) &&
      d->out == \old(d->out);
    ensures ok: d->err == CBOLT_OK ==>
      (d->nout == n ||
       (d->nout == \old(d->nout) + n &&
        \forall integer k; 0 <= k < \old(d->nout) ==>
          d->out[k] == \old(d->out[k]))) &&
      \forall integer k; 0 <= k < n ==> d->out[d->nout - n + k] == s[k];
    ensures errors: d->err == CBOLT_OK || d->err == CBOLT_ERR_NOMEM ||
      d->err == \old(d->err) || \old(d->err) == CBOLT_OK; */
static void put(dumper *d, const char *s, size_t n)
{
    if (d->err != CBOLT_OK)
        return;
    if (d->nout + n > OUT_FLUSH)
        flush(d);
    if (d->err == CBOLT_OK)
        d->err = grow(&d->out, &d->capout, d->nout + n);
    if (d->err == CBOLT_OK) {
        copy_chars(d->out + d->nout, s, n);
        d->nout += n;
    }
}

static const char hex_digits[] = "0123456789abcdef";

/* The digit of the nibble v. */
/*@ requires nibble: v < 16;
    assigns \nothing;
    ensures digit: \result == HexDigit(v); */
static char hex_digit(unsigned v)
{
    return hex_digits[v];
}

/* Appends hex of b (or "-" when empty) to buf at *n. */
/*@ requires ptrs: \valid(buf) && \valid(n) && \valid(cap) &&
      \separated(buf, n, cap);
    requires apart: \separated(buf, n, cap, dump_heap + (0 .. SIZE_MAX / 16 - 1));
    requires block: *n <= *cap && \valid(*buf + (0 .. *cap - 1)) &&
      InHeap(*buf, *cap);
    requires sizes: *n <= DumpMax / 2 && len <= DumpMax / 4;
    requires bytes: \valid_read(b + (0 .. len - 1));
    assigns *buf, *n, *cap, dump_heap[..], cb_error_record;
    ensures result: \result == CBOLT_OK || \result == CBOLT_ERR_NOMEM;
    ensures ok: \result == CBOLT_OK ==>
      *n == \old(*n) + (len == 0 ? 1 : 2 * len) && *n <= *cap &&
      \valid(*buf + (0 .. *cap - 1)) &&
      \forall integer k; 0 <= k < \old(*n) ==> (*buf)[k] == \old((*buf)[k]);
    ensures dash: \result == CBOLT_OK && len == 0 ==> (*buf)[\old(*n)] == 45;
    ensures hex: \result == CBOLT_OK ==> HexOf(*buf + \old(*n), b, len);
    ensures heap: \result == CBOLT_OK ==> InHeap(*buf, *cap);
    ensures nomem: \result != CBOLT_OK ==>
      *buf == \old(*buf) && *n == \old(*n) && *cap == \old(*cap); */
static int hex(char **buf, size_t *n, size_t *cap, const uint8_t *b,
               size_t len)
{
    size_t i = 0;
    char *o;
    int rc = grow(buf, cap, *n + (len ? 2 * len : 1));
    if (rc != CBOLT_OK)
        return rc;
    if (len == 0)
        (*buf)[(*n)++] = '-';
    o = *buf + *n;
    /* one byte a step (it was eight, through local arrays and memcpy, to
     * cut the comparisons a fuzzing build traces: not proved) */
    /*@ loop invariant at: i <= len;
        loop invariant hex: HexOf(o, b, i);
        loop assigns i, o[0 .. 2 * len - 1];
        loop variant len - i; */
    for (; i < len; i++) {
        o[2 * i] = hex_digit(b[i] / 16u);
        o[2 * i + 1] = hex_digit(b[i] % 16u);
    }
    *n += 2 * len;
    return CBOLT_OK;
}

/* Appends the hex of b[0 .. len) (or "-" when empty) to the output,
 * flushed first if it would pass OUT_FLUSH; nothing after an error. */
/*@ requires out: DumpOut(d);
    requires b: \valid_read(b + (0 .. len - 1)) && len <= DumpMax / 4;
    assigns d->err, d->out, d->nout, d->capout, dump_heap[..], cb_error_record,
            dump_writer_state, dump_sent, dump_sent_n;
    ensures out: DumpOut(d);
    ensures sticky: \old(d->err) != CBOLT_OK ==>
      d->err == \old(d->err) && d->nout == \old(d->nout) &&
      d->out == \old(d->out);
    ensures ok: d->err == CBOLT_OK ==>
      (d->nout == (len == 0 ? 1 : 2 * len) ||
       (d->nout == \old(d->nout) + (len == 0 ? 1 : 2 * len) &&
        \forall integer k; 0 <= k < \old(d->nout) ==>
          d->out[k] == \old(d->out[k])));
    ensures dash: d->err == CBOLT_OK && len == 0 ==> d->out[d->nout - 1] == 45;
    ensures hex: d->err == CBOLT_OK ==> HexOf(d->out + d->nout - 2 * len, b, len); */
static void put_hex(dumper *d, const uint8_t *b, size_t len)
{
    if (d->err == CBOLT_OK && d->nout + 2 * len > OUT_FLUSH)
        flush(d);
    if (d->err == CBOLT_OK)
        d->err = hex(&d->out, &d->nout, &d->capout, b, len);
}

static void put_line(dumper *d, const char *tag, const uint8_t *k, size_t kl,
                     const uint8_t *v, size_t vl, uint64_t seq, int bucket)
{
    put(d, tag, strlen(tag));
    put(d, d->path, d->npath);
    if (bucket) {
        char num[32];
        int n = snprintf(num, sizeof num, " %" PRIu64 "\n", seq);
        put(d, num, (size_t)n);
        return;
    }
    put(d, " ", 1);
    put_hex(d, k, kl);
    put(d, " ", 1);
    put_hex(d, v, vl);
    put(d, "\n", 1);
}

static frame *push(dumper *d, frame *up, cbolt_bucket *b,
                   const uint8_t *name, size_t nlen)
{
    frame *f = cb_calloc(1, sizeof *f);
    if (!f) {
        d->err = cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
        return up;
    }
    if (b->tx->s.writable) {
        f->bp = b; /* keeps the transaction's changes */
    } else {
        f->own = *b;
        f->bp = &f->own;
    }
    f->up = up;
    f->path_len = d->npath;
    if (up && up->up && d->err == CBOLT_OK)
        d->err = grow(&d->path, &d->cappath, d->npath + 1);
    if (up && up->up && d->err == CBOLT_OK)
        d->path[d->npath++] = '/';
    if (up && d->err == CBOLT_OK)
        d->err = hex(&d->path, &d->npath, &d->cappath, name, nlen);
    cursor_done(&d->c);
    cursor_init(&d->c, &f->bp->t, f->bp->top);
    return f;
}

/* Back to the parent frame: its cursor resumes at the key it left. */
static frame *pop(dumper *d, frame *f)
{
    frame *up = f->up;
    int rc;
    d->npath = f->path_len;
    cb_free(f);
    if (!up || d->err != CBOLT_OK)
        return up;
    cursor_done(&d->c);
    cursor_init(&d->c, &up->bp->t, up->bp->top);
    rc = cursor_seek_raw(&d->c, up->at, up->atlen);
    if (rc != CBOLT_OK)
        d->err = rc == CBOLT_NOTFOUND
                     ? cb_error(CBOLT_ERR_CORRUPT, "dump: lost its place")
                     : rc;
    return up;
}

/* A bucket root page dumped before is a page-double (a cycle, or two
 * buckets sharing a tree). */
/*@ requires d: \valid(d) &&
      \valid(d->entered + (0 .. d->hwm - 1)) &&
      \separated(d, d->entered + (0 .. d->hwm - 1));
    assigns d->entered[root], cb_error_record;
    behavior outside:
      assumes root == 0 || root >= d->hwm;
      assigns \nothing;
      ensures \result == CBOLT_OK;
    behavior twice:
      assumes 0 < root < d->hwm && d->entered[root] != 0;
      assigns cb_error_record;
      ensures \result == CBOLT_ERR_CORRUPT && cb_error_record == RULE_PAGE_DOUBLE;
    behavior first:
      assumes 0 < root < d->hwm && d->entered[root] == 0;
      assigns d->entered[root];
      ensures \result == CBOLT_OK && d->entered[root] == 1;
    complete behaviors;
    disjoint behaviors; */
static int enter_root(dumper *d, uint64_t root)
{
    if (root == 0 || root >= d->hwm)
        return CBOLT_OK;
    if (d->entered[root])
        return cb_corrupt(root, RULE_PAGE_DOUBLE, "bucket root reached twice");
    d->entered[root] = 1;
    return CBOLT_OK;
}

/* Enters the nested bucket under the cursor. In a write transaction the
 * bucket is the transaction's own handle, with its uncommitted changes. */
static frame *enter(dumper *d, frame *f, const uint8_t *k, uint32_t kl,
                    const uint8_t *v, uint32_t vl)
{
    cbolt_bucket *child, value;
    frame *n;
    if (f->bp->tx->s.writable) {
        d->err = cbolt_bucket_bucket(f->bp, k, kl, &child);
    } else {
        d->err = bucket_from_value(f->bp, cursor_leaf_id(&d->c), v, vl,
                                   &value);
        child = &value;
    }
    if (d->err != CBOLT_OK ||
        (d->err = enter_root(d, child->t.root)) != CBOLT_OK)
        return f;
    f->at = k;
    f->atlen = kl;
    n = push(d, f, child, k, kl);
    if (n != f)
        put_line(d, "bucket ", NULL, 0, NULL, 0, child->sequence, 1);
    return n;
}

static void dump_all(dumper *d, cbolt_tx *tx)
{
    frame *f = push(d, NULL, &tx->root, NULL, 0);
    int started = 0;
    while (f && d->err == CBOLT_OK) {
        const uint8_t *k, *v;
        uint32_t kl, vl, flags;
        int rc = started ? cursor_next_raw(&d->c) : cursor_first_raw(&d->c);
        started = 1;
        if (rc == CBOLT_NOTFOUND) {
            f = pop(d, f);
            continue;
        }
        if (rc != CBOLT_OK) {
            d->err = rc;
            break;
        }
        cursor_item(&d->c, &k, &kl, &v, &vl, &flags);
        if (flags & LEAF_FLAG_BUCKET) {
            frame *n = enter(d, f, k, kl, v, vl);
            started = n == f;
            f = n;
        } else if (!f->up) {
            d->err = cb_corrupt(cursor_leaf_id(&d->c), RULE_ROOT_VALUE,
                                "a value at the top level");
        } else {
            put_line(d, "kv ", k, kl, v, vl, 0, 0);
        }
    }
    while (f) {
        frame *up = f->up;
        cb_free(f);
        f = up;
    }
}

int cbolt_tx_dump(cbolt_tx *tx, cbolt_write_fn write, void *arg)
{
    dumper d;
    int rc;
    if (!tx || !write)
        return cb_error(CBOLT_ERR_INVALID_ARG, "dump: NULL argument");
    if ((rc = btx_usable(&tx->b, 0)) != CBOLT_OK)
        return rc;
    memset(&d, 0, sizeof d);
    d.write = write;
    d.arg = arg;
    d.hwm = tx->b.s.hwm;
    d.entered = cb_calloc(d.hwm ? d.hwm : 1, 1);
    if (!d.entered)
        return cb_error(CBOLT_ERR_NOMEM, "dump: out of memory");
    dump_all(&d, tx);
    cursor_done(&d.c);
    flush(&d);
    cb_free(d.entered);
    cb_free(d.out);
    cb_free(d.path);
    return d.err;
}
