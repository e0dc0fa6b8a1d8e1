/* report.c: the trainer's report, one self-contained HTML page (contract in
 * cpsim/report.h).
 *
 * The page is written for a trainer, not a statistician: it opens with
 * sentences, each figure followed by how sure it is, and every chart has a
 * caption saying what to look at. Two kinds of uncertainty are kept apart on
 * purpose, because they answer different questions: the 95% confidence
 * interval of a mean (how well N runs pin down the model's long-run
 * average; it shrinks with more runs) and the 5th-95th percentile band
 * across runs (how much one team's experience varies; it does not shrink).
 * Mixing them up is the commonest misreading of simulation output.
 *
 * Why the numbers here are recomputed rather than read from summary.csv:
 * the report is built from the same cp_experiment in memory, so it cannot
 * drift from the run it describes, and it needs per-replication values
 * anyway (paired differences, burnout histogram intervals).
 */
#include "cpsim/report.h"

#include "cpsim/chart.h"

#include <math.h>

/* NAN is a float; spelled as a double it needs no promotion (-Wdouble-promotion). */
#define DNAN ((double)NAN)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAYS_PER_YEAR 365.0

/* ---- burnout bins ------------------------------------------------------------ */

cp_status cp_burnout_bins_init(cp_burnout_bins *bins, size_t replications, cp_error *err) {
    bins->replications = 0;
    bins->counts = calloc(replications ? replications * CP_BURNOUT_BINS : 1, sizeof *bins->counts);
    if (!bins->counts)
        return cp_error_set(err, CP_ENOMEM, "out of memory for the burnout of %zu replications",
                            replications);
    bins->replications = replications;
    return CP_OK;
}

void cp_burnout_bins_fini(cp_burnout_bins *bins) {
    free(bins->counts);
    bins->counts = NULL;
    bins->replications = 0;
}

void cp_burnout_bins_record(void *ctx, size_t replication, const cp_result *result) {
    cp_burnout_bins *bins = ctx;
    CP_ASSERT(replication < bins->replications);
    double *row = &bins->counts[replication * CP_BURNOUT_BINS];
    for (int b = 0; b < CP_BURNOUT_BINS; b++)
        row[b] = 0.0;
    size_t n =
        result->worker_count < CP_RESULT_WORKERS_MAX ? result->worker_count : CP_RESULT_WORKERS_MAX;
    for (size_t i = 0; i < n; i++) {
        double x = result->burnout_end[i];
        if (!isfinite(x))
            continue;
        int b = (int)floor(x / 10.0);
        b = b < 0 ? 0 : b >= CP_BURNOUT_BINS ? CP_BURNOUT_BINS - 1 : b;
        row[b] += 1.0;
    }
}

/* ---- helpers -------------------------------------------------------------------- */

static const cp_summary *summary_of(const cp_report *r, size_t s, cp_outcome_id k) {
    return &r->scenarios[s].exp->summary[k];
}

static void fmt(char *out, size_t size, double x, bool percent) {
    if (percent)
        cp_format_percent(out, size, x);
    else
        cp_format_plain(out, size, x);
}

/* "(95% CI 2.3 to 2.9)" or "" when there is no interval (one run). */
static void ci_text(char *out, size_t size, const cp_summary *s, bool percent) {
    if (s->n < 2 || !isfinite(s->ci_low) || !isfinite(s->ci_high)) {
        snprintf(out, size, "(one run: no confidence interval)");
        return;
    }
    char lo[32], hi[32];
    fmt(lo, sizeof lo, s->ci_low, percent);
    fmt(hi, sizeof hi, s->ci_high, percent);
    snprintf(out, size, "(95%% CI %s to %s)", lo, hi);
}

/* Appends "VALUE WORDS (95% CI LO to HI)" for outcome k of scenario s:
 * "2.6 cases waiting for a social worker (95% CI 2.3 to 2.9)". */
static void figure_with_ci(cp_buf *b, const cp_report *r, size_t s, cp_outcome_id k, bool percent,
                           const char *words) {
    const cp_summary *sm = summary_of(r, s, k);
    char v[32], ci[96];
    fmt(v, sizeof v, sm->mean, percent);
    ci_text(ci, sizeof ci, sm, percent);
    cp_buf_printf(b, "<strong>%s</strong>%s %s", v, words, ci);
}

static double cap_of(const cp_config *c) {
    return c->caseload_target > 0.0 ? c->caseload_target : c->cap_cases;
}

static const char *plural(double x, const char *one, const char *many) {
    return fabs(x - 1.0) < 1e-9 ? one : many;
}

