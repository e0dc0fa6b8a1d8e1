/* memcheck.c: the up-front memory check (contract in cpsim/memcheck.h).
 *
 * Why here and not in the model: the model knows one replication's peak,
 * but only the experiment knows how many threads hold a model at once and
 * how many replications' results are kept until the end. Why physical
 * memory and not the cgroup limit or free memory: physical memory is the
 * one figure every POSIX system reports the same way and that does not
 * change between two runs of the same command; "free" memory would refuse a
 * run because of a page cache the kernel would give back, and cgroup files
 * differ between v1 and v2 and between container runtimes. A run that fits
 * the machine but not its container is killed by the container, as before.
 */
#include "cpsim/memcheck.h"

#include "cpsim/model.h"
#include "cpsim/sweep.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static double threads_used(const cp_experiment_options *opt, double reps) {
    double threads = opt->threads >= 1 ? (double)opt->threads : 1.0;
    return threads < reps ? threads : reps; /* the pool starts no idle threads */
}

static double replications_kept(const cp_experiment_options *opt) {
    double reps = (double)opt->replications;
    if (opt->precision > 0 && (double)opt->max_replications > reps)
        reps = (double)opt->max_replications;
    return reps >= 1.0 ? reps : 1.0;
}

/* A number in a CSV file at its longest: %.17g with sign and exponent
 * (24 characters) and its comma. The files are built in memory before they
 * are written (cpsim/output.h), so their text counts too. */
#define CSV_FIELD_BYTES 25.0

/* Bytes one replication leaves behind until the end of the run: its
 * outcomes and series rows, and its row of runs.csv. */
static double per_replication(const cp_config *cfg, const cp_experiment_options *opt) {
    double rows = opt->skip_series ? 0.0 : (double)cp_series_rows(cfg);
    double arrays = ((double)CP_OUTCOME_COUNT + rows * (double)CP_SERIES_COUNT) * sizeof(double);
    double text = ((double)CP_OUTCOME_COUNT + 2.0) * CSV_FIELD_BYTES;
    return arrays + text;
}

double cp_experiment_memory_estimate(const cp_config *cfg, const cp_experiment_options *opt) {
    double reps = replications_kept(opt);
    double model = cp_model_memory_estimate(cfg);
    double rows = opt->skip_series ? 0.0 : (double)cp_series_rows(cfg);
    /* Allocated once, at the end: the band (mean, p5, p95 per cell) and its
     * text in timeseries.csv (three numbers and a label per cell), and the
     * statistics' scratch (three doubles per replication). */
    double cells = rows * (double)CP_SERIES_COUNT;
    double summary = cells * (3.0 * sizeof(double) + 3.0 * CSV_FIELD_BYTES + 40.0) +
                     3.0 * reps * (double)sizeof(double);
    return threads_used(opt, reps) * model + reps * per_replication(cfg, opt) + summary;
}

double cp_physical_memory_bytes(void) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0)
        return 0.0;
    return (double)pages * (double)page;
}

