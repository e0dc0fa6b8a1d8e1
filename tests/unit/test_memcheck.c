/* test_memcheck.c: the up-front memory check (sim/experiment/memcheck.c).
 *
 * The decision is tested against a pretend machine (cp_memory_check takes
 * the physical size), so the tests mean the same on a laptop and on a
 * cluster node; the absurd scenarios are tested against this machine with
 * sizes no machine has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/memcheck.h"
#include "cpsim/scenario.h"
#include "cpsim/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

static void load(cp_config *cfg, const char *const *sets, size_t count) {
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load(NULL, sets, count, cfg, &diags);
    if (st != CP_OK)
        fail_msg("%s", diags.count ? diags.items[0].message : "load failed");
    cp_diagnostics_fini(&diags);
}

static void sizes_are_written_for_people(void **state) {
    (void)state;
    char buf[64];
    cp_memory_format(512, buf, sizeof buf);
    assert_string_equal(buf, "512 B");
    cp_memory_format(2.7 * 1024, buf, sizeof buf);
    assert_string_equal(buf, "2.7 KiB");
    cp_memory_format(38.2 * GIB, buf, sizeof buf);
    assert_string_equal(buf, "38 GiB");
    cp_memory_format(1536.0 * 1024 * 1024, buf, sizeof buf);
    assert_string_equal(buf, "1.5 GiB");
    cp_memory_format(1e30, buf, sizeof buf);
    assert_non_null(strstr(buf, "EiB"));
    cp_memory_format(NAN, buf, sizeof buf);
    assert_string_equal(buf, "an unknown amount");
}

static void a_run_within_eighty_percent_of_memory_is_allowed(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_memory_check(0.79 * 16 * GIB, 16 * GIB, NULL, &err), CP_OK);
    assert_int_equal(cp_memory_check(0.80 * 16 * GIB, 16 * GIB, NULL, &err), CP_OK);
}

static void a_run_above_eighty_percent_is_refused_with_the_estimate(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_memory_check(38.0 * GIB, 23.0 * GIB, "2 threads x 1 GiB", &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "this run would need about 38 GiB of memory "
                                        "(2 threads x 1 GiB); this machine has 23 GiB"));
    assert_int_equal(cp_status_exit_code(err.status), 2);
    assert_int_equal(cp_memory_check(0.81 * 16 * GIB, 16 * GIB, NULL, &err), CP_EINPUT);
}

static void a_nan_or_infinite_estimate_is_refused_not_waved_through(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_memory_check(NAN, 16 * GIB, NULL, &err), CP_EINPUT);
    assert_int_equal(cp_memory_check(INFINITY, 16 * GIB, NULL, &err), CP_EINPUT);
}

static void unknown_physical_memory_lets_the_allocator_decide(void **state) {
    (void)state;
    assert_int_equal(cp_memory_check(1e30, 0.0, NULL, NULL), CP_OK);
}

static void the_estimate_counts_threads_replications_and_series(void **state) {
    (void)state;
    cp_config cfg;
    load(&cfg, NULL, 0);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.replications = 100;
    double one = cp_experiment_memory_estimate(&cfg, &opt);
    double model = cp_model_memory_estimate(&cfg);
    assert_true(one > model);
    opt.threads = 4;
    double four = cp_experiment_memory_estimate(&cfg, &opt);
    assert_true(fabs(four - one - 3 * model) < 1e-6 * four);
    /* No more threads hold a model than there are replications. */
    opt.replications = 2;
    double two_reps = cp_experiment_memory_estimate(&cfg, &opt);
    opt.threads = 2;
    assert_true(cp_experiment_memory_estimate(&cfg, &opt) == two_reps);
    /* A series row costs CP_SERIES_COUNT doubles per replication. */
    opt.threads = 1;
    opt.replications = 1000;
    double with_series = cp_experiment_memory_estimate(&cfg, &opt);
    opt.skip_series = true;
    double without = cp_experiment_memory_estimate(&cfg, &opt);
    double rows = (double)cp_series_rows(&cfg);
    assert_true(with_series - without >= 1000.0 * rows * CP_SERIES_COUNT * sizeof(double));
    /* Under precision stopping the arrays are sized for the cap. */
    opt.skip_series = false;
    opt.precision = 0.05;
    opt.max_replications = 5000;
    assert_true(cp_experiment_memory_estimate(&cfg, &opt) > with_series);
}

static void the_default_scenario_fits_this_machine(void **state) {
    (void)state;
    cp_config cfg;
    load(&cfg, NULL, 0);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.threads = 2;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_experiment_check_memory(&cfg, &opt, &err), CP_OK);
}

static void a_million_replications_of_a_daily_200_year_series_is_refused(void **state) {
    (void)state;
    if (cp_physical_memory_bytes() <= 0)
        skip();
    const char *sets[] = {"simulation.years=200", "simulation.timeseries_interval_days=1",
                          "simulation.replications=1000000"};
    cp_config cfg;
    load(&cfg, sets, 3);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    cp_error err;
    cp_error_clear(&err);
    /* 73,000 rows x 13 measures x 8 bytes x 10^6: about 7 TiB. */
    assert_int_equal(cp_experiment_check_memory(&cfg, &opt, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "this run would need about "));
    assert_non_null(strstr(err.message, "1000000 replications x "));
    assert_non_null(strstr(err.message, "; this machine has "));
    print_message("  %s\n", err.message);
}