/* Paired difference of outcome k, scenario s minus scenario 0. */
static void paired(const cp_report *r, size_t s, cp_outcome_id k, cp_paired_summary *out) {
    const cp_experiment *a = r->scenarios[0].exp, *o = r->scenarios[s].exp;
    size_t n = a->replications < o->replications ? a->replications : o->replications;
    double *scratch = malloc(CP_STATS_SCRATCH(n ? n : 1) * sizeof *scratch);
    if (!scratch) {
        memset(out, 0, sizeof *out);
        out->diff_mean = out->ci_low = out->ci_high = DNAN;
        return;
    }
    cp_stats_paired(&a->outcomes[k], &o->outcomes[k], n, CP_OUTCOME_COUNT, scratch, out);
    free(scratch);
}

/* ---- the summary ----------------------------------------------------------------- */

static void scenario_paragraphs(cp_buf *b, const cp_report *r, size_t s, bool brief) {
    const cp_experiment *e = r->scenarios[s].exp;
    const cp_config *c = &e->config;
    char years[32], warm[32], posts[32], cap[32], p5[32], p95[32], umax[32];
    cp_format_plain(years, sizeof years, c->years);
    cp_format_plain(warm, sizeof warm, c->warmup_years);
    cp_format_plain(posts, sizeof posts, c->social_workers);
    cp_format_plain(cap, sizeof cap, cap_of(c));
    const cp_summary *u = summary_of(r, s, CP_OUT_UNALLOCATED_MEAN);
    cp_format_plain(p5, sizeof p5, u->p5);
    cp_format_plain(p95, sizeof p95, u->p95);
    cp_format_plain(umax, sizeof umax, summary_of(r, s, CP_OUT_UNALLOCATED_MAX)->median);

    cp_buf_puts(b, "<p>");
    if (r->count > 1) {
        cp_buf_puts(b, "<em>");
        cp_html_escape(b, r->scenarios[s].label);
        cp_buf_puts(b, "</em>: ");
    }
    cp_buf_printf(b,
                  "Across %zu %s of %s %s (after a %s-year warm-up that is not counted), "
                  "the team of %s social worker %s had on average ",
                  e->replications, plural((double)e->replications, "run", "runs"), years,
                  plural(c->years, "year", "years"), warm, posts,
                  plural(c->social_workers, "post", "posts"));
    figure_with_ci(b, r, s, CP_OUT_UNALLOCATED_MEAN, false, " cases waiting for a social worker");
    cp_buf_printf(b,
                  ". From one run to another that "
                  "average ranged from %s to %s (5th to 95th percentile), and in a typical "
                  "run the list peaked at %s.",
                  p5, p95, umax);
    if (!brief) {
        cp_buf_puts(b, " A case waited ");
        figure_with_ci(b, r, s, CP_OUT_WAIT_MEAN_DAYS, false, " days");
        char p90[32];
        cp_format_plain(p90, sizeof p90, summary_of(r, s, CP_OUT_WAIT_P90_DAYS)->mean);
        cp_buf_printf(b,
                      " on average before it was allocated; one case in ten waited "
                      "more than %s days.",
                      p90);
    }
    cp_buf_puts(b, "</p>\n<p>Each social worker held ");
    figure_with_ci(b, r, s, CP_OUT_CASELOAD_MEAN, false, " cases");
    cp_buf_printf(b, " on average against a cap of %s, and workers were over the cap ", cap);
    figure_with_ci(b, r, s, CP_OUT_OVER_CAP_SHARE, true, "");
    cp_buf_puts(b, " of the time. Burnout averaged ");
    figure_with_ci(b, r, s, CP_OUT_BURNOUT_MEAN, false, "");
    cp_buf_puts(b, " on a 0-100 scale (UK social workers score about 63). Each year ");
    figure_with_ci(b, r, s, CP_OUT_TURNOVER_RATE, true, "");
    cp_buf_puts(b, " of permanent staff left; ");
    figure_with_ci(b, r, s, CP_OUT_VACANCY_RATE, true, "");
    cp_buf_puts(b, " of posts were vacant and agency staff filled ");
    figure_with_ci(b, r, s, CP_OUT_AGENCY_RATE, true, "");
    cp_buf_puts(b, " of the establishment.</p>\n");
    if (brief)
        return;
    cp_buf_puts(b, "<p>The team saw ");
    figure_with_ci(b, r, s, CP_OUT_HARM_EVENTS, false, " serious harm events a year");
    cp_buf_puts(b, ", ");
    figure_with_ci(b, r, s, CP_OUT_HARM_UNPROTECTED, false, "");
    cp_buf_puts(b, " of them to children who were not protected as their risk required. "
                   "Missed-risk events (a child known to the service but not protected at the "
                   "level its risk needed) numbered ");
    figure_with_ci(b, r, s, CP_OUT_MISSED_RISK, false, " a year");
    char mu[32], mr[32], mv[32];
    cp_format_plain(mu, sizeof mu, summary_of(r, s, CP_OUT_MISSED_UNALLOCATED)->mean);
    cp_format_plain(mr, sizeof mr, summary_of(r, s, CP_OUT_MISSED_UNRECOGNISED)->mean);
    cp_format_plain(mv, sizeof mv, summary_of(r, s, CP_OUT_MISSED_VISITS_OVERDUE)->mean);
    cp_buf_printf(b,
                  ": %s while the case was unallocated, %s with high risk not "
                  "recognised and %s with visits overdue.</p>\n",
                  mu, mr, mv);
}

