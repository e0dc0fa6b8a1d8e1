/* test_behaviour.c: the model's behaviour checked as statistical tests with
 * common random numbers (issue: "calibrated and validated").
 *
 * Each test runs two (or three) arms with the same seed and replication
 * numbers, so replication r of every arm sees the same random streams, and
 * tests the stated direction with a one-sided paired t test at a false-alarm
 * probability of 0.001 (t_{R-1, 0.999}); seeds are fixed, so a run always
 * passes or always fails. The required confidence is in each test's name
 * comment. Scenario files are the shipped ones, changed only by --set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/experiment.h"
#include "cpsim/scenario.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define ALPHA 0.001
#define REPS 30

static cp_config load(const char *file, const char *const *sets, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", CPSIM_SOURCE_DIR, file);
    cp_config cfg;
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    cp_status s = cp_scenario_load(path, sets, n, &cfg, &d);
    if (s != CP_OK && d.count > 0) {
        char line[1024];
        cp_diagnostic_format(&d.items[0], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    cp_diagnostics_fini(&d);
    assert_int_equal(s, CP_OK);
    return cfg;
}

/* Runs REPS replications (seed fixed) and copies outcome `id` of each. */
static void run(const cp_config *cfg, cp_outcome_id id, double *out) {
    cp_experiment_options o;
    cp_experiment_options_defaults(&o, cfg);
    o.seed = 777;
    o.replications = REPS;
    o.threads = 2;
    o.skip_series = true;
    cp_error err;
    cp_experiment *exp = cp_experiment_create(cfg, &o, &err);
    assert_non_null(exp);
    assert_int_equal(cp_experiment_run(exp, &err), CP_OK);
    for (size_t r = 0; r < REPS; r++)
        out[r] = exp->outcomes[r * CP_OUTCOME_COUNT + id];
    cp_experiment_destroy(exp);
}

/* One-sided paired test that b > a. */
static void assert_greater(const double *a, const double *b, const char *what) {
    double d[REPS], mean = 0.0, ss = 0.0;
    for (int i = 0; i < REPS; i++) {
        d[i] = b[i] - a[i];
        mean += d[i] / REPS;
    }
    for (int i = 0; i < REPS; i++)
        ss += (d[i] - mean) * (d[i] - mean);
    double se = sqrt(ss / (REPS - 1)) / sqrt(REPS);
    double t = se > 0.0 ? mean / se : (mean > 0.0 ? (double)INFINITY : -(double)INFINITY);
    double crit = gsl_cdf_tdist_Qinv(ALPHA, REPS - 1.0);
    printf("# %s: mean difference %.4g, t = %.2f (need > %.2f)\n", what, mean, t, crit);
    assert_true(t > crit);
}

static void more_social_workers_give_a_shorter_unallocated_list(void **state) {
    (void)state;
    /* direction: unallocated_mean falls when posts rise 10 -> 12; 99.9% */
    const char *more[] = {"team.social_workers=12"};
    cp_config a = load("baseline.ini", NULL, 0), b = load("baseline.ini", more, 1);
    double x[REPS], y[REPS];
    run(&a, CP_OUT_UNALLOCATED_MEAN, x);
    run(&b, CP_OUT_UNALLOCATED_MEAN, y);
    assert_greater(y, x, "unallocated: 10 posts minus 12 posts");
}

static void a_higher_cap_gives_more_burnout_and_past_a_point_more_turnover(void **state) {
    (void)state;
    /* direction: with demand that fills caps, burnout and turnover rise from
     * cap 18 to cap 26; 99.9% each */
    const char *low[] = {"demand.referrals_per_week=7.5", "caseload.cap_cases=18",
                         "caseload.cap_points=22"};
    const char *high[] = {"demand.referrals_per_week=7.5", "caseload.cap_cases=26",
                          "caseload.cap_points=32"};
    cp_config a = load("baseline.ini", low, 3), b = load("baseline.ini", high, 3);
    double x[REPS], y[REPS];
    run(&a, CP_OUT_BURNOUT_MEAN, x);
    run(&b, CP_OUT_BURNOUT_MEAN, y);
    assert_greater(x, y, "burnout: cap 26 minus cap 18");
    run(&a, CP_OUT_TURNOVER_RATE, x);
    run(&b, CP_OUT_TURNOVER_RATE, y);
    assert_greater(x, y, "turnover: cap 26 minus cap 18");
}

