/* cpsim/output.h: the files a run writes, and how they are written.
 *
 * Contract
 * - Every file is written atomically: its whole text is built in memory (a
 *   cp_buf), written to DIR/.NAME.tmp.PID, flushed and fsync'd, renamed over
 *   DIR/NAME, and the directory is fsync'd. A reader therefore sees the old
 *   file or the new one, never a mix, and a crash leaves at worst a hidden
 *   temp file. Writing is split into stage (temp file on disk) and commit
 *   (rename), so a caller that writes several files can stage them all and
 *   rename only when every one of them made it: a full disk then changes
 *   nothing at all.
 * - On any failure the temp file is removed and CP_EIO comes back with a
 *   message naming the path and strerror(errno). Running out of memory while
 *   building a text is CP_ENOMEM.
 * - CSV follows RFC 4180 except for line ends: rows end in LF, not CRLF
 *   (R, pandas, Python's csv and spreadsheets read both; LF keeps the files
 *   friendly to diff, cmp and awk). A field is quoted only when it holds a
 *   comma, a double quote, CR or LF; quotes inside are doubled.
 * - Numbers are written in the shortest of %.15g, %.16g and %.17g that reads
 *   back to the same double, so files round-trip exactly and stay readable
 *   (0.1, not 0.10000000000000001). NaN is written NA, infinities Inf and
 *   -Inf (R reads all three; pandas reads NA and inf by default).
 * - This layer knows file formats, not the model: callers pass names and
 *   plain arrays, so it can be tested without a model and the model never
 *   sees it. It depends on nothing but the kernel's error values.
 * Nothing here prints or exits.
 */
#ifndef CPSIM_OUTPUT_H
#define CPSIM_OUTPUT_H

#include "cpsim/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- growable text buffer ------------------------------------------------
 * Appends never fail loudly: the first failed allocation sets `failed` and
 * later appends do nothing, so a writer checks once at the end. */
typedef struct cp_buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool failed;
} cp_buf;

