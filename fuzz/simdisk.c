/*
 * simdisk.c - the simulated disk of the fuzz harnesses (see simdisk.h).
 *
 * Owns: per file a durable image, a cached image, the list of operations
 * not yet synced, and the live mappings (one buffer each, kept up to date
 * by writes). Nothing of a disk is shared between threads; the pool of
 * ended mappings' buffers is the process's, under its own lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdisk.h"

#if defined(__SANITIZE_ADDRESS__)
#define SD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SD_ASAN 1
#endif
#endif
#ifdef SD_ASAN
#include <sanitizer/asan_interface.h>
#define SD_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SD_POISON(p, n) ((void)(p), (void)(n))
#define SD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SECTOR 512u

typedef struct image {
    uint8_t *p;
    size_t len, cap;
} image;

typedef struct pend {
    int is_trunc;
    uint64_t off;            /* write offset, or truncate size */
    size_t n;
    uint8_t *data;
    struct pend *next;
} pend;

typedef struct smap {
    uint8_t *buf;
    size_t len;
    int live;
    struct snode *node;
    struct smap *next;
} smap;

typedef struct snode {
    char *name;
    image durable, cache;
    pend *head, **tail;
    size_t npend;
    int shared, exclusive;   /* lock holders */
    struct snode *next;
} snode;

struct simdisk {
    cbolt_vfs vfs;           /* first: a cbolt_vfs * is a simdisk * */
    snode *files;
    smap *maps;
    int open_files;
    uint64_t writes, syncs, failures;
    uint64_t fail_write, fail_sync; /* countdowns; 0: disarmed */
    uint64_t alive;          /* mutating calls left; UINT64_MAX: forever */
    int poison;
    int trace;
    simdisk_write_hook hook;
    void *hook_arg;
    char *log;
    size_t loglen, logcap;
};

struct cbolt_file {
    simdisk *d;
    snode *node;
    int locked;              /* 0, 1 shared, 2 exclusive */
};

static void *xcalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "simdisk: out of memory\n");
        abort();
    }
    return p;
}

/* Buffers of ended mappings, kept for the next mapping of the same
 * length (in this process, every disk alike). A mapping's buffer is as
 * large as the engine's mmap size (32 KiB up, doubling), and a fresh one
 * of that size costs a page fault per 4 KiB the first time the file's
 * bytes are copied in: that was a tenth of the write-side harnesses'
 * time. A kept buffer is poisoned under ASan until it is handed out
 * again, so a read through a mapping after its unmap is still reported
 * (as use-after-poison rather than heap-use-after-free). */
#define POOL_SLOTS 8
#define POOL_MAX_LEN ((size_t)16 << 20)
static struct {
    uint8_t *buf;
    size_t len;
} pool[POOL_SLOTS];
static size_t npool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* A zero-filled buffer of len bytes. */
static uint8_t *pool_take(size_t len)
{
    uint8_t *b = NULL;
    size_t i;
    pthread_mutex_lock(&pool_lock);
    for (i = 0; i < npool; i++)
        if (pool[i].len == len) {
            b = pool[i].buf;
            pool[i] = pool[--npool];
            break;
        }
    pthread_mutex_unlock(&pool_lock);
    if (!b)
        return xcalloc(len);
    SD_UNPOISON(b, len);
    memset(b, 0, len);
    return b;
}

