/*
 * proofs/pins.c - each constant of src/format.h equals the number that
 * spec/format.acsl pins for it (spec/format.md's tables).
 *
 * The specification states the format with its own literal constants
 * (PageHdrSize, MetaSumLen, PageTypeMask, ...), never with format.h's
 * macros, so a wrong macro fails the proof of any code that uses it. This
 * goal checks every macro directly, also those that only unproved code
 * uses (PAGE_TYPE_MASK in check.c, for example).
 *
 * Proof-only: pins() does nothing and is not compiled into the library.
 * run.sh proves it in the meta module (run meta-pins).
 */
#include "../src/format.h"

/*@ assigns \nothing;
    ensures header: PAGE_HDR_SIZE == PageHdrSize && PAGE_OFF_ID == PageOffId &&
      PAGE_OFF_FLAGS == PageOffFlags && PAGE_OFF_COUNT == PageOffCount &&
      PAGE_OFF_OVERFLOW == PageOffOverflow;
    ensures types: PAGE_BRANCH == PageBranch && PAGE_LEAF == PageLeaf &&
      PAGE_META == PageMeta && PAGE_FREELIST == PageFreelist &&
      PAGE_TYPE_MASK == PageTypeMask;
    ensures elements: ELEM_SIZE == ElemSize &&
      BRANCH_OFF_POS == BranchOffPos && BRANCH_OFF_KSIZE == BranchOffKsize &&
      BRANCH_OFF_PGID == BranchOffPgid && LEAF_OFF_FLAGS == LeafOffFlags &&
      LEAF_OFF_POS == LeafOffPos && LEAF_OFF_KSIZE == LeafOffKsize &&
      LEAF_OFF_VSIZE == LeafOffVsize && LEAF_FLAG_BUCKET == LeafFlagBucket;
    ensures meta: META_OFF == MetaOff && META_OFF_MAGIC == MetaOffMagic &&
      META_OFF_VERSION == MetaOffVersion &&
      META_OFF_PAGE_SIZE == MetaOffPageSize &&
      META_OFF_FLAGS == MetaOffFlags && META_OFF_ROOT == MetaOffRoot &&
      META_OFF_SEQUENCE == MetaOffSequence &&
      META_OFF_FREELIST == MetaOffFreelist && META_OFF_PGID == MetaOffPgid &&
      META_OFF_TXID == MetaOffTxid && META_OFF_CHECKSUM == MetaOffChecksum &&
      META_END == MetaEnd && META_SUM_LEN == MetaSumLen &&
      META_MAGIC == MetaMagic && META_VERSION == MetaVersion &&
      PGID_NO_FREELIST == PgidNoFreelist;
    ensures other: BUCKET_HDR_SIZE == BucketHdrSize &&
      FREELIST_COUNT_OVERFLOW == FreelistCountOverflow &&
      CBOLT_MAX_KEY_SIZE == MaxKeySize && CBOLT_MAX_VALUE_SIZE == MaxValueSize &&
      CBOLT_MIN_PAGE_SIZE == MinPageSize && CBOLT_MAX_PAGE_SIZE == MaxPageSize; */
void pins(void);

void pins(void)
{
}
