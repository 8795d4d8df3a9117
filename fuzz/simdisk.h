/*
 * simdisk.h - a simulated disk for the fuzz harnesses: a cbolt_vfs over
 * memory that knows which bytes are durable.
 *
 * Each file has two images: the durable one (what the platter holds) and
 * the cached one (what reads and mappings see: every write so far). Every
 * write and truncate since the file's last successful sync is kept in a
 * pending list; sync applies the list to the durable image.
 *
 * simdisk_crash() simulates a power cut: for each pending operation,
 * chosen by a byte stream, the write is lost, kept, torn at a 512-byte
 * sector boundary (only its first sectors, or only its last ones, reach
 * the disk), or "reordered" (it is lost but every later pending write is
 * kept: later writes overtook it). The result becomes the file's content.
 *
 * Fault injection: the Nth write or sync from now fails with CBOLT_ERR_IO
 * and has no effect; simdisk_die_after(N) makes every mutating call after
 * the next N fail (the machine has stopped: the crash point).
 *
 * Mappings have MAP_SHARED semantics: each mapping is its own buffer,
 * updated by every later write and truncate of its file, and valid until
 * it is unmapped, even after the file grows and is mapped again. unmap()
 * of an unknown address or with a different length aborts (an engine
 * bug). An unmapped buffer is freed (ASan reports a later use) or, with
 * simdisk_poison(), filled with 0xDB and kept, so a non-ASan build reads
 * garbage instead of stale data.
 *
 * Single-threaded: the harnesses run the engine in one thread.
 */
#ifndef CBOLT_SIMDISK_H
#define CBOLT_SIMDISK_H

#include <stddef.h>
#include <stdint.h>

#include "cbolt.h"

typedef struct simdisk simdisk;

simdisk *simdisk_new(void);
void simdisk_free(simdisk *d);
cbolt_vfs *simdisk_vfs(simdisk *d);

/* Creates or replaces a file with durable contents (nothing pending). */
int simdisk_set(simdisk *d, const char *path, const void *data, size_t len);
/* The cached (current) contents; valid until the next write. CBOLT_OK or
 * CBOLT_NOTFOUND. */
int simdisk_get(simdisk *d, const char *path, const uint8_t **data,
                size_t *len);
/* The durable contents. */
int simdisk_get_durable(simdisk *d, const char *path, const uint8_t **data,
                        size_t *len);
/* Overwrites bytes of a file in both images (damage by a harness; does not
 * reach open mappings: only for closed files). */
int simdisk_poke(simdisk *d, const char *path, uint64_t off, const void *b,
                 size_t n);

/* Counters since simdisk_new(). */
uint64_t simdisk_write_count(const simdisk *d);
uint64_t simdisk_sync_count(const simdisk *d);
/* Pending (unsynced) operations over all files. */
size_t simdisk_pending(const simdisk *d);
/* Open files and live (not unmapped) mappings. */
int simdisk_open_files(const simdisk *d);
int simdisk_live_maps(const simdisk *d);

/* Fails the nth write / sync from now (1: the next one); 0 disarms. */
void simdisk_fail_write(simdisk *d, uint64_t nth);
void simdisk_fail_sync(simdisk *d, uint64_t nth);
/* After n more mutating calls (write, sync, truncate) succeed, every
 * later one fails with CBOLT_ERR_IO and no effect. n == UINT64_MAX
 * disarms. */
void simdisk_die_after(simdisk *d, uint64_t n);
int simdisk_dead(const simdisk *d);
/* Number of injected failures so far (fail_* and dead calls). */
uint64_t simdisk_failures(const simdisk *d);

/* Print every write, sync and truncate (and whether it failed) to
 * stderr as "trace: disk: ..." lines. */
void simdisk_trace(simdisk *d, int on);

/* Fill unmapped buffers with 0xDB and keep them until simdisk_free(). */
void simdisk_poison(simdisk *d, int on);

/* Called before each write reaches the cache (also in dead mode: not
 * called then). */
typedef void (*simdisk_write_hook)(void *arg, const char *path, uint64_t off,
                                   size_t n);
void simdisk_set_write_hook(simdisk *d, simdisk_write_hook fn, void *arg);

/* Fates of a pending operation (the low bits of a choice byte, mod 5). */
enum {
    SIMDISK_KEEP = 0,
    SIMDISK_LOSE = 1,
    SIMDISK_TEAR_HEAD = 2,     /* only the sectors before a cut reach disk */
    SIMDISK_TEAR_TAIL = 3,     /* only the sectors after a cut reach disk */
    SIMDISK_REORDER = 4        /* lost; every later pending write kept */
};

/* Simulates a power cut: every file's durable image receives its pending
 * operations, each with a fate read from choices (one byte per operation,
 * plus one for the cut of a tear; KEEP once the bytes run out). Then the
 * cache becomes the durable image, nothing is pending, and the dead mode
 * and armed faults are cleared. Files should be closed and unmapped
 * first (mappings that are still live are left as they were). A line per
 * decision is appended to the log (simdisk_log()). */
void simdisk_crash(simdisk *d, const uint8_t *choices, size_t n);
/* The crash log of the last simdisk_crash() ("" when none). */
const char *simdisk_log(const simdisk *d);

#endif
