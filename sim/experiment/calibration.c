/* calibration.c: published targets, the check of model against target, and
 * the Nelder-Mead fit of uncertain parameters. Contract in
 * include/cpsim/calibration.h.
 *
 * Bands are ours (MODEL.md asks for "inside the band" and leaves the band to
 * us): about the spread of the DfE figures between recent years for the
 * workforce rates (turnover +-1.5 points; vacancy and agency +-2.5 points,
 * which move more), one case per FTE for caseload, 0.4 points for sickness,
 * and 4-5 points for the children-in-need timeliness and re-referral shares.
 */
#include "cpsim/calibration.h"

#include "cpsim/scenario.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define WORKFORCE "DfE children's social work workforce 2021"
#define CIN "DfE characteristics of children in need"

static const cp_target targets[] = {
    {"average", "baseline.ini", "turnover_rate", "turnover", CP_TARGET_BAND, 0.154, 0.015, WORKFORCE},
    {"average", "baseline.ini", "vacancy_rate", "vacancy rate", CP_TARGET_BAND, 0.167, 0.025, WORKFORCE},
    {"average", "baseline.ini", "agency_rate", "agency rate", CP_TARGET_BAND, 0.155, 0.025, WORKFORCE},
    {"average", "baseline.ini", "caseload_mean", "caseload per FTE", CP_TARGET_BAND, 16.3, 1.0, WORKFORCE},
    {"average", "baseline.ini", "sickness_rate", "sickness days lost", CP_TARGET_BAND, 0.031, 0.004, WORKFORCE},
    {"average", "baseline.ini", "assess_within_45wd", "assessments within 45 working days", CP_TARGET_BAND, 0.86, 0.04, CIN},
    {"average", "baseline.ini", "icpc_within_15wd", "ICPC within 15 working days", CP_TARGET_BAND, 0.81, 0.05, CIN},
    {"average", "baseline.ini", "rereferral_rate", "re-referrals within 12 months", CP_TARGET_BAND, 0.22, 0.03, CIN},
    {"inadequate", "inadequate.ini", "turnover_rate", "turnover", CP_TARGET_BAND, 0.182, 0.015, WORKFORCE},
    {"inadequate", "inadequate.ini", "vacancy_rate", "vacancy rate", CP_TARGET_BAND, 0.263, 0.025, WORKFORCE},
    {"inadequate", "inadequate.ini", "agency_rate", "agency rate", CP_TARGET_BAND, 0.267, 0.025, WORKFORCE},
    {"inadequate", "inadequate.ini", "caseload_mean", "caseload per FTE", CP_TARGET_BAND, 17.4, 1.0, WORKFORCE},
    {"inadequate", "inadequate.ini", "sickness_rate", "sickness days lost", CP_TARGET_BAND, 0.036, 0.004, WORKFORCE},
    {"inadequate", "inadequate.ini", "assess_within_45wd", "assessments within 45 working days", CP_TARGET_LOWER, 0.0, 0.0, CIN},
    {"outstanding", "outstanding.ini", "turnover_rate", "turnover", CP_TARGET_BAND, 0.138, 0.015, WORKFORCE},
    {"outstanding", "outstanding.ini", "vacancy_rate", "vacancy rate", CP_TARGET_BAND, 0.077, 0.025, WORKFORCE},
    {"outstanding", "outstanding.ini", "agency_rate", "agency rate", CP_TARGET_BAND, 0.069, 0.025, WORKFORCE},
    {"outstanding", "outstanding.ini", "caseload_mean", "caseload per FTE", CP_TARGET_BAND, 15.5, 1.0, WORKFORCE},
    {"outstanding", "outstanding.ini", "sickness_rate", "sickness days lost", CP_TARGET_BAND, 0.024, 0.004, WORKFORCE},
    {"outstanding", "outstanding.ini", "assess_within_45wd", "assessments within 45 working days", CP_TARGET_HIGHER, 0.0, 0.0, CIN},
};

size_t cp_target_count(void) {
    return sizeof targets / sizeof targets[0];
}

const cp_target *cp_target_at(size_t index) {
    return index < cp_target_count() ? &targets[index] : NULL;
}

size_t cp_targets_check(const char *profile, const cp_experiment *exp,
                        const cp_experiment *average, cp_target_check *out) {
    size_t n = 0;
    for (size_t i = 0; i < cp_target_count(); i++) {
        const cp_target *t = &targets[i];
        if (strcmp(t->profile, profile) != 0)
            continue;
        int id = cp_outcome_find(t->outcome);
        CP_ASSERT(id >= 0);
        cp_target_check *c = &out[n++];
        c->target = t;
        c->model = exp->summary[id];
        c->reference = NAN;
        switch (t->kind) {
        case CP_TARGET_BAND:
            c->pass = fabs(c->model.mean - t->value) <= t->band;
            break;
        case CP_TARGET_LOWER:
        case CP_TARGET_HIGHER:
            if (!average) {
                c->pass = false;
                break;
            }
            c->reference = average->summary[id].mean;
            c->pass = t->kind == CP_TARGET_LOWER ? c->model.mean < c->reference
                                                 : c->model.mean > c->reference;
            break;
        }
    }
    return n;
}

/* ---- the objective -------------------------------------------------------- */

