/* fuzz.h: what the libFuzzer harnesses in tests/fuzz share, and their entry
 * points for the cmocka replay test.
 *
 * Contract
 * - Each harness is one function, fuzz_<name>_one(data, size), that feeds
 *   arbitrary bytes to one parser and checks properties that must hold for
 *   every input, not just "does not crash": a status is always CP_OK or
 *   CP_EINPUT (a hostile text is bad input, never an internal error); an
 *   error always comes with a message; a config that loads prints back
 *   (cp_scenario_to_ini) to a text that loads to the identical bytes; the
 *   memory estimate of a valid config is a number, so the up-front memory
 *   check can never be skipped by a NaN.
 * - A broken property is reported on stderr and abort()s, which libFuzzer
 *   records as a crash with the input that caused it, and which fails the
 *   replay test (tests/unit/test_fuzz_regressions.c) loudly.
 * - With CPSIM_FUZZ_MAIN defined (the fuzz build) each harness file also
 *   defines LLVMFuzzerTestOneInput; without it the three files link into one
 *   test program.
 * Harnesses allocate only per call and free everything before returning,
 * so LeakSanitizer in the fuzzer sees every leak on the input that made it.
 */
#ifndef CPSIM_TESTS_FUZZ_H
#define CPSIM_TESTS_FUZZ_H

#include "cpsim/config.h"
#include "cpsim/memcheck.h"
#include "cpsim/model.h"
#include "cpsim/scenario.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_scenario_one(const uint8_t *data, size_t size);
int fuzz_set_one(const uint8_t *data, size_t size);
int fuzz_sweep_one(const uint8_t *data, size_t size);
int fuzz_shard_one(const uint8_t *data, size_t size);

/* A property that must hold for every input; abort() so the fuzzer keeps
 * the input. */
#define FUZZ_EXPECT(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz property broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Formats every diagnostic (exercising the formatter on hostile names) and
 * checks each names a file. */
static inline void fuzz_check_diagnostics(const cp_diagnostics *diags) {
    char line[1200];
    for (size_t i = 0; i < diags->count; i++) {
        const cp_diagnostic *d = &diags->items[i];
        FUZZ_EXPECT(d->file[0] != '\0', "diagnostic %zu has no file name", i);
        FUZZ_EXPECT(d->message[0] != '\0', "diagnostic %zu has no message", i);
        FUZZ_EXPECT(d->line >= 0, "diagnostic %zu has line %d", i, d->line);
        cp_diagnostic_format(d, line, sizeof line);
    }
}

/* The properties of a config that loaded: it round-trips through its
 * normalised text exactly, and its memory estimate is a usable number. */
static inline void fuzz_check_config(const cp_config *cfg) {
    char *text = cp_scenario_to_ini(cfg);
    FUZZ_EXPECT(text != NULL, "cp_scenario_to_ini returned NULL");
    cp_config again;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st =
        cp_scenario_load_buffer("round-trip.ini", text, strlen(text), NULL, 0, &again, &diags);
    if (st != CP_OK) {
        char line[1200];
        for (size_t i = 0; i < diags.count; i++) {
            cp_diagnostic_format(&diags.items[i], line, sizeof line);
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "--- normalised text ---\n%s\n", text);
    }
    FUZZ_EXPECT(st == CP_OK, "the normalised text of a valid config does not load (status %d)",
                (int)st);
    FUZZ_EXPECT(memcmp(&again, cfg, sizeof again) == 0,
                "the normalised text loads to a different config");
    cp_diagnostics_fini(&diags);
    free(text);

    double model = cp_model_memory_estimate(cfg);
    FUZZ_EXPECT(!isnan(model) && model > 0, "model memory estimate %g", model);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, cfg);
    double need = cp_experiment_memory_estimate(cfg, &opt);
    FUZZ_EXPECT(!isnan(need) && need >= model, "experiment memory estimate %g (model %g)", need,
                model);
}

#endif
