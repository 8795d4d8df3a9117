/*
 * toybolt.c - a tiny stand-in for `cbolt check|dump`, used only to test the
 * corruption driver (tests/corrupt/corrupt.c) before cbolt exists.
 *
 * Built normally it is a defensive reader: every offset is range-checked,
 * pages are visited once, and problems are reported (check: exit 1, one
 * line each; dump: exit 1 with a message on stderr; both: exit 2 when the
 * file cannot be opened). Built with -DNAIVE the checks are compiled out,
 * so corrupted inputs make it read out of bounds, recurse without end or
 * loop on page cycles -- which the driver must report as failures when the
 * binary is built with -fsanitize=address,undefined.
 *
 *   cc -std=c11 -g -fsanitize=address,undefined -o toybolt toybolt.c
 *   cc -std=c11 -g -fsanitize=address,undefined -DNAIVE -o toybolt-naive toybolt.c
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef NAIVE
#define GUARD(cond) (0 && (cond))
#else
#define GUARD(cond) (cond)
#endif

static uint8_t *D;
static size_t N;
static uint32_t PS;
static uint64_t HWM, FREELIST;
static uint8_t *seen;
static int problems, dumping;

static uint16_t u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(dumping ? stderr : stdout, fmt, ap);
    va_end(ap);
    fputc('\n', dumping ? stderr : stdout);
    problems++;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int meta_ok(uint64_t off)
{
    if (GUARD(off + 80 > N)) return 0;
    const uint8_t *m = D + off;
    return u32(m + 16) == 0xED0CDAED && u32(m + 20) == 2 && u64(m + 72) == fnv(m + 16, 56);
}

static void walk(uint64_t id, int depth);

/* a node image at p with `avail` bytes; pgid for messages */
static void node(const uint8_t *p, uint64_t avail, uint64_t pgid, int depth)
{
    if (GUARD(avail < 16)) {
        problem("page %" PRIu64 ": truncated node", pgid);
        return;
    }
    uint16_t flags = u16(p + 8), count = u16(p + 10);
    if (GUARD(16 + (uint64_t)count * 16 > avail)) {
        problem("page %" PRIu64 ": count %u does not fit", pgid, count);
        return;
    }
    const uint8_t *prev = NULL;
    uint32_t prevlen = 0;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = p + 16 + 16 * i;
        uint64_t eo = (uint64_t)(e - p);
        if (flags & 0x01) {
            uint32_t pos = u32(e), ks = u32(e + 4);
            if (GUARD(eo + pos + ks > avail)) {
                problem("page %" PRIu64 ": branch element %u out of bounds", pgid, i);
                return;
            }
            const uint8_t *k = e + pos;
            if (prev && GUARD(memcmp(prev, k, prevlen < ks ? prevlen : ks) > 0)) problem("page %" PRIu64 ": unsorted", pgid);
            prev = k;
            prevlen = ks;
            walk(u64(e + 8), depth + 1);
        } else if (flags & 0x02) {
            uint32_t fl = u32(e), pos = u32(e + 4), ks = u32(e + 8), vs = u32(e + 12);
            if (GUARD(eo + pos + ks + vs > avail)) {
                problem("page %" PRIu64 ": leaf element %u out of bounds", pgid, i);
                return;
            }
            const uint8_t *k = e + pos, *v = k + ks;
            if (dumping) {
                for (uint32_t j = 0; j < ks && j < 32; j++) printf("%02x", k[j]);
                printf(" %u\n", vs);
            }
            if (fl & 1) {
                if (GUARD(vs < 16)) {
                    problem("page %" PRIu64 ": bucket value too short", pgid);
                    continue;
                }
                uint64_t root = u64(v);
                if (root == 0)
                    node(v + 16, vs - 16, pgid, depth + 1);
                else
                    walk(root, depth + 1);
            }
        } else {
            problem("page %" PRIu64 ": invalid page type 0x%x", pgid, flags);
            return;
        }
    }
}

