/* sensitivity.c: Morris elementary effects and Sobol indices, with
 * bootstrap intervals (contract in cpsim/sweep.h).
 *
 * Estimators. Morris: mu* = mean |EE| (Campolongo, Cariboni and Saltelli
 * 2007), which ranks parameters even when effects change sign, with mu and
 * sigma alongside. Sobol: the Saltelli et al. (2010) first-order estimator
 * f(B)(f(AB_j) - f(A)) and the Jansen (1999) total estimator
 * (f(A) - f(AB_j))^2 / 2, both over the variance of the pooled A and B
 * outputs. These are the estimators that paper recommends for N(k + 2)
 * runs, and the ones SALib uses, so results can be checked against it.
 * Like SALib, we centre f(B) on the pooled mean in the first-order
 * estimator: its expectation does not change (f(AB_j) - f(A) has mean 0),
 * but its variance does, by a term in mean^2, and outcomes such as missed
 * risk events a year sit far from 0 relative to their spread. The total
 * estimator needs no centring: it only sees differences.
 *
 * Intervals: percentile bootstrap. Base rows (Sobol) or trajectories
 * (Morris) are resampled with replacement, because those are the independent
 * units: the k + 2 rows of one base row share A_i and B_i and must move
 * together. The percentile interval needs no normality, which matters for
 * indices near 0 whose sampling distribution is skewed. Every resample is
 * drawn from one stream in a fixed order, so intervals are reproducible.
 *
 * Memory: one workspace per call (B estimates per index, a resample's
 * indices), allocated before the bootstrap loop; nothing inside it
 * allocates.
 */
#include "cpsim/sweep.h"

#include "cpsim/rng.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 2.5% and 97.5% of the finite values in x[0..n) (sorted in place). */
static void percentile_interval(double *x, size_t n, cp_index_estimate *out) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            x[m++] = x[i];
    if (m < 2) {
        out->ci_low = out->ci_high = NAN;
        return;
    }
    gsl_sort(x, 1, m);
    out->ci_low = gsl_stats_quantile_from_sorted_data(x, 1, m, 0.025);
    out->ci_high = gsl_stats_quantile_from_sorted_data(x, 1, m, 0.975);
}

/* ---- Morris ---------------------------------------------------------------- */

/* The elementary effects: ee[t * k + j] for trajectory t and parameter j. */
static cp_status morris_effects(const double *u, const double *y, size_t r, size_t k, double *ee,
                                cp_error *err) {
    for (size_t t = 0; t < r; t++) {
        for (size_t j = 0; j < k; j++)
            ee[t * k + j] = NAN;
        for (size_t s = 1; s <= k; s++) {
            size_t row = t * (k + 1) + s;
            const double *prev = u + (row - 1) * k;
            const double *cur = u + row * k;
            size_t moved = k;
            size_t changes = 0;
            for (size_t j = 0; j < k; j++) {
                if (cur[j] != prev[j]) {
                    moved = j;
                    changes++;
                }
            }
            if (changes != 1 || !isnan(ee[t * k + moved]))
                return cp_error_set(err, CP_EINPUT,
                                    "rows %zu and %zu are not a Morris step: %zu coordinates "
                                    "changed (want exactly one, each once per trajectory)",
                                    row - 1, row, changes);
            ee[t * k + moved] = (y[row] - y[row - 1]) / (cur[moved] - prev[moved]);
        }
    }
    return CP_OK;
}

/* mu*, mu and sigma of parameter j over trajectories pick[0..m) (or 0..m-1
 * when pick is NULL), finite effects only. */
static void morris_stats(const double *ee, size_t k, size_t j, const size_t *pick, size_t m,
                         size_t *n_out, double *mu_star, double *mu, double *sigma) {
    size_t n = 0;
    double sum = 0, sum_abs = 0;
    for (size_t i = 0; i < m; i++) {
        double e = ee[(pick ? pick[i] : i) * k + j];
        if (!isfinite(e))
            continue;
        n++;
        sum += e;
        sum_abs += fabs(e);
    }
    *n_out = n;
    *mu_star = *mu = *sigma = NAN;
    if (n == 0)
        return;
    *mu = sum / (double)n;
    *mu_star = sum_abs / (double)n;
    if (n < 2)
        return;
    double ss = 0;
    for (size_t i = 0; i < m; i++) {
        double e = ee[(pick ? pick[i] : i) * k + j];
        if (isfinite(e))
            ss += (e - *mu) * (e - *mu);
    }
    *sigma = sqrt(ss / (double)(n - 1));
}

