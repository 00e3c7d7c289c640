/*
 * replay_main.c: runs a fuzz target's LLVMFuzzerTestOneInput once on every
 * file named on the command line, or on every regular file in a directory
 * named there (not recursively), so that `make test` can replay a corpus
 * with gcc and the sanitizers but without libFuzzer.  Each input is given
 * in a heap buffer of its exact size, as libFuzzer does, so a read past
 * the end is caught.  It does no fuzzing and prints one line at the end,
 * or, when an input crashes (a trap, or a sanitizer report), its name.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define HAVE_DEATH_CALLBACK 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* The input being run, for the crash report. */
static const char *current;
static size_t current_len;

static void report_current(void)
{
    static const char msg[] = "replay: crashed on input ";

    if (current != NULL) {
        ssize_t ignored = write(2, msg, sizeof(msg) - 1);

        ignored = write(2, current, current_len);
        ignored = write(2, "\n", 1);
        (void)ignored;
    }
}

/* __builtin_trap (SIGILL) and plain crashes; then the default action. */
static void on_signal(int sig)
{
    report_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads a whole file into an exact-size buffer and runs it; -1 on error. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    uint8_t *buf;
    size_t size;

    if (f == NULL || fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    size = (size_t)sb.st_size;
    buf = malloc(size ? size : 1);
    if (buf == NULL || fread(buf, 1, size, f) != size) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    current = path;
    current_len = strlen(path);
    LLVMFuzzerTestOneInput(buf, size);
    current = NULL;
    free(buf);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order so runs are reproducible. */
static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **grown;

            cap = cap ? 2 * cap : 64;
            grown = realloc(names, cap * sizeof(*names));
            if (grown == NULL) {
                rc = -1;
                break;
            }
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 0) {
        qsort(names, n, sizeof(*names), compare_names);
    }
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat sb;

        if (rc == 0 &&
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) <
                sizeof(path) &&
            stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (run_file(path) != 0) {
                rc = -1;
            }
            else {
                (*count)++;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;

    signal(SIGILL, on_signal);
    signal(SIGFPE, on_signal);
    signal(SIGBUS, on_signal);
#ifdef HAVE_DEATH_CALLBACK
    __sanitizer_set_death_callback(report_current);
#else
    signal(SIGSEGV, on_signal);
    signal(SIGABRT, on_signal);
#endif
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat sb;

        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(sb.st_mode) ? run_dir(argv[i], &count) != 0
                                : run_file(argv[i]) != 0) {
            return 1;
        }
        if (!S_ISDIR(sb.st_mode)) {
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "%s: no inputs\n", base_name(argv[0]));
        return 1;
    }
    printf("fuzz-replay %s: %zu inputs, ok\n", base_name(argv[0]), count);
    return 0;
}