static void walk(uint64_t id, int depth)
{
    if (GUARD(depth > 64)) {
        problem("page %" PRIu64 ": tree too deep", id);
        return;
    }
    if (GUARD(id < 2 || id >= HWM)) {
        problem("page %" PRIu64 ": out of range", id);
        return;
    }
    if (GUARD((id + 1) * PS > N)) {
        problem("page %" PRIu64 ": beyond end of file", id);
        return;
    }
    if (GUARD(seen[id])) {
        problem("page %" PRIu64 ": referenced twice", id);
        return;
    }
#ifndef NAIVE
    seen[id] = 1;
#endif
    const uint8_t *p = D + id * PS;
    uint64_t span = ((uint64_t)u32(p + 12) + 1) * PS;
    if (GUARD(id * PS + span > N || u32(p + 12) >= HWM)) {
        problem("page %" PRIu64 ": overflow beyond end of file", id);
        return;
    }
    if (GUARD(!(u16(p + 8) & 0x03))) {
        problem("page %" PRIu64 ": invalid page type 0x%x", id, u16(p + 8));
        return;
    }
    node(p, span, id, depth);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: toybolt check|dump FILE\n");
        return 2;
    }
    dumping = !strcmp(argv[1], "dump");
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    N = sz > 0 ? (size_t)sz : 0;
    D = malloc(N ? N : 1);
    if (N && fread(D, 1, N, f) != N) {
        fclose(f);
        return 2;
    }
    fclose(f);
    PS = 0;
    if (meta_ok(0)) PS = u32(D + 24);
    for (uint32_t p = 512; !PS && p <= 65536; p <<= 1)
        if (N >= p && meta_ok(p) && u32(D + p + 24) == p) PS = p;
    if (GUARD(PS < 512 || PS > 65536 || (PS & (PS - 1)))) {
        fprintf(stderr, "%s: invalid database (no valid meta page)\n", argv[2]);
        free(D);
        return 2;
    }
    int m0 = meta_ok(0), m1 = meta_ok(PS);
    int cur = m0 && m1 ? (u64(D + PS + 64) > u64(D + 64)) : m1;
    if (!m0 && !m1) {
        fprintf(stderr, "%s: invalid database (no valid meta page)\n", argv[2]);
        free(D);
        return 2;
    }
    const uint8_t *m = D + (uint64_t)cur * PS;
    uint64_t root = u64(m + 32);
    FREELIST = u64(m + 48);
    HWM = u64(m + 56);
    if (GUARD(HWM > N / PS || HWM < 2)) {
        problem("meta: pgid %" PRIu64 " beyond end of file", HWM);
        HWM = N / PS;
    }
    seen = calloc(HWM ? HWM : 1, 1);
    walk(root, 0);
    if (FREELIST != UINT64_MAX) {
        if (GUARD(FREELIST < 2 || FREELIST >= HWM)) {
            problem("freelist page %" PRIu64 " out of range", FREELIST);
        } else {
            const uint8_t *p = D + FREELIST * PS;
            uint64_t cnt = u16(p + 10), off = 16;
            if (cnt == 0xFFFF) {
                cnt = u64(p + 16);
                off = 24;
            }
            uint64_t span = ((uint64_t)u32(p + 12) + 1) * PS;
            if (GUARD(!(u16(p + 8) & 0x10)))
                problem("freelist page %" PRIu64 ": bad type", FREELIST);
            else if (GUARD(FREELIST * PS + span > N || cnt > (span - off) / 8))
                problem("freelist page %" PRIu64 ": count %" PRIu64 " does not fit", FREELIST, cnt);
            else
                for (uint64_t i = 0; i < cnt; i++) {
                    uint64_t id = u64(p + off + 8 * i);
                    if (GUARD(id < 2 || id >= HWM))
                        problem("freelist: id %" PRIu64 " out of range", id);
                    else if (seen[id])
                        problem("freelist: page %" PRIu64 " is free and in use", id);
                }
        }
    }
    free(seen);
    free(D);
    if (problems && dumping) fprintf(stderr, "%s: %d problems\n", argv[2], problems);
    return problems ? 1 : 0;
}
