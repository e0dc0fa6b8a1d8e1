/* fuzz_sweep.c: arbitrary bytes as a sweep file.
 *
 * cp_sweep_load takes a path, so each input is written to sweep.ini in a
 * private temp folder (made once per process, removed at exit) and loaded
 * with a fixed base scenario (base.ini beside it, passed as base_path as a
 * plan folder does, so a `scenario = /dev/zero` in the input cannot make
 * the harness read files of the machine). Points are not checked at load
 * (a legitimately huge design would only measure the fuzzer's patience);
 * instead, for designs of at most FUZZ_SWEEP_POINTS points, every point's
 * config is built and its assignments and design.csv are printed to memory.
 * Properties: a sweep file is loaded or refused as CP_EINPUT with a message
 * (CP_ENOMEM only for a design too big for this process); a loaded sweep's
 * points are valid configs or CP_EINPUT, the same on every call, and valid
 * ones round-trip (fuzz.h); loading with every point checked succeeds
 * exactly when every point builds on its own.
 */
#include "fuzz.h"

#include "cpsim/output.h"
#include "cpsim/sweep.h"

#include <stdbool.h>
#include <unistd.h>

#define FUZZ_SWEEP_POINTS 64

static char dir[256];
static char sweep_path[300];
static char base_path[300];

static const char base_text[] = "[simulation]\n"
                                "years = 1\n"
                                "warmup_years = 0.25\n"
                                "replications = 3\n"
                                "seed = 7\n"
                                "[team]\n"
                                "social_workers = 5\n";

static void remove_dir(void) {
    unlink(sweep_path);
    unlink(base_path);
    rmdir(dir);
}

static void write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    FUZZ_EXPECT(f != NULL, "cannot write %s", path);
    FUZZ_EXPECT(size == 0 || fwrite(data, 1, size, f) == size, "cannot write %s", path);
    FUZZ_EXPECT(fclose(f) == 0, "cannot write %s", path);
}

static void setup_once(void) {
    if (dir[0])
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/cpsim-fuzz-sweep-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_EXPECT(mkdtemp(dir) != NULL, "cannot make a temp folder from %s", dir);
    snprintf(sweep_path, sizeof sweep_path, "%s/sweep.ini", dir);
    snprintf(base_path, sizeof base_path, "%s/base.ini", dir);
    write_file(base_path, base_text, sizeof base_text - 1);
    atexit(remove_dir);
}

int fuzz_sweep_one(const uint8_t *data, size_t size) {
    setup_once();
    write_file(sweep_path, data, size);
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(sweep_path, base_path, false, &err);
    if (!sw) {
        FUZZ_EXPECT(err.status == CP_EINPUT || err.status == CP_ENOMEM,
                    "status %d refusing a sweep file: %s", (int)err.status, err.message);
        FUZZ_EXPECT(err.message[0] != '\0', "a refused sweep file without a message");
        return 0;
    }
    size_t pairs = cp_sweep_pairs(sw);
    FUZZ_EXPECT(sw->point_count == 0 || pairs / sw->point_count == sw->replications,
                "pairs %zu for %zu points x %zu replications", pairs, sw->point_count,
                sw->replications);
    if (sw->point_count <= FUZZ_SWEEP_POINTS) {
        char assignment[512];
        bool all_points_ok = true;
        for (size_t point = 0; point < sw->point_count; point++) {
            cp_config cfg, again;
            cp_status st = cp_sweep_point_config(sw, point, &cfg, &err);
            FUZZ_EXPECT(st == CP_OK || st == CP_EINPUT, "status %d for point %zu: %s", (int)st,
                        point, err.message);
            if (st == CP_OK) {
                fuzz_check_config(&cfg);
                FUZZ_EXPECT(cp_sweep_point_config(sw, point, &again, &err) == CP_OK &&
                                memcmp(&cfg, &again, sizeof cfg) == 0,
                            "point %zu's config differs between two calls", point);
            } else {
                all_points_ok = false;
            }
            for (size_t j = 0; j < sw->param_count; j++)
                cp_sweep_assignment(sw, point, j, assignment, sizeof assignment);
        }
        /* Checking the points at load (as `cpsim plan` does) must agree with
         * building them one by one (as `cpsim sweep` does). */
        cp_sweep *checked = cp_sweep_load(sweep_path, base_path, true, &err);
        FUZZ_EXPECT((checked != NULL) == all_points_ok,
                    "loading with the points checked %s, but %s point failed: %s",
                    checked ? "succeeded" : "failed", all_points_ok ? "no" : "some",
                    checked ? "" : err.message);
        if (checked) {
            FUZZ_EXPECT(checked->point_count == sw->point_count,
                        "checked load has %zu points, unchecked %zu", checked->point_count,
                        sw->point_count);
            cp_sweep_destroy(checked);
        }
        cp_buf b;
        cp_buf_init(&b);
        cp_sweep_design_csv(sw, &b);
        FUZZ_EXPECT(!b.failed, "design.csv could not be built");
        cp_buf_fini(&b);
    }
    cp_sweep_destroy(sw);
    return 0;
}

#ifdef CPSIM_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_sweep_one(data, size);
}
#endif
