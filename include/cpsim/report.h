/* cpsim/report.h: the trainer's report: a plain-language summary and charts
 * of one or more experiments, as one self-contained HTML page.
 *
 * Contract
 * - Experiment layer: it reads finished cp_experiment results (outcome
 *   summaries and time-series bands) and draws them with cpsim/chart.h. It
 *   runs nothing and writes no file; callers write the text atomically
 *   (cp_file_write_atomic) and print nothing from here.
 * - Every figure it states comes with its uncertainty: a 95% confidence
 *   interval for a mean over replications, a 5th-95th percentile band for
 *   how much one run varies, and for comparisons a paired interval of the
 *   difference (replication r of every scenario shares its random streams,
 *   cpsim/experiment.h).
 * - With several scenarios the first is the reference: charts overlay the
 *   scenarios in palette order, staff charts sit side by side, and
 *   differences are "scenario minus the first". Comparisons need the same
 *   seed and replication count for every scenario (asserted).
 * - End-of-run burnout is not kept by the experiment; a cp_burnout_bins,
 *   passed as the experiment's on_replication callback, keeps a 10-bin
 *   histogram per replication (ten doubles each) for the burnout chart.
 * The text is deterministic: the same experiments give the same bytes.
 */
#ifndef CPSIM_REPORT_H
#define CPSIM_REPORT_H

#include "cpsim/error.h"
#include "cpsim/experiment.h"
#include "cpsim/output.h"

#include <stddef.h>

/* ---- end-of-run burnout, per replication ---------------------------------- */

#define CP_BURNOUT_BINS 10 /* 0-9, 10-19, ..., 90-100 */

typedef struct cp_burnout_bins {
    size_t replications; /* room for replications 0 .. replications-1 */
    double *counts;      /* [r * CP_BURNOUT_BINS + bin]: workers in post at the end */
} cp_burnout_bins;

cp_status cp_burnout_bins_init(cp_burnout_bins *bins, size_t replications, cp_error *err);
void cp_burnout_bins_fini(cp_burnout_bins *bins);
/* A cp_replication_fn (ctx: the cp_burnout_bins); writes slot r only. */
void cp_burnout_bins_record(void *ctx, size_t replication, const cp_result *result);

/* ---- the report ----------------------------------------------------------- */

typedef struct cp_report_scenario {
    const char *label;              /* e.g. the file's base name */
    const char *path;               /* may be NULL */
    const cp_experiment *exp;       /* finished, with time series */
    const cp_burnout_bins *burnout; /* may be NULL: left out of the burnout chart */
} cp_report_scenario;

typedef struct cp_report {
    const char *title;                   /* may be NULL: made from the labels */
    const cp_report_scenario *scenarios; /* [count]; the first is the reference */
    size_t count;
    const char *command_line;  /* how to reproduce it; may be NULL */
    const char *generated_utc; /* may be NULL */
} cp_report;

typedef enum cp_report_chart {
    CP_REPORT_UNALLOCATED, /* id chart-unallocated: waiting list, mean and 5-95% band */
    CP_REPORT_CASELOAD,    /* id chart-caseload: caseload_mean and caseload_max */
    CP_REPORT_STAFF,       /* id chart-staff-N (N from 1): in post, agency, vacancies */
    CP_REPORT_BURNOUT,     /* id chart-burnout: end-of-run distribution */
    CP_REPORT_HARM,        /* id chart-harm: harm and missed risk by cause, 95% CIs */
    CP_REPORT_CHART_COUNT
} cp_report_chart;

/* Appends one chart's <svg>. Every scenario is overlaid, except for
 * CP_REPORT_STAFF, which draws scenario `scenario` alone. */
void cp_report_chart_svg(cp_buf *b, const cp_report *r, cp_report_chart chart, size_t scenario);

/* Appends the plain-language summary as HTML paragraphs: "Across 100 runs of
 * 5 years, the team had on average 2.6 cases waiting for a social worker
 * (95% CI 2.3 to 2.9) ...", then how sure each kind of figure is. */
void cp_report_summary_html(cp_buf *b, const cp_report *r);

/* Appends the whole document: summary, key figures, charts, notes. */
void cp_report_html(cp_buf *b, const cp_report *r);

#endif
