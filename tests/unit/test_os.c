/* test_os.c - the os layer: POSIX and in-memory backends behave alike. */
#include <errno.h>
#include <unistd.h>

#include "cbolt.h"
#include "unit.h"

static char tmpl[64];

static void backend_basics(const char *unit_name, cbolt_vfs *vfs,
                           const char *path)
{
    cbolt_file *f;
    uint64_t size = 1;
    uint8_t buf[16];
    const uint8_t *map, *map2;
    CHECK_EQ(vfs->open(vfs, path, CBOLT_OPEN_READ_ONLY, 0600, &f),
             CBOLT_ERR_IO);
    CHECK_EQ(vfs->open(vfs, path, CBOLT_OPEN_CREATE, 0600, &f), CBOLT_OK);
    CHECK_EQ(vfs->size(f, &size), CBOLT_OK);
    CHECK_EQ(size, 0);
    CHECK_EQ(vfs->write(f, "hello", 5, 8192), CBOLT_OK);
    CHECK_EQ(vfs->size(f, &size), CBOLT_OK);
    CHECK_EQ(size, 8197);
    CHECK_EQ(vfs->read(f, buf, 5, 8192), CBOLT_OK);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(vfs->read(f, buf, 1, 100), CBOLT_OK);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(vfs->read(f, buf, 6, 8192), CBOLT_ERR_IO); /* past the end */
    CHECK_EQ(vfs->map(f, 8197, &map), CBOLT_OK);
    CHECK(memcmp(map + 8192, "hello", 5) == 0);
    /* writes through the vfs show in an existing mapping */
    CHECK_EQ(vfs->write(f, "J", 1, 8192), CBOLT_OK);
    CHECK_EQ(map[8192], 'J');
    /* growth: the old mapping stays readable, a new one sees all */
    CHECK_EQ(vfs->truncate(f, 1 << 20), CBOLT_OK);
    CHECK_EQ(vfs->write(f, "Z", 1, (1 << 20) - 1), CBOLT_OK);
    CHECK_EQ(vfs->map(f, 1 << 20, &map2), CBOLT_OK);
    CHECK_EQ(map2[(1 << 20) - 1], 'Z');
    CHECK_EQ(map[8192], 'J');
    CHECK_EQ(vfs->sync(f), CBOLT_OK);
    CHECK_EQ(vfs->unmap(f, map, 8197), CBOLT_OK);
    CHECK_EQ(vfs->unmap(f, map2, 1 << 20), CBOLT_OK);
    CHECK_EQ(vfs->truncate(f, 10), CBOLT_OK);
    CHECK_EQ(vfs->size(f, &size), CBOLT_OK);
    CHECK_EQ(size, 10);
    CHECK_EQ(vfs->close(f), CBOLT_OK);
}

static void backend_locks(const char *unit_name, cbolt_vfs *vfs,
                          const char *path)
{
    cbolt_file *a, *b;
    CHECK_EQ(vfs->open(vfs, path, CBOLT_OPEN_CREATE, 0600, &a), CBOLT_OK);
    CHECK_EQ(vfs->open(vfs, path, CBOLT_OPEN_CREATE, 0600, &b), CBOLT_OK);
    CHECK_EQ(vfs->lock(a, 0, 100), CBOLT_OK);
    CHECK_EQ(vfs->lock(b, 0, 100), CBOLT_OK);          /* shared + shared */
    CHECK_EQ(vfs->unlock(b), CBOLT_OK);
    CHECK_EQ(vfs->lock(b, 1, 120), CBOLT_ERR_TIMEOUT); /* shared blocks ex */
    CHECK_EQ(vfs->unlock(a), CBOLT_OK);
    CHECK_EQ(vfs->lock(b, 1, 100), CBOLT_OK);
    CHECK_EQ(vfs->lock(a, 0, 60), CBOLT_ERR_TIMEOUT);  /* ex blocks shared */
    CHECK_EQ(vfs->close(b), CBOLT_OK);                 /* close unlocks */
    CHECK_EQ(vfs->lock(a, 1, 100), CBOLT_OK);
    CHECK_EQ(vfs->close(a), CBOLT_OK);
}

TEST(posix_basics)
{
    backend_basics(unit_name, cbolt_posix_vfs(), tmpl);
    unlink(tmpl);
}

TEST(posix_locks)
{
    backend_locks(unit_name, cbolt_posix_vfs(), tmpl);
    unlink(tmpl);
}

TEST(mem_basics)
{
    cbolt_vfs *vfs = cbolt_memvfs_new();
    const uint8_t *data;
    size_t len;
    backend_basics(unit_name, vfs, "a.db");
    CHECK_EQ(cbolt_memvfs_get(vfs, "a.db", &data, &len), CBOLT_OK);
    CHECK_EQ(len, 10);
    CHECK_EQ(cbolt_memvfs_get(vfs, "b.db", &data, &len), CBOLT_NOTFOUND);
    CHECK_EQ(cbolt_memvfs_set(vfs, "b.db", "xyz", 3), CBOLT_OK);
    CHECK_EQ(cbolt_memvfs_get(vfs, "b.db", &data, &len), CBOLT_OK);
    CHECK(len == 3 && memcmp(data, "xyz", 3) == 0);
    cbolt_memvfs_free(vfs);
}

TEST(mem_locks)
{
    cbolt_vfs *vfs = cbolt_memvfs_new();
    backend_locks(unit_name, vfs, "l.db");
    cbolt_memvfs_free(vfs);
}

int main(void)
{
    int fd;
    unit_suite = "os";
    snprintf(tmpl, sizeof tmpl, "/tmp/cbolt-os-XXXXXX");
    fd = mkstemp(tmpl);
    close(fd);
    unlink(tmpl);
    RUN(posix_basics);
    RUN(posix_locks);
    RUN(mem_basics);
    RUN(mem_locks);
    return unit_total_failed ? 1 : 0;
}
