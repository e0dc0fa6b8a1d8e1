/* test_fuzz_regressions.c: replays every input the fuzzers were seeded with
 * or ever crashed on, through the same harness functions, in the normal
 * and sanitizer builds.
 *
 * Contract: tests/fuzz/regressions/<harness>/ holds each crashing input
 * libFuzzer found (kept after the fix, named after what it broke), and
 * tests/fuzz/corpus/<harness>/ the seeds. A harness that breaks one of its
 * properties abort()s (tests/fuzz/fuzz.h), so a regression fails this test
 * loudly, and under ASan/UBSan a bad access fails it too. This way a bug
 * the fuzzer found once stays fixed without anyone running the fuzzer.
 * Environment: CPSIM_FUZZ_CORPUS (a folder with one subfolder per harness,
 * e.g. build-fuzz/corpus) adds a grown corpus; CPSIM_FUZZ_VERBOSE names
 * every corpus file as it runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_DIR CPSIM_SOURCE_DIR "/tests/fuzz"

typedef int (*harness_fn)(const uint8_t *data, size_t size);

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs fn on every regular file of dir, in name order (so a failure is
 * reproducible); returns how many. A missing folder holds no inputs. */
static size_t replay_dir(const char *dir, harness_fn fn) {
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            names = realloc(names, capacity * sizeof *names);
            assert_non_null(names);
        }
        names[count] = strdup(e->d_name);
        assert_non_null(names[count]);
        count++;
    }
    closedir(d);
    if (count > 1) /* qsort(NULL, 0, ...) is undefined, and an empty folder has no array */
        qsort(names, count, sizeof *names, compare_names);
    size_t replayed = 0;
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        if (!f) { /* gone since the listing: a fuzzer still growing that corpus */
            print_message("  skipped %s: it vanished\n", path);
            free(names[i]);
            continue;
        }
        uint8_t *data = NULL;
        size_t size = 0, cap = 0;
        for (;;) {
            if (size == cap) {
                cap = cap ? 2 * cap : 4096;
                data = realloc(data, cap);
                assert_non_null(data);
            }
            size_t got = fread(data + size, 1, cap - size, f);
            if (got == 0)
                break;
            size += got;
        }
        fclose(f);
        /* Say which input runs, so an abort names it (quietly for a big
         * corpus: set CPSIM_FUZZ_VERBOSE to list every file). */
        if (getenv("CPSIM_FUZZ_VERBOSE") || !strstr(dir, "corpus"))
            print_message("  %s (%zu bytes)\n", path, size);
        fn(data, size);
        free(data);
        free(names[i]);
        replayed++;
    }
    free(names);
    return replayed;
}

static void replay(const char *harness, harness_fn fn) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/corpus/%s", FUZZ_DIR, harness);
    size_t seeds = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "%s/regressions/%s", FUZZ_DIR, harness);
    size_t regressions = replay_dir(dir, fn);
    /* CPSIM_FUZZ_CORPUS=build-fuzz/corpus replays what the fuzzers grew as
     * well: under valgrind that checks for uninitialised reads, which the
     * fuzzers' AddressSanitizer cannot see. */
    const char *extra = getenv("CPSIM_FUZZ_CORPUS");
    size_t grown = 0;
    if (extra && *extra) {
        snprintf(dir, sizeof dir, "%s/%s", extra, harness);
        grown = replay_dir(dir, fn);
    }
    print_message("  %s: %zu seeds, %zu regressions, %zu from CPSIM_FUZZ_CORPUS replayed\n",
                  harness, seeds, regressions, grown);
    assert_true(seeds > 0); /* an empty corpus means a wrong path, not a pass */
}

static void every_scenario_seed_and_regression_keeps_its_properties(void **state) {
    (void)state;
    replay("scenario", fuzz_scenario_one);
}

static void every_set_seed_and_regression_keeps_its_properties(void **state) {
    (void)state;
    replay("set", fuzz_set_one);
}

static void every_sweep_seed_and_regression_keeps_its_properties(void **state) {
    (void)state;
    replay("sweep", fuzz_sweep_one);
}

static void every_shard_seed_and_regression_keeps_its_properties(void **state) {
    (void)state;
    replay("shard", fuzz_shard_one);
}

static void the_harnesses_take_empty_and_tiny_inputs(void **state) {
    (void)state;
    static const uint8_t bytes[] = {0, '[', '\n', '=', 0xFF};
    for (size_t n = 0; n <= sizeof bytes; n++) {
        fuzz_scenario_one(bytes, n);
        fuzz_set_one(bytes, n);
        fuzz_sweep_one(bytes, n);
        fuzz_shard_one(bytes, n);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_scenario_seed_and_regression_keeps_its_properties),
        cmocka_unit_test(every_set_seed_and_regression_keeps_its_properties),
        cmocka_unit_test(every_sweep_seed_and_regression_keeps_its_properties),
        cmocka_unit_test(every_shard_seed_and_regression_keeps_its_properties),
        cmocka_unit_test(the_harnesses_take_empty_and_tiny_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