typedef struct diff_phrase {
    cp_outcome_id id;
    bool percent;     /* the outcome is a fraction: differences in points */
    const char *more; /* "more cases waiting" */
    const char *less;
    const char *what; /* "the number of cases waiting" */
} diff_phrase;

static const diff_phrase diff_phrases[] = {
    {CP_OUT_UNALLOCATED_MEAN, false, "more cases waiting for a social worker",
     "fewer cases waiting for a social worker", "the number of cases waiting"},
    {CP_OUT_WAIT_MEAN_DAYS, false, "days longer to wait for allocation",
     "days less to wait for allocation", "the wait for allocation"},
    {CP_OUT_CASELOAD_MEAN, false, "more cases per social worker", "fewer cases per social worker",
     "caseloads"},
    {CP_OUT_BURNOUT_MEAN, false, "points more burnout", "points less burnout", "burnout"},
    {CP_OUT_TURNOVER_RATE, true, "percentage points more turnover a year",
     "percentage points less turnover a year", "turnover"},
    {CP_OUT_AGENCY_RATE, true, "percentage points more agency staff",
     "percentage points fewer agency staff", "agency use"},
    {CP_OUT_HARM_EVENTS, false, "more serious harm events a year",
     "fewer serious harm events a year", "serious harm events"},
    {CP_OUT_MISSED_RISK, false, "more missed-risk events a year", "fewer missed-risk events a year",
     "missed-risk events"},
};

static void diff_item(cp_buf *b, const cp_paired_summary *p, const diff_phrase *ph) {
    double k = ph->percent ? 100.0 : 1.0;
    double d = p->diff_mean * k, lo = p->ci_low * k, hi = p->ci_high * k;
    char ds[32], los[32], his[32];
    cp_buf_puts(b, "<li>");
    if (!isfinite(lo) || !isfinite(hi) || (lo <= 0.0 && hi >= 0.0)) {
        cp_format_plain(ds, sizeof ds, d);
        cp_format_plain(los, sizeof los, lo);
        cp_format_plain(his, sizeof his, hi);
        cp_buf_printf(b,
                      "no clear difference in %s (difference %s, 95%% CI %s to %s: with "
                      "these runs the model cannot tell the two apart)",
                      ph->what, ds, los, his);
    } else {
        bool up = d > 0.0;
        cp_format_plain(ds, sizeof ds, fabs(d));
        cp_format_plain(los, sizeof los, up ? lo : -hi);
        cp_format_plain(his, sizeof his, up ? hi : -lo);
        cp_buf_printf(b, "<strong>%s</strong> %s (95%% CI %s to %s)", ds, up ? ph->more : ph->less,
                      los, his);
    }
    cp_buf_puts(b, "</li>\n");
}

