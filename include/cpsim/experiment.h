/* cpsim/experiment.h: Monte Carlo replications, statistics, paired comparisons.
 *
 * Contract
 * - An experiment runs replications 0, 1, ..., N-1 of one cp_config with a
 *   master seed; replication r is cp_model_run(model, seed, r, ...), so it is
 *   fixed by (config, seed, r) alone. T worker threads each own one cp_model
 *   and one cp_result (memory per thread is one replication's state; nothing
 *   per event is kept) and take replication numbers from a shared counter.
 *   Each replication's outcomes and time series are copied into arrays
 *   indexed by r, and every statistic is computed only after all threads have
 *   joined, in replication order: results are byte-identical whatever T.
 * - Precision stopping runs batches of `replications` (boundaries N, 2N, 3N,
 *   ... capped at max_replications, never dependent on T) and stops after
 *   the first batch at which every chosen outcome's 95% CI half-width is
 *   within `precision` x |mean|. Whether it stopped that way is recorded.
 * - Time series: every replication's series is kept in memory
 *   (N x rows x CP_SERIES_COUNT doubles: about 54 KB a replication for ten
 *   years of weekly rows) and the band (mean, exact 5th and 95th
 *   percentiles across replications) is computed at the end. We chose exact
 *   quantiles over a streaming sketch: it is simple and deterministic, and a
 *   thousand ten-year replications fit in 60 MB.
 * - Before anything is allocated, a run whose memory could never fit is
 *   refused with CP_EINPUT (cpsim/memcheck.h), so it fails in a second and
 *   not by the kernel's OOM killer hours later.
 * - An interrupt flag (set by the cli's signal handler) stops threads from
 *   starting new replications; the run then returns CP_EINTERRUPTED and
 *   nothing is summarised or written.
 * - A comparison runs several scenarios with the same seed and replication
 *   numbers, so replication r of each sees the same random streams (common
 *   random numbers), and reports paired differences against the first.
 * Errors are values (cp_error); nothing here prints. Progress callbacks are
 * the caller's code, called from worker threads one at a time.
 */
#ifndef CPSIM_EXPERIMENT_H
#define CPSIM_EXPERIMENT_H

