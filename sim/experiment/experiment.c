/* experiment.c: replications of one scenario across threads, and their
 * statistics and files (contract in cpsim/experiment.h).
 *
 * Determinism argument, in full: replication r's numbers depend only on
 * (config, seed, r) (cpsim/model.h); the worker that ran it copies them into
 * slot r of arrays allocated before the batch started; statistics read the
 * slots in order 0..N-1 after every worker has joined; and batch boundaries
 * under precision stopping depend on N and on those statistics only. So no
 * byte of runs.csv, summary.csv or timeseries.csv depends on the thread
 * count or on scheduling.
 *
 * Memory: one cp_model and one cp_result per thread (created inside the
 * worker, freed when it ends), plus the per-replication arrays, which grow
 * by realloc between batches, never while workers run.
 */
#include "cpsim/experiment.h"

#include "cpsim/memcheck.h"
#include "cpsim/scenario.h"
#include "experiment_internal.h"
#include "pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifndef CPSIM_VERSION
#define CPSIM_VERSION "unknown"
#endif
#ifndef CPSIM_GIT_COMMIT
#define CPSIM_GIT_COMMIT "unknown"
#endif

#define GENERATOR_NAME "philox4x64-10 (Random123)"

void cp_experiment_options_defaults(cp_experiment_options *opt, const cp_config *cfg) {
    memset(opt, 0, sizeof *opt);
    opt->seed = cfg->seed;
    opt->replications = cfg->replications > 0 ? (size_t)cfg->replications : 1;
    opt->threads = 1;
    opt->precision = 0;
    opt->max_replications = 0;
}

cp_experiment *cp_experiment_create(const cp_config *cfg, const cp_experiment_options *opt,
                                    cp_error *err) {
    if (opt->threads < 1) {
        cp_error_set(err, CP_EINPUT, "threads must be at least 1 (got %d)", opt->threads);
        return NULL;
    }
    if (opt->replications < 1) {
        cp_error_set(err, CP_EINPUT, "replications must be at least 1");
        return NULL;
    }
    if (opt->precision > 0) {
        if (opt->replications < 2) {
            cp_error_set(err, CP_EINPUT,
                         "precision stopping needs batches of at least 2 replications");
            return NULL;
        }
        if (opt->max_replications < opt->replications) {
            cp_error_set(err, CP_EINPUT, "the replication cap (%zu) is below the batch size (%zu)",
                         opt->max_replications, opt->replications);
            return NULL;
        }
        if (opt->precision_outcome_count == 0) {
            cp_error_set(err, CP_EINPUT, "precision stopping needs at least one outcome");
            return NULL;
        }
        for (size_t i = 0; i < opt->precision_outcome_count; i++) {
            if (opt->precision_outcomes[i] < 0 || opt->precision_outcomes[i] >= CP_OUTCOME_COUNT) {
                cp_error_set(err, CP_EINPUT, "unknown outcome id %d", opt->precision_outcomes[i]);
                return NULL;
            }
        }
    }
    cp_experiment *exp = calloc(1, sizeof *exp);
    if (!exp) {
        cp_error_set(err, CP_ENOMEM, "out of memory creating the experiment");
        return NULL;
    }
    exp->config = *cfg;
    exp->options = *opt;
    exp->series_rows = opt->skip_series ? 0 : cp_series_rows(cfg);
    return exp;
}

void cp_experiment_destroy(cp_experiment *exp) {
    if (!exp)
        return;
    free(exp->outcomes);
    free(exp->series);
    free(exp->series_mean);
    free(exp->series_p5);
    free(exp->series_p95);
    free(exp);
}

/* ---- one replication per job ------------------------------------------------ */

typedef struct thread_state {
    cp_model *model;
    cp_result result;
} thread_state;

typedef struct run_ctx {
    cp_experiment *exp;
    size_t target; /* for progress */
} run_ctx;