static void a_huge_team_with_huge_demand_is_refused(void **state) {
    (void)state;
    if (cp_physical_memory_bytes() <= 0)
        skip();
    /* The largest team and demand the schema allows, with 64 threads. */
    const char *sets[] = {"team.social_workers=1000000", "caseload.cap_cases=500",
                          "demand.referrals_per_week=100000", "simulation.years=200"};
    cp_config cfg;
    load(&cfg, sets, 4);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.threads = 64;
    opt.replications = 64;
    opt.skip_series = true;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_experiment_check_memory(&cfg, &opt, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "64 threads x "));
    print_message("  %s\n", err.message);
}

static void a_comparison_counts_every_scenario_but_one_model(void **state) {
    (void)state;
    if (cp_physical_memory_bytes() <= 0)
        skip();
    cp_config cfgs[2];
    load(&cfgs[0], NULL, 0);
    const char *huge[] = {"team.social_workers=1000000", "caseload.cap_cases=500",
                          "demand.referrals_per_week=100000", "simulation.years=200"};
    load(&cfgs[1], huge, 4);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfgs[0]);
    opt.replications = 100;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_comparison_check_memory(cfgs, 1, &opt, &err), CP_OK);
    opt.threads = 64;
    assert_int_equal(cp_comparison_check_memory(cfgs, 2, &opt, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "largest scenario's model"));
    assert_non_null(strstr(err.message, "2 scenarios x 100 replications"));
    print_message("  %s\n", err.message);
}

static void a_small_sweep_fits_this_machine(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw =
        cp_sweep_load(CPSIM_SOURCE_DIR "/tests/fixtures/sweep/small-lhs.ini", NULL, false, &err);
    if (!sw)
        fail_msg("%s", err.message);
    assert_int_equal(cp_sweep_check_memory(sw, 0, cp_sweep_pairs(sw), 2, &err), CP_OK);
    assert_int_equal(cp_sweep_check_memory(sw, 5, 5, 2, &err), CP_OK); /* an empty range */
    cp_sweep_destroy(sw);
}

static void a_sweep_whose_largest_point_cannot_fit_is_refused(void **state) {
    (void)state;
    if (cp_physical_memory_bytes() <= 0)
        skip();
    /* The base is small; the points reach the largest team the schema
     * allows: the check must look at the points, not just the base. */
    char dir[] = "/tmp/cpsim-memcheck-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char base[128], sweep[128];
    snprintf(base, sizeof base, "%s/base.ini", dir);
    snprintf(sweep, sizeof sweep, "%s/sweep.ini", dir);
    FILE *f = fopen(base, "w");
    assert_non_null(f);
    fputs("[simulation]\nyears = 200\n[caseload]\ncap_cases = 500\n[demand]\n"
          "referrals_per_week = 10000\n",
          f);
    fclose(f);
    f = fopen(sweep, "w");
    assert_non_null(f);
    fputs("[sweep]\nscenario = base.ini\ndesign = grid\nreplications = 64\n"
          "[param.workers]\nkey = team.social_workers\nvalues = 10, 1000000\n",
          f);
    fclose(f);
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(sweep, NULL, false, &err);
    unlink(base);
    unlink(sweep);
    rmdir(dir);
    if (!sw)
        fail_msg("%s", err.message);
    assert_int_equal(cp_sweep_check_memory(sw, 0, cp_sweep_pairs(sw), 64, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "64 threads x "));
    assert_non_null(strstr(err.message, "largest point's model"));
    print_message("  %s\n", err.message);
    /* The small point alone fits. */
    assert_int_equal(cp_sweep_check_memory(sw, 0, 1, 1, &err), CP_OK);
    cp_sweep_destroy(sw);
}

/* The design's estimate, by hand: 2 arrays of rows x k doubles, and 4 x
 * the text (built and read back, each in a doubling buffer) of rows of a
 * 10-byte id and k 25-byte fields. */
static void a_design_estimate_counts_its_arrays_and_design_csv_twice(void **state) {
    (void)state;
    assert_true(cp_sweep_design_memory_estimate(1, 1) == 16.0 + 4.0 * 35.0);
    double ten_million = cp_sweep_design_memory_estimate(10000000, 40);
    assert_true(ten_million == 2.0 * 8.0 * 4e8 + 4.0 * 1e7 * (10.0 + 40.0 * 25.0));
    /* Doubles, not size_t: the largest design there can be does not wrap. */
    assert_true(cp_sweep_design_memory_estimate(SIZE_MAX, 1000) > 1e20);
}