void cp_report_summary_html(cp_buf *b, const cp_report *r) {
    for (size_t s = 0; s < r->count; s++)
        scenario_paragraphs(b, r, s, r->count > 1);
    for (size_t s = 1; s < r->count; s++) {
        CP_ASSERT(r->scenarios[s].exp->options.seed == r->scenarios[0].exp->options.seed);
        cp_buf_puts(b, "<p>Compared with <em>");
        cp_html_escape(b, r->scenarios[0].label);
        cp_buf_puts(b, "</em>, <em>");
        cp_html_escape(b, r->scenarios[s].label);
        cp_buf_puts(b, "</em> had, run for run with the same random events:</p>\n<ul>\n");
        for (size_t i = 0; i < sizeof diff_phrases / sizeof diff_phrases[0]; i++) {
            cp_paired_summary p;
            paired(r, s, diff_phrases[i].id, &p);
            diff_item(b, &p, &diff_phrases[i]);
        }
        cp_buf_puts(b, "</ul>\n");
    }
    size_t n = r->scenarios[0].exp->replications;
    cp_buf_printf(b,
                  "<p class=\"note\"><strong>How sure are these figures?</strong> Each "
                  "&#8220;95%% CI&#8221; is the range that very probably holds this model&#39;s "
                  "long-run average, given these %zu runs; more runs make it narrower. The shaded "
                  "bands in the charts are wider on purpose: they show how much one run differs "
                  "from another (5th to 95th percentile), which is the uncertainty a real team "
                  "lives with from one year to the next.%s Harm and missed-risk counts rest on "
                  "uncertain base rates: compare them between scenarios rather than reading "
                  "them as forecasts.</p>\n",
                  n,
                  r->count > 1 ? " Differences between scenarios are paired: run r of "
                                 "each scenario sees the same referrals and the same "
                                 "chances, so a difference is the effect of the change, "
                                 "not of luck."
                               : "");
}

/* ---- charts ------------------------------------------------------------------------- */

static void series_axis(const cp_report *r, size_t *points, double *dx) {
    *points = 0;
    *dx = r->scenarios[0].exp->config.timeseries_interval_days / DAYS_PER_YEAR;
    for (size_t s = 0; s < r->count; s++)
        if (r->scenarios[s].exp->series_rows > *points)
            *points = r->scenarios[s].exp->series_rows;
}

static cp_chart_line series_line(const cp_experiment *e, cp_series_id m, const char *label,
                                 int colour, bool band, bool dashed) {
    cp_chart_line l = {.label = label,
                       .mean = e->series_mean ? &e->series_mean[m] : NULL,
                       .low = band && e->series_p5 ? &e->series_p5[m] : NULL,
                       .high = band && e->series_p95 ? &e->series_p95[m] : NULL,
                       .stride = CP_SERIES_COUNT,
                       .points = e->series_rows,
                       .colour = colour,
                       .dashed = dashed};
    return l;
}

#define MAX_LINES 24

static void chart_unallocated(cp_buf *b, const cp_report *r) {
    cp_chart_line lines[MAX_LINES];
    size_t n = r->count < MAX_LINES ? r->count : MAX_LINES;
    for (size_t s = 0; s < n; s++)
        lines[s] =
            series_line(r->scenarios[s].exp, CP_SERIES_UNALLOCATED,
                        r->count > 1 ? r->scenarios[s].label : "cases waiting (mean of runs)",
                        (int)s, true, false);
    cp_line_chart c = {.id = "chart-unallocated",
                       .title = "Cases waiting for a social worker",
                       .desc = "The unallocated list over time: the mean over runs as a line and "
                               "the 5th to 95th percentile across runs as a shaded band.",
                       .x_label = "years after warm-up",
                       .y_label = "cases waiting",
                       .lines = lines,
                       .line_count = n};
    series_axis(r, &c.points, &c.dx);
    c.x0 = c.dx;
    cp_chart_line_svg(b, &c);
}

static void chart_caseload(cp_buf *b, const cp_report *r) {
    cp_chart_line lines[MAX_LINES];
    char labels[MAX_LINES][160];
    size_t n = 0;
    for (size_t s = 0; s < r->count && n + 2 <= MAX_LINES; s++) {
        const char *name = r->scenarios[s].label;
        snprintf(labels[n], sizeof labels[n], "%s%saverage", r->count > 1 ? name : "",
                 r->count > 1 ? ": " : "");
        lines[n] = series_line(r->scenarios[s].exp, CP_SERIES_CASELOAD_MEAN, labels[n], (int)s,
                               true, false);
        n++;
        snprintf(labels[n], sizeof labels[n], "%s%shighest", r->count > 1 ? name : "",
                 r->count > 1 ? ": " : "");
        lines[n] = series_line(r->scenarios[s].exp, CP_SERIES_CASELOAD_MAX, labels[n], (int)s,
                               false, true);
        n++;
    }
    char ref[64];
    double cap = cap_of(&r->scenarios[0].exp->config);
    char capv[32];
    cp_format_plain(capv, sizeof capv, cap);
    snprintf(ref, sizeof ref, "cap %s cases", capv);
    cp_line_chart c = {.id = "chart-caseload",
                       .title = "Cases per social worker",
                       .desc = "Caseload per FTE case holder over time: the team average (solid, "
                               "with its 5-95% band across runs) and the highest caseload in "
                               "the team (dashed), against the case cap.",
                       .x_label = "years after warm-up",
                       .y_label = "cases per FTE",
                       .lines = lines,
                       .line_count = n,
                       .ref_y = cap,
                       .ref_label = ref};
    series_axis(r, &c.points, &c.dx);
    c.x0 = c.dx;
    cp_chart_line_svg(b, &c);
}

