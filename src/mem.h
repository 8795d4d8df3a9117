/*
 * mem.h - memory: the allocator every engine allocation goes through, and
 * the memory a transaction owns until it ends.
 *
 * Owns: the allocator in use (cbolt_set_allocator(), default malloc), and
 * per transaction a list of blocks and an arena of byte copies.
 * Invariants: every block handed out by txmem_alloc() is on the list until
 * txmem_free() or txmem_release(); txmem_release() frees every block and
 * every arena chunk, so a transaction that ends leaks nothing whatever
 * failed before. The os backends (os_posix.c, os_mem.c) allocate with libc
 * directly: they are not the engine.
 */
#ifndef CBOLT_MEM_H
#define CBOLT_MEM_H

#include <stddef.h>
#include <stdint.h>

void *cb_malloc(size_t n);
/* Zeroed; NULL when n * size overflows. */
void *cb_calloc(size_t n, size_t size);
void *cb_realloc(void *p, size_t n);
/* cb_calloc(n, sizeof(uint64_t)), typed: u64map's tables. Under Frama-C
 * it is declared, with the contract the map's proof assumes, in u64map.h
 * (which mem.h does not include: no include cycle). */
#ifndef __FRAMAC__
uint64_t *cb_calloc_u64(size_t n);
#endif
/* Assumed by the allocator's proof (mem.c is not proved): freeing
 * changes no memory the caller may still read. */
/*@ assigns \nothing; */
void cb_free(void *p);
char *cb_strdup(const char *s);
/* Sorts a[0 .. n) ascending (libc's qsort). The allocator's proof assumes
 * only that it writes nothing else (it checks the order it needs). */
/*@ requires \valid(a + (0 .. n - 1));
    assigns a[0 .. n - 1]; */
void cb_sort_u64(uint64_t *a, size_t n);

typedef struct mem_block {
    struct mem_block *prev, *next;
} mem_block;

typedef struct mem_chunk {
    struct mem_chunk *next;
    size_t used, cap;
} mem_chunk;

typedef struct txmem {
    mem_block blocks;        /* list head of owned blocks */
    mem_chunk *arena;        /* byte copies, newest chunk first */
} txmem;

void txmem_init(txmem *m);
/* A zeroed block of n bytes owned by m, or NULL. */
void *txmem_alloc(txmem *m, size_t n);
/* Frees a block of m early (NULL is accepted). */
void txmem_free(txmem *m, void *p);
/* A copy of n bytes that lives until txmem_release(), or NULL. */
const uint8_t *txmem_copy(txmem *m, const void *p, size_t n);
/* Frees everything m owns; m is empty again. */
void txmem_release(txmem *m);

#endif