void cp_memory_format(double bytes, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    const size_t last = sizeof units / sizeof units[0] - 1;
    if (isnan(bytes)) {
        snprintf(buf, size, "an unknown amount");
        return;
    }
    if (isinf(bytes)) {
        snprintf(buf, size, "an unbounded amount");
        return;
    }
    size_t u = 0;
    while (u < last && fabs(bytes) >= 1024.0) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f B", bytes);
    else if (fabs(bytes) >= 1024.0)
        snprintf(buf, size, "%.2g %s", bytes, units[u]);
    else if (fabs(bytes) >= 10.0)
        snprintf(buf, size, "%.0f %s", bytes, units[u]);
    else
        snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

cp_status cp_memory_check(double need, double physical, const char *breakdown, cp_error *err) {
    if (physical <= 0.0)
        return CP_OK; /* the system does not say: the allocator will */
    /* Written as "not at most" so a NaN estimate is refused, not waved on. */
    if (need <= CP_MEMORY_SHARE * physical)
        return CP_OK;
    char need_text[48], have_text[48];
    cp_memory_format(need, need_text, sizeof need_text);
    cp_memory_format(physical, have_text, sizeof have_text);
    return cp_error_set(err, CP_EINPUT,
                        "this run would need about %s of memory%s%s%s; this machine has %s (a "
                        "run may plan to use %.0f%% of it); use fewer replications or threads, "
                        "a shorter simulation.years, a longer "
                        "simulation.timeseries_interval_days, or a smaller team or demand",
                        need_text, breakdown ? " (" : "", breakdown ? breakdown : "",
                        breakdown ? ")" : "", have_text, CP_MEMORY_SHARE * 100.0);
}

cp_status cp_experiment_check_memory(const cp_config *cfg, const cp_experiment_options *opt,
                                     cp_error *err) {
    double reps = replications_kept(opt);
    double threads = threads_used(opt, reps);
    char model[48], per_rep[48], breakdown[256];
    cp_memory_format(cp_model_memory_estimate(cfg), model, sizeof model);
    cp_memory_format(per_replication(cfg, opt), per_rep, sizeof per_rep);
    snprintf(breakdown, sizeof breakdown,
             "%.0f thread%s x %s for the model, %.0f replication%s x %s of %s", threads,
             threads == 1.0 ? "" : "s", model, reps, reps == 1.0 ? "" : "s", per_rep,
             opt->skip_series ? "outcomes and their text" : "outcomes, time series and their text");
    return cp_memory_check(cp_experiment_memory_estimate(cfg, opt), cp_physical_memory_bytes(),
                           breakdown, err);
}

cp_status cp_comparison_check_memory(const cp_config *configs, size_t count,
                                     const cp_experiment_options *opt, cp_error *err) {
    if (count == 0)
        return CP_OK;
    cp_experiment_options o = *opt;
    o.skip_series = true;
    double reps = replications_kept(&o);
    double threads = threads_used(&o, reps);
    double model = 0.0, kept = 0.0;
    for (size_t s = 0; s < count; s++) {
        double m = cp_model_memory_estimate(&configs[s]);
        if (!(m <= model)) /* NaN wins too: it must not hide */
            model = m;
        kept += cp_experiment_memory_estimate(&configs[s], &o) - threads * m;
    }
    char model_text[48], kept_text[48], breakdown[256];
    cp_memory_format(model, model_text, sizeof model_text);
    cp_memory_format(kept, kept_text, sizeof kept_text);
    snprintf(breakdown, sizeof breakdown,
             "%.0f thread%s x %s for the largest scenario's model, %s of outcomes for %zu "
             "scenario%s x %.0f replications",
             threads, threads == 1.0 ? "" : "s", model_text, kept_text, count,
             count == 1 ? "" : "s", reps);
    return cp_memory_check(threads * model + kept, cp_physical_memory_bytes(), breakdown, err);
}

/* A row of design.csv: its point_id (up to 8 digits) and line end. */
#define DESIGN_ROW_BYTES 10.0

static double design_arrays(double rows, double k) {
    return 2.0 * rows * k * (double)sizeof(double); /* values, and unit or grid levels */
}

static double design_text(double rows, double k) {
    return rows * (DESIGN_ROW_BYTES + k * CSV_FIELD_BYTES);
}

double cp_sweep_design_memory_estimate(size_t rows, size_t k) {
    double r = (double)rows, kk = (double)k;
    /* Built and read back, each in a doubling buffer: 2 x 2 x the text. */
    return design_arrays(r, kk) + 4.0 * design_text(r, kk);
}

cp_status cp_sweep_design_check_memory(const char *design, size_t rows, size_t k, double physical,
                                       cp_error *err) {
    double need = cp_sweep_design_memory_estimate(rows, k);
    /* Written as "not above" so a NaN estimate is refused (see
     * cp_memory_check). */
    if (physical <= 0.0 || need <= CP_MEMORY_SHARE * physical)
        return CP_OK;
    char need_text[48], have_text[48], arrays_text[48], text_text[48];
    cp_memory_format(need, need_text, sizeof need_text);
    cp_memory_format(physical, have_text, sizeof have_text);
    cp_memory_format(design_arrays((double)rows, (double)k), arrays_text, sizeof arrays_text);
    cp_memory_format(4.0 * design_text((double)rows, (double)k), text_text, sizeof text_text);
    return cp_error_set(err, CP_EINPUT,
                        "a %s design of %zu points x %zu parameter%s would need about %s of "
                        "memory (%s for its values, %s for the text of design.csv, built and "
                        "read back); this machine has %s (a sweep may plan to use %.0f%% of it); "
                        "use fewer points (or levels) or parameters, or plan on a machine with "
                        "more memory",
                        design, rows, k, k == 1 ? "" : "s", need_text, arrays_text, text_text,
                        have_text, CP_MEMORY_SHARE * 100.0);
}

cp_status cp_sweep_check_memory(const struct cp_sweep *sw, size_t first, size_t end, int threads,
                                cp_error *err) {
    if (end <= first)
        return CP_OK;
    size_t reps = sw->replications ? sw->replications : 1;
    size_t p0 = first / reps, p1 = (end - 1) / reps + 1; /* points [p0, p1) */
    if (p1 > sw->point_count)
        p1 = sw->point_count;
    size_t span = p1 > p0 ? p1 - p0 : 0;
    size_t step = span > CP_MEMORY_SWEEP_POINTS ? span / CP_MEMORY_SWEEP_POINTS : 1;
    double model = cp_model_memory_estimate(&sw->base);
    for (size_t point = p0; point < p1; point += step) {
        cp_config cfg;
        if (cp_sweep_point_config(sw, point, &cfg, NULL) != CP_OK)
            continue; /* the run itself reports a bad point */
        double m = cp_model_memory_estimate(&cfg);
        if (!(m <= model)) /* NaN wins too: it must not hide */
            model = m;
    }
    double pairs = (double)(end - first);
    double t = threads >= 1 ? (double)threads : 1.0;
    if (t > pairs)
        t = pairs;
    double per_pair = (double)CP_OUTCOME_COUNT * sizeof(double) + sizeof(size_t) +
                      ((double)CP_OUTCOME_COUNT + 2.0) * CSV_FIELD_BYTES;
    /* The design is already in memory (its text is not: opening the plan
     * freed it), and the task reads which of the plan's pairs are done
     * into a presence flag and a shard number per pair (cpsim/sweep.h). */
    double plan = design_arrays((double)sw->point_count, (double)sw->param_count) +
                  (double)sw->point_count * (double)reps * (1.0 + sizeof(uint32_t));
    char model_text[48], pair_text[48], plan_text[48], breakdown[300];
    cp_memory_format(model, model_text, sizeof model_text);
    cp_memory_format(per_pair, pair_text, sizeof pair_text);
    cp_memory_format(plan, plan_text, sizeof plan_text);
    snprintf(breakdown, sizeof breakdown,
             "%.0f thread%s x %s for the largest point's model, %.0f pair%s x %s of outcomes and "
             "their text, %s for the design and the index of done pairs",
             t, t == 1.0 ? "" : "s", model_text, pairs, pairs == 1.0 ? "" : "s", pair_text,
             plan_text);
    return cp_memory_check(t * model + pairs * per_pair + plan, cp_physical_memory_bytes(),
                           breakdown, err);
}
