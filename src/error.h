/*
 * error.h - the engine's error helpers: recording an error for
 * cbolt_last_error(), corruption errors that name a page and a rule, and
 * the run-time checks of internal invariants.
 *
 * Owns: nothing but the thread-local record of the last error (error.c).
 * Invariants: a corruption error always names the page and the rule of
 * spec/format.md that the file broke; CB_INVARIANT guards internal state
 * only, never file bytes.
 */
#ifndef CBOLT_ERROR_H
#define CBOLT_ERROR_H

#include <stdint.h>

#include "cbolt.h"
#include "format.h"

/* What the proofs take as preconditions of their callers (proofs/README.md,
 * "Not proved") is checked at run time in the sanitizer and fuzzing builds
 * (-DCBOLT_DEBUG) with the proved checkers, and compiled out otherwise. */
#ifdef CBOLT_DEBUG
#include <assert.h>
#define CB_INVARIANT(e) assert(e)
#else
#define CB_INVARIANT(e) ((void)0)
#endif

#ifdef __FRAMAC__
/* The calling thread's error record (error.c), as the proofs see it: a
 * ghost object that cb_error() and cb_corrupt() change and nothing else
 * reads; after cb_corrupt() it is the rule recorded (the record's
 * rule_id, what cb_last_rule() answers). Their contracts below are assumed by the proofs of their callers
 * (proofs/README.md, "Assumed contracts"); error.c is not proved. */
/*@ ghost int cb_error_record; */
#endif

/* Records an error for cbolt_last_error() and returns code. */
/*@ assigns cb_error_record;
    ensures code: \result == code; */
int cb_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records a corruption of page pgid against rule and returns
 * CBOLT_ERR_CORRUPT. */
/*@ assigns cb_error_record;
    ensures corrupt: \result == CBOLT_ERR_CORRUPT;
    ensures rule: cb_error_record == rule; */
int cb_corrupt(uint64_t pgid, int rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The short name of a rule ("key-order"), "unknown-rule" out of range
 * (proved, module error). */
/*@ assigns \result \from rule;
    ensures name: \valid_read(\result); */
const char *cb_rule_name(int rule);

/* The rule of the calling thread's last corruption error (RULE_OK when
 * the last error was not one), and its message without the leading
 * "page N: rule: " (both proved, module error: they read the record
 * only). */
/*@ assigns \nothing; */
int cb_last_rule(void);
/*@ assigns \nothing;
    ensures detail: \valid_read(\result); */
const char *cb_last_detail(void);
#ifdef __FRAMAC__
/* cbolt.h's cbolt_last_error(), with its contract (proved, module error):
 * it reads the record only, and what it gives is readable. */
/*@ assigns \nothing;
    ensures valid: \valid_read(\result); */
const cbolt_error_info *cbolt_last_error(void);
#endif

/* 1 for the codes that say a call failed part-way (out of memory, i/o,
 * corruption): in a read-write transaction they poison it (proved, module
 * error). */
/*@ assigns \nothing;
    ensures hard: \result == 1 <==> code == CBOLT_ERR_NOMEM ||
                  code == CBOLT_ERR_IO || code == CBOLT_ERR_CORRUPT;
    ensures bool: \result == 0 || \result == 1; */
int cb_is_hard(int code);

#endif
