/* stats.c: summaries over replications, and paired differences.
 *
 * Replications are independent and identically distributed, so the usual
 * Student t interval is the right one for a mean; with the 20-plus
 * replications users normally run it is close to normal theory anyway, and
 * with few it is honestly wider. Percentiles are of the replication values
 * (the spread of outcomes a team might see in a year), not intervals for a
 * percentile.
 *
 * Determinism: every function reads its input in index order (replication
 * order) and never depends on how the values were produced, so the same
 * values give the same bytes. The finite values are copied first (mean and
 * sd in input order), then a second copy is sorted for quantiles; the
 * scratch space is the caller's (no allocation here).
 *
 * Values that are not finite (an outcome undefined in a replication, e.g. a
 * share of ICPCs in a run that had none) are dropped, and n says how many
 * remained: dropping is visible, and silently averaging in a NaN would make
 * the whole row NaN.
 */
#include "cpsim/experiment.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

double cp_stats_t_critical(double level, double df) {
    if (!(df > 0) || !(level > 0 && level < 1))
        return NAN;
    return gsl_cdf_tdist_Pinv(1.0 - (1.0 - level) / 2.0, df);
}

static size_t copy_finite(const double *x, size_t n, size_t stride, double *out) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isfinite(v))
            out[m++] = v;
    }
    return m;
}

/* Summary of y[0..n) (all finite), sorted copy made in sorted[]. */
static void summarise_finite(const double *y, size_t n, double *sorted, cp_summary *out) {
    out->n = n;
    out->mean = out->sd = out->ci_low = out->ci_high = NAN;
    out->median = out->p5 = out->p95 = NAN;
    if (n == 0)
        return;
    out->mean = gsl_stats_mean(y, 1, n);
    if (n >= 2) {
        out->sd = gsl_stats_sd_m(y, 1, n, out->mean);
        double half =
            cp_stats_t_critical(CP_STATS_LEVEL, (double)(n - 1)) * out->sd / sqrt((double)n);
        out->ci_low = out->mean - half;
        out->ci_high = out->mean + half;
    }
    memcpy(sorted, y, n * sizeof *sorted);
    gsl_sort(sorted, 1, n);
    out->median = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.5);
    out->p5 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.05);
    out->p95 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.95);
}

void cp_stats_summarise(const double *x, size_t n, size_t stride, double *scratch,
                        cp_summary *out) {
    size_t m = copy_finite(x, n, stride, scratch);
    summarise_finite(scratch, m, scratch + n, out);
}

void cp_stats_paired(const double *base, const double *other, size_t n, size_t stride,
                     double *scratch, cp_paired_summary *out) {
    double *a = scratch, *b = scratch + n, *d = scratch + 2 * n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double va = base[i * stride], vb = other[i * stride];
        if (isfinite(va) && isfinite(vb)) {
            a[m] = va;
            b[m] = vb;
            d[m] = vb - va;
            m++;
        }
    }
    out->n = m;
    out->baseline_mean = out->scenario_mean = out->diff_mean = out->diff_sd = NAN;
    out->ci_low = out->ci_high = out->paired_half_width = NAN;
    out->unpaired_half_width = out->width_ratio = NAN;
    if (m == 0)
        return;
    out->baseline_mean = gsl_stats_mean(a, 1, m);
    out->scenario_mean = gsl_stats_mean(b, 1, m);
    out->diff_mean = gsl_stats_mean(d, 1, m);
    if (m < 2)
        return;
    double nn = (double)m;
    out->diff_sd = gsl_stats_sd_m(d, 1, m, out->diff_mean);
    out->paired_half_width = cp_stats_t_critical(CP_STATS_LEVEL, nn - 1) * out->diff_sd / sqrt(nn);
    out->ci_low = out->diff_mean - out->paired_half_width;
    out->ci_high = out->diff_mean + out->paired_half_width;

    /* Welch: standard error from the two variances, degrees of freedom by
     * Welch-Satterthwaite. With equal n it never beats the pooled interval
     * by much, so it is a fair "what if the streams were independent". */
    double va = gsl_stats_variance_m(a, 1, m, out->baseline_mean) / nn;
    double vb = gsl_stats_variance_m(b, 1, m, out->scenario_mean) / nn;
    double se2 = va + vb;
    if (se2 > 0) {
        double df = se2 * se2 / (va * va / (nn - 1) + vb * vb / (nn - 1));
        out->unpaired_half_width = cp_stats_t_critical(CP_STATS_LEVEL, df) * sqrt(se2);
        out->width_ratio = out->paired_half_width / out->unpaired_half_width;
    } else {
        out->unpaired_half_width = 0;
    }
}

bool cp_stats_precision_met(const cp_summary *s, double precision) {
    if (s->n < 2 || !isfinite(s->ci_high) || !isfinite(s->mean))
        return false;
    double half = (s->ci_high - s->ci_low) / 2;
    return half <= precision * fabs(s->mean);
}
