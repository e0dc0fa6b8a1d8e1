/* test_queue_mode.c: the whole team model, reduced to an M/M/c queue
 * (every mechanism off, pathway.single_stage on; MODEL.md section 4), against
 * Erlang C.
 *
 * For each setting we run R independent replications and take, per
 * replication, the time-average unallocated list and the mean wait to
 * allocation. The check is |grand mean - theory| <= t_{R-1, 1-alpha/2} s/sqrt(R)
 * with alpha = 0.001: a correct model fails a check about once in a
 * thousand, and the seeds are fixed, so the suite either always passes or
 * always fails. The warm-up (one year, hundreds of service times) removes
 * the empty-start bias well below the interval's width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/model.h"
#include "cpsim/scenario.h"
#include "erlang.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>

#define ALPHA 0.001

typedef struct queue_check {
    double lq_mean, lq_half;
    double wq_mean, wq_half;
} queue_check;

static queue_check run_queue(const cp_config *cfg, int reps) {
    cp_error err;
    cp_model *m = cp_model_create(cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, cfg, &err), CP_OK);
    double lq[64], wq[64];
    assert_true(reps <= 64);
    for (int i = 0; i < reps; i++) {
        assert_int_equal(cp_model_run(m, cfg->seed, (uint64_t)i, &r, &err), CP_OK);
        lq[i] = r.outcome[CP_OUT_UNALLOCATED_MEAN];
        wq[i] = r.outcome[CP_OUT_WAIT_MEAN_DAYS];
    }
    cp_result_fini(&r);
    cp_model_destroy(m);
    queue_check q = {0};
    double t = gsl_cdf_tdist_Qinv(ALPHA / 2, reps - 1.0);
    double *series[2] = {lq, wq};
    double *means[2] = {&q.lq_mean, &q.wq_mean}, *halves[2] = {&q.lq_half, &q.wq_half};
    for (int s = 0; s < 2; s++) {
        double mu = 0.0, ss = 0.0;
        for (int i = 0; i < reps; i++)
            mu += series[s][i];
        mu /= reps;
        for (int i = 0; i < reps; i++)
            ss += (series[s][i] - mu) * (series[s][i] - mu);
        *means[s] = mu;
        *halves[s] = t * sqrt(ss / (reps - 1)) / sqrt(reps);
    }
    return q;
}

static void check_against_erlang(const cp_config *cfg, int reps) {
    int c = (int)(cfg->social_workers * cfg->cap_cases + 1e-9);
    double lambda = cfg->referrals_per_week / 7.0, mu = 1.0 / cfg->single_stage_mean_days;
    double lq = erlang_c_lq(lambda, mu, c), wq = erlang_c_wq(lambda, mu, c);
    queue_check q = run_queue(cfg, reps);
    printf("# c=%d rho=%.3f: Lq model %.4f +- %.4f, Erlang C %.4f; Wq model %.4f +- %.4f, "
           "Erlang C %.4f days\n",
           c, lambda / (mu * c), q.lq_mean, q.lq_half, lq, q.wq_mean, q.wq_half, wq);
    assert_true(fabs(q.lq_mean - lq) <= q.lq_half);
    assert_true(fabs(q.wq_mean - wq) <= q.wq_half);
    /* and the intervals are tight enough to mean something */
    assert_true(q.lq_half < 0.25 * lq + 0.05);
}

static cp_config queue_config(double workers, double cap, double mean_days, double rho,
                              double years) {
    cp_config cfg;
    cp_config_defaults(&cfg);
    cfg.mech_burnout = cfg.mech_sickness = cfg.mech_turnover = cfg.mech_recruitment = false;
    cfg.mech_triage_errors = cfg.mech_rereferral = cfg.mech_harm = cfg.mech_inspection = false;
    cfg.single_stage = true;
    cfg.single_stage_mean_days = mean_days;
    cfg.social_workers = workers;
    cfg.cap_cases = cap;
    for (int i = 0; i < CP_MONTHS; i++)
        cfg.seasonal[i] = 1.0;
    cfg.growth_per_year = 0.0;
    cfg.referrals_per_week = rho * workers * cap / mean_days * 7.0;
    cfg.years = years;
    cfg.warmup_years = 1.0;
    cfg.seed = 99;
    return cfg;
}

static void one_worker_with_five_slots_at_utilisation_0_8_matches_erlang_c(void **state) {
    (void)state;
    cp_config cfg = queue_config(1, 5, 20, 0.8, 100);
    check_against_erlang(&cfg, 20);
}

static void the_shipped_queue_mode_scenario_matches_erlang_c(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    const char *path = CPSIM_SOURCE_DIR "/scenarios/queue-mode.ini";
    assert_int_equal(cp_scenario_load(path, NULL, 0, &cfg, &d), CP_OK);
    cp_diagnostics_fini(&d);
    check_against_erlang(&cfg, cfg.replications);
}

static void twenty_slots_at_utilisation_0_95_matches_erlang_c(void **state) {
    (void)state;
    cp_config cfg = queue_config(5, 4, 10, 0.95, 150);
    check_against_erlang(&cfg, 24);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_worker_with_five_slots_at_utilisation_0_8_matches_erlang_c),
        cmocka_unit_test(the_shipped_queue_mode_scenario_matches_erlang_c),
        cmocka_unit_test(twenty_slots_at_utilisation_0_95_matches_erlang_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