static void *thread_create(void *vctx, cp_error *err) {
    run_ctx *ctx = vctx;
    thread_state *ts = calloc(1, sizeof *ts);
    if (!ts) {
        cp_error_set(err, CP_ENOMEM, "out of memory starting a worker thread");
        return NULL;
    }
    if (cp_result_init(&ts->result, &ctx->exp->config, err) != CP_OK) {
        free(ts);
        return NULL;
    }
    ts->model = cp_model_create(&ctx->exp->config, err);
    if (!ts->model) {
        cp_result_fini(&ts->result);
        free(ts);
        return NULL;
    }
    cp_model_set_interrupt(ts->model, ctx->exp->options.interrupt);
    return ts;
}

static void thread_destroy(void *vctx, void *state) {
    (void)vctx;
    thread_state *ts = state;
    cp_model_destroy(ts->model);
    cp_result_fini(&ts->result);
    free(ts);
}

static cp_status run_one(void *vctx, void *state, size_t r, cp_error *err) {
    run_ctx *ctx = vctx;
    cp_experiment *exp = ctx->exp;
    thread_state *ts = state;
    cp_status st = cp_model_run(ts->model, exp->options.seed, (uint64_t)r, &ts->result, err);
    if (st != CP_OK)
        return st;
    /* Slot r belongs to this job alone: no lock needed. */
    memcpy(&exp->outcomes[r * CP_OUTCOME_COUNT], ts->result.outcome, sizeof ts->result.outcome);
    if (exp->series_rows > 0) {
        CP_ASSERT(ts->result.series_rows == exp->series_rows);
        size_t cells = exp->series_rows * CP_SERIES_COUNT;
        memcpy(&exp->series[r * cells], ts->result.series, cells * sizeof *exp->series);
    }
    if (exp->options.on_replication)
        exp->options.on_replication(exp->options.replication_ctx, r, &ts->result);
    return CP_OK;
}

static void finished(void *vctx, size_t r) {
    (void)r;
    run_ctx *ctx = vctx;
    cp_experiment *exp = ctx->exp;
    exp->replications++; /* under the pool's lock */
    if (exp->options.progress)
        exp->options.progress(exp->options.progress_ctx, exp->replications, ctx->target);
}

static cp_status reserve(cp_experiment *exp, size_t reps, cp_error *err) {
    if (reps <= exp->capacity)
        return CP_OK;
    size_t cells = exp->series_rows * CP_SERIES_COUNT;
    if (reps > SIZE_MAX / sizeof(double) / CP_OUTCOME_COUNT ||
        (cells && reps > SIZE_MAX / sizeof(double) / cells))
        return cp_error_set(err, CP_ENOMEM, "%zu replications do not fit in memory", reps);
    double *o = realloc(exp->outcomes, reps * CP_OUTCOME_COUNT * sizeof *o);
    if (!o)
        return cp_error_set(err, CP_ENOMEM, "out of memory for the outcomes of %zu replications",
                            reps);
    exp->outcomes = o;
    if (cells) {
        double *s = realloc(exp->series, reps * cells * sizeof *s);
        if (!s)
            return cp_error_set(err, CP_ENOMEM,
                                "out of memory for the time series of %zu replications (%zu MB);"
                                " use fewer replications or a longer series interval",
                                reps, reps * cells * sizeof *s >> 20);
        exp->series = s;
    }
    exp->capacity = reps;
    return CP_OK;
}

