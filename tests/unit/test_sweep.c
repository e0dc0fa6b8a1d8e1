/* test_sweep.c: designs (sim/experiment/design.c), sweep files and plans
 * (sweep.c), shards and merging (shard.c) and task blocks (sweep_run.c).
 *
 * Designs are checked for the structure their estimators rely on, not for
 * particular numbers: a grid is the full product in odometer order; a Latin
 * hypercube hits each of its N strata once per dimension; Morris
 * trajectories move one coordinate by exactly delta per step and every
 * coordinate once; Saltelli blocks are A, AB^1..AB^k, B with AB^j = A but
 * for column j. Sweep files are written to a temporary folder; their base
 * scenario is the short classroom fixture, named by absolute path.
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpsim/rng.h"
#include "cpsim/sweep.h"

#define BASE CPSIM_SOURCE_DIR "/tests/fixtures/sweep/base-short.ini"

static char tmpdir[256];

static int make_tmpdir(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/test_sweep.XXXXXX", CPSIM_BINARY_DIR);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A sweep file with the [sweep] header for `design` and extra text. */
static const char *sweep_file(const char *name, const char *sweep_extra, const char *params) {
    static char text[4096];
    snprintf(text, sizeof text, "[sweep]\nscenario = " BASE "\n%s\n%s", sweep_extra, params);
    return write_file(name, text);
}

/* ---- designs -------------------------------------------------------------- */

static void grid_is_the_full_product_with_the_last_parameter_fastest(void **state) {
    (void)state;
    const size_t levels[3] = {2, 3, 2};
    assert_int_equal(cp_design_grid_rows(levels, 3), 12);
    size_t index[12 * 3];
    cp_design_grid(levels, 3, index);
    size_t row = 0;
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t c = 0; c < 2; c++, row++) {
                assert_int_equal(index[row * 3 + 0], a);
                assert_int_equal(index[row * 3 + 1], b);
                assert_int_equal(index[row * 3 + 2], c);
            }
    const size_t huge[2] = {100000, 100000};
    assert_int_equal(cp_design_grid_rows(huge, 2), 0); /* over the cap */
}

static void lhs_hits_each_stratum_once_per_dimension(void **state) {
    (void)state;
    const size_t n = 97, k = 5;
    double u[97 * 5];
    assert_int_equal(cp_design_lhs(n, k, 1234, u, NULL), CP_OK);
    for (size_t j = 0; j < k; j++) {
        int hits[97] = {0};
        for (size_t i = 0; i < n; i++) {
            double x = u[i * k + j];
            assert_true(x >= 0 && x < 1);
            hits[(size_t)floor(x * (double)n)]++;
        }
        for (size_t s = 0; s < n; s++)
            assert_int_equal(hits[s], 1);
    }
}

static void lhs_is_fixed_by_its_seed(void **state) {
    (void)state;
    double a[20 * 3], b[20 * 3], c[20 * 3];
    assert_int_equal(cp_design_lhs(20, 3, 7, a, NULL), CP_OK);
    assert_int_equal(cp_design_lhs(20, 3, 7, b, NULL), CP_OK);
    assert_int_equal(cp_design_lhs(20, 3, 8, c, NULL), CP_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
}

static void sobol_refuses_more_than_40_dimensions(void **state) {
    (void)state;
    double *u = malloc(4 * 41 * sizeof *u);
    assert_non_null(u);
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_design_sobol(4, 41, u, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "40"));
    assert_int_equal(cp_design_sobol(4, 40, u, NULL), CP_OK);
    free(u);
}

static void sobol_points_start_at_one_half_and_stay_in_the_cube(void **state) {
    (void)state;
    double u[64 * 3];
    assert_int_equal(cp_design_sobol(64, 3, u, NULL), CP_OK);
    for (size_t j = 0; j < 3; j++)
        assert_true(u[j] == 0.5);
    for (size_t i = 0; i < 64 * 3; i++)
        assert_true(u[i] >= 0 && u[i] < 1);
    /* Base-2 balance: 64 points put 32 in each half of each dimension. */
    for (size_t j = 0; j < 3; j++) {
        int low = 0;
        for (size_t i = 0; i < 64; i++)
            low += u[i * 3 + j] < 0.5;
        assert_true(low == 32 || low == 31 || low == 33);
    }
}

