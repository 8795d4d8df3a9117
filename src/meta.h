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

#ifdef __FRAMAC__
#include "../spec/meta.acsl"
#endif

/* FNV-1a 64 of n bytes. */
/*@ requires valid: \valid_read(p + (0 .. n - 1));
    assigns \nothing;
    ensures value: \result == Fnv1a64(p, n); */
uint64_t fnv1a64(const uint8_t *p, size_t n);

/* Decodes the meta of a page; page must hold at least META_END bytes. */
/*@ requires valid_page: \valid_read(page + (0 .. MetaEnd - 1));
    requires valid_meta: \valid(m);
    requires separated: \separated(page + (0 .. MetaEnd - 1), m);
    assigns *m;
    ensures magic: m->magic == LD32(page + MetaOffMagic);
    ensures version: m->version == LD32(page + MetaOffVersion);
    ensures page_size: m->page_size == LD32(page + MetaOffPageSize);
    ensures flags: m->flags == LD32(page + MetaOffFlags);
    ensures root: m->root == LD64(page + MetaOffRoot);
    ensures sequence: m->sequence == LD64(page + MetaOffSequence);
    ensures freelist: m->freelist == LD64(page + MetaOffFreelist);
    ensures pgid: m->pgid == LD64(page + MetaOffPgid);
    ensures txid: m->txid == LD64(page + MetaOffTxid);
    ensures checksum: m->checksum == LD64(page + MetaOffChecksum); */
void meta_decode(const uint8_t *page, meta *m);

/* Encodes m into a page buffer of at least META_END bytes as page id
 * `pgid` (header included) and sets m->checksum to the stored checksum. */
/*@ requires valid_page: \valid(page + (0 .. MetaEnd - 1));
    requires valid_meta: \valid(m);
    requires separated: \separated(page + (0 .. MetaEnd - 1), m);
    assigns page[0 .. MetaEnd - 1], m->checksum;
    ensures header: MetaPageHeader(page, pgid);
    ensures fields: MetaStored(page, m);
    ensures sealed: MetaSealed(page, m); */
void meta_encode(meta *m, uint8_t *page, uint64_t pgid);

/* RULE_OK when the meta in page (>= META_END bytes) has the right magic,
 * version and a non-zero matching checksum; else the first rule broken
 * in that order. */
/*@ requires valid: \valid_read(page + (0 .. MetaEnd - 1));
    assigns \nothing;
    ensures valid_iff: \result == RULE_OK <==> MetaValid(page);
    behavior ok:
      assumes MetaValid(page);
      ensures \result == RULE_OK;
    behavior bad_magic:
      assumes !MetaMagicOk(page);
      ensures \result == RULE_META_MAGIC;
    behavior bad_version:
      assumes MetaMagicOk(page) && !MetaVersionOk(page);
      ensures \result == RULE_META_VERSION;
    behavior bad_checksum:
      assumes MetaMagicOk(page) && MetaVersionOk(page) &&
              !MetaChecksumOk(page);
      ensures \result == RULE_META_CHECKSUM;
    complete behaviors;
    disjoint behaviors; */
int meta_validate(const uint8_t *page);

/* Nonzero when ps is a page size cbolt accepts: from CBOLT_MIN_PAGE_SIZE
 * to CBOLT_MAX_PAGE_SIZE (bbolt takes any page size; files with a page
 * size that is not a power of two open in bbolt, and so in cbolt). */
/*@ assigns \nothing;
    ensures result: \result != 0 <==> PageSizeOk(ps);
    ensures boolean: \result == 0 || \result == 1; */
int page_size_ok(uint64_t ps);

/* Checks the fields of a valid meta against the page size the file was
 * opened with and the file's size: meta-page-size, meta-pgid, meta-root,
 * meta-freelist, in that order. */
/*@ requires valid: \valid_read(m);
    assigns \nothing;
    ensures ok_iff: \result == RULE_OK <==> MetaFieldsOk(m, page_size, file_size);
    behavior ok:
      assumes MetaFieldsOk(m, page_size, file_size);
      ensures \result == RULE_OK;
    behavior bad_page_size:
      assumes !MetaPageSizeOk(m, page_size);
      ensures \result == RULE_META_PAGE_SIZE;
    behavior bad_pgid:
      assumes MetaPageSizeOk(m, page_size) && !MetaPgidOk(m, file_size);
      ensures \result == RULE_META_PGID;
    behavior bad_root:
      assumes MetaPageSizeOk(m, page_size) && MetaPgidOk(m, file_size) &&
              !MetaRootOk(m);
      ensures \result == RULE_META_ROOT;
    behavior bad_freelist:
      assumes MetaPageSizeOk(m, page_size) && MetaPgidOk(m, file_size) &&
              MetaRootOk(m) && !MetaFreelistOk(m);
      ensures \result == RULE_META_FREELIST;
    complete behaviors;
    disjoint behaviors; */
int meta_check_fields(const meta *m, uint32_t page_size, uint64_t file_size);

/* Chooses between meta 0 and meta 1, given whether each is valid: the
 * valid one with the higher txid (meta 0 on a tie), else the only valid
 * one; -1 when neither is valid. */
/*@ requires valid: valid0 != 0 && valid1 != 0 ==> \valid_read(m0) && \valid_read(m1);
    assigns \nothing;
    behavior both_newer1:
      assumes valid0 != 0 && valid1 != 0 && m1->txid > m0->txid;
      ensures \result == 1;
    behavior both_newer0_or_tie:
      assumes valid0 != 0 && valid1 != 0 && m1->txid <= m0->txid;
      ensures \result == 0;
    behavior only0:
      assumes valid0 != 0 && valid1 == 0;
      ensures \result == 0;
    behavior only1:
      assumes valid0 == 0 && valid1 != 0;
      ensures \result == 1;
    behavior none:
      assumes valid0 == 0 && valid1 == 0;
      ensures \result == -1;
    complete behaviors;
    disjoint behaviors; */
int meta_select(int valid0, const meta *m0, int valid1, const meta *m1);

#endif
