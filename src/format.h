/*
 * format.h - the Bolt on-disk format (version 2) as constants, and the
 * validity rules cbolt enforces.
 *
 * Owns: every byte offset and size of the file format, the little-endian
 * loads and stores used to read and write them, and the table of rule
 * names that corruption errors and `cbolt check` print.
 * Invariants: this header is the only place in src/ that knows a byte
 * offset; spec/format.md is the same table in prose, rule for rule.
 *
 * bbolt stores integers in the machine's byte order; cbolt reads and writes
 * little-endian, which is bbolt's format on every little-endian machine.
 * Loads go byte by byte, so no pointer into the file is ever dereferenced
 * at a wider type (inline pages sit at any alignment inside a value).
 */
#ifndef CBOLT_FORMAT_H
#define CBOLT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Page header: id u64 @0, flags u16 @8, count u16 @10, overflow u32 @12. */
#define PAGE_HDR_SIZE 16u
#define PAGE_OFF_ID 0u
#define PAGE_OFF_FLAGS 8u
#define PAGE_OFF_COUNT 10u
#define PAGE_OFF_OVERFLOW 12u

#define PAGE_BRANCH 0x01u
#define PAGE_LEAF 0x02u
#define PAGE_META 0x04u
#define PAGE_FREELIST 0x10u
#define PAGE_TYPE_MASK (PAGE_BRANCH | PAGE_LEAF | PAGE_META | PAGE_FREELIST)

/* Branch element (16 bytes): pos u32 @0, ksize u32 @4, pgid u64 @8.
 * Leaf element (16 bytes): flags u32 @0, pos u32 @4, ksize u32 @8,
 * vsize u32 @12. Element i starts at page offset 16 + 16 * i; pos counts
 * from the element's own first byte. */
#define ELEM_SIZE 16u
#define BRANCH_OFF_POS 0u
#define BRANCH_OFF_KSIZE 4u
#define BRANCH_OFF_PGID 8u
#define LEAF_OFF_FLAGS 0u
#define LEAF_OFF_POS 4u
#define LEAF_OFF_KSIZE 8u
#define LEAF_OFF_VSIZE 12u
#define LEAF_FLAG_BUCKET 0x01u

/* Meta, at page offset 16. */
#define META_OFF 16u
#define META_OFF_MAGIC 16u
#define META_OFF_VERSION 20u
#define META_OFF_PAGE_SIZE 24u
#define META_OFF_FLAGS 28u
#define META_OFF_ROOT 32u
#define META_OFF_SEQUENCE 40u
#define META_OFF_FREELIST 48u
#define META_OFF_PGID 56u
#define META_OFF_TXID 64u
#define META_OFF_CHECKSUM 72u
#define META_END 80u           /* bytes of a page a meta needs */
#define META_SUM_LEN 56u       /* checksummed bytes: [16, 72) */
#define META_MAGIC 0xED0CDAEDu
#define META_VERSION 2u
#define PGID_NO_FREELIST UINT64_MAX

/* Bucket value: root pgid u64 @0, sequence u64 @8; an inline page follows
 * when root == 0. */
#define BUCKET_HDR_SIZE 16u

/* Freelist page: u64 ids from page offset 16; a count of 0xFFFF means the
 * first u64 holds the real count and the ids follow it. */
#define FREELIST_COUNT_OVERFLOW 0xFFFFu

/* Limits (bbolt's). */
#define CBOLT_MAX_KEY_SIZE 32768u
#define CBOLT_MAX_VALUE_SIZE 2147483646u
#define CBOLT_MIN_PAGE_SIZE 256u
#define CBOLT_MAX_PAGE_SIZE (16u * 1024u * 1024u)
#define CBOLT_MAX_TREE_DEPTH 64

/* The validity rules of spec/format.md, section "Validity rules". */
typedef enum cbolt_rule {
    RULE_OK = 0,
    RULE_META_MAGIC,
    RULE_META_VERSION,
    RULE_META_CHECKSUM,
    RULE_META_PAGE_SIZE,
    RULE_META_PGID,
    RULE_META_ROOT,
    RULE_META_FREELIST,
    RULE_META_PAGE,
    RULE_PAGE_ID_RANGE,
    RULE_PAGE_FILE_RANGE,
    RULE_PAGE_ID_MISMATCH,
    RULE_PAGE_TYPE,
    RULE_PAGE_COUNT,
    RULE_ELEM_BOUNDS,
    RULE_KEY_EMPTY,
    RULE_KEY_SIZE,
    RULE_KEY_ORDER,
    RULE_LEAF_FLAGS,
    RULE_BRANCH_EMPTY,
    RULE_LEAF_EMPTY,
    RULE_TREE_DEPTH,
    RULE_KEY_RANGE,
    RULE_BUCKET_VALUE,
    RULE_INLINE_PAGE,
    RULE_ROOT_VALUE,
    RULE_FREELIST_COUNT,
    RULE_FREELIST_RANGE,
    RULE_FREELIST_ORDER,
    RULE_PAGE_UNREACHABLE,
    RULE_PAGE_DOUBLE,
    RULE_PAGE_FREED_REACHABLE,
    RULE__COUNT
} cbolt_rule;

#ifdef __FRAMAC__
#include "../spec/format.acsl"
#endif

/* The loads add shifted bytes rather than or them: the value is the same
 * (the bytes do not overlap), compilers merge either form into one load,
 * and WP proves the sum equal to LD16/LD32/LD64 of spec/format.acsl. */

/*@ requires valid: \valid_read(p + (0 .. 1));
    assigns \nothing;
    ensures value: \result == LD16(p); */
static inline uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] + (p[1] << 8));
}

/*@ requires valid: \valid_read(p + (0 .. 3));
    assigns \nothing;
    ensures value: \result == LD32(p); */
static inline uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] + ((uint32_t)p[1] << 8) + ((uint32_t)p[2] << 16) +
           ((uint32_t)p[3] << 24);
}

/*@ requires valid: \valid_read(p + (0 .. 7));
    assigns \nothing;
    ensures value: \result == LD64(p); */
static inline uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) + ((uint64_t)ld32(p + 4) << 32);
}

/* The stores take the low byte by `% 256` and the rest by `/ 256`: the
 * same bytes as shifting and truncating (compilers emit the same code),
 * no truncating conversion, and WP proves that the matching load reads
 * the value back. */

/*@ requires valid: \valid(p + (0 .. 1));
    assigns p[0 .. 1];
    ensures stored: LD16(p) == v; */
static inline void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v % 256u);
    p[1] = (uint8_t)(v / 256u);
}

/*@ requires valid: \valid(p + (0 .. 3));
    assigns p[0 .. 3];
    ensures stored: LD32(p) == v; */
static inline void st32(uint8_t *p, uint32_t v)
{
    st16(p, (uint16_t)(v % 65536u));
    st16(p + 2, (uint16_t)(v / 65536u));
    //@ assert low: p[0] + 256 * p[1] == v % 65536;
}

/*@ requires valid: \valid(p + (0 .. 7));
    assigns p[0 .. 7];
    ensures stored: LD64(p) == v; */
static inline void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)(v % 4294967296u));
    st32(p + 4, (uint32_t)(v / 4294967296u));
    //@ assert low: LD32(p) == v % 4294967296;
}

#endif