cp_status cp_morris_analyse(const double *u, const double *y, size_t r, size_t k, size_t bootstrap,
                            uint64_t seed, uint64_t substream, cp_morris_index *out,
                            cp_error *err) {
    if (r == 0 || k == 0)
        return cp_error_set(err, CP_EINPUT, "Morris analysis needs at least 1 trajectory");
    double *ee = malloc(r * k * sizeof *ee);
    double *boot = malloc((bootstrap ? bootstrap : 1) * 3 * k * sizeof *boot);
    size_t *pick = malloc(r * sizeof *pick);
    if (!ee || !boot || !pick) {
        free(ee);
        free(boot);
        free(pick);
        return cp_error_set(err, CP_ENOMEM, "out of memory for Morris analysis");
    }
    cp_status st = morris_effects(u, y, r, k, ee, err);
    if (st != CP_OK)
        goto done;
    for (size_t j = 0; j < k; j++) {
        cp_morris_index *o = &out[j];
        morris_stats(ee, k, j, NULL, r, &o->n, &o->mu_star.estimate, &o->mu.estimate,
                     &o->sigma.estimate);
        o->mu_star.ci_low = o->mu_star.ci_high = NAN;
        o->mu.ci_low = o->mu.ci_high = NAN;
        o->sigma.ci_low = o->sigma.ci_high = NAN;
    }
    if (bootstrap > 0) {
        gsl_rng *rng = cp_rng_stream_create(seed, substream, CP_SWEEP_STREAM_BOOTSTRAP, err);
        if (!rng) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory for the bootstrap");
            goto done;
        }
        /* boot[(index * k + j) * bootstrap + b]: one contiguous run of B
         * estimates per (index, parameter), ready to sort. */
        for (size_t b = 0; b < bootstrap; b++) {
            for (size_t i = 0; i < r; i++)
                pick[i] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)r);
            for (size_t j = 0; j < k; j++) {
                size_t n;
                double ms, m, s;
                morris_stats(ee, k, j, pick, r, &n, &ms, &m, &s);
                boot[(0 * k + j) * bootstrap + b] = ms;
                boot[(1 * k + j) * bootstrap + b] = m;
                boot[(2 * k + j) * bootstrap + b] = s;
            }
        }
        gsl_rng_free(rng);
        for (size_t j = 0; j < k; j++) {
            percentile_interval(boot + (0 * k + j) * bootstrap, bootstrap, &out[j].mu_star);
            percentile_interval(boot + (1 * k + j) * bootstrap, bootstrap, &out[j].mu);
            percentile_interval(boot + (2 * k + j) * bootstrap, bootstrap, &out[j].sigma);
        }
    }
done:
    free(ee);
    free(boot);
    free(pick);
    return st;
}

/* ---- Sobol ------------------------------------------------------------------ */

/* S1 and ST of every parameter over base rows pick[0..m) (0..m-1 when pick
 * is NULL) of the usable rows `rows`; s1 and st have k entries. The caller
 * handles m < 2 (no variance to divide by): reading rows[] is then never
 * needed, and keeping that case out of here means rows is only passed once
 * it holds m >= 2 entries. */
static void sobol_estimate(const double *y, size_t k, const size_t *rows, const size_t *pick,
                           size_t m, double *s1, double *st) {
    CP_ASSERT(m >= 2);
    const size_t stride = k + 2;
    for (size_t j = 0; j < k; j++)
        s1[j] = st[j] = NAN;
    /* Pooled variance of the A and B outputs (2m values), two-pass. */
    double mean = 0;
    for (size_t i = 0; i < m; i++) {
        const double *blk = y + rows[pick ? pick[i] : i] * stride;
        mean += blk[0] + blk[k + 1];
    }
    mean /= (double)(2 * m);
    double var = 0;
    for (size_t i = 0; i < m; i++) {
        const double *blk = y + rows[pick ? pick[i] : i] * stride;
        var += (blk[0] - mean) * (blk[0] - mean) + (blk[k + 1] - mean) * (blk[k + 1] - mean);
    }
    var /= (double)(2 * m);
    if (!(var > 0))
        return;
    for (size_t j = 0; j < k; j++) {
        double first = 0, total = 0;
        for (size_t i = 0; i < m; i++) {
            const double *blk = y + rows[pick ? pick[i] : i] * stride;
            double fa = blk[0], fab = blk[1 + j], fb = blk[k + 1];
            first += (fb - mean) * (fab - fa);
            total += (fa - fab) * (fa - fab);
        }
        s1[j] = first / (double)m / var;
        st[j] = total / (double)m / (2.0 * var);
    }
}