static void morris_steps_move_one_coordinate_by_delta(void **state) {
    (void)state;
    const size_t r = 30, k = 4;
    const unsigned levels[4] = {4, 4, 6, 2};
    double u[30 * 5 * 4];
    assert_int_equal(cp_design_morris(r, k, levels, 99, u, NULL), CP_OK);
    for (size_t t = 0; t < r; t++) {
        bool moved[4] = {false, false, false, false};
        for (size_t s = 0; s <= k; s++) {
            const double *row = u + (t * (k + 1) + s) * k;
            for (size_t j = 0; j < k; j++) {
                double level = row[j] * (levels[j] - 1);
                assert_true(fabs(level - round(level)) < 1e-12); /* on the grid */
                assert_true(row[j] >= 0 && row[j] <= 1);
            }
            if (s == 0)
                continue;
            const double *prev = row - k;
            size_t changes = 0;
            for (size_t j = 0; j < k; j++) {
                if (row[j] == prev[j])
                    continue;
                changes++;
                assert_false(moved[j]);
                moved[j] = true;
                assert_true(fabs(fabs(row[j] - prev[j]) - cp_morris_delta(levels[j])) < 1e-12);
            }
            assert_int_equal(changes, 1);
        }
        for (size_t j = 0; j < k; j++)
            assert_true(moved[j]);
    }
    cp_error err;
    const unsigned odd[1] = {3};
    assert_int_equal(cp_design_morris(1, 1, odd, 1, u, &err), CP_EINPUT);
    assert_true(fabs(cp_morris_delta(4) - 2.0 / 3.0) < 1e-15);
}

static void saltelli_blocks_are_a_then_each_ab_then_b(void **state) {
    (void)state;
    const size_t n = 16, k = 3;
    double u[16 * 5 * 3];
    double base[16 * 6];
    assert_int_equal(cp_design_saltelli(n, k, u, NULL), CP_OK);
    assert_int_equal(cp_design_sobol(n, 2 * k, base, NULL), CP_OK);
    for (size_t i = 0; i < n; i++) {
        const double *a = base + i * 2 * k, *b = a + k;
        const double *blk = u + i * (k + 2) * k;
        assert_memory_equal(blk, a, k * sizeof *a);
        assert_memory_equal(blk + (k + 1) * k, b, k * sizeof *b);
        for (size_t j = 0; j < k; j++) {
            const double *ab = blk + (1 + j) * k;
            for (size_t c = 0; c < k; c++)
                assert_true(ab[c] == (c == j ? b[c] : a[c]));
        }
    }
    cp_error err;
    double *big = malloc(2 * 23 * 21 * sizeof *big);
    assert_non_null(big);
    assert_int_equal(cp_design_saltelli(2, 21, big, &err), CP_EINPUT);
    assert_int_equal(cp_design_saltelli(2, 20, big, NULL), CP_OK);
    free(big);
}

static void task_blocks_tile_the_pairs_contiguously(void **state) {
    (void)state;
    const size_t totals[] = {0, 1, 7, 24, 1000, 1001};
    for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++) {
        for (size_t m = 1; m <= 9; m++) {
            size_t expect = 0;
            for (size_t i = 0; i < m; i++) {
                size_t first, end;
                cp_sweep_task_range(totals[t], i, m, &first, &end);
                assert_int_equal(first, expect);
                assert_true(end >= first);
                assert_true(end - first <= totals[t] / m + 1);
                expect = end;
            }
            assert_int_equal(expect, totals[t]);
        }
    }
}

/* ---- sweep files ----------------------------------------------------------- */

static void grid_file_gives_every_combination_with_integers_rounded(void **state) {
    (void)state;
    const char *path = sweep_file("grid.ini", "design = grid\nreplications = 2\nseed = 5\n",
                                  "[param.workers]\nkey = team.social_workers\n"
                                  "values = 4, 6.5\n\n"
                                  "[param.managers]\nkey = team.team_managers\n"
                                  "min = 1\nmax = 2\nlevels = 3\n");
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    if (!sw)
        fail_msg("%s", err.message);
    assert_int_equal(sw->point_count, 6);
    assert_int_equal(sw->replications, 2);
    assert_int_equal(cp_sweep_pairs(sw), 12);
    assert_true(sw->seed == 5);
    assert_true(sw->params[1].integer);
    /* managers: 1, 1.5 -> 2 (rounded half away from zero), 2 */
    const double want[6][2] = {{4, 1}, {4, 2}, {4, 2}, {6.5, 1}, {6.5, 2}, {6.5, 2}};
    for (size_t i = 0; i < 6; i++) {
        assert_true(sw->values[i * 2] == want[i][0]);
        assert_true(sw->values[i * 2 + 1] == want[i][1]);
    }
    cp_config cfg;
    assert_int_equal(cp_sweep_point_config(sw, 4, &cfg, &err), CP_OK);
    assert_true(cfg.social_workers == 6.5);
    assert_int_equal(cfg.team_managers, 2);
    assert_true(cfg.years == 1); /* from the base */
    char assign[128];
    cp_sweep_assignment(sw, 4, 1, assign, sizeof assign);
    assert_string_equal(assign, "team.team_managers=2");
    cp_buf b;
    cp_buf_init(&b);
    cp_sweep_design_csv(sw, &b);
    assert_string_equal(b.data, "point_id,workers,managers\n0,4,1\n1,4,2\n2,4,2\n3,6.5,1\n"
                                "4,6.5,2\n5,6.5,2\n");
    cp_buf_fini(&b);
    cp_sweep_destroy(sw);
}

