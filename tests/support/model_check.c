/* model_check.c: the model tests' shared checks, runs and fixture (see
 * model_check.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_check.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

cp_config base_config(void) {
    cp_config cfg;
    cp_config_defaults(&cfg);
    cfg.seed = 4242;
    return cfg;
}

void all_mechanisms_off(cp_config *cfg) {
    cfg->mech_burnout = cfg->mech_sickness = cfg->mech_turnover = cfg->mech_recruitment = false;
    cfg->mech_triage_errors = cfg->mech_rereferral = cfg->mech_harm = cfg->mech_inspection = false;
}

void run_outcomes(const cp_config *cfg, int reps, cp_outcome_id id, double *out, cp_outcome_id id2,
                  double *out2) {
    cp_error err;
    cp_model *m = cp_model_create(cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, cfg, &err), CP_OK);
    for (int i = 0; i < reps; i++) {
        assert_int_equal(cp_model_run(m, cfg->seed, (uint64_t)i, &r, &err), CP_OK);
        out[i] = r.outcome[id];
        if (out2)
            out2[i] = r.outcome[id2];
    }
    cp_result_fini(&r);
    cp_model_destroy(m);
}

void run_outcome(const cp_config *cfg, int reps, cp_outcome_id id, double *out) {
    run_outcomes(cfg, reps, id, out, id, NULL);
}

void run_watched(const cp_config *cfg, uint64_t rep, cp_observer_fn fn, void *ctx, double *out) {
    cp_error err;
    cp_model *m = cp_model_create(cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, cfg, &err), CP_OK);
    cp_model_set_observer(m, fn, ctx);
    assert_int_equal(cp_model_run(m, cfg->seed, rep, &r, &err), CP_OK);
    if (out)
        memcpy(out, r.outcome, sizeof r.outcome);
    cp_result_fini(&r);
    cp_model_destroy(m);
}

double mean_of(const double *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s / n;
}

double sd_of(const double *x, int n) {
    double mu = mean_of(x, n), s = 0.0;
    for (int i = 0; i < n; i++)
        s += (x[i] - mu) * (x[i] - mu);
    return sqrt(s / (n - 1));
}

double paired_t(const double *a, const double *b, int n) {
    double d[256];
    assert_true(n <= 256);
    for (int i = 0; i < n; i++)
        d[i] = b[i] - a[i];
    double sd = sd_of(d, n), mean = mean_of(d, n);
    double t = sd > 0.0   ? mean / (sd / sqrt(n))
               : mean > 0 ? (double)INFINITY
               : mean < 0 ? -(double)INFINITY
                          : 0.0;
    printf("# paired: mean difference %.4g, sd %.4g, n %d, t %.3g\n", mean, sd, n, t);
    return t;
}

double t_crit(int n) {
    return gsl_cdf_tdist_Qinv(1e-4, n - 1.0);
}

void assert_poisson(const char *what, double count, double mean) {
    printf("# %s: %.0f, expected %.1f +- %.1f\n", what, count, mean, sqrt(mean));
    assert_true(fabs(count - mean) < Z_STRICT * sqrt(mean));
}

void assert_binomial(const char *what, double count, double n, double p) {
    double sd = sqrt(n * p * (1.0 - p));
    printf("# %s: %.0f of %.0f, expected %.1f +- %.1f\n", what, count, n, n * p, sd);
    assert_true(fabs(count - n * p) < Z_STRICT * sd);
}

void fixture_begin_config(fixture *f, const cp_config *cfg) {
    f->cfg = *cfg;
    cp_error err;
    f->m = cp_model_create(&f->cfg, &err);
    assert_non_null(f->m);
    assert_int_equal(cp_result_init(&f->r, &f->cfg, &err), CP_OK);
    assert_int_equal(model_begin(f->m, 1, 0, &f->r, &err), CP_OK);
    f->m->measuring = true;
}

cp_config team_config(int workers, double cap) {
    cp_config cfg = base_config();
    all_mechanisms_off(&cfg);
    cfg.referrals_per_week = 0.0;
    cfg.social_workers = workers;
    cfg.cap_cases = cap;
    cfg.cap_points = 10000;
    cfg.over_cap_margin = 0.0;
    cfg.stage[CP_STAGE_CIN].duration_mean_wd = 5000.0;
    cfg.stage[CP_STAGE_CIN].duration_cv = 0.0;
    return cfg;
}

void fixture_begin_sized(fixture *f, int workers, double cap) {
    cp_config cfg = team_config(workers, cap);
    fixture_begin_config(f, &cfg);
    assert_int_equal(f->m->worker_count, workers);
}

void fixture_end(fixture *f) {
    cp_result_fini(&f->r);
    cp_model_destroy(f->m);
}

void run_to(fixture *f, double t) {
    cp_kernel_run_until(f->m->kernel, t);
}

int32_t new_waiting_case(cp_model *m, int risk) {
    int32_t id = case_alloc(m);
    m->cases[id].true_risk = (uint8_t)risk;
    m->cases[id].known_risk = (uint8_t)risk;
    case_open_stage(m, id, CP_STAGE_CIN);
    return id;
}
