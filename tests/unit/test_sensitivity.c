/* test_sensitivity.c: the Morris and Sobol estimators of
 * sim/experiment/sensitivity.c on functions whose indices are known, run
 * directly (not through the model).
 *
 * Ishigami (Ishigami and Homma 1990) with a = 7, b = 0.1 on [-pi, pi]^3:
 *   f = sin x1 + a sin^2 x2 + b x3^4 sin x1
 *   V   = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
 *   V1  = (1 + b pi^4/5)^2 / 2,  V2 = a^2/8,  V3 = 0,
 *   V13 = b^2 pi^8 (1/18 - 1/50)
 *   S1 = (0.3139, 0.4424, 0),  ST = (0.5576, 0.4424, 0.2437).
 * Tolerances come from the bootstrap intervals themselves: the analytic
 * value must lie inside the 95% interval widened by half its width (a
 * Sobol-sequence sample is not i.i.d., so bootstrap intervals are only
 * approximate), and the intervals must be narrow enough that this says
 * something (< 0.15 wide).
 *
 * Morris: f = 5 x1 + 2 x2 + 1 x3 + 0 x4 on the unit cube has every
 * elementary effect equal to its coefficient, so mu* = (5, 2, 1, 0) exactly
 * and sigma = 0.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpsim/sweep.h"

#define PI 3.14159265358979323846

static void near_or_fail(double got, double want, double tol, const char *expr, const char *file,
                         int line) {
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g within %g\n", expr, got, want, tol);
        _fail(file, line);
    }
}
#define assert_near(got, want, tol) near_or_fail((got), (want), (tol), #got, __FILE__, __LINE__)

static void within_interval_or_fail(const cp_index_estimate *e, double truth, const char *what,
                                    const char *file, int line) {
    double width = e->ci_high - e->ci_low;
    bool ok = isfinite(width) && width >= 0 && width < 0.15 && truth >= e->ci_low - width / 2 &&
              truth <= e->ci_high + width / 2;
    if (!ok) {
        print_error("%s = %.4f [%.4f, %.4f]: analytic %.4f not within the interval widened by "
                    "half its width (or the interval is not narrow)\n",
                    what, e->estimate, e->ci_low, e->ci_high, truth);
        _fail(file, line);
    }
}
#define assert_within(e, truth) within_interval_or_fail(&(e), (truth), #e, __FILE__, __LINE__)

static double ishigami(const double *u) {
    const double a = 7, b = 0.1;
    double x1 = -PI + 2 * PI * u[0];
    double x2 = -PI + 2 * PI * u[1];
    double x3 = -PI + 2 * PI * u[2];
    return sin(x1) + a * sin(x2) * sin(x2) + b * pow(x3, 4) * sin(x1);
}

static void ishigami_analytic(double s1[3], double st[3]) {
    const double a = 7, b = 0.1, pi4 = pow(PI, 4), pi8 = pow(PI, 8);
    double v = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;
    double v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5);
    double v2 = a * a / 8;
    double v13 = b * b * pi8 * (1.0 / 18 - 1.0 / 50);
    s1[0] = v1 / v;
    s1[1] = v2 / v;
    s1[2] = 0;
    st[0] = (v1 + v13) / v;
    st[1] = v2 / v;
    st[2] = v13 / v;
}

static void ishigami_analytic_indices_are_the_published_ones(void **state) {
    (void)state;
    double s1[3], st[3];
    ishigami_analytic(s1, st);
    assert_near(s1[0], 0.314, 0.0005);
    assert_near(s1[1], 0.442, 0.0005);
    assert_near(st[0], 0.558, 0.0005);
    assert_near(st[1], 0.442, 0.0005);
    assert_near(st[2], 0.244, 0.0005);
}

static void sobol_indices_of_ishigami_match_the_analytic_values(void **state) {
    (void)state;
    const size_t n = 8192, k = 3;
    double *u = malloc(n * (k + 2) * k * sizeof *u);
    double *y = malloc(n * (k + 2) * sizeof *y);
    assert_non_null(u);
    assert_non_null(y);
    cp_error err;
    assert_int_equal(cp_design_saltelli(n, k, u, &err), CP_OK);
    for (size_t i = 0; i < n * (k + 2); i++)
        y[i] = ishigami(u + i * k);
    cp_sobol_index idx[3];
    assert_int_equal(cp_sobol_analyse(y, n, k, 500, 42, 0, idx, &err), CP_OK);
    double s1[3], st[3];
    ishigami_analytic(s1, st);
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(idx[j].n, n);
        assert_within(idx[j].first, s1[j]);
        assert_within(idx[j].total, st[j]);
        /* Point estimates too, at the precision 8192 base rows give. */
        assert_near(idx[j].first.estimate, s1[j], 0.05);
        assert_near(idx[j].total.estimate, st[j], 0.05);
    }
    free(u);
    free(y);
}