void cp_buf_init(cp_buf *b);
void cp_buf_fini(cp_buf *b);
void cp_buf_append(cp_buf *b, const char *s, size_t n);
void cp_buf_puts(cp_buf *b, const char *s);
void cp_buf_printf(cp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- formatting ---------------------------------------------------------- */
/* Appends one CSV field, quoted only when it must be (see the contract). */
void cp_csv_field(cp_buf *b, const char *s);
/* Appends x in the shortest round-trip form, or NA / Inf / -Inf. */
void cp_format_number(cp_buf *b, double x);
/* Appends s as a JSON string literal, quotes included: ", \ and control
 * characters escaped (\n, \t, ... or \u00XX); other bytes (UTF-8) as is. */
void cp_json_string(cp_buf *b, const char *s);
/* Appends x as a JSON number, or null when it is not finite. */
void cp_json_number(cp_buf *b, double x);

/* ---- atomic files --------------------------------------------------------- */
#define CP_PATH_MAX 4096

typedef struct cp_staged_file {
    char path[CP_PATH_MAX];     /* DIR/NAME */
    char tmp_path[CP_PATH_MAX]; /* DIR/.NAME.tmp.PID, empty when nothing is staged */
    char dir[CP_PATH_MAX];
} cp_staged_file;

/* Writes data to DIR/.NAME.tmp.PID and fsyncs it; DIR/NAME is untouched. */
cp_status cp_file_stage(cp_staged_file *f, const char *dir, const char *name, const char *data,
                        size_t len, cp_error *err);
/* Renames the staged temp file over DIR/NAME and fsyncs DIR. On failure the
 * temp file is removed. */
cp_status cp_file_commit(cp_staged_file *f, cp_error *err);
/* Removes the temp file, if any. Safe to call on a committed or zeroed file. */
void cp_file_discard(cp_staged_file *f);
/* stage + commit. */
cp_status cp_file_write_atomic(const char *dir, const char *name, const char *data, size_t len,
                               cp_error *err);

/* Writes a set of files: stages every one, and renames them (in the order
 * given) only when all were staged, so a failure while writing leaves DIR as
 * it was. Texts are bufs[i].data[0 .. bufs[i].len). */
cp_status cp_files_write_atomic(const char *dir, const char *const *names, const cp_buf *bufs,
                                size_t count, cp_error *err);

/* Makes sure DIR is a directory, creating it (one level: its parent must
 * exist) if it is missing. CP_EIO with the path and the reason otherwise. */
cp_status cp_output_dir_prepare(const char *dir, cp_error *err);

/* ---- the tables ------------------------------------------------------------
 * Each appends a whole file's text to b; check b->failed afterwards. */
/* One row of summary.csv: statistics of one outcome over replications. n
 * counts the replications where the outcome was defined (finite); the others
 * are left out of every statistic. Unknown statistics are NaN. */
typedef struct cp_summary {
    size_t n;
    double mean, sd, ci_low, ci_high, median, p5, p95;
} cp_summary;

/* One outcome of a paired comparison of a scenario with the baseline, over
 * the replications where both are defined: differences are scenario minus
 * baseline, replication by replication. */
typedef struct cp_paired_summary {
    size_t n;
    double baseline_mean, scenario_mean;
    double diff_mean, diff_sd, ci_low, ci_high;
    double paired_half_width;   /* half-width of the paired 95% CI */
    double unpaired_half_width; /* what a Welch two-sample 95% CI would have had */
    double width_ratio;         /* paired / unpaired; NaN when unpaired is 0 */
} cp_paired_summary;

/* runs.csv: header `replication,seed,NAME...`, then one row per replication:
 * replication number replications[r], the master seed, then
 * values[r * name_count + k]. */
void cp_csv_runs(cp_buf *b, size_t rows, const uint64_t *replications, uint64_t seed,
                 const char *const *names, size_t name_count, const double *values);
/* summary.csv: header exactly `outcome,n,mean,sd,ci_low,ci_high,median,p5,p95`. */
void cp_csv_summary(cp_buf *b, const char *const *names, const cp_summary *rows, size_t count);
/* timeseries.csv: `interval,day,measure,mean,p5,p95`, long format, rows in
 * interval order, measures in the given order within an interval. Interval i
 * (1-based) ends at day i * interval_days after the warm-up. Arrays are
 * [row * measure_count + m]. */
void cp_csv_timeseries(cp_buf *b, size_t rows, double interval_days, const char *const *measures,
                       size_t measure_count, const double *mean, const double *p5,
                       const double *p95);
/* compare.csv: `scenario,baseline,outcome,n,baseline_mean,scenario_mean,
 * diff_mean,diff_sd,ci_low,ci_high,paired_half_width,unpaired_half_width,
 * width_ratio`, one row per (scenario other than the baseline, outcome):
 * rows[(s - 1) * outcome_count + k] for s = 1..scenario_count-1. */
void cp_csv_compare(cp_buf *b, const char *const *scenarios, size_t scenario_count,
                    const char *const *outcomes, size_t outcome_count,
                    const cp_paired_summary *rows);

/* manifest.json: everything needed to reproduce a run and judge its cost.
 * Strings may be NULL (written as null). */
typedef struct cp_manifest_scenario {
    const char *label; /* e.g. the file's base name, or a --variant text */
    const char *path;  /* the file it came from, or NULL */
    const char *ini;   /* cp_scenario_to_ini text */
} cp_manifest_scenario;

typedef struct cp_manifest {
    const char *command; /* "run" or "compare" */
    const char *version;
    const char *git_commit;
    const char *generator;
    uint64_t seed;
    size_t replications; /* completed, per scenario */
    int threads;
    int argc;
    const char *const *argv;
    double wall_seconds;
    long peak_memory_kib;
    const char *start_time_utc; /* ISO 8601, e.g. 2024-05-01T12:00:00Z */
    /* precision stopping; precision <= 0 means it was off */
    double precision;
    const char *const *precision_outcomes;
    size_t precision_outcome_count;
    size_t max_replications;
    bool precision_reached;
    const char *const *files; /* data files written alongside */
    size_t file_count;
    const cp_manifest_scenario *scenarios; /* run: one; compare: baseline first */
    size_t scenario_count;
} cp_manifest;

void cp_json_manifest(cp_buf *b, const cp_manifest *m);

#endif
