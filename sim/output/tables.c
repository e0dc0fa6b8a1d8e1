/* tables.c: the text of runs.csv, summary.csv, timeseries.csv, compare.csv
 * and manifest.json (column reference: docs/outputs.md).
 *
 * Column names and their order are an interface that scripts rely on
 * (MODEL.md section 4): summary.csv's header is fixed, and new columns only
 * ever go at the end of the others. All tables are tidy: one observation per
 * row, one variable per column; timeseries.csv and compare.csv are long
 * rather than wide so a new measure or scenario adds rows, not columns.
 *
 * The functions only append text; they cannot fail except by running out of
 * memory, which the buffer records (cp_buf.failed).
 */
#include "cpsim/output.h"

#include <inttypes.h>

void cp_csv_runs(cp_buf *b, size_t rows, const uint64_t *replications, uint64_t seed,
                 const char *const *names, size_t name_count, const double *values) {
    cp_buf_puts(b, "replication,seed");
    for (size_t k = 0; k < name_count; k++) {
        cp_buf_puts(b, ",");
        cp_csv_field(b, names[k]);
    }
    cp_buf_puts(b, "\n");
    for (size_t r = 0; r < rows; r++) {
        cp_buf_printf(b, "%" PRIu64 ",%" PRIu64, replications[r], seed);
        for (size_t k = 0; k < name_count; k++) {
            cp_buf_puts(b, ",");
            cp_format_number(b, values[r * name_count + k]);
        }
        cp_buf_puts(b, "\n");
    }
}

static void summary_fields(cp_buf *b, const cp_summary *s) {
    const double v[] = {s->mean, s->sd, s->ci_low, s->ci_high, s->median, s->p5, s->p95};
    cp_buf_printf(b, ",%zu", s->n);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cp_buf_puts(b, ",");
        cp_format_number(b, v[i]);
    }
}

void cp_csv_summary(cp_buf *b, const char *const *names, const cp_summary *rows, size_t count) {
    cp_buf_puts(b, "outcome,n,mean,sd,ci_low,ci_high,median,p5,p95\n");
    for (size_t k = 0; k < count; k++) {
        cp_csv_field(b, names[k]);
        summary_fields(b, &rows[k]);
        cp_buf_puts(b, "\n");
    }
}

void cp_csv_timeseries(cp_buf *b, size_t rows, double interval_days, const char *const *measures,
                       size_t measure_count, const double *mean, const double *p5,
                       const double *p95) {
    cp_buf_puts(b, "interval,day,measure,mean,p5,p95\n");
    for (size_t row = 0; row < rows; row++) {
        /* Computed as (row + 1) * interval rather than summed, so the day of
         * interval 520 carries no accumulated rounding. */
        double day = (double)(row + 1) * interval_days;
        for (size_t m = 0; m < measure_count; m++) {
            size_t i = row * measure_count + m;
            cp_buf_printf(b, "%zu,", row + 1);
            cp_format_number(b, day);
            cp_buf_puts(b, ",");
            cp_csv_field(b, measures[m]);
            cp_buf_puts(b, ",");
            cp_format_number(b, mean[i]);
            cp_buf_puts(b, ",");
            cp_format_number(b, p5[i]);
            cp_buf_puts(b, ",");
            cp_format_number(b, p95[i]);
            cp_buf_puts(b, "\n");
        }
    }
}

void cp_csv_compare(cp_buf *b, const char *const *scenarios, size_t scenario_count,
                    const char *const *outcomes, size_t outcome_count,
                    const cp_paired_summary *rows) {
    cp_buf_puts(b, "scenario,baseline,outcome,n,baseline_mean,scenario_mean,diff_mean,diff_sd,"
                   "ci_low,ci_high,paired_half_width,unpaired_half_width,width_ratio\n");
    for (size_t s = 1; s < scenario_count; s++) {
        for (size_t k = 0; k < outcome_count; k++) {
            const cp_paired_summary *p = &rows[(s - 1) * outcome_count + k];
            const double v[] = {
                p->baseline_mean, p->scenario_mean, p->diff_mean,         p->diff_sd,
                p->ci_low,        p->ci_high,       p->paired_half_width, p->unpaired_half_width,
                p->width_ratio};
            cp_csv_field(b, scenarios[s]);
            cp_buf_puts(b, ",");
            cp_csv_field(b, scenarios[0]);
            cp_buf_puts(b, ",");
            cp_csv_field(b, outcomes[k]);
            cp_buf_printf(b, ",%zu", p->n);
            for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
                cp_buf_puts(b, ",");
                cp_format_number(b, v[i]);
            }
            cp_buf_puts(b, "\n");
        }
    }
}

