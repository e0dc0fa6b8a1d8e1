/* fuzz_set.c: arbitrary bytes as `--set section.key=value` assignments.
 *
 * The input is split at newlines into at most FUZZ_SET_MAX assignments
 * (each cut at its first NUL, as a C string from argv would be). Each is
 * applied in turn with cp_scenario_apply to a defaults config, the way
 * sweeps and the live page change one key. Properties, beyond fuzz.h's:
 * - a failed apply leaves the config exactly as it was (its contract);
 * - when every apply succeeded, loading the defaults with the same
 *   assignments as --set gives the identical config: the two entry points
 *   for --set may not disagree.
 */
#include "fuzz.h"

/* More assignments than a command line would carry add nothing but time. */
#define FUZZ_SET_MAX 32

int fuzz_set_one(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    FUZZ_EXPECT(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *sets[FUZZ_SET_MAX];
    size_t count = 0;
    for (char *p = copy; count < FUZZ_SET_MAX && p <= copy + size;) {
        char *newline = memchr(p, '\n', (size_t)(copy + size - p));
        if (newline)
            *newline = '\0';
        sets[count++] = p;
        if (!newline)
            break;
        p = newline + 1;
    }

    cp_config cfg, before;
    cp_config_defaults(&cfg);
    bool all_ok = true;
    for (size_t i = 0; i < count; i++) {
        cp_diagnostics diags;
        cp_diagnostics_init(&diags);
        memcpy(&before, &cfg, sizeof before);
        cp_status st = cp_scenario_apply(&cfg, sets[i], &diags);
        FUZZ_EXPECT(st == CP_OK || st == CP_EINPUT, "status %d applying \"%s\"", (int)st, sets[i]);
        FUZZ_EXPECT((st == CP_OK) == (diags.count == 0), "status %d with %zu diagnostics", (int)st,
                    diags.count);
        fuzz_check_diagnostics(&diags);
        if (st != CP_OK) {
            FUZZ_EXPECT(memcmp(&before, &cfg, sizeof cfg) == 0,
                        "a failed apply of \"%s\" changed the config", sets[i]);
            all_ok = false;
        }
        cp_diagnostics_fini(&diags);
    }

    cp_config loaded;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load_buffer(NULL, NULL, 0, sets, count, &loaded, &diags);
    FUZZ_EXPECT(st == CP_OK || st == CP_EINPUT, "status %d loading with --set", (int)st);
    fuzz_check_diagnostics(&diags);
    if (all_ok) {
        FUZZ_EXPECT(st == CP_OK, "each assignment applied alone, but --set refused them");
        FUZZ_EXPECT(memcmp(&loaded, &cfg, sizeof cfg) == 0,
                    "--set and one apply after another give different configs");
        fuzz_check_config(&cfg);
    }
    cp_diagnostics_fini(&diags);
    free(copy);
    return 0;
}

#ifdef CPSIM_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_set_one(data, size);
}
#endif