static void pool_give(uint8_t *b, size_t len)
{
    pthread_mutex_lock(&pool_lock);
    if (len <= POOL_MAX_LEN && npool < POOL_SLOTS) {
        pool[npool].buf = b;
        pool[npool].len = len;
        npool++;
        SD_POISON(b, len);
        b = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    free(b);
}

/* Grows an image to len bytes (zero-filled). */
static void img_resize(image *im, size_t len)
{
    if (len > im->cap) {
        size_t cap = im->cap ? im->cap : 4096;
        uint8_t *np;
        while (cap < len)
            cap = cap > SIZE_MAX / 2 ? len : cap * 2;
        np = xcalloc(cap);
        if (im->len)
            memcpy(np, im->p, im->len);
        free(im->p);
        im->p = np;
        im->cap = cap;
    }
    if (len < im->len)
        memset(im->p + len, 0, im->len - len);
    im->len = len;
}

static void img_write(image *im, uint64_t off, const uint8_t *b, size_t n)
{
    if (off + n > im->len)
        img_resize(im, (size_t)(off + n));
    if (n)
        memcpy(im->p + off, b, n);
}

static void img_set(image *im, const void *b, size_t n)
{
    img_resize(im, 0);
    img_resize(im, n);
    if (n)
        memcpy(im->p, b, n);
}

static void logf_(simdisk *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(simdisk *d, const char *fmt, ...)
{
    va_list ap;
    int n;
    char line[256];
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (d->loglen + (size_t)n + 1 > d->logcap) {
        size_t cap = d->logcap ? d->logcap * 2 : 1024;
        char *np;
        while (cap < d->loglen + (size_t)n + 1)
            cap *= 2;
        np = realloc(d->log, cap);
        if (!np)
            return;
        d->log = np;
        d->logcap = cap;
    }
    memcpy(d->log + d->loglen, line, (size_t)n + 1);
    d->loglen += (size_t)n;
}

static snode *find(simdisk *d, const char *name)
{
    snode *n;
    for (n = d->files; n; n = n->next)
        if (strcmp(n->name, name) == 0)
            return n;
    return NULL;
}

static snode *create(simdisk *d, const char *name)
{
    snode *n = xcalloc(sizeof *n);
    n->name = strdup(name);
    if (!n->name) {
        fprintf(stderr, "simdisk: out of memory\n");
        abort();
    }
    n->tail = &n->head;
    n->next = d->files;
    d->files = n;
    return n;
}

static void pend_clear(snode *n)
{
    pend *p, *pn;
    for (p = n->head; p; p = pn) {
        pn = p->next;
        free(p->data);
        free(p);
    }
    n->head = NULL;
    n->tail = &n->head;
    n->npend = 0;
}

static void pend_add(snode *n, int is_trunc, uint64_t off, const void *b,
                     size_t len)
{
    pend *p = xcalloc(sizeof *p);
    p->is_trunc = is_trunc;
    p->off = off;
    p->n = len;
    if (!is_trunc) {
        p->data = xcalloc(len);
        if (len)
            memcpy(p->data, b, len);
    }
    *n->tail = p;
    n->tail = &p->next;
    n->npend++;
}

/* Updates every live mapping of node after its cache changed in
 * [off, off + n) (or was truncated to off when n == 0 and trunc). */
static void maps_update(simdisk *d, snode *node, uint64_t off, size_t n,
                        int trunc)
{
    smap *m;
    for (m = d->maps; m; m = m->next) {
        if (!m->live || m->node != node)
            continue;
        if (trunc) {
            if (off < m->len)
                memset(m->buf + off, 0, m->len - (size_t)off);
        } else if (off < m->len) {
            size_t k = m->len - (size_t)off < n ? m->len - (size_t)off : n;
            memcpy(m->buf + off, node->cache.p + off, k);
        }
    }
}

/* Counts a mutating call: 0 to go on, or CBOLT_ERR_IO when the machine is
 * dead or this call is the armed failure. */
static int mutate_gate(simdisk *d, uint64_t *countdown)
{
    if (d->alive == 0) {
        d->failures++;
        errno = EIO;
        return CBOLT_ERR_IO;
    }
    if (countdown && *countdown && --*countdown == 0) {
        d->failures++;
        errno = EIO;
        return CBOLT_ERR_IO;
    }
    if (d->alive != UINT64_MAX)
        d->alive--;
    return CBOLT_OK;
}

/* ---- the vfs ---- */

static int sd_open(cbolt_vfs *vfs, const char *path, int flags,
                   unsigned mode, cbolt_file **out)
{
    simdisk *d = (simdisk *)vfs;
    snode *n = find(d, path);
    cbolt_file *f;
    (void)mode;
    if (!n && (flags & CBOLT_OPEN_CREATE)) {
        if (d->alive == 0) {
            errno = EIO;
            return CBOLT_ERR_IO;
        }
        n = create(d, path);
    }
    if (!n) {
        errno = ENOENT;
        return CBOLT_ERR_IO;
    }
    f = xcalloc(sizeof *f);
    f->d = d;
    f->node = n;
    d->open_files++;
    *out = f;
    return CBOLT_OK;
}

static void drop_lock(cbolt_file *f)
{
    if (f->locked == 1)
        f->node->shared--;
    else if (f->locked == 2)
        f->node->exclusive = 0;
    f->locked = 0;
}

static int sd_close(cbolt_file *f)
{
    drop_lock(f);
    f->d->open_files--;
    free(f);
    return CBOLT_OK;
}

static int sd_size(cbolt_file *f, uint64_t *out)
{
    *out = f->node->cache.len;
    return CBOLT_OK;
}

static int sd_read(cbolt_file *f, void *buf, size_t n, uint64_t off)
{
    image *im = &f->node->cache;
    if (off > im->len || n > im->len - off) {
        errno = EIO;
        return CBOLT_ERR_IO;
    }
    if (n)
        memcpy(buf, im->p + off, n);
    return CBOLT_OK;
}

static int sd_write(cbolt_file *f, const void *buf, size_t n, uint64_t off)
{
    simdisk *d = f->d;
    int rc;
    if (off > (uint64_t)1 << 40 || n > (size_t)1 << 40) {
        errno = EFBIG;
        return CBOLT_ERR_IO;
    }
    rc = mutate_gate(d, &d->fail_write);
    if (d->trace)
        fprintf(stderr, "trace: disk: write %s [%llu,+%zu)%s\n",
                f->node->name, (unsigned long long)off, n,
                rc ? " FAILED" : "");
    if (rc != CBOLT_OK)
        return rc;
    if (d->hook)
        d->hook(d->hook_arg, f->node->name, off, n);
    d->writes++;
    img_write(&f->node->cache, off, buf, n);
    pend_add(f->node, 0, off, buf, n);
    maps_update(d, f->node, off, n, 0);
    return CBOLT_OK;
}

static void apply(image *im, const pend *p)
{
    if (p->is_trunc)
        img_resize(im, (size_t)p->off);
    else
        img_write(im, p->off, p->data, p->n);
}

static int sd_sync(cbolt_file *f)
{
    simdisk *d = f->d;
    pend *p;
    int rc = mutate_gate(d, &d->fail_sync);
    if (d->trace)
        fprintf(stderr, "trace: disk: sync %s%s\n", f->node->name,
                rc ? " FAILED" : "");
    if (rc != CBOLT_OK)
        return rc;
    d->syncs++;
    for (p = f->node->head; p; p = p->next)
        apply(&f->node->durable, p);
    pend_clear(f->node);
    return CBOLT_OK;
}

static int sd_truncate(cbolt_file *f, uint64_t size)
{
    simdisk *d = f->d;
    image *im = &f->node->cache;
    size_t old = im->len;
    int rc;
    if (size > (uint64_t)1 << 40) {
        errno = EFBIG;
        return CBOLT_ERR_IO;
    }
    rc = mutate_gate(d, NULL);
    if (d->trace)
        fprintf(stderr, "trace: disk: truncate %s %llu%s\n", f->node->name,
                (unsigned long long)size, rc ? " FAILED" : "");
    if (rc != CBOLT_OK)
        return rc;
    img_resize(im, (size_t)size);
    pend_add(f->node, 1, size, NULL, 0);
    if (size < old)
        maps_update(d, f->node, size, 0, 1);
    return CBOLT_OK;
}

static int sd_lock(cbolt_file *f, int exclusive, unsigned timeout_ms)
{
    snode *n = f->node;
    (void)timeout_ms;        /* one thread: waiting would never end */
    drop_lock(f);
    if (n->exclusive || (exclusive && n->shared))
        return CBOLT_ERR_TIMEOUT;
    if (exclusive)
        n->exclusive = 1;
    else
        n->shared++;
    f->locked = exclusive ? 2 : 1;
    return CBOLT_OK;
}

static int sd_unlock(cbolt_file *f)
{
    drop_lock(f);
    return CBOLT_OK;
}

static int sd_map(cbolt_file *f, size_t len, const uint8_t **addr)
{
    simdisk *d = f->d;
    image *im = &f->node->cache;
    smap *m;
    if (len > (size_t)1 << 34) {
        errno = ENOMEM;
        return CBOLT_ERR_IO;
    }
    m = xcalloc(sizeof *m);
    m->buf = pool_take(len);
    m->len = len;
    m->live = 1;
    m->node = f->node;
    if (im->len)
        memcpy(m->buf, im->p, im->len < len ? im->len : len);
    m->next = d->maps;
    d->maps = m;
    *addr = m->buf;
    return CBOLT_OK;
}

static int sd_unmap(cbolt_file *f, const uint8_t *addr, size_t len)
{
    simdisk *d = f->d;
    smap **pp, *m;
    for (pp = &d->maps; (m = *pp) != NULL; pp = &m->next)
        if (m->live && m->buf == addr)
            break;
    if (!m) {
        fprintf(stderr, "simdisk: unmap of %p, which is not mapped\n",
                (const void *)addr);
        abort();
    }
    if (m->len != len) {
        fprintf(stderr, "simdisk: unmap of %p with length %zu, mapped %zu\n",
                (const void *)addr, len, m->len);
        abort();
    }
    m->live = 0;
    if (d->poison) {
        memset(m->buf, 0xDB, m->len);
        return CBOLT_OK;
    }
    *pp = m->next;
    pool_give(m->buf, m->len);
    free(m);
    return CBOLT_OK;
}

/* ---- control ---- */

simdisk *simdisk_new(void)
{
    simdisk *d = xcalloc(sizeof *d);
    d->vfs = (cbolt_vfs){sd_open, sd_close, sd_size, sd_read, sd_write,
                         sd_sync, sd_truncate, sd_lock, sd_unlock, sd_map,
                         sd_unmap};
    d->alive = UINT64_MAX;
    return d;
}

void simdisk_free(simdisk *d)
{
    snode *n, *nn;
    smap *m, *mn;
    if (!d)
        return;
    for (m = d->maps; m; m = mn) {
        mn = m->next;
        pool_give(m->buf, m->len);
        free(m);
    }
    for (n = d->files; n; n = nn) {
        nn = n->next;
        pend_clear(n);
        free(n->durable.p);
        free(n->cache.p);
        free(n->name);
        free(n);
    }
    free(d->log);
    free(d);
}

cbolt_vfs *simdisk_vfs(simdisk *d)
{
    return &d->vfs;
}

int simdisk_set(simdisk *d, const char *path, const void *data, size_t len)
{
    snode *n = find(d, path);
    if (!n)
        n = create(d, path);
    pend_clear(n);
    img_set(&n->durable, data, len);
    img_set(&n->cache, data, len);
    maps_update(d, n, 0, len, 0);
    maps_update(d, n, len, 0, 1);
    return CBOLT_OK;
}

int simdisk_get(simdisk *d, const char *path, const uint8_t **data,
                size_t *len)
{
    snode *n = find(d, path);
    if (!n)
        return CBOLT_NOTFOUND;
    *data = n->cache.p;
    *len = n->cache.len;
    return CBOLT_OK;
}

int simdisk_get_durable(simdisk *d, const char *path, const uint8_t **data,
                        size_t *len)
{
    snode *n = find(d, path);
    if (!n)
        return CBOLT_NOTFOUND;
    *data = n->durable.p;
    *len = n->durable.len;
    return CBOLT_OK;
}

int simdisk_poke(simdisk *d, const char *path, uint64_t off, const void *b,
                 size_t n)
{
    snode *node = find(d, path);
    if (!node)
        return CBOLT_NOTFOUND;
    img_write(&node->durable, off, b, n);
    img_write(&node->cache, off, b, n);
    return CBOLT_OK;
}

uint64_t simdisk_write_count(const simdisk *d)
{
    return d->writes;
}

uint64_t simdisk_sync_count(const simdisk *d)
{
    return d->syncs;
}

size_t simdisk_pending(const simdisk *d)
{
    const snode *n;
    size_t k = 0;
    for (n = d->files; n; n = n->next)
        k += n->npend;
    return k;
}

int simdisk_open_files(const simdisk *d)
{
    return d->open_files;
}

int simdisk_live_maps(const simdisk *d)
{
    const smap *m;
    int k = 0;
    for (m = d->maps; m; m = m->next)
        k += m->live;
    return k;
}

void simdisk_fail_write(simdisk *d, uint64_t nth)
{
    d->fail_write = nth;
}

void simdisk_fail_sync(simdisk *d, uint64_t nth)
{
    d->fail_sync = nth;
}

void simdisk_die_after(simdisk *d, uint64_t n)
{
    d->alive = n;
}

int simdisk_dead(const simdisk *d)
{
    return d->alive == 0;
}

uint64_t simdisk_failures(const simdisk *d)
{
    return d->failures;
}

void simdisk_trace(simdisk *d, int on)
{
    d->trace = on;
}

void simdisk_poison(simdisk *d, int on)
{
    d->poison = on;
}

void simdisk_set_write_hook(simdisk *d, simdisk_write_hook fn, void *arg)
{
    d->hook = fn;
    d->hook_arg = arg;
}

const char *simdisk_log(const simdisk *d)
{
    return d->log ? d->log : "";
}

/* Applies the sectors [from, to) of a pending write (file offsets). */
static void apply_part(image *im, const pend *p, uint64_t from, uint64_t to)
{
    if (to > from)
        img_write(im, from, p->data + (from - p->off), (size_t)(to - from));
}

void simdisk_crash(simdisk *d, const uint8_t *choices, size_t nchoices)
{
    static const char *const names[] = {"keep", "lose", "tear-head",
                                        "tear-tail", "reorder"};
    size_t ci = 0;
    snode *n;
    d->loglen = 0;
    if (d->log)
        d->log[0] = 0;
    for (n = d->files; n; n = n->next) {
        int keep_rest = 0;
        size_t i = 0;
        pend *p;
        for (p = n->head; p; p = p->next, i++) {
            int fate = keep_rest      ? SIMDISK_KEEP
                       : ci < nchoices ? choices[ci++] % 5
                                      : SIMDISK_KEEP;
            uint64_t end = p->off + p->n, first, last, cut = 0;
            if (p->is_trunc && (fate == SIMDISK_TEAR_HEAD ||
                                fate == SIMDISK_TEAR_TAIL))
                fate = SIMDISK_KEEP;
            if (fate == SIMDISK_TEAR_HEAD || fate == SIMDISK_TEAR_TAIL) {
                /* sector boundaries strictly inside the write */
                first = (p->off / SECTOR + 1) * SECTOR;
                last = end ? (end - 1) / SECTOR * SECTOR : 0;
                if (first > last) {
                    fate = fate == SIMDISK_TEAR_HEAD ? SIMDISK_LOSE
                                                     : SIMDISK_KEEP;
                } else {
                    uint64_t k = (last - first) / SECTOR + 1;
                    uint8_t b = ci < nchoices ? choices[ci++] : 0;
                    cut = first + (b % k) * SECTOR;
                }
            }
            switch (fate) {
            case SIMDISK_KEEP:
                apply(&n->durable, p);
                break;
            case SIMDISK_TEAR_HEAD:
                apply_part(&n->durable, p, p->off, cut);
                break;
            case SIMDISK_TEAR_TAIL:
                apply_part(&n->durable, p, cut, end);
                break;
            case SIMDISK_REORDER:
                keep_rest = 1;
                break;
            default:
                break;
            }
            if (p->is_trunc)
                logf_(d, "%s: #%zu truncate %llu: %s\n", n->name, i,
                      (unsigned long long)p->off, names[fate]);
            else if (fate == SIMDISK_TEAR_HEAD || fate == SIMDISK_TEAR_TAIL)
                logf_(d, "%s: #%zu write [%llu,+%zu): %s at %llu\n", n->name,
                      i, (unsigned long long)p->off, p->n, names[fate],
                      (unsigned long long)cut);
            else
                logf_(d, "%s: #%zu write [%llu,+%zu): %s\n", n->name, i,
                      (unsigned long long)p->off, p->n, names[fate]);
        }
        pend_clear(n);
        img_set(&n->cache, n->durable.p, n->durable.len);
        maps_update(d, n, 0, n->cache.len, 0);
        maps_update(d, n, n->cache.len, 0, 1);
    }
    d->alive = UINT64_MAX;
    d->fail_write = d->fail_sync = 0;
}
