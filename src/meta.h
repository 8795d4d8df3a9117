/*
 * meta.h - the two meta pages: checksum, validation, selection, encoding.
 *
 * Owns: the meta struct decoded from page bytes [16, 80), the FNV-1a 64
 * checksum, the rules meta-magic, meta-version, meta-checksum (which make
 * a meta "valid"), the field rules meta-page-size, meta-pgid, meta-root,
 * meta-freelist (which the chosen meta must keep), and the choice between
 * the two metas.
 * Invariants: a meta is valid exactly when magic, version and a non-zero
 * checksum all match; meta_select() returns the valid meta with the
 * higher txid, else the only valid one, else -1. Pure functions: no I/O,
 * no allocation, no state.
 */
#ifndef CBOLT_META_H
#define CBOLT_META_H

#include "format.h"

typedef struct meta {
    uint32_t magic;
    uint32_t version;
    uint32_t page_size;
    uint32_t flags;
    uint64_t root;       /* root bucket's root page */
    uint64_t sequence;   /* root bucket's sequence */
    uint64_t freelist;   /* freelist page, or PGID_NO_FREELIST */
    uint64_t pgid;       /* high-water mark: pages in use */
    uint64_t txid;
    uint64_t checksum;
} meta;

/* FNV-1a 64 of n bytes. */
uint64_t fnv1a64(const uint8_t *p, size_t n);

/* Decodes the meta of a page; page must hold at least META_END bytes. */
void meta_decode(const uint8_t *page, meta *m);

/* Encodes m into a page buffer of at least META_END bytes as page id
 * `pgid` (header included) and sets m->checksum to the stored checksum. */
void meta_encode(meta *m, uint8_t *page, uint64_t pgid);

/* RULE_OK when the meta in page (>= META_END bytes) has the right magic,
 * version and a non-zero matching checksum; else the first rule broken
 * in that order. */
int meta_validate(const uint8_t *page);

/* Nonzero when ps is a page size cbolt accepts: from CBOLT_MIN_PAGE_SIZE
 * to CBOLT_MAX_PAGE_SIZE (bbolt takes any page size; files with a page
 * size that is not a power of two open in bbolt, and so in cbolt). */
int page_size_ok(uint64_t ps);

/* Checks the fields of a valid meta against the page size the file was
 * opened with and the file's size: meta-page-size, meta-pgid, meta-root,
 * meta-freelist, in that order. */
int meta_check_fields(const meta *m, uint32_t page_size, uint64_t file_size);

/* Chooses between meta 0 and meta 1, given whether each is valid: the
 * valid one with the higher txid (meta 0 on a tie), else the only valid
 * one; -1 when neither is valid. */
int meta_select(int valid0, const meta *m0, int valid1, const meta *m1);

#endif