static void a_demand_shock_raises_s47_enquiries_and_unallocated_cases(void **state) {
    (void)state;
    /* direction: demand-shock.ini above baseline.ini; 99.9% each */
    cp_config a = load("baseline.ini", NULL, 0), b = load("demand-shock.ini", NULL, 0);
    double x[REPS], y[REPS];
    run(&a, CP_OUT_S47S, x);
    run(&b, CP_OUT_S47S, y);
    assert_greater(x, y, "s47 enquiries: shock minus baseline");
    run(&a, CP_OUT_UNALLOCATED_MEAN, x);
    run(&b, CP_OUT_UNALLOCATED_MEAN, y);
    assert_greater(x, y, "unallocated: shock minus baseline");
}

static void a_retention_package_lowers_turnover_and_vacancies(void **state) {
    (void)state;
    /* direction: retention-package.ini below baseline.ini; 99.9% each */
    cp_config a = load("baseline.ini", NULL, 0), b = load("retention-package.ini", NULL, 0);
    double x[REPS], y[REPS];
    run(&a, CP_OUT_TURNOVER_RATE, x);
    run(&b, CP_OUT_TURNOVER_RATE, y);
    assert_greater(y, x, "turnover: baseline minus retention");
    run(&a, CP_OUT_VACANCY_RATE, x);
    run(&b, CP_OUT_VACANCY_RATE, y);
    assert_greater(y, x, "vacancy: baseline minus retention");
}

static void losing_experienced_staff_raises_missed_risk(void **state) {
    (void)state;
    /* direction: a team of mostly new workers (mean experience 1 year, new
     * hires 1 year) misses more risk than the baseline's; 99.9% */
    const char *novice[] = {"team.experience_mean_years=1",
                            "recruitment.new_hire_experience_mean_years=1",
                            "recruitment.agency_experience_min_years=0"};
    cp_config a = load("baseline.ini", NULL, 0), b = load("baseline.ini", novice, 3);
    double x[REPS], y[REPS];
    run(&a, CP_OUT_MISSED_RISK, x);
    run(&b, CP_OUT_MISSED_RISK, y);
    assert_greater(x, y, "missed risk: novice minus experienced");
}

static void past_a_tipping_point_of_load_turnover_feeds_on_itself(void **state) {
    (void)state;
    /* The turnover trap: leavers' cases go back on the list, the rest carry
     * more, burn out and leave. So turnover is convex in demand: the same
     * step in demand raises turnover more past the tipping point than
     * before it. Direction: second difference of turnover over demand
     * 5.6 -> 7.0 -> 8.4 referrals a week is positive; 99.9%. */
    const char *d1[] = {"demand.referrals_per_week=5.6"};
    const char *d2[] = {"demand.referrals_per_week=7.0"};
    const char *d3[] = {"demand.referrals_per_week=8.4"};
    cp_config a = load("baseline.ini", d1, 1), b = load("baseline.ini", d2, 1),
              c = load("baseline.ini", d3, 1);
    double x[REPS], y[REPS], z[REPS], first[REPS], second[REPS];
    run(&a, CP_OUT_TURNOVER_RATE, x);
    run(&b, CP_OUT_TURNOVER_RATE, y);
    run(&c, CP_OUT_TURNOVER_RATE, z);
    for (int i = 0; i < REPS; i++) {
        first[i] = y[i] - x[i];
        second[i] = z[i] - y[i];
    }
    assert_greater(first, second, "turnover step past the tipping point minus before it");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(more_social_workers_give_a_shorter_unallocated_list),
        cmocka_unit_test(a_higher_cap_gives_more_burnout_and_past_a_point_more_turnover),
        cmocka_unit_test(a_demand_shock_raises_s47_enquiries_and_unallocated_cases),
        cmocka_unit_test(a_retention_package_lowers_turnover_and_vacancies),
        cmocka_unit_test(losing_experienced_staff_raises_missed_risk),
        cmocka_unit_test(past_a_tipping_point_of_load_turnover_feeds_on_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
