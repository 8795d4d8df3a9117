/*
 * os_mem.c - an in-memory backend of the os layer, for tests and fuzzers.
 *
 * Owns: a set of named in-memory files with POSIX-like semantics: reads
 * past the end fail, writes past the end extend the file with zeros,
 * locks are shared/exclusive counters, mappings are pointers into the
 * file's buffer.
 * Invariants: a buffer that a mapping may point at is never freed or
 * moved before cbolt_memvfs_free(); when a file outgrows its buffer the
 * contents move to a larger one and the old buffer is retired (kept) so
 * earlier mappings stay readable, as an mmap of a grown file does. All
 * operations hold the vfs mutex.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbolt.h"

typedef struct mem_buf {
    uint8_t *data;
    struct mem_buf *next;
} mem_buf;

typedef struct mem_node {
    char *name;
    mem_buf *buf;            /* current buffer first, retired ones after */
    size_t len, cap;
    int shared, exclusive;   /* lock holders */
    struct mem_node *next;
} mem_node;

typedef struct mem_vfs {
    cbolt_vfs vfs;           /* first: a cbolt_vfs * is a mem_vfs * */
    pthread_mutex_t mu;
    mem_node *files;
} mem_vfs;

struct cbolt_file {
    mem_vfs *m;
    mem_node *node;
    int locked;              /* 0, 1 shared, 2 exclusive */
};

static mem_node *find(mem_vfs *m, const char *name)
{
    mem_node *n;
    for (n = m->files; n; n = n->next)
        if (strcmp(n->name, name) == 0)
            return n;
    return NULL;
}

/* The capacity reserve grows to: cap doubled until it holds need bytes,
 * or need itself when doubling would overflow. */
/*@ requires cap >= 1;
    assigns \nothing;
    ensures covers: \result >= need && \result >= cap;
    ensures kept: cap >= need ==> \result == cap;
    ensures bounded: \result == cap || \result < 2 * (integer)need;
*/
static size_t grow_cap(size_t cap, size_t need)
{
    /*@ loop invariant cap >= \at(cap, Pre) && cap >= 1;
        loop invariant cap == \at(cap, Pre) || cap < 2 * (integer)need;
        loop invariant \at(cap, Pre) >= need ==> cap == \at(cap, Pre);
        loop assigns cap;
    */
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    return cap;
}

/* Makes room for at least need bytes; zero-fills the new room. */
static int reserve(mem_node *n, size_t need)
{
    size_t cap = n->cap ? n->cap : 4096;
    mem_buf *b;
    if (need <= n->cap)
        return CBOLT_OK;
    cap = grow_cap(cap, need);
    b = malloc(sizeof *b);
    if (!b)
        return CBOLT_ERR_NOMEM;
    b->data = calloc(1, cap);
    if (!b->data) {
        free(b);
        return CBOLT_ERR_NOMEM;
    }
    if (n->buf)
        memcpy(b->data, n->buf->data, n->len);
    b->next = n->buf;
    n->buf = b;
    n->cap = cap;
    return CBOLT_OK;
}

static mem_node *create(mem_vfs *m, const char *name)
{
    mem_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->name = strdup(name);
    if (!n->name || reserve(n, 1) != CBOLT_OK) {
        free(n->name);
        free(n);
        return NULL;
    }
    n->next = m->files;
    m->files = n;
    return n;
}