cp_status cp_calibration_objective(const cp_config *cfg, const char *profile,
                                   const cp_experiment_options *opt, double *value,
                                   cp_error *err) {
    cp_experiment_options o = *opt;
    o.skip_series = true;
    o.precision = 0.0;
    cp_experiment *exp = cp_experiment_create(cfg, &o, err);
    if (!exp)
        return err ? err->status : CP_EINTERNAL;
    cp_status status = cp_experiment_run(exp, err);
    if (status == CP_OK) {
        double sum = 0.0;
        for (size_t i = 0; i < cp_target_count(); i++) {
            const cp_target *t = &targets[i];
            if (strcmp(t->profile, profile) != 0 || t->kind != CP_TARGET_BAND)
                continue;
            double z = (exp->summary[cp_outcome_find(t->outcome)].mean - t->value) / t->band;
            sum += z * z;
        }
        *value = sum;
    }
    cp_experiment_destroy(exp);
    return status;
}

typedef struct fit_context {
    cp_config base;
    cp_calibration *cal;
    const cp_schema_entry *entries[CP_CALIBRATION_MAX_PARAMS];
    cp_status status;
    cp_error *err;
} fit_context;

static double *field(cp_config *cfg, const cp_schema_entry *e) {
    return (double *)(void *)((char *)cfg + e->offset);
}

static double clamp_to_range(const cp_schema_entry *e, double v) {
    return v < e->min ? e->min : v > e->max ? e->max : v;
}

static double fit_objective(const gsl_vector *x, void *params) {
    fit_context *ctx = params;
    if (ctx->status != CP_OK)
        return GSL_POSINF;
    cp_config cfg = ctx->base;
    for (size_t i = 0; i < ctx->cal->param_count; i++)
        *field(&cfg, ctx->entries[i]) = clamp_to_range(ctx->entries[i], gsl_vector_get(x, i));
    double value = GSL_POSINF;
    ctx->status = cp_calibration_objective(&cfg, ctx->cal->profile, &ctx->cal->options, &value,
                                           ctx->err);
    ctx->cal->evaluations++;
    return value;
}

cp_status cp_calibrate(cp_config *cfg, cp_calibration *cal, cp_error *err) {
    cp_gsl_errors_off();
    if (cal->param_count == 0 || cal->param_count > CP_CALIBRATION_MAX_PARAMS)
        return cp_error_set(err, CP_EINPUT, "calibration needs 1 to %d parameters",
                            CP_CALIBRATION_MAX_PARAMS);
    fit_context ctx = {.base = *cfg, .cal = cal, .status = CP_OK, .err = err};
    size_t n = cal->param_count;
    for (size_t i = 0; i < n; i++) {
        char section[64];
        const char *dot = strchr(cal->params[i], '.');
        if (!dot || (size_t)(dot - cal->params[i]) >= sizeof section)
            return cp_error_set(err, CP_EINPUT, "calibration parameter \"%s\" is not section.key",
                                cal->params[i]);
        memcpy(section, cal->params[i], (size_t)(dot - cal->params[i]));
        section[dot - cal->params[i]] = '\0';
        const cp_schema_entry *e = cp_schema_find(section, dot + 1);
        if (!e || e->type != CP_TYPE_REAL || cp_schema_is_shock(e))
            return cp_error_set(err, CP_EINPUT,
                                "calibration parameter \"%s\" is not a real-valued scenario key",
                                cal->params[i]);
        ctx.entries[i] = e;
        cal->start[i] = *field(cfg, e);
    }
    gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    if (!x || !step || !s) {
        gsl_vector_free(x);
        gsl_vector_free(step);
        gsl_multimin_fminimizer_free(s);
        return cp_error_set(err, CP_ENOMEM, "out of memory for the optimiser");
    }
    for (size_t i = 0; i < n; i++) {
        gsl_vector_set(x, i, cal->start[i]);
        /* first simplex: 20% of the start value (or of the range when 0) */
        double scale = fabs(cal->start[i]) > 0.0 ? 0.2 * fabs(cal->start[i])
                                                 : 0.1 * (ctx.entries[i]->max - ctx.entries[i]->min);
        gsl_vector_set(step, i, scale);
    }
    gsl_multimin_function f = {.f = fit_objective, .n = n, .params = &ctx};
    cal->evaluations = 0;
    cal->start_objective = fit_objective(x, &ctx);
    gsl_multimin_fminimizer_set(s, &f, x, step);
    cal->converged = false;
    size_t max_eval = cal->max_evaluations ? cal->max_evaluations : 200;
    while (ctx.status == CP_OK && cal->evaluations < max_eval) {
        if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
            break;
        /* the simplex has shrunk to about 0.5% of the values: done */
        double size = gsl_multimin_fminimizer_size(s);
        double typical = 0.0;
        for (size_t i = 0; i < n; i++)
            typical += fabs(gsl_vector_get(s->x, i)) / (double)n;
        if (gsl_multimin_test_size(size, 0.005 * (typical > 0.0 ? typical : 1.0)) == GSL_SUCCESS) {
            cal->converged = true;
            break;
        }
    }
    cp_status status = ctx.status;
    if (status == CP_OK) {
        cal->objective = s->fval;
        for (size_t i = 0; i < n; i++) {
            cal->fitted[i] = clamp_to_range(ctx.entries[i], gsl_vector_get(s->x, i));
            *field(cfg, ctx.entries[i]) = cal->fitted[i];
        }
    }
    gsl_vector_free(x);
    gsl_vector_free(step);
    gsl_multimin_fminimizer_free(s);
    return status;
}