/* ---- manifest.json: two-space indentation, keys in a fixed order ---------- */

static void json_key(cp_buf *b, const char *key) {
    cp_buf_puts(b, "  ");
    cp_json_string(b, key);
    cp_buf_puts(b, ": ");
}

static void json_string_or_null(cp_buf *b, const char *s) {
    if (s)
        cp_json_string(b, s);
    else
        cp_buf_puts(b, "null");
}

static void json_string_array(cp_buf *b, const char *const *items, size_t count) {
    cp_buf_puts(b, "[");
    for (size_t i = 0; i < count; i++) {
        if (i)
            cp_buf_puts(b, ", ");
        json_string_or_null(b, items[i]);
    }
    cp_buf_puts(b, "]");
}

void cp_json_manifest(cp_buf *b, const cp_manifest *m) {
    cp_buf_puts(b, "{\n");
    json_key(b, "command");
    json_string_or_null(b, m->command);
    cp_buf_puts(b, ",\n");
    json_key(b, "cpsim_version");
    json_string_or_null(b, m->version);
    cp_buf_puts(b, ",\n");
    json_key(b, "git_commit");
    json_string_or_null(b, m->git_commit);
    cp_buf_puts(b, ",\n");
    json_key(b, "command_line");
    json_string_array(b, m->argv, m->argc > 0 ? (size_t)m->argc : 0);
    cp_buf_puts(b, ",\n");
    json_key(b, "start_time_utc");
    json_string_or_null(b, m->start_time_utc);
    cp_buf_puts(b, ",\n");
    json_key(b, "wall_time_seconds");
    cp_buf_printf(b, "%.3f,\n", m->wall_seconds);
    json_key(b, "peak_memory_kib");
    cp_buf_printf(b, "%ld,\n", m->peak_memory_kib);
    json_key(b, "generator");
    json_string_or_null(b, m->generator);
    cp_buf_puts(b, ",\n");
    /* A JSON number, exact in the text; note that JavaScript's doubles lose
     * seeds above 2^53 (Python, R's jsonlite with bigint and jq 1.7 keep it). */
    json_key(b, "seed");
    cp_buf_printf(b, "%" PRIu64 ",\n", m->seed);
    json_key(b, "replications");
    cp_buf_printf(b, "%zu,\n", m->replications);
    json_key(b, "threads");
    cp_buf_printf(b, "%d,\n", m->threads);
    json_key(b, "precision");
    if (m->precision > 0) {
        cp_buf_puts(b, "{\"relative_half_width\": ");
        cp_json_number(b, m->precision);
        cp_buf_puts(b, ", \"outcomes\": ");
        json_string_array(b, m->precision_outcomes, m->precision_outcome_count);
        cp_buf_printf(b, ", \"max_replications\": %zu, \"reached\": %s}", m->max_replications,
                      m->precision_reached ? "true" : "false");
    } else {
        cp_buf_puts(b, "null");
    }
    cp_buf_puts(b, ",\n");
    json_key(b, "files");
    json_string_array(b, m->files, m->file_count);
    cp_buf_puts(b, ",\n");
    json_key(b, "scenarios");
    cp_buf_puts(b, "[");
    for (size_t i = 0; i < m->scenario_count; i++) {
        const cp_manifest_scenario *s = &m->scenarios[i];
        cp_buf_puts(b, i ? ",\n    {" : "\n    {");
        cp_buf_puts(b, "\"label\": ");
        json_string_or_null(b, s->label);
        cp_buf_puts(b, ", \"path\": ");
        json_string_or_null(b, s->path);
        cp_buf_puts(b, ",\n     \"scenario\": ");
        json_string_or_null(b, s->ini);
        cp_buf_puts(b, "}");
    }
    cp_buf_puts(b, m->scenario_count ? "\n  ]" : "]");
    if (m->scenario_count > 0) {
        /* The one scenario of a run (the baseline of a comparison) again at
         * the top level, where a script looks first. */
        cp_buf_puts(b, ",\n");
        json_key(b, "scenario");
        json_string_or_null(b, m->scenarios[0].ini);
    }
    cp_buf_puts(b, "\n}\n");
}