static void chart_staff(cp_buf *b, const cp_report *r, size_t s) {
    const cp_experiment *e = r->scenarios[s].exp;
    cp_chart_line lines[3] = {
        series_line(e, CP_SERIES_PERMANENT_FTE, "permanent and newly qualified in post", 0, true,
                    false),
        series_line(e, CP_SERIES_AGENCY_FTE, "agency staff", 4, true, false),
        series_line(e, CP_SERIES_VACANCIES, "vacant posts", 1, true, true),
    };
    char id[32], title[200], ref[64], est[32];
    snprintf(id, sizeof id, "chart-staff-%zu", s + 1);
    snprintf(title, sizeof title, "Staff in post%s%s", r->count > 1 ? ": " : "",
             r->count > 1 ? r->scenarios[s].label : "");
    cp_format_plain(est, sizeof est, e->config.social_workers);
    snprintf(ref, sizeof ref, "establishment %s posts", est);
    cp_line_chart c = {.id = id,
                       .title = title,
                       .desc = "Full-time equivalents in post over time: permanent and newly "
                               "qualified staff, agency staff, and posts without a permanent "
                               "holder, each the mean over runs with its 5-95% band.",
                       .x_label = "years after warm-up",
                       .y_label = "FTE",
                       .lines = lines,
                       .line_count = 3,
                       .points = e->series_rows,
                       .dx = e->config.timeseries_interval_days / DAYS_PER_YEAR,
                       .ref_y = e->config.social_workers,
                       .ref_label = ref};
    c.x0 = c.dx;
    cp_chart_line_svg(b, &c);
}

static void chart_burnout(cp_buf *b, const cp_report *r) {
    static const char *const groups[CP_BURNOUT_BINS] = {
        "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90-100"};
    size_t n = r->count < MAX_LINES ? r->count : MAX_LINES;
    double value[CP_BURNOUT_BINS * MAX_LINES], low[CP_BURNOUT_BINS * MAX_LINES],
        high[CP_BURNOUT_BINS * MAX_LINES];
    const char *series[MAX_LINES];
    int colours[MAX_LINES];
    size_t reps_max = 1;
    for (size_t s = 0; s < n; s++)
        if (r->scenarios[s].exp->replications > reps_max)
            reps_max = r->scenarios[s].exp->replications;
    double *share = malloc(reps_max * sizeof *share);
    double *scratch = malloc(CP_STATS_SCRATCH(reps_max) * sizeof *scratch);
    for (size_t s = 0; s < n; s++) {
        series[s] = r->scenarios[s].label;
        colours[s] = (int)s;
        const cp_burnout_bins *bins = r->scenarios[s].burnout;
        size_t reps = r->scenarios[s].exp->replications;
        for (int g = 0; g < CP_BURNOUT_BINS; g++) {
            size_t i = (size_t)g * n + s;
            value[i] = low[i] = high[i] = DNAN;
            if (!bins || !share || !scratch || bins->replications < reps)
                continue;
            /* Each replication's share of its workers in this bin; the bar is
             * their mean and the whisker its 95% CI across replications. */
            for (size_t rep = 0; rep < reps; rep++) {
                const double *row = &bins->counts[rep * CP_BURNOUT_BINS];
                double total = 0.0;
                for (int k = 0; k < CP_BURNOUT_BINS; k++)
                    total += row[k];
                share[rep] = total > 0.0 ? 100.0 * row[g] / total : DNAN;
            }
            cp_summary sm;
            cp_stats_summarise(share, reps, 1, scratch, &sm);
            value[i] = sm.mean;
            low[i] = sm.ci_low > 0.0 ? sm.ci_low : 0.0; /* a share lies in [0, 100] */
            high[i] = sm.ci_high < 100.0 ? sm.ci_high : 100.0;
        }
    }
    free(share);
    free(scratch);
    cp_bar_chart c = {.id = "chart-burnout",
                      .title = "Burnout at the end of the run",
                      .desc = "Share of the workers in post at the end of each run by burnout "
                              "score (0-100), the mean over runs with 95% confidence whiskers.",
                      .y_label = "% of workers",
                      .groups = groups,
                      .group_count = CP_BURNOUT_BINS,
                      .series = series,
                      .series_count = n,
                      .colours = colours,
                      .value = value,
                      .low = low,
                      .high = high,
                      .value_decimals = n <= 2 ? 0 : -1};
    cp_chart_bar_svg(b, &c);
}