static void defaults_come_from_the_base_scenario(void **state) {
    (void)state;
    const char *path = sweep_file("defaults.ini", "design = lhs\npoints = 5\n",
                                  "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 8\n"
                                  "scale = log\n");
    cp_error err;
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    if (!sw)
        fail_msg("%s", err.message);
    assert_int_equal(sw->replications, 3); /* base-short.ini */
    assert_true(sw->seed == 7);
    for (size_t i = 0; i < 5; i++)
        assert_true(sw->values[i] >= 4 && sw->values[i] <= 8);
    cp_sweep_destroy(sw);
}

/* Loads a bad sweep file and checks the message names file:line, section
 * and key, and says what is wrong. */
static void expect_problem(const char *name, const char *sweep_extra, const char *params,
                           const char *where, const char *what) {
    const char *path = sweep_file(name, sweep_extra, params);
    char want[600];
    snprintf(want, sizeof want, "%s:%s", path, where);
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    if (sw) {
        cp_sweep_destroy(sw);
        fail_msg("%s loaded; expected \"%s\"", name, where);
    }
    assert_int_equal(err.status, CP_EINPUT);
    if (!strstr(err.message, want) || !strstr(err.message, what))
        fail_msg("message:\n%s\nexpected \"%s\" and \"%s\"", err.message, want, what);
}

static void sweep_file_errors_name_file_line_and_key(void **state) {
    (void)state;
    /* Line numbers: 1 [sweep], 2 scenario, 3.. sweep_extra, then params. */
    expect_problem("range.ini", "design = lhs\npoints = 4\n",
                   "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 2000000\n",
                   "9: [param.w] max: team.social_workers=2000000", "");
    expect_problem("unknown-key.ini", "design = lhs\npoints = 4\n",
                   "[param.w]\nkey = team.social_workerz\nmin = 4\nmax = 6\n",
                   "7: [param.w] key:",
                   "team.social_workerz is not a scenario key: unknown key \"social_workerz\" in "
                   "[team]; did you mean \"social_workers\"?");
    expect_problem("typo.ini", "design = lhs\npoints = 4\nrepetitions = 3\n",
                   "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 6\n",
                   "5: [sweep] repetitions:", "unknown key");
    expect_problem("values-lhs.ini", "design = lhs\npoints = 4\n",
                   "[param.w]\nkey = team.social_workers\nvalues = 4, 5\n",
                   "8: [param.w] values:", "grid designs");
    expect_problem("odd-levels.ini", "design = morris\npoints = 4\n",
                   "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 6\nlevels = 3\n",
                   "10: [param.w] levels:", "even");
    expect_problem("design.ini", "design = halton\npoints = 4\n",
                   "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 6\n",
                   "3: [sweep] design:", "not a design");
    expect_problem("int.ini", "design = grid\n",
                   "[param.m]\nkey = team.team_managers\nvalues = 1, 1.5\n",
                   "7: [param.m] values:", "whole numbers");
    expect_problem("log.ini", "design = lhs\npoints = 3\n",
                   "[param.w]\nkey = demand.growth_per_year\nmin = 0\nmax = 0.1\nscale = log\n",
                   "8: [param.w] min:", "log scale");
    expect_problem("seed-param.ini", "design = grid\n",
                   "[param.s]\nkey = simulation.seed\nvalues = 1, 2\n",
                   "6: [param.s] key:", "[sweep]");
    expect_problem("grid-points.ini", "design = grid\npoints = 4\n",
                   "[param.w]\nkey = team.social_workers\nvalues = 4, 5\n",
                   "4: [sweep] points:", "remove points");
}

static void sobol_design_with_more_than_40_parameters_is_refused(void **state) {
    (void)state;
    char params[8192] = "";
    size_t used = 0;
    for (int j = 0; j < 41; j++)
        used += (size_t)snprintf(params + used, sizeof params - used,
                                 "[param.p%d]\nkey = shock.s%d.arrival_multiplier\nmin = 1\n"
                                 "max = 2\n",
                                 j, j);
    const char *path = sweep_file("sobol41.ini", "design = sobol\npoints = 8\n", params);
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, false, &err);
    assert_null(sw);
    assert_int_equal(err.status, CP_EINPUT);
    assert_non_null(strstr(err.message, "at most 40 parameters"));
}

static void a_point_that_breaks_a_cross_key_rule_is_named(void **state) {
    (void)state;
    /* Every key is in range alone, but close + s47 > 1 at the top corner. */
    const char *path = sweep_file("cross.ini", "design = grid\n",
                                  "[param.close]\nkey = pathway.close_after_assessment_low\n"
                                  "values = 0.5, 0.9\n\n"
                                  "[param.s47]\nkey = pathway.s47_after_assessment_low\n"
                                  "values = 0.02, 0.4\n");
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    assert_null(sw);
    assert_non_null(strstr(err.message, "point 3 (close=0.9, s47=0.4)"));
    assert_non_null(strstr(err.message, "exceeds 1"));
}

