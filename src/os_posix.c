/*
 * os_posix.c - the POSIX backend of the os layer.
 *
 * Owns: file descriptors, flock()-based locking with a timeout, pread/
 * pwrite loops, fdatasync and read-only shared mappings.
 * Invariants: reads and writes transfer exactly the bytes asked or fail
 * with CBOLT_ERR_IO (errno kept); a lock wait polls every 50 ms, as bbolt
 * does, until the timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cbolt.h"

struct cbolt_file {
    int fd;
};

static int px_open(cbolt_vfs *vfs, const char *path, int flags, unsigned mode,
                   cbolt_file **out)
{
    int oflags = (flags & CBOLT_OPEN_READ_ONLY) ? O_RDONLY : O_RDWR;
    cbolt_file *f;
    (void)vfs;
    if (flags & CBOLT_OPEN_CREATE)
        oflags |= O_CREAT;
    f = malloc(sizeof *f);
    if (!f)
        return CBOLT_ERR_NOMEM;
    f->fd = open(path, oflags | O_CLOEXEC, mode);
    if (f->fd < 0) {
        int e = errno;
        free(f);
        errno = e;
        return CBOLT_ERR_IO;
    }
    *out = f;
    return CBOLT_OK;
}

static int px_close(cbolt_file *f)
{
    int rc = close(f->fd) == 0 ? CBOLT_OK : CBOLT_ERR_IO;
    free(f);
    return rc;
}

static int px_size(cbolt_file *f, uint64_t *out)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return CBOLT_ERR_IO;
    *out = (uint64_t)st.st_size;
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* Assumed contract of the POSIX primitive (Frama-C's libc gives none):
 * at most count bytes transferred, -1 on an error. */
/*@ requires \valid((char *)buf + (0 .. count - 1));
    assigns \result, __fc_errno, ((char *)buf)[0 .. count - 1];
    ensures -1 <= \result <= count;
*/
extern ssize_t pread(int fd, void *buf, size_t count, off_t offset);
#endif

/*@ requires \valid(f) && n <= SSIZE_MAX && off + n <= INT64_MAX;
    requires \valid((char *)buf + (0 .. n - 1));
    assigns __fc_errno, ((char *)buf)[0 .. n - 1];
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_IO;
*/
static int px_read(cbolt_file *f, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    /*@ loop invariant 0 <= n <= \at(n, Pre);
        loop invariant p == (char *)buf + (\at(n, Pre) - n);
        loop invariant off == \at(off, Pre) + (\at(n, Pre) - n);
        loop assigns n, p, off, __fc_errno,
                     ((char *)buf)[0 .. \at(n, Pre) - 1];
    */
    while (n > 0) {
        ssize_t r = pread(f->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return CBOLT_ERR_IO;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* Assumed contract of the POSIX primitive (Frama-C's libc gives none):
 * at most count bytes transferred, -1 on an error. */
/*@ requires \valid_read((char *)buf + (0 .. count - 1));
    assigns \result, __fc_errno;
    ensures -1 <= \result <= count;
*/
extern ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);
#endif

/*@ requires \valid(f) && n <= SSIZE_MAX && off + n <= INT64_MAX;
    requires \valid_read((char *)buf + (0 .. n - 1));
    assigns __fc_errno;
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_IO;
*/
static int px_write(cbolt_file *f, const void *buf, size_t n, uint64_t off)
{
    const char *p = buf;
    /*@ loop invariant 0 <= n <= \at(n, Pre);
        loop invariant p == (char *)buf + (\at(n, Pre) - n);
        loop invariant off == \at(off, Pre) + (\at(n, Pre) - n);
        loop assigns n, p, off, __fc_errno;
    */
    while (n > 0) {
        ssize_t r = pwrite(f->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CBOLT_ERR_IO;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return CBOLT_OK;
}

#ifdef __FRAMAC__
/* Assumed contracts of the POSIX primitives (Frama-C's libc gives none):
 * 0 on success, -1 and errno on an error. */
/*@ assigns \result, __fc_errno;
    ensures \result == 0 || \result == -1;
*/
extern int fdatasync(int fd);
/*@ assigns \result, __fc_errno;
    ensures \result == 0 || \result == -1;
*/
extern int ftruncate(int fd, off_t length);
/*@ assigns \result, __fc_errno;
    ensures \result == 0 || \result == -1;
*/
extern int flock(int fd, int operation);
#endif

/*@ requires \valid(f);
    assigns __fc_errno;
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_IO;
*/
static int px_sync(cbolt_file *f)
{
    return fdatasync(f->fd) == 0 ? CBOLT_OK : CBOLT_ERR_IO;
}

/*@ requires \valid(f) && size <= INT64_MAX;
    assigns __fc_errno;
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_IO;
*/
static int px_truncate(cbolt_file *f, uint64_t size)
{
    return ftruncate(f->fd, (off_t)size) == 0 ? CBOLT_OK : CBOLT_ERR_IO;
}

static int px_lock(cbolt_file *f, int exclusive, unsigned timeout_ms)
{
    int op = exclusive ? LOCK_EX : LOCK_SH;
    struct timespec start, now, pause = {0, 50 * 1000 * 1000};
    if (timeout_ms == 0) {
        while (flock(f->fd, op) != 0)
            if (errno != EINTR)
                return CBOLT_ERR_IO;
        return CBOLT_OK;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        long long ms;
        if (flock(f->fd, op | LOCK_NB) == 0)
            return CBOLT_OK;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return CBOLT_ERR_IO;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (now.tv_sec - start.tv_sec) * 1000LL +
             (now.tv_nsec - start.tv_nsec) / 1000000LL;
        if (ms >= (long long)timeout_ms)
            return CBOLT_ERR_TIMEOUT;
        nanosleep(&pause, NULL);
    }
}

/*@ requires \valid(f);
    assigns __fc_errno;
    ensures \result == CBOLT_OK || \result == CBOLT_ERR_IO;
*/
static int px_unlock(cbolt_file *f)
{
    return flock(f->fd, LOCK_UN) == 0 ? CBOLT_OK : CBOLT_ERR_IO;
}

static int px_map(cbolt_file *f, size_t len, const uint8_t **addr)
{
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, 0);
    if (p == MAP_FAILED)
        return CBOLT_ERR_IO;
    *addr = p;
    return CBOLT_OK;
}

static int px_unmap(cbolt_file *f, const uint8_t *addr, size_t len)
{
    (void)f;
    return munmap((void *)addr, len) == 0 ? CBOLT_OK : CBOLT_ERR_IO;
}

static cbolt_vfs posix_vfs = {
    px_open, px_close, px_size, px_read, px_write, px_sync,
    px_truncate, px_lock, px_unlock, px_map, px_unmap,
};

cbolt_vfs *cbolt_posix_vfs(void)
{
    return &posix_vfs;
}
