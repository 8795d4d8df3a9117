/*
 * mem.c - the allocator in use and transaction memory (see mem.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cbolt.h"
#include "mem.h"

static void *libc_malloc(void *arg, size_t n)
{
    (void)arg;
    return malloc(n);
}

static void *libc_realloc(void *arg, void *p, size_t n)
{
    (void)arg;
    return realloc(p, n);
}

static void libc_free(void *arg, void *p)
{
    (void)arg;
    free(p);
}

static const cbolt_allocator libc_allocator = {libc_malloc, libc_realloc,
                                               libc_free, NULL};
static cbolt_allocator allocator = {libc_malloc, libc_realloc, libc_free,
                                    NULL};

int cbolt_set_allocator(const cbolt_allocator *a)
{
    if (a && (!a->malloc || !a->realloc || !a->free))
        return CBOLT_ERR_INVALID_ARG;
    allocator = a ? *a : libc_allocator;
    return CBOLT_OK;
}

void *cb_malloc(size_t n)
{
    return allocator.malloc(allocator.arg, n ? n : 1);
}

void *cb_calloc(size_t n, size_t size)
{
    void *p;
    size_t total;
    if (size && n > SIZE_MAX / size)
        return NULL;
    total = n * size;
    p = cb_malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *cb_realloc(void *p, size_t n)
{
    return allocator.realloc(allocator.arg, p, n ? n : 1);
}

uint64_t *cb_calloc_u64(size_t n) /*@ ghost (u64map *m, uint64_t *other) */
{
    return cb_calloc(n, sizeof(uint64_t));
}

void cb_free(void *p)
{
    if (p)
        allocator.free(allocator.arg, p);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void cb_sort_u64(uint64_t *a, size_t n)
{
    if (n > 1)
        qsort(a, n, sizeof *a, cmp_u64);
}

char *cb_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cb_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void txmem_init(txmem *m)
{
    m->blocks.next = m->blocks.prev = &m->blocks;
    m->arena = NULL;
}

void *txmem_alloc(txmem *m, size_t n)
{
    mem_block *b;
    if (n > SIZE_MAX - sizeof *b)
        return NULL;
    b = cb_calloc(1, sizeof *b + n);
    if (!b)
        return NULL;
    b->next = m->blocks.next;
    b->prev = &m->blocks;
    m->blocks.next->prev = b;
    m->blocks.next = b;
    return b + 1;
}

void txmem_free(txmem *m, void *p)
{
    mem_block *b;
    (void)m;
    if (!p)
        return;
    b = (mem_block *)p - 1;
    b->prev->next = b->next;
    b->next->prev = b->prev;
    cb_free(b);
}

/* The arena's chunks grow from ARENA_FIRST bytes, four times each, up to
 * ARENA_CHUNK: most transactions copy a few names (a read-only one that
 * opens a bucket copies one), and a 64 KiB block for each of them was a
 * large part of what a short transaction cost. */
#define ARENA_FIRST 1024u
#define ARENA_CHUNK 65536u

const uint8_t *txmem_copy(txmem *m, const void *p, size_t n)
{
    mem_chunk *c = m->arena;
    uint8_t *dst;
    if (!c || c->cap - c->used < n) {
        size_t cap = !c ? ARENA_FIRST
                        : c->cap >= ARENA_CHUNK / 4 ? ARENA_CHUNK
                                                    : c->cap * 4;
        if (cap < n)
            cap = n;
        if (cap > SIZE_MAX - sizeof *c)
            return NULL;
        c = cb_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = m->arena;
        m->arena = c;
    }
    dst = (uint8_t *)(c + 1) + c->used;
    c->used += n;
    if (n)
        memcpy(dst, p, n);
    return dst;
}

void txmem_release(txmem *m)
{
    while (m->arena) {
        mem_chunk *c = m->arena;
        m->arena = c->next;
        cb_free(c);
    }
    while (m->blocks.next != &m->blocks)
        txmem_free(m, m->blocks.next + 1);
}