static void keys_that_must_move_together_apply_in_either_order(void **state) {
    (void)state;
    /* Base: close 0.55, s47 0.02. Point (0.1, 0.85): applying close first
     * is fine; s47 first (0.55 + 0.85) would trip the rule. Both orders of
     * the parameters must give the same valid config. */
    const char *a = sweep_file("order-a.ini", "design = grid\n",
                               "[param.close]\nkey = pathway.close_after_assessment_low\n"
                               "values = 0.1\n\n"
                               "[param.s47]\nkey = pathway.s47_after_assessment_low\n"
                               "values = 0.85\n");
    cp_error err;
    cp_sweep *sw = cp_sweep_load(a, NULL, true, &err);
    if (!sw)
        fail_msg("%s", err.message);
    cp_sweep_destroy(sw);
    const char *b = sweep_file("order-b.ini", "design = grid\n",
                               "[param.s47]\nkey = pathway.s47_after_assessment_low\n"
                               "values = 0.85\n\n"
                               "[param.close]\nkey = pathway.close_after_assessment_low\n"
                               "values = 0.1\n");
    sw = cp_sweep_load(b, NULL, true, &err);
    if (!sw)
        fail_msg("%s", err.message);
    cp_config cfg;
    assert_int_equal(cp_sweep_point_config(sw, 0, &cfg, &err), CP_OK);
    assert_true(cfg.s47_after_assessment_low == 0.85);
    assert_true(cfg.close_after_assessment_low == 0.1);
    cp_sweep_destroy(sw);
}

/* ---- plans ------------------------------------------------------------------- */

static void replanning_is_a_no_op_and_a_different_plan_is_refused(void **state) {
    (void)state;
    const char *path = sweep_file("plan.ini", "design = lhs\npoints = 4\nseed = 1\n",
                                  "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 6\n");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/plan", tmpdir);
    cp_error err;
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    assert_non_null(sw);
    bool unchanged = true;
    assert_int_equal(cp_sweep_plan_write(sw, dir, &unchanged, &err), CP_OK);
    assert_false(unchanged);
    assert_int_equal(cp_sweep_plan_write(sw, dir, &unchanged, &err), CP_OK);
    assert_true(unchanged);
    cp_sweep_destroy(sw);

    cp_sweep *opened = cp_sweep_plan_open(dir, &err);
    if (!opened)
        fail_msg("%s", err.message);
    assert_int_equal(opened->point_count, 4);
    cp_sweep_destroy(opened);

    path = sweep_file("plan.ini", "design = lhs\npoints = 4\nseed = 2\n",
                      "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 6\n");
    sw = cp_sweep_load(path, NULL, true, &err);
    assert_non_null(sw);
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_plan_write(sw, dir, &unchanged, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "different plan"));
    cp_sweep_destroy(sw);

    /* An edited design.csv is caught when the plan is opened. */
    char csv[600];
    snprintf(csv, sizeof csv, "%s/design.csv", dir);
    FILE *f = fopen(csv, "a");
    assert_non_null(f);
    fputs("4,5\n", f);
    fclose(f);
    cp_error_clear(&err);
    assert_null(cp_sweep_plan_open(dir, &err));
    assert_non_null(strstr(err.message, "design.csv is not the design"));
}

/* ---- shards and merging ------------------------------------------------------- */

static void shard_text(cp_buf *b, size_t reps, const size_t *pairs, size_t count, double bias) {
    double *v = calloc(count * CP_OUTCOME_COUNT, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < CP_OUTCOME_COUNT; k++)
            v[i * CP_OUTCOME_COUNT + k] = (double)pairs[i] + 0.1 * (double)k + bias;
    v[0] = NAN; /* NA must round-trip and compare equal */
    cp_buf_init(b);
    cp_sweep_shard_csv(b, reps, pairs, v, count);
    free(v);
}