static void sobol_intervals_are_reproducible_from_the_seed(void **state) {
    (void)state;
    const size_t n = 256, k = 3;
    double *u = malloc(n * (k + 2) * k * sizeof *u);
    double *y = malloc(n * (k + 2) * sizeof *y);
    assert_non_null(u);
    assert_non_null(y);
    assert_int_equal(cp_design_saltelli(n, k, u, NULL), CP_OK);
    for (size_t i = 0; i < n * (k + 2); i++)
        y[i] = ishigami(u + i * k);
    cp_sobol_index a[3], b[3], c[3];
    assert_int_equal(cp_sobol_analyse(y, n, k, 100, 9, 1, a, NULL), CP_OK);
    assert_int_equal(cp_sobol_analyse(y, n, k, 100, 9, 1, b, NULL), CP_OK);
    assert_int_equal(cp_sobol_analyse(y, n, k, 100, 9, 2, c, NULL), CP_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_true(a[0].first.ci_low != c[0].first.ci_low); /* another substream */
    assert_true(a[0].first.estimate == c[0].first.estimate);
    free(u);
    free(y);
}

static void sobol_leaves_out_base_rows_with_missing_outputs(void **state) {
    (void)state;
    const size_t n = 512, k = 3;
    double *u = malloc(n * (k + 2) * k * sizeof *u);
    double *y = malloc(n * (k + 2) * sizeof *y);
    assert_non_null(u);
    assert_non_null(y);
    assert_int_equal(cp_design_saltelli(n, k, u, NULL), CP_OK);
    for (size_t i = 0; i < n * (k + 2); i++)
        y[i] = ishigami(u + i * k);
    y[3 * (k + 2) + 2] = NAN; /* base row 3, AB^2 */
    cp_sobol_index idx[3];
    assert_int_equal(cp_sobol_analyse(y, n, k, 0, 1, 0, idx, NULL), CP_OK);
    assert_int_equal(idx[0].n, n - 1);
    assert_true(isfinite(idx[0].first.estimate));
    assert_true(isnan(idx[0].first.ci_low)); /* bootstrap 0: no interval */
    free(u);
    free(y);
}

/* One usable base row (or none) has no variance: the indices and their
 * intervals are NaN, n says how many rows were usable, and the call still
 * succeeds (with the bootstrap asked for). */
static void sobol_gives_nan_indices_when_fewer_than_two_base_rows_are_usable(void **state) {
    (void)state;
    const size_t n = 3, k = 2;
    double y[3 * (2 + 2)];
    for (size_t i = 0; i < n * (k + 2); i++)
        y[i] = (double)i;
    y[0 * (k + 2) + 1] = NAN;      /* base row 0 unusable */
    y[2 * (k + 2) + 3] = INFINITY; /* base row 2 unusable: only row 1 is left */
    cp_sobol_index idx[2];
    for (int usable = 1; usable >= 0; usable--) {
        if (usable == 0)
            y[1 * (k + 2) + 0] = NAN; /* now none */
        memset(idx, 0, sizeof idx);
        assert_int_equal(cp_sobol_analyse(y, n, k, 100, 1, 0, idx, NULL), CP_OK);
        for (size_t j = 0; j < k; j++) {
            assert_int_equal(idx[j].n, (size_t)usable);
            assert_true(isnan(idx[j].first.estimate));
            assert_true(isnan(idx[j].total.estimate));
            assert_true(isnan(idx[j].first.ci_low) && isnan(idx[j].first.ci_high));
            assert_true(isnan(idx[j].total.ci_low) && isnan(idx[j].total.ci_high));
        }
    }
}

static void morris_mu_star_ranks_a_linear_function_by_its_coefficients(void **state) {
    (void)state;
    const size_t r = 20, k = 4;
    const double coef[4] = {5, 2, 1, 0};
    unsigned levels[4] = {4, 4, 6, 4};
    double *u = malloc(r * (k + 1) * k * sizeof *u);
    double *y = malloc(r * (k + 1) * sizeof *y);
    assert_non_null(u);
    assert_non_null(y);
    assert_int_equal(cp_design_morris(r, k, levels, 5, u, NULL), CP_OK);
    for (size_t i = 0; i < r * (k + 1); i++) {
        y[i] = 0;
        for (size_t j = 0; j < k; j++)
            y[i] += coef[j] * u[i * k + j];
    }
    cp_morris_index idx[4];
    assert_int_equal(cp_morris_analyse(u, y, r, k, 200, 5, 0, idx, NULL), CP_OK);
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(idx[j].n, r);
        assert_near(idx[j].mu_star.estimate, coef[j], 1e-9);
        assert_near(idx[j].mu.estimate, coef[j], 1e-9);
        assert_near(idx[j].sigma.estimate, 0, 1e-9);
        assert_near(idx[j].mu_star.ci_low, coef[j], 1e-9);
        assert_near(idx[j].mu_star.ci_high, coef[j], 1e-9);
    }
    for (size_t j = 0; j + 1 < k; j++)
        assert_true(idx[j].mu_star.estimate > idx[j + 1].mu_star.estimate);
    free(u);
    free(y);
}