static int mv_open(cbolt_vfs *vfs, const char *path, int flags, unsigned mode,
                   cbolt_file **out)
{
    mem_vfs *m = (mem_vfs *)vfs;
    mem_node *n;
    cbolt_file *f = NULL;
    int rc = CBOLT_OK;
    (void)mode;
    pthread_mutex_lock(&m->mu);
    n = find(m, path);
    if (!n && (flags & CBOLT_OPEN_CREATE))
        n = create(m, path);
    if (!n) {
        errno = ENOENT;
        rc = CBOLT_ERR_IO;
    } else if (!(f = calloc(1, sizeof *f))) {
        rc = CBOLT_ERR_NOMEM;
    } else {
        f->m = m;
        f->node = n;
        *out = f;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/*@ requires \valid(f) && \valid(f->node) && \separated(f, f->node);
    requires 0 <= f->locked <= 2;
    requires f->locked == 1 ==> f->node->shared >= 1;
    assigns f->locked, f->node->shared, f->node->exclusive;
    ensures released: f->locked == 0;
    behavior shared_holder:
      assumes f->locked == 1;
      ensures f->node->shared == \old(f->node->shared) - 1;
      ensures f->node->exclusive == \old(f->node->exclusive);
    behavior exclusive_holder:
      assumes f->locked == 2;
      ensures f->node->exclusive == 0;
      ensures f->node->shared == \old(f->node->shared);
    behavior no_lock:
      assumes f->locked == 0;
      ensures f->node->exclusive == \old(f->node->exclusive);
      ensures f->node->shared == \old(f->node->shared);
    complete behaviors;
    disjoint behaviors;
*/
static void drop_lock(cbolt_file *f)
{
    if (f->locked == 1)
        f->node->shared--;
    else if (f->locked == 2)
        f->node->exclusive = 0;
    f->locked = 0;
}

static int mv_close(cbolt_file *f)
{
    pthread_mutex_lock(&f->m->mu);
    drop_lock(f);
    pthread_mutex_unlock(&f->m->mu);
    free(f);
    return CBOLT_OK;
}

/*@ requires \valid(f) && \valid(f->node) && \valid(f->m);
    requires \valid(&f->m->mu) && \valid(out);
    requires \separated(f, f->node, f->m, out);
    assigns *out, f->m->mu;
    ensures \result == CBOLT_OK && *out == f->node->len;
*/
static int mv_size(cbolt_file *f, uint64_t *out)
{
    pthread_mutex_lock(&f->m->mu);
    *out = f->node->len;
    pthread_mutex_unlock(&f->m->mu);
    return CBOLT_OK;
}

static int mv_read(cbolt_file *f, void *buf, size_t n, uint64_t off)
{
    int rc = CBOLT_OK;
    pthread_mutex_lock(&f->m->mu);
    if (off > f->node->len || n > f->node->len - off) {
        errno = EIO;
        rc = CBOLT_ERR_IO;
    } else if (n) {
        memcpy(buf, f->node->buf->data + off, n);
    }
    pthread_mutex_unlock(&f->m->mu);
    return rc;
}

static int mv_write(cbolt_file *f, const void *buf, size_t n, uint64_t off)
{
    int rc = CBOLT_OK;
    mem_node *node = f->node;
    pthread_mutex_lock(&f->m->mu);
    if (off > SIZE_MAX - n) {
        errno = EFBIG;
        rc = CBOLT_ERR_IO;
    } else if ((rc = reserve(node, (size_t)off + n)) == CBOLT_OK) {
        if (n)
            memcpy(node->buf->data + off, buf, n);
        if (off + n > node->len)
            node->len = (size_t)off + n;
    }
    pthread_mutex_unlock(&f->m->mu);
    return rc;
}

/*@ assigns \nothing;
    ensures \result == CBOLT_OK;
*/
static int mv_sync(cbolt_file *f)
{
    (void)f;
    return CBOLT_OK;
}

static int mv_truncate(cbolt_file *f, uint64_t size)
{
    int rc = CBOLT_OK;
    mem_node *node = f->node;
    pthread_mutex_lock(&f->m->mu);
    if (size > SIZE_MAX) {
        errno = EFBIG;
        rc = CBOLT_ERR_IO;
    } else if ((rc = reserve(node, (size_t)size)) == CBOLT_OK) {
        if (size < node->len)
            memset(node->buf->data + size, 0, node->len - (size_t)size);
        node->len = (size_t)size;
    }
    pthread_mutex_unlock(&f->m->mu);
    return rc;
}

/*@ requires \valid(f) && \valid(f->node) && \separated(f, f->node);
    requires f->locked == 0;
    requires f->node->shared < INT_MAX;
    assigns f->locked, f->node->shared, f->node->exclusive;
    behavior busy:
      assumes f->node->exclusive != 0 || (exclusive != 0 && f->node->shared != 0);
      assigns \nothing;
      ensures \result == 0 && f->locked == 0;
      ensures f->node->shared == \old(f->node->shared);
      ensures f->node->exclusive == \old(f->node->exclusive);
    behavior got_exclusive:
      assumes f->node->exclusive == 0 && exclusive != 0 && f->node->shared == 0;
      ensures \result == 1 && f->locked == 2;
      ensures f->node->exclusive == 1 && f->node->shared == 0;
    behavior got_shared:
      assumes f->node->exclusive == 0 && exclusive == 0;
      ensures \result == 1 && f->locked == 1;
      ensures f->node->shared == \old(f->node->shared) + 1;
      ensures f->node->exclusive == 0;
    complete behaviors;
    disjoint behaviors;
*/
static int try_lock(cbolt_file *f, int exclusive)
{
    mem_node *n = f->node;
    if (n->exclusive || (exclusive && n->shared))
        return 0;
    if (exclusive)
        n->exclusive = 1;
    else
        n->shared++;
    f->locked = exclusive ? 2 : 1;
    return 1;
}

/*@ requires \valid(f) && \valid(f->node) && \valid(f->m);
    requires \valid(&f->m->mu) && \separated(f, f->node, f->m);
    requires 0 <= f->locked <= 2;
    requires f->locked == 1 ==> f->node->shared >= 1;
    requires 0 <= f->node->shared < INT_MAX;
    assigns f->locked, f->node->shared, f->node->exclusive, f->m->mu;
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_TIMEOUT;
    ensures got_exclusive: \result == CBOLT_OK && exclusive != 0 ==>
              f->locked == 2 && f->node->exclusive == 1 && f->node->shared == 0;
    ensures got_shared: \result == CBOLT_OK && exclusive == 0 ==>
              f->locked == 1 && f->node->exclusive == 0 && f->node->shared >= 1;
    ensures timed_out: \result == CBOLT_ERR_TIMEOUT ==>
              timeout_ms != 0 && f->locked == 0;
*/
static int mv_lock(cbolt_file *f, int exclusive, unsigned timeout_ms)
{
    struct timespec pause = {0, 1000 * 1000};
    unsigned waited = 0;
    /*@ loop invariant 0 <= f->locked <= 2;
        loop invariant f->locked == 1 ==> f->node->shared >= 1;
        loop invariant 0 <= f->node->shared < INT_MAX;
        loop invariant timeout_ms != 0 ==> waited <= timeout_ms;
        loop assigns f->locked, f->node->shared, f->node->exclusive, f->m->mu,
                     waited;
    */
    for (;;) {
        int ok;
        pthread_mutex_lock(&f->m->mu);
        drop_lock(f);
        ok = try_lock(f, exclusive);
        pthread_mutex_unlock(&f->m->mu);
        if (ok)
            return CBOLT_OK;
        if (timeout_ms) {
            if (waited >= timeout_ms)
                return CBOLT_ERR_TIMEOUT;
            waited++;
        }
        nanosleep(&pause, NULL);
    }
}

/*@ requires \valid(f) && \valid(f->node) && \valid(f->m);
    requires \valid(&f->m->mu) && \separated(f, f->node, f->m);
    requires 0 <= f->locked <= 2;
    requires f->locked == 1 ==> f->node->shared >= 1;
    assigns f->locked, f->node->shared, f->node->exclusive, f->m->mu;
    ensures \result == CBOLT_OK && f->locked == 0;
    ensures \old(f->locked) == 1 ==>
              f->node->shared == \old(f->node->shared) - 1;
    ensures \old(f->locked) == 2 ==> f->node->exclusive == 0;
*/
static int mv_unlock(cbolt_file *f)
{
    pthread_mutex_lock(&f->m->mu);
    drop_lock(f);
    pthread_mutex_unlock(&f->m->mu);
    return CBOLT_OK;
}

static int mv_map(cbolt_file *f, size_t len, const uint8_t **addr)
{
    int rc;
    pthread_mutex_lock(&f->m->mu);
    rc = reserve(f->node, len);
    if (rc == CBOLT_OK)
        *addr = f->node->buf->data;
    pthread_mutex_unlock(&f->m->mu);
    return rc;
}

/*@ assigns \nothing;
    ensures \result == CBOLT_OK;
*/
static int mv_unmap(cbolt_file *f, const uint8_t *addr, size_t len)
{
    (void)f;
    (void)addr;
    (void)len;
    return CBOLT_OK;
}

cbolt_vfs *cbolt_memvfs_new(void)
{
    mem_vfs *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->vfs = (cbolt_vfs){mv_open, mv_close, mv_size, mv_read, mv_write,
                         mv_sync, mv_truncate, mv_lock, mv_unlock, mv_map,
                         mv_unmap};
    pthread_mutex_init(&m->mu, NULL);
    return &m->vfs;
}

void cbolt_memvfs_free(cbolt_vfs *vfs)
{
    mem_vfs *m = (mem_vfs *)vfs;
    mem_node *n, *nn;
    if (!m)
        return;
    for (n = m->files; n; n = nn) {
        mem_buf *b, *bn;
        nn = n->next;
        for (b = n->buf; b; b = bn) {
            bn = b->next;
            free(b->data);
            free(b);
        }
        free(n->name);
        free(n);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int cbolt_memvfs_set(cbolt_vfs *vfs, const char *path, const void *data,
                     size_t len)
{
    mem_vfs *m = (mem_vfs *)vfs;
    mem_node *n;
    int rc = CBOLT_OK;
    pthread_mutex_lock(&m->mu);
    n = find(m, path);
    if (!n)
        n = create(m, path);
    if (!n) {
        rc = CBOLT_ERR_NOMEM;
    } else if ((rc = reserve(n, len)) == CBOLT_OK) {
        if (len < n->len)
            memset(n->buf->data + len, 0, n->len - len);
        if (len)
            memcpy(n->buf->data, data, len);
        n->len = len;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int cbolt_memvfs_get(cbolt_vfs *vfs, const char *path, const uint8_t **data,
                     size_t *len)
{
    mem_vfs *m = (mem_vfs *)vfs;
    mem_node *n;
    int rc = CBOLT_NOTFOUND;
    pthread_mutex_lock(&m->mu);
    n = find(m, path);
    if (n) {
        *data = n->buf->data;
        *len = n->len;
        rc = CBOLT_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}