static void shards_merge_and_missing_pairs_are_named(void **state) {
    (void)state;
    cp_error err;
    cp_sweep_results *r = cp_sweep_results_create(4, 3, &err); /* 12 pairs */
    assert_non_null(r);
    const size_t a[] = {0, 1, 2, 3};
    const size_t b[] = {3, 4, 8}; /* pair 3 again, identical */
    cp_buf ta, tb;
    shard_text(&ta, 3, a, 4, 0);
    shard_text(&tb, 3, b, 3, 0);
    /* shard_text puts NA in each shard's first row: pair 0 in a, pair 3 in b,
     * so b's repeat of pair 3 differs from a's. */
    assert_int_equal(cp_sweep_results_add(r, "a.csv", ta.data, ta.len, &err), CP_OK);
    cp_error_clear(&err);
    cp_status st = cp_sweep_results_add(r, "b.csv", tb.data, tb.len, &err);
    /* b's first row (pair 3) has NA where a's pair 3 has a number. */
    assert_int_equal(st, CP_EINPUT);
    assert_non_null(strstr(err.message, "b.csv:2: point 1 replication 0 differs"));
    assert_non_null(strstr(err.message, "a.csv"));
    cp_buf_fini(&tb);

    const size_t c[] = {5, 3, 4};
    shard_text(&tb, 3, c, 3, 0); /* pair 5 gets the NA; 3 and 4 plain */
    cp_sweep_results_destroy(r);
    r = cp_sweep_results_create(4, 3, &err);
    const size_t a2[] = {1, 0, 2, 3}; /* NA on pair 1 */
    cp_buf_fini(&ta);
    shard_text(&ta, 3, a2, 4, 0);
    assert_int_equal(cp_sweep_results_add(r, "a.csv", ta.data, ta.len, &err), CP_OK);
    assert_int_equal(cp_sweep_results_add(r, "c.csv", tb.data, tb.len, &err), CP_OK);
    assert_int_equal(r->duplicates, 1);    /* pair 3 */
    assert_int_equal(r->present_count, 6); /* 0-5 */
    assert_true(isnan(r->values[1 * CP_OUTCOME_COUNT]));
    assert_true(r->values[3 * CP_OUTCOME_COUNT + 2] == 3.0 + 0.1 * 2.0);
    assert_int_equal(cp_sweep_results_missing(r, 0, 12), 6);
    cp_buf m;
    cp_buf_init(&m);
    cp_sweep_results_missing_text(r, 10, &m);
    assert_string_equal(m.data, "points 2-3 (all reps)");
    cp_buf_fini(&m);
    /* One more pair: point 3 rep 1 only. */
    const size_t d[] = {6, 7, 8, 9, 11};
    cp_buf td;
    shard_text(&td, 3, d, 5, 0);
    assert_int_equal(cp_sweep_results_add(r, "d.csv", td.data, td.len, &err), CP_OK);
    cp_buf_init(&m);
    cp_sweep_results_missing_text(r, 10, &m);
    assert_string_equal(m.data, "point 3 rep 1");
    cp_buf_fini(&m);
    double means[4];
    cp_sweep_results_point_means(r, 1, means);
    assert_true(fabs(means[0] - (0.1 + 1.1 + 2.1) / 3) < 1e-12);
    cp_buf_fini(&ta);
    cp_buf_fini(&tb);
    cp_buf_fini(&td);
    cp_sweep_results_destroy(r);
}

static void an_index_knows_which_pairs_are_done_without_their_values(void **state) {
    (void)state;
    cp_error err;
    cp_sweep_results *r = cp_sweep_results_create_index(2, 2, &err);
    assert_non_null(r);
    assert_null(r->values);
    const size_t a[] = {0, 1}, b[] = {1, 3}; /* pair 1 differs (NA in b) */
    cp_buf ta, tb;
    shard_text(&ta, 2, a, 2, 0);
    shard_text(&tb, 2, b, 2, 0);
    assert_int_equal(cp_sweep_results_add(r, "a.csv", ta.data, ta.len, &err), CP_OK);
    assert_int_equal(cp_sweep_results_add(r, "b.csv", tb.data, tb.len, &err), CP_OK);
    assert_int_equal(r->present_count, 3);
    assert_int_equal(r->duplicates, 1);
    assert_int_equal(cp_sweep_results_missing(r, 0, 4), 1);
    cp_buf_fini(&ta);
    cp_buf_fini(&tb);
    cp_sweep_results_destroy(r);
}

static void missing_text_lists_rep_ranges_and_stops_after_a_few_items(void **state) {
    (void)state;
    cp_error err;
    cp_sweep_results *r = cp_sweep_results_create(30, 6, &err);
    assert_non_null(r);
    /* Everything present except point 7 reps 3-5 and rep 0, and points
     * 10-29 reps 1. */
    for (size_t pair = 0; pair < 180; pair++) {
        size_t p = pair / 6, rep = pair % 6;
        bool gone = (p == 7 && (rep >= 3 || rep == 0)) || (p >= 10 && rep == 1);
        r->present[pair] = !gone;
    }
    cp_buf m;
    cp_buf_init(&m);
    cp_sweep_results_missing_text(r, 3, &m);
    assert_string_equal(m.data, "point 7 reps 0,3-5, point 10 rep 1, point 11 rep 1, and 18 "
                                "more points");
    cp_buf_fini(&m);
    cp_sweep_results_destroy(r);
}

static void malformed_shards_are_refused_with_file_and_line(void **state) {
    (void)state;
    cp_error err;
    cp_sweep_results *r = cp_sweep_results_create(2, 2, &err);
    assert_non_null(r);
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_results_add(r, "x.csv", "point_id,rep\n", 13, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "x.csv:1"));

    const size_t pairs[] = {0, 1};
    cp_buf t;
    shard_text(&t, 2, pairs, 2, 0);
    /* Truncated: the last row lost its line end and some fields. */
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_results_add(r, "t.csv", t.data, t.len - 5, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "t.csv:3"));
    cp_buf_fini(&t);

    /* A pair outside the plan. */
    const size_t outside[] = {9};
    shard_text(&t, 2, outside, 1, 0);
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_results_add(r, "o.csv", t.data, t.len, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "outside the plan"));
    cp_buf_fini(&t);
    cp_sweep_results_destroy(r);
}

