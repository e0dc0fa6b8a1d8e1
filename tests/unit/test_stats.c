/* test_stats.c: the statistics of sim/experiment/stats.c against values
 * worked out by hand and against printed t tables.
 *
 * Expected values: the sample {2,4,4,4,5,5,7,9} has mean 5, sample sd
 * sqrt(32/7) = 2.1380899353; t(0.975, 7) = 2.3646242516; type 7 quantiles of
 * the sorted sample: median (4+5)/2 = 4.5, p5 at position 0.35 = 2.7, p95 at
 * position 6.65 = 8.3. The paired sample a = {1..5}, b = a + {.1,.2,.1,.3,.3}
 * has d mean 0.2, d sd 0.1; Welch: var(a)/5 = 0.5, var(b)/5 = 0.552,
 * df = 1.052^2 / ((0.5^2 + 0.552^2) / 4) = 7.9805013124.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/experiment.h"

#define TOL 1e-9

/* cmocka 1.1's assert_float_equal works in float; these are doubles. */
static void near_or_fail(double got, double want, double tol, const char *expr, const char *file,
                         int line) {
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g within %g\n", expr, got, want, tol);
        _fail(file, line);
    }
}
#define assert_near(got, want, tol) near_or_fail((got), (want), (tol), #got, __FILE__, __LINE__)

static void t_critical_values_match_the_printed_table(void **state) {
    (void)state;
    /* Two-sided 95%: Student's t table. */
    assert_near(cp_stats_t_critical(0.95, 1), 12.7062047362, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 2), 4.3026527297, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 4), 2.7764451052, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 7), 2.3646242516, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 10), 2.2281388520, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 30), 2.0422724563, 1e-9);
    assert_near(cp_stats_t_critical(0.95, 120), 1.9799304050, 1e-9);
    /* Two-sided 99%, df 10. */
    assert_near(cp_stats_t_critical(0.99, 10), 3.1692726726, 1e-9);
    /* Large df tends to the normal 1.959964. */
    assert_near(cp_stats_t_critical(0.95, 1e9), 1.9599639845, 1e-6);
}

static void t_critical_is_nan_without_degrees_of_freedom(void **state) {
    (void)state;
    assert_true(isnan(cp_stats_t_critical(0.95, 0)));
    assert_true(isnan(cp_stats_t_critical(0.95, -1)));
    assert_true(isnan(cp_stats_t_critical(1.5, 3)));
}

static void summary_of_a_small_sample_matches_hand_computation(void **state) {
    (void)state;
    const double x[] = {5, 9, 4, 2, 4, 7, 4, 5}; /* unsorted on purpose */
    double scratch[CP_STATS_SCRATCH(8)];
    cp_summary s;
    cp_stats_summarise(x, 8, 1, scratch, &s);
    double sd = sqrt(32.0 / 7.0);
    double half = 2.3646242516 * sd / sqrt(8.0);
    assert_int_equal(s.n, 8);
    assert_near(s.mean, 5.0, TOL);
    assert_near(s.sd, sd, TOL);
    assert_near(s.ci_low, 5.0 - half, 1e-8);
    assert_near(s.ci_high, 5.0 + half, 1e-8);
    assert_near(s.median, 4.5, TOL);
    assert_near(s.p5, 2.7, TOL);
    assert_near(s.p95, 8.3, TOL);
}

static void summary_reads_a_column_of_a_row_major_table_through_the_stride(void **state) {
    (void)state;
    /* Three columns; the middle one is {1, 2, 3, 4}. */
    const double table[] = {9, 1, -9, 9, 2, -9, 9, 3, -9, 9, 4, -9};
    double scratch[CP_STATS_SCRATCH(4)];
    cp_summary s;
    cp_stats_summarise(&table[1], 4, 3, scratch, &s);
    assert_int_equal(s.n, 4);
    assert_near(s.mean, 2.5, TOL);
    assert_near(s.median, 2.5, TOL);
    assert_near(s.sd, sqrt(5.0 / 3.0), TOL);
}

static void quantiles_interpolate_between_order_statistics(void **state) {
    (void)state;
    /* 0..100: the p-th quantile is exactly 100p. */
    double x[101];
    for (int i = 0; i <= 100; i++)
        x[i] = 100 - i;
    double scratch[CP_STATS_SCRATCH(101)];
    cp_summary s;
    cp_stats_summarise(x, 101, 1, scratch, &s);
    assert_near(s.median, 50, TOL);
    assert_near(s.p5, 5, TOL);
    assert_near(s.p95, 95, TOL);
}

static void non_finite_values_are_left_out_and_counted_out_of_n(void **state) {
    (void)state;
    const double x[] = {1, NAN, 3, INFINITY, 5};
    double scratch[CP_STATS_SCRATCH(5)];
    cp_summary s;
    cp_stats_summarise(x, 5, 1, scratch, &s);
    assert_int_equal(s.n, 3);
    assert_near(s.mean, 3, TOL);
    assert_near(s.sd, 2, TOL);
    assert_near(s.median, 3, TOL);
}

static void one_value_has_a_mean_but_no_spread_or_interval(void **state) {
    (void)state;
    const double x[] = {7};
    double scratch[CP_STATS_SCRATCH(1)];
    cp_summary s;
    cp_stats_summarise(x, 1, 1, scratch, &s);
    assert_int_equal(s.n, 1);
    assert_near(s.mean, 7, TOL);
    assert_near(s.median, 7, TOL);
    assert_near(s.p5, 7, TOL);
    assert_true(isnan(s.sd));
    assert_true(isnan(s.ci_low) && isnan(s.ci_high));
}

