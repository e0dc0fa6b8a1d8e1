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
#define MAX_REPS 300

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

static int REPS = 30; /* replications per arm; each test sets it for the power it needs */

/* Runs REPS replications (seed fixed) and copies outcome `id` of each. */
static void run(const cp_config *cfg, cp_outcome_id id, double *out) {
    cp_experiment_options o;
    cp_experiment_options_defaults(&o, cfg);
    o.seed = 777;
    o.replications = (size_t)REPS;
    o.threads = 2;
    o.skip_series = true;
    cp_error err;
    cp_experiment *exp = cp_experiment_create(cfg, &o, &err);
    assert_non_null(exp);
    assert_int_equal(cp_experiment_run(exp, &err), CP_OK);
    for (size_t r = 0; r < (size_t)REPS; r++)
        out[r] = exp->outcomes[r * CP_OUTCOME_COUNT + id];
    cp_experiment_destroy(exp);
}

/* One-sided paired test that b > a. */
static void assert_greater(const double *a, const double *b, const char *what) {
    double d[MAX_REPS], mean = 0.0, ss = 0.0;
    assert_true(REPS <= MAX_REPS);
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
    REPS = 30;
    const char *more[] = {"team.social_workers=12"};
    cp_config a = load("baseline.ini", NULL, 0), b = load("baseline.ini", more, 1);
    double x[MAX_REPS], y[MAX_REPS];
    run(&a, CP_OUT_UNALLOCATED_MEAN, x);
    run(&b, CP_OUT_UNALLOCATED_MEAN, y);
    assert_greater(y, x, "unallocated: 10 posts minus 12 posts");
}

static void a_higher_cap_gives_more_burnout_and_past_a_point_more_turnover(void **state) {
    (void)state;
    /* While the cap binds (at baseline demand, caps below about 18 leave
     * cases waiting), raising it from 14 to 18 puts the waiting cases on
     * workers: burnout rises (99.9%) and so does turnover (99.9%). Above the
     * point where it binds, a higher cap changes little: there are no more
     * waiting cases to take on. Turnover needs many leavers to resolve, so
     * this runs a 40-post team (baseline demand per post) for 10 years. */
    REPS = 70;
    const char *low[] = {"caseload.cap_cases=14", "caseload.cap_points=17",
                         "team.social_workers=40", "demand.referrals_per_week=21.92",
                         "simulation.years=10"};
    const char *high[] = {"caseload.cap_cases=18", "caseload.cap_points=22",
                          "team.social_workers=40", "demand.referrals_per_week=21.92",
                          "simulation.years=10"};
    cp_config a = load("baseline.ini", low, 5), b = load("baseline.ini", high, 5);
    double x[MAX_REPS], y[MAX_REPS];
    run(&a, CP_OUT_BURNOUT_MEAN, x);
    run(&b, CP_OUT_BURNOUT_MEAN, y);
    assert_greater(x, y, "burnout: cap 18 minus cap 14");
    run(&a, CP_OUT_TURNOVER_RATE, x);
    run(&b, CP_OUT_TURNOVER_RATE, y);
    assert_greater(x, y, "turnover: cap 18 minus cap 14");
}

static void a_demand_shock_raises_s47_enquiries_and_unallocated_cases(void **state) {
    (void)state;
    /* direction: demand-shock.ini above baseline.ini; 99.9% each */
    REPS = 30;
    cp_config a = load("baseline.ini", NULL, 0), b = load("demand-shock.ini", NULL, 0);
    double x[MAX_REPS], y[MAX_REPS];
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
    REPS = 60;
    cp_config a = load("baseline.ini", NULL, 0), b = load("retention-package.ini", NULL, 0);
    double x[MAX_REPS], y[MAX_REPS];
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
     * hires 1 year) misses more risk than the baseline's; 99.9%. The effect
     * is 6-8 missed-risk events against a paired sd of 15-19, so 80 pairs
     * gave t of 2.7-4.5 against 3.2 (too little power); 250 pairs give an
     * expected t near 6. */
    const char *novice[] = {"team.experience_mean_years=1",
                            "recruitment.new_hire_experience_mean_years=1",
                            "recruitment.agency_experience_min_years=0"};
    REPS = 250;
    cp_config a = load("baseline.ini", NULL, 0), b = load("baseline.ini", novice, 3);
    double x[MAX_REPS], y[MAX_REPS];
    run(&a, CP_OUT_MISSED_RISK, x);
    run(&b, CP_OUT_MISSED_RISK, y);
    assert_greater(x, y, "missed risk: novice minus experienced");
}

static void past_a_tipping_point_of_load_turnover_feeds_on_itself(void **state) {
    (void)state;
    /* The turnover trap is a loop: leavers leave vacancies, their cases go
     * back on the list, the rest carry more, burn out and leave. To test the
     * loop itself we cut it: in one arm every post is refilled at once
     * (recruitment takes a day and always succeeds), in the other posts stay
     * empty as usual. Where vacancies go uncovered (no agency cover), the
     * same step in demand past the tipping point (0.40 -> 0.48 referrals a
     * week per post, where caseloads reach the cap) must raise turnover more
     * with the loop intact than with it cut. Direction: the
     * difference-in-differences is positive; 99.9%. A 40-post team over 10
     * years, so turnover is resolved. (With agency staff covering every
     * vacancy within weeks, as in the baseline, the loop is mostly cut: the
     * model says agency cover is what holds the trap shut, at its price.) */
    REPS = 40;
    const char *common[] = {"team.social_workers=40", "simulation.years=10",
                            "recruitment.agency_cover_share=0"};
    const char *instant[] = {"recruitment.hire_mean_days=1", "recruitment.hire_success=1",
                             "recruitment.hire_cv=0"};
    double t[4][MAX_REPS];
    for (int arm = 0; arm < 4; arm++) {
        const char *sets[8];
        size_t n = 0;
        for (size_t i = 0; i < 3; i++)
            sets[n++] = common[i];
        sets[n++] = arm % 2 == 0 ? "demand.referrals_per_week=16.0"
                                 : "demand.referrals_per_week=19.2";
        if (arm >= 2)
            for (size_t i = 0; i < 3; i++)
                sets[n++] = instant[i];
        cp_config cfg = load("baseline.ini", sets, n);
        run(&cfg, CP_OUT_TURNOVER_RATE, t[arm]);
    }
    double cut[MAX_REPS], loop[MAX_REPS];
    for (int i = 0; i < REPS; i++) {
        loop[i] = t[1][i] - t[0][i]; /* demand step, vacancies persist */
        cut[i] = t[3][i] - t[2][i];  /* demand step, posts refilled at once */
    }
    assert_greater(cut, loop, "turnover response to demand: loop intact minus loop cut");
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