static void chart_harm(cp_buf *b, const cp_report *r) {
    static const cp_outcome_id ids[] = {CP_OUT_HARM_EVENTS, CP_OUT_HARM_UNPROTECTED,
                                        CP_OUT_MISSED_UNALLOCATED, CP_OUT_MISSED_UNRECOGNISED,
                                        CP_OUT_MISSED_VISITS_OVERDUE};
    static const char *const groups[] = {"serious harm, all", "harm while unprotected",
                                         "missed: case unallocated", "missed: risk not recognised",
                                         "missed: visits overdue"};
    enum { G = sizeof ids / sizeof ids[0] };
    size_t n = r->count < MAX_LINES ? r->count : MAX_LINES;
    double value[G * MAX_LINES], low[G * MAX_LINES], high[G * MAX_LINES];
    const char *series[MAX_LINES];
    int colours[MAX_LINES];
    double top = 0.0;
    for (size_t s = 0; s < n; s++) {
        series[s] = r->scenarios[s].label;
        colours[s] = (int)s;
        for (size_t g = 0; g < G; g++) {
            const cp_summary *sm = summary_of(r, s, ids[g]);
            value[g * n + s] = sm->mean;
            low[g * n + s] = sm->ci_low;
            high[g * n + s] = sm->ci_high;
            if (isfinite(sm->ci_high) && sm->ci_high > top)
                top = sm->ci_high;
        }
    }
    cp_bar_chart c = {.id = "chart-harm",
                      .title = "Harm and missed risk, by cause",
                      .desc = "Serious harm events and missed-risk events a year, by cause: the "
                              "mean over runs with 95% confidence whiskers.",
                      .y_label = "events a year",
                      .groups = groups,
                      .group_count = G,
                      .series = series,
                      .series_count = n,
                      .colours = colours,
                      .value = value,
                      .low = low,
                      .high = high,
                      .value_decimals = top >= 10.0 ? 1 : 2};
    cp_chart_bar_svg(b, &c);
}

void cp_report_chart_svg(cp_buf *b, const cp_report *r, cp_report_chart chart, size_t scenario) {
    CP_ASSERT(r->count >= 1);
    switch (chart) {
    case CP_REPORT_UNALLOCATED:
        chart_unallocated(b, r);
        break;
    case CP_REPORT_CASELOAD:
        chart_caseload(b, r);
        break;
    case CP_REPORT_STAFF:
        CP_ASSERT(scenario < r->count);
        chart_staff(b, r, scenario);
        break;
    case CP_REPORT_BURNOUT:
        chart_burnout(b, r);
        break;
    case CP_REPORT_HARM:
        chart_harm(b, r);
        break;
    case CP_REPORT_CHART_COUNT:
        CP_ASSERT(!"no such chart");
        break;
    }
}

/* ---- the document ----------------------------------------------------------------- */

typedef struct key_row {
    cp_outcome_id id;
    bool percent;
    const char *label;
} key_row;

static const key_row key_rows[] = {
    {CP_OUT_UNALLOCATED_MEAN, false, "Cases waiting for a social worker (time-average)"},
    {CP_OUT_UNALLOCATED_MAX, false, "Longest waiting list in a run"},
    {CP_OUT_WAIT_MEAN_DAYS, false, "Days a case waited for allocation (mean)"},
    {CP_OUT_WAIT_P90_DAYS, false, "Days waited: 90th percentile"},
    {CP_OUT_HIGH_RISK_UNALLOCATED_DAYS, false, "High-risk case-days unallocated a year"},
    {CP_OUT_CASELOAD_MEAN, false, "Cases per social worker (FTE)"},
    {CP_OUT_CASELOAD_P90, false, "Cases per worker: 90th percentile"},
    {CP_OUT_OVER_CAP_SHARE, true, "Time workers spent over the cap"},
    {CP_OUT_BURNOUT_MEAN, false, "Burnout (0-100)"},
    {CP_OUT_BURNOUT_OVER_75, true, "Worker-weeks with burnout over 75"},
    {CP_OUT_OVERTIME_HOURS, false, "Unpaid overtime, hours a week"},
    {CP_OUT_SICKNESS_RATE, true, "Working days lost to sickness"},
    {CP_OUT_TURNOVER_RATE, true, "Turnover a year"},
    {CP_OUT_VACANCY_RATE, true, "Vacancy rate"},
    {CP_OUT_AGENCY_RATE, true, "Agency rate"},
    {CP_OUT_WORKER_CHANGES_MEAN, false, "Changes of social worker per child"},
    {CP_OUT_ASSESS_WITHIN_45WD, true, "Assessments within 45 working days"},
    {CP_OUT_HARM_EVENTS, false, "Serious harm events a year"},
    {CP_OUT_MISSED_RISK, false, "Missed-risk events a year"},
    {CP_OUT_COST_TOTAL, false, "Staff cost a year (GBP)"},
};