static void no_values_give_n_zero_and_nan_everywhere(void **state) {
    (void)state;
    const double x[] = {NAN, NAN};
    double scratch[CP_STATS_SCRATCH(2)];
    cp_summary s;
    cp_stats_summarise(x, 2, 1, scratch, &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.sd) && isnan(s.median) && isnan(s.p95));
}

static void a_constant_sample_has_a_zero_width_interval(void **state) {
    (void)state;
    const double x[] = {3, 3, 3, 3};
    double scratch[CP_STATS_SCRATCH(4)];
    cp_summary s;
    cp_stats_summarise(x, 4, 1, scratch, &s);
    assert_near(s.sd, 0, 0);
    assert_near(s.ci_low, 3, 0);
    assert_near(s.ci_high, 3, 0);
}

static void paired_differences_match_hand_computation(void **state) {
    (void)state;
    const double a[] = {1, 2, 3, 4, 5};
    const double b[] = {1.1, 2.2, 3.1, 4.3, 5.3};
    double scratch[CP_STATS_SCRATCH(5)];
    cp_paired_summary p;
    cp_stats_paired(a, b, 5, 1, scratch, &p);
    assert_int_equal(p.n, 5);
    assert_near(p.baseline_mean, 3.0, TOL);
    assert_near(p.scenario_mean, 3.2, TOL);
    assert_near(p.diff_mean, 0.2, TOL);
    assert_near(p.diff_sd, 0.1, TOL);
    double half = 2.7764451052 * 0.1 / sqrt(5.0);
    assert_near(p.paired_half_width, half, 1e-9);
    assert_near(p.ci_low, 0.2 - half, 1e-9);
    assert_near(p.ci_high, 0.2 + half, 1e-9);
    double welch = cp_stats_t_critical(0.95, 7.9805013124) * sqrt(1.052);
    assert_near(p.unpaired_half_width, welch, 1e-7);
    assert_near(p.width_ratio, half / welch, 1e-7);
    assert_true(p.width_ratio < 0.1); /* strongly correlated: pairing helps a lot */
}

static void pairing_identical_samples_gives_exactly_zero_difference(void **state) {
    (void)state;
    const double a[] = {1.5, 2.25, 8, 3, 4};
    double scratch[CP_STATS_SCRATCH(5)];
    cp_paired_summary p;
    cp_stats_paired(a, a, 5, 1, scratch, &p);
    assert_true(p.diff_mean == 0.0 && p.diff_sd == 0.0);
    assert_true(p.ci_low == 0.0 && p.ci_high == 0.0);
    assert_true(p.unpaired_half_width > 0);
    assert_true(p.width_ratio == 0.0);
}

static void pairing_skips_replications_where_either_side_is_undefined(void **state) {
    (void)state;
    const double a[] = {1, NAN, 3, 4};
    const double b[] = {2, 5, NAN, 6};
    double scratch[CP_STATS_SCRATCH(4)];
    cp_paired_summary p;
    cp_stats_paired(a, b, 4, 1, scratch, &p);
    assert_int_equal(p.n, 2);
    assert_near(p.diff_mean, 1.5, TOL);
    assert_near(p.baseline_mean, 2.5, TOL);
}

static void precision_is_met_when_the_half_width_is_within_the_relative_target(void **state) {
    (void)state;
    cp_summary s = {.n = 10, .mean = 100, .ci_low = 96, .ci_high = 104};
    assert_true(cp_stats_precision_met(&s, 0.05));
    assert_false(cp_stats_precision_met(&s, 0.03));
    cp_summary neg = {.n = 10, .mean = -100, .ci_low = -104, .ci_high = -96};
    assert_true(cp_stats_precision_met(&neg, 0.05));
    cp_summary zero = {.n = 10, .mean = 0, .ci_low = 0, .ci_high = 0};
    assert_true(cp_stats_precision_met(&zero, 0.05));
    cp_summary zero_wide = {.n = 10, .mean = 0, .ci_low = -1, .ci_high = 1};
    assert_false(cp_stats_precision_met(&zero_wide, 0.05));
    cp_summary one = {.n = 1, .mean = 5, .ci_low = NAN, .ci_high = NAN};
    assert_false(cp_stats_precision_met(&one, 0.5));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_critical_values_match_the_printed_table),
        cmocka_unit_test(t_critical_is_nan_without_degrees_of_freedom),
        cmocka_unit_test(summary_of_a_small_sample_matches_hand_computation),
        cmocka_unit_test(summary_reads_a_column_of_a_row_major_table_through_the_stride),
        cmocka_unit_test(quantiles_interpolate_between_order_statistics),
        cmocka_unit_test(non_finite_values_are_left_out_and_counted_out_of_n),
        cmocka_unit_test(one_value_has_a_mean_but_no_spread_or_interval),
        cmocka_unit_test(no_values_give_n_zero_and_nan_everywhere),
        cmocka_unit_test(a_constant_sample_has_a_zero_width_interval),
        cmocka_unit_test(paired_differences_match_hand_computation),
        cmocka_unit_test(pairing_identical_samples_gives_exactly_zero_difference),
        cmocka_unit_test(pairing_skips_replications_where_either_side_is_undefined),
        cmocka_unit_test(precision_is_met_when_the_half_width_is_within_the_relative_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