/* ---- running shares: checkpoints and folds ---------------------------------- */

/* The whole text of a file (malloc'd), or NULL when it cannot be read. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    cp_buf b;
    cp_buf_init(&b);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        cp_buf_append(&b, chunk, got);
    fclose(f);
    assert_false(b.failed);
    char *text = strdup(b.data ? b.data : "");
    cp_buf_fini(&b);
    return text;
}

static void put_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Plans a 3-point x 2-replication sweep of the short team into tmpdir/NAME
 * and opens it as a run would; dir receives the folder. */
static cp_sweep *small_plan(const char *name, char *dir, size_t size) {
    const char *path =
        sweep_file("run.ini", "design = lhs\npoints = 3\nreplications = 2\nseed = 3\n",
                   "[param.w]\nkey = team.social_workers\nmin = 4\nmax = 7\n");
    snprintf(dir, size, "%s/%s", tmpdir, name);
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    if (!sw)
        fail_msg("%s", err.message);
    bool unchanged;
    assert_int_equal(cp_sweep_plan_write(sw, dir, &unchanged, &err), CP_OK);
    cp_sweep_destroy(sw);
    sw = cp_sweep_plan_open(dir, &err);
    if (!sw)
        fail_msg("%s", err.message);
    return sw;
}

static cp_sweep_run_options all_pairs(const cp_sweep *sw) {
    cp_sweep_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.first = 0;
    opt.end = cp_sweep_pairs(sw);
    opt.stem = "points-0-2";
    opt.threads = 1;
    opt.checkpoint_seconds = 1e9; /* only when interrupted, and at the end */
    return opt;
}

/* Runs every pair of sw in dir (failing the test on an error). */
static cp_sweep_run_report run_all_pairs(cp_sweep *sw, const char *dir) {
    cp_sweep_run_options opt = all_pairs(sw);
    cp_sweep_run_report rep;
    cp_error err;
    cp_error_clear(&err);
    if (cp_sweep_run(sw, dir, &opt, &rep, &err) != CP_OK)
        fail_msg("%s", err.message);
    return rep;
}

/* Runs every pair of a fresh plan NAME and returns its shard's text. */
static char *reference_shard(const char *name) {
    char dir[512], path[700];
    cp_sweep *sw = small_plan(name, dir, sizeof dir);
    cp_sweep_run_report rep = run_all_pairs(sw, dir);
    assert_true(rep.complete && rep.folded);
    cp_sweep_destroy(sw);
    snprintf(path, sizeof path, "%s/shards/points-0-2.csv", dir);
    char *text = slurp(path);
    assert_non_null(text);
    return text;
}

/* Line `line` (0-based) of text, with its line end, into out. */
static void text_line(const char *text, size_t line, char *out, size_t size) {
    for (size_t i = 0; i < line; i++) {
        text = strchr(text, '\n');
        assert_non_null(text);
        text++;
    }
    const char *eol = strchr(text, '\n');
    assert_non_null(eol);
    assert_true((size_t)(eol - text) + 2 <= size);
    snprintf(out, size, "%.*s", (int)(eol - text + 1), text);
}

static bool has_checkpoints(const char *dir) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls '%s/shards' | grep -q 'part'", dir);
    return system(cmd) == 0;
}

/* A second process of the same share, simulated: after this run's first
 * pair, and before its first checkpoint, "another process" publishes its
 * own checkpoint under the number this run is about to use; then an
 * interrupt makes this run checkpoint at once. */
typedef struct other_process {
    char part0[700];
    char text[8192];
    volatile sig_atomic_t stop;
} other_process;

static void publish_under_my_next_number(void *ctx, size_t done, size_t target) {
    other_process *o = ctx;
    (void)target;
    if (done == 1) {
        put_file(o->part0, o->text);
        o->stop = 1;
    }
}

