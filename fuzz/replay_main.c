/*
 * replay_main.c - runs inputs through a harness's LLVMFuzzerTestOneInput
 * without a fuzzer: every regular file named on the command line, and
 * every regular file inside each directory named (not recursive; sorted).
 * Prints "<N> inputs" at the end. A failing input aborts (the harness
 * prints what differed); run with -v to have each file's name printed
 * on stderr before it runs, so the last one named is the culprit.
 * With -k (keep going) each input runs in a child process: a failure is
 * reported as "FAILED <file>" on stdout and the others still run; the
 * last line is then "<N> inputs, <K> failed" and the exit status 1 when
 * K > 0.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int verbose, keep_going;
static unsigned long count, failed;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, r;
    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (n == cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (!nb) {
                fclose(f);
                free(buf);
                return -1;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    if (verbose)
        fprintf(stderr, "replay: %s\n", path);
    count++;
    if (keep_going) {
        pid_t pid;
        int status = 0;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid == 0) {
            LLVMFuzzerTestOneInput(buf, n);
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("FAILED %s\n", path);
            fflush(stdout);
            failed++;
        }
    } else {
        LLVMFuzzerTestOneInput(buf, n);
    }
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    if (!d) {
        perror(dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn;
            cap = cap ? cap * 2 : 64;
            nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                return -1;
            names = nn;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n])
            return -1;
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
            run_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int i, rc = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "-k") == 0) {
            keep_going = 1;
            continue;
        }
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i]) != 0)
                rc = 1;
        } else if (run_file(argv[i]) != 0) {
            rc = 1;
        }
    }
    if (keep_going) {
        printf("%lu inputs, %lu failed\n", count, failed);
        return rc || failed ? 1 : 0;
    }
    printf("%lu inputs\n", count);
    return rc;
}
