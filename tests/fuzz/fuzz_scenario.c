/* fuzz_scenario.c: arbitrary bytes as a scenario file.
 *
 * Drives cp_scenario_load_buffer, the one path every scenario text takes
 * (cp_scenario_load reads a file and calls it), so whatever the fuzzer
 * finds here is reachable from `cpsim run FILE`. Properties checked beyond
 * "no crash, no leak, no undefined behaviour": see fuzz.h.
 */
#include "fuzz.h"

int fuzz_scenario_one(const uint8_t *data, size_t size) {
    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st =
        cp_scenario_load_buffer("fuzz.ini", (const char *)data, size, NULL, 0, &cfg, &diags);
    FUZZ_EXPECT(st == CP_OK || st == CP_EINPUT, "status %d for a scenario text", (int)st);
    FUZZ_EXPECT((st == CP_OK) == (diags.count == 0), "status %d with %zu diagnostics", (int)st,
                diags.count);
    fuzz_check_diagnostics(&diags);
    if (st == CP_OK)
        fuzz_check_config(&cfg);
    cp_diagnostics_fini(&diags);
    return 0;
}

#ifdef CPSIM_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_scenario_one(data, size);
}
#endif