cp_status cp_sobol_analyse(const double *y, size_t n, size_t k, size_t bootstrap, uint64_t seed,
                           uint64_t substream, cp_sobol_index *out, cp_error *err) {
    if (n == 0 || k == 0)
        return cp_error_set(err, CP_EINPUT, "Sobol analysis needs at least 1 base row");
    size_t *rows = malloc(n * sizeof *rows);
    size_t *pick = malloc(n * sizeof *pick);
    double *est = malloc(2 * k * sizeof *est);
    double *boot = malloc((bootstrap ? bootstrap : 1) * 2 * k * sizeof *boot);
    if (!rows || !pick || !est || !boot) {
        free(rows);
        free(pick);
        free(est);
        free(boot);
        return cp_error_set(err, CP_ENOMEM, "out of memory for Sobol analysis");
    }
    /* Usable base rows: all k + 2 outputs finite. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool ok = true;
        for (size_t c = 0; c < k + 2; c++)
            ok = ok && isfinite(y[i * (k + 2) + c]);
        if (ok)
            rows[m++] = i;
    }
    /* Fewer than 2 usable rows: no variance, so NaN indices and no
     * bootstrap. Decided here rather than inside sobol_estimate, so rows is
     * never handed on when no entry of it was written (gcc -O2 rightly
     * flagged that path as a read of uninitialised memory). */
    if (m >= 2) {
        sobol_estimate(y, k, rows, NULL, m, est, est + k);
    } else {
        for (size_t j = 0; j < 2 * k; j++)
            est[j] = NAN;
    }
    for (size_t j = 0; j < k; j++) {
        out[j].n = m;
        out[j].first.estimate = est[j];
        out[j].total.estimate = est[k + j];
        out[j].first.ci_low = out[j].first.ci_high = NAN;
        out[j].total.ci_low = out[j].total.ci_high = NAN;
    }
    cp_status st = CP_OK;
    if (bootstrap > 0 && m >= 2) {
        gsl_rng *rng = cp_rng_stream_create(seed, substream, CP_SWEEP_STREAM_BOOTSTRAP, err);
        if (!rng) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory for the bootstrap");
        } else {
            for (size_t b = 0; b < bootstrap; b++) {
                for (size_t i = 0; i < m; i++)
                    pick[i] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)m);
                sobol_estimate(y, k, rows, pick, m, est, est + k);
                for (size_t j = 0; j < k; j++) {
                    boot[j * bootstrap + b] = est[j];
                    boot[(k + j) * bootstrap + b] = est[k + j];
                }
            }
            gsl_rng_free(rng);
            for (size_t j = 0; j < k; j++) {
                percentile_interval(boot + j * bootstrap, bootstrap, &out[j].first);
                percentile_interval(boot + (k + j) * bootstrap, bootstrap, &out[j].total);
            }
        }
    }
    free(rows);
    free(pick);
    free(est);
    free(boot);
    return st;
}

/* ---- over a merged sweep ---------------------------------------------------- */

void cp_sweep_sensitivity_destroy(cp_sweep_sensitivity *s) {
    if (!s)
        return;
    free(s->morris);
    free(s->sobol);
    free(s);
}