static void a_design_that_cannot_fit_is_refused_with_its_size_and_need(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    /* About 44 GiB on a pretend 16 GiB machine. */
    assert_int_equal(cp_sweep_design_check_memory("lhs", 10000000, 40, 16 * GIB, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "a lhs design of 10000000 points x 40 parameters would "
                                        "need about 44 GiB of memory ("));
    assert_non_null(strstr(err.message, "; this machine has 16 GiB"));
    assert_non_null(strstr(err.message, "use fewer points"));
    assert_int_equal(cp_status_exit_code(err.status), 2);
    /* The same design fits a 64 GiB machine (44 <= 0.8 x 64); a small one
     * fits the small machine; an unknown machine lets the allocator decide. */
    assert_int_equal(cp_sweep_design_check_memory("lhs", 10000000, 40, 64 * GIB, &err), CP_OK);
    assert_int_equal(cp_sweep_design_check_memory("grid", 1000, 3, 16 * GIB, &err), CP_OK);
    assert_int_equal(cp_sweep_design_check_memory("lhs", 10000000, 40, 0.0, &err), CP_OK);
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_design_check_memory("grid", 1, 1, 0.8 * 156.0 - 1.0, &err),
                     CP_EINPUT);
    assert_non_null(strstr(err.message, "a grid design of 1 points x 1 parameter would"));
}

/* Through the sweep file: every real key of the schema (131 of them, each
 * over a sliver of its default) at ten million points needs about 142 GiB.
 * Refused before anything is allocated, naming the file, the `points` line
 * and the design's size; skipped on a machine big enough to hold it. */
static void a_sweep_file_asking_for_an_absurd_design_is_refused_by_name(void **state) {
    (void)state;
    char dir[] = "/tmp/cpsim-memcheck-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sweep[128];
    snprintf(sweep, sizeof sweep, "%s/sweep.ini", dir);
    FILE *f = fopen(sweep, "w");
    assert_non_null(f);
    fprintf(f,
            "[sweep]\nscenario = %s/tests/fixtures/sweep/base-short.ini\ndesign = lhs\n"
            "points = 10000000\nreplications = 1\n",
            CPSIM_SOURCE_DIR);
    size_t k = 0;
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        /* simulation.* are the sweep's own or change every run's length;
         * a caseload target must be 0 or at least 1. */
        if (e->type != CP_TYPE_REAL || cp_schema_is_shock(e) ||
            strcmp(e->section, "simulation") == 0 || strcmp(e->key, "caseload_target") == 0)
            continue;
        double d = strtod(e->default_text, NULL);
        fprintf(f, "[param.p%zu]\nkey = %s.%s\nmin = %.17g\nmax = %.17g\n", k, e->section, e->key,
                d > 0 ? d * 0.999 : 0.0, d > 0 ? d : 0.001);
        k++;
    }
    fclose(f);
    assert_true(k >= 100);
    double need = cp_sweep_design_memory_estimate(10000000, k);
    double physical = cp_physical_memory_bytes();
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(sweep, NULL, false, &err);
    unlink(sweep);
    rmdir(dir);
    if (physical <= 0 || need <= CP_MEMORY_SHARE * physical) {
        cp_sweep_destroy(sw);
        skip(); /* this machine could hold it: nothing to refuse */
    }
    if (sw)
        fail_msg("a %.0f GiB design was accepted on a %.0f GiB machine", need / GIB,
                 physical / GIB);
    assert_int_equal(err.status, CP_EINPUT);
    char where[512];
    snprintf(where, sizeof where,
             "%s:4: [sweep] points: a lhs design of 10000000 points x %zu parameters would need "
             "about ",
             sweep, k);
    if (!strstr(err.message, where))
        fail_msg("not the design's refusal: %s", err.message);
    assert_non_null(strstr(err.message, "; this machine has "));
    print_message("  %s\n", err.message);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_are_written_for_people),
        cmocka_unit_test(a_run_within_eighty_percent_of_memory_is_allowed),
        cmocka_unit_test(a_run_above_eighty_percent_is_refused_with_the_estimate),
        cmocka_unit_test(a_nan_or_infinite_estimate_is_refused_not_waved_through),
        cmocka_unit_test(unknown_physical_memory_lets_the_allocator_decide),
        cmocka_unit_test(the_estimate_counts_threads_replications_and_series),
        cmocka_unit_test(the_default_scenario_fits_this_machine),
        cmocka_unit_test(a_million_replications_of_a_daily_200_year_series_is_refused),
        cmocka_unit_test(a_huge_team_with_huge_demand_is_refused),
        cmocka_unit_test(a_comparison_counts_every_scenario_but_one_model),
        cmocka_unit_test(a_small_sweep_fits_this_machine),
        cmocka_unit_test(a_sweep_whose_largest_point_cannot_fit_is_refused),
        cmocka_unit_test(a_design_estimate_counts_its_arrays_and_design_csv_twice),
        cmocka_unit_test(a_design_that_cannot_fit_is_refused_with_its_size_and_need),
        cmocka_unit_test(a_sweep_file_asking_for_an_absurd_design_is_refused_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
