/*
 * replay.c: the fuzz targets without libFuzzer, for `make test-fuzz` (part of `make test`). Each
 * tests/fuzz/fuzz_NAME.c is compiled with the sanitizer build's flags and its LLVMFuzzerTestOneInput renamed
 * fuzz_NAME_one, and linked here with the sanitizer build's objects; this program runs every input of the
 * corpora it is given once, as libFuzzer would, in one process: the demo world of the targets that send
 * requests (fuzz_world.c) is made once for all of them. A crash or a sanitizer report ends it as it would end
 * the fuzzer. So the targets are compiled against the code of the day, with the project's warnings, and what
 * they were fed keeps passing, on every test.
 *     build/asan/fuzz-replay NAME=DIR ...
 */
#include "fuzz_world.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_jsonv_one(const uint8_t *data, size_t size);
int fuzz_router_one(const uint8_t *data, size_t size);
int fuzz_multipart_one(const uint8_t *data, size_t size);
int fuzz_import_one(const uint8_t *data, size_t size);
int fuzz_calendar_one(const uint8_t *data, size_t size);
int fuzz_form_one(const uint8_t *data, size_t size);

/* every target of FUZZ_TARGETS (Makefile): one named there and not here fails the run */
static const struct target {
    const char *name;
    int (*one)(const uint8_t *data, size_t size);
    bool world; /* it sends requests to the demo world */
} targets[] = {
    {"jsonv", fuzz_jsonv_one, false},  {"router", fuzz_router_one, true},     {"multipart", fuzz_multipart_one, true},
    {"import", fuzz_import_one, true}, {"calendar", fuzz_calendar_one, true}, {"form", fuzz_form_one, false},
};

/* Runs one input file; false when it cannot be read. */
static bool run_file(const struct target *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return false;
    }
    size_t cap = 4096, n = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap)
            data = realloc(data, cap *= 2);
    fclose(f);
    if (!data)
        return false;
    /* an exact copy, so that ASan sees a read past the input's end */
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, data, n);
    free(data);
    t->one(exact, n);
    free(exact);
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every file of dir (in name order); the number run, -1 when one cannot be read. */
static int run_dir(const struct target *t, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, sizeof *names * (nn + 1));
        if (!names || asprintf(&names[nn++], "%s/%s", dir, e->d_name) < 0)
            abort();
    }
    closedir(d);
    qsort(names, nn, sizeof *names, by_name);
    int run = 0;
    for (size_t k = 0; k < nn; k++) {
        if (run >= 0)
            run = run_file(t, names[k]) ? run + 1 : -1;
        free(names[k]);
    }
    free(names);
    return run;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        const struct target *t = NULL;
        for (size_t k = 0; eq && k < sizeof targets / sizeof *targets; k++)
            if (strlen(targets[k].name) == (size_t)(eq - argv[i]) && !strncmp(targets[k].name, argv[i], eq - argv[i]))
                t = &targets[k];
        if (!t) {
            fprintf(stderr, "fuzz-replay: %s: not NAME=DIR of a target of tests/fuzz/replay.c\n", argv[i]);
            return 2;
        }
        if (t->world)
            fuzz_world();
        int run = run_dir(t, eq + 1);
        printf("== fuzz corpus %s: %d inputs\n", t->name, run);
        fflush(stdout); /* before the next world's `ducha demo` points stdout elsewhere for a while */
        if (run <= 0)   /* an empty corpus would prove nothing */
            return 1;
    }
    return 0;
}