cp_sweep_sensitivity *cp_sweep_sensitivity_create(const cp_sweep *sw, const cp_sweep_results *r,
                                                  const int *outcomes, size_t outcome_count,
                                                  size_t bootstrap, cp_error *err) {
    if (sw->design != CP_DESIGN_MORRIS && sw->design != CP_DESIGN_SALTELLI) {
        cp_error_set(err, CP_EINPUT,
                     "sensitivity indices need a morris or saltelli design; %s is a %s design",
                     sw->path, cp_design_name(sw->design));
        return NULL;
    }
    if (outcome_count == 0 || outcome_count > CP_OUTCOME_COUNT) {
        cp_error_set(err, CP_EINPUT,
                     "no outcomes to analyse: list them with `outcomes = a, b` in [sweep] of %s "
                     "or with --outcomes",
                     sw->path);
        return NULL;
    }
    size_t missing = cp_sweep_results_missing(r, 0, cp_sweep_pairs(sw));
    if (missing > 0) {
        cp_error_set(err, CP_EINPUT,
                     "the sweep is incomplete (%zu pairs missing): run the "
                     "missing pairs and `cpsim merge` first",
                     missing);
        return NULL;
    }
    const size_t k = sw->param_count;
    cp_sweep_sensitivity *s = calloc(1, sizeof *s);
    double *means = malloc(sw->point_count * sizeof *means);
    if (!s || !means) {
        free(s);
        free(means);
        cp_error_set(err, CP_ENOMEM, "out of memory for sensitivity analysis");
        return NULL;
    }
    s->design = sw->design;
    s->outcome_count = outcome_count;
    memcpy(s->outcomes, outcomes, outcome_count * sizeof *outcomes);
    s->param_count = k;
    s->bootstrap = bootstrap;
    if (sw->design == CP_DESIGN_MORRIS)
        s->morris = calloc(outcome_count * k, sizeof *s->morris);
    else
        s->sobol = calloc(outcome_count * k, sizeof *s->sobol);
    if (!s->morris && !s->sobol) {
        free(means);
        cp_sweep_sensitivity_destroy(s);
        cp_error_set(err, CP_ENOMEM, "out of memory for sensitivity analysis");
        return NULL;
    }
    for (size_t o = 0; o < outcome_count; o++) {
        cp_sweep_results_point_means(r, outcomes[o], means);
        cp_status st;
        if (sw->design == CP_DESIGN_MORRIS)
            st = cp_morris_analyse(sw->unit, means, sw->points_key, k, bootstrap, sw->seed,
                                   (uint64_t)outcomes[o], s->morris + o * k, err);
        else
            st = cp_sobol_analyse(means, sw->points_key, k, bootstrap, sw->seed,
                                  (uint64_t)outcomes[o], s->sobol + o * k, err);
        if (st != CP_OK) {
            free(means);
            cp_sweep_sensitivity_destroy(s);
            return NULL;
        }
    }
    free(means);
    return s;
}

static void csv_row(cp_buf *b, const char *outcome, const char *param, const char *index,
                    const cp_index_estimate *e, size_t n) {
    cp_csv_field(b, outcome);
    cp_buf_puts(b, ",");
    cp_csv_field(b, param);
    cp_buf_printf(b, ",%s,", index);
    cp_format_number(b, e->estimate);
    cp_buf_puts(b, ",");
    cp_format_number(b, e->ci_low);
    cp_buf_puts(b, ",");
    cp_format_number(b, e->ci_high);
    cp_buf_printf(b, ",%zu\n", n);
}

void cp_sweep_sensitivity_csv(const cp_sweep *sw, const cp_sweep_sensitivity *s, cp_buf *b) {
    cp_buf_puts(b, "outcome,parameter,index,estimate,ci_low,ci_high,n\n");
    for (size_t o = 0; o < s->outcome_count; o++) {
        const char *outcome = cp_outcome_info_get((cp_outcome_id)s->outcomes[o])->name;
        for (size_t j = 0; j < s->param_count; j++) {
            const char *param = sw->params[j].name;
            if (s->morris) {
                const cp_morris_index *m = &s->morris[o * s->param_count + j];
                csv_row(b, outcome, param, "mu_star", &m->mu_star, m->n);
                csv_row(b, outcome, param, "mu", &m->mu, m->n);
                csv_row(b, outcome, param, "sigma", &m->sigma, m->n);
            } else {
                const cp_sobol_index *x = &s->sobol[o * s->param_count + j];
                csv_row(b, outcome, param, "S1", &x->first, x->n);
                csv_row(b, outcome, param, "ST", &x->total, x->n);
            }
        }
    }
}
