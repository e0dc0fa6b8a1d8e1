/* compare.c: paired comparisons of scenarios with common random numbers.
 *
 * Every scenario runs replications 0..N-1 with the same master seed, so
 * replication r of each draws from the same random streams (one per purpose:
 * arrivals, durations, turnover...; see cpsim/rng.h). Differences between
 * scenarios replication by replication then cancel most of the noise the
 * scenarios share, and the paired interval is narrower than an unpaired one
 * on the same number of runs; compare.csv reports both widths so a user can
 * see how much the pairing bought.
 *
 * Scenarios run one after the other, each across all threads, rather than
 * all at once: memory stays at one experiment's worth of threads, and the
 * per-scenario arrays hold outcomes only (no time series).
 */
#include "cpsim/experiment.h"

#include "cpsim/memcheck.h"
#include "cpsim/scenario.h"
#include "experiment_internal.h"

#include <stdlib.h>
#include <string.h>

static char *dup_string(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void cp_comparison_destroy(cp_comparison *cmp) {
    if (!cmp)
        return;
    for (size_t s = 0; s < cmp->scenario_count; s++) {
        if (cmp->labels)
            free(cmp->labels[s]);
        if (cmp->paths)
            free(cmp->paths[s]);
        if (cmp->runs)
            cp_experiment_destroy(cmp->runs[s]);
    }
    free(cmp->labels);
    free(cmp->paths);
    free(cmp->runs);
    free(cmp->paired);
    free(cmp);
}

/* Progress across scenarios: scenario s reports done within itself; the
 * user's callback sees done over all of them. */
typedef struct progress_relay {
    cp_progress_fn fn;
    void *ctx;
    size_t offset;
    size_t total;
} progress_relay;

static void relay_progress(void *ctx, size_t done, size_t target) {
    (void)target;
    progress_relay *p = ctx;
    p->fn(p->ctx, p->offset + done, p->total);
}

cp_comparison *cp_comparison_create(const cp_config *configs, const char *const *labels,
                                    const char *const *paths, size_t count,
                                    const cp_experiment_options *opt, cp_error *err) {
    if (count < 2) {
        cp_error_set(err, CP_EINPUT, "a comparison needs at least two scenarios (got %zu)", count);
        return NULL;
    }
    if (opt->precision > 0) {
        cp_error_set(err, CP_EINPUT,
                     "precision stopping is not available for comparisons: give --reps");
        return NULL;
    }
    cp_comparison *cmp = calloc(1, sizeof *cmp);
    if (!cmp)
        goto oom;
    cmp->scenario_count = count;
    cmp->labels = calloc(count, sizeof *cmp->labels);
    cmp->paths = calloc(count, sizeof *cmp->paths);
    cmp->runs = calloc(count, sizeof *cmp->runs);
    cmp->paired = calloc((count - 1) * CP_OUTCOME_COUNT, sizeof *cmp->paired);
    if (!cmp->labels || !cmp->paths || !cmp->runs || !cmp->paired)
        goto oom;
    cp_experiment_options o = *opt;
    o.skip_series = true;
    for (size_t s = 0; s < count; s++) {
        cmp->labels[s] = dup_string(labels[s]);
        cmp->paths[s] = paths ? dup_string(paths[s]) : NULL;
        if (!cmp->labels[s] || (paths && paths[s] && !cmp->paths[s]))
            goto oom;
        /* The seed and replication numbers come from the options, never
         * from each scenario's own simulation.seed: that is what pairs them. */
        cmp->runs[s] = cp_experiment_create(&configs[s], &o, err);
        if (!cmp->runs[s]) {
            cp_comparison_destroy(cmp);
            return NULL;
        }
    }
    return cmp;
oom:
    cp_comparison_destroy(cmp);
    cp_error_set(err, CP_ENOMEM, "out of memory creating the comparison");
    return NULL;
}

cp_status cp_comparison_run(cp_comparison *cmp, cp_error *err) {
    size_t count = cmp->scenario_count;
    size_t reps = cmp->runs[0]->options.replications;
    /* The whole comparison's memory, before the first scenario starts. */
    cp_experiment_options all = cmp->runs[0]->options;
    cp_config *configs = malloc(count * sizeof *configs);
    if (!configs)
        return cp_error_set(err, CP_ENOMEM, "out of memory checking the comparison's memory");
    for (size_t s = 0; s < count; s++)
        configs[s] = cmp->runs[s]->config;
    cp_status checked = cp_comparison_check_memory(configs, count, &all, err);
    free(configs);
    if (checked != CP_OK)
        return checked;
    progress_relay relay = {.fn = cmp->runs[0]->options.progress,
                            .ctx = cmp->runs[0]->options.progress_ctx,
                            .offset = 0,
                            .total = count * reps};
    for (size_t s = 0; s < count; s++) {
        cp_experiment *exp = cmp->runs[s];
        if (relay.fn) {
            relay.offset = s * reps;
            exp->options.progress = relay_progress;
            exp->options.progress_ctx = &relay;
        }
        cp_status st = cp_experiment_run(exp, err);
        if (st != CP_OK)
            return st;
    }
    double *scratch = malloc(CP_STATS_SCRATCH(reps) * sizeof *scratch);
    if (!scratch)
        return cp_error_set(err, CP_ENOMEM, "out of memory pairing %zu replications", reps);
    const double *base = cmp->runs[0]->outcomes;
    for (size_t s = 1; s < count; s++) {
        CP_ASSERT(cmp->runs[s]->replications == reps);
        for (int k = 0; k < CP_OUTCOME_COUNT; k++)
            cp_stats_paired(&base[k], &cmp->runs[s]->outcomes[k], reps, CP_OUTCOME_COUNT, scratch,
                            &cmp->paired[(s - 1) * CP_OUTCOME_COUNT + (size_t)k]);
    }
    free(scratch);
    return CP_OK;
}

cp_status cp_comparison_write(const cp_comparison *cmp, const char *dir, const cp_run_info *info,
                              cp_error *err) {
    enum { COMPARE, MANIFEST, NFILES };
    static const char *const files[NFILES] = {"compare.csv", "manifest.json"};
    const char *names[CP_OUTCOME_COUNT];
    experiment_outcome_names(names);
    size_t count = cmp->scenario_count;
    cp_status st = CP_OK;
    cp_buf bufs[NFILES];
    for (int i = 0; i < NFILES; i++)
        cp_buf_init(&bufs[i]);
    char **inis = calloc(count, sizeof *inis);
    cp_manifest_scenario *sc = calloc(count, sizeof *sc);
    if (!inis || !sc) {
        st = cp_error_set(err, CP_ENOMEM, "out of memory writing the comparison");
        goto done;
    }
    for (size_t s = 0; s < count; s++) {
        inis[s] = cp_scenario_to_ini(&cmp->runs[s]->config);
        if (!inis[s]) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory writing the comparison");
            goto done;
        }
        sc[s].label = cmp->labels[s];
        sc[s].path = cmp->paths[s];
        sc[s].ini = inis[s];
    }
    cp_csv_compare(&bufs[COMPARE], (const char *const *)cmp->labels, count, names, CP_OUTCOME_COUNT,
                   cmp->paired);
    cp_manifest m;
    experiment_manifest_common(&m, "compare", cmp->runs[0], info);
    m.files = files;
    m.file_count = NFILES - 1;
    m.scenarios = sc;
    m.scenario_count = count;
    cp_json_manifest(&bufs[MANIFEST], &m);
    for (int i = 0; i < NFILES; i++) {
        if (bufs[i].failed) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory building %s", files[i]);
            goto done;
        }
    }
    st = cp_files_write_atomic(dir, files, bufs, NFILES, err);
done:
    for (int i = 0; i < NFILES; i++)
        cp_buf_fini(&bufs[i]);
    if (inis)
        for (size_t s = 0; s < count; s++)
            free(inis[s]);
    free(inis);
    free(sc);
    return st;
}