static void morris_sigma_reveals_an_interaction(void **state) {
    (void)state;
    /* f = x1 x2 + x3: the effect of x1 depends on x2, so sigma_1 > 0, while
     * x3 is linear and alone (sigma_3 = 0). */
    const size_t r = 40, k = 3;
    unsigned levels[3] = {4, 4, 4};
    double *u = malloc(r * (k + 1) * k * sizeof *u);
    double *y = malloc(r * (k + 1) * sizeof *y);
    assert_non_null(u);
    assert_non_null(y);
    assert_int_equal(cp_design_morris(r, k, levels, 8, u, NULL), CP_OK);
    for (size_t i = 0; i < r * (k + 1); i++)
        y[i] = u[i * k] * u[i * k + 1] + u[i * k + 2];
    cp_morris_index idx[3];
    assert_int_equal(cp_morris_analyse(u, y, r, k, 100, 8, 0, idx, NULL), CP_OK);
    assert_true(idx[0].sigma.estimate > 0.1);
    assert_true(idx[1].sigma.estimate > 0.1);
    assert_near(idx[2].sigma.estimate, 0, 1e-9);
    assert_near(idx[2].mu_star.estimate, 1, 1e-9);
    assert_true(idx[0].mu_star.ci_low <= idx[0].mu_star.estimate &&
                idx[0].mu_star.estimate <= idx[0].mu_star.ci_high);
    free(u);
    free(y);
}

static void morris_refuses_rows_that_are_not_a_trajectory(void **state) {
    (void)state;
    /* Two coordinates change between rows 0 and 1. */
    const double u[] = {0, 0, 1, 1, 1, 0.5};
    const double y[] = {0, 1, 2};
    cp_morris_index idx[2];
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_morris_analyse(u, y, 1, 2, 0, 1, 0, idx, &err), CP_EINPUT);
    assert_non_null(strstr(err.message, "not a Morris step"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ishigami_analytic_indices_are_the_published_ones),
        cmocka_unit_test(sobol_indices_of_ishigami_match_the_analytic_values),
        cmocka_unit_test(sobol_intervals_are_reproducible_from_the_seed),
        cmocka_unit_test(sobol_leaves_out_base_rows_with_missing_outputs),
        cmocka_unit_test(sobol_gives_nan_indices_when_fewer_than_two_base_rows_are_usable),
        cmocka_unit_test(morris_mu_star_ranks_a_linear_function_by_its_coefficients),
        cmocka_unit_test(morris_sigma_reveals_an_interaction),
        cmocka_unit_test(morris_refuses_rows_that_are_not_a_trajectory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