static void key_table(cp_buf *b, const cp_report *r) {
    cp_buf_puts(b, "<table id=\"key-figures\">\n<thead><tr><th>Measure</th>");
    for (size_t s = 0; s < r->count; s++) {
        cp_buf_puts(b, "<th>");
        if (r->count > 1) {
            cp_html_escape(b, r->scenarios[s].label);
            cp_buf_puts(b, ": ");
        }
        cp_buf_puts(b, "mean (95% CI)</th><th>5-95% of runs</th>");
    }
    for (size_t s = 1; s < r->count; s++) {
        cp_buf_puts(b, "<th>");
        cp_html_escape(b, r->scenarios[s].label);
        cp_buf_puts(b, " minus ");
        cp_html_escape(b, r->scenarios[0].label);
        cp_buf_puts(b, " (paired 95% CI)</th>");
    }
    cp_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < sizeof key_rows / sizeof key_rows[0]; i++) {
        const key_row *k = &key_rows[i];
        cp_buf_puts(b, "<tr><td>");
        cp_html_escape(b, k->label);
        cp_buf_puts(b, "</td>");
        for (size_t s = 0; s < r->count; s++) {
            const cp_summary *sm = summary_of(r, s, k->id);
            char v[32], lo[32], hi[32], p5[32], p95[32];
            fmt(v, sizeof v, sm->mean, k->percent);
            fmt(lo, sizeof lo, sm->ci_low, k->percent);
            fmt(hi, sizeof hi, sm->ci_high, k->percent);
            fmt(p5, sizeof p5, sm->p5, k->percent);
            fmt(p95, sizeof p95, sm->p95, k->percent);
            cp_buf_printf(b, "<td>%s (%s to %s)</td><td>%s to %s</td>", v, lo, hi, p5, p95);
        }
        for (size_t s = 1; s < r->count; s++) {
            cp_paired_summary p;
            paired(r, s, k->id, &p);
            double f = k->percent ? 100.0 : 1.0;
            char d[32], lo[32], hi[32];
            cp_format_plain(d, sizeof d, p.diff_mean * f);
            cp_format_plain(lo, sizeof lo, p.ci_low * f);
            cp_format_plain(hi, sizeof hi, p.ci_high * f);
            cp_buf_printf(b, "<td>%s%s (%s to %s)</td>", d, k->percent ? " pts" : "", lo, hi);
        }
        cp_buf_puts(b, "</tr>\n");
    }
    cp_buf_puts(b, "</tbody>\n</table>\n");
}

static void figure(cp_buf *b, const cp_report *r, cp_report_chart chart, size_t s,
                   const char *caption) {
    cp_buf_puts(b, "<figure>\n");
    cp_report_chart_svg(b, r, chart, s);
    cp_buf_puts(b, "<figcaption>");
    cp_html_escape(b, caption);
    cp_buf_puts(b, "</figcaption>\n</figure>\n");
}