#include "cpsim/config.h"
#include "cpsim/error.h"
#include "cpsim/model.h"
#include "cpsim/output.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- statistics (sim/experiment/stats.c) ---------------------------------
 * Inputs are strided so a column of a row-major table can be read in place:
 * element i is x[i * stride]. Non-finite values are left out (n counts the
 * rest). Mean and sd are computed in input order (two-pass, as GSL does);
 * quantiles by linear interpolation between order statistics
 * (gsl_stats_quantile_from_sorted_data, R's type 7). */

#define CP_STATS_LEVEL 0.95

/* Scratch doubles the functions below need for n inputs. */
#define CP_STATS_SCRATCH(n) (3 * (n))

/* t such that P(-t <= T_df <= t) = level: the Student t multiplier of a
 * two-sided confidence interval. NaN when df <= 0. */
double cp_stats_t_critical(double level, double df);

/* Mean, sd (n - 1 denominator), 95% t interval, median, 5th and 95th
 * percentiles. With n = 1 the sd and interval are NaN; with n = 0 everything
 * but n is NaN. */
void cp_stats_summarise(const double *x, size_t n, size_t stride, double *scratch, cp_summary *out);

/* Paired comparison of other against base over replications where both are
 * finite: d_i = other_i - base_i, mean, sd and 95% t interval of d, and the
 * half-width a Welch two-sample interval would have had on the same data. */
void cp_stats_paired(const double *base, const double *other, size_t n, size_t stride,
                     double *scratch, cp_paired_summary *out);

/* True when the 95% CI half-width is at most precision x |mean| (a mean of 0
 * needs a half-width of 0). False when n < 2. */
bool cp_stats_precision_met(const cp_summary *s, double precision);

/* ---- the thread pool (sim/experiment/pool.c) ------------------------------ */

/* Told after each finished replication: done so far, and the current target
 * (which grows by a batch at a time under precision stopping). */
typedef void (*cp_progress_fn)(void *ctx, size_t done, size_t target);

/* Told of replication r's whole result as soon as it has run, e.g. to keep
 * the end-of-run worker distributions (cp_result burnout_end) that the
 * experiment itself does not keep. Called from worker threads, possibly at
 * the same time for different replications: it must write only to storage
 * owned by r (sized by the caller for every replication it asked for), and
 * must not keep the pointer. */
typedef void (*cp_replication_fn)(void *ctx, size_t replication, const cp_result *result);

/* ---- experiments ----------------------------------------------------------- */

typedef struct cp_experiment_options {
    uint64_t seed;
    size_t replications; /* to run; with precision stopping, the batch size (>= 2) */
    int threads;         /* >= 1; more threads than replications are not started */
    /* precision stopping: off when precision <= 0 */
    double precision;                         /* relative CI half-width target, e.g. 0.05 */
    int precision_outcomes[CP_OUTCOME_COUNT]; /* cp_outcome_id values */
    size_t precision_outcome_count;
    size_t max_replications; /* cap under precision stopping */
    bool skip_series;        /* keep no time series (a comparison does not need them) */
    const volatile sig_atomic_t *interrupt; /* may be NULL */
    cp_progress_fn progress;                /* may be NULL */
    void *progress_ctx;
    cp_replication_fn on_replication; /* may be NULL */
    void *replication_ctx;
} cp_experiment_options;

/* One thread, no precision stopping, no interrupt, no progress; seed and
 * replications from cfg. */
void cp_experiment_options_defaults(cp_experiment_options *opt, const cp_config *cfg);

/* The results; read-only for callers. */
typedef struct cp_experiment {
    cp_config config;
    cp_experiment_options options;
    size_t replications; /* completed: 0 .. replications-1 */
    size_t series_rows;
    double *outcomes; /* [r * CP_OUTCOME_COUNT + k] */
    double *series;   /* [(r * series_rows + row) * CP_SERIES_COUNT + m] */
    cp_summary summary[CP_OUTCOME_COUNT];
    double *series_mean; /* [row * CP_SERIES_COUNT + m] */
    double *series_p5;
    double *series_p95;
    bool precision_reached;
    double wall_seconds; /* of cp_experiment_run */
    size_t capacity;     /* replications the arrays have room for */
} cp_experiment;

/* Checks the options and copies cfg; allocates nothing per replication yet.
 * CP_EINPUT for bad options (threads < 1, replications < 1, precision
 * stopping with fewer than 2 per batch or a cap below the batch). */
cp_experiment *cp_experiment_create(const cp_config *cfg, const cp_experiment_options *opt,
                                    cp_error *err);
void cp_experiment_destroy(cp_experiment *exp);

/* Runs the replications and computes every statistic. Call once. */
cp_status cp_experiment_run(cp_experiment *exp, cp_error *err);

/* Context for manifest.json: what the user ran, and when. */
typedef struct cp_run_info {
    int argc;
    const char *const *argv;    /* the command line as typed */
    const char *start_time_utc; /* from cp_time_utc_iso8601 */
    double wall_seconds;        /* whole command, loading to writing */
    const char *scenario_path;  /* run: the scenario file (or NULL) */
    const char *scenario_label; /* run: a short name for it (or NULL) */
} cp_run_info;

/* Writes runs.csv, summary.csv, timeseries.csv and manifest.json into dir
 * (which must exist): all are staged first and renamed only when every one
 * was written, so a failure leaves dir as it was. */
cp_status cp_experiment_write(const cp_experiment *exp, const char *dir, const cp_run_info *info,
                              cp_error *err);

/* "YYYY-MM-DDTHH:MM:SSZ" for now; buf needs 21 bytes. */
void cp_time_utc_iso8601(char *buf, size_t size);
/* Peak resident memory of this process in KiB (getrusage ru_maxrss). */
long cp_peak_memory_kib(void);
/* A monotonic clock in seconds, for wall times and ETAs. */
double cp_monotonic_seconds(void);

/* ---- paired comparisons (sim/experiment/compare.c) ------------------------- */

typedef struct cp_comparison {
    size_t scenario_count;
    char **labels;             /* [s] */
    char **paths;              /* [s], NULL entries when not from a file */
    cp_experiment **runs;      /* [s]: same seed and replications for all */
    cp_paired_summary *paired; /* [(s - 1) * CP_OUTCOME_COUNT + k], s >= 1 */
} cp_comparison;

/* configs[0] is the baseline. Labels are copied; paths may be NULL.
 * Every scenario runs with a copy of opt (so an on_replication callback sees
 * replication r once per scenario; the scenarios run one after another).
 * Precision stopping is not offered for comparisons (opt->precision must be
 * <= 0): every scenario runs exactly opt->replications. */
cp_comparison *cp_comparison_create(const cp_config *configs, const char *const *labels,
                                    const char *const *paths, size_t count,
                                    const cp_experiment_options *opt, cp_error *err);
void cp_comparison_destroy(cp_comparison *cmp);
/* Runs every scenario in turn (each across opt->threads), then pairs them.
 * Progress counts replications over all scenarios. */
cp_status cp_comparison_run(cp_comparison *cmp, cp_error *err);
/* Writes compare.csv and manifest.json into dir, atomically as a set. */
cp_status cp_comparison_write(const cp_comparison *cmp, const char *dir, const cp_run_info *info,
                              cp_error *err);

#endif