static cp_status summarise(cp_experiment *exp, cp_error *err) {
    size_t n = exp->replications;
    double *scratch = malloc(CP_STATS_SCRATCH(n) * sizeof *scratch);
    if (!scratch)
        return cp_error_set(err, CP_ENOMEM, "out of memory summarising %zu replications", n);
    for (int k = 0; k < CP_OUTCOME_COUNT; k++)
        cp_stats_summarise(&exp->outcomes[k], n, CP_OUTCOME_COUNT, scratch, &exp->summary[k]);
    size_t cells = exp->series_rows * CP_SERIES_COUNT;
    if (cells) {
        exp->series_mean = malloc(cells * sizeof(double));
        exp->series_p5 = malloc(cells * sizeof(double));
        exp->series_p95 = malloc(cells * sizeof(double));
        if (!exp->series_mean || !exp->series_p5 || !exp->series_p95) {
            free(scratch);
            return cp_error_set(err, CP_ENOMEM, "out of memory summarising the time series");
        }
        for (size_t c = 0; c < cells; c++) {
            cp_summary s;
            cp_stats_summarise(&exp->series[c], n, cells, scratch, &s);
            exp->series_mean[c] = s.mean;
            exp->series_p5[c] = s.p5;
            exp->series_p95[c] = s.p95;
        }
    }
    free(scratch);
    return CP_OK;
}

static bool precision_reached(cp_experiment *exp, double *scratch) {
    const cp_experiment_options *o = &exp->options;
    for (size_t i = 0; i < o->precision_outcome_count; i++) {
        int k = o->precision_outcomes[i];
        cp_summary s;
        cp_stats_summarise(&exp->outcomes[k], exp->replications, CP_OUTCOME_COUNT, scratch, &s);
        if (!cp_stats_precision_met(&s, o->precision))
            return false;
    }
    return true;
}

static bool interrupted(const cp_experiment *exp) {
    return exp->options.interrupt && *exp->options.interrupt;
}

cp_status cp_experiment_run(cp_experiment *exp, cp_error *err) {
    CP_ASSERT(exp->replications == 0); /* run once */
    double t0 = cp_monotonic_seconds();
    const cp_experiment_options *o = &exp->options;
    bool precision = o->precision > 0;
    size_t batch = o->replications;
    size_t target = batch;
    run_ctx ctx = {.exp = exp, .target = target};
    cp_pool_job job = {.ctx = &ctx,
                       .thread_create = thread_create,
                       .thread_destroy = thread_destroy,
                       .run = run_one,
                       .finished = finished};
    double *scratch = NULL;
    cp_status st = CP_OK;
    /* Before any allocation: a run that cannot fit is refused in a second
     * (cpsim/memcheck.h), not killed by the kernel hours later. */
    st = cp_experiment_check_memory(&exp->config, o, err);
    if (st != CP_OK)
        goto done;
    for (;;) {
        st = reserve(exp, target, err);
        if (st != CP_OK)
            goto done;
        ctx.target = target;
        st = cp_pool_run(&job, exp->replications, target, o->threads, o->interrupt, err);
        if (st == CP_EINTERRUPTED)
            cp_error_set(err, st, "interrupted after %zu of %zu replications; nothing written",
                         exp->replications, target);
        if (st != CP_OK)
            goto done;
        if (!precision)
            break;
        free(scratch);
        scratch = malloc(CP_STATS_SCRATCH(exp->replications) * sizeof *scratch);
        if (!scratch) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory checking precision");
            goto done;
        }
        exp->precision_reached = precision_reached(exp, scratch);
        if (exp->precision_reached || target >= o->max_replications)
            break;
        target = target + batch < o->max_replications ? target + batch : o->max_replications;
    }
    /* A signal that came after the last replication still means "stop": the
     * user gets exit 75 and no files, the same as one a second earlier. */
    if (interrupted(exp)) {
        st = cp_error_set(err, CP_EINTERRUPTED,
                          "interrupted after %zu replications; nothing written", exp->replications);
        goto done;
    }
    st = summarise(exp, err);
done:
    free(scratch);
    exp->wall_seconds = cp_monotonic_seconds() - t0;
    return st;
}

/* ---- files ----------------------------------------------------------------------- */

double cp_monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cp_time_utc_iso8601(char *buf, size_t size) {
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (size)
            buf[0] = '\0';
    }
}

long cp_peak_memory_kib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss; /* KiB on Linux; bytes on macOS, which we do not target */
}

void experiment_outcome_names(const char *names[CP_OUTCOME_COUNT]) {
    for (int k = 0; k < CP_OUTCOME_COUNT; k++)
        names[k] = cp_outcome_info_get((cp_outcome_id)k)->name;
}