static void a_checkpoint_never_replaces_one_another_process_published(void **state) {
    (void)state;
    char *ref = reference_shard("ckpt-ref");
    static other_process o;
    memset(&o, 0, sizeof o);
    /* The other process's checkpoint: the last pair (point 2 rep 1), which
     * this run would only reach last, with the reference's exact bytes. */
    char header[4096], row[4096];
    text_line(ref, 0, header, sizeof header);
    text_line(ref, 6, row, sizeof row);
    assert_int_equal(strncmp(row, "2,1,", 4), 0);
    snprintf(o.text, sizeof o.text, "%s%s", header, row);

    char dir[512], path[700];
    cp_sweep *sw = small_plan("ckpt", dir, sizeof dir);
    snprintf(o.part0, sizeof o.part0, "%s/shards/points-0-2.part-0.csv", dir);
    cp_sweep_run_options opt = all_pairs(sw);
    opt.interrupt = &o.stop;
    opt.progress = publish_under_my_next_number;
    opt.progress_ctx = &o;
    cp_sweep_run_report rep;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_run(sw, dir, &opt, &rep, &err), CP_EINTERRUPTED);
    assert_int_equal(rep.ran, 1);
    assert_int_equal(rep.checkpoints, 1);

    /* The other process's checkpoint is intact; this run's went to the
     * next free number and holds its one pair, point 0 rep 0. */
    char *part0 = slurp(o.part0);
    assert_non_null(part0);
    assert_string_equal(part0, o.text);
    free(part0);
    snprintf(path, sizeof path, "%s/shards/points-0-2.part-1.csv", dir);
    char *part1 = slurp(path);
    assert_non_null(part1);
    text_line(ref, 1, row, sizeof row);
    assert_int_equal(strncmp(row, "0,0,", 4), 0);
    char want[8192];
    snprintf(want, sizeof want, "%s%s", header, row);
    assert_string_equal(part1, want);
    free(part1);

    /* Resumed: the pairs of both checkpoints count as done, and the fold
     * gives the uninterrupted run's shard, byte for byte. */
    opt.interrupt = NULL;
    opt.progress = NULL;
    cp_error_clear(&err);
    if (cp_sweep_run(sw, dir, &opt, &rep, &err) != CP_OK)
        fail_msg("%s", err.message);
    assert_int_equal(rep.already, 2);
    assert_int_equal(rep.ran, 4);
    assert_true(rep.complete && rep.folded);
    snprintf(path, sizeof path, "%s/shards/points-0-2.csv", dir);
    assert_string_equal(rep.shard, path);
    char *folded = slurp(path);
    assert_non_null(folded);
    assert_string_equal(folded, ref);
    free(folded);
    assert_false(has_checkpoints(dir));
    cp_sweep_destroy(sw);
    free(ref);
}

/* Checkpoints of one stem from two processes that ran the same pairs: the
 * fold keeps each pair once, and keeps pairs only the other process ran;
 * values that differ for one pair stop the fold, naming both files, and
 * leave every checkpoint in place. */
static void a_fold_keeps_every_process_pairs_once_and_refuses_disagreement(void **state) {
    (void)state;
    char *ref = reference_shard("fold-ref");
    char header[2048], rows[6][2048];
    text_line(ref, 0, header, sizeof header);
    for (size_t i = 0; i < 6; i++)
        text_line(ref, i + 1, rows[i], sizeof rows[i]);

    char dir[512], p0[700], p1[700], p7[700], text[16384];
    cp_sweep *sw = small_plan("fold", dir, sizeof dir);
    /* "Process A" saved pairs 0-3, "process B" pairs 2-5 under other numbers. */
    snprintf(p0, sizeof p0, "%s/shards/points-0-2.part-0.csv", dir);
    snprintf(p7, sizeof p7, "%s/shards/points-0-2.part-7.csv", dir);
    snprintf(text, sizeof text, "%s%s%s%s%s", header, rows[0], rows[1], rows[2], rows[3]);
    put_file(p0, text);
    snprintf(text, sizeof text, "%s%s%s%s%s", header, rows[2], rows[3], rows[4], rows[5]);
    put_file(p7, text);
    cp_sweep_run_report rep = run_all_pairs(sw, dir);
    assert_int_equal(rep.already, 6);
    assert_int_equal(rep.ran, 0);
    assert_true(rep.complete && rep.folded);
    char *folded = slurp(rep.shard);
    assert_non_null(folded);
    assert_string_equal(folded, ref);
    free(folded);
    assert_false(has_checkpoints(dir));
    char lock[700];
    snprintf(lock, sizeof lock, "%s/shards/.points-0-2.lock", dir);
    assert_int_not_equal(access(lock, F_OK), 0); /* there only during a fold */

    /* A checkpoint whose copy of pair 4 differs in its last digit. */
    char bad[4096];
    snprintf(bad, sizeof bad, "%s", rows[4]);
    size_t n = strlen(bad);
    assert_true(n >= 2 && bad[n - 2] >= '0' && bad[n - 2] <= '9');
    bad[n - 2] = bad[n - 2] == '9' ? '8' : (char)(bad[n - 2] + 1);
    snprintf(p1, sizeof p1, "%s/shards/points-0-2.part-1.csv", dir);
    snprintf(text, sizeof text, "%s%s", header, bad);
    put_file(p1, text);
    cp_sweep_run_options opt = all_pairs(sw);
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_run(sw, dir, &opt, &rep, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "points-0-2.part-1.csv:2: point 2 replication 0 differs"));
    assert_non_null(strstr(err.message, "points-0-2.csv"));
    char *still = slurp(p1);
    assert_non_null(still);
    assert_string_equal(still, text);
    free(still);
    folded = slurp(rep.shard);
    assert_string_equal(folded, ref);
    free(folded);
    assert_int_not_equal(access(lock, F_OK), 0); /* released on failure too */
    cp_sweep_destroy(sw);
    free(ref);
}

