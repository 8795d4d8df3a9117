/*
 * error.c - return code names, rule names, and the per-thread record of
 * the last error.
 *
 * Owns: cbolt_strerror(), cbolt_last_error(), the rule name table of
 * spec/format.md.
 * Invariants: the rule table has one name per cbolt_rule, in order; the
 * error record is thread-local, so concurrent transactions never see each
 * other's errors.
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

static const char *const rule_names[RULE__COUNT] = {
    [RULE_OK] = "ok",
    [RULE_META_MAGIC] = "meta-magic",
    [RULE_META_VERSION] = "meta-version",
    [RULE_META_CHECKSUM] = "meta-checksum",
    [RULE_META_PAGE_SIZE] = "meta-page-size",
    [RULE_META_PGID] = "meta-pgid",
    [RULE_META_ROOT] = "meta-root",
    [RULE_META_FREELIST] = "meta-freelist",
    [RULE_META_PAGE] = "meta-page",
    [RULE_PAGE_ID_RANGE] = "page-id-range",
    [RULE_PAGE_FILE_RANGE] = "page-file-range",
    [RULE_PAGE_ID_MISMATCH] = "page-id-mismatch",
    [RULE_PAGE_TYPE] = "page-type",
    [RULE_PAGE_COUNT] = "page-count",
    [RULE_ELEM_BOUNDS] = "elem-bounds",
    [RULE_KEY_EMPTY] = "key-empty",
    [RULE_KEY_SIZE] = "key-size",
    [RULE_KEY_ORDER] = "key-order",
    [RULE_LEAF_FLAGS] = "leaf-flags",
    [RULE_BRANCH_EMPTY] = "branch-empty",
    [RULE_LEAF_EMPTY] = "leaf-empty",
    [RULE_TREE_DEPTH] = "tree-depth",
    [RULE_KEY_RANGE] = "key-range",
    [RULE_BUCKET_VALUE] = "bucket-value",
    [RULE_INLINE_PAGE] = "inline-page",
    [RULE_ROOT_VALUE] = "root-value",
    [RULE_FREELIST_COUNT] = "freelist-count",
    [RULE_FREELIST_RANGE] = "freelist-range",
    [RULE_FREELIST_ORDER] = "freelist-order",
    [RULE_PAGE_UNREACHABLE] = "page-unreachable",
    [RULE_PAGE_DOUBLE] = "page-double",
    [RULE_PAGE_FREED_REACHABLE] = "page-freed-reachable",
};

/*@ assigns \nothing;
    ensures version: \valid_read(\result); */
const char *cbolt_version(void)
{
    return CBOLT_VERSION;
}

const char *cb_rule_name(int rule)
{
    if (rule < 0 || rule >= RULE__COUNT)
        return "unknown-rule";
    return rule_names[rule];
}

/*@ assigns \nothing;
    ensures name: \valid_read(\result); */
const char *cbolt_strerror(int code)
{
    switch (code) {
    case CBOLT_OK: return "ok";
    case CBOLT_NOTFOUND: return "not found";
    case CBOLT_ERR_IO: return "i/o error";
    case CBOLT_ERR_NOMEM: return "out of memory";
    case CBOLT_ERR_INVALID: return "invalid database";
    case CBOLT_ERR_VERSION_MISMATCH: return "version mismatch";
    case CBOLT_ERR_CHECKSUM: return "checksum error";
    case CBOLT_ERR_CORRUPT: return "database corrupt";
    case CBOLT_ERR_TIMEOUT: return "timeout";
    case CBOLT_ERR_INVALID_ARG: return "invalid argument";
    case CBOLT_ERR_DATABASE_NOT_OPEN: return "database not open";
    case CBOLT_ERR_DATABASE_READ_ONLY: return "database is in read-only mode";
    case CBOLT_ERR_TX_CLOSED: return "tx closed";
    case CBOLT_ERR_TX_NOT_WRITABLE: return "tx not writable";
    case CBOLT_ERR_BUCKET_NOT_FOUND: return "bucket not found";
    case CBOLT_ERR_BUCKET_EXISTS: return "bucket already exists";
    case CBOLT_ERR_BUCKET_NAME_REQUIRED: return "bucket name required";
    case CBOLT_ERR_KEY_REQUIRED: return "key required";
    case CBOLT_ERR_KEY_TOO_LARGE: return "key too large";
    case CBOLT_ERR_VALUE_TOO_LARGE: return "value too large";
    case CBOLT_ERR_INCOMPATIBLE_VALUE: return "incompatible value";
    case CBOLT_ERR_BUSY: return "database busy";
    case CBOLT_ERR_TX_FAILED:
        return "tx failed: an earlier call failed part-way, only rollback "
               "remains";
    case CBOLT_ERR_WOULD_DEADLOCK:
        return "would deadlock: this thread already holds the write tx";
    case CBOLT_ERR_MAX_SIZE_REACHED: return "database reached maximum size";
    case CBOLT_ERR_SAME_BUCKETS:
        return "the source and target are the same bucket";
    case CBOLT_ERR_DIFFERENT_DB:
        return "the source and target buckets are in different database files";
    default: return "unknown error";
    }
}

static _Thread_local struct {
    cbolt_error_info info;
    int rule_id;
    size_t detail;           /* offset of the detail in message */
    char rule[32];
    char message[256];
} last;

static void record(int code, int rule, uint64_t pgid, const char *fmt,
                   va_list ap)
{
    int n = 0;
    last.info.code = code;
    last.info.pgid = pgid;
    last.rule_id = rule;
    last.rule[0] = '\0';
    if (rule != RULE_OK) {
        snprintf(last.rule, sizeof last.rule, "%s", cb_rule_name(rule));
        n = snprintf(last.message, sizeof last.message, "page %llu: %s: ",
                     (unsigned long long)pgid, last.rule);
    }
    if (n < 0 || (size_t)n >= sizeof last.message)
        n = 0;
    last.detail = (size_t)n;
    vsnprintf(last.message + n, sizeof last.message - (size_t)n, fmt, ap);
    last.info.rule = last.rule;
    last.info.message = last.message;
}

int cb_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, RULE_OK, 0, fmt, ap);
    va_end(ap);
    return code;
}

int cb_corrupt(uint64_t pgid, int rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(CBOLT_ERR_CORRUPT, rule, pgid, fmt, ap);
    va_end(ap);
    return CBOLT_ERR_CORRUPT;
}

int cb_last_rule(void)
{
    return last.info.code == CBOLT_ERR_CORRUPT ? last.rule_id : RULE_OK;
}

const char *cb_last_detail(void)
{
    /* record() keeps detail inside message; the bound makes it a fact */
    return last.detail < sizeof last.message ? last.message + last.detail
                                             : last.message;
}

int cb_is_hard(int code)
{
    return code == CBOLT_ERR_NOMEM || code == CBOLT_ERR_IO ||
           code == CBOLT_ERR_CORRUPT;
}

/* What cbolt_last_error() gives before the thread's first error. */
static const cbolt_error_info no_error = {CBOLT_OK, "", 0, ""};

/* Reads the record only (record() sets its rule and message): no call
 * that merely asks changes it. */
const cbolt_error_info *cbolt_last_error(void)
{
    return last.info.message ? &last.info : &no_error;
}