void experiment_manifest_common(cp_manifest *m, const char *command, const cp_experiment *exp,
                                const cp_run_info *info) {
    memset(m, 0, sizeof *m);
    m->command = command;
    m->version = CPSIM_VERSION;
    m->git_commit = CPSIM_GIT_COMMIT;
    m->generator = GENERATOR_NAME;
    m->seed = exp->options.seed;
    m->replications = exp->replications;
    m->threads = exp->options.threads;
    m->argc = info ? info->argc : 0;
    m->argv = info ? info->argv : NULL;
    m->wall_seconds = info ? info->wall_seconds : exp->wall_seconds;
    m->peak_memory_kib = cp_peak_memory_kib();
    m->start_time_utc = info ? info->start_time_utc : NULL;
}

cp_status cp_experiment_write(const cp_experiment *exp, const char *dir, const cp_run_info *info,
                              cp_error *err) {
    enum { RUNS, SUMMARY, SERIES, MANIFEST, NFILES };
    static const char *const files[NFILES] = {"runs.csv", "summary.csv", "timeseries.csv",
                                              "manifest.json"};
    const char *names[CP_OUTCOME_COUNT];
    experiment_outcome_names(names);
    const char *measures[CP_SERIES_COUNT];
    for (int m = 0; m < CP_SERIES_COUNT; m++)
        measures[m] = cp_series_info_get((cp_series_id)m)->name;

    cp_status st = CP_OK;
    cp_buf bufs[NFILES];
    for (int i = 0; i < NFILES; i++)
        cp_buf_init(&bufs[i]);
    char *ini = cp_scenario_to_ini(&exp->config);
    uint64_t *reps = malloc((exp->replications ? exp->replications : 1) * sizeof *reps);
    if (!ini || !reps) {
        st = cp_error_set(err, CP_ENOMEM, "out of memory writing the results");
        goto done;
    }
    for (size_t r = 0; r < exp->replications; r++)
        reps[r] = r;
    cp_csv_runs(&bufs[RUNS], exp->replications, reps, exp->options.seed, names, CP_OUTCOME_COUNT,
                exp->outcomes);
    cp_csv_summary(&bufs[SUMMARY], names, exp->summary, CP_OUTCOME_COUNT);
    cp_csv_timeseries(&bufs[SERIES], exp->series_rows, exp->config.timeseries_interval_days,
                      measures, CP_SERIES_COUNT, exp->series_mean, exp->series_p5, exp->series_p95);

    cp_manifest m;
    experiment_manifest_common(&m, "run", exp, info);
    const char *precision_names[CP_OUTCOME_COUNT];
    if (exp->options.precision > 0) {
        for (size_t i = 0; i < exp->options.precision_outcome_count; i++)
            precision_names[i] = names[exp->options.precision_outcomes[i]];
        m.precision = exp->options.precision;
        m.precision_outcomes = precision_names;
        m.precision_outcome_count = exp->options.precision_outcome_count;
        m.max_replications = exp->options.max_replications;
        m.precision_reached = exp->precision_reached;
    }
    m.files = files;
    m.file_count = NFILES - 1;
    cp_manifest_scenario sc = {
        .label = NULL, .path = info ? info->scenario_path : NULL, .ini = ini};
    m.scenarios = &sc;
    m.scenario_count = 1;
    cp_json_manifest(&bufs[MANIFEST], &m);

    for (int i = 0; i < NFILES; i++) {
        if (bufs[i].failed) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory building %s", files[i]);
            goto done;
        }
    }
    /* The manifest goes last, so a directory holding a new manifest holds the
     * data files it describes. */
    st = cp_files_write_atomic(dir, files, bufs, NFILES, err);
done:
    for (int i = 0; i < NFILES; i++)
        cp_buf_fini(&bufs[i]);
    free(reps);
    free(ini);
    return st;
}