/* A checkpoint listed but gone when opened (here a dangling link) was
 * folded into its task's shard by another process: reading skips it and
 * finds its pairs in STEM.csv, read after it; with no STEM.csv its pairs
 * are just missing. A task's shard that is gone is still an error. */
static void reading_shards_skips_checkpoints_folded_away_meanwhile(void **state) {
    (void)state;
    char dir[512], path[700], target[700];
    snprintf(dir, sizeof dir, "%s/vanish", tmpdir);
    assert_int_equal(mkdir(dir, 0777), 0);
    const size_t folded[] = {0, 1, 2}, other[] = {3};
    cp_buf t;
    shard_text(&t, 2, folded, 3, 0);
    snprintf(path, sizeof path, "%s/task-0-of-2.csv", dir);
    put_file(path, t.data);
    cp_buf_fini(&t);
    shard_text(&t, 2, other, 1, 0);
    snprintf(path, sizeof path, "%s/task-1-of-2.part-0.csv", dir);
    put_file(path, t.data);
    cp_buf_fini(&t);
    snprintf(path, sizeof path, "%s/task-0-of-2.part-3.csv", dir);
    snprintf(target, sizeof target, "%s/gone", dir);
    assert_int_equal(symlink(target, path), 0);

    cp_error err;
    cp_error_clear(&err);
    cp_sweep_results *r = cp_sweep_results_create(2, 2, &err);
    assert_non_null(r);
    if (cp_sweep_results_load(r, dir, &err) != CP_OK)
        fail_msg("%s", err.message);
    assert_int_equal(r->present_count, 4);
    assert_int_equal(r->name_count, 2);
    /* Checkpoints first: task-1-of-2.part-0.csv, then task-0-of-2.csv. */
    assert_non_null(strstr(r->names[0], "task-1-of-2.part-0.csv"));
    assert_non_null(strstr(r->names[1], "task-0-of-2.csv"));
    cp_sweep_results_destroy(r);

    /* No STEM.csv either: the pairs are missing, not an error. */
    snprintf(path, sizeof path, "%s/task-0-of-2.csv", dir);
    assert_int_equal(unlink(path), 0);
    r = cp_sweep_results_create(2, 2, &err);
    assert_non_null(r);
    cp_error_clear(&err);
    if (cp_sweep_results_load(r, dir, &err) != CP_OK)
        fail_msg("%s", err.message);
    assert_int_equal(r->present_count, 1);
    cp_sweep_results_destroy(r);

    /* A task's shard that is listed but gone. */
    assert_int_equal(symlink(target, path), 0);
    r = cp_sweep_results_create(2, 2, &err);
    assert_non_null(r);
    cp_error_clear(&err);
    assert_int_equal(cp_sweep_results_load(r, dir, &err), CP_EIO);
    assert_non_null(strstr(err.message, "task-0-of-2.csv"));
    cp_sweep_results_destroy(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_is_the_full_product_with_the_last_parameter_fastest),
        cmocka_unit_test(lhs_hits_each_stratum_once_per_dimension),
        cmocka_unit_test(lhs_is_fixed_by_its_seed),
        cmocka_unit_test(sobol_refuses_more_than_40_dimensions),
        cmocka_unit_test(sobol_points_start_at_one_half_and_stay_in_the_cube),
        cmocka_unit_test(morris_steps_move_one_coordinate_by_delta),
        cmocka_unit_test(saltelli_blocks_are_a_then_each_ab_then_b),
        cmocka_unit_test(task_blocks_tile_the_pairs_contiguously),
        cmocka_unit_test(grid_file_gives_every_combination_with_integers_rounded),
        cmocka_unit_test(defaults_come_from_the_base_scenario),
        cmocka_unit_test(sweep_file_errors_name_file_line_and_key),
        cmocka_unit_test(sobol_design_with_more_than_40_parameters_is_refused),
        cmocka_unit_test(a_point_that_breaks_a_cross_key_rule_is_named),
        cmocka_unit_test(keys_that_must_move_together_apply_in_either_order),
        cmocka_unit_test(replanning_is_a_no_op_and_a_different_plan_is_refused),
        cmocka_unit_test(shards_merge_and_missing_pairs_are_named),
        cmocka_unit_test(an_index_knows_which_pairs_are_done_without_their_values),
        cmocka_unit_test(missing_text_lists_rep_ranges_and_stops_after_a_few_items),
        cmocka_unit_test(malformed_shards_are_refused_with_file_and_line),
        cmocka_unit_test(a_checkpoint_never_replaces_one_another_process_published),
        cmocka_unit_test(a_fold_keeps_every_process_pairs_once_and_refuses_disagreement),
        cmocka_unit_test(reading_shards_skips_checkpoints_folded_away_meanwhile),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