void cp_report_html(cp_buf *b, const cp_report *r) {
    CP_ASSERT(r->count >= 1);
    for (size_t s = 1; s < r->count; s++)
        CP_ASSERT(r->scenarios[s].exp->replications == r->scenarios[0].exp->replications);
    cp_buf title;
    cp_buf_init(&title);
    if (r->title) {
        cp_buf_puts(&title, r->title);
    } else {
        cp_buf_puts(&title, "Caseloads and the team: ");
        for (size_t s = 0; s < r->count; s++)
            cp_buf_printf(&title, "%s%s", s ? (s + 1 == r->count ? " and " : ", ") : "",
                          r->scenarios[s].label);
    }
    const char *t = title.data && !title.failed ? title.data : "cpsim report";
    cp_html_begin(b, t);
    cp_buf_puts(b, "<header>\n");
    cp_html_element(b, "h1", t);
    cp_buf_puts(b, "<p class=\"meta\">");
    const cp_experiment *e0 = r->scenarios[0].exp;
    char years[32], warm[32];
    cp_format_plain(years, sizeof years, e0->config.years);
    cp_format_plain(warm, sizeof warm, e0->config.warmup_years);
    cp_buf_printf(b, "%zu runs of %s years after a %s-year warm-up, master seed %llu",
                  e0->replications, years, warm, (unsigned long long)e0->options.seed);
    for (size_t s = 0; s < r->count; s++) {
        if (!r->scenarios[s].path)
            continue;
        cp_buf_puts(b, "; ");
        cp_html_escape(b, r->scenarios[s].label);
        cp_buf_puts(b, " from <code>");
        cp_html_escape(b, r->scenarios[s].path);
        cp_buf_puts(b, "</code>");
    }
    if (r->generated_utc) {
        cp_buf_puts(b, "; made ");
        cp_html_escape(b, r->generated_utc);
    }
    cp_buf_puts(b, ".</p>\n</header>\n");
    free(title.data);

    cp_buf_puts(b, "<section id=\"summary\" class=\"summary\">\n<h2>In plain words</h2>\n");
    cp_report_summary_html(b, r);
    cp_buf_puts(b, "</section>\n");

    cp_buf_puts(b, "<section id=\"waiting\">\n<h2>The waiting list and caseloads</h2>\n"
                   "<div class=\"grid\">\n");
    figure(b, r, CP_REPORT_UNALLOCATED, 0,
           "Line: the average over runs. Shaded: the middle 90% of runs. Point at the band, "
           "not only the line: a real team lives one run, and the band shows how bad an "
           "unlucky year gets.");
    figure(b, r, CP_REPORT_CASELOAD, 0,
           "Solid: the team's average caseload (band: middle 90% of runs). Dashed: the most "
           "loaded worker. When the dashed line sits above the cap, someone is carrying more "
           "than the team's own limit.");
    cp_buf_puts(b, "</div>\n</section>\n");

    cp_buf_puts(b, "<section id=\"staff\">\n<h2>Who is in post, and how they are</h2>\n"
                   "<div class=\"grid\">\n");
    for (size_t s = 0; s < r->count; s++)
        figure(b, r, CP_REPORT_STAFF, s,
               "Permanent and newly qualified staff, agency staff and vacant posts (FTE), "
               "averaged over runs with the middle 90% shaded. Vacancies are covered by agency "
               "staff after a lag, and only some of them.");
    figure(b, r, CP_REPORT_BURNOUT, 0,
           "How burnt out the workers in post were at the end of each run (0-100, like the "
           "Copenhagen Burnout Inventory). Bars: share of workers, averaged over runs; "
           "whiskers: 95% confidence interval.");
    cp_buf_puts(b, "</div>\n</section>\n");

    cp_buf_puts(b, "<section id=\"harm\">\n<h2>Harm and missed risk</h2>\n"
                   "<div class=\"grid\">\n");
    figure(b, r, CP_REPORT_HARM, 0,
           "Serious harm events and missed-risk events a year, by cause (whiskers: 95% "
           "confidence interval). The base rates are uncertain: compare bars, do not read "
           "them as forecasts.");
    cp_buf_puts(b, "</div>\n</section>\n");

    cp_buf_puts(b, "<section id=\"figures\">\n<h2>Key figures</h2>\n");
    key_table(b, r);
    cp_buf_puts(b, "<p class=\"small\">Mean over runs with its 95% confidence interval, and "
                   "the range within which 90% of single runs fell. Rates are per year after "
                   "the warm-up.</p>\n</section>\n");

    cp_buf_puts(b, "<section id=\"about\">\n<h2>About these numbers</h2>\n<p class=\"note\">"
                   "cpsim simulates one child protection team day by day: referrals arrive, "
                   "a manager allocates cases to social workers up to a cap, workers tire, fall "
                   "sick, resign and are replaced after a delay, and children whose risk is "
                   "not recognised or whose case waits are more likely to come to harm. It is "
                   "one team, not a local authority; its harm rates are assumptions, not "
                   "estimates. Use it to see how the parts push on each other, not to predict a "
                   "particular team.</p>\n");
    if (r->command_line) {
        cp_buf_puts(b, "<p class=\"small\">To reproduce this report exactly: <code>");
        cp_html_escape(b, r->command_line);
        cp_buf_puts(b, "</code></p>\n");
    }
    cp_buf_puts(b, "</section>\n");
    cp_html_end(b);
}
